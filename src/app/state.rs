//! The window's state and the one place that changes it: `AppState::apply(Command)`,
//! which hands each area's commands to that area's `apply_*` (in `app/areas/`). Also the
//! per-frame logic that runs without drawing: finished jobs, save acknowledgements,
//! autosave, auto-lock.
//!
//! `AppState` holds what the window shows and what is typed into it. The practice's
//! work (the vault, saving, logging, exports, worksheets, search) is done by
//! `practice::Practice`, which the app holds while the vault is unlocked.

use super::command::{Command, ErrorPlace};
use super::forms::{Forms, Overlay};
use crate::model::{Couple, CoupleId, Partner, Session, SessionId};
use crate::practice::export::ExportJob;
use crate::practice::takehome::WorksheetJob;
use crate::practice::{CoupleRecord, Job, Practice, PracticeError};
use crate::runner::Runner;
use crate::vault::idle::IdleLock;
use crate::vault::saver::{SaveOutcome, Ticket};
use crate::vault::takehome::TakeHomeFileError;
use crate::vault::{RecordBody, VaultError};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::time::Duration;

/// How the app was started.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// The vault folder; `None` for the platform default.
    pub vault_root: Option<PathBuf>,
    /// Open the demo practice at once.
    pub demo: bool,
    /// scrypt work factor for a vault created here (tests use a low one).
    pub kdf_log_n: u8,
    /// A filled take-home worksheet to bring back (the desktop opened Tandem on it).
    pub open_worksheet: Option<PathBuf>,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            vault_root: None,
            demo: false,
            kdf_log_n: crate::vault::crypto::PINNED_LOG_N,
            open_worksheet: None,
        }
    }
}

/// The screen under any overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// No vault yet: create one or open the demo.
    Welcome,
    /// A vault exists and is locked.
    Unlock,
    Practice,
    ChooseTemplate(CoupleId),
    Session,
    /// The progress note of a session.
    Note(SessionId),
    /// The practice's protocols.
    Protocols,
    /// The protocol editor (`Forms::editor`).
    Editor,
    /// Two versions of a record from two devices, side by side, to settle.
    Conflicts,
}

/// A message in the status line, shown until dismissed or replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub is_error: bool,
}

/// The session being run.
pub struct Live {
    pub runner: Runner,
    pub couple: Couple,
    /// Changed since the last save was submitted.
    pub dirty: bool,
    /// The last save submitted, and whether it was acknowledged.
    pub submitted: Option<Ticket>,
    pub saved_at: Option<DateTime<Utc>>,
    pub save_error: Option<String>,
    /// A partner's latest safety screen raised control or frightening checking: an
    /// access or monitoring agreement gets a warning before it is recorded.
    pub control_concern: bool,
    /// A try-out of a protocol from the editor, with a fictional couple: never saved,
    /// never logged; closing it goes back to the editor.
    pub trial: bool,
}

impl Live {
    /// A session just started (`dirty`: not saved yet) or just loaded from the vault.
    pub fn new(runner: Runner, couple: Couple, dirty: bool) -> Live {
        Live {
            runner,
            couple,
            dirty,
            submitted: None,
            saved_at: None,
            save_error: None,
            control_concern: false,
            trial: false,
        }
    }

    pub fn is_saved(&self) -> bool {
        !self.dirty && self.submitted.is_none() && self.save_error.is_none()
    }
}

/// Why the vault is being opened: what to say once it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    Create,
    Demo,
    Unlock,
}

/// A take-home worksheet file being sealed, or opened to be brought back.
pub enum TakeHomeJob {
    Sealing(WorksheetJob<PathBuf>),
    Opening {
        job: Job<Result<crate::model::TakeHomeFile, TakeHomeFileError>, PracticeError>,
        couple: CoupleId,
    },
}

/// A PDF being laid out and written.
pub struct ExportWriting {
    pub job: ExportJob,
    /// The file's name, for the status line.
    pub name: String,
    /// The dialog's choices, to open it again with them if writing fails.
    pub draft: Option<super::command::ExportDraft>,
}

/// Work running off the UI thread; each is polled once a frame.
#[derive(Default)]
pub struct Jobs {
    /// The vault being created, unlocked or filled with the demo practice.
    pub opening: Option<(Opening, Job<Practice, PracticeError>)>,
    pub export: Option<ExportWriting>,
    pub take_home: Option<TakeHomeJob>,
    /// The system's file chooser, open for a dialog's field.
    pub chooser: Option<super::chooser::ChooserJob>,
    /// The passphrase being checked to end hand-over mode.
    pub hand_back: Option<Job<bool, PracticeError>>,
    /// The practice last locked, writing its search index before its key goes; the next
    /// unlock waits for it (on the unlock's own job).
    pub closing: Option<crate::practice::Closing>,
}

impl Jobs {
    /// True while anything runs that the window should redraw for.
    pub fn is_busy(&self) -> bool {
        self.opening.is_some()
            || self.export.is_some()
            || self.take_home.is_some()
            || self.chooser.is_some()
            || self.hand_back.is_some()
    }
}

pub struct AppState {
    pub config: AppConfig,
    pub screen: Screen,
    /// The unlocked practice; `None` while locked.
    pub practice: Option<Practice>,
    /// The couple whose page is open, loaded.
    pub couple: Option<CoupleRecord>,
    pub live: Option<Live>,
    /// A session to take up again after unlocking (ids only: nothing clinical).
    pub resume_after_unlock: Option<SessionId>,
    pub overlay: Overlay,
    pub forms: Forms,
    pub status: Option<Status>,
    /// Errors shown beside the field or in the dialog they are about, until what they are
    /// about is done or changed.
    pub errors: std::collections::BTreeMap<ErrorPlace, String>,
    pub idle: IdleLock,
    /// The demo vault's folder, removed when the app closes.
    pub demo_dir: Option<tempfile::TempDir>,
    pub jobs: Jobs,
    /// How "Choose folder…" and "Choose file…" ask (the system's chooser; a stand-in in
    /// tests).
    pub file_chooser: super::chooser::FileChooser,
}

/// Why a command failed; shown once in the status line.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Practice(#[from] PracticeError),
    #[error("{0}")]
    Refused(String),
    /// An error about one field of the command's dialog (its folder, its file), shown
    /// beside that field.
    #[error("{message}")]
    Field { place: ErrorPlace, message: String },
}

impl AppError {
    /// An error shown beside the field at `place`.
    pub fn at(place: ErrorPlace, error: impl std::fmt::Display) -> AppError {
        AppError::Field {
            place,
            message: error.to_string(),
        }
    }

    /// The field this error is about, if it names one.
    pub fn place(&self) -> Option<ErrorPlace> {
        match self {
            AppError::Field { place, .. } => Some(*place),
            AppError::Practice(_) | AppError::Refused(_) => None,
        }
    }
}

impl From<VaultError> for AppError {
    fn from(e: VaultError) -> Self {
        AppError::Practice(e.into())
    }
}

impl From<crate::runner::RunError> for AppError {
    fn from(e: crate::runner::RunError) -> Self {
        AppError::Practice(e.into())
    }
}

/// A refusal in plain words.
pub(super) fn refused(text: &str) -> AppError {
    AppError::Refused(text.to_string())
}

/// How long locking and closing wait for queued saves.
pub(super) const SAVE_TIMEOUT: Duration = Duration::from_secs(5);

impl AppState {
    pub fn new(config: AppConfig, now: DateTime<Utc>) -> AppState {
        let root = config
            .vault_root
            .clone()
            .or_else(crate::vault::default_root);
        let exists = root
            .as_ref()
            .is_some_and(|r| r.join(crate::vault::HEADER_FILE).exists());
        let mut state = AppState {
            screen: if exists {
                Screen::Unlock
            } else {
                Screen::Welcome
            },
            practice: None,
            couple: None,
            live: None,
            resume_after_unlock: None,
            overlay: Overlay::None,
            forms: Forms::default(),
            status: None,
            errors: Default::default(),
            idle: IdleLock::new(10, now),
            demo_dir: None,
            jobs: Jobs::default(),
            file_chooser: Default::default(),
            config,
        };
        state.forms.pending_worksheet = state.config.open_worksheet.clone();
        if state.config.demo {
            // Before the first frame: waiting here freezes no window.
            match state.apply(super::command::VaultCommand::OpenDemo.into(), now) {
                Ok(()) => state.wait_for_opening(now),
                Err(e) => state.report(&e),
            }
        }
        state
    }

    /// The vault folder this window works on.
    pub fn root(&self) -> Option<PathBuf> {
        match &self.demo_dir {
            Some(dir) => Some(dir.path().join("vault")),
            None => self
                .config
                .vault_root
                .clone()
                .or_else(crate::vault::default_root),
        }
    }

    pub fn is_demo(&self) -> bool {
        self.demo_dir.is_some()
    }

    pub fn is_hidden(&self) -> bool {
        self.overlay == Overlay::Hidden
    }

    pub fn is_presenting(&self) -> bool {
        self.overlay == Overlay::Present && self.live.is_some()
    }

    /// The partner the screen is handed to, if any.
    pub fn hand_over(&self) -> Option<Partner> {
        match self.overlay {
            Overlay::HandOver(p) => Some(p),
            _ => None,
        }
    }

    /// Show an error once in the status line (background events). Never holds clinical
    /// text: errors don't.
    pub fn report(&mut self, error: &AppError) {
        self.status = Some(Status {
            text: error.to_string(),
            is_error: true,
        });
    }

    /// Show an error where it belongs: beside its field or in its dialog, or in the status
    /// line for what has none. An error about one of the dialog's fields goes beside that
    /// field; either way the dialog shows one error at a time.
    pub fn report_at(&mut self, place: ErrorPlace, error: &AppError) {
        let place = error.place().unwrap_or(place);
        match place {
            ErrorPlace::StatusLine => self.report(error),
            place => {
                self.clear_errors_at(place);
                self.errors.insert(place, error.to_string());
            }
        }
    }

    /// A command at `place` went through: what was wrong there, and in its fields, is no
    /// longer. An error in a field also replaces its dialog's.
    pub fn clear_errors_at(&mut self, place: ErrorPlace) {
        let dialog = [ErrorPlace::ExportDialog, ErrorPlace::TakeHomeDialog]
            .into_iter()
            .find(|d| *d == place || d.fields().contains(&place));
        let places = match dialog {
            Some(dialog) => std::iter::once(dialog)
                .chain(dialog.fields().iter().copied())
                .collect(),
            None => vec![place],
        };
        for place in places {
            self.errors.remove(&place);
        }
    }

    /// The error shown at `place`, if any.
    pub fn error_at(&self, place: ErrorPlace) -> Option<&str> {
        self.errors.get(&place).map(String::as_str)
    }

    pub(super) fn tell(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            is_error: false,
        });
    }

    pub(super) fn practice(&self) -> Result<&Practice, AppError> {
        self.practice
            .as_ref()
            .ok_or_else(|| refused("the vault is locked"))
    }

    pub(super) fn practice_mut(&mut self) -> Result<&mut Practice, AppError> {
        self.practice
            .as_mut()
            .ok_or_else(|| refused("the vault is locked"))
    }

    /// The open couple record and the practice, both needed by most record changes.
    pub(super) fn practice_and_couple(
        &mut self,
    ) -> Result<(&mut Practice, &mut CoupleRecord), AppError> {
        let practice = self
            .practice
            .as_mut()
            .ok_or_else(|| refused("the vault is locked"))?;
        let record = self
            .couple
            .as_mut()
            .ok_or_else(|| refused("no couple selected"))?;
        Ok((practice, record))
    }

    /// Apply one command. On error the state is as before (apart from the status line).
    pub fn apply(&mut self, command: Command, now: DateTime<Utc>) -> Result<(), AppError> {
        self.idle.touch(now);
        match command {
            Command::Vault(c) => self.apply_vault(c, now),
            Command::Practice(c) => self.apply_practice(c, now),
            Command::Session(c) => self.apply_session(c, now),
            Command::Record(c) => self.apply_record(c, now),
            Command::Export(c) => self.apply_export(c, now),
            Command::TakeHome(c) => self.apply_take_home(c, now),
            Command::Protocol(c) => self.apply_protocol(c, now),
            Command::Sync(c) => self.apply_sync(c, now),
        }
    }

    /// The session with this id as it is now: the running one (with what was just
    /// typed), or one of the open couple's.
    pub fn session_now(&self, id: SessionId) -> Option<&Session> {
        match &self.live {
            Some(live) if live.runner.session().id == id => Some(live.runner.session()),
            _ => self.couple.as_ref().and_then(|r| r.session(id)),
        }
    }

    /// Which couple a session belongs to, wherever it is known from.
    pub fn couple_of_session(&self, id: SessionId) -> Option<CoupleId> {
        self.session_now(id).map(|s| s.couple).or_else(|| {
            self.practice
                .as_ref()
                .and_then(|p| p.lists().session(id))
                .map(|s| s.couple)
        })
    }

    /// A couple as it is now: the running session's, the open page's, or the listed one.
    pub fn couple_by_id(&self, id: CoupleId) -> Option<&Couple> {
        match (&self.live, &self.couple) {
            (Some(live), _) if live.couple.id == id => Some(&live.couple),
            (_, Some(record)) if record.couple.id == id => Some(&record.couple),
            _ => self.practice.as_ref().and_then(|p| p.lists().couple(id)),
        }
    }

    /// Submit the live session if it changed and no save of it is under way (each save
    /// holds the whole session, so later changes ride on the next one).
    pub fn autosave(&mut self, now: DateTime<Utc>) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        if live.trial {
            // A try-out keeps nothing: there is nothing to wait for either.
            live.dirty = false;
            return;
        }
        if !live.dirty || live.submitted.is_some() {
            return;
        }
        let Some(practice) = self.practice.as_mut() else {
            return;
        };
        let body = RecordBody::Session(live.runner.session().clone());
        match practice.save(body, now) {
            Ok(ticket) => {
                if let Some(live) = self.live.as_mut() {
                    live.dirty = false;
                    live.submitted = Some(ticket);
                }
            }
            Err(e) => self.report(&e.into()),
        }
    }

    /// Save until the live session has no unsaved change (a change made while an
    /// earlier save was in flight needs a second save), a save fails, or time runs out.
    pub(super) fn save_all(&mut self, now: DateTime<Utc>, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            self.autosave(now);
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let outcomes = match self.practice.as_mut() {
                Some(practice) => practice.flush_saves(left),
                None => return,
            };
            self.take_outcomes(outcomes, now);
            let settled = self
                .live
                .as_ref()
                .is_none_or(|l| (!l.dirty && l.submitted.is_none()) || l.save_error.is_some());
            if settled || std::time::Instant::now() >= deadline {
                break;
            }
        }
    }

    pub(super) fn take_outcomes(&mut self, outcomes: Vec<SaveOutcome>, now: DateTime<Utc>) {
        for outcome in outcomes {
            let mine = self
                .live
                .as_ref()
                .is_some_and(|l| l.submitted == Some(outcome.ticket()));
            if !mine {
                if let SaveOutcome::Failed { error, .. } = &outcome {
                    self.status = Some(Status {
                        text: format!("Not saved: {error}"),
                        is_error: true,
                    });
                }
                continue;
            }
            let Some(live) = self.live.as_mut() else {
                continue;
            };
            live.submitted = None;
            match outcome {
                SaveOutcome::Saved { .. } => {
                    live.save_error = None;
                    live.saved_at = Some(now);
                }
                SaveOutcome::Failed { error, .. } => {
                    // Keep the session in memory and try again on the next change.
                    live.dirty = true;
                    live.save_error = Some(error.clone());
                    self.status = Some(Status {
                        text: format!("Not saved: {error}. The session is kept in memory."),
                        is_error: true,
                    });
                }
            }
        }
    }

    /// Work done every frame, drawn or not: finished jobs, save acknowledgements,
    /// autosave, auto-lock.
    pub fn logic(&mut self, now: DateTime<Utc>) {
        self.poll_opening(now);
        let outcomes = self
            .practice
            .as_mut()
            .map(Practice::poll_saves)
            .unwrap_or_default();
        self.take_outcomes(outcomes, now);
        self.autosave(now);
        self.autosave_note(now);
        self.poll_export();
        self.poll_search(now);
        self.poll_take_home(now);
        self.poll_chooser();
        self.poll_hand_back(now);
        self.offer_pending_worksheet(now);
        // Safety details are opened on purpose and never left open for whoever looks at
        // the screen next: they close once their couple's page is not on screen.
        if self.forms.safety_details.is_some()
            && self.page_couple().map(|c| c.id) != self.forms.safety_details
        {
            self.forms.safety_details = None;
        }
        if self.practice.is_some() && self.idle.is_due(now) && !self.is_demo() {
            self.lock(false, now);
            self.tell("Locked after a quiet spell. Enter the passphrase to go on.");
        }
    }

    /// Save what is unsaved and wait (up to ten seconds) until every queued save is on
    /// disk.
    pub fn wait_for_saves(&mut self, now: DateTime<Utc>) {
        self.autosave_note(now);
        self.save_all(now, Duration::from_secs(10));
    }

    /// Before the window closes: pause a running session, save what is unsaved, and
    /// finish a PDF being written.
    pub fn shutdown(&mut self, now: DateTime<Utc>) {
        self.pause_on_leaving(now);
        self.wait_for_saves(now);
        if let Some(writing) = self.jobs.export.as_mut() {
            let _ = writing.job.wait(Duration::from_secs(10));
        }
        if let Some(practice) = self.practice.take() {
            let (_, mut closing) = practice.close(Duration::from_secs(10));
            let _ = closing.wait(Duration::from_secs(60));
        }
        if let Some(closing) = self.jobs.closing.as_mut() {
            let _ = closing.wait(Duration::from_secs(60));
        }
    }

    /// Wait for the vault being opened (before the first frame, and in tests).
    pub fn wait_for_opening(&mut self, now: DateTime<Utc>) {
        let Some((opening, mut job)) = self.jobs.opening.take() else {
            return;
        };
        match job.wait(Duration::from_secs(60)) {
            Some(outcome) => self.finish_opening(opening, outcome, now),
            None => self.jobs.opening = Some((opening, job)),
        }
    }

    /// True while anything is being worked on off the UI thread.
    pub fn is_busy(&self) -> bool {
        self.jobs.is_busy()
            || self.forms.waiting_query.is_some()
            || self
                .practice
                .as_ref()
                .is_some_and(Practice::is_search_loading)
    }
}
