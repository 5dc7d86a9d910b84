//! The action executor: runs release actions and bulk actions asynchronously,
//! `created → inProgress → succeeded | failed` (spec §2, §3, §9).
//!
//! Publishing is all-or-nothing: every entity is validated first (links to entities published by
//! the same action count as resolvable), and only if none has an error are they all published,
//! in one transaction. A failed action carries every per-entity error. Jobs run one at a time,
//! in the order they were queued; at start the executor picks up any action a previous process
//! left unfinished.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;
use tokio::sync::mpsc;

use super::core::{Core, Events, Failpoints, Job, new_id, to_value};
use super::entities::{self, kind_of_link};
use super::error::ApiErr;
use super::releases;
use super::space_view::SpaceView;
use super::store::{Tx, kind};
use super::timeline::{self, Effect, Step};
use super::validation::{self, Options};
use super::webhooks::Cause;
use crate::cma::{
    ActionKind, ActionStatus, BulkAction, BulkActionPayload, BulkActionSys, BulkEntities,
    EntityError, EntityState, ErrorBody, ErrorId, Extra, Link, LinkType, ReleaseAction,
};

/// Most items in one bulk action.
pub const MAX_BULK_ITEMS: usize = 200;
/// Most active (created or in progress) bulk actions per space.
pub const MAX_ACTIVE_BULK_ACTIONS: usize = 5;

/// How often a job is tried again after a transient store error (a locked database) before it
/// is left for the next start.
const TRANSIENT_RETRIES: u32 = 8;

/// Runs queued jobs until the queue closes. A step that fails on a transient store error is
/// tried again (with a growing pause) instead of leaving the action `created` until a restart.
pub async fn run(core: Arc<Core>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    resume_unfinished(&core);
    while let Some(job) = jobs.recv().await {
        tokio::time::sleep(core.behaviour.action_delay).await;
        let mut retries = 0;
        loop {
            let result = match &job {
                Job::Release {
                    release_id,
                    action_id,
                } => run_release_action(&core, release_id, action_id).map(drop),
                Job::Bulk { action_id } => run_bulk_action(&core, action_id),
            };
            match result {
                Ok(()) => break,
                Err(e) if e.is_transient() && retries < TRANSIENT_RETRIES => {
                    retries += 1;
                    tracing::warn!(
                        ?job,
                        retries,
                        "action step met a busy database; trying again"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(50 * u64::from(retries)))
                        .await;
                }
                Err(e) => {
                    tracing::error!(?job, error = ?e.body, "action failed to run");
                    break;
                }
            }
        }
    }
}

/// Re-queues actions that were `created` or `inProgress` when the last process stopped.
fn resume_unfinished(core: &Core) {
    let pending = core.read(|tx| {
        let releases: Vec<ReleaseAction> = tx.all(kind::RELEASE_ACTION)?;
        let bulks: Vec<BulkAction> = tx.all(kind::BULK_ACTION)?;
        Ok((releases, bulks))
    });
    let Ok((releases, bulks)) = pending else {
        return;
    };
    for a in releases.iter().filter(|a| !a.sys.status.is_final()) {
        // Actions a schedule started are finished by the scheduler, which re-runs them.
        let scheduled = core
            .read(|tx| releases::action_context(tx, a))
            .is_ok_and(|c| c.scheduled_action_id.is_some());
        if scheduled {
            continue;
        }
        releases::queue(core, a);
    }
    for b in bulks.iter().filter(|b| !b.sys.status.is_final()) {
        let _ = core.jobs.send(Job::Bulk {
            action_id: b.sys.id.clone(),
        });
    }
}

/// The per-entity outcome of checking a set of entities for one action.
fn check_entities(
    view: &mut SpaceView,
    links: &[Link],
    action: &ActionKind,
    check_versions: bool,
) -> Vec<EntityError> {
    check_steps(
        view,
        &timeline::uniform_steps(links, action),
        check_versions,
    )
}

/// The per-entity outcome of checking steps, each for its own effect: publishing steps get the
/// publish checks (for locale-based steps, only the errors in their `add` locales count);
/// unpublishing steps only need their entity to exist (spec §1's unpublish rule).
///
/// **\[I\]** Links resolve against the space as the action leaves it: an entity another step
/// publishes counts as published, and one another step unpublishes as a whole does not.
fn check_steps(view: &mut SpaceView, steps: &[Step], check_versions: bool) -> Vec<EntityError> {
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
                    timeline::published_locales(e, &codes)
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
    let options = Options::new(&view.locales, &publishing);
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
        if entity.state() == EntityState::Archived {
            errors.push(EntityError::new(
                link.clone(),
                ErrorBody::new(
                    ErrorId::BadRequest,
                    format!(
                        "{} '{}' is archived and cannot be published",
                        link.sys.link_type, link.sys.id
                    ),
                ),
            ));
            continue;
        }
        let error = match validation::validate_for_publish(entity, view, &options) {
            Ok(()) => None,
            Err(error) => match &step.effect {
                Effect::Locales { add, .. } => only_in_locales(error, add),
                _ => Some(error),
            },
        };
        if let Some(error) = error {
            errors.push(EntityError::new(link.clone(), error));
        }
    }
    errors
}

/// A validation error restricted to the locales being published: field errors in other locales
/// are dropped (`None` when none is left); errors not about one locale stay.
fn only_in_locales(mut error: ErrorBody, locales: &[String]) -> Option<ErrorBody> {
    let Some(list) = error
        .details
        .as_mut()
        .and_then(|d| d.get_mut("errors"))
        .and_then(|e| e.as_array_mut())
    else {
        return Some(error);
    };
    list.retain(|e| {
        let path = e.get("path").and_then(|p| p.as_array());
        let locale = path
            .filter(|p| p.first().and_then(|f| f.as_str()) == Some("fields"))
            .and_then(|p| p.get(2))
            .and_then(|l| l.as_str());
        locale.is_none_or(|l| locales.iter().any(|code| code == l))
    });
    if list.is_empty() {
        return None;
    }
    if list.iter().all(|e| e["name"] == "notResolvable") {
        error.sys.id = ErrorId::UnresolvedLinks;
    }
    Some(error)
}

/// Applies every step (inside the caller's transaction).
fn apply_steps(
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
fn apply(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    links: &[Link],
    action: &ActionKind,
    cause: &Cause,
) -> Result<(), ApiErr> {
    if matches!(action, ActionKind::Publish | ActionKind::Unpublish) {
        apply_steps(
            core,
            tx,
            events,
            &timeline::uniform_steps(links, action),
            cause,
        )?;
    }
    Ok(())
}

/// Runs one release action to its end; returns the final action. Idempotent for final actions.
pub fn run_release_action(
    core: &Core,
    release_id: &str,
    action_id: &str,
) -> Result<ReleaseAction, ApiErr> {
    // created → inProgress
    core.behaviour.failpoints.check(Failpoints::ACTION_STEP)?;
    let started = core.write(|tx, _| {
        let Some(mut action) = tx.get::<ReleaseAction>(kind::RELEASE_ACTION, action_id)? else {
            return Err(ApiErr::not_found("ReleaseAction", action_id));
        };
        if !action.sys.status.is_final() {
            action.sys.status = ActionStatus::InProgress;
            action.sys.updated_at = Some(core.now());
            tx.put(kind::RELEASE_ACTION, action_id, &action)?;
        }
        Ok(action)
    })?;
    if started.sys.status.is_final() {
        return Ok(started);
    }
    core.behaviour.failpoints.check(Failpoints::ACTION_STEP)?;
    let outcome = core.write(|tx, events| {
        let mut action: ReleaseAction = tx
            .get(kind::RELEASE_ACTION, action_id)?
            .ok_or_else(|| ApiErr::not_found("ReleaseAction", action_id))?;
        let release = releases::load(core, tx, release_id)?;
        let links = release.entities.link_vec();
        let mut view = SpaceView::around(tx, &links)?;
        let mut cause = Cause {
            release_id: Some(release_id.to_owned()),
            release_version: Some(release.sys.version.to_string()),
            release_action_id: Some(action_id.to_owned()),
            ..Cause::default()
        };
        let context = releases::action_context(tx, &action)?;
        cause.scheduled_action_id = context.scheduled_action_id;
        // A validation checks for what it was asked to: publishing unless it said unpublish.
        let checked = match (&action.action, context.validate_for) {
            (ActionKind::Validate, Some(for_action)) => for_action,
            (other, _) => other.clone(),
        };
        // A Timeline release applies (and validates) each item's own action (spec §10.1).
        let steps = if release.is_timeline() {
            timeline::release_steps(&release)
        } else {
            timeline::uniform_steps(&links, &checked)
        };
        let errors = check_steps(&mut view, &steps, false);
        if errors.is_empty() {
            if action.action != ActionKind::Validate {
                apply_steps(core, tx, events, &steps, &cause)?;
            }
            action.sys.status = ActionStatus::Succeeded;
            action.error = None;
        } else {
            action.sys.status = ActionStatus::Failed;
            action.error = Some(ErrorBody::validation_failed(errors));
        }
        action.sys.updated_at = Some(core.now());
        tx.put(kind::RELEASE_ACTION, action_id, &action)?;
        if action.sys.status == ActionStatus::Succeeded
            && action.action == ActionKind::Publish
            && core.behaviour.auto_archive
        {
            releases::set_archived(core, tx, events, release_id, None, true, &cause)?;
        }
        events.push(core.event(
            "ReleaseAction",
            "execute",
            to_value(&action),
            format!("release_actions/{action_id}"),
            &cause,
        ));
        Ok(action)
    });
    match outcome {
        Ok(action) => Ok(action),
        // Nothing was written: the step runs again.
        Err(err) if err.is_transient() => Err(err),
        Err(err) => fail_release_action(core, action_id, err),
    }
}

/// Marks an action failed when running it hit an unexpected error (nothing was changed).
fn fail_release_action(core: &Core, action_id: &str, err: ApiErr) -> Result<ReleaseAction, ApiErr> {
    core.write(|tx, events| {
        let mut action: ReleaseAction = tx
            .get(kind::RELEASE_ACTION, action_id)?
            .ok_or_else(|| ApiErr::not_found("ReleaseAction", action_id))?;
        action.sys.status = ActionStatus::Failed;
        action.error = Some((*err.body).clone());
        action.sys.updated_at = Some(core.now());
        tx.put(kind::RELEASE_ACTION, action_id, &action)?;
        let cause = Cause {
            release_id: Some(action.sys.release.id().to_owned()),
            release_action_id: Some(action_id.to_owned()),
            ..Cause::default()
        };
        events.push(core.event(
            "ReleaseAction",
            "execute",
            to_value(&action),
            format!("release_actions/{action_id}"),
            &cause,
        ));
        Ok(action)
    })
}

/// Starts a bulk action: checks the body and the limits, stores it `created`, fires
/// `BulkAction.create`, and queues it.
pub fn start_bulk_action(
    core: &Core,
    action: ActionKind,
    payload: BulkActionPayload,
) -> Result<BulkAction, ApiErr> {
    let BulkEntities::Links(items) = &payload.entities else {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "type", "path": ["entities"],
            "details": "This path takes v1 bodies ({\"entities\":{\"sys\":{\"type\":\"Array\"},\"items\":[…]}}); \
                        v2 bodies go to POST …/bulk_actions",
        })]));
    };
    if items.is_empty() {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "size", "path": ["entities", "items"], "min": 1,
            "details": "\"entities.items\" must contain at least 1 item"
        })]));
    }
    if items.len() > MAX_BULK_ITEMS {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "size", "path": ["entities", "items"], "max": MAX_BULK_ITEMS,
            "details": format!("\"entities.items\" must contain at most {MAX_BULK_ITEMS} items")
        })]));
    }
    let mut errors = Vec::new();
    for (i, link) in items.iter().enumerate() {
        if kind_of_link(&link.sys.link_type).is_none() {
            errors.push(json!({
                "name": "any.only", "path": ["entities", "items", i, "sys", "linkType"],
                "details": format!("\"entities.items[{i}].sys.linkType\" must be one of [Entry, Asset]")
            }));
        }
        if action == ActionKind::Publish && link.sys.version.is_none() {
            errors.push(json!({
                "name": "any.required", "path": ["entities", "items", i, "sys", "version"],
                "details": format!("\"entities.items[{i}].sys.version\" is required")
            }));
        }
    }
    if !errors.is_empty() {
        return Err(ApiErr::invalid_body(errors));
    }
    store_bulk_action(core, action, payload)
}

/// Starts a bulk action v2 (`POST …/bulk_actions`, spec §10.2): checks the body against the
/// environment's locales and publishing mode, then stores and queues it as v1 does; `payload`
/// (echoed in the answer) keeps the body's `action`.
pub fn start_bulk_action_v2(core: &Core, payload: BulkActionPayload) -> Result<BulkAction, ApiErr> {
    let locales = core.read(|tx| releases::locale_codes(tx))?;
    let action = timeline::check_bulk(&payload, core.publishing, &locales, MAX_BULK_ITEMS)?;
    store_bulk_action(core, action, payload)
}

/// Stores a checked bulk action `created` (within the active-action limit), fires
/// `BulkAction.create`, and queues it.
fn store_bulk_action(
    core: &Core,
    action: ActionKind,
    payload: BulkActionPayload,
) -> Result<BulkAction, ApiErr> {
    let created = core.write(|tx, events| {
        let active = tx
            .all::<BulkAction>(kind::BULK_ACTION)?
            .iter()
            .filter(|b| !b.sys.status.is_final())
            .count();
        if active >= MAX_ACTIVE_BULK_ACTIONS {
            return Err(ApiErr::rate_limited(format!(
                "You have reached the limit for the number of active jobs ({MAX_ACTIVE_BULK_ACTIONS}); wait for one to finish"
            )));
        }
        let now = core.now();
        let id = new_id();
        let bulk = BulkAction {
            sys: BulkActionSys {
                type_: "BulkAction".into(),
                id: id.clone(),
                status: ActionStatus::Created,
                space: Some(core.space_link()),
                environment: Some(core.env_link()),
                created_by: Some(core.user()),
                created_at: Some(now),
                updated_at: Some(now),
                extra: Extra::new(),
            },
            action: action.clone(),
            payload: payload.clone(),
            error: None,
            extra: Extra::new(),
        };
        tx.put(kind::BULK_ACTION, &id, &bulk)?;
        let cause = Cause {
            bulk_action_id: Some(id.clone()),
            ..Cause::default()
        };
        events.push(core.event("BulkAction", "create", to_value(&bulk), format!("bulk_actions/{id}"), &cause));
        Ok(bulk)
    })?;
    let _ = core.jobs.send(Job::Bulk {
        action_id: created.sys.id.clone(),
    });
    Ok(created)
}

/// Runs one bulk action to its end.
pub fn run_bulk_action(core: &Core, action_id: &str) -> Result<(), ApiErr> {
    core.behaviour.failpoints.check(Failpoints::ACTION_STEP)?;
    let started = core.write(|tx, _| {
        let mut bulk: BulkAction = tx
            .get(kind::BULK_ACTION, action_id)?
            .ok_or_else(|| ApiErr::not_found("BulkAction", action_id))?;
        if !bulk.sys.status.is_final() {
            bulk.sys.status = ActionStatus::InProgress;
            bulk.sys.updated_at = Some(core.now());
            tx.put(kind::BULK_ACTION, action_id, &bulk)?;
        }
        Ok(bulk)
    })?;
    if started.sys.status.is_final() {
        return Ok(());
    }
    let cause = Cause {
        bulk_action_id: Some(action_id.to_owned()),
        ..Cause::default()
    };
    let outcome = core.write(|tx, events| {
        let mut bulk: BulkAction = tx
            .get(kind::BULK_ACTION, action_id)?
            .ok_or_else(|| ApiErr::not_found("BulkAction", action_id))?;
        let links: Vec<Link> = bulk.payload.entities.links().into_iter().cloned().collect();
        let mut view = SpaceView::around(tx, &links)?;
        let steps = if bulk.payload.is_v2() {
            timeline::bulk_steps(&bulk.payload, core.publishing)
        } else {
            let checked_action = match (&bulk.action, &bulk.payload.action) {
                (ActionKind::Validate, Some(for_action)) => for_action.clone(),
                (ActionKind::Validate, None) => ActionKind::Publish,
                (other, _) => other.clone(),
            };
            timeline::uniform_steps(&links, &checked_action)
        };
        let errors = check_steps(&mut view, &steps, bulk.action == ActionKind::Publish);
        if errors.is_empty() {
            if bulk.action != ActionKind::Validate {
                apply_steps(core, tx, events, &steps, &cause)?;
            }
            bulk.sys.status = ActionStatus::Succeeded;
            bulk.error = None;
        } else {
            bulk.sys.status = ActionStatus::Failed;
            bulk.error = Some(
                ErrorBody::new(ErrorId::BulkActionFailed, "Bulk action failed")
                    .with_details(json!({ "errors": errors })),
            );
        }
        bulk.sys.updated_at = Some(core.now());
        tx.put(kind::BULK_ACTION, action_id, &bulk)?;
        events.push(core.event(
            "BulkAction",
            "execute",
            to_value(&bulk),
            format!("bulk_actions/{action_id}"),
            &cause,
        ));
        Ok(())
    });
    if let Err(err) = outcome {
        if err.is_transient() {
            // Nothing was written: the step runs again.
            return Err(err);
        }
        core.write(|tx, events| {
            let mut bulk: BulkAction = tx
                .get(kind::BULK_ACTION, action_id)?
                .ok_or_else(|| ApiErr::not_found("BulkAction", action_id))?;
            bulk.sys.status = ActionStatus::Failed;
            bulk.error = Some((*err.body).clone());
            bulk.sys.updated_at = Some(core.now());
            tx.put(kind::BULK_ACTION, action_id, &bulk)?;
            events.push(core.event(
                "BulkAction",
                "execute",
                to_value(&bulk),
                format!("bulk_actions/{action_id}"),
                &cause,
            ));
            Ok(())
        })?;
    }
    Ok(())
}

/// Validates and publishes (or unpublishes) one entity for a scheduled action, inside the
/// caller's transaction (so the schedule's own outcome commits with it), all-or-nothing.
/// Returns the per-entity error when it could not.
pub fn entity_action_in(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    link: &Link,
    action: &ActionKind,
    cause: &Cause,
) -> Result<Option<ErrorBody>, ApiErr> {
    let links = vec![link.clone()];
    let mut view = SpaceView::around(tx, &links)?;
    let errors = check_entities(&mut view, &links, action, false);
    if !errors.is_empty() {
        return Ok(Some(ErrorBody::validation_failed(errors)));
    }
    if *action == ActionKind::Unpublish
        && view
            .entity(&link.sys.link_type, &link.sys.id)
            .is_some_and(|e| e.sys.published_version.is_none())
    {
        return Ok(Some(ErrorBody::new(
            ErrorId::BadRequest,
            format!("{} '{}' is not published", link.sys.link_type, link.sys.id),
        )));
    }
    apply(core, tx, events, &links, action, cause)?;
    Ok(None)
}
