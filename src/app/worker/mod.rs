//! The background worker: runs [`Command`]s on the tokio runtime with the `cma` client and sends
//! back [`AppEvent`]s. Each command runs as its own task, so a slow request never holds up
//! another; every result wakes the UI (`request_repaint`).
//!
//! One worker serves one connection ([`Epoch`]): its events carry the epoch, and every task it
//! starts (commands, action and schedule followers, the call-log poller) stops when its
//! [`WorkerHandle`] is shut down or dropped. Keyed requests are *latest wins*: a newer
//! `LoadReleases` aborts the older one's task; the entries view's pages of one query load side
//! by side and a page of another query aborts them (see [`LatestTasks::add`]).
//!
//! Architecture Invariant: this is the only part of the app that does I/O.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::command::{
    Command, ENTITY_PAGE, EntityQuery, PALETTE_RELEASES, PICKER_LIMIT, PickerId, PickerSearch,
    ReleaseQuery,
};
use super::event::{ActionTarget, AppEvent, Epoch, RequestKind, Stamped, TrackedAction};
use super::state::ConnectionInfo;
use crate::app::release_model::SpaceReleaseModel;
use crate::cma::{
    ActionKind, BulkAction, BulkActionPayload, BulkItemV2, Client, ClientConfig, CmaError,
    CursorCollection, Decoded, Entity, EntityKind, Link, LinkType, LocaleSet, PollOptions, Query,
    Release, ReleaseAction,
};
use crate::config::{Profile, ProfileStore};
use tokio_util::sync::CancellationToken;

use super::command::ScheduledQuery;
use crate::cma::{ScheduledAction, ScheduledActionBody, ScheduledActionStatus, Timestamp};

mod alerts;
pub use alerts::forward_alert_notices;
mod bulk;
mod connection;
mod files;
mod readiness;
mod sandbox_load;
mod schedules;
mod search;
pub mod timeline;

use schedules::Following;

/// Where the worker sends results: a channel the app drains, plus a repaint request. Every
/// event is stamped with the sink's epoch.
#[derive(Clone)]
pub struct EventSink {
    tx: std_mpsc::Sender<Stamped>,
    repaint: std::sync::Arc<dyn Fn() + Send + Sync>,
    epoch: Option<Epoch>,
}

impl EventSink {
    /// A sink sending into `tx` and calling `repaint` after each event; its events carry no
    /// epoch until [`EventSink::for_epoch`].
    pub fn new(tx: std_mpsc::Sender<Stamped>, repaint: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            tx,
            repaint: std::sync::Arc::new(repaint),
            epoch: None,
        }
    }

    /// The same channel, stamping events with `epoch`.
    pub fn for_epoch(&self, epoch: Epoch) -> Self {
        Self {
            epoch: Some(epoch),
            ..self.clone()
        }
    }

    /// The same channel, its events stamped with no epoch (applied whatever the connection).
    pub fn unstamped(&self) -> Self {
        Self {
            epoch: None,
            ..self.clone()
        }
    }

    /// Sends one event (dropped silently if the app is gone).
    pub fn send(&self, event: AppEvent) {
        let stamped = Stamped {
            epoch: self.epoch,
            event,
        };
        if self.tx.send(stamped).is_ok() {
            (self.repaint)();
        }
    }

    /// Reports a failed request, its error in words a user can act on; the log gets the
    /// request id too (what Contentful's support asks for).
    pub fn fail(&self, kind: RequestKind, error: &CmaError) {
        let request_id = error
            .api()
            .and_then(|api| api.request_id.as_deref())
            .unwrap_or_default();
        tracing::warn!(what = %kind, %error, request_id, "request failed");
        self.send(AppEvent::Failed {
            kind,
            message: crate::app::failure::plain_reason(error),
            detail: Some(crate::app::failure::technical_detail(error)),
        });
    }

    /// Reports a failed request with a message already in words (also logged: tokens never
    /// appear in these messages, the client keeps them in a header it does not print).
    pub fn failed(&self, kind: RequestKind, message: String) {
        tracing::warn!(what = %kind, error = %message, "request failed");
        self.send(AppEvent::Failed {
            kind,
            message,
            detail: None,
        });
    }
}

/// A cloneable handle to push commands to the worker. It owns the worker's tasks: shutting it
/// down, or dropping its last clone, cancels every task the worker started.
#[derive(Clone, Debug)]
pub struct WorkerHandle {
    tx: mpsc::UnboundedSender<Command>,
    epoch: Epoch,
    cancel: CancellationToken,
    _guard: std::sync::Arc<tokio_util::sync::DropGuard>,
}

impl WorkerHandle {
    /// Queues a command (never blocks).
    pub fn send(&self, command: Command) {
        let _ = self.tx.send(command);
    }

    /// The connection epoch this worker stamps its events with.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// Cancels every task of this worker (commands in flight, followers, pollers); later
    /// commands are dropped, except those that outlive the connection
    /// ([`Command::outlives_connection`]), which still run to their end.
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }

    /// Whether [`WorkerHandle::shutdown`] ran (or the last handle was dropped).
    pub fn is_shut_down(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// Requests of which only the newest matters: a newer one aborts the older one's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LatestWins {
    /// The releases list (search, filter, order, pages).
    Releases,
    /// The scheduled-actions list.
    ScheduledPage,
    /// A copy of a space into the sandbox: a cancel replaces (aborts) it.
    SandboxLoad,
    /// The entries view's pages: pages of one query load side by side (the user scrolls
    /// over several); a page of another query aborts them all.
    EntityPages,
    /// One picker's server search.
    EntitySearch(super::command::PickerId),
    /// The command palette's release search.
    ReleaseSearch,
}

impl LatestWins {
    /// The key of a command that is latest-wins, if it is one, with its group: tasks of the
    /// same key and group run side by side, a task of another group aborts them.
    pub fn of(command: &Command) -> Option<(Self, Option<u64>)> {
        match command {
            Command::LoadReleases { .. } => Some((Self::Releases, None)),
            Command::LoadScheduledPage { .. } => Some((Self::ScheduledPage, None)),
            Command::LoadEntityPage { query, .. } => {
                use std::hash::{Hash, Hasher};
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                query.hash(&mut hasher);
                Some((Self::EntityPages, Some(hasher.finish())))
            }
            Command::SearchEntities { picker, .. } => Some((Self::EntitySearch(*picker), None)),
            Command::SearchReleases { .. } => Some((Self::ReleaseSearch, None)),
            Command::CopySpaceIntoSandbox | Command::CancelSandboxLoad => {
                Some((Self::SandboxLoad, None))
            }
            _ => None,
        }
    }
}

/// The running tasks of each [`LatestWins`] key, with their group.
#[derive(Debug, Default)]
pub struct LatestTasks(
    std::collections::HashMap<LatestWins, (Option<u64>, Vec<tokio::task::AbortHandle>)>,
);

impl LatestTasks {
    /// Records `task` as the newest of `key`, aborting the one it replaces.
    pub fn replace(&mut self, key: LatestWins, task: tokio::task::AbortHandle) {
        self.add(key, None, task);
    }

    /// Records `task` under `key`: with the same `Some` group as the running ones it joins
    /// them; otherwise (another group, or no group) it aborts them.
    pub fn add(&mut self, key: LatestWins, group: Option<u64>, task: tokio::task::AbortHandle) {
        let slot = self.0.entry(key).or_insert_with(|| (group, Vec::new()));
        if group.is_none() || slot.0 != group {
            for older in slot.1.drain(..) {
                older.abort();
            }
            slot.0 = group;
        }
        slot.1.retain(|t| !t.is_finished());
        slot.1.push(task);
    }
}

/// What the worker needs besides the client.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Whether the backend is the embedded sandbox (reset allowed).
    pub is_sandbox: bool,
    /// How often running actions are polled.
    pub poll_interval: Duration,
    /// Where connection profiles and tokens are kept.
    pub profiles: ProfileStore,
    /// The local sandbox's connection, to switch back to.
    pub sandbox: Option<(Box<ClientConfig>, ConnectionInfo)>,
    /// The embedded receiver's journal, for the timeline view.
    pub journal: Option<crate::timeline::Journal>,
    /// The receiver's signing secret: shown as "signing on", checked by the call-log poller,
    /// and set in the space when the sources panel configures a webhook.
    pub receiver_secret: Option<crate::signing::SigningSecret>,
    /// Where the app reads "now" (views, and which schedules are due).
    pub clock: crate::clock::Clock,
    /// How a file to open is chosen: the desktop's dialog, or (tests) a given file.
    pub file_choice: FileChoice,
    /// The embedded timeline's alerts and the file their rules are saved to.
    pub alerts: Option<AppAlerts>,
}

/// The alerts the app edits: the embedded timeline's handle and the rules file.
#[derive(Clone, Debug)]
pub struct AppAlerts {
    /// The running alerts.
    pub handle: crate::alerts::AlertsHandle,
    /// Where Settings saves the rules (owner-only).
    pub file: std::path::PathBuf,
}

/// How the worker chooses a file to open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FileChoice {
    /// Ask with the desktop's file dialog.
    #[default]
    Ask,
    /// Use this file without asking (tests: no dialog can open headless).
    Given(std::path::PathBuf),
}

impl WorkerOptions {
    /// Options with the user's config directory and no sandbox to switch back to.
    pub fn new(is_sandbox: bool) -> Self {
        Self {
            is_sandbox,
            poll_interval: Duration::from_millis(400),
            profiles: ProfileStore::with_system_keychain(crate::config::config_dir()),
            sandbox: None,
            journal: None,
            receiver_secret: None,
            clock: crate::clock::Clock::system(),
            file_choice: FileChoice::Ask,
            alerts: None,
        }
    }
}

/// Starts the worker of connection `epoch` on `runtime`; its events go to `sink` stamped with
/// `epoch`.
pub fn spawn(
    runtime: &tokio::runtime::Handle,
    client: Client,
    sink: &EventSink,
    options: WorkerOptions,
    epoch: Epoch,
) -> WorkerHandle {
    let (tx, mut rx) = mpsc::unbounded_channel::<Command>();
    let cancel = CancellationToken::new();
    let worker = Worker {
        client,
        sink: sink.for_epoch(epoch),
        options,
        following: Following::default(),
        timeline_tasks: timeline::sources::TimelineTasks::default(),
        readiness: readiness::ReadinessTasks::default(),
        cancel: cancel.clone(),
    };
    alerts::follow_revalidations(runtime, &worker);
    let inner = runtime.clone();
    runtime.spawn(async move {
        let mut latest = LatestTasks::default();
        // Runs until the last handle is gone; after a shutdown only the commands that outlive
        // the connection still run (a profile being saved, a file being written).
        while let Some(command) = rx.recv().await {
            // Writes to the saved profiles finish before the next command is read: a switch
            // sent right after a save connects with what was saved (spawned, it could read the
            // store first).
            if matches!(
                command,
                Command::SaveProfile { .. } | Command::DeleteProfile { .. }
            ) {
                worker.unbound().run(command).await;
                continue;
            }
            if command.outlives_connection() {
                let task = worker.unbound();
                inner.spawn(async move { task.run(command).await });
                continue;
            }
            if worker.cancel.is_cancelled() {
                tracing::debug!(?command, "dropped: the connection was replaced");
                continue;
            }
            let key = LatestWins::of(&command);
            let task = worker.clone();
            let handle = inner.spawn(
                worker
                    .cancel
                    .clone()
                    .run_until_cancelled_owned(async move { task.run(command).await }),
            );
            if let Some((key, group)) = key {
                latest.add(key, group, handle.abort_handle());
            }
        }
    });
    WorkerHandle {
        tx,
        epoch,
        _guard: std::sync::Arc::new(cancel.clone().drop_guard()),
        cancel,
    }
}

#[derive(Clone)]
struct Worker {
    client: Client,
    sink: EventSink,
    options: WorkerOptions,
    following: Following,
    timeline_tasks: timeline::sources::TimelineTasks,
    readiness: readiness::ReadinessTasks,
    cancel: CancellationToken,
}

/// How long an action the app started is followed before the app stops polling it.
const FOLLOW_ACTION_FOR: Duration = Duration::from_secs(600);

impl Worker {
    /// This worker with a background client ([`Client::background`]): its requests wait
    /// while a foreground one waits for the rate limiter.
    fn in_background(&self) -> Self {
        let mut worker = self.clone();
        worker.client = self.client.background();
        worker
    }

    /// This worker for a command that outlives the connection: its events carry no epoch, and
    /// shutting the worker down does not stop it.
    fn unbound(&self) -> Self {
        Self {
            sink: self.sink.unstamped(),
            cancel: CancellationToken::new(),
            ..self.clone()
        }
    }

    /// Polling of the actions the app started: every `poll_interval`, for up to 10 minutes.
    fn poll_options(&self) -> PollOptions {
        PollOptions {
            initial_delay: self.options.poll_interval,
            interval: self.options.poll_interval,
            max_interval: self.options.poll_interval,
            timeout: FOLLOW_ACTION_FOR,
        }
    }

    /// Spawns a task of this worker: it stops when the worker is shut down.
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        tokio::spawn(self.cancel.clone().run_until_cancelled_owned(task));
    }
}

/// An error in words a user can act on.
pub fn describe(error: &CmaError) -> String {
    match error {
        CmaError::Network(_) => format!("cannot reach the server ({error})"),
        CmaError::ValidationFailed(api) => {
            let fields = api.body.field_errors();
            match fields.first() {
                Some(f) => format!(
                    "{} ({})",
                    f.details.clone().unwrap_or_else(|| f.name.clone()),
                    f.path_string()
                ),
                None => error.to_string(),
            }
        }
        _ => error.to_string(),
    }
}

fn release_query(query: &ReleaseQuery, cursor: Option<String>) -> Query {
    let mut q = Query::new().limit(100).order(if query.order.is_empty() {
        "-sys.updatedAt"
    } else {
        &query.order
    });
    if !query.search.trim().is_empty() {
        q.insert("title[match]", query.search.trim());
    }
    match query.archived {
        Some(true) => q.insert("sys.status[in]", "archived"),
        Some(false) => q.insert("sys.status[in]", "active"),
        None => {}
    }
    if query.timeline {
        q.insert("sys.schemaVersion", "Release.v2");
    }
    if let Some(cursor) = cursor {
        q.insert("pageNext", cursor);
    }
    q
}

impl Worker {
    async fn run(self, command: Command) {
        match command {
            Command::LoadSpace => self.load_space().await,
            Command::LoadReleases { query, cursor } => self.load_releases(query, cursor).await,
            Command::OpenRelease { id, members } => self.open_release(&id, &members).await,
            Command::CreateRelease { body } => match self.client.create_release(&body).await {
                Ok(release) => {
                    let id = release.sys.id.clone();
                    self.sink.send(AppEvent::ReleaseCreated(release));
                    self.open_release(&id, &[]).await;
                }
                Err(e) => self.sink.fail(RequestKind::CreateRelease, &e),
            },
            Command::UpdateRelease { id, version, body } => {
                match self.client.update_release(&id, version, &body).await {
                    Ok(release) => {
                        self.sink.send(AppEvent::ReleaseUpdated(release));
                        self.open_release(&id, &[]).await;
                    }
                    Err(e) => {
                        self.conflict_or_fail(RequestKind::UpdateRelease, &id, e)
                            .await
                    }
                }
            }
            Command::SetReleaseArchived {
                id,
                version,
                archived,
            } => {
                let result = if archived {
                    self.client.archive_release(&id, version).await
                } else {
                    self.client.unarchive_release(&id, version).await
                };
                match result {
                    Ok(release) => {
                        let verb = if archived { "Archived" } else { "Unarchived" };
                        self.sink
                            .send(AppEvent::Notified(format!("{verb} '{}'", release.title)));
                        self.sink.send(AppEvent::ReleaseUpdated(release));
                    }
                    Err(e) => {
                        self.conflict_or_fail(RequestKind::SetReleaseArchived(archived), &id, e)
                            .await;
                    }
                }
            }
            Command::DeleteRelease { id } => match self.client.delete_release(&id).await {
                Ok(()) => self.sink.send(AppEvent::ReleaseDeleted(id)),
                Err(e) => self.sink.fail(RequestKind::DeleteRelease, &e),
            },
            Command::RunReleaseAction { id, action } => self.run_release_action(&id, action).await,
            Command::LoadEntityPage { query, page, .. } => {
                self.load_entity_page(query, page).await;
            }
            // Titles a view lacks are background work: under a rate limit, the page or range
            // the user opened goes first and the names fill in after.
            Command::ResolveEntities { ids } => self.in_background().resolve_entities(ids).await,
            Command::SearchEntities { picker, search } => {
                self.search_entities(picker, search).await;
            }
            Command::SearchReleases { search } => self.search_releases(search).await,
            Command::ResolveReleases { ids } => {
                let titles = self.in_background().release_titles_by_id(ids).await;
                self.sink.send(AppEvent::ReleaseTitlesLoaded(titles));
            }
            Command::LoadEntity { kind, id } => match self.client.get_entity(kind, &id).await {
                Ok(entity) => self.sink.send(AppEvent::EntityLoaded(entity)),
                Err(e) => self.sink.fail(RequestKind::LoadEntity, &e),
            },
            Command::RunBulkAction {
                action,
                items,
                locales,
            } => self.run_bulk_action(action, items, locales).await,
            Command::TestConnection => self.test_connection().await,
            Command::TestProfile { profile, token } => self.test_profile(profile, token).await,
            Command::ResetSandbox { locale_publishing } => {
                self.reset_sandbox(locale_publishing).await
            }
            Command::LoadSandboxExport { path } => self.load_export_into_sandbox(path).await,
            Command::CopySpaceIntoSandbox => self.copy_space_into_sandbox().await,
            Command::CancelSandboxLoad => self.sink.send(AppEvent::SandboxLoadCanceled),
            Command::DismissConflict => {}
            Command::LoadProfiles => self.load_profiles(),
            Command::SaveProfile { profile, token } => {
                match self.options.profiles.save(&profile, token.as_ref()) {
                    Ok(()) => {
                        self.sink.send(AppEvent::Notified(format!(
                            "Saved connection '{}'",
                            profile.name
                        )));
                        self.load_profiles();
                    }
                    Err(e) => self.sink.failed(RequestKind::SaveProfile, e.to_string()),
                }
            }
            Command::DeleteProfile { id } => match self.options.profiles.delete(&id) {
                Ok(()) => self.load_profiles(),
                Err(e) => self.sink.failed(RequestKind::DeleteProfile, e.to_string()),
            },
            Command::SwitchProfile { id } => self.switch_profile(id),
            Command::LoadScheduledActions { from, to } => self.load_scheduled(from, to).await,
            Command::LoadScheduledAction { id } => {
                match self.client.get_scheduled_action(&id).await {
                    Ok(action) => {
                        self.follow_if_due_soon(&action);
                        self.sink.send(AppEvent::ScheduledActionUpdated(action));
                    }
                    Err(e) => self.sink.fail(RequestKind::LoadScheduledAction, &e),
                }
            }
            Command::LoadScheduledPage { query, cursor } => {
                self.load_scheduled_page(query, cursor).await
            }
            Command::CreateSchedule { body, label } => self.create_schedule(body, label).await,
            Command::Reschedule {
                id,
                version,
                body,
                label,
            } => self.reschedule(id, version, body, label).await,
            Command::CancelSchedule { id, label } => {
                match self.client.cancel_scheduled_action(&id).await {
                    Ok(action) => {
                        self.sink
                            .send(AppEvent::Notified(format!("Canceled the {label}")));
                        self.sink.send(AppEvent::ScheduledActionUpdated(action));
                    }
                    Err(e) => {
                        self.sink.fail(RequestKind::CancelSchedule(label), &e);
                        if let Ok(latest) = self.client.get_scheduled_action(&id).await {
                            self.sink.send(AppEvent::ScheduledActionUpdated(latest));
                        }
                    }
                }
            }
            Command::ExportIcs {
                file_name,
                calendar_name,
                events,
            } => self.export_ics(file_name, calendar_name, events).await,
            Command::Timeline(request) => self.timeline(request).await,
            Command::CheckReadiness { release_ids } => self.check_readiness(release_ids),
            Command::CheckUnpublish { release_id } => self.check_unpublish(release_id).await,
            Command::LoadChanges { release_id } => self.load_changes(release_id).await,
            Command::Alerts(request) => self.alerts(request).await,
        }
    }

    /// Loads the space, its content types and locales; the first failure ends it (one
    /// unreachable host is reported once, not after three rounds of retries).
    async fn load_space(&self) {
        // Side by side: one round trip (the rate limiter still spaces the requests). The space
        // is announced as soon as its name, content model and locales are in (titles need
        // them); the release-model probes follow on their own.
        let space = async {
            let (space, content_types, locales) = tokio::join!(
                self.client.get_space(),
                self.client.content_types(),
                self.client.locales(),
            );
            match (space, content_types, locales) {
                (Ok(space), Ok(content_types), Ok(locales)) => {
                    self.sink.send(AppEvent::SpaceLoaded {
                        name: space.name,
                        content_types: content_types.clone(),
                        locales: locales.clone(),
                    });
                    // Readiness checks validate against the same model: not read twice. After
                    // the event: a check reading the model holds it until its reads answer.
                    self.prime_readiness_model(content_types, locales).await;
                    Ok(())
                }
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
            }
        };
        // The probes yield to what the user opens: until they answer, the list shows the
        // default model.
        let background = self.in_background();
        let (loaded, release_model) = tokio::join!(space, background.release_model());
        match loaded {
            Ok(()) => {
                self.sink
                    .send(AppEvent::ReleaseModelDetected(release_model));
                // The Next column and due-soon notices: filled in behind what the user opens.
                self.in_background().load_upcoming_release_schedules().await;
            }
            Err(e) => {
                let host = self
                    .client
                    .config()
                    .base_url
                    .host_str()
                    .unwrap_or("the server")
                    .to_owned();
                tracing::warn!(%host, error = %e, "connecting to the space failed");
                let token_refused =
                    matches!(e, CmaError::Unauthorized(_) | CmaError::AccessDenied(_));
                let summary = match &e {
                    CmaError::Unauthorized(_) => "The access token was refused.".to_owned(),
                    CmaError::AccessDenied(_) => {
                        "The access token may not read this space.".to_owned()
                    }
                    CmaError::NotFound(_) => "There is no such space or environment.".to_owned(),
                    CmaError::Network(_) | CmaError::Timeout => format!("Cannot reach {host}."),
                    _ => format!(
                        "Loading the space failed: {}.",
                        crate::app::failure::plain_reason(&e)
                    ),
                };
                tracing::warn!(%host, error = %e, "cannot connect: {summary}");
                self.sink.send(AppEvent::ConnectionFailed {
                    token_refused,
                    summary,
                    detail: crate::app::failure::technical_detail(&e),
                });
            }
        }
    }

    /// Which release models the space uses: one release of each is asked for (two small
    /// requests). A space whose newest releases are Timeline ones defaults to Timeline; a
    /// Timeline item with locale sets means the environment publishes by locale. A space where
    /// listing fails (no Launch/Timeline feature) is taken as Launch.
    async fn release_model(&self) -> SpaceReleaseModel {
        let one = |timeline: bool| {
            let mut q = Query::new().limit(1).order("-sys.updatedAt");
            if timeline {
                q.insert("sys.schemaVersion", "Release.v2");
            }
            q
        };
        let (launch_query, timeline_query) = (one(false), one(true));
        let (launch, timeline) = tokio::join!(
            self.client.query_releases(&launch_query),
            self.client.query_releases(&timeline_query)
        );
        let first = |page: Result<CursorCollection<Decoded<Release>>, CmaError>| {
            page.ok()
                .and_then(|p| p.items.into_iter().next())
                .and_then(Decoded::known)
        };
        let (launch, timeline) = (first(launch), first(timeline));
        // An unfiltered query may return Timeline releases too (undocumented, spec §10.1).
        let launch = launch.filter(|r| !r.is_timeline());
        SpaceReleaseModel::from_newest(launch.as_ref(), timeline.as_ref())
    }

    async fn load_releases(&self, query: ReleaseQuery, cursor: Option<String>) {
        let append = cursor.is_some();
        match self
            .client
            .query_releases(&release_query(&query, cursor))
            .await
        {
            Ok(page) => {
                let next_cursor = page.pages.next_cursor();
                let (items, unsupported) = Decoded::split(page.items);
                for u in &unsupported {
                    tracing::warn!(release = %u.label(), reason = %u.reason, "a release Release Desk cannot model");
                }
                let action_ids: Vec<String> = items
                    .iter()
                    .filter_map(|r| r.sys.last_action.as_ref().map(|l| l.id().to_owned()))
                    .collect();
                self.sink.send(AppEvent::ReleasesLoaded {
                    query,
                    next_cursor,
                    items,
                    unsupported,
                    append,
                });
                if !action_ids.is_empty() {
                    let q = Query::new()
                        .set("sys.id[in]", action_ids.join(","))
                        .limit(action_ids.len() as u64);
                    match self.client.query_release_actions(&q).await {
                        Ok(actions) => self.sink.send(AppEvent::LatestActionsLoaded(actions)),
                        Err(e) => self.sink.fail(RequestKind::LoadLatestActions, &e),
                    }
                }
            }
            Err(e) => self.sink.fail(RequestKind::LoadReleases, &e),
        }
    }

    /// The entries and assets behind `links`, 100 ids a request, the requests side by side:
    /// over the internet their round trips overlap (the client's limiter still spaces them).
    async fn fetch_entities(&self, links: &[Link]) -> Result<Vec<Entity>, CmaError> {
        let mut requests = Vec::new();
        for (kind, link_type) in [
            (EntityKind::Entry, LinkType::Entry),
            (EntityKind::Asset, LinkType::Asset),
        ] {
            let ids: Vec<&str> = links
                .iter()
                .filter(|l| *l.link_type() == link_type)
                .map(Link::id)
                .collect();
            for batch in crate::cma::ids::id_batches(&ids) {
                let q = Query::ids_in(batch);
                requests.push(async move { self.client.query_entities(kind, &q).await });
            }
        }
        let pages = futures_util::future::try_join_all(requests).await?;
        Ok(pages.into_iter().flat_map(|page| page.items).collect())
    }

    async fn open_release(&self, id: &str, members: &[Link]) {
        // The members already known resolve beside the read of the release, its schedules and
        // its action history: the page fills in one round trip, not two.
        let known = entity_keys(members);
        if !known.is_empty() {
            self.sink.send(AppEvent::EntitiesResolving(known.clone()));
        }
        let read = async {
            let release = match self.client.get_release(id).await {
                Ok(release) => release,
                Err(CmaError::NotFound(_)) => {
                    return self.sink.send(AppEvent::ReleaseGone(id.to_owned()));
                }
                Err(e) => return self.sink.fail(RequestKind::OpenRelease, &e),
            };
            let added: Vec<(EntityKind, String)> = entity_keys(&release.entities.link_vec())
                .into_iter()
                .filter(|key| !known.contains(key))
                .collect();
            // Marked as loading before the release shows, so its view does not ask for them too.
            if !added.is_empty() {
                self.sink.send(AppEvent::EntitiesResolving(added.clone()));
            }
            self.sink.send(AppEvent::ReleaseUpdated(release));
            self.resolve_entities(added).await;
        };
        let schedules = async {
            let q = Query::new()
                .set("entity.sys.id", id)
                .order("-scheduledFor.datetime")
                .limit(20);
            match self.client.query_scheduled_actions(&q).await {
                Ok(page) => self.sink.send(AppEvent::ReleaseSchedulesLoaded(page.items)),
                Err(e) => tracing::debug!("schedules of release {id}: {e}"),
            }
        };
        let actions = async {
            let q = Query::new()
                .set("sys.release.sys.id[in]", id)
                .order("-sys.createdAt")
                .limit(100);
            match self.client.query_release_actions(&q).await {
                Ok(actions) => self.sink.send(AppEvent::ReleaseActionsLoaded {
                    release_id: id.to_owned(),
                    actions,
                }),
                Err(e) => self.sink.fail(RequestKind::LoadReleaseActions, &e),
            }
        };
        tokio::join!(
            read,
            self.resolve_entities(known.clone()),
            schedules,
            actions
        );
    }

    /// A 409 becomes a conflict notice naming who changed it; anything else a failure.
    async fn conflict_or_fail(&self, kind: RequestKind, id: &str, error: CmaError) {
        if let CmaError::Conflict {
            current_version, ..
        } = &error
        {
            let latest: Option<Release> = self.client.get_release(id).await.ok();
            self.sink.send(AppEvent::Conflict {
                what: kind.to_string(),
                id: id.to_owned(),
                current_version: latest.as_ref().map(|r| r.sys.version).or(*current_version),
                changed_by: latest
                    .as_ref()
                    .and_then(|r| r.sys.updated_by.as_ref())
                    .map(|l| format!("{} {}", l.link_type(), l.id())),
            });
        } else {
            self.sink.fail(kind, &error);
        }
    }

    async fn run_release_action(&self, id: &str, action: ActionKind) {
        // Spec §1 [I]: re-read the release right before a call that carries its version.
        let release = match self.client.get_release(id).await {
            Ok(r) => r,
            Err(e) => return self.sink.fail(RequestKind::ReadRelease, &e),
        };
        let label = format!("Release '{}'", release.title);
        let started = match action {
            ActionKind::Publish => self.client.publish_release(id, release.sys.version).await,
            ActionKind::Unpublish => self.client.unpublish_release(id, release.sys.version).await,
            _ => {
                self.client
                    .validate_release(id, Some(ActionKind::Publish))
                    .await
            }
        };
        let started = match started {
            Ok(a) => a,
            Err(e) => {
                return self
                    .sink
                    .fail(RequestKind::StartReleaseAction { action, label }, &e);
            }
        };
        self.sink
            .send(AppEvent::ActionUpdated(tracked_release(&started, &label)));
        if !started.sys.status.is_final() {
            let mut last = started.sys.status.clone();
            let followed = self
                .client
                .wait_release_action_with(id, &started.sys.id, &self.poll_options(), |a| {
                    if a.sys.status != last {
                        last = a.sys.status.clone();
                        self.sink
                            .send(AppEvent::ActionUpdated(tracked_release(a, &label)));
                    }
                })
                .await;
            match followed {
                // Still running after the follow window: the release shows what it is now.
                Ok(_) | Err(CmaError::ActionTimedOut { .. }) => {}
                Err(e) => {
                    return self
                        .sink
                        .fail(RequestKind::FollowReleaseAction { action, label }, &e);
                }
            }
        }
        self.open_release(id, &[]).await;
    }

    /// One page of the entries view: `skip`/`limit` with the query's filters, all on the
    /// server.
    async fn load_entity_page(&self, query: EntityQuery, page: usize) {
        match self
            .client
            .query_entities(query.kind, &entity_page_query(&query, page))
            .await
        {
            Ok(found) => self.sink.send(AppEvent::EntityPageLoaded {
                query,
                page,
                total: found.total,
                items: found.items,
            }),
            Err(e) => self.sink.fail(RequestKind::LoadEntityPage, &e),
        }
    }

    /// Entities by id, up to 200 a request ([`crate::cma::ids::id_batches`]); always answers
    /// with what it asked for, so the state stops waiting for them even when a request failed.
    async fn resolve_entities(&self, ids: Vec<(EntityKind, String)>) {
        if ids.is_empty() {
            return;
        }
        let links: Vec<Link> = ids.iter().map(|(k, id)| link_of(*k, id)).collect();
        let (found, error) = match self.fetch_entities(&links).await {
            Ok(found) => (found, None),
            Err(e) => (Vec::new(), Some(describe(&e))),
        };
        self.sink.send(AppEvent::EntitiesResolved {
            requested: ids,
            found,
            error,
        });
    }
}

/// A link to an entry or asset.
fn link_of(kind: EntityKind, id: &str) -> Link {
    match kind {
        EntityKind::Entry => Link::new(LinkType::Entry, id),
        EntityKind::Asset => Link::new(LinkType::Asset, id),
    }
}

/// The (kind, id) of the entries and assets among `links`.
fn entity_keys(links: &[Link]) -> Vec<(EntityKind, String)> {
    links
        .iter()
        .filter_map(|l| match l.link_type() {
            LinkType::Entry => Some((EntityKind::Entry, l.id().to_owned())),
            LinkType::Asset => Some((EntityKind::Asset, l.id().to_owned())),
            _ => None,
        })
        .collect()
}

/// The CMA query of one page of the entries view (spec §5: `skip`/`limit`, `query`,
/// `content_type`, `sys.*[exists]`, `order`).
pub fn entity_page_query(query: &EntityQuery, page: usize) -> Query {
    let mut q = Query::new()
        .limit(ENTITY_PAGE as u64)
        .set("skip", page * ENTITY_PAGE);
    search::entity_filters(&mut q, query);
    q
}

fn tracked_release(action: &ReleaseAction, label: &str) -> TrackedAction {
    log_if_failed("release action", &action.sys.id, label, &action.sys.status);
    TrackedAction {
        id: action.sys.id.clone(),
        target: ActionTarget::Release(action.sys.release.id().to_owned()),
        action: action.action.clone(),
        status: action.sys.status.clone(),
        error: action.error.clone(),
        label: label.to_owned(),
        created_at: action.sys.created_at,
    }
}

/// An action the app followed that failed goes to the log too (the toast goes away).
fn log_if_failed(kind: &str, id: &str, label: &str, status: &crate::cma::ActionStatus) {
    if *status == crate::cma::ActionStatus::Failed {
        tracing::warn!(kind, id, label, "action failed");
    }
}
