//! Unit tests of the parent module: small hand-made spaces, one rule per test.

use serde_json::{Value, json};

use super::*;
use crate::cma::{
    ActionKind, ActionStatus, ContentType, EntityState, ErrorId, ItemAction, Locale, ReleaseItem,
    Timestamp,
};

fn link_json(link_type: &str, id: &str) -> Value {
    json!({"sys": {"type": "Link", "linkType": link_type, "id": id}})
}

fn content_types() -> Vec<ContentType> {
    serde_json::from_value(json!([
        {"sys": {"type": "ContentType", "id": "article"}, "name": "Article", "displayField": "title",
         "fields": [
            {"id": "title", "name": "Title", "type": "Symbol", "localized": true, "required": true},
            {"id": "author", "name": "Author", "type": "Link", "linkType": "Entry", "localized": false, "required": false},
            {"id": "related", "name": "Related", "type": "Array", "localized": false, "required": false,
             "items": {"type": "Link", "linkType": "Entry"}}
         ]},
        {"sys": {"type": "ContentType", "id": "author"}, "name": "Author", "displayField": "name",
         "fields": [
            {"id": "name", "name": "Name", "type": "Symbol", "localized": false, "required": true},
            {"id": "team", "name": "Team", "type": "Link", "linkType": "Entry", "localized": false, "required": false}
         ]}
    ]))
    .expect("content types")
}

fn locales() -> Vec<Locale> {
    serde_json::from_value(json!([
        {"code": "en-US", "name": "English", "default": true, "optional": false},
        {"code": "de-DE", "name": "German", "default": false, "optional": false}
    ]))
    .expect("locales")
}

/// An entry in `state` (`draft`, `published`, `changed`, `archived`), updated at `updated`
/// (milliseconds).
fn entry(id: &str, ct: &str, state: &str, fields: Value) -> Entity {
    let mut sys = json!({"type": "Entry", "id": id,
        "contentType": link_json("ContentType", ct), "updatedAt": "2026-12-01T10:00:00Z"});
    match state {
        "published" => {
            sys["version"] = json!(2);
            sys["publishedVersion"] = json!(1);
        }
        "changed" => {
            sys["version"] = json!(4);
            sys["publishedVersion"] = json!(1);
        }
        "archived" => {
            sys["version"] = json!(2);
            sys["archivedVersion"] = json!(1);
        }
        _ => sys["version"] = json!(1),
    }
    serde_json::from_value(json!({"sys": sys, "fields": fields})).expect("entry")
}

fn article(id: &str, state: &str, author: Option<&str>) -> Entity {
    let mut fields =
        json!({"title": {"en-US": format!("Title of {id}"), "de-DE": format!("Titel von {id}")}});
    if let Some(author) = author {
        fields["author"] = json!({"en-US": link_json("Entry", author)});
    }
    entry(id, "article", state, fields)
}

fn author(id: &str, state: &str) -> Entity {
    entry(
        id,
        "author",
        state,
        json!({"name": {"en-US": format!("Name of {id}")}}),
    )
}

fn snapshot(entities: Vec<Entity>) -> Snapshot {
    let mut s = Snapshot::new(content_types(), locales());
    for e in entities {
        s.insert(e);
    }
    s
}

fn launch(id: &str, links: &[&str]) -> Release {
    let items: Vec<Value> = links.iter().map(|l| link_json("Entry", l)).collect();
    release(id, items, false)
}

fn timeline(id: &str, items: Vec<Value>) -> Release {
    release(id, items, true)
}

fn release(id: &str, items: Vec<Value>, timeline: bool) -> Release {
    let mut sys = json!({"type": "Release", "id": id, "version": 3, "status": "active",
        "updatedAt": "2026-12-01T09:00:00Z"});
    if timeline {
        sys["schemaVersion"] = json!("Release.v2");
    }
    serde_json::from_value(json!({"title": id, "sys": sys,
        "entities": {"sys": {"type": "Array"}, "items": items}}))
    .expect("release")
}

fn item(id: &str, action: &str) -> Value {
    json!({"entity": link_json("Entry", id), "action": action})
}

fn assess_simple(release: &Release, snapshot: &Snapshot) -> Assessment {
    assess(release, snapshot, &Facts::default(), &[])
}

// ---------------------------------------------------------------- preflight

#[test]
fn a_valid_release_is_ready_and_one_linking_a_member_resolves() {
    let s = snapshot(vec![
        article("a1", "draft", Some("p1")),
        author("p1", "draft"),
    ]);
    let r = launch("r", &["a1", "p1"]);
    let a = assess_simple(&r, &s);
    assert_eq!(a.report.problems, []);
    assert_eq!(a.report.missing, []);
    assert_eq!(a.readiness, Readiness::Ready);
}

#[test]
fn a_linked_draft_outside_the_release_is_a_missing_reference_add_them_fixes() {
    let s = snapshot(vec![
        article("a1", "draft", Some("p1")),
        author("p1", "draft"),
    ]);
    let r = launch("r", &["a1"]);
    let a = assess_simple(&r, &s);
    assert_eq!(a.report.problems.len(), 1);
    assert_eq!(a.report.problems[0].error.sys.id, ErrorId::UnresolvedLinks);
    assert_eq!(a.report.missing.len(), 1);
    let m = &a.report.missing[0];
    assert_eq!(
        (
            m.link.id(),
            m.title.as_deref(),
            m.state,
            m.linked_from.id(),
            m.depth
        ),
        ("p1", Some("Name of p1"), Some(EntityState::Draft), "a1", 1)
    );
    assert_eq!(a.readiness, Readiness::MissingReferences { count: 1 });
    assert_eq!(a.readiness.label(), "Missing references (1)");
    assert!(a.readiness.would_fail());

    let body =
        add_references(&r, &a.report.addable(), &["en-US".into(), "de-DE".into()]).expect("adds");
    assert_eq!(
        body.entities
            .link_vec()
            .iter()
            .map(Link::id)
            .collect::<Vec<_>>(),
        ["a1", "p1"]
    );
    assert!(matches!(body.entities.items[1], ReleaseItem::Link(_)));
}

#[test]
fn the_closure_follows_drafts_but_not_published_targets() {
    // a1 → p1 (draft) → team t1 (draft): both missing; a2 → p2 (published) → t2 (draft): fine,
    // p2's links were checked when it was published.
    let mut p1 = author("p1", "draft");
    p1.fields
        .insert("team".into(), json!({"en-US": link_json("Entry", "t1")}));
    let mut p2 = author("p2", "published");
    p2.fields
        .insert("team".into(), json!({"en-US": link_json("Entry", "t2")}));
    let s = snapshot(vec![
        article("a1", "draft", Some("p1")),
        article("a2", "draft", Some("p2")),
        p1,
        p2,
        author("t1", "draft"),
        author("t2", "draft"),
    ]);
    let a = assess_simple(&launch("r", &["a1", "a2"]), &s);
    let found: Vec<_> = a
        .report
        .missing
        .iter()
        .map(|m| (m.link.id(), m.depth))
        .collect();
    assert_eq!(found, [("p1", 1), ("t1", 2)]);
}

#[test]
fn archived_or_missing_targets_block_since_adding_them_cannot_help() {
    let s = snapshot(vec![
        article("a1", "draft", Some("gone")),
        article("a2", "draft", Some("old")),
        author("old", "archived"),
    ]);
    let a = assess_simple(&launch("r", &["a1", "a2"]), &s);
    assert_eq!(a.report.addable(), []);
    assert_eq!(a.readiness, Readiness::Blocked { problems: 2 });
    assert_eq!(a.readiness.label(), "Blocked (2 problems)");
}

#[test]
fn field_problems_read_like_a_publish_and_missing_members_are_not_found() {
    let mut bad = article("a1", "draft", None);
    bad.fields.remove("title");
    let s = snapshot(vec![bad]);
    let a = assess_simple(&launch("r", &["a1", "nowhere"]), &s);
    let ids: Vec<_> = a
        .report
        .problems
        .iter()
        .map(|e| e.error.sys.id.clone())
        .collect();
    assert_eq!(ids, [ErrorId::InvalidEntry, ErrorId::NotFound]);
    // Title is required in en-US and in de-DE (not optional): two field problems + one entity.
    assert_eq!(a.report.problem_count(), 3);
    let paths: Vec<String> = a.report.problems[0]
        .error
        .field_errors()
        .iter()
        .map(|f| f.path_string())
        .collect();
    assert_eq!(paths, ["fields.title.en-US", "fields.title.de-DE"]);
    let body = a.report.error_body().expect("a body");
    assert_eq!(body.sys.id, ErrorId::ValidationFailed);
    assert_eq!(body.entity_errors().len(), 2);
}

// ---------------------------------------------------------------- timeline

#[test]
fn timeline_items_are_checked_for_their_own_action() {
    // The unpublish item is not valid, but unpublishing runs no field checks; the publish item
    // links to the author the release unpublishes, which then does not resolve.
    let mut broken = article("a2", "published", None);
    broken.fields.remove("title");
    let s = snapshot(vec![
        article("a1", "draft", Some("p1")),
        author("p1", "published"),
        broken,
    ]);
    let r = timeline(
        "r",
        vec![
            item("a1", "publish"),
            item("p1", "unpublish"),
            item("a2", "unpublish"),
        ],
    );
    let pre = Preflight::new(&r, &s);
    assert!(pre.publishes(&Link::entry("a1")));
    assert!(!pre.publishes(&Link::entry("a2")));
    let a = assess_simple(&r, &s);
    assert_eq!(a.report.problems.len(), 1, "{:?}", a.report.problems);
    assert_eq!(
        a.report.problems[0].entity.as_ref().map(Link::id),
        Some("a1")
    );
    // p1 exists and is published, but the release unpublishes it: not addable, so blocked.
    assert_eq!(a.readiness, Readiness::Blocked { problems: 1 });

    let fine = timeline("r2", vec![item("a2", "unpublish")]);
    assert_eq!(assess_simple(&fine, &s).readiness, Readiness::Ready);
}

#[test]
fn locale_items_are_checked_in_their_add_locales_only() {
    let mut half = article("a1", "draft", None);
    half.fields
        .insert("title".into(), json!({"en-US": "Only English"}));
    let s = snapshot(vec![half]);
    let locales_item = |add: &[&str], remove: &[&str]| {
        json!({"entity": link_json("Entry", "a1"),
            "add": {"fields": {"*": add}}, "remove": {"fields": {"*": remove}}})
    };
    let en = timeline("r", vec![locales_item(&["en-US"], &["de-DE"])]);
    assert_eq!(assess_simple(&en, &s).readiness, Readiness::Ready);
    let both = timeline("r", vec![locales_item(&["en-US", "de-DE"], &[])]);
    let a = assess_simple(&both, &s);
    assert_eq!(a.readiness, Readiness::Blocked { problems: 1 });
    assert_eq!(
        a.report.problems[0].error.field_errors()[0].path_string(),
        "fields.title.de-DE"
    );
}

#[test]
fn add_them_mirrors_the_release_style_and_refuses_past_the_limit() {
    let all = ["en-US".to_owned(), "de-DE".to_owned()];
    let p1 = [Link::entry("p1")];
    let entry_based = timeline("r", vec![item("a1", "publish")]);
    let body = add_references(&entry_based, &p1, &all).expect("adds");
    assert_eq!(
        body.entities.items[1],
        ReleaseItem::action(Link::entry("p1"), ItemAction::Publish)
    );
    assert!(body.names_schema(), "a Timeline body re-sends its schema");

    let locale_based = timeline(
        "r",
        vec![json!({"entity": link_json("Entry", "a1"),
            "add": {"fields": {"*": ["de-DE"]}}, "remove": {"fields": {"*": ["en-US"]}}})],
    );
    let body = add_references(&locale_based, &p1, &all).expect("adds");
    assert_eq!(body.entities.items[1].added_locales(), ["de-DE"]);
    assert_eq!(body.entities.items[1].removed_locales(), ["en-US"]);

    let held = launch("r", &["a1", "p1"]);
    assert_eq!(
        add_references(&held, &p1, &all),
        Err(AddReferencesError::NothingToAdd)
    );

    let ids: Vec<String> = (0..199).map(|i| format!("e{i}")).collect();
    let full = launch("big", &ids.iter().map(String::as_str).collect::<Vec<_>>());
    let two = [Link::entry("x"), Link::entry("y")];
    let err = add_references(&full, &two, &all).expect_err("too many");
    assert_eq!(
        err,
        AddReferencesError::TooMany {
            adding: 2,
            total: 201,
            limit: 200
        }
    );
    assert!(err.to_string().contains("at most 200"), "{err}");
    assert!(add_references(&full, &two[..1], &all).is_ok());

    let mut archived = launch("r", &["a1"]);
    archived.sys.status = crate::cma::ReleaseStatus::Archived;
    assert_eq!(
        add_references(&archived, &p1, &all),
        Err(AddReferencesError::Archived)
    );
}

#[test]
fn unpublishing_lists_published_entries_outside_the_release_that_link_to_it() {
    let s = snapshot(vec![author("p1", "published")]);
    let r = timeline("r", vec![item("p1", "unpublish"), item("a3", "publish")]);
    let linking = vec![(
        Link::entry("p1"),
        vec![
            article("a1", "published", Some("p1")),
            article("a2", "draft", Some("p1")),
            article("a3", "changed", Some("p1")),
        ],
    )];
    let a = assess(&r, &s, &Facts::default(), &linking);
    let found: Vec<_> = a
        .report
        .dangling
        .iter()
        .map(|d| (d.from.id(), d.to.id()))
        .collect();
    // a2 is a draft (nothing published links), a3 is in the release.
    assert_eq!(found, [("a1", "p1")]);
    assert_eq!(
        a.report.dangling[0].from_title.as_deref(),
        Some("Title of a1")
    );
}

// ---------------------------------------------------------------- verdict

fn at(s: &str) -> Timestamp {
    Timestamp(s.parse().expect("instant"))
}

#[test]
fn the_verdict_follows_its_precedence() {
    let s = snapshot(vec![article("a1", "draft", None)]);
    let ready = launch("r", &["a1"]);
    let run = |action, status, when: &str| LastRun {
        action,
        status,
        at: Some(at(when)),
    };
    let failed_after_changes = Facts {
        last_run: Some(run(
            ActionKind::Publish,
            ActionStatus::Failed,
            "2026-12-01T11:00:00Z",
        )),
        ..Facts::default()
    };
    assert_eq!(
        assess(&ready, &s, &failed_after_changes, &[]).readiness,
        Readiness::LastRunFailed,
        "nothing changed after the failed run"
    );
    let failed_before_changes = Facts {
        last_run: Some(run(
            ActionKind::Validate,
            ActionStatus::Failed,
            "2026-12-01T08:00:00Z",
        )),
        ..Facts::default()
    };
    assert_eq!(
        assess(&ready, &s, &failed_before_changes, &[]).readiness,
        Readiness::Ready,
        "an entity changed since: the fresh check wins"
    );
    let scheduled = Facts {
        next_schedule: Some(NextSchedule {
            at: at("2026-12-03T08:00:00Z"),
            zone: Some("Europe/Berlin".into()),
        }),
        ..Facts::default()
    };
    assert_eq!(
        assess(&ready, &s, &scheduled, &[]).readiness,
        Readiness::Scheduled {
            at: at("2026-12-03T08:00:00Z"),
            zone: Some("Europe/Berlin".into())
        }
    );
    assert_eq!(
        assess(&launch("e", &[]), &s, &scheduled, &[]).readiness,
        Readiness::Empty
    );
    let mut published = ready.clone();
    published.sys.status = crate::cma::ReleaseStatus::Archived;
    let done = Facts {
        last_run: Some(run(
            ActionKind::Publish,
            ActionStatus::Succeeded,
            "2026-12-01T11:00:00Z",
        )),
        ..Facts::default()
    };
    assert_eq!(
        assess(&published, &s, &done, &[]).readiness,
        Readiness::Published
    );
}

// ---------------------------------------------------------------- changes

#[test]
fn the_diff_shows_changed_fields_only_per_locale() {
    let ct = &content_types()[0];
    let before = article("a1", "published", Some("p1"));
    let mut after = before.clone();
    after.fields["title"]["de-DE"] = json!("Neuer Titel");
    after.fields.insert(
        "related".into(),
        json!({"en-US": [link_json("Entry", "x1"), link_json("Entry", "x2")]}),
    );
    let d = diff_entry(&after, Some(&before), Some(ct), &locales(), false);
    assert_eq!(d.change, EntryChange::Changed);
    let fields: Vec<_> = d
        .fields
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.locale.as_str(),
                f.published.clone(),
                f.draft.clone(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            (
                "Title",
                "de-DE",
                Some(DiffValue::Text("Titel von a1".into())),
                Some(DiffValue::Text("Neuer Titel".into()))
            ),
            (
                "Related",
                "en-US",
                None,
                Some(DiffValue::Links(vec![Link::entry("x1"), Link::entry("x2")]))
            ),
        ]
    );
    let same = diff_entry(&before, Some(&before), Some(ct), &locales(), false);
    assert_eq!(
        (same.change, same.fields.len()),
        (EntryChange::Unchanged, 0)
    );
    let new = diff_entry(&after, None, Some(ct), &locales(), false);
    assert_eq!(new.change, EntryChange::New);
    assert_eq!(
        new.fields.len(),
        4,
        "title ×2, author, related: {:?}",
        new.fields
    );
    let gone = diff_entry(&after, Some(&before), Some(ct), &locales(), true);
    assert_eq!(
        (gone.change, gone.fields.len()),
        (EntryChange::Unpublished, 0)
    );
}

#[test]
fn release_changes_mark_timeline_unpublish_items_and_skip_assets() {
    let a1 = article("a1", "changed", None);
    let mut a1_published = a1.clone();
    a1_published.fields["title"]["en-US"] = json!("Old");
    let a2 = article("a2", "published", None);
    let r = timeline(
        "r",
        vec![
            item("a1", "publish"),
            item("a2", "unpublish"),
            json!({"entity": link_json("Asset", "s1"), "action": "publish"}),
        ],
    );
    let cts: std::collections::HashMap<_, _> = content_types()
        .into_iter()
        .map(|c| (c.sys.id.clone(), c))
        .collect();
    let diffs = release_changes(&r, &[a1, a2.clone()], &[a1_published, a2], &cts, &locales());
    let summary: Vec<_> = diffs
        .iter()
        .map(|d| (d.link.id(), d.change, d.fields.len()))
        .collect();
    assert_eq!(
        summary,
        [
            ("a1", EntryChange::Changed, 1),
            ("a2", EntryChange::Unpublished, 0)
        ]
    );
}

#[test]
fn rich_text_reads_as_text() {
    let doc = json!({"nodeType": "document", "content": [
        {"nodeType": "paragraph", "content": [{"nodeType": "text", "value": "Hello "}, {"nodeType": "text", "value": "world"}]},
        {"nodeType": "paragraph", "content": [{"nodeType": "text", "value": "Second"}]}
    ]});
    assert_eq!(
        changes::diff_value(&doc),
        DiffValue::Text("Hello world\nSecond".into())
    );
    assert_eq!(
        changes::diff_value(&json!({"lat": 1, "lon": 2})),
        DiffValue::Json("{\"lat\":1,\"lon\":2}".into())
    );
}
