//! Views with no backend: one view drawn by `Harness` from a hand-made `AppState`, clicked
//! through AccessKit (role + label); the test asserts the intents it queued. No worker, no
//! sandbox, no waiting.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::command::Command;
use release_desk::app::event::AppEvent;
use release_desk::app::intents::{Intent, Route};
use release_desk::app::state::AppState;
use release_desk::app::views::ViewCtx;
use release_desk::app::views::release_detail::ReleaseDetailView;
use release_desk::cma::{ActionKind, Release};

/// What the harness holds: the view, the state it draws from, the intents it pushed.
struct Detail {
    view: ReleaseDetailView,
    state: AppState,
    intents: Vec<Intent>,
}

fn release_with_one_entry() -> Release {
    serde_json::from_value(serde_json::json!({
        "title": "Spring Travel Issue",
        "entities": { "sys": { "type": "Array" }, "items": [
            { "sys": { "type": "Link", "linkType": "Entry", "id": "entry-1" } }
        ] },
        "sys": { "type": "Release", "id": "r1", "version": 3, "status": "active" },
    }))
    .unwrap()
}

fn detail_harness() -> Harness<'static, Detail> {
    let mut state = AppState::default();
    let _ = state.apply(AppEvent::ReleaseUpdated(release_with_one_entry()));
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_ui_state(
            |ui, d: &mut Detail| {
                let now = "2026-12-01T12:00:00Z".parse().unwrap();
                let mut cx = ViewCtx::new(&d.state, &mut d.intents, now);
                d.view.ui(ui, &mut cx);
            },
            Detail {
                view: ReleaseDetailView::new("r1".into()),
                state,
                intents: Vec::new(),
            },
        )
}

#[test]
fn publish_asks_first_then_queues_the_release_action() {
    let mut h = detail_harness();
    h.run();
    h.get_by_role_and_label(Role::Button, "⬆ Publish…").click();
    h.run();
    assert!(h.query_by_label("Publish release?").is_some());
    assert!(
        h.state().intents.is_empty(),
        "nothing runs before the confirmation"
    );
    h.get_by_role_and_label(Role::Button, "Publish").click();
    h.run();
    assert_eq!(
        h.state().intents,
        vec![Intent::Run(Command::RunReleaseAction {
            id: "r1".into(),
            action: ActionKind::Publish,
        })]
    );
    assert!(h.query_by_label("Publish release?").is_none());
}

#[test]
fn back_goes_to_the_list_and_drops_the_conflict_notice() {
    let mut h = detail_harness();
    h.run();
    h.get_by_role_and_label(Role::Button, "⏴ Releases").click();
    h.run();
    assert_eq!(
        h.state().intents,
        vec![
            Intent::Go(Route::ReleaseList),
            Intent::Run(Command::DismissConflict)
        ]
    );
}
