//! The sandbox's SQLite store: every CMA object as a JSON document, plus the webhook call log
//! and settings.
//!
//! Documents are stored as the very JSON the API serves (the `cma` types), keyed by kind and id,
//! with a monotonically increasing `seq` for stable ordering. Fetching one document is a
//! primary-key read. Lists must stay fast in a real-sized space (50,000 entries, 5,000
//! releases), so entries, assets, releases, release actions and scheduled actions also have their
//! queryable facts in indexed side tables ([`super::index`]), which [`Tx::put`] and
//! [`Tx::delete`] keep in the same transaction as the document: list endpoints filter, order,
//! page and count in SQL and decode only the page they answer. Other kinds (content types,
//! locales, webhooks, …) stay few and are read whole.
//!
//! One [`rusqlite::Connection`] is owned by the store; callers reach it through a mutex in the
//! sandbox core. Every write is an *immediate* transaction (it takes SQLite's write lock when it
//! begins, so a competing writer makes it wait up to the busy timeout instead of failing at
//! commit); the database is in WAL mode with `synchronous=NORMAL`, so an acknowledged write
//! survives a process crash. The database and its WAL are owner-only files (they hold the token
//! and the signing secret).
//!
//! The **outbox** holds every webhook delivery a write caused, inserted in the same transaction
//! as the write: a delivery exists if and only if its cause committed. The dispatcher records
//! each attempt in the call log and moves the delivery's retry schedule (or marks it final) in
//! one transaction, and at start resumes every delivery that is not final.

use std::path::Path;

use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A failure of the store: SQLite, or a document that no longer decodes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored document does not decode as its type.
    #[error("stored {kind} '{id}' is corrupt: {message}")]
    Corrupt {
        /// Document kind.
        kind: String,
        /// Document id.
        id: String,
        /// Decoder message.
        message: String,
    },
    /// Encoding a document failed (should not happen for `cma` types).
    #[error("encoding {kind}: {message}")]
    Encode {
        /// Document kind.
        kind: &'static str,
        /// Encoder message.
        message: String,
    },
    /// The database file could not be made private.
    #[error("cannot protect the database file: {0}")]
    Permissions(String),
}

impl StoreError {
    /// Whether trying again may succeed: another connection held the database lock beyond the
    /// busy timeout.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        )
    }
}

/// Kinds of documents, as stored in the `kind` column.
pub mod kind {
    /// Entries.
    pub const ENTRY: &str = "Entry";
    /// Assets.
    pub const ASSET: &str = "Asset";
    /// Content types (their current form).
    pub const CONTENT_TYPE: &str = "ContentType";
    /// The published form of content types, which entries are validated against.
    pub const PUBLISHED_CONTENT_TYPE: &str = "PublishedContentType";
    /// Editor interfaces, keyed by content type id.
    pub const EDITOR_INTERFACE: &str = "EditorInterface";
    /// Tags.
    pub const TAG: &str = "Tag";
    /// Locales.
    pub const LOCALE: &str = "Locale";
    /// Releases.
    pub const RELEASE: &str = "Release";
    /// Release actions.
    pub const RELEASE_ACTION: &str = "ReleaseAction";
    /// Bulk actions.
    pub const BULK_ACTION: &str = "BulkAction";
    /// Scheduled actions.
    pub const SCHEDULED_ACTION: &str = "ScheduledAction";
    /// Webhook definitions (stored with secret header values; redacted when served).
    pub const WEBHOOK: &str = "WebhookDefinition";
    /// The published snapshot of an entry (what `/public/entries` serves), written at publish,
    /// removed at unpublish and delete.
    pub const PUBLISHED_ENTRY: &str = "PublishedEntry";
    /// What the sandbox remembers about a release action that Contentful's JSON does not show
    /// (the schedule that started it, what a validation validates for); never served.
    pub const ACTION_CONTEXT: &str = "ReleaseActionContext";
}

/// The SQLite-backed document store.
pub struct Store {
    conn: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    seq  INTEGER NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS docs_by_seq ON docs (seq);
CREATE INDEX IF NOT EXISTS docs_by_kind_seq ON docs (kind, seq);
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS webhook_calls (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    webhook_id TEXT NOT NULL,
    healthy    INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    json       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_calls_by_hook ON webhook_calls (webhook_id, seq);
CREATE TABLE IF NOT EXISTS outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  TEXT NOT NULL,
    delivery    TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at_ms  INTEGER,
    final       INTEGER NOT NULL DEFAULT 0,
    created_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_open ON outbox (final, id);
";

/// How long a statement waits for another connection's lock before it fails (transiently).
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// SQLite's busy handler for the store: SQLite's own back-off schedule (1 ms growing to
/// 100 ms) up to [`BUSY_TIMEOUT`], but each pause is taken with [`off_runtime`], so a sandbox
/// waiting for a lock held by another process keeps serving on its other tasks.
fn wait_while_busy(attempt: i32) -> bool {
    const DELAYS_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    let attempt = usize::try_from(attempt).unwrap_or(0);
    let waited_ms: u64 = DELAYS_MS.iter().take(attempt).sum::<u64>()
        + (attempt.saturating_sub(DELAYS_MS.len()) as u64) * 100;
    if u128::from(waited_ms) >= BUSY_TIMEOUT.as_millis() {
        return false;
    }
    let delay = DELAYS_MS.get(attempt).copied().unwrap_or(100);
    off_runtime(|| std::thread::sleep(std::time::Duration::from_millis(delay)));
    true
}

/// Runs blocking work `f` so that it does not stall the tokio runtime it is called on: on a
/// multi-thread runtime's worker the worker's other tasks move to another thread first
/// (`block_in_place`); elsewhere (a current-thread runtime, a blocking thread, no runtime) `f`
/// just runs.
pub fn off_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// Final outbox rows kept (the newest) when the outbox is pruned at start.
pub const OUTBOX_FINAL_KEEP: i64 = 10_000;

/// The page cache's limit, in KiB (SQLite's negative `cache_size`): 64 MiB.
const CACHE_KIB: i64 = -65_536;
/// How much of the database file reads may map (`mmap_size`): 1 GiB of address space.
const MMAP_BYTES: i64 = 1 << 30;

/// A delivery in the outbox that is not final yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// The row id: enqueue order.
    pub id: i64,
    /// The delivery JSON (event and target) as [`Tx::outbox_insert`] stored it.
    pub delivery: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (Unix ms); `None` for a first attempt.
    pub next_at_ms: Option<i64>,
}

impl Store {
    /// Opens (or creates) the database file `sandbox.sqlite3` in `dir`, owner-only.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join("sandbox.sqlite3");
        let private =
            |e: std::io::Error| StoreError::Permissions(format!("{}: {e}", path.display()));
        crate::private_fs::prepare_private_database(&path).map_err(private)?;
        let conn = Connection::open(&path)?;
        let store = Self::init(conn)?;
        crate::private_fs::restrict_database_files(&path).map_err(private)?;
        Ok(store)
    }

    /// An in-memory store (tests, benchmarks).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A list page reads a few hundred pages of a database that may hold 50,000 documents:
        // with SQLite's default 2 MiB cache every request read them again through `pread`
        // (profiled: kernel copies were the largest cost of `GET /entries` on the big seed).
        // Reads go through a memory map instead, and hot pages stay in a larger cache; both
        // are limits, not allocations (the map's pages are the OS's file cache).
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        conn.busy_handler(Some(wait_while_busy))?;
        conn.execute_batch(SCHEMA)?;
        super::index::drop_outdated(&conn)?;
        conn.execute_batch(super::index::SCHEMA)?;
        // A database from before the index (or an older one) is indexed once, here.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let indexed = super::index::ensure(&tx)?;
        tx.commit()?;
        if indexed > 0 {
            tracing::info!(
                indexed,
                "sandbox store: list index built for existing documents"
            );
        }
        Ok(Self { conn })
    }

    /// Runs `f` in one immediate transaction; commits if it returns `Ok`, rolls back otherwise.
    pub fn write<T, E>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let mut tx = Tx { tx };
        let value = f(&mut tx)?;
        tx.tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// Copies the write-ahead log into the database and truncates it (`wal_checkpoint(TRUNCATE)`).
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Reads inside a (deferred) transaction, so the view is consistent.
    pub fn read<T, E>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let mut tx = Tx { tx };
        f(&mut tx)
    }
}

/// A transaction over the store; every document operation goes through it.
pub struct Tx<'c> {
    tx: Transaction<'c>,
}

impl Tx<'_> {
    /// One document, decoded.
    pub fn get<T: DeserializeOwned>(&self, kind: &str, id: &str) -> Result<Option<T>, StoreError> {
        let json: Option<String> = self
            .tx
            .query_row(
                "SELECT json FROM docs WHERE kind = ?1 AND id = ?2",
                params![kind, id],
                |row| row.get(0),
            )
            .optional()?;
        json.map(|j| decode(kind, id, &j)).transpose()
    }

    /// Every document of a kind, in insertion order.
    pub fn all<T: DeserializeOwned>(&self, kind: &str) -> Result<Vec<T>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, json FROM docs WHERE kind = ?1 ORDER BY seq")?;
        let rows = stmt.query_map(params![kind], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row?;
            out.push(decode(kind, &id, &json)?);
        }
        Ok(out)
    }

    /// How many documents of a kind exist.
    pub fn count(&self, kind: &str) -> Result<u64, StoreError> {
        Ok(self.tx.query_row(
            "SELECT COUNT(*) FROM docs WHERE kind = ?1",
            params![kind],
            |row| row.get::<_, i64>(0),
        )? as u64)
    }

    /// Inserts or replaces a document (its `seq` is kept on replace, so order is creation order),
    /// and, for an indexed kind, its index rows.
    pub fn put<T: Serialize>(
        &self,
        kind: &'static str,
        id: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let encode = |e: serde_json::Error| StoreError::Encode {
            kind,
            message: e.to_string(),
        };
        let indexed = super::index::is_indexed(kind);
        // The index reads the document as JSON; encode once and write that.
        let doc = if indexed {
            Some(serde_json::to_value(value).map_err(encode)?)
        } else {
            None
        };
        let json = match &doc {
            Some(doc) => serde_json::to_string(doc),
            None => serde_json::to_string(value),
        }
        .map_err(encode)?;
        let seq: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO docs (kind, id, seq, json)
                 VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM docs), ?3)
                 ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json
                 RETURNING seq",
            )?
            .query_row(params![kind, id, json], |row| row.get(0))?;
        if let Some(doc) = &doc {
            super::index::on_put(&self.tx, kind, id, seq, doc)?;
        }
        Ok(())
    }

    /// Deletes a document (and its index rows); returns whether it existed.
    pub fn delete(&self, kind: &str, id: &str) -> Result<bool, StoreError> {
        let existed = self
            .tx
            .prepare_cached("DELETE FROM docs WHERE kind = ?1 AND id = ?2")?
            .execute(params![kind, id])?
            > 0;
        if existed {
            super::index::on_delete(&self.tx, kind, id)?;
        }
        Ok(existed)
    }

    /// The connection, for the list queries of [`super::index::Select`].
    pub fn sql(&self) -> &Connection {
        &self.tx
    }

    /// A setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Removes a setting.
    pub fn delete_setting(&self, key: &str) -> Result<(), StoreError> {
        self.tx
            .execute("DELETE FROM settings WHERE key = ?1", params![key])?;
        Ok(())
    }

    /// Appends one webhook call (its details JSON) to the call log.
    pub fn append_call(
        &self,
        id: &str,
        webhook_id: &str,
        healthy: bool,
        created_ms: i64,
        details_json: &str,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT OR IGNORE INTO webhook_calls (id, webhook_id, healthy, created_ms, json)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, webhook_id, healthy, created_ms, details_json],
        )?;
        Ok(())
    }

    /// A page of a webhook's calls, newest first, and the total count.
    pub fn calls(
        &self,
        webhook_id: &str,
        skip: u64,
        limit: u64,
    ) -> Result<(Vec<serde_json::Value>, u64), StoreError> {
        let total: i64 = self.tx.query_row(
            "SELECT COUNT(*) FROM webhook_calls WHERE webhook_id = ?1",
            params![webhook_id],
            |row| row.get(0),
        )?;
        let mut stmt = self.tx.prepare_cached(
            "SELECT id, json FROM webhook_calls WHERE webhook_id = ?1
             ORDER BY seq DESC LIMIT ?2 OFFSET ?3",
        )?;
        let rows = stmt.query_map(params![webhook_id, limit as i64, skip as i64], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row?;
            out.push(decode("WebhookCall", &id, &json)?);
        }
        Ok((out, total as u64))
    }

    /// One call's details JSON.
    pub fn call(
        &self,
        webhook_id: &str,
        id: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let json: Option<String> = self
            .tx
            .query_row(
                "SELECT json FROM webhook_calls WHERE webhook_id = ?1 AND id = ?2",
                params![webhook_id, id],
                |row| row.get(0),
            )
            .optional()?;
        json.map(|j| decode("WebhookCall", id, &j)).transpose()
    }

    /// Total and healthy (2xx) calls of a webhook since `since_ms`.
    pub fn call_health(&self, webhook_id: &str, since_ms: i64) -> Result<(u64, u64), StoreError> {
        Ok(self.tx.query_row(
            "SELECT COUNT(*), COALESCE(SUM(healthy), 0) FROM webhook_calls
             WHERE webhook_id = ?1 AND created_ms >= ?2",
            params![webhook_id, since_ms],
            |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
        )?)
    }

    /// Deletes everything (the "reset sandbox" action).
    pub fn clear(&self) -> Result<(), StoreError> {
        self.tx.execute_batch(
            "DELETE FROM docs; DELETE FROM webhook_calls; DELETE FROM settings; DELETE FROM outbox;",
        )?;
        super::index::clear(&self.tx)?;
        Ok(())
    }

    /// Adds a delivery to the outbox; returns its id (its place in delivery order).
    pub fn outbox_insert(
        &self,
        webhook_id: &str,
        delivery_json: &str,
        created_ms: i64,
    ) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (webhook_id, delivery, created_ms) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![webhook_id, delivery_json, created_ms])?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Every delivery that is not final, in enqueue order.
    pub fn outbox_open(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT id, delivery, attempts, next_at_ms FROM outbox WHERE final = 0 ORDER BY id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(OutboxRow {
                id: row.get(0)?,
                delivery: row.get(1)?,
                attempts: u32::try_from(row.get::<_, i64>(2)?).unwrap_or(u32::MAX),
                next_at_ms: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records that `attempts` attempts of a delivery were made: the next is due at
    /// `next_at_ms`, or, when `None`, the delivery is final.
    pub fn outbox_attempted(
        &self,
        id: i64,
        attempts: u32,
        next_at_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE outbox SET attempts = ?2, next_at_ms = ?3, final = ?4 WHERE id = ?1",
            )?
            .execute(params![id, attempts, next_at_ms, next_at_ms.is_none()])?;
        Ok(())
    }

    /// How many deliveries are not final.
    pub fn outbox_open_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .tx
            .query_row("SELECT COUNT(*) FROM outbox WHERE final = 0", [], |row| {
                row.get::<_, i64>(0)
            })? as u64)
    }

    /// Deletes final deliveries beyond the newest `keep`.
    pub fn outbox_prune(&self, keep: i64) -> Result<u64, StoreError> {
        Ok(self.tx.execute(
            "DELETE FROM outbox WHERE final = 1 AND id < (
                SELECT COALESCE(MIN(id), 0) FROM (
                    SELECT id FROM outbox WHERE final = 1 ORDER BY id DESC LIMIT ?1))",
            params![keep],
        )? as u64)
    }
}

fn decode<T: DeserializeOwned>(kind: &str, id: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        kind: kind.to_owned(),
        id: id.to_owned(),
        message: e.to_string(),
    })
}
