//! Scheduled actions in the sandbox (spec §4): the create checks, firing on time for entries
//! and releases, cancel, versions, listing with cursor paging, and catching up after a restart.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::TryStreamExt;
use release_desk::cma::*;
use release_desk::sandbox::Sandbox;

use crate::support::{fast_poll, fast_sandbox_config, raw, sandbox, sandbox_client};

const CIDER: &str = "article-hudson-valley-cider";

fn at(from_now: Duration) -> Timestamp {
    let now = jiff::Timestamp::now();
    let t = now
        .checked_add(jiff::SignedDuration::try_from(from_now).unwrap())
        .unwrap();
    Timestamp::from_millis(t.as_millisecond()).unwrap()
}

fn ago(before_now: Duration) -> Timestamp {
    let now = jiff::Timestamp::now();
    let t = now
        .checked_sub(jiff::SignedDuration::try_from(before_now).unwrap())
        .unwrap();
    Timestamp::from_millis(t.as_millisecond()).unwrap()
}

fn schedule(entity: Link, action: ScheduledActionKind, when: Timestamp) -> ScheduledActionBody {
    ScheduledActionBody {
        entity,
        environment: Link::new(LinkType::Environment, "master"),
        action,
        scheduled_for: ScheduledFor {
            datetime: when,
            timezone: Some("Europe/Berlin".into()),
        },
        payload: None,
    }
}

fn publish_cider(when: Timestamp) -> ScheduledActionBody {
    schedule(Link::entry(CIDER), ScheduledActionKind::Publish, when)
}

#[tokio::test]
async fn schedules_in_the_past_too_far_ahead_or_for_unknown_entities_are_refused() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);

    let err = client
        .create_scheduled_action(&publish_cider(ago(Duration::from_secs(60))))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::ValidationFailed(_)), "{err:?}");

    let six_years = Duration::from_secs(6 * 365 * 24 * 3600);
    let err = client
        .create_scheduled_action(&publish_cider(at(six_years)))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::ValidationFailed(_)), "{err:?}");
    // The limit is five calendar years: three days past it is refused, a day before it is fine.
    let five_years = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::Span::new().years(5))
        .unwrap()
        .timestamp();
    let day = jiff::SignedDuration::from_hours(24);
    let just_over = Timestamp::from(five_years.checked_add(day * 3).unwrap());
    let err = client
        .create_scheduled_action(&publish_cider(just_over))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::ValidationFailed(_)), "{err:?}");
    let just_under = Timestamp::from(five_years.checked_sub(day).unwrap());
    client
        .create_scheduled_action(&publish_cider(just_under))
        .await
        .unwrap();

    let err = client
        .create_scheduled_action(&schedule(
            Link::entry("no-such-entry"),
            ScheduledActionKind::Publish,
            at(Duration::from_secs(3600)),
        ))
        .await
        .unwrap_err();
    match &err {
        CmaError::BadRequest(api) => assert_eq!(
            api.body.message.as_deref(),
            Some("The resource could not be found.")
        ),
        other => panic!("expected 400, got {other:?}"),
    }

    let err = client.get_scheduled_action("fakeId").await.unwrap_err();
    assert!(matches!(err, CmaError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn a_scheduled_entry_publish_fires_on_time() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let before = client.get_entity(EntityKind::Entry, CIDER).await.unwrap();
    assert_eq!(before.state(), EntityState::Draft);

    let when = at(Duration::from_millis(1500));
    let created = client
        .create_scheduled_action(&publish_cider(when))
        .await
        .unwrap();
    assert_eq!(created.sys.status, ScheduledActionStatus::Scheduled);
    assert_eq!(created.sys.version, 1);
    assert_eq!(created.scheduled_for.datetime, when);

    let done = client
        .wait_scheduled_action(&created.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(
        done.sys.status,
        ScheduledActionStatus::Succeeded,
        "{:?}",
        done.error
    );
    assert!(done.error.is_none());
    assert_eq!(done.sys.version, 2, "executing bumps the version");
    let ran_at = done.sys.updated_at.unwrap();
    let late = ran_at.as_millis() - when.as_millis();
    assert!(
        (0..=1000).contains(&late),
        "ran {late} ms after its time (should be within a second, never early)"
    );

    let after = client.get_entity(EntityKind::Entry, CIDER).await.unwrap();
    assert_eq!(after.state(), EntityState::Published);
    assert_eq!(after.sys.published_version, before.sys.version);
}

#[tokio::test]
async fn a_scheduled_release_publish_publishes_the_release() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let when = at(Duration::from_millis(1000));
    let created = client
        .create_scheduled_action(&schedule(
            Link::new(LinkType::Release, "release-spring-travel"),
            ScheduledActionKind::Publish,
            when,
        ))
        .await
        .unwrap();

    let done = client
        .wait_scheduled_action(&created.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(
        done.sys.status,
        ScheduledActionStatus::Succeeded,
        "{:?}",
        done.error
    );
    assert!(done.sys.updated_at.unwrap() >= when);

    let release = client.get_release("release-spring-travel").await.unwrap();
    assert_eq!(release.sys.status, ReleaseStatus::Archived);
    let action_id = release.sys.last_action.as_ref().unwrap().id();
    let action = client
        .get_release_action("release-spring-travel", action_id)
        .await
        .unwrap();
    assert_eq!(action.action, ActionKind::Publish);
    assert_eq!(action.sys.status, ActionStatus::Succeeded);
    for link in &release.entities.link_vec() {
        let kind = if *link.link_type() == LinkType::Asset {
            EntityKind::Asset
        } else {
            EntityKind::Entry
        };
        let e = client.get_entity(kind, link.id()).await.unwrap();
        assert_eq!(e.state(), EntityState::Published, "{}", link.id());
    }
}

#[tokio::test]
async fn a_canceled_schedule_stays_canceled_and_does_not_run() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let when = at(Duration::from_millis(600));
    let created = client
        .create_scheduled_action(&publish_cider(when))
        .await
        .unwrap();

    let canceled = client
        .cancel_scheduled_action(&created.sys.id)
        .await
        .unwrap();
    assert_eq!(canceled.sys.status, ScheduledActionStatus::Canceled);
    assert!(canceled.sys.canceled_at.is_some());
    assert!(canceled.sys.canceled_by.is_some());
    assert!(canceled.sys.version > created.sys.version);

    let fetched = client.get_scheduled_action(&created.sys.id).await.unwrap();
    assert_eq!(fetched, canceled);
    let err = client
        .cancel_scheduled_action(&created.sys.id)
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    let err = client
        .update_scheduled_action(
            &created.sys.id,
            canceled.sys.version,
            &publish_cider(at(Duration::from_secs(3600))),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");

    // Past its time, it still has not run. (Here only a wait past the instant can show that.)
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        client.get_scheduled_action(&created.sys.id).await.unwrap(),
        canceled
    );
    let entry = client.get_entity(EntityKind::Entry, CIDER).await.unwrap();
    assert_eq!(entry.state(), EntityState::Draft);
}

#[tokio::test]
async fn schedule_updates_need_the_current_version() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let created = client
        .create_scheduled_action(&publish_cider(at(Duration::from_secs(3600))))
        .await
        .unwrap();

    let later = at(Duration::from_secs(7200));
    let updated = client
        .update_scheduled_action(&created.sys.id, 1, &publish_cider(later))
        .await
        .unwrap();
    assert_eq!(updated.sys.version, 2);
    assert_eq!(updated.scheduled_for.datetime, later);

    let err = client
        .update_scheduled_action(
            &created.sys.id,
            1,
            &publish_cider(at(Duration::from_secs(60))),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CmaError::Conflict {
                current_version: Some(2),
                ..
            }
        ),
        "{err:?}"
    );
    // An update into the past is refused like a create.
    let err = client
        .update_scheduled_action(
            &created.sys.id,
            2,
            &publish_cider(ago(Duration::from_secs(60))),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::ValidationFailed(_)), "{err:?}");
    assert_eq!(
        client.get_scheduled_action(&created.sys.id).await.unwrap(),
        updated
    );
}

#[tokio::test]
async fn schedule_lists_filter_by_status_and_page() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let mut mine = Vec::new();
    for hours in 1..=5 {
        let a = client
            .create_scheduled_action(&publish_cider(at(Duration::from_secs(hours * 3600))))
            .await
            .unwrap();
        mine.push(a.sys.id);
    }
    client.cancel_scheduled_action(&mine[2]).await.unwrap();

    // Two per page, in time order; the demo's three schedules plus four of ours are scheduled.
    let query = Query::new().set("sys.status", "scheduled").limit(2);
    let first = client.query_scheduled_actions(&query).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert!(first.pages.next.is_some());
    let scheduled: Vec<ScheduledAction> =
        client.scheduled_actions(query).try_collect().await.unwrap();
    assert_eq!(scheduled.len(), 7);
    let ids: HashSet<&str> = scheduled.iter().map(|a| a.sys.id.as_str()).collect();
    assert_eq!(ids.len(), 7, "no schedule is listed twice");
    assert!(!ids.contains(mine[2].as_str()));
    for id in [
        "schedule-spring-issue",
        "schedule-hudson-cider",
        "schedule-giveaway-ends",
    ] {
        assert!(ids.contains(id), "{id}");
    }
    assert!(
        scheduled
            .windows(2)
            .all(|w| w[0].scheduled_for.datetime <= w[1].scheduled_for.datetime)
    );
    assert!(
        scheduled
            .iter()
            .all(|a| a.sys.status == ScheduledActionStatus::Scheduled)
    );

    let canceled: Vec<ScheduledAction> = client
        .scheduled_actions(Query::new().set("sys.status", "canceled"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(canceled.len(), 1);
    assert_eq!(canceled[0].sys.id, mine[2]);

    // Third-party code passes `pages.next` straight back as `next=` (spec §4).
    let base = format!(
        "/spaces/{}/scheduled_actions?environment.sys.id=master&sys.status=scheduled&limit=2",
        sb.space_id
    );
    let get = |url: String| {
        let sb = &sb;
        async move {
            let response = raw(sb, reqwest::Method::GET, &url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{url}");
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    let mut seen = Vec::new();
    let mut page = get(base.clone()).await;
    loop {
        for item in page["items"].as_array().unwrap() {
            seen.push(item["sys"]["id"].as_str().unwrap().to_owned());
        }
        let Some(next) = page["pages"]["next"].as_str() else {
            break;
        };
        let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        page = get(format!("{base}&next={next}")).await;
    }
    let listed: Vec<&str> = scheduled.iter().map(|a| a.sys.id.as_str()).collect();
    assert_eq!(seen, listed);

    // environment.sys.id is required.
    let response = raw(
        &sb,
        reqwest::Method::GET,
        &format!("/spaces/{}/scheduled_actions", sb.space_id),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 400);

    let newest_first: Vec<ScheduledAction> = client
        .scheduled_actions(
            Query::new()
                .set("entity.sys.id", CIDER)
                .order("-scheduledFor.datetime")
                .limit(3),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        newest_first.len(),
        6,
        "five of ours and the demo's cider schedule"
    );
    assert!(
        newest_first
            .windows(2)
            .all(|w| w[0].scheduled_for.datetime >= w[1].scheduled_for.datetime)
    );
}

#[tokio::test]
async fn an_overdue_schedule_runs_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || {
        let mut c = fast_sandbox_config();
        c.data_dir = Some(dir.path().to_path_buf());
        c
    };

    let first = Sandbox::start(config()).await.unwrap();
    let client = sandbox_client(&first);
    let when = at(Duration::from_millis(1500));
    let created = client
        .create_scheduled_action(&publish_cider(when))
        .await
        .unwrap();
    first.shutdown(Duration::from_millis(200)).await;

    // Wait, with the sandbox down, until the action is overdue.
    let overdue = when.as_millis() + 300 - jiff::Timestamp::now().as_millisecond();
    if overdue > 0 {
        tokio::time::sleep(Duration::from_millis(overdue as u64)).await;
    }

    let second = Sandbox::start(config()).await.unwrap();
    let client = sandbox_client(&second);
    let done = client
        .wait_scheduled_action(&created.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(
        done.sys.status,
        ScheduledActionStatus::Succeeded,
        "{:?}",
        done.error
    );
    assert!(done.sys.updated_at.unwrap().as_millis() >= when.as_millis() + 300);
    let entry = client.get_entity(EntityKind::Entry, CIDER).await.unwrap();
    assert_eq!(entry.state(), EntityState::Published);
    // The store was reopened, not reseeded: the demo's other schedules are still there once.
    let all: Vec<ScheduledAction> = client
        .scheduled_actions(Query::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
}
