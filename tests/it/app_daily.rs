//! Issue 11 (daily use): the real app against a sandbox, one test per bug the kittest harness
//! can show end to end. State-level halves are in `src/app/state/tests.rs`.

use std::time::Duration;

use egui_kittest::kittest::Queryable;
use release_desk::sandbox::SandboxConfig;

use crate::app_support::{AppFixture, has_label, has_label_containing, step_until};

fn fixture() -> AppFixture {
    let mut config = SandboxConfig::default();
    config.behaviour.action_delay = Duration::from_millis(30);
    AppFixture::start(config)
}

fn open_release(f: &mut AppFixture, title: &str) {
    step_until(&mut f.harness, "the releases list", |h| has_label(h, title));
    f.harness.get_by_label(title).click();
    step_until(&mut f.harness, "the release detail", |h| {
        has_label(h, "⏴ Releases") && has_label(h, "✔ Validate")
    });
}

/// Bug 1: deleting a release left the detail on "Loading the release…" forever.
#[test]
fn deleting_a_release_returns_to_the_list() {
    let mut f = fixture();
    open_release(&mut f, "Spring Travel Issue");
    f.harness.get_by_label("🗑 Delete…").click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "Delete release?")
    });
    f.harness.get_by_label("Delete").click();
    step_until(&mut f.harness, "the list without the deleted release", |h| {
        has_label(h, "➕ New release…")
            && has_label(h, "Election Night Live")
            && !has_label(h, "Spring Travel Issue")
    });
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
    f.harness.get_by_label("⬆ Publish…").click();
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
    f.harness.get_by_label("⏴ Releases").click();
    step_until(&mut f.harness, "the active list without it", |h| {
        has_label(h, "Election Night Live") && !has_label(h, "Spring Travel Issue")
    });
}
