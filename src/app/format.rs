//! Formatting for people: relative times, durations, plain-word error reasons.

use crate::cma::{FieldError, Timestamp};

/// "just now", "5 min ago", "3 h ago" before `now`, or the date for older instants.
pub fn relative_time(t: Timestamp, now: jiff::Timestamp) -> String {
    let secs = now.as_second() - t.0.as_second();
    match secs {
        s if s < 0 => local_time(t),
        s if s < 45 => "just now".into(),
        s if s < 3600 => format!("{} min ago", (s + 30) / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        _ => local_time(t),
    }
}

/// The instant in the system time zone, `2026-11-26 14:03`.
pub fn local_time(t: Timestamp) -> String {
    let zoned = t.0.to_zoned(jiff::tz::TimeZone::system());
    zoned.strftime("%Y-%m-%d %H:%M").to_string()
}

/// An instant as a sentence names it, in `zone` (an IANA name; the system's zone when `None`
/// or unknown), with the zone said: "Wed 2 Dec 2026 09:00 CET (Europe/Berlin)".
pub fn time_in_zone(t: Timestamp, zone: Option<&str>) -> String {
    let named = zone.and_then(|name| jiff::tz::TimeZone::get(name).ok().map(|tz| (name, tz)));
    match named {
        Some((name, tz)) => format!(
            "{} ({name})",
            t.0.to_zoned(tz).strftime("%a %-d %b %Y %H:%M %Z")
        ),
        None => {
            t.0.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%a %-d %b %Y %H:%M %Z")
                .to_string()
        }
    }
}

/// A short day and time in `zone` (else the system's), what a list cell has room for: "Tue
/// 09:00 EST" within the coming week, "Tue 1 Dec 09:00 EST" otherwise.
pub fn short_time_in_zone(t: Timestamp, zone: Option<&str>, now: jiff::Timestamp) -> String {
    let tz = zone
        .and_then(|name| jiff::tz::TimeZone::get(name).ok())
        .unwrap_or_else(jiff::tz::TimeZone::system);
    let ahead = t.0.as_second() - now.as_second();
    let pattern = if (0..6 * 24 * 3600).contains(&ahead) {
        "%a %H:%M %Z"
    } else {
        "%a %-d %b %H:%M %Z"
    };
    t.0.to_zoned(tz).strftime(pattern).to_string()
}

/// How late something ran, "3 min" or "2 h 5 min", or `None` within a minute of its time
/// (a schedule runs on the minute; a little lag is normal).
pub fn lateness(due: Timestamp, ran: Timestamp) -> Option<String> {
    let minutes = (ran.as_millis() - due.as_millis()) / 60_000;
    match minutes {
        ..=1 => None,
        2..=59 => Some(format!("{minutes} min")),
        _ => Some(format!("{} h {} min", minutes / 60, minutes % 60)),
    }
}

/// A duration between two instants, "1.4 s" or "2 min 3 s".
pub fn duration_between(from: Timestamp, to: Timestamp) -> String {
    let ms = (to.as_millis() - from.as_millis()).max(0);
    if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_sentences_name_their_zone() {
        let t = Timestamp::from_millis(1_796_198_400_000).unwrap(); // 2026-12-02T08:00:00Z
        assert_eq!(
            time_in_zone(t, Some("Europe/Berlin")),
            "Wed 2 Dec 2026 09:00 CET (Europe/Berlin)"
        );
        assert_eq!(
            time_in_zone(t, Some("America/New_York")),
            "Wed 2 Dec 2026 03:00 EST (America/New_York)"
        );
    }
}
