//! The app's window onto a space's entries and assets, which it never loads whole: the entries
//! view's page cache ([`EntityPages`]: pages of [`ENTITY_PAGE`] ids by index for one
//! [`EntityQuery`], with the total from the server), the pickers' server searches
//! ([`EntitySearch`]), and the bookkeeping of entities asked for by id ([`Resolving`]: in flight,
//! known to be absent) so a view asks for each missing id once, never per frame.
//!
//! The entities themselves live in [`super::AppState::entities`], a cache bounded by
//! [`ENTITY_CACHE_CAP`]: pages far from where the user scrolls are dropped
//! ([`MAX_PAGES`]), and when the cache grows past its cap the entities no page, search or
//! pinned id refers to go (views ask for them again if they need them).

use std::collections::{HashMap, HashSet};

use crate::app::command::{ENTITY_PAGE, EntityQuery, PickerId};
use crate::cma::EntityKind;

/// How many pages of the entries view are kept (the ones nearest the last one loaded stay).
pub const MAX_PAGES: usize = 30;

/// How many entities the cache holds before it drops those nothing refers to.
pub const ENTITY_CACHE_CAP: usize = 5_000;

/// An entity's key in the cache.
pub type EntityKey = (EntityKind, String);

/// The entries view's rows as loaded so far, for one query.
#[derive(Debug, Clone, Default)]
pub struct EntityPages {
    /// The query the pages answer; replies to any other are stale.
    pub query: Option<EntityQuery>,
    /// How many entities match in all, once the first reply arrived.
    pub total: Option<u64>,
    /// Ids of each loaded page, in server order.
    pub pages: HashMap<usize, Vec<EntityKey>>,
    /// Pages requested and not answered yet.
    pub loading: HashSet<usize>,
    /// The last failure; views stop asking for pages until the user retries.
    pub error: Option<String>,
    /// Bumped whenever the pages change.
    pub generation: u64,
    /// Bumped when the pages are thrown away (reload, sandbox reset), so views ask again.
    pub resets: u64,
}

impl EntityPages {
    /// Starts over for `query` (a new filter, or a reload of the same one).
    pub fn start(&mut self, query: EntityQuery) {
        self.query = Some(query);
        self.total = None;
        self.pages.clear();
        self.loading.clear();
        self.error = None;
        self.generation += 1;
    }

    /// Forgets every page (the space changed under them); the query stays, so the view's
    /// visible pages are asked for again.
    pub fn reset(&mut self) {
        self.query = None;
        self.total = None;
        self.pages.clear();
        self.loading.clear();
        self.error = None;
        self.generation += 1;
        self.resets += 1;
    }

    /// The key of row `index`, if its page is loaded.
    pub fn row(&self, index: usize) -> Option<&EntityKey> {
        self.pages
            .get(&(index / ENTITY_PAGE))
            .and_then(|page| page.get(index % ENTITY_PAGE))
    }

    /// How many rows the table has: the server's total, else what is loaded.
    pub fn len(&self) -> usize {
        match self.total {
            Some(total) => usize::try_from(total).unwrap_or(usize::MAX),
            None => self.pages.values().map(Vec::len).sum(),
        }
    }

    /// Whether no row is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether page `page` is loaded or loading.
    pub fn has_or_loads(&self, page: usize) -> bool {
        self.pages.contains_key(&page) || self.loading.contains(&page)
    }

    /// Stores a page and drops the pages farthest from it beyond [`MAX_PAGES`].
    pub(super) fn store(&mut self, page: usize, total: u64, ids: Vec<EntityKey>) {
        self.total = Some(total);
        self.loading.remove(&page);
        self.pages.insert(page, ids);
        if self.pages.len() > MAX_PAGES {
            let mut far: Vec<usize> = self.pages.keys().copied().collect();
            far.sort_by_key(|p| std::cmp::Reverse(p.abs_diff(page)));
            for p in far.into_iter().take(self.pages.len() - MAX_PAGES) {
                self.pages.remove(&p);
            }
        }
        self.error = None;
        self.generation += 1;
    }
}

/// A picker's latest server search.
#[derive(Debug, Clone, Default)]
pub struct EntitySearch {
    /// The latest request; replies to others are stale.
    pub search: crate::app::command::PickerSearch,
    /// Titles of the releases each match is already in.
    pub memberships: HashMap<EntityKey, Vec<String>>,
    /// Matching releases, for pickers that offer releases (the schedule dialog's).
    pub releases: Vec<crate::cma::Release>,
    /// The matches of the last reply, in order (kept while a newer search loads, so the list
    /// does not flicker).
    pub ids: Vec<EntityKey>,
    /// Whether the latest request is unanswered.
    pub loading: bool,
    /// Whether any reply arrived.
    pub loaded: bool,
    /// The last failure.
    pub error: Option<String>,
}

/// Entities asked for by id: which are in flight and which the server does not have.
#[derive(Debug, Clone, Default)]
pub struct Resolving {
    /// Asked for, not answered yet.
    pub in_flight: HashSet<EntityKey>,
    /// Asked for and not returned (deleted, or the request failed): not asked for again until
    /// the user reloads.
    pub absent: HashSet<EntityKey>,
}

/// All of the above, kept together in [`super::AppState::entity_view`].
#[derive(Debug, Clone, Default)]
pub struct EntityWindow {
    /// The entries view's pages.
    pub pages: EntityPages,
    /// Each picker's search.
    pub searches: HashMap<PickerId, EntitySearch>,
    /// Entities asked for by id.
    pub resolving: Resolving,
}

impl EntityWindow {
    /// The keys the cache must keep: a loaded page or a picker's matches show them, or they are
    /// being loaded.
    pub(super) fn refers_to(&self) -> HashSet<EntityKey> {
        let mut keep: HashSet<EntityKey> = self.pages.pages.values().flatten().cloned().collect();
        keep.extend(self.searches.values().flat_map(|s| s.ids.iter().cloned()));
        keep.extend(self.resolving.in_flight.iter().cloned());
        keep
    }
}
