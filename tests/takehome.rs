//! Take-home worksheets end to end, as a therapist and a couple use them: issued with
//! `tandem worksheet --take-home` (or from the couple's page), filled in `tandem fill`'s
//! window (driven with egui_kittest), brought back with `tandem import-worksheet` (or the
//! app); altered, foreign, mismatched and repeated files refused with a clear error and
//! nothing written.

mod common;

use common::{
    PASS, SHEET_PASS, click, demo_app, ok, settle, tandem_with_sheet as tandem, text, type_into,
};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tandem::app::TandemApp;
use tandem::app::fill::{FillApp, FillConfig};
use tandem::model::{Answer, Partner, Respondent, WorksheetFor};
use tandem::vault::takehome::{read_take_home, write_take_home};
use tandem::vault::{RecordBody, RecordKind};

const CANARY: &str = "CANARY-HOME-APPRECIATION-551";

fn refused(out: &Output) -> String {
    assert!(!out.status.success(), "{}", text(&out.stdout));
    text(&out.stderr)
}

fn demo_vault(dir: &Path, name: &str) -> PathBuf {
    let vault = dir.join(name);
    ok(&tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]));
    vault
}

/// The demo couples' ids: those cleared for joint work first.
fn couples(vault: &Path) -> (Vec<String>, Vec<String>) {
    let (cleared, locked) = common::couples_by_clearance(vault);
    let ids = |couples: Vec<tandem::model::Couple>| {
        couples
            .into_iter()
            .map(|c| c.id.0.to_string())
            .collect::<Vec<_>>()
    };
    assert!(cleared.len() >= 2, "the demo has cleared couples");
    (ids(cleared), ids(locked))
}

fn session_count(vault: &Path) -> usize {
    ok(&tandem(vault, &["list", "sessions"])).lines().count()
}

fn issue(vault: &Path, couple: &str, audience: &str, out: &Path) {
    let printed = ok(&tandem(
        vault,
        &[
            "worksheet",
            "weekly-check-in",
            "--take-home",
            "--couple",
            couple,
            "--audience",
            audience,
            "-o",
            out.to_str().expect("path"),
            "--kdf-log-n",
            "10",
        ],
    ));
    assert!(printed.contains("wrote take-home worksheet"), "{printed}");
}

fn fill_window(path: &Path) -> Harness<'static, FillApp> {
    let config = FillConfig {
        path: path.to_path_buf(),
        passphrase: None,
        log_n: 10,
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(900.0, 1600.0))
        .build_eframe(move |_cc| FillApp::new(config.clone()));
    h.run();
    h
}

/// Frames until the fill window has opened or saved its file.
fn wait_for_save(h: &mut Harness<'_, FillApp>) {
    for _ in 0..500 {
        h.run();
        if !h.state().state.is_busy() {
            h.run();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the worksheet file was not done");
}

#[test]
fn a_take_home_worksheet_round_trips_through_the_fill_window_and_import() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path(), "vault");
    let (cleared, _) = couples(&vault);
    let file = dir.path().join("check-in.tandem-worksheet");
    issue(&vault, &cleared[0], "partner-a", &file);
    let before = session_count(&vault);

    // At home: the partner opens the file in `tandem fill`'s window.
    let mut h = fill_window(&file);
    assert!(h.state().state.opened.is_none());
    type_into(&mut h, Role::PasswordInput, "Passphrase", "not the one");
    h.get_by_label("Open worksheet").click();
    wait_for_save(&mut h);
    let status = h.state().state.status.clone().expect("status");
    assert!(status.is_error && status.text.contains("not this worksheet's passphrase"));
    type_into(&mut h, Role::PasswordInput, "Passphrase", SHEET_PASS);
    h.get_by_label("Open worksheet").click();
    wait_for_save(&mut h);
    let opened = h.state().state.opened.as_ref().expect("opened");
    let name = opened.file.name_a.clone();
    assert_eq!(opened.file.for_whom, WorksheetFor::Partner(Partner::A));
    // Only their own fields: none for the other partner, none for a joint answer.
    let b_name = opened.file.name_b.clone();
    assert!(h.query_by_label(&format!("{b_name}'s answer")).is_none());
    assert!(h.query_by_label("Your answer together").is_none());
    let label = format!("{name}'s answer");
    let first = h
        .get_all_by_role_and_label(Role::MultilineTextInput, &label)
        .next()
        .expect("a field for them");
    first.focus();
    h.run();
    h.get_all_by_role_and_label(Role::MultilineTextInput, &label)
        .next()
        .expect("field")
        .type_text(CANARY);
    h.run();
    assert!(h.query_by_label("Unsaved changes").is_some());
    // Both of their ratings: 7 on each scale.
    let sevens = h.get_all_by_label("7").count();
    assert_eq!(sevens, 2, "two scales, for this partner alone");
    for i in 0..sevens {
        h.get_all_by_label("7").nth(i).expect("a 7").click();
        h.run();
    }
    h.get_by_label("Save my answers").click();
    h.run();
    wait_for_save(&mut h);
    let status = h.state().state.status.clone().expect("saved");
    assert!(
        !status.is_error && status.text.contains("Saved"),
        "{status:?}"
    );
    assert!(h.query_by_label("Unsaved changes").is_none());
    drop(h);

    // The file on disk holds the answer, sealed with the same passphrase.
    let read = read_take_home(&file, &SecretString::from(SHEET_PASS.to_string())).expect("reads");
    assert!(read.filled_at.is_some());
    assert!(
        matches!(read.answers.get("appreciations"), Some(Answer::Text(t))
        if t.get(&Respondent::Partner(Partner::A)).is_some_and(|s| s == CANARY))
    );
    assert!(
        !std::fs::read(&file)
            .expect("bytes")
            .windows(CANARY.len())
            .any(|w| w == CANARY.as_bytes()),
        "sealed, not plain"
    );

    // Back at the practice: imported as a new session of that couple.
    let printed = ok(&tandem(
        &vault,
        &[
            "import-worksheet",
            file.to_str().expect("path"),
            "--couple",
            &cleared[0],
        ],
    ));
    assert!(
        printed.contains("imported the weekly-check-in worksheet"),
        "{printed}"
    );
    assert_eq!(session_count(&vault), before + 1);
    let id = printed.split_whitespace().last().expect("id");
    let dumped = ok(&tandem(&vault, &["dump", "session", id]));
    assert!(dumped.contains(CANARY));
    assert!(dumped.contains("take_home: Some("));

    // The same file twice: refused, nothing added.
    let error = refused(&tandem(
        &vault,
        &[
            "import-worksheet",
            file.to_str().expect("path"),
            "--couple",
            &cleared[0],
        ],
    ));
    assert!(error.contains("already brought back"), "{error}");
    assert_eq!(session_count(&vault), before + 1);
    let audit = ok(&tandem(&vault, &["audit"]));
    assert!(audit.contains("issue worksheet") && audit.contains("import worksheet"));
    assert!(audit.contains("refused: already imported"));
    assert!(!audit.contains(CANARY));
    ok(&tandem(&vault, &["verify"]));
}

/// A protocol with a unique canary in every place a partner's take-home file must not
/// carry: the therapist's instructions, a gate's statement, the summary and source, the
/// other partner's private step, a clinician-only step and a scale's scoring flag.
const CANARY_TEMPLATE: &str = r#"(
    format: 1,
    id: "canary-check-in",
    title: "Canary check-in",
    summary: "CANARY-SUMMARY-FOR-THE-THERAPIST",
    source: "CANARY-SOURCE-NOTES",
    requires: [BothScreened, JointWorkCleared],
    steps: [
        (
            id: "mine",
            title: "Something for each of you",
            therapist: "CANARY-THERAPIST-INSTRUCTIONS",
            prompts: ["OWN-STEP-PROMPT: write one sentence."],
            gates: [Confirm("CANARY-GATE-STATEMENT")],
            kind: Text(respondents: Each),
        ),
        (
            id: "theirs",
            title: "CANARY-OTHER-READER-TITLE",
            therapist: "CANARY-OTHER-READER-THERAPIST",
            prompts: ["CANARY-OTHER-READER-PROMPT"],
            visibility: PartnerPrivate,
            kind: Text(respondents: Role(PartnerB), stems: ["CANARY-OTHER-READER-STEM"]),
        ),
        (
            id: "clinician",
            title: "CANARY-CLINICIAN-ONLY-TITLE",
            therapist: "CANARY-CLINICIAN-ONLY-TEXT",
            visibility: ClinicianOnly,
            kind: Text(respondents: Clinician),
        ),
        (
            id: "scale",
            title: "How it is going",
            therapist: "CANARY-SCALE-THERAPIST",
            prompts: ["OWN-SCALE-PROMPT"],
            kind: Rating(
                items: [(id: "going", label: "How it is going", min: 0, max: 4)],
                scoring: Sum(cutoff: 2.0, flag: "CANARY-SCORING-FLAG"),
            ),
        ),
    ],
)"#;

#[test]
fn an_issued_file_opened_with_age_and_the_passphrase_holds_no_therapist_text_and_no_other_readers_step()
 {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path(), "vault");
    let (cleared, _) = couples(&vault);
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).expect("folder");
    std::fs::write(templates.join("canary-check-in.ron"), CANARY_TEMPLATE).expect("write");
    let file = dir.path().join("a.tandem-worksheet");
    let printed = ok(&tandem(
        &vault,
        &[
            "worksheet",
            "canary-check-in",
            "--take-home",
            "--templates",
            templates.to_str().expect("path"),
            "--couple",
            &cleared[0],
            "--audience",
            "partner-a",
            "-o",
            file.to_str().expect("path"),
            "--kdf-log-n",
            "10",
        ],
    ));
    assert!(printed.contains("wrote take-home worksheet"), "{printed}");

    // What the couple can read with any age tool and the passphrase they were given.
    let sealed = std::fs::read(&file).expect("read");
    let decryptor = age::Decryptor::new_buffered(&sealed[..]).expect("an age file");
    let identity =
        age::scrypt::Identity::new(age::secrecy::SecretString::from(SHEET_PASS.to_string()));
    let mut plain = String::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .expect("the passphrase opens it")
        .read_to_string(&mut plain)
        .expect("text");
    assert!(plain.contains("OWN-STEP-PROMPT"), "their own step is there");
    assert!(
        plain.contains("OWN-SCALE-PROMPT"),
        "their own scale is there"
    );
    assert!(
        !plain.contains("CANARY"),
        "therapist text or another reader's step in the file: {plain}"
    );

    // The worksheet still fills in and comes back, checked against the vault's own copy.
    let secret = SecretString::from(SHEET_PASS.to_string());
    let mut content = read_take_home(&file, &secret).expect("opens");
    content.answers.insert(
        "mine".into(),
        Answer::Text([(Respondent::Partner(Partner::A), CANARY.to_string())].into()),
    );
    write_take_home(&file, &content, &secret, 10).expect("write");
    let printed = ok(&tandem(
        &vault,
        &[
            "import-worksheet",
            file.to_str().expect("path"),
            "--couple",
            &cleared[0],
        ],
    ));
    assert!(
        printed.contains("imported the canary-check-in worksheet"),
        "{printed}"
    );
    let id = printed.split_whitespace().last().expect("id");
    assert!(ok(&tandem(&vault, &["dump", "session", id])).contains(CANARY));
}

#[test]
fn the_fill_window_saves_on_its_own_after_a_short_wait_and_on_closing() {
    use tandem::app::fill::{AUTOSAVE_SECS, FillState};
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path(), "vault");
    let (cleared, _) = couples(&vault);
    let file = dir.path().join("w.tandem-worksheet");
    issue(&vault, &cleared[0], "partner-b", &file);
    let secret = SecretString::from(SHEET_PASS.to_string());
    let mut state = FillState::new(
        FillConfig {
            path: file.clone(),
            passphrase: Some(secret.clone()),
            log_n: 10,
        },
        chrono::Utc::now(),
    );
    let write = |state: &mut FillState, text: &str| {
        state.opened.as_mut().expect("opened").file.answers.insert(
            "feel-loved".into(),
            Answer::Text([(Respondent::Partner(Partner::B), text.to_string())].into()),
        );
    };
    let on_disk = || match read_take_home(&file, &secret)
        .expect("reads")
        .answers
        .get("feel-loved")
    {
        Some(Answer::Text(t)) => t.get(&Respondent::Partner(Partner::B)).cloned(),
        _ => None,
    };
    let t0 = chrono::Utc::now();
    write(&mut state, "FIRST-DRAFT");
    state.logic(t0);
    assert!(!state.is_saving(), "not at once: typing goes on");
    state.logic(t0 + chrono::Duration::seconds(AUTOSAVE_SECS - 1));
    assert!(!state.is_saving());
    state.logic(t0 + chrono::Duration::seconds(AUTOSAVE_SECS));
    assert!(
        state.is_saving(),
        "saved on its own once changes have waited"
    );
    while state.is_saving() {
        std::thread::sleep(std::time::Duration::from_millis(10));
        state.logic(t0 + chrono::Duration::seconds(AUTOSAVE_SECS));
    }
    assert_eq!(on_disk().as_deref(), Some("FIRST-DRAFT"));
    // Closing the window with a change not yet saved writes it before it goes.
    write(&mut state, "SECOND-DRAFT");
    assert!(state.save_and_wait(chrono::Utc::now()));
    assert_eq!(on_disk().as_deref(), Some("SECOND-DRAFT"));
}

#[test]
fn an_altered_foreign_or_misdirected_worksheet_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path(), "vault");
    let other_practice = demo_vault(dir.path(), "other");
    let (cleared, _) = couples(&vault);
    let file = dir.path().join("w.tandem-worksheet");
    issue(&vault, &cleared[0], "couple", &file);
    let before = session_count(&vault);
    let import = |path: &Path, couple: &str| {
        refused(&tandem(
            &vault,
            &[
                "import-worksheet",
                path.to_str().expect("path"),
                "--couple",
                couple,
            ],
        ))
    };

    // A byte changed on the way: the encryption notices.
    let mut bytes = std::fs::read(&file).expect("read");
    let at = bytes.len() - 10;
    bytes[at] ^= 0x01;
    let flipped = dir.path().join("flipped.tandem-worksheet");
    std::fs::write(&flipped, &bytes).expect("write");
    assert!(import(&flipped, &cleared[0]).contains("damaged or was altered"));

    // Opened with the passphrase and changed: another protocol slipped in.
    let secret = SecretString::from(SHEET_PASS.to_string());
    let mut content = read_take_home(&file, &secret).expect("opens");
    content.template_source = content
        .template_source
        .replace("feel-loved", "feel-loved-2");
    let edited = dir.path().join("edited.tandem-worksheet");
    write_take_home(&edited, &content, &secret, 10).expect("write");
    let error = import(&edited, &cleared[0]);
    assert!(error.contains("altered outside Tandem"), "{error}");

    // Opened and given answers for a step it never had (the therapist's own).
    let mut content = read_take_home(&file, &secret).expect("opens");
    content.answers.insert(
        "next-meeting".into(),
        Answer::Text([(Respondent::Clinician, "x".to_string())].into()),
    );
    write_take_home(&edited, &content, &secret, 10).expect("write");
    assert!(import(&edited, &cleared[0]).contains("altered outside Tandem"));

    // Issued by another practice.
    let (other_couples, _) = couples(&other_practice);
    let foreign = dir.path().join("foreign.tandem-worksheet");
    issue(&other_practice, &other_couples[0], "couple", &foreign);
    assert!(import(&foreign, &cleared[0]).contains("not issued by this practice"));

    // For another couple of this practice, and with the wrong passphrase.
    assert!(import(&file, &cleared[1]).contains("issued for another couple"));
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(&vault)
        .args([
            "import-worksheet",
            file.to_str().expect("path"),
            "--couple",
            &cleared[0],
        ])
        .env("TANDEM_PASSPHRASE", PASS)
        .env("TANDEM_WORKSHEET_PASSPHRASE", "wrong passphrase")
        .output()
        .expect("runs");
    assert!(refused(&out).contains("not this worksheet's passphrase"));

    // Nothing was added or changed, and the genuine file still imports (nothing was
    // filled in on it, so only with --empty-ok).
    assert_eq!(session_count(&vault), before);
    ok(&tandem(&vault, &["verify"]));
    ok(&tandem(
        &vault,
        &[
            "import-worksheet",
            file.to_str().expect("path"),
            "--couple",
            &cleared[0],
            "--empty-ok",
        ],
    ));
    assert_eq!(session_count(&vault), before + 1);
}

/// A new couple, added the way `tandem import` adds one: no safety screens yet.
fn new_couple(vault: &Path, dir: &Path, like: &str) -> String {
    let dumped = ok(&tandem(vault, &["dump", "couple", like]));
    let id = uuid::Uuid::now_v7().to_string();
    let file = dir.join("couple.ron");
    std::fs::write(&file, dumped.replace(like, &id).replace("C-01", "C-09")).expect("write");
    ok(&tandem(vault, &["import", file.to_str().expect("path")]));
    id
}

#[test]
fn a_locked_couple_gets_no_joint_worksheet_and_no_one_gets_the_safety_screen() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path(), "vault");
    let (cleared, _) = couples(&vault);
    let unscreened = new_couple(&vault, dir.path(), &cleared[0]);
    let (_, locked) = couples(&vault);
    assert_eq!(locked, std::slice::from_ref(&unscreened));
    let out = dir.path().join("x.tandem-worksheet");
    let path = out.to_str().expect("path");
    let error = refused(&tandem(
        &vault,
        &[
            "worksheet",
            "weekly-check-in",
            "--take-home",
            "--couple",
            &unscreened,
            "-o",
            path,
            "--kdf-log-n",
            "10",
        ],
    ));
    assert!(error.contains("locked for this couple"), "{error}");
    // A protocol without a safety requirement may go home with them.
    ok(&tandem(
        &vault,
        &[
            "worksheet",
            "session-measures",
            "--take-home",
            "--couple",
            &unscreened,
            "--audience",
            "partner-b",
            "-o",
            path,
            "--kdf-log-n",
            "10",
        ],
    ));
    std::fs::remove_file(&out).expect("remove");
    let error = refused(&tandem(
        &vault,
        &[
            "worksheet",
            "safety-screen",
            "--take-home",
            "--audience",
            "partner-a",
            "-o",
            path,
            "--kdf-log-n",
            "10",
        ],
    ));
    assert!(error.contains("never as a take-home worksheet"), "{error}");
    let error = refused(&tandem(
        &vault,
        &[
            "worksheet",
            "weekly-check-in",
            "--take-home",
            "--audience",
            "clinician",
            "-o",
            path,
        ],
    ));
    assert!(error.contains("for the couple or one partner"), "{error}");
    assert!(!out.exists(), "nothing written");
}

// ---------------------------------------------------------------------------------------
// The same from the app

/// The take-home dialog's fields (it must be open).
fn dialog(h: &Harness<'_, TandemApp>) -> tandem::app::takehome::TakeHomeDraft {
    match &h.state().state.overlay {
        tandem::app::Overlay::TakeHome(draft) => draft.clone(),
        other => panic!("the take-home dialog is not open: {other:?}"),
    }
}

/// "Take-home worksheets… > Bring one back" with the file and its passphrase; the status
/// line once the import is done.
fn bring_back(h: &mut Harness<'_, TandemApp>, file: &Path) -> (String, bool) {
    import_in_dialog(h, file);
    // A refusal is said in the dialog, beside what was typed; success in the status line.
    match h
        .state()
        .state
        .error_at(tandem::app::command::ErrorPlace::TakeHomeDialog)
    {
        Some(error) => (error.to_string(), true),
        None => status(h),
    }
}

/// "Take-home worksheets… > Bring one back" with the file and its passphrase, until the
/// file is opened and checked.
fn import_in_dialog(h: &mut Harness<'_, TandemApp>, file: &Path) {
    click(h, "Take-home worksheets…");
    click(h, "Bring one back");
    type_into(
        h,
        Role::TextInput,
        "Worksheet file",
        &file.display().to_string(),
    );
    type_into(h, Role::PasswordInput, "Its passphrase", SHEET_PASS);
    click(h, "Import worksheet");
    settle(h);
}

fn status(h: &Harness<'_, TandemApp>) -> (String, bool) {
    common::status(h).expect("status")
}

#[test]
fn the_couple_page_issues_a_worksheet_and_brings_the_filled_one_back() {
    let dir = tempfile::tempdir().expect("temp");
    let mut h = demo_app();
    click(&mut h, "C-0101  Maya Okafor & Daniel Reyes");
    click(&mut h, "Take-home worksheets…");
    let title = h
        .state()
        .state
        .practice
        .as_ref()
        .expect("unlocked")
        .library()
        .get("weekly-check-in")
        .expect("template")
        .title
        .clone();
    h.get_by_role_and_label(Role::RadioButton, &title).click();
    h.run();
    assert_eq!(dialog(&h).template.as_deref(), Some("weekly-check-in"));
    // The reader is chosen every time: nothing is written before.
    assert!(dialog(&h).for_whom.is_none());
    click(
        &mut h,
        "Daniel Reyes alone (shared items and their own private ones)",
    );
    type_into(
        &mut h,
        Role::TextInput,
        "Passphrase for the couple",
        SHEET_PASS,
    );
    // Replace the offered folder with ours, as a person would: select all, type.
    h.get_by_role_and_label(Role::TextInput, "Folder").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Folder")
        .type_text(&dir.path().display().to_string());
    h.run();
    assert_eq!(dialog(&h).folder, dir.path().display().to_string());
    // A web page is offered first; this couple has Tandem.
    assert!(dialog(&h).page);
    click(
        &mut h,
        "A worksheet file, for couples who have Tandem (tandem fill)",
    );
    click(&mut h, "Write worksheet file");
    settle(&mut h);
    let (text, is_error) = status(&h);
    assert!(!is_error && text.contains("Worksheet written"), "{text}");
    assert!(
        !matches!(h.state().state.overlay, tandem::app::Overlay::TakeHome(_)),
        "dialog closed"
    );
    let file = std::fs::read_dir(dir.path())
        .expect("folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tandem-worksheet"))
        .expect("a worksheet file");
    assert!(
        file.file_name()
            .expect("name")
            .to_string_lossy()
            .contains("weekly-check-in-b")
    );

    // Daniel fills it in at home.
    let secret = SecretString::from(SHEET_PASS.to_string());
    let mut content = read_take_home(&file, &secret).expect("opens");
    assert_eq!(content.name_b, "Daniel Reyes");
    content.answers.insert(
        "feel-loved".into(),
        Answer::Text([(Respondent::Partner(Partner::B), CANARY.to_string())].into()),
    );
    write_take_home(&file, &content, &secret, 10).expect("write");

    // Back in the practice.
    let sessions_before = h
        .state()
        .state
        .couple
        .as_ref()
        .expect("couple")
        .sessions
        .len();
    let (text, is_error) = bring_back(&mut h, &file);
    assert!(!is_error && text.contains("Imported"), "{text}");
    let view = h.state().state.couple.as_ref().expect("couple");
    assert_eq!(view.sessions.len(), sessions_before + 1);
    let session = view
        .sessions
        .iter()
        .find(|s| s.take_home.is_some())
        .expect("the take-home session")
        .clone();
    assert!(format!("{:?}", session.steps).contains(CANARY));
    assert!(h.query_by_label(&format!("{title} (take-home)")).is_some());
    // On disk, in the vault.
    let practice = h.state().state.practice.as_ref().expect("open");
    let RecordBody::Session(saved) = practice
        .vault()
        .load(RecordKind::Session, session.id.0)
        .expect("saved")
    else {
        panic!("not a session")
    };
    assert_eq!(saved, session);
    // Daniel's session note says where it came from and claims no time spent.
    let couple = view.couple.clone();
    let template = practice.library().get("weekly-check-in").cloned();
    let note = tandem::export::session_report(
        tandem::export::SessionDocument::Note,
        &saved,
        &couple,
        template.as_ref(),
        tandem::model::Audience::Partner(Partner::B),
        &tandem::export::Context {
            practice: "Test practice".into(),
            now: chrono::Utc::now(),
            zone: tandem::export::Zone::Local,
            resources: Vec::new(),
            dates: Default::default(),
        },
    )
    .expect("a note")
    .plain_text();
    // Partner B's own summary: filled in at home, with what they wrote.
    assert!(note.contains("You filled this in at home"), "{note}");
    assert!(note.contains(CANARY));
    assert!(!note.contains(" min"), "no time spent is claimed: {note}");
    assert!(saved.steps.iter().all(|s| s.active_secs == 0));

    // Importing it again is refused and shown, and nothing else changes.
    let (text, is_error) = bring_back(&mut h, &file);
    assert!(is_error && text.contains("already brought back"), "{text}");
}

#[test]
fn a_worksheet_with_nothing_filled_in_is_added_only_with_empty_ok() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path(), "vault");
    let (cleared, _) = couples(&vault);
    let file = dir.path().join("blank.tandem-worksheet");
    issue(&vault, &cleared[0], "partner-b", &file);
    // Opened at home, a field touched and left blank, saved: nothing is an answer.
    let secret = SecretString::from(SHEET_PASS.to_string());
    let mut content = read_take_home(&file, &secret).expect("opens");
    content.answers.insert(
        "feel-loved".into(),
        Answer::Text([(Respondent::Partner(Partner::B), "   ".to_string())].into()),
    );
    write_take_home(&file, &content, &secret, 10).expect("write");
    let before = session_count(&vault);
    let path = file.to_str().expect("path");
    let error = refused(&tandem(
        &vault,
        &["import-worksheet", path, "--couple", &cleared[0]],
    ));
    assert!(
        error.contains("nothing was filled in") && error.contains("--empty-ok"),
        "{error}"
    );
    assert_eq!(session_count(&vault), before, "nothing added");
    let printed = ok(&tandem(
        &vault,
        &[
            "import-worksheet",
            path,
            "--couple",
            &cleared[0],
            "--empty-ok",
        ],
    ));
    assert!(
        printed.contains("imported the weekly-check-in worksheet"),
        "{printed}"
    );
    assert_eq!(session_count(&vault), before + 1);
    let audit = ok(&tandem(&vault, &["audit"]));
    assert!(audit.contains("refused: nothing filled in"), "{audit}");
    assert!(audit.contains("imported (nothing filled in)"), "{audit}");
}

#[test]
fn the_app_asks_before_adding_a_worksheet_with_nothing_filled_in() {
    let dir = tempfile::tempdir().expect("temp");
    let mut h = demo_app();
    click(&mut h, "C-0101  Maya Okafor & Daniel Reyes");
    let file = dir.path().join("blank.tandem-worksheet");
    {
        let state = &mut h.state_mut().state;
        let record = state.couple.clone().expect("the couple's page");
        let practice = state.practice.as_mut().expect("unlocked");
        let template = practice
            .library()
            .get("weekly-check-in")
            .expect("template")
            .clone();
        practice
            .issue_worksheet(
                &tandem::practice::takehome::IssueRequest {
                    form: Default::default(),
                    template: &template,
                    for_whom: WorksheetFor::Couple,
                    bindings: Default::default(),
                    couple: Some((&record.couple, &record.sessions)),
                    passphrase: &SecretString::from(SHEET_PASS.to_string()),
                },
                &file,
                10,
                chrono::Utc::now(),
            )
            .expect("issued");
    }
    let sessions = |h: &Harness<'_, TandemApp>| {
        h.state()
            .state
            .couple
            .as_ref()
            .expect("couple")
            .sessions
            .len()
    };
    let before = sessions(&h);
    import_in_dialog(&mut h, &file);
    // Not added: the dialog asks, the way out first.
    assert_eq!(sessions(&h), before);
    assert!(dialog(&h).empty.is_some());
    assert!(
        h.query_by_label("Nothing was filled in on this worksheet.")
            .is_some()
    );
    click(&mut h, "Leave it out");
    assert_eq!(sessions(&h), before);
    assert!(dialog(&h).empty.is_none());
    // Asked again, and this time added.
    click(&mut h, "Close");
    import_in_dialog(&mut h, &file);
    click(&mut h, "Add the empty worksheet");
    settle(&mut h);
    assert_eq!(sessions(&h), before + 1);
    let (text, is_error) = status(&h);
    assert!(!is_error && text.contains("Imported"), "{text}");
}

#[test]
fn fill_names_a_missing_file_instead_of_opening_an_empty_window() {
    let dir = tempfile::tempdir().expect("temp");
    let missing = dir.path().join("nowhere.tandem-worksheet");
    let error = refused(&tandem(
        &dir.path().join("vault"),
        &["fill", missing.to_str().expect("path")],
    ));
    assert!(error.contains("no worksheet file at"), "{error}");
    #[cfg(unix)]
    {
        let pipe = dir.path().join("pipe.tandem-worksheet");
        let made = Command::new("mkfifo").arg(&pipe).status().expect("mkfifo");
        assert!(made.success());
        let error = refused(&tandem(
            &dir.path().join("vault"),
            &["fill", pipe.to_str().expect("path")],
        ));
        assert!(
            error.contains("the worksheet file must be a regular file, and this is a named pipe"),
            "{error}"
        );
    }
}

#[cfg(unix)]
#[test]
fn the_fill_window_refuses_a_named_pipe_by_name_without_waiting_on_it() {
    let dir = tempfile::tempdir().expect("temp");
    let pipe = dir.path().join("w.tandem-worksheet");
    let made = Command::new("mkfifo").arg(&pipe).status().expect("mkfifo");
    assert!(made.success());
    let mut h = fill_window(&pipe);
    type_into(&mut h, Role::PasswordInput, "Passphrase", SHEET_PASS);
    h.get_by_label("Open worksheet").click();
    // Fails the test if opening waits on the pipe (it once hung here for ever).
    wait_for_save(&mut h);
    assert!(h.state().state.opened.is_none());
    let status = h.state().state.status.clone().expect("status");
    assert!(status.is_error, "{status:?}");
    assert!(
        status.text.contains(&format!(
            "the worksheet file must be a regular file, and this is a named pipe: {}",
            pipe.display()
        )),
        "{status:?}"
    );
}
