//! Nothing lost: the sandbox's webhook outbox across `kill -9`, the scheduler's crash safety,
//! one writer per data directory, writes that wait for a lock, owner-only files, and SIGTERM.
//!
//! The crash tests run the real binary and kill it; the others run the sandbox in-process on a
//! data directory and "crash" it by dropping it at a failpoint, then start it again.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use release_desk::cma::{
    AccessToken, ActionStatus, Client, ClientConfig, EntityKind, Link, LinkType, Query, Region,
    ReleaseBody, ScheduledActionBody, ScheduledActionKind, ScheduledActionStatus, ScheduledFor,
    Timestamp,
};
use release_desk::sandbox::core::Failpoints;
use release_desk::sandbox::{Sandbox, SandboxConfig, SandboxError};
use serde_json::json;

use crate::support::{fast_poll, fast_sandbox_config, sandbox_client};

// ---- A webhook consumer that can refuse, hang, or take ------------------------------------------

/// One delivery the consumer took (answered 200).
#[derive(Debug, Clone)]
struct Taken {
    topic: String,
    key: String,
    attempt: u32,
    entity_id: String,
}

/// The consumer's behaviour: before `open`, the first request gets 503 and every later one hangs
/// until `open`; after `open`, every request is taken (after `delay`).
#[derive(Default)]
struct Consumer {
    open: AtomicBool,
    refused_first: Mutex<Option<String>>,
    taken: Mutex<Vec<Taken>>,
    opened: tokio::sync::Notify,
    delay: Mutex<Duration>,
}

impl Consumer {
    fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
        self.opened.notify_waiters();
    }

    fn taken(&self) -> Vec<Taken> {
        self.taken.lock().unwrap().clone()
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn consume(
    axum::extract::State(consumer): axum::extract::State<Arc<Consumer>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let key = header(&headers, "x-contentful-idempotency-key");
    if !consumer.open.load(Ordering::SeqCst) {
        {
            let mut first = consumer.refused_first.lock().unwrap();
            if first.is_none() {
                *first = Some(key);
                return StatusCode::SERVICE_UNAVAILABLE;
            }
        }
        let opened = consumer.opened.notified();
        if !consumer.open.load(Ordering::SeqCst) {
            opened.await;
        }
        // Whoever sent this is gone by now.
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let delay = *consumer.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    consumer.taken.lock().unwrap().push(Taken {
        topic: header(&headers, "x-contentful-topic"),
        key,
        attempt: header(&headers, "x-contentful-webhook-request-attempt")
            .parse()
            .unwrap_or(0),
        entity_id: payload
            .pointer("/sys/id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
    });
    StatusCode::OK
}

async fn start_consumer(consumer: Arc<Consumer>) -> SocketAddr {
    let router = axum::Router::new()
        .route("/hook", axum::routing::any(consume))
        .with_state(consumer);
    crate::support::serve(router).await
}

// ---- The real binary ------------------------------------------------------------------------------

/// A running `release-desk sandbox`.
struct SandboxProcess {
    child: Child,
    client: Client,
}

impl SandboxProcess {
    fn spawn(data: &Path, webhook_url: &str) -> Child {
        Command::new(env!("CARGO_BIN_EXE_release-desk"))
            .args([
                "sandbox",
                "--port",
                "0",
                "--webhook-retry-delay",
                "1",
                "--data",
            ])
            .arg(data)
            .args(["--webhook-url", webhook_url])
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("release-desk starts")
    }

    fn start(data: &Path, webhook_url: &str) -> Self {
        let mut child = Self::spawn(data, webhook_url);
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut values = HashMap::new();
        while values.len() < 4 {
            let line = lines
                .recv_timeout(Duration::from_secs(30))
                .expect("the sandbox prints its base URL, space, environment and token");
            if let Some((key, value)) = line.split_once('=') {
                values.insert(key.to_owned(), value.to_owned());
            }
        }
        let url = url::Url::parse(&values["base_url"]).unwrap();
        let mut config = ClientConfig::new(
            Region::Custom(url),
            AccessToken::new(values["token"].clone()),
            values["space_id"].clone(),
            values["environment"].clone(),
        );
        config.rate_limit = None;
        let client = Client::new(config).unwrap();
        Self { child, client }
    }

    /// `SIGKILL`: nothing is flushed, nothing drains.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// Polls `done` every 20 ms until it holds, or fails after `limit` with `what`.
async fn eventually(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn two_hundred_categories(client: &Client) -> Vec<Link> {
    let mut links = Vec::new();
    for i in 0..200 {
        let mut fields = serde_json::Map::new();
        fields.insert("name".into(), json!({"en-US": format!("Durable {i}")}));
        fields.insert("slug".into(), json!({"en-US": format!("durable-{i}")}));
        let entry = client.create_entry("category", &fields).await.unwrap();
        links.push(Link::entry(entry.sys.id));
    }
    links
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_a_publish_caused_is_delivered_after_kill_9_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let consumer = Arc::new(Consumer::default());
    let addr = start_consumer(consumer.clone()).await;
    let hook = format!("http://{addr}/hook");

    let sandbox = SandboxProcess::start(dir.path(), &hook);
    // One writer per data directory: a second sandbox is refused, naming the first one's pid.
    let second = SandboxProcess::spawn(dir.path(), &hook)
        .wait_with_output()
        .unwrap();
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(
        !second.status.success(),
        "a second sandbox started: {message}"
    );
    assert!(
        message.contains(&format!("pid {}", sandbox.child.id())),
        "{message}"
    );

    let links = two_hundred_categories(&sandbox.client).await;
    let ids: HashSet<String> = links.iter().map(|l| l.sys.id.clone()).collect();
    let release = sandbox
        .client
        .create_release(&ReleaseBody::new("Durable: 200 entries", links))
        .await
        .unwrap();
    let action = sandbox
        .client
        .publish_release(&release.sys.id, release.sys.version)
        .await
        .unwrap();
    let done = sandbox
        .client
        .wait_release_action(&release.sys.id, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded);
    // The consumer refused the first delivery (a retry is due in 1 s) and has held the next one
    // ever since: almost everything is still to be delivered when the process dies.
    sandbox.kill();
    let refused = consumer
        .refused_first
        .lock()
        .unwrap()
        .clone()
        .expect("the first delivery reached the consumer");
    assert!(consumer.taken().is_empty());

    consumer.open();
    let sandbox = SandboxProcess::start(dir.path(), &hook);
    eventually(
        Duration::from_secs(60),
        "every caused event delivered",
        || {
            let taken = consumer.taken();
            let published: HashSet<&str> = taken
                .iter()
                .filter(|t| t.topic == "ContentManagement.Entry.publish")
                .map(|t| t.entity_id.as_str())
                .collect();
            ids.iter().all(|id| published.contains(id.as_str()))
                && taken
                    .iter()
                    .any(|t| t.topic == "ContentManagement.ReleaseAction.execute")
                && taken
                    .iter()
                    .any(|t| t.topic == "ContentManagement.Release.archive")
                && taken.iter().any(|t| t.key == refused)
        },
    )
    .await;
    // The delivery that was waiting for its retry went out as a retry, with its key unchanged.
    let retried = consumer
        .taken()
        .into_iter()
        .find(|t| t.key == refused)
        .unwrap();
    assert!(retried.attempt >= 2, "{retried:?}");
    sandbox.kill();
}

#[cfg(unix)]
fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_deliveries_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let consumer = Arc::new(Consumer::default());
    consumer.open();
    // The consumer is slow, so the delivery is in flight when the signal arrives.
    *consumer.delay.lock().unwrap() = Duration::from_millis(300);
    let addr = start_consumer(consumer.clone()).await;
    let sandbox = SandboxProcess::start(dir.path(), &format!("http://{addr}/hook"));
    let mut fields = serde_json::Map::new();
    fields.insert("name".into(), json!({"en-US": "Before SIGTERM"}));
    fields.insert("slug".into(), json!({"en-US": "before-sigterm"}));
    let entry = sandbox
        .client
        .create_entry("category", &fields)
        .await
        .unwrap();
    terminate(&sandbox.child);
    let mut child = sandbox.child;
    let output = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        (status, stderr)
    })
    .await
    .unwrap();
    assert!(output.0.success(), "{output:?}");
    assert!(output.1.contains("SIGTERM"), "{}", output.1);
    assert!(
        consumer
            .taken()
            .iter()
            .any(|t| t.topic == "ContentManagement.Entry.create" && t.entity_id == entry.sys.id),
        "{:?}",
        consumer.taken()
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_receiver(dir.path(), 0);
    // Keep reading stdout to its end, as a terminal would.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("addr="), "{first}");
    let rest = std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    terminate(&child);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    rest.join().unwrap().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("SIGTERM"), "{stderr}");
}

/// `release-desk receive` on `port` (0: any), recording into `data`; stdout and stderr piped.
#[cfg(unix)]
fn spawn_receiver(data: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_release-desk"))
        .args(["receive", "--port", &port.to_string(), "--data"])
        .arg(data)
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A port free now, for a command whose stdout is not read.
#[cfg(unix)]
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_keeps_recording_when_its_stdout_closes() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = spawn_receiver(dir.path(), port);
    // The reader goes away before the first line (`release-desk receive | head -0`).
    drop(child.stdout.take());
    release_desk::cma::install_crypto_provider();
    let http = reqwest::Client::new();
    let mut recorded = false;
    for _ in 0..1500 {
        let sent = http
            .post(format!("http://127.0.0.1:{port}/webhooks/closed-stdout"))
            .header("X-Contentful-Topic", "ContentManagement.Entry.publish")
            .header(
                "Content-Type",
                "application/vnd.contentful.management.v1+json",
            )
            .body(r#"{"sys":{"id":"e1","type":"Entry"}}"#)
            .send()
            .await;
        if sent.is_ok_and(|r| r.status().is_success()) {
            recorded = true;
            break;
        }
        // Polls until the process listens (at most 30 s).
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        recorded,
        "the receiver answers with nobody reading its stdout"
    );
    terminate(&child);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("SIGTERM"), "a graceful stop: {stderr}");
}

// ---- In-process: failpoints, locks, file modes ----------------------------------------------------

fn on_disk(dir: &Path) -> SandboxConfig {
    SandboxConfig {
        data_dir: Some(dir.to_path_buf()),
        ..fast_sandbox_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_between_a_scheduled_publish_and_its_schedule_neither_fails_nor_publishes_twice() {
    let dir = tempfile::tempdir().unwrap();
    let start = jiff::Timestamp::now();
    let clock = release_desk::clock::Clock::manual(start);
    let mut config = on_disk(dir.path());
    config.clock = clock.clone();
    // The schedule's last step fails for as long as this process lives: the crash point.
    config
        .behaviour
        .failpoints
        .arm(Failpoints::SCHEDULE_BEFORE_FINISH, u32::MAX);
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = sandbox_client(&sandbox);
    let mut links = Vec::new();
    for i in 0..3 {
        let mut fields = serde_json::Map::new();
        fields.insert("name".into(), json!({"en-US": format!("Scheduled {i}")}));
        fields.insert("slug".into(), json!({"en-US": format!("scheduled-{i}")}));
        let entry = client.create_entry("category", &fields).await.unwrap();
        links.push(Link::entry(entry.sys.id));
    }
    let release = client
        .create_release(&ReleaseBody::new("Scheduled, then a crash", links.clone()))
        .await
        .unwrap();
    let when = Timestamp(start + jiff::SignedDuration::from_mins(10));
    let schedule = client
        .create_scheduled_action(&ScheduledActionBody {
            entity: Link::new(LinkType::Release, release.sys.id.clone()),
            environment: Link::new(LinkType::Environment, sandbox.environment_id.clone()),
            action: ScheduledActionKind::Publish,
            scheduled_for: ScheduledFor {
                datetime: when,
                timezone: Some("Europe/Berlin".into()),
            },
            payload: None,
        })
        .await
        .unwrap();
    clock.advance(Duration::from_secs(11 * 60));
    // The release action runs and succeeds; the schedule cannot record it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let actions = client
            .query_release_actions(&Query::new().set("sys.release.sys.id[in]", &release.sys.id))
            .await
            .unwrap();
        if actions
            .iter()
            .any(|a| a.sys.status == ActionStatus::Succeeded)
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the release never published"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stuck = client.get_scheduled_action(&schedule.sys.id).await.unwrap();
    assert_eq!(stuck.sys.status, ScheduledActionStatus::InProgress);
    drop(client);
    drop(sandbox);

    // Restart on the same data directory, same clock, no failpoint.
    let mut config = on_disk(dir.path());
    config.clock = clock.clone();
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = sandbox_client(&sandbox);
    let done = client
        .wait_scheduled_action(&schedule.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(
        done.sys.status,
        ScheduledActionStatus::Succeeded,
        "{:?}",
        done.error
    );
    let actions = client
        .query_release_actions(&Query::new().set("sys.release.sys.id[in]", &release.sys.id))
        .await
        .unwrap();
    assert_eq!(actions.len(), 1, "the release was run once");
    // The schedule that started it is remembered beside the action, not in its JSON.
    assert!(!actions[0].sys.extra.contains_key("scheduledAction"));
    for link in &links {
        let entry = client
            .get_entity(EntityKind::Entry, &link.sys.id)
            .await
            .unwrap();
        assert_eq!(
            entry.sys.published_counter,
            Some(1),
            "{} published once",
            link.sys.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_action_whose_step_met_a_busy_database_still_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let config = on_disk(dir.path());
    config.behaviour.failpoints.arm(Failpoints::ACTION_STEP, 3);
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = sandbox_client(&sandbox);
    let mut fields = serde_json::Map::new();
    fields.insert("name".into(), json!({"en-US": "Busy"}));
    fields.insert("slug".into(), json!({"en-US": "busy"}));
    let entry = client.create_entry("category", &fields).await.unwrap();
    let release = client
        .create_release(&ReleaseBody::new(
            "Busy database",
            vec![Link::entry(entry.sys.id)],
        ))
        .await
        .unwrap();
    let action = client
        .publish_release(&release.sys.id, release.sys.version)
        .await
        .unwrap();
    let done = client
        .wait_release_action(&release.sys.id, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_waits_while_another_connection_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(on_disk(dir.path())).await.unwrap();
    let client = sandbox_client(&sandbox);

    // Another connection (a backup tool, say) holds the write lock.
    let other = rusqlite::Connection::open(dir.path().join("sandbox.sqlite3")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut write = tokio::spawn(async move {
        let mut fields = serde_json::Map::new();
        fields.insert("name".into(), json!({"en-US": "Waited"}));
        fields.insert("slug".into(), json!({"en-US": "waited"}));
        client.create_entry("category", &fields).await
    });
    // It neither fails at once nor completes while the lock is held…
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut write)
            .await
            .is_err(),
        "the write did not wait for the lock"
    );
    // …and goes through once it is released.
    other.execute_batch("COMMIT").unwrap();
    let created = write
        .await
        .unwrap()
        .expect("the write succeeds after waiting");
    assert!(!created.sys.id.is_empty());
}

#[tokio::test]
async fn a_second_sandbox_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = Sandbox::start(on_disk(dir.path())).await.unwrap();
    let second = Sandbox::start(on_disk(dir.path())).await;
    match second {
        Err(SandboxError::Locked { holder, .. }) => {
            assert_eq!(holder, format!(" (pid {})", std::process::id()));
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    // Once the first is gone, the directory is free again.
    drop(first);
    Sandbox::start(on_disk(dir.path())).await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn sandbox_and_journal_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let root = tempfile::tempdir().unwrap();
    let sandbox_dir = root.path().join("sandbox");
    let sandbox = Sandbox::start(on_disk(&sandbox_dir)).await.unwrap();
    let client = sandbox_client(&sandbox);
    client.get_space().await.unwrap();
    assert_eq!(mode(&sandbox_dir), 0o700);
    for file in [
        "sandbox.sqlite3",
        "sandbox.sqlite3-wal",
        "sandbox.sqlite3-shm",
        "sandbox.lock",
    ] {
        assert_eq!(mode(&sandbox_dir.join(file)), 0o600, "{file}");
    }

    let timeline_dir = root.path().join("timeline");
    let timeline = release_desk::timeline::Timeline::start(
        release_desk::timeline::TimelineConfig::new(&timeline_dir),
    )
    .await
    .unwrap();
    assert_eq!(mode(&timeline_dir), 0o700);
    let journal = timeline.journal().path().to_path_buf();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = journal.as_os_str().to_owned();
        name.push(suffix);
        assert_eq!(mode(Path::new(&name)), 0o600, "journal{suffix}");
    }
    timeline.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resumed_delivery_goes_where_its_webhook_points_now() {
    // The app's receiver listens on a new port at every launch: deliveries left from the last
    // run must follow the webhook, not the old URL.
    let dir = tempfile::tempdir().unwrap();
    let old = Arc::new(Consumer::default());
    let old_addr = start_consumer(old.clone()).await;
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_url: Some(format!("http://{old_addr}/hook")),
        ..on_disk(dir.path())
    })
    .await
    .unwrap();
    let client = sandbox_client(&sandbox);
    let mut fields = serde_json::Map::new();
    fields.insert("name".into(), json!({"en-US": "Moved"}));
    fields.insert("slug".into(), json!({"en-US": "moved"}));
    let entry = client.create_entry("category", &fields).await.unwrap();
    // The old consumer refuses the first delivery and holds the rest: then the process "dies".
    eventually(
        Duration::from_secs(10),
        "the first delivery was tried",
        || old.refused_first.lock().unwrap().is_some(),
    )
    .await;
    drop(client);
    drop(sandbox);

    let new = Arc::new(Consumer::default());
    new.open();
    let new_addr = start_consumer(new.clone()).await;
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_url: Some(format!("http://{new_addr}/hook")),
        ..on_disk(dir.path())
    })
    .await
    .unwrap();
    eventually(
        Duration::from_secs(20),
        "the entry's create reaches the new URL",
        || {
            new.taken()
                .iter()
                .any(|t| t.topic == "ContentManagement.Entry.create" && t.entity_id == entry.sys.id)
        },
    )
    .await;
    assert!(old.taken().is_empty());
    drop(sandbox);
}
