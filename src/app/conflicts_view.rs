//! The sync conflicts screen: each record changed on two devices, its two versions side
//! by side part by part (a session step by step, a note section by section), and the
//! choice to keep one or merge. Reads the form; pushes `SyncCommand`s.

use super::command::{Command, SyncCommand};
use super::forms::ConflictsForm;
use super::style;
use super::views::{command_button, error_ui};
use crate::practice::Practice;
use crate::practice::sync::{MergeKind, merge_kind};
use crate::vault::conflicts::{Conflict, Side};
use crate::vault::sync::Order;
use egui::{RichText, Ui};

/// What a conflict is, in a line: the record and how its two versions stand.
fn conflict_title(practice: &Practice, conflict: &Conflict) -> String {
    let lists = practice.lists();
    let what = match conflict.kind {
        crate::vault::RecordKind::Session => lists
            .sessions
            .iter()
            .find(|s| s.id.0 == conflict.id)
            .map(|s| {
                let code = lists
                    .couples
                    .iter()
                    .find(|c| c.id == s.couple)
                    .map_or("", |c| c.code.as_str());
                format!(
                    "{code} session: {}, {}",
                    s.template_title,
                    s.started_at.format("%Y-%m-%d")
                )
            }),
        crate::vault::RecordKind::Note => Some("Progress note".to_string()),
        _ => None,
    };
    what.unwrap_or_else(|| format!("A {} record", conflict.kind.name()))
}

/// How the two versions stand, in plain words.
pub fn order_text(conflict: &Conflict) -> &'static str {
    match (&conflict.current, &conflict.other, conflict.order()) {
        (_, None, _) => "The other version does not open. It is kept as it is.",
        (None, Some(_), _) => "The record itself does not open here; the other version does.",
        (_, _, Some(Order::Concurrent)) => {
            "Changed on two devices before either saw the other's change: each version holds something the other lacks."
        }
        (_, _, Some(Order::Newer)) => {
            "The record went back to an older version (a device back after a long time away, or a copy put back). The other version is the newer one."
        }
        (_, _, Some(Order::Older | Order::Same) | None) => {
            "The other version is older: it holds nothing the current one lacks."
        }
    }
}

fn side_heading(name: &str, side: Option<&Side>, own_device: &str) -> String {
    match side {
        None => format!("{name}: does not open"),
        Some(side) => {
            let who = match side.device.as_deref() {
                Some(d) if d == own_device => "on this computer",
                Some(_) => "on another device",
                None => "on a device not named",
            };
            format!(
                "{name}: saved {} {who}",
                side.saved_at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
            )
        }
    }
}

pub fn conflicts_ui(
    ui: &mut Ui,
    practice: &Practice,
    form: &ConflictsForm,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    egui::Panel::top("conflicts-bar")
        .frame(style::bar_frame(ui.style()))
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                command_button(ui, SyncCommand::Close.into(), true, out);
                ui.label(RichText::new("Sync conflicts").strong());
            });
        });
    let shown = form
        .selected
        .as_ref()
        .and_then(|s| form.list.iter().find(|c| c.copy == *s));
    // The choices stay in view however long the record: below the side-by-side view.
    if let Some(conflict) = shown {
        egui::Panel::bottom("conflict-actions")
            .frame(style::bar_frame(ui.style()))
            .show(ui, |ui| {
                error_ui(ui, error);
                ui.horizontal_wrapped(|ui| {
                    command_button(
                        ui,
                        SyncCommand::KeepCurrent.into(),
                        conflict.current.is_some(),
                        out,
                    );
                    command_button(
                        ui,
                        SyncCommand::KeepOther.into(),
                        conflict.other.is_some(),
                        out,
                    );
                    command_button(
                        ui,
                        SyncCommand::Merge.into(),
                        merge_kind(conflict) != MergeKind::Whole,
                        out,
                    );
                });
            });
    }
    egui::CentralPanel::default()
        .frame(style::central_frame(ui.style()))
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    ui.label(
                        "A record changed on two devices, or come back older than this computer had it. Both versions are kept until you settle it, and kept after: nothing is lost either way.",
                    );
                    ui.add_space(8.0);
                    if form.list.is_empty() {
                        ui.label("No conflicts: every record reads as the devices last saved it.");
                        error_ui(ui, error);
                        return;
                    }
                    for conflict in &form.list {
                        let selected = form.selected.as_deref() == Some(conflict.copy.as_str());
                        let response = ui
                            .selectable_label(selected, conflict_title(practice, conflict))
                            .on_hover_text(SyncCommand::Select(String::new()).tooltip());
                        if response.clicked() && !selected {
                            out.push(SyncCommand::Select(conflict.copy.clone()).into());
                        }
                    }
                    ui.separator();
                    if let Some(conflict) = shown {
                        conflict_ui(ui, practice, form, conflict, out);
                    } else {
                        error_ui(ui, error);
                    }
                });
        });
}

/// One cell of the side-by-side rows: its width, and what draws it.
type Cell<'a> = (f32, &'a mut dyn FnMut(&mut Ui));

fn conflict_ui(
    ui: &mut Ui,
    practice: &Practice,
    form: &ConflictsForm,
    conflict: &Conflict,
    out: &mut Vec<Command>,
) {
    ui.heading(conflict_title(practice, conflict));
    ui.label(order_text(conflict));
    let kind = merge_kind(conflict);
    match kind {
        MergeKind::ByPart => {
            ui.label("Choose part by part which version the merge takes; unchanged parts are the same either way.");
        }
        MergeKind::SignedTwice => {
            ui.label("Both versions were signed. The merge keeps the one signed first as the signed note and adds the other's text as an amendment, with when and why.");
        }
        MergeKind::Whole => {
            ui.label("These two versions are kept whole: keep one of them.");
        }
    }
    ui.add_space(6.0);
    let device = practice.vault().device().to_string();
    let parts = practice.conflict_parts(conflict);
    // Four columns that always fit the window: the part, each version, the choice.
    let spacing = 12.0;
    let width = ui.available_width();
    let (title_w, choice_w) = (140.0_f32.min(width * 0.18), 150.0_f32.min(width * 0.2));
    let text_w = ((width - title_w - choice_w - 3.0 * spacing) / 2.0).max(120.0);
    let cell = |ui: &mut Ui, w: f32, add: &mut dyn FnMut(&mut Ui)| {
        ui.allocate_ui_with_layout(
            egui::vec2(w, 0.0),
            egui::Layout::top_down(egui::Align::Min),
            |ui| {
                ui.set_width(w);
                add(ui);
            },
        );
    };
    let row = |ui: &mut Ui, cells: [Cell<'_>; 4]| {
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = spacing;
            for (w, add) in cells {
                cell(ui, w, add);
            }
        });
        ui.separator();
    };
    let strong = |text: String| {
        move |ui: &mut Ui| {
            ui.add(egui::Label::new(RichText::new(text.clone()).strong()).wrap());
        }
    };
    row(
        ui,
        [
            (title_w, &mut strong("Part".into())),
            (
                text_w,
                &mut strong(side_heading("Current", conflict.current.as_ref(), &device)),
            ),
            (
                text_w,
                &mut strong(side_heading("Other", conflict.other.as_ref(), &device)),
            ),
            (choice_w, &mut strong("In the merge".into())),
        ],
    );
    for (i, part) in parts.iter().enumerate() {
        let choosable = kind == MergeKind::ByPart
            && part.differs()
            && !(conflict.kind == crate::vault::RecordKind::Note && i == 0);
        let text = |t: &Option<String>| {
            let t = t.as_deref().unwrap_or("(none)").to_string();
            move |ui: &mut Ui| {
                ui.add(egui::Label::new(t.clone()).wrap());
            }
        };
        let mut choice = |ui: &mut Ui| {
            if choosable {
                let other = form.take_other.contains(&i);
                for (take, command) in [
                    (
                        false,
                        SyncCommand::Take {
                            part: i,
                            other: false,
                        },
                    ),
                    (
                        true,
                        SyncCommand::Take {
                            part: i,
                            other: true,
                        },
                    ),
                ] {
                    let response = ui
                        .radio(other == take, command.label())
                        .on_hover_text(command.tooltip());
                    if response.clicked() && other != take {
                        out.push(command.into());
                    }
                }
            } else if part.differs() {
                ui.label("as kept");
            } else {
                ui.label("the same");
            }
        };
        row(
            ui,
            [
                (title_w, &mut text(&Some(part.title.clone()))),
                (text_w, &mut text(&part.current)),
                (text_w, &mut text(&part.other)),
                (choice_w, &mut choice),
            ],
        );
    }
}
