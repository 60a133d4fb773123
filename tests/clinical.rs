//! The clinical record: notes drafted from a scripted session, the commitments ledger
//! carried across sessions, and measures over time with the divergence flag.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use tandem::clinical::{divergence, draft_note, measure_series};
use tandem::model::{
    Audience, COUPLE_FORMAT, CommitmentDraft, Couple, CoupleFacts, CoupleId, Course, CourseError,
    MirrorOutcome, NoteId, NoteStyle, Outcome, Partner, PartnerInfo, RecoveryPhase, SafetyDecision,
    Session, SessionId, TrustTag, Verification,
};
use tandem::runner::{Action, Runner, Start};
use tandem::template::{Library, StepKind};

fn at(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 10, 0, 0).unwrap() + Duration::days(day)
}

fn couple() -> Couple {
    Couple {
        format: COUPLE_FORMAT,
        id: CoupleId(uuid::Uuid::from_u128(42)),
        code: "C-0042".into(),
        partner_a: PartnerInfo {
            name: "Maya".into(),
            pronouns: String::new(),
        },
        partner_b: PartnerInfo {
            name: "Daniel".into(),
            pronouns: String::new(),
        },
        created_on: at(0).date_naive(),
        archived: false,
    }
}

fn cleared() -> CoupleFacts {
    CoupleFacts {
        screened: Partner::BOTH.into_iter().collect(),
        safety_decision: Some(SafetyDecision::JointWork),
    }
}

/// What the script does at each kind of step.
struct Script {
    /// Verdicts for each loop, in order: the last one should be `Confirmed`.
    loop_verdicts: Vec<MirrorOutcome>,
    commitments: Vec<(Partner, &'static str)>,
    ratings: Vec<(Partner, &'static str, u8)>,
    /// Questions added to each question list.
    questions: Vec<&'static str>,
}

/// Run a shipped template with the given script, every other step passed with Next.
fn scripted(template_id: &str, day: i64, seq: u128, script: &Script) -> Session {
    let library = Library::builtin();
    let template = library.get(template_id).unwrap();
    let mut now = at(day);
    let mut runner = Runner::start(
        template,
        Start {
            session: SessionId(uuid::Uuid::from_u128(1000 + seq)),
            couple: couple().id,
            bindings: tandem::model::Bindings {
                speaker: Some(Partner::A),
                hurt_partner: Some(Partner::A),
            },
            facts: cleared(),
            questions: None,
        },
        now,
    )
    .unwrap();
    let mut tick = || {
        now += Duration::seconds(30);
        now
    };
    for _ in 0..200 {
        if runner.is_ended() {
            break;
        }
        let kind = runner.current().0.kind.clone();
        match kind {
            StepKind::ParaphraseLoop { .. } => {
                runner
                    .apply(
                        Action::SpeakerSays("what I want you to hear".into()),
                        tick(),
                    )
                    .unwrap();
                for outcome in &script.loop_verdicts {
                    runner
                        .apply(Action::Mirror("you are saying".into()), tick())
                        .unwrap();
                    let reply = if *outcome == MirrorOutcome::Confirmed {
                        ""
                    } else {
                        "not quite"
                    };
                    runner
                        .apply(
                            Action::Verdict {
                                outcome: *outcome,
                                reply: reply.into(),
                            },
                            tick(),
                        )
                        .unwrap();
                }
            }
            StepKind::Plan { .. } => {
                for (owner, behaviour) in &script.commitments {
                    let t = tick();
                    runner
                        .apply(
                            Action::AddCommitment(CommitmentDraft {
                                owner: (*owner).into(),
                                category: String::new(),
                                behaviour: (*behaviour).into(),
                                rhythm: "every evening".into(),
                                verification: Verification::SelfReport,
                                starts_on: t.date_naive(),
                                review_on: t.date_naive() + Duration::days(7),
                            }),
                            t,
                        )
                        .unwrap();
                }
            }
            StepKind::Checklist { items, .. } => {
                // Every condition met, as the clinician ticks them.
                for item in items {
                    let _ = runner.apply(
                        Action::Check {
                            respondent: tandem::model::Respondent::Clinician,
                            item: item.clone(),
                            checked: true,
                        },
                        tick(),
                    );
                }
            }
            StepKind::Questions { .. } => {
                for text in &script.questions {
                    runner
                        .apply(
                            Action::AddQuestion {
                                text: (*text).into(),
                                category: String::new(),
                                why: String::new(),
                            },
                            tick(),
                        )
                        .unwrap();
                }
            }
            StepKind::Rating { .. } => {
                for (rater, item, value) in &script.ratings {
                    let _ = runner.apply(
                        Action::Rate {
                            rater: *rater,
                            item: (*item).into(),
                            value: *value,
                        },
                        tick(),
                    );
                }
            }
            _ => {}
        }
        for gate in runner.current().0.gates.clone() {
            if let tandem::template::Gate::Confirm(statement) = gate {
                let _ = runner.apply(Action::ConfirmGate { statement }, tick());
            }
        }
        let step_before = runner.session().current;
        if runner.apply(Action::Next, tick()).is_err() || runner.session().current == step_before {
            // A step that cannot be left as scripted is skipped, with a reason.
            let _ = runner.apply(
                Action::Skip {
                    reason: "not part of this script".into(),
                },
                tick(),
            );
            if runner.session().current == step_before {
                break;
            }
        }
    }
    let _ = runner.apply(Action::End, tick());
    runner.into_session()
}

fn all_text(note: &tandem::model::ClinicalNote) -> String {
    note.current()
        .iter()
        .map(|s| format!("{}\n{}\n", s.heading, s.text))
        .collect()
}

#[test]
fn a_note_drafted_from_a_scripted_session_states_loop_counts_and_commitments() {
    let library = Library::builtin();
    let dialogue = scripted(
        "intentional-dialogue",
        0,
        1,
        &Script {
            loop_verdicts: vec![
                MirrorOutcome::Corrected,
                MirrorOutcome::More,
                MirrorOutcome::Confirmed,
            ],
            commitments: vec![],
            ratings: vec![],
            questions: vec![],
        },
    );
    let loops = dialogue
        .steps
        .iter()
        .filter(|s| matches!(&s.data, tandem::model::StepData::Loop(l) if !l.attempts.is_empty()))
        .count();
    assert!(loops >= 1, "the script ran a loop");
    for style in NoteStyle::ALL {
        let note = draft_note(
            NoteId(uuid::Uuid::from_u128(5)),
            &dialogue,
            &couple(),
            library.get("intentional-dialogue"),
            None,
            style,
            at(0),
        );
        let text = all_text(&note);
        let headings: Vec<&str> = note.current().iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, style.headings());
        assert!(text.contains(&format!("Protocol: {}", dialogue.template_title)));
        assert!(
            text.contains("felt understood after 3 mirrors"),
            "{style:?}: {text}"
        );
        assert!(text.contains("1 correction"), "{text}");
        assert!(!note.is_final());
    }

    let plan = scripted(
        "communication-plan",
        7,
        2,
        &Script {
            loop_verdicts: vec![],
            commitments: vec![
                (Partner::A, "Ask about the day before checking the phone"),
                (Partner::B, "Name one thing I appreciated at dinner"),
            ],
            ratings: vec![],
            questions: vec![],
        },
    );
    let note = draft_note(
        NoteId(uuid::Uuid::from_u128(6)),
        &plan,
        &couple(),
        library.get("communication-plan"),
        None,
        NoteStyle::Soap,
        at(7),
    );
    let plan_section = &note.current()[3];
    assert_eq!(plan_section.heading, "Plan");
    assert!(
        plan_section.text.contains(
            "Commitment (Maya): Ask about the day before checking the phone; every evening"
        )
    );
    assert!(
        plan_section
            .text
            .contains("Commitment (Daniel): Name one thing I appreciated at dinner")
    );
    assert!(
        plan_section.text.contains("review on 15 Sep 2026"),
        "{}",
        plan_section.text
    );
}

#[test]
fn a_draft_never_quotes_what_was_said_privately_or_in_loops() {
    let library = Library::builtin();
    let dialogue = scripted(
        "intentional-dialogue",
        0,
        3,
        &Script {
            loop_verdicts: vec![MirrorOutcome::Confirmed],
            commitments: vec![],
            ratings: vec![],
            questions: vec![],
        },
    );
    let note = draft_note(
        NoteId(uuid::Uuid::from_u128(5)),
        &dialogue,
        &couple(),
        library.get("intentional-dialogue"),
        None,
        NoteStyle::Dap,
        at(0),
    );
    let text = all_text(&note);
    assert!(!text.contains("what I want you to hear"));
    assert!(!text.contains("you are saying"));
}

#[test]
fn commitment_review_carries_items_forward_with_history() {
    let plan = scripted(
        "communication-plan",
        0,
        4,
        &Script {
            loop_verdicts: vec![],
            commitments: vec![
                (Partner::A, "Walk together on Sunday"),
                (Partner::B, "Put the phone away at dinner"),
            ],
            ratings: vec![],
            questions: vec![],
        },
    );
    let mut course = Course::new(couple().id);
    assert_eq!(course.carry_forward(&plan), 2);
    assert_eq!(course.carry_forward(&plan), 0, "carried once only");
    // Nothing is due in the session that made them.
    assert!(course.due_for_review(plan.id).is_empty());

    // Next session: both open items are due, reviewed from each side.
    let next = SessionId(uuid::Uuid::from_u128(77));
    let due: Vec<u32> = course.due_for_review(next).iter().map(|i| i.id).collect();
    assert_eq!(due, vec![1, 2]);
    course
        .review(
            1,
            Partner::A,
            Outcome::Kept,
            "both Sundays",
            Some(next),
            at(7),
        )
        .unwrap();
    course
        .review(
            1,
            Partner::B,
            Outcome::Partly,
            "one Sunday",
            Some(next),
            at(7),
        )
        .unwrap();
    course
        .review(2, Partner::B, Outcome::Missed, "", Some(next), at(7))
        .unwrap();
    let due: Vec<u32> = course.due_for_review(next).iter().map(|i| i.id).collect();
    assert_eq!(due, vec![2], "item 2 still lacks partner A's side");
    // A correction on the spot replaces that partner's review for the session.
    course
        .review(2, Partner::B, Outcome::Partly, "twice", Some(next), at(7))
        .unwrap();
    course
        .review(2, Partner::A, Outcome::Partly, "", Some(next), at(7))
        .unwrap();
    assert!(course.due_for_review(next).is_empty());
    assert_eq!(course.item(2).unwrap().reviews.len(), 2);
    assert_eq!(course.item(1).unwrap().adherence(), Some(0.75));

    // Revise item 2: history kept; retire item 1: no longer due, history kept.
    let review_on = NaiveDate::from_ymd_opt(2026, 9, 22).unwrap();
    assert_eq!(
        course.revise(
            2,
            "Phones in the drawer",
            "dinner",
            review_on,
            " ",
            Some(next),
            at(7)
        ),
        Err(CourseError::NeedsReason)
    );
    course
        .revise(
            2,
            "Phones in the drawer",
            "at dinner",
            review_on,
            "easier to keep",
            Some(next),
            at(7),
        )
        .unwrap();
    course.retire(1, "became a habit", at(7)).unwrap();
    assert_eq!(
        course.review(1, Partner::A, Outcome::Kept, "", None, at(8)),
        Err(CourseError::Retired(1))
    );
    let item2 = course.item(2).unwrap();
    assert_eq!(item2.versions.len(), 2);
    assert_eq!(item2.versions[0].behaviour, "Put the phone away at dinner");
    assert_eq!(item2.current().unwrap().behaviour, "Phones in the drawer");
    assert_eq!(course.item(1).unwrap().reviews.len(), 2);

    // The session after: only the open, revised item carries forward.
    let third = SessionId(uuid::Uuid::from_u128(78));
    let due: Vec<u32> = course.due_for_review(third).iter().map(|i| i.id).collect();
    assert_eq!(due, vec![2]);

    // The note of the review session states the reviews and the adherence.
    let review_session = scripted(
        "weekly-check-in",
        7,
        5,
        &Script {
            loop_verdicts: vec![MirrorOutcome::Confirmed],
            commitments: vec![],
            ratings: vec![],
            questions: vec![],
        },
    );
    let mut course2 = Course::new(couple().id);
    course2.carry_forward(&plan);
    course2
        .review(
            1,
            Partner::A,
            Outcome::Kept,
            "",
            Some(review_session.id),
            at(7),
        )
        .unwrap();
    let note = draft_note(
        NoteId(uuid::Uuid::from_u128(9)),
        &review_session,
        &couple(),
        Library::builtin().get("weekly-check-in"),
        Some(&course2),
        NoteStyle::Soap,
        at(7),
    );
    let text = all_text(&note);
    assert!(
        text.contains("Commitment review, Maya's \"Walk together on Sunday\": Maya says kept."),
        "{text}"
    );
    assert!(text.contains("2 commitments open in the ledger"), "{text}");
}

#[test]
fn divergence_is_flagged_on_a_constructed_series_of_sessions() {
    let library = Library::builtin();
    // Trust: Maya 4 -> 5 -> 7, Daniel 6 -> 5 -> 3: opposite two sessions in a row.
    let values = [(4, 6), (5, 5), (7, 3)];
    let sessions: Vec<Session> = values
        .iter()
        .enumerate()
        .map(|(i, (a, b))| {
            scripted(
                "session-measures",
                7 * i as i64,
                10 + i as u128,
                &Script {
                    loop_verdicts: vec![],
                    commitments: vec![],
                    ratings: vec![
                        (Partner::A, "trust", *a),
                        (Partner::B, "trust", *b),
                        (Partner::A, "felt_heard", 5),
                        (Partner::B, "felt_heard", 6 + i as u8),
                    ],
                    questions: vec![],
                },
            )
        })
        .collect();
    let series = measure_series(&sessions, &library, Audience::Clinician);
    let trust = series.iter().find(|s| s.key == "item/trust/0-10").unwrap();
    assert_eq!(trust.points.len(), 3);
    let flags = divergence(trust);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].points, [0, 1, 2]);
    assert_eq!(flags[0].rising, Partner::A);
    let heard = series
        .iter()
        .find(|s| s.key == "item/felt_heard/0-10")
        .unwrap();
    assert!(
        divergence(heard).is_empty(),
        "Maya flat, Daniel rising: not opposite"
    );
}

#[test]
fn the_recovery_map_keeps_phases_triggers_and_trust_dimensions() {
    let mut course = Course::new(couple().id);
    let d = |day: u32| NaiveDate::from_ymd_opt(2026, 9, day).unwrap();
    course.recovery.enter(RecoveryPhase::Atone, d(1));
    course.recovery.phases[0]
        .exit_criteria
        .push(tandem::model::Criterion {
            text: "No new discoveries for six weeks".into(),
            met_on: None,
        });
    course.recovery.enter(RecoveryPhase::Attune, d(20));
    course
        .recovery
        .log_trigger(d(21), "a late message", "went quiet", "talked it through");
    course.recovery.trust_touched.insert(
        SessionId(uuid::Uuid::from_u128(1)),
        [TrustTag::Truth, TrustTag::Time].into(),
    );
    assert_eq!(
        course.recovery.current().unwrap().phase,
        RecoveryPhase::Attune
    );
    assert_eq!(course.recovery.phases[0].entered_on, d(1));
    assert_eq!(course.recovery.triggers[0].id, 1);
    let text = ron::to_string(&course).unwrap();
    let back: Course = ron::from_str(&text).unwrap();
    assert_eq!(back, course);
}

#[test]
fn the_drafted_note_gives_the_sessions_length_without_its_pauses_and_names_them() {
    let library = Library::builtin();
    let template = library.get("weekly-check-in").unwrap();
    let start = at(3);
    let minute = |m: i64| start + Duration::minutes(m);
    let mut runner = Runner::start(
        template,
        Start {
            session: SessionId(uuid::Uuid::from_u128(900)),
            couple: couple().id,
            bindings: Default::default(),
            facts: cleared(),
            questions: None,
        },
        start,
    )
    .unwrap();
    // (minute, action): paused 3 min, then 9 min, and ended after 50 minutes.
    for (m, action) in [
        (10, Action::PauseSession),
        (13, Action::ResumeSession),
        (30, Action::PauseSession),
        (39, Action::ResumeSession),
        (50, Action::End),
    ] {
        runner.apply(action, minute(m)).unwrap();
    }
    let paused = runner.into_session();
    let draft = |session: &Session| {
        all_text(&draft_note(
            NoteId(uuid::Uuid::from_u128(9)),
            session,
            &couple(),
            Some(template),
            None,
            NoteStyle::Soap,
            minute(60),
        ))
    };
    let text = draft(&paused);
    assert!(
        text.contains("; 38 min, not counting 2 pauses (12 min in all)."),
        "{text}"
    );
    // Without pauses the line reads as it always did.
    let mut unpaused = paused.clone();
    unpaused.paused_secs = 0;
    unpaused.log.retain(|e| {
        !matches!(
            e.event,
            tandem::model::LogEvent::Paused | tandem::model::LogEvent::Resumed
        )
    });
    let text = draft(&unpaused);
    assert!(text.contains("; 50 min."), "{text}");
    assert!(!text.contains("pause"), "{text}");
}

#[test]
fn a_drafted_note_names_the_partners_in_step_titles_never_a_placeholder() {
    let library = Library::builtin();
    let session = scripted(
        "disclosure-preparation",
        0,
        77,
        &Script {
            loop_verdicts: vec![],
            commitments: vec![],
            ratings: vec![],
            questions: vec!["When did it begin?"],
        },
    );
    for style in NoteStyle::ALL {
        let text = all_text(&draft_note(
            NoteId(uuid::Uuid::from_u128(78)),
            &session,
            &couple(),
            library.get("disclosure-preparation"),
            None,
            style,
            at(0),
        ));
        // The script binds Maya as the hurt partner: the questions step is hers.
        assert!(text.contains("Maya's questions"), "{style:?}: {text}");
        assert!(!text.contains('{'), "{style:?}: {text}");
    }
}
