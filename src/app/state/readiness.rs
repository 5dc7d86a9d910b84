//! [`ReadinessCache`]: each release's readiness and "Changes" review as the worker last worked
//! them out, by release id, with the release version they were worked out for. Nothing is
//! computed per frame: the preflight's problems are grouped in the failure inspector's words
//! ([`crate::app::failure::group_errors`]) once, when the result arrives.
//!
//! A result is current while the release keeps that version and nothing involved changed; a
//! view asks again ([`Command::CheckReadiness`](crate::app::command::Command::CheckReadiness))
//! for a release whose entry is missing, [`ReadinessEntry::is_stale_for`] a newer version, or
//! was invalidated: [`ReadinessCache::invalidate`] for the release itself (`Release.save`),
//! [`ReadinessCache::invalidate_entity`] for an entry or asset it read (`Entry.save`).

use std::collections::{HashMap, HashSet};

use crate::app::failure::{EntityProblems, group_errors};
use crate::readiness::{DanglingLink, EntryDiff, Readiness, ReadinessReport};

/// One release's readiness as last worked out.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadinessEntry {
    /// The release version it was worked out for.
    pub version: u64,
    /// The one word.
    pub readiness: Readiness,
    /// The problems, missing references and dangling links behind it.
    pub report: ReadinessReport,
    /// The report's problems grouped by entity and field, in the failure inspector's words.
    pub problems: Vec<EntityProblems>,
    /// Whether something it depends on changed since (shown until the new result arrives).
    pub stale: bool,
    /// The ids of the entries and assets it read (`report.involved`), for
    /// [`ReadinessCache::invalidate_entity`].
    involved: HashSet<String>,
}

impl ReadinessEntry {
    /// Whether it should be worked out again for a release now at `version`.
    pub fn is_stale_for(&self, version: u64) -> bool {
        self.stale || self.version != version
    }
}

/// Readiness and reviews by release id.
#[derive(Debug, Clone, Default)]
pub struct ReadinessCache {
    entries: HashMap<String, ReadinessEntry>,
    changes: HashMap<String, Vec<EntryDiff>>,
    /// Releases whose check was sent and not answered: not asked again until an answer or an
    /// invalidation (a failed check is only logged by the worker, so it waits for a change).
    asked: HashSet<String>,
    /// Releases whose review was asked for and not answered.
    changes_asked: HashSet<String>,
    /// Releases whose last check failed, with why (not asked again until invalidated).
    failures: HashMap<String, String>,
    /// What each release's unpublish would leave dangling (and how many members went
    /// unchecked), once asked for by the Unpublish confirmation; `None` while asked.
    unpublish: HashMap<String, Option<(Vec<DanglingLink>, usize)>>,
}

impl ReadinessCache {
    /// Stores a result (replacing an older one).
    pub fn store(
        &mut self,
        release_id: String,
        version: u64,
        readiness: Readiness,
        report: ReadinessReport,
    ) {
        let problems = report
            .error_body()
            .map(|body| group_errors(&body))
            .unwrap_or_default();
        let involved = report.involved.iter().map(|l| l.id().to_owned()).collect();
        self.asked.remove(&release_id);
        self.failures.remove(&release_id);
        self.entries.insert(
            release_id,
            ReadinessEntry {
                version,
                readiness,
                report,
                problems,
                stale: false,
                involved,
            },
        );
    }

    /// The last result for a release.
    pub fn get(&self, release_id: &str) -> Option<&ReadinessEntry> {
        self.entries.get(release_id)
    }

    /// The readiness of a release, if worked out (stale or not).
    pub fn readiness(&self, release_id: &str) -> Option<&Readiness> {
        self.entries.get(release_id).map(|e| &e.readiness)
    }

    /// Marks a release's result (and review) stale: something it depends on changed.
    pub fn invalidate(&mut self, release_id: &str) {
        if let Some(entry) = self.entries.get_mut(release_id) {
            entry.stale = true;
        }
        self.asked.remove(release_id);
        self.failures.remove(release_id);
        self.changes.remove(release_id);
        self.changes_asked.remove(release_id);
        self.unpublish.remove(release_id);
    }

    /// Notes that a check failed: shown as unknown with `error`, not asked again until
    /// something involved changes.
    pub fn failed(&mut self, release_id: String, error: String) {
        self.asked.remove(&release_id);
        self.failures.insert(release_id, error);
    }

    /// Why the last check of a release failed, when it did and no result came since.
    pub fn failure(&self, release_id: &str) -> Option<&str> {
        self.failures.get(release_id).map(String::as_str)
    }

    /// Notes that a check of these releases was sent ([`ReadinessCache::wanted`] skips them).
    pub fn on_asked<'a>(&mut self, release_ids: impl IntoIterator<Item = &'a String>) {
        self.asked.extend(release_ids.into_iter().cloned());
    }

    /// Notes that a release's review was asked for.
    pub fn on_changes_asked(&mut self, release_id: &str) {
        self.changes_asked.insert(release_id.to_owned());
    }

    /// Whether a release's review should be asked for: not loaded and not in flight.
    pub fn changes_wanted(&self, release_id: &str) -> bool {
        !self.changes.contains_key(release_id) && !self.changes_asked.contains(release_id)
    }

    /// How many checks are in flight.
    pub fn checking_count(&self) -> usize {
        self.asked.len()
    }

    /// Whether a check of the release is in flight.
    pub fn is_checking(&self, release_id: &str) -> bool {
        self.asked.contains(release_id)
    }

    /// Marks stale every result that read the entry or asset `entity_id` (a draft saved, a
    /// publish elsewhere); the ids of those releases, to check again.
    pub fn invalidate_entity(&mut self, entity_id: &str) -> Vec<String> {
        let mut hit: Vec<String> = self
            .entries
            .iter_mut()
            .filter(|(_, e)| e.involved.contains(entity_id))
            .map(|(id, e)| {
                e.stale = true;
                id.clone()
            })
            .collect();
        for id in &hit {
            self.asked.remove(id);
            self.changes.remove(id);
            self.changes_asked.remove(id);
        }
        hit.sort_unstable();
        hit
    }

    /// Marks every result stale (the content model changed, or the space was reset).
    pub fn invalidate_all(&mut self) {
        self.entries.values_mut().for_each(|e| e.stale = true);
        self.asked.clear();
        self.failures.clear();
        self.changes.clear();
        self.changes_asked.clear();
    }

    /// Forgets a release (deleted).
    pub fn forget(&mut self, release_id: &str) {
        self.entries.remove(release_id);
        self.failures.remove(release_id);
        self.asked.remove(release_id);
        self.changes.remove(release_id);
        self.changes_asked.remove(release_id);
    }

    /// Of `releases` (id, current version), those to check again: no result, or a stale one,
    /// and no check in flight.
    pub fn wanted<'a>(&self, releases: impl IntoIterator<Item = (&'a str, u64)>) -> Vec<String> {
        releases
            .into_iter()
            .filter(|(id, version)| {
                !self.asked.contains(*id)
                    && !self.failures.contains_key(*id)
                    && self
                        .entries
                        .get(*id)
                        .is_none_or(|e| e.is_stale_for(*version))
            })
            .map(|(id, _)| id.to_owned())
            .collect()
    }

    /// Notes that a release's unpublish links were asked for.
    pub fn on_unpublish_asked(&mut self, release_id: &str) {
        self.unpublish.insert(release_id.to_owned(), None);
    }

    /// Stores what a release's unpublish would leave dangling.
    pub fn store_unpublish(
        &mut self,
        release_id: String,
        dangling: Vec<DanglingLink>,
        unchecked: usize,
    ) {
        self.unpublish
            .insert(release_id, Some((dangling, unchecked)));
    }

    /// What a release's unpublish would leave dangling: `None` if never asked, `Some(None)`
    /// while loading.
    pub fn unpublish(&self, release_id: &str) -> Option<Option<&(Vec<DanglingLink>, usize)>> {
        self.unpublish.get(release_id).map(Option::as_ref)
    }

    /// Stores a release's "Changes" review.
    pub fn store_changes(&mut self, release_id: String, diffs: Vec<EntryDiff>) {
        self.changes_asked.remove(&release_id);
        self.changes.insert(release_id, diffs);
    }

    /// A release's "Changes" review, once loaded.
    pub fn changes(&self, release_id: &str) -> Option<&[EntryDiff]> {
        self.changes.get(release_id).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cma::{EntityError, ErrorBody, ErrorId, Link};

    #[test]
    fn results_go_stale_by_version_or_invalidation_and_problems_are_grouped_once() {
        let mut cache = ReadinessCache::default();
        let report = ReadinessReport {
            involved: vec![Link::entry("a1"), Link::entry("p1")],
            problems: vec![EntityError::new(
                Link::entry("a1"),
                ErrorBody::new(ErrorId::NotFound, "gone"),
            )],
            ..ReadinessReport::default()
        };
        cache.store("r1".into(), 4, Readiness::Blocked { problems: 1 }, report);
        assert_eq!(cache.wanted([("r1", 4), ("r2", 1)]), ["r2"]);
        assert_eq!(cache.wanted([("r1", 5)]), ["r1"], "a newer version");
        let entry = cache.get("r1").expect("stored");
        assert_eq!(entry.problems.len(), 1);
        assert_eq!(entry.problems[0].message, "Does not exist (deleted?)");
        assert_eq!(cache.invalidate_entity("elsewhere"), Vec::<String>::new());
        assert_eq!(
            cache.invalidate_entity("p1"),
            ["r1"],
            "a link target it read"
        );
        assert_eq!(cache.wanted([("r1", 4)]), ["r1"]);
        cache.store("r1".into(), 4, Readiness::Ready, ReadinessReport::default());
        assert!(cache.wanted([("r1", 4)]).is_empty(), "a fresh result");
        cache.store_changes("r1".into(), Vec::new());
        cache.invalidate("r1");
        assert_eq!(cache.wanted([("r1", 4)]), ["r1"]);
        assert!(cache.changes("r1").is_none());
        assert_eq!(
            cache.readiness("r1"),
            Some(&Readiness::Ready),
            "kept while stale"
        );
        cache.forget("r1");
        assert!(cache.get("r1").is_none());
    }
}
