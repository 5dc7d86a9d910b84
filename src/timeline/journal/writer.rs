//! The single writer thread: drains appends from a channel, group-commits them, indexes
//! free text off the commit path, and acknowledges each waiting request after the commit.

use super::*;

// ---- The writer -----------------------------------------------------------------------------

pub(super) struct Writer {
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
    /// Alert rules matched against every new event (in its transaction).
    rules: Option<crate::alerts::RulesHandle>,
}

/// An append waiting for the writer: the event, the logged call it comes from, and where to
/// send the outcome.
type AppendRequest = (
    Box<IncomingEvent>,
    Option<CallRef>,
    oneshot::Sender<Result<AppendOutcome, JournalError>>,
);

impl Writer {
    pub(super) fn new(
        conn: Connection,
        fts: bool,
        live: broadcast::Sender<TimelineNotice>,
        clock: Clock,
        rules: Option<crate::alerts::RulesHandle>,
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
            rules,
        })
    }

    pub(super) fn run(&mut self, mut ops: mpsc::Receiver<WriteOp>) {
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
            let mut runs = Vec::new();
            for op in batch {
                match op {
                    WriteOp::Append { event, call, reply } => {
                        appends.push((event, call, reply));
                    }
                    WriteOp::Retain { policy, reply } => retains.push((policy, reply)),
                    WriteOp::Run(run) => runs.push(run),
                }
            }
            if !appends.is_empty() {
                self.write_batch(appends);
            }
            for run in runs {
                run(&mut self.conn);
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
        let any_rejected = appends
            .iter()
            .any(|(event, _, _)| !event.verdict.is_accepted());
        // Fast path: the whole batch in one transaction without savepoints. If any append fails, the batch is redone with one savepoint per append, so only the
        // failing one is refused.
        let results = match self.try_batch(&appends, now, false) {
            Ok(results) => Ok(results),
            Err(e) => {
                tracing::warn!(%e, "timeline journal: batch failed; retrying append by append");
                self.try_batch(&appends, now, true)
            }
        };
        if any_rejected && results.is_ok() {
            match self.cap_rejected() {
                Ok(0) => {}
                Ok(n) => tracing::debug!(n, "timeline journal: oldest rejected deliveries dropped"),
                Err(e) => tracing::warn!(%e, "timeline journal: rejected deliveries not capped"),
            }
        }
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
        // One snapshot of the rules for the whole batch.
        let rules = self.rules.as_ref().map(crate::alerts::RulesHandle::get);
        let rules = rules.as_deref();
        let tx = self.conn.transaction()?;
        let mut results = Vec::with_capacity(appends.len());
        for (event, call, _) in appends {
            let result = if isolated {
                append_in_savepoint(&tx, event, call.as_ref(), rules, now)
            } else {
                Ok(append_one(&tx, event, call.as_ref(), rules, now)?)
            };
            results.push(result);
        }
        tx.commit()?;
        Ok(results)
    }

    /// Keeps at most [`MAX_REJECTED_EVENTS`] rejected deliveries (the newest), so a flood of
    /// forged or malformed requests cannot grow the journal without bound.
    fn cap_rejected(&mut self) -> rusqlite::Result<u64> {
        let cut: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM events WHERE verdict = 'rejected' ORDER BY id DESC LIMIT 1 OFFSET ?1",
                [MAX_REJECTED_EVENTS],
                |row| row.get(0),
            )
            .optional()?;
        let Some(cut) = cut else {
            return Ok(0);
        };
        let tx = self.conn.transaction()?;
        let ids: Vec<i64> = tx
            .prepare_cached("SELECT id FROM events WHERE verdict = 'rejected' AND id <= ?1")?
            .query_map([cut], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let deleted = tx.execute(
            "DELETE FROM events WHERE verdict = 'rejected' AND id <= ?1",
            [cut],
        )?;
        if self.fts {
            let mut stmt = tx.prepare_cached("DELETE FROM events_fts WHERE rowid = ?1")?;
            for id in ids.iter().filter(|id| **id <= self.fts_upto) {
                stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(deleted as u64)
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
        crate::alerts::outbox::prune(&self.conn, now)?;
        Ok(deleted)
    }
}

/// Runs one append in its own savepoint, so a failure undoes only this append.
fn append_in_savepoint(
    tx: &rusqlite::Transaction<'_>,
    event: &IncomingEvent,
    call: Option<&CallRef>,
    rules: Option<&crate::alerts::RuleSet>,
    now: i64,
) -> Result<AppendOutcome, JournalError> {
    tx.execute_batch("SAVEPOINT append")?;
    match append_one(tx, event, call, rules, now) {
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

/// Appends one event (or merges it into the row with its dedup key) and, for a new row,
/// enqueues the alert deliveries `rules` owe it, in the same transaction.
pub(super) fn append_one(
    conn: &Connection,
    event: &IncomingEvent,
    call: Option<&CallRef>,
    rules: Option<&crate::alerts::RuleSet>,
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
            .or_else(|| signature_key(event))
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
    if let Some(rules) = rules {
        let key = dedup_key.clone().unwrap_or_else(|| format!("event:{id}"));
        let title = |release_id: &str| release_lookup(release_id).map(|info| info.title);
        crate::alerts::outbox::enqueue_for_event(
            conn, rules, event, id, &key, &summary, &title, now,
        )?;
    }
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

/// The dedup key of a verified delivery that carries no idempotency key: its signature. A
/// request replayed while its signature is still fresh is the same delivery, merged into the
/// first row rather than stored again.
fn signature_key(event: &IncomingEvent) -> Option<String> {
    if !matches!(event.verdict, Verdict::Verified) {
        return None;
    }
    event
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(crate::signing::SIGNATURE_HEADER))
        .map(|(_, signature)| format!("sig:{signature}"))
}
