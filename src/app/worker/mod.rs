//! The background worker: runs [`Command`]s on the tokio runtime with the `cma` client and sends
//! back [`AppEvent`]s. Each command runs as its own task, so a slow request never holds up
//! another; every result wakes the UI (`request_repaint`).
//!
//! Architecture Invariant: this is the only part of the app that does I/O.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use futures_util::TryStreamExt;
use tokio::sync::mpsc;

use super::command::{Command, ReleaseQuery};
use super::event::{ActionTarget, AppEvent, TrackedAction};
use super::state::ConnectionInfo;
use crate::cma::{
    ActionKind, ActionStatus, BulkAction, Client, ClientConfig, CmaError, Entity, EntityKind, Link,
    LinkType, Query, Release, ReleaseAction, ReleaseBody,
};
use crate::config::{Profile, ProfileStore};

use super::command::ScheduledQuery;
use crate::cma::{ScheduledAction, ScheduledActionBody, ScheduledActionStatus, Timestamp};

mod connection;
mod schedules;

use schedules::Following;

/// Where the worker sends results: a channel the app drains, plus a repaint request.
#[derive(Clone)]
pub struct EventSink {
    tx: std_mpsc::Sender<AppEvent>,
    repaint: std::sync::Arc<dyn Fn() + Send + Sync>,
}

impl EventSink {
    /// A sink sending into `tx` and calling `repaint` after each event.
    pub fn new(tx: std_mpsc::Sender<AppEvent>, repaint: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            tx,
            repaint: std::sync::Arc::new(repaint),
        }
    }

    /// Sends one event (dropped silently if the app is gone).
    pub fn send(&self, event: AppEvent) {
        if self.tx.send(event).is_ok() {
            (self.repaint)();
        }
    }

    fn fail(&self, context: &str, error: &CmaError) {
        self.send(AppEvent::Failed {
            context: context.to_owned(),
            message: describe(error),
        });
    }
}

/// A cloneable handle to push commands to the worker.
#[derive(Clone, Debug)]
pub struct WorkerHandle {
    tx: mpsc::UnboundedSender<Command>,
}

impl WorkerHandle {
    /// Queues a command (never blocks).
    pub fn send(&self, command: Command) {
        let _ = self.tx.send(command);
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
        }
    }
}

/// Starts the worker on `runtime`.
pub fn spawn(
    runtime: &tokio::runtime::Handle,
    client: Client,
    sink: EventSink,
    options: WorkerOptions,
) -> WorkerHandle {
    let (tx, mut rx) = mpsc::unbounded_channel::<Command>();
    let inner = runtime.clone();
    let following = Following::default();
    let timeline_tasks = super::worker_sources::TimelineTasks::default();
    runtime.spawn(async move {
        while let Some(command) = rx.recv().await {
            let worker = Worker {
                client: client.clone(),
                sink: sink.clone(),
                options: options.clone(),
                following: following.clone(),
                timeline_tasks: timeline_tasks.clone(),
            };
            inner.spawn(async move { worker.run(command).await });
        }
    });
    WorkerHandle { tx }
}

struct Worker {
    client: Client,
    sink: EventSink,
    options: WorkerOptions,
    following: Following,
    timeline_tasks: super::worker_sources::TimelineTasks,
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
            Command::OpenRelease { id } => self.open_release(&id).await,
            Command::CreateRelease { title, entities } => {
                match self
                    .client
                    .create_release(&ReleaseBody::new(title, entities))
                    .await
                {
                    Ok(release) => {
                        let id = release.sys.id.clone();
                        self.sink.send(AppEvent::ReleaseCreated(release));
                        self.open_release(&id).await;
                    }
                    Err(e) => self.sink.fail("Creating the release", &e),
                }
            }
            Command::SetReleaseEntities {
                id,
                version,
                title,
                entities,
            } => {
                let body = ReleaseBody::new(title, entities);
                match self.client.update_release(&id, version, &body).await {
                    Ok(release) => {
                        self.sink.send(AppEvent::ReleaseUpdated(release));
                        self.open_release(&id).await;
                    }
                    Err(e) => {
                        self.conflict_or_fail("Changing the release's entries", &id, e)
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
                        let what = if archived { "Archiving" } else { "Unarchiving" };
                        self.conflict_or_fail(&format!("{what} the release"), &id, e)
                            .await;
                    }
                }
            }
            Command::DeleteRelease { id } => match self.client.delete_release(&id).await {
                Ok(()) => self.sink.send(AppEvent::ReleaseDeleted(id)),
                Err(e) => self.sink.fail("Deleting the release", &e),
            },
            Command::RunReleaseAction { id, action } => self.run_release_action(&id, action).await,
            Command::LoadEntities => self.load_entities().await,
            Command::LoadEntity { kind, id } => match self.client.get_entity(kind, &id).await {
                Ok(entity) => self.sink.send(AppEvent::EntityLoaded(entity)),
                Err(e) => self.sink.fail("Loading the entry", &e),
            },
            Command::RunBulkAction { action, items } => self.run_bulk_action(action, items).await,
            Command::TestConnection => self.test_connection().await,
            Command::ResetSandbox => self.reset_sandbox().await,
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
                    Err(e) => self.sink.send(AppEvent::Failed {
                        context: "Saving the connection".into(),
                        message: e.to_string(),
                    }),
                }
            }
            Command::DeleteProfile { id } => match self.options.profiles.delete(&id) {
                Ok(()) => self.load_profiles(),
                Err(e) => self.sink.send(AppEvent::Failed {
                    context: "Deleting the connection".into(),
                    message: e.to_string(),
                }),
            },
            Command::SwitchProfile { id } => self.switch_profile(id),
            Command::LoadScheduledActions { from, to } => self.load_scheduled(from, to).await,
            Command::LoadScheduledAction { id } => {
                match self.client.get_scheduled_action(&id).await {
                    Ok(action) => {
                        self.follow_if_due_soon(&action);
                        self.sink.send(AppEvent::ScheduledActionUpdated(action));
                    }
                    Err(e) => self.sink.fail("Loading the schedule", &e),
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
                        self.sink.fail(&format!("Canceling the {label}"), &e);
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
        }
    }

    async fn load_space(&self) {
        let space = self.client.get_space().await;
        let content_types = self.client.content_types().await;
        let locales = self.client.locales().await;
        match (space, content_types, locales) {
            (Ok(space), Ok(content_types), Ok(locales)) => self.sink.send(AppEvent::SpaceLoaded {
                name: space.name,
                content_types,
                locales,
            }),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                self.sink.fail("Loading the space", &e)
            }
        }
    }

    async fn load_releases(&self, query: ReleaseQuery, cursor: Option<String>) {
        let append = cursor.is_some();
        match self
            .client
            .query_releases(&release_query(&query, cursor))
            .await
        {
            Ok(page) => {
                let action_ids: Vec<String> = page
                    .items
                    .iter()
                    .filter_map(|r| r.sys.last_action.as_ref().map(|l| l.id().to_owned()))
                    .collect();
                self.sink.send(AppEvent::ReleasesLoaded {
                    next_cursor: page.pages.next_cursor(),
                    items: page.items,
                    append,
                });
                if !action_ids.is_empty() {
                    let q = Query::new()
                        .set("sys.id[in]", action_ids.join(","))
                        .limit(action_ids.len() as u64);
                    match self.client.query_release_actions(&q).await {
                        Ok(actions) => self.sink.send(AppEvent::LatestActionsLoaded(actions)),
                        Err(e) => self.sink.fail("Loading release actions", &e),
                    }
                }
            }
            Err(e) => self.sink.fail("Loading releases", &e),
        }
    }

    async fn fetch_entities(&self, links: &[Link]) -> Result<Vec<Entity>, CmaError> {
        let mut out = Vec::new();
        for (kind, link_type) in [
            (EntityKind::Entry, LinkType::Entry),
            (EntityKind::Asset, LinkType::Asset),
        ] {
            let ids: Vec<&str> = links
                .iter()
                .filter(|l| *l.link_type() == link_type)
                .map(Link::id)
                .collect();
            for chunk in ids.chunks(100) {
                let q = Query::new().set("sys.id[in]", chunk.join(",")).limit(100);
                out.extend(self.client.query_entities(kind, &q).await?.items);
            }
        }
        Ok(out)
    }

    async fn open_release(&self, id: &str) {
        let release = match self.client.get_release(id).await {
            Ok(release) => release,
            Err(e) => return self.sink.fail("Opening the release", &e),
        };
        let links = release.entities.items.clone();
        self.sink.send(AppEvent::ReleaseUpdated(release));
        match self.fetch_entities(&links).await {
            Ok(entities) => self.sink.send(AppEvent::ReleaseEntitiesLoaded {
                release_id: id.to_owned(),
                entities,
            }),
            Err(e) => self.sink.fail("Loading the release's entries", &e),
        }
        let q = Query::new()
            .set("sys.release.sys.id[in]", id)
            .order("-sys.createdAt")
            .limit(100);
        match self.client.query_release_actions(&q).await {
            Ok(actions) => self.sink.send(AppEvent::ReleaseActionsLoaded {
                release_id: id.to_owned(),
                actions,
            }),
            Err(e) => self.sink.fail("Loading the release's actions", &e),
        }
    }

    /// A 409 becomes a conflict notice naming who changed it; anything else a failure.
    async fn conflict_or_fail(&self, context: &str, id: &str, error: CmaError) {
        if let CmaError::Conflict {
            current_version, ..
        } = &error
        {
            let latest: Option<Release> = self.client.get_release(id).await.ok();
            self.sink.send(AppEvent::Conflict {
                what: context.to_owned(),
                id: id.to_owned(),
                current_version: latest.as_ref().map(|r| r.sys.version).or(*current_version),
                changed_by: latest
                    .as_ref()
                    .and_then(|r| r.sys.updated_by.as_ref())
                    .map(|l| format!("{} {}", l.link_type(), l.id())),
            });
        } else {
            self.sink.fail(context, &error);
        }
    }

    async fn run_release_action(&self, id: &str, action: ActionKind) {
        // Spec §1 [I]: re-read the release right before a call that carries its version.
        let release = match self.client.get_release(id).await {
            Ok(r) => r,
            Err(e) => return self.sink.fail("Reading the release", &e),
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
        let mut current = match started {
            Ok(a) => a,
            Err(e) => return self.sink.fail(&format!("Starting {action} of {label}"), &e),
        };
        let mut last_status: Option<ActionStatus> = None;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
        loop {
            if last_status.as_ref() != Some(&current.sys.status) {
                last_status = Some(current.sys.status.clone());
                self.sink
                    .send(AppEvent::ActionUpdated(tracked_release(&current, &label)));
            }
            if current.sys.status.is_final() || tokio::time::Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(self.options.poll_interval).await;
            match self.client.get_release_action(id, &current.sys.id).await {
                Ok(a) => current = a,
                Err(e) => {
                    return self
                        .sink
                        .fail(&format!("Following {action} of {label}"), &e);
                }
            }
        }
        self.open_release(id).await;
    }

    async fn load_entities(&self) {
        let entries = self
            .client
            .entities(EntityKind::Entry, Query::new().order("-sys.updatedAt"))
            .try_collect::<Vec<_>>();
        let assets = self
            .client
            .entities(EntityKind::Asset, Query::new().order("-sys.updatedAt"))
            .try_collect::<Vec<_>>();
        match tokio::try_join!(entries, assets) {
            Ok((mut entries, assets)) => {
                entries.extend(assets);
                self.sink.send(AppEvent::EntitiesLoaded(entries));
            }
            Err(e) => self.sink.fail("Loading entries", &e),
        }
    }

    async fn run_bulk_action(&self, action: ActionKind, items: Vec<(EntityKind, String, u64)>) {
        let count = items.len();
        let links: Vec<Link> = items
            .iter()
            .map(|(kind, id, version)| {
                let link_type = match kind {
                    EntityKind::Entry => LinkType::Entry,
                    EntityKind::Asset => LinkType::Asset,
                };
                match action {
                    ActionKind::Publish => Link::versioned(link_type, id.clone(), *version),
                    _ => Link::new(link_type, id.clone()),
                }
            })
            .collect();
        let started = match action {
            ActionKind::Publish => self.client.bulk_publish(links.clone()).await,
            ActionKind::Unpublish => self.client.bulk_unpublish(links.clone()).await,
            _ => self.client.bulk_validate(links.clone()).await,
        };
        let label = format!("{count} entr{}", if count == 1 { "y" } else { "ies" });
        let mut current = match started {
            Ok(a) => a,
            Err(e) => return self.sink.fail(&format!("Starting bulk {action}"), &e),
        };
        let mut last_status = None;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
        loop {
            if last_status.as_ref() != Some(&current.sys.status) {
                last_status = Some(current.sys.status.clone());
                self.sink.send(AppEvent::ActionUpdated(tracked_bulk(
                    &current, &label, count,
                )));
            }
            if current.sys.status.is_final() || tokio::time::Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(self.options.poll_interval).await;
            match self.client.get_bulk_action(&current.sys.id).await {
                Ok(a) => current = a,
                Err(e) => return self.sink.fail("Following the bulk action", &e),
            }
        }
        match self.fetch_entities(&links).await {
            Ok(entities) => {
                for e in entities {
                    self.sink.send(AppEvent::EntityLoaded(e));
                }
            }
            Err(e) => self.sink.fail("Reloading entries", &e),
        }
    }
}

fn tracked_release(action: &ReleaseAction, label: &str) -> TrackedAction {
    TrackedAction {
        id: action.sys.id.clone(),
        target: ActionTarget::Release(action.sys.release.id().to_owned()),
        action: action.action.clone(),
        status: action.sys.status.clone(),
        error: action.error.clone(),
        label: label.to_owned(),
    }
}

fn tracked_bulk(action: &BulkAction, label: &str, count: usize) -> TrackedAction {
    TrackedAction {
        id: action.sys.id.clone(),
        target: ActionTarget::Bulk(count),
        action: action.action.clone(),
        status: action.sys.status.clone(),
        error: action.error.clone(),
        label: label.to_owned(),
    }
}

impl Worker {
    /// Answers a timeline request from the journal on a blocking thread (SQLite and files
    /// block; the UI thread and the async workers never wait on them).
    async fn timeline(&self, request: super::timeline_rows::TimelineRequest) {
        let cx = super::worker_sources::SourcesCtx {
            client: &self.client,
            sink: &self.sink,
            options: &self.options,
            tasks: &self.timeline_tasks,
        };
        let Some(request) = super::worker_sources::handle(cx, request).await else {
            return;
        };
        let Some(journal) = self.options.journal.clone() else {
            return;
        };
        let file = self
            .options
            .profiles
            .dir()
            .join(super::timeline_rows::FILTERS_FILE);
        let result = tokio::task::spawn_blocking(move || {
            super::worker_timeline::handle(&journal, &file, request)
        })
        .await
        .unwrap_or_else(|e| super::timeline_rows::TimelineResult::Failed {
            context: "Reading the timeline".into(),
            message: e.to_string(),
        });
        self.sink.send(AppEvent::Timeline(result));
    }
}
