//! [`AppEvent`]: what happened (past tense), sent by the worker and applied to the state by
//! [`super::state::AppState::apply`] — the only way outside results change the state.

use super::state::ConnectionInfo;
use crate::cma::{
    ActionKind, ActionStatus, ClientConfig, ContentType, Entity, ErrorBody, Locale, Release,
    ReleaseAction,
};
use crate::config::Profile;

use super::command::{EntityQuery, PickerId, ReleaseQuery, ScheduledQuery};
use crate::cma::EntityKind;
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
    /// When the server created it (to tell it from newer actions others started).
    pub created_at: Option<Timestamp>,
}

/// What an action acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionTarget {
    /// A release action on this release.
    Release(String),
    /// A bulk action over this many entities.
    Bulk(usize),
}

/// Which connection a worker serves: every reconnect starts a worker of a new epoch, and events
/// of any other epoch than the state's are dropped (the old space's pollers cannot write into
/// the new space's state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Epoch(pub u64);

impl Epoch {
    /// The epoch after this one.
    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

/// An event with the epoch of the worker that sent it; `None` for sources that outlive a
/// connection (the embedded receiver's live stream).
#[derive(Debug, Clone)]
pub struct Stamped {
    /// The sending worker's epoch.
    pub epoch: Option<Epoch>,
    /// The event.
    pub event: AppEvent,
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
    /// Which release models the space uses (two small probes, after [`AppEvent::SpaceLoaded`]
    /// when they answer later: titles need the content model first).
    ReleaseModelDetected(crate::app::release_model::SpaceReleaseModel),
    /// The command palette's release search was answered: (id, title) of the matches.
    ReleaseSearchLoaded {
        /// The words searched for (replies to an older search are dropped).
        search: String,
        /// The matches, most recently updated first.
        hits: Vec<(String, String)>,
    },
    /// A page of releases arrived.
    ReleasesLoaded {
        /// The query it answers (a reply for any but the latest is stale).
        query: ReleaseQuery,
        /// The releases of this page.
        items: Vec<Release>,
        /// Releases of this page the app cannot model (listed as such).
        unsupported: Vec<crate::cma::Unmodelled>,
        /// The cursor of the next page, if any.
        next_cursor: Option<String>,
        /// Whether to append to the list or replace it.
        append: bool,
    },
    /// The latest action of some releases (for list badges).
    LatestActionsLoaded(Vec<ReleaseAction>),
    /// A release arrived or changed (create, update, archive, reload).
    ReleaseUpdated(Release),
    /// A release's action history arrived, newest first.
    ReleaseActionsLoaded {
        /// Release id.
        release_id: String,
        /// Actions.
        actions: Vec<ReleaseAction>,
    },
    /// A release was created (the dialog can close and the view open it).
    ReleaseCreated(Release),
    /// A release was deleted (by this app).
    ReleaseDeleted(String),
    /// A release the app asked for no longer exists (deleted elsewhere): a 404.
    ReleaseGone(String),
    /// The worker is loading these entities by id (a release's, as it opens): views do not ask
    /// for them again.
    EntitiesResolving(Vec<(EntityKind, String)>),
    /// Entities asked for by id arrived; those asked for but absent do not exist (or could not
    /// be read: `error`).
    EntitiesResolved {
        /// What was asked for.
        requested: Vec<(EntityKind, String)>,
        /// What the server returned.
        found: Vec<Entity>,
        /// Why some could not be read, if a request failed.
        error: Option<String>,
    },
    /// A page of the entries view arrived.
    EntityPageLoaded {
        /// The query it answers (a page of any but the latest is stale).
        query: EntityQuery,
        /// The page index.
        page: usize,
        /// How many entities match the query in all (the table's length).
        total: u64,
        /// The entities of the page, in order.
        items: Vec<Entity>,
    },
    /// A picker's server search answered.
    EntitySearchLoaded {
        /// Which picker.
        picker: PickerId,
        /// The search it answers (a reply to an older one is stale).
        search: crate::app::command::PickerSearch,
        /// The matches (entries, then assets).
        items: Vec<Entity>,
        /// The titles of the releases each match is already in.
        memberships: Vec<(crate::app::state::EntityKey, String)>,
        /// Active releases of either model whose title matches (the schedule dialog's picker
        /// only: it offers releases too, also those of the model the list is not showing).
        releases: Vec<Release>,
    },
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
    /// A profile from the form was tested (same report as [`AppEvent::ConnectionTested`]).
    ProfileTested {
        /// Whether every step passed.
        ok: bool,
        /// One line per step.
        report: Vec<String>,
    },
    /// A request failed; shown as a toast and where relevant.
    Failed {
        /// What was being done; [`RequestKind`]'s `Display` says it in words.
        kind: RequestKind,
        /// Why, in plain words (no codes): the end of the toast's one sentence.
        message: String,
        /// The technical detail (error chain, status, request id), shown behind "Details".
        detail: Option<String>,
    },
    /// Something worth a toast succeeded.
    Notified(String),
    /// The space could not be loaded: the connection does not work.
    ConnectionFailed {
        /// Whether the server refused the token (401/403), rather than being unreachable.
        token_refused: bool,
        /// One plain sentence.
        summary: String,
        /// The error in full (behind a disclosure).
        detail: String,
    },
    /// A load into the sandbox goes on (`source` names what is loaded).
    SandboxLoadProgress {
        /// The file name, or the space being copied.
        source: String,
        /// How far it has come.
        progress: crate::cma::sandbox_load::LoadProgress,
        /// Whether it can still be canceled (reading a space; writing cannot be interrupted).
        cancellable: bool,
    },
    /// The sandbox now holds `source`'s space.
    SandboxLoaded {
        /// The file name, or the space that was copied.
        source: String,
        /// What was loaded, and what was skipped.
        report: crate::cma::sandbox_load::LoadReport,
        /// When (the app's clock).
        at: jiff::Timestamp,
    },
    /// A copy was canceled before it changed the sandbox.
    SandboxLoadCanceled,
    /// The sandbox was reset to its demo data.
    SandboxReset {
        /// When (the app's clock).
        at: jiff::Timestamp,
    },
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
    /// Schedules of releases: every pending one (for "Publishes Tue 09:00" in the list), or the
    /// latest of one release (its page says when it next runs and whether the last ran late).
    ReleaseSchedulesLoaded(Vec<ScheduledAction>),
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
    /// Titles of releases loaded by id — those scheduled actions act on, and those a view asked
    /// for ([`Command::ResolveReleases`](super::command::Command::ResolveReleases)) — archived
    /// ones too, which the releases list does not hold: (release id, title).
    ReleaseTitlesLoaded(Vec<(String, String)>),
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
    Timeline(crate::app::timeline::TimelineResult),
    /// A release's readiness was worked out (`Command::CheckReadiness`).
    ReadinessLoaded {
        /// The release.
        release_id: String,
        /// The release version it was worked out for (a later version makes it stale).
        version: u64,
        /// The one word.
        readiness: crate::readiness::Readiness,
        /// The problems, missing references and dangling links behind it.
        report: crate::readiness::ReadinessReport,
    },
    /// A release's readiness could not be worked out (the list shows it as unknown, with why;
    /// it is checked again when something involved changes or the list reloads).
    ReadinessFailed {
        /// The release.
        release_id: String,
        /// What went wrong, in words.
        error: String,
    },
    /// What a release's unpublish would leave dangling (`Command::CheckUnpublish`).
    UnpublishLinksLoaded {
        /// The release.
        release_id: String,
        /// Published entries outside it that link to its members.
        dangling: Vec<crate::readiness::DanglingLink>,
        /// Members whose linking entries were not looked up (past the lookup bound).
        unchecked: usize,
    },
    /// A release's "Changes" review loaded (`Command::LoadChanges`).
    ChangesLoaded {
        /// The release.
        release_id: String,
        /// Each entry's draft against its published version, in item order.
        diffs: Vec<crate::readiness::EntryDiff>,
    },
    /// Settings → Alerts and hooks, and what the alert rules tell the app.
    Alerts(crate::app::alerts::AlertsResult),
}

/// What a failed request was doing. State decides by kind which spinner a failure stops (never
/// by the words); the words a toast or notice shows are rendered in one place, its `Display`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKind {
    /// The space's name, content types and locales.
    LoadSpace,
    /// A page of the releases list.
    LoadReleases,
    /// The latest action of the listed releases (list badges).
    LoadLatestActions,
    /// Opening one release.
    OpenRelease,
    /// The action history of an open release.
    LoadReleaseActions,
    /// Re-reading a release right before an action.
    ReadRelease,
    /// Creating a release.
    CreateRelease,
    /// Replacing a release's entities.
    UpdateRelease,
    /// Archiving (`true`) or unarchiving a release.
    SetReleaseArchived(bool),
    /// Deleting a release.
    DeleteRelease,
    /// Starting a release action on the release labelled so.
    StartReleaseAction {
        /// publish, unpublish or validate.
        action: ActionKind,
        /// "Release 'Spring Travel Issue'".
        label: String,
    },
    /// Following a running release action.
    FollowReleaseAction {
        /// publish, unpublish or validate.
        action: ActionKind,
        /// "Release 'Spring Travel Issue'".
        label: String,
    },
    /// A page of the entries view.
    LoadEntityPage,
    /// Entries and assets by id (titles for a view).
    ResolveEntities,
    /// A picker's search.
    SearchEntities,
    /// The command palette's release search.
    SearchReleases,
    /// One entry or asset.
    LoadEntity,
    /// Starting a bulk action.
    StartBulkAction(ActionKind),
    /// Following a running bulk action.
    FollowBulkAction,
    /// Reloading the entities a bulk action touched.
    ReloadEntities,
    /// Reading the saved connection profiles.
    LoadProfiles,
    /// Saving a connection profile.
    SaveProfile,
    /// Testing a connection profile before saving it.
    TestProfile,
    /// Deleting a connection profile.
    DeleteProfile,
    /// Switching to another connection before a profile is known.
    SwitchProfile,
    /// Connecting to the profile of this name.
    Connect(String),
    /// Resetting the local sandbox (refused for anything else).
    Reset,
    /// The sandbox's reset request.
    ResetSandbox,
    /// Loading this file (or copying this space) into the sandbox.
    LoadSandbox(String),
    /// One scheduled action.
    LoadScheduledAction,
    /// The calendar range of scheduled actions.
    LoadScheduledRange,
    /// A page of the scheduled-actions list.
    LoadScheduledPage,
    /// Creating the schedule labelled so ("publish of 'Spring Travel Issue'").
    CreateSchedule(String),
    /// Moving the schedule labelled so.
    Reschedule(String),
    /// Canceling the schedule labelled so.
    CancelSchedule(String),
    /// Following a scheduled action that is due soon.
    FollowSchedule,
    /// Writing a file the user chose (the path as shown).
    WriteFile(String),
    /// Listing the space's webhooks.
    ListWebhooks,
    /// Creating or updating the timeline's webhook definition.
    ConfigureTimelineWebhook,
    /// Starting the call-log poller.
    PollCallLog,
    /// Exporting the timeline (to this path, once chosen).
    ExportTimeline(Option<String>),
}

impl std::fmt::Display for RequestKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::LoadSpace => f.write_str("Loading the space"),
            Self::LoadReleases => f.write_str("Loading releases"),
            Self::LoadLatestActions => f.write_str("Loading release actions"),
            Self::OpenRelease => f.write_str("Opening the release"),
            Self::LoadReleaseActions => f.write_str("Loading the release's actions"),
            Self::ReadRelease => f.write_str("Reading the release"),
            Self::CreateRelease => f.write_str("Creating the release"),
            Self::UpdateRelease => f.write_str("Saving the release"),
            Self::SetReleaseArchived(true) => f.write_str("Archiving the release"),
            Self::SetReleaseArchived(false) => f.write_str("Unarchiving the release"),
            Self::DeleteRelease => f.write_str("Deleting the release"),
            Self::StartReleaseAction { action, label } => write!(f, "Starting {action} of {label}"),
            Self::FollowReleaseAction { action, label } => {
                write!(f, "Following {action} of {label}")
            }
            Self::LoadEntityPage => f.write_str("Loading entries"),
            Self::ResolveEntities => f.write_str("Loading entry titles"),
            Self::SearchEntities => f.write_str("Searching entries"),
            Self::SearchReleases => f.write_str("Searching releases"),
            Self::LoadEntity => f.write_str("Loading the entry"),
            Self::StartBulkAction(action) => write!(f, "Starting bulk {action}"),
            Self::FollowBulkAction => f.write_str("Following the bulk action"),
            Self::ReloadEntities => f.write_str("Reloading entries"),
            Self::LoadProfiles => f.write_str("Reading connections"),
            Self::TestProfile => f.write_str("Testing the connection"),
            Self::SaveProfile => f.write_str("Saving the connection"),
            Self::DeleteProfile => f.write_str("Deleting the connection"),
            Self::SwitchProfile => f.write_str("Switching"),
            Self::Connect(name) => write!(f, "Connecting to '{name}'"),
            Self::Reset => f.write_str("Reset"),
            Self::ResetSandbox => f.write_str("Resetting the sandbox"),
            Self::LoadSandbox(source) => write!(f, "Loading {source} into the sandbox"),
            Self::LoadScheduledAction => f.write_str("Loading the schedule"),
            Self::LoadScheduledRange | Self::LoadScheduledPage => {
                f.write_str("Loading scheduled actions")
            }
            Self::CreateSchedule(label) => write!(f, "Scheduling the {label}"),
            Self::Reschedule(label) => write!(f, "Rescheduling the {label}"),
            Self::CancelSchedule(label) => write!(f, "Canceling the {label}"),
            Self::FollowSchedule => f.write_str("Following a scheduled action"),
            Self::WriteFile(path) => write!(f, "Writing {path}"),
            Self::ListWebhooks => f.write_str("Listing the space's webhooks"),
            Self::ConfigureTimelineWebhook => f.write_str("Configuring the timeline webhook"),
            Self::PollCallLog => f.write_str("Polling the call log"),
            Self::ExportTimeline(None) => f.write_str("Exporting the timeline"),
            Self::ExportTimeline(Some(path)) => write!(f, "Exporting to {path}"),
        }
    }
}
