//! Unit tests of the parent module.

use serde_json::json;

use super::*;

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn event(topic: &str, extra: &[(&str, &str)], body: Value) -> IncomingEvent {
    let mut h = headers(&[("X-Contentful-Topic", topic)]);
    h.extend(headers(extra));
    let bytes = body.to_string().into_bytes();
    let len = bytes.len() as u64;
    IncomingEvent::from_delivery(
        Origin::Receiver,
        "test",
        h,
        bytes,
        len,
        Some(body),
        Verdict::Verified,
        200,
    )
}

fn release_json(id: &str, title: &str, entries: usize) -> Value {
    let items: Vec<Value> = (0..entries)
        .map(|i| json!({"sys": {"type": "Link", "linkType": "Entry", "id": format!("e{i}")}}))
        .collect();
    json!({"title": title, "entities": {"sys": {"type": "Array"}, "items": items},
           "sys": {"type": "Release", "id": id, "version": 3, "status": "active",
                   "environment": {"sys": {"type": "Link", "linkType": "Environment", "id": "master"}}}})
}

fn no_release(_: &str) -> Option<ReleaseInfo> {
    None
}

#[test]
fn topics_split() {
    let cases = [
        ("ContentManagement.Entry.publish", ("Entry", "publish")),
        ("Release.create", ("Release", "create")),
        (
            "ContentManagement.ReleaseAction.execute",
            ("ReleaseAction", "execute"),
        ),
        ("weird", ("weird", "")),
        ("", ("", "")),
        ("a.b.c.d", ("a.b.c.d", "")),
    ];
    for (input, (t, a)) in cases {
        assert_eq!(split_topic(input), (t.to_owned(), a.to_owned()), "{input}");
    }
}

#[test]
fn webhook_names_decode_only_when_encoded() {
    assert_eq!(decode_webhook_name("timeline"), "timeline");
    assert_eq!(decode_webhook_name("Zeitleiste ä"), "Zeitleiste ä");
    assert_eq!(decode_webhook_name("100%25 sure"), "100%25 sure");
    assert_eq!(decode_webhook_name("%E6%97%A5%E6%9C%AC"), "日本");
    assert_eq!(decode_webhook_name("%FF%FE"), "%FF%FE");
    assert_eq!(latin1(&[0x68, 0xE4, 0xFF]), "hä\u{FF}");
}

#[test]
fn facts_come_from_payload_and_headers() {
    let e = event(
        "ContentManagement.Entry.publish",
        &[
            ("X-Contentful-Webhook-Request-Attempt", "3"),
            ("X-Contentful-Idempotency-Key", "k1"),
            ("x-contentful-release-action-id", "ra9"),
            (
                "X-Contentful-CRN",
                "crn:contentful:::content:spaces/s/environments/staging/entries/e1",
            ),
        ],
        json!({"sys": {"type": "Entry", "id": "e1", "revision": 4}, "fields": {}}),
    );
    assert_eq!(e.topic, "Entry.publish");
    assert_eq!(e.entity_id.as_deref(), Some("e1"));
    assert_eq!(e.version, Some(4));
    assert_eq!(e.environment.as_deref(), Some("staging"));
    assert_eq!(e.attempt, 3);
    assert_eq!(e.idempotency_key.as_deref(), Some("k1"));
    assert_eq!(e.causes.release_action_id.as_deref(), Some("ra9"));
    assert!(matches!(e.payload, EventPayload::Entity(_)));
    assert_eq!(
        summarize(&e, &no_release),
        "Entry 'e1' published by release action ra9"
    );
}

#[test]
fn release_summaries() {
    let e = event(
        "ContentManagement.Release.create",
        &[],
        release_json("r1", "Spring launch", 12),
    );
    assert_eq!(e.action_status, None);
    assert_eq!(
        summarize(&e, &no_release),
        "Release 'Spring launch' created (12 entries)"
    );
    let (id, info) = e.release_info().unwrap();
    assert_eq!((id.as_str(), info.entries), ("r1", 12));
    let e = event(
        "ContentManagement.Release.archive",
        &[],
        release_json("r1", "Spring launch", 1),
    );
    assert_eq!(
        summarize(&e, &no_release),
        "Release 'Spring launch' archived"
    );
}

#[test]
fn release_action_summaries() {
    let ra = |status: &str, error: Option<Value>| {
        let mut body = json!({"action": "publish", "sys": {"type": "ReleaseAction", "id": "ra9", "status": status,
            "release": {"sys": {"type": "Link", "linkType": "Release", "id": "r1"}}}});
        if let Some(error) = error {
            body["error"] = error;
        }
        event("ContentManagement.ReleaseAction.execute", &[], body)
    };
    let known = |id: &str| {
        (id == "r1").then(|| ReleaseInfo {
            title: "Spring launch".into(),
            entries: 12,
            assets: 0,
        })
    };
    let mut created = ra("created", None);
    created.action = "create".into();
    assert_eq!(
        summarize(&created, &no_release),
        "Release action publish on release r1 started"
    );
    let ok = ra("succeeded", None);
    assert_eq!(ok.action_status.as_deref(), Some("succeeded"));
    assert_eq!(
        summarize(&ok, &no_release),
        "Release action publish on release r1 succeeded"
    );
    assert_eq!(
        summarize(&ok, &known),
        "Release 'Spring launch': publish succeeded (12 entries)"
    );
    let entity_error = |id: &str| {
        json!({"entity": {"sys": {"type": "Link", "linkType": "Entry", "id": id}},
        "error": {"sys": {"type": "Error", "id": "InvalidEntry"}, "message": "Validation error"}})
    };
    let failed = ra(
        "failed",
        Some(
            json!({"sys": {"type": "Error", "id": "ValidationFailed"}, "message": "Validation error",
            "details": {"errors": [entity_error("e1"), entity_error("e2")]}}),
        ),
    );
    assert_eq!(
        summarize(&failed, &no_release),
        "Release action publish on release r1 failed: 2 invalid entries"
    );
    assert_eq!(
        summarize(&failed, &known),
        "Release 'Spring launch': publish failed: 2 invalid entries"
    );
}

#[test]
fn scheduled_and_bulk_summaries() {
    let sa = |status: &str, topic: &str, error: Option<Value>| {
        let mut body = json!({"entity": {"sys": {"type": "Link", "linkType": "Release", "id": "r1"}},
            "environment": {"sys": {"type": "Link", "linkType": "Environment", "id": "master"}},
            "action": "publish",
            "scheduledFor": {"datetime": "2026-06-01T07:00:00.000Z", "timezone": "Europe/Berlin"},
            "sys": {"type": "ScheduledAction", "id": "sa1", "version": 1, "status": status}});
        if let Some(error) = error {
            body["error"] = error;
        }
        event(topic, &[], body)
    };
    let failed = sa(
        "failed",
        "ContentManagement.ScheduledAction.execute",
        Some(
            json!({"sys": {"type": "Error", "id": "ValidationFailed"}, "details": {"errors": [
            {"entity": {"sys": {"type": "Link", "linkType": "Entry", "id": "a"}}, "error": {"sys": {"type": "Error", "id": "InvalidEntry"}}},
            {"entity": {"sys": {"type": "Link", "linkType": "Entry", "id": "b"}}, "error": {"sys": {"type": "Error", "id": "InvalidEntry"}}}]}}),
        ),
    );
    assert_eq!(
        summarize(&failed, &no_release),
        "Scheduled publish of Release r1 failed: 2 invalid entries"
    );
    let created = sa(
        "scheduled",
        "ContentManagement.ScheduledAction.create",
        None,
    );
    let text = summarize(&created, &no_release);
    assert!(
        text.starts_with("Scheduled publish of Release r1 created for 2026-06-01"),
        "{text}"
    );
    assert!(text.ends_with("Europe/Berlin"), "{text}");
    let canceled = sa("canceled", "ContentManagement.ScheduledAction.delete", None);
    assert_eq!(
        summarize(&canceled, &no_release),
        "Scheduled publish of Release r1 canceled"
    );

    let bulk = event(
        "ContentManagement.BulkAction.execute",
        &[],
        json!({"action": "publish", "sys": {"type": "BulkAction", "id": "b1", "status": "succeeded"},
               "payload": {"entities": {"sys": {"type": "Array"}, "items": [
                   {"sys": {"type": "Link", "linkType": "Entry", "id": "e1", "version": 2}},
                   {"sys": {"type": "Link", "linkType": "Asset", "id": "a1", "version": 2}}]}}}),
    );
    assert_eq!(
        summarize(&bulk, &no_release),
        "Bulk publish of 1 entry, 1 asset succeeded"
    );
}

#[test]
fn unknown_and_broken_payloads_never_panic() {
    let odd = event(
        "ContentManagement.ContentType.publish",
        &[],
        json!({"sys": {"id": "ct1"}}),
    );
    assert!(matches!(odd.payload, EventPayload::Raw(_)));
    assert_eq!(summarize(&odd, &no_release), "ContentType 'ct1' published");
    // A known topic whose JSON has the wrong shape stays raw.
    let wrong = event("ContentManagement.Release.create", &[], json!([1, 2, 3]));
    assert!(matches!(wrong.payload, EventPayload::Raw(_)));
    assert_eq!(summarize(&wrong, &no_release), "Release created");
    let no_topic = IncomingEvent::from_delivery(
        Origin::Receiver,
        "x",
        vec![("x-contentful-webhook-request-attempt".into(), "-4".into())],
        b"\xff\xfe".to_vec(),
        2,
        None,
        Verdict::Unsigned {
            note: String::new(),
        },
        400,
    );
    assert_eq!(no_topic.topic, "Unknown.unknown");
    assert_eq!(no_topic.attempt, 1);
    assert_eq!(
        summarize(&no_topic, &no_release),
        "Unknown.unknown with a body that is not JSON (2 bytes)"
    );
}
