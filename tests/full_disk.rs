//! A vault on a full disk, or on a disk mounted read-only, still opens: read-only, with a
//! clear warning, reading, searching and exporting elsewhere; failed unlocks do not grow
//! the full disk; and what was opened is logged once there is room again.
//!
//! Needs a small tmpfs of its own (`mount -t tmpfs`, so root or CAP_SYS_ADMIN, as in CI);
//! where mounting is not allowed it says SKIPPED and passes.
#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A mounted tmpfs, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .ok()?;
        mounted.status.success().then_some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fill what is left with one file.
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let _ = Command::new("dd")
            .args(["if=/dev/zero", "bs=4096"])
            .arg(format!("of={}", filler.display()))
            .output();
        filler
    }

    fn remount(&self, how: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,{how}")])
            .arg(self.path())
            .output()
            .expect("mount runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).output();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn tandem(vault: &Path, args: &[&str]) -> Output {
    common::tandem(Some(vault), args)
}

fn wrong_passphrase(vault: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(vault)
        .args(["list", "couples"])
        .env("TANDEM_PASSPHRASE", "not the passphrase at all")
        .output()
        .expect("tandem runs")
}

fn audit_len(vault: &Path) -> u64 {
    std::fs::metadata(tandem::vault::audit::segment_dir(vault).join("audit.log"))
        .unwrap()
        .len()
}

#[test]
fn a_full_disk_opens_read_only_and_logs_once_there_is_room() {
    let Some(disk) = SmallDisk::mount("8m") else {
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)");
        return;
    };
    let vault = disk.path().join("vault");
    let made = tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let session = text(&tandem(&vault, &["list", "sessions"]).stdout)
        .lines()
        .find_map(|l| l.split_whitespace().last().map(str::to_string))
        .expect("a session");
    let filler = disk.fill();
    let log_before = audit_len(&vault);

    // Lists and exports elsewhere still work, with a warning.
    let listed = tandem(&vault, &["list", "couples"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    assert!(text(&listed.stdout).contains("C-0101"));
    assert!(
        text(&listed.stderr).contains("the disk the vault is on is full"),
        "{}",
        text(&listed.stderr)
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let pdf = elsewhere.path().join("note.pdf");
    let exported = tandem(
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
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    assert!(pdf.exists());
    // Nothing can be saved, and says why.
    let changed = tandem(&vault, &["settings", "--auto-lock-mins", "12"]);
    assert!(!changed.status.success());

    // Failed unlocks do not grow the full disk.
    for _ in 0..5 {
        assert!(!wrong_passphrase(&vault).status.success());
    }
    assert_eq!(audit_len(&vault), log_before, "the log grew on a full disk");

    // In one run (the app's), the entries wait and are written once there is room.
    let mut practice = tandem::practice::Practice::open(
        tandem::practice::OpenRequest {
            root: vault.clone(),
            passphrase: Some(secrecy::SecretString::from(common::PASS.to_string())),
            want: tandem::practice::Want::ReadWriteOrReadOnly,
            origin: "app",
            lists: true,
        },
        chrono::Utc::now(),
    )
    .expect("opens on a full disk");
    assert!(practice.is_read_only());
    assert!(practice.unwritable().is_some());
    let couple = practice.lists().couples[0].id;
    practice
        .open_couple(couple, chrono::Utc::now())
        .expect("a couple opens on a full disk");
    assert_eq!(practice.pending_audit_entries(), 2);
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(practice.flush_audit_backlog(), 0);
    drop(practice);
    let audit = text(&tandem(&vault, &["audit"]).stdout);
    assert!(
        audit.contains("app, read-only: disk full or read-only"),
        "{audit}"
    );
    let verified = tandem(&vault, &["verify"]);
    assert!(
        verified.status.success(),
        "{}{}",
        text(&verified.stdout),
        text(&verified.stderr)
    );
}

#[test]
fn a_read_only_disk_opens_read_only() {
    let Some(disk) = SmallDisk::mount("8m") else {
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)");
        return;
    };
    let vault = disk.path().join("vault");
    let made = tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    disk.remount("ro");
    let listed = tandem(&vault, &["list", "couples"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    assert!(text(&listed.stdout).contains("C-0101"));
    assert!(
        text(&listed.stderr).contains("read-only disk"),
        "{}",
        text(&listed.stderr)
    );
    let found = tandem(&vault, &["search", "evenings"]);
    assert!(found.status.code() == Some(0) || found.status.code() == Some(1));
    assert!(!wrong_passphrase(&vault).status.success());
    disk.remount("rw");
    let verified = tandem(&vault, &["verify"]);
    assert!(
        verified.status.success(),
        "{}{}",
        text(&verified.stdout),
        text(&verified.stderr)
    );
}
