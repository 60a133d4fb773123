//! Take-home worksheets: what the practice remembers of a worksheet it handed a couple
//! (`IssuedWorksheet`, kept in the vault) and what the file the couple fills in at home
//! holds (`TakeHomeFile`, sealed with a passphrase the therapist gives them).
//!
//! Pure data: no clock, no file system, no egui. Building, filling and checking these
//! lives in `runner::takehome`; sealing and writing in `vault::takehome`.

use super::{Audience, Bindings, CoupleId, Partner, Respondent, SessionId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Format version of both the issued record and the take-home file.
pub const TAKE_HOME_FORMAT: u32 = 1;
/// The first field of every take-home file, so that another RON file sealed with the
/// same passphrase is recognised as not being a worksheet.
pub const TAKE_HOME_MAGIC: &str = "tandem take-home worksheet";

/// Identifier of an issued worksheet (and of its file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorksheetId(pub uuid::Uuid);

impl WorksheetId {
    /// The id of the session a filled worksheet becomes: derived from the worksheet's, so
    /// the same worksheet can never be brought back twice, and distinct from it, so no
    /// two records share an id.
    pub fn session_id(self) -> SessionId {
        SessionId(uuid::Uuid::from_u128(self.0.as_u128() ^ 1))
    }
}

/// Who fills a take-home worksheet in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WorksheetFor {
    /// Both partners, together: only what both may see.
    Couple,
    /// One partner on their own: their own entries, including private ones.
    Partner(Partner),
}

impl WorksheetFor {
    pub const ALL: [WorksheetFor; 3] = [
        WorksheetFor::Couple,
        WorksheetFor::Partner(Partner::A),
        WorksheetFor::Partner(Partner::B),
    ];

    /// The reader the file is made for: what it shows follows that audience's rules.
    pub fn audience(self) -> Audience {
        match self {
            WorksheetFor::Couple => Audience::Couple,
            WorksheetFor::Partner(p) => Audience::Partner(p),
        }
    }

    /// The name used on the command line: `couple`, `partner-a`, `partner-b`.
    pub fn name(self) -> &'static str {
        self.audience().name()
    }

    pub fn from_name(name: &str) -> Option<WorksheetFor> {
        WorksheetFor::ALL.into_iter().find(|w| w.name() == name)
    }
}

/// The practice's record of a worksheet it handed out: enough to recognise the filled
/// file when it comes back, and to refuse one it never issued or that was altered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedWorksheet {
    pub format: u32,
    pub id: WorksheetId,
    /// A random secret shared only with the file: a file from another practice, or one
    /// made up, cannot carry it.
    pub token: String,
    pub template_id: String,
    pub template_title: String,
    /// The template text exactly as issued: the returned answers are checked against
    /// this, not against whatever the library holds by then.
    pub template_source: String,
    /// The protocol text the file was given: the reader's copy, without therapist text
    /// or any other reader's steps (`runner::takehome::reader_copy`). A file brought back
    /// must carry exactly this. `None` for a worksheet issued before files held only the
    /// reader's copy: its file holds `template_source` itself.
    #[serde(default)]
    pub file_source: Option<String>,
    pub for_whom: WorksheetFor,
    /// The couple it was made for, when it was made for one.
    #[serde(default)]
    pub couple: Option<CoupleId>,
    pub bindings: Bindings,
    pub issued_at: DateTime<Utc>,
    /// Set once the filled file was brought back; a second import is refused.
    #[serde(default)]
    pub imported: Option<ImportedWorksheet>,
}

/// When and where a filled worksheet was brought back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedWorksheet {
    pub at: DateTime<Utc>,
    pub couple: CoupleId,
    /// The session record made from it.
    pub session: SessionId,
}

/// A question written at home, for a question list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionDraft {
    pub text: String,
    #[serde(default)]
    pub category: String,
    /// "Why I need to know."
    #[serde(default)]
    pub why: String,
}

/// What was filled in for one step, by kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    Text(BTreeMap<Respondent, String>),
    /// Chosen options by respondent.
    Choice(BTreeMap<Respondent, Vec<String>>),
    /// Ticked items by respondent.
    Checklist(BTreeMap<Respondent, Vec<String>>),
    /// Values by rater and item id.
    Rating(BTreeMap<Partner, BTreeMap<String, u8>>),
    /// Questions added to the owner's list, in order.
    Questions(Vec<QuestionDraft>),
}

impl Answer {
    /// True when nothing was filled in.
    pub fn is_empty(&self) -> bool {
        match self {
            Answer::Text(t) => t.values().all(|s| s.trim().is_empty()),
            Answer::Choice(c) | Answer::Checklist(c) => c.values().all(Vec::is_empty),
            Answer::Rating(r) => r.values().all(BTreeMap::is_empty),
            Answer::Questions(q) => q.is_empty(),
        }
    }
}

/// The content of a take-home file, sealed with the couple's passphrase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeHomeFile {
    /// Always `TAKE_HOME_MAGIC`.
    pub magic: String,
    pub format: u32,
    pub id: WorksheetId,
    pub token: String,
    /// The practice's name, shown at the top of the window.
    #[serde(default)]
    pub practice: String,
    /// The protocol as this reader may read it: only the steps the worksheet shows, with
    /// no therapist instructions, gates or scoring (`runner::takehome::reader_copy`).
    /// Display only: a file brought back is checked against the practice's own record
    /// of what it gave out, and its answers against the practice's own copy of the whole
    /// protocol, never against this.
    pub template_source: String,
    pub for_whom: WorksheetFor,
    pub bindings: Bindings,
    /// Names to fill the prompts with ("Partner A" and "Partner B" when the worksheet was
    /// not made for a particular couple).
    pub name_a: String,
    pub name_b: String,
    pub issued_at: DateTime<Utc>,
    /// When the answers were last saved.
    #[serde(default)]
    pub filled_at: Option<DateTime<Utc>>,
    /// What was filled in, by step id.
    #[serde(default)]
    pub answers: BTreeMap<String, Answer>,
    /// The questions already on the owner's list when the worksheet was issued, shown so
    /// they are not written twice. Display only: on import the list is taken from the
    /// practice's own record, never from the file.
    #[serde(default)]
    pub list_so_far: Vec<QuestionDraft>,
}

impl TakeHomeFile {
    /// The display name of a partner, for filling prompts.
    pub fn name_of(&self, partner: Partner) -> &str {
        match partner {
            Partner::A => &self.name_a,
            Partner::B => &self.name_b,
        }
    }

    /// The names to fill prompts with.
    pub fn names(&self) -> super::PartnerNames {
        super::PartnerNames {
            a: self.name_a.clone(),
            b: self.name_b.clone(),
            ..Default::default()
        }
    }
}
