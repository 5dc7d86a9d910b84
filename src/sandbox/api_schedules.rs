//! Handlers for scheduled actions (space level, scoped to an environment by query).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::core::Core;
use super::error::ApiErr;
use rusqlite::types::Value as SqlValue;

use super::index::{Select, Table};
use super::routes::{
    Body, PageLinks, Params, QueryParams, ok, order_keys, param, reply, scope, select_cursor_page,
    stored_json, unknown_order, version_header,
};
use super::scheduled;
use super::store::kind;
use crate::cma::{ScheduledActionBody, Timestamp};

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
    let text = |s: &str| SqlValue::Text(s.to_owned());
    let mut select = Select::new(Table::Schedules);
    if let Some(id) = q.get("entity.sys.id") {
        select.filter("i.entity_id = ?", [text(id)]);
    }
    if let Some(t) = q.get("entity.sys.linkType") {
        select.filter("i.link_type = ?", [text(t)]);
    }
    for (key, column, negate) in [
        ("sys.id[in]", "i.id", false),
        ("sys.status", "i.status", false),
        ("sys.status[in]", "i.status", false),
        ("sys.status[nin]", "i.status", true),
    ] {
        if let Some(values) = q.list(key) {
            select.filter_in(column, &values, negate);
        }
    }
    for (key, op) in [
        ("scheduledFor.datetime[gte]", ">="),
        ("scheduledFor.datetime[gt]", ">"),
        ("scheduledFor.datetime[lte]", "<="),
        ("scheduledFor.datetime[lt]", "<"),
    ] {
        if let Some(t) = instant(&q, key)? {
            select.filter(
                &format!("i.at_ms {op} ?"),
                [SqlValue::Integer(t.as_millis())],
            );
        }
    }
    let order = q.get("order").unwrap_or("scheduledFor.datetime");
    for (descending, field) in order_keys(order) {
        let column = match field {
            "scheduledFor.datetime" => "i.at_ms",
            "sys.createdAt" => "i.created_ms",
            "sys.updatedAt" => "i.updated_ms",
            "sys.id" => "i.id",
            other => {
                unknown_order(other)?;
                continue;
            }
        };
        select.order_by(column, descending, []);
    }
    let path = format!("/spaces/{}/scheduled_actions", core.space_id);
    let page = core.read(|tx| {
        select_cursor_page(tx, &select, &q, &path, PageLinks::Token, |_, id, json| {
            stored_json(kind::SCHEDULED_ACTION, id, json)
        })
    })?;
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
