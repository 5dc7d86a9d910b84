//! The writable content model (spec §5; what `contentful-import` and `contentful-migration`
//! need): content types with publish/unpublish, editor interfaces, locales, tags, and the one
//! role a space export reads.
//!
//! Content types keep two forms, as Contentful does: the current one (`GET`, edited by `PUT`)
//! and the published snapshot that entries are validated against (see
//! [`super::space_view::SpaceView`]). A seeded content type carries `publishedVersion` and no
//! snapshot; its first edit snapshots it first, so the edit is a draft until published.
//! Documents here are handled as JSON: the shapes are Contentful's, and unknown keys are kept.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::core::{Core, Events, new_id, to_value, valid_id};
use super::entities::check_version;
use super::error::ApiErr;
use super::routes::{Body, Params, QueryParams, ok, param, reply, scope, version_header};
use super::store::StoreError;
use super::store::{Tx, kind};
use super::webhooks::Cause;
use crate::cma::OffsetCollection;

/// A JSON object body.
type Object = Map<String, Value>;

fn sys_of(doc: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    doc.get("sys")
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn version_of(doc: &Value) -> u64 {
    sys_of(doc)
        .get("version")
        .and_then(Value::as_u64)
        .unwrap_or(1)
}

/// The `sys` of a new environment-scoped document.
fn new_sys(core: &Core, type_: &str, id: &str) -> Value {
    let now = core.now();
    json!({
        "type": type_, "id": id, "version": 1,
        "space": core.space_link(), "environment": core.env_link(),
        "createdAt": now, "updatedAt": now, "createdBy": core.user(), "updatedBy": core.user(),
    })
}

/// Marks an edit: version + 1, updated now.
fn touch(core: &Core, doc: &mut Value) {
    let version = version_of(doc) + 1;
    if let Some(sys) = doc.get_mut("sys").and_then(Value::as_object_mut) {
        sys.insert("version".into(), version.into());
        sys.insert("updatedAt".into(), to_value(&core.now()));
        sys.insert("updatedBy".into(), to_value(&core.user()));
    }
}

fn event(core: &Core, events: &mut Events, action: &str, doc: &Value, id: &str) {
    events.push(core.event(
        "ContentType",
        action,
        doc.clone(),
        format!("content_types/{id}"),
        &Cause::default(),
    ));
}

// ---- Content types ------------------------------------------------------------------------------

/// Checks a content type body: a name and well-formed fields with unique ids.
fn check_content_type(body: &Object) -> Result<(), ApiErr> {
    let mut errors = Vec::new();
    if body
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        errors.push(json!({"name": "required", "path": ["name"], "details": "The property \"name\" is required here"}));
    }
    let fields = body.get("fields").and_then(Value::as_array);
    let mut seen = std::collections::HashSet::new();
    for (i, field) in fields.into_iter().flatten().enumerate() {
        let id = field.get("id").and_then(Value::as_str).unwrap_or_default();
        if id.is_empty() || !seen.insert(id.to_owned()) {
            errors.push(json!({"name": "unique", "path": ["fields", i, "id"],
                "details": "Every field needs an id, unique within the content type"}));
        }
        if field.get("type").and_then(Value::as_str).is_none() {
            errors.push(json!({"name": "required", "path": ["fields", i, "type"],
                "details": "The property \"type\" is required here"}));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiErr::invalid_body(errors))
    }
}

fn load_content_type(tx: &Tx<'_>, id: &str) -> Result<Value, ApiErr> {
    tx.get::<Value>(kind::CONTENT_TYPE, id)?
        .ok_or_else(|| ApiErr::not_found("ContentType", id))
}

/// Keeps the published form of a seeded content type before its first edit.
fn snapshot_if_unsnapshotted(tx: &Tx<'_>, id: &str, doc: &Value) -> Result<(), ApiErr> {
    if sys_of(doc).contains_key("publishedVersion")
        && tx.get::<Value>(kind::PUBLISHED_CONTENT_TYPE, id)?.is_none()
    {
        tx.put(kind::PUBLISHED_CONTENT_TYPE, id, doc)?;
    }
    Ok(())
}

fn create_content_type(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    id: &str,
    body: Object,
) -> Result<Value, ApiErr> {
    if !valid_id(id) {
        return Err(ApiErr::bad_request(format!("'{id}' is not a valid id")));
    }
    check_content_type(&body)?;
    let mut doc = Value::Object(body);
    doc["sys"] = new_sys(core, "ContentType", id);
    if doc.get("fields").is_none() {
        doc["fields"] = json!([]);
    }
    tx.put(kind::CONTENT_TYPE, id, &doc)?;
    // Every content type has an editor interface (contentful-import updates it).
    tx.put(
        kind::EDITOR_INTERFACE,
        id,
        &default_editor_interface(core, id, &doc),
    )?;
    event(core, events, "create", &doc, id);
    Ok(doc)
}

/// `POST …/content_types` (201).
pub async fn post_content_type(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    body: Body<Object>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let body = body.required()?;
    let id = new_id();
    let doc = core.write(|tx, events| create_content_type(&core, tx, events, &id, body))?;
    Ok(reply(StatusCode::CREATED, &doc))
}

/// `PUT …/content_types/{id}`: creates it with this id, or updates it (with the version).
pub async fn put_content_type(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
    body: Body<Object>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let version = version_header(&headers)?;
    let body = body.required()?;
    let (status, doc) = core.write(|tx, events| {
        let Some(mut doc) = tx.get::<Value>(kind::CONTENT_TYPE, &id)? else {
            return create_content_type(&core, tx, events, &id, body)
                .map(|doc| (StatusCode::CREATED, doc));
        };
        check_version(version_of(&doc), version)?;
        check_content_type(&body)?;
        snapshot_if_unsnapshotted(tx, &id, &doc)?;
        let sys = doc["sys"].take();
        let mut updated = Value::Object(body);
        updated["sys"] = sys;
        if updated.get("fields").is_none() {
            updated["fields"] = json!([]);
        }
        doc = updated;
        touch(&core, &mut doc);
        tx.put(kind::CONTENT_TYPE, &id, &doc)?;
        event(&core, events, "save", &doc, &id);
        Ok((StatusCode::OK, doc))
    })?;
    Ok(reply(status, &doc))
}

/// `PUT …/content_types/{id}/published`: entries are validated against this form from now on.
pub async fn publish_content_type(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let version = version_header(&headers)?;
    let doc = core.write(|tx, events| {
        let mut doc = load_content_type(tx, &id)?;
        check_version(version_of(&doc), version)?;
        let now = to_value(&core.now());
        let current = version_of(&doc);
        if let Some(sys) = doc.get_mut("sys").and_then(Value::as_object_mut) {
            let counter = sys
                .get("publishedCounter")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            sys.insert("publishedVersion".into(), current.into());
            sys.insert("publishedCounter".into(), (counter + 1).into());
            sys.insert("publishedAt".into(), now.clone());
            sys.insert("publishedBy".into(), to_value(&core.user()));
            sys.entry("firstPublishedAt").or_insert(now);
        }
        touch(&core, &mut doc);
        tx.put(kind::CONTENT_TYPE, &id, &doc)?;
        tx.put(kind::PUBLISHED_CONTENT_TYPE, &id, &doc)?;
        event(&core, events, "publish", &doc, &id);
        Ok(doc)
    })?;
    Ok(ok(&doc))
}

/// `DELETE …/content_types/{id}/published`: refused while entries of the type exist.
pub async fn unpublish_content_type(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let doc = core.write(|tx, events| {
        let mut doc = load_content_type(tx, &id)?;
        refuse_if_entries(tx, &id, "unpublished")?;
        if let Some(sys) = doc.get_mut("sys").and_then(Value::as_object_mut) {
            for key in ["publishedVersion", "publishedAt", "publishedBy"] {
                sys.remove(key);
            }
        }
        touch(&core, &mut doc);
        tx.put(kind::CONTENT_TYPE, &id, &doc)?;
        tx.delete(kind::PUBLISHED_CONTENT_TYPE, &id)?;
        event(&core, events, "unpublish", &doc, &id);
        Ok(doc)
    })?;
    Ok(ok(&doc))
}

/// `DELETE …/content_types/{id}` (204): only an unpublished content type without entries.
pub async fn delete_content_type(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    core.write(|tx, events| {
        let doc = load_content_type(tx, &id)?;
        if sys_of(&doc).contains_key("publishedVersion") {
            return Err(ApiErr::bad_request(format!(
                "Content type '{id}' is published; unpublish it first"
            )));
        }
        refuse_if_entries(tx, &id, "deleted")?;
        tx.delete(kind::CONTENT_TYPE, &id)?;
        tx.delete(kind::EDITOR_INTERFACE, &id)?;
        event(&core, events, "delete", &doc, &id);
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn refuse_if_entries(tx: &Tx<'_>, id: &str, what: &str) -> Result<(), ApiErr> {
    let count = super::index::entries_of_type(tx.sql(), id).map_err(StoreError::from)?;
    if count > 0 {
        return Err(ApiErr::bad_request(format!(
            "Content type '{id}' has {count} entries and cannot be {what}; delete them first"
        )));
    }
    Ok(())
}

// ---- Editor interfaces --------------------------------------------------------------------------

/// The stored editor interface of a content type, or the default one.
fn editor_interface(core: &Core, tx: &Tx<'_>, id: &str) -> Result<Value, ApiErr> {
    let ct = load_content_type(tx, id)?;
    if let Some(interface) = tx.get::<Value>(kind::EDITOR_INTERFACE, id)? {
        return Ok(interface);
    }
    Ok(default_editor_interface(core, id, &ct))
}

/// An editor interface with one control per field (Contentful's default widgets).
fn default_editor_interface(core: &Core, id: &str, content_type: &Value) -> Value {
    let controls: Vec<Value> = content_type["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("id").cloned())
        .map(|field_id| json!({"fieldId": field_id}))
        .collect();
    let mut interface = json!({"controls": controls});
    interface["sys"] = new_sys(core, "EditorInterface", "default");
    interface["sys"]["contentType"] =
        json!({"sys": {"type": "Link", "linkType": "ContentType", "id": id}});
    interface
}

/// `GET …/content_types/{id}/editor_interface`.
pub async fn get_editor_interface(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id");
    let interface = core.read(|tx| editor_interface(&core, tx, id))?;
    Ok(ok(&interface))
}

/// `GET …/editor_interfaces`: every content type's.
pub async fn list_editor_interfaces(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let items = core.read(|tx| {
        let types: Vec<Value> = tx.all(kind::CONTENT_TYPE)?;
        types
            .iter()
            .filter_map(|ct| sys_of(ct).get("id").and_then(Value::as_str))
            .map(|id| editor_interface(&core, tx, id))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let n = items.len() as u64;
    Ok(ok(&OffsetCollection::new(items, n, 0, n.max(1))))
}

/// `PUT …/content_types/{id}/editor_interface` with the version.
pub async fn put_editor_interface(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
    body: Body<Object>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let version = version_header(&headers)?;
    let body = body.required()?;
    let interface = core.write(|tx, _| {
        let mut current = editor_interface(&core, tx, &id)?;
        check_version(version_of(&current), version)?;
        let sys = current["sys"].take();
        let mut updated = Value::Object(body);
        updated["sys"] = sys;
        touch(&core, &mut updated);
        tx.put(kind::EDITOR_INTERFACE, &id, &updated)?;
        Ok(updated)
    })?;
    Ok(ok(&interface))
}

// ---- Locales ------------------------------------------------------------------------------------

/// A locale as served: its stored form with `sys.space`/`sys.environment` links, which the SDK
/// builds URLs from.
fn served_locale(core: &Core, mut locale: Value) -> Value {
    if let Some(sys) = locale.get_mut("sys").and_then(Value::as_object_mut) {
        sys.entry("space")
            .or_insert_with(|| to_value(&core.space_link()));
        sys.entry("environment")
            .or_insert_with(|| to_value(&core.env_link()));
    }
    locale
}

/// `GET …/locales`.
pub async fn list_locales(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    // `order` is accepted: locales are kept in creation order, what the tools ask for.
    QueryParams::parse(raw.as_deref()).allow(&["skip", "limit", "order"])?;
    let locales: Vec<Value> = core.read(|tx| Ok(tx.all(kind::LOCALE)?))?;
    let items: Vec<Value> = locales
        .into_iter()
        .map(|l| served_locale(&core, l))
        .collect();
    let n = items.len() as u64;
    Ok(ok(&OffsetCollection::new(items, n, 0, 100)))
}

/// `GET …/locales/{id}`.
pub async fn get_locale(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id");
    let locale = core.read(|tx| {
        tx.get::<Value>(kind::LOCALE, id)?
            .ok_or_else(|| ApiErr::not_found("Locale", id))
    })?;
    Ok(ok(&served_locale(&core, locale)))
}

fn check_locale(tx: &Tx<'_>, body: &Object, own_id: Option<&str>) -> Result<(), ApiErr> {
    let Some(code) = body
        .get("code")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
    else {
        return Err(ApiErr::invalid_body(vec![
            json!({"name": "required", "path": ["code"],
            "details": "The property \"code\" is required here"}),
        ]));
    };
    let locales: Vec<Value> = tx.all(kind::LOCALE)?;
    let taken = locales.iter().any(|l| {
        l.get("code").and_then(Value::as_str) == Some(code)
            && sys_of(l).get("id").and_then(Value::as_str) != own_id
    });
    if taken {
        return Err(ApiErr::invalid_body(vec![
            json!({"name": "taken", "path": ["code"],
            "value": code, "details": format!("A locale with code '{code}' already exists")}),
        ]));
    }
    Ok(())
}

/// `POST …/locales` (201).
pub async fn post_locale(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    body: Body<Object>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let body = body.required()?;
    let locale = core.write(|tx, _| {
        check_locale(tx, &body, None)?;
        let id = new_id();
        let mut locale = Value::Object(body);
        locale["sys"] = new_sys(&core, "Locale", &id);
        for (key, default) in [("default", json!(false)), ("optional", json!(false))] {
            locale
                .as_object_mut()
                .map(|l| l.entry(key).or_insert(default));
        }
        if locale.get("name").is_none() {
            locale["name"] = locale["code"].clone();
        }
        // One default locale: a new one never takes the role.
        locale["default"] = json!(false);
        tx.put(kind::LOCALE, &id, &locale)?;
        Ok(locale)
    })?;
    Ok(reply(StatusCode::CREATED, &served_locale(&core, locale)))
}

/// `PUT …/locales/{id}` with the version.
pub async fn put_locale(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
    body: Body<Object>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let version = version_header(&headers)?;
    let body = body.required()?;
    let locale = core.write(|tx, _| {
        let mut current = tx
            .get::<Value>(kind::LOCALE, &id)?
            .ok_or_else(|| ApiErr::not_found("Locale", &id))?;
        check_version(version_of(&current), version)?;
        check_locale(tx, &body, Some(&id))?;
        let was_default = current["default"].as_bool().unwrap_or(false);
        let sys = current["sys"].take();
        let mut updated = Value::Object(body);
        updated["sys"] = sys;
        // The default locale stays the default (Contentful changes it only in the web app).
        updated["default"] = json!(was_default);
        touch(&core, &mut updated);
        tx.put(kind::LOCALE, &id, &updated)?;
        Ok(updated)
    })?;
    Ok(ok(&served_locale(&core, locale)))
}

/// `DELETE …/locales/{id}` (204); never the default locale.
pub async fn delete_locale(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    core.write(|tx, _| {
        let locale = tx
            .get::<Value>(kind::LOCALE, &id)?
            .ok_or_else(|| ApiErr::not_found("Locale", &id))?;
        if locale["default"].as_bool().unwrap_or(false) {
            return Err(ApiErr::bad_request("The default locale cannot be deleted"));
        }
        tx.delete(kind::LOCALE, &id)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- Tags and roles -----------------------------------------------------------------------------

/// `GET …/tags`.
pub async fn list_tags(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let q = QueryParams::parse(raw.as_deref());
    q.allow(&["skip", "limit", "order", "sys.id[in]"])?;
    let mut tags: Vec<Value> = core.read(|tx| Ok(tx.all(kind::TAG)?))?;
    if let Some(ids) = q.list("sys.id[in]") {
        tags.retain(|t| {
            sys_of(t)
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| ids.iter().any(|i| i == id))
        });
    }
    let (limit, skip) = (q.limit()?, q.skip()?);
    let total = tags.len() as u64;
    let page: Vec<Value> = tags.into_iter().skip(skip).take(limit).collect();
    Ok(ok(&OffsetCollection::new(
        page,
        total,
        skip as u64,
        limit as u64,
    )))
}

/// `GET …/tags/{id}`.
pub async fn get_tag(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id");
    let tag = core.read(|tx| {
        tx.get::<Value>(kind::TAG, id)?
            .ok_or_else(|| ApiErr::not_found("Tag", id))
    })?;
    Ok(ok(&tag))
}

/// `PUT …/tags/{id}`: creates a tag (`name`, `visibility` header or body) or renames it.
pub async fn put_tag(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
    body: Body<Object>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let version = version_header(&headers)?;
    let body = body.required()?;
    let Some(name) = body.get("name").and_then(Value::as_str).map(str::to_owned) else {
        return Err(ApiErr::invalid_body(vec![
            json!({"name": "required", "path": ["name"],
            "details": "The property \"name\" is required here"}),
        ]));
    };
    let visibility = headers
        .get("x-contentful-tag-visibility")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            body.get("sys")
                .and_then(|s| s.get("visibility"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "private".to_owned());
    let (status, tag) = core.write(|tx, _| match tx.get::<Value>(kind::TAG, &id)? {
        Some(mut tag) => {
            check_version(version_of(&tag), version)?;
            tag["name"] = json!(name);
            touch(&core, &mut tag);
            tx.put(kind::TAG, &id, &tag)?;
            Ok((StatusCode::OK, tag))
        }
        None => {
            if !valid_id(&id) {
                return Err(ApiErr::bad_request(format!("'{id}' is not a valid id")));
            }
            let mut tag = json!({"name": name});
            tag["sys"] = new_sys(&core, "Tag", &id);
            tag["sys"]["visibility"] = json!(visibility);
            tx.put(kind::TAG, &id, &tag)?;
            Ok((StatusCode::CREATED, tag))
        }
    })?;
    Ok(reply(status, &tag))
}

/// `GET /spaces/{s}/roles`: the sandbox has one user, an administrator.
pub async fn list_roles(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let admin = json!({
        "name": "Admin",
        "description": "The sandbox's one user can do everything.",
        "policies": [{"effect": "allow", "actions": "all", "constraint": {}}],
        "permissions": {"ContentModel": "all", "ContentDelivery": "all", "Environments": "all",
                        "EnvironmentAliases": "all", "Settings": "all", "Tags": "all"},
        "sys": {"type": "Role", "id": "admin", "version": 1, "space": core.space_link()},
    });
    Ok(ok(&OffsetCollection::new(vec![admin], 1, 0, 100)))
}
