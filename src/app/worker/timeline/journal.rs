//! The worker's journal half of the timeline: answers [`JournalRequest`]s from the journal and
//! the saved-filters file. Every function here blocks (SQLite, the file system): the worker calls
//! [`handle`] on `spawn_blocking`, never on the UI thread.

use std::path::Path;

use crate::app::timeline::{EventDetailData, JournalRequest, TimelineFilterSpec, TimelineResult};
use crate::app::widgets::line_diff;
use crate::timeline::journal::MAX_PAGE;
use crate::timeline::{EventFilter, Journal, JournalError, TimelineEvent};

/// Action entity types: their events cause others.
const ACTION_TYPES: [&str; 3] = ["ReleaseAction", "BulkAction", "ScheduledAction"];

/// Answers one request (blocking). `filters_file` is where saved filters live.
pub fn handle(journal: &Journal, filters_file: &Path, request: JournalRequest) -> TimelineResult {
    let failed = |context: &str, e: &dyn std::fmt::Display| TimelineResult::Failed {
        context: context.to_owned(),
        message: e.to_string(),
    };
    match request {
        JournalRequest::Reset { generation, filter } => reset(journal, generation, &filter)
            .unwrap_or_else(|e| failed("Reading the timeline", &e)),
        JournalRequest::LoadPage {
            generation,
            filter,
            page,
            before,
            skip,
            limit,
            top_rank,
        } => match journal.page_at(&filter, before, skip, limit) {
            Ok(events) => TimelineResult::PageLoaded {
                generation,
                page,
                top_rank,
                events,
            },
            Err(e) => failed("Reading the timeline", &e),
        },
        JournalRequest::CatchUp {
            generation,
            filter,
            after,
            seq,
            follow,
        } => match journal.after(&filter, Some(after), MAX_PAGE) {
            Ok(events) => TimelineResult::CaughtUp {
                generation,
                seq,
                follow,
                more: events.len() >= MAX_PAGE,
                events,
            },
            Err(e) => failed("Reading new timeline events", &e),
        },
        JournalRequest::LoadDetails { id } => match details(journal, id) {
            Ok(Some(detail)) => TimelineResult::Details(Box::new(detail)),
            Ok(None) => failed("Opening an event", &"it is no longer in the journal"),
            Err(e) => failed("Opening an event", &e),
        },
        JournalRequest::SaveFilter { name, spec } => {
            let mut filters = read_filters(filters_file).unwrap_or_default();
            filters.retain(|(n, _)| n != &name);
            filters.push((name, spec));
            filters.sort_by(|a, b| a.0.cmp(&b.0));
            match write_filters(filters_file, &filters) {
                Ok(()) => TimelineResult::FiltersLoaded(filters),
                Err(e) => failed(&format!("Saving filters to {}", filters_file.display()), &e),
            }
        }
        JournalRequest::LoadFilters => match read_filters(filters_file) {
            Ok(filters) => TimelineResult::FiltersLoaded(filters),
            Err(e) => failed(&format!("Reading {}", filters_file.display()), &e),
        },
    }
}

/// Anchors at the newest matching event: its id, the count up to it, the first page.
fn reset(
    journal: &Journal,
    generation: u64,
    filter: &EventFilter,
) -> Result<TimelineResult, JournalError> {
    let first = journal
        .page(filter, None, crate::app::timeline::PAGE as usize)?
        .events;
    let anchor = first.first().map(|e| e.id);
    let total = match anchor {
        Some(anchor) => journal.count_before(filter, Some(anchor + 1))?,
        None => 0,
    };
    Ok(TimelineResult::Reset {
        generation,
        anchor,
        total,
        first,
    })
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// One event with what the detail panel shows around it.
fn details(journal: &Journal, id: i64) -> Result<Option<EventDetailData>, JournalError> {
    let Some(details) = journal.details(id)? else {
        return Ok(None);
    };
    let json = details.json();
    let error = EventDetailData::error_of(&details.payload());
    let event = &details.event;
    // The previous event of the same entity, and the diff against it.
    let (previous, diff) = match &event.entity_id {
        Some(entity_id) => {
            let filter = EventFilter {
                entity_id: Some(entity_id.clone()),
                entity_type: Some(event.entity_type.clone()),
                ..EventFilter::default()
            };
            let previous = journal
                .page(&filter, Some(id), 1)?
                .events
                .into_iter()
                .next();
            let diff = match (&previous, &json) {
                (Some(p), Some(json)) => journal
                    .details(p.id)?
                    .and_then(|d| d.json())
                    .map(|old| line_diff(&pretty(&old), &pretty(json))),
                _ => None,
            };
            (previous, diff)
        }
        None => (None, None),
    };
    // The action that caused it: that action's newest event up to this one.
    let causes = &event.causes;
    let cause_id = causes
        .release_action_id
        .clone()
        .or_else(|| causes.bulk_action_id.clone())
        .or_else(|| causes.scheduled_action_id.clone());
    let cause = match cause_id {
        Some(action_id) => {
            let filter = EventFilter {
                entity_id: Some(action_id),
                ..EventFilter::default()
            };
            let events = journal.page(&filter, Some(id), 20)?.events;
            let newest_before = events.first().cloned();
            match newest_before {
                Some(e) => Some(e),
                // The action's final event may come after what it caused.
                None => journal.page(&filter, None, 1)?.events.into_iter().next(),
            }
        }
        None => None,
    };
    // What an action caused.
    let effects: Vec<TimelineEvent> = match &event.entity_id {
        Some(entity_id) if ACTION_TYPES.contains(&event.entity_type.as_str()) => {
            let filter = EventFilter {
                caused_by: Some(entity_id.clone()),
                ..EventFilter::default()
            };
            journal
                .page(&filter, None, 200)?
                .events
                .into_iter()
                .filter(|e| e.id != id && e.entity_id.as_deref() != Some(entity_id))
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(Some(EventDetailData {
        details,
        json,
        error,
        previous,
        diff,
        cause,
        effects,
    }))
}

type SavedFilters = Vec<(String, TimelineFilterSpec)>;

/// The saved filters; none when the file does not exist.
fn read_filters(path: &Path) -> Result<SavedFilters, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| e.to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.to_string()),
    }
}

/// Writes the saved filters (through a temporary file, so a crash never leaves half a file).
fn write_filters(path: &Path, filters: &SavedFilters) -> Result<(), String> {
    let text = serde_json::to_vec_pretty(filters).map_err(|e| e.to_string())?;
    crate::private_fs::write_atomic(path, &text, crate::private_fs::Access::Default)
        .map_err(|e| e.to_string())
}
