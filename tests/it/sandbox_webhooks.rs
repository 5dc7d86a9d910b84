//! Webhooks from the sandbox to a test receiver (spec §6): event order and release headers of a
//! release publish, signatures, retries and the call log, and secrets that never come back.

use std::time::Duration;

use release_desk::cma::*;
use release_desk::signing::{SigningSecret, verify_request};
use reqwest::Method;
use serde_json::Value;

use crate::support::{
    Delivery, Receiver, fast_poll, raw, sandbox_client, sandbox_with, wait_until,
};

const SPRING: &str = "release-spring-travel";

fn verify(secret: &SigningSecret, d: &Delivery) {
    let headers: Vec<(&str, &str)> = d
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let now = jiff::Timestamp::now().as_millisecond();
    verify_request(secret, &d.method, &d.path, &headers, &d.body, now, 30)
        .unwrap_or_else(|e| panic!("{} does not verify: {e:?}", d.topic()));
}

/// Waits until the receiver got a delivery of `topic`.
async fn delivered(receiver: &Receiver, topic: &str) {
    wait_until(topic, Duration::from_secs(5), || async {
        receiver.topics().iter().any(|t| t == topic)
    })
    .await;
}

#[tokio::test]
async fn a_release_publish_delivers_create_publishes_and_execute_in_order() {
    let receiver = Receiver::start(0).await;
    let url = receiver.url.clone();
    let sb = sandbox_with(|c| c.webhook_url = Some(url)).await;
    let client = sandbox_client(&sb);
    let release = client.get_release(SPRING).await.unwrap();

    let action = client
        .publish_release(SPRING, release.sys.version)
        .await
        .unwrap();
    let done = client
        .wait_release_action(SPRING, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    // The execute event is emitted once the final status is stored: wait for it, then for the
    // queue to drain.
    delivered(&receiver, "ReleaseAction.execute").await;
    sb.deliveries_idle().await;

    let deliveries = receiver.deliveries();
    let relevant: Vec<&Delivery> = deliveries
        .iter()
        .filter(|d| {
            let t = d.topic();
            t.starts_with("ReleaseAction.") || t.ends_with(".publish")
        })
        .collect();
    let topics: Vec<String> = relevant.iter().map(|d| d.topic()).collect();
    assert_eq!(topics.len(), 12, "{topics:?}");
    assert_eq!(topics[0], "ReleaseAction.create");
    assert_eq!(topics[11], "ReleaseAction.execute");
    let publishes = &relevant[1..11];
    assert!(
        publishes
            .iter()
            .all(|d| matches!(d.topic().as_str(), "Entry.publish" | "Asset.publish")),
        "{topics:?}"
    );
    assert_eq!(
        publishes
            .iter()
            .filter(|d| d.topic() == "Asset.publish")
            .count(),
        1
    );

    // Each publish names the release and the action that caused it, and carries the snapshot.
    let mut published_ids: Vec<String> = Vec::new();
    for d in publishes {
        assert_eq!(
            d.header("x-contentful-release-action-id"),
            Some(action.sys.id.as_str()),
            "{}",
            d.topic()
        );
        assert_eq!(d.header("x-contentful-release-id"), Some(SPRING));
        let body = d.json();
        assert!(
            body["sys"].get("version").is_none(),
            "a publish payload has no version"
        );
        assert!(body["sys"]["publishedVersion"].is_u64());
        published_ids.push(body["sys"]["id"].as_str().unwrap().to_owned());
    }
    let mut want: Vec<String> = release
        .entities
        .links()
        .map(|l| l.id().to_owned())
        .collect();
    want.sort_unstable();
    published_ids.sort_unstable();
    assert_eq!(published_ids, want);

    let execute = relevant[11].json();
    assert_eq!(execute["sys"]["id"], action.sys.id.as_str());
    assert_eq!(execute["sys"]["status"], "succeeded");
    assert!(
        deliveries.iter().any(|d| d.topic() == "Release.archive"),
        "auto-archive is announced"
    );

    // Every delivery is signed with the sandbox's secret.
    let secret = sb.signing_secret.clone().expect("the sandbox signs");
    for d in &deliveries {
        assert_eq!(d.method, "POST");
        assert_eq!(d.path, "/hook");
        assert_eq!(d.header("x-contentful-webhook-request-attempt"), Some("1"));
        verify(&secret, d);
    }
    // A wrong secret does not verify.
    let other = SigningSecret::generate();
    let headers: Vec<(&str, &str)> = deliveries[0]
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let now = jiff::Timestamp::now().as_millisecond();
    assert!(
        verify_request(
            &other,
            "POST",
            "/hook",
            &headers,
            &deliveries[0].body,
            now,
            30
        )
        .is_err()
    );
}

#[tokio::test]
async fn a_failing_receiver_gets_three_attempts_and_the_call_log_shows_them() {
    let receiver = Receiver::start(2).await;
    let url = receiver.url.clone();
    let sb = sandbox_with(|c| c.webhook_url = Some(url)).await;
    let client = sandbox_client(&sb);

    // One event: a new release.
    let release = client
        .create_release(&ReleaseBody::new("Retry me", vec![]))
        .await
        .unwrap();
    sb.deliveries_idle().await;

    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 3, "{:?}", receiver.topics());
    let attempts: Vec<&str> = deliveries
        .iter()
        .map(|d| d.header("x-contentful-webhook-request-attempt").unwrap())
        .collect();
    assert_eq!(attempts, ["1", "2", "3"]);
    let answered: Vec<u16> = deliveries.iter().map(|d| d.answered).collect();
    assert_eq!(answered, [500, 500, 200]);
    assert!(deliveries.iter().all(|d| d.topic() == "Release.create"));
    let keys: Vec<&str> = deliveries
        .iter()
        .map(|d| d.header("x-contentful-idempotency-key").unwrap())
        .collect();
    assert!(
        keys.iter().all(|k| *k == keys[0] && k.len() == 64),
        "{keys:?}"
    );
    assert!(
        deliveries
            .iter()
            .all(|d| d.json()["sys"]["id"] == release.sys.id.as_str())
    );
    let secret = sb.signing_secret.clone().unwrap();
    for d in &deliveries {
        verify(&secret, d);
    }
    assert_ne!(
        deliveries[0].header("x-contentful-signature"),
        deliveries[1].header("x-contentful-signature"),
        "a retry is signed anew"
    );

    // The call log: three calls, newest first.
    let calls = client
        .webhook_calls("timeline", &Query::new())
        .await
        .unwrap();
    assert_eq!(calls.total, 3);
    let codes: Vec<Option<u16>> = calls.items.iter().map(|c| c.status_code).collect();
    assert_eq!(codes, [Some(200), Some(500), Some(500)]);
    for call in &calls.items {
        assert_eq!(call.event_type, "create");
        assert_eq!(call.url, receiver.url);
        assert_eq!(call.sys.type_, "WebhookCallOverview");
    }
    let mut attempts = Vec::new();
    for call in &calls.items {
        let details = client
            .webhook_call_details("timeline", &call.sys.id)
            .await
            .unwrap();
        assert_eq!(details.status_code, call.status_code);
        let response = details.response.expect("the receiver answered");
        assert_eq!(response.status_code, call.status_code);
        assert_eq!(details.request.method, "POST");
        let body: Value = serde_json::from_str(&details.request.body).unwrap();
        assert_eq!(body["sys"]["id"], release.sys.id.as_str());
        let attempt = details
            .request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-contentful-webhook-request-attempt"))
            .and_then(|(_, v)| v.as_str())
            .unwrap()
            .to_owned();
        attempts.push(attempt);
    }
    assert_eq!(attempts, ["3", "2", "1"]);

    let health = client.webhook_health("timeline").await.unwrap();
    assert_eq!(
        health.calls,
        WebhookHealthCalls {
            total: 3,
            healthy: 1
        }
    );
}

#[tokio::test]
async fn a_failed_release_publish_announces_its_errors_and_publishes_nothing() {
    let receiver = Receiver::start(0).await;
    let url = receiver.url.clone();
    let sb = sandbox_with(|c| c.webhook_url = Some(url)).await;
    let client = sandbox_client(&sb);
    let release = client.get_release("release-election-night").await.unwrap();
    let action = client
        .publish_release(&release.sys.id, release.sys.version)
        .await
        .unwrap();
    client
        .wait_release_action(&release.sys.id, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    delivered(&receiver, "ReleaseAction.execute").await;
    sb.deliveries_idle().await;

    assert_eq!(
        receiver.topics(),
        ["ReleaseAction.create", "ReleaseAction.execute"]
    );
    let deliveries = receiver.deliveries();
    let created = deliveries[0].json();
    assert_eq!(created["sys"]["status"], "created");
    assert_eq!(created["sys"]["id"], action.sys.id.as_str());
    let executed: ReleaseAction = serde_json::from_slice(&deliveries[1].body).unwrap();
    assert_eq!(executed.sys.status, ActionStatus::Failed);
    let error = executed
        .error
        .expect("the payload shows the validation errors");
    assert_eq!(error.sys.id, ErrorId::ValidationFailed);
    assert_eq!(error.entity_errors().len(), 5);
    // The action's own events carry neither context headers nor a CRN (spec §6.2): those go
    // only on the entry and asset (un)publishes an action causes, and this one published none.
    for d in &deliveries {
        assert_eq!(d.header("x-contentful-release-id"), None);
        assert_eq!(d.header("x-contentful-release-action-id"), None);
        assert_eq!(d.header("x-contentful-crn"), None);
    }
}

#[tokio::test]
async fn the_signing_secret_is_only_ever_returned_redacted() {
    let receiver = Receiver::start(0).await;
    let url = receiver.url.clone();
    let sb = sandbox_with(|c| c.webhook_url = Some(url)).await;
    let client = sandbox_client(&sb);
    let secret = sb.signing_secret.clone().unwrap();

    let shown = client.get_signing_secret().await.unwrap();
    assert_eq!(shown.redacted_value, secret.redacted());
    assert_eq!(shown.redacted_value.len(), 4);
    let path = format!("/spaces/{}/webhook_settings/signing_secret", sb.space_id);
    let text = raw(&sb, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains(secret.expose()), "{text}");

    let new = SigningSecret::generate();
    let shown = client.set_signing_secret(&new).await.unwrap();
    assert_eq!(shown.redacted_value, new.redacted());
    let text = raw(&sb, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains(new.expose()), "{text}");
    assert_eq!(
        client.get_signing_secret().await.unwrap().redacted_value,
        new.redacted()
    );

    // Deliveries are signed with the new secret from now on.
    client
        .create_release(&ReleaseBody::new("Signed anew", vec![]))
        .await
        .unwrap();
    sb.deliveries_idle().await;
    let signed = receiver.deliveries();
    assert_eq!(signed.len(), 1);
    verify(&new, &signed[0]);

    // Without a secret, nothing is signed, and GET is a 404.
    client.delete_signing_secret().await.unwrap();
    let err = client.get_signing_secret().await.unwrap_err();
    assert!(matches!(err, CmaError::NotFound(_)), "{err:?}");
    client
        .create_release(&ReleaseBody::new("Unsigned", vec![]))
        .await
        .unwrap();
    sb.deliveries_idle().await;
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[1].header("x-contentful-signature"), None);
    assert_eq!(deliveries[1].header("x-contentful-timestamp"), None);
}

#[tokio::test]
async fn secret_header_values_are_delivered_but_never_returned() {
    let receiver = Receiver::start(0).await;
    let sb = sandbox_with(|_| {}).await;
    let client = sandbox_client(&sb);
    const SECRET_VALUE: &str = "very-secret-header-value-42";
    const PASSWORD: &str = "basic-auth-password-42";

    let mut definition = WebhookDefinition::new(
        "secrets",
        receiver.url.clone(),
        vec!["Release.create".into()],
    );
    definition.headers = vec![
        WebhookHeader {
            key: "X-Token".into(),
            value: Some(SECRET_VALUE.into()),
            secret: Some(true),
        },
        WebhookHeader {
            key: "X-Plain".into(),
            value: Some("plain-value".into()),
            secret: Some(false),
        },
    ];
    definition.http_basic_username = Some("user".into());
    definition.http_basic_password = Some(PASSWORD.into());
    let created = client.create_webhook(&definition).await.unwrap();
    let id = created.sys.as_ref().unwrap().id.clone();

    let check = |hook: &WebhookDefinition| {
        let token = hook.headers.iter().find(|h| h.key == "X-Token").unwrap();
        assert_eq!(token.value, None, "a secret header's value is not returned");
        assert_eq!(token.secret, Some(true));
        let plain = hook.headers.iter().find(|h| h.key == "X-Plain").unwrap();
        assert_eq!(plain.value.as_deref(), Some("plain-value"));
        assert_eq!(hook.http_basic_password, None);
    };
    check(&created);
    check(&client.get_webhook(&id).await.unwrap());
    let listed = client.webhooks().await.unwrap();
    check(
        listed
            .iter()
            .find(|h| h.sys.as_ref().unwrap().id == id)
            .unwrap(),
    );
    let path = format!("/spaces/{}/webhook_definitions", sb.space_id);
    for p in [path.clone(), format!("{path}/{id}")] {
        let text = raw(&sb, Method::GET, &p)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !text.contains(SECRET_VALUE) && !text.contains(PASSWORD),
            "{text}"
        );
    }

    // An update that does not resend the secret keeps it.
    let mut update = client.get_webhook(&id).await.unwrap();
    let version = update.sys.as_ref().unwrap().version;
    update.name = "secrets (renamed)".into();
    update.sys = None;
    let updated = client
        .put_webhook(&id, Some(version), &update)
        .await
        .unwrap();
    check(&updated);

    // The receiver gets the value in plain text; the call log shows it redacted.
    client
        .create_release(&ReleaseBody::new("Secret delivery", vec![]))
        .await
        .unwrap();
    sb.deliveries_idle().await;
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 1, "{:?}", receiver.topics());
    assert_eq!(deliveries[0].header("x-token"), Some(SECRET_VALUE));
    assert_eq!(deliveries[0].header("x-plain"), Some("plain-value"));
    assert!(
        deliveries[0]
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(
        deliveries[0].header("x-contentful-webhook-name"),
        Some("secrets (renamed)")
    );

    let calls = client.webhook_calls(&id, &Query::new()).await.unwrap();
    assert_eq!(calls.items.len(), 1);
    let text = raw(
        &sb,
        Method::GET,
        &format!(
            "/spaces/{}/webhooks/{id}/calls/{}",
            sb.space_id, calls.items[0].sys.id
        ),
    )
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(!text.contains(SECRET_VALUE), "{text}");
    assert!(text.contains("plain-value"), "{text}");
}

#[tokio::test]
async fn bulk_and_scheduled_publishes_name_their_cause() {
    let receiver = Receiver::start(0).await;
    let url = receiver.url.clone();
    let sb = sandbox_with(|c| c.webhook_url = Some(url)).await;
    let client = sandbox_client(&sb);

    let outdoors = client
        .get_entity(EntityKind::Entry, "cat-outdoors")
        .await
        .unwrap();
    let bulk = client
        .bulk_publish(vec![Link::versioned(
            LinkType::Entry,
            "cat-outdoors",
            outdoors.sys.version.unwrap(),
        )])
        .await
        .unwrap();
    client
        .wait_bulk_action(&bulk.sys.id, &fast_poll())
        .await
        .unwrap();
    delivered(&receiver, "BulkAction.execute").await;

    let now = jiff::Timestamp::now().as_millisecond();
    let scheduled = client
        .create_scheduled_action(&ScheduledActionBody {
            entity: Link::entry("article-hudson-valley-cider"),
            environment: Link::new(LinkType::Environment, "master"),
            action: ScheduledActionKind::Publish,
            scheduled_for: ScheduledFor {
                datetime: Timestamp::from_millis(now + 300).unwrap(),
                timezone: None,
            },
            payload: None,
        })
        .await
        .unwrap();
    client
        .wait_scheduled_action(&scheduled.sys.id, &fast_poll())
        .await
        .unwrap();
    delivered(&receiver, "ScheduledAction.execute").await;
    sb.deliveries_idle().await;

    let deliveries = receiver.deliveries();
    let topics: Vec<String> = deliveries.iter().map(Delivery::topic).collect();
    assert_eq!(
        topics,
        [
            "BulkAction.create",
            "Entry.publish",
            "BulkAction.execute",
            "ScheduledAction.create",
            "Entry.publish",
            "ScheduledAction.execute",
        ]
    );
    let bulk_publish = &deliveries[1];
    assert_eq!(bulk_publish.json()["sys"]["id"], "cat-outdoors");
    assert_eq!(
        bulk_publish.header("x-contentful-bulk-action-id"),
        Some(bulk.sys.id.as_str())
    );
    assert_eq!(bulk_publish.header("x-contentful-release-id"), None);
    let scheduled_publish = &deliveries[4];
    assert_eq!(
        scheduled_publish.json()["sys"]["id"],
        "article-hudson-valley-cider"
    );
    assert_eq!(
        scheduled_publish.header("x-contentful-scheduled-action-id"),
        Some(scheduled.sys.id.as_str())
    );
    assert_eq!(deliveries[5].json()["sys"]["status"], "succeeded");
    // The schedule's own event: no CRN, no context header (spec §6.2).
    assert_eq!(deliveries[5].header("x-contentful-crn"), None);
    assert_eq!(
        deliveries[5].header("x-contentful-scheduled-action-id"),
        None
    );
    assert!(
        scheduled_publish
            .header("x-contentful-crn")
            .is_some_and(|crn| crn.ends_with("/entries/article-hudson-valley-cider"))
    );
}

#[tokio::test]
async fn a_scheduled_release_publish_names_the_schedule_and_the_action() {
    let receiver = Receiver::start(0).await;
    let url = receiver.url.clone();
    let sb = sandbox_with(|c| c.webhook_url = Some(url)).await;
    let client = sandbox_client(&sb);
    let now = jiff::Timestamp::now().as_millisecond();
    let scheduled = client
        .create_scheduled_action(&ScheduledActionBody {
            entity: Link::new(LinkType::Release, SPRING),
            environment: Link::new(LinkType::Environment, "master"),
            action: ScheduledActionKind::Publish,
            scheduled_for: ScheduledFor {
                datetime: Timestamp::from_millis(now + 300).unwrap(),
                timezone: Some("Europe/Berlin".into()),
            },
            payload: None,
        })
        .await
        .unwrap();
    let done = client
        .wait_scheduled_action(&scheduled.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(
        done.sys.status,
        ScheduledActionStatus::Succeeded,
        "{:?}",
        done.error
    );
    delivered(&receiver, "ScheduledAction.execute").await;
    sb.deliveries_idle().await;

    let release = client.get_release(SPRING).await.unwrap();
    let action_id = release.sys.last_action.unwrap().sys.id;
    let deliveries = receiver.deliveries();
    let topics: Vec<String> = deliveries.iter().map(Delivery::topic).collect();
    assert_eq!(
        topics.first().map(String::as_str),
        Some("ScheduledAction.create")
    );
    assert_eq!(
        topics.last().map(String::as_str),
        Some("ScheduledAction.execute")
    );
    let publishes: Vec<&Delivery> = deliveries
        .iter()
        .filter(|d| d.topic().ends_with(".publish"))
        .collect();
    assert_eq!(publishes.len(), 10, "{topics:?}");
    for d in publishes {
        assert_eq!(
            d.header("x-contentful-scheduled-action-id"),
            Some(scheduled.sys.id.as_str())
        );
        assert_eq!(
            d.header("x-contentful-release-action-id"),
            Some(action_id.as_str())
        );
        assert_eq!(d.header("x-contentful-release-id"), Some(SPRING));
    }
}
