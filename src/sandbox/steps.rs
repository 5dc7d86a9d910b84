//! [`Step`]s, what an action does to each entity, and how they are checked and applied inside
//! the action's one transaction (spec §2, §3, §9, §10).
//!
//! A Launch release or a v1 bulk action becomes steps that all share its action
//! ([`uniform_steps`]); a Timeline release or a v2 bulk action gives each entity its own
//! ([`super::timeline`]). Checking is all-or-nothing: [`check_steps`] returns every per-entity
//! error, and the executor applies nothing unless there is none.

use std::collections::HashSet;

use serde_json::json;

use super::core::{Core, Events};
use super::entities::{self, kind_of_link};
use super::error::ApiErr;
use super::space_view::SpaceView;
use super::store::Tx;
use super::webhooks::Cause;
use crate::cma::{ActionKind, EntityError, ErrorBody, ErrorId, Link, LinkType};
use crate::validation::{self, Options};

/// What an action does to one entity (shared with the readiness preflight).
pub use crate::validation::Effect;

/// One entity and what happens to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The entry or asset (versioned in a bulk publish).
    pub link: Link,
    /// What happens to it.
    pub effect: Effect,
}

/// The same effect for every link (Launch releases, v1 bulk actions).
pub fn uniform_steps(links: &[Link], action: &ActionKind) -> Vec<Step> {
    let effect = if *action == ActionKind::Unpublish {
        Effect::Unpublish
    } else {
        Effect::Publish
    };
    links
        .iter()
        .map(|link| Step {
            link: link.clone(),
            effect: effect.clone(),
        })
        .collect()
}

/// The per-entity outcome of checking a set of entities for one action.
pub fn check_entities(
    view: &mut SpaceView,
    links: &[Link],
    action: &ActionKind,
    check_versions: bool,
) -> Vec<EntityError> {
    check_steps(view, &uniform_steps(links, action), check_versions)
}

/// The per-entity outcome of checking steps, each for its own effect: publishing steps get the
/// publish checks (for locale-based steps, only the errors in their `add` locales count);
/// unpublishing steps only need their entity to exist (spec §1's unpublish rule).
///
/// **\[I\]** Links resolve against the space as the action leaves it: an entity another step
/// publishes counts as published, and one another step unpublishes as a whole does not.
pub fn check_steps(view: &mut SpaceView, steps: &[Step], check_versions: bool) -> Vec<EntityError> {
    let publishing: HashSet<(LinkType, String)> = steps
        .iter()
        .filter(|s| s.effect.publishes())
        .map(|s| (s.link.sys.link_type.clone(), s.link.sys.id.clone()))
        .collect();
    let codes: Vec<String> = view.locales.iter().map(|l| l.code.clone()).collect();
    for step in steps {
        let key = (step.link.sys.link_type.clone(), step.link.sys.id.clone());
        if publishing.contains(&key) {
            continue;
        }
        let goes_unpublished = match &step.effect {
            Effect::Unpublish => true,
            Effect::Locales { remove, .. } => view
                .entity(&step.link.sys.link_type, &step.link.sys.id)
                .is_some_and(|e| {
                    super::timeline::published_locales(e, &codes)
                        .iter()
                        .all(|l| remove.contains(l))
                }),
            Effect::Publish => false,
        };
        if goes_unpublished {
            view.mark_unpublished(&step.link.sys.link_type, &step.link.sys.id);
        }
    }
    let view = &*view;
    let regexes = validation::RegexCache::default();
    let options = Options::new(&view.locales, &publishing).with_regexes(&regexes);
    let mut errors = Vec::new();
    for step in steps {
        let link = &step.link;
        let Some(entity) = view.entity(&link.sys.link_type, &link.sys.id) else {
            errors.push(EntityError::new(
                link.clone(),
                ErrorBody::not_found(link.sys.link_type.as_str(), &link.sys.id),
            ));
            continue;
        };
        if check_versions
            && let Some(expected) = link.sys.version
            && entity.sys.version != Some(expected)
        {
            errors.push(EntityError::new(
                link.clone(),
                ErrorBody::new(ErrorId::VersionMismatch, "Version mismatch").with_details(json!({
                    "expected": expected, "currentVersion": entity.sys.version
                })),
            ));
            continue;
        }
        if !step.effect.publishes() {
            continue;
        }
        errors.extend(validation::publish_problem(
            link,
            entity,
            step.effect.only_locales(),
            view,
            &options,
        ));
    }
    errors
}

/// Applies every step (inside the caller's transaction).
pub fn apply_steps(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    steps: &[Step],
    cause: &Cause,
) -> Result<(), ApiErr> {
    for step in steps {
        let link = &step.link;
        let Some(k) = kind_of_link(&link.sys.link_type) else {
            continue;
        };
        match &step.effect {
            Effect::Publish => {
                entities::publish(core, tx, events, k, &link.sys.id, None, cause)?;
            }
            Effect::Unpublish => {
                // An entity that is not published stays so ("unpublish or leave unpublished").
                let published = entities::load(tx, k, &link.sys.id)?
                    .sys
                    .published_version
                    .is_some();
                if published {
                    entities::unpublish(core, tx, events, k, &link.sys.id, None, cause)?;
                }
            }
            Effect::Locales { add, remove } => {
                entities::publish_locales(core, tx, events, k, &link.sys.id, add, remove, cause)?;
            }
        }
    }
    Ok(())
}

/// Applies `action` to every link (inside the caller's transaction).
pub fn apply(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    links: &[Link],
    action: &ActionKind,
    cause: &Cause,
) -> Result<(), ApiErr> {
    if matches!(action, ActionKind::Publish | ActionKind::Unpublish) {
        apply_steps(core, tx, events, &uniform_steps(links, action), cause)?;
    }
    Ok(())
}
