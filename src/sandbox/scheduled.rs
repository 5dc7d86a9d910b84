//! Scheduled actions (spec §4): create, update, cancel — with the future-and-within-5-years rule
//! and the 500-scheduled limit — and the scheduler that fires them on time.
//!
//! The scheduler ticks several times a second and runs every action whose instant has come
//! (oldest first, at most 200 a minute). Because it reads due actions from the store, an action
//! that came due while the sandbox was down runs at the first tick after start, and one that was
//! `inProgress` when the process died is run again.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::core::{Core, Events, Failpoints, new_id, to_value};
use super::entities::{check_version, kind_of_link};
use super::error::ApiErr;
use super::executor;
use super::releases;
use super::store::{Tx, kind};
use super::webhooks::Cause;
use crate::cma::{
    ActionKind, ActionStatus, ErrorBody, ErrorId, Extra, LinkType, ScheduledAction,
    ScheduledActionBody, ScheduledActionKind, ScheduledActionStatus, ScheduledActionSys, Timestamp,
};

/// How far ahead an action may be scheduled: five calendar years from `now`.
fn max_ahead(now: jiff::Timestamp) -> jiff::Timestamp {
    now.to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::Span::new().years(5))
        .map_or(jiff::Timestamp::MAX, |z| z.timestamp())
}

fn crn(id: &str) -> String {
    format!("scheduled_actions/{id}")
}

/// Loads a scheduled action or answers 404.
pub fn load(tx: &Tx<'_>, id: &str) -> Result<ScheduledAction, ApiErr> {
    tx.get(kind::SCHEDULED_ACTION, id)?
        .ok_or_else(|| ApiErr::not_found("ScheduledAction", id))
}

/// Checks a body: environment, entity type, timezone, and the instant (future, ≤ 5 years).
fn check_body(core: &Core, tx: &Tx<'_>, body: &ScheduledActionBody) -> Result<(), ApiErr> {
    if body.environment.id() != core.env_id {
        return Err(ApiErr::not_found("Environment", body.environment.id()));
    }
    let exists = match body.entity.link_type() {
        LinkType::Release => {
            match tx.get::<crate::cma::Release>(kind::RELEASE, body.entity.id())? {
                Some(release) => {
                    // It would only fail at run time: say so now.
                    releases::refuse_if_archived(&release)?;
                    true
                }
                None => false,
            }
        }
        other => match kind_of_link(other) {
            Some(k) => tx
                .get::<serde_json::Value>(super::entities::store_kind(k), body.entity.id())?
                .is_some(),
            None => {
                return Err(ApiErr::invalid_body(vec![json!({
                    "name": "in", "path": ["entity", "sys", "linkType"], "expected": ["Entry", "Asset", "Release"],
                    "details": format!("entity.sys.linkType must be Entry, Asset or Release, not '{other}'")
                })]));
            }
        },
    };
    if !exists {
        // What Contentful answers (spec §4): 400 with the NotFound message.
        return Err(
            ApiErr::bad_request("The resource could not be found.").with_details(
                json!({"type": body.entity.link_type().as_str(), "id": body.entity.id()}),
            ),
        );
    }
    if let ScheduledActionKind::Other(other) = &body.action {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "in", "path": ["action"], "expected": ["publish", "unpublish"],
            "details": format!("action must be publish or unpublish, not '{other}'")
        })]));
    }
    if let Some(zone) = &body.scheduled_for.timezone
        && jiff::tz::TimeZone::get(zone).is_err()
    {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "timezone", "path": ["scheduledFor", "timezone"], "value": zone,
            "details": format!("'{zone}' is not an IANA time zone")
        })]));
    }
    let now = core.now().0;
    let at = body.scheduled_for.datetime.0;
    if at <= now {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "dateRange", "path": ["scheduledFor", "datetime"], "value": body.scheduled_for.datetime,
            "details": "The scheduled time must be in the future"
        })]));
    }
    if at > max_ahead(now) {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "dateRange", "path": ["scheduledFor", "datetime"], "value": body.scheduled_for.datetime,
            "details": "The scheduled time must be at most 5 years ahead"
        })]));
    }
    Ok(())
}

/// Creates a scheduled action (201).
pub fn create(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    body: ScheduledActionBody,
    id: Option<&str>,
) -> Result<ScheduledAction, ApiErr> {
    check_body(core, tx, &body)?;
    let scheduled = super::index::schedules_with_status(tx.sql(), "scheduled")
        .map_err(super::store::StoreError::from)?;
    if scheduled >= core.behaviour.max_scheduled as u64 {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "size", "path": [], "max": core.behaviour.max_scheduled,
            "details": format!("At most {} actions may be scheduled per environment", core.behaviour.max_scheduled)
        })]));
    }
    let now = core.now();
    let id = id.map_or_else(new_id, str::to_owned);
    let action = ScheduledAction {
        entity: body.entity,
        environment: body.environment,
        action: body.action,
        scheduled_for: body.scheduled_for,
        payload: body.payload,
        sys: ScheduledActionSys {
            type_: "ScheduledAction".into(),
            id: id.clone(),
            version: 1,
            status: ScheduledActionStatus::Scheduled,
            space: Some(core.space_link()),
            created_at: Some(now),
            created_by: Some(core.user()),
            updated_at: Some(now),
            updated_by: Some(core.user()),
            canceled_at: None,
            canceled_by: None,
            extra: Extra::new(),
        },
        error: None,
        extra: Extra::new(),
    };
    tx.put(kind::SCHEDULED_ACTION, &id, &action)?;
    events.push(core.event(
        "ScheduledAction",
        "create",
        to_value(&action),
        crn(&id),
        &cause_of(&id),
    ));
    Ok(action)
}

fn cause_of(id: &str) -> Cause {
    Cause {
        scheduled_action_id: Some(id.to_owned()),
        ..Cause::default()
    }
}

/// Updates a scheduled action (only `scheduledFor` and `payload` change; version + 1).
pub fn update(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    id: &str,
    version: Option<u64>,
    body: ScheduledActionBody,
) -> Result<ScheduledAction, ApiErr> {
    let mut action = load(tx, id)?;
    check_version(action.sys.version, version)?;
    if action.sys.status != ScheduledActionStatus::Scheduled {
        return Err(ApiErr::bad_request(format!(
            "Scheduled action '{id}' is {} and can no longer be changed",
            action.sys.status
        )));
    }
    let body = ScheduledActionBody {
        entity: action.entity.clone(),
        environment: action.environment.clone(),
        action: action.action.clone(),
        ..body
    };
    check_body(core, tx, &body)?;
    action.scheduled_for = body.scheduled_for;
    if body.payload.is_some() {
        action.payload = body.payload;
    }
    action.sys.version += 1;
    action.sys.updated_at = Some(core.now());
    action.sys.updated_by = Some(core.user());
    tx.put(kind::SCHEDULED_ACTION, id, &action)?;
    events.push(core.event(
        "ScheduledAction",
        "save",
        to_value(&action),
        crn(id),
        &cause_of(id),
    ));
    Ok(action)
}

/// Cancels a scheduled action; returns it with status `canceled`.
pub fn cancel(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    id: &str,
) -> Result<ScheduledAction, ApiErr> {
    let mut action = load(tx, id)?;
    if action.sys.status != ScheduledActionStatus::Scheduled {
        return Err(ApiErr::bad_request(format!(
            "Scheduled action '{id}' is {} and cannot be canceled",
            action.sys.status
        )));
    }
    let now = core.now();
    action.sys.status = ScheduledActionStatus::Canceled;
    action.sys.canceled_at = Some(now);
    action.sys.canceled_by = Some(core.user());
    action.sys.updated_at = Some(now);
    action.sys.updated_by = Some(core.user());
    action.sys.version += 1;
    tx.put(kind::SCHEDULED_ACTION, id, &action)?;
    events.push(core.event(
        "ScheduledAction",
        "delete",
        to_value(&action),
        crn(id),
        &cause_of(id),
    ));
    Ok(action)
}

/// Ticks until the process ends: runs due actions, at most `max_executions_per_minute`.
pub async fn run(core: Arc<Core>, tick: Duration) {
    let mut recent: VecDeque<tokio::time::Instant> = VecDeque::new();
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let now = tokio::time::Instant::now();
        while recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            recent.pop_front();
        }
        let budget = core
            .behaviour
            .max_executions_per_minute
            .saturating_sub(recent.len());
        if budget == 0 {
            continue;
        }
        let due = match due_actions(&core, core.now(), budget) {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = ?e.body, "scheduler could not read due actions");
                continue;
            }
        };
        for id in due {
            recent.push_back(tokio::time::Instant::now());
            if let Err(e) = execute(&core, &id) {
                tracing::error!(%id, error = ?e.body, "scheduled action failed to run");
            }
        }
    }
}

/// Ids of actions due at `now` (scheduled and due, or left in progress), oldest first.
pub fn due_actions(core: &Core, now: Timestamp, limit: usize) -> Result<Vec<String>, ApiErr> {
    core.read(|tx| {
        Ok(
            super::index::due_schedules(tx.sql(), now.as_millis(), limit)
                .map_err(super::store::StoreError::from)?,
        )
    })
}

/// Runs one scheduled action now: `inProgress`, the entity or release action, then
/// `succeeded`/`failed` (+ error), version + 1, and `ScheduledAction.execute`.
pub fn execute(core: &Core, id: &str) -> Result<ScheduledAction, ApiErr> {
    let action = core.write(|tx, _| {
        let mut action = load(tx, id)?;
        if action.sys.status == ScheduledActionStatus::Scheduled {
            action.sys.status = ScheduledActionStatus::InProgress;
            action.sys.updated_at = Some(core.now());
            tx.put(kind::SCHEDULED_ACTION, id, &action)?;
        }
        Ok(action)
    })?;
    if action.sys.status != ScheduledActionStatus::InProgress {
        return Ok(action);
    }
    let cause = cause_of(id);
    let kind = match action.action {
        ScheduledActionKind::Unpublish => ActionKind::Unpublish,
        _ => ActionKind::Publish,
    };
    if *action.entity.link_type() != LinkType::Release {
        // The entity's (un)publish and the schedule's outcome commit together: after a crash
        // either both happened or neither did, so a restart never publishes twice.
        return core.write(|tx, events| {
            let error =
                executor::entity_action_in(core, tx, events, &action.entity, &kind, &cause)?;
            finish(core, tx, events, id, error, &cause)
        });
    }
    // A release action commits on its own; a restart adopts its outcome (see `run_release`).
    let error = run_release(core, &action, kind, &cause)?;
    core.behaviour
        .failpoints
        .check(Failpoints::SCHEDULE_BEFORE_FINISH)?;
    core.write(|tx, events| finish(core, tx, events, id, error, &cause))
}

/// Records a scheduled action's outcome: `succeeded`/`failed` (+ error), version + 1, and
/// `ScheduledAction.execute`.
fn finish(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    id: &str,
    error: Option<ErrorBody>,
    cause: &Cause,
) -> Result<ScheduledAction, ApiErr> {
    let mut action = load(tx, id)?;
    action.sys.status = if error.is_some() {
        ScheduledActionStatus::Failed
    } else {
        ScheduledActionStatus::Succeeded
    };
    action.error = error;
    action.sys.version += 1;
    action.sys.updated_at = Some(core.now());
    tx.put(kind::SCHEDULED_ACTION, id, &action)?;
    events.push(core.event(
        "ScheduledAction",
        "execute",
        to_value(&action),
        crn(id),
        cause,
    ));
    Ok(action)
}

/// Runs a scheduled release action and returns its error if it failed. An action this schedule
/// already started (a previous process crashed after starting or even finishing it) is adopted:
/// an unfinished one is run to its end, a finished one's outcome is taken as it is — so a
/// release the crashed run published is not published (and then refused as archived) again.
fn run_release(
    core: &Core,
    scheduled: &ScheduledAction,
    kind: ActionKind,
    cause: &Cause,
) -> Result<Option<ErrorBody>, ApiErr> {
    let release_id = scheduled.entity.id();
    let existing = core.read(|tx| {
        for action in releases::actions_of(tx, release_id)? {
            if releases::action_context(tx, &action)?
                .scheduled_action_id
                .as_deref()
                == Some(scheduled.sys.id.as_str())
            {
                return Ok(Some(action));
            }
        }
        Ok(None)
    })?;
    let started = match existing {
        Some(action) => action,
        None => {
            let started = core.write(|tx, events| {
                releases::start_action(
                    core,
                    tx,
                    events,
                    release_id,
                    releases::ActionRequest {
                        action: kind,
                        version: None,
                        validate_for: None,
                    },
                    cause,
                )
            });
            match started {
                Ok(action) => action,
                // The release is gone, archived or busy: the schedule fails with that reason.
                Err(err) => return Ok(Some(*err.body)),
            }
        }
    };
    let done = executor::run_release_action(core, release_id, &started.sys.id)?;
    Ok(match done.sys.status {
        ActionStatus::Succeeded => None,
        _ => {
            Some(done.error.unwrap_or_else(|| {
                ErrorBody::new(ErrorId::ServerError, "The release action failed")
            }))
        }
    })
}
