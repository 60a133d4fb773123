//! The practice: the headless layer between the two front ends (`app`, `cli`) and the
//! library layers below (vault, runner, export, clinical). A `Practice` owns an unlocked
//! vault, its save queue, the lists the app shows and the search index, and has one
//! function per audited operation: unlock, open a couple or a record, export, finalize
//! and amend a note, issue and bring back a take-home worksheet, search, change who sees
//! a step, hand the screen over and take it back, log custody, change settings.
//!
//! Two rules hold for every operation here, so that no front end can get them wrong:
//! - **Log, then act.** An audited operation writes its audit entry before its change
//!   takes effect (before a record is saved, a document leaves memory, or a record is
//!   shown); if the entry cannot be written, the operation is refused and nothing changes.
//! - **One way to save.** Every record goes through `Practice::save` (or its waiting form
//!   `save_and_wait`): refused alike in a read-only vault, queued on the save thread, and
//!   kept current in the search index.
//!
//! No egui and no clock: the front ends read the time and pass `now` in.

pub mod couple;
pub mod course;
pub mod error;
pub mod export;
pub mod finder;
pub mod imports;
pub mod job;
pub mod note;
pub mod protocols;
pub mod search;
pub mod session;
pub mod settings;
pub mod sync;
pub mod takehome;

pub use couple::{CoupleInput, CoupleRecord};
pub use error::PracticeError;
pub use job::{Job, JobError, Reporter};
pub use protocols::Added;

use crate::model::{Couple, CoupleId, SessionId};
use crate::template::Library;
use crate::vault::audit::AuditAction;
use crate::vault::saver::{SaveOutcome, SaveQueue, Ticket};
use crate::vault::{
    Access, FileProblem, NoteSummary, ProcessNoteSummary, Protection, RecordBody, RecordKind,
    SessionSummary, Vault, VaultError,
};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The name of the demo practice's passphrase (shown on its unlock screen).
pub const DEMO_PASSPHRASE: &str = "demo practice";

/// What the lists of an open practice show: enough to list couples and sessions without
/// decrypting them, and every file that needs attention.
#[derive(Clone, Debug, Default)]
pub struct Lists {
    pub couples: Vec<Couple>,
    pub sessions: Vec<SessionSummary>,
    pub notes: Vec<NoteSummary>,
    pub process_notes: Vec<ProcessNoteSummary>,
    pub problems: Vec<FileProblem>,
}

impl Lists {
    fn from_scan(scan: crate::vault::Scan) -> Lists {
        Lists {
            couples: scan.couples,
            sessions: scan.sessions,
            notes: scan.notes,
            process_notes: scan.process_notes,
            problems: scan.problems,
        }
    }

    /// The couple with this id, if it is listed.
    pub fn couple(&self, id: CoupleId) -> Option<&Couple> {
        self.couples.iter().find(|c| c.id == id)
    }

    /// The listed session with this id.
    pub fn session(&self, id: SessionId) -> Option<&SessionSummary> {
        self.sessions.iter().find(|s| s.id == id)
    }
}

/// Which access a front end asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    ReadWrite,
    ReadOnly,
    /// Read-write, or read-only when another Tandem holds the vault's lock.
    ReadWriteOrReadOnly,
}

/// How to open a practice.
pub struct OpenRequest {
    pub root: PathBuf,
    /// `None` for a vault stored without encryption (tests only).
    pub passphrase: Option<SecretString>,
    pub want: Want,
    /// Who opens it, for the audit log: "app" or "command line".
    pub origin: &'static str,
    /// Also read the lists (the app does; most commands do not need them).
    pub lists: bool,
}

/// An open practice.
pub struct Practice {
    vault: Vault,
    /// The save thread; `None` in a read-only vault, where nothing is saved.
    queue: Option<SaveQueue>,
    /// The protocol library, parsed the first time it is needed (most commands never
    /// need it).
    library: OnceLock<Library>,
    lists: Lists,
    search: finder::SearchState,
    /// Outcomes collected while waiting for one save, handed out by the next poll.
    outcomes: Vec<SaveOutcome>,
    /// The vault was wanted read-write but another Tandem holds it.
    is_read_only_fallback: bool,
    /// The import entries of the audit log read so far, so that each look at a couple's
    /// import flags opens only the entries written since.
    imports_read: std::sync::Mutex<imports::ImportsRead>,
    /// Why the vault's folder cannot be written (the disk is full, or the medium is
    /// read-only), when that is why it was opened read-only.
    unwritable: Option<String>,
    /// Audit entries that could not be written for that reason, oldest first, with their
    /// times: written, before the next entry, as soon as the log can be written again.
    backlog: std::sync::Mutex<Vec<Pending>>,
    /// Fingerprints of the library's templates, by id (see `protocols`).
    fingerprints: std::sync::Mutex<std::collections::HashMap<String, Option<String>>>,
    /// Protocol versions read from the vault, by fingerprint.
    versions: std::sync::Mutex<std::collections::HashMap<String, crate::template::Template>>,
    /// Fingerprints of the versions known to be kept in the vault.
    versions_kept: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// An audit entry waiting for room on the disk.
#[derive(Clone, Debug)]
struct Pending {
    action: AuditAction,
    record: Option<uuid::Uuid>,
    detail: String,
    at: DateTime<Utc>,
}

/// Whether an error is the disk being full (or over quota) or the medium read-only: the
/// vault can still be read, and what is logged waits (see `Practice::log`).
pub fn is_storage_full_or_read_only(e: &VaultError) -> Option<&'static str> {
    let VaultError::Io { source, .. } = e else {
        return None;
    };
    match source.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            Some("the disk the vault is on is full")
        }
        std::io::ErrorKind::ReadOnlyFilesystem => Some("the vault is on a read-only disk"),
        _ => None,
    }
}

impl Practice {
    fn new(
        vault: Vault,
        lists: Lists,
        is_read_only_fallback: bool,
    ) -> Result<Practice, PracticeError> {
        let queue = match vault.access() {
            Access::ReadWrite => Some(SaveQueue::start(&vault)?),
            Access::ReadOnly => None,
        };
        Ok(Practice {
            vault,
            queue,
            library: OnceLock::new(),
            lists,
            search: finder::SearchState::default(),
            outcomes: Vec::new(),
            is_read_only_fallback,
            imports_read: std::sync::Mutex::default(),
            unwritable: None,
            backlog: std::sync::Mutex::default(),
            fingerprints: std::sync::Mutex::default(),
            versions: std::sync::Mutex::default(),
            versions_kept: std::sync::Mutex::default(),
        })
    }

    /// Unlock a vault (one passphrase derivation: call it off the UI thread). The unlock
    /// is logged before anything in the vault is read or shown; a wrong passphrase is
    /// logged as a failed unlock. If the log cannot be written, the vault stays locked.
    pub fn open(request: OpenRequest, now: DateTime<Utc>) -> Result<Practice, PracticeError> {
        let OpenRequest {
            root,
            passphrase,
            want,
            origin,
            lists,
        } = request;
        let access = match want {
            Want::ReadOnly => Access::ReadOnly,
            Want::ReadWrite | Want::ReadWriteOrReadOnly => Access::ReadWrite,
        };
        let open = |access| {
            if lists {
                Vault::open_and_scan(&root, passphrase.as_ref(), access).map(|(v, s)| (v, Some(s)))
            } else {
                Vault::open(&root, passphrase.as_ref(), access).map(|v| (v, None))
            }
        };
        let mut fallback = false;
        let mut unwritable = None;
        let opened = match open(access) {
            Err(VaultError::InUse) if want == Want::ReadWriteOrReadOnly => {
                fallback = true;
                open(Access::ReadOnly)
            }
            // A full or read-only disk: the vault can still be read.
            Err(e) if access == Access::ReadWrite && is_storage_full_or_read_only(&e).is_some() => {
                unwritable = is_storage_full_or_read_only(&e).map(str::to_string);
                open(Access::ReadOnly)
            }
            other => other,
        };
        let (mut vault, scan) = match opened {
            Ok(opened) => opened,
            Err(VaultError::WrongPassphrase) => {
                // Best effort: a wrong passphrase is refused whether or not it is logged
                // (on a full disk it is not, and the log does not grow).
                let recipient = crate::vault::read_header(&root)
                    .ok()
                    .and_then(|h| h.audit_recipient);
                let _ = crate::vault::audit::record_unlock_failure(
                    &root,
                    &crate::vault::audit::actor(""),
                    recipient.as_deref(),
                    now,
                );
                return Err(VaultError::WrongPassphrase.into());
            }
            Err(e) => return Err(e.into()),
        };
        // The entry says how the vault was opened: a read-only open (another Tandem holds
        // it, or read-only was asked for) can read and list but change nothing.
        let detail = |vault: &Vault, unwritable: &Option<String>| {
            // Which clinician's passphrase: the key's id when it was an added clinician's.
            let origin = match vault.unlocked_by() {
                Some(id) => format!("{origin}, clinician key {id}"),
                None => origin.to_string(),
            };
            if unwritable.is_some() {
                format!("{origin}, read-only: disk full or read-only")
            } else if vault.access() == Access::ReadOnly {
                format!("{origin}, read-only")
            } else {
                origin
            }
        };
        let mut backlog = Vec::new();
        if unwritable.is_some() {
            backlog.push(Pending {
                action: AuditAction::Unlock,
                record: None,
                detail: detail(&vault, &unwritable),
                at: now,
            });
        } else {
            match vault.audit(AuditAction::Unlock, None, &detail(&vault, &None), now) {
                Ok(()) => {}
                // The log cannot grow: read-only, and the unlock is logged once it can be.
                Err(e) if is_storage_full_or_read_only(&e).is_some() => {
                    unwritable = is_storage_full_or_read_only(&e).map(str::to_string);
                    vault = vault.into_read_only();
                    backlog.push(Pending {
                        action: AuditAction::Unlock,
                        record: None,
                        detail: detail(&vault, &unwritable),
                        at: now,
                    });
                }
                Err(e) => return Err(PracticeError::LockedAuditFailed(e)),
            }
        }
        let lists = scan.map(Lists::from_scan).unwrap_or_default();
        let mut practice = Practice::new(vault, lists, fallback)?;
        practice.unwritable = unwritable;
        practice.backlog = std::sync::Mutex::new(backlog);
        Ok(practice)
    }

    /// Create a new vault protected by `passphrase`, and open it.
    pub fn create(
        root: &Path,
        passphrase: SecretString,
        log_n: u8,
        now: DateTime<Utc>,
    ) -> Result<Practice, PracticeError> {
        let vault = Vault::init(root, Protection::Passphrase { passphrase, log_n }, now)?;
        vault
            .audit(AuditAction::Unlock, None, "created", now)
            .map_err(PracticeError::LockedAuditFailed)?;
        let lists = Lists::from_scan(vault.scan()?);
        Practice::new(vault, lists, false)
    }

    /// Create the demo practice in `root` (fictional couples, their sessions run through
    /// the real runner), protected by `DEMO_PASSPHRASE` at a low work factor.
    pub fn create_demo(root: &Path, now: DateTime<Utc>) -> Result<Practice, PracticeError> {
        let mut vault = Vault::init(
            root,
            Protection::Passphrase {
                passphrase: SecretString::from(DEMO_PASSPHRASE.to_string()),
                log_n: 10,
            },
            now,
        )?;
        // Logged first, so that every record saved is anchored after it.
        vault
            .audit(AuditAction::Unlock, None, "demo", now)
            .map_err(PracticeError::LockedAuditFailed)?;
        for record in crate::demo::practice(&Library::builtin(), now) {
            vault.save(&record, now)?;
        }
        vault.set_practice_name(crate::demo::DEMO_PRACTICE_NAME)?;
        vault.set_safety_settings(90, &crate::demo::demo_safety_resources())?;
        let lists = Lists::from_scan(vault.scan()?);
        Practice::new(vault, lists, false)
    }

    /// The vault underneath, for reading what no operation here covers (its header, a
    /// verification, the audit log's entries). Changes go through the operations.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The protocols the practice runs: the shipped ones and its own (see `protocols`).
    pub fn library(&self) -> &Library {
        self.library
            .get_or_init(|| protocols::build_library(&self.vault))
    }

    pub fn lists(&self) -> &Lists {
        &self.lists
    }

    pub fn is_read_only(&self) -> bool {
        self.vault.access() == Access::ReadOnly
    }

    /// Opened read-only because another Tandem has the vault open.
    pub fn is_read_only_fallback(&self) -> bool {
        self.is_read_only_fallback
    }

    /// Why the vault was opened read-only because its disk cannot be written (full, or
    /// read-only media), if so.
    pub fn unwritable(&self) -> Option<&str> {
        self.unwritable.as_deref()
    }

    /// Audit entries waiting for room on the disk (see `log`).
    pub fn pending_audit_entries(&self) -> usize {
        self.backlog
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Write one audit entry. `detail` holds fixed words and ids only. An operation calls
    /// this before its change takes effect and stops if it fails.
    ///
    /// One exception, when the vault was opened read-only because its disk is full or
    /// read-only (`unwritable`): reading, searching and exporting elsewhere go on, and
    /// their entries wait in memory, in order and with their times, to be written before
    /// the next entry as soon as the log can grow again. Nothing in the vault can change
    /// meanwhile (it is read-only); if Tandem closes first they are lost, as the app and the
    /// command line say.
    fn log(
        &self,
        action: AuditAction,
        record: Option<uuid::Uuid>,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        if self.unwritable.is_none() {
            return self
                .vault
                .audit(action, record, detail, now)
                .map_err(PracticeError::AuditFailed);
        }
        self.backlog
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Pending {
                action,
                record,
                detail: detail.to_string(),
                at: now,
            });
        match self.write_backlog() {
            Err(e) if is_storage_full_or_read_only(&e).is_none() => {
                Err(PracticeError::AuditFailed(e))
            }
            _ => Ok(()),
        }
    }

    /// Write the entries waiting for room on the disk, oldest first, stopping at the first
    /// that cannot be written (its error returned; it and the rest keep waiting).
    fn write_backlog(&self) -> Result<(), VaultError> {
        let mut backlog = self
            .backlog
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some(first) = backlog.first() {
            self.vault
                .audit(first.action, first.record, &first.detail, first.at)?;
            backlog.remove(0);
        }
        Ok(())
    }

    /// Try once more to write the entries waiting for room on the disk (on closing, and
    /// before each new entry). Returns how many still wait.
    pub fn flush_audit_backlog(&self) -> usize {
        let _ = self.write_backlog();
        self.pending_audit_entries()
    }

    /// Read the lists again from the vault (after an import, or a change by another
    /// process).
    pub fn refresh_lists(&mut self) -> Result<(), PracticeError> {
        self.lists = Lists::from_scan(self.vault.scan()?);
        Ok(())
    }

    /// Queue a record to be saved on the save thread: the one way records are saved.
    /// Refused in a read-only vault. The search index and the lists follow at once.
    pub fn save(&mut self, body: RecordBody, now: DateTime<Utc>) -> Result<Ticket, PracticeError> {
        if self.queue.is_none() {
            return Err(PracticeError::ReadOnly);
        }
        // The exact protocol a session runs is kept, once, with its first save.
        if let RecordBody::Session(s) = &body {
            let (id, fingerprint) = (s.template_id.clone(), s.protocol.clone());
            self.keep_version_of(&id, fingerprint, now);
        }
        let vault = &self.vault;
        let library = self.library.get_or_init(|| protocols::build_library(vault));
        self.search.saved(&body, library);
        let queue = self.queue.as_mut().ok_or(PracticeError::ReadOnly)?;
        note_in_lists(&mut self.lists, &body);
        Ok(queue.submit(body, now))
    }

    /// Save a record and wait until it is on disk (the command line's way, and imports
    /// whose next step needs the record saved).
    pub fn save_and_wait(
        &mut self,
        body: RecordBody,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let ticket = self.save(body, now)?;
        let deadline = Instant::now() + SAVE_WAIT;
        let queue = self.queue.as_mut().ok_or(PracticeError::ReadOnly)?;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let arrived = queue.flush(left);
            let mut mine = None;
            for outcome in arrived {
                if outcome.ticket() == ticket {
                    mine = Some(outcome);
                } else {
                    self.outcomes.push(outcome);
                }
            }
            match mine {
                Some(SaveOutcome::Saved { .. }) => return Ok(()),
                Some(SaveOutcome::Failed { error, .. }) => {
                    return Err(PracticeError::NotSaved(error));
                }
                None if Instant::now() >= deadline => {
                    return Err(PracticeError::NotSaved(
                        "the save did not finish in time".into(),
                    ));
                }
                None => {}
            }
        }
    }

    /// Outcomes of queued saves that arrived since the last call, without waiting.
    pub fn poll_saves(&mut self) -> Vec<SaveOutcome> {
        let mut outcomes = std::mem::take(&mut self.outcomes);
        if let Some(queue) = self.queue.as_mut() {
            outcomes.extend(queue.poll());
        }
        self.search.acknowledged(&outcomes);
        outcomes
    }

    /// Wait up to `timeout` for every queued save (locking, closing the window).
    pub fn flush_saves(&mut self, timeout: Duration) -> Vec<SaveOutcome> {
        let mut outcomes = std::mem::take(&mut self.outcomes);
        if let Some(queue) = self.queue.as_mut() {
            outcomes.extend(queue.flush(timeout));
        }
        self.search.acknowledged(&outcomes);
        outcomes
    }

    /// Saves queued and not yet acknowledged.
    pub fn pending_saves(&self) -> usize {
        self.queue.as_ref().map_or(0, SaveQueue::pending) + self.outcomes.len()
    }

    /// Load one record as it is on disk, and log that it was opened (the command line's
    /// `dump`). Logged after it loaded and before it is handed out: a record that does
    /// not open was not read.
    pub fn open_record(
        &self,
        kind: RecordKind,
        id: uuid::Uuid,
        now: DateTime<Utc>,
    ) -> Result<RecordBody, PracticeError> {
        let body = self.vault.load(kind, id)?;
        self.log(AuditAction::Open, Some(id), kind.name(), now)?;
        Ok(body)
    }

    /// Lock: wait (up to `timeout`) for queued saves and return their outcomes, and a job
    /// that writes the search index back (if it changed) and then drops the vault's key
    /// and lock. Whoever opens the vault next waits for that job first.
    pub fn close(mut self, timeout: Duration) -> (Vec<SaveOutcome>, Closing) {
        let outcomes = self.flush_saves(timeout);
        // Entries still waiting for room on the disk get one last try.
        if self.unwritable.is_some() {
            self.flush_audit_backlog();
        }
        let Practice {
            vault,
            queue,
            library,
            search,
            ..
        } = self;
        // The save thread finishes what it has before the vault goes.
        drop(queue);
        let closing = Job::spawn("close", move |_| {
            finder::persist_and_close(search, vault, &library);
            Ok(())
        });
        (outcomes, closing)
    }
}

/// A practice being closed: its search index being written before the key goes.
pub type Closing = Job<(), PracticeError>;

/// How long `save_and_wait` waits for one save.
const SAVE_WAIT: Duration = Duration::from_secs(30);

/// Keep the lists in step with a record just queued for saving.
fn note_in_lists(lists: &mut Lists, body: &RecordBody) {
    match body {
        RecordBody::Couple(c) => {
            match lists.couples.iter_mut().find(|x| x.id == c.id) {
                Some(slot) => *slot = c.clone(),
                None => lists.couples.push(c.clone()),
            }
            lists
                .couples
                .sort_by(|a, b| a.code.cmp(&b.code).then(a.id.cmp(&b.id)));
        }
        RecordBody::Session(s) => {
            let summary = SessionSummary::of(s);
            match lists.sessions.iter_mut().find(|x| x.id == s.id) {
                Some(slot) => *slot = summary,
                None => lists.sessions.push(summary),
            }
            lists
                .sessions
                .sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
        }
        RecordBody::Note(n) => {
            let summary = NoteSummary::of(n);
            match lists.notes.iter_mut().find(|x| x.id == n.id) {
                Some(slot) => *slot = summary,
                None => lists.notes.push(summary),
            }
        }
        RecordBody::ProcessNote(n) => {
            if !lists.process_notes.iter().any(|x| x.id == n.id) {
                lists.process_notes.push(ProcessNoteSummary {
                    id: n.id,
                    couple: n.couple,
                    session: n.session,
                });
            }
        }
        // None is listed: a course is found by its couple, a worksheet by its id, a
        // protocol version by its fingerprint (the library lists the practice's own).
        RecordBody::Course(_) | RecordBody::Worksheet(_) | RecordBody::Protocol(_) => {}
    }
}
