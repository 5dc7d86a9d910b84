//! Release readiness end to end (issue 16): the worker's `CheckReadiness` and `LoadChanges`
//! against a sandbox over real HTTP, compared with what the sandbox's own actions report.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use release_desk::app::command::Command;
use release_desk::app::event::{AppEvent, Epoch, Stamped};
use release_desk::app::failure::group_errors;
use release_desk::app::state::ReadinessCache;
use release_desk::app::worker::{self, EventSink, WorkerHandle, WorkerOptions};
use release_desk::cma::*;
use release_desk::config::ProfileStore;
use release_desk::readiness::{
    self, DiffValue, EntryChange, EntryDiff, Readiness, ReadinessReport,
};
use release_desk::sandbox::Sandbox;
use serde_json::json;

use crate::support::{fast_poll, sandbox_client};

const ELECTION: &str = "release-election-night";

/// A sandbox with the demo space, a client of it, and the app's worker connected to it.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    client: Client,
    worker: WorkerHandle,
    events: Receiver<Stamped>,
    _sandbox: Sandbox,
    _profiles: tempfile::TempDir,
}

impl Fixture {
    fn start() -> Self {
        let runtime = crate::app_support::runtime();
        let sandbox = runtime.block_on(crate::support::sandbox());
        let client = sandbox_client(&sandbox);
        let profiles = tempfile::tempdir().unwrap();
        let (tx, events) = std::sync::mpsc::channel();
        let worker = worker::spawn(
            runtime.handle(),
            client.clone(),
            &EventSink::new(tx, || {}),
            WorkerOptions {
                poll_interval: Duration::from_millis(20),
                profiles: ProfileStore::new(profiles.path().to_path_buf()),
                ..WorkerOptions::new(true)
            },
            Epoch(1),
        );
        Self {
            runtime,
            client,
            worker,
            events,
            _sandbox: sandbox,
            _profiles: profiles,
        }
    }

    /// Waits (10 s at most) for the first event `pick` accepts, skipping the others.
    fn wait_for<T>(&self, what: &str, mut pick: impl FnMut(AppEvent) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let stamped = self
                .events
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what} within 10 s"));
            if let AppEvent::Failed { message, .. } = &stamped.event {
                panic!("{what}: the worker failed: {message}");
            }
            if let Some(found) = pick(stamped.event) {
                return found;
            }
        }
    }

    /// The worker's readiness of one release: (version, readiness, report).
    fn readiness(&self, release_id: &str) -> (u64, Readiness, ReadinessReport) {
        self.worker.send(Command::CheckReadiness {
            release_ids: vec![release_id.to_owned()],
        });
        self.wait_for("readiness", |event| match event {
            AppEvent::ReadinessLoaded {
                release_id: id,
                version,
                readiness,
                report,
            } if id == release_id => Some((version, readiness, report)),
            _ => None,
        })
    }

    fn changes(&self, release_id: &str) -> Vec<EntryDiff> {
        self.worker.send(Command::LoadChanges {
            release_id: release_id.to_owned(),
        });
        self.wait_for("changes", |event| match event {
            AppEvent::ChangesLoaded {
                release_id: id,
                diffs,
            } if id == release_id => Some(diffs),
            _ => None,
        })
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

/// One per-entity error as compared: (entity id, wrapper error id, [(name, path)]).
type ErrorShape = (String, String, Vec<(String, String)>);

/// The shape of every per-entity error, sorted.
fn shape(errors: &[EntityError]) -> Vec<ErrorShape> {
    let mut out: Vec<_> = errors
        .iter()
        .map(|e| {
            let id = e.link().map(|l| l.id().to_owned()).unwrap_or_default();
            let fields = e
                .error
                .field_errors()
                .iter()
                .map(|f| (f.name.clone(), f.path_string()))
                .collect();
            (id, e.error.sys.id.to_string(), fields)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_local_preflight_of_the_failing_demo_release_matches_its_validate_action() {
    let f = Fixture::start();
    // Before any action runs (a failed run would then be the verdict).
    let (version, readiness, report) = f.readiness(ELECTION);
    let release = f.block_on(f.client.get_release(ELECTION)).unwrap();
    assert_eq!(version, release.sys.version);
    assert_eq!(readiness, Readiness::Blocked { problems: 5 });
    assert_eq!(readiness.label(), "Blocked (5 problems)");
    let missing: Vec<_> = report.missing.iter().map(|m| m.link.id()).collect();
    assert_eq!(missing, ["author-jonas-weber"]);

    let action = f
        .block_on(async {
            let started = f.client.validate_release(ELECTION, None).await?;
            f.client
                .wait_release_action(ELECTION, &started.sys.id, &fast_poll())
                .await
        })
        .unwrap();
    assert_eq!(action.sys.status, ActionStatus::Failed);
    let server = action.error.expect("the action's error");
    let local = report.error_body().expect("local problems");
    assert_eq!(
        shape(&local.entity_errors()),
        shape(&server.entity_errors())
    );
    assert_eq!(shape(&local.entity_errors()).len(), 5);
    // Grouped for the failure inspector, the two read in the very same words.
    let sorted = |mut g: Vec<release_desk::app::failure::EntityProblems>| {
        g.sort_by(|a, b| a.id.cmp(&b.id));
        g
    };
    assert_eq!(sorted(group_errors(&local)), sorted(group_errors(&server)));

    // Now the server's failed run, with nothing changed since, is the verdict.
    let (_, readiness, _) = f.readiness(ELECTION);
    assert_eq!(readiness, Readiness::LastRunFailed);
}

#[test]
fn add_them_adds_the_draft_author_and_the_release_then_publishes() {
    let f = Fixture::start();
    let created = f
        .block_on(f.client.create_release(&ReleaseBody::new(
            "Exit poll explainer",
            vec![Link::entry("article-exit-poll-explained")],
        )))
        .unwrap();
    let id = created.sys.id.clone();
    let (_, readiness, report) = f.readiness(&id);
    assert_eq!(readiness, Readiness::MissingReferences { count: 1 });
    let author = &report.missing[0];
    assert_eq!(author.link, Link::entry("author-jonas-weber"));
    assert_eq!(author.title.as_deref(), Some("Jonas Weber"));
    assert!(author.addable());

    let locales: Vec<String> = f
        .block_on(f.client.locales())
        .unwrap()
        .into_iter()
        .map(|l| l.code)
        .collect();
    let body = readiness::add_references(&created, &report.addable(), &locales).unwrap();
    let updated = f
        .block_on(f.client.update_release(&id, created.sys.version, &body))
        .unwrap();
    assert_eq!(updated.entities.len(), 2);
    let (version, readiness, report) = f.readiness(&id);
    assert_eq!(version, updated.sys.version);
    assert_eq!(readiness, Readiness::Ready, "{report:?}");

    let published = f
        .block_on(async {
            let started = f.client.publish_release(&id, updated.sys.version).await?;
            f.client
                .wait_release_action(&id, &started.sys.id, &fast_poll())
                .await
        })
        .unwrap();
    assert_eq!(
        published.sys.status,
        ActionStatus::Succeeded,
        "{published:?}"
    );
    let (_, readiness, _) = f.readiness(&id);
    assert_eq!(readiness, Readiness::Published);
}

#[test]
fn the_diff_of_an_entry_changed_in_one_field_shows_that_field_only() {
    let f = Fixture::start();
    let id = "article-ocean-heatwave";
    let entry = f
        .block_on(f.client.get_entity(EntityKind::Entry, id))
        .unwrap();
    let mut fields = entry.fields.clone();
    let old_title = entry.field("title", "en-US").cloned().unwrap();
    fields["title"]["en-US"] = json!("The Ocean Heatwave, Explained");
    f.block_on(
        f.client
            .update_entity(EntityKind::Entry, id, entry.sys.version.unwrap(), &fields),
    )
    .unwrap();
    let release = f
        .block_on(f.client.create_release(&ReleaseBody::new(
            "Ocean update",
            vec![
                Link::entry(id),
                Link::entry("article-urban-bees"),
                Link::entry("article-exit-poll-explained"),
            ],
        )))
        .unwrap();
    let diffs = f.changes(&release.sys.id);
    let summary: Vec<_> = diffs
        .iter()
        .map(|d| (d.link.id(), d.change, d.fields.len()))
        .collect();
    assert_eq!(
        summary[..2],
        [
            (id, EntryChange::Changed, 1),
            ("article-urban-bees", EntryChange::Unchanged, 0)
        ]
    );
    let changed = &diffs[0].fields[0];
    assert_eq!(
        (changed.field.as_str(), changed.locale.as_str()),
        ("title", "en-US")
    );
    assert_eq!(
        changed.published,
        Some(DiffValue::Text(old_title.as_str().unwrap().to_owned()))
    );
    assert_eq!(
        changed.draft,
        Some(DiffValue::Text("The Ocean Heatwave, Explained".into()))
    );
    // Never published: new, every field with a value listed, the author as a link.
    let new = &diffs[2];
    assert_eq!(new.change, EntryChange::New);
    assert!(new.fields.iter().any(|d| d.field == "author"
        && d.draft == Some(DiffValue::Links(vec![Link::entry("author-jonas-weber")]))));
}

#[test]
fn timeline_readiness_respects_each_items_action() {
    let f = Fixture::start();
    let item = |id: &str, action: ItemAction| ReleaseItem::action(Link::entry(id), action);
    let mut items = vec![
        item("article-hudson-valley-cider", ItemAction::Publish),
        // Not valid (no body), but unpublishing runs no field checks.
        item("article-election-live-blog", ItemAction::Unpublish),
        // Published articles outside the release link to this author.
        item("author-samuel-adeyemi", ItemAction::Unpublish),
    ];
    let created = f
        .block_on(
            f.client
                .create_release(&ReleaseBody::timeline("Timeline mix", items.clone())),
        )
        .unwrap();
    let id = created.sys.id.clone();
    let (_, readiness, report) = f.readiness(&id);
    assert_eq!(readiness, Readiness::Ready, "{report:?}");
    let mut dangling: Vec<_> = report.dangling.iter().map(|d| d.from.id()).collect();
    dangling.sort_unstable();
    assert_eq!(
        dangling,
        [
            "article-ice-swimming",
            "article-ocean-heatwave",
            "article-urban-bees"
        ]
    );

    // The live blog flipped to publish: now its missing body blocks the release.
    items[1] = item("article-election-live-blog", ItemAction::Publish);
    // And unpublishing the cider's author leaves its link unresolved.
    items.push(item("author-daniel-reyes", ItemAction::Unpublish));
    let updated = f
        .block_on(f.client.update_release(
            &id,
            created.sys.version,
            &ReleaseBody::timeline("Timeline mix", items),
        ))
        .unwrap();
    let (version, readiness, report) = f.readiness(&id);
    assert_eq!(version, updated.sys.version);
    assert_eq!(readiness, Readiness::Blocked { problems: 2 }, "{report:?}");
    let action = f
        .block_on(async {
            let started = f.client.validate_release(&id, None).await?;
            f.client
                .wait_release_action(&id, &started.sys.id, &fast_poll())
                .await
        })
        .unwrap();
    let server = action.error.expect("the validate fails");
    assert_eq!(
        shape(&report.problems),
        shape(&server.entity_errors()),
        "the same problems as the server's validate"
    );
}

#[test]
fn a_draft_edit_of_an_involved_entry_makes_a_ready_release_blocked_once_checked_again() {
    let f = Fixture::start();
    let id = "article-hudson-valley-cider";
    let created = f
        .block_on(
            f.client
                .create_release(&ReleaseBody::new("Cider", vec![Link::entry(id)])),
        )
        .unwrap();
    let release_id = created.sys.id.clone();
    let mut cache = ReadinessCache::default();
    let (version, readiness, report) = f.readiness(&release_id);
    assert_eq!(readiness, Readiness::Ready, "{report:?}");
    cache.store(release_id.clone(), version, readiness, report);

    // The edit the timeline would report as `Entry.save`: the required title emptied.
    let entry = f
        .block_on(f.client.get_entity(EntityKind::Entry, id))
        .unwrap();
    let mut fields = entry.fields.clone();
    fields["title"]["en-US"] = json!("");
    f.block_on(
        f.client
            .update_entity(EntityKind::Entry, id, entry.sys.version.unwrap(), &fields),
    )
    .unwrap();
    let again = cache.invalidate_entity(id);
    assert_eq!(again, [release_id.as_str()]);
    assert_eq!(
        cache.wanted([(release_id.as_str(), version)]),
        [release_id.as_str()]
    );
    let (version, readiness, report) = f.readiness(&release_id);
    assert_eq!(readiness, Readiness::Blocked { problems: 1 });
    cache.store(release_id.clone(), version, readiness, report);
    let entry = cache.get(&release_id).unwrap();
    assert_eq!(entry.problems.len(), 1);
    assert_eq!(entry.problems[0].fields[0].path, "title › en-US");
    assert_eq!(entry.problems[0].fields[0].reason, "Required, but empty");
}

#[test]
fn a_launch_unpublish_lists_the_published_entries_left_linking_to_its_members() {
    let f = Fixture::start();
    // A Launch release holding an author three published articles link to, and one of those
    // articles: the other two are left linking to the author, and a published article that
    // links to the one taken offline is listed too.
    let created = f
        .block_on(f.client.create_release(&ReleaseBody::new(
            "Take Samuel offline",
            vec![
                Link::entry("author-samuel-adeyemi"),
                Link::entry("article-urban-bees"),
            ],
        )))
        .unwrap();
    f.worker.send(Command::CheckUnpublish {
        release_id: created.sys.id.clone(),
    });
    let (dangling, unchecked) = f.wait_for("unpublish links", |event| match event {
        AppEvent::UnpublishLinksLoaded {
            release_id,
            dangling,
            unchecked,
        } if release_id == created.sys.id => Some((dangling, unchecked)),
        _ => None,
    });
    assert_eq!(unchecked, 0);
    let mut from: Vec<_> = dangling.iter().map(|d| d.from.id()).collect();
    from.sort_unstable();
    assert_eq!(
        from,
        [
            "article-ice-swimming",
            "article-nyc-rooftop-gardens",
            "article-ocean-heatwave"
        ],
        "never the release's own article"
    );
    assert!(
        dangling.iter().all(|d| matches!(
            d.to.id(),
            "author-samuel-adeyemi" | "article-urban-bees"
        ) && d.from_title.is_some()),
        "{dangling:?}"
    );
}
