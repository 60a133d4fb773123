//! Take-home commands: the dialog, issuing a worksheet (the practice logs and saves its
//! record; the file is sealed on a job) and bringing a filled one back (opened on a job,
//! then checked and logged by the practice).

use crate::app::command::{ErrorPlace, TakeHomeCommand};
use crate::app::forms::Overlay;
use crate::app::state::{AppError, AppState, TakeHomeJob, refused};
use crate::app::takehome::TakeHomeDraft;
use crate::practice::takehome::{IssueRequest, open_job, seal_job};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::path::PathBuf;

impl AppState {
    pub(in crate::app) fn apply_take_home(
        &mut self,
        command: TakeHomeCommand,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            TakeHomeCommand::Open(couple) => {
                self.select_couple(Some(couple), now)?;
                let folder = crate::vault::exports::default_export_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                self.overlay.clear_secrets();
                self.overlay = Overlay::TakeHome(TakeHomeDraft::new(couple, folder));
                self.errors.remove(&ErrorPlace::TakeHomeDialog);
                Ok(())
            }
            TakeHomeCommand::Issue => self.issue_worksheet(now),
            TakeHomeCommand::Import => self.import_worksheet(),
            TakeHomeCommand::Close => {
                self.close_take_home();
                Ok(())
            }
        }
    }

    fn close_take_home(&mut self) {
        if matches!(self.overlay, Overlay::TakeHome(_)) {
            self.overlay.clear_secrets();
            self.overlay = Overlay::None;
        }
    }

    /// The open dialog, checked to be about the couple whose page is open.
    fn take_home_draft(&self) -> Result<&TakeHomeDraft, AppError> {
        if self.jobs.take_home.is_some() {
            return Err(refused("a worksheet file is being worked on; wait for it"));
        }
        let Overlay::TakeHome(draft) = &self.overlay else {
            return Err(refused("the take-home dialog is not open"));
        };
        if self.couple.as_ref().map(|r| r.couple.id) != Some(draft.couple) {
            return Err(refused("open the couple's page first"));
        }
        Ok(draft)
    }

    fn issue_worksheet(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let draft = self.take_home_draft()?;
        let record = self
            .couple
            .as_ref()
            .ok_or_else(|| refused("open the couple's page first"))?;
        let practice = self.practice()?;
        let template = draft
            .template
            .as_deref()
            .and_then(|id| practice.library().get(id))
            .cloned()
            .ok_or_else(|| refused("choose a protocol"))?;
        let for_whom = draft
            .for_whom
            .ok_or_else(|| refused("choose who fills the worksheet in"))?;
        if draft.folder.trim().is_empty() {
            return Err(refused("choose a folder for the worksheet file"));
        }
        let path = draft.output_path(&template, &record.couple);
        let bindings = draft.bindings(&template);
        // The passphrase goes straight into a secret: no plain copy of it is kept.
        let passphrase = SecretString::from(draft.passphrase.clone());
        let folder = PathBuf::from(draft.folder.trim());
        if !folder.exists() {
            crate::vault::fsutil::create_private_dir(&folder).map_err(|e| {
                crate::vault::VaultError::io(format!("cannot create {}", folder.display()), e)
            })?;
        }
        let (couple, sessions) = (record.couple.clone(), record.sessions.clone());
        let request = IssueRequest {
            template: &template,
            for_whom,
            bindings,
            couple: Some((&couple, &sessions)),
            passphrase: &passphrase,
        };
        let (_, file) = self.practice_mut()?.prepare_worksheet(&request, now)?;
        // Sealing takes a passphrase derivation: on a job of its own.
        self.jobs.take_home = Some(TakeHomeJob::Sealing(seal_job(
            file,
            path,
            passphrase,
            self.config.kdf_log_n,
        )));
        Ok(())
    }

    fn import_worksheet(&mut self) -> Result<(), AppError> {
        let draft = self.take_home_draft()?;
        let path = PathBuf::from(draft.file.trim());
        let passphrase = SecretString::from(draft.file_passphrase.clone());
        let couple = draft.couple;
        // Opening takes a passphrase derivation: on a job of its own; the rest follows in
        // `poll_take_home`.
        self.jobs.take_home = Some(TakeHomeJob::Opening {
            job: open_job(path, passphrase),
            couple,
        });
        Ok(())
    }

    /// A worksheet file that was written or opened on its job: finish the work.
    pub(in crate::app) fn poll_take_home(&mut self, now: DateTime<Utc>) {
        let result = match self.jobs.take_home.as_mut() {
            None => return,
            Some(TakeHomeJob::Sealing(job)) => match job.poll() {
                None => return,
                Some(written) => {
                    self.jobs.take_home = None;
                    self.finish_sealing(written)
                }
            },
            Some(TakeHomeJob::Opening { job, couple }) => {
                let couple = *couple;
                match job.poll() {
                    None => return,
                    Some(opened) => {
                        self.jobs.take_home = None;
                        self.finish_import(opened, couple, now)
                    }
                }
            }
        };
        if let Err(error) = result {
            // Shown in the dialog while it is open; in the status line once it is closed.
            let place = if matches!(self.overlay, Overlay::TakeHome(_)) {
                ErrorPlace::TakeHomeDialog
            } else {
                ErrorPlace::StatusLine
            };
            self.report_at(place, &error);
        }
    }

    fn finish_sealing(
        &mut self,
        written: Result<PathBuf, crate::practice::PracticeError>,
    ) -> Result<(), AppError> {
        let path = written.map_err(|e| {
            AppError::Refused(format!("the worksheet file could not be written: {e}"))
        })?;
        self.close_take_home();
        self.tell(format!(
            "Worksheet written to {}. Give it to the couple with the passphrase; bring it back with Take-home worksheets… > Bring one back.",
            path.display()
        ));
        Ok(())
    }

    fn finish_import(
        &mut self,
        opened: Result<
            Result<crate::model::TakeHomeFile, crate::vault::takehome::TakeHomeFileError>,
            crate::practice::PracticeError,
        >,
        couple: crate::model::CoupleId,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let opened = opened?;
        self.select_couple(Some(couple), now)?;
        let (practice, record) = self.practice_and_couple()?;
        let session = practice.import_opened(opened, couple, &record.sessions, now)?;
        let title = session.template_title.clone();
        practice.take_in_session(record, session, now)?;
        self.close_take_home();
        self.tell(format!(
            "Imported: the {title} worksheet is now a session of this couple."
        ));
        Ok(())
    }
}
