//! Titles, not ids (issue "Daily use", item 1): the entity window shows link fields as the
//! linked entries' titles that open them, and the failure inspector names the entities and
//! link targets it knows. Single windows drawn from a hand-made `AppState`; the tests assert
//! what is shown and the intents queued.

use crate::selectors::{control, controls};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::command::Command;
use release_desk::app::event::AppEvent;
use release_desk::app::intents::{Intent, Window};
use release_desk::app::state::AppState;
use release_desk::app::views::ViewCtx;
use release_desk::app::views::entity_detail::EntityDetail;
use release_desk::app::views::inspector::FailureInspector;
use release_desk::cma::{Entity, EntityKind, ReleaseAction};
use serde_json::json;

fn entry(id: &str, fields: serde_json::Value) -> Entity {
    serde_json::from_value(json!({
        "fields": fields,
        "sys": { "type": "Entry", "id": id, "version": 2,
                 "contentType": { "sys": { "type": "Link", "linkType": "ContentType", "id": "article" } } },
    }))
    .unwrap()
}

fn link(link_type: &str, id: &str) -> serde_json::Value {
    json!({ "sys": { "type": "Link", "linkType": link_type, "id": id } })
}

/// A state holding `entities`, as the worker leaves it after resolving them by id.
fn state_with(entities: Vec<Entity>) -> AppState {
    let mut state = AppState::default();
    state.content_types.insert(
        "article".into(),
        serde_json::from_value(json!({
            "name": "Article", "displayField": "title", "fields": [],
            "sys": { "type": "ContentType", "id": "article" },
        }))
        .unwrap(),
    );
    let requested = entities
        .iter()
        .map(|e| (EntityKind::Entry, e.sys.id.clone()))
        .collect();
    let _ = state.apply(AppEvent::EntitiesResolved {
        requested,
        found: entities,
        error: None,
    });
    state
}

/// What a window harness holds: the state it draws from and the intents it pushed.
struct Windowed<W> {
    window: W,
    state: AppState,
    intents: Vec<Intent>,
    seen: usize,
}

fn harness<W: 'static>(
    window: W,
    state: AppState,
    show: fn(&mut W, &egui::Context, &mut ViewCtx<'_>),
) -> Harness<'static, Windowed<W>> {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(
            move |ui, w: &mut Windowed<W>| {
                let ctx = ui.ctx().clone();
                let now = "2026-12-01T12:00:00Z".parse().unwrap();
                let mut cx = ViewCtx::new(&w.state, &mut w.intents, now);
                show(&mut w.window, &ctx, &mut cx);
                // As the app does: each command marks the state (titles asked for are in
                // flight), so a window asks once.
                let sent = w.intents.len();
                for intent in &w.intents[w.seen..sent] {
                    if let Intent::Run(command) = intent {
                        w.state.on_sent(command);
                    }
                }
                w.seen = sent;
            },
            Windowed {
                window,
                state,
                intents: Vec::new(),
                seen: 0,
            },
        )
}

#[test]
fn link_fields_show_titles_that_open_the_linked_entry_and_resolve_unknown_ones() {
    let article = entry(
        "article-1",
        json!({
            "title": { "en-US": "Lisbon by tram" },
            "author": { "en-US": link("Entry", "author-1") },
            "related": { "en-US": [link("Entry", "author-1"), link("Entry", "article-2")] },
        }),
    );
    let author = entry("author-1", json!({ "title": { "en-US": "Jonas Weber" } }));
    let mut h = harness(
        EntityDetail {
            kind: EntityKind::Entry,
            id: "article-1".into(),
        },
        state_with(vec![article, author]),
        |w, ctx, cx| w.show(ctx, cx),
    );
    h.run();
    // The unknown one is asked for once, by id; it shows its id meanwhile.
    assert_eq!(
        h.state().intents,
        vec![Intent::Run(Command::ResolveEntities {
            ids: vec![(EntityKind::Entry, "article-2".into())]
        })]
    );
    assert!(h.query_by_label("article-2").is_some());
    assert!(
        !h.query_all_by_label_contains("\"sys\"").any(|_| true),
        "no raw link JSON"
    );
    // Both the single link and the list name the author; either opens it.
    let authors: Vec<_> = controls(&h, Role::Link, "Jonas Weber").collect();
    assert_eq!(authors.len(), 2);
    authors[0].click();
    h.run();
    assert!(
        h.state().intents.contains(&Intent::Open(Window::Entity(
            EntityKind::Entry,
            "author-1".into()
        ))),
        "{:?}",
        h.state().intents
    );
}

fn failed_action() -> ReleaseAction {
    serde_json::from_value(json!({
        "action": "publish",
        "sys": { "type": "ReleaseAction", "id": "ra1", "status": "failed",
                 "release": link("Release", "r1") },
        "error": { "sys": { "type": "Error", "id": "ValidationFailed" }, "message": "Validation error",
            "details": { "errors": [
                { "entity": link("Entry", "article-1"),
                  "error": { "sys": { "type": "Error", "id": "UnresolvedLinks" }, "message": "Validation error",
                      "details": { "errors": [ { "name": "notResolvable",
                          "link": { "type": "Link", "linkType": "Entry", "id": "author-1" },
                          "path": ["fields", "author", "en-US"] } ] } } }
            ] } },
    }))
    .unwrap()
}

#[test]
fn the_failure_inspector_names_the_failed_entry_and_the_missing_link_target() {
    let article = entry(
        "article-1",
        json!({ "title": { "en-US": "Lisbon by tram" } }),
    );
    let author = entry("author-1", json!({ "title": { "en-US": "Jonas Weber" } }));
    let mut state = state_with(vec![article, author]);
    state
        .release_actions
        .insert("r1".into(), vec![failed_action()]);
    let mut h = harness(FailureInspector::new("ra1".into()), state, |w, ctx, cx| {
        w.show(ctx, cx)
    });
    h.run();
    control(&h, Role::Link, "Lisbon by tram");
    assert!(
        h.query_by_label_contains("Links to 'Jonas Weber', which is missing")
            .is_some()
    );
    assert!(h.query_by_label_contains("author-1").is_none());
    assert!(h.state().intents.is_empty(), "everything was known");
}

#[test]
fn the_failure_inspector_asks_for_unknown_titles_and_shows_ids_meanwhile() {
    let mut state = AppState::default();
    state
        .release_actions
        .insert("r1".into(), vec![failed_action()]);
    let mut h = harness(FailureInspector::new("ra1".into()), state, |w, ctx, cx| {
        w.show(ctx, cx)
    });
    h.run();
    control(&h, Role::Link, "article-1");
    assert!(h.query_by_label_contains("Links to 'author-1'").is_some());
    assert_eq!(
        h.state().intents,
        vec![Intent::Run(Command::ResolveEntities {
            ids: vec![
                (EntityKind::Entry, "article-1".into()),
                (EntityKind::Entry, "author-1".into())
            ]
        })]
    );
}

// ---- The timeline's summaries ---------------------------------------------------------------

/// A stored `Entry.publish` event of `entry_id`, with the summary the journal wrote.
fn entry_published(id: i64, entry_id: &str) -> release_desk::timeline::TimelineEvent {
    use release_desk::timeline::{Causes, Origin, TimelineEvent, Verdict};
    TimelineEvent {
        id,
        received_at: release_desk::cma::Timestamp::from_millis(1_796_126_400_000).unwrap(),
        event_at: None,
        origin: Origin::Receiver,
        source: "sandbox".into(),
        topic: "ContentManagement.Entry.publish".into(),
        entity_type: "Entry".into(),
        action: "publish".into(),
        entity_id: Some(entry_id.into()),
        version: Some(3),
        environment: None,
        action_status: None,
        causes: Causes::default(),
        attempt: 1,
        attempts: 1,
        idempotency_key: None,
        webhook_name: None,
        verdict: Verdict::Verified,
        http_status: 200,
        call_id: None,
        summary: format!("Entry '{entry_id}' published"),
        body_len: 0,
    }
}

struct Timeline {
    view: release_desk::app::views::timeline::TimelineView,
    state: AppState,
    intents: Vec<Intent>,
}

#[test]
fn timeline_summaries_name_known_entries_and_resolve_the_others() {
    let article = entry(
        "article-1",
        json!({ "title": { "en-US": "Lisbon by tram" } }),
    );
    let mut h = Harness::builder()
        .with_size(egui::vec2(1200.0, 700.0))
        .build_ui_state(
            |ui, t: &mut Timeline| {
                let sent = t.intents.len();
                let now = "2026-12-01T12:00:00Z".parse().unwrap();
                let mut cx = ViewCtx::new(&t.state, &mut t.intents, now);
                t.view.ui(ui, &mut cx);
                for intent in &t.intents[sent..] {
                    if let Intent::Run(command) = intent {
                        t.state.on_sent(command);
                    }
                }
            },
            Timeline {
                view: Default::default(),
                state: state_with(vec![article]),
                intents: Vec::new(),
            },
        );
    h.run_steps(2);
    // The journal's answer to the view's first query.
    let generation = h.state().state.timeline.generation;
    h.state_mut()
        .state
        .timeline
        .apply(release_desk::app::timeline::TimelineResult::Reset {
            generation,
            anchor: Some(3),
            total: 3,
            first: vec![
                release_action_started(3, "rel-9"),
                entry_published(2, "article-2"),
                entry_published(1, "article-1"),
            ],
        });
    h.run_steps(2);
    assert!(
        h.query_by_label("Entry 'Lisbon by tram' published")
            .is_some()
    );
    assert!(h.query_by_label("Entry 'article-2' published").is_some());
    let resolves: Vec<_> = h
        .state()
        .intents
        .iter()
        .filter(|i| matches!(i, Intent::Run(Command::ResolveEntities { .. })))
        .collect();
    assert_eq!(
        resolves,
        vec![&Intent::Run(Command::ResolveEntities {
            ids: vec![(EntityKind::Entry, "article-2".into())]
        })]
    );
    // A release the list has not loaded is asked for by id, once, and then named.
    let asked = |h: &Harness<'static, Timeline>| {
        h.state()
            .intents
            .iter()
            .filter(|i| matches!(i, Intent::Run(Command::ResolveReleases { .. })))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        asked(&h),
        vec![Intent::Run(Command::ResolveReleases {
            ids: vec!["rel-9".into()]
        })]
    );
    assert!(
        h.query_by_label("Release action publish on release rel-9 started")
            .is_some()
    );
    let _ = h
        .state_mut()
        .state
        .apply(AppEvent::ReleaseTitlesLoaded(vec![(
            "rel-9".into(),
            "Winter launch".into(),
        )]));
    h.run_steps(2);
    assert!(
        h.query_by_label("Release action publish on release 'Winter launch' started")
            .is_some()
    );
    assert_eq!(asked(&h).len(), 1);
}

/// A `ReleaseAction.create` of a release the journal did not know when it arrived.
fn release_action_started(id: i64, release_id: &str) -> release_desk::timeline::TimelineEvent {
    let mut event = entry_published(id, "ra-1");
    event.topic = "ContentManagement.ReleaseAction.create".into();
    event.entity_type = "ReleaseAction".into();
    event.action = "create".into();
    event.causes.release_id = Some(release_id.into());
    event.summary = format!("Release action publish on release {release_id} started");
    event
}
