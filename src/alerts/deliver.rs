//! The deliverer: a tokio task that sends what the outbox says is due, and records how it went.
//!
//! It wakes when the journal appends (a new event may have enqueued deliveries), when asked
//! ([`AlertsHandle::wake`](super::AlertsHandle::wake), after "Send a test"), and when the next
//! delivery falls due by the injected [`Clock`](crate::clock::Clock) (a manual clock is
//! re-read every [`MANUAL_CLOCK_POLL`], so a test moves time and never waits for it). Chat
//! messages and build hooks are `POST`ed as JSON; 2xx is delivered; a timeout, a connection
//! failure, 408, 429 or 5xx is retried with exponential backoff ([`RetryPolicy`]); any other
//! answer fails at once (a revoked hook will not heal by itself). Notifications and
//! re-validations go to the app as [`AlertNotice`]s. Because pending rows are simply rows, a
//! restart resumes them: delivery is at least once, and once per event and rule in effect
//! (see [`super::outbox`]).
//!
//! Hook URLs are used only to build the request: errors are recorded without them
//! (`reqwest::Error::without_url`), and nothing here logs one.

use std::time::Duration;

use reqwest::StatusCode;

use super::outbox::{self, Attempted, Due};
use super::rules::Action;
use super::{AlertNotice, AlertsHandle};
use crate::timeline::JournalError;

/// Deliveries read per round.
const BATCH: usize = 32;
/// How often a manual clock is re-read while waiting for the next due delivery.
pub const MANUAL_CLOCK_POLL: Duration = Duration::from_millis(50);
/// Longest wait between rounds on the system clock.
const SYSTEM_CLOCK_POLL: Duration = Duration::from_secs(30);

/// How often and how patiently a delivery is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// How long one request may take.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            first_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(15 * 60),
            timeout: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// The wait after `failures` failed attempts (1 → `first_delay`).
    pub fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1));
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Runs until the journal closes.
pub(crate) async fn run(handle: AlertsHandle, policy: RetryPolicy) {
    crate::cma::install_crypto_provider();
    let client = reqwest::Client::builder()
        .timeout(policy.timeout)
        // A hook that redirects is misconfigured; following it would send the message elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("release-desk-alerts/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.without_url().to_string());
    let mut live = handle.journal.subscribe();
    let poll = if handle.clock.is_manual() {
        MANUAL_CLOCK_POLL
    } else {
        SYSTEM_CLOCK_POLL
    };
    loop {
        let now = handle.clock.now_ms();
        let due = match read(&handle, move |c| outbox::due(c, now, BATCH)).await {
            Ok(due) => due,
            Err(JournalError::Closed) => break,
            Err(e) => {
                tracing::warn!(%e, "alerts: the outbox could not be read");
                Vec::new()
            }
        };
        let full = due.len() == BATCH;
        for delivery in due {
            let attempted = attempt(&handle, client.as_ref(), &policy, &delivery).await;
            let at = handle.clock.now_ms();
            let id = delivery.id;
            let recorded = attempted.clone();
            let written = handle
                .journal
                .write_with(move |c| outbox::record(c, id, &recorded, at))
                .await;
            match written {
                Ok(()) => {}
                Err(JournalError::Closed) => return,
                Err(e) => tracing::warn!(%e, id, "alerts: an attempt could not be recorded"),
            }
            let (state, error) = match &attempted {
                Attempted::Delivered { .. } => (outbox::DeliveryState::Delivered, None),
                Attempted::Retry { error, .. } => (outbox::DeliveryState::Pending, Some(error)),
                Attempted::Failed { error, .. } => (outbox::DeliveryState::Failed, Some(error)),
                Attempted::Canceled { why } => (outbox::DeliveryState::Canceled, Some(why)),
            };
            tracing::info!(
                delivery = id,
                rule = %delivery.rule_id,
                %state,
                error = error.map(String::as_str).unwrap_or(""),
                "alert delivery attempted"
            );
            let _ = handle.notices.send(AlertNotice::Attempted {
                delivery_id: id,
                rule_id: delivery.rule_id.clone(),
                headline: delivery.headline.clone(),
                state,
                error: error.cloned(),
            });
        }
        if full {
            continue;
        }
        let next = read(&handle, outbox::next_due).await.ok().flatten();
        let wait = match next {
            Some(due) => {
                let ms = u64::try_from(due.saturating_sub(handle.clock.now_ms())).unwrap_or(0);
                Duration::from_millis(ms).min(poll)
            }
            None => poll,
        };
        tokio::select! {
            () = handle.wake.notified() => {}
            item = live.recv() => if item.is_none() { break },
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// A blocking outbox read on the blocking pool.
async fn read<T: Send + 'static>(
    handle: &AlertsHandle,
    f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, JournalError> {
    let journal = handle.journal.clone();
    tokio::task::spawn_blocking(move || journal.read_with(|c| f(c).map_err(JournalError::from)))
        .await
        .map_err(|e| JournalError::Sqlite(e.to_string()))?
}

async fn attempt(
    handle: &AlertsHandle,
    client: Result<&reqwest::Client, &String>,
    policy: &RetryPolicy,
    delivery: &Due,
) -> Attempted {
    let rules = handle.rules.get();
    let Some(rule) = rules.rule(&delivery.rule_id) else {
        return Attempted::Canceled {
            why: "the rule was removed".to_owned(),
        };
    };
    // A test is sent whatever the switch says; a real delivery stops when its rule is off.
    if !rule.enabled && !delivery.is_test {
        return Attempted::Canceled {
            why: "the rule was disabled".to_owned(),
        };
    }
    let url = match &rule.then {
        Action::Notify => {
            let _ = handle.notices.send(AlertNotice::Notify {
                rule_id: rule.id.clone(),
                rule_name: rule.name.clone(),
                headline: delivery.headline.clone(),
                text: notification_text(&delivery.body),
            });
            if handle
                .desktop_notifications
                .load(std::sync::atomic::Ordering::SeqCst)
            {
                super::desktop::show(&delivery.headline, &notification_text(&delivery.body));
            }
            return Attempted::Delivered { status: None };
        }
        Action::Revalidate => {
            let Some(release_id) = delivery.release_id.clone() else {
                return Attempted::Canceled {
                    why: "the event names no release".to_owned(),
                };
            };
            if !handle.revalidates.load(std::sync::atomic::Ordering::SeqCst) {
                return Attempted::Canceled {
                    why: "re-validation runs in the app, and no app is listening".to_owned(),
                };
            }
            return match handle.notices.send(AlertNotice::Revalidate {
                rule_id: rule.id.clone(),
                release_id,
            }) {
                Ok(_) => Attempted::Delivered { status: None },
                Err(_) => Attempted::Canceled {
                    why: "re-validation runs in the app, and no app is listening".to_owned(),
                },
            };
        }
        Action::Chat { url, .. } | Action::BuildHook { url, .. } => url.clone(),
    };
    let client = match client {
        Ok(client) => client,
        Err(error) => {
            return Attempted::Failed {
                status: None,
                error: format!("no HTTP client: {error}"),
            };
        }
    };
    let sent = client
        .post(url.expose())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(delivery.body.clone())
        .send()
        .await;
    let failures = delivery.attempts.saturating_add(1);
    let retry = |status: Option<u16>, error: String| {
        if failures >= policy.max_attempts {
            Attempted::Failed {
                status,
                error: format!("{error}; gave up after {failures} attempts"),
            }
        } else {
            let wait = i64::try_from(policy.backoff(failures).as_millis()).unwrap_or(i64::MAX);
            Attempted::Retry {
                status,
                error,
                next_ms: handle.clock.now_ms().saturating_add(wait),
            }
        }
    };
    match sent {
        Ok(response) => {
            let status = response.status();
            let code = Some(status.as_u16());
            if status.is_success() {
                Attempted::Delivered { status: code }
            } else if status.is_server_error()
                || status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::REQUEST_TIMEOUT
            {
                retry(code, format!("{} answered {status}", url.redacted()))
            } else {
                Attempted::Failed {
                    status: code,
                    error: format!(
                        "{} refused the message ({status}); check the hook URL",
                        url.redacted()
                    ),
                }
            }
        }
        Err(e) => {
            let why = if e.is_timeout() {
                "did not answer in time".to_owned()
            } else if e.is_connect() {
                "could not be reached".to_owned()
            } else {
                format!("could not be sent to: {}", e.without_url())
            };
            retry(None, format!("{} {why}", url.redacted()))
        }
    }
}

/// The problems of a rendered plain-JSON body, for a notification's text.
fn notification_text(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let problems = v.get("problems")?.as_array()?;
            Some(
                problems
                    .iter()
                    .filter_map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let waits: Vec<u64> = (1..=9).map(|n| policy.backoff(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 900, 900]);
    }
}
