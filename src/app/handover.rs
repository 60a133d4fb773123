//! Hand-over mode: the therapist gives the laptop to one partner for a private step or a
//! worksheet. The screen shows that partner's part of the step on screen and nothing
//! else: no steps list, no therapist text, no notes, no other partner's entries, no way
//! to move through the session. Only the therapist's passphrase brings the session back.

use super::command::Command;
use super::state::Live;
use crate::model::{Partner, Respondent};
use crate::runner::respondents_of;
use crate::template::StepView;
use chrono::{DateTime, Utc};
use egui::{RichText, Ui};

/// Whether the step on screen has something for `partner` to fill in on their own:
/// their text, choice, ticks or ratings, their own question list, or the reply letter
/// they write.
pub fn has_part(live: &Live, partner: Partner) -> bool {
    let roles = live.runner.current().1.roles;
    let me = Respondent::Partner(partner);
    let Ok(view) = live.runner.current_view() else {
        // The session screen shows the mismatch; nothing is handed over.
        return false;
    };
    match view {
        StepView::Text { respondents, .. }
        | StepView::Choice { respondents, .. }
        | StepView::Checklist { respondents, .. } => {
            respondents_of(respondents, roles).contains(&me)
        }
        StepView::Rating { raters, .. } => raters
            .iter()
            .any(|role| roles.partner(*role) == Some(partner)),
        StepView::Questions { data, .. } => data.owner == partner,
        StepView::Reply { data, .. } => data.author == partner,
        // Run with both partners (or nothing to fill in): never handed over.
        StepView::Script
        | StepView::SwapRoles
        | StepView::Loop { .. }
        | StepView::Floor { .. }
        | StepView::Plan { .. } => false,
    }
}

/// The partners who could be handed the step on screen.
pub fn candidates(live: &Live) -> Vec<Partner> {
    Partner::BOTH
        .into_iter()
        .filter(|p| has_part(live, *p))
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

    egui::Panel::bottom("hand-back").show(ui, |ui| {
        ui.add_space(6.0);
        ui.label(
            RichText::new("When you are done, hand the laptop back to your therapist.").size(16.0),
        );
        ui.horizontal(|ui| {
            let l = ui.label("Therapist's passphrase");
            let field = ui
                .add(
                    egui::TextEdit::singleline(passphrase)
                        .password(true)
                        .desired_width(220.0),
                )
                .labelled_by(l.id);
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let back = Command::HandBack;
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

    egui::CentralPanel::default().show(ui, |ui| {
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
                ui.label(RichText::new(fill(prompt)).size(18.0));
            }
            ui.add_space(10.0);
            super::session_view::partner_part_ui(ui, live, partner, now, out);
        });
    });
}
