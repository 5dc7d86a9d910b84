//! [`Core`]: the sandbox's shared state — configuration, the store, the clock, the webhook
//! dispatcher and the action queue — and the few helpers every operation uses (ids, `sys`
//! links, the write-then-emit transaction wrapper).

use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::mpsc;

use super::clock::Clock;
use super::error::ApiErr;
use super::store::{Store, Tx, kind};
use super::webhooks::{Cause, Dispatcher, Event, Topic};
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
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            auto_archive: true,
            action_delay: std::time::Duration::from_millis(200),
            max_scheduled: 500,
            max_executions_per_minute: 200,
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
}

/// Events collected during a transaction, emitted after it commits.
#[derive(Default)]
pub struct Events(pub Vec<Event>);

impl Core {
    /// Runs `f` in one write transaction and emits its events once it committed.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Tx<'_>, &mut Events) -> Result<T, ApiErr>,
    ) -> Result<T, ApiErr> {
        let mut events = Events::default();
        let value = {
            let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
            store.write(|tx| f(tx, &mut events))?
        };
        self.emit(events);
        Ok(value)
    }

    /// Runs `f` in a read transaction.
    pub fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, ApiErr>) -> Result<T, ApiErr> {
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        store.read(f)
    }

    /// Hands events to every active webhook whose topics and filters match.
    pub fn emit(&self, events: Events) {
        if events.0.is_empty() {
            return;
        }
        let loaded = self.read(|tx| {
            let hooks: Vec<WebhookDefinition> = tx.all(kind::WEBHOOK)?;
            let secret = tx.setting(SIGNING_SECRET_KEY)?;
            Ok((hooks, secret))
        });
        let (hooks, secret) = match loaded {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(?e, "could not load webhooks; events dropped");
                return;
            }
        };
        let secret = secret.and_then(|s| SigningSecret::new(s).ok());
        for event in events.0 {
            self.dispatcher.emit_matching(event, &hooks, secret.clone());
        }
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
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

impl Events {
    /// Adds an event.
    pub fn push(&mut self, event: Event) {
        self.0.push(event);
    }
}

/// A new random id: 22 characters of `[0-9A-Za-z]`, like Contentful's.
pub fn new_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    (0..22)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Whether `id` is a valid CMA id (`/^[a-zA-Z0-9-_.]{1,64}$/`).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Serialises a `cma` value for a payload; these types always serialise.
pub fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
