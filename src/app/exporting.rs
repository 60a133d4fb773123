//! Export from the app: the dialog where the therapist chooses the document, who will read
//! it and the folder, and the job that lays out and writes the PDF on its own thread,
//! reporting progress through a channel so the UI never waits on it.

use super::command::{Command, ExportDraft, ExportTarget};
use super::views::labelled_field;
use crate::export::{self, Progress, Report, SessionDocument};
use crate::model::{Audience, Couple, Partner};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// What the export thread reports.
enum Update {
    Progress(Progress),
    Done { pages: usize },
    Failed(String),
}

/// An export being written.
pub struct ExportJob {
    rx: Receiver<Update>,
    /// Where the PDF goes.
    pub path: PathBuf,
    pub progress: Option<Progress>,
}

impl ExportJob {
    /// Render `report` and write it to `path` on a thread of its own.
    pub fn start(report: Report, path: PathBuf) -> ExportJob {
        let (tx, rx) = mpsc::channel();
        let target = path.clone();
        let worker = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("tandem-export".into())
            .spawn(move || {
                let mut pages = 0;
                let result = export::render(&report, &mut |p| {
                    if let Progress::Writing { of, .. } = p {
                        pages = of;
                    }
                    let _ = worker.send(Update::Progress(p));
                })
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    crate::vault::exports::write_export(&target, &bytes).map_err(|e| e.to_string())
                });
                let _ = worker.send(match result {
                    Ok(()) => Update::Done { pages },
                    Err(e) => Update::Failed(e),
                });
            });
        if let Err(e) = spawned {
            let _ = tx.send(Update::Failed(format!("cannot start the export: {e}")));
        }
        ExportJob {
            rx,
            path,
            progress: None,
        }
    }

    /// Take what the thread reported: `Some` with the page count, or why it failed, once
    /// it has finished.
    pub fn poll(&mut self) -> Option<Result<usize, String>> {
        loop {
            match self.rx.try_recv() {
                Ok(Update::Progress(p)) => self.progress = Some(p),
                Ok(Update::Done { pages }) => return Some(Ok(pages)),
                Ok(Update::Failed(e)) => return Some(Err(e)),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => {
                    return Some(Err("the export stopped before it finished".into()));
                }
            }
        }
    }

    /// The file's name, without the folder.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// How far it has come, and the share done for a progress bar.
    pub fn describe(&self) -> (String, f32) {
        let name = self.file_name();
        match self.progress {
            None => (format!("Exporting {name}…"), 0.0),
            Some(Progress::LaidOut { pages }) => {
                (format!("Exporting {name}: laying out page {pages}"), 0.2)
            }
            Some(Progress::Writing { page, of }) => (
                format!("Exporting {name}: page {page} of {of}"),
                0.2 + 0.7 * page as f32 / of.max(1) as f32,
            ),
            Some(Progress::Saving) => (format!("Exporting {name}: saving"), 0.95),
        }
    }
}

/// How each reader is offered in the dialog.
pub fn audience_label(audience: Audience, couple: &Couple) -> String {
    match audience {
        Audience::Clinician => "The clinician (everything, private items included)".into(),
        Audience::Couple => "The couple (shared items only)".into(),
        Audience::Partner(p) => format!(
            "{} only (shared items and their own private ones)",
            couple.partner(p).name
        ),
    }
}

/// The export dialog. `couple` is the couple the export is about; `subject` names what
/// is exported (protocol and date, or the progress report).
pub fn export_dialog_ui(
    ctx: &egui::Context,
    couple: &Couple,
    subject: &str,
    draft: &mut ExportDraft,
    busy: bool,
    out: &mut Vec<Command>,
) {
    let title = match draft.target {
        ExportTarget::Session(_) => "Export a session as PDF",
        ExportTarget::Progress(_) => "Export the progress report as PDF",
    };
    egui::Window::new(title)
        .collapsible(false)
        .resizable(false)
        .default_width(460.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.label(egui::RichText::new(subject).strong());
            ui.add_space(4.0);
            if let ExportTarget::Session(_) = draft.target {
                ui.label(egui::RichText::new("Document").strong());
                for document in SessionDocument::ALL {
                    ui.radio_value(&mut draft.document, document, document.label());
                }
                ui.add_space(6.0);
            }
            ui.label(egui::RichText::new("Who will read it").strong());
            for audience in [
                Audience::Clinician,
                Audience::Couple,
                Audience::Partner(Partner::A),
                Audience::Partner(Partner::B),
            ] {
                ui.radio_value(
                    &mut draft.audience,
                    Some(audience),
                    audience_label(audience, couple),
                );
            }
            ui.add_space(6.0);
            labelled_field(ui, "Folder", &mut draft.folder, false);
            labelled_field(ui, "Practice name", &mut draft.practice, false);
            ui.label(
                egui::RichText::new(
                    "The PDF is not encrypted: keep it as you would a paper record.",
                )
                .weak(),
            );
            ui.horizontal(|ui| {
                let ready = draft.audience.is_some() && !draft.folder.trim().is_empty() && !busy;
                super::views::command_button(ui, Command::Export(draft.clone()), ready, out);
                super::views::command_button(ui, Command::CancelExport, true, out);
            });
            if draft.audience.is_none() {
                ui.label(egui::RichText::new("Choose who will read it first.").weak());
            }
        });
}
