//! The app on a real-sized space (issue 14), not a timed test: `cargo bench --bench app_scale`.
//!
//! Starts `release-desk sandbox --seed big` (50,000 entries, 5,000 releases, 500 schedules) as
//! a separate process, so that what is measured is the app's own memory, then drives the real
//! app headless (egui_kittest, no GPU) twice and prints `key=value` lines.
//!
//! On loopback, with no rate limit (the app's own costs):
//! - `releases_shown_after_launch_ms`: the app's own measure, from building the app (the
//!   "launch" here) to the first releases loaded;
//! - `entries_first_rows_ms`: Ctrl+2 to the first page of entries drawn;
//! - `entries_scroll_frame_ms_p50`: the median frame while the mouse wheel scrolls the entries
//!   table down through pages that load as they come into view: the app's own work per frame
//!   ([`App::last_frame_work`]: events applied, every view laid out by egui);
//! - `entries_scroll_step_ms_p50`: the same frames as the harness steps them, with what a test
//!   harness adds (egui's AccessKit tree built and diffed by kittest every frame, which a
//!   desktop session does only while a screen reader listens);
//! - `releases_scroll_frame_ms_p50` (and `releases_scroll_step_ms_p50`): likewise while the
//!   wheel scrolls the releases list (5,000 releases, pages loading) as readiness fills in for
//!   the rows shown (issue 16: full frame rate is ≤ 16.7);
//! - `rss_mb_after_all_views`: the app's VmRSS after every area, a release detail and a scroll
//!   through the entries (from `/proc/self/status`; the sandbox is another process).
//!
//! Like Contentful over the internet: the same data directory served again with
//! `--rate-limit 7 --latency 150`, and the app's client at its default 7 requests a second:
//! - `internet_releases_first_rows_ms`, `internet_entries_first_rows_ms`,
//!   `internet_calendar_first_rows_ms`, `internet_release_detail_ms`: each view opened to its
//!   first rows drawn, the views one after another as soon as the last one showed (the
//!   release detail: the largest release on screen, 200 entities, resolved; target ≤ 1000
//!   each);
//! - `internet_rate_limit_errors_shown`: how many times a rate-limit error (429) reached the
//!   screen while browsing (target 0).
#![allow(missing_docs, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::num::NonZeroU32;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::state::ConnectionInfo;
use release_desk::app::worker::WorkerOptions;
use release_desk::app::{App, AppSetup, PROCESS_START};
use release_desk::cma::{AccessToken, ClientConfig, Region};
use release_desk::config::ProfileStore;

const SCROLL_FRAMES: usize = 300;

/// `release-desk sandbox` in a child process, stopped when dropped.
struct SandboxProcess {
    child: Child,
    config: ClientConfig,
}

impl SandboxProcess {
    /// Serves `data` (seeding the big space on first use) with `extra` arguments; returns once
    /// the sandbox printed where it listens.
    fn start(data: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_release-desk"))
            .args(["sandbox", "--seed", "big", "--data"])
            .arg(data)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut values = std::collections::HashMap::new();
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some((key, value)) = line.split_once('=') {
                values.insert(key.to_owned(), value.to_owned());
            }
            if values.contains_key("token") {
                break;
            }
        }
        // Whatever it prints later is read too: with the pipe closed, its next line would
        // fail to write and end the sandbox under the app.
        std::thread::spawn(move || lines.for_each(drop));
        let url = values["base_url"].parse().unwrap();
        let config = ClientConfig::new(
            Region::Custom(url),
            AccessToken::new(values["token"].clone()),
            values["space_id"].clone(),
            values["environment"].clone(),
        );
        Self { child, config }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        // SIGTERM, so the sandbox closes its database; then wait for it.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Steps frames until `done` holds (60 s at most); returns how long it took.
fn step_until(
    harness: &mut Harness<'static, App>,
    what: &str,
    done: impl Fn(&Harness<'static, App>) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        harness.step();
        if done(harness) {
            // One more frame: the rows are drawn from what just arrived.
            harness.step();
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        // The backend answers on other threads.
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Scrolls the wheel down by `points` a frame for [`SCROLL_FRAMES`] frames over where the
/// pointer hovers; returns each frame's own work and each harness step, in ms, sorted.
fn scroll(harness: &mut Harness<'static, App>, points: f32) -> (Vec<f64>, Vec<f64>) {
    let mut frames = Vec::with_capacity(SCROLL_FRAMES);
    let mut steps = Vec::with_capacity(SCROLL_FRAMES);
    for _ in 0..SCROLL_FRAMES {
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -points),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        let started = Instant::now();
        harness.step();
        steps.push(started.elapsed().as_secs_f64() * 1000.0);
        frames.push(harness.state().last_frame_work().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(4));
    }
    frames.sort_by(f64::total_cmp);
    steps.sort_by(f64::total_cmp);
    (frames, steps)
}

/// The middle of sorted `samples`.
fn median(samples: &[f64]) -> f64 {
    samples[samples.len() / 2]
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The app on `client`, as a real space (`is_sandbox` false) or the local sandbox.
fn launch(client: ClientConfig, is_sandbox: bool, profiles: &Path) -> Harness<'static, App> {
    let setup = AppSetup {
        connection: ConnectionInfo {
            profile: "Big space".into(),
            base_url: client.base_url.to_string(),
            space_id: client.space_id.clone(),
            environment_id: client.environment_id.clone(),
            is_sandbox,
            receiver: None,
        },
        client,
        worker: WorkerOptions {
            profiles: ProfileStore::new(profiles.to_path_buf()),
            clock: release_desk::clock::Clock::system(),
            ..WorkerOptions::new(is_sandbox)
        },
        timeline: None,
        journal: None,
        keep_alive: None,
    };
    Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(|cc| App::new(&cc.egui_ctx, setup).unwrap())
}

fn releases_loaded(h: &Harness<'static, App>) -> bool {
    let state = h.state().state();
    state.releases_loaded && !state.releases.is_empty()
}

/// The first page is in, with the content model its titles are read by (before it, a row
/// could only show an entry's id).
fn entries_loaded(h: &Harness<'static, App>) -> bool {
    let state = h.state().state();
    !state.entity_view.pages.pages.is_empty() && !state.content_types.is_empty()
}

fn calendar_loaded(h: &Harness<'static, App>) -> bool {
    let state = h.state().state();
    state.scheduled_range.is_some() && !state.scheduled_loading
}

/// Opens the largest release shown in the list (one at the 200-entity limit: every tenth in
/// the big space); steps until its entities are resolved.
fn open_first_release(harness: &mut Harness<'static, App>) -> Duration {
    // The list shows one model at a time: of the loaded releases whose titles (unique in the
    // big space) are on screen, the one with the most entities is opened.
    let mut releases: Vec<(usize, String)> = harness
        .state()
        .state()
        .releases
        .iter()
        .map(|r| (r.entities.len(), r.title.clone()))
        .collect();
    releases.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    let (entities, title) = releases
        .iter()
        .find(|(_, t)| harness.query_all_by_label(t).next().is_some())
        .expect("a release row on screen");
    eprintln!("opening '{title}' ({entities} entities)");
    harness.query_all_by_label(title).next().unwrap().click();
    step_until(harness, "the release detail", |h| {
        h.query_all_by_label("✔ Validate").next().is_some()
            && h.state().state().entity_view.resolving.in_flight.is_empty()
    })
}

/// How many rate-limit errors are on screen now.
fn rate_limit_errors_shown(h: &Harness<'static, App>) -> usize {
    [
        "429",
        "Too many requests",
        "rate limit",
        "RateLimitExceeded",
    ]
    .iter()
    .map(|needle| h.query_all_by_label_contains(needle).count())
    .sum()
}

fn go(harness: &mut Harness<'static, App>, key: egui::Key) {
    harness.key_press_modifiers(egui::Modifiers::COMMAND, key);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _enter = runtime.enter();
    // `APP_SCALE_TRACE=1`: every request the app sends, with its time, on stderr.
    if std::env::var_os("APP_SCALE_TRACE").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter("release_desk::cma=debug,app_scale=info")
            .with_timer(tracing_subscriber::fmt::time::uptime())
            .with_writer(std::io::stderr)
            .init();
    }
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();

    // Loopback, no limits.
    let started = Instant::now();
    let sandbox = SandboxProcess::start(data.path(), &[]);
    eprintln!("big sandbox ready in {:?}", started.elapsed());
    let mut local = sandbox.config.clone();
    local.rate_limit = None;
    let rss_before = rss_mb();
    let _ = PROCESS_START.set(Instant::now());
    let mut harness = launch(local, true, profiles.path());
    step_until(&mut harness, "the releases list", releases_loaded);
    let releases_ms = harness
        .state()
        .releases_shown_after_launch_ms()
        .unwrap_or(0);

    // The releases list scrolled while readiness is worked out for the rows shown.
    harness.hover_at(egui::pos2(700.0, 400.0));
    let (release_frames, release_steps) = scroll(&mut harness, 120.0);
    let releases_scroll_p50 = median(&release_frames);
    let releases_step_p50 = median(&release_steps);
    eprintln!(
        "releases scrolled: {} loaded, {} with readiness; p90 {:.3} ms",
        harness.state().state().releases.len(),
        harness
            .state()
            .state()
            .releases
            .iter()
            .filter(|r| harness.state().state().readiness.get(&r.sys.id).is_some())
            .count(),
        release_frames[release_frames.len() * 9 / 10]
    );

    go(&mut harness, egui::Key::Num2);
    let first_rows = step_until(&mut harness, "the first entry rows", entries_loaded);

    // Scroll with the mouse wheel over the table; pages load as their rows come into view.
    harness.hover_at(egui::pos2(700.0, 500.0));
    let (samples, steps) = scroll(&mut harness, 240.0);
    let scroll_p50 = median(&samples);
    let scroll_step_p50 = median(&steps);
    eprintln!(
        "scrolled {SCROLL_FRAMES} frames; {} pages cached, {} entities cached; p90 {:.3} ms",
        harness.state().state().entity_view.pages.pages.len(),
        harness.state().state().entities.len(),
        samples[samples.len() * 9 / 10]
    );

    // Every other area, and a release's detail.
    for key in [
        egui::Key::Num3,
        egui::Key::Num4,
        egui::Key::Num5,
        egui::Key::Num1,
    ] {
        go(&mut harness, key);
        for _ in 0..20 {
            harness.step();
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    step_until(&mut harness, "the releases list again", releases_loaded);
    open_first_release(&mut harness);
    for _ in 0..20 {
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    let rss = rss_mb();
    drop(harness);
    drop(sandbox);

    // Like Contentful over the internet: 7 requests a second, 150 ms a round trip.
    let sandbox = SandboxProcess::start(data.path(), &["--rate-limit", "7", "--latency", "150"]);
    let mut remote = sandbox.config.clone();
    remote.rate_limit = NonZeroU32::new(7);
    let launched = Instant::now();
    tracing::info!("internet: launch");
    let mut harness = launch(remote, false, profiles.path());
    step_until(
        &mut harness,
        "the releases list (internet)",
        releases_loaded,
    );
    let internet_releases = launched.elapsed();
    let mut errors = rate_limit_errors_shown(&harness);
    tracing::info!("internet: entries");
    go(&mut harness, egui::Key::Num2);
    let internet_entries = step_until(&mut harness, "entries (internet)", entries_loaded);
    errors += rate_limit_errors_shown(&harness);
    tracing::info!("internet: calendar");
    go(&mut harness, egui::Key::Num3);
    let internet_calendar = step_until(&mut harness, "calendar (internet)", calendar_loaded);
    errors += rate_limit_errors_shown(&harness);
    go(&mut harness, egui::Key::Num1);
    step_until(&mut harness, "releases again (internet)", releases_loaded);
    tracing::info!("internet: release detail");
    let internet_detail = open_first_release(&mut harness);
    errors += rate_limit_errors_shown(&harness);
    drop(harness);
    drop(sandbox);

    eprintln!("rss before the app {rss_before:.1} MB (runtime only; the sandbox is a process)");
    println!("seed=big");
    println!("releases_shown_after_launch_ms={releases_ms}");
    println!("entries_first_rows_ms={}", first_rows.as_millis());
    println!("entries_scroll_frame_ms_p50={scroll_p50:.3}");
    println!("entries_scroll_step_ms_p50={scroll_step_p50:.3}");
    println!("releases_scroll_frame_ms_p50={releases_scroll_p50:.3}");
    println!("releases_scroll_step_ms_p50={releases_step_p50:.3}");
    println!("rss_mb_after_all_views={rss:.1}");
    println!(
        "internet_releases_first_rows_ms={}",
        internet_releases.as_millis()
    );
    println!(
        "internet_entries_first_rows_ms={}",
        internet_entries.as_millis()
    );
    println!(
        "internet_calendar_first_rows_ms={}",
        internet_calendar.as_millis()
    );
    println!("internet_release_detail_ms={}", internet_detail.as_millis());
    println!("internet_rate_limit_errors_shown={errors}");
}
