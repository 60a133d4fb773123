//! Take-home worksheets from the practice's side: writing a worksheet file for a couple
//! (the practice keeps a record of what it issued, saved before the file is written) and
//! bringing a filled one back into the couple's record as a new session, never over
//! anything else. The command line and the app both call these; sealing and opening a
//! file take a passphrase derivation, so the app runs them as jobs.
//!
//! Every issue and every import, refused ones too, is logged (ids and reasons only, never
//! an answer); a success is logged before anything is saved.

use super::job::Job;
use super::{Practice, PracticeError};
use crate::model::{
    Bindings, Couple, CoupleId, ImportedWorksheet, IssuedWorksheet, Partner, Session, TakeHomeFile,
    WorksheetFor, WorksheetId,
};
use crate::runner::facts::couple_facts;
use crate::runner::takehome::{self as pure, Issue, TakeHomeError};
use crate::template::{Library, Template};
use crate::vault::audit::AuditAction;
use crate::vault::exports::IfExists;
use crate::vault::takehome::{TakeHomeFileError, new_token, read_take_home, write_take_home_as};
use crate::vault::{RecordBody, RecordKind, VaultError};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::path::{Path, PathBuf};

/// A short word for the audit log: why an import was refused.
fn refusal(error: &PracticeError) -> &'static str {
    match error {
        PracticeError::WorksheetFile(TakeHomeFileError::WrongPassphrase) => {
            "refused: wrong passphrase"
        }
        PracticeError::WorksheetFile(TakeHomeFileError::Vault(_)) => "refused: unreadable",
        PracticeError::WorksheetFile(
            TakeHomeFileError::NotAWorksheet(_)
            | TakeHomeFileError::Damaged(_)
            | TakeHomeFileError::Format(_),
        ) => "refused: damaged or not a worksheet",
        PracticeError::Worksheet(TakeHomeError::Foreign) => "refused: not issued here",
        PracticeError::Worksheet(TakeHomeError::Tampered(_)) => "refused: altered",
        PracticeError::Worksheet(TakeHomeError::WrongCouple) => "refused: another couple",
        PracticeError::Worksheet(TakeHomeError::AlreadyImported(_)) => "refused: already imported",
        PracticeError::Worksheet(TakeHomeError::NothingFilledIn) => "refused: nothing filled in",
        PracticeError::Worksheet(_) => "refused",
        PracticeError::Vault(_) | PracticeError::NotSaved(_) | PracticeError::ReadOnly => {
            "refused: vault"
        }
        PracticeError::Run(_)
        | PracticeError::Export(_)
        | PracticeError::Job(_)
        | PracticeError::AuditFailed(_)
        | PracticeError::LockedAuditFailed(_)
        | PracticeError::Template(_)
        | PracticeError::Refused(_) => "refused",
    }
}

/// What to do with a worksheet that comes back with nothing filled in (see
/// `runner::takehome::is_filled_in`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfEmpty {
    /// Refuse it with `TakeHomeError::NothingFilledIn`, so that the therapist is asked
    /// before an empty session "filled in at home" joins the record.
    Refuse,
    /// Add it all the same: the therapist said so.
    Add,
}

/// How a worksheet is handed out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TakeHomeForm {
    /// A sealed `.tandem-worksheet` file, filled with `tandem fill`.
    #[default]
    File,
    /// A self-contained web page (`NAME.html`) that opens in any browser, offline.
    Page,
}

/// What the practice asks for when handing out a worksheet.
pub struct IssueRequest<'a> {
    /// A file for `tandem fill`, or a page for any browser.
    pub form: TakeHomeForm,
    pub template: &'a Template,
    pub for_whom: WorksheetFor,
    pub bindings: Bindings,
    /// The couple it is for, with their sessions: their safety screens keep joint
    /// protocols locked for take-home work exactly as in session, and a partner's own
    /// question list is shown in their worksheet.
    pub couple: Option<(&'a Couple, &'a [Session])>,
    pub passphrase: &'a SecretString,
}

/// A worksheet file being sealed and written, or opened, on a thread of its own.
pub type WorksheetJob<T> = Job<T, PracticeError>;

/// What a worksheet being handed out is written as.
pub enum Sealing {
    File(Box<TakeHomeFile>),
    Page(Box<crate::model::worksheet_json::WebWorksheet>),
}

/// Seal the worksheet with `passphrase` and write it to `path`, on a thread of its own.
pub fn seal_job(
    sealing: Sealing,
    path: PathBuf,
    passphrase: SecretString,
    log_n: u8,
) -> WorksheetJob<PathBuf> {
    // The app picks a free name: a file there now appeared meanwhile, and is kept.
    Job::spawn("take-home", move |_| {
        match sealing {
            Sealing::File(file) => {
                write_take_home_as(&path, &file, &passphrase, log_n, IfExists::Refuse)?
            }
            Sealing::Page(web) => crate::vault::takehome::write_take_home_page(
                &path,
                &web,
                &passphrase,
                log_n,
                IfExists::Refuse,
            )?,
        }
        Ok(path)
    })
}

/// Open the worksheet file at `path` with `passphrase`, on a thread of its own. The
/// outcome, refusals included, goes to `Practice::import_opened`.
pub fn open_job(
    path: PathBuf,
    passphrase: SecretString,
) -> Job<Result<TakeHomeFile, TakeHomeFileError>, PracticeError> {
    Job::spawn("take-home", move |_| Ok(read_take_home(&path, &passphrase)))
}

impl Practice {
    /// Issuing, the part that needs the vault (fast): check the passphrase's length, make
    /// the worksheet, log the issue and save the practice's record of it, so a file that
    /// exists is always one this practice knows. Returns the record and the file to seal
    /// and write (`seal_job`, or `issue_worksheet` on this thread).
    pub fn prepare_worksheet(
        &mut self,
        request: &IssueRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<(IssuedWorksheet, TakeHomeFile), PracticeError> {
        crate::vault::crypto::check_strength(request.passphrase)?;
        let snapshot =
            crate::template::snapshot(request.template).map_err(TakeHomeError::Template)?;
        let owner = match request.for_whom {
            WorksheetFor::Partner(p) => Some(p),
            WorksheetFor::Couple => None,
        };
        let questions = request
            .couple
            .zip(owner)
            .and_then(|((_, sessions), p)| pure::latest_questions(sessions, p));
        let (issued, file) = pure::issue(
            request.template,
            Issue {
                id: WorksheetId(uuid::Uuid::new_v4()),
                token: new_token(),
                template_source: snapshot,
                for_whom: request.for_whom,
                bindings: request.bindings,
                couple: request
                    .couple
                    .map(|(c, sessions)| (c.id, c.names(), couple_facts(sessions))),
                practice: self.vault.header().practice_name.clone(),
                questions,
            },
            now,
        )?;
        self.log(
            AuditAction::IssueWorksheet,
            Some(issued.id.0),
            &format!("{} for {}", issued.template_id, issued.for_whom.name()),
            now,
        )?;
        self.save_and_wait(RecordBody::Worksheet(issued.clone()), now)?;
        Ok((issued, file))
    }

    /// Issue a worksheet and write its file, all on this thread, never over an existing
    /// file.
    pub fn issue_worksheet(
        &mut self,
        request: &IssueRequest<'_>,
        path: &Path,
        log_n: u8,
        now: DateTime<Utc>,
    ) -> Result<IssuedWorksheet, PracticeError> {
        self.issue_worksheet_to(request, path, IfExists::Refuse, log_n, now)
    }

    /// As `issue_worksheet`, over an existing file if `if_exists` says so (the command
    /// line's `--force`). The caller checks the path first: the issue is logged and saved
    /// before the file is written.
    pub fn issue_worksheet_to(
        &mut self,
        request: &IssueRequest<'_>,
        path: &Path,
        if_exists: IfExists,
        log_n: u8,
        now: DateTime<Utc>,
    ) -> Result<IssuedWorksheet, PracticeError> {
        let (issued, file) = self.prepare_worksheet(request, now)?;
        match request.form {
            TakeHomeForm::File => {
                write_take_home_as(path, &file, request.passphrase, log_n, if_exists)?
            }
            TakeHomeForm::Page => {
                let web = pure::web_worksheet(request.template, &file);
                crate::vault::takehome::write_take_home_page(
                    path,
                    &web,
                    request.passphrase,
                    log_n,
                    if_exists,
                )?
            }
        }
        Ok(issued)
    }

    /// Bring a filled worksheet back into `couple`'s record, opening the file on this
    /// thread (the command line).
    pub fn import_worksheet(
        &mut self,
        path: &Path,
        passphrase: &SecretString,
        couple: CoupleId,
        sessions: &[Session],
        if_empty: IfEmpty,
        now: DateTime<Utc>,
    ) -> Result<Session, PracticeError> {
        self.import_opened(
            read_take_home(path, passphrase),
            couple,
            sessions,
            if_empty,
            now,
        )
    }

    /// Bring a filled worksheet (as opened, or why it did not open) back into `couple`'s
    /// record as a new, ended session. Its id is derived from the worksheet's, so the same
    /// worksheet can never be added twice. Refuses a file this practice did not issue, one
    /// altered outside Tandem, one for another couple, and one already brought back, and,
    /// unless `if_empty` says to add it, one with nothing filled in; nothing is written
    /// then but the audit entry.
    pub fn import_opened(
        &mut self,
        opened: Result<TakeHomeFile, TakeHomeFileError>,
        couple: CoupleId,
        sessions: &[Session],
        if_empty: IfEmpty,
        now: DateTime<Utc>,
    ) -> Result<Session, PracticeError> {
        let mut worksheet = None;
        let checked = opened.map_err(PracticeError::from).and_then(|file| {
            self.check_import(file, couple, sessions, if_empty, now, &mut worksheet)
        });
        let (session, issued, filled) = match checked {
            Ok(checked) => checked,
            Err(e) => {
                self.log(AuditAction::ImportWorksheet, worksheet, refusal(&e), now)?;
                return Err(e);
            }
        };
        let detail = if filled {
            "imported"
        } else {
            "imported (nothing filled in)"
        };
        self.log(AuditAction::ImportWorksheet, worksheet, detail, now)?;
        // The protocol as issued is kept, so the session reads as it was filled in
        // whatever becomes of the protocol in the library.
        if let Ok(template) = crate::template::from_snapshot(&issued.template_source) {
            self.keep_protocol(&template, now)?;
        }
        self.save_and_wait(RecordBody::Session(session.clone()), now)?;
        self.save_and_wait(RecordBody::Worksheet(issued), now)?;
        Ok(session)
    }

    /// Everything an import checks, without saving: the session it becomes, the issue
    /// record marked as brought back, and whether anything was filled in.
    fn check_import(
        &self,
        file: TakeHomeFile,
        couple: CoupleId,
        sessions: &[Session],
        if_empty: IfEmpty,
        now: DateTime<Utc>,
        worksheet: &mut Option<uuid::Uuid>,
    ) -> Result<(Session, IssuedWorksheet, bool), PracticeError> {
        let mut issued = self
            .vault
            .issued_worksheet(file.id)?
            .ok_or(TakeHomeError::Foreign)?;
        *worksheet = Some(issued.id.0);
        let template = crate::template::from_snapshot(&issued.template_source)
            .map_err(TakeHomeError::Template)?;
        pure::check_issued(&issued, &file, couple)?;
        let session_id = issued.id.session_id();
        match self.vault.load(RecordKind::Session, session_id.0) {
            Err(VaultError::NotFound { .. }) => {}
            Ok(_) => return Err(TakeHomeError::AlreadyImported(String::new()).into()),
            Err(e) => return Err(e.into()),
        }
        let known = pure::Known {
            facts: couple_facts(sessions),
            questions: match file.for_whom {
                WorksheetFor::Partner(p) => pure::latest_questions(sessions, p),
                WorksheetFor::Couple => None,
            },
        };
        let session = pure::import(&template, &issued, &file, couple, known, session_id, now)?;
        // Judged against the practice's own copy of the protocol, like the answers.
        let filled = pure::is_filled_in(&template, &file);
        if !filled && if_empty == IfEmpty::Refuse {
            return Err(TakeHomeError::NothingFilledIn.into());
        }
        issued.imported = Some(ImportedWorksheet {
            at: now,
            couple,
            session: session.id,
        });
        Ok((session, issued, filled))
    }
}

/// The protocols that have something to fill in at home for anyone.
pub fn take_home_templates(library: &Library) -> Vec<&Template> {
    library
        .templates
        .iter()
        .map(|(_, t)| t)
        .filter(|t| {
            WorksheetFor::ALL.into_iter().any(|w| {
                Partner::BOTH.into_iter().any(|p| {
                    let bindings = Bindings {
                        speaker: Some(p),
                        hurt_partner: Some(p),
                    };
                    pure::has_take_home(t, w, bindings)
                })
            })
        })
        .collect()
}
