//! The desktop app (eframe/egui). The frame loop is draw, collect, apply: views read state
//! and push `Command`s; `AppState::apply` changes state; errors are shown once in the
//! status line. Slow work (saving) runs on the vault's save thread.

pub mod command;
pub mod exporting;
pub mod fill;
pub mod handover;
pub mod present;
pub mod record;
pub mod record_view;
pub mod session_view;
pub mod state;
pub mod takehome;
pub mod views;

pub use command::Command;
pub use state::{AppConfig, AppState, Screen};

use chrono::Utc;
use egui::{RichText, Ui};

/// The eframe app.
pub struct TandemApp {
    pub state: AppState,
}

/// Commands with a global shortcut, checked before widgets see the keys.
fn shortcut_commands(state: &AppState) -> Vec<Command> {
    use crate::runner::Action;
    let mut commands = vec![Command::QuickHide];
    if state.hand_over.is_some() {
        // A partner has the screen: nothing but hiding it.
        return commands;
    }
    if state.open.is_some() {
        commands.push(Command::Lock);
    }
    if let Some(live) = &state.live
        && !state.hidden
    {
        commands.extend([
            Command::TogglePresent,
            Command::Act(Action::Next),
            Command::Act(Action::Back),
        ]);
        let (_, record) = live.runner.current();
        use crate::model::StepData;
        match &record.data {
            StepData::Loop(l) if l.attempts.last().is_some_and(|a| a.outcome.is_none()) => {
                let reply = live.runner.draft("loop-reply").to_string();
                for outcome in command::VERDICTS {
                    commands.push(Command::Act(Action::Verdict {
                        outcome,
                        reply: reply.clone(),
                    }));
                }
            }
            // No mirror waiting for the speaker's answer.
            StepData::Loop(_) => {}
            StepData::Floor(_) => commands.push(Command::Act(Action::PassFloor)),
            // No shortcuts of their own: entries go through the step's widgets.
            StepData::Script
            | StepData::SwapRoles
            | StepData::Questions(_)
            | StepData::Plan(_)
            | StepData::Rating(_)
            | StepData::Text(_)
            | StepData::Choice(_)
            | StepData::Checklist(_)
            | StepData::Reply(_) => {}
        }
    }
    commands
}

impl TandemApp {
    pub fn new(cc: &eframe::CreationContext<'_>, config: AppConfig) -> TandemApp {
        cc.egui_ctx.set_theme(egui::ThemePreference::System);
        TandemApp {
            state: AppState::new(config, Utc::now()),
        }
    }

    /// Draw one frame and apply what it asked for. Public for tests and benchmarks.
    pub fn frame_ui(&mut self, ui: &mut Ui) {
        let now = Utc::now();
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

        let handed = self
            .state
            .hand_over
            .filter(|_| !self.state.hidden && self.state.live.is_some());
        if let Some(partner) = handed {
            let AppState {
                live,
                forms,
                status,
                ..
            } = &mut self.state;
            if let Some(live) = live.as_ref() {
                let message = status
                    .as_ref()
                    .filter(|s| s.is_error)
                    .map(|s| s.text.as_str());
                handover::handover_ui(
                    ui,
                    live,
                    partner,
                    &mut forms.passphrase,
                    message,
                    now,
                    &mut commands,
                );
            }
        } else {
            self.status_ui(ui, &mut commands);
        }
        if handed.is_some() {
        } else if self.state.hidden {
            egui::CentralPanel::default().show(ui, |ui| {
                let demo = self.state.is_demo();
                views::unlock_ui(ui, &mut self.state.forms, true, demo, &mut commands);
            });
        } else {
            match self.state.screen {
                Screen::Welcome => {
                    egui::CentralPanel::default().show(ui, |ui| {
                        egui::ScrollArea::vertical().show(ui, |ui| {
                            views::welcome_ui(ui, &mut self.state.forms, &mut commands)
                        });
                    });
                }
                Screen::Unlock => {
                    egui::CentralPanel::default().show(ui, |ui| {
                        let demo = self.state.is_demo();
                        views::unlock_ui(ui, &mut self.state.forms, false, demo, &mut commands);
                    });
                }
                Screen::Practice => {
                    let AppState { open, forms, .. } = &mut self.state;
                    if let Some(open) = open.as_ref() {
                        views::practice_ui(ui, open, forms, &mut commands);
                    }
                }
                Screen::ChooseTemplate(couple) => {
                    let AppState {
                        open,
                        library,
                        forms,
                        ..
                    } = &mut self.state;
                    if let Some(open) = open.as_ref() {
                        egui::CentralPanel::default().show(ui, |ui| {
                            views::choose_template_ui(
                                ui,
                                open,
                                couple,
                                library,
                                forms,
                                &mut commands,
                            );
                        });
                    }
                }
                Screen::Session => {
                    let AppState {
                        live, forms, open, ..
                    } = &mut self.state;
                    if let Some(live) = live.as_ref() {
                        let session = live.runner.session().id;
                        let due = open
                            .as_ref()
                            .and_then(|o| o.selected.as_ref())
                            .filter(|v| v.couple.id == live.couple.id)
                            .filter(|v| !v.course.due_for_review(session).is_empty());
                        if let Some(view) = due
                            && !forms.review_closed
                        {
                            egui::Panel::top("commitment-review").show(ui, |ui| {
                                record_view::review_ui(
                                    ui,
                                    view,
                                    session,
                                    &mut forms.ledger,
                                    &mut commands,
                                );
                            });
                        }
                        session_view::session_ui(ui, live, forms, now, &mut commands);
                    }
                }
                Screen::Note(session) => {
                    let AppState { forms, open, .. } = &mut self.state;
                    let couple = open.as_ref().and_then(|o| o.selected.as_ref()).map(|v| {
                        let title = v
                            .sessions
                            .iter()
                            .find(|s| s.id == session)
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
                        (v.couple.clone(), title)
                    });
                    egui::CentralPanel::default().show(ui, |ui| {
                        if let (Some(form), Some((couple, title))) = (forms.note.as_mut(), couple) {
                            record_view::note_ui(ui, form, &couple, &title, &mut commands);
                        }
                    });
                }
            }
        }
        if self.state.safety_card && !self.state.hidden && handed.is_none() {
            let resources = self
                .state
                .open
                .as_ref()
                .map(|o| o.vault.header().safety_resources.clone())
                .unwrap_or_default();
            safety_card_ui(ui.ctx(), &resources, &mut commands);
        }
        if !self.state.hidden
            && handed.is_none()
            && let Some(target) = self.state.forms.export.as_ref().map(|d| d.target)
        {
            let busy = self.state.export_job.is_some();
            let subject = self.state.export_subject(target);
            match self.state.export_couple(target).cloned() {
                Some(couple) => {
                    if let Some(draft) = self.state.forms.export.as_mut() {
                        exporting::export_dialog_ui(
                            ui.ctx(),
                            &couple,
                            &subject,
                            draft,
                            busy,
                            &mut commands,
                        );
                    }
                }
                None => commands.push(Command::CancelExport),
            }
        }
        if !self.state.hidden && handed.is_none() {
            let busy = self.state.take_home_job.is_some();
            let AppState {
                open,
                library,
                forms,
                ..
            } = &mut self.state;
            let view = open.as_ref().and_then(|o| o.selected.as_ref());
            match (forms.take_home.as_mut(), view) {
                (Some(draft), Some(view)) if view.couple.id == draft.couple => {
                    takehome::take_home_dialog_ui(
                        ui.ctx(),
                        &view.couple,
                        &view.facts,
                        library,
                        draft,
                        busy,
                        &mut commands,
                    );
                }
                (Some(_), _) => commands.push(Command::CloseTakeHome),
                (None, _) => {}
            }
        }
        self.present_viewport(ui.ctx());

        for command in commands {
            if let Err(error) = self.state.apply(command, now) {
                self.state.report(&error);
            }
        }
        self.state.logic(now);
        // Timers, save acknowledgements and export progress move without input.
        let every = if self.state.export_job.is_some() || self.state.take_home_job.is_some() {
            50
        } else {
            500
        };
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(every));
    }

    fn status_ui(&self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let demo = self.state.is_demo() && !self.state.hidden;
        let status = if self.state.hidden {
            None
        } else {
            self.state.status.as_ref()
        };
        let job = self
            .state
            .export_job
            .as_ref()
            .filter(|_| !self.state.hidden)
            .map(|j| j.describe());
        if !demo && status.is_none() && job.is_none() {
            return;
        }
        egui::Panel::bottom("status").show(ui, |ui| {
            ui.horizontal(|ui| {
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
                    if ui.small_button("Dismiss").clicked() {
                        commands.push(Command::DismissStatus);
                    }
                }
            });
        });
    }

    fn present_viewport(&mut self, ctx: &egui::Context) {
        let Some(live) = self
            .state
            .live
            .as_ref()
            .filter(|_| self.state.present && !self.state.hidden)
        else {
            return;
        };
        let model = present::present_model(live, Utc::now());
        let close = ctx.show_viewport_immediate(
            egui::ViewportId::from_hash_of("tandem-present"),
            egui::ViewportBuilder::default()
                .with_title("Tandem: for the couple")
                .with_inner_size([900.0, 600.0]),
            |ui, _class| {
                egui::CentralPanel::default().show(ui, |ui| present::present_ui(ui, &model));
                ui.input(|i| i.viewport().close_requested())
            },
        );
        if close {
            self.state.present = false;
        }
    }
}

/// The card one click away in every session.
fn safety_card_ui(ctx: &egui::Context, resources: &[String], commands: &mut Vec<Command>) {
    egui::Window::new("If a partner becomes abusive or threatening")
        .collapsible(false)
        .resizable(false)
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
            for line in resources
                .iter()
                .map(String::as_str)
                .chain(views::GENERIC_RESOURCES)
            {
                ui.label(format!("• {line}"));
            }
            if ui.button("Close card").clicked() {
                commands.push(Command::ShowSafetyCard(false));
            }
        });
}

impl eframe::App for TandemApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.state.shutdown();
    }
}

/// Open the app window.
pub fn run(config: AppConfig) -> eframe::Result {
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title("Tandem")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([900.0, 600.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Tandem",
        options,
        Box::new(move |cc| Ok(Box::new(TandemApp::new(cc, config)))),
    )
}
