//! Handlers for scheduled actions (space level, scoped to an environment by query).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::core::Core;
use super::error::ApiErr;
use super::routes::{
    Body, PageLinks, Params, QueryParams, cursor_page, ok, param, reply, scope, sort_by_order,
    version_header,
};
use super::scheduled;
use super::store::kind;
use crate::cma::{ScheduledAction, ScheduledActionBody, Timestamp};

/// `environment.sys.id` is required and must be the sandbox's environment.
fn check_env(core: &Core, q: &QueryParams) -> Result<(), ApiErr> {
    match q.get("environment.sys.id") {
        None => Err(ApiErr::invalid_query("environment.sys.id is required")),
        Some(env) if env != core.env_id => Err(ApiErr::not_found("Environment", env)),
        Some(_) => Ok(()),
    }
}

fn instant(q: &QueryParams, key: &str) -> Result<Option<Timestamp>, ApiErr> {
    q.get(key)
        .map(|v| {
            v.parse::<Timestamp>().map_err(|_| {
                ApiErr::invalid_query(format!("{key} must be an ISO 8601 instant, not '{v}'"))
            })
        })
        .transpose()
}

/// `GET /scheduled_actions?environment.sys.id=…` with `entity.sys.id`, `entity.sys.linkType`,
/// `sys.id[in]`, `sys.status`, `sys.status[in|nin]`, `scheduledFor.datetime[gt|gte|lt|lte]`,
/// `order` (default `scheduledFor.datetime`), `limit` and cursors (`next` or `pageNext`).
pub async fn list(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let q = QueryParams::parse(raw.as_deref());
    q.allow(&[
        "environment.sys.id",
        "entity.sys.id",
        "entity.sys.linkType",
        "sys.id[in]",
        "sys.status",
        "sys.status[in]",
        "sys.status[nin]",
        "scheduledFor.datetime[gte]",
        "scheduledFor.datetime[gt]",
        "scheduledFor.datetime[lte]",
        "scheduledFor.datetime[lt]",
        "order",
        "limit",
        "next",
        "prev",
        "pageNext",
        "pagePrev",
    ])?;
    check_env(&core, &q)?;
    let mut all: Vec<ScheduledAction> = core.read(|tx| Ok(tx.all(kind::SCHEDULED_ACTION)?))?;
    if let Some(id) = q.get("entity.sys.id") {
        all.retain(|a| a.entity.id() == id);
    }
    if let Some(t) = q.get("entity.sys.linkType") {
        all.retain(|a| a.entity.link_type().as_str() == t);
    }
    q.retain_in(&mut all, "sys.id[in]", |a| &a.sys.id);
    for key in ["sys.status", "sys.status[in]"] {
        q.retain_in(&mut all, key, |a| a.sys.status.as_str());
    }
    q.retain_nin(&mut all, "sys.status[nin]", |a| a.sys.status.as_str());
    if let Some(t) = instant(&q, "scheduledFor.datetime[gte]")? {
        all.retain(|a| a.scheduled_for.datetime >= t);
    }
    if let Some(t) = instant(&q, "scheduledFor.datetime[gt]")? {
        all.retain(|a| a.scheduled_for.datetime > t);
    }
    if let Some(t) = instant(&q, "scheduledFor.datetime[lte]")? {
        all.retain(|a| a.scheduled_for.datetime <= t);
    }
    if let Some(t) = instant(&q, "scheduledFor.datetime[lt]")? {
        all.retain(|a| a.scheduled_for.datetime < t);
    }
    let order = q.get("order").unwrap_or("scheduledFor.datetime");
    sort_by_order(&mut all, order, |a, field| match field {
        "scheduledFor.datetime" => Some(a.scheduled_for.datetime.to_string()),
        "sys.createdAt" => a.sys.created_at.map(|t| t.to_string()),
        "sys.updatedAt" => a.sys.updated_at.map(|t| t.to_string()),
        "sys.id" => Some(a.sys.id.clone()),
        _ => None,
    })?;
    let path = format!("/spaces/{}/scheduled_actions", core.space_id);
    let page = cursor_page(all, &q, &path, PageLinks::Token)?;
    Ok(ok(&page))
}

/// `POST /scheduled_actions` (201).
pub async fn create(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    body: Body<ScheduledActionBody>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let body = body.required()?;
    let action = core.write(|tx, events| scheduled::create(&core, tx, events, body, None))?;
    Ok(reply(StatusCode::CREATED, &action))
}

/// `GET /scheduled_actions/{id}`.
pub async fn get(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let action = core.read(|tx| scheduled::load(tx, param(&params, "id")))?;
    Ok(ok(&action))
}

/// `PUT /scheduled_actions/{id}` with the version.
pub async fn update(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
    body: Body<ScheduledActionBody>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let version = version_header(&headers)?;
    let body = body.required()?;
    let action = core.write(|tx, events| {
        scheduled::update(&core, tx, events, param(&params, "id"), version, body)
    })?;
    Ok(ok(&action))
}

/// `DELETE /scheduled_actions/{id}`: cancels; 200 with the canceled action.
pub async fn cancel(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let action =
        core.write(|tx, events| scheduled::cancel(&core, tx, events, param(&params, "id")))?;
    Ok(ok(&action))
}
