//! The timeline's data on the app side: a window onto the journal, never a copy of it.
//!
//! The list is *anchored*: it shows the events matching a filter with an id up to
//! [`TimelineRows::anchor`], newest first, and knows their number ([`TimelineRows::total`],
//! from `Journal::count_before`) — that is the scroll height, whatever the journal holds. Rows
//! are cached by **rank** (0 = the oldest matching event), which never changes when newer events
//! arrive, so pages fetched earlier stay valid when the list re-anchors. Pages of [`PAGE`] ranks
//! are fetched by the worker (blocking SQLite on `spawn_blocking`), at most [`MAX_CACHED_PAGES`]
//! kept; a page is fetched from the nearest cached id above it, so scrolling is an index range
//! scan and only a jump far away pays an `OFFSET` walk.
//!
//! Live: every notice of the journal bumps [`TimelineRows::live_seq`]; the view asks the worker
//! to catch up (`Journal::after` the anchor). While following, new events are appended at the
//! top ranks and the anchor moves; otherwise they are only counted ("N new events").
//!
//! Architecture Invariant: nothing here does I/O; [`TimelineRequest`]s go to the worker and
//! come back as [`TimelineResult`]s applied by [`TimelineRows::apply`].

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::widgets::DiffLine;
use crate::cma::{ErrorBody, Timestamp};
use crate::timeline::export::{ExportFormat, ExportProgress};
use crate::timeline::{EventDetails, EventFilter, EventId, EventPayload, TimelineEvent};

/// Ranks per fetched page.
pub const PAGE: u64 = 100;
/// Pages kept in the row cache; the farthest from the last fetched one go first.
pub const MAX_CACHED_PAGES: usize = 60;
/// The file (in the config directory) saved filters live in.
pub const FILTERS_FILE: &str = "timeline-filters.json";

/// A group of topics the filter chips offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicGroup {
    /// The chip's label.
    pub label: &'static str,
    /// Every topic of the group.
    pub topics: &'static [&'static str],
}

/// The topic groups, in chip order.
pub const GROUPS: [TopicGroup; 5] = [
    TopicGroup {
        label: "Release",
        topics: &[
            "Release.create",
            "Release.save",
            "Release.delete",
            "Release.archive",
            "Release.unarchive",
        ],
    },
    TopicGroup {
        label: "ReleaseAction",
        topics: &["ReleaseAction.create", "ReleaseAction.execute"],
    },
    TopicGroup {
        label: "BulkAction",
        topics: &["BulkAction.create", "BulkAction.execute"],
    },
    TopicGroup {
        label: "ScheduledAction",
        topics: &[
            "ScheduledAction.create",
            "ScheduledAction.save",
            "ScheduledAction.execute",
            "ScheduledAction.delete",
        ],
    },
    TopicGroup {
        label: "Entry/Asset",
        topics: &[
            "Entry.create",
            "Entry.save",
            "Entry.auto_save",
            "Entry.publish",
            "Entry.unpublish",
            "Entry.archive",
            "Entry.unarchive",
            "Entry.delete",
            "Asset.create",
            "Asset.save",
            "Asset.auto_save",
            "Asset.publish",
            "Asset.unpublish",
            "Asset.archive",
            "Asset.unarchive",
            "Asset.delete",
        ],
    },
];

/// The actions the filter chips offer.
pub const ACTIONS: [&str; 9] = [
    "create",
    "save",
    "execute",
    "publish",
    "unpublish",
    "archive",
    "unarchive",
    "delete",
    "auto_save",
];

/// Time ranges the filter offers: (label, minutes back; `None` for all time).
pub const RANGES: [(&str, Option<u32>); 5] = [
    ("All time", None),
    ("Last 5 minutes", Some(5)),
    ("Last hour", Some(60)),
    ("Last 24 hours", Some(24 * 60)),
    ("Last 7 days", Some(7 * 24 * 60)),
];

/// What the user chose in the filter bar; saved by name and turned into an [`EventFilter`]
/// (which the journal runs in SQL).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TimelineFilterSpec {
    /// Topic groups ([`TopicGroup::label`]); empty means all.
    pub groups: Vec<String>,
    /// Actions (`create`, `execute`, …); empty means all.
    pub actions: Vec<String>,
    /// `succeeded` or `failed` (the action status); `None` for any.
    pub status: Option<String>,
    /// An entity id (exact).
    pub entity_id: String,
    /// Free text over topic, summary, entity id and payload.
    pub text: String,
    /// Only the last this many minutes.
    pub range_minutes: Option<u32>,
    /// Only this one minute (minutes since the Unix epoch), chosen by clicking the rate chart.
    pub minute: Option<i64>,
}

impl TimelineFilterSpec {
    /// The topics the chips select: `None` when they select every topic. Groups and actions
    /// combine (ReleaseAction × execute = `ReleaseAction.execute`); a combination that names no
    /// topic selects nothing.
    pub fn topics(&self) -> Option<Vec<String>> {
        if self.groups.is_empty() && self.actions.is_empty() {
            return None;
        }
        let topics: Vec<String> = GROUPS
            .iter()
            .filter(|g| self.groups.is_empty() || self.groups.iter().any(|s| s == g.label))
            .flat_map(|g| g.topics.iter())
            .filter(|t| {
                self.actions.is_empty()
                    || t.split_once('.')
                        .is_some_and(|(_, a)| self.actions.iter().any(|s| s == a))
            })
            .map(|t| (*t).to_owned())
            .collect();
        // No topic at all: a topic nothing has, so the journal matches nothing.
        Some(if topics.is_empty() {
            vec!["-.-".to_owned()]
        } else {
            topics
        })
    }

    /// The journal filter, with the time range counted back from `now`.
    pub fn to_filter(&self, now: Timestamp) -> EventFilter {
        let trimmed = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        EventFilter {
            topics: self.topics().unwrap_or_default(),
            entity_id: trimmed(&self.entity_id),
            action_status: self.status.clone(),
            text: trimmed(&self.text),
            from: self
                .range_minutes
                .map(|m| Timestamp(now.0 - jiff::SignedDuration::from_mins(i64::from(m)))),
            ..EventFilter::default()
        }
        .narrowed_to_minute(self.minute)
    }

    /// The filter the rate chart counts: this filter without the clicked minute, over its time
    /// range — or the last [`RATE_DEFAULT_MINUTES`] when it has none.
    pub fn to_rate_filter(&self, now: Timestamp) -> EventFilter {
        let spec = Self {
            minute: None,
            range_minutes: Some(self.range_minutes.unwrap_or(RATE_DEFAULT_MINUTES)),
            ..self.clone()
        };
        spec.to_filter(now)
    }

    /// Whether nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Minutes the rate chart spans when the filter has no time range.
pub const RATE_DEFAULT_MINUTES: u32 = 60;

/// Narrowing a journal filter to one minute.
trait NarrowToMinute {
    fn narrowed_to_minute(self, minute: Option<i64>) -> Self;
}

impl NarrowToMinute for EventFilter {
    fn narrowed_to_minute(mut self, minute: Option<i64>) -> Self {
        if let Some(minute) = minute {
            let start = minute.saturating_mul(60_000);
            self.from = Timestamp::from_millis(start).or(self.from);
            self.until = Timestamp::from_millis(start.saturating_add(60_000)).or(self.until);
        }
        self
    }
}

/// The topic group (index into [`GROUPS`]) a topic belongs to: by its entity type, with entries
/// and assets together. `None` for a topic of no group.
pub fn group_of_topic(topic: &str) -> Option<usize> {
    let entity_type = topic.split_once('.').map_or(topic, |(t, _)| t);
    match entity_type {
        "Entry" | "Asset" => GROUPS.iter().position(|g| g.label == "Entry/Asset"),
        other => GROUPS.iter().position(|g| g.label == other),
    }
}

/// Events of one minute, per topic group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateBucket {
    /// Minutes since the Unix epoch.
    pub minute: i64,
    /// Events per group, in [`GROUPS`] order.
    pub counts: [u64; GROUPS.len()],
}

/// The event-rate chart's data: buckets over a minute range, newest answer only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateChart {
    /// The filter the buckets count.
    pub filter: EventFilter,
    /// The first minute of the range (minutes since the epoch).
    pub from_minute: i64,
    /// The last minute of the range (inclusive).
    pub to_minute: i64,
    /// Minutes with events, oldest first.
    pub buckets: Vec<RateBucket>,
    /// Whether an answer arrived.
    pub loaded: bool,
}

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

/// What the timeline asks the worker (all journal reads and the saved-filters file).
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineRequest {
    /// Anchor the list at the newest event matching `filter`: count, and the first page.
    Reset {
        /// The list generation this answers (a new filter is a new generation).
        generation: u64,
        /// The filter.
        filter: EventFilter,
    },
    /// One page of ranks.
    LoadPage {
        /// The list generation.
        generation: u64,
        /// The filter.
        filter: EventFilter,
        /// The page (`rank / PAGE`).
        page: u64,
        /// Start below this id (the nearest known row above the page, or the anchor + 1).
        before: Option<EventId>,
        /// Rows to skip below `before`.
        skip: u64,
        /// Rows wanted.
        limit: usize,
        /// The rank of the first (newest) row wanted.
        top_rank: u64,
    },
    /// Events matching `filter` after `after` (live).
    CatchUp {
        /// The list generation.
        generation: u64,
        /// The filter.
        filter: EventFilter,
        /// The anchor.
        after: EventId,
        /// The live sequence number this catches up to.
        seq: u64,
        /// Whether to append them (following) or only count them.
        follow: bool,
    },
    /// One event's headers, payload, previous version, cause and effects.
    LoadDetails {
        /// The event.
        id: EventId,
    },
    /// Save the filter under a name (replacing one of the same name).
    SaveFilter {
        /// Its name.
        name: String,
        /// The filter.
        spec: TimelineFilterSpec,
    },
    /// Read the saved filters.
    LoadFilters,
    /// Ask where to save, then write every event matching `filter` in `format`.
    Export {
        /// The filter (the table's).
        filter: EventFilter,
        /// NDJSON or CSV.
        format: ExportFormat,
    },
    /// Stop the export under way (its partial file is removed).
    CancelExport,
    /// Count events per minute and topic group over `filter`'s time range.
    LoadRate {
        /// The filter, with a time range.
        filter: EventFilter,
    },
    /// Read what the sources panel shows (signing, the space's webhooks).
    LoadSources,
    /// Start polling this webhook's call log into the journal (replacing a running poller).
    StartCallLog {
        /// The webhook definition id.
        webhook_id: String,
    },
    /// Stop polling the call log.
    StopCallLog,
    /// Create or update the timeline's webhook definition in the connected space, delivering
    /// every timeline topic to `url`, and set the space's signing secret to the receiver's.
    ConfigureWebhook {
        /// The public URL (a tunnel to the receiver).
        url: String,
    },
}

/// What the worker answers.
#[derive(Debug, Clone)]
pub enum TimelineResult {
    /// The list is anchored.
    Reset {
        /// The generation.
        generation: u64,
        /// The newest matching id (`None`: nothing matches yet).
        anchor: Option<EventId>,
        /// Matching events up to the anchor.
        total: u64,
        /// The newest page, newest first.
        first: Vec<TimelineEvent>,
    },
    /// A page arrived, newest first.
    PageLoaded {
        /// The generation.
        generation: u64,
        /// The page.
        page: u64,
        /// The rank of `events[0]`.
        top_rank: u64,
        /// The events.
        events: Vec<TimelineEvent>,
    },
    /// New events after the anchor, oldest first.
    CaughtUp {
        /// The generation.
        generation: u64,
        /// The live sequence number caught up to.
        seq: u64,
        /// Whether to append them.
        follow: bool,
        /// The events.
        events: Vec<TimelineEvent>,
        /// Whether there are more than these.
        more: bool,
    },
    /// An event's details.
    Details(Box<EventDetailData>),
    /// The saved filters, by name.
    FiltersLoaded(Vec<(String, TimelineFilterSpec)>),
    /// An export began writing to `path`.
    ExportStarted {
        /// The chosen file.
        path: String,
        /// Events to write.
        total: u64,
    },
    /// An export wrote more events.
    ExportProgressed(ExportProgress),
    /// An export ended (written, canceled, failed, or no file chosen).
    ExportEnded,
    /// The rate chart's counts arrived.
    RateLoaded(RateChart),
    /// The sources panel's data arrived.
    SourcesLoaded {
        /// Whether the receiver verifies signatures.
        signing: bool,
        /// The space's webhooks: (id, name, url).
        webhooks: Vec<(String, String, String)>,
    },
    /// The call-log poller started or stopped (`None`).
    CallLogChanged(Option<String>),
    /// A call-log poll ended.
    CallLogPolled {
        /// When.
        at: Timestamp,
        /// What it did, or why it failed.
        report: Result<String, String>,
    },
    /// The webhook definition was created or updated.
    WebhookConfigured {
        /// Its id.
        id: String,
        /// Its version now.
        version: u64,
        /// Where it delivers.
        url: String,
    },
    /// A request failed.
    Failed {
        /// What was being done.
        context: String,
        /// Why.
        message: String,
    },
}

/// Everything the detail panel shows about one event, prepared once by the worker.
#[derive(Debug, Clone)]
pub struct EventDetailData {
    /// Headers (redacted) and body.
    pub details: EventDetails,
    /// The body as JSON, when it is.
    pub json: Option<Value>,
    /// The error of a failed action in the payload.
    pub error: Option<ErrorBody>,
    /// The previous event of the same entity.
    pub previous: Option<TimelineEvent>,
    /// The line diff of the pretty JSON against `previous`'s payload.
    pub diff: Option<Vec<DiffLine>>,
    /// The action event that caused this one.
    pub cause: Option<TimelineEvent>,
    /// The events this action caused, newest first.
    pub effects: Vec<TimelineEvent>,
}

impl EventDetailData {
    /// The error of a failed action carried in a payload.
    pub fn error_of(payload: &EventPayload) -> Option<ErrorBody> {
        match payload {
            EventPayload::ReleaseAction(a) => a.error.clone(),
            EventPayload::BulkAction(a) => a.error.clone(),
            EventPayload::ScheduledAction(a) => a.error.clone(),
            _ => None,
        }
    }
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
            TimelineRequest::LoadPage { page, .. } => {
                self.pending.insert(*page);
            }
            TimelineRequest::CatchUp { .. } => self.catch_up_in_flight = true,
            TimelineRequest::ConfigureWebhook { .. } => self.sources.configuring = true,
            _ => {}
        }
    }

    /// The page requests needed to show display rows `first..=last` (plus a page of margin),
    /// for generation `generation`. Looks only at those ranks: cheap at any list size.
    pub fn page_requests(&self, generation: u64, first: u64, last: u64) -> Vec<TimelineRequest> {
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
            requests.push(TimelineRequest::LoadPage {
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
    pub fn catch_up_request(&self, generation: u64, follow: bool) -> Option<TimelineRequest> {
        (self.loaded
            && generation == self.generation
            && self.live_seq > self.caught_up_seq
            && !self.catch_up_in_flight)
            .then(|| TimelineRequest::CatchUp {
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
