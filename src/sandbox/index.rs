//! The query index: the facts list endpoints filter and order by, kept in indexed side tables
//! beside the JSON documents, so that a list costs what its page costs, not what the space holds.
//!
//! The store's `put` and `delete` call [`on_put`] / [`on_delete`] for entries, assets, releases,
//! release actions and scheduled actions, in the same transaction as the document, so the index
//! can never disagree with a committed document. What is kept:
//! - `entity_index`: per entry or asset its content type, derived state, `sys` instants (as Unix
//!   ms, so they order as numbers), published/archived versions and display title; `entity_fts`
//!   (FTS5) holds its words for `query=`, and its kind and content type as facet terms in a
//!   column of their own, so the `total` of a search is counted inside the word index; `entity_links` every Entry/Asset link in its fields
//!   (for `links_to_entry`/`links_to_asset`); `entity_counts` how many of each kind and content
//!   type exist, so the `total` of an unfiltered (or content-type) list is not a count over
//!   50,000 rows.
//! - `release_index` and `release_entities` (a release's status, title, instants, schema, members);
//! - `release_action_index` (an action's release, status and kind);
//! - `schedule_index` (a scheduled action's status, time, entity and environment).
//!
//! Lists are built with [`Select`]: a handler adds `WHERE` clauses over these columns (values
//! are always bound, column names are this module's constants) and `ORDER BY` keys, and gets a
//! page (`LIMIT`/`OFFSET`, joined to the documents) and an indexed `COUNT(*)`.
//!
//! The index has a version ([`VERSION`], kept in `settings` under [`VERSION_KEY`]). A database
//! written before the index existed, or by an older index version, is re-indexed once when the
//! store opens ([`ensure`]).

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::Value;

use super::store::kind;
use crate::cma::Timestamp;

/// The index's schema version; a database recording another one is re-indexed when opened.
pub const VERSION: &str = "3";

/// The settings key the index version is kept under.
pub const VERSION_KEY: &str = "index_version";

/// The side tables. `entity_index.rid` is also the FTS row id of the entity's words.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entity_index (
    rid                INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL,
    id                 TEXT NOT NULL,
    seq                INTEGER NOT NULL,
    content_type       TEXT,
    state              TEXT NOT NULL,
    created_ms         INTEGER,
    updated_ms         INTEGER,
    published_ms       INTEGER,
    first_published_ms INTEGER,
    archived_ms        INTEGER,
    published_version  INTEGER,
    archived_version   INTEGER,
    title              TEXT,
    UNIQUE (kind, id)
);
CREATE INDEX IF NOT EXISTS entity_by_updated ON entity_index (kind, updated_ms DESC, seq);
CREATE INDEX IF NOT EXISTS entity_by_created ON entity_index (kind, created_ms, seq);
CREATE INDEX IF NOT EXISTS entity_by_type_updated
    ON entity_index (kind, content_type, updated_ms DESC, seq);
CREATE INDEX IF NOT EXISTS entity_by_type_title ON entity_index (kind, content_type, title, seq);
CREATE INDEX IF NOT EXISTS entity_by_state ON entity_index (kind, state, updated_ms DESC, seq);
CREATE TABLE IF NOT EXISTS entity_counts (
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (kind, content_type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_links (
    link_type TEXT NOT NULL,
    target    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    id        TEXT NOT NULL,
    PRIMARY KEY (link_type, target, kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_links_by_source ON entity_links (kind, id);
CREATE VIRTUAL TABLE IF NOT EXISTS entity_fts USING fts5 (words, facets, tokenize = 'unicode61');
CREATE TABLE IF NOT EXISTS release_index (
    id           TEXT PRIMARY KEY,
    seq          INTEGER NOT NULL,
    status       TEXT NOT NULL,
    title        TEXT NOT NULL,
    created_ms   INTEGER,
    updated_ms   INTEGER,
    created_by   TEXT,
    entity_count INTEGER NOT NULL,
    schema       TEXT NOT NULL DEFAULT 'Release.v1'
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS release_by_updated ON release_index (updated_ms DESC, seq);
CREATE INDEX IF NOT EXISTS release_by_schema ON release_index (schema, updated_ms DESC, seq);
CREATE INDEX IF NOT EXISTS release_by_status ON release_index (status, updated_ms DESC, seq);
CREATE INDEX IF NOT EXISTS release_by_created ON release_index (created_ms, seq);
CREATE INDEX IF NOT EXISTS release_by_title ON release_index (title, seq);
CREATE TABLE IF NOT EXISTS release_entities (
    link_type  TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    release_id TEXT NOT NULL,
    PRIMARY KEY (link_type, entity_id, release_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS release_entities_by_release ON release_entities (release_id);
CREATE TABLE IF NOT EXISTS release_action_index (
    id         TEXT PRIMARY KEY,
    release_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    action     TEXT NOT NULL,
    created_ms INTEGER,
    updated_ms INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS release_action_by_release ON release_action_index (release_id);
CREATE TABLE IF NOT EXISTS schedule_index (
    id          TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,
    status      TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    entity_id   TEXT NOT NULL,
    link_type   TEXT NOT NULL,
    environment TEXT,
    created_ms  INTEGER,
    updated_ms  INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS schedule_by_at ON schedule_index (at_ms, seq);
CREATE INDEX IF NOT EXISTS schedule_by_status ON schedule_index (status, at_ms, seq);
CREATE INDEX IF NOT EXISTS schedule_by_entity ON schedule_index (entity_id, at_ms);
";

/// Whether documents of `kind` are indexed.
pub fn is_indexed(k: &str) -> bool {
    matches!(
        k,
        kind::ENTRY | kind::ASSET | kind::RELEASE | kind::RELEASE_ACTION | kind::SCHEDULED_ACTION
    )
}

fn millis(value: Option<&Value>) -> Option<i64> {
    value
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Timestamp>().ok())
        .map(|t| t.as_millis())
}

fn text<'v>(doc: &'v Value, pointer: &str) -> Option<&'v str> {
    doc.pointer(pointer).and_then(Value::as_str)
}

/// Keeps the index of one document right after it was written (`seq` is its creation order).
pub fn on_put(conn: &Connection, k: &str, id: &str, seq: i64, doc: &Value) -> rusqlite::Result<()> {
    match k {
        kind::ENTRY | kind::ASSET => put_entity(conn, k, id, seq, doc),
        kind::RELEASE => put_release(conn, id, seq, doc),
        kind::RELEASE_ACTION => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO release_action_index
                 (id, release_id, status, action, created_ms, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                id,
                text(doc, "/sys/release/sys/id").unwrap_or(""),
                text(doc, "/sys/status").unwrap_or(""),
                text(doc, "/action").unwrap_or(""),
                millis(doc.pointer("/sys/createdAt")),
                millis(doc.pointer("/sys/updatedAt")),
            ])?;
            Ok(())
        }
        kind::SCHEDULED_ACTION => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO schedule_index
                 (id, seq, status, at_ms, entity_id, link_type, environment, created_ms, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                id,
                seq,
                text(doc, "/sys/status").unwrap_or(""),
                millis(doc.pointer("/scheduledFor/datetime")).unwrap_or(0),
                text(doc, "/entity/sys/id").unwrap_or(""),
                text(doc, "/entity/sys/linkType").unwrap_or(""),
                text(doc, "/environment/sys/id"),
                millis(doc.pointer("/sys/createdAt")),
                millis(doc.pointer("/sys/updatedAt")),
            ])?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Removes one document's index rows (after the document was deleted).
pub fn on_delete(conn: &Connection, k: &str, id: &str) -> rusqlite::Result<()> {
    match k {
        kind::ENTRY | kind::ASSET => {
            let existing: Option<(i64, Option<String>)> = conn
                .prepare_cached(
                    "SELECT rid, content_type FROM entity_index WHERE kind = ?1 AND id = ?2",
                )?
                .query_row(params![k, id], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            if let Some((rid, content_type)) = existing {
                count_entity(conn, k, content_type.as_deref(), -1)?;
                conn.prepare_cached("DELETE FROM entity_fts WHERE rowid = ?1")?
                    .execute(params![rid])?;
                conn.prepare_cached("DELETE FROM entity_index WHERE rid = ?1")?
                    .execute(params![rid])?;
            }
            conn.prepare_cached("DELETE FROM entity_links WHERE kind = ?1 AND id = ?2")?
                .execute(params![k, id])?;
        }
        kind::RELEASE => {
            conn.prepare_cached("DELETE FROM release_index WHERE id = ?1")?
                .execute(params![id])?;
            conn.prepare_cached("DELETE FROM release_entities WHERE release_id = ?1")?
                .execute(params![id])?;
        }
        kind::RELEASE_ACTION => {
            conn.prepare_cached("DELETE FROM release_action_index WHERE id = ?1")?
                .execute(params![id])?;
        }
        kind::SCHEDULED_ACTION => {
            conn.prepare_cached("DELETE FROM schedule_index WHERE id = ?1")?
                .execute(params![id])?;
        }
        _ => {}
    }
    Ok(())
}

/// The derived state of an entity document (spec §5): archived, draft, changed or published.
pub fn entity_state(doc: &Value) -> &'static str {
    let version = |key: &str| doc.pointer(&format!("/sys/{key}")).and_then(Value::as_u64);
    if version("archivedVersion").is_some() {
        return "archived";
    }
    match version("publishedVersion") {
        None => "draft",
        Some(published) if version("version").unwrap_or(0) > published + 1 => "changed",
        Some(_) => "published",
    }
}

/// The default locale's code (the locale marked default, else the first one).
fn default_locale(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT json_extract(json, '$.code') FROM docs WHERE kind = 'Locale'
         ORDER BY json_extract(json, '$.default') IS NOT 1, seq LIMIT 1",
    )?
    .query_row([], |row| row.get(0))
    .optional()
}

/// The field an entity is titled by: its content type's display field (assets: `title`).
fn display_field(conn: &Connection, content_type: Option<&str>) -> rusqlite::Result<String> {
    let Some(ct) = content_type else {
        return Ok("title".into());
    };
    let field: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT json_extract(json, '$.displayField') FROM docs
             WHERE kind = 'ContentType' AND id = ?1",
        )?
        .query_row(params![ct], |row| row.get(0))
        .optional()?;
    Ok(field.flatten().unwrap_or_else(|| "title".into()))
}

/// The value a field shows in the default locale (what `order=fields.<id>` sorts by).
fn field_in_locale(doc: &Value, field: &str, locale: Option<&str>) -> Option<String> {
    let locales = doc.get("fields")?.get(field)?.as_object()?;
    let value = match locale {
        Some(code) => locales.get(code)?,
        None => locales.values().next()?,
    };
    value.as_str().map(str::to_owned)
}

/// Every word an entity is found by: its id and every value in its fields except links.
fn words(doc: &Value, id: &str) -> String {
    fn walk(value: &Value, out: &mut String) {
        match value {
            Value::String(s) => {
                out.push(' ');
                out.push_str(s);
            }
            // Numbers and booleans too, so an equality filter may narrow by words first.
            Value::Number(n) => {
                out.push(' ');
                out.push_str(&n.to_string());
            }
            Value::Bool(b) => out.push_str(if *b { " true" } else { " false" }),
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(map) => {
                let is_link = map
                    .get("sys")
                    .and_then(|s| s.get("type"))
                    .and_then(Value::as_str)
                    == Some("Link");
                if !is_link {
                    map.values().for_each(|v| walk(v, out));
                }
            }
            _ => {}
        }
    }
    let mut out = id.to_owned();
    if let Some(fields) = doc.get("fields") {
        walk(fields, &mut out);
    }
    out
}

/// Every (link type, id) an entity's `fields` link to (entries and assets), without repeats.
pub fn field_links(fields: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(map) => {
                if let Some(sys) = map.get("sys")
                    && sys.get("type").and_then(Value::as_str) == Some("Link")
                    && let (Some(t), Some(id)) = (
                        sys.get("linkType").and_then(Value::as_str),
                        sys.get("id").and_then(Value::as_str),
                    )
                    && matches!(t, "Entry" | "Asset")
                {
                    let link = (t.to_owned(), id.to_owned());
                    if !out.contains(&link) {
                        out.push(link);
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(fields, &mut out);
    out
}

/// Every (link type, id) a document's fields link to.
fn links(doc: &Value) -> Vec<(String, String)> {
    doc.get("fields").map(field_links).unwrap_or_default()
}

/// Moves the count of `kind` entities of `content_type` (assets: none) by `delta`.
fn count_entity(
    conn: &Connection,
    k: &str,
    content_type: Option<&str>,
    delta: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO entity_counts (kind, content_type, n) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, content_type) DO UPDATE SET n = n + excluded.n",
    )?
    .execute(params![k, content_type.unwrap_or(""), delta])?;
    Ok(())
}

fn put_entity(conn: &Connection, k: &str, id: &str, seq: i64, doc: &Value) -> rusqlite::Result<()> {
    let content_type = text(doc, "/sys/contentType/sys/id");
    let locale = default_locale(conn)?;
    let title = field_in_locale(doc, &display_field(conn, content_type)?, locale.as_deref());
    let version = |key: &str| doc.pointer(&format!("/sys/{key}")).and_then(Value::as_i64);
    let instant = |key: &str| millis(doc.pointer(&format!("/sys/{key}")));
    let existing: Option<(i64, Option<String>)> = conn
        .prepare_cached("SELECT rid, content_type FROM entity_index WHERE kind = ?1 AND id = ?2")?
        .query_row(params![k, id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    match &existing {
        None => count_entity(conn, k, content_type, 1)?,
        Some((_, old)) if old.as_deref() != content_type => {
            count_entity(conn, k, old.as_deref(), -1)?;
            count_entity(conn, k, content_type, 1)?;
        }
        Some(_) => {}
    }
    let rid = existing.map(|(rid, _)| rid);
    let columns = params![
        k,
        id,
        seq,
        content_type,
        entity_state(doc),
        instant("createdAt"),
        instant("updatedAt"),
        instant("publishedAt"),
        instant("firstPublishedAt"),
        instant("archivedAt"),
        version("publishedVersion"),
        version("archivedVersion"),
        title,
    ];
    let rid = match rid {
        Some(rid) => {
            conn.prepare_cached(
                "UPDATE entity_index SET seq = ?3, content_type = ?4, state = ?5,
                 created_ms = ?6, updated_ms = ?7, published_ms = ?8, first_published_ms = ?9,
                 archived_ms = ?10, published_version = ?11, archived_version = ?12, title = ?13
                 WHERE kind = ?1 AND id = ?2",
            )?
            .execute(columns)?;
            conn.prepare_cached("DELETE FROM entity_fts WHERE rowid = ?1")?
                .execute(params![rid])?;
            rid
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO entity_index (kind, id, seq, content_type, state, created_ms,
                 updated_ms, published_ms, first_published_ms, archived_ms, published_version,
                 archived_version, title)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(columns)?;
            conn.last_insert_rowid()
        }
    };
    conn.prepare_cached("INSERT INTO entity_fts (rowid, words, facets) VALUES (?1, ?2, ?3)")?
        .execute(params![rid, words(doc, id), facets(k, content_type)])?;
    conn.prepare_cached("DELETE FROM entity_links WHERE kind = ?1 AND id = ?2")?
        .execute(params![k, id])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO entity_links (link_type, target, kind, id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (link_type, target) in links(doc) {
        insert.execute(params![link_type, target, k, id])?;
    }
    Ok(())
}

/// The members of a release: `items[].sys` (v1 links) or `items[].entity.sys` (v2 items).
fn release_members(doc: &Value) -> Vec<(String, String)> {
    doc.pointer("/entities/items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let sys = item
                .get("sys")
                .or_else(|| item.get("entity").and_then(|e| e.get("sys")))?;
            Some((
                sys.get("linkType")?.as_str()?.to_owned(),
                sys.get("id")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn put_release(conn: &Connection, id: &str, seq: i64, doc: &Value) -> rusqlite::Result<()> {
    let members = release_members(doc);
    conn.prepare_cached(
        "INSERT OR REPLACE INTO release_index
         (id, seq, status, title, created_ms, updated_ms, created_by, entity_count, schema)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id,
        seq,
        text(doc, "/sys/status").unwrap_or("active"),
        text(doc, "/title").unwrap_or("").to_lowercase(),
        millis(doc.pointer("/sys/createdAt")),
        millis(doc.pointer("/sys/updatedAt")),
        text(doc, "/sys/createdBy/sys/id"),
        members.len() as i64,
        // Absent means Launch (spec §10.1).
        text(doc, "/sys/schemaVersion").unwrap_or("Release.v1"),
    ])?;
    conn.prepare_cached("DELETE FROM release_entities WHERE release_id = ?1")?
        .execute(params![id])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO release_entities (link_type, entity_id, release_id)
         VALUES (?1, ?2, ?3)",
    )?;
    for (link_type, entity_id) in members {
        insert.execute(params![link_type, entity_id, id])?;
    }
    Ok(())
}

/// Empties the index (with the documents, on reset); the version stays recorded.
pub fn clear(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM entity_index; DELETE FROM entity_fts; DELETE FROM entity_links;
         DELETE FROM entity_counts;
         DELETE FROM release_index; DELETE FROM release_entities;
         DELETE FROM release_action_index; DELETE FROM schedule_index;",
    )?;
    record_version(conn)
}

fn record_version(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![VERSION_KEY, VERSION],
    )?;
    Ok(())
}

/// Drops the side tables whose columns changed since the index version the database records,
/// before [`SCHEMA`] creates them again (then [`ensure`] fills them): version 2 added
/// `release_index.schema`, version 3 the `facets` column of `entity_fts`. Runs before `SCHEMA`, whose indexes name the new columns.
pub fn drop_outdated(conn: &Connection) -> rusqlite::Result<()> {
    let recorded: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            params![VERSION_KEY],
            |row| row.get(0),
        )
        .optional()?;
    if recorded.as_deref() != Some(VERSION) {
        conn.execute_batch("DROP TABLE IF EXISTS release_index; DROP TABLE IF EXISTS entity_fts;")?;
    }
    Ok(())
}

/// Builds the index once for a database that has none (written before it existed) or an older
/// one; returns how many documents were indexed (0 when the index was current).
pub fn ensure(conn: &Connection) -> rusqlite::Result<u64> {
    let recorded: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            params![VERSION_KEY],
            |row| row.get(0),
        )
        .optional()?;
    if recorded.as_deref() == Some(VERSION) {
        return Ok(0);
    }
    clear(conn)?;
    let mut stmt = conn.prepare(
        "SELECT kind, id, seq, json FROM docs
         WHERE kind IN ('Entry', 'Asset', 'Release', 'ReleaseAction', 'ScheduledAction')
         ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut indexed = 0;
    while let Some(row) = rows.next()? {
        let (k, id, seq, json): (String, String, i64, String) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        // A document that does not decode is left out of lists (reading it still says it is
        // corrupt), rather than refusing to open the whole space.
        match serde_json::from_str::<Value>(&json) {
            Ok(doc) => {
                on_put(conn, &k, &id, seq, &doc)?;
                indexed += 1;
            }
            Err(e) => tracing::warn!(kind = %k, %id, %e, "document not indexed: not JSON"),
        }
    }
    record_version(conn)?;
    Ok(indexed)
}

/// The ids of a release's actions, oldest first.
pub fn release_action_ids(conn: &Connection, release_id: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM release_action_index WHERE release_id = ?1 ORDER BY created_ms, id",
    )?;
    let rows = stmt.query_map(params![release_id], |row| row.get(0))?;
    rows.collect()
}

/// How many scheduled actions have `status`.
pub fn schedules_with_status(conn: &Connection, status: &str) -> rusqlite::Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM schedule_index WHERE status = ?1")?
        .query_row(params![status], |row| row.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Ids of scheduled actions due at `now_ms` (scheduled and due, or left in progress), oldest
/// first, at most `limit`.
pub fn due_schedules(
    conn: &Connection,
    now_ms: i64,
    limit: usize,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM schedule_index
         WHERE (status = 'scheduled' AND at_ms <= ?1) OR status = 'inProgress'
         ORDER BY at_ms, seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![now_ms, i64::try_from(limit).unwrap_or(i64::MAX)],
        |row| row.get(0),
    )?;
    rows.collect()
}

/// How many entries have content type `content_type`.
pub fn entries_of_type(conn: &Connection, content_type: &str) -> rusqlite::Result<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM entity_index WHERE kind = 'Entry' AND content_type = ?1",
        )?
        .query_row(params![content_type], |row| row.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// An FTS5 query for what a user typed: the words as one phrase whose last word may be the
/// start of a word (`cider mak` finds "cider makers"), in the `words` column. Quotes are
/// escaped, so any input is a valid query; `None` when it holds no word.
pub fn fts_phrase(input: &str) -> Option<String> {
    let words = fts_words(input)?;
    Some(format!("words : \"{words}\" *"))
}

/// An FTS5 query that matches every document holding `value`'s words in a row (no prefix):
/// a sound pre-filter for a field equal to `value`. `None` when `value` has no word.
pub fn fts_exact(value: &str) -> Option<String> {
    let words = fts_words(value)?;
    Some(format!("words : \"{words}\""))
}

/// `input`'s words (letters and digits), space-separated; `None` when it has none.
fn fts_words(input: &str) -> Option<String> {
    let words: Vec<&str> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The facet terms of an entity's FTS row: its kind, and its content type hex-encoded (an id
/// may hold `-`, `_` or `.`, which the tokenizer would split on), so that a search narrowed to
/// a kind and content types is answered, and counted, by the word index alone.
fn facets(k: &str, content_type: Option<&str>) -> String {
    match content_type {
        Some(ct) => format!("{} {}", kind_facet(k), type_facet(ct)),
        None => kind_facet(k),
    }
}

fn kind_facet(k: &str) -> String {
    format!("k{}", k.to_ascii_lowercase())
}

fn type_facet(content_type: &str) -> String {
    use std::fmt::Write as _;
    content_type
        .bytes()
        .fold(String::from("t"), |mut facet, b| {
            let _ = write!(facet, "{b:02x}");
            facet
        })
}

/// `fts` (a [`fts_phrase`]) narrowed to entities of kind `k` and, when given, one of
/// `content_types` (not empty): an FTS5 query whose `COUNT(*)` is the search's total.
pub fn fts_with_facets(fts: &str, k: &str, content_types: Option<&[String]>) -> String {
    let mut query = format!("({fts}) AND facets : {}", kind_facet(k));
    if let Some(types) = content_types.filter(|t| !t.is_empty()) {
        let any: Vec<String> = types
            .iter()
            .map(|t| format!("facets : {}", type_facet(t)))
            .collect();
        query.push_str(&format!(" AND ({})", any.join(" OR ")));
    }
    query
}

/// What a list selects from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `entity_index` (entries or assets, by `kind`).
    Entities,
    /// `release_index`.
    Releases,
    /// `schedule_index`.
    Schedules,
}

impl Table {
    /// The index table with its documents; `CROSS JOIN` keeps the index the outer loop (SQLite
    /// would otherwise scan every document of a kind and sort).
    fn joined(self) -> &'static str {
        match self {
            Self::Entities => "entity_index i CROSS JOIN docs d ON d.kind = i.kind AND d.id = i.id",
            Self::Releases => {
                "release_index i CROSS JOIN docs d ON d.kind = 'Release' AND d.id = i.id"
            }
            Self::Schedules => {
                "schedule_index i CROSS JOIN docs d ON d.kind = 'ScheduledAction' AND d.id = i.id"
            }
        }
    }

    fn count_clause(self) -> &'static str {
        match self {
            Self::Entities => "entity_index i",
            Self::Releases => "release_index i",
            Self::Schedules => "schedule_index i",
        }
    }
}

/// A list query over an index table: `WHERE` clauses and `ORDER BY` keys, with bound values.
/// Clauses name the table as `i` and its document as `d` (for `json_extract` on what the index
/// does not hold). Rows tie-break on creation order (`seq`), as lists always have.
#[derive(Debug, Clone)]
pub struct Select {
    table: Table,
    wheres: Vec<String>,
    where_params: Vec<SqlValue>,
    order: Vec<String>,
    order_params: Vec<SqlValue>,
    uses_doc: bool,
    full_text: Option<String>,
    totals: Option<(String, Vec<SqlValue>)>,
}

impl Select {
    /// Everything in `table`.
    pub fn new(table: Table) -> Self {
        Self {
            table,
            wheres: Vec::new(),
            where_params: Vec::new(),
            order: Vec::new(),
            order_params: Vec::new(),
            uses_doc: false,
            full_text: None,
            totals: None,
        }
    }

    /// Keeps the entities whose words match the FTS5 query `fts` (entity lists only; at most
    /// one). The page checks membership in the matches while it walks the order's index; the
    /// count starts from the matches.
    pub fn full_text(&mut self, fts: String) {
        self.totals = None;
        self.full_text = Some(fts);
    }

    /// Answers [`Select::count`] with `sql` (one number, from kept totals) instead of counting
    /// rows: for lists whose filters the totals cover.
    pub fn count_from(&mut self, sql: &str, values: Vec<SqlValue>) {
        self.totals = Some((sql.to_owned(), values));
    }

    /// How many clauses narrow the list (the full-text match counts as one).
    pub fn filter_count(&self) -> usize {
        self.wheres.len() + usize::from(self.full_text.is_some())
    }

    /// Adds `clause` (with `?` for each of `values`, in order). Totals set with
    /// [`Select::count_from`] before no longer apply.
    pub fn filter(&mut self, clause: &str, values: impl IntoIterator<Item = SqlValue>) {
        self.totals = None;
        self.wheres.push(format!("({clause})"));
        self.where_params.extend(values);
        if clause.contains("d.") {
            self.uses_doc = true;
        }
    }

    /// `column IN (…)` (or `NOT IN` when `negate`); an empty list selects nothing (or all).
    pub fn filter_in(&mut self, column: &str, values: &[String], negate: bool) {
        if values.is_empty() {
            if !negate {
                self.filter("0", []);
            }
            return;
        }
        let marks = vec!["?"; values.len()].join(", ");
        let op = if negate { "NOT IN" } else { "IN" };
        self.filter(
            &format!("{column} {op} ({marks})"),
            values.iter().map(|v| SqlValue::Text(v.clone())),
        );
    }

    /// Orders by `expr` (ascending unless `descending`), after the keys added before.
    pub fn order_by(
        &mut self,
        expr: &str,
        descending: bool,
        values: impl IntoIterator<Item = SqlValue>,
    ) {
        let dir = if descending { "DESC" } else { "ASC" };
        self.order.push(format!("{expr} {dir}"));
        self.order_params.extend(values);
    }

    fn where_sql(&self, extra: Option<&str>) -> String {
        let clauses: Vec<&str> = extra
            .into_iter()
            .chain(self.wheres.iter().map(String::as_str))
            .collect();
        if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        }
    }

    /// How many rows match (an indexed count; the documents are not read unless a clause
    /// looks into them).
    pub fn count(&self, conn: &Connection) -> rusqlite::Result<u64> {
        if let Some((sql, values)) = &self.totals {
            let n: i64 = conn
                .prepare_cached(sql)?
                .query_row(params_from_iter(values.iter()), |row| row.get(0))?;
            return Ok(u64::try_from(n).unwrap_or(0));
        }
        let doc = if self.uses_doc {
            " CROSS JOIN docs d ON d.kind = i.kind AND d.id = i.id"
        } else {
            ""
        };
        let (sql, first) = match &self.full_text {
            // From the matches to their index rows (by row id), not the other way round.
            Some(fts) => (
                format!(
                    "SELECT COUNT(*) FROM entity_fts f CROSS JOIN entity_index i ON i.rid = f.rowid{doc}{}",
                    self.where_sql(Some("f.entity_fts MATCH ?"))
                ),
                Some(SqlValue::Text(fts.clone())),
            ),
            None => {
                let from = if self.uses_doc {
                    self.table.joined()
                } else {
                    self.table.count_clause()
                };
                (
                    format!("SELECT COUNT(*) FROM {from}{}", self.where_sql(None)),
                    None,
                )
            }
        };
        let values = first.into_iter().chain(self.where_params.iter().cloned());
        let n: i64 = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(values), |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The documents (`id`, JSON) of `limit` rows from `offset`, in order.
    pub fn page(
        &self,
        conn: &Connection,
        offset: usize,
        limit: usize,
    ) -> rusqlite::Result<Vec<(String, String)>> {
        let mut order = self.order.clone();
        order.push("i.seq ASC".into());
        let fts_clause = "i.rid IN (SELECT rowid FROM entity_fts WHERE entity_fts MATCH ?)";
        let sql = format!(
            "SELECT d.id, d.json FROM {}{} ORDER BY {} LIMIT ? OFFSET ?",
            self.table.joined(),
            self.where_sql(self.full_text.as_ref().map(|_| fts_clause)),
            order.join(", ")
        );
        let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let values = self
            .full_text
            .iter()
            .map(|fts| SqlValue::Text(fts.clone()))
            .chain(self.where_params.iter().cloned())
            .chain(self.order_params.iter().cloned())
            .chain([
                SqlValue::Integer(to_i64(limit)),
                SqlValue::Integer(to_i64(offset)),
            ]);
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        rows.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_query_becomes_a_safe_prefix_phrase() {
        assert_eq!(
            fts_phrase("Cider mak").as_deref(),
            Some("words : \"Cider mak\" *")
        );
        assert_eq!(
            fts_phrase("a\"b OR c").as_deref(),
            Some("words : \"a b OR c\" *")
        );
        assert_eq!(fts_phrase(" \"*- "), None);
        assert_eq!(
            facets("Entry", Some("blog-post")),
            "kentry t626c6f672d706f7374"
        );
        assert_eq!(
            fts_with_facets("words : \"x\" *", "Entry", Some(&["a".into(), "b".into()])),
            "(words : \"x\" *) AND facets : kentry AND (facets : t61 OR facets : t62)"
        );
    }

    #[test]
    fn state_follows_the_version_rules() {
        let doc = |sys: Value| serde_json::json!({ "sys": sys });
        assert_eq!(
            entity_state(&doc(serde_json::json!({"version": 1}))),
            "draft"
        );
        assert_eq!(
            entity_state(&doc(
                serde_json::json!({"version": 2, "publishedVersion": 1})
            )),
            "published"
        );
        assert_eq!(
            entity_state(&doc(
                serde_json::json!({"version": 3, "publishedVersion": 1})
            )),
            "changed"
        );
        assert_eq!(
            entity_state(&doc(
                serde_json::json!({"version": 3, "archivedVersion": 2})
            )),
            "archived"
        );
    }

    #[test]
    fn links_and_words_skip_nothing_and_repeat_nothing() {
        let doc = serde_json::json!({"fields": {
            "title": {"en-US": "Urban bees", "de-DE": "Stadtbienen"},
            "author": {"en-US": {"sys": {"type": "Link", "linkType": "Entry", "id": "a1"}}},
            "related": {"en-US": [
                {"sys": {"type": "Link", "linkType": "Entry", "id": "a1"}},
                {"sys": {"type": "Link", "linkType": "Asset", "id": "p1"}}]}
        }});
        assert_eq!(
            links(&doc),
            [("Entry".into(), "a1".into()), ("Asset".into(), "p1".into())]
        );
        let w = words(&doc, "e1");
        assert!(w.contains("Urban bees") && w.contains("Stadtbienen") && w.starts_with("e1"));
        assert!(!w.contains("a1"), "link ids are not words: {w}");
    }
}
