//! The `release-desk` command line: thin; it parses arguments, sets up logging and hands over
//! to the library.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use release_desk::sandbox::seed::Seed;
use release_desk::sandbox::{Sandbox, SandboxConfig};

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

/// Opens the window on the embedded sandbox (data in the user's data directory).
fn run_app() -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("release-desk: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The worker and the servers run on this runtime; eframe runs on the main thread inside it.
    let _enter = runtime.enter();
    let data_dir = release_desk::config::data_dir();
    let (embedded, client, connection) =
        match runtime.block_on(release_desk::embedded::start_embedded(data_dir.clone())) {
            Ok(started) => started,
            Err(e) => {
                let detail = format!("Data directory: {}", data_dir.display());
                eprintln!("release-desk: {e} ({detail})");
                // A launch from the application menu has no terminal: say it in a window too.
                let _ = release_desk::desktop::show_start_failure(&e.to_string(), &detail);
                return ExitCode::FAILURE;
            }
        };
    let timeline = embedded.timeline.subscribe();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Release Desk")
            .with_app_id(release_desk::desktop::APP_ID)
            .with_icon(release_desk::desktop::window_icon())
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([900.0, 560.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let setup = release_desk::app::AppSetup {
        client,
        connection,
        worker: release_desk::app::worker::WorkerOptions {
            receiver_secret: release_desk::embedded::load_or_create_secret(&data_dir).ok(),
            ..release_desk::app::worker::WorkerOptions::new(true)
        },
        timeline: Some(timeline),
        journal: Some(embedded.timeline.journal().clone()),
        keep_alive: Some(Box::new(embedded)),
    };
    let result = eframe::run_native(
        "Release Desk",
        options,
        Box::new(move |cc| {
            // Ctrl-C or SIGTERM closes the window the normal way (state saved, servers stopped;
            // unfinished webhook deliveries stay in the sandbox's outbox for the next start).
            let ctx = cc.egui_ctx.clone();
            let mut stop = release_desk::shutdown::StopRequests::listen();
            tokio::spawn(async move {
                let signal = stop.next().await;
                tracing::info!(%signal, "closing the window");
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            });
            let app = release_desk::app::App::new(&cc.egui_ctx, setup)
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("release-desk: the window could not open: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_sandbox(args: SandboxArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("release-desk: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
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
            ..SandboxConfig::default()
        };
        config.behaviour.auto_archive = !args.no_auto_archive;
        let delay = std::time::Duration::from_secs(args.webhook_retry_delay);
        for retry in &mut config.webhook_retry.delays {
            *retry = delay;
        }
        let data_dir = config.data_dir.clone().unwrap_or_default();
        let mut stop = release_desk::shutdown::StopRequests::listen();
        let sandbox = match Sandbox::start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("release-desk sandbox: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Some(report) = &sandbox.seed_report {
            eprintln!("Loaded the export: {report}.");
            for problem in &report.problems {
                eprintln!("  skipped: {problem}");
            }
        }
        // Machine-readable lines first (scripts and tests read them), then a human summary.
        println!(
            "base_url={}",
            sandbox.base_url.as_str().trim_end_matches('/')
        );
        println!("space_id={}", sandbox.space_id);
        if let Some(cert) = &sandbox.tls_cert {
            println!("tls_cert={}", cert.display());
            eprintln!(
                "https with a self-signed certificate: tell Node.js tools to trust it with \
                 NODE_EXTRA_CA_CERTS={}",
                cert.display()
            );
        }
        println!("environment={}", sandbox.environment_id);
        println!("token={}", sandbox.token);
        if let Some(secret) = &sandbox.signing_secret {
            println!("signing_secret={}", secret.expose());
        }
        eprintln!(
            "Sandbox serving space '{}' (environment '{}') at {} — data in {}. Ctrl-C or SIGTERM to stop.",
            sandbox.space_id,
            sandbox.environment_id,
            sandbox.base_url,
            data_dir.display()
        );
        let signal = stop.next().await;
        eprintln!("{signal}: stopping; letting webhook deliveries finish (the rest stay queued)…");
        sandbox.shutdown(std::time::Duration::from_secs(5)).await;
        ExitCode::SUCCESS
    })
}

/// Runs the timeline receiver and journal headless, printing one line per stored event.
fn run_receive(args: ReceiveArgs) -> ExitCode {
    use release_desk::timeline::{LiveItem, Timeline, TimelineConfig, TimelineNotice};

    let secret = match args.secret.map(release_desk::signing::SigningSecret::new) {
        None => None,
        Some(Ok(secret)) => Some(secret),
        Some(Err(e)) => {
            eprintln!("release-desk receive: --secret: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("release-desk: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let data_dir = args
            .data
            .unwrap_or_else(|| release_desk::config::data_dir().join("timeline"));
        let mut config = TimelineConfig::new(&data_dir);
        config.receiver.bind = SocketAddr::new(args.bind, args.port);
        config.receiver.ttl_secs = args.ttl;
        let signed = secret.is_some();
        config.receiver.secret = secret;
        let mut stop = release_desk::shutdown::StopRequests::listen();
        let timeline = match Timeline::start(config).await {
            Ok(t) => t,
            Err(e) => {
                eprintln!("release-desk receive: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Machine-readable lines first (scripts and tests read them), then one line per event.
        println!("addr={}", timeline.addr());
        println!("journal={}", timeline.journal().path().display());
        eprintln!(
            "Recording webhook deliveries at http://{}/webhooks/<source> ({}) into {}. Ctrl-C or SIGTERM to stop.",
            timeline.addr(),
            if signed { "signatures required" } else { "no signing secret: nothing is verified" },
            data_dir.display()
        );
        let mut live = timeline.subscribe();
        loop {
            tokio::select! {
                item = live.recv() => match item {
                    Some(LiveItem::Notice(TimelineNotice::Appended(event))) => println!("{}", event.log_line()),
                    Some(LiveItem::Notice(TimelineNotice::AttemptCounted { id, attempt, attempts })) => {
                        println!("retry of event {id}: attempt {attempt} ({attempts} attempts stored once)");
                    }
                    Some(LiveItem::Missed { count, .. }) => {
                        println!("… {count} events not printed (they are in the journal)");
                    }
                    None => break,
                },
                signal = stop.next() => {
                    eprintln!("{signal}: stopping; storing deliveries in flight…");
                    break;
                }
            }
        }
        timeline.shutdown(std::time::Duration::from_secs(5)).await;
        ExitCode::SUCCESS
    })
}
