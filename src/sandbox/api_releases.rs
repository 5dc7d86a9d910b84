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
use super::routes::{
    Body, PageLinks, Params, QueryParams, cursor_page, ok, param, reply, scope, sort_by_order,
    version_header,
};
use super::store::kind;
use super::webhooks::Cause;
use crate::cma::{ActionKind, BulkAction, BulkActionPayload, Release, ReleaseAction, ReleaseBody};

fn releases_path(core: &Core) -> String {
    format!(
        "/spaces/{}/environments/{}/releases",
        core.space_id, core.env_id
    )
}

/// `GET …/releases` with the spec's filters, `order` (default `-sys.updatedAt`) and cursor paging.
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
    let mut all: Vec<Release> = core.read(|tx| Ok(tx.all(kind::RELEASE)?))?;
    q.retain_in(&mut all, "sys.id[in]", |r| &r.sys.id);
    q.retain_nin(&mut all, "sys.id[nin]", |r| &r.sys.id);
    q.retain_in(&mut all, "sys.status[in]", |r| r.sys.status.as_str());
    q.retain_nin(&mut all, "sys.status[nin]", |r| r.sys.status.as_str());
    if let Some(users) = q.list("sys.createdBy.sys.id[in]") {
        all.retain(|r| {
            r.sys
                .created_by
                .as_ref()
                .is_some_and(|u| users.iter().any(|id| id == u.id()))
        });
    }
    if let Some(text) = q.get("title[match]").map(str::to_lowercase) {
        let words: Vec<&str> = text.split_whitespace().collect();
        all.retain(|r| {
            let title = r.title.to_lowercase();
            words.iter().all(|w| title.contains(w))
        });
    }
    if let Some(exists) = q.get("entities[exists]") {
        let want = exists == "true";
        all.retain(|r| r.entities.items.is_empty() != want);
    }
    let link_type = q.get("entities.sys.linkType");
    if let Some(ids) = q.list("entities.sys.id[in]") {
        let Some(link_type) = link_type else {
            return Err(ApiErr::invalid_query(
                "entities.sys.id[in] needs entities.sys.linkType (Entry or Asset)",
            ));
        };
        all.retain(|r| {
            r.entities
                .items
                .iter()
                .any(|l| l.link_type().as_str() == link_type && ids.contains(&l.sys.id))
        });
    } else if let Some(link_type) = link_type {
        all.retain(|r| {
            r.entities
                .items
                .iter()
                .any(|l| l.link_type().as_str() == link_type)
        });
    }
    if let Some(v) = q.get("sys.schemaVersion")
        && v != "Release.v1"
    {
        all.clear();
    }
    let order = q.get("order").unwrap_or("-sys.updatedAt");
    sort_by_order(&mut all, order, |r, field| match field {
        "title" => Some(r.title.to_lowercase()),
        "sys.createdAt" => r.sys.created_at.map(|t| t.to_string()),
        "sys.updatedAt" => r.sys.updated_at.map(|t| t.to_string()),
        "sys.id" => Some(r.sys.id.clone()),
        _ => None,
    })?;
    let page = cursor_page(all, &q, &releases_path(&core), PageLinks::Url)?;
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

/// `GET …/bulk_actions/actions/{id}`.
pub async fn get_bulk_action(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id");
    let bulk: Option<BulkAction> = core.read(|tx| Ok(tx.get(kind::BULK_ACTION, id)?))?;
    bulk.map(|b| ok(&b))
        .ok_or_else(|| ApiErr::not_found("BulkAction", id))
}
