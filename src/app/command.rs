//! [`Command`]: what a view asks the background worker to do (imperative names). Views push
//! commands; they never await, call HTTP, or touch files.

use crate::cma::{AccessToken, ActionKind, EntityKind, Link};
use crate::cma::{ScheduledActionBody, ScheduledActionStatus, Timestamp};
use crate::config::Profile;

/// Which releases to list, and in which order (server-side filters).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleaseQuery {
    /// Words that must all appear in the title (`title[match]`).
    pub search: String,
    /// Only active (`Some(false)`), only archived (`Some(true)`), or all (`None`).
    pub archived: Option<bool>,
    /// `order` parameter: `-sys.updatedAt` (default), `title`, `-title`, `sys.updatedAt`, …
    pub order: String,
}

/// Which scheduled actions the calendar's list shows (server-side filters).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScheduledQuery {
    /// Only actions in this state (`sys.status`); `None` for every state.
    pub status: Option<ScheduledActionStatus>,
    /// Only the schedules of this entry, asset or release (`entity.sys.id`).
    pub entity_id: Option<String>,
    /// Latest first (`-scheduledFor.datetime`) instead of soonest first.
    pub newest_first: bool,
}

impl Command {
    /// Whether the command's work belongs to the app rather than to the connected space, so it
    /// runs to its end even when the connection is replaced: saved profiles, and a file the
    /// user chose to write.
    pub fn outlives_connection(&self) -> bool {
        matches!(
            self,
            Command::LoadProfiles
                | Command::SaveProfile { .. }
                | Command::TestProfile { .. }
                | Command::DeleteProfile { .. }
                | Command::ExportIcs { .. }
        )
    }
}

/// A request for I/O, handled by the worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Load the content model (content types, locales) and the space's name.
    LoadSpace,
    /// Load the first page of releases (replacing the list), or the page after `cursor`.
    LoadReleases {
        /// Search, status filter and order.
        query: ReleaseQuery,
        /// The cursor of the page to load; `None` for the first page.
        cursor: Option<String>,
    },
    /// Load one release, its entities and its action history.
    OpenRelease {
        /// Release id.
        id: String,
    },
    /// Create a release with a title and entities.
    CreateRelease {
        /// Title.
        title: String,
        /// Entries and assets.
        entities: Vec<Link>,
    },
    /// Replace a release's entities, sending the version the user saw.
    SetReleaseEntities {
        /// Release id.
        id: String,
        /// The version shown when the user made the change.
        version: u64,
        /// The title (unchanged).
        title: String,
        /// The new entity list.
        entities: Vec<Link>,
    },
    /// Archive or unarchive a release.
    SetReleaseArchived {
        /// Release id.
        id: String,
        /// The version the user saw.
        version: u64,
        /// true to archive.
        archived: bool,
    },
    /// Delete a release.
    DeleteRelease {
        /// Release id.
        id: String,
    },
    /// Validate, publish or unpublish a release and follow the action to its end.
    RunReleaseAction {
        /// Release id.
        id: String,
        /// What to do.
        action: ActionKind,
    },
    /// Load every entry and asset (for the entries view and pickers).
    LoadEntities,
    /// Load one entry or asset (for its detail panel).
    LoadEntity {
        /// Entry or asset.
        kind: EntityKind,
        /// Its id.
        id: String,
    },
    /// Start a bulk action over the given entities and follow it to its end.
    RunBulkAction {
        /// publish, unpublish or validate.
        action: ActionKind,
        /// The entities, with the versions the user saw.
        items: Vec<(EntityKind, String, u64)>,
    },
    /// Check the connection step by step and report what is wrong.
    TestConnection,
    /// Check a profile from the form before it is saved (with the typed token, or the stored
    /// one when none was typed).
    TestProfile {
        /// The profile as typed.
        profile: Profile,
        /// A newly typed token.
        token: Option<AccessToken>,
    },
    /// Restore the sandbox's demo data (local sandbox only).
    ResetSandbox,
    /// Replace the local sandbox's space with a `contentful-export` file: the one at `path`,
    /// or one the user picks (`None`). Then switch to the sandbox.
    LoadSandboxExport {
        /// The file, when already chosen.
        path: Option<std::path::PathBuf>,
    },
    /// Copy the connected (real) space — content model, entries, asset metadata, releases and
    /// scheduled actions — into the local sandbox, then switch to it.
    CopySpaceIntoSandbox,
    /// Stop a copy while it is still reading the space (the sandbox is then untouched).
    CancelSandboxLoad,
    /// Hide the conflict notice (state only; the worker ignores it).
    DismissConflict,
    /// Read the saved connection profiles.
    LoadProfiles,
    /// Save a profile and, when given, its token (stored with owner-only permissions).
    SaveProfile {
        /// The profile.
        profile: Profile,
        /// A newly entered token; `None` keeps the stored one.
        token: Option<AccessToken>,
    },
    /// Delete a profile and its stored token.
    DeleteProfile {
        /// Profile id.
        id: String,
    },
    /// Connect to a saved profile; `None` is the local sandbox.
    SwitchProfile {
        /// Profile id.
        id: Option<String>,
    },
    /// Load every scheduled action whose instant lies in `from..to` (the calendar's visible
    /// range), plus every overdue one; actions due soon are then followed until they run.
    LoadScheduledActions {
        /// Start of the range (inclusive).
        from: Timestamp,
        /// End of the range (exclusive).
        to: Timestamp,
    },
    /// Load one scheduled action again (after a conflict).
    LoadScheduledAction {
        /// Scheduled action id.
        id: String,
    },
    /// Load the first page of the scheduled-actions list (replacing it), or the page after
    /// `cursor`.
    LoadScheduledPage {
        /// Filters and order.
        query: ScheduledQuery,
        /// The `next` cursor of the page to load; `None` for the first page.
        cursor: Option<String>,
    },
    /// Create a scheduled action (the dialog has checked the instant already).
    CreateSchedule {
        /// What, when, where.
        body: ScheduledActionBody,
        /// What the toast calls it ("publish of 'Spring Travel Issue'").
        label: String,
    },
    /// Move a scheduled action to a new instant, sending the version the user saw.
    Reschedule {
        /// Scheduled action id.
        id: String,
        /// The version shown when the user opened the dialog.
        version: u64,
        /// The full body with the new `scheduledFor`.
        body: ScheduledActionBody,
        /// What the toast calls it.
        label: String,
    },
    /// Cancel a scheduled action.
    CancelSchedule {
        /// Scheduled action id.
        id: String,
        /// What the toast calls it.
        label: String,
    },
    /// Ask where to save, then write these events as an iCalendar file.
    ExportIcs {
        /// The file name the save dialog suggests.
        file_name: String,
        /// The calendar's name inside the file.
        calendar_name: String,
        /// The events.
        events: Vec<crate::app::ics::IcsEvent>,
    },
    /// Read the timeline journal (pages, counts, details) or its saved filters.
    Timeline(crate::app::timeline::TimelineRequest),
}
