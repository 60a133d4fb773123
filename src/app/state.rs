//! The app's state and the one place that changes it: `AppState::apply(Command)`. Also the
//! per-frame logic that runs without drawing: save acknowledgements, autosave, auto-lock.

use super::command::{Command, CoupleDraft, ExportDraft, ExportTarget};
use super::exporting::ExportJob;
use crate::model::{
    COUPLE_FORMAT, Couple, CoupleFacts, CoupleId, Partner, PartnerInfo, Session, SessionId,
    Visibility,
};
use crate::runner::{
    Action, Runner, Start,
    facts::{SAFETY_SCREEN_TEMPLATE, SafetyStatus, safety_status},
};
use crate::template::Library;
use crate::vault::audit::AuditAction;
use crate::vault::idle::IdleLock;
use crate::vault::saver::{SaveOutcome, SaveQueue, Ticket};
use crate::vault::{
    Access, FileProblem, Protection, RecordBody, RecordKind, SessionSummary, Vault, VaultError,
};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;
use zeroize::Zeroize;

/// The passphrase of the throwaway demo vault (shown on its unlock screen).
pub const DEMO_PASSPHRASE: &str = "demo practice";

/// How the app was started.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// The vault folder; `None` for the platform default.
    pub vault_root: Option<PathBuf>,
    /// Open the demo practice at once.
    pub demo: bool,
    /// scrypt work factor for a vault created here (tests use a low one).
    pub kdf_log_n: u8,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            vault_root: None,
            demo: false,
            kdf_log_n: crate::vault::crypto::PINNED_LOG_N,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// No vault yet: create one or open the demo.
    Welcome,
    /// A vault exists and is locked.
    Unlock,
    Practice,
    ChooseTemplate(CoupleId),
    Session,
    /// The progress note of a session.
    Note(SessionId),
}

/// A message in the status line, shown until dismissed or replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub is_error: bool,
}

/// Form fields outside a session.
#[derive(Default)]
pub struct Forms {
    pub passphrase: String,
    pub passphrase_again: String,
    pub search: String,
    pub show_archived: bool,
    pub couple: Option<CoupleDraft>,
    /// Template chosen on the New session screen, and who holds the first role of each pair.
    pub template: Option<String>,
    pub speaker_is_b: bool,
    pub hurt_is_b: bool,
    pub skip_reason: String,
    /// The export dialog, while it is open.
    pub export: Option<ExportDraft>,
    /// The couple page's tab.
    pub tab: super::command::CoupleTab,
    /// The note being read or edited.
    pub note: Option<super::record::NoteForm>,
    /// Fields of the commitments ledger and recovery map.
    pub ledger: super::record::LedgerForm,
    pub recovery: super::record::RecoveryForm,
    /// The commitment review at the top of the running session was closed.
    pub review_closed: bool,
    /// Full-text search: the query typed, and what the last search found.
    pub query: String,
    pub found: Option<super::record::Found>,
    /// The take-home worksheet dialog, while it is open.
    pub take_home: Option<super::takehome::TakeHomeDraft>,
}

impl Forms {
    fn clear_secrets(&mut self) {
        self.passphrase.zeroize();
        self.passphrase_again.zeroize();
        if let Some(draft) = self.take_home.as_mut() {
            draft.clear_secrets();
        }
        self.take_home = None;
    }
}

/// An unlocked vault and what its lists show.
pub struct Open {
    pub vault: Vault,
    pub queue: SaveQueue,
    pub couples: Vec<Couple>,
    pub sessions: Vec<SessionSummary>,
    pub notes: Vec<crate::vault::NoteSummary>,
    pub process_notes: Vec<crate::vault::ProcessNoteSummary>,
    pub problems: Vec<FileProblem>,
    /// The full-text index, built on the first search.
    pub search: Option<crate::clinical::search::SearchIndex>,
    /// Full sessions of the selected couple, loaded on selection.
    pub selected: Option<CoupleView>,
}

/// The selected couple's page.
pub struct CoupleView {
    pub couple: Couple,
    pub sessions: Vec<Session>,
    pub facts: CoupleFacts,
    /// What the safety screens say: positive screens, dates, the re-screen date.
    pub safety: SafetyStatus,
    /// Progress notes by session.
    pub notes: Vec<crate::model::ClinicalNote>,
    pub process_notes: Vec<crate::model::ProcessNote>,
    /// The commitments ledger (every plan item carried in) and recovery map.
    pub course: crate::model::Course,
    /// Every measure over the sessions, as the progress view charts it.
    pub measures: Vec<crate::clinical::Measure>,
}

/// The session being run.
pub struct Live {
    pub runner: Runner,
    pub couple: Couple,
    /// Changed since the last save was submitted.
    pub dirty: bool,
    /// The last save submitted, and whether it was acknowledged.
    pub submitted: Option<Ticket>,
    pub saved_at: Option<DateTime<Utc>>,
    pub save_error: Option<String>,
}

impl Live {
    /// A session just started (`dirty`: not saved yet) or just loaded from the vault.
    pub fn new(runner: Runner, couple: Couple, dirty: bool) -> Live {
        Live {
            runner,
            couple,
            dirty,
            submitted: None,
            saved_at: None,
            save_error: None,
        }
    }

    pub fn is_saved(&self) -> bool {
        !self.dirty && self.submitted.is_none() && self.save_error.is_none()
    }
}

pub struct AppState {
    pub config: AppConfig,
    pub library: Library,
    pub screen: Screen,
    pub open: Option<Open>,
    pub live: Option<Live>,
    /// A session to take up again after unlocking (ids only: nothing clinical).
    pub resume_after_unlock: Option<SessionId>,
    pub forms: Forms,
    pub status: Option<Status>,
    /// Quick hide: every window blank until the passphrase is given.
    pub hidden: bool,
    pub present: bool,
    pub safety_card: bool,
    pub idle: IdleLock,
    /// The demo vault's folder, removed when the app closes.
    pub demo_dir: Option<tempfile::TempDir>,
    /// A PDF being written on its own thread.
    pub export_job: Option<ExportJob>,
    /// Hand-over mode: the screen belongs to this partner, for the step on screen only,
    /// until the therapist's passphrase takes it back.
    pub hand_over: Option<Partner>,
    /// A take-home worksheet file being sealed or opened on its own thread.
    pub take_home_job: Option<super::takehome::TakeHomeJob>,
}

/// Why a command failed; shown once in the status line.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Run(#[from] crate::runner::RunError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error(transparent)]
    TakeHome(#[from] super::takehome::TakeHomeFlowError),
    #[error("{0}")]
    Refused(String),
}

fn refused(text: &str) -> AppError {
    AppError::Refused(text.to_string())
}

impl AppState {
    pub fn new(config: AppConfig, now: DateTime<Utc>) -> AppState {
        let root = config
            .vault_root
            .clone()
            .or_else(crate::vault::default_root);
        let exists = root
            .as_ref()
            .is_some_and(|r| r.join(crate::vault::HEADER_FILE).exists());
        let mut state = AppState {
            library: Library::builtin(),
            screen: if exists {
                Screen::Unlock
            } else {
                Screen::Welcome
            },
            open: None,
            live: None,
            resume_after_unlock: None,
            forms: Forms::default(),
            status: None,
            hidden: false,
            present: false,
            hand_over: None,
            safety_card: false,
            idle: IdleLock::new(10, now),
            demo_dir: None,
            export_job: None,
            take_home_job: None,
            config,
        };
        if state.config.demo
            && let Err(e) = state.apply(Command::OpenDemo, now)
        {
            state.report(&e);
        }
        state
    }

    pub fn root(&self) -> Option<PathBuf> {
        match &self.demo_dir {
            Some(dir) => Some(dir.path().join("vault")),
            None => self
                .config
                .vault_root
                .clone()
                .or_else(crate::vault::default_root),
        }
    }

    pub fn is_demo(&self) -> bool {
        self.demo_dir.is_some()
    }

    /// Show an error once in the status line. Never holds clinical text: errors don't.
    pub fn report(&mut self, error: &AppError) {
        self.status = Some(Status {
            text: error.to_string(),
            is_error: true,
        });
    }

    pub(super) fn tell(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            is_error: false,
        });
    }

    /// Apply one command. On error the state is as before (apart from the status line).
    pub fn apply(&mut self, command: Command, now: DateTime<Utc>) -> Result<(), AppError> {
        self.idle.touch(now);
        match command {
            Command::CreateVault => self.create_vault(now),
            Command::OpenDemo => self.open_demo(now),
            Command::Unlock => self.unlock(now),
            Command::Lock => self.lock(false),
            Command::QuickHide => self.lock(true),
            Command::SelectCouple(id) => {
                self.select_couple(id)?;
                if matches!(self.screen, Screen::ChooseTemplate(_)) {
                    self.screen = Screen::Practice;
                }
                Ok(())
            }
            Command::EditCouple(id) => {
                let draft = match id.and_then(|id| self.couple(id)) {
                    Some(c) => CoupleDraft {
                        id: Some(c.id),
                        code: c.code.clone(),
                        name_a: c.partner_a.name.clone(),
                        pronouns_a: c.partner_a.pronouns.clone(),
                        name_b: c.partner_b.name.clone(),
                        pronouns_b: c.partner_b.pronouns.clone(),
                        archived: c.archived,
                    },
                    None => CoupleDraft {
                        code: self.next_code(),
                        ..CoupleDraft::default()
                    },
                };
                self.forms.couple = Some(draft);
                Ok(())
            }
            Command::CancelEdit => {
                self.forms.couple = None;
                Ok(())
            }
            Command::SaveCouple(draft) => self.save_couple(draft, now),
            Command::ChooseTemplate(couple) => {
                self.select_couple(Some(couple))?;
                self.forms.template = None;
                self.screen = Screen::ChooseTemplate(couple);
                Ok(())
            }
            Command::StartSession {
                couple,
                template_id,
                bindings,
            } => self.start_session(couple, &template_id, bindings, now),
            Command::ResumeSession(id) => self.resume_session(id),
            Command::Act(action) => {
                let live = self
                    .live
                    .as_mut()
                    .ok_or_else(|| refused("no session is running"))?;
                let is_nav = matches!(action, Action::Next | Action::Back | Action::Skip { .. });
                if is_nav && self.hand_over.is_some() {
                    return Err(refused("the screen is with a partner: take it back first"));
                }
                let visibility = match &action {
                    Action::SetVisibility(v) => Some(*v),
                    _ => None,
                };
                live.runner.apply(action, now)?;
                live.dirty = true;
                if is_nav {
                    self.forms.skip_reason.clear();
                }
                if let Some(v) = visibility {
                    let (session, step) = {
                        let (_, record) = live.runner.current();
                        (live.runner.session().id, record.step_id.clone())
                    };
                    let to = match v {
                        Visibility::Joint => "joint",
                        Visibility::PartnerPrivate => "private",
                        Visibility::ClinicianOnly => "clinician-only",
                    };
                    self.audit(
                        AuditAction::Visibility,
                        Some(session.0),
                        &format!("step {step} now {to}"),
                    )?;
                }
                Ok(())
            }
            Command::SetDraft { key, text } => {
                let live = self
                    .live
                    .as_mut()
                    .ok_or_else(|| refused("no session is running"))?;
                live.runner.set_draft(&key, text);
                live.dirty = true;
                Ok(())
            }
            Command::CloseSession => self.close_session(now),
            Command::OpenTakeHome(couple) => self.open_take_home(couple),
            Command::IssueWorksheet => self.issue_worksheet(now),
            Command::ImportWorksheet => self.import_worksheet(now),
            Command::CloseTakeHome => {
                self.close_take_home();
                Ok(())
            }
            Command::OpenExport(target) => {
                let open = self.open_mut()?;
                let practice = open.vault.header().practice_name.clone();
                let folder = crate::vault::exports::default_export_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                self.forms.export = Some(ExportDraft {
                    target,
                    document: crate::export::SessionDocument::Note,
                    audience: None,
                    folder,
                    practice,
                });
                Ok(())
            }
            Command::CancelExport => {
                self.forms.export = None;
                Ok(())
            }
            Command::Export(draft) => self.start_export(draft, now),
            Command::TogglePresent => {
                self.present = !self.present && self.live.is_some();
                Ok(())
            }
            Command::HandOver(partner) => self.hand_over(partner),
            Command::HandBack => self.hand_back(now),
            Command::StartSafetyScreen(couple) => self.start_session(
                couple,
                SAFETY_SCREEN_TEMPLATE,
                crate::model::Bindings::default(),
                now,
            ),
            Command::ShowSafetyCard(show) => {
                self.safety_card = show;
                Ok(())
            }
            Command::DismissStatus => {
                self.status = None;
                Ok(())
            }
            other => self.apply_clinical(other, now),
        }
    }

    fn couple(&self, id: CoupleId) -> Option<&Couple> {
        self.open.as_ref()?.couples.iter().find(|c| c.id == id)
    }

    fn next_code(&self) -> String {
        let highest = self
            .open
            .as_ref()
            .map(|o| {
                o.couples
                    .iter()
                    .filter_map(|c| {
                        c.code
                            .strip_prefix("C-")
                            .and_then(|n| n.parse::<u32>().ok())
                    })
                    .max()
                    .unwrap_or(100)
            })
            .unwrap_or(100);
        format!("C-{:04}", highest + 1)
    }

    fn open_vault(
        &mut self,
        vault: Vault,
        scan: crate::vault::Scan,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let queue = SaveQueue::start(&vault)?;
        self.idle = IdleLock::new(vault.header().auto_lock_mins, now);
        let problems = scan.problems.len();
        self.open = Some(Open {
            vault,
            queue,
            couples: scan.couples,
            sessions: scan.sessions,
            notes: scan.notes,
            process_notes: scan.process_notes,
            problems: scan.problems,
            search: None,
            selected: None,
        });
        self.screen = Screen::Practice;
        self.hidden = false;
        if problems > 0 {
            self.tell(format!(
                "{problems} file(s) in the vault need attention: see the practice page"
            ));
        }
        if let Some(id) = self.resume_after_unlock.take() {
            self.resume_session(id)?;
        }
        Ok(())
    }

    fn create_vault(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let root = self.root().ok_or_else(|| {
            refused("this system has no data folder: start Tandem with --vault DIR")
        })?;
        if self.forms.passphrase != self.forms.passphrase_again {
            return Err(refused("the two passphrases differ"));
        }
        let passphrase = SecretString::from(self.forms.passphrase.clone());
        let vault = Vault::init(
            &root,
            Protection::Passphrase {
                passphrase,
                log_n: self.config.kdf_log_n,
            },
            now,
        )?;
        self.forms.clear_secrets();
        let scan = vault.scan()?;
        self.open_vault(vault, scan, now)?;
        self.tell("Your vault is ready. Everything you record stays on this computer, encrypted.");
        Ok(())
    }

    fn open_demo(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let dir = tempfile::Builder::new()
            .prefix("tandem-demo-")
            .tempdir()
            .map_err(|e| VaultError::io("cannot create the demo folder", e))?;
        let root = dir.path().join("vault");
        let vault = Vault::init(
            &root,
            Protection::Passphrase {
                passphrase: SecretString::from(DEMO_PASSPHRASE.to_string()),
                log_n: 10,
            },
            now,
        )?;
        for record in crate::demo::practice(&self.library, now) {
            vault.save(&record, now)?;
        }
        let mut vault = vault;
        vault.set_practice_name(crate::demo::DEMO_PRACTICE_NAME)?;
        let scan = vault.scan()?;
        self.demo_dir = Some(dir);
        self.open_vault(vault, scan, now)
    }

    fn unlock(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let root = self.root().ok_or_else(|| refused("no vault folder"))?;
        let passphrase = SecretString::from(self.forms.passphrase.clone());
        self.forms.clear_secrets();
        let opened = Vault::open_and_scan(&root, Some(&passphrase), Access::ReadWrite);
        if let Err(VaultError::WrongPassphrase) = &opened {
            // Best effort: a wrong passphrase is refused whether or not it is logged.
            let _ = crate::vault::audit::record_unlock_failure(
                &root,
                &crate::vault::audit::current_actor(),
                now,
            );
        }
        let (vault, scan) = match opened {
            Err(VaultError::InUse) => Vault::open_and_scan(&root, Some(&passphrase), Access::ReadOnly)
                .map(|(v, s)| {
                    self.tell("Another Tandem has this vault open: opened read-only, nothing can be saved here");
                    (v, s)
                })?,
            other => other?,
        };
        vault
            .audit(crate::vault::audit::AuditAction::Unlock, None, "app", now)
            .map_err(|e| {
                AppError::Refused(format!(
                    "the audit log could not be written, so the vault stays locked: {e}"
                ))
            })?;
        self.open_vault(vault, scan, now)?;
        if self.live.is_some() {
            // The session stayed in memory because its last save had failed: back to it.
            self.screen = Screen::Session;
        }
        Ok(())
    }

    /// Lock (and for quick hide, blank every window). Unsaved work is saved first; if that
    /// fails, the session stays in memory (hidden) rather than be lost.
    fn lock(&mut self, hide: bool) -> Result<(), AppError> {
        self.autosave_note(Utc::now());
        self.save_all(Duration::from_secs(5));
        // Nothing decrypted stays in the forms.
        self.forms.note = None;
        self.forms.found = None;
        self.forms.query.clear();
        self.forms.ledger = Default::default();
        self.forms.recovery = Default::default();
        self.present = false;
        self.safety_card = false;
        self.hand_over = None;
        self.forms.clear_secrets();
        self.forms.couple = None;
        self.forms.export = None;
        let keep_live = self.live.as_ref().is_some_and(|l| !l.is_saved());
        if !keep_live {
            self.resume_after_unlock = self.live.take().map(|l| l.runner.session().id);
        }
        self.open = None;
        self.hidden = hide;
        self.screen = Screen::Unlock;
        if keep_live {
            self.tell("The session could not be saved; it is kept in memory until you unlock");
        } else {
            self.status = None;
        }
        Ok(())
    }

    fn open_mut(&mut self) -> Result<&mut Open, AppError> {
        self.open
            .as_mut()
            .ok_or_else(|| refused("the vault is locked"))
    }

    pub(super) fn select_couple(&mut self, id: Option<CoupleId>) -> Result<(), AppError> {
        let already_open = self
            .open
            .as_ref()
            .and_then(|o| o.selected.as_ref())
            .is_some_and(|v| Some(v.couple.id) == id);
        if let Some(id) = id
            && !already_open
        {
            // Logged before anything is shown: what cannot be logged is not opened.
            self.audit(crate::vault::audit::AuditAction::Open, Some(id.0), "couple")?;
        }
        let open = self
            .open
            .as_mut()
            .ok_or_else(|| refused("the vault is locked"))?;
        let Some(id) = id else {
            open.selected = None;
            return Ok(());
        };
        let couple = open
            .couples
            .iter()
            .find(|c| c.id == id)
            .cloned()
            .ok_or_else(|| refused("that couple is not in this vault"))?;
        let (sessions, damaged) = open.vault.couple_sessions(&open.sessions, id);
        let safety = safety_status(&sessions);
        let facts = safety.facts.clone();
        let record = super::record::load_record(open, &self.library, &couple, &sessions);
        open.selected = Some(CoupleView {
            couple,
            sessions,
            facts,
            safety,
            notes: record.notes,
            process_notes: record.process_notes,
            course: record.course,
            measures: record.measures,
        });
        if let Some(course) = record.changed_course {
            self.submit(RecordBody::Course(course), Utc::now())?;
        }
        if record.damaged > 0 {
            self.tell(format!(
                "{} of this couple's notes could not be opened and were set aside",
                record.damaged
            ));
        }
        if damaged > 0 {
            self.tell(format!(
                "{damaged} of this couple's sessions could not be opened and were set aside"
            ));
        }
        // Custody changes are recorded by the clinician: offer the name from settings.
        if self.forms.recovery.custody.recorded_by.is_empty()
            && let Some(open) = self.open.as_ref()
        {
            self.forms.recovery.custody.recorded_by = open.vault.header().clinician_name.clone();
        }
        Ok(())
    }

    fn submit(&mut self, body: RecordBody, now: DateTime<Utc>) -> Result<Ticket, AppError> {
        let open = self
            .open
            .as_mut()
            .ok_or_else(|| refused("the vault is locked"))?;
        if let Some(index) = open.search.as_mut() {
            super::record::index_record(index, &body, &self.library);
        }
        Ok(open.queue.submit(body, now))
    }

    fn save_couple(&mut self, draft: CoupleDraft, now: DateTime<Utc>) -> Result<(), AppError> {
        if draft.name_a.trim().is_empty() || draft.name_b.trim().is_empty() {
            return Err(refused("both partners need a name"));
        }
        if draft.code.trim().is_empty() {
            return Err(refused("the couple needs a code"));
        }
        let existing = draft.id.and_then(|id| self.couple(id).cloned());
        let couple = Couple {
            format: COUPLE_FORMAT,
            id: draft.id.unwrap_or_else(|| CoupleId(uuid::Uuid::now_v7())),
            code: draft.code.trim().to_string(),
            partner_a: PartnerInfo {
                name: draft.name_a.trim().to_string(),
                pronouns: draft.pronouns_a.trim().to_string(),
            },
            partner_b: PartnerInfo {
                name: draft.name_b.trim().to_string(),
                pronouns: draft.pronouns_b.trim().to_string(),
            },
            created_on: existing.as_ref().map_or(now.date_naive(), |c| c.created_on),
            archived: draft.archived,
        };
        self.submit(RecordBody::Couple(couple.clone()), now)?;
        let open = self.open_mut()?;
        match open.couples.iter_mut().find(|c| c.id == couple.id) {
            Some(slot) => *slot = couple.clone(),
            None => open.couples.push(couple.clone()),
        }
        open.couples.sort_by(|a, b| a.code.cmp(&b.code));
        self.forms.couple = None;
        self.select_couple(Some(couple.id))?;
        if existing.is_none() {
            self.tell("Next: each partner's private safety screen. Joint protocols open once both are recorded and you have decided.");
        }
        Ok(())
    }

    /// Give the screen to one partner for the step on screen, if they have a part in it.
    fn hand_over(&mut self, partner: Partner) -> Result<(), AppError> {
        let live = self
            .live
            .as_ref()
            .ok_or_else(|| refused("no session is running"))?;
        if live.runner.is_ended() {
            return Err(refused("the session has ended"));
        }
        if !super::handover::has_part(live, partner) {
            return Err(refused("this step has nothing for that partner to fill in"));
        }
        let session = live.runner.session().id;
        let open = self.open_mut()?;
        if open.vault.header().encryption != crate::vault::Encryption::Age {
            return Err(refused(
                "this vault has no passphrase, so the screen could not be taken back safely",
            ));
        }
        self.audit(AuditAction::HandOver, Some(session.0), &partner.to_string())?;
        self.hand_over = Some(partner);
        self.present = false;
        self.safety_card = false;
        self.forms.export = None;
        self.forms.clear_secrets();
        self.status = None;
        Ok(())
    }

    /// Take the screen back with the passphrase. A wrong passphrase keeps the hand-over.
    fn hand_back(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        if self.hand_over.is_none() {
            return Ok(());
        }
        let passphrase = SecretString::from(std::mem::take(&mut self.forms.passphrase));
        let session = self.live.as_ref().map(|l| l.runner.session().id.0);
        let open = self.open_mut()?;
        if open.vault.check_passphrase(&passphrase)? {
            self.audit(AuditAction::HandBack, session, "")?;
            self.hand_over = None;
            self.autosave(now);
            Ok(())
        } else {
            self.audit(AuditAction::HandBack, session, "refused")?;
            Err(refused(
                "That is not the passphrase. Please give the laptop back to your therapist.",
            ))
        }
    }

    fn start_session(
        &mut self,
        couple_id: CoupleId,
        template_id: &str,
        bindings: crate::model::Bindings,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        self.select_couple(Some(couple_id))?;
        let template = self
            .library
            .get(template_id)
            .cloned()
            .ok_or_else(|| refused("that protocol is not in the library"))?;
        let view = self
            .open
            .as_ref()
            .and_then(|o| o.selected.as_ref())
            .ok_or_else(|| refused("no couple selected"))?;
        let questions = view
            .sessions
            .iter()
            .rev()
            .flat_map(|s| s.steps.iter().rev())
            .find_map(|step| match &step.data {
                crate::model::StepData::Questions(q) if !q.items.is_empty() => Some(q.clone()),
                _ => None,
            });
        let runner = Runner::start(
            &template,
            Start {
                session: SessionId(uuid::Uuid::now_v7()),
                couple: couple_id,
                bindings,
                facts: view.facts.clone(),
                questions,
            },
            now,
        )?;
        self.live = Some(Live::new(runner, view.couple.clone(), true));
        self.screen = Screen::Session;
        self.forms.review_closed = false;
        self.forms.template = None;
        self.autosave(now);
        Ok(())
    }

    fn resume_session(&mut self, id: SessionId) -> Result<(), AppError> {
        let open = self
            .open
            .as_ref()
            .ok_or_else(|| refused("the vault is locked"))?;
        let RecordBody::Session(session) = open.vault.load(RecordKind::Session, id.0)? else {
            return Err(refused("that record is not a session"));
        };
        self.audit(
            crate::vault::audit::AuditAction::Open,
            Some(id.0),
            "session",
        )?;
        let template = self
            .library
            .get(&session.template_id)
            .cloned()
            .ok_or_else(|| refused("the session's protocol is not in the library"))?;
        // The couple's page holds the couple and its safety facts, also after an unlock.
        self.select_couple(Some(session.couple))?;
        let view = self
            .open
            .as_ref()
            .and_then(|o| o.selected.as_ref())
            .ok_or_else(|| refused("the session's couple is missing"))?;
        let runner = Runner::resume(&template, session, view.facts.clone())?;
        self.live = Some(Live::new(runner, view.couple.clone(), false));
        self.screen = Screen::Session;
        Ok(())
    }

    fn close_session(&mut self, _now: DateTime<Utc>) -> Result<(), AppError> {
        self.save_all(Duration::from_secs(5));
        if self.live.as_ref().is_some_and(|l| !l.is_saved()) {
            return Err(refused(
                "the session is not saved yet, so it stays open; see the status line",
            ));
        }
        let couple = self.live.take().map(|l| l.couple.id);
        self.present = false;
        self.screen = Screen::Practice;
        self.refresh_lists()?;
        self.select_couple(couple)
    }

    /// The couple an export is about, if it is in this vault.
    pub fn export_couple(&self, target: ExportTarget) -> Option<&Couple> {
        let couple = match target {
            ExportTarget::Progress(id) => id,
            ExportTarget::Session(id) => match &self.live {
                Some(live) if live.runner.session().id == id => live.couple.id,
                _ => self.open.as_ref().and_then(|o| {
                    o.sessions
                        .iter()
                        .find(|s| s.id == id)
                        .map(|s| s.couple)
                        .or_else(|| {
                            o.selected.as_ref().and_then(|v| {
                                v.sessions.iter().find(|s| s.id == id).map(|s| s.couple)
                            })
                        })
                })?,
            },
        };
        match &self.live {
            Some(live) if live.couple.id == couple => Some(&live.couple),
            _ => self.couple(couple),
        }
    }

    /// What an export is of, for the dialog: "C-0101 · Intentional dialogue · 12 Oct 2026".
    pub fn export_subject(&self, target: ExportTarget) -> String {
        let code = self
            .export_couple(target)
            .map_or(String::new(), |c| c.code.clone());
        match target {
            ExportTarget::Progress(_) => format!("{code} · progress report over all sessions"),
            ExportTarget::Session(id) => {
                let found = match &self.live {
                    Some(live) if live.runner.session().id == id => {
                        let s = live.runner.session();
                        Some((s.template_title.clone(), s.started_at))
                    }
                    _ => self.open.as_ref().and_then(|o| {
                        o.sessions
                            .iter()
                            .find(|s| s.id == id)
                            .map(|s| (s.template_title.clone(), s.started_at))
                            .or_else(|| {
                                o.selected.as_ref().and_then(|v| {
                                    v.sessions
                                        .iter()
                                        .find(|s| s.id == id)
                                        .map(|s| (s.template_title.clone(), s.started_at))
                                })
                            })
                    }),
                };
                match found {
                    Some((title, at)) => format!(
                        "{code} · {title} · {}",
                        at.with_timezone(&chrono::Local).format("%-d %b %Y")
                    ),
                    None => code,
                }
            }
        }
    }

    /// A session as it is now (the live one includes what was just typed), with its couple.
    fn session_for_export(&self, id: SessionId) -> Result<(Session, Couple), AppError> {
        if let Some(live) = self.live.as_ref().filter(|l| l.runner.session().id == id) {
            return Ok((live.runner.session().clone(), live.couple.clone()));
        }
        let open = self
            .open
            .as_ref()
            .ok_or_else(|| refused("the vault is locked"))?;
        let loaded = open
            .selected
            .as_ref()
            .and_then(|v| v.sessions.iter().find(|s| s.id == id).cloned());
        let session = match loaded {
            Some(s) => s,
            None => match open.vault.load(RecordKind::Session, id.0)? {
                RecordBody::Session(s) => s,
                _ => return Err(refused("that record is not a session")),
            },
        };
        let couple = self
            .couple(session.couple)
            .cloned()
            .ok_or_else(|| refused("the session's couple is not in this vault"))?;
        Ok((session, couple))
    }

    /// Every session of a couple, read from the vault; damaged ones are counted.
    fn couple_sessions(&self, id: CoupleId) -> Result<(Couple, Vec<Session>, usize), AppError> {
        let open = self
            .open
            .as_ref()
            .ok_or_else(|| refused("the vault is locked"))?;
        let couple = self
            .couple(id)
            .cloned()
            .ok_or_else(|| refused("that couple is not in this vault"))?;
        let (mut sessions, damaged) = open.vault.couple_sessions(&open.sessions, id);
        if let Some(live) = self.live.as_ref().filter(|l| l.couple.id == id) {
            let current = live.runner.session();
            sessions.retain(|s| s.id != current.id);
            sessions.push(current.clone());
        }
        Ok((couple, sessions, damaged))
    }

    /// Build the document now (quick) and lay it out and write it on a thread of its own.
    fn start_export(&mut self, draft: ExportDraft, now: DateTime<Utc>) -> Result<(), AppError> {
        if self.export_job.is_some() {
            return Err(refused(
                "an export is already being written; wait for it to finish",
            ));
        }
        let audience = draft
            .audience
            .ok_or_else(|| refused("choose who will read the PDF"))?;
        let folder = PathBuf::from(draft.folder.trim());
        if folder.as_os_str().is_empty() {
            return Err(refused("choose a folder for the PDF"));
        }
        let practice = draft.practice.trim().to_string();
        let ctx = crate::export::Context {
            practice: practice.clone(),
            now,
            zone: crate::export::Zone::Local,
        };
        let mut damaged = 0;
        let report = match draft.target {
            ExportTarget::Session(id) => {
                let (session, couple) = self.session_for_export(id)?;
                let template = self.library.get(&session.template_id);
                crate::export::session_report(
                    draft.document,
                    &session,
                    &couple,
                    template,
                    audience,
                    &ctx,
                )?
            }
            ExportTarget::Progress(id) => {
                let (couple, sessions, unreadable) = self.couple_sessions(id)?;
                damaged = unreadable;
                // The clinician's report lists the disclosure document's custody log; the
                // course in memory is the latest when the couple's page is open.
                let course = match self.open.as_ref() {
                    Some(open) => match open.selected.as_ref().filter(|v| v.couple.id == id) {
                        Some(view) => Some(view.course.clone()),
                        None => Some(open.vault.course(id)?),
                    },
                    None => None,
                };
                crate::export::progress_report_with_course(
                    &couple,
                    &sessions,
                    course.as_ref(),
                    &self.library,
                    audience,
                    &ctx,
                )
            }
        };
        let (record, what) = match draft.target {
            ExportTarget::Session(id) => (id.0, draft.document.name()),
            ExportTarget::Progress(id) => (id.0, "progress report"),
        };
        self.audit(
            crate::vault::audit::AuditAction::Export,
            Some(record),
            &format!("{what} for {}", audience.reader()),
        )?;
        let path = crate::vault::exports::free_path(&folder, &crate::export::file_name(&report));
        self.export_job = Some(ExportJob::start(report, path));
        self.forms.export = None;
        if damaged > 0 {
            self.tell(format!(
                "{damaged} of this couple's sessions could not be opened and are not in the report"
            ));
        }
        // The practice name is kept for next time; the export does not wait on it.
        let open = self.open_mut()?;
        if open.vault.header().practice_name != practice {
            open.vault.set_practice_name(&practice)?;
        }
        Ok(())
    }

    /// An export that finished: say where it went, or why it failed.
    fn poll_export(&mut self) {
        let Some(job) = self.export_job.as_mut() else {
            return;
        };
        let Some(outcome) = job.poll() else {
            return;
        };
        let name = job.file_name();
        let folder = job
            .path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        self.export_job = None;
        match outcome {
            Ok(pages) => self.tell(format!("Exported {name} ({pages} pages) to {folder}")),
            Err(e) => {
                self.status = Some(Status {
                    text: format!("The PDF was not written: {e}"),
                    is_error: true,
                })
            }
        }
    }

    fn open_take_home(&mut self, couple: CoupleId) -> Result<(), AppError> {
        self.select_couple(Some(couple))?;
        let folder = crate::vault::exports::default_export_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        self.forms.take_home = Some(super::takehome::TakeHomeDraft::new(couple, folder));
        Ok(())
    }

    fn close_take_home(&mut self) {
        if let Some(draft) = self.forms.take_home.as_mut() {
            draft.clear_secrets();
        }
        self.forms.take_home = None;
    }

    /// The selected couple, checked to be the one the take-home dialog is about.
    fn take_home_couple(&self) -> Result<(&CoupleView, &super::takehome::TakeHomeDraft), AppError> {
        let draft = self
            .forms
            .take_home
            .as_ref()
            .ok_or_else(|| refused("the take-home dialog is not open"))?;
        let view = self
            .open
            .as_ref()
            .and_then(|o| o.selected.as_ref())
            .filter(|v| v.couple.id == draft.couple)
            .ok_or_else(|| refused("open the couple's page first"))?;
        Ok((view, draft))
    }

    fn issue_worksheet(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        if self.take_home_job.is_some() {
            return Err(refused("a worksheet file is being worked on; wait for it"));
        }
        let (view, draft) = self.take_home_couple()?;
        let template = draft
            .template
            .as_deref()
            .and_then(|id| self.library.get(id))
            .ok_or_else(|| refused("choose a protocol"))?;
        let for_whom = draft
            .for_whom
            .ok_or_else(|| refused("choose who fills the worksheet in"))?;
        if draft.folder.trim().is_empty() {
            return Err(refused("choose a folder for the worksheet file"));
        }
        let path = draft.output_path(template, &view.couple);
        let passphrase = SecretString::from(draft.passphrase.clone());
        let open = self
            .open
            .as_ref()
            .ok_or_else(|| refused("the vault is locked"))?;
        let folder = PathBuf::from(draft.folder.trim());
        if !folder.exists() {
            crate::vault::fsutil::create_private_dir(&folder)
                .map_err(|e| VaultError::io(format!("cannot create {}", folder.display()), e))?;
        }
        let request = super::takehome::IssueRequest {
            template,
            for_whom,
            bindings: draft.bindings(template),
            couple: Some((&view.couple, &view.sessions)),
            passphrase: &passphrase,
            path: &path,
            log_n: self.config.kdf_log_n,
        };
        let (_, file) = super::takehome::prepare_issue(&open.vault, &request, now)?;
        // Sealing takes a passphrase derivation: on its own thread.
        self.take_home_job = Some(super::takehome::TakeHomeJob::write(
            file,
            path,
            passphrase,
            self.config.kdf_log_n,
        ));
        Ok(())
    }

    fn import_worksheet(&mut self, _now: DateTime<Utc>) -> Result<(), AppError> {
        if self.take_home_job.is_some() {
            return Err(refused("a worksheet file is being worked on; wait for it"));
        }
        let (view, draft) = self.take_home_couple()?;
        let path = PathBuf::from(draft.file.trim());
        let passphrase = SecretString::from(draft.file_passphrase.clone());
        let couple = view.couple.id;
        // Opening takes a passphrase derivation: on its own thread; the rest follows in
        // `poll_take_home`.
        self.take_home_job = Some(super::takehome::TakeHomeJob::open(path, passphrase, couple));
        Ok(())
    }

    /// A worksheet file that was written or opened on its thread: finish the work.
    fn poll_take_home(&mut self, now: DateTime<Utc>) {
        let Some(done) = self.take_home_job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.take_home_job = None;
        if let Err(error) = self.finish_take_home(done, now) {
            self.report(&error);
        }
    }

    fn finish_take_home(
        &mut self,
        done: super::takehome::JobDone,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match done {
            super::takehome::JobDone::Written(Ok(path)) => {
                self.close_take_home();
                self.tell(format!(
                    "Worksheet written to {}. Give it to the couple with the passphrase; bring it back with Take-home worksheets… > Bring one back.",
                    path.display()
                ));
                Ok(())
            }
            super::takehome::JobDone::Written(Err(e)) => Err(AppError::Refused(format!(
                "the worksheet file could not be written: {e}"
            ))),
            super::takehome::JobDone::Opened { couple, file } => {
                let open = self
                    .open
                    .as_ref()
                    .ok_or_else(|| refused("the vault was locked; nothing was imported"))?;
                let sessions = match open.selected.as_ref().filter(|v| v.couple.id == couple) {
                    Some(view) => view.sessions.clone(),
                    None => open.vault.couple_sessions(&open.sessions, couple).0,
                };
                let session = super::takehome::import_opened(
                    &open.vault,
                    file.map(|f| *f),
                    couple,
                    &sessions,
                    now,
                )?;
                self.close_take_home();
                self.refresh_lists()?;
                self.select_couple(Some(couple))?;
                self.tell(format!(
                    "Imported: the {} worksheet is now a session of this couple.",
                    session.template_title
                ));
                Ok(())
            }
        }
    }

    fn refresh_lists(&mut self) -> Result<(), AppError> {
        let open = self.open_mut()?;
        let scan = open.vault.scan()?;
        open.couples = scan.couples;
        open.sessions = scan.sessions;
        open.notes = scan.notes;
        open.process_notes = scan.process_notes;
        open.problems = scan.problems;
        Ok(())
    }

    /// Submit the live session if it changed and no save of it is under way (each save
    /// holds the whole session, so later changes ride on the next one).
    pub fn autosave(&mut self, now: DateTime<Utc>) {
        let Some(live) = self.live.as_ref() else {
            return;
        };
        if !live.dirty || live.submitted.is_some() || self.open.is_none() {
            return;
        }
        let body = RecordBody::Session(live.runner.session().clone());
        match self.submit(body, now) {
            Ok(ticket) => {
                if let Some(live) = self.live.as_mut() {
                    live.dirty = false;
                    live.submitted = Some(ticket);
                }
            }
            Err(e) => self.report(&e),
        }
    }

    /// Save until the live session has no unsaved change (a change made while an
    /// earlier save was in flight needs a second save), a save fails, or time runs out.
    fn save_all(&mut self, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            self.autosave(Utc::now());
            self.flush_saves(deadline.saturating_duration_since(std::time::Instant::now()));
            let settled = self
                .live
                .as_ref()
                .is_none_or(|l| (!l.dirty && l.submitted.is_none()) || l.save_error.is_some());
            if settled || std::time::Instant::now() >= deadline {
                break;
            }
        }
    }

    fn flush_saves(&mut self, timeout: Duration) {
        let outcomes = match self.open.as_mut() {
            Some(open) => open.queue.flush(timeout),
            None => return,
        };
        self.take_outcomes(outcomes);
    }

    fn take_outcomes(&mut self, outcomes: Vec<SaveOutcome>) {
        for outcome in outcomes {
            let Some(live) = self.live.as_mut() else {
                continue;
            };
            if live.submitted != Some(outcome.ticket()) {
                if let SaveOutcome::Failed { error, .. } = &outcome {
                    self.status = Some(Status {
                        text: format!("Not saved: {error}"),
                        is_error: true,
                    });
                }
                continue;
            }
            live.submitted = None;
            match outcome {
                SaveOutcome::Saved { .. } => {
                    live.save_error = None;
                    live.saved_at = Some(Utc::now());
                }
                SaveOutcome::Failed { error, .. } => {
                    // Keep the session in memory and try again on the next change.
                    live.dirty = true;
                    live.save_error = Some(error.clone());
                    self.status = Some(Status {
                        text: format!("Not saved: {error}. The session is kept in memory."),
                        is_error: true,
                    });
                }
            }
        }
    }

    /// Work done every frame, drawn or not: save acknowledgements, autosave, auto-lock.
    pub fn logic(&mut self, now: DateTime<Utc>) {
        let outcomes = self
            .open
            .as_mut()
            .map(|o| o.queue.poll())
            .unwrap_or_default();
        self.take_outcomes(outcomes);
        self.autosave(now);
        self.autosave_note(now);
        self.poll_export();
        self.poll_take_home(now);
        if self.open.is_some() && self.idle.is_due(now) && !self.is_demo() {
            let _ = self.lock(false);
            self.tell("Locked after a quiet spell. Enter the passphrase to go on.");
        }
    }

    /// Before the window closes: save what is unsaved.
    pub fn shutdown(&mut self) {
        self.autosave_note(Utc::now());
        self.save_all(Duration::from_secs(10));
    }
}
