//! Rehearsing on a copy (issue 13 §4) through the app: Settings → "Copy this space into the
//! sandbox" reads a connected space and switches to the sandbox holding it; Settings → "Load a
//! space export into the sandbox…" replaces the sandbox's space with an export file (a file
//! that is not an export changes nothing: `sandbox_load.rs` checks that over HTTP).

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::App;
use release_desk::app::state::ConnectionInfo;
use release_desk::app::worker::FileChoice;
use release_desk::cma::{Client, EntityKind, Query};
use release_desk::sandbox::seed::Seed;
use release_desk::sandbox::{Sandbox, SandboxConfig};

use crate::app_support::{
    AppHarness, has_label, has_label_containing, runtime, setup_for, step_until,
};
use crate::selectors::{button, has_button};

fn open_settings(harness: &mut AppHarness) {
    harness.get_by_label("Settings").click();
    step_until(harness, "settings", |h| {
        has_label_containing(h, "Rehearse on a copy")
    });
}

#[test]
fn a_connected_space_is_copied_into_the_sandbox_and_the_app_switches_to_it() {
    let runtime = runtime();
    let _enter = runtime.enter();
    // "Production" is a demo sandbox standing in for a real space; the local one is empty.
    let production = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();
    let local = runtime
        .block_on(Sandbox::start(SandboxConfig {
            seed: Seed::Empty,
            ..SandboxConfig::default()
        }))
        .unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let mut setup = setup_for(&production, &profiles);
    setup.connection = ConnectionInfo {
        profile: "Production".into(),
        is_sandbox: false,
        ..setup.connection
    };
    setup.worker.is_sandbox = false;
    let local_setup = setup_for(&local, &profiles);
    setup.worker.sandbox = Some((Box::new(local_setup.client), local_setup.connection));
    let mut harness: AppHarness = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(|cc| App::new(&cc.egui_ctx, setup).unwrap());
    step_until(&mut harness, "the production releases", |h| {
        has_label_containing(h, "Spring Travel Issue")
    });
    open_settings(&mut harness);
    button(&harness, "Copy this space into the sandbox…").click();
    step_until(&mut harness, "the confirmation", |h| {
        has_button(h, "Copy into the sandbox")
    });
    button(&harness, "Copy into the sandbox").click();
    step_until(
        &mut harness,
        "the switch to the sandbox with the copy",
        |h| {
            h.state()
                .state
                .connection
                .as_ref()
                .is_some_and(|c| c.is_sandbox)
                && has_label_containing(h, "Last load: space")
        },
    );
    // The sandbox holds production's entries and releases; production is untouched.
    let count = |sandbox: &Sandbox| {
        let client = Client::new(sandbox.client_config()).unwrap();
        runtime.block_on(async move {
            let entries = client
                .query_entities(EntityKind::Entry, &Query::new().limit(1))
                .await
                .unwrap()
                .total;
            let releases = client
                .query_releases(&Query::new().limit(100))
                .await
                .unwrap()
                .into_known()
                .items
                .len();
            (entries, releases)
        })
    };
    let copied = count(&local);
    assert_eq!(copied, count(&production));
    assert!(copied.0 > 10 && copied.1 > 2, "{copied:?}");
    // A click that lands while the switch's notices still settle can be lost: click again
    // until the Releases view shows (under load this took more than one frame).
    for _ in 0..20 {
        if has_label(&harness, "Search release titles") {
            break;
        }
        harness.get_by_label("Releases").click();
        for _ in 0..5 {
            harness.step();
            std::thread::sleep(std::time::Duration::from_millis(15));
        }
    }
    step_until(&mut harness, "the copied releases in the sandbox", |h| {
        has_label_containing(h, "Spring Travel Issue")
    });
}

#[test]
fn an_export_file_replaces_the_sandbox_and_lists_what_was_skipped() {
    let runtime = runtime();
    let _enter = runtime.enter();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("tiny-export.json");
    std::fs::write(
        &export,
        serde_json::to_vec(&serde_json::json!({
            "locales": [{"code": "en-US", "name": "English", "default": true, "sys": {"id": "en"}}],
            "contentTypes": [{"sys": {"id": "memo", "publishedVersion": 1}, "name": "Memo",
                "displayField": "title", "fields": [{"id": "title", "name": "Title",
                "type": "Symbol", "localized": false, "required": false, "validations": []}]}],
            "entries": [{"sys": {"id": "memo-1", "publishedVersion": 1,
                "contentType": {"sys": {"type": "Link", "linkType": "ContentType", "id": "memo"}}},
                "fields": {"title": {"en-US": "Rehearsal memo"}}},
                {"sys": {"id": "memo-2",
                "contentType": {"sys": {"type": "Link", "linkType": "ContentType", "id": "gone"}}},
                "fields": {}}]
        }))
        .unwrap(),
    )
    .unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let mut setup = setup_for(&sandbox, &profiles);
    setup.worker.file_choice = FileChoice::Given(export);
    let mut harness: AppHarness = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(|cc| App::new(&cc.egui_ctx, setup).unwrap());
    step_until(&mut harness, "the demo releases", |h| {
        has_label_containing(h, "Spring Travel Issue")
    });
    open_settings(&mut harness);
    button(&harness, "Load a space export into the sandbox…").click();
    step_until(&mut harness, "the confirmation", |h| {
        has_button(h, "Choose the export…")
    });
    button(&harness, "Choose the export…").click();
    step_until(&mut harness, "the load report", |h| {
        has_label_containing(h, "Last load: tiny-export.json")
    });
    assert!(has_label_containing(&harness, "1 items were skipped"));
    let client = Client::new(sandbox.client_config()).unwrap();
    let entries = runtime
        .block_on(client.query_entities(EntityKind::Entry, &Query::new()))
        .unwrap();
    assert_eq!(entries.total, 1);
    assert_eq!(entries.items[0].sys.id, "memo-1");
}
