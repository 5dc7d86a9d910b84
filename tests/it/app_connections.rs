//! Connection profiles: tokens stored owner-only and never in the profile file; switching
//! spaces without restarting; "Test connection" naming what is wrong.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::App;
use release_desk::cma::AccessToken;
use release_desk::config::{Profile, ProfileStore, RegionSetting};
use release_desk::sandbox::seed::Seed;
use release_desk::sandbox::{Sandbox, SandboxConfig};

use crate::app_support::{AppHarness, has_label_containing, setup_for, step_until};
use crate::selectors::{button, control, has_button};
use egui::accesskit::Role;

#[test]
fn tokens_are_stored_owner_only_and_never_in_the_profile_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = ProfileStore::new(dir.path().to_path_buf());
    let profile = Profile {
        id: "prod".into(),
        name: "Production".into(),
        space_id: "abc123".into(),
        environment_id: "master".into(),
        region: RegionSetting::Eu,
        rate_limit: 7,
    };
    store
        .save(&profile, Some(&AccessToken::new("CFPAT-secret-value")))
        .unwrap();
    let profiles = std::fs::read_to_string(dir.path().join("profiles.json")).unwrap();
    assert!(!profiles.contains("CFPAT-secret-value"));
    let token_file = dir.path().join("tokens/prod");
    assert_eq!(
        std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("tokens"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert_eq!(store.token("prod").unwrap().expose(), "CFPAT-secret-value");
    let config = store.client_config(&profile).unwrap();
    assert_eq!(config.base_url.as_str(), "https://api.eu.contentful.com/");
    assert!(!format!("{config:?}").contains("CFPAT-secret-value"));
    // Bad input is refused with a reason, nothing written.
    let mut bad = profile.clone();
    bad.space_id = "no spaces allowed".into();
    assert!(
        store
            .save(&bad, None)
            .unwrap_err()
            .to_string()
            .contains("space id")
    );
    store.delete("prod").unwrap();
    assert!(!token_file.exists());
    assert!(store.load().unwrap().is_empty());
}

fn contains(h: &AppHarness, text: &str) -> bool {
    has_label_containing(h, text)
}

fn fill(harness: &mut AppHarness, label: &str, text: &str) {
    harness.get_by_label(label).click();
    harness.step();
    harness.get_by_label(label).type_text(text);
    harness.step();
}

#[test]
fn adding_a_space_switches_to_it_and_test_connection_names_a_bad_token() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _enter = runtime.enter();
    let home = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();
    let other = runtime
        .block_on(Sandbox::start(SandboxConfig {
            seed: Seed::Empty,
            ..SandboxConfig::default()
        }))
        .unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let setup = setup_for(&home, &profiles);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(|cc| App::new(&cc.egui_ctx, setup).unwrap());
    step_until(&mut harness, "the demo releases", |h| {
        contains(h, "Spring Travel Issue")
    });
    harness.get_by_label("Settings").click();
    step_until(&mut harness, "settings", |h| {
        contains(h, "Add a Contentful space…")
    });
    // Settings says where tokens are kept (owner-only files for this test's store).
    assert!(contains(&harness, "Tokens are kept in"));

    // A profile with a wrong token: switch, then Test connection says what is wrong.
    harness.get_by_label("Add a Contentful space…").click();
    harness.step();
    fill(&mut harness, "Name", "Broken space");
    fill(&mut harness, "Space id", &other.space_id);
    harness.get_by_label("Custom URL").click();
    harness.step();
    fill(&mut harness, "Base URL", other.base_url.as_str());
    fill(&mut harness, "Management token", "CFPAT-wrong");
    // Save tests first: the wrong token is named, nothing is saved until "Save anyway".
    button(&harness, "Save").click();
    step_until(&mut harness, "the failed test", |h| {
        contains(h, "token was rejected") && has_button(h, "Save anyway")
    });
    assert!(harness.state().state.profiles.is_empty());
    button(&harness, "Save anyway").click();
    step_until(&mut harness, "the saved profile", |h| {
        contains(h, "Broken space")
    });
    harness.get_by_label("Broken space").click();
    step_until(&mut harness, "the switch", |h| {
        contains(h, "Broken space ·")
    });
    harness.get_by_label("Test connection").click();
    step_until(&mut harness, "the report", |h| {
        contains(h, "token was rejected")
    });

    // Fix the token through Edit; switching again reaches the other (empty) space.
    harness.get_by_label("Edit…").click();
    harness.step();
    fill(&mut harness, "Management token", &other.token);
    // The right token passes the test, and the form saves by itself.
    button(&harness, "Save").click();
    step_until(&mut harness, "the form saved after its test", |h| {
        !has_button(h, "Save anyway") && !contains(h, "Management token")
    });
    control(&harness, Role::RadioButton, "Local sandbox").click();
    step_until(&mut harness, "back home", |h| {
        contains(h, "Local sandbox ·")
    });
    harness.get_by_label("Broken space").click();
    step_until(&mut harness, "the switch", |h| {
        contains(h, "Broken space ·")
    });
    harness.get_by_label("Test connection").click();
    step_until(&mut harness, "a good report", |h| {
        contains(h, "Releases can be listed")
    });
    harness.get_by_label("Releases").click();
    step_until(&mut harness, "the other space's empty list", |h| {
        contains(h, "No releases here")
    });
    assert!(!contains(&harness, "Spring Travel Issue"));
}

/// Bug: after switching connections the old worker's action poller kept sending the old
/// space's `ActionUpdated` into the new space's state. Now every event carries its worker's
/// epoch, and shutting a worker down ends every task it started.
#[test]
fn a_replaced_worker_stops_following_its_actions_and_stamps_its_events() {
    use release_desk::app::command::Command;
    use release_desk::app::event::{AppEvent, Epoch};
    use release_desk::app::worker::{self, EventSink, WorkerOptions};
    use release_desk::cma::ActionKind;
    use std::time::Duration;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Publishing takes far longer than the test: only a poller that was not stopped could
    // report its end.
    let sandbox = runtime.block_on(crate::support::sandbox_with(|c| {
        c.behaviour.action_delay = Duration::from_secs(30);
    }));
    let profiles = tempfile::tempdir().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = worker::spawn(
        runtime.handle(),
        crate::support::sandbox_client(&sandbox),
        &EventSink::new(tx, || {}),
        WorkerOptions {
            poll_interval: Duration::from_millis(20),
            profiles: ProfileStore::new(profiles.path().to_path_buf()),
            ..WorkerOptions::new(true)
        },
        Epoch(7),
    );
    worker.send(Command::RunReleaseAction {
        id: "release-spring-travel".into(),
        action: ActionKind::Publish,
    });
    let started = loop {
        let stamped = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(stamped.epoch, Some(Epoch(7)), "{:?}", stamped.event);
        if let AppEvent::ActionUpdated(action) = stamped.event {
            break action;
        }
    };
    assert!(!started.status.is_final(), "{:?}", started.status);

    worker.shutdown();
    assert!(worker.is_shut_down());
    // The app drops the replaced handle. Every task of the worker holds the sink; the channel
    // disconnects once all have ended.
    drop(worker);
    loop {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(stamped) => assert!(
                !matches!(&stamped.event, AppEvent::ActionUpdated(a) if a.status.is_final()),
                "the old worker still reports: {:?}",
                stamped.event
            ),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(e) => panic!("the old worker's tasks are still running: {e}"),
        }
    }
}

/// Replacing the connection cancels its work, but not the app's: a profile saved just before
/// the switch is still written, and its events (no epoch) still reach the new state.
#[test]
fn a_profile_saved_right_before_a_switch_is_still_written() {
    use release_desk::app::command::Command;
    use release_desk::app::event::{AppEvent, Epoch};
    use release_desk::app::worker::{self, EventSink, WorkerOptions};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(crate::support::sandbox());
    let profiles = tempfile::tempdir().unwrap();
    let store = ProfileStore::new(profiles.path().to_path_buf());
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = worker::spawn(
        runtime.handle(),
        crate::support::sandbox_client(&sandbox),
        &EventSink::new(tx, || {}),
        WorkerOptions {
            profiles: store.clone(),
            ..WorkerOptions::new(true)
        },
        Epoch(3),
    );
    let profile = Profile {
        id: "prod".into(),
        name: "Production".into(),
        space_id: "abc123".into(),
        environment_id: "master".into(),
        region: RegionSetting::Eu,
        rate_limit: 7,
    };
    worker.send(Command::SaveProfile {
        profile: profile.clone(),
        token: Some(AccessToken::new("CFPAT-token")),
    });
    worker.shutdown();
    drop(worker);
    let mut loaded = None;
    while let Ok(stamped) = rx.recv_timeout(std::time::Duration::from_secs(10)) {
        if let AppEvent::ProfilesLoaded(list) = stamped.event {
            assert_eq!(
                stamped.epoch, None,
                "profiles are the app's, not the connection's"
            );
            loaded = Some(list);
        }
    }
    let loaded = loaded.expect("the saved profiles were reported");
    assert!(
        loaded
            .iter()
            .any(|(p, has_token)| p.id == "prod" && *has_token)
    );
    assert_eq!(store.load().unwrap(), vec![profile]);
}
