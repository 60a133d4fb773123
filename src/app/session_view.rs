//! The therapist's screen while a session runs: the step's script and prompts with names
//! filled in, a view for every step kind, the timer, gates, navigation and the clinician's
//! notes. Draws from the live session and pushes commands; never changes state itself.

use super::command::{Command, ExportCommand, SessionCommand, VERDICTS, VaultCommand};
use super::dates::{DateField, Expect, date_field_ui};
use super::forms::Forms;
use super::state::Live;
use super::style;
use super::views::command_button;
use crate::model::{
    Accuracy, CommitmentDraft, Exchange, LoopStage, MirrorOutcome, Owner, Partner, QuestionStatus,
    Respondent, StepData, StepStatus, Verification, Visibility,
};
use crate::runner::{Action, Timer, facts, respondents_of};
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

/// The key a draft is kept under: the step as run (its record, one pass of the step) and
/// the field, so that text typed in one step, pass or round never shows up in another.
/// Fields that belong to one attempt or one partner name them (see `loop_ui`).
pub fn draft_key(live: &Live, field: &str) -> String {
    format!("{}/{field}", live.runner.session().current)
}

/// The text typed into a field of the step on screen.
fn draft<'a>(live: &'a Live, field: &str) -> &'a str {
    live.runner.draft(&draft_key(live, field))
}

/// Keep `text` as the draft of a field of the step on screen.
fn set_draft(live: &Live, field: &str, text: String) -> Command {
    SessionCommand::SetDraft {
        key: draft_key(live, field),
        text,
    }
    .into()
}

/// A text field whose content is kept in the session's drafts (so it is saved as typed).
fn draft_field(
    ui: &mut Ui,
    live: &Live,
    field: &str,
    label: &str,
    lines: usize,
    out: &mut Vec<Command>,
) -> String {
    typed_field(ui, live, field, label, lines, false, out).text
}

/// What was typed into a draft field, and whether Ctrl+Enter asked to record it.
struct Typed {
    text: String,
    record: bool,
}

/// A draft field the next keystroke should go to (`next`: it takes the focus the first
/// frame it is shown, so after "Record message" typing goes into the mirror), and where
/// Ctrl+Enter records what was typed (Enter stays a new line).
fn typed_field(
    ui: &mut Ui,
    live: &Live,
    field: &str,
    label: &str,
    lines: usize,
    next: bool,
    out: &mut Vec<Command>,
) -> Typed {
    let key = draft_key(live, field);
    let id = egui::Id::unique(("draft", key.as_str()));
    // Taken before the field sees the keys, so Ctrl+Enter adds no new line.
    let record = ui.memory(|m| m.has_focus(id))
        && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
    let mut text = live.runner.draft(&key).to_string();
    let l = ui.label(label);
    let edit = egui::TextEdit::multiline(&mut text)
        .id(id)
        .font(style::field())
        .desired_rows(lines)
        .desired_width(f32::INFINITY);
    let response = ui.add(edit).labelled_by(l.id);
    if next {
        focus_when_new(ui, &response);
    }
    if response.changed() {
        out.push(
            SessionCommand::SetDraft {
                key: key.clone(),
                text: text.clone(),
            }
            .into(),
        );
    }
    Typed { text, record }
}

/// Give `response`'s field the focus the first frame it is shown, and whenever nothing
/// else has it (after a click on a button), so the next keystroke goes there; a field the
/// therapist chose keeps the focus.
fn focus_when_new(ui: &Ui, response: &egui::Response) {
    let shown = egui::Id::unique("tandem-next-field");
    if ui.data(|d| d.get_temp::<egui::Id>(shown)) != Some(response.id)
        || ui.memory(|m| m.focused().is_none())
    {
        response.request_focus();
        ui.data_mut(|d| d.insert_temp(shown, response.id));
    }
}

/// A pick-one list whose choice is kept in the session's drafts; empty when none.
fn draft_choice(
    ui: &mut Ui,
    live: &Live,
    field: &str,
    label: &str,
    options: &[String],
    out: &mut Vec<Command>,
) -> String {
    let key = draft_key(live, field);
    let key = key.as_str();
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

/// The command that records `action`, made from the drafts of `fields`, and clears them.
fn submit_command(live: &Live, action: Action, fields: &[&str]) -> Command {
    SessionCommand::Submit {
        action,
        drafts: fields.iter().map(|f| draft_key(live, f)).collect(),
    }
    .into()
}

/// Record `action`, made from the drafts of `fields`, and clear them.
fn submit(out: &mut Vec<Command>, live: &Live, action: Action, fields: &[&str]) {
    out.push(submit_command(live, action, fields));
}

/// The speaker's answer to the mirror waiting for one, with the correction or addition
/// typed for that attempt: the one command behind the buttons and Ctrl+1/2/3.
pub fn verdict_command(live: &Live, outcome: MirrorOutcome) -> Option<Command> {
    let (_, record) = live.runner.current();
    let StepData::Loop(l) = &record.data else {
        return None;
    };
    if l.attempts.last().is_none_or(|a| a.outcome.is_some()) {
        return None;
    }
    let field = reply_field(l);
    Some(submit_command(
        live,
        Action::Verdict {
            outcome,
            reply: draft(live, &field).to_string(),
        },
        &[&field],
    ))
}

/// The field of the speaker's correction or addition to the latest mirror: one per
/// attempt and speaker.
fn reply_field(l: &crate::model::LoopRecord) -> String {
    format!("loop-reply/{}/{}", l.attempts.len(), l.speaker)
}

/// The field of the listener's next mirror: one per attempt and listener.
fn mirror_field(l: &crate::model::LoopRecord) -> String {
    format!("loop-mirror/{}/{}", l.attempts.len() + 1, l.listener)
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
                .add_enabled(
                    !live.runner.is_paused(),
                    egui::Button::new(format!("Hand to {}", name(live, partner))),
                )
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

/// A clock as the header shows it: "3:10 / 10:00", or "3:10" with no plan.
pub fn timer_text(timer: Timer) -> String {
    match timer.limit_secs {
        Some(limit) => format!(
            "{} / {}",
            format_secs(timer.elapsed_secs),
            format_secs(limit)
        ),
        None => format_secs(timer.elapsed_secs),
    }
}

/// What the overtime badge says of a clock past its plan, if it is.
pub fn over_time_text(what: &str, timer: Timer) -> Option<String> {
    timer
        .over_by_secs()
        .map(|over| format!("{what} over time by {}", format_secs(over)))
}

/// A steady, framed badge: visible at a glance, never flashing.
fn badge_ui(ui: &mut Ui, text: String, hover: &str) {
    let colour = ui.visuals().warn_fg_color;
    egui::Frame::new()
        .stroke(egui::Stroke::new(1.0, colour))
        .corner_radius(6.0)
        .inner_margin(egui::Margin::symmetric(6, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(text).color(colour).strong());
        })
        .response
        .on_hover_text(hover);
}

/// When a pause began, as the therapist reads it: the time today, else the day too.
fn since_text(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = since.with_timezone(&chrono::Local);
    if local.date_naive() == now.with_timezone(&chrono::Local).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%a %-d %b, %H:%M").to_string()
    }
}

/// The calm line across a paused session, with the button that goes on.
fn paused_banner_ui(ui: &mut Ui, since: DateTime<Utc>, now: DateTime<Utc>, out: &mut Vec<Command>) {
    egui::Frame::new()
        .fill(ui.visuals().faint_bg_color)
        .inner_margin(egui::Margin::symmetric(10, 8))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(format!(
                    "The session is paused (since {}).",
                    since_text(since, now)
                ))
                .text_style(style::script())
                .strong(),
            );
            ui.label(
                "The session clock and the step's timer have stopped, and the couple's screen \
                 says Paused. Nothing is recorded until you resume; your notes and End session \
                 still work.",
            );
            command_button(ui, act(Action::ResumeSession), true, out);
        });
}

/// The whole session screen.
pub fn session_ui(
    ui: &mut Ui,
    live: &Live,
    forms: &mut Forms,
    error: Option<&str>,
    now: DateTime<Utc>,
    out: &mut Vec<Command>,
) {
    let runner = &live.runner;
    let session = runner.session();
    let index = session.current;
    let (step, record) = runner.current();
    let names = live.couple.names();
    let fill = |text: &str| runner.fill(index, text, &names);

    // Running: neither ended nor paused. What records or moves waits while paused.
    let is_running = !runner.is_ended() && !runner.is_paused();
    let header = egui::Panel::top("session-header").frame(style::bar_frame(ui.style()));
    header.show(ui, |ui| {
        // Two rows: Pause and what changes as time passes (clocks, badges, the save
        // state) above, the other buttons below, so a wider clock or a "Saved" line never
        // moves a button under the pointer.
        ui.horizontal_wrapped(|ui| {
            // First in its row, so nothing moves beside it; while paused it gives way to
            // the banner's Resume button.
            if !runner.is_paused() {
                command_button(ui, act(Action::PauseSession), !runner.is_ended(), out);
            }
            ui.label(
                RichText::new(format!("{} · {}", live.couple.code, session.template_title))
                    .strong(),
            );
            ui.label(format!("Step {} of {}", index + 1, session.steps.len()));
            let timer = runner.timer(now);
            ui.label(format!("This step {}", timer_text(timer)))
                .on_hover_text("Time on this step, over every visit; pauses do not count");
            if let Some(text) = over_time_text("Step", timer) {
                badge_ui(ui, text, "Past the step's suggested time; nothing stops");
            }
            let clock = runner.session_timer(now);
            ui.label(format!("Session {}", timer_text(clock)))
                .on_hover_text("Time since the session started, less its pauses, against the protocol's planned length");
            if let Some(text) = over_time_text("Session", clock) {
                badge_ui(ui, text, "Past the protocol's planned length; nothing stops");
            }
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
        });
        ui.horizontal_wrapped(|ui| {
            command_button(ui, SessionCommand::TogglePresent.into(), true, out);
            command_button(ui, VaultCommand::QuickHide.into(), true, out);
            command_button(ui, SessionCommand::ShowSafetyCard(true).into(), true, out);
            if runner
                .template()
                .roles
                .contains(&crate::model::Role::Speaker)
            {
                command_button(ui, act(Action::SwapRoles), is_running, out);
            }
            command_button(ui, SessionCommand::AskToEnd.into(), !runner.is_ended(), out);
            // A try-out is in no vault: there is nothing to export.
            command_button(
                ui,
                ExportCommand::Open(super::command::ExportTarget::Session(session.id)).into(),
                !live.trial,
                out,
            );
            command_button(ui, SessionCommand::Close.into(), true, out);
        });
    });
    if live.trial {
        egui::Panel::top("try-out").show(ui, |ui| {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "Trying out the protocol with a fictional couple (counted as screened): nothing is saved or logged. Close session goes back to the editor.",
            );
        });
    }
    if let Some(since) = session.paused_at {
        egui::Panel::top("paused").show(ui, |ui| paused_banner_ui(ui, since, now, out));
    }

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
                    .add_enabled(
                        is_running,
                        egui::Checkbox::new(&mut confirmed, format!("I confirm: {filled}")),
                    )
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
            let blocking: Vec<String> = blocking
                .iter()
                .map(|b| fill(b).trim_end_matches('.').to_string())
                .collect();
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("Before moving on: {}.", blocking.join("; ")),
            );
        }
        super::views::error_ui(ui, error);
        ui.horizontal_wrapped(|ui| {
            let ended = runner.is_ended();
            command_button(ui, act(Action::Undo), is_running && runner.can_undo(), out);
            ui.separator();
            command_button(ui, act(Action::Back), is_running && index > 0, out);
            let last = index + 1 == session.steps.len();
            command_button(
                ui,
                act(Action::Next),
                is_running && !last && blocking.is_empty(),
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
                is_running && blocking.is_empty() && !forms.skip_reason.trim().is_empty(),
                out,
            );
            if ended {
                ui.label(RichText::new("This session has ended.").strong());
                command_button(ui, act(Action::Reopen), true, out);
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
            screen_decision_note(ui, live);
            ui.add_enabled_ui(is_running, |ui| kind_ui(ui, live, now, None, out));
        });
    });
}

/// The step on screen as the therapist's screen shows it, for the protocol editor's
/// preview: its title, the therapist's instructions, the prompts and the kind's own view.
/// Whatever it asks for goes to `out`, which the preview drops.
pub fn step_preview_ui(ui: &mut Ui, live: &Live, now: DateTime<Utc>, out: &mut Vec<Command>) {
    let runner = &live.runner;
    let index = runner.session().current;
    let (step, record) = runner.current();
    let names = live.couple.names();
    let fill = |text: &str| runner.fill(index, text, &names);
    ui.heading(fill(&step.title));
    match record.visibility {
        Visibility::Joint => {}
        Visibility::PartnerPrivate => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "Private: each partner's own answers.",
            );
        }
        Visibility::ClinicianOnly => {
            ui.colored_label(ui.visuals().warn_fg_color, "For the therapist only.");
        }
    }
    if !step.therapist.trim().is_empty() {
        ui.label(RichText::new(fill(&step.therapist)).italics());
    }
    for prompt in &step.prompts {
        ui.label(RichText::new(fill(prompt)).text_style(style::script()));
    }
    ui.add_space(10.0);
    kind_ui(ui, live, now, None, out);
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
    // Placeholders in options and items are filled as in the script ({hurt_partner} reads
    // as a name); the recorded value stays the template's own text.
    let index = live.runner.session().current;
    let names = live.couple.names();
    let fill = |text: &str| live.runner.fill(index, text, &names);
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
                        ui.label(format!("{} ({})", fill(&item.label), name(live, rater)));
                        ui.push_id((rater, item.id.as_str()), |ui| {
                            let clicked = super::views::rating_row_ui(
                                ui,
                                current,
                                (item.min, item.max),
                                (&item.low, &item.high),
                            );
                            if let Some(value) = clicked {
                                out.push(act(Action::Rate {
                                    rater,
                                    item: item.id.clone(),
                                    value,
                                }));
                            }
                        });
                        let anchor = current.and_then(|value| {
                            item.anchors
                                .get(usize::from(value.saturating_sub(item.min)))
                        });
                        let hint = match (current, anchor) {
                            (None, _) => "not rated yet".to_string(),
                            (Some(_), Some(a)) => a.clone(),
                            (Some(_), None) => String::new(),
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
                let stems: Vec<String> = stems.iter().map(|s| fill(s)).collect();
                ui.label(
                    RichText::new(format!("Sentence starters: {}", stems.join("  ·  "))).italics(),
                );
            }
            for (n, respondent) in respondents_of(respondents, roles)
                .into_iter()
                .filter(|r| shown(*r))
                .enumerate()
            {
                let mut text = entries
                    .entries
                    .get(&respondent)
                    .cloned()
                    .unwrap_or_default();
                let l = ui.label(who(live, respondent));
                let edit = egui::TextEdit::multiline(&mut text)
                    .id(egui::Id::unique((
                        "text-entry",
                        index,
                        live.runner.current().1.pass,
                        format!("{respondent:?}"),
                    )))
                    .font(style::field())
                    .desired_rows(4)
                    .desired_width(f32::INFINITY);
                let response = ui.add(edit).labelled_by(l.id);
                // The step's first field is where the next keystroke goes.
                if n == 0 && !live.runner.is_ended() && !live.runner.is_paused() {
                    focus_when_new(ui, &response);
                }
                if response.changed() {
                    out.push(act(Action::WriteText {
                        respondent,
                        text: text.clone(),
                    }));
                }
                let session = live.runner.session();
                let step = &live.runner.current().1.step_id;
                if respondent == Respondent::Clinician && facts::is_rescreen_step(session, step) {
                    rescreen_date_ui(ui, &text, now, respondent, out);
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
                        let shown_as = fill(option);
                        let changed = if multiple {
                            ui.checkbox(&mut on, shown_as).changed()
                        } else {
                            let clicked = ui.radio(on, shown_as).clicked();
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
                        if ui.checkbox(&mut on, fill(item)).changed() {
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
        StepView::YesNo {
            respondents,
            items,
            data: entries,
        } => {
            let running = !live.runner.is_ended() && !live.runner.is_paused();
            for respondent in respondents_of(respondents, roles)
                .into_iter()
                .filter(|r| shown(*r))
            {
                ui.group(|ui| {
                    let answers = entries
                        .entries
                        .get(&respondent)
                        .cloned()
                        .unwrap_or_default();
                    ui.label(
                        RichText::new(format!(
                            "{}: {} of {} answered",
                            who(live, respondent),
                            answers.len(),
                            items.len()
                        ))
                        .strong(),
                    );
                    for (n, item) in items.iter().enumerate() {
                        ui.push_id(("yes-no", n), |ui| {
                            ui.add_space(4.0);
                            ui.label(RichText::new(fill(item)).text_style(style::field()));
                            ui.horizontal_wrapped(|ui| {
                                let current = answers.get(item).copied();
                                for answer in crate::model::YesNoAnswer::ALL {
                                    let chosen = current == Some(answer);
                                    let clicked = ui
                                        .add_enabled(
                                            running,
                                            egui::Button::selectable(chosen, answer.label()),
                                        )
                                        .on_hover_text(if chosen {
                                            "Click again to take this answer back"
                                        } else {
                                            "Record this answer"
                                        })
                                        .clicked();
                                    if clicked {
                                        out.push(act(Action::AnswerItem {
                                            respondent,
                                            item: item.clone(),
                                            // A second click takes the answer back: the item
                                            // is unanswered again, never "no".
                                            answer: (!chosen).then_some(answer),
                                        }));
                                    }
                                }
                                if current.is_none() {
                                    ui.label(RichText::new("not answered yet").weak());
                                }
                            });
                        });
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

/// On a safety screen's decision and reason steps: what this screen raised and what the
/// decision then needs, said where it is made. Never shown on a partner's screen.
fn screen_decision_note(ui: &mut Ui, live: &Live) {
    use crate::runner::facts;
    let session = live.runner.session();
    let step = &live.runner.current().1.step_id;
    if !facts::is_decision_step(session, step) {
        return;
    }
    let status = facts::safety_status([session]);
    let text = match status.held_back {
        Some(held_back) => format!("Joint work stays locked: {}.", held_back.describe()),
        None if !status.positive.is_empty() => {
            "Something was raised in this screen: the safer choices are joint work with a safety protocol, or individual work or referral. Plain joint work needs the fuller assessment and your written reason.".to_string()
        }
        None => return,
    };
    super::dates::note_ui(ui, &text);
}

/// Whether a commitment's kind is an access or monitoring agreement (by its words, as the
/// templates name it: "Transparency agreement", access, monitoring).
fn is_monitoring(category: &str) -> bool {
    let lower = category.to_lowercase();
    ["transparency", "monitoring", "access"]
        .iter()
        .any(|w| lower.contains(w))
}

/// The safety screen's re-screen date: a calendar that writes the date into the text, and
/// a calm note when the date written has passed or none can be read.
fn rescreen_date_ui(
    ui: &mut Ui,
    text: &str,
    now: DateTime<Utc>,
    respondent: Respondent,
    out: &mut Vec<Command>,
) {
    let today = now.with_timezone(&chrono::Local).date_naive();
    let written = facts::first_date(text);
    ui.horizontal(|ui| {
        ui.label("Re-screen date:");
        if let Some(picked) =
            super::dates::calendar_ui(ui, "Re-screen date", written.unwrap_or(today))
        {
            out.push(act(Action::WriteText {
                respondent,
                text: facts::with_rescreen_date(text, picked),
            }));
        }
    });
    match written {
        Some(on) if on < today => super::dates::note_ui(
            ui,
            &format!(
                "{} has already passed: choose a date ahead, or the couple's page will show the re-screen as due at once.",
                on.format("%-d %b %Y")
            ),
        ),
        Some(_) => {}
        None if !text.trim().is_empty() => super::dates::note_ui(
            ui,
            "No date found: write it as YYYY-MM-DD (or choose it on the calendar) for the couple's page to show it.",
        ),
        None => {}
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
            let draft = draft(live, &key);
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
                out.push(set_draft(live, &key, text.clone()));
            }
            ui.horizontal_wrapped(|ui| {
                let unsaved = !draft.is_empty() && draft != saved;
                let save = Action::ReplyToPoint {
                    point: point.point.clone(),
                    text: text.clone(),
                };
                let command = act(save.clone());
                // With nothing typed there is nothing to save (and the same action with
                // empty text would read "Remove answer").
                if !text.trim().is_empty()
                    && ui
                        .add_enabled(
                            unsaved,
                            egui::Button::new(format!("{} {n}", command.label())),
                        )
                        .on_hover_text(command.tooltip())
                        .clicked()
                {
                    submit(out, live, save, &[&key]);
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
                        submit(out, live, remove, &[&key]);
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
        let index = live.runner.session().current;
        let names = live.couple.names();
        let stems: Vec<String> = stems
            .iter()
            .map(|s| live.runner.fill(index, s, &names))
            .collect();
        ui.label(RichText::new(format!("Sentence starters: {}", stems.join("  ·  "))).italics());
    }
    match &l.message {
        None => {
            let field = format!("loop-message/{}", l.speaker);
            let typed = typed_field(
                ui,
                live,
                &field,
                &format!("What {speaker} says"),
                3,
                true,
                out,
            );
            let ready = !typed.text.trim().is_empty();
            if ui
                .add_enabled(ready, egui::Button::new("Record message"))
                .on_hover_text("Record what the speaker said (Ctrl+Enter)")
                .clicked()
                || (typed.record && ready)
            {
                submit(out, live, Action::SpeakerSays(typed.text), &[&field]);
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
        ui.label(
            RichText::new(format!(
                "{speaker} feels understood after {} ({}, {} more).",
                crate::model::plural(l.attempts.len(), "attempt", "attempts"),
                crate::model::plural(l.corrections(), "correction", "corrections"),
                crate::model::plural(l.more_cycles(), "time", "times")
            ))
            .strong(),
        );
        for stage in stages {
            stage_ui(ui, live, l, *stage, feelings, out);
        }
    } else if pending {
        ui.label(
            RichText::new(format!("{listener}: Did I get it? Is there more?"))
                .text_style(style::script()),
        );
        typed_field(
            ui,
            live,
            &reply_field(l),
            &format!("{speaker}'s correction or addition"),
            2,
            true,
            out,
        );
        ui.horizontal_wrapped(|ui| {
            for outcome in VERDICTS {
                if let Some(command) = verdict_command(live, outcome) {
                    command_button(ui, command, true, out);
                }
            }
        });
        ui.label(format!("Attempt {}", l.attempts.len()));
    } else {
        let field = mirror_field(l);
        let typed = typed_field(
            ui,
            live,
            &field,
            &format!("{listener}'s mirror"),
            3,
            true,
            out,
        );
        let ready = !typed.text.trim().is_empty();
        if ui
            .add_enabled(ready, egui::Button::new("Record mirror"))
            .on_hover_text("Record the listener's mirror (Ctrl+Enter)")
            .clicked()
            || (typed.record && ready)
        {
            submit(out, live, Action::Mirror(typed.text), &[&field]);
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
    let mut chosen: Vec<String> = draft(live, &feelings_key)
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
                    out.push(set_draft(live, &feelings_key, chosen.join(",")));
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
            live,
            Action::StageAttempt {
                stage,
                text,
                feelings: chosen,
            },
            &[&key, &feelings_key],
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
        let field = format!("floor-chunk/{holder}");
        let typed = typed_field(
            ui,
            live,
            &field,
            &format!("{speaker} says (a short piece)"),
            2,
            true,
            out,
        );
        let ready = !typed.text.trim().is_empty();
        if ui
            .add_enabled(ready, egui::Button::new("Record piece"))
            .on_hover_text("Record what the floor holder said (Ctrl+Enter)")
            .clicked()
            || (typed.record && ready)
        {
            submit(out, live, Action::FloorChunk(typed.text), &[&field]);
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
                        live,
                        Action::FloorParaphrase {
                            text: para.clone(),
                            accuracy,
                        },
                        &["floor-para"],
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
            command_button(
                ui,
                SessionCommand::AskToRelease.into(),
                !q.items.is_empty(),
                out,
            );
        }
        Some(_) => {
            ui.label(format!("{owner} has released this list."));
        }
    }
    // Where the answers go, said where they happen.
    if answering {
        let open = q.items.iter().any(|i| {
            i.answer.is_none()
                && matches!(
                    i.status,
                    QuestionStatus::Included | QuestionStatus::Deferred
                )
        });
        let hint = if q.items.is_empty() {
            Some(format!(
                "No list was prepared for {owner}: a list from earlier sessions is carried over when there is one. Questions can be added below."
            ))
        } else if q.released_at.is_none() {
            Some(format!(
                "Answers are recorded once {owner} releases the list: each question marked \"included\" then gets an answer field."
            ))
        } else if !open {
            Some("Mark a question \"included\" to record its answer.".to_string())
        } else {
            None
        };
        if let Some(hint) = hint {
            ui.label(RichText::new(hint).italics());
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
                        submit(
                            out,
                            live,
                            Action::AnswerQuestion { id: item.id, text },
                            &[&key],
                        );
                    }
                }
                None => {}
            }
        });
    }
    ui.separator();
    ui.label(RichText::new(format!("Add a question for {owner}")).strong());
    let typed = typed_field(ui, live, "q-text", "Question", 2, false, out);
    let why = draft_field(ui, live, "q-why", "Why I need to know", 2, out);
    let category = draft_choice(ui, live, "q-category", "Category", categories, out);
    let text = typed.text;
    let ready = !text.trim().is_empty();
    if ui
        .add_enabled(ready, egui::Button::new("Add question"))
        .on_hover_text("Add the question to the list (Ctrl+Enter in the question)")
        .clicked()
        || (typed.record && ready)
    {
        submit(
            out,
            live,
            Action::AddQuestion {
                text,
                category,
                why,
            },
            &["q-text", "q-why", "q-category"],
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
            ui.label(
                RichText::new(format!(
                    "{}: {}",
                    live.couple.owner_name(d.owner),
                    d.behaviour
                ))
                .strong(),
            );
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
    let owner_draft = draft(live, "plan-owner");
    // Each owner of the plan, and both together when both make commitments in it.
    let mut choices: Vec<Owner> = owners.iter().map(|p| Owner::from(*p)).collect();
    if Partner::BOTH.iter().all(|p| owners.contains(p)) {
        choices.push(Owner::Both);
    }
    let owner = choices
        .iter()
        .copied()
        .find(|o| format!("{o:?}") == owner_draft)
        .or_else(|| choices.first().copied());
    ui.horizontal_wrapped(|ui| {
        ui.label("Whose commitment:");
        for o in &choices {
            let label = match o {
                Owner::Both => "Both of them, together".to_string(),
                Owner::A | Owner::B => live.couple.owner_name(*o),
            };
            if ui.radio(owner == Some(*o), label).clicked() {
                out.push(set_draft(live, "plan-owner", format!("{o:?}")));
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
    // Monitoring agreed freely, for a while, is repair; imposed or open-ended, it is
    // control. A screen that raised control is checked before one is recorded (without
    // saying on this joint screen who raised what).
    if is_monitoring(&category) {
        super::dates::note_ui(
            ui,
            if live.control_concern {
                "Careful: a private safety screen for this couple raised control or frightening checking. Read your screen notes and see each partner alone before recording any access or monitoring agreement."
            } else {
                "An access or monitoring agreement needs both partners' free agreement, a set end or review date, and a way for either to ask to stop it."
            },
        );
    }
    let behaviour = draft_field(
        ui,
        live,
        "plan-behaviour",
        "What exactly will be done (something anyone could see)",
        2,
        out,
    );
    let rhythm = draft_field(ui, live, "plan-rhythm", "How often and when", 1, out);
    let partner_confirms = draft(live, "plan-verification") != "self";
    ui.horizontal_wrapped(|ui| {
        ui.label("Checked by:");
        if ui.radio(partner_confirms, "partner confirms").clicked() {
            out.push(set_draft(live, "plan-verification", String::new()));
        }
        if ui.radio(!partner_confirms, "self-report").clicked() {
            out.push(set_draft(live, "plan-verification", "self".into()));
        }
    });
    let today = now.with_timezone(&chrono::Local).date_naive();
    let start_text = {
        let t = draft(live, "plan-start");
        if t.is_empty() {
            today.to_string()
        } else {
            t.to_string()
        }
    };
    let starts_on = NaiveDate::parse_from_str(start_text.trim(), "%Y-%m-%d").ok();
    let review_text = {
        let t = draft(live, "plan-review");
        if t.is_empty() {
            (starts_on.unwrap_or(today) + chrono::Duration::days(i64::from(review_after_days)))
                .to_string()
        } else {
            t.to_string()
        }
    };
    let review_on = NaiveDate::parse_from_str(review_text.trim(), "%Y-%m-%d").ok();
    let fields = [
        (
            DateField {
                name: "Start",
                label: "Start (YYYY-MM-DD)",
                opens_on: today,
                expect: Expect::Ahead,
                unexpected: "This start date has already passed: a commitment made today usually starts today or later.",
                width: 110.0,
            },
            "plan-start",
            start_text.clone(),
        ),
        (
            DateField {
                name: "Review",
                label: "Review (YYYY-MM-DD)",
                opens_on: starts_on.unwrap_or(today),
                expect: Expect::Ahead,
                unexpected: "This review date has already passed: choose today or a later day.",
                width: 110.0,
            },
            "plan-review",
            review_text.clone(),
        ),
    ];
    for (field, key, mut text) in fields {
        if date_field_ui(ui, &field, &mut text, today) {
            out.push(set_draft(live, key, text));
        }
    }
    let dates_ok = matches!((starts_on, review_on), (Some(s), Some(r)) if r >= s);
    // An unreadable date is said beside its field.
    if let (Some(s), Some(r)) = (starts_on, review_on)
        && r < s
    {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "The review comes on or after the start.",
        );
    }
    let ready =
        dates_ok && owner.is_some() && !behaviour.trim().is_empty() && !rhythm.trim().is_empty();
    if ui
        .add_enabled(ready, egui::Button::new("Add commitment"))
        .clicked()
        && let (Some(owner), Some(starts_on), Some(review_on)) = (owner, starts_on, review_on)
    {
        submit(
            out,
            live,
            Action::AddCommitment(CommitmentDraft {
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
            }),
            &["plan-behaviour", "plan-rhythm", "plan-start", "plan-review"],
        );
    }
}
