//! Handlers for webhook definitions, the signing secret, and the webhook call log.
//!
//! Definitions are stored with their secret header values (the dispatcher needs them) and served
//! without them; `httpBasicPassword` is never served either.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::core::{Core, SIGNING_SECRET_KEY, new_id, to_value, valid_id};
use super::entities::check_version;
use super::error::ApiErr;
use super::routes::{Body, Params, QueryParams, ok, param, reply, scope, version_header};
use super::store::{Tx, kind};
use crate::cma::{
    Extra, OffsetCollection, SigningSecretBody, WebhookDefinition, WebhookSigningSecret, WebhookSys,
};
use crate::signing::SigningSecret;

/// The definition as the API shows it: secret header values and the basic-auth password removed.
pub fn redact(mut hook: WebhookDefinition) -> WebhookDefinition {
    for header in &mut hook.headers {
        if header.secret == Some(true) {
            header.value = None;
        }
    }
    hook.http_basic_password = None;
    hook
}

fn check(hook: &WebhookDefinition) -> Result<(), ApiErr> {
    let mut errors = Vec::new();
    if hook.name.trim().is_empty() {
        errors.push(json!({"name": "required", "path": ["name"], "details": "The property \"name\" is required here"}));
    }
    match url::Url::parse(&hook.url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {}
        _ => errors.push(json!({"name": "regexp", "path": ["url"], "value": hook.url,
            "details": "The URL must be an absolute http or https URL"})),
    }
    for (i, topic) in hook.topics.iter().enumerate() {
        let parts: Vec<&str> = topic.split('.').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
            errors.push(
                json!({"name": "regexp", "path": ["topics", i], "value": topic,
                "details": "A topic is Type.action, where either part may be *"}),
            );
        }
    }
    if hook.topics.is_empty() {
        errors.push(json!({"name": "size", "path": ["topics"], "min": 1, "details": "At least one topic is required"}));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiErr::invalid_body(errors))
    }
}

fn load(tx: &Tx<'_>, id: &str) -> Result<WebhookDefinition, ApiErr> {
    tx.get(kind::WEBHOOK, id)?
        .ok_or_else(|| ApiErr::not_found("WebhookDefinition", id))
}

/// Stores a new definition (used by the API and the seed).
pub fn insert(
    core: &Core,
    tx: &Tx<'_>,
    id: &str,
    mut hook: WebhookDefinition,
) -> Result<WebhookDefinition, ApiErr> {
    check(&hook)?;
    let now = core.now();
    hook.sys = Some(WebhookSys {
        type_: "WebhookDefinition".into(),
        id: id.to_owned(),
        version: 1,
        space: Some(core.space_link()),
        created_at: Some(now),
        created_by: Some(core.user()),
        updated_at: Some(now),
        updated_by: Some(core.user()),
        extra: Extra::new(),
    });
    tx.put(kind::WEBHOOK, id, &hook)?;
    Ok(hook)
}

/// `GET /webhook_definitions`.
pub async fn list(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let q = QueryParams::parse(raw.as_deref());
    // `order` is accepted: definitions are kept in creation order, what the tools ask for.
    q.allow(&["skip", "limit", "order"])?;
    let all: Vec<WebhookDefinition> = core.read(|tx| Ok(tx.all(kind::WEBHOOK)?))?;
    let (limit, skip) = (q.limit()?, q.skip()?);
    let total = all.len() as u64;
    let items: Vec<WebhookDefinition> =
        all.into_iter().skip(skip).take(limit).map(redact).collect();
    Ok(ok(&OffsetCollection::new(
        items,
        total,
        skip as u64,
        limit as u64,
    )))
}

/// `POST /webhook_definitions` (201).
pub async fn create(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    body: Body<WebhookDefinition>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let hook = body.required()?;
    let id = new_id();
    let hook = core.write(|tx, _| insert(&core, tx, &id, hook))?;
    Ok(reply(StatusCode::CREATED, &redact(hook)))
}

/// `GET /webhook_definitions/{id}`.
pub async fn get(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let hook = core.read(|tx| load(tx, param(&params, "id")))?;
    Ok(ok(&redact(hook)))
}

/// `PUT /webhook_definitions/{id}`: create (no version needed) or update (with the version).
/// A secret header sent without a value keeps its stored value.
pub async fn put(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    headers: HeaderMap,
    body: Body<WebhookDefinition>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id").to_owned();
    let version = version_header(&headers)?;
    let mut hook = body.required()?;
    let (status, hook) = core.write(|tx, _| {
        let Some(old) = tx.get::<WebhookDefinition>(kind::WEBHOOK, &id)? else {
            if !valid_id(&id) {
                return Err(ApiErr::bad_request(format!("'{id}' is not a valid id")));
            }
            return insert(&core, tx, &id, hook).map(|h| (StatusCode::CREATED, h));
        };
        let mut sys = old
            .sys
            .clone()
            .ok_or_else(|| ApiErr::internal("webhook without sys"))?;
        check_version(sys.version, version)?;
        check(&hook)?;
        for header in &mut hook.headers {
            if header.value.is_none()
                && let Some(previous) = old.headers.iter().find(|h| h.key == header.key)
            {
                header.value = previous.value.clone();
            }
        }
        if hook.http_basic_username.is_some() && hook.http_basic_password.is_none() {
            hook.http_basic_password = old.http_basic_password.clone();
        }
        sys.version += 1;
        sys.updated_at = Some(core.now());
        sys.updated_by = Some(core.user());
        hook.sys = Some(sys);
        tx.put(kind::WEBHOOK, &id, &hook)?;
        Ok((StatusCode::OK, hook))
    })?;
    Ok(reply(status, &redact(hook)))
}

/// `DELETE /webhook_definitions/{id}` (204).
pub async fn delete(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id");
    core.write(|tx, _| {
        load(tx, id)?;
        tx.delete(kind::WEBHOOK, id)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn secret_reply(core: &Core, secret: &SigningSecret) -> WebhookSigningSecret {
    let mut sys = serde_json::Map::new();
    sys.insert("type".into(), "WebhookSigningSecret".into());
    sys.insert("id".into(), core.space_id.clone().into());
    sys.insert("space".into(), to_value(&core.space_link()));
    WebhookSigningSecret {
        redacted_value: secret.redacted(),
        sys,
    }
}

/// `GET /webhook_settings/signing_secret`: only the redacted value.
pub async fn get_secret(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let secret = core.read(|tx| Ok(tx.setting(SIGNING_SECRET_KEY)?))?;
    let secret = secret
        .and_then(|s| SigningSecret::new(s).ok())
        .ok_or_else(|| ApiErr::not_found("WebhookSigningSecret", &core.space_id))?;
    Ok(ok(&secret_reply(&core, &secret)))
}

/// `PUT /webhook_settings/signing_secret {"value":…}`.
pub async fn put_secret(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    body: Body<SigningSecretBody>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let body = body.required()?;
    let secret = SigningSecret::new(body.value).map_err(|e| {
        ApiErr::invalid_body(vec![
            json!({"name": "regexp", "path": ["value"], "details": e.to_string()}),
        ])
    })?;
    core.write(|tx, _| Ok(tx.set_setting(SIGNING_SECRET_KEY, secret.expose())?))?;
    Ok(ok(&secret_reply(&core, &secret)))
}

/// `DELETE /webhook_settings/signing_secret` (204).
pub async fn delete_secret(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    core.write(|tx, _| Ok(tx.delete_setting(SIGNING_SECRET_KEY)?))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The overview form of a stored call: details without request/response.
fn overview(mut details: Value) -> Value {
    if let Some(obj) = details.as_object_mut() {
        obj.remove("request");
        obj.remove("response");
        if let Some(sys) = obj.get_mut("sys").and_then(Value::as_object_mut) {
            sys.insert("type".into(), "WebhookCallOverview".into());
        }
    }
    details
}

/// `GET /webhooks/{id}/calls`: newest first, offset paging.
pub async fn calls(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let q = QueryParams::parse(raw.as_deref());
    q.allow(&["skip", "limit"])?;
    let id = param(&params, "id");
    let (limit, skip) = (q.limit()?, q.skip()?);
    let (items, total) = core.read(|tx| {
        load(tx, id)?;
        Ok(tx.calls(id, skip as u64, limit as u64)?)
    })?;
    let items: Vec<Value> = items.into_iter().map(overview).collect();
    Ok(ok(&OffsetCollection::new(
        items,
        total,
        skip as u64,
        limit as u64,
    )))
}

/// `GET /webhooks/{id}/calls/{call}`.
pub async fn call_details(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let (id, call) = (param(&params, "id"), param(&params, "call"));
    let details = core.read(|tx| tx.call(id, call).map_err(ApiErr::from))?;
    details
        .map(|d| ok(&d))
        .ok_or_else(|| ApiErr::not_found("WebhookCallDetails", call))
}

/// `GET /webhooks/{id}/health`: calls over the last 30 days.
pub async fn health(
    State(core): State<Arc<Core>>,
    Path(params): Path<Params>,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let id = param(&params, "id");
    let since = core.now().as_millis() - 30 * 24 * 3600 * 1000;
    let (total, healthy) = core.read(|tx| {
        load(tx, id)?;
        Ok(tx.call_health(id, since)?)
    })?;
    Ok(ok(&json!({
        "calls": {"total": total, "healthy": healthy},
        "sys": {"type": "Webhook", "id": id, "space": core.space_link(),
                "createdBy": {"sys": {"type": "Link", "linkType": "WebhookDefinition", "id": id}}}
    })))
}
