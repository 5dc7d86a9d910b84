//! The real app driven through AccessKit with egui_kittest (no GPU, no display), against a
//! sandbox on `127.0.0.1:0`. Asynchronous results are awaited by stepping frames until a
//! condition holds, with a timeout.

use std::time::Duration;

use egui_kittest::kittest::Queryable;
use release_desk::cma::{EntityKind, EntityState, Link, ReleaseBody};
use release_desk::sandbox::SandboxConfig;

use crate::app_support::{AppFixture, has_label, has_label_containing, step_until};
use crate::selectors::{button, controls, has_button};
use egui::accesskit::Role;

type Fixture = AppFixture;

fn fixture() -> Fixture {
    let mut config = SandboxConfig::default();
    config.behaviour.action_delay = Duration::from_millis(30);
    AppFixture::start(config)
}

fn open_release(f: &mut Fixture, title: &str) {
    step_until(&mut f.harness, "the releases list", |h| has_label(h, title));
    f.harness.get_by_label(title).click();
    step_until(&mut f.harness, "the release detail", |h| {
        has_button(h, "Back to releases") && has_button(h, "Validate")
    });
}

#[test]
fn validating_the_failing_release_shows_per_field_errors_in_the_inspector() {
    let mut f = fixture();
    open_release(&mut f, "Election Night Live");
    // Wait for the entries to load so the button is enabled.
    step_until(&mut f.harness, "entries of the release", |h| {
        h.query_all_by_label("draft").count() + h.query_all_by_label("changed").count() > 0
    });
    button(&f.harness, "Validate").click();
    step_until(&mut f.harness, "the failed validation", |h| {
        has_button(h, "Inspect failure")
    });
    button(&f.harness, "Inspect failure").click();
    step_until(&mut f.harness, "the inspector", |h| {
        has_label_containing(h, "entities failed")
    });
    // The seed's documented errors, one per kind, in plain words.
    for expected in [
        "Required, but empty",
        "Too short: 14 characters, at least 20 needed",
        "does not match the required pattern",
        "is not one of the allowed values",
    ] {
        assert!(
            has_label_containing(&f.harness, expected),
            "the inspector does not say '{expected}'"
        );
    }
    assert!(has_label_containing(&f.harness, "body › en-US"));
    // The missing link target is named by its title once resolved by id, not by its id.
    step_until(&mut f.harness, "the link target's title", |h| {
        has_label_containing(h, "Links to 'Jonas Weber'")
    });
}

#[test]
fn publishing_the_valid_release_turns_its_entries_published() {
    let mut f = fixture();
    open_release(&mut f, "Spring Travel Issue");
    step_until(&mut f.harness, "entries of the release", |h| {
        h.query_all_by_label("draft").count() > 0
    });
    button(&f.harness, "Publish…").click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "Publish release?")
    });
    assert!(has_label_containing(&f.harness, "will change"));
    f.harness.get_by_label("Publish").click();
    step_until(&mut f.harness, "every entry published", |h| {
        h.query_all_by_label("published").count() == 10
    });
    assert!(has_label_containing(&f.harness, "publish · succeeded"));
    // And the server agrees.
    let release = f
        .runtime
        .block_on(f.client.get_release("release-spring-travel"))
        .unwrap();
    for link in &release.entities.link_vec() {
        let kind = if link.link_type().as_str() == "Asset" {
            EntityKind::Asset
        } else {
            EntityKind::Entry
        };
        let entity = f
            .runtime
            .block_on(f.client.get_entity(kind, link.id()))
            .unwrap();
        assert_eq!(entity.state(), EntityState::Published, "{}", link.id());
    }
}

#[test]
fn creating_a_release_through_the_dialog() {
    let mut f = fixture();
    step_until(&mut f.harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue")
    });
    button(&f.harness, "New release…").click();
    step_until(&mut f.harness, "the dialog's entry list", |h| {
        has_label(h, "Northern Lights Field Guide")
            || has_label_containing(h, "selected)")
                && h.query_all_by_role(egui::accesskit::Role::CheckBox).count() > 3
    });
    f.harness.get_by_label("Release title").click();
    f.harness
        .get_by_label("Release title")
        .type_text("Winter Launch");
    f.harness.step();
    for i in 0..2 {
        f.harness
            .query_all_by_role(egui::accesskit::Role::CheckBox)
            .nth(i)
            .unwrap()
            .click();
        f.harness.step();
    }
    step_until(&mut f.harness, "two selected", |h| {
        has_label_containing(h, "(2 selected)")
    });
    f.harness.get_by_label("Create release").click();
    step_until(&mut f.harness, "the new release's detail", |h| {
        has_label(h, "Winter Launch") && has_button(h, "Validate")
    });
    let page =
        f.runtime
            .block_on(f.client.query_releases(
                &release_desk::cma::Query::new().set("title[match]", "Winter Launch"),
            ))
            .unwrap()
            .into_known();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].entities.len(), 2);
}

#[test]
fn a_stale_version_shows_the_conflict_and_overwrites_nothing() {
    let mut f = fixture();
    open_release(&mut f, "Spring Travel Issue");
    step_until(&mut f.harness, "entries of the release", |h| {
        controls(h, Role::Button, "Remove from the release").count() == 10
    });
    // Someone else edits the release in the meantime.
    let current = f
        .runtime
        .block_on(f.client.get_release("release-spring-travel"))
        .unwrap();
    let mut body = ReleaseBody::from(&current);
    body.title = "Spring Travel Issue (edited elsewhere)".into();
    body.entities.items.push(Link::entry("cat-travel").into());
    f.runtime
        .block_on(
            f.client
                .update_release("release-spring-travel", current.sys.version, &body),
        )
        .unwrap();
    // The user removes an entry from the stale view.
    controls(&f.harness, Role::Button, "Remove from the release")
        .next()
        .unwrap()
        .click();
    step_until(&mut f.harness, "the conflict notice", |h| {
        has_label_containing(h, "changed by someone else")
    });
    assert!(has_label(&f.harness, "Reload"));
    let after = f
        .runtime
        .block_on(f.client.get_release("release-spring-travel"))
        .unwrap();
    assert_eq!(after.title, "Spring Travel Issue (edited elsewhere)");
    assert_eq!(
        after.entities.items.len(),
        11,
        "the other edit was not overwritten"
    );
    f.harness.get_by_label("Reload").click();
    step_until(&mut f.harness, "the reloaded release", |h| {
        has_label(h, "Spring Travel Issue (edited elsewhere)")
    });
}

#[test]
fn the_keyboard_drives_the_palette_and_the_releases_list() {
    let mut f = fixture();
    step_until(&mut f.harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue")
    });
    // Ctrl+K opens the palette; typing filters; Enter runs the command.
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    step_until(&mut f.harness, "the palette", |h| {
        has_label(h, "Go to Entries")
    });
    f.harness
        .get_by_label("Command filter")
        .type_text("entries");
    f.harness.step();
    f.harness.key_press(egui::Key::Enter);
    step_until(&mut f.harness, "the entries view", |h| {
        has_label(h, "0 selected")
    });
    // Ctrl+1 goes back; arrows move the selection; Enter opens the selected release.
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num1);
    step_until(&mut f.harness, "the releases list again", |h| {
        has_label(h, "Spring Travel Issue")
    });
    f.harness.key_press(egui::Key::ArrowDown);
    f.harness.step();
    f.harness.key_press(egui::Key::Enter);
    step_until(&mut f.harness, "a release detail", |h| {
        has_button(h, "Validate")
    });
}

/// Bug: every keystroke sent `LoadReleases`, and a slow reply for "Sp" could overwrite the one
/// for "Spring". Typing now rests `SEARCH_DEBOUNCE` of input time (the harness's step clock)
/// before one request goes out; the state drops replies to older queries (see the state tests).
#[test]
fn typing_a_search_sends_one_request_once_the_typing_rests() {
    // 50 ms of input time per frame: six keys, one per frame, all within the debounce.
    let mut f = AppFixture::start_stepping(SandboxConfig::default(), 0.05);
    step_until(&mut f.harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue") && has_label(h, "Election Night Live")
    });
    let requested = |f: &Fixture| {
        f.harness
            .state()
            .state
            .releases_query
            .as_ref()
            .map(|q| q.search.clone())
    };
    let mut searches = vec![requested(&f)];
    let mut note = |f: &Fixture| {
        let now = requested(f);
        if searches.last() != Some(&now) {
            searches.push(now);
        }
    };
    f.harness.get_by_label("Search release titles").click();
    f.harness.step();
    for key in ["S", "p", "r", "i", "n", "g"] {
        f.harness
            .get_by_label("Search release titles")
            .type_text(key);
        f.harness.step();
        note(&f);
    }
    for _ in 0..20 {
        f.harness.step();
        note(&f);
    }
    assert_eq!(
        searches,
        vec![Some(String::new()), Some("Spring".to_owned())],
        "one request for the whole word, none per keystroke"
    );
    step_until(&mut f.harness, "the search result", |h| {
        has_label(h, "Spring Travel Issue") && !has_label(h, "Election Night Live")
    });
}
