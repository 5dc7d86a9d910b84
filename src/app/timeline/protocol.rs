//! What the timeline asks the worker and what it answers. [`TimelineRequest`] has two halves
//! that the worker routes by type: [`JournalRequest`]s are reads and writes of the journal and
//! the saved-filters file, answered on a blocking thread; [`TimelineTask`]s are the longer work
//! (the export, the rate chart, the sources panel, the call-log poller, the webhook).

use serde_json::Value;

use super::filter::{GROUPS, TimelineFilterSpec};
use crate::app::widgets::DiffLine;
use crate::cma::{ErrorBody, Timestamp};
use crate::timeline::export::{ExportFormat, ExportProgress};
use crate::timeline::{EventDetails, EventFilter, EventId, EventPayload, TimelineEvent};

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

/// What the timeline asks the worker: two halves, each routed by the compiler to its handler.
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineRequest {
    /// A read or write of the journal or the saved-filters file.
    Journal(JournalRequest),
    /// Longer work: the export, the rate chart, the sources panel, the call log, the webhook.
    Task(TimelineTask),
}

impl From<JournalRequest> for TimelineRequest {
    fn from(request: JournalRequest) -> Self {
        Self::Journal(request)
    }
}

impl From<TimelineTask> for TimelineRequest {
    fn from(task: TimelineTask) -> Self {
        Self::Task(task)
    }
}

/// Reads of the journal and the saved-filters file (blocking; answered on a blocking thread).
#[derive(Debug, Clone, PartialEq)]
pub enum JournalRequest {
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
}

/// The timeline's longer work, which talks to the space, writes files or runs until stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineTask {
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
