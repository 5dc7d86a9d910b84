//! [`Client`]: the one way Release Desk talks to a CMA — Contentful's or the embedded sandbox's.
//!
//! It owns transport concerns so no caller has to: the base URL and paths, the bearer token
//! (never logged, never in an error), the CMA content type, `X-Contentful-Version` on versioned
//! mutations, a client-side rate limiter shared by every clone, retries with backoff and jitter,
//! and the mapping of every failure to a [`CmaError`].
//!
//! Retry rules (after the official SDK's `rate-limit.ts`, made safe for non-idempotent calls):
//! - 429 is retried for every method: the server refused the request before doing anything.
//!   The wait is `X-Contentful-RateLimit-Reset` seconds when given.
//! - 5xx, timeouts and broken connections are retried only for GET, PUT and DELETE, which the CMA
//!   makes idempotent (a PUT carries the version it expects). A POST is not repeated: it may have
//!   taken effect.
//! - A connection that could not be opened is retried for every method (nothing was sent).
//! - 409 is never retried: it surfaces as [`CmaError::Conflict`].

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{Stream, TryStreamExt, stream};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::{CmaError, ErrorBody};

/// The CMA media type, sent on every request.
pub const CMA_CONTENT_TYPE: &str = "application/vnd.contentful.management.v1+json";
/// The optimistic-locking header.
pub const VERSION_HEADER: &str = "x-contentful-version";
/// Seconds until the rate limit allows another request.
pub const RATE_LIMIT_RESET_HEADER: &str = "x-contentful-ratelimit-reset";
/// Contentful's id for a request, for support.
pub const REQUEST_ID_HEADER: &str = "x-contentful-request-id";

/// A CMA personal access token. It can only be read through [`AccessToken::expose`]; `Debug`
/// prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself; only for putting it in a header or a file with owner-only permissions.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// Which Contentful API host to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Region {
    /// `https://api.contentful.com`.
    Us,
    /// `https://api.eu.contentful.com` (EU data residency).
    Eu,
    /// Any base URL: the local sandbox, a proxy.
    Custom(Url),
}

impl Region {
    /// The base URL of the region's management API.
    pub fn base_url(&self) -> Url {
        match self {
            Self::Us => Url::parse("https://api.contentful.com").expect("static URL is valid"),
            Self::Eu => Url::parse("https://api.eu.contentful.com").expect("static URL is valid"),
            Self::Custom(url) => url.clone(),
        }
    }
}

/// How failed requests are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (the SDK uses 5).
    pub max_retries: u32,
    /// Retries of a connection that could not be opened (DNS, refused, unreachable): few, so an
    /// unreachable host is reported within seconds, not after every backoff step.
    pub max_connect_retries: u32,
    /// The backoff unit: attempt `n` waits `unit · √2ⁿ` (when no Reset header says otherwise).
    pub unit: Duration,
    /// Added to every wait (the SDK adds 500 ms).
    pub extra: Duration,
    /// Up to this much random jitter is added to every wait (the SDK uses 200 ms).
    pub jitter: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            max_connect_retries: 2,
            unit: Duration::from_secs(1),
            extra: Duration::from_millis(500),
            jitter: Duration::from_millis(200),
        }
    }
}

/// How one attempt of a call ended, as far as retrying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The connection could not be opened: nothing reached the server.
    NotConnected,
    /// The request may have reached the server, then the transport failed (a timeout, a reset,
    /// a body cut short).
    Broken,
    /// The server answered with this HTTP status.
    Status(u16),
}

/// What to do after an attempt that did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after [`RetryPolicy::delay`].
    Retry,
    /// Give up and report what happened.
    Stop,
}

impl RetryPolicy {
    /// The retry rules of this module's doc as a pure function: after `outcome` of a call
    /// (`idempotent`: GET, PUT, DELETE, HEAD), when `attempt` retries were made already.
    pub fn classify(
        &self,
        outcome: AttemptOutcome,
        idempotent: bool,
        attempt: u32,
    ) -> RetryDecision {
        if attempt >= self.max_retries {
            return RetryDecision::Stop;
        }
        let retry = match outcome {
            // Nothing was sent: safe for every method, a few times.
            AttemptOutcome::NotConnected => attempt < self.max_connect_retries,
            // It may have taken effect: only what repeating cannot change twice.
            AttemptOutcome::Broken => idempotent,
            // Refused before anything was done.
            AttemptOutcome::Status(429) => true,
            AttemptOutcome::Status(status) if (500..600).contains(&status) => idempotent,
            // Success, 409 and every other 4xx are final.
            AttemptOutcome::Status(_) => false,
        };
        if retry {
            RetryDecision::Retry
        } else {
            RetryDecision::Stop
        }
    }

    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            max_connect_retries: 0,
            ..Self::default()
        }
    }

    /// The wait before retry number `attempt` (1-based).
    pub fn delay(&self, attempt: u32, reset_secs: Option<u64>) -> Duration {
        let base = match reset_secs {
            Some(secs) => Duration::from_secs(secs),
            None => self
                .unit
                .mul_f64(std::f64::consts::SQRT_2.powi(attempt as i32)),
        };
        let jitter_ms = self.jitter.as_millis() as u64;
        let jitter = if jitter_ms == 0 {
            Duration::ZERO
        } else {
            Duration::from_millis(rand::random_range(0..=jitter_ms))
        };
        base + self.extra + jitter
    }
}

/// Everything a [`Client`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API's base URL (no trailing path; `/spaces/…` is appended).
    pub base_url: Url,
    /// The bearer token.
    pub token: AccessToken,
    /// The space id.
    pub space_id: String,
    /// The environment id (`master`).
    pub environment_id: String,
    /// Requests per second for all clones of the client together; `None` for no limit
    /// (the local sandbox). Contentful's free plans allow 7.
    pub rate_limit: Option<NonZeroU32>,
    /// Retry behaviour.
    pub retry: RetryPolicy,
    /// Timeout of one attempt.
    pub request_timeout: Duration,
    /// Timeout for opening a connection.
    pub connect_timeout: Duration,
}

impl ClientConfig {
    /// A configuration with Contentful's defaults: 7 requests/s, 5 retries, 30 s timeout.
    pub fn new(
        region: Region,
        token: AccessToken,
        space_id: impl Into<String>,
        environment_id: impl Into<String>,
    ) -> Self {
        Self {
            base_url: region.base_url(),
            token,
            space_id: space_id.into(),
            environment_id: environment_id.into(),
            rate_limit: NonZeroU32::new(7),
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Query parameters, in order; `set` replaces an earlier value of the same key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`, replacing an earlier value.
    pub fn set(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.insert(key, value);
        self
    }

    /// Sets `key` to `value` in place.
    pub fn insert(&mut self, key: impl Into<String>, value: impl ToString) {
        let key = key.into();
        let value = value.to_string();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// `limit=n`.
    pub fn limit(self, n: u64) -> Self {
        self.set("limit", n)
    }

    /// `sys.id[in]=…` for one batch of ids ([`crate::cma::ids::id_batches`]), with a `limit`
    /// that fits them all.
    pub fn ids_in<S: AsRef<str>>(batch: &[S]) -> Self {
        let ids: Vec<&str> = batch.iter().map(AsRef::as_ref).collect();
        Self::new()
            .set("sys.id[in]", ids.join(","))
            .limit(batch.len() as u64)
    }

    /// `order=…` (`-sys.updatedAt`, `title`, …).
    pub fn order(self, order: &str) -> Self {
        self.set("order", order)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// How to wait for an asynchronous action to finish.
#[derive(Debug, Clone, PartialEq)]
pub struct PollOptions {
    /// Wait before the first poll.
    pub initial_delay: Duration,
    /// Starting interval; it grows by half each poll up to `max_interval`.
    pub interval: Duration,
    /// Longest interval between polls.
    pub max_interval: Duration,
    /// Give up after this long.
    pub timeout: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_millis(250),
            interval: Duration::from_millis(250),
            max_interval: Duration::from_secs(2),
            timeout: Duration::from_secs(120),
        }
    }
}

/// A CMA client. Cheap to clone; clones share the connection pool and the rate limiter.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Work nobody is waiting for (readiness checks of list rows): it takes a request slot
    /// only while no foreground request waits for one ([`Client::background`]).
    background: bool,
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    auth: HeaderValue,
    limiter: Option<DefaultDirectRateLimiter>,
    /// Foreground requests waiting for the limiter.
    foreground_waiting: AtomicUsize,
    /// Signalled when the last waiting foreground request got its slot.
    foreground_idle: tokio::sync::Notify,
    /// One background request at a time waits at the limiter, so a foreground request that
    /// arrives meanwhile competes with one, not with every background task.
    background_gate: tokio::sync::Semaphore,
}

/// Counts a foreground request as waiting until dropped (also when its task is cancelled),
/// then lets background requests go when it was the last.
struct Waiting<'a>(&'a Inner);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.0.foreground_waiting.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.foreground_idle.notify_waiters();
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.config.base_url.as_str())
            .field("space_id", &self.inner.config.space_id)
            .field("environment_id", &self.inner.config.environment_id)
            .field("token", &self.inner.config.token)
            .finish_non_exhaustive()
    }
}

/// Installs rustls' `ring` crypto provider once per process (reqwest is built without a default).
pub fn install_crypto_provider() {
    // Err means a provider is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One request, before it is sent.
pub(crate) struct Call {
    method: Method,
    path: Vec<String>,
    query: Query,
    body: Option<Vec<u8>>,
    version: Option<u64>,
    headers: Vec<(&'static str, String)>,
}

impl Call {
    pub(crate) fn new(method: Method, path: Vec<String>) -> Self {
        Self {
            method,
            path,
            query: Query::new(),
            body: None,
            version: None,
            headers: Vec::new(),
        }
    }

    /// `X-Contentful-Content-Type`, which creating an entry needs.
    pub(crate) fn content_type_header(mut self, content_type: &str) -> Self {
        self.headers
            .push(("x-contentful-content-type", content_type.to_owned()));
        self
    }

    pub(crate) fn query(mut self, query: Query) -> Self {
        self.query = query;
        self
    }

    pub(crate) fn version(mut self, version: u64) -> Self {
        self.version = Some(version);
        self
    }

    /// Sets a body that is already encoded JSON.
    pub(crate) fn set_body(&mut self, body: Vec<u8>) {
        self.body = Some(body);
    }

    pub(crate) fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, CmaError> {
        let bytes = serde_json::to_vec(body).map_err(|e| CmaError::Decode {
            what: "request body",
            message: e.to_string(),
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD
        )
    }
}

/// A successful response: status and body bytes.
pub(crate) struct Reply {
    pub(crate) bytes: Vec<u8>,
}

impl Reply {
    pub(crate) fn decode<T: DeserializeOwned>(&self, what: &'static str) -> Result<T, CmaError> {
        serde_json::from_slice(&self.bytes).map_err(|e| CmaError::Decode {
            what,
            message: e.to_string(),
        })
    }
}

impl Client {
    /// Builds a client. Fails only on an unusable configuration.
    pub fn new(config: ClientConfig) -> Result<Self, CmaError> {
        install_crypto_provider();
        if config.base_url.cannot_be_a_base() {
            return Err(CmaError::Config(format!(
                "'{}' cannot be used as a base URL",
                config.base_url
            )));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.token.expose()))
            .map_err(|_| CmaError::Config("the access token contains invalid characters".into()))?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(CMA_CONTENT_TYPE));
        headers.insert(
            "x-contentful-user-agent",
            HeaderValue::from_static(concat!("app release-desk/", env!("CARGO_PKG_VERSION"))),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("release-desk/", env!("CARGO_PKG_VERSION")))
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| CmaError::Config(e.to_string()))?;
        let limiter = config.rate_limit.map(|per_second| {
            // Burst of 1: requests are spaced evenly, so no one-second window ever sees more
            // than the limit (a burst would provoke the very 429s this exists to avoid).
            RateLimiter::direct(Quota::per_second(per_second).allow_burst(NonZeroU32::MIN))
        });
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                config,
                auth,
                limiter,
                foreground_waiting: AtomicUsize::new(0),
                foreground_idle: tokio::sync::Notify::new(),
                background_gate: tokio::sync::Semaphore::new(1),
            }),
            background: false,
        })
    }

    /// A clone for background work (the same pool and limiter): under a rate limit its
    /// requests wait while any request of a foreground clone waits, so what the user opened
    /// is never queued behind checks they did not ask for. Without a limit it is the same.
    pub fn background(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            background: true,
        }
    }

    /// Waits for this request's slot under the rate limit (none without one).
    async fn wait_turn(&self) {
        let Some(limiter) = &self.inner.limiter else {
            return;
        };
        if self.background {
            // The gate is never closed; were it, the request would go without it.
            let _gate = self.inner.background_gate.acquire().await.ok();
            loop {
                // Registered before the check, so a wake-up between the two is not lost.
                let idle = self.inner.foreground_idle.notified();
                if self.inner.foreground_waiting.load(Ordering::Acquire) > 0 {
                    idle.await;
                    continue;
                }
                // Only a slot free now is taken: a background request never holds a future
                // slot that a foreground request arriving meanwhile would have to wait behind.
                match limiter.check() {
                    Ok(()) => break,
                    Err(not_until) => {
                        let now = governor::clock::Clock::now(limiter.clock());
                        let wait = not_until.wait_time_from(now);
                        // A little later than a foreground request waiting for the same
                        // slot, which then wins it.
                        tokio::time::sleep(wait + Duration::from_millis(2)).await;
                    }
                }
            }
        } else {
            self.inner.foreground_waiting.fetch_add(1, Ordering::AcqRel);
            let _waiting = Waiting(&self.inner);
            limiter.until_ready().await;
        }
    }

    /// The configuration (the token stays redacted in its `Debug`).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The space id.
    pub fn space_id(&self) -> &str {
        &self.inner.config.space_id
    }

    /// The environment id.
    pub fn environment_id(&self) -> &str {
        &self.inner.config.environment_id
    }

    /// `["spaces", space, …rest]`.
    pub(crate) fn space_path(&self, rest: &[&str]) -> Vec<String> {
        let mut path = vec!["spaces".to_owned(), self.inner.config.space_id.clone()];
        path.extend(rest.iter().map(|s| (*s).to_owned()));
        path
    }

    /// `["spaces", space, "environments", env, …rest]`.
    pub(crate) fn env_path(&self, rest: &[&str]) -> Vec<String> {
        let mut path = self.space_path(&["environments", &self.inner.config.environment_id]);
        path.extend(rest.iter().map(|s| (*s).to_owned()));
        path
    }

    fn url(&self, call: &Call) -> Url {
        let mut url = self.inner.config.base_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            // Each segment is percent-encoded, so no id can change the path's shape.
            segments.pop_if_empty().extend(call.path.iter());
        }
        if !call.query.pairs().is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.pairs());
        }
        url
    }

    /// Sends a call with rate limiting and retries; returns a 2xx reply or the typed error.
    pub(crate) async fn execute(&self, call: Call) -> Result<Reply, CmaError> {
        let url = self.url(&call);
        let policy = &self.inner.config.retry;
        let mut attempt: u32 = 0;
        loop {
            self.wait_turn().await;
            tracing::debug!(
                method = %call.method,
                path = url.path(),
                query = url.query().unwrap_or(""),
                background = self.background,
                attempt,
                "CMA request sent"
            );
            let mut request = self
                .inner
                .http
                .request(call.method.clone(), url.clone())
                .header(AUTHORIZATION, self.inner.auth.clone());
            if let Some(version) = call.version {
                request = request.header(VERSION_HEADER, version);
            }
            for (name, value) in &call.headers {
                request = request.header(*name, value.as_str());
            }
            if let Some(body) = &call.body {
                request = request.body(body.clone());
            }
            let decide = |outcome| policy.classify(outcome, call.is_idempotent(), attempt);
            match request.send().await {
                Err(err) => {
                    let outcome = if err.is_connect() {
                        AttemptOutcome::NotConnected
                    } else {
                        AttemptOutcome::Broken
                    };
                    if decide(outcome) == RetryDecision::Retry {
                        attempt += 1;
                        tracing::debug!(%err, attempt, path = url.path(), "CMA request failed; retrying");
                        tokio::time::sleep(policy.delay(attempt, None)).await;
                        continue;
                    }
                    return Err(if err.is_timeout() {
                        CmaError::Timeout
                    } else {
                        CmaError::Network(describe_transport_error(&err))
                    });
                }
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let bytes = match response.bytes().await {
                        Ok(bytes) => bytes.to_vec(),
                        Err(err) => {
                            if decide(AttemptOutcome::Broken) == RetryDecision::Retry {
                                attempt += 1;
                                tokio::time::sleep(policy.delay(attempt, None)).await;
                                continue;
                            }
                            return Err(CmaError::Network(describe_transport_error(&err)));
                        }
                    };
                    if status.is_success() {
                        return Ok(Reply { bytes });
                    }
                    let reset = header_u64(&headers, RATE_LIMIT_RESET_HEADER);
                    if decide(AttemptOutcome::Status(status.as_u16())) == RetryDecision::Retry {
                        attempt += 1;
                        let reset = (status == StatusCode::TOO_MANY_REQUESTS)
                            .then_some(reset)
                            .flatten();
                        tracing::debug!(
                            status = status.as_u16(),
                            attempt,
                            path = url.path(),
                            "CMA request refused; retrying"
                        );
                        tokio::time::sleep(policy.delay(attempt, reset)).await;
                        continue;
                    }
                    return Err(error_reply(status, &headers, &bytes));
                }
            }
        }
    }

    /// Sends `call` once (no retries: for long, non-idempotent requests such as the sandbox's
    /// load) with `timeout` instead of the configured one, and hands each chunk of a successful
    /// reply's body to `on_chunk` as it arrives.
    pub(crate) async fn execute_streaming(
        &self,
        call: Call,
        timeout: Duration,
        mut on_chunk: impl FnMut(&[u8]),
    ) -> Result<(), CmaError> {
        let url = self.url(&call);
        self.wait_turn().await;
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .header(AUTHORIZATION, self.inner.auth.clone())
            .timeout(timeout);
        for (name, value) in &call.headers {
            request = request.header(*name, value.as_str());
        }
        if let Some(body) = call.body {
            request = request.body(body);
        }
        let transport = |err: reqwest::Error| {
            if err.is_timeout() {
                CmaError::Timeout
            } else {
                CmaError::Network(describe_transport_error(&err))
            }
        };
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(transport)?;
            return Err(error_reply(status, &headers, &bytes));
        }
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            on_chunk(&chunk);
        }
        Ok(())
    }

    /// Sends a call and decodes the JSON reply.
    pub(crate) async fn fetch<T: DeserializeOwned>(
        &self,
        call: Call,
        what: &'static str,
    ) -> Result<T, CmaError> {
        self.execute(call).await?.decode(what)
    }

    /// Streams every item of a cursor-paged collection, fetching pages as they are consumed.
    /// `cursor_param` is `pageNext` (releases) or `next` (scheduled actions).
    pub(crate) fn cursor_stream<T>(
        &self,
        path: Vec<String>,
        query: Query,
        cursor_param: &'static str,
        what: &'static str,
    ) -> impl Stream<Item = Result<T, CmaError>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        stream::try_unfold(Some(query), move |state| {
            let client = client.clone();
            let path = path.clone();
            async move {
                let Some(query) = state else {
                    return Ok(None);
                };
                let page: super::CursorCollection<T> = client
                    .fetch(Call::new(Method::GET, path).query(query.clone()), what)
                    .await?;
                let next = page
                    .pages
                    .next_cursor()
                    .filter(|_| !page.items.is_empty())
                    .map(|cursor| query.set(cursor_param, cursor));
                Ok(Some((page.items, next)))
            }
        })
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
    }

    /// Streams every item of an offset-paged collection (`skip`/`limit`/`total`).
    pub(crate) fn offset_stream<T>(
        &self,
        path: Vec<String>,
        query: Query,
        page_size: u64,
        what: &'static str,
    ) -> impl Stream<Item = Result<T, CmaError>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        stream::try_unfold(Some(0_u64), move |state| {
            let client = client.clone();
            let path = path.clone();
            let query = query.clone();
            async move {
                let Some(skip) = state else {
                    return Ok(None);
                };
                let query = query.set("skip", skip).set("limit", page_size);
                let page: super::OffsetCollection<T> = client
                    .fetch(Call::new(Method::GET, path).query(query), what)
                    .await?;
                let next = page.has_more().then_some(skip + page.items.len() as u64);
                Ok(Some((page.items, next)))
            }
        })
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
    }

    /// Polls `get` until `is_final` holds, politely, within `options.timeout`; `on_change` sees
    /// every polled value whose status differs from the one polled before.
    pub(crate) async fn poll_until<T, F, Fut>(
        &self,
        kind: &'static str,
        id: &str,
        options: &PollOptions,
        mut get: F,
        status_of: impl Fn(&T) -> (bool, String),
        mut on_change: impl FnMut(&T),
    ) -> Result<T, CmaError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, CmaError>>,
    {
        let started = tokio::time::Instant::now();
        let deadline = started + options.timeout;
        let mut interval = options.interval;
        tokio::time::sleep(options.initial_delay.min(options.timeout)).await;
        let mut last_status = None;
        loop {
            let value = get().await?;
            let (is_final, status) = status_of(&value);
            if last_status.as_ref() != Some(&status) {
                on_change(&value);
                last_status = Some(status.clone());
            }
            if is_final {
                return Ok(value);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(CmaError::ActionTimedOut {
                    kind,
                    id: id.to_owned(),
                    last_status: status,
                    waited_secs: started.elapsed().as_secs(),
                });
            }
            tokio::time::sleep(interval.min(deadline - now)).await;
            interval = (interval.mul_f64(1.5)).min(options.max_interval);
        }
    }
}

/// A transport error without the URL's query (which never holds the token, but keep it short).
fn describe_transport_error(err: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut message = if err.is_connect() {
        "could not connect".to_owned()
    } else if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_body() || err.is_decode() {
        "the connection broke while reading the response".to_owned()
    } else {
        "the request failed".to_owned()
    };
    if let Some(url) = err.url() {
        message.push_str(&format!(" ({}://{})", url.scheme(), url.authority()));
    }
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// The typed error of a refused reply: its CMA error body (or one made from the status), with
/// the request id, the rate-limit reset and the current version when the headers carry them.
fn error_reply(status: StatusCode, headers: &reqwest::header::HeaderMap, bytes: &[u8]) -> CmaError {
    let body = ErrorBody::from_bytes_or_status(status.as_u16(), bytes);
    let request_id = headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| body.request_id.clone());
    CmaError::from_response(
        status.as_u16(),
        body,
        request_id,
        header_u64(headers, RATE_LIMIT_RESET_HEADER),
        header_u64(headers, VERSION_HEADER),
    )
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Streams are boxed where callers store them.
pub type BoxStream<T> = futures_util::stream::BoxStream<'static, Result<T, CmaError>>;

/// Collects a stream into a vector (for callers that want everything).
pub async fn collect_all<T>(
    stream: impl Stream<Item = Result<T, CmaError>>,
) -> Result<Vec<T>, CmaError> {
    stream.try_collect().await
}

#[cfg(test)]
mod tests {
    use super::{AttemptOutcome, RetryDecision, RetryPolicy};

    /// `(outcome, idempotent, retries made)` → the decision, one line per case.
    fn check(cases: &[(AttemptOutcome, bool, u32, RetryDecision)]) {
        let policy = RetryPolicy {
            max_retries: 2,
            max_connect_retries: 1,
            ..RetryPolicy::default()
        };
        for &(outcome, idempotent, attempt, expected) in cases {
            assert_eq!(
                policy.classify(outcome, idempotent, attempt),
                expected,
                "{outcome:?}, idempotent: {idempotent}, after {attempt} retries"
            );
        }
    }

    #[test]
    fn retry_decisions() {
        use AttemptOutcome::{Broken, NotConnected, Status};
        use RetryDecision::{Retry, Stop};
        check(&[
            // 429: refused before anything happened, for every method.
            (Status(429), false, 0, Retry),
            (Status(429), true, 1, Retry),
            // 5xx and a broken transport: only idempotent calls (a POST may have taken effect).
            (Status(503), true, 0, Retry),
            (Status(503), false, 0, Stop),
            (Broken, true, 0, Retry),
            (Broken, false, 0, Stop),
            // Nothing sent: every method, but only `max_connect_retries` times.
            (NotConnected, false, 0, Retry),
            (NotConnected, true, 1, Stop),
            // A conflict and other 4xx are final.
            (Status(409), true, 0, Stop),
            (Status(404), true, 0, Stop),
            (Status(422), false, 0, Stop),
            // Out of retries.
            (Status(429), true, 2, Stop),
            (NotConnected, true, 2, Stop),
        ]);
    }

    /// Issue 11, bug 7: an unreachable host (DNS, refused) was retried five times with growing
    /// waits, three requests in a row: 35–45 s of spinner. By default the connect retries'
    /// waits, jitter included, now add up to less than five seconds.
    #[test]
    fn an_unreachable_host_is_given_up_on_within_five_seconds() {
        let policy = RetryPolicy::default();
        let worst: std::time::Duration = (1..=policy.max_connect_retries)
            .map(|attempt| {
                policy
                    .unit
                    .mul_f64(std::f64::consts::SQRT_2.powi(attempt as i32))
                    + policy.extra
                    + policy.jitter
            })
            .sum();
        assert!(worst < std::time::Duration::from_secs(5), "{worst:?}");
        assert_eq!(
            policy.classify(
                AttemptOutcome::NotConnected,
                true,
                policy.max_connect_retries
            ),
            RetryDecision::Stop
        );
    }
}

#[cfg(test)]
mod priority_tests {
    use std::num::NonZeroU32;
    use std::sync::atomic::Ordering;

    use super::{AccessToken, Client, ClientConfig, Region, Waiting};

    #[tokio::test]
    async fn background_requests_wait_while_a_foreground_request_waits() {
        let mut config = ClientConfig::new(
            Region::Custom("http://127.0.0.1:9".parse().unwrap()),
            AccessToken::new("t".to_owned()),
            "s",
            "master",
        );
        config.rate_limit = NonZeroU32::new(1_000);
        let client = Client::new(config).unwrap();
        // A foreground request is waiting for its slot.
        client
            .inner
            .foreground_waiting
            .fetch_add(1, Ordering::AcqRel);
        let waiting = Waiting(&client.inner);
        let background = client.background();
        let turn = tokio::spawn(async move { background.wait_turn().await });
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        assert!(!turn.is_finished(), "it yields to the waiting request");
        drop(waiting);
        turn.await.unwrap();
        // Without a limit, background work never waits.
        let unlimited = Client::new(ClientConfig::new(
            Region::Custom("http://127.0.0.1:9".parse().unwrap()),
            AccessToken::new("t".to_owned()),
            "s",
            "master",
        ))
        .unwrap();
        let mut unlimited_config = unlimited.config().clone();
        unlimited_config.rate_limit = None;
        Client::new(unlimited_config)
            .unwrap()
            .background()
            .wait_turn()
            .await;
    }
}
