//! Present mode: the couple's screen. Built from a `PresentModel` that only ever holds
//! couple-facing text, so clinician notes, therapist instructions and private items are
//! left out by construction, not hidden.
//!
//! Time, for the couple: a timed step shows its time counting up against its plan
//! ("4:10 of 10:00"), and past it the extra time in the same quiet grey ("10:00 and
//! 2:40 more"): no colour, no alarm. The session clock is the therapist's and is not
//! shown here. A paused session shows "Paused" and nothing of the step.

use super::session_view::format_secs;
use super::state::Live;
use crate::model::{QuestionStatus, Visibility};
use crate::runner::Timer;
use crate::template::StepView;
use chrono::{DateTime, Utc};
use egui::{RichText, Ui};

/// Everything the couple's screen shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PresentModel {
    pub title: String,
    pub prompts: Vec<String>,
    /// Lines specific to the step kind: who has the floor, sentence starters, the
    /// released questions in their owner's order.
    pub lines: Vec<String>,
    /// The step's time against its timebox, for a timed step.
    pub timer: Option<String>,
    /// True when the step is private: nothing of it is shown.
    pub private: bool,
    /// True while the session is paused: "Paused" and nothing of the step is shown.
    pub paused: bool,
}

/// A step's time as the couple sees it, counting up: "4:10 of 10:00", and once past its
/// plan "10:00 and 2:40 more". `None` for a step with no timebox.
pub fn couple_timer_text(timer: Timer) -> Option<String> {
    let limit = timer.limit_secs?;
    Some(match timer.over_by_secs() {
        Some(over) => format!("{} and {} more", format_secs(limit), format_secs(over)),
        None => format!(
            "{} of {}",
            format_secs(timer.elapsed_secs.max(0)),
            format_secs(limit)
        ),
    })
}

/// What the couple may see of the step on screen.
pub fn present_model(live: &Live, now: DateTime<Utc>) -> PresentModel {
    let runner = &live.runner;
    let index = runner.session().current;
    let (step, record) = runner.current();
    let names = live.couple.names();
    let fill = |text: &str| runner.fill(index, text, &names);
    if runner.is_paused() {
        return PresentModel {
            title: "Paused".into(),
            paused: true,
            ..PresentModel::default()
        };
    }
    if record.visibility != Visibility::Joint {
        return PresentModel {
            title: "A private moment".into(),
            private: true,
            ..PresentModel::default()
        };
    }
    let mut lines = Vec::new();
    match runner.current_view() {
        Ok(StepView::Loop { stems, data: l, .. }) => {
            lines.push(format!(
                "{} speaks · {} mirrors",
                live.couple.partner(l.speaker).name,
                live.couple.partner(l.listener).name
            ));
            lines.extend(stems.iter().map(|s| fill(s)));
            if l.attempts.last().is_some_and(|a| a.outcome.is_none()) {
                lines.push("Did I get it? Is there more?".into());
            }
        }
        Ok(StepView::Floor { data: f, .. }) => {
            if let Some(holder) = f.holder() {
                lines.push(format!(
                    "{} has the floor",
                    live.couple.partner(holder).name
                ));
            }
            if f.active_timeout().is_some() {
                lines.push("Time-out".into());
            }
        }
        // A question list is its owner's until released.
        Ok(StepView::Questions { data: q, .. }) if q.released_at.is_none() => {}
        Ok(StepView::Questions { data: q, .. }) => {
            let visible = q.items.iter().filter(|i| {
                matches!(
                    i.status,
                    QuestionStatus::Included | QuestionStatus::Answered | QuestionStatus::Deferred
                )
            });
            lines.extend(
                visible
                    .enumerate()
                    .map(|(n, i)| format!("{}. {}", n + 1, i.text)),
            );
        }
        Ok(StepView::Text { stems, .. }) => lines.extend(stems.iter().map(|s| fill(s))),
        Ok(StepView::Reply { stems, .. }) => {
            // Counts only: the points are the letter writer's words and stay on the
            // letter itself.
            if let Some(coverage) = runner.coverage(index) {
                lines.push(crate::model::letters::Coverage::summary(&coverage));
            }
            lines.extend(stems.iter().map(|s| fill(s)));
        }
        // Nothing for the couple's screen beyond the title and prompts; a record that
        // does not pair with its step shows nothing either (the therapist's screen says
        // why).
        Ok(
            StepView::Script
            | StepView::SwapRoles
            | StepView::Plan { .. }
            | StepView::Rating { .. }
            | StepView::Choice { .. }
            | StepView::Checklist { .. }
            | StepView::YesNo { .. },
        )
        | Err(_) => {}
    }
    PresentModel {
        title: fill(&step.title),
        prompts: step.prompts.iter().map(|p| fill(p)).collect(),
        lines,
        // Counting up: a countdown held at 0:00 once the plan was reached (and at once
        // on a session taken up again), which told the couple nothing.
        timer: couple_timer_text(runner.timer(now)),
        private: false,
        paused: false,
    }
}

/// Draw the couple's screen: large (larger on a larger screen), calm, nothing private;
/// lines wrap at a readable width and a long list scrolls.
pub fn present_ui(ui: &mut Ui, model: &PresentModel) {
    if model.paused {
        ui.vertical_centered(|ui| {
            ui.add_space(ui.available_height() / 3.0);
            ui.label(RichText::new(&model.title).size(56.0).weak());
        });
        return;
    }
    let sizes = super::style::present_sizes(ui.available_width());
    let text = |ui: &mut Ui, text: RichText| {
        ui.add(egui::Label::new(text).wrap());
    };
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.set_max_width(sizes.measure);
                ui.add_space(sizes.prompt);
                text(ui, RichText::new(&model.title).size(sizes.title).strong());
                if let Some(timer) = &model.timer {
                    text(ui, RichText::new(timer).size(sizes.timer).weak());
                }
                ui.add_space(sizes.prompt);
                for prompt in &model.prompts {
                    text(ui, RichText::new(prompt).size(sizes.prompt));
                    ui.add_space(sizes.prompt * 0.5);
                }
                for line in &model.lines {
                    text(ui, RichText::new(line).size(sizes.line));
                    ui.add_space(sizes.line * 0.25);
                }
                if model.private {
                    text(
                        ui,
                        RichText::new("This part is private.").size(sizes.prompt),
                    );
                }
            });
        });
}
