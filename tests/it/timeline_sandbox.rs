//! The timeline fed by the real sandbox: every seed topic over signed webhooks, in order, with
//! causes; and the call-log poller, alone and beside the receiver.

use std::time::Duration;

use release_desk::cma::{
    ActionStatus, Client, EntityKind, Link, LinkType, ReleaseBody, ScheduledActionBody,
    ScheduledActionKind, ScheduledActionStatus, ScheduledFor, Timestamp,
};
use release_desk::sandbox::Sandbox;
use release_desk::signing::SigningSecret;
use release_desk::timeline::{
    CallLogConfig, CallLogPoller, EventFilter, Origin, Timeline, TimelineEvent, Verdict,
};

use crate::support::{fast_poll, sandbox_client, sandbox_with};
use crate::timeline_support::timeline;

/// The demo webhook's id.
const WEBHOOK: &str = "timeline";

/// A sandbox whose demo webhook delivers to `url`, signing with `secret`.
async fn sandbox_delivering_to(url: String, secret: &SigningSecret) -> Sandbox {
    let secret = secret.clone();
    sandbox_with(move |config| {
        config.signing_secret = Some(secret);
        config.webhook_url = Some(url);
    })
    .await
}

/// Every event in the journal, oldest first.
fn all_events(timeline: &Timeline) -> Vec<TimelineEvent> {
    timeline
        .journal()
        .after(&EventFilter::default(), None, 10_000)
        .unwrap()
}

fn in_seconds(seconds: u64) -> Timestamp {
    Timestamp(jiff::Timestamp::now() + Duration::from_secs(seconds))
}

fn schedule(entity: Link, sandbox: &Sandbox, at: Timestamp) -> ScheduledActionBody {
    ScheduledActionBody {
        entity,
        environment: Link::new(LinkType::Environment, sandbox.environment_id.clone()),
        action: ScheduledActionKind::Publish,
        scheduled_for: ScheduledFor {
            datetime: at,
            timezone: Some("Europe/Berlin".into()),
        },
        payload: None,
    }
}

async fn versioned(client: &Client, id: &str) -> Link {
    let entry = client.get_entity(EntityKind::Entry, id).await.unwrap();
    Link::versioned(LinkType::Entry, id, entry.sys.version.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_topic_arrives_verified_in_order_with_its_cause() {
    let secret = SigningSecret::generate();
    let (timeline, _dir) = timeline(Some(secret.clone())).await;
    let sandbox = sandbox_delivering_to(timeline.webhook_url("sandbox"), &secret).await;
    let client = sandbox_client(&sandbox);

    // Release.create / save, then a release action that publishes it (and auto-archives it).
    let spring = client.get_release("release-spring-travel").await.unwrap();
    let links = spring.entities.link_vec();
    let release = client
        .create_release(&ReleaseBody::new("Spring launch", links.clone()))
        .await
        .unwrap();
    let release = client
        .update_release(
            &release.sys.id,
            release.sys.version,
            &ReleaseBody::new("Spring launch (final)", links.clone()),
        )
        .await
        .unwrap();
    let action = client
        .publish_release(&release.sys.id, release.sys.version)
        .await
        .unwrap();
    let action = client
        .wait_release_action(&release.sys.id, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(action.sys.status, ActionStatus::Succeeded);
    let archived = client.get_release(&release.sys.id).await.unwrap();
    let unarchived = client
        .unarchive_release(&release.sys.id, archived.sys.version)
        .await
        .unwrap();
    client.delete_release(&unarchived.sys.id).await.unwrap();

    // A bulk publish.
    let bulk = client
        .bulk_publish(vec![
            versioned(&client, "article-baltic-island-hopping").await,
            versioned(&client, "article-coffee-roasters").await,
        ])
        .await
        .unwrap();
    let bulk = client
        .wait_bulk_action(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(bulk.sys.status, ActionStatus::Succeeded);

    // A schedule that is rescheduled and fires, and one that is canceled.
    let scheduled = client
        .create_scheduled_action(&schedule(
            Link::entry("article-sourdough-revival"),
            &sandbox,
            in_seconds(30),
        ))
        .await
        .unwrap();
    let scheduled = client
        .update_scheduled_action(
            &scheduled.sys.id,
            scheduled.sys.version,
            &schedule(
                Link::entry("article-sourdough-revival"),
                &sandbox,
                in_seconds(1),
            ),
        )
        .await
        .unwrap();
    let fired = client
        .wait_scheduled_action(&scheduled.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(fired.sys.status, ScheduledActionStatus::Succeeded);
    let doomed = client
        .create_scheduled_action(&schedule(
            Link::entry("article-jazz-cellar"),
            &sandbox,
            in_seconds(3600),
        ))
        .await
        .unwrap();
    client
        .cancel_scheduled_action(&doomed.sys.id)
        .await
        .unwrap();

    sandbox.deliveries_idle().await;
    let events = all_events(&timeline);

    // Every delivery verified; nothing stored twice.
    for event in &events {
        assert_eq!(event.verdict, Verdict::Verified, "{}", event.summary);
        assert_eq!((event.attempt, event.attempts), (1, 1), "{}", event.summary);
        assert_eq!(event.origin, Origin::Receiver);
        assert_eq!(event.source, "sandbox");
        assert_eq!(event.webhook_name.as_deref(), Some("Release Desk timeline"));
    }

    // In order.
    let mut expected: Vec<String> = ["Release.create", "Release.save", "ReleaseAction.create"]
        .map(String::from)
        .to_vec();
    expected.extend(links.iter().map(|l| format!("{}.publish", l.link_type())));
    expected.extend(
        [
            "Release.archive",
            "ReleaseAction.execute",
            "Release.unarchive",
            "Release.delete",
            "BulkAction.create",
            "Entry.publish",
            "Entry.publish",
            "BulkAction.execute",
            "ScheduledAction.create",
            "ScheduledAction.save",
            "Entry.publish",
            "ScheduledAction.execute",
            "ScheduledAction.create",
            "ScheduledAction.delete",
        ]
        .map(String::from),
    );
    let topics: Vec<&str> = events.iter().map(|e| e.topic.as_str()).collect();
    assert_eq!(topics, expected);
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));

    // The causing action is linked on the entity events.
    let publishes: Vec<&TimelineEvent> = events.iter().filter(|e| e.action == "publish").collect();
    let (by_release, rest) = publishes.split_at(links.len());
    for event in by_release {
        assert_eq!(
            event.causes.release_action_id.as_deref(),
            Some(action.sys.id.as_str())
        );
        assert_eq!(
            event.causes.release_id.as_deref(),
            Some(release.sys.id.as_str())
        );
        assert!(
            event
                .summary
                .ends_with(&format!("published by release action {}", action.sys.id)),
            "{}",
            event.summary
        );
    }
    for event in &rest[..2] {
        assert_eq!(
            event.causes.bulk_action_id.as_deref(),
            Some(bulk.sys.id.as_str())
        );
    }
    assert_eq!(
        rest[2].causes.scheduled_action_id.as_deref(),
        Some(scheduled.sys.id.as_str())
    );
    assert_eq!(
        rest[2].entity_id.as_deref(),
        Some("article-sourdough-revival")
    );

    // Action statuses and summaries.
    let find = |topic: &str| events.iter().find(|e| e.topic == topic).unwrap();
    assert_eq!(
        find("ReleaseAction.create").action_status.as_deref(),
        Some("created")
    );
    let executed = find("ReleaseAction.execute");
    assert_eq!(executed.action_status.as_deref(), Some("succeeded"));
    assert_eq!(
        executed.summary,
        "Release 'Spring launch (final)': publish succeeded (9 entries, 1 asset)"
    );
    assert_eq!(
        find("Release.create").summary,
        "Release 'Spring launch' created (9 entries, 1 asset)"
    );
    assert_eq!(
        find("BulkAction.execute").summary,
        "Bulk publish of 2 entries succeeded"
    );
    assert_eq!(
        find("ScheduledAction.execute").summary,
        "Scheduled publish of Entry article-sourdough-revival succeeded"
    );
    assert_eq!(
        find("ScheduledAction.delete").action_status.as_deref(),
        Some("canceled")
    );
    assert_eq!(
        find("Release.delete").entity_id.as_deref(),
        Some(release.sys.id.as_str())
    );

    // A filter for what one action caused.
    let caused = timeline
        .journal()
        .count(&EventFilter {
            caused_by: Some(action.sys.id.clone()),
            ..EventFilter::default()
        })
        .unwrap();
    // Ten publishes and the action's own create and execute (the auto-archive carries no
    // context header: spec §6.2).
    assert_eq!(caused, links.len() as u64 + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_scheduled_release_is_summarised_with_its_invalid_entries() {
    let secret = SigningSecret::generate();
    let (timeline, _dir) = timeline(Some(secret.clone())).await;
    let sandbox = sandbox_delivering_to(timeline.webhook_url("sandbox"), &secret).await;
    let client = sandbox_client(&sandbox);
    // Election Night Live fails validation: five of its seven entries are invalid.
    let election = client.get_release("release-election-night").await.unwrap();
    let touched = client
        .update_release(
            &election.sys.id,
            election.sys.version,
            &ReleaseBody::from(&election),
        )
        .await
        .unwrap();
    assert_eq!(touched.title, "Election Night Live");
    let scheduled = client
        .create_scheduled_action(&schedule(
            Link::new(LinkType::Release, election.sys.id.clone()),
            &sandbox,
            in_seconds(1),
        ))
        .await
        .unwrap();
    let done = client
        .wait_scheduled_action(&scheduled.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ScheduledActionStatus::Failed);
    sandbox.deliveries_idle().await;
    let events = all_events(&timeline);
    let summary = |topic: &str| {
        events
            .iter()
            .find(|e| e.topic == topic)
            .map(|e| e.summary.clone())
            .unwrap()
    };
    assert_eq!(
        summary("ScheduledAction.execute"),
        "Scheduled publish of Release 'Election Night Live' failed: 5 invalid entries"
    );
    // The action's own event carries no scheduled-action header (spec §6.2); the schedule is
    // named by its own event above.
    assert_eq!(
        summary("ReleaseAction.execute"),
        "Release 'Election Night Live': publish failed: 5 invalid entries"
    );
    assert!(!scheduled.sys.id.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_log_feeds_the_timeline_when_the_receiver_is_unreachable() {
    let secret = SigningSecret::generate();
    let (timeline, _dir) = timeline(Some(secret.clone())).await;
    // Nothing listens on port 9: every attempt fails and is retried (3 attempts per delivery).
    let sandbox = sandbox_delivering_to("http://127.0.0.1:9/unreachable".into(), &secret).await;
    let client = sandbox_client(&sandbox);
    let release = client
        .create_release(&ReleaseBody::new(
            "Offline launch",
            vec![Link::entry("cat-travel")],
        ))
        .await
        .unwrap();
    client
        .update_release(
            &release.sys.id,
            release.sys.version,
            &ReleaseBody::new("Offline launch 2", vec![]),
        )
        .await
        .unwrap();
    sandbox.deliveries_idle().await;

    let mut config = CallLogConfig::new(WEBHOOK);
    config.secret = Some(secret.clone());
    config.page_size = 4; // several pages
    let mut fast = config.clone();
    fast.interval = Duration::from_millis(100);
    let poller = CallLogPoller::new(client.clone(), timeline.journal().clone(), config);
    let report = poller.poll_once().await.unwrap();
    assert_eq!(
        (report.new_calls, report.appended, report.merged),
        (6, 2, 4),
        "{report:?}"
    );

    let events = all_events(&timeline);
    let topics: Vec<&str> = events.iter().map(|e| e.topic.as_str()).collect();
    assert_eq!(topics, ["Release.create", "Release.save"]);
    for event in &events {
        assert_eq!(event.origin, Origin::CallLog);
        assert_eq!(event.source, "call-log");
        assert_eq!((event.attempt, event.attempts), (3, 3));
        // The logged request's signature checks out (without the time window).
        assert_eq!(event.verdict, Verdict::Verified);
        assert_eq!(event.http_status, 0);
        assert!(event.call_id.is_some());
    }
    assert_eq!(
        events[1].summary,
        "Release 'Offline launch 2' saved (no entries)"
    );

    // Nothing new: nothing fetched, nothing stored.
    let again = poller.poll_once().await.unwrap();
    assert_eq!((again.new_calls, again.appended), (0, 0), "{again:?}");

    // A new event shows up on the next poll of a running poller.
    let mut handle = CallLogPoller::new(client.clone(), timeline.journal().clone(), fast).spawn();
    let first = handle.next_report().await.unwrap().unwrap();
    assert_eq!(first.new_calls, 0);
    client.delete_release(&release.sys.id).await.unwrap();
    sandbox.deliveries_idle().await;
    let mut appended = 0;
    for _ in 0..20 {
        let report = tokio::time::timeout(Duration::from_secs(10), handle.next_report())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        appended += report.appended;
        if appended > 0 {
            break;
        }
    }
    assert_eq!(appended, 1);
    handle.stop();
    assert_eq!(
        all_events(&timeline).last().unwrap().topic,
        "Release.delete"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_log_is_deduplicated_against_what_the_receiver_stored() {
    let secret = SigningSecret::generate();
    let (timeline, _dir) = timeline(Some(secret.clone())).await;
    let sandbox = sandbox_delivering_to(timeline.webhook_url("sandbox"), &secret).await;
    let client = sandbox_client(&sandbox);
    let release = client
        .create_release(&ReleaseBody::new("Twice told", vec![]))
        .await
        .unwrap();
    client.delete_release(&release.sys.id).await.unwrap();
    sandbox.deliveries_idle().await;
    let before = all_events(&timeline);
    assert_eq!(before.len(), 2);

    let mut config = CallLogConfig::new(WEBHOOK);
    config.secret = Some(secret);
    let poller = CallLogPoller::new(client, timeline.journal().clone(), config);
    let report = poller.poll_once().await.unwrap();
    assert_eq!(
        (report.new_calls, report.appended, report.merged),
        (2, 0, 2),
        "{report:?}"
    );
    // Same rows, same attempt counts: the logged calls were the very deliveries received.
    assert_eq!(all_events(&timeline), before);
}
