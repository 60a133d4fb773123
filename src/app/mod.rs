//! The desktop app (eframe/egui). The frame loop is draw, collect, apply: views read state
//! and push `Command`s; `AppState::apply` changes state; errors are shown once in the
//! status line. Everything slow (unlocking, saving, exports, worksheet files, checking a
//! passphrase) runs off the UI thread, as `practice::Job`s or on the save thread.
//!
//! The clock is read here, once a frame (and when the window opens or closes), and passed
//! down as `now`.

pub mod areas;
pub mod chooser;
pub mod command;
pub mod confirm;
pub mod conflicts_view;
pub mod dates;
pub mod editor;
pub mod exporting;
pub mod fill;
pub mod forms;
pub mod handover;
pub mod present;
pub mod record_view;
pub mod session_view;
pub mod state;
pub mod style;
pub mod takehome;
pub mod views;

pub use command::Command;
pub use forms::Overlay;
pub use state::{AppConfig, AppState, Screen};

use crate::model::StepData;
use crate::runner::Action;
use chrono::{DateTime, Utc};
use command::{
    ErrorPlace, PracticeCommand, ProtocolCommand, SessionCommand, TakeHomeCommand, VaultCommand,
};
use egui::{RichText, Ui};

/// The eframe app.
pub struct TandemApp {
    pub state: AppState,
}

/// Commands with a global shortcut, checked before widgets see the keys.
fn shortcut_commands(state: &AppState) -> Vec<Command> {
    let mut commands = vec![VaultCommand::QuickHide.into()];
    if state.hand_over().is_some() {
        // A partner has the screen: nothing but hiding it.
        return commands;
    }
    commands.push(PracticeCommand::ShowShortcuts.into());
    if state.practice.is_some() {
        commands.push(VaultCommand::Lock.into());
    }
    if state.screen == Screen::Editor && state.overlay == Overlay::None {
        commands.extend([
            ProtocolCommand::Save.into(),
            // Before Undo: Ctrl+Shift+Z would match Undo's Ctrl+Z too.
            ProtocolCommand::Redo.into(),
            ProtocolCommand::Undo.into(),
        ]);
    }
    if let Some(live) = &state.live
        && !state.is_hidden()
    {
        commands.push(SessionCommand::TogglePresent.into());
        if live.runner.is_paused() {
            // Nothing moves or is recorded until the session goes on.
            commands.push(SessionCommand::Act(Action::ResumeSession).into());
            return commands;
        }
        if !live.runner.is_ended() {
            commands.push(SessionCommand::Act(Action::PauseSession).into());
        }
        commands.extend([
            SessionCommand::Act(Action::Next).into(),
            SessionCommand::Act(Action::Back).into(),
        ]);
        let (_, record) = live.runner.current();
        match &record.data {
            StepData::Loop(l) if l.attempts.last().is_some_and(|a| a.outcome.is_none()) => {
                // The very commands the buttons push: the reply typed for this attempt
                // goes with the verdict, and is cleared once recorded.
                commands.extend(
                    command::VERDICTS
                        .into_iter()
                        .filter_map(|outcome| session_view::verdict_command(live, outcome)),
                );
            }
            // No mirror waiting for the speaker's answer.
            StepData::Loop(_) => {}
            StepData::Floor(_) => commands.push(SessionCommand::Act(Action::PassFloor).into()),
            // No shortcuts of their own: entries go through the step's widgets.
            StepData::Script
            | StepData::SwapRoles
            | StepData::Questions(_)
            | StepData::Plan(_)
            | StepData::Rating(_)
            | StepData::Text(_)
            | StepData::Choice(_)
            | StepData::Checklist(_)
            | StepData::YesNo(_)
            | StepData::Reply(_) => {}
        }
    }
    commands
}

impl TandemApp {
    pub fn new(cc: &eframe::CreationContext<'_>, config: AppConfig) -> TandemApp {
        style::install(&cc.egui_ctx);
        TandemApp {
            state: AppState::new(config, Utc::now()),
        }
    }

    /// Draw one frame at `now` and apply what it asked for. Public for tests and
    /// benchmarks.
    pub fn frame_ui(&mut self, ui: &mut Ui, now: DateTime<Utc>) {
        // The vault's choice once unlocked; the system's (or light) while locked.
        let appearance = self
            .state
            .practice
            .as_ref()
            .map(|p| p.vault().header().appearance)
            .unwrap_or_default();
        style::follow(ui, appearance);
        let mut commands = Vec::new();
        for command in shortcut_commands(&self.state) {
            if let Some(shortcut) = command.shortcut()
                && ui.input_mut(|i| i.consume_shortcut(&shortcut))
            {
                commands.push(command);
            }
        }
        if ui.input(|i| !i.events.is_empty() || i.pointer.is_moving()) {
            self.state.idle.touch(now);
        }
        // The overlay is matched by kind only: a dialog's fields (a passphrase among
        // them) are never copied.
        let handed = self.state.hand_over().filter(|_| self.state.live.is_some());
        if self.state.is_hidden() {
            self.hidden_ui(ui, &mut commands);
        } else if let Some(partner) = handed {
            self.hand_over_ui(ui, partner, now, &mut commands);
        } else {
            self.status_ui(ui, &mut commands);
            self.screen_ui(ui, now, &mut commands);
            self.overlay_ui(ui, &mut commands);
            // Never while a partner has the screen or after a quick hide: those branches
            // take no files.
            self.dropped_files_ui(ui, &mut commands);
        }
        self.present_viewport(ui.ctx(), now);
        for command in commands {
            let place = command.error_place();
            match self.state.apply(command, now) {
                // Done: what was wrong there is no longer.
                Ok(()) => self.state.clear_errors_at(place),
                Err(error) => self.state.report_at(place, &error),
            }
        }
        self.state.logic(now);
        // Timers, save acknowledgements and job progress move without input.
        let every = if self.state.is_busy() { 50 } else { 500 };
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(every));
    }

    /// The screen under any overlay.
    fn screen_ui(&mut self, ui: &mut Ui, now: DateTime<Utc>, commands: &mut Vec<Command>) {
        match self.state.screen {
            Screen::Welcome => self.welcome_screen_ui(ui, commands),
            Screen::Unlock => self.unlock_screen_ui(ui, commands),
            Screen::Practice => self.practice_screen_ui(ui, now, commands),
            Screen::ChooseTemplate(couple) => self.template_screen_ui(ui, couple, commands),
            Screen::Session => self.session_screen_ui(ui, now, commands),
            Screen::Note(session) => self.note_screen_ui(ui, session, commands),
            Screen::Protocols => self.protocols_screen_ui(ui, commands),
            Screen::Editor => self.editor_screen_ui(ui, now, commands),
            Screen::Conflicts => self.conflicts_screen_ui(ui, commands),
        }
    }

    fn welcome_screen_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let busy = self.state.jobs.opening.is_some();
        let AppState { forms, errors, .. } = &mut self.state;
        let error = errors.get(&ErrorPlace::NewVault).map(String::as_str);
        egui::CentralPanel::default()
            .frame(style::central_frame(ui.style()))
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .show(ui, |ui| views::welcome_ui(ui, forms, busy, error, commands));
            });
    }

    fn unlock_screen_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        self.lock_screen_ui(ui, false, commands);
    }

    /// After a quick hide: a blank window with the passphrase field.
    fn hidden_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        self.lock_screen_ui(ui, true, commands);
    }

    /// The passphrase field alone (the lock screen; blank but for it after a quick hide),
    /// with its error beside it.
    fn lock_screen_ui(&mut self, ui: &mut Ui, hidden: bool, commands: &mut Vec<Command>) {
        let (demo, busy) = (self.state.is_demo(), self.state.jobs.opening.is_some());
        let AppState { forms, errors, .. } = &mut self.state;
        let error = errors.get(&ErrorPlace::Passphrase).map(String::as_str);
        egui::CentralPanel::default()
            .frame(style::central_frame(ui.style()))
            .show(ui, |ui| {
                views::unlock_ui(ui, forms, hidden, demo, busy, error, commands);
            });
    }

    fn practice_screen_ui(&mut self, ui: &mut Ui, now: DateTime<Utc>, commands: &mut Vec<Command>) {
        let AppState {
            practice,
            couple,
            forms,
            errors,
            ..
        } = &mut self.state;
        if let Some(practice) = practice.as_ref() {
            let today = now.with_timezone(&chrono::Local).date_naive();
            views::practice_ui(
                ui,
                practice,
                couple.as_ref(),
                forms,
                errors,
                today,
                commands,
            );
        }
    }

    fn template_screen_ui(
        &mut self,
        ui: &mut Ui,
        couple: crate::model::CoupleId,
        commands: &mut Vec<Command>,
    ) {
        let AppState {
            practice,
            couple: record,
            forms,
            errors,
            ..
        } = &mut self.state;
        let error = errors.get(&ErrorPlace::TemplatePicker).map(String::as_str);
        if let Some(practice) = practice.as_ref() {
            egui::CentralPanel::default()
                .frame(style::central_frame(ui.style()))
                .show(ui, |ui| {
                    views::choose_template_ui(
                        ui,
                        record.as_ref(),
                        couple,
                        practice.library(),
                        forms,
                        error,
                        commands,
                    );
                });
        }
    }

    fn session_screen_ui(&mut self, ui: &mut Ui, now: DateTime<Utc>, commands: &mut Vec<Command>) {
        let AppState {
            live,
            forms,
            couple,
            errors,
            ..
        } = &mut self.state;
        let Some(live) = live.as_ref() else {
            return;
        };
        let error = errors.get(&ErrorPlace::Session).map(String::as_str);
        let record_error = errors.get(&ErrorPlace::CouplePage).map(String::as_str);
        let session = live.runner.session().id;
        // Shown while anything is left to review or was reviewed in this session, so the
        // list does not vanish under the pointer when the last item is reviewed.
        // Only in joint work: a private screen or a measure taken alone is no place to
        // go over the couple's commitments.
        let joint = live
            .runner
            .template()
            .requires
            .contains(&crate::template::Gate::JointWorkCleared);
        let due = couple
            .as_ref()
            .filter(|_| joint)
            .filter(|record| record.couple.id == live.couple.id)
            .filter(|record| !record_view::review_items(record, session).is_empty());
        if let Some(record) = due
            && !forms.review_closed
        {
            // As tall as its items, up to about two fifths of the window; beyond that it scrolls.
            let most = (ui.available_height() * 0.4).max(160.0);
            egui::Panel::top("commitment-review")
                .frame(style::bar_frame(ui.style()))
                .show(ui, |ui| {
                    record_view::review_ui(ui, record, session, most, &mut forms.ledger, commands);
                    views::error_ui(ui, record_error);
                });
        }
        session_view::session_ui(ui, live, forms, error, now, commands);
    }

    fn note_screen_ui(
        &mut self,
        ui: &mut Ui,
        session: crate::model::SessionId,
        commands: &mut Vec<Command>,
    ) {
        let title = self
            .state
            .session_now(session)
            .map(|s| {
                format!(
                    "{} · {}",
                    s.template_title,
                    s.started_at
                        .with_timezone(&chrono::Local)
                        .format("%-d %b %Y")
                )
            })
            .unwrap_or_default();
        let AppState {
            forms,
            couple,
            errors,
            ..
        } = &mut self.state;
        let error = errors.get(&ErrorPlace::Note).map(String::as_str);
        egui::CentralPanel::default()
            .frame(style::central_frame(ui.style()))
            .show(ui, |ui| {
                if let (Some(form), Some(record)) = (forms.note.as_mut(), couple.as_ref()) {
                    record_view::note_ui(ui, form, &record.couple, &title, error, commands);
                }
            });
    }

    fn protocols_screen_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let AppState {
            practice,
            forms,
            errors,
            ..
        } = &mut self.state;
        let error = errors.get(&ErrorPlace::Protocols).map(String::as_str);
        if let Some(practice) = practice.as_ref() {
            editor::library_ui(ui, practice, &mut forms.protocol_file, error, commands);
        }
    }

    fn conflicts_screen_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let AppState {
            practice,
            forms,
            errors,
            ..
        } = &mut self.state;
        let error = errors.get(&ErrorPlace::Conflicts).map(String::as_str);
        if let Some(practice) = practice.as_ref() {
            conflicts_view::conflicts_ui(ui, practice, &forms.conflicts, error, commands);
        }
    }

    fn editor_screen_ui(&mut self, ui: &mut Ui, now: DateTime<Utc>, commands: &mut Vec<Command>) {
        let AppState { forms, errors, .. } = &mut self.state;
        let status = editor::EditorStatus {
            error: errors.get(&ErrorPlace::Editor).map(String::as_str),
            folder_error: errors.get(&ErrorPlace::EditorFolder).map(String::as_str),
        };
        if let Some(form) = forms.editor.as_mut() {
            editor::editor_ui(ui, form, status, now, commands);
        }
    }

    /// One partner's screen in hand-over mode.
    fn hand_over_ui(
        &mut self,
        ui: &mut Ui,
        partner: crate::model::Partner,
        now: DateTime<Utc>,
        commands: &mut Vec<Command>,
    ) {
        let AppState {
            live,
            forms,
            errors,
            ..
        } = &mut self.state;
        if let Some(live) = live.as_ref() {
            let message = errors.get(&ErrorPlace::Passphrase).map(String::as_str);
            handover::handover_ui(
                ui,
                live,
                partner,
                &mut forms.passphrase,
                message,
                now,
                commands,
            );
        }
    }

    /// Files dragged over the window: say what a drop would do. Files dropped: a
    /// worksheet is brought back into the open couple's record, protocol files are added
    /// to the practice's library (`TakeHomeCommand::Dropped`).
    fn dropped_files_ui(&self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let (hovering, dropped) = ui.input(|i| {
            let dropped: Vec<std::path::PathBuf> = i
                .raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect();
            (!i.raw.hovered_files.is_empty(), dropped)
        });
        if !dropped.is_empty() {
            commands.push(TakeHomeCommand::Dropped(dropped).into());
        }
        if hovering {
            let text = match self.state.page_couple() {
                Some(couple) => format!(
                    "Drop a take-home worksheet file to bring it back into {}'s record, or a protocol file (.ron) to add it to the practice's protocols",
                    couple.code
                ),
                None => "Drop a protocol file (.ron) to add it to the practice's protocols; open a couple's page to bring a take-home worksheet back".into(),
            };
            egui::Area::new(egui::Id::unique("tandem-drop-hint"))
                .order(egui::Order::Tooltip)
                .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
                .show(ui.ctx(), |ui| {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.label(RichText::new(text).size(18.0));
                    });
                });
        }
    }

    /// The dialog or card over the screen, if any.
    fn overlay_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let ctx = ui.ctx().clone();
        let choosing = self.state.jobs.chooser.as_ref().map(|c| c.field);
        match &self.state.overlay {
            Overlay::SafetyCard => {
                let resources = self
                    .state
                    .practice
                    .as_ref()
                    .map(|p| p.vault().header().safety_resources.clone())
                    .unwrap_or_default();
                safety_card_ui(&ctx, &resources, commands);
            }
            Overlay::Export(draft) => {
                let busy = self.state.jobs.export.is_some();
                let subject = self.state.export_subject(draft.target);
                let Some(couple) = self.state.export_couple(draft.target).cloned() else {
                    commands.push(command::ExportCommand::Cancel.into());
                    return;
                };
                let dates = self
                    .state
                    .practice
                    .as_ref()
                    .map(|p| p.vault().header().date_style)
                    .unwrap_or_default();
                let AppState {
                    overlay, errors, ..
                } = &mut self.state;
                let error = |place| errors.get(&place).map(String::as_str);
                let status = exporting::ExportStatus {
                    dates,
                    busy,
                    choosing: choosing == Some(chooser::PathField::ExportFolder),
                    error: error(ErrorPlace::ExportDialog),
                    folder_error: error(ErrorPlace::ExportFolder),
                };
                if let Overlay::Export(draft) = overlay {
                    exporting::export_dialog_ui(&ctx, &couple, &subject, draft, status, commands);
                }
            }
            Overlay::TakeHome(_) => {
                let busy = self.state.jobs.take_home.is_some();
                let AppState {
                    practice,
                    couple,
                    overlay,
                    errors,
                    ..
                } = &mut self.state;
                let error = |place| errors.get(&place).map(String::as_str);
                let status = takehome::TakeHomeStatus {
                    busy,
                    choosing,
                    error: error(ErrorPlace::TakeHomeDialog),
                    folder_error: error(ErrorPlace::TakeHomeFolder),
                    file_error: error(ErrorPlace::TakeHomeFile),
                };
                match (overlay, couple.as_ref(), practice.as_ref()) {
                    (Overlay::TakeHome(draft), Some(record), Some(practice))
                        if record.couple.id == draft.couple =>
                    {
                        takehome::take_home_dialog_ui(
                            &ctx,
                            &record.couple,
                            &record.facts,
                            practice.library(),
                            draft,
                            status,
                            commands,
                        );
                    }
                    _ => commands.push(command::TakeHomeCommand::Close.into()),
                }
            }
            Overlay::Confirm(confirm) => {
                confirm::confirm_ui(&ctx, confirm, self.state.live.as_ref(), commands);
            }
            Overlay::Shortcuts => shortcuts_ui(&ctx, commands),
            Overlay::None | Overlay::Present | Overlay::HandOver(_) | Overlay::Hidden => {}
        }
    }

    fn status_ui(&self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let demo = self.state.is_demo();
        let status = self.state.status.as_ref();
        let job = self.state.export_progress();
        if !demo && status.is_none() && job.is_none() {
            return;
        }
        egui::Panel::bottom("status")
            .frame(style::bar_frame(ui.style()))
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    if demo {
                        ui.label(
                            RichText::new(
                                "DEMO PRACTICE · fictional people · deleted when Tandem closes",
                            )
                            .strong()
                            .color(ui.visuals().warn_fg_color),
                        );
                    }
                    if let Some((text, share)) = &job {
                        ui.add(
                            egui::ProgressBar::new(*share)
                                .text(text.as_str())
                                .desired_width(360.0),
                        );
                    }
                    if let Some(status) = status {
                        let text = RichText::new(&status.text);
                        ui.label(if status.is_error {
                            text.color(ui.visuals().error_fg_color)
                        } else {
                            text
                        });
                        views::command_button(
                            ui,
                            PracticeCommand::DismissStatus.into(),
                            true,
                            commands,
                        );
                    }
                });
            });
    }

    /// The couple's window, while presenting.
    fn present_viewport(&mut self, ctx: &egui::Context, now: DateTime<Utc>) {
        let Some(live) = self
            .state
            .live
            .as_ref()
            .filter(|_| self.state.is_presenting())
        else {
            return;
        };
        let model = present::present_model(live, now);
        let close = ctx.show_viewport_immediate(
            egui::ViewportId::from_hash_of("tandem-present"),
            egui::ViewportBuilder::default()
                .with_title("Tandem: for the couple")
                .with_inner_size([960.0, 640.0]),
            |ui, _class| {
                egui::CentralPanel::default()
                    .frame(style::central_frame(ui.style()))
                    .show(ui, |ui| present::present_ui(ui, &model));
                ui.input(|i| i.viewport().close_requested())
            },
        );
        if close {
            self.state.overlay = Overlay::None;
        }
    }
}

/// Every keyboard shortcut (F1).
fn shortcuts_ui(ctx: &egui::Context, commands: &mut Vec<Command>) {
    egui::Window::new("Keyboard shortcuts")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                for (keys, what) in command::shortcut_list() {
                    ui.label(RichText::new(keys).strong());
                    ui.label(what);
                    ui.end_row();
                }
            });
            if ui
                .button("Close")
                .on_hover_text("Close this list (F1)")
                .clicked()
            {
                commands.push(PracticeCommand::CloseDialog.into());
            }
        });
}

/// The card one click away in every session.
fn safety_card_ui(ctx: &egui::Context, resources: &[String], commands: &mut Vec<Command>) {
    egui::Window::new("If a partner becomes abusive or threatening")
        .collapsible(false)
        .resizable(false)
        // Wide enough for its title and its lines.
        .min_width(520.0)
        .default_width(560.0)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(
                "Stop the joint session now. Nothing in this protocol is worth more than safety.",
            );
            ui.label("• Separate the partners; see each alone.");
            ui.label("• If anyone is in immediate danger, call emergency services.");
            ui.label("• Make a safety plan with the partner at risk before they leave.");
            ui.label("• Record what happened in your clinician notes, not in a joint step.");
            ui.label("• Joint work resumes only after a new private screen and decision.");
            ui.separator();
            ui.label(egui::RichText::new("Resources").strong());
            if resources.is_empty() {
                ui.label(
                    egui::RichText::new(
                        "Your practice's own helplines are not set yet: add them with `tandem settings --resource \"…\"`.",
                    )
                    .weak(),
                );
            }
            for line in resources
                .iter()
                .map(String::as_str)
                .chain(views::GENERIC_RESOURCES)
            {
                ui.label(format!("• {line}"));
            }
            views::command_button(
                ui,
                SessionCommand::ShowSafetyCard(false).into(),
                true,
                commands,
            );
        });
}

impl eframe::App for TandemApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui, Utc::now());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.state.shutdown(Utc::now());
    }

    /// egui's memory can hold ids made from typed text: never written (see
    /// `native_options`).
    fn persist_egui_memory(&self) -> bool {
        false
    }
}

/// The options both windows open with. Tandem writes nothing outside the vault and the
/// files the therapist asks for: eframe's `persistence` feature is off (so it has no
/// storage and writes no `app.ron`), and should a dependency ever turn it on, neither the
/// window geometry nor egui's memory is given to it (`persist_egui_memory` is false in
/// both apps, and neither app saves anything), so it has nothing to write.
pub(crate) fn native_options(viewport: egui::ViewportBuilder) -> eframe::NativeOptions {
    eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport,
        persist_window: false,
        ..Default::default()
    }
}

/// Open the app window.
pub fn run(config: AppConfig) -> eframe::Result {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Tandem")
        .with_app_id("tandem")
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([900.0, 600.0]);
    if let Some(icon) = style::app_icon() {
        viewport = viewport.with_icon(icon);
    }
    let options = native_options(viewport);
    eframe::run_native(
        "Tandem",
        options,
        Box::new(move |cc| Ok(Box::new(TandemApp::new(cc, config)))),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_windows_give_eframe_no_geometry_to_keep() {
        let options = super::native_options(egui::ViewportBuilder::default());
        assert!(!options.persist_window);
    }
}
