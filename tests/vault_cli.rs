//! The vault commands as a therapist or a script runs them.

mod common;

use common::PASS;
use std::path::Path;
use std::process::{Command, Output};

fn tandem(vault: &Path, args: &[&str]) -> Output {
    common::tandem(Some(vault), args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn demo_vault(dir: &Path) -> std::path::PathBuf {
    let vault = dir.join("vault");
    let out = tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).contains("added the demo practice"));
    vault
}

/// (code, id) of every couple listed.
fn couples(vault: &Path) -> Vec<(String, String)> {
    let out = tandem(vault, &["list", "couples"]);
    assert!(out.status.success());
    stdout(&out)
        .lines()
        .map(|l| {
            let mut parts = l.split_whitespace();
            (
                parts.next().unwrap_or_default().to_string(),
                parts.next().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn session_ids(vault: &Path) -> Vec<String> {
    let out = tandem(vault, &["list", "sessions"]);
    stdout(&out)
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .collect()
}

#[test]
fn init_demo_gives_a_practice_to_list() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let listed = couples(&vault);
    assert_eq!(listed.len(), 4);
    assert!(stdout(&tandem(&vault, &["list", "couples"])).contains("Maya Okafor & Daniel Reyes"));
    let sessions = stdout(&tandem(&vault, &["list", "sessions"]));
    assert!(sessions.contains("Safety screen before joint work"));
    assert!(sessions.contains("Intentional dialogue"));
    assert!(sessions.lines().count() >= 20);
    assert!(tandem(&vault, &["verify"]).status.success());
}

#[test]
fn a_dumped_record_imports_into_another_vault_and_import_never_overwrites() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let (_, couple_id) = couples(&vault).remove(0);
    let couple_text = stdout(&tandem(&vault, &["dump", "couple", &couple_id]));
    let couple_file = dir.path().join("couple.ron");
    std::fs::write(&couple_file, &couple_text).expect("write");

    let session_id = session_ids(&vault)
        .into_iter()
        .find(|id| stdout(&tandem(&vault, &["dump", "session", id])).contains(&couple_id))
        .expect("a session of that couple");
    let session_text = stdout(&tandem(&vault, &["dump", "session", &session_id]));
    let session_file = dir.path().join("session.ron");
    std::fs::write(&session_file, &session_text).expect("write");

    let other = dir.path().join("other");
    assert!(
        tandem(&other, &["init", "--kdf-log-n", "10"])
            .status
            .success()
    );
    let orphan = tandem(&other, &["import", &session_file.display().to_string()]);
    assert!(!orphan.status.success(), "a session needs its couple first");
    assert!(String::from_utf8_lossy(&orphan.stderr).contains("is not in this vault"));

    assert!(
        tandem(&other, &["import", &couple_file.display().to_string()])
            .status
            .success()
    );
    assert!(
        tandem(&other, &["import", &session_file.display().to_string()])
            .status
            .success()
    );
    assert_eq!(
        stdout(&tandem(&other, &["dump", "session", &session_id])),
        session_text
    );

    let again = tandem(&other, &["import", &couple_file.display().to_string()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
}

#[test]
fn import_refuses_a_broken_file_by_position_without_quoting_it() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let (_, couple_id) = couples(&vault).remove(0);
    let text = stdout(&tandem(&vault, &["dump", "couple", &couple_id]));
    let broken = text.replacen("created_on: \"", "created_on: \"SECRET-CANARY ", 1);
    let file = dir.path().join("broken.ron");
    std::fs::write(&file, broken).expect("write");
    let out = tandem(&vault, &["import", &file.display().to_string()]);
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(error.contains("broken.ron:"), "{error}");
    assert!(!error.contains("SECRET-CANARY"), "{error}");
}

#[test]
fn verify_exits_non_zero_on_damage_and_names_the_file() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let id = session_ids(&vault).remove(0);
    let file = vault.join("records/sessions").join(format!("{id}.age"));
    std::fs::write(&file, b"age-encryption.org/v1\nnonsense").expect("damage");
    let out = tandem(&vault, &["verify"]);
    assert!(!out.status.success());
    let report = stdout(&out);
    assert!(
        report.contains(&format!("sessions/{id}.age: damaged, moved to quarantine")),
        "{report}"
    );
    assert!(
        vault
            .join("quarantine")
            .join(format!("session-{id}.age"))
            .exists()
    );
    // The rest still lists.
    assert_eq!(couples(&vault).len(), 4);
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let file = dir.path().join("backup.age");
    let out = tandem(
        &vault,
        &[
            "backup",
            "-o",
            &file.display().to_string(),
            "--kdf-log-n",
            "10",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = dir.path().join("restored");
    let out = tandem(&restored, &["restore", &file.display().to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout(&tandem(&restored, &["list", "sessions"])),
        stdout(&tandem(&vault, &["list", "sessions"]))
    );
}

#[test]
fn a_wrong_passphrase_is_one_clear_line() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(&vault)
        .args(["list", "couples"])
        .env("TANDEM_PASSPHRASE", "not it at all")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "tandem: wrong passphrase"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn demo_generate_adds_synthetic_sessions() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = dir.path().join("vault");
    assert!(
        tandem(&vault, &["init", "--kdf-log-n", "10"])
            .status
            .success()
    );
    let out = tandem(&vault, &["demo", "--generate", "30"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(session_ids(&vault).len(), 30);
    assert_eq!(couples(&vault).len(), 3);
}

/// The documented recovery path: the standalone `age` CLI decrypts the key with the
/// passphrase, then any record with the key. Needs `age` and `expect` (CI installs
/// both; set TANDEM_REQUIRE_AGE_CLI=1 to fail rather than skip where they are missing).
#[test]
fn any_record_can_be_recovered_with_the_standalone_age_cli() {
    if !(common::have("age") && common::have("expect")) {
        assert!(
            std::env::var("TANDEM_REQUIRE_AGE_CLI").is_err(),
            "age and expect are required here"
        );
        common::skipped(
            "recovering a record with the standalone age CLI",
            "age and expect",
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let key = dir.path().join("key.txt");
    let script = format!(
        "set timeout 30\nspawn age -d -o {} {}\nexpect \"passphrase\"\nsend \"{PASS}\\r\"\nexpect eof\n",
        key.display(),
        vault.join("identity.age").display()
    );
    let status = Command::new("expect")
        .arg("-c")
        .arg(script)
        .output()
        .expect("expect");
    assert!(status.status.success());
    let (_, couple_id) = couples(&vault).remove(0);
    let record = vault
        .join("records/couples")
        .join(format!("{couple_id}.age"));
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg(&record)
        .output()
        .expect("age");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.starts_with("(format:1,"), "{text}");
    assert!(text.contains(&couple_id));
}

#[test]
fn the_audit_log_records_access_and_verify_detects_tampering() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let session = session_ids(&vault).remove(0);
    let pdf = dir.path().join("note.pdf");
    let out = tandem(
        &vault,
        &["export", "session", &session, "--audience", "couple", "-o"],
    );
    assert!(!out.status.success(), "no output file given");
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(&vault)
        .args(["export", "session", &session, "--audience", "couple", "-o"])
        .arg(&pdf)
        .env("TANDEM_PASSPHRASE", PASS)
        .output()
        .expect("tandem runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        tandem(&vault, &["dump", "session", &session])
            .status
            .success()
    );
    let wrong = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(&vault)
        .arg("verify")
        .env("TANDEM_PASSPHRASE", "not the passphrase")
        .output()
        .expect("tandem runs");
    assert!(!wrong.status.success());

    let log = stdout(&tandem(&vault, &["audit"]));
    let line_with = |action: &str| {
        log.lines()
            .find(|l| l.contains(action))
            .unwrap_or_else(|| panic!("no {action} entry in:\n{log}"))
            .to_string()
    };
    assert!(line_with("export ").contains(&session));
    assert!(line_with("export ").contains("note for the couple"));
    assert!(line_with("open ").contains(&session));
    line_with("unlock failed");
    // Ids and fixed words only: no partner name reaches the log.
    let raw = std::fs::read_to_string(tandem::vault::audit::segment_dir(&vault).join("audit.log"))
        .expect("log");
    for name in ["Maya", "Daniel", "Okafor"] {
        assert!(!raw.contains(name));
    }
    let ok = tandem(&vault, &["verify"]);
    assert!(ok.status.success(), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("chain intact"));

    // Edit one entry (sealed: one character of its second line changed).
    let edited: String = raw
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 1 {
                let mut bytes = l.as_bytes().to_vec();
                let at = bytes.len() / 2;
                bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
                String::from_utf8(bytes).expect("base64")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_ne!(edited, raw);
    std::fs::write(
        tandem::vault::audit::segment_dir(&vault).join("audit.log"),
        &edited,
    )
    .expect("write");
    let tampered = tandem(&vault, &["verify"]);
    assert!(!tampered.status.success());
    assert!(
        stdout(&tampered).contains("TAMPERED"),
        "{}",
        stdout(&tampered)
    );

    // Remove the last entries: the sealed head no longer matches.
    let cut: String = raw.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(
        tandem::vault::audit::segment_dir(&vault).join("audit.log"),
        cut,
    )
    .expect("write");
    let truncated = tandem(&vault, &["verify"]);
    assert!(!truncated.status.success());
    assert!(stdout(&truncated).contains("TAMPERED"));
}

/// The id of the first session listed with this title for this couple code.
fn session_of(vault: &Path, code: &str, title: &str) -> String {
    stdout(&tandem(vault, &["list", "sessions"]))
        .lines()
        .find(|l| l.contains(&format!("  {code}  {title}  ")))
        .and_then(|l| l.split_whitespace().last())
        .expect("a session with that title")
        .to_string()
}

/// Write `text` to a file in `dir` and `tandem import` it.
fn import_text(vault: &Path, dir: &Path, name: &str, text: &str) -> Output {
    let file = dir.join(name);
    std::fs::write(&file, text).expect("write");
    tandem(vault, &["import", &file.display().to_string()])
}

/// A progress note of `session`, as `tandem dump` prints one, finalized when `signed`.
fn note_text(id: &str, couple: &str, session: &str, signed: bool) -> String {
    let finalized = if signed {
        r#"Some((clinician: "Dr Elsewhere", at: "2026-10-30T09:00:00Z"))"#
    } else {
        "None"
    };
    format!(
        r#"Note((
    format: 1,
    id: ("{id}"),
    couple: ("{couple}"),
    session: ("{session}"),
    style: Soap,
    sections: [(heading: "Subjective", text: "NOTE-TEXT-CANARY-204")],
    created_at: "2026-10-30T08:00:00Z",
    updated_at: "2026-10-30T09:00:00Z",
    finalized: {finalized},
    amendments: [],
))"#
    )
}

#[test]
fn imports_that_bypass_the_gate_or_claim_a_signature_are_kept_flagged_logged_and_listed_by_verify()
{
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let (code, cleared) = couples(&vault).remove(0);
    // A couple new to this vault: no safety screen yet, so joint protocols are locked.
    let unscreened = uuid::Uuid::now_v7().to_string();
    let couple = stdout(&tandem(&vault, &["dump", "couple", &cleared]))
        .replace(&cleared, &unscreened)
        .replace(&code, "C-0999");
    let out = import_text(&vault, dir.path(), "couple.ron", &couple);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout(&out).contains("flagged"), "a couple claims nothing");

    // Their "weekly check-in", brought in from elsewhere: kept, and flagged.
    let check_in = session_of(&vault, &code, "Weekly check-in");
    let bypass = uuid::Uuid::now_v7().to_string();
    let dumped = stdout(&tandem(&vault, &["dump", "session", &check_in]));
    let out = import_text(
        &vault,
        dir.path(),
        "bypass.ron",
        &dumped
            .replace(&check_in, &bypass)
            .replace(&cleared, &unscreened),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("flagged (joint-work-not-cleared)"),
        "{}",
        stdout(&out)
    );
    // The same session for the couple it came from, whose gate was open: not flagged.
    let clean = uuid::Uuid::now_v7().to_string();
    let out = import_text(
        &vault,
        dir.path(),
        "clean.ron",
        &dumped.replace(&check_in, &clean),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout(&out).contains("flagged"), "{}", stdout(&out));
    // A safety screen recorded elsewhere opens the gate: flagged too.
    let screen = session_of(&vault, &code, "Safety screen before joint work");
    let elsewhere = uuid::Uuid::now_v7().to_string();
    let out = import_text(
        &vault,
        dir.path(),
        "screen.ron",
        &stdout(&tandem(&vault, &["dump", "session", &screen]))
            .replace(&screen, &elsewhere)
            .replace(&cleared, &unscreened),
    );
    assert!(
        stdout(&out).contains("flagged (screen-recorded-elsewhere)"),
        "{}",
        stdout(&out)
    );

    // A note that says it was finalized: the signature was not made here. A draft is not.
    let signed = uuid::Uuid::now_v7().to_string();
    let out = import_text(
        &vault,
        dir.path(),
        "signed.ron",
        &note_text(&signed, &unscreened, &bypass, true),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("flagged (signature-not-made-here)"),
        "{}",
        stdout(&out)
    );
    let draft = uuid::Uuid::now_v7().to_string();
    let out = import_text(
        &vault,
        dir.path(),
        "draft.ron",
        &note_text(&draft, &cleared, &clean, false),
    );
    assert!(!stdout(&out).contains("flagged"), "{}", stdout(&out));
    // Kept as brought in, nothing dropped.
    assert!(stdout(&tandem(&vault, &["dump", "note", &signed])).contains("Dr Elsewhere"));

    // `tandem verify` lists each flagged record, and still passes: flags are for review.
    let out = tandem(&vault, &["verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let verified = stdout(&out);
    assert!(
        verified.contains("flagged on import (3 records"),
        "{verified}"
    );
    for (id, flag) in [
        (&bypass, "joint-work-not-cleared"),
        (&elsewhere, "screen-recorded-elsewhere"),
        (&signed, "signature-not-made-here"),
    ] {
        assert!(
            verified
                .lines()
                .any(|l| l.contains(id.as_str()) && l.contains(flag) && l.contains("C-0999")),
            "{verified}"
        );
    }
    assert!(!verified.contains(&clean) && !verified.contains(&draft));
    assert!(!verified.contains("NOTE-TEXT-CANARY"));

    // The audit log names each import and the kind of flag, never what the note says.
    let audit = stdout(&tandem(&vault, &["audit"]));
    let line = |id: &str| {
        audit
            .lines()
            .find(|l| l.contains("import record") && l.contains(id))
            .unwrap_or_else(|| panic!("no import entry for {id}: {audit}"))
            .to_string()
    };
    assert!(line(&bypass).ends_with("session; flagged: joint-work-not-cleared"));
    assert!(line(&signed).ends_with("note; flagged: signature-not-made-here"));
    assert!(line(&clean).ends_with("session"));
    assert!(line(&unscreened).ends_with("couple"));
    assert!(!audit.contains("NOTE-TEXT-CANARY") && !audit.contains("Dr Elsewhere"));

    // The couple's page shows them.
    let secret = secrecy::SecretString::from(PASS.to_string());
    let mut practice = tandem::practice::Practice::open(
        tandem::practice::OpenRequest {
            root: vault.clone(),
            passphrase: Some(secret),
            want: tandem::practice::Want::ReadOnly,
            origin: "test",
            lists: true,
        },
        chrono::Utc::now(),
    )
    .expect("opens");
    let record = practice
        .open_couple(
            tandem::model::CoupleId(unscreened.parse().expect("uuid")),
            chrono::Utc::now(),
        )
        .expect("the couple's page");
    assert_eq!(record.flagged_count(), 3);
    assert_eq!(
        record.flags_of(bypass.parse().expect("uuid")),
        [tandem::practice::imports::ImportFlag::JointWorkNotCleared]
    );
}

// Inputs that are not regular files (issue 16): refused at once, by name, never read.

/// Run `tandem` with these arguments and environment, and wait at most `limit` for it: a
/// hang is a failure of its own (the child is killed), not a stuck test run.
fn tandem_within(
    limit: std::time::Duration,
    vault: Option<&Path>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    use std::process::Stdio;
    let mut command = Command::new(env!("CARGO_BIN_EXE_tandem"));
    command.env_remove("TANDEM_VAULT");
    if let Some(vault) = vault {
        command.arg("--vault").arg(vault);
    }
    command
        .args(args)
        .env("TANDEM_PASSPHRASE", PASS)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("tandem runs");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tandem {args:?} was still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[cfg(unix)]
fn fifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(made.success());
}

const HANG_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

#[cfg(unix)]
#[test]
fn importing_dev_zero_fails_at_once_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let started = std::time::Instant::now();
    let out = tandem_within(HANG_LIMIT, Some(&vault), &["import", "/dev/zero"], &[]);
    let elapsed = started.elapsed();
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        "tandem: the record file must be a regular file, and this is a device: /dev/zero"
    );
    // Refused before a byte is read (it once read 64 MiB, and before that 23.9 GB).
    assert!(elapsed < std::time::Duration::from_secs(1), "{elapsed:?}");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_refused_by_import_import_worksheet_and_restore_without_waiting() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let (_, couple) = couples(&vault).remove(0);
    let pipe = dir.path().join("session.ron");
    fifo(&pipe);
    let shown = pipe.display().to_string();
    let restored = dir.path().join("restored");
    let cases: [(&str, Option<&Path>, Vec<&str>, &str); 3] = [
        (
            "import",
            Some(&vault),
            vec!["import", &shown],
            "record file",
        ),
        (
            "import-worksheet",
            Some(&vault),
            vec!["import-worksheet", &shown, "--couple", &couple],
            "worksheet file",
        ),
        (
            "restore",
            Some(&restored),
            vec!["restore", &shown],
            "backup",
        ),
    ];
    for (name, at, args, what) in cases {
        let out = tandem_within(
            HANG_LIMIT,
            at,
            &args,
            &[("TANDEM_WORKSHEET_PASSPHRASE", "kitchen table")],
        );
        assert!(!out.status.success(), "{name}");
        let message = stderr(&out);
        assert!(
            message.contains(&format!(
                "the {what} must be a regular file, and this is a named pipe: {shown}"
            )),
            "{name}: {message}"
        );
    }
    assert!(!restored.exists());
    // Nothing was imported, and the vault's lock was let go.
    assert!(tandem(&vault, &["verify"]).status.success());
}

#[cfg(unix)]
#[test]
fn a_named_pipe_in_the_template_folder_is_reported_by_name_and_the_rest_load() {
    let dir = tempfile::tempdir().expect("temp");
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).expect("mkdir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/weekly-check-in.ron"),
        templates.join("weekly-check-in.ron"),
    )
    .expect("copy");
    let pipe = templates.join("a-pipe.ron");
    fifo(&pipe);
    let folder = templates.display().to_string();
    let out = tandem_within(HANG_LIMIT, None, &["templates", "check", &folder], &[]);
    assert_eq!(out.status.code(), Some(1), "a problem was found");
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        printed
            .lines()
            .any(|l| l.contains(&pipe.display().to_string()) && l.contains("a named pipe")),
        "{printed}"
    );
    assert!(
        printed
            .lines()
            .any(|l| l.contains("weekly-check-in.ron") && !l.contains("pipe")),
        "{printed}"
    );
    let listed = tandem_within(HANG_LIMIT, None, &["templates", "list", &folder], &[]);
    assert!(
        stdout(&listed).contains("weekly-check-in"),
        "{}",
        stdout(&listed)
    );
}

#[test]
fn the_audit_log_names_who_acted_by_the_claim_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let vault = demo_vault(dir.path());
    let as_user = |user: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tandem"))
            .env_remove("TANDEM_VAULT")
            .env("USER", user)
            .env("TANDEM_PASSPHRASE", PASS)
            .arg("--vault")
            .arg(&vault)
            .args(args)
            .output()
            .unwrap()
    };
    // No clinician's name set: the login name, said to be one (anyone can set USER).
    assert!(as_user("mallory", &["list", "couples"]).status.success());
    let log = stdout(&as_user("mallory", &["audit"]));
    assert!(log.contains("mallory (login name)"), "{log}");
    // With the clinician's name in the settings, that name, said to come from them.
    let set = as_user("mallory", &["settings", "--clinician-name", "Dr. R. Vale"]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert!(as_user("mallory", &["list", "couples"]).status.success());
    let log = stdout(&as_user("mallory", &["audit"]));
    assert!(
        log.contains("Dr. R. Vale (clinician, from settings)"),
        "{log}"
    );
}
