//! Error bodies map to the right typed errors; data-driven `check(input, expected)` style.

use release_desk::cma::{CmaError, ErrorBody, ErrorId};
use serde_json::json;

fn map(status: u16, body: serde_json::Value) -> CmaError {
    let bytes = serde_json::to_vec(&body).unwrap();
    CmaError::from_response(
        status,
        ErrorBody::from_bytes_or_status(status, &bytes),
        None,
        None,
        None,
    )
}

fn error(id: &str, message: &str) -> serde_json::Value {
    json!({"sys":{"type":"Error","id":id},"message":message,"requestId":"req-1"})
}

#[test]
fn statuses_and_bodies_map_to_typed_errors() {
    let cases: Vec<(u16, serde_json::Value, &str)> = vec![
        (
            400,
            error(
                "BadRequest",
                "The 'x-contentful-version' header is missing or invalid.",
            ),
            "BadRequest",
        ),
        (
            400,
            error("InvalidQuery", "limit must be positive"),
            "InvalidQuery",
        ),
        (
            401,
            error(
                "AccessTokenInvalid",
                "The access token you sent could not be found or is invalid.",
            ),
            "Unauthorized",
        ),
        (403, error("AccessDenied", "Forbidden"), "AccessDenied"),
        (
            404,
            json!({"sys":{"type":"Error","id":"NotFound"},"message":"The resource could not be found.",
                     "details":{"type":"Release","environment":"master","space":"s","id":"fakeId"}}),
            "NotFound",
        ),
        (
            409,
            error("VersionMismatch", "Version mismatch"),
            "Conflict",
        ),
        (
            413,
            error("RequestEntityTooLarge", "too big"),
            "PayloadTooLarge",
        ),
        (
            422,
            error("ValidationFailed", "Validation error"),
            "ValidationFailed",
        ),
        (
            429,
            error("RateLimitExceeded", "You have exceeded the rate limit"),
            "RateLimited",
        ),
        (500, error("ServerError", "boom"), "Server"),
        (503, error("ServiceUnavailable", "down"), "Server"),
        (418, error("Teapot", "short and stout"), "Unexpected"),
    ];
    for (status, body, expected) in cases {
        let err = map(status, body);
        let name = format!("{err:?}");
        assert!(
            name.starts_with(expected),
            "{status} mapped to {name}, expected {expected}"
        );
        assert_eq!(err.status(), Some(status));
    }
}

#[test]
fn not_found_names_the_missing_thing() {
    let err = map(
        404,
        json!({"sys":{"type":"Error","id":"NotFound"},"message":"The resource could not be found.",
               "details":{"type":"Release","id":"fakeId"}}),
    );
    assert_eq!(err.to_string(), "Release 'fakeId' was not found (404)");
}

#[test]
fn conflict_carries_the_current_version_from_details_or_header() {
    let from_details = map(
        409,
        json!({"sys":{"type":"Error","id":"VersionMismatch"},"details":{"currentVersion":12}}),
    );
    assert!(matches!(
        from_details,
        CmaError::Conflict {
            current_version: Some(12),
            ..
        }
    ));
    assert!(from_details.to_string().contains("version 12"));
    let from_header = CmaError::from_response(
        409,
        ErrorBody::new(ErrorId::VersionMismatch, "Version mismatch"),
        None,
        None,
        Some(4),
    );
    assert!(matches!(
        from_header,
        CmaError::Conflict {
            current_version: Some(4),
            ..
        }
    ));
}

#[test]
fn validation_failed_details_are_readable() {
    // The create-release-with-missing-entry error from the SDK's integration test (spec §1).
    let err = map(
        422,
        json!({"sys":{"type":"Error","id":"ValidationFailed"},"message":"Validation error",
               "details":{"errors":[{"error":{"sys":{"type":"Error","id":"NotFound"},
                   "message":"The resource could not be found.",
                   "details":{"sys":{"id":"non-existent-entry","type":"Entry"}}}}]}}),
    );
    let CmaError::ValidationFailed(api) = &err else {
        panic!("expected ValidationFailed, got {err:?}");
    };
    let per_entity = api.body.entity_errors();
    assert_eq!(per_entity.len(), 1);
    assert_eq!(per_entity[0].error.sys.id, ErrorId::NotFound);
    assert!(per_entity[0].link().is_none());

    // The bulk publish without version error (spec §3): field-level items.
    let err = map(
        422,
        json!({"sys":{"type":"Error","id":"ValidationFailed"},"message":"Validation error",
               "details":{"errors":[{"details":"\"entities.items[0].sys.version\" is required",
                   "name":"any.required","path":["entities","items",0,"sys","version"]}]}}),
    );
    let fields = err.api().unwrap().body.field_errors();
    assert_eq!(fields[0].name, "any.required");
    assert_eq!(fields[0].path_string(), "entities.items.0.sys.version");
}

#[test]
fn non_json_error_bodies_are_synthesised_from_the_status() {
    let cases = [
        (502, "<html>Bad gateway</html>", ErrorId::BadGateway),
        (503, "", ErrorId::ServiceUnavailable),
        (401, "nope", ErrorId::AccessTokenInvalid),
        (404, "{not json", ErrorId::NotFound),
    ];
    for (status, raw, id) in cases {
        let body = ErrorBody::from_bytes_or_status(status, raw.as_bytes());
        assert_eq!(body.sys.id, id, "{status} {raw:?}");
        assert_eq!(
            body.message.as_deref(),
            Some(format!("HTTP {status}").as_str())
        );
    }
}
