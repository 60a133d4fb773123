//! The session record: what happened in a session, step by step, in a form that notes,
//! progress views and PDFs can be produced from later. Persisted as RON.
//!
//! Pure data: no clock, no file system, no egui.

use super::{Bindings, CoupleId, Partner, Respondent, SessionId, Visibility};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Format version written into every session record.
pub const SESSION_FORMAT: u32 = 1;

/// One run of a template with one couple.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub format: u32,
    pub id: SessionId,
    pub couple: CoupleId,
    pub template_id: String,
    pub template_title: String,
    /// The fingerprint of the exact protocol version it ran (`template::fingerprint`),
    /// kept in the vault as a protocol record; none in sessions recorded before versions
    /// were kept, which read the library's current version.
    #[serde(default)]
    pub protocol: Option<String>,
    /// When the protocol is a safety screen, its declaration (see `model::screen`), so the
    /// safety gate reads the session whatever becomes of the protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<Box<super::ScreenSpec>>,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    /// The roles as bound at start (before any swap).
    pub bindings: Bindings,
    /// Index into `steps` of the step on screen.
    pub current: usize,
    /// One entry per step as run: a step inside a repeat appears once per pass.
    pub steps: Vec<StepRecord>,
    /// Navigation, role changes and pauses, in order.
    #[serde(default)]
    pub log: Vec<LogEntry>,
    /// Text typed into the session's fields but not yet submitted (a mirror being
    /// written, say), by field key, so that a crash loses no typed word.
    #[serde(default)]
    pub drafts: BTreeMap<String, String>,
    /// Set when the session was made from a take-home worksheet the couple filled in at
    /// home (see `model::takehome`).
    #[serde(default)]
    pub take_home: Option<super::WorksheetId>,
    /// When the therapist paused the session, while it is paused. Nothing is recorded and
    /// no clock runs until it is resumed (or ended).
    #[serde(default)]
    pub paused_at: Option<DateTime<Utc>>,
    /// Time spent paused over the pauses that are over; a pause under way counts from
    /// `paused_at`.
    #[serde(default)]
    pub paused_secs: i64,
    /// Time the session spent ended before it was reopened: like a pause, it does not
    /// count towards the session's length (but it is not reported as one).
    #[serde(default)]
    pub ended_secs: i64,
}

impl Session {
    pub fn is_paused(&self) -> bool {
        self.paused_at.is_some()
    }

    /// Time spent paused up to `now`: the pauses that are over, and the one under way.
    pub fn paused_secs_at(&self, now: DateTime<Utc>) -> i64 {
        let running = self
            .paused_at
            .map_or(0, |since| (now - since).num_seconds().max(0));
        self.paused_secs + running
    }

    /// How long the session has run at `now` (or ran, once ended): the time since it
    /// started, less every pause. Stands still while the session is paused, at what it
    /// read when the pause began (as the step's timer does, to the second).
    pub fn active_secs_at(&self, now: DateTime<Utc>) -> i64 {
        let secs = match (self.ended_at, self.paused_at) {
            (None, Some(since)) => (since - self.started_at).num_seconds() - self.paused_secs,
            (end, _) => {
                let end = end.unwrap_or(now);
                (end - self.started_at).num_seconds() - self.paused_secs_at(end)
            }
        } - self.ended_secs;
        secs.max(0)
    }

    /// How many times the session was paused.
    pub fn pause_count(&self) -> usize {
        self.log
            .iter()
            .filter(|entry| entry.event == LogEvent::Paused)
            .count()
    }
}

/// Where a step stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepStatus {
    /// Not reached yet.
    #[default]
    Pending,
    /// On screen now, or visited and returned to.
    Active,
    /// Left with what the step asks for recorded.
    Done,
    /// Left with the session moving on before the step was complete.
    Incomplete,
    /// Skipped by the therapist, with a reason.
    Skipped,
}

/// What happened in one step (one pass of it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step_id: String,
    /// 1 for a step outside any repeat; the pass number inside a repeat.
    pub pass: u32,
    pub visibility: Visibility,
    /// The roles in force for this step (after repeats and swaps).
    pub roles: Bindings,
    #[serde(default)]
    pub status: StepStatus,
    #[serde(default)]
    pub first_entered_at: Option<DateTime<Utc>>,
    /// Start of the current visit (or of its part since the session was last resumed),
    /// while the step is on screen and the session runs; `None` while paused.
    #[serde(default)]
    pub visit_started_at: Option<DateTime<Utc>>,
    /// Time on this step over all finished visits (and the parts of the current one
    /// before each pause): paused time never counts.
    #[serde(default)]
    pub active_secs: i64,
    #[serde(default)]
    pub skip_reason: Option<String>,
    /// Therapist confirmations given to this step's `Confirm` gates.
    #[serde(default)]
    pub confirmations: Vec<Confirmation>,
    /// The clinician's note beside this step. Never shown to the couple.
    #[serde(default)]
    pub clinician_note: String,
    pub data: StepData,
}

/// A therapist's confirmation of a gate statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub statement: String,
    pub at: DateTime<Utc>,
}

/// What a step recorded, by kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StepData {
    Script,
    SwapRoles,
    Loop(LoopRecord),
    Floor(FloorRecord),
    Questions(QuestionsRecord),
    Plan(PlanRecord),
    Rating(RatingRecord),
    Text(EntriesRecord<String>),
    Choice(EntriesRecord<Vec<String>>),
    Checklist(EntriesRecord<Vec<String>>),
    /// Each respondent's answer to each item, by the item's text.
    YesNo(EntriesRecord<BTreeMap<String, YesNoAnswer>>),
    /// A letter answering another letter point by point.
    Reply(ReplyRecord),
}

impl StepData {
    /// The kind's name, as the variant is called (for messages; never the data itself).
    pub fn name(&self) -> &'static str {
        match self {
            StepData::Script => "Script",
            StepData::SwapRoles => "SwapRoles",
            StepData::Loop(_) => "Loop",
            StepData::Floor(_) => "Floor",
            StepData::Questions(_) => "Questions",
            StepData::Plan(_) => "Plan",
            StepData::Rating(_) => "Rating",
            StepData::Text(_) => "Text",
            StepData::Choice(_) => "Choice",
            StepData::Checklist(_) => "Checklist",
            StepData::YesNo(_) => "YesNo",
            StepData::Reply(_) => "Reply",
        }
    }

    /// True once anyone recorded something in the step: text, a choice, a tick, a
    /// rating, a question, a commitment, an answer to a letter's point, a loop's message,
    /// mirror or stage attempt, or on a floor a turn, a paraphrase, a rule breach, a
    /// time-out or a pass of the floor. What the runner does on its own does not count:
    /// a floor whose only record is its first holder, given on entry, is untouched.
    /// A question list carried over from an earlier step or session counts: it is the
    /// owner's, recorded before.
    ///
    /// The one emptiness rule: the runner refuses to swap roles or widen who sees a step
    /// once this holds, a take-home session leaves a step "not reached" while it does
    /// not, and `redact` withholds a private step whose redacted copy no longer has it.
    pub fn has_anything_recorded(&self) -> bool {
        match self {
            StepData::Script | StepData::SwapRoles => false,
            StepData::Loop(l) => {
                l.message.is_some() || !l.attempts.is_empty() || !l.stages.is_empty()
            }
            StepData::Floor(f) => {
                !f.exchanges.is_empty()
                    || !f.breaches.is_empty()
                    || !f.timeouts.is_empty()
                    || f.holders.len() > 1
            }
            StepData::Questions(q) => !q.items.is_empty(),
            StepData::Plan(p) => !p.commitments.is_empty(),
            StepData::Rating(r) => !r.values.is_empty(),
            StepData::Text(e) => !e.entries.is_empty(),
            StepData::Choice(e) => !e.entries.is_empty(),
            StepData::Checklist(e) => !e.entries.is_empty(),
            StepData::YesNo(e) => e.entries.values().any(|answers| !answers.is_empty()),
            StepData::Reply(r) => !r.replies.is_empty(),
        }
    }
}

/// A navigation, role or pause event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    /// Index of the step the event happened on.
    pub step: usize,
    pub event: LogEvent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogEvent {
    Started,
    Entered,
    Next,
    Back,
    Skipped,
    RolesSwapped,
    GateBlocked,
    /// The therapist paused the session: no clock runs and nothing is recorded.
    Paused,
    /// The session went on after a pause.
    Resumed,
    Ended,
    /// The therapist reopened the ended session.
    Reopened,
    /// The step's last entry was taken back.
    Undone,
}

// ---------------------------------------------------------------------------------------
// Paraphrase loop

/// How the speaker answered one mirror attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MirrorOutcome {
    /// "Yes, that's it", and there is no more.
    Confirmed,
    /// "Not quite": the speaker corrects.
    Corrected,
    /// "You got it, and there's more."
    More,
}

/// Something the speaker said: the first message, a correction or an addition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utterance {
    pub text: String,
    pub at: DateTime<Utc>,
}

/// One attempt of the listener to mirror, and the speaker's answer to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorAttempt {
    pub text: String,
    pub at: DateTime<Utc>,
    /// `None` while the speaker has not answered yet.
    #[serde(default)]
    pub outcome: Option<MirrorOutcome>,
    /// The speaker's correction or addition, when the outcome is not `Confirmed`.
    #[serde(default)]
    pub reply: String,
}

/// An attempt at one of the stages after the loop (summary, validation, empathy).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageAttempt {
    pub text: String,
    /// Feeling words offered (empathy stage only).
    #[serde(default)]
    pub feelings: Vec<String>,
    pub at: DateTime<Utc>,
    /// Whether the speaker accepted it; `None` while unanswered.
    #[serde(default)]
    pub accepted: Option<bool>,
}

/// The stages that may follow a paraphrase loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LoopStage {
    /// "Let me see if I got all of it": a summary the speaker accepts or not.
    Summary,
    /// "You make sense because…"
    Validation,
    /// "I imagine you might feel… Is that it?", with feeling words.
    Empathy,
}

/// Everything a paraphrase loop recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoopRecord {
    pub speaker: Partner,
    pub listener: Partner,
    /// The speaker's first message.
    #[serde(default)]
    pub message: Option<Utterance>,
    /// Every mirror attempt in order, with the speaker's answer.
    #[serde(default)]
    pub attempts: Vec<MirrorAttempt>,
    /// Attempts at the optional stages after the loop, by stage.
    #[serde(default)]
    pub stages: BTreeMap<LoopStage, Vec<StageAttempt>>,
}

impl LoopRecord {
    pub fn new(speaker: Partner, listener: Partner) -> Self {
        LoopRecord {
            speaker,
            listener,
            message: None,
            attempts: Vec::new(),
            stages: BTreeMap::new(),
        }
    }

    /// True once the speaker said "that's it" with nothing more.
    pub fn is_confirmed(&self) -> bool {
        self.attempts
            .last()
            .is_some_and(|a| a.outcome == Some(MirrorOutcome::Confirmed))
    }

    /// How many times the speaker said "there's more".
    pub fn more_cycles(&self) -> usize {
        self.outcome_count(MirrorOutcome::More)
    }

    /// How many times the speaker corrected the mirror.
    pub fn corrections(&self) -> usize {
        self.outcome_count(MirrorOutcome::Corrected)
    }

    fn outcome_count(&self, outcome: MirrorOutcome) -> usize {
        self.attempts
            .iter()
            .filter(|a| a.outcome == Some(outcome))
            .count()
    }

    /// Whether the last attempt at a stage was accepted.
    pub fn stage_accepted(&self, stage: LoopStage) -> Option<bool> {
        self.stages
            .get(&stage)
            .and_then(|attempts| attempts.last())
            .and_then(|a| a.accepted)
    }
}

// ---------------------------------------------------------------------------------------
// Floor

/// How close a paraphrase came, as the speaker judged it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Accuracy {
    Accurate,
    Partly,
    Missed,
}

/// One turn at speaking or paraphrasing while someone holds the floor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Exchange {
    Chunk {
        by: Partner,
        text: String,
        at: DateTime<Utc>,
    },
    Paraphrase {
        by: Partner,
        text: String,
        accuracy: Accuracy,
        at: DateTime<Utc>,
    },
}

/// A rule breach the therapist tapped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    pub rule: String,
    pub by: Partner,
    pub at: DateTime<Utc>,
}

/// A time-out either partner called, and when the talk is to resume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOut {
    pub called_by: Partner,
    pub at: DateTime<Utc>,
    pub resume_at: DateTime<Utc>,
    #[serde(default)]
    pub resumed_at: Option<DateTime<Utc>>,
}

/// A change of who holds the floor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloorChange {
    pub holder: Partner,
    pub at: DateTime<Utc>,
}

/// Everything a speaker–listener floor step recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloorRecord {
    /// Who held the floor from when, the first entry being the start.
    pub holders: Vec<FloorChange>,
    #[serde(default)]
    pub exchanges: Vec<Exchange>,
    #[serde(default)]
    pub breaches: Vec<Breach>,
    #[serde(default)]
    pub timeouts: Vec<TimeOut>,
}

impl FloorRecord {
    /// Who holds the floor now.
    pub fn holder(&self) -> Option<Partner> {
        self.holders.last().map(|c| c.holder)
    }

    /// The time-out in force, if any.
    pub fn active_timeout(&self) -> Option<&TimeOut> {
        self.timeouts.iter().rev().find(|t| t.resumed_at.is_none())
    }

    /// How the paraphrases went: how many there were, and how many were accurate (one
    /// count for the drafted note and the exported PDF alike).
    pub fn paraphrase_accuracy(&self) -> ParaphraseCount {
        let mut count = ParaphraseCount::default();
        for exchange in &self.exchanges {
            if let Exchange::Paraphrase { accuracy, .. } = exchange {
                count.total += 1;
                if *accuracy == Accuracy::Accurate {
                    count.accurate += 1;
                }
            }
        }
        count
    }

    /// Turns taken speaking.
    pub fn turns_speaking(&self) -> usize {
        self.exchanges
            .iter()
            .filter(|e| matches!(e, Exchange::Chunk { .. }))
            .count()
    }
}

/// The paraphrases of a floor exchange: how many, and how many of them accurate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParaphraseCount {
    pub total: usize,
    pub accurate: usize,
}

// ---------------------------------------------------------------------------------------
// Questions

/// Where a question stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuestionStatus {
    Draft,
    Vetted,
    Included,
    Answered,
    Deferred,
    Withdrawn,
}

/// One question, with its owner's reason for asking it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable within the list, never reused.
    pub id: u32,
    pub text: String,
    #[serde(default)]
    pub category: String,
    /// "Why I need to know."
    #[serde(default)]
    pub why: String,
    pub status: QuestionStatus,
    /// Set by the therapist on questions that ask for graphic detail.
    #[serde(default)]
    pub caution: bool,
    #[serde(default)]
    pub answer: Option<Utterance>,
    pub added_at: DateTime<Utc>,
}

/// A question list owned by one partner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionsRecord {
    pub owner: Partner,
    /// In the order the owner chose.
    #[serde(default)]
    pub items: Vec<Question>,
    /// When the owner released the list to the joint session; private until then.
    #[serde(default)]
    pub released_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub next_id: u32,
}

// ---------------------------------------------------------------------------------------
// Plan

/// How a commitment is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verification {
    SelfReport,
    PartnerConfirms,
}

/// What a commitment says, as entered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentDraft {
    /// One partner, or both (a shared commitment).
    pub owner: super::Owner,
    /// A category from the template's list, or empty.
    #[serde(default)]
    pub category: String,
    /// Specific, observable behaviour.
    pub behaviour: String,
    /// How often and when.
    pub rhythm: String,
    pub verification: Verification,
    pub starts_on: NaiveDate,
    pub review_on: NaiveDate,
}

/// A commitment in a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub id: u32,
    pub draft: CommitmentDraft,
    pub added_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRecord {
    #[serde(default)]
    pub commitments: Vec<Commitment>,
    #[serde(default)]
    pub next_id: u32,
}

// ---------------------------------------------------------------------------------------
// Ratings

/// A scored total for one rater.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub total: u32,
    pub max: u32,
    /// Below the scale's cutoff (for the CSI-4: in the distressed range).
    pub below_cutoff: bool,
}

/// Ratings by each rater, item by item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RatingRecord {
    #[serde(default)]
    pub values: BTreeMap<Partner, BTreeMap<String, u8>>,
    /// Totals for raters who answered every item, on scales that are scored.
    #[serde(default)]
    pub scores: BTreeMap<Partner, Score>,
}

// ---------------------------------------------------------------------------------------
// Text, choice, checklist

/// An answer to a yes/no item. Declining is an answer, and is not "no".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum YesNoAnswer {
    Yes,
    No,
    /// "I would rather not say."
    Declined,
}

impl YesNoAnswer {
    pub const ALL: [YesNoAnswer; 3] = [YesNoAnswer::Yes, YesNoAnswer::No, YesNoAnswer::Declined];

    /// As the partner reads it on screen and in their documents.
    pub fn label(self) -> &'static str {
        match self {
            YesNoAnswer::Yes => "Yes",
            YesNoAnswer::No => "No",
            YesNoAnswer::Declined => "I would rather not say",
        }
    }

    /// Whether the answer raises a concern the therapist must follow up (a yes, or a
    /// question left unanswered on purpose).
    pub fn raises_concern(self) -> bool {
        !matches!(self, YesNoAnswer::No)
    }
}

/// Entries by respondent (text, chosen options, checked items).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntriesRecord<T> {
    pub entries: BTreeMap<Respondent, T>,
}

impl<T> Default for EntriesRecord<T> {
    fn default() -> Self {
        EntriesRecord {
            entries: BTreeMap::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reply letters

/// The answer to one point (paragraph) of a letter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointReply {
    /// The point answered, as it read in the letter when the answer was written (the
    /// letter writer's words: redacted along with the letter).
    pub point: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// A letter that answers another letter point by point (a restitution letter answering
/// an impact letter).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyRecord {
    /// Who writes the reply.
    pub author: Partner,
    /// The id of the step holding the letter answered (so that the quoted points can be
    /// withheld wherever that letter is).
    #[serde(default)]
    pub letter_step: String,
    /// In the order of the letter's points; replies to points since edited out of the
    /// letter come last.
    #[serde(default)]
    pub replies: Vec<PointReply>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap()
    }

    fn holder(holder: Partner) -> FloorChange {
        FloorChange { holder, at: at() }
    }

    fn floor(change: impl FnOnce(&mut FloorRecord)) -> StepData {
        let mut f = FloorRecord {
            holders: vec![holder(Partner::A)],
            exchanges: Vec::new(),
            breaches: Vec::new(),
            timeouts: Vec::new(),
        };
        change(&mut f);
        StepData::Floor(f)
    }

    fn loop_record(change: impl FnOnce(&mut LoopRecord)) -> StepData {
        let mut l = LoopRecord::new(Partner::A, Partner::B);
        change(&mut l);
        StepData::Loop(l)
    }

    fn said(text: &str) -> Utterance {
        Utterance {
            text: text.into(),
            at: at(),
        }
    }

    #[test]
    fn something_is_recorded_once_anyone_entered_anything_but_not_for_what_the_runner_did() {
        let joint = Respondent::Joint;
        let table: Vec<(&str, StepData, bool)> = vec![
            ("a script", StepData::Script, false),
            ("a role swap", StepData::SwapRoles, false),
            ("a loop not begun", loop_record(|_| {}), false),
            (
                "a loop with the speaker's message only",
                loop_record(|l| l.message = Some(said("m"))),
                true,
            ),
            (
                "a loop with a mirror",
                loop_record(|l| {
                    l.message = Some(said("m"));
                    l.attempts.push(MirrorAttempt {
                        text: "mirror".into(),
                        at: at(),
                        outcome: None,
                        reply: String::new(),
                    });
                }),
                true,
            ),
            (
                "a loop with a stage attempt",
                loop_record(|l| {
                    l.stages.insert(
                        LoopStage::Summary,
                        vec![StageAttempt {
                            text: "summary".into(),
                            feelings: Vec::new(),
                            at: at(),
                            accepted: None,
                        }],
                    );
                }),
                true,
            ),
            ("a floor never entered", floor(|f| f.holders.clear()), false),
            (
                "a floor with only its first holder, given on entry",
                floor(|_| {}),
                false,
            ),
            (
                "a floor passed to the other partner",
                floor(|f| f.holders.push(holder(Partner::B))),
                true,
            ),
            (
                "a floor with a turn speaking",
                floor(|f| {
                    f.exchanges.push(Exchange::Chunk {
                        by: Partner::A,
                        text: "chunk".into(),
                        at: at(),
                    })
                }),
                true,
            ),
            (
                "a floor with only a rule breach",
                floor(|f| {
                    f.breaches.push(Breach {
                        rule: "no blame".into(),
                        by: Partner::B,
                        at: at(),
                    })
                }),
                true,
            ),
            (
                "a floor with only a time-out",
                floor(|f| {
                    f.timeouts.push(TimeOut {
                        called_by: Partner::A,
                        at: at(),
                        resume_at: at(),
                        resumed_at: None,
                    })
                }),
                true,
            ),
            (
                "a question list with no questions, even released",
                StepData::Questions(QuestionsRecord {
                    owner: Partner::A,
                    items: Vec::new(),
                    released_at: Some(at()),
                    next_id: 1,
                }),
                false,
            ),
            (
                "a question list with a question",
                StepData::Questions(QuestionsRecord {
                    owner: Partner::A,
                    items: vec![Question {
                        id: 1,
                        text: "q".into(),
                        category: String::new(),
                        why: String::new(),
                        status: QuestionStatus::Draft,
                        caution: false,
                        answer: None,
                        added_at: at(),
                    }],
                    released_at: None,
                    next_id: 2,
                }),
                true,
            ),
            (
                "an empty plan",
                StepData::Plan(PlanRecord::default()),
                false,
            ),
            (
                "a plan with a commitment",
                StepData::Plan(PlanRecord {
                    commitments: vec![Commitment {
                        id: 1,
                        draft: CommitmentDraft {
                            owner: crate::model::Owner::A,
                            category: String::new(),
                            behaviour: "walk".into(),
                            rhythm: "daily".into(),
                            verification: Verification::SelfReport,
                            starts_on: at().date_naive(),
                            review_on: at().date_naive(),
                        },
                        added_at: at(),
                    }],
                    next_id: 2,
                }),
                true,
            ),
            (
                "an unrated scale",
                StepData::Rating(RatingRecord::default()),
                false,
            ),
            (
                "a scale one partner rated",
                StepData::Rating(RatingRecord {
                    values: BTreeMap::from([(Partner::B, BTreeMap::from([("x".into(), 3)]))]),
                    scores: BTreeMap::new(),
                }),
                true,
            ),
            (
                "an empty text",
                StepData::Text(EntriesRecord::default()),
                false,
            ),
            (
                "a written text",
                StepData::Text(EntriesRecord {
                    entries: BTreeMap::from([(joint, "words".to_string())]),
                }),
                true,
            ),
            (
                "no choice",
                StepData::Choice(EntriesRecord::default()),
                false,
            ),
            (
                "a choice",
                StepData::Choice(EntriesRecord {
                    entries: BTreeMap::from([(joint, vec!["yes".to_string()])]),
                }),
                true,
            ),
            (
                "no tick",
                StepData::Checklist(EntriesRecord::default()),
                false,
            ),
            (
                "a tick",
                StepData::Checklist(EntriesRecord {
                    entries: BTreeMap::from([(joint, vec!["item".to_string()])]),
                }),
                true,
            ),
            (
                "no yes/no answer",
                StepData::YesNo(EntriesRecord::default()),
                false,
            ),
            (
                "a respondent with no answers left",
                StepData::YesNo(EntriesRecord {
                    entries: BTreeMap::from([(joint, BTreeMap::new())]),
                }),
                false,
            ),
            (
                "a yes/no answer",
                StepData::YesNo(EntriesRecord {
                    entries: BTreeMap::from([(
                        joint,
                        BTreeMap::from([("item".to_string(), YesNoAnswer::No)]),
                    )]),
                }),
                true,
            ),
            (
                "a reply with no answer",
                StepData::Reply(ReplyRecord {
                    author: Partner::A,
                    letter_step: "impact".into(),
                    replies: Vec::new(),
                }),
                false,
            ),
            (
                "a reply answering a point",
                StepData::Reply(ReplyRecord {
                    author: Partner::A,
                    letter_step: "impact".into(),
                    replies: vec![PointReply {
                        point: "p".into(),
                        text: "answer".into(),
                        at: at(),
                    }],
                }),
                true,
            ),
        ];
        for (case, data, recorded) in table {
            assert_eq!(data.has_anything_recorded(), recorded, "{case}");
        }
    }
}
