//! [`Core`]: the sandbox's shared state — configuration, the store, the clock, the webhook
//! dispatcher and the action queue — and the few helpers every operation uses (ids, `sys`
//! links, the transaction wrapper that writes a change and the deliveries it causes together).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::mpsc;

use super::error::ApiErr;
use super::store::{Store, Tx, kind};
use super::webhooks::{Cause, Dispatcher, Event, OutboxDelivery, StoredDelivery, Target, Topic};
use crate::clock::Clock;
use crate::cma::{Link, LinkType, Timestamp, WebhookDefinition};
use crate::signing::SigningSecret;

/// The user every sandbox change is attributed to.
pub const SANDBOX_USER: &str = "sandbox-user";
/// Settings key of the space's webhook signing secret.
pub const SIGNING_SECRET_KEY: &str = "signing_secret";

/// Work for the action executor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Run a release action.
    Release {
        /// The release.
        release_id: String,
        /// The action.
        action_id: String,
    },
    /// Run a bulk action.
    Bulk {
        /// The action.
        action_id: String,
    },
}

/// Behaviour switches of a running sandbox.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Archive a release after a successful publish (spec §1: on by default).
    pub auto_archive: bool,
    /// How long an action stays `created` before it runs.
    pub action_delay: std::time::Duration,
    /// Most scheduled actions in `scheduled` status per environment.
    pub max_scheduled: usize,
    /// Most scheduled-action executions per minute.
    pub max_executions_per_minute: usize,
    /// Test hooks that make a named step fail (see [`Failpoints`]).
    pub failpoints: Failpoints,
}

/// Named points where a test can make the sandbox fail, to prove that a crash there loses
/// nothing. Production code never arms one; an unarmed point costs one uncontended lock.
///
/// A point armed `n` times fails the next `n` times it is reached, with a transient store error
/// (`503`), which is what a step that meets a locked database sees.
#[derive(Debug, Clone, Default)]
pub struct Failpoints(Arc<Mutex<HashMap<&'static str, u32>>>);

impl Failpoints {
    /// Between a scheduled release action's effect and the schedule's own update.
    pub const SCHEDULE_BEFORE_FINISH: &'static str = "schedule.before_finish";
    /// At the start of each step of a release or bulk action.
    pub const ACTION_STEP: &'static str = "action.step";

    /// Makes `point` fail the next `times` times it is reached.
    pub fn arm(&self, point: &'static str, times: u32) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(point, times);
    }

    /// Fails if `point` is armed (and counts one use of it).
    pub fn check(&self, point: &'static str) -> Result<(), ApiErr> {
        let mut armed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match armed.get_mut(point) {
            Some(n) if *n > 0 => {
                *n -= 1;
                Err(ApiErr::transient(format!("failpoint {point}")))
            }
            _ => Ok(()),
        }
    }
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            auto_archive: true,
            action_delay: std::time::Duration::from_millis(200),
            max_scheduled: 500,
            max_executions_per_minute: 200,
            failpoints: Failpoints::default(),
        }
    }
}

/// The shared state of one sandbox.
pub struct Core {
    /// The one space's id.
    pub space_id: String,
    /// The one environment's id.
    pub env_id: String,
    /// The bearer token clients must send.
    pub token: String,
    /// Behaviour switches.
    pub behaviour: Behaviour,
    /// The document store.
    pub store: Arc<Mutex<Store>>,
    /// Where "now" comes from.
    pub clock: Clock,
    /// Webhook delivery.
    pub dispatcher: Dispatcher,
    /// The action executor's queue.
    pub jobs: mpsc::UnboundedSender<Job>,
    /// What a reset restores.
    pub seed: super::seed::Seed,
    /// Where the seeded webhook delivers.
    pub webhook_url: Option<String>,
    /// Entry- or locale-based publishing (spec §10.1); a reset may switch it.
    pub publishing_mode: std::sync::Mutex<super::timeline::PublishingMode>,
}

impl Core {
    /// The environment's publishing mode now.
    pub fn publishing(&self) -> super::timeline::PublishingMode {
        *self
            .publishing_mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Switches the publishing mode (a reset that asks for the other one).
    pub fn set_publishing(&self, mode: super::timeline::PublishingMode) {
        *self
            .publishing_mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = mode;
    }
}

/// Events collected during a transaction, emitted after it commits.
#[derive(Default)]
pub struct Events(pub Vec<Event>);

impl Core {
    /// Runs `f` in one write transaction, together with the outbox rows of the webhook
    /// deliveries its events cause; once committed, hands those deliveries to the dispatcher
    /// (still under the store lock, so deliveries are queued in commit order).
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Tx<'_>, &mut Events) -> Result<T, ApiErr>,
    ) -> Result<T, ApiErr> {
        let mut store = self.lock_store();
        let (value, deliveries, secret) = store.write(|tx| {
            let mut events = Events::default();
            let value = f(tx, &mut events)?;
            let (deliveries, secret) = self.stage_deliveries(tx, events)?;
            Ok::<_, ApiErr>((value, deliveries, secret))
        })?;
        self.dispatcher.enqueue_stored(deliveries, secret);
        Ok(value)
    }

    /// Writes one outbox row per (event, matching active webhook), in event order.
    fn stage_deliveries(
        &self,
        tx: &Tx<'_>,
        events: Events,
    ) -> Result<(Vec<StoredDelivery>, Option<SigningSecret>), ApiErr> {
        if events.0.is_empty() {
            return Ok((Vec::new(), None));
        }
        let hooks: Vec<WebhookDefinition> = tx.all(kind::WEBHOOK)?;
        let secret = signing_secret(tx)?;
        let created_ms = self.now().as_millis();
        let mut deliveries = Vec::new();
        for event in events.0 {
            for target in Dispatcher::matching_targets(&event, &hooks) {
                let delivery = OutboxDelivery {
                    event: event.clone(),
                    target,
                };
                let json = serde_json::to_string(&delivery).map_err(ApiErr::internal)?;
                let outbox_id = tx.outbox_insert(&delivery.target.webhook_id, &json, created_ms)?;
                deliveries.push(StoredDelivery {
                    outbox_id,
                    delivery,
                    attempts: 0,
                    next_at_ms: None,
                });
            }
        }
        Ok((deliveries, secret))
    }

    /// Hands every delivery the outbox holds unfinished to the dispatcher (at start), after
    /// pruning old final rows. Each goes to its webhook as it is defined now (its URL may have
    /// moved); one whose webhook was deleted is dropped. Returns how many were resumed.
    pub fn resume_deliveries(&self) -> Result<usize, ApiErr> {
        let mut store = self.lock_store();
        let (deliveries, secret) = store.write(|tx| {
            tx.outbox_prune(super::store::OUTBOX_FINAL_KEEP)?;
            // Where a webhook points now (the app's receiver gets a new port at every launch).
            let hooks: HashMap<String, WebhookDefinition> = tx
                .all::<WebhookDefinition>(kind::WEBHOOK)?
                .into_iter()
                .filter_map(|hook| Some((hook.sys.as_ref()?.id.clone(), hook)))
                .collect();
            let mut deliveries = Vec::new();
            for row in tx.outbox_open()? {
                match serde_json::from_str::<OutboxDelivery>(&row.delivery) {
                    Ok(mut delivery) => {
                        let webhook_id = delivery.target.webhook_id.clone();
                        let Some(hook) = hooks.get(&webhook_id) else {
                            tracing::warn!(id = row.id, webhook = %webhook_id, "webhook deleted; its pending delivery is dropped");
                            tx.outbox_attempted(row.id, row.attempts, None)?;
                            continue;
                        };
                        delivery.target = Target::from_definition(webhook_id, hook);
                        deliveries.push(StoredDelivery {
                            outbox_id: row.id,
                            delivery,
                            attempts: row.attempts,
                            next_at_ms: row.next_at_ms,
                        });
                    }
                    Err(e) => {
                        // Written by this program, so this means corruption: give up on it
                        // rather than retry it at every start.
                        tracing::error!(id = row.id, %e, "outbox delivery does not decode; dropped");
                        tx.outbox_attempted(row.id, row.attempts, None)?;
                    }
                }
            }
            Ok::<_, ApiErr>((deliveries, signing_secret(tx)?))
        })?;
        let resumed = deliveries.len();
        self.dispatcher.enqueue_stored(deliveries, secret);
        Ok(resumed)
    }

    /// Folds the write-ahead log into the database and truncates it (after a large write).
    pub fn checkpoint(&self) -> Result<(), ApiErr> {
        Ok(self.lock_store().checkpoint()?)
    }

    /// Runs `f` in a read transaction.
    pub fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, ApiErr>) -> Result<T, ApiErr> {
        self.lock_store().read(f)
    }

    /// The store, waiting for it off the runtime when another task holds it (which may itself
    /// be waiting for a database lock), so contention never stalls the server's other tasks.
    fn lock_store(&self) -> std::sync::MutexGuard<'_, super::store::Store> {
        match self.store.try_lock() {
            Ok(store) => store,
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                super::store::off_runtime(|| self.store.lock().unwrap_or_else(|e| e.into_inner()))
            }
        }
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        Timestamp(self.clock.now())
    }

    /// A link to the sandbox user.
    pub fn user(&self) -> Link {
        Link::new(LinkType::User, SANDBOX_USER)
    }

    /// A link to the space.
    pub fn space_link(&self) -> Link {
        Link::new(LinkType::Space, self.space_id.clone())
    }

    /// A link to the environment.
    pub fn env_link(&self) -> Link {
        Link::new(LinkType::Environment, self.env_id.clone())
    }

    /// An event about `payload` (`sys.type` names the entity type).
    pub fn event(
        &self,
        entity_type: &str,
        action: &str,
        payload: Value,
        crn_path: String,
        cause: &Cause,
    ) -> Event {
        Event::new(Topic::new(entity_type, action), payload, crn_path)
            .with_cause(cause.clone())
            .at(self.now().0)
    }
}

/// The space's signing secret, if one is set and valid.
fn signing_secret(tx: &Tx<'_>) -> Result<Option<SigningSecret>, ApiErr> {
    Ok(tx
        .setting(SIGNING_SECRET_KEY)?
        .and_then(|s| SigningSecret::new(s).ok()))
}

impl Events {
    /// Adds an event.
    pub fn push(&mut self, event: Event) {
        self.0.push(event);
    }
}

/// Ids come from the one generator in `cma` (re-exported here for the sandbox's modules).
pub use crate::cma::ids::{new_id, valid_id};

/// Serialises a `cma` value for a payload; these types always serialise.
pub fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
