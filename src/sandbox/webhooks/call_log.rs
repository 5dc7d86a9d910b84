//! The call log: one recorded call per delivery attempt, its overview/details forms and health.

use super::*;

// ---- The call log ---------------------------------------------------------------------------

/// One delivery attempt, as the call log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedCall {
    /// Call id (unique per attempt).
    pub id: String,
    /// The webhook definition that made the call.
    pub webhook_id: String,
    /// The action part of the topic (`publish`), the API's `eventType`.
    pub event_type: String,
    /// The full topic, `ContentManagement.Entry.publish`.
    pub topic: String,
    /// Target URL.
    pub url: String,
    /// What was sent (secrets redacted, body truncated).
    pub request: WebhookCallRequest,
    /// What came back; `None` when no response arrived.
    pub response: Option<WebhookCallResponse>,
    /// Response status; `None` when no response arrived.
    pub status_code: Option<u16>,
    /// Failure names: [`TIMEOUT_ERROR`], [`CONNECTION_ERROR`], [`INVALID_URL_ERROR`],
    /// [`CLIENT_ERROR`]; empty when a response arrived whole.
    pub errors: Vec<String>,
    /// When the request was sent.
    pub request_at: Timestamp,
    /// When the response was read; `None` when none arrived.
    pub response_at: Option<Timestamp>,
    /// 1 for the first attempt, then 2, 3, …
    pub attempt: u32,
}

impl RecordedCall {
    /// Whether the receiver answered 2xx (what health counts as healthy).
    pub fn is_healthy(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }

    fn sys(&self, type_: &str, space_id: &str) -> WebhookCallSys {
        WebhookCallSys {
            type_: type_.to_owned(),
            id: self.id.clone(),
            space: Some(Link::new(LinkType::Space, space_id)),
            created_by: Some(Link::new(
                LinkType::WebhookDefinition,
                self.webhook_id.clone(),
            )),
            created_at: Some(self.request_at),
            extra: Extra::new(),
        }
    }

    /// The entry of `GET /spaces/{s}/webhooks/{wh}/calls`.
    pub fn overview(&self, space_id: &str) -> WebhookCallOverview {
        WebhookCallOverview {
            sys: self.sys("WebhookCallOverview", space_id),
            status_code: self.status_code,
            errors: self.errors.clone(),
            event_type: self.event_type.clone(),
            url: self.url.clone(),
            request_at: Some(self.request_at),
            response_at: self.response_at,
            extra: Extra::new(),
        }
    }

    /// `GET /spaces/{s}/webhooks/{wh}/calls/{id}`.
    pub fn details(&self, space_id: &str) -> WebhookCallDetails {
        WebhookCallDetails {
            sys: self.sys("WebhookCallDetails", space_id),
            status_code: self.status_code,
            errors: self.errors.clone(),
            event_type: self.event_type.clone(),
            url: self.url.clone(),
            request_at: Some(self.request_at),
            response_at: self.response_at,
            request: self.request.clone(),
            response: self.response.clone(),
            extra: Extra::new(),
        }
    }
}

/// `GET /spaces/{s}/webhooks/{wh}/health`: the webhook's calls (each attempt counts) over the 30
/// days before `now`, and how many of them were answered 2xx. Calls of other webhooks are
/// ignored.
pub fn health<'a>(
    space_id: &str,
    webhook_id: &str,
    calls: impl IntoIterator<Item = &'a RecordedCall>,
    now: Timestamp,
) -> WebhookHealth {
    const THIRTY_DAYS_MS: i64 = 30 * 24 * 60 * 60 * 1000;
    let since = now.as_millis().saturating_sub(THIRTY_DAYS_MS);
    let mut counts = WebhookHealthCalls {
        total: 0,
        healthy: 0,
    };
    for call in calls {
        if call.webhook_id != webhook_id || call.request_at.as_millis() < since {
            continue;
        }
        counts.total += 1;
        if call.is_healthy() {
            counts.healthy += 1;
        }
    }
    let mut sys = Map::new();
    sys.insert("type".to_owned(), Value::from("Webhook"));
    sys.insert("id".to_owned(), Value::from(webhook_id));
    let link = |link: Link| serde_json::to_value(link).unwrap_or(Value::Null);
    sys.insert(
        "space".to_owned(),
        link(Link::new(LinkType::Space, space_id)),
    );
    sys.insert(
        "createdBy".to_owned(),
        link(Link::new(LinkType::WebhookDefinition, webhook_id)),
    );
    WebhookHealth { calls: counts, sys }
}

/// Where attempts are recorded (the sandbox's SQLite store implements it; tests use
/// [`MemoryCallLog`]).
///
/// `record` runs on tokio's blocking pool, once per attempt, and attempts of one delivery are
/// recorded in order. A panic in it is contained and does not stop deliveries.
pub trait CallLog: Send + Sync + 'static {
    /// Stores one attempt.
    fn record(&self, call: RecordedCall);

    /// Stores one attempt of a delivery; for a durable one, `progress` says where its outbox row
    /// now stands, to be written in the same transaction as the call. The default ignores it.
    fn record_attempt(&self, call: RecordedCall, progress: Option<DeliveryProgress>) {
        let _ = progress;
        self.record(call);
    }
}

/// A [`CallLog`] that keeps the calls in memory.
#[derive(Debug, Default)]
pub struct MemoryCallLog {
    calls: Mutex<Vec<RecordedCall>>,
}

impl MemoryCallLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every call recorded so far, oldest first.
    pub fn calls(&self) -> Vec<RecordedCall> {
        lock(&self.calls).clone()
    }
}

impl CallLog for MemoryCallLog {
    fn record(&self, call: RecordedCall) {
        lock(&self.calls).push(call);
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
