//! Data-driven tests of [`AppState`]: commands sent and events received in, a compact picture
//! of the state and the effects out (`check(steps, expected)`, after rust-analyzer's style).

#![allow(clippy::unwrap_used)]

use super::*;
use crate::app::command::ScheduledQuery;
use crate::cma::{ActionKind, ActionStatus};

/// One thing that happens to the state.
enum Step {
    /// The app sent this command.
    Sent(Command),
    /// The current connection's worker answered this.
    Got(AppEvent),
    /// A worker of this epoch answered this (the current epoch is 2).
    From(Epoch, AppEvent),
}
use Step::*;

const CURRENT: Epoch = Epoch(2);

fn check(steps: Vec<Step>, expected: &str) {
    let mut state = AppState {
        epoch: CURRENT,
        ..AppState::default()
    };
    let mut log = Vec::new();
    for step in steps {
        let effects = match step {
            Sent(command) => {
                if !state.on_sent(&command) {
                    log.push(format!("state only: {command:?}"));
                }
                Vec::new()
            }
            Got(event) => state.receive(Stamped {
                epoch: Some(CURRENT),
                event,
            }),
            From(epoch, event) => state.receive(Stamped {
                epoch: Some(epoch),
                event,
            }),
        };
        log.extend(effects.iter().map(effect_line));
    }
    let actual = format!("{}{}", picture(&state), log.join("\n"));
    let expected: Vec<&str> = expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        actual.trim(),
        expected.join("\n"),
        "\n--- actual ---\n{actual}\n"
    );
}

/// The parts of the state these tests look at, one line each, only when not empty.
fn picture(state: &AppState) -> String {
    let mut out = String::new();
    if state.releases_loaded {
        let titles: Vec<&str> = state.releases.iter().map(|r| r.title.as_str()).collect();
        out += &format!("releases: [{}]\n", titles.join(", "));
    }
    let loading: Vec<&str> = [
        (state.releases_loading, "releases"),
        (state.scheduled_loading, "scheduled range"),
        (state.scheduled_page.loading, "scheduled page"),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    if !loading.is_empty() {
        out += &format!("loading: {}\n", loading.join(", "));
    }
    if let Some(error) = &state.releases_error {
        out += &format!("releases error: {error}\n");
    }
    for action in &state.actions {
        out += &format!(
            "action {}: {} {}\n",
            action.id, action.action, action.status
        );
    }
    if state.connection_testing {
        out += "connection test running\n";
    }
    if state.connection_status != ConnectionStatus::Connecting {
        out += &format!("connection: {:?}\n", state.connection_status);
    }
    if let Some(conflict) = &state.conflict {
        out += &format!("conflict: {}\n", conflict.what);
    }
    let pages = &state.entity_view.pages;
    if let Some(query) = &pages.query {
        let mut loaded: Vec<usize> = pages.pages.keys().copied().collect();
        loaded.sort_unstable();
        let mut loading: Vec<usize> = pages.loading.iter().copied().collect();
        loading.sort_unstable();
        out += &format!(
            "pages of '{}': total {:?}, loaded {loaded:?}, loading {loading:?}\n",
            query.search, pages.total
        );
        let rows: Vec<String> = [0, 1, 99, 100, 249]
            .into_iter()
            .filter_map(|i| pages.row(i).map(|(_, id)| format!("{i}={id}")))
            .collect();
        if !rows.is_empty() {
            out += &format!("rows: {}\n", rows.join(" "));
        }
    }
    if let Some(error) = &pages.error {
        out += &format!("pages error: {error}\n");
    }
    let sorted = |set: &std::collections::HashSet<EntityKey>| {
        let mut ids: Vec<&str> = set.iter().map(|(_, id)| id.as_str()).collect();
        ids.sort_unstable();
        ids.join(", ")
    };
    if !state.entity_view.resolving.in_flight.is_empty() {
        out += &format!(
            "resolving: {}\n",
            sorted(&state.entity_view.resolving.in_flight)
        );
    }
    if !state.entity_view.resolving.absent.is_empty() {
        out += &format!("absent: {}\n", sorted(&state.entity_view.resolving.absent));
    }
    let mut searches: Vec<_> = state.entity_view.searches.iter().collect();
    searches.sort_by_key(|(picker, _)| format!("{picker:?}"));
    for (picker, search) in searches {
        let ids: Vec<&str> = search.ids.iter().map(|(_, id)| id.as_str()).collect();
        out += &format!(
            "search {picker:?} '{}'{}: [{}]\n",
            search.search.words,
            if search.loading { " (loading)" } else { "" },
            ids.join(", ")
        );
    }
    if let Some(job) = &state.sandbox_load {
        let cancel = if job.cancellable {
            " (cancellable)"
        } else {
            ""
        };
        out += &format!("sandbox load: {}{cancel}\n", job.describe());
    }
    if let Some((source, report)) = &state.sandbox_load_report {
        out += &format!("last load: {source}: {} skipped\n", report.problems.len());
    }
    out
}

fn effect_line(effect: &Effect) -> String {
    match effect {
        Effect::Toast(Toast::Success(t)) => format!("toast success: {t}"),
        Effect::Toast(Toast::Info(t)) => format!("toast info: {t}"),
        Effect::Toast(Toast::Error(t)) => match &t.detail {
            Some(detail) => format!("toast error: {} [details: {detail}]", t.summary),
            None => format!("toast error: {}", t.summary),
        },
        Effect::OpenRelease(id) => format!("open release {id}"),
        Effect::CloseRelease(id) => format!("close release {id}"),
        Effect::RefreshReleases => "refresh releases".into(),
        Effect::ReloadReleaseList => "reload the releases list".into(),
        Effect::Reconnect { id, .. } => format!("reconnect {id:?}"),
    }
}

fn release(id: &str, title: &str) -> Release {
    serde_json::from_value(serde_json::json!({
        "title": title,
        "entities": { "sys": { "type": "Array" }, "items": [] },
        "sys": { "type": "Release", "id": id, "version": 1, "status": "active" },
    }))
    .unwrap()
}

fn search(words: &str) -> ReleaseQuery {
    ReleaseQuery {
        search: words.into(),
        archived: Some(false),
        order: "-sys.updatedAt".into(),
        timeline: false,
    }
}

fn load(words: &str) -> Command {
    Command::LoadReleases {
        query: search(words),
        cursor: None,
    }
}

fn loaded(words: &str, titles: &[&str]) -> AppEvent {
    AppEvent::ReleasesLoaded {
        query: search(words),
        unsupported: Vec::new(),
        items: titles
            .iter()
            .enumerate()
            .map(|(i, t)| release(&format!("r{i}"), t))
            .collect(),
        next_cursor: None,
        append: false,
    }
}

fn publish(id: &str, status: ActionStatus) -> AppEvent {
    AppEvent::ActionUpdated(TrackedAction {
        id: id.into(),
        target: ActionTarget::Release("r1".into()),
        action: ActionKind::Publish,
        status,
        error: None,
        label: "Release 'Spring Travel Issue'".into(),
        created_at: None,
    })
}

fn failed(kind: RequestKind) -> AppEvent {
    AppEvent::Failed {
        kind,
        message: "the server could not be reached".into(),
        detail: None,
    }
}

// ---- bug 1: the search race ------------------------------------------------------------------

#[test]
fn a_reply_to_an_older_search_never_overwrites_the_newer_one() {
    // "sp" answers last (slow), after "spring": the list keeps answering "spring".
    check(
        vec![
            Sent(load("sp")),
            Sent(load("spring")),
            Got(loaded("spring", &["Spring Travel Issue"])),
            Got(loaded("sp", &["Sports Weekly", "Spring Travel Issue"])),
        ],
        "releases: [Spring Travel Issue]",
    );
}

#[test]
fn a_reply_to_an_older_search_does_not_stop_the_spinner_of_the_newer() {
    check(
        vec![
            Sent(load("sp")),
            Sent(load("spring")),
            Got(loaded("sp", &["Sports Weekly", "Spring Travel Issue"])),
        ],
        "loading: releases",
    );
}

// ---- bug 2: events of an old connection -----------------------------------------------------

#[test]
fn events_of_an_older_connection_epoch_are_dropped() {
    check(
        vec![
            From(
                Epoch(1),
                publish("old-space-action", ActionStatus::InProgress),
            ),
            From(
                Epoch(1),
                publish("old-space-action", ActionStatus::Succeeded),
            ),
            From(Epoch(1), loaded("", &["Old space release"])),
            Got(publish("this-space-action", ActionStatus::InProgress)),
        ],
        "action this-space-action: publish inProgress",
    );
}

#[test]
fn events_without_an_epoch_are_applied_whatever_the_connection() {
    let mut state = AppState {
        epoch: CURRENT,
        ..AppState::default()
    };
    let effects = state.receive(Stamped {
        epoch: None,
        event: AppEvent::Notified("from the receiver".into()),
    });
    assert_eq!(effects.len(), 1);
}

// ---- bug 3: typed failures ----------------------------------------------------------------

#[test]
fn a_failed_list_page_does_not_stop_the_calendar_range_spinner() {
    // Both used to fail as "Loading scheduled actions"; the words matched, the range spinner
    // stopped while its request still ran.
    check(
        vec![
            Sent(Command::LoadScheduledActions {
                from: crate::cma::Timestamp(jiff::Timestamp::UNIX_EPOCH),
                to: crate::cma::Timestamp(jiff::Timestamp::UNIX_EPOCH),
            }),
            Sent(Command::LoadScheduledPage {
                query: ScheduledQuery::default(),
                cursor: None,
            }),
            Got(failed(RequestKind::LoadScheduledPage)),
        ],
        "loading: scheduled range
         toast error: Loading scheduled actions failed: the server could not be reached.",
    );
}

#[test]
fn failures_stop_their_own_spinner_and_say_what_failed_in_words() {
    check(
        vec![
            Sent(load("")),
            Got(failed(RequestKind::LoadLatestActions)),
            Got(failed(RequestKind::SetReleaseArchived(true))),
            Got(failed(RequestKind::StartReleaseAction {
                action: ActionKind::Publish,
                label: "Release 'Spring'".into(),
            })),
            Got(failed(RequestKind::LoadReleases)),
        ],
        "releases error: the server could not be reached
         toast error: Loading release actions failed: the server could not be reached.
         toast error: Archiving the release failed: the server could not be reached.
         toast error: Starting publish of Release 'Spring' failed: the server could not be reached.
         toast error: Loading releases failed: the server could not be reached.",
    );
}

// ---- pending flags and effects ------------------------------------------------------------

#[test]
fn a_created_release_is_listed_toasted_and_opened() {
    check(
        vec![
            Sent(load("")),
            Got(loaded("", &["Older"])),
            Got(AppEvent::ReleaseCreated(release("new", "Spring launch"))),
        ],
        "releases: [Spring launch, Older]
         toast success: Created release 'Spring launch'
         open release new",
    );
}

#[test]
fn a_finished_action_is_toasted_once() {
    check(
        vec![
            Got(publish("a1", ActionStatus::InProgress)),
            Got(publish("a1", ActionStatus::Succeeded)),
        ],
        "action a1: publish succeeded
         toast success: Release 'Spring Travel Issue': publish succeeded",
    );
}

#[test]
fn dismissing_a_conflict_is_state_only() {
    check(
        vec![
            Got(AppEvent::Conflict {
                what: RequestKind::UpdateRelease.to_string(),
                id: "r1".into(),
                current_version: Some(3),
                changed_by: None,
            }),
            Sent(Command::DismissConflict),
        ],
        "state only: DismissConflict",
    );
}

#[test]
fn a_sandbox_reset_reloads_the_list_with_the_views_query() {
    check(
        vec![
            Sent(load("")),
            Got(loaded("", &["Spring"])),
            Got(AppEvent::SandboxReset {
                at: jiff::Timestamp::UNIX_EPOCH,
            }),
        ],
        "releases: []
         toast success: Sandbox restored to the demo space
         reload the releases list",
    );
}

#[test]
fn reconnecting_forgets_the_old_space_keeps_the_profiles_and_drops_its_late_events() {
    let connection = |name: &str| ConnectionInfo {
        profile: name.into(),
        base_url: "http://127.0.0.1:1/".into(),
        space_id: name.into(),
        environment_id: "master".into(),
        is_sandbox: false,
        receiver: None,
    };
    let mut state = AppState::new(connection("home"), Epoch(1));
    let saved = crate::config::Profile {
        id: "other".into(),
        name: "Other".into(),
        space_id: "other".into(),
        environment_id: "master".into(),
        region: crate::config::RegionSetting::Eu,
        rate_limit: 7,
    };
    let _ = state.apply(AppEvent::ProfilesLoaded(vec![(saved, true)]));
    let _ = state.apply(loaded("", &["Home release"]));
    let _ = state.apply(publish("home-action", ActionStatus::InProgress));
    let epoch = state.reconnect(connection("other"), Some("other".into()));
    assert_eq!(epoch, Epoch(2));
    assert!(state.releases.is_empty() && state.actions.is_empty());
    assert_eq!(state.active_profile.as_deref(), Some("other"));
    assert_eq!(state.profiles.len(), 1, "the saved profiles stay");
    // The old worker's poller reports after the switch: dropped.
    let late = state.receive(Stamped {
        epoch: Some(Epoch(1)),
        event: publish("home-action", ActionStatus::Succeeded),
    });
    assert!(late.is_empty());
    assert!(state.actions.is_empty());
}

// ---- issue 11 ---------------------------------------------------------------------------

#[test]
fn a_deleted_release_leaves_the_list_and_closes_its_detail() {
    check(
        vec![
            Sent(load("")),
            Got(loaded("", &["Spring", "Autumn"])),
            Got(AppEvent::ReleaseDeleted("r0".into())),
        ],
        "releases: [Autumn]
         close release r0
         toast success: Deleted release 'Spring'",
    );
}

#[test]
fn a_release_deleted_elsewhere_closes_its_detail_without_an_error() {
    check(
        vec![
            Sent(load("")),
            Got(loaded("", &["Spring", "Autumn"])),
            Got(AppEvent::ReleaseGone("r1".into())),
        ],
        "releases: [Spring]
         close release r1
         toast info: Release 'Autumn' no longer exists (deleted elsewhere)",
    );
}

fn archived(mut release: Release) -> Release {
    release.sys.version += 2;
    release.sys.status = crate::cma::ReleaseStatus::Archived;
    release
}

#[test]
fn a_release_archived_by_its_publish_reloads_the_list() {
    // Publishing auto-archives: the active list must not keep showing it.
    check(
        vec![
            Sent(load("")),
            Got(loaded("", &["Spring", "Autumn"])),
            Got(AppEvent::ReleaseUpdated(archived(release("r0", "Spring")))),
        ],
        "releases: [Spring, Autumn]
         reload the releases list",
    );
}

#[test]
fn opening_an_unchanged_release_does_not_reload_the_list() {
    check(
        vec![
            Sent(load("")),
            Got(loaded("", &["Spring", "Autumn"])),
            Got(AppEvent::ReleaseUpdated(release("r0", "Spring"))),
        ],
        "releases: [Spring, Autumn]",
    );
}

fn release_action(id: &str, action: &str, created: &str) -> ReleaseAction {
    serde_json::from_value(serde_json::json!({
        "action": action,
        "sys": {
            "type": "ReleaseAction", "id": id, "status": "succeeded",
            "release": { "sys": { "type": "Link", "linkType": "Release", "id": "r1" } },
            "createdAt": created, "updatedAt": created,
        },
    }))
    .unwrap()
}

fn validated_this_session(created: &str) -> AppEvent {
    AppEvent::ActionUpdated(TrackedAction {
        id: "ours".into(),
        target: ActionTarget::Release("r1".into()),
        action: ActionKind::Validate,
        status: ActionStatus::Succeeded,
        error: None,
        label: "Release 'Spring'".into(),
        created_at: Some(created.parse().unwrap()),
    })
}

fn last_action(steps: Vec<AppEvent>) -> String {
    let mut state = AppState::default();
    for event in steps {
        let _ = state.apply(event);
    }
    state
        .last_release_action("r1")
        .map(|a| format!("{} {} {}", a.id, a.action, a.status))
        .unwrap_or_default()
}

#[test]
fn last_action_is_the_newer_of_ours_and_the_servers() {
    // A scheduled publish (not started by this session) ran after our validate.
    assert_eq!(
        last_action(vec![
            validated_this_session("2026-12-01T10:00:00Z"),
            AppEvent::ReleaseActionsLoaded {
                release_id: "r1".into(),
                actions: vec![
                    release_action("scheduled", "publish", "2026-12-01T11:00:00Z"),
                    release_action("ours", "validate", "2026-12-01T10:00:00Z"),
                ],
            },
        ]),
        "scheduled publish succeeded"
    );
    // The list's latest is older than what we started since: ours shows.
    assert_eq!(
        last_action(vec![
            AppEvent::LatestActionsLoaded(vec![release_action(
                "older",
                "publish",
                "2026-12-01T09:00:00Z"
            )]),
            validated_this_session("2026-12-01T10:00:00Z"),
        ]),
        "ours validate succeeded"
    );
}

fn scheduled_publish(status: &str) -> AppEvent {
    AppEvent::ScheduledActionUpdated(
        serde_json::from_value(serde_json::json!({
            "entity": { "sys": { "type": "Link", "linkType": "Release", "id": "r1" } },
            "environment": { "sys": { "type": "Link", "linkType": "Environment", "id": "master" } },
            "action": "publish",
            "scheduledFor": { "datetime": "2026-12-01T11:00:00Z", "timezone": "UTC" },
            "sys": { "type": "ScheduledAction", "id": "s1", "version": 1, "status": status },
        }))
        .unwrap(),
    )
}

#[test]
fn a_schedule_that_ran_refreshes_what_shows_releases() {
    check(
        vec![
            Got(scheduled_publish("scheduled")),
            Got(scheduled_publish("succeeded")),
        ],
        "toast success: Scheduled publish of 'r1' succeeded
         refresh releases",
    );
}

// ---- issue 11, bug 7: the connection's truth ---------------------------------------------------

#[test]
fn the_connection_is_connecting_until_the_space_loads_or_fails() {
    check(
        vec![Got(AppEvent::SpaceLoaded {
            name: "Northwind".into(),
            content_types: Vec::new(),
            locales: Vec::new(),
        })],
        "connection: Connected",
    );
    check(
        vec![Got(AppEvent::ConnectionFailed {
            token_refused: true,
            summary: "The access token was refused.".into(),
            detail: "401".into(),
        })],
        r#"connection: TokenRefused { summary: "The access token was refused.", detail: "401" }
           toast error: Not connected to the space: The access token was refused. [details: 401]"#,
    );
}

#[test]
fn a_connection_test_shows_progress_until_its_report() {
    check(
        vec![Sent(Command::TestConnection)],
        "connection test running",
    );
    check(
        vec![
            Sent(Command::TestConnection),
            Got(AppEvent::ConnectionTested {
                ok: true,
                report: vec!["Releases can be listed".into()],
            }),
        ],
        "toast success: Connection works",
    );
}

// ---- issue 14: the entries view's pages, titles by id, picker searches ----------------------

use crate::app::command::{EntityQuery, PickerId};

fn entry(id: &str) -> Entity {
    serde_json::from_value(serde_json::json!({
        "fields": { "title": { "en-US": format!("Title {id}") } },
        "sys": { "type": "Entry", "id": id, "version": 1,
                 "contentType": { "sys": { "type": "Link", "linkType": "ContentType", "id": "article" } } },
    }))
    .unwrap()
}

fn entries(prefix: &str, range: std::ops::Range<usize>) -> Vec<Entity> {
    range.map(|i| entry(&format!("{prefix}{i}"))).collect()
}

fn entity_search(words: &str) -> EntityQuery {
    EntityQuery {
        search: words.to_owned(),
        ..EntityQuery::default()
    }
}

fn load_page(query: &EntityQuery, page: usize) -> Step {
    Sent(Command::LoadEntityPage {
        query: query.clone(),
        page,
        refresh: false,
    })
}

fn page_loaded(query: &EntityQuery, page: usize, total: u64, items: Vec<Entity>) -> Step {
    Got(AppEvent::EntityPageLoaded {
        query: query.clone(),
        page,
        total,
        items,
    })
}

#[test]
fn the_first_page_gives_rows_and_the_total() {
    let all = entity_search("");
    check(
        vec![
            load_page(&all, 0),
            page_loaded(&all, 0, 250, entries("e", 0..100)),
        ],
        "pages of '': total Some(250), loaded [0], loading []
         rows: 0=e0 1=e1 99=e99",
    );
}

#[test]
fn pages_load_side_by_side_and_fill_their_rows() {
    let all = entity_search("");
    check(
        vec![
            load_page(&all, 0),
            page_loaded(&all, 0, 250, entries("e", 0..100)),
            load_page(&all, 1),
            load_page(&all, 2),
            page_loaded(&all, 2, 250, entries("e", 200..250)),
        ],
        "pages of '': total Some(250), loaded [0, 2], loading [1]
         rows: 0=e0 1=e1 99=e99 249=e249",
    );
}

#[test]
fn a_new_filter_drops_the_pages_and_stale_replies() {
    let all = entity_search("");
    let cider = entity_search("cider");
    check(
        vec![
            load_page(&all, 0),
            page_loaded(&all, 0, 250, entries("e", 0..100)),
            load_page(&all, 1),
            load_page(&cider, 0),
            // The unfiltered page 1 answers late: it is not the cider search's page 1.
            page_loaded(&all, 1, 250, entries("e", 100..200)),
        ],
        "pages of 'cider': total None, loaded [], loading [0]",
    );
}

#[test]
fn a_reload_forgets_the_pages_of_the_same_query() {
    let all = entity_search("");
    check(
        vec![
            load_page(&all, 0),
            page_loaded(&all, 0, 250, entries("e", 0..100)),
            Sent(Command::LoadEntityPage {
                query: all.clone(),
                page: 0,
                refresh: true,
            }),
        ],
        "pages of '': total None, loaded [], loading [0]",
    );
}

#[test]
fn a_failed_page_stops_the_spinner_and_says_why() {
    let all = entity_search("");
    check(
        vec![
            load_page(&all, 0),
            Got(AppEvent::Failed {
                kind: RequestKind::LoadEntityPage,
                message: "the server could not be reached".into(),
                detail: Some("network error: connection refused; Request id: r-1".into()),
            }),
        ],
        "pages of '': total None, loaded [], loading []
         pages error: the server could not be reached
         toast error: Loading entries failed: the server could not be reached. [details: network error: connection refused; Request id: r-1]",
    );
}

#[test]
fn far_pages_are_dropped_when_the_user_scrolls_far() {
    let all = entity_search("");
    let mut steps = Vec::new();
    for page in 0..=MAX_PAGES {
        steps.push(load_page(&all, page));
        let start = page * 100;
        steps.push(page_loaded(
            &all,
            page,
            10_000,
            entries("e", start..start + 100),
        ));
    }
    let mut state = AppState::default();
    for step in steps {
        match step {
            Sent(c) => {
                state.on_sent(&c);
            }
            Got(e) => {
                state.apply(e);
            }
            From(..) => {}
        }
    }
    let pages = &state.entity_view.pages;
    assert_eq!(pages.pages.len(), MAX_PAGES);
    assert!(!pages.pages.contains_key(&0), "the page farthest away went");
    assert!(pages.pages.contains_key(&MAX_PAGES));
    assert_eq!(pages.len(), 10_000, "the table keeps its length");
}

#[test]
fn the_entity_cache_stays_bounded() {
    let all = entity_search("");
    let mut state = AppState::default();
    // Titles resolved for views, then far more pages than fit.
    state.on_sent(&Command::ResolveEntities {
        ids: vec![(EntityKind::Entry, "old".into())],
    });
    state.apply(AppEvent::EntitiesResolved {
        requested: vec![(EntityKind::Entry, "old".into())],
        found: vec![entry("old")],
        error: None,
    });
    for page in 0..(ENTITY_CACHE_CAP / 100 + 5) {
        state.on_sent(&Command::LoadEntityPage {
            query: all.clone(),
            page,
            refresh: false,
        });
        let start = page * 100;
        state.apply(AppEvent::EntityPageLoaded {
            query: all.clone(),
            page,
            total: 100_000,
            items: entries("e", start..start + 100),
        });
    }
    assert!(state.entities.len() <= ENTITY_CACHE_CAP);
    let last = ENTITY_CACHE_CAP / 100 + 4;
    let last_row = state.entity_view.pages.row(last * 100).unwrap();
    assert!(
        state.entities.contains_key(last_row),
        "rows of loaded pages stay"
    );
    let link = Link::entry("old");
    assert_eq!(
        state.missing_entities([&link]),
        vec![(EntityKind::Entry, "old".to_owned())],
        "an entity dropped from the cache is asked for again"
    );
}

#[test]
fn entities_asked_for_by_id_are_asked_for_once() {
    let links = [Link::entry("a"), Link::entry("b"), Link::asset("c")];
    let mut state = AppState::default();
    let missing = state.missing_entities(&links);
    assert_eq!(missing.len(), 3);
    state.on_sent(&Command::ResolveEntities { ids: missing });
    assert!(
        state.missing_entities(&links).is_empty(),
        "in flight: not asked again next frame"
    );
    check(
        vec![
            Sent(Command::ResolveEntities {
                ids: vec![
                    (EntityKind::Entry, "a".into()),
                    (EntityKind::Entry, "gone".into()),
                ],
            }),
            Got(AppEvent::EntitiesResolved {
                requested: vec![
                    (EntityKind::Entry, "a".into()),
                    (EntityKind::Entry, "gone".into()),
                ],
                found: vec![entry("a")],
                error: None,
            }),
        ],
        "absent: gone",
    );
}

#[test]
fn a_release_opening_marks_its_entities_as_loading() {
    check(
        vec![Got(AppEvent::EntitiesResolving(vec![
            (EntityKind::Entry, "a".into()),
            (EntityKind::Asset, "b".into()),
        ]))],
        "resolving: a, b",
    );
}

#[test]
fn a_picker_keeps_only_the_answer_to_its_latest_words() {
    let searched = |words: &str| {
        Sent(Command::SearchEntities {
            picker: PickerId::NewRelease,
            search: words.into(),
        })
    };
    let found = |words: &str, ids: &[&str]| {
        Got(AppEvent::EntitySearchLoaded {
            picker: PickerId::NewRelease,
            search: words.into(),
            items: ids.iter().map(|id| entry(id)).collect(),
            memberships: Vec::new(),
            releases: Vec::new(),
        })
    };
    check(
        vec![
            searched("ci"),
            searched("cider"),
            found("cider", &["cider-1"]),
            // "ci" answers last: stale.
            found("ci", &["cinema", "cider-1"]),
        ],
        "search NewRelease 'cider': [cider-1]",
    );
}

#[test]
fn a_sandbox_reset_forgets_pages_searches_and_titles() {
    let all = entity_search("");
    check(
        vec![
            load_page(&all, 0),
            page_loaded(&all, 0, 3, entries("e", 0..3)),
            Got(AppEvent::SandboxReset {
                at: jiff::Timestamp::UNIX_EPOCH,
            }),
        ],
        "toast success: Sandbox restored to the demo space
         reload the releases list",
    );
}

fn progress(phase: &str, done: usize, total: usize) -> crate::cma::sandbox_load::LoadProgress {
    crate::cma::sandbox_load::LoadProgress {
        phase: phase.into(),
        done,
        total,
    }
}

#[test]
fn a_copy_into_the_sandbox_shows_progress_and_can_be_canceled_while_reading() {
    check(
        vec![
            Sent(Command::CopySpaceIntoSandbox),
            Got(AppEvent::SandboxLoadProgress {
                source: "space 'abc'".into(),
                progress: progress("entries", 300, 0),
                cancellable: true,
            }),
        ],
        "sandbox load: entries: 300 read (cancellable)",
    );
    check(
        vec![
            Sent(Command::CopySpaceIntoSandbox),
            Got(AppEvent::SandboxLoadCanceled),
        ],
        "toast info: Nothing was loaded: the sandbox is unchanged",
    );
}

#[test]
fn a_load_ends_with_its_report_or_its_error_and_the_report_survives_the_switch() {
    let report = crate::cma::sandbox_load::LoadReport {
        entries: 2,
        problems: vec!["Entry 'x': no content type".into()],
        ..Default::default()
    };
    check(
        vec![
            Sent(Command::LoadSandboxExport { path: None }),
            Got(AppEvent::SandboxLoadProgress {
                source: "export.json".into(),
                progress: progress("entries", 1, 2),
                cancellable: false,
            }),
            Got(AppEvent::SandboxLoaded {
                source: "export.json".into(),
                report,
                at: jiff::Timestamp::UNIX_EPOCH,
            }),
        ],
        "last load: export.json: 1 skipped
         toast success: The sandbox now holds export.json: 0 locales, 0 content types, 0 editor interfaces, 0 tags, 0 assets, 2 entries; 1 items skipped. Settings lists what was skipped.",
    );
    check(
        vec![
            Sent(Command::LoadSandboxExport { path: None }),
            Got(AppEvent::Failed {
                kind: RequestKind::LoadSandbox("export.json".into()),
                message: "this is not a contentful-export file".into(),
                detail: None,
            }),
        ],
        "toast error: Loading export.json into the sandbox failed: this is not a contentful-export file.",
    );
    let mut state = AppState {
        sandbox_load_report: Some(("space 'abc'".into(), Default::default())),
        ..AppState::default()
    };
    state.reconnect(
        ConnectionInfo {
            profile: "Local sandbox".into(),
            base_url: "http://127.0.0.1:1/".into(),
            space_id: "s".into(),
            environment_id: "master".into(),
            is_sandbox: true,
            receiver: None,
        },
        None,
    );
    assert!(state.sandbox_load_report.is_some());
}

#[test]
fn a_release_archived_after_our_publish_says_where_it_went() {
    let published = AppEvent::ActionUpdated(TrackedAction {
        id: "a1".into(),
        target: ActionTarget::Release("r0".into()),
        action: ActionKind::Publish,
        status: ActionStatus::Succeeded,
        error: None,
        label: "Spring".into(),
        created_at: None,
    });
    check(
        vec![
            Sent(load("")),
            Got(loaded("", &["Spring", "Autumn"])),
            Got(published),
            Got(AppEvent::ReleaseUpdated(archived(release("r0", "Spring")))),
        ],
        "releases: [Spring, Autumn]
         action a1: publish succeeded
         toast success: Spring: publish succeeded
         toast info: 'Spring' was archived after its publish, as Contentful does: it is under Archived now
         reload the releases list",
    );
}

#[test]
fn open_in_contentful_links_only_real_spaces_on_contentfuls_own_hosts() {
    let info = |base: &str, is_sandbox: bool| ConnectionInfo {
        profile: "p".into(),
        base_url: base.into(),
        space_id: "s1".into(),
        environment_id: "staging".into(),
        is_sandbox,
        receiver: None,
    };
    assert_eq!(
        info("https://api.contentful.com", false).web_app_url(EntityKind::Entry, "e1"),
        Some("https://app.contentful.com/spaces/s1/environments/staging/entries/e1".into())
    );
    assert_eq!(
        info("https://api.eu.contentful.com/", false).web_app_url(EntityKind::Asset, "a1"),
        Some("https://app.eu.contentful.com/spaces/s1/environments/staging/assets/a1".into())
    );
    assert_eq!(
        info("http://127.0.0.1:9000", true).web_app_url(EntityKind::Entry, "e1"),
        None
    );
    assert_eq!(
        info("https://proxy.example.com", false).web_app_url(EntityKind::Entry, "e1"),
        None
    );
}

#[test]
fn a_release_found_by_the_schedule_pickers_search_is_known_by_id() {
    let mut state = AppState::default();
    let search = crate::app::command::PickerSearch::from("cider");
    state.on_sent(&Command::SearchEntities {
        picker: PickerId::ScheduleTarget,
        search: search.clone(),
    });
    let mut timeline = release("t1", "Cider Week");
    timeline.sys.schema_version = Some(crate::cma::ReleaseSchema::Timeline);
    let _ = state.apply(AppEvent::EntitySearchLoaded {
        picker: PickerId::ScheduleTarget,
        search,
        items: Vec::new(),
        memberships: Vec::new(),
        releases: vec![timeline],
    });
    assert!(state.releases.is_empty(), "the list is not touched");
    assert!(state.release("t1").is_some_and(|r| r.is_timeline()));
}

#[test]
fn open_in_contentful_for_releases_follows_the_release_model() {
    let info = |base: &str| ConnectionInfo {
        profile: "p".into(),
        base_url: base.into(),
        space_id: "s1".into(),
        environment_id: "master".into(),
        is_sandbox: false,
        receiver: None,
    };
    let launch = release("r1", "Spring");
    let mut timeline = release("r2", "Autumn");
    timeline.sys.schema_version = Some(crate::cma::ReleaseSchema::Timeline);
    let us = info("https://api.contentful.com");
    assert_eq!(
        us.release_web_url(&launch).as_deref(),
        Some("https://launch.contentful.com/spaces/s1/releases/r1")
    );
    assert_eq!(
        us.release_web_url(&timeline).as_deref(),
        Some("https://app.contentful.com/spaces/s1/views/entries?release=r2")
    );
    let eu = info("https://api.eu.contentful.com");
    assert_eq!(eu.release_web_url(&launch), None, "no known EU Launch host");
    assert!(eu.release_web_url(&timeline).is_some());
}

#[test]
fn readiness_results_are_kept_per_release_and_only_from_the_current_connection() {
    let mut state = AppState {
        epoch: CURRENT,
        ..AppState::default()
    };
    let check = Command::CheckReadiness {
        release_ids: vec!["r1".into()],
    };
    assert!(state.on_sent(&check), "the worker runs it");
    let loaded = |readiness| AppEvent::ReadinessLoaded {
        release_id: "r1".into(),
        version: 3,
        readiness,
        report: crate::readiness::ReadinessReport::default(),
    };
    state.receive(Stamped {
        epoch: Some(Epoch(1)),
        event: loaded(crate::readiness::Readiness::Empty),
    });
    assert!(
        state.readiness.get("r1").is_none(),
        "another connection's answer"
    );
    state.receive(Stamped {
        epoch: Some(CURRENT),
        event: loaded(crate::readiness::Readiness::Ready),
    });
    assert_eq!(
        state.readiness.readiness("r1"),
        Some(&crate::readiness::Readiness::Ready)
    );
    assert!(state.readiness.wanted([("r1", 3)]).is_empty());
    state.receive(Stamped {
        epoch: Some(CURRENT),
        event: AppEvent::ChangesLoaded {
            release_id: "r1".into(),
            diffs: Vec::new(),
        },
    });
    assert_eq!(state.readiness.changes("r1").map(<[_]>::len), Some(0));
    state.receive(Stamped {
        epoch: Some(CURRENT),
        event: AppEvent::ReleaseDeleted("r1".into()),
    });
    assert!(
        state.readiness.get("r1").is_none(),
        "a deleted release is forgotten"
    );
}

#[test]
fn a_draft_saved_through_the_timeline_makes_the_readiness_of_releases_that_read_it_stale() {
    use crate::readiness::{Readiness, ReadinessReport};
    use crate::timeline::{Causes, Origin, TimelineEvent, Verdict};
    let mut state = AppState {
        epoch: CURRENT,
        ..AppState::default()
    };
    let check = Command::CheckReadiness {
        release_ids: vec!["r1".into(), "r2".into()],
    };
    state.on_sent(&check);
    assert!(
        state.readiness.wanted([("r1", 3), ("r2", 1)]).is_empty(),
        "checks in flight are not asked for again"
    );
    let report = |ids: &[&str]| ReadinessReport {
        involved: ids
            .iter()
            .map(|id| crate::cma::Link::new(crate::cma::LinkType::Entry, *id))
            .collect(),
        ..ReadinessReport::default()
    };
    for (id, version, involved) in [("r1", 3, ["article-1"]), ("r2", 1, ["author-9"])] {
        state.receive(Stamped {
            epoch: Some(CURRENT),
            event: AppEvent::ReadinessLoaded {
                release_id: id.into(),
                version,
                readiness: Readiness::Ready,
                report: report(&involved),
            },
        });
    }
    assert!(state.readiness.wanted([("r1", 3), ("r2", 1)]).is_empty());
    let saved = TimelineEvent {
        id: 1,
        received_at: crate::cma::Timestamp::from_millis(0).unwrap(),
        origin: Origin::Receiver,
        source: "sandbox".into(),
        event_at: None,
        topic: "ContentManagement.Entry.save".into(),
        entity_type: "Entry".into(),
        action: "save".into(),
        entity_id: Some("article-1".into()),
        version: Some(4),
        environment: None,
        action_status: None,
        causes: Causes::default(),
        attempt: 1,
        attempts: 1,
        idempotency_key: None,
        webhook_name: None,
        verdict: Verdict::Verified,
        http_status: 200,
        call_id: None,
        summary: "Entry saved".into(),
        body_len: 0,
    };
    state.receive(Stamped {
        epoch: Some(CURRENT),
        event: AppEvent::TimelineAppended(std::sync::Arc::new(saved)),
    });
    let r1 = state.readiness.get("r1").expect("kept while checked again");
    assert!(
        r1.stale && r1.readiness == Readiness::Ready,
        "shown as it was, marked"
    );
    assert_eq!(
        state.readiness.wanted([("r1", 3), ("r2", 1)]),
        ["r1"],
        "only the release that read the entry is checked again"
    );
}
