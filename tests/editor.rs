//! The protocol editor, driven like a therapist drives it: a protocol built from blank in
//! the forms (a script, a paraphrase loop, a private text step), problems shown beside
//! their fields as it is typed, undo, saved to the practice, written as a template file
//! that `tandem templates check` accepts, tried with the fictional couple without a
//! trace, then run live with a couple and exported.

mod common;

use common::{
    MAYA, click, demo_app, live_session, on_screen, pdf_words, replace_field, settle, start,
    status, tandem, type_into, type_multiline,
};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tandem::app::{Screen, TandemApp};
use tandem::model::StepData;
use tandem::vault::RecordKind;

fn editor<'h>(h: &'h Harness<'_, TandemApp>) -> &'h tandem::app::editor::EditorForm {
    h.state()
        .state
        .forms
        .editor
        .as_ref()
        .expect("the editor is open")
}

fn findings(h: &Harness<'_, TandemApp>) -> Vec<String> {
    tandem::template::edit::findings(&editor(h).draft)
        .into_iter()
        .map(|(place, message)| format!("{place:?}: {message}"))
        .collect()
}

fn type_line(h: &mut Harness<'_, TandemApp>, label: &str, text: &str) {
    type_into(h, Role::TextInput, label, text);
}

/// Pick a step kind in the editor's list and add it after the selected step.
fn add_step(h: &mut Harness<'_, TandemApp>, kind: &str) {
    click(h, "Kind of step");
    click(h, kind);
    click(h, "Add step");
}

fn sessions_on_disk(h: &Harness<'_, TandemApp>) -> usize {
    let practice = h.state().state.practice.as_ref().expect("unlocked");
    practice
        .vault()
        .records_of(RecordKind::Session)
        .expect("sessions")
        .len()
}

/// Export the session in the couple page's row `row` for `reader` (the dialog's label)
/// into `dir`, run frames until it is written, and return the only PDF there.
fn export_row(
    h: &mut Harness<'_, TandemApp>,
    row: usize,
    reader: &str,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    h.get_all_by_label("Export…")
        .nth(row)
        .expect("button")
        .click();
    h.run();
    click(h, reader);
    replace_field(h, "Folder", &dir.display().to_string());
    click(h, "Export PDF");
    settle(h);
    let files: Vec<_> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn a_protocol_built_from_blank_in_the_editor_is_saved_tried_run_live_and_exported() {
    let files = tempfile::tempdir().expect("temp");
    let pdfs = tempfile::tempdir().expect("temp");
    let mut h = demo_app();
    click(&mut h, "Protocols");
    assert_eq!(h.state().state.screen, Screen::Protocols);
    click(&mut h, "New protocol");
    assert_eq!(h.state().state.screen, Screen::Editor);

    // A blank protocol says what it lacks, beside each field.
    assert!(on_screen(&h, "title is empty"));
    assert!(!findings(&h).is_empty());
    assert!(
        h.get_by_label("Save to the practice")
            .accesskit_node()
            .is_disabled()
    );

    // About this protocol.
    type_line(&mut h, "Title", "Evening mirror");
    assert!(!on_screen(&h, "title is empty"), "gone as soon as typed");
    replace_field(&mut h, "Id", "evening-mirror");
    type_multiline(
        &mut h,
        "Summary (for the therapist choosing a protocol)",
        "One partner says what the evening was like; the other mirrors it until it is right; each writes privately what they took away.",
    );
    type_multiline(&mut h, "Source", "Written for this practice.");
    click(&mut h, "Speaker");
    click(&mut h, "Listener");
    click(&mut h, "The therapist decided joint work may go ahead");

    // A script step: it starts with a problem beside its field, and typing mends it.
    click(&mut h, "(!) Welcome  · Script");
    assert!(on_screen(
        &h,
        "a Script step needs therapist instructions or prompts"
    ));
    type_multiline(
        &mut h,
        "For the therapist (never shown to the couple)",
        "Say what the next twenty minutes are for.",
    );
    type_multiline(
        &mut h,
        "Prompts for the couple, one paragraph per line",
        "Tonight {speaker} speaks first and {listener} listens.",
    );

    // A paraphrase loop after it.
    add_step(&mut h, "ParaphraseLoop");
    assert_eq!(editor(&h).selected, Some(vec![1]));
    type_line(&mut h, "Title", "Mirror the evening");
    type_multiline(
        &mut h,
        "Prompts for the couple, one paragraph per line",
        "{speaker}, say what the evening was like for you.",
    );

    // A private text step each partner fills in.
    add_step(&mut h, "Text");
    type_line(&mut h, "Title", "What I took away");
    type_multiline(
        &mut h,
        "Prompts for the couple, one paragraph per line",
        "Write a line or two for yourself.",
    );
    click(&mut h, "Who may see it");
    click(
        &mut h,
        "Private: each partner's own answers, for them and the therapist",
    );
    // A slip, shown beside its field, then taken back with Undo.
    let before = editor(&h).draft.clone();
    replace_field(&mut h, "Step id", "Bad Id");
    assert!(
        on_screen(&h, "must be lower-case letters, digits, '-' and '_'"),
        "{:?}",
        findings(&h)
    );
    click(&mut h, "Undo");
    assert_eq!(editor(&h).draft, before, "undo brings the step id back");
    assert!(findings(&h).is_empty(), "{:?}", findings(&h));
    assert!(on_screen(&h, "Not saved yet"));

    // The previews: the therapist's screen and the couple's show the step.
    click(&mut h, "Couple's screen");
    assert!(on_screen(&h, "Write a line or two for yourself."));
    click(&mut h, "Therapist");

    // Saved to the practice, and written as a template file the checker accepts.
    click(&mut h, "Save to the practice");
    let (text, is_error) = status(&h).expect("said");
    assert!(
        !is_error && text.contains("evening-mirror is in the practice's protocols"),
        "{text}"
    );
    assert!(on_screen(&h, "Saved in the practice"));
    click(&mut h, "About this protocol");
    type_line(&mut h, "Folder", &files.path().display().to_string());
    click(&mut h, "Write template file");
    let file = files.path().join("evening-mirror.ron");
    assert!(file.exists(), "{:?}", status(&h));
    let out = tandem(None, &["templates", "check", &file.display().to_string()]);
    assert!(
        out.status.success(),
        "{}{}",
        common::text(&out.stdout),
        common::text(&out.stderr)
    );
    let read = tandem::template::parse(
        "evening-mirror.ron",
        &std::fs::read_to_string(&file).expect("file"),
    )
    .expect("reads back");
    assert_eq!(read, editor(&h).draft, "the file round-trips");

    // Try it: the fictional couple, the protocol's steps, nothing saved or logged.
    let sessions = sessions_on_disk(&h);
    click(&mut h, "Try it");
    assert_eq!(h.state().state.screen, Screen::Session);
    assert!(on_screen(
        &h,
        "Trying out the protocol with a fictional couple"
    ));
    assert!(h.state().state.live.as_ref().expect("live").trial);
    click(&mut h, "Next");
    type_multiline(&mut h, "What Robin says", "A long day, and a quiet dinner.");
    click(&mut h, "Record message");
    click(&mut h, "Close session");
    assert_eq!(h.state().state.screen, Screen::Editor);
    assert!(h.state().state.live.is_none());
    assert_eq!(sessions_on_disk(&h), sessions, "a try-out saves nothing");

    // Run it live with a couple.
    click(&mut h, "Close editor");
    click(&mut h, "Back to the practice");
    start(&mut h, "evening-mirror");
    assert!(on_screen(&h, "Say what the next twenty minutes are for."));
    click(&mut h, "Next");
    type_multiline(
        &mut h,
        "What Maya Okafor says",
        "The evening felt rushed and I missed talking.",
    );
    click(&mut h, "Record message");
    type_multiline(
        &mut h,
        "Daniel Reyes's mirror",
        "You felt rushed and missed our talk.",
    );
    click(&mut h, "Record mirror");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num1);
    h.run();
    click(&mut h, "Next");
    type_multiline(&mut h, "Maya Okafor", "PRIVATE-MAYA-TAKEAWAY");
    type_multiline(&mut h, "Daniel Reyes", "PRIVATE-DANIEL-TAKEAWAY");
    let session = live_session(&h);
    assert_eq!(session.template_id, "evening-mirror");
    assert!(
        matches!(&session.steps[1].data, StepData::Loop(l) if l.message.is_some()),
        "{:?}",
        session.steps[1].data
    );
    click(&mut h, "End session");
    click(&mut h, "Yes, end the session");
    click(&mut h, "Close session");
    settle(&mut h);

    // Exported for the clinician: the protocol's own titles and words, both partners'
    // private lines; for the couple, neither private line.
    click(&mut h, MAYA);
    let row = {
        let view = h.state().state.couple.as_ref().expect("open");
        view.sessions
            .iter()
            .rev()
            .position(|s| s.template_id == "evening-mirror")
            .expect("the session is on the couple's page")
    };
    let pdf = export_row(
        &mut h,
        row,
        "The clinician (everything, private items included)",
        pdfs.path(),
    );
    let words = pdf_words(&pdf);
    assert!(words.contains("Evening mirror"), "{words}");
    assert!(words.contains("Mirror the evening"), "{words}");
    assert!(words.contains("What I took away"), "{words}");
    assert!(
        words.contains("The evening felt rushed and I missed talking."),
        "{words}"
    );
    assert!(words.contains("PRIVATE-MAYA-TAKEAWAY"), "{words}");
    assert!(words.contains("PRIVATE-DANIEL-TAKEAWAY"), "{words}");
    std::fs::remove_file(&pdf).expect("cleared");
    let pdf = export_row(&mut h, row, "The couple (shared items only)", pdfs.path());
    let words = pdf_words(&pdf);
    assert!(words.contains("Mirror the evening"), "{words}");
    assert!(!words.contains("PRIVATE-MAYA-TAKEAWAY"), "{words}");
    assert!(!words.contains("PRIVATE-DANIEL-TAKEAWAY"), "{words}");
}

#[test]
fn a_template_file_with_a_slip_opens_as_text_at_its_line_and_column_and_is_mended_there() {
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("slip.ron");
    let text = tandem::template::edit::to_ron(
        tandem::template::Library::builtin()
            .get("weekly-check-in")
            .expect("shipped"),
    )
    .expect("ron")
    .replace("id: \"weekly-check-in\"", "id: \"weekly-own\"");
    // A comma taken out on line 3.
    let broken = text.replacen("\",\n", "\"\n", 2);
    std::fs::write(&file, &broken).expect("file");
    let mut h = demo_app();
    click(&mut h, "Protocols");
    type_line(&mut h, "Template file", &file.display().to_string());
    click(&mut h, "Open file in the editor");
    assert_eq!(h.state().state.screen, Screen::Editor);
    let form = editor(&h);
    assert!(form.text_mode);
    let problem = form.text_problems.first().expect("a slip").clone();
    assert!(problem.line >= 2 && problem.line <= 4, "{problem:?}");
    assert!(on_screen(&h, &format!("line {}, column", problem.line)));
    // Back to the forms is refused until the text reads.
    click(&mut h, "Edit in forms");
    assert!(editor(&h).text_mode);
    // Mended in the text: it reads, and becomes the draft.
    h.state_mut()
        .state
        .forms
        .editor
        .as_mut()
        .expect("open")
        .text
        .clear();
    type_multiline(&mut h, "Template text", &text);
    assert!(
        editor(&h).text_problems.is_empty(),
        "{:?}",
        editor(&h).text_problems
    );
    assert_eq!(editor(&h).draft.id, "weekly-own");
    click(&mut h, "Edit in forms");
    assert!(!editor(&h).text_mode);
    assert!(on_screen(&h, "About this protocol"));
}

#[test]
fn a_shipped_protocol_is_copied_to_edit_and_leaving_with_changes_asks_first() {
    let mut h = demo_app();
    click(&mut h, "Protocols");
    // The first "Copy to edit" is the first protocol in the library.
    let first = h
        .state()
        .state
        .practice
        .as_ref()
        .expect("unlocked")
        .library()
        .templates[0]
        .1
        .clone();
    h.get_all_by_label("Copy to edit")
        .next()
        .expect("button")
        .click();
    h.run();
    let draft = &editor(&h).draft;
    assert_eq!(draft.id, format!("{}-own", first.id));
    assert_eq!(draft.steps, first.steps);
    assert!(findings(&h).is_empty(), "{:?}", findings(&h));
    click(&mut h, "Close editor");
    assert!(on_screen(&h, "Close the editor without saving?"));
    click(&mut h, "Not now");
    assert_eq!(h.state().state.screen, Screen::Editor);
    click(&mut h, "Close editor");
    click(&mut h, "Close without saving");
    assert_eq!(h.state().state.screen, Screen::Protocols);
    assert!(h.state().state.forms.editor.is_none());
    // Nothing was added.
    let practice = h.state().state.practice.as_ref().expect("unlocked");
    assert!(
        practice
            .library()
            .get(&format!("{}-own", first.id))
            .is_none()
    );
}

#[test]
fn the_practices_own_protocol_is_edited_into_a_new_version_and_removed_after_a_question() {
    let mut h = demo_app();
    click(&mut h, "Protocols");
    h.get_all_by_label("Copy to edit")
        .next()
        .expect("button")
        .click();
    h.run();
    let id = editor(&h).draft.id.clone();
    click(&mut h, "Save to the practice");
    let (text, is_error) = status(&h).expect("said");
    assert!(
        !is_error && text.contains("is in the practice's protocols"),
        "{text}"
    );
    click(&mut h, "Close editor");
    assert_eq!(h.state().state.screen, Screen::Protocols);

    // Listed as the practice's own, with Edit and Remove.
    assert!(on_screen(&h, &format!("{id} · the practice's own")));
    click(&mut h, "Edit");
    assert!(
        h.state().state.forms.editor.is_some(),
        "{:?} {:?}",
        status(&h),
        h.state().state.errors
    );
    assert_eq!(editor(&h).draft.id, id);
    assert!(on_screen(&h, "Saved in the practice"));
    let step = editor(&h).draft.steps[0].title.clone();
    h.state_mut()
        .state
        .forms
        .editor
        .as_mut()
        .expect("open")
        .selected = Some(vec![0]);
    h.run();
    replace_field(&mut h, "Title", "A new first title");
    click(&mut h, "Save to the practice");
    let (text, _) = status(&h).expect("said");
    assert!(text.contains("saved as a new version"), "{text}");
    let practice = h.state().state.practice.as_ref().expect("unlocked");
    let current = practice.library().get(&id).expect("listed");
    assert_eq!(current.steps[0].title, "A new first title");
    assert_ne!(current.steps[0].title, step);

    // Removed only after the question, and only then.
    click(&mut h, "Close editor");
    click(&mut h, "Remove…");
    assert!(on_screen(&h, "Remove this protocol from the library?"));
    click(&mut h, "Not now");
    assert!(
        h.state()
            .state
            .practice
            .as_ref()
            .expect("unlocked")
            .library()
            .get(&id)
            .is_some()
    );
    click(&mut h, "Remove…");
    click(&mut h, "Remove from the library");
    assert!(
        h.state()
            .state
            .practice
            .as_ref()
            .expect("unlocked")
            .library()
            .get(&id)
            .is_none()
    );
    let (text, _) = status(&h).expect("said");
    assert!(text.contains("the sessions that ran it keep it"), "{text}");
}

#[test]
fn a_protocol_being_edited_survives_a_lock_and_a_try_out_ends_with_it() {
    let mut h = demo_app();
    click(&mut h, "Protocols");
    click(&mut h, "New protocol");
    type_line(&mut h, "Title", "Half written");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    h.run();
    assert_eq!(h.state().state.screen, Screen::Unlock);
    common::unlock(&mut h, tandem::practice::DEMO_PASSPHRASE);
    assert_eq!(h.state().state.screen, Screen::Editor);
    assert_eq!(editor(&h).draft.title, "Half written");

    // A try-out is not taken up again after unlocking: nothing of it was kept.
    let mut draft = tandem::template::Library::builtin()
        .get("weekly-check-in")
        .expect("shipped")
        .clone();
    draft.id = "weekly-own".into();
    h.state_mut()
        .state
        .forms
        .editor
        .as_mut()
        .expect("open")
        .draft = draft;
    h.run();
    click(&mut h, "Try it");
    assert!(h.state().state.live.is_some());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    h.run();
    assert!(h.state().state.live.is_none());
    common::unlock(&mut h, tandem::practice::DEMO_PASSPHRASE);
    assert!(h.state().state.live.is_none());
    assert_eq!(h.state().state.screen, Screen::Editor);
    assert_eq!(
        status(&h).map(|(_, e)| e),
        None.or(status(&h).map(|(_, e)| e))
    );
    assert!(
        !status(&h).is_some_and(|(_, is_error)| is_error),
        "{:?}",
        status(&h)
    );
}
