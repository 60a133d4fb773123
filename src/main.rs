//! The `tandem` binary: parses arguments and hands over to the library: the command line
//! (`cli`), or one of the two windows (the app, or `tandem fill`'s worksheet window).

use clap::Parser;
use tandem::cli::Outcome;

fn main() -> std::process::ExitCode {
    let cli = tandem::cli::Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let outcome = tandem::cli::run(cli, &mut stdout);
    drop(stdout);
    let opened = match outcome {
        Ok(Outcome::Exit(0)) => return std::process::ExitCode::SUCCESS,
        Ok(Outcome::Exit(code)) => {
            return std::process::ExitCode::from(u8::try_from(code).unwrap_or(1));
        }
        Ok(Outcome::App { vault, demo, open }) => tandem::app::run(tandem::app::AppConfig {
            vault_root: vault,
            demo,
            open_worksheet: open,
            ..Default::default()
        }),
        Ok(Outcome::Fill {
            file,
            passphrase,
            log_n,
        }) => tandem::app::fill::run_fill(tandem::app::fill::FillConfig {
            path: file,
            passphrase,
            log_n,
        }),
        Err(error) => {
            // An error may quote a couple's code or a file name: shown with tags, as
            // every line the command line prints.
            let message = tandem::export::tags::for_terminal(&format!("{error:#}"));
            eprintln!("tandem: {message}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match opened {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            let message = tandem::export::tags::for_terminal(&error.to_string());
            eprintln!("tandem: the window could not be opened: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
