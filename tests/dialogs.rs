//! The dialogs' paths and the dates, driven like a therapist drives them: a bad export
//! folder said beside the field with every choice kept, the last folder offered next
//! time (and after locking), the "Choose…" buttons with a stand-in for the system's file
//! chooser (no test needs a real portal), a worksheet file dropped on a couple's page, and
//! dates chosen on a calendar or typed, with the notes a past date earns.

mod common;

use common::{
    MAYA, click, demo_app, live_session, on_screen, replace_field, settle, start, status, type_into,
};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem::app::chooser::FileChooser;
use tandem::app::command::{ErrorPlace, ExportDraft};
use tandem::app::takehome::{TakeHomeDraft, TakeHomeMode};
use tandem::app::{Overlay, TandemApp};
use tandem::model::{Audience, CustodyChange, StepData};
use tandem::vault::audit::AuditAction;

/// The sealed audit log, read with the passphrase.
fn entries(
    root: &std::path::Path,
) -> Result<Vec<tandem::vault::audit::AuditEntry>, tandem::vault::VaultError> {
    common::audit_entries(root, tandem::practice::DEMO_PASSPHRASE)
}
use tandem::vault::{LastFolder, RecordBody, RecordKind};

/// The export dialog's choices (it must be open).
fn export_dialog(h: &Harness<'_, TandemApp>) -> ExportDraft {
    match &h.state().state.overlay {
        Overlay::Export(draft) => draft.clone(),
        other => panic!("the export dialog is not open: {other:?}"),
    }
}

/// The take-home dialog's fields (it must be open).
fn take_home_dialog(h: &Harness<'_, TandemApp>) -> TakeHomeDraft {
    match &h.state().state.overlay {
        Overlay::TakeHome(draft) => draft.clone(),
        other => panic!("the take-home dialog is not open: {other:?}"),
    }
}

fn error_at(h: &Harness<'_, TandemApp>, place: ErrorPlace) -> Option<String> {
    h.state().state.error_at(place).map(str::to_string)
}

fn audit_count(h: &Harness<'_, TandemApp>, action: AuditAction) -> usize {
    let root = h.state().state.root().expect("root");
    entries(&root)
        .expect("log")
        .iter()
        .filter(|e| e.action == action)
        .count()
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[test]
fn a_bad_export_folder_is_said_beside_the_field_and_the_dialog_keeps_its_choices() {
    let dir = tempfile::tempdir().expect("temp");
    // A folder cannot be made inside a file, whoever runs the test (root included).
    let file = dir.path().join("a-file.txt");
    std::fs::write(&file, b"not a folder").expect("file");
    let bad = file.join("exports");
    let mut h = demo_app();
    click(&mut h, MAYA);
    click(&mut h, "Export progress…");
    click(
        &mut h,
        "Maya Okafor only (shared items and their own private ones)",
    );
    replace_field(&mut h, "Practice name", "Harbour Couples Therapy");
    replace_field(&mut h, "Folder", &bad.display().to_string());
    let exports_before = audit_count(&h, AuditAction::Export);
    click(&mut h, "Export PDF");
    settle(&mut h);

    // Still open, every choice as it was, the error beside the folder.
    let draft = export_dialog(&h);
    assert_eq!(
        draft.audience,
        Some(Audience::Partner(tandem::model::Partner::A))
    );
    assert_eq!(draft.folder, bad.display().to_string());
    assert_eq!(draft.practice, "Harbour Couples Therapy");
    let error = error_at(&h, ErrorPlace::ExportFolder).expect("said beside the folder");
    assert!(error.starts_with("cannot create the folder"), "{error}");
    assert!(on_screen(&h, "cannot create the folder"));
    assert_eq!(
        error_at(&h, ErrorPlace::ExportDialog),
        None,
        "one error at a time"
    );
    assert_eq!(
        audit_count(&h, AuditAction::Export),
        exports_before,
        "nothing was exported, so nothing is logged"
    );
    assert!(
        status(&h).is_none_or(|(text, _)| !text.contains("not written")),
        "no job was started to fail later"
    );

    // Mended in place: the same dialog writes the PDF, and the error is gone.
    let good = dir.path().join("exports");
    replace_field(&mut h, "Folder", &good.display().to_string());
    click(&mut h, "Export PDF");
    settle(&mut h);
    assert!(!matches!(h.state().state.overlay, Overlay::Export(_)));
    assert_eq!(error_at(&h, ErrorPlace::ExportFolder), None);
    assert_eq!(files_in(&good), 1, "{:?}", status(&h));
    let (text, is_error) = status(&h).expect("said where it went");
    assert!(!is_error && text.starts_with("Exported"), "{text}");
}

#[test]
fn the_last_export_and_take_home_folders_are_offered_next_time_and_after_locking() {
    let dir = tempfile::tempdir().expect("temp");
    let exports = dir.path().join("pdfs");
    let mut h = demo_app();
    click(&mut h, MAYA);
    click(&mut h, "Export progress…");
    let offered = export_dialog(&h).folder;
    assert_ne!(offered, exports.display().to_string());
    click(&mut h, "The clinician (everything, private items included)");
    replace_field(&mut h, "Folder", &exports.display().to_string());
    click(&mut h, "Export PDF");
    settle(&mut h);
    assert_eq!(files_in(&exports), 1);

    // Next time, the folder used last is offered.
    click(&mut h, "Export progress…");
    assert_eq!(export_dialog(&h).folder, exports.display().to_string());
    click(&mut h, "Cancel export");

    // Kept in the vault's header, logged as a setting by its name, never its path.
    let root = h.state().state.root().expect("root");
    let header = std::fs::read_to_string(root.join(tandem::vault::HEADER_FILE)).expect("header");
    assert!(
        !header.contains("export_folder"),
        "sealed, not in the clear: {header}"
    );
    let vault = tandem::vault::Vault::open(
        &root,
        Some(&secrecy::SecretString::from(
            tandem::practice::DEMO_PASSPHRASE.to_string(),
        )),
        tandem::vault::Access::ReadOnly,
    )
    .expect("opens");
    assert!(vault.header().export_folder.is_some());
    drop(vault);
    let settings: Vec<String> = entries(&root)
        .expect("log")
        .iter()
        .filter(|e| e.action == AuditAction::Settings)
        .map(|e| e.detail.clone())
        .collect();
    assert!(
        settings.contains(&"export folder".to_string()),
        "{settings:?}"
    );
    assert!(settings.iter().all(|d| !d.contains("pdfs")), "{settings:?}");

    // Locked and unlocked: still offered.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    h.run();
    assert!(h.state().state.practice.is_none(), "locked");
    common::unlock(&mut h, tandem::practice::DEMO_PASSPHRASE);
    click(&mut h, MAYA);
    click(&mut h, "Export progress…");
    assert_eq!(export_dialog(&h).folder, exports.display().to_string());
    click(&mut h, "Cancel export");
    // The take-home folder is remembered apart: not yet set, so not the export folder.
    click(&mut h, "Take-home worksheets…");
    assert_ne!(take_home_dialog(&h).folder, exports.display().to_string());
    let practice = h.state().state.practice.as_ref().expect("unlocked");
    assert_eq!(
        practice.vault().header().last_folder(LastFolder::Exports),
        Some(exports.as_path())
    );
    assert_eq!(
        practice.vault().header().last_folder(LastFolder::TakeHome),
        None
    );

    // A worksheet written to a folder of its own: that folder is offered next time.
    let sheets = dir.path().join("sheets");
    let title = practice
        .library()
        .get("weekly-check-in")
        .expect("template")
        .title
        .clone();
    h.get_by_role_and_label(Role::RadioButton, &title).click();
    h.run();
    click(&mut h, "Both together (shared items only)");
    type_into(
        &mut h,
        Role::TextInput,
        "Passphrase for the couple",
        "four calm words here",
    );
    replace_field(&mut h, "Folder", &sheets.display().to_string());
    click(&mut h, "Write worksheet file");
    settle(&mut h);
    assert_eq!(files_in(&sheets), 1, "{:?}", status(&h));
    click(&mut h, "Take-home worksheets…");
    assert_eq!(take_home_dialog(&h).folder, sheets.display().to_string());
    click(&mut h, "Close");
    click(&mut h, "Export progress…");
    assert_eq!(
        export_dialog(&h).folder,
        exports.display().to_string(),
        "each folder apart"
    );
}

/// Click a "Choose…" button and wait for the chooser's answer. The answer comes from a
/// thread at any frame, so frames are stepped one at a time until it is taken in, then run
/// until the window settles.
fn choose(h: &mut Harness<'_, TandemApp>, label: &str) {
    h.get_by_label(label).click();
    for _ in 0..1000 {
        // The click's frame opens the chooser (and may take in its answer already).
        h.step();
        if h.state().state.jobs.chooser.is_none() {
            h.run();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("the chooser did not answer");
}

#[test]
fn choose_folder_fills_the_field_and_says_so_when_no_chooser_can_be_shown() {
    let dir = tempfile::tempdir().expect("temp");
    let mut h = demo_app();
    click(&mut h, MAYA);
    click(&mut h, "Export progress…");
    click(&mut h, "The couple (shared items only)");
    let typed = export_dialog(&h).folder;

    // A system without a portal: the chooser answers nothing at once.
    h.state_mut().state.file_chooser = FileChooser::Answering(None);
    choose(&mut h, "Choose folder…");
    let error = error_at(&h, ErrorPlace::ExportFolder).expect("said beside the folder");
    assert!(error.contains("No file chooser could be opened"), "{error}");
    assert!(on_screen(&h, "No file chooser could be opened"));
    let draft = export_dialog(&h);
    assert_eq!(draft.folder, typed, "the typed folder is untouched");
    assert_eq!(
        draft.audience,
        Some(Audience::Couple),
        "and the choices kept"
    );

    // A chooser that answers: its folder goes into the field, the error goes.
    let chosen = dir.path().join("chosen");
    h.state_mut().state.file_chooser = FileChooser::Answering(Some(chosen.clone()));
    choose(&mut h, "Choose folder…");
    assert_eq!(export_dialog(&h).folder, chosen.display().to_string());
    assert_eq!(error_at(&h, ErrorPlace::ExportFolder), None);
    click(&mut h, "Export PDF");
    settle(&mut h);
    assert_eq!(files_in(&chosen), 1, "{:?}", status(&h));

    // The take-home dialog's folder and file alike.
    click(&mut h, "Take-home worksheets…");
    let folder = dir.path().join("sheets");
    h.state_mut().state.file_chooser = FileChooser::Answering(Some(folder.clone()));
    choose(&mut h, "Choose folder…");
    assert_eq!(take_home_dialog(&h).folder, folder.display().to_string());
    click(&mut h, "Bring one back");
    h.state_mut().state.file_chooser = FileChooser::Answering(None);
    choose(&mut h, "Choose file…");
    let error = error_at(&h, ErrorPlace::TakeHomeFile).expect("said beside the file");
    assert!(error.contains("type the file's path"), "{error}");
    let sheet = dir.path().join("C-0101-weekly-check-in.tandem-worksheet");
    h.state_mut().state.file_chooser = FileChooser::Answering(Some(sheet.clone()));
    choose(&mut h, "Choose file…");
    let draft = take_home_dialog(&h);
    assert_eq!(draft.file, sheet.display().to_string());
    assert_eq!(draft.mode, TakeHomeMode::Import);
    assert_eq!(error_at(&h, ErrorPlace::TakeHomeFile), None);
}

/// A file dropped on the window, as the windowing system hands it to egui.
#[derive(Debug)]
struct DroppedPath(PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'_, TandemApp>, path: &Path) {
    h.input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(path.to_path_buf())));
    h.run();
}

#[test]
fn a_worksheet_dropped_on_a_couples_page_opens_bring_back_with_the_file() {
    let dir = tempfile::tempdir().expect("temp");
    let sheet = dir.path().join("C-0101-weekly-check-in-b.tandem-worksheet");
    std::fs::write(&sheet, b"sealed").expect("file");
    let mut h = demo_app();

    // No couple's page open: said in the status line, nothing opens.
    drop_file(&mut h, &sheet);
    let (text, is_error) = status(&h).expect("said");
    assert!(
        is_error && text.contains("open the couple's page first"),
        "{text}"
    );
    assert_eq!(h.state().state.overlay, Overlay::None);

    // Something else than a worksheet: refused, naming what it is.
    click(&mut h, MAYA);
    let pdf = dir.path().join("note.pdf");
    std::fs::write(&pdf, b"%PDF").expect("file");
    drop_file(&mut h, &pdf);
    let (text, is_error) = status(&h).expect("said");
    assert!(
        is_error && text.contains("Only a take-home worksheet file") && text.ends_with("note.pdf"),
        "{text}"
    );
    assert_eq!(h.state().state.overlay, Overlay::None);

    // The worksheet: the dialog opens to bring it back, the file filled in, the passphrase
    // still to type (and the field for it has the focus).
    drop_file(&mut h, &sheet);
    h.run();
    let draft = take_home_dialog(&h);
    let couple = h.state().state.couple.as_ref().expect("open").couple.id;
    assert_eq!(draft.couple, couple);
    assert_eq!(draft.mode, TakeHomeMode::Import);
    assert_eq!(draft.file, sheet.display().to_string());
    assert!(draft.file_passphrase.is_empty());
    assert!(
        h.get_by_role_and_label(Role::PasswordInput, "Its passphrase")
            .is_focused()
    );
    assert!(
        h.get_by_label("Import worksheet")
            .accesskit_node()
            .is_disabled()
    );
    h.get_by_role_and_label(Role::PasswordInput, "Its passphrase")
        .type_text("the couple's words");
    h.run();
    assert!(
        !h.get_by_label("Import worksheet")
            .accesskit_node()
            .is_disabled()
    );

    // Two files at once: one at a time.
    click(&mut h, "Close");
    h.input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(sheet.clone())));
    drop_file(&mut h, &sheet);
    let (text, _) = status(&h).expect("said");
    assert!(text.contains("one worksheet file at a time"), "{text}");
}

/// Today as the app sees it (the local date).
fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Choose the day after the one the calendar opens on, and save it.
fn pick_next_day(h: &mut Harness<'_, TandemApp>, calendar: &str) {
    click(h, calendar);
    // The lists at the calendar's top say where it is, each by its name.
    for list in ["Year", "Month", "Day"] {
        assert!(
            h.query_by_role_and_label(Role::ComboBox, list).is_some(),
            "the calendar's {list} list is named"
        );
    }
    click(h, ">");
    click(h, "Save");
}

#[test]
fn a_destroy_by_date_from_the_calendar_is_recorded_and_a_past_one_is_noted() {
    let mut h = demo_app();
    click(&mut h, MAYA);
    click(&mut h, "Affair recovery");
    type_into(&mut h, Role::TextInput, "Recorded by", "Dr. R. Vale");
    let tomorrow = today() + chrono::Days::new(1);
    pick_next_day(&mut h, "Destroy by: choose on a calendar");
    assert_eq!(
        h.state().state.forms.recovery.custody.destroy_by,
        tomorrow.format("%Y-%m-%d").to_string()
    );
    assert!(!on_screen(&h, "has already passed"));
    click(&mut h, "Schedule destruction");
    let couple = h.state().state.couple.as_ref().expect("open").couple.id;
    h.state_mut().state.wait_for_saves(chrono::Utc::now());
    let RecordBody::Course(course) = h
        .state()
        .state
        .practice
        .as_ref()
        .expect("open")
        .vault()
        .load(RecordKind::Course, couple.0)
        .expect("saved")
    else {
        panic!("a course")
    };
    assert!(
        course
            .custody
            .iter()
            .any(|e| e.change == CustodyChange::DestroyBy(tomorrow)),
        "{:?}",
        course.custody
    );

    // Typed, a past date is noted beside the field (calmly: it is not refused here).
    replace_field(&mut h, "Destroy by (YYYY-MM-DD)", "2020-01-15");
    assert!(on_screen(&h, "This date has already passed"));
    replace_field(&mut h, "Destroy by (YYYY-MM-DD)", "15/01/2031");
    assert!(on_screen(&h, "Write the date as YYYY-MM-DD"));
    // A trigger is logged once it happened: a day still to come is noted.
    replace_field(&mut h, "Date (YYYY-MM-DD, empty for today)", "2999-01-01");
    assert!(on_screen(&h, "This day is still to come"));
    replace_field(&mut h, "Date (YYYY-MM-DD, empty for today)", "2020-01-01");
    assert!(!on_screen(&h, "This day is still to come"));
}

#[test]
fn a_plan_review_date_from_the_calendar_is_recorded_and_a_past_one_is_noted() {
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
    type_into(
        &mut h,
        Role::MultilineTextInput,
        "What exactly will be done (something anyone could see)",
        "Text at lunch to say how the morning went",
    );
    type_into(
        &mut h,
        Role::MultilineTextInput,
        "How often and when",
        "every weekday",
    );
    replace_field(&mut h, "Review (YYYY-MM-DD)", "2020-02-01");
    assert!(on_screen(&h, "This review date has already passed"));
    // The calendar opens on the date typed; the day after it is saved into the field.
    pick_next_day(&mut h, "Review: choose on a calendar");
    assert_eq!(
        h.get_by_role_and_label(Role::TextInput, "Review (YYYY-MM-DD)")
            .value()
            .as_deref(),
        Some("2020-02-02")
    );
    // A review a week ahead, chosen on the calendar from a typed start.
    let start_on = today();
    replace_field(
        &mut h,
        "Review (YYYY-MM-DD)",
        &(start_on + chrono::Days::new(6))
            .format("%Y-%m-%d")
            .to_string(),
    );
    pick_next_day(&mut h, "Review: choose on a calendar");
    assert!(!on_screen(&h, "This review date has already passed"));
    click(&mut h, "Add commitment");
    let session = live_session(&h);
    let StepData::Plan(plan) = &session.steps[plan_at].data else {
        panic!("plan")
    };
    let made = &plan.commitments.last().expect("made").draft;
    assert_eq!(made.starts_on, start_on);
    assert_eq!(made.review_on, start_on + chrono::Days::new(7));
}

#[test]
fn a_past_rescreen_date_is_noted_in_the_screen_and_on_the_couples_page() {
    let mut h = demo_app();
    start(&mut h, "safety-screen");
    while live_session(&h).steps[live_session(&h).current].step_id != "rescreen" {
        if live_session(&h).steps[live_session(&h).current]
            .step_id
            .starts_with("screen-")
        {
            common::answer_screen_no(&mut h);
        }
        click(&mut h, "Next");
    }
    let at = live_session(&h).current;
    let written = |h: &Harness<'_, TandemApp>| match &live_session(h).steps[at].data {
        StepData::Text(t) => t
            .entries
            .get(&tandem::model::Respondent::Clinician)
            .cloned()
            .unwrap_or_default(),
        other => panic!("a text step: {other:?}"),
    };
    // Chosen on the calendar: written into the therapist's text.
    pick_next_day(&mut h, "Re-screen date: choose on a calendar");
    let tomorrow = (today() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(written(&h), format!("Re-screen on: {tomorrow}"));
    assert!(!on_screen(&h, "has already passed"));

    // Typed in the past: noted beside the text.
    h.get_by_role_and_label(Role::MultilineTextInput, "Therapist")
        .focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, "Therapist")
        .type_text("Re-screen on: 2020-03-01");
    h.run();
    assert_eq!(written(&h), "Re-screen on: 2020-03-01");
    assert!(on_screen(&h, "1 Mar 2020 has already passed"));

    // The couple's page says it too, naming the date set.
    click(&mut h, "Close session");
    assert!(
        on_screen(
            &h,
            "the date set in the latest screen, 1 Mar 2020, has passed"
        ),
        "{:?}",
        status(&h)
    );
}

#[test]
fn a_protocol_file_dropped_on_the_window_joins_the_practices_protocols_and_runs() {
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("evening-reflection.ron");
    std::fs::write(
        &file,
        r#"(
    format: 1,
    id: "evening-reflection",
    title: "Evening reflection",
    summary: "A short reflection each partner writes before talking.",
    source: "Written for this practice.",
    length_mins: 20,
    requires: [BothScreened, JointWorkCleared],
    steps: [
        (
            id: "welcome",
            title: "Welcome to the reflection",
            therapist: "Say what the next twenty minutes are for.",
            prompts: ["We will each write a few lines first, then talk."],
            kind: Script,
        ),
    ],
)"#,
    )
    .expect("file");
    let broken = dir.path().join("broken.ron");
    std::fs::write(&broken, "(format: 1, id: \"broken\", title: )").expect("file");
    let mut h = demo_app();

    // A broken one: said with its line and column, nothing added.
    drop_file(&mut h, &broken);
    let (text, is_error) = status(&h).expect("said");
    assert!(is_error && text.contains("broken.ron:1:"), "{text}");

    drop_file(&mut h, &file);
    let (text, is_error) = status(&h).expect("said");
    assert!(
        !is_error && text.contains("Added to the practice's protocols: Evening reflection"),
        "{text}"
    );
    // Listed with the shipped ones, marked, and it runs with a couple.
    assert_eq!(
        common::template_label(&h, "evening-reflection"),
        "Evening reflection  ·\u{a0}20\u{a0}min  ·\u{a0}practice's own"
    );
    start(&mut h, "evening-reflection");
    settle(&mut h);
    let live = h.state().state.live.as_ref().expect("a session runs");
    assert_eq!(live.runner.session().template_id, "evening-reflection");
    assert!(
        h.query_all_by_label_contains("Welcome to the reflection")
            .next()
            .is_some(),
        "the step is on screen"
    );
}

#[test]
fn tandem_opened_on_a_worksheet_file_offers_it_on_the_first_couples_page_opened() {
    let dir = tempfile::tempdir().expect("temp");
    let sheet = dir
        .path()
        .join("C-0101-weekly-check-in-answers.tandem-worksheet");
    std::fs::write(&sheet, b"sealed").expect("file");
    let config = tandem::app::AppConfig {
        vault_root: None,
        demo: true,
        kdf_log_n: 10,
        open_worksheet: Some(sheet.clone()),
    };
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 1300.0))
        .build_eframe(move |cc| TandemApp::new(cc, config.clone()));
    h.run();
    h.run();
    let (text, is_error) = status(&h).expect("said");
    assert!(
        !is_error && text.contains("open the page of the couple it is for"),
        "{text}"
    );
    assert_eq!(h.state().state.overlay, Overlay::None);
    click(&mut h, MAYA);
    h.run();
    let draft = take_home_dialog(&h);
    assert_eq!(draft.mode, TakeHomeMode::Import);
    assert_eq!(draft.file, sheet.display().to_string());
    assert!(
        h.state().state.forms.pending_worksheet.is_none(),
        "offered once"
    );
}
