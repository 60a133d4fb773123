//! The therapist's screen while a session runs: the step's script and prompts with names
//! filled in, a view for every step kind, the timer, gates, navigation and the clinician's
//! notes. Draws from the live session and pushes commands; never changes state itself.

use super::command::{Command, ExportCommand, SessionCommand, VERDICTS, VaultCommand};
use super::forms::Forms;
use super::state::Live;
use super::style;
use super::views::command_button;
use crate::model::{
    Accuracy, CommitmentDraft, Exchange, LoopStage, MirrorOutcome, Partner, QuestionStatus,
    Respondent, StepData, StepStatus, Verification, Visibility,
};
use crate::runner::{Action, respondents_of};
use crate::template::{DEFAULT_FEELINGS, Gate, StepView};
use chrono::{DateTime, NaiveDate, Utc};
use egui::{RichText, Ui};

fn act(action: Action) -> Command {
    SessionCommand::Act(action).into()
}

fn who(live: &Live, respondent: Respondent) -> String {
    match respondent {
        Respondent::Joint => "Together".into(),
        Respondent::Clinician => "Therapist".into(),
        Respondent::Partner(p) => live.couple.partner(p).name.clone(),
    }
}

fn name(live: &Live, p: Partner) -> String {
    live.couple.partner(p).name.clone()
}

/// A text field whose content is kept in the session's drafts (so it is saved as typed).
fn draft_field(
    ui: &mut Ui,
    live: &Live,
    key: &str,
    label: &str,
    lines: usize,
    out: &mut Vec<Command>,
) -> String {
    let mut text = live.runner.draft(key).to_string();
    let l = ui.label(label);
    let edit = egui::TextEdit::multiline(&mut text)
        .font(style::field())
        .desired_rows(lines)
        .desired_width(f32::INFINITY);
    if ui.add(edit).labelled_by(l.id).changed() {
        out.push(
            SessionCommand::SetDraft {
                key: key.to_string(),
                text: text.clone(),
            }
            .into(),
        );
    }
    text
}

/// A pick-one list whose choice is kept in the session's drafts; empty when none.
fn draft_choice(
    ui: &mut Ui,
    live: &Live,
    key: &str,
    label: &str,
    options: &[String],
    out: &mut Vec<Command>,
) -> String {
    let mut chosen = live.runner.draft(key).to_string();
    if options.is_empty() {
        return chosen;
    }
    let l = ui.label(label);
    egui::ComboBox::from_id_salt(key)
        .selected_text(if chosen.is_empty() {
            "none"
        } else {
            chosen.as_str()
        })
        .show_ui(ui, |ui| {
            for option in options {
                if ui.selectable_label(&chosen == option, option).clicked() {
                    chosen = option.clone();
                    out.push(
                        SessionCommand::SetDraft {
                            key: key.to_string(),
                            text: option.clone(),
                        }
                        .into(),
                    );
                }
            }
        })
        .response
        .labelled_by(l.id);
    chosen
}

/// Push an action made from a draft, then clear the draft.
fn submit(out: &mut Vec<Command>, action: Action, key: &str) {
    out.push(act(action));
    out.push(
        SessionCommand::SetDraft {
            key: key.to_string(),
            text: String::new(),
        }
        .into(),
    );
}

/// Who sees the step (changeable: narrower at any time, wider only while nothing is
/// recorded), and the hand-over buttons for each partner with a part in it.
fn privacy_row(ui: &mut Ui, live: &Live, visibility: Visibility, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        let l = ui.label("Who sees this");
        egui::ComboBox::from_id_salt("step-visibility")
            .selected_text(visibility.describe())
            .show_ui(ui, |ui| {
                for v in Visibility::ALL {
                    if ui.selectable_label(v == visibility, v.describe()).clicked()
                        && v != visibility
                    {
                        out.push(act(Action::SetVisibility(v)));
                    }
                }
            })
            .response
            .labelled_by(l.id);
        for partner in super::handover::candidates(live) {
            let command = Command::from(SessionCommand::HandOver(partner));
            if ui
                .button(format!("Hand to {}", name(live, partner)))
                .on_hover_text(command.tooltip())
                .clicked()
            {
                out.push(command);
            }
        }
    });
}

/// The width of the step list.
const STEPS_WIDTH: f32 = 240.0;

pub fn format_secs(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let secs = secs.abs();
    format!("{sign}{}:{:02}", secs / 60, secs % 60)
}

/// The whole session screen.
pub fn session_ui(
    ui: &mut Ui,
    live: &Live,
    forms: &mut Forms,
    now: DateTime<Utc>,
    out: &mut Vec<Command>,
) {
    let runner = &live.runner;
    let session = runner.session();
    let index = session.current;
    let (step, record) = runner.current();
    let names = live.couple.names();
    let fill = |text: &str| runner.fill(index, text, &names);

    let header = egui::Panel::top("session-header").frame(style::bar_frame(ui.style()));
    header.show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.label(
                RichText::new(format!("{} · {}", live.couple.code, session.template_title))
                    .strong(),
            );
            ui.label(format!("Step {} of {}", index + 1, session.steps.len()));
            let timer = runner.timer(now);
            let text = match timer.limit_secs {
                Some(limit) => format!(
                    "{} / {}",
                    format_secs(timer.elapsed_secs),
                    format_secs(limit)
                ),
                None => format_secs(timer.elapsed_secs),
            };
            let colour = if timer.is_over() {
                ui.visuals().warn_fg_color
            } else {
                ui.visuals().text_color()
            };
            ui.label(RichText::new(format!("Time {text}")).color(colour))
                .on_hover_text("Time on this step");
            ui.separator();
            let saved = if let Some(error) = &live.save_error {
                RichText::new(format!("Not saved: {error}")).color(ui.visuals().error_fg_color)
            } else if live.is_saved() {
                RichText::new(match live.saved_at {
                    Some(at) => format!(
                        "Saved {}",
                        at.with_timezone(&chrono::Local).format("%H:%M:%S")
                    ),
                    None => "Saved".into(),
                })
                .weak()
            } else {
                RichText::new("Saving…").weak()
            };
            ui.label(saved);
            ui.separator();
            command_button(ui, SessionCommand::TogglePresent.into(), true, out);
            command_button(ui, VaultCommand::QuickHide.into(), true, out);
            command_button(ui, SessionCommand::ShowSafetyCard(true).into(), true, out);
            if runner
                .template()
                .roles
                .contains(&crate::model::Role::Speaker)
            {
                command_button(ui, act(Action::SwapRoles), !runner.is_ended(), out);
            }
            command_button(ui, act(Action::End), !runner.is_ended(), out);
            command_button(
                ui,
                ExportCommand::Open(super::command::ExportTarget::Session(session.id)).into(),
                true,
                out,
            );
            command_button(ui, SessionCommand::Close.into(), true, out);
        });
    });

    // One width for every step, so nothing beside it moves from step to step.
    egui::Panel::left("steps")
        .resizable(false)
        .exact_size(STEPS_WIDTH)
        .frame(style::side_frame(ui.style()))
        .show(ui, |ui| {
            ui.heading("Steps");
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (i, st) in session.steps.iter().enumerate() {
                    let title = runner
                        .step_def(i)
                        .map_or(st.step_id.clone(), |s| runner.fill(i, &s.title, &names));
                    let mark = match st.status {
                        StepStatus::Done => "done ·",
                        StepStatus::Skipped => "skipped ·",
                        StepStatus::Incomplete => "unfinished ·",
                        StepStatus::Active => ">",
                        StepStatus::Pending => "",
                    };
                    let pass = if st.pass > 1 {
                        format!(" ({})", st.pass)
                    } else {
                        String::new()
                    };
                    let text = RichText::new(format!("{mark} {title}{pass}"));
                    ui.label(if i == index { text.strong() } else { text });
                }
            });
        });

    let notes_width = (ui.available_width() * 0.25).clamp(250.0, 420.0);
    egui::Panel::right("notes")
        .resizable(true)
        .default_size(notes_width)
        .size_range(220.0..=560.0)
        .frame(style::side_frame(ui.style()))
        .show(ui, |ui| {
            // Scrolls rather than clipping in a short window.
            egui::ScrollArea::vertical()
                .id_salt("notes")
                .auto_shrink([false, false])
                .show(ui, |ui| notes_ui(ui, live, out));
        });

    let navigation = egui::Panel::bottom("navigation").frame(style::bar_frame(ui.style()));
    navigation.show(ui, |ui| {
        let blocking = runner.blocking_gates();
        for gate in &step.gates {
            if let Gate::Confirm(statement) = gate {
                let mut confirmed = record
                    .confirmations
                    .iter()
                    .any(|c| &c.statement == statement);
                let filled = fill(statement);
                if ui
                    .checkbox(&mut confirmed, format!("I confirm: {filled}"))
                    .changed()
                    && confirmed
                {
                    out.push(act(Action::ConfirmGate {
                        statement: statement.clone(),
                    }));
                }
            }
        }
        if !blocking.is_empty() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("Before moving on: {}", blocking.join("; ")),
            );
        }
        ui.horizontal_wrapped(|ui| {
            let ended = runner.is_ended();
            command_button(ui, act(Action::Back), !ended && index > 0, out);
            let last = index + 1 == session.steps.len();
            command_button(
                ui,
                act(Action::Next),
                !ended && !last && blocking.is_empty(),
                out,
            );
            ui.separator();
            let l = ui.label("Reason to skip");
            ui.add(egui::TextEdit::singleline(&mut forms.skip_reason).desired_width(150.0))
                .labelled_by(l.id);
            command_button(
                ui,
                act(Action::Skip {
                    reason: forms.skip_reason.clone(),
                }),
                !ended && blocking.is_empty() && !forms.skip_reason.trim().is_empty(),
                out,
            );
            if ended {
                ui.label(RichText::new("This session has ended.").strong());
            }
        });
    });

    let central = egui::CentralPanel::default().frame(style::central_frame(ui.style()));
    central.show(ui, |ui| {
        let scroll = egui::ScrollArea::vertical().auto_shrink([false, false]);
        scroll.show(ui, |ui| {
            ui.heading(fill(&step.title));
            match record.visibility {
                Visibility::Joint => {}
                Visibility::PartnerPrivate => {
                    ui.colored_label(ui.visuals().warn_fg_color, "Private: each partner's answers are for them and the therapist only. Turn the screen or hand the laptop over.");
                }
                Visibility::ClinicianOnly => {
                    ui.colored_label(ui.visuals().warn_fg_color, "For the therapist only.");
                }
            }
            if !runner.is_ended() {
                privacy_row(ui, live, record.visibility, out);
            }
            for prompt in &step.prompts {
                ui.label(RichText::new(fill(prompt)).text_style(style::script()));
            }
            ui.add_space(10.0);
            ui.add_enabled_ui(!runner.is_ended(), |ui| kind_ui(ui, live, now, None, out));
        });
    });
}

/// The therapist's column: the step's instructions and the clinician's notes.
fn notes_ui(ui: &mut Ui, live: &Live, out: &mut Vec<Command>) {
    let runner = &live.runner;
    let index = runner.session().current;
    let (step, record) = runner.current();
    let names = live.couple.names();
    let fill = |text: &str| runner.fill(index, text, &names);
    ui.heading("For the therapist");
    if !step.therapist.is_empty() {
        ui.label(fill(&step.therapist));
    }
    ui.add_space(8.0);
    let mut note = record.clinician_note.clone();
    let l = ui.label("Clinician notes (never shown to the couple)");
    let edit = egui::TextEdit::multiline(&mut note)
        .font(style::field())
        .desired_rows(10)
        .desired_width(f32::INFINITY);
    if ui
        .add_enabled(!runner.is_ended(), edit)
        .labelled_by(l.id)
        .changed()
    {
        out.push(act(Action::Note(note)));
    }
}

/// The step on screen as one partner may fill it in (hand-over mode): only their own
/// entries, ratings or question list.
pub(super) fn partner_part_ui(
    ui: &mut Ui,
    live: &Live,
    partner: Partner,
    now: DateTime<Utc>,
    out: &mut Vec<Command>,
) {
    kind_ui(ui, live, now, Some(partner), out);
}

/// The step on screen's own view, by kind; with `only`, that partner's part of it.
fn kind_ui(
    ui: &mut Ui,
    live: &Live,
    now: DateTime<Utc>,
    only: Option<Partner>,
    out: &mut Vec<Command>,
) {
    let roles = live.runner.current().1.roles;
    let shown = |r: Respondent| only.is_none_or(|p| r == Respondent::Partner(p));
    let view = match live.runner.current_view() {
        Ok(view) => view,
        Err(mismatch) => {
            ui.colored_label(ui.visuals().error_fg_color, mismatch.to_string());
            return;
        }
    };
    match view {
        StepView::Script => {}
        StepView::SwapRoles => {
            ui.label("Speaker and listener have changed places.");
        }
        StepView::Loop {
            stems,
            stages,
            feelings,
            data: l,
            ..
        } => {
            if only.is_none() {
                loop_ui(ui, live, l, stems, stages, feelings, out)
            }
        }
        StepView::Floor { rules, data: f, .. } => {
            if only.is_none() {
                floor_ui(ui, live, f, rules, now, out)
            }
        }
        StepView::Questions {
            categories,
            answering,
            data: q,
            ..
        } => {
            if shown(Respondent::Partner(q.owner)) {
                questions_ui(
                    ui,
                    live,
                    q,
                    categories,
                    answering && only.is_none(),
                    only.is_some(),
                    out,
                )
            }
        }
        StepView::Plan {
            owners,
            categories,
            review_after_days,
            data: p,
        } => {
            if only.is_none() {
                let owners: Vec<Partner> =
                    owners.iter().filter_map(|r| roles.partner(*r)).collect();
                plan_ui(
                    ui,
                    live,
                    p,
                    &owners,
                    categories,
                    review_after_days,
                    now,
                    out,
                )
            }
        }
        StepView::Rating {
            raters,
            items,
            data: r,
            ..
        } => {
            for rater in raters
                .iter()
                .filter_map(|role| roles.partner(*role))
                .filter(|p| shown(Respondent::Partner(*p)))
            {
                ui.group(|ui| {
                    ui.label(RichText::new(name(live, rater)).strong());
                    for item in items {
                        let current = r.values.get(&rater).and_then(|v| v.get(&item.id)).copied();
                        let mut value = current.unwrap_or(item.min);
                        let label = format!(
                            "{} ({})",
                            live.runner.fill(
                                live.runner.session().current,
                                &item.label,
                                &live.couple.names()
                            ),
                            name(live, rater)
                        );
                        // The item above its slider, so a long item wraps instead of running
                        // off the side; it still names the slider.
                        let l = ui.label(label);
                        let slider = egui::Slider::new(&mut value, item.min..=item.max);
                        let response = ui.add(slider).labelled_by(l.id);
                        if response.changed() || (response.clicked() && current.is_none()) {
                            out.push(act(Action::Rate {
                                rater,
                                item: item.id.clone(),
                                value,
                            }));
                        }
                        let anchor = item
                            .anchors
                            .get(usize::from(value.saturating_sub(item.min)));
                        let hint = match (current, anchor) {
                            (None, _) => "not rated yet".to_string(),
                            (Some(_), Some(a)) => a.clone(),
                            (Some(_), None) if !item.low.is_empty() => {
                                format!("{} … {}", item.low, item.high)
                            }
                            _ => String::new(),
                        };
                        ui.label(RichText::new(hint).weak());
                    }
                    if let Some(score) = r.scores.get(&rater) {
                        let flag = if score.below_cutoff {
                            " (below the cutoff)"
                        } else {
                            ""
                        };
                        ui.label(format!("Total {} of {}{flag}", score.total, score.max));
                    }
                });
            }
        }
        StepView::Text {
            respondents,
            stems,
            data: entries,
            ..
        } => {
            if !stems.is_empty() {
                ui.label(
                    RichText::new(format!("Sentence starters: {}", stems.join("  ·  "))).italics(),
                );
            }
            for respondent in respondents_of(respondents, roles)
                .into_iter()
                .filter(|r| shown(*r))
            {
                let mut text = entries
                    .entries
                    .get(&respondent)
                    .cloned()
                    .unwrap_or_default();
                let l = ui.label(who(live, respondent));
                let edit = egui::TextEdit::multiline(&mut text)
                    .font(style::field())
                    .desired_rows(4)
                    .desired_width(f32::INFINITY);
                if ui.add(edit).labelled_by(l.id).changed() {
                    out.push(act(Action::WriteText { respondent, text }));
                }
            }
        }
        StepView::Choice {
            respondents,
            options,
            multiple,
            data: entries,
        } => {
            for respondent in respondents_of(respondents, roles)
                .into_iter()
                .filter(|r| shown(*r))
            {
                ui.group(|ui| {
                    ui.label(RichText::new(who(live, respondent)).strong());
                    let chosen = entries
                        .entries
                        .get(&respondent)
                        .cloned()
                        .unwrap_or_default();
                    for option in options {
                        let mut on = chosen.contains(option);
                        let changed = if multiple {
                            ui.checkbox(&mut on, option).changed()
                        } else {
                            let clicked = ui.radio(on, option).clicked();
                            if clicked {
                                on = !on;
                            }
                            clicked
                        };
                        if changed {
                            out.push(act(Action::Choose {
                                respondent,
                                option: option.clone(),
                                selected: on,
                            }));
                        }
                    }
                });
            }
        }
        StepView::Checklist {
            respondents,
            items,
            data: entries,
        } => {
            for respondent in respondents_of(respondents, roles)
                .into_iter()
                .filter(|r| shown(*r))
            {
                ui.group(|ui| {
                    ui.label(RichText::new(who(live, respondent)).strong());
                    let ticked = entries
                        .entries
                        .get(&respondent)
                        .cloned()
                        .unwrap_or_default();
                    for item in items {
                        let mut on = ticked.contains(item);
                        if ui.checkbox(&mut on, item).changed() {
                            out.push(act(Action::Check {
                                respondent,
                                item: item.clone(),
                                checked: on,
                            }));
                        }
                    }
                });
            }
        }
        StepView::Reply {
            stems, data: reply, ..
        } => {
            if shown(Respondent::Partner(reply.author)) {
                reply_ui(ui, live, reply, stems, only, out)
            }
        }
    }
}

/// The draft key of the answer to a point: a hash of the point's text, so that a draft
/// stays with its point when the letter is edited around it.
fn reply_draft_key(point: &str) -> String {
    // FNV-1a: stable across runs and builds (std's hasher is not).
    let hash = point.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("reply/{hash:016x}")
}

/// Whether `partner` may read the letter a reply answers (in hand-over mode the author
/// sees the quoted points only if the letter is shown to them anyway).
fn letter_shown_to(live: &Live, partner: Partner) -> bool {
    let session = live.runner.session();
    let index = session.current;
    let Some(StepData::Reply(reply)) = session.steps.get(index).map(|r| &r.data) else {
        return false;
    };
    let full = live.runner.letter_for(index);
    let view = crate::model::redact(session, crate::model::Audience::Partner(partner));
    let visible = crate::model::letters::letter_text(
        view.visible()
            .filter(|(i, _)| *i < index)
            .map(|(_, r)| r)
            .collect::<Vec<_>>()
            .into_iter(),
        &reply.letter_step,
        reply.author,
    );
    full.is_some() && visible == full
}

/// A reply letter point by point: each point of the letter with a √ (the default fonts
/// have no ✓) or "not yet
/// answered", a response box kept in the drafts as typed, and the coverage line.
fn reply_ui(
    ui: &mut Ui,
    live: &Live,
    reply: &crate::model::ReplyRecord,
    stems: &[String],
    only: Option<Partner>,
    out: &mut Vec<Command>,
) {
    let index = live.runner.session().current;
    let Some(coverage) = live.runner.coverage(index) else {
        return;
    };
    let quotes = only.is_none_or(|p| letter_shown_to(live, p));
    ui.label(
        RichText::new(format!(
            "{} answers the letter point by point.",
            name(live, reply.author)
        ))
        .weak(),
    );
    if live.runner.letter_for(index).is_none() {
        ui.label("The letter this step answers has not been written yet.");
    }
    ui.label(RichText::new(coverage.summary()).strong());
    if !stems.is_empty() {
        let names = live.couple.names();
        let filled: Vec<String> = stems
            .iter()
            .map(|s| live.runner.fill(index, s, &names))
            .collect();
        ui.label(RichText::new(format!("Sentence starters: {}", filled.join("  ·  "))).italics());
    }
    for point in &coverage.points {
        let n = point.number;
        ui.group(|ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(format!("Point {n}")).strong());
                if point.is_answered() {
                    ui.label("√ answered");
                } else {
                    ui.label(RichText::new("not yet answered").color(ui.visuals().warn_fg_color));
                }
            });
            if quotes {
                ui.label(RichText::new(format!("You wrote: {}", point.point)).italics());
            }
            let key = reply_draft_key(&point.point);
            let saved = point.reply.as_ref().map_or("", |r| r.text.as_str());
            let draft = live.runner.draft(&key);
            let mut text = if draft.is_empty() {
                saved.to_string()
            } else {
                draft.to_string()
            };
            let l = ui.label(format!("Answer to point {n}"));
            let edit = egui::TextEdit::multiline(&mut text)
                .font(style::field())
                .desired_rows(3)
                .desired_width(f32::INFINITY);
            if ui.add(edit).labelled_by(l.id).changed() {
                out.push(
                    SessionCommand::SetDraft {
                        key: key.clone(),
                        text: text.clone(),
                    }
                    .into(),
                );
            }
            ui.horizontal_wrapped(|ui| {
                let unsaved = !draft.is_empty() && draft != saved;
                let save = Action::ReplyToPoint {
                    point: point.point.clone(),
                    text: text.clone(),
                };
                let command = act(save.clone());
                if ui
                    .add_enabled(
                        unsaved && !text.trim().is_empty(),
                        egui::Button::new(format!("{} {n}", command.label())),
                    )
                    .on_hover_text(command.tooltip())
                    .clicked()
                {
                    submit(out, save, &key);
                }
                if point.is_answered() {
                    let remove = Action::ReplyToPoint {
                        point: point.point.clone(),
                        text: String::new(),
                    };
                    let command = act(remove.clone());
                    if ui
                        .button(format!("{} {n}", command.label()))
                        .on_hover_text(command.tooltip())
                        .clicked()
                    {
                        submit(out, remove, &key);
                    }
                }
                if unsaved {
                    ui.label(RichText::new("not saved as the answer yet").weak());
                }
            });
        });
    }
    if !coverage.orphaned.is_empty() {
        ui.add_space(6.0);
        ui.label(RichText::new("Answers to points since edited out of the letter").strong());
        ui.label(
            RichText::new(
                "The letter changed after these were written. They are kept until you remove them.",
            )
            .weak(),
        );
        for (i, orphan) in coverage.orphaned.iter().enumerate() {
            ui.group(|ui| {
                if quotes {
                    ui.label(RichText::new(format!("You wrote: {}", orphan.point)).italics());
                }
                ui.label(&orphan.text);
                let remove = act(Action::ReplyToPoint {
                    point: orphan.point.clone(),
                    text: String::new(),
                });
                if ui
                    .button(format!(
                        "{} to an earlier point ({})",
                        remove.label(),
                        i + 1
                    ))
                    .on_hover_text(remove.tooltip())
                    .clicked()
                {
                    out.push(remove);
                }
            });
        }
    }
}

fn outcome_text(outcome: Option<MirrorOutcome>) -> &'static str {
    match outcome {
        None => "waiting for the speaker",
        Some(MirrorOutcome::Confirmed) => "that's it",
        Some(MirrorOutcome::Corrected) => "not quite",
        Some(MirrorOutcome::More) => "there's more",
    }
}

fn loop_ui(
    ui: &mut Ui,
    live: &Live,
    l: &crate::model::LoopRecord,
    stems: &[String],
    stages: &[LoopStage],
    feelings: &[String],
    out: &mut Vec<Command>,
) {
    let (speaker, listener) = (name(live, l.speaker), name(live, l.listener));
    ui.label(RichText::new(format!("{speaker} speaks · {listener} mirrors")).strong());
    if !stems.is_empty() {
        ui.label(RichText::new(format!("Sentence starters: {}", stems.join("  ·  "))).italics());
    }
    match &l.message {
        None => {
            let text = draft_field(
                ui,
                live,
                "loop-message",
                &format!("What {speaker} says"),
                3,
                out,
            );
            if ui
                .add_enabled(!text.trim().is_empty(), egui::Button::new("Record message"))
                .clicked()
            {
                submit(out, Action::SpeakerSays(text), "loop-message");
            }
            return;
        }
        Some(message) => {
            ui.label(format!("{speaker}: {}", message.text));
        }
    }
    let attempt_ui = |ui: &mut Ui, i: usize, attempt: &crate::model::MirrorAttempt| {
        ui.label(format!(
            "Mirror {}: {} — {}",
            i + 1,
            attempt.text,
            outcome_text(attempt.outcome)
        ));
        if !attempt.reply.is_empty() {
            ui.label(RichText::new(format!("    {speaker}: {}", attempt.reply)).italics());
        }
    };
    // The latest attempts stay in view; earlier ones fold away (and are not laid out).
    const SHOWN: usize = 10;
    let earlier = l.attempts.len().saturating_sub(SHOWN);
    if earlier > 0 {
        egui::CollapsingHeader::new(format!("{earlier} earlier attempts")).show(ui, |ui| {
            for (i, attempt) in l.attempts.iter().enumerate().take(earlier) {
                attempt_ui(ui, i, attempt);
            }
        });
    }
    for (i, attempt) in l.attempts.iter().enumerate().skip(earlier) {
        attempt_ui(ui, i, attempt);
    }
    let pending = l.attempts.last().is_some_and(|a| a.outcome.is_none());
    if l.is_confirmed() {
        ui.label(RichText::new(format!(
            "{speaker} feels understood after {} attempt(s) ({} correction(s), {} time(s) more).",
            l.attempts.len(),
            l.corrections(),
            l.more_cycles()
        ))
        .strong());
        for stage in stages {
            stage_ui(ui, live, l, *stage, feelings, out);
        }
    } else if pending {
        ui.label(
            RichText::new(format!("{listener}: Did I get it? Is there more?"))
                .text_style(style::script()),
        );
        let reply = draft_field(
            ui,
            live,
            "loop-reply",
            &format!("{speaker}'s correction or addition"),
            2,
            out,
        );
        ui.horizontal_wrapped(|ui| {
            for outcome in VERDICTS {
                let command = act(Action::Verdict {
                    outcome,
                    reply: reply.clone(),
                });
                if command_button(ui, command, true, out).clicked() {
                    out.push(
                        SessionCommand::SetDraft {
                            key: "loop-reply".into(),
                            text: String::new(),
                        }
                        .into(),
                    );
                }
            }
        });
        ui.label(format!("Attempt {}", l.attempts.len()));
    } else {
        let text = draft_field(
            ui,
            live,
            "loop-mirror",
            &format!("{listener}'s mirror"),
            3,
            out,
        );
        if ui
            .add_enabled(!text.trim().is_empty(), egui::Button::new("Record mirror"))
            .clicked()
        {
            submit(out, Action::Mirror(text), "loop-mirror");
        }
    }
}

fn stage_name(stage: LoopStage) -> &'static str {
    match stage {
        LoopStage::Summary => "Summary",
        LoopStage::Validation => "Validation",
        LoopStage::Empathy => "Empathy",
    }
}

fn stage_ui(
    ui: &mut Ui,
    live: &Live,
    l: &crate::model::LoopRecord,
    stage: LoopStage,
    feelings: &[String],
    out: &mut Vec<Command>,
) {
    ui.separator();
    ui.label(RichText::new(stage_name(stage)).strong());
    let attempts = l.stages.get(&stage).map(Vec::as_slice).unwrap_or_default();
    for a in attempts {
        let verdict = match a.accepted {
            None => "waiting",
            Some(true) => "accepted",
            Some(false) => "not yet",
        };
        let words = if a.feelings.is_empty() {
            String::new()
        } else {
            format!(" [{}]", a.feelings.join(", "))
        };
        ui.label(format!("{}{words} — {verdict}", a.text));
    }
    if attempts.last().is_some_and(|a| a.accepted.is_none()) {
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(format!("{} accepted", stage_name(stage)))
                .clicked()
            {
                out.push(act(Action::StageVerdict {
                    stage,
                    accepted: true,
                }));
            }
            if ui
                .button(format!("{}: not yet", stage_name(stage)))
                .clicked()
            {
                out.push(act(Action::StageVerdict {
                    stage,
                    accepted: false,
                }));
            }
        });
        return;
    }
    let key = format!("stage-{}", stage_name(stage));
    let text = draft_field(
        ui,
        live,
        &key,
        &format!("{} in the listener's words", stage_name(stage)),
        2,
        out,
    );
    let feelings_key = format!("{key}-feelings");
    let mut chosen: Vec<String> = live
        .runner
        .draft(&feelings_key)
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if stage == LoopStage::Empathy {
        let bank: Vec<String> = if feelings.is_empty() {
            DEFAULT_FEELINGS.iter().map(|s| s.to_string()).collect()
        } else {
            feelings.to_vec()
        };
        ui.label("Feeling words:");
        ui.horizontal_wrapped(|ui| {
            for word in &bank {
                let mut on = chosen.contains(word);
                if ui.toggle_value(&mut on, word.as_str()).changed() {
                    chosen.retain(|w| w != word);
                    if on {
                        chosen.push(word.clone());
                    }
                    out.push(
                        SessionCommand::SetDraft {
                            key: feelings_key.clone(),
                            text: chosen.join(","),
                        }
                        .into(),
                    );
                }
            }
        });
    }
    if ui
        .add_enabled(
            !text.trim().is_empty(),
            egui::Button::new(format!("Offer {}", stage_name(stage).to_lowercase())),
        )
        .clicked()
    {
        submit(
            out,
            Action::StageAttempt {
                stage,
                text,
                feelings: chosen,
            },
            &key,
        );
        out.push(
            SessionCommand::SetDraft {
                key: feelings_key,
                text: String::new(),
            }
            .into(),
        );
    }
}

fn floor_ui(
    ui: &mut Ui,
    live: &Live,
    f: &crate::model::FloorRecord,
    rules: &[String],
    now: DateTime<Utc>,
    out: &mut Vec<Command>,
) {
    let holder = f.holder().unwrap_or(Partner::A);
    let (speaker, other) = (name(live, holder), name(live, holder.other()));
    ui.label(
        RichText::new(format!("{speaker} has the floor"))
            .text_style(style::script())
            .strong(),
    );
    if let Some(timeout) = f.active_timeout() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "Time-out called by {}. Resume by {}.",
                name(live, timeout.called_by),
                timeout
                    .resume_at
                    .with_timezone(&chrono::Local)
                    .format("%a %H:%M")
            ),
        );
        command_button(ui, act(Action::Resume), true, out);
    } else {
        let chunk = draft_field(
            ui,
            live,
            "floor-chunk",
            &format!("{speaker} says (a short piece)"),
            2,
            out,
        );
        if ui
            .add_enabled(!chunk.trim().is_empty(), egui::Button::new("Record piece"))
            .clicked()
        {
            submit(out, Action::FloorChunk(chunk), "floor-chunk");
        }
        let para = draft_field(
            ui,
            live,
            "floor-para",
            &format!("{other} paraphrases"),
            2,
            out,
        );
        ui.horizontal_wrapped(|ui| {
            for (label, accuracy) in [
                ("Accurate", Accuracy::Accurate),
                ("Partly", Accuracy::Partly),
                ("Missed", Accuracy::Missed),
            ] {
                if ui
                    .add_enabled(
                        !para.trim().is_empty(),
                        egui::Button::new(format!("Paraphrase: {label}")),
                    )
                    .clicked()
                {
                    submit(
                        out,
                        Action::FloorParaphrase {
                            text: para.clone(),
                            accuracy,
                        },
                        "floor-para",
                    );
                }
            }
        });
        command_button(ui, act(Action::PassFloor), true, out);
        ui.horizontal_wrapped(|ui| {
            for p in Partner::BOTH {
                let resume_at = now + chrono::Duration::hours(1);
                if ui
                    .button(format!("Time-out called by {}", name(live, p)))
                    .on_hover_text(
                        "The talk resumes within the hour; change it by resuming earlier",
                    )
                    .clicked()
                {
                    out.push(act(Action::TimeOut { by: p, resume_at }));
                }
            }
        });
    }
    if !rules.is_empty() {
        ui.label(RichText::new("Rule breaches").strong());
        egui::Grid::new("breaches").show(ui, |ui| {
            for rule in rules {
                ui.label(rule);
                for p in Partner::BOTH {
                    let count = f
                        .breaches
                        .iter()
                        .filter(|b| &b.rule == rule && b.by == p)
                        .count();
                    if ui
                        .button(format!("{} ({count})", name(live, p)))
                        .on_hover_text(format!("{rule} by {}", name(live, p)))
                        .clicked()
                    {
                        out.push(act(Action::Breach {
                            rule: rule.clone(),
                            by: p,
                        }));
                    }
                }
                ui.end_row();
            }
        });
    }
    ui.separator();
    for exchange in f.exchanges.iter().rev().take(12) {
        match exchange {
            Exchange::Chunk { by, text, .. } => ui.label(format!("{}: {text}", name(live, *by))),
            Exchange::Paraphrase {
                by, text, accuracy, ..
            } => ui.label(
                RichText::new(format!(
                    "{} (paraphrase, {accuracy:?}): {text}",
                    name(live, *by)
                ))
                .italics(),
            ),
        };
    }
}

fn status_label(status: QuestionStatus) -> &'static str {
    match status {
        QuestionStatus::Draft => "draft",
        QuestionStatus::Vetted => "vetted",
        QuestionStatus::Included => "included",
        QuestionStatus::Answered => "answered",
        QuestionStatus::Deferred => "deferred",
        QuestionStatus::Withdrawn => "withdrawn",
    }
}

#[allow(clippy::too_many_arguments)]
fn questions_ui(
    ui: &mut Ui,
    live: &Live,
    q: &crate::model::QuestionsRecord,
    categories: &[String],
    answering: bool,
    owner_alone: bool,
    out: &mut Vec<Command>,
) {
    let owner = name(live, q.owner);
    match q.released_at {
        None => {
            ui.colored_label(ui.visuals().warn_fg_color, format!("{owner}'s list is private to {owner} and the therapist until {owner} releases it."));
            command_button(ui, act(Action::ReleaseQuestions), !q.items.is_empty(), out);
        }
        Some(_) => {
            ui.label(format!("{owner} has released this list."));
        }
    }
    let count = q.items.len();
    for (position, item) in q.items.iter().enumerate() {
        ui.group(|ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(format!("{}. {}", position + 1, item.text)).strong());
                if item.caution && !owner_alone {
                    ui.colored_label(ui.visuals().warn_fg_color, "caution");
                }
            });
            if !item.category.is_empty() || !item.why.is_empty() {
                ui.label(RichText::new(format!("{} · why: {}", item.category, item.why)).weak());
            }
            ui.horizontal_wrapped(|ui| {
                if ui
                    .add_enabled(position > 0, egui::Button::new("Up"))
                    .on_hover_text(format!("Move question {} up", position + 1))
                    .clicked()
                {
                    out.push(act(Action::MoveQuestion {
                        id: item.id,
                        to: position - 1,
                    }));
                }
                if ui
                    .add_enabled(position + 1 < count, egui::Button::new("Down"))
                    .on_hover_text(format!("Move question {} down", position + 1))
                    .clicked()
                {
                    out.push(act(Action::MoveQuestion {
                        id: item.id,
                        to: position + 1,
                    }));
                }
                let mut caution = item.caution;
                if !owner_alone && ui.checkbox(&mut caution, "Caution").changed() {
                    out.push(act(Action::SetCaution {
                        id: item.id,
                        caution,
                    }));
                }
                let l = ui.label("Status");
                egui::ComboBox::from_id_salt(("status", item.id))
                    .selected_text(status_label(item.status))
                    .show_ui(ui, |ui| {
                        // Vetting and deferring are the therapist's; the owner alone
                        // drafts, includes or withdraws.
                        let choices: &[QuestionStatus] = if owner_alone {
                            &[
                                QuestionStatus::Draft,
                                QuestionStatus::Included,
                                QuestionStatus::Withdrawn,
                            ]
                        } else {
                            &[
                                QuestionStatus::Draft,
                                QuestionStatus::Vetted,
                                QuestionStatus::Included,
                                QuestionStatus::Deferred,
                                QuestionStatus::Withdrawn,
                            ]
                        };
                        for &status in choices {
                            if ui
                                .selectable_label(item.status == status, status_label(status))
                                .clicked()
                                && status != item.status
                            {
                                out.push(act(Action::SetQuestionStatus {
                                    id: item.id,
                                    status,
                                }));
                            }
                        }
                    })
                    .response
                    .labelled_by(l.id);
            });
            match &item.answer {
                Some(answer) => {
                    ui.label(format!("Answer: {}", answer.text));
                }
                None if answering
                    && q.released_at.is_some()
                    && matches!(
                        item.status,
                        QuestionStatus::Included | QuestionStatus::Deferred
                    ) =>
                {
                    let key = format!("answer-{}", item.id);
                    let text = draft_field(
                        ui,
                        live,
                        &key,
                        &format!("Answer to question {}", position + 1),
                        2,
                        out,
                    );
                    if ui
                        .add_enabled(
                            !text.trim().is_empty(),
                            egui::Button::new(format!("Record answer {}", position + 1)),
                        )
                        .clicked()
                    {
                        submit(out, Action::AnswerQuestion { id: item.id, text }, &key);
                    }
                }
                None => {}
            }
        });
    }
    ui.separator();
    ui.label(RichText::new(format!("Add a question for {owner}")).strong());
    let text = draft_field(ui, live, "q-text", "Question", 2, out);
    let why = draft_field(ui, live, "q-why", "Why I need to know", 2, out);
    let category = draft_choice(ui, live, "q-category", "Category", categories, out);
    if ui
        .add_enabled(!text.trim().is_empty(), egui::Button::new("Add question"))
        .clicked()
    {
        submit(
            out,
            Action::AddQuestion {
                text,
                category,
                why,
            },
            "q-text",
        );
        out.push(
            SessionCommand::SetDraft {
                key: "q-why".into(),
                text: String::new(),
            }
            .into(),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn plan_ui(
    ui: &mut Ui,
    live: &Live,
    p: &crate::model::PlanRecord,
    owners: &[Partner],
    categories: &[String],
    review_after_days: u32,
    now: DateTime<Utc>,
    out: &mut Vec<Command>,
) {
    for c in &p.commitments {
        ui.group(|ui| {
            let d = &c.draft;
            ui.label(RichText::new(format!("{}: {}", name(live, d.owner), d.behaviour)).strong());
            let check = match d.verification {
                Verification::SelfReport => "self-report",
                Verification::PartnerConfirms => "partner confirms",
            };
            let category = if d.category.is_empty() {
                String::new()
            } else {
                format!("{} · ", d.category)
            };
            ui.label(format!(
                "{category}{} · checked by {check} · from {} · review {}",
                d.rhythm, d.starts_on, d.review_on
            ));
            if ui.button(format!("Remove commitment {}", c.id)).clicked() {
                out.push(act(Action::RemoveCommitment { id: c.id }));
            }
        });
    }
    ui.separator();
    ui.label(RichText::new("Add a commitment").strong());
    let owner_draft = live.runner.draft("plan-owner");
    let owner = owners
        .iter()
        .copied()
        .find(|o| format!("{o:?}") == owner_draft)
        .or_else(|| owners.first().copied());
    ui.horizontal_wrapped(|ui| {
        ui.label("Whose commitment:");
        for o in owners {
            if ui.radio(owner == Some(*o), name(live, *o)).clicked() {
                out.push(
                    SessionCommand::SetDraft {
                        key: "plan-owner".into(),
                        text: format!("{o:?}"),
                    }
                    .into(),
                );
            }
        }
    });
    let category = draft_choice(
        ui,
        live,
        "plan-category",
        "Kind of commitment",
        categories,
        out,
    );
    let behaviour = draft_field(
        ui,
        live,
        "plan-behaviour",
        "What exactly will be done (something anyone could see)",
        2,
        out,
    );
    let rhythm = draft_field(ui, live, "plan-rhythm", "How often and when", 1, out);
    let partner_confirms = live.runner.draft("plan-verification") != "self";
    ui.horizontal_wrapped(|ui| {
        ui.label("Checked by:");
        if ui.radio(partner_confirms, "partner confirms").clicked() {
            out.push(
                SessionCommand::SetDraft {
                    key: "plan-verification".into(),
                    text: String::new(),
                }
                .into(),
            );
        }
        if ui.radio(!partner_confirms, "self-report").clicked() {
            out.push(
                SessionCommand::SetDraft {
                    key: "plan-verification".into(),
                    text: "self".into(),
                }
                .into(),
            );
        }
    });
    let today = now.with_timezone(&chrono::Local).date_naive();
    let start_text = {
        let t = live.runner.draft("plan-start");
        if t.is_empty() {
            today.to_string()
        } else {
            t.to_string()
        }
    };
    let starts_on = NaiveDate::parse_from_str(start_text.trim(), "%Y-%m-%d").ok();
    let review_text = {
        let t = live.runner.draft("plan-review");
        if t.is_empty() {
            (starts_on.unwrap_or(today) + chrono::Duration::days(i64::from(review_after_days)))
                .to_string()
        } else {
            t.to_string()
        }
    };
    let review_on = NaiveDate::parse_from_str(review_text.trim(), "%Y-%m-%d").ok();
    ui.horizontal_wrapped(|ui| {
        for (label, key, mut text) in [
            ("Start (YYYY-MM-DD)", "plan-start", start_text.clone()),
            ("Review (YYYY-MM-DD)", "plan-review", review_text.clone()),
        ] {
            let l = ui.label(label);
            if ui
                .add(egui::TextEdit::singleline(&mut text).desired_width(110.0))
                .labelled_by(l.id)
                .changed()
            {
                out.push(
                    SessionCommand::SetDraft {
                        key: key.into(),
                        text,
                    }
                    .into(),
                );
            }
        }
    });
    let dates_ok = matches!((starts_on, review_on), (Some(s), Some(r)) if r >= s);
    if !dates_ok {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "Dates are written YYYY-MM-DD, and the review comes on or after the start.",
        );
    }
    let ready =
        dates_ok && owner.is_some() && !behaviour.trim().is_empty() && !rhythm.trim().is_empty();
    if ui
        .add_enabled(ready, egui::Button::new("Add commitment"))
        .clicked()
        && let (Some(owner), Some(starts_on), Some(review_on)) = (owner, starts_on, review_on)
    {
        out.push(act(Action::AddCommitment(CommitmentDraft {
            owner,
            category,
            behaviour,
            rhythm,
            verification: if partner_confirms {
                Verification::PartnerConfirms
            } else {
                Verification::SelfReport
            },
            starts_on,
            review_on,
        })));
        for key in ["plan-behaviour", "plan-rhythm", "plan-start", "plan-review"] {
            out.push(
                SessionCommand::SetDraft {
                    key: key.into(),
                    text: String::new(),
                }
                .into(),
            );
        }
    }
}
