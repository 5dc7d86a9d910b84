//! The journal: an append-only SQLite store of timeline events (WAL mode, `synchronous=FULL`).
//!
//! **Writes** go through one writer thread that owns the write connection. Callers send an
//! append over a bounded channel and wait for its acknowledgement; the writer drains whatever
//! is queued (up to [`MAX_BATCH`]), writes it in one transaction, commits, and only then
//! acknowledges each request and tells live subscribers ([`Subscription`]). So an
//! acknowledged append is on disk, and under load many appends share one `fsync` (group
//! commit). Should one append in a batch fail, the batch is redone with a savepoint per append,
//! so one bad event cannot fail the others.
//!
//! **Deduplication**: an accepted event carries a dedup key — its idempotency key, else (for a
//! logged call) `call:{webhook}:{call}`. A second event with the same key is not stored again:
//! its attempt number is merged into the first row (`attempt` = highest seen, `attempts` =
//! distinct attempts seen). A verified delivery without an idempotency key is keyed by its
//! signature, so a replay within the signature's lifetime is merged too. Rejected deliveries
//! have no dedup key, so a forged request can never overwrite or merge into a genuine one; they
//! keep only the first few KiB of their body, and only the newest [`MAX_REJECTED_EVENTS`] of
//! them are kept.
//!
//! **Reads** use a small pool of read-only connections (WAL lets them run beside the writer).
//! They are blocking calls: from async code, call them on `spawn_blocking`. Pages are newest
//! first with a rowid cursor; every filter is a column with an index ending in `id`, so a page
//! is an index range scan that stops after `limit` rows. Received times never decrease with
//! `id` (the writer stores `max(now, last)`), so a time range becomes an id range.
//!
//! **Free text** uses FTS5 (the bundled SQLite has it; checked at open, with a `LIKE` fallback)
//! over topic, summary, entity id and the first [`FTS_BODY_LIMIT`] bytes of the body. The writer
//! fills the index apart from the appends — every [`FTS_BATCH`] events, and after
//! [`FTS_IDLE`] without work — because FTS5 flushes a segment per transaction and merging
//! thousands of tiny segments would dominate ingestion. Events not indexed yet (a few hundred at
//! most under load) are matched with `LIKE`, so a search never misses a stored event.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::event::{
    Causes, EventDetails, EventId, IncomingEvent, Origin, ReleaseInfo, TimelineEvent, Verdict,
    VerdictKind, summarize,
};
use crate::clock::Clock;
use crate::cma::Timestamp;

/// Most appends written in one transaction.
pub const MAX_BATCH: usize = 512;
/// How many bytes of a body the full-text index reads.
pub const FTS_BODY_LIMIT: usize = 64 * 1024;
/// Events added to the full-text index per transaction.
pub const FTS_BATCH: i64 = 256;
/// The full-text index catches up after the writer has been idle this long.
pub const FTS_IDLE: Duration = Duration::from_millis(200);
/// Default capacity of the live stream's buffer, per subscriber.
pub const DEFAULT_LIVE_BUFFER: usize = 4096;
/// Default capacity of the queue in front of the writer.
pub const DEFAULT_QUEUE: usize = 8192;
/// Largest page a query returns.
pub const MAX_PAGE: usize = 10_000;
/// Most rejected deliveries kept; beyond it the oldest rejected ones are dropped.
pub const MAX_REJECTED_EVENTS: i64 = 1_000;
/// Rows deleted per transaction when retention runs.
const RETENTION_CHUNK: i64 = 5_000;
/// Seen call ids are forgotten after this long (Contentful keeps calls for 30 days).
const SEEN_CALLS_KEEP_MS: i64 = 45 * 24 * 60 * 60 * 1000;
/// Idle read connections kept open.
const MAX_IDLE_READERS: usize = 4;
/// `PRAGMA optimize` runs after this many appended rows.
const OPTIMIZE_EVERY: u64 = 100_000;

const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS events (
    id                  INTEGER PRIMARY KEY,
    received_ms         INTEGER NOT NULL,
    event_ms            INTEGER,
    origin              TEXT NOT NULL,
    source              TEXT NOT NULL,
    topic               TEXT NOT NULL,
    entity_type         TEXT NOT NULL,
    action              TEXT NOT NULL,
    entity_id           TEXT,
    version             INTEGER,
    environment         TEXT,
    action_status       TEXT,
    release_id          TEXT,
    release_version     TEXT,
    release_action_id   TEXT,
    bulk_action_id      TEXT,
    scheduled_action_id TEXT,
    attempt             INTEGER NOT NULL,
    attempts            INTEGER NOT NULL,
    attempts_seen       TEXT NOT NULL,
    idempotency_key     TEXT,
    dedup_key           TEXT,
    webhook_name        TEXT,
    verdict             TEXT NOT NULL,
    verdict_reason      TEXT,
    verdict_detail      TEXT,
    http_status         INTEGER NOT NULL,
    call_id             TEXT,
    summary             TEXT NOT NULL,
    headers             TEXT NOT NULL,
    body                BLOB NOT NULL,
    body_len            INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_dedup_key ON events (dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_received ON events (received_ms);
CREATE INDEX IF NOT EXISTS events_by_topic ON events (topic, id);
CREATE INDEX IF NOT EXISTS events_by_entity_type ON events (entity_type, id);
CREATE INDEX IF NOT EXISTS events_by_entity_id ON events (entity_id, id);
CREATE INDEX IF NOT EXISTS events_by_status ON events (action_status, id) WHERE action_status IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_verdict ON events (verdict, id);
CREATE INDEX IF NOT EXISTS events_by_release ON events (release_id, id) WHERE release_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_release_action ON events (release_action_id, id) WHERE release_action_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_bulk_action ON events (bulk_action_id, id) WHERE bulk_action_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_scheduled_action ON events (scheduled_action_id, id) WHERE scheduled_action_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS release_info (
    id      TEXT PRIMARY KEY,
    title   TEXT NOT NULL,
    entries INTEGER NOT NULL,
    assets  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('fts_upto', 0);
CREATE TABLE IF NOT EXISTS seen_calls (
    webhook_id TEXT NOT NULL,
    call_id    TEXT NOT NULL,
    seen_ms    INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, call_id)
) WITHOUT ROWID;
";

const FTS_SCHEMA: &str = "CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
    topic, summary, entity_id, body, content='', contentless_delete=1, tokenize='unicode61')";

/// The light columns of a [`TimelineEvent`], in [`read_event`]'s order.
const EVENT_COLUMNS: &str = "e.id, e.received_ms, e.event_ms, e.origin, e.source, e.topic, \
    e.entity_type, e.action, e.entity_id, e.version, e.environment, e.action_status, \
    e.release_id, e.release_version, e.release_action_id, e.bulk_action_id, \
    e.scheduled_action_id, e.attempt, e.attempts, e.idempotency_key, e.webhook_name, e.verdict, \
    e.verdict_reason, e.verdict_detail, e.http_status, e.call_id, e.summary, e.body_len";

/// Why the journal could not do something.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JournalError {
    /// The database file could not be opened or prepared.
    #[error("cannot open the timeline journal at {path}: {message}")]
    Open {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// SQLite failed.
    #[error("timeline journal error: {0}")]
    Sqlite(String),
    /// The writer thread is gone (the journal is shutting down).
    #[error("the timeline journal is closed")]
    Closed,
}

impl From<rusqlite::Error> for JournalError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e.to_string())
    }
}

/// How to open a journal.
#[derive(Debug, Clone)]
pub struct JournalConfig {
    /// The SQLite file (created with its directory when missing).
    pub path: PathBuf,
    /// Per-subscriber buffer of the live stream; a subscriber further behind is told how many
    /// events it missed.
    pub live_buffer: usize,
    /// Capacity of the queue in front of the writer (appends wait when it is full).
    pub queue: usize,
    /// Where "now" comes from (received times, retention by age).
    pub clock: Clock,
    /// Alert rules: each new event they match enqueues a delivery in the alerts outbox, in
    /// the event's own transaction ([`crate::alerts::outbox`]). `None`: no alerts.
    pub rules: Option<crate::alerts::RulesHandle>,
}

impl JournalConfig {
    /// Defaults for a journal at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            live_buffer: DEFAULT_LIVE_BUFFER,
            queue: DEFAULT_QUEUE,
            clock: Clock::system(),
            rules: None,
        }
    }
}

/// What to delete: events older than `max_age`, and all but the newest `max_events`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Delete events received longer ago than this.
    pub max_age: Option<Duration>,
    /// Keep at most this many events (the newest).
    pub max_events: Option<u64>,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq)]
pub enum AppendOutcome {
    /// A new row.
    Appended(Arc<TimelineEvent>),
    /// An accepted event with a dedup key already stored: its attempt was merged into that row.
    Duplicate {
        /// The row it merged into.
        id: EventId,
        /// The row's highest attempt now.
        attempt: u32,
        /// The row's count of distinct attempts now.
        attempts: u32,
        /// Whether this attempt was new (and so counted).
        counted: bool,
    },
    /// A logged call the journal had already read (call-log polling only).
    KnownCall,
}

impl AppendOutcome {
    /// The row the event is in, when it is in one.
    pub fn id(&self) -> Option<EventId> {
        match self {
            Self::Appended(event) => Some(event.id),
            Self::Duplicate { id, .. } => Some(*id),
            Self::KnownCall => None,
        }
    }
}

/// What live subscribers hear, in commit order.
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineNotice {
    /// A new event was stored.
    Appended(Arc<TimelineEvent>),
    /// A retry of a stored delivery arrived and was counted.
    AttemptCounted {
        /// The event.
        id: EventId,
        /// Its highest attempt now.
        attempt: u32,
        /// Its count of distinct attempts now.
        attempts: u32,
    },
}

/// One item of a [`Subscription`].
#[derive(Debug, Clone, PartialEq)]
pub enum LiveItem {
    /// The next notice.
    Notice(TimelineNotice),
    /// The subscriber fell behind and `count` notices were dropped for it. Everything appended
    /// after `last_seen` is in the journal: read it with [`Journal::after`].
    Missed {
        /// How many notices were dropped.
        count: u64,
        /// The last event id this subscription delivered, if any.
        last_seen: Option<EventId>,
    },
}

/// A live stream of journal notices. A slow subscriber never slows ingestion: when it falls
/// more than the buffer behind, it gets [`LiveItem::Missed`] and can catch up from the journal.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<TimelineNotice>,
    last_seen: Option<EventId>,
}

impl Subscription {
    /// Waits for the next item; `None` once the journal has shut down.
    pub async fn recv(&mut self) -> Option<LiveItem> {
        let result = self.rx.recv().await;
        self.handle(result.map_err(|e| match e {
            broadcast::error::RecvError::Closed => broadcast::error::TryRecvError::Closed,
            broadcast::error::RecvError::Lagged(n) => broadcast::error::TryRecvError::Lagged(n),
        }))
    }

    /// The next item if one is ready (for a UI frame loop); `None` when none is, or when the
    /// journal has shut down.
    pub fn try_recv(&mut self) -> Option<LiveItem> {
        let result = self.rx.try_recv();
        self.handle(result)
    }

    fn handle(
        &mut self,
        result: Result<TimelineNotice, broadcast::error::TryRecvError>,
    ) -> Option<LiveItem> {
        match result {
            Ok(notice) => {
                if let TimelineNotice::Appended(event) = &notice {
                    self.last_seen = Some(event.id);
                }
                Some(LiveItem::Notice(notice))
            }
            Err(broadcast::error::TryRecvError::Lagged(count)) => Some(LiveItem::Missed {
                count,
                last_seen: self.last_seen,
            }),
            Err(_) => None,
        }
    }
}

/// Which events a query selects. Empty fields select everything; set fields are ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Any of these topics (`Release.create`, …); empty means all.
    pub topics: Vec<String>,
    /// This entity type.
    pub entity_type: Option<String>,
    /// This entity id.
    pub entity_id: Option<String>,
    /// This action status.
    pub action_status: Option<String>,
    /// This verdict.
    pub verdict: Option<VerdictKind>,
    /// Caused by this release, release action, bulk action or scheduled action id.
    pub caused_by: Option<String>,
    /// Received at or after this instant.
    pub from: Option<Timestamp>,
    /// Received before this instant.
    pub until: Option<Timestamp>,
    /// Free text in topic, summary, entity id or body (all words, each as a prefix).
    pub text: Option<String>,
}

/// A page of events, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The events, newest first.
    pub events: Vec<TimelineEvent>,
    /// Pass as `before` to get the next (older) page; `None` on the last page.
    pub next: Option<EventId>,
}

/// A cloneable handle to the journal. The writer thread stops when the last handle is dropped,
/// after writing what was queued.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    ops: Option<mpsc::Sender<WriteOp>>,
    live: broadcast::Sender<TimelineNotice>,
    readers: Mutex<Vec<Connection>>,
    fts: bool,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue lets the writer finish its batch and stop.
        self.ops.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.inner.path)
            .field("fts", &self.inner.fts)
            .finish_non_exhaustive()
    }
}

/// A logged call an append comes from.
#[derive(Debug, Clone)]
struct CallRef {
    webhook_id: String,
    call_id: String,
}

enum WriteOp {
    Append {
        event: Box<IncomingEvent>,
        call: Option<CallRef>,
        reply: oneshot::Sender<Result<AppendOutcome, JournalError>>,
    },
    Retain {
        policy: Retention,
        reply: oneshot::Sender<Result<u64, JournalError>>,
    },
    /// Work of another module on the write connection (the alerts outbox), run after the
    /// batch's appends; it answers through its own channel.
    Run(Box<dyn FnOnce(&mut Connection) + Send>),
}

impl Journal {
    /// Opens (or creates) the journal and starts its writer thread. Must be called where a
    /// thread can be spawned; it does not need a tokio runtime.
    pub fn open(config: JournalConfig) -> Result<Self, JournalError> {
        let open_err = |message: String| JournalError::Open {
            path: config.path.clone(),
            message,
        };
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            crate::private_fs::create_private_dir(dir).map_err(|e| open_err(e.to_string()))?;
        }
        // Webhook headers and bodies: owner-only, the WAL and shared memory too.
        crate::private_fs::prepare_private_database(&config.path)
            .map_err(|e| open_err(e.to_string()))?;
        let conn = Connection::open(&config.path).map_err(|e| open_err(e.to_string()))?;
        crate::private_fs::restrict_database_files(&config.path)
            .map_err(|e| open_err(e.to_string()))?;
        let fts = prepare(&conn).map_err(|e| open_err(e.to_string()))?;
        let (ops_tx, ops_rx) = mpsc::channel(config.queue.max(1));
        let (live, _) = broadcast::channel(config.live_buffer.max(1));
        let mut writer = Writer::new(conn, fts, live.clone(), config.clock.clone(), config.rules)
            .map_err(|e| open_err(e.to_string()))?;
        let handle = std::thread::Builder::new()
            .name("timeline-journal".into())
            .spawn(move || writer.run(ops_rx))
            .map_err(|e| open_err(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: config.path,
                ops: Some(ops_tx),
                live,
                readers: Mutex::new(Vec::new()),
                fts,
                writer: Some(handle),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Whether free-text search uses FTS5 (otherwise `LIKE`).
    pub fn has_full_text_search(&self) -> bool {
        self.inner.fts
    }

    /// A live stream of what is appended from now on.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.inner.live.subscribe(),
            last_seen: None,
        }
    }

    /// Stores an event; resolves once it is committed (or merged into the row with the same
    /// dedup key).
    pub async fn append(&self, event: IncomingEvent) -> Result<AppendOutcome, JournalError> {
        self.send_append(event, None).await
    }

    /// Stores an event read from a webhook's call log; a call already read is
    /// [`AppendOutcome::KnownCall`].
    pub(crate) async fn append_call(
        &self,
        event: IncomingEvent,
        webhook_id: &str,
        call_id: &str,
    ) -> Result<AppendOutcome, JournalError> {
        let call = CallRef {
            webhook_id: webhook_id.to_owned(),
            call_id: call_id.to_owned(),
        };
        self.send_append(event, Some(call)).await
    }

    async fn send_append(
        &self,
        event: IncomingEvent,
        call: Option<CallRef>,
    ) -> Result<AppendOutcome, JournalError> {
        let ops = self.inner.ops.as_ref().ok_or(JournalError::Closed)?;
        let (reply, answer) = oneshot::channel();
        let op = WriteOp::Append {
            event: Box::new(event),
            call,
            reply,
        };
        ops.send(op).await.map_err(|_| JournalError::Closed)?;
        answer.await.map_err(|_| JournalError::Closed)?
    }

    /// Deletes what `policy` says is too old or too many; returns how many events went.
    pub async fn apply_retention(&self, policy: Retention) -> Result<u64, JournalError> {
        let ops = self.inner.ops.as_ref().ok_or(JournalError::Closed)?;
        let (reply, answer) = oneshot::channel();
        ops.send(WriteOp::Retain { policy, reply })
            .await
            .map_err(|_| JournalError::Closed)?;
        answer.await.map_err(|_| JournalError::Closed)?
    }

    /// Runs `f` in a transaction of its own on the writer's connection, between batches
    /// of appends (for the alerts outbox, whose rows the writer also inserts).
    pub(crate) async fn write_with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, JournalError> {
        let ops = self.inner.ops.as_ref().ok_or(JournalError::Closed)?;
        let (reply, answer) = oneshot::channel();
        let run = move |conn: &mut Connection| {
            let result = (|| {
                let tx = conn.transaction()?;
                let value = f(&tx)?;
                tx.commit()?;
                Ok(value)
            })();
            let _ = reply.send(result.map_err(|e: rusqlite::Error| JournalError::from(e)));
        };
        ops.send(WriteOp::Run(Box::new(run)))
            .await
            .map_err(|_| JournalError::Closed)?;
        answer.await.map_err(|_| JournalError::Closed)?
    }

    /// Runs `f` on a pooled read-only connection (blocking); for the alerts outbox.
    pub(crate) fn read_with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        self.read(f)
    }

    /// Runs `f` on a pooled read-only connection (blocking).
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        let pooled = self
            .inner
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.inner.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                conn.busy_timeout(Duration::from_secs(5))?;
                conn
            }
        };
        let result = f(&conn);
        let mut pool = self
            .inner
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        result
    }

    /// A page of events matching `filter`, newest first, older than `before` (from the newest
    /// when `None`). At most `limit` (capped at [`MAX_PAGE`]) events. Blocking.
    pub fn page(
        &self,
        filter: &EventFilter,
        before: Option<EventId>,
        limit: usize,
    ) -> Result<Page, JournalError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let events = self.read(|conn| {
            select_events(
                conn,
                self.inner.fts,
                filter,
                Direction::Older(before),
                limit,
            )
        })?;
        let next = (events.len() == limit)
            .then(|| events.last().map(|e| e.id))
            .flatten();
        Ok(Page { events, next })
    }

    /// Events matching `filter` appended after `after`, oldest first (to catch up after
    /// [`LiveItem::Missed`]). At most `limit` (capped at [`MAX_PAGE`]). Blocking.
    pub fn after(
        &self,
        filter: &EventFilter,
        after: Option<EventId>,
        limit: usize,
    ) -> Result<Vec<TimelineEvent>, JournalError> {
        let limit = limit.clamp(1, MAX_PAGE);
        self.read(|conn| {
            select_events(
                conn,
                self.inner.fts,
                filter,
                Direction::Newer(after.unwrap_or(0)),
                limit,
            )
        })
    }

    /// How many events match `filter`. Blocking.
    pub fn count(&self, filter: &EventFilter) -> Result<u64, JournalError> {
        self.read(|conn| count_events(conn, self.inner.fts, filter, None))
    }

    /// How many events match `filter` with an id below `before` (all when `None`): the size of
    /// a list anchored at `before`, however many events arrived since. Blocking.
    pub fn count_before(
        &self,
        filter: &EventFilter,
        before: Option<EventId>,
    ) -> Result<u64, JournalError> {
        self.read(|conn| count_events(conn, self.inner.fts, filter, before))
    }

    /// Random access for a virtualised list: the events matching `filter` with an id below
    /// `before` (all when `None`), newest first, skipping the `skip` newest of them; at most
    /// `limit` (capped at [`MAX_PAGE`]). With `skip == 0` this is [`Journal::page`]; otherwise an
    /// `OFFSET` walk, so callers should start from the nearest id they know. Blocking.
    pub fn page_at(
        &self,
        filter: &EventFilter,
        before: Option<EventId>,
        skip: u64,
        limit: usize,
    ) -> Result<Vec<TimelineEvent>, JournalError> {
        if skip == 0 {
            return Ok(self.page(filter, before, limit)?.events);
        }
        let limit = limit.clamp(1, MAX_PAGE);
        self.read(|conn| select_skipping(conn, self.inner.fts, filter, before, skip, limit))
    }

    /// Benchmarks only: stores `events` in one transaction on a connection of its own, without
    /// deduplication, live notices or the full-text index (which catches up after a restart).
    /// Blocking.
    #[doc(hidden)]
    pub fn bulk_insert_for_bench(&self, events: &[IncomingEvent]) -> Result<(), JournalError> {
        let mut conn = Connection::open(&self.inner.path)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        let tx = conn.transaction()?;
        let mut now: i64 = tx.query_row(
            "SELECT COALESCE(MAX(received_ms), 0) FROM events",
            [],
            |row| row.get(0),
        )?;
        for event in events {
            now = now.max(event.event_at.map_or(now, |t| t.as_millis()));
            append_one(&tx, event, None, None, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Events matching `filter` per minute and topic: `(minute since the epoch, topic, count)`,
    /// oldest minute first — what the event-rate chart draws. Give the filter a time range: the
    /// range becomes an id range, so only that part of the journal is read. Blocking.
    pub fn counts_by_minute(
        &self,
        filter: &EventFilter,
    ) -> Result<Vec<(i64, String, u64)>, JournalError> {
        self.read(|conn| count_by_minute(conn, self.inner.fts, filter))
    }

    /// Every topic with its event count, most frequent first. Blocking.
    pub fn topic_counts(&self) -> Result<Vec<(String, u64)>, JournalError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT topic, COUNT(*) AS n FROM events GROUP BY topic ORDER BY n DESC, topic",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?.max(0) as u64,
                ))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// One event with its headers and body. Blocking.
    pub fn details(&self, id: EventId) -> Result<Option<EventDetails>, JournalError> {
        self.read(|conn| {
            let sql =
                format!("SELECT {EVENT_COLUMNS}, e.headers, e.body FROM events e WHERE e.id = ?1");
            let mut stmt = conn.prepare_cached(&sql)?;
            let found = stmt
                .query_row([id], |row| {
                    let event = read_event(row)?;
                    let headers: String = row.get(28)?;
                    let body: Vec<u8> = row.get(29)?;
                    Ok((event, headers, body))
                })
                .optional()?;
            Ok(found.map(|(event, headers, body)| EventDetails {
                event,
                headers: serde_json::from_str(&headers).unwrap_or_default(),
                body,
            }))
        })
    }

    /// The event stored under this idempotency key (accepted events only). Blocking.
    pub fn by_idempotency_key(&self, key: &str) -> Result<Option<TimelineEvent>, JournalError> {
        self.read(|conn| {
            let sql = format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.dedup_key = ?1");
            let mut stmt = conn.prepare_cached(&sql)?;
            Ok(stmt.query_row([key], read_event).optional()?)
        })
    }

    /// The newest event id, if any. Blocking.
    pub fn latest_id(&self) -> Result<Option<EventId>, JournalError> {
        self.read(|conn| {
            Ok(conn.query_row("SELECT MAX(id) FROM events", [], |row| {
                row.get::<_, Option<i64>>(0)
            })?)
        })
    }

    /// Which of `call_ids` of `webhook_id`'s call log were already read. Blocking.
    pub fn known_calls(
        &self,
        webhook_id: &str,
        call_ids: &[String],
    ) -> Result<HashSet<String>, JournalError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT 1 FROM seen_calls WHERE webhook_id = ?1 AND call_id = ?2",
            )?;
            let mut known = HashSet::new();
            for id in call_ids {
                if stmt.exists(params![webhook_id, id])? {
                    known.insert(id.clone());
                }
            }
            Ok(known)
        })
    }
}

/// Sets the pragmas and creates the schema; returns whether FTS5 is available.
fn prepare(conn: &Connection) -> rusqlite::Result<bool> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a committed (and so acknowledged) append survives power loss, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // The writer touches a dozen indexes per event; keep their hot pages in memory.
    conn.pragma_update(None, "cache_size", -32_768)?;
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(crate::alerts::outbox::SCHEMA)?;
    let fts: bool = conn.query_row(
        "SELECT sqlite_compileoption_used('ENABLE_FTS5')",
        [],
        |row| row.get(0),
    )?;
    if fts {
        conn.execute_batch(FTS_SCHEMA)?;
    }
    conn.pragma_update(None, "user_version", 1)?;
    // Keep the statistics the planner uses fresh without a full ANALYZE.
    conn.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
    Ok(fts)
}

mod query;
mod writer;

use query::{
    Direction, count_by_minute, count_events, fts_upto, read_event, select_events, select_skipping,
};
use writer::{Writer, append_one};

#[cfg(test)]
mod tests;
