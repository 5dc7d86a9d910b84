//! Failures said for people: [`Failure`] is one plain sentence with the technical detail kept
//! apart (the error chain, status and request id), which the app shows behind a "Details"
//! disclosure — never in the sentence. [`plain_reason`] turns a [`CmaError`] into the words
//! of that sentence and [`technical_detail`] into what a developer or support needs. Pure:
//! no egui, no I/O.

use crate::cma::CmaError;

/// A failure as a toast shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// One plain sentence: what failed and why, in words.
    pub summary: String,
    /// The technical detail (error chain, HTTP status, request id), when there is any.
    pub detail: Option<String>,
}

impl Failure {
    /// A failure with only a sentence (nothing technical to add).
    pub fn plain(summary: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            detail: None,
        }
    }
}

impl From<String> for Failure {
    fn from(summary: String) -> Self {
        Self::plain(summary)
    }
}

/// Why a request failed, in plain words without codes ("the server could not be reached").
pub fn plain_reason(error: &CmaError) -> String {
    match error {
        CmaError::Network(_) => "the server could not be reached".to_owned(),
        CmaError::Timeout => "the server did not answer in time".to_owned(),
        CmaError::Unauthorized(_) => "the access token was refused".to_owned(),
        CmaError::AccessDenied(_) => "the access token may not do this".to_owned(),
        CmaError::NotFound(_) => "it no longer exists (deleted elsewhere?)".to_owned(),
        CmaError::Conflict { .. } => {
            "someone changed it since it was loaded; reload and try again".to_owned()
        }
        CmaError::PayloadTooLarge(_) => "it is too large for the server".to_owned(),
        CmaError::ValidationFailed(api) => match api.body.field_errors().first() {
            Some(field) => format!(
                "a field is not valid: {}",
                crate::app::format::field_error_reason(field)
            ),
            None => "the server found it not valid".to_owned(),
        },
        CmaError::RateLimited { .. } => {
            "the server is busy with too many requests; try again in a moment".to_owned()
        }
        CmaError::Server(_) => "the server had a problem; try again later".to_owned(),
        CmaError::BadRequest(_) | CmaError::InvalidQuery(_) | CmaError::Unexpected(_) => {
            "the server refused the request".to_owned()
        }
        CmaError::Decode { .. } => "the server's answer could not be read".to_owned(),
        CmaError::ActionTimedOut { .. } => "it did not finish in time".to_owned(),
        CmaError::Config(_) => "the connection settings are not usable".to_owned(),
    }
}

/// The technical detail of a failed request: the error with its sources, the HTTP status and
/// the request id (`X-Contentful-Request-Id`) support asks for.
pub fn technical_detail(error: &CmaError) -> String {
    let mut lines = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        lines.push(format!("caused by: {cause}"));
        source = cause.source();
    }
    if let Some(api) = error.api() {
        lines.push(format!("HTTP status: {}", api.status));
        if let Some(id) = &api.request_id {
            lines.push(format!("Request id: {id}"));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cma::ApiError;

    fn api(status: u16, request_id: Option<&str>) -> Box<ApiError> {
        Box::new(ApiError {
            status,
            body: crate::cma::ErrorBody::from_bytes_or_status(status, b""),
            request_id: request_id.map(str::to_owned),
        })
    }

    #[test]
    fn reasons_are_plain_and_details_keep_the_codes() {
        let cases = [
            (
                CmaError::Network("connection refused".into()),
                "the server could not be reached",
                "network error: connection refused",
            ),
            (
                CmaError::Server(api(503, Some("req-42"))),
                "the server had a problem; try again later",
                "HTTP status: 503\nRequest id: req-42",
            ),
            (
                CmaError::Conflict {
                    current_version: Some(4),
                    error: api(409, None),
                },
                "someone changed it since it was loaded; reload and try again",
                "version conflict",
            ),
        ];
        for (error, reason, detail) in cases {
            assert_eq!(plain_reason(&error), reason);
            assert!(!reason.contains('('), "no codes in the sentence: {reason}");
            let technical = technical_detail(&error);
            assert!(technical.contains(detail), "{technical}");
        }
    }
}
