//! Exporting the journal: every event matching an [`EventFilter`] written as NDJSON (one JSON
//! object a line) or CSV (a header and one row an event), oldest first.
//!
//! [`export`] only writes to a [`Write`]r and reports progress; [`export_file`] writes a file
//! through a temporary one renamed into place. Choosing the file is the app worker's business. Header values were
//! redacted before they were stored, so nothing secret leaves the journal here.
//!
//! The export is a snapshot: it stops at the newest event present when it started, so events
//! arriving meanwhile never make it run forever. Blocking (SQLite): run it on a blocking thread.

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use super::event::{EventDetails, TimelineEvent};
use super::journal::{EventFilter, Journal, JournalError};

/// Events read per journal page (progress is reported after each).
const EXPORT_PAGE: usize = 500;

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// Newline-delimited JSON: one object per event, with headers and payload.
    Ndjson,
    /// Comma-separated values (RFC 4180 quoting): a header row, then one row per event.
    Csv,
}

impl ExportFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Ndjson => "ndjson",
            Self::Csv => "csv",
        }
    }

    /// The name a menu shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ndjson => "NDJSON",
            Self::Csv => "CSV",
        }
    }
}

/// How far an export got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportProgress {
    /// Events written.
    pub done: u64,
    /// Events the export will write in all.
    pub total: u64,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Writing failed.
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
    /// The progress callback asked to stop.
    #[error("the export was canceled")]
    Canceled,
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 14] = [
    "id",
    "received_at",
    "topic",
    "entity_type",
    "entity_id",
    "action",
    "action_status",
    "verdict",
    "attempt",
    "attempts",
    "source",
    "origin",
    "summary",
    "payload",
];

/// Writes every event matching `filter` (up to the newest one present now) to `writer` in
/// `format`, oldest first, and returns how many it wrote. `progress` is called after each page
/// (and once at the start); returning `false` cancels the export ([`ExportError::Canceled`]).
/// Blocking.
pub fn export(
    journal: &Journal,
    filter: &EventFilter,
    format: ExportFormat,
    writer: &mut dyn Write,
    progress: &mut dyn FnMut(ExportProgress) -> bool,
) -> Result<u64, ExportError> {
    let anchor = journal.latest_id()?;
    let total = match anchor {
        Some(anchor) => journal.count_before(filter, Some(anchor + 1))?,
        None => 0,
    };
    if format == ExportFormat::Csv {
        write!(writer, "{}\r\n", CSV_COLUMNS.join(","))?;
    }
    let mut state = ExportProgress { done: 0, total };
    if !progress(state) {
        return Err(ExportError::Canceled);
    }
    let Some(anchor) = anchor else {
        return Ok(0);
    };
    let mut cursor = 0;
    loop {
        let events = journal.after(filter, Some(cursor), EXPORT_PAGE)?;
        let full = events.len() >= EXPORT_PAGE;
        let mut reached_anchor = false;
        for event in events {
            if event.id > anchor {
                reached_anchor = true;
                break;
            }
            cursor = event.id;
            // An event removed by retention meanwhile is skipped.
            let Some(details) = journal.details(event.id)? else {
                continue;
            };
            match format {
                ExportFormat::Ndjson => {
                    serde_json::to_writer(&mut *writer, &ndjson_record(&details))
                        .map_err(std::io::Error::from)?;
                    writer.write_all(b"\n")?;
                }
                ExportFormat::Csv => write_csv_row(writer, &details)?,
            }
            state.done += 1;
        }
        state.total = state.total.max(state.done);
        if !progress(state) {
            return Err(ExportError::Canceled);
        }
        if !full || reached_anchor || cursor >= anchor {
            break;
        }
    }
    writer.flush()?;
    Ok(state.done)
}

/// The payload as JSON when it is, else as text.
fn payload_value(details: &EventDetails) -> Value {
    details
        .json()
        .unwrap_or_else(|| Value::String(details.body_text()))
}

/// One event as an NDJSON object.
pub fn ndjson_record(details: &EventDetails) -> Value {
    let e: &TimelineEvent = &details.event;
    let headers: Vec<Value> = details
        .headers
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    json!({
        "id": e.id,
        "receivedAt": e.received_at.to_string(),
        "eventAt": e.event_at.map(|t| t.to_string()),
        "origin": e.origin.as_str(),
        "source": e.source,
        "topic": e.topic,
        "entityType": e.entity_type,
        "action": e.action,
        "entityId": e.entity_id,
        "version": e.version,
        "environment": e.environment,
        "actionStatus": e.action_status,
        "verdict": e.verdict.kind().as_str(),
        "verdictReason": e.verdict.reason(),
        "attempt": e.attempt,
        "attempts": e.attempts,
        "idempotencyKey": e.idempotency_key,
        "webhookName": e.webhook_name,
        "httpStatus": e.http_status,
        "callId": e.call_id,
        "summary": e.summary,
        "headers": headers,
        "payload": payload_value(details),
        "payloadTruncated": details.is_truncated(),
    })
}

/// Quotes a CSV field when it needs it (a comma, quote, or line break), doubling quotes. A field
/// that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets
/// a leading `'`, so an exported webhook payload can never execute in the reader's spreadsheet.
pub fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    let guarded: std::borrow::Cow<'_, str> = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\"")).into()
    } else {
        guarded
    }
}

fn write_csv_row(writer: &mut dyn Write, details: &EventDetails) -> std::io::Result<()> {
    let e = &details.event;
    let payload = match details.json() {
        Some(json) => json.to_string(),
        None => details.body_text(),
    };
    let fields = [
        e.id.to_string(),
        e.received_at.to_string(),
        e.topic.clone(),
        e.entity_type.clone(),
        e.entity_id.clone().unwrap_or_default(),
        e.action.clone(),
        e.action_status.clone().unwrap_or_default(),
        e.verdict.kind().as_str().to_owned(),
        e.attempt.to_string(),
        e.attempts.to_string(),
        e.source.clone(),
        e.origin.as_str().to_owned(),
        e.summary.clone(),
        payload,
    ];
    let line: Vec<std::borrow::Cow<'_, str>> = fields.iter().map(|f| csv_field(f)).collect();
    // CRLF ends records (RFC 4180), so a line break inside a quoted field stays unambiguous.
    write!(writer, "{}\r\n", line.join(","))
}

/// Writes the export to `path` through a temporary file renamed into place once complete
/// ([`crate::private_fs::write_atomic_with`]); the temporary is removed when it fails or is
/// canceled. Blocking.
pub fn export_file(
    journal: &Journal,
    filter: &EventFilter,
    format: ExportFormat,
    path: &Path,
    progress: &mut dyn FnMut(ExportProgress) -> bool,
) -> Result<u64, ExportError> {
    crate::private_fs::write_atomic_with(path, crate::private_fs::Access::Default, |file| {
        let mut writer = std::io::BufWriter::new(file);
        let n = export(journal, filter, format, &mut writer, progress)?;
        writer.flush()?;
        Ok(n)
    })
}

#[cfg(test)]
mod csv_tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_and_formulas_neutralised() {
        let cases = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("line\nbreak", "\"line\nbreak\""),
        ];
        for (input, expected) in cases {
            assert_eq!(csv_field(input), expected, "{input:?}");
        }
    }
}
