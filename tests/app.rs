//! The app driven like a therapist drives it: find widgets by label and role, click and
//! type, then check the app state and what the vault holds.

mod common;

use common::{click, demo_app, live_session, pdf_words, replace_field, settle, start};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tandem::app::TandemApp;
use tandem::app::command::ErrorPlace;
use tandem::model::{MirrorOutcome, QuestionStatus, Session, StepData};
use tandem::vault::{RecordBody, RecordKind};

fn type_into(h: &mut Harness<'_, TandemApp>, label: &str, text: &str) {
    common::type_multiline(h, label, text);
}

/// Close the session (which waits for the save) and read it back from the vault.
fn saved(harness: &mut Harness<'_, TandemApp>, id: uuid::Uuid) -> Session {
    click(harness, "Close session");
    let practice = harness.state().state.practice.as_ref().expect("open");
    match practice
        .vault()
        .load(RecordKind::Session, id)
        .expect("saved session")
    {
        RecordBody::Session(s) => s,
        _ => panic!("not a session"),
    }
}

#[test]
fn a_paraphrase_loop_is_confirmed_after_a_correction_and_saved() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    // Step 1: the topic, written by the speaker (Maya speaks first).
    type_into(&mut h, "Maya Okafor", "The evenings");
    click(&mut h, "Next");
    type_into(
        &mut h,
        "What Maya Okafor says",
        "I feel alone when you stay late without a word",
    );
    click(&mut h, "Record message");
    type_into(
        &mut h,
        "Daniel Reyes's mirror",
        "You feel bored in the evenings",
    );
    click(&mut h, "Record mirror");
    type_into(
        &mut h,
        "Maya Okafor's correction or addition",
        "Not bored: alone",
    );
    click(&mut h, "Not quite");
    type_into(
        &mut h,
        "Daniel Reyes's mirror",
        "You feel alone when I stay late and don't tell you",
    );
    click(&mut h, "Record mirror");
    // The shortcut for "That's it" works like the button.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num1);
    h.run();

    let session = live_session(&h);
    let StepData::Loop(l) = &session.steps[1].data else {
        panic!("loop expected")
    };
    assert_eq!(
        l.message.as_ref().map(|m| m.text.as_str()),
        Some("I feel alone when you stay late without a word")
    );
    let outcomes: Vec<_> = l.attempts.iter().map(|a| a.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            Some(MirrorOutcome::Corrected),
            Some(MirrorOutcome::Confirmed)
        ]
    );
    assert_eq!(l.attempts[0].reply, "Not bored: alone");
    assert!(
        session.drafts.is_empty(),
        "submitted drafts are cleared: {:?}",
        session.drafts
    );

    let id = session.id.0;
    let on_disk = saved(&mut h, id);
    assert_eq!(on_disk.steps[1].data, session.steps[1].data);
    assert_eq!(h.state().state.screen, tandem::app::Screen::Practice);
}

#[test]
fn a_question_list_is_reordered_released_and_answered() {
    let mut h = demo_app();
    start(&mut h, "disclosure-session");
    // Readiness: the therapist ticks every condition and confirms.
    let session = live_session(&h);
    let t = h
        .state()
        .state
        .practice
        .as_ref()
        .expect("unlocked")
        .library()
        .get("disclosure-session")
        .expect("template")
        .clone();
    let questions_at = session
        .steps
        .iter()
        .position(|s| matches!(s.data, StepData::Questions(_)))
        .expect("questions step");
    for index in 0..questions_at {
        let step = h
            .state()
            .state
            .live
            .as_ref()
            .expect("live")
            .runner
            .step_def(index)
            .expect("step")
            .clone();
        if let tandem::template::StepKind::Checklist { items, .. } = &step.kind {
            for item in items {
                // Shown with the partners' names filled in, as the therapist reads it.
                let shown = {
                    let live = h.state().state.live.as_ref().expect("live");
                    live.runner.fill(index, item, &live.couple.names())
                };
                assert!(!shown.contains('{'), "placeholders filled: {shown}");
                click(&mut h, &shown);
            }
        }
        for gate in &step.gates {
            if let tandem::template::Gate::Confirm(statement) = gate {
                click(&mut h, &format!("I confirm: {statement}"));
            }
        }
        click(&mut h, "Next");
        assert!(
            h.state().state.status.is_none(),
            "{:?}",
            h.state().state.status
        );
    }
    assert_eq!(live_session(&h).current, questions_at, "{}", t.id);

    for (text, why) in [
        ("When did it start?", "I need the timeline"),
        ("Is there still contact?", "I need to feel safe now"),
    ] {
        type_into(&mut h, "Question", text);
        type_into(&mut h, "Why I need to know", why);
        click(&mut h, "Add question");
    }
    // The hurt partner wants the second question first.
    h.get_all_by_label("Up")
        .nth(1)
        .expect("the second question's Up")
        .click();
    h.run();
    for n in 0..2 {
        // Include each question: open its status menu, pick "included".
        h.get_all_by_role_and_label(Role::ComboBox, "Status")
            .nth(n)
            .expect("status menu")
            .click();
        h.run();
        click(&mut h, "included");
    }
    click(&mut h, "Release the list");
    // The hurt partner's list leaves their hands only once that is confirmed.
    click(&mut h, "Yes, release the list");
    type_into(&mut h, "Answer to question 1", "No contact since May");
    click(&mut h, "Record answer 1");

    let session = live_session(&h);
    let StepData::Questions(q) = &session.steps[questions_at].data else {
        panic!("questions")
    };
    let order: Vec<&str> = q.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(order, ["Is there still contact?", "When did it start?"]);
    assert_eq!(q.items[0].status, QuestionStatus::Answered);
    assert_eq!(
        q.items[0].answer.as_ref().map(|a| a.text.as_str()),
        Some("No contact since May")
    );
    assert_eq!(q.items[1].status, QuestionStatus::Included);
    assert!(q.released_at.is_some());

    let on_disk = saved(&mut h, session.id.0);
    assert_eq!(
        on_disk.steps[questions_at].data,
        session.steps[questions_at].data
    );
}

#[test]
fn a_plan_with_two_commitments_is_made_and_saved() {
    let mut h = demo_app();
    start(&mut h, "communication-plan");
    let plan_at = live_session(&h)
        .steps
        .iter()
        .position(|s| matches!(s.data, StepData::Plan(_)))
        .expect("plan step");
    while live_session(&h).current < plan_at {
        click(&mut h, "Next");
    }
    for (owner, behaviour, rhythm) in [
        (
            "Maya Okafor",
            "Text at lunch to say how the morning went",
            "every weekday at 12:30",
        ),
        (
            "Daniel Reyes",
            "Ask about the day before logistics",
            "every evening",
        ),
    ] {
        h.get_by_role_and_label(Role::RadioButton, owner).click();
        h.run();
        type_into(
            &mut h,
            "What exactly will be done (something anyone could see)",
            behaviour,
        );
        type_into(&mut h, "How often and when", rhythm);
        click(&mut h, "Add commitment");
    }
    let session = live_session(&h);
    let StepData::Plan(plan) = &session.steps[plan_at].data else {
        panic!("plan")
    };
    let made: Vec<(tandem::model::Owner, &str)> = plan
        .commitments
        .iter()
        .map(|c| (c.draft.owner, c.draft.behaviour.as_str()))
        .collect();
    assert_eq!(
        made,
        vec![
            (
                tandem::model::Owner::A,
                "Text at lunch to say how the morning went"
            ),
            (
                tandem::model::Owner::B,
                "Ask about the day before logistics"
            ),
        ]
    );
    assert!(
        plan.commitments
            .iter()
            .all(|c| c.draft.review_on > c.draft.starts_on)
    );
    let on_disk = saved(&mut h, session.id.0);
    assert_eq!(on_disk.steps[plan_at].data, session.steps[plan_at].data);
    // The couple's ledger now holds the open commitments.
    click(&mut h, "Commitments");
    assert!(
        h.get_all_by_label_contains("Text at lunch to say how the morning went")
            .count()
            >= 1
    );
}

/// Every text the couple's screen shows for this model, as rendered.
fn rendered_present_texts(model: &tandem::app::present::PresentModel) -> String {
    let model = model.clone();
    let mut harness = Harness::new_ui(move |ui| tandem::app::present::present_ui(ui, &model));
    harness.run();
    let labels: Vec<String> = harness
        .get_all_by_role(Role::Label)
        .map(|n| format!("{n:?}"))
        .collect();
    labels.join("\n")
}

fn present_now(h: &Harness<'_, TandemApp>) -> tandem::app::present::PresentModel {
    tandem::app::present::present_model(
        h.state().state.live.as_ref().expect("live"),
        chrono::Utc::now(),
    )
}

#[test]
fn present_mode_never_shows_clinician_notes_or_therapist_text() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    h.key_press(egui::Key::F5);
    h.run();
    assert!(h.state().state.is_presenting(), "F5 opens present mode");
    type_into(
        &mut h,
        "Clinician notes (never shown to the couple)",
        "CANARY-NOTE-551",
    );
    click(&mut h, "Next");
    type_into(
        &mut h,
        "Clinician notes (never shown to the couple)",
        "CANARY-NOTE-552",
    );
    let model = present_now(&h);
    let shown = rendered_present_texts(&model);
    assert!(
        shown.contains("Maya Okafor speaks"),
        "the couple sees who speaks: {shown}"
    );
    assert!(!shown.contains("CANARY"), "{shown}");
    assert!(
        !shown.contains("Keep the speaker's pieces short"),
        "therapist instructions stay with the therapist"
    );
    click(&mut h, "Close session");
}

fn live_for(template_text: &str) -> tandem::app::state::Live {
    use tandem::model::*;
    let template = tandem::template::parse("t.ron", template_text).expect("template");
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
        created_on: chrono::Utc::now().date_naive(),
        archived: false,
    };
    let runner = tandem::runner::Runner::start(
        &template,
        tandem::runner::Start {
            session: SessionId(uuid::Uuid::now_v7()),
            couple: couple.id,
            bindings: Bindings {
                speaker: Some(Partner::A),
                hurt_partner: Some(Partner::B),
            },
            facts: CoupleFacts::default(),
            questions: None,
        },
        chrono::Utc::now(),
    )
    .expect("start");
    tandem::app::state::Live::new(runner, couple, false)
}

#[test]
fn questions_reach_the_couples_screen_only_once_released_and_only_included_ones() {
    use tandem::runner::Action;
    let mut live = live_for(
        r#"(format: 1, id: "q", title: "Q", summary: "S", source: "test", roles: [HurtPartner, DisclosingPartner],
            steps: [(id: "ask", title: "Asking", kind: Questions(owner: HurtPartner, answering: true))])"#,
    );
    let now = chrono::Utc::now();
    for text in ["CANARY-INCLUDED-555", "CANARY-DRAFT-556"] {
        live.runner
            .apply(
                Action::AddQuestion {
                    text: text.into(),
                    category: String::new(),
                    why: "CANARY-WHY-557".into(),
                },
                now,
            )
            .expect("add");
    }
    live.runner
        .apply(
            Action::SetQuestionStatus {
                id: 1,
                status: QuestionStatus::Included,
            },
            now,
        )
        .expect("include");
    live.runner
        .apply(Action::Note("CANARY-NOTE-558".into()), now)
        .expect("note");
    let before = rendered_present_texts(&tandem::app::present::present_model(&live, now));
    assert!(!before.contains("CANARY"), "unreleased list: {before}");
    live.runner
        .apply(Action::ReleaseQuestions, now)
        .expect("release");
    let after = rendered_present_texts(&tandem::app::present::present_model(&live, now));
    assert!(
        after.contains("CANARY-INCLUDED-555"),
        "released and included: {after}"
    );
    assert!(
        !after.contains("CANARY-DRAFT-556"),
        "a draft question stays off the screen: {after}"
    );
    assert!(
        !after.contains("CANARY-WHY") && !after.contains("CANARY-NOTE"),
        "{after}"
    );
}

#[test]
fn the_shipped_disclosure_list_stays_off_the_couples_screen() {
    let mut h = demo_app();
    start(&mut h, "disclosure-session");
    let index = live_session(&h)
        .steps
        .iter()
        .position(|s| matches!(s.data, StepData::Questions(_)))
        .expect("questions");
    assert_ne!(
        live_session(&h).steps[index].visibility,
        tandem::model::Visibility::Joint
    );
    let live = h.state_mut().state.live.as_mut().expect("live");
    let now = chrono::Utc::now();
    while live.runner.session().current < index {
        let step = live.runner.current().0.clone();
        for gate in &step.gates {
            if let tandem::template::Gate::Confirm(statement) = gate {
                live.runner
                    .apply(
                        tandem::runner::Action::ConfirmGate {
                            statement: statement.clone(),
                        },
                        now,
                    )
                    .expect("confirm");
            }
        }
        if let tandem::template::StepKind::Checklist { items, .. } = &step.kind {
            for item in items {
                let tick = tandem::runner::Action::Check {
                    respondent: tandem::model::Respondent::Clinician,
                    item: item.clone(),
                    checked: true,
                };
                live.runner.apply(tick, now).expect("tick");
            }
        }
        live.runner
            .apply(tandem::runner::Action::Next, now)
            .expect("next");
    }
    h.run();
    type_into(&mut h, "Question", "CANARY-QUESTION-553");
    click(&mut h, "Add question");
    click(&mut h, "Release the list");
    // The hurt partner's list leaves their hands only once that is confirmed.
    click(&mut h, "Yes, release the list");
    let model = present_now(&h);
    assert!(model.private);
    let shown = rendered_present_texts(&model);
    assert!(!shown.contains("CANARY"), "{shown}");
}

#[test]
fn a_partner_private_step_shows_nothing_of_itself_on_the_couples_screen_nor_to_the_other_partner() {
    let mut h = demo_app();
    start(&mut h, "csi-4");
    // Maya has answered, on her own, and the therapist noted something beside the step:
    // there is something private to keep off the couple's screen and Daniel's.
    {
        let live = h.state_mut().state.live.as_mut().expect("live");
        live.runner
            .apply(
                tandem::runner::Action::Rate {
                    rater: tandem::model::Partner::A,
                    item: "happiness".into(),
                    value: 2,
                },
                chrono::Utc::now(),
            )
            .expect("Maya rates");
    }
    h.run();
    type_into(
        &mut h,
        "Clinician notes (never shown to the couple)",
        "CANARY-NOTE-559",
    );
    // The therapist's screen shows her answer (the words for the point she chose).
    assert!(common::on_screen(&h, "A little unhappy"));

    let model = present_now(&h);
    assert!(model.private);
    assert!(model.prompts.is_empty() && model.lines.is_empty());
    let shown = rendered_present_texts(&model);
    assert!(shown.contains("This part is private."), "{shown}");
    for leak in [
        "Couples Satisfaction Index",
        "happiness",
        "A little unhappy",
        "Maya Okafor",
        "CANARY-NOTE-559",
    ] {
        assert!(
            !shown.contains(leak),
            "the couple's screen shows {leak}: {shown}"
        );
    }

    // Daniel's turn: his own items, nothing of Maya's answer or the therapist's note.
    click(&mut h, "Hand to Daniel Reyes");
    assert_eq!(h.state().state.hand_over(), Some(tandem::model::Partner::B));
    assert!(common::on_screen(&h, "Daniel Reyes"));
    for leak in ["A little unhappy", "Maya Okafor", "CANARY-NOTE-559"] {
        assert!(
            !common::on_screen(&h, leak),
            "Daniel's hand-over shows {leak}"
        );
    }
}

#[test]
fn quick_hide_blanks_the_app_and_drops_the_key_until_the_passphrase() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    type_into(&mut h, "Maya Okafor", "CANARY-HIDE-554");
    h.key_press(egui::Key::F12);
    h.run();
    assert!(h.state().state.is_hidden());
    assert!(h.state().state.practice.is_none(), "the key is dropped");
    assert!(
        h.state().state.live.is_none(),
        "decrypted data is dropped once saved"
    );
    assert!(h.query_by_label_contains("Maya").is_none());
    assert!(h.query_by_label_contains("CANARY").is_none());

    h.get_by_role_and_label(Role::PasswordInput, "Passphrase")
        .focus();
    h.run();
    h.get_by_role_and_label(Role::PasswordInput, "Passphrase")
        .type_text("wrong words here");
    h.run();
    click(&mut h, "Unlock");
    settle(&mut h);
    assert!(
        h.state().state.is_hidden(),
        "a wrong passphrase keeps it hidden"
    );
    // Said beside the field, and gone once the right passphrase is in.
    assert_eq!(
        h.state().state.error_at(ErrorPlace::Passphrase),
        Some("wrong passphrase")
    );
    assert!(h.query_by_label("wrong passphrase").is_some());

    h.get_by_role_and_label(Role::PasswordInput, "Passphrase")
        .focus();
    h.run();
    h.get_by_role_and_label(Role::PasswordInput, "Passphrase")
        .type_text(tandem::practice::DEMO_PASSPHRASE);
    h.run();
    click(&mut h, "Unlock");
    settle(&mut h);
    assert!(!h.state().state.is_hidden());
    assert_eq!(h.state().state.error_at(ErrorPlace::Passphrase), None);
    let session = live_session(&h);
    let StepData::Text(entries) = &session.steps[0].data else {
        panic!("text")
    };
    assert!(
        entries.entries.values().any(|t| t == "CANARY-HIDE-554"),
        "the session comes back as it was"
    );
}

#[test]
fn a_new_couple_sees_joint_protocols_locked_with_the_reason() {
    let mut h = demo_app();
    click(&mut h, "Add couple");
    for (label, text) in [
        ("Partner A name", "Robin Vale"),
        ("Partner B name", "Kai Moss"),
    ] {
        h.get_by_role_and_label(Role::TextInput, label).focus();
        h.run();
        h.get_by_role_and_label(Role::TextInput, label)
            .type_text(text);
        h.run();
    }
    click(&mut h, "Save couple");
    assert!(
        h.state().state.status.as_ref().is_some_and(|s| !s.is_error),
        "{:?}",
        h.state().state.status
    );
    click(&mut h, "New session");
    let label = common::template_label(&h, "intentional-dialogue");
    click(&mut h, &label);
    assert!(h.query_by_label("Locked:").is_some());
    assert!(
        h.query_by_label("• both partners' safety screens must be recorded")
            .is_some()
    );
    assert!(h.query_by_label("Start session").is_none());
    let label = common::template_label(&h, "safety-screen");
    click(&mut h, &label);
    assert!(
        h.query_by_label("Start session").is_some(),
        "the screen itself is never locked"
    );
}

/// Run frames until the export job has finished.
fn wait_for_export(h: &mut Harness<'_, TandemApp>) {
    settle(h);
}

#[test]
fn a_session_is_exported_for_the_couple_without_the_clinicians_note() {
    let folder = tempfile::tempdir().expect("temp");
    let mut h = demo_app();
    click(&mut h, "C-0101  Maya Okafor & Daniel Reyes");
    // The newest session with a clinician's note: its Export… button, in list order.
    let (row, note, title) = {
        let view = h.state().state.couple.as_ref().unwrap();
        view.sessions
            .iter()
            .rev()
            .enumerate()
            .find_map(|(row, s)| {
                s.steps
                    .iter()
                    .find(|st| !st.clinician_note.is_empty())
                    .map(|st| (row, st.clinician_note.clone(), s.template_title.clone()))
            })
            .expect("a demo session with a clinician's note")
    };
    h.get_all_by_label("Export…")
        .nth(row)
        .expect("button")
        .click();
    h.run();
    // Nothing can be exported before the reader is chosen.
    assert!(h.get_by_label("Export PDF").accesskit_node().is_disabled());
    click(&mut h, "The couple (shared items only)");
    // The note for the couple is their summary, and the dialog says so.
    assert!(common::on_screen(&h, "A summary in plain words"));
    // Dates in documents: a practice setting, changed here.
    h.get_all_by_label("Dates in documents")
        .last()
        .expect("the date style list")
        .click();
    h.run();
    click(&mut h, "2026-11-27");
    settle(&mut h);
    let style = h
        .state()
        .state
        .practice
        .as_ref()
        .map(|p| p.vault().header().date_style);
    assert_eq!(style, Some(tandem::model::DateStyle::Iso));
    replace_field(&mut h, "Folder", &folder.path().display().to_string());
    click(&mut h, "Export PDF");
    wait_for_export(&mut h);
    let status = h.state().state.status.clone().expect("a status");
    assert!(
        status.text.starts_with("Exported C-0101-"),
        "{}",
        status.text
    );
    let files: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with("-note-couple.pdf"), "{name}");
    let words = pdf_words(&files[0]);
    assert!(words.contains("Your session summary"), "{words}");
    assert!(
        words
            .split_whitespace()
            .any(|w| w.len() == 10 && chrono::NaiveDate::parse_from_str(w, "%Y-%m-%d").is_ok()),
        "dates in the chosen style: {words}"
    );
    assert!(words.contains(&title), "the chosen session was exported");
    assert!(words.contains("made for the couple."));
    assert!(words.contains("Demo practice (fictional couples)"));
    let note_start: String = note
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        !words.contains(&note_start),
        "the clinician's note reached the couple's PDF"
    );
}

#[test]
fn the_progress_report_is_exported_off_the_ui_thread_with_progress() {
    let folder = tempfile::tempdir().expect("temp");
    let mut h = demo_app();
    click(&mut h, "C-0101  Maya Okafor & Daniel Reyes");
    click(&mut h, "Export progress…");
    click(&mut h, "The clinician (everything, private items included)");
    replace_field(&mut h, "Folder", &folder.path().display().to_string());
    replace_field(&mut h, "Practice name", "Harbour Couples Therapy");
    click(&mut h, "Export PDF");
    // The job runs on its own thread: the frame that started it did not wait for it.
    wait_for_export(&mut h);
    let file = std::fs::read_dir(folder.path())
        .unwrap()
        .next()
        .expect("a file")
        .unwrap()
        .path();
    let words = pdf_words(&file);
    assert!(words.contains("Progress report"));
    assert!(words.contains("Harbour Couples Therapy"));
    assert!(words.contains("Couples Satisfaction Index (CSI-4): total score"));
    // The practice name is kept for the next export.
    let practice = h.state().state.practice.as_ref().unwrap();
    assert_eq!(
        practice.vault().header().practice_name,
        "Harbour Couples Therapy"
    );
    // A second export never replaces the first.
    click(&mut h, "Export progress…");
    click(&mut h, "The clinician (everything, private items included)");
    replace_field(&mut h, "Folder", &folder.path().display().to_string());
    click(&mut h, "Export PDF");
    wait_for_export(&mut h);
    assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 2);
}

#[test]
fn the_running_session_exports_what_was_just_typed() {
    let folder = tempfile::tempdir().expect("temp");
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    type_into(&mut h, "Maya Okafor", "The evenings when plans change");
    click(&mut h, "Export…");
    // The dialog names what it exports.
    let today = chrono::Local::now().format("%-d %b %Y");
    h.get_by_label(&format!("C-0101 · Intentional dialogue · {today}"));
    click(
        &mut h,
        "Maya Okafor only (shared items and their own private ones)",
    );
    replace_field(&mut h, "Folder", &folder.path().display().to_string());
    click(&mut h, "Export PDF");
    wait_for_export(&mut h);
    let file = std::fs::read_dir(folder.path())
        .unwrap()
        .next()
        .expect("a file")
        .unwrap()
        .path();
    assert!(file.to_string_lossy().ends_with("-note-partner-a.pdf"));
    let words = pdf_words(&file);
    assert!(words.contains("The evenings when plans change"));
    assert!(words.contains("made for partner A."));
    // The session itself is still running and unharmed.
    assert!(h.state().state.live.is_some());
}

#[test]
fn replies_typed_point_by_point_update_the_coverage_line_and_are_saved() {
    let mut h = demo_app();
    start(&mut h, "impact-and-restitution-letters");
    let id = live_session(&h).id.0;
    click(&mut h, "Next");
    // Maya is the hurt partner: her impact letter, three points.
    type_into(
        &mut h,
        "Maya Okafor",
        "I stopped sleeping.\n\nI doubt our past.\n\nI need honesty now.",
    );
    click(&mut h, "Next");
    click(&mut h, "Next");
    assert!(
        h.query_by_label("0 of 3 points answered — not yet answered: 1, 2, 3")
            .is_some()
    );
    // What is typed is kept in the drafts before it is saved as the answer.
    type_into(
        &mut h,
        "Answer to point 2",
        "I lied while we made those memories.",
    );
    let drafts = live_session(&h).drafts;
    assert!(
        drafts
            .values()
            .any(|t| t == "I lied while we made those memories."),
        "{drafts:?}"
    );
    click(&mut h, "Save answer 2");
    assert!(
        h.query_by_label("1 of 3 points answered — not yet answered: 1, 3")
            .is_some()
    );
    type_into(
        &mut h,
        "Answer to point 1",
        "I took your rest, and I am sorry.",
    );
    click(&mut h, "Save answer 1");
    assert!(
        h.query_by_label("2 of 3 points answered — not yet answered: 3")
            .is_some()
    );
    // Answered points can be taken back; the unanswered one offers nothing to remove.
    assert!(h.query_by_label("Remove answer 1").is_some());
    assert!(h.query_by_label("Remove answer 3").is_none());
    assert!(h.query_by_label("Save answer 3").is_none());
    let session = live_session(&h);
    assert!(session.drafts.is_empty(), "{:?}", session.drafts);

    let saved = saved(&mut h, id);
    let StepData::Reply(reply) = &saved.steps[3].data else {
        panic!("reply expected")
    };
    let pairs: Vec<(&str, &str)> = reply
        .replies
        .iter()
        .map(|r| (r.point.as_str(), r.text.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("I stopped sleeping.", "I took your rest, and I am sorry."),
            ("I doubt our past.", "I lied while we made those memories."),
        ]
    );
    assert_eq!(reply.author, tandem::model::Partner::B);
}

/// One round of the paraphrase loop driven from the keyboard: the message, then for each
/// (mirror, verdict shortcut, correction typed before it) an attempt.
fn loop_round_by_shortcuts(
    h: &mut Harness<'_, TandemApp>,
    speaker: &str,
    listener: &str,
    message: &str,
    attempts: &[(&str, egui::Key, &str)],
) {
    type_into(h, &format!("What {speaker} says"), message);
    click(h, "Record message");
    for (mirror, key, reply) in attempts {
        type_into(h, &format!("{listener}'s mirror"), mirror);
        click(h, "Record mirror");
        if !reply.is_empty() {
            type_into(h, &format!("{speaker}'s correction or addition"), reply);
        }
        h.key_press_modifiers(egui::Modifiers::COMMAND, *key);
        h.run();
    }
}

#[test]
fn recording_by_shortcut_through_two_rounds_keeps_every_attempts_text_and_speaker() {
    use tandem::model::Partner;
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    type_into(&mut h, "Maya Okafor", "The evenings");
    click(&mut h, "Next");
    // Round 1: Maya speaks, Daniel mirrors. A correction, an addition, then "that's it"
    // with nothing typed: nothing of the earlier replies may ride along.
    loop_round_by_shortcuts(
        &mut h,
        "Maya Okafor",
        "Daniel Reyes",
        "I feel alone in the evenings",
        &[
            ("You feel bored", egui::Key::Num2, "MAYA-CORRECTION-1"),
            ("You feel alone", egui::Key::Num3, "MAYA-ADDITION-2"),
            ("Alone, and unseen", egui::Key::Num1, ""),
        ],
    );
    let first = live_session(&h).current;
    while live_session(&h).steps[live_session(&h).current].step_id != "mirror"
        || live_session(&h).current == first
    {
        click(&mut h, "Next");
    }
    // Round 2: the roles are swapped. Daniel's words are his, and Maya's earlier ones stay
    // in round 1.
    loop_round_by_shortcuts(
        &mut h,
        "Daniel Reyes",
        "Maya Okafor",
        "I feel pushed away when I come home late",
        &[
            ("You feel late", egui::Key::Num2, "DANIEL-CORRECTION-1"),
            ("You feel pushed away", egui::Key::Num1, ""),
        ],
    );
    let session = live_session(&h);
    let loops: Vec<_> = session
        .steps
        .iter()
        .filter_map(|s| match &s.data {
            StepData::Loop(l) if l.message.is_some() => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(loops.len(), 2, "two rounds recorded");
    assert_eq!(
        (loops[0].speaker, loops[1].speaker),
        (Partner::A, Partner::B),
        "the roles swapped"
    );
    let replies = |l: &tandem::model::LoopRecord| -> Vec<(String, Option<MirrorOutcome>)> {
        l.attempts
            .iter()
            .map(|a| (a.reply.clone(), a.outcome))
            .collect()
    };
    assert_eq!(
        replies(loops[0]),
        vec![
            ("MAYA-CORRECTION-1".into(), Some(MirrorOutcome::Corrected)),
            ("MAYA-ADDITION-2".into(), Some(MirrorOutcome::More)),
            (String::new(), Some(MirrorOutcome::Confirmed)),
        ]
    );
    assert_eq!(
        replies(loops[1]),
        vec![
            ("DANIEL-CORRECTION-1".into(), Some(MirrorOutcome::Corrected)),
            (String::new(), Some(MirrorOutcome::Confirmed)),
        ]
    );
    assert_eq!(loops[0].attempts[0].text, "You feel bored");
    assert_eq!(
        loops[1].message.as_ref().map(|m| m.text.as_str()),
        Some("I feel pushed away when I come home late")
    );
    // Nothing typed is left over to show up in a later attempt or step.
    assert!(
        session.drafts.values().all(|t| t.is_empty()),
        "{:?}",
        session.drafts
    );
    // The couple's worksheet attributes each reply to the partner who said it.
    let id = session.id.0;
    let saved = saved(&mut h, id);
    let practice = h.state().state.practice.as_ref().expect("open");
    let couple = practice
        .lists()
        .couple(saved.couple)
        .expect("couple")
        .clone();
    let note = tandem::export::session_report(
        tandem::export::SessionDocument::Worksheet,
        &saved,
        &couple,
        practice.library().get("intentional-dialogue"),
        tandem::model::Audience::Couple,
        &practice.export_context(chrono::Utc::now()),
    )
    .expect("a note")
    .plain_text();
    for (who, text) in [
        ("Maya Okafor", "MAYA-CORRECTION-1"),
        ("Maya Okafor", "MAYA-ADDITION-2"),
        ("Daniel Reyes", "DANIEL-CORRECTION-1"),
    ] {
        let line = note
            .lines()
            .find(|l| l.contains(text))
            .unwrap_or_else(|| panic!("{text} is in the couple's worksheet: {note}"));
        assert!(line.contains(who), "{text} is attributed to {who}: {line}");
    }
}

#[test]
fn end_session_asks_first_and_a_reopened_session_continues() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    type_into(&mut h, "Maya Okafor", "The evenings");
    click(&mut h, "End session");
    // Asked first, with the steps not done yet; "Not now" changes nothing.
    assert!(h.query_by_label("End this session?").is_some());
    assert!(h.query_by_label("Not done yet:").is_some());
    assert!(
        h.query_by_label("• Send and mirror").is_some(),
        "the dialogue is listed"
    );
    assert!(
        h.query_by_label("• Send and mirror (2)").is_some(),
        "and its second round"
    );
    click(&mut h, "Not now");
    assert!(live_session(&h).ended_at.is_none());
    click(&mut h, "End session");
    click(&mut h, "Yes, end the session");
    assert!(live_session(&h).ended_at.is_some());
    // Reopened (and logged), it goes on where it ended.
    click(&mut h, "Reopen the session");
    assert!(live_session(&h).ended_at.is_none());
    type_into(&mut h, "Maya Okafor", " after work");
    click(&mut h, "Next");
    assert_eq!(live_session(&h).current, 1);
    let session = live_session(&h);
    let StepData::Text(topic) = &session.steps[0].data else {
        panic!("text")
    };
    assert!(
        topic
            .entries
            .values()
            .any(|t| t == "The evenings after work")
    );
    let root = h.state().state.root().expect("root");
    let log = common::audit_entries(&root, tandem::practice::DEMO_PASSPHRASE).expect("log");
    assert!(
        log.iter()
            .any(|e| e.action == tandem::vault::audit::AuditAction::Reopen
                && e.record == Some(session.id.0))
    );
    // From the couple's page too.
    let id = session.id.0;
    click(&mut h, "End session");
    click(&mut h, "Yes, end the session");
    let on_disk = saved(&mut h, id);
    assert!(on_disk.ended_at.is_some());
    h.get_all_by_label("Reopen")
        .next()
        .expect("a Reopen button")
        .click();
    h.run();
    assert!(
        live_session(&h).ended_at.is_none(),
        "{:?}",
        h.state().state.status
    );
}

#[test]
fn a_skip_reason_survives_going_back_past_the_step() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    h.get_by_role_and_label(Role::TextInput, "Reason to skip")
        .focus();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Reason to skip")
        .type_text("They want to start with the dialogue");
    h.run();
    click(&mut h, "Skip");
    click(&mut h, "Back");
    click(&mut h, "Next");
    let session = live_session(&h);
    assert_eq!(session.steps[0].status, tandem::model::StepStatus::Skipped);
    assert_eq!(
        session.steps[0].skip_reason.as_deref(),
        Some("They want to start with the dialogue")
    );
}

#[test]
fn the_last_mirror_can_be_taken_back_until_the_session_moves_on() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    type_into(&mut h, "Maya Okafor", "The evenings");
    click(&mut h, "Next");
    type_into(&mut h, "What Maya Okafor says", "I feel alone");
    click(&mut h, "Record message");
    type_into(&mut h, "Daniel Reyes's mirror", "You feel bored");
    click(&mut h, "Record mirror");
    click(&mut h, "Undo last entry");
    let session = live_session(&h);
    let StepData::Loop(l) = &session.steps[1].data else {
        panic!("loop")
    };
    assert!(l.attempts.is_empty(), "the wrong mirror is gone");
    assert!(
        h.get_by_label("Undo last entry")
            .accesskit_node()
            .is_disabled()
    );
}

#[test]
fn typing_goes_where_the_next_entry_is_and_ctrl_enter_records_it() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    type_into(&mut h, "Maya Okafor", "The evenings");
    click(&mut h, "Next");
    // The step opens with the focus in the speaker's field: typing goes there at once.
    assert!(
        h.get_by_role_and_label(Role::MultilineTextInput, "What Maya Okafor says")
            .is_focused()
    );
    h.event(egui::Event::Text("I feel alone".into()));
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run();
    // Recorded, without a new line; the focus is in the mirror field.
    let session = live_session(&h);
    let StepData::Loop(l) = &session.steps[1].data else {
        panic!("loop")
    };
    assert_eq!(
        l.message.as_ref().map(|m| m.text.as_str()),
        Some("I feel alone")
    );
    h.run();
    assert!(
        h.get_by_role_and_label(Role::MultilineTextInput, "Daniel Reyes's mirror")
            .is_focused()
    );
    h.event(egui::Event::Text("You feel alone".into()));
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run();
    h.run();
    let session = live_session(&h);
    let StepData::Loop(l) = &session.steps[1].data else {
        panic!("loop")
    };
    assert_eq!(l.attempts.len(), 1);
    assert_eq!(l.attempts[0].text, "You feel alone");
    assert!(
        h.get_by_role_and_label(
            Role::MultilineTextInput,
            "Maya Okafor's correction or addition"
        )
        .is_focused()
    );
    // F1 lists the shortcuts.
    h.key_press(egui::Key::F1);
    h.run();
    assert!(h.query_by_label("Keyboard shortcuts").is_some());
    assert!(h.query_by_label("Ctrl+Enter").is_some());
}

#[test]
fn a_passphrase_mismatch_is_said_at_once_and_errors_stay_beside_their_field() {
    let dir = tempfile::tempdir().expect("temp");
    let config = tandem::app::AppConfig {
        vault_root: Some(dir.path().join("vault")),
        demo: false,
        kdf_log_n: 10,
        open_worksheet: None,
    };
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1200.0, 900.0))
        .build_eframe(move |cc| TandemApp::new(cc, config.clone()));
    h.run();
    // First run: the passphrase field has the focus.
    assert!(
        h.get_by_role_and_label(Role::PasswordInput, "Passphrase")
            .is_focused()
    );
    h.event(egui::Event::Text("four calm words here".into()));
    h.run();
    common::type_into(
        &mut h,
        Role::PasswordInput,
        "Passphrase again",
        "four calm words her",
    );
    assert!(
        h.query_by_label("The two passphrases differ.").is_some(),
        "said as it happens, not by a greyed-out button alone"
    );
    common::type_into(&mut h, Role::PasswordInput, "Passphrase again", "e");
    assert!(h.query_by_label("The two passphrases differ.").is_none());
    h.key_press(egui::Key::Enter);
    h.run();
    settle(&mut h);
    assert!(
        h.state().state.practice.is_some(),
        "Enter in the passphrase field creates the vault"
    );
}

#[test]
fn not_rated_is_never_recorded_as_zero() {
    let mut h = demo_app();
    start(&mut h, "session-measures");
    while !live_session(&h)
        .steps
        .get(live_session(&h).current)
        .is_some_and(|s| matches!(s.data, StepData::Rating(_)))
    {
        click(&mut h, "Next");
    }
    assert!(h.query_all_by_label("not rated yet").count() >= 1);
    let index = live_session(&h).current;
    let StepData::Rating(r) = &live_session(&h).steps[index].data else {
        panic!("rating")
    };
    assert!(r.values.is_empty(), "looking at the scale records nothing");
    // A click on 7 records 7 for the first item of the first rater; nothing else.
    h.get_all_by_label("7").next().expect("a 7").click();
    h.run();
    let StepData::Rating(r) = &live_session(&h).steps[index].data else {
        panic!("rating")
    };
    let recorded: Vec<u8> = r
        .values
        .values()
        .flat_map(|v| v.values().copied())
        .collect();
    assert_eq!(recorded, vec![7]);
}

#[test]
fn the_script_speaks_of_each_partner_with_their_own_pronouns() {
    let mut h = demo_app();
    start(&mut h, "safety-screen");
    click(&mut h, "Next");
    // Maya's record says she/her: "their" in the protocol reads "her" on screen.
    assert!(
        h.query_by_label_contains("let Maya Okafor take her time")
            .is_some(),
        "pronouns from the couple's record"
    );
}

#[test]
fn the_window_is_light_unless_the_system_says_dark_and_the_appearance_setting_wins() {
    let mut h = demo_app();
    // The harness's system says nothing, like a bare X server.
    assert_eq!(h.input().system_theme, None);
    assert_eq!(h.ctx.theme(), egui::Theme::Light);
    h.input_mut().system_theme = Some(egui::Theme::Dark);
    h.run();
    assert_eq!(h.ctx.theme(), egui::Theme::Dark);
    // The choice in the practice screen's top bar wins over the system, and is kept.
    h.get_by_role_and_label(Role::ComboBox, "Appearance")
        .click();
    h.run();
    click(&mut h, "Light");
    assert_eq!(h.ctx.theme(), egui::Theme::Light);
    let practice = h.state().state.practice.as_ref().expect("open");
    assert_eq!(
        practice.vault().header().appearance,
        tandem::model::Appearance::Light
    );
    let root = h.state().state.root().expect("root");
    let log = common::audit_entries(&root, tandem::practice::DEMO_PASSPHRASE).expect("log");
    let last = log.last().expect("an entry");
    assert_eq!(last.action, tandem::vault::audit::AuditAction::Settings);
    assert_eq!(last.detail, "appearance");
    // Locked, the window follows the system again.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    h.run();
    assert!(h.state().state.practice.is_none());
    assert_eq!(h.ctx.theme(), egui::Theme::Dark);
}

/// The right edge of every widget with this label (there is at least one).
fn right_edges(h: &Harness<'_, TandemApp>, label: &str) -> Vec<f32> {
    h.get_all_by_label(label).map(|n| n.rect().max.x).collect()
}

#[test]
fn at_1024_by_700_the_couples_page_fits_beside_the_list_and_the_list_folds_away() {
    let mut h = common::demo_app_sized(egui::vec2(1024.0, 700.0));
    // A session left unfinished has a Continue button in its row too.
    start(&mut h, "intentional-dialogue");
    click(&mut h, "Close session");
    settle(&mut h);
    for label in [
        "New session",
        "Export progress…",
        "Take-home worksheets…",
        "Start safety screen",
        "Affair recovery",
        "Note",
        "Export…",
        "Continue",
    ] {
        let edges = right_edges(&h, label);
        for edge in edges {
            assert!(edge <= 1024.0, "{label} reaches {edge} px, past the window");
        }
    }
    // The couples list folds away and comes back.
    let page_left = h.get_by_label("New session").rect().min.x;
    click(&mut h, "Hide couples");
    assert!(h.query_by_label(common::MAYA).is_none());
    assert!(h.get_by_label("New session").rect().min.x < page_left - 150.0);
    click(&mut h, "Show couples");
    assert!(h.query_by_label(common::MAYA).is_some());
}

#[test]
fn at_1024_by_700_the_commitment_review_shows_every_item_and_stays_put_once_reviewed() {
    let mut h = common::demo_app_sized(egui::vec2(1024.0, 700.0));
    click(&mut h, common::MAYA);
    let open = h
        .state()
        .state
        .couple
        .as_ref()
        .expect("open")
        .course
        .open_items()
        .count();
    assert!(open >= 2, "the demo carries commitments in");
    start(&mut h, "communication-plan");
    // The header's first row starts with Pause session.
    let header_top = h.get_by_label("Pause session").rect().min.y;
    let kept: Vec<f32> = h.get_all_by_label("Kept").map(|n| n.rect().max.y).collect();
    assert_eq!(kept.len(), 2 * open);
    for bottom in &kept {
        assert!(
            *bottom <= header_top,
            "a review row ends at {bottom} px, under the session header at {header_top} px"
        );
    }
    // Review every item from both sides: nothing jumps, the review stays until closed.
    for i in 0..kept.len() {
        h.get_all_by_label("Kept").nth(i).expect("row").click();
        h.run();
        assert_eq!(h.get_by_label("Pause session").rect().min.y, header_top);
    }
    let session = live_session(&h).id;
    let course = &h.state().state.couple.as_ref().expect("open").course;
    assert!(course.due_for_review(session).is_empty());
    h.get_by_label("Review of open commitments");
    click(&mut h, "Done reviewing");
    assert!(h.query_by_label("Review of open commitments").is_none());
}

#[test]
fn back_and_next_stay_in_place_from_step_to_step() {
    let mut h = common::demo_app_sized(egui::vec2(1024.0, 700.0));
    start(&mut h, "intentional-dialogue");
    click(&mut h, "Done reviewing");
    let at = |h: &Harness<'_, TandemApp>| {
        (
            h.get_by_label("Back").rect().min,
            h.get_by_label("Next").rect().min,
        )
    };
    let first = at(&h);
    type_into(&mut h, "Maya Okafor", "The evenings");
    click(&mut h, "Next");
    assert_eq!(live_session(&h).current, 1);
    assert_eq!(at(&h), first);
    click(&mut h, "Back");
    assert_eq!(live_session(&h).current, 0);
    assert_eq!(at(&h), first);
}

#[test]
fn typing_at_the_start_of_a_step_goes_into_its_first_field_even_after_a_click() {
    let mut h = demo_app();
    start(&mut h, "intentional-dialogue");
    // No click into the field: the step's first field has the keystrokes.
    h.event(egui::Event::Text("The evenings".into()));
    h.run();
    // A click on a button (the review's "Done reviewing") leaves no field focused; the
    // next keystroke still lands in the step's field.
    click(&mut h, "Done reviewing");
    h.event(egui::Event::Text(" at home".into()));
    h.run();
    let session = live_session(&h);
    let StepData::Text(text) = &session.steps[0].data else {
        panic!("a text step first")
    };
    let entries: Vec<&String> = text.entries.values().collect();
    assert_eq!(entries, vec!["The evenings at home"]);
}

#[test]
fn the_commitment_review_waits_for_joint_work_and_never_opens_a_private_screen() {
    let mut h = demo_app();
    start(&mut h, "safety-screen");
    assert!(h.query_by_label("Review of open commitments").is_none());
    click(&mut h, "Next");
    // The gate's words name the partner, not a placeholder or a step id.
    assert!(common::on_screen(
        &h,
        "confirm that Daniel Reyes is out of the room"
    ));
    assert!(!common::on_screen(&h, "{partner_b}"));
    assert!(!common::on_screen(&h, "screen-a"));
}
