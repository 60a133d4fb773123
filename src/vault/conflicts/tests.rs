//! Two devices on one vault, with sync played by copying files as Syncthing does: a
//! change made on both is kept as a conflict and shown, a month-old version coming back
//! is never taken as the newer, and settling a conflict keeps both versions.

use super::*;
use crate::model::{Session, StepStatus};
use crate::vault::{Access, FileProblem, Protection};
use chrono::TimeZone;
use secrecy::SecretString;
use std::path::Path;

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 10, minute, 0)
        .single()
        .expect("time")
}

fn pass() -> SecretString {
    SecretString::from("correct horse battery".to_string())
}

/// A vault on the office computer with one session in it, and the same folder as
/// sync brings it to the laptop (everything but what `.stignore` keeps on each device).
fn two_devices(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, Session) {
    let office = dir.join("office");
    let laptop = dir.join("laptop");
    let vault = Vault::init(
        &office,
        Protection::Passphrase {
            passphrase: pass(),
            log_n: 10,
        },
        at(0),
    )
    .expect("init");
    let records = crate::demo::practice(&crate::template::Library::builtin(), at(0));
    let session = records
        .iter()
        .find_map(|r| match r {
            RecordBody::Session(s) => Some(s.clone()),
            _ => None,
        })
        .expect("a demo session");
    vault
        .save(&RecordBody::Session(session.clone()), at(1))
        .expect("saved");
    drop(vault);
    copy_tree(&office, &laptop);
    (office, laptop, session)
}

/// What Syncthing would bring over: every file but the lock, the derived caches and
/// `local/` (the `.stignore` patterns).
fn copy_tree(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).expect("inside");
        let text = rel.to_string_lossy();
        if text == ".lock"
            || text.starts_with("local")
            || text.ends_with("index.age")
            || text.ends_with("search.age")
        {
            continue;
        }
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("dir");
        std::fs::copy(&entry, &dest).expect("copy");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
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

fn open(root: &Path) -> Vault {
    Vault::open(root, Some(&pass()), Access::ReadWrite).expect("open")
}

fn session_file(root: &Path, session: &Session) -> std::path::PathBuf {
    root.join("records/sessions")
        .join(format!("{}.age", session.id.0))
}

fn note_on(session: &Session, step: usize, text: &str) -> Session {
    let mut s = session.clone();
    s.steps[step].clinician_note = text.to_string();
    s
}

fn load_session(vault: &Vault, session: &Session) -> Session {
    match vault
        .load(RecordKind::Session, session.id.0)
        .expect("loads")
    {
        RecordBody::Session(s) => s,
        other => panic!("not a session: {other:?}"),
    }
}

#[test]
fn the_same_session_changed_on_two_devices_is_a_conflict_with_both_kept() {
    let dir = tempfile::tempdir().expect("temp");
    let (office, laptop, session) = two_devices(dir.path());
    // Each device opens the vault and changes the same session, neither seeing the other.
    let o = open(&office);
    o.scan().expect("scan");
    let mine = load_session(&o, &session);
    o.save(&RecordBody::Session(note_on(&mine, 0, "office")), at(2))
        .expect("office saves");
    let l = open(&laptop);
    l.scan().expect("scan");
    let theirs = load_session(&l, &session);
    l.save(&RecordBody::Session(note_on(&theirs, 1, "laptop")), at(3))
        .expect("laptop saves");
    assert_ne!(o.device(), l.device(), "each folder is its own device");
    // Sync: the laptop's change is newer by the clock and wins the file; the office's
    // goes to a conflict copy, as Syncthing does.
    let file = session_file(&office, &session);
    std::fs::rename(
        &file,
        file.with_file_name(format!(
            "{}.sync-conflict-20261127-100300-LAPTOP1.age",
            session.id.0
        )),
    )
    .expect("conflict copy");
    std::fs::copy(session_file(&laptop, &session), &file).expect("synced");

    let scan = o.scan().expect("scan");
    assert!(
        scan.problems
            .iter()
            .any(|p| matches!(p, FileProblem::Conflict { .. })),
        "{:?}",
        scan.problems
    );
    let conflicts = o.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.order(), Some(Order::Concurrent));
    let current = match &conflict.current.as_ref().expect("opens").body {
        RecordBody::Session(s) => s.clone(),
        _ => unreachable!(),
    };
    let other = match &conflict.other.as_ref().expect("opens").body {
        RecordBody::Session(s) => s.clone(),
        _ => unreachable!(),
    };
    assert_eq!(current.steps[1].clinician_note, "laptop");
    assert_eq!(other.steps[0].clinician_note, "office");

    // Merged: step 1 from the office's, the rest as it is.
    let mut merged = current.clone();
    merged.steps[0] = other.steps[0].clone();
    o.resolve_conflict(
        conflict,
        &Resolution::Merged(Box::new(RecordBody::Session(merged))),
        at(4),
    )
    .expect("settled");
    assert!(o.conflicts().expect("conflicts").is_empty());
    let kept = office
        .join(RESOLVED_DIR)
        .join("sessions")
        .join(&conflict.copy);
    assert!(kept.exists(), "the copy is kept, not deleted");
    let now = load_session(&o, &session);
    assert_eq!(now.steps[0].clinician_note, "office");
    assert_eq!(now.steps[1].clinician_note, "laptop");
    // The new version follows both: neither device's is older than it any more.
    let version = o
        .open_file(
            RecordKind::Session,
            session.id.0,
            &format!("{}.age", session.id.0),
        )
        .expect("opens")
        .version;
    for side in [&conflict.current, &conflict.other] {
        let v = &side.as_ref().expect("opens").version;
        assert_eq!(version.order(v), Order::Newer);
    }
    assert!(o.scan().expect("scan").problems.is_empty());
}

#[test]
fn a_save_over_a_file_another_device_changed_keeps_theirs_as_a_conflict_copy() {
    let dir = tempfile::tempdir().expect("temp");
    let (office, laptop, session) = two_devices(dir.path());
    let o = open(&office);
    o.scan().expect("scan");
    let stale = load_session(&o, &session);
    // The laptop saves; sync brings its file to the office while the office still holds
    // the session it read before.
    let l = open(&laptop);
    l.scan().expect("scan");
    let theirs = load_session(&l, &session);
    l.save(&RecordBody::Session(note_on(&theirs, 0, "laptop")), at(2))
        .expect("saved");
    std::fs::copy(
        session_file(&laptop, &session),
        session_file(&office, &session),
    )
    .expect("synced");
    // Both save paths: the vault's own (which can read the file) and the save thread
    // (which holds only the public key).
    o.save(&RecordBody::Session(note_on(&stale, 1, "office")), at(3))
        .expect("office saves");
    let conflicts = o.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "the laptop's change is kept beside");
    assert_eq!(conflicts[0].order(), Some(Order::Concurrent));
    let copy = match &conflicts[0].other.as_ref().expect("opens").body {
        RecordBody::Session(s) => s.clone(),
        _ => unreachable!(),
    };
    assert_eq!(copy.steps[0].clinician_note, "laptop");

    let l2 = l.save(&RecordBody::Session(note_on(&theirs, 2, "again")), at(4));
    assert!(l2.is_ok());
    std::fs::copy(
        session_file(&laptop, &session),
        session_file(&office, &session),
    )
    .expect("synced again");
    let mut queue = crate::vault::saver::SaveQueue::start(&o).expect("thread");
    queue.submit(RecordBody::Session(note_on(&stale, 3, "thread")), at(5));
    let outcomes = queue.flush(std::time::Duration::from_secs(10));
    assert!(
        matches!(
            outcomes.as_slice(),
            [crate::vault::saver::SaveOutcome::Saved { .. }]
        ),
        "{outcomes:?}"
    );
    assert_eq!(o.conflicts().expect("conflicts").len(), 2);
    drop(queue);

    // Two more changes from the laptop, each kept aside in the same second as the last
    // copy: numbered, never written over.
    l.save(&RecordBody::Session(note_on(&theirs, 4, "third")), at(6))
        .expect("saved");
    std::fs::copy(
        session_file(&laptop, &session),
        session_file(&office, &session),
    )
    .expect("synced a third time");
    o.save(&RecordBody::Session(note_on(&stale, 5, "office")), at(5))
        .expect("office saves");
    l.save(&RecordBody::Session(note_on(&theirs, 6, "fourth")), at(7))
        .expect("saved");
    std::fs::copy(
        session_file(&laptop, &session),
        session_file(&office, &session),
    )
    .expect("synced a fourth time");
    o.save(&RecordBody::Session(note_on(&stale, 7, "office")), at(5))
        .expect("office saves");
    let copies: Vec<String> = o
        .conflicts()
        .expect("conflicts")
        .into_iter()
        .map(|c| c.copy)
        .collect();
    assert_eq!(copies.len(), 4, "{copies:?}");
    for n in ["-2.age", "-3.age"] {
        assert!(copies.iter().any(|c| c.ends_with(n)), "{n} in {copies:?}");
    }
    assert!(!copies.iter().any(|c| c.contains("-2-3")), "{copies:?}");
}

#[test]
fn a_month_offline_never_rolls_a_record_back() {
    let dir = tempfile::tempdir().expect("temp");
    let (office, laptop, session) = two_devices(dir.path());
    // The laptop reads the session, then is away for a month.
    let l = open(&laptop);
    l.scan().expect("scan");
    let old_file = std::fs::read(session_file(&laptop, &session)).expect("old");
    drop(l);
    // Meanwhile the office works on: forty saves.
    let o = open(&office);
    o.scan().expect("scan");
    let mut s = load_session(&o, &session);
    for n in 0..40u32 {
        s.steps[0].clinician_note = format!("save {n}");
        s.steps[0].status = StepStatus::Done;
        o.save(&RecordBody::Session(s.clone()), at(2))
            .expect("saved");
    }
    o.scan().expect("the office's index knows the newest");
    let newest = std::fs::read(session_file(&office, &session)).expect("newest");
    // The laptop comes back and its month-old file arrives as if newer (a sync that took
    // it for a change, a copy put back): older than what the office has seen.
    std::fs::write(session_file(&office, &session), &old_file).expect("rolled back");
    let scan = o.scan().expect("scan");
    assert!(
        scan.problems
            .iter()
            .any(|p| matches!(p, FileProblem::Behind { .. })),
        "{:?}",
        scan.problems
    );
    // Still reported at the next scan, which reads nothing again: the index carries it.
    assert!(
        o.scan()
            .expect("scan")
            .problems
            .iter()
            .any(|p| matches!(p, FileProblem::Behind { .. }))
    );

    // With Syncthing's file versioning on, the newer file is in .stversions: brought
    // back beside the record as a conflict copy, shown as the newer of the two.
    let versions = office.join(".stversions/records/sessions");
    std::fs::create_dir_all(&versions).expect("versions");
    std::fs::write(
        versions.join(format!("{}~20261127-101500.age", session.id.0)),
        &newest,
    )
    .expect("kept version");
    // Read again (a new file stamp) so the rollback is found anew.
    std::fs::write(session_file(&office, &session), &old_file).expect("rolled back");
    let o = {
        drop(o);
        open(&office)
    };
    let _ = o.scan().expect("scan");
    let conflicts = o.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "the newer version is back beside it");
    assert_eq!(conflicts[0].order(), Some(Order::Newer));
    o.resolve_conflict(&conflicts[0], &Resolution::KeepOther, at(30))
        .expect("settled");
    assert_eq!(
        load_session(&o, &session).steps[0].clinician_note,
        "save 39"
    );
    let scan = o.scan().expect("scan");
    assert!(
        !scan
            .problems
            .iter()
            .any(|p| matches!(p, FileProblem::Behind { .. } | FileProblem::Conflict { .. })),
        "{:?}",
        scan.problems
    );
}
