//! Everything a therapist (or a partner, through the therapist's screen) can do in a
//! session, as data: the UI, the command line and the tests all speak this.

use crate::model::{
    Accuracy, CommitmentDraft, LoopStage, MirrorOutcome, Partner, QuestionStatus, Respondent,
    Visibility,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One thing that happens in a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Action {
    // Navigation, on any step.
    Next,
    Back,
    Skip {
        reason: String,
    },
    /// Exchange speaker and listener from this step on.
    SwapRoles,
    /// The therapist confirms one of the step's `Confirm` gates.
    ConfirmGate {
        statement: String,
    },
    /// Replace the clinician's note on the step on screen.
    Note(String),
    /// Change who may see the step on screen. Narrowing is always allowed; widening only
    /// while nothing is recorded in the step (what was written in private stays private),
    /// and never for the safety screen.
    SetVisibility(Visibility),
    /// Stop the session (always allowed, paused or not: safety first).
    End,
    /// Take an ended session up again where it ended.
    Reopen,
    /// Take back the last entry of the step on screen (a message, a mirror, an answer, a
    /// question, a commitment…), as long as the session has not moved on since.
    Undo,
    /// Pause the whole session: the session clock and the step's timer stop, and nothing
    /// is recorded or navigated until `ResumeSession` (the clinician's note, a more
    /// private visibility and `End` still apply). Not to be confused with a floor's
    /// time-out, which `Resume` ends.
    PauseSession,
    /// Go on after `PauseSession`: the clocks run again from now.
    ResumeSession,

    // ParaphraseLoop
    /// The speaker's first message.
    SpeakerSays(String),
    /// The listener's attempt to mirror.
    Mirror(String),
    /// The speaker's answer to the last mirror, with the correction or addition.
    Verdict {
        outcome: MirrorOutcome,
        reply: String,
    },
    /// An attempt at a stage after the loop.
    StageAttempt {
        stage: LoopStage,
        text: String,
        feelings: Vec<String>,
    },
    StageVerdict {
        stage: LoopStage,
        accepted: bool,
    },

    // Floor
    PassFloor,
    /// The floor holder speaks.
    FloorChunk(String),
    /// The other partner paraphrases.
    FloorParaphrase {
        text: String,
        accuracy: Accuracy,
    },
    Breach {
        rule: String,
        by: Partner,
    },
    TimeOut {
        by: Partner,
        resume_at: DateTime<Utc>,
    },
    Resume,

    // Questions
    AddQuestion {
        text: String,
        category: String,
        why: String,
    },
    EditQuestion {
        id: u32,
        text: String,
        category: String,
        why: String,
    },
    SetQuestionStatus {
        id: u32,
        status: QuestionStatus,
    },
    SetCaution {
        id: u32,
        caution: bool,
    },
    /// Move a question to position `to` (0-based) in the owner's order.
    MoveQuestion {
        id: u32,
        to: usize,
    },
    AnswerQuestion {
        id: u32,
        text: String,
    },
    ReleaseQuestions,

    // Plan
    AddCommitment(CommitmentDraft),
    EditCommitment {
        id: u32,
        draft: CommitmentDraft,
    },
    RemoveCommitment {
        id: u32,
    },

    // Rating
    Rate {
        rater: Partner,
        item: String,
        value: u8,
    },

    // Text, Choice, Checklist
    /// Set a respondent's text; empty text clears it.
    WriteText {
        respondent: Respondent,
        text: String,
    },
    Choose {
        respondent: Respondent,
        option: String,
        selected: bool,
    },
    Check {
        respondent: Respondent,
        item: String,
        checked: bool,
    },
    /// Answer one item of a yes/no step; `None` takes the answer back (the item is then
    /// unanswered again, never "no").
    AnswerItem {
        respondent: Respondent,
        item: String,
        answer: Option<crate::model::YesNoAnswer>,
    },

    // Reply
    /// The reply's author answers one point of the letter (`point` is the point's text as
    /// the letter reads now); empty text removes that answer.
    ReplyToPoint {
        point: String,
        text: String,
    },
}

impl Action {
    /// The action's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Next => "Next",
            Action::Back => "Back",
            Action::Skip { .. } => "Skip",
            Action::SwapRoles => "Swap roles",
            Action::ConfirmGate { .. } => "Confirm",
            Action::Note(_) => "Note",
            Action::SetVisibility(_) => "Who sees this",
            Action::End => "End",
            Action::Reopen => "Reopen",
            Action::Undo => "Undo",
            Action::PauseSession => "Pause session",
            Action::ResumeSession => "Resume session",
            Action::SpeakerSays(_) => "Speaker's message",
            Action::Mirror(_) => "Mirror",
            Action::Verdict { .. } => "Speaker's answer",
            Action::StageAttempt { .. } => "Stage attempt",
            Action::StageVerdict { .. } => "Stage answer",
            Action::PassFloor => "Pass the floor",
            Action::FloorChunk(_) => "Speak",
            Action::FloorParaphrase { .. } => "Paraphrase",
            Action::Breach { .. } => "Rule breach",
            Action::TimeOut { .. } => "Time-out",
            Action::Resume => "Resume",
            Action::AddQuestion { .. } => "Add question",
            Action::EditQuestion { .. } => "Edit question",
            Action::SetQuestionStatus { .. } => "Question status",
            Action::SetCaution { .. } => "Caution flag",
            Action::MoveQuestion { .. } => "Move question",
            Action::AnswerQuestion { .. } => "Answer",
            Action::ReleaseQuestions => "Release questions",
            Action::AddCommitment(_) => "Add commitment",
            Action::EditCommitment { .. } => "Edit commitment",
            Action::RemoveCommitment { .. } => "Remove commitment",
            Action::Rate { .. } => "Rate",
            Action::WriteText { .. } => "Write",
            Action::Choose { .. } => "Choose",
            Action::Check { .. } => "Tick",
            Action::AnswerItem { .. } => "Answer an item",
            Action::ReplyToPoint { .. } => "Reply to a point",
        }
    }

    /// Whether the action may be applied while the session is paused: going on, ending
    /// it (safety first), and the clinician's own note and visibility (which the runner
    /// lets only narrow while paused). Whatever records what the couple does, or moves
    /// through the session, waits for the session to go on.
    pub fn applies_while_paused(&self) -> bool {
        match self {
            Action::ResumeSession | Action::End | Action::Note(_) | Action::SetVisibility(_) => {
                true
            }
            Action::PauseSession
            | Action::Reopen
            | Action::Undo
            | Action::Next
            | Action::Back
            | Action::Skip { .. }
            | Action::SwapRoles
            | Action::ConfirmGate { .. }
            | Action::SpeakerSays(_)
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
            | Action::Rate { .. }
            | Action::WriteText { .. }
            | Action::Choose { .. }
            | Action::Check { .. }
            | Action::AnswerItem { .. }
            | Action::ReplyToPoint { .. } => false,
        }
    }
}
