//! What a record file holds once decrypted: an envelope with format version, id and kind
//! around the record itself. The id and kind inside are checked against the file's name
//! and folder on load, so files cannot be swapped unnoticed.

use crate::model::{
    COURSE_FORMAT, ClinicalNote, Couple, CoupleId, Course, IssuedWorksheet, NOTE_FORMAT, NoteId,
    NoteStyle, PROCESS_NOTE_FORMAT, PROTOCOL_FORMAT, ProcessNote, ProtocolRecord, SESSION_FORMAT,
    Session, SessionId, TAKE_HOME_FORMAT,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Format version of the envelope.
pub const ENVELOPE_FORMAT: u32 = 1;

/// The kinds of record, each in its own folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RecordKind {
    Couple,
    Session,
    /// A session's clinical (progress) note.
    Note,
    /// A process note, kept apart from everything exported.
    ProcessNote,
    /// A couple's course: commitments ledger and affair-recovery map. Its id is the
    /// couple's id.
    Course,
    /// A take-home worksheet handed to a couple: what is needed to recognise the filled
    /// file when it comes back. Holds no answers.
    Worksheet,
    /// A protocol version: the practice's own, or one a session ran (`model::protocol`).
    Protocol,
}

impl RecordKind {
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Couple,
        RecordKind::Session,
        RecordKind::Note,
        RecordKind::ProcessNote,
        RecordKind::Course,
        RecordKind::Worksheet,
        RecordKind::Protocol,
    ];

    /// Folder under `records/`.
    pub fn folder(self) -> &'static str {
        match self {
            RecordKind::Couple => "couples",
            RecordKind::Session => "sessions",
            RecordKind::Note => "notes",
            RecordKind::ProcessNote => "process-notes",
            RecordKind::Course => "courses",
            RecordKind::Worksheet => "worksheets",
            RecordKind::Protocol => "protocols",
        }
    }

    /// Name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Couple => "couple",
            RecordKind::Session => "session",
            RecordKind::Note => "note",
            RecordKind::ProcessNote => "process-note",
            RecordKind::Course => "course",
            RecordKind::Worksheet => "worksheet",
            RecordKind::Protocol => "protocol",
        }
    }

    pub fn from_name(name: &str) -> Option<RecordKind> {
        RecordKind::ALL
            .into_iter()
            .find(|k| k.name() == name || k.folder() == name)
    }
}

/// A record of any kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RecordBody {
    Couple(Couple),
    Session(Session),
    Note(ClinicalNote),
    ProcessNote(ProcessNote),
    Course(Course),
    Worksheet(IssuedWorksheet),
    Protocol(ProtocolRecord),
}

impl RecordBody {
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordBody::Couple(_) => RecordKind::Couple,
            RecordBody::Session(_) => RecordKind::Session,
            RecordBody::Note(_) => RecordKind::Note,
            RecordBody::ProcessNote(_) => RecordKind::ProcessNote,
            RecordBody::Course(_) => RecordKind::Course,
            RecordBody::Worksheet(_) => RecordKind::Worksheet,
            RecordBody::Protocol(_) => RecordKind::Protocol,
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            RecordBody::Couple(c) => c.id.0,
            RecordBody::Session(s) => s.id.0,
            RecordBody::Note(n) => n.id.0,
            RecordBody::ProcessNote(n) => n.id.0,
            RecordBody::Course(c) => c.couple.0,
            RecordBody::Worksheet(w) => w.id.0,
            RecordBody::Protocol(p) => p.id.0,
        }
    }

    /// The record's own format version is one this build reads.
    pub fn check_format(&self) -> Result<(), String> {
        let (found, supported) = match self {
            RecordBody::Couple(c) => (c.format, crate::model::COUPLE_FORMAT),
            RecordBody::Session(s) => (s.format, SESSION_FORMAT),
            RecordBody::Note(n) => (n.format, NOTE_FORMAT),
            RecordBody::ProcessNote(n) => (n.format, PROCESS_NOTE_FORMAT),
            RecordBody::Course(c) => (c.format, COURSE_FORMAT),
            RecordBody::Worksheet(w) => (w.format, TAKE_HOME_FORMAT),
            RecordBody::Protocol(p) => (p.format, PROTOCOL_FORMAT),
        };
        if found == supported {
            Ok(())
        } else {
            Err(format!(
                "{} format {found} is not supported (this Tandem reads {supported})",
                self.kind().name()
            ))
        }
    }
}

/// The decrypted content of a record file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub format: u32,
    pub id: Uuid,
    pub kind: RecordKind,
    pub saved_at: DateTime<Utc>,
    /// Where the audit log stood when this file was written (its anchor): a log without
    /// that line was cut or replaced (none in files written before anchors existed).
    #[serde(default)]
    pub audit: Option<super::audit::Anchor>,
    /// How many saves each device made of this record (`sync::Version`): what tells a
    /// newer version from an older one, and both from a conflict, across devices (empty
    /// in files written before versions existed).
    #[serde(default)]
    pub version: super::sync::Version,
    pub body: RecordBody,
}

/// What lists need of a session without opening it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: SessionId,
    pub couple: CoupleId,
    pub template_id: String,
    pub template_title: String,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    pub steps_total: usize,
    pub steps_done: usize,
}

impl SessionSummary {
    pub fn of(session: &Session) -> SessionSummary {
        SessionSummary {
            id: session.id,
            couple: session.couple,
            template_id: session.template_id.clone(),
            template_title: session.template_title.clone(),
            started_at: session.started_at,
            ended_at: session.ended_at,
            steps_total: session.steps.len(),
            steps_done: session
                .steps
                .iter()
                .filter(|s| s.status == crate::model::StepStatus::Done)
                .count(),
        }
    }
}

/// What lists need of a clinical note without opening it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSummary {
    pub id: NoteId,
    pub couple: CoupleId,
    pub session: SessionId,
    pub style: NoteStyle,
    pub finalized: bool,
    pub amendments: usize,
}

impl NoteSummary {
    pub fn of(note: &ClinicalNote) -> NoteSummary {
        NoteSummary {
            id: note.id,
            couple: note.couple,
            session: note.session,
            style: note.style,
            finalized: note.is_final(),
            amendments: note.amendments.len(),
        }
    }
}

/// Which couple (and session) a process note belongs to, without opening it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessNoteSummary {
    pub id: crate::model::ProcessNoteId,
    pub couple: CoupleId,
    pub session: Option<SessionId>,
}

/// Describe a RON parse failure by position only: serde messages can quote values, and
/// values here are clinical text.
pub fn describe_parse_error(e: &ron::error::SpannedError) -> String {
    format!(
        "its content is not a valid record (at {}:{})",
        e.span.start.line, e.span.start.col
    )
}

/// Parse and check decrypted bytes against the expected kind and id.
pub fn decode(bytes: &[u8], kind: RecordKind, id: Uuid) -> Result<Envelope, String> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| "its content is not UTF-8 text".to_string())?;
    let envelope: Envelope = ron::from_str(text).map_err(|e| describe_parse_error(&e))?;
    if envelope.format != ENVELOPE_FORMAT {
        return Err(format!(
            "envelope format {} is not supported (this Tandem reads {ENVELOPE_FORMAT})",
            envelope.format
        ));
    }
    if envelope.kind != kind || envelope.body.kind() != kind {
        return Err(format!(
            "it holds a {} record but sits in the {} folder",
            envelope.body.kind().name(),
            kind.folder()
        ));
    }
    if envelope.id != id || envelope.body.id() != id {
        return Err(format!(
            "the id inside ({}) does not match the file name ({id})",
            envelope.body.id()
        ));
    }
    envelope.body.check_format()?;
    Ok(envelope)
}

/// Serialize a record into its envelope, anchored at audit entry `audit`, at `version`.
pub fn encode(
    body: &RecordBody,
    saved_at: DateTime<Utc>,
    audit: Option<super::audit::Anchor>,
    version: &super::sync::Version,
) -> Result<Vec<u8>, String> {
    let envelope = Envelope {
        format: ENVELOPE_FORMAT,
        id: body.id(),
        kind: body.kind(),
        saved_at,
        audit,
        version: version.clone(),
        body: body.clone(),
    };
    ron::to_string(&envelope)
        .map(String::into_bytes)
        .map_err(|_| "the record could not be written as RON".to_string())
}
