//! Export commands: the dialog (its folder typed, chosen in the system's file chooser, or
//! the one used last), and writing a PDF on a job of its own once the folder is known to
//! be writable and the practice has built the document and logged the export.

use crate::app::chooser::PathField;
use crate::app::command::{ErrorPlace, ExportCommand, ExportDraft, ExportTarget};
use crate::app::forms::Overlay;
use crate::app::state::{AppError, AppState, ExportWriting, Status, refused};
use crate::export::SessionDocument;
use crate::practice::export::PreparedExport;
use crate::vault::LastFolder;
use chrono::{DateTime, Utc};
use std::path::PathBuf;

impl AppState {
    pub(in crate::app) fn apply_export(
        &mut self,
        command: ExportCommand,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            ExportCommand::Open(target) => {
                let header = self.practice()?.vault().header();
                let practice = header.practice_name.clone();
                let folder = self.offered_folder(LastFolder::Exports);
                self.overlay.clear_secrets();
                self.clear_errors_at(ErrorPlace::ExportDialog);
                self.jobs.chooser = None;
                self.overlay = Overlay::Export(ExportDraft {
                    target,
                    document: SessionDocument::Note,
                    audience: None,
                    folder,
                    practice,
                });
                Ok(())
            }
            ExportCommand::Cancel => {
                if matches!(self.overlay, Overlay::Export(_)) {
                    self.overlay = Overlay::None;
                    self.jobs.chooser = None;
                }
                Ok(())
            }
            ExportCommand::Write(draft) => self.write_export(draft, now),
            ExportCommand::ChooseFolder => {
                let Overlay::Export(draft) = &self.overlay else {
                    return Err(refused("the export dialog is not open"));
                };
                let typed = draft.folder.clone();
                self.open_chooser(PathField::ExportFolder, &typed, LastFolder::Exports)
            }
            ExportCommand::Note => self.export_note(now),
            ExportCommand::ProcessNotes(couple) => {
                let (practice, record) = self.practice_and_couple()?;
                if record.couple.id != couple {
                    return Err(refused("open the couple first"));
                }
                let ctx = practice.export_context(now);
                let prepared =
                    practice.export_process_notes(&record.couple, &record.process_notes, &ctx)?;
                self.write_to_documents(prepared)
            }
        }
    }

    /// The folder a dialog offers: the one remembered for `which`, else "Tandem exports"
    /// in the documents folder.
    pub(in crate::app) fn offered_folder(&self, which: LastFolder) -> String {
        self.practice
            .as_ref()
            .and_then(|p| p.vault().header().last_folder(which).map(PathBuf::from))
            .or_else(crate::vault::exports::default_export_dir)
            .map(|d| d.display().to_string())
            .unwrap_or_default()
    }

    /// Remember the folder just used, for the next time. Not in a read-only vault, which
    /// keeps no settings (the export itself still goes ahead).
    pub(in crate::app) fn remember_folder(
        &mut self,
        which: LastFolder,
        folder: &std::path::Path,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let practice = self.practice_mut()?;
        if practice.is_read_only() {
            return Ok(());
        }
        Ok(practice.remember_folder(which, folder, now)?)
    }

    /// The couple an export is about, if it is in this vault.
    pub fn export_couple(&self, target: ExportTarget) -> Option<&crate::model::Couple> {
        let couple = match target {
            ExportTarget::Progress(id) => id,
            ExportTarget::Session(id) => self.couple_of_session(id)?,
        };
        self.couple_by_id(couple)
    }

    /// What an export is of, for the dialog: "C-0101 · Intentional dialogue · 12 Oct 2026".
    pub fn export_subject(&self, target: ExportTarget) -> String {
        let code = self
            .export_couple(target)
            .map_or(String::new(), |c| c.code.clone());
        match target {
            ExportTarget::Progress(_) => format!("{code} · progress report over all sessions"),
            ExportTarget::Session(id) => {
                let found = self
                    .session_now(id)
                    .map(|s| (s.template_title.clone(), s.started_at))
                    .or_else(|| {
                        let listed = self.practice.as_ref()?.lists().session(id)?;
                        Some((listed.template_title.clone(), listed.started_at))
                    });
                match found {
                    Some((title, at)) => format!(
                        "{code} · {title} · {}",
                        at.with_timezone(&chrono::Local).format("%-d %b %Y")
                    ),
                    None => code,
                }
            }
        }
    }

    /// Build the document now (quick), logged by the practice, and lay it out and write it
    /// on a job of its own.
    fn write_export(&mut self, draft: ExportDraft, now: DateTime<Utc>) -> Result<(), AppError> {
        if self.jobs.export.is_some() {
            return Err(refused(
                "an export is already being written; wait for it to finish",
            ));
        }
        let audience = draft
            .audience
            .ok_or_else(|| refused("choose who will read the PDF"))?;
        let folder = PathBuf::from(draft.folder.trim());
        if folder.as_os_str().is_empty() {
            return Err(AppError::at(
                ErrorPlace::ExportFolder,
                "choose a folder for the PDF",
            ));
        }
        // Before anything is logged: a folder that cannot be made or written into is said
        // beside the field, and the dialog stays open with every choice.
        crate::vault::exports::check_folder(&folder)
            .map_err(|e| AppError::at(ErrorPlace::ExportFolder, e))?;
        // The practice name and the folder are kept for next time (settings, logged as
        // such).
        self.practice_mut()?
            .set_practice_name(&draft.practice, now)?;
        self.remember_folder(LastFolder::Exports, &folder, now)?;
        let mut unreadable = 0;
        let prepared = match draft.target {
            ExportTarget::Session(id) => {
                if self.session_now(id).is_none() {
                    let couple = self
                        .couple_of_session(id)
                        .ok_or_else(|| refused("that session is not in this vault"))?;
                    self.select_couple(Some(couple), now)?;
                }
                let session = self
                    .session_now(id)
                    .ok_or_else(|| refused("that session is not in this vault"))?;
                let couple = self
                    .couple_by_id(session.couple)
                    .ok_or_else(|| refused("the session's couple is not in this vault"))?;
                let practice = self.practice()?;
                let ctx = practice.export_context(now);
                practice.export_session(session, couple, draft.document, audience, &ctx)?
            }
            ExportTarget::Progress(id) => {
                self.select_couple(Some(id), now)?;
                let record = self
                    .couple
                    .as_ref()
                    .ok_or_else(|| refused("no couple selected"))?;
                unreadable = record.unreadable.sessions;
                let practice = self.practice()?;
                let ctx = practice.export_context(now);
                practice.export_progress(
                    &record.couple,
                    &record.sessions,
                    Some(&record.course),
                    audience,
                    &ctx,
                )?
            }
        };
        self.start_writing(prepared, &folder, Some(draft));
        if matches!(self.overlay, Overlay::Export(_)) {
            self.overlay = Overlay::None;
            self.jobs.chooser = None;
        }
        if unreadable > 0 {
            self.tell(format!(
                "{unreadable} of this couple's sessions could not be opened and are not in the report"
            ));
        }
        Ok(())
    }

    /// The open progress note as a PDF for the clinician.
    fn export_note(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        self.autosave_note(now);
        let form = self
            .forms
            .note
            .as_ref()
            .ok_or_else(|| refused("no note is open"))?;
        let session = self.session_now(form.session);
        let record = self
            .couple
            .as_ref()
            .ok_or_else(|| refused("no couple selected"))?;
        let practice = self.practice()?;
        let ctx = practice.export_context(now);
        let prepared =
            practice.export_note(&form.note, session, &record.sessions, &record.couple, &ctx)?;
        self.write_to_documents(prepared)
    }

    /// Write a clinician's document into the default export folder.
    fn write_to_documents(&mut self, prepared: PreparedExport) -> Result<(), AppError> {
        if self.jobs.export.is_some() {
            return Err(refused(
                "an export is already being written; wait for it to finish",
            ));
        }
        let folder = crate::vault::exports::default_export_dir()
            .ok_or_else(|| refused("this system has no documents folder"))?;
        self.start_writing(prepared, &folder, None);
        Ok(())
    }

    /// Lay out and write on a job of its own, never over an earlier file. `draft` is the
    /// dialog's choices, to open it again with them if writing fails.
    fn start_writing(
        &mut self,
        prepared: PreparedExport,
        folder: &std::path::Path,
        draft: Option<ExportDraft>,
    ) {
        let path =
            crate::vault::exports::free_path(folder, &crate::export::file_name(&prepared.report));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.jobs.export = Some(ExportWriting {
            job: prepared.start(path),
            name,
            draft,
        });
    }

    /// An export that finished: say where it went, or why it failed (in the dialog, open
    /// again with its choices, when nothing else is on screen).
    pub(in crate::app) fn poll_export(&mut self) {
        let Some(outcome) = self.jobs.export.as_mut().and_then(|w| w.job.poll()) else {
            return;
        };
        let draft = self.jobs.export.take().and_then(|w| w.draft);
        match outcome {
            Ok(written) => {
                let name = written
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let folder = written
                    .path
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                self.tell(format!(
                    "Exported {name} ({} pages) to {folder}",
                    written.pages
                ));
            }
            Err(e) => match draft {
                Some(draft) if self.overlay == Overlay::None && self.practice.is_some() => {
                    self.overlay = Overlay::Export(draft);
                    self.report_at(
                        ErrorPlace::ExportFolder,
                        &AppError::Refused(format!("The PDF was not written: {e}")),
                    );
                }
                _ => {
                    self.status = Some(Status {
                        text: format!("The PDF was not written: {e}"),
                        is_error: true,
                    })
                }
            },
        }
    }

    /// How far the export has come, and the share done, for the status line's bar.
    pub fn export_progress(&self) -> Option<(String, f32)> {
        use crate::export::Progress;
        let ExportWriting { job, name, .. } = self.jobs.export.as_ref()?;
        Some(match job.progress() {
            None => (format!("Exporting {name}…"), 0.0),
            Some(Progress::LaidOut { pages }) => {
                (format!("Exporting {name}: laying out page {pages}"), 0.2)
            }
            Some(Progress::Writing { page, of }) => (
                format!("Exporting {name}: page {page} of {of}"),
                0.2 + 0.7 * *page as f32 / (*of).max(1) as f32,
            ),
            Some(Progress::Saving) => (format!("Exporting {name}: saving"), 0.95),
        })
    }
}
