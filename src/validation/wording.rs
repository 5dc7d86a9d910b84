//! Validation errors in plain words: what is wrong, and what would fix it. The failure
//! inspector, the readiness preflight and the alert messages all say it this way, so one
//! problem reads the same wherever it is shown (and in the headless receiver's chat posts).

use crate::cma::FieldError;

/// A field error in plain words: what is wrong, and what would fix it.
pub fn field_error_reason(error: &FieldError) -> String {
    let value = error
        .value
        .as_ref()
        .map(|v| match v {
            serde_json::Value::String(s) => format!("\"{s}\""),
            other => other.to_string(),
        })
        .unwrap_or_default();
    let num = |key: &str| error.extra.get(key).map(|v| v.to_string());
    let base = match error.name.as_str() {
        "required" => "Required, but empty".to_owned(),
        "size" => {
            let len = error.value.as_ref().and_then(|v| match v {
                serde_json::Value::String(s) => Some((s.chars().count(), "characters")),
                serde_json::Value::Array(a) => Some((a.len(), "items")),
                _ => None,
            });
            let min = error.extra.get("min").and_then(serde_json::Value::as_f64);
            let max = error.extra.get("max").and_then(serde_json::Value::as_f64);
            match (len, min, max) {
                (Some((n, unit)), Some(min), _) if (n as f64) < min => {
                    format!("Too short: {n} {unit}, at least {min} needed")
                }
                (Some((n, unit)), _, Some(max)) if (n as f64) > max => {
                    format!("Too long: {n} {unit}, at most {max} allowed")
                }
                _ => match (num("min"), num("max")) {
                    (Some(min), Some(max)) => format!("Length must be between {min} and {max}"),
                    (Some(min), None) => format!("Must be at least {min} long"),
                    (None, Some(max)) => format!("Must be at most {max} long"),
                    _ => "Has the wrong length".to_owned(),
                },
            }
        }
        "range" => format!("{value} is outside the allowed range"),
        "regexp" => format!("{value} does not match the required pattern"),
        "prohibitRegexp" => format!("{value} matches a forbidden pattern"),
        "in" => {
            let expected = error
                .extra
                .get("expected")
                .map(|v| v.to_string())
                .unwrap_or_default();
            format!("{value} is not one of the allowed values {expected}")
        }
        "linkContentType" => {
            let allowed = error
                .extra
                .get("contentTypeId")
                .map(|v| v.to_string())
                .unwrap_or_default();
            format!("Links to an entry of the wrong content type (allowed: {allowed})")
        }
        "linkMimetypeGroup" => "Links to a file of the wrong kind".to_owned(),
        "notResolvable" => format!(
            "Links to '{}', which is missing or not published (publish it too, or add it to the release)",
            error.link_target_id().unwrap_or("?")
        ),
        "unique" => "Must be unique, but another entry has the same value".to_owned(),
        "type" => format!("{value} has the wrong type"),
        "unknown" => "Not a field of this content type".to_owned(),
        other => error.details.clone().unwrap_or_else(|| other.to_owned()),
    };
    match &error.custom_message {
        Some(custom) => format!("{base}. {custom}"),
        None => base,
    }
}
