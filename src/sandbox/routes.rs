//! The sandbox's HTTP surface: the axum router (behind [`super::guard`], which every request
//! passes: token, rate limit, request id, error shape), body and query extraction, paging, and
//! small shared helpers.
//!
//! Handlers live in `api_*` modules by area; each one checks the space/environment in its path,
//! calls the domain functions in one store transaction, and answers the `cma` types as JSON.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::core::Core;
use super::error::ApiErr;
pub use super::guard::RateGate;
use super::guard::guard;
use super::{api_content, api_model, api_releases, api_schedules, api_webhooks};
use crate::cma::CMA_CONTENT_TYPE;

/// Largest accepted request body (spec §7: 1 MB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// State shared by handlers.
pub type AppState = Arc<Core>;

/// Builds the router for a core; `rate` enables the optional rate limit.
pub fn router(core: Arc<Core>, rate: Option<Arc<RateGate>>) -> Router {
    let env = "/spaces/{space}/environments/{env}";
    let api = Router::new()
        .route("/spaces/{space}", get(api_content::get_space))
        .route(env, get(api_content::get_environment))
        .route(
            &format!("{env}/locales"),
            get(api_model::list_locales).post(api_model::post_locale),
        )
        .route(
            &format!("{env}/locales/{{id}}"),
            get(api_model::get_locale)
                .put(api_model::put_locale)
                .delete(api_model::delete_locale),
        )
        .route(
            &format!("{env}/content_types"),
            get(api_content::list_content_types).post(api_model::post_content_type),
        )
        .route(
            &format!("{env}/content_types/{{id}}"),
            get(api_content::get_content_type)
                .put(api_model::put_content_type)
                .delete(api_model::delete_content_type),
        )
        .route(
            &format!("{env}/content_types/{{id}}/published"),
            put(api_model::publish_content_type).delete(api_model::unpublish_content_type),
        )
        .route(
            &format!("{env}/content_types/{{id}}/editor_interface"),
            get(api_model::get_editor_interface).put(api_model::put_editor_interface),
        )
        .route(
            &format!("{env}/editor_interfaces"),
            get(api_model::list_editor_interfaces),
        )
        .route(&format!("{env}/tags"), get(api_model::list_tags))
        .route(
            &format!("{env}/tags/{{id}}"),
            get(api_model::get_tag).put(api_model::put_tag),
        )
        .route(
            &format!("{env}/assets/{{id}}/files/{{locale}}/process"),
            put(api_content::process_asset),
        )
        .route("/spaces/{space}/roles", get(api_model::list_roles))
        .route(
            &format!("{env}/public/entries"),
            get(api_content::list_public_entries),
        )
        .route(
            &format!("{env}/{{kind}}"),
            get(api_content::list_entities).post(api_content::create_entity),
        )
        .route(
            &format!("{env}/{{kind}}/{{id}}"),
            get(api_content::get_entity)
                .put(api_content::put_entity)
                .delete(api_content::delete_entity),
        )
        .route(
            &format!("{env}/{{kind}}/{{id}}/published"),
            put(api_content::publish_entity).delete(api_content::unpublish_entity),
        )
        .route(
            &format!("{env}/{{kind}}/{{id}}/archived"),
            put(api_content::archive_entity).delete(api_content::unarchive_entity),
        )
        .route(
            &format!("{env}/releases"),
            get(api_releases::list_releases).post(api_releases::create_release),
        )
        .route(
            &format!("{env}/releases/{{id}}"),
            get(api_releases::get_release)
                .put(api_releases::put_release)
                .delete(api_releases::delete_release),
        )
        .route(
            &format!("{env}/releases/{{id}}/published"),
            put(api_releases::publish_release).delete(api_releases::unpublish_release),
        )
        .route(
            &format!("{env}/releases/{{id}}/archived"),
            put(api_releases::archive_release).delete(api_releases::unarchive_release),
        )
        .route(
            &format!("{env}/releases/{{id}}/validate"),
            post(api_releases::validate_release),
        )
        .route(
            &format!("{env}/releases/{{id}}/actions/{{action}}"),
            get(api_releases::get_release_action),
        )
        .route(
            &format!("{env}/release_actions"),
            get(api_releases::list_release_actions),
        )
        .route(
            &format!("{env}/bulk_actions"),
            post(api_releases::start_bulk_action_v2),
        )
        .route(
            // `{action}` is the v1 action on POST and the action id on GET (v2, spec §10.2).
            &format!("{env}/bulk_actions/{{action}}"),
            post(api_releases::start_bulk_action).get(api_releases::get_bulk_action),
        )
        .route(
            &format!("{env}/bulk_actions/actions/{{id}}"),
            get(api_releases::get_bulk_action),
        )
        .route(
            "/spaces/{space}/scheduled_actions",
            get(api_schedules::list).post(api_schedules::create),
        )
        .route(
            "/spaces/{space}/scheduled_actions/{id}",
            get(api_schedules::get)
                .put(api_schedules::update)
                .delete(api_schedules::cancel),
        )
        .route(
            "/spaces/{space}/webhook_definitions",
            get(api_webhooks::list).post(api_webhooks::create),
        )
        .route(
            "/spaces/{space}/webhook_definitions/{id}",
            get(api_webhooks::get)
                .put(api_webhooks::put)
                .delete(api_webhooks::delete),
        )
        .route(
            "/spaces/{space}/webhook_settings/signing_secret",
            get(api_webhooks::get_secret)
                .put(api_webhooks::put_secret)
                .delete(api_webhooks::delete_secret),
        )
        .route(
            "/spaces/{space}/webhooks/{id}/calls",
            get(api_webhooks::calls),
        )
        .route(
            "/spaces/{space}/webhooks/{id}/calls/{call}",
            get(api_webhooks::call_details),
        )
        .route(
            "/spaces/{space}/webhooks/{id}/health",
            get(api_webhooks::health),
        )
        .route("/spaces/{space}/_sandbox/reset", post(reset))
        .route(
            "/spaces/{space}/_sandbox/load",
            post(super::api_load::load)
                .layer(DefaultBodyLimit::max(super::api_load::MAX_EXPORT_BYTES)),
        )
        .fallback(|| async { ApiErr::not_found("Route", "unknown path") });
    let rate = rate.unwrap_or_else(|| Arc::new(RateGate::advertise_only()));
    api.layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state((core.clone(), rate), guard))
        .with_state(core)
}

/// Delays every response by `latency` (`--latency`): the answer is computed, then held back on
/// the runtime's timer (no thread waits), so a slow link is emulated without slowing the
/// sandbox's other requests. Zero leaves the router as it is.
pub fn with_latency(router: Router, latency: std::time::Duration) -> Router {
    if latency.is_zero() {
        return router;
    }
    router.layer(middleware::from_fn(
        move |request: Request, next: middleware::Next| async move {
            let response = next.run(request).await;
            tokio::time::sleep(latency).await;
            response
        },
    ))
}

/// `POST /spaces/{s}/_sandbox/reset` (Release Desk extension): restores the seed data. An
/// optional body `{"publishing":"entry"|"locale"}` switches the environment's publishing mode
/// first (\[I\] spec §10.1: the embedded sandbox offers the choice when it resets the demo).
async fn reset(
    State(core): State<Arc<Core>>,
    axum::extract::Path(params): axum::extract::Path<Params>,
    body: axum::body::Bytes,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let publishing = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| ApiErr::bad_request(format!("The body is not JSON: {e}")))?;
        match value.get("publishing").and_then(serde_json::Value::as_str) {
            None => None,
            Some("entry") => Some(super::timeline::PublishingMode::Entry),
            Some("locale") => Some(super::timeline::PublishingMode::Locale),
            Some(other) => {
                return Err(ApiErr::bad_request(format!(
                    "publishing must be \"entry\" or \"locale\", not \"{other}\""
                )));
            }
        }
    };
    super::reset(&core, publishing)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A JSON answer with the CMA content type.
pub fn reply<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static(CMA_CONTENT_TYPE),
            );
            response
        }
        Err(e) => ApiErr::internal(e).into_response(),
    }
}

/// 200 with JSON.
pub fn ok<T: Serialize>(value: &T) -> Response {
    reply(StatusCode::OK, value)
}

/// A request body read as JSON; an empty body is `None` (the SDK sends empty bodies with the
/// JSON content type on `PUT …/published`).
pub struct Body<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiErr;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiErr::too_large()
            } else {
                ApiErr::bad_request(rejection.body_text())
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        // Every CMA request body is a JSON object; serde would read a struct from an array too.
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiErr::bad_request(format!("The request body is not valid JSON: {e}")))?;
        if !value.is_object() {
            return Err(ApiErr::bad_request(
                "The request body must be a JSON object.",
            ));
        }
        serde_json::from_value(value)
            .map(|v| Self(Some(v)))
            .map_err(|e| ApiErr::bad_request(format!("The request body is not valid: {e}")))
    }
}

impl<T> Body<T> {
    /// The body, or 400 when it was empty.
    pub fn required(self) -> Result<T, ApiErr> {
        self.0
            .ok_or_else(|| ApiErr::bad_request("A JSON request body is required."))
    }
}

/// Path parameters by name.
pub type Params = HashMap<String, String>;

/// Checks the space (and environment, when the path has one) of a request.
pub fn scope(core: &Core, params: &Params) -> Result<(), ApiErr> {
    if let Some(space) = params.get("space")
        && *space != core.space_id
    {
        return Err(ApiErr::not_found("Space", space));
    }
    if let Some(env) = params.get("env")
        && *env != core.env_id
    {
        return Err(ApiErr::not_found("Environment", env));
    }
    Ok(())
}

/// A path parameter that the route guarantees.
pub fn param<'p>(params: &'p Params, name: &str) -> &'p str {
    params.get(name).map_or("", String::as_str)
}

/// The `X-Contentful-Version` header: `None` when absent, 400 when unparsable.
pub fn version_header(headers: &HeaderMap) -> Result<Option<u64>, ApiErr> {
    match headers.get("x-contentful-version") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Some)
            .ok_or_else(ApiErr::missing_version),
    }
}

/// Query parameters, in order.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A comma list (`a,b,c`), empty items dropped.
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }

    /// Keeps the items whose `field` is in the comma list `key` (`…[in]`), if the query has it.
    pub fn retain_in<T>(&self, items: &mut Vec<T>, key: &str, field: impl Fn(&T) -> &str) {
        if let Some(values) = self.list(key) {
            items.retain(|item| values.iter().any(|v| v == field(item)));
        }
    }

    /// Drops the items whose `field` is in the comma list `key` (`…[nin]`), if the query has it.
    pub fn retain_nin<T>(&self, items: &mut Vec<T>, key: &str, field: impl Fn(&T) -> &str) {
        if let Some(values) = self.list(key) {
            items.retain(|item| !values.iter().any(|v| v == field(item)));
        }
    }

    /// Refuses (400 `InvalidQuery`) any parameter that is not in `known`: a filter the sandbox
    /// silently ignored would widen the result (a migration's `transformEntries` would then
    /// touch every entry). A `known` name ending in `*` admits every parameter with that prefix.
    pub fn allow(&self, known: &[&str]) -> Result<(), ApiErr> {
        for (key, _) in &self.0 {
            let is_known = known.iter().any(|k| match k.strip_suffix('*') {
                Some(prefix) => key.starts_with(prefix),
                None => k == key,
            });
            if !is_known {
                return Err(ApiErr::invalid_query(format!(
                    "The query parameter '{key}' is not supported here"
                ))
                .with_details(serde_json::json!({"errors": [{
                    "name": "unknown", "path": [key],
                    "details": format!("The path \"{key}\" is not recognized")
                }]})));
            }
        }
        Ok(())
    }

    /// `limit`: default 100, at most 1000, at least 1 (400 InvalidQuery otherwise).
    pub fn limit(&self) -> Result<usize, ApiErr> {
        self.number("limit", 100).and_then(|n| {
            if n == 0 || n > 1000 {
                Err(ApiErr::invalid_query(format!(
                    "limit must be between 1 and 1000, not {n}"
                )))
            } else {
                Ok(n)
            }
        })
    }

    /// `skip`: default 0.
    pub fn skip(&self) -> Result<usize, ApiErr> {
        self.number("skip", 0)
    }

    fn number(&self, key: &str, default: usize) -> Result<usize, ApiErr> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| {
                ApiErr::invalid_query(format!("{key} must be a non-negative integer, not '{v}'"))
            }),
        }
    }

    /// The query without the given keys, encoded, for building `pages.next`.
    pub fn encode_without(&self, drop: &[&str]) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if !drop.contains(&k.as_str()) {
                out.append_pair(k, v);
            }
        }
        out.finish()
    }
}

/// Decodes an opaque page cursor (the offset of the next page).
pub fn decode_cursor(token: &str) -> Result<usize, ApiErr> {
    // A whole `pages.next` URL passed back as the cursor (as third-party code does) works too.
    let cursor = crate::cma::cursor_from(token);
    cursor
        .as_deref()
        .unwrap_or(token)
        .strip_prefix("c")
        .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        .ok_or_else(|| ApiErr::invalid_query(format!("'{token}' is not a valid page cursor")))
}

/// Encodes an offset as an opaque page cursor.
pub fn encode_cursor(offset: usize) -> String {
    format!("c{offset:x}")
}

/// How a cursor collection links its neighbouring pages (spec §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageLinks {
    /// A relative URL keeping every filter, with `pageNext=` / `pagePrev=` (releases, entries,
    /// assets, content types).
    Url,
    /// A bare opaque token, passed back as `next=` / `prev=` (scheduled actions).
    Token,
}

/// Where a cursor request starts: the offset its `pageNext`/`pagePrev` (or `next`/`prev`)
/// token holds, and the page size. `skip`, or both directions at once, is 400 `InvalidQuery`.
pub fn cursor_window(query: &QueryParams) -> Result<(usize, usize), ApiErr> {
    let limit = query.limit()?;
    if query.get("skip").is_some() {
        return Err(ApiErr::invalid_query(
            "skip cannot be combined with cursor paging; follow pages.next instead",
        ));
    }
    // Either form is accepted when sent back (third-party code passes URLs or tokens).
    let forward_token = CURSOR_FORWARD.iter().find_map(|k| query.get(k));
    let backward_token = CURSOR_BACKWARD.iter().find_map(|k| query.get(k));
    let offset = match (forward_token, backward_token) {
        (Some(_), Some(_)) => {
            return Err(ApiErr::invalid_query(
                "send at most one of pageNext and pagePrev",
            ));
        }
        (Some(token), None) | (None, Some(token)) => decode_cursor(token)?,
        (None, None) => 0,
    };
    Ok((offset, limit))
}

const CURSOR_FORWARD: [&str; 2] = ["pageNext", "next"];
const CURSOR_BACKWARD: [&str; 2] = ["pagePrev", "prev"];

/// A cursor collection: one page that starts at `offset` (from [`cursor_window`]), with
/// `pages.next` when `has_next` and `pages.prev` when it is not the first page.
pub fn cursor_collection<T: Serialize>(
    page: Vec<T>,
    has_next: bool,
    (offset, limit): (usize, usize),
    query: &QueryParams,
    path: &str,
    links: PageLinks,
) -> CursorPage<T> {
    let mut pages = serde_json::Map::new();
    let cursor_keys: Vec<&str> = CURSOR_FORWARD
        .iter()
        .chain(CURSOR_BACKWARD.iter())
        .copied()
        .collect();
    let base = query.encode_without(&cursor_keys);
    let sep = if base.is_empty() { "" } else { "&" };
    let link = |key: &str, cursor: String| match links {
        PageLinks::Url => format!("{path}?{base}{sep}{key}={cursor}"),
        PageLinks::Token => cursor,
    };
    if has_next {
        // A forged cursor may hold any offset: saturate rather than overflow.
        let end = offset.saturating_add(limit);
        pages.insert("next".into(), link("pageNext", encode_cursor(end)).into());
    }
    if offset > 0 {
        pages.insert(
            "prev".into(),
            link("pagePrev", encode_cursor(offset.saturating_sub(limit))).into(),
        );
    }
    CursorPage {
        sys: crate::cma::ArraySys::default(),
        limit,
        items: page,
        pages,
    }
}

/// A page of a cursor-paged list as it is served: `{"sys":{"type":"Array"},"limit",
/// "items","pages"}`. A struct rather than a `serde_json::Value`, so that items kept as raw
/// JSON ([`stored_json`]) are written out as they are stored, never decoded.
#[derive(Debug, Serialize)]
pub struct CursorPage<T> {
    sys: crate::cma::ArraySys,
    limit: usize,
    items: Vec<T>,
    pages: serde_json::Map<String, serde_json::Value>,
}

/// Pages a sorted list with a cursor: the page, and `pages` (`{}` on the last page).
pub fn cursor_page<T: Serialize>(
    items: Vec<T>,
    query: &QueryParams,
    path: &str,
    links: PageLinks,
) -> Result<CursorPage<T>, ApiErr> {
    let (offset, limit) = cursor_window(query)?;
    let has_next = offset.saturating_add(limit) < items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    Ok(cursor_collection(
        page,
        has_next,
        (offset, limit),
        query,
        path,
        links,
    ))
}

/// A cursor page of an index [`Select`](super::index::Select): `limit + 1` rows are read from
/// the cursor's offset, so whether a next page exists is known without a count.
pub fn select_cursor_page(
    tx: &super::store::Tx<'_>,
    select: &super::index::Select,
    query: &QueryParams,
    path: &str,
    links: PageLinks,
    load: impl Fn(&super::store::Tx<'_>, &str, String) -> Result<Box<RawValue>, ApiErr>,
) -> Result<CursorPage<Box<RawValue>>, ApiErr> {
    let (offset, limit) = cursor_window(query)?;
    let mut rows = select
        .page(tx.sql(), offset, limit.saturating_add(1))
        .map_err(super::store::StoreError::from)?;
    let has_next = rows.len() > limit;
    rows.truncate(limit);
    let page = rows
        .into_iter()
        .map(|(id, json)| load(tx, &id, json))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(cursor_collection(
        page,
        has_next,
        (offset, limit),
        query,
        path,
        links,
    ))
}

/// A stored document's JSON as it is served (the index pages hand out raw JSON). It is checked
/// to be JSON (a corrupt row is a typed error, never a broken page) but not decoded into a
/// tree: a list page writes its items out as they are stored.
pub fn stored_json(kind: &str, id: &str, json: String) -> Result<Box<RawValue>, ApiErr> {
    RawValue::from_string(json).map_err(|e| {
        ApiErr::from(super::store::StoreError::Corrupt {
            kind: kind.to_owned(),
            id: id.to_owned(),
            message: e.to_string(),
        })
    })
}

/// The `(descending, key)` pairs of an `order` parameter (`-` prefix for descending).
pub fn order_keys(order: &str) -> Vec<(bool, &str)> {
    order
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|f| match f.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, f),
        })
        .collect()
}

/// An `order` key no list of this kind sorts by: accepted and ignored when it is one the
/// sandbox knows elsewhere (as before the index), refused otherwise.
pub fn unknown_order(field: &str) -> Result<(), ApiErr> {
    if known_order(field) {
        Ok(())
    } else {
        Err(ApiErr::invalid_query(format!("cannot order by '{field}'")))
    }
}

/// Sorts by an `order` parameter over named keys (`-` prefix for descending).
pub fn sort_by_order<T>(
    items: &mut [T],
    order: &str,
    key: impl Fn(&T, &str) -> Option<String>,
) -> Result<(), ApiErr> {
    let fields: Vec<(bool, String)> = order
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|f| match f.strip_prefix('-') {
            Some(rest) => (true, rest.to_owned()),
            None => (false, f.to_owned()),
        })
        .collect();
    for (_, field) in &fields {
        if items
            .first()
            .is_some_and(|first| key(first, field).is_none())
            && !known_order(field)
        {
            return Err(ApiErr::invalid_query(format!("cannot order by '{field}'")));
        }
    }
    items.sort_by(|a, b| {
        for (descending, field) in &fields {
            let ord = key(a, field).cmp(&key(b, field));
            let ord = if *descending { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(())
}

fn known_order(field: &str) -> bool {
    matches!(
        field,
        "sys.createdAt" | "sys.updatedAt" | "title" | "sys.id" | "scheduledFor.datetime"
    )
}
