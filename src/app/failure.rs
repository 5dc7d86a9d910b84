//! Failures said for people: [`Failure`] is one plain sentence with the technical detail kept
//! apart (the error chain, status and request id), which the app shows behind a "Details"
//! disclosure — never in the sentence. [`plain_reason`] turns a [`CmaError`] into the words
//! of that sentence and [`technical_detail`] into what a developer or support needs.
//! [`group_errors`] turns a failed action's per-entity errors into [`EntityProblems`] — the
//! failure inspector's rows — and so does the readiness preflight's report, so a predicted
//! failure reads in the same words as a real one. Pure: no egui, no I/O.

use crate::app::format;
use crate::cma::{CmaError, EntityKind, ErrorBody, FieldError, Link, LinkType};

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

/// One entity's problems, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityProblems {
    /// Entry or asset.
    pub kind: EntityKind,
    /// Its id.
    pub id: String,
    /// The per-entity error id (`InvalidEntry`, `UnresolvedLinks`, `VersionMismatch`, …).
    pub error_id: String,
    /// Each failing field; empty when the error is about the whole entity.
    pub fields: Vec<FieldProblem>,
    /// The entity-level message when there are no field errors.
    pub message: String,
}

impl EntityProblems {
    /// A link to the failed entity.
    pub fn link(&self) -> Link {
        match self.kind {
            EntityKind::Entry => Link::entry(self.id.clone()),
            EntityKind::Asset => Link::asset(self.id.clone()),
        }
    }
}

/// One failing field of an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    /// The field path after `fields` ("title › en-US").
    pub path: String,
    /// What is wrong, in words.
    pub reason: String,
    /// The entity a link field points at, when the error is about it (`notResolvable`): the
    /// reason names it by id, which the view swaps for its title when known.
    pub target: Option<Link>,
}

impl FieldProblem {
    /// The reason with the target's id replaced by `title` when there is one.
    pub fn reason_with(&self, title: Option<&str>) -> String {
        match (&self.target, title) {
            (Some(target), Some(title)) => self
                .reason
                .replace(&format!("'{}'", target.id()), &format!("'{title}'")),
            _ => self.reason.clone(),
        }
    }
}

/// The failed entities and the link targets their errors name: what to resolve for titles.
pub fn problem_links(groups: &[EntityProblems]) -> Vec<Link> {
    groups
        .iter()
        .flat_map(|g| {
            std::iter::once(g.link()).chain(g.fields.iter().filter_map(|f| f.target.clone()))
        })
        .collect()
}

/// Groups a failed action's error by entity and field.
pub fn group_errors(error: &ErrorBody) -> Vec<EntityProblems> {
    error
        .entity_errors()
        .into_iter()
        .map(|e| {
            let link = e.link();
            let kind = match link.as_ref().map(|l| l.link_type().clone()) {
                Some(LinkType::Asset) => EntityKind::Asset,
                _ => EntityKind::Entry,
            };
            let id = link
                .as_ref()
                .map(|l| l.id().to_owned())
                .or_else(|| {
                    e.error
                        .details
                        .as_ref()
                        .and_then(|d| d.pointer("/sys/id"))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "?".into());
            let fields = e
                .error
                .field_errors()
                .iter()
                .map(|f| {
                    let path = f.path.iter().skip(1).map(|s| match s {
                        serde_json::Value::String(s) => s.clone(),
                        other => format!("[{other}]"),
                    });
                    FieldProblem {
                        path: path.collect::<Vec<_>>().join(" › "),
                        reason: format::field_error_reason(f),
                        target: link_target(f),
                    }
                })
                .collect();
            let message = match e.error.sys.id.as_str() {
                "VersionMismatch" => {
                    "Changed since you selected it: reload and try again".to_owned()
                }
                "NotFound" => "Does not exist (deleted?)".to_owned(),
                _ => e.error.message_or_id().to_owned(),
            };
            EntityProblems {
                kind,
                id,
                error_id: e.error.sys.id.to_string(),
                fields,
                message,
            }
        })
        .collect()
}

/// The entry or asset a field error's link names (`notResolvable`), when it names one.
fn link_target(error: &FieldError) -> Option<Link> {
    let id = error.link_target_id()?;
    let link = error.link.as_ref()?;
    let link_type = link
        .get("linkType")
        .or_else(|| link.get("sys").and_then(|s| s.get("linkType")))
        .and_then(serde_json::Value::as_str);
    Some(match link_type {
        Some("Asset") => Link::asset(id),
        _ => Link::entry(id),
    })
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
