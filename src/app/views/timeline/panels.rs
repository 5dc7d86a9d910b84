//! The timeline's extras above the table: the event-rate chart (events per minute, stacked by
//! topic group, drawn with `egui_plot`), the export progress bar, and the sources panel
//! (receiver, signing, call-log poller, webhook setup).
//!
//! Drawing only: each function returns what the user asked for, and [`super`] turns
//! it into requests for the worker.

use egui::{RichText, Ui};
use egui_plot::{Bar, BarChart, Plot};

use crate::app::state::ConnectionInfo;
use crate::app::theme::{self, Tone};
use crate::app::timeline::{ExportStatus, GROUPS, RateChart, SourcesStatus};
use crate::app::widgets::badge_ui;
use crate::cma::Timestamp;

/// Height of the event-rate chart (it never grows beyond this).
pub const CHART_HEIGHT: f32 = 110.0;

/// `HH:MM` of a minute since the epoch, in the system time zone.
pub fn minute_label(minute: i64) -> String {
    Timestamp::from_millis(minute.saturating_mul(60_000)).map_or_else(String::new, |t| {
        t.0.to_zoned(jiff::tz::TimeZone::system())
            .strftime("%H:%M")
            .to_string()
    })
}

/// The stacked bar chart of `chart`; returns the minute whose bar was clicked.
pub fn rate_chart_ui(ui: &mut Ui, chart: &RateChart, selected: Option<i64>) -> Option<i64> {
    let visuals = ui.visuals().clone();
    let origin = chart.from_minute;
    let span = (chart.to_minute - chart.from_minute).max(1) as f64;
    let mut stacked: Vec<BarChart> = Vec::with_capacity(GROUPS.len());
    for (g, group) in GROUPS.iter().enumerate() {
        let bars: Vec<Bar> = chart
            .buckets
            .iter()
            .filter(|b| b.counts[g] > 0)
            .map(|b| {
                let mut bar = Bar::new((b.minute - origin) as f64, b.counts[g] as f64)
                    .width(0.85)
                    .name(minute_label(b.minute));
                if selected == Some(b.minute) {
                    bar = bar.stroke(egui::Stroke::new(1.5, theme::tone(&visuals, Tone::Danger)));
                }
                bar
            })
            .collect();
        let below: Vec<&BarChart> = stacked.iter().collect();
        let series = BarChart::new(group.label, bars)
            .color(theme::topic_group_color(&visuals, g))
            .stack_on(&below);
        stacked.push(series);
    }
    // The legend is a row under the chart, not inside it: in the plot's corner it covered the
    // newest minutes (the right end), the ones a user watches.
    let response = Plot::new("timeline-rate")
        .height(CHART_HEIGHT)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_y(false)
        .include_x(-0.5)
        .include_x(span + 0.5)
        .include_y(0.0)
        .include_y(1.0)
        .y_axis_min_width(24.0)
        .x_axis_formatter(move |mark, _| minute_label(origin + mark.value.round() as i64))
        .label_formatter(move |hover| {
            let (egui_plot::HoverPosition::NearDataPoint { position, .. }
            | egui_plot::HoverPosition::Elsewhere { position }) = hover;
            let minute = origin + position.x.round() as i64;
            Some(format!(
                "{} — click to show this minute",
                minute_label(minute)
            ))
        })
        .show(ui, move |plot_ui| {
            for series in stacked {
                plot_ui.bar_chart(series);
            }
            plot_ui.pointer_coordinate()
        });
    response.response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Image, true, "Events per minute chart")
    });
    rate_legend_ui(ui, &visuals);
    let clicked = response.response.clicked();
    let point = response.inner?;
    if !clicked {
        return None;
    }
    let minute = origin + point.x.round() as i64;
    let has_events = chart.buckets.iter().any(|b| b.minute == minute);
    has_events.then_some(minute)
}

/// The chart's legend: one coloured square and name per topic group, in one wrapping row.
fn rate_legend_ui(ui: &mut Ui, visuals: &egui::Visuals) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 14.0;
        for (g, group) in GROUPS.iter().enumerate() {
            let mut job = egui::text::LayoutJob::default();
            let font = egui::TextStyle::Small.resolve(ui.style());
            job.append(
                "■ ",
                0.0,
                egui::TextFormat::simple(font.clone(), theme::topic_group_color(visuals, g)),
            );
            job.append(
                group.label,
                0.0,
                egui::TextFormat::simple(font, visuals.weak_text_color()),
            );
            ui.label(job);
        }
    });
}

/// The export under way: a progress bar; returns true when the user cancels.
pub fn export_progress_ui(ui: &mut Ui, export: &ExportStatus) -> bool {
    let mut cancel = false;
    ui.horizontal(|ui| {
        let fraction = if export.total == 0 {
            0.0
        } else {
            export.done as f32 / export.total as f32
        };
        ui.add(
            egui::ProgressBar::new(fraction)
                .desired_width(360.0)
                .text(format!(
                    "Exporting {} of {} events",
                    export.done, export.total
                )),
        )
        .on_hover_text(&export.path);
        if ui
            .button("✖ Cancel export")
            .on_hover_text("Stop; the partial file is removed")
            .clicked()
        {
            cancel = true;
        }
    });
    cancel
}

/// What the user asked of the sources panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourcesAction {
    /// Reload the webhook list.
    Reload,
    /// Poll this webhook's call log.
    StartPolling(String),
    /// Stop polling.
    StopPolling,
    /// Create or update the timeline webhook for this public URL.
    Configure(String),
}

/// The sources panel's own state: the webhook picked for polling and the typed URL.
#[derive(Debug, Default)]
pub struct SourcesForm {
    /// The webhook whose call log to poll.
    pub webhook: Option<String>,
    /// The public URL (a tunnel to the receiver).
    pub public_url: String,
}

/// The sources panel: where events come from and how to add a source.
pub fn sources_ui(
    ui: &mut Ui,
    form: &mut SourcesForm,
    connection: &ConnectionInfo,
    sources: &SourcesStatus,
) -> Option<SourcesAction> {
    let mut action = None;
    egui::Grid::new("timeline-sources-grid")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Receiver").weak());
            ui.horizontal(|ui| {
                match &connection.receiver {
                    Some(addr) => ui.label(RichText::new(format!("http://{addr}/webhooks/…")).monospace()),
                    None => ui.label(RichText::new("off").weak()),
                };
                if sources.signing {
                    badge_ui(ui, "signing on", Tone::Success, "Deliveries must carry a valid signature");
                } else {
                    badge_ui(ui, "signing off", Tone::Warning, "No signing secret: deliveries are stored unsigned");
                }
            });
            ui.end_row();

            ui.label(RichText::new("Call log").weak());
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    let selected = form
                        .webhook
                        .as_ref()
                        .and_then(|id| sources.webhooks.iter().find(|(w, _, _)| w == id))
                        .map_or_else(|| "Choose a webhook".to_owned(), |(_, name, _)| name.clone());
                    egui::ComboBox::from_id_salt("timeline-sources-webhook")
                        .selected_text(selected)
                        .show_ui(ui, |ui| {
                            if sources.webhooks.is_empty() {
                                ui.label(RichText::new(if sources.loaded { "No webhooks in this space" } else { "Loading…" }).weak());
                            }
                            for (id, name, url) in &sources.webhooks {
                                ui.selectable_value(&mut form.webhook, Some(id.clone()), name)
                                    .on_hover_text(url);
                            }
                        });
                    if ui
                        .small_button("⟳")
                        .on_hover_text("Reload the webhook list")
                        .accessible_name("Reload the webhook list")
                        .clicked()
                    {
                        action = Some(SourcesAction::Reload);
                    }
                    match &sources.polling {
                        Some(_) => {
                            if ui.button("⏸ Stop polling").clicked() {
                                action = Some(SourcesAction::StopPolling);
                            }
                        }
                        None => {
                            let can = form.webhook.is_some();
                            if ui
                                .add_enabled(can, egui::Button::new("⏵ Poll the call log"))
                                .on_hover_text("Read this webhook's call log into the timeline (no tunnel needed)")
                                .clicked()
                                && let Some(id) = &form.webhook
                            {
                                action = Some(SourcesAction::StartPolling(id.clone()));
                            }
                        }
                    }
                });
                let status = match (&sources.polling, &sources.last_report) {
                    (None, _) => RichText::new("Not polling").weak(),
                    (Some(id), None) => RichText::new(format!("Polling {id}: first poll running…")).weak(),
                    (Some(id), Some(Ok(text))) => RichText::new(format!(
                        "Polling {id} · last poll {} · {text}",
                        sources.last_poll.map(super::local_hms).unwrap_or_default()
                    )),
                    (Some(id), Some(Err(e))) => RichText::new(format!("⚠ Polling {id}: {e}"))
                        .color(theme::tone(ui.visuals(), Tone::Danger)),
                };
                ui.label(status);
            });
            ui.end_row();

            ui.label(RichText::new("Webhook").weak());
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut form.public_url)
                            .hint_text("Public URL of your tunnel, e.g. https://abc.example.dev")
                            .desired_width(320.0),
                    );
                    let url = form.public_url.trim();
                    let can = url.starts_with("http://") || url.starts_with("https://");
                    let button = if sources.configuring { "Saving…" } else { "➕ Create or update webhook" };
                    if ui
                        .add_enabled(can && !sources.configuring, egui::Button::new(button))
                        .on_hover_text("A webhook in this space sending every release, action, entry and asset topic, signed with the receiver's secret")
                        .clicked()
                    {
                        action = Some(SourcesAction::Configure(url.to_owned()));
                    }
                });
                if let Some((id, version, url)) = &sources.configured {
                    ui.label(format!("✔ Webhook {id} (version {version}) delivers to {url}"));
                }
            });
            ui.end_row();
        });
    action
}
