//! The detail panel of the selected event: headers, payload, previous version (as a diff),
//! causes and effects, and per-field errors.

use egui::{RichText, Ui};

use super::*;
use crate::app::state::AppState;
use crate::app::timeline::titles::mentioned_links;
use crate::app::views::inspector::problem_links;

impl TimelineView {
    pub(super) fn detail_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let Some(selected) = self.selected else {
            return;
        };
        let detail = cx
            .state
            .timeline
            .detail
            .as_deref()
            .filter(|d| d.details.event.id == selected);
        let mut close = false;
        let mut jump: Option<EventId> = None;
        ui.horizontal(|ui| {
            ui.heading("Event");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("✖")
                    .on_hover_text("Close the detail")
                    .accessible_name("Close the detail")
                    .clicked()
                {
                    close = true;
                }
            });
        });
        let Some(detail) = detail else {
            ui.spinner();
            if close {
                self.selected = None;
            }
            return;
        };
        // Both ways: a wide payload scrolls inside the panel instead of widening it over the
        // table.
        egui::ScrollArea::both()
            .id_salt("timeline-detail-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                detail_body_ui(ui, cx, detail, &mut jump);
            });
        if close {
            self.selected = None;
        } else if let Some(id) = jump {
            self.select(cx, id);
        }
    }
}

/// A one-line link to another event; sets `jump` when clicked.
fn event_link_ui(ui: &mut Ui, state: &AppState, event: &TimelineEvent, jump: &mut Option<EventId>) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(local_hms(event.received_at)).weak());
        if ui
            .link(RichText::new(&event.topic).monospace())
            .on_hover_text("Open this event")
            .clicked()
        {
            *jump = Some(event.id);
        }
        if let Some(status) = &event.action_status {
            badge_ui(ui, status, status_tone(status), "");
        }
        ui.label(RichText::new(summary_text(state, event)).weak());
    });
}

fn detail_body_ui(
    ui: &mut Ui,
    cx: &mut ViewCtx<'_>,
    detail: &EventDetailData,
    jump: &mut Option<EventId>,
) {
    let event = &detail.details.event;
    let visuals = ui.visuals().clone();
    ui.label(RichText::new(&event.topic).monospace().strong().size(15.0));
    let state = cx.state;
    // The titles this event and its neighbours mention, asked for once when unknown.
    let mentioned: Vec<crate::cma::Link> = std::iter::once(event)
        .chain(detail.cause.iter())
        .chain(detail.effects.iter().take(50))
        .chain(detail.previous.iter())
        .flat_map(mentioned_links)
        .collect();
    cx.resolve(&mentioned);
    cx.resolve_releases(&mentioned);
    ui.label(summary_text(state, event));
    egui::Grid::new("timeline-detail-facts")
        .num_columns(2)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Received").weak());
            ui.label(format::local_time(event.received_at));
            ui.end_row();
            if let Some(id) = &event.entity_id {
                ui.label(RichText::new("Entity").weak());
                ui.horizontal(|ui| {
                    let link = mentioned_links(event)
                        .into_iter()
                        .find(|l| l.id() == id.as_str());
                    if let Some(title) = link.as_ref().and_then(|l| state.link_title(l)) {
                        ui.label(title);
                    }
                    ui.label(RichText::new(id).monospace());
                    if ui
                        .small_button("📋")
                        .on_hover_text("Copy the id")
                        .accessible_name("Copy the id")
                        .clicked()
                    {
                        ui.ctx().copy_text(id.clone());
                    }
                });
                ui.end_row();
            }
            if let Some(status) = &event.action_status {
                ui.label(RichText::new("Status").weak());
                badge_ui(ui, status, status_tone(status), "");
                ui.end_row();
            }
            ui.label(RichText::new("Signature").weak());
            verdict_badge_ui(ui, &event.verdict);
            ui.end_row();
            ui.label(RichText::new("Attempt").weak());
            ui.label(format!(
                "{} (seen {} time{})",
                event.attempt,
                event.attempts,
                if event.attempts == 1 { "" } else { "s" }
            ));
            ui.end_row();
        });
    if let Some(error) = &detail.error {
        ui.add_space(8.0);
        let groups = group_errors(error);
        cx.resolve(&problem_links(&groups));
        failure_heading_ui(ui, error, groups.len());
        for group in &groups {
            let title = state
                .link_title(&group.link())
                .unwrap_or_else(|| group.id.clone());
            entity_problems_ui(ui, cx, group, &title);
        }
    }
    if detail.cause.is_some() || !detail.effects.is_empty() {
        ui.add_space(8.0);
        ui.strong("Cause and effect");
        if let Some(cause) = &detail.cause {
            ui.label(RichText::new("Caused by").weak());
            event_link_ui(ui, state, cause, jump);
        }
        if !detail.effects.is_empty() {
            ui.label(RichText::new(format!("Caused {} events", detail.effects.len())).weak());
            for effect in detail.effects.iter().take(50) {
                event_link_ui(ui, state, effect, jump);
            }
        }
    }
    ui.add_space(8.0);
    egui::CollapsingHeader::new(format!("Headers ({})", detail.details.headers.len()))
        .id_salt(("timeline-headers", event.id))
        .show(ui, |ui| {
            egui::Grid::new(("timeline-header-grid", event.id))
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (name, value) in &detail.details.headers {
                        ui.label(RichText::new(name).monospace().weak());
                        ui.label(RichText::new(value).monospace());
                        ui.end_row();
                    }
                });
        });
    egui::CollapsingHeader::new("Payload")
        .id_salt(("timeline-payload", event.id))
        .default_open(true)
        .show(ui, |ui| {
            if detail.details.is_truncated() {
                ui.label(
                    RichText::new(format!(
                        "⚠ Kept the first {} of {} bytes",
                        detail.details.body.len(),
                        event.body_len
                    ))
                    .color(theme::tone(&visuals, Tone::Warning)),
                );
            }
            if ui
                .button("📋 Copy JSON")
                .on_hover_text("Copy the payload")
                .clicked()
            {
                let text = match &detail.json {
                    Some(json) => serde_json::to_string_pretty(json).unwrap_or_default(),
                    None => detail.details.body_text(),
                };
                ui.ctx().copy_text(text);
            }
            match &detail.json {
                Some(json) => json_tree_ui(ui, ("payload", event.id), json, 2),
                None => {
                    ui.label(RichText::new(detail.details.body_text()).monospace());
                }
            }
        });
    if let Some(previous) = &detail.previous {
        egui::CollapsingHeader::new("Changes since the previous event of this entity")
            .id_salt(("timeline-diff", event.id))
            .default_open(true)
            .show(ui, |ui| {
                event_link_ui(ui, state, previous, jump);
                match &detail.diff {
                    Some(lines) => diff_ui(ui, lines),
                    None => {
                        ui.label(RichText::new("One of the payloads is not JSON.").weak());
                    }
                }
            });
    }
}
