//! Two devices on one vault, with sync played by copying files the way Syncthing does:
//! the conflict is listed by `tandem verify`, and settled in the app step by step, with
//! both versions kept and the settling in the audit trail.

mod common;

use common::*;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use std::path::{Path, PathBuf};
use tandem::app::TandemApp;
use tandem::model::Session;
use tandem::vault::{Access, RecordBody, RecordKind, Vault};

fn secret() -> secrecy::SecretString {
    secrecy::SecretString::from(PASS.to_string())
}

/// Everything Syncthing would carry from `from` to `to` (not what `.stignore` keeps on
/// each device).
fn sync_tree(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).expect("inside");
        let text = rel.to_string_lossy();
        if text == ".lock"
            || text == ".stignore"
            || text.starts_with("local")
            || text.ends_with("index.age")
            || text.ends_with("search.age")
            // What the other side has already (its own newer files) stays.
            || to.join(rel).exists()
        {
            continue;
        }
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("dir");
        std::fs::copy(&entry, &dest).expect("copy");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("list").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn session_of(vault: &Vault, id: uuid::Uuid) -> Session {
    match vault.load(RecordKind::Session, id).expect("loads") {
        RecordBody::Session(s) => s,
        other => panic!("not a session: {other:?}"),
    }
}

/// The office's vault with one session changed on both devices: the laptop's version
/// kept beside it as a conflict copy (it lost the file, as the older save does in
/// Syncthing). Returns the office folder and the session's id.
fn a_conflict(dir: &Path) -> (PathBuf, uuid::Uuid) {
    let office = demo_vault(dir, "office");
    let laptop = dir.join("laptop");
    sync_tree(&office, &laptop);
    let id = {
        let v = Vault::open(&office, Some(&secret()), Access::ReadOnly).expect("open");
        v.scan().expect("scan").sessions[0].id.0
    };
    {
        let v = Vault::open(&laptop, Some(&secret()), Access::ReadWrite).expect("open");
        v.scan().expect("scan");
        let mut s = session_of(&v, id);
        s.steps[0].clinician_note = "Written on the laptop".into();
        v.audit(
            tandem::vault::audit::AuditAction::Open,
            Some(id),
            "session",
            chrono::Utc::now(),
        )
        .expect("logged");
        v.save(&RecordBody::Session(s), chrono::Utc::now())
            .expect("saved");
    }
    {
        let v = Vault::open(&office, Some(&secret()), Access::ReadWrite).expect("open");
        v.scan().expect("scan");
        let mut s = session_of(&v, id);
        s.steps[1].clinician_note = "Written at the office".into();
        v.save(&RecordBody::Session(s), chrono::Utc::now())
            .expect("saved");
    }
    let name = format!("{id}.age");
    std::fs::copy(
        laptop.join("records/sessions").join(&name),
        office
            .join("records/sessions")
            .join(format!("{id}.sync-conflict-20261127-101500-LAPTOP1.age")),
    )
    .expect("conflict copy");
    // The laptop's trail travels too (its own segment).
    sync_tree(&laptop, &office);
    (office, id)
}

#[test]
fn verify_lists_a_conflict_and_says_how_the_versions_stand() {
    let dir = tempfile::tempdir().expect("temp");
    let (office, _) = a_conflict(dir.path());
    let out = tandem(Some(&office), &["verify"]);
    let said = text(&out.stdout);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("a sync conflict copy"), "{said}");
    assert!(
        said.contains("each version holds changes the other lacks"),
        "{said}"
    );
    // Both devices' segments of the trail check out.
    assert!(said.contains("chain intact"), "{said}");
}

#[test]
fn a_conflict_is_settled_in_the_app_step_by_step_with_both_versions_kept() {
    let dir = tempfile::tempdir().expect("temp");
    let (office, id) = a_conflict(dir.path());
    let config = tandem::app::AppConfig {
        vault_root: Some(office.clone()),
        demo: false,
        kdf_log_n: 10,
        open_worksheet: None,
    };
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1024.0, 700.0))
        .build_eframe(move |cc| TandemApp::new(cc, config.clone()));
    h.run();
    unlock(&mut h, PASS);
    assert!(on_screen(&h, "changed on two devices"));
    click(&mut h, "Sync conflicts");
    assert!(on_screen(
        &h,
        "each version holds something the other lacks"
    ));
    assert!(on_screen(&h, "Written on the laptop"));
    assert!(on_screen(&h, "Written at the office"));
    // The first step as the laptop wrote it; the second as the office did (kept).
    h.get_all_by_role_and_label(Role::RadioButton, "Take the other")
        .next()
        .expect("a choice for the first step that differs")
        .click();
    h.run();
    assert_eq!(
        h.state()
            .state
            .forms
            .conflicts
            .take_other
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        [0]
    );
    click(&mut h, "Keep the merge as chosen");
    settle(&mut h);
    assert!(
        on_screen(&h, "No conflicts"),
        "{:?} {:?} {:?}",
        h.state().state.errors,
        status(&h),
        h.state().state.forms.conflicts.list.len()
    );
    drop(h);

    // On disk: one version following both, the copy kept in resolved/, none left beside.
    let v = Vault::open(&office, Some(&secret()), Access::ReadOnly).expect("open");
    let s = session_of(&v, id);
    assert_eq!(s.steps[0].clinician_note, "Written on the laptop");
    assert_eq!(s.steps[1].clinician_note, "Written at the office");
    assert!(v.conflicts().expect("conflicts").is_empty());
    let kept = office
        .join("resolved/sessions")
        .join(format!("{id}.sync-conflict-20261127-101500-LAPTOP1.age"));
    assert!(kept.exists());
    let logged = v
        .audit_entries()
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == tandem::vault::audit::AuditAction::ResolveConflict)
        .collect::<Vec<_>>();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].record, Some(id));
    assert_eq!(logged[0].detail, "session: merged the two versions");
    drop(v);
    let out = tandem(Some(&office), &["verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn a_settings_conflict_is_reported_until_acknowledged_and_the_copy_is_kept() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path(), "office");
    let copy = "settings.sync-conflict-20261127-101500-LAPTOP1.age";
    std::fs::copy(vault.join("settings.age"), vault.join(copy)).expect("copy");
    let out = tandem(Some(&vault), &["verify"]);
    let said = text(&out.stdout);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains(&format!("{copy}: a sync conflict copy of a vault file")),
        "{said}"
    );
    let out = tandem(Some(&vault), &["verify", "--acknowledge", copy]);
    let said = text(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("kept in resolved/"), "{said}");
    assert!(vault.join("resolved").join(copy).exists());
    assert!(!vault.join(copy).exists());
}

/// `tandem` on `vault` with this passphrase (and a new one for the commands that ask).
fn tandem_as(vault: &Path, passphrase: &str, new: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("TANDEM_PASSPHRASE", passphrase)
        .env("TANDEM_NEW_PASSPHRASE", new)
        .output()
        .expect("runs")
}

#[test]
fn a_second_clinician_is_added_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = demo_vault(dir.path(), "office");
    const SECOND: &str = "the co-therapist's own passphrase";
    let out = tandem_as(
        &vault,
        PASS,
        SECOND,
        &["clinicians", "add", "--kdf-log-n", "10"],
    );
    let said = text(&out.stdout);
    assert!(out.status.success(), "{said}{}", text(&out.stderr));
    let id = said
        .split_whitespace()
        .nth(2)
        .expect("the key's id")
        .to_string();
    assert!(text(&tandem_as(&vault, PASS, "", &["clinicians", "list"]).stdout).contains(&id));
    // The co-therapist works with their own passphrase.
    let out = tandem_as(&vault, SECOND, "", &["list", "couples"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("C-0101"));
    // Only the first clinician removes access.
    let out = tandem_as(
        &vault,
        SECOND,
        "",
        &["clinicians", "remove", &id, "--kdf-log-n", "10"],
    );
    assert!(!out.status.success());
    let out = tandem_as(
        &vault,
        PASS,
        "",
        &["clinicians", "remove", &id, "--kdf-log-n", "10"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("sealed to a new key"));
    let out = tandem_as(&vault, SECOND, "", &["list", "couples"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("wrong passphrase"),
        "{}",
        text(&out.stderr)
    );
    let out = tandem_as(&vault, PASS, "", &["verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let audit = text(&tandem_as(&vault, PASS, "", &["audit"]).stdout);
    assert!(
        audit.contains(&format!("clinician key {id} added")),
        "{audit}"
    );
    assert!(
        audit.contains(&format!("clinician key {id} removed")),
        "{audit}"
    );
    // The co-therapist's unlocks name their key.
    assert!(
        audit.contains(&format!("command line, clinician key {id}")),
        "{audit}"
    );
    assert!(!audit.contains(SECOND));
}
