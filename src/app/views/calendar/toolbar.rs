//! The calendar's toolbar: the heading and the tabs (Month, Week, Time grid, List), the
//! period's navigation, the zone, reload and the ICS export — one row when the view is wide
//! enough, two at the minimum window.

use super::*;

impl CalendarView {
    /// The toolbar: one row when the view is wide enough, else two (title, tabs and the tools;
    /// then the month's navigation and the zone), so nothing overlaps at the minimum window.
    pub(super) fn toolbar_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, today: Date) {
        if ui.available_width() >= TOOLBAR_ONE_ROW_WIDTH {
            ui.horizontal(|ui| {
                self.tabs_ui(ui);
                self.period_ui(ui, today);
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    self.tools_ui(ui, cx);
                    self.zone_ui(ui, cx);
                });
            });
        } else {
            ui.horizontal(|ui| {
                self.tabs_ui(ui);
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    self.tools_ui(ui, cx);
                });
            });
            ui.horizontal(|ui| {
                self.period_ui(ui, today);
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    self.zone_ui(ui, cx);
                });
            });
        }
    }

    /// The heading and the Month / Week / List tabs.
    fn tabs_ui(&mut self, ui: &mut Ui) {
        ui.heading("Calendar");
        ui.add_space(theme::SECTION_GAP);
        // "Time grid" is the Week tab drawn as hours × days: it shares the week's range,
        // navigation and export.
        for (tab, grid, label, tip) in [
            (CalendarTab::Month, false, "Month", "A month at a glance"),
            (CalendarTab::Week, false, "Week", "The week as an agenda"),
            (
                CalendarTab::Week,
                true,
                "Time grid",
                "The week by the hour: drag a scheduled action to move it",
            ),
            (
                CalendarTab::List,
                false,
                "List",
                "Every scheduled action, filterable",
            ),
        ] {
            let selected = self.tab == tab && (tab != CalendarTab::Week || self.time_grid == grid);
            if ui
                .selectable_label(selected, label)
                .on_hover_text(tip)
                .clicked()
            {
                self.tab = tab;
                self.time_grid = grid;
            }
        }
        ui.add_space(theme::SECTION_GAP);
    }

    /// Previous, Today, Next and the shown month or week (not on the list).
    fn period_ui(&mut self, ui: &mut Ui, today: Date) {
        if self.tab == CalendarTab::List {
            return;
        }
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

    /// Reload and the ICS export (in a right-to-left layout).
    fn tools_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        if ui
            .button("⟳")
            .on_hover_text("Reload scheduled actions")
            .accessible_name("Reload scheduled actions")
            .clicked()
        {
            self.reload();
        }
        if self.tab != CalendarTab::List {
            ui.checkbox(&mut self.hide_canceled, "Hide canceled")
                .on_hover_text("Leave canceled schedules off the calendar");
        }
        if self.tab != CalendarTab::List
            && ui
                .button("⬇ Export .ics")
                .on_hover_text("Save the shown range as an iCalendar file")
                .clicked()
        {
            self.export(cx);
        }
    }

    /// The zone the calendar shows times in (in a right-to-left layout).
    fn zone_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
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
    }
}
