//! The guard every request passes before a handler: the bearer token, the rate limit (always
//! advertised in the five `X-Contentful-RateLimit-*` headers, enforced with `--rate-limit`), a
//! 32-hex request id, and the CMA error shape with `requestId` for every refusal — also those
//! axum produces itself (405, path decoding) — with the space and environment in 404 details.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::core::Core;
use super::error::ApiErr;
use super::routes::MAX_BODY_BYTES;
use crate::cma::CMA_CONTENT_TYPE;

/// Per-second and per-hour request counters. They feed the rate-limit headers every response
/// carries (spec §7) and, with `--rate-limit`, enforce the per-second limit.
pub struct RateGate {
    second_limit: NonZeroU32,
    enforce: bool,
    windows: Mutex<RateWindows>,
}

#[derive(Default)]
struct RateWindows {
    second: u64,
    in_second: u32,
    hour: u64,
    in_hour: u32,
}

/// What a request was told about the rate limit.
struct Admission {
    allowed: bool,
    second_remaining: u32,
    hour_remaining: u32,
}

impl RateGate {
    /// What an unlimited sandbox advertises: the per-second and per-hour limits seen on real
    /// CMA responses (spec §7), counted down but not enforced.
    pub const ADVERTISED_PER_SECOND: u32 = 10;

    /// A gate allowing and enforcing `limit` requests per second.
    pub fn new(limit: NonZeroU32) -> Self {
        Self {
            second_limit: limit,
            enforce: true,
            windows: Mutex::default(),
        }
    }

    /// A gate that only advertises [`Self::ADVERTISED_PER_SECOND`] (no `--rate-limit`).
    pub fn advertise_only() -> Self {
        Self {
            second_limit: NonZeroU32::new(Self::ADVERTISED_PER_SECOND).unwrap_or(NonZeroU32::MIN),
            enforce: false,
            windows: Mutex::default(),
        }
    }

    fn hour_limit(&self) -> u32 {
        self.second_limit.get().saturating_mul(3600)
    }

    /// Counts a request against both windows.
    fn admit(&self) -> Admission {
        let now = jiff::Timestamp::now().as_second().max(0) as u64;
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if w.second != now {
            w.second = now;
            w.in_second = 0;
        }
        if w.hour != now / 3600 {
            w.hour = now / 3600;
            w.in_hour = 0;
        }
        let allowed = !self.enforce || w.in_second < self.second_limit.get();
        if allowed {
            w.in_second = w.in_second.saturating_add(1);
            w.in_hour = w.in_hour.saturating_add(1);
        }
        Admission {
            allowed,
            second_remaining: self.second_limit.get().saturating_sub(w.in_second),
            hour_remaining: self.hour_limit().saturating_sub(w.in_hour),
        }
    }
}

/// Every request: a request id, the bearer token, and the rate limit (always advertised,
/// enforced with `--rate-limit`). Every error answer leaves here as a CMA error body carrying
/// the request id (spec §7), also the ones axum produces itself (405, path decoding).
pub(super) async fn guard(
    State((core, rate)): State<(Arc<Core>, Arc<RateGate>)>,
    request: Request,
    next: Next,
) -> Response {
    let request_id = crate::cma::ids::new_request_id();
    let path = request.uri().path().to_owned();
    let admission = rate.admit();
    let authorized = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| constant_time_eq(t.trim().as_bytes(), core.token.as_bytes()));
    let mut response = if !authorized {
        ApiErr::unauthorized().into_response()
    } else if !admission.allowed {
        ApiErr::rate_limited(
            "You have exceeded the rate limit of the Organization this Space belongs to by making too many API requests within a short timespan. Please wait a moment before trying the request again.",
        )
        .into_response()
    } else {
        next.run(request).await
    };
    if response.status().is_client_error() || response.status().is_server_error() {
        response = error_with_request_id(response, &request_id, &path).await;
    }
    let reset = u32::from(!admission.allowed);
    let headers = response.headers_mut();
    headers.insert("x-contentful-ratelimit-reset", reset.into());
    headers.insert(
        "x-contentful-ratelimit-second-limit",
        rate.second_limit.get().into(),
    );
    headers.insert(
        "x-contentful-ratelimit-second-remaining",
        admission.second_remaining.into(),
    );
    headers.insert(
        "x-contentful-ratelimit-hour-limit",
        rate.hour_limit().into(),
    );
    headers.insert(
        "x-contentful-ratelimit-hour-remaining",
        admission.hour_remaining.into(),
    );
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-contentful-request-id", v);
    }
    response
}

/// Makes an error answer a CMA error body with `requestId`: a CMA body gains the id; anything
/// else (an empty 405, a plain-text rejection) becomes one, its text kept as the message.
async fn error_with_request_id(response: Response, request_id: &str, path: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let mut error = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .filter(|v| v.pointer("/sys/type").and_then(|t| t.as_str()) == Some("Error"))
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&bytes).trim().to_owned();
            let (id, fallback) = match parts.status.as_u16() {
                400 => ("BadRequest", "The request is malformed."),
                401 => (
                    "AccessTokenInvalid",
                    "The access token you sent could not be found or is invalid.",
                ),
                403 => ("AccessDenied", "Access denied."),
                404 => ("NotFound", "The resource could not be found."),
                405 => (
                    "MethodNotAllowed",
                    "This method is not allowed on this resource.",
                ),
                409 => ("VersionMismatch", "The version is stale."),
                413 => ("RequestEntityTooLarge", "The request body is too large."),
                415 => ("UnsupportedMediaType", "The content type is not supported."),
                422 => ("ValidationFailed", "Validation error"),
                429 => ("RateLimitExceeded", "Too many requests."),
                503 => (
                    "ServiceUnavailable",
                    "The service is unavailable; try again.",
                ),
                _ if parts.status.is_client_error() => ("BadRequest", "The request was refused."),
                _ => ("ServerError", "Internal server error"),
            };
            let message = if text.is_empty() {
                fallback.to_owned()
            } else {
                text
            };
            serde_json::json!({"sys": {"type": "Error", "id": id}, "message": message})
        });
    error["requestId"] = request_id.into();
    add_not_found_scope(&mut error, path);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(CMA_CONTENT_TYPE),
    );
    let bytes = serde_json::to_vec(&error).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A 404's `details` name the space (and, for environment-scoped resources, the environment)
/// of the path it was asked on (spec §7); a BulkAction's keep exactly `type` and `id`.
fn add_not_found_scope(error: &mut serde_json::Value, path: &str) {
    if error.pointer("/sys/id").and_then(|v| v.as_str()) != Some("NotFound") {
        return;
    }
    let Some(details) = error.get_mut("details").and_then(|d| d.as_object_mut()) else {
        return;
    };
    let type_ = details
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_owned();
    if matches!(
        type_.as_str(),
        "BulkAction" | "Space" | "Environment" | "Route"
    ) {
        return;
    }
    let mut segments = path.trim_start_matches('/').split('/');
    if segments.next() != Some("spaces") {
        return;
    }
    if let Some(space) = segments.next() {
        details
            .entry("space")
            .or_insert_with(|| space.to_owned().into());
    }
    let space_scoped = matches!(type_.as_str(), "WebhookDefinition" | "ScheduledAction");
    if !space_scoped
        && segments.next() == Some("environments")
        && let Some(env) = segments.next()
    {
        details
            .entry("environment")
            .or_insert_with(|| env.to_owned().into());
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
