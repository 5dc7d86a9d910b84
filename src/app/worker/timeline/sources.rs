//! The worker's [`TimelineTask`]s, the timeline's work that is more than one journal read: the
//! export (save dialog, then `timeline::export::export_file` on a blocking thread with progress
//! and cancel), the rate chart, the sources panel (the space's webhooks, the call-log poller),
//! and creating or updating the timeline's webhook definition in the connected space.
//!
//! Architecture Invariant: like the rest of the worker, this runs on the tokio runtime; SQLite
//! and file writes go to `spawn_blocking`, and the save dialog is rfd's async one — never on the
//! UI thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::app::event::{AppEvent, RequestKind};
use crate::app::timeline::{RateBucket, RateChart, TimelineResult, TimelineTask, group_of_topic};
use crate::app::worker::{EventSink, WorkerOptions, describe};
use crate::cma::{Client, CmaError, Timestamp, WebhookDefinition};
use crate::timeline::export::{ExportError, ExportFormat, export_file};
use crate::timeline::{CallLogConfig, CallLogPoller, EventFilter, Journal, PollReport};

/// The id of the webhook definition the sources panel creates or updates.
pub const TIMELINE_WEBHOOK_ID: &str = "release-desk-timeline";
/// Its name in the space.
pub const TIMELINE_WEBHOOK_NAME: &str = "Release Desk timeline";
/// The topics it subscribes to: everything the timeline groups.
pub const TIMELINE_TOPICS: [&str; 6] = [
    "Release.*",
    "ReleaseAction.*",
    "BulkAction.*",
    "ScheduledAction.*",
    "Entry.*",
    "Asset.*",
];

/// Work the timeline starts and later stops, shared by every task of one worker: the running
/// export's cancel flag and the call-log poller.
#[derive(Debug, Clone, Default)]
pub struct TimelineTasks {
    export_cancel: Arc<Mutex<Option<Arc<AtomicBool>>>>,
    call_log: Arc<Mutex<Option<tokio::task::JoinHandle<Option<()>>>>>,
}

impl TimelineTasks {
    fn set_poller(&self, task: Option<tokio::task::JoinHandle<Option<()>>>) {
        let old = std::mem::replace(
            &mut *self.call_log.lock().unwrap_or_else(PoisonError::into_inner),
            task,
        );
        if let Some(old) = old {
            // The task owns the poller's handle; aborting drops it, which stops polling.
            old.abort();
        }
    }
}

impl Drop for TimelineTasks {
    fn drop(&mut self) {
        // The last clone of a worker's tasks going away stops its poller.
        if Arc::strong_count(&self.call_log) == 1 {
            self.set_poller(None);
        }
    }
}

/// What a request needs from the worker.
pub struct SourcesCtx<'a> {
    /// The connected space's client.
    pub client: &'a Client,
    /// Where results go.
    pub sink: &'a EventSink,
    /// The worker's options (journal, receiver secret).
    pub options: &'a WorkerOptions,
    /// Running exports and pollers.
    pub tasks: &'a TimelineTasks,
    /// Cancelled when the worker's connection is replaced; the poller stops with it.
    pub cancel: &'a tokio_util::sync::CancellationToken,
}

impl SourcesCtx<'_> {
    fn send(&self, result: TimelineResult) {
        self.sink.send(AppEvent::Timeline(result));
    }

    fn failed(&self, kind: RequestKind, message: String) {
        self.send(TimelineResult::Failed {
            context: kind.to_string(),
            message: message.clone(),
        });
        self.sink.failed(kind, message);
    }
}

/// Runs one task to its end (or until the worker is shut down).
pub async fn handle(cx: SourcesCtx<'_>, task: TimelineTask) {
    match task {
        TimelineTask::Export { filter, format } => export_to_file(&cx, filter, format).await,
        TimelineTask::CancelExport => {
            if let Some(flag) = cx
                .tasks
                .export_cancel
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
            {
                flag.store(true, Ordering::Relaxed);
            }
        }
        TimelineTask::LoadRate { filter } => load_rate(&cx, filter).await,
        TimelineTask::LoadSources => {
            let signing = cx.options.receiver_secret.is_some();
            let webhooks = match cx.client.webhooks().await {
                Ok(list) => list
                    .into_iter()
                    .filter_map(|w| Some((w.sys?.id, w.name, w.url)))
                    .collect(),
                Err(e) => {
                    cx.send(TimelineResult::SourcesLoaded {
                        signing,
                        webhooks: Vec::new(),
                    });
                    return cx.failed(RequestKind::ListWebhooks, describe(&e));
                }
            };
            cx.send(TimelineResult::SourcesLoaded { signing, webhooks });
        }
        TimelineTask::StartCallLog { webhook_id } => start_call_log(&cx, webhook_id),
        TimelineTask::StopCallLog => {
            cx.tasks.set_poller(None);
            cx.send(TimelineResult::CallLogChanged(None));
        }
        TimelineTask::ConfigureWebhook { url } => match configure_webhook(&cx, &url).await {
            Ok((id, version, url)) => {
                cx.sink.send(AppEvent::Notified(format!(
                    "Webhook '{TIMELINE_WEBHOOK_NAME}' now delivers to {url}"
                )));
                cx.send(TimelineResult::WebhookConfigured { id, version, url });
            }
            Err(message) => cx.failed(RequestKind::ConfigureTimelineWebhook, message),
        },
    }
}

/// The receiver path appended to a bare public URL (a tunnel's root).
const PUBLIC_PATH: &str = "/webhooks/contentful";

/// The URL the webhook delivers to: the user's, with the receiver path when it has none.
pub fn webhook_target(url: &str) -> Result<String, String> {
    let trimmed = url.trim();
    let parsed = url::Url::parse(trimmed).map_err(|e| format!("'{trimmed}' is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("'{trimmed}' is not an http(s) URL"));
    }
    if parsed.path().trim_matches('/').is_empty() {
        Ok(format!("{}{PUBLIC_PATH}", trimmed.trim_end_matches('/')))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// Creates or updates [`TIMELINE_WEBHOOK_ID`] (with the version read) and sets the space's
/// signing secret to the receiver's. Returns (id, version, url).
pub async fn configure_webhook(
    cx: &SourcesCtx<'_>,
    url: &str,
) -> Result<(String, u64, String), String> {
    let target = webhook_target(url)?;
    let client = cx.client;
    let current = match client.get_webhook(TIMELINE_WEBHOOK_ID).await {
        Ok(found) => Some(found),
        Err(CmaError::NotFound(_)) => None,
        Err(e) => return Err(describe(&e)),
    };
    let topics = TIMELINE_TOPICS.iter().map(|t| (*t).to_owned()).collect();
    let (version, definition) = match current {
        Some(mut existing) => {
            let version = existing.sys.as_ref().map(|s| s.version);
            existing.name = TIMELINE_WEBHOOK_NAME.to_owned();
            existing.url = target.clone();
            existing.topics = topics;
            existing.active = true;
            existing.sys = None;
            (version, existing)
        }
        None => (
            None,
            WebhookDefinition::new(TIMELINE_WEBHOOK_NAME, target.clone(), topics),
        ),
    };
    let saved = client
        .put_webhook(TIMELINE_WEBHOOK_ID, version, &definition)
        .await
        .map_err(|e| describe(&e))?;
    if let Some(secret) = &cx.options.receiver_secret {
        client.set_signing_secret(secret).await.map_err(|e| {
            format!(
                "the webhook was saved, but not the signing secret: {}",
                describe(&e)
            )
        })?;
    }
    let version = saved.sys.as_ref().map_or(0, |s| s.version);
    Ok((TIMELINE_WEBHOOK_ID.to_owned(), version, saved.url))
}

fn report_text(report: &PollReport) -> String {
    format!(
        "{} listed, {} new, {} stored, {} merged, {} expired",
        report.listed, report.new_calls, report.appended, report.merged, report.missing
    )
}

/// Starts polling `webhook_id`'s call log (replacing a running poller); a task forwards each
/// poll's report and owns the poller, so aborting it stops polling.
fn start_call_log(cx: &SourcesCtx<'_>, webhook_id: String) {
    let Some(journal) = cx.options.journal.clone() else {
        return cx.failed(
            RequestKind::PollCallLog,
            "no journal in this session".to_owned(),
        );
    };
    let mut config = CallLogConfig::new(webhook_id.clone());
    config.secret = cx.options.receiver_secret.clone();
    let poller = CallLogPoller::new(cx.client.clone(), journal, config);
    let sink = cx.sink.clone();
    let task = tokio::spawn(cx.cancel.clone().run_until_cancelled_owned(async move {
        let mut handle = poller.spawn();
        while let Some(report) = handle.next_report().await {
            sink.send(AppEvent::Timeline(TimelineResult::CallLogPolled {
                at: Timestamp::now(),
                report: report.map(|r| report_text(&r)),
            }));
        }
    }));
    cx.tasks.set_poller(Some(task));
    cx.send(TimelineResult::CallLogChanged(Some(webhook_id)));
}

/// Counts events per minute and group (blocking, on a blocking thread).
async fn load_rate(cx: &SourcesCtx<'_>, filter: EventFilter) {
    let Some(journal) = cx.options.journal.clone() else {
        return;
    };
    let now = Timestamp(cx.options.clock.now());
    let answer = tokio::task::spawn_blocking(move || rate_chart(&journal, filter, now)).await;
    match answer {
        Ok(Ok(chart)) => cx.send(TimelineResult::RateLoaded(chart)),
        Ok(Err(message)) => cx.send(TimelineResult::Failed {
            context: "Counting events per minute".into(),
            message,
        }),
        Err(e) => cx.send(TimelineResult::Failed {
            context: "Counting events per minute".into(),
            message: e.to_string(),
        }),
    }
}

/// The rate chart of `filter` (which should have a time range), up to `now`. Blocking.
pub fn rate_chart(
    journal: &Journal,
    filter: EventFilter,
    now: Timestamp,
) -> Result<RateChart, String> {
    let rows = journal
        .counts_by_minute(&filter)
        .map_err(|e| e.to_string())?;
    let mut buckets: Vec<RateBucket> = Vec::new();
    for (minute, topic, n) in rows {
        let Some(group) = group_of_topic(&topic) else {
            continue;
        };
        if buckets.last().is_none_or(|b| b.minute != minute) {
            buckets.push(RateBucket {
                minute,
                ..RateBucket::default()
            });
        }
        if let Some(bucket) = buckets.last_mut() {
            bucket.counts[group] += n;
        }
    }
    let to_minute = filter.until.unwrap_or(now).as_millis().div_euclid(60_000);
    let from_minute = filter.from.map_or_else(
        || buckets.first().map_or(to_minute, |b| b.minute),
        |t| t.as_millis().div_euclid(60_000),
    );
    Ok(RateChart {
        filter,
        from_minute,
        to_minute,
        buckets,
        loaded: true,
    })
}

/// Asks where to save, then writes the export there (through a temporary file) on a blocking
/// thread, sending progress; the cancel flag stops it.
async fn export_to_file(cx: &SourcesCtx<'_>, filter: EventFilter, format: ExportFormat) {
    let Some(journal) = cx.options.journal.clone() else {
        return cx.failed(
            RequestKind::ExportTimeline(None),
            "no journal in this session".into(),
        );
    };
    let file_name = format!(
        "timeline-{}.{}",
        jiff::Zoned::now().strftime("%Y%m%d-%H%M%S"),
        format.extension()
    );
    let destination = crate::app::worker::files::save_file(
        &cx.options.file_choice,
        "Export the timeline",
        &file_name,
        format.label(),
        format.extension(),
    )
    .await;
    let Some(path) = destination.path().map(std::path::Path::to_path_buf) else {
        cx.send(TimelineResult::ExportEnded);
        return cx.sink.send(AppEvent::Notified(
            "Nothing exported: the save dialog was closed".into(),
        ));
    };
    let cancel = Arc::new(AtomicBool::new(false));
    *cx.tasks
        .export_cancel
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(cancel.clone());
    cx.send(TimelineResult::ExportStarted {
        path: path.display().to_string(),
        total: 0,
    });
    let sink = cx.sink.clone();
    let target = path.clone();
    let written = tokio::task::spawn_blocking(move || {
        export_file(&journal, &filter, format, &target, &mut |p| {
            sink.send(AppEvent::Timeline(TimelineResult::ExportProgressed(p)));
            !cancel.load(Ordering::Relaxed)
        })
    })
    .await;
    cx.tasks
        .export_cancel
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    cx.send(TimelineResult::ExportEnded);
    match written {
        Ok(Ok(n)) => cx.sink.send(AppEvent::Notified(format!(
            "Exported {n} event{} to {}{}",
            if n == 1 { "" } else { "s" },
            path.display(),
            destination.note()
        ))),
        Ok(Err(ExportError::Canceled)) => cx.sink.send(AppEvent::Notified(
            "Export canceled; nothing was written".into(),
        )),
        Ok(Err(e)) => cx.sink.failed(
            RequestKind::ExportTimeline(Some(path.display().to_string())),
            e.to_string(),
        ),
        Err(e) => cx
            .sink
            .failed(RequestKind::ExportTimeline(None), e.to_string()),
    }
}
