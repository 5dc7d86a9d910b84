//! The sources panel's worker requests against a real sandbox on `127.0.0.1:0`: creating and
//! then updating the timeline webhook (with the current version) and setting the signing
//! secret; listing the space's webhooks; refusing a URL that is not http(s).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use release_desk::app::command::Command;
use release_desk::app::event::{AppEvent, Epoch, Stamped};
use release_desk::app::timeline::{TimelineResult, TimelineTask};
use release_desk::app::worker::timeline::sources::{
    TIMELINE_TOPICS, TIMELINE_WEBHOOK_ID, webhook_target,
};
use release_desk::app::worker::{self, EventSink, WorkerHandle, WorkerOptions};
use release_desk::cma::Client;

use crate::timeline_support::secret;

/// Waits for the first timeline result `pick` accepts; panics on a failure or after 10 s.
fn wait_for<T>(
    rx: &mpsc::Receiver<Stamped>,
    mut pick: impl FnMut(TimelineResult) -> Option<T>,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left).map(|s| s.event) {
            Ok(AppEvent::Timeline(TimelineResult::Failed { context, message })) => {
                panic!("{context}: {message}")
            }
            Ok(AppEvent::Timeline(result)) => {
                if let Some(found) = pick(result) {
                    return found;
                }
            }
            Ok(_) => {}
            Err(e) => panic!("no answer from the worker: {e}"),
        }
    }
}

fn send(worker: &WorkerHandle, task: TimelineTask) {
    worker.send(Command::Timeline(task.into()));
}

#[test]
fn configuring_the_webhook_creates_then_updates_it_and_sets_the_secret() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sandbox = rt.block_on(crate::support::sandbox());
    let client: Client = crate::support::sandbox_client(&sandbox);
    let (tx, rx) = mpsc::channel();
    let options = WorkerOptions {
        receiver_secret: Some(secret()),
        profiles: release_desk::config::ProfileStore::new(dir.path().join("config")),
        ..WorkerOptions::new(true)
    };
    let worker = worker::spawn(
        rt.handle(),
        client.clone(),
        &EventSink::new(tx, || {}),
        options,
        Epoch(1),
    );

    send(
        &worker,
        TimelineTask::ConfigureWebhook {
            url: "https://tunnel.example.dev/".into(),
        },
    );
    let (id, first_version, url) = wait_for(&rx, |r| match r {
        TimelineResult::WebhookConfigured { id, version, url } => Some((id, version, url)),
        _ => None,
    });
    assert_eq!(id, TIMELINE_WEBHOOK_ID);
    assert_eq!(url, "https://tunnel.example.dev/webhooks/contentful");
    let stored = rt
        .block_on(client.get_webhook(TIMELINE_WEBHOOK_ID))
        .unwrap();
    assert_eq!(stored.url, url);
    assert_eq!(stored.topics, TIMELINE_TOPICS);
    assert!(stored.active);
    let redacted = rt
        .block_on(client.get_signing_secret())
        .unwrap()
        .redacted_value;
    assert_eq!(redacted, secret().redacted());

    // Again, with another URL: an update of the same definition, at a newer version.
    send(
        &worker,
        TimelineTask::ConfigureWebhook {
            url: "https://other.example.dev/hooks/in".into(),
        },
    );
    let (_, second_version, url) = wait_for(&rx, |r| match r {
        TimelineResult::WebhookConfigured { id, version, url } => Some((id, version, url)),
        _ => None,
    });
    assert!(
        second_version > first_version,
        "{second_version} > {first_version}"
    );
    assert_eq!(url, "https://other.example.dev/hooks/in");
    let all = rt.block_on(client.webhooks()).unwrap();
    assert_eq!(
        all.iter()
            .filter(|w| w.sys.as_ref().is_some_and(|s| s.id == TIMELINE_WEBHOOK_ID))
            .count(),
        1
    );

    // The sources panel lists it, with signing on.
    send(&worker, TimelineTask::LoadSources);
    let (signing, webhooks) = wait_for(&rx, |r| match r {
        TimelineResult::SourcesLoaded { signing, webhooks } => Some((signing, webhooks)),
        _ => None,
    });
    assert!(signing);
    assert!(
        webhooks
            .iter()
            .any(|(id, _, u)| id == TIMELINE_WEBHOOK_ID && *u == url)
    );
}

#[test]
fn webhook_targets_get_the_receiver_path_and_must_be_http() {
    assert_eq!(
        webhook_target("https://abc.example.dev").unwrap(),
        "https://abc.example.dev/webhooks/contentful"
    );
    assert_eq!(
        webhook_target(" https://abc.example.dev/webhooks/space ").unwrap(),
        "https://abc.example.dev/webhooks/space"
    );
    assert!(webhook_target("ftp://abc.example.dev").is_err());
    assert!(webhook_target("not a url").is_err());
}
