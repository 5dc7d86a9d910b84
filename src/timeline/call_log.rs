//! The call-log poller: feeds the timeline from a webhook's call log
//! (`GET /webhooks/{id}/calls`, spec §6.4), for a Contentful space that cannot reach the
//! receiver (no tunnel needed).
//!
//! Each poll lists the call log newest first, page by page, until it reaches a call it has
//! already read (or [`CallLogConfig::max_calls_per_poll`]), then fetches the details of the new
//! calls oldest first (`webhook_call_details`) and appends each to the [`Journal`] — the same
//! journal the receiver writes. Each logged call is one delivery attempt; the journal stores it
//! once per delivery: by the idempotency key of the logged request headers (so a delivery the
//! receiver already stored only has its attempt counted), else by call id. A call is marked read
//! in the same transaction that stores it, so a poll that fails half-way resumes where it
//! stopped. The [`Client`]'s rate limiter spaces the requests.
//!
//! When a signing secret is configured, a logged request's signature is checked (without the
//! time window: the call is old by the time it is read); the event is `verified` when it
//! matches and `unsigned` otherwise — a logged call is Contentful's own record, never a
//! rejection.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::event::{IncomingEvent, Origin, Verdict};
use super::journal::{AppendOutcome, Journal, JournalError};
use super::receiver::redact;
use crate::cma::{Client, CmaError, Query, WebhookCallDetails, WebhookCallOverview};
use crate::signing::{SIGNATURE_HEADER, SigningSecret, verify_request};

/// Default source name of call-log events.
pub const DEFAULT_SOURCE: &str = "call-log";

/// What to poll and how often.
#[derive(Clone)]
pub struct CallLogConfig {
    /// The webhook definition whose calls are read.
    pub webhook_id: String,
    /// The source name events are stored under.
    pub source: String,
    /// Time between polls.
    pub interval: Duration,
    /// The space's signing secret, to check logged signatures.
    pub secret: Option<SigningSecret>,
    /// Header names whose values are redacted (Contentful logs secret headers in plain text).
    pub secret_headers: Vec<String>,
    /// Calls per list request.
    pub page_size: u64,
    /// Most new calls read in one poll (Contentful keeps about 500).
    pub max_calls_per_poll: usize,
}

impl CallLogConfig {
    /// Defaults for `webhook_id`: every 30 s, pages of 100, at most 500 calls per poll.
    pub fn new(webhook_id: impl Into<String>) -> Self {
        Self {
            webhook_id: webhook_id.into(),
            source: DEFAULT_SOURCE.to_owned(),
            interval: Duration::from_secs(30),
            secret: None,
            secret_headers: Vec::new(),
            page_size: 100,
            max_calls_per_poll: 500,
        }
    }
}

impl std::fmt::Debug for CallLogConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallLogConfig")
            .field("webhook_id", &self.webhook_id)
            .field("source", &self.source)
            .field("interval", &self.interval)
            .field("secret", &self.secret)
            .field("page_size", &self.page_size)
            .field("max_calls_per_poll", &self.max_calls_per_poll)
            .finish_non_exhaustive()
    }
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Calls listed.
    pub listed: usize,
    /// Calls not read before.
    pub new_calls: usize,
    /// New journal rows.
    pub appended: usize,
    /// Calls that were attempts of a delivery already stored (counted on that row).
    pub merged: usize,
    /// Calls whose details were gone (expired from the log).
    pub missing: usize,
}

/// Why a poll failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallLogError {
    /// The CMA request failed.
    #[error("could not read the webhook call log: {0}")]
    Cma(#[from] CmaError),
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// Polls one webhook's call log into a journal.
#[derive(Debug, Clone)]
pub struct CallLogPoller {
    client: Client,
    journal: Journal,
    config: CallLogConfig,
}

impl CallLogPoller {
    /// A poller for `config.webhook_id` of the client's space.
    pub fn new(client: Client, journal: Journal, config: CallLogConfig) -> Self {
        Self {
            client,
            journal,
            config,
        }
    }

    /// Reads the calls logged since the last poll into the journal.
    pub async fn poll_once(&self) -> Result<PollReport, CallLogError> {
        let webhook_id = self.config.webhook_id.as_str();
        let page_size = self.config.page_size.clamp(1, 1000);
        let mut report = PollReport::default();
        let mut fresh: Vec<WebhookCallOverview> = Vec::new();
        let mut skip = 0u64;
        loop {
            let query = Query::new().limit(page_size).set("skip", skip);
            let page = self.client.webhook_calls(webhook_id, &query).await?;
            report.listed += page.items.len();
            let ids: Vec<String> = page.items.iter().map(|c| c.sys.id.clone()).collect();
            let journal = self.journal.clone();
            let owner = webhook_id.to_owned();
            let known = tokio::task::spawn_blocking(move || journal.known_calls(&owner, &ids))
                .await
                .map_err(|e| JournalError::Sqlite(e.to_string()))??;
            let reached_known = !known.is_empty();
            let has_more = page.has_more();
            skip += page.items.len() as u64;
            fresh.extend(
                page.items
                    .into_iter()
                    .filter(|c| !known.contains(&c.sys.id)),
            );
            if reached_known || !has_more || fresh.len() >= self.config.max_calls_per_poll {
                break;
            }
        }
        fresh.truncate(self.config.max_calls_per_poll);
        report.new_calls = fresh.len();
        // Oldest first, so the journal keeps the order in which calls were made.
        for overview in fresh.iter().rev() {
            let call_id = overview.sys.id.as_str();
            let details = match self.client.webhook_call_details(webhook_id, call_id).await {
                Ok(details) => details,
                Err(CmaError::NotFound(_)) => {
                    report.missing += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let event = self.event_of(&details);
            match self.journal.append_call(event, webhook_id, call_id).await? {
                AppendOutcome::Appended(_) => report.appended += 1,
                AppendOutcome::Duplicate { .. } => report.merged += 1,
                AppendOutcome::KnownCall => {}
            }
        }
        Ok(report)
    }

    /// The timeline event of a logged call.
    fn event_of(&self, details: &WebhookCallDetails) -> IncomingEvent {
        let request = &details.request;
        let headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (name.clone(), value)
            })
            .collect();
        let body = request.body.as_bytes().to_vec();
        let verdict = self.check_signature(details, &headers, &body);
        let json = serde_json::from_slice::<Value>(&body).ok();
        let len = body.len() as u64;
        let mut event = IncomingEvent::from_delivery(
            Origin::CallLog,
            self.config.source.clone(),
            redact(headers, &self.config.secret_headers),
            body,
            len,
            json,
            verdict,
            details.status_code.unwrap_or(0),
        );
        if let Some(at) = details.request_at
            && event.event_at.is_none()
        {
            event.event_at = Some(at);
        }
        event.call_id = Some(details.sys.id.clone());
        event
    }

    fn check_signature(
        &self,
        details: &WebhookCallDetails,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Verdict {
        let Some(secret) = &self.config.secret else {
            return Verdict::Unsigned {
                note: "read from the call log; no signing secret is configured".to_owned(),
            };
        };
        let signed = headers
            .iter()
            .any(|(k, _)| k.trim().eq_ignore_ascii_case(SIGNATURE_HEADER));
        if !signed {
            return Verdict::Unsigned {
                note: "read from the call log; the request was not signed".to_owned(),
            };
        }
        let request = &details.request;
        let path = url::Url::parse(&request.url)
            .map(|u| match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_owned(),
            })
            .unwrap_or_else(|_| "/".to_owned());
        let method = if request.method.is_empty() {
            "POST"
        } else {
            request.method.as_str()
        };
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // TTL 0: the logged call is old by now; only the signature itself is checked.
        match verify_request(secret, method, &path, &refs, body, 0, 0) {
            Ok(()) => Verdict::Verified,
            Err(e) => Verdict::Unsigned {
                note: format!("read from the call log; its signature did not verify: {e}"),
            },
        }
    }

    /// Polls every [`CallLogConfig::interval`] on the current tokio runtime until the handle
    /// is stopped or dropped. Errors are logged and reported, and the next poll tries again.
    pub fn spawn(self) -> CallLogHandle {
        let (reports_tx, reports) = watch::channel(None);
        let task = tokio::spawn(async move {
            let mut interval =
                tokio::time::interval(self.config.interval.max(Duration::from_millis(10)));
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let result = self.poll_once().await;
                if let Err(e) = &result {
                    tracing::warn!(webhook = %self.config.webhook_id, %e, "call-log poll failed");
                }
                if reports_tx
                    .send(Some(result.map_err(|e| e.to_string())))
                    .is_err()
                {
                    break;
                }
            }
        });
        CallLogHandle { task, reports }
    }
}

/// A running poller. Dropping it stops polling.
#[derive(Debug)]
pub struct CallLogHandle {
    task: JoinHandle<()>,
    reports: watch::Receiver<Option<Result<PollReport, String>>>,
}

impl CallLogHandle {
    /// The last poll's report (`None` before the first poll ends).
    pub fn last_report(&self) -> Option<Result<PollReport, String>> {
        self.reports.borrow().clone()
    }

    /// Waits for the next poll to end and returns its report (`None` if polling stopped).
    pub async fn next_report(&mut self) -> Option<Result<PollReport, String>> {
        self.reports.changed().await.ok()?;
        self.reports.borrow_and_update().clone()
    }

    /// Stops polling.
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for CallLogHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
