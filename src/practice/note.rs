//! Progress notes and process notes: opening one (drafted from its session when there is
//! none yet), saving the draft as it is edited, restyling and drafting again, finalizing
//! and amending (both logged first), and the process note kept apart.

use super::couple::CoupleRecord;
use super::error::refused;
use super::{Practice, PracticeError};
use crate::clinical::draft_note;
use crate::model::{
    ClinicalNote, NoteId, NoteSection, NoteStyle, PROCESS_NOTE_FORMAT, ProcessNote, ProcessNoteId,
    Session,
};
use crate::vault::RecordBody;
use crate::vault::audit::AuditAction;
use chrono::{DateTime, Utc};

impl Practice {
    /// A fresh draft of a session's note, in `style`, from what the session recorded.
    pub fn draft_note(
        &self,
        record: &CoupleRecord,
        session: &Session,
        id: NoteId,
        style: NoteStyle,
        now: DateTime<Utc>,
    ) -> ClinicalNote {
        draft_note(
            id,
            session,
            &record.couple,
            self.template_of(session).as_deref(),
            Some(&record.course),
            style,
            now,
        )
    }

    /// Open a session's progress note, drafting and saving it first if there is none.
    /// `session` is the session as it is now (the running one includes what was just
    /// typed). Logged before it is handed out.
    pub fn open_note(
        &mut self,
        record: &mut CoupleRecord,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<ClinicalNote, PracticeError> {
        let note = match record.notes.iter().find(|n| n.session == session.id) {
            Some(n) => n.clone(),
            None => {
                let style = self.vault.header().note_style;
                let note =
                    self.draft_note(record, session, NoteId(uuid::Uuid::new_v4()), style, now);
                self.log(AuditAction::Open, Some(note.id.0), "progress note", now)?;
                self.store_note(record, note.clone(), now)?;
                return Ok(note);
            }
        };
        self.log(AuditAction::Open, Some(note.id.0), "progress note", now)?;
        Ok(note)
    }

    /// Save a note and keep it in the couple's record.
    fn store_note(
        &mut self,
        record: &mut CoupleRecord,
        note: ClinicalNote,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        self.save(RecordBody::Note(note.clone()), now)?;
        record.put_note(note);
        Ok(())
    }

    /// Save a draft's edited text. Refused for a finalized note (amend it instead).
    pub fn edit_note(
        &mut self,
        record: &mut CoupleRecord,
        note: &ClinicalNote,
        sections: Vec<NoteSection>,
        now: DateTime<Utc>,
    ) -> Result<ClinicalNote, PracticeError> {
        let mut note = note.clone();
        note.edit(sections, now)
            .map_err(|e| refused(e.to_string()))?;
        self.store_note(record, note.clone(), now)?;
        Ok(note)
    }

    /// Change a draft's structure (SOAP, DAP, BIRP); the practice's default follows.
    pub fn restyle_note(
        &mut self,
        record: &mut CoupleRecord,
        note: &ClinicalNote,
        style: NoteStyle,
        now: DateTime<Utc>,
    ) -> Result<ClinicalNote, PracticeError> {
        let mut note = note.clone();
        note.restyle(style, now)
            .map_err(|e| refused(e.to_string()))?;
        self.store_note(record, note.clone(), now)?;
        if !self.is_read_only() && self.vault.header().note_style != style {
            let name = self.vault.header().clinician_name.clone();
            self.set_note_defaults(style, &name, now)?;
        }
        Ok(note)
    }

    /// Set or clear a draft's service code. Refused for a finalized note.
    pub fn set_note_service_code(
        &mut self,
        record: &mut CoupleRecord,
        note: &ClinicalNote,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<ClinicalNote, PracticeError> {
        let mut note = note.clone();
        note.set_service_code(code, now)
            .map_err(|e| refused(e.to_string()))?;
        self.store_note(record, note.clone(), now)?;
        Ok(note)
    }

    /// Replace a draft's text with a fresh draft from the session.
    pub fn redraft_note(
        &mut self,
        record: &mut CoupleRecord,
        note: &ClinicalNote,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<ClinicalNote, PracticeError> {
        if note.is_final() {
            return Err(refused(
                "this note is finalized; change it with an amendment (with a reason)",
            ));
        }
        let fresh = self.draft_note(record, session, note.id, note.style, now);
        self.edit_note(record, note, fresh.sections, now)
    }

    /// Sign and lock a note: logged first, then saved. The name signed with becomes the
    /// practice's default.
    pub fn finalize_note(
        &mut self,
        record: &mut CoupleRecord,
        note: &ClinicalNote,
        clinician: &str,
        now: DateTime<Utc>,
    ) -> Result<ClinicalNote, PracticeError> {
        let mut note = note.clone();
        note.finalize(clinician, now)
            .map_err(|e| refused(e.to_string()))?;
        self.log(AuditAction::Finalize, Some(note.id.0), "progress note", now)?;
        self.store_note(record, note.clone(), now)?;
        if self.vault.header().clinician_name != clinician.trim() {
            let style = self.vault.header().note_style;
            self.set_note_defaults(style, clinician, now)?;
        }
        Ok(note)
    }

    /// Add an amendment to a finalized note, with a reason: logged first, then saved.
    pub fn amend_note(
        &mut self,
        record: &mut CoupleRecord,
        note: &ClinicalNote,
        clinician: &str,
        reason: &str,
        sections: Vec<NoteSection>,
        now: DateTime<Utc>,
    ) -> Result<ClinicalNote, PracticeError> {
        let mut note = note.clone();
        note.amend(clinician, reason, sections, now)
            .map_err(|e| refused(e.to_string()))?;
        self.log(AuditAction::Amend, Some(note.id.0), "progress note", now)?;
        self.store_note(record, note.clone(), now)?;
        Ok(note)
    }

    /// Save the process note of a session: the one with `id`, or a new one.
    pub fn save_process_note(
        &mut self,
        record: &mut CoupleRecord,
        session: &Session,
        id: Option<ProcessNoteId>,
        text: String,
        now: DateTime<Utc>,
    ) -> Result<ProcessNote, PracticeError> {
        let existing = id.and_then(|id| record.process_notes.iter().find(|p| p.id == id));
        let note = match existing {
            Some(n) => ProcessNote {
                text,
                updated_at: now,
                ..n.clone()
            },
            None => ProcessNote {
                format: PROCESS_NOTE_FORMAT,
                id: ProcessNoteId(uuid::Uuid::new_v4()),
                couple: record.couple.id,
                session: Some(session.id),
                written_at: now,
                updated_at: now,
                text,
            },
        };
        self.save(RecordBody::ProcessNote(note.clone()), now)?;
        record.put_process_note(note.clone());
        Ok(note)
    }
}
