//! The session runner: executes a template for a couple, one action at a time, into a
//! `Session` record.
//!
//! Pure: no egui, no file system, no clock. Every action takes `now`; the caller saves the
//! record. Actions that cannot apply return a `RunError` and change nothing.

mod action;
pub mod facts;
mod kinds;
pub mod takehome;

use crate::model::{
    Bindings, CoupleFacts, CoupleId, LogEntry, LogEvent, Partner, QuestionsRecord, Respondent,
    Respondents, Role, SESSION_FORMAT, SafetyDecision, Session, SessionId, StepData, StepRecord,
    StepStatus, Visibility, letters,
};
use crate::template::{Gate, KindMismatch, Step, StepKind, StepView, StepViewMut, Template};
use chrono::{DateTime, Utc};

pub use action::Action;

/// Why an action was refused. Messages never contain what a partner said or wrote.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("the template needs role {0:?} bound to a partner before the session can start")]
    Unbound(Role),
    #[error("this protocol is locked: {}", .0.join("; "))]
    Locked(Vec<String>),
    #[error("the session cannot move on yet: {}", .0.join("; "))]
    Gated(Vec<String>),
    #[error("this is the first step")]
    AtFirstStep,
    #[error("this is the last step: end the session to finish")]
    AtLastStep,
    #[error("the session has ended")]
    Ended,
    #[error("the session is paused: resume it first ({action} waits until then)")]
    Paused { action: &'static str },
    #[error("{action} does not apply to a {kind} step")]
    WrongStep {
        action: &'static str,
        kind: &'static str,
    },
    #[error("the text is empty")]
    EmptyText,
    #[error("{0}")]
    Refused(String),
    #[error("the session record does not match template {template_id}: {reason}")]
    TemplateMismatch { template_id: String, reason: String },
    /// A step's record is not of its step's kind. `start` makes every record from its
    /// step and `resume` refuses a session where one does not pair, so a running session
    /// never reports it.
    #[error(transparent)]
    KindMismatch(#[from] KindMismatch),
}

/// What the caller passes to start a session.
#[derive(Clone, Debug)]
pub struct Start {
    pub session: SessionId,
    pub couple: CoupleId,
    pub bindings: Bindings,
    pub facts: CoupleFacts,
    /// A question list carried over from an earlier session (e.g. the hurt partner's list
    /// prepared before the disclosure session).
    pub questions: Option<QuestionsRecord>,
}

/// A clock against its plan: the step on screen against its timebox (`Runner::timer`),
/// or the whole session against the template's length (`Runner::session_timer`). Paused
/// time never counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    pub elapsed_secs: i64,
    pub limit_secs: Option<i64>,
}

impl Timer {
    pub fn is_over(&self) -> bool {
        self.limit_secs
            .is_some_and(|limit| self.elapsed_secs > limit)
    }

    pub fn remaining_secs(&self) -> Option<i64> {
        self.limit_secs.map(|limit| limit - self.elapsed_secs)
    }

    /// How far past its plan the clock is, once it is.
    pub fn over_by_secs(&self) -> Option<i64> {
        self.limit_secs
            .map(|limit| self.elapsed_secs - limit)
            .filter(|over| *over > 0)
    }
}

/// A template running for one couple.
#[derive(Clone, Debug)]
pub struct Runner {
    template: Template,
    /// The step's data before its last entry, while the session has not moved on: what
    /// `Action::Undo` restores. Not saved: a session taken up again has nothing to undo.
    undo: Option<Undo>,
    /// For each record in `session.steps`: the path to its step in the template.
    paths: Vec<Vec<usize>>,
    session: Session,
    facts: CoupleFacts,
    carried_questions: Option<QuestionsRecord>,
}

/// What an undo restores: the data of record `index` before its last entry.
#[derive(Clone, Debug)]
struct Undo {
    index: usize,
    data: StepData,
}

/// Whether an action is an entry that `Action::Undo` may take back: something recorded
/// in the step (a message, a mirror, a verdict, a floor turn, a question and its status,
/// an answer, a commitment, a reply). Typed fields that stay editable (texts, choices,
/// ticks, ratings), the clinician's note, confirmations, visibility and navigation are not.
fn is_undoable(action: &Action) -> bool {
    match action {
        Action::SpeakerSays(_)
        | Action::Mirror(_)
        | Action::Verdict { .. }
        | Action::StageAttempt { .. }
        | Action::StageVerdict { .. }
        | Action::PassFloor
        | Action::FloorChunk(_)
        | Action::FloorParaphrase { .. }
        | Action::Breach { .. }
        | Action::TimeOut { .. }
        | Action::Resume
        | Action::AddQuestion { .. }
        | Action::EditQuestion { .. }
        | Action::SetQuestionStatus { .. }
        | Action::SetCaution { .. }
        | Action::MoveQuestion { .. }
        | Action::AnswerQuestion { .. }
        | Action::ReleaseQuestions
        | Action::AddCommitment(_)
        | Action::EditCommitment { .. }
        | Action::RemoveCommitment { .. }
        | Action::ReplyToPoint { .. } => true,
        Action::Next
        | Action::Back
        | Action::Skip { .. }
        | Action::SwapRoles
        | Action::ConfirmGate { .. }
        | Action::Note(_)
        | Action::SetVisibility(_)
        | Action::End
        | Action::Reopen
        | Action::Undo
        | Action::PauseSession
        | Action::ResumeSession
        | Action::Rate { .. }
        | Action::WriteText { .. }
        | Action::Choose { .. }
        | Action::Check { .. }
        | Action::AnswerItem { .. } => false,
    }
}

/// One step as run: where it is in the template, its pass, and whether roles are swapped.
struct Instance {
    path: Vec<usize>,
    pass: u32,
    swapped: bool,
}

fn flatten(
    steps: &[Step],
    path: &mut Vec<usize>,
    pass: u32,
    swapped: bool,
    out: &mut Vec<Instance>,
) {
    let mut swapped = swapped;
    for (i, step) in steps.iter().enumerate() {
        path.push(i);
        match &step.kind {
            StepKind::Repeat {
                times,
                swap_roles,
                steps: inner,
            } => {
                for p in 1..=*times {
                    let pass_swapped = swapped ^ (*swap_roles && p % 2 == 0);
                    flatten(inner, path, p, pass_swapped, out);
                }
            }
            StepKind::SwapRoles => {
                swapped = !swapped;
                out.push(Instance {
                    path: path.clone(),
                    pass,
                    swapped,
                });
            }
            StepKind::Script
            | StepKind::ParaphraseLoop { .. }
            | StepKind::Floor { .. }
            | StepKind::Questions { .. }
            | StepKind::Plan { .. }
            | StepKind::Rating { .. }
            | StepKind::Text { .. }
            | StepKind::Choice { .. }
            | StepKind::Checklist { .. }
            | StepKind::YesNo { .. }
            | StepKind::Reply { .. } => out.push(Instance {
                path: path.clone(),
                pass,
                swapped,
            }),
        }
        path.pop();
    }
}

fn step_at<'t>(steps: &'t [Step], path: &[usize]) -> Option<&'t Step> {
    let (first, rest) = path.split_first()?;
    let step = steps.get(*first)?;
    if rest.is_empty() {
        return Some(step);
    }
    step_at(step.kind.nested_steps(), rest)
}

fn gate_holds_for_facts(gate: &Gate, facts: &CoupleFacts) -> bool {
    match gate {
        Gate::BothScreened => Partner::BOTH.iter().all(|p| facts.screened.contains(p)),
        Gate::JointWorkCleared => matches!(
            facts.safety_decision,
            Some(SafetyDecision::JointWork | SafetyDecision::JointWorkWithSafetyProtocol)
        ),
        _ => true,
    }
}

/// `text` with its first letter in lower case, unless it starts a name or a placeholder
/// (a statement quoted after "confirm that").
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_uppercase() && chars.next().is_some_and(char::is_lowercase) => {
            // "I spoke…" keeps its capital: a pronoun.
            if text.starts_with("I ") {
                text.to_string()
            } else {
                first
                    .to_lowercase()
                    .chain(text[first.len_utf8()..].chars())
                    .collect()
            }
        }
        _ => text.to_string(),
    }
}

/// The gates of `requires` that do not hold for these facts, described.
pub fn locked_because(template: &Template, facts: &CoupleFacts) -> Vec<String> {
    template
        .requires
        .iter()
        .filter(|g| !gate_holds_for_facts(g, facts))
        .map(ToString::to_string)
        .collect()
}

/// Who may answer a step with these respondents, under these bindings.
pub fn respondents_of(respondents: Respondents, roles: Bindings) -> Vec<Respondent> {
    match respondents {
        Respondents::Joint => vec![Respondent::Joint],
        Respondents::Each => Partner::BOTH.map(Respondent::Partner).to_vec(),
        Respondents::Role(role) => roles
            .partner(role)
            .map(Respondent::Partner)
            .into_iter()
            .collect(),
        Respondents::Clinician => vec![Respondent::Clinician],
    }
}

impl Runner {
    /// Start a session: checks the template's locks and role bindings, lays out every
    /// step (repeats unrolled), and enters the first.
    pub fn start(
        template: &Template,
        start: Start,
        now: DateTime<Utc>,
    ) -> Result<Runner, RunError> {
        let locked = locked_because(template, &start.facts);
        if !locked.is_empty() {
            return Err(RunError::Locked(locked));
        }
        for role in &template.roles {
            if start.bindings.partner(*role).is_none() {
                return Err(RunError::Unbound(*role));
            }
        }
        let mut instances = Vec::new();
        flatten(&template.steps, &mut Vec::new(), 1, false, &mut instances);
        if instances.is_empty() {
            return Err(RunError::TemplateMismatch {
                template_id: template.id.clone(),
                reason: "the template has no steps to run".into(),
            });
        }
        let mut steps = Vec::with_capacity(instances.len());
        for instance in &instances {
            let step = step_at(&template.steps, &instance.path).ok_or_else(|| {
                RunError::TemplateMismatch {
                    template_id: template.id.clone(),
                    reason: "a step path does not resolve".into(),
                }
            })?;
            let roles = if instance.swapped {
                start.bindings.swapped()
            } else {
                start.bindings
            };
            steps.push(StepRecord {
                step_id: step.id.clone(),
                pass: instance.pass,
                visibility: step.visibility,
                roles,
                status: StepStatus::Pending,
                first_entered_at: None,
                visit_started_at: None,
                active_secs: 0,
                skip_reason: None,
                confirmations: Vec::new(),
                clinician_note: String::new(),
                data: kinds::blank(&step.kind, roles),
            });
        }
        let session = Session {
            format: SESSION_FORMAT,
            id: start.session,
            couple: start.couple,
            template_id: template.id.clone(),
            template_title: template.title.clone(),
            protocol: crate::template::fingerprint(template),
            screen: template.screen.clone().map(Box::new),
            started_at: now,
            ended_at: None,
            bindings: start.bindings,
            current: 0,
            steps,
            log: vec![LogEntry {
                at: now,
                step: 0,
                event: LogEvent::Started,
            }],
            drafts: Default::default(),
            take_home: None,
            paused_at: None,
            paused_secs: 0,
            ended_secs: 0,
        };
        let mut runner = Runner {
            undo: None,
            template: template.clone(),
            paths: instances.into_iter().map(|i| i.path).collect(),
            session,
            facts: start.facts,
            carried_questions: start.questions,
        };
        runner.enter(now);
        Ok(runner)
    }

    /// Take up a saved session again with its template.
    pub fn resume(
        template: &Template,
        session: Session,
        facts: CoupleFacts,
    ) -> Result<Runner, RunError> {
        let mismatch = |reason: &str| RunError::TemplateMismatch {
            template_id: template.id.clone(),
            reason: reason.to_string(),
        };
        if session.template_id != template.id {
            return Err(mismatch("the session was run with another template"));
        }
        let mut instances = Vec::new();
        flatten(&template.steps, &mut Vec::new(), 1, false, &mut instances);
        if instances.len() != session.steps.len() {
            return Err(mismatch("the number of steps differs"));
        }
        for (instance, record) in instances.iter().zip(&session.steps) {
            let step = step_at(&template.steps, &instance.path)
                .filter(|s| s.id == record.step_id && instance.pass == record.pass)
                .ok_or_else(|| mismatch("the steps differ"))?;
            // The one check that every record pairs with its step: what follows relies
            // on it (see `current_view`).
            StepView::pair(step, &record.data).map_err(|e| mismatch(&e.to_string()))?;
        }
        if session.current >= session.steps.len() {
            return Err(mismatch("the current step is out of range"));
        }
        Ok(Runner {
            undo: None,
            template: template.clone(),
            paths: instances.into_iter().map(|i| i.path).collect(),
            session,
            facts,
            carried_questions: None,
        })
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn into_session(self) -> Session {
        self.session
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    pub fn is_ended(&self) -> bool {
        self.session.ended_at.is_some()
    }

    /// Whether the session is paused (a paused session saved and taken up again stays
    /// paused until the therapist resumes it).
    pub fn is_paused(&self) -> bool {
        self.session.is_paused()
    }

    /// Keep text typed but not yet submitted; an empty text removes the draft.
    pub fn set_draft(&mut self, key: &str, text: String) {
        if text.is_empty() {
            self.session.drafts.remove(key);
        } else {
            self.session.drafts.insert(key.to_string(), text);
        }
    }

    /// A draft typed earlier, or empty.
    pub fn draft(&self, key: &str) -> &str {
        self.session.drafts.get(key).map_or("", String::as_str)
    }

    /// Whether the step on screen has something for `partner` to fill in on their own:
    /// their text, choice, ticks or ratings, their own question list, or the reply letter
    /// they write (what hand-over mode may give them).
    pub fn has_part(&self, partner: Partner) -> bool {
        let roles = self.current().1.roles;
        let me = crate::model::Respondent::Partner(partner);
        let Ok(view) = self.current_view() else {
            // The session screen shows the mismatch; nothing is handed over.
            return false;
        };
        match view {
            StepView::Text { respondents, .. }
            | StepView::Choice { respondents, .. }
            | StepView::Checklist { respondents, .. }
            | StepView::YesNo { respondents, .. } => {
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

    /// The template step behind record `index`.
    pub fn step_def(&self, index: usize) -> Option<&Step> {
        self.paths
            .get(index)
            .and_then(|path| step_at(&self.template.steps, path))
    }

    /// The step on screen paired with its record's data, to act on it by kind. `start`
    /// and `resume` make sure every record pairs with its step, so this fails only on a
    /// record changed behind the runner's back.
    pub fn current_view(&self) -> Result<StepView<'_>, KindMismatch> {
        let (step, record) = self.current();
        StepView::pair(step, &record.data)
    }

    /// The step on screen and its record.
    pub fn current(&self) -> (&Step, &StepRecord) {
        let index = self.session.current;
        let record = &self.session.steps[index];
        // Paths were built from this template, so the lookup cannot miss; fall back to the
        // first top-level step rather than panic.
        let step = self.step_def(index).unwrap_or(&self.template.steps[0]);
        (step, record)
    }

    /// Text from step `index` with role placeholders filled in from `names` (and pronoun
    /// placeholders from the partners' pronouns).
    pub fn fill(&self, index: usize, text: &str, names: &crate::model::PartnerNames) -> String {
        let roles = self
            .session
            .steps
            .get(index)
            .map_or(self.session.bindings, |r| r.roles);
        crate::template::fill_people(text, |role| {
            roles
                .partner(role)
                .map(|p| (names.of(p).to_string(), names.pronouns(p)))
        })
    }

    /// The timer of the step on screen: its time over every visit, stopped while the
    /// session is paused.
    pub fn timer(&self, now: DateTime<Utc>) -> Timer {
        let (step, record) = self.current();
        let running = record
            .visit_started_at
            .map_or(0, |start| (now - start).num_seconds().max(0));
        Timer {
            elapsed_secs: record.active_secs + running,
            limit_secs: step.timebox_mins.map(|m| i64::from(m) * 60),
        }
    }

    /// The session clock: the time since the session started less every pause, against
    /// the template's planned length (`length_mins`, when it gives one).
    pub fn session_timer(&self, now: DateTime<Utc>) -> Timer {
        Timer {
            elapsed_secs: self.session.active_secs_at(now),
            limit_secs: (self.template.length_mins > 0)
                .then(|| i64::from(self.template.length_mins) * 60),
        }
    }

    /// The gates of the step on screen that do not hold now, described for the therapist
    /// (steps by their titles; role placeholders left for the caller to fill with names).
    pub fn blocking_gates(&self) -> Vec<String> {
        let (step, record) = self.current();
        let title = |id: &str| {
            crate::template::find_step(&self.template.steps, id)
                .map_or_else(|| id.to_string(), |s| s.title.clone())
        };
        step.gates
            .iter()
            .filter(|gate| !self.gate_holds(gate, record))
            .map(|gate| match gate {
                Gate::Completed(id) if *id == step.id => {
                    "everything this step asks for must be done (every item answered)".to_string()
                }
                Gate::Completed(id) => format!("\"{}\" must be completed", title(id)),
                Gate::AllChecked(id) if *id == step.id => "every item must be ticked".to_string(),
                Gate::AllChecked(id) => format!("every item of \"{}\" must be ticked", title(id)),
                Gate::Confirm(statement) => format!("confirm that {}", lowercase_first(statement)),
                Gate::BothScreened | Gate::JointWorkCleared => gate.to_string(),
            })
            .collect()
    }

    fn gate_holds(&self, gate: &Gate, current: &StepRecord) -> bool {
        let upto = &self.session.steps[..=self.session.current];
        match gate {
            Gate::Completed(id) => {
                let mut matching = upto
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| &r.step_id == id)
                    .peekable();
                matching.peek().is_some()
                    && matching.all(|(i, r)| {
                        r.status == StepStatus::Done
                            || (i == self.session.current && self.is_complete(i))
                    })
            }
            Gate::AllChecked(id) => upto
                .iter()
                .enumerate()
                .rev()
                .find(|(_, r)| &r.step_id == id)
                .is_some_and(|(i, r)| {
                    self.view(i)
                        .is_some_and(|view| kinds::all_checked(view, r.roles))
                }),
            Gate::Confirm(statement) => current
                .confirmations
                .iter()
                .any(|c| &c.statement == statement),
            Gate::BothScreened | Gate::JointWorkCleared => gate_holds_for_facts(gate, &self.facts),
        }
    }

    /// Whether record `index` has what its step asks for.
    pub fn is_complete(&self, index: usize) -> bool {
        match (self.view(index), self.session.steps.get(index)) {
            (Some(view), Some(record)) => {
                kinds::is_complete(view, record.roles, self.letter_for(index))
            }
            _ => false,
        }
    }

    /// Record `index` paired with its step; `None` when there is no such record, or
    /// when it does not pair, which `start` and `resume` rule out.
    fn view(&self, index: usize) -> Option<StepView<'_>> {
        let record = self.session.steps.get(index)?;
        StepView::pair(self.step_def(index)?, &record.data).ok()
    }

    /// For a `Reply` step at record `index`: the text of the letter it answers, as it
    /// reads now (the latest earlier record of the letter's step; the entry of the partner
    /// who is not the reply's author, or its only entry).
    pub fn letter_for(&self, index: usize) -> Option<&str> {
        let StepData::Reply(reply) = &self.session.steps.get(index)?.data else {
            return None;
        };
        letters::letter_text(
            self.session.steps[..index].iter(),
            &reply.letter_step,
            reply.author,
        )
    }

    /// For a `Reply` step at record `index`: each point of the letter answered or not, and
    /// answers to points since edited out of it. `None` for other steps.
    pub fn coverage(&self, index: usize) -> Option<letters::Coverage> {
        let StepData::Reply(reply) = &self.session.steps.get(index)?.data else {
            return None;
        };
        Some(letters::coverage(
            self.letter_for(index).unwrap_or(""),
            reply,
        ))
    }

    /// Whether the last entry of the step on screen can be taken back (`Action::Undo`).
    pub fn can_undo(&self) -> bool {
        !self.is_ended()
            && self
                .undo
                .as_ref()
                .is_some_and(|u| u.index == self.session.current)
    }

    /// Apply one action. On error nothing changes. While the session is paused only what
    /// `Action::applies_while_paused` allows is applied; the rest is refused with
    /// `RunError::Paused`.
    pub fn apply(&mut self, action: Action, now: DateTime<Utc>) -> Result<(), RunError> {
        if let Action::Reopen = action {
            return self.reopen(now);
        }
        if self.is_ended() {
            return Err(RunError::Ended);
        }
        if self.is_paused() && !action.applies_while_paused() {
            if action == Action::PauseSession {
                return Err(RunError::Refused("the session is already paused".into()));
            }
            return Err(RunError::Paused {
                action: action.name(),
            });
        }
        let index = self.session.current;
        let undoable = is_undoable(&action);
        let before = undoable.then(|| self.session.steps[index].data.clone());
        let navigates = matches!(
            action,
            Action::Next | Action::Back | Action::Skip { .. } | Action::End | Action::SwapRoles
        );
        self.apply_inner(action, now)?;
        if let Some(data) = before {
            self.undo = Some(Undo { index, data });
        } else if navigates {
            // The session moved on: what was recorded stands.
            self.undo = None;
        }
        Ok(())
    }

    fn apply_inner(&mut self, action: Action, now: DateTime<Utc>) -> Result<(), RunError> {
        match action {
            Action::Next => self.next(now),
            Action::Back => self.back(now),
            Action::Skip { reason } => self.skip(reason, now),
            Action::SwapRoles => self.swap_roles(now),
            Action::Reopen => self.reopen(now),
            Action::Undo => self.take_back(now),
            Action::ConfirmGate { statement } => self.confirm(statement, now),
            Action::Note(text) => {
                let index = self.session.current;
                self.session.steps[index].clinician_note = text;
                Ok(())
            }
            Action::SetVisibility(visibility) => self.set_visibility(visibility),
            Action::End => {
                // Ending a paused session ends its pause too.
                self.close_pause(now);
                self.leave(now, None);
                self.session.ended_at = Some(now);
                self.log(now, LogEvent::Ended);
                Ok(())
            }
            Action::PauseSession => {
                let index = self.session.current;
                let record = &mut self.session.steps[index];
                // The visit so far is banked; the step's timer stands still until resumed.
                if let Some(start) = record.visit_started_at.take() {
                    record.active_secs += (now - start).num_seconds().max(0);
                }
                self.session.paused_at = Some(now);
                self.log(now, LogEvent::Paused);
                Ok(())
            }
            Action::ResumeSession => {
                if !self.is_paused() {
                    return Err(RunError::Refused("the session is not paused".into()));
                }
                self.close_pause(now);
                let index = self.session.current;
                self.session.steps[index].visit_started_at = Some(now);
                self.log(now, LogEvent::Resumed);
                Ok(())
            }
            other => {
                let index = self.session.current;
                let letter = self.letter_for(index).map(str::to_string);
                let step = self
                    .step_def(index)
                    .ok_or(RunError::Refused("the current step is missing".into()))?
                    .clone();
                let record = &mut self.session.steps[index];
                let view = StepViewMut::pair(&step, &mut record.data)?;
                kinds::apply(view, record.roles, letter.as_deref(), other, now)
            }
        }
    }

    /// Record an entry in step `index` without moving through the session: a take-home
    /// worksheet is filled in outside the session, in any order, so no gate is passed
    /// and nothing is navigated. Only entries (text, choices, ticks, ratings, questions)
    /// can be recorded this way.
    pub fn record_out_of_order(
        &mut self,
        index: usize,
        action: Action,
        now: DateTime<Utc>,
    ) -> Result<(), RunError> {
        if self.is_ended() {
            return Err(RunError::Ended);
        }
        if self.is_paused() {
            return Err(RunError::Paused {
                action: action.name(),
            });
        }
        if !matches!(
            action,
            Action::WriteText { .. }
                | Action::Choose { .. }
                | Action::Check { .. }
                | Action::AnswerItem { .. }
                | Action::Rate { .. }
                | Action::AddQuestion { .. }
        ) {
            return Err(RunError::Refused(format!(
                "{} cannot be recorded outside the session's order",
                action.name()
            )));
        }
        let step = self
            .step_def(index)
            .ok_or(RunError::Refused("there is no such step".into()))?
            .clone();
        let carried = self.carried_questions_for(index);
        let record = &mut self.session.steps[index];
        let mut updated = record.clone();
        let roles = updated.roles;
        if updated.first_entered_at.is_none() {
            // As on entering the step: a question list starts from the one carried in.
            kinds::on_enter(
                StepViewMut::pair(&step, &mut updated.data)?,
                roles,
                now,
                carried,
            );
            updated.first_entered_at = Some(now);
        }
        let view = StepViewMut::pair(&step, &mut updated.data)?;
        kinds::apply(view, roles, None, action, now)?;
        *record = updated;
        if index != self.session.current {
            let complete = self.is_complete(index);
            self.session.steps[index].status = if complete {
                StepStatus::Done
            } else {
                StepStatus::Incomplete
            };
        }
        Ok(())
    }

    /// Mark the session as made from a take-home worksheet, once it has ended: nothing
    /// was timed at home, and a step nobody filled in was not reached (it was only
    /// entered because a session starts on its first step).
    pub fn finish_take_home(&mut self, id: crate::model::WorksheetId) {
        self.session.take_home = Some(id);
        for record in &mut self.session.steps {
            record.active_secs = 0;
            record.visit_started_at = None;
            if !record.data.has_anything_recorded() {
                record.status = StepStatus::Pending;
                record.first_entered_at = None;
            }
        }
    }

    fn set_visibility(&mut self, visibility: Visibility) -> Result<(), RunError> {
        let index = self.session.current;
        let paused = self.session.is_paused();
        let is_screen = crate::model::screen_of(&self.session).is_some();
        let record = &mut self.session.steps[index];
        if visibility.is_wider_than(record.visibility) {
            // More private at any time; shown more widely only while the session runs.
            if paused {
                return Err(RunError::Paused {
                    action: Action::SetVisibility(visibility).name(),
                });
            }
            if is_screen {
                return Err(RunError::Refused(
                    "the safety screen is never shown more widely".into(),
                ));
            }
            if record.data.has_anything_recorded() {
                return Err(RunError::Refused(
                    "something was already recorded here in confidence; it can be made more private, not less"
                        .into(),
                ));
            }
        }
        record.visibility = visibility;
        Ok(())
    }

    /// End the pause under way, if any: its time joins the paused total.
    fn close_pause(&mut self, now: DateTime<Utc>) {
        if let Some(since) = self.session.paused_at.take() {
            self.session.paused_secs += (now - since).num_seconds().max(0);
        }
    }

    fn log(&mut self, at: DateTime<Utc>, event: LogEvent) {
        self.session.log.push(LogEntry {
            at,
            step: self.session.current,
            event,
        });
    }

    fn check_gates(&mut self, now: DateTime<Utc>) -> Result<(), RunError> {
        let blocking = self.blocking_gates();
        if blocking.is_empty() {
            Ok(())
        } else {
            self.log(now, LogEvent::GateBlocked);
            Err(RunError::Gated(blocking))
        }
    }

    fn next(&mut self, now: DateTime<Utc>) -> Result<(), RunError> {
        if self.session.current + 1 >= self.session.steps.len() {
            return Err(RunError::AtLastStep);
        }
        self.check_gates(now)?;
        self.log(now, LogEvent::Next);
        self.leave(now, None);
        self.session.current += 1;
        self.enter(now);
        Ok(())
    }

    fn back(&mut self, now: DateTime<Utc>) -> Result<(), RunError> {
        if self.session.current == 0 {
            return Err(RunError::AtFirstStep);
        }
        self.log(now, LogEvent::Back);
        self.leave(now, None);
        self.session.current -= 1;
        self.enter(now);
        Ok(())
    }

    fn skip(&mut self, reason: String, now: DateTime<Utc>) -> Result<(), RunError> {
        self.check_gates(now)?;
        self.log(now, LogEvent::Skipped);
        self.leave(now, Some(reason));
        if self.session.current + 1 < self.session.steps.len() {
            self.session.current += 1;
            self.enter(now);
        }
        Ok(())
    }

    /// Take the ended session up again on the step it ended on.
    fn reopen(&mut self, now: DateTime<Utc>) -> Result<(), RunError> {
        if !self.is_ended() {
            return Err(RunError::Refused("the session has not ended".into()));
        }
        // The time it stood ended does not count towards its length.
        if let Some(ended) = self.session.ended_at.take() {
            self.session.ended_secs += (now - ended).num_seconds().max(0);
        }
        self.log(now, LogEvent::Reopened);
        self.enter(now);
        Ok(())
    }

    /// Restore the step's data from before its last entry.
    fn take_back(&mut self, now: DateTime<Utc>) -> Result<(), RunError> {
        let index = self.session.current;
        let undo = self
            .undo
            .take_if(|u| u.index == index)
            .ok_or_else(|| RunError::Refused("there is nothing to undo in this step".into()))?;
        self.session.steps[index].data = undo.data;
        self.log(now, LogEvent::Undone);
        Ok(())
    }

    fn swap_roles(&mut self, now: DateTime<Utc>) -> Result<(), RunError> {
        if !self.template.roles.contains(&Role::Speaker) {
            return Err(RunError::Refused(
                "this protocol has no speaker and listener to swap".into(),
            ));
        }
        let current = self.session.current;
        if self.session.steps[current].data.has_anything_recorded() {
            return Err(RunError::Refused(
                "this step already has entries: finish or skip it before swapping roles".into(),
            ));
        }
        for index in current..self.session.steps.len() {
            let Some(step) = self.step_def(index).cloned() else {
                continue;
            };
            let record = &mut self.session.steps[index];
            if index == current || record.status == StepStatus::Pending {
                let roles = record.roles.swapped();
                let mut fresh = kinds::blank(&step.kind, roles);
                if index == current {
                    // The step on screen comes first: this fails, if ever, before
                    // anything changed.
                    kinds::on_enter(StepViewMut::pair(&step, &mut fresh)?, roles, now, None);
                }
                record.roles = roles;
                record.data = fresh;
            }
        }
        self.log(now, LogEvent::RolesSwapped);
        Ok(())
    }

    fn confirm(&mut self, statement: String, now: DateTime<Utc>) -> Result<(), RunError> {
        let (step, record) = self.current();
        let known = step
            .gates
            .iter()
            .any(|g| matches!(g, Gate::Confirm(s) if *s == statement));
        if !known {
            return Err(RunError::Refused(
                "this step has no such confirmation".into(),
            ));
        }
        if record
            .confirmations
            .iter()
            .any(|c| c.statement == statement)
        {
            return Ok(());
        }
        let index = self.session.current;
        self.session.steps[index]
            .confirmations
            .push(crate::model::Confirmation { statement, at: now });
        Ok(())
    }

    fn enter(&mut self, now: DateTime<Utc>) {
        let index = self.session.current;
        let carried = self.carried_questions_for(index);
        let Some(step) = self.step_def(index).cloned() else {
            return;
        };
        let record = &mut self.session.steps[index];
        if record.first_entered_at.is_none() {
            record.first_entered_at = Some(now);
            // `start` and `resume` make sure the record pairs with its step.
            if let Ok(view) = StepViewMut::pair(&step, &mut record.data) {
                kinds::on_enter(view, record.roles, now, carried);
            }
        }
        record.status = StepStatus::Active;
        record.visit_started_at = Some(now);
        self.log(now, LogEvent::Entered);
    }

    /// The question list a Questions step starts from: the latest earlier list in this
    /// session with the same owner, else the one carried in at start.
    fn carried_questions_for(&self, index: usize) -> Option<QuestionsRecord> {
        let StepData::Questions(blank) = &self.session.steps.get(index)?.data else {
            return None;
        };
        self.session.steps[..index]
            .iter()
            .rev()
            .find_map(|r| {
                let StepData::Questions(q) = &r.data else {
                    return None;
                };
                (q.owner == blank.owner && !q.items.is_empty()).then(|| q.clone())
            })
            .or_else(|| {
                self.carried_questions
                    .clone()
                    .filter(|q| q.owner == blank.owner)
            })
    }

    fn leave(&mut self, now: DateTime<Utc>, skip_reason: Option<String>) {
        let index = self.session.current;
        let complete = self.is_complete(index);
        let record = &mut self.session.steps[index];
        if let Some(start) = record.visit_started_at.take() {
            record.active_secs += (now - start).num_seconds().max(0);
        }
        record.status = match skip_reason {
            Some(reason) => {
                record.skip_reason = Some(reason);
                StepStatus::Skipped
            }
            None if complete => {
                // Finished after all: the reason it was skipped no longer applies.
                record.skip_reason = None;
                StepStatus::Done
            }
            // Passed through again (Back, then on): still skipped, for the same reason.
            None if record.skip_reason.is_some() => StepStatus::Skipped,
            None => StepStatus::Incomplete,
        };
    }
}

#[cfg(test)]
mod tests;
