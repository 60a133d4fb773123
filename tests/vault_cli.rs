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
    let raw = std::fs::read_to_string(vault.join("audit.log")).expect("log");
    for name in ["Maya", "Daniel", "Okafor"] {
        assert!(!raw.contains(name));
    }
    let ok = tandem(&vault, &["verify"]);
    assert!(ok.status.success(), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("chain intact"));

    // Edit one entry: the export becomes an open.
    let edited: String = raw
        .lines()
        .map(|l| {
            if l.contains("Export") {
                l.replacen("Export", "Open", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_ne!(edited, raw);
    std::fs::write(vault.join("audit.log"), &edited).expect("write");
    let tampered = tandem(&vault, &["verify"]);
    assert!(!tampered.status.success());
    assert!(
        stdout(&tampered).contains("TAMPERED"),
        "{}",
        stdout(&tampered)
    );

    // Remove the last entries: the sealed head no longer matches.
    let cut: String = raw.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(vault.join("audit.log"), cut).expect("write");
    let truncated = tandem(&vault, &["verify"]);
    assert!(!truncated.status.success());
    assert!(stdout(&truncated).contains("TAMPERED"));
}
