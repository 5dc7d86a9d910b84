//! Loads into the local sandbox as the state sees them (issue 13 §4): the running job with its
//! progress, the last report (kept across the switch to the sandbox), and what a replaced space
//! means for everything loaded of the old one (a reset replaces it too).

use super::entities::Resolving;
use super::{AppState, Effect, Toast};
use crate::cma::sandbox_load::{LoadProgress, LoadReport};

/// A load into the local sandbox, as Settings shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxLoadJob {
    /// What is loaded (a file name, "space 'abc'").
    pub source: String,
    /// How far it has come, once the worker reported.
    pub progress: Option<LoadProgress>,
    /// Whether it may still be canceled (reading a space, not yet writing the sandbox).
    pub cancellable: bool,
}

impl SandboxLoadJob {
    /// One line for the progress bar: "entries: 1,200 of 5,000".
    pub fn describe(&self) -> String {
        match &self.progress {
            None => format!("Preparing {}…", self.source),
            Some(p) if p.phase == "sending" => format!("Sending {} to the sandbox…", self.source),
            Some(p) if p.total > 0 => format!("{}: {} of {}", p.phase, p.done, p.total),
            Some(p) => format!("{}: {} read", p.phase, p.done),
        }
    }

    /// The fraction done, when the phase has a known size.
    pub fn fraction(&self) -> Option<f32> {
        self.progress
            .as_ref()
            .filter(|p| p.total > 0)
            .map(|p| (p.done as f32 / p.total as f32).clamp(0.0, 1.0))
    }
}

impl AppState {
    /// `AppEvent::SandboxLoadProgress`.
    pub(super) fn sandbox_load_progressed(
        &mut self,
        source: String,
        progress: LoadProgress,
        cancellable: bool,
    ) {
        self.sandbox_load = Some(SandboxLoadJob {
            source,
            progress: Some(progress),
            cancellable,
        });
    }

    /// `AppEvent::SandboxLoadCanceled`: the dialog was closed or the copy canceled.
    pub(super) fn sandbox_load_canceled(&mut self) {
        if self.sandbox_load.take().is_some() {
            self.toast(Toast::Info(
                "Nothing was loaded: the sandbox is unchanged".into(),
            ));
        }
    }

    /// `AppEvent::SandboxLoaded`: the report is kept for Settings; on the sandbox itself, what
    /// was loaded of the old space goes.
    pub(super) fn sandbox_loaded(
        &mut self,
        source: String,
        report: LoadReport,
        at: jiff::Timestamp,
    ) {
        self.sandbox_load = None;
        let summary = if report.problems.is_empty() {
            format!("The sandbox now holds {source}: {report}")
        } else {
            format!("The sandbox now holds {source}: {report}. Settings lists what was skipped.")
        };
        self.sandbox_load_report = Some((source, report));
        self.toast(Toast::Success(summary));
        if self.connection.as_ref().is_some_and(|c| c.is_sandbox) {
            self.space_replaced(at);
        }
    }

    /// The sandbox's space was replaced (a reset, a load): what was loaded of the old one goes,
    /// the lists reload, and the timeline marks the moment (the journal keeps the old events).
    pub(super) fn space_replaced(&mut self, at: jiff::Timestamp) {
        self.sandbox_reset_at = Some(at);
        self.releases.clear();
        self.latest_actions.clear();
        self.release_actions.clear();
        self.entities.clear();
        self.entity_view.pages.reset();
        self.entity_view.searches.clear();
        self.entity_view.resolving = Resolving::default();
        self.readiness = super::ReadinessCache::default();
        self.actions.clear();
        self.releases_generation += 1;
        self.entities_generation += 1;
        self.clear_scheduled();
        self.effects.push(Effect::ReloadReleaseList);
    }
}
