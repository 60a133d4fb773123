//! Partner privacy and the safety gate, driven through the app like a therapist drives it:
//! hand-over mode, a step made private by the therapist, canaries that must never reach
//! the other partner's screen, the couple's screen or the wrong export, and joint
//! protocols that stay locked until both private screens and a decision are recorded.

mod common;

use common::{
    assert_each_reader_sees_only_theirs, click, demo_app, flat, live_session, on_screen, pdf_text,
    settle, start, status, template_label, type_into,
};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tandem::app::TandemApp;
use tandem::export::{Context, ExportError, SessionDocument, Zone, session_report};
use tandem::model::{Audience, Partner, Respondent, StepData, Visibility};
use tandem::practice::DEMO_PASSPHRASE;
use tandem::vault::audit::AuditAction;
use tandem::vault::{RecordBody, RecordKind};

fn hand_back(h: &mut Harness<'_, TandemApp>, passphrase: &str) {
    type_into(h, Role::PasswordInput, "Therapist's passphrase", passphrase);
    click(h, "Return to the therapist's view");
    settle(h);
}

fn ctx() -> Context {
    Context {
        practice: "Test practice".into(),
        now: chrono::Utc::now(),
        zone: Zone::Fixed(chrono::FixedOffset::east_opt(0).expect("utc")),
        resources: Vec::new(),
        dates: Default::default(),
    }
}

const A_PRIVATE: &str = "CANARY-A-PRIVATE-771";
const B_PRIVATE: &str = "CANARY-B-PRIVATE-772";
const CLINICIAN: &str = "CANARY-CLINICIAN-773";

#[test]
fn a_step_made_private_reaches_each_partner_alone_through_hand_over() {
    let mut h = demo_app();
    start(&mut h, "rebuilding-trust-tips");
    click(&mut h, "Next");
    click(&mut h, "Next");
    let index = live_session(&h).current;
    assert_eq!(live_session(&h).steps[index].visibility, Visibility::Joint);

    // The therapist makes the shared step private before anyone writes in it.
    h.get_by_label("Who sees this").click();
    h.run();
    click(&mut h, "Each partner their own");
    assert_eq!(
        live_session(&h).steps[index].visibility,
        Visibility::PartnerPrivate,
        "{:?}",
        status(&h)
    );
    type_into(
        &mut h,
        Role::MultilineTextInput,
        "Clinician notes (never shown to the couple)",
        CLINICIAN,
    );

    // Maya gets the laptop: her own field only, nothing to navigate with.
    click(&mut h, "Hand to Maya Okafor");
    assert_eq!(h.state().state.hand_over(), Some(Partner::A));
    assert!(h.query_by_label("Next").is_none(), "no navigation");
    assert!(h.query_by_label("Steps").is_none(), "no steps list");
    assert!(h.query_by_label("Daniel Reyes").is_none(), "not his field");
    assert!(!on_screen(&h, CLINICIAN), "no clinician notes");
    assert!(h.query_by_label("For the therapist").is_none());
    type_into(&mut h, Role::MultilineTextInput, "Maya Okafor", A_PRIVATE);
    // Keyboard shortcuts for the session do nothing while she has it.
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowRight);
    h.run();
    assert_eq!(live_session(&h).current, index);

    // A wrong passphrase keeps the hand-over; the right one ends it.
    hand_back(&mut h, "not the passphrase");
    assert_eq!(h.state().state.hand_over(), Some(Partner::A));
    assert!(
        h.query_by_label_contains("That is not the passphrase")
            .is_some()
    );
    hand_back(&mut h, DEMO_PASSPHRASE);
    assert_eq!(h.state().state.hand_over(), None, "{:?}", status(&h));
    assert!(h.query_by_label("Next").is_some());

    // Daniel's turn: Maya's words are nowhere on his screen.
    click(&mut h, "Hand to Daniel Reyes");
    assert_eq!(h.state().state.hand_over(), Some(Partner::B));
    assert!(
        !on_screen(&h, A_PRIVATE),
        "partner B's view shows A's entry"
    );
    assert!(!on_screen(&h, CLINICIAN));
    type_into(&mut h, Role::MultilineTextInput, "Daniel Reyes", B_PRIVATE);
    hand_back(&mut h, DEMO_PASSPHRASE);

    // Back with the therapist: both entries recorded as each partner's own.
    let session = live_session(&h);
    match &session.steps[index].data {
        StepData::Text(e) => {
            assert_eq!(
                e.entries
                    .get(&Respondent::Partner(Partner::A))
                    .map(String::as_str),
                Some(A_PRIVATE)
            );
            assert_eq!(
                e.entries
                    .get(&Respondent::Partner(Partner::B))
                    .map(String::as_str),
                Some(B_PRIVATE)
            );
        }
        other => panic!("not a text step: {other:?}"),
    }

    // The couple's screen shows nothing of it.
    let model = tandem::app::present::present_model(
        h.state().state.live.as_ref().expect("live"),
        chrono::Utc::now(),
    );
    let shown = format!("{model:?}");
    assert!(model.private);
    for canary in [A_PRIVATE, B_PRIVATE, CLINICIAN] {
        assert!(!shown.contains(canary), "present mode shows {canary}");
    }

    // What was written in confidence cannot be made shared again.
    h.get_by_label("Who sees this").click();
    h.run();
    click(&mut h, "Both partners");
    assert_eq!(
        live_session(&h).steps[index].visibility,
        Visibility::PartnerPrivate
    );
    // Said beside the session's controls, where the therapist is looking.
    assert!(
        h.state()
            .state
            .error_at(tandem::app::command::ErrorPlace::Session)
            .is_some_and(|text| text.contains("in confidence"))
    );

    // Every hand-over, hand-back and the visibility change are in the audit log, without
    // a word of what was written.
    let practice = h.state().state.practice.as_ref().expect("open");
    let entries = practice.vault().audit_entries().expect("audit");
    let count = |action: AuditAction| entries.iter().filter(|e| e.action == action).count();
    assert_eq!(count(AuditAction::HandOver), 2);
    assert_eq!(
        count(AuditAction::HandBack),
        3,
        "two returns and one refusal"
    );
    assert_eq!(count(AuditAction::Visibility), 1);
    let log = format!("{entries:?}");
    for canary in [A_PRIVATE, B_PRIVATE, CLINICIAN] {
        assert!(!log.contains(canary));
    }

    // On disk, and in every export: each reader gets exactly their own.
    let id = session.id.0;
    click(&mut h, "Close session");
    let (views, exports) = every_reader(&h, id);
    let may = |reader: Audience, canary: &str| match reader {
        Audience::Clinician => true,
        Audience::Couple => false,
        Audience::Partner(Partner::A) => canary == A_PRIVATE,
        Audience::Partner(Partner::B) => canary == B_PRIVATE,
    };
    let canaries = [A_PRIVATE, B_PRIVATE, CLINICIAN];
    assert_each_reader_sees_only_theirs("the redacted view", &views, &canaries, may);
    assert_each_reader_sees_only_theirs("the exports", &exports, &canaries, may);
}

/// What each reader is given, as text.
type ByReader = Vec<(Audience, String)>;

/// The saved session as each reader's redacted view, and as every document exported for
/// each reader.
fn every_reader(h: &Harness<'_, TandemApp>, id: uuid::Uuid) -> (ByReader, ByReader) {
    let practice = h.state().state.practice.as_ref().expect("open");
    let saved = match practice
        .vault()
        .load(RecordKind::Session, id)
        .expect("saved")
    {
        RecordBody::Session(s) => s,
        other => panic!("not a session: {other:?}"),
    };
    let couple = practice
        .lists()
        .couple(saved.couple)
        .expect("couple")
        .clone();
    let template = practice.library().get(&saved.template_id);
    let mut views = Vec::new();
    let mut exports = Vec::new();
    for audience in Audience::ALL {
        views.push((
            audience,
            format!("{:?}", tandem::model::redact(&saved, audience)),
        ));
        // Every document, rendered and read back: what a reader gets is the PDF.
        let mut exported = String::new();
        for document in SessionDocument::ALL {
            match session_report(document, &saved, &couple, template, audience, &ctx()) {
                Ok(report) => {
                    let bytes = tandem::export::render(&report, &mut |_| {}).expect("renders");
                    let text = flat(&pdf_text(&bytes));
                    assert!(
                        text.contains(&format!("made for {}.", audience.reader())),
                        "{document:?} for {audience}"
                    );
                    exported.push_str(&text);
                    exported.push('\n');
                }
                // A plan without commitments, or letters this reader has none of, are
                // not made; the note and the worksheet always are.
                Err(ExportError::Nothing { .. })
                    if matches!(document, SessionDocument::Plan | SessionDocument::Letters) => {}
                Err(e) => panic!("{document:?} for {audience}: {e}"),
            }
        }
        exports.push((audience, exported));
    }
    (views, exports)
}

#[test]
fn the_safety_screen_can_never_be_made_shared() {
    let mut h = demo_app();
    start(&mut h, "safety-screen");
    click(&mut h, "Next");
    let index = live_session(&h).current;
    assert_eq!(
        live_session(&h).steps[index].visibility,
        Visibility::PartnerPrivate
    );
    h.get_by_label("Who sees this").click();
    h.run();
    click(&mut h, "Both partners");
    assert_eq!(
        live_session(&h).steps[index].visibility,
        Visibility::PartnerPrivate
    );
    assert!(
        h.state()
            .state
            .error_at(tandem::app::command::ErrorPlace::Session)
            .is_some()
    );
    // Only the screened partner can be handed this step.
    assert!(h.query_by_label("Hand to Maya Okafor").is_some());
    assert!(h.query_by_label("Hand to Daniel Reyes").is_none());
}

/// Add a couple through the form and return to its page.
fn add_couple(h: &mut Harness<'_, TandemApp>) {
    click(h, "Add couple");
    for (label, text) in [
        ("Partner A name", "Robin Vale"),
        ("Partner B name", "Kai Moss"),
    ] {
        type_into(h, Role::TextInput, label, text);
    }
    click(h, "Save couple");
    let (text, error) = status(h).expect("a next step is suggested");
    assert!(!error && text.contains("safety screen"), "{text}");
}

/// Whether the picker lets a joint protocol start for the selected couple.
fn joint_protocol_open(h: &mut Harness<'_, TandemApp>) -> bool {
    click(h, "New session");
    let label = template_label(h, "intentional-dialogue");
    click(h, &label);
    let open = h.query_by_label("Start session").is_some();
    let locked = h.query_by_label("Locked:").is_some();
    assert_ne!(open, locked);
    click(h, "Back to the practice");
    open
}

/// Walk the safety screen from the intro up to the decision step. Partner A answers on
/// their own (hand-over), yes to item `yes_a` if given and no to the rest; partner B no
/// to every item; the other partner confirmed out of earshot each time. When A raised a
/// concern the fuller assessment is written.
fn screen_both(h: &mut Harness<'_, TandemApp>, yes_a: Option<usize>) {
    click(h, "Start safety screen");
    assert_eq!(
        live_session(h).template_id,
        "safety-screen",
        "{:?}",
        status(h)
    );
    click(h, "Next"); // screen-a
    click(h, "Hand to Robin Vale");
    let items = h.get_all_by_label("No").count();
    assert!(items > 0, "each item has its answers");
    for i in 0..items {
        let answer = if yes_a == Some(i) { "Yes" } else { "No" };
        h.get_all_by_label(answer)
            .nth(i)
            .expect("the item's answer")
            .click_accesskit();
        h.run();
    }
    hand_back(h, DEMO_PASSPHRASE);
    assert_eq!(h.state().state.hand_over(), None);
    h.query_by_label_contains("I confirm:")
        .expect("the other partner must be out of earshot")
        .click_accesskit();
    h.run();
    click(h, "Next"); // note-a
    click(h, "Next"); // screen-b
    common::answer_screen_no(h);
    click(h, "Next"); // note-b
    click(h, "Next"); // assessment
    if yes_a.is_some() {
        type_into(
            h,
            Role::MultilineTextInput,
            "Therapist",
            "Assessed alone with Robin.",
        );
    }
    click(h, "Next"); // decision
    let index = live_session(h).current;
    assert_eq!(live_session(h).steps[index].step_id, "decision");
}

#[test]
fn joint_protocols_open_only_after_both_screens_and_a_decision() {
    let mut h = demo_app();
    add_couple(&mut h);
    assert!(!joint_protocol_open(&mut h), "locked before any screen");
    assert!(
        h.query_by_label_contains("0 of 2 private screens")
            .is_some()
    );

    screen_both(&mut h, None);
    click(&mut h, "Close session");
    assert!(
        !joint_protocol_open(&mut h),
        "both screens without a decision stay locked"
    );
    assert!(h.query_by_label_contains("no decision recorded").is_some());

    // Take the screen up again and decide. (Closing paused it, so that the time away
    // counts on no clock: it goes on once resumed.)
    click(&mut h, "Continue");
    click(&mut h, "Resume session");
    click(&mut h, "Joint work");
    click(&mut h, "Close session");
    assert!(joint_protocol_open(&mut h), "{:?}", status(&h));
    assert!(
        h.query_by_label_contains("Joint protocols are open")
            .is_some()
    );
}

#[test]
fn a_positive_screen_shows_resources_and_keeps_joint_work_locked_until_the_decision() {
    let mut h = demo_app();
    add_couple(&mut h);
    screen_both(&mut h, Some(0));
    click(&mut h, "Close session");
    assert!(!joint_protocol_open(&mut h));
    // Named only behind a deliberate click: the couple may glimpse the page.
    assert!(h.query_by_label_contains("Positive screen").is_none());
    click(&mut h, "Show safety details");
    assert!(
        h.query_by_label_contains("Positive screen: Robin Vale")
            .is_some()
    );
    click(&mut h, "Safety resources");
    assert!(
        h.query_by_label_contains("domestic abuse helpline")
            .is_some()
    );

    click(&mut h, "Continue");
    click(&mut h, "Resume session");
    click(&mut h, "Joint work with a safety protocol");
    click(&mut h, "Close session");
    assert!(joint_protocol_open(&mut h));

    // A later positive re-screen withdraws that decision until a new one is made.
    screen_both(&mut h, Some(1));
    click(&mut h, "Close session");
    assert!(
        !joint_protocol_open(&mut h),
        "a new positive screen locks again"
    );
}

const LETTER_POINT: &str = "CANARY-LETTER-POINT-881";
const REPLY: &str = "CANARY-REPLY-882";

#[test]
fn a_private_reply_and_the_points_of_a_private_letter_never_reach_the_wrong_reader() {
    let mut h = demo_app();
    start(&mut h, "impact-and-restitution-letters");
    click(&mut h, "Next");
    // Maya's impact letter: private to her as shipped, drafted alone with the therapist
    // (choosing it again changes nothing).
    let index = live_session(&h).current;
    assert_eq!(
        live_session(&h).steps[index].visibility,
        Visibility::PartnerPrivate
    );
    h.get_by_label("Who sees this").click();
    h.run();
    click(&mut h, "Each partner their own");
    type_into(
        &mut h,
        Role::MultilineTextInput,
        "Maya Okafor",
        &format!("{LETTER_POINT} one.\n\nThe second point."),
    );
    click(&mut h, "Next");
    click(&mut h, "Next");
    // The restitution letter, private to its author too.
    let index = live_session(&h).current;
    assert_eq!(
        live_session(&h).steps[index].visibility,
        Visibility::PartnerPrivate
    );

    // Daniel writes it alone: he sees which points to answer, not Maya's private words.
    click(&mut h, "Hand to Daniel Reyes");
    assert_eq!(h.state().state.hand_over(), Some(Partner::B));
    assert!(
        !on_screen(&h, LETTER_POINT),
        "the author's screen quotes the letter"
    );
    assert!(h.query_by_label("Point 2").is_some());
    type_into(&mut h, Role::MultilineTextInput, "Answer to point 1", REPLY);
    click(&mut h, "Save answer 1");
    assert!(
        h.query_by_label("1 of 2 points answered — not yet answered: 2")
            .is_some(),
        "{:?}",
        status(&h)
    );
    hand_back(&mut h, DEMO_PASSPHRASE);
    assert_eq!(h.state().state.hand_over(), None);
    // The therapist sees both.
    assert!(on_screen(&h, LETTER_POINT));
    assert!(on_screen(&h, REPLY));
    // Maya cannot be handed a step that is Daniel's to write.
    assert!(h.query_by_label("Hand to Maya Okafor").is_none());

    let model = tandem::app::present::present_model(
        h.state().state.live.as_ref().expect("live"),
        chrono::Utc::now(),
    );
    let shown = format!("{model:?}");
    assert!(!shown.contains(LETTER_POINT) && !shown.contains(REPLY));

    let session = live_session(&h);
    assert!(matches!(session.steps[index].data, StepData::Reply(_)));
    let id = session.id.0;
    click(&mut h, "Close session");
    let (views, exports) = every_reader(&h, id);
    // Maya's letter is hers; Daniel's reply is his.
    let may = |reader: Audience, canary: &str| match reader {
        Audience::Clinician => true,
        Audience::Couple => false,
        Audience::Partner(Partner::A) => canary == LETTER_POINT,
        Audience::Partner(Partner::B) => canary == REPLY,
    };
    let canaries = [LETTER_POINT, REPLY];
    assert_each_reader_sees_only_theirs("the redacted view", &views, &canaries, may);
    assert_each_reader_sees_only_theirs("the exports", &exports, &canaries, may);
}
