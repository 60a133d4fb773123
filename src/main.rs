//! The `tandem` binary: parses arguments and hands over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = tandem::cli::Cli::parse();
    let mut stdout = std::io::stdout().lock();
    match tandem::cli::run(cli, &mut stdout) {
        Ok(0) => std::process::ExitCode::SUCCESS,
        Ok(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(error) => {
            eprintln!("tandem: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
