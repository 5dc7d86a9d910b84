//! Ingestion throughput of the timeline receiver (`cargo bench --bench ingest`).
//!
//! 32 concurrent senders post signed `Entry.publish` deliveries over loopback, first to a bare
//! axum handler that answers 200 without doing anything, then to the real receiver (signature
//! verification, JSON parsing, and a durable, group-committed journal write before each answer).
//! Each run is bounded by a delivery count and a time limit. The last (and only) line on stdout:
//! `ingest_eps=<x> bare_eps=<y> ratio=<x/y> ingest_p99_ms=<z>`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use release_desk::signing::{SigningSecret, sign_request};
use release_desk::timeline::{Timeline, TimelineConfig};

/// Concurrent senders.
const SENDERS: usize = 32;
/// Deliveries per measured run.
const DELIVERIES: usize = 20_000;
/// Deliveries per warm-up run.
const WARM_UP: usize = 1_000;
/// Longest a run may take.
const TIME_LIMIT: Duration = Duration::from_secs(30);
/// The signed headers, as the sandbox signs them.
const SIGNED: [&str; 6] = [
    "content-type",
    "x-contentful-crn",
    "x-contentful-idempotency-key",
    "x-contentful-topic",
    "x-contentful-webhook-name",
    "x-contentful-webhook-request-attempt",
];

/// What one run measured.
struct Run {
    delivered: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn eps(&self) -> f64 {
        self.delivered as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn p99_ms(&mut self) -> f64 {
        self.latencies.sort_unstable();
        let index = (self.latencies.len() * 99 / 100).min(self.latencies.len().saturating_sub(1));
        self.latencies
            .get(index)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// A realistic `Entry.publish` payload (about 1.5 kB).
fn payload(n: usize) -> String {
    serde_json::json!({
        "metadata": {"tags": [], "concepts": []},
        "fields": {
            "title": {"en-US": format!("The cider makers of the Hudson Valley, part {n}")},
            "slug": {"en-US": format!("hudson-valley-cider-{n}")},
            "summary": {"en-US": "Orchards, presses and a new generation of makers along the river, \
                from heirloom apples to sparkling perry, in a region that has made cider for centuries."},
            "body": {"en-US": "x".repeat(600)},
            "author": {"en-US": {"sys": {"type": "Link", "linkType": "Entry", "id": "author-claire-dubois"}}},
            "tags": {"en-US": ["food", "travel", "new-york"]}
        },
        "sys": {
            "type": "Entry", "id": format!("article-{n}"), "revision": 4, "publishedVersion": 7,
            "publishedCounter": 4, "createdAt": "2026-01-02T10:00:00.000Z", "updatedAt": "2026-06-22T18:42:22.587Z",
            "space": {"sys": {"type": "Link", "linkType": "Space", "id": "northwind"}},
            "environment": {"sys": {"type": "Link", "linkType": "Environment", "id": "master"}},
            "contentType": {"sys": {"type": "Link", "linkType": "ContentType", "id": "article"}}
        }
    })
    .to_string()
}

/// Headers and body of delivery `n`, signed now.
fn delivery(secret: &SigningSecret, n: usize) -> (Vec<(&'static str, String)>, String) {
    let body = payload(n);
    let key = format!("{:064x}", n as u128 * 0x9e37_79b9_7f4a_7c15 + 1);
    let headers: Vec<(&'static str, String)> = vec![
        (
            "content-type",
            "application/vnd.contentful.management.v1+json".into(),
        ),
        (
            "x-contentful-topic",
            "ContentManagement.Entry.publish".into(),
        ),
        ("x-contentful-webhook-name", "timeline".into()),
        ("x-contentful-webhook-request-attempt", "1".into()),
        (
            "x-contentful-event-datetime",
            "2026-06-22T18:42:22.587Z".into(),
        ),
        ("x-contentful-idempotency-key", key),
        (
            "x-contentful-crn",
            format!(
                "crn:contentful:::content:spaces/northwind/environments/master/entries/article-{n}"
            ),
        ),
    ];
    let to_sign: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(k, _)| SIGNED.contains(k))
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let now = jiff::Timestamp::now().as_millisecond();
    let signed = sign_request(
        secret,
        "POST",
        "/webhooks/bench",
        &to_sign,
        body.as_bytes(),
        now,
    );
    let mut headers = headers;
    headers.extend(signed.into_pairs());
    (headers, body)
}

/// Sends `count` deliveries (numbered from `first`) to `addr` with [`SENDERS`] senders.
async fn run(addr: SocketAddr, secret: &SigningSecret, first: usize, count: usize) -> Run {
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(SENDERS)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..SENDERS {
        let http = http.clone();
        let next = next.clone();
        let secret = secret.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count || started.elapsed() > TIME_LIMIT {
                    break;
                }
                let (headers, body) = delivery(&secret, first + n);
                let mut request = http.post(format!("http://{addr}/webhooks/bench"));
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                let sent = Instant::now();
                let response = request.body(body).send().await.expect("delivery sent");
                assert_eq!(response.status(), reqwest::StatusCode::OK);
                let _ = response.bytes().await;
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(count);
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    Run {
        delivered: latencies.len(),
        elapsed: started.elapsed(),
        latencies,
    }
}

fn main() {
    release_desk::cma::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let secret = SigningSecret::generate();

        let bare = axum::Router::new().route(
            "/webhooks/{source}",
            axum::routing::post(|| async { StatusCode::OK }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bare_addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, bare).await });

        let dir = tempfile::tempdir().unwrap();
        let mut config = TimelineConfig::new(dir.path());
        config.receiver.secret = Some(secret.clone());
        let timeline = Timeline::start(config).await.unwrap();

        run(bare_addr, &secret, 0, WARM_UP).await;
        run(timeline.addr(), &secret, 0, WARM_UP).await;
        let bare_run = run(bare_addr, &secret, WARM_UP, DELIVERIES).await;
        let mut ingest_run = run(timeline.addr(), &secret, WARM_UP, DELIVERIES).await;

        let stored = timeline.journal().count(&Default::default()).unwrap();
        assert_eq!(
            stored as usize,
            WARM_UP + ingest_run.delivered,
            "every acknowledged delivery is stored"
        );

        let ingest = ingest_run.eps();
        let bare = bare_run.eps();
        println!(
            "ingest_eps={ingest:.0} bare_eps={bare:.0} ratio={:.3} ingest_p99_ms={:.2}",
            ingest / bare,
            ingest_run.p99_ms()
        );
        timeline.shutdown(Duration::from_secs(5)).await;
    });
}
