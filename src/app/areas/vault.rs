//! The vault's commands: create, open the demo, unlock (each a job: the passphrase
//! derivation never runs on the UI thread), lock and quick hide.

use crate::app::command::{ErrorPlace, VaultCommand};
use crate::app::forms::Overlay;
use crate::app::state::{AppError, AppState, Opening, SAVE_TIMEOUT, Screen, refused};
use crate::practice::{Job, OpenRequest, Practice, PracticeError, Want};
use crate::vault::idle::IdleLock;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

impl AppState {
    pub(in crate::app) fn apply_vault(
        &mut self,
        command: VaultCommand,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            VaultCommand::Create => self.create_vault(now),
            VaultCommand::OpenDemo => self.open_demo(now),
            VaultCommand::Unlock => self.unlock(now),
            VaultCommand::Lock => {
                self.lock(false, now);
                Ok(())
            }
            VaultCommand::QuickHide => {
                self.lock(true, now);
                Ok(())
            }
        }
    }

    fn start_opening(
        &mut self,
        opening: Opening,
        work: impl FnOnce() -> Result<Practice, PracticeError> + Send + 'static,
    ) -> Result<(), AppError> {
        if self.jobs.opening.is_some() {
            return Err(refused("the vault is being opened; a moment"));
        }
        // The practice locked last lets its vault go first (it may be writing its search
        // index): waited for on the job, never on the window.
        let mut closing = self.jobs.closing.take();
        self.jobs.opening = Some((
            opening,
            Job::spawn("open-vault", move |_| {
                if let Some(closing) = closing.as_mut() {
                    let _ = closing.wait(std::time::Duration::from_secs(60));
                }
                work()
            }),
        ));
        Ok(())
    }

    fn create_vault(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let root = self.root().ok_or_else(|| {
            refused("this system has no data folder: start Tandem with --vault DIR")
        })?;
        if self.forms.passphrase != self.forms.passphrase_again {
            return Err(refused("the two passphrases differ"));
        }
        let passphrase = SecretString::from(self.forms.passphrase.clone());
        let log_n = self.config.kdf_log_n;
        self.forms.clear_secrets();
        self.start_opening(Opening::Create, move || {
            Practice::create(&root, passphrase, log_n, now)
        })
    }

    fn open_demo(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let dir = tempfile::Builder::new()
            .prefix("tandem-demo-")
            .tempdir()
            .map_err(|e| crate::vault::VaultError::io("cannot create the demo folder", e))?;
        let root = dir.path().join("vault");
        self.demo_dir = Some(dir);
        self.start_opening(Opening::Demo, move || Practice::create_demo(&root, now))
    }

    fn unlock(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let root = self.root().ok_or_else(|| refused("no vault folder"))?;
        let passphrase = SecretString::from(self.forms.passphrase.clone());
        self.forms.clear_secrets();
        self.start_opening(Opening::Unlock, move || {
            Practice::open(
                OpenRequest {
                    root,
                    passphrase: Some(passphrase),
                    want: Want::ReadWriteOrReadOnly,
                    origin: "app",
                    lists: true,
                },
                now,
            )
        })
    }

    /// A vault that was being opened: take it in, or say why not.
    pub(in crate::app) fn poll_opening(&mut self, now: DateTime<Utc>) {
        let Some((opening, job)) = self.jobs.opening.as_mut() else {
            return;
        };
        let Some(outcome) = job.poll() else {
            return;
        };
        let opening = *opening;
        self.jobs.opening = None;
        self.finish_opening(opening, outcome, now);
    }

    pub(in crate::app) fn finish_opening(
        &mut self,
        opening: Opening,
        outcome: Result<Practice, PracticeError>,
        now: DateTime<Utc>,
    ) {
        let practice = match outcome {
            Ok(practice) => practice,
            Err(e) => {
                if opening == Opening::Demo {
                    self.demo_dir = None;
                }
                let place = match opening {
                    Opening::Unlock => ErrorPlace::Passphrase,
                    Opening::Create | Opening::Demo => ErrorPlace::NewVault,
                };
                return self.report_at(place, &e.into());
            }
        };
        self.errors.clear();
        let mut practice = practice;
        // The search index loads on a job of its own while the therapist looks around.
        practice.load_search_in_background();
        self.idle = IdleLock::new(practice.vault().header().auto_lock_mins, now);
        let problems = practice.lists().problems.len();
        let read_only = practice.is_read_only_fallback();
        let unwritable = practice.unwritable().map(str::to_string);
        self.practice = Some(practice);
        self.screen = Screen::Practice;
        if self.overlay == Overlay::Hidden {
            self.overlay = Overlay::None;
        }
        self.status = None;
        match opening {
            Opening::Create => self.tell(
                "Your vault is ready. Everything you record stays on this computer, encrypted.",
            ),
            Opening::Demo | Opening::Unlock => {}
        }
        if let Some(why) = unwritable {
            let mut chars = why.chars();
            let why: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            self.tell(format!(
                "{why}: opened read-only. You can read, search and export to another disk; nothing can be saved here. What you open is logged once there is room again."
            ));
        } else if read_only {
            self.tell(
                "Another Tandem has this vault open: opened read-only, nothing can be saved here",
            );
        } else if problems > 0 {
            self.tell(format!(
                "{} in the vault {} attention: see the practice page",
                crate::model::plural(problems, "file", "files"),
                if problems == 1 { "needs" } else { "need" }
            ));
        }
        // A protocol being edited when the vault locked: back to it, unsaved changes and
        // all (a protocol holds no one's records).
        if self.forms.editor.is_some() && self.live.is_none() && self.resume_after_unlock.is_none()
        {
            self.screen = Screen::Editor;
        }
        let resumed = match (self.live.as_ref(), self.resume_after_unlock.take()) {
            // The session stayed in memory because its last save had failed: back to it.
            (Some(live), _) => {
                let couple = live.couple.id;
                self.select_couple(Some(couple), now)
                    .map(|()| self.screen = Screen::Session)
            }
            (None, Some(id)) => self.resume_session(id, now),
            (None, None) => Ok(()),
        };
        if let Err(e) = resumed {
            self.report(&e);
        }
    }

    /// Lock (and for quick hide, blank every window). Unsaved work is saved first; if that
    /// fails, the session stays in memory (hidden) rather than be lost.
    pub(in crate::app) fn lock(&mut self, hide: bool, now: DateTime<Utc>) {
        self.autosave_note(now);
        self.save_all(now, SAVE_TIMEOUT);
        // Nothing decrypted stays in the forms or on screen.
        self.forms.clear_records();
        self.errors.clear();
        self.overlay.clear_secrets();
        self.overlay = if hide { Overlay::Hidden } else { Overlay::None };
        // An answer from a file chooser still open would be for a dialog that is gone.
        self.jobs.chooser = None;
        self.couple = None;
        // A try-out keeps nothing: it ends with the lock.
        if self.live.as_ref().is_some_and(|l| l.trial) {
            self.live = None;
        }
        let keep_live = self.live.as_ref().is_some_and(|l| !l.is_saved());
        if !keep_live {
            self.resume_after_unlock = self.live.take().map(|l| l.runner.session().id);
        }
        if let Some(practice) = self.practice.take() {
            let (outcomes, closing) = practice.close(SAVE_TIMEOUT);
            self.take_outcomes(outcomes, now);
            self.jobs.closing = Some(closing);
        }
        self.screen = Screen::Unlock;
        if keep_live {
            self.tell("The session could not be saved; it is kept in memory until you unlock");
        } else {
            self.status = None;
        }
    }
}
