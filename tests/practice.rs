//! The practice layer's rule "log, then act", tried on a real vault whose audit log cannot
//! be written (a folder where the log file should be): every audited operation is refused
//! and changes nothing, in memory or on disk; with the log writable again the same
//! operation goes through and is logged.

mod common;

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use tandem::export::SessionDocument;
use tandem::model::{Audience, NoteStyle, Partner, Visibility};
use tandem::practice::course::{CustodyEntry, CustodyStep};
use tandem::practice::{CoupleRecord, OpenRequest, Practice, PracticeError, Want};
use tandem::vault::audit::{AUDIT_FILE, AuditAction};

/// The sealed audit log, read with the demo practice's passphrase.
fn entries(
    root: &std::path::Path,
) -> Result<Vec<tandem::vault::audit::AuditEntry>, tandem::vault::VaultError> {
    common::audit_entries(root, tandem::practice::DEMO_PASSPHRASE)
}
use tandem::vault::{RecordBody, RecordKind};

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// The demo practice in a fresh folder, and the first couple's record.
fn demo() -> (tempfile::TempDir, PathBuf, Practice, CoupleRecord) {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let mut practice = Practice::create_demo(&root, now()).expect("demo");
    let first = practice.lists().couples[0].id;
    let record = practice.open_couple(first, now()).expect("couple");
    practice.flush_saves(std::time::Duration::from_secs(10));
    (dir, root, practice, record)
}

/// The audit log cannot be written while this lives: its file is moved aside and a
/// folder stands in its place. Dropping it puts the log back as it was.
struct BrokenLog {
    root: PathBuf,
}

impl BrokenLog {
    fn new(root: &Path) -> BrokenLog {
        std::fs::rename(
            tandem::vault::audit::segment_dir(root).join(AUDIT_FILE),
            tandem::vault::audit::segment_dir(root).join("audit.log.aside"),
        )
        .expect("aside");
        std::fs::create_dir(tandem::vault::audit::segment_dir(root).join(AUDIT_FILE))
            .expect("a folder in its place");
        BrokenLog {
            root: root.to_path_buf(),
        }
    }
}

impl Drop for BrokenLog {
    fn drop(&mut self) {
        std::fs::remove_dir(tandem::vault::audit::segment_dir(&self.root).join(AUDIT_FILE))
            .expect("folder removed");
        std::fs::rename(
            tandem::vault::audit::segment_dir(&self.root).join("audit.log.aside"),
            tandem::vault::audit::segment_dir(&self.root).join(AUDIT_FILE),
        )
        .expect("log back");
    }
}

/// "Rebuilding trust" started with Maya as the hurt partner, on its third step (each
/// partner writes there).
fn trust_tips(practice: &Practice, record: &CoupleRecord) -> tandem::runner::Runner {
    let bindings = tandem::model::Bindings {
        speaker: None,
        hurt_partner: Some(Partner::A),
    };
    let mut runner = practice
        .start_session(record, "rebuilding-trust-tips", bindings, now())
        .expect("start");
    for _ in 0..2 {
        runner
            .apply(tandem::runner::Action::Next, now())
            .expect("next");
    }
    runner
}

fn count(root: &Path, action: AuditAction) -> usize {
    entries(root)
        .expect("log")
        .iter()
        .filter(|e| e.action == action)
        .count()
}

fn refused_for_the_log<T: std::fmt::Debug>(result: Result<T, PracticeError>) {
    match result {
        Err(PracticeError::AuditFailed(_)) => {}
        other => panic!("expected a refusal for the audit log, got {other:?}"),
    }
}

#[test]
fn a_visibility_change_that_cannot_be_logged_is_not_made() {
    let (_dir, root, practice, record) = demo();
    let mut runner = trust_tips(&practice, &record);
    let index = runner.session().current;
    let before = runner.session().clone();
    {
        let _broken = BrokenLog::new(&root);
        refused_for_the_log(practice.change_visibility(
            &mut runner,
            Visibility::ClinicianOnly,
            now(),
        ));
    }
    assert_eq!(runner.session(), &before, "the runner is as it was");
    assert_eq!(count(&root, AuditAction::Visibility), 0);
    // Nothing was saved either: the session exists only in memory.
    assert!(
        practice
            .vault()
            .load(RecordKind::Session, before.id.0)
            .is_err()
    );

    practice
        .change_visibility(&mut runner, Visibility::ClinicianOnly, now())
        .expect("logged and made");
    assert_eq!(
        runner.session().steps[index].visibility,
        Visibility::ClinicianOnly
    );
    assert_eq!(count(&root, AuditAction::Visibility), 1);
}

#[test]
fn a_note_that_cannot_be_logged_as_finalized_stays_a_draft_in_memory_and_on_disk() {
    let (_dir, root, mut practice, mut record) = demo();
    let session = record.sessions[0].clone();
    let note = practice
        .open_note(&mut record, &session, now())
        .expect("drafted");
    practice.flush_saves(std::time::Duration::from_secs(10));
    {
        let _broken = BrokenLog::new(&root);
        refused_for_the_log(practice.finalize_note(&mut record, &note, "Dr. R. Vale", now()));
    }
    practice.flush_saves(std::time::Duration::from_secs(10));
    let in_record = record.notes.iter().find(|n| n.id == note.id).expect("kept");
    assert!(!in_record.is_final());
    let RecordBody::Note(on_disk) = practice
        .vault()
        .load(RecordKind::Note, note.id.0)
        .expect("saved draft")
    else {
        panic!("not a note")
    };
    assert!(!on_disk.is_final(), "the draft on disk was not finalized");
    assert_eq!(count(&root, AuditAction::Finalize), 0);

    let done = practice
        .finalize_note(&mut record, &note, "Dr. R. Vale", now())
        .expect("finalized");
    assert!(done.is_final());
    assert_eq!(count(&root, AuditAction::Finalize), 1);

    // An amendment that cannot be logged is not added either.
    let mut amended = done.current().to_vec();
    amended[0].text.push_str(" Amended.");
    {
        let _broken = BrokenLog::new(&root);
        refused_for_the_log(practice.amend_note(
            &mut record,
            &done,
            "Dr. R. Vale",
            "a reason",
            amended.clone(),
            now(),
        ));
    }
    practice.flush_saves(std::time::Duration::from_secs(10));
    let RecordBody::Note(on_disk) = practice
        .vault()
        .load(RecordKind::Note, note.id.0)
        .expect("saved")
    else {
        panic!("not a note")
    };
    assert!(on_disk.amendments.is_empty());
    assert!(
        record
            .notes
            .iter()
            .all(|n| n.id != note.id || n.amendments.is_empty())
    );
    let with_amendment = practice
        .amend_note(
            &mut record,
            &done,
            "Dr. R. Vale",
            "a reason",
            amended,
            now(),
        )
        .expect("amended");
    assert_eq!(with_amendment.amendments.len(), 1);
    assert_eq!(count(&root, AuditAction::Amend), 1);
}

#[test]
fn custody_exports_hand_over_settings_and_opening_are_refused_without_the_log() {
    let (_dir, root, mut practice, mut record) = demo();
    let course_before = record.course.clone();
    let session = record.sessions[0].clone();
    let runner = trust_tips(&practice, &record);
    assert!(runner.has_part(Partner::A), "Maya writes in this step");
    let name_before = practice.vault().header().practice_name.clone();
    let second = practice.lists().couples[1].id;
    let exports_before = count(&root, AuditAction::Export);
    {
        let _broken = BrokenLog::new(&root);
        refused_for_the_log(practice.record_custody(
            &mut record,
            &CustodyEntry {
                step: CustodyStep::HeldBy(tandem::model::Holder::Therapist),
                recorded_by: "Dr. R. Vale".into(),
                note: String::new(),
            },
            now(),
        ));
        let ctx = practice.export_context(now());
        refused_for_the_log(
            practice
                .export_session(
                    &session,
                    &record.couple,
                    SessionDocument::Note,
                    Audience::Clinician,
                    &ctx,
                )
                .map(|_| ()),
        );
        refused_for_the_log(practice.hand_over(&runner, Partner::A, now()));
        refused_for_the_log(practice.set_practice_name("Another name", now()));
        refused_for_the_log(practice.set_note_defaults(NoteStyle::Dap, "Someone", now()));
        refused_for_the_log(practice.open_couple(second, now()).map(|_| ()));
    }
    practice.flush_saves(std::time::Duration::from_secs(10));
    assert_eq!(record.course, course_before, "custody unchanged in memory");
    let on_disk = practice.vault().course(record.couple.id).expect("course");
    assert_eq!(on_disk.custody, course_before.custody, "and on disk");
    assert_eq!(practice.vault().header().practice_name, name_before);
    assert_eq!(count(&root, AuditAction::Export), exports_before);
    assert_eq!(count(&root, AuditAction::Custody), 0);

    // With the log back, the same operations go through, each logged.
    let ctx = practice.export_context(now());
    practice
        .export_session(
            &session,
            &record.couple,
            SessionDocument::Note,
            Audience::Clinician,
            &ctx,
        )
        .expect("exported");
    practice
        .set_practice_name("Another name", now())
        .expect("renamed");
    assert_eq!(count(&root, AuditAction::Export), exports_before + 1);
    assert_eq!(count(&root, AuditAction::Settings), 1);
}

#[test]
fn a_vault_whose_unlock_cannot_be_logged_stays_locked() {
    let (_dir, root, practice, _) = demo();
    // Closing lets the vault go once its search index is written: wait for that.
    let (_, mut closing) = practice.close(std::time::Duration::from_secs(10));
    let _ = closing.wait(std::time::Duration::from_secs(60));
    let request = || OpenRequest {
        root: root.clone(),
        passphrase: Some(secrecy::SecretString::from(
            tandem::practice::DEMO_PASSPHRASE.to_string(),
        )),
        want: Want::ReadWrite,
        origin: "test",
        lists: true,
    };
    {
        let _broken = BrokenLog::new(&root);
        match Practice::open(request(), now()) {
            Err(PracticeError::LockedAuditFailed(_)) => {}
            Err(other) => panic!("expected the vault to stay locked, got {other}"),
            Ok(_) => panic!("the vault opened without its unlock logged"),
        }
    }
    let opened = Practice::open(request(), now()).expect("opens once the log is back");
    assert!(!opened.lists().couples.is_empty());
}

#[test]
fn a_record_saved_while_the_search_index_loads_is_found_and_kept_for_next_time() {
    let (_dir, root, mut practice, record) = demo();
    practice.load_search_in_background();
    assert!(practice.is_search_loading());
    // Saved while the index is being read: announced to it once it is in.
    let mut couple = record.couple.clone();
    couple.partner_a.pronouns = "CANARY-SAVED-WHILE-LOADING".into();
    practice
        .save(RecordBody::Couple(couple), now())
        .expect("queued");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !practice.is_search_ready() {
        if let Some(loaded) = practice.poll_search() {
            loaded.expect("the index loads");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the index never loaded"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    practice.flush_saves(std::time::Duration::from_secs(10));
    let found = practice
        .search("CANARY-SAVED-WHILE-LOADING", None, now())
        .expect("logged")
        .expect("ready");
    assert_eq!(found.results.total, 1);
    assert_eq!(
        count(&root, AuditAction::Open),
        2,
        "the couple, then the search"
    );

    // Closing writes the index back; the next practice finds the record without it being
    // saved again.
    let (_, mut closing) = practice.close(std::time::Duration::from_secs(10));
    closing
        .wait(std::time::Duration::from_secs(60))
        .expect("closed")
        .expect("written");
    assert!(root.join("records").join("search.age").exists());
    let mut again = Practice::open(
        OpenRequest {
            root: root.clone(),
            passphrase: Some(secrecy::SecretString::from(
                tandem::practice::DEMO_PASSPHRASE.to_string(),
            )),
            want: Want::ReadWrite,
            origin: "test",
            lists: false,
        },
        now(),
    )
    .expect("opens");
    again.load_search_now().expect("loads");
    let found = again
        .search("CANARY-SAVED-WHILE-LOADING", None, now())
        .expect("logged")
        .expect("ready");
    assert_eq!(found.results.total, 1);
}

#[test]
fn a_remembered_folder_is_logged_by_name_and_not_kept_when_the_log_fails() {
    use tandem::vault::LastFolder;
    let (dir, root, mut practice, _) = demo();
    let folder = dir.path().join("Maya's exports");
    {
        let _broken = BrokenLog::new(&root);
        refused_for_the_log(practice.remember_folder(LastFolder::Exports, &folder, now()));
    }
    assert_eq!(practice.vault().header().export_folder, None);
    practice
        .remember_folder(LastFolder::Exports, &folder, now())
        .expect("remembered");
    // The same folder again is no change, and not logged again.
    practice
        .remember_folder(LastFolder::Exports, &folder, now())
        .expect("unchanged");
    let settings: Vec<String> = entries(&root)
        .expect("log")
        .iter()
        .filter(|e| e.action == AuditAction::Settings)
        .map(|e| e.detail.clone())
        .collect();
    assert_eq!(settings, vec!["export folder".to_string()]);
    assert_eq!(
        practice.vault().header().last_folder(LastFolder::Exports),
        Some(folder.as_path())
    );
    assert_eq!(
        practice.vault().header().last_folder(LastFolder::TakeHome),
        None
    );
}

#[test]
fn a_second_window_opens_read_only_and_its_unlock_entry_says_so() {
    let (_dir, root, _first, _record) = demo();
    let request = |want| OpenRequest {
        root: root.clone(),
        passphrase: Some(secrecy::SecretString::from(
            tandem::practice::DEMO_PASSPHRASE.to_string(),
        )),
        want,
        origin: "app",
        lists: true,
    };
    // The first practice still holds the vault: the second reads and lists, read-only.
    let second = Practice::open(request(Want::ReadWriteOrReadOnly), now()).expect("opens");
    assert!(second.is_read_only());
    assert!(!second.lists().couples.is_empty(), "it can read and list");
    let last = entries(&root)
        .expect("log")
        .into_iter()
        .rev()
        .find(|e| e.action == AuditAction::Unlock)
        .expect("an unlock entry");
    assert_eq!(last.detail, "app, read-only");
}
