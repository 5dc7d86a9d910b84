//! Both release models in the app (spec §10.1): views drawn from a hand-made `AppState` (no
//! backend; the test asserts the intents they queued), and the whole app against a sandbox for
//! a Timeline release whose items publish and unpublish.

use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable, by};
use release_desk::app::command::Command;
use release_desk::app::event::AppEvent;
use release_desk::app::intents::Intent;
use release_desk::app::state::AppState;
use release_desk::app::views::ViewCtx;
use release_desk::app::views::release_detail::ReleaseDetailView;
use release_desk::app::views::releases::ReleasesView;
use release_desk::cma::{
    Decoded, EntityKind, EntityState, ItemAction, Link, Query, Release, ReleaseBody, ReleaseItem,
    Unmodelled,
};
use release_desk::sandbox::SandboxConfig;
use serde_json::json;

use crate::app_support::{AppFixture, has_label, has_label_containing, step_until};
use crate::selectors::{button, controls, has_button};

/// A view under test, the state it draws from and the intents it pushed.
struct Drawn<V> {
    view: V,
    state: AppState,
    intents: Vec<Intent>,
}

fn harness<V: 'static>(
    view: V,
    state: AppState,
    draw: fn(&mut V, &mut egui::Ui, &mut ViewCtx<'_>),
) -> Harness<'static, Drawn<V>> {
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_ui_state(
            move |ui, d: &mut Drawn<V>| {
                let now = "2026-12-01T12:00:00Z".parse().unwrap();
                let before = d.intents.len();
                let mut cx = ViewCtx::new(&d.state, &mut d.intents, now);
                draw(&mut d.view, ui, &mut cx);
                for intent in &d.intents[before..] {
                    if let Intent::Run(command) = intent {
                        d.state.on_sent(command);
                    }
                }
            },
            Drawn {
                view,
                state,
                intents: Vec::new(),
            },
        )
}

fn commands<V>(h: &Harness<'static, Drawn<V>>) -> Vec<Command> {
    h.state()
        .intents
        .iter()
        .filter_map(|i| match i {
            Intent::Run(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn entry(id: &str, title: &str) -> release_desk::cma::Entity {
    serde_json::from_value(json!({
        "fields": { "title": { "en-US": title } },
        "sys": { "type": "Entry", "id": id, "version": 2,
                 "contentType": { "sys": { "type": "Link", "linkType": "ContentType", "id": "article" } } },
    }))
    .unwrap()
}

fn locale(code: &str, default: bool) -> release_desk::cma::Locale {
    serde_json::from_value(json!({"code": code, "name": code, "default": default,
        "sys": {"type": "Locale", "id": code}}))
    .unwrap()
}

/// A Timeline release: one publish item, one unpublish item, one locale-based item and one
/// item the app cannot model.
fn timeline_release() -> Release {
    let link = |id: &str| json!({"sys": {"type": "Link", "linkType": "Entry", "id": id}});
    serde_json::from_value(json!({
        "title": "Autumn relaunch",
        "entities": {"sys": {"type": "Array"}, "items": [
            {"entity": link("e1"), "action": "publish"},
            {"entity": link("e2"), "action": "unpublish"},
            {"entity": link("e3"), "add": {"fields": {"*": ["en-US"]}}, "remove": {"fields": {"*": ["de-DE"]}}},
            {"entity": link("e4"), "when": "tomorrow"},
        ]},
        "metadata": {"withReferences": [{"entity": link("e1")}]},
        "sys": {"type": "Release", "id": "t1", "version": 5, "status": "active",
                "schemaVersion": "Release.v2"},
    }))
    .unwrap()
}

fn timeline_detail() -> Harness<'static, Drawn<ReleaseDetailView>> {
    let mut state = AppState::default();
    let _ = state.apply(AppEvent::SpaceLoaded {
        name: "Northwind".into(),
        content_types: vec![
            serde_json::from_value(json!({
                "sys": { "id": "article", "type": "ContentType" },
                "name": "Article", "displayField": "title", "fields": [],
            }))
            .unwrap(),
        ],
        locales: vec![locale("en-US", true), locale("de-DE", false)],
    });
    let _ = state.apply(AppEvent::ReleaseUpdated(timeline_release()));
    let _ = state.apply(AppEvent::EntitiesResolved {
        requested: ["e1", "e2", "e3", "e4"]
            .map(|id| (EntityKind::Entry, id.to_owned()))
            .to_vec(),
        found: vec![
            entry("e1", "Harvest guide"),
            entry("e2", "Summer menu"),
            entry("e3", "Bilingual brief"),
        ],
        error: None,
    });
    harness(ReleaseDetailView::new("t1".into()), state, |v, ui, cx| {
        v.ui(ui, cx)
    })
}

/// The one release update the view queued.
fn sent_update<V>(h: &Harness<'static, Drawn<V>>) -> ReleaseBody {
    let updates: Vec<ReleaseBody> = commands(h)
        .into_iter()
        .filter_map(|c| match c {
            Command::UpdateRelease { id, version, body } => {
                assert_eq!(
                    (id.as_str(), version),
                    ("t1", 5),
                    "the version the user saw"
                );
                Some(body)
            }
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 1, "one update");
    updates.into_iter().next().unwrap()
}

#[test]
fn toggling_an_items_action_sends_it_flipped_and_everything_else_unchanged() {
    let mut h = timeline_detail();
    h.run_steps(2);
    assert!(has_label_containing_ui(&h, "1 unsupported"));
    assert!(h.query_by_label("Unsupported item").is_some());
    // No release-level unpublish on Timeline.
    assert!(!has_button(&h, "Unpublish…"));
    button(&h, "publish").click();
    h.run_steps(2);
    let body = sent_update(&h);
    let before = timeline_release();
    assert_eq!(
        body.entities.items[0],
        ReleaseItem::action(Link::entry("e1"), ItemAction::Unpublish)
    );
    assert_eq!(body.entities.items[1..], before.entities.items[1..]);
    assert_eq!(
        body.metadata, before.metadata,
        "metadata goes back as it came"
    );
    assert_eq!(
        serde_json::to_value(&body).unwrap()["sys"]["schemaVersion"],
        "Release.v2"
    );
}

#[test]
fn a_locale_chip_moves_that_locale_between_publish_and_unpublish() {
    let mut h = timeline_detail();
    h.run_steps(2);
    button(&h, "de-DE").click();
    h.run_steps(2);
    let body = sent_update(&h);
    let item = &body.entities.items[2];
    assert_eq!(item.added_locales(), ["en-US", "de-DE"]);
    assert!(item.removed_locales().is_empty());
}

#[test]
fn the_publish_confirmation_lists_what_each_item_will_do() {
    let mut h = timeline_detail();
    h.run_steps(2);
    button(&h, "Publish…").click();
    h.run_steps(2);
    for (does, title) in [
        ("publish", "Harvest guide"),
        ("unpublish", "Summer menu"),
        ("publish in en-US · unpublish in de-DE", "Bilingual brief"),
    ] {
        assert!(h.query_by_label(does).is_some(), "says '{does}'");
        assert!(has_label_containing_ui(&h, title), "names '{title}'");
    }
}

#[test]
fn a_page_holding_an_unsupported_release_still_lists_the_others() {
    let mut h = harness(ReleasesView::new(), AppState::default(), |v, ui, cx| {
        v.ui(ui, cx)
    });
    h.run_steps(2);
    let query = commands(&h)
        .into_iter()
        .find_map(|c| match c {
            Command::LoadReleases { query, .. } => Some(query),
            _ => None,
        })
        .expect("the list asked for its first page");
    let page: Vec<Decoded<Release>> = serde_json::from_value(json!([
        {"title": "Spring launch", "entities": {"sys": {"type": "Array"}, "items": []},
         "sys": {"type": "Release", "id": "r1", "version": 1, "status": "active"}},
        {"title": "From the future", "sys": {"type": "Release", "id": "r2", "version": "two"}},
    ]))
    .unwrap();
    let (items, unsupported): (Vec<Release>, Vec<Unmodelled>) = Decoded::split(page);
    let _ = h.state_mut().state.apply(AppEvent::ReleasesLoaded {
        query,
        items,
        unsupported,
        next_cursor: None,
        append: false,
    });
    h.run_steps(2);
    assert!(h.query_by_label("Spring launch").is_some());
    assert!(
        h.query_by_label("Cannot show release 'From the future'")
            .is_some()
    );
}

fn has_label_containing_ui<V>(h: &Harness<'static, Drawn<V>>, text: &str) -> bool {
    // AccessKit keeps a text label's words in its value.
    h.query_all(by().predicate(move |n| {
        n.label()
            .or_else(|| n.value())
            .is_some_and(|l| l.contains(text))
    }))
    .next()
    .is_some()
}

// ---- the whole app against a sandbox -----------------------------------------------------------

/// A Timeline release created next to the demo space: one published entry (to be toggled to
/// unpublish in the app) and one valid draft (which publishes).
fn timeline_fixture() -> (AppFixture, String, String) {
    let mut config = SandboxConfig::default();
    config.behaviour.action_delay = Duration::from_millis(30);
    let f = AppFixture::start(config);
    let (published, draft) = f.runtime.block_on(async {
        let published = f
            .client
            .query_entities(
                EntityKind::Entry,
                &Query::new()
                    .set("sys.publishedAt[exists]", "true")
                    .set("sys.archivedAt[exists]", "false")
                    .set("content_type", "category")
                    .limit(1),
            )
            .await
            .unwrap()
            .items
            .remove(0);
        // The Spring Travel Issue's entries are valid drafts (its publish succeeds); its
        // category links to nothing, so it publishes alone.
        let spring = f.client.get_release("release-spring-travel").await.unwrap();
        let mut draft = None;
        for link in spring
            .entities
            .links()
            .filter(|l| l.link_type().as_str() == "Entry")
        {
            let e = f
                .client
                .get_entity(EntityKind::Entry, link.id())
                .await
                .unwrap();
            if e.sys
                .content_type
                .as_ref()
                .is_some_and(|ct| ct.id() == "category")
            {
                draft = Some(link.clone());
            }
        }
        let draft = draft.expect("a draft category in the Spring Travel Issue");
        (Link::entry(published.sys.id.clone()), draft)
    });
    f.runtime
        .block_on(f.client.create_release(&ReleaseBody::timeline(
            "Timeline toggle test",
            vec![
                ReleaseItem::action(published.clone(), ItemAction::Publish),
                ReleaseItem::action(draft.clone(), ItemAction::Publish),
            ],
        )))
        .unwrap();
    (f, published.id().to_owned(), draft.id().to_owned())
}

#[test]
fn toggling_one_item_to_unpublish_then_publishing_applies_each_items_action() {
    let (mut f, published, draft) = timeline_fixture();
    // The list shows Timeline releases (the space now holds both models).
    step_until(&mut f.harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue") || has_label(h, "Timeline toggle test")
    });
    if !has_label(&f.harness, "Timeline toggle test") {
        button(&f.harness, "Reload the list").click();
        step_until(&mut f.harness, "the model switch", |h| {
            has_label(h, "Show Timeline releases") || has_label(h, "Timeline toggle test")
        });
        if !has_label(&f.harness, "Timeline toggle test") {
            f.harness.get_by_label("Show Timeline releases").click();
        }
    }
    step_until(&mut f.harness, "the Timeline release", |h| {
        has_label(h, "Timeline toggle test")
    });
    f.harness.get_by_label("Timeline toggle test").click();
    step_until(&mut f.harness, "its items", |h| {
        controls(h, Role::Button, "publish").count() == 2 && has_button(h, "Validate")
    });
    // The first item is the published entry: make the release unpublish it.
    controls(&f.harness, Role::Button, "publish")
        .next()
        .unwrap()
        .click();
    step_until(&mut f.harness, "the saved toggle", |h| {
        controls(h, Role::Button, "unpublish").count() == 1
            && controls(h, Role::Button, "publish").count() == 1
    });
    button(&f.harness, "Publish…").click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "Publish release?")
    });
    f.harness.get_by_label("Publish").click();
    step_until(&mut f.harness, "the publish to succeed", |h| {
        has_label_containing(h, "publish · succeeded")
    });
    let (unpublished, published_now) = f.runtime.block_on(async {
        (
            f.client
                .get_entity(EntityKind::Entry, &published)
                .await
                .unwrap(),
            f.client
                .get_entity(EntityKind::Entry, &draft)
                .await
                .unwrap(),
        )
    });
    assert_eq!(
        unpublished.state(),
        EntityState::Draft,
        "toggled to unpublish"
    );
    assert_eq!(published_now.state(), EntityState::Published);
}

/// Locale-based publishing end to end: the demo in locale mode, its Timeline release shows one
/// chip per locale; taking German out of one item and publishing leaves that entry published
/// in English only.
#[test]
fn a_locale_chip_then_publish_publishes_only_the_chosen_locales() {
    let mut config = SandboxConfig::default();
    config.behaviour.action_delay = Duration::from_millis(30);
    config.publishing = release_desk::sandbox::timeline::PublishingMode::Locale;
    let mut f = AppFixture::start(config);
    step_until(&mut f.harness, "the model switch", |h| {
        has_label(h, "Show Timeline releases")
    });
    f.harness.get_by_label("Show Timeline releases").click();
    let title = "German Edition (Timeline, by locale)";
    step_until(&mut f.harness, "the locale-based release", |h| {
        has_label(h, title)
    });
    f.harness.get_by_label(title).click();
    step_until(&mut f.harness, "its locale chips", |h| {
        controls(h, Role::Button, "de-DE").count() == 2 && has_button(h, "Validate")
    });
    // The first item (Lisbon by Tram) publishes every locale: take German out.
    controls(&f.harness, Role::Button, "de-DE")
        .next()
        .unwrap()
        .click();
    step_until(&mut f.harness, "the saved chip", |h| {
        has_label(h, "version 2")
    });
    button(&f.harness, "Publish…").click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "publish in en-US · unpublish in de-DE")
    });
    f.harness.get_by_label("Publish").click();
    step_until(&mut f.harness, "the publish to succeed", |h| {
        has_label_containing(h, "publish · succeeded")
    });
    let lisbon = f
        .runtime
        .block_on(
            f.client
                .get_entity(EntityKind::Entry, "article-lisbon-by-tram"),
        )
        .unwrap();
    let status = &lisbon.sys.extra["fieldStatus"]["*"];
    assert_eq!(status["en-US"], "published", "{status}");
    assert_ne!(status["de-DE"], "published", "{status}");
}

/// Settings → Reset sandbox… offers the publishing mode; "By locale" brings the demo back in
/// locale-based publishing (its Timeline release then has locale sets).
#[test]
fn resetting_the_demo_by_locale_switches_the_publishing_mode() {
    let (mut f, _, _) = timeline_fixture();
    step_until(&mut f.harness, "the navigation", |h| {
        has_label(h, "Settings")
    });
    f.harness.get_by_label("Settings").click();
    step_until(&mut f.harness, "the reset button", |h| {
        has_button(h, "Reset sandbox…")
    });
    button(&f.harness, "Reset sandbox…").click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "By locale")
    });
    f.harness.get_by_label("By locale").click();
    f.harness.run_steps(2);
    button(&f.harness, "Reset").click();
    let v2 = Query::new().set("sys.schemaVersion", "Release.v2");
    step_until(&mut f.harness, "the space reset by locale", |h| {
        h.state().state.release_model.locale_based
    });
    let page = f
        .runtime
        .block_on(f.client.query_releases(&v2))
        .unwrap()
        .into_known();
    let ids: Vec<&str> = page.items.iter().map(|r| r.sys.id.as_str()).collect();
    assert_eq!(ids, ["release-timeline-german-edition"]);
}
