//! Exports: a document is built for its reader (in memory, quick), the export is logged,
//! and only then is the PDF laid out and written, by the command line at once or by the
//! app on a job of its own. A PDF of clinical records never reaches the disk without its
//! audit entry; if writing then fails, the log holds an entry for an export that did not
//! complete (the safe side of the two) and the error says so.

use super::job::Job;
use super::{Practice, PracticeError};
use crate::export::{
    self, ChartFacts, Clinician, Context, Progress, Report, RiskFacts, SessionDocument, Zone,
};
use crate::model::{Audience, ClinicalNote, Couple, Course, ProcessNote, Session};
use crate::vault::audit::AuditAction;
use crate::vault::exports::IfExists;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// A document built and logged, ready to be written.
pub struct PreparedExport {
    pub report: Report,
}

/// A PDF on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub pages: usize,
    pub bytes: usize,
}

/// A PDF being laid out and written on a thread of its own, with its progress.
pub type ExportJob = Job<Written, PracticeError, Progress>;

/// A blank worksheet of `template` for `audience` (no vault needed): the one way the
/// front ends make one. The safety screen is answered in private with the therapist, so
/// its blank sheet is the clinician's only (as it never goes home as a take-home
/// worksheet); a partner's sheet needs the roles bound that tell their private steps from
/// the other partner's (`ExportError::Unbound`).
pub fn blank_sheet(
    template: &crate::template::Template,
    audience: Audience,
    bindings: crate::model::Bindings,
    ctx: &Context,
) -> Result<Report, PracticeError> {
    if template.screen.is_some() && audience != Audience::Clinician {
        return Err(super::error::refused(
            "the safety screen is answered in private with the therapist: its blank sheet is for the clinician only",
        ));
    }
    Ok(export::blank_worksheet(template, audience, bindings, ctx)?)
}

/// Lay out a report and write it whole to `path` (temp file, fsync, rename; owner-only),
/// over an existing file only if `if_exists` says so. `progress` hears how far it has
/// come.
pub fn write_pdf(
    report: &Report,
    path: &Path,
    if_exists: IfExists,
    progress: &mut dyn FnMut(Progress),
) -> Result<Written, PracticeError> {
    let mut pages = 0;
    let bytes = export::render(report, &mut |p| {
        if let Progress::Writing { of, .. } = p {
            pages = of;
        }
        progress(p);
    })?;
    crate::vault::exports::write_export(path, &bytes, if_exists)?;
    Ok(Written {
        path: path.to_path_buf(),
        pages,
        bytes: bytes.len(),
    })
}

impl PreparedExport {
    /// Write the PDF now, on this thread (the command line).
    pub fn write(&self, path: &Path, if_exists: IfExists) -> Result<Written, PracticeError> {
        write_pdf(&self.report, path, if_exists, &mut |_| {})
    }

    /// Write the PDF on a thread of its own (the app), never over an existing file (the
    /// app picks a free name).
    pub fn start(self, path: PathBuf) -> ExportJob {
        Job::spawn("export", move |reporter| {
            write_pdf(&self.report, &path, IfExists::Refuse, &mut |p| {
                reporter.report(p)
            })
        })
    }
}

impl Practice {
    /// What every export needs: the practice's name, the time, the local time zone.
    pub fn export_context(&self, now: DateTime<Utc>) -> Context {
        Context {
            practice: self.vault.header().practice_name.clone(),
            now,
            zone: Zone::Local,
            resources: self.vault.header().safety_resources.clone(),
            dates: self.vault.header().date_style,
        }
    }

    /// A document from one session (as it is now: the running session includes what was
    /// just typed) for one reader. Logged before it is handed out.
    pub fn export_session(
        &self,
        session: &Session,
        couple: &Couple,
        document: SessionDocument,
        audience: Audience,
        ctx: &Context,
    ) -> Result<PreparedExport, PracticeError> {
        let template = self.template_of(session);
        let report = export::session_report(
            document,
            session,
            couple,
            template.as_deref(),
            audience,
            ctx,
        )?;
        self.log(
            AuditAction::Export,
            Some(session.id.0),
            &format!("{} for {}", document.name(), audience.reader()),
            ctx.now,
        )?;
        Ok(PreparedExport { report })
    }

    /// A couple's progress report for one reader (with the disclosure document's custody
    /// log for the clinician). Logged before it is handed out.
    pub fn export_progress(
        &self,
        couple: &Couple,
        sessions: &[Session],
        course: Option<&Course>,
        audience: Audience,
        ctx: &Context,
    ) -> Result<PreparedExport, PracticeError> {
        let report = export::progress_report_with_course(
            couple,
            sessions,
            course,
            self.library(),
            audience,
            ctx,
        );
        self.log(
            AuditAction::Export,
            Some(couple.id.0),
            &format!("progress report for {}", audience.reader()),
            ctx.now,
        )?;
        Ok(PreparedExport { report })
    }

    /// A progress note for the clinician: a draft stamped as such, a finalized note with
    /// its signature block and what each amendment changed. `sessions` are the couple's
    /// (the risk line reads their safety screens). Logged before it is handed out.
    pub fn export_note(
        &self,
        note: &ClinicalNote,
        session: Option<&Session>,
        sessions: &[Session],
        couple: &Couple,
        ctx: &Context,
    ) -> Result<PreparedExport, PracticeError> {
        let header = self.vault.header();
        let chart = ChartFacts {
            clinician: Clinician {
                name: header.clinician_name.clone(),
                credentials: header.credentials.clone(),
                licence_number: header.licence_number.clone(),
            },
            risk: risk_facts(note, session, sessions),
        };
        let report = export::clinical_note_report(note, session, couple, &chart, ctx);
        self.log(
            AuditAction::Export,
            Some(note.id.0),
            "clinical note for the clinician",
            ctx.now,
        )?;
        Ok(PreparedExport { report })
    }

    /// A couple's process notes, for the clinician alone: only from this explicit
    /// operation, and logged as such before it is handed out.
    pub fn export_process_notes(
        &self,
        couple: &Couple,
        notes: &[ProcessNote],
        ctx: &Context,
    ) -> Result<PreparedExport, PracticeError> {
        if notes.is_empty() {
            return Err(super::error::refused("this couple has no process notes"));
        }
        let sessions: export::LinkedSessions = notes
            .iter()
            .filter_map(|n| n.session)
            .filter_map(|id| {
                self.lists
                    .session(id)
                    .map(|s| (id, (s.template_title.clone(), s.started_at)))
            })
            .collect();
        let report = export::process_notes_report(couple, notes, &sessions, ctx);
        self.log(
            AuditAction::ExportProcessNotes,
            Some(couple.id.0),
            "process notes",
            ctx.now,
        )?;
        Ok(PreparedExport { report })
    }

    /// A couple's process notes as saved (no list holds them, so their folder is read),
    /// and how many process-note files did not open.
    pub fn couple_process_notes(
        &self,
        couple: &Couple,
    ) -> Result<(Vec<ProcessNote>, usize), PracticeError> {
        Ok(self.vault.couple_process_notes(couple.id)?)
    }
}

/// The risk line's facts for a note: the couple's safety screens recorded up to the end
/// of the note's session (all of them when the session is not available), read by the
/// runner's safety rules. `None` when there is no screen.
pub fn risk_facts(
    note: &ClinicalNote,
    session: Option<&Session>,
    sessions: &[Session],
) -> Option<RiskFacts> {
    let until = session
        .filter(|s| s.id == note.session)
        .map(|s| s.ended_at.unwrap_or(s.started_at).max(s.started_at));
    let screens = sessions
        .iter()
        .filter(|s| s.couple == note.couple)
        .filter(|s| until.is_none_or(|until| s.started_at <= until));
    let status = crate::runner::facts::safety_status(screens);
    let screened_at = status.last_screened.values().max().copied()?;
    Some(RiskFacts {
        screened_at,
        screened: status.facts.screened.clone(),
        concern: status.positive.clone(),
        decision: status.facts.safety_decision,
    })
}
