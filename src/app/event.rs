//! [`AppEvent`]: what happened (past tense), sent by the worker and applied to the state by
//! [`super::state::AppState::apply`] — the only way outside results change the state.

use super::state::ConnectionInfo;
use crate::cma::{
    ActionKind, ActionStatus, ClientConfig, ContentType, Entity, ErrorBody, Locale, Release,
    ReleaseAction,
};
use crate::config::Profile;

use super::command::ScheduledQuery;
use crate::cma::{ScheduledAction, Timestamp};

/// An action the app started and follows until it is final.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedAction {
    /// Action id.
    pub id: String,
    /// Release action (with its release) or bulk action.
    pub target: ActionTarget,
    /// publish, unpublish or validate.
    pub action: ActionKind,
    /// Last known status.
    pub status: ActionStatus,
    /// The error of a failed action.
    pub error: Option<ErrorBody>,
    /// A short label for the status bar and toasts.
    pub label: String,
}

/// What an action acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionTarget {
    /// A release action on this release.
    Release(String),
    /// A bulk action over this many entities.
    Bulk(usize),
}

/// A result from the worker.
#[derive(Debug, Clone)]
pub enum AppEvent {
    /// The space answered: its name, content types and locales.
    SpaceLoaded {
        /// Space name.
        name: String,
        /// Content types.
        content_types: Vec<ContentType>,
        /// Locales.
        locales: Vec<Locale>,
    },
    /// A page of releases arrived.
    ReleasesLoaded {
        /// The releases of this page.
        items: Vec<Release>,
        /// The cursor of the next page, if any.
        next_cursor: Option<String>,
        /// Whether to append to the list or replace it.
        append: bool,
    },
    /// The latest action of some releases (for list badges).
    LatestActionsLoaded(Vec<ReleaseAction>),
    /// A release arrived or changed (create, update, archive, reload).
    ReleaseUpdated(Release),
    /// A release's entities arrived (entries and assets).
    ReleaseEntitiesLoaded {
        /// Release id.
        release_id: String,
        /// The entities that exist (missing ones are absent).
        entities: Vec<Entity>,
    },
    /// A release's action history arrived, newest first.
    ReleaseActionsLoaded {
        /// Release id.
        release_id: String,
        /// Actions.
        actions: Vec<ReleaseAction>,
    },
    /// A release was created (the dialog can close and the view open it).
    ReleaseCreated(Release),
    /// A release was deleted.
    ReleaseDeleted(String),
    /// Every entry and asset arrived.
    EntitiesLoaded(Vec<Entity>),
    /// One entry or asset arrived.
    EntityLoaded(Entity),
    /// An action started, progressed or finished.
    ActionUpdated(TrackedAction),
    /// Someone else changed what the user edited: nothing was written.
    Conflict {
        /// What the user tried to change.
        what: String,
        /// The release (or entity) id, to reload.
        id: String,
        /// The server's version now, if known.
        current_version: Option<u64>,
        /// Who changed it last, if known.
        changed_by: Option<String>,
    },
    /// The connection test finished.
    ConnectionTested {
        /// Whether everything worked.
        ok: bool,
        /// One line per step.
        report: Vec<String>,
    },
    /// A request failed; shown as a toast and where relevant.
    Failed {
        /// What was being done ("Loading releases").
        context: String,
        /// What went wrong, in words.
        message: String,
    },
    /// Something worth a toast succeeded.
    Notified(String),
    /// The sandbox was reset to its demo data.
    SandboxReset,
    /// The saved profiles (and whether each has a stored token).
    ProfilesLoaded(Vec<(Profile, bool)>),
    /// A profile is ready to connect to: the app rebuilds its worker on this client.
    ProfileReady {
        /// Profile id (`None` for the local sandbox).
        id: Option<String>,
        /// The client configuration (its token stays redacted in `Debug`).
        client: Box<ClientConfig>,
        /// What the status bar shows.
        connection: ConnectionInfo,
    },
    /// The scheduled actions of a calendar range (and every overdue one) arrived.
    ScheduledActionsLoaded {
        /// Start of the range (inclusive).
        from: Timestamp,
        /// End of the range (exclusive).
        to: Timestamp,
        /// The actions.
        items: Vec<ScheduledAction>,
    },
    /// A page of the scheduled-actions list arrived.
    ScheduledPageLoaded {
        /// The filters it answers.
        query: ScheduledQuery,
        /// The actions of this page.
        items: Vec<ScheduledAction>,
        /// The cursor of the next page, if any.
        next_cursor: Option<String>,
        /// Whether to append to the list or replace it.
        append: bool,
    },
    /// A scheduled action was loaded, or changed state (running, succeeded, failed, canceled).
    ScheduledActionUpdated(ScheduledAction),
    /// The schedule dialog's create or reschedule went through.
    ScheduleSaved(ScheduledAction),
    /// Titles of releases that scheduled actions act on (archived ones too, which the releases
    /// list does not hold): (release id, title).
    ScheduledReleaseTitlesLoaded(Vec<(String, String)>),
    /// The schedule dialog's create or reschedule was refused; nothing changed.
    ScheduleRejected {
        /// Why, in words.
        message: String,
    },
    /// The journal stored a webhook event (live).
    TimelineAppended(std::sync::Arc<crate::timeline::TimelineEvent>),
    /// The live stream fell behind and dropped this many notices (they are in the journal).
    TimelineMissed(u64),
    /// The worker answered a timeline request.
    Timeline(crate::app::timeline_rows::TimelineResult),
}
