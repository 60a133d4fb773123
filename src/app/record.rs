//! The clinical record in the app: progress notes (draft, edit, finalize, amend),
//! process notes, the commitments ledger with its review, the affair-recovery map and
//! full-text search. `AppState::apply_clinical` is the part of `apply` for these
//! commands; the forms they read are here too.

use super::command::{Command, CustodyEntry, CustodyStep, LedgerChange, RecoveryChange};
use super::state::{AppError, AppState, Open, Screen};
use crate::clinical::search::SearchIndex;
use crate::clinical::{Measure, draft_note, measure_series};
use crate::model::{
    Audience, ClinicalNote, Couple, CoupleId, Course, CustodyChange, CustodyEvent, Holder, NoteId,
    NoteSection, PROCESS_NOTE_FORMAT, Partner, ProcessNote, ProcessNoteId, Session, SessionId,
};
use crate::template::Library;
use crate::vault::audit::AuditAction;
use crate::vault::{RecordBody, RecordKind};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

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
    pub fn holder(&self) -> crate::model::Holder {
        match self.holder {
            HolderChoice::Therapist => crate::model::Holder::Therapist,
            HolderChoice::Partner(p) => crate::model::Holder::Partner(p),
            HolderChoice::Other => crate::model::Holder::Other(self.other.clone()),
        }
    }
}

/// The name the custody log gives the written disclosure.
pub const DISCLOSURE_DOCUMENT: &str = "Disclosure document";

/// What a search found in one couple's records: (where, snippet) per hit.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundGroup {
    pub couple: CoupleId,
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

/// A couple's clinical record as loaded on selection.
pub struct Loaded {
    pub notes: Vec<ClinicalNote>,
    pub process_notes: Vec<ProcessNote>,
    pub course: Course,
    /// The course, when carrying plans forward changed it (to be saved).
    pub changed_course: Option<Course>,
    pub measures: Vec<Measure>,
    /// Notes that could not be opened (set aside by the vault).
    pub damaged: usize,
}

/// Load a couple's notes, process notes and course, carrying every plan item of its
/// sessions into the ledger and noting each session's TRUST dimensions from its protocol.
pub fn load_record(
    open: &Open,
    library: &Library,
    couple: &Couple,
    sessions: &[Session],
) -> Loaded {
    let mut damaged = 0;
    let mut notes = Vec::new();
    for summary in open.notes.iter().filter(|n| n.couple == couple.id) {
        match open.vault.load(RecordKind::Note, summary.id.0) {
            Ok(RecordBody::Note(n)) => notes.push(n),
            _ => damaged += 1,
        }
    }
    let mut process_notes = Vec::new();
    for summary in open.process_notes.iter().filter(|n| n.couple == couple.id) {
        match open.vault.load(RecordKind::ProcessNote, summary.id.0) {
            Ok(RecordBody::ProcessNote(n)) => process_notes.push(n),
            _ => damaged += 1,
        }
    }
    let (mut course, mut changed) = match open.vault.course(couple.id) {
        Ok(c) => (c, false),
        Err(_) => {
            damaged += 1;
            (Course::new(couple.id), false)
        }
    };
    for session in sessions {
        changed |= course.carry_forward(session) > 0;
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
    }
    Loaded {
        notes,
        process_notes,
        changed_course: changed.then(|| course.clone()),
        course,
        measures: measure_series(sessions, library, Audience::Clinician),
        damaged,
    }
}

/// A search index over records as read from the vault (the app and `tandem search`).
pub fn search_index(records: &[RecordBody], library: &Library) -> SearchIndex {
    let mut index = SearchIndex::new();
    for body in records {
        index_record(&mut index, body, library);
    }
    index.shrink_to_fit();
    index
}

/// Add (or replace) one record in the index.
pub fn index_record(index: &mut SearchIndex, body: &RecordBody, library: &Library) {
    match body {
        RecordBody::Couple(c) => index.add_couple(c),
        RecordBody::Session(s) => index.add_session(s, library.get(&s.template_id)),
        RecordBody::Note(n) => index.add_note(n),
        RecordBody::ProcessNote(n) => index.add_process_note(n),
        RecordBody::Course(c) => index.add_course(c),
        // An issued worksheet holds no answers: nothing to search.
        RecordBody::Worksheet(_) => {}
    }
}

fn refused(text: &str) -> AppError {
    AppError::Refused(text.to_string())
}

fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(today);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| refused("write the date as YYYY-MM-DD, e.g. 2026-11-30"))
}

impl AppState {
    /// Log an access; an action whose access cannot be logged does not happen.
    pub(super) fn audit(
        &self,
        action: AuditAction,
        record: Option<uuid::Uuid>,
        detail: &str,
    ) -> Result<(), AppError> {
        let open = self
            .open
            .as_ref()
            .ok_or_else(|| refused("the vault is locked"))?;
        open.vault
            .audit(action, record, detail, Utc::now())
            .map_err(|e| {
                AppError::Refused(format!(
                    "the audit log could not be written, so this was not done: {e}"
                ))
            })
    }

    fn selected_couple(&self) -> Result<CoupleId, AppError> {
        self.open
            .as_ref()
            .and_then(|o| o.selected.as_ref())
            .map(|v| v.couple.id)
            .ok_or_else(|| refused("no couple selected"))
    }

    /// The session as it is now: the running one, or one of the selected couple's.
    fn session_now(&self, id: SessionId) -> Option<Session> {
        if let Some(live) = self.live.as_ref().filter(|l| l.runner.session().id == id) {
            return Some(live.runner.session().clone());
        }
        self.open
            .as_ref()?
            .selected
            .as_ref()?
            .sessions
            .iter()
            .find(|s| s.id == id)
            .cloned()
    }

    fn course_mut(&mut self) -> Result<&mut Course, AppError> {
        self.open
            .as_mut()
            .and_then(|o| o.selected.as_mut())
            .map(|v| &mut v.course)
            .ok_or_else(|| refused("no couple selected"))
    }

    fn save_course(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let course = self.course_mut()?.clone();
        self.submit_body(RecordBody::Course(course), now)
    }

    pub(super) fn submit_body(
        &mut self,
        body: RecordBody,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let open = self
            .open
            .as_mut()
            .ok_or_else(|| refused("the vault is locked"))?;
        if open.vault.access() == crate::vault::Access::ReadOnly {
            return Err(refused(
                "this vault is open read-only; nothing can be saved",
            ));
        }
        if let Some(index) = open.search.as_mut() {
            index_record(index, &body, &self.library);
        }
        open.queue.submit(body, now);
        Ok(())
    }

    /// Keep the note (and its form) in the couple's view after a change, and save it.
    fn store_note(&mut self, note: ClinicalNote, now: DateTime<Utc>) -> Result<(), AppError> {
        self.submit_body(RecordBody::Note(note.clone()), now)?;
        if let Some(view) = self.open.as_mut().and_then(|o| o.selected.as_mut()) {
            match view.notes.iter_mut().find(|n| n.id == note.id) {
                Some(slot) => *slot = note.clone(),
                None => view.notes.push(note.clone()),
            }
        }
        if let Some(open) = self.open.as_mut()
            && !open.notes.iter().any(|n| n.id == note.id)
        {
            open.notes.push(crate::vault::NoteSummary::of(&note));
        }
        if let Some(form) = self.forms.note.as_mut() {
            form.note = note;
            form.dirty = false;
        }
        Ok(())
    }

    /// Save the draft being edited, if it changed. Called every frame.
    pub fn autosave_note(&mut self, now: DateTime<Utc>) {
        let Some(form) = self
            .forms
            .note
            .as_ref()
            .filter(|f| f.dirty && !f.note.is_final())
        else {
            return;
        };
        let mut note = form.note.clone();
        if note.edit(form.sections.clone(), now).is_ok()
            && let Err(e) = self.store_note(note, now)
        {
            self.report(&e);
        }
    }

    fn note_form(&mut self) -> Result<&mut NoteForm, AppError> {
        self.forms
            .note
            .as_mut()
            .ok_or_else(|| refused("no note is open"))
    }

    pub(super) fn apply_clinical(
        &mut self,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            Command::ShowTab(tab) => {
                self.forms.tab = tab;
                Ok(())
            }
            Command::OpenNote(session) => self.open_note(session, now),
            Command::EditNote(sections) => {
                // The view edits the form in place, so this may already be its text.
                let form = self.note_form()?;
                form.sections = sections;
                form.dirty = !form.note.is_final() && form.sections != form.note.sections;
                Ok(())
            }
            Command::RestyleNote(style) => {
                self.autosave_note(now);
                let mut note = self.note_form()?.note.clone();
                note.restyle(style, now)
                    .map_err(|e| refused(&e.to_string()))?;
                let sections = note.sections.clone();
                self.store_note(note, now)?;
                self.note_form()?.sections = sections;
                // The practice's default follows the last choice.
                let clinician = self.note_form()?.clinician.clone();
                if let Some(open) = self.open.as_mut()
                    && open.vault.access() == crate::vault::Access::ReadWrite
                {
                    open.vault.set_note_defaults(style, &clinician)?;
                }
                Ok(())
            }
            Command::RedraftNote => {
                let form = self.note_form()?.clone();
                if form.note.is_final() {
                    return Err(refused(
                        "this note is finalized; change it with an amendment (with a reason)",
                    ));
                }
                let fresh = self.draft_for(form.session, form.note.id, form.note.style, now)?;
                let mut note = form.note;
                note.edit(fresh.sections.clone(), now)
                    .map_err(|e| refused(&e.to_string()))?;
                self.store_note(note, now)?;
                self.note_form()?.sections = fresh.sections;
                Ok(())
            }
            Command::FinalizeNote { clinician } => {
                self.autosave_note(now);
                let mut note = self.note_form()?.note.clone();
                note.finalize(&clinician, now)
                    .map_err(|e| refused(&e.to_string()))?;
                self.audit(AuditAction::Finalize, Some(note.id.0), "progress note")?;
                self.store_note(note, now)?;
                let style = self.note_form()?.note.style;
                if let Some(open) = self.open.as_mut()
                    && open.vault.header().clinician_name != clinician.trim()
                {
                    open.vault.set_note_defaults(style, &clinician)?;
                }
                self.tell("The note is finalized. Later changes are amendments, with a reason.");
                Ok(())
            }
            Command::AmendNote {
                clinician,
                reason,
                sections,
            } => {
                let mut note = self.note_form()?.note.clone();
                note.amend(&clinician, &reason, sections, now)
                    .map_err(|e| refused(&e.to_string()))?;
                self.audit(AuditAction::Amend, Some(note.id.0), "progress note")?;
                self.store_note(note, now)?;
                self.note_form()?.reason.clear();
                self.tell("Amendment saved; the earlier text stays visible below.");
                Ok(())
            }
            Command::SaveProcessNote(text) => {
                let (session, couple, id) = {
                    let form = self.note_form()?;
                    (form.session, form.note.couple, form.process_id)
                };
                let existing = self
                    .open
                    .as_ref()
                    .and_then(|o| o.selected.as_ref())
                    .and_then(|v| v.process_notes.iter().find(|p| Some(p.id) == id).cloned());
                let note = match existing {
                    Some(mut n) => {
                        n.text = text;
                        n.updated_at = now;
                        n
                    }
                    None => ProcessNote {
                        format: PROCESS_NOTE_FORMAT,
                        id: ProcessNoteId(uuid::Uuid::now_v7()),
                        couple,
                        session: Some(session),
                        written_at: now,
                        updated_at: now,
                        text,
                    },
                };
                self.submit_body(RecordBody::ProcessNote(note.clone()), now)?;
                if let Some(open) = self.open.as_mut() {
                    if !open.process_notes.iter().any(|p| p.id == note.id) {
                        open.process_notes.push(crate::vault::ProcessNoteSummary {
                            id: note.id,
                            couple: note.couple,
                            session: note.session,
                        });
                    }
                    if let Some(view) = open.selected.as_mut() {
                        match view.process_notes.iter_mut().find(|p| p.id == note.id) {
                            Some(slot) => *slot = note.clone(),
                            None => view.process_notes.push(note.clone()),
                        }
                    }
                }
                let form = self.note_form()?;
                form.process_id = Some(note.id);
                form.process = note.text;
                self.tell("Process note saved (kept apart; in no export).");
                Ok(())
            }
            Command::CloseNote => {
                self.autosave_note(now);
                self.forms.note = None;
                self.screen = if self.live.is_some() {
                    Screen::Session
                } else {
                    Screen::Practice
                };
                Ok(())
            }
            Command::ExportNote => self.export_note(now),
            Command::ExportProcessNotes(couple) => self.export_process_notes(couple, now),
            Command::Ledger(change) => self.change_ledger(change, now),
            Command::FinishReview => {
                self.forms.review_closed = true;
                Ok(())
            }
            Command::Recovery(change) => self.change_recovery(change, now),
            Command::Custody(entry) => self.change_custody(entry, now),
            Command::Search(query) => self.search(&query),
            _ => Ok(()),
        }
    }

    fn draft_for(
        &self,
        session: SessionId,
        id: NoteId,
        style: crate::model::NoteStyle,
        now: DateTime<Utc>,
    ) -> Result<ClinicalNote, AppError> {
        let session = self
            .session_now(session)
            .ok_or_else(|| refused("that session is not one of this couple's"))?;
        let view = self
            .open
            .as_ref()
            .and_then(|o| o.selected.as_ref())
            .ok_or_else(|| refused("no couple selected"))?;
        Ok(draft_note(
            id,
            &session,
            &view.couple,
            self.library.get(&session.template_id),
            Some(&view.course),
            style,
            now,
        ))
    }

    fn open_note(&mut self, session: SessionId, now: DateTime<Utc>) -> Result<(), AppError> {
        self.autosave_note(now);
        let couple = match self.session_now(session) {
            Some(s) => s.couple,
            None => {
                // A session of a couple not selected yet (from search results).
                let couple = self
                    .open
                    .as_ref()
                    .and_then(|o| o.sessions.iter().find(|s| s.id == session))
                    .map(|s| s.couple)
                    .ok_or_else(|| refused("that session is not in this vault"))?;
                self.select_couple(Some(couple))?;
                couple
            }
        };
        if self.selected_couple()? != couple {
            self.select_couple(Some(couple))?;
        }
        let view = self
            .open
            .as_ref()
            .and_then(|o| o.selected.as_ref())
            .ok_or_else(|| refused("no couple selected"))?;
        let existing = view.notes.iter().find(|n| n.session == session).cloned();
        let process = view
            .process_notes
            .iter()
            .find(|p| p.session == Some(session))
            .cloned();
        let header = self
            .open
            .as_ref()
            .map(|o| o.vault.header().clone())
            .ok_or_else(|| refused("the vault is locked"))?;
        let note = match existing {
            Some(n) => n,
            None => {
                let note = self.draft_for(
                    session,
                    NoteId(uuid::Uuid::now_v7()),
                    header.note_style,
                    now,
                )?;
                self.store_note(note.clone(), now)?;
                note
            }
        };
        self.audit(AuditAction::Open, Some(note.id.0), "progress note")?;
        self.forms.note = Some(NoteForm {
            session,
            sections: note.current().to_vec(),
            note,
            dirty: false,
            clinician: header.clinician_name.clone(),
            reason: String::new(),
            process: process.as_ref().map(|p| p.text.clone()).unwrap_or_default(),
            process_id: process.map(|p| p.id),
        });
        self.screen = Screen::Note(session);
        Ok(())
    }

    fn export_note(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        self.autosave_note(now);
        let form = self.note_form()?.clone();
        let ctx = self.export_context(now);
        let session = self.session_now(form.session);
        let couple = self
            .open
            .as_ref()
            .and_then(|o| o.selected.as_ref())
            .map(|v| v.couple.clone())
            .ok_or_else(|| refused("no couple selected"))?;
        let report =
            crate::export::clinical_note_report(&form.note, session.as_ref(), &couple, &ctx);
        self.audit(
            AuditAction::Export,
            Some(form.note.id.0),
            "clinical note for the clinician",
        )?;
        self.write_report(report)
    }

    /// The couple's process notes, for the clinician alone: only ever from this explicit
    /// action, and logged as such.
    fn export_process_notes(
        &mut self,
        couple: CoupleId,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let ctx = self.export_context(now);
        let view = self
            .open
            .as_ref()
            .and_then(|o| o.selected.as_ref())
            .filter(|v| v.couple.id == couple)
            .ok_or_else(|| refused("open the couple first"))?;
        if view.process_notes.is_empty() {
            return Err(refused("this couple has no process notes"));
        }
        let report = crate::export::process_notes_report(&view.couple, &view.process_notes, &ctx);
        self.audit(
            AuditAction::ExportProcessNotes,
            Some(couple.0),
            "process notes",
        )?;
        self.write_report(report)
    }

    fn export_context(&self, now: DateTime<Utc>) -> crate::export::Context {
        crate::export::Context {
            practice: self
                .open
                .as_ref()
                .map(|o| o.vault.header().practice_name.clone())
                .unwrap_or_default(),
            now,
            zone: crate::export::Zone::Local,
        }
    }

    /// Lay out and write a clinician's document on the export thread, into the default
    /// export folder, never over an earlier file.
    fn write_report(&mut self, report: crate::export::Report) -> Result<(), AppError> {
        if self.export_job.is_some() {
            return Err(refused(
                "an export is already being written; wait for it to finish",
            ));
        }
        let folder = crate::vault::exports::default_export_dir()
            .ok_or_else(|| refused("this system has no documents folder"))?;
        let path = crate::vault::exports::free_path(&folder, &crate::export::file_name(&report));
        self.export_job = Some(super::exporting::ExportJob::start(report, path));
        Ok(())
    }

    fn change_ledger(&mut self, change: LedgerChange, now: DateTime<Utc>) -> Result<(), AppError> {
        let couple = self.selected_couple()?;
        let session = self
            .live
            .as_ref()
            .filter(|l| l.couple.id == couple)
            .map(|l| l.runner.session().id);
        let today = now.date_naive();
        let course = self.course_mut()?;
        let result = match &change {
            LedgerChange::Review {
                item,
                by,
                outcome,
                note,
            } => course.review(*item, *by, *outcome, note, session, now),
            LedgerChange::Revise {
                item,
                behaviour,
                rhythm,
                review_on,
                reason,
            } => {
                let on = parse_date(review_on, today + chrono::Duration::days(7))?;
                course.revise(*item, behaviour, rhythm, on, reason, session, now)
            }
            LedgerChange::Retire { item, reason } => course.retire(*item, reason, now),
        };
        result.map_err(|e| refused(&e.to_string()))?;
        self.save_course(now)?;
        match change {
            LedgerChange::Review { item, by, .. } => {
                self.forms.ledger.review_notes.remove(&(item, by));
            }
            LedgerChange::Revise { .. } | LedgerChange::Retire { .. } => {
                self.forms.ledger = super::record::LedgerForm {
                    review_notes: std::mem::take(&mut self.forms.ledger.review_notes),
                    ..Default::default()
                };
            }
        }
        Ok(())
    }

    fn change_recovery(
        &mut self,
        change: RecoveryChange,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let today = now.date_naive();
        let map = &mut self.course_mut()?.recovery;
        match change {
            RecoveryChange::Enter(phase) => {
                if map.current().is_some_and(|p| p.phase == phase) {
                    return Err(refused("the couple is in that phase already"));
                }
                map.enter(phase, today);
            }
            RecoveryChange::AddCriterion(text) => {
                let text = text.trim();
                if text.is_empty() {
                    return Err(refused("write the criterion first"));
                }
                let phase = map
                    .phases
                    .last_mut()
                    .ok_or_else(|| refused("place the couple in a phase first"))?;
                phase.exit_criteria.push(crate::model::Criterion {
                    text: text.to_string(),
                    met_on: None,
                });
            }
            RecoveryChange::SetMet { index, met } => {
                let criterion = map
                    .phases
                    .last_mut()
                    .and_then(|p| p.exit_criteria.get_mut(index))
                    .ok_or_else(|| refused("no such criterion"))?;
                criterion.met_on = met.then_some(today);
            }
            RecoveryChange::LogTrigger {
                on,
                trigger,
                response,
                repair,
            } => {
                if trigger.trim().is_empty() {
                    return Err(refused("describe the trigger first"));
                }
                let on = parse_date(&on, today)?;
                map.log_trigger(on, trigger.trim(), response.trim(), repair.trim());
            }
            RecoveryChange::SetTrust {
                session,
                tag,
                touched,
            } => {
                let tags = map.trust_touched.entry(session).or_default();
                if touched {
                    tags.insert(tag);
                } else {
                    tags.remove(&tag);
                }
            }
        }
        self.save_course(now)?;
        self.forms.recovery = RecoveryForm {
            custody: std::mem::take(&mut self.forms.recovery.custody),
            ..RecoveryForm::default()
        };
        Ok(())
    }

    /// Log a change in the disclosure document's custody: checked against the log first,
    /// then written to the audit log (the couple's id and fixed words only, never the
    /// note), then saved in the course.
    fn change_custody(&mut self, entry: CustodyEntry, now: DateTime<Utc>) -> Result<(), AppError> {
        let couple = self.selected_couple()?;
        let change = match entry.step {
            CustodyStep::HeldBy(holder) => CustodyChange::HeldBy(holder),
            CustodyStep::DestroyBy(text) => {
                if text.trim().is_empty() {
                    return Err(refused(
                        "write the date it is to be destroyed by, as YYYY-MM-DD",
                    ));
                }
                CustodyChange::DestroyBy(parse_date(&text, now.date_naive())?)
            }
            CustodyStep::Destroyed => CustodyChange::Destroyed,
        };
        let detail = match &change {
            CustodyChange::HeldBy(Holder::Therapist) => {
                "disclosure document held by the therapist".to_string()
            }
            CustodyChange::HeldBy(Holder::Partner(p)) => format!("disclosure document held by {p}"),
            CustodyChange::HeldBy(Holder::Other(_)) => {
                "disclosure document held by someone else".to_string()
            }
            CustodyChange::DestroyBy(on) => format!("disclosure document to be destroyed by {on}"),
            CustodyChange::Destroyed => "disclosure document destroyed".to_string(),
        };
        let mut course = self.course_mut()?.clone();
        course
            .record_custody(CustodyEvent {
                at: now,
                document: DISCLOSURE_DOCUMENT.into(),
                change,
                recorded_by: entry.recorded_by,
                note: entry.note,
            })
            .map_err(|e| refused(&e.to_string()))?;
        self.audit(AuditAction::Custody, Some(couple.0), &detail)?;
        *self.course_mut()? = course;
        self.save_course(now)?;
        let recorded_by = std::mem::take(&mut self.forms.recovery.custody.recorded_by);
        self.forms.recovery.custody = CustodyForm {
            recorded_by,
            ..CustodyForm::default()
        };
        self.tell("Custody of the disclosure document logged.");
        Ok(())
    }

    /// Search every record. The index is built on the first search after unlocking (every
    /// record is read once) and kept up to date with every save after that.
    fn search(&mut self, query: &str) -> Result<(), AppError> {
        let query = query.trim();
        if query.is_empty() {
            self.forms.found = None;
            return Ok(());
        }
        if self.open.as_ref().is_some_and(|o| o.search.is_none()) {
            self.audit(AuditAction::Open, None, "search")?;
            let open = self
                .open
                .as_mut()
                .ok_or_else(|| refused("the vault is locked"))?;
            let verified = open.vault.verify()?;
            let mut index = search_index(&verified.records, &self.library);
            if let Some(live) = &self.live {
                index.add_session(live.runner.session(), Some(live.runner.template()));
            }
            open.search = Some(index);
            if !verified.problems.is_empty() {
                self.tell(format!(
                    "{} file(s) could not be searched: see the practice page",
                    verified.problems.len()
                ));
            }
        }
        let open = self
            .open
            .as_ref()
            .ok_or_else(|| refused("the vault is locked"))?;
        let results = open
            .search
            .as_ref()
            .map(|i| i.search(query))
            .unwrap_or_default();
        self.forms.found = Some(Found {
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
        });
        Ok(())
    }
}
