//! The `release-desk` command line: thin; it parses arguments, sets up logging and hands over
//! to the library.

use clap::Parser;

/// Release Desk: run content releases on Contentful, or on the embedded sandbox.
#[derive(Debug, Parser)]
#[command(name = "release-desk", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    eprintln!(
        "release-desk: the desktop app and the `sandbox` command are not built yet; \
         see README.md for the state of the project."
    );
    std::process::exit(2);
}
