//! The keyboard (issue "Daily use", item 2): ↑/↓/Enter in the calendar's agenda; the command
//! palette finds releases and entries by name on the server and offers the current view's
//! actions with their shortcuts. Single views drawn from a hand-made `AppState`; the tests
//! press keys and assert the intents queued and the choices made.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::command::{Command, PickerId};
use release_desk::app::event::AppEvent;
use release_desk::app::intents::{Intent, Route, Window};
use release_desk::app::palette::{Palette, PaletteChoice};
use release_desk::app::state::AppState;
use release_desk::app::ui_command::UiCommand;
use release_desk::app::views::ViewCtx;
use release_desk::app::views::calendar::CalendarView;
use release_desk::cma::{EntityKind, ScheduledAction};
use serde_json::json;

pub(crate) const NOW: &str = "2026-12-01T12:00:00Z";

pub(crate) fn scheduled(id: &str, link_type: &str, target: &str, at: &str) -> ScheduledAction {
    serde_json::from_value(json!({
        "entity": { "sys": { "type": "Link", "linkType": link_type, "id": target } },
        "environment": { "sys": { "type": "Link", "linkType": "Environment", "id": "master" } },
        "action": "publish",
        "scheduledFor": { "datetime": at, "timezone": "UTC" },
        "sys": { "type": "ScheduledAction", "id": id, "version": 1, "status": "scheduled" },
    }))
    .unwrap()
}

/// The calendar view drawn from a hand-made state, with the intents it queued.
pub(crate) struct Calendar {
    pub view: CalendarView,
    pub state: AppState,
    pub intents: Vec<Intent>,
}

/// Today (in UTC) holds a release's publish at 14:00 and an entry's at 15:00.
fn calendar_harness() -> Harness<'static, Calendar> {
    calendar_harness_sized(egui::vec2(1200.0, 800.0))
}

/// [`calendar_harness`] in a window of `size`.
pub(crate) fn calendar_harness_sized(size: egui::Vec2) -> Harness<'static, Calendar> {
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
    Harness::builder().with_size(size).build_ui_state(
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

// ---- The command palette: jump by name, run the view's actions -----------------------------

struct PaletteHost {
    palette: Palette,
    view_actions: Vec<UiCommand>,
    state: AppState,
    intents: Vec<Intent>,
    chosen: Option<PaletteChoice>,
}

fn palette_harness(view_actions: Vec<UiCommand>) -> Harness<'static, PaletteHost> {
    Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .build_ui_state(
            |ui, p: &mut PaletteHost| {
                let ctx = ui.ctx().clone();
                let sent = p.intents.len();
                let mut cx = ViewCtx::new(&p.state, &mut p.intents, NOW.parse().unwrap());
                let (chosen, _open) = p.palette.show(&ctx, &mut cx, &p.view_actions);
                // As the app does: a command sent marks the state (the search is latest).
                for intent in &p.intents[sent..] {
                    if let Intent::Run(command) = intent {
                        p.state.on_sent(command);
                    }
                }
                if chosen.is_some() {
                    p.chosen = chosen;
                }
            },
            PaletteHost {
                palette: Palette::default(),
                view_actions,
                state: AppState::default(),
                intents: Vec::new(),
                chosen: None,
            },
        )
}

fn type_filter(h: &mut Harness<'static, PaletteHost>, text: &str) {
    h.get_by_label("Command filter")
        .set_text_value_accesskit(text);
    // Past the search's debounce (the harness steps a quarter second).
    h.run_steps(3);
}

fn searches(h: &Harness<'static, PaletteHost>) -> Vec<Command> {
    h.state()
        .intents
        .iter()
        .filter_map(|i| match i {
            Intent::Run(c @ (Command::SearchReleases { .. } | Command::SearchEntities { .. })) => {
                Some(c.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_palette_finds_releases_and_entries_by_name_on_the_server() {
    let mut h = palette_harness(Vec::new());
    h.run();
    type_filter(&mut h, "lisbon");
    assert_eq!(
        searches(&h),
        vec![
            Command::SearchReleases {
                search: "lisbon".into()
            },
            Command::SearchEntities {
                picker: PickerId::Palette,
                search: "lisbon".into()
            },
        ],
        "one search of each, after the debounce"
    );
    let entry: release_desk::cma::Entity = serde_json::from_value(json!({
        "fields": { "title": { "en-US": "Lisbon by tram" } },
        "sys": { "type": "Entry", "id": "entry-1", "version": 2 },
    }))
    .unwrap();
    let state = &mut h.state_mut().state;
    let _ = state.apply(AppEvent::ReleaseSearchLoaded {
        search: "lisbon".into(),
        hits: vec![("r1".into(), "Lisbon launch".into())],
    });
    // A slow reply to older words is dropped.
    let _ = state.apply(AppEvent::ReleaseSearchLoaded {
        search: "lis".into(),
        hits: vec![("r0".into(), "Lisbon archive".into())],
    });
    let _ = state.apply(AppEvent::EntitySearchLoaded {
        picker: PickerId::Palette,
        search: "lisbon".into(),
        items: vec![entry],
        memberships: Vec::new(),
        releases: Vec::new(),
    });
    h.run();
    assert!(h.query_by_label("Open release 'Lisbon launch'").is_some());
    assert!(h.query_by_label("Open release 'Lisbon archive'").is_none());
    // No command matches "lisbon": the release is the first row, Enter opens it.
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(h.state().chosen, Some(PaletteChoice::Release("r1".into())));
    h.get_by_label("Open 'Lisbon by tram'").click();
    h.run();
    assert_eq!(
        h.state().chosen,
        Some(PaletteChoice::Entity(EntityKind::Entry, "entry-1".into()))
    );
    assert_eq!(
        searches(&h).len(),
        2,
        "no search repeats for the same words"
    );
}

#[test]
fn the_palette_offers_the_views_actions_first_with_their_shortcuts() {
    let mut h = palette_harness(vec![UiCommand::ValidateRelease, UiCommand::ScheduleRelease]);
    h.run();
    assert!(h.query_by_label("Validate this release").is_some());
    assert!(h.query_by_label("Schedule this release…").is_some());
    let shortcut = h
        .ctx
        .format_shortcut(&UiCommand::ValidateRelease.shortcut().unwrap());
    assert!(h.query_by_label(&shortcut).is_some(), "{shortcut} shown");
    type_filter(&mut h, "sched");
    h.key_press(egui::Key::Enter);
    // The search it sent is unanswered here: its spinner keeps repainting.
    h.run_steps(2);
    assert_eq!(
        h.state().chosen,
        Some(PaletteChoice::Command(UiCommand::ScheduleRelease))
    );
    // Elsewhere the view actions are not offered.
    let mut h = palette_harness(Vec::new());
    h.run();
    assert!(h.query_by_label("Validate this release").is_none());
}

/// End to end against the sandbox: Ctrl+K, a release's name, Enter opens it; on it, the
/// palette's Validate runs the release action, and Ctrl+Shift+S opens its schedule dialog.
#[test]
fn the_palette_jumps_to_a_release_by_name_and_runs_its_actions() {
    use crate::app_support::{AppFixture, has_label, step_until};
    let mut f = AppFixture::start(release_desk::sandbox::SandboxConfig::default());
    step_until(&mut f.harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue")
    });
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    step_until(&mut f.harness, "the palette", |h| {
        has_label(h, "Go to Entries")
    });
    f.harness
        .get_by_label("Command filter")
        .type_text("Spring Travel");
    step_until(&mut f.harness, "the release found by name", |h| {
        has_label(h, "Open release 'Spring Travel Issue'")
    });
    f.harness.key_press(egui::Key::Enter);
    step_until(&mut f.harness, "the release detail", |h| {
        crate::selectors::has_button(h, "Validate") && !has_label(h, "Command filter")
    });
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    step_until(
        &mut f.harness,
        "the palette with the release's actions",
        |h| has_label(h, "Validate this release"),
    );
    f.harness
        .get_by_label("Command filter")
        .type_text("validate");
    f.harness.step();
    f.harness.key_press(egui::Key::Enter);
    step_until(&mut f.harness, "the validation", |h| {
        h.state()
            .state()
            .actions
            .iter()
            .any(|a| a.action == release_desk::cma::ActionKind::Validate)
    });
    f.harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::S,
    );
    step_until(&mut f.harness, "the schedule dialog", |h| {
        has_label(h, "Time zone") && has_label(h, "24-hour clock: 09:30, or 09:30:15")
    });
}

/// Ctrl+Shift+P on an open release asks to publish it, as its Publish… button does (nothing
/// runs before the confirmation).
#[test]
fn the_publish_shortcut_opens_the_release_confirmation() {
    use crate::app_support::{AppFixture, has_label, step_until};
    let mut f = AppFixture::start(release_desk::sandbox::SandboxConfig::default());
    step_until(&mut f.harness, "the releases list", |h| {
        has_label(h, "Spring Travel Issue")
    });
    f.harness.get_by_label("Spring Travel Issue").click();
    step_until(&mut f.harness, "the release detail", |h| {
        crate::selectors::has_button(h, "Validate")
    });
    f.harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::P,
    );
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "Publish release?")
    });
    assert!(h_actions_empty(&f), "nothing runs before the user confirms");
}

fn h_actions_empty(f: &crate::app_support::AppFixture) -> bool {
    f.harness.state().state().actions.is_empty()
}
