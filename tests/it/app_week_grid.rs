//! The calendar's week time grid (issue "Daily use", item 4): hours down, days across, in the
//! room the calendar has at the minimum window (900×560 less the navigation); dragging a
//! scheduled action asks first, showing old → new time in the schedule's zone, and "Move"
//! sends the reschedule with the version seen.

use crate::app_keyboard::{Calendar, calendar_harness_sized};
use crate::selectors::button;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::command::Command;
use release_desk::app::intents::Intent;
use release_desk::app::theme::NAV_WIDTH;

/// The calendar's area in the minimum window.
fn minimum_area() -> egui::Vec2 {
    egui::vec2(900.0 - NAV_WIDTH, 560.0 - 40.0)
}

fn open_grid(h: &mut Harness<'static, Calendar>) {
    h.run();
    h.get_by_label("Time grid").click();
    h.run();
}

fn reschedules(h: &Harness<'static, Calendar>) -> Vec<Command> {
    h.state()
        .intents
        .iter()
        .filter_map(|i| match i {
            Intent::Run(c @ Command::Reschedule { .. }) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_time_grid_fits_the_minimum_window() {
    let size = minimum_area();
    let mut h = calendar_harness_sized(size);
    open_grid(&mut h);
    // Monday 30 November to Sunday 6 December; the last day is inside the window.
    let sunday = h.get_by_label("Sun 6").rect();
    assert!(sunday.right() <= size.x + 0.5, "{sunday:?} in {size:?}");
    let chip = h.get_by_label("publish of entry-1 at 15:00").rect();
    assert!(
        chip.bottom() <= size.y && chip.right() <= size.x,
        "{chip:?}"
    );
}

#[test]
fn dragging_an_action_asks_with_old_and_new_time_then_reschedules_with_its_version() {
    let mut h = calendar_harness_sized(minimum_area());
    open_grid(&mut h);
    let from = h
        .get_by_label("publish of entry-1 at 15:00")
        .rect()
        .center();
    // An hour and a half later on the same day (36 px an hour).
    let to = from + egui::vec2(0.0, 54.0);
    h.hover_at(from);
    h.run();
    h.drag_at(from);
    h.run();
    h.hover_at(from + egui::vec2(0.0, 20.0));
    h.run();
    h.hover_at(to);
    h.run();
    h.drop_at(to);
    h.run();
    assert!(h.query_by_label("Move this schedule?").is_some());
    assert!(h.query_by_label("Tue 1 Dec 2026 15:00 UTC (UTC)").is_some());
    assert!(h.query_by_label("Tue 1 Dec 2026 16:30 UTC (UTC)").is_some());
    assert!(
        reschedules(&h).is_empty(),
        "nothing moves before the answer"
    );
    button(&h, "Move").click();
    h.run();
    let sent = reschedules(&h);
    let [
        Command::Reschedule {
            id, version, body, ..
        },
    ] = sent.as_slice()
    else {
        panic!("one reschedule: {sent:?}");
    };
    assert_eq!((id.as_str(), *version), ("sa-2", 1));
    assert_eq!(
        body.scheduled_for.datetime.to_string(),
        "2026-12-01T16:30:00.000Z"
    );
    assert_eq!(body.scheduled_for.timezone.as_deref(), Some("UTC"));
    assert!(h.query_by_label("Move this schedule?").is_none());
}

#[test]
fn a_drop_in_the_past_cannot_be_confirmed() {
    let mut h = calendar_harness_sized(minimum_area());
    open_grid(&mut h);
    let from = h
        .get_by_label("publish of entry-1 at 15:00")
        .rect()
        .center();
    // Four hours earlier: 11:00, before "now" (12:00).
    let to = from - egui::vec2(0.0, 4.0 * 36.0);
    h.hover_at(from);
    h.run();
    h.drag_at(from);
    h.run();
    h.hover_at(to);
    h.run();
    h.drop_at(to);
    h.run();
    assert!(h.query_by_label_contains("in the past").is_some());
    button(&h, "Move").click();
    h.run();
    assert!(reschedules(&h).is_empty());
}
