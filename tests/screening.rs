//! Capabilities, not magic ids: a practice's own screening protocol that declares itself a
//! safety screen (its own id and step ids) opens and holds the joint-work gate exactly as
//! the shipped screen does, driven the same way through the runner.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tandem::model::{Bindings, CoupleFacts, CoupleId, Partner, Respondent, SessionId, YesNoAnswer};
use tandem::runner::facts::couple_facts;
use tandem::runner::{Action, Runner, Start, locked_because};
use tandem::template::{Gate, Library, StepKind, Template};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 5, 9, 0, 0)
        .single()
        .expect("time")
        + Duration::minutes(minute)
}

/// The step ids a screen uses.
struct Ids {
    a: &'static str,
    b: &'static str,
    assessment: &'static str,
    decision: &'static str,
    reason: &'static str,
}

const SHIPPED: Ids = Ids {
    a: "screen-a",
    b: "screen-b",
    assessment: "assessment",
    decision: "decision",
    reason: "override",
};

const OWN: Ids = Ids {
    a: "intake-a",
    b: "intake-b",
    assessment: "fuller-assessment",
    decision: "way-forward",
    reason: "why-joint",
};

/// A practice's own screen: the shipped one's structure under an id and step ids of its
/// own, its declaration naming them.
fn own_screen_text() -> String {
    let shipped = include_str!("../templates/safety-screen.ron");
    shipped
        .replace("\"safety-screen\"", "\"practice-intake-screen\"")
        .replace("\"screen-a\"", "\"intake-a\"")
        .replace("\"screen-b\"", "\"intake-b\"")
        .replace("\"assessment\"", "\"fuller-assessment\"")
        .replace("\"decision\"", "\"way-forward\"")
        .replace("\"override\"", "\"why-joint\"")
        .replace("\"rescreen\"", "\"next-screen\"")
        .replace(
            "Safety screen before joint work",
            "Intake screen (practice's own)",
        )
}

fn start(template: &Template) -> Runner {
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

fn go_to(runner: &mut Runner, id: &str) {
    let mut minute = 1;
    while runner.current().1.step_id != id {
        runner
            .apply(Action::Next, at(minute))
            .unwrap_or_else(|e| panic!("Next from {} refused: {e}", runner.current().1.step_id));
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

fn answer_screen(runner: &mut Runner, partner: Partner, yes_to_first: bool) {
    let items = match &runner.current().0.kind {
        StepKind::YesNo { items, .. } => items.clone(),
        other => panic!("a yes/no screen, not {}", other.name()),
    };
    for (i, item) in items.into_iter().enumerate() {
        let answer = if yes_to_first && i == 0 {
            YesNoAnswer::Yes
        } else {
            YesNoAnswer::No
        };
        runner
            .apply(
                Action::AnswerItem {
                    respondent: Respondent::Partner(partner),
                    item,
                    answer: Some(answer),
                },
                at(3),
            )
            .expect("answered");
    }
    confirm_gates(runner);
    runner.apply(Action::Next, at(4)).expect("screen done");
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

/// Run a whole screen: A raises a concern or not, B none; then the assessment, decision
/// and reason given (empty: left out); ended.
fn run(
    template: &Template,
    ids: &Ids,
    concern: bool,
    assessment: &str,
    decision: &str,
    reason: &str,
) -> tandem::model::Session {
    let mut runner = start(template);
    go_to(&mut runner, ids.a);
    answer_screen(&mut runner, Partner::A, concern);
    go_to(&mut runner, ids.b);
    answer_screen(&mut runner, Partner::B, false);
    go_to(&mut runner, ids.assessment);
    if !assessment.is_empty() {
        write(&mut runner, assessment);
    }
    go_to(&mut runner, ids.decision);
    if !decision.is_empty() {
        runner
            .apply(
                Action::Choose {
                    respondent: Respondent::Clinician,
                    option: decision.into(),
                    selected: true,
                },
                at(6),
            )
            .expect("decided");
    }
    go_to(&mut runner, ids.reason);
    if !reason.is_empty() {
        write(&mut runner, reason);
    }
    runner.apply(Action::End, at(30)).expect("ended");
    runner.into_session()
}

fn joint_work_locked(facts: &CoupleFacts) -> bool {
    let library = Library::builtin();
    let dialogue = library.get("intentional-dialogue").expect("shipped");
    !locked_because(dialogue, facts).is_empty()
}

#[test]
fn a_declared_screen_of_the_practices_own_holds_the_gate_as_the_shipped_one() {
    let own = tandem::template::parse("practice-intake-screen.ron", &own_screen_text())
        .expect("the practice's screen checks out");
    assert!(own.screen.is_some());
    let library = Library::builtin();
    let shipped = library.get("safety-screen").expect("shipped");

    // Never screened: locked, for both.
    assert!(joint_work_locked(&CoupleFacts::default()));
    let cases = [
        ("no concern, joint work", false, "", "Joint work", ""),
        (
            "a concern, no assessment, joint work with a safety protocol",
            true,
            "",
            "Joint work with a safety protocol",
            "",
        ),
        (
            "a concern, assessed, joint work with a safety protocol",
            true,
            "Assessed in private; no current danger.",
            "Joint work with a safety protocol",
            "",
        ),
        (
            "a concern, assessed, plain joint work without a reason",
            true,
            "Assessed in private.",
            "Joint work",
            "",
        ),
        (
            "a concern, assessed, plain joint work with a reason",
            true,
            "Assessed in private.",
            "Joint work",
            "Both want it; the concern was about a past partner.",
        ),
        (
            "individual work only",
            false,
            "",
            "Individual work only or referral",
            "",
        ),
    ];
    let mut locked_somewhere = false;
    let mut open_somewhere = false;
    for (what, concern, assessment, decision, reason) in cases {
        let by_shipped = run(shipped, &SHIPPED, concern, assessment, decision, reason);
        let by_own = run(&own, &OWN, concern, assessment, decision, reason);
        let shipped_locked = joint_work_locked(&couple_facts([&by_shipped]));
        let own_locked = joint_work_locked(&couple_facts([&by_own]));
        assert_eq!(own_locked, shipped_locked, "{what}");
        locked_somewhere |= own_locked;
        open_somewhere |= !own_locked;
        // The session keeps the declaration: the gate reads it without the library.
        assert_eq!(by_own.screen.as_deref(), own.screen.as_ref(), "{what}");
    }
    assert!(
        locked_somewhere && open_somewhere,
        "the cases cover both outcomes"
    );

    // A later positive screen by the practice's own instrument withdraws an earlier
    // decision for joint work made with the shipped one.
    let cleared = run(shipped, &SHIPPED, false, "", "Joint work", "");
    let mut later = run(&own, &OWN, true, "", "", "");
    later.started_at = at(60);
    assert!(!joint_work_locked(&couple_facts([&cleared])));
    assert!(joint_work_locked(&couple_facts([&cleared, &later])));
}

#[test]
fn a_screen_declaration_naming_a_missing_or_wrong_step_is_refused_by_line() {
    let text = own_screen_text().replace("decision: \"way-forward\"", "decision: \"intro\"");
    let error = tandem::template::parse("practice-intake-screen.ron", &text)
        .expect_err("the decision must be a choice");
    let message = error.problems[0].to_string();
    assert!(
        message.contains("screen: decision must be a Choice step"),
        "{message}"
    );
    let text = own_screen_text().replace("partner_b: \"intake-b\"", "partner_b: \"nowhere\"");
    let error =
        tandem::template::parse("practice-intake-screen.ron", &text).expect_err("no such step");
    assert!(
        error.problems[0]
            .to_string()
            .contains("no step with that id"),
        "{error:?}"
    );
}
