//! The webhook receiver: an axum endpoint that accepts deliveries at `POST /webhooks/{source}`
//! (one path per source, e.g. `/webhooks/sandbox`, `/webhooks/production`), checks them, and
//! commits them to the [`Journal`] before it answers.
//!
//! Checks, in order: a body over [`ReceiverConfig::max_body`] is refused with 413 (read no
//! further than the limit); when a signing secret is configured, the signature is verified with
//! [`verify_request`] over the request's method, path and query, headers and raw body, within
//! the timestamp window (a forged, tampered, unsigned or expired delivery gets 403); a body that
//! is not JSON gets 400. Header values are decoded as ISO-8859-1 bytes, as Contentful's delivery
//! engine sends them, so a non-ASCII value verifies.
//!
//! Every delivery that reaches a path is journaled, refused ones too (marked rejected with the
//! reason, their bodies cut to [`REJECTED_BODY_KEEP`] bytes), with `Authorization`-like headers
//! and the configured secret headers redacted. A delivery is answered 2xx only after the journal
//! committed it; if the journal fails, the answer is 5xx so the sender retries. Nothing that
//! arrives can panic the handler.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::event::{IncomingEvent, Origin, REDACTED, Verdict, latin1};
use super::journal::{AppendOutcome, Journal, JournalError};
use crate::clock::Clock;
use crate::signing::{DEFAULT_TTL_SECS, SigningSecret, verify_request};

/// Largest body accepted by default: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// How much of a refused delivery's body is kept in the journal.
pub const REJECTED_BODY_KEEP: usize = 4 * 1024;
/// How long reading one body may take.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Headers whose values are always redacted in the journal.
pub const ALWAYS_SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-contentful-signing-secret",
];

/// How the receiver listens and what it checks.
#[derive(Clone)]
pub struct ReceiverConfig {
    /// Where to listen; loopback on a free port by default.
    pub bind: SocketAddr,
    /// The space's signing secret. When set, every delivery must carry a valid signature.
    pub secret: Option<SigningSecret>,
    /// How old a signature may be, in seconds (default 30; 0 turns the check off).
    pub ttl_secs: u64,
    /// Largest accepted body in bytes (default 1 MiB).
    pub max_body: usize,
    /// Extra header names whose values are redacted in the journal (case-insensitive), e.g. the
    /// webhook's secret custom headers.
    pub secret_headers: Vec<String>,
    /// Where "now" comes from, for the signature's time window.
    pub clock: Clock,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            secret: None,
            ttl_secs: DEFAULT_TTL_SECS,
            max_body: DEFAULT_MAX_BODY,
            secret_headers: Vec::new(),
            clock: Clock::system(),
        }
    }
}

impl std::fmt::Debug for ReceiverConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverConfig")
            .field("bind", &self.bind)
            .field("secret", &self.secret)
            .field("ttl_secs", &self.ttl_secs)
            .field("max_body", &self.max_body)
            .field("secret_headers", &self.secret_headers)
            .finish_non_exhaustive()
    }
}

struct ReceiverState {
    config: ReceiverConfig,
    journal: Journal,
}

/// The receiver's routes (`POST`, `PUT` or `PATCH /webhooks/{source}`, and `GET /healthz`), for
/// serving or for calling in-process.
pub fn router(journal: Journal, config: ReceiverConfig) -> Router {
    let state = Arc::new(ReceiverState { config, journal });
    Router::new()
        .route(
            "/webhooks/{source}",
            post(receive).put(receive).patch(receive),
        )
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state)
}

/// What reading the body gave.
enum BodyRead {
    /// The whole body, within the limit.
    Complete(Vec<u8>),
    /// Over the limit: the first bytes kept, and how many bytes were seen (at least limit + 1).
    TooLarge { kept: Vec<u8>, seen: u64 },
    /// The connection broke or timed out.
    Failed { kept: Vec<u8>, message: String },
}

async fn read_body(body: Body, limit: usize) -> BodyRead {
    /// How the read loop ended.
    enum End {
        Done,
        Over(u64),
        Broken(String),
    }
    let mut stream = body.into_data_stream();
    let mut bytes: Vec<u8> = Vec::new();
    let read = async {
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => return End::Broken(format!("the body could not be read: {e}")),
            };
            if bytes.len() + chunk.len() > limit {
                let seen = (bytes.len() + chunk.len()) as u64;
                bytes.truncate(REJECTED_BODY_KEEP);
                let room = REJECTED_BODY_KEEP
                    .saturating_sub(bytes.len())
                    .min(chunk.len());
                bytes.extend_from_slice(chunk.get(..room).unwrap_or_default());
                return End::Over(seen);
            }
            bytes.extend_from_slice(&chunk);
        }
        End::Done
    };
    let end = tokio::time::timeout(BODY_READ_TIMEOUT, read)
        .await
        .unwrap_or_else(|_| {
            End::Broken(format!(
                "the body was not received within {} s",
                BODY_READ_TIMEOUT.as_secs()
            ))
        });
    match end {
        End::Done => BodyRead::Complete(bytes),
        End::Over(seen) => BodyRead::TooLarge { kept: bytes, seen },
        End::Broken(message) => {
            bytes.truncate(REJECTED_BODY_KEEP);
            BodyRead::Failed {
                kept: bytes,
                message,
            }
        }
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    Path(source): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let config = &state.config;
    let raw_headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), latin1(value.as_bytes())))
        .collect();
    let declared_len = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let read = match declared_len {
        Some(len) if len > config.max_body as u64 => BodyRead::TooLarge {
            kept: Vec::new(),
            seen: len,
        },
        _ => read_body(body, config.max_body).await,
    };
    let body = match read {
        BodyRead::Complete(body) => body,
        BodyRead::TooLarge { kept, seen } => {
            let detail = format!(
                "the body is larger than the receiver's limit of {} bytes",
                config.max_body
            );
            return reject(
                &state,
                source,
                raw_headers,
                kept,
                seen,
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                detail,
            )
            .await;
        }
        BodyRead::Failed { kept, message } => {
            let len = kept.len() as u64;
            return reject(
                &state,
                source,
                raw_headers,
                kept,
                len,
                StatusCode::BAD_REQUEST,
                "body_read_failed",
                message,
            )
            .await;
        }
    };

    let verdict = match &config.secret {
        None => Verdict::Unsigned {
            note: "no signing secret is configured".to_owned(),
        },
        Some(secret) => {
            let path = uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
            let refs: Vec<(&str, &str)> = raw_headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let now = config.clock.now_ms();
            match verify_request(
                secret,
                method.as_str(),
                &path,
                &refs,
                &body,
                now,
                config.ttl_secs,
            ) {
                Ok(()) => Verdict::Verified,
                Err(e) => {
                    let len = body.len() as u64;
                    return reject(
                        &state,
                        source,
                        raw_headers,
                        body,
                        len,
                        StatusCode::FORBIDDEN,
                        e.reason_code(),
                        e.to_string(),
                    )
                    .await;
                }
            }
        }
    };

    let json: Value = match serde_json::from_slice(&body) {
        Ok(json) => json,
        Err(e) => {
            let checked = if verdict == Verdict::Verified {
                " (its signature was valid)"
            } else {
                ""
            };
            let detail = format!("the body is not JSON{checked}: {e}");
            let len = body.len() as u64;
            return reject(
                &state,
                source,
                raw_headers,
                body,
                len,
                StatusCode::BAD_REQUEST,
                "not_json",
                detail,
            )
            .await;
        }
    };

    let len = body.len() as u64;
    let event = IncomingEvent::from_delivery(
        Origin::Receiver,
        source,
        redact(raw_headers, &config.secret_headers),
        body,
        len,
        Some(json),
        verdict,
        StatusCode::OK.as_u16(),
    );
    match state.journal.append(event).await {
        Ok(outcome) => {
            let duplicate = matches!(outcome, AppendOutcome::Duplicate { .. });
            let body = json!({"status": "stored", "id": outcome.id(), "duplicate": duplicate});
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(JournalError::Closed) => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "journal_closed",
            "the receiver is shutting down; retry later",
        ),
        Err(e) => {
            tracing::error!(%e, "timeline receiver: delivery not stored");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "journal_failed",
                "the delivery could not be stored; retry later",
            )
        }
    }
}

/// Journals a refused delivery and answers `status`.
#[allow(clippy::too_many_arguments)]
async fn reject(
    state: &ReceiverState,
    source: String,
    headers: Vec<(String, String)>,
    mut body: Vec<u8>,
    body_len: u64,
    status: StatusCode,
    reason: &str,
    detail: String,
) -> Response {
    tracing::warn!(%source, reason, %detail, "timeline receiver: delivery rejected");
    body.truncate(REJECTED_BODY_KEEP);
    let json = if (body.len() as u64) == body_len {
        serde_json::from_slice::<Value>(&body).ok()
    } else {
        None
    };
    let verdict = Verdict::Rejected {
        reason: reason.to_owned(),
        detail: detail.clone(),
    };
    let event = IncomingEvent::from_delivery(
        Origin::Receiver,
        source,
        redact(headers, &state.config.secret_headers),
        body,
        body_len,
        json,
        verdict,
        status.as_u16(),
    );
    if let Err(e) = state.journal.append(event).await {
        tracing::error!(%e, "timeline receiver: rejected delivery not journaled");
    }
    error_response(status, reason, &detail)
}

fn error_response(status: StatusCode, reason: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"status": "rejected", "error": reason, "message": message})),
    )
        .into_response()
}

/// Replaces the values of secret headers with [`REDACTED`].
pub fn redact(headers: Vec<(String, String)>, secret_headers: &[String]) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(name, value)| {
            let key = name.trim();
            let secret = ALWAYS_SECRET_HEADERS
                .iter()
                .any(|s| key.eq_ignore_ascii_case(s))
                || secret_headers
                    .iter()
                    .any(|s| key.eq_ignore_ascii_case(s.trim()));
            if secret {
                (name, REDACTED.to_owned())
            } else {
                (name, value)
            }
        })
        .collect()
}
