//! Helpers for the timeline tests: a receiver + journal in a temporary directory, and signed
//! deliveries built the way Contentful (and the sandbox) build them.

use std::time::Duration;

use release_desk::signing::{SigningSecret, sign_request};
use release_desk::timeline::{EventFilter, Journal, Timeline, TimelineConfig};
use serde_json::{Value, json};

/// The signing secret the tests share (64 characters).
pub const SECRET: &str = "tImElInE0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ-_+";

/// [`SECRET`] as a secret.
pub fn secret() -> SigningSecret {
    SigningSecret::new(SECRET).unwrap()
}

/// Now in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A receiver and journal in a fresh temporary directory, verifying with `secret`.
pub async fn timeline(secret: Option<SigningSecret>) -> (Timeline, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TimelineConfig::new(dir.path());
    config.receiver.secret = secret;
    config.receiver.secret_headers = vec!["X-Api-Key".to_owned()];
    let timeline = Timeline::start(config).await.unwrap();
    (timeline, dir)
}

/// A 64-hex-character idempotency key.
pub fn random_key() -> String {
    (0..64)
        .map(|_| char::from(b"0123456789abcdef"[rand::random_range(0..16)]))
        .collect()
}

/// One delivery as Contentful sends it: the webhook headers, signed (when a secret is given)
/// over the same headers the sandbox signs.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Request path and query, e.g. `/webhooks/test`.
    pub path: String,
    /// Header name/value pairs, in sending order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Delivery {
    /// An `Entry.publish` of `entity_id` with a fresh idempotency key, attempt 1.
    pub fn entry_publish(entity_id: &str) -> Self {
        Self::new(
            "Entry.publish",
            json!({"sys": {"type": "Entry", "id": entity_id, "revision": 3,
                   "environment": {"sys": {"type": "Link", "linkType": "Environment", "id": "master"}}},
                   "fields": {"title": {"en-US": format!("About {entity_id}")}}}),
        )
    }

    /// A delivery of `topic` (`Type.action`) with `payload`, a fresh key, attempt 1.
    pub fn new(topic: &str, payload: Value) -> Self {
        let id = payload
            .pointer("/sys/id")
            .and_then(Value::as_str)
            .unwrap_or("x")
            .to_owned();
        Self {
            path: "/webhooks/test".to_owned(),
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/vnd.contentful.management.v1+json".into(),
                ),
                (
                    "X-Contentful-Topic".into(),
                    format!("ContentManagement.{topic}"),
                ),
                ("X-Contentful-Webhook-Name".into(), "timeline".into()),
                ("X-Contentful-Webhook-Request-Attempt".into(), "1".into()),
                (
                    "X-Contentful-Event-Datetime".into(),
                    jiff::Timestamp::now().to_string(),
                ),
                ("X-Contentful-Idempotency-Key".into(), random_key()),
                (
                    "X-Contentful-CRN".into(),
                    format!("crn:contentful:::content:spaces/s1/environments/master/entries/{id}"),
                ),
            ],
            body: payload.to_string().into_bytes(),
        }
    }

    /// Sets (or adds) a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Removes a header.
    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self
    }

    /// The value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The same delivery with the three signature headers added, signed at `timestamp_ms` over
    /// the headers the sandbox signs (those present).
    pub fn signed_at(mut self, secret: &SigningSecret, timestamp_ms: i64) -> Self {
        const SIGNED: [&str; 6] = [
            "content-type",
            "x-contentful-crn",
            "x-contentful-idempotency-key",
            "x-contentful-topic",
            "x-contentful-webhook-name",
            "x-contentful-webhook-request-attempt",
        ];
        let to_sign: Vec<(&str, &str)> = self
            .headers
            .iter()
            .filter(|(k, _)| SIGNED.iter().any(|s| k.eq_ignore_ascii_case(s)))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let signed = sign_request(
            secret,
            "POST",
            &self.path,
            &to_sign,
            &self.body,
            timestamp_ms,
        );
        for (name, value) in signed.into_pairs() {
            self.headers.push((name.to_owned(), value));
        }
        self
    }

    /// Signed now.
    pub fn signed(self, secret: &SigningSecret) -> Self {
        self.signed_at(secret, now_ms())
    }

    /// Sends it to the receiver at `addr` (header values as ISO-8859-1 bytes); returns the
    /// status and the JSON answer.
    pub async fn send(&self, http: &reqwest::Client, addr: std::net::SocketAddr) -> (u16, Value) {
        let mut request = http.post(format!("http://{addr}{}", self.path));
        for (name, value) in &self.headers {
            let bytes: Vec<u8> = value
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap())
                .collect();
            request = request.header(
                name.as_str(),
                reqwest::header::HeaderValue::from_bytes(&bytes).unwrap(),
            );
        }
        let response = request.body(self.body.clone()).send().await.unwrap();
        let status = response.status().as_u16();
        let json = response.json().await.unwrap_or(Value::Null);
        (status, json)
    }
}

/// An HTTP client without proxies.
pub fn http() -> reqwest::Client {
    release_desk::cma::install_crypto_provider();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Waits until `filter` matches at least `n` events (blocking reads on the blocking pool).
pub async fn wait_for_events(journal: &Journal, filter: EventFilter, n: u64, timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let j = journal.clone();
        let f = filter.clone();
        let count = tokio::task::spawn_blocking(move || j.count(&f))
            .await
            .unwrap()
            .unwrap();
        if count >= n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {n} events matching {filter:?} (have {count})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
