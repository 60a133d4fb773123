//! Hand-over mode: the therapist gives the laptop to one partner for a private step or a
//! worksheet. The screen shows that partner's part of the step on screen and nothing
//! else: no steps list, no therapist text, no notes, no other partner's entries, no way
//! to move through the session. Only the therapist's passphrase brings the session back.

use super::command::{Command, SessionCommand};
use super::state::Live;
use crate::model::Partner;
use chrono::{DateTime, Utc};
use egui::{RichText, Ui};

/// The partners who could be handed the step on screen.
pub fn candidates(live: &Live) -> Vec<Partner> {
    Partner::BOTH
        .into_iter()
        .filter(|p| live.runner.has_part(*p))
        .collect()
}

/// The partner's screen, with the passphrase field that ends it.
pub fn handover_ui(
    ui: &mut Ui,
    live: &Live,
    partner: Partner,
    passphrase: &mut String,
    message: Option<&str>,
    now: DateTime<Utc>,
    out: &mut Vec<Command>,
) {
    let runner = &live.runner;
    let index = runner.session().current;
    let (step, _) = runner.current();
    let names = live.couple.names();
    let fill = |text: &str| runner.fill(index, text, &names);
    let name = live.couple.partner(partner).name.clone();

    egui::Panel::bottom("hand-back")
        .frame(super::style::bar_frame(ui.style()))
        .show(ui, |ui| {
            ui.add_space(6.0);
            ui.label(
                RichText::new("When you are done, hand the laptop back to your therapist.")
                    .size(16.0),
            );
            ui.horizontal_wrapped(|ui| {
                let field =
                    super::views::passphrase_field(ui, "Therapist's passphrase", passphrase);
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let back = Command::from(SessionCommand::HandBack);
                if ui
                    .add_enabled(!passphrase.is_empty(), egui::Button::new(back.label()))
                    .on_hover_text(back.tooltip())
                    .clicked()
                    || (enter && !passphrase.is_empty())
                {
                    out.push(back);
                }
            });
            if let Some(message) = message {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
            ui.add_space(6.0);
        });

    egui::CentralPanel::default()
        .frame(super::style::central_frame(ui.style()))
        .show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.label(RichText::new(format!("{name}, this screen is just for you")).size(15.0).weak());
            ui.heading(RichText::new(fill(&step.title)).size(26.0));
            let record = runner.current().1;
            ui.label(match record.visibility {
                crate::model::Visibility::Joint => {
                    "Take your time. What you write here will be shared with your partner."
                }
                crate::model::Visibility::PartnerPrivate => {
                    "Take your time. Only you and your therapist will see what you write here."
                }
                crate::model::Visibility::ClinicianOnly => {
                    "Take your time. Your therapist will see what you write here; your partner will not."
                }
            });
            ui.add_space(8.0);
            for prompt in &step.prompts {
                ui.label(RichText::new(fill(prompt)).text_style(super::style::script()));
            }
            ui.add_space(10.0);
            super::session_view::partner_part_ui(ui, live, partner, now, out);
        });
    });
}
