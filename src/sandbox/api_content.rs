//! Handlers for the space, environment, locales, content types, entries and assets.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::core::{Core, new_id, valid_id};
use super::entities::{self, EntityBody};
use super::error::ApiErr;
use rusqlite::types::Value as SqlValue;

use super::index::{self, Select, Table};
use super::routes::{
    Body, CursorPage, PageLinks, Params, QueryParams, cursor_page, ok, order_keys, param, reply,
    scope, select_cursor_page, sort_by_order, stored_json, unknown_order, version_header,
};
use super::store::{StoreError, Tx, kind};
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
/// `order`; offset or cursor paging. Answered from the index in SQL (module [`super::index`]):
/// only the page is read and decoded.
pub async fn list_entities(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let k = entity_kind(&params)?;
    let query = QueryParams::parse(raw.as_deref());
    let path = format!(
        "/spaces/{}/environments/{}/{}",
        core.space_id,
        core.env_id,
        param(&params, "kind")
    );
    let store_kind = entities::store_kind(k);
    let body = core.read(|tx| {
        let select = entity_select(tx, k, &query)?;
        select_collection(tx, &select, &query, &path, |_, id, json| {
            stored_json(store_kind, id, json)
        })
    })?;
    Ok(ok(&body))
}

/// `GET …/public/entries`: the published entries as they were published (the snapshot kept at
/// publish; an entry published before snapshots were kept is served from its current document,
/// which then is what was published, as `sys.revision` without `sys.version`). Same filters,
/// order and paging (`cursor=true`) as `/entries`; the filters look at the entry as it is now.
pub async fn list_public_entries(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let query = QueryParams::parse(raw.as_deref());
    let path = format!(
        "/spaces/{}/environments/{}/public/entries",
        core.space_id, core.env_id
    );
    let body = core.read(|tx| {
        let mut select = entity_select(tx, EntityKind::Entry, &query)?;
        select.filter("i.published_version IS NOT NULL", []);
        select_collection(tx, &select, &query, &path, |tx, id, json| {
            let snapshot = match tx.get::<Value>(kind::PUBLISHED_ENTRY, id)? {
                Some(snapshot) => snapshot,
                None => {
                    let entity: Entity = serde_json::from_str(&json)
                        .map_err(|e| ApiErr::internal(format!("entry '{id}': {e}")))?;
                    entities::published_snapshot(&entity)
                }
            };
            serde_json::value::to_raw_value(&snapshot).map_err(ApiErr::internal)
        })
    })?;
    Ok(ok(&body))
}

/// One page of an index list: offset paging (`total` from an indexed count, `skip`), or cursor
/// paging with `cursor=true` (`pages.next`/`prev` URLs carrying `pageNext`/`pagePrev`, no
/// `total`; spec §5). `load` turns a row's stored JSON into the item served (as raw JSON, so
/// a page of stored documents is never decoded).
fn select_collection(
    tx: &Tx<'_>,
    select: &Select,
    query: &QueryParams,
    path: &str,
    load: impl Fn(&Tx<'_>, &str, String) -> Result<Box<RawValue>, ApiErr>,
) -> Result<ListPage, ApiErr> {
    match query.get("cursor") {
        Some("true") => {
            select_cursor_page(tx, select, query, path, PageLinks::Url, load).map(ListPage::Cursor)
        }
        None | Some("false") => {
            if query.get("pageNext").is_some() || query.get("pagePrev").is_some() {
                return Err(ApiErr::invalid_query(
                    "pageNext and pagePrev need cursor=true",
                ));
            }
            let limit = query.limit()?;
            let skip = query.skip()?;
            let total = select.count(tx.sql()).map_err(StoreError::from)?;
            let rows = select
                .page(tx.sql(), skip, limit)
                .map_err(StoreError::from)?;
            let items = rows
                .into_iter()
                .map(|(id, json)| load(tx, &id, json))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ListPage::Offset(OffsetCollection::new(
                items,
                total,
                skip as u64,
                limit as u64,
            )))
        }
        Some(other) => Err(ApiErr::invalid_query(format!(
            "cursor must be true or false, not '{other}'"
        ))),
    }
}

/// A page of an entry or asset list, in either paging style.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
enum ListPage {
    Offset(OffsetCollection<Box<RawValue>>),
    Cursor(CursorPage<Box<RawValue>>),
}

/// A field id as a JSON path segment; only ids Contentful allows (letters, digits, `_`, `-`).
fn field_path(key: &str, field: &str) -> Result<String, ApiErr> {
    if field.is_empty()
        || !field
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    {
        return Err(ApiErr::invalid_query(format!(
            "'{key}' is not supported: only fields.<id>=<value> equality is"
        )));
    }
    Ok(format!("$.fields.\"{field}\""))
}

/// The index query of an entry or asset list: every filter of `ENTITY_QUERY` and the order.
fn entity_select(tx: &Tx<'_>, k: EntityKind, query: &QueryParams) -> Result<Select, ApiErr> {
    query.allow(ENTITY_QUERY)?;
    if let Some(locale) = query.get("locale")
        && locale != "*"
    {
        // The CMA returns every locale; a single-locale view is not emulated.
        return Err(ApiErr::invalid_query(format!(
            "locale={locale} is not supported; the sandbox returns every locale (locale=*)"
        )));
    }
    let text = |s: &str| SqlValue::Text(s.to_owned());
    let mut select = Select::new(Table::Entities);
    select.filter("i.kind = ?", [text(entities::store_kind(k))]);
    let mut content_types: Option<Vec<String>> = None;
    for key in [
        "content_type",
        "sys.contentType.sys.id",
        "sys.contentType.sys.id[in]",
    ] {
        if let Some(types) = query.list(key) {
            select.filter_in("i.content_type", &types, false);
            content_types = Some(types);
        }
    }
    let ids_listed = query.get("sys.id").is_some() || query.get("sys.id[in]").is_some();
    for key in ["sys.id", "sys.id[in]"] {
        if let Some(ids) = query.list(key) {
            select.filter_in("i.id", &ids, false);
        }
    }
    if let Some(ids) = query.list("sys.id[nin]") {
        select.filter_in("i.id", &ids, true);
    }
    for (key, column) in [
        ("sys.archivedAt[exists]", "i.archived_ms"),
        ("sys.archivedVersion[exists]", "i.archived_version"),
        ("sys.publishedAt[exists]", "i.published_ms"),
        ("sys.publishedVersion[exists]", "i.published_version"),
        ("sys.firstPublishedAt[exists]", "i.first_published_ms"),
    ] {
        match query.get(key) {
            None => {}
            Some("true") => select.filter(&format!("{column} IS NOT NULL"), []),
            Some("false") => select.filter(&format!("{column} IS NULL"), []),
            Some(other) => {
                return Err(ApiErr::invalid_query(format!(
                    "{key} must be true or false, not '{other}'"
                )));
            }
        }
    }
    for (key, link_type) in [("links_to_entry", "Entry"), ("links_to_asset", "Asset")] {
        if let Some(target) = query.get(key) {
            select.filter(
                "i.id IN (SELECT l.id FROM entity_links l
                          WHERE l.link_type = ? AND l.target = ? AND l.kind = ?)",
                [text(link_type), text(target), text(entities::store_kind(k))],
            );
        }
    }
    for (key, value) in &query.0 {
        let Some(field) = key.strip_prefix("fields.") else {
            continue;
        };
        let path = field_path(key, field)?;
        // Strings compare as text; numbers and booleans as JSON (`fields.rating=4`).
        let number = value.trim().parse::<f64>().ok();
        // A field equal to a text holds its words in a row: narrow by the word index first, so
        // only those documents are opened (a number may be written another way: `4.0`).
        if number.is_none()
            && let Some(fts) = index::fts_exact(value)
        {
            select.filter(
                "i.rid IN (SELECT rowid FROM entity_fts WHERE entity_fts MATCH ?)",
                [text(&fts)],
            );
        }
        let number = number.map_or(SqlValue::Null, SqlValue::Real);
        select.filter(
            "EXISTS (SELECT 1 FROM json_each(d.json, ?) j WHERE
                (j.type = 'text' AND j.value = ?)
                OR (j.type IN ('integer', 'real') AND j.value = ?)
                OR (j.type = 'true' AND ? = 'true') OR (j.type = 'false' AND ? = 'false'))",
            [text(&path), text(value), number, text(value), text(value)],
        );
    }
    let phrase = query.get("query").and_then(index::fts_phrase);
    if let Some(phrase) = &phrase {
        select.full_text(phrase.clone());
    }
    // Only the kind and content types narrow it (besides the words): the kept totals, or the
    // word index's facets, answer `total` without visiting each match's index row.
    let others = select.filter_count() - usize::from(phrase.is_some());
    let covered = match &content_types {
        None => others == 1,
        Some(types) => !types.is_empty() && others == 2,
    };
    if covered && let Some(phrase) = &phrase {
        let fts = index::fts_with_facets(phrase, entities::store_kind(k), content_types.as_deref());
        select.count_from(
            "SELECT COUNT(*) FROM entity_fts WHERE entity_fts MATCH ?",
            vec![text(&fts)],
        );
    } else if covered {
        let types = content_types.clone().unwrap_or_default();
        let marks = vec!["?"; types.len()].join(", ");
        let sql = if types.is_empty() {
            "SELECT COALESCE(SUM(n), 0) FROM entity_counts WHERE kind = ?".to_owned()
        } else {
            format!(
                "SELECT COALESCE(SUM(n), 0) FROM entity_counts WHERE kind = ? AND content_type IN ({marks})"
            )
        };
        let mut values = vec![text(entities::store_kind(k))];
        values.extend(types.iter().map(|t| text(t)));
        select.count_from(&sql, values);
    }
    let order = query.get("order").unwrap_or("-sys.updatedAt");
    for (descending, field) in order_keys(order) {
        let column = match field {
            "sys.createdAt" => "i.created_ms",
            "sys.updatedAt" => "i.updated_ms",
            "sys.publishedAt" => "i.published_ms",
            "sys.id" => "i.id",
            other => {
                let Some(name) = other.strip_prefix("fields.") else {
                    unknown_order(other)?;
                    continue;
                };
                let path = field_path(other, name)?;
                // The indexed title is the display field in the default locale: when the list
                // is of one content type whose display field this is, order by the index.
                let display = match (k, content_types.as_deref()) {
                    (EntityKind::Asset, _) => Some("title".to_owned()),
                    (EntityKind::Entry, Some([ct])) => tx
                        .get::<ContentType>(kind::CONTENT_TYPE, ct)?
                        .and_then(|ct| ct.display_field),
                    _ => None,
                };
                if display.as_deref() == Some(name) {
                    "i.title"
                } else {
                    let locale = default_locale(tx)?;
                    select.order_by(
                        "json_extract(d.json, ?)",
                        descending,
                        [text(&format!("{path}.\"{locale}\""))],
                    );
                    continue;
                }
            }
        };
        // With an id list the id index finds the few rows; `+` keeps SQLite from walking the
        // order's index over the whole space instead.
        if ids_listed {
            select.order_by(&format!("+{column}"), descending, []);
        } else {
            select.order_by(column, descending, []);
        }
    }
    Ok(select)
}

/// The environment's default locale code.
fn default_locale(tx: &Tx<'_>) -> Result<String, ApiErr> {
    let locales: Vec<crate::cma::Locale> = tx.all(kind::LOCALE)?;
    Ok(crate::validation::default_locale(&locales).to_owned())
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
