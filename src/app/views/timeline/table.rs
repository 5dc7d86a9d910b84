//! The timeline's table: only the visible rows are laid out (`TableBody::rows`), drawn from
//! the row cache; the pages the visible rows need are asked of the worker.

use egui::{RichText, Ui};

use super::*;
use crate::app::widgets::{ListKey, list_key, stepped_row};
use egui_extras::{Column, TableBuilder};

impl TimelineView {
    pub(super) fn table_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let state = cx.state;
        let rows = &state.timeline;
        if rows.loaded && rows.total == 0 {
            let (title, text) = if self.spec.is_empty() {
                (
                    "No events yet",
                    "Publish, validate or schedule something: every webhook the sandbox sends appears here, verified, as it arrives.",
                )
            } else {
                (
                    "No event matches",
                    "Nothing in the journal matches these filters. Clear them to see every event.",
                )
            };
            empty_state_ui(ui, title, text, None);
            return;
        }
        let total = usize::try_from(rows.total).unwrap_or(usize::MAX);
        let mut visible: Option<(u64, u64)> = None;
        let mut clicked: Option<EventId> = None;
        // Beside the detail panel the table keeps time, topic, summary and status, so nothing
        // overflows into the panel.
        let compact = self.selected.is_some();
        let (topic, summary) = if compact {
            (
                Column::initial(150.0).at_least(90.0).clip(true),
                Column::remainder().at_least(50.0).clip(true),
            )
        } else {
            (
                Column::exact(180.0),
                Column::remainder().at_least(100.0).clip(true),
            )
        };
        // Keyboard: ↑/↓ move the selection (and its detail) through the rows, kept in view.
        let key = list_key(ui).filter(|k| *k != ListKey::Enter);
        let mut builder = TableBuilder::new(ui)
            .id_salt(("timeline-table", self.generation))
            .striped(true)
            .sense(egui::Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(74.0))
            .column(topic)
            .column(summary)
            .column(Column::exact(92.0));
        if !compact {
            builder = builder
                .column(Column::initial(150.0).clip(true))
                .column(Column::exact(84.0))
                .column(Column::exact(56.0));
        }
        if std::mem::take(&mut self.scroll_to_top) {
            builder = builder.vertical_scroll_offset(0.0);
        }
        let mut keyed: Option<EventId> = None;
        if let Some(key) = key {
            let last = rows.total.saturating_sub(1);
            // Live events may have moved the selected one since it was picked: find it again
            // near where it was.
            let current = match (self.selected, self.selected_row) {
                (Some(id), Some(hint)) => (hint.saturating_sub(64)..=(hint + 64).min(last))
                    .find(|i| rows.row(*i).is_some_and(|e| e.id == id))
                    .or(Some(hint)),
                (_, hint) => hint,
            };
            if let Some(next) = stepped_row(current, rows.total, key)
                && let Some(event) = rows.row(next)
            {
                keyed = Some(event.id);
                self.selected_row = Some(next);
                builder = builder.scroll_to_row(usize::try_from(next).unwrap_or(0), None);
            }
        }
        let selected = self.selected;
        let mut clicked_row: Option<u64> = None;
        // The entries and assets the visible summaries mention, to resolve their titles.
        let mut mentioned: Vec<crate::cma::Link> = Vec::new();
        let output = builder
            .header(24.0, |mut h| {
                h.col(|ui| {
                    ui.strong("Received");
                });
                h.col(|ui| {
                    ui.strong("Topic");
                });
                h.col(|ui| {
                    ui.strong("Summary");
                });
                h.col(|ui| {
                    ui.strong("Status");
                });
                if !compact {
                    h.col(|ui| {
                        ui.strong("Entity");
                    });
                    h.col(|ui| {
                        ui.strong("Signature");
                    });
                    h.col(|ui| {
                        ui.strong("Attempt")
                            .on_hover_text("Delivery attempt (retries raise it)");
                    });
                }
            })
            .body(|body| {
                body.rows(theme::ROW_HEIGHT, total, |mut row| {
                    let index = row.index() as u64;
                    visible = Some(match visible {
                        Some((a, b)) => (a.min(index), b.max(index)),
                        None => (index, index),
                    });
                    let Some(event) = rows.row(index) else {
                        row.col(|ui| {
                            ui.label(RichText::new("…").weak());
                        });
                        return;
                    };
                    row.set_selected(selected == Some(event.id));
                    mentioned.extend(crate::app::timeline::titles::mentioned_links(event));
                    event_row_cells(&mut row, event, &summary_text(state, event), compact);
                    if row.response().clicked() {
                        clicked = Some(event.id);
                        clicked_row = Some(index);
                    }
                });
            });
        self.scrolled_away = output.state.clamped_offset().y > theme::ROW_HEIGHT * 0.5;
        if let Some((first, last)) = visible {
            for request in rows.page_requests(self.generation, first, last) {
                send(cx, request);
            }
        }
        cx.resolve(&mentioned);
        cx.resolve_releases(&mentioned);
        if let Some(id) = clicked {
            self.selected_row = clicked_row;
            self.select(cx, id);
        } else if let Some(id) = keyed {
            self.select(cx, id);
        }
    }

    pub(super) fn select(&mut self, cx: &mut ViewCtx<'_>, id: EventId) {
        self.selected = Some(id);
        send(cx, JournalRequest::LoadDetails { id });
    }
}

/// The cells of one event's row.
fn event_row_cells(
    row: &mut egui_extras::TableRow<'_, '_>,
    event: &TimelineEvent,
    summary: &str,
    compact: bool,
) {
    row.col(|ui| {
        ui.label(local_hms(event.received_at))
            .on_hover_text(format::local_time(event.received_at));
    });
    row.col(|ui| {
        ui.label(RichText::new(&event.topic).monospace());
    });
    row.col(|ui| {
        ui.label(summary);
    });
    row.col(|ui| {
        if let Some(status) = &event.action_status {
            badge_ui(
                ui,
                status,
                status_tone(status),
                "The action's status in this event",
            );
        }
    });
    if compact {
        return;
    }
    row.col(|ui| {
        ui.label(RichText::new(event.entity_id.as_deref().unwrap_or("—")).monospace());
    });
    row.col(|ui| {
        verdict_badge_ui(ui, &event.verdict);
    });
    row.col(|ui| {
        let text = if event.attempts > 1 {
            format!("{} ({}×)", event.attempt, event.attempts)
        } else {
            event.attempt.to_string()
        };
        ui.label(text);
    });
}
