//! The month grid, the day panel with its cards, and the week agenda.

use super::*;

impl CalendarView {
    pub(super) fn month_ui(&mut self, ui: &mut Ui, today: Date, now: Timestamp) {
        let grid = self.cache.grid.clone();
        let rows = (grid.len() / 7).max(1);
        let header = 22.0;
        let width = ui.available_width();
        let cell_w = (width / 7.0).floor();
        // The legend wraps to two rows on a narrow grid (it must not widen it).
        let legend = if width < LEGEND_ONE_ROW_WIDTH {
            2.0 * LEGEND_HEIGHT - 8.0
        } else {
            LEGEND_HEIGHT
        };
        let cell_h = ((ui.available_height() - header - legend) / rows as f32)
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

    pub(super) fn day_panel_ui(
        &mut self,
        ui: &mut Ui,
        cx: &mut ViewCtx<'_>,
        today: Date,
        now: Timestamp,
    ) {
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
            cx.open_schedule(ScheduleRequest::on_day(day, &self.zone));
        }
        ui.add_space(6.0);
        let items = self.cache.days.get(&day).cloned().unwrap_or_default();
        if items.is_empty() {
            ui.label(RichText::new("Nothing is scheduled on this day.").weak());
            return;
        }
        self.agenda_keys(ui, cx, &items);
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
    pub(super) fn card_ui(
        &mut self,
        ui: &mut Ui,
        cx: &mut ViewCtx<'_>,
        item: &DayItem,
        now: Timestamp,
    ) {
        let visuals = ui.visuals().clone();
        let tone = item.tone(now);
        let highlighted = self.highlight.as_deref() == Some(&item.id);
        let card = egui::Frame::new()
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
        if highlighted && std::mem::take(&mut self.scroll_to_highlight) {
            ui.scroll_to_rect(card.response.rect, None);
        }
    }

    pub(super) fn card_buttons_ui(
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
                    cx.open_schedule(ScheduleRequest::Reschedule(Box::new(action.clone())));
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
            if item.status == ScheduledActionStatus::Failed
                && ui
                    .small_button("Schedule again…")
                    .on_hover_text("A new schedule of the same action, in the same zone")
                    .accessible_name(format!("Schedule {} again", item.title))
                    .clicked()
                && let Some(action) = cx.state.scheduled_actions.get(&item.id)
            {
                cx.open_schedule(ScheduleRequest::Retry(Box::new(action.clone())));
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
                cx.open(Window::Inspector(item.id.clone()));
            }
        });
    }

    pub(super) fn week_ui(
        &mut self,
        ui: &mut Ui,
        cx: &mut ViewCtx<'_>,
        today: Date,
        now: Timestamp,
    ) {
        let start = schedule::week_start(self.anchor);
        let shown = self.week_items(start);
        self.agenda_keys(ui, cx, &shown);
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
                            cx.open_schedule(ScheduleRequest::on_day(day, &self.zone));
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
}

pub(super) fn status_tip(item: &DayItem, now: Timestamp) -> &'static str {
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
/// The width the legend needs on one row.
const LEGEND_ONE_ROW_WIDTH: f32 = 560.0;

/// What the colours and glyphs of the calendar mean: one row, or two on a narrow grid (it
/// must never widen the grid over the day panel).
pub(super) fn legend_ui(ui: &mut Ui) {
    let states = [
        ("scheduled", Tone::Progress, "Waiting for its time"),
        ("in progress", Tone::Progress, "Running now"),
        ("✔ succeeded", Tone::Success, "Ran without errors"),
        ("✖ failed", Tone::Danger, "Ran and failed"),
        ("⚠ overdue", Tone::Warning, "Due, but not run"),
        ("canceled", Tone::Neutral, "Will not run"),
    ];
    let actions = |ui: &mut Ui| {
        badge_ui(ui, "⬆ publish", Tone::Accent, "Stripe colour of a publish");
        badge_ui(
            ui,
            "⬇ unpublish",
            Tone::Neutral,
            "Stripe colour of an unpublish",
        );
        ui.add_space(10.0);
    };
    if ui.available_width() >= LEGEND_ONE_ROW_WIDTH {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 6.0;
            actions(ui);
            for (word, tone, tip) in states {
                badge_ui(ui, word, tone, tip);
            }
        });
    } else {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 6.0;
            actions(ui);
            for (word, tone, tip) in &states[..2] {
                badge_ui(ui, word, *tone, tip);
            }
        });
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 6.0;
            for (word, tone, tip) in &states[2..] {
                badge_ui(ui, word, *tone, tip);
            }
        });
    }
}

/// Height of a chip on the month grid (two lines).
const CHIP_HEIGHT: f32 = 31.0;

/// A compact chip on the month grid: the action glyph and time (with the state when it is not
/// simply scheduled) over the title, coloured by state, with a stripe in the colour of the action.
pub(super) fn chip_ui(
    ui: &mut Ui,
    item: &DayItem,
    now: Timestamp,
    highlighted: bool,
) -> egui::Response {
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
