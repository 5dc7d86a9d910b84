//! [`Preflight`]: a release's publish checked locally, item by item, exactly as the sandbox's
//! executor checks it (`sandbox::steps::check_steps`), so it reports the same per-entity errors
//! a validate or publish action would — on the sandbox or on a real Contentful space.
//!
//! What a publish does to each item ([`plan`]): a Launch release publishes every item; a
//! Timeline item does its own `action`; a locale-based item publishes its `add` locales and
//! unpublishes its `remove` ones. Only what gets published gets the publish checks (for
//! locale-based items only the errors in their `add` locales count), with every entity the
//! release publishes counting as resolvable (`Options::publishing`). Links resolve against the
//! space as the publish leaves it: an entity the release unpublishes as a whole does not resolve.

use std::collections::HashSet;

use crate::cma::{
    ContentType, EntityError, ErrorBody, ItemAction, Link, LinkType, Release, ReleaseItem,
};
use crate::validation::{self, Options, RegexCache, Space, Target};

use super::snapshot::{EntityKey, Snapshot, key};

/// What a release's publish does to one entity (the same as the sandbox's release steps).
pub use crate::validation::Effect;

/// One release item as its publish runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedItem {
    /// The entry or asset.
    pub link: Link,
    /// What happens to it.
    pub effect: Effect,
}

/// What publishing `release` does to each of its items, in order. Items Release Desk cannot
/// model (and actions it does not know) are left out: the server refuses them when saving.
pub fn plan(release: &Release) -> Vec<PlannedItem> {
    release
        .entities
        .items
        .iter()
        .filter_map(|item| {
            let (link, effect) = match item {
                // A Launch release's publish publishes every item; a link in a Timeline
                // release is refused by the server, and would be published if it were not.
                ReleaseItem::Link(link) => (link, Effect::Publish),
                ReleaseItem::Action { entity, action } => match action {
                    ItemAction::Publish => (entity, Effect::Publish),
                    ItemAction::Unpublish => (entity, Effect::Unpublish),
                    ItemAction::Other(_) => return None,
                },
                ReleaseItem::Locales { .. } => {
                    let link = item.entity()?;
                    (
                        link,
                        Effect::Locales {
                            add: item.added_locales().to_vec(),
                            remove: item.removed_locales().to_vec(),
                        },
                    )
                }
                ReleaseItem::Unsupported(_) => return None,
            };
            Some(PlannedItem {
                link: link.clone(),
                effect,
            })
        })
        .collect()
}

/// A release's publish, checked against a [`Snapshot`] of the space.
#[derive(Debug)]
pub struct Preflight<'a> {
    snapshot: &'a Snapshot,
    items: Vec<PlannedItem>,
    publishing: HashSet<EntityKey>,
    unpublishing: HashSet<EntityKey>,
}

impl<'a> Preflight<'a> {
    /// The publish of `release` over `snapshot` (which should hold the release's entities and
    /// the targets of their links; anything it lacks counts as missing).
    pub fn new(release: &Release, snapshot: &'a Snapshot) -> Self {
        let items = plan(release);
        let publishing: HashSet<EntityKey> = items
            .iter()
            .filter(|i| i.effect.publishes())
            .map(|i| key(&i.link))
            .collect();
        let codes = snapshot.locale_codes();
        let unpublishing = items
            .iter()
            .filter(|i| !publishing.contains(&key(&i.link)))
            .filter(|i| match &i.effect {
                Effect::Unpublish => true,
                // Unpublished as a whole when every locale still published is removed.
                Effect::Locales { remove, .. } => snapshot.entity(&i.link).is_some_and(|e| {
                    published_locales(e, &codes)
                        .iter()
                        .all(|l| remove.contains(l))
                }),
                Effect::Publish => false,
            })
            .map(|i| key(&i.link))
            .collect();
        Self {
            snapshot,
            items,
            publishing,
            unpublishing,
        }
    }

    /// The items as the publish runs them.
    pub fn items(&self) -> &[PlannedItem] {
        &self.items
    }

    /// Whether the publish publishes this entity.
    pub fn publishes(&self, link: &Link) -> bool {
        self.publishing.contains(&key(link))
    }

    /// Whether the release holds this entity (with any effect).
    pub fn holds(&self, link: &Link) -> bool {
        let k = key(link);
        self.items.iter().any(|i| key(&i.link) == k)
    }

    /// The entities the publish leaves unpublished as a whole (unpublish items, and
    /// locale-based items that remove every published locale).
    pub fn unpublishing(&self) -> impl Iterator<Item = &Link> {
        self.items
            .iter()
            .filter(|i| self.unpublishing.contains(&key(&i.link)))
            .map(|i| &i.link)
    }

    /// The snapshot it checks against.
    pub fn snapshot(&self) -> &'a Snapshot {
        self.snapshot
    }

    /// A link target's state after the publish, as validation sees it.
    pub fn target_after(&self, link: &Link) -> Option<Target> {
        Space::target(self, link.link_type(), link.id())
    }

    /// Every per-entity error the publish would fail with, in item order, in the shape of a
    /// release action's `error.details.errors` (`InvalidEntry` / `UnresolvedLinks` with the
    /// field errors, `NotFound`, or `BadRequest` for an archived entity). Empty: it publishes.
    pub fn run(&self) -> Vec<EntityError> {
        let locales = self.snapshot.locales.as_slice();
        let publishing: HashSet<(LinkType, String)> = self.publishing.iter().cloned().collect();
        let regexes = RegexCache::default();
        let options = Options::new(locales, &publishing).with_regexes(&regexes);
        let mut errors = Vec::new();
        for item in &self.items {
            let link = &item.link;
            let Some(entity) = self.snapshot.entity(link) else {
                errors.push(EntityError::new(
                    link.clone(),
                    ErrorBody::not_found(link.sys.link_type.as_str(), &link.sys.id),
                ));
                continue;
            };
            if !item.effect.publishes() {
                continue;
            }
            errors.extend(validation::publish_problem(
                link,
                entity,
                item.effect.only_locales(),
                self,
                &options,
            ));
        }
        errors
    }
}

impl Space for Preflight<'_> {
    fn content_type(&self, id: &str) -> Option<&ContentType> {
        self.snapshot.content_types.get(id)
    }

    fn target(&self, link_type: &LinkType, id: &str) -> Option<Target> {
        let mut target = self.snapshot.target(link_type, id)?;
        if self
            .unpublishing
            .contains(&(link_type.clone(), id.to_owned()))
        {
            target.published = false;
        }
        Some(target)
    }
}

/// The locales of `entity` that are published: none for a draft; else every locale whose
/// `sys.fieldStatus` is not `draft` (all of them when the server sends no field status).
pub fn published_locales(entity: &crate::cma::Entity, locales: &[String]) -> Vec<String> {
    if entity.sys.published_version.is_none() {
        return Vec::new();
    }
    let status = entity.sys.locale_status();
    locales
        .iter()
        .filter(|l| status.get(l.as_str()).map(String::as_str) != Some("draft"))
        .cloned()
        .collect()
}
