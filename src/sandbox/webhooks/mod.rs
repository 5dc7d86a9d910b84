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

// Header names and the redaction mark are defined once, in `cma` (the receiver reads them too).
pub use crate::cma::webhook_headers::{
    ATTEMPT_HEADER, BULK_ACTION_ID_HEADER, CRN_HEADER, EVENT_DATETIME_HEADER,
    IDEMPOTENCY_KEY_HEADER, REDACTED, RELEASE_ACTION_ID_HEADER, RELEASE_ID_HEADER,
    RELEASE_VERSION_HEADER, RELEASE_VERSION_ID_HEADER, SCHEDULED_ACTION_ID_HEADER, TOPIC_HEADER,
    WEBHOOK_NAME_HEADER,
};

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

/// Something that happened in the sandbox that webhooks may hear about. It is stored in the
/// outbox as JSON, so a delivery resumed after a restart is the very same event (same id, time
/// and idempotency key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

mod call_log;
mod engine;
mod matching;
mod request;

use call_log::lock;
pub use call_log::*;
pub use engine::*;
pub use matching::*;
pub use request::*;
use request::{header_value, insert_header, random_id};

#[cfg(test)]
mod tests;
