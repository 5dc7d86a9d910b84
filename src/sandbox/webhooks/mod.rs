//! The sandbox's webhook delivery engine (spec §6): matching, request building, signing,
//! delivery with retries, and the call log.
//!
//! This module knows nothing of the sandbox's database. The sandbox describes what happened as an
//! [`Event`] and hands it, with the [`Target`]s that should hear about it and the space's
//! [`SigningSecret`], to a [`Dispatcher`]; or it calls [`Dispatcher::emit_matching`] with its stored
//! [`WebhookDefinition`]s and lets [`topic_matches`] and [`filters_match`] choose. Every request is
//! built by [`build_request`] exactly as Contentful sends it (headers of spec §6.2, signature of
//! §6.3, transformation of §6.1), and every attempt is handed to a [`CallLog`] as a
//! [`RecordedCall`], from which the API's call overview, details and health are derived.
//!
//! Delivery semantics: first attempts to one webhook go out one at a time, in emission order;
//! different webhooks are served concurrently. A delivery answered with 429 or 5xx, or failing
//! with a timeout or a connection error, is retried after each of [`RetryPolicy::delays`] in
//! turn; retries run on their own and never hold back later events. Other answers (2xx, 3xx,
//! other 4xx) end the delivery. [`Dispatcher::emit`] never blocks on the network, and
//! [`Dispatcher::idle`] waits until everything queued, retries included, is done.
//!
//! Secrets never reach `Debug` output or the call log: secret custom header values and the basic
//! auth `Authorization` header are recorded as `***`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rand::Rng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

use crate::cma::{
    CMA_CONTENT_TYPE, Extra, Link, LinkType, Timestamp, WebhookCallDetails, WebhookCallOverview,
    WebhookCallRequest, WebhookCallResponse, WebhookCallSys, WebhookDefinition, WebhookHealth,
    WebhookHealthCalls, install_crypto_provider,
};
use crate::signing::{SigningSecret, sign_request};

/// `X-Contentful-Topic`: `ContentManagement.{Type}.{action}`.
pub const TOPIC_HEADER: &str = "X-Contentful-Topic";
/// `X-Contentful-Webhook-Name`: the definition's name, percent-encoded if it has characters above U+00FF.
pub const WEBHOOK_NAME_HEADER: &str = "X-Contentful-Webhook-Name";
/// `X-Contentful-Webhook-Request-Attempt`: 1 for the first attempt, then 2, 3, …
pub const ATTEMPT_HEADER: &str = "X-Contentful-Webhook-Request-Attempt";
/// `X-Contentful-Event-Datetime`: when the event happened (RFC 3339, milliseconds, `Z`).
pub const EVENT_DATETIME_HEADER: &str = "X-Contentful-Event-Datetime";
/// `X-Contentful-Idempotency-Key`: 64 hex characters, the same for every attempt of one delivery.
pub const IDEMPOTENCY_KEY_HEADER: &str = "X-Contentful-Idempotency-Key";
/// `X-Contentful-CRN`: the Contentful resource name of the entity.
pub const CRN_HEADER: &str = "X-Contentful-CRN";
/// The release that caused the event.
pub const RELEASE_ID_HEADER: &str = "x-contentful-release-id";
/// The version of the release that caused the event (the name spec §6.2 gives).
pub const RELEASE_VERSION_ID_HEADER: &str = "x-contentful-release-version-id";
/// The version of the release that caused the event (the name Contentful's headers page gives);
/// sent alongside [`RELEASE_VERSION_ID_HEADER`] with the same value.
pub const RELEASE_VERSION_HEADER: &str = "x-contentful-release-version";
/// The release action that caused the event.
pub const RELEASE_ACTION_ID_HEADER: &str = "x-contentful-release-action-id";
/// The bulk action that caused the event.
pub const BULK_ACTION_ID_HEADER: &str = "x-contentful-bulk-action-id";
/// The scheduled action that caused the event.
pub const SCHEDULED_ACTION_ID_HEADER: &str = "x-contentful-scheduled-action-id";

/// The headers the sandbox signs (besides the two that signing adds and signs itself).
pub const SIGNED_HEADERS: [&str; 6] = [
    "content-type",
    "x-contentful-crn",
    "x-contentful-idempotency-key",
    "x-contentful-topic",
    "x-contentful-webhook-name",
    "x-contentful-webhook-request-attempt",
];

/// The payload properties a filter's `doc` may name (Contentful's webhook filters page).
pub const FILTER_DOCS: [&str; 6] = [
    "sys.id",
    "sys.contentType.sys.id",
    "sys.environment.sys.id",
    "sys.createdBy.sys.id",
    "sys.updatedBy.sys.id",
    "sys.deletedBy.sys.id",
];

/// Request bodies are cut to this many bytes in the call log.
pub const REQUEST_BODY_LOG_LIMIT: usize = 500_000;
/// Response bodies are read and logged up to this many bytes.
pub const RESPONSE_BODY_LOG_LIMIT: usize = 200_000;

/// Error recorded when the receiver did not answer within [`RetryPolicy::timeout`] (retried).
pub const TIMEOUT_ERROR: &str = "TimeoutError";
/// Error recorded when the receiver could not be reached or the connection broke (retried).
pub const CONNECTION_ERROR: &str = "ConnectionError";
/// Error recorded when the target URL is not a usable http(s) URL (not retried).
pub const INVALID_URL_ERROR: &str = "InvalidUrlError";
/// Error recorded when the request could not be built or the HTTP client is unusable (not retried).
pub const CLIENT_ERROR: &str = "ClientError";

/// What secret values are replaced with in the call log and in `Debug` output.
pub const REDACTED: &str = "***";

/// Nesting depth beyond which a filter counts as malformed.
const MAX_FILTER_DEPTH: usize = 16;
/// Compiled size limit of a filter's regular expression.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Node's `encodeURIComponent` set: everything but `A-Za-z0-9-_.!~*'()` is encoded.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

// ---- Events ---------------------------------------------------------------------------------

/// An event type: the entity type and the action, e.g. `("ReleaseAction", "execute")`.
///
/// Displays as the `X-Contentful-Topic` value, `ContentManagement.ReleaseAction.execute`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Topic {
    /// `Entry`, `Asset`, `Release`, `ReleaseAction`, `BulkAction`, `ScheduledAction`, `ContentType`, …
    pub entity_type: String,
    /// `create`, `save`, `publish`, `execute`, …
    pub action: String,
}

impl Topic {
    /// A topic from its two parts.
    pub fn new(entity_type: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            entity_type: entity_type.into(),
            action: action.into(),
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentManagement.{}.{}", self.entity_type, self.action)
    }
}

/// What caused an event, sent as the `x-contentful-…-id` context headers; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cause {
    /// The release that contained the entity (`x-contentful-release-id`).
    pub release_id: Option<String>,
    /// That release's `sys.version` at execution time (`x-contentful-release-version-id`).
    pub release_version: Option<String>,
    /// The release action that ran (`x-contentful-release-action-id`).
    pub release_action_id: Option<String>,
    /// The bulk action that ran (`x-contentful-bulk-action-id`).
    pub bulk_action_id: Option<String>,
    /// The scheduled action that ran (`x-contentful-scheduled-action-id`).
    pub scheduled_action_id: Option<String>,
}

impl Cause {
    /// Whether nothing but the API caller caused the event (no action or schedule).
    pub fn is_direct(&self) -> bool {
        self.release_action_id.is_none()
            && self.bulk_action_id.is_none()
            && self.scheduled_action_id.is_none()
    }
}

/// Something that happened in the sandbox that webhooks may hear about.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// A unique id of this event; part of the idempotency key, so retries of one delivery share
    /// a key and two events never do.
    pub id: String,
    /// Entity type and action.
    pub topic: Topic,
    /// The entity JSON as the CMA returns it (the default request body).
    pub payload: Value,
    /// The entity's CRN path inside its environment: `entries/e1`, `releases/r1`,
    /// `release_actions/ra1`, `bulk_actions/b1`, `scheduled_actions/sa1`.
    pub crn_path: String,
    /// What caused it.
    pub cause: Cause,
    /// When it happened (`X-Contentful-Event-Datetime`).
    pub at: jiff::Timestamp,
}

impl Event {
    /// A new event happening now, with a fresh id and no cause.
    pub fn new(topic: Topic, payload: Value, crn_path: impl Into<String>) -> Self {
        Self {
            id: random_id(),
            topic,
            payload,
            crn_path: crn_path.into(),
            cause: Cause::default(),
            at: jiff::Timestamp::now(),
        }
    }

    /// The same event with this cause.
    pub fn with_cause(mut self, cause: Cause) -> Self {
        self.cause = cause;
        self
    }

    /// The same event at another instant.
    pub fn at(mut self, at: jiff::Timestamp) -> Self {
        self.at = at;
        self
    }

    /// The entity's id: the payload's `sys.id`, or the CRN path when the payload has none.
    pub fn entity_id(&self) -> &str {
        self.payload
            .pointer("/sys/id")
            .and_then(Value::as_str)
            .unwrap_or(&self.crn_path)
    }
}

// ---- Matching -------------------------------------------------------------------------------

/// Does a definition's topic pattern list match? Patterns are `Type.action` with `*` for either
/// part (`*.*`, `Entry.*`, `*.publish`); comparison is exact and case-sensitive. A malformed
/// pattern (not exactly two non-empty parts, e.g. `Entry`, `*`, `ContentManagement.Entry.save`)
/// matches nothing.
pub fn topic_matches(patterns: &[String], topic: &Topic) -> bool {
    patterns.iter().any(|p| pattern_matches(p, topic))
}

fn pattern_matches(pattern: &str, topic: &Topic) -> bool {
    let mut parts = pattern.split('.');
    let (Some(entity_type), Some(action), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if entity_type.is_empty() || action.is_empty() {
        return false;
    }
    (entity_type == "*" || entity_type == topic.entity_type)
        && (action == "*" || action == topic.action)
}

/// Do all the definition's filters match the payload? (Filters are ANDed; none means yes.)
///
/// Filters are JSON (spec §6.1): `{"equals":[{"doc":"sys.id"},"x"]}`,
/// `{"in":[{"doc":…},[…]]}`, `{"regexp":[{"doc":…},{"pattern":"…"}]}` and `{"not":{…}}`, with
/// `doc` one of [`FILTER_DOCS`], read from the payload by dotted path. A filter on a property the
/// payload lacks (or holds as `null`) is false, and so is its negation: as Contentful documents,
/// such a filter mutes the webhook. An unknown or malformed filter, including an invalid regular
/// expression, is false the same way. This never panics.
pub fn filters_match(filters: &[Value], payload: &Value) -> bool {
    filters
        .iter()
        .all(|filter| eval_filter(filter, payload, 0) == Some(true))
}

/// `None`: malformed, or on a missing property.
fn eval_filter(filter: &Value, payload: &Value, depth: usize) -> Option<bool> {
    if depth > MAX_FILTER_DEPTH {
        return None;
    }
    let object = filter.as_object()?;
    if object.len() != 1 {
        return None;
    }
    let (operator, argument) = object.iter().next()?;
    match operator.as_str() {
        "not" => eval_filter(argument, payload, depth + 1).map(|b| !b),
        "equals" => {
            let (value, constant) = operands(argument, payload)?;
            Some(value == constant)
        }
        "in" => {
            let (value, constant) = operands(argument, payload)?;
            Some(constant.as_array()?.contains(value))
        }
        "regexp" => {
            let (value, constant) = operands(argument, payload)?;
            let object = constant.as_object()?;
            let pattern = object.get("pattern")?.as_str()?;
            let regex = regex::RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .ok()?;
            Some(regex.is_match(value.as_str()?))
        }
        _ => None,
    }
}

/// `[{"doc": path}, constant]` → (the payload's value at `path`, constant).
fn operands<'a>(argument: &'a Value, payload: &'a Value) -> Option<(&'a Value, &'a Value)> {
    let [doc, constant] = argument.as_array()?.as_slice() else {
        return None;
    };
    let doc = doc.as_object()?;
    if doc.len() != 1 {
        return None;
    }
    let path = doc.get("doc")?.as_str()?;
    if !FILTER_DOCS.contains(&path) {
        return None;
    }
    let value = path
        .split('.')
        .try_fold(payload, |value, key| value.as_object()?.get(key))?;
    if value.is_null() {
        return None;
    }
    Some((value, constant))
}

/// Is the definition active, and do its topics and filters match this event?
pub fn definition_matches(definition: &WebhookDefinition, event: &Event) -> bool {
    definition.active
        && topic_matches(&definition.topics, &event.topic)
        && filters_match(&definition.filters, &event.payload)
}

// ---- Targets and requests -------------------------------------------------------------------

/// A custom header of a [`Target`], with its value even when secret.
#[derive(Clone, PartialEq, Eq)]
pub struct TargetHeader {
    /// Header name.
    pub key: String,
    /// Header value, sent in plain text.
    pub value: String,
    /// Whether the value is hidden in the call log and in `Debug` output.
    pub secret: bool,
}

impl TargetHeader {
    /// A header whose value may be shown.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            secret: false,
        }
    }

    /// A header whose value is never shown.
    pub fn secret(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            secret: true,
            ..Self::new(key, value)
        }
    }
}

impl fmt::Debug for TargetHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.secret { REDACTED } else { &self.value };
        f.debug_struct("TargetHeader")
            .field("key", &self.key)
            .field("value", &value)
            .field("secret", &self.secret)
            .finish()
    }
}

/// The definition as the engine needs it, including secret header values (the API hides them;
/// the engine gets them from the store).
#[derive(Clone, PartialEq)]
pub struct Target {
    /// The definition's `sys.id`; deliveries are queued per webhook id.
    pub webhook_id: String,
    /// The definition's name (`X-Contentful-Webhook-Name`).
    pub name: String,
    /// Where deliveries go.
    pub url: String,
    /// Custom headers, secret values included.
    pub headers: Vec<TargetHeader>,
    /// HTTP basic auth user and password.
    pub basic_auth: Option<(String, String)>,
    /// The definition's `transformation`, verbatim.
    pub transformation: Option<Value>,
}

impl Target {
    /// A target with no custom headers, authentication or transformation.
    pub fn new(
        webhook_id: impl Into<String>,
        name: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        Self {
            webhook_id: webhook_id.into(),
            name: name.into(),
            url: url.into(),
            headers: Vec::new(),
            basic_auth: None,
            transformation: None,
        }
    }

    /// The target of a stored definition. The definition must be the store's full copy: a
    /// header without a value (as the API returns secret ones) is skipped. An empty basic auth
    /// user means no basic auth.
    pub fn from_definition(webhook_id: impl Into<String>, definition: &WebhookDefinition) -> Self {
        let headers = definition
            .headers
            .iter()
            .filter_map(|h| {
                Some(TargetHeader {
                    key: h.key.clone(),
                    value: h.value.clone()?,
                    secret: h.secret.unwrap_or(false),
                })
            })
            .collect();
        let basic_auth = definition
            .http_basic_username
            .as_ref()
            .filter(|user| !user.is_empty())
            .map(|user| {
                (
                    user.clone(),
                    definition.http_basic_password.clone().unwrap_or_default(),
                )
            });
        Self {
            webhook_id: webhook_id.into(),
            name: definition.name.clone(),
            url: definition.url.clone(),
            headers,
            basic_auth,
            transformation: definition.transformation.clone(),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("webhook_id", &self.webhook_id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field(
                "basic_auth",
                &self.basic_auth.as_ref().map(|(user, _)| (user, REDACTED)),
            )
            .field("transformation", &self.transformation)
            .finish()
    }
}

/// The full request a delivery makes: method, URL, headers (ordered) and body, built once per
/// attempt by [`build_request`].
#[derive(Clone, PartialEq, Eq)]
pub struct DeliveryRequest {
    /// `POST` unless a transformation says otherwise.
    pub method: String,
    /// The target URL (normalized when it parses).
    pub url: String,
    /// The path and query the receiver sees and the signature covers (`/hook?x=1`).
    pub path: String,
    /// Every header, in sending order. Values are sent as ISO-8859-1 bytes.
    pub headers: Vec<(String, String)>,
    /// The body; `None` for `GET` and `DELETE`.
    pub body: Option<String>,
    /// Lower-case names of headers whose values the log hides.
    sensitive: Vec<String>,
}

impl DeliveryRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body bytes (empty when there is no body).
    pub fn body_bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default().as_bytes()
    }

    /// Whether the log hides this header's value (secret custom headers, basic auth).
    pub fn is_sensitive(&self, name: &str) -> bool {
        self.sensitive.iter().any(|s| s.eq_ignore_ascii_case(name))
    }

    /// The request as the call log shows it: secret values redacted, body cut at
    /// [`REQUEST_BODY_LOG_LIMIT`] bytes.
    pub fn to_log(&self) -> WebhookCallRequest {
        let mut headers = Map::new();
        for (key, value) in &self.headers {
            let value = if self.is_sensitive(key) {
                REDACTED
            } else {
                value
            };
            insert_header(&mut headers, key, value);
        }
        WebhookCallRequest {
            url: self.url.clone(),
            method: self.method.clone(),
            headers,
            body: truncate_str(
                self.body.as_deref().unwrap_or_default(),
                REQUEST_BODY_LOG_LIMIT,
            )
            .to_owned(),
        }
    }
}

impl fmt::Debug for DeliveryRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if self.is_sensitive(k) { REDACTED } else { v };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("DeliveryRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.as_ref().map(String::len))
            .finish()
    }
}

/// Builds the full request of one delivery attempt (spec §6.2, §6.3).
///
/// Headers, in order: `Content-Type`, `X-Contentful-Topic`, `X-Contentful-Webhook-Name`,
/// `X-Contentful-Webhook-Request-Attempt`, `X-Contentful-Event-Datetime`,
/// `X-Contentful-Idempotency-Key`, `X-Contentful-CRN`, the cause headers that apply, the custom
/// headers, `Authorization: Basic …` when basic auth is set, and, when `secret` is given, the
/// three signature headers over [`SIGNED_HEADERS`], the method, the target's path and query,
/// and the body, at `now_ms`.
///
/// Custom headers that would replace one of the engine's own headers (or `Host`,
/// `Content-Length`, `Transfer-Encoding`, `Connection`; or `Authorization` when basic auth is
/// set), or whose name or value cannot be sent, are dropped with a warning.
///
/// The transformation (spec §6.1) may set `method` (`POST` default; `GET`, `PUT`, `PATCH`,
/// `DELETE`; `GET` and `DELETE` send no body), `contentType` (the form content types send the
/// body's top-level properties form-encoded) and `body`, a JSON template over
/// `{"payload": …, "topic": …}`: a string that is exactly `"{ /json/pointer }"` becomes the
/// pointed-at value (or `null`), and pointers inside a longer string are replaced by the value's
/// text (strings without quotes; nothing for a missing value).
pub fn build_request(
    target: &Target,
    event: &Event,
    space_id: &str,
    environment_id: &str,
    attempt: u32,
    secret: Option<&SigningSecret>,
    now_ms: i64,
) -> DeliveryRequest {
    let topic = event.topic.to_string();
    let shape = apply_transformation(target.transformation.as_ref(), event, &topic);
    let (url, path) = match url::Url::parse(&target.url) {
        Ok(url) => {
            let path = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            (url.to_string(), path)
        }
        Err(_) => (target.url.clone(), "/".to_owned()),
    };

    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".to_owned(), shape.content_type),
        (TOPIC_HEADER.to_owned(), topic),
        (
            WEBHOOK_NAME_HEADER.to_owned(),
            encode_webhook_name(&target.name),
        ),
        (ATTEMPT_HEADER.to_owned(), attempt.to_string()),
        (
            EVENT_DATETIME_HEADER.to_owned(),
            Timestamp(event.at).to_string(),
        ),
        (
            IDEMPOTENCY_KEY_HEADER.to_owned(),
            idempotency_key(&target.webhook_id, event),
        ),
        (
            CRN_HEADER.to_owned(),
            crn(space_id, environment_id, &event.crn_path),
        ),
    ];
    let cause = &event.cause;
    let cause_headers = [
        (RELEASE_ID_HEADER, &cause.release_id),
        (RELEASE_VERSION_ID_HEADER, &cause.release_version),
        (RELEASE_VERSION_HEADER, &cause.release_version),
        (RELEASE_ACTION_ID_HEADER, &cause.release_action_id),
        (BULK_ACTION_ID_HEADER, &cause.bulk_action_id),
        (SCHEDULED_ACTION_ID_HEADER, &cause.scheduled_action_id),
    ];
    for (name, value) in cause_headers {
        if let Some(value) = value.as_ref().filter(|v| header_value(v).is_some()) {
            headers.push((name.to_owned(), value.clone()));
        }
    }

    let mut sensitive = Vec::new();
    for header in &target.headers {
        let key = header.key.trim();
        if is_reserved(key, target.basic_auth.is_some()) {
            tracing::warn!(
                webhook = %target.webhook_id,
                header = key,
                "custom webhook header dropped: it would replace a header the sandbox sets"
            );
            continue;
        }
        if HeaderName::from_bytes(key.as_bytes()).is_err() || header_value(&header.value).is_none()
        {
            tracing::warn!(
                webhook = %target.webhook_id,
                header = key,
                "custom webhook header dropped: its name or value cannot be sent over HTTP"
            );
            continue;
        }
        if header.secret {
            sensitive.push(key.to_ascii_lowercase());
        }
        headers.push((key.to_owned(), header.value.clone()));
    }
    if let Some((user, password)) = &target.basic_auth {
        let credentials = base64(format!("{user}:{password}").as_bytes());
        headers.push(("Authorization".to_owned(), format!("Basic {credentials}")));
        sensitive.push("authorization".to_owned());
    }

    if let Some(secret) = secret {
        let to_sign: Vec<(&str, &str)> = headers
            .iter()
            .filter(|(key, _)| SIGNED_HEADERS.iter().any(|s| key.eq_ignore_ascii_case(s)))
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        let body = shape.body.as_deref().unwrap_or_default().as_bytes();
        let signed = sign_request(secret, &shape.method, &path, &to_sign, body, now_ms);
        headers.extend(
            signed
                .into_pairs()
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value)),
        );
    }

    DeliveryRequest {
        method: shape.method,
        url,
        path,
        headers,
        body: shape.body,
        sensitive,
    }
}

/// `Content-Type` and the rest of the engine's own headers cannot be replaced by custom ones.
fn is_reserved(key: &str, basic_auth: bool) -> bool {
    const RESERVED: [&str; 21] = [
        "content-type",
        "content-length",
        "transfer-encoding",
        "connection",
        "host",
        "x-contentful-topic",
        "x-contentful-webhook-name",
        "x-contentful-webhook-request-attempt",
        "x-contentful-event-datetime",
        "x-contentful-idempotency-key",
        "x-contentful-crn",
        RELEASE_ID_HEADER,
        RELEASE_VERSION_ID_HEADER,
        RELEASE_VERSION_HEADER,
        RELEASE_ACTION_ID_HEADER,
        BULK_ACTION_ID_HEADER,
        SCHEDULED_ACTION_ID_HEADER,
        crate::signing::SIGNATURE_HEADER,
        crate::signing::SIGNED_HEADERS_HEADER,
        crate::signing::TIMESTAMP_HEADER,
        "te",
    ];
    RESERVED.iter().any(|r| key.eq_ignore_ascii_case(r))
        || (basic_auth && key.eq_ignore_ascii_case("authorization"))
}

/// Method, content type and body after the transformation.
struct Shape {
    method: String,
    content_type: String,
    body: Option<String>,
}

fn apply_transformation(transformation: Option<&Value>, event: &Event, topic: &str) -> Shape {
    let transformation = transformation.and_then(Value::as_object);
    let field = |name: &str| transformation.and_then(|t| t.get(name));

    let method = field("method")
        .and_then(Value::as_str)
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| matches!(m.as_str(), "POST" | "GET" | "PUT" | "PATCH" | "DELETE"))
        .unwrap_or_else(|| "POST".to_owned());
    let content_type = field("contentType")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|ct| !ct.is_empty() && header_value(ct).is_some())
        .unwrap_or(CMA_CONTENT_TYPE)
        .to_owned();

    let body = if matches!(method.as_str(), "GET" | "DELETE") {
        None
    } else {
        let value = match field("body") {
            Some(template) => {
                let context = serde_json::json!({"payload": event.payload, "topic": topic});
                render_template(template, &context)
            }
            None => event.payload.clone(),
        };
        let form = content_type
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded");
        Some(if form {
            form_encode(&value)
        } else {
            value.to_string()
        })
    };
    Shape {
        method,
        content_type,
        body,
    }
}

/// Resolves `{ /pointer }` templates in every string of `template`.
fn render_template(template: &Value, context: &Value) -> Value {
    match template {
        Value::String(s) => {
            if let Some(pointer) = whole_pointer(s) {
                return context.pointer(pointer).cloned().unwrap_or(Value::Null);
            }
            Value::String(interpolate(s, context))
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| render_template(item, context))
                .collect(),
        ),
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| (key.clone(), render_template(value, context)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `"{ /a/b }"` → `Some("/a/b")`.
fn whole_pointer(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix('{')?.strip_suffix('}')?.trim();
    (inner.starts_with('/') && !inner.contains(['{', '}'])).then_some(inner)
}

/// Replaces every `{ /pointer }` inside `s` by the pointed-at value's text.
fn interpolate(s: &str, context: &Value) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let (before, from_open) = rest.split_at(open);
        out.push_str(before);
        let after_open = from_open.get(1..).unwrap_or_default();
        let close = after_open.find('}');
        let inner = close.and_then(|c| after_open.get(..c)).map(str::trim);
        match (close, inner) {
            (Some(close), Some(pointer)) if pointer.starts_with('/') && !pointer.contains('{') => {
                match context.pointer(pointer) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(text)) => out.push_str(text),
                    Some(other) => out.push_str(&other.to_string()),
                }
                rest = after_open.get(close + 1..).unwrap_or_default();
            }
            _ => {
                out.push('{');
                rest = after_open;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A JSON object as `key=value&…` (strings as they are, other values as JSON); anything else
/// as its JSON text.
fn form_encode(value: &Value) -> String {
    let Some(object) = value.as_object() else {
        return value.to_string();
    };
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in object {
        match value {
            Value::String(text) => form.append_pair(key, text),
            other => form.append_pair(key, &other.to_string()),
        };
    }
    form.finish()
}

/// The name as sent: unchanged, or percent-encoded (`encodeURIComponent`) when it has a
/// character above U+00FF (which Node cannot put in a header) or a control character.
fn encode_webhook_name(name: &str) -> String {
    if name.chars().any(|c| u32::from(c) > 0xFF || c.is_control()) {
        utf8_percent_encode(name, URI_COMPONENT).to_string()
    } else {
        name.to_owned()
    }
}

/// SHA-256 of webhook id, topic, entity id, event id and event time: stable across the retries
/// of one delivery, different for another event or another webhook.
fn idempotency_key(webhook_id: &str, event: &Event) -> String {
    let mut hasher = Sha256::new();
    let at = event.at.as_millisecond().to_string();
    let topic = event.topic.to_string();
    for part in [webhook_id, &topic, event.entity_id(), &event.id, &at] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(hasher.finalize())
}

fn crn(space_id: &str, environment_id: &str, crn_path: &str) -> String {
    format!(
        "crn:contentful:::content:spaces/{space_id}/environments/{environment_id}/{}",
        crn_path.trim_start_matches('/')
    )
}

/// A header value as ISO-8859-1 bytes; `None` if a character is above U+00FF or not allowed.
fn header_value(value: &str) -> Option<HeaderValue> {
    let bytes = value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()?;
    HeaderValue::from_bytes(&bytes).ok()
}

/// Adds a header to a log map, joining repeated names with `, `.
fn insert_header(map: &mut Map<String, Value>, key: &str, value: &str) {
    match map.get_mut(key) {
        Some(Value::String(existing)) => {
            existing.push_str(", ");
            existing.push_str(value);
        }
        _ => {
            map.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    }
}

/// `s` cut to at most `limit` bytes, at a character boundary.
fn truncate_str(s: &str, limit: usize) -> &str {
    if s.len() <= limit {
        return s;
    }
    let mut end = limit;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |n: u32, shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        out.push(sextet(n, 18));
        out.push(sextet(n, 12));
        out.push(if chunk.len() > 1 { sextet(n, 6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(n, 0) } else { '=' });
    }
    out
}

fn random_id() -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(22)
        .map(char::from)
        .collect()
}

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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---- The engine -----------------------------------------------------------------------------

/// When to retry, and how long to wait for an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait before each retry: `delays.len()` retries after the first attempt.
    pub delays: Vec<Duration>,
    /// How long one attempt may take, from connecting to the end of the response body.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// Contentful's default: 2 retries 30 s apart (3 attempts), 30 s timeout.
    fn default() -> Self {
        Self::with_max_retries(2)
    }
}

impl RetryPolicy {
    /// The custom retry policy of spec §6.4 (`PUT /webhook_settings/retry_policy
    /// {"maxRetries": n}`, at most 99): the first 2 retries wait 30 s, each of the next 12 waits
    /// a minute more than the one before (1.5 min … 12.5 min), and the rest wait 15 min.
    /// Timeout 30 s.
    pub fn with_max_retries(max_retries: u32) -> Self {
        let delays = (1..=max_retries.min(99))
            .map(|retry| match retry {
                1 | 2 => Duration::from_secs(30),
                3..=14 => Duration::from_secs(30 + 60 * u64::from(retry - 2)),
                _ => Duration::from_secs(15 * 60),
            })
            .collect();
        Self {
            delays,
            timeout: Duration::from_secs(30),
        }
    }
}

/// One delivery: an event for one target. Dropping it marks it done.
struct Job {
    event: Arc<Event>,
    target: Target,
    secret: Option<SigningSecret>,
    _pending: Pending,
}

/// Counts a delivery as outstanding while it lives.
struct Pending(watch::Sender<usize>);

impl Pending {
    fn new(counter: &watch::Sender<usize>) -> Self {
        counter.send_modify(|n| *n += 1);
        Self(counter.clone())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// What every delivery task shares.
struct Shared {
    space_id: String,
    environment_id: String,
    policy: RetryPolicy,
    log: Arc<dyn CallLog>,
    client: Result<reqwest::Client, String>,
    pending: watch::Sender<usize>,
}

struct Inner {
    shared: Arc<Shared>,
    handle: Option<Handle>,
    /// One FIFO per webhook id, each drained by its own task.
    queues: Mutex<HashMap<String, mpsc::UnboundedSender<Job>>>,
}

/// The webhook delivery engine: a cloneable handle to per-webhook delivery queues.
///
/// [`emit`](Self::emit) never blocks and never awaits the network. When the last handle is
/// dropped, the queues finish what they hold and their tasks end.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher")
            .field("space_id", &self.inner.shared.space_id)
            .field("environment_id", &self.inner.shared.environment_id)
            .field("policy", &self.inner.shared.policy)
            .field("pending", &*self.inner.shared.pending.borrow())
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// Starts an engine for one space and environment. Delivery tasks are spawned on the tokio
    /// runtime current here (one per webhook, on its first event); called outside a runtime, the
    /// engine uses the runtime current at each `emit`, and drops events emitted outside any.
    pub fn start(
        space_id: impl Into<String>,
        environment_id: impl Into<String>,
        policy: RetryPolicy,
        log: Arc<dyn CallLog>,
    ) -> Self {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // Deliveries go straight to the receiver, as Contentful's own servers send them.
            .no_proxy()
            .user_agent(concat!("release-desk-sandbox/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string());
        if let Err(error) = &client {
            tracing::error!(%error, "webhook HTTP client could not be built; every delivery will fail");
        }
        let (pending, _) = watch::channel(0usize);
        Self {
            inner: Arc::new(Inner {
                shared: Arc::new(Shared {
                    space_id: space_id.into(),
                    environment_id: environment_id.into(),
                    policy,
                    log,
                    client,
                    pending,
                }),
                handle: Handle::try_current().ok(),
                queues: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Queues an event for these targets, signed with this secret. The caller has already
    /// matched topics and filters (see [`emit_matching`](Self::emit_matching)). Each target's
    /// first attempt goes out after the earlier events queued for the same webhook id.
    pub fn emit(&self, event: Event, targets: Vec<Target>, secret: Option<SigningSecret>) {
        if targets.is_empty() {
            return;
        }
        let Some(handle) = self
            .inner
            .handle
            .clone()
            .or_else(|| Handle::try_current().ok())
        else {
            tracing::error!(topic = %event.topic, "webhook event dropped: no tokio runtime to deliver it on");
            return;
        };
        let event = Arc::new(event);
        for target in targets {
            let job = Job {
                event: Arc::clone(&event),
                target,
                secret: secret.clone(),
                _pending: Pending::new(&self.inner.shared.pending),
            };
            self.enqueue(&handle, job);
        }
    }

    /// Matches the event against stored definitions ([`definition_matches`]) and queues it for
    /// each that matches. The definitions must carry their secret header values; one without
    /// `sys.id` is skipped. Returns how many deliveries were queued.
    pub fn emit_matching(
        &self,
        event: Event,
        definitions: &[WebhookDefinition],
        secret: Option<SigningSecret>,
    ) -> usize {
        let targets: Vec<Target> = definitions
            .iter()
            .filter(|definition| definition_matches(definition, &event))
            .filter_map(|definition| {
                let Some(sys) = &definition.sys else {
                    tracing::warn!(name = %definition.name, "webhook definition without sys.id skipped");
                    return None;
                };
                Some(Target::from_definition(sys.id.clone(), definition))
            })
            .collect();
        let queued = targets.len();
        self.emit(event, targets, secret);
        queued
    }

    /// Waits until every queued delivery, pending retries included, is done (for graceful
    /// shutdown and tests). Resolves at once when nothing is queued.
    pub async fn idle(&self) {
        let mut pending = self.inner.shared.pending.subscribe();
        // Err only if the sender is gone, and `self` holds it.
        let _ = pending.wait_for(|n| *n == 0).await;
    }

    /// How many deliveries are queued, in flight or waiting for a retry.
    pub fn pending(&self) -> usize {
        *self.inner.shared.pending.borrow()
    }

    fn enqueue(&self, handle: &Handle, job: Job) {
        let mut queues = lock(&self.inner.queues);
        let key = job.target.webhook_id.clone();
        let job = match queues.get(&key) {
            Some(queue) => match queue.send(job) {
                Ok(()) => return,
                // The queue's task is gone (its runtime shut down); start a new one.
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (queue, jobs) = mpsc::unbounded_channel();
        handle.spawn(run_queue(
            Arc::clone(&self.inner.shared),
            handle.clone(),
            jobs,
        ));
        if queue.send(job).is_err() {
            tracing::error!(webhook = %key, "webhook delivery dropped: the runtime is shutting down");
        }
        queues.insert(key, queue);
    }
}

/// Drains one webhook's queue: first attempts in order; retries on their own tasks.
async fn run_queue(shared: Arc<Shared>, handle: Handle, mut jobs: mpsc::UnboundedReceiver<Job>) {
    while let Some(job) = jobs.recv().await {
        let retry = deliver(&shared, &handle, &job, 1).await;
        if retry && !shared.policy.delays.is_empty() {
            handle.spawn(run_retries(Arc::clone(&shared), handle.clone(), job));
        }
    }
}

/// Attempts 2, 3, … of one delivery, each after its delay.
async fn run_retries(shared: Arc<Shared>, handle: Handle, job: Job) {
    for (attempt, delay) in (2u32..).zip(shared.policy.delays.clone()) {
        tokio::time::sleep(delay).await;
        if !deliver(&shared, &handle, &job, attempt).await {
            break;
        }
    }
}

/// What came of sending one request.
enum Outcome {
    Answered {
        status: u16,
        headers: Map<String, Value>,
        body: String,
        /// A failure while reading the body.
        error: Option<&'static str>,
    },
    Failed(&'static str),
}

/// Makes and records one attempt; returns whether it should be retried.
async fn deliver(shared: &Shared, handle: &Handle, job: &Job, attempt: u32) -> bool {
    let request_at = Timestamp::now();
    let request = build_request(
        &job.target,
        &job.event,
        &shared.space_id,
        &shared.environment_id,
        attempt,
        job.secret.as_ref(),
        request_at.as_millis(),
    );
    let outcome = send(shared, &request).await;
    let mut call = RecordedCall {
        id: random_id(),
        webhook_id: job.target.webhook_id.clone(),
        event_type: job.event.topic.action.clone(),
        topic: job.event.topic.to_string(),
        url: request.url.clone(),
        request: request.to_log(),
        response: None,
        status_code: None,
        errors: Vec::new(),
        request_at,
        response_at: None,
        attempt,
    };
    let retry = match outcome {
        Outcome::Answered {
            status,
            headers,
            body,
            error,
        } => {
            call.status_code = Some(status);
            call.response_at = Some(Timestamp::now());
            call.response = Some(WebhookCallResponse {
                url: request.url.clone(),
                headers,
                body,
                status_code: Some(status),
            });
            call.errors.extend(error.map(str::to_owned));
            status == 429 || (500..600).contains(&status) || error.is_some()
        }
        Outcome::Failed(error) => {
            call.errors.push(error.to_owned());
            matches!(error, TIMEOUT_ERROR | CONNECTION_ERROR)
        }
    };
    let will_retry = retry && (attempt as usize) <= shared.policy.delays.len();
    if retry {
        tracing::warn!(
            webhook = %call.webhook_id,
            topic = %call.topic,
            attempt,
            status = ?call.status_code,
            errors = ?call.errors,
            will_retry,
            "webhook delivery failed"
        );
    } else {
        tracing::debug!(webhook = %call.webhook_id, topic = %call.topic, attempt, status = ?call.status_code, "webhook delivered");
    }
    let log = Arc::clone(&shared.log);
    if let Err(error) = handle.spawn_blocking(move || log.record(call)).await {
        tracing::error!(%error, "webhook call log failed to record a call");
    }
    will_retry
}

async fn send(shared: &Shared, request: &DeliveryRequest) -> Outcome {
    let client = match &shared.client {
        Ok(client) => client,
        Err(_) => return Outcome::Failed(CLIENT_ERROR),
    };
    let Ok(url) = reqwest::Url::parse(&request.url) else {
        return Outcome::Failed(INVALID_URL_ERROR);
    };
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Outcome::Failed(INVALID_URL_ERROR);
    }
    let Ok(method) = reqwest::Method::from_bytes(request.method.as_bytes()) else {
        return Outcome::Failed(CLIENT_ERROR);
    };
    let mut headers = HeaderMap::new();
    for (key, value) in &request.headers {
        // build_request only emits sendable headers.
        if let (Ok(name), Some(value)) =
            (HeaderName::from_bytes(key.as_bytes()), header_value(value))
        {
            headers.append(name, value);
        }
    }
    let mut builder = client.request(method, url).headers(headers);
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let mut response = match builder.send().await {
        Ok(response) => response,
        Err(error) => return Outcome::Failed(classify(&error)),
    };
    let status = response.status().as_u16();
    let mut response_headers = Map::new();
    for (name, value) in response.headers() {
        insert_header(
            &mut response_headers,
            name.as_str(),
            &String::from_utf8_lossy(value.as_bytes()),
        );
    }
    let mut body = Vec::new();
    let mut error = None;
    while body.len() < RESPONSE_BODY_LOG_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                error = Some(classify(&e));
                break;
            }
        }
    }
    body.truncate(RESPONSE_BODY_LOG_LIMIT);
    Outcome::Answered {
        status,
        headers: response_headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        error,
    }
}

fn classify(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        TIMEOUT_ERROR
    } else if error.is_builder() {
        CLIENT_ERROR
    } else {
        CONNECTION_ERROR
    }
}

#[cfg(test)]
mod tests;
