//! Alerts and hooks (#17) end to end: signed webhooks into the receiver, rules matched in the
//! journal's transaction, messages posted to a local stand-in for Slack and build hooks.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::post;
use release_desk::alerts::{
    AlertNotice, AlertsHandle, DeliveryRecord, DeliveryState, RuleSet, RulesHandle,
};
use release_desk::clock::Clock;
use release_desk::timeline::{Timeline, TimelineConfig};
use serde_json::{Value, json};

use crate::timeline_support::{Delivery, SECRET, http, now_ms, secret};

/// A stand-in for chat and build endpoints: records every POST by path; answers 503 to the
/// first `fail_first` of them.
#[derive(Clone, Default)]
struct Sink {
    posts: Arc<Mutex<Vec<(String, Value)>>>,
    fail_first: Arc<AtomicUsize>,
}

impl Sink {
    async fn start() -> (Self, SocketAddr) {
        let sink = Self::default();
        let app = Router::new()
            .route("/{*path}", post(record))
            .with_state(sink.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (sink, addr)
    }

    fn posts_to(&self, path: &str) -> Vec<Value> {
        self.posts
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// Waits (bounded) until `path` has received `n` posts; returns them.
    async fn wait_for(&self, path: &str, n: usize) -> Vec<Value> {
        for _ in 0..500 {
            let posts = self.posts_to(path);
            if posts.len() >= n {
                return posts;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "timed out waiting for {n} posts to {path}; got {:?}",
            self.posts.lock().unwrap()
        );
    }
}

async fn record(
    State(sink): State<Sink>,
    UrlPath(path): UrlPath<String>,
    body: String,
) -> (StatusCode, &'static str) {
    let json = serde_json::from_str(&body).unwrap_or(Value::String(body));
    sink.posts.lock().unwrap().push((format!("/{path}"), json));
    let failing = sink
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        (StatusCode::SERVICE_UNAVAILABLE, "try later")
    } else {
        (StatusCode::OK, "ok")
    }
}

/// The rules file every test starts from: failed schedules to Slack, succeeded release
/// publishes to a build hook (after `delay` seconds), and a disabled rule.
fn rules_file(sink: SocketAddr, delay: u64) -> String {
    format!(
        r#"
[[rule]]
id = "failed-schedules"
name = "Failed schedule to Slack"
[rule.when]
topics = ["ScheduledAction.execute"]
status = "failed"
[rule.then]
action = "chat"
format = "slack"
url = "http://{sink}/slack/T000/B000/SECRETPART"

[[rule]]
id = "deploy"
name = "Build after publish"
[rule.when]
topics = ["ReleaseAction.execute"]
status = "succeeded"
operation = "publish"
[rule.then]
action = "build_hook"
url = "http://{sink}/build/SECRETHOOK"
delay_secs = {delay}

[[rule]]
id = "off"
name = "Disabled: every schedule"
enabled = false
[rule.when]
topics = ["ScheduledAction.*"]
[rule.then]
action = "chat"
format = "json"
url = "http://{sink}/disabled"
"#
    )
}

async fn start(dir: &Path, rules: &str, clock: Clock) -> (Timeline, AlertsHandle) {
    let mut config = TimelineConfig::new(dir);
    config.receiver.secret = Some(secret());
    config.receiver.clock = clock;
    config.rules = Some(RulesHandle::new(RuleSet::from_toml(rules).unwrap()));
    let timeline = Timeline::start(config).await.unwrap();
    let alerts = timeline.alerts().unwrap().clone();
    (timeline, alerts)
}

fn release_saved() -> Delivery {
    Delivery::new(
        "Release.save",
        json!({"title": "Spring launch", "entities": {"sys": {"type": "Array"}, "items": [
                {"sys": {"type": "Link", "linkType": "Entry", "id": "hero"}}]},
            "sys": {"type": "Release", "id": "rel-1", "version": 2, "status": "active"}}),
    )
}

/// A failed scheduled publish of release `rel-1`: entry `hero` has no title.
fn failed_schedule() -> Delivery {
    Delivery::new(
        "ScheduledAction.execute",
        json!({
            "sys": {"type": "ScheduledAction", "id": "sa-1", "version": 2, "status": "failed",
                    "space": {"sys": {"type": "Link", "linkType": "Space", "id": "s1"}}},
            "entity": {"sys": {"type": "Link", "linkType": "Release", "id": "rel-1"}},
            "environment": {"sys": {"type": "Link", "linkType": "Environment", "id": "master"}},
            "action": "publish",
            "scheduledFor": {"datetime": "2026-06-01T09:00:00.000Z", "timezone": "Europe/Berlin"},
            "error": {"sys": {"type": "Error", "id": "InvalidEntry"}, "message": "Validation error",
                "details": {"errors": [{
                    "entity": {"sys": {"type": "Link", "linkType": "Entry", "id": "hero"}},
                    "error": {"sys": {"type": "Error", "id": "InvalidEntry"},
                        "details": {"errors": [{"name": "required", "path": ["fields", "title", "en-US"]}]}}
                }]}}
        }),
    )
}

/// A succeeded release publish of `rel-1`.
fn release_published() -> Delivery {
    Delivery::new(
        "ReleaseAction.execute",
        json!({"action": "publish", "sys": {"type": "ReleaseAction", "id": "ra-1", "status": "succeeded",
            "release": {"sys": {"type": "Link", "linkType": "Release", "id": "rel-1"}}}}),
    )
}

/// The same delivery as Contentful retries it: same idempotency key, next attempt, signed again.
fn attempt(delivery: &Delivery, n: u32) -> Delivery {
    delivery
        .clone()
        .with_header("X-Contentful-Webhook-Request-Attempt", &n.to_string())
        .signed(&secret())
}

async fn send(delivery: Delivery, addr: SocketAddr) {
    let (status, answer) = delivery.send(&http(), addr).await;
    assert_eq!(status, 200, "{answer}");
}

async fn log(alerts: &AlertsHandle, rule: &str) -> Vec<DeliveryRecord> {
    let alerts = alerts.clone();
    let rule = rule.to_owned();
    tokio::task::spawn_blocking(move || alerts.deliveries(Some(&rule), 50).unwrap())
        .await
        .unwrap()
}

/// Waits (bounded) until the rule's newest delivery is in `state`.
async fn wait_for_state(alerts: &AlertsHandle, rule: &str, state: DeliveryState) -> DeliveryRecord {
    for _ in 0..500 {
        if let Some(newest) = log(alerts, rule).await.into_iter().next()
            && newest.state == state
        {
            return newest;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "rule {rule} never reached {state}: {:?}",
        log(alerts, rule).await
    );
}

fn slack_text(post: &Value) -> String {
    post.to_string()
}

#[tokio::test]
async fn a_failed_schedule_posts_one_slack_message_naming_entity_field_and_reason() {
    let (sink, sink_addr) = Sink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (timeline, alerts) = start(dir.path(), &rules_file(sink_addr, 0), Clock::system()).await;
    send(release_saved().signed(&secret()), timeline.addr()).await;
    let failed = failed_schedule();
    send(attempt(&failed, 1), timeline.addr()).await;
    // Contentful delivers it again (say our 200 was lost): still one message.
    send(attempt(&failed, 2), timeline.addr()).await;

    let posts = sink.wait_for("/slack/T000/B000/SECRETPART", 1).await;
    let delivered = wait_for_state(&alerts, "failed-schedules", DeliveryState::Delivered).await;
    assert_eq!(delivered.attempts, 1);
    assert_eq!(log(&alerts, "failed-schedules").await.len(), 1);
    let posts_now = sink.posts_to("/slack/T000/B000/SECRETPART");
    assert_eq!(posts_now.len(), 1, "exactly one message: {posts_now:?}");

    let post = &posts[0];
    let text = post["text"].as_str().unwrap();
    assert!(
        text.contains("Release 'Spring launch'"),
        "names the release by title: {text}"
    );
    assert!(text.contains("failed"), "{text}");
    assert!(
        text.contains("Entry 'hero' › title › en-US: Required, but empty"),
        "names entity, field and reason: {text}"
    );
    assert_eq!(
        post["blocks"][0]["type"], "section",
        "Slack Block Kit: {post}"
    );
    assert!(
        slack_text(post).contains("release-desk://releases/rel-1"),
        "links back: {post}"
    );
    assert!(
        sink.posts_to("/disabled").is_empty(),
        "the disabled rule stays silent"
    );
}

#[tokio::test]
async fn a_release_publish_delivered_three_times_calls_the_build_hook_once_after_its_delay() {
    let (sink, sink_addr) = Sink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual_ms(now_ms());
    let (timeline, alerts) = start(dir.path(), &rules_file(sink_addr, 60), clock.clone()).await;
    let published = release_published();
    for n in 1..=3 {
        send(attempt(&published, n), timeline.addr()).await;
    }
    let pending = log(&alerts, "deploy").await;
    assert_eq!(
        pending.len(),
        1,
        "one delivery for three deliveries: {pending:?}"
    );
    assert_eq!(pending[0].state, DeliveryState::Pending);
    assert_eq!(
        pending[0].due_at.as_millisecond() - pending[0].created_at.as_millisecond(),
        60_000,
        "the build hook waits its delay"
    );
    assert!(
        sink.posts_to("/build/SECRETHOOK").is_empty(),
        "not before its delay"
    );

    clock.advance(Duration::from_secs(61));
    alerts.wake();
    let posts = sink.wait_for("/build/SECRETHOOK", 1).await;
    wait_for_state(&alerts, "deploy", DeliveryState::Delivered).await;
    assert_eq!(sink.posts_to("/build/SECRETHOOK").len(), 1);
    assert_eq!(posts[0]["topic"], "ReleaseAction.execute");
    assert_eq!(posts[0]["release_id"], "rel-1");
}

#[tokio::test]
async fn a_disabled_rule_does_nothing() {
    let (sink, sink_addr) = Sink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(sink_addr, 0).replace(
        "id = \"failed-schedules\"\nname = \"Failed schedule to Slack\"",
        "id = \"failed-schedules\"\nname = \"Failed schedule to Slack\"\nenabled = false",
    );
    let mut set = RuleSet::from_toml(&rules).unwrap();
    assert!(set.rules.iter().all(|r| r.id == "deploy" || !r.enabled));
    // A sentinel rule, enabled, shows when the event has been processed.
    set.rules.push(release_desk::alerts::Rule {
        id: "sentinel".into(),
        name: "sentinel".into(),
        enabled: true,
        when: release_desk::alerts::When {
            topics: vec!["ScheduledAction.execute".into()],
            ..Default::default()
        },
        then: release_desk::alerts::Action::Chat {
            format: release_desk::alerts::ChatFormat::Json,
            url: release_desk::alerts::HookUrl::parse(&format!("http://{sink_addr}/sentinel"))
                .unwrap(),
        },
    });
    let (timeline, alerts) = start(dir.path(), &set.to_toml().unwrap(), Clock::system()).await;
    send(failed_schedule().signed(&secret()), timeline.addr()).await;
    sink.wait_for("/sentinel", 1).await;
    assert!(sink.posts_to("/slack/T000/B000/SECRETPART").is_empty());
    assert!(sink.posts_to("/disabled").is_empty());
    assert!(log(&alerts, "failed-schedules").await.is_empty());
    assert!(log(&alerts, "off").await.is_empty());
}

#[tokio::test]
async fn send_a_test_posts_a_sample_through_the_outbox() {
    let (sink, sink_addr) = Sink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (_timeline, alerts) = start(dir.path(), &rules_file(sink_addr, 0), Clock::system()).await;
    // Disabled rules can be tested too: that is how you check one before switching it on.
    let id = alerts.send_test("off").await.unwrap();
    let posts = sink.wait_for("/disabled", 1).await;
    assert!(
        posts[0]["headline"]
            .as_str()
            .unwrap()
            .contains("Test from Release Desk"),
        "{}",
        posts[0]
    );
    let record = wait_for_state(&alerts, "off", DeliveryState::Delivered).await;
    assert_eq!((record.id, record.event_id), (id, None));
    assert!(alerts.send_test("nope").await.is_err());
}

#[tokio::test]
async fn refused_posts_are_retried_with_backoff_and_errors_never_show_the_url() {
    let (sink, sink_addr) = Sink::start().await;
    sink.fail_first.store(1, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual_ms(now_ms());
    let (timeline, alerts) = start(dir.path(), &rules_file(sink_addr, 0), clock.clone()).await;
    send(failed_schedule().signed(&secret()), timeline.addr()).await;
    sink.wait_for("/slack/T000/B000/SECRETPART", 1).await;
    let retrying = wait_for_state(&alerts, "failed-schedules", DeliveryState::Pending).await;
    // The first attempt is recorded right after the post: poll until it shows.
    let mut retrying = retrying;
    for _ in 0..500 {
        if retrying.attempts > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        retrying = log(&alerts, "failed-schedules").await.remove(0);
    }
    assert_eq!((retrying.attempts, retrying.last_status), (1, Some(503)));
    let error = retrying.last_error.unwrap();
    assert!(error.contains(&format!("http://{sink_addr}/…")), "{error}");
    assert!(!error.contains("SECRET"), "{error}");
    assert_eq!(
        retrying.due_at.as_millisecond() - retrying.last_attempt_at.unwrap().as_millisecond(),
        10_000,
        "first backoff"
    );

    clock.advance(Duration::from_secs(10));
    alerts.wake();
    sink.wait_for("/slack/T000/B000/SECRETPART", 2).await;
    let delivered = wait_for_state(&alerts, "failed-schedules", DeliveryState::Delivered).await;
    assert_eq!(delivered.attempts, 2);
}

#[tokio::test]
async fn a_pending_delivery_survives_a_restart() {
    let (sink, sink_addr) = Sink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual_ms(now_ms());
    let rules = rules_file(sink_addr, 60);
    let (timeline, _alerts) = start(dir.path(), &rules, clock.clone()).await;
    send(release_published().signed(&secret()), timeline.addr()).await;
    timeline.shutdown(Duration::from_secs(5)).await;
    drop(_alerts);

    clock.advance(Duration::from_secs(61));
    let (_timeline, alerts) = start(dir.path(), &rules, clock).await;
    sink.wait_for("/build/SECRETHOOK", 1).await;
    wait_for_state(&alerts, "deploy", DeliveryState::Delivered).await;
    assert_eq!(sink.posts_to("/build/SECRETHOOK").len(), 1);
}

/// `release-desk receive --rules` as a real process.
struct Receiver {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

impl Receiver {
    fn start(data: &Path, rules: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_release-desk"))
            .args(["receive", "--port", "0", "--data"])
            .arg(data)
            .args(["--secret", SECRET, "--rules"])
            .arg(rules)
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("release-desk starts");
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
        let first = lines.recv_timeout(Duration::from_secs(30)).expect("addr=");
        let addr = first.strip_prefix("addr=").unwrap().parse().unwrap();
        Self { child, addr, lines }
    }

    /// Waits (bounded) for a printed line containing `needle`.
    fn wait_for_line(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("no line containing {needle:?}");
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_receiver_with_a_rules_file_does_what_the_app_does() {
    let (sink, sink_addr) = Sink::start().await;
    let rules_text = rules_file(sink_addr, 0);
    // What the app's embedded timeline posts for these deliveries …
    let app_dir = tempfile::tempdir().unwrap();
    let (timeline, _alerts) = start(app_dir.path(), &rules_text, Clock::system()).await;
    let failed = failed_schedule();
    for delivery in [
        release_saved().signed(&secret()),
        attempt(&failed, 1),
        attempt(&failed, 2),
    ] {
        send(delivery, timeline.addr()).await;
    }
    let from_app = sink
        .wait_for("/slack/T000/B000/SECRETPART", 1)
        .await
        .remove(0);
    drop(timeline);

    // … the headless receiver posts too, once.
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    release_desk::private_fs::write_atomic(
        &rules,
        rules_text.as_bytes(),
        release_desk::private_fs::Access::OwnerOnly,
    )
    .unwrap();
    let receiver = Receiver::start(&dir.path().join("data"), &rules);
    let failed = failed_schedule();
    for delivery in [
        release_saved().signed(&secret()),
        attempt(&failed, 1),
        attempt(&failed, 2),
    ] {
        send(delivery, receiver.addr).await;
    }
    let posts = sink.wait_for("/slack/T000/B000/SECRETPART", 2).await;
    let line = receiver.wait_for_line("(rule failed-schedules): delivered");
    assert!(!line.contains("SECRET"), "{line}");
    assert_eq!(posts[1], from_app, "the same message");
    assert_eq!(
        sink.posts_to("/slack/T000/B000/SECRETPART").len(),
        2,
        "once each"
    );
    assert!(sink.posts_to("/disabled").is_empty());
}

#[tokio::test]
async fn notify_and_revalidate_rules_reach_the_app_as_notices() {
    let dir = tempfile::tempdir().unwrap();
    let rules = r#"
[[rule]]
id = "failed-schedule"
name = "Failed schedule → notify"
[rule.when]
topics = ["ScheduledAction.execute"]
status = "failed"
[rule.then]
action = "notify"

[[rule]]
id = "recheck"
name = "Validate a saved release again"
[rule.when]
topics = ["Release.save"]
[rule.then]
action = "revalidate"
"#;
    let (timeline, alerts) = start(dir.path(), rules, Clock::system()).await;
    let mut notices = alerts.subscribe();
    // No app listens for re-validations yet: that delivery is canceled, with the reason.
    send(release_saved().signed(&secret()), timeline.addr()).await;
    let canceled = wait_for_state(&alerts, "recheck", DeliveryState::Canceled).await;
    assert!(canceled.last_error.unwrap().contains("runs in the app"));
    alerts.set_revalidates(true);
    send(failed_schedule().signed(&secret()), timeline.addr()).await;
    // Saved again: a new event (a fresh idempotency key).
    send(release_saved().signed(&secret()), timeline.addr()).await;

    let mut toast = None;
    let mut revalidate = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while toast.is_none() || revalidate.is_none() {
        let notice = tokio::time::timeout_at(deadline, notices.recv())
            .await
            .expect("notices in time")
            .unwrap();
        match notice {
            AlertNotice::Notify { headline, text, .. } => toast = Some((headline, text)),
            AlertNotice::Revalidate { release_id, .. } => revalidate = Some(release_id),
            AlertNotice::Attempted { .. } => {}
        }
    }
    let (headline, text) = toast.unwrap();
    assert!(headline.contains("Spring launch"), "{headline}");
    assert!(
        text.contains("title › en-US: Required, but empty"),
        "{text}"
    );
    assert_eq!(revalidate.as_deref(), Some("rel-1"));
}
