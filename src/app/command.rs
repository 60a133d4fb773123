//! Everything the app can be asked to do, as data. A command knows its label, tooltip and
//! shortcut, so buttons, shortcuts and tests share one string.

use crate::export::SessionDocument;
use crate::model::{
    Audience, Bindings, CoupleId, Holder, MirrorOutcome, NoteSection, NoteStyle, Outcome, Partner,
    RecoveryPhase, SessionId, TrustTag,
};
use crate::runner::Action;
use egui::{Key, KeyboardShortcut, Modifiers};

/// A couple as edited in the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoupleDraft {
    pub id: Option<CoupleId>,
    pub code: String,
    pub name_a: String,
    pub pronouns_a: String,
    pub name_b: String,
    pub pronouns_b: String,
    pub archived: bool,
}

/// What an export is made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportTarget {
    /// A document from one session.
    Session(SessionId),
    /// The couple's progress report.
    Progress(CoupleId),
}

/// The export dialog's choices.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportDraft {
    pub target: ExportTarget,
    pub document: SessionDocument,
    /// Who will read it: chosen every time, never defaulted.
    pub audience: Option<Audience>,
    /// The folder the PDF is written to.
    pub folder: String,
    /// The practice name for the page header (saved in the vault when changed).
    pub practice: String,
}

/// The parts of a couple's page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CoupleTab {
    #[default]
    Sessions,
    Commitments,
    Progress,
    Recovery,
}

impl CoupleTab {
    pub const ALL: [CoupleTab; 4] = [
        CoupleTab::Sessions,
        CoupleTab::Commitments,
        CoupleTab::Progress,
        CoupleTab::Recovery,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CoupleTab::Sessions => "Sessions",
            CoupleTab::Commitments => "Commitments",
            CoupleTab::Progress => "Progress",
            CoupleTab::Recovery => "Affair recovery",
        }
    }
}

/// A change to a commitment in the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LedgerChange {
    Review {
        item: u32,
        by: Partner,
        outcome: Outcome,
        note: String,
    },
    Revise {
        item: u32,
        behaviour: String,
        rhythm: String,
        review_on: String,
        reason: String,
    },
    Retire {
        item: u32,
        reason: String,
    },
}

/// A change to the affair-recovery map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecoveryChange {
    Enter(RecoveryPhase),
    AddCriterion(String),
    /// Mark criterion `index` of the current phase met today (or not met).
    SetMet {
        index: usize,
        met: bool,
    },
    LogTrigger {
        on: String,
        trigger: String,
        response: String,
        repair: String,
    },
    SetTrust {
        session: SessionId,
        tag: TrustTag,
        touched: bool,
    },
}

/// A change to the custody of the disclosure document, as entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustodyStep {
    HeldBy(Holder),
    /// To be destroyed by this date (YYYY-MM-DD).
    DestroyBy(String),
    Destroyed,
}

/// An entry for the disclosure document's custody log, as entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyEntry {
    pub step: CustodyStep,
    pub recorded_by: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    // Vault
    CreateVault,
    OpenDemo,
    Unlock,
    Lock,
    QuickHide,
    // Practice
    SelectCouple(Option<CoupleId>),
    EditCouple(Option<CoupleId>),
    SaveCouple(CoupleDraft),
    CancelEdit,
    ChooseTemplate(CoupleId),
    StartSession {
        couple: CoupleId,
        template_id: String,
        bindings: Bindings,
    },
    ResumeSession(SessionId),
    // Session
    Act(Action),
    SetDraft {
        key: String,
        text: String,
    },
    CloseSession,
    // Export
    OpenExport(ExportTarget),
    Export(ExportDraft),
    CancelExport,
    TogglePresent,
    ShowSafetyCard(bool),
    DismissStatus,
    // Clinical record
    ShowTab(CoupleTab),
    /// Open (drafting it first if there is none) the progress note of a session.
    OpenNote(SessionId),
    /// The note's draft text as edited.
    EditNote(Vec<NoteSection>),
    RestyleNote(NoteStyle),
    /// Draft the note again from the session (a draft only; the current text is replaced).
    RedraftNote,
    FinalizeNote {
        clinician: String,
    },
    AmendNote {
        clinician: String,
        reason: String,
        sections: Vec<NoteSection>,
    },
    SaveProcessNote(String),
    CloseNote,
    /// Write the note as a PDF for the clinician.
    ExportNote,
    /// Write the couple's process notes as a PDF: its own explicit action.
    ExportProcessNotes(CoupleId),
    Ledger(LedgerChange),
    /// Close the commitment review at the top of a session.
    FinishReview,
    Recovery(RecoveryChange),
    /// Log a change in who holds the disclosure document, or its destruction.
    Custody(CustodyEntry),
    /// Full-text search over the practice.
    Search(String),
    // Privacy and safety
    /// Give the screen to one partner for the step on screen (hand-over mode).
    HandOver(Partner),
    /// Take the screen back: needs the passphrase typed into the hand-over screen.
    HandBack,
    /// Start the couple's private safety screen.
    StartSafetyScreen(CoupleId),
    // Take-home worksheets
    /// Open the take-home dialog for a couple.
    OpenTakeHome(CoupleId),
    /// Write the worksheet file chosen in the dialog.
    IssueWorksheet,
    /// Bring the filled worksheet file named in the dialog into the couple's record.
    ImportWorksheet,
    CloseTakeHome,
}

/// The mirror answers, in button order.
pub const VERDICTS: [MirrorOutcome; 3] = [
    MirrorOutcome::Confirmed,
    MirrorOutcome::Corrected,
    MirrorOutcome::More,
];

impl Command {
    /// The text on the button or menu entry.
    pub fn label(&self) -> String {
        match self {
            Command::CreateVault => "Create vault".into(),
            Command::OpenDemo => "Open the demo practice".into(),
            Command::Unlock => "Unlock".into(),
            Command::Lock => "Lock".into(),
            Command::QuickHide => "Hide".into(),
            Command::SelectCouple(_) => "Open".into(),
            Command::EditCouple(None) => "Add couple".into(),
            Command::EditCouple(Some(_)) => "Edit couple".into(),
            Command::SaveCouple(_) => "Save couple".into(),
            Command::CancelEdit => "Cancel".into(),
            Command::ChooseTemplate(_) => "New session".into(),
            Command::StartSession { .. } => "Start session".into(),
            Command::ResumeSession(_) => "Continue".into(),
            Command::Act(Action::ReplyToPoint { text, .. }) if text.trim().is_empty() => {
                "Remove answer".into()
            }
            Command::Act(Action::ReplyToPoint { .. }) => "Save answer".into(),
            Command::Act(action) => action_label(action).into(),
            Command::SetDraft { .. } => "Edit".into(),
            Command::CloseSession => "Close session".into(),
            Command::OpenExport(ExportTarget::Session(_)) => "Export…".into(),
            Command::OpenExport(ExportTarget::Progress(_)) => "Export progress…".into(),
            Command::Export(_) => "Export PDF".into(),
            Command::CancelExport => "Cancel export".into(),
            Command::TogglePresent => "Present".into(),
            Command::ShowSafetyCard(true) => "Safety".into(),
            Command::ShowSafetyCard(false) => "Close card".into(),
            Command::DismissStatus => "Dismiss".into(),
            Command::ShowTab(tab) => tab.label().into(),
            Command::OpenNote(_) => "Note".into(),
            Command::EditNote(_) => "Edit".into(),
            Command::RestyleNote(style) => style.name().into(),
            Command::RedraftNote => "Draft again from the session".into(),
            Command::FinalizeNote { .. } => "Finalize note".into(),
            Command::AmendNote { .. } => "Save amendment".into(),
            Command::SaveProcessNote(_) => "Save process note".into(),
            Command::CloseNote => "Back to the couple".into(),
            Command::ExportNote => "Export note PDF".into(),
            Command::ExportProcessNotes(_) => "Export process notes…".into(),
            Command::Ledger(LedgerChange::Review { outcome, .. }) => match outcome {
                Outcome::Kept => "Kept".into(),
                Outcome::Partly => "Partly".into(),
                Outcome::Missed => "Missed".into(),
            },
            Command::Ledger(LedgerChange::Revise { .. }) => "Save revision".into(),
            Command::Ledger(LedgerChange::Retire { .. }) => "Retire".into(),
            Command::FinishReview => "Done reviewing".into(),
            Command::Recovery(RecoveryChange::Enter(phase)) => format!("Enter {}", phase.label()),
            Command::Recovery(RecoveryChange::AddCriterion(_)) => "Add criterion".into(),
            Command::Recovery(RecoveryChange::SetMet { .. }) => "Met".into(),
            Command::Recovery(RecoveryChange::LogTrigger { .. }) => "Log trigger".into(),
            Command::Recovery(RecoveryChange::SetTrust { tag, .. }) => tag.label().into(),
            Command::Custody(entry) => match entry.step {
                CustodyStep::HeldBy(_) => "Record who holds it".into(),
                CustodyStep::DestroyBy(_) => "Schedule destruction".into(),
                CustodyStep::Destroyed => "Record it destroyed".into(),
            },
            Command::Search(_) => "Search".into(),
            Command::HandOver(p) => format!("Hand over to {p}"),
            Command::HandBack => "Return to the therapist's view".into(),
            Command::StartSafetyScreen(_) => "Start safety screen".into(),
            Command::OpenTakeHome(_) => "Take-home worksheets…".into(),
            Command::IssueWorksheet => "Write worksheet file".into(),
            Command::ImportWorksheet => "Import worksheet".into(),
            Command::CloseTakeHome => "Close".into(),
        }
    }

    /// The keyboard shortcut, if the command has one.
    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        let key = |modifiers, key| Some(KeyboardShortcut::new(modifiers, key));
        match self {
            Command::QuickHide => key(Modifiers::NONE, Key::F12),
            Command::TogglePresent => key(Modifiers::NONE, Key::F5),
            Command::Lock => key(Modifiers::COMMAND, Key::L),
            Command::Act(Action::Next) => key(Modifiers::ALT, Key::ArrowRight),
            Command::Act(Action::Back) => key(Modifiers::ALT, Key::ArrowLeft),
            Command::Act(Action::PassFloor) => key(Modifiers::COMMAND, Key::P),
            Command::Act(Action::Verdict { outcome, .. }) => match outcome {
                MirrorOutcome::Confirmed => key(Modifiers::COMMAND, Key::Num1),
                MirrorOutcome::Corrected => key(Modifiers::COMMAND, Key::Num2),
                MirrorOutcome::More => key(Modifiers::COMMAND, Key::Num3),
            },
            _ => None,
        }
    }

    /// The tooltip: what it does, and its shortcut.
    pub fn tooltip(&self) -> String {
        let what = match self {
            Command::QuickHide => {
                "Blank every Tandem window at once; the passphrase brings it back"
            }
            Command::TogglePresent => {
                "Open or close the couple's screen: large prompts, nothing private"
            }
            Command::Lock => "Lock the vault; the passphrase unlocks it",
            Command::Act(Action::Next) => "Go to the next step",
            Command::Act(Action::Back) => "Go back one step",
            Command::Act(Action::Skip { .. }) => "Skip this step (recorded as skipped)",
            Command::Act(Action::SwapRoles) => "Exchange speaker and listener from this step on",
            Command::Act(Action::End) => "End the session now; everything is saved",
            Command::Act(Action::PassFloor) => "Give the floor to the other partner",
            Command::Act(Action::Verdict { outcome, .. }) => match outcome {
                MirrorOutcome::Confirmed => {
                    "The speaker says: yes, that's it, and there is no more"
                }
                MirrorOutcome::Corrected => "The speaker corrects the mirror",
                MirrorOutcome::More => "The mirror was right, and there is more",
            },
            Command::Act(Action::ReplyToPoint { text, .. }) if text.trim().is_empty() => {
                "Remove the answer to this point; the point counts as not yet answered"
            }
            Command::Act(Action::ReplyToPoint { .. }) => {
                "Record this as the answer to the point; the coverage line updates"
            }
            Command::ShowSafetyCard(_) => "What to do if a partner becomes abusive or threatening",
            Command::OpenExport(ExportTarget::Session(_)) => {
                "Make a PDF of this session: a note, a worksheet, the plan or letters"
            }
            Command::OpenExport(ExportTarget::Progress(_)) => {
                "Make a PDF of each partner's ratings over the sessions"
            }
            Command::Export(_) => "Write the PDF; only what the chosen reader may see is in it",
            Command::OpenNote(_) => {
                "The progress note of this session: drafted from what was recorded, for you to edit and finalize"
            }
            Command::FinalizeNote { .. } => {
                "Sign and lock the note; later changes are amendments with a reason"
            }
            Command::AmendNote { .. } => "Add an amendment; the text before it stays visible",
            Command::RedraftNote => "Replace the draft's text with a fresh draft from the session",
            Command::SaveProcessNote(_) => {
                "Your own process notes: kept apart, in no export unless you ask for them separately"
            }
            Command::ExportProcessNotes(_) => {
                "Write this couple's process notes as a PDF for you alone; logged in the audit log"
            }
            Command::ExportNote => "Write the progress note as a PDF for your records",
            Command::FinishReview => "Close the review; items not reviewed stay due",
            Command::Custody(entry) => match entry.step {
                CustodyStep::HeldBy(_) => {
                    "Log that the disclosure document is now held by the one chosen; written to the audit log"
                }
                CustodyStep::DestroyBy(_) => {
                    "Log the date by which the disclosure document is to be destroyed; written to the audit log"
                }
                CustodyStep::Destroyed => {
                    "Log that the disclosure document was destroyed today; its custody cannot change after that"
                }
            },
            Command::HandOver(_) => {
                "Show only this partner's part of the step, with no way to anything else; your passphrase brings your view back"
            }
            Command::HandBack => "Check the passphrase and return to the session",
            Command::StartSafetyScreen(_) => {
                "Each partner answers a few safety questions on their own; joint protocols open after your decision"
            }
            Command::OpenTakeHome(_) => {
                "Give the couple a worksheet to fill in at home, or bring a filled one back"
            }
            Command::IssueWorksheet => {
                "Write an encrypted worksheet file; only the passphrase you give the couple opens it"
            }
            Command::ImportWorksheet => {
                "Add the filled worksheet to this couple's record as a new session; altered or foreign files are refused"
            }
            _ => "",
        };
        match self.shortcut() {
            Some(shortcut) => format!("{what} ({})", shortcut_text(&shortcut)),
            None => what.to_string(),
        }
    }
}

/// A shortcut as a person reads it.
pub fn shortcut_text(shortcut: &KeyboardShortcut) -> String {
    let mut parts = Vec::new();
    if shortcut.modifiers.command || shortcut.modifiers.ctrl {
        parts.push("Ctrl");
    }
    if shortcut.modifiers.alt {
        parts.push("Alt");
    }
    if shortcut.modifiers.shift {
        parts.push("Shift");
    }
    let key = match shortcut.logical_key {
        Key::ArrowRight => "Right",
        Key::ArrowLeft => "Left",
        other => other.name(),
    };
    parts.push(key);
    parts.join("+")
}

/// The button text for a session action.
pub fn action_label(action: &Action) -> &'static str {
    match action {
        Action::Next => "Next",
        Action::Back => "Back",
        Action::Skip { .. } => "Skip",
        Action::SwapRoles => "Swap roles",
        Action::End => "End session",
        Action::Verdict { outcome, .. } => match outcome {
            MirrorOutcome::Confirmed => "That's it",
            MirrorOutcome::Corrected => "Not quite",
            MirrorOutcome::More => "There's more",
        },
        Action::PassFloor => "Pass the floor",
        Action::Resume => "Resume after time-out",
        Action::ReleaseQuestions => "Release the list",
        other => other.name(),
    }
}
