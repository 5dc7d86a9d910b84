//! `cargo bench --bench scale`: the sandbox with the big seed (50,000 entries, 2,000 assets,
//! 5,000 releases, 500 scheduled actions) on a temporary data directory, measured over loopback
//! with the project's client. Prints one `key=value` line per figure:
//!
//! - `big_seed_s`: generating and writing the big space (the sandbox's first start);
//! - `entries_page_ms_p50`: `GET /entries?limit=100&order=-sys.updatedAt`, the sandbox's
//!   answer read to its last byte (target ≤ 5);
//! - `entries_search_ms_p50`: `GET /entries?query=<word>&limit=100`, likewise (target ≤ 20);
//! - `entries_page_decoded_ms_p50`, `entries_search_decoded_ms_p50`: the same requests through
//!   the project's client, decoded into its types (what the app's worker pays);
//! - `release_detail_200_ms`: `GET` a 200-entity release and resolve its entities with
//!   `sys.id[in]` in the app's batches (`cma::ids::id_batches`: one request per kind here;
//!   median of the runs; target ≤ 50);
//! - `releases_page_ms_p50`: `GET /releases?limit=100` (default order `-sys.updatedAt`);
//! - `scheduled_range_ms_p50`: `GET /scheduled_actions` for one month, `limit=100`.

use std::future::Future;
use std::time::{Duration, Instant};

use release_desk::cma::ids::id_batches;
use release_desk::cma::{Client, EntityKind, LinkType, Query};
use release_desk::sandbox::seed::Seed;
use release_desk::sandbox::{Sandbox, SandboxConfig, seed_big};

const RUNS: usize = 31;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}

/// The median of `RUNS` timed calls of `f`, in milliseconds (after one warm-up call).
async fn p50<F, Fut>(mut f: F) -> f64
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    f(0).await;
    let mut samples = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        let started = Instant::now();
        f(i + 1).await;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

async fn bench() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = SandboxConfig {
        data_dir: Some(dir.path().to_path_buf()),
        seed: Seed::Big,
        ..SandboxConfig::default()
    };
    let started = Instant::now();
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let big_seed_s = started.elapsed().as_secs_f64();
    eprintln!("big space written in {big_seed_s:.1} s");
    let client = Client::new(sandbox.client_config()).expect("client");

    let first = client
        .query_entities(EntityKind::Entry, &Query::new().limit(1))
        .await
        .expect("entries");
    assert_eq!(first.total, 50_000, "the big space has 50,000 entries");

    // The sandbox alone: the same requests, the body read as bytes.
    let http = reqwest::Client::new();
    let entries_url = format!(
        "{}spaces/{}/environments/{}/entries",
        sandbox.base_url, sandbox.space_id, sandbox.environment_id
    );
    let raw = |query: Vec<(&'static str, String)>| {
        let request = http
            .get(&entries_url)
            .bearer_auth(&sandbox.token)
            .query(&query);
        async move {
            let response = request.send().await.expect("sent");
            assert!(response.status().is_success(), "{}", response.status());
            let body = response.bytes().await.expect("body");
            assert!(body.len() > 1000, "a page of entries");
        }
    };
    let entries_page_raw = p50(|_| {
        raw(vec![
            ("limit", "100".into()),
            ("order", "-sys.updatedAt".into()),
        ])
    })
    .await;
    let words = ["harbour", "cider", "lantern", "otter", "saffron", "glacier"];
    let entries_search_raw = p50(|i| {
        raw(vec![
            ("query", words[i % words.len()].into()),
            ("limit", "100".into()),
        ])
    })
    .await;

    let c = client.clone();
    let entries_page = p50(|_| {
        let client = c.clone();
        async move {
            let page = client
                .query_entities(
                    EntityKind::Entry,
                    &Query::new().limit(100).order("-sys.updatedAt"),
                )
                .await
                .expect("entries page");
            assert_eq!(page.items.len(), 100);
        }
    })
    .await;

    let entries_search = p50(|i| {
        let word = words[i % words.len()];
        let client = client.clone();
        async move {
            let page = client
                .query_entities(
                    EntityKind::Entry,
                    &Query::new().set("query", word).limit(100),
                )
                .await
                .expect("search");
            assert!(!page.items.is_empty(), "'{word}' is found");
        }
    })
    .await;

    let release_detail = p50(|i| {
        let client = client.clone();
        async move {
            // Releases 0, 10, 20, … hold 200 entities each.
            let id = seed_big::release_id((i % 50) * 10);
            let release = client.get_release(&id).await.expect("release");
            assert_eq!(release.entities.items.len(), 200);
            let mut resolved = 0;
            for (kind, link_type) in [
                (EntityKind::Entry, LinkType::Entry),
                (EntityKind::Asset, LinkType::Asset),
            ] {
                let ids: Vec<&str> = release
                    .entities
                    .links()
                    .filter(|l| l.sys.link_type == link_type)
                    .map(|l| l.sys.id.as_str())
                    .collect();
                for batch in id_batches(&ids) {
                    let query = Query::ids_in(batch);
                    let page = client.query_entities(kind, &query).await.expect("resolve");
                    resolved += page.items.len();
                }
            }
            assert_eq!(resolved, 200);
        }
    })
    .await;

    let releases_page = p50(|_| {
        let client = client.clone();
        async move {
            let page = client
                .query_releases(&Query::new().limit(100))
                .await
                .expect("releases");
            assert_eq!(page.items.len(), 100);
        }
    })
    .await;

    let now = jiff::Timestamp::now();
    let scheduled_range = p50(|i| {
        let client = client.clone();
        async move {
            let day = Duration::from_secs(60 * 60 * 24);
            let from = now.checked_add(day * (i % 90) as u32).expect("in range");
            let to = from.checked_add(day * 30).expect("in range");
            let query = Query::new()
                .set("scheduledFor.datetime[gte]", from)
                .set("scheduledFor.datetime[lte]", to)
                .limit(100);
            client
                .query_scheduled_actions(&query)
                .await
                .expect("scheduled actions");
        }
    })
    .await;

    println!("big_seed_s={big_seed_s:.1}");
    println!("entries_page_ms_p50={entries_page_raw:.2}");
    println!("entries_search_ms_p50={entries_search_raw:.2}");
    println!("entries_page_decoded_ms_p50={entries_page:.2}");
    println!("entries_search_decoded_ms_p50={entries_search:.2}");
    println!("release_detail_200_ms={release_detail:.2}");
    println!("releases_page_ms_p50={releases_page:.2}");
    println!("scheduled_range_ms_p50={scheduled_range:.2}");
    sandbox.shutdown(Duration::from_secs(2)).await;
}
