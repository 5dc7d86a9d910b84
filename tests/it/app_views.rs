//! Views with no backend: one view drawn by `Harness` from a hand-made `AppState`, clicked
//! through AccessKit (role + label); the test asserts the intents it queued. No worker, no
//! sandbox, no waiting.

use crate::selectors::{button, has_button};
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

fn entry_1() -> release_desk::cma::Entity {
    serde_json::from_value(serde_json::json!({
        "fields": { "title": { "en-US": "Lisbon by tram" } },
        "sys": { "type": "Entry", "id": "entry-1", "version": 2,
                 "contentType": { "sys": { "type": "Link", "linkType": "ContentType", "id": "article" } } },
    }))
    .unwrap()
}

/// What the view asked for, less the readiness checks it sends for itself while shown.
fn acted(h: &Harness<'static, Detail>) -> Vec<Intent> {
    h.state()
        .intents
        .iter()
        .filter(|i| {
            !matches!(
                i,
                Intent::Run(
                    Command::CheckReadiness { .. }
                        | Command::LoadChanges { .. }
                        | Command::CheckUnpublish { .. }
                )
            )
        })
        .cloned()
        .collect()
}

fn detail_harness() -> Harness<'static, Detail> {
    let mut state = AppState::default();
    let _ = state.apply(AppEvent::ReleaseUpdated(release_with_one_entry()));
    // As the worker leaves it after opening the release: its entity loaded by id.
    let _ = state.apply(AppEvent::EntitiesResolved {
        requested: vec![(release_desk::cma::EntityKind::Entry, "entry-1".into())],
        found: vec![entry_1()],
        error: None,
    });
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
    button(&h, "Publish…").click();
    h.run();
    assert!(h.query_by_label("Publish release?").is_some());
    assert!(acted(&h).is_empty(), "nothing runs before the confirmation");
    h.get_by_role_and_label(Role::Button, "Publish").click();
    h.run();
    assert_eq!(
        acted(&h),
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
    button(&h, "Back to releases").click();
    h.run();
    assert_eq!(
        acted(&h),
        vec![
            Intent::Go(Route::ReleaseList),
            Intent::Run(Command::DismissConflict)
        ]
    );
}

// ---- issue 11, bug 8: Esc closes "New release" and "Add entries" ----------------------------

/// The releases list drawn from a hand-made state.
struct List {
    view: release_desk::app::views::releases::ReleasesView,
    state: AppState,
    intents: Vec<Intent>,
}

fn list_harness() -> Harness<'static, List> {
    let mut state = AppState::default();
    let _ = state.apply(AppEvent::ReleaseUpdated(release_with_one_entry()));
    state.releases_loaded = true;
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_ui_state(
            |ui, l: &mut List| {
                let now = "2026-12-01T12:00:00Z".parse().unwrap();
                let mut cx = ViewCtx::new(&l.state, &mut l.intents, now);
                l.view.ui(ui, &mut cx);
            },
            List {
                view: release_desk::app::views::releases::ReleasesView::new(),
                state,
                intents: Vec::new(),
            },
        )
}

#[test]
fn esc_closes_the_new_release_dialog() {
    let mut h = list_harness();
    h.run();
    button(&h, "New release…").click();
    // The entry list shows a spinner (no entries in this state): step, do not settle.
    h.run_steps(3);
    assert!(h.query_by_label("New release").is_some());
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
    assert!(h.query_by_label("New release").is_none(), "Esc closes it");
}

#[test]
fn esc_closes_add_entries_and_stays_on_the_release() {
    let mut h = detail_harness();
    h.run();
    button(&h, "Add entries…").click();
    h.run_steps(3);
    assert!(h.query_by_label("Add entries").is_some());
    h.state_mut().intents.clear();
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
    assert!(h.query_by_label("Add entries").is_none(), "Esc closes it");
    assert!(
        !h.state().intents.contains(&Intent::Go(Route::ReleaseList)),
        "the same Esc does not also leave the release"
    );
    // A second Esc, with nothing open, goes back to the list.
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(h.state().intents.contains(&Intent::Go(Route::ReleaseList)));
}

// ---- the schedule dialog (issue 11, bugs 3, 11, 12) ------------------------------------------

/// The schedule dialog drawn over an empty area, from a hand-made state.
struct Dialog {
    dialog: release_desk::app::views::schedule_dialog::ScheduleDialog,
    state: AppState,
    intents: Vec<Intent>,
}

const DIALOG_NOW: &str = "2026-12-01T12:00:00Z";

fn empty_release() -> Release {
    serde_json::from_value(serde_json::json!({
        "title": "Empty Winter Issue",
        "entities": { "sys": { "type": "Array" }, "items": [] },
        "sys": { "type": "Release", "id": "r-empty", "version": 1, "status": "active" },
    }))
    .unwrap()
}

fn dialog_harness(target: &str) -> Harness<'static, Dialog> {
    use release_desk::app::views::schedule_dialog::{ScheduleDialog, ScheduleRequest};
    use release_desk::cma::{Link, LinkType};
    let mut state = AppState::default();
    let _ = state.apply(AppEvent::ReleaseUpdated(release_with_one_entry()));
    let _ = state.apply(AppEvent::ReleaseUpdated(empty_release()));
    let request = ScheduleRequest::for_target(Link::new(LinkType::Release, target));
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_ui_state(
            |ui, d: &mut Dialog| {
                let now = DIALOG_NOW.parse().unwrap();
                let mut cx = ViewCtx::new(&d.state, &mut d.intents, now);
                let ctx = ui.ctx().clone();
                d.dialog.show(&ctx, &mut cx);
            },
            Dialog {
                dialog: ScheduleDialog::new(request, DIALOG_NOW.parse().unwrap()),
                state,
                intents: Vec::new(),
            },
        )
}

fn is_disabled(h: &Harness<'static, Dialog>, label: &str) -> bool {
    use egui_kittest::kittest::NodeT;
    h.get_by_role_and_label(Role::Button, label)
        .accesskit_node()
        .is_disabled()
}

/// Bug 11: the calendar (the dialog's picker) let an empty release be scheduled; its page does
/// not.
#[test]
fn the_dialog_refuses_to_schedule_an_empty_release() {
    let mut h = dialog_harness("r-empty");
    h.run_steps(4);
    assert!(
        h.query_by_label_contains("is empty: add entries").is_some(),
        "the dialog says why"
    );
    assert!(is_disabled(&h, "📅 Schedule"));
    button(&h, "Schedule").click();
    h.run_steps(2);
    assert!(
        !h.state()
            .intents
            .iter()
            .any(|i| matches!(i, Intent::Run(Command::CreateSchedule { .. }))),
        "nothing is sent"
    );
}

#[test]
fn the_dialog_schedules_a_release_with_entries() {
    let mut h = dialog_harness("r1");
    h.run_steps(4);
    assert!(h.query_by_label_contains("is empty").is_none());
    assert!(!is_disabled(&h, "📅 Schedule"));
}

/// Bug 12: with an unreadable date typed, the picker still showed the last good day.
#[test]
fn the_date_picker_shows_the_typed_day_or_none() {
    let mut h = dialog_harness("r1");
    h.run_steps(4);
    assert!(has_button(&h, "Tue 1 Dec 2026"));
    h.get_by_label("Date (YYYY-MM-DD)")
        .set_text_value_accesskit("2026-12-24");
    h.run_steps(3);
    assert!(has_button(&h, "Thu 24 Dec 2026"));
    h.get_by_label("Date (YYYY-MM-DD)")
        .set_text_value_accesskit("2026-12-2x");
    h.run_steps(3);
    assert!(
        !has_button(&h, "Thu 24 Dec 2026") && !has_button(&h, "Tue 1 Dec 2026"),
        "the picker shows no day the text does not name"
    );
    assert!(has_button(&h, "Pick a day"));
}

/// Bug 3: the dialog was centred, so a notice appearing below the form moved the fields up
/// under the pointer ("10:45" landed in the Date box).
#[test]
fn the_schedule_dialog_fields_stay_put_when_notices_appear() {
    let mut h = dialog_harness("r1");
    h.run_steps(4);
    let fields = |h: &Harness<'static, Dialog>| {
        (
            h.get_by_label("Date (YYYY-MM-DD)").rect(),
            h.get_by_label("Time (HH:MM)").rect(),
        )
    };
    let before = fields(&h);
    assert!(h.query_by_label_contains("is not a time like").is_none());
    h.get_by_label("Time (HH:MM)")
        .set_text_value_accesskit("9h");
    h.run_steps(4);
    assert!(
        h.query_by_label_contains("is not a time like").is_some(),
        "a notice appeared"
    );
    assert_eq!(fields(&h), before, "the fields did not move");
    // The notice goes: still in place.
    h.get_by_label("Time (HH:MM)")
        .set_text_value_accesskit("14:00");
    h.run_steps(4);
    assert_eq!(fields(&h), before);
}

// ---- issue 14: the entries view pages from the server -----------------------------------------

/// The entries view drawn from a hand-made state; commands are marked in the state after each
/// frame, as the app does (`on_sent`), so a view that asks twice would show in `intents`.
struct Entries {
    view: release_desk::app::views::entries::EntriesView,
    state: AppState,
    intents: Vec<Intent>,
}

fn category(id: &str, name: &str) -> release_desk::cma::Entity {
    serde_json::from_value(serde_json::json!({
        "fields": { "name": { "en-US": name } },
        "sys": { "type": "Entry", "id": id, "version": 1,
                 "contentType": { "sys": { "type": "Link", "linkType": "ContentType", "id": "category" } } },
    }))
    .unwrap()
}

fn entries_harness() -> Harness<'static, Entries> {
    let mut state = AppState::default();
    let _ = state.apply(AppEvent::SpaceLoaded {
        name: "Northwind Journal".into(),
        content_types: vec![
            serde_json::from_value(serde_json::json!({
                "sys": { "id": "category", "type": "ContentType" },
                "name": "Category", "displayField": "name", "fields": [],
            }))
            .unwrap(),
        ],
        locales: Vec::new(),
    });
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_ui_state(
            |ui, e: &mut Entries| {
                let now = "2026-12-01T12:00:00Z".parse().unwrap();
                let before = e.intents.len();
                let mut cx = ViewCtx::new(&e.state, &mut e.intents, now);
                e.view.ui(ui, &mut cx);
                for intent in &e.intents[before..] {
                    if let Intent::Run(command) = intent {
                        e.state.on_sent(command);
                    }
                }
            },
            Entries {
                view: release_desk::app::views::entries::EntriesView::default(),
                state,
                intents: Vec::new(),
            },
        )
}

/// The page requests the view queued, as (page, refresh).
fn page_requests(h: &Harness<'static, Entries>) -> Vec<(usize, bool)> {
    h.state()
        .intents
        .iter()
        .filter_map(|i| match i {
            Intent::Run(Command::LoadEntityPage { page, refresh, .. }) => Some((*page, *refresh)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_entries_view_asks_for_the_pages_its_rows_fall_on_once_and_shows_placeholders() {
    use release_desk::app::command::EntityQuery;
    let mut h = entries_harness();
    h.run_steps(3);
    assert_eq!(page_requests(&h), vec![(0, false)], "the first page, once");
    assert!(h.query_by_label("Loading entries…").is_some());
    // The first page arrives: 100 rows of 250; the table is as long as the server's total.
    let items = (0..100)
        .map(|i| category(&format!("c{i}"), &format!("Category {i:03}")))
        .collect();
    let _ = h.state_mut().state.apply(AppEvent::EntityPageLoaded {
        query: EntityQuery::default(),
        page: 0,
        total: 250,
        items,
    });
    h.run_steps(3);
    assert!(h.query_by_label("Category 000").is_some());
    assert!(h.query_by_label("250 entries").is_some());
    assert_eq!(
        page_requests(&h),
        vec![(0, false)],
        "page 0's rows need no more"
    );
    // End: the last rows are placeholders until their page (2) arrives; asked for once.
    h.key_press(egui::Key::End);
    h.run_steps(4);
    assert!(h.query_by_label("Category 000").is_none(), "scrolled");
    assert!(h.query_all_by_label("Loading…").count() > 3);
    let asked = page_requests(&h);
    assert_eq!(
        asked.iter().filter(|(page, _)| *page == 2).count(),
        1,
        "page 2 once: {asked:?}"
    );
    // ⟳ reloads: page 0 again, forgetting the loaded pages.
    h.get_by_role_and_label(Role::Button, "⟳").click();
    h.run_steps(2);
    assert_eq!(page_requests(&h).last(), Some(&(0, true)));
}

fn schedule_of_r1(
    id: &str,
    at: &str,
    status: &str,
    updated: &str,
) -> release_desk::cma::ScheduledAction {
    serde_json::from_value(serde_json::json!({
        "entity": {"sys": {"type": "Link", "linkType": "Release", "id": "r1"}},
        "environment": {"sys": {"type": "Link", "linkType": "Environment", "id": "master"}},
        "action": "publish",
        "scheduledFor": {"datetime": at, "timezone": "America/New_York"},
        "sys": {"type": "ScheduledAction", "id": id, "version": 2, "status": status,
                "createdAt": "2026-11-01T00:00:00.000Z", "updatedAt": updated},
    }))
    .unwrap()
}

#[test]
fn the_detail_says_when_the_release_next_publishes_and_that_the_last_run_was_late() {
    let mut h = detail_harness();
    let _ = h
        .state_mut()
        .state
        .apply(AppEvent::ReleaseSchedulesLoaded(vec![
            schedule_of_r1(
                "next",
                "2026-12-08T14:00:00.000Z",
                "scheduled",
                "2026-11-01T00:00:00.000Z",
            ),
            // Due at 09:00 UTC, run at 11:05 (the sandbox was stopped in between).
            schedule_of_r1(
                "late",
                "2026-11-30T09:00:00.000Z",
                "succeeded",
                "2026-11-30T11:05:00.000Z",
            ),
        ]));
    h.run();
    let says = |text: &str| {
        h.query_all(egui_kittest::kittest::by().predicate(move |n| {
            n.label()
                .or_else(|| n.value())
                .is_some_and(|l| l.contains(text))
        }))
        .next()
        .is_some()
    };
    assert!(
        says("Publishes Tue 8 Dec 09:00 EST"),
        "in the schedule's zone"
    );
    assert!(says("last scheduled publish ran 2 h 5 min late"));
}

#[test]
fn a_removed_entry_can_be_put_back_with_undo() {
    use release_desk::cma::ReleaseBody;
    let mut h = detail_harness();
    h.run();
    button(&h, "Remove from the release").click();
    h.run();
    let updates = |h: &Harness<'static, Detail>| -> Vec<(u64, ReleaseBody)> {
        h.state()
            .intents
            .iter()
            .filter_map(|i| match i {
                Intent::Run(Command::UpdateRelease { version, body, .. }) => {
                    Some((*version, body.clone()))
                }
                _ => None,
            })
            .collect()
    };
    assert_eq!(updates(&h).len(), 1);
    assert!(updates(&h)[0].1.entities.is_empty());
    // The server saved it: version 4, empty.
    let mut saved = release_with_one_entry();
    saved.sys.version = 4;
    saved.entities.items.clear();
    let _ = h.state_mut().state.apply(AppEvent::ReleaseUpdated(saved));
    h.run();
    let notice = h
        .query_all(egui_kittest::kittest::by().predicate(|n| {
            n.value()
                .or_else(|| n.label())
                .is_some_and(|l| l.starts_with("Removed '"))
        }))
        .next();
    assert!(notice.is_some(), "the undo notice shows");
    button(&h, "Undo").click();
    h.run();
    let (version, body) = updates(&h).pop().unwrap();
    assert_eq!(version, 4, "the undo edits the release as it is now");
    assert_eq!(body.entities, release_with_one_entry().entities);
    // Once back, the notice goes.
    let _ = h
        .state_mut()
        .state
        .apply(AppEvent::ReleaseUpdated(release_with_one_entry()));
    h.run();
    assert!(!has_button(&h, "Undo"));
}

#[test]
fn the_add_entries_picker_refuses_archived_entries_names_their_releases_and_enter_picks() {
    use release_desk::app::command::PickerId;
    let mut h = detail_harness();
    let _ = h.state_mut().state.apply(AppEvent::SpaceLoaded {
        name: "Northwind".into(),
        content_types: vec![
            serde_json::from_value(serde_json::json!({
                "sys": { "id": "article", "type": "ContentType" },
                "name": "Article", "displayField": "title", "fields": [],
            }))
            .unwrap(),
        ],
        locales: Vec::new(),
    });
    h.run();
    button(&h, "Add entries…").click();
    h.run_steps(2);
    let search = h
        .state()
        .intents
        .iter()
        .find_map(|i| match i {
            Intent::Run(Command::SearchEntities { picker, search }) => {
                assert_eq!(*picker, PickerId::AddEntries);
                Some(search.clone())
            }
            _ => None,
        })
        .expect("the picker searched");
    // As the app does with every command it sends.
    h.state_mut().state.on_sent(&Command::SearchEntities {
        picker: PickerId::AddEntries,
        search: search.clone(),
    });
    let entity = |id: &str, title: &str, archived: bool| -> release_desk::cma::Entity {
        let mut sys = serde_json::json!({ "type": "Entry", "id": id, "version": 2,
            "contentType": { "sys": { "type": "Link", "linkType": "ContentType", "id": "article" } } });
        if archived {
            sys["archivedVersion"] = 2.into();
            sys["archivedAt"] = "2026-11-01T00:00:00.000Z".into();
        }
        serde_json::from_value(serde_json::json!({
            "fields": { "title": { "en-US": title } }, "sys": sys }))
        .unwrap()
    };
    let _ = h.state_mut().state.apply(AppEvent::EntitySearchLoaded {
        picker: PickerId::AddEntries,
        search,
        items: vec![
            entity("old", "Old news", true),
            entity("new", "Fresh news", false),
        ],
        memberships: vec![(
            (release_desk::cma::EntityKind::Entry, "new".into()),
            "Autumn relaunch".into(),
        )],
        releases: Vec::new(),
    });
    h.run_steps(2);
    let in_release = h
        .query_all(egui_kittest::kittest::by().predicate(|n| {
            n.value()
                .or_else(|| n.label())
                .is_some_and(|l| l == "in Autumn relaunch")
        }))
        .next();
    assert!(in_release.is_some(), "says which release it is already in");
    let archived = h.get_by_role_and_label(Role::CheckBox, "Old news");
    assert!(
        egui_kittest::kittest::NodeT::accesskit_node(&archived).is_disabled(),
        "an archived entry cannot be picked"
    );
    // The search box has the focus: Enter picks the first entry that can be picked.
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert!(has_button(&h, "Add 1"));
}
