//! Bulk actions in the sandbox (spec §3): versioned publish, all-or-nothing failures,
//! the body checks, the limit of five active actions, validate and unpublish.

use std::time::Duration;

use release_desk::cma::*;
use serde_json::json;

use crate::support::{
    fast_poll, sandbox, sandbox_client, sandbox_client_with, sandbox_with, versions,
};

/// Two valid drafts whose links are all published.
const CIDER: &str = "article-hudson-valley-cider";
const OUTDOORS: &str = "cat-outdoors";

async fn versioned(client: &Client, id: &str) -> Link {
    let entity = client.get_entity(EntityKind::Entry, id).await.unwrap();
    Link::versioned(LinkType::Entry, id, entity.sys.version.unwrap())
}

#[tokio::test]
async fn bulk_publish_with_current_versions_succeeds() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let items = vec![
        versioned(&client, CIDER).await,
        versioned(&client, OUTDOORS).await,
    ];

    let bulk = client.bulk_publish(items.clone()).await.unwrap();
    assert_eq!(bulk.action, ActionKind::Publish);
    assert_eq!(bulk.sys.status, ActionStatus::Created);
    assert_eq!(bulk.payload.entities, BulkEntities::Links(items.clone()));

    let done = client
        .wait_bulk_action(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    assert!(done.error.is_none());
    for link in &items {
        let e = client
            .get_entity(EntityKind::Entry, link.id())
            .await
            .unwrap();
        assert_eq!(e.state(), EntityState::Published, "{}", link.id());
        assert_eq!(e.sys.published_version, link.sys.version);
    }
}

#[tokio::test]
async fn bulk_publish_with_a_stale_version_fails_and_publishes_nothing() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let good = versioned(&client, CIDER).await;
    let current = versioned(&client, OUTDOORS).await.sys.version.unwrap();
    let stale = Link::versioned(LinkType::Entry, OUTDOORS, current + 3);
    let before = (
        versions(&client, EntityKind::Entry, CIDER).await,
        versions(&client, EntityKind::Entry, OUTDOORS).await,
    );

    let bulk = client.bulk_publish(vec![good, stale]).await.unwrap();
    let done = client
        .wait_bulk_action(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Failed);
    let error = done.error.expect("a failed bulk action carries its error");
    assert_eq!(error.sys.id, ErrorId::BulkActionFailed);
    let errors = error.entity_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].link().unwrap().id(), OUTDOORS);
    assert_eq!(errors[0].error.sys.id, ErrorId::VersionMismatch);

    let after = (
        versions(&client, EntityKind::Entry, CIDER).await,
        versions(&client, EntityKind::Entry, OUTDOORS).await,
    );
    assert_eq!(
        after, before,
        "all-or-nothing: the valid item was not published either"
    );
}

#[tokio::test]
async fn bulk_publish_without_a_version_is_422() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let err = client
        .bulk_publish(vec![Link::entry(CIDER)])
        .await
        .unwrap_err();
    let api = match &err {
        CmaError::ValidationFailed(api) => api,
        other => panic!("expected 422, got {other:?}"),
    };
    assert_eq!(api.body.message.as_deref(), Some("Validation error"));
    assert_eq!(
        api.body.detail_errors(),
        [json!({
            "details": "\"entities.items[0].sys.version\" is required",
            "name": "any.required",
            "path": ["entities", "items", 0, "sys", "version"]
        })]
    );

    // At most 200 items.
    let many = (0..201)
        .map(|i| Link::versioned(LinkType::Entry, format!("entry-{i}"), 1))
        .collect();
    let err = client.bulk_publish(many).await.unwrap_err();
    assert!(matches!(err, CmaError::ValidationFailed(_)), "{err:?}");

    // Unknown bulk action: 404 with the spec's details.
    let err = client.get_bulk_action("fakeId").await.unwrap_err();
    let api = match &err {
        CmaError::NotFound(api) => api,
        other => panic!("expected 404, got {other:?}"),
    };
    assert_eq!(
        api.body.details,
        Some(json!({"type": "BulkAction", "id": "fakeId"}))
    );
}

#[tokio::test]
async fn a_sixth_active_bulk_action_is_rate_limited() {
    // Actions wait 5 s before running, so the first five stay active for the whole test.
    let sb = sandbox_with(|c| c.behaviour.action_delay = Duration::from_secs(5)).await;
    let client = sandbox_client_with(&sb, |c| c.retry = RetryPolicy::none());
    for _ in 0..5 {
        let bulk = client
            .bulk_validate(vec![Link::entry(CIDER)])
            .await
            .unwrap();
        assert_eq!(bulk.sys.status, ActionStatus::Created);
    }
    let err = client
        .bulk_validate(vec![Link::entry(CIDER)])
        .await
        .unwrap_err();
    match &err {
        CmaError::RateLimited { error, .. } => {
            assert_eq!(error.status, 429);
            assert_eq!(error.body.sys.id, ErrorId::RateLimitExceeded);
        }
        other => panic!("expected 429, got {other:?}"),
    }
}

#[tokio::test]
async fn bulk_validate_reports_errors_without_changing_anything() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let before = versions(&client, EntityKind::Entry, CIDER).await;

    let ok = client
        .bulk_validate(vec![Link::entry(CIDER), Link::entry(OUTDOORS)])
        .await
        .unwrap();
    assert_eq!(ok.action, ActionKind::Validate);
    let done = client
        .wait_bulk_action(&ok.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    assert_eq!(versions(&client, EntityKind::Entry, CIDER).await, before);

    let bad = client
        .bulk_validate(vec![
            Link::entry(CIDER),
            Link::entry("article-election-live-blog"),
        ])
        .await
        .unwrap();
    let done = client
        .wait_bulk_action(&bad.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Failed);
    let errors = done.error.unwrap().entity_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].link().unwrap().id(), "article-election-live-blog");
    assert_eq!(errors[0].error.sys.id, ErrorId::InvalidEntry);
    let field = &errors[0].error.field_errors()[0];
    assert_eq!(field.name, "required");
    assert_eq!(field.path_string(), "fields.body.en-US");
    assert_eq!(versions(&client, EntityKind::Entry, CIDER).await, before);
}

#[tokio::test]
async fn bulk_unpublish_turns_published_entities_into_drafts() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let links = vec![
        Link::entry("article-urban-bees"),
        Link::asset("asset-market"),
    ];
    let bulk = client.bulk_unpublish(links.clone()).await.unwrap();
    assert_eq!(bulk.action, ActionKind::Unpublish);
    let done = client
        .wait_bulk_action(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);

    let entry = client
        .get_entity(EntityKind::Entry, "article-urban-bees")
        .await
        .unwrap();
    assert_eq!(entry.state(), EntityState::Draft);
    let asset = client
        .get_entity(EntityKind::Asset, "asset-market")
        .await
        .unwrap();
    assert_eq!(asset.state(), EntityState::Draft);
}
