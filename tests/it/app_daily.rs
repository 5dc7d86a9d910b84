//! Issue 11 (daily use): the real app against a sandbox, one test per bug the kittest harness
//! can show end to end. State-level halves are in `src/app/state/tests.rs`.

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::App;
use release_desk::cma::AccessToken;
use release_desk::config::{Profile, ProfileStore, RegionSetting};
use release_desk::sandbox::{Sandbox, SandboxConfig};

use crate::app_support::{AppFixture, has_label, has_label_containing, setup_for, step_until};
use crate::selectors::{button, has_button};

fn fixture() -> AppFixture {
    let mut config = SandboxConfig::default();
    config.behaviour.action_delay = Duration::from_millis(30);
    AppFixture::start(config)
}

fn open_release(f: &mut AppFixture, title: &str) {
    step_until(&mut f.harness, "the releases list", |h| has_label(h, title));
    f.harness.get_by_label(title).click();
    step_until(&mut f.harness, "the release detail", |h| {
        has_button(h, "Back to releases") && has_button(h, "Validate")
    });
}

/// Bug 1: deleting a release left the detail on "Loading the release…" forever.
#[test]
fn deleting_a_release_returns_to_the_list() {
    let mut f = fixture();
    open_release(&mut f, "Spring Travel Issue");
    button(&f.harness, "Delete…").click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "Delete release?")
    });
    f.harness.get_by_label("Delete").click();
    step_until(
        &mut f.harness,
        "the list without the deleted release",
        |h| {
            has_button(h, "New release…")
                && has_label(h, "Election Night Live")
                && !has_label(h, "Spring Travel Issue")
        },
    );
    assert!(!has_label_containing(&f.harness, "Loading the release"));
}

/// Bug 2: after a publish (which archives the release) the Active list still showed it.
#[test]
fn a_published_release_leaves_the_active_list() {
    let mut f = fixture();
    open_release(&mut f, "Spring Travel Issue");
    step_until(&mut f.harness, "entries of the release", |h| {
        h.query_all_by_label("draft").count() > 0
    });
    button(&f.harness, "Publish…").click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "Publish release?")
    });
    f.harness.get_by_label("Publish").click();
    step_until(&mut f.harness, "the publish to finish", |h| {
        has_label_containing(h, "publish · succeeded")
    });
    step_until(&mut f.harness, "the release archived", |h| {
        has_label(h, "archived")
    });
    button(&f.harness, "Back to releases").click();
    step_until(&mut f.harness, "the active list without it", |h| {
        has_label(h, "Election Night Live") && !has_label(h, "Spring Travel Issue")
    });
}

/// Bug 13: after a reconnect the log said `releases shown after launch ms=…` again, with the
/// time since the launch. (The measurement is read from the app, not from the log: a
/// thread-local tracing subscriber misses events when other tests run in parallel.)
#[test]
fn the_launch_time_is_measured_once_not_again_after_a_reconnect() {
    let _ = release_desk::app::PROCESS_START.set(std::time::Instant::now());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _enter = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();
    // A saved connection to the same sandbox, to switch to.
    let profiles = tempfile::tempdir().unwrap();
    ProfileStore::new(profiles.path().to_path_buf())
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
    let setup = setup_for(&sandbox, &profiles);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(|cc| App::new(&cc.egui_ctx, setup).unwrap());
    step_until(&mut harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue")
    });
    let first = harness.state().releases_shown_after_launch_ms();
    assert!(first.is_some(), "measured at the first list");
    harness.get_by_label("Settings").click();
    step_until(&mut harness, "settings", |h| has_label(h, "Same space"));
    harness.get_by_label("Same space").click();
    step_until(&mut harness, "the reconnect", |h| {
        has_label_containing(h, "Same space ·")
    });
    harness.get_by_label("Releases").click();
    step_until(&mut harness, "the releases list again", |h| {
        has_label(h, "Spring Travel Issue") && h.state().state.releases_loaded
    });
    assert_eq!(
        harness.state().releases_shown_after_launch_ms(),
        first,
        "a reconnect is not a launch"
    );
}

/// Bug 6: "Last action" kept showing the action this session started last, also after another
/// (a scheduled publish, another user's) ran on the release.
#[test]
fn last_action_shows_an_action_this_session_did_not_start() {
    let mut f = fixture();
    open_release(&mut f, "Spring Travel Issue");
    step_until(&mut f.harness, "entries of the release", |h| {
        h.query_all_by_label("draft").count() > 0
    });
    button(&f.harness, "Validate").click();
    step_until(&mut f.harness, "the validation in the history", |h| {
        h.query_all_by_label("validate · succeeded").count() == 2
    });
    // Someone else publishes it.
    let release = f
        .runtime
        .block_on(f.client.get_release("release-spring-travel"))
        .unwrap();
    let action = f
        .runtime
        .block_on(
            f.client
                .publish_release("release-spring-travel", release.sys.version),
        )
        .unwrap();
    f.runtime
        .block_on(f.client.wait_release_action(
            "release-spring-travel",
            &action.sys.id,
            &release_desk::cma::PollOptions::default(),
        ))
        .unwrap();
    // What a webhook or a finished schedule does: the release reloads (Ctrl+R here).
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::R);
    step_until(&mut f.harness, "their publish as the last action", |h| {
        // Once in the history and once as the last action; ours only in the history.
        h.query_all_by_label("publish · succeeded").count() == 2
            && h.query_all_by_label("validate · succeeded").count() == 1
    });
}

/// Bug 9: at the minimum window size the calendar's toolbar overlapped its title, lost the
/// next-month button and clipped the day panel.
#[test]
fn the_calendar_fits_the_minimum_window() {
    let mut f = fixture();
    f.harness.set_size(egui::vec2(900.0, 560.0));
    step_until(&mut f.harness, "the navigation", |h| {
        has_label(h, "Calendar")
    });
    f.harness.get_by_label("Calendar").click();
    step_until(&mut f.harness, "the calendar", |h| {
        has_label(h, "Month") && has_label(h, "Go to today")
    });
    f.harness.get_by_label("Go to today").click();
    step_until(&mut f.harness, "the day panel", |h| {
        has_button(h, "Schedule on this day…")
    });
    f.harness.run_steps(3);
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(900.0, 560.0));
    let rect = |label: &str| f.harness.get_by_label(label).rect();
    let toolbar = [
        "Previous month",
        "Go to today",
        "Next month",
        "Reload scheduled actions",
        "⬇ Export .ics",
        "Calendar time zone",
        "Times in",
    ];
    for label in toolbar {
        assert!(
            window.contains_rect(rect(label)),
            "{label} ({:?}) is outside the window",
            rect(label)
        );
    }
    // Nothing in the toolbar overlaps another part of it, nor the title.
    let title = f
        .harness
        .query_all_by_label_contains(" 20")
        .map(|n| n.rect())
        .find(|r| r.min.y < 120.0)
        .expect("the month's title");
    let mut parts: Vec<(String, egui::Rect)> =
        toolbar.iter().map(|l| ((*l).to_owned(), rect(l))).collect();
    parts.push(("title".into(), title));
    let heading = f
        .harness
        .query_all_by_label("Calendar")
        .map(|n| n.rect())
        .find(|r| r.min.x > 170.0)
        .expect("the heading (right of the navigation)");
    parts.push(("Calendar".into(), heading));
    for (i, (a, ra)) in parts.iter().enumerate() {
        for (b, rb) in &parts[i + 1..] {
            assert!(
                !ra.shrink(1.0).intersects(rb.shrink(1.0)),
                "{a} ({ra:?}) overlaps {b} ({rb:?})"
            );
        }
    }
    // The day panel's heading ("Tuesday 1 December") is not cut off by the window.
    let heading = jiff::Zoned::now().strftime("%A %-d %B").to_string();
    let day_heading = rect(&heading);
    assert!(
        window.contains_rect(day_heading),
        "the day panel's heading is clipped: {day_heading:?}"
    );
    let day_button = rect("➕ Schedule on this day…");
    assert!(
        window.contains_rect(day_button),
        "the day panel is clipped: {day_button:?}"
    );
}

/// Bug 7: an unreachable space showed "Connected" and a green dot. The status bar says
/// "Unreachable" (the plain sentence and the error behind its hover), never "Connected".
#[test]
fn an_unreachable_space_says_so_in_the_status_bar() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _enter = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let mut setup = setup_for(&sandbox, &profiles);
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    setup.client.base_url = format!("http://{closed}/").parse().unwrap();
    setup.client.retry = release_desk::cma::RetryPolicy {
        unit: Duration::from_millis(10),
        extra: Duration::ZERO,
        jitter: Duration::ZERO,
        ..release_desk::cma::RetryPolicy::default()
    };
    setup.connection.profile = "Production".into();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(|cc| App::new(&cc.egui_ctx, setup).unwrap());
    step_until(&mut harness, "the verdict", |h| has_label(h, "Unreachable"));
    assert!(!has_label(&harness, "Connected"));
}

/// eframe's storage, in memory.
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

/// Friction: the last view and the calendar's zone survive a restart (eframe keeps the window
/// size and position and the theme itself).
#[test]
fn the_window_reopens_on_the_view_and_zone_it_was_closed_with() {
    use eframe::App as _;
    use release_desk::app::memory::UiMemory;
    use release_desk::app::state::Nav;

    let mut first = fixture();
    first.harness.get_by_label("Calendar").click();
    step_until(&mut first.harness, "the calendar", |h| {
        has_button(h, "Export .ics")
    });
    let mut storage = MemoryStorage::default();
    first.harness.state_mut().save(&mut storage);
    let remembered = UiMemory::load(Some(&storage));
    assert_eq!(remembered.nav, Some(Nav::Calendar));
    assert!(remembered.calendar_zone.is_some());

    let mut second = fixture();
    second.harness.state_mut().restore(UiMemory {
        calendar_zone: Some("Asia/Tokyo".into()),
        ..remembered
    });
    step_until(&mut second.harness, "the calendar again", |h| {
        has_button(h, "Export .ics")
    });
    assert_eq!(
        second.harness.state().memory().calendar_zone.as_deref(),
        Some("Asia/Tokyo")
    );
    // Unreadable memory is ignored, never an error.
    let mut garbage = MemoryStorage::default();
    garbage
        .0
        .insert(release_desk::app::memory::KEY.into(), "(((".into());
    assert_eq!(UiMemory::load(Some(&garbage)), UiMemory::default());
}
