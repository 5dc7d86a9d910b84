//! The embedded sandbox: a Contentful-compatible Content Management API for the subset in
//! `shared/spec/cma-subset.md` (releases, release and bulk actions, scheduled actions, entries,
//! assets, content types, webhooks), served over real HTTP from a SQLite store.
//!
//! It really runs things: actions execute asynchronously on the [`executor`], schedules fire on
//! time from the [`scheduled`] ticker (and catch up after a restart), and every change is
//! delivered as a signed webhook with retries and a call log ([`webhooks`]). It serialises the
//! very `cma` types the client decodes. Nothing here knows the GUI.
//!
//! Code map: [`Sandbox`] starts everything; [`routes`] is the HTTP surface (handlers in `api_*`);
//! [`core`] the shared state; [`entities`], [`releases`], [`scheduled`], [`executor`] the domain,
//! with [`timeline`] the Release.v2 / bulk v2 rules and [`steps`] what an action does per entity
//! (checked with the crate's shared publish rules, [`crate::validation`]); [`webhooks`] delivery;
//! [`store`] SQLite, with [`index`] the side tables lists are answered from; [`seed`] the demo
//! (and [`seed_big`] a real-sized space).

pub mod api_content;
pub mod api_load;
pub mod api_model;
pub mod api_releases;
pub mod api_schedules;
pub mod api_webhooks;
pub mod core;
pub mod entities;
pub mod error;
pub mod executor;
pub mod guard;
pub mod headless;
pub mod index;
pub mod releases;
pub mod routes;
pub mod scheduled;
pub mod seed;
pub mod seed_big;
pub mod seed_export;
pub mod space_view;
pub mod steps;
pub mod store;
pub mod timeline;
pub mod tls;
pub mod webhooks;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use self::core::{Behaviour, Core, SIGNING_SECRET_KEY};
use self::error::ApiErr;
use self::seed::Seed;
use self::store::{Store, StoreError, kind};
use self::webhooks::{CallLog, DeliveryProgress, Dispatcher, RecordedCall};
use crate::clock::Clock;
use crate::cma::{AccessToken, ClientConfig, Region, WebhookDefinition};
use crate::signing::SigningSecret;

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where the database lives; `None` for an in-memory sandbox (tests, benchmarks).
    pub data_dir: Option<PathBuf>,
    /// Address to bind; loopback by default. Port 0 picks a free port.
    pub bind: SocketAddr,
    /// The bearer token; generated on first start (and kept) when `None`.
    pub token: Option<String>,
    /// What a fresh store is seeded with.
    pub seed: Seed,
    /// A `contentful-export` file a fresh store is loaded from instead (on an empty space).
    pub seed_file: Option<PathBuf>,
    /// Serve https with a self-signed certificate kept in the data directory.
    pub tls: bool,
    /// Answer 429 beyond this many requests per second.
    pub rate_limit: Option<NonZeroU32>,
    /// Where the seeded webhook delivers; set at every start when given.
    pub webhook_url: Option<String>,
    /// The space's signing secret; generated on first start (and kept) when `None`.
    pub signing_secret: Option<SigningSecret>,
    /// Behaviour switches (auto-archive, delays, limits).
    pub behaviour: Behaviour,
    /// Webhook retry delays and timeout.
    pub webhook_retry: webhooks::RetryPolicy,
    /// How often the scheduler looks for due actions.
    pub scheduler_tick: Duration,
    /// Where "now" comes from.
    pub clock: Clock,
    /// Added to every response before it is sent (`--latency`), to try the app against a
    /// server as far away as the real CMA; zero for none.
    pub latency: Duration,
    /// How the environment publishes: whole entries (the default) or locale by locale
    /// (`--publishing locale`, spec §10.1); it decides which Timeline item shape is accepted.
    pub publishing: timeline::PublishingMode,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            data_dir: None,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: None,
            seed: Seed::Demo,
            seed_file: None,
            tls: false,
            rate_limit: None,
            webhook_url: None,
            signing_secret: None,
            behaviour: Behaviour::default(),
            webhook_retry: webhooks::RetryPolicy::default(),
            scheduler_tick: Duration::from_millis(250),
            clock: Clock::system(),
            latency: Duration::ZERO,
            publishing: timeline::PublishingMode::Entry,
        }
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The data directory could not be created or opened.
    #[error("cannot use data directory {path}: {message}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Seeding or another setup step failed.
    #[error("sandbox setup failed: {0}")]
    Setup(String),
    /// Another process is already serving this data directory.
    #[error(
        "another Release Desk sandbox{holder} is using {path}; stop it first, or give this one \
         another data directory"
    )]
    Locked {
        /// The data directory.
        path: PathBuf,
        /// ` (pid N)` when the holder wrote its pid, else empty.
        holder: String,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What went wrong.
        message: String,
    },
}

impl From<ApiErr> for SandboxError {
    fn from(e: ApiErr) -> Self {
        Self::Setup(e.body.message_or_id().to_owned())
    }
}

/// The call log, written to the store.
struct StoreCallLog {
    store: Arc<Mutex<Store>>,
    space_id: String,
}

impl CallLog for StoreCallLog {
    fn record(&self, call: RecordedCall) {
        self.record_attempt(call, None);
    }

    fn record_attempt(&self, call: RecordedCall, progress: Option<DeliveryProgress>) {
        let details = call.details(&self.space_id);
        let json = match serde_json::to_string(&details) {
            Ok(json) => json,
            Err(e) => {
                tracing::error!(%e, "webhook call not logged");
                return;
            }
        };
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        let result: Result<(), StoreError> = store.write(|tx| {
            tx.append_call(
                &call.id,
                &call.webhook_id,
                call.is_healthy(),
                call.request_at.as_millis(),
                &json,
            )?;
            if let Some(progress) = progress {
                tx.outbox_attempted(progress.outbox_id, progress.attempts, progress.next_at_ms)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            tracing::error!(%e, "webhook call not logged");
        }
    }
}

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] stops it gracefully.
pub struct Sandbox {
    /// `http://127.0.0.1:<port>`.
    pub base_url: url::Url,
    /// The bound address.
    pub addr: SocketAddr,
    /// The bearer token.
    pub token: String,
    /// The space id.
    pub space_id: String,
    /// The environment id.
    pub environment_id: String,
    /// The signing secret deliveries are signed with.
    pub signing_secret: Option<SigningSecret>,
    /// What `seed_file` loaded, when this start loaded one.
    pub seed_report: Option<seed_export::ExportLoad>,
    /// With `tls`: the self-signed certificate clients must trust (`NODE_EXTRA_CA_CERTS`).
    pub tls_cert: Option<PathBuf>,
    core: Arc<Core>,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
    /// The data directory's exclusive lock, held while this sandbox lives.
    _lock: Option<DataDirLock>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url.as_str())
            .field("space_id", &self.space_id)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Opens (or seeds) the store, binds the address, and starts the server, the action
    /// executor and the scheduler on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let export = match &config.seed_file {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    SandboxError::Setup(format!("cannot read {}: {e}", path.display()))
                })?;
                let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                    SandboxError::Setup(format!("{} is not JSON: {e}", path.display()))
                })?;
                Some(json)
            }
        };
        let seed = if export.is_some() {
            Seed::Empty
        } else {
            config.seed
        };
        if config.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(SandboxError::Setup(
                "the token must not be empty (leave it out to have one generated)".into(),
            ));
        }
        let (store, lock) = match &config.data_dir {
            Some(dir) => {
                crate::private_fs::create_private_dir(dir).map_err(|e| SandboxError::DataDir {
                    path: dir.clone(),
                    message: e.to_string(),
                })?;
                let lock = DataDirLock::acquire(dir)?;
                (Store::open(dir)?, Some(lock))
            }
            None => (Store::in_memory()?, None),
        };
        let store = Arc::new(Mutex::new(store));
        let (space_id, token, seeded) = {
            let mut guard = store.lock().unwrap_or_else(|e| e.into_inner());
            guard.write(|tx| -> Result<_, StoreError> {
                let seeded = tx.setting("space_id")?.is_some();
                let space_id = match tx.setting("space_id")? {
                    Some(id) => id,
                    None => seed::space_of(seed).0,
                };
                tx.set_setting("space_id", &space_id)?;
                let token = match (&config.token, tx.setting("token")?) {
                    (Some(token), _) => token.clone(),
                    (None, Some(stored)) => stored,
                    (None, None) => format!("CFPAT-sandbox-{}", self::core::new_id()),
                };
                tx.set_setting("token", &token)?;
                Ok((space_id, token, seeded))
            })?
        };
        let env_id = "master".to_owned();
        let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
        let log = Arc::new(StoreCallLog {
            store: store.clone(),
            space_id: space_id.clone(),
        });
        let dispatcher = Dispatcher::start(
            space_id.clone(),
            env_id.clone(),
            config.webhook_retry.clone(),
            log,
        );
        let core = Arc::new(Core {
            space_id: space_id.clone(),
            env_id: env_id.clone(),
            token: token.clone(),
            behaviour: config.behaviour.clone(),
            store,
            clock: config.clock.clone(),
            dispatcher,
            jobs: jobs_tx,
            seed,
            webhook_url: config.webhook_url.clone(),
            publishing_mode: std::sync::Mutex::new(config.publishing),
        });
        let signing_secret = core.write(|tx, _| {
            let mut report = None;
            if !seeded {
                seed::load(&core, tx, seed, config.webhook_url.as_deref())?;
                if let Some(export) = &export {
                    report = Some(seed_export::load_export(&core, tx, export, &mut |_| {})?);
                }
            } else if export.is_some() {
                return Err(ApiErr::bad_request(
                    "the data directory already holds a space; load an export into a fresh one \
                     (another --data directory)",
                ));
            } else if let Some(url) = &config.webhook_url {
                point_webhooks_at(&core, tx, url)?;
            }
            let secret = match (&config.signing_secret, tx.setting(SIGNING_SECRET_KEY)?) {
                (Some(secret), _) => secret.clone(),
                (None, Some(stored)) => {
                    SigningSecret::new(stored).unwrap_or_else(|_| SigningSecret::generate())
                }
                (None, None) => SigningSecret::generate(),
            };
            tx.set_setting(SIGNING_SECRET_KEY, secret.expose())?;
            Ok((secret, report))
        })?;
        let (signing_secret, seed_report) = signing_secret;
        if !seeded {
            // A first seed (the big one writes ~400 MB in one transaction) leaves a WAL as large
            // as the data, which every later read would search: fold it into the database now.
            core.checkpoint()?;
        }

        // Deliveries a previous process left unfinished go out before anything new.
        let resumed = core.resume_deliveries()?;
        if resumed > 0 {
            tracing::info!(resumed, "webhook deliveries resumed from the outbox");
        }

        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|e| SandboxError::Bind {
                addr: config.bind,
                message: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| SandboxError::Bind {
            addr: config.bind,
            message: e.to_string(),
        })?;
        let rate = config
            .rate_limit
            .map(|n| Arc::new(routes::RateGate::new(n)));
        let app = routes::with_latency(routes::router(core.clone(), rate), config.latency);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let tls = match (config.tls, &config.data_dir) {
            (false, _) => None,
            (true, Some(dir)) => Some(tls::load_or_create(dir).map_err(SandboxError::Setup)?),
            (true, None) => {
                return Err(SandboxError::Setup(
                    "https needs a data directory to keep its certificate in".into(),
                ));
            }
        };
        let tls_cert = tls.as_ref().map(|identity| identity.cert_path.clone());
        let server = match tls {
            Some(identity) => tokio::spawn(tls::serve(listener, app, identity.config, stop_rx)),
            None => tokio::spawn(async move {
                let result = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await;
                if let Err(e) = result {
                    tracing::error!(%e, "sandbox server stopped");
                }
            }),
        };
        let executor = tokio::spawn(executor::run(core.clone(), jobs_rx));
        let scheduler = tokio::spawn(scheduled::run(core.clone(), config.scheduler_tick));
        let scheme = if tls_cert.is_some() { "https" } else { "http" };
        let base_url = url::Url::parse(&format!("{scheme}://{addr}"))
            .map_err(|e| SandboxError::Setup(e.to_string()))?;
        Ok(Self {
            base_url,
            addr,
            token,
            space_id,
            environment_id: env_id,
            signing_secret: Some(signing_secret),
            seed_report,
            tls_cert,
            core,
            stop: Some(stop_tx),
            tasks: vec![server, executor, scheduler],
            _lock: lock,
        })
    }

    /// A client configuration for this sandbox (no rate limit: it is local).
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new(
            Region::Custom(self.base_url.clone()),
            AccessToken::new(self.token.clone()),
            self.space_id.clone(),
            self.environment_id.clone(),
        );
        config.rate_limit = None;
        config
    }

    /// The clock the sandbox reads (tests move a manual one).
    pub fn clock(&self) -> &Clock {
        &self.core.clock
    }

    /// Waits until every queued webhook delivery (including retries) is done.
    pub async fn deliveries_idle(&self) {
        self.core.dispatcher.idle().await;
    }

    /// Stops accepting requests, lets in-flight webhook deliveries finish (up to `grace`), and
    /// stops the executor and scheduler. Unfinished actions resume at the next start.
    pub async fn shutdown(mut self, grace: Duration) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(grace, self.core.dispatcher.idle()).await;
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// An exclusive lock on a data directory (`sandbox.lock`, holding the owner's pid): one process
/// writes a sandbox database at a time. The operating system drops the lock when the process
/// ends, however it ends, so a crash never leaves a stale lock behind.
struct DataDirLock {
    _file: std::fs::File,
}

impl DataDirLock {
    const FILE: &'static str = "sandbox.lock";

    fn acquire(dir: &std::path::Path) -> Result<Self, SandboxError> {
        use std::io::{Read, Seek, Write};
        let path = dir.join(Self::FILE);
        let io_error = |e: std::io::Error| SandboxError::DataDir {
            path: path.clone(),
            message: e.to_string(),
        };
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&path).map_err(io_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim();
                let holder = if pid.is_empty() {
                    String::new()
                } else {
                    format!(" (pid {pid})")
                };
                return Err(SandboxError::Locked {
                    path: dir.to_path_buf(),
                    holder,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_error(e)),
        }
        file.set_len(0).map_err(io_error)?;
        file.rewind().map_err(io_error)?;
        writeln!(file, "{}", std::process::id()).map_err(io_error)?;
        Ok(Self { _file: file })
    }
}

/// Clears the store and seeds it again, keeping the token, space id and signing secret
/// (`POST /spaces/{s}/_sandbox/reset`, a Release Desk extension). With `publishing`, the
/// environment switches to that mode first (the demo then seeds that mode's Timeline release).
pub fn reset(core: &Core, publishing: Option<timeline::PublishingMode>) -> Result<(), ApiErr> {
    if let Some(mode) = publishing {
        core.set_publishing(mode);
    }
    core.write(|tx, _| {
        clear_keeping_identity(tx)?;
        seed::load(core, tx, core.seed, core.webhook_url.as_deref())
    })
}

/// Replaces the space with `export` in one transaction (`POST /spaces/{s}/_sandbox/load`):
/// cleared as by a reset, seeded empty (locales, the webhook to the app's receiver), then
/// loaded. When anything fails, the space is as it was.
pub fn load_replacing(
    core: &Core,
    export: &serde_json::Value,
    progress: seed_export::Progress<'_>,
) -> Result<seed_export::ExportLoad, ApiErr> {
    core.write(|tx, _| {
        clear_keeping_identity(tx)?;
        seed::load(core, tx, Seed::Empty, core.webhook_url.as_deref())?;
        seed_export::load_export(core, tx, export, progress)
    })
}

/// Empties the store but for what identifies the space to its clients: the token, the space
/// id and the signing secret.
fn clear_keeping_identity(tx: &store::Tx<'_>) -> Result<(), ApiErr> {
    let token = tx.setting("token")?;
    let space_id = tx.setting("space_id")?;
    let secret = tx.setting(SIGNING_SECRET_KEY)?;
    tx.clear()?;
    for (key, value) in [
        ("token", token),
        ("space_id", space_id),
        (SIGNING_SECRET_KEY, secret),
    ] {
        if let Some(value) = value {
            tx.set_setting(key, &value)?;
        }
    }
    Ok(())
}

/// Points every webhook at `url` and activates it (the app's receiver port changes per launch).
fn point_webhooks_at(core: &Core, tx: &store::Tx<'_>, url: &str) -> Result<(), ApiErr> {
    let hooks: Vec<WebhookDefinition> = tx.all(kind::WEBHOOK)?;
    for mut hook in hooks {
        let Some(id) = hook.sys.as_ref().map(|s| s.id.clone()) else {
            continue;
        };
        if hook.url != url || !hook.active {
            hook.url = url.to_owned();
            hook.active = true;
            if let Some(sys) = hook.sys.as_mut() {
                sys.version += 1;
                sys.updated_at = Some(core.now());
            }
            tx.put(kind::WEBHOOK, &id, &hook)?;
        }
    }
    Ok(())
}
