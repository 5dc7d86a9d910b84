//! Formatting for people: relative times, durations, plain-word error reasons.

use crate::cma::Timestamp;

/// When `t` was, as a list column says it: "just now", "5 min ago", "3 h ago", "2 days ago"
/// within a week of `now`, then the day ("26 Nov", with the year when it is not this year's),
/// in the system time zone. An instant after `now` is [`local_time`], as is the exact time a
/// tooltip shows. Whole days keep a column calm, and rows updated on one day read (and lay out)
/// alike.
pub fn relative_time(t: Timestamp, now: jiff::Timestamp) -> String {
    relative_time_in(t, now, &jiff::tz::TimeZone::system())
}

/// [`relative_time`] in time zone `tz`.
fn relative_time_in(t: Timestamp, now: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    let secs = now.as_second() - t.0.as_second();
    match secs {
        s if s < 0 => local_time(t),
        s if s < 45 => "just now".into(),
        s if s < 3600 => format!("{} min ago", (s + 30) / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s if s < 2 * 86_400 => "1 day ago".into(),
        s if s < 7 * 86_400 => format!("{} days ago", s / 86_400),
        _ => {
            let day = t.0.to_zoned(tz.clone());
            if day.year() == now.to_zoned(tz.clone()).year() {
                day.strftime("%-d %b").to_string()
            } else {
                day.strftime("%-d %b %Y").to_string()
            }
        }
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

/// A field error in plain words (the inspector's, readiness' and alerts' wording).
pub use crate::validation::wording::field_error_reason;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_times_say_how_long_ago_then_the_day() {
        let utc = jiff::tz::TimeZone::UTC;
        let now = Timestamp::from_millis(1_796_198_400_000).unwrap(); // 2026-12-02T08:00:00Z
        let ago = |secs: i64| Timestamp::from_millis(1_796_198_400_000 - secs * 1000).unwrap();
        let said = |secs: i64| relative_time_in(ago(secs), now.0, &utc);
        assert_eq!(said(10), "just now");
        assert_eq!(said(5 * 60), "5 min ago");
        assert_eq!(said(3 * 3600 + 59), "3 h ago");
        assert_eq!(said(86_400 + 5), "1 day ago");
        assert_eq!(said(6 * 86_400), "6 days ago");
        assert_eq!(said(7 * 86_400), "25 Nov");
        assert_eq!(said(340 * 86_400), "27 Dec 2025");
        assert_eq!(said(-60), local_time(ago(-60)), "a future instant in full");
    }

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
