//! Unit tests of the parent module.

use std::collections::VecDeque;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap as AxumHeaders, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::request::{base64, truncate_str};
use super::*;
use crate::cma::WebhookHeader;
use crate::signing::verify_request;

const SPACE: &str = "sp1";
const ENV: &str = "master";
const NOW_MS: i64 = 1_767_261_600_000;

fn secret() -> SigningSecret {
    SigningSecret::new("a".repeat(32) + &"B".repeat(32)).unwrap()
}

fn entry_payload(id: &str, content_type: &str) -> Value {
    json!({"sys": {
        "id": id, "type": "Entry", "version": 3,
        "environment": {"sys": {"type": "Link", "linkType": "Environment", "id": "master"}},
        "contentType": {"sys": {"type": "Link", "linkType": "ContentType", "id": content_type}},
    }, "fields": {"title": {"en-US": "Hello"}}})
}

fn entry_event(id: &str) -> Event {
    Event::new(
        Topic::new("Entry", "publish"),
        entry_payload(id, "article"),
        format!("entries/{id}"),
    )
    .at(jiff::Timestamp::from_millisecond(NOW_MS - 1_500).unwrap())
}

fn header_names(request: &DeliveryRequest) -> Vec<&str> {
    request.headers.iter().map(|(k, _)| k.as_str()).collect()
}

// ---- Matching -----------------------------------------------------------------------

#[test]
fn topic_matching_table() {
    let publish = Topic::new("Entry", "publish");
    let cases: [(&[&str], &Topic, bool); 14] = [
        (&["Entry.publish"], &publish, true),
        (&["Entry.save"], &publish, false),
        (&["Asset.publish"], &publish, false),
        (&["*.*"], &publish, true),
        (&["Entry.*"], &publish, true),
        (&["Release.*"], &publish, false),
        (&["*.publish"], &publish, true),
        (&["*.save"], &publish, false),
        (&["Release.*", "Entry.save", "*.publish"], &publish, true),
        (&[], &publish, false),
        (&["entry.publish"], &publish, false),
        // Malformed patterns match nothing.
        (
            &[
                "*",
                "Entry",
                "",
                ".",
                "*.",
                ".*",
                "ContentManagement.Entry.publish",
            ],
            &publish,
            false,
        ),
        (&["Ent*.publish", "Entry.pub*"], &publish, false),
        (
            &["*.execute"],
            &Topic::new("ReleaseAction", "execute"),
            true,
        ),
    ];
    for (patterns, topic, expected) in cases {
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        assert_eq!(
            topic_matches(&patterns, topic),
            expected,
            "{patterns:?} vs {topic}"
        );
    }
    assert_eq!(
        Topic::new("ReleaseAction", "execute").to_string(),
        "ContentManagement.ReleaseAction.execute"
    );
}

#[test]
fn filters_table() {
    let entry = entry_payload("r-main", "article");
    let asset = json!({"sys": {"id": "r-logo", "type": "Asset",
        "environment": {"sys": {"id": "master"}}}});
    let f = |v: Value| v;
    let cases: Vec<(Value, bool, bool)> = vec![
        // (filter, on entry, on asset)
        (
            f(json!({"equals": [{"doc": "sys.id"}, "r-main"]})),
            true,
            false,
        ),
        (
            f(json!({"equals": [{"doc": "sys.environment.sys.id"}, "master"]})),
            true,
            true,
        ),
        (
            f(json!({"equals": [{"doc": "sys.environment.sys.id"}, "staging"]})),
            false,
            false,
        ),
        (
            f(json!({"in": [{"doc": "sys.contentType.sys.id"}, ["article", "page"]]})),
            true,
            false,
        ),
        (
            f(json!({"in": [{"doc": "sys.contentType.sys.id"}, ["page"]]})),
            false,
            false,
        ),
        (
            f(json!({"regexp": [{"doc": "sys.id"}, {"pattern": "^r-"}]})),
            true,
            true,
        ),
        (
            f(json!({"regexp": [{"doc": "sys.id"}, {"pattern": "main$"}]})),
            true,
            false,
        ),
        (
            f(json!({"not": {"equals": [{"doc": "sys.id"}, "r-main"]}})),
            false,
            true,
        ),
        (
            f(json!({"not": {"in": [{"doc": "sys.contentType.sys.id"}, ["internal"]]}})),
            true,
            // Missing property: false, and its negation too (the webhook is muted).
            false,
        ),
        (
            f(json!({"not": {"not": {"equals": [{"doc": "sys.id"}, "r-main"]}}})),
            true,
            false,
        ),
        // Missing property.
        (
            f(json!({"equals": [{"doc": "sys.contentType.sys.id"}, "x"]})),
            false,
            false,
        ),
        // Malformed or unknown.
        (f(json!({"equals": [{"doc": "sys.id"}]})), false, false),
        (
            f(json!({"equals": [{"doc": "fields.title"}, "x"]})),
            false,
            false,
        ),
        (
            f(json!({"equals": [{"path": "sys.id"}, "r-main"]})),
            false,
            false,
        ),
        (
            f(json!({"in": [{"doc": "sys.id"}, "r-main"]})),
            false,
            false,
        ),
        (
            f(json!({"regexp": [{"doc": "sys.id"}, {"pattern": "("}]})),
            false,
            false,
        ),
        (
            f(json!({"regexp": [{"doc": "sys.id"}, "^r"]})),
            false,
            false,
        ),
        (
            f(json!({"like": [{"doc": "sys.id"}, "r-main"]})),
            false,
            false,
        ),
        (
            f(json!({"equals": [{"doc": "sys.id"}, "r-main"], "not": {}})),
            false,
            false,
        ),
        (f(json!({"not": {"bogus": 1}})), false, false),
        (f(json!({"not": "x"})), false, false),
        (f(json!("equals")), false, false),
        (f(json!(null)), false, false),
        (f(json!([])), false, false),
    ];
    for (filter, on_entry, on_asset) in cases {
        assert_eq!(
            filters_match(std::slice::from_ref(&filter), &entry),
            on_entry,
            "{filter} on entry"
        );
        assert_eq!(
            filters_match(std::slice::from_ref(&filter), &asset),
            on_asset,
            "{filter} on asset"
        );
    }
    // ANDed; none means match.
    assert!(filters_match(&[], &entry));
    let both = [
        json!({"equals": [{"doc": "sys.environment.sys.id"}, "master"]}),
        json!({"regexp": [{"doc": "sys.id"}, {"pattern": "^r"}]}),
    ];
    assert!(filters_match(&both, &entry));
    let one_fails = [both[0].clone(), json!({"equals": [{"doc": "sys.id"}, "x"]})];
    assert!(!filters_match(&one_fails, &entry));
    // Garbage payloads never panic.
    assert!(!filters_match(&both, &json!("not an object")));
    let mut deep = json!({"equals": [{"doc": "sys.id"}, "r-main"]});
    for _ in 0..100 {
        deep = json!({ "not": deep });
    }
    assert!(!filters_match(&[deep], &entry));
}

#[test]
fn definitions_become_targets_and_match() {
    let mut definition = WebhookDefinition::new(
        "timeline",
        "http://127.0.0.1:1/hook",
        vec!["Entry.*".into()],
    );
    definition.headers = vec![
        WebhookHeader {
            key: "X-Token".into(),
            value: Some("abc".into()),
            secret: Some(true),
        },
        WebhookHeader {
            key: "X-Plain".into(),
            value: Some("1".into()),
            secret: None,
        },
        WebhookHeader {
            key: "X-Hidden".into(),
            value: None,
            secret: Some(true),
        },
    ];
    definition.http_basic_username = Some("u".into());
    definition.http_basic_password = Some("p".into());
    definition.filters = vec![json!({"equals": [{"doc": "sys.id"}, "e1"]})];
    let target = Target::from_definition("wh1", &definition);
    assert_eq!(target.webhook_id, "wh1");
    assert_eq!(
        target.headers,
        vec![
            TargetHeader::secret("X-Token", "abc"),
            TargetHeader::new("X-Plain", "1")
        ]
    );
    assert_eq!(target.basic_auth, Some(("u".into(), "p".into())));
    let debug = format!("{target:?}");
    assert!(
        !debug.contains("abc") && !debug.contains("\"p\""),
        "{debug}"
    );

    assert!(definition_matches(&definition, &entry_event("e1")));
    assert!(!definition_matches(&definition, &entry_event("e2")));
    definition.active = false;
    assert!(!definition_matches(&definition, &entry_event("e1")));
}

// ---- Requests -----------------------------------------------------------------------

fn full_target() -> Target {
    Target {
        headers: vec![
            TargetHeader::new("X-Plain", "visible"),
            TargetHeader::secret("X-Token", "s3cret"),
            TargetHeader::new("X-Contentful-Topic", "spoofed"),
            TargetHeader::new("Content-Length", "1"),
            TargetHeader::new("Bad Name", "x"),
            TargetHeader::new("X-Bad-Value", "line\nbreak"),
        ],
        basic_auth: Some(("u".into(), "p".into())),
        ..Target::new("wh1", "timeline", "https://example.com/hook?x=1")
    }
}

#[test]
fn built_request_has_the_spec_headers_in_order() {
    let event = entry_event("e1").with_cause(Cause {
        release_id: Some("r1".into()),
        release_version: Some("4".into()),
        release_action_id: Some("ra1".into()),
        bulk_action_id: None,
        scheduled_action_id: Some("sa1".into()),
    });
    let request = build_request(&full_target(), &event, SPACE, ENV, 1, None, NOW_MS);
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://example.com/hook?x=1");
    assert_eq!(request.path, "/hook?x=1");
    assert_eq!(
        header_names(&request),
        [
            "Content-Type",
            TOPIC_HEADER,
            WEBHOOK_NAME_HEADER,
            ATTEMPT_HEADER,
            EVENT_DATETIME_HEADER,
            IDEMPOTENCY_KEY_HEADER,
            CRN_HEADER,
            RELEASE_ID_HEADER,
            RELEASE_VERSION_ID_HEADER,
            RELEASE_VERSION_HEADER,
            RELEASE_ACTION_ID_HEADER,
            SCHEDULED_ACTION_ID_HEADER,
            "X-Plain",
            "X-Token",
            "Authorization",
        ]
    );
    let h = |name: &str| request.header(name).unwrap();
    assert_eq!(
        h("content-type"),
        "application/vnd.contentful.management.v1+json"
    );
    assert_eq!(h(TOPIC_HEADER), "ContentManagement.Entry.publish");
    assert_eq!(h(WEBHOOK_NAME_HEADER), "timeline");
    assert_eq!(h(ATTEMPT_HEADER), "1");
    assert_eq!(h(EVENT_DATETIME_HEADER), "2026-01-01T09:59:58.500Z");
    let key = h(IDEMPOTENCY_KEY_HEADER);
    assert_eq!(key.len(), 64);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        h(CRN_HEADER),
        "crn:contentful:::content:spaces/sp1/environments/master/entries/e1"
    );
    assert_eq!(h(RELEASE_ID_HEADER), "r1");
    assert_eq!(h(RELEASE_VERSION_ID_HEADER), "4");
    assert_eq!(h(RELEASE_ACTION_ID_HEADER), "ra1");
    assert_eq!(h(SCHEDULED_ACTION_ID_HEADER), "sa1");
    assert_eq!(request.header(BULK_ACTION_ID_HEADER), None);
    assert_eq!(h("x-token"), "s3cret");
    assert_eq!(h("authorization"), "Basic dTpw");
    assert_eq!(
        request.body.as_deref(),
        Some(event.payload.to_string().as_str())
    );

    // The log hides secrets; Debug too.
    let log = request.to_log();
    assert_eq!(log.headers["X-Token"], "***");
    assert_eq!(log.headers["Authorization"], "***");
    assert_eq!(log.headers["X-Plain"], "visible");
    assert_eq!(log.method, "POST");
    assert_eq!(log.body, event.payload.to_string());
    let debug = format!("{request:?}");
    assert!(
        !debug.contains("s3cret") && !debug.contains("dTpw"),
        "{debug}"
    );

    // An action's own event: no CRN (spec §6.2: Entry and Asset events only) and no context
    // headers, even though the action is its cause.
    let release = Event::new(
        Topic::new("ReleaseAction", "execute"),
        json!({"sys": {"id": "ra9"}}),
        "release_actions/ra9",
    )
    .with_cause(Cause {
        release_id: Some("r1".into()),
        release_version: Some("4".into()),
        release_action_id: Some("ra9".into()),
        ..Cause::default()
    });
    let request = build_request(&full_target(), &release, SPACE, ENV, 1, None, NOW_MS);
    assert!(
        !header_names(&request)
            .iter()
            .any(|n| n.starts_with("x-contentful-"))
    );
    assert_eq!(request.header(CRN_HEADER), None);

    // An entry event that is not an (un)publish keeps its CRN but carries no context headers.
    let mut saved = entry_event("e1");
    saved.topic = Topic::new("Entry", "save");
    saved.cause = release.cause.clone();
    let request = build_request(&full_target(), &saved, SPACE, ENV, 1, None, NOW_MS);
    assert!(request.header(CRN_HEADER).is_some());
    assert_eq!(request.header(RELEASE_ID_HEADER), None);
}

#[test]
fn idempotency_key_is_stable_per_delivery_only() {
    let target = Target::new("wh1", "n", "http://127.0.0.1:1/");
    let event = entry_event("e1");
    let key = |t: &Target, e: &Event, attempt| {
        build_request(t, e, SPACE, ENV, attempt, None, NOW_MS)
            .header(IDEMPOTENCY_KEY_HEADER)
            .unwrap()
            .to_owned()
    };
    let first = key(&target, &event, 1);
    assert_eq!(first, key(&target, &event, 3));
    assert_ne!(first, key(&target, &entry_event("e1"), 1), "another event");
    assert_ne!(
        first,
        key(&Target::new("wh2", "n", "http://127.0.0.1:1/"), &event, 1),
        "another webhook"
    );
}

#[test]
fn webhook_name_encoding() {
    let name = |n: &str| {
        build_request(
            &Target::new("wh1", n, "http://127.0.0.1:1/"),
            &entry_event("e1"),
            SPACE,
            ENV,
            1,
            None,
            NOW_MS,
        )
        .header(WEBHOOK_NAME_HEADER)
        .unwrap()
        .to_owned()
    };
    assert_eq!(name("timeline hook"), "timeline hook");
    // Latin-1 stays as it is (sent as one byte each).
    assert_eq!(name("Café"), "Café");
    assert_eq!(name("Release ✓"), "Release%20%E2%9C%93");
    assert_eq!(name("a\nb"), "a%0Ab");
    assert!(header_value("Café").is_some());
    assert!(header_value("✓").is_none());
}

#[test]
fn signature_verifies_with_the_headers_sent() {
    let target = Target {
        headers: vec![TargetHeader::secret("X-Token", "s3cret")],
        ..Target::new("wh1", "Café", "https://example.com/hooks/ünï?q=a b&r=1")
    };
    let event = entry_event("e1").with_cause(Cause {
        release_id: Some("r1".into()),
        ..Cause::default()
    });
    let request = build_request(&target, &event, SPACE, ENV, 2, Some(&secret()), NOW_MS);
    assert_eq!(request.path, "/hooks/%C3%BCn%C3%AF?q=a%20b&r=1");
    assert_eq!(
        request.header("x-contentful-signed-headers"),
        Some(
            "content-type,x-contentful-crn,x-contentful-idempotency-key,\
             x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic,\
             x-contentful-webhook-name,x-contentful-webhook-request-attempt"
        )
    );
    assert_eq!(
        request.header("x-contentful-timestamp"),
        Some(NOW_MS.to_string().as_str())
    );
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let verify = |method: &str, headers: &[(&str, &str)], body: &[u8]| {
        verify_request(
            &secret(),
            method,
            &request.path,
            headers,
            body,
            NOW_MS + 1_000,
            30,
        )
    };
    assert_eq!(verify("POST", &headers, request.body_bytes()), Ok(()));
    assert!(verify("PUT", &headers, request.body_bytes()).is_err());
    assert!(verify("POST", &headers, b"{}").is_err());
    // A retry is signed anew: its attempt header does not fit the old signature.
    let retry = build_request(&target, &event, SPACE, ENV, 3, Some(&secret()), NOW_MS);
    assert_ne!(
        retry.header("x-contentful-signature"),
        request.header("x-contentful-signature")
    );
    let mixed: Vec<(&str, &str)> = headers
        .iter()
        .map(|&(k, v)| {
            if k == ATTEMPT_HEADER {
                (k, "3")
            } else {
                (k, v)
            }
        })
        .collect();
    assert!(verify("POST", &mixed, request.body_bytes()).is_err());
    // No secret, no signature.
    let unsigned = build_request(&target, &event, SPACE, ENV, 1, None, NOW_MS);
    assert_eq!(unsigned.header("x-contentful-signature"), None);
}

#[test]
fn transformation_method_content_type_and_body() {
    let event = entry_event("e1");
    let with = |transformation: Value| {
        let target = Target {
            transformation: Some(transformation),
            ..Target::new("wh1", "n", "http://127.0.0.1:1/hook")
        };
        build_request(&target, &event, SPACE, ENV, 1, Some(&secret()), NOW_MS)
    };

    let request = with(json!({
        "method": "PUT",
        "contentType": "application/json",
        "includeContentLength": true,
        "body": {
            "id": "{ /payload/sys/id }",
            "sys": "{/payload/sys}",
            "version": "{ /payload/sys/version }",
            "topic": "{ /topic }",
            "missing": "{ /payload/nope }",
            "text": "Entry { /payload/sys/id } v{ /payload/sys/version }{ /payload/nope } is out",
            "literal": ["{ not a pointer }", "{", 1, true, null],
        }
    }));
    assert_eq!(request.method, "PUT");
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({
            "id": "e1",
            "sys": event.payload["sys"],
            "version": 3,
            "topic": "ContentManagement.Entry.publish",
            "missing": null,
            "text": "Entry e1 v3 is out",
            "literal": ["{ not a pointer }", "{", 1, true, null],
        })
    );

    for method in ["GET", "delete"] {
        let request = with(json!({"method": method, "body": {"a": 1}}));
        assert_eq!(request.method, method.to_ascii_uppercase());
        assert_eq!(request.body, None);
        assert!(request.body_bytes().is_empty());
    }

    let request = with(json!({
        "contentType": "application/x-www-form-urlencoded; charset=utf-8",
        "body": {"id": "{ /payload/sys/id }", "n": 2, "q": "a b&c"}
    }));
    assert_eq!(request.method, "POST");
    assert_eq!(request.body.as_deref(), Some("id=e1&n=2&q=a+b%26c"));

    // Unknown or malformed parts fall back to the defaults.
    let request = with(json!({"method": "TRACE", "contentType": "a\nb"}));
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some(CMA_CONTENT_TYPE));
    assert_eq!(request.body, Some(event.payload.to_string()));
    let request = with(json!("not an object"));
    assert_eq!(request.method, "POST");
    // The transformed request is what is signed.
    let request = with(
        json!({"method": "PATCH", "contentType": "application/json", "body": {"x": "{ /payload/sys/id }"}}),
    );
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        verify_request(
            &secret(),
            "PATCH",
            "/hook",
            &headers,
            request.body_bytes(),
            NOW_MS,
            30
        ),
        Ok(())
    );
}

#[test]
fn helpers() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    assert_eq!(truncate_str("héllo", 2), "h");
    assert_eq!(truncate_str("héllo", 3), "hé");
    assert_eq!(truncate_str("hi", 10), "hi");
    let policy = RetryPolicy::default();
    assert_eq!(policy.delays, [Duration::from_secs(30); 2]);
    assert_eq!(policy.timeout, Duration::from_secs(30));
    let long = RetryPolicy::with_max_retries(200);
    assert_eq!(long.delays.len(), 99);
    assert_eq!(long.delays[2], Duration::from_secs(90));
    assert_eq!(long.delays[13], Duration::from_secs(750));
    assert_eq!(long.delays[14], Duration::from_secs(900));
    let total: Duration = long.delays.iter().sum();
    assert!(total > Duration::from_secs(20 * 3600) && total < Duration::from_secs(25 * 3600));
}

#[test]
fn call_overview_details_and_health() {
    let request = build_request(
        &full_target(),
        &entry_event("e1"),
        SPACE,
        ENV,
        1,
        None,
        NOW_MS,
    );
    let at = Timestamp::from_millis(NOW_MS).unwrap();
    let call = |id: &str, webhook: &str, status: Option<u16>, at: Timestamp| RecordedCall {
        id: id.into(),
        webhook_id: webhook.into(),
        event_type: "publish".into(),
        topic: "ContentManagement.Entry.publish".into(),
        url: request.url.clone(),
        request: request.to_log(),
        response: None,
        status_code: status,
        errors: if status.is_none() {
            vec![TIMEOUT_ERROR.into()]
        } else {
            vec![]
        },
        request_at: at,
        response_at: status.map(|_| at),
        attempt: 1,
    };
    let c1 = call("c1", "wh1", Some(200), at);
    let overview = serde_json::to_value(c1.overview(SPACE)).unwrap();
    assert_eq!(
        overview,
        json!({
            "sys": {"type": "WebhookCallOverview", "id": "c1",
                "space": {"sys": {"type": "Link", "linkType": "Space", "id": "sp1"}},
                "createdBy": {"sys": {"type": "Link", "linkType": "WebhookDefinition", "id": "wh1"}},
                "createdAt": "2026-01-01T10:00:00.000Z"},
            "statusCode": 200, "errors": [], "eventType": "publish",
            "url": "https://example.com/hook?x=1",
            "requestAt": "2026-01-01T10:00:00.000Z", "responseAt": "2026-01-01T10:00:00.000Z",
        })
    );
    let details = c1.details(SPACE);
    assert_eq!(details.sys.type_, "WebhookCallDetails");
    assert_eq!(details.request.headers["Authorization"], "***");
    // Round trip through JSON (how a store may keep it).
    let back: RecordedCall = serde_json::from_value(serde_json::to_value(&c1).unwrap()).unwrap();
    assert_eq!(back, c1);

    let old = Timestamp::from_millis(NOW_MS - 31 * 86_400_000).unwrap();
    let calls = [
        c1,
        call("c2", "wh1", Some(500), at),
        call("c3", "wh1", None, at),
        call("c4", "wh2", Some(200), at),
        call("c5", "wh1", Some(200), old),
    ];
    let health = health(SPACE, "wh1", &calls, at);
    assert_eq!(
        health.calls,
        WebhookHealthCalls {
            total: 3,
            healthy: 1
        }
    );
    assert_eq!(health.sys["type"], "Webhook");
    assert_eq!(
        health.sys["createdBy"]["sys"]["linkType"],
        "WebhookDefinition"
    );
}

// ---- The engine against a real receiver ---------------------------------------------

/// What a test receiver saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Answers with the planned statuses in turn (0: never answer), then 200.
#[derive(Default)]
struct Receiver {
    plan: Mutex<VecDeque<u16>>,
    seen: Mutex<Vec<Seen>>,
}

impl Receiver {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    method: Method,
    uri: Uri,
    headers: AxumHeaders,
    body: Bytes,
) -> Response {
    let headers = headers
        .iter()
        .map(|(k, v)| {
            // ISO-8859-1, as the engine sends.
            let value: String = v.as_bytes().iter().map(|&b| char::from(b)).collect();
            (k.as_str().to_owned(), value)
        })
        .collect();
    receiver.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        headers,
        body: body.to_vec(),
    });
    let status = receiver.plan.lock().unwrap().pop_front().unwrap_or(200);
    if status == 0 {
        std::future::pending::<()>().await;
    }
    // 201: a body larger than the log keeps.
    let body = if status == 201 {
        "x".repeat(RESPONSE_BODY_LOG_LIMIT + 50_000)
    } else {
        format!("answered {status}")
    };
    (
        StatusCode::from_u16(status).unwrap(),
        [("x-receiver", "test")],
        body,
    )
        .into_response()
}

async fn serve(plan: &[u16]) -> (Arc<Receiver>, String) {
    let receiver = Arc::new(Receiver {
        plan: Mutex::new(plan.iter().copied().collect()),
        ..Receiver::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .fallback(receive)
        .with_state(Arc::clone(&receiver));
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    (receiver, format!("http://{addr}"))
}

fn fast_policy(retries: usize) -> RetryPolicy {
    RetryPolicy {
        delays: vec![Duration::from_millis(50); retries],
        timeout: Duration::from_millis(500),
    }
}

fn engine(policy: RetryPolicy) -> (Dispatcher, Arc<MemoryCallLog>) {
    let log = Arc::new(MemoryCallLog::new());
    let dispatcher = Dispatcher::start(SPACE, ENV, policy, log.clone());
    (dispatcher, log)
}

async fn idle(dispatcher: &Dispatcher) {
    tokio::time::timeout(Duration::from_secs(5), dispatcher.idle())
        .await
        .expect("the dispatcher never went idle");
}

#[tokio::test]
async fn idle_resolves_when_nothing_is_queued() {
    let (dispatcher, log) = engine(fast_policy(2));
    idle(&dispatcher).await;
    dispatcher.emit(entry_event("e1"), Vec::new(), None);
    idle(&dispatcher).await;
    assert_eq!(dispatcher.pending(), 0);
    assert!(log.calls().is_empty());
}

#[tokio::test]
async fn deliveries_arrive_in_order_and_are_signed() {
    let (receiver, base) = serve(&[]).await;
    let (dispatcher, log) = engine(fast_policy(2));
    let target = Target::new("wh1", "timeline", format!("{base}/hook?src=sandbox"));
    let ids: Vec<String> = (0..20).map(|i| format!("e{i}")).collect();
    for id in &ids {
        dispatcher.emit(entry_event(id), vec![target.clone()], Some(secret()));
    }
    assert!(dispatcher.pending() > 0);
    idle(&dispatcher).await;

    let seen = receiver.seen();
    let got: Vec<String> = seen
        .iter()
        .map(|s| {
            let body: Value = serde_json::from_slice(&s.body).unwrap();
            body["sys"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(got, ids);
    let now = Timestamp::now().as_millis();
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/hook?src=sandbox");
        assert_eq!(s.header("x-contentful-webhook-request-attempt"), Some("1"));
        let headers: Vec<(&str, &str)> = s
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            verify_request(&secret(), &s.method, &s.path, &headers, &s.body, now, 30),
            Ok(())
        );
    }
    let calls = log.calls();
    assert_eq!(calls.len(), 20);
    assert!(calls.iter().all(|c| c.status_code == Some(200)
        && c.errors.is_empty()
        && c.attempt == 1
        && c.event_type == "publish"
        && c.webhook_id == "wh1"));
    let response = calls[0].response.as_ref().unwrap();
    assert_eq!(response.body, "answered 200");
    assert_eq!(response.headers["x-receiver"], "test");
    assert_eq!(
        calls[0].request.headers[TOPIC_HEADER],
        "ContentManagement.Entry.publish"
    );
}

#[tokio::test]
async fn webhooks_are_independent_and_retries_do_not_block() {
    // wh1 fails once; its retry must not hold back its next event, nor wh2.
    let (slow, slow_base) = serve(&[503]).await;
    let (fast, fast_base) = serve(&[]).await;
    let policy = RetryPolicy {
        delays: vec![Duration::from_millis(300)],
        timeout: Duration::from_millis(500),
    };
    let (dispatcher, log) = engine(policy);
    let wh1 = Target::new("wh1", "one", format!("{slow_base}/a"));
    let wh2 = Target::new("wh2", "two", format!("{fast_base}/b"));
    dispatcher.emit(entry_event("e1"), vec![wh1.clone(), wh2.clone()], None);
    dispatcher.emit(entry_event("e2"), vec![wh1, wh2], None);
    idle(&dispatcher).await;

    let order: Vec<(String, String)> = slow
        .seen()
        .iter()
        .map(|s| {
            let body: Value = serde_json::from_slice(&s.body).unwrap();
            (
                body["sys"]["id"].as_str().unwrap().to_owned(),
                s.header(ATTEMPT_HEADER).unwrap().to_owned(),
            )
        })
        .collect();
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(order, pairs(&[("e1", "1"), ("e2", "1"), ("e1", "2")]));
    assert_eq!(fast.seen().len(), 2);
    assert_eq!(log.calls().len(), 5);
}

#[tokio::test]
async fn server_errors_are_retried_with_new_attempt_headers() {
    let (receiver, base) = serve(&[500, 500, 200]).await;
    let (dispatcher, log) = engine(fast_policy(2));
    let target = Target::new("wh1", "timeline", format!("{base}/hook"));
    let started = Instant::now();
    dispatcher.emit(entry_event("e1"), vec![target], Some(secret()));
    idle(&dispatcher).await;
    assert!(started.elapsed() >= Duration::from_millis(100));

    let seen = receiver.seen();
    let attempts: Vec<&str> = seen
        .iter()
        .map(|s| s.header(ATTEMPT_HEADER).unwrap())
        .collect();
    assert_eq!(attempts, ["1", "2", "3"]);
    let keys: Vec<&str> = seen
        .iter()
        .map(|s| s.header(IDEMPOTENCY_KEY_HEADER).unwrap())
        .collect();
    assert!(keys.iter().all(|k| *k == keys[0]));
    let signatures: Vec<&str> = seen
        .iter()
        .map(|s| s.header("x-contentful-signature").unwrap())
        .collect();
    assert_ne!(signatures[0], signatures[1]);

    let calls = log.calls();
    let summary: Vec<(u32, Option<u16>)> =
        calls.iter().map(|c| (c.attempt, c.status_code)).collect();
    assert_eq!(summary, [(1, Some(500)), (2, Some(500)), (3, Some(200))]);
    assert!(calls.iter().all(|c| c.errors.is_empty()));
    assert_eq!(calls[1].request.headers[ATTEMPT_HEADER], "2");
    let ids: std::collections::HashSet<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn retries_stop_after_the_policy_and_on_429_too() {
    let (receiver, base) = serve(&[429, 502, 503, 200]).await;
    let (dispatcher, log) = engine(fast_policy(2));
    dispatcher.emit(
        entry_event("e1"),
        vec![Target::new("wh1", "n", format!("{base}/"))],
        None,
    );
    idle(&dispatcher).await;
    assert_eq!(receiver.seen().len(), 3);
    let statuses: Vec<Option<u16>> = log.calls().iter().map(|c| c.status_code).collect();
    assert_eq!(statuses, [Some(429), Some(502), Some(503)]);
}

#[tokio::test]
async fn client_errors_and_redirects_are_not_retried() {
    let (receiver, base) = serve(&[404, 301, 400]).await;
    let (dispatcher, log) = engine(fast_policy(2));
    let target = Target::new("wh1", "n", format!("{base}/gone"));
    for id in ["e1", "e2", "e3"] {
        dispatcher.emit(entry_event(id), vec![target.clone()], None);
    }
    idle(&dispatcher).await;
    assert_eq!(receiver.seen().len(), 3);
    let statuses: Vec<Option<u16>> = log.calls().iter().map(|c| c.status_code).collect();
    assert_eq!(statuses, [Some(404), Some(301), Some(400)]);
    assert!(log.calls().iter().all(|c| c.attempt == 1));
}

#[tokio::test]
async fn a_silent_receiver_times_out() {
    let (receiver, base) = serve(&[0]).await;
    let policy = RetryPolicy {
        delays: Vec::new(),
        timeout: Duration::from_millis(200),
    };
    let (dispatcher, log) = engine(policy);
    dispatcher.emit(
        entry_event("e1"),
        vec![Target::new("wh1", "n", format!("{base}/slow"))],
        None,
    );
    idle(&dispatcher).await;
    assert_eq!(receiver.seen().len(), 1);
    let calls = log.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].errors, [TIMEOUT_ERROR]);
    assert_eq!(calls[0].status_code, None);
    assert_eq!(calls[0].response, None);
    assert_eq!(calls[0].response_at, None);
    assert_eq!(calls[0].overview(SPACE).errors, [TIMEOUT_ERROR]);
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_retried() {
    let (receiver, base) = serve(&[0, 200]).await;
    let policy = RetryPolicy {
        delays: vec![Duration::from_millis(20)],
        timeout: Duration::from_millis(200),
    };
    let (dispatcher, log) = engine(policy.clone());
    dispatcher.emit(
        entry_event("e1"),
        vec![Target::new("wh1", "n", format!("{base}/"))],
        None,
    );
    idle(&dispatcher).await;
    assert_eq!(receiver.seen().len(), 2);
    let calls = log.calls();
    assert_eq!(calls[0].errors, [TIMEOUT_ERROR]);
    assert_eq!(calls[1].status_code, Some(200));

    // Nothing listens on a port just freed.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let (dispatcher, log) = engine(policy);
    dispatcher.emit(
        entry_event("e1"),
        vec![Target::new("wh1", "n", format!("http://{closed}/"))],
        None,
    );
    idle(&dispatcher).await;
    let errors: Vec<Vec<String>> = log.calls().into_iter().map(|c| c.errors).collect();
    assert_eq!(errors, [[CONNECTION_ERROR], [CONNECTION_ERROR]]);
}

#[tokio::test]
async fn invalid_urls_are_logged_not_retried() {
    let (dispatcher, log) = engine(fast_policy(2));
    let targets = vec![
        Target::new("wh1", "n", "not a url"),
        Target::new("wh2", "n", "ftp://example.com/x"),
    ];
    dispatcher.emit(entry_event("e1"), targets, None);
    idle(&dispatcher).await;
    let calls = log.calls();
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c.errors == [INVALID_URL_ERROR]));
}

#[tokio::test]
async fn emit_matching_uses_topics_filters_and_headers() {
    let (receiver, base) = serve(&[]).await;
    let (dispatcher, _log) = engine(fast_policy(0));
    let definition = |id: &str, topics: &[&str], filters: Vec<Value>| {
        let mut d = WebhookDefinition::new(
            id,
            format!("{base}/{id}"),
            topics.iter().map(|t| (*t).to_owned()).collect(),
        );
        d.filters = filters;
        d.headers = vec![WebhookHeader {
            key: "X-Token".into(),
            value: Some(format!("token-{id}")),
            secret: Some(true),
        }];
        d.sys = Some(crate::cma::WebhookSys {
            type_: "WebhookDefinition".into(),
            id: id.into(),
            version: 1,
            space: None,
            created_at: None,
            created_by: None,
            updated_at: None,
            updated_by: None,
            extra: Extra::new(),
        });
        d
    };
    let mut no_sys = definition("nosys", &["*.*"], vec![]);
    no_sys.sys = None;
    let definitions = [
        definition("all", &["*.*"], vec![]),
        definition("saves", &["Entry.save"], vec![]),
        definition(
            "pages",
            &["Entry.*"],
            vec![json!({"equals": [{"doc": "sys.contentType.sys.id"}, "page"]})],
        ),
        definition(
            "articles",
            &["*.publish"],
            vec![json!({"in": [{"doc": "sys.contentType.sys.id"}, ["article"]]})],
        ),
        no_sys,
    ];
    let queued = dispatcher.emit_matching(entry_event("e1"), &definitions, None);
    assert_eq!(queued, 2);
    idle(&dispatcher).await;
    let mut paths: Vec<(String, String)> = receiver
        .seen()
        .iter()
        .map(|s| (s.path.clone(), s.header("x-token").unwrap().to_owned()))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            ("/all".to_owned(), "token-all".to_owned()),
            ("/articles".to_owned(), "token-articles".to_owned())
        ]
    );
}

#[tokio::test]
async fn long_bodies_are_truncated_in_the_log() {
    let (_receiver, base) = serve(&[201]).await;
    let (dispatcher, log) = engine(fast_policy(0));
    let big = "é".repeat(300_000); // 600 kB
    let event = Event::new(
        Topic::new("Entry", "save"),
        json!({"sys": {"id": "big"}, "fields": {"text": {"en-US": big}}}),
        "entries/big",
    );
    dispatcher.emit(
        event,
        vec![Target::new("wh1", "n", format!("{base}/"))],
        None,
    );
    idle(&dispatcher).await;
    let calls = log.calls();
    assert_eq!(calls[0].status_code, Some(201));
    let response = calls[0].response.as_ref().unwrap();
    assert_eq!(response.body.len(), RESPONSE_BODY_LOG_LIMIT);
    let body = &calls[0].request.body;
    assert!(body.len() <= REQUEST_BODY_LOG_LIMIT && body.len() > REQUEST_BODY_LOG_LIMIT - 4);
}
