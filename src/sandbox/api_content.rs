//! Handlers for the space, environment, locales, content types, entries and assets.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::core::{Core, new_id, valid_id};
use super::entities::{self, EntityBody};
use super::error::ApiErr;
use super::routes::{
    Body, PageLinks, Params, QueryParams, cursor_page, ok, param, reply, scope, sort_by_order,
    version_header,
};
use super::store::kind;
use crate::cma::{ContentType, Entity, EntityKind, OffsetCollection};

fn entity_kind(params: &Params) -> Result<EntityKind, ApiErr> {
    match param(params, "kind") {
        "entries" => Ok(EntityKind::Entry),
        "assets" => Ok(EntityKind::Asset),
        other => Err(ApiErr::not_found("Route", other)),
    }
}

/// `GET /spaces/{s}`.
pub async fn get_space(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let name = core.read(|tx| Ok(tx.setting("space_name")?))?;
    Ok(ok(&json!({
        "name": name.unwrap_or_else(|| core.space_id.clone()),
        "sys": {"type": "Space", "id": core.space_id, "version": 1},
    })))
}

/// `GET /spaces/{s}/environments/{e}`.
pub async fn get_environment(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    Ok(ok(&json!({
        "name": core.env_id,
        "sys": {"type": "Environment", "id": core.env_id, "version": 1, "space": core.space_link(),
                "status": {"sys": {"type": "Link", "linkType": "Status", "id": "ready"}}},
    })))
}

/// `GET …/content_types`.
pub async fn list_content_types(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let query = QueryParams::parse(raw.as_deref());
    query.allow(&[
        "sys.id[in]",
        "sys.id[nin]",
        "order",
        "skip",
        "limit",
        "cursor",
        "pageNext",
        "pagePrev",
    ])?;
    let mut all: Vec<ContentType> = core.read(|tx| Ok(tx.all(kind::CONTENT_TYPE)?))?;
    query.retain_in(&mut all, "sys.id[in]", |ct| &ct.sys.id);
    query.retain_nin(&mut all, "sys.id[nin]", |ct| &ct.sys.id);
    if let Some(order) = query.get("order") {
        sort_by_order(&mut all, order, |ct, field| match field {
            "sys.id" => Some(ct.sys.id.clone()),
            "name" => Some(ct.name.to_lowercase()),
            "sys.createdAt" | "sys.updatedAt" => {
                let key = field.trim_start_matches("sys.");
                ct.sys.extra.get(key).map(Value::to_string)
            }
            _ => None,
        })?;
    }
    let path = format!(
        "/spaces/{}/environments/{}/content_types",
        core.space_id, core.env_id
    );
    page_of(all, &query, &path)
}

/// One page of a list: offset paging (`total`, `skip`), or cursor paging with `cursor=true`
/// (`pages.next`/`prev` URLs carrying `pageNext`/`pagePrev`, no `total`; spec §5).
fn page_of<T: serde::Serialize>(
    items: Vec<T>,
    query: &QueryParams,
    path: &str,
) -> Result<Response, ApiErr> {
    match query.get("cursor") {
        Some("true") => Ok(ok(&cursor_page(items, query, path, PageLinks::Url)?)),
        None | Some("false") => {
            if query.get("pageNext").is_some() || query.get("pagePrev").is_some() {
                return Err(ApiErr::invalid_query(
                    "pageNext and pagePrev need cursor=true",
                ));
            }
            Ok(ok(&offset_page(items, query)?))
        }
        Some(other) => Err(ApiErr::invalid_query(format!(
            "cursor must be true or false, not '{other}'"
        ))),
    }
}

/// `GET …/content_types/{id}`.
pub async fn get_content_type(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id");
    let ct: Option<ContentType> = core.read(|tx| Ok(tx.get(kind::CONTENT_TYPE, id)?))?;
    ct.map(|ct| ok(&ct))
        .ok_or_else(|| ApiErr::not_found("ContentType", id))
}

fn offset_page<T>(items: Vec<T>, query: &QueryParams) -> Result<OffsetCollection<T>, ApiErr> {
    let limit = query.limit()?;
    let skip = query.skip()?;
    let total = items.len() as u64;
    let page = items.into_iter().skip(skip).take(limit).collect();
    Ok(OffsetCollection::new(
        page,
        total,
        skip as u64,
        limit as u64,
    ))
}

/// The query parameters an entry or asset list understands; anything else is refused.
const ENTITY_QUERY: &[&str] = &[
    "content_type",
    "sys.contentType.sys.id",
    "sys.contentType.sys.id[in]",
    "sys.id",
    "sys.id[in]",
    "sys.id[nin]",
    "sys.archivedAt[exists]",
    "sys.archivedVersion[exists]",
    "sys.publishedAt[exists]",
    "sys.publishedVersion[exists]",
    "sys.firstPublishedAt[exists]",
    "links_to_entry",
    "links_to_asset",
    "query",
    "locale",
    "order",
    "skip",
    "limit",
    "cursor",
    "pageNext",
    "pagePrev",
    "fields.*",
];

/// `GET …/entries|assets` with the filters of `ENTITY_QUERY`: content type, ids, `sys.*[exists]`,
/// `fields.<id>` equality (any locale), `links_to_entry`/`links_to_asset`, full text (`query`);
/// `order`; offset or cursor paging.
pub async fn list_entities(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let k = entity_kind(&params)?;
    let query = QueryParams::parse(raw.as_deref());
    query.allow(ENTITY_QUERY)?;
    if let Some(locale) = query.get("locale")
        && locale != "*"
    {
        // The CMA returns every locale; a single-locale view is not emulated.
        return Err(ApiErr::invalid_query(format!(
            "locale={locale} is not supported; the sandbox returns every locale (locale=*)"
        )));
    }
    let mut all: Vec<Entity> = core.read(|tx| Ok(tx.all(entities::store_kind(k))?))?;
    let content_type_of = |e: &Entity| e.sys.content_type.as_ref().map(|l| l.id().to_owned());
    for key in [
        "content_type",
        "sys.contentType.sys.id",
        "sys.contentType.sys.id[in]",
    ] {
        if let Some(types) = query.list(key) {
            all.retain(|e| content_type_of(e).is_some_and(|ct| types.contains(&ct)));
        }
    }
    if let Some(ids) = query.list("sys.id") {
        all.retain(|e| ids.contains(&e.sys.id));
    }
    if let Some(ids) = query.list("sys.id[in]") {
        all.retain(|e| ids.contains(&e.sys.id));
    }
    if let Some(ids) = query.list("sys.id[nin]") {
        all.retain(|e| !ids.contains(&e.sys.id));
    }
    for (key, present) in [
        (
            "sys.archivedAt[exists]",
            (|e: &Entity| e.sys.archived_at.is_some()) as fn(&Entity) -> bool,
        ),
        ("sys.archivedVersion[exists]", |e| {
            e.sys.archived_version.is_some()
        }),
        ("sys.publishedAt[exists]", |e| e.sys.published_at.is_some()),
        ("sys.publishedVersion[exists]", |e| {
            e.sys.published_version.is_some()
        }),
        ("sys.firstPublishedAt[exists]", |e| {
            e.sys.first_published_at.is_some()
        }),
    ] {
        match query.get(key) {
            None => {}
            Some("true") => all.retain(present),
            Some("false") => all.retain(|e| !present(e)),
            Some(other) => {
                return Err(ApiErr::invalid_query(format!(
                    "{key} must be true or false, not '{other}'"
                )));
            }
        }
    }
    for (key, link_type) in [("links_to_entry", "Entry"), ("links_to_asset", "Asset")] {
        if let Some(target) = query.get(key) {
            all.retain(|e| links_to(&Value::Object(e.fields.clone()), link_type, target));
        }
    }
    for (key, value) in &query.0 {
        let Some(field) = key.strip_prefix("fields.") else {
            continue;
        };
        if field.is_empty() || field.contains(['[', '.']) {
            return Err(ApiErr::invalid_query(format!(
                "'{key}' is not supported: only fields.<id>=<value> equality is"
            )));
        }
        all.retain(|e| {
            e.fields
                .get(field)
                .and_then(Value::as_object)
                .is_some_and(|locales| {
                    locales.values().any(|v| match v {
                        Value::String(s) => s == value,
                        // Numbers and booleans compare as JSON (`fields.rating=4`).
                        other => serde_json::from_str::<Value>(value).is_ok_and(|q| q == *other),
                    })
                })
        });
    }
    if let Some(text) = query
        .get("query")
        .map(str::to_lowercase)
        .filter(|t| !t.is_empty())
    {
        all.retain(|e| {
            e.sys.id.to_lowercase().contains(&text)
                || Value::Object(e.fields.clone())
                    .to_string()
                    .to_lowercase()
                    .contains(&text)
        });
    }
    let order = query.get("order").unwrap_or("-sys.updatedAt");
    sort_by_order(&mut all, order, |e, field| match field {
        "sys.createdAt" => e.sys.created_at.map(|t| t.to_string()),
        "sys.updatedAt" => e.sys.updated_at.map(|t| t.to_string()),
        "sys.id" => Some(e.sys.id.clone()),
        other => other
            .strip_prefix("fields.")
            .map(|f| e.fields.get(f).map(Value::to_string).unwrap_or_default()),
    })?;
    let path = format!(
        "/spaces/{}/environments/{}/{}",
        core.space_id,
        core.env_id,
        param(&params, "kind")
    );
    page_of(all, &query, &path)
}

/// Whether `value` holds a link to `link_type` `id` anywhere (fields, arrays, rich text).
fn links_to(value: &Value, link_type: &str, id: &str) -> bool {
    match value {
        Value::Object(map) => {
            let is_link = map.get("sys").is_some_and(|sys| {
                sys.get("type").and_then(Value::as_str) == Some("Link")
                    && sys.get("linkType").and_then(Value::as_str) == Some(link_type)
                    && sys.get("id").and_then(Value::as_str) == Some(id)
            });
            is_link || map.values().any(|v| links_to(v, link_type, id))
        }
        Value::Array(items) => items.iter().any(|v| links_to(v, link_type, id)),
        _ => false,
    }
}

/// `GET …/entries|assets/{id}`.
pub async fn get_entity(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let k = entity_kind(&params)?;
    let entity = core.read(|tx| entities::load(tx, k, param(&params, "id")))?;
    Ok(ok(&entity))
}

/// `POST …/entries` (with `X-Contentful-Content-Type`) or `POST …/assets` (201).
pub async fn create_entity(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
    body: Body<EntityBody>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let k = entity_kind(&params)?;
    let body = body.0.unwrap_or_default();
    let content_type = headers
        .get("x-contentful-content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let id = new_id();
    let entity = core.write(|tx, events| {
        entities::create(&core, tx, events, k, &id, content_type.as_deref(), body)
    })?;
    Ok(reply(StatusCode::CREATED, &entity))
}

/// `PUT …/entries|assets/{id}`: update with the version, or create with a chosen id.
pub async fn put_entity(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
    body: Body<EntityBody>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let k = entity_kind(&params)?;
    let id = param(&params, "id").to_owned();
    let version = version_header(&headers)?;
    let body = body.required()?;
    let content_type = headers
        .get("x-contentful-content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (status, entity) = core.write(|tx, events| {
        let exists = tx.get::<Value>(entities::store_kind(k), &id)?.is_some();
        if exists {
            entities::update(&core, tx, events, k, &id, version, body).map(|e| (StatusCode::OK, e))
        } else {
            if !valid_id(&id) {
                return Err(ApiErr::bad_request(format!("'{id}' is not a valid id")));
            }
            entities::create(&core, tx, events, k, &id, content_type.as_deref(), body)
                .map(|e| (StatusCode::CREATED, e))
        }
    })?;
    Ok(reply(status, &entity))
}

/// `DELETE …/entries|assets/{id}` (204).
pub async fn delete_entity(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let k = entity_kind(&params)?;
    let version = version_header(&headers)?;
    core.write(|tx, events| entities::delete(&core, tx, events, k, param(&params, "id"), version))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

macro_rules! state_handler {
    ($(#[$doc:meta])* $name:ident, $op:path $(, $extra:expr)?) => {
        $(#[$doc])*
        pub async fn $name(
            State(core): State<Arc<Core>>,
            Path(params): Path<Params>,
            headers: HeaderMap,
        ) -> Result<Response, ApiErr> {
            scope(&core, &params)?;
            let k = entity_kind(&params)?;
            let version = version_header(&headers)?;
            let entity = core.write(|tx, events| {
                $op(&core, tx, events, k, param(&params, "id"), version $(, $extra)?)
            })?;
            Ok(ok(&entity))
        }
    };
}

state_handler!(
    /// `PUT …/{id}/published`.
    publish_entity, entities::publish_validated, &super::webhooks::Cause::default()
);
state_handler!(
    /// `DELETE …/{id}/published`.
    unpublish_entity, entities::unpublish, &super::webhooks::Cause::default()
);
state_handler!(
    /// `PUT …/{id}/archived`.
    archive_entity, entities::archive
);
state_handler!(
    /// `DELETE …/{id}/archived`.
    unarchive_entity, entities::unarchive
);

/// `PUT …/assets/{id}/files/{locale}/process` with the version: the file's `upload` URL becomes
/// its `url` (protocol-relative, as Contentful serves it) at once; nothing is fetched.
pub async fn process_asset(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let locale = param(&params, "locale").to_owned();
    let version = version_header(&headers)?;
    core.write(|tx, _| {
        let mut asset = entities::load(tx, EntityKind::Asset, &id)?;
        entities::check_version(asset.sys.version.unwrap_or(1), version)?;
        let Some(file) = asset
            .fields
            .get_mut("file")
            .and_then(|f| f.get_mut(&locale))
            .and_then(Value::as_object_mut)
        else {
            return Err(ApiErr::bad_request(format!(
                "Asset '{id}' has no file in locale '{locale}' to process"
            )));
        };
        if let Some(upload) = file
            .remove("upload")
            .and_then(|u| u.as_str().map(str::to_owned))
        {
            let url = upload
                .split_once("://")
                .map_or(upload.clone(), |(_, rest)| format!("//{rest}"));
            file.insert("url".into(), json!(url));
            file.entry("details").or_insert_with(|| json!({"size": 0}));
        }
        asset.sys.version = Some(asset.sys.version.unwrap_or(1) + 1);
        asset.sys.updated_at = Some(core.now());
        entities::put_entity(tx, EntityKind::Asset, &id, &mut asset)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
