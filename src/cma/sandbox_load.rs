//! The sandbox's load extension (`POST /spaces/{s}/_sandbox/load`, Release Desk only): a
//! `contentful-export` file — optionally with `releases` and `scheduledActions`, which
//! Release Desk's "Copy this space into the sandbox" adds — replaces the sandbox's space in one
//! transaction, so the space is replaced only when the load succeeds.
//!
//! The reply streams one JSON object per line (NDJSON) as the load goes: progress lines, then
//! exactly one final line, `loaded` with what was brought in and what was skipped, or `failed`
//! with a CMA error body (nothing was changed). A request that is not an export at all is
//! refused before the stream starts, with an ordinary CMA error.

use serde::{Deserialize, Serialize};

use super::ErrorBody;

/// How far a load has come: `done` of `total` items of one `phase`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadProgress {
    /// What is being loaded ("content model", "assets", "entries", "releases",
    /// "scheduled actions").
    pub phase: String,
    /// Items of this phase done.
    pub done: usize,
    /// Items of this phase in the file.
    pub total: usize,
}

/// What a load brought in, and what it could not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    /// Locales loaded.
    pub locales: usize,
    /// Content types loaded.
    pub content_types: usize,
    /// Editor interfaces loaded.
    pub editor_interfaces: usize,
    /// Tags loaded.
    pub tags: usize,
    /// Assets loaded.
    pub assets: usize,
    /// Entries loaded.
    pub entries: usize,
    /// Releases loaded.
    #[serde(default)]
    pub releases: usize,
    /// Scheduled actions loaded.
    #[serde(default)]
    pub scheduled_actions: usize,
    /// One sentence per item that was skipped, naming it and why.
    #[serde(default)]
    pub problems: Vec<String>,
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} locales, {} content types, {} editor interfaces, {} tags, {} assets, {} entries",
            self.locales,
            self.content_types,
            self.editor_interfaces,
            self.tags,
            self.assets,
            self.entries
        )?;
        if self.releases > 0 || self.scheduled_actions > 0 {
            write!(
                f,
                ", {} releases, {} scheduled actions",
                self.releases, self.scheduled_actions
            )?;
        }
        if !self.problems.is_empty() {
            write!(f, "; {} items skipped", self.problems.len())?;
        }
        Ok(())
    }
}

/// One line of the load's reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LoadLine {
    /// The load goes on.
    Progress(LoadProgress),
    /// The load committed: the sandbox now holds the loaded space.
    Loaded(LoadReport),
    /// The load failed and was rolled back: the sandbox holds what it held before.
    Failed(Box<ErrorBody>),
}
