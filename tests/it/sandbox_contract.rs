//! The corrected contract (spec §0, §1, §4–§7) over real HTTP: optional `sys` keys absent,
//! derived entry keys, cursor paging of entries, rate-limit headers and request ids on every
//! answer, CMA-shaped errors for everything the sandbox refuses, unknown query parameters
//! refused, validate-for-unpublish, and the refusals that keep bad input from doing damage.

use release_desk::cma::{
    ActionStatus, LinkType, ReleaseBody, ScheduledActionBody, ScheduledActionKind, ScheduledFor,
    Timestamp,
};
use release_desk::sandbox::{Sandbox, SandboxConfig, SandboxError};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{env_path, fast_poll, raw, sandbox, sandbox_client};

async fn json_of(response: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap();
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&body)));
    (status, headers, json)
}

/// Asserts a CMA error body with this id whose `requestId` is the response header's value.
fn assert_cma_error(headers: &reqwest::header::HeaderMap, body: &Value, id: &str) {
    assert_eq!(body["sys"]["type"], "Error", "{body}");
    assert_eq!(body["sys"]["id"], id, "{body}");
    let request_id = body["requestId"].as_str().expect("requestId in the body");
    assert_eq!(request_id.len(), 32, "{request_id}");
    assert!(
        request_id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{request_id}"
    );
    assert_eq!(
        headers["x-contentful-request-id"].to_str().unwrap(),
        request_id
    );
}

#[tokio::test]
async fn optional_sys_keys_are_absent_and_entries_carry_their_derived_keys() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let mut fields = serde_json::Map::new();
    fields.insert("name".into(), json!({"en-US": "Contract"}));
    fields.insert("slug".into(), json!({"en-US": "contract"}));
    let created = client.create_entry("category", &fields).await.unwrap();
    let path = format!("{}/entries/{}", env_path(&sb), created.sys.id);
    let (_, _, entry) = json_of(raw(&sb, Method::GET, &path).send().await.unwrap()).await;
    let sys = entry["sys"].as_object().unwrap();
    for absent in [
        "archivedVersion",
        "archivedAt",
        "archivedBy",
        "publishedVersion",
        "publishedAt",
    ] {
        assert!(!sys.contains_key(absent), "{absent} in {entry}");
    }
    assert_eq!(sys["automationTags"], json!([]));
    assert_eq!(
        sys["fieldStatus"],
        json!({"*": {"en-US": "draft", "de-DE": "draft"}})
    );
    client
        .publish_entity(
            release_desk::cma::EntityKind::Entry,
            &created.sys.id,
            created.sys.version.unwrap(),
        )
        .await
        .unwrap();
    let (_, _, entry) = json_of(raw(&sb, Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(entry["sys"]["fieldStatus"]["*"]["de-DE"], "published");

    // A release that was archived and unarchived has no archivedBy/archivedAt keys.
    let release = client
        .create_release(&ReleaseBody::new("Keys", Vec::new()))
        .await
        .unwrap();
    let archived = client
        .archive_release(&release.sys.id, release.sys.version)
        .await
        .unwrap();
    client
        .unarchive_release(&release.sys.id, archived.sys.version)
        .await
        .unwrap();
    let path = format!("{}/releases/{}", env_path(&sb), release.sys.id);
    let (_, _, release) = json_of(raw(&sb, Method::GET, &path).send().await.unwrap()).await;
    assert!(release["sys"].get("archivedBy").is_none(), "{release}");
    assert!(release["sys"].get("archivedAt").is_none(), "{release}");

    // A webhook created without headers has `headers: []`.
    let path = format!("/spaces/{}/webhook_definitions", sb.space_id);
    let body = json!({"name": "bare", "url": "https://example.com/h", "topics": ["*.*"]});
    let (status, _, hook) = json_of(
        raw(&sb, Method::POST, &path)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{hook}");
    assert_eq!(hook["headers"], json!([]));
}

#[tokio::test]
async fn every_answer_has_rate_limit_headers_and_every_error_a_request_id() {
    let sb = sandbox().await;
    let ok = raw(&sb, Method::GET, &format!("{}/releases", env_path(&sb)))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header(&ok, "x-contentful-ratelimit-reset"), "0");
    assert_eq!(header(&ok, "x-contentful-ratelimit-second-limit"), "10");
    assert_eq!(header(&ok, "x-contentful-ratelimit-hour-limit"), "36000");
    assert!(
        header(&ok, "x-contentful-ratelimit-second-remaining")
            .parse::<u32>()
            .unwrap()
            < 10
    );
    assert!(
        header(&ok, "x-contentful-ratelimit-hour-remaining")
            .parse::<u32>()
            .unwrap()
            < 36000
    );
    assert_eq!(header(&ok, "x-contentful-request-id").len(), 32);

    // 404 with environment and space in its details.
    let missing = raw(&sb, Method::GET, &format!("{}/entries/nope", env_path(&sb)))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&missing, "x-contentful-ratelimit-reset"), "0");
    let (status, headers, body) = json_of(missing).await;
    assert_eq!(status, 404);
    assert_cma_error(&headers, &body, "NotFound");
    assert_eq!(body["details"]["environment"], "master");
    assert_eq!(body["details"]["space"], sb.space_id.as_str());

    // 405, which axum answers with an empty body, becomes a CMA error too.
    let (status, headers, body) = json_of(
        raw(&sb, Method::PATCH, &format!("{}/releases", env_path(&sb)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 405);
    assert_cma_error(&headers, &body, "MethodNotAllowed");

    // Invalid UTF-8 in a path.
    let (status, headers, body) = json_of(
        raw(
            &sb,
            Method::GET,
            &format!("{}/entries/%FF%FE", env_path(&sb)),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_cma_error(&headers, &body, "BadRequest");

    // A JSON array where an object belongs.
    let (status, headers, body) = json_of(
        raw(&sb, Method::POST, &format!("{}/releases", env_path(&sb)))
            .body("[]")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_cma_error(&headers, &body, "BadRequest");
}

#[tokio::test]
async fn unknown_query_parameters_are_refused_and_entry_filters_work() {
    let sb = sandbox().await;
    let entries = format!("{}/entries", env_path(&sb));
    let get = |query: &str| raw(&sb, Method::GET, &format!("{entries}?{query}")).send();

    // A filter the sandbox does not know must not silently return everything.
    for query in [
        "fields.title[ne]=x",
        "sys.updatedAt[gte]=2020-01-01",
        "bogus=1",
        "include=2",
    ] {
        let (status, headers, body) = json_of(get(query).await.unwrap()).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_cma_error(&headers, &body, "InvalidQuery");
    }
    for (path, query) in [
        (format!("{}/releases", env_path(&sb)), "titel=typo"),
        (
            format!("/spaces/{}/scheduled_actions", sb.space_id),
            "environment.sys.id=master&statuss=x",
        ),
        (
            format!("/spaces/{}/webhook_definitions", sb.space_id),
            "name=x",
        ),
    ] {
        let response = raw(&sb, Method::GET, &format!("{path}?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path}?{query}");
    }

    // fields.<id> equality, links_to_entry, content type and [exists] filters.
    let (_, _, by_slug) =
        json_of(get("content_type=category&fields.slug=food").await.unwrap()).await;
    let ids: Vec<&str> = by_slug["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sys"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cat-food"], "{by_slug}");
    let (_, _, linking) = json_of(get("links_to_entry=cat-food").await.unwrap()).await;
    let linking = linking["items"].as_array().unwrap();
    assert!(!linking.is_empty());
    assert!(
        linking
            .iter()
            .all(|e| e["fields"].to_string().contains("\"cat-food\""))
    );
    let (_, _, archived) = json_of(get("sys.archivedAt[exists]=true").await.unwrap()).await;
    assert!(
        archived["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["sys"].get("archivedAt").is_some())
    );

    // Cursor paging: no total, pages.next is a URL carrying pageNext, and following it visits
    // every entry once.
    let (_, _, offset) = json_of(get("limit=1").await.unwrap()).await;
    let total = offset["total"].as_u64().unwrap();
    let mut next = Some(format!("{entries}?cursor=true&limit=7"));
    let mut seen = std::collections::HashSet::new();
    while let Some(url) = next.take() {
        let (status, _, page) = json_of(raw(&sb, Method::GET, &url).send().await.unwrap()).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.get("total").is_none() && page.get("skip").is_none());
        for item in page["items"].as_array().unwrap() {
            assert!(seen.insert(item["sys"]["id"].as_str().unwrap().to_owned()));
        }
        next = page["pages"]["next"].as_str().map(|n| {
            assert!(n.contains("pageNext=") && n.contains("cursor=true"), "{n}");
            n.to_owned()
        });
    }
    assert_eq!(seen.len() as u64, total);
    let (status, _, _) = json_of(get("cursor=true&skip=5").await.unwrap()).await;
    assert_eq!(status, 400);
    // A forged cursor neither overflows nor fails: it is past the end.
    let (status, _, page) =
        json_of(get("cursor=true&pageNext=cffffffffffffffff").await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(page["items"], json!([]));
    let (status, _, _) = json_of(
        get("cursor=true&pageNext=cfffffffffffffffffffffffffffffffff")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);

    // Scheduled actions page with bare tokens, passed back as next=.
    let client = sandbox_client(&sb);
    let when = |mins| Timestamp(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(mins));
    for mins in [60, 120] {
        client
            .create_scheduled_action(&ScheduledActionBody {
                entity: release_desk::cma::Link::entry("cat-food"),
                environment: release_desk::cma::Link::new(LinkType::Environment, "master"),
                action: ScheduledActionKind::Publish,
                scheduled_for: ScheduledFor {
                    datetime: when(mins),
                    timezone: None,
                },
                payload: None,
            })
            .await
            .unwrap();
    }
    let list = format!(
        "/spaces/{}/scheduled_actions?environment.sys.id=master&limit=1",
        sb.space_id
    );
    let (_, _, first) = json_of(raw(&sb, Method::GET, &list).send().await.unwrap()).await;
    let token = first["pages"]["next"].as_str().expect("a next token");
    assert!(!token.contains('/') && !token.contains('?'), "{token}");
    let (status, _, second) = json_of(
        raw(&sb, Method::GET, &format!("{list}&next={token}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(
        first["items"][0]["sys"]["id"],
        second["items"][0]["sys"]["id"]
    );
}

#[tokio::test]
async fn validation_for_unpublish_skips_field_checks() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    // Election Night Live has five invalid entries: it fails a validation for publishing…
    let for_publish = client
        .validate_release("release-election-night", None)
        .await
        .unwrap();
    let done = client
        .wait_release_action("release-election-night", &for_publish.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Failed);
    // …and passes one for unpublishing (spec §1: no field validations).
    let for_unpublish = client
        .validate_release(
            "release-election-night",
            Some(release_desk::cma::ActionKind::Unpublish),
        )
        .await
        .unwrap();
    let done = client
        .wait_release_action(
            "release-election-night",
            &for_unpublish.sys.id,
            &fast_poll(),
        )
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    // What the sandbox remembers about the action is not in its JSON.
    let path = format!(
        "{}/releases/release-election-night/actions/{}",
        env_path(&sb),
        for_unpublish.sys.id
    );
    let (_, _, action) = json_of(raw(&sb, Method::GET, &path).send().await.unwrap()).await;
    assert!(!action.to_string().contains("validateFor"), "{action}");
}

#[tokio::test]
async fn refusals_that_keep_bad_input_harmless() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    // A schedule of an archived release would only fail at run time: refused when created.
    let archived = client.get_release("release-winter-archive").await.unwrap();
    assert!(archived.is_archived());
    let refused = client
        .create_scheduled_action(&ScheduledActionBody {
            entity: release_desk::cma::Link::new(LinkType::Release, archived.sys.id.clone()),
            environment: release_desk::cma::Link::new(LinkType::Environment, "master"),
            action: ScheduledActionKind::Publish,
            scheduled_for: ScheduledFor {
                datetime: Timestamp(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)),
                timezone: None,
            },
            payload: None,
        })
        .await;
    assert!(refused.is_err(), "{refused:?}");

    // Releases are created by POST: a PUT to an unknown id is 404.
    let (status, headers, body) = json_of(
        raw(
            &sb,
            Method::PUT,
            &format!("{}/releases/made-up", env_path(&sb)),
        )
        .header("x-contentful-version", "1")
        .json(&json!({"title": "x", "entities": {"sys": {"type": "Array"}, "items": []}}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_cma_error(&headers, &body, "NotFound");

    // `.` and `..` are not ids.
    assert!(!release_desk::sandbox::core::valid_id("."));
    assert!(!release_desk::sandbox::core::valid_id(".."));
    assert!(release_desk::sandbox::core::valid_id("a.b"));

    // An empty token would let anyone in: refused at start.
    let empty = Sandbox::start(SandboxConfig {
        token: Some(String::new()),
        ..SandboxConfig::default()
    })
    .await;
    assert!(matches!(empty, Err(SandboxError::Setup(_))), "{empty:?}");
}

#[tokio::test]
async fn the_content_model_is_writable_and_entries_follow_its_published_form() {
    let sb = sandbox().await;
    let env = env_path(&sb);
    let send = |method: Method, path: String, version: Option<u64>, body: Option<Value>| {
        let mut request = raw(&sb, method, &path);
        if let Some(v) = version {
            request = request.header("x-contentful-version", v.to_string());
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let required = |required: bool| {
        json!({"name": "Note", "displayField": "title", "fields": [
            {"id": "title", "name": "Title", "type": "Symbol", "localized": false, "required": true},
            {"id": "body", "name": "Body", "type": "Text", "localized": false, "required": required}]})
    };
    // Create with an id, publish.
    let (status, _, ct) = json_of(
        send(
            Method::PUT,
            format!("{env}/content_types/note"),
            None,
            Some(required(true)),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{ct}");
    let (status, _, ct) = json_of(
        send(
            Method::PUT,
            format!("{env}/content_types/note/published"),
            Some(1),
            None,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{ct}");
    assert_eq!(ct["sys"]["publishedVersion"], 1);
    let (status, _, interface) = json_of(
        send(
            Method::GET,
            format!("{env}/content_types/note/editor_interface"),
            None,
            None,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(interface["controls"].as_array().unwrap().len(), 2);

    // An entry without a body cannot be published while the published form requires one…
    let entry_id = {
        let response = raw(&sb, Method::POST, &format!("{env}/entries"))
            .header("x-contentful-content-type", "note")
            .json(&json!({"fields": {"title": {"en-US": "Hello"}}}))
            .send()
            .await
            .unwrap();
        let (status, _, entry) = json_of(response).await;
        assert_eq!(status, 201, "{entry}");
        entry["sys"]["id"].as_str().unwrap().to_owned()
    };
    let publish = |version: u64| {
        send(
            Method::PUT,
            format!("{env}/entries/{entry_id}/published"),
            Some(version),
            None,
        )
    };
    assert_eq!(publish(1).await.unwrap().status(), 422);
    // …a draft change of the content type does not count…
    let (status, _, ct) = json_of(
        send(
            Method::PUT,
            format!("{env}/content_types/note"),
            Some(2),
            Some(required(false)),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{ct}");
    assert_eq!(publish(1).await.unwrap().status(), 422);
    // …publishing it does.
    let response = send(
        Method::PUT,
        format!("{env}/content_types/note/published"),
        Some(3),
        None,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(publish(1).await.unwrap().status(), 200);

    // A content type with entries can be neither unpublished nor deleted.
    let response = send(
        Method::DELETE,
        format!("{env}/content_types/note/published"),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 400);

    // Locales: created with space and environment links; the default cannot be deleted.
    let (status, _, locale) = json_of(
        send(
            Method::POST,
            format!("{env}/locales"),
            None,
            Some(json!({"code": "fr-FR", "name": "French"})),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{locale}");
    assert_eq!(locale["sys"]["space"]["sys"]["id"], sb.space_id.as_str());
    assert_eq!(locale["sys"]["environment"]["sys"]["id"], "master");
    let (_, _, locales) = json_of(
        send(Method::GET, format!("{env}/locales"), None, None)
            .await
            .unwrap(),
    )
    .await;
    let default_id = locales["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["default"] == true)
        .unwrap()["sys"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = send(
        Method::DELETE,
        format!("{env}/locales/{default_id}"),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 400);

    // The one role a space export reads.
    let (status, _, roles) = json_of(
        send(
            Method::GET,
            format!("/spaces/{}/roles", sb.space_id),
            None,
            None,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(roles["items"][0]["name"], "Admin");
}
