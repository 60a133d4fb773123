//! The clinical record's commands: progress notes (open, edit, restyle, draft again,
//! finalize, amend), process notes, the commitments ledger, the recovery map and custody
//! of the disclosure document. The practice does the work and the logging; this keeps
//! the forms in step.

use crate::app::command::RecordCommand;
use crate::app::forms::{Confirm, CustodyForm, LedgerForm, NoteForm, Overlay, RecoveryForm};
use crate::app::state::{AppError, AppState, Screen, refused};
use crate::model::{Session, SessionId};
use crate::practice::course::LedgerChange;
use chrono::{DateTime, Utc};

impl AppState {
    pub(in crate::app) fn apply_record(
        &mut self,
        command: RecordCommand,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            RecordCommand::OpenNote(session) => self.open_note(session, now),
            RecordCommand::EditNote(sections) => {
                // The view edits the form in place, so this may already be its text.
                let form = self.note_form()?;
                form.sections = sections;
                form.dirty = !form.note.is_final() && form.sections != form.note.sections;
                Ok(())
            }
            RecordCommand::RestyleNote(style) => {
                self.autosave_note(now);
                let note = self.note_form()?.note.clone();
                let (practice, record) = self.practice_and_couple()?;
                let note = practice.restyle_note(record, &note, style, now)?;
                let form = self.note_form()?;
                form.sections = note.sections.clone();
                form.note = note;
                form.dirty = false;
                Ok(())
            }
            RecordCommand::RedraftNote => {
                let form = self.note_form()?.clone();
                let session = self.note_session(form.session)?;
                let (practice, record) = self.practice_and_couple()?;
                let note = practice.redraft_note(record, &form.note, &session, now)?;
                let form = self.note_form()?;
                form.sections = note.sections.clone();
                form.note = note;
                form.dirty = false;
                Ok(())
            }
            RecordCommand::AskToFinalize { clinician } => {
                if clinician.trim().is_empty() {
                    return Err(refused("write the name the note is signed with"));
                }
                self.note_form()?;
                self.overlay = Overlay::Confirm(Confirm::FinalizeNote { clinician });
                Ok(())
            }
            RecordCommand::FinalizeNote { clinician } => {
                self.autosave_note(now);
                let note = self.note_form()?.note.clone();
                let (practice, record) = self.practice_and_couple()?;
                let note = practice.finalize_note(record, &note, &clinician, now)?;
                let form = self.note_form()?;
                form.note = note;
                form.dirty = false;
                if matches!(self.overlay, Overlay::Confirm(_)) {
                    self.overlay = Overlay::None;
                }
                self.tell("The note is finalized. Later changes are amendments, with a reason.");
                Ok(())
            }
            RecordCommand::AmendNote {
                clinician,
                reason,
                sections,
            } => {
                let note = self.note_form()?.note.clone();
                let (practice, record) = self.practice_and_couple()?;
                let note =
                    practice.amend_note(record, &note, &clinician, &reason, sections, now)?;
                let form = self.note_form()?;
                form.note = note;
                form.reason.clear();
                self.tell("Amendment saved; the earlier text stays visible below.");
                Ok(())
            }
            RecordCommand::SaveProcessNote(text) => {
                let (session_id, id) = {
                    let form = self.note_form()?;
                    (form.session, form.process_id)
                };
                let session = self.note_session(session_id)?;
                let (practice, record) = self.practice_and_couple()?;
                let note = practice.save_process_note(record, &session, id, text, now)?;
                let form = self.note_form()?;
                form.process_id = Some(note.id);
                form.process = note.text;
                self.tell("Process note saved (kept apart; in no export).");
                Ok(())
            }
            RecordCommand::SetServiceCode(code) => {
                self.autosave_note(now);
                let note = self.note_form()?.note.clone();
                let (practice, record) = self.practice_and_couple()?;
                let note = practice.set_note_service_code(record, &note, &code, now)?;
                let form = self.note_form()?;
                form.note = note;
                form.service_code = code;
                Ok(())
            }
            RecordCommand::SaveCredentials {
                credentials,
                licence_number,
            } => {
                self.practice_mut()?
                    .set_credentials(&credentials, &licence_number, now)?;
                self.tell("Credentials saved; every progress note's signature block shows them.");
                Ok(())
            }
            RecordCommand::CloseNote => {
                self.autosave_note(now);
                self.forms.note = None;
                self.screen = if self.live.is_some() {
                    Screen::Session
                } else {
                    Screen::Practice
                };
                Ok(())
            }
            RecordCommand::Ledger(change) => {
                // Reviews made while this couple's session runs are tied to that session.
                let couple = self.couple.as_ref().map(|r| r.couple.id);
                let session = self
                    .live
                    .as_ref()
                    .filter(|l| Some(l.couple.id) == couple)
                    .map(|l| l.runner.session().id);
                let (practice, record) = self.practice_and_couple()?;
                practice.change_ledger(record, &change, session, now)?;
                match change {
                    LedgerChange::Review { item, by, .. } => {
                        self.forms.ledger.review_notes.remove(&(item, by));
                    }
                    LedgerChange::Revise { .. } | LedgerChange::Retire { .. } => {
                        self.forms.ledger = LedgerForm {
                            review_notes: std::mem::take(&mut self.forms.ledger.review_notes),
                            ..LedgerForm::default()
                        };
                    }
                }
                Ok(())
            }
            RecordCommand::Recovery(change) => {
                let (practice, record) = self.practice_and_couple()?;
                practice.change_recovery(record, &change, now)?;
                self.forms.recovery = RecoveryForm {
                    custody: std::mem::take(&mut self.forms.recovery.custody),
                    ..RecoveryForm::default()
                };
                Ok(())
            }
            RecordCommand::Custody(entry) => {
                let (practice, record) = self.practice_and_couple()?;
                practice.record_custody(record, &entry, now)?;
                let recorded_by = std::mem::take(&mut self.forms.recovery.custody.recorded_by);
                self.forms.recovery.custody = CustodyForm {
                    recorded_by,
                    ..CustodyForm::default()
                };
                self.tell("Custody of the disclosure document logged.");
                Ok(())
            }
        }
    }

    fn note_form(&mut self) -> Result<&mut NoteForm, AppError> {
        self.forms
            .note
            .as_mut()
            .ok_or_else(|| refused("no note is open"))
    }

    /// The session a note is about, as it is now.
    fn note_session(&self, id: SessionId) -> Result<Session, AppError> {
        self.session_now(id)
            .cloned()
            .ok_or_else(|| refused("that session is not one of this couple's"))
    }

    /// Open a session's progress note (drafting it first if there is none), opening its
    /// couple's page first if it is another couple's (from search results).
    fn open_note(&mut self, session: SessionId, now: DateTime<Utc>) -> Result<(), AppError> {
        self.autosave_note(now);
        let couple = self
            .couple_of_session(session)
            .ok_or_else(|| refused("that session is not in this vault"))?;
        self.select_couple(Some(couple), now)?;
        let session = self.note_session(session)?;
        let (practice, record) = self.practice_and_couple()?;
        let note = practice.open_note(record, &session, now)?;
        let header = practice.vault().header();
        let clinician = header.clinician_name.clone();
        let (credentials, licence_number) =
            (header.credentials.clone(), header.licence_number.clone());
        let service_code = note.service_code.clone().unwrap_or_default();
        let process = record
            .process_notes
            .iter()
            .find(|p| p.session == Some(session.id))
            .cloned();
        self.forms.note = Some(NoteForm {
            session: session.id,
            sections: note.current().to_vec(),
            note,
            dirty: false,
            clinician,
            service_code,
            credentials,
            licence_number,
            reason: String::new(),
            process: process.as_ref().map(|p| p.text.clone()).unwrap_or_default(),
            process_id: process.map(|p| p.id),
        });
        self.screen = Screen::Note(session.id);
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
        let (note, sections) = (form.note.clone(), form.sections.clone());
        let saved = self
            .practice_and_couple()
            .and_then(|(practice, record)| Ok(practice.edit_note(record, &note, sections, now)?));
        match saved {
            Ok(note) => {
                if let Some(form) = self.forms.note.as_mut() {
                    form.note = note;
                    form.dirty = false;
                }
            }
            Err(e) => {
                // Only a locked or read-only vault refuses here: keep the text in the form,
                // say so once, and try again on the next change.
                if let Some(form) = self.forms.note.as_mut() {
                    form.dirty = false;
                }
                self.report(&e);
            }
        }
    }
}
