//! The reference closure of a release: the entries and assets its published entities link to,
//! transitively to [`CLOSURE_DEPTH`], that are neither in the release nor published
//! ([`missing_references`]); the release body that adds the ones that can be added
//! ([`add_references`], refusing past the 200-entity limit); and, for what a release
//! unpublishes, the published entries outside it that would be left linking to unpublished
//! content ([`dangling_links`]).
//!
//! Contentful's own advice is to "add all the referenced entities" by hand; a publish fails on
//! the first draft nobody noticed. Following links from what is published (and from the drafts
//! found, since adding them publishes them too) finds them all before anything runs.

use std::collections::HashSet;

use crate::cma::{
    Entity, EntityState, ItemModel, Link, LocaleSet, Release, ReleaseBody, ReleaseItem,
};

use super::preflight::{Effect, Preflight};
use super::snapshot::{field_links, key};

/// How many links deep the closure follows: 1 is what the release's entities link to.
pub const CLOSURE_DEPTH: usize = 3;

/// How many entries and assets a release may hold (spec §1, §10.1: 200 in both models).
pub const MAX_RELEASE_ENTITIES: usize = 200;

/// A linked entity that would not resolve when the release publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingReference {
    /// The entry or asset linked to.
    pub link: Link,
    /// Its title, when it was loaded and has one.
    pub title: Option<String>,
    /// Its state (`Draft` or `Archived`); `None` when it does not exist.
    pub state: Option<EntityState>,
    /// The first entity found linking to it.
    pub linked_from: Link,
    /// How far from the release: 1 = linked by one of its entities.
    pub depth: usize,
}

impl MissingReference {
    /// Whether adding it to the release fixes it: it exists and is not archived (an archived
    /// entity must be unarchived first; a missing one cannot be published at all).
    pub fn addable(&self) -> bool {
        self.state == Some(EntityState::Draft)
    }
}

/// The entries and assets the release's published entities link to, transitively to `depth`,
/// that are neither published by the release nor published already (drafts, archived, or
/// missing), in the order found (breadth first). Drafts found are followed too: adding them
/// publishes them, so their links must resolve as well. Links in locales a locale-based item
/// does not publish are not followed.
pub fn missing_references(preflight: &Preflight<'_>, depth: usize) -> Vec<MissingReference> {
    let snapshot = preflight.snapshot();
    let mut seen: HashSet<_> = preflight
        .items()
        .iter()
        .filter(|i| i.effect.publishes())
        .map(|i| key(&i.link))
        .collect();
    // (entity, the locales whose links count)
    let mut frontier: Vec<(&Entity, Option<&[String]>)> = preflight
        .items()
        .iter()
        .filter(|i| i.effect.publishes())
        .filter_map(|i| {
            let entity = snapshot.entity(&i.link)?;
            let locales = match &i.effect {
                Effect::Locales { add, .. } => Some(add.as_slice()),
                _ => None,
            };
            Some((entity, locales))
        })
        .collect();
    let mut missing = Vec::new();
    for level in 1..=depth {
        let mut next = Vec::new();
        for (entity, locales) in frontier {
            for link in field_links(entity, locales) {
                if !seen.insert(key(&link)) {
                    continue;
                }
                let resolves = preflight
                    .target_after(&link)
                    .is_some_and(|t| t.published && !t.archived);
                if resolves {
                    continue;
                }
                let found = snapshot.entity(&link);
                missing.push(MissingReference {
                    title: found.and_then(|e| snapshot.title_of(e)),
                    state: found.map(Entity::state),
                    linked_from: entity.link(),
                    depth: level,
                    link,
                });
                if let Some(found) = found.filter(|e| e.state() == EntityState::Draft) {
                    next.push((found, None));
                }
            }
        }
        frontier = next;
    }
    missing
}

/// Why [`add_references`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddReferencesError {
    /// The release is archived, so it refuses changes.
    #[error("the release is archived; unarchive it before adding entities")]
    Archived,
    /// Nothing to add: every link is already in the release.
    #[error("every linked entity is already in the release")]
    NothingToAdd,
    /// The release would exceed the 200-entity limit.
    #[error(
        "adding {adding} entities would make {total}; a release holds at most {limit} entries and assets"
    )]
    TooMany {
        /// How many would be added.
        adding: usize,
        /// How many the release would then hold.
        total: usize,
        /// The limit ([`MAX_RELEASE_ENTITIES`]).
        limit: usize,
    },
}

/// The body that adds `links` to `release` ("Add them"), in the release's own item style: a
/// link for Launch; `action: publish` for entry-based Timeline; for locale-based Timeline, the
/// locales the release's items already publish (every environment locale in `locales` when
/// none does), the others in `remove`, as locale-based items must name every locale once.
/// Links already in the release are skipped. Everything else in the release (metadata, items
/// Release Desk cannot model, the schema) is sent back unchanged.
pub fn add_references(
    release: &Release,
    links: &[Link],
    locales: &[String],
) -> Result<ReleaseBody, AddReferencesError> {
    if release.is_archived() {
        return Err(AddReferencesError::Archived);
    }
    let mut held: HashSet<_> = release.entities.links().map(key).collect();
    let new: Vec<&Link> = links.iter().filter(|l| held.insert(key(l))).collect();
    if new.is_empty() {
        return Err(AddReferencesError::NothingToAdd);
    }
    let total = release.entities.len() + new.len();
    if total > MAX_RELEASE_ENTITIES {
        return Err(AddReferencesError::TooMany {
            adding: new.len(),
            total,
            limit: MAX_RELEASE_ENTITIES,
        });
    }
    let model = ItemModel::of_items(&release.entities.items).unwrap_or(if release.is_timeline() {
        ItemModel::Action
    } else {
        ItemModel::Link
    });
    let add: Vec<String> = {
        let used: HashSet<&str> = release
            .entities
            .items
            .iter()
            .flat_map(|i| i.added_locales().iter().map(String::as_str))
            .collect();
        let chosen: Vec<String> = locales
            .iter()
            .filter(|l| used.contains(l.as_str()))
            .cloned()
            .collect();
        if chosen.is_empty() {
            locales.to_vec()
        } else {
            chosen
        }
    };
    let remove: Vec<String> = locales
        .iter()
        .filter(|l| !add.contains(l))
        .cloned()
        .collect();
    let mut body = ReleaseBody::from(release);
    for link in new {
        let plain = Link::new(link.link_type().clone(), link.id());
        body.entities.items.push(match model {
            ItemModel::Locales => ReleaseItem::locales(
                plain,
                LocaleSet::all_fields(add.iter().cloned()),
                LocaleSet::all_fields(remove.iter().cloned()),
            ),
            other => ReleaseItem::new_like(other, plain, locales),
        });
    }
    Ok(body)
}

/// A published entry outside the release that links to an entity the release unpublishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DanglingLink {
    /// The published entry that links.
    pub from: Link,
    /// Its title, when it has one.
    pub from_title: Option<String>,
    /// The entity the release unpublishes.
    pub to: Link,
}

/// The published entries (published or changed) outside the release among `linking` — for
/// each entity the release unpublishes, the entries that link to it (`links_to_entry` /
/// `links_to_asset`) — that would be left linking to unpublished content.
pub fn dangling_links(
    preflight: &Preflight<'_>,
    linking: &[(Link, Vec<Entity>)],
) -> Vec<DanglingLink> {
    let unpublishing: HashSet<_> = preflight.unpublishing().map(key).collect();
    let mut out = Vec::new();
    for (to, entries) in linking {
        if !unpublishing.contains(&key(to)) {
            continue;
        }
        for entry in entries {
            let from = entry.link();
            let published = matches!(entry.state(), EntityState::Published | EntityState::Changed);
            if published && !preflight.holds(&from) {
                out.push(DanglingLink {
                    from_title: preflight.snapshot().title_of(entry),
                    from,
                    to: to.clone(),
                });
            }
        }
    }
    out
}

/// A release-level unpublish (Launch: every member goes offline): the published entries
/// outside the release among `linking` that would be left linking to one of its members,
/// titled from `snapshot`'s content model.
pub fn release_unpublish_dangling(
    release: &Release,
    snapshot: &super::Snapshot,
    linking: &[(Link, Vec<Entity>)],
) -> Vec<DanglingLink> {
    let members: HashSet<_> = release.entities.links().map(key).collect();
    let mut out = Vec::new();
    for (to, entries) in linking {
        if !members.contains(&key(to)) {
            continue;
        }
        for entry in entries {
            let from = entry.link();
            let published = matches!(entry.state(), EntityState::Published | EntityState::Changed);
            if published && !members.contains(&key(&from)) {
                out.push(DanglingLink {
                    from_title: snapshot.title_of(entry),
                    from,
                    to: to.clone(),
                });
            }
        }
    }
    out
}
