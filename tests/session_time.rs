//! Time in a running session, driven like a therapist drives it: the session clock and
//! the step's timer in the header, overtime badges, pausing and resuming (button and
//! shortcut), what a pause stops and what it lets through, what is saved, and what the
//! couple's screen shows meanwhile.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{click, demo_app, live_session, start, status};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tandem::app::TandemApp;
use tandem::app::present::{PresentModel, present_model, present_ui};
use tandem::app::state::Live;
use tandem::model::{LogEvent, Session};
use tandem::vault::{RecordBody, RecordKind};

const NOTES: &str = "Clinician notes (never shown to the couple)";

/// Every text the couple's screen shows for this model, as rendered.
fn rendered(model: &PresentModel) -> String {
    let model = model.clone();
    let mut harness = Harness::new_ui(move |ui| present_ui(ui, &model));
    harness.run();
    harness
        .get_all_by_role(Role::Label)
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn live<'h>(h: &'h Harness<'_, TandemApp>) -> &'h Live {
    h.state().state.live.as_ref().expect("a session runs")
}

/// Wait until every save is on disk, and read the running session back from the vault.
fn on_disk(h: &mut Harness<'_, TandemApp>) -> Session {
    let id = live_session(h).id.0;
    h.state_mut().state.wait_for_saves(Utc::now());
    let practice = h.state().state.practice.as_ref().expect("unlocked");
    match practice.vault().load(RecordKind::Session, id) {
        Ok(RecordBody::Session(s)) => s,
        other => panic!("not a saved session: {other:?}"),
    }
}

fn is_disabled(h: &Harness<'_, TandemApp>, role: Role, label: &str) -> bool {
    h.get_by_role_and_label(role, label)
        .accesskit_node()
        .is_disabled()
}

fn events(session: &Session) -> Vec<LogEvent> {
    session.log.iter().map(|e| e.event.clone()).collect()
}

#[test]
fn the_pause_button_stops_the_clocks_disables_the_step_and_the_couples_screen_says_paused() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    let title = live(&h).runner.current().0.title.clone();
    assert!(
        on_screen_label(&h, "Session 0:"),
        "the header has a session clock"
    );
    assert!(!is_disabled(&h, Role::MultilineTextInput, "Maya Okafor"));

    click(&mut h, "Pause session");
    assert!(live(&h).runner.is_paused(), "{:?}", status(&h));
    assert!(h.query_by_label("Pause session").is_none());
    assert!(on_screen_label(&h, "The session is paused (since "));
    // The clocks stand still however long the pause lasts.
    let now = Utc::now();
    let later = now + Duration::hours(1);
    assert_eq!(live(&h).runner.timer(later), live(&h).runner.timer(now));
    assert_eq!(
        live(&h).runner.session_timer(later),
        live(&h).runner.session_timer(now)
    );
    // The step cannot be written in, nor the session moved on; the note still can.
    assert!(is_disabled(&h, Role::MultilineTextInput, "Maya Okafor"));
    assert!(h.get_by_label("Next").accesskit_node().is_disabled());
    assert!(!h.get_by_label("End session").accesskit_node().is_disabled());
    common::type_multiline(&mut h, NOTES, "Paused: Maya asked for water");
    assert_eq!(
        live_session(&h).steps[0].clinician_note,
        "Paused: Maya asked for water"
    );
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowRight);
    h.run();
    assert_eq!(
        live_session(&h).current,
        0,
        "no shortcut moves a paused session"
    );
    // Nor is the screen handed to a partner.
    assert!(is_disabled(&h, Role::Button, "Hand to Maya Okafor"));
    let handed = h.state_mut().state.apply(
        tandem::app::command::SessionCommand::HandOver(tandem::model::Partner::A).into(),
        Utc::now(),
    );
    assert!(
        handed
            .as_ref()
            .is_err_and(|e| e.to_string().contains("paused")),
        "{handed:?}"
    );
    assert!(h.state().state.hand_over().is_none());

    // The couple's screen (which may be opened while paused): "Paused", and nothing of
    // the step.
    h.key_press(egui::Key::F5);
    h.run();
    assert!(h.state().state.is_presenting());
    let model = present_model(live(&h), Utc::now());
    assert!(model.paused);
    assert_eq!(model.title, "Paused");
    assert!(model.prompts.is_empty() && model.lines.is_empty() && model.timer.is_none());
    let shown = rendered(&model);
    assert!(shown.contains("Paused"), "{shown}");
    assert!(!shown.contains(&title), "{shown}");
    // (Under the test harness the couple's window is drawn inside this one, over the
    // header: close it before clicking there.)
    h.key_press(egui::Key::F5);
    h.run();
    assert!(!h.state().state.is_presenting());

    // What is saved: the session paused, with its pause in the log.
    let saved = on_disk(&mut h);
    assert!(saved.paused_at.is_some());
    assert_eq!(events(&saved).last(), Some(&LogEvent::Paused));
    assert_eq!(saved.steps[0].visit_started_at, None);

    click(&mut h, "Resume session");
    assert!(!live(&h).runner.is_paused());
    assert!(!on_screen_label(&h, "The session is paused"));
    assert!(!is_disabled(&h, Role::MultilineTextInput, "Maya Okafor"));
    let model = present_model(live(&h), Utc::now());
    assert!(!model.paused);
    assert_eq!(model.title, title);
    let saved = on_disk(&mut h);
    assert_eq!(saved.paused_at, None);
    assert_eq!(events(&saved).last(), Some(&LogEvent::Resumed));
    assert_eq!(saved.pause_count(), 1);
}

#[test]
fn f8_pauses_and_resumes_the_session() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    h.key_press(egui::Key::F8);
    h.run();
    assert!(live(&h).runner.is_paused(), "{:?}", status(&h));
    h.key_press(egui::Key::F8);
    h.run();
    assert!(!live(&h).runner.is_paused(), "{:?}", status(&h));
    let session = live_session(&h);
    let pauses: Vec<LogEvent> = events(&session)
        .into_iter()
        .filter(|e| matches!(e, LogEvent::Paused | LogEvent::Resumed))
        .collect();
    assert_eq!(pauses, vec![LogEvent::Paused, LogEvent::Resumed]);
    assert!(status(&h).is_none(), "{:?}", status(&h));
}

#[test]
fn ending_a_paused_session_works_at_once() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    click(&mut h, "Pause session");
    click(&mut h, "End session");
    // Asked first, as always; the pause does not stand in the way.
    click(&mut h, "Yes, end the session");
    let session = live_session(&h);
    assert!(session.ended_at.is_some(), "{:?}", status(&h));
    assert_eq!(session.paused_at, None, "the end closes the pause");
    assert_eq!(events(&session).last(), Some(&LogEvent::Ended));
}

#[test]
fn closing_a_running_session_pauses_it_and_it_is_taken_up_again_paused() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    let id = live_session(&h).id;
    click(&mut h, "Close session");
    assert!(h.state().state.live.is_none(), "{:?}", status(&h));
    let saved = h
        .state()
        .state
        .session_now(id)
        .expect("the couple's page holds the session")
        .clone();
    assert!(saved.paused_at.is_some(), "time away counts on no clock");

    click(&mut h, "Continue");
    assert!(live(&h).runner.is_paused());
    assert!(on_screen_label(&h, "The session is paused (since "));
    click(&mut h, "Resume session");
    assert!(!live(&h).runner.is_paused());
    click(&mut h, "Next");
    assert_eq!(live_session(&h).current, 1, "{:?}", status(&h));
}

/// Whether a label on screen contains `needle`.
fn on_screen_label(h: &Harness<'_, TandemApp>, needle: &str) -> bool {
    h.query_by_label_contains(needle).is_some()
}

// ---------------------------------------------------------------------------------------
// Overtime, at a clock of our choosing

const TIMED: &str = r#"(format: 1, id: "timed", title: "Timed", summary: "S", source: "test", length_mins: 2,
    steps: [
        (id: "talk", title: "Talk together", prompts: ["Say one thing"], timebox_mins: 1, kind: Text()),
        (id: "end", title: "End", prompts: ["done"], kind: Script),
    ])"#;

/// A session of `TIMED` started at `t0`, for a couple named Ana and Ben.
fn timed_live(t0: DateTime<Utc>) -> Live {
    use tandem::model::*;
    let template = tandem::template::parse("timed.ron", TIMED).expect("template");
    let couple = Couple {
        format: COUPLE_FORMAT,
        id: CoupleId(uuid::Uuid::now_v7()),
        code: "C-1".into(),
        partner_a: PartnerInfo {
            name: "Ana".into(),
            pronouns: String::new(),
        },
        partner_b: PartnerInfo {
            name: "Ben".into(),
            pronouns: String::new(),
        },
        created_on: t0.date_naive(),
        archived: false,
    };
    let runner = tandem::runner::Runner::start(
        &template,
        tandem::runner::Start {
            session: SessionId(uuid::Uuid::now_v7()),
            couple: couple.id,
            bindings: Bindings::default(),
            facts: CoupleFacts::default(),
            questions: None,
        },
        t0,
    )
    .expect("start");
    Live::new(runner, couple, false)
}

/// The therapist's session screen for `live` at `now`, as rendered.
fn session_screen(live: Live, now: DateTime<Utc>) -> Harness<'static> {
    let mut forms = tandem::app::forms::Forms::default();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .build_ui(move |ui| {
            // The app's look and its icon font, as the real window has them.
            tandem::app::style::follow(ui, tandem::model::Appearance::System);
            let mut out = Vec::new();
            tandem::app::session_view::session_ui(ui, &live, &mut forms, None, now, &mut out);
        });
    harness.run();
    harness
}

#[test]
fn the_couples_screen_counts_the_steps_time_up_and_shows_overtime_without_alarm() {
    let t0 = Utc::now();
    let live = timed_live(t0);
    // (seconds into the step, what the couple's screen says of its time)
    let table = [
        (0, "0:00 of 1:00"),
        (30, "0:30 of 1:00"),
        (60, "1:00 of 1:00"),
        // Past the plan: the old countdown showed 0:00 here.
        (90, "1:00 and 0:30 more"),
        (200, "1:00 and 2:20 more"),
    ];
    for (secs, expected) in table {
        let model = present_model(&live, t0 + Duration::seconds(secs));
        assert_eq!(model.timer.as_deref(), Some(expected), "at {secs} s");
        assert!(rendered(&model).contains(expected), "at {secs} s");
    }
    // A step with no timebox shows no timer to the couple.
    let mut live = live;
    live.runner
        .apply(tandem::runner::Action::Next, t0 + Duration::seconds(5))
        .expect("next");
    assert_eq!(present_model(&live, t0 + Duration::seconds(10)).timer, None);
}

#[test]
fn the_header_shows_the_session_clock_and_overtime_badges_for_the_step_and_the_session() {
    let t0 = Utc::now();
    let on_time = session_screen(timed_live(t0), t0 + Duration::seconds(40));
    assert!(on_time.query_by_label("This step 0:40 / 1:00").is_some());
    assert!(on_time.query_by_label("Session 0:40 / 2:00").is_some());
    assert!(on_time.query_by_label_contains("over time").is_none());

    let late = t0 + Duration::seconds(3 * 60 + 20);
    let over = session_screen(timed_live(t0), late);
    assert!(over.query_by_label("This step 3:20 / 1:00").is_some());
    assert!(over.query_by_label("Step over time by 2:20").is_some());
    assert!(over.query_by_label("Session 3:20 / 2:00").is_some());
    assert!(over.query_by_label("Session over time by 1:20").is_some());

    // Paused a minute in: the banner says since when, and the clocks stay at 1:00.
    let mut live = timed_live(t0);
    let paused_at = t0 + Duration::seconds(60);
    live.runner
        .apply(tandem::runner::Action::PauseSession, paused_at)
        .expect("pause");
    let paused = session_screen(live, late);
    let since = paused_at.with_timezone(&chrono::Local).format("%H:%M");
    assert!(
        paused
            .query_by_label(&format!("The session is paused (since {since})."))
            .is_some()
    );
    assert!(paused.query_by_label("This step 1:00 / 1:00").is_some());
    assert!(paused.query_by_label("Session 1:00 / 2:00").is_some());
    assert!(paused.query_by_label_contains("over time").is_none());
    assert!(paused.query_by_label("Resume session").is_some());
}
