//! The keyboard (issue "Daily use", item 2): ↑/↓/Enter in the calendar's agenda. Single views
//! drawn from a hand-made `AppState`; the tests press keys and assert the intents queued.

use egui_kittest::Harness;
use release_desk::app::event::AppEvent;
use release_desk::app::intents::{Intent, Route, Window};
use release_desk::app::state::AppState;
use release_desk::app::views::ViewCtx;
use release_desk::app::views::calendar::CalendarView;
use release_desk::cma::{EntityKind, ScheduledAction};
use serde_json::json;

const NOW: &str = "2026-12-01T12:00:00Z";

fn scheduled(id: &str, link_type: &str, target: &str, at: &str) -> ScheduledAction {
    serde_json::from_value(json!({
        "entity": { "sys": { "type": "Link", "linkType": link_type, "id": target } },
        "environment": { "sys": { "type": "Link", "linkType": "Environment", "id": "master" } },
        "action": "publish",
        "scheduledFor": { "datetime": at, "timezone": "UTC" },
        "sys": { "type": "ScheduledAction", "id": id, "version": 1, "status": "scheduled" },
    }))
    .unwrap()
}

struct Calendar {
    view: CalendarView,
    state: AppState,
    intents: Vec<Intent>,
}

/// Today (in UTC) holds a release's publish at 14:00 and an entry's at 15:00.
fn calendar_harness() -> Harness<'static, Calendar> {
    let mut state = AppState::default();
    let _ = state.apply(AppEvent::ScheduledActionsLoaded {
        from: "2026-11-01T00:00:00Z".parse().unwrap(),
        to: "2027-01-01T00:00:00Z".parse().unwrap(),
        items: vec![
            scheduled("sa-2", "Entry", "entry-1", "2026-12-01T15:00:00.000Z"),
            scheduled("sa-1", "Release", "r1", "2026-12-01T14:00:00.000Z"),
        ],
    });
    let mut view = CalendarView::new(NOW.parse().unwrap());
    view.set_zone("UTC".into());
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_ui_state(
            |ui, c: &mut Calendar| {
                let mut cx = ViewCtx::new(&c.state, &mut c.intents, NOW.parse().unwrap());
                c.view.ui(ui, &mut cx);
            },
            Calendar {
                view,
                state,
                intents: Vec::new(),
            },
        )
}

fn opened(h: &Harness<'static, Calendar>) -> Vec<Intent> {
    h.state()
        .intents
        .iter()
        .filter(|i| matches!(i, Intent::Go(_) | Intent::Open(_)))
        .cloned()
        .collect()
}

#[test]
fn arrows_walk_the_days_agenda_and_enter_opens_the_highlighted_action() {
    let mut h = calendar_harness();
    h.run();
    // Enter with nothing highlighted does nothing.
    h.key_press(egui::Key::Enter);
    h.run();
    assert!(opened(&h).is_empty());
    // ↓ highlights the first action of the day (14:00, the release), Enter opens it.
    h.key_press(egui::Key::ArrowDown);
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(opened(&h), vec![Intent::Go(Route::Release("r1".into()))]);
    // ↓ twice stops at the last (15:00, the entry); ↑ goes back.
    h.key_press(egui::Key::ArrowDown);
    h.run();
    h.key_press(egui::Key::ArrowDown);
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    h.key_press(egui::Key::ArrowUp);
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(
        opened(&h),
        vec![
            Intent::Go(Route::Release("r1".into())),
            Intent::Open(Window::Entity(EntityKind::Entry, "entry-1".into())),
            Intent::Go(Route::Release("r1".into())),
        ]
    );
}
