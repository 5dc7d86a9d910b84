//! The worker's scheduling half: scheduled actions (list, pages, create, reschedule, cancel),
//! following actions that are due soon, and the ICS export.

use super::*;
use futures_util::TryStreamExt;

/// Ids of the scheduled actions a task is following, shared by every task of one worker so that
/// each action is polled by at most one.
#[derive(Clone, Default)]
pub(super) struct Following(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>);

impl Following {
    /// Claims `id`; false when another task follows it already.
    pub(super) fn claim(&self, id: &str) -> bool {
        self.0
            .lock()
            .map(|mut set| set.insert(id.to_owned()))
            .unwrap_or(false)
    }

    pub(super) fn release(&self, id: &str) {
        if let Ok(mut set) = self.0.lock() {
            set.remove(id);
        }
    }
}

/// A claim on following one scheduled action, given up when dropped.
struct Claim {
    following: Following,
    id: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.following.release(&self.id);
    }
}

/// Actions due within this window are followed until they run.
const FOLLOW_AHEAD: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);
/// A followed action still `scheduled` this long after its instant is left alone (overdue).
const FOLLOW_LATE: jiff::SignedDuration = jiff::SignedDuration::from_mins(2);
/// Before an action is due, the follower sleeps at most this long at a time.
const FOLLOW_NAP: Duration = Duration::from_secs(5);
/// Scheduled actions per list page.
const SCHEDULED_PAGE_SIZE: u64 = 50;

/// Whether `action` is pending and due between `FOLLOW_LATE` ago and `FOLLOW_AHEAD` from now.
pub(super) fn due_soon(action: &ScheduledAction, now: jiff::Timestamp) -> bool {
    let until = action.scheduled_for.datetime.0.duration_since(now);
    !action.sys.status.is_final() && until <= FOLLOW_AHEAD && until >= -FOLLOW_LATE
}

impl Worker {
    /// Loads the calendar range `from..to` (every page) and every overdue action.
    pub(super) async fn load_scheduled(&self, from: Timestamp, to: Timestamp) {
        let range = Query::new()
            .set("scheduledFor.datetime[gte]", from)
            .set("scheduledFor.datetime[lt]", to)
            .order("scheduledFor.datetime")
            .limit(500);
        let overdue = Query::new()
            .set("sys.status", ScheduledActionStatus::Scheduled.as_str())
            .set(
                "scheduledFor.datetime[lt]",
                Timestamp(self.options.clock.now()),
            )
            .order("scheduledFor.datetime")
            .limit(500);
        let (range, overdue) = tokio::join!(
            self.client.scheduled_actions(range).try_collect::<Vec<_>>(),
            self.client
                .scheduled_actions(overdue)
                .try_collect::<Vec<_>>(),
        );
        match (range, overdue) {
            (Ok(mut items), Ok(overdue)) => {
                for action in overdue {
                    if !items.iter().any(|a| a.sys.id == action.sys.id) {
                        items.push(action);
                    }
                }
                for action in &items {
                    self.follow_if_due_soon(action);
                }
                // What the actions act on is named in the same step (releases by title, entries
                // and assets loaded): the rows appear with their titles, never with ids first.
                let mut targets =
                    entity_keys(&items.iter().map(|a| a.entity.clone()).collect::<Vec<_>>());
                targets.sort_unstable();
                targets.dedup();
                let (titles, ()) =
                    tokio::join!(self.release_titles(&items), self.resolve_entities(targets));
                self.sink.send(AppEvent::ReleaseTitlesLoaded(titles));
                self.sink
                    .send(AppEvent::ScheduledActionsLoaded { from, to, items });
            }
            (Err(e), _) | (_, Err(e)) => self.sink.fail(RequestKind::LoadScheduledRange, &e),
        }
    }

    /// Every pending release schedule (Contentful keeps at most 500 per environment, spec §4),
    /// so the releases list and each release page can say when it next publishes.
    pub(super) async fn load_upcoming_release_schedules(&self) {
        let query = Query::new()
            .set("entity.sys.linkType", "Release")
            .set("sys.status", ScheduledActionStatus::Scheduled.as_str())
            .order("scheduledFor.datetime")
            .limit(500);
        match self
            .client
            .scheduled_actions(query)
            .try_collect::<Vec<_>>()
            .await
        {
            Ok(items) => {
                // Their titles too: a toast about one that runs soon names the release.
                let titles = self.release_titles(&items).await;
                self.sink.send(AppEvent::ReleaseTitlesLoaded(titles));
                for action in &items {
                    self.follow_if_due_soon(action);
                }
                self.sink.send(AppEvent::ReleaseSchedulesLoaded(items));
            }
            Err(e) => self.sink.fail(RequestKind::LoadScheduledRange, &e),
        }
    }

    pub(super) async fn load_scheduled_page(&self, query: ScheduledQuery, cursor: Option<String>) {
        let append = cursor.is_some();
        let mut q = Query::new()
            .limit(SCHEDULED_PAGE_SIZE)
            .order(if query.newest_first {
                "-scheduledFor.datetime"
            } else {
                "scheduledFor.datetime"
            });
        if let Some(status) = &query.status {
            q.insert("sys.status", status.as_str());
        }
        if let Some(id) = query.entity_id.as_deref().filter(|s| !s.is_empty()) {
            q.insert("entity.sys.id", id);
        }
        if let Some(cursor) = cursor {
            q.insert("next", cursor);
        }
        match self.client.query_scheduled_actions(&q).await {
            Ok(page) => {
                let titles = self.release_titles(&page.items).await;
                self.sink.send(AppEvent::ScheduledPageLoaded {
                    query,
                    next_cursor: page.pages.next_cursor(),
                    items: page.items,
                    append,
                });
                self.sink.send(AppEvent::ReleaseTitlesLoaded(titles));
            }
            Err(e) => {
                self.sink.send(AppEvent::ScheduledPageLoaded {
                    query,
                    items: Vec::new(),
                    next_cursor: None,
                    append: true,
                });
                self.sink.fail(RequestKind::LoadScheduledPage, &e);
            }
        }
    }

    /// The titles of the releases `actions` act on (archived ones too); empty on failure, as
    /// the calendar then shows ids.
    pub(super) async fn release_titles(
        &self,
        actions: &[ScheduledAction],
    ) -> Vec<(String, String)> {
        let ids: Vec<String> = actions
            .iter()
            .filter(|a| a.entity.link_type() == &LinkType::Release)
            .map(|a| a.entity.id().to_owned())
            .collect();
        self.release_titles_by_id(ids).await
    }

    /// The titles of the releases of `ids` (archived ones too); those that cannot be read are
    /// left out, and the views show their ids. Launch and Timeline releases are listed apart
    /// (spec §10.1): the Launch list is asked first, every batch side by side, and only the ids
    /// it did not return are asked of the Timeline list, so a space of one model pays one round
    /// trip.
    pub(super) async fn release_titles_by_id(&self, mut ids: Vec<String>) -> Vec<(String, String)> {
        ids.sort_unstable();
        ids.dedup();
        let mut titles = self.release_titles_in(&ids, None).await;
        let found: std::collections::HashSet<&str> =
            titles.iter().map(|(id, _)| id.as_str()).collect();
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !found.contains(id.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            titles.extend(self.release_titles_in(&missing, Some("Release.v2")).await);
        }
        titles
    }

    /// (id, title) of the releases of `ids` one list returns (`schema`: `sys.schemaVersion`).
    async fn release_titles_in(
        &self,
        ids: &[String],
        schema: Option<&str>,
    ) -> Vec<(String, String)> {
        let queries: Vec<Query> = crate::cma::ids::id_batches(ids)
            .into_iter()
            .map(|batch| {
                let q = Query::ids_in(batch);
                match schema {
                    Some(schema) => q.set("sys.schemaVersion", schema),
                    None => q,
                }
            })
            .collect();
        let pages =
            futures_util::future::join_all(queries.iter().map(|q| self.client.query_releases(q)))
                .await;
        let mut titles = Vec::new();
        for page in pages {
            match page {
                Ok(page) => titles.extend(
                    page.items
                        .into_iter()
                        .filter_map(crate::cma::Decoded::known)
                        .map(|r| (r.sys.id, r.title)),
                ),
                Err(e) => tracing::debug!("release titles by id: {e}"),
            }
        }
        titles
    }

    pub(super) async fn create_schedule(&self, body: ScheduledActionBody, label: String) {
        match self.client.create_scheduled_action(&body).await {
            Ok(action) => {
                self.sink.send(AppEvent::Notified(format!(
                    "Scheduled the {label} for {}",
                    crate::app::format::time_in_zone(
                        action.scheduled_for.datetime,
                        action.scheduled_for.timezone.as_deref()
                    )
                )));
                self.follow_if_due_soon(&action);
                self.sink.send(AppEvent::ScheduleSaved(action));
            }
            Err(e) => {
                let message = describe(&e);
                self.sink.fail(RequestKind::CreateSchedule(label), &e);
                self.sink.send(AppEvent::ScheduleRejected { message });
            }
        }
    }

    pub(super) async fn reschedule(
        &self,
        id: String,
        version: u64,
        body: ScheduledActionBody,
        label: String,
    ) {
        match self
            .client
            .update_scheduled_action(&id, version, &body)
            .await
        {
            Ok(action) => {
                self.sink.send(AppEvent::Notified(format!(
                    "Moved the {label} to {}",
                    crate::app::format::time_in_zone(
                        action.scheduled_for.datetime,
                        action.scheduled_for.timezone.as_deref()
                    )
                )));
                self.follow_if_due_soon(&action);
                self.sink.send(AppEvent::ScheduleSaved(action));
            }
            Err(CmaError::Conflict {
                current_version, ..
            }) => {
                // Someone else changed it: show who and what it is now; overwrite nothing.
                let latest = self.client.get_scheduled_action(&id).await.ok();
                let current = latest.as_ref().map(|a| a.sys.version).or(current_version);
                self.sink.send(AppEvent::Conflict {
                    what: format!("Rescheduling the {label}"),
                    id: id.clone(),
                    current_version: current,
                    changed_by: latest
                        .as_ref()
                        .and_then(|a| a.sys.updated_by.as_ref())
                        .map(|l| format!("{} {}", l.link_type(), l.id())),
                });
                if let Some(latest) = latest {
                    self.sink.send(AppEvent::ScheduledActionUpdated(latest));
                }
                self.sink.send(AppEvent::ScheduleRejected {
                    message: "Someone else changed this schedule; nothing was saved".into(),
                });
            }
            Err(e) => {
                let message = describe(&e);
                self.sink.fail(RequestKind::Reschedule(label), &e);
                self.sink.send(AppEvent::ScheduleRejected { message });
            }
        }
    }

    /// Follows a pending action that is due soon until it runs, polling politely once it is due
    /// (the scheduler fires within a second or two), and sends each change of state.
    pub(super) fn follow_if_due_soon(&self, action: &ScheduledAction) {
        if !due_soon(action, self.options.clock.now()) || !self.following.claim(&action.sys.id) {
            return;
        }
        let worker = self.clone();
        let client = self.client.clone();
        let sink = self.sink.clone();
        let interval = (self.options.poll_interval * 2).max(Duration::from_millis(500));
        // Naps are short enough that a test's clock, moved by hand, is noticed soon.
        let longest_nap = FOLLOW_NAP.min(self.options.poll_interval * 25);
        let clock = self.options.clock.clone();
        let mut current = action.clone();
        let id = current.sys.id.clone();
        // Released however the task ends, also when the worker is shut down mid-follow.
        let claim = Claim {
            following: self.following.clone(),
            id: id.clone(),
        };
        self.spawn(async move {
            let _claim = claim;
            loop {
                let now = clock.now();
                if !due_soon(&current, now) {
                    break;
                }
                let until = current.scheduled_for.datetime.0.duration_since(now);
                let nap = Duration::try_from(until).unwrap_or(Duration::ZERO);
                if nap > Duration::ZERO {
                    tokio::time::sleep(nap.min(longest_nap)).await;
                    if nap > longest_nap {
                        continue;
                    }
                } else {
                    tokio::time::sleep(interval).await;
                }
                match client.get_scheduled_action(&id).await {
                    Ok(latest) => {
                        let changed = latest.sys.version != current.sys.version
                            || latest.sys.status != current.sys.status;
                        current = latest;
                        if changed {
                            sink.send(AppEvent::ScheduledActionUpdated(current.clone()));
                        }
                        if current.sys.status.is_final() {
                            if current.sys.status == crate::cma::ScheduledActionStatus::Failed {
                                tracing::warn!(
                                    id = %current.sys.id,
                                    entity = current.entity.id(),
                                    "scheduled action failed"
                                );
                            }
                            if current.entity.link_type() == &LinkType::Release {
                                worker.open_release(current.entity.id(), &[]).await;
                            } else if let Some(kind) = match current.entity.link_type() {
                                LinkType::Entry => Some(EntityKind::Entry),
                                LinkType::Asset => Some(EntityKind::Asset),
                                _ => None,
                            } && let Ok(entity) =
                                client.get_entity(kind, current.entity.id()).await
                            {
                                sink.send(AppEvent::EntityLoaded(entity));
                            }
                            break;
                        }
                    }
                    Err(e) => {
                        sink.fail(RequestKind::FollowSchedule, &e);
                        break;
                    }
                }
            }
        });
    }

    /// Asks where to save (native dialog), then writes the calendar there.
    pub(super) async fn export_ics(
        &self,
        file_name: String,
        calendar_name: String,
        events: Vec<crate::app::ics::IcsEvent>,
    ) {
        let text = crate::app::ics::write_calendar(&calendar_name, &events);
        let destination = super::files::save_file(
            &self.options.file_choice,
            "Export the calendar",
            &file_name,
            "iCalendar",
            "ics",
        )
        .await;
        let Some(path) = destination.path().map(std::path::Path::to_path_buf) else {
            return self.sink.send(AppEvent::Notified(
                "Nothing exported: the save dialog was closed".into(),
            ));
        };
        let target = path.clone();
        let written = tokio::task::spawn_blocking(move || {
            crate::private_fs::write_atomic(
                &target,
                text.as_bytes(),
                crate::private_fs::Access::Default,
            )
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        match written {
            Ok(()) => self.sink.send(AppEvent::Notified(format!(
                "Exported {} event{} to {}{}",
                events.len(),
                if events.len() == 1 { "" } else { "s" },
                path.display(),
                destination.note()
            ))),
            Err(e) => self.sink.failed(
                RequestKind::WriteFile(path.display().to_string()),
                e.to_string(),
            ),
        }
    }
}
