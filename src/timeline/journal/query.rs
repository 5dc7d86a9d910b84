//! Read queries: filters turned into SQL conditions (with the FTS/LIKE text path), pages,
//! counts and per-minute counts.

use super::*;

// ---- Queries --------------------------------------------------------------------------------

/// Which way a query pages.
#[derive(Debug, Clone, Copy)]
pub(super) enum Direction {
    /// Newest first, ids below the given one (all when `None`).
    Older(Option<EventId>),
    /// Oldest first, ids above the given one.
    Newer(EventId),
}

/// Reads the [`EVENT_COLUMNS`] of a row.
pub(super) fn read_event(row: &Row<'_>) -> rusqlite::Result<TimelineEvent> {
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
pub(super) fn fts_upto(conn: &Connection) -> rusqlite::Result<i64> {
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

pub(super) fn select_events(
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
pub(super) fn select_skipping(
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

pub(super) fn count_events(
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
pub(super) fn count_by_minute(
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
