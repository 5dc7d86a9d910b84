//! [`CalendarView`]: every scheduled action on a calendar — a month grid, a week agenda, a
//! week time grid (drag to reschedule) and a virtualised list — in one time zone chosen for
//! the whole view. Actions are coloured by what
//! they do and where they stand (scheduled, in progress, succeeded, failed, canceled); today is
//! marked; overdue and failed ones stand out and open the failure inspector. Clicking a day lists
//! its actions beside the grid, where they can be rescheduled or canceled, and new schedules made.
//! The visible range exports to an iCalendar file.
//!
//! The actions per day (in the chosen zone) are cached and rebuilt only when the data, the month
//! or the zone change — never per frame. The list tab pages through the server with cursors as
//! the user scrolls.
//!
//! Files: `month` (grid, day panel, cards, agenda), `week_grid` (the time grid and its
//! drag-to-reschedule), `agenda_keys` (↑/↓/Enter), `list`, `toolbar`.

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
use crate::app::intents::{Route, Window};
use crate::app::schedule;
use crate::app::theme::{self, Tone};
use crate::app::widgets::{SearchSelect, badge_ui, empty_state_ui};
use crate::cma::{
    EntityKind, Link, LinkType, ScheduledAction, ScheduledActionKind, ScheduledActionStatus,
};

mod agenda_keys;
mod list;
mod month;
mod toolbar;
mod week_grid;

use month::status_tip;

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
    /// The action clicked on the grid, or walked to with the arrow keys.
    highlight: Option<String>,
    /// The arrow keys moved the highlight: its card scrolls into view once.
    scroll_to_highlight: bool,
    loaded: Option<(Date, Date, String)>,
    /// When the shown range was last asked for, on the app's clock (not egui's input time,
    /// which a test harness steps a quarter second a frame).
    last_load: Option<Timestamp>,
    reload: bool,
    /// The scheduled-actions generation whose entities were asked for (their titles).
    resolved_for: Option<u64>,
    cache: DayCache,
    confirm_cancel: Option<(String, String)>,
    list: ListTab,
    /// Canceled actions are left off the grid and the day panel.
    hide_canceled: bool,
    /// The Week tab shows a time grid rather than the agenda.
    time_grid: bool,
    grid: week_grid::WeekGrid,
}

/// How often the shown range is reloaded while the calendar is open.
const REFRESH: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);
/// The width of the day panel beside the month grid.
const DAY_PANEL_WIDTH: f32 = 330.0;
/// The narrowest the day panel gets (beside a month grid of at least `MONTH_MIN_WIDTH`).
const DAY_PANEL_MIN_WIDTH: f32 = 250.0;
/// The narrowest the month grid gets.
const MONTH_MIN_WIDTH: f32 = 400.0;
/// Below this width the toolbar takes two rows.
const TOOLBAR_ONE_ROW_WIDTH: f32 = 980.0;

impl CalendarView {
    /// A month view of the day of `now` in the user's own zone.
    pub fn new(now: Timestamp) -> Self {
        let zone = schedule::system_zone_name();
        let tz = schedule::zone(&zone).unwrap_or(TimeZone::UTC);
        let today = now.to_zoned(tz.clone()).date();
        Self {
            tab: CalendarTab::Month,
            zone,
            tz,
            zone_select: SearchSelect::default(),
            anchor: today,
            selected: Some(today),
            highlight: None,
            scroll_to_highlight: false,
            loaded: None,
            last_load: None,
            reload: false,
            resolved_for: None,
            cache: DayCache::default(),
            confirm_cancel: None,
            list: ListTab::default(),
            hide_canceled: false,
            time_grid: false,
            grid: week_grid::WeekGrid::default(),
        }
    }

    /// Reloads the shown range (and the list) at the next frame.
    pub fn reload(&mut self) {
        self.reload = true;
        self.list.requested = None;
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let now = cx.now;
        let today = now.to_zoned(self.tz.clone()).date();
        // Titles of what the loaded schedules act on: asked for by id once per change of the
        // loaded actions, never the whole space.
        if self.resolved_for != Some(cx.state.scheduled_generation) {
            self.resolved_for = Some(cx.state.scheduled_generation);
            let state = cx.state;
            cx.resolve(state.scheduled_actions.values().map(|a| &a.entity));
        }
        self.load_range(cx);
        self.rebuild(cx);
        self.toolbar_ui(ui, cx, today);
        ui.add_space(4.0);
        self.attention_ui(ui, now);
        ui.add_space(4.0);
        match self.tab {
            CalendarTab::Month => {
                let height = ui.available_height();
                // The day panel narrows before the grid does; both fit the minimum window.
                let width = ui.available_width();
                let day_width =
                    (width - MONTH_MIN_WIDTH - 16.0).clamp(DAY_PANEL_MIN_WIDTH, DAY_PANEL_WIDTH);
                let grid_width = (width - day_width - 16.0).max(MONTH_MIN_WIDTH);
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
            CalendarTab::Week if self.time_grid => self.week_grid_ui(ui, cx, today, now),
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

    fn load_range(&mut self, cx: &mut ViewCtx<'_>) {
        let (first, last) = self.shown_days();
        let key = (first, last, self.zone.clone());
        let now = cx.now;
        let stale = self
            .last_load
            .is_none_or(|at| now.duration_since(at) > REFRESH);
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
        self.last_load = Some(now);
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
            format!(
                "{}{}",
                self.zone,
                if self.hide_canceled {
                    " −canceled"
                } else {
                    ""
                }
            ),
        );
        if self.cache.key.as_ref() == Some(&key) {
            return;
        }
        let hide_canceled = self.hide_canceled;
        let actions: Vec<&ScheduledAction> = state
            .scheduled_actions
            .values()
            .filter(|a| !(hide_canceled && a.sys.status == ScheduledActionStatus::Canceled))
            .collect();
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

    /// Whether canceled actions are left off the grid.
    pub fn hides_canceled(&self) -> bool {
        self.hide_canceled
    }

    /// Leaves canceled actions off the grid, or shows them.
    pub fn set_hide_canceled(&mut self, hide: bool) {
        self.hide_canceled = hide;
    }

    /// The zone the view shows times in.
    pub fn zone(&self) -> &str {
        &self.zone
    }

    /// Shows times in `zone` (ignored when it is not a known zone).
    pub fn set_zone(&mut self, zone: String) {
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
                ui.label(RichText::new("A canceled schedule stays on the calendar, crossed out (unless \"Hide canceled\" is on); it cannot be resumed.").weak());
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
        let now = cx.now;
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

/// Opens a release's page or an entity's detail.
fn open_target(cx: &mut ViewCtx<'_>, link: &Link) {
    match link.link_type() {
        LinkType::Release => cx.go(Route::Release(link.id().to_owned())),
        LinkType::Asset => cx.open(Window::Entity(EntityKind::Asset, link.id().to_owned())),
        _ => cx.open(Window::Entity(EntityKind::Entry, link.id().to_owned())),
    }
}
