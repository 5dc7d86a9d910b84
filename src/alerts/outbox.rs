//! The alerts outbox: the deliveries rules owe, kept in the journal's own database.
//!
//! The journal's writer calls `enqueue_for_event` inside the very transaction that appends an
//! event, so a delivery exists if and only if its event committed (a crash between the two
//! cannot lose one or invent one). Only a *new* event row enqueues: a delivery Contentful
//! retries under the same idempotency key is merged into the first row by the journal and
//! enqueues nothing, and the table is `UNIQUE (rule_id, event_key)` besides, so a rule posts
//! once per event however often the webhook is delivered. The deliverer
//! ([`super::deliver`]) then sends what is due, at least once, recording every attempt here:
//! the delivery log Settings shows is this table.
//!
//! Bodies are rendered when enqueued (the event may be gone to retention by the time a
//! retry runs); hook URLs are *not* stored here: they are looked up from the rule when
//! sending, so the journal (which is exported and inspected) never holds one.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::matching::{EventFacts, matches};
use super::message::{Alert, LinkBase, chat_body, plain_json};
use super::rules::{Action, Rule, RuleSet};
use crate::timeline::event::IncomingEvent;

/// The outbox's tables, created with the journal's schema.
pub(crate) const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS alert_outbox (
    id          INTEGER PRIMARY KEY,
    rule_id     TEXT NOT NULL,
    event_key   TEXT NOT NULL,
    event_id    INTEGER,
    topic       TEXT NOT NULL,
    headline    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    due_ms      INTEGER NOT NULL,
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_ms     INTEGER,
    last_status INTEGER,
    last_error  TEXT,
    UNIQUE (rule_id, event_key)
);
CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox (due_ms) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS alert_outbox_by_rule ON alert_outbox (rule_id, id);
";

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// Sent and acknowledged.
    Delivered,
    /// Given up (refused, or out of attempts).
    Failed,
    /// Not sent: its rule was removed or disabled before it was due.
    Canceled,
}

impl DeliveryState {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            "canceled" => Self::Canceled,
            _ => Self::Pending,
        }
    }
}

impl std::fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of a rule's delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The outbox row.
    pub id: i64,
    /// The rule.
    pub rule_id: String,
    /// The journal event it is for (`None` for a test).
    pub event_id: Option<i64>,
    /// `Type.action` of the event.
    pub topic: String,
    /// The alert's headline.
    pub headline: String,
    /// `chat`, `build_hook`, `notify`, `revalidate`.
    pub kind: String,
    /// When it was enqueued.
    pub created_at: Timestamp,
    /// When it is (or was) due.
    pub due_at: Timestamp,
    /// Where it is.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's time.
    pub last_attempt_at: Option<Timestamp>,
    /// The last HTTP status, when there was an answer.
    pub last_status: Option<u16>,
    /// Why the last attempt failed, in words (never a URL).
    pub last_error: Option<String>,
}

/// A delivery due now, as the deliverer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Due {
    pub id: i64,
    pub rule_id: String,
    pub headline: String,
    pub body: String,
    pub attempts: u32,
    pub release_id: Option<String>,
    /// "Send a test": sent even while its rule is disabled.
    pub is_test: bool,
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempted {
    /// Acknowledged (2xx, or handed to the app).
    Delivered { status: Option<u16> },
    /// Try again at `next_ms`.
    Retry {
        status: Option<u16>,
        error: String,
        next_ms: i64,
    },
    /// Give up.
    Failed { status: Option<u16>, error: String },
    /// Not attempted.
    Canceled { why: String },
}

/// The body a rule's action sends for `alert`.
pub(crate) fn body_for(action: &Action, alert: &Alert) -> serde_json::Value {
    match action {
        Action::Chat { format, .. } => chat_body(*format, alert),
        Action::BuildHook { .. } | Action::Notify | Action::Revalidate => plain_json(alert),
    }
}

fn ms(t: i64) -> Timestamp {
    Timestamp::from_millisecond(t).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Enqueues a delivery for every rule `event` matches, in the caller's transaction. `event_id`
/// is its new journal row, `event_key` its dedup key (idempotency key), `summary` its journal
/// summary; `release_title` looks up what the journal knows of a release. Returns how many
/// were enqueued.
#[allow(clippy::too_many_arguments)]
pub(crate) fn enqueue_for_event(
    conn: &Connection,
    rules: &RuleSet,
    event: &IncomingEvent,
    event_id: i64,
    event_key: &str,
    summary: &str,
    release_title: &dyn Fn(&str) -> Option<String>,
    now_ms: i64,
) -> rusqlite::Result<usize> {
    if !event.verdict.is_accepted() || !rules.rules.iter().any(|r| r.enabled) {
        return Ok(0);
    }
    let mut facts = EventFacts::of(event, None);
    if facts.release_title.is_none()
        && let Some(id) = &facts.release_id
    {
        facts.release_title = release_title(id);
    }
    let links = LinkBase {
        web_app: rules.web_app.clone(),
    };
    let mut alert: Option<Alert> = None;
    let mut enqueued = 0;
    for rule in rules
        .rules
        .iter()
        .filter(|r| matches(r, &facts, ms(now_ms)))
    {
        let alert = alert.get_or_insert_with(|| Alert::of(event, summary, event_id, &links));
        enqueued += insert(conn, rule, event_key, Some(event_id), alert, now_ms)?;
    }
    Ok(enqueued)
}

/// Enqueues "Send a test" for `rule`: a sample alert under a key of its own.
pub(crate) fn enqueue_test(
    conn: &Connection,
    rule: &Rule,
    key: &str,
    now_ms: i64,
) -> rusqlite::Result<i64> {
    insert(conn, rule, key, None, &Alert::sample(&rule.name), now_ms)?;
    conn.query_row(
        "SELECT id FROM alert_outbox WHERE rule_id = ?1 AND event_key = ?2",
        params![rule.id, key],
        |row| row.get(0),
    )
}

fn insert(
    conn: &Connection,
    rule: &Rule,
    event_key: &str,
    event_id: Option<i64>,
    alert: &Alert,
    now_ms: i64,
) -> rusqlite::Result<usize> {
    let delay_ms = match &rule.then {
        Action::BuildHook { delay_secs, .. } => {
            i64::try_from(delay_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
        }
        _ => 0,
    };
    let mut body = body_for(&rule.then, alert);
    if let (Action::Revalidate, Some(release)) = (&rule.then, &alert.release_id) {
        body["release_id"] = serde_json::Value::String(release.clone());
    }
    conn.prepare_cached(
        "INSERT OR IGNORE INTO alert_outbox
            (rule_id, event_key, event_id, topic, headline, kind, body, created_ms, due_ms, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending')",
    )?
    .execute(params![
        rule.id,
        event_key,
        event_id,
        alert.topic,
        alert.headline,
        rule.then.kind(),
        body.to_string(),
        now_ms,
        now_ms.saturating_add(delay_ms),
    ])
}

/// How long finished deliveries stay in the log.
pub const LOG_KEEP_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Forgets finished deliveries older than [`LOG_KEEP_MS`] (pending ones stay, however old);
/// runs with the journal's retention. Returns how many went.
pub(crate) fn prune(conn: &Connection, now_ms: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM alert_outbox WHERE state != 'pending' AND created_ms < ?1",
        [now_ms.saturating_sub(LOG_KEEP_MS)],
    )
}

/// Pending deliveries due at `now_ms`, oldest due first.
pub(crate) fn due(conn: &Connection, now_ms: i64, limit: usize) -> rusqlite::Result<Vec<Due>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, rule_id, headline, body, attempts, event_id IS NULL FROM alert_outbox
         WHERE state = 'pending' AND due_ms <= ?1 ORDER BY due_ms, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![now_ms, i64::try_from(limit).unwrap_or(i64::MAX)],
        |row| {
            let body: String = row.get(3)?;
            let release_id = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("release_id")?.as_str().map(str::to_owned));
            Ok(Due {
                id: row.get(0)?,
                rule_id: row.get(1)?,
                headline: row.get(2)?,
                body,
                attempts: u32::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
                release_id,
                is_test: row.get(5)?,
            })
        },
    )?;
    rows.collect()
}

/// When the next pending delivery is due, if any is.
pub(crate) fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(due_ms) FROM alert_outbox WHERE state = 'pending'",
        [],
        |row| row.get(0),
    )
    .optional()
    .map(Option::flatten)
}

/// Records an attempt of delivery `id` made at `now_ms`.
pub(crate) fn record(
    conn: &Connection,
    id: i64,
    attempted: &Attempted,
    now_ms: i64,
) -> rusqlite::Result<()> {
    let (state, status, error, due, counts) = match attempted {
        Attempted::Delivered { status } => (DeliveryState::Delivered, *status, None, None, true),
        Attempted::Retry {
            status,
            error,
            next_ms,
        } => (
            DeliveryState::Pending,
            *status,
            Some(error.as_str()),
            Some(*next_ms),
            true,
        ),
        Attempted::Failed { status, error } => (
            DeliveryState::Failed,
            *status,
            Some(error.as_str()),
            None,
            true,
        ),
        Attempted::Canceled { why } => (
            DeliveryState::Canceled,
            None,
            Some(why.as_str()),
            None,
            false,
        ),
    };
    conn.prepare_cached(
        "UPDATE alert_outbox SET state = ?2, attempts = attempts + ?3, last_ms = ?4,
            last_status = ?5, last_error = ?6, due_ms = COALESCE(?7, due_ms)
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        state.as_str(),
        i64::from(counts),
        now_ms,
        status,
        error,
        due
    ])?;
    Ok(())
}

/// The newest `limit` deliveries of `rule_id` (all rules when `None`), newest first.
pub(crate) fn log(
    conn: &Connection,
    rule_id: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<DeliveryRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, rule_id, event_id, topic, headline, kind, created_ms, due_ms, state,
            attempts, last_ms, last_status, last_error
         FROM alert_outbox WHERE ?1 IS NULL OR rule_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![rule_id, i64::try_from(limit).unwrap_or(i64::MAX)],
        |row| {
            Ok(DeliveryRecord {
                id: row.get(0)?,
                rule_id: row.get(1)?,
                event_id: row.get(2)?,
                topic: row.get(3)?,
                headline: row.get(4)?,
                kind: row.get(5)?,
                created_at: ms(row.get(6)?),
                due_at: ms(row.get(7)?),
                state: DeliveryState::parse(&row.get::<_, String>(8)?),
                attempts: u32::try_from(row.get::<_, i64>(9)?).unwrap_or(0),
                last_attempt_at: row.get::<_, Option<i64>>(10)?.map(ms),
                last_status: row
                    .get::<_, Option<i64>>(11)?
                    .and_then(|s| u16::try_from(s).ok()),
                last_error: row.get(12)?,
            })
        },
    )?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::rules::{Action, When};

    fn rule() -> Rule {
        Rule {
            id: "r".into(),
            name: "R".into(),
            enabled: true,
            when: When {
                topics: vec!["*".into()],
                ..When::default()
            },
            then: Action::Notify,
        }
    }

    #[test]
    fn a_key_enqueues_once_attempts_are_recorded_and_old_finished_rows_go() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        let id = enqueue_test(&conn, &rule(), "k1", 1_000).unwrap();
        assert_eq!(
            enqueue_test(&conn, &rule(), "k1", 2_000).unwrap(),
            id,
            "same key, same row"
        );
        assert_eq!(due(&conn, 1_000, 10).unwrap().len(), 1);
        let retry = Attempted::Retry {
            status: Some(503),
            error: "busy".into(),
            next_ms: 5_000,
        };
        record(&conn, id, &retry, 1_000).unwrap();
        assert!(
            due(&conn, 4_999, 10).unwrap().is_empty(),
            "not before its backoff"
        );
        assert_eq!(next_due(&conn).unwrap(), Some(5_000));
        record(
            &conn,
            id,
            &Attempted::Delivered { status: Some(200) },
            5_000,
        )
        .unwrap();
        let log = log(&conn, Some("r"), 10).unwrap();
        assert_eq!(
            (log[0].state, log[0].attempts, log[0].last_status),
            (DeliveryState::Delivered, 2, Some(200))
        );
        assert_eq!(
            prune(&conn, 1_000 + LOG_KEEP_MS).unwrap(),
            0,
            "kept a month"
        );
        assert_eq!(prune(&conn, 1_001 + LOG_KEEP_MS).unwrap(), 1);
    }
}
