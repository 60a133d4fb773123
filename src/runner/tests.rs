//! Scenario tables for the session runner: actions in, expected record out. Every action
//! happens one minute after the previous one, so expected records are exact.

use super::*;
use crate::model::*;
use crate::template::parse;
use chrono::{NaiveDate, TimeZone};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("valid time")
}

fn at(minute: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::minutes(minute)
}

fn template(roles: &str, requires: &str, steps: &str) -> Template {
    let text = format!(
        "(format: 1, id: \"t\", title: \"T\", summary: \"S\", source: \"own\", roles: [{roles}], requires: [{requires}], steps: [{steps}])"
    );
    match parse("t.ron", &text) {
        Ok(t) => t,
        Err(e) => panic!("test template does not load: {:?}", e.problems),
    }
}

fn start_with(
    template: &Template,
    facts: CoupleFacts,
    bindings: Bindings,
) -> Result<Runner, RunError> {
    Runner::start(
        template,
        Start {
            session: SessionId(uuid::Uuid::nil()),
            couple: CoupleId(uuid::Uuid::nil()),
            bindings,
            facts,
            questions: None,
        },
        t0(),
    )
}

fn dialogue_bindings() -> Bindings {
    Bindings {
        speaker: Some(Partner::A),
        hurt_partner: Some(Partner::B),
    }
}

fn start(template: &Template) -> Runner {
    start_with(template, CoupleFacts::default(), dialogue_bindings()).expect("session starts")
}

/// Apply actions one minute apart, starting at minute 1; every one must succeed.
fn run(runner: &mut Runner, actions: Vec<Action>) {
    for (i, action) in actions.into_iter().enumerate() {
        let name = action.name();
        if let Err(e) = runner.apply(action, at(i as i64 + 1)) {
            panic!("action {i} ({name}) refused: {e}");
        }
    }
}

fn s(text: &str) -> String {
    text.to_string()
}

const LOOP: &str = r#"(id: "mirror", title: "Mirror", kind: ParaphraseLoop(stages: [Summary, Validation, Empathy])),
    (id: "end", title: "End", prompts: ["done"], kind: Script)"#;

#[test]
fn mirror_loop_is_confirmed_on_the_third_attempt() {
    let t = template("Speaker, Listener", "", LOOP);
    let mut r = start(&t);
    run(
        &mut r,
        vec![
            Action::SpeakerSays(s("I feel alone in the evenings")),
            Action::Mirror(s("You feel bored")),
            Action::Verdict {
                outcome: MirrorOutcome::Corrected,
                reply: s("Not bored, alone"),
            },
            Action::Mirror(s("You feel alone in the evenings")),
            Action::Verdict {
                outcome: MirrorOutcome::More,
                reply: s("And I miss our walks"),
            },
            Action::Mirror(s("You feel alone, and you miss our walks")),
            Action::Verdict {
                outcome: MirrorOutcome::Confirmed,
                reply: s("ignored when confirmed"),
            },
        ],
    );
    let expected = LoopRecord {
        speaker: Partner::A,
        listener: Partner::B,
        message: Some(Utterance {
            text: s("I feel alone in the evenings"),
            at: at(1),
        }),
        attempts: vec![
            MirrorAttempt {
                text: s("You feel bored"),
                at: at(2),
                outcome: Some(MirrorOutcome::Corrected),
                reply: s("Not bored, alone"),
            },
            MirrorAttempt {
                text: s("You feel alone in the evenings"),
                at: at(4),
                outcome: Some(MirrorOutcome::More),
                reply: s("And I miss our walks"),
            },
            MirrorAttempt {
                text: s("You feel alone, and you miss our walks"),
                at: at(6),
                outcome: Some(MirrorOutcome::Confirmed),
                reply: String::new(),
            },
        ],
        stages: Default::default(),
    };
    assert_eq!(r.session().steps[0].data, StepData::Loop(expected.clone()));
    assert!(expected.is_confirmed());
    assert_eq!(expected.corrections(), 1);
    assert_eq!(expected.more_cycles(), 1);

    r.apply(Action::Next, at(8)).expect("next");
    assert_eq!(r.session().steps[0].status, StepStatus::Done);
    assert_eq!(r.session().steps[0].active_secs, 8 * 60);
    assert_eq!(r.session().current, 1);
}

#[test]
fn mirror_loop_refuses_actions_out_of_order() {
    let t = template("Speaker, Listener", "", LOOP);
    // (actions that succeed first, the action then refused, a fragment of the refusal)
    let cases: Vec<(Vec<Action>, Action, &str)> = vec![
        (vec![], Action::Mirror(s("x")), "has not spoken"),
        (
            vec![],
            Action::Verdict {
                outcome: MirrorOutcome::Confirmed,
                reply: s(""),
            },
            "no mirror waiting",
        ),
        (
            vec![Action::SpeakerSays(s("a")), Action::Mirror(s("b"))],
            Action::Mirror(s("c")),
            "has not answered",
        ),
        (
            vec![Action::SpeakerSays(s("a")), Action::Mirror(s("b"))],
            Action::SpeakerSays(s("again")),
            "started mirroring",
        ),
        (
            vec![Action::SpeakerSays(s("a"))],
            Action::StageAttempt {
                stage: LoopStage::Summary,
                text: s("sum"),
                feelings: vec![],
            },
            "not confirmed",
        ),
        (
            vec![
                Action::SpeakerSays(s("a")),
                Action::Mirror(s("b")),
                Action::Verdict {
                    outcome: MirrorOutcome::Confirmed,
                    reply: s(""),
                },
            ],
            Action::Mirror(s("c")),
            "already confirmed",
        ),
        (
            vec![
                Action::SpeakerSays(s("a")),
                Action::Mirror(s("b")),
                Action::Verdict {
                    outcome: MirrorOutcome::Confirmed,
                    reply: s(""),
                },
            ],
            Action::StageAttempt {
                stage: LoopStage::Validation,
                text: s("v"),
                feelings: vec![s("sad")],
            },
            "empathy stage",
        ),
        (
            vec![],
            Action::Rate {
                rater: Partner::A,
                item: s("x"),
                value: 1,
            },
            "does not apply to a ParaphraseLoop",
        ),
        (vec![], Action::SpeakerSays(s("   ")), "empty"),
    ];
    for (before, refused, fragment) in cases {
        let mut r = start(&t);
        run(&mut r, before);
        let snapshot = r.session().clone();
        match r.apply(refused.clone(), at(30)) {
            Ok(()) => panic!("{refused:?} should be refused"),
            Err(e) => assert!(e.to_string().contains(fragment), "{refused:?}: {e}"),
        }
        assert_eq!(r.session(), &snapshot, "a refused action changes nothing");
    }
}

#[test]
fn stages_after_the_loop_record_summary_validation_and_feelings() {
    let t = template("Speaker, Listener", "", LOOP);
    let mut r = start(&t);
    run(
        &mut r,
        vec![
            Action::SpeakerSays(s("a")),
            Action::Mirror(s("b")),
            Action::Verdict {
                outcome: MirrorOutcome::Confirmed,
                reply: s(""),
            },
            Action::StageAttempt {
                stage: LoopStage::Summary,
                text: s("sum 1"),
                feelings: vec![],
            },
            Action::StageVerdict {
                stage: LoopStage::Summary,
                accepted: false,
            },
            Action::StageAttempt {
                stage: LoopStage::Summary,
                text: s("sum 2"),
                feelings: vec![],
            },
            Action::StageVerdict {
                stage: LoopStage::Summary,
                accepted: true,
            },
            Action::StageAttempt {
                stage: LoopStage::Validation,
                text: s("You make sense"),
                feelings: vec![],
            },
            Action::StageVerdict {
                stage: LoopStage::Validation,
                accepted: true,
            },
            Action::StageAttempt {
                stage: LoopStage::Empathy,
                text: s("I imagine you feel"),
                feelings: vec![s("lonely"), s("hurt")],
            },
            Action::StageVerdict {
                stage: LoopStage::Empathy,
                accepted: true,
            },
        ],
    );
    let StepData::Loop(l) = &r.session().steps[0].data else {
        panic!("loop record expected");
    };
    assert_eq!(l.stages[&LoopStage::Summary].len(), 2);
    assert_eq!(l.stage_accepted(LoopStage::Summary), Some(true));
    assert_eq!(l.stages[&LoopStage::Summary][0].accepted, Some(false));
    assert_eq!(l.stage_accepted(LoopStage::Validation), Some(true));
    assert_eq!(
        l.stages[&LoopStage::Empathy][0].feelings,
        vec![s("lonely"), s("hurt")]
    );
}

#[test]
fn a_confirm_gate_blocks_until_the_therapist_confirms() {
    let t = template(
        "",
        "",
        r#"(id: "ready", title: "Ready?", prompts: ["x"], gates: [Confirm("Both consent")], kind: Script),
           (id: "next", title: "Next", prompts: ["y"], kind: Script)"#,
    );
    let mut r = start(&t);
    let blocked = r.apply(Action::Next, at(1));
    assert_eq!(
        blocked,
        Err(RunError::Gated(vec![s("confirm that both consent")]))
    );
    assert_eq!(r.session().current, 0);
    assert_eq!(
        r.session().log.last().map(|l| &l.event),
        Some(&LogEvent::GateBlocked)
    );
    assert!(
        r.apply(
            Action::Skip {
                reason: s("no time")
            },
            at(2)
        )
        .is_err(),
        "skip cannot bypass a gate"
    );
    assert!(
        r.apply(
            Action::ConfirmGate {
                statement: s("Something else")
            },
            at(3)
        )
        .is_err()
    );

    r.apply(
        Action::ConfirmGate {
            statement: s("Both consent"),
        },
        at(4),
    )
    .expect("confirm");
    r.apply(Action::Next, at(5)).expect("next after confirming");
    assert_eq!(r.session().current, 1);
    assert_eq!(
        r.session().steps[0].confirmations,
        vec![Confirmation {
            statement: s("Both consent"),
            at: at(4)
        }]
    );
}

#[test]
fn a_completed_gate_blocks_until_the_loop_is_confirmed() {
    let t = template(
        "Speaker, Listener",
        "",
        r#"(id: "mirror", title: "Mirror", gates: [Completed("mirror")], kind: ParaphraseLoop()),
           (id: "end", title: "End", prompts: ["y"], kind: Script)"#,
    );
    let mut r = start(&t);
    run(
        &mut r,
        vec![Action::SpeakerSays(s("a")), Action::Mirror(s("b"))],
    );
    assert!(matches!(
        r.apply(Action::Next, at(5)),
        Err(RunError::Gated(_))
    ));
    run(
        &mut r,
        vec![Action::Verdict {
            outcome: MirrorOutcome::Confirmed,
            reply: s(""),
        }],
    );
    r.apply(Action::Next, at(6))
        .expect("gate holds once confirmed");
}

#[test]
fn an_all_checked_gate_needs_every_item_from_every_respondent() {
    let t = template(
        "",
        "",
        r#"(id: "ready", title: "Ready", gates: [AllChecked("ready")], kind: Checklist(respondents: Each, items: ["calm", "willing"])),
           (id: "end", title: "End", prompts: ["y"], kind: Script)"#,
    );
    let mut r = start(&t);
    let tick = |p, item: &str| Action::Check {
        respondent: Respondent::Partner(p),
        item: s(item),
        checked: true,
    };
    run(
        &mut r,
        vec![
            tick(Partner::A, "calm"),
            tick(Partner::A, "willing"),
            tick(Partner::B, "calm"),
        ],
    );
    assert!(matches!(
        r.apply(Action::Next, at(9)),
        Err(RunError::Gated(_))
    ));
    run(&mut r, vec![tick(Partner::B, "willing")]);
    r.apply(Action::Next, at(9)).expect("all ticked");
}

#[test]
fn a_joint_protocol_is_locked_until_both_screens_and_a_decision() {
    let t = template(
        "",
        "BothScreened, JointWorkCleared",
        r#"(id: "a", title: "A", prompts: ["x"], kind: Script)"#,
    );
    let mut facts = CoupleFacts::default();
    let locked = start_with(&t, facts.clone(), dialogue_bindings());
    assert!(matches!(&locked, Err(RunError::Locked(why)) if why.len() == 2));

    facts.screened.insert(Partner::A);
    facts.screened.insert(Partner::B);
    facts.safety_decision = Some(SafetyDecision::IndividualWorkOnly);
    let locked = start_with(&t, facts.clone(), dialogue_bindings());
    assert_eq!(
        locked.err(),
        Some(RunError::Locked(vec![s(
            "the therapist must record a safety decision that allows joint work"
        )]))
    );

    facts.safety_decision = Some(SafetyDecision::JointWorkWithSafetyProtocol);
    assert!(start_with(&t, facts, dialogue_bindings()).is_ok());
}

#[test]
fn roles_must_be_bound_before_start() {
    let t = template(
        "HurtPartner, DisclosingPartner",
        "",
        r#"(id: "a", title: "A", prompts: ["{hurt_partner}"], kind: Script)"#,
    );
    let unbound = start_with(&t, CoupleFacts::default(), Bindings::default());
    assert_eq!(unbound.err(), Some(RunError::Unbound(Role::HurtPartner)));
}

#[test]
fn a_repeat_runs_the_dialogue_once_per_partner_with_roles_swapped() {
    let t = template(
        "Speaker, Listener",
        "",
        r#"(id: "round", title: "Round", kind: Repeat(times: 2, swap_roles: true, steps: [
              (id: "mirror", title: "Mirror {speaker}", kind: ParaphraseLoop()),
              (id: "thanks", title: "Thanks", prompts: ["{listener} thanks {speaker}"], kind: Script),
           ])),
           (id: "after", title: "After", prompts: ["{speaker} again"], kind: Script)"#,
    );
    let r = start(&t);
    let layout: Vec<(&str, u32, Option<Partner>)> = r
        .session()
        .steps
        .iter()
        .map(|st| (st.step_id.as_str(), st.pass, st.roles.speaker))
        .collect();
    assert_eq!(
        layout,
        vec![
            ("mirror", 1, Some(Partner::A)),
            ("thanks", 1, Some(Partner::A)),
            ("mirror", 2, Some(Partner::B)),
            ("thanks", 2, Some(Partner::B)),
            ("after", 1, Some(Partner::A)),
        ]
    );
    let StepData::Loop(second) = &r.session().steps[2].data else {
        panic!("loop expected");
    };
    assert_eq!((second.speaker, second.listener), (Partner::B, Partner::A));
    let names = PartnerNames {
        a: s("Ana"),
        b: s("Ben"),
        ..Default::default()
    };
    assert_eq!(
        r.fill(3, "{listener} thanks {speaker}", &names),
        "Ana thanks Ben"
    );
    assert_eq!(
        r.fill(1, "{listener} thanks {speaker}", &names),
        "Ben thanks Ana"
    );
}

#[test]
fn a_swap_roles_step_swaps_what_follows_and_the_therapist_can_swap_by_hand() {
    let t = template(
        "Speaker, Listener",
        "",
        r#"(id: "one", title: "One", kind: ParaphraseLoop()),
           (id: "swap", title: "Change places", prompts: ["Now {speaker} speaks"], kind: SwapRoles),
           (id: "two", title: "Two", kind: ParaphraseLoop())"#,
    );
    let mut r = start(&t);
    let speakers: Vec<_> = r
        .session()
        .steps
        .iter()
        .map(|st| st.roles.speaker)
        .collect();
    assert_eq!(
        speakers,
        vec![Some(Partner::A), Some(Partner::B), Some(Partner::B)]
    );

    // By hand, before anything is recorded: this step and every later one swap.
    r.apply(Action::SwapRoles, at(1)).expect("swap");
    let speakers: Vec<_> = r
        .session()
        .steps
        .iter()
        .map(|st| st.roles.speaker)
        .collect();
    assert_eq!(
        speakers,
        vec![Some(Partner::B), Some(Partner::A), Some(Partner::A)]
    );
    let StepData::Loop(l) = &r.session().steps[0].data else {
        panic!("loop")
    };
    assert_eq!(l.speaker, Partner::B);
    assert_eq!(
        r.session().log.last().map(|e| &e.event),
        Some(&LogEvent::RolesSwapped)
    );

    // Once something is recorded, swapping would misattribute it.
    run(&mut r, vec![Action::SpeakerSays(s("hello"))]);
    assert!(matches!(
        r.apply(Action::SwapRoles, at(5)),
        Err(RunError::Refused(_))
    ));
}

const FLOOR: &str = r#"(id: "floor", title: "Floor", kind: Floor(rules: ["Rebuttal", "Mind-reading"], max_timeout_hours: 24)),
    (id: "end", title: "End", prompts: ["done"], kind: Script)"#;

#[test]
fn the_floor_records_who_held_it_what_was_said_breaches_and_time_outs() {
    let t = template("Speaker, Listener", "", FLOOR);
    let mut r = start(&t);
    run(
        &mut r,
        vec![
            Action::FloorChunk(s("I worry about money")),
            Action::FloorParaphrase {
                text: s("You worry about money"),
                accuracy: Accuracy::Accurate,
            },
            Action::Breach {
                rule: s("Rebuttal"),
                by: Partner::B,
            },
            Action::PassFloor,
            Action::FloorChunk(s("I worry too")),
            Action::FloorParaphrase {
                text: s("You are scared"),
                accuracy: Accuracy::Partly,
            },
            Action::TimeOut {
                by: Partner::A,
                resume_at: at(60),
            },
        ],
    );
    let expected = FloorRecord {
        holders: vec![
            FloorChange {
                holder: Partner::A,
                at: at(0),
            },
            FloorChange {
                holder: Partner::B,
                at: at(4),
            },
        ],
        exchanges: vec![
            Exchange::Chunk {
                by: Partner::A,
                text: s("I worry about money"),
                at: at(1),
            },
            Exchange::Paraphrase {
                by: Partner::B,
                text: s("You worry about money"),
                accuracy: Accuracy::Accurate,
                at: at(2),
            },
            Exchange::Chunk {
                by: Partner::B,
                text: s("I worry too"),
                at: at(5),
            },
            Exchange::Paraphrase {
                by: Partner::A,
                text: s("You are scared"),
                accuracy: Accuracy::Partly,
                at: at(6),
            },
        ],
        breaches: vec![Breach {
            rule: s("Rebuttal"),
            by: Partner::B,
            at: at(3),
        }],
        timeouts: vec![TimeOut {
            called_by: Partner::A,
            at: at(7),
            resume_at: at(60),
            resumed_at: None,
        }],
    };
    assert_eq!(r.session().steps[0].data, StepData::Floor(expected));

    // During the time-out nobody talks; after resuming they do.
    assert!(r.apply(Action::FloorChunk(s("more")), at(8)).is_err());
    assert!(r.apply(Action::PassFloor, at(8)).is_err());
    r.apply(Action::Resume, at(9)).expect("resume");
    r.apply(Action::FloorChunk(s("more")), at(10))
        .expect("talk again");
    assert!(r.is_complete(0));
}

#[test]
fn the_floor_refuses_what_its_rules_do_not_allow() {
    let t = template("Speaker, Listener", "", FLOOR);
    let cases: Vec<(Vec<Action>, Action, &str)> = vec![
        (
            vec![],
            Action::FloorParaphrase {
                text: s("x"),
                accuracy: Accuracy::Accurate,
            },
            "has not spoken",
        ),
        (
            vec![Action::FloorChunk(s("a")), Action::PassFloor],
            Action::FloorParaphrase {
                text: s("x"),
                accuracy: Accuracy::Accurate,
            },
            "has not spoken since",
        ),
        (
            vec![],
            Action::Breach {
                rule: s("Sulking"),
                by: Partner::A,
            },
            "not one of this step's rules",
        ),
        (
            vec![],
            Action::TimeOut {
                by: Partner::B,
                resume_at: at(25 * 60),
            },
            "within 24 hours",
        ),
        (
            vec![],
            Action::TimeOut {
                by: Partner::B,
                resume_at: at(0),
            },
            "in the future",
        ),
        (vec![], Action::Resume, "no time-out"),
    ];
    for (before, refused, fragment) in cases {
        let mut r = start(&t);
        run(&mut r, before);
        match r.apply(refused.clone(), at(20)) {
            Ok(()) => panic!("{refused:?} should be refused"),
            Err(e) => assert!(e.to_string().contains(fragment), "{refused:?}: {e}"),
        }
    }
}

const QUESTIONS: &str = r#"(id: "prepare", title: "Your questions", visibility: PartnerPrivate, kind: Questions(owner: HurtPartner, categories: ["Timeline", "Contact"])),
    (id: "ask", title: "Asking", kind: Questions(owner: HurtPartner, answering: true)),
    (id: "end", title: "End", prompts: ["done"], kind: Script)"#;

fn add(text: &str, category: &str) -> Action {
    Action::AddQuestion {
        text: s(text),
        category: s(category),
        why: s("I need to know"),
    }
}

#[test]
fn a_question_list_is_ordered_by_its_owner_then_released_and_answered() {
    let t = template("HurtPartner, DisclosingPartner", "", QUESTIONS);
    let mut r = start(&t);
    run(
        &mut r,
        vec![
            add("When did it start?", "Timeline"),
            add("Are you still in touch?", "Contact"),
            add("Where did you meet?", ""),
            Action::MoveQuestion { id: 2, to: 0 },
            Action::SetQuestionStatus {
                id: 1,
                status: QuestionStatus::Included,
            },
            Action::SetQuestionStatus {
                id: 2,
                status: QuestionStatus::Included,
            },
            Action::SetQuestionStatus {
                id: 3,
                status: QuestionStatus::Withdrawn,
            },
            Action::SetCaution {
                id: 1,
                caution: true,
            },
        ],
    );
    assert!(
        r.apply(
            Action::AnswerQuestion {
                id: 1,
                text: s("x")
            },
            at(10)
        )
        .is_err(),
        "no answers while preparing"
    );
    let StepData::Questions(q) = &r.session().steps[0].data else {
        panic!("questions")
    };
    assert_eq!(q.owner, Partner::B);
    let order: Vec<u32> = q.items.iter().map(|i| i.id).collect();
    assert_eq!(order, vec![2, 1, 3]);
    assert!(q.items[1].caution);
    assert_eq!(q.released_at, None);

    r.apply(Action::Next, at(11))
        .expect("to the disclosure step");
    let StepData::Questions(carried) = &r.session().steps[1].data else {
        panic!("questions")
    };
    assert_eq!(
        carried.items.len(),
        3,
        "the list is carried into the asking step"
    );
    assert!(
        r.apply(
            Action::AnswerQuestion {
                id: 2,
                text: s("No")
            },
            at(12)
        )
        .is_err(),
        "private until released"
    );
    r.apply(Action::ReleaseQuestions, at(13)).expect("release");
    r.apply(
        Action::AnswerQuestion {
            id: 2,
            text: s("No, not since May"),
        },
        at(14),
    )
    .expect("answer");
    assert!(!r.is_complete(1), "question 1 is still open");
    assert!(
        r.apply(
            Action::AnswerQuestion {
                id: 3,
                text: s("x")
            },
            at(15)
        )
        .is_err(),
        "withdrawn"
    );
    r.apply(
        Action::SetQuestionStatus {
            id: 1,
            status: QuestionStatus::Deferred,
        },
        at(16),
    )
    .expect("defer");
    assert!(r.is_complete(1));

    let StepData::Questions(q) = &r.session().steps[1].data else {
        panic!("questions")
    };
    let statuses: Vec<_> = q.items.iter().map(|i| (i.id, i.status)).collect();
    assert_eq!(
        statuses,
        vec![
            (2, QuestionStatus::Answered),
            (1, QuestionStatus::Deferred),
            (3, QuestionStatus::Withdrawn)
        ]
    );
    assert_eq!(
        q.items[0].answer,
        Some(Utterance {
            text: s("No, not since May"),
            at: at(14)
        })
    );
    assert_eq!(q.released_at, Some(at(13)));
}

#[test]
fn questions_refuse_unknown_categories_and_ids() {
    let t = template("HurtPartner, DisclosingPartner", "", QUESTIONS);
    let mut r = start(&t);
    assert!(r.apply(add("q", "Money"), at(1)).is_err());
    assert!(
        r.apply(
            Action::SetCaution {
                id: 9,
                caution: true
            },
            at(1)
        )
        .is_err()
    );
    assert!(
        r.apply(Action::MoveQuestion { id: 1, to: 0 }, at(1))
            .is_err()
    );
}

fn commitment(
    owner: crate::model::Owner,
    behaviour: &str,
    start: (u32, u32),
    review: (u32, u32),
) -> CommitmentDraft {
    let date = |(m, d): (u32, u32)| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
    CommitmentDraft {
        owner,
        category: s("Contact during the day"),
        behaviour: s(behaviour),
        rhythm: s("every weekday at lunch"),
        verification: Verification::PartnerConfirms,
        starts_on: date(start),
        review_on: date(review),
    }
}

#[test]
fn a_plan_holds_commitments_with_owner_rhythm_verification_and_dates() {
    let t = template(
        "",
        "",
        r#"(id: "plan", title: "Plan", kind: Plan(categories: ["Contact during the day"])),
           (id: "end", title: "End", prompts: ["done"], kind: Script)"#,
    );
    let mut r = start(&t);
    let first = commitment(
        crate::model::Owner::A,
        "Send a text at lunch",
        (11, 23),
        (11, 30),
    );
    let second = commitment(
        crate::model::Owner::B,
        "Ask how the day went",
        (11, 23),
        (11, 30),
    );
    run(
        &mut r,
        vec![
            Action::AddCommitment(first.clone()),
            Action::AddCommitment(second.clone()),
            Action::AddCommitment(commitment(
                crate::model::Owner::B,
                "temporary",
                (11, 23),
                (11, 30),
            )),
            Action::RemoveCommitment { id: 3 },
        ],
    );
    let expected = PlanRecord {
        commitments: vec![
            Commitment {
                id: 1,
                draft: first,
                added_at: at(1),
            },
            Commitment {
                id: 2,
                draft: second,
                added_at: at(2),
            },
        ],
        next_id: 4,
    };
    assert_eq!(r.session().steps[0].data, StepData::Plan(expected));

    let backwards = commitment(crate::model::Owner::A, "x", (11, 30), (11, 23));
    assert!(r.apply(Action::AddCommitment(backwards), at(9)).is_err());
    let mut wrong_category = commitment(crate::model::Owner::A, "x", (11, 23), (11, 30));
    wrong_category.category = s("Money");
    assert!(
        r.apply(Action::AddCommitment(wrong_category), at(9))
            .is_err()
    );
    let empty = commitment(crate::model::Owner::A, " ", (11, 23), (11, 30));
    assert_eq!(
        r.apply(Action::AddCommitment(empty), at(9)),
        Err(RunError::EmptyText)
    );
}

#[test]
fn a_plan_only_takes_commitments_from_its_owners() {
    let t = template(
        "HurtPartner, DisclosingPartner",
        "",
        r#"(id: "plan", title: "Plan", kind: Plan(owners: [DisclosingPartner])),
           (id: "end", title: "End", prompts: ["done"], kind: Script)"#,
    );
    let mut r = start(&t);
    // The hurt partner is B, so the disclosing partner is A.
    assert!(
        r.apply(
            Action::AddCommitment(commitment(crate::model::Owner::B, "x", (11, 23), (11, 30))),
            at(1)
        )
        .is_err()
    );
    r.apply(
        Action::AddCommitment(commitment(crate::model::Owner::A, "x", (11, 23), (11, 30))),
        at(1),
    )
    .expect("owner");
    // A shared commitment needs both partners among the plan's owners.
    let refused = r
        .apply(
            Action::AddCommitment(commitment(
                crate::model::Owner::Both,
                "x",
                (11, 23),
                (11, 30),
            )),
            at(1),
        )
        .expect_err("one owner only");
    assert!(refused.to_string().contains("both partners"), "{refused}");
}

#[test]
fn a_shared_commitment_is_both_partners_and_each_reviews_it_as_their_own() {
    let t = template(
        "",
        "",
        r#"(id: "plan", title: "Plan", kind: Plan()),
           (id: "end", title: "End", prompts: ["done"], kind: Script)"#,
    );
    let mut r = start(&t);
    let shared = commitment(
        crate::model::Owner::Both,
        "Walk together on Sundays",
        (11, 23),
        (11, 30),
    );
    r.apply(Action::AddCommitment(shared.clone()), at(1))
        .expect("both partners own commitments in this plan");
    let StepData::Plan(p) = &r.session().steps[0].data else {
        panic!("a plan")
    };
    assert_eq!(p.commitments[0].draft, shared);
    // Into the ledger: one item owned by both, reviewed from each side.
    let mut course = crate::model::Course::new(r.session().couple);
    assert_eq!(course.carry_forward(r.session()), 1);
    let item = course.ledger.first().expect("in the ledger");
    assert_eq!(item.owner, crate::model::Owner::Both);
    assert!(item.owner.includes(Partner::A) && item.owner.includes(Partner::B));
}

const CSI4: &str = r#"(id: "csi", title: "CSI-4", kind: Rating(items: [
        (id: "happy", label: "Happiness", max: 6),
        (id: "warm", label: "Warm", max: 5),
        (id: "rewarding", label: "Rewarding", max: 5),
        (id: "satisfied", label: "Satisfied", max: 5),
    ], scoring: Sum(cutoff: 13.5, flag: "distress range"))),
    (id: "end", title: "End", prompts: ["done"], kind: Script)"#;

#[test]
fn a_sum_scored_scale_totals_each_rater_and_flags_the_cutoff() {
    let t = template("", "", CSI4);
    let mut r = start(&t);
    let rate = |p, item: &str, value| Action::Rate {
        rater: p,
        item: s(item),
        value,
    };
    run(
        &mut r,
        vec![
            rate(Partner::A, "happy", 4),
            rate(Partner::A, "warm", 4),
            rate(Partner::A, "rewarding", 3),
            rate(Partner::A, "satisfied", 4),
            rate(Partner::B, "happy", 2),
            rate(Partner::B, "warm", 3),
            rate(Partner::B, "rewarding", 2),
        ],
    );
    assert!(!r.is_complete(0), "B has one item left");
    run(&mut r, vec![rate(Partner::B, "satisfied", 3)]);
    let StepData::Rating(rating) = &r.session().steps[0].data else {
        panic!("rating")
    };
    assert_eq!(
        rating.scores[&Partner::A],
        Score {
            total: 15,
            max: 21,
            below_cutoff: false
        }
    );
    assert_eq!(
        rating.scores[&Partner::B],
        Score {
            total: 10,
            max: 21,
            below_cutoff: true
        }
    );
    assert!(r.is_complete(0));

    assert!(
        r.apply(rate(Partner::A, "happy", 7), at(20)).is_err(),
        "out of range"
    );
    assert!(
        r.apply(rate(Partner::A, "joy", 1), at(20)).is_err(),
        "unknown item"
    );
}

#[test]
fn text_choice_and_checklist_take_entries_only_from_their_respondents() {
    let t = template(
        "HurtPartner, DisclosingPartner",
        "",
        r#"(id: "letter", title: "Letter", kind: Text(respondents: Role(HurtPartner))),
           (id: "pick", title: "Pick", kind: Choice(respondents: Each, options: ["Company", "Space"])),
           (id: "many", title: "Many", kind: Choice(respondents: Joint, options: ["a", "b", "c"], multiple: true)),
           (id: "list", title: "List", kind: Checklist(respondents: Clinician, items: ["one", "two"]))"#,
    );
    let mut r = start(&t);
    let write = |who, text: &str| Action::WriteText {
        respondent: who,
        text: s(text),
    };
    assert!(
        r.apply(write(Respondent::Partner(Partner::A), "x"), at(1))
            .is_err(),
        "A is not the hurt partner"
    );
    assert!(r.apply(write(Respondent::Joint, "x"), at(1)).is_err());
    run(
        &mut r,
        vec![
            write(Respondent::Partner(Partner::B), "Dear…"),
            Action::Next,
        ],
    );

    let choose = |who, option: &str, selected| Action::Choose {
        respondent: who,
        option: s(option),
        selected,
    };
    run(
        &mut r,
        vec![
            choose(Respondent::Partner(Partner::A), "Company", true),
            choose(Respondent::Partner(Partner::A), "Space", true),
            choose(Respondent::Partner(Partner::B), "Company", true),
            Action::Next,
            choose(Respondent::Joint, "c", true),
            choose(Respondent::Joint, "a", true),
            choose(Respondent::Joint, "b", true),
            choose(Respondent::Joint, "b", false),
            Action::Next,
            Action::Check {
                respondent: Respondent::Clinician,
                item: s("two"),
                checked: true,
            },
        ],
    );
    let steps = &r.session().steps;
    let mut text = EntriesRecord::default();
    text.entries
        .insert(Respondent::Partner(Partner::B), s("Dear…"));
    assert_eq!(steps[0].data, StepData::Text(text));
    let mut single = EntriesRecord::default();
    single
        .entries
        .insert(Respondent::Partner(Partner::A), vec![s("Space")]);
    single
        .entries
        .insert(Respondent::Partner(Partner::B), vec![s("Company")]);
    assert_eq!(steps[1].data, StepData::Choice(single));
    let mut multiple = EntriesRecord::default();
    multiple
        .entries
        .insert(Respondent::Joint, vec![s("a"), s("c")]);
    assert_eq!(steps[2].data, StepData::Choice(multiple));
    assert!(
        matches!(&steps[3].data, StepData::Checklist(e) if e.entries[&Respondent::Clinician] == vec![s("two")])
    );
    assert!(
        r.apply(choose(Respondent::Joint, "z", true), at(30))
            .is_err()
    );
}

#[test]
fn navigation_records_status_time_skips_and_the_end() {
    let t = template(
        "",
        "",
        r#"(id: "a", title: "A", prompts: ["x"], timebox_mins: 2, kind: Script),
           (id: "b", title: "B", kind: Text()),
           (id: "c", title: "C", prompts: ["z"], kind: Script)"#,
    );
    let mut r = start(&t);
    assert_eq!(r.apply(Action::Back, at(0)), Err(RunError::AtFirstStep));
    assert_eq!(
        r.timer(at(1)),
        Timer {
            elapsed_secs: 60,
            limit_secs: Some(120)
        }
    );
    assert!(!r.timer(at(1)).is_over());
    assert!(r.timer(at(3)).is_over());
    r.apply(Action::Next, at(3)).expect("next");
    r.apply(Action::Back, at(4)).expect("back");
    // Time on a step adds up over visits.
    assert_eq!(r.timer(at(5)).elapsed_secs, 4 * 60);
    r.apply(Action::Next, at(5)).expect("next");
    r.apply(Action::Note(s("tense")), at(5)).expect("note");
    r.apply(Action::Next, at(6))
        .expect("next leaves B incomplete");
    assert_eq!(r.apply(Action::Next, at(7)), Err(RunError::AtLastStep));
    r.apply(Action::Back, at(7)).expect("back");
    r.apply(
        Action::Skip {
            reason: s("ran out of time"),
        },
        at(8),
    )
    .expect("skip");
    r.apply(Action::End, at(9)).expect("end");

    let session = r.session();
    let statuses: Vec<_> = session.steps.iter().map(|st| st.status).collect();
    assert_eq!(
        statuses,
        vec![StepStatus::Done, StepStatus::Skipped, StepStatus::Done]
    );
    assert_eq!(
        session.steps[1].skip_reason.as_deref(),
        Some("ran out of time")
    );
    assert_eq!(session.steps[1].clinician_note, "tense");
    assert_eq!(session.steps[0].active_secs, 4 * 60);
    assert_eq!(session.ended_at, Some(at(9)));
    let events: Vec<_> = session.log.iter().map(|l| l.event.clone()).collect();
    assert_eq!(events.first(), Some(&LogEvent::Started));
    assert_eq!(events.last(), Some(&LogEvent::Ended));
    assert_eq!(r.apply(Action::Next, at(10)), Err(RunError::Ended));
}

#[test]
fn the_end_is_always_allowed_even_at_a_gate() {
    let t = template(
        "",
        "",
        r#"(id: "a", title: "A", prompts: ["x"], gates: [Confirm("ok")], kind: Script)"#,
    );
    let mut r = start(&t);
    r.apply(Action::End, at(1))
        .expect("a therapist can always stop");
    assert!(r.is_ended());
}

#[test]
fn a_saved_session_resumes_where_it_stopped() {
    let t = template("Speaker, Listener", "", LOOP);
    let mut r = start(&t);
    run(
        &mut r,
        vec![Action::SpeakerSays(s("a")), Action::Mirror(s("b"))],
    );
    let text = ron::ser::to_string_pretty(r.session(), ron::ser::PrettyConfig::default())
        .expect("serialize");
    let saved: Session = ron::from_str(&text).expect("deserialize");
    assert_eq!(&saved, r.session());

    let mut resumed = Runner::resume(&t, saved, CoupleFacts::default()).expect("resume");
    resumed
        .apply(
            Action::Verdict {
                outcome: MirrorOutcome::Confirmed,
                reply: s(""),
            },
            at(5),
        )
        .expect("continue");
    assert!(resumed.is_complete(0));

    let other = template("Speaker, Listener", "", FLOOR);
    assert!(matches!(
        Runner::resume(&other, r.session().clone(), CoupleFacts::default()),
        Err(RunError::TemplateMismatch { .. })
    ));
}

/// A protocol where every step has something a partner may write: a refusal can be
/// reached on each after the partners' words are recorded and read.
const REFUSALS: &str = r#"
    (id: "letter", title: "Letter", kind: Text(respondents: Each, letter: true)),
    (id: "reply", title: "Reply", kind: Reply(to: "letter", author: Listener)),
    (id: "mirror", title: "Mirror", kind: ParaphraseLoop(stages: [Summary, Empathy])),
    (id: "floor", title: "Floor", kind: Floor(rules: ["No blame"])),
    (id: "questions", title: "Questions", kind: Questions(owner: HurtPartner, categories: ["Timeline"])),
    (id: "plan", title: "Plan", kind: Plan(owners: [Speaker], categories: ["Talking"])),
    (id: "rating", title: "Rating", kind: Rating(items: [(id: "trust", label: "Trust")])),
    (id: "choice", title: "Choice", kind: Choice(respondents: Each, options: ["Yes", "No"])),
    (id: "checklist", title: "Checklist", kind: Checklist(respondents: Each, items: ["Calm"]))
"#;

#[test]
fn refusals_never_repeat_what_a_partner_said() {
    // What the partners said before (recorded), and what the refused action carries.
    let said = "CANARY-SAID-4f1e";
    let refused = "CANARY-REFUSED-9c2d";
    let t = template(
        "Speaker, Listener, HurtPartner, DisclosingPartner",
        "",
        REFUSALS,
    );
    // Speaker A, hurt partner B: the reply's author (the listener) is B; the letter it
    // answers is A's.
    let mut r = start(&t);
    let draft = |owner, behaviour: &str, category: &str, review_day| CommitmentDraft {
        owner,
        category: category.into(),
        behaviour: behaviour.into(),
        rhythm: s(said),
        verification: Verification::SelfReport,
        starts_on: NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
        review_on: NaiveDate::from_ymd_opt(2026, 12, review_day).expect("date"),
    };
    // (step, what is recorded there first, the refused action, the refusal)
    let table: Vec<(&str, Vec<Action>, Action, &str)> = vec![
        (
            "letter",
            vec![Action::WriteText {
                respondent: Respondent::Partner(Partner::A),
                text: format!("{said} first point\n\n{said} second point"),
            }],
            Action::WriteText {
                respondent: Respondent::Clinician,
                text: s(refused),
            },
            "that person does not answer this step",
        ),
        (
            "reply",
            vec![Action::ReplyToPoint {
                point: format!("{said} first point"),
                text: s(said),
            }],
            Action::ReplyToPoint {
                point: s(refused),
                text: s(refused),
            },
            "that point is not in the letter as it reads now",
        ),
        (
            "mirror",
            vec![
                Action::SpeakerSays(s(said)),
                Action::Mirror(s(said)),
                Action::Verdict {
                    outcome: MirrorOutcome::Confirmed,
                    reply: String::new(),
                },
            ],
            Action::StageAttempt {
                stage: LoopStage::Summary,
                text: s(refused),
                feelings: vec![s(refused)],
            },
            "feeling words belong to the empathy stage",
        ),
        (
            "floor",
            vec![Action::FloorChunk(s(said))],
            Action::Breach {
                rule: s(refused),
                by: Partner::B,
            },
            "that rule is not one of this step's rules",
        ),
        (
            "questions",
            vec![Action::AddQuestion {
                text: s(said),
                category: s("Timeline"),
                why: s(said),
            }],
            Action::EditQuestion {
                id: 1,
                text: s(refused),
                category: s(refused),
                why: s(refused),
            },
            "that category is not one of this step's categories",
        ),
        (
            "plan",
            vec![Action::AddCommitment(draft(
                crate::model::Owner::A,
                said,
                "Talking",
                20,
            ))],
            Action::AddCommitment(draft(crate::model::Owner::A, refused, "Talking", 1)),
            "the review date is before the start date",
        ),
        (
            "rating",
            vec![Action::Rate {
                rater: Partner::A,
                item: s("trust"),
                value: 7,
            }],
            Action::Rate {
                rater: Partner::B,
                item: s(refused),
                value: 3,
            },
            "this scale has no such item",
        ),
        (
            "choice",
            vec![Action::Choose {
                respondent: Respondent::Partner(Partner::A),
                option: s("Yes"),
                selected: true,
            }],
            Action::Choose {
                respondent: Respondent::Partner(Partner::B),
                option: s(refused),
                selected: true,
            },
            "that option is not in this step's list",
        ),
        (
            "checklist",
            vec![Action::Check {
                respondent: Respondent::Partner(Partner::A),
                item: s("Calm"),
                checked: true,
            }],
            Action::Check {
                respondent: Respondent::Partner(Partner::B),
                item: s(refused),
                checked: true,
            },
            "that item is not in this checklist",
        ),
    ];
    assert_eq!(table.len(), r.session().steps.len(), "one case per step");
    for (i, (step, recorded, action, refusal)) in table.into_iter().enumerate() {
        assert_eq!(r.session().steps[i].step_id, step);
        for (n, a) in recorded.into_iter().enumerate() {
            r.apply(a, at(10 * i as i64 + n as i64))
                .unwrap_or_else(|e| panic!("{step}: recording: {e}"));
        }
        // The refusal comes from reading the content (not from the wrong step or an
        // empty field), changes nothing, and repeats none of it.
        let before = r.session().clone();
        let err = r.apply(action, at(10 * i as i64 + 8)).expect_err("refused");
        assert_eq!(err, RunError::Refused(s(refusal)), "{step}");
        assert_eq!(*r.session(), before, "{step}: a refusal changed the record");
        let message = err.to_string();
        assert!(
            !message.contains(said) && !message.contains(refused),
            "{step}: {message}"
        );
        if i + 1 < r.session().steps.len() {
            r.apply(Action::Next, at(10 * i as i64 + 9))
                .unwrap_or_else(|e| panic!("{step}: next: {e}"));
        }
    }
}

#[test]
fn visibility_narrows_any_time_and_widens_only_before_anything_is_recorded() {
    let t = template(
        "",
        "",
        r#"(id: "w", title: "W", kind: Text(respondents: Each))"#,
    );
    let mut r = start(&t);
    r.apply(Action::SetVisibility(Visibility::ClinicianOnly), at(1))
        .expect("narrow");
    r.apply(Action::SetVisibility(Visibility::Joint), at(2))
        .expect("widen while empty");
    r.apply(Action::SetVisibility(Visibility::PartnerPrivate), at(3))
        .expect("narrow");
    r.apply(
        Action::WriteText {
            respondent: Respondent::Partner(Partner::A),
            text: s("written in confidence"),
        },
        at(4),
    )
    .expect("write");
    let refused = r.apply(Action::SetVisibility(Visibility::Joint), at(5));
    assert!(matches!(refused, Err(RunError::Refused(_))), "{refused:?}");
    assert_eq!(r.session().steps[0].visibility, Visibility::PartnerPrivate);
    r.apply(Action::SetVisibility(Visibility::ClinicianOnly), at(6))
        .expect("narrower still");
    assert_eq!(r.session().steps[0].visibility, Visibility::ClinicianOnly);
}

#[test]
fn on_a_floor_a_pass_a_breach_or_a_time_out_counts_as_recorded_but_the_first_holder_does_not() {
    let t = template("Speaker, Listener", "", FLOOR);
    // (what happened on the floor, whether roles may still swap and the step be shown
    // more widely)
    let table = [
        ("only the floor given to its first holder", vec![], true),
        ("the floor passed", vec![Action::PassFloor], false),
        (
            "a rule breach",
            vec![Action::Breach {
                rule: s("Rebuttal"),
                by: Partner::B,
            }],
            false,
        ),
        (
            "a time-out",
            vec![Action::TimeOut {
                by: Partner::A,
                resume_at: at(30),
            }],
            false,
        ),
        (
            "a turn speaking",
            vec![Action::FloorChunk(s("words"))],
            false,
        ),
    ];
    for (case, actions, untouched) in table {
        let mut swapping = start(&t);
        run(&mut swapping, actions.clone());
        let swapped = swapping.apply(Action::SwapRoles, at(10));
        assert_eq!(swapped.is_ok(), untouched, "{case}: swap {swapped:?}");

        let mut widening = start(&t);
        widening
            .apply(Action::SetVisibility(Visibility::ClinicianOnly), t0())
            .expect("narrow");
        run(&mut widening, actions);
        let widened = widening.apply(Action::SetVisibility(Visibility::Joint), at(10));
        assert_eq!(widened.is_ok(), untouched, "{case}: widen {widened:?}");
    }
}

#[test]
fn a_record_not_of_its_steps_kind_is_refused_on_resume_naming_both_kinds() {
    let t = template("Speaker, Listener", "", LOOP);
    let mut session = start(&t).into_session();
    session.steps[0].data = StepData::Script;
    let refused = Runner::resume(&t, session, CoupleFacts::default());
    let Err(RunError::TemplateMismatch { reason, .. }) = refused else {
        panic!("refused as a mismatch, got {refused:?}");
    };
    assert!(
        reason.contains("\"mirror\" is a ParaphraseLoop step"),
        "{reason}"
    );
    assert!(reason.contains("Script data"), "{reason}");
}

#[test]
fn every_shipped_steps_blank_record_pairs_with_its_kind() {
    fn check(steps: &[Step], file: &str) {
        for step in steps {
            if let StepKind::Repeat { steps, .. } = &step.kind {
                check(steps, file);
                continue;
            }
            let blank = kinds::blank(&step.kind, dialogue_bindings());
            if let Err(e) = StepView::pair(step, &blank) {
                panic!("{file}: {e}");
            }
        }
    }
    let library = crate::template::Library::builtin();
    assert!(library.errors.is_empty(), "{:?}", library.errors);
    for (file, template) in &library.templates {
        check(&template.steps, file);
    }
}

const LETTERS: &str = r#"(id: "impact", title: "Impact letter", kind: Text(respondents: Role(HurtPartner), letter: true)),
    (id: "reply", title: "Reply", kind: Reply(to: "impact", author: DisclosingPartner)),
    (id: "end", title: "End", prompts: ["done"], kind: Script)"#;

const IMPACT: &str = "I stopped sleeping.\n\nI doubt our past.\r\n\r\nI need honesty now.";

fn reply(point: &str, text: &str) -> Action {
    Action::ReplyToPoint {
        point: s(point),
        text: s(text),
    }
}

/// A letters session on its reply step, with the hurt partner's (B's) impact letter.
fn letters_at_reply() -> Runner {
    let t = template("HurtPartner, DisclosingPartner", "", LETTERS);
    let mut r = start(&t);
    run(
        &mut r,
        vec![
            Action::WriteText {
                respondent: Respondent::Partner(Partner::B),
                text: s(IMPACT),
            },
            Action::Next,
        ],
    );
    r
}

#[test]
fn a_reply_answers_the_letter_point_by_point_in_the_letters_order() {
    let mut r = letters_at_reply();
    assert_eq!(r.letter_for(1), Some(IMPACT));
    assert!(!r.is_complete(1));
    run(
        &mut r,
        vec![
            reply("I need honesty now.", "I will answer every question."),
            reply("I stopped sleeping.", "I am sorry I took your rest."),
            reply("I stopped sleeping.", "I took your rest, and I am sorry."),
        ],
    );
    let expected = ReplyRecord {
        author: Partner::A,
        letter_step: s("impact"),
        replies: vec![
            PointReply {
                point: s("I stopped sleeping."),
                text: s("I took your rest, and I am sorry."),
                at: at(3),
            },
            PointReply {
                point: s("I need honesty now."),
                text: s("I will answer every question."),
                at: at(1),
            },
        ],
    };
    assert_eq!(r.session().steps[1].data, StepData::Reply(expected));
    let coverage = r.coverage(1).expect("a reply step");
    assert_eq!(coverage.unanswered(), vec![2]);
    assert_eq!(
        coverage.summary(),
        "2 of 3 points answered — not yet answered: 2"
    );
    assert!(!r.is_complete(1));

    run(
        &mut r,
        vec![reply(
            "I doubt our past.",
            "I lied while we made those memories.",
        )],
    );
    assert!(r.is_complete(1));
    r.apply(Action::Next, at(10)).expect("next");
    assert_eq!(r.session().steps[1].status, StepStatus::Done);
}

#[test]
fn an_empty_answer_removes_the_reply_and_the_point_is_open_again() {
    let mut r = letters_at_reply();
    run(
        &mut r,
        vec![
            reply("I stopped sleeping.", "Sorry."),
            reply("I stopped sleeping.", "   "),
        ],
    );
    let StepData::Reply(record) = &r.session().steps[1].data else {
        panic!("reply record")
    };
    assert!(record.replies.is_empty());
    assert_eq!(r.coverage(1).map(|c| c.answered()), Some(0));
}

#[test]
fn a_reply_step_refuses_points_not_in_the_letter_without_quoting_them() {
    // (setup on the reply step, the refused action, a fragment of the refusal)
    let cases: Vec<(bool, Action, &str)> = vec![
        (
            true,
            reply("CANARY-7d2 a point never written", "an answer"),
            "not in the letter",
        ),
        (
            true,
            reply("I stopped sleeping", "trimmed differently"),
            "not in the letter",
        ),
        (
            true,
            reply("CANARY-7d2 nothing to remove", ""),
            "not in the letter",
        ),
        (
            false,
            reply("I stopped sleeping.", "no letter yet"),
            "not written yet",
        ),
        (
            true,
            Action::WriteText {
                respondent: Respondent::Partner(Partner::A),
                text: s("x"),
            },
            "Reply",
        ),
    ];
    for (with_letter, action, fragment) in cases {
        let mut r = if with_letter {
            letters_at_reply()
        } else {
            let t = template("HurtPartner, DisclosingPartner", "", LETTERS);
            let mut r = start(&t);
            run(&mut r, vec![Action::Next]);
            r
        };
        let before = r.session().clone();
        let err = r.apply(action, at(20)).expect_err("refused");
        let message = err.to_string();
        assert!(message.contains(fragment), "{message}");
        assert!(!message.contains("CANARY"), "{message}");
        assert!(!message.contains("sleeping"), "{message}");
        assert_eq!(r.session(), &before, "a refusal changes nothing");
    }
}

#[test]
fn a_letter_edited_after_replies_keeps_the_orphaned_reply_and_opens_the_new_point() {
    let mut r = letters_at_reply();
    run(
        &mut r,
        vec![
            reply("I stopped sleeping.", "A1"),
            reply("I doubt our past.", "A2"),
            reply("I need honesty now.", "A3"),
            Action::Back,
            Action::WriteText {
                respondent: Respondent::Partner(Partner::B),
                text: s(
                    "I stopped sleeping.\n\nI doubt our past and our friends.\n\nI need honesty now.",
                ),
            },
            Action::Next,
        ],
    );
    let coverage = r.coverage(1).expect("reply");
    assert_eq!(coverage.unanswered(), vec![2]);
    assert_eq!(coverage.orphaned.len(), 1);
    assert_eq!(coverage.orphaned[0].text, "A2");
    assert!(!r.is_complete(1));
    // The stale answer cannot be changed, only removed, explicitly.
    assert!(
        r.apply(reply("I doubt our past.", "again"), at(10))
            .is_err()
    );
    run(
        &mut r,
        vec![reply(
            "I doubt our past and our friends.",
            "A2, and our friends knew.",
        )],
    );
    assert!(r.is_complete(1));
    assert_eq!(r.coverage(1).map(|c| c.orphaned.len()), Some(1));
    r.apply(reply("I doubt our past.", ""), at(11))
        .expect("explicit removal");
    assert_eq!(r.coverage(1).map(|c| c.orphaned.len()), Some(0));
    let StepData::Reply(record) = &r.session().steps[1].data else {
        panic!("reply record")
    };
    let order: Vec<&str> = record.replies.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(order, vec!["A1", "A2, and our friends knew.", "A3"]);
}

#[test]
fn the_letter_is_the_other_partners_entry_when_both_wrote_one() {
    let t = template(
        "HurtPartner, DisclosingPartner",
        "",
        r#"(id: "impact", title: "Letters", kind: Text(respondents: Each, letter: true)),
    (id: "reply", title: "Reply", kind: Reply(to: "impact", author: DisclosingPartner))"#,
    );
    let mut r = start(&t);
    run(
        &mut r,
        vec![
            Action::WriteText {
                respondent: Respondent::Partner(Partner::A),
                text: s("The author's own letter."),
            },
            Action::WriteText {
                respondent: Respondent::Partner(Partner::B),
                text: s("The hurt partner's letter."),
            },
            Action::Next,
        ],
    );
    assert_eq!(r.letter_for(1), Some("The hurt partner's letter."));
}

#[test]
fn the_last_entry_of_a_step_can_be_undone_until_the_session_moves_on() {
    let t = template("Speaker, Listener", "", LOOP);
    let mut r = start(&t);
    run(
        &mut r,
        vec![
            Action::SpeakerSays(s("I feel alone")),
            Action::Mirror(s("You feel bored")),
        ],
    );
    assert!(r.can_undo());
    r.apply(Action::Undo, at(3)).expect("undone");
    let StepData::Loop(l) = &r.session().steps[0].data else {
        panic!("loop")
    };
    assert!(l.attempts.is_empty(), "the mirror is taken back");
    assert_eq!(
        l.message.as_ref().map(|m| m.text.as_str()),
        Some("I feel alone")
    );
    // One entry back only: the message stands.
    assert!(!r.can_undo());
    assert!(r.apply(Action::Undo, at(4)).is_err());
    assert_eq!(
        r.session().log.last().map(|e| &e.event),
        Some(&LogEvent::Undone)
    );
    // Typed fields and the clinician's note are not entries; moving on ends undo.
    run(
        &mut r,
        vec![
            Action::Mirror(s("You feel alone")),
            Action::Note(s("a note")),
        ],
    );
    assert!(r.can_undo(), "a note does not take the chance to undo away");
    run(
        &mut r,
        vec![
            Action::Verdict {
                outcome: MirrorOutcome::Confirmed,
                reply: String::new(),
            },
            Action::Next,
        ],
    );
    assert!(!r.can_undo(), "moved on");
    r.apply(Action::Back, at(20)).expect("back");
    assert!(!r.can_undo(), "coming back does not bring the chance back");
}

#[test]
fn an_ended_session_is_reopened_on_the_step_it_ended_on() {
    let t = template("Speaker, Listener", "", LOOP);
    let mut r = start(&t);
    run(
        &mut r,
        vec![Action::SpeakerSays(s("I feel alone")), Action::End],
    );
    assert!(r.is_ended());
    assert_eq!(r.apply(Action::Mirror(s("x")), at(5)), Err(RunError::Ended));
    r.apply(Action::Reopen, at(6)).expect("reopened");
    assert!(!r.is_ended());
    assert_eq!(r.session().current, 0);
    assert_eq!(r.session().steps[0].status, StepStatus::Active);
    run(&mut r, vec![Action::Mirror(s("You feel alone"))]);
    let events: Vec<&LogEvent> = r.session().log.iter().map(|e| &e.event).collect();
    assert!(events.contains(&&LogEvent::Reopened));
    // A running session cannot be reopened.
    assert!(r.apply(Action::Reopen, at(20)).is_err());
}

#[test]
fn the_time_a_session_stood_ended_does_not_count_towards_its_length() {
    let t = template("Speaker, Listener", "", LOOP);
    let mut r = start(&t);
    // Started at 0, ended at minute 10, reopened at minute 40, read at minute 45.
    r.apply(Action::End, at(10)).expect("ended");
    assert_eq!(r.session_timer(at(30)).elapsed_secs, 10 * 60);
    r.apply(Action::Reopen, at(40)).expect("reopened");
    assert_eq!(r.session_timer(at(45)).elapsed_secs, 15 * 60);
    // Ended again: the length stands at its second end.
    r.apply(Action::End, at(50)).expect("ended again");
    assert_eq!(r.session_timer(at(90)).elapsed_secs, 20 * 60);
    // Not a pause: no pause is reported.
    assert_eq!(r.session().pause_count(), 0);
    assert_eq!(r.session().paused_secs, 0);
}

#[test]
fn a_skipped_step_keeps_its_reason_when_passed_through_again() {
    let t = template(
        "",
        "",
        r#"(id: "one", title: "One", kind: Text(respondents: Each)),
           (id: "two", title: "Two", prompts: ["p"], kind: Script),
           (id: "three", title: "Three", prompts: ["p"], kind: Script)"#,
    );
    let mut r = start(&t);
    run(
        &mut r,
        vec![
            Action::Skip {
                reason: s("ran out of time"),
            },
            Action::Back,
            Action::Next,
        ],
    );
    let one = &r.session().steps[0];
    assert_eq!(one.status, StepStatus::Skipped);
    assert_eq!(one.skip_reason.as_deref(), Some("ran out of time"));
    // Finished after all, the reason no longer applies.
    run(
        &mut r,
        vec![
            Action::Back,
            Action::WriteText {
                respondent: Respondent::Partner(Partner::A),
                text: s("done now"),
            },
            Action::WriteText {
                respondent: Respondent::Partner(Partner::B),
                text: s("and here"),
            },
            Action::Next,
        ],
    );
    let one = &r.session().steps[0];
    assert_eq!(one.status, StepStatus::Done);
    assert_eq!(one.skip_reason, None);
}

// ---------------------------------------------------------------------------------------
// Pausing the session

/// A protocol planned for `length_mins`: a timed script, a private text each partner
/// writes (with a gate), and an end.
fn timed(length_mins: u32) -> Template {
    let text = format!(
        r#"(format: 1, id: "t", title: "T", summary: "S", source: "own", length_mins: {length_mins}, roles: [Speaker, Listener], steps: [
            (id: "a", title: "A", prompts: ["x"], timebox_mins: 5, gates: [Confirm("ready")], kind: Script),
            (id: "b", title: "B", visibility: PartnerPrivate, kind: Text(respondents: Each)),
            (id: "c", title: "C", prompts: ["z"], kind: Script),
        ])"#
    );
    match parse("t.ron", &text) {
        Ok(t) => t,
        Err(e) => panic!("test template does not load: {:?}", e.problems),
    }
}

/// Actions, each at its minute.
type AtMinutes = Vec<(i64, Action)>;

/// Apply actions at the minutes given; every one must succeed.
fn run_at(runner: &mut Runner, actions: AtMinutes) {
    for (minute, action) in actions {
        let name = action.name();
        if let Err(e) = runner.apply(action, at(minute)) {
            panic!("{name} at minute {minute} refused: {e}");
        }
    }
}

fn confirm_ready() -> Action {
    Action::ConfirmGate {
        statement: s("ready"),
    }
}

/// What the clocks read at minute 10 after some actions.
struct Clocks {
    /// The step on screen.
    current: usize,
    /// Its timer, in minutes.
    step: i64,
    /// The session clock, in minutes.
    session: i64,
    paused: bool,
    /// The time banked on the first step, in minutes.
    first: i64,
}

#[test]
fn pausing_stops_the_step_timer_and_the_session_clock_and_resuming_goes_on() {
    use Action::{Next, PauseSession as Pause, ResumeSession as Go};
    let clocks = |current, step, session, paused, first| Clocks {
        current,
        step,
        session,
        paused,
        first,
    };
    // (case, actions at their minute, the clocks at minute 10)
    let table: Vec<(&str, AtMinutes, Clocks)> = vec![
        ("never paused", vec![], clocks(0, 10, 10, false, 0)),
        (
            "paused at 2: both clocks stand still",
            vec![(2, Pause)],
            clocks(0, 2, 2, true, 2),
        ),
        (
            "paused from 2 to 7",
            vec![(2, Pause), (7, Go)],
            clocks(0, 5, 5, false, 2),
        ),
        (
            "two pauses: 1 to 3 and 4 to 8",
            vec![(1, Pause), (3, Go), (4, Pause), (8, Go)],
            clocks(0, 4, 4, false, 2),
        ),
        (
            "moved on after a pause: the next step counts from its entry",
            vec![(0, confirm_ready()), (2, Pause), (5, Go), (6, Next)],
            clocks(1, 4, 7, false, 3),
        ),
        (
            "paused on the second step: the first keeps its time",
            vec![(0, confirm_ready()), (3, Next), (4, Pause)],
            clocks(1, 1, 4, true, 3),
        ),
    ];
    let t = timed(50);
    for (case, actions, expected) in table {
        let mut r = start(&t);
        run_at(&mut r, actions);
        assert_eq!(r.session().current, expected.current, "{case}");
        assert_eq!(
            r.timer(at(10)).elapsed_secs,
            expected.step * 60,
            "{case}: step"
        );
        assert_eq!(
            r.session_timer(at(10)),
            Timer {
                elapsed_secs: expected.session * 60,
                limit_secs: Some(50 * 60)
            },
            "{case}: session"
        );
        assert_eq!(r.is_paused(), expected.paused, "{case}");
        assert_eq!(
            r.session().steps[0].active_secs,
            expected.first * 60,
            "{case}: banked"
        );
        // Later still, a paused session's clocks have not moved.
        if expected.paused {
            assert_eq!(r.timer(at(90)).elapsed_secs, expected.step * 60, "{case}");
            assert_eq!(
                r.session_timer(at(90)).elapsed_secs,
                expected.session * 60,
                "{case}"
            );
        }
    }
}

#[test]
fn a_session_paused_then_ended_records_active_time_and_its_pauses() {
    let t = timed(50);
    let mut r = start(&t);
    run_at(
        &mut r,
        vec![
            (1, confirm_ready()),
            (2, Action::PauseSession),
            (12, Action::ResumeSession),
            (13, Action::Next),
            (14, Action::PauseSession),
            // Safety first: a paused session ends at once.
            (20, Action::End),
        ],
    );
    let session = r.session();
    assert_eq!(session.ended_at, Some(at(20)));
    assert_eq!(session.paused_at, None, "ending closes the pause");
    assert_eq!(session.paused_secs, (10 + 6) * 60);
    assert_eq!(session.pause_count(), 2);
    assert_eq!(session.active_secs_at(at(20)), 4 * 60);
    assert_eq!(
        session.active_secs_at(at(500)),
        4 * 60,
        "an ended session's length is fixed"
    );
    let times: Vec<i64> = session.steps.iter().map(|st| st.active_secs).collect();
    assert_eq!(times, vec![3 * 60, 60, 0]);
    assert!(session.steps.iter().all(|st| st.visit_started_at.is_none()));
    let statuses: Vec<StepStatus> = session.steps.iter().map(|st| st.status).collect();
    assert_eq!(
        statuses,
        vec![
            StepStatus::Done,
            StepStatus::Incomplete,
            StepStatus::Pending
        ]
    );
    let events: Vec<(i64, usize, LogEvent)> = session
        .log
        .iter()
        .map(|e| ((e.at - t0()).num_minutes(), e.step, e.event.clone()))
        .collect();
    assert_eq!(
        events,
        vec![
            (0, 0, LogEvent::Started),
            (0, 0, LogEvent::Entered),
            (2, 0, LogEvent::Paused),
            (12, 0, LogEvent::Resumed),
            (13, 0, LogEvent::Next),
            (13, 1, LogEvent::Entered),
            (14, 1, LogEvent::Paused),
            (20, 1, LogEvent::Ended),
        ]
    );
}

#[test]
fn while_paused_only_resuming_ending_the_note_and_more_privacy_apply() {
    let t = timed(50);
    let canary = "CANARY-9c1 words said in the room";
    // (the action tried while paused on the private step "b", whether it applies, and a
    // fragment of the refusal)
    let table: Vec<(Action, bool, &str)> = vec![
        (Action::Next, false, "paused: resume it first (Next waits"),
        (Action::Back, false, "(Back waits"),
        (Action::Skip { reason: s("tired") }, false, "(Skip waits"),
        (Action::SwapRoles, false, "(Swap roles waits"),
        (confirm_ready(), false, "(Confirm waits"),
        (
            Action::WriteText {
                respondent: Respondent::Partner(Partner::A),
                text: s(canary),
            },
            false,
            "(Write waits",
        ),
        (Action::Resume, false, "(Resume waits"),
        (
            Action::SetVisibility(Visibility::Joint),
            false,
            "(Who sees this waits",
        ),
        (Action::PauseSession, false, "already paused"),
        (Action::Note(s("needed water")), true, ""),
        (Action::SetVisibility(Visibility::ClinicianOnly), true, ""),
        (Action::ResumeSession, true, ""),
        (Action::End, true, ""),
    ];
    for (action, applies, fragment) in table {
        let mut r = start(&t);
        run_at(
            &mut r,
            vec![
                (0, confirm_ready()),
                (1, Action::Next),
                (2, Action::PauseSession),
            ],
        );
        let before = r.session().clone();
        let name = action.name();
        match r.apply(action, at(3)) {
            Ok(()) => assert!(applies, "{name} should be refused while paused"),
            Err(e) => {
                assert!(!applies, "{name} refused: {e}");
                let message = e.to_string();
                assert!(message.contains(fragment), "{name}: {message}");
                assert!(!message.contains("CANARY"), "{message}");
                assert_eq!(r.session(), &before, "{name}: a refusal changes nothing");
            }
        }
    }
    // Nor can a worksheet entry be recorded out of order into a paused session.
    let mut r = start(&t);
    run_at(&mut r, vec![(1, Action::PauseSession)]);
    let refused = r.record_out_of_order(
        1,
        Action::WriteText {
            respondent: Respondent::Partner(Partner::B),
            text: s("at home"),
        },
        at(2),
    );
    assert!(
        matches!(refused, Err(RunError::Paused { .. })),
        "{refused:?}"
    );
    // And a session that is not paused cannot be resumed.
    let mut r = start(&t);
    let refused = r.apply(Action::ResumeSession, at(1));
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("not paused")),
        "{refused:?}"
    );
}

#[test]
fn a_paused_session_saved_and_taken_up_again_stays_paused() {
    let t = timed(50);
    let mut r = start(&t);
    run_at(
        &mut r,
        vec![(0, confirm_ready()), (4, Action::PauseSession)],
    );
    let text = ron::ser::to_string_pretty(r.session(), ron::ser::PrettyConfig::default())
        .expect("serialize");
    let saved: Session = ron::from_str(&text).expect("deserialize");
    assert_eq!(&saved, r.session());

    // Taken up again a day later: still paused, and the day away counts nowhere.
    let mut resumed = Runner::resume(&t, saved, CoupleFacts::default()).expect("resume");
    let later = at(24 * 60);
    assert!(resumed.is_paused());
    assert_eq!(resumed.timer(later).elapsed_secs, 4 * 60);
    assert_eq!(resumed.session_timer(later).elapsed_secs, 4 * 60);
    assert!(matches!(
        resumed.apply(Action::Next, later),
        Err(RunError::Paused { .. })
    ));
    resumed
        .apply(Action::ResumeSession, later)
        .expect("resume the session");
    resumed
        .apply(Action::Next, later + chrono::Duration::minutes(1))
        .expect("next");
    assert_eq!(resumed.session().steps[0].active_secs, 5 * 60);
    assert_eq!(
        resumed
            .session_timer(later + chrono::Duration::minutes(2))
            .elapsed_secs,
        6 * 60
    );
}

#[test]
fn a_session_record_from_before_pauses_loads_and_runs() {
    let t = timed(50);
    let r = start(&t);
    let text = ron::ser::to_string_pretty(r.session(), ron::ser::PrettyConfig::default())
        .expect("serialize");
    let old: String = text
        .lines()
        .filter(|line| !line.contains("paused_at") && !line.contains("paused_secs"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(
        old, text,
        "the new fields were written, and are now left out"
    );
    let loaded: Session = ron::from_str(&old).expect("an older record loads");
    assert_eq!(loaded.paused_at, None);
    assert_eq!(loaded.paused_secs, 0);
    assert_eq!(loaded.pause_count(), 0);
    let mut resumed = Runner::resume(&t, loaded, CoupleFacts::default()).expect("resume");
    assert!(!resumed.is_paused());
    resumed
        .apply(Action::PauseSession, at(3))
        .expect("an older session can be paused");
    assert_eq!(resumed.session_timer(at(9)).elapsed_secs, 3 * 60);
}

#[test]
fn the_session_clock_runs_against_the_templates_length_and_says_how_far_over() {
    let t = timed(5);
    let mut r = start(&t);
    assert_eq!(r.session_timer(at(4)).over_by_secs(), None);
    assert!(
        !r.session_timer(at(5)).is_over(),
        "exactly on time is not over"
    );
    assert_eq!(r.session_timer(at(7)).over_by_secs(), Some(2 * 60));
    run_at(
        &mut r,
        vec![(3, Action::PauseSession), (20, Action::ResumeSession)],
    );
    assert!(
        !r.session_timer(at(21)).is_over(),
        "paused time does not count"
    );
    assert_eq!(r.session_timer(at(23)).over_by_secs(), Some(60));
    // The first step's timebox is 5 minutes too.
    assert_eq!(r.timer(at(23)).over_by_secs(), Some(60));
    // A template without a planned length has a clock and no plan.
    let unplanned = start(&timed(0));
    assert_eq!(
        unplanned.session_timer(at(70)),
        Timer {
            elapsed_secs: 70 * 60,
            limit_secs: None
        }
    );
    assert!(!unplanned.session_timer(at(70)).is_over());
}

#[test]
fn while_paused_the_session_clock_and_the_step_timer_agree_to_the_second() {
    let t = timed(50);
    let mut r = start(&t);
    let paused = t0() + chrono::Duration::milliseconds(133_700);
    r.apply(Action::PauseSession, paused).expect("pause");
    let read = t0() + chrono::Duration::milliseconds(140_200);
    assert_eq!(r.timer(read).elapsed_secs, 133);
    assert_eq!(r.session_timer(read).elapsed_secs, 133);
}
