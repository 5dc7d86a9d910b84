//! Handlers for releases, release actions and bulk actions.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::core::Core;
use super::error::ApiErr;
use super::executor;
use super::releases;
use rusqlite::types::Value as SqlValue;

use super::index::{Select, Table};
use super::routes::{
    Body, PageLinks, Params, QueryParams, ok, order_keys, param, reply, scope, select_cursor_page,
    sort_by_order, stored_json, unknown_order, version_header,
};
use super::store::kind;
use super::webhooks::Cause;
use crate::cma::{ActionKind, BulkAction, BulkActionPayload, ReleaseAction, ReleaseBody};

fn releases_path(core: &Core) -> String {
    format!(
        "/spaces/{}/environments/{}/releases",
        core.space_id, core.env_id
    )
}

/// `GET …/releases` with the spec's filters, `order` (default `-sys.updatedAt`) and cursor paging,
/// answered from the index in SQL (only the page is read).
pub async fn list_releases(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let q = QueryParams::parse(raw.as_deref());
    q.allow(&[
        "sys.id[in]",
        "sys.id[nin]",
        "sys.status[in]",
        "sys.status[nin]",
        "sys.createdBy.sys.id[in]",
        "title[match]",
        "entities[exists]",
        "entities.sys.linkType",
        "entities.sys.id[in]",
        "sys.schemaVersion",
        "order",
        "limit",
        "pageNext",
        "next",
        "pagePrev",
        "prev",
    ])?;
    let text = |s: &str| SqlValue::Text(s.to_owned());
    let mut select = Select::new(Table::Releases);
    for (key, column, negate) in [
        ("sys.id[in]", "i.id", false),
        ("sys.id[nin]", "i.id", true),
        ("sys.status[in]", "i.status", false),
        ("sys.status[nin]", "i.status", true),
        ("sys.createdBy.sys.id[in]", "i.created_by", false),
    ] {
        if let Some(values) = q.list(key) {
            select.filter_in(column, &values, negate);
        }
    }
    if let Some(title) = q.get("title[match]") {
        // Every word somewhere in the title, in any case (titles are indexed in lower case).
        for word in title.to_lowercase().split_whitespace() {
            let escaped = word
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            select.filter(
                "i.title LIKE ? ESCAPE '\\'",
                [text(&format!("%{escaped}%"))],
            );
        }
    }
    match q.get("entities[exists]") {
        None => {}
        Some("true") => select.filter("i.entity_count > 0", []),
        Some(_) => select.filter("i.entity_count = 0", []),
    }
    let link_type = q.get("entities.sys.linkType");
    if let Some(ids) = q.list("entities.sys.id[in]") {
        let Some(link_type) = link_type else {
            return Err(ApiErr::invalid_query(
                "entities.sys.id[in] needs entities.sys.linkType (Entry or Asset)",
            ));
        };
        let marks = vec!["?"; ids.len().max(1)].join(", ");
        select.filter(
            &format!(
                "i.id IN (SELECT m.release_id FROM release_entities m
                          WHERE m.link_type = ? AND m.entity_id IN ({marks}))"
            ),
            std::iter::once(text(link_type))
                .chain(ids.iter().map(|id| text(id)))
                .chain(ids.is_empty().then(|| text(""))),
        );
    } else if let Some(link_type) = link_type {
        select.filter(
            "i.id IN (SELECT m.release_id FROM release_entities m WHERE m.link_type = ?)",
            [text(link_type)],
        );
    }
    // Partitioned by schema (spec §10.1 [I]): Launch releases unless Release.v2 is asked for.
    let schema = q.get("sys.schemaVersion").unwrap_or("Release.v1");
    if !matches!(schema, "Release.v1" | "Release.v2") {
        return Err(ApiErr::invalid_query(format!(
            "sys.schemaVersion must be Release.v1 or Release.v2, not '{schema}'"
        )));
    }
    select.filter("i.schema = ?", [text(schema)]);
    let order = q.get("order").unwrap_or("-sys.updatedAt");
    for (descending, field) in order_keys(order) {
        let column = match field {
            "title" => "i.title",
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
    let path = releases_path(&core);
    let page = core.read(|tx| {
        select_cursor_page(tx, &select, &q, &path, PageLinks::Url, |_, id, json| {
            stored_json(kind::RELEASE, id, json)
        })
    })?;
    Ok(ok(&page))
}

/// `POST …/releases` (201).
pub async fn create_release(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    body: Body<ReleaseBody>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let body = body.required()?;
    let release = core.write(|tx, events| releases::create(&core, tx, events, None, body))?;
    Ok(reply(StatusCode::CREATED, &release))
}

/// `GET …/releases/{id}`.
pub async fn get_release(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let release = core.read(|tx| releases::load(&core, tx, param(&params, "id")))?;
    Ok(ok(&release))
}

/// `PUT …/releases/{id}` with the version: updates an existing release (404 for an unknown id).
pub async fn put_release(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
    body: Body<ReleaseBody>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let version = version_header(&headers)?;
    let body = body.required()?;
    let (status, release) = core.write(|tx, events| {
        // Releases are created by POST only (spec §1): a PUT names an existing one.
        releases::update(&core, tx, events, &id, version, body).map(|r| (StatusCode::OK, r))
    })?;
    Ok(reply(status, &release))
}

/// `DELETE …/releases/{id}` (204).
pub async fn delete_release(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    core.write(|tx, events| releases::delete(&core, tx, events, param(&params, "id")))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn start(
    core: Arc<Core>,
    params: Params,
    action: ActionKind,
    version: Option<u64>,
    status: StatusCode,
    validate_for: Option<ActionKind>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let created = core.write(|tx, events| {
        let request = releases::ActionRequest {
            action,
            version,
            validate_for,
        };
        releases::start_action(&core, tx, events, &id, request, &Cause::default())
    })?;
    releases::queue(&core, &created);
    Ok(reply(status, &created))
}

/// `PUT …/releases/{id}/published` (202 + the publish action).
pub async fn publish_release(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiErr> {
    let version = version_header(&headers)?;
    start(
        core,
        params,
        ActionKind::Publish,
        version,
        StatusCode::ACCEPTED,
        None,
    )
    .await
}

/// `DELETE …/releases/{id}/published` (202 + the unpublish action).
pub async fn unpublish_release(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiErr> {
    let version = version_header(&headers)?;
    start(
        core,
        params,
        ActionKind::Unpublish,
        version,
        StatusCode::ACCEPTED,
        None,
    )
    .await
}

/// Body of `POST …/validate`.
#[derive(Debug, Deserialize)]
pub struct ValidateBody {
    /// The action to validate for; only `publish` is meaningful.
    #[serde(default)]
    pub action: Option<ActionKind>,
}

/// `POST …/releases/{id}/validate` (201 + the validate action).
pub async fn validate_release(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    body: Body<ValidateBody>,
) -> Result<Response, ApiErr> {
    let validate_for = body.0.and_then(|b| b.action);
    if let Some(a) = &validate_for
        && !matches!(a, ActionKind::Publish | ActionKind::Unpublish)
    {
        return Err(ApiErr::invalid_body(vec![serde_json::json!({
            "name": "in", "path": ["action"], "expected": ["publish", "unpublish"],
            "details": format!("action must be publish or unpublish, not '{a}'")
        })]));
    }
    start(
        core,
        params,
        ActionKind::Validate,
        None,
        StatusCode::CREATED,
        validate_for,
    )
    .await
}

async fn set_archived(
    core: Arc<Core>,
    params: Params,
    headers: HeaderMap,
    archive: bool,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let version = version_header(&headers)?;
    let release = core.write(|tx, events| {
        releases::set_archived(
            &core,
            tx,
            events,
            param(&params, "id"),
            version,
            archive,
            &Cause::default(),
        )
    })?;
    Ok(ok(&release))
}

/// `PUT …/releases/{id}/archived`.
pub async fn archive_release(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiErr> {
    set_archived(core, params, headers, true).await
}

/// `DELETE …/releases/{id}/archived`.
pub async fn unarchive_release(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiErr> {
    set_archived(core, params, headers, false).await
}

/// `GET …/releases/{rid}/actions/{aid}`.
pub async fn get_release_action(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let release_id = param(&params, "id");
    let action_id = param(&params, "action");
    let action = core.read(|tx| {
        releases::load(&core, tx, release_id)?;
        let action: Option<ReleaseAction> = tx.get(kind::RELEASE_ACTION, action_id)?;
        action
            .filter(|a| a.sys.release.id() == release_id)
            .ok_or_else(|| ApiErr::not_found("ReleaseAction", action_id))
    })?;
    Ok(ok(&action))
}

/// `GET …/release_actions` with `sys.id[in]`, `sys.release.sys.id[in]`, `sys.status[in|nin]`,
/// `action`, `uniqueBy=sys.release.sys.id`, `order`, `skip`, `limit`.
pub async fn list_release_actions(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let q = QueryParams::parse(raw.as_deref());
    q.allow(&[
        "sys.id[in]",
        "sys.release.sys.id[in]",
        "sys.status[in]",
        "sys.status[nin]",
        "action",
        "uniqueBy",
        "order",
        "skip",
        "limit",
    ])?;
    let mut all: Vec<ReleaseAction> = core.read(|tx| Ok(tx.all(kind::RELEASE_ACTION)?))?;
    q.retain_in(&mut all, "sys.id[in]", |a| &a.sys.id);
    q.retain_in(&mut all, "sys.release.sys.id[in]", |a| a.sys.release.id());
    q.retain_in(&mut all, "sys.status[in]", |a| a.sys.status.as_str());
    q.retain_nin(&mut all, "sys.status[nin]", |a| a.sys.status.as_str());
    if let Some(action) = q.get("action") {
        all.retain(|a| a.action.as_str() == action);
    }
    let order = q.get("order").unwrap_or("-sys.updatedAt");
    sort_by_order(&mut all, order, |a, field| match field {
        "sys.createdAt" => a.sys.created_at.map(|t| t.to_string()),
        "sys.updatedAt" => a.sys.updated_at.map(|t| t.to_string()),
        "sys.id" => Some(a.sys.id.clone()),
        _ => None,
    })?;
    match q.get("uniqueBy") {
        Some("sys.release.sys.id") => {
            let mut seen = std::collections::HashSet::new();
            all.retain(|a| seen.insert(a.sys.release.id().to_owned()));
        }
        Some(other) => {
            return Err(ApiErr::invalid_query(format!(
                "cannot be unique by '{other}'"
            )));
        }
        None => {}
    }
    let limit = q.limit()?;
    let skip = q.skip()?;
    let total = all.len();
    let items: Vec<ReleaseAction> = all.into_iter().skip(skip).take(limit).collect();
    Ok(ok(&serde_json::json!({
        "sys": {"type": "Array"}, "total": total, "skip": skip, "limit": limit, "items": items
    })))
}

/// `POST …/bulk_actions/{publish|unpublish|validate}` (201 + the action).
pub async fn start_bulk_action(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    body: Body<BulkActionPayload>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let action = match param(&params, "action") {
        "publish" => ActionKind::Publish,
        "unpublish" => ActionKind::Unpublish,
        "validate" => ActionKind::Validate,
        other => return Err(ApiErr::not_found("Route", other)),
    };
    let payload = body.required()?;
    let bulk = executor::start_bulk_action(&core, action, payload)?;
    Ok(reply(StatusCode::CREATED, &bulk))
}

/// `POST …/bulk_actions` with a v2 body (201 + the action, its `payload` echoing the body).
pub async fn start_bulk_action_v2(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    body: Body<BulkActionPayload>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let payload = body.required()?;
    let bulk = executor::start_bulk_action_v2(&core, payload)?;
    Ok(reply(StatusCode::CREATED, &bulk))
}

/// `GET …/bulk_actions/actions/{id}` (v1) and `GET …/bulk_actions/{id}` (v2): either version.
pub async fn get_bulk_action(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = params
        .get("id")
        .or_else(|| params.get("action"))
        .map_or("", String::as_str);
    let bulk: Option<BulkAction> = core.read(|tx| Ok(tx.get(kind::BULK_ACTION, id)?))?;
    bulk.map(|b| ok(&b))
        .ok_or_else(|| ApiErr::not_found("BulkAction", id))
}
