//! The files Tandem writes: owner-only, a damaged record set aside included, and never
//! over an existing file unless asked with `--force`.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

fn tandem(vault: &Path, args: &[&str]) -> Output {
    common::tandem(Some(vault), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn demo_vault(dir: &Path) -> PathBuf {
    let vault = dir.join("vault");
    let out = tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    vault
}

fn session_ids(vault: &Path) -> Vec<String> {
    text(&tandem(vault, &["list", "sessions"]).stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .collect()
}

fn couple_ids(vault: &Path) -> Vec<String> {
    text(&tandem(vault, &["list", "couples"]).stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect()
}

/// Every file and folder under `dir` (itself included) with group or world access.
fn shared_with_others(dir: &Path, found: &mut Vec<(PathBuf, u32)>) {
    let m = mode(dir);
    if m & 0o077 != 0 {
        found.push((dir.to_path_buf(), m));
    }
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            shared_with_others(&path, found);
        } else if mode(&path) & 0o077 != 0 {
            found.push((path.clone(), mode(&path)));
        }
    }
}

#[test]
fn a_damaged_record_is_quarantined_owner_only_whatever_mode_it_had() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let id = session_ids(&vault).remove(0);
    let file = vault.join("records/sessions").join(format!("{id}.age"));
    std::fs::write(&file, b"age-encryption.org/v1\nnonsense").expect("damage");
    // As a sync tool or a copy might leave it: readable by everyone.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = tandem(&vault, &["verify"]);
    assert!(!out.status.success());
    let quarantine = vault.join("quarantine");
    let moved = quarantine.join(format!("session-{id}.age"));
    assert!(moved.exists(), "{}", text(&out.stdout));
    assert_eq!(mode(&moved), 0o600, "the quarantined record");
    assert_eq!(
        mode(&quarantine.join(format!("session-{id}.age.reason.txt"))),
        0o600
    );
    assert_eq!(mode(&quarantine), 0o700);
}

#[test]
fn nothing_tandem_writes_in_a_demo_run_is_readable_by_group_or_others() {
    let dir = tempfile::tempdir().expect("temp");
    // The parent folder is the test's own, made owner-only here (tempfile leaves it to the
    // umask, and restore no longer changes the folder above its target); what Tandem
    // puts in it and in the vault is what is checked.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let vault = demo_vault(dir.path());
    let couple = couple_ids(&vault).remove(0);
    let session = session_ids(&vault).remove(0);
    let path = |name: &str| dir.path().join(name).display().to_string();
    let runs: Vec<Vec<String>> = vec![
        vec!["list".into(), "couples".into()],
        vec!["search".into(), "trust".into()],
        vec!["verify".into()],
        vec![
            "settings".into(),
            "--practice-name".into(),
            "Harbour".into(),
        ],
        vec![
            "export".into(),
            "session".into(),
            session.clone(),
            "--audience".into(),
            "clinician".into(),
            "-o".into(),
            path("note.pdf"),
        ],
        vec![
            "export".into(),
            "progress".into(),
            couple.clone(),
            "--audience".into(),
            "couple".into(),
            "-o".into(),
            path("exports/progress.pdf"),
        ],
        vec![
            "worksheet".into(),
            "intentional-dialogue".into(),
            "-o".into(),
            path("blank.pdf"),
        ],
        vec![
            "backup".into(),
            "-o".into(),
            path("backup.age"),
            "--kdf-log-n".into(),
            "10".into(),
        ],
    ];
    for args in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = tandem(&vault, &args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
    // A damaged record left readable by everyone, set aside by `verify`.
    let damaged = vault
        .join("records/sessions")
        .join(format!("{}.age", session_ids(&vault).remove(1)));
    std::fs::write(&damaged, b"age-encryption.org/v1\nnonsense").expect("damage");
    std::fs::set_permissions(&damaged, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert!(!tandem(&vault, &["verify"]).status.success());
    assert!(vault.join("quarantine").is_dir());

    let restored = dir.path().join("restored");
    let out = tandem(&restored, &["restore", &path("backup.age")]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let mut found = Vec::new();
    shared_with_others(dir.path(), &mut found);
    assert!(found.is_empty(), "readable by others: {found:?}");
    // It did write all of that.
    for name in [
        "note.pdf",
        "exports/progress.pdf",
        "blank.pdf",
        "backup.age",
    ] {
        assert!(dir.path().join(name).is_file(), "{name}");
    }
    assert!(vault.join("records").is_dir() && restored.join("records").is_dir());
}

#[test]
fn an_output_file_that_exists_is_kept_unless_force_is_given() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let session = session_ids(&vault).remove(0);
    let couple = couple_ids(&vault).remove(0);
    let target = dir.path().join("taken.pdf");
    let target_arg = target.display().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "export",
            "session",
            &session,
            "--audience",
            "couple",
            "-o",
            &target_arg,
        ],
        vec![
            "export",
            "progress",
            &couple,
            "--audience",
            "clinician",
            "-o",
            &target_arg,
        ],
        vec!["worksheet", "intentional-dialogue", "-o", &target_arg],
        vec![
            "worksheet",
            "intentional-dialogue",
            "--take-home",
            "--couple",
            &couple,
            "--speaker",
            "a",
            "-o",
            &target_arg,
            "--kdf-log-n",
            "10",
        ],
        vec!["backup", "-o", &target_arg, "--kdf-log-n", "10"],
    ];
    let audit_entries = |vault: &Path| text(&tandem(vault, &["audit"]).stdout).lines().count();
    for args in &commands {
        std::fs::write(&target, b"the therapist's own file").expect("write");
        let before = audit_entries(&vault);
        let refused = common::tandem(Some(&vault), args);
        assert!(!refused.status.success(), "{args:?} wrote over a file");
        let error = text(&refused.stderr);
        assert!(
            error.contains("already exists") && error.contains("--force"),
            "{args:?}: {error}"
        );
        assert_eq!(
            std::fs::read(&target).expect("still there"),
            b"the therapist's own file",
            "{args:?}"
        );
        // Refused before anything was done: no export, no issued worksheet in the log
        // (`audit` itself logs one line: the unlock of the vault to read it).
        assert_eq!(
            audit_entries(&vault),
            before + 1,
            "{args:?} logged something"
        );

        let mut forced = args.clone();
        forced.push("--force");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
            .env_remove("TANDEM_VAULT")
            .arg("--vault")
            .arg(&vault)
            .args(&forced)
            .env("TANDEM_PASSPHRASE", common::PASS)
            .env("TANDEM_WORKSHEET_PASSPHRASE", "kitchen table talk")
            .output()
            .expect("runs");
        assert!(out.status.success(), "{forced:?}: {}", text(&out.stderr));
        assert_ne!(
            std::fs::read(&target).expect("written"),
            b"the therapist's own file",
            "{forced:?}"
        );
        assert_eq!(mode(&target), 0o600, "{forced:?}");
    }
}

#[test]
fn the_app_gives_eframe_nothing_of_its_memory_to_write() {
    use eframe::App as _;
    let harness = common::demo_app();
    assert!(!harness.state().persist_egui_memory());
}

#[test]
fn a_set_aside_file_is_reported_by_every_verify_until_it_is_acknowledged_and_logged() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    let id = session_ids(&vault).remove(0);
    let file = vault.join("records/sessions").join(format!("{id}.age"));
    std::fs::write(&file, b"age-encryption.org/v1\nnonsense").expect("damage");
    let name = format!("session-{id}.age");
    // The first verify sets it aside; the second, with nothing new damaged, still says so.
    assert!(!tandem(&vault, &["verify"]).status.success());
    let again = tandem(&vault, &["verify"]);
    assert!(!again.status.success(), "damage stays visible");
    let report = text(&again.stdout);
    assert!(
        report.contains(&format!("quarantine/{name}: set aside")),
        "{report}"
    );
    assert!(report.contains("--acknowledge"), "{report}");
    // A name that is not set aside is refused, and nothing is logged for it.
    let wrong = tandem(&vault, &["verify", "--acknowledge", "session-nothing.age"]);
    assert!(!wrong.status.success());
    let audit = |vault: &Path| text(&tandem(vault, &["audit"]).stdout);
    assert!(!audit(&vault).contains("acknowledge"));
    // Acknowledged: kept, logged with the record's id, and no longer reported.
    let done = tandem(&vault, &["verify", "--acknowledge", &name]);
    assert!(
        done.status.success(),
        "{}{}",
        text(&done.stdout),
        text(&done.stderr)
    );
    assert!(vault.join("quarantine/acknowledged").join(&name).exists());
    let log = audit(&vault);
    assert!(
        log.lines()
            .any(|l| l.contains("acknowledge") && l.contains(&id)),
        "{log}"
    );
    let clean = tandem(&vault, &["verify"]);
    assert!(clean.status.success(), "{}", text(&clean.stdout));
    assert!(!text(&clean.stdout).contains("set aside"));
}

#[test]
fn a_record_file_gone_from_its_folder_is_reported_until_it_is_back_or_acknowledged() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path());
    // A scan (any list) leaves the index knowing every record.
    let ids = session_ids(&vault);
    let (first, second) = (&ids[0], &ids[1]);
    let file = |id: &str| vault.join("records/sessions").join(format!("{id}.age"));
    let key = |id: &str| format!("sessions/{id}.age");
    let kept = std::fs::read(file(first)).expect("read");
    std::fs::remove_file(file(first)).expect("delete");
    std::fs::remove_file(file(second)).expect("delete");
    let report = tandem(&vault, &["verify"]);
    assert!(!report.status.success());
    let said = text(&report.stdout);
    assert!(said.contains(&format!("{}: missing", key(first))), "{said}");
    // Still said after other commands have scanned the folder again.
    assert!(tandem(&vault, &["list", "sessions"]).status.success());
    let said = text(&tandem(&vault, &["verify"]).stdout);
    assert!(
        said.contains(&format!("{}: missing", key(second))),
        "{said}"
    );
    // One comes back from a backup copy: no longer missing, with no acknowledgement.
    std::fs::write(file(first), &kept).expect("restore by hand");
    let said = text(&tandem(&vault, &["verify"]).stdout);
    assert!(!said.contains(&key(first)), "{said}");
    // The other is acknowledged as lost: logged, and no longer reported.
    let done = tandem(&vault, &["verify", "--acknowledge", &key(second)]);
    assert!(
        done.status.success(),
        "{}{}",
        text(&done.stdout),
        text(&done.stderr)
    );
    let log = text(&tandem(&vault, &["audit"]).stdout);
    assert!(
        log.lines()
            .any(|l| l.contains("acknowledge") && l.contains(second.as_str())),
        "{log}"
    );
    assert!(tandem(&vault, &["verify"]).status.success());
}
