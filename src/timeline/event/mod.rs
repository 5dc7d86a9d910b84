//! The timeline's event model: what one webhook delivery (or one logged webhook call) becomes.
//!
//! An [`IncomingEvent`] is built from a delivery's headers and body, by the receiver or the
//! call-log poller, before it is stored. It carries the facts the journal indexes (topic, entity,
//! version, environment, action status, the causing ids of the `x-contentful-…-id` headers,
//! attempt, idempotency key, signature [`Verdict`]) and the payload parsed per topic into the
//! crate's [`cma`](crate::cma) types ([`EventPayload`]); unknown topics stay raw JSON.
//!
//! Once stored, an event is a [`TimelineEvent`] (the light row a table shows, with its one-line
//! human [`summary`](TimelineEvent::summary)) and, on demand, [`EventDetails`] (headers and body).
//! Summaries are written by [`summarize`], which may use what the journal already knows about a
//! release (its title and size, [`ReleaseInfo`]) to say more than a payload alone can.
//!
//! Nothing here panics on input: every field is optional until proven present.

use serde::Deserialize;
use serde_json::Value;

use crate::cma::{
    BulkAction, EntityError, Entry, ErrorBody, LinkType, Release, ReleaseAction, ScheduledAction,
    Timestamp,
};

pub use crate::cma::webhook_headers::{
    ATTEMPT_HEADER, BULK_ACTION_ID_HEADER, CRN_HEADER, EVENT_DATETIME_HEADER,
    IDEMPOTENCY_KEY_HEADER, REDACTED, RELEASE_ACTION_ID_HEADER, RELEASE_ID_HEADER,
    RELEASE_VERSION_HEADER, RELEASE_VERSION_ID_HEADER, SCHEDULED_ACTION_ID_HEADER, TOPIC_HEADER,
    WEBHOOK_NAME_HEADER,
};

/// The rowid of a stored event: its identity and the journal's paging cursor.
pub type EventId = i64;

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Delivered to the receiver.
    Receiver,
    /// Read from a webhook's call log (`GET /webhooks/{id}/calls`).
    CallLog,
}

impl Origin {
    /// The stored name: `receiver` or `call_log`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Receiver => "receiver",
            Self::CallLog => "call_log",
        }
    }

    /// Reads a stored name; anything unknown is the receiver.
    pub fn parse(s: &str) -> Self {
        if s == "call_log" {
            Self::CallLog
        } else {
            Self::Receiver
        }
    }
}

/// The kind of a [`Verdict`], without its reason: what filters select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VerdictKind {
    /// The signature was checked and matched.
    Verified,
    /// Accepted without a signature check (no secret configured, or a logged call that could
    /// not be checked).
    Unsigned,
    /// Refused (bad or missing signature, expired, too large, not JSON).
    Rejected,
}

impl VerdictKind {
    /// The stored name: `verified`, `unsigned` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Unsigned => "unsigned",
            Self::Rejected => "rejected",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "verified" => Some(Self::Verified),
            "unsigned" => Some(Self::Unsigned),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

impl std::fmt::Display for VerdictKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the signature check (and the receiver's other checks) said about a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The signature matched.
    Verified,
    /// Not checked. `note` says why, when there is something to say.
    Unsigned {
        /// Why it was not checked (empty when no secret is configured).
        note: String,
    },
    /// Refused; the delivery is kept for inspection but never merged with accepted ones.
    Rejected {
        /// A stable code: [`VerifyError::reason_code`](crate::signing::VerifyError::reason_code)
        /// values, or `body_too_large`, `not_json`, `body_read_failed`.
        reason: String,
        /// A sentence for people.
        detail: String,
    },
}

impl Verdict {
    /// The kind, without the reason.
    pub fn kind(&self) -> VerdictKind {
        match self {
            Self::Verified => VerdictKind::Verified,
            Self::Unsigned { .. } => VerdictKind::Unsigned,
            Self::Rejected { .. } => VerdictKind::Rejected,
        }
    }

    /// Whether the delivery was accepted (verified or unsigned).
    pub fn is_accepted(&self) -> bool {
        !matches!(self, Self::Rejected { .. })
    }

    /// The rejection code, if rejected.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Rejected { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The human detail (rejection sentence or unsigned note), possibly empty.
    pub fn detail(&self) -> &str {
        match self {
            Self::Verified => "",
            Self::Unsigned { note } => note,
            Self::Rejected { detail, .. } => detail,
        }
    }

    /// Rebuilds a verdict from its stored columns.
    pub fn from_columns(kind: &str, reason: Option<String>, detail: Option<String>) -> Self {
        match VerdictKind::parse(kind) {
            Some(VerdictKind::Verified) => Self::Verified,
            Some(VerdictKind::Unsigned) => Self::Unsigned {
                note: detail.unwrap_or_default(),
            },
            _ => Self::Rejected {
                reason: reason.unwrap_or_else(|| "unknown".to_owned()),
                detail: detail.unwrap_or_default(),
            },
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rejected { reason, .. } => write!(f, "rejected ({reason})"),
            other => f.write_str(other.kind().as_str()),
        }
    }
}

/// The ids of what caused an event, from the `x-contentful-…-id` headers; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Causes {
    /// `x-contentful-release-id`.
    pub release_id: Option<String>,
    /// `x-contentful-release-version-id` (or `x-contentful-release-version`).
    pub release_version: Option<String>,
    /// `x-contentful-release-action-id`.
    pub release_action_id: Option<String>,
    /// `x-contentful-bulk-action-id`.
    pub bulk_action_id: Option<String>,
    /// `x-contentful-scheduled-action-id`.
    pub scheduled_action_id: Option<String>,
}

impl Causes {
    /// An action's own events carry no context headers (spec §6.2: they go only on the entry
    /// and asset (un)publishes it caused), so an action event is its own cause: a
    /// `ReleaseAction.*` names itself and its release, a `BulkAction.*` or `ScheduledAction.*`
    /// itself. Causes the headers named are kept.
    pub fn add_own(&mut self, entity_type: &str, id: Option<&str>, payload: Option<&Value>) {
        let own = || id.map(str::to_owned);
        match entity_type {
            "ReleaseAction" => {
                self.release_action_id = self.release_action_id.take().or_else(own);
                self.release_id = self.release_id.take().or_else(|| {
                    payload
                        .and_then(|p| p.pointer("/sys/release/sys/id"))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
            }
            "BulkAction" => self.bulk_action_id = self.bulk_action_id.take().or_else(own),
            "ScheduledAction" => {
                self.scheduled_action_id = self.scheduled_action_id.take().or_else(own);
            }
            _ => {}
        }
    }

    /// Reads the cause headers (names in any case; empty values count as absent).
    pub fn from_headers(headers: &[(String, String)]) -> Self {
        Self {
            release_id: header(headers, RELEASE_ID_HEADER).map(str::to_owned),
            release_version: header(headers, RELEASE_VERSION_ID_HEADER)
                .or_else(|| header(headers, RELEASE_VERSION_HEADER))
                .map(str::to_owned),
            release_action_id: header(headers, RELEASE_ACTION_ID_HEADER).map(str::to_owned),
            bulk_action_id: header(headers, BULK_ACTION_ID_HEADER).map(str::to_owned),
            scheduled_action_id: header(headers, SCHEDULED_ACTION_ID_HEADER).map(str::to_owned),
        }
    }

    /// Whether an action or schedule (not a person) caused the event.
    pub fn is_caused_by_action(&self) -> bool {
        self.release_action_id.is_some()
            || self.bulk_action_id.is_some()
            || self.scheduled_action_id.is_some()
    }
}

/// The first non-empty value of a header, by case-insensitive name, trimmed.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Splits a topic into entity type and action: `ContentManagement.Entry.publish` →
/// `("Entry", "publish")`, `Entry.publish` → the same. Anything else is kept whole as the type,
/// with an empty action.
pub fn split_topic(topic: &str) -> (String, String) {
    let topic = topic.trim();
    let rest = topic.strip_prefix("ContentManagement.").unwrap_or(topic);
    match rest.split_once('.') {
        Some((entity_type, action))
            if !entity_type.is_empty() && !action.is_empty() && !action.contains('.') =>
        {
            (entity_type.to_owned(), action.to_owned())
        }
        _ => (rest.to_owned(), String::new()),
    }
}

/// Decodes `X-Contentful-Webhook-Name`: names with characters above U+00FF (or control
/// characters) are sent percent-encoded; anything else is sent as is. A value is decoded only
/// when decoding yields UTF-8 with such a character, so a Latin-1 name containing `%` stays
/// intact.
pub fn decode_webhook_name(raw: &str) -> String {
    if raw.contains('%')
        && let Ok(decoded) = percent_encoding::percent_decode_str(raw).decode_utf8()
        && decoded
            .chars()
            .any(|c| u32::from(c) > 0xFF || c.is_control())
    {
        return decoded.into_owned();
    }
    raw.to_owned()
}

/// Bytes as ISO-8859-1 text: every byte is the character of the same number. This is how the
/// delivery engine encodes header values, so it is how they are decoded for verification.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// What the journal knows about a release from earlier `Release.*` events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInfo {
    /// Its title.
    pub title: String,
    /// How many entries it held.
    pub entries: usize,
    /// How many assets it held.
    pub assets: usize,
}

impl ReleaseInfo {
    /// Title and size of a release payload.
    pub fn of(release: &Release) -> Self {
        let (entries, assets) = count_links(release.entities.links().map(|l| l.link_type()));
        Self {
            title: release.title.clone(),
            entries,
            assets,
        }
    }
}

/// The payload, parsed per topic.
#[derive(Debug, Clone, PartialEq)]
pub enum EventPayload {
    /// `Release.*`.
    Release(Box<Release>),
    /// `ReleaseAction.*`.
    ReleaseAction(Box<ReleaseAction>),
    /// `BulkAction.*`.
    BulkAction(Box<BulkAction>),
    /// `ScheduledAction.*`.
    ScheduledAction(Box<ScheduledAction>),
    /// `Entry.*` or `Asset.*` (including the sys-only payloads of unpublish and delete).
    Entity(Box<Entry>),
    /// An unknown topic, or JSON that does not have the shape its topic promises; kept verbatim.
    Raw(Value),
    /// The body is not JSON (only on rejected deliveries).
    NotJson,
}

impl EventPayload {
    /// Parses `json` as the type the topic's entity type names; falls back to [`Self::Raw`].
    pub fn parse(entity_type: &str, json: Value) -> Self {
        fn typed<T: for<'de> Deserialize<'de>>(json: &Value) -> Option<Box<T>> {
            T::deserialize(json).ok().map(Box::new)
        }
        let parsed = match entity_type {
            "Release" => typed(&json).map(Self::Release),
            "ReleaseAction" => typed(&json).map(Self::ReleaseAction),
            "BulkAction" => typed(&json).map(Self::BulkAction),
            "ScheduledAction" => typed(&json).map(Self::ScheduledAction),
            "Entry" | "Asset" => typed(&json).map(Self::Entity),
            _ => None,
        };
        parsed.unwrap_or(Self::Raw(json))
    }

    /// Parses a body; bytes that are not JSON give [`Self::NotJson`].
    pub fn from_body(entity_type: &str, body: &[u8]) -> Self {
        match serde_json::from_slice::<Value>(body) {
            Ok(json) => Self::parse(entity_type, json),
            Err(_) => Self::NotJson,
        }
    }

    /// The action status when the payload is an action (`created`, `inProgress`, `succeeded`,
    /// `failed`; for schedules also `scheduled`, `canceled`).
    pub fn action_status(&self) -> Option<String> {
        match self {
            Self::ReleaseAction(a) => Some(a.sys.status.to_string()),
            Self::BulkAction(a) => Some(a.sys.status.to_string()),
            Self::ScheduledAction(a) => Some(a.sys.status.to_string()),
            _ => None,
        }
    }
}

/// The facts read from a JSON payload's `sys`, whatever its type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SysFacts {
    /// `sys.type`.
    pub type_: Option<String>,
    /// `sys.id`.
    pub id: Option<String>,
    /// `sys.version`, else `sys.revision` (published snapshots have no version).
    pub version: Option<u64>,
    /// `sys.environment.sys.id`.
    pub environment: Option<String>,
}

impl SysFacts {
    /// Reads `sys` of a JSON payload.
    pub fn of(json: &Value) -> Self {
        let text = |pointer: &str| {
            json.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Self {
            type_: text("/sys/type"),
            id: text("/sys/id"),
            version: json
                .pointer("/sys/version")
                .and_then(Value::as_u64)
                .or_else(|| json.pointer("/sys/revision").and_then(Value::as_u64)),
            environment: text("/sys/environment/sys/id"),
        }
    }
}

/// An event about to be stored: everything but its id, received time and summary, which the
/// journal assigns.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingEvent {
    /// Receiver or call log.
    pub origin: Origin,
    /// The receiver path's source name, or the poller's.
    pub source: String,
    /// `X-Contentful-Event-Datetime`, when present and valid.
    pub event_at: Option<Timestamp>,
    /// `Type.action` without the `ContentManagement.` prefix.
    pub topic: String,
    /// The entity type (`Release`, `Entry`, …).
    pub entity_type: String,
    /// The action (`create`, `publish`, …).
    pub action: String,
    /// `sys.id` of the payload, else the CRN's last segment.
    pub entity_id: Option<String>,
    /// `sys.version` (or `sys.revision`).
    pub version: Option<u64>,
    /// `sys.environment.sys.id`, else the CRN's environment.
    pub environment: Option<String>,
    /// The action status, when the payload is an action.
    pub action_status: Option<String>,
    /// The causing ids.
    pub causes: Causes,
    /// `X-Contentful-Webhook-Request-Attempt` (1 when absent or unreadable).
    pub attempt: u32,
    /// `X-Contentful-Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// `X-Contentful-Webhook-Name`, decoded.
    pub webhook_name: Option<String>,
    /// The signature verdict.
    pub verdict: Verdict,
    /// The HTTP status the receiver answered (or, for a logged call, what the target answered;
    /// 0 when it never did).
    pub http_status: u16,
    /// The logged call's id (call-log events only).
    pub call_id: Option<String>,
    /// Headers in arrival order, secret values already redacted.
    pub headers: Vec<(String, String)>,
    /// The body as kept (rejected deliveries keep only a prefix).
    pub body: Vec<u8>,
    /// The body's full length in bytes (larger than `body.len()` when truncated; for an
    /// oversized delivery, at least the limit).
    pub body_len: u64,
    /// The payload, parsed per topic.
    pub payload: EventPayload,
}

impl IncomingEvent {
    /// Builds an event from a delivery's (redacted) headers and kept body. `json` is the parsed
    /// body when it parsed. Everything indexable is read here, once.
    #[allow(clippy::too_many_arguments)]
    pub fn from_delivery(
        origin: Origin,
        source: impl Into<String>,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        body_len: u64,
        json: Option<Value>,
        verdict: Verdict,
        http_status: u16,
    ) -> Self {
        let topic_header = header(&headers, TOPIC_HEADER).unwrap_or_default();
        let facts = json.as_ref().map(SysFacts::of).unwrap_or_default();
        let (mut entity_type, mut action) = split_topic(topic_header);
        if entity_type.is_empty() {
            entity_type = facts.type_.clone().unwrap_or_else(|| "Unknown".to_owned());
        }
        if action.is_empty() {
            action = "unknown".to_owned();
        }
        let topic = format!("{entity_type}.{action}");
        let crn = header(&headers, CRN_HEADER).unwrap_or_default();
        let (crn_env, crn_id) = crn_parts(crn);
        let mut causes = Causes::from_headers(&headers);
        causes.add_own(&entity_type, facts.id.as_deref(), json.as_ref());
        let payload = match json {
            Some(json) => EventPayload::parse(&entity_type, json),
            None => EventPayload::NotJson,
        };
        Self {
            origin,
            source: source.into(),
            event_at: header(&headers, EVENT_DATETIME_HEADER).and_then(|v| v.parse().ok()),
            topic,
            entity_type,
            action,
            entity_id: facts.id.or(crn_id),
            version: facts.version,
            environment: facts.environment.or(crn_env),
            action_status: payload.action_status(),
            causes,
            attempt: header(&headers, ATTEMPT_HEADER)
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|n| *n > 0)
                .unwrap_or(1),
            idempotency_key: header(&headers, IDEMPOTENCY_KEY_HEADER).map(str::to_owned),
            webhook_name: header(&headers, WEBHOOK_NAME_HEADER).map(decode_webhook_name),
            verdict,
            http_status,
            call_id: None,
            headers,
            body,
            body_len,
            payload,
        }
    }

    /// The release this event tells about, for the journal's release titles (accepted
    /// `Release.*` events only).
    pub fn release_info(&self) -> Option<(String, ReleaseInfo)> {
        match &self.payload {
            EventPayload::Release(release) if self.verdict.is_accepted() => {
                Some((release.sys.id.clone(), ReleaseInfo::of(release)))
            }
            _ => None,
        }
    }
}

/// `crn:contentful:::content:spaces/{s}/environments/{e}/{kind}/{id}` → (`e`, `id`).
fn crn_parts(crn: &str) -> (Option<String>, Option<String>) {
    let Some((_, path)) = crn.rsplit_once(':') else {
        return (None, None);
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let env = segments
        .iter()
        .position(|s| *s == "environments")
        .and_then(|i| segments.get(i + 1))
        .map(|s| (*s).to_owned());
    let id = if segments.len() >= 2 {
        segments.last().map(|s| (*s).to_owned())
    } else {
        None
    };
    (env, id)
}

/// A stored event, as a table row shows it (no headers or body; see [`EventDetails`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    /// The journal's id; newer events have larger ids.
    pub id: EventId,
    /// When the journal stored it (non-decreasing with `id`).
    pub received_at: Timestamp,
    /// `X-Contentful-Event-Datetime`.
    pub event_at: Option<Timestamp>,
    /// Receiver or call log.
    pub origin: Origin,
    /// The source name.
    pub source: String,
    /// `Type.action`.
    pub topic: String,
    /// The entity type.
    pub entity_type: String,
    /// The action.
    pub action: String,
    /// The entity's id.
    pub entity_id: Option<String>,
    /// The entity's version.
    pub version: Option<u64>,
    /// The environment.
    pub environment: Option<String>,
    /// The action status, when the payload is an action.
    pub action_status: Option<String>,
    /// The causing ids.
    pub causes: Causes,
    /// The highest delivery attempt seen.
    pub attempt: u32,
    /// How many distinct attempts of this delivery were stored (retries counted, not stored
    /// twice).
    pub attempts: u32,
    /// The idempotency key, as sent.
    pub idempotency_key: Option<String>,
    /// The webhook's name.
    pub webhook_name: Option<String>,
    /// The signature verdict.
    pub verdict: Verdict,
    /// What the receiver answered (or the target, for a logged call).
    pub http_status: u16,
    /// The logged call's id, for call-log events.
    pub call_id: Option<String>,
    /// One line for people.
    pub summary: String,
    /// The body's full length in bytes.
    pub body_len: u64,
}

impl TimelineEvent {
    /// One line for a log or terminal: received time, topic, entity id, verdict (and the
    /// attempt when it was a retry), separated by two spaces.
    pub fn log_line(&self) -> String {
        let entity = self.entity_id.as_deref().unwrap_or("-");
        let attempt = if self.attempt > 1 {
            format!("  attempt {}", self.attempt)
        } else {
            String::new()
        };
        format!(
            "{}  {}  {}  {}{attempt}",
            self.received_at, self.topic, entity, self.verdict
        )
    }
}

/// A stored event with its headers and body.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDetails {
    /// The row.
    pub event: TimelineEvent,
    /// Headers in arrival order, secrets redacted.
    pub headers: Vec<(String, String)>,
    /// The body as kept.
    pub body: Vec<u8>,
}

impl EventDetails {
    /// Whether the stored body is shorter than what arrived.
    pub fn is_truncated(&self) -> bool {
        (self.body.len() as u64) < self.event.body_len
    }

    /// The body parsed as JSON, if it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The payload parsed per topic.
    pub fn payload(&self) -> EventPayload {
        EventPayload::from_body(&self.event.entity_type, &self.body)
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

// ---- Summaries ------------------------------------------------------------------------------

/// Writes the one-line human summary of an event. `release` looks up what the journal knows
/// about a release id (title and size), so action events can name the release.
pub fn summarize(event: &IncomingEvent, release: &dyn Fn(&str) -> Option<ReleaseInfo>) -> String {
    let past = past_tense(&event.action);
    let causes = &event.causes;
    match &event.payload {
        EventPayload::Release(r) => {
            let info = ReleaseInfo::of(r);
            let size = match event.action.as_str() {
                "create" | "save" => format!(" ({})", size_label(info.entries, info.assets)),
                _ => String::new(),
            };
            format!("Release '{}' {past}{size}{}", r.title, cause_suffix(causes))
        }
        EventPayload::ReleaseAction(a) => {
            let release_id = a.sys.release.id();
            let known = release(release_id);
            let verb = action_verb(&event.action, &a.sys.status.to_string());
            let outcome = outcome_text(&verb, a.error.as_ref());
            let scheduled = causes
                .scheduled_action_id
                .as_deref()
                .map(|id| format!(" (scheduled action {id})"))
                .unwrap_or_default();
            match known {
                Some(info) => {
                    let size = if a.error.is_none() {
                        format!(" ({})", size_label(info.entries, info.assets))
                    } else {
                        String::new()
                    };
                    format!(
                        "Release '{}': {} {outcome}{size}{scheduled}",
                        info.title, a.action
                    )
                }
                None => format!(
                    "Release action {} on release {release_id} {outcome}{scheduled}",
                    a.action
                ),
            }
        }
        EventPayload::BulkAction(b) => {
            let (entries, assets) = count_links(
                b.payload
                    .entities
                    .links()
                    .into_iter()
                    .map(|l| l.link_type()),
            );
            let verb = action_verb(&event.action, &b.sys.status.to_string());
            format!(
                "Bulk {} of {} {}",
                b.action,
                size_label(entries, assets),
                outcome_text(&verb, b.error.as_ref())
            )
        }
        EventPayload::ScheduledAction(s) => {
            let target = match s.entity.link_type() {
                LinkType::Release => match release(s.entity.id()) {
                    Some(info) => format!("Release '{}'", info.title),
                    None => format!("Release {}", s.entity.id()),
                },
                other => format!("{other} {}", s.entity.id()),
            };
            let when = || {
                let at = format_in_zone(
                    s.scheduled_for.datetime,
                    s.scheduled_for.timezone.as_deref(),
                );
                format!(" for {at}")
            };
            let tail = match event.action.as_str() {
                "create" => format!("created{}", when()),
                "save" => format!("rescheduled{}", when()),
                "delete" => "canceled".to_owned(),
                action => {
                    let verb = action_verb(action, &s.sys.status.to_string());
                    outcome_text(&verb, s.error.as_ref())
                }
            };
            format!("Scheduled {} of {target} {tail}", s.action)
        }
        EventPayload::Entity(e) => {
            let type_ = if event.entity_type.is_empty() {
                e.sys.type_.as_str()
            } else {
                event.entity_type.as_str()
            };
            format!("{type_} '{}' {past}{}", e.sys.id, cause_suffix(causes))
        }
        EventPayload::Raw(json) => {
            let id = SysFacts::of(json).id.or_else(|| event.entity_id.clone());
            match id {
                Some(id) => format!(
                    "{} '{id}' {past}{}",
                    event.entity_type,
                    cause_suffix(causes)
                ),
                None => format!("{} {past}", event.entity_type),
            }
        }
        EventPayload::NotJson => {
            let truncated = if (event.body.len() as u64) < event.body_len {
                ", truncated"
            } else {
                ""
            };
            format!(
                "{} with a body that is not JSON ({} bytes{truncated})",
                event.topic, event.body_len
            )
        }
    }
}

/// `publish` → `published`, `auto_save` → `auto-saved`, …
fn past_tense(action: &str) -> String {
    match action {
        "create" => "created".to_owned(),
        "save" => "saved".to_owned(),
        "auto_save" => "auto-saved".to_owned(),
        "publish" => "published".to_owned(),
        "unpublish" => "unpublished".to_owned(),
        "archive" => "archived".to_owned(),
        "unarchive" => "unarchived".to_owned(),
        "delete" => "deleted".to_owned(),
        "execute" => "executed".to_owned(),
        "" | "unknown" => "changed".to_owned(),
        other => other.to_owned(),
    }
}

/// For an action's `execute`, its final status (`succeeded`, `failed`); `started` for its
/// `create`; otherwise the topic's past tense.
fn action_verb(action: &str, status: &str) -> String {
    match action {
        "execute" => status.to_owned(),
        "create" => "started".to_owned(),
        other => past_tense(other),
    }
}

/// `failed: 2 invalid entries` when there is an error, else the verb.
fn outcome_text(verb: &str, error: Option<&ErrorBody>) -> String {
    match error {
        Some(error) => format!("{verb}: {}", describe_error(error)),
        None => verb.to_owned(),
    }
}

/// `2 invalid entries`, `1 invalid asset`, or the error's message.
fn describe_error(error: &ErrorBody) -> String {
    let entity_errors: Vec<EntityError> = error.entity_errors();
    if entity_errors.is_empty() {
        return error.message_or_id().to_owned();
    }
    let links: Vec<LinkType> = entity_errors
        .iter()
        .filter_map(|e| e.link().map(|l| l.sys.link_type))
        .collect();
    let (entries, assets) = count_links(links.iter());
    let other = entity_errors.len().saturating_sub(entries + assets);
    let noun = match (entries, assets + other) {
        (1, 0) => "entry",
        (_, 0) => "entries",
        (0, 1) if other == 0 => "asset",
        (0, _) if other == 0 => "assets",
        (_, _) if entity_errors.len() == 1 => "entity",
        _ => "entities",
    };
    format!("{} invalid {noun}", entity_errors.len())
}

/// Counts entry and asset links.
fn count_links<'a>(links: impl Iterator<Item = &'a LinkType>) -> (usize, usize) {
    links.fold((0, 0), |(entries, assets), link| match link {
        LinkType::Entry => (entries + 1, assets),
        LinkType::Asset => (entries, assets + 1),
        _ => (entries, assets),
    })
}

/// `12 entries`, `1 entry, 2 assets`, `no entries`.
fn size_label(entries: usize, assets: usize) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (entries, assets) {
        (0, 0) => "no entries".to_owned(),
        (e, 0) => plural(e, "entry", "entries"),
        (0, a) => plural(a, "asset", "assets"),
        (e, a) => format!(
            "{}, {}",
            plural(e, "entry", "entries"),
            plural(a, "asset", "assets")
        ),
    }
}

/// ` by release action ra9`, ` by bulk action b1`, ` by scheduled action sa1`, or nothing.
/// For an entry or asset published by a scheduled release, both are named.
fn cause_suffix(causes: &Causes) -> String {
    match (
        &causes.release_action_id,
        &causes.bulk_action_id,
        &causes.scheduled_action_id,
    ) {
        (Some(ra), _, Some(sa)) => format!(" by release action {ra} (scheduled action {sa})"),
        (Some(ra), _, None) => format!(" by release action {ra}"),
        (None, Some(b), _) => format!(" by bulk action {b}"),
        (None, None, Some(sa)) => format!(" by scheduled action {sa}"),
        (None, None, None) => String::new(),
    }
}

/// `2026-06-01 09:00 Europe/Berlin`, in the zone the user chose (UTC when none or unknown).
fn format_in_zone(at: Timestamp, zone: Option<&str>) -> String {
    if let Some(zone) = zone
        && let Ok(zoned) = at.0.in_tz(zone)
    {
        return format!("{} {zone}", zoned.strftime("%Y-%m-%d %H:%M"));
    }
    format!("{} UTC", at.0.strftime("%Y-%m-%d %H:%M"))
}

#[cfg(test)]
mod tests;
