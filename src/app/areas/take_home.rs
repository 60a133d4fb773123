//! Take-home commands: the dialog, issuing a worksheet (the practice logs and saves its
//! record; the file is sealed on a job) and bringing a filled one back (opened on a job,
//! then checked and logged by the practice), its file typed, chosen or dropped on the
//! window.

use crate::app::chooser::PathField;
use crate::app::command::{ErrorPlace, TakeHomeCommand};
use crate::app::forms::Overlay;
use crate::app::state::{AppError, AppState, Screen, TakeHomeJob, refused};
use crate::app::takehome::{TakeHomeDraft, TakeHomeMode};
use crate::model::{CoupleId, TakeHomeFile};
use crate::practice::PracticeError;
use crate::practice::takehome::{IfEmpty, IssueRequest, Sealing, TakeHomeForm, open_job, seal_job};
use crate::runner::takehome::TakeHomeError;
use crate::vault::LastFolder;
use crate::vault::takehome::TAKE_HOME_EXTENSION;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::path::{Path, PathBuf};

/// Whether a file is named as a take-home worksheet.
pub(in crate::app) fn is_worksheet_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(TAKE_HOME_EXTENSION))
}

impl AppState {
    pub(in crate::app) fn apply_take_home(
        &mut self,
        command: TakeHomeCommand,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            TakeHomeCommand::Open(couple) => {
                self.select_couple(Some(couple), now)?;
                let folder = self.offered_folder(LastFolder::TakeHome);
                self.overlay.clear_secrets();
                self.overlay = Overlay::TakeHome(TakeHomeDraft::new(couple, folder));
                self.jobs.chooser = None;
                self.clear_errors_at(ErrorPlace::TakeHomeDialog);
                Ok(())
            }
            TakeHomeCommand::Issue => self.issue_worksheet(now),
            TakeHomeCommand::Import => self.import_worksheet(),
            TakeHomeCommand::AddEmpty => self.decide_about_empty(true, now),
            TakeHomeCommand::LeaveEmptyOut => self.decide_about_empty(false, now),
            TakeHomeCommand::ChooseFolder => {
                let Overlay::TakeHome(draft) = &self.overlay else {
                    return Err(refused("the take-home dialog is not open"));
                };
                let typed = draft.folder.clone();
                self.open_chooser(PathField::TakeHomeFolder, &typed, LastFolder::TakeHome)
            }
            TakeHomeCommand::ChooseFile => {
                let Overlay::TakeHome(draft) = &self.overlay else {
                    return Err(refused("the take-home dialog is not open"));
                };
                let typed = draft.file.clone();
                self.open_chooser(PathField::WorksheetFile, &typed, LastFolder::TakeHome)
            }
            TakeHomeCommand::Dropped(files) => self.take_dropped(&files, now),
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
            self.jobs.chooser = None;
        }
    }

    /// The couple whose page is on screen (where a dropped worksheet goes).
    /// A worksheet Tandem was opened on: said once the vault is open, then offered as a
    /// dropped file is, on the first couple's page opened.
    pub(in crate::app) fn offer_pending_worksheet(&mut self, now: DateTime<Utc>) {
        let Some(path) = self.forms.pending_worksheet.clone() else {
            return;
        };
        if self.practice.is_none() || self.overlay != Overlay::None {
            return;
        }
        if self.page_couple().is_none() {
            if self.status.is_none() {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.tell(format!(
                    "To bring back {name}: open the page of the couple it is for."
                ));
            }
            return;
        }
        self.forms.pending_worksheet = None;
        self.status = None;
        if let Err(e) = self.apply(TakeHomeCommand::Dropped(vec![path]).into(), now) {
            self.report(&e);
        }
    }

    pub fn page_couple(&self) -> Option<&crate::model::Couple> {
        if self.screen != Screen::Practice || self.forms.couple.is_some() {
            return None;
        }
        self.couple.as_ref().map(|r| &r.couple)
    }

    /// Files dropped on the window: one take-home worksheet opens the dialog to bring it
    /// back into the open couple's record, its file filled in (the passphrase still to be
    /// typed). Anything else is refused, saying why.
    fn take_dropped(&mut self, files: &[PathBuf], now: DateTime<Utc>) -> Result<(), AppError> {
        // Protocol files (`.ron`) go into the practice's library, each checked.
        if !files.is_empty()
            && files
                .iter()
                .all(|f| f.extension().is_some_and(|x| x == "ron"))
        {
            return self.add_dropped_protocols(files, now);
        }
        let [file] = files else {
            return Err(refused("drop one worksheet file at a time"));
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !is_worksheet_file(file) {
            return Err(AppError::Refused(format!(
                "Only a take-home worksheet file (.{TAKE_HOME_EXTENSION}) can be dropped on Tandem; this is not one: {name}"
            )));
        }
        self.practice()?;
        let Some(couple) = self.page_couple().map(|c| c.id) else {
            return Err(refused(
                "open the couple's page first, then drop the worksheet file on it",
            ));
        };
        let mut draft = match &self.overlay {
            Overlay::TakeHome(draft) if draft.couple == couple => draft.clone(),
            Overlay::None => TakeHomeDraft::new(couple, self.offered_folder(LastFolder::TakeHome)),
            _ => {
                return Err(refused(
                    "close the dialog on screen first, then drop the worksheet file again",
                ));
            }
        };
        draft.mode = TakeHomeMode::Import;
        draft.file = file.display().to_string();
        draft.focus_passphrase = true;
        self.overlay = Overlay::TakeHome(draft);
        self.clear_errors_at(ErrorPlace::TakeHomeDialog);
        Ok(())
    }

    /// Add dropped protocol files to the practice's library (as `tandem templates add`):
    /// each checked, a problem said with its file, line and column.
    fn add_dropped_protocols(
        &mut self,
        files: &[PathBuf],
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let mut added = Vec::new();
        for file in files {
            let text = crate::vault::templates::read_template(file)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match self.practice_mut()?.add_protocol(&name, &text, now) {
                Ok(crate::practice::Added::New { title, .. })
                | Ok(crate::practice::Added::Replaced { title, .. }) => added.push(title),
                Ok(crate::practice::Added::Unchanged { id }) => {
                    self.tell(format!("{id} is already in the practice's library"));
                }
                Err(e) => return Err(AppError::Practice(e)),
            }
        }
        if !added.is_empty() {
            self.tell(format!(
                "Added to the practice's protocols: {}. Start it from New session.",
                added.join(", ")
            ));
        }
        Ok(())
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
            return Err(AppError::at(
                ErrorPlace::TakeHomeFolder,
                "choose a folder for the worksheet file",
            ));
        }
        let path = draft.output_path(&template, &record.couple);
        let form = if draft.page {
            TakeHomeForm::Page
        } else {
            TakeHomeForm::File
        };
        let bindings = draft.bindings(&template);
        // The passphrase goes straight into a secret: no plain copy of it is kept.
        let passphrase = SecretString::from(draft.passphrase.clone());
        let folder = PathBuf::from(draft.folder.trim());
        // Before the worksheet is logged and its record saved: a folder that cannot be
        // made or written into is said beside the field.
        crate::vault::exports::check_folder(&folder)
            .map_err(|e| AppError::at(ErrorPlace::TakeHomeFolder, e))?;
        let (couple, sessions) = (record.couple.clone(), record.sessions.clone());
        // Kept for next time before the worksheet is issued: a setting that cannot be
        // logged stops here, with nothing issued.
        self.remember_folder(LastFolder::TakeHome, &folder, now)?;
        let request = IssueRequest {
            form,
            template: &template,
            for_whom,
            bindings,
            couple: Some((&couple, &sessions)),
            passphrase: &passphrase,
        };
        let (_, file) = self.practice_mut()?.prepare_worksheet(&request, now)?;
        let sealing = match form {
            TakeHomeForm::File => Sealing::File(Box::new(file)),
            TakeHomeForm::Page => Sealing::Page(Box::new(crate::runner::takehome::web_worksheet(
                &template, &file,
            ))),
        };
        // Sealing takes a passphrase derivation: on a job of its own.
        self.jobs.take_home = Some(TakeHomeJob::Sealing(seal_job(
            sealing,
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
            Result<TakeHomeFile, crate::vault::takehome::TakeHomeFileError>,
            PracticeError,
        >,
        couple: CoupleId,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let opened = opened?;
        // Kept aside in case nothing was filled in: the dialog then asks, and adding it
        // needs no second passphrase derivation.
        let kept = opened.as_ref().ok().cloned();
        match (self.import_file(opened, couple, IfEmpty::Refuse, now), kept) {
            (
                Err(AppError::Practice(PracticeError::Worksheet(TakeHomeError::NothingFilledIn))),
                Some(file),
            ) => self.ask_about_empty(couple, file),
            (outcome, _) => outcome,
        }
    }

    /// Check, log and save a worksheet as brought back, and take it into the couple's
    /// open record.
    fn import_file(
        &mut self,
        opened: Result<TakeHomeFile, crate::vault::takehome::TakeHomeFileError>,
        couple: CoupleId,
        if_empty: IfEmpty,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        self.select_couple(Some(couple), now)?;
        let (practice, record) = self.practice_and_couple()?;
        let session = practice.import_opened(opened, couple, &record.sessions, if_empty, now)?;
        let title = session.template_title.clone();
        practice.take_in_session(record, session, now)?;
        self.close_take_home();
        self.tell(format!(
            "Imported: the {title} worksheet is now a session of this couple."
        ));
        Ok(())
    }

    /// Nothing was filled in on the worksheet brought back: hold it in the dialog, which
    /// asks whether to add it all the same.
    fn ask_about_empty(&mut self, couple: CoupleId, file: TakeHomeFile) -> Result<(), AppError> {
        let folder = self.offered_folder(LastFolder::TakeHome);
        let draft = match &mut self.overlay {
            Overlay::TakeHome(draft) if draft.couple == couple => draft,
            Overlay::None => {
                self.overlay = Overlay::TakeHome(TakeHomeDraft::new(couple, folder));
                match &mut self.overlay {
                    Overlay::TakeHome(draft) => draft,
                    _ => return Err(refused("the take-home dialog did not open")),
                }
            }
            _ => {
                return Err(refused(
                    "nothing was filled in on that worksheet, so it was not added; bring it back again to add it all the same",
                ));
            }
        };
        draft.mode = TakeHomeMode::Import;
        draft.empty = Some(Box::new(file));
        Ok(())
    }

    /// The answer to "add it anyway?": add the empty worksheet held in the dialog, or
    /// leave it out.
    fn decide_about_empty(&mut self, add: bool, now: DateTime<Utc>) -> Result<(), AppError> {
        let draft = self.take_home_draft()?;
        let couple = draft.couple;
        let Overlay::TakeHome(draft) = &mut self.overlay else {
            return Err(refused("the take-home dialog is not open"));
        };
        let file = draft
            .empty
            .take()
            .ok_or_else(|| refused("no empty worksheet is waiting"))?;
        if add {
            self.import_file(Ok(*file), couple, IfEmpty::Add, now)
        } else {
            self.tell("The empty worksheet was not added; nothing changed.");
            Ok(())
        }
    }
}
