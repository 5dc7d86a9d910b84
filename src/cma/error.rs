//! The CMA error body (`{"sys":{"type":"Error","id":…},"message","details","requestId"}`),
//! its detail shapes, and [`CmaError`], the one error type of the client (spec §7).
//!
//! The body is kept as sent (`details` as JSON) and read through typed accessors, so an error
//! shape Contentful adds later still decodes and can be shown raw.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::common::{Extra, Link, LinkSys};
use super::string_enum::string_enum;

string_enum! {
    /// `sys.id` of an error body.
    pub enum ErrorId {
        /// 400: malformed request.
        BadRequest => "BadRequest",
        /// 400: bad query parameter.
        InvalidQuery => "InvalidQuery",
        /// 401: bad or expired token.
        AccessTokenInvalid => "AccessTokenInvalid",
        /// 403: no permission.
        AccessDenied => "AccessDenied",
        /// 404: no such resource.
        NotFound => "NotFound",
        /// 409: stale or missing `X-Contentful-Version`.
        VersionMismatch => "VersionMismatch",
        /// 422: the request or an entity is invalid.
        ValidationFailed => "ValidationFailed",
        /// 422 / per entity: links that do not resolve.
        UnresolvedLinks => "UnresolvedLinks",
        /// Per entity inside a release action: field validation failed.
        InvalidEntry => "InvalidEntry",
        /// A bulk action failed.
        BulkActionFailed => "BulkActionFailed",
        /// 429: too many requests or too many active jobs.
        RateLimitExceeded => "RateLimitExceeded",
        /// 413: body too large.
        RequestEntityTooLarge => "RequestEntityTooLarge",
        /// 500.
        ServerError => "ServerError",
        /// 502.
        BadGateway => "BadGateway",
        /// 503.
        ServiceUnavailable => "ServiceUnavailable",
    }
}

/// `sys` of an error body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorSys {
    /// Always `"Error"`.
    #[serde(rename = "type", default = "error_type_name")]
    pub type_: String,
    /// Which error.
    pub id: ErrorId,
}

fn error_type_name() -> String {
    "Error".to_owned()
}

/// A CMA error body, as responses, failed actions and per-entity errors carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// `{"type":"Error","id":…}`.
    pub sys: ErrorSys,
    /// Human message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Shape depends on `sys.id`; read it with the accessors below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Contentful's request id, for support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ErrorBody {
    /// A body with an id and message and no details.
    pub fn new(id: ErrorId, message: impl Into<String>) -> Self {
        Self {
            sys: ErrorSys {
                type_: error_type_name(),
                id,
            },
            message: Some(message.into()),
            details: None,
            request_id: None,
            extra: Extra::new(),
        }
    }

    /// Adds `details`.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// 404 body with `details:{type,id,…}` as Contentful sends it.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(ErrorId::NotFound, "The resource could not be found.")
            .with_details(json!({ "type": kind, "id": id }))
    }

    /// 422 `ValidationFailed` whose `details.errors` are per-entity errors.
    pub fn validation_failed(errors: Vec<EntityError>) -> Self {
        Self::new(ErrorId::ValidationFailed, "Validation error")
            .with_details(json!({ "errors": errors }))
    }

    /// `details.errors` as raw values (empty when absent).
    pub fn detail_errors(&self) -> &[Value] {
        self.details
            .as_ref()
            .and_then(|d| d.get("errors"))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// `details.errors` read as field-level errors (`{name, path, details, …}`); items of
    /// another shape are skipped.
    pub fn field_errors(&self) -> Vec<FieldError> {
        self.detail_errors()
            .iter()
            .filter(|v| v.get("name").is_some())
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect()
    }

    /// `details.errors` read as per-entity errors (`{entity|sys, error}`); items of another
    /// shape are skipped.
    pub fn entity_errors(&self) -> Vec<EntityError> {
        self.detail_errors()
            .iter()
            .filter(|v| v.get("error").is_some())
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect()
    }

    /// `details.currentVersion` (or `details.version`), which the sandbox sends with a 409.
    pub fn current_version(&self) -> Option<u64> {
        let details = self.details.as_ref()?;
        details
            .get("currentVersion")
            .or_else(|| details.get("version"))
            .and_then(Value::as_u64)
    }

    /// `details.type` and `details.id` of a NotFound error.
    pub fn not_found_target(&self) -> Option<(String, String)> {
        let details = self.details.as_ref()?;
        let kind = details.get("type")?.as_str()?.to_owned();
        let id = details.get("id")?.as_str()?.to_owned();
        Some((kind, id))
    }

    /// The message, or the error id when there is none.
    pub fn message_or_id(&self) -> &str {
        self.message.as_deref().unwrap_or(self.sys.id.as_str())
    }
}

/// One field-level error: `{"name":"required","path":["fields","title","en-US"],"details":…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// `required`, `size`, `regexp`, `in`, `linkContentType`, `notResolvable`, `unique`, …
    pub name: String,
    /// `["fields", <field id>, <locale>?, <index>?]`; strings and numbers.
    #[serde(default)]
    pub path: Vec<Value>,
    /// A human sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The offending value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// For `notResolvable`: the link that did not resolve (`{type, linkType, id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Value>,
    /// The content type's custom message, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_message: Option<String>,
    /// Other keys (`min`, `max`, `expected`, `contentTypeId`, `conflicting`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

impl FieldError {
    /// The field id from the path (`path[1]`), if any.
    pub fn field_id(&self) -> Option<&str> {
        self.path.get(1).and_then(Value::as_str)
    }

    /// The locale from the path (`path[2]` when it is a string), if any.
    pub fn locale(&self) -> Option<&str> {
        self.path.get(2).and_then(Value::as_str)
    }

    /// The path joined with dots, e.g. `fields.title.en-US`.
    pub fn path_string(&self) -> String {
        self.path
            .iter()
            .map(|seg| match seg {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// For `notResolvable`: the id of the missing target.
    pub fn link_target_id(&self) -> Option<&str> {
        let link = self.link.as_ref()?;
        link.get("id")
            .or_else(|| link.get("sys").and_then(|s| s.get("id")))
            .and_then(Value::as_str)
    }
}

/// One per-entity error of a failed release, bulk or scheduled action:
/// `{"entity":<Link>,"error":<ErrorBody>}`, also accepted as `{"sys":<Link sys>,"error":…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityError {
    /// The entity, in the `entity` form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<Link>,
    /// The entity, in the `sys` form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys: Option<LinkSys>,
    /// What is wrong with it (`InvalidEntry`, `UnresolvedLinks`, `VersionMismatch`, `NotFound`, …).
    pub error: ErrorBody,
}

impl EntityError {
    /// An error about `entity` in the recommended `entity` form.
    pub fn new(entity: Link, error: ErrorBody) -> Self {
        Self {
            entity: Some(entity),
            sys: None,
            error,
        }
    }

    /// The entity the error is about, whichever form carried it.
    pub fn link(&self) -> Option<Link> {
        self.entity
            .clone()
            .or_else(|| self.sys.clone().map(|sys| Link { sys }))
    }
}

/// The client's error: what went wrong, typed by HTTP status and error body.
///
/// Its `Display` never includes the access token (the token only ever travels in a header
/// marked sensitive, and no variant stores it).
#[derive(Debug, Clone, thiserror::Error)]
pub enum CmaError {
    /// 400 `BadRequest` (and anything 400 that is not `InvalidQuery`).
    #[error("bad request: {}", .0.body.message_or_id())]
    BadRequest(Box<ApiError>),
    /// 400 `InvalidQuery`.
    #[error("invalid query: {}", .0.body.message_or_id())]
    InvalidQuery(Box<ApiError>),
    /// 401: the token is wrong, expired or revoked.
    #[error("the access token was rejected (401): check the management token")]
    Unauthorized(Box<ApiError>),
    /// 403: the token may not do this.
    #[error("access denied (403): {}", .0.body.message_or_id())]
    AccessDenied(Box<ApiError>),
    /// 404, with what was not found when the body says.
    #[error("{}", not_found_message(.0))]
    NotFound(Box<ApiError>),
    /// 409: someone changed it since it was read. Never retried.
    #[error("version conflict: it was changed by someone else{}", .current_version.map(|v| format!(" (now at version {v})")).unwrap_or_default())]
    Conflict {
        /// The server's current version, when the response says.
        current_version: Option<u64>,
        /// The response.
        error: Box<ApiError>,
    },
    /// 413: the body is too large.
    #[error("request too large (413)")]
    PayloadTooLarge(Box<ApiError>),
    /// 422: validation failed; see `error.body` for per-entity and per-field errors.
    #[error("validation failed: {}", .0.body.message_or_id())]
    ValidationFailed(Box<ApiError>),
    /// 429 after every retry, or on a request that could not be retried.
    #[error("rate limit exceeded (429){}", .reset_secs.map(|s| format!(", retry in {s} s")).unwrap_or_default())]
    RateLimited {
        /// `X-Contentful-RateLimit-Reset`.
        reset_secs: Option<u64>,
        /// The response.
        error: Box<ApiError>,
    },
    /// 5xx after every retry.
    #[error("server error ({}): {}", .0.status, .0.body.message_or_id())]
    Server(Box<ApiError>),
    /// Any other non-success status.
    #[error("unexpected response ({}): {}", .0.status, .0.body.message_or_id())]
    Unexpected(Box<ApiError>),
    /// The server could not be reached, or the connection broke.
    #[error("network error: {0}")]
    Network(String),
    /// The request timed out.
    #[error("the request timed out")]
    Timeout,
    /// A success response whose body is not what the CMA sends.
    #[error("could not read the response ({what}): {message}")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// The decoder's message.
        message: String,
    },
    /// An action did not reach a final state in time.
    #[error("{kind} {id} is still {last_status} after {waited_secs} s")]
    ActionTimedOut {
        /// `release action`, `bulk action`, `scheduled action`.
        kind: &'static str,
        /// Action id.
        id: String,
        /// Its status at the last poll.
        last_status: String,
        /// How long we waited.
        waited_secs: u64,
    },
    /// The client was configured with something unusable (a bad base URL, …).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

fn not_found_message(e: &ApiError) -> String {
    match e.body.not_found_target() {
        Some((kind, id)) => format!("{kind} '{id}' was not found (404)"),
        None => format!("not found (404): {}", e.body.message_or_id()),
    }
}

impl CmaError {
    /// The response behind the error, for variants that have one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::BadRequest(e)
            | Self::InvalidQuery(e)
            | Self::Unauthorized(e)
            | Self::AccessDenied(e)
            | Self::NotFound(e)
            | Self::PayloadTooLarge(e)
            | Self::ValidationFailed(e)
            | Self::Server(e)
            | Self::Unexpected(e) => Some(e),
            Self::Conflict { error, .. } | Self::RateLimited { error, .. } => Some(error),
            Self::Network(_)
            | Self::Timeout
            | Self::Decode { .. }
            | Self::ActionTimedOut { .. }
            | Self::Config(_) => None,
        }
    }

    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }

    /// Maps a status, headers-derived hints and a body to the typed error.
    pub fn from_response(
        status: u16,
        body: ErrorBody,
        request_id: Option<String>,
        reset_secs: Option<u64>,
        header_version: Option<u64>,
    ) -> Self {
        let api = Box::new(ApiError {
            status,
            body,
            request_id,
        });
        match status {
            400 if api.body.sys.id == ErrorId::InvalidQuery => Self::InvalidQuery(api),
            400 => Self::BadRequest(api),
            401 => Self::Unauthorized(api),
            403 => Self::AccessDenied(api),
            404 => Self::NotFound(api),
            409 => Self::Conflict {
                current_version: api.body.current_version().or(header_version),
                error: api,
            },
            413 => Self::PayloadTooLarge(api),
            422 => Self::ValidationFailed(api),
            429 => Self::RateLimited {
                reset_secs,
                error: api,
            },
            500..=599 => Self::Server(api),
            _ => Self::Unexpected(api),
        }
    }
}

/// A non-success response: status, the decoded (or synthesised) body, and the request id.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The error body; synthesised from the status when the body was not a CMA error.
    pub body: ErrorBody,
    /// `X-Contentful-Request-Id`, for support.
    pub request_id: Option<String>,
}

impl ErrorBody {
    /// Reads an error body from raw bytes, or synthesises one from the status when the bytes are
    /// not a CMA error (a proxy's HTML page, an empty body).
    pub fn from_bytes_or_status(status: u16, bytes: &[u8]) -> Self {
        if let Ok(body) = serde_json::from_slice::<ErrorBody>(bytes) {
            return body;
        }
        let id = match status {
            400 => ErrorId::BadRequest,
            401 => ErrorId::AccessTokenInvalid,
            403 => ErrorId::AccessDenied,
            404 => ErrorId::NotFound,
            409 => ErrorId::VersionMismatch,
            413 => ErrorId::RequestEntityTooLarge,
            422 => ErrorId::ValidationFailed,
            429 => ErrorId::RateLimitExceeded,
            502 => ErrorId::BadGateway,
            503 => ErrorId::ServiceUnavailable,
            _ => ErrorId::ServerError,
        };
        let text = String::from_utf8_lossy(bytes);
        let snippet: String = text.chars().take(200).collect();
        let mut body = ErrorBody::new(id, format!("HTTP {status}"));
        if !snippet.trim().is_empty() {
            let mut details = Map::new();
            details.insert("body".to_owned(), Value::String(snippet));
            body.details = Some(Value::Object(details));
        }
        body
    }
}
