//! [`ApiErr`]: the sandbox's one error type, answered as a CMA error body (spec §7).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::store::StoreError;
use crate::cma::{CMA_CONTENT_TYPE, EntityError, ErrorBody, ErrorId};

/// An error answer: the HTTP status and the CMA error body.
#[derive(Debug, Clone)]
pub struct ApiErr {
    /// HTTP status.
    pub status: StatusCode,
    /// The body (boxed: errors travel through every `Result`, keep them small).
    pub body: Box<ErrorBody>,
}

impl ApiErr {
    /// Any status and body.
    pub fn new(status: StatusCode, body: ErrorBody) -> Self {
        Self {
            status,
            body: Box::new(body),
        }
    }

    /// 404 with `details:{type,id}`.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorBody::not_found(kind, id))
    }

    /// 400 `BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorBody::new(ErrorId::BadRequest, message),
        )
    }

    /// Adds `details` to the body.
    pub fn with_details(mut self, details: Value) -> Self {
        self.body.details = Some(details);
        self
    }

    /// 400 `InvalidQuery`.
    pub fn invalid_query(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorBody::new(ErrorId::InvalidQuery, message),
        )
    }

    /// 400 for a missing or unparsable `X-Contentful-Version`.
    pub fn missing_version() -> Self {
        Self::bad_request("The 'x-contentful-version' header is missing or invalid.")
    }

    /// 409 `VersionMismatch`, carrying the current version in `details.currentVersion`.
    pub fn version_mismatch(current: u64) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorBody::new(ErrorId::VersionMismatch, "Version mismatch")
                .with_details(json!({ "currentVersion": current })),
        )
    }

    /// 422 `ValidationFailed` with per-entity errors.
    pub fn validation_failed(errors: Vec<EntityError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorBody::validation_failed(errors),
        )
    }

    /// 422 `ValidationFailed` with field-level errors (`{name, path, details}`).
    pub fn invalid_body(errors: Vec<Value>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorBody::new(ErrorId::ValidationFailed, "Validation error")
                .with_details(json!({ "errors": errors })),
        )
    }

    /// 401 `AccessTokenInvalid`.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorBody::new(
                ErrorId::AccessTokenInvalid,
                "The access token you sent could not be found or is invalid.",
            ),
        )
    }

    /// 429 `RateLimitExceeded`.
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorBody::new(ErrorId::RateLimitExceeded, message),
        )
    }

    /// 413.
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorBody::new(
                ErrorId::RequestEntityTooLarge,
                "The request body is larger than 1 MB.",
            ),
        )
    }

    /// 500 with a message (details are logged, not leaked).
    pub fn internal(message: impl std::fmt::Display) -> Self {
        tracing::error!(%message, "sandbox internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorBody::new(ErrorId::ServerError, "Internal server error"),
        )
    }
}

impl ApiErr {
    /// 503: the database was busy beyond the busy timeout; trying again may succeed.
    pub fn transient(message: impl std::fmt::Display) -> Self {
        tracing::warn!(%message, "sandbox store busy");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorBody::new(
                ErrorId::ServiceUnavailable,
                "The sandbox's database is busy; try again",
            ),
        )
    }

    /// Whether the failure was transient ([`ApiErr::transient`]) and the step may be retried.
    pub fn is_transient(&self) -> bool {
        self.status == StatusCode::SERVICE_UNAVAILABLE
    }
}

impl From<StoreError> for ApiErr {
    fn from(e: StoreError) -> Self {
        if e.is_transient() {
            Self::transient(e)
        } else {
            Self::internal(e)
        }
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        let bytes = serde_json::to_vec(&self.body).unwrap_or_default();
        let mut response = (self.status, bytes).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static(CMA_CONTENT_TYPE),
        );
        response
    }
}
