//! The system's file chooser for the dialogs' path fields, opened by the "Choose…"
//! commands of the export and take-home areas: one at a time, on a job of its own; its
//! answer goes into the field it was opened for if that dialog is still open, and "no
//! chooser could be shown" is said beside the field.

use crate::app::chooser::{self, Answer, PathField};
use crate::app::forms::Overlay;
use crate::app::state::{AppError, AppState, Screen, refused};
use crate::app::takehome::TakeHomeMode;
use crate::vault::LastFolder;
use std::path::PathBuf;

impl AppState {
    /// Open the file chooser for `field`, starting in the folder typed there (or, when
    /// none is, the one remembered for `which`).
    pub(in crate::app) fn open_chooser(
        &mut self,
        field: PathField,
        typed: &str,
        which: LastFolder,
    ) -> Result<(), AppError> {
        if self.jobs.chooser.is_some() {
            return Err(AppError::at(
                field.error_place(),
                "the file chooser is already open",
            ));
        }
        let remembered = self
            .practice()?
            .vault()
            .header()
            .last_folder(which)
            .map(PathBuf::from);
        let start = match field {
            PathField::ExportFolder | PathField::TakeHomeFolder | PathField::ProtocolFolder => {
                chooser::start_folder(typed, remembered.as_deref())
            }
            // A file: start in the folder it is in.
            PathField::WorksheetFile | PathField::ProtocolFile => {
                let folder = PathBuf::from(typed.trim())
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                chooser::start_folder(&folder, remembered.as_deref())
            }
        };
        self.jobs.chooser = Some(chooser::open(&self.file_chooser, field, start.as_deref()));
        Ok(())
    }

    /// A chooser that answered: fill in its field (if its dialog is still open), or say
    /// that no chooser could be shown.
    pub(in crate::app) fn poll_chooser(&mut self) {
        let Some(outcome) = self.jobs.chooser.as_mut().and_then(|c| c.job.poll()) else {
            return;
        };
        let Some(field) = self.jobs.chooser.take().map(|c| c.field) else {
            return;
        };
        let place = field.error_place();
        match chooser::answer(field, outcome) {
            Answer::Path(path) => {
                let text = path.display().to_string();
                let filled = match (&mut self.overlay, field) {
                    (Overlay::Export(draft), PathField::ExportFolder) => {
                        draft.folder = text;
                        true
                    }
                    (Overlay::TakeHome(draft), PathField::TakeHomeFolder) => {
                        draft.folder = text;
                        true
                    }
                    (Overlay::TakeHome(draft), PathField::WorksheetFile) => {
                        draft.mode = TakeHomeMode::Import;
                        draft.file = text;
                        draft.focus_passphrase = true;
                        true
                    }
                    (_, PathField::ProtocolFile) if self.screen == Screen::Protocols => {
                        self.forms.protocol_file = text;
                        true
                    }
                    (_, PathField::ProtocolFolder) if self.forms.editor.is_some() => {
                        if let Some(form) = self.forms.editor.as_mut() {
                            form.folder = text;
                        }
                        true
                    }
                    // The dialog was closed meanwhile: the answer is for nothing on screen.
                    _ => false,
                };
                if filled {
                    self.clear_errors_at(place);
                }
            }
            Answer::Cancelled => {}
            Answer::Unavailable(text) => {
                if self.chooser_dialog_open(field) {
                    self.report_at(place, &refused(&text));
                }
            }
        }
    }

    /// Whether the dialog a chooser was opened for is still on screen.
    fn chooser_dialog_open(&self, field: PathField) -> bool {
        match field {
            PathField::ExportFolder => matches!(self.overlay, Overlay::Export(_)),
            PathField::TakeHomeFolder | PathField::WorksheetFile => {
                matches!(self.overlay, Overlay::TakeHome(_))
            }
            PathField::ProtocolFile => self.screen == Screen::Protocols,
            PathField::ProtocolFolder => self.forms.editor.is_some(),
        }
    }
}
