//! The action executor: runs release actions and bulk actions asynchronously,
//! `created → inProgress → succeeded | failed` (spec §2, §3, §9).
//!
//! Publishing is all-or-nothing: every entity is validated first (links to entities published by
//! the same action count as resolvable), and only if none has an error are they all published,
//! in one transaction; what each entity gets is a [`Step`](super::steps::Step) (one action for
//! all in Launch and v1 bulk, each item's own in Timeline and v2 bulk). A failed action carries every per-entity error. Jobs run one at a time,
//! in the order they were queued; at start the executor picks up any action a previous process
//! left unfinished.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::mpsc;

use super::core::{Core, Events, Failpoints, Job, new_id, to_value};
use super::entities::kind_of_link;
use super::error::ApiErr;
use super::releases;
use super::space_view::SpaceView;
use super::steps::{self, apply, check_entities, check_steps};
use super::store::{Tx, kind};
use super::timeline;
use super::webhooks::Cause;
use crate::cma::{
    ActionKind, ActionStatus, BulkAction, BulkActionPayload, BulkActionSys, BulkEntities,
    ErrorBody, ErrorId, Extra, Link, ReleaseAction,
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
            steps::uniform_steps(&links, &checked)
        };
        let errors = check_steps(&mut view, &steps, false);
        if errors.is_empty() {
            if action.action != ActionKind::Validate {
                steps::apply_steps(core, tx, events, &steps, &cause)?;
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
    let action = timeline::check_bulk(&payload, core.publishing(), &locales, MAX_BULK_ITEMS)?;
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
            timeline::bulk_steps(&bulk.payload, core.publishing())
        } else {
            let checked_action = match (&bulk.action, &bulk.payload.action) {
                (ActionKind::Validate, Some(for_action)) => for_action.clone(),
                (ActionKind::Validate, None) => ActionKind::Publish,
                (other, _) => other.clone(),
            };
            steps::uniform_steps(&links, &checked_action)
        };
        let errors = check_steps(&mut view, &steps, bulk.action == ActionKind::Publish);
        if errors.is_empty() {
            if bulk.action != ActionKind::Validate {
                steps::apply_steps(core, tx, events, &steps, &cause)?;
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
