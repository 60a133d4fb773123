//! What the window's fields hold between frames: text typed, choices made, dialogs open.
//! Views edit these in place; commands carry them to `AppState::apply`.

use super::command::{CoupleTab, ExportDraft};
use crate::model::{ClinicalNote, Holder, NoteSection, Partner, ProcessNoteId, SessionId};
use crate::practice::CoupleInput;
use std::collections::BTreeMap;
use zeroize::Zeroize;

/// The sync conflicts screen: the conflicts as last read, the one shown, and which of
/// its parts (steps, sections) a merge takes from the other version.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConflictsForm {
    pub list: Vec<crate::vault::conflicts::Conflict>,
    /// The shown conflict's copy file name.
    pub selected: Option<String>,
    pub take_other: std::collections::BTreeSet<usize>,
}

/// Form fields outside a session, and the session's skip reason.
#[derive(Default)]
pub struct Forms {
    /// The sync conflicts screen.
    pub conflicts: ConflictsForm,
    pub passphrase: String,
    pub passphrase_again: String,
    /// The filter over the couples list.
    pub filter: String,
    pub show_archived: bool,
    /// The couple editor, while it is open.
    pub couple: Option<CoupleInput>,
    /// Template chosen on the New session screen, and who holds the first role of each pair.
    pub template: Option<String>,
    pub speaker_is_b: bool,
    pub hurt_is_b: bool,
    pub skip_reason: String,
    /// The couple page's tab.
    pub tab: CoupleTab,
    /// The note being read or edited.
    pub note: Option<NoteForm>,
    /// Fields of the commitments ledger and recovery map.
    pub ledger: LedgerForm,
    pub recovery: RecoveryForm,
    /// The couples list beside the practice screen is folded away.
    pub couples_hidden: bool,
    /// The commitment review at the top of the running session was closed.
    pub review_closed: bool,
    /// Full-text search: the query typed, and what the last search found.
    pub query: String,
    pub found: Option<Found>,
    /// A search asked for while the search index was still loading: it runs once loaded.
    pub waiting_query: Option<String>,
    /// The couple whose safety details are open on their page, after a deliberate click;
    /// closed once the page is left (`AppState::logic`).
    pub safety_details: Option<crate::model::CoupleId>,
    /// The protocols screen's template file field.
    pub protocol_file: String,
    /// The protocol editor, while it is open.
    pub editor: Option<super::editor::EditorForm>,
    /// A take-home worksheet Tandem was opened on, offered on the next couple's page
    /// opened (a path only: nothing of it is read before its passphrase is typed).
    pub pending_worksheet: Option<std::path::PathBuf>,
}

impl Forms {
    /// Forget every passphrase typed.
    pub fn clear_secrets(&mut self) {
        self.passphrase.zeroize();
        self.passphrase_again.zeroize();
    }

    /// Forget everything decrypted (on locking).
    pub fn clear_records(&mut self) {
        self.note = None;
        self.found = None;
        self.waiting_query = None;
        self.query.clear();
        self.ledger = LedgerForm::default();
        self.recovery = RecoveryForm::default();
        self.couple = None;
        self.safety_details = None;
        // The protocol editor stays: a protocol holds no one's records, and a draft not
        // yet saved is not lost to an auto-lock.
        self.clear_secrets();
    }
}

/// A dialog or mode over the screen: at most one at a time.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Overlay {
    #[default]
    None,
    /// The couple's window is open beside the running session.
    Present,
    /// The card for a partner who becomes abusive or threatening.
    SafetyCard,
    Export(ExportDraft),
    TakeHome(super::takehome::TakeHomeDraft),
    /// The screen belongs to this partner, for the step on screen only, until the
    /// therapist's passphrase takes it back.
    HandOver(Partner),
    /// Quick hide: every window blank until the passphrase is given.
    Hidden,
    /// A question before something that cannot simply be taken back.
    Confirm(Confirm),
    /// The list of keyboard shortcuts (F1).
    Shortcuts,
}

/// What a confirmation dialog asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// End the running session (the dialog lists the steps not done).
    EndSession,
    /// Release the question list of the step on screen.
    ReleaseQuestions,
    /// Finalize (sign) the open note as this clinician.
    FinalizeNote { clinician: String },
    /// Take one of the practice's own protocols out of the library.
    RemoveProtocol(String),
    /// Leave the protocol editor with changes not saved.
    DiscardProtocol,
}

impl Overlay {
    /// Forget any passphrase a dialog holds.
    pub fn clear_secrets(&mut self) {
        if let Overlay::TakeHome(draft) = self {
            draft.clear_secrets();
        }
    }
}

/// The note screen's fields.
#[derive(Clone, Debug)]
pub struct NoteForm {
    pub session: SessionId,
    /// The note as saved.
    pub note: ClinicalNote,
    /// The text being edited: the draft, or the amendment being written.
    pub sections: Vec<NoteSection>,
    /// Changed since last saved (drafts save on every frame they change).
    pub dirty: bool,
    /// The name a finalize or an amendment is signed with.
    pub clinician: String,
    /// The service code as typed.
    pub service_code: String,
    /// The credentials and licence number for the signature block, as typed (saved to
    /// the practice's settings on request).
    pub credentials: String,
    pub licence_number: String,
    pub reason: String,
    /// This session's process note, kept apart.
    pub process: String,
    pub process_id: Option<ProcessNoteId>,
}

/// Fields of the commitments ledger.
#[derive(Clone, Debug, Default)]
pub struct LedgerForm {
    /// A note beside each partner's review of each item.
    pub review_notes: BTreeMap<(u32, Partner), String>,
    /// The item being revised and its new wording.
    pub revising: Option<u32>,
    pub behaviour: String,
    pub rhythm: String,
    pub review_on: String,
    pub reason: String,
}

/// Fields of the affair-recovery map.
#[derive(Clone, Debug, Default)]
pub struct RecoveryForm {
    pub custody: CustodyForm,
    pub criterion: String,
    pub on: String,
    pub trigger: String,
    pub response: String,
    pub repair: String,
}

/// Who the custody form says holds the document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HolderChoice {
    #[default]
    Therapist,
    Partner(Partner),
    Other,
}

/// Fields of the disclosure document's custody log.
#[derive(Clone, Debug, Default)]
pub struct CustodyForm {
    pub holder: HolderChoice,
    /// Who else holds it, with `HolderChoice::Other`.
    pub other: String,
    /// YYYY-MM-DD.
    pub destroy_by: String,
    pub note: String,
    /// Kept between entries: usually the same therapist.
    pub recorded_by: String,
}

impl CustodyForm {
    pub fn holder(&self) -> Holder {
        match self.holder {
            HolderChoice::Therapist => Holder::Therapist,
            HolderChoice::Partner(p) => Holder::Partner(p),
            HolderChoice::Other => Holder::Other(self.other.clone()),
        }
    }
}

/// What a search found in one couple's records: (where, snippet) per hit.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundGroup {
    pub couple: crate::model::CoupleId,
    pub code: String,
    pub hits: Vec<(String, String)>,
}

/// What a search found, grouped by couple.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Found {
    pub query: String,
    pub groups: Vec<FoundGroup>,
    pub total: usize,
}

impl Found {
    /// Results as the practice screen lists them.
    pub fn of(query: &str, results: crate::clinical::search::SearchResults) -> Found {
        Found {
            query: query.to_string(),
            total: results.total,
            groups: results
                .groups
                .into_iter()
                .map(|g| FoundGroup {
                    couple: g.couple,
                    code: g.code,
                    hits: g
                        .hits
                        .into_iter()
                        .map(|h| {
                            (
                                format!(
                                    "{} {} · {}",
                                    h.at.format("%Y-%m-%d"),
                                    h.kind.label(),
                                    h.place
                                ),
                                h.snippet,
                            )
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
