//! The timeline's filter: the topic groups, actions and time ranges the filter bar offers, and
//! [`TimelineFilterSpec`], what the user chose (saved by name), turned into a journal filter.

use serde::{Deserialize, Serialize};

use crate::cma::Timestamp;
use crate::timeline::EventFilter;

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
