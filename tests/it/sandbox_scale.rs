//! Lists at scale (issue 14): entry, asset, release and scheduled-action lists come from the
//! sandbox's SQL index. Over a few hundred generated entries every filter and order agrees with a
//! naïve evaluation of the whole space, skip/limit and cursor pages are complete and never
//! overlap, `total` is right, and the index stays right across updates, publishes, archives,
//! deletes, a restart on the same data directory and a database from before the index.
//!
//! The sandbox runs on a manual clock that moves one second per write, so instants differ and
//! orders are checked exactly (only the demo's own entities share one instant: ties are checked
//! as groups). Nothing here sleeps.

use crate::support::known;
use std::cmp::Reverse;
use std::collections::HashSet;
use std::time::Duration;

use futures_util::TryStreamExt;
use release_desk::clock::Clock;
use release_desk::cma::*;
use release_desk::sandbox::{Sandbox, SandboxConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{env_path, fast_sandbox_config, raw, sandbox_client};

const WORDS: &[&str] = &[
    "harbour", "lantern", "orchard", "ferry", "meadow", "glacier", "saffron", "otter", "kiln",
    "compass", "willow", "tide",
];

/// A word only some generated entries hold (in a text field), for `query=`.
const RARE: &str = "zeppelin";

fn manual_config() -> SandboxConfig {
    let mut config = fast_sandbox_config();
    config.clock = Clock::manual(jiff::Timestamp::from_second(1_790_000_000).unwrap());
    config
}

fn fields(value: Value) -> Fields {
    value.as_object().cloned().unwrap()
}

fn category_fields(i: usize, revised: bool) -> Fields {
    let (a, b) = (WORDS[i % WORDS.len()], WORDS[(i * 7 + 3) % WORDS.len()]);
    let mut description = format!("{a} and {b}, number {i}");
    if i.is_multiple_of(13) {
        description.push_str(&format!(" with a {RARE}"));
    }
    if revised {
        description.push_str(" (revised)");
    }
    fields(json!({
        "name": {"en-US": format!("{} {b} {i}", capitalised(a))},
        "slug": {"en-US": format!("{a}-{b}-{i}")},
        "description": {"en-US": description},
    }))
}

fn capitalised(word: &str) -> String {
    let mut out = word.to_owned();
    if let Some(first) = out.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// What [`grow`] made: the ids it created (some since deleted), and those deleted.
struct Grown {
    created: Vec<String>,
    deleted: HashSet<String>,
    author: String,
}

/// Adds `n` categories in every state (published, changed, archived, draft, deleted) and
/// `n / 10` articles linking a demo author and a category; the clock moves a second per write.
async fn grow(sb: &Sandbox, client: &Client, n: usize) -> Grown {
    let clock = sb.clock().clone();
    let tick = || clock.advance(Duration::from_secs(1));
    let author = client
        .query_entities(
            EntityKind::Entry,
            &Query::new().set("content_type", "author").order("sys.id"),
        )
        .await
        .unwrap()
        .items[0]
        .sys
        .id
        .clone();
    let mut grown = Grown {
        created: Vec::new(),
        deleted: HashSet::new(),
        author: author.clone(),
    };
    for i in 0..n {
        tick();
        let e = client
            .create_entry("category", &category_fields(i, false))
            .await
            .unwrap();
        let id = e.sys.id.clone();
        let mut version = e.sys.version.unwrap();
        grown.created.push(id.clone());
        if i.is_multiple_of(3) {
            tick();
            let p = client
                .publish_entity(EntityKind::Entry, &id, version)
                .await
                .unwrap();
            version = p.sys.version.unwrap();
            if i.is_multiple_of(2) {
                tick();
                client
                    .update_entity(EntityKind::Entry, &id, version, &category_fields(i, true))
                    .await
                    .unwrap();
            }
        } else if i % 7 == 1 {
            tick();
            client
                .archive_entity(EntityKind::Entry, &id, version)
                .await
                .unwrap();
        } else if i % 11 == 2 {
            tick();
            client
                .delete_entity(EntityKind::Entry, &id, version)
                .await
                .unwrap();
            grown.deleted.insert(id);
        }
    }
    for i in 0..n / 10 {
        tick();
        let category = &grown.created[i * 3];
        let mut title = format!("{} notes {i}", capitalised(WORDS[i % WORDS.len()]));
        if i.is_multiple_of(4) {
            title.push_str(&format!(" on the {RARE}"));
        }
        let e = client
            .create_entry(
                "article",
                &fields(json!({
                    "title": {"en-US": title},
                    "author": {"en-US": {"sys": {"type": "Link", "linkType": "Entry", "id": author}}},
                    "related": {"en-US": [{"sys": {"type": "Link", "linkType": "Entry", "id": category}}]},
                })),
            )
            .await
            .unwrap();
        grown.created.push(e.sys.id);
    }
    grown
}

/// Every entry, by the list itself (ordered by id, paged by the client's stream).
async fn all_entries(client: &Client) -> Vec<Entity> {
    client
        .entities(EntityKind::Entry, Query::new().order("sys.id"))
        .try_collect()
        .await
        .unwrap()
}

/// One sort key part: ascending, or descending (`None`, a missing value, sorts first when
/// ascending and last when descending, as SQL's NULL does).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum K {
    A(Option<String>),
    D(Reverse<Option<String>>),
}

fn text_field(e: &Entity, field: &str) -> Option<String> {
    e.fields
        .get(field)?
        .get("en-US")?
        .as_str()
        .map(str::to_owned)
}

fn instant(t: Option<Timestamp>) -> Option<String> {
    t.map(|t| t.to_string())
}

fn content_type(e: &Entity) -> Option<&str> {
    e.sys.content_type.as_ref().map(Link::id)
}

/// Whether any text in the entity's fields holds `word` as a word (any case).
fn has_word(e: &Entity, word: &str) -> bool {
    Value::Object(e.fields.clone())
        .to_string()
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == word)
}

/// `got` holds exactly the `expected` entities, in an order that respects `key` (ties, which
/// only the demo's entities have, in any order).
fn assert_listed(
    what: &str,
    got: &[Entity],
    expected: &[&Entity],
    key: &dyn Fn(&Entity) -> Vec<K>,
) {
    let mut got_ids: Vec<&str> = got.iter().map(|e| e.sys.id.as_str()).collect();
    let unique: HashSet<&str> = got_ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        got_ids.len(),
        "{what}: an entry is listed twice"
    );
    let mut want_ids: Vec<&str> = expected.iter().map(|e| e.sys.id.as_str()).collect();
    got_ids.sort_unstable();
    want_ids.sort_unstable();
    assert_eq!(got_ids, want_ids, "{what}: not the expected entries");
    for pair in got.windows(2) {
        assert!(
            key(&pair[0]) <= key(&pair[1]),
            "{what}: {} is listed before {} against the order ({:?} > {:?})",
            pair[0].sys.id,
            pair[1].sys.id,
            key(&pair[0]),
            key(&pair[1])
        );
    }
}

/// Which items a case expects.
type Keep<'a, T> = Box<dyn Fn(&T) -> bool + 'a>;

type Case = (
    &'static str,
    Query,
    Box<dyn Fn(&Entity) -> bool>,
    Box<dyn Fn(&Entity) -> Vec<K>>,
);

#[tokio::test]
async fn every_filter_and_order_agrees_with_a_naive_list_and_total_is_right() {
    let sb = Sandbox::start(manual_config()).await.unwrap();
    let client = sandbox_client(&sb);
    let grown = grow(&sb, &client, 260).await;
    let all = all_entries(&client).await;

    // Complete: the demo's 61 entries and every generated one not deleted, once each.
    let ids: HashSet<&str> = all.iter().map(|e| e.sys.id.as_str()).collect();
    assert_eq!(ids.len(), all.len());
    assert_eq!(all.len(), 61 + grown.created.len() - grown.deleted.len());
    for id in &grown.created {
        assert_eq!(
            ids.contains(id.as_str()),
            !grown.deleted.contains(id),
            "{id}"
        );
    }

    let some_ids: Vec<String> = grown.created.iter().step_by(9).take(12).cloned().collect();
    let slug_of_7 = text_field(
        all.iter().find(|e| e.sys.id == grown.created[7]).unwrap(),
        "slug",
    )
    .unwrap();
    let author = grown.author.clone();
    let (in_ids, nin_ids) = (some_ids.clone(), some_ids.clone());
    let cases: Vec<Case> = vec![
        (
            "categories by -sys.updatedAt",
            Query::new()
                .set("content_type", "category")
                .order("-sys.updatedAt"),
            Box::new(|e| content_type(e) == Some("category")),
            Box::new(|e| vec![K::D(Reverse(instant(e.sys.updated_at)))]),
        ),
        (
            "the default order is -sys.updatedAt",
            Query::new(),
            Box::new(|_| true),
            Box::new(|e| vec![K::D(Reverse(instant(e.sys.updated_at)))]),
        ),
        (
            "published, by sys.createdAt",
            Query::new()
                .set("sys.publishedAt[exists]", "true")
                .order("sys.createdAt"),
            Box::new(|e| e.sys.published_at.is_some()),
            Box::new(|e| vec![K::A(instant(e.sys.created_at))]),
        ),
        (
            "archived",
            Query::new().set("sys.archivedAt[exists]", "true"),
            Box::new(|e| e.sys.archived_at.is_some()),
            Box::new(|e| vec![K::D(Reverse(instant(e.sys.updated_at)))]),
        ),
        (
            "never-published categories, newest first, then by id",
            Query::new()
                .set("sys.firstPublishedAt[exists]", "false")
                .set("sys.contentType.sys.id[in]", "category")
                .order("-sys.createdAt,sys.id"),
            Box::new(|e| e.sys.first_published_at.is_none() && content_type(e) == Some("category")),
            Box::new(|e| {
                vec![
                    K::D(Reverse(instant(e.sys.created_at))),
                    K::A(Some(e.sys.id.clone())),
                ]
            }),
        ),
        (
            "categories by their display field, then newest first",
            Query::new()
                .set("content_type", "category")
                .order("fields.name,-sys.createdAt"),
            Box::new(|e| content_type(e) == Some("category")),
            Box::new(|e| {
                vec![
                    K::A(text_field(e, "name")),
                    K::D(Reverse(instant(e.sys.created_at))),
                ]
            }),
        ),
        (
            "everything by -fields.name (entries without one last)",
            Query::new().order("-fields.name"),
            Box::new(|_| true),
            Box::new(|e| vec![K::D(Reverse(text_field(e, "name")))]),
        ),
        (
            "sys.id[in], by sys.id",
            Query::new()
                .set("sys.id[in]", in_ids.join(","))
                .order("sys.id"),
            Box::new(move |e| in_ids.contains(&e.sys.id)),
            Box::new(|e| vec![K::A(Some(e.sys.id.clone()))]),
        ),
        (
            "sys.id[nin] among categories",
            Query::new()
                .set("sys.id[nin]", nin_ids.join(","))
                .set("content_type", "category"),
            Box::new(move |e| content_type(e) == Some("category") && !nin_ids.contains(&e.sys.id)),
            Box::new(|e| vec![K::D(Reverse(instant(e.sys.updated_at)))]),
        ),
        (
            "fields.slug equality",
            Query::new().set("fields.slug", slug_of_7.clone()),
            Box::new(move |e| text_field(e, "slug").as_deref() == Some(slug_of_7.as_str())),
            Box::new(|e| vec![K::D(Reverse(instant(e.sys.updated_at)))]),
        ),
        (
            "links_to_entry",
            Query::new().set("links_to_entry", author.clone()),
            Box::new(move |e| {
                Value::Object(e.fields.clone())
                    .to_string()
                    .contains(&format!("\"id\":\"{author}\""))
            }),
            Box::new(|e| vec![K::D(Reverse(instant(e.sys.updated_at)))]),
        ),
        (
            "query= a word in text fields and titles",
            Query::new().set("query", RARE),
            Box::new(|e| has_word(e, RARE)),
            Box::new(|e| vec![K::D(Reverse(instant(e.sys.updated_at)))]),
        ),
        (
            "query= with a content type, by sys.createdAt",
            Query::new()
                .set("query", capitalised(RARE))
                .set("content_type", "article")
                .order("sys.createdAt"),
            Box::new(|e| has_word(e, RARE) && content_type(e) == Some("article")),
            Box::new(|e| vec![K::A(instant(e.sys.created_at))]),
        ),
    ];
    for (what, query, keep, key) in cases {
        let expected: Vec<&Entity> = all.iter().filter(|e| keep(e)).collect();
        assert!(!expected.is_empty(), "{what}: the case selects something");
        let got: Vec<Entity> = client
            .entities(EntityKind::Entry, query.clone())
            .try_collect()
            .await
            .unwrap();
        assert_listed(what, &got, &expected, &*key);
        let first = client
            .query_entities(EntityKind::Entry, &query.clone().limit(1))
            .await
            .unwrap();
        assert_eq!(first.total, expected.len() as u64, "{what}: total");
    }

    // Assets are indexed the same way.
    let assets = client
        .query_entities(EntityKind::Asset, &Query::new().set("query", "harbour"))
        .await
        .unwrap();
    assert!(assets.total >= 1 && assets.items.iter().all(|a| has_word(a, "harbour")));
}

#[tokio::test]
async fn skip_limit_and_cursor_pages_are_complete_and_never_overlap() {
    let sb = Sandbox::start(manual_config()).await.unwrap();
    let client = sandbox_client(&sb);
    grow(&sb, &client, 200).await;
    let all = all_entries(&client).await;
    let everyone: HashSet<&str> = all.iter().map(|e| e.sys.id.as_str()).collect();

    // skip/limit pages of 37, newest first.
    let mut paged = Vec::new();
    let mut skip = 0;
    loop {
        let page = client
            .query_entities(
                EntityKind::Entry,
                &Query::new()
                    .order("-sys.updatedAt")
                    .set("skip", skip)
                    .limit(37),
            )
            .await
            .unwrap();
        assert_eq!(page.total, all.len() as u64, "total on every page");
        assert!(page.items.len() <= 37);
        if page.items.is_empty() {
            break;
        }
        skip += page.items.len();
        paged.extend(page.items);
    }
    let expected: Vec<&Entity> = all.iter().collect();
    assert_listed("skip/limit pages", &paged, &expected, &|e| {
        vec![K::D(Reverse(instant(e.sys.updated_at)))]
    });

    // Cursor pages of 29, oldest first: forward to the end, then back to the start.
    let first_path = format!(
        "{}/entries?cursor=true&limit=29&order=sys.createdAt",
        env_path(&sb)
    );
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut next = Some(first_path);
    let mut last_prev = None;
    while let Some(path) = next {
        let body: Value = raw(&sb, Method::GET, &path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            body.get("total").is_none() && body.get("skip").is_none(),
            "{body}"
        );
        let ids: Vec<String> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["sys"]["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(!ids.is_empty() && ids.len() <= 29);
        pages.push(ids);
        next = body["pages"]["next"].as_str().map(str::to_owned);
        last_prev = body["pages"]["prev"].as_str().map(str::to_owned);
        if let Some(next) = &next {
            assert!(
                next.contains("cursor=true") && next.contains("pageNext="),
                "{next}"
            );
        }
    }
    let forward: Vec<&str> = pages.iter().flatten().map(String::as_str).collect();
    let unique: HashSet<&str> = forward.iter().copied().collect();
    assert_eq!(unique.len(), forward.len(), "no entry on two cursor pages");
    assert_eq!(unique, everyone, "the cursor pages hold every entry");
    let mut back = Vec::new();
    let mut prev = last_prev;
    while let Some(path) = prev {
        let body: Value = raw(&sb, Method::GET, &path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        back.push(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["sys"]["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>(),
        );
        prev = body["pages"]["prev"].as_str().map(str::to_owned);
    }
    back.reverse();
    assert_eq!(
        back,
        pages[..pages.len() - 1],
        "pagePrev walks back over the same pages"
    );
}

#[tokio::test]
async fn public_entries_are_the_published_ones_as_published() {
    let sb = Sandbox::start(manual_config()).await.unwrap();
    let client = sandbox_client(&sb);
    let grown = grow(&sb, &client, 90).await;
    let all = all_entries(&client).await;
    let published: HashSet<&str> = all
        .iter()
        .filter(|e| e.sys.published_version.is_some())
        .map(|e| e.sys.id.as_str())
        .collect();

    let mut listed: Vec<Value> = Vec::new();
    let mut next = Some(format!(
        "{}/public/entries?cursor=true&limit=40",
        env_path(&sb)
    ));
    while let Some(path) = next {
        let response = raw(&sb, Method::GET, &path).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        listed.extend(body["items"].as_array().unwrap().iter().cloned());
        next = body["pages"]["next"].as_str().map(str::to_owned);
    }
    let ids: HashSet<&str> = listed
        .iter()
        .map(|e| e["sys"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), listed.len());
    assert_eq!(ids, published, "only and every published entry");

    // A changed entry (published, then edited) is served as it was published.
    let changed = &grown.created[0];
    let served = listed
        .iter()
        .find(|e| e["sys"]["id"] == changed.as_str())
        .unwrap();
    let current = all.iter().find(|e| &e.sys.id == changed).unwrap();
    assert!(
        text_field(current, "description")
            .unwrap()
            .ends_with("(revised)")
    );
    assert_eq!(
        served["fields"]["description"]["en-US"],
        json!(category_fields(0, false)["description"]["en-US"])
    );
    assert!(served["sys"].get("version").is_none() && served["sys"]["revision"].is_u64());

    // Offset paging and filters work there too; unpublishing removes an entry.
    let path = format!(
        "{}/public/entries?content_type=category&limit=5",
        env_path(&sb)
    );
    let body: Value = raw(&sb, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let categories = all
        .iter()
        .filter(|e| e.sys.published_version.is_some() && content_type(e) == Some("category"))
        .count();
    assert_eq!(body["total"], json!(categories));
    let version = current.sys.version.unwrap();
    client
        .unpublish_entity(EntityKind::Entry, changed, version)
        .await
        .unwrap();
    let body: Value = raw(&sb, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["total"], json!(categories - 1));
}

/// The ids a few list queries answer, in order.
async fn listing(client: &Client) -> Vec<Vec<String>> {
    let queries = [
        Query::new(),
        Query::new()
            .set("content_type", "category")
            .order("fields.name"),
        Query::new().set("query", RARE),
        Query::new()
            .set("sys.archivedAt[exists]", "true")
            .order("sys.createdAt"),
        Query::new().set("links_to_entry", "cat-food"),
    ];
    let mut out = Vec::new();
    for query in queries {
        let entries: Vec<Entity> = client
            .entities(EntityKind::Entry, query)
            .try_collect()
            .await
            .unwrap();
        out.push(entries.into_iter().map(|e| e.sys.id).collect());
    }
    let releases: Vec<Release> = client
        .releases(Query::new().order("title"))
        .map_ok(known)
        .try_collect()
        .await
        .unwrap();
    out.push(releases.into_iter().map(|r| r.sys.id).collect());
    out
}

#[tokio::test]
async fn the_index_survives_a_restart_and_an_old_database_is_indexed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let config = || {
        let mut config = manual_config();
        config.data_dir = Some(dir.path().to_path_buf());
        config
    };
    let sb = Sandbox::start(config()).await.unwrap();
    let client = sandbox_client(&sb);
    let grown = grow(&sb, &client, 60).await;
    let before = listing(&client).await;
    assert!(before.iter().take(4).all(|ids| !ids.is_empty()));
    sb.shutdown(Duration::from_secs(1)).await;

    // Restarted on the same data: the same lists, and writes keep the index right.
    let sb = Sandbox::start(config()).await.unwrap();
    let client = sandbox_client(&sb);
    assert_eq!(listing(&client).await, before);
    let victim = grown
        .created
        .iter()
        .find(|id| !grown.deleted.contains(*id))
        .unwrap();
    let entity = client.get_entity(EntityKind::Entry, victim).await.unwrap();
    let mut version = entity.sys.version.unwrap();
    if entity.sys.published_version.is_some() {
        version = client
            .unpublish_entity(EntityKind::Entry, victim, version)
            .await
            .unwrap()
            .sys
            .version
            .unwrap();
    }
    if entity.sys.archived_version.is_some() {
        version = client
            .unarchive_entity(EntityKind::Entry, victim, version)
            .await
            .unwrap()
            .sys
            .version
            .unwrap();
    }
    client
        .delete_entity(EntityKind::Entry, victim, version)
        .await
        .unwrap();
    let after_delete = listing(&client).await;
    assert!(after_delete.iter().all(|ids| !ids.contains(victim)));
    assert_eq!(after_delete[0].len(), before[0].len() - 1);
    sb.shutdown(Duration::from_secs(1)).await;

    // The same database as an older sandbox left it: no index, no index version.
    let db = rusqlite::Connection::open(dir.path().join("sandbox.sqlite3")).unwrap();
    db.execute_batch(
        "DROP TABLE entity_index; DROP TABLE entity_fts; DROP TABLE entity_links;
         DROP TABLE entity_counts; DROP TABLE release_index; DROP TABLE release_entities;
         DROP TABLE release_action_index; DROP TABLE schedule_index;
         DELETE FROM settings WHERE key = 'index_version';",
    )
    .unwrap();
    drop(db);
    let sb = Sandbox::start(config()).await.unwrap();
    let client = sandbox_client(&sb);
    assert_eq!(
        listing(&client).await,
        after_delete,
        "indexed again on open"
    );
    let db = rusqlite::Connection::open(dir.path().join("sandbox.sqlite3")).unwrap();
    let recorded: String = db
        .query_row(
            "SELECT value FROM settings WHERE key = 'index_version'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(recorded, release_desk::sandbox::index::VERSION);
}

#[tokio::test]
async fn release_lists_filter_order_and_page_from_the_index() {
    let sb = Sandbox::start(manual_config()).await.unwrap();
    let client = sandbox_client(&sb);
    let clock = sb.clock().clone();
    let grown = grow(&sb, &client, 40).await;
    let live: Vec<&String> = grown
        .created
        .iter()
        .filter(|id| !grown.deleted.contains(*id))
        .collect();
    for i in 0..36 {
        clock.advance(Duration::from_secs(1));
        let links: Vec<Link> = (0..(i % 5))
            .map(|j| Link::entry(live[(i + j) % live.len()].clone()))
            .collect();
        let title = format!("{} launch {i}", capitalised(WORDS[i % WORDS.len()]));
        let release = client
            .create_release(&ReleaseBody::new(title, links))
            .await
            .unwrap();
        if i.is_multiple_of(4) {
            clock.advance(Duration::from_secs(1));
            client
                .archive_release(&release.sys.id, release.sys.version)
                .await
                .unwrap();
        }
    }
    let all: Vec<Release> = client
        .releases(Query::new().limit(7))
        .map_ok(known)
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<&str> = all.iter().map(|r| r.sys.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "no release on two pages");
    assert_eq!(all.len(), 5 + 36, "the demo's five and the 36 new ones");
    for pair in all.windows(2) {
        assert!(
            pair[0].sys.updated_at >= pair[1].sys.updated_at,
            "-sys.updatedAt"
        );
    }

    let target = live[2].clone();
    let cases: Vec<(Query, Keep<'_, Release>)> = vec![
        (
            Query::new().set("sys.status[in]", "archived"),
            Box::new(|r| r.is_archived()),
        ),
        (
            Query::new()
                .set("sys.status[nin]", "archived")
                .set("title[match]", "LAUNCH lantern"),
            Box::new(|r| {
                let t = r.title.to_lowercase();
                !r.is_archived() && t.contains("launch") && t.contains("lantern")
            }),
        ),
        (
            Query::new()
                .set("entities.sys.linkType", "Entry")
                .set("entities.sys.id[in]", format!("{target},nope")),
            Box::new(move |r| r.entities.links().any(|l| l.sys.id == target)),
        ),
        (
            Query::new().set("entities[exists]", "false"),
            Box::new(|r| r.entities.is_empty()),
        ),
    ];
    for (query, keep) in cases {
        let mut got: Vec<String> = client
            .releases(query.clone().limit(3))
            .map_ok(known)
            .try_collect::<Vec<Release>>()
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.sys.id)
            .collect();
        let mut want: Vec<String> = all
            .iter()
            .filter(|r| keep(r))
            .map(|r| r.sys.id.clone())
            .collect();
        assert!(!want.is_empty(), "{query:?} selects something");
        got.sort();
        want.sort();
        assert_eq!(got, want, "{query:?}");
    }
    let by_title: Vec<Release> = client
        .releases(Query::new().order("-title,sys.createdAt"))
        .map_ok(known)
        .try_collect()
        .await
        .unwrap();
    let titles: Vec<String> = by_title.iter().map(|r| r.title.to_lowercase()).collect();
    let mut sorted = titles.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(titles, sorted);
}

#[tokio::test]
async fn scheduled_action_lists_filter_by_time_status_and_entity() {
    let sb = Sandbox::start(manual_config()).await.unwrap();
    let client = sandbox_client(&sb);
    let clock = sb.clock().clone();
    let grown = grow(&sb, &client, 12).await;
    let live: Vec<String> = grown
        .created
        .iter()
        .filter(|id| !grown.deleted.contains(*id))
        .cloned()
        .collect();
    let entity = live[1].clone();
    let now = clock.now();
    let hour = 3_600_000;
    for i in 0..30i64 {
        clock.advance(Duration::from_secs(1));
        let id = if i % 3 == 0 {
            entity.clone()
        } else {
            live[(i as usize) % live.len()].clone()
        };
        let body = ScheduledActionBody {
            entity: Link::entry(id),
            environment: Link::new(LinkType::Environment, "master"),
            action: ScheduledActionKind::Publish,
            scheduled_for: ScheduledFor {
                datetime: Timestamp::from_millis(now.as_millisecond() + (i + 1) * hour).unwrap(),
                timezone: None,
            },
            payload: None,
        };
        let created = client.create_scheduled_action(&body).await.unwrap();
        if i % 5 == 0 {
            client
                .cancel_scheduled_action(&created.sys.id)
                .await
                .unwrap();
        }
    }
    let all: Vec<ScheduledAction> = client
        .scheduled_actions(Query::new().limit(4))
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<&str> = all.iter().map(|a| a.sys.id.as_str()).collect();
    assert_eq!(ids.len(), all.len());
    assert!(all.len() >= 30);
    for pair in all.windows(2) {
        assert!(pair[0].scheduled_for.datetime <= pair[1].scheduled_for.datetime);
    }
    let from = Timestamp::from_millis(now.as_millisecond() + 5 * hour).unwrap();
    let to = Timestamp::from_millis(now.as_millisecond() + 20 * hour).unwrap();
    let in_window =
        |a: &ScheduledAction| a.scheduled_for.datetime >= from && a.scheduled_for.datetime <= to;
    let cases: Vec<(Query, Keep<'_, ScheduledAction>)> = vec![
        (
            Query::new()
                .set("scheduledFor.datetime[gte]", from)
                .set("scheduledFor.datetime[lte]", to),
            Box::new(in_window),
        ),
        (
            Query::new()
                .set("scheduledFor.datetime[gte]", from)
                .set("scheduledFor.datetime[lte]", to)
                .set("sys.status[in]", "scheduled"),
            Box::new(move |a| in_window(a) && a.sys.status == ScheduledActionStatus::Scheduled),
        ),
        (
            Query::new()
                .set("entity.sys.id", entity.clone())
                .set("sys.status[nin]", "canceled")
                .order("-scheduledFor.datetime"),
            Box::new(move |a| {
                a.entity.id() == entity && a.sys.status != ScheduledActionStatus::Canceled
            }),
        ),
    ];
    for (query, keep) in cases {
        let got: Vec<ScheduledAction> = client
            .scheduled_actions(query.clone().limit(3))
            .try_collect()
            .await
            .unwrap();
        let descending = query.get("order") == Some("-scheduledFor.datetime");
        let mut want: Vec<&ScheduledAction> = all.iter().filter(|a| keep(a)).collect();
        if descending {
            want.reverse();
        }
        assert!(!want.is_empty(), "{query:?} selects something");
        let got_ids: Vec<&str> = got.iter().map(|a| a.sys.id.as_str()).collect();
        let want_ids: Vec<&str> = want.iter().map(|a| a.sys.id.as_str()).collect();
        assert_eq!(got_ids, want_ids, "{query:?}");
    }
}

#[tokio::test]
async fn bad_list_queries_are_refused_with_invalid_query() {
    let sb = Sandbox::start(manual_config()).await.unwrap();
    let env = env_path(&sb);
    for path in [
        format!("{env}/entries?nonsense=1"),
        format!("{env}/entries?fields.title.en-US=x"),
        format!("{env}/entries?order=sys.nonsense"),
        format!("{env}/entries?order=fields.a%22b"),
        format!("{env}/entries?sys.archivedAt%5Bexists%5D=maybe"),
        format!("{env}/public/entries?cursor=true&skip=3"),
        format!("{env}/public/entries?pageNext=c1"),
        format!("{env}/releases?order=sys.nonsense"),
        format!("{env}/releases?entities.sys.id%5Bin%5D=x"),
    ] {
        let response = raw(&sb, Method::GET, &path).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["sys"]["id"], "InvalidQuery", "{path}: {body}");
    }
    // Whatever is typed into query= is a valid search (quotes and operators are words).
    let body: Value = raw(
        &sb,
        Method::GET,
        &format!("{env}/entries?query=%22cider%22%20OR%20NEAR(*"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(body["total"].is_u64(), "{body}");
}

#[tokio::test]
async fn latency_holds_every_response_back() {
    let sb = Sandbox::start(SandboxConfig {
        latency: Duration::from_millis(150),
        ..manual_config()
    })
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let response = raw(
        &sb,
        Method::GET,
        &format!("{}/entries?limit=1", env_path(&sb)),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = std::time::Instant::now();
    let response = raw(&sb, Method::GET, "/spaces/nope").send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "errors too"
    );
}
