//! Delivery targets and the exact HTTP request of one attempt: headers, CRN, causes, signature, transformation.

use super::*;

// ---- Targets and requests -------------------------------------------------------------------

/// A custom header of a [`Target`], with its value even when secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetHeader {
    /// Header name.
    pub key: String,
    /// Header value, sent in plain text.
    pub value: String,
    /// Whether the value is hidden in the call log and in `Debug` output.
    pub secret: bool,
}

impl TargetHeader {
    /// A header whose value may be shown.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            secret: false,
        }
    }

    /// A header whose value is never shown.
    pub fn secret(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            secret: true,
            ..Self::new(key, value)
        }
    }
}

impl fmt::Debug for TargetHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.secret { REDACTED } else { &self.value };
        f.debug_struct("TargetHeader")
            .field("key", &self.key)
            .field("value", &value)
            .field("secret", &self.secret)
            .finish()
    }
}

/// The definition as the engine needs it, including secret header values (the API hides them;
/// the engine gets them from the store). Serialised only into the sandbox's owner-only outbox.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The definition's `sys.id`; deliveries are queued per webhook id.
    pub webhook_id: String,
    /// The definition's name (`X-Contentful-Webhook-Name`).
    pub name: String,
    /// Where deliveries go.
    pub url: String,
    /// Custom headers, secret values included.
    pub headers: Vec<TargetHeader>,
    /// HTTP basic auth user and password.
    pub basic_auth: Option<(String, String)>,
    /// The definition's `transformation`, verbatim.
    pub transformation: Option<Value>,
}

impl Target {
    /// A target with no custom headers, authentication or transformation.
    pub fn new(
        webhook_id: impl Into<String>,
        name: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        Self {
            webhook_id: webhook_id.into(),
            name: name.into(),
            url: url.into(),
            headers: Vec::new(),
            basic_auth: None,
            transformation: None,
        }
    }

    /// The target of a stored definition. The definition must be the store's full copy: a
    /// header without a value (as the API returns secret ones) is skipped. An empty basic auth
    /// user means no basic auth.
    pub fn from_definition(webhook_id: impl Into<String>, definition: &WebhookDefinition) -> Self {
        let headers = definition
            .headers
            .iter()
            .filter_map(|h| {
                Some(TargetHeader {
                    key: h.key.clone(),
                    value: h.value.clone()?,
                    secret: h.secret.unwrap_or(false),
                })
            })
            .collect();
        let basic_auth = definition
            .http_basic_username
            .as_ref()
            .filter(|user| !user.is_empty())
            .map(|user| {
                (
                    user.clone(),
                    definition.http_basic_password.clone().unwrap_or_default(),
                )
            });
        Self {
            webhook_id: webhook_id.into(),
            name: definition.name.clone(),
            url: definition.url.clone(),
            headers,
            basic_auth,
            transformation: definition.transformation.clone(),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("webhook_id", &self.webhook_id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field(
                "basic_auth",
                &self.basic_auth.as_ref().map(|(user, _)| (user, REDACTED)),
            )
            .field("transformation", &self.transformation)
            .finish()
    }
}

/// The full request a delivery makes: method, URL, headers (ordered) and body, built once per
/// attempt by [`build_request`].
#[derive(Clone, PartialEq, Eq)]
pub struct DeliveryRequest {
    /// `POST` unless a transformation says otherwise.
    pub method: String,
    /// The target URL (normalized when it parses).
    pub url: String,
    /// The path and query the receiver sees and the signature covers (`/hook?x=1`).
    pub path: String,
    /// Every header, in sending order. Values are sent as ISO-8859-1 bytes.
    pub headers: Vec<(String, String)>,
    /// The body; `None` for `GET` and `DELETE`.
    pub body: Option<String>,
    /// Lower-case names of headers whose values the log hides.
    sensitive: Vec<String>,
}

impl DeliveryRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body bytes (empty when there is no body).
    pub fn body_bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default().as_bytes()
    }

    /// Whether the log hides this header's value (secret custom headers, basic auth).
    pub fn is_sensitive(&self, name: &str) -> bool {
        self.sensitive.iter().any(|s| s.eq_ignore_ascii_case(name))
    }

    /// The request as the call log shows it: secret values redacted, body cut at
    /// [`REQUEST_BODY_LOG_LIMIT`] bytes.
    pub fn to_log(&self) -> WebhookCallRequest {
        let mut headers = Map::new();
        for (key, value) in &self.headers {
            let value = if self.is_sensitive(key) {
                REDACTED
            } else {
                value
            };
            insert_header(&mut headers, key, value);
        }
        WebhookCallRequest {
            url: self.url.clone(),
            method: self.method.clone(),
            headers,
            body: truncate_str(
                self.body.as_deref().unwrap_or_default(),
                REQUEST_BODY_LOG_LIMIT,
            )
            .to_owned(),
        }
    }
}

impl fmt::Debug for DeliveryRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if self.is_sensitive(k) { REDACTED } else { v };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("DeliveryRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.as_ref().map(String::len))
            .finish()
    }
}

/// Builds the full request of one delivery attempt (spec §6.2, §6.3).
///
/// Headers, in order: `Content-Type`, `X-Contentful-Topic`, `X-Contentful-Webhook-Name`,
/// `X-Contentful-Webhook-Request-Attempt`, `X-Contentful-Event-Datetime`,
/// `X-Contentful-Idempotency-Key`, `X-Contentful-CRN`, the cause headers that apply, the custom
/// headers, `Authorization: Basic …` when basic auth is set, and, when `secret` is given, the
/// three signature headers over [`SIGNED_HEADERS`], the method, the target's path and query,
/// and the body, at `now_ms`.
///
/// Custom headers that would replace one of the engine's own headers (or `Host`,
/// `Content-Length`, `Transfer-Encoding`, `Connection`; or `Authorization` when basic auth is
/// set), or whose name or value cannot be sent, are dropped with a warning.
///
/// The transformation (spec §6.1) may set `method` (`POST` default; `GET`, `PUT`, `PATCH`,
/// `DELETE`; `GET` and `DELETE` send no body), `contentType` (the form content types send the
/// body's top-level properties form-encoded) and `body`, a JSON template over
/// `{"payload": …, "topic": …}`: a string that is exactly `"{ /json/pointer }"` becomes the
/// pointed-at value (or `null`), and pointers inside a longer string are replaced by the value's
/// text (strings without quotes; nothing for a missing value).
pub fn build_request(
    target: &Target,
    event: &Event,
    space_id: &str,
    environment_id: &str,
    attempt: u32,
    secret: Option<&SigningSecret>,
    now_ms: i64,
) -> DeliveryRequest {
    let topic = event.topic.to_string();
    let shape = apply_transformation(target.transformation.as_ref(), event, &topic);
    let (url, path) = match url::Url::parse(&target.url) {
        Ok(url) => {
            let path = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            (url.to_string(), path)
        }
        Err(_) => (target.url.clone(), "/".to_owned()),
    };

    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".to_owned(), shape.content_type),
        (TOPIC_HEADER.to_owned(), topic),
        (
            WEBHOOK_NAME_HEADER.to_owned(),
            encode_webhook_name(&target.name),
        ),
        (ATTEMPT_HEADER.to_owned(), attempt.to_string()),
        (
            EVENT_DATETIME_HEADER.to_owned(),
            Timestamp(event.at).to_string(),
        ),
        (
            IDEMPOTENCY_KEY_HEADER.to_owned(),
            idempotency_key(&target.webhook_id, event),
        ),
    ];
    // Spec §6.2: the CRN only on Entry and Asset events; the context headers only on the entry
    // and asset (un)publish events an action caused — never on the actions' own events.
    let entity_event = matches!(event.topic.entity_type.as_str(), "Entry" | "Asset");
    if entity_event {
        headers.push((
            CRN_HEADER.to_owned(),
            crn(space_id, environment_id, &event.crn_path),
        ));
    }
    let publishing = entity_event && matches!(event.topic.action.as_str(), "publish" | "unpublish");
    let no_cause = Cause::default();
    let cause = if publishing { &event.cause } else { &no_cause };
    let cause_headers = [
        (RELEASE_ID_HEADER, &cause.release_id),
        (RELEASE_VERSION_ID_HEADER, &cause.release_version),
        (RELEASE_VERSION_HEADER, &cause.release_version),
        (RELEASE_ACTION_ID_HEADER, &cause.release_action_id),
        (BULK_ACTION_ID_HEADER, &cause.bulk_action_id),
        (SCHEDULED_ACTION_ID_HEADER, &cause.scheduled_action_id),
    ];
    for (name, value) in cause_headers {
        if let Some(value) = value.as_ref().filter(|v| header_value(v).is_some()) {
            headers.push((name.to_owned(), value.clone()));
        }
    }

    let mut sensitive = Vec::new();
    for header in &target.headers {
        let key = header.key.trim();
        if is_reserved(key, target.basic_auth.is_some()) {
            tracing::warn!(
                webhook = %target.webhook_id,
                header = key,
                "custom webhook header dropped: it would replace a header the sandbox sets"
            );
            continue;
        }
        if HeaderName::from_bytes(key.as_bytes()).is_err() || header_value(&header.value).is_none()
        {
            tracing::warn!(
                webhook = %target.webhook_id,
                header = key,
                "custom webhook header dropped: its name or value cannot be sent over HTTP"
            );
            continue;
        }
        if header.secret {
            sensitive.push(key.to_ascii_lowercase());
        }
        headers.push((key.to_owned(), header.value.clone()));
    }
    if let Some((user, password)) = &target.basic_auth {
        let credentials = base64(format!("{user}:{password}").as_bytes());
        headers.push(("Authorization".to_owned(), format!("Basic {credentials}")));
        sensitive.push("authorization".to_owned());
    }

    if let Some(secret) = secret {
        let to_sign: Vec<(&str, &str)> = headers
            .iter()
            .filter(|(key, _)| SIGNED_HEADERS.iter().any(|s| key.eq_ignore_ascii_case(s)))
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        let body = shape.body.as_deref().unwrap_or_default().as_bytes();
        let signed = sign_request(secret, &shape.method, &path, &to_sign, body, now_ms);
        headers.extend(
            signed
                .into_pairs()
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value)),
        );
    }

    DeliveryRequest {
        method: shape.method,
        url,
        path,
        headers,
        body: shape.body,
        sensitive,
    }
}

/// `Content-Type` and the rest of the engine's own headers cannot be replaced by custom ones.
fn is_reserved(key: &str, basic_auth: bool) -> bool {
    const RESERVED: [&str; 21] = [
        "content-type",
        "content-length",
        "transfer-encoding",
        "connection",
        "host",
        "x-contentful-topic",
        "x-contentful-webhook-name",
        "x-contentful-webhook-request-attempt",
        "x-contentful-event-datetime",
        "x-contentful-idempotency-key",
        "x-contentful-crn",
        RELEASE_ID_HEADER,
        RELEASE_VERSION_ID_HEADER,
        RELEASE_VERSION_HEADER,
        RELEASE_ACTION_ID_HEADER,
        BULK_ACTION_ID_HEADER,
        SCHEDULED_ACTION_ID_HEADER,
        crate::signing::SIGNATURE_HEADER,
        crate::signing::SIGNED_HEADERS_HEADER,
        crate::signing::TIMESTAMP_HEADER,
        "te",
    ];
    RESERVED.iter().any(|r| key.eq_ignore_ascii_case(r))
        || (basic_auth && key.eq_ignore_ascii_case("authorization"))
}

/// Method, content type and body after the transformation.
struct Shape {
    method: String,
    content_type: String,
    body: Option<String>,
}

fn apply_transformation(transformation: Option<&Value>, event: &Event, topic: &str) -> Shape {
    let transformation = transformation.and_then(Value::as_object);
    let field = |name: &str| transformation.and_then(|t| t.get(name));

    let method = field("method")
        .and_then(Value::as_str)
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| matches!(m.as_str(), "POST" | "GET" | "PUT" | "PATCH" | "DELETE"))
        .unwrap_or_else(|| "POST".to_owned());
    let content_type = field("contentType")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|ct| !ct.is_empty() && header_value(ct).is_some())
        .unwrap_or(CMA_CONTENT_TYPE)
        .to_owned();

    let body = if matches!(method.as_str(), "GET" | "DELETE") {
        None
    } else {
        let value = match field("body") {
            Some(template) => {
                let context = serde_json::json!({"payload": event.payload, "topic": topic});
                render_template(template, &context)
            }
            None => event.payload.clone(),
        };
        let form = content_type
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded");
        Some(if form {
            form_encode(&value)
        } else {
            value.to_string()
        })
    };
    Shape {
        method,
        content_type,
        body,
    }
}

/// Resolves `{ /pointer }` templates in every string of `template`.
fn render_template(template: &Value, context: &Value) -> Value {
    match template {
        Value::String(s) => {
            if let Some(pointer) = whole_pointer(s) {
                return context.pointer(pointer).cloned().unwrap_or(Value::Null);
            }
            Value::String(interpolate(s, context))
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| render_template(item, context))
                .collect(),
        ),
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| (key.clone(), render_template(value, context)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `"{ /a/b }"` → `Some("/a/b")`.
fn whole_pointer(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix('{')?.strip_suffix('}')?.trim();
    (inner.starts_with('/') && !inner.contains(['{', '}'])).then_some(inner)
}

/// Replaces every `{ /pointer }` inside `s` by the pointed-at value's text.
fn interpolate(s: &str, context: &Value) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let (before, from_open) = rest.split_at(open);
        out.push_str(before);
        let after_open = from_open.get(1..).unwrap_or_default();
        let close = after_open.find('}');
        let inner = close.and_then(|c| after_open.get(..c)).map(str::trim);
        match (close, inner) {
            (Some(close), Some(pointer)) if pointer.starts_with('/') && !pointer.contains('{') => {
                match context.pointer(pointer) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(text)) => out.push_str(text),
                    Some(other) => out.push_str(&other.to_string()),
                }
                rest = after_open.get(close + 1..).unwrap_or_default();
            }
            _ => {
                out.push('{');
                rest = after_open;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A JSON object as `key=value&…` (strings as they are, other values as JSON); anything else
/// as its JSON text.
fn form_encode(value: &Value) -> String {
    let Some(object) = value.as_object() else {
        return value.to_string();
    };
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in object {
        match value {
            Value::String(text) => form.append_pair(key, text),
            other => form.append_pair(key, &other.to_string()),
        };
    }
    form.finish()
}

/// The name as sent: unchanged, or percent-encoded (`encodeURIComponent`) when it has a
/// character above U+00FF (which Node cannot put in a header) or a control character.
fn encode_webhook_name(name: &str) -> String {
    if name.chars().any(|c| u32::from(c) > 0xFF || c.is_control()) {
        utf8_percent_encode(name, URI_COMPONENT).to_string()
    } else {
        name.to_owned()
    }
}

/// SHA-256 of webhook id, topic, entity id, event id and event time: stable across the retries
/// of one delivery, different for another event or another webhook.
fn idempotency_key(webhook_id: &str, event: &Event) -> String {
    let mut hasher = Sha256::new();
    let at = event.at.as_millisecond().to_string();
    let topic = event.topic.to_string();
    for part in [webhook_id, &topic, event.entity_id(), &event.id, &at] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(hasher.finalize())
}

fn crn(space_id: &str, environment_id: &str, crn_path: &str) -> String {
    format!(
        "crn:contentful:::content:spaces/{space_id}/environments/{environment_id}/{}",
        crn_path.trim_start_matches('/')
    )
}

/// A header value as ISO-8859-1 bytes; `None` if a character is above U+00FF or not allowed.
pub(super) fn header_value(value: &str) -> Option<HeaderValue> {
    let bytes = value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()?;
    HeaderValue::from_bytes(&bytes).ok()
}

/// Adds a header to a log map, joining repeated names with `, `.
pub(super) fn insert_header(map: &mut Map<String, Value>, key: &str, value: &str) {
    match map.get_mut(key) {
        Some(Value::String(existing)) => {
            existing.push_str(", ");
            existing.push_str(value);
        }
        _ => {
            map.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    }
}

/// `s` cut to at most `limit` bytes, at a character boundary.
pub(super) fn truncate_str(s: &str, limit: usize) -> &str {
    if s.len() <= limit {
        return s;
    }
    let mut end = limit;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

pub(super) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |n: u32, shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        out.push(sextet(n, 18));
        out.push(sextet(n, 12));
        out.push(if chunk.len() > 1 { sextet(n, 6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(n, 0) } else { '=' });
    }
    out
}

pub(super) use crate::cma::ids::new_id as random_id;
