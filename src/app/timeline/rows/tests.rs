//! Data-driven tests of the row cache: requests sent, answers applied and rows asked for go in;
//! a compact picture of the cache and the requests it would send come out.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::cma::Timestamp;
use crate::timeline::{Causes, Origin, Verdict};

/// One thing that happens to the cache.
enum Step {
    /// The view sent this request.
    Sent(JournalRequest),
    /// The worker answered.
    Got(TimelineResult),
    /// The view shows display rows `first..=last` (0 = newest): which pages would it ask for?
    Show(u64, u64),
    /// A live notice arrived from the journal.
    Live,
    /// Would the view ask to catch up (following or not)?
    CatchUp(bool),
}
use Step::*;

fn check(steps: Vec<Step>, expected: &str) {
    let mut rows = TimelineRows::default();
    let mut log = Vec::new();
    for step in steps {
        match step {
            Sent(request) => rows.on_request(&request.into()),
            Got(result) => rows.apply(result),
            Show(first, last) => {
                let generation = rows.generation;
                for request in rows.page_requests(generation, first, last) {
                    if let JournalRequest::LoadPage {
                        page,
                        before,
                        skip,
                        limit,
                        top_rank,
                        ..
                    } = request
                    {
                        log.push(format!(
                            "load page {page}: before {before:?}, skip {skip}, limit {limit}, top rank {top_rank}"
                        ));
                    }
                }
            }
            Live => rows.live_seq += 1,
            CatchUp(follow) => log.push(match rows.catch_up_request(rows.generation, follow) {
                Some(JournalRequest::CatchUp { after, seq, .. }) => {
                    format!("catch up after {after} to seq {seq}")
                }
                _ => "no catch-up".to_owned(),
            }),
        }
    }
    let actual = format!("{}{}", picture(&rows), log.join("\n"));
    let expected: Vec<&str> = expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        actual.trim(),
        expected.join("\n"),
        "\n--- actual ---\n{actual}\n"
    );
}

/// Total, anchor, the cached ranks as ranges, pending pages and unseen new events.
fn picture(rows: &TimelineRows) -> String {
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for &rank in rows.rows.keys() {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == rank => *end = rank,
            _ => ranges.push((rank, rank)),
        }
    }
    let cached: Vec<String> = ranges.iter().map(|(a, b)| format!("{a}..={b}")).collect();
    let mut out = format!(
        "total {}, anchor {:?}, cached [{}]\n",
        rows.total,
        rows.anchor,
        cached.join(", ")
    );
    let mut pending: Vec<u64> = rows.pending.iter().copied().collect();
    pending.sort_unstable();
    if !pending.is_empty() {
        out += &format!("pending pages {pending:?}\n");
    }
    if rows.new_events > 0 {
        let more = if rows.new_more { " and more" } else { "" };
        out += &format!("new events: {}{more}\n", rows.new_events);
    }
    out
}

/// A stored event; in these tests the event of rank `r` has id `r + 1`.
fn event(id: EventId) -> TimelineEvent {
    TimelineEvent {
        id,
        received_at: Timestamp(jiff::Timestamp::UNIX_EPOCH),
        event_at: None,
        origin: Origin::Receiver,
        source: "sandbox".into(),
        topic: "ContentManagement.Entry.publish".into(),
        entity_type: "Entry".into(),
        action: "publish".into(),
        entity_id: Some(format!("entry-{id}")),
        version: None,
        environment: None,
        action_status: None,
        causes: Causes::default(),
        attempt: 1,
        attempts: 1,
        idempotency_key: None,
        webhook_name: None,
        verdict: Verdict::Verified,
        http_status: 200,
        call_id: None,
        summary: String::new(),
        body_len: 0,
    }
}

/// Events with ids from `newest` down to `oldest`, newest first (as pages come).
fn newest_first(newest: EventId, oldest: EventId) -> Vec<TimelineEvent> {
    (oldest..=newest).rev().map(event).collect()
}

fn reset(generation: u64, total: u64) -> TimelineResult {
    let newest = total as EventId;
    TimelineResult::Reset {
        generation,
        anchor: Some(newest),
        total,
        first: newest_first(newest, (newest - PAGE as EventId + 1).max(1)),
    }
}

fn load_page(page: u64) -> JournalRequest {
    JournalRequest::LoadPage {
        generation: 1,
        filter: EventFilter::default(),
        page,
        before: None,
        skip: 0,
        limit: PAGE as usize,
        top_rank: 0,
    }
}

#[test]
fn a_reset_caches_the_newest_page_and_asks_for_the_one_below_the_visible_rows() {
    check(
        vec![Got(reset(1, 250)), Show(0, 30)],
        "total 250, anchor Some(250), cached [150..=249]
         load page 1: before Some(201), skip 0, limit 100, top rank 199",
    );
}

#[test]
fn a_page_fills_its_ranks_and_one_of_an_older_generation_is_dropped() {
    check(
        vec![
            Got(reset(1, 250)),
            Got(reset(2, 250)),
            Sent(load_page(1)),
            Got(TimelineResult::PageLoaded {
                generation: 1,
                page: 1,
                top_rank: 199,
                events: newest_first(200, 101),
            }),
            // Page 1 is still on its way: not asked again; page 0 skips over it from the
            // nearest cached row.
            Show(0, 160),
            Got(TimelineResult::PageLoaded {
                generation: 2,
                page: 1,
                top_rank: 199,
                events: newest_first(200, 101),
            }),
            Show(0, 160),
        ],
        "total 250, anchor Some(250), cached [100..=249]
         load page 0: before Some(151), skip 50, limit 100, top rank 99
         load page 0: before Some(101), skip 0, limit 100, top rank 99",
    );
}

#[test]
fn live_events_are_appended_while_following_and_only_counted_otherwise() {
    check(
        vec![
            Got(reset(1, 10)),
            Live,
            CatchUp(true),
            Sent(JournalRequest::CatchUp {
                generation: 1,
                filter: EventFilter::default(),
                after: 10,
                seq: 1,
                follow: true,
            }),
            CatchUp(true),
            Got(TimelineResult::CaughtUp {
                generation: 1,
                seq: 1,
                follow: true,
                events: vec![event(11), event(12)],
                more: false,
            }),
            CatchUp(true),
        ],
        "total 12, anchor Some(12), cached [0..=11]
         catch up after 10 to seq 1
         no catch-up
         no catch-up",
    );
    check(
        vec![
            Got(reset(1, 10)),
            Live,
            Got(TimelineResult::CaughtUp {
                generation: 1,
                seq: 1,
                follow: false,
                events: vec![event(11), event(12), event(13)],
                more: true,
            }),
        ],
        "total 10, anchor Some(10), cached [0..=9]
         new events: 3 and more",
    );
}
