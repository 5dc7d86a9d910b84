//! The timeline: every webhook event of a space, received, verified, kept and streamed.
//!
//! This module owns the path from a webhook delivery to the app's live table:
//! - [`receiver`]: the axum endpoint at `/webhooks/{source}` that checks size, signature
//!   (spec §6.3) and JSON, and journals every delivery, refused ones included.
//! - [`journal`]: the append-only SQLite store (WAL, group commit on one writer thread), its
//!   queries (newest-first pages by rowid cursor, filters, free text, counts), retention, and
//!   the live stream ([`Subscription`]).
//! - [`event`]: the event model — headers and payload parsed per topic into the `cma` types,
//!   the causing action ids, the signature verdict, and a one-line summary.
//! - [`export`]: the filtered journal written out as NDJSON or CSV (headers already redacted).
//! - [`call_log`]: the poller that reads a webhook's call log when the receiver cannot be
//!   reached (a real Contentful space without a tunnel), into the same journal.
//!
//! [`Timeline::start`] runs the receiver and the journal together; the app subscribes to it and
//! reads pages from [`Timeline::journal`].
//!
//! ## Invariants
//! - A delivery is committed to the journal before the receiver answers 2xx; what was
//!   acknowledged survives a crash (`synchronous=FULL`).
//! - One writer thread owns the write connection; everything else reads through read-only
//!   connections. Event ids only grow, and received times never decrease with the id.
//! - A delivery retried under the same idempotency key is stored once; its attempts are counted.
//!   Rejected deliveries are stored but never merged, so a forgery cannot rewrite a real event.
//! - A slow live subscriber never blocks ingestion: it is told how many notices it missed and
//!   catches up from the journal by cursor.
//! - Nothing that arrives over the network panics the receiver; secret header values are
//!   redacted before anything is stored.
//! - Architecture Invariant: nothing here knows egui; the sandbox is only ever a sender.

pub mod call_log;
pub mod event;
pub mod export;
pub mod headless;
pub mod journal;
pub mod receiver;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use self::call_log::{CallLogConfig, CallLogHandle, CallLogPoller, PollReport};
pub use self::event::{
    Causes, EventDetails, EventId, EventPayload, Origin, TimelineEvent, Verdict, VerdictKind,
};
pub use self::journal::{
    AppendOutcome, EventFilter, Journal, JournalConfig, JournalError, LiveItem, Page, Retention,
    Subscription, TimelineNotice,
};
pub use self::receiver::ReceiverConfig;

/// Characters escaped in a source name put into a URL path: all but `A-Za-z0-9-._~`.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The journal's file name inside a timeline data directory.
pub const JOURNAL_FILE: &str = "timeline.sqlite3";

/// How to start a [`Timeline`].
#[derive(Debug, Clone)]
pub struct TimelineConfig {
    /// Directory of the journal ([`JOURNAL_FILE`]); created when missing.
    pub data_dir: PathBuf,
    /// The receiver's address and checks.
    pub receiver: ReceiverConfig,
    /// Per-subscriber buffer of the live stream.
    pub live_buffer: usize,
    /// Retention applied at start and then every `retention_interval`; `None` keeps everything.
    pub retention: Option<Retention>,
    /// How often retention runs.
    pub retention_interval: Duration,
    /// Alert rules run on every new event ([`crate::alerts`]); `None` runs none.
    pub rules: Option<crate::alerts::RulesHandle>,
    /// How alert deliveries are retried.
    pub alert_retry: crate::alerts::RetryPolicy,
}

impl TimelineConfig {
    /// Defaults: loopback on a free port, no secret, 30 s window, 1 MiB bodies, no retention.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            receiver: ReceiverConfig::default(),
            live_buffer: journal::DEFAULT_LIVE_BUFFER,
            retention: None,
            retention_interval: Duration::from_secs(600),
            rules: None,
            alert_retry: crate::alerts::RetryPolicy::default(),
        }
    }
}

/// Why the timeline could not start.
#[derive(Debug, thiserror::Error)]
pub enum TimelineError {
    /// The journal could not be opened.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The receiver's address could not be bound.
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What went wrong.
        message: String,
    },
}

/// A running receiver and journal. Dropping it stops the receiver; the journal's writer stops
/// when the last [`Journal`] handle is gone.
#[derive(Debug)]
pub struct Timeline {
    addr: SocketAddr,
    journal: Journal,
    alerts: Option<crate::alerts::AlertsHandle>,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Timeline {
    /// Opens the journal in `config.data_dir`, binds the receiver, and serves it on the current
    /// tokio runtime.
    pub async fn start(config: TimelineConfig) -> Result<Self, TimelineError> {
        // The journal keeps webhook headers and bodies: its directory is the owner's alone.
        crate::private_fs::create_private_dir(&config.data_dir).map_err(|e| {
            JournalError::Open {
                path: config.data_dir.clone(),
                message: e.to_string(),
            }
        })?;
        let mut journal_config = JournalConfig::new(config.data_dir.join(JOURNAL_FILE));
        journal_config.live_buffer = config.live_buffer;
        journal_config.clock = config.receiver.clock.clone();
        journal_config.rules = config.rules.clone();
        let journal = tokio::task::spawn_blocking(move || Journal::open(journal_config))
            .await
            .map_err(|e| JournalError::Sqlite(e.to_string()))??;
        let bind = config.receiver.bind;
        let bind_err = |e: std::io::Error| TimelineError::Bind {
            addr: bind,
            message: e.to_string(),
        };
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(bind_err)?;
        let addr = listener.local_addr().map_err(bind_err)?;
        let app = receiver::router(journal.clone(), config.receiver.clone());
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(%e, "timeline receiver stopped");
            }
        });
        let mut tasks = vec![server];
        // The deliverer starts after the journal opened, so deliveries pending from before a
        // restart are sent first thing.
        let alerts = config.rules.map(|rules| {
            let alerts = crate::alerts::AlertsHandle::new(
                journal.clone(),
                rules,
                config.receiver.clock.clone(),
            );
            tasks.push(alerts.spawn_deliverer(config.alert_retry.clone()));
            alerts
        });
        if let Some(policy) = config.retention {
            let journal = journal.clone();
            let every = config.retention_interval.max(Duration::from_secs(1));
            tasks.push(tokio::spawn(async move {
                let mut interval = tokio::time::interval(every);
                loop {
                    interval.tick().await;
                    match journal.apply_retention(policy).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(deleted = n, "timeline retention applied"),
                        Err(JournalError::Closed) => break,
                        Err(e) => tracing::warn!(%e, "timeline retention failed"),
                    }
                }
            }));
        }
        Ok(Self {
            addr,
            journal,
            alerts,
            stop: Some(stop_tx),
            tasks,
        })
    }

    /// The receiver's bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL a webhook should deliver to for `source`: `http://{addr}/webhooks/{source}`.
    pub fn webhook_url(&self, source: &str) -> String {
        let source = percent_encoding::utf8_percent_encode(source, PATH_SEGMENT);
        format!("http://{}/webhooks/{source}", self.addr)
    }

    /// A live stream of what the journal stores from now on.
    pub fn subscribe(&self) -> Subscription {
        self.journal.subscribe()
    }

    /// The journal, for pages, details, counts and call-log polling.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The alerts (rules, delivery log, "Send a test", notices), when started with rules.
    pub fn alerts(&self) -> Option<&crate::alerts::AlertsHandle> {
        self.alerts.as_ref()
    }

    /// Stops accepting deliveries and waits (up to `grace`) for those in flight to be stored.
    pub async fn shutdown(mut self, grace: Duration) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let mut tasks = std::mem::take(&mut self.tasks).into_iter();
        if let Some(server) = tasks.next() {
            let _ = tokio::time::timeout(grace, server).await;
        }
        for task in tasks {
            task.abort();
        }
    }
}

impl Drop for Timeline {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}
