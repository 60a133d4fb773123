//! The export dialog, where the therapist chooses the document, who will read it and the
//! folder. The document is built and logged by the practice and written on a job of its
//! own (`practice::export`), so the window never waits on it.

use super::command::{Command, ExportCommand, ExportDraft, ExportTarget};
use super::views::labelled_field;
use crate::export::SessionDocument;
use crate::model::{Audience, Couple, Partner};

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
            // A short window scrolls the dialog rather than cutting it off.
            super::style::dialog_body(ui, |ui| {
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
                labelled_field(ui, "Folder", &mut draft.folder);
                labelled_field(ui, "Practice name", &mut draft.practice);
                ui.label(
                    egui::RichText::new(
                        "The PDF is not encrypted: keep it as you would a paper record.",
                    )
                    .weak(),
                );
                ui.horizontal_wrapped(|ui| {
                    let ready =
                        draft.audience.is_some() && !draft.folder.trim().is_empty() && !busy;
                    super::views::command_button(
                        ui,
                        ExportCommand::Write(draft.clone()).into(),
                        ready,
                        out,
                    );
                    super::views::command_button(ui, ExportCommand::Cancel.into(), true, out);
                });
                if draft.audience.is_none() {
                    ui.label(egui::RichText::new("Choose who will read it first.").weak());
                }
            });
        });
}
