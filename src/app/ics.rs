//! iCalendar (RFC 5545) export of scheduled actions: a small writer — `VCALENDAR` with one
//! `VEVENT` per action (UID, DTSTAMP, DTSTART in UTC, SUMMARY, DESCRIPTION, STATUS,
//! CATEGORIES), text escaping of `\`, `;`, `,` and newlines, CRLF line ends, and lines folded at
//! 75 octets without splitting a UTF-8 character — and a small parser that reads such files back
//! (unfolding and unescaping), used by the tests to prove the output round-trips.
//!
//! No I/O here: the worker writes the text to the file the user chose.

use jiff::Timestamp;

use crate::cma::{ScheduledAction, ScheduledActionStatus};

/// The `PRODID` of exported calendars.
pub const PRODUCT_ID: &str = "-//Release Desk//Scheduled actions//EN";
/// The longest line, in octets, before folding (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// `STATUS` of a `VEVENT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// Planned, or happened.
    Confirmed,
    /// Not yet certain.
    Tentative,
    /// Called off.
    Cancelled,
}

impl EventStatus {
    /// The RFC 5545 word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "CONFIRMED",
            Self::Tentative => "TENTATIVE",
            Self::Cancelled => "CANCELLED",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "CONFIRMED" => Some(Self::Confirmed),
            "TENTATIVE" => Some(Self::Tentative),
            "CANCELLED" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// One calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// Globally unique id (`<scheduled action id>@release-desk`).
    pub uid: String,
    /// When this version of the event was made.
    pub dtstamp: Timestamp,
    /// When it happens (written in UTC).
    pub start: Timestamp,
    /// One line title.
    pub summary: String,
    /// Details; may hold newlines and any punctuation.
    pub description: String,
    /// Confirmed, tentative or cancelled.
    pub status: EventStatus,
    /// Categories (action and state, e.g. `publish`, `failed`).
    pub categories: Vec<String>,
}

/// A failure to read a calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    /// The text is not an iCalendar object.
    #[error("not an iCalendar file: {0}")]
    Malformed(String),
    /// A property value could not be read.
    #[error("line {line}: {message}")]
    BadValue {
        /// 1-based logical line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Whole seconds: the resolution of an iCalendar DATE-TIME.
fn whole_seconds(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

/// The event for one scheduled action (times cut to whole seconds, as iCalendar writes them).
/// `title` is the entity's display title.
pub fn event_for(action: &ScheduledAction, title: &str, dtstamp: Timestamp) -> IcsEvent {
    let status = &action.sys.status;
    let verb = capitalised(action.action.as_str());
    let kind = action.entity.link_type().as_str().to_lowercase();
    let outcome = match status {
        ScheduledActionStatus::Scheduled => String::new(),
        other => format!(" ({})", status_word(other)),
    };
    let start = action.scheduled_for.datetime.0;
    let mut description = vec![
        format!("{verb} the {kind} \"{title}\" ({}).", action.entity.id()),
        format!("Status: {}.", status_word(status)),
    ];
    if let Some(zone) = &action.scheduled_for.timezone {
        let local = crate::app::schedule::zone(zone)
            .map(|tz| start.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z").to_string())
            .unwrap_or_default();
        description.push(format!("Scheduled in {zone}: {local}."));
    }
    if let Some(error) = &action.error {
        description.push(format!("Error: {}.", error.message_or_id()));
    }
    description.push(format!("Scheduled action {}.", action.sys.id));
    IcsEvent {
        uid: format!("{}@release-desk", action.sys.id),
        dtstamp: whole_seconds(dtstamp),
        start: whole_seconds(start),
        summary: format!("{verb} {kind}: {title}{outcome}"),
        description: description.join("\n"),
        status: match status {
            ScheduledActionStatus::Canceled => EventStatus::Cancelled,
            _ => EventStatus::Confirmed,
        },
        categories: vec![
            action.action.as_str().to_owned(),
            status.as_str().to_owned(),
        ],
    }
}

fn status_word(status: &ScheduledActionStatus) -> &str {
    match status {
        ScheduledActionStatus::InProgress => "in progress",
        other => other.as_str(),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): `\` `;` `,` and newlines.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Reverses [`escape_text`].
pub fn unescape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Folds one content line into physical lines of at most 75 octets, CRLF-terminated; the
/// continuation lines start with a space (counted in their 75).
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
    out
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Writes a calendar named `name` with `events`.
pub fn write_calendar(name: &str, events: &[IcsEvent]) -> String {
    let mut out = String::new();
    let mut line = |s: String| out.push_str(&fold_line(&s));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line(format!("PRODID:{PRODUCT_ID}"));
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    for event in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape_text(&event.uid)));
        line(format!("DTSTAMP:{}", utc(event.dtstamp)));
        line(format!("DTSTART:{}", utc(event.start)));
        line(format!("SUMMARY:{}", escape_text(&event.summary)));
        line(format!("DESCRIPTION:{}", escape_text(&event.description)));
        line(format!("STATUS:{}", event.status.as_str()));
        if !event.categories.is_empty() {
            let categories: Vec<String> = event.categories.iter().map(|c| escape_text(c)).collect();
            line(format!("CATEGORIES:{}", categories.join(",")));
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// Unfolds physical lines into content lines (CRLF or LF; a leading space or tab continues).
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some(last) = lines.last_mut()
        {
            last.push_str(rest);
        } else if !raw.is_empty() {
            lines.push(raw.to_owned());
        }
    }
    lines
}

/// Splits a TEXT list on unescaped commas.
fn split_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            current.push('\\');
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            items.push(unescape_text(&current));
            current.clear();
        } else {
            current.push(c);
        }
    }
    items.push(unescape_text(&current));
    items
}

fn parse_utc(value: &str, line: usize) -> Result<Timestamp, IcsError> {
    let bad = |message: String| IcsError::BadValue { line, message };
    let value = value
        .strip_suffix('Z')
        .ok_or_else(|| bad(format!("'{value}' is not a UTC date-time")))?;
    let dt = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%S", value)
        .map_err(|e| bad(format!("'{value}': {e}")))?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|e| bad(e.to_string()))
}

/// Reads the events of a calendar written by [`write_calendar`] (or any simple RFC 5545 file
/// with UTC start times).
pub fn parse_calendar(text: &str) -> Result<Vec<IcsEvent>, IcsError> {
    let lines = unfold(text);
    if lines.first().map(String::as_str) != Some("BEGIN:VCALENDAR") {
        return Err(IcsError::Malformed(
            "it does not begin with BEGIN:VCALENDAR".into(),
        ));
    }
    if lines.last().map(String::as_str) != Some("END:VCALENDAR") {
        return Err(IcsError::Malformed(
            "it does not end with END:VCALENDAR".into(),
        ));
    }
    let mut events = Vec::new();
    let mut current: Option<IcsEvent> = None;
    for (index, line) in lines.iter().enumerate() {
        let number = index + 1;
        let (name_part, value) = line.split_once(':').ok_or_else(|| IcsError::BadValue {
            line: number,
            message: "no ':' in the line".into(),
        })?;
        // Parameters (`;TZID=…`) are ignored: this reader only needs UTC values.
        let name = name_part.split(';').next().unwrap_or(name_part);
        match (name, current.as_mut()) {
            ("BEGIN", None) if value == "VEVENT" => {
                current = Some(IcsEvent {
                    uid: String::new(),
                    dtstamp: Timestamp::UNIX_EPOCH,
                    start: Timestamp::UNIX_EPOCH,
                    summary: String::new(),
                    description: String::new(),
                    status: EventStatus::Confirmed,
                    categories: Vec::new(),
                });
            }
            ("END", Some(_)) if value == "VEVENT" => {
                if let Some(event) = current.take() {
                    if event.uid.is_empty() {
                        return Err(IcsError::BadValue {
                            line: number,
                            message: "an event without UID".into(),
                        });
                    }
                    events.push(event);
                }
            }
            ("UID", Some(e)) => e.uid = unescape_text(value),
            ("DTSTAMP", Some(e)) => e.dtstamp = parse_utc(value, number)?,
            ("DTSTART", Some(e)) => e.start = parse_utc(value, number)?,
            ("SUMMARY", Some(e)) => e.summary = unescape_text(value),
            ("DESCRIPTION", Some(e)) => e.description = unescape_text(value),
            ("STATUS", Some(e)) => {
                e.status = EventStatus::parse(value).ok_or_else(|| IcsError::BadValue {
                    line: number,
                    message: format!("unknown STATUS '{value}'"),
                })?;
            }
            ("CATEGORIES", Some(e)) => e.categories.extend(split_list(value)),
            _ => {}
        }
    }
    if current.is_some() {
        return Err(IcsError::Malformed("an event is not closed".into()));
    }
    Ok(events)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn event(uid: &str, summary: &str, description: &str) -> IcsEvent {
        IcsEvent {
            uid: uid.into(),
            dtstamp: ts("2026-11-26T10:00:00Z"),
            start: ts("2027-03-28T01:30:00Z"),
            summary: summary.into(),
            description: description.into(),
            status: EventStatus::Confirmed,
            categories: vec!["publish".into(), "scheduled".into()],
        }
    }

    #[test]
    fn escaping() {
        #[track_caller]
        fn check(input: &str, expected: &str) {
            assert_eq!(escape_text(input), expected, "{input:?}");
            let back = input.replace("\r\n", "\n");
            assert_eq!(unescape_text(expected), back, "{expected:?}");
        }
        check("plain", "plain");
        check("a,b;c\\d", "a\\,b\\;c\\\\d");
        check("two\nlines", "two\\nlines");
        check("crlf\r\nline", "crlf\\nline");
        check("ends with \\", "ends with \\\\");
        check("Grüße, 東京", "Grüße\\, 東京");
    }

    #[test]
    fn folding_keeps_lines_within_75_octets_and_characters_whole() {
        #[track_caller]
        fn check(input: &str, expected_lines: usize) {
            let folded = fold_line(input);
            assert!(folded.ends_with("\r\n"));
            let physical: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
            assert_eq!(physical.len(), expected_lines, "{input:?}");
            for (i, line) in physical.iter().enumerate() {
                assert!(
                    line.len() <= MAX_LINE_OCTETS,
                    "line {i} has {} octets",
                    line.len()
                );
                assert_eq!(i > 0, line.starts_with(' '));
            }
            assert_eq!(unfold(&folded), vec![input.to_owned()]);
        }
        check("SUMMARY:short", 1);
        check(&"x".repeat(75), 1);
        check(&"x".repeat(76), 2);
        check(&"x".repeat(75 + 74), 2);
        check(&"x".repeat(75 + 74 + 1), 3);
        // Three-octet characters never straddle a fold.
        check(&format!("SUMMARY:{}", "東".repeat(60)), 3);
        check(&format!("SUMMARY:{}", "ü".repeat(100)), 3);
    }

    #[test]
    fn a_calendar_parses_back_to_the_same_events() {
        let events = vec![
            event(
                "sa-1@release-desk",
                "Publish release: Spring Travel Issue",
                "One line.",
            ),
            event(
                "sa-2@release-desk",
                "Unpublish entry: Cider, apples; and \\ backslashes (failed)",
                &format!(
                    "Line one,\nline two; with \\ and a long tail {}\nGrüße aus 東京.",
                    "— long words ".repeat(12)
                ),
            ),
            IcsEvent {
                status: EventStatus::Cancelled,
                categories: vec!["unpublish".into(), "canceled".into()],
                ..event("sa-3@release-desk", "Canceled", "")
            },
        ];
        let text = write_calendar("Release Desk: March 2027", &events);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.contains("DTSTART:20270328T013000Z\r\n"));
        assert!(text.contains("STATUS:CANCELLED\r\n"));
        for line in text.split("\r\n") {
            assert!(line.len() <= MAX_LINE_OCTETS, "{line:?}");
        }
        assert!(!text.replace("\r\n", "").contains('\n'), "bare newlines");
        assert_eq!(parse_calendar(&text).unwrap(), events);
    }

    #[test]
    fn malformed_calendars_are_refused() {
        #[track_caller]
        fn check(input: &str, expected: &str) {
            let got = parse_calendar(input)
                .map(|e| e.len())
                .map_err(|e| e.to_string());
            assert_eq!(got, Err(expected.to_owned()), "{input:?}");
        }
        check(
            "",
            "not an iCalendar file: it does not begin with BEGIN:VCALENDAR",
        );
        check(
            "BEGIN:VCALENDAR\r\n",
            "not an iCalendar file: it does not end with END:VCALENDAR",
        );
        check(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270101\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "line 4: '20270101' is not a UTC date-time",
        );
        check(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20270101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "line 4: an event without UID",
        );
        check(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n",
            "not an iCalendar file: an event is not closed",
        );
    }
}
