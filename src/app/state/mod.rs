//! [`AppState`]: everything the views draw from. It owns both halves of every pending flag:
//! [`AppState::on_sent`] marks what a command set loading, [`AppState::apply`] (results from
//! the worker) clears it, and answers with the [`Effect`]s the app carries out (toasts,
//! opening a release, reloading, reconnecting) instead of flags the app polls.
//!
//! Derived lists (filtered, sorted) are cached and rebuilt only when their inputs change, never
//! per frame. Entries and assets are never loaded whole: `entities` holds the entries view's
//! pages, the pickers' searches and the ids asked for, over a bounded entity cache.

use std::collections::HashMap;

mod entities;
mod readiness;
mod release_search;
mod sandbox_load;
mod titles;
mod web_app;

pub use readiness::{ReadinessCache, ReadinessEntry};
pub use release_search::ReleaseSearch;

pub use entities::{
    ENTITY_CACHE_CAP, EntityKey, EntityPages, EntitySearch, EntityWindow, MAX_PAGES, Resolving,
};
pub use sandbox_load::SandboxLoadJob;

use super::command::{Command, ReleaseQuery};
use super::event::{ActionTarget, AppEvent, Epoch, RequestKind, Stamped, TrackedAction};
use serde_json::Value;

use crate::app::failure::Failure;
use crate::cma::{ContentType, Entity, EntityKind, Link, Locale, Release, ReleaseAction};

use super::command::ScheduledQuery;
use crate::cma::sandbox_load::LoadReport;
use crate::cma::{ScheduledAction, Timestamp};

/// How many recent webhook events the state keeps for the live list.
pub const RECENT_EVENTS: usize = 2000;

/// The main areas of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Nav {
    /// Releases and their detail.
    Releases,
    /// All entries and assets, bulk actions.
    Entries,
    /// Scheduled actions on a calendar.
    Calendar,
    /// Webhook events.
    Timeline,
    /// Connections and preferences.
    Settings,
}

impl Nav {
    /// Every area, in navigation order.
    pub const ALL: [Nav; 5] = [
        Nav::Releases,
        Nav::Entries,
        Nav::Calendar,
        Nav::Timeline,
        Nav::Settings,
    ];

    /// The label in the navigation.
    pub fn label(self) -> &'static str {
        match self {
            Nav::Releases => "Releases",
            Nav::Entries => "Entries",
            Nav::Calendar => "Calendar",
            Nav::Timeline => "Timeline",
            Nav::Settings => "Settings",
        }
    }
}

/// Where the app is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// Profile name ("Local sandbox").
    pub profile: String,
    /// The API base URL.
    pub base_url: String,
    /// Space id.
    pub space_id: String,
    /// Environment id.
    pub environment_id: String,
    /// Whether it is the embedded sandbox (reset is possible).
    pub is_sandbox: bool,
    /// The webhook receiver's address, when one runs.
    pub receiver: Option<String>,
}

/// Whether the connection works, as the status bar says it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ConnectionStatus {
    /// The space is loading.
    #[default]
    Connecting,
    /// The space loaded.
    Connected,
    /// The server could not be reached (or answered with an error).
    Unreachable {
        /// One plain sentence.
        summary: String,
        /// The error in full.
        detail: String,
    },
    /// The server refused the token.
    TokenRefused {
        /// One plain sentence.
        summary: String,
        /// The error in full.
        detail: String,
    },
}

/// A conflict to show: someone changed what the user edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictNotice {
    /// What the user tried to change.
    pub what: String,
    /// The id to reload.
    pub id: String,
    /// The server's version now.
    pub current_version: Option<u64>,
    /// Who changed it last.
    pub changed_by: Option<String>,
}

/// The data the app has loaded.
#[derive(Debug, Default)]
pub struct AppState {
    /// Where we are connected.
    pub connection: Option<ConnectionInfo>,
    /// The space's name, once loaded.
    pub space_name: Option<String>,
    /// Whether the connection works (connecting until the space loads or fails).
    pub connection_status: ConnectionStatus,
    /// Content types by id.
    pub content_types: HashMap<String, ContentType>,
    /// Locales in order.
    pub locales: Vec<Locale>,
    /// Which release models the space uses (learned when it loads).
    pub release_model: crate::app::release_model::SpaceReleaseModel,
    /// Loaded releases, in server order (`-sys.updatedAt`).
    pub releases: Vec<Release>,
    /// Releases of the loaded pages the app cannot model; listed as such below the others.
    pub releases_unsupported: Vec<crate::cma::Unmodelled>,
    /// The cursor of the next page of releases.
    pub releases_next: Option<String>,
    /// Whether a releases page is loading.
    pub releases_loading: bool,
    /// Whether the releases list has loaded at least once.
    pub releases_loaded: bool,
    /// The last error loading releases.
    pub releases_error: Option<String>,
    /// Latest action per release id.
    pub latest_actions: HashMap<String, ReleaseAction>,
    /// Action history per release id, newest first.
    pub release_actions: HashMap<String, Vec<ReleaseAction>>,
    /// Entries and assets by (kind, id): a bounded cache of what pages, searches and views
    /// asked for, never the whole space (see [`EntityWindow`]).
    pub entities: HashMap<(EntityKind, String), Entity>,
    /// The entries view's pages, the pickers' searches, and entities asked for by id.
    pub entity_view: EntityWindow,
    /// The command palette's search of releases by title.
    pub release_search: ReleaseSearch,
    /// Actions the app started, by id, in start order.
    pub actions: Vec<TrackedAction>,
    /// A conflict to show.
    pub conflict: Option<ConflictNotice>,
    /// The last connection test's report.
    pub connection_report: Option<(bool, Vec<String>)>,
    /// Whether a connection test runs.
    pub connection_testing: bool,
    /// Effects of the event being applied, handed to the app by [`AppState::apply`].
    effects: Vec<Effect>,
    /// The connection epoch this state belongs to; events of other epochs are dropped.
    pub epoch: Epoch,
    /// The query of the latest releases request; replies to any other are stale.
    pub releases_query: Option<ReleaseQuery>,
    /// Bumped whenever releases change, so views rebuild their cached rows.
    pub releases_generation: u64,
    /// Bumped whenever entities change.
    pub entities_generation: u64,
    /// Webhook events received (status bar).
    pub events_received: u64,
    /// The newest webhook events received this session, newest last (at most
    /// [`RECENT_EVENTS`]).
    pub recent_events: std::collections::VecDeque<std::sync::Arc<crate::timeline::TimelineEvent>>,
    /// Saved Contentful profiles, with whether each has a stored token.
    pub profiles: Vec<(crate::config::Profile, bool)>,
    /// The connected profile (`None`: the local sandbox).
    pub active_profile: Option<String>,
    /// Scheduled actions loaded so far (calendar ranges, list pages, updates), by id.
    pub scheduled_actions: HashMap<String, ScheduledAction>,
    /// Bumped whenever a scheduled action arrives or changes, so views rebuild their caches.
    pub scheduled_generation: u64,
    /// Each release's first pending schedule (release id → action id), rebuilt when the
    /// schedules change, so the releases list does not scan every schedule per row per frame.
    next_schedules: HashMap<String, String>,
    /// The `scheduled_generation` `next_schedules` was built for.
    next_schedules_generation: u64,
    /// The calendar range loaded last (start inclusive, end exclusive).
    pub scheduled_range: Option<(Timestamp, Timestamp)>,
    /// Whether a calendar range is loading.
    pub scheduled_loading: bool,
    /// The scheduled-actions list (the calendar's table tab), page by page.
    pub scheduled_page: ScheduledPage,
    /// Where the schedule dialog's last create or reschedule stands.
    pub schedule_submit: ScheduleSubmit,
    /// Titles of releases loaded by id (for schedules, and ones views asked for), archived
    /// ones included.
    pub release_titles: HashMap<String, String>,
    /// Release ids asked for with `ResolveReleases` (asked once; a reconnect starts afresh).
    pub release_titles_asked: std::collections::HashSet<String>,
    /// The timeline view's window onto the journal (rows by rank, the selected event).
    pub timeline: super::timeline::TimelineRows,
    /// Settings → Alerts and hooks.
    pub alerts: crate::app::alerts::AlertsSettings,
    /// When the sandbox was last reset this session (the timeline marks it and re-anchors).
    pub sandbox_reset_at: Option<jiff::Timestamp>,
    /// A connection form's test is running.
    pub profile_testing: bool,
    /// The last test of a connection form: whether it passed, one line per step.
    pub profile_test: Option<(bool, Vec<String>)>,
    /// A load into the local sandbox that is running (an export file, or a copy of a space).
    pub sandbox_load: Option<SandboxLoadJob>,
    /// What the last load brought in and skipped (kept across the switch to the sandbox).
    pub sandbox_load_report: Option<(String, LoadReport)>,
    /// Each release's readiness and "Changes" review, as the worker last worked them out.
    pub readiness: ReadinessCache,
}

/// The scheduled-actions list as loaded so far (cursor paging).
#[derive(Debug, Clone, Default)]
pub struct ScheduledPage {
    /// The filters of the loaded rows.
    pub query: Option<ScheduledQuery>,
    /// Ids in server order (the actions are in [`AppState::scheduled_actions`]).
    pub ids: Vec<String>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// Whether a page is loading.
    pub loading: bool,
    /// Whether the first page arrived.
    pub loaded: bool,
}

/// Where a create or reschedule from the schedule dialog stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ScheduleSubmit {
    /// Nothing sent.
    #[default]
    Idle,
    /// Sent; waiting for the server.
    Pending,
    /// Saved as this scheduled action id.
    Saved(String),
    /// Refused, with the reason.
    Rejected(String),
}

/// What applying an event asks of the app besides the state change.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Show a toast.
    Toast(Toast),
    /// Open this release's detail (one the user just created).
    OpenRelease(String),
    /// This release no longer exists: if its detail is open, go back to the list.
    CloseRelease(String),
    /// Reload what shows releases (the open release, or the list): they changed elsewhere.
    RefreshReleases,
    /// Reload the releases list with the view's query when it is next shown (the space was
    /// reset, or a release changed so that the list may be out of order or filter).
    ReloadReleaseList,
    /// Connect to another profile: a new worker of a new epoch, fresh state.
    Reconnect {
        /// Profile id (`None` for the local sandbox).
        id: Option<String>,
        /// The client configuration.
        client: Box<crate::cma::ClientConfig>,
        /// What the status bar shows.
        connection: ConnectionInfo,
    },
}

/// A release's last action as "Last action" shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LastAction {
    /// Action id (for the failure inspector).
    pub id: String,
    /// publish, unpublish or validate.
    pub action: crate::cma::ActionKind,
    /// Its status.
    pub status: crate::cma::ActionStatus,
    /// Whether it failed with an error to inspect.
    pub has_error: bool,
}

/// A message for a toast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toast {
    /// A success.
    Success(String),
    /// Information.
    Info(String),
    /// A failure: one plain sentence, the technical detail apart.
    Error(Failure),
}

impl AppState {
    /// The empty state of a connection, for events of `epoch`.
    pub fn new(connection: ConnectionInfo, epoch: Epoch) -> Self {
        Self {
            connection: Some(connection),
            epoch,
            ..Self::default()
        }
    }

    /// Starts over for another connection: the data of the old space goes, the saved profiles
    /// stay, and the epoch moves on (events of the old worker are dropped from now on). Returns
    /// the new epoch, for the new worker.
    pub fn reconnect(
        &mut self,
        connection: ConnectionInfo,
        active_profile: Option<String>,
    ) -> Epoch {
        let epoch = self.epoch.next();
        let profiles = std::mem::take(&mut self.profiles);
        let load_report = self.sandbox_load_report.take();
        *self = Self::new(connection, epoch);
        self.profiles = profiles;
        self.sandbox_load_report = load_report;
        self.active_profile = active_profile;
        epoch
    }

    /// Marks what `command` sets pending (the other half is in [`AppState::apply`]), and applies
    /// the commands that only change the state. Returns whether the worker should run it.
    pub fn on_sent(&mut self, command: &Command) -> bool {
        match command {
            Command::LoadReleases { query, .. } => {
                self.releases_loading = true;
                self.releases_query = Some(query.clone());
            }
            Command::CreateSchedule { .. } | Command::Reschedule { .. } => {
                self.schedule_submit = ScheduleSubmit::Pending;
            }
            Command::LoadScheduledPage { .. } => self.scheduled_page.loading = true,
            Command::CheckReadiness { release_ids } => self.readiness.on_asked(release_ids),
            Command::LoadChanges { release_id } => self.readiness.on_changes_asked(release_id),
            Command::CheckUnpublish { release_id } => {
                self.readiness.on_unpublish_asked(release_id);
            }
            Command::TestConnection => self.connection_testing = true,
            Command::TestProfile { .. } => {
                self.profile_testing = true;
                self.profile_test = None;
            }
            Command::LoadSandboxExport { .. } | Command::CopySpaceIntoSandbox => {
                self.sandbox_load = Some(SandboxLoadJob {
                    source: if matches!(command, Command::CopySpaceIntoSandbox) {
                        "this space".into()
                    } else {
                        "the export".into()
                    },
                    progress: None,
                    cancellable: matches!(command, Command::CopySpaceIntoSandbox),
                });
                self.sandbox_load_report = None;
            }
            Command::LoadEntityPage {
                query,
                page,
                refresh,
            } => {
                let pages = &mut self.entity_view.pages;
                if *refresh {
                    self.entity_view.resolving.absent.clear();
                }
                if *refresh || pages.query.as_ref() != Some(query) {
                    pages.start(query.clone());
                }
                pages.loading.insert(*page);
            }
            Command::ResolveEntities { ids } => {
                self.entity_view
                    .resolving
                    .in_flight
                    .extend(ids.iter().cloned());
            }
            Command::SearchEntities { picker, search } => {
                let slot = self.entity_view.searches.entry(*picker).or_default();
                slot.search.clone_from(search);
                slot.loading = true;
            }
            Command::SearchReleases { search } => self.release_search.start(search),
            Command::ResolveReleases { ids } => {
                self.release_titles_asked.extend(ids.iter().cloned());
            }
            Command::LoadScheduledActions { .. } => self.scheduled_loading = true,
            Command::Timeline(request) => self.timeline.on_request(request),
            Command::Alerts(request) => self.alerts.on_request(request),
            Command::DismissConflict => {
                self.conflict = None;
                return false;
            }
            _ => {}
        }
        true
    }

    /// Applies an event from a worker unless it belongs to another connection epoch (a worker
    /// that was replaced); then it is dropped.
    pub fn receive(&mut self, stamped: Stamped) -> Vec<Effect> {
        match stamped.epoch {
            Some(epoch) if epoch != self.epoch => {
                tracing::debug!(?epoch, current = ?self.epoch, "dropped an event of an old connection");
                Vec::new()
            }
            _ => self.apply(stamped.event),
        }
    }

    /// A new schedule dialog starts with nothing sent.
    pub fn on_schedule_dialog_opened(&mut self) {
        self.schedule_submit = ScheduleSubmit::Idle;
    }

    /// Applies one result from the worker; returns what the app should do about it.
    pub fn apply(&mut self, event: AppEvent) -> Vec<Effect> {
        self.apply_event(event);
        if self.next_schedules_generation != self.scheduled_generation {
            self.index_next_schedules();
        }
        std::mem::take(&mut self.effects)
    }

    /// Rebuilds [`AppState::next_schedule`]'s index: per release, the pending schedule that
    /// runs first (overdue ones included).
    fn index_next_schedules(&mut self) {
        let mut first: HashMap<String, &ScheduledAction> = HashMap::new();
        for action in self.scheduled_actions.values().filter(|a| {
            *a.entity.link_type() == crate::cma::LinkType::Release
                && a.sys.status == crate::cma::ScheduledActionStatus::Scheduled
        }) {
            let slot = first.entry(action.entity.id().to_owned()).or_insert(action);
            if action.scheduled_for.datetime < slot.scheduled_for.datetime {
                *slot = action;
            }
        }
        self.next_schedules = first
            .into_iter()
            .map(|(release, action)| (release, action.sys.id.clone()))
            .collect();
        self.next_schedules_generation = self.scheduled_generation;
    }

    fn toast(&mut self, toast: Toast) {
        self.effects.push(Effect::Toast(toast));
    }

    fn apply_event(&mut self, event: AppEvent) {
        match event {
            AppEvent::SpaceLoaded {
                name,
                content_types,
                locales,
            } => {
                self.space_name = Some(name);
                self.connection_status = ConnectionStatus::Connected;
                self.content_types = content_types
                    .into_iter()
                    .map(|ct| (ct.sys.id.clone(), ct))
                    .collect();
                self.locales = locales;
                self.entities_generation += 1;
            }
            AppEvent::ReleaseModelDetected(model) => self.release_model = model,
            AppEvent::ReleasesLoaded {
                query,
                items,
                unsupported,
                next_cursor,
                append,
            } => {
                if self.releases_query.as_ref().is_some_and(|q| *q != query) {
                    // A reply to a query the user has moved on from ("sp" after "spring").
                    return;
                }
                if !append {
                    self.releases.clear();
                    self.releases_unsupported.clear();
                }
                self.releases_unsupported.extend(unsupported);
                for release in items {
                    self.upsert_release(release);
                }
                self.releases_next = next_cursor;
                self.releases_loading = false;
                self.releases_loaded = true;
                self.releases_error = None;
                self.releases_generation += 1;
            }
            AppEvent::LatestActionsLoaded(actions) => {
                for action in actions {
                    self.note_action(action);
                }
                self.releases_generation += 1;
            }
            AppEvent::ReleaseUpdated(release) => {
                // A release that changed (a publish archives it, an edit moves it to the top)
                // may no longer belong where the list shows it: the list reloads with its
                // query when it is next shown.
                let changed = self.release(&release.sys.id).is_none_or(|old| {
                    old.sys.version != release.sys.version || old.sys.status != release.sys.status
                });
                // Contentful archives a release after its successful publish: say so, or the
                // release seems to vanish from the Active list.
                let archived_now = release.sys.status == crate::cma::ReleaseStatus::Archived
                    && self
                        .release(&release.sys.id)
                        .is_some_and(|old| old.sys.status != crate::cma::ReleaseStatus::Archived)
                    && self.last_release_action(&release.sys.id).is_some_and(|a| {
                        a.action == crate::cma::ActionKind::Publish
                            && a.status == crate::cma::ActionStatus::Succeeded
                    });
                if archived_now {
                    self.toast(Toast::Info(format!(
                        "'{}' was archived after its publish, as Contentful does: it is under Archived now",
                        release.title
                    )));
                }
                self.upsert_release(release);
                self.releases_generation += 1;
                if changed && self.releases_query.is_some() {
                    self.effects.push(Effect::ReloadReleaseList);
                }
            }
            AppEvent::EntitiesResolving(ids) => {
                self.entity_view.resolving.in_flight.extend(ids);
            }
            AppEvent::EntitiesResolved {
                requested,
                found,
                error,
            } => {
                let resolving = &mut self.entity_view.resolving;
                for key in &requested {
                    resolving.in_flight.remove(key);
                }
                let found_keys: std::collections::HashSet<EntityKey> =
                    found.iter().map(entity_key).collect();
                // Not returned: deleted, or unreadable just now. Either way the view shows the
                // id instead of asking again every frame; a reload asks again.
                resolving.absent.extend(
                    requested
                        .into_iter()
                        .filter(|key| !found_keys.contains(key)),
                );
                for key in &found_keys {
                    // Found after all (a reload asked again).
                    resolving.absent.remove(key);
                }
                for entity in found {
                    self.upsert_entity(entity);
                }
                if let Some(message) = error {
                    // The worker's message here is the error itself: it goes behind Details.
                    self.toast(Toast::Error(Failure {
                        summary: format!(
                            "{} failed; the ids are shown instead.",
                            RequestKind::ResolveEntities
                        ),
                        detail: Some(message),
                    }));
                }
                self.entities_generation += 1;
                self.trim_entities();
            }
            AppEvent::EntityPageLoaded {
                query,
                page,
                total,
                items,
            } => {
                if self.entity_view.pages.query.as_ref() != Some(&query) {
                    // A page of a filter the user has moved on from.
                    return;
                }
                let ids = items.iter().map(entity_key).collect();
                for entity in items {
                    self.upsert_entity(entity);
                }
                self.entity_view.pages.store(page, total, ids);
                self.entities_generation += 1;
                self.trim_entities();
            }
            AppEvent::EntitySearchLoaded {
                picker,
                search,
                items,
                memberships,
                releases,
            } => {
                let Some(slot) = self.entity_view.searches.get_mut(&picker) else {
                    return;
                };
                if slot.search != search {
                    return;
                }
                slot.ids = items.iter().map(entity_key).collect();
                slot.releases = releases;
                slot.memberships.clear();
                for (key, title) in memberships {
                    slot.memberships.entry(key).or_default().push(title);
                }
                slot.loading = false;
                slot.loaded = true;
                slot.error = None;
                for entity in items {
                    self.upsert_entity(entity);
                }
                self.entities_generation += 1;
                self.trim_entities();
            }
            AppEvent::ReleaseSearchLoaded { search, hits } => {
                self.release_search.answered(&search, hits);
            }
            AppEvent::EntityLoaded(entity) => {
                self.upsert_entity(entity);
                self.entities_generation += 1;
            }
            AppEvent::ReleaseActionsLoaded {
                release_id,
                actions,
            } => {
                if let Some(latest) = actions.first() {
                    self.latest_actions
                        .insert(release_id.clone(), latest.clone());
                }
                self.release_actions.insert(release_id, actions);
                self.releases_generation += 1;
            }
            AppEvent::ReleaseCreated(release) => {
                self.toast(Toast::Success(format!(
                    "Created release '{}'",
                    release.title
                )));
                self.effects
                    .push(Effect::OpenRelease(release.sys.id.clone()));
                self.release_model.note_created(release.is_timeline());
                self.releases.insert(0, release);
                self.releases_generation += 1;
            }
            AppEvent::ReleaseDeleted(id) => {
                let title = self.release(&id).map(|r| r.title.clone());
                self.forget_release(&id);
                self.toast(Toast::Success(match title {
                    Some(title) => format!("Deleted release '{title}'"),
                    None => "Release deleted".into(),
                }));
            }
            AppEvent::ReleaseGone(id) => {
                let title = self.release(&id).map(|r| r.title.clone());
                self.forget_release(&id);
                self.toast(Toast::Info(match title {
                    Some(title) => {
                        format!("Release '{title}' no longer exists (deleted elsewhere)")
                    }
                    None => "That release no longer exists (deleted elsewhere)".into(),
                }));
            }
            AppEvent::ActionUpdated(action) => self.track(action),
            AppEvent::Conflict {
                what,
                id,
                current_version,
                changed_by,
            } => {
                self.conflict = Some(ConflictNotice {
                    what,
                    id,
                    current_version,
                    changed_by,
                });
            }
            AppEvent::ProfileTested { ok, report } => {
                self.profile_testing = false;
                self.profile_test = Some((ok, report));
            }
            AppEvent::ConnectionTested { ok, report } => {
                self.connection_testing = false;
                self.toast(if ok {
                    Toast::Success("Connection works".into())
                } else {
                    Toast::Error(Failure::plain("Connection test failed; see Settings"))
                });
                self.connection_report = Some((ok, report));
            }
            AppEvent::Failed {
                kind,
                message,
                detail,
            } => {
                // The kind, never the words, says which spinner stops.
                match &kind {
                    RequestKind::LoadReleases => {
                        self.releases_loading = false;
                        self.releases_error = Some(message.clone());
                    }
                    RequestKind::LoadScheduledRange => self.scheduled_loading = false,
                    RequestKind::LoadScheduledPage => self.scheduled_page.loading = false,
                    RequestKind::LoadSandbox(_) => self.sandbox_load = None,
                    RequestKind::LoadEntityPage => {
                        let pages = &mut self.entity_view.pages;
                        pages.loading.clear();
                        pages.error = Some(message.clone());
                        pages.generation += 1;
                    }
                    RequestKind::SearchReleases => self.release_search.failed(message.clone()),
                    RequestKind::SearchEntities => {
                        for slot in self.entity_view.searches.values_mut() {
                            if slot.loading {
                                slot.loading = false;
                                slot.error = Some(message.clone());
                            }
                        }
                    }
                    _ => {}
                }
                self.toast(Toast::Error(Failure {
                    summary: format!("{kind} failed: {message}."),
                    detail,
                }));
            }
            AppEvent::Notified(message) => self.toast(Toast::Info(message)),
            AppEvent::ConnectionFailed {
                token_refused,
                summary,
                detail,
            } => {
                let profile = self
                    .connection
                    .as_ref()
                    .map_or_else(|| "the space".to_owned(), |c| c.profile.clone());
                self.toast(Toast::Error(Failure {
                    summary: format!("Not connected to {profile}: {summary}"),
                    detail: Some(detail.clone()),
                }));
                self.connection_status = if token_refused {
                    ConnectionStatus::TokenRefused { summary, detail }
                } else {
                    ConnectionStatus::Unreachable { summary, detail }
                };
            }
            AppEvent::ProfilesLoaded(profiles) => self.profiles = profiles,
            AppEvent::TimelineAppended(event) => {
                self.events_received += 1;
                self.timeline.live_seq += 1;
                let changes_releases = matches!(
                    (event.entity_type.as_str(), event.action.as_str()),
                    ("Release", _) | ("ReleaseAction", "execute") | ("ScheduledAction", "execute")
                );
                // Our own actions already reload what they touch; react to the rest.
                let ours = event
                    .causes
                    .release_action_id
                    .as_ref()
                    .is_some_and(|id| self.actions.iter().any(|a| &a.id == id));
                if changes_releases && !ours {
                    self.effects.push(Effect::RefreshReleases);
                }
                // Readiness read these: a saved draft, a publish elsewhere or a saved release
                // makes what was worked out stale (checked again when next shown).
                if let Some(id) = &event.entity_id {
                    match event.entity_type.as_str() {
                        "Entry" | "Asset" => {
                            self.readiness.invalidate_entity(id);
                        }
                        "Release" => self.readiness.invalidate(id),
                        "ContentType" | "Locale" => self.readiness.invalidate_all(),
                        _ => {}
                    }
                }
                if self.recent_events.len() >= RECENT_EVENTS {
                    self.recent_events.pop_front();
                }
                self.recent_events.push_back(event);
            }
            AppEvent::Timeline(result) => self.timeline.apply(result),
            AppEvent::ReadinessLoaded {
                release_id,
                version,
                readiness,
                report,
            } => self.readiness.store(release_id, version, readiness, report),
            AppEvent::ReadinessFailed { release_id, error } => {
                self.readiness.failed(release_id, error);
            }
            AppEvent::UnpublishLinksLoaded {
                release_id,
                dangling,
                unchecked,
            } => self
                .readiness
                .store_unpublish(release_id, dangling, unchecked),
            AppEvent::ChangesLoaded { release_id, diffs } => {
                self.readiness.store_changes(release_id, diffs);
            }
            AppEvent::Alerts(result) => {
                use crate::app::alerts::AlertsToast;
                match self.alerts.apply(result) {
                    Some(AlertsToast::Success(text)) => self.toast(Toast::Success(text)),
                    Some(AlertsToast::Info(text)) => self.toast(Toast::Info(text)),
                    Some(AlertsToast::Error(text)) => {
                        self.toast(Toast::Error(Failure::plain(text)))
                    }
                    None => {}
                }
            }
            AppEvent::TimelineMissed(count) => {
                self.events_received += count;
                self.timeline.live_seq += 1;
                self.toast(Toast::Info(format!(
                    "{count} webhook events arrived faster than shown; they are in the journal"
                )));
            }
            AppEvent::ProfileReady {
                id,
                client,
                connection,
            } => self.effects.push(Effect::Reconnect {
                id,
                client,
                connection,
            }),
            AppEvent::SandboxLoadProgress {
                source,
                progress,
                cancellable,
            } => self.sandbox_load_progressed(source, progress, cancellable),
            AppEvent::SandboxLoadCanceled => self.sandbox_load_canceled(),
            AppEvent::SandboxLoaded { source, report, at } => {
                self.sandbox_loaded(source, report, at);
            }
            AppEvent::SandboxReset { at } => {
                self.toast(Toast::Success("Sandbox restored to the demo space".into()));
                self.space_replaced(at);
            }
            AppEvent::ScheduledActionsLoaded { from, to, items } => {
                let fresh: std::collections::HashSet<&str> =
                    items.iter().map(|a| a.sys.id.as_str()).collect();
                // Actions of the range the server no longer lists are gone (e.g. after a reset).
                self.scheduled_actions.retain(|id, a| {
                    let t = a.scheduled_for.datetime;
                    fresh.contains(id.as_str()) || t < from || t >= to
                });
                for action in items {
                    self.upsert_scheduled(action);
                }
                self.scheduled_range = Some((from, to));
                self.scheduled_loading = false;
                self.scheduled_generation += 1;
            }
            AppEvent::ScheduledPageLoaded {
                query,
                items,
                next_cursor,
                append,
            } => {
                let page = &mut self.scheduled_page;
                if !append || page.query.as_ref() != Some(&query) {
                    page.ids.clear();
                }
                page.query = Some(query);
                page.ids.extend(items.iter().map(|a| a.sys.id.clone()));
                page.next = next_cursor;
                page.loading = false;
                page.loaded = true;
                for action in items {
                    self.upsert_scheduled(action);
                }
                self.scheduled_generation += 1;
            }
            AppEvent::ReleaseSchedulesLoaded(items) => {
                for action in items {
                    self.upsert_scheduled(action);
                }
                self.scheduled_generation += 1;
                self.releases_generation += 1;
            }
            AppEvent::ScheduledActionUpdated(action) => {
                self.upsert_scheduled(action);
                self.scheduled_generation += 1;
            }
            AppEvent::ScheduleSaved(action) => {
                self.schedule_submit = ScheduleSubmit::Saved(action.sys.id.clone());
                if self
                    .conflict
                    .as_ref()
                    .is_some_and(|c| c.id == action.sys.id)
                {
                    self.conflict = None;
                }
                self.upsert_scheduled(action);
                self.scheduled_generation += 1;
            }
            AppEvent::ScheduleRejected { message } => {
                self.schedule_submit = ScheduleSubmit::Rejected(message);
            }
            AppEvent::ReleaseTitlesLoaded(titles) => {
                self.release_titles.extend(titles);
                self.scheduled_generation += 1;
            }
        }
    }

    /// Drops a release that no longer exists; its detail, if open, closes.
    fn forget_release(&mut self, id: &str) {
        self.releases.retain(|r| r.sys.id != id);
        self.latest_actions.remove(id);
        self.release_actions.remove(id);
        self.readiness.forget(id);
        self.releases_generation += 1;
        self.effects.push(Effect::CloseRelease(id.to_owned()));
    }

    fn clear_scheduled(&mut self) {
        self.scheduled_actions.clear();
        self.scheduled_range = None;
        self.scheduled_page = ScheduledPage::default();
        self.scheduled_generation += 1;
    }

    /// Stores a scheduled action; a toast tells when one the app knew as pending has run.
    fn upsert_scheduled(&mut self, action: ScheduledAction) {
        use crate::cma::ScheduledActionStatus as S;
        let was_pending = self
            .scheduled_actions
            .get(&action.sys.id)
            .is_some_and(|old| !old.sys.status.is_final());
        if was_pending && action.sys.status.is_final() {
            let what = format!(
                "Scheduled {} of '{}'",
                action.action,
                self.schedule_title(&action)
            );
            match action.sys.status {
                S::Succeeded => self.toast(Toast::Success(format!("{what} succeeded"))),
                S::Failed => self.toast(Toast::Error(
                    format!(
                        "{what} failed: {}",
                        action
                            .error
                            .as_ref()
                            .map_or("no reason given", |e| e.message_or_id())
                    )
                    .into(),
                )),
                _ => {}
            }
            // It ran without this session starting it: what shows releases is stale.
            if matches!(action.sys.status, S::Succeeded | S::Failed) {
                self.effects.push(Effect::RefreshReleases);
            }
        }
        self.scheduled_actions.insert(action.sys.id.clone(), action);
    }

    /// A release's title: from the loaded releases, else from the titles loaded for schedules,
    /// else its id.
    pub fn release_title(&self, id: &str) -> String {
        self.release(id)
            .map(|r| r.title.clone())
            .or_else(|| self.release_titles.get(id).cloned())
            .unwrap_or_else(|| id.to_owned())
    }

    /// What a scheduled action acts on, for people: the release's title or the entity's display
    /// title when loaded, else its id.
    pub fn schedule_title(&self, action: &ScheduledAction) -> String {
        let link = &action.entity;
        match link.link_type() {
            crate::cma::LinkType::Release => self.release_title(link.id()),
            _ => self.entity(link).map_or_else(
                || link.id().to_owned(),
                |e| self.display_title(e).to_owned(),
            ),
        }
    }

    fn upsert_release(&mut self, release: Release) {
        match self
            .releases
            .iter_mut()
            .find(|r| r.sys.id == release.sys.id)
        {
            Some(slot) => *slot = release,
            None => self.releases.push(release),
        }
    }

    fn upsert_entity(&mut self, entity: Entity) {
        self.entities.insert(entity_key(&entity), entity);
    }

    /// Keeps the entity cache bounded: past [`ENTITY_CACHE_CAP`], the entities no loaded page,
    /// search or request refers to go (a view that still needs one asks for it again).
    fn trim_entities(&mut self) {
        if self.entities.len() <= ENTITY_CACHE_CAP {
            return;
        }
        let keep = self.entity_view.refers_to();
        self.entities.retain(|key, _| keep.contains(key));
        self.entities_generation += 1;
    }

    /// The entities of `links` (entries and assets; other links are skipped) that are neither
    /// loaded, nor being loaded, nor known to be absent: what a view should ask for with
    /// [`Command::ResolveEntities`]. Empty when there is nothing to ask.
    pub fn missing_entities<'l>(
        &self,
        links: impl IntoIterator<Item = &'l Link>,
    ) -> Vec<EntityKey> {
        let resolving = &self.entity_view.resolving;
        let mut seen = std::collections::HashSet::new();
        links
            .into_iter()
            .filter_map(|link| {
                let kind = match link.link_type() {
                    crate::cma::LinkType::Entry => EntityKind::Entry,
                    crate::cma::LinkType::Asset => EntityKind::Asset,
                    _ => return None,
                };
                Some((kind, link.id().to_owned()))
            })
            .filter(|key| {
                !self.entities.contains_key(key)
                    && !resolving.in_flight.contains(key)
                    && !resolving.absent.contains(key)
                    && seen.insert(key.clone())
            })
            .collect()
    }

    /// Whether an entity was asked for and is still loading.
    pub fn entity_loading(&self, key: &EntityKey) -> bool {
        self.entity_view.resolving.in_flight.contains(key)
    }

    fn note_action(&mut self, action: ReleaseAction) {
        let release_id = action.sys.release.id().to_owned();
        let newer = self
            .latest_actions
            .get(&release_id)
            .is_none_or(|old| old.sys.updated_at <= action.sys.updated_at);
        if newer {
            self.latest_actions.insert(release_id, action);
        }
    }

    fn track(&mut self, action: TrackedAction) {
        if action.status.is_final() {
            // The verdict weighs the last run (and a publish moves the version).
            if let ActionTarget::Release(id) = &action.target {
                self.readiness.invalidate(id);
            }
            let verb = action.action.to_string();
            match (&action.status, &action.error) {
                (crate::cma::ActionStatus::Succeeded, _) => self.toast(Toast::Success(format!(
                    "{}: {verb} succeeded",
                    action.label
                ))),
                (_, Some(error)) => self.toast(Toast::Error(
                    format!(
                        "{}: {verb} failed — {} entit{} with errors",
                        action.label,
                        error.entity_errors().len(),
                        if error.entity_errors().len() == 1 {
                            "y"
                        } else {
                            "ies"
                        }
                    )
                    .into(),
                )),
                _ => self.toast(Toast::Error(
                    format!("{}: {verb} failed", action.label).into(),
                )),
            }
        }
        if let ActionTarget::Release(_) = &action.target {
            self.releases_generation += 1;
        }
        match self.actions.iter_mut().find(|a| a.id == action.id) {
            Some(slot) => *slot = action,
            None => self.actions.push(action),
        }
    }

    /// Actions still running.
    pub fn actions_in_flight(&self) -> usize {
        self.actions.iter().filter(|a| !a.status.is_final()).count()
    }

    /// The most recent tracked action on a release.
    pub fn tracked_for_release(&self, release_id: &str) -> Option<&TrackedAction> {
        self.actions
            .iter()
            .rev()
            .find(|a| a.target == ActionTarget::Release(release_id.to_owned()))
    }

    /// A release's last action, for "Last action": the one this session runs while it runs,
    /// else the newer of the one this session started last and the server's latest (which
    /// may be one this session did not start: a scheduled publish, another user's).
    pub fn last_release_action(&self, release_id: &str) -> Option<LastAction> {
        let tracked = self.tracked_for_release(release_id);
        let server = self.latest_actions.get(release_id);
        let from_tracked = |t: &TrackedAction| LastAction {
            id: t.id.clone(),
            action: t.action.clone(),
            status: t.status.clone(),
            has_error: t.error.is_some(),
        };
        let from_server = |a: &ReleaseAction| LastAction {
            id: a.sys.id.clone(),
            action: a.action.clone(),
            status: a.sys.status.clone(),
            has_error: a.error.is_some(),
        };
        match (tracked, server) {
            (Some(t), _) if !t.status.is_final() => Some(from_tracked(t)),
            (Some(t), Some(a)) if a.sys.id != t.id && a.sys.created_at > t.created_at => {
                Some(from_server(a))
            }
            (Some(t), _) => Some(from_tracked(t)),
            (None, Some(a)) => Some(from_server(a)),
            (None, None) => None,
        }
    }

    /// The item shape of new items in a Timeline release of this space.
    pub fn timeline_item_model(&self) -> crate::cma::ItemModel {
        self.release_model.timeline_items()
    }

    /// The pending schedule of release `id` that runs first (overdue ones included), if any
    /// is loaded.
    pub fn next_schedule(&self, id: &str) -> Option<&crate::cma::ScheduledAction> {
        self.next_schedules
            .get(id)
            .and_then(|action| self.scheduled_actions.get(action))
    }

    /// A release by id: from the list, else from a picker's search (the schedule dialog can
    /// pick releases of the model the list is not showing).
    pub fn release(&self, id: &str) -> Option<&Release> {
        self.releases.iter().find(|r| r.sys.id == id).or_else(|| {
            self.entity_view
                .searches
                .values()
                .flat_map(|s| &s.releases)
                .find(|r| r.sys.id == id)
        })
    }

    /// The entity a link points at, if loaded.
    pub fn entity(&self, link: &Link) -> Option<&Entity> {
        let kind = match link.link_type() {
            crate::cma::LinkType::Asset => EntityKind::Asset,
            _ => EntityKind::Entry,
        };
        self.entities.get(&(kind, link.id().to_owned()))
    }

    /// The default locale code.
    pub fn default_locale(&self) -> &str {
        self.locales
            .iter()
            .find(|l| l.default)
            .map_or("en-US", |l| l.code.as_str())
    }

    /// An entity's display title: the content type's display field in the default locale
    /// (assets: their title), else its id.
    pub fn display_title<'a>(&'a self, entity: &'a Entity) -> &'a str {
        let locale = self.default_locale();
        let field = match &entity.sys.content_type {
            Some(ct) => self
                .content_types
                .get(ct.id())
                .and_then(|ct| ct.display_field.as_deref()),
            None => Some("title"),
        };
        field
            .and_then(|f| entity.field(f, locale))
            .and_then(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Some(s.as_str()),
                _ => None,
            })
            .unwrap_or(&entity.sys.id)
    }

    /// The content type's name of an entity ("Asset" for assets).
    pub fn content_type_name<'a>(&'a self, entity: &'a Entity) -> &'a str {
        match &entity.sys.content_type {
            Some(ct) => self
                .content_types
                .get(ct.id())
                .map_or_else(|| ct.id(), |ct| ct.name.as_str()),
            None => "Asset",
        }
    }
}

/// An entity's cache key: its kind (from `sys.type`) and id.
pub fn entity_key(entity: &Entity) -> EntityKey {
    let kind = if entity.sys.type_ == "Asset" {
        EntityKind::Asset
    } else {
        EntityKind::Entry
    };
    (kind, entity.sys.id.clone())
}

#[cfg(test)]
mod tests;
