//! [`Command`]: what a view asks the background worker to do (imperative names). Views push
//! commands; they never await, call HTTP, or touch files.

use crate::cma::{AccessToken, ActionKind, EntityKind, Link, ReleaseBody};
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
    /// Timeline (`Release.v2`) releases instead of Launch ones. Contentful lists the two models
    /// apart (`sys.schemaVersion=Release.v2`, spec §10.1), so the list shows one at a time.
    pub timeline: bool,
}

/// What an entity picker asks the server for: the words typed (`query`; empty lists the most
/// recently updated) and its filters. A reply to any other search is stale.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PickerSearch {
    /// The words typed.
    pub words: String,
    /// Only entries of this content type (assets are then left out).
    pub content_type: Option<String>,
    /// Only entities in this state.
    pub state: Option<EntityStateFilter>,
}

impl From<&str> for PickerSearch {
    fn from(words: &str) -> Self {
        Self {
            words: words.to_owned(),
            ..Self::default()
        }
    }
}

impl From<String> for PickerSearch {
    fn from(words: String) -> Self {
        Self {
            words,
            ..Self::default()
        }
    }
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

/// How many rows one page of the entries view holds (`limit`; `skip` is a multiple of it).
pub const ENTITY_PAGE: usize = 100;

/// How many matches an entity picker asks the server for while the user types.
pub const PICKER_LIMIT: usize = 20;

/// How many releases the command palette asks the server for while the user types.
pub const PALETTE_RELEASES: u64 = 8;

/// The publishing states the entries view can filter by on the server. The CMA filters on
/// `sys.publishedAt[exists]` and `sys.archivedAt[exists]` (spec §5); it cannot tell a published
/// entry from one changed since publishing, so those two are one filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityStateFilter {
    /// Never published, or unpublished; not archived.
    Draft,
    /// Published, with or without changes since.
    Published,
    /// Archived.
    Archived,
}

impl EntityStateFilter {
    /// Every filter, in menu order.
    pub const ALL: [Self; 3] = [Self::Draft, Self::Published, Self::Archived];

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Published => "Published or changed",
            Self::Archived => "Archived",
        }
    }

    /// The query parameters that select it (spec §5).
    pub fn params(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Draft => &[
                ("sys.archivedAt[exists]", "false"),
                ("sys.publishedAt[exists]", "false"),
            ],
            Self::Published => &[("sys.publishedAt[exists]", "true")],
            Self::Archived => &[("sys.archivedAt[exists]", "true")],
        }
    }
}

/// Which entries (or assets) the entries view lists, and in which order: every filter runs on
/// the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntityQuery {
    /// Entries or assets (the CMA lists them separately).
    pub kind: EntityKind,
    /// Full-text search (`query`); empty for none.
    pub search: String,
    /// Only entries of this content type (`content_type`); ignored for assets.
    pub content_type: Option<String>,
    /// Only entities in this state.
    pub state: Option<EntityStateFilter>,
    /// `order`: `-sys.updatedAt` (default), `sys.updatedAt`, `-sys.createdAt`, `sys.createdAt`,
    /// `sys.id`.
    pub order: String,
}

impl Default for EntityQuery {
    fn default() -> Self {
        Self {
            kind: EntityKind::Entry,
            search: String::new(),
            content_type: None,
            state: None,
            order: "-sys.updatedAt".to_owned(),
        }
    }
}

/// Which entity picker a server search belongs to (each keeps its own latest search).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PickerId {
    /// The new-release dialog.
    NewRelease,
    /// "Add entries" on a release.
    AddEntries,
    /// The schedule dialog's target.
    ScheduleTarget,
    /// The command palette's "jump to an entry".
    Palette,
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
        /// The members the copy already loaded names (from the list): resolved at once, beside
        /// the read of the release, rather than a round trip after it. Members the read adds
        /// are resolved when it returns.
        members: Vec<Link>,
    },
    /// Create a release (Launch or Timeline, as the body says).
    CreateRelease {
        /// Title, items and schema.
        body: ReleaseBody,
    },
    /// Replace a release's title and items, sending the version the user saw. The body starts
    /// from the release as shown (`ReleaseBody::from`), so metadata, the schema and items the app
    /// cannot model are sent back unchanged.
    UpdateRelease {
        /// Release id.
        id: String,
        /// The version shown when the user made the change.
        version: u64,
        /// The whole new body.
        body: ReleaseBody,
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
    /// Load one page of the entries view: `limit` [`ENTITY_PAGE`] at `skip` `page * limit`.
    /// Latest wins per query: a page of another query cancels this one.
    LoadEntityPage {
        /// Filters and order.
        query: EntityQuery,
        /// The page index (0-based).
        page: usize,
        /// Forget the pages loaded for this query (the user asked to reload).
        refresh: bool,
    },
    /// Load these entries and assets by id (`sys.id[in]`, at most 100 ids a request), for views
    /// that show titles: a release's entities, a failed action's, a schedule's target.
    ResolveEntities {
        /// (kind, id) of each.
        ids: Vec<(EntityKind, String)>,
    },
    /// Search entries and assets on the server for a picker (at most [`PICKER_LIMIT`]);
    /// latest wins per picker.
    SearchEntities {
        /// Which picker asks.
        picker: PickerId,
        /// The words typed and the picker's filters.
        search: PickerSearch,
    },
    /// Load the titles of these releases by id (`sys.id[in]`, Launch and Timeline), for views
    /// that name releases the list has not loaded (the timeline's events).
    ResolveReleases {
        /// Release ids.
        ids: Vec<String>,
    },
    /// Search releases by title on the server (`title[match]`) for the command palette;
    /// latest wins.
    SearchReleases {
        /// The words typed.
        search: String,
    },
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
        /// The entities, with the versions the user saw when known; the worker reads the
        /// others' versions (`sys.id[in]`) before publishing.
        items: Vec<(EntityKind, String, Option<u64>)>,
        /// Only these locales (a locale-based bulk action v2, spec §10.2); `None`: the whole
        /// entity (v1).
        locales: Option<Vec<String>>,
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
    ResetSandbox {
        /// Switch the environment to locale-based (`true`) or entry-based (`false`) publishing
        /// first; `None` keeps the mode.
        locale_publishing: Option<bool>,
    },
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
    /// Work out whether each of these releases would publish (`readiness::assess` over what
    /// the worker loads); answered per release with `AppEvent::ReadinessLoaded`. Latest wins
    /// per release: a newer check of a release aborts its running one.
    CheckReadiness {
        /// Release ids.
        release_ids: Vec<String>,
    },
    /// Find the published entries outside a release that would link to its members once it
    /// is unpublished (the Unpublish confirmation); answered with
    /// `AppEvent::UnpublishLinksLoaded`.
    CheckUnpublish {
        /// Release id.
        release_id: String,
    },
    /// Load the "Changes" review of a release: each entry's draft against its published
    /// version; answered with `AppEvent::ChangesLoaded`.
    LoadChanges {
        /// Release id.
        release_id: String,
    },
    /// Settings → Alerts and hooks: rules, tests, delivery logs.
    Alerts(crate::app::alerts::AlertsRequest),
}
