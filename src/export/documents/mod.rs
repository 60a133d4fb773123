//! The documents Tandem exports, built as `Report`s from records: session notes, filled
//! worksheets, communication plans and letters (`session`), progress reports
//! (`progress`), blank worksheets (`blank`), and the clinician's progress notes and, on
//! explicit request only, process notes (`clinical`).
//!
//! Every document built from a session starts from `model::redact`, so it can only
//! contain what its audience may see. Pure: the clock and time zone come in through
//! `Context`.

mod blank;
mod clinical;
mod progress;
mod session;

pub use blank::{blank_worksheet, fill_generic};
pub use clinical::{
    ChartFacts, Clinician, DRAFT_STAMP, LinkedSessions, RiskFacts, WordChange,
    clinical_note_report, process_notes_report, word_diff,
};
pub use progress::{progress_report, progress_report_with_course};
pub use session::session_report;

use super::report::{DocumentKind, Report};
use crate::model::{Audience, Couple, Partner, Respondent};
use chrono::{DateTime, FixedOffset, Utc};

/// What a document needs besides records: the practice, the time it is made, and the
/// time zone dates are shown in.
#[derive(Clone, Debug)]
pub struct Context {
    pub practice: String,
    pub now: DateTime<Utc>,
    /// How times are shown.
    pub zone: Zone,
    /// The practice's safety resources (support lines), listed in the couple's summary.
    pub resources: Vec<String>,
    /// How dates are written (the practice's setting).
    pub dates: crate::model::DateStyle,
}

/// The time zone dates and times are shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// The computer's own zone, with its daylight-saving rules applied to each time (a
    /// session from before a clock change shows the time it had then).
    Local,
    /// A fixed offset from UTC (tests, and exports for another zone).
    Fixed(FixedOffset),
}

impl Context {
    fn local(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self.zone {
            Zone::Local => at.with_timezone(&chrono::Local).fixed_offset(),
            Zone::Fixed(offset) => at.with_timezone(&offset),
        }
    }

    fn date(&self, at: DateTime<Utc>) -> String {
        self.local(at).format(self.dates.format()).to_string()
    }

    /// A calendar date (a commitment's start or review) in the practice's style.
    fn day(&self, date: chrono::NaiveDate) -> String {
        date.format(self.dates.format()).to_string()
    }

    fn time(&self, at: DateTime<Utc>) -> String {
        self.local(at).format("%H:%M").to_string()
    }

    fn made_on(&self) -> String {
        format!(
            "{}, {}",
            self.local(self.now).format(self.dates.format()),
            self.time(self.now)
        )
    }
}

/// The documents made from one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionDocument {
    /// The clinical record of what happened, step by step.
    Note,
    /// The prompts with what each partner wrote, chose or rated.
    Worksheet,
    /// The commitments, with a place to mark each at the review.
    Plan,
    /// The texts the protocol marks as letters (impact and restitution letters).
    Letters,
}

impl SessionDocument {
    pub const ALL: [SessionDocument; 4] = [
        SessionDocument::Note,
        SessionDocument::Worksheet,
        SessionDocument::Plan,
        SessionDocument::Letters,
    ];

    pub fn kind(self) -> DocumentKind {
        match self {
            SessionDocument::Note => DocumentKind::SessionNote,
            SessionDocument::Worksheet => DocumentKind::FilledWorksheet,
            SessionDocument::Plan => DocumentKind::Plan,
            SessionDocument::Letters => DocumentKind::Letters,
        }
    }

    pub fn name(self) -> &'static str {
        self.kind().name()
    }

    pub fn from_name(name: &str) -> Option<SessionDocument> {
        SessionDocument::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The document's name for people.
    pub fn label(self) -> &'static str {
        match self {
            SessionDocument::Note => "Session note",
            SessionDocument::Worksheet => "Filled worksheet",
            SessionDocument::Plan => "Communication plan",
            SessionDocument::Letters => "Letters",
        }
    }
}

/// A step of a template by id, wherever it is nested.
pub use crate::template::find_step;

/// A partner's name, or "Partner A" when the record has none.
fn name(couple: &Couple, partner: Partner) -> String {
    couple.display_name(partner)
}

fn respondent_name(couple: &Couple, respondent: Respondent) -> String {
    match respondent {
        Respondent::Joint => "Together".into(),
        Respondent::Partner(p) => name(couple, p),
        Respondent::Clinician => "Therapist".into(),
    }
}

fn duration(secs: i64) -> String {
    let mins = (secs.max(0) + 30) / 60;
    match mins {
        0 => "under a minute".into(),
        m if m < 60 => format!("{m} min"),
        m => format!("{} h {:02} min", m / 60, m % 60),
    }
}

use crate::model::plural;

fn audience_line(audience: Audience, couple: &Couple) -> String {
    match audience {
        Audience::Clinician => "The clinician: everything recorded, private items included".into(),
        Audience::Couple => "The couple: shared items only, nothing private".into(),
        Audience::Partner(p) => format!(
            "{} ({p}) only: shared items and their own private items",
            name(couple, p)
        ),
    }
}

/// An item id as a short title: "felt_heard" reads "Felt heard".
fn humanize(id: &str) -> String {
    capitalize(&id.replace(['_', '-'], " "))
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Keep words together on a line: no-break spaces instead of spaces.
fn unbreakable(text: &str) -> String {
    text.replace(' ', "\u{00A0}")
}

/// The file name a document is saved under by default: couple code, date, document and
/// audience (never names).
pub fn file_name(report: &Report) -> String {
    let code: String = report
        .couple_code
        .as_deref()
        .unwrap_or("tandem")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!(
        "{code}-{}-{}-{}.pdf",
        report.date,
        report.kind.name(),
        report.audience.name()
    )
}
