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
//! distinct attempts seen). Rejected deliveries have no dedup key and are always stored, so a
//! forged request can never overwrite or merge into a genuine one.
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

use super::Clock;
use super::event::{
    Causes, EventDetails, EventId, IncomingEvent, Origin, ReleaseInfo, TimelineEvent, Verdict,
    VerdictKind, summarize,
};
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
}

impl JournalConfig {
    /// Defaults for a journal at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            live_buffer: DEFAULT_LIVE_BUFFER,
            queue: DEFAULT_QUEUE,
            clock: Clock::System,
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
}

impl Journal {
    /// Opens (or creates) the journal and starts its writer thread. Must be called where a
    /// thread can be spawned; it does not need a tokio runtime.
    pub fn open(config: JournalConfig) -> Result<Self, JournalError> {
        let open_err = |message: String| JournalError::Open {
            path: config.path.clone(),
            message,
        };
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.to_string()))?;
        }
        let conn = Connection::open(&config.path).map_err(|e| open_err(e.to_string()))?;
        let fts = prepare(&conn).map_err(|e| open_err(e.to_string()))?;
        let (ops_tx, ops_rx) = mpsc::channel(config.queue.max(1));
        let (live, _) = broadcast::channel(config.live_buffer.max(1));
        let mut writer = Writer::new(conn, fts, live.clone(), config.clock.clone())
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
            append_one(&tx, event, None, now)?;
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

// ---- The writer -----------------------------------------------------------------------------

struct Writer {
    conn: Connection,
    fts: bool,
    live: broadcast::Sender<TimelineNotice>,
    clock: Clock,
    last_ms: i64,
    since_optimize: u64,
    /// The highest event id in the full-text index.
    fts_upto: i64,
    /// About how many events wait for the full-text index.
    fts_pending: i64,
}

/// An append waiting for the writer: the event, the logged call it comes from, and where to
/// send the outcome.
type AppendRequest = (
    Box<IncomingEvent>,
    Option<CallRef>,
    oneshot::Sender<Result<AppendOutcome, JournalError>>,
);

impl Writer {
    fn new(
        conn: Connection,
        fts: bool,
        live: broadcast::Sender<TimelineNotice>,
        clock: Clock,
    ) -> rusqlite::Result<Self> {
        let last_ms: Option<i64> =
            conn.query_row("SELECT MAX(received_ms) FROM events", [], |row| row.get(0))?;
        let fts_upto = fts_upto(&conn)?;
        let fts_pending: i64 = conn.query_row(
            "SELECT COUNT(*) FROM events WHERE id > ?1",
            [fts_upto],
            |row| row.get(0),
        )?;
        Ok(Self {
            conn,
            fts,
            live,
            clock,
            last_ms: last_ms.unwrap_or(i64::MIN),
            since_optimize: 0,
            fts_upto,
            fts_pending: if fts { fts_pending } else { 0 },
        })
    }

    fn run(&mut self, mut ops: mpsc::Receiver<WriteOp>) {
        // A tiny runtime of this thread's own, only to wait for work with a timeout.
        let idle_timer = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .ok();
        // After an idle pause, the index catches up chunk by chunk, between appends.
        let mut catching_up = false;
        loop {
            let first = if self.fts_pending > 0 && catching_up {
                match ops.try_recv() {
                    Ok(op) => {
                        catching_up = false;
                        op
                    }
                    Err(mpsc::error::TryRecvError::Empty) => {
                        self.index_text(FTS_BATCH);
                        continue;
                    }
                    Err(mpsc::error::TryRecvError::Disconnected) => break,
                }
            } else if let (Some(timer), true) = (&idle_timer, self.fts_pending > 0) {
                match timer.block_on(async { tokio::time::timeout(FTS_IDLE, ops.recv()).await }) {
                    Ok(Some(op)) => op,
                    Ok(None) => break,
                    Err(_) => {
                        catching_up = true;
                        continue;
                    }
                }
            } else {
                match ops.blocking_recv() {
                    Some(op) => op,
                    None => break,
                }
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match ops.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => break,
                }
            }
            let mut appends = Vec::with_capacity(batch.len());
            let mut retains = Vec::new();
            for op in batch {
                match op {
                    WriteOp::Append { event, call, reply } => {
                        appends.push((event, call, reply));
                    }
                    WriteOp::Retain { policy, reply } => retains.push((policy, reply)),
                }
            }
            if !appends.is_empty() {
                self.write_batch(appends);
            }
            for (policy, reply) in retains {
                let _ = reply.send(self.retain(policy));
            }
            if self.fts_pending >= FTS_BATCH || (idle_timer.is_none() && self.fts_pending > 0) {
                self.index_text(FTS_BATCH);
            }
            if self.since_optimize >= OPTIMIZE_EVERY {
                self.since_optimize = 0;
                if let Err(e) = self.conn.execute_batch("PRAGMA optimize;") {
                    tracing::warn!(%e, "timeline journal: PRAGMA optimize failed");
                }
            }
        }
        // Closing: what is not in the full-text index yet is indexed after the next start (it is
        // found by `LIKE` until then), so dropping the journal never waits for indexing.
    }

    /// Adds up to `max` events after [`Writer::fts_upto`] to the full-text index in one
    /// transaction. Indexing in batches, apart from the appends, keeps FTS5's segment merging
    /// cheap however small the append batches are. Returns how many were indexed.
    fn index_text(&mut self, max: i64) -> i64 {
        if !self.fts {
            self.fts_pending = 0;
            return 0;
        }
        let from = self.fts_upto;
        let indexed = (|| -> rusqlite::Result<(i64, i64)> {
            let tx = self.conn.transaction()?;
            let (count, upto): (i64, Option<i64>) = tx.query_row(
                "SELECT COUNT(*), MAX(id) FROM (SELECT id FROM events WHERE id > ?1 ORDER BY id LIMIT ?2)",
                params![from, max],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            let Some(upto) = upto else {
                return Ok((0, from));
            };
            tx.execute(
                "INSERT INTO events_fts (rowid, topic, summary, entity_id, body)
                 SELECT id, topic, summary, entity_id, CAST(substr(body, 1, ?3) AS TEXT)
                 FROM events WHERE id > ?1 AND id <= ?2",
                params![
                    from,
                    upto,
                    i64::try_from(FTS_BODY_LIMIT).unwrap_or(i64::MAX)
                ],
            )?;
            tx.execute("UPDATE meta SET value = ?1 WHERE key = 'fts_upto'", [upto])?;
            tx.commit()?;
            Ok((count, upto))
        })();
        match indexed {
            Ok((count, upto)) => {
                self.fts_upto = upto;
                self.fts_pending = if count < max {
                    0
                } else {
                    (self.fts_pending - count).max(1)
                };
                count
            }
            Err(e) => {
                tracing::error!(%e, "timeline journal: full-text indexing failed; text search falls back to LIKE for new events");
                self.fts_pending = 0;
                0
            }
        }
    }

    fn write_batch(&mut self, appends: Vec<AppendRequest>) {
        let now = self.clock.now_ms().max(self.last_ms);
        // Fast path: the whole batch in one transaction without savepoints. If any append fails, the batch is redone with one savepoint per append, so only the
        // failing one is refused.
        let results = match self.try_batch(&appends, now, false) {
            Ok(results) => Ok(results),
            Err(e) => {
                tracing::warn!(%e, "timeline journal: batch failed; retrying append by append");
                self.try_batch(&appends, now, true)
            }
        };
        match results {
            Ok(results) => {
                self.last_ms = now;
                for ((_, _, reply), result) in appends.into_iter().zip(results) {
                    if let Ok(outcome) = &result {
                        let notice = match outcome {
                            AppendOutcome::Appended(event) => {
                                self.since_optimize += 1;
                                if self.fts {
                                    self.fts_pending += 1;
                                }
                                Some(TimelineNotice::Appended(Arc::clone(event)))
                            }
                            AppendOutcome::Duplicate {
                                id,
                                attempt,
                                attempts,
                                counted: true,
                            } => Some(TimelineNotice::AttemptCounted {
                                id: *id,
                                attempt: *attempt,
                                attempts: *attempts,
                            }),
                            _ => None,
                        };
                        if let Some(notice) = notice {
                            // Err only when nobody listens.
                            let _ = self.live.send(notice);
                        }
                    }
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(%e, "timeline journal: a batch could not be committed");
                let error = JournalError::Sqlite(e.to_string());
                for (_, _, reply) in appends {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }

    /// Writes `appends` in one transaction and commits. Without `isolated`, the first failing
    /// append fails (and rolls back) the whole batch; with it, each append has its own savepoint
    /// and its own result.
    fn try_batch(
        &mut self,
        appends: &[AppendRequest],
        now: i64,
        isolated: bool,
    ) -> rusqlite::Result<Vec<Result<AppendOutcome, JournalError>>> {
        let tx = self.conn.transaction()?;
        let mut results = Vec::with_capacity(appends.len());
        for (event, call, _) in appends {
            let result = if isolated {
                append_in_savepoint(&tx, event, call.as_ref(), now)
            } else {
                Ok(append_one(&tx, event, call.as_ref(), now)?)
            };
            results.push(result);
        }
        tx.commit()?;
        Ok(results)
    }

    fn retain(&mut self, policy: Retention) -> Result<u64, JournalError> {
        let now = self.clock.now_ms();
        let mut first_kept: Option<i64> = None;
        let mut keep_from = |id: i64| first_kept = Some(first_kept.map_or(id, |k| k.max(id)));
        if let Some(age) = policy.max_age {
            let cutoff = now.saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX));
            let id: Option<i64> = self
                .conn
                .query_row(
                    "SELECT id FROM events WHERE received_ms >= ?1 ORDER BY received_ms, id LIMIT 1",
                    [cutoff],
                    |row| row.get(0),
                )
                .optional()?;
            let max: Option<i64> =
                self.conn
                    .query_row("SELECT MAX(id) FROM events", [], |row| row.get(0))?;
            keep_from(id.unwrap_or(max.unwrap_or(0).saturating_add(1)));
        }
        if let Some(max_events) = policy.max_events {
            if max_events == 0 {
                let max: Option<i64> =
                    self.conn
                        .query_row("SELECT MAX(id) FROM events", [], |row| row.get(0))?;
                keep_from(max.unwrap_or(0).saturating_add(1));
            } else {
                let offset = i64::try_from(max_events - 1).unwrap_or(i64::MAX);
                let id: Option<i64> = self
                    .conn
                    .query_row(
                        "SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?1",
                        [offset],
                        |row| row.get(0),
                    )
                    .optional()?;
                if let Some(id) = id {
                    keep_from(id);
                }
            }
        }
        let mut deleted = 0u64;
        if let Some(first_kept) = first_kept {
            loop {
                let tx = self.conn.transaction()?;
                let ids: Vec<i64> = {
                    let mut stmt = tx.prepare_cached(
                        "SELECT id FROM events WHERE id < ?1 ORDER BY id LIMIT ?2",
                    )?;
                    stmt.query_map(params![first_kept, RETENTION_CHUNK], |row| row.get(0))?
                        .collect::<Result<_, _>>()?
                };
                let Some(&last) = ids.last() else {
                    break;
                };
                let n = tx.execute("DELETE FROM events WHERE id <= ?1", [last])?;
                if self.fts {
                    // Only what the full-text index holds can be deleted from it.
                    let mut stmt = tx.prepare_cached("DELETE FROM events_fts WHERE rowid = ?1")?;
                    for id in ids.iter().filter(|id| **id <= self.fts_upto) {
                        stmt.execute([id])?;
                    }
                }
                tx.commit()?;
                deleted += n as u64;
            }
        }
        self.conn.execute(
            "DELETE FROM seen_calls WHERE seen_ms < ?1",
            [now.saturating_sub(SEEN_CALLS_KEEP_MS)],
        )?;
        Ok(deleted)
    }
}

/// Runs one append in its own savepoint, so a failure undoes only this append.
fn append_in_savepoint(
    tx: &rusqlite::Transaction<'_>,
    event: &IncomingEvent,
    call: Option<&CallRef>,
    now: i64,
) -> Result<AppendOutcome, JournalError> {
    tx.execute_batch("SAVEPOINT append")?;
    match append_one(tx, event, call, now) {
        Ok(outcome) => {
            tx.execute_batch("RELEASE append")?;
            Ok(outcome)
        }
        Err(e) => {
            let _ = tx.execute_batch("ROLLBACK TO append; RELEASE append");
            Err(JournalError::Sqlite(e.to_string()))
        }
    }
}

fn append_one(
    conn: &Connection,
    event: &IncomingEvent,
    call: Option<&CallRef>,
    now: i64,
) -> rusqlite::Result<AppendOutcome> {
    if let Some(call) = call {
        let mut seen = conn.prepare_cached(
            "INSERT OR IGNORE INTO seen_calls (webhook_id, call_id, seen_ms) VALUES (?1, ?2, ?3)",
        )?;
        if seen.execute(params![call.webhook_id, call.call_id, now])? == 0 {
            return Ok(AppendOutcome::KnownCall);
        }
    }
    let dedup_key = if event.verdict.is_accepted() {
        event
            .idempotency_key
            .clone()
            .or_else(|| call.map(|c| format!("call:{}:{}", c.webhook_id, c.call_id)))
    } else {
        None
    };
    if let Some(key) = &dedup_key {
        let mut find = conn.prepare_cached(
            "SELECT id, attempt, attempts, attempts_seen FROM events WHERE dedup_key = ?1",
        )?;
        let existing = find
            .query_row([key], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .optional()?;
        if let Some((id, attempt, attempts, seen)) = existing {
            let mut seen_list: Vec<u32> = seen.split(',').filter_map(|s| s.parse().ok()).collect();
            let counted = !seen_list.contains(&event.attempt);
            let attempt = u32::try_from(attempt).unwrap_or(1).max(event.attempt);
            let mut attempts = u32::try_from(attempts).unwrap_or(1);
            if counted {
                seen_list.push(event.attempt);
                seen_list.sort_unstable();
                attempts = attempts.saturating_add(1);
                let seen = join_attempts(&seen_list);
                conn.prepare_cached(
                    "UPDATE events SET attempt = ?2, attempts = ?3, attempts_seen = ?4 WHERE id = ?1",
                )?
                .execute(params![id, attempt, attempts, seen])?;
            }
            return Ok(AppendOutcome::Duplicate {
                id,
                attempt,
                attempts,
                counted,
            });
        }
    }

    let release_lookup = |release_id: &str| -> Option<ReleaseInfo> {
        conn.prepare_cached("SELECT title, entries, assets FROM release_info WHERE id = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([release_id], |row| {
                    Ok(ReleaseInfo {
                        title: row.get(0)?,
                        entries: usize::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                        assets: usize::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                    })
                })
                .optional()
            })
            .ok()
            .flatten()
    };
    let summary = summarize(event, &release_lookup);
    let headers = serde_json::to_string(&event.headers).unwrap_or_else(|_| "[]".to_owned());
    let causes = &event.causes;
    let (verdict_reason, verdict_detail) = match &event.verdict {
        Verdict::Verified => (None, None),
        Verdict::Unsigned { note } => (None, Some(note.as_str()).filter(|n| !n.is_empty())),
        Verdict::Rejected { reason, detail } => (Some(reason.as_str()), Some(detail.as_str())),
    };
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (received_ms, event_ms, origin, source, topic, entity_type, action,
            entity_id, version, environment, action_status, release_id, release_version,
            release_action_id, bulk_action_id, scheduled_action_id, attempt, attempts,
            attempts_seen, idempotency_key, dedup_key, webhook_name, verdict, verdict_reason,
            verdict_detail, http_status, call_id, summary, headers, body, body_len)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 1,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
    )?;
    let call_id = event
        .call_id
        .clone()
        .or_else(|| call.map(|c| c.call_id.clone()));
    insert.execute(params![
        now,
        event.event_at.map(|t| t.as_millis()),
        event.origin.as_str(),
        event.source,
        event.topic,
        event.entity_type,
        event.action,
        event.entity_id,
        event.version.and_then(|v| i64::try_from(v).ok()),
        event.environment,
        event.action_status,
        causes.release_id,
        causes.release_version,
        causes.release_action_id,
        causes.bulk_action_id,
        causes.scheduled_action_id,
        event.attempt,
        event.attempt.to_string(),
        event.idempotency_key,
        dedup_key,
        event.webhook_name,
        event.verdict.kind().as_str(),
        verdict_reason,
        verdict_detail,
        event.http_status,
        call_id,
        summary,
        headers,
        event.body,
        i64::try_from(event.body_len).unwrap_or(i64::MAX),
    ])?;
    let id = conn.last_insert_rowid();
    if let Some((release_id, info)) = event.release_info() {
        if event.action == "delete" {
            conn.prepare_cached("DELETE FROM release_info WHERE id = ?1")?
                .execute([&release_id])?;
        } else {
            conn.prepare_cached(
                "INSERT INTO release_info (id, title, entries, assets) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title,
                    entries = excluded.entries, assets = excluded.assets",
            )?
            .execute(params![
                release_id,
                info.title,
                i64::try_from(info.entries).unwrap_or(0),
                i64::try_from(info.assets).unwrap_or(0)
            ])?;
        }
    }
    Ok(AppendOutcome::Appended(Arc::new(TimelineEvent {
        id,
        received_at: Timestamp::from_millis(now).unwrap_or_else(Timestamp::now),
        event_at: event.event_at,
        origin: event.origin,
        source: event.source.clone(),
        topic: event.topic.clone(),
        entity_type: event.entity_type.clone(),
        action: event.action.clone(),
        entity_id: event.entity_id.clone(),
        version: event.version,
        environment: event.environment.clone(),
        action_status: event.action_status.clone(),
        causes: event.causes.clone(),
        attempt: event.attempt,
        attempts: 1,
        idempotency_key: event.idempotency_key.clone(),
        webhook_name: event.webhook_name.clone(),
        verdict: event.verdict.clone(),
        http_status: event.http_status,
        call_id,
        summary,
        body_len: event.body_len,
    })))
}

fn join_attempts(attempts: &[u32]) -> String {
    attempts
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

// ---- Queries --------------------------------------------------------------------------------

/// Which way a query pages.
#[derive(Debug, Clone, Copy)]
enum Direction {
    /// Newest first, ids below the given one (all when `None`).
    Older(Option<EventId>),
    /// Oldest first, ids above the given one.
    Newer(EventId),
}

/// Reads the [`EVENT_COLUMNS`] of a row.
fn read_event(row: &Row<'_>) -> rusqlite::Result<TimelineEvent> {
    let ms = |v: Option<i64>| v.and_then(Timestamp::from_millis);
    let received_ms: i64 = row.get(1)?;
    Ok(TimelineEvent {
        id: row.get(0)?,
        received_at: Timestamp::from_millis(received_ms).unwrap_or_else(Timestamp::now),
        event_at: ms(row.get(2)?),
        origin: Origin::parse(&row.get::<_, String>(3)?),
        source: row.get(4)?,
        topic: row.get(5)?,
        entity_type: row.get(6)?,
        action: row.get(7)?,
        entity_id: row.get(8)?,
        version: row
            .get::<_, Option<i64>>(9)?
            .and_then(|v| u64::try_from(v).ok()),
        environment: row.get(10)?,
        action_status: row.get(11)?,
        causes: Causes {
            release_id: row.get(12)?,
            release_version: row.get(13)?,
            release_action_id: row.get(14)?,
            bulk_action_id: row.get(15)?,
            scheduled_action_id: row.get(16)?,
        },
        attempt: u32::try_from(row.get::<_, i64>(17)?).unwrap_or(1),
        attempts: u32::try_from(row.get::<_, i64>(18)?).unwrap_or(1),
        idempotency_key: row.get(19)?,
        webhook_name: row.get(20)?,
        verdict: Verdict::from_columns(&row.get::<_, String>(21)?, row.get(22)?, row.get(23)?),
        http_status: u16::try_from(row.get::<_, i64>(24)?).unwrap_or(0),
        call_id: row.get(25)?,
        summary: row.get(26)?,
        body_len: u64::try_from(row.get::<_, i64>(27)?).unwrap_or(0),
    })
}

/// A WHERE clause and its parameters. Terms write `{id}` for the id column, which is `e.id`
/// or `f.rowid` depending on which table drives the query.
#[derive(Clone, Default)]
struct Conditions {
    terms: Vec<String>,
    params: Vec<SqlValue>,
    /// Whether the filter can match nothing at all (an empty id range).
    empty: bool,
}

impl Conditions {
    fn push(&mut self, term: String, values: impl IntoIterator<Item = SqlValue>) {
        self.terms.push(term);
        self.params.extend(values);
    }

    fn next_param(&self) -> usize {
        self.params.len() + 1
    }

    /// `{id} <op> value`.
    fn id(&mut self, op: &str, value: i64) {
        let n = self.next_param();
        self.push(format!("{{id}} {op} ?{n}"), [SqlValue::Integer(value)]);
    }

    /// Every word must appear (as a substring, case-insensitively for ASCII) in the topic,
    /// summary, entity id or body.
    fn like_words(&mut self, words: &[String]) {
        for word in words {
            let n = self.next_param();
            self.push(
                format!(
                    "(e.topic LIKE ?{n} ESCAPE '\\' OR e.summary LIKE ?{n} ESCAPE '\\' \
                     OR e.entity_id LIKE ?{n} ESCAPE '\\' \
                     OR CAST(e.body AS TEXT) LIKE ?{n} ESCAPE '\\')"
                ),
                [SqlValue::Text(format!("%{}%", like_escape(word)))],
            );
        }
    }

    /// The conditions joined with AND, with `{id}` standing for `id_column`.
    fn clause(&self, id_column: &str) -> String {
        if self.terms.is_empty() {
            "1".to_owned()
        } else {
            self.terms.join(" AND ").replace("{id}", id_column)
        }
    }
}

/// The conditions of `filter` other than its text. Time bounds become id bounds.
fn conditions(conn: &Connection, filter: &EventFilter) -> rusqlite::Result<Conditions> {
    let mut c = Conditions::default();
    if !filter.topics.is_empty() {
        let start = c.next_param();
        let marks: Vec<String> = (0..filter.topics.len())
            .map(|i| format!("?{}", start + i))
            .collect();
        c.push(
            format!("e.topic IN ({})", marks.join(", ")),
            filter.topics.iter().map(|t| SqlValue::Text(t.clone())),
        );
    }
    let equal = |c: &mut Conditions, column: &str, value: Option<String>| {
        if let Some(value) = value {
            let n = c.next_param();
            c.push(format!("e.{column} = ?{n}"), [SqlValue::Text(value)]);
        }
    };
    equal(&mut c, "entity_type", filter.entity_type.clone());
    equal(&mut c, "entity_id", filter.entity_id.clone());
    equal(&mut c, "action_status", filter.action_status.clone());
    equal(
        &mut c,
        "verdict",
        filter.verdict.map(|v| v.as_str().to_owned()),
    );
    if let Some(cause) = &filter.caused_by {
        let n = c.next_param();
        c.push(
            format!(
                "(e.release_id = ?{n} OR e.release_action_id = ?{n} OR e.bulk_action_id = ?{n} \
                 OR e.scheduled_action_id = ?{n})"
            ),
            [SqlValue::Text(cause.clone())],
        );
    }
    // Received times never decrease with id, so a time range is an id range.
    let first_id_from = |ms: i64| -> rusqlite::Result<i64> {
        let found: Option<i64> = conn
            .query_row(
                "SELECT id FROM events WHERE received_ms >= ?1 ORDER BY received_ms, id LIMIT 1",
                [ms],
                |row| row.get(0),
            )
            .optional()?;
        match found {
            Some(id) => Ok(id),
            None => {
                let max: Option<i64> =
                    conn.query_row("SELECT MAX(id) FROM events", [], |row| row.get(0))?;
                Ok(max.unwrap_or(0).saturating_add(1))
            }
        }
    };
    let low = filter
        .from
        .map(|from| first_id_from(from.as_millis()))
        .transpose()?;
    let high = filter
        .until
        .map(|until| first_id_from(until.as_millis()))
        .transpose()?;
    if let Some(low) = low {
        c.id(">=", low);
    }
    if let Some(high) = high {
        c.id("<", high);
    }
    if let (Some(low), Some(high)) = (low, high)
        && low >= high
    {
        c.empty = true;
    }
    Ok(c)
}

/// The words of a free-text filter: whitespace-separated, each with a letter or digit.
/// `None` when there is no text filter; `Some(empty)` when the text has no usable word (so it
/// matches nothing).
fn text_words(filter: &EventFilter) -> Option<Vec<String>> {
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())?;
    Some(
        text.split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .map(str::to_owned)
            .collect(),
    )
}

/// An FTS5 query: every word must appear, each as a prefix (`"spring"* "launch"*`).
fn fts_query(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The highest event id the full-text index covers.
fn fts_upto(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = 'fts_upto'", [], |row| {
            row.get::<_, i64>(0)
        })
        .optional()?
        .unwrap_or(0))
}

/// Adds the paging bound and runs a query over `events` (alias `e`).
fn run_plain(
    conn: &Connection,
    mut c: Conditions,
    direction: Direction,
    limit: usize,
) -> Result<Vec<TimelineEvent>, JournalError> {
    let order = match direction {
        Direction::Older(before) => {
            if let Some(before) = before {
                c.id("<", before);
            }
            "DESC"
        }
        Direction::Newer(after) => {
            c.id(">", after);
            "ASC"
        }
    };
    let limit_param = c.next_param();
    c.params
        .push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE {} ORDER BY e.id {order} LIMIT ?{limit_param}",
        c.clause("e.id")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(c.params.iter()), read_event)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Adds the paging bound and runs a query driven by the full-text index.
fn run_fts(
    conn: &Connection,
    mut c: Conditions,
    query: &str,
    direction: Direction,
    limit: usize,
) -> Result<Vec<TimelineEvent>, JournalError> {
    let order = match direction {
        Direction::Older(before) => {
            if let Some(before) = before {
                c.id("<", before);
            }
            "DESC"
        }
        Direction::Newer(after) => {
            c.id(">", after);
            "ASC"
        }
    };
    let match_param = c.next_param();
    c.params.push(SqlValue::Text(query.to_owned()));
    let limit_param = c.next_param();
    c.params
        .push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    // FTS5 yields matches in rowid order and honours rowid bounds, so the text index drives
    // the scan and stops after `limit` rows that pass the other conditions.
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events_fts f CROSS JOIN events e ON e.id = f.rowid \
         WHERE events_fts MATCH ?{match_param} AND {} \
         ORDER BY f.rowid {order} LIMIT ?{limit_param}",
        c.clause("f.rowid")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(c.params.iter()), read_event)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn select_events(
    conn: &Connection,
    fts: bool,
    filter: &EventFilter,
    direction: Direction,
    limit: usize,
) -> Result<Vec<TimelineEvent>, JournalError> {
    let c = conditions(conn, filter)?;
    if c.empty {
        return Ok(Vec::new());
    }
    let Some(words) = text_words(filter) else {
        if filter.topics.len() > 1 {
            // Several topics: one index range scan per topic, merged (SQLite would otherwise
            // collect every match of the IN list and sort it).
            return select_topics_merged(conn, fts, filter, direction, limit);
        }
        return run_plain(conn, c, direction, limit);
    };
    if words.is_empty() {
        return Ok(Vec::new());
    }
    if !fts {
        let mut c = c;
        c.like_words(&words);
        return run_plain(conn, c, direction, limit);
    }
    // Events up to `upto` are in the full-text index; the few after it are not indexed yet
    // and are matched with LIKE.
    let upto = fts_upto(conn)?;
    let query = fts_query(&words);
    let mut indexed = c.clone();
    indexed.id("<=", upto);
    let mut tail = c;
    tail.id(">", upto);
    tail.like_words(&words);
    let mut events = match direction {
        Direction::Older(_) => run_plain(conn, tail.clone(), direction, limit)?,
        Direction::Newer(_) => run_fts(conn, indexed.clone(), &query, direction, limit)?,
    };
    if events.len() < limit {
        let rest = limit - events.len();
        match direction {
            Direction::Older(_) => events.extend(run_fts(conn, indexed, &query, direction, rest)?),
            Direction::Newer(_) => events.extend(run_plain(conn, tail, direction, rest)?),
        }
    }
    Ok(events)
}

/// Newest first below `before`, skipping `skip` rows (`OFFSET`): every condition, free text
/// included, in one WHERE clause, so SQLite walks the id order once.
fn select_skipping(
    conn: &Connection,
    fts: bool,
    filter: &EventFilter,
    before: Option<EventId>,
    skip: u64,
    limit: usize,
) -> Result<Vec<TimelineEvent>, JournalError> {
    let mut c = conditions(conn, filter)?;
    if c.empty {
        return Ok(Vec::new());
    }
    if let Some(before) = before {
        c.id("<", before);
    }
    if let Some(words) = text_words(filter) {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        if fts {
            // Indexed events through FTS5, the not-yet-indexed tail through LIKE.
            let upto = fts_upto(conn)?;
            let a = c.next_param();
            c.params.push(SqlValue::Integer(upto));
            let b = c.next_param();
            c.params.push(SqlValue::Text(fts_query(&words)));
            let mut likes = Vec::new();
            for word in &words {
                let n = c.next_param();
                c.params
                    .push(SqlValue::Text(format!("%{}%", like_escape(word))));
                likes.push(format!(
                    "(e.topic LIKE ?{n} ESCAPE '\\' OR e.summary LIKE ?{n} ESCAPE '\\' \
                     OR e.entity_id LIKE ?{n} ESCAPE '\\' \
                     OR CAST(e.body AS TEXT) LIKE ?{n} ESCAPE '\\')"
                ));
            }
            c.terms.push(format!(
                "(({{id}} <= ?{a} AND {{id}} IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?{b})) \
                 OR ({{id}} > ?{a} AND {}))",
                likes.join(" AND ")
            ));
        } else {
            c.like_words(&words);
        }
    }
    let limit_param = c.next_param();
    c.params
        .push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let offset_param = c.next_param();
    c.params
        .push(SqlValue::Integer(i64::try_from(skip).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE {} ORDER BY e.id DESC \
         LIMIT ?{limit_param} OFFSET ?{offset_param}",
        c.clause("e.id")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(c.params.iter()), read_event)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// A multi-topic query as one query per topic, merged by id.
fn select_topics_merged(
    conn: &Connection,
    fts: bool,
    filter: &EventFilter,
    direction: Direction,
    limit: usize,
) -> Result<Vec<TimelineEvent>, JournalError> {
    let mut topics = filter.topics.clone();
    topics.sort();
    topics.dedup();
    let mut all = Vec::new();
    for topic in topics {
        let single = EventFilter {
            topics: vec![topic],
            ..filter.clone()
        };
        all.extend(select_events(conn, fts, &single, direction, limit)?);
    }
    match direction {
        Direction::Older(_) => all.sort_by_key(|e| std::cmp::Reverse(e.id)),
        Direction::Newer(_) => all.sort_by_key(|e| e.id),
    }
    all.truncate(limit);
    Ok(all)
}

fn count_events(
    conn: &Connection,
    fts: bool,
    filter: &EventFilter,
    below: Option<EventId>,
) -> Result<u64, JournalError> {
    let mut c = conditions(conn, filter)?;
    if c.empty {
        return Ok(0);
    }
    if let Some(below) = below {
        c.id("<", below);
    }
    let count = |sql: String, c: &Conditions| -> Result<u64, JournalError> {
        let mut stmt = conn.prepare_cached(&sql)?;
        let n: i64 = stmt.query_row(rusqlite::params_from_iter(c.params.iter()), |row| {
            row.get(0)
        })?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let plain = |c: &Conditions| {
        count(
            format!("SELECT COUNT(*) FROM events e WHERE {}", c.clause("e.id")),
            c,
        )
    };
    let Some(words) = text_words(filter) else {
        return plain(&c);
    };
    if words.is_empty() {
        return Ok(0);
    }
    if !fts {
        let mut c = c;
        c.like_words(&words);
        return plain(&c);
    }
    let upto = fts_upto(conn)?;
    let mut tail = c.clone();
    tail.id(">", upto);
    tail.like_words(&words);
    let mut indexed = c;
    indexed.id("<=", upto);
    let n = indexed.next_param();
    indexed.params.push(SqlValue::Text(fts_query(&words)));
    let in_index = count(
        format!(
            "SELECT COUNT(*) FROM events_fts f CROSS JOIN events e ON e.id = f.rowid \
             WHERE events_fts MATCH ?{n} AND {}",
            indexed.clause("f.rowid")
        ),
        &indexed,
    )?;
    Ok(in_index + plain(&tail)?)
}

/// `(minute, topic, count)` of the events matching `filter`, oldest minute first.
fn count_by_minute(
    conn: &Connection,
    fts: bool,
    filter: &EventFilter,
) -> Result<Vec<(i64, String, u64)>, JournalError> {
    let c = conditions(conn, filter)?;
    if c.empty {
        return Ok(Vec::new());
    }
    let mut merged: BTreeMap<(i64, String), u64> = BTreeMap::new();
    let mut run = |from: &str, c: &Conditions, id_column: &str| -> Result<(), JournalError> {
        let sql = format!(
            "SELECT e.received_ms / 60000 AS minute, e.topic, COUNT(*) FROM {from} \
             {} GROUP BY minute, e.topic",
            c.clause(id_column)
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(c.params.iter()), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (minute, topic, n) = row?;
            *merged.entry((minute, topic)).or_default() += u64::try_from(n).unwrap_or(0);
        }
        Ok(())
    };
    match text_words(filter) {
        None => run("events e WHERE", &c, "e.id")?,
        Some(words) if words.is_empty() => {}
        Some(words) if !fts => {
            let mut c = c;
            c.like_words(&words);
            run("events e WHERE", &c, "e.id")?;
        }
        Some(words) => {
            // The index covers events up to `fts_upto`; newer ones are matched with LIKE.
            let upto = fts_upto(conn)?;
            let mut tail = c.clone();
            tail.id(">", upto);
            tail.like_words(&words);
            run("events e WHERE", &tail, "e.id")?;
            let mut indexed = c;
            indexed.id("<=", upto);
            let n = indexed.next_param();
            indexed.params.push(SqlValue::Text(fts_query(&words)));
            let from = format!(
                "events_fts f CROSS JOIN events e ON e.id = f.rowid WHERE events_fts MATCH ?{n} AND"
            );
            run(&from, &indexed, "f.rowid")?;
        }
    }
    Ok(merged
        .into_iter()
        .map(|((minute, topic), n)| (minute, topic, n))
        .collect())
}

#[cfg(test)]
mod tests;
