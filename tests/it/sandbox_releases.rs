//! The sandbox's releases over real HTTP with the project's client (spec §1): create, get,
//! update with versions, the body checks, listing with filters and cursor paging, archive and
//! unarchive, delete.

use crate::support::known;
use std::collections::HashSet;

use futures_util::TryStreamExt;
use release_desk::cma::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{env_path, raw, sandbox, sandbox_client};

fn body(title: &str, ids: &[&str]) -> ReleaseBody {
    ReleaseBody::new(title, ids.iter().map(|id| Link::entry(*id)).collect())
}

#[tokio::test]
async fn release_create_get_and_update_follow_versions() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);

    // 201 with version 1, as the raw response shows.
    let response = raw(&sb, Method::POST, &format!("{}/releases", env_path(&sb)))
        .json(&body("Raw", &["article-urban-bees"]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Release = response.json().await.unwrap();
    assert_eq!(created.sys.version, 1);

    let release = client
        .create_release(&body(
            "Harbour week",
            &["article-urban-bees", "article-jazz-cellar"],
        ))
        .await
        .unwrap();
    assert_eq!(release.sys.version, 1);
    assert_eq!(release.sys.status, ReleaseStatus::Active);
    assert_eq!(release.title, "Harbour week");
    assert_eq!(release.entities.items.len(), 2);
    assert!(release.sys.last_action.is_none());

    let fetched = client.get_release(&release.sys.id).await.unwrap();
    assert_eq!(fetched, release);

    // A stale version is a conflict that names the current version, and changes nothing.
    let err = client
        .update_release(&release.sys.id, 7, &body("Stale", &[]))
        .await
        .unwrap_err();
    match &err {
        CmaError::Conflict {
            current_version, ..
        } => assert_eq!(*current_version, Some(1)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(client.get_release(&release.sys.id).await.unwrap(), release);

    let updated = client
        .update_release(
            &release.sys.id,
            1,
            &body("Harbour week (final)", &["article-urban-bees"]),
        )
        .await
        .unwrap();
    assert_eq!(updated.sys.version, 2);
    assert_eq!(updated.title, "Harbour week (final)");
    assert_eq!(
        updated.entities.link_vec(),
        vec![Link::entry("article-urban-bees")]
    );
    assert_eq!(client.get_release(&release.sys.id).await.unwrap(), updated);

    // An update without X-Contentful-Version is a 400, not a silent overwrite.
    let response = raw(
        &sb,
        Method::PUT,
        &format!("{}/releases/{}", env_path(&sb), release.sys.id),
    )
    .json(&body("No version", &[]))
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn release_body_checks_reject_too_many_duplicate_and_unknown_entities() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);

    // 201 entities: over the limit of 200.
    let ids: Vec<String> = (0..201).map(|i| format!("entry-{i}")).collect();
    let links = ids.iter().map(Link::entry).collect();
    let err = client
        .create_release(&ReleaseBody::new("Too big", links))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::ValidationFailed(_)), "{err:?}");
    assert_eq!(err.status(), Some(422));

    // The same entity twice.
    let err = client
        .create_release(&body(
            "Twice",
            &[
                "article-urban-bees",
                "article-jazz-cellar",
                "article-urban-bees",
            ],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::ValidationFailed(_)), "{err:?}");

    // An entry that does not exist: ValidationFailed with a NotFound item, exactly as the spec.
    let err = client
        .create_release(&body(
            "Missing",
            &["article-urban-bees", "non-existent-entry"],
        ))
        .await
        .unwrap_err();
    let api = match &err {
        CmaError::ValidationFailed(api) => api,
        other => panic!("expected 422, got {other:?}"),
    };
    assert_eq!(api.body.sys.id, ErrorId::ValidationFailed);
    assert_eq!(api.body.message.as_deref(), Some("Validation error"));
    assert_eq!(
        api.body.details,
        Some(json!({"errors": [{"error": {
            "sys": {"type": "Error", "id": "NotFound"},
            "message": "The resource could not be found.",
            "details": {"sys": {"id": "non-existent-entry", "type": "Entry"}}
        }}]}))
    );

    // Nothing was created by the refused requests.
    let all: Vec<Release> = client
        .releases(Query::new())
        .map_ok(known)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5, "only the five demo releases exist");

    // GET of an unknown release: 404 with the spec's details.
    let err = client.get_release("fakeId").await.unwrap_err();
    let api = match &err {
        CmaError::NotFound(api) => api,
        other => panic!("expected 404, got {other:?}"),
    };
    assert_eq!(api.body.sys.id, ErrorId::NotFound);
    assert_eq!(
        api.body.message.as_deref(),
        Some("The resource could not be found.")
    );
    assert_eq!(
        api.body.details,
        Some(
            json!({"type": "Release", "environment": "master", "space": sb.space_id, "id": "fakeId"})
        )
    );
}

#[tokio::test]
async fn release_list_filters_orders_and_pages_with_cursors() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    for title in ["Alpha", "Zulu notes", "Midsummer night special"] {
        client.create_release(&body(title, &[])).await.unwrap();
    }

    // Active releases by title, two per page, streamed across pages.
    let query = Query::new()
        .set("sys.status[in]", "active")
        .order("title")
        .limit(2);
    let first = client.query_releases(&query).await.unwrap().into_known();
    assert_eq!(first.limit, 2);
    assert_eq!(first.items.len(), 2);
    assert!(
        first.pages.next.is_some(),
        "a first page of several has next"
    );
    let streamed: Vec<Release> = client
        .releases(query)
        .map_ok(known)
        .try_collect()
        .await
        .unwrap();
    let titles: Vec<&str> = streamed.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Alpha",
            "Election Night Live",
            "Empty draft release",
            "Midsummer night special",
            "Spring Travel Issue",
            "Zulu notes",
        ]
    );
    let ids: HashSet<&str> = streamed.iter().map(|r| r.sys.id.as_str()).collect();
    assert_eq!(ids.len(), streamed.len(), "no release is listed twice");
    assert!(
        streamed
            .iter()
            .all(|r| r.sys.status == ReleaseStatus::Active)
    );

    // The last page has no next cursor: `pages` is `{}`.
    let last = client
        .query_releases(
            &Query::new()
                .set("sys.status[in]", "archived")
                .order("title")
                .limit(5),
        )
        .await
        .unwrap()
        .into_known();
    assert_eq!(last.pages, Pages::default());
    let archived: Vec<&str> = last.items.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(archived, ["Autumn Food Festival", "Winter Archive"]);

    // title[match]: every word, case-insensitively.
    let matched: Vec<Release> = client
        .releases(Query::new().set("title[match]", "NIGHT"))
        .map_ok(known)
        .try_collect()
        .await
        .unwrap();
    let mut titles: Vec<&str> = matched.iter().map(|r| r.title.as_str()).collect();
    titles.sort_unstable();
    assert_eq!(titles, ["Election Night Live", "Midsummer night special"]);
    let matched: Vec<Release> = client
        .releases(Query::new().set("title[match]", "spring issue"))
        .map_ok(known)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(matched.len(), 1);
    assert_eq!(matched[0].sys.id, "release-spring-travel");

    // Descending order and the raw `pages.next` form (a relative URL keeping the filters).
    let page: Value = raw(
        &sb,
        Method::GET,
        &format!(
            "{}/releases?order=-title&limit=1&sys.status%5Bin%5D=active",
            env_path(&sb)
        ),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(page["items"][0]["title"], "Zulu notes");
    let next = page["pages"]["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/releases?", env_path(&sb))),
        "{next}"
    );
    assert!(next.contains("pageNext="), "{next}");
    assert!(next.contains("limit=1"), "{next}");
    assert!(
        page.get("total").is_none(),
        "cursor collections have no total"
    );

    // Other filters: by linked entity, and whether there are entities at all.
    let with_asset = client
        .query_releases(&Query::new().set("entities.sys.linkType", "Asset"))
        .await
        .unwrap()
        .into_known();
    let ids: Vec<&str> = with_asset.items.iter().map(|r| r.sys.id.as_str()).collect();
    assert_eq!(ids, ["release-spring-travel"]);
    let with_entry = client
        .query_releases(&Query::new().set("entities.sys.linkType", "Entry").set(
            "entities.sys.id[in]",
            "article-turnout-record,article-winter-markets",
        ))
        .await
        .unwrap()
        .into_known();
    let mut ids: Vec<&str> = with_entry.items.iter().map(|r| r.sys.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["release-election-night", "release-winter-archive"]);
    let empty = client
        .query_releases(&Query::new().set("entities[exists]", "false").order("title"))
        .await
        .unwrap()
        .into_known();
    let titles: Vec<&str> = empty.items.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Alpha",
            "Empty draft release",
            "Midsummer night special",
            "Zulu notes"
        ]
    );
}

/// Follows a raw `pages.next` / `pages.prev` relative URL.
async fn follow(sb: &release_desk::sandbox::Sandbox, url: &str) -> Value {
    raw(sb, Method::GET, url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn titles_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn release_pages_link_forward_and_back() {
    let sb = sandbox().await;
    let path = format!("{}/releases?order=title&limit=2", env_path(&sb));
    let page1 = follow(&sb, &path).await;
    assert!(
        page1["pages"].get("prev").is_none(),
        "the first page has no prev"
    );
    let page2 = follow(&sb, page1["pages"]["next"].as_str().unwrap()).await;
    let page3 = follow(&sb, page2["pages"]["next"].as_str().unwrap()).await;
    assert_eq!(
        titles_of(&page1),
        ["Autumn Food Festival", "Election Night Live"]
    );
    assert_eq!(
        titles_of(&page2),
        ["Empty draft release", "Spring Travel Issue"]
    );
    assert_eq!(titles_of(&page3), ["Winter Archive"]);
    assert_eq!(
        page3["pages"].get("next"),
        None,
        "the last page has no next"
    );

    // prev leads back a page at a time.
    let back2 = follow(&sb, page3["pages"]["prev"].as_str().unwrap()).await;
    assert_eq!(titles_of(&back2), titles_of(&page2));
    let back1 = follow(&sb, back2["pages"]["prev"].as_str().unwrap()).await;
    assert_eq!(titles_of(&back1), titles_of(&page1));
    // And next from a page reached backwards goes forward again.
    let again3 = follow(&sb, back2["pages"]["next"].as_str().unwrap()).await;
    assert_eq!(titles_of(&again3), titles_of(&page3));
}

#[tokio::test]
async fn release_archive_and_unarchive() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let release = client
        .create_release(&body("To archive", &["article-urban-bees"]))
        .await
        .unwrap();
    let id = release.sys.id.as_str();

    let archived = client.archive_release(id, 1).await.unwrap();
    assert_eq!(archived.sys.status, ReleaseStatus::Archived);
    assert_eq!(archived.sys.version, 2);
    assert!(archived.sys.archived_at.is_some());
    assert!(archived.sys.archived_by.is_some());

    // Archiving twice is a 400 (with the right version, so it is not a conflict).
    let err = client.archive_release(id, 2).await.unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    // An archived release refuses updates and publishing.
    let err = client
        .update_release(id, 2, &body("Changed", &[]))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    let err = client.publish_release(id, 2).await.unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    let err = client.unpublish_release(id, 2).await.unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    let unchanged = client.get_release(id).await.unwrap();
    assert_eq!(unchanged, archived);

    let active = client.unarchive_release(id, 2).await.unwrap();
    assert_eq!(active.sys.status, ReleaseStatus::Active);
    assert_eq!(active.sys.version, 3);
    assert!(active.sys.archived_at.is_none());
    assert!(active.sys.archived_by.is_none());
    let err = client.unarchive_release(id, 3).await.unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");

    // Active again: it can be changed.
    let updated = client
        .update_release(id, 3, &body("Back again", &[]))
        .await
        .unwrap();
    assert_eq!(updated.sys.version, 4);
}

#[tokio::test]
async fn release_delete_then_404() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let release = client
        .create_release(&body("Short-lived", &["article-urban-bees"]))
        .await
        .unwrap();
    let path = format!("{}/releases/{}", env_path(&sb), release.sys.id);

    let response = raw(&sb, Method::DELETE, &path).send().await.unwrap();
    assert_eq!(response.status(), 204);

    let err = client.get_release(&release.sys.id).await.unwrap_err();
    assert!(matches!(err, CmaError::NotFound(_)), "{err:?}");
    let err = client.delete_release(&release.sys.id).await.unwrap_err();
    assert!(matches!(err, CmaError::NotFound(_)), "{err:?}");
}
