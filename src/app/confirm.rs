//! The questions Tandem asks before something a therapist cannot simply take back: ending
//! a session (with the steps not done yet), releasing a question list, finalizing a note.
//! Each dialog names what will happen and offers the way out first.

use super::command::{Command, PracticeCommand, ProtocolCommand, RecordCommand, SessionCommand};
use super::forms::Confirm;
use super::state::Live;
use super::views::command_button;
use crate::model::StepStatus;
use crate::runner::Action;
use egui::RichText;

/// The steps of the running session that are not done: their titles as the step list
/// shows them.
pub fn steps_not_done(live: &Live) -> Vec<String> {
    let runner = &live.runner;
    let session = runner.session();
    let names = live.couple.names();
    session
        .steps
        .iter()
        .enumerate()
        .filter(|(i, step)| match step.status {
            StepStatus::Done | StepStatus::Skipped => false,
            StepStatus::Active => !runner.is_complete(*i),
            StepStatus::Pending | StepStatus::Incomplete => true,
        })
        .map(|(i, step)| {
            let title = runner
                .step_def(i)
                .map_or(step.step_id.clone(), |s| runner.fill(i, &s.title, &names));
            if step.pass > 1 {
                format!("{title} ({})", step.pass)
            } else {
                title
            }
        })
        .collect()
}

/// The dialog for `confirm`, over the screen.
pub fn confirm_ui(
    ctx: &egui::Context,
    confirm: &Confirm,
    live: Option<&Live>,
    out: &mut Vec<Command>,
) {
    let title = match confirm {
        Confirm::EndSession => "End this session?",
        Confirm::ReleaseQuestions => "Release the question list?",
        Confirm::FinalizeNote { .. } => "Finalize and sign this note?",
        Confirm::RemoveProtocol(_) => "Remove this protocol from the library?",
        Confirm::DiscardProtocol => "Close the editor without saving?",
    };
    egui::Window::new(title)
        .collapsible(false)
        .resizable(false)
        .default_width(460.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            match confirm {
                Confirm::EndSession => {
                    let open = live.map(steps_not_done).unwrap_or_default();
                    if open.is_empty() {
                        ui.label("Every step is done.");
                    } else {
                        ui.label(RichText::new("Not done yet:").strong());
                        for title in open.iter().take(12) {
                            ui.label(format!("• {title}"));
                        }
                        if open.len() > 12 {
                            ui.label(format!("and {} more", open.len() - 12));
                        }
                    }
                    ui.label(
                        "Everything recorded is kept. An ended session can be reopened from the couple's page.",
                    );
                }
                Confirm::ReleaseQuestions => {
                    ui.label("The questions included are then asked in this session, in their order, and the couple's screen shows them.");
                    ui.label("Questions not included stay private to the one who wrote them.");
                }
                Confirm::FinalizeNote { clinician } => {
                    ui.label(format!("The note is signed by {clinician} and locked."));
                    ui.label("Later changes are amendments with a reason; the finalized text stays visible.");
                }
                Confirm::RemoveProtocol(id) => {
                    ui.label(format!("No new session can run {id}."));
                    ui.label("Every session that ran it keeps the exact version it ran, and still reads and exports as it was.");
                }
                Confirm::DiscardProtocol => {
                    ui.label("The changes made since the protocol was last saved are lost.");
                    ui.label("Not now keeps the editor open: save there, or write a template file.");
                }
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                command_button(ui, PracticeCommand::CloseDialog.into(), true, out);
                let yes: Command = match confirm {
                    Confirm::EndSession => SessionCommand::Act(Action::End).into(),
                    Confirm::ReleaseQuestions => {
                        SessionCommand::Act(Action::ReleaseQuestions).into()
                    }
                    Confirm::FinalizeNote { clinician } => RecordCommand::FinalizeNote {
                        clinician: clinician.clone(),
                    }
                    .into(),
                    Confirm::RemoveProtocol(id) => ProtocolCommand::Remove(id.clone()).into(),
                    Confirm::DiscardProtocol => ProtocolCommand::Discard.into(),
                };
                command_button(ui, yes, true, out);
            });
        });
}
