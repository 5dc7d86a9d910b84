//! Issue 14: the app on a bigger space never loads it whole. The real app against a sandbox on
//! `127.0.0.1:0` with a few hundred extra entries: the entries view pages from the server as
//! the user scrolls, searches on the server, keeps the selection by id across pages and filters
//! and publishes exactly the selected ids; a release's detail shows its entities' titles after
//! loading only those.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use futures_util::{StreamExt, TryStreamExt};
use release_desk::cma::{Client, EntityKind, Link, Query, ReleaseBody};
use release_desk::sandbox::SandboxConfig;

use crate::app_support::{AppFixture, has_label, has_label_containing, step_until};

/// Creates `count` draft categories named "`word` 000" … with their slugs; returns their ids in
/// creation order.
fn create_categories(f: &AppFixture, word: &str, count: usize) -> Vec<String> {
    let client: Client = f.client.clone();
    let word = word.to_owned();
    let mut created: Vec<(usize, String)> = f.runtime.block_on(async move {
        futures_util::stream::iter(0..count)
            .map(|i| {
                let client = client.clone();
                let word = word.clone();
                async move {
                    let mut fields = serde_json::Map::new();
                    fields.insert(
                        "name".into(),
                        serde_json::json!({ "en-US": format!("{word} {i:03}") }),
                    );
                    fields.insert(
                        "slug".into(),
                        serde_json::json!({ "en-US": format!("{}-{i}", word.to_lowercase()) }),
                    );
                    // One at a time per index, so `sys.updatedAt` follows the names.
                    client
                        .create_entry("category", &fields)
                        .await
                        .map(|e| (i, e.sys.id))
                }
            })
            .buffered(1)
            .try_collect()
            .await
            .unwrap()
    });
    created.sort();
    created.into_iter().map(|(_, id)| id).collect()
}

fn open_entries(f: &mut AppFixture) {
    step_until(&mut f.harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue")
    });
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num2);
    step_until(&mut f.harness, "the entries view", |h| {
        has_label(h, "0 selected")
    });
}

fn search_entries(f: &mut AppFixture, words: &str) {
    let search = f.harness.get_by_label("Search entries");
    search.click();
    f.harness.step();
    f.harness.get_by_label("Search entries").type_text(words);
    f.harness.step();
}

/// The row checkboxes on screen (the header's "select the rows in view" is the first).
fn row_checkbox(f: &AppFixture, nth: usize) -> egui_kittest::Node<'_> {
    f.harness
        .query_all_by_role(Role::CheckBox)
        .nth(nth + 1)
        .unwrap()
}

/// Lets go of the keyboard focus a click left on a widget (the table's keys work without it).
fn unfocus(f: &mut AppFixture) {
    f.harness.key_press(egui::Key::Escape);
    f.harness.step();
}

#[test]
fn the_entries_view_pages_searches_and_publishes_exactly_the_selection() {
    let mut f = AppFixture::start(SandboxConfig::default());
    let ids = create_categories(&f, "Zebrafinch", 260);
    open_entries(&mut f);
    // The newest first, from the first page; the total comes from the server.
    step_until(&mut f.harness, "the first rows", |h| {
        has_label(h, "Zebrafinch 259")
    });
    let total_before = f.harness.state().state().entity_view.pages.total.unwrap();
    assert!(total_before > 260, "the demo entries are there too");
    assert!(
        f.harness.state().state().entities.len() <= 200,
        "only the pages in view are loaded, not the space ({} cached)",
        f.harness.state().state().entities.len()
    );

    // Search narrows on the server.
    search_entries(&mut f, "zebrafinch");
    step_until(&mut f.harness, "the server's count of matches", |h| {
        has_label(h, "260 entries")
    });
    // Select the first row (page 0).
    step_until(&mut f.harness, "the first match", |h| {
        has_label(h, "Zebrafinch 259")
    });
    row_checkbox(&f, 0).click();
    step_until(&mut f.harness, "one selected", |h| {
        has_label(h, "1 selected")
    });
    unfocus(&mut f);

    // End scrolls to the last row, on the third page: its rows load as they come into view.
    f.harness.key_press(egui::Key::End);
    step_until(&mut f.harness, "rows beyond the first page", |h| {
        has_label(h, "Zebrafinch 000")
    });
    assert!(
        !has_label(&f.harness, "Zebrafinch 259"),
        "the table scrolled"
    );
    // Space selects the row under the cursor (the last one).
    f.harness.key_press(egui::Key::Space);
    step_until(&mut f.harness, "two selected", |h| {
        has_label(h, "2 selected")
    });

    // Another filter: the selection stays, by id.
    search_entries(&mut f, " nothing-matches-this");
    step_until(&mut f.harness, "the empty state", |h| {
        has_label(h, "No entries match")
    });
    assert!(has_label(&f.harness, "2 selected"));
    f.harness
        .get_by_role_and_label(Role::Button, "Clear filters")
        .click();
    step_until(&mut f.harness, "every entry again", |h| {
        has_label(h, &format!("{total_before} entries"))
    });
    assert!(has_label(&f.harness, "2 selected"));

    // Publish asks first, naming both (one of them is not in the list as filtered now)…
    crate::selectors::button(&f.harness, "Publish…").click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "Publish 2 entries?")
    });
    // …then acts on exactly the two selected ids.
    crate::selectors::button(&f.harness, "Publish 2").click();
    step_until(&mut f.harness, "the bulk publish to succeed", |h| {
        has_label_containing(h, "succeeded")
    });
    let published = f
        .runtime
        .block_on(
            f.client.query_entities(
                EntityKind::Entry,
                &Query::new()
                    .set("query", "zebrafinch")
                    .set("sys.publishedAt[exists]", "true"),
            ),
        )
        .unwrap();
    let mut published: Vec<String> = published.items.into_iter().map(|e| e.sys.id).collect();
    published.sort();
    let mut expected = vec![ids[0].clone(), ids[259].clone()];
    expected.sort();
    assert_eq!(published, expected);
    // Their rows say so, without a reload.
    step_until(&mut f.harness, "the published badge", |h| {
        h.query_all_by_label("published").count() >= 1
    });
}

#[test]
fn a_release_shows_its_entities_titles_without_loading_the_space() {
    let mut f = AppFixture::start(SandboxConfig::default());
    let herons = create_categories(&f, "Heron", 150);
    create_categories(&f, "Kingfisher", 120);
    let body = ReleaseBody::new(
        "Heron week".to_owned(),
        herons.iter().map(|id| Link::entry(id.clone())).collect(),
    );
    f.runtime.block_on(f.client.create_release(&body)).unwrap();
    step_until(&mut f.harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue")
    });
    // Created behind the app's back (no webhook receiver here): Ctrl+R reloads the list.
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::R);
    step_until(&mut f.harness, "the new release in the list", |h| {
        has_label(h, "Heron week")
    });
    f.harness.get_by_label("Heron week").click();
    step_until(&mut f.harness, "the first entity's title", |h| {
        has_label(h, "Heron 000")
    });
    let state = f.harness.state().state();
    assert!(
        herons.iter().all(|id| state
            .entities
            .contains_key(&(EntityKind::Entry, id.clone()))),
        "every entity of the release is loaded"
    );
    assert_eq!(
        state.entities.len(),
        150,
        "and nothing else of the space (not the 120 others, not the demo entries)"
    );
    assert!(state.entity_view.resolving.in_flight.is_empty());
    // "Add entries" searches the server: typing narrows to the matches.
    f.harness.get_by_label("➕ Add entries…").click();
    step_until(&mut f.harness, "the picker's first matches", |h| {
        has_label(h, "Search entries to add")
            && h.query_all_by_role(Role::CheckBox).next().is_some()
    });
    f.harness
        .get_by_label("Search entries to add")
        .type_text("kingfisher 11");
    // The server's matches for "kingfisher 11": Kingfisher 110–119 only.
    step_until(&mut f.harness, "the server's matches", |h| {
        has_label(h, "Kingfisher 110") && !has_label(h, "Kingfisher 000")
    });
    assert!(has_label(&f.harness, "Kingfisher 119"));
}

/// Polite to Contentful: against a sandbox that allows 7 requests a second, the views' bursts
/// (the list and its actions, entry pages, searches, the calendar's range and titles) are
/// absorbed by the client (its rate limiter, and retries after a 429 honouring
/// `X-Contentful-RateLimit-Reset`): the user sees rows, never a rate-limit error.
#[test]
fn a_rate_limited_space_shows_rows_and_no_rate_limit_errors() {
    let config = SandboxConfig {
        rate_limit: std::num::NonZeroU32::new(7),
        ..SandboxConfig::default()
    };
    // The app's client without its own limiter: the worst case, every burst reaches the server.
    let mut f = AppFixture::start_with(config, 0.25, |setup| setup.client.rate_limit = None);
    open_entries(&mut f);
    step_until(&mut f.harness, "the first rows", |h| {
        h.query_all_by_role(Role::CheckBox).count() > 5
    });
    // A burst of searches (each frame moves the input clock past the debounce), then back.
    search_entries(&mut f, "a");
    for letter in ["r", "t", "i"] {
        f.harness.get_by_label("Search entries").type_text(letter);
        f.harness.step();
    }
    for _ in 0..4 {
        f.harness.key_press(egui::Key::Backspace);
        f.harness.step();
    }
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num3);
    f.harness.step();
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num2);
    step_until(&mut f.harness, "rows again", |h| {
        h.query_all_by_role(Role::CheckBox).count() > 5
            && h.state().state().entity_view.pages.loading.is_empty()
    });
    let seen = crate::app_support::labels_seen(&f.harness).join("\n");
    for refused in ["429", "rate limit", "RateLimit", "Loading entries:"] {
        assert!(!seen.contains(refused), "{refused} shown:\n{seen}");
    }
    assert!(f.harness.state().state().entity_view.pages.error.is_none());
}
