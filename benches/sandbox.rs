//! `cargo bench --bench sandbox`: the sandbox over loopback, measured with the project's client.
//!
//! 1. `publish_200_ms_p50`: from `PUT /releases/{id}/published` of a 200-entry release to the
//!    action's `succeeded` (median of several runs; the sandbox's artificial action delay is 0,
//!    the client polls every 5 ms, so the figure is validation + the publish transaction).
//! 2. `list_releases_rps`: `GET /releases` requests per second under 32 concurrent clients.
//!
//! Ends with one line: `publish_200_ms_p50=<x> list_releases_rps=<y>`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use release_desk::cma::{ActionStatus, Client, Link, PollOptions, Query, ReleaseBody};
use release_desk::sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

const RUNS: usize = 7;
const CONCURRENCY: usize = 32;
const LIST_SECONDS: u64 = 4;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = SandboxConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..SandboxConfig::default()
    };
    config.behaviour.action_delay = Duration::ZERO;
    config.behaviour.auto_archive = false;
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let client = Client::new(sandbox.client_config()).expect("client");

    // 200 valid, published categories.
    let mut links = Vec::new();
    for i in 0..200 {
        let mut fields = serde_json::Map::new();
        fields.insert(
            "name".into(),
            json!({"en-US": format!("Bench category {i}")}),
        );
        fields.insert("slug".into(), json!({"en-US": format!("bench-{i}")}));
        let entry = client
            .create_entry("category", &fields)
            .await
            .expect("create entry");
        links.push(Link::entry(entry.sys.id));
    }
    let release = client
        .create_release(&ReleaseBody::new("Bench: 200 entries", links))
        .await
        .expect("create release");
    let poll = PollOptions {
        initial_delay: Duration::from_millis(5),
        interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(5),
        timeout: Duration::from_secs(60),
    };
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let current = client
            .get_release(&release.sys.id)
            .await
            .expect("get release");
        let started = Instant::now();
        let action = client
            .publish_release(&release.sys.id, current.sys.version)
            .await
            .expect("publish");
        let done = client
            .wait_release_action(&release.sys.id, &action.sys.id, &poll)
            .await
            .expect("wait");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
        samples.push(ms);
        eprintln!("publish of 200 entries: {ms:.1} ms");
    }
    samples.sort_by(f64::total_cmp);
    let p50 = samples[samples.len() / 2];

    // GET /releases under 32 concurrent clients.
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(LIST_SECONDS);
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let client = client.clone();
            let count = count.clone();
            tokio::spawn(async move {
                let query = Query::new().limit(100);
                while Instant::now() < deadline {
                    client.query_releases(&query).await.expect("list releases");
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let rps = count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!("publish_200_ms_p50={p50:.1} list_releases_rps={rps:.0}");
}
