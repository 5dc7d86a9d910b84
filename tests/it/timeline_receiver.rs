//! The timeline receiver and journal, driven over loopback: verification, rejections (recorded),
//! size and JSON limits, retries stored once, redaction, and the live stream.

use std::time::Duration;

use release_desk::signing::SigningSecret;
use release_desk::timeline::{
    EventFilter, EventPayload, LiveItem, TimelineNotice, Verdict, VerdictKind,
};
use serde_json::json;

use crate::timeline_support::{Delivery, http, now_ms, secret, timeline, wait_for_events};

fn rejected() -> EventFilter {
    EventFilter {
        verdict: Some(VerdictKind::Rejected),
        ..EventFilter::default()
    }
}

#[tokio::test]
async fn a_signed_delivery_is_verified_stored_and_streamed() {
    let (timeline, _dir) = timeline(Some(secret())).await;
    let mut live = timeline.subscribe();
    let delivery = Delivery::entry_publish("e1")
        .with_header("x-contentful-release-action-id", "ra9")
        .with_header("Authorization", "Basic dTpw")
        .with_header("X-Api-Key", "hunter2")
        // A Latin-1 webhook name arrives as ISO-8859-1 bytes and still verifies.
        .with_header("X-Contentful-Webhook-Name", "Zeitleiste für Redaktion")
        .signed(&secret());
    let (status, answer) = delivery.send(&http(), timeline.addr()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["duplicate"], false);
    let id = answer["id"].as_i64().unwrap();

    // Committed before the answer: readable at once.
    let details = timeline.journal().details(id).unwrap().unwrap();
    let event = &details.event;
    assert_eq!(event.verdict, Verdict::Verified);
    assert_eq!(event.topic, "Entry.publish");
    assert_eq!(event.entity_type, "Entry");
    assert_eq!(event.entity_id.as_deref(), Some("e1"));
    assert_eq!(event.version, Some(3));
    assert_eq!(event.environment.as_deref(), Some("master"));
    assert_eq!(event.causes.release_action_id.as_deref(), Some("ra9"));
    assert_eq!(
        event.webhook_name.as_deref(),
        Some("Zeitleiste für Redaktion")
    );
    assert_eq!(
        event.idempotency_key.as_deref(),
        delivery.header("X-Contentful-Idempotency-Key")
    );
    assert_eq!(event.summary, "Entry 'e1' published by release action ra9");
    assert!(matches!(details.payload(), EventPayload::Entity(_)));
    let header = |name: &str| {
        details
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("authorization").as_deref(), Some("***"));
    assert_eq!(header("x-api-key").as_deref(), Some("***"));
    assert_eq!(
        header("x-contentful-topic").as_deref(),
        Some("ContentManagement.Entry.publish")
    );
    assert_eq!(details.body, delivery.body);

    match tokio::time::timeout(Duration::from_secs(5), live.recv())
        .await
        .unwrap()
    {
        Some(LiveItem::Notice(TimelineNotice::Appended(e))) => assert_eq!(e.id, id),
        other => panic!("expected the appended event, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_deliveries_are_refused_with_403_and_recorded() {
    let (timeline, _dir) = timeline(Some(secret())).await;
    let http = http();
    let addr = timeline.addr();
    let other = SigningSecret::new("z".repeat(64)).unwrap();
    let forged_signature = "0123456789abcdef".repeat(4);
    let mut tampered_body = Delivery::entry_publish("e1").signed(&secret());
    tampered_body.body = br#"{"sys":{"type":"Entry","id":"e666","revision":3}}"#.to_vec();
    let cases: Vec<(&str, Delivery, &str)> = vec![
        (
            "forged",
            Delivery::entry_publish("e1")
                .signed(&secret())
                .with_header("x-contentful-signature", &forged_signature),
            "bad_signature",
        ),
        ("tampered body", tampered_body, "bad_signature"),
        (
            "tampered header",
            Delivery::entry_publish("e1")
                .signed(&secret())
                .with_header("X-Contentful-Topic", "ContentManagement.Entry.delete"),
            "bad_signature",
        ),
        (
            "expired",
            Delivery::entry_publish("e1").signed_at(&secret(), now_ms() - 31_000),
            "expired",
        ),
        (
            "missing signed header",
            Delivery::entry_publish("e1")
                .signed(&secret())
                .without_header("X-Contentful-Idempotency-Key"),
            "missing_signed_header",
        ),
        (
            "missing signature",
            Delivery::entry_publish("e1")
                .signed(&secret())
                .without_header("x-contentful-signature"),
            "missing_signature",
        ),
        (
            "unsigned",
            Delivery::entry_publish("e1"),
            "missing_signature",
        ),
        (
            "wrong secret",
            Delivery::entry_publish("e1").signed(&other),
            "bad_signature",
        ),
        (
            "seconds, not milliseconds",
            Delivery::entry_publish("e1").signed_at(&secret(), now_ms() / 1000),
            "timestamp_too_old",
        ),
    ];
    for (i, (name, delivery, reason)) in cases.iter().enumerate() {
        let (status, answer) = delivery.send(&http, addr).await;
        assert_eq!(status, 403, "{name}: {answer}");
        assert_eq!(answer["error"], *reason, "{name}");
        // Recorded before the answer, marked rejected with the reason.
        let page = timeline.journal().page(&rejected(), None, 1).unwrap();
        assert_eq!(page.events.len(), 1, "{name}");
        let event = &page.events[0];
        assert_eq!(event.verdict.reason(), Some(*reason), "{name}");
        assert!(!event.verdict.detail().is_empty(), "{name}");
        assert_eq!(event.http_status, 403, "{name}");
        assert_eq!(timeline.journal().count(&rejected()).unwrap(), i as u64 + 1);
    }
    // Rejected deliveries never merge into (or pose as) accepted ones.
    let accepted = EventFilter {
        verdict: Some(VerdictKind::Verified),
        ..EventFilter::default()
    };
    assert_eq!(timeline.journal().count(&accepted).unwrap(), 0);
}

#[tokio::test]
async fn oversized_and_malformed_bodies() {
    let (timeline, _dir) = timeline(Some(secret())).await;
    let http = http();
    let addr = timeline.addr();

    let mut big = Delivery::entry_publish("e1");
    big.body = format!(r#"{{"pad":"{}"}}"#, "x".repeat(1024 * 1024)).into_bytes();
    let (status, answer) = big.signed(&secret()).send(&http, addr).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error"], "body_too_large");
    let event = &timeline
        .journal()
        .page(&rejected(), None, 1)
        .unwrap()
        .events[0];
    assert_eq!(event.http_status, 413);
    assert!(event.body_len > 1024 * 1024);
    let kept = timeline.journal().details(event.id).unwrap().unwrap();
    assert!(kept.is_truncated());
    assert!(kept.body.len() <= 64 * 1024);

    // Exactly at the limit is fine (as far as size goes: this one is not JSON).
    let mut at_limit = Delivery::entry_publish("e1");
    at_limit.body = vec![b'x'; 1024 * 1024];
    let (status, answer) = at_limit.signed(&secret()).send(&http, addr).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"], "not_json");

    let mut garbage = Delivery::entry_publish("e1");
    garbage.body = b"\xff\xfe not json at all".to_vec();
    let (status, answer) = garbage.signed(&secret()).send(&http, addr).await;
    assert_eq!(status, 400, "{answer}");
    let event = &timeline
        .journal()
        .page(&rejected(), None, 1)
        .unwrap()
        .events[0];
    assert_eq!(event.verdict.reason(), Some("not_json"));
    assert!(
        event.verdict.detail().contains("signature was valid"),
        "{}",
        event.verdict.detail()
    );

    // Without a secret, JSON is still required; anything JSON is accepted unsigned.
    let (open, _dir2) = crate::timeline_support::timeline(None).await;
    let mut not_json = Delivery::entry_publish("e2");
    not_json.body = b"<html>".to_vec();
    assert_eq!(not_json.send(&http, open.addr()).await.0, 400);
    let (status, answer) = Delivery::entry_publish("e2").send(&http, open.addr()).await;
    assert_eq!(status, 200, "{answer}");
    let stored = open
        .journal()
        .page(&EventFilter::default(), None, 1)
        .unwrap();
    assert_eq!(stored.events[0].verdict.kind(), VerdictKind::Unsigned);
}

#[tokio::test]
async fn a_retried_delivery_is_stored_once_with_its_attempts_counted() {
    let (timeline, _dir) = timeline(Some(secret())).await;
    let http = http();
    let first = Delivery::entry_publish("e1");
    let key = first
        .header("X-Contentful-Idempotency-Key")
        .unwrap()
        .to_owned();
    let (status, answer) = first
        .clone()
        .signed(&secret())
        .send(&http, timeline.addr())
        .await;
    assert_eq!((status, answer["duplicate"].as_bool()), (200, Some(false)));
    let id = answer["id"].as_i64().unwrap();
    for attempt in ["2", "3", "3"] {
        // Each retry is signed anew (the attempt header is signed).
        let retry = first
            .clone()
            .with_header("X-Contentful-Webhook-Request-Attempt", attempt)
            .signed(&secret());
        let (status, answer) = retry.send(&http, timeline.addr()).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["duplicate"], true);
        assert_eq!(answer["id"].as_i64(), Some(id));
    }
    let journal = timeline.journal();
    assert_eq!(journal.count(&EventFilter::default()).unwrap(), 1);
    let stored = journal.by_idempotency_key(&key).unwrap().unwrap();
    assert_eq!((stored.id, stored.attempt, stored.attempts), (id, 3, 3));
}

#[tokio::test]
async fn garbage_never_panics_the_receiver() {
    let (timeline, _dir) = timeline(Some(secret())).await;
    let http = http();
    let addr = timeline.addr();
    let odd_headers: Vec<Delivery> = vec![
        Delivery::entry_publish("e1").with_header("x-contentful-signature", "ÿÿÿ"),
        Delivery::entry_publish("e1")
            .with_header("x-contentful-signature", &"a".repeat(64))
            .with_header("x-contentful-timestamp", "99999999999999999999999")
            .with_header("x-contentful-signed-headers", ",,,"),
        Delivery::entry_publish("e1")
            .with_header("x-contentful-signature", &"a".repeat(64))
            .with_header("x-contentful-timestamp", &now_ms().to_string())
            .with_header(
                "x-contentful-signed-headers",
                "x-contentful-signature,x-contentful-timestamp",
            ),
        Delivery::entry_publish("e1")
            .without_header("X-Contentful-Topic")
            .signed(&secret()),
        Delivery::entry_publish("e1")
            .with_header("X-Contentful-Webhook-Request-Attempt", "-1")
            .with_header("X-Contentful-CRN", ":::::")
            .with_header("X-Contentful-Event-Datetime", "yesterday")
            .signed(&secret()),
    ];
    for delivery in &odd_headers {
        let (status, _) = delivery.send(&http, addr).await;
        assert!(status == 403 || status == 200, "{status}");
    }
    // Still serving, and everything was journaled.
    let (status, _) = Delivery::entry_publish("ok")
        .signed(&secret())
        .send(&http, addr)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        timeline.journal().count(&EventFilter::default()).unwrap(),
        odd_headers.len() as u64 + 1
    );
    // Raw garbage on the socket.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"POST /webhooks/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX: \x01\x02\r\n\r\n\xff\xff\xff\xff\xff")
        .await
        .unwrap();
    let mut answer = vec![0u8; 64];
    let _ = tokio::time::timeout(Duration::from_secs(2), socket.read(&mut answer)).await;
    let (status, _) = Delivery::entry_publish("still")
        .signed(&secret())
        .send(&http, addr)
        .await;
    assert_eq!(status, 200);
    // A wrong method or path is not a delivery.
    let get = http
        .get(format!("http://{addr}/webhooks/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 405);
}

#[tokio::test]
async fn a_slow_subscriber_is_told_what_it_missed_and_catches_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = release_desk::timeline::TimelineConfig::new(dir.path());
    config.live_buffer = 4;
    let timeline = release_desk::timeline::Timeline::start(config)
        .await
        .unwrap();
    let mut slow = timeline.subscribe();
    let http = http();
    let mut ids = Vec::new();
    for i in 0..10 {
        let (status, answer) = Delivery::entry_publish(&format!("e{i}"))
            .send(&http, timeline.addr())
            .await;
        assert_eq!(status, 200);
        ids.push(answer["id"].as_i64().unwrap());
    }
    // Ingestion did not wait for the subscriber; it hears that 6 notices were dropped.
    let Some(LiveItem::Missed { count, last_seen }) = slow.recv().await else {
        panic!("expected a lag notice");
    };
    assert_eq!((count, last_seen), (6, None));
    // It catches up from the journal by cursor.
    let missed = timeline
        .journal()
        .after(&EventFilter::default(), last_seen, 100)
        .unwrap();
    assert_eq!(missed.iter().map(|e| e.id).collect::<Vec<_>>(), ids);
    // The buffered tail follows.
    for expected in &ids[6..] {
        match slow.recv().await {
            Some(LiveItem::Notice(TimelineNotice::Appended(e))) => assert_eq!(e.id, *expected),
            other => panic!("unexpected {other:?}"),
        }
    }
    wait_for_events(
        timeline.journal(),
        EventFilter::default(),
        10,
        Duration::from_secs(1),
    )
    .await;
}

#[tokio::test]
async fn filters_select_what_the_table_asks_for() {
    let (timeline, _dir) = timeline(Some(secret())).await;
    let http = http();
    let addr = timeline.addr();
    let release = json!({"title": "Spring launch", "entities": {"sys": {"type": "Array"}, "items": [
            {"sys": {"type": "Link", "linkType": "Entry", "id": "e1"}},
            {"sys": {"type": "Link", "linkType": "Entry", "id": "e2"}}]},
        "sys": {"type": "Release", "id": "r1", "version": 1, "status": "active"}});
    let action = json!({"action": "publish", "sys": {"type": "ReleaseAction", "id": "ra1", "status": "failed",
            "release": {"sys": {"type": "Link", "linkType": "Release", "id": "r1"}}},
        "error": {"sys": {"type": "Error", "id": "ValidationFailed"}, "details": {"errors": [
            {"entity": {"sys": {"type": "Link", "linkType": "Entry", "id": "e2"}},
             "error": {"sys": {"type": "Error", "id": "InvalidEntry"}, "message": "Validation error"}}]}}});
    for delivery in [
        Delivery::new("Release.create", release),
        Delivery::new("ReleaseAction.execute", action)
            .with_header("x-contentful-release-action-id", "ra1"),
        Delivery::entry_publish("e1").with_header("x-contentful-bulk-action-id", "b7"),
    ] {
        let (status, answer) = delivery.signed(&secret()).send(&http, addr).await;
        assert_eq!(status, 200, "{answer}");
    }
    let journal = timeline.journal();
    let one = |filter: EventFilter| journal.page(&filter, None, 10).unwrap().events;
    let failed = one(EventFilter {
        action_status: Some("failed".into()),
        ..EventFilter::default()
    });
    assert_eq!(failed.len(), 1);
    // The journal knew the release's title from Release.create.
    assert_eq!(
        failed[0].summary,
        "Release 'Spring launch': publish failed: 1 invalid entry"
    );
    assert_eq!(
        one(EventFilter {
            caused_by: Some("b7".into()),
            ..EventFilter::default()
        })[0]
            .entity_id
            .as_deref(),
        Some("e1")
    );
    assert_eq!(
        one(EventFilter {
            entity_type: Some("Release".into()),
            ..EventFilter::default()
        })
        .len(),
        1
    );
    assert_eq!(
        one(EventFilter {
            text: Some("spring".into()),
            ..EventFilter::default()
        })
        .len(),
        2
    );
    assert_eq!(
        journal
            .topic_counts()
            .unwrap()
            .into_iter()
            .map(|(t, _)| t)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        3
    );
    // Appending directly reports a duplicate key without storing it twice.
    let again = Delivery::entry_publish("e9");
    let (status, _) = again.clone().signed(&secret()).send(&http, addr).await;
    assert_eq!(status, 200);
    let (_, answer) = again.signed(&secret()).send(&http, addr).await;
    assert_eq!(answer["duplicate"], true);
}
