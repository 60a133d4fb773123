//! What the integration tests share: the app driven through egui_kittest like a person
//! drives it (find by label, click, type, wait for background work), the `tandem`
//! binary run on a vault, and the one "each reader sees only theirs" assertion.
//!
//! Each test binary uses part of this, so unused items are expected here.
#![allow(dead_code)]

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable, by};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;
use tandem::app::{AppConfig, TandemApp};
use tandem::model::{Audience, Session};

/// The vault passphrase the command-line tests use.
pub const PASS: &str = "correct horse battery";

/// The first demo couple, as the couples list shows it.
pub const MAYA: &str = "C-0101  Maya Okafor & Daniel Reyes";

/// The app on the demo practice, in a window of `size`.
pub fn demo_app_sized(size: egui::Vec2) -> Harness<'static, TandemApp> {
    let config = AppConfig {
        vault_root: None,
        demo: true,
        kdf_log_n: 10,
        open_worksheet: None,
    };
    let mut harness = Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| TandemApp::new(cc, config.clone()));
    harness.run();
    harness
}

/// The app on the demo practice, in a window tall enough to show a whole step.
pub fn demo_app() -> Harness<'static, TandemApp> {
    demo_app_sized(egui::vec2(1400.0, 1300.0))
}

/// Click the widget with this label, and let the frame apply it.
pub fn click<S>(h: &mut Harness<'_, S>, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

/// Focus the field of this role and label, and type into it.
pub fn type_into<S>(h: &mut Harness<'_, S>, role: Role, label: &str, text: &str) {
    h.get_by_role_and_label(role, label).focus();
    h.run();
    h.get_by_role_and_label(role, label).type_text(text);
    h.run();
}

/// Replace the text of a single-line field found by its label, as a person does: select
/// all, type.
pub fn replace_field<S>(h: &mut Harness<'_, S>, label: &str, text: &str) {
    h.get_by_role_and_label(Role::TextInput, label).focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_role_and_label(Role::TextInput, label)
        .type_text(text);
    h.run();
}

/// Type into a multi-line field.
pub fn type_multiline<S>(h: &mut Harness<'_, S>, label: &str, text: &str) {
    type_into(h, Role::MultilineTextInput, label, text);
}

/// Run frames until the app has nothing running off the UI thread (an unlock, an
/// export, a worksheet file, a passphrase check).
pub fn settle(h: &mut Harness<'_, TandemApp>) {
    for _ in 0..1000 {
        h.run();
        if !h.state().state.is_busy() {
            h.run();
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("background work did not finish");
}

/// Type the passphrase on the lock screen and unlock (waiting for the unlock).
pub fn unlock(h: &mut Harness<'_, TandemApp>, passphrase: &str) {
    type_into(h, Role::PasswordInput, "Passphrase", passphrase);
    click(h, "Unlock");
    settle(h);
}

/// The status line: its text, and whether it is an error.
pub fn status(h: &Harness<'_, TandemApp>) -> Option<(String, bool)> {
    h.state()
        .state
        .status
        .as_ref()
        .map(|s| (s.text.clone(), s.is_error))
}

/// The protocol picker's label for a template.
pub fn template_label(h: &Harness<'_, TandemApp>, id: &str) -> String {
    let practice = h.state().state.practice.as_ref().expect("unlocked");
    let t = practice.library().get(id).unwrap_or_else(|| {
        panic!(
            "no protocol {id} in the practice's library: own {:?}, errors {:?}",
            practice.library().own,
            practice.library().errors
        )
    });
    let own = if practice.library().is_own(id) {
        "  ·\u{a0}practice's own"
    } else {
        ""
    };
    format!("{}  ·\u{a0}{}\u{a0}min{own}", t.title, t.length_mins)
}

/// Open the first demo couple and start a protocol by its id.
pub fn start(h: &mut Harness<'_, TandemApp>, template_id: &str) {
    click(h, MAYA);
    click(h, "New session");
    let label = template_label(h, template_id);
    click(h, &label);
    click(h, "Start session");
    assert!(h.state().state.live.is_some(), "{:?}", status(h));
}

/// The running session as it is now.
pub fn live_session(h: &Harness<'_, TandemApp>) -> Session {
    h.state()
        .state
        .live
        .as_ref()
        .expect("live")
        .runner
        .session()
        .clone()
}

/// The passphrase the take-home tests give couples for their worksheets.
pub const SHEET_PASS: &str = "kitchen table talk";

/// `tandem --vault VAULT ARGS…` with the vault's passphrase and the worksheet's
/// (`SHEET_PASS`) in the environment.
pub fn tandem_with_sheet(vault: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("TANDEM_PASSPHRASE", PASS)
        .env("TANDEM_WORKSHEET_PASSPHRASE", SHEET_PASS)
        .output()
        .expect("tandem runs")
}

/// What a command that must succeed printed.
pub fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// A practice's couples: those cleared for joint work, then the others.
pub fn couples_by_clearance(
    vault: &Path,
) -> (Vec<tandem::model::Couple>, Vec<tandem::model::Couple>) {
    let secret = secrecy::SecretString::from(PASS.to_string());
    let v = tandem::vault::Vault::open(vault, Some(&secret), tandem::vault::Access::ReadOnly)
        .expect("opens");
    let scan = v.scan().expect("scan");
    scan.couples.iter().cloned().partition(|couple| {
        let (sessions, _) = v.couple_sessions(&scan.sessions, couple.id);
        tandem::runner::facts::safety_status(&sessions).joint_work_cleared()
    })
}

/// Whether any label or field value on screen contains `needle`.
pub fn on_screen<S>(h: &Harness<'_, S>, needle: &str) -> bool {
    h.query_all(by().predicate(|node| {
        node.label().is_some_and(|l| l.contains(needle))
            || node.value().is_some_and(|v| v.contains(needle))
    }))
    .next()
    .is_some()
}

/// Run the `tandem` binary on `vault` (if any) with the test passphrase.
pub fn tandem(vault: Option<&Path>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tandem"));
    command.env_remove("TANDEM_VAULT");
    if let Some(vault) = vault {
        command.arg("--vault").arg(vault);
    }
    command
        .args(args)
        .env("TANDEM_PASSPHRASE", PASS)
        .output()
        .expect("tandem runs")
}

/// Bytes as text, for output and PDFs read back.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The words of a PDF on disk, as printpdf's text extraction reads them, one space apart.
pub fn pdf_words(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("the PDF was written");
    assert!(bytes.starts_with(b"%PDF-"));
    let doc = printpdf::PdfDocument::parse(&bytes, &Default::default(), &mut Vec::new())
        .expect("the PDF parses");
    doc.extract_text()
        .iter()
        .flatten()
        .flat_map(|l| l.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Say that a check did not run, where a plain `cargo test` shows it: written to the
/// process's stderr directly, since the test harness swallows what `eprintln!` prints
/// from a test that passes. CI installs every tool and sets `TANDEM_REQUIRE_*`, so there
/// a missing tool fails instead (see `.ci/run`).
pub fn skipped(what: &str, install: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED: {what} (install {install} to run it)"
    );
}

/// Run a PDF tool (`pdfinfo`, `pdftotext`, `qpdf`) on `bytes`, written to a temporary
/// file whose path stands where `{}` is in `args`: its output, or `None` when the tool is
/// not installed, said as skipped (`what`; install `package`). Where CI requires the PDF
/// tools (`TANDEM_REQUIRE_PDFTOTEXT`), a missing one fails instead.
pub fn pdf_tool(
    tool: &str,
    args: &[&str],
    bytes: &[u8],
    what: &str,
    package: &str,
) -> Option<Output> {
    if !have(tool) {
        assert!(
            std::env::var_os("TANDEM_REQUIRE_PDFTOTEXT").is_none(),
            "{tool} is required ({package})"
        );
        skipped(what, package);
        return None;
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).expect("the PDF is written");
    let args = args.iter().map(|a| {
        if *a == "{}" {
            path.as_os_str().to_owned()
        } else {
            std::ffi::OsString::from(a)
        }
    });
    Some(
        Command::new(tool)
            .args(args)
            .output()
            .expect("the tool runs"),
    )
}

/// Whether `tool` is on the PATH.
pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The text of every page of a PDF, as printpdf's reader extracts it (pages and lines one
/// line apart). Where poppler's pdftotext is installed, it reads the PDF a second time
/// and must find the same words.
pub fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let doc = printpdf::PdfDocument::parse(
        bytes,
        &printpdf::PdfParseOptions::default(),
        &mut Vec::new(),
    )
    .expect("the PDF parses");
    let pages = doc.extract_text();
    assert!(!pages.is_empty(), "the PDF has pages");
    let text = pages
        .iter()
        .map(|p| p.join("\n"))
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(other) = poppler_text(bytes) {
        assert_eq!(
            comparable_words(&other),
            comparable_words(&text),
            "pdftotext reads the PDF differently"
        );
    }
    text
}

/// The same PDF read by poppler's pdftotext, when it is installed (CI requires it).
fn poppler_text(bytes: &[u8]) -> Option<String> {
    static SKIPPED: std::sync::Once = std::sync::Once::new();
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).ok()?;
    let out = Command::new("pdftotext")
        .arg("-raw")
        .arg("-nopgbrk")
        .arg(&path)
        .arg("-")
        .output();
    match out {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => {
            assert!(
                std::env::var_os("TANDEM_REQUIRE_PDFTOTEXT").is_none(),
                "pdftotext is required (poppler-utils) but did not run"
            );
            SKIPPED.call_once(|| {
                skipped(
                    "reading every PDF a second time with pdftotext",
                    "poppler-utils",
                )
            });
            None
        }
    }
}

/// Words in order, with what the two readers may differ on (line breaks, right-to-left
/// runs, which pdftotext reads from the line's written text and printpdf from the joined
/// letters drawn) left out.
fn comparable_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| {
            !w.chars().any(|c| {
                ('\u{0590}'..='\u{08FF}').contains(&c)
                    || ('\u{FB1D}'..='\u{FDFF}').contains(&c)
                    || ('\u{FE70}'..='\u{FEFF}').contains(&c)
            })
        })
        .map(str::to_string)
        .collect()
}

/// Text with all whitespace as single spaces, so phrases match across line breaks.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A demo vault made with `tandem init --demo` in `dir/name`.
pub fn demo_vault(dir: &Path, name: &str) -> PathBuf {
    let vault = dir.join(name);
    let out = tandem(Some(&vault), &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    vault
}

/// Each reader's text holds each canary exactly when `may(reader, canary)` says that
/// reader may see it: nothing private reaches the wrong reader, and nothing a reader may
/// see is lost on the way.
pub fn assert_each_reader_sees_only_theirs(
    what: &str,
    texts: &[(Audience, String)],
    canaries: &[&str],
    may: impl Fn(Audience, &str) -> bool,
) {
    for (reader, shown) in texts {
        for canary in canaries {
            assert_eq!(
                shown.contains(canary),
                may(*reader, canary),
                "{what} for {reader}: {canary} {}",
                if may(*reader, canary) {
                    "is missing"
                } else {
                    "must not be there"
                }
            );
        }
    }
}

/// On a safety screen's yes/no step: answer every item "No" and confirm that the other
/// partner is out of earshot, as a therapist would with the partner alone.
pub fn answer_screen_no(h: &mut Harness<'_, TandemApp>) {
    let count = h.get_all_by_label("No").count();
    for i in 0..count {
        h.get_all_by_label("No")
            .nth(i)
            .expect("an item's No")
            .click_accesskit();
        h.run();
    }
    if let Some(confirm) = h.query_by_label_contains("I confirm:") {
        confirm.click_accesskit();
        h.run();
    }
}

/// The audit log's entries, read with the passphrase (the log is sealed).
pub fn audit_entries(
    root: &std::path::Path,
    passphrase: &str,
) -> Result<Vec<tandem::vault::audit::AuditEntry>, tandem::vault::VaultError> {
    tandem::vault::Vault::open(
        root,
        Some(&secrecy::SecretString::from(passphrase.to_string())),
        tandem::vault::Access::ReadOnly,
    )?
    .audit_entries()
}
