//! Shared pieces of the app tests: an app harness connected to a sandbox on `127.0.0.1:0`, and
//! frame-stepping helpers that wait for a condition with a timeout (never a fixed sleep).

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::clock::AppClock;
use release_desk::app::state::ConnectionInfo;
use release_desk::app::worker::WorkerOptions;
use release_desk::app::{App, AppSetup};
use release_desk::cma::Client;
use release_desk::config::ProfileStore;
use release_desk::sandbox::{Sandbox, SandboxConfig};

/// The app under test.
pub type AppHarness = Harness<'static, App>;

/// A running sandbox, the runtime it lives on, and the app harness connected to it.
pub struct AppFixture {
    /// The app.
    pub harness: AppHarness,
    /// A client of the same sandbox, to arrange and check server state.
    pub client: Client,
    /// The runtime the sandbox and the app's worker run on.
    pub runtime: tokio::runtime::Runtime,
    /// The sandbox (kept alive).
    pub _sandbox: Sandbox,
    /// The profile directory (kept alive).
    pub _profiles: tempfile::TempDir,
}

impl AppFixture {
    /// Starts a sandbox with `config` and the app on it (fast polling, temp profile store).
    pub fn start(config: SandboxConfig) -> Self {
        Self::start_stepping(config, 0.25)
    }

    /// Like [`AppFixture::start`], each frame advancing the app's input clock by `step_dt`
    /// seconds (egui_kittest's default is 0.25).
    pub fn start_stepping(config: SandboxConfig, step_dt: f32) -> Self {
        Self::start_with(config, step_dt, |_| {})
    }

    /// Like [`AppFixture::start_stepping`], with `tweak` changing the app's setup first (its
    /// client configuration, say).
    pub fn start_with(
        config: SandboxConfig,
        step_dt: f32,
        tweak: impl FnOnce(&mut AppSetup),
    ) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let _enter = runtime.enter();
        let sandbox = runtime.block_on(Sandbox::start(config)).unwrap();
        let client = Client::new(sandbox.client_config()).unwrap();
        let profiles = tempfile::tempdir().unwrap();
        let mut setup = setup_for(&sandbox, &profiles);
        tweak(&mut setup);
        let harness = Harness::builder()
            .with_size(egui::vec2(1400.0, 860.0))
            .with_step_dt(step_dt)
            .build_eframe(|cc| App::new(&cc.egui_ctx, setup).unwrap());
        Self {
            harness,
            client,
            runtime,
            _sandbox: sandbox,
            _profiles: profiles,
        }
    }
}

/// The app's setup for a sandbox: its connection, fast action polling, profiles in `profiles`.
pub fn setup_for(sandbox: &Sandbox, profiles: &tempfile::TempDir) -> AppSetup {
    AppSetup {
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
            poll_interval: Duration::from_millis(40),
            profiles: ProfileStore::new(profiles.path().to_path_buf()),
            // The app's "now" is the sandbox's: a test with a manual clock moves both.
            clock: {
                let clock = sandbox.clock().clone();
                AppClock::from_fn(move || clock.now().0)
            },
            ..WorkerOptions::new(true)
        },
        timeline: None,
        journal: None,
        keep_alive: None,
    }
}

/// Steps frames until `done` holds; after `timeout` it panics at the caller's line with `what`
/// and the AccessKit labels the last frame showed.
#[track_caller]
pub fn step_until_within(
    harness: &mut AppHarness,
    what: &str,
    timeout: Duration,
    done: impl Fn(&AppHarness) -> bool,
) {
    let started = Instant::now();
    loop {
        harness.step();
        if done(harness) {
            harness.step();
            return;
        }
        if started.elapsed() >= timeout {
            panic!(
                "timed out after {timeout:?} waiting for: {what}\nlabels on screen:\n  {}",
                labels_seen(harness).join("\n  ")
            );
        }
        // The backend answers on other threads; let them run between frames.
        std::thread::sleep(Duration::from_millis(15));
    }
}

/// Steps frames until `done` holds; panics with `what` (and the labels seen) after 15 s.
#[track_caller]
pub fn step_until(harness: &mut AppHarness, what: &str, done: impl Fn(&AppHarness) -> bool) {
    step_until_within(harness, what, Duration::from_secs(15), done);
}

/// Every non-empty accessible label of the current frame, in tree order, without repeats.
pub fn labels_seen(h: &AppHarness) -> Vec<String> {
    use egui_kittest::kittest::NodeT;
    let mut seen = std::collections::HashSet::new();
    h.root()
        .children_recursive()
        .filter_map(|node| {
            let node = node.accesskit_node();
            // AccessKit keeps a text label's words in its value.
            if node.role() == egui::accesskit::Role::Label {
                node.value()
            } else {
                node.label()
            }
        })
        .filter(|label| !label.trim().is_empty() && seen.insert(label.clone()))
        .collect()
}

/// Whether a node has exactly this accessible label.
pub fn has_label(h: &AppHarness, label: &str) -> bool {
    h.query_all_by_label(label).next().is_some()
}

/// Whether a node's accessible label contains `text`.
pub fn has_label_containing(h: &AppHarness, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}
