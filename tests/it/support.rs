//! Helpers shared by the tests: a scripted HTTP server on `127.0.0.1:0`, a fast client.

use std::net::SocketAddr;
use std::time::Duration;

use release_desk::cma::{AccessToken, Client, ClientConfig, Region, RetryPolicy};

/// The token tests use; asserted never to leak.
pub const TEST_TOKEN: &str = "CFPAT-super-secret-test-token-0123456789";

/// Serves `router` on an ephemeral loopback port until the test ends.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}

/// A client for `addr` with quick retries and no rate limit.
pub fn client(addr: SocketAddr) -> Client {
    client_with(addr, |_| {})
}

/// Like [`client`], with a hook to adjust the configuration.
pub fn client_with(addr: SocketAddr, adjust: impl FnOnce(&mut ClientConfig)) -> Client {
    let url = url::Url::parse(&format!("http://{addr}")).unwrap();
    let mut config = ClientConfig::new(
        Region::Custom(url),
        AccessToken::new(TEST_TOKEN),
        "space1",
        "master",
    );
    config.rate_limit = None;
    config.retry = RetryPolicy {
        max_retries: 3,
        max_connect_retries: 3,
        unit: Duration::from_millis(10),
        extra: Duration::ZERO,
        jitter: Duration::from_millis(5),
    };
    config.request_timeout = Duration::from_secs(5);
    adjust(&mut config);
    Client::new(config).unwrap()
}

// ---- The embedded sandbox ---------------------------------------------------------------------

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use release_desk::cma::{EntityKind, PollOptions};
use release_desk::sandbox::webhooks::RetryPolicy as WebhookRetry;
use release_desk::sandbox::{Sandbox, SandboxConfig};

/// The demo-seeded, in-memory sandbox config with fast settings: actions run after 20 ms, the
/// scheduler ticks every 50 ms, webhook retries wait 50 ms.
pub fn fast_sandbox_config() -> SandboxConfig {
    let mut config = SandboxConfig::default();
    config.behaviour.action_delay = Duration::from_millis(20);
    config.scheduler_tick = Duration::from_millis(50);
    config.webhook_retry = WebhookRetry {
        delays: vec![Duration::from_millis(50), Duration::from_millis(50)],
        timeout: Duration::from_secs(5),
    };
    config
}

/// Starts a demo-seeded, in-memory sandbox on `127.0.0.1:0` with [`fast_sandbox_config`].
pub async fn sandbox() -> Sandbox {
    sandbox_with(|_| {}).await
}

/// Like [`sandbox`], with a hook to adjust the configuration.
pub async fn sandbox_with(adjust: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let mut config = fast_sandbox_config();
    adjust(&mut config);
    Sandbox::start(config).await.expect("sandbox starts")
}

/// A client for `sandbox` with quick retries.
pub fn sandbox_client(sandbox: &Sandbox) -> Client {
    sandbox_client_with(sandbox, |_| {})
}

/// Like [`sandbox_client`], with a hook to adjust the configuration.
pub fn sandbox_client_with(sandbox: &Sandbox, adjust: impl FnOnce(&mut ClientConfig)) -> Client {
    let mut config = sandbox.client_config();
    config.retry = RetryPolicy {
        max_retries: 3,
        max_connect_retries: 3,
        unit: Duration::from_millis(10),
        extra: Duration::ZERO,
        jitter: Duration::from_millis(5),
    };
    config.request_timeout = Duration::from_secs(5);
    adjust(&mut config);
    Client::new(config).unwrap()
}

/// Poll options for sandbox actions: every 20 ms, up to 10 s.
pub fn fast_poll() -> PollOptions {
    PollOptions {
        initial_delay: Duration::from_millis(10),
        interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
    }
}

/// A plain HTTP request to the sandbox (for statuses and bodies the client hides), with the token.
pub fn raw(sandbox: &Sandbox, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    release_desk::cma::install_crypto_provider();
    let url = sandbox.base_url.join(path).unwrap();
    reqwest::Client::new()
        .request(method, url)
        .bearer_auth(&sandbox.token)
        .header("content-type", release_desk::cma::CMA_CONTENT_TYPE)
}

/// `/spaces/{s}/environments/{e}` of the sandbox.
pub fn env_path(sandbox: &Sandbox) -> String {
    format!(
        "/spaces/{}/environments/{}",
        sandbox.space_id, sandbox.environment_id
    )
}

/// Polls `condition` every 10 ms until it holds; panics with `what` after `timeout`.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if condition().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `(version, publishedVersion)` of an entry or asset.
pub async fn versions(client: &Client, kind: EntityKind, id: &str) -> (Option<u64>, Option<u64>) {
    let e = client.get_entity(kind, id).await.unwrap();
    (e.sys.version, e.sys.published_version)
}

/// One request the [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names lower-case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Delivery {
    /// The value of a header (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `X-Contentful-Topic` without the `ContentManagement.` prefix.
    pub fn topic(&self) -> String {
        let topic = self.header("x-contentful-topic").unwrap_or_default();
        topic
            .strip_prefix("ContentManagement.")
            .unwrap_or(topic)
            .to_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A webhook receiver on `127.0.0.1:0` that records every delivery and answers 500 to the first
/// `fail_first` of them, 200 afterwards.
#[derive(Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:<port>/hook`.
    pub url: String,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    /// Starts a receiver.
    pub async fn start(fail_first: usize) -> Self {
        let deliveries: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let seen = Arc::new(AtomicUsize::new(0));
        let log = deliveries.clone();
        let router = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let log = log.clone();
            let seen = seen.clone();
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
                let n = seen.fetch_add(1, Ordering::SeqCst);
                let answered = if n < fail_first { 500 } else { 200 };
                log.lock().unwrap().push(Delivery {
                    method: parts.method.to_string(),
                    path: parts
                        .uri
                        .path_and_query()
                        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_owned(),
                                v.to_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect(),
                    body: body.to_vec(),
                    answered,
                });
                (
                    axum::http::StatusCode::from_u16(answered).unwrap(),
                    if answered == 200 { "ok" } else { "try again" },
                )
            }
        });
        let addr = serve(router).await;
        Self {
            url: format!("http://{addr}/hook"),
            deliveries,
        }
    }

    /// Every delivery so far, in arrival order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap().clone()
    }

    /// The topics of every delivery so far (without `ContentManagement.`), in arrival order.
    pub fn topics(&self) -> Vec<String> {
        self.deliveries().iter().map(Delivery::topic).collect()
    }
}

/// A release of a list page, which these tests expect the client to model.
pub fn known(
    decoded: release_desk::cma::Decoded<release_desk::cma::Release>,
) -> release_desk::cma::Release {
    match decoded {
        release_desk::cma::Decoded::Known(r) => r,
        release_desk::cma::Decoded::Unsupported(u) => {
            panic!("unmodelled release {}: {}", u.label(), u.reason)
        }
    }
}
