//! Readiness and the "Changes" review of releases (issue 16): the worker loads what
//! [`crate::readiness`] needs and answers with its verdict, on the sandbox and on a real space
//! through the same CMA calls.
//!
//! A readiness check reads the content model (once per connection: [`ReadinessTasks`]), the
//! release, its entities (`sys.id[in]`, up to 200 a request), the targets of their links level by
//! level to [`CLOSURE_DEPTH`] (only what is not loaded yet, and past the first level only the
//! drafts' links, which are the ones the closure follows), the last action, the next scheduled
//! publish and, for what the release unpublishes, the entries linking to it (`links_to_entry` /
//! `links_to_asset`). Checks are latest-wins per release: a newer check of a release aborts the
//! running one, checks of other releases run on. A failed check is logged, not toasted: checks
//! run in the background for every visible release, and a retry is the next check.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::*;
use crate::cma::{ContentType, EntityState, Locale, ScheduledActionKind};
use crate::readiness::{
    self as rules, CLOSURE_DEPTH, Facts, LastRun, NextSchedule, Preflight, Snapshot,
};

/// How many entities a release unpublishes whose linking entries are looked up (one request
/// each): enough for any real review, bounded for a release of 200 unpublish items.
const DANGLING_LOOKUPS: usize = 50;

/// What the readiness checks of one connection share.
#[derive(Clone, Default)]
pub(super) struct ReadinessTasks {
    /// The content model, read by the first check or review of the connection.
    model: Arc<tokio::sync::Mutex<Option<Arc<Model>>>>,
    /// The running check of each release.
    running: Arc<Mutex<HashMap<String, tokio::task::AbortHandle>>>,
}

/// The content types and locales validation needs.
struct Model {
    content_types: Vec<ContentType>,
    locales: Vec<Locale>,
}

impl Worker {
    /// Starts a check of each release (each its own task), aborting a running check of the
    /// same release.
    pub(super) fn check_readiness(&self, release_ids: Vec<String>) {
        let mut seen = std::collections::HashSet::new();
        for id in release_ids.into_iter().filter(|id| seen.insert(id.clone())) {
            // Checks of list rows yield to what the user opened (the space's rate limit is shared).
            let worker = self.in_background();
            let task_id = id.clone();
            let handle = tokio::spawn(
                self.cancel
                    .clone()
                    .run_until_cancelled_owned(async move { worker.check_one(task_id).await }),
            );
            let Ok(mut running) = self.readiness.running.lock() else {
                continue;
            };
            running.retain(|_, task| !task.is_finished());
            if let Some(older) = running.insert(id, handle.abort_handle()) {
                older.abort();
            }
        }
    }

    async fn check_one(&self, release_id: String) {
        match self.assess_release(&release_id).await {
            Ok((version, assessment)) => self.sink.send(AppEvent::ReadinessLoaded {
                release_id,
                version,
                readiness: assessment.readiness,
                report: assessment.report,
            }),
            Err(e) => {
                tracing::warn!(release = %release_id, error = %e, "readiness check failed");
                self.sink.send(AppEvent::ReadinessFailed {
                    release_id,
                    error: describe(&e),
                });
            }
        }
    }

    /// The release's version and assessment.
    async fn assess_release(&self, id: &str) -> Result<(u64, rules::Assessment), CmaError> {
        let model = self.readiness_model().await?;
        let release = self.client.get_release(id).await?;
        let mut snapshot = Snapshot::new(model.content_types.clone(), model.locales.clone());
        self.load_into(&mut snapshot, &release.entities.link_vec())
            .await?;
        // Level by level: the links of what the release publishes, then of the drafts found.
        let mut frontier: Vec<Link> = rules::plan(&release)
            .into_iter()
            .filter(|i| i.effect.publishes())
            .map(|i| i.link)
            .collect();
        for _ in 0..CLOSURE_DEPTH {
            let mut wanted: Vec<Link> = Vec::new();
            for link in &frontier {
                let Some(entity) = snapshot.entity(link) else {
                    continue;
                };
                for target in rules::field_links(entity, None) {
                    if !snapshot.knows(&target) && !wanted.contains(&target) {
                        wanted.push(target);
                    }
                }
            }
            if wanted.is_empty() {
                break;
            }
            self.load_into(&mut snapshot, &wanted).await?;
            frontier = wanted
                .into_iter()
                .filter(|l| {
                    snapshot
                        .entity(l)
                        .is_some_and(|e| e.state() == EntityState::Draft)
                })
                .collect();
        }
        let facts = Facts {
            last_run: self.last_run(&release).await,
            changed_since_last_run: false,
            next_schedule: self.next_publish(id).await,
        };
        let linking = self.linking_entries(&release, &snapshot).await;
        let assessment = rules::assess(&release, &snapshot, &facts, &linking);
        Ok((release.sys.version, assessment))
    }

    /// Keeps the content model the space was loaded with for the checks to come.
    pub(super) async fn prime_readiness_model(
        &self,
        content_types: Vec<ContentType>,
        locales: Vec<Locale>,
    ) {
        *self.readiness.model.lock().await = Some(Arc::new(Model {
            content_types,
            locales,
        }));
    }

    /// The content model, read once per connection.
    async fn readiness_model(&self) -> Result<Arc<Model>, CmaError> {
        let mut cached = self.readiness.model.lock().await;
        if let Some(model) = cached.as_ref() {
            return Ok(model.clone());
        }
        let model = Arc::new(Model {
            content_types: self.client.content_types().await?,
            locales: self.client.locales().await?,
        });
        *cached = Some(model.clone());
        Ok(model)
    }

    /// Loads `links` (`sys.id[in]`, up to 200 a request) into the snapshot; those not found are
    /// recorded as absent.
    async fn load_into(&self, snapshot: &mut Snapshot, links: &[Link]) -> Result<(), CmaError> {
        let wanted: Vec<Link> = links
            .iter()
            .filter(|l| matches!(l.link_type(), LinkType::Entry | LinkType::Asset))
            .filter(|l| !snapshot.knows(l))
            .cloned()
            .collect();
        for entity in self.fetch_entities(&wanted).await? {
            snapshot.insert(entity);
        }
        for link in &wanted {
            snapshot.mark_absent(link);
        }
        Ok(())
    }

    /// The release's last action; `None` when none ran or it cannot be read (readiness then
    /// goes by the preflight alone).
    async fn last_run(&self, release: &Release) -> Option<LastRun> {
        let action_id = release.sys.last_action.as_ref()?.id().to_owned();
        match self
            .client
            .get_release_action(&release.sys.id, &action_id)
            .await
        {
            Ok(action) => Some(LastRun {
                action: action.action,
                status: action.sys.status,
                at: action.sys.updated_at.or(action.sys.created_at),
            }),
            Err(e) => {
                tracing::debug!(release = %release.sys.id, "last action: {e}");
                None
            }
        }
    }

    /// The release's next scheduled publish; `None` when there is none or it cannot be read.
    async fn next_publish(&self, release_id: &str) -> Option<NextSchedule> {
        let q = Query::new()
            .set("entity.sys.id", release_id)
            .set("sys.status", ScheduledActionStatus::Scheduled.as_str())
            .order("scheduledFor.datetime")
            .limit(10);
        let page = self.client.query_scheduled_actions(&q).await.ok()?;
        page.items
            .into_iter()
            .find(|s| s.action == ScheduledActionKind::Publish)
            .map(|s| NextSchedule {
                at: s.scheduled_for.datetime,
                zone: s.scheduled_for.timezone,
            })
    }

    /// For each entity the release unpublishes (at most [`DANGLING_LOOKUPS`]), the entries that
    /// link to it; a failed lookup only loses that entity's warning.
    async fn linking_entries(
        &self,
        release: &Release,
        snapshot: &Snapshot,
    ) -> Vec<(Link, Vec<Entity>)> {
        let preflight = Preflight::new(release, snapshot);
        let targets: Vec<Link> = preflight
            .unpublishing()
            .take(DANGLING_LOOKUPS)
            .cloned()
            .collect();
        let mut out = Vec::new();
        for target in targets {
            let key = match target.link_type() {
                LinkType::Asset => "links_to_asset",
                _ => "links_to_entry",
            };
            let q = Query::new().set(key, target.id()).limit(100);
            match self.client.query_entities(EntityKind::Entry, &q).await {
                Ok(page) => out.push((target, page.items)),
                Err(e) => tracing::debug!(target = %target.id(), "links to: {e}"),
            }
        }
        out
    }

    /// A release-level unpublish's dangling links: for each member (at most
    /// [`DANGLING_LOOKUPS`]), the entries linking to it; those published and outside the
    /// release are answered.
    pub(super) async fn check_unpublish(&self, release_id: String) {
        let result: Result<_, CmaError> = async {
            let model = self.readiness_model().await?;
            let release = self.client.get_release(&release_id).await?;
            let snapshot = Snapshot::new(model.content_types.clone(), model.locales.clone());
            let members = release.entities.link_vec();
            let mut linking = Vec::new();
            for target in members.iter().take(DANGLING_LOOKUPS) {
                let key = match target.link_type() {
                    LinkType::Asset => "links_to_asset",
                    _ => "links_to_entry",
                };
                let q = Query::new().set(key, target.id()).limit(100);
                linking.push((
                    target.clone(),
                    self.client
                        .query_entities(EntityKind::Entry, &q)
                        .await?
                        .items,
                ));
            }
            let dangling = rules::release_unpublish_dangling(&release, &snapshot, &linking);
            Ok((dangling, members.len().saturating_sub(DANGLING_LOOKUPS)))
        }
        .await;
        match result {
            Ok((dangling, unchecked)) => self.sink.send(AppEvent::UnpublishLinksLoaded {
                release_id,
                dangling,
                unchecked,
            }),
            Err(e) => self.sink.fail(RequestKind::OpenRelease, &e),
        }
    }

    /// The "Changes" review: every entry of the release against its published version.
    pub(super) async fn load_changes(&self, release_id: String) {
        match self.release_changes(&release_id).await {
            Ok(diffs) => self
                .sink
                .send(AppEvent::ChangesLoaded { release_id, diffs }),
            Err(e) => self.sink.fail(RequestKind::OpenRelease, &e),
        }
    }

    async fn release_changes(&self, id: &str) -> Result<Vec<rules::EntryDiff>, CmaError> {
        let model = self.readiness_model().await?;
        let release = self.client.get_release(id).await?;
        let entries: Vec<Link> = release
            .entities
            .links()
            .filter(|l| *l.link_type() == LinkType::Entry)
            .cloned()
            .collect();
        let drafts = self.fetch_entities(&entries).await?;
        let ids: Vec<&str> = entries.iter().map(Link::id).collect();
        let mut published = Vec::new();
        for batch in crate::cma::ids::id_batches(&ids) {
            let q = Query::ids_in(batch);
            published.extend(self.client.query_public_entries(&q).await?.items);
        }
        let content_types: HashMap<String, ContentType> = model
            .content_types
            .iter()
            .map(|ct| (ct.sys.id.clone(), ct.clone()))
            .collect();
        Ok(rules::release_changes(
            &release,
            &drafts,
            &published,
            &content_types,
            &model.locales,
        ))
    }
}
