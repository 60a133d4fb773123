//! A couple's record as a front end opens it: the couple, every session, the notes, the
//! course (commitments ledger, recovery map, custody log) and the measures drawn from
//! the sessions; and adding or editing a couple.

use super::error::refused;
use super::imports::ImportFlag;
use super::{Practice, PracticeError};
use crate::clinical::{Measure, measure_series};
use crate::model::{
    Audience, COUPLE_FORMAT, ClinicalNote, Couple, CoupleFacts, CoupleId, Course, PartnerInfo,
    ProcessNote, Session, SessionId,
};
use crate::runner::facts::{SafetyStatus, safety_status};
use crate::template::Library;
use crate::vault::audit::AuditAction;
use crate::vault::{RecordBody, RecordKind};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A couple's whole record, loaded.
#[derive(Clone, Debug)]
pub struct CoupleRecord {
    pub couple: Couple,
    /// Every session that opened, oldest first.
    pub sessions: Vec<Session>,
    pub facts: CoupleFacts,
    /// What the safety screens say: positive screens, dates, the re-screen date.
    pub safety: SafetyStatus,
    /// Progress notes by session.
    pub notes: Vec<ClinicalNote>,
    pub process_notes: Vec<ProcessNote>,
    /// The commitments ledger (every plan item carried in) and recovery map.
    pub course: Course,
    /// Every measure over the sessions, as the progress view charts it.
    pub measures: Vec<Measure>,
    /// Files of this couple that did not open and were set aside.
    pub unreadable: Unreadable,
    /// Sessions and notes flagged when they were brought in with `tandem import`, by
    /// record id (`practice::imports`).
    pub import_flags: BTreeMap<uuid::Uuid, Vec<ImportFlag>>,
}

/// How many of a couple's records could not be opened (set aside by the vault and listed
/// among the problems).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unreadable {
    pub sessions: usize,
    /// Notes, process notes and the course.
    pub notes: usize,
}

impl CoupleRecord {
    /// How many of this couple's records were flagged when they were imported.
    pub fn flagged_count(&self) -> usize {
        self.import_flags.len()
    }

    /// The flags of one record (none for a record not imported, or imported clean).
    pub fn flags_of(&self, id: uuid::Uuid) -> &[ImportFlag] {
        self.import_flags.get(&id).map_or(&[], Vec::as_slice)
    }

    /// One of this couple's sessions.
    pub fn session(&self, id: SessionId) -> Option<&Session> {
        self.sessions.iter().find(|s| s.id == id)
    }

    /// Take in a session as it is now (the running one), and derive the safety facts
    /// and measures again. (`Practice::take_in_session` also carries its plan into the
    /// ledger, once the session is saved.)
    pub fn put_session(&mut self, session: Session, library: &Library) {
        match self.sessions.iter_mut().find(|s| s.id == session.id) {
            Some(slot) => *slot = session,
            None => {
                self.sessions.push(session);
                self.sessions.sort_by_key(|s| s.started_at);
            }
        }
        self.safety = safety_status(&self.sessions);
        self.facts = self.safety.facts.clone();
        self.measures = measure_series(&self.sessions, library, Audience::Clinician);
    }

    /// Keep a note in the record after it was saved.
    pub(crate) fn put_note(&mut self, note: ClinicalNote) {
        match self.notes.iter_mut().find(|n| n.id == note.id) {
            Some(slot) => *slot = note,
            None => self.notes.push(note),
        }
    }

    /// Keep a process note in the record after it was saved.
    pub(crate) fn put_process_note(&mut self, note: ProcessNote) {
        match self.process_notes.iter_mut().find(|n| n.id == note.id) {
            Some(slot) => *slot = note,
            None => self.process_notes.push(note),
        }
    }

    /// The question list a new session carries over: the latest non-empty one.
    pub fn latest_questions(&self) -> Option<crate::model::QuestionsRecord> {
        self.sessions
            .iter()
            .rev()
            .flat_map(|s| s.steps.iter().rev())
            .find_map(|step| {
                let crate::model::StepData::Questions(q) = &step.data else {
                    return None;
                };
                (!q.items.is_empty()).then(|| q.clone())
            })
    }
}

/// A couple as entered in a form: new (no id) or edited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoupleInput {
    pub id: Option<CoupleId>,
    pub code: String,
    pub name_a: String,
    pub pronouns_a: String,
    pub name_b: String,
    pub pronouns_b: String,
    pub archived: bool,
}

impl CoupleInput {
    /// The form for an existing couple.
    pub fn of(couple: &Couple) -> CoupleInput {
        CoupleInput {
            id: Some(couple.id),
            code: couple.code.clone(),
            name_a: couple.partner_a.name.clone(),
            pronouns_a: couple.partner_a.pronouns.clone(),
            name_b: couple.partner_b.name.clone(),
            pronouns_b: couple.partner_b.pronouns.clone(),
            archived: couple.archived,
        }
    }
}

/// Carry a session's plan items into the ledger and note which TRUST dimensions its
/// protocol touches. True when the course changed.
fn carry_forward(course: &mut Course, session: &Session, library: &Library) -> bool {
    let mut changed = course.carry_forward(session) > 0;
    if !course.recovery.trust_touched.contains_key(&session.id)
        && let Some(template) = library.get(&session.template_id)
        && !template.trust.is_empty()
    {
        course
            .recovery
            .trust_touched
            .insert(session.id, template.trust.iter().copied().collect());
        changed = true;
    }
    changed
}

impl Practice {
    /// Take a saved session (closed, or brought back from home) into its couple's open
    /// record: its plan joins the ledger (the course is saved if that changed it), and
    /// the safety facts and measures are derived again.
    pub fn take_in_session(
        &mut self,
        record: &mut CoupleRecord,
        session: Session,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        if session.couple != record.couple.id {
            return Err(refused("that session belongs to another couple"));
        }
        let mut course = record.course.clone();
        if carry_forward(&mut course, &session, self.library()) && !self.is_read_only() {
            self.save(RecordBody::Course(course.clone()), now)?;
            record.course = course;
        }
        record.put_session(session, self.library());
        Ok(())
    }

    /// Open a couple's whole record. Logged before anything is read: what cannot be
    /// logged is not opened. Plans of the sessions are carried into the ledger (and the
    /// course saved if that changed it).
    pub fn open_couple(
        &mut self,
        id: CoupleId,
        now: DateTime<Utc>,
    ) -> Result<CoupleRecord, PracticeError> {
        let couple = self
            .lists
            .couple(id)
            .cloned()
            .ok_or_else(|| refused("that couple is not in this vault"))?;
        self.log(AuditAction::Open, Some(id.0), "couple", now)?;
        let (sessions, unreadable_sessions) = self.vault.couple_sessions(&self.lists.sessions, id);
        let mut unreadable = Unreadable {
            sessions: unreadable_sessions,
            notes: 0,
        };
        let mut notes = Vec::new();
        for summary in self.lists.notes.iter().filter(|n| n.couple == id) {
            match self.vault.load(RecordKind::Note, summary.id.0) {
                Ok(RecordBody::Note(n)) => notes.push(n),
                _ => unreadable.notes += 1,
            }
        }
        let mut process_notes = Vec::new();
        for summary in self.lists.process_notes.iter().filter(|n| n.couple == id) {
            match self.vault.load(RecordKind::ProcessNote, summary.id.0) {
                Ok(RecordBody::ProcessNote(n)) => process_notes.push(n),
                _ => unreadable.notes += 1,
            }
        }
        // A damaged course is set aside by the vault and reported; the ledger starts
        // again from the sessions' plans rather than stay unusable.
        let mut course = match self.vault.course(id) {
            Ok(c) => c,
            Err(_) => {
                unreadable.notes += 1;
                Course::new(id)
            }
        };
        let mut changed = false;
        for session in &sessions {
            changed |= carry_forward(&mut course, session, self.library());
        }
        if changed && !self.is_read_only() {
            self.save(RecordBody::Course(course.clone()), now)?;
        }
        let safety = safety_status(&sessions);
        let import_flags = self.couple_import_flags(id, &sessions, &notes)?;
        Ok(CoupleRecord {
            facts: safety.facts.clone(),
            safety,
            measures: measure_series(&sessions, self.library(), Audience::Clinician),
            couple,
            sessions,
            notes,
            process_notes,
            course,
            unreadable,
            import_flags,
        })
    }

    /// Add a couple, or save the edits to one. Returns the couple as saved.
    pub fn save_couple(
        &mut self,
        input: &CoupleInput,
        now: DateTime<Utc>,
    ) -> Result<Couple, PracticeError> {
        if input.name_a.trim().is_empty() || input.name_b.trim().is_empty() {
            return Err(refused("both partners need a name"));
        }
        if input.code.trim().is_empty() {
            return Err(refused("the couple needs a code"));
        }
        let existing = input.id.and_then(|id| self.lists.couple(id).cloned());
        if input.id.is_some() && existing.is_none() {
            return Err(refused("that couple is not in this vault"));
        }
        let couple = Couple {
            format: COUPLE_FORMAT,
            id: input.id.unwrap_or_else(|| CoupleId(uuid::Uuid::new_v4())),
            code: input.code.trim().to_string(),
            partner_a: PartnerInfo {
                name: input.name_a.trim().to_string(),
                pronouns: input.pronouns_a.trim().to_string(),
            },
            partner_b: PartnerInfo {
                name: input.name_b.trim().to_string(),
                pronouns: input.pronouns_b.trim().to_string(),
            },
            created_on: existing.as_ref().map_or(now.date_naive(), |c| c.created_on),
            archived: input.archived,
        };
        self.save(RecordBody::Couple(couple.clone()), now)?;
        Ok(couple)
    }

    /// The code offered for a new couple: one past the highest `C-NNNN`.
    pub fn next_code(&self) -> String {
        let highest = self
            .lists
            .couples
            .iter()
            .filter_map(|c| {
                c.code
                    .strip_prefix("C-")
                    .and_then(|n| n.parse::<u32>().ok())
            })
            .max()
            .unwrap_or(100);
        format!("C-{:04}", highest + 1)
    }

    /// A couple's sessions as saved (for the command line, which opens no couple page),
    /// and how many did not open. Needs the lists (`OpenRequest::lists`).
    pub fn couple_sessions(&self, id: CoupleId) -> (Vec<Session>, usize) {
        self.vault.couple_sessions(&self.lists.sessions, id)
    }

    /// The couple record with this id, from the vault (command line).
    pub fn load_couple(&self, id: CoupleId) -> Result<Couple, PracticeError> {
        match self.vault.load(RecordKind::Couple, id.0)? {
            RecordBody::Couple(c) => Ok(c),
            _ => Err(refused(format!("record {} is not a couple", id.0))),
        }
    }

    /// A session from the vault.
    pub fn load_session(&self, id: SessionId) -> Result<Session, PracticeError> {
        match self.vault.load(RecordKind::Session, id.0)? {
            RecordBody::Session(s) => Ok(s),
            _ => Err(refused(format!("record {} is not a session", id.0))),
        }
    }
}
