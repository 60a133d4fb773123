//! The command line: argument definitions and the commands they run. The edge of the
//! program, so errors here are `anyhow`.

use crate::template::Library;
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

/// Tandem: a local-first companion for couples therapists.
#[derive(Debug, Parser)]
#[command(name = "tandem", version, about)]
pub struct Cli {
    /// The vault folder (default: the platform's data folder).
    #[arg(long, global = true, env = "TANDEM_VAULT", value_name = "DIR")]
    pub vault: Option<PathBuf>,

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
    match cli.command {
        None => {
            writeln!(
                out,
                "Tandem {}: the desktop app is not built yet. Try `tandem templates list`.",
                env!("CARGO_PKG_VERSION")
            )?;
            Ok(0)
        }
        Some(Command::Templates { command }) => match command {
            TemplatesCommand::Check { dir } => check(&load(dir)?, out),
            TemplatesCommand::List { dir } => list(&load(dir)?, out),
        },
    }
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

fn list(library: &Library, out: &mut dyn Write) -> anyhow::Result<i32> {
    for (_, t) in &library.templates {
        let tags: Vec<&str> = t.trust.iter().map(|tag| tag.label()).collect();
        writeln!(
            out,
            "{:<28} {:>3} min  {}  [{}]",
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
