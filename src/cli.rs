//! The command line: argument definitions and the commands they run. The edge of the
//! program, so errors here are `anyhow`, and this is where the clock is read.

use crate::clinical::SearchIndex;
use crate::export::{self, SessionDocument};
use crate::model::{Audience, Couple, CoupleId};
use crate::template::Library;
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
    /// Open every record; report damage and sync conflicts; non-zero exit if any.
    Verify,
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
    },
    /// Export a session or a progress report as a PDF.
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
}

fn parse_audience(name: &str) -> Result<Audience, String> {
    Audience::from_name(name)
        .ok_or_else(|| "use clinician, couple, partner-a or partner-b".to_string())
}

fn parse_document(name: &str) -> Result<SessionDocument, String> {
    SessionDocument::from_name(name)
        .ok_or_else(|| "use note, worksheet, plan or letters".to_string())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListWhat {
    Couples,
    Sessions,
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
            writeln!(out, "{}", pretty(&body)?)?;
            Ok(0)
        }
        Some(Command::Verify) => verify(&open(root, Access::ReadWrite)?, out),
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
        }) => {
            let mut vault = open(root, Access::ReadWrite)?;
            if let Some(mins) = auto_lock_mins {
                vault.set_auto_lock_mins(mins)?;
            }
            if let Some(name) = practice_name {
                vault.set_practice_name(&name)?;
            }
            writeln!(
                out,
                "auto-lock after {} idle minutes",
                vault.header().auto_lock_mins
            )?;
            writeln!(out, "practice name: {:?}", vault.header().practice_name)?;
            Ok(0)
        }
        Some(Command::Export { what }) => export(root, what, out),
        Some(Command::Worksheet {
            template_id,
            audience,
            output,
            practice,
            templates,
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
        Some(Command::Search { query, couple }) => search(
            &open(root, Access::ReadOnly)?,
            &query.join(" "),
            couple.map(CoupleId),
            out,
        ),
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
    let vault = open(root, Access::ReadOnly)?;
    let ctx = context(vault.header().practice_name.clone());
    let library = Library::builtin();
    let load_couple = |id: uuid::Uuid| -> anyhow::Result<Couple> {
        match vault.load(RecordKind::Couple, id)? {
            RecordBody::Couple(c) => Ok(c),
            _ => bail!("record {id} is not a couple"),
        }
    };
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
            let couple = load_couple(session.couple.0)?;
            let template = library.get(&session.template_id);
            let report =
                export::session_report(document, &session, &couple, template, audience, &ctx)?;
            write_pdf(&report, &output, out)
        }
        ExportCommand::Progress {
            couple,
            audience,
            output,
        } => {
            let couple = load_couple(couple)?;
            let scan = vault.scan()?;
            let (sessions, unreadable) = vault.couple_sessions(&scan.sessions, couple.id);
            let report = export::progress_report(&couple, &sessions, &library, audience, &ctx);
            let code = write_pdf(&report, &output, out)?;
            if unreadable > 0 {
                writeln!(
                    out,
                    "warning: {unreadable} of this couple's sessions could not be opened and are not in the report (run `tandem verify`)"
                )?;
                return Ok(1);
            }
            Ok(code)
        }
    }
}

fn write_pdf(report: &export::Report, output: &Path, out: &mut dyn Write) -> anyhow::Result<i32> {
    let mut pages = 0;
    let bytes = export::render(report, &mut |p| {
        if let export::Progress::Writing { of, .. } = p {
            pages = of;
        }
    })?;
    crate::vault::exports::write_export(output, &bytes)?;
    writeln!(
        out,
        "wrote {} ({pages} pages, {} bytes) for {}",
        output.display(),
        bytes.len(),
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
    Ok(Vault::open(&root, secret.as_ref(), access)?)
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
    let couples = verified
        .records
        .iter()
        .filter(|r| r.kind() == RecordKind::Couple)
        .count();
    let sessions = verified.records.len() - couples;
    writeln!(
        out,
        "{couples} couples and {sessions} sessions open and match their file names"
    )?;
    let mut serious = 0;
    for problem in &verified.problems {
        writeln!(out, "{problem}")?;
        if !matches!(problem, crate::vault::FileProblem::Unexpected { .. }) {
            serious += 1;
        }
    }
    if serious > 0 {
        writeln!(out, "{serious} problem(s) need attention")?;
    }
    Ok(if serious == 0 { 0 } else { 1 })
}

/// Search every record that opens; damaged files are counted on stderr, never named (a
/// file name says nothing, but the count is all the user needs to run `tandem verify`).
fn search(
    vault: &Vault,
    query: &str,
    couple: Option<CoupleId>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let verified = vault.verify()?;
    let unsearched = verified
        .problems
        .iter()
        .filter(|p| !matches!(p, crate::vault::FileProblem::Unexpected { .. }))
        .count();
    if unsearched > 0 {
        eprintln!(
            "warning: {unsearched} record file(s) could not be opened and were not searched (run `tandem verify`)"
        );
    }
    let index = search_index(&verified.records, &Library::builtin());
    let results = match couple {
        Some(couple) => index.search_couple(query, couple),
        None => index.search(query),
    };
    if results.is_empty() {
        writeln!(out, "No matches.")?;
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
    Ok(0)
}

/// A search index over loaded records, with step titles from `library`.
fn search_index(records: &[RecordBody], library: &Library) -> SearchIndex {
    let mut index = SearchIndex::new();
    for body in records {
        match body {
            RecordBody::Couple(c) => index.add_couple(c),
            RecordBody::Session(s) => index.add_session(s, library.get(&s.template_id)),
            RecordBody::Note(n) => index.add_note(n),
            RecordBody::ProcessNote(n) => index.add_process_note(n),
            RecordBody::Course(c) => index.add_course(c),
        }
    }
    index.shrink_to_fit();
    index
}

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
