//! The week as a time grid: hours down, the seven days across, each action a chip at its
//! time in the calendar's zone. A scheduled (not yet run) action can be dragged to another
//! day and time, snapped to a quarter hour; dropping it asks first, showing the old and the
//! new time in the schedule's own time zone, and only "Move" sends the reschedule command
//! with the version the user saw (a change made elsewhere meanwhile is refused by the server
//! as a conflict, never overwritten). Clicking a chip highlights it; double-clicking opens
//! what it acts on.
//!
//! The columns share the width left of the hour labels, so the grid fits the minimum window
//! (900×560); the hours scroll, opening at 07:00 unless the week's first action is earlier
//! or out of sight from there.

use super::*;
use crate::app::format;
use crate::cma::{ScheduledActionBody, ScheduledFor};

/// Height of one hour.
const HOUR_HEIGHT: f32 = 36.0;
/// Width of the hour labels.
const HOURS_WIDTH: f32 = 44.0;
/// Height of an action's chip.
const CHIP_HEIGHT: f32 = 20.0;
/// Drops snap to this many minutes.
const SNAP_MINUTES: i64 = 15;
/// The hour the grid opens at.
const FIRST_SHOWN_HOUR: f32 = 7.0;

/// The grid's UI state: a drag under way and a drop waiting for confirmation.
#[derive(Debug, Default)]
pub(super) struct WeekGrid {
    /// The action being dragged.
    dragging: Option<String>,
    /// Where it would land, as of the last frame the pointer was known (on release the
    /// pointer may already be gone).
    target: Option<Timestamp>,
    /// A drop the user has not confirmed yet.
    pending: Option<GridMove>,
    /// Whether the hours were scrolled to the morning once.
    scrolled: bool,
}

/// A dropped action: where it was and where it would go.
#[derive(Debug, Clone)]
struct GridMove {
    id: String,
    /// The version shown when it was dragged (sent with the reschedule).
    version: u64,
    /// "publish of 'Spring Travel Issue'".
    label: String,
    from: Timestamp,
    to: Timestamp,
    /// The schedule's own zone (times in the confirmation are said in it).
    zone: Option<String>,
}

impl CalendarView {
    /// Draws the shown week as a time grid.
    pub(super) fn week_grid_ui(
        &mut self,
        ui: &mut Ui,
        cx: &mut ViewCtx<'_>,
        today: Date,
        now: Timestamp,
    ) {
        let start = schedule::week_start(self.anchor);
        let days: Vec<Date> = std::iter::successors(Some(start), |d| d.tomorrow().ok())
            .take(7)
            .collect();
        // Room for the vertical scroll bar so the last column is not covered.
        let column = ((ui.available_width() - HOURS_WIDTH - 16.0) / 7.0).max(40.0);
        let visuals = ui.visuals().clone();
        let accent = theme::tone(&visuals, Tone::Accent);
        ui.horizontal(|ui| {
            ui.add_space(HOURS_WIDTH);
            ui.spacing_mut().item_spacing.x = 0.0;
            for day in &days {
                let text = RichText::new(day.strftime("%a %-d").to_string()).strong();
                let text = if *day == today {
                    text.color(accent)
                } else {
                    text
                };
                ui.add_sized([column, 20.0], egui::Label::new(text));
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("week-grid")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let size = egui::vec2(HOURS_WIDTH + 7.0 * column, 24.0 * HOUR_HEIGHT);
                let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
                if !std::mem::replace(&mut self.grid.scrolled, true) {
                    // The morning, or an hour before the week's first action when that is
                    // earlier or lies below the window (an empty-looking week would hide it).
                    let first_action = days
                        .iter()
                        .flat_map(|d| self.cache.days.get(d).into_iter().flatten())
                        .map(|item| minutes_of_day(&item.at.to_zoned(self.tz.clone())))
                        .min();
                    let hour = first_action.map_or(FIRST_SHOWN_HOUR, |minutes| {
                        (minutes as f32 / 60.0 - 1.0).max(0.0)
                    });
                    let hour = if !(FIRST_SHOWN_HOUR..=FIRST_SHOWN_HOUR + 8.0).contains(&hour) {
                        hour
                    } else {
                        FIRST_SHOWN_HOUR
                    };
                    let top = egui::Rect::from_min_size(
                        rect.min + egui::vec2(0.0, hour * HOUR_HEIGHT),
                        egui::vec2(1.0, 1.0),
                    );
                    ui.scroll_to_rect(top, Some(egui::Align::TOP));
                }
                let geometry = Geometry { rect, column };
                self.grid_lines_ui(ui, &geometry, &days, today, now);
                for (index, day) in days.iter().enumerate() {
                    let items = self.cache.days.get(day).cloned().unwrap_or_default();
                    for item in &items {
                        self.chip_ui(ui, cx, &geometry, index, item, now);
                    }
                }
            });
        self.grid_confirm_ui(ui, cx, now);
    }

    /// Hour lines and labels, day separators, today's column and the "now" line.
    fn grid_lines_ui(
        &self,
        ui: &Ui,
        geometry: &Geometry,
        days: &[Date],
        today: Date,
        now: Timestamp,
    ) {
        let visuals = ui.visuals();
        let painter = ui.painter();
        let rect = geometry.rect;
        let line = visuals.widgets.noninteractive.bg_stroke;
        if let Some(index) = days.iter().position(|d| *d == today) {
            painter.rect_filled(
                geometry.column_rect(index),
                0.0,
                theme::tone_fill(visuals, Tone::Accent),
            );
        }
        for hour in 0..24u8 {
            let y = rect.top() + f32::from(hour) * HOUR_HEIGHT;
            painter.hline(rect.left() + HOURS_WIDTH..=rect.right(), y, line);
            painter.text(
                egui::pos2(rect.left() + 4.0, y + 2.0),
                egui::Align2::LEFT_TOP,
                format!("{hour:02}:00"),
                egui::FontId::proportional(11.0),
                visuals.weak_text_color(),
            );
        }
        for index in 0..=7 {
            let x = geometry.column_x(index);
            painter.vline(x, rect.top()..=rect.bottom(), line);
        }
        let here = now.to_zoned(self.tz.clone());
        if let Some(index) = days.iter().position(|d| *d == here.date()) {
            let y = geometry.y_of(minutes_of_day(&here));
            let column = geometry.column_rect(index);
            painter.hline(
                column.x_range(),
                y,
                Stroke::new(1.5, theme::tone(visuals, Tone::Danger)),
            );
        }
    }

    /// One action's chip; a scheduled one can be dragged.
    fn chip_ui(
        &mut self,
        ui: &mut Ui,
        cx: &mut ViewCtx<'_>,
        geometry: &Geometry,
        day_index: usize,
        item: &DayItem,
        now: Timestamp,
    ) {
        let zoned = item.at.to_zoned(self.tz.clone());
        let top = geometry
            .y_of(minutes_of_day(&zoned))
            .min(geometry.rect.bottom() - CHIP_HEIGHT);
        let column = geometry.column_rect(day_index);
        let chip = egui::Rect::from_min_size(
            egui::pos2(column.left() + 2.0, top),
            egui::vec2(column.width() - 4.0, CHIP_HEIGHT),
        );
        let movable = item.status == ScheduledActionStatus::Scheduled;
        let sense = if movable {
            Sense::click_and_drag()
        } else {
            Sense::click()
        };
        let response = ui
            .interact(chip, ui.scope_id().with(("grid-chip", &item.id)), sense)
            .on_hover_text(format!(
                "{} {} of '{}' at {}{}",
                item.action_glyph(),
                item.action,
                item.title,
                item.time,
                if movable { " — drag to move it" } else { "" }
            ));
        let label = format!("{} of {} at {}", item.action, item.title, item.time);
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
        let visuals = ui.visuals().clone();
        let tone = item.tone(now);
        let highlighted = self.highlight.as_deref() == Some(item.id.as_str());
        paint_chip(ui, chip, item, tone, highlighted);
        if response.clicked() {
            self.highlight = Some(item.id.clone());
        }
        if response.double_clicked() {
            open_target(cx, &item.link);
        }
        if response.drag_started() {
            self.grid.dragging = Some(item.id.clone());
        }
        if self.grid.dragging.as_deref() != Some(item.id.as_str()) {
            return;
        }
        let delta = ui.input(
            |i| match (i.pointer.press_origin(), i.pointer.latest_pos()) {
                (Some(from), Some(to)) => Some(to - from),
                _ => None,
            },
        );
        if let Some(delta) = delta {
            self.grid.target = self.slot_at(geometry, chip.min + delta);
        }
        let target = self.grid.target;
        if let (Some(at), Some(delta)) = (target, delta) {
            let zoned = at.to_zoned(self.tz.clone());
            let index = geometry.column_of(chip.center().x + delta.x);
            let ghost = egui::Rect::from_min_size(
                egui::pos2(
                    geometry.column_rect(index).left() + 2.0,
                    geometry.y_of(minutes_of_day(&zoned)),
                ),
                chip.size(),
            );
            ui.painter().rect_stroke(
                ghost,
                4.0,
                Stroke::new(1.5, theme::tone(&visuals, tone)),
                egui::StrokeKind::Inside,
            );
            ui.painter().text(
                ghost.right_center() - egui::vec2(4.0, 0.0),
                egui::Align2::RIGHT_CENTER,
                zoned.strftime("%H:%M").to_string(),
                egui::FontId::proportional(11.0),
                theme::tone(&visuals, tone),
            );
        }
        if response.drag_stopped() {
            self.grid.dragging = None;
            self.grid.target = None;
            let action = cx.state.scheduled_actions.get(&item.id);
            if let (Some(to), Some(action)) = (target, action)
                && to != item.at
            {
                self.grid.pending = Some(GridMove {
                    id: item.id.clone(),
                    version: action.sys.version,
                    label: format!("{} of '{}'", item.action, item.title),
                    from: item.at,
                    to,
                    zone: action.scheduled_for.timezone.clone(),
                });
            }
        }
    }

    /// The instant of the slot whose top-left is near `pos`: the day under its column
    /// centre, the time snapped to [`SNAP_MINUTES`], in the calendar's zone.
    fn slot_at(&self, geometry: &Geometry, pos: egui::Pos2) -> Option<Timestamp> {
        let index = geometry.column_of(pos.x + geometry.column / 2.0);
        let start = schedule::week_start(self.anchor);
        let day = start
            .checked_add(Span::new().days(i64::try_from(index).ok()?))
            .ok()?;
        let minutes = ((pos.y - geometry.rect.top()) / HOUR_HEIGHT * 60.0).round() as i64;
        let snapped = ((minutes + SNAP_MINUTES / 2) / SNAP_MINUTES * SNAP_MINUTES)
            .clamp(0, 24 * 60 - SNAP_MINUTES);
        let time = jiff::civil::Time::new(
            i8::try_from(snapped / 60).ok()?,
            i8::try_from(snapped % 60).ok()?,
            0,
            0,
        )
        .ok()?;
        day.to_datetime(time)
            .to_zoned(self.tz.clone())
            .ok()
            .map(|z| z.timestamp())
    }

    /// The confirmation of a drop: old → new time in the schedule's zone; "Move" sends the
    /// reschedule with the version seen when it was dragged.
    fn grid_confirm_ui(&mut self, ui: &Ui, cx: &mut ViewCtx<'_>, now: Timestamp) {
        let Some(pending) = self.grid.pending.clone() else {
            return;
        };
        let zone = pending.zone.as_deref();
        let past = pending.to <= now;
        let mut close = false;
        let modal = egui::Modal::new(egui::Id::unique("week-grid-move")).show(ui.ctx(), |ui| {
            ui.set_max_width(460.0);
            ui.heading("Move this schedule?");
            ui.add_space(6.0);
            ui.label(format!("The {}", pending.label));
            egui::Grid::new("week-grid-move-times")
                .num_columns(2)
                .spacing([12.0, 4.0])
                .show(ui, |ui| {
                    ui.label(RichText::new("From").weak());
                    ui.label(format::time_in_zone(pending.from.into(), zone));
                    ui.end_row();
                    ui.label(RichText::new("To").weak());
                    ui.label(RichText::new(format::time_in_zone(pending.to.into(), zone)).strong());
                    ui.end_row();
                });
            if past {
                let visuals = ui.visuals().clone();
                ui.label(
                    RichText::new("That time is in the past: choose a later one.")
                        .color(theme::tone(&visuals, Tone::Danger)),
                );
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!past, egui::Button::new("Move"))
                    .on_hover_text("Reschedule it to the new time")
                    .clicked()
                    && let Some(action) = cx.state.scheduled_actions.get(&pending.id)
                {
                    let mut body = ScheduledActionBody::from(action);
                    body.scheduled_for = ScheduledFor {
                        datetime: pending.to.into(),
                        timezone: action.scheduled_for.timezone.clone(),
                    };
                    cx.send(Command::Reschedule {
                        id: pending.id.clone(),
                        version: pending.version,
                        body,
                        label: pending.label.clone(),
                    });
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
        if close || modal.should_close() {
            self.grid.pending = None;
        }
    }
}

/// Where the grid is on screen, and how wide a day is.
struct Geometry {
    rect: egui::Rect,
    column: f32,
}

impl Geometry {
    /// The left edge of day `index` (0..=7; 7 is the right edge).
    fn column_x(&self, index: usize) -> f32 {
        self.rect.left() + HOURS_WIDTH + index as f32 * self.column
    }

    /// Day `index`'s column.
    fn column_rect(&self, index: usize) -> egui::Rect {
        egui::Rect::from_x_y_ranges(
            self.column_x(index)..=self.column_x(index + 1),
            self.rect.y_range(),
        )
    }

    /// The day whose column holds `x`, clamped to the week.
    fn column_of(&self, x: f32) -> usize {
        let index = ((x - self.rect.left() - HOURS_WIDTH) / self.column).floor();
        index.clamp(0.0, 6.0) as usize
    }

    /// The y of a time of day, in minutes.
    fn y_of(&self, minutes: i64) -> f32 {
        self.rect.top() + minutes as f32 / 60.0 * HOUR_HEIGHT
    }
}

/// Minutes since midnight of a zoned time.
fn minutes_of_day(zoned: &jiff::Zoned) -> i64 {
    i64::from(zoned.hour()) * 60 + i64::from(zoned.minute())
}

/// Paints an action's chip: its tone, its time and title, clipped to the chip.
fn paint_chip(ui: &Ui, chip: egui::Rect, item: &DayItem, tone: Tone, highlighted: bool) {
    let visuals = ui.visuals();
    let colour = theme::tone(visuals, tone);
    let painter = ui.painter().with_clip_rect(chip.intersect(ui.clip_rect()));
    painter.rect_filled(chip, 4.0, theme::tone_fill(visuals, tone));
    painter.rect_stroke(
        chip,
        4.0,
        Stroke::new(if highlighted { 2.0 } else { 1.0 }, colour),
        egui::StrokeKind::Inside,
    );
    painter.text(
        chip.left_center() + egui::vec2(4.0, 0.0),
        egui::Align2::LEFT_CENTER,
        format!("{} {} {}", item.time, item.action_glyph(), item.title),
        egui::FontId::proportional(11.0),
        visuals.text_color(),
    );
}
