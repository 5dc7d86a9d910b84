//! Unit tests of the parent module.

use serde_json::json;

use super::*;
use crate::timeline::event::Origin;

fn incoming(
    topic: &str,
    key: Option<&str>,
    attempt: u32,
    verdict: Verdict,
    body: serde_json::Value,
) -> IncomingEvent {
    let mut headers = vec![
        (
            "X-Contentful-Topic".to_owned(),
            format!("ContentManagement.{topic}"),
        ),
        (
            "X-Contentful-Webhook-Request-Attempt".to_owned(),
            attempt.to_string(),
        ),
    ];
    if let Some(key) = key {
        headers.push(("X-Contentful-Idempotency-Key".to_owned(), key.to_owned()));
    }
    let bytes = body.to_string().into_bytes();
    let len = bytes.len() as u64;
    IncomingEvent::from_delivery(
        Origin::Receiver,
        "t",
        headers,
        bytes,
        len,
        Some(body),
        verdict,
        200,
    )
}

fn entry(id: &str) -> serde_json::Value {
    json!({"sys": {"type": "Entry", "id": id, "version": 2}, "fields": {"title": {"en-US": format!("Title of {id}")}}})
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn append_dedup_page_count_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual_ms(1_800_000_000_000);
    let mut config = JournalConfig::new(dir.path().join("j.sqlite3"));
    config.clock = clock.clone();
    let journal = Journal::open(config).unwrap();
    assert!(journal.has_full_text_search());
    let rt = runtime();
    let id = rt.block_on(async {
        let mut live = journal.subscribe();
        let first = journal
            .append(incoming("Entry.publish", Some("k1"), 1, Verdict::Verified, entry("e1")))
            .await
            .unwrap();
        let id = first.id().unwrap();
        assert!(matches!(live.recv().await, Some(LiveItem::Notice(TimelineNotice::Appended(e))) if e.id == id));
        // A retry merges; a replay of the same attempt is not counted twice.
        let retry = journal
            .append(incoming("Entry.publish", Some("k1"), 2, Verdict::Verified, entry("e1")))
            .await
            .unwrap();
        assert_eq!(retry, AppendOutcome::Duplicate { id, attempt: 2, attempts: 2, counted: true });
        let replay = journal
            .append(incoming("Entry.publish", Some("k1"), 2, Verdict::Verified, entry("e1")))
            .await
            .unwrap();
        assert_eq!(replay, AppendOutcome::Duplicate { id, attempt: 2, attempts: 2, counted: false });
        // A rejected delivery claiming the same key is stored on its own.
        let forged = journal
            .append(incoming(
                "Entry.publish",
                Some("k1"),
                3,
                Verdict::Rejected { reason: "bad_signature".into(), detail: "no".into() },
                entry("e1"),
            ))
            .await
            .unwrap();
        assert!(matches!(forged, AppendOutcome::Appended(_)));
        clock.advance(Duration::from_secs(60));
        for i in 0..10 {
            journal
                .append(incoming("Entry.save", None, 1, Verdict::Verified, entry(&format!("x{i}"))))
                .await
                .unwrap();
        }
        id
    });
    let stored = journal.by_idempotency_key("k1").unwrap().unwrap();
    assert_eq!((stored.attempt, stored.attempts), (2, 2));
    let all = EventFilter::default();
    assert_eq!(journal.count(&all).unwrap(), 12);
    let page = journal.page(&all, None, 5).unwrap();
    assert_eq!(page.events.len(), 5);
    assert!(page.events.windows(2).all(|w| w[0].id > w[1].id));
    let second = journal.page(&all, page.next, 100).unwrap();
    assert_eq!(second.events.len(), 7);
    assert_eq!(second.next, None);
    let by_topic = |topics: &[&str]| EventFilter {
        topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        ..EventFilter::default()
    };
    assert_eq!(journal.count(&by_topic(&["Entry.publish"])).unwrap(), 2);
    assert_eq!(
        journal
            .page(&by_topic(&["Entry.publish", "Entry.save"]), None, 100)
            .unwrap()
            .events
            .len(),
        12
    );
    let rejected = EventFilter {
        verdict: Some(VerdictKind::Rejected),
        ..EventFilter::default()
    };
    assert_eq!(journal.count(&rejected).unwrap(), 1);
    let text = |t: &str| EventFilter {
        text: Some(t.to_owned()),
        ..EventFilter::default()
    };
    assert_eq!(journal.count(&text("title of x3")).unwrap(), 1);
    assert_eq!(journal.count(&text("x")).unwrap(), 10);
    assert_eq!(journal.count(&text("---")).unwrap(), 0);
    assert_eq!(journal.count(&text("\"unbalanced")).unwrap(), 0);
    let entity = EventFilter {
        entity_id: Some("e1".into()),
        ..EventFilter::default()
    };
    assert_eq!(journal.count(&entity).unwrap(), 2);
    let late = EventFilter {
        from: Timestamp::from_millis(1_800_000_030_000),
        ..EventFilter::default()
    };
    assert_eq!(journal.count(&late).unwrap(), 10);
    let early = EventFilter {
        until: Timestamp::from_millis(1_800_000_030_000),
        ..EventFilter::default()
    };
    assert_eq!(journal.count(&early).unwrap(), 2);
    let caught_up = journal.after(&all, Some(page.events[1].id), 100).unwrap();
    assert_eq!(caught_up.len(), 1);
    let details = journal.details(id).unwrap().unwrap();
    assert_eq!(details.json().unwrap()["sys"]["id"], "e1");
    assert_eq!(
        journal.topic_counts().unwrap()[0],
        ("Entry.save".to_owned(), 10)
    );

    rt.block_on(async {
        let gone = journal
            .apply_retention(Retention {
                max_age: Some(Duration::from_secs(30)),
                max_events: None,
            })
            .await
            .unwrap();
        assert_eq!(gone, 2);
        let gone = journal
            .apply_retention(Retention {
                max_age: None,
                max_events: Some(4),
            })
            .await
            .unwrap();
        assert_eq!(gone, 6);
    });
    assert_eq!(journal.count(&all).unwrap(), 4);
    assert_eq!(journal.count(&text("x")).unwrap(), 4);
    // Once the writer is idle, the full-text index has caught up; results are the same.
    std::thread::sleep(FTS_IDLE * 3);
    assert_eq!(journal.count(&text("x")).unwrap(), 4);
    assert_eq!(journal.count(&text("title of x9")).unwrap(), 1);
    assert_eq!(
        journal.page(&text("TITLE"), None, 2).unwrap().events.len(),
        2
    );
    assert_eq!(journal.after(&text("title"), None, 100).unwrap().len(), 4);
}

/// Query speed at 1,000,000 events: `cargo test --release --lib journal_speed -- --ignored --nocapture`.
#[test]
#[ignore = "fills a million events; run by hand"]
fn journal_speed() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(JournalConfig::new(dir.path().join("big.sqlite3"))).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let topics = [
        "Entry.publish",
        "Entry.save",
        "Release.save",
        "ReleaseAction.execute",
        "BulkAction.execute",
        "ScheduledAction.execute",
    ];
    let started = std::time::Instant::now();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for worker in 0..64 {
            let journal = journal.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..(1_000_000 / 64) {
                    let n = worker * 1_000_000 + i;
                    let topic = topics[n % topics.len()];
                    let verdict = if n % 1000 == 0 {
                        Verdict::Rejected { reason: "bad_signature".into(), detail: String::new() }
                    } else {
                        Verdict::Verified
                    };
                    let body = json!({"sys": {"type": topic.split('.').next().unwrap(), "id": format!("id{}", n % 50_000), "version": 3,
                        "status": if n % 7 == 0 { "failed" } else { "succeeded" }},
                        "fields": {"title": {"en-US": format!("Article number {n} about spring travel")}}});
                    let key = format!("{:064x}", (n as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835));
                    journal.append(incoming(topic, Some(&key), 1, verdict, body)).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    eprintln!("filled in {:?}", started.elapsed());
    let time = |name: &str, filter: EventFilter| {
        let t = std::time::Instant::now();
        let page = journal.page(&filter, None, 100).unwrap();
        let first = t.elapsed();
        let t = std::time::Instant::now();
        let _ = journal.page(&filter, page.next, 100).unwrap();
        eprintln!(
            "{name}: {} rows, first page {first:?}, next page {:?}",
            page.events.len(),
            t.elapsed()
        );
    };
    time("all", EventFilter::default());
    time(
        "one topic",
        EventFilter {
            topics: vec!["Entry.publish".into()],
            ..Default::default()
        },
    );
    time(
        "three topics",
        EventFilter {
            topics: vec![
                "Entry.publish".into(),
                "Release.save".into(),
                "BulkAction.execute".into(),
            ],
            ..Default::default()
        },
    );
    time(
        "entity id",
        EventFilter {
            entity_id: Some("id123".into()),
            ..Default::default()
        },
    );
    time(
        "rejected",
        EventFilter {
            verdict: Some(VerdictKind::Rejected),
            ..Default::default()
        },
    );
    time(
        "topic + rejected",
        EventFilter {
            topics: vec!["Entry.publish".into()],
            verdict: Some(VerdictKind::Rejected),
            ..Default::default()
        },
    );
    time(
        "status failed",
        EventFilter {
            action_status: Some("failed".into()),
            ..Default::default()
        },
    );
    time(
        "text common",
        EventFilter {
            text: Some("spring".into()),
            ..Default::default()
        },
    );
    time(
        "text rare",
        EventFilter {
            text: Some("number 123456".into()),
            ..Default::default()
        },
    );
    time(
        "text + topic",
        EventFilter {
            text: Some("travel".into()),
            topics: vec!["Release.save".into()],
            ..Default::default()
        },
    );
    let t = std::time::Instant::now();
    let n = journal
        .count(&EventFilter {
            topics: vec!["Entry.publish".into()],
            ..Default::default()
        })
        .unwrap();
    eprintln!("count topic: {n} in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let n = journal.count(&EventFilter::default()).unwrap();
    eprintln!("count all: {n} in {:?}", t.elapsed());
}

#[test]
fn a_verified_replay_without_idempotency_key_is_merged_by_its_signature() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(JournalConfig::new(dir.path().join("j.sqlite3"))).unwrap();
    runtime().block_on(async {
        let signed = |signature: &str| {
            let mut event = incoming("Entry.publish", None, 1, Verdict::Verified, entry("e1"));
            event
                .headers
                .push(("x-contentful-signature".to_owned(), signature.to_owned()));
            event
        };
        let first = journal.append(signed("aa11")).await.unwrap();
        let AppendOutcome::Appended(stored) = first else {
            panic!("first append: {first:?}");
        };
        let replay = journal.append(signed("aa11")).await.unwrap();
        assert!(
            matches!(replay, AppendOutcome::Duplicate { id, .. } if id == stored.id),
            "{replay:?}"
        );
        // Another signature is another delivery; an unsigned one has nothing to be keyed by.
        let other = journal.append(signed("bb22")).await.unwrap();
        assert!(matches!(other, AppendOutcome::Appended(_)));
        assert_eq!(journal.count(&EventFilter::default()).unwrap(), 2);
    });
}

#[test]
fn rejected_deliveries_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(JournalConfig::new(dir.path().join("j.sqlite3"))).unwrap();
    let rejected = || {
        incoming(
            "Entry.publish",
            None,
            1,
            Verdict::Rejected {
                reason: "bad_signature".into(),
                detail: "forged".into(),
            },
            entry("forged"),
        )
    };
    runtime().block_on(async {
        journal
            .append(incoming(
                "Entry.save",
                Some("genuine"),
                1,
                Verdict::Verified,
                entry("e1"),
            ))
            .await
            .unwrap();
        let over = 25;
        for _ in 0..(MAX_REJECTED_EVENTS + over) {
            journal.append(rejected()).await.unwrap();
        }
        let only_rejected = EventFilter {
            verdict: Some(VerdictKind::Rejected),
            ..EventFilter::default()
        };
        assert_eq!(
            journal.count(&only_rejected).unwrap(),
            u64::try_from(MAX_REJECTED_EVENTS).unwrap()
        );
        // Genuine events are never what the cap drops.
        assert_eq!(
            journal.count(&EventFilter::default()).unwrap(),
            u64::try_from(MAX_REJECTED_EVENTS).unwrap() + 1
        );
    });
}
