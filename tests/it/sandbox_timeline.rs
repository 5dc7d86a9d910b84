//! Timeline (`Release.v2`) releases and bulk actions v2 in the sandbox (spec §10), over real
//! HTTP with the project's client: per-item publish and unpublish, all-or-nothing, the item
//! rules, the schema partition of lists, the Launch-only operations refused, and locale-based
//! publishing (`sys.fieldStatus` per locale).

use futures_util::TryStreamExt;
use release_desk::cma::*;
use release_desk::sandbox::timeline::PublishingMode;
use serde_json::{Value, json};

use crate::support::{fast_poll, known, sandbox, sandbox_client, sandbox_with};

/// Valid drafts whose links are all published.
const CIDER: &str = "article-hudson-valley-cider";
const OUTDOORS: &str = "cat-outdoors";
/// A published article.
const GIVEAWAY: &str = "article-design-week-giveaway";
/// A draft that fails the publish checks (`body` is required).
const LIVE_BLOG: &str = "article-election-live-blog";
/// The demo's Timeline release (entry-based publishing).
const SEEDED_TIMELINE: &str = "release-timeline-cider-week";

fn entry(id: &str) -> Link {
    Link::new(LinkType::Entry, id)
}

fn publish(id: &str) -> ReleaseItem {
    ReleaseItem::action(entry(id), ItemAction::Publish)
}

fn unpublish(id: &str) -> ReleaseItem {
    ReleaseItem::action(entry(id), ItemAction::Unpublish)
}

/// The `{name, path}` pairs of a 422.
fn problems(err: &CmaError) -> Vec<(String, Value)> {
    let api = match err {
        CmaError::ValidationFailed(api) => api,
        other => panic!("expected 422, got {other:?}"),
    };
    assert_eq!(api.body.sys.id, ErrorId::ValidationFailed);
    api.body
        .detail_errors()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or("").to_owned(),
                e["path"].clone(),
            )
        })
        .collect()
}

fn field_status(entity: &Entity) -> Value {
    entity.sys.extra["fieldStatus"]["*"].clone()
}

async fn published(client: &Client, id: &str) -> bool {
    client
        .get_entity(EntityKind::Entry, id)
        .await
        .unwrap()
        .sys
        .published_version
        .is_some()
}

async fn timeline_ids(client: &Client, query: Query) -> Vec<String> {
    client
        .releases(query)
        .map_ok(known)
        .try_collect::<Vec<Release>>()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.sys.id)
        .collect()
}

#[tokio::test]
async fn a_mixed_timeline_release_publishes_and_unpublishes_the_right_entities() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    assert!(published(&client, GIVEAWAY).await);
    let body = ReleaseBody::timeline(
        "Mixed",
        vec![publish(CIDER), publish(OUTDOORS), unpublish(GIVEAWAY)],
    );
    let created = client.create_release(&body).await.unwrap();
    assert_eq!(created.sys.schema_version, Some(ReleaseSchema::Timeline));
    assert_eq!(
        created.entities.items, body.entities.items,
        "items kept as sent"
    );
    let got = client.get_release(&created.sys.id).await.unwrap();
    assert!(got.is_timeline());

    let action = client
        .publish_release(&created.sys.id, created.sys.version)
        .await
        .unwrap();
    let done = client
        .wait_release_action(&created.sys.id, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    assert!(published(&client, CIDER).await);
    assert!(published(&client, OUTDOORS).await);
    assert!(
        !published(&client, GIVEAWAY).await,
        "its item unpublishes it"
    );
    let after = client.get_release(&created.sys.id).await.unwrap();
    assert!(after.is_archived(), "auto-archived on success, as v1");

    // A Launch release still says Release.v1.
    let launch = client
        .create_release(&ReleaseBody::new("Launch", vec![entry(CIDER)]))
        .await
        .unwrap();
    assert_eq!(launch.sys.schema_version, Some(ReleaseSchema::Launch));
}

#[tokio::test]
async fn a_failing_item_leaves_everything_unchanged() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let release = client
        .create_release(&ReleaseBody::timeline(
            "One bad item",
            vec![publish(CIDER), publish(LIVE_BLOG), unpublish(GIVEAWAY)],
        ))
        .await
        .unwrap();
    let before = (
        client.get_entity(EntityKind::Entry, CIDER).await.unwrap(),
        client
            .get_entity(EntityKind::Entry, GIVEAWAY)
            .await
            .unwrap(),
    );
    let action = client
        .publish_release(&release.sys.id, release.sys.version)
        .await
        .unwrap();
    let done = client
        .wait_release_action(&release.sys.id, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Failed);
    let error = done.error.expect("a failed action carries its error");
    assert_eq!(error.sys.id, ErrorId::ValidationFailed);
    let errors = error.entity_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].link().unwrap().id(), LIVE_BLOG);
    assert_eq!(errors[0].error.sys.id, ErrorId::InvalidEntry);
    let after = (
        client.get_entity(EntityKind::Entry, CIDER).await.unwrap(),
        client
            .get_entity(EntityKind::Entry, GIVEAWAY)
            .await
            .unwrap(),
    );
    assert_eq!(before.0.sys.version, after.0.sys.version);
    assert_eq!(before.1.sys.version, after.1.sys.version);
    assert!(after.1.sys.published_version.is_some(), "not unpublished");
    assert!(
        !client
            .get_release(&release.sys.id)
            .await
            .unwrap()
            .is_archived()
    );

    // Validate checks each item for its own action, whatever the body asks for.
    let validation = client
        .validate_release(&release.sys.id, Some(ActionKind::Unpublish))
        .await
        .unwrap();
    let validated = client
        .wait_release_action(&release.sys.id, &validation.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(validated.sys.status, ActionStatus::Failed);
    assert!(!published(&client, CIDER).await, "validate changes nothing");
}

#[tokio::test]
async fn timeline_item_rules_are_422_with_paths() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    // A plain link in a Timeline release, and a Timeline item in a Launch release.
    let err = client
        .create_release(&ReleaseBody::timeline(
            "x",
            vec![ReleaseItem::Link(entry(CIDER))],
        ))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [("type".into(), json!(["entities", "items", 0]))]
    );
    let mut launch = ReleaseBody::new("x", vec![]);
    launch.entities = ReleaseEntities::from_items(vec![publish(CIDER)]);
    let err = client.create_release(&launch).await.unwrap_err();
    assert_eq!(
        problems(&err),
        [("type".into(), json!(["entities", "items", 0]))]
    );
    // An action other than publish/unpublish.
    let odd = ReleaseItem::action(entry(CIDER), ItemAction::Other("schedule".into()));
    let err = client
        .create_release(&ReleaseBody::timeline("x", vec![odd]))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [("in".into(), json!(["entities", "items", 0, "action"]))]
    );
    // Locale-based items need a locale-based environment.
    let by_locale = ReleaseItem::locales(
        entry(CIDER),
        LocaleSet::all_fields(["en-US", "de-DE"]),
        LocaleSet::default(),
    );
    let err = client
        .create_release(&ReleaseBody::timeline("x", vec![by_locale]))
        .await
        .unwrap_err();
    assert_eq!(problems(&err)[0].1, json!(["entities", "items", 0]));
    // Duplicates and unknown entities, as v1.
    let err = client
        .create_release(&ReleaseBody::timeline(
            "x",
            vec![publish(CIDER), unpublish(CIDER)],
        ))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [("unique".into(), json!(["entities", "items", 1]))]
    );
    let err = client
        .create_release(&ReleaseBody::timeline("x", vec![publish("nope")]))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::ValidationFailed(_)), "{err:?}");

    // The schema is fixed at creation: omitted keeps it, another one is refused.
    let release = client
        .create_release(&ReleaseBody::timeline("Fixed", vec![publish(CIDER)]))
        .await
        .unwrap();
    let mut plain = ReleaseBody::from(&release);
    plain.sys = None;
    plain.entities = ReleaseEntities::from_items(vec![unpublish(GIVEAWAY)]);
    let updated = client
        .update_release(&release.sys.id, release.sys.version, &plain)
        .await
        .unwrap();
    assert!(updated.is_timeline());
    assert_eq!(updated.sys.version, release.sys.version + 1);
    let mut other = ReleaseBody::from(&updated);
    if let Some(sys) = &mut other.sys {
        sys.schema_version = Some(ReleaseSchema::Launch);
    }
    let err = client
        .update_release(&release.sys.id, updated.sys.version, &other)
        .await
        .unwrap_err();
    assert_eq!(problems(&err)[0].1, json!(["sys", "schemaVersion"]));
    // Up to 200 entities, as v1.
    let many: Vec<ReleaseItem> = (0..201).map(|i| publish(&format!("e{i}"))).collect();
    let err = client
        .create_release(&ReleaseBody::timeline("x", many))
        .await
        .unwrap_err();
    assert_eq!(problems(&err)[0].0, "size");
}

#[tokio::test]
async fn the_schema_filter_partitions_the_list() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let created = client
        .create_release(&ReleaseBody::timeline("Partitioned", vec![publish(CIDER)]))
        .await
        .unwrap();
    let v1 = timeline_ids(&client, Query::new()).await;
    assert_eq!(v1.len(), 5, "only the five demo Launch releases: {v1:?}");
    assert_eq!(
        timeline_ids(&client, Query::new().set("sys.schemaVersion", "Release.v1")).await,
        v1
    );
    let mut v2 = timeline_ids(&client, Query::new().set("sys.schemaVersion", "Release.v2")).await;
    v2.sort();
    let mut expected = vec![SEEDED_TIMELINE.to_owned(), created.sys.id.clone()];
    expected.sort();
    assert_eq!(v2, expected);
    // `sys.id[in]` works within each partition.
    let by_id = |schema: &str| {
        Query::new().set("sys.schemaVersion", schema).set(
            "sys.id[in]",
            format!("{},release-spring-travel", created.sys.id),
        )
    };
    assert_eq!(
        timeline_ids(&client, by_id("Release.v2")).await,
        [created.sys.id.as_str()]
    );
    assert_eq!(
        timeline_ids(&client, by_id("Release.v1")).await,
        ["release-spring-travel"]
    );
    // Membership filters read `items[].entity.sys`.
    let members = Query::new()
        .set("sys.schemaVersion", "Release.v2")
        .set("entities.sys.linkType", "Entry")
        .set("entities.sys.id[in]", GIVEAWAY);
    assert_eq!(timeline_ids(&client, members).await, [SEEDED_TIMELINE]);
    let err = client
        .query_releases(&Query::new().set("sys.schemaVersion", "Release.v3"))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::InvalidQuery(_)), "{err:?}");
}

#[tokio::test]
async fn unpublish_and_unarchive_of_a_timeline_release_are_400_and_archive_works() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let release = client.get_release(SEEDED_TIMELINE).await.unwrap();
    assert!(release.is_timeline());
    let err = client
        .unpublish_release(SEEDED_TIMELINE, release.sys.version)
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    let archived = client
        .archive_release(SEEDED_TIMELINE, release.sys.version)
        .await
        .unwrap();
    assert!(archived.is_archived());
    let err = client
        .unarchive_release(SEEDED_TIMELINE, archived.sys.version)
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    assert!(
        client
            .get_release(SEEDED_TIMELINE)
            .await
            .unwrap()
            .is_archived()
    );
}

async fn versioned(client: &Client, id: &str) -> Link {
    let entity = client.get_entity(EntityKind::Entry, id).await.unwrap();
    Link::versioned(LinkType::Entry, id, entity.sys.version.unwrap())
}

fn item(entity: Link, add: Option<&[&str]>, remove: Option<&[&str]>) -> BulkItemV2 {
    BulkItemV2 {
        entity,
        add: add.map(|l| LocaleSet::all_fields(l.iter().copied())),
        remove: remove.map(|l| LocaleSet::all_fields(l.iter().copied())),
    }
}

#[tokio::test]
async fn bulk_actions_v2_validate_publish_and_unpublish() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let both: &[&str] = &["en-US", "de-DE"];

    // Validate: nothing changes; the action is echoed in the payload.
    let body = BulkActionPayload::v2(
        ActionKind::Validate,
        vec![item(entry(CIDER), Some(both), None)],
    );
    let bulk = client.create_bulk_action_v2(&body).await.unwrap();
    assert_eq!(bulk.action, ActionKind::Validate);
    assert_eq!(
        bulk.payload, body,
        "payload echoes the body, action included"
    );
    let done = client
        .wait_bulk_action_v2(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    assert!(!published(&client, CIDER).await);
    // Either path reads either version.
    let v1_path = client.get_bulk_action(&bulk.sys.id).await.unwrap();
    assert_eq!(v1_path.sys.id, bulk.sys.id);

    // Publish (entry-based: `add` publishes the whole entry).
    let body = BulkActionPayload::v2(
        ActionKind::Publish,
        vec![item(versioned(&client, CIDER).await, Some(both), None)],
    );
    let bulk = client.create_bulk_action_v2(&body).await.unwrap();
    let done = client
        .wait_bulk_action_v2(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    assert!(published(&client, CIDER).await);

    // Validate of an invalid draft fails, all or nothing.
    let body = BulkActionPayload::v2(
        ActionKind::Publish,
        vec![
            item(versioned(&client, OUTDOORS).await, Some(both), None),
            item(versioned(&client, LIVE_BLOG).await, Some(both), None),
        ],
    );
    let bulk = client.create_bulk_action_v2(&body).await.unwrap();
    let done = client
        .wait_bulk_action_v2(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Failed);
    let error = done.error.unwrap();
    assert_eq!(error.sys.id, ErrorId::BulkActionFailed);
    assert_eq!(error.entity_errors()[0].link().unwrap().id(), LIVE_BLOG);
    assert!(!published(&client, OUTDOORS).await, "nothing was published");

    // Unpublish takes plain links.
    let body = BulkActionPayload::v2(
        ActionKind::Unpublish,
        vec![
            item(entry(CIDER), None, None),
            item(entry(GIVEAWAY), None, None),
        ],
    );
    let bulk = client.create_bulk_action_v2(&body).await.unwrap();
    let done = client
        .wait_bulk_action_v2(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    assert!(!published(&client, CIDER).await);
    assert!(!published(&client, GIVEAWAY).await);

    // 404 for an unknown id, with exactly {type, id}.
    let err = client.get_bulk_action_v2("fakeId").await.unwrap_err();
    let CmaError::NotFound(api) = &err else {
        panic!("expected 404, got {err:?}");
    };
    assert_eq!(
        api.body.details,
        Some(json!({"type": "BulkAction", "id": "fakeId"}))
    );

    // 422s: no version on publish, an unknown locale, add on unpublish.
    let err = client
        .create_bulk_action_v2(&BulkActionPayload::v2(
            ActionKind::Publish,
            vec![item(entry(CIDER), Some(both), None)],
        ))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [(
            "any.required".into(),
            json!(["entities", 0, "entity", "sys", "version"])
        )]
    );
    let err = client
        .create_bulk_action_v2(&BulkActionPayload::v2(
            ActionKind::Validate,
            vec![item(entry(CIDER), Some(&["xx-XX"]), None)],
        ))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [("in".into(), json!(["entities", 0, "add"]))]
    );
    let err = client
        .create_bulk_action_v2(&BulkActionPayload::v2(
            ActionKind::Unpublish,
            vec![item(entry(CIDER), None, Some(both))],
        ))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [("any.unknown".into(), json!(["entities", 0, "remove"]))]
    );
}

#[tokio::test]
async fn locale_based_publishing_changes_only_the_listed_locales() {
    let sb = sandbox_with(|c| c.publishing = PublishingMode::Locale).await;
    let client = sandbox_client(&sb);
    // The demo has a locale-based Timeline release in this mode.
    let seeded = timeline_ids(&client, Query::new().set("sys.schemaVersion", "Release.v2")).await;
    assert_eq!(seeded, ["release-timeline-german-edition"]);

    // Entry-based items are refused, and so is a locale set missing a locale.
    let err = client
        .create_release(&ReleaseBody::timeline("x", vec![publish(CIDER)]))
        .await
        .unwrap_err();
    assert_eq!(problems(&err)[0].1, json!(["entities", "items", 0]));
    let missing = ReleaseItem::locales(
        entry(CIDER),
        LocaleSet::all_fields(["en-US"]),
        LocaleSet::default(),
    );
    let err = client
        .create_release(&ReleaseBody::timeline("x", vec![missing]))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [("required".into(), json!(["entities", "items", 0, "remove"]))]
    );

    // Publish CIDER in English only, and take GIVEAWAY out of German.
    let release = client
        .create_release(&ReleaseBody::timeline(
            "By locale",
            vec![
                ReleaseItem::locales(
                    entry(CIDER),
                    LocaleSet::all_fields(["en-US"]),
                    LocaleSet::all_fields(["de-DE"]),
                ),
                ReleaseItem::locales(
                    entry(GIVEAWAY),
                    LocaleSet::all_fields(["en-US"]),
                    LocaleSet::all_fields(["de-DE"]),
                ),
            ],
        ))
        .await
        .unwrap();
    let action = client
        .publish_release(&release.sys.id, release.sys.version)
        .await
        .unwrap();
    let done = client
        .wait_release_action(&release.sys.id, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    for id in [CIDER, GIVEAWAY] {
        let e = client.get_entity(EntityKind::Entry, id).await.unwrap();
        assert!(e.sys.published_version.is_some(), "{id}");
        assert_eq!(
            field_status(&e),
            json!({"en-US": "published", "de-DE": "draft"}),
            "{id}"
        );
    }

    // A bulk action adds German to CIDER: only de-DE changes.
    let bulk = client
        .create_bulk_action_v2(&BulkActionPayload::v2(
            ActionKind::Publish,
            vec![item(
                versioned(&client, CIDER).await,
                Some(&["de-DE"]),
                None,
            )],
        ))
        .await
        .unwrap();
    let done = client
        .wait_bulk_action_v2(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    let cider = client.get_entity(EntityKind::Entry, CIDER).await.unwrap();
    assert_eq!(
        field_status(&cider),
        json!({"en-US": "published", "de-DE": "published"})
    );

    // Removing English leaves German published; removing German too unpublishes the entry.
    for (remove, expected, still) in [
        (
            "en-US",
            json!({"en-US": "draft", "de-DE": "published"}),
            true,
        ),
        ("de-DE", json!({"en-US": "draft", "de-DE": "draft"}), false),
    ] {
        let bulk = client
            .create_bulk_action_v2(&BulkActionPayload::v2(
                ActionKind::Publish,
                vec![item(versioned(&client, CIDER).await, None, Some(&[remove]))],
            ))
            .await
            .unwrap();
        let done = client
            .wait_bulk_action_v2(&bulk.sys.id, &fast_poll())
            .await
            .unwrap();
        assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
        let cider = client.get_entity(EntityKind::Entry, CIDER).await.unwrap();
        assert_eq!(field_status(&cider), expected, "after removing {remove}");
        assert_eq!(cider.sys.published_version.is_some(), still);
    }
}

#[tokio::test]
async fn an_export_with_a_timeline_release_loads_it_as_release_v2() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let export = json!({
        "locales": [{"code": "en-US", "name": "English", "default": true, "sys": {"id": "en"}}],
        "contentTypes": [{"sys": {"id": "memo", "publishedVersion": 1}, "name": "Memo",
            "displayField": "title", "fields": [{"id": "title", "name": "Title",
            "type": "Symbol", "localized": false, "required": false, "validations": []}]}],
        "entries": [{"sys": {"id": "memo-1", "publishedVersion": 1,
            "contentType": {"sys": {"type": "Link", "linkType": "ContentType", "id": "memo"}}},
            "fields": {"title": {"en-US": "Memo"}}}],
        "releases": [{"sys": {"id": "timeline-copy", "type": "Release", "status": "active",
                "schemaVersion": "Release.v2",
                "createdAt": "2026-01-02T10:00:00.000Z", "updatedAt": "2026-01-03T10:00:00.000Z"},
            "title": "Copied Timeline release",
            "entities": {"sys": {"type": "Array"}, "items": [
                {"entity": {"sys": {"type": "Link", "linkType": "Entry", "id": "memo-1"}},
                 "action": "unpublish"}]}}],
    });
    let report = client
        .sandbox_load(serde_json::to_vec(&export).unwrap(), |_| {})
        .await
        .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let copied = client.get_release("timeline-copy").await.unwrap();
    assert!(copied.is_timeline());
    assert_eq!(copied.entities.items, [unpublish("memo-1")]);
    assert_eq!(
        copied.sys.updated_at.map(|t| t.to_string()),
        Some("2026-01-03T10:00:00.000Z".to_owned()),
        "the exported instants are kept"
    );
    let v2 = timeline_ids(&client, Query::new().set("sys.schemaVersion", "Release.v2")).await;
    assert_eq!(v2, ["timeline-copy"]);
}

#[tokio::test]
async fn a_timeline_publish_sends_each_items_event_with_the_release_headers() {
    let receiver = crate::support::Receiver::start(0).await;
    let url = receiver.url.clone();
    let sb = sandbox_with(|c| c.webhook_url = Some(url)).await;
    let client = sandbox_client(&sb);
    let release = client.get_release(SEEDED_TIMELINE).await.unwrap();
    let action = client
        .publish_release(SEEDED_TIMELINE, release.sys.version)
        .await
        .unwrap();
    let done = client
        .wait_release_action(SEEDED_TIMELINE, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    crate::support::wait_until(
        "ReleaseAction.execute",
        std::time::Duration::from_secs(5),
        || async {
            receiver
                .topics()
                .iter()
                .any(|t| t == "ReleaseAction.execute")
        },
    )
    .await;
    sb.deliveries_idle().await;
    let deliveries = receiver.deliveries();
    let entity_events: Vec<(String, String)> = deliveries
        .iter()
        .filter(|d| d.topic().starts_with("Entry."))
        .map(|d| {
            assert_eq!(d.header("x-contentful-release-id"), Some(SEEDED_TIMELINE));
            assert_eq!(
                d.header("x-contentful-release-action-id"),
                Some(action.sys.id.as_str())
            );
            (
                d.topic(),
                d.json()["sys"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        entity_events,
        [
            ("Entry.publish".to_owned(), CIDER.to_owned()),
            ("Entry.publish".to_owned(), OUTDOORS.to_owned()),
            ("Entry.unpublish".to_owned(), GIVEAWAY.to_owned()),
        ]
    );
    for d in deliveries
        .iter()
        .filter(|d| d.topic().starts_with("Release"))
    {
        assert_eq!(d.header("x-contentful-release-id"), None, "{}", d.topic());
    }
}

#[tokio::test]
async fn a_database_with_the_version_1_index_is_reindexed_with_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let config = || {
        let mut config = crate::support::fast_sandbox_config();
        config.data_dir = Some(dir.path().to_path_buf());
        config
    };
    let sb = release_desk::sandbox::Sandbox::start(config())
        .await
        .unwrap();
    sb.shutdown(std::time::Duration::from_secs(1)).await;
    // As index version 1 left it: no schema column, every release listed as Launch.
    let db = rusqlite::Connection::open(dir.path().join("sandbox.sqlite3")).unwrap();
    db.execute_batch(
        "DROP TABLE release_index;
         CREATE TABLE release_index (id TEXT PRIMARY KEY, seq INTEGER NOT NULL,
             status TEXT NOT NULL, title TEXT NOT NULL, created_ms INTEGER, updated_ms INTEGER,
             created_by TEXT, entity_count INTEGER NOT NULL) WITHOUT ROWID;
         UPDATE settings SET value = '1' WHERE key = 'index_version';",
    )
    .unwrap();
    drop(db);
    let sb = release_desk::sandbox::Sandbox::start(config())
        .await
        .unwrap();
    let client = sandbox_client(&sb);
    assert_eq!(timeline_ids(&client, Query::new()).await.len(), 5);
    assert_eq!(
        timeline_ids(&client, Query::new().set("sys.schemaVersion", "Release.v2")).await,
        [SEEDED_TIMELINE]
    );
    sb.shutdown(std::time::Duration::from_secs(1)).await;
}

/// A reset can switch the environment's publishing mode (the app offers it when it resets the
/// demo): the demo's Timeline release then comes in that mode's shape, and a refused value
/// changes nothing.
#[tokio::test]
async fn a_reset_can_switch_the_publishing_mode() {
    let sandbox = sandbox().await;
    let client = sandbox_client(&sandbox);
    let v2 = || Query::new().set("sys.schemaVersion", "Release.v2");
    assert_eq!(timeline_ids(&client, v2()).await, [SEEDED_TIMELINE]);
    client.sandbox_reset(Some("locale")).await.unwrap();
    assert_eq!(
        timeline_ids(&client, v2()).await,
        ["release-timeline-german-edition"]
    );
    let german = client
        .get_release("release-timeline-german-edition")
        .await
        .unwrap();
    assert!(
        german
            .entities
            .items
            .iter()
            .all(|i| matches!(i, ReleaseItem::Locales { .. }))
    );
    // Locale mode now refuses entry-based items.
    let refused = client
        .create_release(&ReleaseBody::timeline("Nope", vec![publish(CIDER)]))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CmaError::ValidationFailed(_)),
        "{refused:?}"
    );
    let bad = client.sandbox_reset(Some("sideways")).await.unwrap_err();
    assert!(matches!(bad, CmaError::BadRequest(_)), "{bad:?}");
    assert_eq!(
        timeline_ids(&client, v2()).await,
        ["release-timeline-german-edition"],
        "a refused reset changes nothing"
    );
    client.sandbox_reset(Some("entry")).await.unwrap();
    assert_eq!(timeline_ids(&client, v2()).await, [SEEDED_TIMELINE]);
}
