//! The command line: argument definitions and the commands they run. The edge of the
//! program, so errors here are `anyhow`, and this is where the clock is read. Every
//! audited operation goes through `practice::Practice`, as the app's do; the windows
//! (the app, `tandem fill`) are opened by `main`, so this imports nothing from `app`.

use crate::export::{self, SessionDocument};
use crate::model::{Audience, Couple, CoupleId, SessionId};
use crate::practice::{OpenRequest, Practice, Want};
use crate::template::Library;
use crate::vault::crypto::PINNED_LOG_N;
use crate::vault::exports::IfExists;
use crate::vault::{Protection, RecordBody, RecordKind, Vault, VaultError};
use anyhow::{Context as _, bail};
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use secrecy::SecretString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One line of output, every control, bidi and separator character in it shown as a tag
/// (`export::tags::for_terminal`, the PDFs' tags): whatever a record holds, it cannot
/// move the cursor, recolour or ring the terminal, forge a line or reverse what follows.
/// Every line the command line prints goes through here (or `say_err!`), except `dump`'s
/// RON into a pipe, which is exact.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, "{}", crate::export::tags::for_terminal(&format!($($arg)*)))
    };
}

/// `say!` on stderr.
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", crate::export::tags::for_terminal(&format!($($arg)*)))
    };
}

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

    /// Open the app to bring back this filled take-home worksheet (what the desktop does
    /// when a `.tandem-worksheet` file is opened): once unlocked, the couple's page it is
    /// opened on offers it, its passphrase still to be typed.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub open: Option<PathBuf>,

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
    Import {
        file: PathBuf,
        /// Replace the record with this id, which must be there: saved as this device's
        /// next version of it (a change another device made meanwhile is kept beside it
        /// as a sync conflict)
        #[arg(long)]
        replace: bool,
    },
    /// Print one record as RON.
    Dump {
        /// couple or session
        kind: String,
        id: uuid::Uuid,
        /// Print instead the sync conflict copy of it with this file name (as `tandem
        /// verify` lists it: UUID.sync-conflict-….age)
        #[arg(long)]
        copy: Option<String>,
    },
    /// Open every record and check the audit log's chain; report damage, sync conflicts,
    /// audit tampering and files set aside in quarantine/; non-zero exit if any.
    Verify {
        /// A file set aside in quarantine/ that you have dealt with (restored from a
        /// backup, or judged lost): it moves to quarantine/acknowledged/, is logged, and
        /// is no longer reported.
        #[arg(long, value_name = "NAME")]
        acknowledge: Option<String>,
    },
    /// Print the audit log: who unlocked, opened, exported, finalized or amended which
    /// record, and when (ids only, no clinical text).
    Audit,
    /// Write the whole vault to one encrypted file (encrypted with the vault passphrase).
    Backup {
        #[command(flatten)]
        output: OutputFile,
        #[arg(long, hide = true, default_value_t = PINNED_LOG_N, value_parser = clap::value_parser!(u8).range(10..=20))]
        kdf_log_n: u8,
    },
    /// Restore a backup into a new folder given with --vault.
    Restore { file: PathBuf },
    /// Clinicians with their own passphrase to this vault: add one, list them, remove one
    /// (which replaces the practice's key and seals every record again)
    Clinicians {
        #[command(subcommand)]
        action: CliniciansAction,
    },
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
        /// The credentials under a progress note's signature (e.g. "LMFT"); "" clears them.
        #[arg(long, value_name = "TEXT")]
        credentials: Option<String>,
        /// The licence number in a progress note's signature block; "" clears it.
        #[arg(long, value_name = "NUMBER")]
        licence_number: Option<String>,
        /// How exported documents write dates: day-month-year (27 Nov 2026),
        /// month-day-year (Nov 27, 2026) or iso (2026-11-27).
        #[arg(long, value_name = "STYLE", value_parser = parse_date_style)]
        date_style: Option<crate::model::DateStyle>,
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
        /// their own private steps, never the other partner's: bind the protocol's roles
        /// with --hurt-partner or --speaker), clinician (every step, with instructions; the
        /// only blank sheet of the safety screen).
        #[arg(long, default_value = "couple", value_parser = parse_audience)]
        audience: Audience,
        #[command(flatten)]
        output: OutputFile,
        /// The practice name for the page header (default: the vault's, if there is one: the
        /// vault is then opened, with its passphrase, to read it).
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
        /// With --take-home: write a web page (NAME.html) that opens in any browser,
        /// offline, instead of a file for `tandem fill`. The couple fill it in and send
        /// back the answers file it saves, which `tandem import-worksheet` brings back.
        #[arg(long, requires = "take_home")]
        html: bool,
        /// With --take-home: the couple it is for (their names fill the prompts, and only
        /// they can bring it back).
        #[arg(long, value_name = "COUPLE_ID", requires = "take_home")]
        couple: Option<uuid::Uuid>,
        /// Which partner is the hurt partner (a or b), for protocols with that role: a
        /// partner's sheet then carries the hurt partner's private steps only if it is
        /// theirs, and the disclosing partner's only if not.
        #[arg(long, value_name = "a|b", value_parser = parse_partner)]
        hurt_partner: Option<crate::model::Partner>,
        /// Which partner speaks first (a or b), for protocols with that role.
        #[arg(long, value_name = "a|b", value_parser = parse_partner)]
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
    /// another couple, one already imported, and one with nothing filled in (unless
    /// --empty-ok).
    ImportWorksheet {
        file: PathBuf,
        #[arg(long, value_name = "COUPLE_ID")]
        couple: uuid::Uuid,
        /// Add the worksheet even if nothing was filled in on it (it becomes a session
        /// with nothing recorded).
        #[arg(long)]
        empty_ok: bool,
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
        #[command(flatten)]
        output: OutputFile,
    },
    /// Each partner's ratings over a couple's sessions, as charts and tables.
    Progress {
        /// The couple's id (see `tandem list couples`).
        couple: uuid::Uuid,
        /// Who it is for: clinician, couple, partner-a or partner-b.
        #[arg(long, value_parser = parse_audience)]
        audience: Audience,
        #[command(flatten)]
        output: OutputFile,
    },
    /// A session's progress note (SOAP, DAP or BIRP) for the clinician: a draft marked as
    /// such, a finalized note with its signature, every amendment and the original.
    /// Logged in the audit log.
    Note {
        /// The note's id (see `tandem list notes`).
        id: uuid::Uuid,
        #[command(flatten)]
        output: OutputFile,
    },
    /// A couple's process notes (psychotherapy notes), which no other export contains.
    /// Refused unless --include-process-notes is given. Logged in the audit log.
    ProcessNotes {
        /// The couple's id (see `tandem list couples`).
        couple: uuid::Uuid,
        /// Confirm that the clinician's process notes are to leave the vault.
        #[arg(long)]
        include_process_notes: bool,
        #[command(flatten)]
        output: OutputFile,
    },
}

/// The file a command writes (`-o`), and whether it may replace one already there.
#[derive(Debug, clap::Args)]
pub struct OutputFile {
    /// The file to write. An existing file is left alone unless --force is given.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub path: PathBuf,
    /// Replace the output file if it already exists.
    #[arg(long)]
    pub force: bool,
}

impl OutputFile {
    /// Refuse at once, before anything is opened, logged or written, if the file exists
    /// and --force was not given; otherwise say how the write is to treat a file there
    /// (one appearing meanwhile is still not replaced without --force).
    fn check(&self) -> anyhow::Result<IfExists> {
        if self.force {
            return Ok(IfExists::Replace);
        }
        if crate::vault::exports::output_exists(&self.path) {
            bail!(
                "{} already exists; nothing was written (add --force to replace it)",
                self.path.display()
            );
        }
        Ok(IfExists::Refuse)
    }
}

impl ExportCommand {
    /// The file this export writes.
    fn output(&self) -> &OutputFile {
        match self {
            ExportCommand::Session { output, .. }
            | ExportCommand::Progress { output, .. }
            | ExportCommand::Note { output, .. }
            | ExportCommand::ProcessNotes { output, .. } => output,
        }
    }
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

fn parse_date_style(name: &str) -> Result<crate::model::DateStyle, String> {
    crate::model::DateStyle::from_name(name).ok_or_else(|| {
        format!("unknown date style {name:?}: use day-month-year, month-day-year or iso")
    })
}

fn parse_document(name: &str) -> Result<SessionDocument, String> {
    SessionDocument::from_name(name)
        .ok_or_else(|| "use note, worksheet, plan or letters".to_string())
}

#[derive(Subcommand, Debug)]
pub enum CliniciansAction {
    /// Give another clinician their own passphrase (from a prompt or TANDEM_NEW_PASSPHRASE);
    /// prints their key's id
    Add {
        #[arg(long, hide = true, default_value_t = PINNED_LOG_N, value_parser = clap::value_parser!(u8).range(10..=20))]
        kdf_log_n: u8,
    },
    /// The ids of the clinicians added (the first clinician's key is identity.age)
    List,
    /// Remove a clinician's access: a new practice key, every record sealed again to it.
    /// Only the first clinician does this, with their passphrase (TANDEM_PASSPHRASE)
    Remove {
        id: String,
        #[arg(long, hide = true, default_value_t = PINNED_LOG_N, value_parser = clap::value_parser!(u8).range(10..=20))]
        kdf_log_n: u8,
    },
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
        /// A folder of `.ron` templates, or one template file (default: the templates
        /// shipped with Tandem, and,
        /// with --vault or TANDEM_VAULT, the practice's own).
        dir: Option<PathBuf>,
    },
    /// List the templates that load.
    List {
        /// A folder of `.ron` templates (default: the templates shipped with Tandem, and,
        /// with --vault or TANDEM_VAULT, the practice's own, marked as such).
        dir: Option<PathBuf>,
    },
    /// Add protocols to the practice's library in the vault (each file checked first; a
    /// new version of one of the practice's own replaces it, the old one kept for the
    /// sessions that ran it). They are listed and run live like the shipped ones.
    Add {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Take one of the practice's own protocols out of its library. Sessions that ran it
    /// keep it: they still read, export and resume as they were.
    Remove { id: String },
}

/// What the command line leaves to `main`: an exit code, or a window to open.
#[derive(Debug)]
pub enum Outcome {
    /// Done: exit with this code.
    Exit(i32),
    /// Open the app on this vault folder (or the platform's default), or on the demo.
    App {
        vault: Option<PathBuf>,
        demo: bool,
        /// A take-home worksheet to bring back.
        open: Option<PathBuf>,
    },
    /// Open the `tandem fill` window on a worksheet file.
    Fill {
        file: PathBuf,
        passphrase: Option<SecretString>,
        log_n: u8,
    },
}

/// Run the parsed command line.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let root = cli.vault.clone();
    match cli.command {
        None => Ok(Outcome::App {
            vault: root,
            demo: cli.demo,
            open: cli.open,
        }),
        Some(Command::Fill { file, kdf_log_n }) => {
            // Checked before a window opens (the window checks the file again).
            match crate::vault::input::open_regular(
                &file,
                "worksheet file",
                crate::vault::takehome::MAX_TAKE_HOME_BYTES,
            ) {
                Ok(_) => {}
                Err(e) if e.is_not_found() => bail!("no worksheet file at {}", file.display()),
                Err(e) => return Err(e.into()),
            }
            Ok(Outcome::Fill {
                file,
                passphrase: std::env::var("TANDEM_WORKSHEET_PASSPHRASE")
                    .ok()
                    .map(SecretString::from),
                log_n: kdf_log_n,
            })
        }
        Some(command) => run_command(root, command, out).map(Outcome::Exit),
    }
}

/// Run a command that opens no window. Returns the process exit code.
fn run_command(
    root: Option<PathBuf>,
    command: Command,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    match command {
        Command::Fill { .. } => bail!("tandem fill opens a window"),
        Command::Templates { command } => match command {
            TemplatesCommand::Check { dir: None } if root.is_some() => {
                let practice = open(root, Want::ReadOnly, false)?;
                check(practice.library(), out)
            }
            TemplatesCommand::List { dir: None } if root.is_some() => {
                let practice = open(root, Want::ReadOnly, false)?;
                list_templates(practice.library(), out)
            }
            TemplatesCommand::Check { dir } => check(&load(dir)?, out),
            TemplatesCommand::List { dir } => list_templates(&load(dir)?, out),
            TemplatesCommand::Add { files } => {
                // Each file is read (or refused) before the vault is unlocked.
                let mut texts = Vec::new();
                for file in &files {
                    texts.push(crate::vault::templates::read_template(file)?);
                }
                let mut practice = open(root, Want::ReadWrite, false)?;
                let mut failed = 0;
                for (file, text) in files.iter().zip(texts) {
                    let name = file.display().to_string();
                    let added = practice.add_protocol(&name, &text, Utc::now());
                    // A protocol that does not wait for the safety screen: said plainly.
                    if let Ok(
                        crate::practice::Added::New { id, .. }
                        | crate::practice::Added::Replaced { id, .. },
                    ) = &added
                        && practice
                            .library()
                            .get(id)
                            .is_some_and(|t| t.requires.is_empty() && t.screen.is_none())
                    {
                        say!(
                            out,
                            "note: {id} has no `requires`, so it can start before both partners are screened and joint work is cleared; add requires: [BothScreened, JointWorkCleared] unless one partner does it on their own"
                        )?;
                    }
                    match added {
                        Ok(crate::practice::Added::New { id, title }) => {
                            say!(out, "added {id} ({title}) to the practice's library")?;
                        }
                        Ok(crate::practice::Added::Replaced { id, title }) => say!(
                            out,
                            "replaced {id} ({title}); sessions that ran the earlier version keep it"
                        )?,
                        Ok(crate::practice::Added::Unchanged { id }) => {
                            say!(out, "{id}: this version is already in the library")?;
                        }
                        Err(e) => {
                            failed += 1;
                            say!(out, "not added: {e}")?;
                        }
                    }
                }
                Ok(i32::from(failed > 0))
            }
            TemplatesCommand::Remove { id } => {
                let mut practice = open(root, Want::ReadWrite, false)?;
                practice.remove_protocol(&id, Utc::now())?;
                say!(
                    out,
                    "removed {id} from the practice's library; sessions that ran it keep it"
                )?;
                Ok(0)
            }
        },
        Command::Init {
            demo,
            insecure_plaintext,
            kdf_log_n,
        } => init(&vault_root(root)?, demo, insecure_plaintext, kdf_log_n, out),
        Command::List { what } => {
            // Read-write keeps the derived index fresh; another open Tandem holds the
            // lock, so fall back to read-only then.
            let practice = open(root, Want::ReadWriteOrReadOnly, true)?;
            list(&practice, what, out)
        }
        // The lists: a session's couple's other sessions decide whether it is flagged.
        // The file is read (or refused) before the vault is unlocked: a bad one never
        // holds the vault's lock.
        Command::Import { file, replace } => {
            let text = crate::vault::read_record_file(&file)?;
            import(
                &mut open(root, Want::ReadWrite, true)?,
                &file,
                &text,
                replace,
                out,
            )
        }
        Command::Dump { kind, id, copy } => {
            let kind = RecordKind::from_name(&kind)
                .with_context(|| format!("unknown record kind {kind:?}: use couple or session"))?;
            let practice = open(root, Want::ReadOnly, false)?;
            let body = practice.open_record(kind, id, Utc::now())?;
            let body = match copy {
                None => body,
                Some(name) => {
                    practice
                        .vault()
                        .conflicts()?
                        .into_iter()
                        .find(|c| c.kind == kind && c.id == id && c.copy == name)
                        .with_context(|| format!("no conflict copy {name:?} beside this record"))?
                        .other
                        .with_context(|| format!("{name}: the copy does not open"))?
                        .body
                }
            };
            dump(&body, out)?;
            Ok(0)
        }
        Command::Verify { acknowledge } => {
            let practice = open(root, Want::ReadWrite, false)?;
            if let Some(name) = acknowledge {
                let copy =
                    crate::vault::other_conflict_copies(practice.vault().root()).contains(&name);
                practice.acknowledge(&name, Utc::now())?;
                if copy {
                    say!(out, "{name}: acknowledged, kept in resolved/")?;
                } else if name == crate::vault::audit::ACKNOWLEDGE_NAME {
                    say!(out, "{name}: what its entries found is acknowledged")?;
                } else {
                    say!(
                        out,
                        "{name}: acknowledged, kept in quarantine/acknowledged/"
                    )?;
                }
            }
            verify(&practice, out)
        }
        Command::Audit => {
            let practice = open(root, Want::ReadOnly, false)?;
            for e in practice.vault().audit_entries()? {
                say!(
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
        Command::Backup { output, kdf_log_n } => {
            output.check()?;
            let practice = open(root, Want::ReadOnly, false)?;
            let passphrase = passphrase(
                "TANDEM_PASSPHRASE",
                "Backup passphrase (the vault's): ",
                false,
            )?;
            let report = crate::vault::backup::backup(
                practice.vault(),
                &output.path,
                &passphrase,
                kdf_log_n,
            )?;
            say!(
                out,
                "backed up {} files ({} bytes) to {}",
                report.files,
                report.bytes,
                output.path.display()
            )?;
            Ok(0)
        }
        Command::Restore { file } => {
            let target = root.context("restore needs the new vault folder: --vault NEWDIR")?;
            // Checked before the passphrase is asked for (restore checks it again).
            crate::vault::input::open_regular(
                &file,
                "backup",
                crate::vault::backup::MAX_BACKUP_BYTES,
            )?;
            let passphrase = passphrase("TANDEM_PASSPHRASE", "Backup passphrase: ", false)?;
            let verified = crate::vault::backup::restore(&file, &target, &passphrase, Utc::now())?;
            say!(
                out,
                "restored {} records into {}",
                verified.records,
                target.display()
            )?;
            for problem in &verified.problems {
                say!(out, "{problem}")?;
            }
            Ok(if verified.problems.is_empty() { 0 } else { 1 })
        }
        Command::Clinicians { action } => match action {
            CliniciansAction::Add { kdf_log_n } => {
                let practice = open(root, Want::ReadWrite, false)?;
                let new = passphrase(
                    "TANDEM_NEW_PASSPHRASE",
                    "The new clinician's passphrase: ",
                    true,
                )?;
                let id = practice.add_clinician(&new, kdf_log_n, Utc::now())?;
                say!(
                    out,
                    "clinician key {id} added: that passphrase now opens this vault"
                )?;
                Ok(0)
            }
            CliniciansAction::List => {
                let practice = open(root, Want::ReadOnly, false)?;
                say!(out, "the first clinician (identity.age)")?;
                for id in practice.vault().clinicians() {
                    say!(out, "{id}")?;
                }
                Ok(0)
            }
            CliniciansAction::Remove { id, kdf_log_n } => {
                let owner = passphrase("TANDEM_PASSPHRASE", "Your passphrase: ", false)?;
                let mut practice = open_with(root, Some(owner.clone()), Want::ReadWrite, false)?;
                let done = practice.remove_clinician(&id, &owner, kdf_log_n, Utc::now())?;
                say!(
                    out,
                    "clinician key {id} removed: {} record files sealed to a new key; {} clinicians keep access",
                    done.files,
                    done.staying
                )?;
                Ok(0)
            }
        },
        Command::Passphrase { kdf_log_n } => {
            let old = passphrase("TANDEM_PASSPHRASE", "Current passphrase: ", false)?;
            let practice = open_with(root, Some(old.clone()), Want::ReadWrite, false)?;
            let new = passphrase("TANDEM_NEW_PASSPHRASE", "New passphrase: ", true)?;
            practice.change_passphrase(&old, &new, kdf_log_n, Utc::now())?;
            say!(out, "passphrase changed")?;
            Ok(0)
        }
        Command::Settings {
            auto_lock_mins,
            practice_name,
            note_style,
            clinician_name,
            credentials,
            licence_number,
            date_style,
            rescreen_days,
            resources,
            clear_resources,
        } => {
            let mut practice = open(root, Want::ReadWrite, false)?;
            let now = Utc::now();
            if rescreen_days.is_some() || !resources.is_empty() || clear_resources {
                let header = practice.vault().header();
                let days = rescreen_days.unwrap_or(header.rescreen_days);
                let list = if clear_resources {
                    Vec::new()
                } else if resources.is_empty() {
                    header.safety_resources.clone()
                } else {
                    resources
                };
                practice.set_safety_settings(days, &list, now)?;
            }
            if let Some(mins) = auto_lock_mins {
                practice.set_auto_lock_mins(mins, now)?;
            }
            if let Some(name) = practice_name {
                practice.set_practice_name(&name, now)?;
            }
            if note_style.is_some() || clinician_name.is_some() {
                let header = practice.vault().header();
                let style = note_style.unwrap_or(header.note_style);
                let name = clinician_name.unwrap_or_else(|| header.clinician_name.clone());
                practice.set_note_defaults(style, &name, now)?;
            }
            if credentials.is_some() || licence_number.is_some() {
                let header = practice.vault().header();
                let credentials = credentials.unwrap_or_else(|| header.credentials.clone());
                let licence = licence_number.unwrap_or_else(|| header.licence_number.clone());
                practice.set_credentials(&credentials, &licence, now)?;
            }
            if let Some(style) = date_style {
                practice.set_date_style(style, now)?;
            }
            let header = practice.vault().header();
            say!(out, "notes drafted as {}", header.note_style.name())?;
            say!(
                out,
                "dates in documents: {} ({})",
                header.date_style.label(),
                header.date_style.name()
            )?;
            say!(out, "notes signed by \"{}\"", header.clinician_name)?;
            say!(out, "credentials: \"{}\"", header.credentials)?;
            say!(out, "licence number: \"{}\"", header.licence_number)?;
            say!(
                out,
                "auto-lock after {} idle minutes",
                header.auto_lock_mins
            )?;
            say!(out, "practice name: \"{}\"", header.practice_name)?;
            say!(
                out,
                "re-screen {} days after the latest safety screens",
                header.rescreen_days
            )?;
            for resource in &header.safety_resources {
                say!(out, "safety resource: {resource}")?;
            }
            Ok(0)
        }
        Command::Export { what } => export(root, what, out),
        Command::Worksheet {
            template_id,
            audience,
            output,
            take_home: true,
            html,
            couple,
            hurt_partner,
            speaker,
            templates,
            kdf_log_n,
            ..
        } => issue_take_home(
            root,
            TakeHomeArgs {
                html,
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
        Command::ImportWorksheet {
            file,
            couple,
            empty_ok,
        } => import_take_home(root, &file, CoupleId(couple), empty_ok, out),
        Command::Worksheet {
            template_id,
            audience,
            output,
            practice,
            templates,
            hurt_partner,
            speaker,
            ..
        } => {
            // The practice's name is sealed with its settings, and its own protocols are
            // in the vault: a vault that exists is opened read-only (logged like any
            // unlock) when the name is not given with --practice, or the protocol is
            // not a shipped one and no --templates folder is given. With no vault, the
            // sheet has no practice name. A protocol found nowhere, and an output file
            // already there, are said before the vault is opened.
            let given = match templates {
                Some(dir) => Some(load(Some(dir))?),
                None => None,
            };
            let shipped = Library::builtin();
            let vault_exists =
                vault_root(root.clone()).is_ok_and(|r| r.join(crate::vault::HEADER_FILE).exists());
            let in_vault = given.is_none() && shipped.get(&template_id).is_none();
            let found_before = given
                .as_ref()
                .unwrap_or(&shipped)
                .get(&template_id)
                .is_some();
            if !(found_before || (in_vault && vault_exists)) {
                bail!("no protocol {template_id:?}: see `tandem templates list`");
            }
            let if_exists = output.check()?;
            let opened = if vault_exists && (practice.is_none() || in_vault) {
                Some(open(root, Want::ReadOnly, false)?)
            } else {
                None
            };
            let library = match (given, &opened) {
                (Some(library), _) => library,
                (None, Some(p)) if in_vault => p.library().clone(),
                (None, _) => shipped,
            };
            let template = library.get(&template_id).with_context(|| {
                format!("no protocol {template_id:?}: see `tandem templates list`")
            })?;
            let practice = match practice {
                Some(p) => p,
                None => opened
                    .as_ref()
                    .map(|p| p.vault().header().practice_name.clone())
                    .unwrap_or_default(),
            };
            let bindings = crate::model::Bindings {
                speaker,
                hurt_partner,
            };
            let report = crate::practice::export::blank_sheet(
                template,
                audience,
                bindings,
                &context(practice),
            )
            .map_err(|e| match e {
                crate::practice::PracticeError::Export(export::ExportError::Unbound { role }) => {
                    anyhow::anyhow!("{e}: add {} a or b", binding_option(role))
                }
                other => other.into(),
            })?;
            let written =
                crate::practice::export::write_pdf(&report, &output.path, if_exists, &mut |_| {})?;
            report_written(&report, &written, out)
        }
        Command::Search { query, couple } => {
            // Read-write when it can, to keep the search index for next time.
            let mut practice = open(root, Want::ReadWriteOrReadOnly, false)?;
            search(&mut practice, &query.join(" "), couple.map(CoupleId), out)
        }
        Command::Demo { generate, seed } => {
            let mut practice = open(root, Want::ReadWrite, false)?;
            let library = Library::builtin();
            let now = Utc::now();
            let mut count = 0;
            for body in crate::demo::generate(&library, generate, seed, now) {
                practice.save(body, now)?;
                count += 1;
            }
            let failed: Vec<String> = practice
                .flush_saves(std::time::Duration::from_secs(600))
                .into_iter()
                .filter_map(|o| match o {
                    crate::vault::saver::SaveOutcome::Failed { error, .. } => Some(error),
                    crate::vault::saver::SaveOutcome::Saved { .. } => None,
                })
                .collect();
            if let Some(first) = failed.first() {
                bail!(
                    "{} of {count} records were not saved: {first}",
                    failed.len()
                );
            }
            say!(out, "added {count} records ({generate} sessions requested)")?;
            Ok(0)
        }
        Command::StressSave { seed } => {
            stress_save(&mut open(root, Want::ReadWrite, false)?, seed, out)
        }
    }
}

/// The option that binds `role` (`PartnerA` and `PartnerB` are always bound).
fn binding_option(role: crate::model::Role) -> &'static str {
    use crate::model::Role;
    match role {
        Role::Speaker | Role::Listener => "--speaker",
        Role::HurtPartner | Role::DisclosingPartner | Role::PartnerA | Role::PartnerB => {
            "--hurt-partner"
        }
    }
}

/// What every export needs: the practice, the clock and the local time zone (read here,
/// at the edge).
fn context(practice: String) -> export::Context {
    export::Context {
        practice,
        now: Utc::now(),
        zone: export::Zone::Local,
        resources: Vec::new(),
        dates: Default::default(),
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
    let if_exists = what.output().check()?;
    // A progress report reads the couple's sessions, and so does a clinical note (its
    // risk line reads their safety screens).
    let needs_lists = matches!(
        what,
        ExportCommand::Progress { .. } | ExportCommand::Note { .. }
    );
    let practice = open(root, Want::ReadOnly, needs_lists)?;
    let ctx = practice.export_context(Utc::now());
    match what {
        ExportCommand::Session {
            id,
            audience,
            document,
            output,
        } => {
            let session = practice.load_session(SessionId(id))?;
            let couple = practice.load_couple(session.couple)?;
            let prepared = practice.export_session(&session, &couple, document, audience, &ctx)?;
            write_prepared(&prepared, &output.path, if_exists, out)
        }
        ExportCommand::Progress {
            couple,
            audience,
            output,
        } => {
            let couple = practice.load_couple(CoupleId(couple))?;
            let (sessions, unreadable) = practice.couple_sessions(couple.id);
            let course = practice.vault().course(couple.id)?;
            let prepared =
                practice.export_progress(&couple, &sessions, Some(&course), audience, &ctx)?;
            let code = write_prepared(&prepared, &output.path, if_exists, out)?;
            if unreadable > 0 {
                say!(
                    out,
                    "warning: {unreadable} of this couple's sessions could not be opened and are not in the report (run `tandem verify`)"
                )?;
                return Ok(1);
            }
            Ok(code)
        }
        ExportCommand::Note { id, output } => {
            let RecordBody::Note(note) = practice.vault().load(RecordKind::Note, id)? else {
                bail!("record {id} is not a clinical note");
            };
            let couple = practice.load_couple(note.couple)?;
            // The note exports without its session if that cannot be opened; the PDF
            // then says the session's record was not available.
            let (session, problem) =
                match practice.vault().load(RecordKind::Session, note.session.0) {
                    Ok(RecordBody::Session(s)) => (Some(s), None),
                    Ok(_) => (None, Some("is not a session".to_string())),
                    Err(VaultError::NotFound { .. }) => (None, Some("is not in this vault".into())),
                    Err(e) => (None, Some(format!("could not be opened: {e}"))),
                };
            // The couple's sessions give the risk line (their safety screens).
            let (sessions, unreadable) = practice.couple_sessions(couple.id);
            let prepared =
                practice.export_note(&note, session.as_ref(), &sessions, &couple, &ctx)?;
            let code = write_prepared(&prepared, &output.path, if_exists, out)?;
            let mut code = code;
            if unreadable > 0 {
                say!(
                    out,
                    "warning: {unreadable} of this couple's sessions could not be opened; the note's risk line may miss a safety screen (run `tandem verify`)"
                )?;
                code = 1;
            }
            if let Some(problem) = problem {
                say!(
                    out,
                    "warning: the note's session {} {problem}; the PDF has no protocol or session date",
                    note.session.0
                )?;
                code = 1;
            }
            Ok(code)
        }
        ExportCommand::ProcessNotes { couple, output, .. } => {
            let couple = practice.load_couple(CoupleId(couple))?;
            let (notes, unreadable) = practice.couple_process_notes(&couple)?;
            if notes.is_empty() && unreadable == 0 {
                bail!(
                    "couple {} has no process notes; nothing was written",
                    couple.code
                );
            }
            let prepared = practice.export_process_notes(&couple, &notes, &ctx)?;
            let code = write_prepared(&prepared, &output.path, if_exists, out)?;
            if unreadable > 0 {
                say!(
                    out,
                    "warning: {unreadable} process-note file(s) could not be opened and may be missing from the PDF (run `tandem verify`)"
                )?;
                return Ok(1);
            }
            Ok(code)
        }
    }
}

/// Write a document the practice built and logged. The entry went in before the file is
/// written, so a PDF of clinical records never reaches the disk without its entry; if the
/// file then cannot be written, the log holds an entry for an export that did not
/// complete (the safe side of the two), and the error says so.
fn write_prepared(
    prepared: &crate::practice::export::PreparedExport,
    output: &Path,
    if_exists: IfExists,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let written = prepared.write(output, if_exists).context(
        "the export is in the audit log, but the file could not be written; nothing was exported",
    )?;
    report_written(&prepared.report, &written, out)
}

fn report_written(
    report: &export::Report,
    written: &crate::practice::export::Written,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    say!(
        out,
        "wrote {} ({} pages, {} bytes) for {}",
        written.path.display(),
        written.pages,
        written.bytes,
        report.audience.reader()
    )?;
    Ok(0)
}

fn vault_root(root: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match root {
        Some(root) => Ok(root),
        None => {
            crate::vault::default_root().context("no data folder on this system: pass --vault DIR")
        }
    }
}

/// A couple and every session of theirs that opens (their safety screens decide what may
/// be given out or brought back).
fn couple_with_sessions(
    practice: &Practice,
    id: CoupleId,
) -> anyhow::Result<(Couple, Vec<crate::model::Session>)> {
    let couple = practice.load_couple(id)?;
    let (sessions, _) = practice.couple_sessions(couple.id);
    Ok((couple, sessions))
}

/// What `tandem worksheet --take-home` was given.
struct TakeHomeArgs {
    html: bool,
    template_id: String,
    audience: Audience,
    output: OutputFile,
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
    // Before anything: the issue is logged and saved before the file is written.
    let if_exists = args.output.check()?;
    let for_whom = match args.audience {
        A::Couple => WorksheetFor::Couple,
        A::Partner(p) => WorksheetFor::Partner(p),
        A::Clinician => bail!(
            "a take-home worksheet is for the couple or one partner: use --audience couple, partner-a or partner-b"
        ),
    };
    let mut practice = open(root, Want::ReadWrite, args.couple.is_some())?;
    // Without --templates, the practice's library: the shipped protocols and its own.
    let library = match args.templates {
        Some(dir) => load(Some(dir))?,
        None => practice.library().clone(),
    };
    let template = library.get(&args.template_id).with_context(|| {
        format!(
            "no protocol {:?}: see `tandem templates list`",
            args.template_id
        )
    })?;
    let couple = match args.couple {
        Some(id) => Some(couple_with_sessions(&practice, CoupleId(id))?),
        None => None,
    };
    let passphrase = passphrase(
        "TANDEM_WORKSHEET_PASSPHRASE",
        "Passphrase for the couple (tell it to them in person): ",
        true,
    )?;
    let issued = practice.issue_worksheet_to(
        &crate::practice::takehome::IssueRequest {
            form: if args.html {
                crate::practice::takehome::TakeHomeForm::Page
            } else {
                crate::practice::takehome::TakeHomeForm::File
            },
            template,
            for_whom,
            bindings: crate::model::Bindings {
                speaker: args.speaker,
                hurt_partner: args.hurt_partner,
            },
            couple: couple.as_ref().map(|(c, s)| (c, s.as_slice())),
            passphrase: &passphrase,
        },
        &args.output.path,
        if_exists,
        args.kdf_log_n,
        Utc::now(),
    )?;
    say!(
        out,
        "wrote take-home worksheet {} ({} for {}) to {}",
        issued.id.0,
        issued.template_id,
        issued.for_whom.name(),
        args.output.path.display()
    )?;
    Ok(0)
}

fn import_take_home(
    root: Option<PathBuf>,
    file: &Path,
    couple: CoupleId,
    empty_ok: bool,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    use crate::practice::takehome::IfEmpty;
    use crate::runner::takehome::TakeHomeError;
    let mut practice = open(root, Want::ReadWrite, true)?;
    let (_, sessions) = couple_with_sessions(&practice, couple)?;
    let passphrase = passphrase(
        "TANDEM_WORKSHEET_PASSPHRASE",
        "The worksheet's passphrase: ",
        false,
    )?;
    let if_empty = if empty_ok {
        IfEmpty::Add
    } else {
        IfEmpty::Refuse
    };
    let session = practice
        .import_worksheet(file, &passphrase, couple, &sessions, if_empty, Utc::now())
        .map_err(|e| match e {
            crate::practice::PracticeError::Worksheet(TakeHomeError::NothingFilledIn) => {
                anyhow::anyhow!("{e}: run it again with --empty-ok to add it all the same")
            }
            other => other.into(),
        })?;
    say!(
        out,
        "imported the {} worksheet as session {}",
        session.template_id,
        session.id.0
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

/// Open the practice with the vault passphrase (from TANDEM_PASSPHRASE or a prompt);
/// the unlock is logged, and a vault whose unlock cannot be logged stays closed.
fn open(root: Option<PathBuf>, want: Want, lists: bool) -> anyhow::Result<Practice> {
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
    open_with(Some(root), secret, want, lists)
}

fn open_with(
    root: Option<PathBuf>,
    passphrase: Option<SecretString>,
    want: Want,
    lists: bool,
) -> anyhow::Result<Practice> {
    let practice = Practice::open(
        OpenRequest {
            root: vault_root(root)?,
            passphrase,
            want,
            origin: "command line",
            lists,
        },
        Utc::now(),
    )?;
    if let Some(why) = practice.unwritable() {
        // On stderr, so that what the command prints stays as it is.
        eprintln!(
            "warning: {why}: the vault is open read-only (nothing can be saved), and this command's audit entries could not be written; free some space to have them logged"
        );
    }
    Ok(practice)
}

fn init(
    root: &Path,
    demo: bool,
    insecure: bool,
    log_n: u8,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let protection = if insecure {
        say!(
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
    // The first entry, before any record: every record saved is anchored after it.
    vault.audit(
        crate::vault::audit::AuditAction::Unlock,
        None,
        if demo {
            "command line, created with the demo practice"
        } else {
            "command line, created"
        },
        now,
    )?;
    say!(out, "created a vault in {}", root.display())?;
    if demo {
        vault.set_practice_name(crate::demo::DEMO_PRACTICE_NAME)?;
        vault.set_safety_settings(90, &crate::demo::demo_safety_resources())?;
        let records = crate::demo::practice(&Library::builtin(), now);
        for body in &records {
            vault.save(body, now)?;
        }
        say!(out, "added the demo practice ({} records)", records.len())?;
    }
    Ok(0)
}

fn list(practice: &Practice, what: ListWhat, out: &mut dyn Write) -> anyhow::Result<i32> {
    let scan = practice.lists();
    match what {
        ListWhat::Couples => {
            for c in &scan.couples {
                let sessions = scan.sessions.iter().filter(|s| s.couple == c.id).count();
                say!(
                    out,
                    "{}  {}  {} & {}  ({sessions} sessions)",
                    c.code,
                    c.id.0,
                    c.partner_a.name,
                    c.partner_b.name
                )?;
            }
        }
        ListWhat::Sessions => {
            for s in &scan.sessions {
                let code = scan.couple(s.couple).map_or("?", |c| c.code.as_str());
                say!(
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
                let code = scan.couple(n.couple).map_or("?", |c| c.code.as_str());
                let date = scan
                    .session(n.session)
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
                say!(out, "{line}")?;
            }
        }
    }
    for problem in &scan.problems {
        say!(out, "problem: {problem}")?;
    }
    Ok(0)
}

/// `tandem dump`: the record as RON. Into a pipe or a file it is exactly what `ron`
/// writes (strings escaped, so it holds no raw control or bidi character, and `tandem
/// import` reads it back as it was); on a terminal each line also goes through `say!`,
/// which leaves that RON as it is and guards the terminal should it ever not be.
fn dump(body: &RecordBody, out: &mut dyn Write) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let text = pretty(body)?;
    if std::io::stdout().is_terminal() {
        for line in text.lines() {
            say!(out, "{line}")?;
        }
    } else {
        writeln!(out, "{text}")?;
    }
    Ok(())
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

fn import(
    practice: &mut Practice,
    file: &Path,
    text: &str,
    replace: bool,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let body: RecordBody =
        ron::from_str(text).map_err(|e| anyhow::anyhow!("{}:{}", file.display(), describe(&e)))?;
    body.check_format()
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let (kind, id) = (body.kind(), body.id());
    let flags = if replace {
        practice.replace_record(body, Utc::now())
    } else {
        practice.import_record(body, Utc::now())
    }
    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let done = if replace { "replaced" } else { "imported" };
    say!(out, "{done} {} {id}", kind.name())?;
    for flag in flags {
        say!(
            out,
            "flagged ({}): {}; kept, logged, and listed by `tandem verify` and on the couple's page",
            flag.name(),
            flag.meaning()
        )?;
    }
    Ok(0)
}

fn verify(practice: &Practice, out: &mut dyn Write) -> anyhow::Result<i32> {
    let vault = practice.vault();
    let verified = vault.verify()?;
    let count = |kind: RecordKind| verified.records.iter().filter(|r| r.kind() == kind).count();
    let couples = count(RecordKind::Couple);
    let sessions = count(RecordKind::Session);
    let others = verified.records.len() - couples - sessions;
    say!(
        out,
        "{couples} couples, {sessions} sessions and {others} notes and courses open and match their file names"
    )?;
    let mut serious = 0;
    let conflicts = vault.conflicts()?;
    for problem in &verified.problems {
        say!(out, "{problem}")?;
        let mut superseded = false;
        if let crate::vault::FileProblem::Conflict { file } = problem
            && let Some(c) = conflicts.iter().find(|c| c.file() == *file)
        {
            say!(out, "  {}", conflict_order(c))?;
            // An older copy holds nothing the record lacks: listed, to be set aside,
            // but nothing is at stake.
            superseded = matches!(
                c.order(),
                Some(crate::vault::sync::Order::Older | crate::vault::sync::Order::Same)
            );
        }
        if !superseded && !matches!(problem, crate::vault::FileProblem::Unexpected { .. }) {
            serious += 1;
        }
    }
    // Rollbacks this device noticed (its index remembers the versions it saw).
    for problem in vault.scan()?.problems {
        if matches!(problem, crate::vault::FileProblem::Behind { .. }) {
            say!(out, "{problem}")?;
            serious += 1;
        }
    }
    if let Some(why) = vault.settings_problem() {
        say!(
            out,
            "{why}: the practice's settings could not be read, so defaults are in use; set them again (tandem settings) to write them anew"
        )?;
        serious += 1;
    }
    let check = vault.verify_audit()?;
    if check.problems.is_empty() {
        say!(out, "audit log: {} entries, chain intact", check.entries)?;
    } else {
        say!(
            out,
            "audit log: {} entries, TAMPERED OR DAMAGED:",
            check.entries
        )?;
        for problem in &check.problems {
            say!(out, "  {problem}")?;
        }
        say!(
            out,
            "  once looked into, tandem verify --acknowledge {} records that in the log (what an entry found is then no longer reported; a broken chain stays reported)",
            crate::vault::audit::ACKNOWLEDGE_NAME
        )?;
        serious += check.problems.len();
    }
    // Damage stays visible until it is dealt with: every record file gone from its
    // folder, and every file set aside and not yet acknowledged, each time.
    for file in vault.missing_records()? {
        say!(
            out,
            "{}",
            crate::vault::FileProblem::Missing { file: file.clone() }
        )?;
        serious += 1;
    }
    let set_aside = vault.set_aside_files()?;
    for file in &set_aside {
        say!(
            out,
            "quarantine/{}: set aside ({}); restore it from a backup, or acknowledge it with tandem verify --acknowledge {}",
            file.name,
            file.reason,
            file.name
        )?;
    }
    serious += set_aside.len();
    flagged_imports(practice, &verified.records, out)?;
    if serious > 0 {
        say!(out, "{serious} problem(s) need attention")?;
    }
    Ok(if serious == 0 { 0 } else { 1 })
}

/// How a conflict copy stands to its record, in words.
fn conflict_order(conflict: &crate::vault::conflicts::Conflict) -> &'static str {
    use crate::vault::sync::Order;
    match (&conflict.current, &conflict.other, conflict.order()) {
        (_, None, _) => "the copy does not open (kept as it is)",
        (None, Some(_), _) => "the record itself does not open; the copy does",
        (_, _, Some(Order::Concurrent)) => {
            "each version holds changes the other lacks (saved on two devices)"
        }
        (_, _, Some(Order::Newer)) => "the copy is newer: the record went back to an older version",
        (_, _, Some(Order::Older | Order::Same) | None) => {
            "the copy is older: it holds nothing the record lacks (not counted as a problem; keep the current version in the app to set it aside)"
        }
    }
}

/// The records `tandem import` flagged (as the audit log says), one line each. Flags are
/// for review, not damage: they leave `verify`'s exit code alone, so that a vault with a
/// reviewed import still verifies clean.
fn flagged_imports(
    practice: &Practice,
    records: &[RecordBody],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let flags = practice.import_flags()?;
    let code = |couple: CoupleId| {
        records
            .iter()
            .find_map(|r| match r {
                RecordBody::Couple(c) if c.id == couple => Some(c.code.clone()),
                _ => None,
            })
            .unwrap_or_else(|| couple.0.to_string())
    };
    let (mut lines, mut flagged) = (Vec::new(), 0);
    for record in records {
        let (what, couple) = match record {
            RecordBody::Session(s) => ("session", s.couple),
            RecordBody::Note(n) => ("note", n.couple),
            RecordBody::Couple(_)
            | RecordBody::ProcessNote(_)
            | RecordBody::Course(_)
            | RecordBody::Worksheet(_)
            | RecordBody::Protocol(_) => continue,
        };
        let of_record = flags.get(&record.id()).map_or(&[][..], Vec::as_slice);
        flagged += usize::from(!of_record.is_empty());
        for flag in of_record {
            lines.push(format!(
                "  {what} {} of {}: {} ({})",
                record.id(),
                code(couple),
                flag.meaning(),
                flag.name()
            ));
        }
    }
    if !lines.is_empty() {
        say!(
            out,
            "flagged on import ({} kept as brought in; review them):",
            crate::model::plural(flagged, "record", "records")
        )?;
        for line in lines {
            say!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Search every record that opens, through the search cache (which reads only records
/// changed since it was written); damaged files are counted on stderr, never named (a
/// file name says nothing, but the count is all the user needs to run `tandem verify`).
fn search(
    practice: &mut Practice,
    query: &str,
    couple: Option<CoupleId>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    practice.load_search_now()?;
    let found = practice
        .search(query, couple, Utc::now())?
        .context("the search index did not load")?;
    if found.unsearched > 0 {
        say_err!(
            "warning: {} record file(s) could not be opened and were not searched (run `tandem verify`)",
            found.unsearched
        );
    }
    if let Some(error) = &found.write_error {
        say_err!(
            "note: the search cache could not be saved, so the next search will be slower: {error}"
        );
    }
    let results = found.results;
    // Thousands of lines for a common word: written in blocks, not one system call each.
    let mut out = std::io::BufWriter::new(out);
    if results.is_empty() {
        say!(out, "No matches.")?;
        out.flush()?;
        return Ok(1);
    }
    for group in &results.groups {
        let n = group.hits.len();
        let plural = if n == 1 { "match" } else { "matches" };
        if group.code.is_empty() {
            say!(out, "couple {} ({n} {plural})", group.couple.0)?;
        } else {
            say!(out, "{} ({n} {plural})", group.code)?;
        }
        for hit in &group.hits {
            say!(
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

/// Save records as fast as possible and print `ack <id> <version>` after each save has
/// returned (renamed into place, folder synced). The crash test kills this at random.
fn stress_save(practice: &mut Practice, seed: u64, out: &mut dyn Write) -> anyhow::Result<i32> {
    use crate::model::{COUPLE_FORMAT, Couple, CoupleId, PartnerInfo};
    let mut rng = crate::demo::Rng::new(seed);
    let now = Utc::now();
    let fixed = CoupleId(rng.record_id());
    for version in 0u64.. {
        // Alternate: a new record, then a new version of one long-lived record.
        let (id, code) = if version % 2 == 0 {
            (CoupleId(rng.record_id()), format!("NEW-{version}"))
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
        practice.save_and_wait(body, now)?;
        say!(out, "ack {} {version}", id.0)?;
        out.flush()?;
    }
    Ok(0)
}

fn load(dir: Option<PathBuf>) -> anyhow::Result<Library> {
    match dir {
        None => Ok(Library::builtin()),
        Some(dir) => crate::vault::templates::load_path(&dir)
            .with_context(|| format!("cannot read the template folder {}", dir.display())),
    }
}

/// Print one line per problem and per loaded file; exit code 1 when anything failed.
pub fn check(library: &Library, out: &mut dyn Write) -> anyhow::Result<i32> {
    for (file, template) in &library.templates {
        say!(
            out,
            "ok {file}: {} ({} steps)",
            template.id,
            template.steps.len()
        )?;
    }
    let mut problems = 0;
    for error in &library.errors {
        for problem in &error.problems {
            say!(out, "{problem}")?;
            problems += 1;
        }
    }
    say!(
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
        let own = if library.is_own(&t.id) {
            "  (practice's own)"
        } else {
            ""
        };
        say!(
            out,
            "{:<32} {:>3} min  {}  [{}]{own}",
            t.id,
            t.length_mins,
            t.title,
            tags.join(", ")
        )?;
    }
    for error in &library.errors {
        say!(
            out,
            "not loaded: {} (run `tandem templates check`)",
            error.file
        )?;
    }
    Ok(if library.errors.is_empty() { 0 } else { 1 })
}
