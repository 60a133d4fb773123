//! The practice's protocols and the protocol editor. The protocols screen lists the
//! shipped protocols and the practice's own, opens a template file, and starts the
//! editor: from blank, from a copy, or on one of the practice's own. The editor edits one
//! draft `Template` in forms (one per step kind) or as RON text; each problem the checker
//! finds is shown beside its field as you type; previews show the selected step as the
//! therapist sees it, as the couple's screen shows it and on the blank sheet.
//!
//! The forms change the draft in place (it is the one draft this screen edits); what
//! changes the shape of the protocol (steps added, moved, removed), saving and trying go
//! through `ProtocolCommand`s.

use super::command::{Command, ProtocolCommand};
use super::state::Live;
use super::style;
use super::views::{command_button, error_ui};
use crate::export::report::{Block, Report};
use crate::model::{
    Bindings, Couple, CoupleFacts, CoupleId, LoopStage, PartnerInfo, Respondents, Role,
    SafetyDecision, ScreenSpec, TrustTag, Visibility,
};
use crate::practice::Practice;
use crate::runner::{Runner, Start};
use crate::template::edit::{self, History, Place, StepPath};
use crate::template::{Gate, Problem, RatingItem, Scoring, Step, StepKind, Template};
use chrono::{DateTime, Utc};
use egui::{RichText, Ui};
use std::collections::BTreeMap;

/// How the editor shows the selected step beside its form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreviewKind {
    /// The session screen, as the therapist runs it.
    #[default]
    Therapist,
    /// Present mode: what the couple's screen shows.
    Couple,
    /// The couple's blank worksheet, on paper.
    Sheet,
}

impl PreviewKind {
    pub const ALL: [PreviewKind; 3] = [
        PreviewKind::Therapist,
        PreviewKind::Couple,
        PreviewKind::Sheet,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PreviewKind::Therapist => "Therapist",
            PreviewKind::Couple => "Couple's screen",
            PreviewKind::Sheet => "Blank sheet",
        }
    }
}

/// The fictional couple a protocol is tried with: never in any vault.
pub fn fictional_couple(today: chrono::NaiveDate) -> Couple {
    Couple {
        format: crate::model::COUPLE_FORMAT,
        id: CoupleId(uuid::Uuid::nil()),
        code: "TRY-OUT".into(),
        partner_a: PartnerInfo {
            name: "Robin".into(),
            pronouns: "she/her".into(),
        },
        partner_b: PartnerInfo {
            name: "Jordan".into(),
            pronouns: "he/him".into(),
        },
        created_on: today,
        archived: false,
    }
}

/// A session of `template` with the fictional couple, on step `at` (the first pass of
/// the step with that id; the first step when `None`). The couple counts as screened and
/// cleared for joint work, so a protocol that asks for that can be tried. Nothing of it
/// is stored anywhere.
pub fn trial(template: &Template, at: Option<&str>, now: DateTime<Utc>) -> Result<Live, String> {
    let couple = fictional_couple(now.date_naive());
    let facts = CoupleFacts {
        screened: crate::model::Partner::BOTH.into_iter().collect(),
        safety_decision: Some(SafetyDecision::JointWorkWithSafetyProtocol),
    };
    let bindings = Bindings {
        speaker: template
            .roles
            .contains(&Role::Speaker)
            .then_some(crate::model::Partner::A),
        hurt_partner: template
            .roles
            .contains(&Role::HurtPartner)
            .then_some(crate::model::Partner::A),
    };
    let start = Start {
        session: crate::model::SessionId(uuid::Uuid::nil()),
        couple: couple.id,
        bindings,
        facts: facts.clone(),
        questions: None,
    };
    let runner = Runner::start(template, start, now).map_err(|e| e.to_string())?;
    let runner = match at {
        None => runner,
        Some(id) => {
            let mut session = runner.into_session();
            let Some(i) = session.steps.iter().position(|s| s.step_id == id) else {
                return Err("this step is not run as it stands".into());
            };
            let first = session.current;
            session.steps[first].status = crate::model::StepStatus::Pending;
            session.steps[i].status = crate::model::StepStatus::Active;
            session.current = i;
            Runner::resume(template, session, facts).map_err(|e| e.to_string())?
        }
    };
    let mut live = Live::new(runner, couple, false);
    live.trial = true;
    Ok(live)
}

/// The editor's state: the draft, its history, what is selected and shown.
pub struct EditorForm {
    pub draft: Template,
    pub history: History,
    /// The draft as it was before the change being typed now: what Undo goes back to
    /// first. Typing in one field is one change; it ends when the focus moves.
    pub committed: Template,
    typing_in: Option<egui::Id>,
    /// The step whose form is open; `None` for the protocol's own fields.
    pub selected: Option<StepPath>,
    /// Editing the RON text instead of the forms.
    pub text_mode: bool,
    pub text: String,
    /// Notation slips in the text (it does not read), by line and column.
    pub text_problems: Vec<Problem>,
    pub preview: PreviewKind,
    /// The kind "Add step" adds.
    pub new_kind: String,
    /// The version last saved to the practice (or opened from it); `None` for one never
    /// saved.
    pub saved: Option<Template>,
    /// The folder "Write template file" writes into.
    pub folder: String,
    /// Where the draft came from, for the title bar.
    pub origin: String,
    /// Put the keyboard in the form's first field on the next frame (a new protocol's
    /// title, a new step's title).
    pub focus_first: bool,
    /// The previews' session, with the draft and selection it was made for.
    preview_cache: Option<(Template, Option<StepPath>, Result<Live, String>)>,
}

impl EditorForm {
    pub fn new(draft: Template, saved: Option<Template>, origin: String) -> EditorForm {
        EditorForm {
            committed: draft.clone(),
            draft,
            history: History::default(),
            typing_in: None,
            selected: None,
            text_mode: false,
            text: String::new(),
            text_problems: Vec::new(),
            preview: PreviewKind::default(),
            new_kind: "Script".into(),
            saved,
            folder: String::new(),
            origin,
            focus_first: true,
            preview_cache: None,
        }
    }

    /// Unsaved changes: never saved, or changed since.
    pub fn is_changed(&self) -> bool {
        self.saved.as_ref() != Some(&self.draft)
    }

    /// Make what is being typed a change of its own, so Undo and structural changes
    /// start from it.
    pub fn commit(&mut self) {
        if self.draft != self.committed {
            self.history.changed(self.committed.clone());
            self.committed = self.draft.clone();
        }
    }

    /// A change made by a command: `change` edits the draft; undo goes back to before.
    pub fn change<R>(&mut self, change: impl FnOnce(&mut Template) -> R) -> R {
        self.commit();
        let result = change(&mut self.draft);
        self.commit();
        self.sync_text();
        result
    }

    pub fn undo(&mut self) -> bool {
        self.commit();
        match self.history.undo(&self.draft) {
            Some(before) => {
                self.draft = before;
                self.after_history();
                true
            }
            None => false,
        }
    }

    pub fn redo(&mut self) -> bool {
        self.commit();
        match self.history.redo(&self.draft) {
            Some(after) => {
                self.draft = after;
                self.after_history();
                true
            }
            None => false,
        }
    }

    fn after_history(&mut self) {
        self.committed = self.draft.clone();
        if self
            .selected
            .as_ref()
            .is_some_and(|p| edit::step_at(&self.draft.steps, p).is_none())
        {
            self.selected = None;
        }
        self.sync_text();
    }

    /// The text shows the draft (after a change made elsewhere).
    pub fn sync_text(&mut self) {
        if self.text_mode
            && let Ok(text) = edit::to_ron(&self.draft)
        {
            self.text = text;
            self.text_problems.clear();
        }
    }

    /// The text was edited: it becomes the draft when it reads.
    fn text_changed(&mut self) {
        let file = format!("{}.ron", self.draft.id);
        match edit::read_for_editing(&file, &self.text) {
            Ok((template, _)) => {
                self.text_problems.clear();
                self.draft = template;
                if self
                    .selected
                    .as_ref()
                    .is_some_and(|p| edit::step_at(&self.draft.steps, p).is_none())
                {
                    self.selected = None;
                }
            }
            Err(error) => self.text_problems = error.problems,
        }
    }

    /// The session the previews show, made again when the draft or the selection changed.
    /// Only for a draft without problems (the caller checked).
    fn preview_live(&mut self, now: DateTime<Utc>) -> Result<&Live, &str> {
        let fresh = self
            .preview_cache
            .as_ref()
            .is_some_and(|(t, s, _)| *t == self.draft && *s == self.selected);
        if !fresh {
            let at = self
                .selected
                .as_ref()
                .and_then(|p| edit::step_at(&self.draft.steps, p))
                .map(|s| s.id.clone());
            let live = trial(&self.draft, at.as_deref(), now);
            self.preview_cache = Some((self.draft.clone(), self.selected.clone(), live));
        }
        match &self.preview_cache {
            Some((_, _, Ok(live))) => Ok(live),
            Some((_, _, Err(why))) => Err(why.as_str()),
            None => Err("no preview"),
        }
    }
}

/// The protocols screen: every protocol, the practice's own marked, with what can be done
/// with each; a file to open in the editor.
pub fn library_ui(
    ui: &mut Ui,
    practice: &Practice,
    file: &mut String,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    egui::Panel::top("protocols-bar")
        .frame(style::bar_frame(ui.style()))
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                command_button(ui, ProtocolCommand::CloseLibrary.into(), true, out);
                ui.label(RichText::new("Protocols").strong());
                command_button(ui, ProtocolCommand::New.into(), true, out);
            });
        });
    egui::CentralPanel::default()
        .frame(style::central_frame(ui.style()))
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    ui.label(
                        "Run any of these with a couple from their page (New session). Copy one to make it your own, or start from blank.",
                    );
                    ui.add_space(6.0);
                    ui.horizontal_wrapped(|ui| {
                        let l = ui.label("Template file");
                        ui.add(
                            egui::TextEdit::singleline(file)
                                .hint_text("/path/to/protocol.ron")
                                .desired_width(320.0),
                        )
                        .labelled_by(l.id);
                        command_button(ui, ProtocolCommand::ChooseFile.into(), true, out);
                        command_button(ui, ProtocolCommand::OpenFile.into(), !file.trim().is_empty(), out);
                    });
                    error_ui(ui, error);
                    ui.separator();
                    let library = practice.library();
                    // The practice's own first: they are the ones worked on.
                    let mut listed: Vec<&Template> =
                        library.templates.iter().map(|(_, t)| t).collect();
                    listed.sort_by_key(|t| !library.is_own(&t.id));
                    for template in listed {
                        let own = library.is_own(&template.id);
                        egui::Frame::group(ui.style()).show(ui, |ui| {
                            ui.set_width(ui.available_width());
                            ui.horizontal_wrapped(|ui| {
                                ui.label(RichText::new(&template.title).strong());
                                ui.label(
                                    RichText::new(if own {
                                        format!("{} · the practice's own", template.id)
                                    } else {
                                        format!("{} · shipped with Tandem", template.id)
                                    })
                                    .weak(),
                                );
                            });
                            ui.add(egui::Label::new(&template.summary).wrap());
                            ui.horizontal(|ui| {
                                if own {
                                    command_button(
                                        ui,
                                        ProtocolCommand::Edit(template.id.clone()).into(),
                                        true,
                                        out,
                                    );
                                }
                                command_button(
                                    ui,
                                    ProtocolCommand::Copy(template.id.clone()).into(),
                                    true,
                                    out,
                                );
                                if own {
                                    command_button(
                                        ui,
                                        ProtocolCommand::AskToRemove(template.id.clone()).into(),
                                        true,
                                        out,
                                    );
                                }
                            });
                        });
                    }
                    for error in &library.errors {
                        ui.colored_label(
                            ui.visuals().warn_fg_color,
                            format!("Not loaded: {error}"),
                        );
                    }
                });
        });
}

/// What the editor shows besides the draft: errors from its commands.
pub struct EditorStatus<'a> {
    pub error: Option<&'a str>,
    pub folder_error: Option<&'a str>,
}

/// The editor: commands on top, the steps on the left, the selected form in the middle,
/// its preview on the right.
pub fn editor_ui(
    ui: &mut Ui,
    form: &mut EditorForm,
    status: EditorStatus<'_>,
    now: DateTime<Utc>,
    out: &mut Vec<Command>,
) {
    let found = edit::findings(&form.draft);
    let mut by_place: BTreeMap<Place, Vec<String>> = BTreeMap::new();
    for (place, message) in &found {
        by_place
            .entry(place.clone())
            .or_default()
            .push(message.clone());
    }
    top_bar_ui(ui, form, found.len(), &status, out);
    steps_panel_ui(ui, form, &by_place, out);
    preview_panel_ui(ui, form, found.is_empty(), now, out);
    egui::CentralPanel::default()
        .frame(style::central_frame(ui.style()))
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("editor-form")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    if form.text_mode {
                        text_ui(ui, form);
                    } else {
                        let selected = form.selected.clone();
                        match selected {
                            None => {
                                let focus = std::mem::take(&mut form.focus_first);
                                about_ui(ui, &mut form.draft, &by_place, focus);
                                file_ui(
                                    ui,
                                    &mut form.folder,
                                    found.is_empty(),
                                    status.folder_error,
                                    out,
                                );
                            }
                            Some(path) => {
                                let ids = edit::step_ids(&form.draft.steps);
                                if let Some(step) = edit::step_at_mut(&mut form.draft.steps, &path)
                                {
                                    let errors = Errors {
                                        map: &by_place,
                                        step: Some(path.clone()),
                                    };
                                    let focus = std::mem::take(&mut form.focus_first);
                                    step_form_ui(ui, step, &ids, &errors, focus);
                                }
                            }
                        }
                    }
                });
        });
    // One change per field: typing is a change of its own once the focus moves on.
    let focus = ui.ctx().memory(|m| m.focused());
    if form.draft != form.committed && (focus.is_none() || focus != form.typing_in) {
        form.commit();
    }
    form.typing_in = focus;
}

fn top_bar_ui(
    ui: &mut Ui,
    form: &mut EditorForm,
    problems: usize,
    status: &EditorStatus<'_>,
    out: &mut Vec<Command>,
) {
    egui::Panel::top("editor-bar")
        .frame(style::bar_frame(ui.style()))
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                command_button(ui, ProtocolCommand::Close.into(), true, out);
                let title = if form.draft.title.trim().is_empty() {
                    "Untitled protocol"
                } else {
                    form.draft.title.as_str()
                };
                ui.label(RichText::new(title).strong());
                ui.label(RichText::new(&form.origin).weak());
                ui.separator();
                let state = if problems > 0 {
                    RichText::new(format!(
                        "{problems} problem{} to fix before saving",
                        if problems == 1 { "" } else { "s" }
                    ))
                    .color(ui.visuals().error_fg_color)
                } else if form.is_changed() {
                    RichText::new("Not saved yet").weak()
                } else {
                    RichText::new("Saved in the practice").weak()
                };
                ui.label(state);
            });
            ui.horizontal_wrapped(|ui| {
                command_button(
                    ui,
                    ProtocolCommand::Undo.into(),
                    form.history.can_undo() || form.draft != form.committed,
                    out,
                );
                command_button(
                    ui,
                    ProtocolCommand::Redo.into(),
                    form.history.can_redo(),
                    out,
                );
                command_button(
                    ui,
                    ProtocolCommand::ShowText(!form.text_mode).into(),
                    !form.text_mode || form.text_problems.is_empty(),
                    out,
                );
                ui.separator();
                command_button(ui, ProtocolCommand::TryIt.into(), problems == 0, out);
                command_button(ui, ProtocolCommand::Save.into(), problems == 0, out);
            });
            error_ui(ui, status.error);
        });
}

fn step_label(step: &Step) -> String {
    let title = if step.title.trim().is_empty() {
        step.id.as_str()
    } else {
        step.title.as_str()
    };
    format!("{title}  · {}", step.kind.name())
}

fn steps_panel_ui(
    ui: &mut Ui,
    form: &mut EditorForm,
    by_place: &BTreeMap<Place, Vec<String>>,
    out: &mut Vec<Command>,
) {
    let width = (ui.available_width() * 0.18).clamp(250.0, 380.0);
    egui::Panel::left("editor-steps")
        .resizable(true)
        .default_size(width)
        .size_range(200.0..=380.0)
        .frame(style::side_frame(ui.style()))
        .show(ui, |ui| {
            let flagged =
                |step: Option<&StepPath>| by_place.keys().any(|p| p.step.as_ref() == step);
            let mark = |flag: bool| if flag { "(!) " } else { "" };
            let about = format!(
                "{}{}",
                mark(flagged(None)),
                ProtocolCommand::SelectStep(None).label()
            );
            if ui
                .selectable_label(form.selected.is_none(), about)
                .on_hover_text(ProtocolCommand::SelectStep(None).tooltip())
                .clicked()
            {
                out.push(ProtocolCommand::SelectStep(None).into());
            }
            ui.separator();
            ui.label(RichText::new("Steps").strong());
            let height = (ui.available_height() - 240.0).max(120.0);
            egui::ScrollArea::vertical()
                .id_salt("editor-step-list")
                .max_height(height)
                .auto_shrink([false, true])
                .show(ui, |ui| {
                    for path in edit::paths(&form.draft.steps) {
                        let Some(step) = edit::step_at(&form.draft.steps, &path) else {
                            continue;
                        };
                        let text = format!(
                            "{}{}{}",
                            "    ".repeat(path.len() - 1),
                            mark(flagged(Some(&path))),
                            step_label(step)
                        );
                        let selected = form.selected.as_ref() == Some(&path);
                        if ui.selectable_label(selected, text).clicked() {
                            out.push(ProtocolCommand::SelectStep(Some(path.clone())).into());
                        }
                    }
                });
            ui.separator();
            let l = ui.label("Kind of step");
            egui::ComboBox::from_id_salt("new-step-kind")
                .selected_text(form.new_kind.as_str())
                .width(200.0)
                .show_ui(ui, |ui| {
                    for (name, what) in edit::KINDS {
                        ui.selectable_value(&mut form.new_kind, name.to_string(), name)
                            .on_hover_text(what);
                    }
                })
                .response
                .labelled_by(l.id);
            let is_repeat = form
                .selected
                .as_ref()
                .and_then(|p| edit::step_at(&form.draft.steps, p))
                .is_some_and(|s| matches!(s.kind, StepKind::Repeat { .. }));
            ui.horizontal_wrapped(|ui| {
                let kind = form.new_kind.clone();
                command_button(
                    ui,
                    ProtocolCommand::AddStep {
                        kind: kind.clone(),
                        inside: false,
                    }
                    .into(),
                    true,
                    out,
                );
                if is_repeat {
                    command_button(
                        ui,
                        ProtocolCommand::AddStep { kind, inside: true }.into(),
                        true,
                        out,
                    );
                }
            });
            let has_step = form.selected.is_some();
            ui.horizontal_wrapped(|ui| {
                command_button(
                    ui,
                    ProtocolCommand::MoveStep { up: true }.into(),
                    has_step,
                    out,
                );
                command_button(
                    ui,
                    ProtocolCommand::MoveStep { up: false }.into(),
                    has_step,
                    out,
                );
                command_button(ui, ProtocolCommand::DuplicateStep.into(), has_step, out);
                command_button(ui, ProtocolCommand::RemoveStep.into(), has_step, out);
            });
        });
}

/// Said in the preview while the draft has problems: nothing can be run or laid out.
const PREVIEW_WAITS: &str = "The preview shows once the problems marked in red are fixed.";

/// `is_valid`: the draft has no problems (the editor checked it this frame).
fn preview_panel_ui(
    ui: &mut Ui,
    form: &mut EditorForm,
    is_valid: bool,
    now: DateTime<Utc>,
    out: &mut Vec<Command>,
) {
    let width = (ui.available_width() * 0.3).clamp(320.0, 640.0);
    egui::Panel::right("editor-preview")
        .resizable(true)
        .default_size(width)
        .size_range(240.0..=720.0)
        .frame(style::side_frame(ui.style()))
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                for kind in PreviewKind::ALL {
                    if ui
                        .selectable_label(form.preview == kind, kind.label())
                        .on_hover_text(ProtocolCommand::Preview(kind).tooltip())
                        .clicked()
                    {
                        out.push(ProtocolCommand::Preview(kind).into());
                    }
                }
            });
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt("editor-preview-scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    let step_title = form
                        .selected
                        .as_ref()
                        .and_then(|p| edit::step_at(&form.draft.steps, p))
                        .map(|s| (s.title.clone(), s.visibility));
                    match form.preview {
                        PreviewKind::Sheet if is_valid => {
                            sheet_preview_ui(ui, &form.draft, step_title, now)
                        }
                        PreviewKind::Therapist | PreviewKind::Couple if is_valid => {
                            let kind = form.preview;
                            match form.preview_live(now) {
                                Ok(live) => live_preview_ui(ui, live, kind, now),
                                Err(why) => {
                                    ui.label(RichText::new(why).weak());
                                }
                            }
                        }
                        PreviewKind::Sheet | PreviewKind::Therapist | PreviewKind::Couple => {
                            ui.label(RichText::new(PREVIEW_WAITS).weak());
                        }
                    }
                });
        });
}

/// The step on screen of a throwaway session, as the therapist's screen (`Therapist`) or
/// the couple's (`Couple`) shows it. A preview: nothing in it is recorded, and it takes no
/// focus (the session's fields ask for it when they are first shown).
fn live_preview_ui(ui: &mut Ui, live: &Live, kind: PreviewKind, now: DateTime<Utc>) {
    let mut ignored = Vec::new();
    let focused = ui.memory(|m| m.focused());
    ui.add_enabled_ui(false, |ui| {
        // Shown as it looks, not faded: it only takes no input.
        ui.set_opacity(1.0);
        match kind {
            PreviewKind::Couple => {
                let model = super::present::present_model(live, now);
                super::present::present_ui(ui, &model);
            }
            PreviewKind::Therapist | PreviewKind::Sheet => {
                super::session_view::step_preview_ui(ui, live, now, &mut ignored);
            }
        }
    });
    if ui.memory(|m| m.focused()) != focused {
        match focused {
            Some(id) => ui.memory_mut(|m| m.request_focus(id)),
            None => ui.memory_mut(|m| {
                if let Some(id) = m.focused() {
                    m.surrender_focus(id);
                }
            }),
        }
    }
}

/// The couple's blank sheet for a draft without problems; the selected step's part of it
/// when a step is selected.
fn sheet_preview_ui(
    ui: &mut Ui,
    draft: &Template,
    step: Option<(String, Visibility)>,
    now: DateTime<Utc>,
) {
    if let Some((_, visibility)) = &step
        && *visibility != Visibility::Joint
    {
        ui.label(
            RichText::new(match visibility {
                Visibility::ClinicianOnly => {
                    "Not on the couple's sheet: this step is for the therapist only."
                }
                Visibility::PartnerPrivate | Visibility::Joint => {
                    "Not on the couple's sheet: each partner fills this step in on their own sheet."
                }
            })
            .weak(),
        );
        return;
    }
    let ctx = crate::export::documents::Context {
        practice: String::new(),
        now,
        zone: crate::export::documents::Zone::Local,
        resources: Vec::new(),
        dates: Default::default(),
    };
    let report = match crate::export::documents::blank_worksheet(
        draft,
        crate::model::Audience::Couple,
        Bindings::default(),
        &ctx,
    ) {
        Ok(report) => report,
        Err(e) => {
            ui.label(RichText::new(e.to_string()).weak());
            return;
        }
    };
    paper_ui(ui, &report, step.map(|(title, _)| title));
}

/// A report drawn as a page: black on white, whatever the app's theme. With `only`, the
/// sections whose title holds that text.
fn paper_ui(ui: &mut Ui, report: &Report, only: Option<String>) {
    let only = only.map(|t| crate::export::documents::fill_generic(&t));
    egui::Frame::new()
        .fill(egui::Color32::WHITE)
        .stroke(egui::Stroke::new(1.0, egui::Color32::from_gray(180)))
        .inner_margin(12.0)
        .show(ui, |ui| {
            let ink = egui::Color32::from_gray(20);
            let text = |s: &str| RichText::new(s).color(ink);
            if only.is_none() {
                ui.label(text(&report.title).size(18.0).strong());
            }
            for section in &report.sections {
                if let Some(title) = &only
                    && !section.title.contains(title.as_str())
                {
                    continue;
                }
                ui.label(text(&section.title).size(16.0).strong());
                for block in &section.blocks {
                    match block {
                        Block::Heading(h) => {
                            ui.label(text(h).strong());
                        }
                        Block::Paragraph(p) | Block::Prompt(p) => {
                            ui.label(text(p));
                        }
                        Block::Note(n) => {
                            ui.label(text(n).italics());
                        }
                        Block::Fields(fields) => {
                            for (label, value) in fields {
                                ui.label(text(&format!("{label}: {value}")));
                            }
                        }
                        Block::Said { who, text: said } => {
                            ui.label(text(who).strong());
                            ui.label(text(said));
                        }
                        Block::Bullets(items) => {
                            for item in items {
                                ui.label(text(&format!("• {item}")));
                            }
                        }
                        Block::Scale { points, low, high } => {
                            ui.label(text(&format!("{low}  {}  {high}", points.join("  ·  "))));
                        }
                        Block::Checks(items) => {
                            for (ticked, item) in items {
                                let mark = if *ticked { "☑" } else { "☐" };
                                ui.label(text(&format!("{mark} {item}")));
                            }
                        }
                        Block::WriteIn { label, lines } => {
                            ui.label(text(label));
                            for _ in 0..(*lines).min(6) {
                                ui.label(text("______________________________"));
                            }
                        }
                        Block::Table(table) => {
                            let header: Vec<&str> =
                                table.columns.iter().map(|c| c.title.as_str()).collect();
                            ui.label(text(&header.join(" | ")).strong());
                            for row in &table.rows {
                                ui.label(text(&row.join(" | ")));
                            }
                            if table.rows.is_empty() {
                                ui.label(text("______________________________"));
                            }
                        }
                        Block::Chart(chart) => {
                            ui.label(text(&format!("[chart: {}]", chart.title)));
                        }
                    }
                }
                ui.add_space(8.0);
            }
        });
}

/// The draft as RON text, with the notation slips by line and column.
fn text_ui(ui: &mut Ui, form: &mut EditorForm) {
    ui.label("The protocol as a template file. It reads back into the forms as you type; slips are shown below, at line and column.");
    for problem in &form.text_problems {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!(
                "line {}, column {}: {}",
                problem.line, problem.col, problem.message
            ),
        );
    }
    let l = ui.label("Template text");
    let response = ui
        .add(
            egui::TextEdit::multiline(&mut form.text)
                .code_editor()
                .desired_rows(30)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(l.id);
    if response.changed() {
        form.text_changed();
    }
}

/// Errors by place, for the form being drawn.
struct Errors<'a> {
    map: &'a BTreeMap<Place, Vec<String>>,
    step: Option<StepPath>,
}

impl Errors<'_> {
    /// The problems with `field`, in red under it.
    fn show(&self, ui: &mut Ui, field: &str) {
        let place = Place {
            step: self.step.clone(),
            field: field.to_string(),
        };
        if let Some(messages) = self.map.get(&place) {
            for message in messages {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
        }
    }
}

/// A labelled one-line text field.
fn line_ui(ui: &mut Ui, label: &str, hint: &str, text: &mut String) -> egui::Response {
    let l = ui.label(label);
    ui.add(
        egui::TextEdit::singleline(text)
            .hint_text(hint)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(l.id)
}

/// A labelled text area.
fn area_ui(ui: &mut Ui, label: &str, hint: &str, text: &mut String) {
    let l = ui.label(label);
    ui.add(
        egui::TextEdit::multiline(text)
            .hint_text(hint)
            .desired_rows(3)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(l.id);
}

/// A list of texts edited one per line.
fn lines_ui(ui: &mut Ui, label: &str, hint: &str, list: &mut Vec<String>) {
    let l = ui.label(label);
    let mut text = list.join("\n");
    let response = ui
        .add(
            egui::TextEdit::multiline(&mut text)
                .hint_text(hint)
                .desired_rows(list.len().clamp(2, 8))
                .desired_width(f32::INFINITY),
        )
        .labelled_by(l.id);
    if response.changed() {
        *list = if text.is_empty() {
            Vec::new()
        } else {
            text.split('\n').map(str::to_string).collect()
        };
    }
}

/// A checkbox for whether `item` is in `list`: ticking adds it at the end, unticking
/// takes it out.
fn member_ui<T: PartialEq>(ui: &mut Ui, list: &mut Vec<T>, item: T, label: &str) {
    let mut on = list.contains(&item);
    if ui.checkbox(&mut on, label).changed() {
        if on {
            list.push(item);
        } else {
            list.retain(|x| *x != item);
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Speaker => "Speaker",
        Role::Listener => "Listener",
        Role::HurtPartner => "Hurt partner",
        Role::DisclosingPartner => "Disclosing partner",
        Role::PartnerA => "Partner A",
        Role::PartnerB => "Partner B",
    }
}

fn role_ui(ui: &mut Ui, label: &str, id: &str, role: &mut Role) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        egui::ComboBox::from_id_salt(id)
            .selected_text(role_name(*role))
            .show_ui(ui, |ui| {
                for r in Role::ALL {
                    ui.selectable_value(role, r, role_name(r));
                }
            })
            .response
            .labelled_by(l.id);
    });
}

fn roles_ui(ui: &mut Ui, label: &str, roles: &mut Vec<Role>, choices: &[Role]) {
    ui.horizontal_wrapped(|ui| {
        ui.label(label);
        for r in choices {
            member_ui(ui, roles, *r, role_name(*r));
        }
    });
}

fn respondents_name(r: Respondents) -> String {
    match r {
        Respondents::Joint => "Both together (one answer)".into(),
        Respondents::Each => "Each partner".into(),
        Respondents::Role(role) => format!("{} only", role_name(role)),
        Respondents::Clinician => "The therapist".into(),
    }
}

fn respondents_ui(ui: &mut Ui, id: &str, respondents: &mut Respondents) {
    ui.horizontal(|ui| {
        let l = ui.label("Who answers");
        egui::ComboBox::from_id_salt(id)
            .selected_text(respondents_name(*respondents))
            .show_ui(ui, |ui| {
                let choices = [
                    Respondents::Joint,
                    Respondents::Each,
                    Respondents::Clinician,
                ]
                .into_iter()
                .chain(Role::ALL.into_iter().map(Respondents::Role));
                for r in choices {
                    ui.selectable_value(respondents, r, respondents_name(r));
                }
            })
            .response
            .labelled_by(l.id);
    });
}

fn number_ui(ui: &mut Ui, label: &str, value: &mut u32, range: std::ops::RangeInclusive<u32>) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(value).range(range))
            .labelled_by(l.id);
    });
}

/// Writing the protocol as a template file, to keep or share.
fn file_ui(
    ui: &mut Ui,
    folder: &mut String,
    is_valid: bool,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    ui.separator();
    ui.label(RichText::new("Keep a copy as a template file").strong());
    ui.horizontal_wrapped(|ui| {
        let l = ui.label("Folder");
        ui.add(
            egui::TextEdit::singleline(folder)
                .hint_text("/path/to/folder")
                .desired_width(260.0),
        )
        .labelled_by(l.id);
        command_button(ui, ProtocolCommand::ChooseFolder.into(), true, out);
        command_button(
            ui,
            ProtocolCommand::WriteFile.into(),
            is_valid && !folder.trim().is_empty(),
            out,
        );
    });
    error_ui(ui, error);
}

/// The protocol's own fields.
fn about_ui(ui: &mut Ui, t: &mut Template, map: &BTreeMap<Place, Vec<String>>, focus: bool) {
    let errors = Errors { map, step: None };
    ui.heading("About this protocol");
    let title = line_ui(
        ui,
        "Title",
        "What the therapist and the couple call it",
        &mut t.title,
    );
    if focus {
        title.request_focus();
    }
    errors.show(ui, "title");
    line_ui(
        ui,
        "Id",
        "lower-case letters, digits and -, unique in the library",
        &mut t.id,
    );
    errors.show(ui, "id");
    errors.show(ui, "format");
    area_ui(
        ui,
        "Summary (for the therapist choosing a protocol)",
        "One or two sentences",
        &mut t.summary,
    );
    errors.show(ui, "summary");
    let mut has_intro = t.introduction.is_some();
    if ui
        .checkbox(
            &mut has_intro,
            "An introduction for the couple on their blank sheet",
        )
        .changed()
    {
        t.introduction = has_intro.then(String::new);
    }
    if let Some(intro) = t.introduction.as_mut() {
        area_ui(ui, "Introduction (for the couple)", "Plain words", intro);
    }
    errors.show(ui, "introduction");
    let mut has_practice = t.between_sessions.is_some();
    if ui
        .checkbox(
            &mut has_practice,
            "Something for the couple to practise before the next session",
        )
        .changed()
    {
        t.between_sessions = has_practice.then(String::new);
    }
    if let Some(practice) = t.between_sessions.as_mut() {
        area_ui(
            ui,
            "To practise this week (for the couple's summary)",
            "Plain words",
            practice,
        );
    }
    errors.show(ui, "between_sessions");
    area_ui(
        ui,
        "Source",
        "Which approach or article this follows, in your own words; licensing notes",
        &mut t.source,
    );
    errors.show(ui, "source");
    number_ui(
        ui,
        "Expected length (minutes, 0 for not set)",
        &mut t.length_mins,
        0..=600,
    );
    errors.show(ui, "length_mins");
    roles_ui(
        ui,
        "Roles the session binds",
        &mut t.roles,
        &[
            Role::Speaker,
            Role::Listener,
            Role::HurtPartner,
            Role::DisclosingPartner,
        ],
    );
    ui.label(
        RichText::new("Speaker and listener come as a pair, as do hurt and disclosing partner. Partner A and B are always there.")
            .weak(),
    );
    errors.show(ui, "roles");
    ui.horizontal_wrapped(|ui| {
        ui.label("Works on");
        for tag in [
            TrustTag::Truth,
            TrustTag::Responsibility,
            TrustTag::Understanding,
            TrustTag::Sympathy,
            TrustTag::Time,
        ] {
            member_ui(ui, &mut t.trust, tag, tag.label());
        }
    });
    errors.show(ui, "trust");
    ui.label(RichText::new("Before a session may start").strong());
    for (gate, words) in [
        (
            Gate::BothScreened,
            "Both partners' safety screens are recorded",
        ),
        (
            Gate::JointWorkCleared,
            "The therapist decided joint work may go ahead",
        ),
    ] {
        member_ui(ui, &mut t.requires, gate, words);
    }
    if t.requires.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "No safety condition: this protocol can start before the couple is screened. Joint work usually needs \"The therapist decided joint work may go ahead\".",
        );
    }
    errors.show(ui, "requires");
    screen_ui(ui, t);
    errors.show(ui, "screen");
    errors.show(ui, "steps");
}

/// Whether the protocol is a safety screen, and which steps say what.
fn screen_ui(ui: &mut Ui, t: &mut Template) {
    let mut is_screen = t.screen.is_some();
    if ui
        .checkbox(&mut is_screen, "This protocol is a safety screen")
        .on_hover_text("Its answers open or hold the safety gate, as the shipped screen's do")
        .changed()
    {
        t.screen = is_screen.then(|| ScreenSpec {
            partner_a: String::new(),
            partner_b: String::new(),
            decision: String::new(),
            assessment: None,
            override_reason: None,
            rescreen: None,
            concern_options: Vec::new(),
        });
    }
    let ids = edit::step_ids(&t.steps);
    let Some(spec) = t.screen.as_mut() else {
        return;
    };
    let pick = |ui: &mut Ui, label: &str, value: &mut String| {
        ui.horizontal(|ui| {
            let l = ui.label(label);
            egui::ComboBox::from_id_salt(label)
                .selected_text(if value.is_empty() {
                    "choose a step"
                } else {
                    value.as_str()
                })
                .show_ui(ui, |ui| {
                    for id in &ids {
                        ui.selectable_value(value, id.clone(), id);
                    }
                })
                .response
                .labelled_by(l.id);
        });
    };
    pick(ui, "Partner A is screened in", &mut spec.partner_a);
    pick(ui, "Partner B is screened in", &mut spec.partner_b);
    pick(ui, "The therapist's decision", &mut spec.decision);
    for (label, field) in [
        ("Fuller assessment (optional)", &mut spec.assessment),
        (
            "Reason for plain joint work (optional)",
            &mut spec.override_reason,
        ),
        ("Re-screen date (optional)", &mut spec.rescreen),
    ] {
        let mut value = field.clone().unwrap_or_default();
        pick(ui, label, &mut value);
        *field = (!value.is_empty()).then_some(value);
    }
    lines_ui(
        ui,
        "Answers that raise a concern (for screen steps that are choices), one per line",
        "",
        &mut spec.concern_options,
    );
}

fn visibility_name(v: Visibility) -> &'static str {
    match v {
        Visibility::Joint => "Joint: both partners and the therapist",
        Visibility::PartnerPrivate => {
            "Private: each partner's own answers, for them and the therapist"
        }
        Visibility::ClinicianOnly => "Therapist only",
    }
}

/// One step's form: what every step has, then its kind's fields.
fn step_form_ui(ui: &mut Ui, step: &mut Step, ids: &[String], errors: &Errors<'_>, focus: bool) {
    ui.heading(format!("{} step", step.kind.name()));
    if let Some((_, what)) = edit::KINDS.iter().find(|(n, _)| *n == step.kind.name()) {
        ui.label(RichText::new(*what).weak());
    }
    let title = line_ui(ui, "Title", "", &mut step.title);
    if focus {
        title.request_focus();
    }
    errors.show(ui, "title");
    line_ui(
        ui,
        "Step id",
        "lower-case letters, digits, - and _",
        &mut step.id,
    );
    errors.show(ui, "id");
    let groups_only = matches!(step.kind, StepKind::Repeat { .. } | StepKind::SwapRoles);
    if !groups_only {
        area_ui(
            ui,
            "For the therapist (never shown to the couple)",
            "What to say and do",
            &mut step.therapist,
        );
        errors.show(ui, "therapist");
        lines_ui(
            ui,
            "Prompts for the couple, one paragraph per line",
            "Use {speaker}, {listener}, {partner_a}… for names",
            &mut step.prompts,
        );
        errors.show(ui, "prompts");
        ui.horizontal(|ui| {
            let mut timed = step.timebox_mins.is_some();
            if ui.checkbox(&mut timed, "Suggested time").changed() {
                step.timebox_mins = timed.then_some(10);
            }
            if let Some(mins) = step.timebox_mins.as_mut() {
                ui.add(egui::DragValue::new(mins).range(0..=240).suffix(" min"));
            }
        });
        errors.show(ui, "timebox_mins");
        ui.vertical(|ui| {
            let l = ui.label("Who may see it");
            egui::ComboBox::from_id_salt("visibility")
                .selected_text(visibility_name(step.visibility))
                .width(ui.available_width().min(420.0))
                .show_ui(ui, |ui| {
                    for v in Visibility::ALL {
                        ui.selectable_value(&mut step.visibility, v, visibility_name(v));
                    }
                })
                .response
                .labelled_by(l.id);
        });
        errors.show(ui, "visibility");
        gates_ui(ui, &mut step.gates, ids);
        errors.show(ui, "gates");
    }
    ui.separator();
    errors.show(ui, "kind");
    kind_form_ui(ui, &mut step.kind, ids, errors);
}

fn gate_name(gate: &Gate) -> &'static str {
    match gate {
        Gate::Completed(_) => "A step is completed",
        Gate::AllChecked(_) => "Every item of a checklist is ticked",
        Gate::Confirm(_) => "The therapist confirms",
        Gate::BothScreened => "Both partners are screened",
        Gate::JointWorkCleared => "Joint work is cleared",
    }
}

fn gates_ui(ui: &mut Ui, gates: &mut Vec<Gate>, ids: &[String]) {
    ui.label(RichText::new("Before moving past this step").strong());
    let mut remove = None;
    for (i, gate) in gates.iter_mut().enumerate() {
        ui.horizontal_wrapped(|ui| {
            ui.label(gate_name(gate));
            match gate {
                Gate::Completed(id) | Gate::AllChecked(id) => {
                    egui::ComboBox::from_id_salt(("gate-step", i))
                        .selected_text(if id.is_empty() {
                            "choose a step"
                        } else {
                            id.as_str()
                        })
                        .show_ui(ui, |ui| {
                            for choice in ids {
                                ui.selectable_value(id, choice.clone(), choice);
                            }
                        });
                }
                Gate::Confirm(statement) => {
                    ui.add(
                        egui::TextEdit::singleline(statement)
                            .hint_text("What the therapist confirms")
                            .desired_width(260.0),
                    );
                }
                Gate::BothScreened | Gate::JointWorkCleared => {}
            }
            if ui.small_button("Remove").clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        gates.remove(i);
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Add:");
        if ui.small_button("Therapist confirms").clicked() {
            gates.push(Gate::Confirm(String::new()));
        }
        if ui.small_button("Step completed").clicked() {
            gates.push(Gate::Completed(ids.first().cloned().unwrap_or_default()));
        }
        if ui.small_button("Checklist all ticked").clicked() {
            gates.push(Gate::AllChecked(ids.first().cloned().unwrap_or_default()));
        }
    });
}

fn stage_name(stage: LoopStage) -> &'static str {
    match stage {
        LoopStage::Summary => "Summary",
        LoopStage::Validation => "Validation",
        LoopStage::Empathy => "Empathy",
    }
}

/// The fields of a step's kind.
fn kind_form_ui(ui: &mut Ui, kind: &mut StepKind, ids: &[String], errors: &Errors<'_>) {
    match kind {
        StepKind::Script => {
            ui.label("Nothing is recorded: the therapist reads the instructions, the couple the prompts.");
        }
        StepKind::SwapRoles => {
            ui.label("Speaker and listener change places for the steps after this one. The protocol's roles need Speaker and Listener.");
        }
        StepKind::Repeat {
            times,
            swap_roles,
            steps,
        } => {
            number_ui(ui, "Times", times, 1..=4);
            errors.show(ui, "times");
            ui.checkbox(swap_roles, "Swap speaker and listener between passes");
            errors.show(ui, "swap_roles");
            ui.label(format!(
                "{} step{} inside: select this step and use \"Add inside\" to add more.",
                steps.len(),
                if steps.len() == 1 { "" } else { "s" }
            ));
            errors.show(ui, "steps");
        }
        StepKind::ParaphraseLoop {
            speaker,
            listener,
            stems,
            stages,
            feelings,
        } => {
            role_ui(ui, "Speaker", "loop-speaker", speaker);
            errors.show(ui, "speaker");
            role_ui(ui, "Listener", "loop-listener", listener);
            errors.show(ui, "listener");
            lines_ui(
                ui,
                "Sentence starters for the speaker, one per line",
                "",
                stems,
            );
            errors.show(ui, "stems");
            ui.horizontal_wrapped(|ui| {
                ui.label("After the loop, offer");
                for stage in [
                    LoopStage::Summary,
                    LoopStage::Validation,
                    LoopStage::Empathy,
                ] {
                    member_ui(ui, stages, stage, stage_name(stage));
                }
            });
            errors.show(ui, "stages");
            if stages.contains(&LoopStage::Empathy) {
                lines_ui(
                    ui,
                    "Feeling words for the empathy stage, one per line (empty for Tandem's list)",
                    "",
                    feelings,
                );
            }
            errors.show(ui, "feelings");
        }
        StepKind::Floor {
            first,
            second,
            rules,
            max_timeout_hours,
        } => {
            role_ui(ui, "Holds the floor first", "floor-first", first);
            errors.show(ui, "first");
            role_ui(ui, "The other", "floor-second", second);
            errors.show(ui, "second");
            lines_ui(
                ui,
                "Rules the therapist can mark a breach of, one per line",
                "",
                rules,
            );
            errors.show(ui, "rules");
            number_ui(
                ui,
                "Latest resume after a time-out (hours)",
                max_timeout_hours,
                1..=72,
            );
            errors.show(ui, "max_timeout_hours");
        }
        StepKind::Questions {
            owner,
            categories,
            answering,
        } => {
            role_ui(ui, "Whose questions", "questions-owner", owner);
            errors.show(ui, "owner");
            lines_ui(ui, "Categories, one per line", "", categories);
            errors.show(ui, "categories");
            ui.checkbox(
                answering,
                "The questions are asked and answered here (not just written)",
            );
            errors.show(ui, "answering");
        }
        StepKind::Plan {
            owners,
            categories,
            review_after_days,
        } => {
            roles_ui(ui, "Who makes commitments", owners, &Role::ALL);
            errors.show(ui, "owners");
            lines_ui(ui, "Categories, one per line", "", categories);
            errors.show(ui, "categories");
            number_ui(ui, "Review after (days)", review_after_days, 1..=365);
            errors.show(ui, "review_after_days");
        }
        StepKind::Rating {
            raters,
            items,
            scoring,
        } => {
            roles_ui(ui, "Who rates", raters, &Role::ALL);
            errors.show(ui, "raters");
            rating_items_ui(ui, items);
            errors.show(ui, "items");
            let mut summed = matches!(scoring, Scoring::Sum { .. });
            if ui
                .checkbox(&mut summed, "Add the items up into a score")
                .changed()
            {
                *scoring = if summed {
                    Scoring::Sum {
                        cutoff: None,
                        flag: String::new(),
                    }
                } else {
                    Scoring::None
                };
            }
            if let Scoring::Sum { cutoff, flag } = scoring {
                ui.horizontal(|ui| {
                    let mut has = cutoff.is_some();
                    if ui.checkbox(&mut has, "Flag a score below").changed() {
                        *cutoff = has.then_some(1.0);
                    }
                    if let Some(c) = cutoff.as_mut() {
                        ui.add(egui::DragValue::new(c).speed(0.5));
                    }
                });
                line_ui(ui, "Flag's words", "e.g. below the distress cutoff", flag);
            }
            errors.show(ui, "scoring");
        }
        StepKind::Text {
            respondents,
            stems,
            letter,
        } => {
            respondents_ui(ui, "text-respondents", respondents);
            errors.show(ui, "respondents");
            lines_ui(ui, "Sentence starters, one per line", "", stems);
            errors.show(ui, "stems");
            ui.checkbox(
                letter,
                "It is a letter (exported on its own, from its writer)",
            );
            errors.show(ui, "letter");
        }
        StepKind::Choice {
            respondents,
            options,
            multiple,
        } => {
            respondents_ui(ui, "choice-respondents", respondents);
            errors.show(ui, "respondents");
            lines_ui(ui, "Options, one per line", "", options);
            errors.show(ui, "options");
            ui.checkbox(multiple, "Several may be picked");
            errors.show(ui, "multiple");
        }
        StepKind::Checklist { respondents, items } | StepKind::YesNo { respondents, items } => {
            respondents_ui(ui, "list-respondents", respondents);
            errors.show(ui, "respondents");
            lines_ui(ui, "Items, one per line", "", items);
            errors.show(ui, "items");
        }
        StepKind::Reply { to, author, stems } => {
            ui.horizontal(|ui| {
                let l = ui.label("Answers the letter in");
                egui::ComboBox::from_id_salt("reply-to")
                    .selected_text(if to.is_empty() {
                        "choose a step"
                    } else {
                        to.as_str()
                    })
                    .show_ui(ui, |ui| {
                        for id in ids {
                            ui.selectable_value(to, id.clone(), id);
                        }
                    })
                    .response
                    .labelled_by(l.id);
            });
            errors.show(ui, "to");
            role_ui(ui, "Written by", "reply-author", author);
            errors.show(ui, "author");
            lines_ui(ui, "Sentence starters, one per line", "", stems);
            errors.show(ui, "stems");
        }
    }
}

fn rating_items_ui(ui: &mut Ui, items: &mut Vec<RatingItem>) {
    ui.label(RichText::new("Items").strong());
    let mut remove = None;
    for (i, item) in items.iter_mut().enumerate() {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            line_ui(ui, "Question", "", &mut item.label);
            ui.horizontal_wrapped(|ui| {
                let l = ui.label("Item id");
                ui.add(egui::TextEdit::singleline(&mut item.id).desired_width(120.0))
                    .labelled_by(l.id);
                let l = ui.label("From");
                ui.add(egui::DragValue::new(&mut item.min).range(0..=100))
                    .labelled_by(l.id);
                let l = ui.label("to");
                ui.add(egui::DragValue::new(&mut item.max).range(0..=100))
                    .labelled_by(l.id);
            });
            ui.horizontal_wrapped(|ui| {
                let l = ui.label("Lowest means");
                ui.add(egui::TextEdit::singleline(&mut item.low).desired_width(140.0))
                    .labelled_by(l.id);
                let l = ui.label("Highest means");
                ui.add(egui::TextEdit::singleline(&mut item.high).desired_width(140.0))
                    .labelled_by(l.id);
            });
            lines_ui(
                ui,
                "A word for every point, one per line (optional)",
                "",
                &mut item.anchors,
            );
            if ui.small_button("Remove item").clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        items.remove(i);
    }
    if ui.small_button("Add item").clicked() {
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        items.push(RatingItem {
            id: edit::unused_id("item", |id| ids.iter().any(|i| i == id)),
            label: String::new(),
            min: 0,
            max: 10,
            low: String::new(),
            high: String::new(),
            anchors: Vec::new(),
        });
    }
}
