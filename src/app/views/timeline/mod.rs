//! [`TimelineView`]: the live, virtualised table of every webhook event in the journal, newest
//! first — received at, topic, entity, summary, action status, signature verdict, attempt —
//! with filter chips, saved filters and a detail panel for the selected event.
//!
//! The table lays out only the visible rows (`TableBody::rows`) and draws them from the row
//! cache in [`crate::app::timeline::TimelineRows`]; missing pages are asked of the worker,
//! and filters run in the journal (SQL). It follows new events unless paused or scrolled away;
//! then it says "N new events" and jumps back on a click.
//!
//! Above the table: a collapsible event-rate chart (clicking a minute filters the table to it),
//! the export progress, and a collapsible sources panel (see [`panels`]). The table is in
//! `table`, the detail panel in `detail`.

use egui::{RichText, Ui};

mod detail;
pub mod panels;
mod table;

use super::ViewCtx;
use super::inspector::{entity_problems_ui, failure_heading_ui, group_errors};
use crate::app::command::Command;
use crate::app::format;
use crate::app::theme::{self, Tone};
use crate::app::timeline::{
    ACTIONS, EventDetailData, GROUPS, JournalRequest, RANGES, TimelineFilterSpec, TimelineRequest,
    TimelineTask,
};
use crate::app::widgets::{badge_ui, diff_ui, empty_state_ui, json_tree_ui};
use crate::cma::Timestamp;
use crate::timeline::export::ExportFormat;
use crate::timeline::{EventId, TimelineEvent, Verdict};
use panels::{
    SourcesAction, SourcesForm, export_progress_ui, minute_label, rate_chart_ui, sources_ui,
};

/// Id of the free-text filter box (Ctrl+F focuses it).
pub const FILTER_ID: &str = "timeline-filter";

/// The timeline view's UI state: the filter being edited, what it was applied as, pause,
/// scroll and selection.
#[derive(Debug, Default)]
pub struct TimelineView {
    spec: TimelineFilterSpec,
    applied: Option<TimelineFilterSpec>,
    generation: u64,
    paused: bool,
    scrolled_away: bool,
    scroll_to_top: bool,
    selected: Option<EventId>,
    /// The selected event's row (for the arrow keys).
    selected_row: Option<u64>,
    save_name: String,
    filters_requested: bool,
    chart_hidden: bool,
    rate_spec: Option<TimelineFilterSpec>,
    rate_seq: u64,
    rate_sent_at: f64,
    sources_requested: bool,
    sources_form: SourcesForm,
    /// The sandbox reset this view has re-anchored after (and marks).
    seen_reset: Option<jiff::Timestamp>,
    reset_notice_hidden: bool,
}

/// The narrowest the detail panel gets.
const DETAIL_MIN_WIDTH: f32 = 320.0;
/// The room the compact table keeps beside the detail panel.
const TABLE_MIN_WIDTH: f32 = 380.0;

/// The least time between two rate-chart refreshes while events arrive, in seconds.
const RATE_REFRESH_SECS: f64 = 2.0;

/// An event's summary with the titles the app knows in place of ids (see
/// [`crate::app::timeline::titles`]).
fn summary_text(state: &crate::app::state::AppState, event: &TimelineEvent) -> String {
    crate::app::timeline::titles::titled_summary(event, |link| state.link_title(link))
}

fn send(cx: &mut ViewCtx<'_>, request: impl Into<TimelineRequest>) {
    cx.send(Command::Timeline(request.into()));
}

/// The signature verdict as a badge.
pub fn verdict_badge_ui(ui: &mut Ui, verdict: &Verdict) -> egui::Response {
    match verdict {
        Verdict::Verified => badge_ui(
            ui,
            "verified",
            Tone::Success,
            "The signature matched the signing secret",
        ),
        Verdict::Unsigned { note } => badge_ui(
            ui,
            "unsigned",
            Tone::Neutral,
            if note.is_empty() {
                "No signing secret configured"
            } else {
                note
            },
        ),
        other => badge_ui(
            ui,
            "rejected",
            Tone::Danger,
            &format!(
                "{}: {}",
                other.reason().unwrap_or("rejected"),
                other.detail()
            ),
        ),
    }
}

/// The tone of an action status word in an event.
pub fn status_tone(status: &str) -> Tone {
    match status {
        "succeeded" => Tone::Success,
        "failed" => Tone::Danger,
        "canceled" => Tone::Neutral,
        _ => Tone::Progress,
    }
}

/// `HH:MM:SS` of an instant in the system time zone.
pub fn local_hms(t: Timestamp) -> String {
    t.0.to_zoned(jiff::tz::TimeZone::system())
        .strftime("%H:%M:%S")
        .to_string()
}

fn toggle(list: &mut Vec<String>, item: &str) {
    if let Some(i) = list.iter().position(|s| s == item) {
        list.remove(i);
    } else {
        list.push(item.to_owned());
    }
}

impl TimelineView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let state = cx.state;
        if state
            .connection
            .as_ref()
            .is_some_and(|c| c.receiver.is_none())
        {
            ui.heading("Timeline");
            empty_state_ui(
                ui,
                "No receiver for this connection",
                "Webhook events reach the timeline through the local receiver. Switch to the local sandbox, or point a webhook of your space at a tunnel to the receiver.",
                None,
            );
            return;
        }
        if !self.filters_requested {
            self.filters_requested = true;
            send(cx, JournalRequest::LoadFilters);
        }
        self.header_ui(ui, cx);
        self.sources_panel_ui(ui, cx);
        self.filters_ui(ui, cx);
        if cx.state.sandbox_reset_at != self.seen_reset {
            // The space starts over; the journal keeps what it received. Re-anchor (the
            // newest events are the reset's) and say so.
            self.seen_reset = cx.state.sandbox_reset_at;
            self.reset_notice_hidden = false;
            self.selected = None;
            self.applied = None;
        }
        if self.applied.as_ref() != Some(&self.spec) {
            self.reset(cx);
        }
        self.reset_notice_ui(ui);
        if let Some(export) = &cx.state.timeline.export
            && export_progress_ui(ui, export)
        {
            send(cx, TimelineTask::CancelExport);
        }
        self.chart_ui(ui, cx);
        let rows = &cx.state.timeline;
        if let Some(error) = &rows.error {
            let visuals = ui.visuals().clone();
            ui.label(
                RichText::new(format!("⚠ {error}")).color(theme::tone(&visuals, Tone::Danger)),
            );
        }
        ui.add_space(4.0);
        let follow = !self.paused && !self.scrolled_away;
        if let Some(request) = rows.catch_up_request(self.generation, follow) {
            send(cx, request);
        }
        let mut rest = ui.available_rect_before_wrap();
        if self.selected.is_some() {
            // The panel leaves the compact table its room (time, topic, summary, status).
            let max = (ui.available_width() - TABLE_MIN_WIDTH).max(DETAIL_MIN_WIDTH);
            let panel = egui::Panel::right("timeline-detail")
                .resizable(true)
                .default_size(500.0_f32.min(max))
                .size_range(DETAIL_MIN_WIDTH..=max)
                .show(ui, |ui| {
                    // Long payload lines wrap or scroll inside; they never widen the panel.
                    ui.set_max_width(ui.available_width());
                    self.detail_ui(ui, cx);
                });
            rest.max.x = rest
                .max
                .x
                .min(panel.response.rect.min.x - ui.spacing().item_spacing.x);
        }
        // The table gets the room left of the panel, and is clipped to it.
        ui.scope_builder(egui::UiBuilder::new().max_rect(rest), |ui| {
            ui.set_clip_rect(rest.intersect(ui.clip_rect()));
            self.table_ui(ui, cx);
        });
    }

    /// The marker of a sandbox reset this session, until hidden.
    fn reset_notice_ui(&mut self, ui: &mut Ui) {
        let Some(at) = self.seen_reset else {
            return;
        };
        if self.reset_notice_hidden {
            return;
        }
        let visuals = ui.visuals().clone();
        egui::Frame::new()
            .fill(theme::tone_fill(&visuals, Tone::Warning))
            .corner_radius(6.0)
            .inner_margin(8.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_wrapped(|ui| {
                    ui.label(
                        RichText::new(format!(
                            "⟲ The sandbox was reset at {}.",
                            local_hms(Timestamp(at))
                        ))
                        .strong()
                        .color(theme::tone(&visuals, Tone::Warning)),
                    );
                    ui.label(
                        "Events received before then are of the old demo data; the journal keeps them.",
                    );
                    if ui.small_button("Hide").clicked() {
                        self.reset_notice_hidden = true;
                    }
                });
            });
        ui.add_space(4.0);
    }

    /// Anchors the list afresh at the newest event matching the filter.
    fn reset(&mut self, cx: &mut ViewCtx<'_>) {
        self.generation = self.generation.max(cx.state.timeline.generation) + 1;
        let filter = self.spec.to_filter(Timestamp(cx.now));
        send(
            cx,
            JournalRequest::Reset {
                generation: self.generation,
                filter,
            },
        );
        self.applied = Some(self.spec.clone());
        self.scroll_to_top = true;
        self.scrolled_away = false;
    }

    fn header_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let rows = &cx.state.timeline;
        let mut jump = false;
        let mut export = None;
        ui.horizontal(|ui| {
            ui.heading("Timeline");
            ui.add_space(theme::SECTION_GAP);
            let filter = ui.add(
                egui::TextEdit::singleline(&mut self.spec.text)
                    .id(egui::Id::unique(FILTER_ID))
                    .hint_text("🔍 Search payloads, topics, ids  (Ctrl+F)")
                    .desired_width(300.0),
            );
            if cx.focus_filter {
                filter.request_focus();
            }
            let label = if self.paused {
                "⏵ Resume"
            } else {
                "⏸ Pause"
            };
            if ui
                .button(label)
                .on_hover_text("Stop or resume following new events")
                .clicked()
            {
                self.paused = !self.paused;
                if !self.paused {
                    jump = true;
                }
            }
            if rows.new_events > 0 && (self.paused || self.scrolled_away) {
                let text = format!(
                    "⏶ {}{} new events",
                    rows.new_events,
                    if rows.new_more { "+" } else { "" }
                );
                if ui
                    .button(text)
                    .on_hover_text("Jump to the newest and follow")
                    .clicked()
                {
                    self.paused = false;
                    jump = true;
                }
            }
            let exporting = rows.export.is_some();
            ui.add_enabled_ui(!exporting && rows.total > 0, |ui| {
                ui.menu_button("⬇ Export", |ui| {
                    for format in [ExportFormat::Ndjson, ExportFormat::Csv] {
                        if ui
                            .button(format!("{}…", format.label()))
                            .on_hover_text("Save the events this filter shows (secrets redacted)")
                            .clicked()
                        {
                            export = Some(format);
                            ui.close();
                        }
                    }
                })
                .response
                .on_hover_text("Save the filtered events as NDJSON or CSV");
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let shown = if rows.loaded {
                    format!("{} events", rows.total)
                } else {
                    "Loading…".to_owned()
                };
                ui.label(RichText::new(shown).weak());
                if !self.paused && !self.scrolled_away {
                    badge_ui(ui, "live", Tone::Success, "Following new events");
                }
            });
        });
        if jump {
            // Re-anchor at the newest event (the filter stays).
            self.applied = None;
        }
        if let Some(format) = export {
            let filter = self.spec.to_filter(Timestamp(cx.now));
            send(cx, TimelineTask::Export { filter, format });
        }
    }

    /// The collapsible sources panel.
    fn sources_panel_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let state = cx.state;
        let Some(connection) = &state.connection else {
            return;
        };
        let mut action = None;
        egui::CollapsingHeader::new("Sources")
            .id_salt("timeline-sources")
            .show(ui, |ui| {
                if !self.sources_requested {
                    self.sources_requested = true;
                    action = Some(SourcesAction::Reload);
                }
                if let Some(a) = sources_ui(
                    ui,
                    &mut self.sources_form,
                    connection,
                    &state.timeline.sources,
                ) {
                    action = Some(a);
                }
            });
        let request = match action {
            None => return,
            Some(SourcesAction::Reload) => TimelineTask::LoadSources,
            Some(SourcesAction::StartPolling(webhook_id)) => {
                TimelineTask::StartCallLog { webhook_id }
            }
            Some(SourcesAction::StopPolling) => TimelineTask::StopCallLog,
            Some(SourcesAction::Configure(url)) => TimelineTask::ConfigureWebhook { url },
        };
        send(cx, request);
    }

    /// The collapsible event-rate chart; refreshes when the filter changes and, while events
    /// arrive, at most every [`RATE_REFRESH_SECS`].
    fn chart_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let state = cx.state;
        let rows = &state.timeline;
        ui.horizontal(|ui| {
            let arrow = if self.chart_hidden { "⏵" } else { "⏷" };
            if ui
                .selectable_label(false, format!("{arrow} Events per minute"))
                .on_hover_text("Show or hide the event-rate chart")
                .clicked()
            {
                self.chart_hidden = !self.chart_hidden;
            }
            if let Some(minute) = self.spec.minute
                && ui
                    .button(format!("✖ Only {}", minute_label(minute)))
                    .on_hover_text("Show every minute again")
                    .clicked()
            {
                self.spec.minute = None;
            }
        });
        if self.chart_hidden {
            return;
        }
        let chart_spec = TimelineFilterSpec {
            minute: None,
            ..self.spec.clone()
        };
        let now = ui.input(|i| i.time);
        let stale = self.rate_spec.as_ref() != Some(&chart_spec);
        let live = rows.live_seq != self.rate_seq && now - self.rate_sent_at >= RATE_REFRESH_SECS;
        if stale || live {
            self.rate_spec = Some(chart_spec.clone());
            self.rate_seq = rows.live_seq;
            self.rate_sent_at = now;
            let filter = chart_spec.to_rate_filter(Timestamp(cx.now));
            send(cx, TimelineTask::LoadRate { filter });
        } else if rows.live_seq != self.rate_seq {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_secs_f64(RATE_REFRESH_SECS));
        }
        if let Some(minute) = rate_chart_ui(ui, &rows.rate, self.spec.minute) {
            self.spec.minute = Some(minute);
        }
    }

    fn filters_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Topics").weak());
            for group in GROUPS {
                let on = self.spec.groups.iter().any(|g| g == group.label);
                if ui.selectable_label(on, group.label).clicked() {
                    toggle(&mut self.spec.groups, group.label);
                }
            }
            ui.separator();
            ui.label(RichText::new("Actions").weak());
            for action in ACTIONS {
                let on = self.spec.actions.iter().any(|a| a == action);
                if ui.selectable_label(on, action).clicked() {
                    toggle(&mut self.spec.actions, action);
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("State").weak());
            for (label, status) in [
                ("Any state", None),
                ("✔ Succeeded", Some("succeeded")),
                ("✖ Failed", Some("failed")),
            ] {
                let on = self.spec.status.as_deref() == status;
                if ui.selectable_label(on, label).clicked() {
                    self.spec.status = status.map(str::to_owned);
                }
            }
            ui.separator();
            ui.add(
                egui::TextEdit::singleline(&mut self.spec.entity_id)
                    .hint_text("Entity id")
                    .desired_width(150.0),
            );
            let range_label = RANGES
                .iter()
                .find(|(_, m)| *m == self.spec.range_minutes)
                .map_or("All time", |(l, _)| *l);
            egui::ComboBox::from_id_salt("timeline-range")
                .selected_text(range_label)
                .show_ui(ui, |ui| {
                    for (label, minutes) in RANGES {
                        ui.selectable_value(&mut self.spec.range_minutes, minutes, label);
                    }
                })
                .response
                // A drop-down without a label has no name for screen readers otherwise.
                .on_hover_text("Only events received in this time range")
                .widget_info(|| {
                    let mut info =
                        egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Time range");
                    info.current_text_value = Some(range_label.to_owned());
                    info
                });
            ui.separator();
            let saved = &cx.state.timeline.saved_filters;
            egui::ComboBox::from_id_salt("timeline-saved")
                .selected_text("Saved filters")
                .show_ui(ui, |ui| {
                    if saved.is_empty() {
                        ui.label(RichText::new("None saved yet").weak());
                    }
                    for (name, spec) in saved {
                        if ui.selectable_label(&self.spec == spec, name).clicked() {
                            self.spec = spec.clone();
                        }
                    }
                })
                .response
                .on_hover_text("Apply a filter saved earlier")
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Saved filters")
                });
            ui.add(
                egui::TextEdit::singleline(&mut self.save_name)
                    .hint_text("Name")
                    .desired_width(100.0),
            );
            let name = self.save_name.trim().to_owned();
            if ui
                .add_enabled(!name.is_empty(), egui::Button::new("➕ Save filter"))
                .on_hover_text("Keep this filter to reapply later")
                .clicked()
            {
                send(
                    cx,
                    JournalRequest::SaveFilter {
                        name,
                        spec: self.spec.clone(),
                    },
                );
                self.save_name.clear();
            }
            if ui
                .add_enabled(!self.spec.is_empty(), egui::Button::new("🗑 Clear"))
                .on_hover_text("Show every event")
                .clicked()
            {
                self.spec = TimelineFilterSpec::default();
            }
        });
    }
}
