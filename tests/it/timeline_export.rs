//! The timeline export (NDJSON and CSV) and the event-rate counts, over a real receiver and
//! journal: exactly the filtered rows, parseable, properly quoted, secrets redacted, cancelable.

use std::time::Duration;

use release_desk::app::timeline::{GROUPS, group_of_topic};
use release_desk::app::worker::timeline::sources::rate_chart;
use release_desk::cma::Timestamp;
use release_desk::timeline::EventFilter;
use release_desk::timeline::export::export_file;
use release_desk::timeline::export::{CSV_COLUMNS, ExportError, ExportFormat, export};
use serde_json::{Value, json};

use crate::timeline_support::{Delivery, http, secret, timeline, wait_for_events};

/// A journal with 3 `Entry.publish` (one with an API key header and an awkward title) and 2
/// `Release.create` events.
async fn journal_with_events() -> (release_desk::timeline::Timeline, tempfile::TempDir) {
    let (timeline, dir) = timeline(Some(secret())).await;
    let http = http();
    let awkward = Delivery::new(
        "Entry.publish",
        json!({"sys": {"type": "Entry", "id": "e-awkward", "revision": 1},
               "fields": {"title": {"en-US": "Commas, \"quotes\"\nand a line break"}}}),
    )
    .with_header("X-Api-Key", "super-secret-key-value");
    let deliveries = [
        Delivery::entry_publish("e1"),
        awkward,
        Delivery::entry_publish("e2"),
        Delivery::new(
            "Release.create",
            json!({"sys": {"type": "Release", "id": "r1", "version": 1}, "title": "Spring"}),
        ),
        Delivery::new(
            "Release.create",
            json!({"sys": {"type": "Release", "id": "r2", "version": 1}, "title": "Summer"}),
        ),
    ];
    for delivery in deliveries {
        let (status, _) = delivery
            .signed(&secret())
            .send(&http, timeline.addr())
            .await;
        assert!(status < 300, "delivery refused: {status}");
    }
    wait_for_events(
        timeline.journal(),
        EventFilter::default(),
        5,
        Duration::from_secs(10),
    )
    .await;
    (timeline, dir)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Splits RFC 4180 CSV into records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && record.is_empty(), "unterminated record");
    records
}

#[test]
fn ndjson_export_writes_exactly_the_filtered_events_redacted() {
    let rt = runtime();
    let (timeline, _dir) = rt.block_on(journal_with_events());
    let journal = timeline.journal().clone();
    let filter = EventFilter {
        topics: vec!["Entry.publish".into()],
        ..EventFilter::default()
    };
    let mut out = Vec::new();
    let mut reports = Vec::new();
    let n = export(
        &journal,
        &filter,
        ExportFormat::Ndjson,
        &mut out,
        &mut |p| {
            reports.push(p);
            true
        },
    )
    .unwrap();
    assert_eq!(n, 3);
    assert_eq!(n, journal.count(&filter).unwrap());
    assert_eq!(reports.last().map(|p| (p.done, p.total)), Some((3, 3)));
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l["topic"] == "Entry.publish"));
    // Oldest first, with the payload as JSON.
    let ids: Vec<&str> = lines
        .iter()
        .map(|l| l["entityId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["e1", "e-awkward", "e2"]);
    assert_eq!(
        lines[1]["payload"]["fields"]["title"]["en-US"],
        "Commas, \"quotes\"\nand a line break"
    );
    assert_eq!(lines[0]["verdict"], "verified");
    assert!(!text.contains("super-secret-key-value"), "{text}");
    assert!(lines[1]["headers"].as_array().unwrap().iter().any(|h| {
        h["name"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("x-api-key")
    }));
}

#[test]
fn csv_export_has_a_header_and_one_quoted_row_per_event() {
    let rt = runtime();
    let (timeline, dir) = rt.block_on(journal_with_events());
    let journal = timeline.journal().clone();
    // Through the file path the worker uses: written to a temporary file, then renamed.
    let path = dir.path().join("export.csv");
    let n = export_file(
        &journal,
        &EventFilter::default(),
        ExportFormat::Csv,
        &path,
        &mut |_| true,
    )
    .unwrap();
    assert_eq!(n, 5);
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    let text = std::fs::read_to_string(&path).unwrap();
    let records = parse_csv(&text);
    assert_eq!(records[0], CSV_COLUMNS);
    assert_eq!(records.len(), 1 + 5);
    assert!(records.iter().all(|r| r.len() == CSV_COLUMNS.len()));
    let topic = CSV_COLUMNS.iter().position(|c| *c == "topic").unwrap();
    let payload = CSV_COLUMNS.iter().position(|c| *c == "payload").unwrap();
    let topics: Vec<&str> = records[1..].iter().map(|r| r[topic].as_str()).collect();
    assert_eq!(
        topics,
        [
            "Entry.publish",
            "Entry.publish",
            "Entry.publish",
            "Release.create",
            "Release.create"
        ]
    );
    let awkward: Value = serde_json::from_str(&records[2][payload]).unwrap();
    assert_eq!(
        awkward["fields"]["title"]["en-US"],
        "Commas, \"quotes\"\nand a line break"
    );
}

#[test]
fn a_canceled_export_leaves_no_file() {
    let rt = runtime();
    let (timeline, dir) = rt.block_on(journal_with_events());
    let path = dir.path().join("export.ndjson");
    let result = export_file(
        timeline.journal(),
        &EventFilter::default(),
        ExportFormat::Ndjson,
        &path,
        &mut |_| false,
    );
    assert!(matches!(result, Err(ExportError::Canceled)), "{result:?}");
    assert!(!path.exists());
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn rate_chart_counts_every_event_per_minute_and_group() {
    let rt = runtime();
    let (timeline, _dir) = rt.block_on(journal_with_events());
    let now = Timestamp::now();
    let filter = EventFilter {
        from: Timestamp::from_millis(now.as_millis() - 3_600_000),
        ..EventFilter::default()
    };
    let chart = rate_chart(timeline.journal(), filter, now).unwrap();
    let release = group_of_topic("Release.create").unwrap();
    let entries = group_of_topic("Entry.publish").unwrap();
    assert_eq!(GROUPS[entries].label, "Entry/Asset");
    assert_eq!(group_of_topic("Asset.publish"), Some(entries));
    let sum = |g: usize| chart.buckets.iter().map(|b| b.counts[g]).sum::<u64>();
    assert_eq!((sum(release), sum(entries)), (2, 3));
    assert!(chart.from_minute <= chart.to_minute);
    assert!(
        chart
            .buckets
            .iter()
            .all(|b| (chart.from_minute..=chart.to_minute).contains(&b.minute))
    );
    // The same counts with a text filter (the full-text path).
    let filter = EventFilter {
        from: Timestamp::from_millis(now.as_millis() - 3_600_000),
        text: Some("Spring".into()),
        ..EventFilter::default()
    };
    let chart = rate_chart(timeline.journal(), filter, now).unwrap();
    assert_eq!(
        chart
            .buckets
            .iter()
            .map(|b| b.counts.iter().sum::<u64>())
            .sum::<u64>(),
        1
    );
}

/// Names of temporary files an interrupted or finished export left behind in `dir`.
fn temporaries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp") || name.ends_with(".part"))
        .collect()
}
