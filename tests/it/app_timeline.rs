//! The timeline view driven with egui_kittest against a real sandbox whose webhook delivers to
//! a real receiver (both on `127.0.0.1:0`, one signing secret, as `launch.rs` wires them): the
//! events of a publish appear live and in order; a failed action's per-field errors read in the
//! detail panel.

use std::time::Duration;

use crate::selectors::{button, has_button};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::state::ConnectionInfo;
use release_desk::app::worker::WorkerOptions;
use release_desk::app::{App, AppSetup};
use release_desk::cma::Client;
use release_desk::sandbox::{Sandbox, SandboxConfig};
use release_desk::signing::SigningSecret;
use release_desk::timeline::{Timeline, TimelineConfig};

/// The app on a sandbox delivering signed webhooks to a receiver, and what keeps them running.
struct Fixture {
    harness: Harness<'static, App>,
    client: Client,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    fixture_with(|_, _| {})
}

/// Like [`fixture`], calling `prepare` with the sandbox and the profile store before the app
/// starts.
fn fixture_with(prepare: impl FnOnce(&Sandbox, &release_desk::config::ProfileStore)) -> Fixture {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _enter = runtime.enter();
    let dir = tempfile::tempdir().unwrap();
    let secret = SigningSecret::generate();
    let mut timeline_config = TimelineConfig::new(dir.path().join("timeline"));
    timeline_config.receiver.secret = Some(secret.clone());
    let timeline = runtime.block_on(Timeline::start(timeline_config)).unwrap();
    let mut config = SandboxConfig {
        webhook_url: Some(timeline.webhook_url("sandbox")),
        signing_secret: Some(secret.clone()),
        ..SandboxConfig::default()
    };
    config.behaviour.action_delay = Duration::from_millis(30);
    let sandbox = runtime.block_on(Sandbox::start(config)).unwrap();
    let client = Client::new(sandbox.client_config()).unwrap();
    let profiles = release_desk::config::ProfileStore::new(dir.path().join("config"));
    prepare(&sandbox, &profiles);
    let setup = AppSetup {
        client: sandbox.client_config(),
        connection: ConnectionInfo {
            profile: "Local sandbox".into(),
            base_url: sandbox.base_url.to_string(),
            space_id: sandbox.space_id.clone(),
            environment_id: sandbox.environment_id.clone(),
            is_sandbox: true,
            receiver: Some(timeline.addr().to_string()),
        },
        worker: WorkerOptions {
            poll_interval: Duration::from_millis(40),
            profiles,
            receiver_secret: Some(secret),
            ..WorkerOptions::new(true)
        },
        timeline: Some(timeline.subscribe()),
        journal: Some(timeline.journal().clone()),
        keep_alive: Some(Box::new((sandbox, timeline))),
    };
    let harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .build_eframe(|cc| App::new(&cc.egui_ctx, setup).unwrap());
    Fixture {
        harness,
        client,
        runtime,
        _dir: dir,
    }
}

/// Steps frames until `done` holds; panics with `what` (and the labels seen) after 20 s.
#[track_caller]
fn step_until(
    harness: &mut Harness<'static, App>,
    what: &str,
    done: impl Fn(&Harness<'static, App>) -> bool,
) {
    crate::app_support::step_until_within(harness, what, Duration::from_secs(20), done);
}

fn has_label(h: &Harness<'static, App>, label: &str) -> bool {
    h.query_all_by_label(label).next().is_some()
}

fn has_label_containing(h: &Harness<'static, App>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// The topics of the rows the view has cached, newest first.
fn cached_topics(h: &Harness<'static, App>) -> Vec<String> {
    let rows = &h.state().state.timeline;
    (0..rows.total)
        .filter_map(|i| rows.row(i).map(|e| e.topic.clone()))
        .collect()
}

fn open_timeline(f: &mut Fixture) {
    step_until(&mut f.harness, "the navigation", |h| {
        has_label(h, "Timeline")
    });
    f.harness.get_by_label("Timeline").click();
    step_until(&mut f.harness, "the timeline view", |h| {
        has_button(h, "Pause") && h.state().state.timeline.loaded
    });
}

#[test]
fn a_publish_appears_live_in_order() {
    let mut f = fixture();
    open_timeline(&mut f);
    let release = f
        .runtime
        .block_on(f.client.get_release("release-spring-travel"))
        .unwrap();
    let action = f
        .runtime
        .block_on(
            f.client
                .publish_release(&release.sys.id, release.sys.version),
        )
        .unwrap();
    step_until(&mut f.harness, "the publish's events", |h| {
        let topics = cached_topics(h);
        topics.iter().any(|t| t == "ReleaseAction.execute")
            && topics.iter().any(|t| t == "Entry.publish")
            && topics.iter().any(|t| t == "ReleaseAction.create")
    });
    // Newest first: the execute above the entries it published, above the create.
    let topics = cached_topics(&f.harness);
    let position = |topic: &str| topics.iter().position(|t| t == topic).unwrap();
    let last_publish = topics.iter().rposition(|t| t == "Entry.publish").unwrap();
    assert!(
        position("ReleaseAction.execute") < position("Entry.publish"),
        "{topics:?}"
    );
    assert!(
        last_publish < position("ReleaseAction.create"),
        "{topics:?}"
    );
    // They are on screen, verified, with the action's status.
    for label in [
        "ReleaseAction.create",
        "Entry.publish",
        "ReleaseAction.execute",
    ] {
        assert!(has_label(&f.harness, label), "no row shows {label}");
    }
    assert!(has_label(&f.harness, "verified"));
    assert!(has_label(&f.harness, "succeeded"));
    // Opening the execute shows what it caused.
    let rows = &f.harness.state().state.timeline;
    let execute = (0..rows.total)
        .filter_map(|i| rows.row(i))
        .find(|e| e.topic == "ReleaseAction.execute")
        .unwrap();
    assert_eq!(execute.entity_id.as_deref(), Some(action.sys.id.as_str()));
    f.harness.get_by_label("ReleaseAction.execute").click();
    step_until(&mut f.harness, "the detail panel", |h| {
        has_label_containing(h, "Caused ") && has_label(h, "Payload")
    });
}

#[test]
fn filtering_to_failed_and_reading_the_per_field_errors() {
    let mut f = fixture();
    open_timeline(&mut f);
    let release = f
        .runtime
        .block_on(f.client.get_release("release-election-night"))
        .unwrap();
    f.runtime
        .block_on(
            f.client
                .publish_release(&release.sys.id, release.sys.version),
        )
        .unwrap();
    step_until(&mut f.harness, "the failed execute", |h| {
        cached_topics(h)
            .iter()
            .any(|t| t == "ReleaseAction.execute")
    });
    button(&f.harness, "Failed").click();
    step_until(&mut f.harness, "only failed events", |h| {
        let rows = &h.state().state.timeline;
        rows.loaded
            && rows.total >= 1
            && (0..rows.total)
                .filter_map(|i| rows.row(i))
                .all(|e| e.action_status.as_deref() == Some("failed"))
            && has_label(h, "failed")
    });
    assert!(!has_label(&f.harness, "ReleaseAction.create"));
    f.harness.get_by_label("ReleaseAction.execute").click();
    step_until(&mut f.harness, "the per-field errors", |h| {
        has_label_containing(h, "entities failed")
    });
    for expected in [
        "Required, but empty",
        "Too short: 14 characters, at least 20 needed",
        "does not match the required pattern",
        "is not one of the allowed values",
    ] {
        assert!(
            has_label_containing(&f.harness, expected),
            "the detail panel does not say '{expected}'"
        );
    }
}

#[test]
fn the_rate_chart_counts_a_publish_and_the_sources_panel_shows_signing() {
    let mut f = fixture();
    open_timeline(&mut f);
    let release = f
        .runtime
        .block_on(f.client.get_release("release-spring-travel"))
        .unwrap();
    f.runtime
        .block_on(
            f.client
                .publish_release(&release.sys.id, release.sys.version),
        )
        .unwrap();
    // The chart refreshes while events arrive (at most every 2 s) until it counts them all.
    step_until(&mut f.harness, "the chart's counts", |h| {
        let state = &h.state().state.timeline;
        let counted: u64 = state
            .rate
            .buckets
            .iter()
            .map(|b| b.counts.iter().sum::<u64>())
            .sum();
        state.loaded && state.rate.loaded && counted > 0 && counted == state.total
    });
    assert!(has_button(&f.harness, "Events per minute"));
    assert!(has_button(&f.harness, "Export"));
    // The sources panel: the receiver verifies signatures; the poller can start.
    f.harness.get_by_label("Sources").click();
    step_until(&mut f.harness, "the sources panel", |h| {
        has_label(h, "signing on") && h.state().state.timeline.sources.loaded
    });
    assert!(has_button(&f.harness, "Poll the call log"));
}

/// Bug 5: after a connection switch the timeline stayed on "Loading…" until a filter changed.
#[test]
fn the_timeline_loads_again_after_a_connection_switch() {
    use release_desk::cma::AccessToken;
    use release_desk::config::{Profile, RegionSetting};
    let mut f = fixture_with(|sandbox, profiles| {
        profiles
            .save(
                &Profile {
                    id: "same".into(),
                    name: "Same space".into(),
                    space_id: sandbox.space_id.clone(),
                    environment_id: sandbox.environment_id.clone(),
                    region: RegionSetting::Custom(sandbox.base_url.to_string()),
                    rate_limit: 7,
                },
                Some(&AccessToken::new(sandbox.token.clone())),
            )
            .unwrap();
    });
    open_timeline(&mut f);
    f.harness.get_by_label("Settings").click();
    step_until(&mut f.harness, "settings", |h| has_label(h, "Same space"));
    f.harness.get_by_label("Same space").click();
    step_until(&mut f.harness, "the switch", |h| {
        has_label_containing(h, "Same space ·")
    });
    f.harness.get_by_label("Timeline").click();
    step_until(&mut f.harness, "the timeline loaded again", |h| {
        h.state().state.timeline.loaded && has_label_containing(h, " events")
    });
    assert!(!has_label(&f.harness, "Loading…"));
}

/// Bug 5: after a sandbox reset the timeline says so (the journal keeps the old events).
#[test]
fn a_sandbox_reset_is_marked_on_the_timeline() {
    let mut f = fixture();
    open_timeline(&mut f);
    f.harness.get_by_label("Settings").click();
    step_until(&mut f.harness, "settings", |h| {
        has_label(h, "Reset sandbox…")
    });
    f.harness.get_by_label("Reset sandbox…").click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "Reset the sandbox?")
    });
    f.harness.get_by_label("Reset").click();
    step_until(&mut f.harness, "the reset", |h| {
        h.state().state.sandbox_reset_at.is_some()
    });
    f.harness.get_by_label("Timeline").click();
    step_until(&mut f.harness, "the marker and the rows", |h| {
        has_label_containing(h, "The sandbox was reset at")
            && h.state().state.timeline.loaded
            && has_label_containing(h, " events")
    });
    f.harness.get_by_label("Hide").click();
    step_until(&mut f.harness, "the marker hidden", |h| {
        !has_label_containing(h, "The sandbox was reset at")
    });
}

/// Bug 4: at a small window the table ran under the detail panel (its Status column over the
/// panel's text). At the minimum window size the table ends where the panel begins.
#[test]
fn the_detail_panel_and_the_table_do_not_overlap_at_the_minimum_size() {
    let mut f = fixture();
    f.harness.set_size(egui::vec2(900.0, 560.0));
    open_timeline(&mut f);
    let release = f
        .runtime
        .block_on(f.client.get_release("release-spring-travel"))
        .unwrap();
    f.runtime
        .block_on(
            f.client
                .publish_release(&release.sys.id, release.sys.version),
        )
        .unwrap();
    step_until(&mut f.harness, "some rows", |h| {
        h.state().state.timeline.total > 0 && has_label(h, "Status")
    });
    let first = cached_topics(&f.harness)[0].clone();
    f.harness.query_all_by_label(&first).next().unwrap().click();
    step_until(&mut f.harness, "the detail panel", |h| {
        has_label(h, "Event") && has_button(h, "Close the detail")
    });
    f.harness.run_steps(3);
    let panel = f.harness.get_by_label("Event").rect();
    let close = button(&f.harness, "Close the detail").rect();
    for header in ["Received", "Topic", "Summary", "Status"] {
        // The table's header is the leftmost (the panel has a "Received" too).
        let rect = f
            .harness
            .query_all_by_label(header)
            .map(|n| n.rect())
            .min_by(|a, b| a.min.x.total_cmp(&b.min.x))
            .unwrap();
        assert!(
            rect.max.x <= panel.min.x,
            "the {header} header ({rect:?}) runs under the detail panel ({panel:?})"
        );
    }
    assert!(close.max.x <= 900.0, "the panel fits the window: {close:?}");

    // Friction: ↓ and ↑ move the selection, and the detail follows.
    let detail_id = |h: &crate::app_support::AppHarness| {
        h.state()
            .state
            .timeline
            .detail
            .as_ref()
            .map(|d| d.details.event.id)
    };
    step_until(&mut f.harness, "the first detail", |h| {
        detail_id(h).is_some()
    });
    let first_id = detail_id(&f.harness);
    f.harness.key_press(egui::Key::ArrowDown);
    step_until(&mut f.harness, "the next event's detail", |h| {
        detail_id(h).is_some() && detail_id(h) != first_id
    });
    f.harness.key_press(egui::Key::ArrowUp);
    step_until(&mut f.harness, "the first event's detail again", |h| {
        detail_id(h) == first_id
    });
}

/// Bug 10: the chart's legend sat in the plot's corner, over the newest minutes.
#[test]
fn the_rate_chart_legend_covers_no_minute() {
    let mut f = fixture();
    open_timeline(&mut f);
    let release = f
        .runtime
        .block_on(f.client.get_release("release-spring-travel"))
        .unwrap();
    f.runtime
        .block_on(
            f.client
                .publish_release(&release.sys.id, release.sys.version),
        )
        .unwrap();
    step_until(&mut f.harness, "the chart with counts", |h| {
        !h.state().state.timeline.rate.buckets.is_empty() && has_label(h, "Events per minute chart")
    });
    let chart = f.harness.get_by_label("Events per minute chart").rect();
    for group in ["Release", "ReleaseAction", "BulkAction", "ScheduledAction"] {
        let legend = f.harness.get_by_label(&format!("■ {group}")).rect();
        assert!(
            !legend.intersects(chart),
            "the legend's {group} ({legend:?}) lies on the chart ({chart:?})"
        );
    }
}
