//! The `release-desk` command line, and only that: it parses arguments, sets up logging, starts
//! one runtime and hands over to the library (`desktop::run_window`, `sandbox::headless`,
//! `timeline::headless`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use release_desk::sandbox::SandboxConfig;
use release_desk::sandbox::seed::Seed;

/// Release Desk: run content releases on Contentful, or on the embedded sandbox.
#[derive(Debug, Parser)]
#[command(name = "release-desk", version = env!("RELEASE_DESK_VERSION"), about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the Contentful-compatible sandbox headless until Ctrl-C or SIGTERM.
    Sandbox(SandboxArgs),
    /// Record webhook deliveries headless: the timeline receiver and journal, one line per event.
    Receive(ReceiveArgs),
}

#[derive(Debug, clap::Args)]
struct ReceiveArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind (loopback unless you mean it).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// The space's webhook signing secret (64 characters); when set, unsigned, forged and
    /// expired deliveries are refused with 403.
    #[arg(long, env = "RELEASE_DESK_WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Journal directory (default: the user data directory's `timeline` folder).
    #[arg(long)]
    data: Option<PathBuf>,
    /// How old a signature may be, in seconds (0 turns the check off).
    #[arg(long, default_value_t = release_desk::signing::DEFAULT_TTL_SECS)]
    ttl: u64,
    /// Alert rules to run on every stored event (TOML; see the README's "Alerts and hooks").
    /// The file holds hook URLs: keep it owner-only.
    #[arg(long, value_name = "RULES.toml")]
    rules: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct SandboxArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind (loopback unless you mean it).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Data directory (default: the user data directory's `sandbox` folder).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Bearer token to require (default: generated on first start and kept).
    #[arg(long, env = "SANDBOX_TOKEN")]
    token: Option<String>,
    /// What a fresh data directory is seeded with.
    #[arg(long, value_enum, default_value_t = Seed::Demo)]
    seed: Seed,
    /// Load a `contentful-export` file (content model, locales, tags, entries and assets with
    /// their states; webhooks and roles skipped) into a fresh data directory, to rehearse on a
    /// copy of a real space.
    #[arg(long, value_name = "EXPORT.json", conflicts_with = "seed")]
    seed_file: Option<PathBuf>,
    /// Serve https with a self-signed certificate kept in the data directory (for tools that
    /// only speak https to a custom host, such as contentful-migration); prints its path.
    #[arg(long)]
    tls: bool,
    /// Answer 429 beyond this many requests per second.
    #[arg(long)]
    rate_limit: Option<NonZeroU32>,
    /// Where the demo webhook delivers (activates it).
    #[arg(long)]
    webhook_url: Option<String>,
    /// Do not archive a release after a successful publish.
    #[arg(long)]
    no_auto_archive: bool,
    /// How the environment publishes: whole entries, or locale by locale (Timeline releases
    /// and bulk actions v2 then take `add`/`remove` locale sets).
    #[arg(long, value_enum, default_value_t = release_desk::sandbox::timeline::PublishingMode::Entry)]
    publishing: release_desk::sandbox::timeline::PublishingMode,
    /// Seconds between webhook delivery retries (Contentful waits 30; shorter helps when
    /// testing a consumer's failure handling).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    webhook_retry_delay: u64,
    /// Milliseconds added to every response, to try a client against a distant server (the
    /// real CMA answers in tens to hundreds of milliseconds).
    #[arg(long, value_name = "MS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    latency: u64,
}

fn main() -> ExitCode {
    let _ = release_desk::app::PROCESS_START.set(std::time::Instant::now());
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Some(Command::Sandbox(args)) => run_sandbox(args),
        Some(Command::Receive(args)) => run_receive(args),
        None => run_app(),
    }
}

/// The multi-threaded runtime every command runs on; `None` (after saying why) when it cannot
/// start.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => Some(runtime),
        Err(e) => {
            eprintln!("release-desk: cannot start the async runtime: {e}");
            None
        }
    }
}

/// Opens the window on the embedded sandbox.
fn run_app() -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    match release_desk::desktop::run_window(&runtime) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("release-desk: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_sandbox(args: SandboxArgs) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    let mut config = SandboxConfig {
        data_dir: Some(args.data.unwrap_or_else(release_desk::config::sandbox_dir)),
        bind: SocketAddr::new(args.bind, args.port),
        token: args.token,
        seed: args.seed,
        seed_file: args.seed_file,
        tls: args.tls,
        rate_limit: args.rate_limit,
        webhook_url: args.webhook_url,
        latency: std::time::Duration::from_millis(args.latency),
        publishing: args.publishing,
        ..SandboxConfig::default()
    };
    config.behaviour.auto_archive = !args.no_auto_archive;
    let delay = std::time::Duration::from_secs(args.webhook_retry_delay);
    for retry in &mut config.webhook_retry.delays {
        *retry = delay;
    }
    match runtime.block_on(release_desk::sandbox::headless::serve_until_stopped(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("release-desk sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the timeline receiver and journal headless, printing one line per stored event.
fn run_receive(args: ReceiveArgs) -> ExitCode {
    let secret = match args.secret.map(release_desk::signing::SigningSecret::new) {
        None => None,
        Some(Ok(secret)) => Some(secret),
        Some(Err(e)) => {
            eprintln!("release-desk receive: --secret: {e}");
            return ExitCode::from(2);
        }
    };
    let rules = match args
        .rules
        .as_deref()
        .map(release_desk::alerts::RuleSet::load_checked)
    {
        None => None,
        Some(Ok((rules, warning))) => {
            if let Some(warning) = warning {
                eprintln!("release-desk receive: --rules: {warning}");
            }
            Some(release_desk::alerts::RulesHandle::new(rules))
        }
        Some(Err(e)) => {
            eprintln!("release-desk receive: --rules: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    let data_dir = args
        .data
        .unwrap_or_else(|| release_desk::config::data_dir().join("timeline"));
    let mut config = release_desk::timeline::TimelineConfig::new(&data_dir);
    config.receiver.bind = SocketAddr::new(args.bind, args.port);
    config.receiver.ttl_secs = args.ttl;
    config.receiver.secret = secret;
    config.rules = rules;
    match runtime.block_on(release_desk::timeline::headless::record_until_stopped(
        config,
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("release-desk receive: {e}");
            ExitCode::FAILURE
        }
    }
}
