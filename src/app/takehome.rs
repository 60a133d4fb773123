//! Take-home worksheets from the practice's side: writing a worksheet file for a couple
//! (the practice keeps a record of what it issued) and bringing a filled one back into
//! the couple's record as a new session, never over anything else. Shared by the app's
//! dialog (drawn here too) and the command line.
//!
//! Every issue and every import, refused ones too, is written to the audit log (ids and
//! reasons only, never an answer).

use super::command::Command;
use super::views::labelled_field;
use crate::model::{
    Bindings, Couple, CoupleFacts, CoupleId, IssuedWorksheet, Partner, Session, TakeHomeFile,
    WorksheetFor, WorksheetId,
};
use crate::runner::facts::couple_facts;
use crate::runner::takehome::{self as pure, Issue, TakeHomeError};
use crate::template::{Library, Template};
use crate::vault::audit::AuditAction;
use crate::vault::takehome::{TakeHomeFileError, new_token, read_take_home, write_take_home};
use crate::vault::{RecordBody, RecordKind, Vault, VaultError};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// Why a worksheet could not be issued or imported.
#[derive(Debug, thiserror::Error)]
pub enum TakeHomeFlowError {
    #[error(transparent)]
    File(#[from] TakeHomeFileError),
    #[error(transparent)]
    Worksheet(#[from] TakeHomeError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// A short word for the audit log: why an import was refused.
fn refusal(error: &TakeHomeFlowError) -> &'static str {
    match error {
        TakeHomeFlowError::File(TakeHomeFileError::WrongPassphrase) => "refused: wrong passphrase",
        TakeHomeFlowError::File(TakeHomeFileError::Vault(_)) => "refused: unreadable",
        TakeHomeFlowError::File(_) => "refused: damaged or not a worksheet",
        TakeHomeFlowError::Worksheet(TakeHomeError::Foreign) => "refused: not issued here",
        TakeHomeFlowError::Worksheet(TakeHomeError::Tampered(_)) => "refused: altered",
        TakeHomeFlowError::Worksheet(TakeHomeError::WrongCouple) => "refused: another couple",
        TakeHomeFlowError::Worksheet(TakeHomeError::AlreadyImported(_)) => {
            "refused: already imported"
        }
        TakeHomeFlowError::Worksheet(_) => "refused",
        TakeHomeFlowError::Vault(_) => "refused: vault",
    }
}

/// What the practice asks for when handing out a worksheet.
pub struct IssueRequest<'a> {
    pub template: &'a Template,
    pub for_whom: WorksheetFor,
    pub bindings: Bindings,
    /// The couple it is for, with their sessions: their safety screens keep joint
    /// protocols locked for take-home work exactly as in session, and a partner's own
    /// question list is shown in their worksheet.
    pub couple: Option<(&'a Couple, &'a [Session])>,
    pub passphrase: &'a SecretString,
    pub path: &'a Path,
    /// scrypt work factor for the file's passphrase.
    pub log_n: u8,
}

/// Issuing, the part that needs the vault (fast): check the passphrase's length, make
/// the worksheet, save the practice's record of it and log the issue. The record is
/// saved before the file is written, so a file that exists is always one this practice
/// knows. Returns the record and the file to seal and write.
pub fn prepare_issue(
    vault: &Vault,
    request: &IssueRequest<'_>,
    now: DateTime<Utc>,
) -> Result<(IssuedWorksheet, TakeHomeFile), TakeHomeFlowError> {
    crate::vault::crypto::check_strength(request.passphrase)?;
    let snapshot = crate::template::snapshot(request.template).map_err(TakeHomeError::Template)?;
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
            id: WorksheetId(uuid::Uuid::now_v7()),
            token: new_token(),
            template_source: snapshot,
            for_whom: request.for_whom,
            bindings: request.bindings,
            couple: request
                .couple
                .map(|(c, sessions)| (c.id, c.names(), couple_facts(sessions))),
            practice: vault.header().practice_name.clone(),
            questions,
        },
        now,
    )?;
    vault.save(&RecordBody::Worksheet(issued.clone()), now)?;
    vault.audit(
        AuditAction::IssueWorksheet,
        Some(issued.id.0),
        &format!("{} for {}", issued.template_id, issued.for_whom.name()),
        now,
    )?;
    Ok((issued, file))
}

/// Write a take-home worksheet file and keep the practice's record of it (all on this
/// thread: the command line's way).
pub fn issue_worksheet(
    vault: &Vault,
    request: IssueRequest<'_>,
    now: DateTime<Utc>,
) -> Result<IssuedWorksheet, TakeHomeFlowError> {
    let (issued, file) = prepare_issue(vault, &request, now)?;
    write_take_home(request.path, &file, request.passphrase, request.log_n)?;
    Ok(issued)
}

/// Bring a filled worksheet back into `couple`'s record as a new, ended session (its id
/// is derived from the worksheet's, so the same worksheet can never be added twice).
/// Refuses a file this practice did not issue, one altered outside Tandem, one for
/// another couple, and one already brought back; nothing is written then except the
/// audit entry.
pub fn import_worksheet(
    vault: &Vault,
    path: &Path,
    passphrase: &SecretString,
    couple: CoupleId,
    sessions: &[Session],
    now: DateTime<Utc>,
) -> Result<Session, TakeHomeFlowError> {
    import_opened(
        vault,
        read_take_home(path, passphrase),
        couple,
        sessions,
        now,
    )
}

/// The rest of `import_worksheet` once the file was opened (or failed to), which the
/// app does on a thread of its own.
pub fn import_opened(
    vault: &Vault,
    opened: Result<TakeHomeFile, TakeHomeFileError>,
    couple: CoupleId,
    sessions: &[Session],
    now: DateTime<Utc>,
) -> Result<Session, TakeHomeFlowError> {
    let mut worksheet = None;
    let result = opened
        .map_err(TakeHomeFlowError::from)
        .and_then(|file| import_inner(vault, file, couple, sessions, now, &mut worksheet));
    let detail = match &result {
        Ok(_) => "imported",
        Err(e) => refusal(e),
    };
    vault.audit(AuditAction::ImportWorksheet, worksheet, detail, now)?;
    result
}

fn import_inner(
    vault: &Vault,
    file: TakeHomeFile,
    couple: CoupleId,
    sessions: &[Session],
    now: DateTime<Utc>,
    worksheet: &mut Option<uuid::Uuid>,
) -> Result<Session, TakeHomeFlowError> {
    let mut issued = vault
        .issued_worksheet(file.id)?
        .ok_or(TakeHomeError::Foreign)?;
    *worksheet = Some(issued.id.0);
    let template =
        crate::template::from_snapshot(&issued.template_source).map_err(TakeHomeError::Template)?;
    pure::check_issued(&issued, &file, couple)?;
    let session_id = issued.id.session_id();
    match vault.load(RecordKind::Session, session_id.0) {
        Err(VaultError::NotFound { .. }) => {}
        Ok(_) => {
            return Err(TakeHomeError::AlreadyImported(String::new()).into());
        }
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
    vault.save(&RecordBody::Session(session.clone()), now)?;
    issued.imported = Some(crate::model::ImportedWorksheet {
        at: now,
        couple,
        session: session.id,
    });
    vault.save(&RecordBody::Worksheet(issued), now)?;
    Ok(session)
}

/// Sealing or opening a worksheet file (one passphrase derivation) on a thread of its
/// own, so the window never waits on it.
pub enum TakeHomeJob {
    /// Writing the file of a worksheet whose record is saved.
    Writing {
        rx: Receiver<Result<(), String>>,
        path: PathBuf,
    },
    /// Opening a filled file to bring it into `couple`'s record.
    Opening {
        rx: Receiver<Result<TakeHomeFile, TakeHomeFileError>>,
        couple: CoupleId,
    },
}

/// What a finished job gives back.
pub enum JobDone {
    Written(Result<PathBuf, String>),
    Opened {
        couple: CoupleId,
        file: Result<Box<TakeHomeFile>, TakeHomeFileError>,
    },
}

impl TakeHomeJob {
    /// Seal `file` with `passphrase` and write it to `path`.
    pub fn write(file: TakeHomeFile, path: PathBuf, passphrase: SecretString, log_n: u8) -> Self {
        let (tx, rx) = mpsc::channel();
        let target = path.clone();
        let worker = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("tandem-take-home".into())
            .spawn(move || {
                let result =
                    write_take_home(&target, &file, &passphrase, log_n).map_err(|e| e.to_string());
                let _ = worker.send(result);
            });
        if let Err(e) = spawned {
            let _ = tx.send(Err(format!("cannot start writing: {e}")));
        }
        TakeHomeJob::Writing { rx, path }
    }

    /// Open the file at `path` with `passphrase`.
    pub fn open(path: PathBuf, passphrase: SecretString, couple: CoupleId) -> Self {
        let (tx, rx) = mpsc::channel();
        let worker = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("tandem-take-home".into())
            .spawn(move || {
                let _ = worker.send(read_take_home(&path, &passphrase));
            });
        if let Err(e) = spawned {
            let _ = tx.send(Err(TakeHomeFileError::Damaged(format!(
                "cannot start reading: {e}"
            ))));
        }
        TakeHomeJob::Opening { rx, couple }
    }

    /// The outcome, once the thread has finished.
    pub fn poll(&self) -> Option<JobDone> {
        let gone = || "the work stopped before it finished".to_string();
        match self {
            TakeHomeJob::Writing { rx, path } => match rx.try_recv() {
                Ok(result) => Some(JobDone::Written(result.map(|()| path.clone()))),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => Some(JobDone::Written(Err(gone()))),
            },
            TakeHomeJob::Opening { rx, couple } => match rx.try_recv() {
                Ok(file) => Some(JobDone::Opened {
                    couple: *couple,
                    file: file.map(Box::new),
                }),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => Some(JobDone::Opened {
                    couple: *couple,
                    file: Err(TakeHomeFileError::Damaged(gone())),
                }),
            },
        }
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
                [Partner::A, Partner::B].into_iter().any(|p| {
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

/// Which way the dialog is working.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TakeHomeMode {
    #[default]
    Issue,
    Import,
}

/// The take-home dialog's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakeHomeDraft {
    pub couple: CoupleId,
    pub mode: TakeHomeMode,
    pub template: Option<String>,
    /// Who fills it in: chosen every time, never defaulted.
    pub for_whom: Option<WorksheetFor>,
    pub speaker_is_b: bool,
    pub hurt_is_b: bool,
    /// The passphrase the therapist gives the couple (shown, so it can be read out).
    pub passphrase: String,
    pub folder: String,
    /// The filled file to bring back, and its passphrase.
    pub file: String,
    pub file_passphrase: String,
}

impl TakeHomeDraft {
    pub fn new(couple: CoupleId, folder: String) -> TakeHomeDraft {
        TakeHomeDraft {
            couple,
            mode: TakeHomeMode::Issue,
            template: None,
            for_whom: None,
            speaker_is_b: false,
            hurt_is_b: false,
            passphrase: String::new(),
            folder,
            file: String::new(),
            file_passphrase: String::new(),
        }
    }

    /// The role bindings chosen, for the protocol's roles.
    pub fn bindings(&self, template: &Template) -> Bindings {
        super::views::chosen_bindings(template, self.speaker_is_b, self.hurt_is_b)
    }

    /// Where the worksheet file goes: a new name in the folder, never over a file.
    pub fn output_path(&self, template: &Template, couple: &Couple) -> PathBuf {
        let who = match self.for_whom {
            Some(WorksheetFor::Partner(Partner::A)) => "-a",
            Some(WorksheetFor::Partner(Partner::B)) => "-b",
            _ => "",
        };
        crate::vault::exports::free_path(
            Path::new(self.folder.trim()),
            &format!(
                "{}-{}{who}.{}",
                couple.code,
                template.id,
                crate::vault::takehome::TAKE_HOME_EXTENSION
            ),
        )
    }

    /// Forget both passphrases.
    pub fn clear_secrets(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.passphrase);
        zeroize::Zeroize::zeroize(&mut self.file_passphrase);
    }
}

/// How each filler is offered in the dialog.
pub fn for_whom_label(for_whom: WorksheetFor, couple: &Couple) -> String {
    match for_whom {
        WorksheetFor::Couple => "Both together (shared items only)".into(),
        WorksheetFor::Partner(p) => format!(
            "{} alone (shared items and their own private ones)",
            couple.partner(p).name
        ),
    }
}

/// The take-home dialog: give a worksheet to take home, or bring a filled one back.
pub fn take_home_dialog_ui(
    ctx: &egui::Context,
    couple: &Couple,
    facts: &CoupleFacts,
    library: &Library,
    draft: &mut TakeHomeDraft,
    busy: bool,
    out: &mut Vec<Command>,
) {
    egui::Window::new("Take-home worksheets")
        .collapsible(false)
        .resizable(false)
        .default_width(520.0)
        // Anchored at the top, so the dialog grows downwards as choices appear and
        // nothing moves under the pointer.
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 40.0))
        .show(ctx, |ui| {
            ui.label(
                egui::RichText::new(format!(
                    "{} & {} · {}",
                    couple.partner_a.name, couple.partner_b.name, couple.code
                ))
                .strong(),
            );
            ui.horizontal(|ui| {
                ui.radio_value(&mut draft.mode, TakeHomeMode::Issue, "Give a worksheet");
                ui.radio_value(&mut draft.mode, TakeHomeMode::Import, "Bring one back");
            });
            ui.separator();
            match draft.mode {
                TakeHomeMode::Issue => issue_ui(ui, couple, facts, library, draft, busy, out),
                TakeHomeMode::Import => import_ui(ui, draft, busy, out),
            }
            if busy {
                ui.label(egui::RichText::new("Working on the file…").weak());
            }
        });
}

fn issue_ui(
    ui: &mut egui::Ui,
    couple: &Couple,
    facts: &CoupleFacts,
    library: &Library,
    draft: &mut TakeHomeDraft,
    busy: bool,
    out: &mut Vec<Command>,
) {
    ui.label(egui::RichText::new("Protocol").strong());
    let templates = take_home_templates(library);
    let half = templates.len().div_ceil(2);
    ui.columns(2, |columns| {
        for (i, template) in templates.into_iter().enumerate() {
            columns[usize::from(i >= half)].radio_value(
                &mut draft.template,
                Some(template.id.clone()),
                &template.title,
            );
        }
    });
    let template = draft.template.as_deref().and_then(|id| library.get(id));
    if let Some(template) = template {
        super::views::role_choice_ui(
            ui,
            template,
            couple,
            &mut draft.speaker_is_b,
            &mut draft.hurt_is_b,
        );
    }
    ui.add_space(6.0);
    ui.label(egui::RichText::new("Who fills it in").strong());
    let bindings = template.map(|t| draft.bindings(t)).unwrap_or_default();
    for for_whom in WorksheetFor::ALL {
        let possible = template.is_none_or(|t| pure::has_take_home(t, for_whom, bindings));
        ui.add_enabled_ui(possible, |ui| {
            ui.radio_value(
                &mut draft.for_whom,
                Some(for_whom),
                for_whom_label(for_whom, couple),
            );
        });
    }
    ui.add_space(6.0);
    labelled_field(
        ui,
        "Passphrase for the couple",
        &mut draft.passphrase,
        false,
    );
    labelled_field(ui, "Folder", &mut draft.folder, false);
    ui.label(
        egui::RichText::new(
            "Tell them the passphrase in person, not in the same message as the file. They open it with `tandem fill FILE`.",
        )
        .weak(),
    );
    let locked = template
        .map(|t| crate::runner::locked_because(t, facts))
        .unwrap_or_default();
    if !locked.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!("Locked for this couple: {}", locked.join("; ")),
        );
    }
    let fits = template.is_some_and(|t| {
        draft
            .for_whom
            .is_some_and(|w| pure::has_take_home(t, w, bindings))
    });
    let ready = fits
        && !busy
        && locked.is_empty()
        && draft.passphrase.chars().count() >= crate::vault::crypto::MIN_PASSPHRASE_CHARS
        && !draft.folder.trim().is_empty();
    ui.horizontal(|ui| {
        super::views::command_button(ui, Command::IssueWorksheet, ready, out);
        super::views::command_button(ui, Command::CloseTakeHome, true, out);
    });
    if draft.for_whom.is_none() {
        ui.label(egui::RichText::new("Choose who fills it in first.").weak());
    } else if draft.passphrase.chars().count() < crate::vault::crypto::MIN_PASSPHRASE_CHARS {
        ui.label(
            egui::RichText::new(format!(
                "The passphrase needs at least {} characters.",
                crate::vault::crypto::MIN_PASSPHRASE_CHARS
            ))
            .weak(),
        );
    }
}

fn import_ui(ui: &mut egui::Ui, draft: &mut TakeHomeDraft, busy: bool, out: &mut Vec<Command>) {
    ui.label("The filled worksheet file the couple brought back, and its passphrase.");
    labelled_field(ui, "Worksheet file", &mut draft.file, false);
    labelled_field(ui, "Its passphrase", &mut draft.file_passphrase, true);
    ui.label(
        egui::RichText::new(
            "It is added as a new session; nothing already recorded is changed. A file this practice did not issue, or one altered outside Tandem, is refused.",
        )
        .weak(),
    );
    ui.horizontal(|ui| {
        let ready = !busy && !draft.file.trim().is_empty() && !draft.file_passphrase.is_empty();
        super::views::command_button(ui, Command::ImportWorksheet, ready, out);
        super::views::command_button(ui, Command::CloseTakeHome, true, out);
    });
}
