//! The export dialog, where the therapist chooses the document, who will read it and the
//! folder (typed, or chosen in the system's file chooser; the last one used is offered).
//! The document is built and logged by the practice and written on a job of its own
//! (`practice::export`), so the window never waits on it. A folder that cannot be made or
//! written into is said beside the field before anything is written, and the dialog
//! keeps every choice.

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

/// What the export dialog shows besides its fields.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExportStatus<'a> {
    /// A PDF is being written.
    pub busy: bool,
    /// The system's file chooser is open for the folder.
    pub choosing: bool,
    /// The last attempt's error, and an error about the folder (shown beside it).
    pub error: Option<&'a str>,
    pub folder_error: Option<&'a str>,
    /// How the practice's documents write dates (a setting, changed here).
    pub dates: crate::model::DateStyle,
}

/// A path field with its "Choose…" button beside it, a note while the chooser is open,
/// and its error below. Shared by the export and take-home dialogs.
pub fn path_field_ui(
    ui: &mut egui::Ui,
    label: &str,
    text: &mut String,
    choose: Command,
    choosing: bool,
    error: Option<&str>,
    out: &mut Vec<Command>,
) -> egui::Response {
    let response = ui
        .horizontal(|ui| {
            let response = labelled_field(ui, label, text);
            super::views::command_button(ui, choose, !choosing, out);
            response
        })
        .inner;
    if choosing {
        ui.label(
            egui::RichText::new(
                "Waiting for your system's file chooser… You can type the path here meanwhile.",
            )
            .weak(),
        );
    }
    super::views::error_ui(ui, error);
    response
}

/// The export dialog. `couple` is the couple the export is about; `subject` names what
/// is exported (protocol and date, or the progress report).
pub fn export_dialog_ui(
    ctx: &egui::Context,
    couple: &Couple,
    subject: &str,
    draft: &mut ExportDraft,
    status: ExportStatus<'_>,
    out: &mut Vec<Command>,
) {
    let busy = status.busy;
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
                // The session note is written for its reader: say which one it will be.
                if let (ExportTarget::Session(_), SessionDocument::Note, Some(audience)) =
                    (&draft.target, draft.document, draft.audience)
                {
                    let what = match audience {
                        Audience::Clinician => {
                            "The full session record, private and therapist-only steps marked."
                        }
                        Audience::Couple => {
                            "A summary in plain words: what you worked on, what each said, agreements, support. No tables or timings."
                        }
                        Audience::Partner(_) => {
                            "The couple's summary, with this partner's own private entries."
                        }
                    };
                    ui.label(egui::RichText::new(what).weak());
                }
                ui.add_space(6.0);
                path_field_ui(
                    ui,
                    "Folder",
                    &mut draft.folder,
                    ExportCommand::ChooseFolder.into(),
                    status.choosing,
                    status.folder_error,
                    out,
                );
                labelled_field(ui, "Practice name", &mut draft.practice);
                date_style_ui(ui, status.dates, out);
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
                if busy {
                    ui.label(egui::RichText::new("Writing the PDF…").weak());
                }
                super::views::error_ui(ui, status.error);
            });
        });
}

/// How the practice's documents write dates: a setting, kept in the vault's header.
fn date_style_ui(ui: &mut egui::Ui, current: crate::model::DateStyle, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let label = ui.label("Dates in documents");
        egui::ComboBox::from_id_salt("date-style")
            .selected_text(current.label())
            .show_ui(ui, |ui| {
                for style in crate::model::DateStyle::ALL {
                    let command =
                        Command::from(super::command::PracticeCommand::SetDateStyle(style));
                    if ui
                        .selectable_label(style == current, command.label())
                        .on_hover_text(command.tooltip())
                        .clicked()
                        && style != current
                    {
                        out.push(command);
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
}
