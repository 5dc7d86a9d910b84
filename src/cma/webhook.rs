//! Webhook definitions, the space's signing secret, and the webhook call log (spec §6).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{Extra, Link, Timestamp};

/// A webhook definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDefinition {
    /// Human name (sent as `X-Contentful-Webhook-Name`).
    pub name: String,
    /// Where deliveries go.
    pub url: String,
    /// Whether it delivers at all.
    #[serde(default = "default_true")]
    pub active: bool,
    /// `Type.action` patterns; either part may be `*`.
    #[serde(default)]
    pub topics: Vec<String>,
    /// ANDed filters; kept as JSON (`equals`, `in`, `regexp`, `not`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Value>,
    /// Extra headers; secret values are never returned by the API. Always sent, `[]` when
    /// there are none (spec §6.1: clients map over it without a guard).
    #[serde(default)]
    pub headers: Vec<WebhookHeader>,
    /// HTTP basic auth user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_basic_username: Option<String>,
    /// HTTP basic auth password (write-only in practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_basic_password: Option<String>,
    /// Request transformation; kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformation: Option<Value>,
    /// System fields; absent in request bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys: Option<WebhookSys>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

fn default_true() -> bool {
    true
}

impl WebhookDefinition {
    /// A new active definition with no filters or headers.
    pub fn new(name: impl Into<String>, url: impl Into<String>, topics: Vec<String>) -> Self {
        Self {
            name: name.into(),
            url: url.into(),
            active: true,
            topics,
            filters: Vec::new(),
            headers: Vec::new(),
            http_basic_username: None,
            http_basic_password: None,
            transformation: None,
            sys: None,
            extra: Extra::new(),
        }
    }
}

/// `sys` of a webhook definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSys {
    /// `"WebhookDefinition"`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Webhook id.
    pub id: String,
    /// Version.
    pub version: u64,
    /// The space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<Link>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Link>,
    /// Last update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Last updater.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Link>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A custom header of a webhook; a secret one comes back without `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookHeader {
    /// Header name.
    pub key: String,
    /// Header value; absent when secret and read back from the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Whether the value is write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<bool>,
}

/// Body of `PUT /webhook_settings/signing_secret`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningSecretBody {
    /// The 64-character secret.
    pub value: String,
}

/// What the API returns for the signing secret: only its last four characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSigningSecret {
    /// Last four characters of the secret.
    pub redacted_value: String,
    /// `{"type":"WebhookSigningSecret", …}`.
    #[serde(default)]
    pub sys: Map<String, Value>,
}

/// `sys` of a call overview or details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCallSys {
    /// `WebhookCallOverview` or `WebhookCallDetails`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Call id.
    pub id: String,
    /// The space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<Link>,
    /// The webhook definition that made the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Link>,
    /// When the call was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `GET /webhooks/{id}/calls`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCallOverview {
    /// System fields.
    pub sys: WebhookCallSys,
    /// Response status; `0`/`null` on a network failure.
    #[serde(default)]
    pub status_code: Option<u16>,
    /// Failure names such as `TimeoutError`.
    #[serde(default)]
    pub errors: Vec<String>,
    /// The action part of the topic (`publish`).
    #[serde(default)]
    pub event_type: String,
    /// Target URL.
    #[serde(default)]
    pub url: String,
    /// When the request was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_at: Option<Timestamp>,
    /// When the response came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_at: Option<Timestamp>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The request of a logged call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookCallRequest {
    /// Target URL.
    #[serde(default)]
    pub url: String,
    /// HTTP method.
    #[serde(default)]
    pub method: String,
    /// Headers as sent (secret custom header values included, as Contentful does).
    #[serde(default)]
    pub headers: Map<String, Value>,
    /// The body, truncated at 500 kB.
    #[serde(default)]
    pub body: String,
}

/// The response of a logged call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCallResponse {
    /// Target URL.
    #[serde(default)]
    pub url: String,
    /// Response headers.
    #[serde(default)]
    pub headers: Map<String, Value>,
    /// The body, truncated at 200 kB.
    #[serde(default)]
    pub body: String,
    /// Response status.
    #[serde(default)]
    pub status_code: Option<u16>,
}

/// `GET /webhooks/{id}/calls/{call}`: the overview plus request and response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCallDetails {
    /// System fields.
    pub sys: WebhookCallSys,
    /// Response status; `0`/`null` on a network failure.
    #[serde(default)]
    pub status_code: Option<u16>,
    /// Failure names such as `TimeoutError`.
    #[serde(default)]
    pub errors: Vec<String>,
    /// The action part of the topic.
    #[serde(default)]
    pub event_type: String,
    /// Target URL.
    #[serde(default)]
    pub url: String,
    /// When the request was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_at: Option<Timestamp>,
    /// When the response came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_at: Option<Timestamp>,
    /// What was sent.
    pub request: WebhookCallRequest,
    /// What came back; absent on a network failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<WebhookCallResponse>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /webhooks/{id}/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookHealth {
    /// Call counts over the last 30 days.
    pub calls: WebhookHealthCalls,
    /// `{"type":"Webhook","id":…}`; kept verbatim.
    #[serde(default)]
    pub sys: Map<String, Value>,
}

/// Call counts of [`WebhookHealth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookHealthCalls {
    /// All calls.
    pub total: u64,
    /// Calls answered 2xx.
    pub healthy: u64,
}
