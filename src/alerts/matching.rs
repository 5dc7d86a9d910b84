//! Whether an event matches a rule: pure, over the few facts a rule can ask about.
//!
//! [`EventFacts`] is read once from an [`IncomingEvent`] (topic, action status and operation,
//! the release it is about or was caused by, an entry's content type, when it happened);
//! [`matches()`] tests one rule against them. Rejected deliveries (forged, unsigned where a
//! signature is required, not JSON) never match anything: a rule acts only on what the
//! receiver accepted.

use jiff::Timestamp;

use super::rules::{ParsedWindow, Rule, When};
use crate::cma::LinkType;
use crate::timeline::event::{EventPayload, IncomingEvent};

/// What a rule can ask about an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFacts {
    /// `Type.action`.
    pub topic: String,
    /// Whether the receiver accepted it.
    pub accepted: bool,
    /// The action's status (`failed`, `succeeded`, …), for action payloads.
    pub status: Option<String>,
    /// The action's operation (`publish`, `unpublish`, `validate`), for action payloads.
    pub operation: Option<String>,
    /// The release it is about or was caused by.
    pub release_id: Option<String>,
    /// That release's title, when the payload (or the journal) knows it.
    pub release_title: Option<String>,
    /// An entry's content type id.
    pub content_type: Option<String>,
    /// When it happened (the event's own time, else when it was received).
    pub at: Option<Timestamp>,
}

impl EventFacts {
    /// Reads the facts of `event`; `release_title` is what the journal knows of its release.
    pub fn of(event: &IncomingEvent, release_title: Option<String>) -> Self {
        let (operation, release_id, payload_title, content_type) = match &event.payload {
            EventPayload::Release(r) => (None, Some(r.sys.id.clone()), Some(r.title.clone()), None),
            EventPayload::ReleaseAction(a) => (
                Some(a.action.to_string()),
                Some(a.sys.release.id().to_owned()),
                None,
                None,
            ),
            EventPayload::BulkAction(b) => (Some(b.action.to_string()), None, None, None),
            EventPayload::ScheduledAction(s) => (
                Some(s.action.to_string()),
                (*s.entity.link_type() == LinkType::Release).then(|| s.entity.id().to_owned()),
                None,
                None,
            ),
            EventPayload::Entity(e) => (
                None,
                None,
                None,
                e.sys.content_type.as_ref().map(|l| l.id().to_owned()),
            ),
            EventPayload::Raw(_) | EventPayload::NotJson => (None, None, None, None),
        };
        Self {
            topic: event.topic.clone(),
            accepted: event.verdict.is_accepted(),
            status: event.action_status.clone(),
            operation,
            release_id: release_id.or_else(|| event.causes.release_id.clone()),
            release_title: payload_title.or(release_title),
            content_type,
            at: event.event_at.map(|t| t.0),
        }
    }
}

/// Whether `rule` is enabled and its `when` holds for `facts`; `now` stands in for the time
/// of an event that carries none.
pub fn matches(rule: &Rule, facts: &EventFacts, now: Timestamp) -> bool {
    rule.enabled && facts.accepted && when_holds(&rule.when, facts, now)
}

fn when_holds(when: &When, facts: &EventFacts, now: Timestamp) -> bool {
    if !when.topics.iter().any(|t| topic_matches(t, &facts.topic)) {
        return false;
    }
    if let Some(status) = when.status
        && facts.status.as_deref() != Some(status.as_str())
    {
        return false;
    }
    if let Some(op) = &when.operation
        && facts.operation.as_deref() != Some(op.as_str())
    {
        return false;
    }
    if let Some(release) = &when.release
        && facts.release_id.as_deref() != Some(release.as_str())
        && facts.release_title.as_deref() != Some(release.as_str())
    {
        return false;
    }
    if let Some(content_type) = &when.content_type
        && facts.content_type.as_deref() != Some(content_type.as_str())
    {
        return false;
    }
    match &when.window {
        // An unusable window (validation rejects these) matches nothing rather than everything.
        Some(window) => window
            .parsed()
            .is_ok_and(|w| in_window(&w, facts.at.unwrap_or(now))),
        None => true,
    }
}

/// `pattern` (`Type.action`, `Type.*`, `*`, with or without `ContentManagement.`) against a
/// `Type.action` topic.
pub fn topic_matches(pattern: &str, topic: &str) -> bool {
    let pattern = pattern.trim();
    let pattern = pattern
        .strip_prefix("ContentManagement.")
        .unwrap_or(pattern);
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix(".*") {
        Some(kind) => topic
            .split_once('.')
            .is_some_and(|(topic_kind, _)| topic_kind == kind),
        None => pattern == topic,
    }
}

/// Whether `at` falls in the window (in its zone, on its days).
pub fn in_window(window: &ParsedWindow, at: Timestamp) -> bool {
    let local = at.to_zoned(window.zone.clone());
    let minute =
        u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap_or(0);
    // A window across midnight belongs to the day it starts on.
    let (inside, day) = if window.from <= window.until {
        (
            minute >= window.from && minute < window.until,
            local.weekday(),
        )
    } else if minute >= window.from {
        (true, local.weekday())
    } else {
        (minute < window.until, local.weekday().previous())
    };
    inside && (window.days.is_empty() || window.days.contains(&day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::rules::{Action, Status, TimeWindow};

    fn rule(when: When) -> Rule {
        Rule {
            id: "r".into(),
            name: "r".into(),
            enabled: true,
            when,
            then: Action::Notify,
        }
    }

    fn facts(topic: &str, status: Option<&str>) -> EventFacts {
        EventFacts {
            topic: topic.into(),
            accepted: true,
            status: status.map(str::to_owned),
            operation: Some("publish".into()),
            release_id: Some("rel-1".into()),
            release_title: Some("Spring launch".into()),
            content_type: None,
            at: Some("2026-06-01T07:30:00Z".parse().unwrap()),
        }
    }

    fn topics(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn rules_match_by_topic_and_conditions() {
        let failed = facts("ScheduledAction.execute", Some("failed"));
        let now = Timestamp::UNIX_EPOCH;
        let window = |from: &str, until: &str, days: &[&str]| {
            Some(TimeWindow {
                from: from.into(),
                until: until.into(),
                zone: Some("Europe/Berlin".into()),
                days: topics(days),
            })
        };
        // 07:30 UTC on Monday 2026-06-01 is 09:30 in Berlin.
        let cases: Vec<(&str, When, bool)> = vec![
            (
                "exact topic",
                When {
                    topics: topics(&["ScheduledAction.execute"]),
                    ..When::default()
                },
                true,
            ),
            (
                "prefixed topic",
                When {
                    topics: topics(&["ContentManagement.ScheduledAction.execute"]),
                    ..When::default()
                },
                true,
            ),
            (
                "type wildcard",
                When {
                    topics: topics(&["ScheduledAction.*"]),
                    ..When::default()
                },
                true,
            ),
            (
                "everything",
                When {
                    topics: topics(&["*"]),
                    ..When::default()
                },
                true,
            ),
            (
                "other topic",
                When {
                    topics: topics(&["Release.save"]),
                    ..When::default()
                },
                false,
            ),
            ("no topic", When::default(), false),
            (
                "status failed",
                When {
                    topics: topics(&["*"]),
                    status: Some(Status::Failed),
                    ..When::default()
                },
                true,
            ),
            (
                "status succeeded",
                When {
                    topics: topics(&["*"]),
                    status: Some(Status::Succeeded),
                    ..When::default()
                },
                false,
            ),
            (
                "operation",
                When {
                    topics: topics(&["*"]),
                    operation: Some("publish".into()),
                    ..When::default()
                },
                true,
            ),
            (
                "other operation",
                When {
                    topics: topics(&["*"]),
                    operation: Some("validate".into()),
                    ..When::default()
                },
                false,
            ),
            (
                "release by id",
                When {
                    topics: topics(&["*"]),
                    release: Some("rel-1".into()),
                    ..When::default()
                },
                true,
            ),
            (
                "release by title",
                When {
                    topics: topics(&["*"]),
                    release: Some("Spring launch".into()),
                    ..When::default()
                },
                true,
            ),
            (
                "other release",
                When {
                    topics: topics(&["*"]),
                    release: Some("rel-2".into()),
                    ..When::default()
                },
                false,
            ),
            (
                "content type",
                When {
                    topics: topics(&["*"]),
                    content_type: Some("article".into()),
                    ..When::default()
                },
                false,
            ),
            (
                "in window",
                When {
                    topics: topics(&["*"]),
                    window: window("09:00", "18:00", &[]),
                    ..When::default()
                },
                true,
            ),
            (
                "before window",
                When {
                    topics: topics(&["*"]),
                    window: window("10:00", "18:00", &[]),
                    ..When::default()
                },
                false,
            ),
            (
                "on a listed day",
                When {
                    topics: topics(&["*"]),
                    window: window("09:00", "18:00", &["mon"]),
                    ..When::default()
                },
                true,
            ),
            (
                "not on a listed day",
                When {
                    topics: topics(&["*"]),
                    window: window("09:00", "18:00", &["tue"]),
                    ..When::default()
                },
                false,
            ),
            (
                "across midnight, after it",
                When {
                    topics: topics(&["*"]),
                    window: window("22:00", "10:00", &["sun"]),
                    ..When::default()
                },
                true,
            ),
        ];
        for (name, when, expected) in cases {
            assert_eq!(matches(&rule(when), &failed, now), expected, "{name}");
        }
    }

    #[test]
    fn disabled_rules_and_rejected_deliveries_match_nothing() {
        let when = When {
            topics: topics(&["*"]),
            ..When::default()
        };
        let mut disabled = rule(when.clone());
        disabled.enabled = false;
        let event = facts("Release.save", None);
        assert!(!matches(&disabled, &event, Timestamp::UNIX_EPOCH));
        let rejected = EventFacts {
            accepted: false,
            ..event
        };
        assert!(!matches(&rule(when), &rejected, Timestamp::UNIX_EPOCH));
    }
}
