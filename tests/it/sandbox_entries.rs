//! Entries and assets in the sandbox (spec §5): create with a content type, the version rules
//! of update, publish, unpublish and archive, and listing with filters and paging.

use std::collections::HashSet;

use futures_util::TryStreamExt;
use release_desk::cma::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{env_path, raw, sandbox, sandbox_client};

fn fields(value: Value) -> Fields {
    value.as_object().unwrap().clone()
}

fn category(name: &str) -> Fields {
    let slug = name.to_lowercase().replace(' ', "-");
    fields(json!({"name": {"en-US": name}, "slug": {"en-US": slug}}))
}

#[tokio::test]
async fn entry_versions_follow_the_publish_rules() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);

    // 201 with the content type from X-Contentful-Content-Type.
    let response = raw(&sb, Method::POST, &format!("{}/entries", env_path(&sb)))
        .header("x-contentful-content-type", "category")
        .json(&json!({"fields": category("Sailing")}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let raw_created: Entity = response.json().await.unwrap();
    assert_eq!(
        raw_created.sys.content_type,
        Some(Link::new(LinkType::ContentType, "category"))
    );

    let created = client
        .create_entry("category", &category("Rowing"))
        .await
        .unwrap();
    let id = created.sys.id.clone();
    assert_eq!(created.sys.version, Some(1));
    assert_eq!(created.state(), EntityState::Draft);
    assert_eq!(
        created.sys.content_type.as_ref().map(Link::id),
        Some("category")
    );
    assert_eq!(created.field("name", "en-US"), Some(&json!("Rowing")));

    // A stale version conflicts and names the current one.
    let err = client
        .update_entity(EntityKind::Entry, &id, 5, &category("Nope"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CmaError::Conflict {
                current_version: Some(1),
                ..
            }
        ),
        "{err:?}"
    );
    let updated = client
        .update_entity(EntityKind::Entry, &id, 1, &category("Rowing club"))
        .await
        .unwrap();
    assert_eq!(updated.sys.version, Some(2));

    // Publish: publishedVersion = v, version = v + 1.
    let published = client
        .publish_entity(EntityKind::Entry, &id, 2)
        .await
        .unwrap();
    assert_eq!(published.sys.published_version, Some(2));
    assert_eq!(published.sys.version, Some(3));
    assert_eq!(published.sys.published_counter, Some(1));
    assert!(published.sys.published_at.is_some());
    assert!(published.sys.first_published_at.is_some());
    assert_eq!(published.state(), EntityState::Published);

    // An edit after publishing makes it changed.
    let changed = client
        .update_entity(EntityKind::Entry, &id, 3, &category("Rowing and sculling"))
        .await
        .unwrap();
    assert_eq!(changed.sys.version, Some(4));
    assert_eq!(changed.state(), EntityState::Changed);
    let republished = client
        .publish_entity(EntityKind::Entry, &id, 4)
        .await
        .unwrap();
    assert_eq!(republished.sys.published_version, Some(4));
    assert_eq!(republished.sys.version, Some(5));
    assert_eq!(republished.sys.published_counter, Some(2));
    assert_eq!(
        republished.sys.first_published_at,
        published.sys.first_published_at
    );
    assert_eq!(republished.state(), EntityState::Published);

    // A published entry cannot be archived.
    let err = client
        .archive_entity(EntityKind::Entry, &id, 5)
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");

    let draft = client
        .unpublish_entity(EntityKind::Entry, &id, 5)
        .await
        .unwrap();
    assert_eq!(draft.sys.version, Some(6));
    assert_eq!(draft.sys.published_version, None);
    assert_eq!(draft.state(), EntityState::Draft);

    let archived = client
        .archive_entity(EntityKind::Entry, &id, 6)
        .await
        .unwrap();
    assert_eq!(archived.sys.archived_version, Some(6));
    assert_eq!(archived.sys.version, Some(7));
    assert_eq!(archived.state(), EntityState::Archived);
    let err = client
        .update_entity(EntityKind::Entry, &id, 7, &category("Archived"))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    let err = client
        .publish_entity(EntityKind::Entry, &id, 7)
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");

    let back = client
        .unarchive_entity(EntityKind::Entry, &id, 7)
        .await
        .unwrap();
    assert_eq!(back.sys.version, Some(8));
    assert_eq!(back.state(), EntityState::Draft);
    assert_eq!(
        client.get_entity(EntityKind::Entry, &id).await.unwrap(),
        back
    );
}

#[tokio::test]
async fn entry_create_needs_a_known_content_type() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let response = raw(&sb, Method::POST, &format!("{}/entries", env_path(&sb)))
        .json(&json!({"fields": category("Headless")}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let err = client
        .create_entry("no-such-type", &category("Orphan"))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::ValidationFailed(_)), "{err:?}");
    let err = client
        .get_entity(EntityKind::Entry, "no-such-entry")
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn entry_lists_filter_and_page() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);

    let categories: Vec<Entity> = client
        .entities(
            EntityKind::Entry,
            Query::new().set("content_type", "category"),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(categories.len(), 8, "the demo has 8 categories");
    assert!(
        categories
            .iter()
            .all(|e| e.sys.content_type.as_ref().map(Link::id) == Some("category"))
    );

    let picked: Vec<Entity> = client
        .entities(
            EntityKind::Entry,
            Query::new().set("sys.id[in]", "cat-food,article-urban-bees,nope"),
        )
        .try_collect()
        .await
        .unwrap();
    let mut ids: Vec<&str> = picked.iter().map(|e| e.sys.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["article-urban-bees", "cat-food"]);

    let found: Vec<Entity> = client
        .entities(EntityKind::Entry, Query::new().set("query", "cider makers"))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|e| e.sys.id.as_str()).collect();
    assert_eq!(ids, ["article-hudson-valley-cider"]);

    let assets: Vec<Entity> = client
        .entities(EntityKind::Asset, Query::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(assets.len(), 8);

    // skip/limit on one page, ordered by id.
    let all_by_id: Vec<Entity> = client
        .entities(EntityKind::Entry, Query::new().order("sys.id"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all_by_id.len(), 61, "the demo has 61 entries");
    let page = client
        .query_entities(
            EntityKind::Entry,
            &Query::new().order("sys.id").set("skip", 10).limit(3),
        )
        .await
        .unwrap();
    assert_eq!((page.total, page.skip, page.limit), (61, 10, 3));
    let page_ids: Vec<&str> = page.items.iter().map(|e| e.sys.id.as_str()).collect();
    let slice: Vec<&str> = all_by_id[10..13]
        .iter()
        .map(|e| e.sys.id.as_str())
        .collect();
    assert_eq!(page_ids, slice);

    // More than one page of 100: the stream follows skip/limit to the end.
    for i in 0..45 {
        client
            .create_entry("category", &category(&format!("Extra {i}")))
            .await
            .unwrap();
    }
    let everything: Vec<Entity> = client
        .entities(EntityKind::Entry, Query::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(everything.len(), 106);
    let unique: HashSet<&str> = everything.iter().map(|e| e.sys.id.as_str()).collect();
    assert_eq!(unique.len(), 106, "no entry is listed twice");
}
