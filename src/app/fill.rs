//! `tandem fill FILE`: the small window in which a couple (or one partner) fills in a
//! take-home worksheet at home. No vault: only the worksheet file and the passphrase the
//! therapist gave them. It shows that worksheet and nothing else, and writes the answers
//! back into the same file, sealed with the same passphrase, whole or not at all.
//!
//! Draw, collect, apply: the form edits the one worksheet it shows; opening and saving
//! are `FillCommand`s applied in one place, whose errors show in the status line.

use crate::model::{Answer, QuestionDraft, Respondent, TakeHomeFile, WorksheetFor};
use crate::practice::{Job, PracticeError};
use crate::runner::takehome::{Part, PartKind, check_answers, parts};
use crate::template::Template;
use crate::vault::takehome::{read_take_home, write_take_home};
use chrono::{DateTime, Utc};
use egui::{RichText, Ui};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How the window was started.
#[derive(Clone, Debug)]
pub struct FillConfig {
    pub path: PathBuf,
    /// A passphrase given up front (`TANDEM_WORKSHEET_PASSPHRASE`): the worksheet opens
    /// at once.
    pub passphrase: Option<SecretString>,
    /// scrypt work factor used when the file is written back.
    pub log_n: u8,
}

/// What the window can be asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FillCommand {
    /// Open the worksheet with the passphrase typed.
    Open,
    /// Write the answers back into the file.
    Save,
}

impl FillCommand {
    pub fn label(&self) -> &'static str {
        match self {
            FillCommand::Open => "Open worksheet",
            FillCommand::Save => "Save my answers",
        }
    }

    pub fn shortcut(&self) -> Option<egui::KeyboardShortcut> {
        match self {
            FillCommand::Save => Some(egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND,
                egui::Key::S,
            )),
            FillCommand::Open => None,
        }
    }
}

/// An opened worksheet.
pub struct Opened {
    pub file: TakeHomeFile,
    pub template: Template,
    passphrase: SecretString,
    /// The answers as last written to disk, to tell unsaved changes.
    saved: BTreeMap<String, Answer>,
    pub saved_at: Option<DateTime<Utc>>,
}

impl Opened {
    pub fn is_saved(&self) -> bool {
        self.file.answers == self.saved
    }
}

/// A line in the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FillStatus {
    pub text: String,
    pub is_error: bool,
}

/// Seconds after the first unsaved change before the answers are saved on their own.
pub const AUTOSAVE_SECS: i64 = 20;

/// A save being written on a job of its own (sealing with the passphrase takes a moment):
/// the answers being written, and when.
struct Saving {
    job: Job<(), PracticeError>,
    answers: BTreeMap<String, Answer>,
    at: DateTime<Utc>,
}

/// The file being opened with a passphrase, on a job of its own.
type Opening = Job<(TakeHomeFile, Template, SecretString), PracticeError>;

/// The window's state.
pub struct FillState {
    pub config: FillConfig,
    /// The passphrase being typed on the first screen.
    pub passphrase: String,
    pub opened: Option<Opened>,
    pub status: Option<FillStatus>,
    opening: Option<Opening>,
    saving: Option<Saving>,
    /// A save was asked for while another was being written.
    save_again: bool,
    /// When unsaved changes were first seen.
    changed_since: Option<DateTime<Utc>>,
}

/// Open and check a worksheet file (one passphrase derivation).
fn open_file(
    path: &std::path::Path,
    passphrase: SecretString,
) -> Result<(TakeHomeFile, Template, SecretString), PracticeError> {
    let file = read_take_home(path, &passphrase)?;
    let template = crate::template::from_snapshot(&file.template_source)
        .map_err(|e| PracticeError::Refused(format!("the worksheet cannot be shown: {e}")))?;
    check_answers(&template, &file)?;
    Ok((file, template, passphrase))
}

impl FillState {
    pub fn new(config: FillConfig, now: DateTime<Utc>) -> FillState {
        let given = config.passphrase.clone();
        let mut state = FillState {
            config,
            passphrase: String::new(),
            opened: None,
            status: None,
            opening: None,
            saving: None,
            save_again: false,
            changed_since: None,
        };
        if let Some(passphrase) = given {
            // Before the first frame: waiting here freezes no window.
            state.start_open(passphrase);
            if let Some(outcome) = state
                .opening
                .take()
                .and_then(|mut job| job.wait(std::time::Duration::from_secs(60)))
            {
                state.finish_open(outcome);
            }
        }
        state.logic(now);
        state
    }

    /// Apply one command; an error goes to the status line.
    pub fn apply(&mut self, command: FillCommand, now: DateTime<Utc>) {
        match command {
            FillCommand::Open => {
                let passphrase = SecretString::from(std::mem::take(&mut self.passphrase));
                self.start_open(passphrase);
            }
            FillCommand::Save => {
                if self.saving.is_some() {
                    self.save_again = true;
                } else {
                    self.start_save(now);
                }
            }
        }
    }

    /// True while a save is being written.
    pub fn is_saving(&self) -> bool {
        self.saving.is_some()
    }

    /// True while the file is being opened or saved.
    pub fn is_busy(&self) -> bool {
        self.saving.is_some() || self.opening.is_some()
    }

    fn fail(&mut self, text: String) {
        self.status = Some(FillStatus {
            text,
            is_error: true,
        });
    }

    fn start_open(&mut self, passphrase: SecretString) {
        if self.opening.is_some() {
            return;
        }
        let path = self.config.path.clone();
        self.opening = Some(Job::spawn("fill-open", move |_| {
            open_file(&path, passphrase)
        }));
    }

    fn finish_open(
        &mut self,
        outcome: Result<(TakeHomeFile, Template, SecretString), PracticeError>,
    ) {
        match outcome {
            Ok((file, template, passphrase)) => {
                self.status = None;
                self.opened = Some(Opened {
                    saved: file.answers.clone(),
                    saved_at: file.filled_at,
                    file,
                    template,
                    passphrase,
                });
            }
            Err(e) => self.fail(e.to_string()),
        }
    }

    /// Check the answers and hand a copy to a job that seals and writes the file.
    fn start_save(&mut self, now: DateTime<Utc>) {
        let Some(opened) = self.opened.as_mut() else {
            return self.fail("open the worksheet first".into());
        };
        if let Err(e) = check_answers(&opened.template, &opened.file) {
            return self.fail(e.to_string());
        }
        let mut file = opened.file.clone();
        file.filled_at = Some(now);
        let answers = file.answers.clone();
        let (path, passphrase, log_n) = (
            self.config.path.clone(),
            opened.passphrase.clone(),
            self.config.log_n,
        );
        let job = Job::spawn("fill-save", move |_| {
            Ok(write_take_home(&path, &file, &passphrase, log_n)?)
        });
        self.saving = Some(Saving {
            job,
            answers,
            at: now,
        });
    }

    /// Take a finished save's outcome into the state.
    fn finish_save(&mut self, saving: Saving, result: Result<(), PracticeError>) {
        match result {
            Ok(()) => {
                if let Some(opened) = self.opened.as_mut() {
                    opened.file.filled_at = Some(saving.at);
                    opened.saved = saving.answers;
                    opened.saved_at = Some(saving.at);
                }
                self.status = Some(FillStatus {
                    text: format!(
                        "Saved at {}. Bring this file to your next session.",
                        saving.at.with_timezone(&chrono::Local).format("%H:%M")
                    ),
                    is_error: false,
                });
            }
            Err(e) => self.fail(format!("Not saved: {e}")),
        }
    }

    /// Work that runs every frame: take in a finished open or save, and save on its own
    /// once changes have waited `AUTOSAVE_SECS`.
    pub fn logic(&mut self, now: DateTime<Utc>) {
        if let Some(outcome) = self.opening.as_mut().and_then(Job::poll) {
            self.opening = None;
            self.finish_open(outcome);
        }
        if let Some(mut saving) = self.saving.take() {
            match saving.job.poll() {
                Some(result) => self.finish_save(saving, result),
                None => self.saving = Some(saving),
            }
        }
        let dirty = self.opened.as_ref().is_some_and(|o| !o.is_saved());
        if !dirty {
            self.changed_since = None;
            self.save_again = false;
            return;
        }
        let since = *self.changed_since.get_or_insert(now);
        let due = self.save_again || (now - since).num_seconds() >= AUTOSAVE_SECS;
        if due && self.saving.is_none() {
            self.save_again = false;
            self.changed_since = Some(now);
            self.start_save(now);
        }
    }

    /// Save what is unsaved and wait for it (on closing the window). Returns false if a
    /// save failed.
    pub fn save_and_wait(&mut self, now: DateTime<Utc>) -> bool {
        let wait = std::time::Duration::from_secs(60);
        if let Some(mut saving) = self.saving.take() {
            let result = saving.job.wait(wait).unwrap_or_else(|| {
                Err(PracticeError::NotSaved(
                    "the save did not finish in time".into(),
                ))
            });
            self.finish_save(saving, result);
        }
        if self.opened.as_ref().is_some_and(|o| !o.is_saved()) {
            self.start_save(now);
            if let Some(mut saving) = self.saving.take() {
                let result = saving.job.wait(wait).unwrap_or_else(|| {
                    Err(PracticeError::NotSaved(
                        "the save did not finish in time".into(),
                    ))
                });
                self.finish_save(saving, result);
            }
        }
        self.status.as_ref().is_none_or(|s| !s.is_error)
    }
}

/// The eframe app around `FillState`.
pub struct FillApp {
    pub state: FillState,
}

impl FillApp {
    pub fn new(config: FillConfig) -> FillApp {
        FillApp {
            state: FillState::new(config, Utc::now()),
        }
    }

    /// Draw one frame at `now` and apply what it asked for. Public for tests.
    pub fn frame_ui(&mut self, ui: &mut Ui, now: DateTime<Utc>) {
        // No vault here, so no saved choice: as the system says, light when it says nothing.
        super::style::follow(ui, crate::model::Appearance::System);
        let mut commands = Vec::new();
        if self.state.opened.is_some()
            && ui.input_mut(|i| {
                FillCommand::Save
                    .shortcut()
                    .is_some_and(|s| i.consume_shortcut(&s))
            })
        {
            commands.push(FillCommand::Save);
        }
        let busy_opening = self.state.opening.is_some();
        let FillState {
            passphrase,
            opened,
            status,
            saving,
            ..
        } = &mut self.state;
        let status_bar =
            egui::Panel::bottom("fill-status").frame(super::style::bar_frame(ui.style()));
        status_bar.show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal_wrapped(|ui| {
                if let Some(opened) = opened.as_ref() {
                    let save = FillCommand::Save;
                    if ui
                        .button(save.label())
                        .on_hover_text("Write your answers into the worksheet file (Ctrl+S)")
                        .clicked()
                    {
                        commands.push(save);
                    }
                    if saving.is_some() {
                        ui.label("Saving…");
                    } else if !opened.is_saved() {
                        ui.label(RichText::new("Unsaved changes").strong());
                    }
                }
                if let Some(status) = status.as_ref() {
                    let text = RichText::new(&status.text);
                    ui.label(if status.is_error {
                        text.color(ui.visuals().error_fg_color)
                    } else {
                        text
                    });
                }
            });
            ui.add_space(4.0);
        });
        let central = egui::CentralPanel::default().frame(super::style::central_frame(ui.style()));
        central.show(ui, |ui| match opened.as_mut() {
            None => locked_ui(ui, passphrase, busy_opening, &mut commands),
            Some(opened) => {
                egui::ScrollArea::vertical().show(ui, |ui| worksheet_ui(ui, opened));
            }
        });
        for command in commands {
            self.state.apply(command, now);
        }
        self.state.logic(now);
        // Saves finish and autosave comes due without input.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(250));
    }
}

impl eframe::App for FillApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui, Utc::now());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // Closing the window keeps what was typed.
        self.state.save_and_wait(Utc::now());
    }

    /// Nothing of the window is kept outside the worksheet file (see `native_options`).
    fn persist_egui_memory(&self) -> bool {
        false
    }
}

/// Open the worksheet window.
pub fn run_fill(config: FillConfig) -> eframe::Result {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Tandem worksheet")
        .with_app_id("tandem")
        .with_inner_size([760.0, 820.0])
        .with_min_inner_size([480.0, 400.0]);
    if let Some(icon) = super::style::app_icon() {
        viewport = viewport.with_icon(icon);
    }
    let options = super::native_options(viewport);
    eframe::run_native(
        "Tandem worksheet",
        options,
        Box::new(move |cc| {
            super::style::install(&cc.egui_ctx);
            Ok(Box::new(FillApp::new(config)))
        }),
    )
}

fn locked_ui(ui: &mut Ui, passphrase: &mut String, busy: bool, out: &mut Vec<FillCommand>) {
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        ui.heading("A worksheet from your therapist");
        ui.add_space(8.0);
        ui.label("It is protected. Type the passphrase your therapist gave you.");
        ui.add_space(8.0);
        let field = super::views::passphrase_field(ui, "Passphrase", passphrase);
        let ready = !passphrase.is_empty() && !busy;
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let open = FillCommand::Open;
        if ui
            .add_enabled(ready, egui::Button::new(open.label()))
            .clicked()
            || (enter && ready)
        {
            out.push(open);
        }
        if busy {
            ui.label(RichText::new("Opening…").weak());
        }
    });
}

/// A respondent's name as the worksheet shows it.
fn who(file: &TakeHomeFile, respondent: Respondent) -> String {
    match respondent {
        Respondent::Partner(p) => file.name_of(p).to_string(),
        Respondent::Joint => "Both of you".into(),
        Respondent::Clinician => "Your therapist".into(),
    }
}

fn worksheet_ui(ui: &mut Ui, opened: &mut Opened) {
    let Opened { file, template, .. } = opened;
    let names = file.names();
    let bindings = file.bindings;
    let fill = |text: &str| {
        crate::template::fill(text, |role| {
            bindings.partner(role).map(|p| names.of(p).to_string())
        })
    };
    if !file.practice.is_empty() {
        ui.label(RichText::new(&file.practice).weak());
    }
    ui.heading(RichText::new(&template.title).size(24.0));
    ui.label(match file.for_whom {
        WorksheetFor::Couple => "For both of you, to fill in together.".to_string(),
        WorksheetFor::Partner(p) => format!("For {}, to fill in on your own.", file.name_of(p)),
    });
    ui.label(
        RichText::new(
            "Your answers stay in this file, locked with your passphrase, until you bring it to your therapist.",
        )
        .weak(),
    );
    ui.add_space(10.0);
    let template_parts: Vec<Part<'_>> = parts(template, file.for_whom, bindings);
    for part in &template_parts {
        ui.separator();
        ui.push_id(&part.step.id, |ui| {
            ui.label(RichText::new(fill(&part.step.title)).size(19.0).strong());
            if part.is_private {
                ui.label(
                    RichText::new("Only you and your therapist will see what you write here.")
                        .italics(),
                );
            }
            for prompt in &part.step.prompts {
                ui.label(fill(prompt));
            }
            part_ui(ui, file, part);
        });
    }
}

fn part_ui(ui: &mut Ui, file: &mut TakeHomeFile, part: &Part<'_>) {
    let step = part.step.id.clone();
    match &part.kind {
        PartKind::Read => {}
        PartKind::Text { respondents, stems } => {
            if !stems.is_empty() {
                ui.label(
                    RichText::new(format!("You could start with: {}", stems.join(" · "))).weak(),
                );
            }
            for respondent in respondents {
                let label = format!("{}'s answer", who(file, *respondent));
                let label = if *respondent == Respondent::Joint {
                    "Your answer together".to_string()
                } else {
                    label
                };
                let answer = file
                    .answers
                    .entry(step.clone())
                    .or_insert_with(|| Answer::Text(BTreeMap::new()));
                if let Answer::Text(entries) = answer {
                    let text = entries.entry(*respondent).or_default();
                    let l = ui.label(label);
                    ui.add(
                        egui::TextEdit::multiline(text)
                            .font(super::style::field())
                            .desired_rows(5)
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(l.id);
                    if text.is_empty() {
                        entries.remove(respondent);
                    }
                }
            }
        }
        PartKind::Choice {
            respondents,
            options,
            multiple,
        } => {
            let empty = || Answer::Choice(BTreeMap::new());
            ticks_ui(ui, file, &step, respondents, options, empty, !multiple)
        }
        PartKind::Checklist { respondents, items } => {
            let empty = || Answer::Checklist(BTreeMap::new());
            ticks_ui(ui, file, &step, respondents, items, empty, false)
        }
        PartKind::Rating { raters, items } => {
            for rater in raters {
                let name = file.name_of(*rater).to_string();
                ui.label(RichText::new(&name).strong());
                let answer = file
                    .answers
                    .entry(step.clone())
                    .or_insert_with(|| Answer::Rating(BTreeMap::new()));
                if let Answer::Rating(values) = answer {
                    let mine = values.entry(*rater).or_default();
                    ui.push_id(rater, |ui| {
                        for item in items {
                            ui.label(&item.label);
                            ui.push_id(item.id.as_str(), |ui| {
                                let clicked = super::views::rating_row_ui(
                                    ui,
                                    mine.get(&item.id).copied(),
                                    (item.min, item.max),
                                    (&item.low, &item.high),
                                );
                                if let Some(value) = clicked {
                                    mine.insert(item.id.clone(), value);
                                }
                            });
                        }
                    });
                }
            }
        }
        PartKind::Questions { categories } => {
            if !file.list_so_far.is_empty() {
                ui.label(RichText::new("Already on your list").strong());
                for (i, q) in file.list_so_far.iter().enumerate() {
                    ui.label(format!("{}. {}", i + 1, q.text));
                    if !q.why.is_empty() {
                        ui.label(RichText::new(format!("   Why: {}", q.why)).weak());
                    }
                }
                ui.label(RichText::new("Add new questions below.").weak());
            }
            questions_ui(ui, file, &step, categories)
        }
    }
    // A step left untouched holds nothing.
    if file.answers.get(&step).is_some_and(Answer::is_empty)
        && !matches!(part.kind, PartKind::Questions { .. })
    {
        file.answers.remove(&step);
    }
}

/// Tick boxes for a choice (`only_one`: choosing one clears the others) or a checklist,
/// one set per respondent; `empty` makes the step's answer when it has none yet.
fn ticks_ui(
    ui: &mut Ui,
    file: &mut TakeHomeFile,
    step: &str,
    respondents: &[Respondent],
    items: &[String],
    empty: fn() -> Answer,
    only_one: bool,
) {
    for respondent in respondents {
        ui.label(RichText::new(who(file, *respondent)).strong());
        let answer = file.answers.entry(step.to_string()).or_insert_with(empty);
        let (Answer::Choice(entries) | Answer::Checklist(entries)) = answer else {
            continue;
        };
        let ticked = entries.entry(*respondent).or_default();
        ui.push_id(respondent, |ui| {
            for item in items {
                let mut on = ticked.contains(item);
                if ui.checkbox(&mut on, item).changed() {
                    if only_one {
                        ticked.clear();
                    }
                    ticked.retain(|i| i != item);
                    if on {
                        ticked.push(item.clone());
                    }
                }
            }
        });
    }
}

fn questions_ui(ui: &mut Ui, file: &mut TakeHomeFile, step: &str, categories: &[String]) {
    let answer = file
        .answers
        .entry(step.to_string())
        .or_insert_with(|| Answer::Questions(Vec::new()));
    let Answer::Questions(list) = answer else {
        return;
    };
    let mut remove = None;
    for (i, q) in list.iter_mut().enumerate() {
        ui.push_id(i, |ui| {
            ui.group(|ui| {
                let l = ui.label(format!("Question {}", i + 1));
                ui.add(
                    egui::TextEdit::multiline(&mut q.text)
                        .font(super::style::field())
                        .desired_rows(2)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(l.id);
                let l = ui.label("Why I need to know");
                ui.add(
                    egui::TextEdit::multiline(&mut q.why)
                        .font(super::style::field())
                        .desired_rows(2)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(l.id);
                if !categories.is_empty() {
                    ui.horizontal_wrapped(|ui| {
                        ui.label("Kind of question:");
                        for c in categories {
                            ui.radio_value(&mut q.category, c.clone(), c);
                        }
                    });
                }
                if ui.button("Remove this question").clicked() {
                    remove = Some(i);
                }
            });
        });
    }
    if let Some(i) = remove {
        list.remove(i);
    }
    if ui.button("Add a question").clicked() {
        list.push(QuestionDraft {
            text: String::new(),
            category: String::new(),
            why: String::new(),
        });
    }
    if list.is_empty() {
        file.answers.remove(step);
    }
}
