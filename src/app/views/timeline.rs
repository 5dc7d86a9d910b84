//! [`TimelineView`]: the live list of webhook events the embedded receiver stored this session,
//! newest first — topic, entity, a one-line summary, the action status, the signature verdict
//! and the delivery attempt. It follows new events unless paused or scrolled away.

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::ViewCtx;
use crate::app::theme::{self, Tone};
use crate::app::widgets::{badge_ui, empty_state_ui};
use crate::timeline::{TimelineEvent, Verdict};

/// Id of the filter box (Ctrl+F focuses it).
pub const FILTER_ID: &str = "timeline-filter";

/// The timeline view's UI state.
#[derive(Debug, Default)]
pub struct TimelineView {
    filter: String,
    paused: bool,
    /// Indices into `state.recent_events` that match the filter, newest first.
    rows: Vec<usize>,
    key: Option<(u64, String)>,
    /// Events received while paused (shown as "N new events").
    frozen_at: Option<u64>,
}

fn verdict_badge(ui: &mut Ui, verdict: &Verdict) {
    match verdict {
        Verdict::Verified => badge_ui(ui, "verified", Tone::Success, "The signature matched the signing secret"),
        Verdict::Unsigned { note } => badge_ui(ui, "unsigned", Tone::Neutral, if note.is_empty() { "No signing secret configured" } else { note }),
        other => badge_ui(ui, "rejected", Tone::Danger, &format!("{other:?}")),
    };
}

fn status_tone(status: &str) -> Tone {
    match status {
        "succeeded" => Tone::Success,
        "failed" => Tone::Danger,
        "canceled" => Tone::Neutral,
        _ => Tone::Progress,
    }
}

impl TimelineView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let state = cx.state;
        ui.horizontal(|ui| {
            ui.heading("Timeline");
            ui.add_space(theme::SECTION_GAP);
            let filter = ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .id(egui::Id::unique(FILTER_ID))
                    .hint_text("Filter topic, entity, summary  (Ctrl+F)")
                    .desired_width(280.0),
            );
            if cx.focus_filter {
                filter.request_focus();
            }
            let label = if self.paused { "⏵ Resume" } else { "⏸ Pause" };
            if ui.button(label).on_hover_text("Stop following new events").clicked() {
                self.paused = !self.paused;
                self.frozen_at = self.paused.then_some(state.events_received);
            }
            if let Some(at) = self.frozen_at {
                let new = state.events_received.saturating_sub(at);
                if new > 0 && ui.button(format!("{new} new events")).on_hover_text("Show them").clicked() {
                    self.paused = false;
                    self.frozen_at = None;
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(RichText::new(format!("{} events this session", state.events_received)).weak());
            });
        });
        ui.add_space(6.0);
        if state.connection.as_ref().is_some_and(|c| c.receiver.is_none()) {
            empty_state_ui(
                ui,
                "No receiver for this connection",
                "Webhook events reach the timeline through the local receiver. Switch to the local sandbox, or point a webhook of your space at a tunnel to the receiver.",
                None,
            );
            return;
        }
        if !self.paused {
            let key = (state.events_received, self.filter.to_lowercase());
            if self.key.as_ref() != Some(&key) {
                let needle = key.1.clone();
                self.rows = state
                    .recent_events
                    .iter()
                    .enumerate()
                    .rev()
                    .filter(|(_, e)| needle.is_empty() || matches(e, &needle))
                    .map(|(i, _)| i)
                    .collect();
                self.key = Some(key);
            }
        }
        if self.rows.is_empty() {
            empty_state_ui(
                ui,
                "No events yet",
                "Publish, validate or schedule something: every webhook the sandbox sends appears here, verified, as it arrives.",
                None,
            );
            return;
        }
        let events = &state.recent_events;
        TableBuilder::new(ui)
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(90.0))
            .column(Column::exact(190.0))
            .column(Column::remainder().at_least(260.0).clip(true))
            .column(Column::exact(100.0))
            .column(Column::exact(90.0))
            .column(Column::exact(60.0))
            .header(24.0, |mut h| {
                h.col(|ui| { ui.strong("Received"); });
                h.col(|ui| { ui.strong("Topic"); });
                h.col(|ui| { ui.strong("Summary"); });
                h.col(|ui| { ui.strong("Status"); });
                h.col(|ui| { ui.strong("Signature"); });
                h.col(|ui| { ui.strong("Attempt").on_hover_text("Delivery attempt (retries raise it)"); });
            })
            .body(|body| {
                body.rows(theme::ROW_HEIGHT, self.rows.len(), |mut row| {
                    let Some(event) = self.rows.get(row.index()).and_then(|i| events.get(*i)) else {
                        return;
                    };
                    row.col(|ui| {
                        let t = event.received_at.0.to_zoned(jiff::tz::TimeZone::system());
                        ui.label(t.strftime("%H:%M:%S").to_string());
                    });
                    row.col(|ui| {
                        ui.label(RichText::new(&event.topic).monospace());
                    });
                    row.col(|ui| {
                        ui.label(&event.summary).on_hover_text(event.entity_id.clone().unwrap_or_default());
                    });
                    row.col(|ui| {
                        if let Some(status) = &event.action_status {
                            badge_ui(ui, status, status_tone(status), "The action's status in this event");
                        }
                    });
                    row.col(|ui| verdict_badge(ui, &event.verdict));
                    row.col(|ui| {
                        ui.label(event.attempt.to_string());
                    });
                });
            });
    }
}

fn matches(event: &TimelineEvent, needle: &str) -> bool {
    event.topic.to_lowercase().contains(needle)
        || event.summary.to_lowercase().contains(needle)
        || event
            .entity_id
            .as_deref()
            .is_some_and(|id| id.to_lowercase().contains(needle))
}
