//! [`TimelineRows`]: the anchored, paged window onto the journal (rows by rank), the selected
//! event's detail, and the state of the export, the rate chart and the sources panel.

use std::collections::{BTreeMap, HashSet};

use super::filter::TimelineFilterSpec;
use super::protocol::{
    EventDetailData, JournalRequest, RateChart, TimelineRequest, TimelineResult, TimelineTask,
};
use crate::cma::Timestamp;
use crate::timeline::{EventFilter, EventId, TimelineEvent};

/// Ranks per fetched page.
pub const PAGE: u64 = 100;
/// Pages kept in the row cache; the farthest from the last fetched one go first.
pub const MAX_CACHED_PAGES: usize = 60;

/// An export under way (after the file was chosen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportStatus {
    /// The file being written.
    pub path: String,
    /// Events written so far.
    pub done: u64,
    /// Events to write.
    pub total: u64,
}

/// What the sources panel shows: the receiver's signing, the space's webhooks, the call-log
/// poller, the webhook the app configured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourcesStatus {
    /// Whether the receiver verifies signatures (it has a signing secret).
    pub signing: bool,
    /// The space's webhook definitions: (id, name, url).
    pub webhooks: Vec<(String, String, String)>,
    /// Whether the webhook list arrived.
    pub loaded: bool,
    /// The webhook whose call log is polled, when the poller runs.
    pub polling: Option<String>,
    /// When the last poll ended.
    pub last_poll: Option<Timestamp>,
    /// The last poll's outcome, in words.
    pub last_report: Option<Result<String, String>>,
    /// The webhook definition created or updated by the app: (id, version, url).
    pub configured: Option<(String, u64, String)>,
    /// Whether a create/update is in flight.
    pub configuring: bool,
}

/// The anchored, paged list of timeline events and the detail of the selected one.
#[derive(Debug, Default)]
pub struct TimelineRows {
    /// The generation the rows belong to.
    pub generation: u64,
    /// The filter of this generation.
    pub filter: EventFilter,
    /// The newest id in the list.
    pub anchor: Option<EventId>,
    /// How many events the list has (the scroll height).
    pub total: u64,
    /// Whether the generation's first answer arrived.
    pub loaded: bool,
    rows: BTreeMap<u64, TimelineEvent>,
    pending: HashSet<u64>,
    /// Bumped by every live notice from the journal.
    pub live_seq: u64,
    /// The live sequence number the list has caught up to.
    pub caught_up_seq: u64,
    catch_up_in_flight: bool,
    /// Matching events after the anchor, not shown (not following).
    pub new_events: u64,
    /// Whether there are more new events than `new_events`.
    pub new_more: bool,
    /// The selected event's details.
    pub detail: Option<Box<EventDetailData>>,
    /// The saved filters, by name.
    pub saved_filters: Vec<(String, TimelineFilterSpec)>,
    /// The last error.
    pub error: Option<String>,
    /// The export under way, if any.
    pub export: Option<ExportStatus>,
    /// The event-rate chart.
    pub rate: RateChart,
    /// The sources panel.
    pub sources: SourcesStatus,
}

impl TimelineRows {
    /// The row at `index` (0 = newest), if cached.
    pub fn row(&self, index: u64) -> Option<&TimelineEvent> {
        let rank = self.total.checked_sub(index + 1)?;
        self.rows.get(&rank)
    }

    /// The display index (0 = newest) of a cached event.
    pub fn index_of(&self, id: EventId) -> Option<u64> {
        self.rows
            .iter()
            .find(|(_, e)| e.id == id)
            .and_then(|(rank, _)| self.total.checked_sub(rank + 1))
    }

    /// How many rows are cached.
    pub fn cached(&self) -> usize {
        self.rows.len()
    }

    /// Notes a request as sent (pending pages, a catch-up in flight).
    pub fn on_request(&mut self, request: &TimelineRequest) {
        match request {
            TimelineRequest::Journal(JournalRequest::LoadPage { page, .. }) => {
                self.pending.insert(*page);
            }
            TimelineRequest::Journal(JournalRequest::CatchUp { .. }) => {
                self.catch_up_in_flight = true;
            }
            TimelineRequest::Task(TimelineTask::ConfigureWebhook { .. }) => {
                self.sources.configuring = true;
            }
            _ => {}
        }
    }

    /// The page requests needed to show display rows `first..=last` (plus a page of margin),
    /// for generation `generation`. Looks only at those ranks: cheap at any list size.
    pub fn page_requests(&self, generation: u64, first: u64, last: u64) -> Vec<JournalRequest> {
        if !self.loaded || generation != self.generation || self.total == 0 {
            return Vec::new();
        }
        let last = last.min(self.total - 1);
        let first = first.min(last);
        // Display index → rank: the newest rows have the highest ranks.
        let low_rank = (self.total - 1 - last).saturating_sub(PAGE);
        let high_rank = (self.total - 1 - first + PAGE).min(self.total - 1);
        let mut requests = Vec::new();
        for page in (low_rank / PAGE)..=(high_rank / PAGE) {
            if self.pending.contains(&page) {
                continue;
            }
            let start = page * PAGE;
            let end = ((page + 1) * PAGE).min(self.total); // exclusive
            if start >= end || (start..end).all(|r| self.rows.contains_key(&r)) {
                continue;
            }
            let top = end - 1;
            // The nearest cached row above the page: page from its id.
            let (before, skip) = match self.rows.range(top + 1..).next() {
                Some((rank, event)) => (Some(event.id), rank - top - 1),
                None => (self.anchor.map(|a| a + 1), self.total - 1 - top),
            };
            requests.push(JournalRequest::LoadPage {
                generation,
                filter: self.filter.clone(),
                page,
                before,
                skip,
                limit: usize::try_from(end - start).unwrap_or(1),
                top_rank: top,
            });
        }
        requests
    }

    /// The catch-up to send when live notices arrived since the last one, if none is in flight.
    pub fn catch_up_request(&self, generation: u64, follow: bool) -> Option<JournalRequest> {
        (self.loaded
            && generation == self.generation
            && self.live_seq > self.caught_up_seq
            && !self.catch_up_in_flight)
            .then(|| JournalRequest::CatchUp {
                generation,
                filter: self.filter.clone(),
                after: self.anchor.unwrap_or(0),
                seq: self.live_seq,
                follow,
            })
    }

    /// Applies the worker's answer.
    pub fn apply(&mut self, result: TimelineResult) {
        match result {
            TimelineResult::Reset {
                generation,
                anchor,
                total,
                first,
            } => {
                if generation < self.generation {
                    return;
                }
                self.generation = generation;
                self.anchor = anchor;
                self.total = total;
                self.loaded = true;
                self.rows.clear();
                self.pending.clear();
                self.new_events = 0;
                self.new_more = false;
                self.error = None;
                for (i, event) in first.into_iter().enumerate() {
                    if let Some(rank) = total.checked_sub(i as u64 + 1) {
                        self.rows.insert(rank, event);
                    }
                }
            }
            TimelineResult::PageLoaded {
                generation,
                page,
                top_rank,
                events,
            } => {
                if generation != self.generation {
                    return;
                }
                self.pending.remove(&page);
                for (i, event) in events.into_iter().enumerate() {
                    if let Some(rank) = top_rank.checked_sub(i as u64) {
                        self.rows.insert(rank, event);
                    }
                }
                self.evict_far_from(page);
            }
            TimelineResult::CaughtUp {
                generation,
                seq,
                follow,
                events,
                more,
            } => {
                self.catch_up_in_flight = false;
                if generation != self.generation {
                    return;
                }
                if follow {
                    for event in events {
                        self.anchor = Some(event.id);
                        self.rows.insert(self.total, event);
                        self.total += 1;
                    }
                    self.new_events = 0;
                    self.new_more = false;
                    // More waiting: leave the sequence behind so the next frame asks again.
                    if !more {
                        self.caught_up_seq = seq;
                    }
                } else {
                    self.new_events = events.len() as u64;
                    self.new_more = more;
                    self.caught_up_seq = seq;
                }
            }
            TimelineResult::Details(detail) => self.detail = Some(detail),
            TimelineResult::FiltersLoaded(filters) => self.saved_filters = filters,
            TimelineResult::ExportStarted { path, total } => {
                self.export = Some(ExportStatus {
                    path,
                    done: 0,
                    total,
                });
            }
            TimelineResult::ExportProgressed(progress) => {
                if let Some(export) = &mut self.export {
                    export.done = progress.done;
                    export.total = progress.total;
                }
            }
            TimelineResult::ExportEnded => self.export = None,
            TimelineResult::RateLoaded(rate) => self.rate = rate,
            TimelineResult::SourcesLoaded { signing, webhooks } => {
                self.sources.signing = signing;
                self.sources.webhooks = webhooks;
                self.sources.loaded = true;
            }
            TimelineResult::CallLogChanged(webhook) => {
                if webhook.is_none() || webhook != self.sources.polling {
                    self.sources.last_poll = None;
                    self.sources.last_report = None;
                }
                self.sources.polling = webhook;
            }
            TimelineResult::CallLogPolled { at, report } => {
                self.sources.last_poll = Some(at);
                self.sources.last_report = Some(report);
            }
            TimelineResult::WebhookConfigured { id, version, url } => {
                self.sources.configuring = false;
                self.sources.configured = Some((id, version, url));
            }
            TimelineResult::Failed { context, message } => {
                self.sources.configuring = false;
                self.catch_up_in_flight = false;
                self.pending.clear();
                self.error = Some(format!("{context}: {message}"));
            }
        }
    }

    /// Keeps the row cache bounded: drops whole pages farthest from `page`.
    fn evict_far_from(&mut self, page: u64) {
        let mut pages: Vec<u64> = self.rows.keys().map(|rank| rank / PAGE).collect();
        pages.dedup();
        if pages.len() <= MAX_CACHED_PAGES {
            return;
        }
        pages.sort_by_key(|p| std::cmp::Reverse(p.abs_diff(page)));
        let excess = pages.len() - MAX_CACHED_PAGES;
        for p in pages.into_iter().take(excess) {
            let ranks: Vec<u64> = self
                .rows
                .range(p * PAGE..(p + 1) * PAGE)
                .map(|(rank, _)| *rank)
                .collect();
            for rank in ranks {
                self.rows.remove(&rank);
            }
        }
    }
}

#[cfg(test)]
mod tests;
