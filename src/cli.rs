//! The command line: argument definitions and the commands they run. The edge of the
//! program, so errors here are `anyhow`, and this is where the clock is read.

use crate::export::{self, SessionDocument};
use crate::model::{Audience, Couple, CoupleId};
use crate::template::Library;
use crate::vault::audit::AuditAction;
use crate::vault::crypto::PINNED_LOG_N;
use crate::vault::{Access, Protection, RecordBody, RecordKind, Vault, VaultError};
use anyhow::{Context as _, bail};
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use secrecy::SecretString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Tandem: a local-first companion for couples therapists.
#[derive(Debug, Parser)]
#[command(name = "tandem", version, about)]
pub struct Cli {
    /// The vault folder (default: the platform's data folder).
    #[arg(long, global = true, env = "TANDEM_VAULT", value_name = "DIR")]
    pub vault: Option<PathBuf>,

    /// Open the app on the demo practice: fictional couples in a throwaway vault.
    #[arg(long)]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with protocol templates.
    Templates {
        #[command(subcommand)]
        command: TemplatesCommand,
    },
    /// Create a new encrypted vault (passphrase from a prompt or TANDEM_PASSPHRASE).
    Init {
        /// Fill it with the demo practice: fictional couples with sessions, plans, ratings.
        #[arg(long)]
        demo: bool,
        /// Store records unencrypted. Only for testing; never for real clients.
        #[arg(long)]
        insecure_plaintext: bool,
        /// scrypt work factor (log2 N) for the passphrase; tests use a low one.
        #[arg(long, hide = true, default_value_t = PINNED_LOG_N, value_parser = clap::value_parser!(u8).range(10..=20))]
        kdf_log_n: u8,
    },
    /// List couples or sessions.
    List {
        #[arg(value_enum)]
        what: ListWhat,
    },
    /// Add a record from a plaintext RON file (as `tandem dump` prints it); never overwrites.
    Import { file: PathBuf },
    /// Print one record as RON.
    Dump {
        /// couple or session
        kind: String,
        id: uuid::Uuid,
    },
    /// Open every record and check the audit log's chain; report damage, sync conflicts
    /// and audit tampering; non-zero exit if any.
    Verify,
    /// Print the audit log: who unlocked, opened, exported, finalized or amended which
    /// record, and when (ids only, no clinical text).
    Audit,
    /// Write the whole vault to one encrypted file (encrypted with the vault passphrase).
    Backup {
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        #[arg(long, hide = true, default_value_t = PINNED_LOG_N, value_parser = clap::value_parser!(u8).range(10..=20))]
        kdf_log_n: u8,
    },
    /// Restore a backup into a new folder given with --vault.
    Restore { file: PathBuf },
    /// Change the vault passphrase (new one from a prompt or TANDEM_NEW_PASSPHRASE).
    Passphrase {
        #[arg(long, hide = true, default_value_t = PINNED_LOG_N, value_parser = clap::value_parser!(u8).range(10..=20))]
        kdf_log_n: u8,
    },
    /// Vault settings.
    Settings {
        /// Lock the app after this many idle minutes (1 to 240).
        #[arg(long, value_name = "MINUTES")]
        auto_lock_mins: Option<u32>,
        /// The practice name printed at the top of every exported page.
        #[arg(long, value_name = "NAME")]
        practice_name: Option<String>,
        /// The structure new progress notes are drafted in: soap, dap or birp.
        #[arg(long, value_name = "STYLE", value_parser = parse_note_style)]
        note_style: Option<crate::model::NoteStyle>,
        /// The name finalized notes are signed with by default.
        #[arg(long, value_name = "NAME")]
        clinician_name: Option<String>,
        /// Days after the latest safety screens when a re-screen is due (7 to 730).
        #[arg(long, value_name = "DAYS")]
        rescreen_days: Option<u32>,
        /// A safety resource shown beside a positive screen and on the safety card (a
        /// local helpline, say); repeat for several. Replaces the practice's list.
        #[arg(long = "resource", value_name = "TEXT")]
        resources: Vec<String>,
        /// Remove the practice's own safety resources (the generic ones stay).
        #[arg(long, conflicts_with = "resources")]
        clear_resources: bool,
    },
    /// Export a session, a progress report, a clinical note or (explicitly) process notes
    /// as a PDF.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// A blank worksheet for a protocol, to fill in on paper (needs no vault).
    Worksheet {
        /// The protocol's id (see `tandem templates list`).
        template_id: String,
        /// Who the sheet is for: couple (the shared steps), partner-a or partner-b (also
        /// their own private steps), clinician (every step, with instructions).
        #[arg(long, default_value = "couple", value_parser = parse_audience)]
        audience: Audience,
        #[arg(short = 'o', long = "output", value_name = "FILE.pdf")]
        output: PathBuf,
        /// The practice name for the page header (default: the vault's, if there is one).
        #[arg(long)]
        practice: Option<String>,
        /// A folder of templates to take the protocol from (default: the shipped ones).
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// Write an encrypted take-home worksheet file for the couple (or, with
        /// --audience partner-a|partner-b, one partner) to fill in with `tandem fill`,
        /// instead of a PDF. Needs the vault; the file's passphrase comes from a prompt or
        /// TANDEM_WORKSHEET_PASSPHRASE.
        #[arg(long)]
        take_home: bool,
        /// With --take-home: the couple it is for (their names fill the prompts, and only
        /// they can bring it back).
        #[arg(long, value_name = "COUPLE_ID", requires = "take_home")]
        couple: Option<uuid::Uuid>,
        /// With --take-home: which partner is the hurt partner (a or b), for protocols
        /// with that role.
        #[arg(long, value_name = "a|b", value_parser = parse_partner, requires = "take_home")]
        hurt_partner: Option<crate::model::Partner>,
        /// With --take-home: which partner speaks first (a or b), for protocols with that
        /// role.
        #[arg(long, value_name = "a|b", value_parser = parse_partner, requires = "take_home")]
        speaker: Option<crate::model::Partner>,
        #[arg(long, hide = true, default_value_t = PINNED_LOG_N, value_parser = clap::value_parser!(u8).range(10..=20))]
        kdf_log_n: u8,
    },
    /// Open a take-home worksheet file in a small window to fill it in (no vault needed;
    /// the passphrase from the window or TANDEM_WORKSHEET_PASSPHRASE).
    Fill {
        file: PathBuf,
        #[arg(long, hide = true, default_value_t = PINNED_LOG_N, value_parser = clap::value_parser!(u8).range(10..=20))]
        kdf_log_n: u8,
    },
    /// Bring a filled take-home worksheet back into a couple's record, as a new session.
    /// Refuses a file this practice did not issue, one altered outside Tandem, one for
    /// another couple, and one already imported.
    ImportWorksheet {
        file: PathBuf,
        #[arg(long, value_name = "COUPLE_ID")]
        couple: uuid::Uuid,
    },
    /// Search every record: each word must match the start of a word (any case, any
    /// accents); "quoted words" must follow each other. Exit code 1 when nothing matches.
    Search {
        /// The words to find.
        #[arg(required = true, value_name = "WORD")]
        query: Vec<String>,
        /// Only this couple's records (see `tandem list couples`).
        #[arg(long, value_name = "COUPLE_ID")]
        couple: Option<uuid::Uuid>,
    },
    /// Sample data.
    Demo {
        /// Add N synthetic sessions of realistic size (for benchmarks).
        #[arg(long, value_name = "N")]
        generate: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Test hook: save records in a loop, printing each acknowledged save.
    #[command(hide = true)]
    StressSave {
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A document made from one session.
    Session {
        /// The session's id (see `tandem list sessions`).
        id: uuid::Uuid,
        /// Who it is for: clinician, couple, partner-a or partner-b. Private items reach
        /// only their own partner and the clinician.
        #[arg(long, value_parser = parse_audience)]
        audience: Audience,
        /// note (the clinical record), worksheet (prompts and answers), plan
        /// (commitments) or letters.
        #[arg(long, default_value = "note", value_parser = parse_document)]
        document: SessionDocument,
        #[arg(short = 'o', long = "output", value_name = "FILE.pdf")]
        output: PathBuf,
    },
    /// Each partner's ratings over a couple's sessions, as charts and tables.
    Progress {
        /// The couple's id (see `tandem list couples`).
        couple: uuid::Uuid,
        /// Who it is for: clinician, couple, partner-a or partner-b.
        #[arg(long, value_parser = parse_audience)]
        audience: Audience,
        #[arg(short = 'o', long = "output", value_name = "FILE.pdf")]
        output: PathBuf,
    },
    /// A session's progress note (SOAP, DAP or BIRP) for the clinician: a draft marked as
    /// such, a finalized note with its signature, every amendment and the original.
    /// Logged in the audit log.
    Note {
        /// The note's id (see `tandem list notes`).
        id: uuid::Uuid,
        #[arg(short = 'o', long = "output", value_name = "FILE.pdf")]
        output: PathBuf,
    },
    /// A couple's process notes (psychotherapy notes), which no other export contains.
    /// Refused unless --include-process-notes is given. Logged in the audit log.
    ProcessNotes {
        /// The couple's id (see `tandem list couples`).
        couple: uuid::Uuid,
        /// Confirm that the clinician's process notes are to leave the vault.
        #[arg(long)]
        include_process_notes: bool,
        #[arg(short = 'o', long = "output", value_name = "FILE.pdf")]
        output: PathBuf,
    },
}

fn parse_audience(name: &str) -> Result<Audience, String> {
    Audience::from_name(name)
        .ok_or_else(|| "use clinician, couple, partner-a or partner-b".to_string())
}

fn parse_partner(value: &str) -> Result<crate::model::Partner, String> {
    match value.to_ascii_lowercase().as_str() {
        "a" | "partner-a" => Ok(crate::model::Partner::A),
        "b" | "partner-b" => Ok(crate::model::Partner::B),
        _ => Err("use a or b".into()),
    }
}

fn parse_note_style(name: &str) -> Result<crate::model::NoteStyle, String> {
    crate::model::NoteStyle::from_name(name)
        .ok_or_else(|| format!("unknown note style {name:?}: use soap, dap or birp"))
}

fn parse_document(name: &str) -> Result<SessionDocument, String> {
    SessionDocument::from_name(name)
        .ok_or_else(|| "use note, worksheet, plan or letters".to_string())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListWhat {
    Couples,
    Sessions,
    /// Clinical (progress) notes, with their status.
    Notes,
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Load and validate every template: one line per problem, non-zero exit if any.
    Check {
        /// A folder of `.ron` templates (default: the templates shipped with Tandem).
        dir: Option<PathBuf>,
    },
    /// List the templates that load.
    List {
        /// A folder of `.ron` templates (default: the templates shipped with Tandem).
        dir: Option<PathBuf>,
    },
}

/// Run the parsed command line. Returns the process exit code.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<i32> {
    let root = cli.vault.clone();
    match cli.command {
        None => {
            let config = crate::app::AppConfig {
                vault_root: root,
                demo: cli.demo,
                ..Default::default()
            };
            crate::app::run(config)
                .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))?;
            Ok(0)
        }
        Some(Command::Templates { command }) => match command {
            TemplatesCommand::Check { dir } => check(&load(dir)?, out),
            TemplatesCommand::List { dir } => list_templates(&load(dir)?, out),
        },
        Some(Command::Init {
            demo,
            insecure_plaintext,
            kdf_log_n,
        }) => init(&vault_root(root)?, demo, insecure_plaintext, kdf_log_n, out),
        Some(Command::List { what }) => {
            // Read-write keeps the derived index fresh; another open Tandem holds the
            // lock, so fall back to read-only then.
            let vault = match open(root.clone(), Access::ReadWrite) {
                Err(e) if matches!(e.downcast_ref::<VaultError>(), Some(VaultError::InUse)) => {
                    open(root, Access::ReadOnly)?
                }
                other => other?,
            };
            list(&vault, what, out)
        }
        Some(Command::Import { file }) => import(&open(root, Access::ReadWrite)?, &file, out),
        Some(Command::Dump { kind, id }) => {
            let kind = RecordKind::from_name(&kind)
                .with_context(|| format!("unknown record kind {kind:?}: use couple or session"))?;
            let vault = open(root, Access::ReadOnly)?;
            let body = vault.load(kind, id)?;
            audit(&vault, AuditAction::Open, id, kind.name())?;
            writeln!(out, "{}", pretty(&body)?)?;
            Ok(0)
        }
        Some(Command::Verify) => verify(&open(root, Access::ReadWrite)?, out),
        Some(Command::Audit) => {
            let vault = open(root, Access::ReadOnly)?;
            for e in crate::vault::audit::entries(vault.root())? {
                writeln!(
                    out,
                    "{:>6}  {}  {:<12} {:<20} {:<36}  {}",
                    e.seq,
                    e.at.format("%Y-%m-%d %H:%M:%S UTC"),
                    e.actor,
                    e.action.name(),
                    e.record.map_or_else(|| "-".to_string(), |r| r.to_string()),
                    e.detail
                )?;
            }
            Ok(0)
        }
        Some(Command::Backup { output, kdf_log_n }) => {
            let vault = open(root, Access::ReadOnly)?;
            let passphrase = passphrase(
                "TANDEM_PASSPHRASE",
                "Backup passphrase (the vault's): ",
                false,
            )?;
            let report = crate::vault::backup::backup(&vault, &output, &passphrase, kdf_log_n)?;
            writeln!(
                out,
                "backed up {} files ({} bytes) to {}",
                report.files,
                report.bytes,
                output.display()
            )?;
            Ok(0)
        }
        Some(Command::Restore { file }) => {
            let target = root.context("restore needs the new vault folder: --vault NEWDIR")?;
            let passphrase = passphrase("TANDEM_PASSPHRASE", "Backup passphrase: ", false)?;
            let verified = crate::vault::backup::restore(&file, &target, &passphrase)?;
            writeln!(
                out,
                "restored {} records into {}",
                verified.records.len(),
                target.display()
            )?;
            for problem in &verified.problems {
                writeln!(out, "{problem}")?;
            }
            Ok(if verified.problems.is_empty() { 0 } else { 1 })
        }
        Some(Command::Passphrase { kdf_log_n }) => {
            let root = vault_root(root)?;
            let old = passphrase("TANDEM_PASSPHRASE", "Current passphrase: ", false)?;
            let vault = Vault::open(&root, Some(&old), Access::ReadWrite)?;
            let new = passphrase("TANDEM_NEW_PASSPHRASE", "New passphrase: ", true)?;
            vault.change_passphrase(&old, &new, kdf_log_n)?;
            writeln!(out, "passphrase changed")?;
            Ok(0)
        }
        Some(Command::Settings {
            auto_lock_mins,
            practice_name,
            note_style,
            clinician_name,
            rescreen_days,
            resources,
            clear_resources,
        }) => {
            let mut vault = open(root, Access::ReadWrite)?;
            if rescreen_days.is_some() || !resources.is_empty() || clear_resources {
                let days = rescreen_days.unwrap_or(vault.header().rescreen_days);
                let list = if clear_resources {
                    Vec::new()
                } else if resources.is_empty() {
                    vault.header().safety_resources.clone()
                } else {
                    resources
                };
                vault.set_safety_settings(days, &list)?;
            }
            if let Some(mins) = auto_lock_mins {
                vault.set_auto_lock_mins(mins)?;
            }
            if let Some(name) = practice_name {
                vault.set_practice_name(&name)?;
            }
            if note_style.is_some() || clinician_name.is_some() {
                let style = note_style.unwrap_or(vault.header().note_style);
                let name = clinician_name.unwrap_or_else(|| vault.header().clinician_name.clone());
                vault.set_note_defaults(style, &name)?;
            }
            writeln!(out, "notes drafted as {}", vault.header().note_style.name())?;
            writeln!(out, "notes signed by {:?}", vault.header().clinician_name)?;
            writeln!(
                out,
                "auto-lock after {} idle minutes",
                vault.header().auto_lock_mins
            )?;
            writeln!(out, "practice name: {:?}", vault.header().practice_name)?;
            writeln!(
                out,
                "re-screen {} days after the latest safety screens",
                vault.header().rescreen_days
            )?;
            for resource in &vault.header().safety_resources {
                writeln!(out, "safety resource: {resource}")?;
            }
            Ok(0)
        }
        Some(Command::Export { what }) => export(root, what, out),
        Some(Command::Worksheet {
            template_id,
            audience,
            output,
            take_home: true,
            couple,
            hurt_partner,
            speaker,
            templates,
            kdf_log_n,
            ..
        }) => issue_take_home(
            root,
            TakeHomeArgs {
                template_id,
                audience,
                output,
                couple,
                hurt_partner,
                speaker,
                templates,
                kdf_log_n,
            },
            out,
        ),
        Some(Command::Fill { file, kdf_log_n }) => {
            if !file.is_file() {
                bail!("no worksheet file at {}", file.display());
            }
            let passphrase = std::env::var("TANDEM_WORKSHEET_PASSPHRASE")
                .ok()
                .map(SecretString::from);
            crate::app::fill::run_fill(crate::app::fill::FillConfig {
                path: file,
                passphrase,
                log_n: kdf_log_n,
            })
            .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))?;
            Ok(0)
        }
        Some(Command::ImportWorksheet { file, couple }) => {
            import_take_home(root, &file, CoupleId(couple), out)
        }
        Some(Command::Worksheet {
            template_id,
            audience,
            output,
            practice,
            templates,
            ..
        }) => {
            let library = load(templates)?;
            let template = library.get(&template_id).with_context(|| {
                format!("no protocol {template_id:?}: see `tandem templates list`")
            })?;
            let practice = match practice {
                Some(p) => p,
                None => vault_root(root)
                    .ok()
                    .and_then(|r| crate::vault::read_header(&r).ok())
                    .map(|h| h.practice_name)
                    .unwrap_or_default(),
            };
            let report = export::blank_worksheet(template, audience, &context(practice));
            write_pdf(&report, &output, out)
        }
        Some(Command::Search { query, couple }) => {
            // Read-write keeps the search cache fresh; another open Tandem holds the lock,
            // so fall back to read-only then (the cache is read but not written).
            let vault = match open(root.clone(), Access::ReadWrite) {
                Err(e) if matches!(e.downcast_ref::<VaultError>(), Some(VaultError::InUse)) => {
                    open(root, Access::ReadOnly)?
                }
                other => other?,
            };
            // Every record is read to search it: logged, by kind of access only (never the
            // query, which may be a name).
            vault
                .audit(AuditAction::Open, couple, "search", Utc::now())
                .context("the audit log could not be written")?;
            search(&vault, &query.join(" "), couple.map(CoupleId), out)
        }
        Some(Command::Demo { generate, seed }) => {
            let vault = open(root, Access::ReadWrite)?;
            let library = Library::builtin();
            let now = Utc::now();
            let mut count = 0;
            for body in crate::demo::generate(&library, generate, seed, now) {
                vault.save(&body, now)?;
                count += 1;
            }
            writeln!(out, "added {count} records ({generate} sessions requested)")?;
            Ok(0)
        }
        Some(Command::StressSave { seed }) => {
            stress_save(&open(root, Access::ReadWrite)?, seed, out)
        }
    }
}

/// What every export needs: the practice, the clock and the local time zone (read here,
/// at the edge).
fn context(practice: String) -> export::Context {
    let now = Utc::now();
    export::Context {
        practice,
        now,
        zone: export::Zone::Local,
    }
}

fn export(root: Option<PathBuf>, what: ExportCommand, out: &mut dyn Write) -> anyhow::Result<i32> {
    // Refused before the vault is even opened: nothing is read, logged or written.
    if let ExportCommand::ProcessNotes {
        include_process_notes: false,
        ..
    } = what
    {
        bail!(
            "process notes are kept apart from every other export and leave the vault only on \
             explicit request: add --include-process-notes to export them"
        );
    }
    let vault = open(root, Access::ReadOnly)?;
    let ctx = context(vault.header().practice_name.clone());
    let library = Library::builtin();
    match what {
        ExportCommand::Session {
            id,
            audience,
            document,
            output,
        } => {
            let RecordBody::Session(session) = vault.load(RecordKind::Session, id)? else {
                bail!("record {id} is not a session");
            };
            let couple = load_couple(&vault, session.couple.0)?;
            let template = library.get(&session.template_id);
            let report =
                export::session_report(document, &session, &couple, template, audience, &ctx)?;
            let code = write_pdf(&report, &output, out)?;
            audit(
                &vault,
                AuditAction::Export,
                id,
                &format!("{} for {}", document.name(), audience.reader()),
            )
            .with_context(|| format!("{} was written but", output.display()))?;
            Ok(code)
        }
        ExportCommand::Progress {
            couple,
            audience,
            output,
        } => {
            let couple = load_couple(&vault, couple)?;
            let scan = vault.scan()?;
            let (sessions, unreadable) = vault.couple_sessions(&scan.sessions, couple.id);
            let course = vault.course(couple.id)?;
            let report = export::progress_report_with_course(
                &couple,
                &sessions,
                Some(&course),
                &library,
                audience,
                &ctx,
            );
            let code = write_pdf(&report, &output, out)?;
            audit(
                &vault,
                AuditAction::Export,
                couple.id.0,
                &format!("progress report for {}", audience.reader()),
            )
            .with_context(|| format!("{} was written but", output.display()))?;
            if unreadable > 0 {
                writeln!(
                    out,
                    "warning: {unreadable} of this couple's sessions could not be opened and are not in the report (run `tandem verify`)"
                )?;
                return Ok(1);
            }
            Ok(code)
        }
        ExportCommand::Note { id, output } => {
            let RecordBody::Note(note) = vault.load(RecordKind::Note, id)? else {
                bail!("record {id} is not a clinical note");
            };
            let couple = load_couple(&vault, note.couple.0)?;
            // The note exports without its session if that cannot be opened; the PDF
            // then says the session's record was not available.
            let (session, problem) = match vault.load(RecordKind::Session, note.session.0) {
                Ok(RecordBody::Session(s)) => (Some(s), None),
                Ok(_) => (None, Some("is not a session".to_string())),
                Err(VaultError::NotFound { .. }) => (None, Some("is not in this vault".into())),
                Err(e) => (None, Some(format!("could not be opened: {e}"))),
            };
            let report = export::clinical_note_report(&note, session.as_ref(), &couple, &ctx);
            let code = write_audited_pdf(
                &vault,
                &report,
                &output,
                AuditAction::Export,
                note.id.0,
                "clinical note for the clinician",
                out,
            )?;
            if let Some(problem) = problem {
                writeln!(
                    out,
                    "warning: the note's session {} {problem}; the PDF has no protocol or session date",
                    note.session.0
                )?;
                return Ok(1);
            }
            Ok(code)
        }
        ExportCommand::ProcessNotes { couple, output, .. } => {
            let couple = load_couple(&vault, couple)?;
            let (notes, unreadable) = vault.couple_process_notes(couple.id)?;
            if notes.is_empty() && unreadable == 0 {
                bail!(
                    "couple {} has no process notes; nothing was written",
                    couple.code
                );
            }
            let report = export::process_notes_report(&couple, &notes, &ctx);
            let code = write_audited_pdf(
                &vault,
                &report,
                &output,
                AuditAction::ExportProcessNotes,
                couple.id.0,
                "process notes",
                out,
            )?;
            if unreadable > 0 {
                writeln!(
                    out,
                    "warning: {unreadable} process-note file(s) could not be opened and may be missing from the PDF (run `tandem verify`)"
                )?;
                return Ok(1);
            }
            Ok(code)
        }
    }
}

/// Render, log in the audit log, then write. The entry goes in before the file is
/// written, so a PDF of clinical records never reaches the disk without its entry: if the
/// entry cannot be written, nothing is exported. If writing the file then fails, the log
/// holds an entry for an export that did not complete (the safe side of the two), and the
/// error says so.
fn write_audited_pdf(
    vault: &Vault,
    report: &export::Report,
    output: &Path,
    action: AuditAction,
    record: uuid::Uuid,
    detail: &str,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let (bytes, pages) = render_pdf(report)?;
    vault
        .audit(action, Some(record), detail, Utc::now())
        .context("nothing was exported: the audit log could not be written")?;
    crate::vault::exports::write_export(output, &bytes).context(
        "the export is in the audit log, but the file could not be written; nothing was exported",
    )?;
    report_written(report, output, pages, bytes.len(), out)
}

/// A report as PDF bytes, and how many pages it has.
fn render_pdf(report: &export::Report) -> anyhow::Result<(Vec<u8>, usize)> {
    let mut pages = 0;
    let bytes = export::render(report, &mut |p| {
        if let export::Progress::Writing { of, .. } = p {
            pages = of;
        }
    })?;
    Ok((bytes, pages))
}

fn report_written(
    report: &export::Report,
    output: &Path,
    pages: usize,
    len: usize,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    writeln!(
        out,
        "wrote {} ({pages} pages, {len} bytes) for {}",
        output.display(),
        report.audience.reader()
    )?;
    Ok(0)
}

fn write_pdf(report: &export::Report, output: &Path, out: &mut dyn Write) -> anyhow::Result<i32> {
    let (bytes, pages) = render_pdf(report)?;
    crate::vault::exports::write_export(output, &bytes)?;
    report_written(report, output, pages, bytes.len(), out)
}

fn vault_root(root: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match root {
        Some(root) => Ok(root),
        None => {
            crate::vault::default_root().context("no data folder on this system: pass --vault DIR")
        }
    }
}

/// The couple record with this id.
fn load_couple(vault: &Vault, id: uuid::Uuid) -> anyhow::Result<Couple> {
    match vault.load(RecordKind::Couple, id)? {
        RecordBody::Couple(c) => Ok(c),
        _ => bail!("record {id} is not a couple"),
    }
}

/// A couple and every session of theirs that opens (their safety screens decide what may
/// be given out or brought back).
fn couple_with_sessions(
    vault: &Vault,
    id: uuid::Uuid,
) -> anyhow::Result<(Couple, Vec<crate::model::Session>)> {
    let couple = load_couple(vault, id)?;
    let scan = vault.scan()?;
    let (sessions, _) = vault.couple_sessions(&scan.sessions, couple.id);
    Ok((couple, sessions))
}

/// What `tandem worksheet --take-home` was given.
struct TakeHomeArgs {
    template_id: String,
    audience: Audience,
    output: PathBuf,
    couple: Option<uuid::Uuid>,
    hurt_partner: Option<crate::model::Partner>,
    speaker: Option<crate::model::Partner>,
    templates: Option<PathBuf>,
    kdf_log_n: u8,
}

fn issue_take_home(
    root: Option<PathBuf>,
    args: TakeHomeArgs,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    use crate::model::{Audience as A, WorksheetFor};
    let for_whom = match args.audience {
        A::Couple => WorksheetFor::Couple,
        A::Partner(p) => WorksheetFor::Partner(p),
        A::Clinician => bail!(
            "a take-home worksheet is for the couple or one partner: use --audience couple, partner-a or partner-b"
        ),
    };
    let library = load(args.templates)?;
    let template = library.get(&args.template_id).with_context(|| {
        format!(
            "no protocol {:?}: see `tandem templates list`",
            args.template_id
        )
    })?;
    let vault = open(root, Access::ReadWrite)?;
    let couple = match args.couple {
        Some(id) => Some(couple_with_sessions(&vault, id)?),
        None => None,
    };
    let passphrase = passphrase(
        "TANDEM_WORKSHEET_PASSPHRASE",
        "Passphrase for the couple (tell it to them in person): ",
        true,
    )?;
    let issued = crate::app::takehome::issue_worksheet(
        &vault,
        crate::app::takehome::IssueRequest {
            template,
            for_whom,
            bindings: crate::model::Bindings {
                speaker: args.speaker,
                hurt_partner: args.hurt_partner,
            },
            couple: couple.as_ref().map(|(c, s)| (c, s.as_slice())),
            passphrase: &passphrase,
            path: &args.output,
            log_n: args.kdf_log_n,
        },
        Utc::now(),
    )?;
    writeln!(
        out,
        "wrote take-home worksheet {} ({} for {}) to {}",
        issued.id.0,
        issued.template_id,
        issued.for_whom.name(),
        args.output.display()
    )?;
    Ok(0)
}

fn import_take_home(
    root: Option<PathBuf>,
    file: &Path,
    couple: CoupleId,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let vault = open(root, Access::ReadWrite)?;
    let (_, sessions) = couple_with_sessions(&vault, couple.0)?;
    let passphrase = passphrase(
        "TANDEM_WORKSHEET_PASSPHRASE",
        "The worksheet's passphrase: ",
        false,
    )?;
    let session = crate::app::takehome::import_worksheet(
        &vault,
        file,
        &passphrase,
        couple,
        &sessions,
        Utc::now(),
    )?;
    writeln!(
        out,
        "imported the {} worksheet as session {}",
        session.template_id, session.id.0
    )?;
    Ok(0)
}

/// A passphrase from `env`, else from a terminal prompt (twice when `confirm`).
fn passphrase(env: &str, prompt: &str, confirm: bool) -> anyhow::Result<SecretString> {
    if let Ok(value) = std::env::var(env) {
        return Ok(SecretString::from(value));
    }
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        bail!("no passphrase: set {env} or run in a terminal");
    }
    let first = rpassword::prompt_password(prompt).context("cannot read the passphrase")?;
    if confirm {
        let again = rpassword::prompt_password("Again: ").context("cannot read the passphrase")?;
        if again != first {
            bail!("the two passphrases differ");
        }
    }
    Ok(SecretString::from(first))
}

fn open(root: Option<PathBuf>, access: Access) -> anyhow::Result<Vault> {
    let root = vault_root(root)?;
    let header = crate::vault::read_header(&root)?;
    let secret = if header.encryption == crate::vault::Encryption::Age {
        Some(passphrase(
            "TANDEM_PASSPHRASE",
            "Vault passphrase: ",
            false,
        )?)
    } else {
        None
    };
    let now = Utc::now();
    match Vault::open(&root, secret.as_ref(), access) {
        Ok(vault) => {
            vault
                .audit(AuditAction::Unlock, None, "command line", now)
                .context("the audit log could not be written, so the vault stays closed")?;
            Ok(vault)
        }
        Err(VaultError::WrongPassphrase) => {
            // Best effort: a wrong passphrase is refused whether or not it is logged.
            let _ = crate::vault::audit::record_unlock_failure(
                &root,
                &crate::vault::audit::current_actor(),
                now,
            );
            Err(VaultError::WrongPassphrase.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Log that a record was opened or exported; a command whose access cannot be logged
/// fails.
fn audit(
    vault: &Vault,
    action: AuditAction,
    record: uuid::Uuid,
    detail: &str,
) -> anyhow::Result<()> {
    vault
        .audit(action, Some(record), detail, Utc::now())
        .context("the audit log could not be written")
}

fn init(
    root: &Path,
    demo: bool,
    insecure: bool,
    log_n: u8,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let protection = if insecure {
        writeln!(
            out,
            "warning: this vault stores records UNENCRYPTED; never use it for real clients"
        )?;
        Protection::InsecurePlaintext
    } else {
        Protection::Passphrase {
            passphrase: passphrase("TANDEM_PASSPHRASE", "New vault passphrase: ", true)?,
            log_n,
        }
    };
    let now = Utc::now();
    let mut vault = Vault::init(root, protection, now)?;
    writeln!(out, "created a vault in {}", root.display())?;
    if demo {
        vault.set_practice_name(crate::demo::DEMO_PRACTICE_NAME)?;
        let records = crate::demo::practice(&Library::builtin(), now);
        for body in &records {
            vault.save(body, now)?;
        }
        writeln!(out, "added the demo practice ({} records)", records.len())?;
    }
    Ok(0)
}

fn list(vault: &Vault, what: ListWhat, out: &mut dyn Write) -> anyhow::Result<i32> {
    let scan = vault.scan()?;
    match what {
        ListWhat::Couples => {
            for c in &scan.couples {
                let sessions = scan.sessions.iter().filter(|s| s.couple == c.id).count();
                writeln!(
                    out,
                    "{}  {}  {} & {}  ({sessions} sessions)",
                    c.code, c.id.0, c.partner_a.name, c.partner_b.name
                )?;
            }
        }
        ListWhat::Sessions => {
            for s in &scan.sessions {
                let code = scan
                    .couples
                    .iter()
                    .find(|c| c.id == s.couple)
                    .map_or("?", |c| c.code.as_str());
                writeln!(
                    out,
                    "{}  {code}  {}  {}/{} steps done  {}",
                    s.started_at.format("%Y-%m-%d %H:%M"),
                    s.template_title,
                    s.steps_done,
                    s.steps_total,
                    s.id.0
                )?;
            }
        }
        ListWhat::Notes => {
            let mut lines = Vec::new();
            for n in &scan.notes {
                let code = scan
                    .couples
                    .iter()
                    .find(|c| c.id == n.couple)
                    .map_or("?", |c| c.code.as_str());
                let date = scan
                    .sessions
                    .iter()
                    .find(|s| s.id == n.session)
                    .map_or("????-??-??".to_string(), |s| {
                        s.started_at.format("%Y-%m-%d").to_string()
                    });
                let status = match (n.finalized, n.amendments) {
                    (false, _) => "draft".to_string(),
                    (true, 0) => "finalized".to_string(),
                    (true, a) => format!("finalized, amended {a}x"),
                };
                lines.push(format!(
                    "{date}  {code}  {}  {status}  {}",
                    n.style.name(),
                    n.id.0
                ));
            }
            lines.sort();
            for line in lines {
                writeln!(out, "{line}")?;
            }
        }
    }
    for problem in &scan.problems {
        writeln!(out, "problem: {problem}")?;
    }
    Ok(0)
}

fn pretty(body: &RecordBody) -> anyhow::Result<String> {
    Ok(ron::ser::to_string_pretty(
        body,
        ron::ser::PrettyConfig::default(),
    )?)
}

/// Describe a RON error without quoting values (which may be clinical text).
fn describe(e: &ron::error::SpannedError) -> String {
    use ron::Error as E;
    let what = match &e.code {
        E::Message(_) | E::InvalidValueForType { .. } | E::Io(_) => {
            "a value has the wrong form".to_string()
        }
        other => other.to_string(),
    };
    format!("{}:{}: {what}", e.span.start.line, e.span.start.col)
}

fn import(vault: &Vault, file: &Path, out: &mut dyn Write) -> anyhow::Result<i32> {
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.len() > crate::vault::MAX_RECORD_BYTES {
        bail!("{} is larger than a record may be", file.display());
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let body: RecordBody =
        ron::from_str(&text).map_err(|e| anyhow::anyhow!("{}:{}", file.display(), describe(&e)))?;
    body.check_format()
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let (kind, id) = (body.kind(), body.id());
    match vault.load(kind, id) {
        Err(VaultError::NotFound { .. }) => {}
        Ok(_) => bail!(
            "a {} record with id {id} already exists; import never overwrites",
            kind.name()
        ),
        Err(e) => return Err(e.into()),
    }
    if let RecordBody::Session(session) = &body {
        match vault.load(RecordKind::Couple, session.couple.0) {
            Ok(_) => {}
            Err(VaultError::NotFound { .. }) => bail!(
                "the session's couple {} is not in this vault",
                session.couple.0
            ),
            Err(e) => return Err(e.into()),
        }
        let library = Library::builtin();
        let template = library.get(&session.template_id).with_context(|| {
            format!(
                "the session uses template {:?}, which this Tandem does not have",
                session.template_id
            )
        })?;
        crate::runner::Runner::resume(template, session.clone(), Default::default())
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    }
    vault.save(&body, Utc::now())?;
    writeln!(out, "imported {} {id}", kind.name())?;
    Ok(0)
}

fn verify(vault: &Vault, out: &mut dyn Write) -> anyhow::Result<i32> {
    let verified = vault.verify()?;
    let count = |kind: RecordKind| verified.records.iter().filter(|r| r.kind() == kind).count();
    let couples = count(RecordKind::Couple);
    let sessions = count(RecordKind::Session);
    let others = verified.records.len() - couples - sessions;
    writeln!(
        out,
        "{couples} couples, {sessions} sessions and {others} notes and courses open and match their file names"
    )?;
    let mut serious = 0;
    for problem in &verified.problems {
        writeln!(out, "{problem}")?;
        if !matches!(problem, crate::vault::FileProblem::Unexpected { .. }) {
            serious += 1;
        }
    }
    let check = vault.verify_audit()?;
    if check.problems.is_empty() {
        writeln!(out, "audit log: {} entries, chain intact", check.entries)?;
    } else {
        writeln!(
            out,
            "audit log: {} entries, TAMPERED OR DAMAGED:",
            check.entries
        )?;
        for problem in &check.problems {
            writeln!(out, "  {problem}")?;
        }
        serious += check.problems.len();
    }
    if serious > 0 {
        writeln!(out, "{serious} problem(s) need attention")?;
    }
    Ok(if serious == 0 { 0 } else { 1 })
}

/// Search every record that opens, through the search cache (which reads only records
/// changed since it was written); damaged files are counted on stderr, never named (a
/// file name says nothing, but the count is all the user needs to run `tandem verify`).
fn search(
    vault: &Vault,
    query: &str,
    couple: Option<CoupleId>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let (cache, report) =
        crate::practice::search::SearchCache::load(&vault.reader(), &Library::builtin())?;
    let unsearched = report
        .problems
        .iter()
        .filter(|p| !matches!(p, crate::vault::FileProblem::Unexpected { .. }))
        .count();
    if unsearched > 0 {
        eprintln!(
            "warning: {unsearched} record file(s) could not be opened and were not searched (run `tandem verify`)"
        );
    }
    if let Some(error) = &report.write_error {
        eprintln!(
            "note: the search cache could not be saved, so the next search will be slower: {error}"
        );
    }
    let results = match couple {
        Some(couple) => cache.search_couple(query, couple),
        None => cache.search(query),
    };
    // Thousands of lines for a common word: written in blocks, not one system call each.
    let mut out = std::io::BufWriter::new(out);
    if results.is_empty() {
        writeln!(out, "No matches.")?;
        out.flush()?;
        return Ok(1);
    }
    for group in &results.groups {
        let n = group.hits.len();
        let plural = if n == 1 { "match" } else { "matches" };
        if group.code.is_empty() {
            writeln!(out, "couple {} ({n} {plural})", group.couple.0)?;
        } else {
            writeln!(out, "{} ({n} {plural})", group.code)?;
        }
        for hit in &group.hits {
            writeln!(
                out,
                "  {}  {:<12}  {}  {}  {}",
                hit.at.format("%Y-%m-%d"),
                hit.kind.label(),
                hit.record,
                hit.place,
                hit.snippet
            )?;
        }
    }
    out.flush()?;
    Ok(0)
}

/// A search index over loaded records, with step titles from `library`.
/// Save records as fast as possible and print `ack <id> <version>` after each save has
/// returned (renamed into place, folder synced). The crash test kills this at random.
fn stress_save(vault: &Vault, seed: u64, out: &mut dyn Write) -> anyhow::Result<i32> {
    use crate::model::{COUPLE_FORMAT, Couple, CoupleId, PartnerInfo};
    let mut rng = crate::demo::Rng::new(seed);
    let now = Utc::now();
    let fixed = CoupleId(rng.uuid_v7(now));
    for version in 0u64.. {
        // Alternate: a new record, then a new version of one long-lived record.
        let (id, code) = if version % 2 == 0 {
            (CoupleId(rng.uuid_v7(now)), format!("NEW-{version}"))
        } else {
            (fixed, format!("FIXED-{version}"))
        };
        let body = RecordBody::Couple(Couple {
            format: COUPLE_FORMAT,
            id,
            code,
            partner_a: PartnerInfo {
                name: "x".repeat(200 + (version % 3000) as usize),
                pronouns: String::new(),
            },
            partner_b: PartnerInfo::default(),
            created_on: now.date_naive(),
            archived: false,
        });
        vault.save(&body, now)?;
        writeln!(out, "ack {} {version}", id.0)?;
        out.flush()?;
    }
    Ok(0)
}

fn load(dir: Option<PathBuf>) -> anyhow::Result<Library> {
    match dir {
        None => Ok(Library::builtin()),
        Some(dir) => crate::vault::templates::load_dir(&dir)
            .with_context(|| format!("cannot read the template folder {}", dir.display())),
    }
}

/// Print one line per problem and per loaded file; exit code 1 when anything failed.
pub fn check(library: &Library, out: &mut dyn Write) -> anyhow::Result<i32> {
    for (file, template) in &library.templates {
        writeln!(
            out,
            "ok {file}: {} ({} steps)",
            template.id,
            template.steps.len()
        )?;
    }
    let mut problems = 0;
    for error in &library.errors {
        for problem in &error.problems {
            writeln!(out, "{problem}")?;
            problems += 1;
        }
    }
    writeln!(
        out,
        "{} template(s) loaded, {} file(s) with {} problem(s)",
        library.templates.len(),
        library.errors.len(),
        problems
    )?;
    Ok(if library.errors.is_empty() { 0 } else { 1 })
}

fn list_templates(library: &Library, out: &mut dyn Write) -> anyhow::Result<i32> {
    for (_, t) in &library.templates {
        let tags: Vec<&str> = t.trust.iter().map(|tag| tag.label()).collect();
        writeln!(
            out,
            "{:<32} {:>3} min  {}  [{}]",
            t.id,
            t.length_mins,
            t.title,
            tags.join(", ")
        )?;
    }
    for error in &library.errors {
        writeln!(
            out,
            "not loaded: {} (run `tandem templates check`)",
            error.file
        )?;
    }
    Ok(if library.errors.is_empty() { 0 } else { 1 })
}
