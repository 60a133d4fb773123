//! The audit trail against someone who holds the vault folder but not the passphrase:
//! each attack found in issue 16 (wipe, rollback, a forged entry, failed unlocks removed)
//! makes `tandem verify` exit non-zero and say what it found; and the log shows nothing
//! without the passphrase.
#![cfg(unix)]

mod common;

use base64::Engine;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

fn tandem(vault: &Path, args: &[&str]) -> Output {
    common::tandem(Some(vault), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn demo_vault(dir: &Path) -> PathBuf {
    let vault = dir.join("vault");
    let out = tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    vault
}

/// `tandem verify`: its exit code and what it said.
fn verify(vault: &Path) -> (bool, String) {
    let out = tandem(vault, &["verify"]);
    (out.status.success(), text(&out.stdout) + &text(&out.stderr))
}

fn wrong_passphrase(vault: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(vault)
        .args(["list", "couples"])
        .env("TANDEM_PASSPHRASE", "not the passphrase at all")
        .output()
        .expect("tandem runs");
    assert!(!out.status.success());
}

fn audit_lines(vault: &Path) -> Vec<String> {
    std::fs::read_to_string(tandem::vault::audit::segment_dir(vault).join("audit.log"))
        .expect("the log")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn an_untouched_demo_vault_verifies_clean() {
    let dir = tempfile::tempdir().unwrap();
    let vault = demo_vault(dir.path());
    assert!(tandem(&vault, &["list", "couples"]).status.success());
    wrong_passphrase(&vault);
    let (ok, said) = verify(&vault);
    assert!(ok, "{said}");
    assert!(said.contains("chain intact"), "{said}");
}

#[test]
fn a_wiped_log_is_caught_by_the_records_anchors() {
    let dir = tempfile::tempdir().unwrap();
    let vault = demo_vault(dir.path());
    std::fs::remove_file(tandem::vault::audit::segment_dir(&vault).join("audit.log")).unwrap();
    std::fs::remove_file(tandem::vault::audit::segment_dir(&vault).join("audit-head.age")).unwrap();
    let (ok, said) = verify(&vault);
    assert!(!ok, "{said}");
    assert!(said.contains("the log was replaced"), "{said}");
    // However many entries the log gathers afterwards, the unlock that found it says so.
    for _ in 0..3 {
        assert!(tandem(&vault, &["list", "couples"]).status.success());
    }
    let (ok, said) = verify(&vault);
    assert!(!ok, "{said}");
    assert!(
        said.contains("found:") && said.contains("the log was replaced"),
        "{said}"
    );
}

#[test]
fn an_older_copy_of_the_log_put_back_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let vault = demo_vault(dir.path());
    let old = dir.path().join("old");
    std::fs::create_dir(&old).unwrap();
    for file in ["audit.log", "audit-head.age"] {
        std::fs::copy(
            tandem::vault::audit::segment_dir(&vault).join(file),
            old.join(file),
        )
        .unwrap();
    }
    // Later entries: an export (nothing saved, so no record anchors them).
    let pdf = dir.path().join("note.pdf");
    let session = text(&tandem(&vault, &["list", "sessions"]).stdout)
        .lines()
        .find_map(|l| l.split_whitespace().last().map(str::to_string))
        .expect("a session");
    let out = tandem(
        &vault,
        &[
            "export",
            "session",
            &session,
            "--audience",
            "clinician",
            "-o",
            pdf.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in ["audit.log", "audit-head.age"] {
        // As `cp -p` would: same content and times; the change time cannot be kept.
        std::fs::copy(
            old.join(file),
            tandem::vault::audit::segment_dir(&vault).join(file),
        )
        .unwrap();
    }
    let (ok, said) = verify(&vault);
    assert!(!ok, "{said}");
    assert!(said.contains("no entry written since"), "{said}");
}

/// An export by an invented clinician, correctly chained after the sealed head, written
/// by someone who has every public key there is (the failed-unlock key's, in vault.ron).
#[test]
fn a_forged_entry_after_the_sealed_head_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let vault = demo_vault(dir.path());
    let lines = audit_lines(&vault);
    let prev = {
        use sha2::Digest;
        sha2::Sha256::digest(lines.last().unwrap().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let forged = format!(
        "(seq:{},at:\"2026-11-26T10:00:00Z\",actor:\"Dr. Nobody (clinician, from settings)\",action:Export,record:Some(\"0193f000-0000-7000-8000-000000000001\"),detail:\"session note for couple\",prev:\"{prev}\",before:None,found:[],mac:\"\")",
        lines.len() + 1
    );
    let header = std::fs::read_to_string(vault.join("vault.ron")).unwrap();
    let recipient = header
        .split("audit_recipient: Some(\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the failed-unlock key is in vault.ron");
    let to = age::x25519::Recipient::from_str(recipient).unwrap();
    let sealed = age::encrypt(&to, forged.as_bytes()).unwrap();
    let line = format!(
        "F {}\n",
        base64::engine::general_purpose::STANDARD.encode(sealed)
    );
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(tandem::vault::audit::segment_dir(&vault).join("audit.log"))
        .unwrap();
    std::io::Write::write_all(&mut log, line.as_bytes()).unwrap();
    drop(log);
    let (ok, said) = verify(&vault);
    assert!(!ok, "{said}");
    assert!(said.contains("is not sealed"), "{said}");
    // The unlocks after do not seal it in.
    assert!(tandem(&vault, &["list", "couples"]).status.success());
    let (ok, said) = verify(&vault);
    assert!(!ok, "{said}");
}

#[test]
fn failed_unlocks_deleted_from_the_end_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let vault = demo_vault(dir.path());
    let before = audit_lines(&vault);
    wrong_passphrase(&vault);
    wrong_passphrase(&vault);
    assert_eq!(audit_lines(&vault).len(), before.len() + 2);
    std::fs::write(
        tandem::vault::audit::segment_dir(&vault).join("audit.log"),
        before.join("\n") + "\n",
    )
    .unwrap();
    let (ok, said) = verify(&vault);
    assert!(!ok, "{said}");
    assert!(said.contains("lines were removed from its end"), "{said}");
    // Looked into and acknowledged: logged, and verify is clean again.
    let out = tandem(&vault, &["verify", "--acknowledge", "audit-log"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let (ok, said) = verify(&vault);
    assert!(ok, "{said}");
    let audit = text(&tandem(&vault, &["audit"]).stdout);
    assert!(audit.contains("acknowledge"), "{audit}");
}

#[test]
fn the_log_and_its_head_say_nothing_without_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let vault = demo_vault(dir.path());
    wrong_passphrase(&vault);
    let log = std::fs::read_to_string(tandem::vault::audit::segment_dir(&vault).join("audit.log"))
        .unwrap();
    for line in log.lines() {
        assert!(
            line.starts_with("K ") || line.starts_with("F "),
            "a line in the clear: {line}"
        );
    }
    // Words of the entries in the clear (the log is base64, compared without case: a
    // word of three letters turns up by chance in one log of a dozen, so none that short).
    for word in [
        "unlock",
        "export",
        "2026-",
        "couple",
        "partner",
        "command line",
    ] {
        assert!(!log.to_lowercase().contains(word), "{word:?} in the log");
    }
    // With the passphrase, `tandem audit` reads it all, failed unlock included.
    let audit = text(&tandem(&vault, &["audit"]).stdout);
    assert!(audit.contains("unlock failed"), "{audit}");
}

#[test]
fn passphrase_changes_and_imports_are_logged_with_what_they_did() {
    let dir = tempfile::tempdir().unwrap();
    let vault = demo_vault(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(&vault)
        .args(["passphrase", "--kdf-log-n", "10"])
        .env("TANDEM_PASSPHRASE", common::PASS)
        .env("TANDEM_NEW_PASSPHRASE", "another long passphrase")
        .output()
        .expect("tandem runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let audit = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(&vault)
        .arg("audit")
        .env("TANDEM_PASSPHRASE", "another long passphrase")
        .output()
        .expect("tandem runs");
    let said = text(&audit.stdout);
    assert!(said.contains("passphrase"), "{said}");
    assert!(said.contains("key file rewrapped"), "{said}");
}
