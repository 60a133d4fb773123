//! The take-home dialog on a couple's page: give a worksheet to fill in at home, or bring
//! a filled one back (its file typed, chosen in the system's file chooser, or dropped on
//! the window). The work (the issue record, the audit entries, checking what comes back)
//! is the practice's (`practice::takehome`); this draws the dialog and keeps its fields.

use super::chooser::PathField;
use super::command::{Command, TakeHomeCommand};
use super::exporting::path_field_ui;
use super::views::{labelled_field, passphrase_field};
use crate::model::{Bindings, Couple, CoupleFacts, CoupleId, Partner, TakeHomeFile, WorksheetFor};
use crate::practice::takehome::take_home_templates;
use crate::runner::takehome as pure;
use crate::template::{Library, Template};
use std::path::{Path, PathBuf};

/// Which way the dialog is working.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TakeHomeMode {
    #[default]
    Issue,
    Import,
}

/// The take-home dialog's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakeHomeDraft {
    pub couple: CoupleId,
    pub mode: TakeHomeMode,
    pub template: Option<String>,
    /// Who fills it in: chosen every time, never defaulted.
    pub for_whom: Option<WorksheetFor>,
    pub speaker_is_b: bool,
    pub hurt_is_b: bool,
    /// The passphrase the therapist gives the couple (shown, so it can be read out).
    pub passphrase: String,
    /// A web page that opens in any browser (`true`), or a file for `tandem fill`.
    pub page: bool,
    pub folder: String,
    /// The filled file to bring back, and its passphrase.
    pub file: String,
    pub file_passphrase: String,
    /// The passphrase field takes the focus when next drawn (a file was just dropped).
    pub focus_passphrase: bool,
    /// A worksheet brought back with nothing filled in, held while the dialog asks
    /// whether to add it all the same.
    pub empty: Option<Box<TakeHomeFile>>,
}

impl TakeHomeDraft {
    pub fn new(couple: CoupleId, folder: String) -> TakeHomeDraft {
        TakeHomeDraft {
            couple,
            mode: TakeHomeMode::Issue,
            template: None,
            for_whom: None,
            speaker_is_b: false,
            hurt_is_b: false,
            passphrase: String::new(),
            page: true,
            folder,
            file: String::new(),
            file_passphrase: String::new(),
            focus_passphrase: false,
            empty: None,
        }
    }

    /// The role bindings chosen, for the protocol's roles.
    pub fn bindings(&self, template: &Template) -> Bindings {
        super::views::chosen_bindings(template, self.speaker_is_b, self.hurt_is_b)
    }

    /// Where the worksheet file goes: a new name in the folder, never over a file.
    pub fn output_path(&self, template: &Template, couple: &Couple) -> PathBuf {
        let who = match self.for_whom {
            Some(WorksheetFor::Partner(Partner::A)) => "-a",
            Some(WorksheetFor::Partner(Partner::B)) => "-b",
            _ => "",
        };
        let extension = if self.page {
            "html"
        } else {
            crate::vault::takehome::TAKE_HOME_EXTENSION
        };
        crate::vault::exports::free_path(
            Path::new(self.folder.trim()),
            &format!("{}-{}{who}.{extension}", couple.code, template.id),
        )
    }

    /// Forget both passphrases, and a worksheet held open.
    pub fn clear_secrets(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.passphrase);
        zeroize::Zeroize::zeroize(&mut self.file_passphrase);
        self.empty = None;
    }
}

/// How each filler is offered in the dialog.
pub fn for_whom_label(for_whom: WorksheetFor, couple: &Couple) -> String {
    match for_whom {
        WorksheetFor::Couple => "Both together (shared items only)".into(),
        WorksheetFor::Partner(p) => format!(
            "{} alone (shared items and their own private ones)",
            couple.partner(p).name
        ),
    }
}

/// What the take-home dialog shows besides its fields.
#[derive(Clone, Copy, Debug, Default)]
pub struct TakeHomeStatus<'a> {
    /// A worksheet file is being sealed or opened.
    pub busy: bool,
    /// The field the system's file chooser is open for, if any.
    pub choosing: Option<PathField>,
    /// The last attempt's error, and errors about the folder and the file (shown beside
    /// them).
    pub error: Option<&'a str>,
    pub folder_error: Option<&'a str>,
    pub file_error: Option<&'a str>,
}

/// The take-home dialog: give a worksheet to take home, or bring a filled one back.
pub fn take_home_dialog_ui(
    ctx: &egui::Context,
    couple: &Couple,
    facts: &CoupleFacts,
    library: &Library,
    draft: &mut TakeHomeDraft,
    status: TakeHomeStatus<'_>,
    out: &mut Vec<Command>,
) {
    let busy = status.busy;
    egui::Window::new("Take-home worksheets")
        .collapsible(false)
        .resizable(false)
        .default_width(520.0)
        // Anchored at the top, so the dialog grows downwards as choices appear and
        // nothing moves under the pointer.
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 40.0))
        .show(ctx, |ui| {
            // A short window scrolls the dialog rather than cutting it off.
            super::style::dialog_body(ui, |ui| {
                ui.label(
                    egui::RichText::new(format!(
                        "{} & {} · {}",
                        couple.partner_a.name, couple.partner_b.name, couple.code
                    ))
                    .strong(),
                );
                ui.horizontal_wrapped(|ui| {
                    ui.radio_value(&mut draft.mode, TakeHomeMode::Issue, "Give a worksheet");
                    ui.radio_value(&mut draft.mode, TakeHomeMode::Import, "Bring one back");
                });
                ui.separator();
                match draft.mode {
                    TakeHomeMode::Issue => issue_ui(ui, couple, facts, library, draft, status, out),
                    TakeHomeMode::Import => import_ui(ui, draft, status, out),
                }
                if busy {
                    ui.label(egui::RichText::new("Working on the file…").weak());
                }
                super::views::error_ui(ui, status.error);
            });
        });
}

fn issue_ui(
    ui: &mut egui::Ui,
    couple: &Couple,
    facts: &CoupleFacts,
    library: &Library,
    draft: &mut TakeHomeDraft,
    status: TakeHomeStatus<'_>,
    out: &mut Vec<Command>,
) {
    let busy = status.busy;
    ui.label(egui::RichText::new("Protocol").strong());
    let templates = take_home_templates(library);
    let half = templates.len().div_ceil(2);
    ui.columns(2, |columns| {
        for (i, template) in templates.into_iter().enumerate() {
            columns[usize::from(i >= half)].radio_value(
                &mut draft.template,
                Some(template.id.clone()),
                &template.title,
            );
        }
    });
    let template = draft.template.as_deref().and_then(|id| library.get(id));
    if let Some(template) = template {
        super::views::role_choice_ui(
            ui,
            template,
            couple,
            &mut draft.speaker_is_b,
            &mut draft.hurt_is_b,
        );
    }
    ui.add_space(6.0);
    ui.label(egui::RichText::new("Who fills it in").strong());
    let bindings = template.map(|t| draft.bindings(t)).unwrap_or_default();
    for for_whom in WorksheetFor::ALL {
        let possible = template.is_none_or(|t| pure::has_take_home(t, for_whom, bindings));
        ui.add_enabled_ui(possible, |ui| {
            ui.radio_value(
                &mut draft.for_whom,
                Some(for_whom),
                for_whom_label(for_whom, couple),
            );
        });
    }
    ui.add_space(6.0);
    ui.label(egui::RichText::new("As").strong());
    ui.radio_value(
        &mut draft.page,
        true,
        "A web page: opens in any browser, on a phone too, with nothing to install",
    );
    ui.radio_value(
        &mut draft.page,
        false,
        "A worksheet file, for couples who have Tandem (tandem fill)",
    );
    ui.add_space(6.0);
    // Shown as typed, so it can be read out to the couple.
    labelled_field(ui, "Passphrase for the couple", &mut draft.passphrase);
    path_field_ui(
        ui,
        "Folder",
        &mut draft.folder,
        TakeHomeCommand::ChooseFolder.into(),
        status.choosing == Some(PathField::TakeHomeFolder),
        status.folder_error,
        out,
    );
    ui.label(
        egui::RichText::new(if draft.page {
            "Tell them the passphrase in person, not in the same message as the file. They open the page in a browser, fill it in, and send back the answers file it saves."
        } else {
            "Tell them the passphrase in person, not in the same message as the file. They open it with `tandem fill FILE`."
        })
        .weak(),
    );
    let locked = template
        .map(|t| crate::runner::locked_because(t, facts))
        .unwrap_or_default();
    if !locked.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!("Locked for this couple: {}", locked.join("; ")),
        );
    }
    let fits = template.is_some_and(|t| {
        draft
            .for_whom
            .is_some_and(|w| pure::has_take_home(t, w, bindings))
    });
    let ready = fits
        && !busy
        && locked.is_empty()
        && draft.passphrase.chars().count() >= crate::vault::crypto::MIN_PASSPHRASE_CHARS
        && !draft.folder.trim().is_empty();
    ui.horizontal_wrapped(|ui| {
        super::views::command_button(ui, TakeHomeCommand::Issue.into(), ready, out);
        super::views::command_button(ui, TakeHomeCommand::Close.into(), true, out);
    });
    if draft.for_whom.is_none() {
        ui.label(egui::RichText::new("Choose who fills it in first.").weak());
    } else if draft.passphrase.chars().count() < crate::vault::crypto::MIN_PASSPHRASE_CHARS {
        ui.label(
            egui::RichText::new(format!(
                "The passphrase needs at least {} characters.",
                crate::vault::crypto::MIN_PASSPHRASE_CHARS
            ))
            .weak(),
        );
    }
}

fn import_ui(
    ui: &mut egui::Ui,
    draft: &mut TakeHomeDraft,
    status: TakeHomeStatus<'_>,
    out: &mut Vec<Command>,
) {
    let busy = status.busy;
    if let Some(file) = draft.empty.as_deref() {
        empty_ui(ui, file, busy, out);
        return;
    }
    ui.label("The filled worksheet file the couple brought back, and its passphrase. You can also drop the file on the couple's page.");
    path_field_ui(
        ui,
        "Worksheet file",
        &mut draft.file,
        TakeHomeCommand::ChooseFile.into(),
        status.choosing == Some(PathField::WorksheetFile),
        status.file_error,
        out,
    );
    let passphrase = passphrase_field(ui, "Its passphrase", &mut draft.file_passphrase);
    if std::mem::take(&mut draft.focus_passphrase) {
        passphrase.request_focus();
    }
    ui.label(
        egui::RichText::new(
            "It is added as a new session; nothing already recorded is changed. A file this practice did not issue, or one altered outside Tandem, is refused.",
        )
        .weak(),
    );
    ui.horizontal_wrapped(|ui| {
        let ready = !busy && !draft.file.trim().is_empty() && !draft.file_passphrase.is_empty();
        super::views::command_button(ui, TakeHomeCommand::Import.into(), ready, out);
        super::views::command_button(ui, TakeHomeCommand::Close.into(), true, out);
    });
}

/// The question when a worksheet comes back with nothing filled in: the way out first.
fn empty_ui(ui: &mut egui::Ui, file: &TakeHomeFile, busy: bool, out: &mut Vec<Command>) {
    ui.label(egui::RichText::new("Nothing was filled in on this worksheet.").strong());
    ui.label(format!(
        "It was given out on {} and comes back without a single answer. Added, it becomes a session that says it was filled in at home and records nothing.",
        file.issued_at.with_timezone(&chrono::Local).format("%-d %b %Y")
    ));
    ui.horizontal_wrapped(|ui| {
        super::views::command_button(ui, TakeHomeCommand::LeaveEmptyOut.into(), !busy, out);
        super::views::command_button(ui, TakeHomeCommand::AddEmpty.into(), !busy, out);
    });
}
