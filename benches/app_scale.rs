//! The app on a bigger space (issue 14), not a timed test: `cargo bench --bench app_scale`.
//! Starts an in-process sandbox with the demo space plus `APP_SCALE_ENTRIES` (default 5,000)
//! draft entries created through the client (the sandbox's `--seed big` is not on this branch),
//! then drives the real app headless (egui_kittest, no GPU) and prints `key=value` lines:
//! - `releases_shown_after_launch_ms`: the app's own measure, from building the app (the
//!   "launch" here) to the first releases loaded;
//! - `entries_first_rows_ms`: Ctrl+2 to the newest entry's row drawn;
//! - `entries_scroll_frame_ms_p50`: the median frame while the mouse wheel scrolls the entries
//!   table down through pages that load as they come into view;
//! - `rss_mb_after_all_views`: VmRSS after every area, a release detail and a scroll through
//!   the entries (from `/proc/self/status`).
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use futures_util::{StreamExt, TryStreamExt};
use release_desk::app::state::ConnectionInfo;
use release_desk::app::worker::WorkerOptions;
use release_desk::app::{App, AppSetup, PROCESS_START};
use release_desk::cma::Client;
use release_desk::config::ProfileStore;
use release_desk::sandbox::{Sandbox, SandboxConfig};

const SCROLL_FRAMES: usize = 300;

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

fn has_label(h: &Harness<'static, App>, label: &str) -> bool {
    h.query_all_by_label(label).next().is_some()
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

/// Creates `count` draft categories ("Bench 00000" …), 16 requests at a time.
fn seed(runtime: &tokio::runtime::Runtime, client: &Client, count: usize) {
    let started = Instant::now();
    let client = client.clone();
    runtime
        .block_on(async move {
            futures_util::stream::iter(0..count)
                .map(|i| {
                    let client = client.clone();
                    async move {
                        let mut fields = serde_json::Map::new();
                        fields.insert(
                            "name".into(),
                            serde_json::json!({ "en-US": format!("Bench {i:05}") }),
                        );
                        fields.insert(
                            "slug".into(),
                            serde_json::json!({ "en-US": format!("bench-{i}") }),
                        );
                        client.create_entry("category", &fields).await
                    }
                })
                .buffer_unordered(16)
                .try_collect::<Vec<_>>()
                .await
        })
        .unwrap();
    eprintln!("seeded {count} entries in {:?}", started.elapsed());
}

fn main() {
    let count: usize = std::env::var("APP_SCALE_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _enter = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();
    let client = Client::new(sandbox.client_config()).unwrap();
    seed(&runtime, &client, count);
    let profiles = tempfile::tempdir().unwrap();
    let setup = AppSetup {
        client: sandbox.client_config(),
        connection: ConnectionInfo {
            profile: "Local sandbox".into(),
            base_url: sandbox.base_url.to_string(),
            space_id: sandbox.space_id.clone(),
            environment_id: sandbox.environment_id.clone(),
            is_sandbox: true,
            receiver: None,
        },
        worker: WorkerOptions {
            profiles: ProfileStore::new(profiles.path().to_path_buf()),
            clock: release_desk::clock::Clock::system(),
            ..WorkerOptions::new(true)
        },
        timeline: None,
        journal: None,
        keep_alive: None,
    };
    let rss_before = rss_mb();

    // Launch: the app is built now, so its own "releases shown after launch" starts here.
    let _ = PROCESS_START.set(Instant::now());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(|cc| App::new(&cc.egui_ctx, setup).unwrap());
    step_until(&mut harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue")
    });
    let releases_ms = harness
        .state()
        .releases_shown_after_launch_ms()
        .unwrap_or(0);

    // The entries view: Ctrl+2 to the first rows drawn.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num2);
    let newest = format!("Bench {:05}", count.saturating_sub(1));
    let first_rows = step_until(&mut harness, "the first entry rows", |h| {
        h.query_all_by_label_contains("Bench ").next().is_some()
    });
    eprintln!(
        "first rows drawn (newest shown: {})",
        has_label(&harness, &newest)
    );

    // Scroll with the mouse wheel over the table; pages load as their rows come into view.
    harness.hover_at(egui::pos2(700.0, 500.0));
    let mut samples = Vec::with_capacity(SCROLL_FRAMES);
    for _ in 0..SCROLL_FRAMES {
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -240.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        let started = Instant::now();
        harness.step();
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(4));
    }
    samples.sort_by(f64::total_cmp);
    let scroll_p50 = samples[samples.len() / 2];
    let pages = harness.state().state().entity_view.pages.pages.len();
    eprintln!(
        "scrolled {SCROLL_FRAMES} frames; {pages} pages cached, {} entities cached; p90 {:.3} ms",
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
        harness.key_press_modifiers(egui::Modifiers::COMMAND, key);
        for _ in 0..20 {
            harness.step();
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    step_until(&mut harness, "the releases list again", |h| {
        has_label(h, "Spring Travel Issue")
    });
    harness.get_by_label("Spring Travel Issue").click();
    step_until(&mut harness, "the release detail", |h| {
        has_label(h, "✔ Validate")
    });
    for _ in 0..20 {
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    let rss = rss_mb();
    eprintln!("rss before the app {rss_before:.1} MB (sandbox with {count} entries, runtime)");
    println!("seed=client_created_{count}");
    println!("releases_shown_after_launch_ms={releases_ms}");
    println!("entries_first_rows_ms={}", first_rows.as_millis());
    println!("entries_scroll_frame_ms_p50={scroll_p50:.3}");
    println!("rss_mb_after_all_views={rss:.1}");
    // The sandbox runs in this process: what it holds is in both figures.
    println!("rss_mb_before_app={rss_before:.1}");
    // Stop the app's worker before the sandbox and the runtime, so no task outlives them.
    drop(harness);
    runtime.block_on(sandbox.shutdown(Duration::from_millis(500)));
}
