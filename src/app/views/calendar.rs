//! [`CalendarView`]: every scheduled action on a calendar — a month grid, a week agenda and a
//! virtualised list — in one time zone chosen for the whole view. Actions are coloured by what
//! they do and where they stand (scheduled, in progress, succeeded, failed, canceled); today is
//! marked; overdue and failed ones stand out and open the failure inspector. Clicking a day lists
//! its actions beside the grid, where they can be rescheduled or canceled, and new schedules made.
//! The visible range exports to an iCalendar file.
//!
//! The actions per day (in the chosen zone) are cached and rebuilt only when the data, the month
//! or the zone change — never per frame. The list tab pages through the server with cursors as
//! the user scrolls.

use std::collections::BTreeMap;

use egui::{Color32, RichText, Sense, Stroke, Ui, UiBuilder};
use egui_extras::{Column, TableBuilder};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use super::ViewCtx;
use super::schedule_dialog::{ScheduleRequest, target_title};
use crate::app::command::{Command, ScheduledQuery};
use crate::app::ics;
use crate::app::schedule;
use crate::app::theme::{self, Tone};
use crate::app::widgets::{SearchSelect, badge_ui, empty_state_ui};
use crate::cma::{
    EntityKind, Link, LinkType, ScheduledAction, ScheduledActionKind, ScheduledActionStatus,
};

/// How the calendar shows its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarTab {
    /// A month grid with the selected day's actions beside it.
    Month,
    /// The seven days of a week, as an agenda.
    Week,
    /// Every scheduled action in a filterable, paged table.
    List,
}

/// One action as the calendar draws it (derived, cached).
#[derive(Debug, Clone)]
struct DayItem {
    id: String,
    at: Timestamp,
    /// "14:05" in the view's zone.
    time: String,
    title: String,
    kind_word: &'static str,
    link: Link,
    action: ScheduledActionKind,
    status: ScheduledActionStatus,
    /// "set for 15:05 CET in Europe/Berlin" when the action's own zone differs.
    own_zone: Option<String>,
    error: Option<String>,
}

impl DayItem {
    fn overdue(&self, now: Timestamp) -> bool {
        self.status == ScheduledActionStatus::Scheduled
            && now.duration_since(self.at) > schedule::OVERDUE_GRACE
    }

    fn tone(&self, now: Timestamp) -> Tone {
        theme::scheduled_tone(&self.status, self.overdue(now))
    }

    fn status_word(&self, now: Timestamp) -> &'static str {
        if self.overdue(now) {
            return "overdue";
        }
        match self.status {
            ScheduledActionStatus::Scheduled => "scheduled",
            ScheduledActionStatus::InProgress => "in progress",
            ScheduledActionStatus::Succeeded => "succeeded",
            ScheduledActionStatus::Failed => "failed",
            ScheduledActionStatus::Canceled => "canceled",
            ScheduledActionStatus::Other(_) => "unknown",
        }
    }

    /// The status glyph put before the action glyph on chips.
    fn status_glyph(&self, now: Timestamp) -> &'static str {
        if self.overdue(now) {
            return "⚠ ";
        }
        match self.status {
            ScheduledActionStatus::Failed => "✖ ",
            ScheduledActionStatus::Succeeded => "✔ ",
            _ => "",
        }
    }

    fn action_glyph(&self) -> &'static str {
        match self.action {
            ScheduledActionKind::Publish => "⬆",
            _ => "⬇",
        }
    }
}

/// The derived data of the shown range, rebuilt when its key changes.
#[derive(Debug, Default)]
struct DayCache {
    key: Option<(u64, u64, u64, Date, String)>,
    grid: Vec<Date>,
    days: BTreeMap<Date, Vec<DayItem>>,
    /// Every pending action loaded (any range), by instant: for the overdue count.
    pending: Vec<(Timestamp, Date, String)>,
}

/// The list tab's UI state.
#[derive(Debug, Default)]
struct ListTab {
    status: Option<ScheduledActionStatus>,
    entity: Option<(String, String)>,
    newest_first: bool,
    entity_select: SearchSelect,
    entity_options: (Option<(u64, u64)>, Vec<String>, Vec<String>),
    requested: Option<ScheduledQuery>,
}

/// The calendar and its UI state.
#[derive(Debug)]
pub struct CalendarView {
    tab: CalendarTab,
    zone: String,
    tz: TimeZone,
    zone_select: SearchSelect,
    /// A day in the shown month or week.
    anchor: Date,
    /// The day whose actions are listed.
    selected: Option<Date>,
    /// The action clicked on the grid.
    highlight: Option<String>,
    loaded: Option<(Date, Date, String)>,
    last_load: f64,
    reload: bool,
    requested_entities: bool,
    cache: DayCache,
    confirm_cancel: Option<(String, String)>,
    list: ListTab,
}

impl Default for CalendarView {
    fn default() -> Self {
        Self::new()
    }
}

/// How often the shown range is reloaded while the calendar is open (seconds).
const REFRESH_SECS: f64 = 60.0;
/// The width of the day panel beside the month grid.
const DAY_PANEL_WIDTH: f32 = 330.0;

impl CalendarView {
    /// A month view of today in the user's own zone.
    pub fn new() -> Self {
        let zone = schedule::system_zone_name();
        let tz = schedule::zone(&zone).unwrap_or(TimeZone::UTC);
        let today = Timestamp::now().to_zoned(tz.clone()).date();
        Self {
            tab: CalendarTab::Month,
            zone,
            tz,
            zone_select: SearchSelect::default(),
            anchor: today,
            selected: Some(today),
            highlight: None,
            loaded: None,
            last_load: 0.0,
            reload: false,
            requested_entities: false,
            cache: DayCache::default(),
            confirm_cancel: None,
            list: ListTab::default(),
        }
    }

    /// Reloads the shown range (and the list) at the next frame.
    pub fn reload(&mut self) {
        self.reload = true;
        self.list.requested = None;
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let now = Timestamp::now();
        let today = now.to_zoned(self.tz.clone()).date();
        if !self.requested_entities {
            self.requested_entities = true;
            if !cx.state.entities_loaded {
                cx.send(Command::LoadEntities);
            }
        }
        self.load_range(ui, cx);
        self.rebuild(cx);
        self.toolbar_ui(ui, cx, today);
        ui.add_space(4.0);
        self.attention_ui(ui, now);
        ui.add_space(4.0);
        match self.tab {
            CalendarTab::Month => {
                let height = ui.available_height();
                let grid_width = (ui.available_width() - DAY_PANEL_WIDTH - 16.0).max(420.0);
                ui.horizontal_top(|ui| {
                    ui.allocate_ui_with_layout(
                        egui::vec2(grid_width, height),
                        egui::Layout::top_down(egui::Align::Min),
                        |ui| self.month_ui(ui, today, now),
                    );
                    ui.separator();
                    ui.vertical(|ui| {
                        ui.set_width(ui.available_width());
                        self.day_panel_ui(ui, cx, today, now);
                    });
                });
            }
            CalendarTab::Week => self.week_ui(ui, cx, today, now),
            CalendarTab::List => self.list_ui(ui, cx, now),
        }
        self.cancel_ui(ui, cx);
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs(30));
    }

    /// The first and last day shown by the month grid (which also holds the shown week).
    fn shown_days(&self) -> (Date, Date) {
        let grid = schedule::month_grid(self.anchor);
        let first = grid.first().copied().unwrap_or(self.anchor);
        let last = grid.last().copied().unwrap_or(self.anchor);
        (first, last)
    }

    fn load_range(&mut self, ui: &Ui, cx: &mut ViewCtx<'_>) {
        let (first, last) = self.shown_days();
        let key = (first, last, self.zone.clone());
        let time = ui.input(|i| i.time);
        let stale = time - self.last_load > REFRESH_SECS;
        if self.loaded.as_ref() == Some(&key) && !self.reload && !stale {
            return;
        }
        if let Some((from, to)) = schedule::day_range(first, last, &self.tz) {
            cx.send(Command::LoadScheduledActions {
                from: from.into(),
                to: to.into(),
            });
        }
        self.loaded = Some(key);
        self.last_load = time;
        self.reload = false;
    }

    /// Rebuilds the per-day items when the data, the shown month or the zone changed.
    fn rebuild(&mut self, cx: &ViewCtx<'_>) {
        let state = cx.state;
        let (first, last) = self.shown_days();
        let key = (
            state.scheduled_generation,
            state.releases_generation,
            state.entities_generation,
            first,
            self.zone.clone(),
        );
        if self.cache.key.as_ref() == Some(&key) {
            return;
        }
        let actions: Vec<&ScheduledAction> = state.scheduled_actions.values().collect();
        let owned: Vec<ScheduledAction> = actions.iter().map(|a| (*a).clone()).collect();
        let by_day = schedule::by_day(&owned, &self.tz, first, last);
        let mut days = BTreeMap::new();
        for (day, indexes) in by_day {
            let items: Vec<DayItem> = indexes
                .into_iter()
                .filter_map(|i| owned.get(i))
                .map(|a| self.item(a, cx))
                .collect();
            days.insert(day, items);
        }
        let mut pending: Vec<(Timestamp, Date, String)> = owned
            .iter()
            .filter(|a| a.sys.status == ScheduledActionStatus::Scheduled)
            .map(|a| {
                let at = a.scheduled_for.datetime.0;
                (at, at.to_zoned(self.tz.clone()).date(), a.sys.id.clone())
            })
            .collect();
        pending.sort();
        self.cache = DayCache {
            key: Some(key),
            grid: schedule::month_grid(self.anchor),
            days,
            pending,
        };
    }

    fn item(&self, action: &ScheduledAction, cx: &ViewCtx<'_>) -> DayItem {
        let at = action.scheduled_for.datetime.0;
        let own_zone = action
            .scheduled_for
            .timezone
            .as_ref()
            .filter(|z| **z != self.zone)
            .and_then(|z| {
                schedule::zone(z)
                    .map(|tz| format!("set for {} in {z}", at.to_zoned(tz).strftime("%a %H:%M %Z")))
            });
        DayItem {
            id: action.sys.id.clone(),
            at,
            time: at.to_zoned(self.tz.clone()).strftime("%H:%M").to_string(),
            title: target_title(&action.entity, cx.state),
            kind_word: match action.entity.link_type() {
                LinkType::Release => "Release",
                LinkType::Asset => "Asset",
                _ => "Entry",
            },
            link: action.entity.clone(),
            action: action.action.clone(),
            status: action.sys.status.clone(),
            own_zone,
            error: action
                .error
                .as_ref()
                .map(|e| match e.entity_errors().len() {
                    0 => e.message_or_id().to_owned(),
                    1 => format!("{}: 1 entity with errors", e.message_or_id()),
                    n => format!("{}: {n} entities with errors", e.message_or_id()),
                }),
        }
    }

    fn set_zone(&mut self, zone: String) {
        if let Some(tz) = schedule::zone(&zone) {
            self.zone = zone;
            self.tz = tz;
        }
    }

    fn step(&mut self, forward: bool) {
        let span = match self.tab {
            CalendarTab::Week => Span::new().weeks(1),
            _ => Span::new().months(1),
        };
        let base = if self.tab == CalendarTab::Week {
            self.anchor
        } else {
            self.anchor.first_of_month()
        };
        let next = if forward {
            base.checked_add(span)
        } else {
            base.checked_sub(span)
        };
        if let Ok(next) = next {
            self.anchor = next;
        }
    }

    fn title(&self) -> String {
        match self.tab {
            CalendarTab::Week => {
                let start = schedule::week_start(self.anchor);
                let end = start.checked_add(Span::new().days(6)).unwrap_or(start);
                format!(
                    "{} – {}",
                    start.strftime("%-d %b"),
                    end.strftime("%-d %b %Y")
                )
            }
            _ => self.anchor.strftime("%B %Y").to_string(),
        }
    }

    fn toolbar_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, today: Date) {
        ui.horizontal(|ui| {
            ui.heading("Calendar");
            ui.add_space(theme::SECTION_GAP);
            for (tab, label, tip) in [
                (CalendarTab::Month, "Month", "A month at a glance"),
                (CalendarTab::Week, "Week", "The week as an agenda"),
                (
                    CalendarTab::List,
                    "List",
                    "Every scheduled action, filterable",
                ),
            ] {
                if ui
                    .selectable_label(self.tab == tab, label)
                    .on_hover_text(tip)
                    .clicked()
                {
                    self.tab = tab;
                }
            }
            if self.tab != CalendarTab::List {
                ui.add_space(theme::SECTION_GAP);
                let unit = if self.tab == CalendarTab::Week {
                    "week"
                } else {
                    "month"
                };
                if ui
                    .button("⏴")
                    .on_hover_text(format!("Previous {unit}"))
                    .accessible_name(format!("Previous {unit}"))
                    .clicked()
                {
                    self.step(false);
                }
                if ui
                    .button("Today")
                    .on_hover_text("Back to today")
                    .accessible_name("Go to today")
                    .clicked()
                {
                    self.anchor = today;
                    self.selected = Some(today);
                }
                if ui
                    .button("⏵")
                    .on_hover_text(format!("Next {unit}"))
                    .accessible_name(format!("Next {unit}"))
                    .clicked()
                {
                    self.step(true);
                }
                ui.label(RichText::new(self.title()).strong().size(17.0));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("⟳")
                    .on_hover_text("Reload scheduled actions")
                    .accessible_name("Reload scheduled actions")
                    .clicked()
                {
                    self.reload();
                }
                if self.tab != CalendarTab::List
                    && ui
                        .button("⬇ Export .ics")
                        .on_hover_text("Save the shown range as an iCalendar file")
                        .clicked()
                {
                    self.export(cx);
                }
                let names = schedule::zone_names();
                if let Some(i) = self.zone_select.ui(
                    ui,
                    "calendar-zone",
                    "Calendar time zone",
                    &self.zone,
                    names,
                    0,
                    200.0,
                ) && let Some(name) = names.get(i)
                {
                    self.set_zone(name.clone());
                }
                ui.label(RichText::new("Times in").weak());
                if cx.state.scheduled_loading {
                    ui.spinner();
                }
            });
        });
    }

    /// Overdue and failed actions, as buttons that jump to them.
    fn attention_ui(&mut self, ui: &mut Ui, now: Timestamp) {
        let late_before = now.checked_sub(schedule::OVERDUE_GRACE).unwrap_or(now);
        let overdue_count = self
            .cache
            .pending
            .partition_point(|(at, _, _)| *at < late_before);
        let first_overdue = self.cache.pending.first().cloned();
        let failed: Vec<(Date, String)> = self
            .cache
            .days
            .iter()
            .flat_map(|(day, items)| {
                items
                    .iter()
                    .filter(|i| i.status == ScheduledActionStatus::Failed)
                    .map(move |i| (*day, i.id.clone()))
            })
            .collect();
        if overdue_count == 0 && failed.is_empty() {
            return;
        }
        let visuals = ui.visuals().clone();
        ui.horizontal(|ui| {
            if overdue_count > 0
                && let Some((_, day, id)) = first_overdue
                && ui
                    .add(
                        egui::Button::new(
                            RichText::new(format!(
                                "⚠ {overdue_count} overdue: due, but not run yet"
                            ))
                            .color(theme::tone(&visuals, Tone::Warning)),
                        )
                        .fill(theme::tone_fill(&visuals, Tone::Warning)),
                    )
                    .on_hover_text("Show the first one")
                    .clicked()
            {
                self.jump(day, id);
            }
            if let Some((day, id)) = failed.first().cloned()
                && ui
                    .add(
                        egui::Button::new(
                            RichText::new(format!("✖ {} failed", failed.len()))
                                .color(theme::tone(&visuals, Tone::Danger)),
                        )
                        .fill(theme::tone_fill(&visuals, Tone::Danger)),
                    )
                    .on_hover_text("Show the first one in this range")
                    .clicked()
            {
                self.jump(day, id);
            }
        });
    }

    fn jump(&mut self, day: Date, id: String) {
        if self.tab == CalendarTab::List {
            self.tab = CalendarTab::Month;
        }
        self.anchor = day;
        self.selected = Some(day);
        self.highlight = Some(id);
    }

    fn month_ui(&mut self, ui: &mut Ui, today: Date, now: Timestamp) {
        let grid = self.cache.grid.clone();
        let rows = (grid.len() / 7).max(1);
        let header = 22.0;
        let width = ui.available_width();
        let cell_w = (width / 7.0).floor();
        let cell_h = ((ui.available_height() - header - LEGEND_HEIGHT) / rows as f32)
            .floor()
            .max(72.0);
        let (rect, _) = ui.allocate_exact_size(
            egui::vec2(cell_w * 7.0, header + cell_h * rows as f32),
            Sense::hover(),
        );
        let visuals = ui.visuals().clone();
        let painter = ui.painter().clone();
        for (i, name) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .enumerate()
        {
            painter.text(
                egui::pos2(
                    rect.left() + cell_w * i as f32 + 8.0,
                    rect.top() + header / 2.0,
                ),
                egui::Align2::LEFT_CENTER,
                *name,
                egui::FontId::proportional(13.0),
                visuals.weak_text_color(),
            );
        }
        let month = self.anchor.month();
        let mut clicked_day = None;
        let mut clicked_item = None;
        for (index, day) in grid.iter().enumerate() {
            let (row, col) = (index / 7, index % 7);
            let cell = egui::Rect::from_min_size(
                egui::pos2(
                    rect.left() + cell_w * col as f32,
                    rect.top() + header + cell_h * row as f32,
                ),
                egui::vec2(cell_w, cell_h),
            )
            .shrink(2.0);
            let is_today = *day == today;
            let is_selected = self.selected == Some(*day);
            let in_month = day.month() == month;
            let fill = if is_today {
                theme::tone_fill(&visuals, Tone::Accent)
            } else if in_month {
                visuals.faint_bg_color
            } else {
                Color32::TRANSPARENT
            };
            let stroke = if is_selected {
                Stroke::new(2.0, theme::tone(&visuals, Tone::Progress))
            } else if is_today {
                Stroke::new(1.5, theme::tone(&visuals, Tone::Accent))
            } else {
                visuals.widgets.noninteractive.bg_stroke
            };
            painter.rect(cell, 6.0, fill, stroke, egui::StrokeKind::Inside);
            let response = ui
                .interact(cell, ui.scope_id().with(("day", *day)), Sense::click())
                .on_hover_cursor(egui::CursorIcon::PointingHand);
            let label = day.strftime("%A %-d %B %Y").to_string();
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
            if response.clicked() {
                clicked_day = Some(*day);
            }
            let number_color = if is_today {
                theme::tone(&visuals, Tone::Accent)
            } else if in_month {
                visuals.strong_text_color()
            } else {
                visuals.weak_text_color()
            };
            let number = painter.text(
                cell.min + egui::vec2(7.0, 4.0),
                egui::Align2::LEFT_TOP,
                day.day().to_string(),
                egui::FontId::proportional(14.0),
                number_color,
            );
            if is_today {
                painter.text(
                    egui::pos2(number.right() + 6.0, number.center().y),
                    egui::Align2::LEFT_CENTER,
                    "Today",
                    egui::FontId::proportional(11.0),
                    number_color,
                );
            }
            let mut child = ui.new_child(
                UiBuilder::new()
                    .max_rect(egui::Rect::from_min_max(
                        cell.min + egui::vec2(5.0, 23.0),
                        cell.max - egui::vec2(5.0, 3.0),
                    ))
                    .layout(egui::Layout::top_down(egui::Align::Min)),
            );
            child.spacing_mut().item_spacing.y = 2.0;
            let Some(items) = self.cache.days.get(day) else {
                continue;
            };
            let height = child.available_height() + 2.0;
            let room = (height / (CHIP_HEIGHT + 2.0)).floor().max(0.0) as usize;
            let shown = if items.len() > room {
                // Leave a line for "+N more".
                ((height - 16.0) / (CHIP_HEIGHT + 2.0)).floor().max(0.0) as usize
            } else {
                items.len()
            };
            for item in items.iter().take(shown) {
                if chip_ui(
                    &mut child,
                    item,
                    now,
                    self.highlight.as_deref() == Some(&item.id),
                )
                .clicked()
                {
                    clicked_day = Some(*day);
                    clicked_item = Some(item.id.clone());
                }
            }
            if items.len() > shown
                && child
                    .add(
                        egui::Button::new(
                            RichText::new(format!("+{} more", items.len() - shown)).small(),
                        )
                        .frame(false),
                    )
                    .on_hover_text("Show every action of this day")
                    .clicked()
            {
                clicked_day = Some(*day);
            }
        }
        if let Some(day) = clicked_day {
            self.selected = Some(day);
            self.highlight = clicked_item;
        }
        ui.add_space(4.0);
        legend_ui(ui);
    }

    fn day_panel_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, today: Date, now: Timestamp) {
        let Some(day) = self.selected else {
            ui.label(RichText::new("Click a day to see its actions.").weak());
            return;
        };
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(day.strftime("%A %-d %B").to_string())
                    .heading()
                    .size(18.0),
            );
            if day == today {
                badge_ui(ui, "Today", Tone::Accent, "");
            }
        });
        let past = day < today;
        if ui
            .add_enabled(!past, egui::Button::new("➕ Schedule on this day…"))
            .on_hover_text("Publish or unpublish a release or entry on this day")
            .on_disabled_hover_text("This day is over")
            .clicked()
        {
            *cx.schedule = Some(ScheduleRequest::on_day(day, &self.zone));
        }
        ui.add_space(6.0);
        let items = self.cache.days.get(&day).cloned().unwrap_or_default();
        if items.is_empty() {
            ui.label(RichText::new("Nothing is scheduled on this day.").weak());
            return;
        }
        egui::ScrollArea::vertical()
            .id_salt("day-panel")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for item in &items {
                    self.card_ui(ui, cx, item, now);
                    ui.add_space(6.0);
                }
            });
    }

    /// One action with its details and what can be done with it.
    fn card_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, item: &DayItem, now: Timestamp) {
        let visuals = ui.visuals().clone();
        let tone = item.tone(now);
        let highlighted = self.highlight.as_deref() == Some(&item.id);
        egui::Frame::new()
            .fill(theme::tone_fill(&visuals, tone))
            .corner_radius(6.0)
            .inner_margin(egui::Margin::symmetric(10, 8))
            .stroke(if highlighted {
                Stroke::new(1.5, theme::tone(&visuals, tone))
            } else {
                Stroke::NONE
            })
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.label(RichText::new(&item.time).strong().size(15.0));
                    badge_ui(
                        ui,
                        &format!("{} {}", item.action_glyph(), item.action),
                        theme::scheduled_kind_tone(&item.action),
                        "What it does",
                    );
                    badge_ui(
                        ui,
                        &format!("{}{}", item.status_glyph(now), item.status_word(now)),
                        tone,
                        status_tip(item, now),
                    );
                });
                ui.horizontal(|ui| {
                    if ui
                        .link(RichText::new(&item.title).strong())
                        .on_hover_text(format!("Open this {}", item.kind_word.to_lowercase()))
                        .clicked()
                    {
                        open_target(cx, &item.link);
                    }
                    ui.label(RichText::new(item.kind_word).weak());
                });
                if let Some(own) = &item.own_zone {
                    ui.label(RichText::new(own).weak());
                }
                if let Some(error) = &item.error {
                    ui.label(
                        RichText::new(format!("✖ {error}"))
                            .color(theme::tone(&visuals, Tone::Danger)),
                    );
                }
                self.card_buttons_ui(ui, cx, item, now);
            });
    }

    fn card_buttons_ui(
        &mut self,
        ui: &mut Ui,
        cx: &mut ViewCtx<'_>,
        item: &DayItem,
        now: Timestamp,
    ) {
        // Only pending and failed actions have something to do.
        if !matches!(
            item.status,
            ScheduledActionStatus::Scheduled | ScheduledActionStatus::Failed
        ) {
            return;
        }
        ui.horizontal(|ui| {
            if item.status == ScheduledActionStatus::Scheduled {
                if ui
                    .small_button("Reschedule…")
                    .on_hover_text("Move it to another time")
                    .accessible_name(format!("Reschedule {}", item.title))
                    .clicked()
                    && let Some(action) = cx.state.scheduled_actions.get(&item.id)
                {
                    *cx.schedule = Some(ScheduleRequest::Reschedule(Box::new(action.clone())));
                }
                if ui
                    .small_button("🗑 Cancel…")
                    .on_hover_text("Cancel it: it will not run")
                    .accessible_name(format!("Cancel the schedule of {}", item.title))
                    .clicked()
                {
                    self.confirm_cancel = Some((
                        item.id.clone(),
                        format!("{} of '{}' at {}", item.action, item.title, item.time),
                    ));
                }
            }
            let inspect = match (
                item.status == ScheduledActionStatus::Failed,
                item.overdue(now),
            ) {
                (true, _) => Some("🔍 Inspect failure"),
                (false, true) => Some("🔍 Why overdue?"),
                _ => None,
            };
            if let Some(label) = inspect
                && ui
                    .small_button(label)
                    .on_hover_text("Open the failure inspector")
                    .clicked()
            {
                *cx.inspect_action = Some(item.id.clone());
            }
        });
    }

    fn week_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, today: Date, now: Timestamp) {
        let start = schedule::week_start(self.anchor);
        egui::ScrollArea::vertical()
            .id_salt("week-agenda")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let mut day = start;
                for _ in 0..7 {
                    let items = self.cache.days.get(&day).cloned().unwrap_or_default();
                    let visuals = ui.visuals().clone();
                    ui.horizontal(|ui| {
                        let text = RichText::new(day.strftime("%A %-d %B").to_string())
                            .strong()
                            .size(15.0);
                        let text = if day == today {
                            text.color(theme::tone(&visuals, Tone::Accent))
                        } else {
                            text
                        };
                        ui.label(text);
                        if day == today {
                            badge_ui(ui, "Today", Tone::Accent, "");
                        }
                        ui.label(
                            RichText::new(match items.len() {
                                0 => "nothing scheduled".to_owned(),
                                1 => "1 action".to_owned(),
                                n => format!("{n} actions"),
                            })
                            .weak(),
                        );
                        if day >= today
                            && ui
                                .small_button("➕")
                                .on_hover_text("Schedule on this day")
                                .accessible_name(format!(
                                    "Schedule on {}",
                                    day.strftime("%A %-d %B")
                                ))
                                .clicked()
                        {
                            *cx.schedule = Some(ScheduleRequest::on_day(day, &self.zone));
                        }
                    });
                    for item in &items {
                        ui.indent(("week-item", &item.id), |ui| {
                            self.card_ui(ui, cx, item, now);
                        });
                        ui.add_space(4.0);
                    }
                    ui.separator();
                    match day.tomorrow() {
                        Ok(next) => day = next,
                        Err(_) => break,
                    }
                }
            });
    }

    fn list_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, now: Timestamp) {
        let query = ScheduledQuery {
            status: self.list.status.clone(),
            entity_id: self.list.entity.as_ref().map(|(id, _)| id.clone()),
            newest_first: self.list.newest_first,
        };
        if self.list.requested.as_ref() != Some(&query) {
            self.list.requested = Some(query.clone());
            cx.send(Command::LoadScheduledPage {
                query: query.clone(),
                cursor: None,
            });
        }
        self.list_filters_ui(ui, cx);
        ui.add_space(4.0);
        let state = cx.state;
        let page = &state.scheduled_page;
        let fresh = page.query.as_ref() == Some(&query);
        if !fresh || !page.loaded {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Loading scheduled actions…");
            });
            return;
        }
        if page.ids.is_empty() {
            empty_state_ui(
                ui,
                "No scheduled actions match",
                "Choose another state or entity, or schedule a release from its page.",
                None,
            );
            return;
        }
        let rows = page.ids.len();
        let mut load_more = false;
        let mut order = self.list.newest_first;
        let visuals = ui.visuals().clone();
        let tz = self.tz.clone();
        TableBuilder::new(ui)
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(190.0))
            .column(Column::exact(110.0))
            .column(Column::remainder().at_least(220.0).clip(true))
            .column(Column::exact(120.0))
            .column(Column::exact(150.0))
            .column(Column::exact(220.0))
            .header(24.0, |mut h| {
                h.col(|ui| {
                    let arrow = if order { "⏷" } else { "⏶" };
                    if ui
                        .button(RichText::new(format!("When {arrow}")).strong())
                        .on_hover_text("Change the order")
                        .clicked()
                    {
                        order = !order;
                    }
                });
                h.col(|ui| {
                    ui.strong("Action");
                });
                h.col(|ui| {
                    ui.strong("What");
                });
                h.col(|ui| {
                    ui.strong("State");
                });
                h.col(|ui| {
                    ui.strong("Set in zone");
                });
                h.col(|_| {});
            })
            .body(|body| {
                body.rows(theme::ROW_HEIGHT + 4.0, rows, |mut row| {
                    let index = row.index();
                    if index + 10 >= rows && page.next.is_some() {
                        load_more = true;
                    }
                    let Some(action) = page
                        .ids
                        .get(index)
                        .and_then(|id| state.scheduled_actions.get(id))
                    else {
                        return;
                    };
                    let item = self.item(action, cx);
                    let tone = item.tone(now);
                    row.col(|ui| {
                        ui.label(
                            item.at
                                .to_zoned(tz.clone())
                                .strftime("%a %Y-%m-%d %H:%M")
                                .to_string(),
                        );
                    });
                    row.col(|ui| {
                        ui.label(
                            RichText::new(format!("{} {}", item.action_glyph(), item.action))
                                .color(theme::tone(
                                    &visuals,
                                    theme::scheduled_kind_tone(&item.action),
                                )),
                        );
                    });
                    row.col(|ui| {
                        if ui
                            .link(&item.title)
                            .on_hover_text(format!("{} {}", item.kind_word, item.link.id()))
                            .clicked()
                        {
                            open_target(cx, &item.link);
                        }
                        ui.label(RichText::new(item.kind_word).weak());
                    });
                    row.col(|ui| {
                        badge_ui(
                            ui,
                            &format!("{}{}", item.status_glyph(now), item.status_word(now)),
                            tone,
                            status_tip(&item, now),
                        );
                    });
                    row.col(|ui| {
                        ui.label(
                            action
                                .scheduled_for
                                .timezone
                                .clone()
                                .unwrap_or_else(|| "UTC".into()),
                        );
                    });
                    row.col(|ui| self.card_buttons_ui(ui, cx, &item, now));
                });
            });
        self.list.newest_first = order;
        if load_more && !page.loading {
            cx.send(Command::LoadScheduledPage {
                query,
                cursor: page.next.clone(),
            });
        }
    }

    fn list_filters_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("State").weak());
            for (status, label) in [
                (None, "All"),
                (Some(ScheduledActionStatus::Scheduled), "Scheduled"),
                (Some(ScheduledActionStatus::InProgress), "In progress"),
                (Some(ScheduledActionStatus::Succeeded), "Succeeded"),
                (Some(ScheduledActionStatus::Failed), "Failed"),
                (Some(ScheduledActionStatus::Canceled), "Canceled"),
            ] {
                if ui
                    .selectable_label(self.list.status == status, label)
                    .clicked()
                {
                    self.list.status = status;
                }
            }
            ui.add_space(theme::SECTION_GAP);
            ui.label(RichText::new("Entity").weak());
            let state = cx.state;
            let key = (state.releases_generation, state.entities_generation);
            if self.list.entity_options.0 != Some(key) {
                let mut labels = vec!["Any entity".to_owned()];
                let mut ids = vec![String::new()];
                for r in &state.releases {
                    labels.push(format!("Release · {}", r.title));
                    ids.push(r.sys.id.clone());
                }
                let mut entities: Vec<(String, String)> = state
                    .entities
                    .iter()
                    .map(|((kind, id), e)| {
                        let word = if *kind == EntityKind::Asset {
                            "Asset"
                        } else {
                            "Entry"
                        };
                        (format!("{word} · {}", state.display_title(e)), id.clone())
                    })
                    .collect();
                entities.sort_by_cached_key(|(label, _)| label.to_lowercase());
                for (label, id) in entities {
                    labels.push(label);
                    ids.push(id);
                }
                self.list.entity_options = (Some(key), labels, ids);
            }
            let shown = self
                .list
                .entity
                .as_ref()
                .map_or("Any entity", |(_, label)| label.as_str())
                .to_owned();
            let generation = key.0.wrapping_mul(1_000_003).wrapping_add(key.1);
            if let Some(i) = self.list.entity_select.ui(
                ui,
                "list-entity",
                "Entity filter",
                &shown,
                &self.list.entity_options.1,
                generation,
                260.0,
            ) {
                self.list.entity = match (
                    self.list.entity_options.2.get(i),
                    self.list.entity_options.1.get(i),
                ) {
                    (Some(id), Some(label)) if !id.is_empty() => Some((id.clone(), label.clone())),
                    _ => None,
                };
            }
        });
    }

    fn cancel_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let Some((id, label)) = self.confirm_cancel.clone() else {
            return;
        };
        let mut close = false;
        egui::Window::new("Cancel this schedule?")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ui.ctx(), |ui| {
                ui.label(format!("The {label} will not run."));
                ui.label(RichText::new("A canceled schedule stays on the calendar, crossed out; it cannot be resumed.").weak());
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    if ui.button(RichText::new("Cancel the schedule").strong()).clicked() {
                        cx.send(Command::CancelSchedule {
                            id: id.clone(),
                            label: format!("scheduled {label}"),
                        });
                        close = true;
                    }
                    if ui.button("Keep it").clicked()
                        || ui.input(|i| i.key_pressed(egui::Key::Escape))
                    {
                        close = true;
                    }
                });
            });
        if close {
            self.confirm_cancel = None;
        }
    }

    fn export(&self, cx: &mut ViewCtx<'_>) {
        let (first, last) = match self.tab {
            CalendarTab::Week => {
                let start = schedule::week_start(self.anchor);
                (
                    start,
                    start.checked_add(Span::new().days(6)).unwrap_or(start),
                )
            }
            _ => self.shown_days(),
        };
        let now = Timestamp::now();
        let events: Vec<ics::IcsEvent> = self
            .cache
            .days
            .range(first..=last)
            .flat_map(|(_, items)| items)
            .filter_map(|item| cx.state.scheduled_actions.get(&item.id).map(|a| (a, item)))
            .map(|(action, item)| {
                let stamp = action.sys.updated_at.map_or(now, |t| t.0);
                ics::event_for(action, &item.title, stamp)
            })
            .collect();
        let space = cx
            .state
            .space_name
            .clone()
            .unwrap_or_else(|| "Release Desk".into());
        let (file_name, range) = match self.tab {
            CalendarTab::Week => (
                format!("scheduled-week-of-{first}.ics"),
                format!("week of {first}"),
            ),
            _ => (
                format!("scheduled-{}.ics", self.anchor.strftime("%Y-%m")),
                self.anchor.strftime("%B %Y").to_string(),
            ),
        };
        cx.send(Command::ExportIcs {
            file_name,
            calendar_name: format!("{space}: scheduled actions, {range}"),
            events,
        });
    }
}

/// The status badge's hover text.
fn status_tip(item: &DayItem, now: Timestamp) -> &'static str {
    if item.overdue(now) {
        return "Its time has come but it has not run: the scheduler may be stopped or behind";
    }
    match item.status {
        ScheduledActionStatus::Scheduled => "Waiting for its time",
        ScheduledActionStatus::InProgress => "Running now",
        ScheduledActionStatus::Succeeded => "Ran without errors",
        ScheduledActionStatus::Failed => "Ran and failed: inspect the failure",
        ScheduledActionStatus::Canceled => "Canceled before it ran",
        ScheduledActionStatus::Other(_) => "A state this app does not know",
    }
}

/// Room below the month grid for the legend.
const LEGEND_HEIGHT: f32 = 34.0;

/// What the colours and glyphs of the calendar mean.
fn legend_ui(ui: &mut Ui) {
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        badge_ui(ui, "⬆ publish", Tone::Accent, "Stripe colour of a publish");
        badge_ui(
            ui,
            "⬇ unpublish",
            Tone::Neutral,
            "Stripe colour of an unpublish",
        );
        ui.add_space(10.0);
        for (word, tone, tip) in [
            ("scheduled", Tone::Progress, "Waiting for its time"),
            ("in progress", Tone::Progress, "Running now"),
            ("✔ succeeded", Tone::Success, "Ran without errors"),
            ("✖ failed", Tone::Danger, "Ran and failed"),
            ("⚠ overdue", Tone::Warning, "Due, but not run"),
            ("canceled", Tone::Neutral, "Will not run"),
        ] {
            badge_ui(ui, word, tone, tip);
        }
    });
}

/// Height of a chip on the month grid (two lines).
const CHIP_HEIGHT: f32 = 31.0;

/// A compact chip on the month grid: the action glyph and time (with the state when it is not
/// simply scheduled) over the title, coloured by state, with a stripe in the colour of the action.
fn chip_ui(ui: &mut Ui, item: &DayItem, now: Timestamp, highlighted: bool) -> egui::Response {
    let visuals = ui.visuals().clone();
    let tone = item.tone(now);
    let fg = theme::tone(&visuals, tone);
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, CHIP_HEIGHT), Sense::click());
    let label = format!(
        "{}{} {} {}",
        item.status_glyph(now),
        item.action_glyph(),
        item.time,
        item.title
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
    if ui.is_rect_visible(rect) {
        let stroke = if highlighted || response.hovered() {
            Stroke::new(1.0, fg)
        } else {
            Stroke::NONE
        };
        let painter = ui.painter();
        painter.rect(
            rect,
            4.0,
            theme::tone_fill(&visuals, tone),
            stroke,
            egui::StrokeKind::Inside,
        );
        painter.rect_filled(
            egui::Rect::from_min_size(rect.min, egui::vec2(3.0, rect.height())),
            2.0,
            theme::tone(&visuals, theme::scheduled_kind_tone(&item.action)),
        );
        let inner = width - 12.0;
        let status = match item.status {
            ScheduledActionStatus::Scheduled if !item.overdue(now) => String::new(),
            _ => format!("  {}", item.status_word(now)),
        };
        let top = RichText::new(format!(
            "{}{} {}{status}",
            item.status_glyph(now),
            item.action_glyph(),
            item.time
        ))
        .size(11.5)
        .strong()
        .color(fg);
        let mut title = RichText::new(&item.title)
            .size(12.0)
            .color(visuals.text_color());
        if item.status == ScheduledActionStatus::Canceled {
            title = title.strikethrough().color(visuals.weak_text_color());
        }
        for (i, text) in [top, title].into_iter().enumerate() {
            let galley = egui::WidgetText::from(text).into_galley(
                ui,
                Some(egui::TextWrapMode::Truncate),
                inner,
                egui::TextStyle::Small,
            );
            ui.painter().galley(
                egui::pos2(rect.left() + 8.0, rect.top() + 1.5 + 14.0 * i as f32),
                galley,
                fg,
            );
        }
    }
    response
        .on_hover_cursor(egui::CursorIcon::PointingHand)
        .on_hover_text(format!(
            "{} {} · {} · {}{}",
            item.action,
            item.title,
            item.status_word(now),
            item.time,
            item.own_zone
                .as_ref()
                .map(|z| format!(" ({z})"))
                .unwrap_or_default()
        ))
}

/// Opens a release's page or an entity's detail.
fn open_target(cx: &mut ViewCtx<'_>, link: &Link) {
    match link.link_type() {
        LinkType::Release => *cx.open_release = Some(link.id().to_owned()),
        LinkType::Asset => *cx.open_entity = Some((EntityKind::Asset, link.id().to_owned())),
        _ => *cx.open_entity = Some((EntityKind::Entry, link.id().to_owned())),
    }
}
