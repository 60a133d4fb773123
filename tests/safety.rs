//! The safety screen as a careful clinician runs it: every item answered (nothing is "no"
//! by default), the other partner out of earshot, a concern that holds until the fuller
//! assessment is written and the decision is a safe one, and plain joint work over a
//! concern only with a written reason, written to the audit log when the screen ends.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use tandem::model::{
    Bindings, CoupleFacts, CoupleId, Partner, Respondent, SafetyDecision, Session, SessionId,
    StepStatus, YesNoAnswer,
};
use tandem::practice::Practice;
use tandem::runner::facts::{HeldBack, couple_facts, safety_status};
use tandem::runner::{Action, Runner, Start, locked_because};
use tandem::template::{Gate, Library, StepKind};
use tandem::vault::audit::{AUDIT_FILE, AuditAction};

/// The sealed audit log, read with the demo practice's passphrase.
fn entries(
    root: &std::path::Path,
) -> Result<Vec<tandem::vault::audit::AuditEntry>, tandem::vault::VaultError> {
    common::audit_entries(root, tandem::practice::DEMO_PASSPHRASE)
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 5, 9, 0, 0)
        .single()
        .expect("time")
        + Duration::minutes(minute)
}

/// A safety screen started for a couple never screened.
fn screen() -> Runner {
    let library = Library::builtin();
    let template = library.get("safety-screen").expect("shipped");
    Runner::start(
        template,
        Start {
            session: SessionId(uuid::Uuid::from_u128(7)),
            couple: CoupleId(uuid::Uuid::from_u128(8)),
            bindings: Bindings::default(),
            facts: CoupleFacts::default(),
            questions: None,
        },
        at(0),
    )
    .expect("start")
}

fn step_id(runner: &Runner) -> String {
    runner.current().1.step_id.clone()
}

/// Move to the step `id`, confirming the gates that only ask for a confirmation.
fn go_to(runner: &mut Runner, id: &str) {
    let mut minute = 1;
    while step_id(runner) != id {
        runner
            .apply(Action::Next, at(minute))
            .unwrap_or_else(|e| panic!("Next from {} refused: {e}", step_id(runner)));
        minute += 1;
    }
}

fn confirm_gates(runner: &mut Runner) {
    for gate in runner.current().0.gates.clone() {
        if let Gate::Confirm(statement) = gate {
            runner
                .apply(Action::ConfirmGate { statement }, at(2))
                .expect("confirmed");
        }
    }
}

fn items(runner: &Runner) -> Vec<String> {
    match &runner.current().0.kind {
        StepKind::YesNo { items, .. } => items.clone(),
        other => panic!("a yes/no screen, not {}", other.name()),
    }
}

/// Answer every item of the screen on screen with `answer_of(item index)`, confirm that
/// the other partner is out of earshot, and go on.
fn answer_screen(runner: &mut Runner, partner: Partner, answer_of: impl Fn(usize) -> YesNoAnswer) {
    for (i, item) in items(runner).into_iter().enumerate() {
        runner
            .apply(
                Action::AnswerItem {
                    respondent: Respondent::Partner(partner),
                    item,
                    answer: Some(answer_of(i)),
                },
                at(3),
            )
            .expect("answered");
    }
    confirm_gates(runner);
    runner
        .apply(Action::Next, at(4))
        .expect("the screen is done");
}

fn write(runner: &mut Runner, text: &str) {
    runner
        .apply(
            Action::WriteText {
                respondent: Respondent::Clinician,
                text: text.into(),
            },
            at(5),
        )
        .expect("written");
}

fn decide(runner: &mut Runner, option: &str) {
    runner
        .apply(
            Action::Choose {
                respondent: Respondent::Clinician,
                option: option.into(),
                selected: true,
            },
            at(6),
        )
        .expect("decided");
}

/// Drive a started screen: A's answers by `a`, B's all no, then the assessment (if any),
/// the decision (if any), the reason for plain joint work (if any).
fn drive(
    runner: &mut Runner,
    a: impl Fn(usize) -> YesNoAnswer,
    assessment: &str,
    decision: &str,
    reason: &str,
) {
    go_to(runner, "screen-a");
    answer_screen(runner, Partner::A, a);
    go_to(runner, "screen-b");
    answer_screen(runner, Partner::B, |_| YesNoAnswer::No);
    go_to(runner, "assessment");
    if !assessment.is_empty() {
        write(runner, assessment);
    }
    go_to(runner, "decision");
    if !decision.is_empty() {
        decide(runner, decision);
    }
    go_to(runner, "override");
    if !reason.is_empty() {
        write(runner, reason);
    }
}

/// Run the whole screen (see `drive`), ended or not.
fn run_screen(
    a: impl Fn(usize) -> YesNoAnswer,
    assessment: &str,
    decision: &str,
    reason: &str,
    end: bool,
) -> Session {
    let mut runner = screen();
    drive(&mut runner, a, assessment, decision, reason);
    if end {
        runner.apply(Action::End, at(30)).expect("ended");
    }
    runner.into_session()
}

/// A yes to the second item ("afraid of my partner") from partner A.
fn afraid(i: usize) -> YesNoAnswer {
    if i == 1 {
        YesNoAnswer::Yes
    } else {
        YesNoAnswer::No
    }
}

fn joint_protocol_locked(facts: &CoupleFacts) -> bool {
    let library = Library::builtin();
    let dialogue = library.get("intentional-dialogue").expect("shipped");
    !locked_because(dialogue, facts).is_empty()
}

#[test]
fn an_unanswered_item_blocks_the_screen_and_nothing_counts_as_no() {
    let mut runner = screen();
    go_to(&mut runner, "screen-a");
    let all = items(&runner);
    // Every item but the last answered no, the other partner confirmed away: not enough.
    for item in &all[..all.len() - 1] {
        runner
            .apply(
                Action::AnswerItem {
                    respondent: Respondent::Partner(Partner::A),
                    item: item.clone(),
                    answer: Some(YesNoAnswer::No),
                },
                at(3),
            )
            .expect("answered");
    }
    confirm_gates(&mut runner);
    assert!(
        runner.apply(Action::Next, at(4)).is_err(),
        "one item unanswered"
    );
    assert!(
        runner
            .apply(
                Action::Skip {
                    reason: "in a hurry".into()
                },
                at(4)
            )
            .is_err(),
        "a screen is not skipped past an unanswered item"
    );
    // An answer given and taken back is unanswered again, not "no".
    let last = all.last().expect("items").clone();
    for answer in [Some(YesNoAnswer::No), None] {
        runner
            .apply(
                Action::AnswerItem {
                    respondent: Respondent::Partner(Partner::A),
                    item: last.clone(),
                    answer,
                },
                at(3),
            )
            .expect("answered");
    }
    assert!(
        runner.apply(Action::Next, at(4)).is_err(),
        "taken back: unanswered"
    );
    // Declining is an answer: the screen can go on, and it raises a concern.
    runner
        .apply(
            Action::AnswerItem {
                respondent: Respondent::Partner(Partner::A),
                item: last,
                answer: Some(YesNoAnswer::Declined),
            },
            at(3),
        )
        .expect("declined");
    runner
        .apply(Action::Next, at(4))
        .expect("every item answered");
    let status = safety_status([runner.session()]);
    assert!(status.facts.screened.contains(&Partner::A));
    assert!(
        status.positive.contains(&Partner::A),
        "declining raises a concern"
    );
}

#[test]
fn the_screen_waits_until_the_other_partner_is_out_of_earshot() {
    let mut runner = screen();
    go_to(&mut runner, "screen-a");
    for item in items(&runner) {
        runner
            .apply(
                Action::AnswerItem {
                    respondent: Respondent::Partner(Partner::A),
                    item,
                    answer: Some(YesNoAnswer::No),
                },
                at(3),
            )
            .expect("answered");
    }
    let blocking = runner.blocking_gates().join("; ");
    assert!(blocking.contains("cannot overhear"), "{blocking}");
    assert!(runner.apply(Action::Next, at(4)).is_err());
    confirm_gates(&mut runner);
    runner.apply(Action::Next, at(4)).expect("confirmed alone");
}

#[test]
fn a_yes_with_plain_joint_work_decided_in_the_same_screen_keeps_joint_work_locked() {
    let session = run_screen(afraid, "Assessed with Maya alone.", "Joint work", "", true);
    let status = safety_status([&session]);
    assert_eq!(status.facts.screened.len(), 2);
    assert!(status.positive.contains(&Partner::A));
    assert_eq!(status.facts.safety_decision, None);
    assert_eq!(status.held_back, Some(HeldBack::NoReason));
    assert!(!status.joint_work_cleared());
    assert!(joint_protocol_locked(&couple_facts([&session])));
}

#[test]
fn a_concern_needs_the_fuller_assessment_before_any_decision_for_joint_work() {
    let session = run_screen(afraid, "", "Joint work with a safety protocol", "", true);
    let status = safety_status([&session]);
    assert_eq!(status.held_back, Some(HeldBack::NoAssessment));
    assert!(joint_protocol_locked(&status.facts));
    // Individual work needs no assessment to be recorded (it opens nothing joint).
    let individual = run_screen(afraid, "", "Individual work only or referral", "", true);
    assert_eq!(
        couple_facts([&individual]).safety_decision,
        Some(SafetyDecision::IndividualWorkOnly)
    );
}

#[test]
fn a_safety_protocol_decision_after_the_assessment_opens_joint_work() {
    let session = run_screen(
        afraid,
        "Assessed with Maya alone.",
        "Joint work with a safety protocol",
        "",
        true,
    );
    let facts = couple_facts([&session]);
    assert_eq!(
        facts.safety_decision,
        Some(SafetyDecision::JointWorkWithSafetyProtocol)
    );
    assert!(!joint_protocol_locked(&facts));
}

#[test]
fn plain_joint_work_over_a_concern_counts_only_with_a_reason_in_an_ended_screen() {
    let open = run_screen(
        afraid,
        "Assessed with Maya alone.",
        "Joint work",
        "One frightening argument a year ago; no violence, no fear now, both agree to stop rules.",
        false,
    );
    assert_eq!(safety_status([&open]).held_back, Some(HeldBack::NotEnded));
    assert!(joint_protocol_locked(&couple_facts([&open])));
    let ended = run_screen(
        afraid,
        "Assessed with Maya alone.",
        "Joint work",
        "One frightening argument a year ago; no violence, no fear now, both agree to stop rules.",
        true,
    );
    assert_eq!(
        couple_facts([&ended]).safety_decision,
        Some(SafetyDecision::JointWork)
    );
    assert!(tandem::runner::facts::overrides_a_concern(&ended));
    // With nothing raised, plain joint work needs nothing more.
    let quiet = run_screen(
        |_| YesNoAnswer::No,
        "nothing raised",
        "Joint work",
        "",
        false,
    );
    assert_eq!(
        couple_facts([&quiet]).safety_decision,
        Some(SafetyDecision::JointWork)
    );
    assert!(!tandem::runner::facts::overrides_a_concern(&quiet));
}

#[test]
fn a_later_screen_with_a_concern_withdraws_an_earlier_decision() {
    let quiet = run_screen(
        |_| YesNoAnswer::No,
        "nothing raised",
        "Joint work",
        "",
        true,
    );
    let mut later = run_screen(afraid, "", "", "", true);
    later.id = SessionId(uuid::Uuid::from_u128(9));
    later.started_at = at(60 * 24 * 30);
    let facts = couple_facts([&quiet, &later]);
    assert_eq!(facts.safety_decision, None);
    assert!(joint_protocol_locked(&facts));
    assert!(
        later
            .steps
            .iter()
            .any(|s| s.step_id == "screen-a" && s.status == StepStatus::Done)
    );
}

const REASON: &str = "CANARY-REASON-5521: one argument a year ago, no fear now, stop rules agreed.";

/// The demo practice in a fresh folder, a screen started for its first couple, and the
/// audit log's entries of `action` so far.
fn practice_screen() -> (tempfile::TempDir, std::path::PathBuf, Practice, Runner) {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let mut practice = Practice::create_demo(&root, Utc::now()).expect("demo");
    let first = practice.lists().couples[0].id;
    let record = practice.open_couple(first, Utc::now()).expect("couple");
    let runner = practice
        .start_session(&record, "safety-screen", Bindings::default(), Utc::now())
        .expect("a screen starts");
    (dir, root, practice, runner)
}

fn logged(root: &std::path::Path, action: AuditAction) -> Vec<String> {
    entries(root)
        .expect("log")
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.detail)
        .collect()
}

#[test]
fn ending_a_screen_that_overrides_a_concern_is_audited_and_refused_when_it_cannot_be() {
    let (_dir, root, practice, mut runner) = practice_screen();
    drive(&mut runner, afraid, "Assessed alone.", "Joint work", REASON);
    // The log cannot be written: the screen is not ended, and its decision opens nothing.
    std::fs::rename(
        tandem::vault::audit::segment_dir(&root).join(AUDIT_FILE),
        tandem::vault::audit::segment_dir(&root).join("audit.aside"),
    )
    .expect("aside");
    std::fs::create_dir(tandem::vault::audit::segment_dir(&root).join(AUDIT_FILE))
        .expect("a folder in its place");
    assert!(practice.end_session(&mut runner, Utc::now()).is_err());
    assert!(!runner.is_ended());
    assert_eq!(
        couple_facts([runner.session()]).safety_decision,
        None,
        "not ended, not counted"
    );
    std::fs::remove_dir(tandem::vault::audit::segment_dir(&root).join(AUDIT_FILE))
        .expect("folder gone");
    std::fs::rename(
        tandem::vault::audit::segment_dir(&root).join("audit.aside"),
        tandem::vault::audit::segment_dir(&root).join(AUDIT_FILE),
    )
    .expect("log back");

    practice
        .end_session(&mut runner, Utc::now())
        .expect("ended");
    assert!(runner.is_ended());
    let details = logged(&root, AuditAction::SafetyOverride);
    assert_eq!(details.len(), 1, "one entry for the override");
    // The log names what happened, never the reason's words.
    assert!(!details[0].contains("CANARY"), "{details:?}");
    let raw =
        std::fs::read(tandem::vault::audit::segment_dir(&root).join(AUDIT_FILE)).expect("log file");
    assert!(!String::from_utf8_lossy(&raw).contains("CANARY-REASON"));
    assert_eq!(
        couple_facts([runner.session()]).safety_decision,
        Some(SafetyDecision::JointWork)
    );
}

#[test]
fn ending_a_screen_with_a_safe_decision_writes_no_override() {
    let (_dir, root, practice, mut runner) = practice_screen();
    drive(
        &mut runner,
        afraid,
        "Assessed alone.",
        "Joint work with a safety protocol",
        "",
    );
    practice
        .end_session(&mut runner, Utc::now())
        .expect("ended");
    assert!(logged(&root, AuditAction::SafetyOverride).is_empty());
}

/// Yes to the item about control and frightening checking, from partner A.
fn controlled(i: usize) -> YesNoAnswer {
    let library = Library::builtin();
    let template = library.get("safety-screen").expect("shipped");
    let items = template
        .steps
        .iter()
        .find_map(|s| match &s.kind {
            StepKind::YesNo { items, .. } if s.id == "screen-a" => Some(items.clone()),
            _ => None,
        })
        .expect("screen-a");
    if items[i].contains(tandem::runner::facts::CONTROL_ITEM_WORDS) {
        YesNoAnswer::Yes
    } else {
        YesNoAnswer::No
    }
}

#[test]
fn a_screen_that_raises_control_is_remembered_until_a_later_screen_says_otherwise() {
    let raised = run_screen(
        controlled,
        "Assessed alone.",
        "Individual work only or referral",
        "",
        true,
    );
    let status = safety_status([&raised]);
    assert_eq!(
        status.control_concern.iter().collect::<Vec<_>>(),
        vec![&Partner::A]
    );
    let mut later = run_screen(
        |_| YesNoAnswer::No,
        "nothing raised",
        "Joint work",
        "",
        true,
    );
    later.started_at = at(60 * 24 * 90);
    assert!(safety_status([&raised, &later]).control_concern.is_empty());
}

#[test]
fn an_access_agreement_is_warned_about_where_a_screen_raised_control() {
    use egui_kittest::kittest::Queryable;
    let mut h = common::demo_app();
    common::start(&mut h, "communication-plan");
    common::click(&mut h, "Done reviewing");
    while common::live_session(&h).steps[common::live_session(&h).current].step_id != "plan" {
        common::click(&mut h, "Next");
    }
    let choose = |h: &mut egui_kittest::Harness<'_, tandem::app::TandemApp>| {
        h.get_by_label("Kind of commitment").click();
        h.run();
        h.get_by_label_contains("Transparency agreement").click();
        h.run();
    };
    // No concern: the general care note.
    choose(&mut h);
    assert!(common::on_screen(&h, "needs both partners' free agreement"));
    assert!(!common::on_screen(&h, "raised control"));
    // A screen raised control: the warning, naming no one.
    h.state_mut()
        .state
        .live
        .as_mut()
        .expect("running")
        .control_concern = true;
    h.run();
    assert!(common::on_screen(
        &h,
        "raised control or frightening checking"
    ));
    assert!(!common::on_screen(&h, "Maya Okafor raised"));
}

/// The words of every page of a rendered report, as one line.
fn pdf_words(report: &tandem::export::Report) -> String {
    let bytes = tandem::export::render(report, &mut |_| {}).expect("renders");
    let doc = printpdf::PdfDocument::parse(
        &bytes,
        &printpdf::PdfParseOptions::default(),
        &mut Vec::new(),
    )
    .expect("the PDF parses");
    doc.extract_text()
        .iter()
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_screens_answers_reach_the_clinician_and_each_partner_their_own_only() {
    use tandem::export::{Context, SessionDocument, Zone, session_report};
    use tandem::model::{Audience, COUPLE_FORMAT, Couple, PartnerInfo};
    let session = run_screen(
        afraid,
        "Assessed alone.",
        "Joint work with a safety protocol",
        "",
        true,
    );
    let couple = Couple {
        format: COUPLE_FORMAT,
        id: CoupleId(uuid::Uuid::from_u128(8)),
        code: "C-0808".into(),
        partner_a: PartnerInfo {
            name: "Robin".into(),
            pronouns: String::new(),
        },
        partner_b: PartnerInfo {
            name: "Kai".into(),
            pronouns: String::new(),
        },
        created_on: at(0).date_naive(),
        archived: false,
    };
    let ctx = Context {
        practice: "Harbour".into(),
        now: at(40),
        zone: Zone::Fixed(chrono::FixedOffset::east_opt(0).expect("zone")),
        resources: Vec::new(),
        dates: Default::default(),
    };
    let library = Library::builtin();
    // Robin answered one item yes, Kai none: "Yes" stands in a document exactly where
    // Robin's answers do.
    let yeses = |text: &str| text.split_whitespace().filter(|w| *w == "Yes").count();
    for document in SessionDocument::ALL {
        let words = |audience| {
            session_report(
                document,
                &session,
                &couple,
                library.get("safety-screen"),
                audience,
                &ctx,
            )
            .map(|report| pdf_words(&report))
        };
        let Ok(clinician) = words(Audience::Clinician) else {
            continue; // a document this session does not make (a letter, say)
        };
        if document == SessionDocument::Note {
            assert_eq!(yeses(&clinician), 1, "{document:?}: {clinician}");
            assert!(!clinician.contains("not answered"));
            assert!(!clinician.contains('{'), "placeholders filled: {clinician}");
            assert!(clinician.contains("Kai is out of the room and cannot overhear us"));
        }
        for audience in [Audience::Partner(Partner::B), Audience::Couple] {
            let text = words(audience).unwrap_or_default();
            assert_eq!(
                yeses(&text),
                0,
                "{document:?} for {audience:?} shows Robin's answer: {text}"
            );
        }
        let own = words(Audience::Partner(Partner::A)).unwrap_or_default();
        if document == SessionDocument::Note && !own.is_empty() {
            assert_eq!(yeses(&own), 1, "Robin's own answers in Robin's copy: {own}");
        }
    }
}
