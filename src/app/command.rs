//! Everything the app can be asked to do, as data, nested by area: the vault, the
//! practice (couples, search), the running session, the clinical record, exports and
//! take-home worksheets. A command knows its label, tooltip and shortcut, so buttons,
//! shortcuts and tests share one string; every match over commands lists every variant,
//! so a new command does not compile until it has a label, a tooltip and an effect.

use super::style::{Icon, icon};
use crate::export::SessionDocument;
use crate::model::{
    Appearance, Audience, Bindings, CoupleId, MirrorOutcome, NoteSection, NoteStyle, Outcome,
    Partner, SessionId,
};
use crate::practice::CoupleInput;
use crate::practice::course::{CustodyEntry, CustodyStep, LedgerChange, RecoveryChange};
use crate::runner::Action;
use crate::template::edit::StepPath;
use egui::{Key, KeyboardShortcut, Modifiers};

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

/// A user action, by area.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Vault(VaultCommand),
    Practice(PracticeCommand),
    Session(SessionCommand),
    Record(RecordCommand),
    Export(ExportCommand),
    TakeHome(TakeHomeCommand),
    Protocol(ProtocolCommand),
    Sync(SyncCommand),
}

/// Sync conflicts: two versions of one record from two devices, settled by the therapist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncCommand {
    /// Show the sync conflicts screen (reading the conflicts anew).
    Open,
    /// Back to the practice.
    Close,
    /// Show this conflict side by side (by its copy's file name).
    Select(String),
    /// In a merge, take this part (a step, a section) from the other version (`true`)
    /// or keep the current one's.
    Take {
        part: usize,
        other: bool,
    },
    KeepCurrent,
    KeepOther,
    /// Keep the merge as chosen part by part (or, for a note signed on both devices, the
    /// first signed with the other as an amendment).
    Merge,
}

impl SyncCommand {
    pub fn label(&self) -> &'static str {
        match self {
            SyncCommand::Open => "Sync conflicts",
            SyncCommand::Close => "Back to the practice",
            SyncCommand::Select(_) => "Show",
            SyncCommand::Take { other: true, .. } => "Take the other",
            SyncCommand::Take { other: false, .. } => "Keep the current",
            SyncCommand::KeepCurrent => "Keep the current version",
            SyncCommand::KeepOther => "Keep the other version",
            SyncCommand::Merge => "Keep the merge as chosen",
        }
    }

    pub fn tooltip(&self) -> &'static str {
        match self {
            SyncCommand::Open => {
                "Records changed on two devices: see both versions side by side and settle them"
            }
            SyncCommand::Close => "Back to the practice; the conflicts stay until settled",
            SyncCommand::Select(_) => "Show both versions of this record side by side",
            SyncCommand::Take { other: true, .. } => {
                "In the merge, take this part as the other version has it"
            }
            SyncCommand::Take { other: false, .. } => {
                "In the merge, keep this part as the current version has it"
            }
            SyncCommand::KeepCurrent => {
                "Keep the record as it now reads; the other version is kept in resolved/, logged in the audit log"
            }
            SyncCommand::KeepOther => {
                "Keep the other version instead; the current one is kept in resolved/ with it, logged in the audit log"
            }
            SyncCommand::Merge => {
                "Keep one record made from both as chosen; both versions are kept in resolved/, logged in the audit log"
            }
        }
    }

    pub fn icon(&self) -> Option<Icon> {
        match self {
            SyncCommand::KeepCurrent | SyncCommand::KeepOther | SyncCommand::Merge => {
                Some(icon::SAVE)
            }
            SyncCommand::Open
            | SyncCommand::Close
            | SyncCommand::Select(_)
            | SyncCommand::Take { .. } => None,
        }
    }
}

/// Creating, unlocking and locking the vault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VaultCommand {
    /// Create a vault with the passphrase typed twice on the welcome screen.
    Create,
    OpenDemo,
    /// Unlock with the passphrase typed on the lock screen.
    Unlock,
    Lock,
    /// Blank every window at once and drop the key.
    QuickHide,
}

/// The practice screen: couples, the couple editor, search, the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PracticeCommand {
    SelectCouple(Option<CoupleId>),
    /// Open the couple editor: a new couple (`None`) or an existing one.
    EditCouple(Option<CoupleId>),
    SaveCouple(CoupleInput),
    CancelEdit,
    /// Go to the protocol picker for a couple.
    ChooseTemplate(CoupleId),
    ShowTab(CoupleTab),
    /// Full-text search over the practice; an empty query clears the results.
    Search(String),
    DismissStatus,
    /// Close the question on screen without doing what it asks.
    CloseDialog,
    /// Show (or hide) the list of keyboard shortcuts.
    ShowShortcuts,
    /// Show (`true`) or hide the couples list beside the practice screen.
    ShowCouples(bool),
    /// How the app looks: kept in the vault's header.
    SetAppearance(Appearance),
    /// How exported documents write dates: kept in the vault's header.
    SetDateStyle(crate::model::DateStyle),
    /// Show (`true`) or hide the safety details on the couple's page: who screened
    /// positive, the decision, resources, flagged imports. They close on their own once
    /// the page is left.
    SafetyDetails(bool),
}

/// Starting, running and closing a session.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionCommand {
    Start {
        couple: CoupleId,
        template_id: String,
        bindings: Bindings,
    },
    /// Start the couple's private safety screen.
    StartSafetyScreen(CoupleId),
    Resume(SessionId),
    /// Something that happens in the session (the runner's vocabulary).
    Act(Action),
    /// An action made from drafts: applied, and the drafts (their keys) cleared once it is
    /// recorded. The button and the keyboard shortcut of such an action are this one
    /// command, so neither path leaves the text behind for the next attempt.
    Submit {
        action: Action,
        drafts: Vec<String>,
    },
    /// Text typed but not submitted yet, kept in the session (saved as typed).
    SetDraft {
        key: String,
        text: String,
    },
    Close,
    /// Ask before ending the session (the dialog lists the steps not done).
    AskToEnd,
    /// Ask before releasing the question list.
    AskToRelease,
    /// Take an ended session up again (from the couple's page); logged.
    Reopen(SessionId),
    TogglePresent,
    ShowSafetyCard(bool),
    /// Give the screen to one partner for the step on screen (hand-over mode).
    HandOver(Partner),
    /// Take the screen back: needs the passphrase typed into the hand-over screen.
    HandBack,
    /// Close the commitment review at the top of a session.
    FinishReview,
}

/// The clinical record: progress notes, process notes, the ledger, the recovery map and
/// custody of the disclosure document.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordCommand {
    /// Open (drafting it first if there is none) the progress note of a session.
    OpenNote(SessionId),
    /// The note's draft text as edited.
    EditNote(Vec<NoteSection>),
    RestyleNote(NoteStyle),
    /// Draft the note again from the session (a draft only; the current text is replaced).
    RedraftNote,
    /// Ask before finalizing (signing) the note.
    AskToFinalize {
        clinician: String,
    },
    FinalizeNote {
        clinician: String,
    },
    AmendNote {
        clinician: String,
        reason: String,
        sections: Vec<NoteSection>,
    },
    SaveProcessNote(String),
    /// The draft's service code as typed (blank clears it); saved as typed.
    SetServiceCode(String),
    /// The credentials and licence number a note's signature block shows: the
    /// practice's settings.
    SaveCredentials {
        credentials: String,
        licence_number: String,
    },
    CloseNote,
    Ledger(LedgerChange),
    Recovery(RecoveryChange),
    /// Log a change in who holds the disclosure document, or its destruction.
    Custody(CustodyEntry),
}

/// Documents leaving the vault.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportCommand {
    /// Open the export dialog.
    Open(ExportTarget),
    /// Write the PDF chosen in the dialog.
    Write(ExportDraft),
    /// Choose the dialog's folder with the system's file chooser (the typed folder stays
    /// the fallback).
    ChooseFolder,
    Cancel,
    /// Write the open progress note as a PDF for the clinician.
    Note,
    /// Write a couple's process notes as a PDF: their own explicit action.
    ProcessNotes(CoupleId),
}

/// Take-home worksheets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TakeHomeCommand {
    /// Open the take-home dialog for a couple.
    Open(CoupleId),
    /// Write the worksheet file chosen in the dialog.
    Issue,
    /// Bring the filled worksheet file named in the dialog into the couple's record.
    Import,
    /// Add the worksheet brought back with nothing filled in, as the dialog asked.
    AddEmpty,
    /// Leave out the worksheet brought back with nothing filled in.
    LeaveEmptyOut,
    /// Choose the folder for the worksheet file with the system's file chooser.
    ChooseFolder,
    /// Choose the filled worksheet file with the system's file chooser.
    ChooseFile,
    /// Files dropped onto the window: a worksheet opens the dialog to bring it back into
    /// the open couple's record (its passphrase still to be typed).
    Dropped(Vec<std::path::PathBuf>),
    Close,
}

/// The practice's protocols and the protocol editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolCommand {
    /// Show the practice's protocols: the shipped ones and its own.
    OpenLibrary,
    /// Back to the practice screen.
    CloseLibrary,
    /// Start a protocol from blank in the editor.
    New,
    /// Open a copy of a protocol (shipped or the practice's own) in the editor.
    Copy(String),
    /// Open one of the practice's own protocols in the editor.
    Edit(String),
    /// Open the template file named in the library's file field in the editor.
    OpenFile,
    /// Choose that file with the system's file chooser.
    ChooseFile,
    /// Ask before taking one of the practice's own protocols out of the library.
    AskToRemove(String),
    /// Take it out (its versions stay for the sessions that ran it).
    Remove(String),
    /// Show the protocol's own fields (`None`) or one step's in the editor.
    SelectStep(Option<StepPath>),
    /// Add a step of this kind after the selected one, or inside it (a `Repeat`).
    AddStep {
        kind: String,
        inside: bool,
    },
    MoveStep {
        up: bool,
    },
    DuplicateStep,
    RemoveStep,
    Undo,
    Redo,
    /// Edit the protocol as RON text (`true`) or in the forms.
    ShowText(bool),
    /// Which preview the editor shows beside the form.
    Preview(super::editor::PreviewKind),
    /// Store the protocol in the practice's library (a new version when it was there).
    Save,
    /// Write the protocol as a template file into the editor's folder field.
    WriteFile,
    /// Choose that folder with the system's file chooser.
    ChooseFolder,
    /// Run the protocol with a fictional couple; nothing is saved.
    TryIt,
    /// Leave the editor (asks first when there are unsaved changes).
    Close,
    /// Leave the editor, dropping the unsaved changes.
    Discard,
}

/// The mirror answers, in button order.
pub const VERDICTS: [MirrorOutcome; 3] = [
    MirrorOutcome::Confirmed,
    MirrorOutcome::Corrected,
    MirrorOutcome::More,
];

macro_rules! into_command {
    ($($area:ident => $variant:ident),*) => {
        $(impl From<$area> for Command {
            fn from(command: $area) -> Command {
                Command::$variant(command)
            }
        })*
    };
}

into_command!(
    VaultCommand => Vault,
    PracticeCommand => Practice,
    SessionCommand => Session,
    RecordCommand => Record,
    ExportCommand => Export,
    TakeHomeCommand => TakeHome,
    ProtocolCommand => Protocol,
    SyncCommand => Sync
);

/// Where a command's error is shown: beside the field or in the dialog it is about. The
/// status line is for background events (a PDF written, a save that failed) and for the
/// few commands that have no field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorPlace {
    /// The passphrase field of the lock screen, the hidden screen or hand-over.
    Passphrase,
    /// The welcome screen (creating a vault, the demo).
    NewVault,
    CoupleEditor,
    /// The couple's page: its buttons, the ledger, the recovery map, custody.
    CouplePage,
    TemplatePicker,
    /// The appearance choice in the practice screen's top bar.
    Appearance,
    /// The running session, beside its navigation.
    Session,
    Note,
    Search,
    ExportDialog,
    /// The export dialog's folder field.
    ExportFolder,
    TakeHomeDialog,
    /// The take-home dialog's folder field (giving a worksheet).
    TakeHomeFolder,
    /// The take-home dialog's file field (bringing one back).
    TakeHomeFile,
    /// The protocols screen: its list and its file field.
    Protocols,
    /// The protocol editor: saving, trying, the text.
    Editor,
    /// The editor's folder field (writing a template file).
    EditorFolder,
    /// The sync conflicts screen.
    Conflicts,
    StatusLine,
}

impl ErrorPlace {
    /// The fields inside this place that show errors of their own (a dialog's folder and
    /// file fields): one error per dialog is shown, beside the field it is about or at
    /// the foot of the dialog.
    pub fn fields(self) -> &'static [ErrorPlace] {
        match self {
            ErrorPlace::ExportDialog => &[ErrorPlace::ExportFolder],
            ErrorPlace::TakeHomeDialog => &[ErrorPlace::TakeHomeFolder, ErrorPlace::TakeHomeFile],
            ErrorPlace::Passphrase
            | ErrorPlace::NewVault
            | ErrorPlace::CoupleEditor
            | ErrorPlace::CouplePage
            | ErrorPlace::TemplatePicker
            | ErrorPlace::Appearance
            | ErrorPlace::Session
            | ErrorPlace::Note
            | ErrorPlace::Search
            | ErrorPlace::ExportFolder
            | ErrorPlace::TakeHomeFolder
            | ErrorPlace::TakeHomeFile
            | ErrorPlace::Protocols
            | ErrorPlace::Editor
            | ErrorPlace::EditorFolder
            | ErrorPlace::Conflicts
            | ErrorPlace::StatusLine => &[],
        }
    }
}

impl Command {
    /// Where this command's error is shown.
    pub fn error_place(&self) -> ErrorPlace {
        match self {
            Command::Vault(c) => match c {
                VaultCommand::Create | VaultCommand::OpenDemo => ErrorPlace::NewVault,
                VaultCommand::Unlock => ErrorPlace::Passphrase,
                VaultCommand::Lock | VaultCommand::QuickHide => ErrorPlace::StatusLine,
            },
            Command::Practice(c) => match c {
                PracticeCommand::SaveCouple(_) | PracticeCommand::CancelEdit => {
                    ErrorPlace::CoupleEditor
                }
                PracticeCommand::SelectCouple(_)
                | PracticeCommand::EditCouple(_)
                | PracticeCommand::ChooseTemplate(_)
                | PracticeCommand::ShowTab(_)
                | PracticeCommand::SafetyDetails(_) => ErrorPlace::CouplePage,
                PracticeCommand::Search(_) => ErrorPlace::Search,
                PracticeCommand::DismissStatus
                | PracticeCommand::CloseDialog
                | PracticeCommand::ShowShortcuts
                | PracticeCommand::ShowCouples(_) => ErrorPlace::StatusLine,
                PracticeCommand::SetAppearance(_) => ErrorPlace::Appearance,
                PracticeCommand::SetDateStyle(_) => ErrorPlace::ExportDialog,
            },
            Command::Session(c) => match c {
                SessionCommand::Start { .. } => ErrorPlace::TemplatePicker,
                SessionCommand::StartSafetyScreen(_)
                | SessionCommand::Resume(_)
                | SessionCommand::Reopen(_) => ErrorPlace::CouplePage,
                SessionCommand::HandBack => ErrorPlace::Passphrase,
                SessionCommand::Act(_)
                | SessionCommand::Submit { .. }
                | SessionCommand::SetDraft { .. }
                | SessionCommand::Close
                | SessionCommand::AskToEnd
                | SessionCommand::AskToRelease
                | SessionCommand::TogglePresent
                | SessionCommand::ShowSafetyCard(_)
                | SessionCommand::HandOver(_)
                | SessionCommand::FinishReview => ErrorPlace::Session,
            },
            Command::Record(c) => match c {
                RecordCommand::Ledger(_)
                | RecordCommand::Recovery(_)
                | RecordCommand::Custody(_) => ErrorPlace::CouplePage,
                RecordCommand::OpenNote(_) => ErrorPlace::CouplePage,
                RecordCommand::EditNote(_)
                | RecordCommand::RestyleNote(_)
                | RecordCommand::RedraftNote
                | RecordCommand::AskToFinalize { .. }
                | RecordCommand::FinalizeNote { .. }
                | RecordCommand::AmendNote { .. }
                | RecordCommand::SaveProcessNote(_)
                | RecordCommand::SetServiceCode(_)
                | RecordCommand::SaveCredentials { .. }
                | RecordCommand::CloseNote => ErrorPlace::Note,
            },
            Command::Export(c) => match c {
                ExportCommand::Write(_) => ErrorPlace::ExportDialog,
                ExportCommand::ChooseFolder => ErrorPlace::ExportFolder,
                ExportCommand::Note => ErrorPlace::Note,
                ExportCommand::Open(_) | ExportCommand::ProcessNotes(_) => ErrorPlace::CouplePage,
                ExportCommand::Cancel => ErrorPlace::StatusLine,
            },
            Command::TakeHome(c) => match c {
                TakeHomeCommand::Open(_) => ErrorPlace::CouplePage,
                TakeHomeCommand::Issue
                | TakeHomeCommand::Import
                | TakeHomeCommand::AddEmpty
                | TakeHomeCommand::LeaveEmptyOut
                | TakeHomeCommand::Close => ErrorPlace::TakeHomeDialog,
                TakeHomeCommand::ChooseFolder => ErrorPlace::TakeHomeFolder,
                TakeHomeCommand::ChooseFile => ErrorPlace::TakeHomeFile,
                // Dropped anywhere on the window: no field to show it beside.
                TakeHomeCommand::Dropped(_) => ErrorPlace::StatusLine,
            },
            Command::Protocol(c) => match c {
                ProtocolCommand::OpenLibrary
                | ProtocolCommand::CloseLibrary
                | ProtocolCommand::New
                | ProtocolCommand::Copy(_)
                | ProtocolCommand::Edit(_)
                | ProtocolCommand::OpenFile
                | ProtocolCommand::ChooseFile
                | ProtocolCommand::AskToRemove(_)
                | ProtocolCommand::Remove(_) => ErrorPlace::Protocols,
                ProtocolCommand::WriteFile | ProtocolCommand::ChooseFolder => {
                    ErrorPlace::EditorFolder
                }
                ProtocolCommand::SelectStep(_)
                | ProtocolCommand::AddStep { .. }
                | ProtocolCommand::MoveStep { .. }
                | ProtocolCommand::DuplicateStep
                | ProtocolCommand::RemoveStep
                | ProtocolCommand::Undo
                | ProtocolCommand::Redo
                | ProtocolCommand::ShowText(_)
                | ProtocolCommand::Preview(_)
                | ProtocolCommand::Save
                | ProtocolCommand::TryIt
                | ProtocolCommand::Close
                | ProtocolCommand::Discard => ErrorPlace::Editor,
            },
            Command::Sync(c) => match c {
                SyncCommand::Open => ErrorPlace::StatusLine,
                SyncCommand::Close
                | SyncCommand::Select(_)
                | SyncCommand::Take { .. }
                | SyncCommand::KeepCurrent
                | SyncCommand::KeepOther
                | SyncCommand::Merge => ErrorPlace::Conflicts,
            },
        }
    }

    /// The text on the button or menu entry.
    pub fn label(&self) -> String {
        match self {
            Command::Vault(c) => c.label().into(),
            Command::Practice(c) => c.label().into(),
            Command::Session(c) => c.label(),
            Command::Record(c) => c.label(),
            Command::Export(c) => c.label().into(),
            Command::TakeHome(c) => c.label().into(),
            Command::Protocol(c) => c.label(),
            Command::Sync(c) => c.label().into(),
        }
    }

    /// What it does, without its shortcut.
    pub fn tooltip_text(&self) -> &'static str {
        match self {
            Command::Vault(c) => c.tooltip(),
            Command::Practice(c) => c.tooltip(),
            Command::Session(c) => c.tooltip(),
            Command::Record(c) => c.tooltip(),
            Command::Export(c) => c.tooltip(),
            Command::TakeHome(c) => c.tooltip(),
            Command::Protocol(c) => c.tooltip(),
            Command::Sync(c) => c.tooltip(),
        }
    }

    /// The tooltip: what it does, and its shortcut.
    pub fn tooltip(&self) -> String {
        let what = self.tooltip_text();
        match self.shortcut() {
            Some(shortcut) => format!("{what} ({})", shortcut_text(&shortcut)),
            None => what.to_string(),
        }
    }

    /// The icon beside the label, for the main actions.
    pub fn icon(&self) -> Option<Icon> {
        match self {
            Command::Vault(c) => c.icon(),
            Command::Practice(c) => c.icon(),
            Command::Session(c) => c.icon(),
            Command::Record(c) => c.icon(),
            Command::Export(c) => c.icon(),
            Command::TakeHome(c) => c.icon(),
            Command::Protocol(c) => c.icon(),
            Command::Sync(c) => c.icon(),
        }
    }

    /// The keyboard shortcut, if the command has one.
    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        match self {
            Command::Vault(c) => c.shortcut(),
            Command::Practice(c) => c.shortcut(),
            Command::Session(c) => c.shortcut(),
            Command::Protocol(c) => c.shortcut(),
            Command::Record(_) | Command::Export(_) | Command::TakeHome(_) | Command::Sync(_) => {
                None
            }
        }
    }
}

fn key(modifiers: Modifiers, key: Key) -> Option<KeyboardShortcut> {
    Some(KeyboardShortcut::new(modifiers, key))
}

impl VaultCommand {
    pub fn label(&self) -> &'static str {
        match self {
            VaultCommand::Create => "Create vault",
            VaultCommand::OpenDemo => "Open the demo practice",
            VaultCommand::Unlock => "Unlock",
            VaultCommand::Lock => "Lock",
            VaultCommand::QuickHide => "Hide",
        }
    }

    pub fn tooltip(&self) -> &'static str {
        match self {
            VaultCommand::Create => {
                "Create your encrypted vault on this computer; the passphrase is the only way in"
            }
            VaultCommand::OpenDemo => {
                "Fictional couples in a throwaway vault, deleted when Tandem closes"
            }
            VaultCommand::Unlock => "Open the vault with its passphrase",
            VaultCommand::Lock => "Lock the vault; the passphrase unlocks it",
            VaultCommand::QuickHide => {
                "Blank every Tandem window at once; the passphrase brings it back"
            }
        }
    }

    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        match self {
            VaultCommand::QuickHide => key(Modifiers::NONE, Key::F12),
            VaultCommand::Lock => key(Modifiers::COMMAND, Key::L),
            VaultCommand::Create | VaultCommand::OpenDemo | VaultCommand::Unlock => None,
        }
    }
}

impl VaultCommand {
    pub fn icon(&self) -> Option<Icon> {
        match self {
            VaultCommand::Unlock => Some(icon::UNLOCK),
            VaultCommand::Lock => Some(icon::LOCK),
            VaultCommand::QuickHide => Some(icon::HIDE),
            VaultCommand::Create => Some(icon::LOCK),
            VaultCommand::OpenDemo => Some(icon::START),
        }
    }
}

impl PracticeCommand {
    pub fn icon(&self) -> Option<Icon> {
        match self {
            PracticeCommand::EditCouple(None) => Some(icon::ADD_COUPLE),
            PracticeCommand::EditCouple(Some(_)) => Some(icon::EDIT),
            PracticeCommand::SaveCouple(_) => Some(icon::SAVE),
            PracticeCommand::ChooseTemplate(_) => Some(icon::NEW_SESSION),
            PracticeCommand::Search(_) => Some(icon::SEARCH),
            PracticeCommand::DismissStatus => Some(icon::CLOSE),
            PracticeCommand::ShowCouples(true) => Some(icon::COUPLES_SHOW),
            PracticeCommand::ShowCouples(false) => Some(icon::COUPLES_HIDE),
            PracticeCommand::ShowShortcuts => Some(icon::KEYBOARD),
            PracticeCommand::SelectCouple(_)
            | PracticeCommand::CloseDialog
            | PracticeCommand::CancelEdit
            | PracticeCommand::ShowTab(_)
            | PracticeCommand::SafetyDetails(_)
            | PracticeCommand::SetDateStyle(_)
            | PracticeCommand::SetAppearance(_) => None,
        }
    }
}

impl PracticeCommand {
    pub fn label(&self) -> &'static str {
        match self {
            PracticeCommand::SelectCouple(_) => "Open",
            PracticeCommand::EditCouple(None) => "Add couple",
            PracticeCommand::EditCouple(Some(_)) => "Edit couple",
            PracticeCommand::SaveCouple(_) => "Save couple",
            PracticeCommand::CancelEdit => "Cancel",
            PracticeCommand::ChooseTemplate(_) => "New session",
            PracticeCommand::ShowTab(tab) => tab.label(),
            PracticeCommand::Search(_) => "Search",
            PracticeCommand::DismissStatus => "Dismiss",
            PracticeCommand::CloseDialog => "Not now",
            PracticeCommand::ShowShortcuts => "Keyboard shortcuts",
            PracticeCommand::ShowCouples(true) => "Show couples",
            PracticeCommand::ShowCouples(false) => "Hide couples",
            PracticeCommand::SetAppearance(appearance) => appearance.label(),
            PracticeCommand::SetDateStyle(style) => style.label(),
            PracticeCommand::SafetyDetails(true) => "Show safety details",
            PracticeCommand::SafetyDetails(false) => "Hide safety details",
        }
    }

    pub fn tooltip(&self) -> &'static str {
        match self {
            PracticeCommand::SelectCouple(_) => "Open this couple's page",
            PracticeCommand::EditCouple(None) => "Add a couple to the practice",
            PracticeCommand::EditCouple(Some(_)) => "Change this couple's code, names or pronouns",
            PracticeCommand::SaveCouple(_) => "Save the couple",
            PracticeCommand::CancelEdit => "Leave the editor without saving",
            PracticeCommand::ChooseTemplate(_) => "Choose a protocol to run with this couple",
            PracticeCommand::ShowTab(_) => "Show this part of the couple's record",
            PracticeCommand::Search(_) => {
                "Find words in every couple, session and note (word starts, any case or accent)"
            }
            PracticeCommand::DismissStatus => "Hide this message",
            PracticeCommand::CloseDialog => "Close this question; nothing is done",
            PracticeCommand::ShowShortcuts => "Every keyboard shortcut, in one list",
            PracticeCommand::ShowCouples(true) => "Show the couples list beside the page",
            PracticeCommand::ShowCouples(false) => {
                "Hide the couples list to give the page the whole width"
            }
            PracticeCommand::SetAppearance(_) => {
                "How Tandem looks on this computer: light, dark, or as the system says"
            }
            PracticeCommand::SetDateStyle(_) => {
                "How every document this practice exports writes dates"
            }
            PracticeCommand::SafetyDetails(true) => {
                "Who needs follow-up, the decision, resources and flagged imports: open them when the couple cannot see the screen"
            }
            PracticeCommand::SafetyDetails(false) => "Close the safety details",
        }
    }
}

impl PracticeCommand {
    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        match self {
            PracticeCommand::ShowShortcuts => key(Modifiers::NONE, Key::F1),
            PracticeCommand::SelectCouple(_)
            | PracticeCommand::EditCouple(_)
            | PracticeCommand::SaveCouple(_)
            | PracticeCommand::CancelEdit
            | PracticeCommand::ChooseTemplate(_)
            | PracticeCommand::ShowTab(_)
            | PracticeCommand::Search(_)
            | PracticeCommand::DismissStatus
            | PracticeCommand::CloseDialog
            | PracticeCommand::ShowCouples(_)
            | PracticeCommand::SafetyDetails(_)
            | PracticeCommand::SetDateStyle(_)
            | PracticeCommand::SetAppearance(_) => None,
        }
    }
}

impl SessionCommand {
    pub fn label(&self) -> String {
        match self {
            SessionCommand::Start { .. } => "Start session".into(),
            SessionCommand::StartSafetyScreen(_) => "Start safety screen".into(),
            SessionCommand::Resume(_) => "Continue".into(),
            SessionCommand::Act(action) | SessionCommand::Submit { action, .. } => {
                action_label(action).into()
            }
            SessionCommand::SetDraft { .. } => "Edit".into(),
            SessionCommand::Close => "Close session".into(),
            SessionCommand::AskToEnd => "End session".into(),
            SessionCommand::AskToRelease => "Release the list".into(),
            SessionCommand::Reopen(_) => "Reopen".into(),
            SessionCommand::TogglePresent => "Present".into(),
            SessionCommand::ShowSafetyCard(true) => "Safety".into(),
            SessionCommand::ShowSafetyCard(false) => "Close card".into(),
            SessionCommand::HandOver(p) => format!("Hand over to {p}"),
            SessionCommand::HandBack => "Return to the therapist's view".into(),
            SessionCommand::FinishReview => "Done reviewing".into(),
        }
    }

    pub fn tooltip(&self) -> &'static str {
        match self {
            SessionCommand::Start { .. } => "Start the protocol with these roles",
            SessionCommand::StartSafetyScreen(_) => {
                "Each partner answers a few safety questions on their own; joint protocols open after your decision"
            }
            SessionCommand::Resume(_) => "Take this session up where it was left",
            SessionCommand::Act(action) | SessionCommand::Submit { action, .. } => {
                action_tooltip(action)
            }
            SessionCommand::SetDraft { .. } => "Text typed here is saved as you type",
            SessionCommand::Close => "Back to the couple's page; the session is saved first",
            SessionCommand::AskToEnd => {
                "End the session: you are asked first, with the steps not done yet"
            }
            SessionCommand::AskToRelease => {
                "Release the question list to be asked in the session: you are asked first"
            }
            SessionCommand::Reopen(_) => {
                "Take this ended session up again where it ended; logged in the audit log"
            }
            SessionCommand::TogglePresent => {
                "Open or close the couple's screen: large prompts, nothing private"
            }
            SessionCommand::ShowSafetyCard(true) => {
                "What to do if a partner becomes abusive or threatening"
            }
            SessionCommand::ShowSafetyCard(false) => "Close the safety card",
            SessionCommand::HandOver(_) => {
                "Show only this partner's part of the step, with no way to anything else; your passphrase brings your view back"
            }
            SessionCommand::HandBack => "Check the passphrase and return to the session",
            SessionCommand::FinishReview => "Close the review; items not reviewed stay due",
        }
    }

    pub fn icon(&self) -> Option<Icon> {
        match self {
            SessionCommand::Start { .. } => Some(icon::START),
            SessionCommand::StartSafetyScreen(_) => Some(icon::SAFETY),
            SessionCommand::Resume(_) => Some(icon::RESUME),
            SessionCommand::Act(action) | SessionCommand::Submit { action, .. } => {
                action_icon(action)
            }
            SessionCommand::AskToEnd => Some(icon::END),
            SessionCommand::Reopen(_) => Some(icon::REOPEN),
            SessionCommand::Close => Some(icon::CLOSE),
            SessionCommand::TogglePresent => Some(icon::PRESENT),
            SessionCommand::ShowSafetyCard(true) => Some(icon::SAFETY),
            SessionCommand::ShowSafetyCard(false) => Some(icon::CLOSE),
            SessionCommand::FinishReview => Some(icon::DONE),
            SessionCommand::SetDraft { .. }
            | SessionCommand::AskToRelease
            | SessionCommand::HandOver(_)
            | SessionCommand::HandBack => None,
        }
    }

    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        match self {
            SessionCommand::TogglePresent => key(Modifiers::NONE, Key::F5),
            SessionCommand::Act(action) | SessionCommand::Submit { action, .. } => {
                action_shortcut(action)
            }
            SessionCommand::Start { .. }
            | SessionCommand::StartSafetyScreen(_)
            | SessionCommand::Resume(_)
            | SessionCommand::SetDraft { .. }
            | SessionCommand::Close
            | SessionCommand::AskToEnd
            | SessionCommand::AskToRelease
            | SessionCommand::Reopen(_)
            | SessionCommand::ShowSafetyCard(_)
            | SessionCommand::HandOver(_)
            | SessionCommand::HandBack
            | SessionCommand::FinishReview => None,
        }
    }
}

impl RecordCommand {
    pub fn label(&self) -> String {
        match self {
            RecordCommand::OpenNote(_) => "Note".into(),
            RecordCommand::EditNote(_) => "Edit".into(),
            RecordCommand::RestyleNote(style) => style.name().into(),
            RecordCommand::RedraftNote => "Draft again from the session".into(),
            RecordCommand::AskToFinalize { .. } => "Finalize note".into(),
            RecordCommand::FinalizeNote { .. } => "Yes, finalize and sign".into(),
            RecordCommand::AmendNote { .. } => "Save amendment".into(),
            RecordCommand::SaveProcessNote(_) => "Save process note".into(),
            RecordCommand::SetServiceCode(_) => "Service code".into(),
            RecordCommand::SaveCredentials { .. } => "Save credentials".into(),
            RecordCommand::CloseNote => "Back to the couple".into(),
            RecordCommand::Ledger(LedgerChange::Review { outcome, .. }) => match outcome {
                Outcome::Kept => "Kept".into(),
                Outcome::Partly => "Partly".into(),
                Outcome::Missed => "Missed".into(),
            },
            RecordCommand::Ledger(LedgerChange::Revise { .. }) => "Save revision".into(),
            RecordCommand::Ledger(LedgerChange::Retire { .. }) => "Retire".into(),
            RecordCommand::Recovery(RecoveryChange::Enter(phase)) => {
                format!("Enter {}", phase.label())
            }
            RecordCommand::Recovery(RecoveryChange::AddCriterion(_)) => "Add criterion".into(),
            RecordCommand::Recovery(RecoveryChange::SetMet { .. }) => "Met".into(),
            RecordCommand::Recovery(RecoveryChange::LogTrigger { .. }) => "Log trigger".into(),
            RecordCommand::Recovery(RecoveryChange::SetTrust { tag, .. }) => tag.label().into(),
            RecordCommand::Custody(entry) => match entry.step {
                CustodyStep::HeldBy(_) => "Record who holds it".into(),
                CustodyStep::DestroyBy(_) => "Schedule destruction".into(),
                CustodyStep::Destroyed => "Record it destroyed".into(),
            },
        }
    }

    pub fn tooltip(&self) -> &'static str {
        match self {
            RecordCommand::OpenNote(_) => {
                "The progress note of this session: drafted from what was recorded, for you to edit and finalize"
            }
            RecordCommand::EditNote(_) => "The draft is saved as you type",
            RecordCommand::RestyleNote(_) => "Arrange the draft under this structure's headings",
            RecordCommand::RedraftNote => {
                "Replace the draft's text with a fresh draft from the session"
            }
            RecordCommand::AskToFinalize { .. } => {
                "Sign and lock the note: you are asked first; later changes are amendments with a reason"
            }
            RecordCommand::FinalizeNote { .. } => {
                "Sign and lock the note; later changes are amendments with a reason"
            }
            RecordCommand::AmendNote { .. } => "Add an amendment; the text before it stays visible",
            RecordCommand::SaveProcessNote(_) => {
                "Your own process notes: kept apart, in no export unless you ask for them separately"
            }
            RecordCommand::SetServiceCode(_) => {
                "The session's service code (e.g. CPT 90847), printed with the note; saved as you type"
            }
            RecordCommand::SaveCredentials { .. } => {
                "Keep these in the practice's settings: every progress note's signature block shows them"
            }
            RecordCommand::CloseNote => "Back to the couple's page (or the running session)",
            RecordCommand::Ledger(LedgerChange::Review { .. }) => {
                "Record how this partner sees the commitment this week"
            }
            RecordCommand::Ledger(LedgerChange::Revise { .. }) => {
                "Save the new wording; earlier versions stay in the ledger"
            }
            RecordCommand::Ledger(LedgerChange::Retire { .. }) => {
                "Retire the commitment, with a reason; it stays in the ledger"
            }
            RecordCommand::Recovery(RecoveryChange::Enter(_)) => {
                "Record that the couple entered this phase today"
            }
            RecordCommand::Recovery(RecoveryChange::AddCriterion(_)) => {
                "Add a criterion for leaving the current phase"
            }
            RecordCommand::Recovery(RecoveryChange::SetMet { .. }) => {
                "Mark this criterion met today, or not met"
            }
            RecordCommand::Recovery(RecoveryChange::LogTrigger { .. }) => {
                "Add the trigger, the response and the repair to the log"
            }
            RecordCommand::Recovery(RecoveryChange::SetTrust { .. }) => {
                "Whether this session touched this TRUST dimension"
            }
            RecordCommand::Custody(entry) => match entry.step {
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
        }
    }
}

impl RecordCommand {
    pub fn icon(&self) -> Option<Icon> {
        match self {
            RecordCommand::OpenNote(_) => Some(icon::NOTE),
            RecordCommand::FinalizeNote { .. }
            | RecordCommand::AskToFinalize { .. }
            | RecordCommand::AmendNote { .. }
            | RecordCommand::SaveCredentials { .. }
            | RecordCommand::SaveProcessNote(_) => Some(icon::SAVE),
            RecordCommand::CloseNote => Some(icon::BACK),
            RecordCommand::EditNote(_)
            | RecordCommand::SetServiceCode(_)
            | RecordCommand::RestyleNote(_)
            | RecordCommand::RedraftNote
            | RecordCommand::Ledger(_)
            | RecordCommand::Recovery(_)
            | RecordCommand::Custody(_) => None,
        }
    }
}

impl ExportCommand {
    pub fn icon(&self) -> Option<Icon> {
        match self {
            ExportCommand::Open(_)
            | ExportCommand::Write(_)
            | ExportCommand::Note
            | ExportCommand::ProcessNotes(_) => Some(icon::EXPORT),
            ExportCommand::ChooseFolder => Some(icon::FOLDER),
            ExportCommand::Cancel => None,
        }
    }
}

impl TakeHomeCommand {
    pub fn icon(&self) -> Option<Icon> {
        match self {
            TakeHomeCommand::Open(_) => Some(icon::TAKE_HOME),
            TakeHomeCommand::Issue => Some(icon::SAVE),
            TakeHomeCommand::Import | TakeHomeCommand::Dropped(_) => Some(icon::TAKE_HOME),
            TakeHomeCommand::ChooseFolder => Some(icon::FOLDER),
            TakeHomeCommand::ChooseFile => Some(icon::FILE),
            TakeHomeCommand::AddEmpty => Some(icon::TAKE_HOME),
            TakeHomeCommand::LeaveEmptyOut | TakeHomeCommand::Close => None,
        }
    }
}

impl ExportCommand {
    pub fn label(&self) -> &'static str {
        match self {
            ExportCommand::Open(ExportTarget::Session(_)) => "Export…",
            ExportCommand::Open(ExportTarget::Progress(_)) => "Export progress…",
            ExportCommand::Write(_) => "Export PDF",
            ExportCommand::ChooseFolder => "Choose folder…",
            ExportCommand::Cancel => "Cancel export",
            ExportCommand::Note => "Export note PDF",
            ExportCommand::ProcessNotes(_) => "Export process notes…",
        }
    }

    pub fn tooltip(&self) -> &'static str {
        match self {
            ExportCommand::Open(ExportTarget::Session(_)) => {
                "Make a PDF of this session: a note, a worksheet, the plan or letters"
            }
            ExportCommand::Open(ExportTarget::Progress(_)) => {
                "Make a PDF of each partner's ratings over the sessions"
            }
            ExportCommand::Write(_) => {
                "Write the PDF; only what the chosen reader may see is in it"
            }
            ExportCommand::ChooseFolder => {
                "Pick the folder in your system's file chooser; or type it into the field"
            }
            ExportCommand::Cancel => "Close the dialog; nothing is written",
            ExportCommand::Note => "Write the progress note as a PDF for your records",
            ExportCommand::ProcessNotes(_) => {
                "Write this couple's process notes as a PDF for you alone; logged in the audit log"
            }
        }
    }
}

impl TakeHomeCommand {
    pub fn label(&self) -> &'static str {
        match self {
            TakeHomeCommand::Open(_) => "Take-home worksheets…",
            TakeHomeCommand::Issue => "Write worksheet file",
            TakeHomeCommand::Import => "Import worksheet",
            TakeHomeCommand::AddEmpty => "Add the empty worksheet",
            TakeHomeCommand::LeaveEmptyOut => "Leave it out",
            TakeHomeCommand::ChooseFolder => "Choose folder…",
            TakeHomeCommand::ChooseFile => "Choose file…",
            TakeHomeCommand::Dropped(_) => "Bring back a dropped worksheet",
            TakeHomeCommand::Close => "Close",
        }
    }

    pub fn tooltip(&self) -> &'static str {
        match self {
            TakeHomeCommand::Open(_) => {
                "Give the couple a worksheet to fill in at home, or bring a filled one back"
            }
            TakeHomeCommand::Issue => {
                "Write an encrypted worksheet file; only the passphrase you give the couple opens it"
            }
            TakeHomeCommand::Import => {
                "Add the filled worksheet to this couple's record as a new session; altered or foreign files are refused"
            }
            TakeHomeCommand::AddEmpty => {
                "Add it as a session with nothing recorded, marked as filled in at home"
            }
            TakeHomeCommand::LeaveEmptyOut => {
                "Do not add it; nothing is written but the audit entry"
            }
            TakeHomeCommand::ChooseFolder => {
                "Pick the folder in your system's file chooser; or type it into the field"
            }
            TakeHomeCommand::ChooseFile => {
                "Pick the filled worksheet file in your system's file chooser; or type its path, or drop it on the couple's page"
            }
            TakeHomeCommand::Dropped(_) => {
                "A worksheet file dropped on a couple's page opens the dialog to bring it back"
            }
            TakeHomeCommand::Close => "Close the dialog",
        }
    }
}

impl ProtocolCommand {
    pub fn label(&self) -> String {
        match self {
            ProtocolCommand::OpenLibrary => "Protocols".into(),
            ProtocolCommand::CloseLibrary => "Back to the practice".into(),
            ProtocolCommand::New => "New protocol".into(),
            ProtocolCommand::Copy(_) => "Copy to edit".into(),
            ProtocolCommand::Edit(_) => "Edit".into(),
            ProtocolCommand::OpenFile => "Open file in the editor".into(),
            ProtocolCommand::ChooseFile | ProtocolCommand::ChooseFolder => "Choose…".into(),
            ProtocolCommand::AskToRemove(_) => "Remove…".into(),
            ProtocolCommand::Remove(_) => "Remove from the library".into(),
            ProtocolCommand::SelectStep(None) => "About this protocol".into(),
            ProtocolCommand::SelectStep(Some(_)) => "Open step".into(),
            ProtocolCommand::AddStep { inside: false, .. } => "Add step".into(),
            ProtocolCommand::AddStep { inside: true, .. } => "Add inside".into(),
            ProtocolCommand::MoveStep { up: true } => "Up".into(),
            ProtocolCommand::MoveStep { up: false } => "Down".into(),
            ProtocolCommand::DuplicateStep => "Duplicate".into(),
            ProtocolCommand::RemoveStep => "Remove step".into(),
            ProtocolCommand::Undo => "Undo".into(),
            ProtocolCommand::Redo => "Redo".into(),
            ProtocolCommand::ShowText(true) => "Edit as text".into(),
            ProtocolCommand::ShowText(false) => "Edit in forms".into(),
            ProtocolCommand::Preview(kind) => kind.label().into(),
            ProtocolCommand::Save => "Save to the practice".into(),
            ProtocolCommand::WriteFile => "Write template file".into(),
            ProtocolCommand::TryIt => "Try it".into(),
            ProtocolCommand::Close => "Close editor".into(),
            ProtocolCommand::Discard => "Close without saving".into(),
        }
    }

    pub fn tooltip(&self) -> &'static str {
        match self {
            ProtocolCommand::OpenLibrary => {
                "The protocols you can run: those shipped with Tandem and the practice's own; make and edit your own"
            }
            ProtocolCommand::CloseLibrary => "Back to the couples",
            ProtocolCommand::New => "Write a protocol of your own, starting from blank",
            ProtocolCommand::Copy(_) => {
                "Open a copy of this protocol in the editor, with an id of its own"
            }
            ProtocolCommand::Edit(_) => {
                "Open this protocol in the editor; saving makes a new version, and sessions that ran the old one keep it"
            }
            ProtocolCommand::OpenFile => {
                "Open a template file (.ron) in the editor: its problems are shown beside their fields, or at line and column"
            }
            ProtocolCommand::ChooseFile => {
                "Choose the template file with the system's file chooser"
            }
            ProtocolCommand::ChooseFolder => "Choose the folder with the system's file chooser",
            ProtocolCommand::AskToRemove(_) => {
                "Take this protocol out of the library; sessions that ran it keep it"
            }
            ProtocolCommand::Remove(_) => {
                "No new sessions of it; every session that ran it still reads as it was"
            }
            ProtocolCommand::SelectStep(None) => {
                "The protocol's title, summary, roles, conditions and the rest"
            }
            ProtocolCommand::SelectStep(Some(_)) => "Edit this step",
            ProtocolCommand::AddStep { inside: false, .. } => {
                "Add a step of the kind chosen, after the selected step"
            }
            ProtocolCommand::AddStep { inside: true, .. } => {
                "Add a step of the kind chosen inside the selected Repeat"
            }
            ProtocolCommand::MoveStep { up: true } => "Move the selected step up",
            ProtocolCommand::MoveStep { up: false } => "Move the selected step down",
            ProtocolCommand::DuplicateStep => "Add a copy of the selected step after it",
            ProtocolCommand::RemoveStep => {
                "Take the selected step out (with the steps inside it); Undo brings it back"
            }
            ProtocolCommand::Undo => "Undo the last change to the protocol",
            ProtocolCommand::Redo => "Redo what was undone",
            ProtocolCommand::ShowText(true) => {
                "The protocol as a template file: edit the text, problems shown at line and column"
            }
            ProtocolCommand::ShowText(false) => "Back to the forms (the text must read first)",
            ProtocolCommand::Preview(_) => "Show the selected step this way beside the form",
            ProtocolCommand::Save => {
                "Store the protocol in the practice's library, to run with couples"
            }
            ProtocolCommand::WriteFile => {
                "Write the protocol as a template file (NAME.ron) into the folder, to keep or share"
            }
            ProtocolCommand::TryIt => {
                "Run the protocol with a fictional couple, as in a session; nothing is saved"
            }
            ProtocolCommand::Close => "Back to the protocols",
            ProtocolCommand::Discard => "The changes since the last save are lost",
        }
    }

    pub fn icon(&self) -> Option<Icon> {
        match self {
            ProtocolCommand::OpenLibrary => Some(icon::PROTOCOLS),
            ProtocolCommand::New => Some(icon::NEW_SESSION),
            ProtocolCommand::Copy(_) | ProtocolCommand::DuplicateStep => Some(icon::COPY),
            ProtocolCommand::Edit(_) => Some(icon::EDIT),
            ProtocolCommand::OpenFile | ProtocolCommand::ChooseFile => Some(icon::FILE),
            ProtocolCommand::ChooseFolder => Some(icon::FOLDER),
            ProtocolCommand::AskToRemove(_)
            | ProtocolCommand::Remove(_)
            | ProtocolCommand::RemoveStep => Some(icon::DELETE),
            ProtocolCommand::AddStep { .. } => Some(icon::MORE),
            ProtocolCommand::MoveStep { up: true } => Some(icon::UP),
            ProtocolCommand::MoveStep { up: false } => Some(icon::DOWN),
            ProtocolCommand::Undo => Some(icon::UNDO),
            ProtocolCommand::Redo => Some(icon::REDO),
            ProtocolCommand::ShowText(true) => Some(icon::CODE),
            ProtocolCommand::ShowText(false) => Some(icon::EDIT),
            ProtocolCommand::Save | ProtocolCommand::WriteFile => Some(icon::SAVE),
            ProtocolCommand::TryIt => Some(icon::START),
            ProtocolCommand::Close | ProtocolCommand::CloseLibrary => Some(icon::BACK),
            ProtocolCommand::Discard => Some(icon::CLOSE),
            ProtocolCommand::SelectStep(_) | ProtocolCommand::Preview(_) => None,
        }
    }

    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        match self {
            ProtocolCommand::Undo => key(Modifiers::COMMAND, Key::Z),
            ProtocolCommand::Redo => key(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z),
            ProtocolCommand::Save => key(Modifiers::COMMAND, Key::S),
            ProtocolCommand::OpenLibrary
            | ProtocolCommand::CloseLibrary
            | ProtocolCommand::New
            | ProtocolCommand::Copy(_)
            | ProtocolCommand::Edit(_)
            | ProtocolCommand::OpenFile
            | ProtocolCommand::ChooseFile
            | ProtocolCommand::ChooseFolder
            | ProtocolCommand::AskToRemove(_)
            | ProtocolCommand::Remove(_)
            | ProtocolCommand::SelectStep(_)
            | ProtocolCommand::AddStep { .. }
            | ProtocolCommand::MoveStep { .. }
            | ProtocolCommand::DuplicateStep
            | ProtocolCommand::RemoveStep
            | ProtocolCommand::ShowText(_)
            | ProtocolCommand::Preview(_)
            | ProtocolCommand::WriteFile
            | ProtocolCommand::TryIt
            | ProtocolCommand::Close
            | ProtocolCommand::Discard => None,
        }
    }
}

/// Every keyboard shortcut, as the F1 list shows it: (keys, what they do). The commands'
/// own shortcuts first, then the keys a field or dialog takes.
pub fn shortcut_list() -> Vec<(String, String)> {
    let verdicts = VERDICTS.map(|outcome| {
        Command::from(SessionCommand::Act(Action::Verdict {
            outcome,
            reply: String::new(),
        }))
    });
    let commands: Vec<Command> = [
        Command::from(PracticeCommand::ShowShortcuts),
        VaultCommand::QuickHide.into(),
        VaultCommand::Lock.into(),
        SessionCommand::TogglePresent.into(),
        SessionCommand::Act(Action::Back).into(),
        SessionCommand::Act(Action::Next).into(),
        SessionCommand::Act(Action::PassFloor).into(),
        ProtocolCommand::Undo.into(),
        ProtocolCommand::Redo.into(),
        ProtocolCommand::Save.into(),
    ]
    .into_iter()
    .chain(verdicts)
    .collect();
    let mut list: Vec<(String, String)> = commands
        .iter()
        .filter_map(|c| {
            c.shortcut().map(|s| {
                (
                    shortcut_text(&s),
                    format!("{}: {}", c.label(), c.tooltip_text()),
                )
            })
        })
        .collect();
    list.push((
        "Ctrl+Enter".into(),
        "Record what you are typing: a message, a mirror, a piece of the floor, a question".into(),
    ));
    list.push((
        "Enter".into(),
        "In a passphrase field: unlock, create the vault, or take the screen back".into(),
    ));
    list.push(("Tab".into(), "Go to the next field or button".into()));
    list
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
        Action::End => "Yes, end the session",
        Action::Reopen => "Reopen the session",
        Action::Undo => "Undo last entry",
        Action::PauseSession => "Pause session",
        Action::ResumeSession => "Resume session",
        Action::Verdict { outcome, .. } => match outcome {
            MirrorOutcome::Confirmed => "That's it",
            MirrorOutcome::Corrected => "Not quite",
            MirrorOutcome::More => "There's more",
        },
        Action::PassFloor => "Pass the floor",
        Action::Resume => "Resume after time-out",
        Action::ReleaseQuestions => "Yes, release the list",
        Action::ReplyToPoint { text, .. } if text.trim().is_empty() => "Remove answer",
        Action::ReplyToPoint { .. } => "Save answer",
        Action::ConfirmGate { .. }
        | Action::Note(_)
        | Action::SetVisibility(_)
        | Action::SpeakerSays(_)
        | Action::Mirror(_)
        | Action::StageAttempt { .. }
        | Action::StageVerdict { .. }
        | Action::FloorChunk(_)
        | Action::FloorParaphrase { .. }
        | Action::Breach { .. }
        | Action::TimeOut { .. }
        | Action::AddQuestion { .. }
        | Action::EditQuestion { .. }
        | Action::SetQuestionStatus { .. }
        | Action::SetCaution { .. }
        | Action::MoveQuestion { .. }
        | Action::AnswerQuestion { .. }
        | Action::AddCommitment(_)
        | Action::EditCommitment { .. }
        | Action::RemoveCommitment { .. }
        | Action::Rate { .. }
        | Action::WriteText { .. }
        | Action::Choose { .. }
        | Action::Check { .. }
        | Action::AnswerItem { .. } => action.name(),
    }
}

/// What a session action does, for its tooltip.
fn action_tooltip(action: &Action) -> &'static str {
    match action {
        Action::Next => "Go to the next step",
        Action::Back => "Go back one step",
        Action::Skip { .. } => "Skip this step (recorded as skipped, with the reason)",
        Action::SwapRoles => "Exchange speaker and listener from this step on",
        Action::End => "End the session now; everything is saved, and it can be reopened",
        Action::Reopen => {
            "Take the ended session up again on the step it ended on; logged in the audit log"
        }
        Action::Undo => {
            "Take back the last entry of this step; possible until the session moves on"
        }
        Action::PauseSession => {
            "Pause the whole session: its clock and the step's timer stop, the couple's screen says Paused, and nothing is recorded until you resume"
        }
        Action::ResumeSession => "Go on with the session; the clocks run again from now",
        Action::Verdict { outcome, .. } => match outcome {
            MirrorOutcome::Confirmed => "The speaker says: yes, that's it, and there is no more",
            MirrorOutcome::Corrected => "The speaker corrects the mirror",
            MirrorOutcome::More => "The mirror was right, and there is more",
        },
        Action::PassFloor => "Give the floor to the other partner",
        Action::Resume => "End the time-out and go on",
        Action::ReleaseQuestions => {
            "The hurt partner releases the question list to be asked in the session"
        }
        Action::ReplyToPoint { text, .. } if text.trim().is_empty() => {
            "Remove the answer to this point; the point counts as not yet answered"
        }
        Action::ReplyToPoint { .. } => {
            "Record this as the answer to the point; the coverage line updates"
        }
        Action::ConfirmGate { .. } => "Confirm this before moving on",
        Action::Note(_) => "Your note beside this step; never shown to the couple",
        Action::SetVisibility(_) => {
            "Who may see this step: narrower at any time, wider only before anything is recorded"
        }
        Action::SpeakerSays(_) => "Record what the speaker said",
        Action::Mirror(_) => "Record the listener's mirror",
        Action::StageAttempt { .. } => "Record this attempt",
        Action::StageVerdict { .. } => "Record the speaker's answer",
        Action::FloorChunk(_) => "Record what the floor holder said",
        Action::FloorParaphrase { .. } => "Record the listener's paraphrase",
        Action::Breach { .. } => "Note that a rule of the floor was broken",
        Action::TimeOut { .. } => "Start a time-out",
        Action::AddQuestion { .. } => "Add the question to the list",
        Action::EditQuestion { .. } => "Save the question's new wording",
        Action::SetQuestionStatus { .. } => "Change where the question stands",
        Action::SetCaution { .. } => "Flag the question for care before it is asked",
        Action::MoveQuestion { .. } => "Change the question's place in the list",
        Action::AnswerQuestion { .. } => "Record the answer",
        Action::AddCommitment(_) => "Add the commitment to the plan",
        Action::EditCommitment { .. } => "Save the commitment's new wording",
        Action::RemoveCommitment { .. } => "Take the commitment out of the plan",
        Action::Rate { .. } => "Record the rating",
        Action::WriteText { .. } => "Record the text",
        Action::Choose { .. } => "Record the choice",
        Action::Check { .. } => "Record the tick",
        Action::AnswerItem { .. } => "Record the answer",
    }
}

/// The icon of a session action, for the main ones.
fn action_icon(action: &Action) -> Option<Icon> {
    match action {
        Action::Next => Some(icon::NEXT),
        Action::Back => Some(icon::BACK),
        Action::Skip { .. } => Some(icon::SKIP),
        Action::SwapRoles | Action::PassFloor => Some(icon::PASS),
        Action::End => Some(icon::END),
        Action::Resume | Action::ResumeSession => Some(icon::RESUME),
        Action::Reopen => Some(icon::REOPEN),
        Action::Undo => Some(icon::UNDO),
        Action::PauseSession => Some(icon::PAUSE),
        Action::Verdict { outcome, .. } => Some(match outcome {
            MirrorOutcome::Confirmed => icon::CONFIRMED,
            MirrorOutcome::Corrected => icon::CORRECTED,
            MirrorOutcome::More => icon::MORE,
        }),
        Action::ConfirmGate { .. }
        | Action::Note(_)
        | Action::SetVisibility(_)
        | Action::SpeakerSays(_)
        | Action::Mirror(_)
        | Action::StageAttempt { .. }
        | Action::StageVerdict { .. }
        | Action::FloorChunk(_)
        | Action::FloorParaphrase { .. }
        | Action::Breach { .. }
        | Action::TimeOut { .. }
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
        | Action::ReplyToPoint { .. } => None,
    }
}

/// The keyboard shortcut of a session action, if it has one.
fn action_shortcut(action: &Action) -> Option<KeyboardShortcut> {
    match action {
        Action::Next => key(Modifiers::ALT, Key::ArrowRight),
        Action::Back => key(Modifiers::ALT, Key::ArrowLeft),
        Action::PassFloor => key(Modifiers::COMMAND, Key::P),
        // One key for both: only the one that applies is offered at a time.
        Action::PauseSession | Action::ResumeSession => key(Modifiers::NONE, Key::F8),
        Action::Verdict { outcome, .. } => match outcome {
            MirrorOutcome::Confirmed => key(Modifiers::COMMAND, Key::Num1),
            MirrorOutcome::Corrected => key(Modifiers::COMMAND, Key::Num2),
            MirrorOutcome::More => key(Modifiers::COMMAND, Key::Num3),
        },
        Action::Skip { .. }
        | Action::SwapRoles
        | Action::ConfirmGate { .. }
        | Action::Note(_)
        | Action::SetVisibility(_)
        | Action::End
        | Action::Reopen
        | Action::Undo
        | Action::SpeakerSays(_)
        | Action::Mirror(_)
        | Action::StageAttempt { .. }
        | Action::StageVerdict { .. }
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
        | Action::ReplyToPoint { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shortcut_names_a_different_key() {
        let commands: Vec<Command> = vec![
            VaultCommand::QuickHide.into(),
            VaultCommand::Lock.into(),
            SessionCommand::TogglePresent.into(),
            SessionCommand::Act(Action::Next).into(),
            SessionCommand::Act(Action::Back).into(),
            SessionCommand::Act(Action::PassFloor).into(),
            // Resume shares this key on purpose; it is offered only while paused.
            SessionCommand::Act(Action::PauseSession).into(),
        ]
        .into_iter()
        .chain(VERDICTS.into_iter().map(|outcome| {
            SessionCommand::Submit {
                action: Action::Verdict {
                    outcome,
                    reply: String::new(),
                },
                drafts: Vec::new(),
            }
            .into()
        }))
        .collect();
        let mut keys: Vec<String> = commands
            .iter()
            .map(|c| shortcut_text(&c.shortcut().expect("has a shortcut")))
            .collect();
        let count = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), count, "{keys:?}");
    }

    #[test]
    fn a_tooltip_names_the_shortcut() {
        let next: Command = SessionCommand::Act(Action::Next).into();
        assert_eq!(next.tooltip(), "Go to the next step (Alt+Right)");
        let hide: Command = VaultCommand::QuickHide.into();
        assert!(hide.tooltip().ends_with("(F12)"), "{}", hide.tooltip());
    }

    #[test]
    fn pause_and_resume_share_one_key_and_never_read_like_the_floors_resume() {
        let pause: Command = SessionCommand::Act(Action::PauseSession).into();
        let resume: Command = SessionCommand::Act(Action::ResumeSession).into();
        let time_out: Command = SessionCommand::Act(Action::Resume).into();
        assert_eq!(pause.shortcut(), resume.shortcut());
        assert!(pause.tooltip().ends_with("(F8)"), "{}", pause.tooltip());
        assert!(resume.tooltip().ends_with("(F8)"), "{}", resume.tooltip());
        let labels = [pause.label(), resume.label(), time_out.label()];
        assert_eq!(
            labels,
            ["Pause session", "Resume session", "Resume after time-out"]
        );
        assert_eq!(time_out.shortcut(), None);
    }
}
