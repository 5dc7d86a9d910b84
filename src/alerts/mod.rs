//! Alerts and hooks: rules that act on timeline events (issue #17).
//!
//! A rule says "when *event* then *action*": when a `ScheduledAction.execute` fails, notify;
//! when a release publish succeeds, call a build hook; and so on. This module owns the rules and
//! everything that carries them out, for the app's embedded timeline and for
//! `release-desk receive --rules` alike:
//! - [`rules`]: [`Rule`], [`RuleSet`] and the TOML rules file (validation with clear errors,
//!   the starter set offered on first use).
//! - [`hook_url`]: [`HookUrl`], a hook URL as the secret it is (redacted in `Debug`/`Display`).
//! - [`matching`]: whether an event matches a rule (pure).
//! - [`message`]: what a rule says, in plain words, laid out for Slack, Teams, Google Chat or
//!   plain JSON (pure).
//! - [`outbox`]: the durable deliveries, written by the journal's writer in the same
//!   transaction as the event, once per (rule, event).
//! - [`deliver`]: the task that sends them, with retries and backoff on the injected clock.
//! - [`desktop`]: freedesktop notifications (beside the in-app toasts of [`AlertNotice`]).
//!
//! [`AlertsHandle`] is what the rest of the program holds: the live rules (replace them and
//! the next event sees the new ones), the delivery log, "Send a test", and a stream of
//! [`AlertNotice`]s (notifications to show, re-validations to run, attempts made).
//!
//! ## Invariants
//! - A delivery exists iff its event committed; a webhook delivered again under the same
//!   idempotency key never enqueues again, so a rule acts once per event in effect.
//! - A hook URL never appears in `Debug` output, errors, logs or the journal; it is written
//!   only to the owner-only rules file and used only to send the request.
//! - Architecture Invariant: nothing here knows egui; the app reads the log and notices through
//!   its worker.

pub mod deliver;
pub mod desktop;
pub mod hook_url;
pub mod matching;
pub mod message;
pub mod outbox;
pub mod rules;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use tokio::sync::{Notify, broadcast};

pub use self::deliver::RetryPolicy;
pub use self::hook_url::{HookUrl, HookUrlError};
pub use self::outbox::{DeliveryRecord, DeliveryState};
pub use self::rules::{Action, ChatFormat, Rule, RuleSet, RulesError, Status, TimeWindow, When};
use crate::clock::Clock;
use crate::timeline::{Journal, JournalError};

/// How many notices a slow listener may fall behind.
const NOTICE_BUFFER: usize = 256;

/// The rules in force, shared by the journal's writer (which matches) and the deliverer (which
/// looks up URLs). Cloning shares; [`RulesHandle::replace`] swaps the whole set at once.
#[derive(Clone, Default)]
pub struct RulesHandle(Arc<RwLock<Arc<RuleSet>>>);

impl RulesHandle {
    /// A handle holding `set`.
    pub fn new(set: RuleSet) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(set))))
    }

    /// The rules now.
    pub fn get(&self) -> Arc<RuleSet> {
        Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Puts `set` in force for every event from now on.
    pub fn replace(&self, set: RuleSet) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(set);
    }
}

impl std::fmt::Debug for RulesHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RulesHandle")
            .field(&self.get().rules.len())
            .finish()
    }
}

/// What the alerts tell whoever listens (the app's worker, the headless printer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertNotice {
    /// A `notify` rule fired: show it.
    Notify {
        /// The rule.
        rule_id: String,
        /// Its name.
        rule_name: String,
        /// The alert's headline.
        headline: String,
        /// The problems, one per line (may be empty).
        text: String,
    },
    /// A `revalidate` rule fired: validate this release again.
    Revalidate {
        /// The rule.
        rule_id: String,
        /// The release.
        release_id: String,
    },
    /// A delivery was attempted.
    Attempted {
        /// The outbox row.
        delivery_id: i64,
        /// The rule.
        rule_id: String,
        /// The alert's headline.
        headline: String,
        /// Where it is now.
        state: DeliveryState,
        /// Why it failed or was canceled (never a URL).
        error: Option<String>,
    },
}

/// Why an alerts request failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AlertsError {
    /// No rule has this id.
    #[error("there is no rule '{0}'")]
    UnknownRule(String),
    /// The journal (which holds the outbox) failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// A cloneable handle to a timeline's alerts.
#[derive(Clone)]
pub struct AlertsHandle {
    journal: Journal,
    rules: RulesHandle,
    clock: Clock,
    wake: Arc<Notify>,
    notices: broadcast::Sender<AlertNotice>,
    /// Whether someone (the app's worker) carries out [`AlertNotice::Revalidate`].
    revalidates: Arc<AtomicBool>,
    /// Whether `notify` rules also show a desktop notification (the app, not a server).
    desktop_notifications: Arc<AtomicBool>,
}

impl std::fmt::Debug for AlertsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertsHandle")
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

impl AlertsHandle {
    /// A handle over `journal`'s outbox (the journal must have been opened with `rules`).
    pub(crate) fn new(journal: Journal, rules: RulesHandle, clock: Clock) -> Self {
        let (notices, _) = broadcast::channel(NOTICE_BUFFER);
        Self {
            journal,
            rules,
            clock,
            wake: Arc::new(Notify::new()),
            notices,
            revalidates: Arc::new(AtomicBool::new(false)),
            desktop_notifications: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Starts the deliverer on the current tokio runtime.
    pub(crate) fn spawn_deliverer(&self, policy: RetryPolicy) -> tokio::task::JoinHandle<()> {
        tokio::spawn(deliver::run(self.clone(), policy))
    }

    /// The rules in force (replace them through it).
    pub fn rules(&self) -> &RulesHandle {
        &self.rules
    }

    /// Notifications, re-validations and attempts from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<AlertNotice> {
        self.notices.subscribe()
    }

    /// Says that a listener of [`AlertsHandle::subscribe`] validates releases on
    /// [`AlertNotice::Revalidate`] (the app does; the headless receiver cannot, so there
    /// `revalidate` deliveries are canceled with a reason).
    pub fn set_revalidates(&self, on: bool) {
        self.revalidates.store(on, Ordering::SeqCst);
    }

    /// Turns desktop notifications for `notify` rules on or off (off by default: a server has
    /// no desktop; the app turns them on).
    pub fn set_desktop_notifications(&self, on: bool) {
        self.desktop_notifications.store(on, Ordering::SeqCst);
    }

    /// Makes the deliverer look for due deliveries now (after moving a manual clock, say).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// "Send a test": enqueues a sample message for rule `rule_id` (enabled or not) and sends
    /// it through the same outbox and deliverer as real ones. Returns the delivery's id.
    pub async fn send_test(&self, rule_id: &str) -> Result<i64, AlertsError> {
        let rules = self.rules.get();
        let rule = rules
            .rule(rule_id)
            .cloned()
            .ok_or_else(|| AlertsError::UnknownRule(rule_id.to_owned()))?;
        let now = self.clock.now_ms();
        let key = format!("test:{now}:{:016x}", rand::random::<u64>());
        let id = self
            .journal
            .write_with(move |conn| outbox::enqueue_test(conn, &rule, &key, now))
            .await?;
        self.wake();
        Ok(id)
    }

    /// The newest `limit` deliveries of `rule_id` (of every rule when `None`), newest first.
    /// Blocking: call it on the blocking pool.
    pub fn deliveries(
        &self,
        rule_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, AlertsError> {
        Ok(self
            .journal
            .read_with(|conn| outbox::log(conn, rule_id, limit).map_err(JournalError::from))?)
    }
}
