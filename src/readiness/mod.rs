//! Release readiness: whether a release will publish cleanly, known before any action runs —
//! on the sandbox and on a real Contentful space alike, since it applies the very rules the
//! sandbox publishes with ([`crate::validation`]) to what the app loaded over the CMA.
//!
//! Pure: no I/O, no egui. The worker (`app/worker/readiness.rs`) loads a [`Snapshot`] — the
//! content model, the release's entities and the targets of their links to [`CLOSURE_DEPTH`] —
//! and the facts around it ([`Facts`]: the last action, the next schedule), then [`assess`]
//! gives an [`Assessment`]: the one-word [`Readiness`] and the [`ReadinessReport`] behind it.
//!
//! - [`preflight`]: the release's publish checked item by item, the same per-entity errors a
//!   validate action reports ([`Preflight`]);
//! - [`closure`]: linked entities outside the release that would not resolve, the body that
//!   adds them ("Add them", within the 200-entity limit), and the published entries an
//!   unpublish would leave dangling;
//! - [`verdict`]: [`Readiness`] and its precedence;
//! - [`changes`]: the draft-against-published diff of the "Changes" tab;
//! - [`snapshot`]: what all of these read.

pub mod changes;
pub mod closure;
pub mod preflight;
pub mod snapshot;
pub mod verdict;

#[cfg(test)]
mod tests;

pub use changes::{DiffValue, EntryChange, EntryDiff, FieldDiff, diff_entry, release_changes};
pub use closure::{
    AddReferencesError, CLOSURE_DEPTH, DanglingLink, MAX_RELEASE_ENTITIES, MissingReference,
    add_references, dangling_links, missing_references, release_unpublish_dangling,
};
pub use preflight::{Effect, PlannedItem, Preflight, plan};
pub use snapshot::{Snapshot, field_links};
pub use verdict::{Facts, LastRun, NextSchedule, Readiness, decide};

use crate::cma::{Entity, EntityError, ErrorBody, Link, Release};

/// What readiness found, behind its one word.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadinessReport {
    /// Every per-entity error a publish would fail with, in the shape of a release action's
    /// `error.details.errors` (so the failure inspector's grouping and words apply unchanged:
    /// see [`ReadinessReport::error_body`]).
    pub problems: Vec<EntityError>,
    /// Linked entries and assets that would not resolve (closure to [`CLOSURE_DEPTH`]).
    pub missing: Vec<MissingReference>,
    /// Published entries outside the release left linking to what it unpublishes.
    pub dangling: Vec<DanglingLink>,
    /// Every entry and asset the verdict read (the release's own and the link targets
    /// loaded), by id: a change to any of them (an `Entry.save` in the timeline) makes it stale.
    pub involved: Vec<Link>,
}

impl ReadinessReport {
    /// How many problems: each field error, or one for an error about a whole entity.
    pub fn problem_count(&self) -> usize {
        self.problems
            .iter()
            .map(|e| e.error.field_errors().len().max(1))
            .sum()
    }

    /// How many problems adding the missing references fixes: unresolved links to drafts.
    pub fn fixable_problem_count(&self) -> usize {
        self.problems
            .iter()
            .flat_map(|e| e.error.field_errors())
            .filter(|f| {
                f.name == "notResolvable"
                    && f.link_target_id().is_some_and(|id| {
                        self.missing
                            .iter()
                            .any(|m| m.addable() && m.link.id() == id)
                    })
            })
            .count()
    }

    /// The missing references "Add them" adds (drafts), in the order found.
    pub fn addable(&self) -> Vec<Link> {
        self.missing
            .iter()
            .filter(|m| m.addable())
            .map(|m| m.link.clone())
            .collect()
    }

    /// The problems as a failed validate action's error (`ValidationFailed` with the per-entity
    /// errors), for the failure inspector's grouping; `None` when there are none.
    pub fn error_body(&self) -> Option<ErrorBody> {
        (!self.problems.is_empty()).then(|| ErrorBody::validation_failed(self.problems.clone()))
    }
}

/// A release's readiness and what it is based on.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The one word.
    pub readiness: Readiness,
    /// The problems, missing references and dangling links behind it.
    pub report: ReadinessReport,
}

/// The readiness of `release` over `snapshot`. `linking` holds, for entities the release
/// unpublishes, the entries that link to them (empty when not asked). `facts.changed_since_last_run`
/// is worked out here too when the caller left it false: the release or a loaded entity of it
/// updated after the last run started.
pub fn assess(
    release: &Release,
    snapshot: &Snapshot,
    facts: &Facts,
    linking: &[(Link, Vec<Entity>)],
) -> Assessment {
    let preflight = Preflight::new(release, snapshot);
    let report = ReadinessReport {
        problems: preflight.run(),
        missing: missing_references(&preflight, CLOSURE_DEPTH),
        dangling: dangling_links(&preflight, linking),
        involved: {
            let mut links: Vec<Link> = snapshot.entities().map(Entity::link).collect();
            links.sort_by(|a, b| a.id().cmp(b.id()));
            links
        },
    };
    let mut facts = facts.clone();
    if !facts.changed_since_last_run
        && let Some(at) = facts.last_run.as_ref().and_then(|r| r.at)
    {
        let after = |t: Option<crate::cma::Timestamp>| t.is_some_and(|t| t > at);
        facts.changed_since_last_run = after(release.sys.updated_at)
            || preflight
                .items()
                .iter()
                .filter_map(|i| snapshot.entity(&i.link))
                .any(|e| after(e.sys.updated_at));
    }
    Assessment {
        readiness: decide(release, &report, &facts),
        report,
    }
}
