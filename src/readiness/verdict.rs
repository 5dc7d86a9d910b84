//! [`Readiness`]: one word for a release in the list, decided from the local preflight, the
//! reference closure, the last action and the next schedule ([`decide`]).
//!
//! Precedence, first match wins, and why:
//! 1. **Published** — archived after a successful publish: nothing left to check.
//! 2. **Empty** — no items: there is nothing to publish, whatever else holds.
//! 3. **LastRunFailed** — the last validate or publish failed and neither the release nor any
//!    of its entities changed after it ended: the server's own verdict stands (it may know a
//!    rule the local preflight does not, such as `unique`). Once something changed, the fresh
//!    local check says more than the stale failure.
//! 4. **Blocked** — a problem that adding the missing references would not fix (a field rule,
//!    an archived or deleted entity or target). The count is every problem, as the failure
//!    inspector would list them.
//! 5. **MissingReferences** — the only problems are linked drafts outside the release, which
//!    "Add them" fixes.
//! 6. **Scheduled** — it would publish, and a publish is scheduled.
//! 7. **Ready** — it would publish.

use crate::cma::{ActionKind, ActionStatus, Release, Timestamp};

use super::ReadinessReport;

/// Whether a release will publish, in one word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// It would publish cleanly.
    Ready,
    /// It would fail: this many problems (field errors, or entity-level errors).
    Blocked {
        /// Every problem the preflight found.
        problems: usize,
    },
    /// It would fail only on linked entities outside the release that "Add them" can add.
    MissingReferences {
        /// How many linked entities are missing.
        count: usize,
    },
    /// It has no items.
    Empty,
    /// It would publish, and a publish is scheduled.
    Scheduled {
        /// When.
        at: Timestamp,
        /// The IANA zone it was scheduled in, when it says.
        zone: Option<String>,
    },
    /// It was published (and archived by the publish).
    Published,
    /// Its last validate or publish failed, and nothing changed since.
    LastRunFailed,
}

impl Readiness {
    /// The list's label: "Ready", "Blocked (5 problems)", "Missing references (1)", …; a
    /// scheduled one without its time (the view writes it in the zone it chooses).
    pub fn label(&self) -> String {
        match self {
            Self::Ready => "Ready".to_owned(),
            Self::Blocked { problems: 1 } => "Blocked (1 problem)".to_owned(),
            Self::Blocked { problems } => format!("Blocked ({problems} problems)"),
            Self::MissingReferences { count } => format!("Missing references ({count})"),
            Self::Empty => "Empty".to_owned(),
            Self::Scheduled { .. } => "Scheduled".to_owned(),
            Self::Published => "Published".to_owned(),
            Self::LastRunFailed => "Last run failed".to_owned(),
        }
    }

    /// Whether a publish now would fail (the confirmation and schedule dialogs warn).
    pub fn would_fail(&self) -> bool {
        matches!(
            self,
            Self::Blocked { .. } | Self::MissingReferences { .. } | Self::LastRunFailed
        )
    }
}

/// The release's last action, as far as readiness needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun {
    /// publish, unpublish or validate.
    pub action: ActionKind,
    /// Its status.
    pub status: ActionStatus,
    /// When it last changed — its end, once final (what "changed since" compares with).
    pub at: Option<Timestamp>,
}

/// The next scheduled publish of a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextSchedule {
    /// When.
    pub at: Timestamp,
    /// The IANA zone, when the schedule names one.
    pub zone: Option<String>,
}

/// What readiness knows besides the preflight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The last release action, if one ran.
    pub last_run: Option<LastRun>,
    /// Whether the release or one of its entities changed after the last run started.
    pub changed_since_last_run: bool,
    /// The next scheduled publish, if any.
    pub next_schedule: Option<NextSchedule>,
}

/// The verdict (precedence in the module documentation).
pub fn decide(release: &Release, report: &ReadinessReport, facts: &Facts) -> Readiness {
    let last = facts.last_run.as_ref();
    if release.is_archived()
        && last
            .is_some_and(|r| r.action == ActionKind::Publish && r.status == ActionStatus::Succeeded)
    {
        return Readiness::Published;
    }
    if release.entities.is_empty() {
        return Readiness::Empty;
    }
    let failed = last.is_some_and(|r| {
        matches!(r.action, ActionKind::Publish | ActionKind::Validate)
            && r.status == ActionStatus::Failed
    });
    if failed && !facts.changed_since_last_run {
        return Readiness::LastRunFailed;
    }
    let problems = report.problem_count();
    if problems > report.fixable_problem_count() {
        return Readiness::Blocked { problems };
    }
    if !report.missing.is_empty() {
        return Readiness::MissingReferences {
            count: report.missing.len(),
        };
    }
    if problems > 0 {
        // Unreachable in practice (fixable problems are missing references), but never say
        // Ready when the preflight found something.
        return Readiness::Blocked { problems };
    }
    match &facts.next_schedule {
        Some(next) => Readiness::Scheduled {
            at: next.at,
            zone: next.zone.clone(),
        },
        None => Readiness::Ready,
    }
}
