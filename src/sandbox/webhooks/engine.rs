//! The delivery engine: a FIFO per webhook, retries on their own tasks, and idle tracking.
//!
//! Deliveries come in two ways. [`Dispatcher::emit`] queues them in memory only (tests, and
//! anyone without a store). [`Dispatcher::enqueue_stored`] takes deliveries a caller already
//! wrote to a durable outbox (the sandbox does so in the transaction that caused them); each of
//! their attempts is then recorded with [`CallLog::record_attempt`], which moves the outbox row's
//! retry schedule in the same transaction as the call log entry. At start the caller hands the
//! rows that are not final back to `enqueue_stored`: first attempts go out again in order, and
//! a delivery that was waiting for a retry resumes at its stored time.

use super::*;

// ---- The engine -----------------------------------------------------------------------------

/// When to retry, and how long to wait for an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait before each retry: `delays.len()` retries after the first attempt.
    pub delays: Vec<Duration>,
    /// How long one attempt may take, from connecting to the end of the response body.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// Contentful's default: 2 retries 30 s apart (3 attempts), 30 s timeout.
    fn default() -> Self {
        Self::with_max_retries(2)
    }
}

impl RetryPolicy {
    /// The custom retry policy of spec §6.4 (`PUT /webhook_settings/retry_policy
    /// {"maxRetries": n}`, at most 99): the first 2 retries wait 30 s, each of the next 12 waits
    /// a minute more than the one before (1.5 min … 12.5 min), and the rest wait 15 min.
    /// Timeout 30 s.
    pub fn with_max_retries(max_retries: u32) -> Self {
        let delays = (1..=max_retries.min(99))
            .map(|retry| match retry {
                1 | 2 => Duration::from_secs(30),
                3..=14 => Duration::from_secs(30 + 60 * u64::from(retry - 2)),
                _ => Duration::from_secs(15 * 60),
            })
            .collect();
        Self {
            delays,
            timeout: Duration::from_secs(30),
        }
    }
}

/// One delivery: an event for one target. Dropping it marks it done.
struct Job {
    event: Arc<Event>,
    target: Target,
    secret: Option<SigningSecret>,
    /// The outbox row, for a durable delivery.
    outbox_id: Option<i64>,
    /// Attempts made before this process took the delivery over (0 for a new one).
    attempts: u32,
    /// When the next attempt is due (Unix ms), for a resumed retry.
    next_at_ms: Option<i64>,
    _pending: Pending,
}

/// What a durable outbox stores for one delivery: the event and where it goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxDelivery {
    /// The event, with the id and time its idempotency key is made of.
    pub event: Event,
    /// The webhook it goes to.
    pub target: Target,
}

/// A delivery already written to a durable outbox, handed to [`Dispatcher::enqueue_stored`].
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDelivery {
    /// The outbox row id (its attempts are recorded against it).
    pub outbox_id: i64,
    /// The event and target.
    pub delivery: OutboxDelivery,
    /// Attempts made so far (0 for a delivery not yet tried).
    pub attempts: u32,
    /// When the next attempt is due (Unix ms); `None` for at once.
    pub next_at_ms: Option<i64>,
}

/// Where a durable delivery stands after an attempt, for [`CallLog::record_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryProgress {
    /// The outbox row.
    pub outbox_id: i64,
    /// Attempts made so far, this one included.
    pub attempts: u32,
    /// When the next attempt is due (Unix ms); `None` when the delivery is final.
    pub next_at_ms: Option<i64>,
}

/// Counts a delivery as outstanding while it lives.
struct Pending(watch::Sender<usize>);

impl Pending {
    fn new(counter: &watch::Sender<usize>) -> Self {
        counter.send_modify(|n| *n += 1);
        Self(counter.clone())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// What every delivery task shares.
struct Shared {
    space_id: String,
    environment_id: String,
    policy: RetryPolicy,
    log: Arc<dyn CallLog>,
    client: Result<reqwest::Client, String>,
    pending: watch::Sender<usize>,
}

struct Inner {
    shared: Arc<Shared>,
    handle: Option<Handle>,
    /// One FIFO per webhook id, each drained by its own task.
    queues: Mutex<HashMap<String, mpsc::UnboundedSender<Job>>>,
}

/// The webhook delivery engine: a cloneable handle to per-webhook delivery queues.
///
/// [`emit`](Self::emit) never blocks and never awaits the network. When the last handle is
/// dropped, the queues finish what they hold and their tasks end.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher")
            .field("space_id", &self.inner.shared.space_id)
            .field("environment_id", &self.inner.shared.environment_id)
            .field("policy", &self.inner.shared.policy)
            .field("pending", &*self.inner.shared.pending.borrow())
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// Starts an engine for one space and environment. Delivery tasks are spawned on the tokio
    /// runtime current here (one per webhook, on its first event); called outside a runtime, the
    /// engine uses the runtime current at each `emit`, and drops events emitted outside any.
    pub fn start(
        space_id: impl Into<String>,
        environment_id: impl Into<String>,
        policy: RetryPolicy,
        log: Arc<dyn CallLog>,
    ) -> Self {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // Deliveries go straight to the receiver, as Contentful's own servers send them.
            .no_proxy()
            .user_agent(concat!("release-desk-sandbox/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string());
        if let Err(error) = &client {
            tracing::error!(%error, "webhook HTTP client could not be built; every delivery will fail");
        }
        let (pending, _) = watch::channel(0usize);
        Self {
            inner: Arc::new(Inner {
                shared: Arc::new(Shared {
                    space_id: space_id.into(),
                    environment_id: environment_id.into(),
                    policy,
                    log,
                    client,
                    pending,
                }),
                handle: Handle::try_current().ok(),
                queues: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Queues an event for these targets, signed with this secret. The caller has already
    /// matched topics and filters (see [`emit_matching`](Self::emit_matching)). Each target's
    /// first attempt goes out after the earlier events queued for the same webhook id.
    pub fn emit(&self, event: Event, targets: Vec<Target>, secret: Option<SigningSecret>) {
        if targets.is_empty() {
            return;
        }
        let Some(handle) = self.runtime() else {
            tracing::error!(topic = %event.topic, "webhook event dropped: no tokio runtime to deliver it on");
            return;
        };
        let event = Arc::new(event);
        for target in targets {
            let job = Job {
                event: Arc::clone(&event),
                target,
                secret: secret.clone(),
                outbox_id: None,
                attempts: 0,
                next_at_ms: None,
                _pending: Pending::new(&self.inner.shared.pending),
            };
            self.enqueue(&handle, job);
        }
    }

    /// Queues deliveries that are already in a durable outbox, in the order given (which must be
    /// outbox order). New ones go out after the earlier deliveries of their webhook; resumed
    /// retries wait for their stored time on their own. Never blocks.
    pub fn enqueue_stored(&self, deliveries: Vec<StoredDelivery>, secret: Option<SigningSecret>) {
        if deliveries.is_empty() {
            return;
        }
        let Some(handle) = self.runtime() else {
            // They stay in the outbox and go out at the next start.
            tracing::error!("webhook deliveries deferred: no tokio runtime to deliver them on");
            return;
        };
        for stored in deliveries {
            let job = Job {
                event: Arc::new(stored.delivery.event),
                target: stored.delivery.target,
                secret: secret.clone(),
                outbox_id: Some(stored.outbox_id),
                attempts: stored.attempts,
                next_at_ms: stored.next_at_ms,
                _pending: Pending::new(&self.inner.shared.pending),
            };
            self.enqueue(&handle, job);
        }
    }

    /// Targets of the stored definitions that `event` matches ([`definition_matches`]); a
    /// definition without `sys.id` is skipped.
    pub fn matching_targets(event: &Event, definitions: &[WebhookDefinition]) -> Vec<Target> {
        definitions
            .iter()
            .filter(|definition| definition_matches(definition, event))
            .filter_map(|definition| {
                let Some(sys) = &definition.sys else {
                    tracing::warn!(name = %definition.name, "webhook definition without sys.id skipped");
                    return None;
                };
                Some(Target::from_definition(sys.id.clone(), definition))
            })
            .collect()
    }

    /// Matches the event against stored definitions ([`definition_matches`]) and queues it for
    /// each that matches. The definitions must carry their secret header values; one without
    /// `sys.id` is skipped. Returns how many deliveries were queued.
    pub fn emit_matching(
        &self,
        event: Event,
        definitions: &[WebhookDefinition],
        secret: Option<SigningSecret>,
    ) -> usize {
        let targets = Self::matching_targets(&event, definitions);
        let queued = targets.len();
        self.emit(event, targets, secret);
        queued
    }

    /// Waits until every queued delivery, pending retries included, is done (for graceful
    /// shutdown and tests). Resolves at once when nothing is queued.
    pub async fn idle(&self) {
        let mut pending = self.inner.shared.pending.subscribe();
        // Err only if the sender is gone, and `self` holds it.
        let _ = pending.wait_for(|n| *n == 0).await;
    }

    /// How many deliveries are queued, in flight or waiting for a retry.
    pub fn pending(&self) -> usize {
        *self.inner.shared.pending.borrow()
    }

    /// The runtime deliveries run on: the one current at start, else the caller's.
    fn runtime(&self) -> Option<Handle> {
        self.inner
            .handle
            .clone()
            .or_else(|| Handle::try_current().ok())
    }

    fn enqueue(&self, handle: &Handle, job: Job) {
        let mut queues = lock(&self.inner.queues);
        let key = job.target.webhook_id.clone();
        let job = match queues.get(&key) {
            Some(queue) => match queue.send(job) {
                Ok(()) => return,
                // The queue's task is gone (its runtime shut down); start a new one.
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (queue, jobs) = mpsc::unbounded_channel();
        handle.spawn(run_queue(
            Arc::clone(&self.inner.shared),
            handle.clone(),
            jobs,
        ));
        if queue.send(job).is_err() {
            tracing::error!(webhook = %key, "webhook delivery dropped: the runtime is shutting down");
        }
        queues.insert(key, queue);
    }
}

/// Drains one webhook's queue: first attempts in order; retries on their own tasks.
async fn run_queue(shared: Arc<Shared>, handle: Handle, mut jobs: mpsc::UnboundedReceiver<Job>) {
    while let Some(job) = jobs.recv().await {
        if job.attempts > 0 {
            // A retry resumed from the outbox: it waits for its time without holding back
            // the first attempts queued behind it.
            let wait = until(job.next_at_ms);
            let attempt = job.attempts.saturating_add(1);
            handle.spawn(run_retries(
                Arc::clone(&shared),
                handle.clone(),
                job,
                attempt,
                wait,
            ));
            continue;
        }
        if deliver(&shared, &handle, &job, 1).await
            && let Some(delay) = shared.policy.delays.first().copied()
        {
            handle.spawn(run_retries(
                Arc::clone(&shared),
                handle.clone(),
                job,
                2,
                delay,
            ));
        }
    }
}

/// How long until `at_ms` (Unix ms) on the system clock; zero when it passed or is unknown.
fn until(at_ms: Option<i64>) -> Duration {
    let now = Timestamp::now().as_millis();
    at_ms.map_or(Duration::ZERO, |at| {
        Duration::from_millis(u64::try_from(at.saturating_sub(now)).unwrap_or(0))
    })
}

/// Attempts `attempt`, `attempt + 1`, … of one delivery: the first after `wait`, each later one
/// after its delay in the policy, while the answer asks for a retry.
async fn run_retries(
    shared: Arc<Shared>,
    handle: Handle,
    job: Job,
    mut attempt: u32,
    mut wait: Duration,
) {
    loop {
        tokio::time::sleep(wait).await;
        if !deliver(&shared, &handle, &job, attempt).await {
            break;
        }
        // `deliver` asks for a retry only while the policy has a delay for it.
        let Some(delay) = shared.policy.delays.get(attempt as usize - 1).copied() else {
            break;
        };
        wait = delay;
        attempt = attempt.saturating_add(1);
    }
}

/// What came of sending one request.
enum Outcome {
    Answered {
        status: u16,
        headers: Map<String, Value>,
        body: String,
        /// A failure while reading the body.
        error: Option<&'static str>,
    },
    Failed(&'static str),
}

/// Makes and records one attempt; returns whether it should be retried.
async fn deliver(shared: &Shared, handle: &Handle, job: &Job, attempt: u32) -> bool {
    let request_at = Timestamp::now();
    let request = build_request(
        &job.target,
        &job.event,
        &shared.space_id,
        &shared.environment_id,
        attempt,
        job.secret.as_ref(),
        request_at.as_millis(),
    );
    let outcome = send(shared, &request).await;
    let mut call = RecordedCall {
        id: random_id(),
        webhook_id: job.target.webhook_id.clone(),
        event_type: job.event.topic.action.clone(),
        topic: job.event.topic.to_string(),
        url: request.url.clone(),
        request: request.to_log(),
        response: None,
        status_code: None,
        errors: Vec::new(),
        request_at,
        response_at: None,
        attempt,
    };
    let retry = match outcome {
        Outcome::Answered {
            status,
            headers,
            body,
            error,
        } => {
            call.status_code = Some(status);
            call.response_at = Some(Timestamp::now());
            call.response = Some(WebhookCallResponse {
                url: request.url.clone(),
                headers,
                body,
                status_code: Some(status),
            });
            call.errors.extend(error.map(str::to_owned));
            status == 429 || (500..600).contains(&status) || error.is_some()
        }
        Outcome::Failed(error) => {
            call.errors.push(error.to_owned());
            matches!(error, TIMEOUT_ERROR | CONNECTION_ERROR)
        }
    };
    let will_retry = retry && (attempt as usize) <= shared.policy.delays.len();
    if retry {
        tracing::warn!(
            webhook = %call.webhook_id,
            topic = %call.topic,
            attempt,
            status = ?call.status_code,
            errors = ?call.errors,
            will_retry,
            "webhook delivery failed"
        );
    } else {
        tracing::debug!(webhook = %call.webhook_id, topic = %call.topic, attempt, status = ?call.status_code, "webhook delivered");
    }
    let progress = job.outbox_id.map(|outbox_id| DeliveryProgress {
        outbox_id,
        attempts: attempt,
        next_at_ms: will_retry
            .then(|| shared.policy.delays.get(attempt as usize - 1))
            .flatten()
            .map(|delay| {
                Timestamp::now()
                    .as_millis()
                    .saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))
            }),
    });
    let log = Arc::clone(&shared.log);
    if let Err(error) = handle
        .spawn_blocking(move || log.record_attempt(call, progress))
        .await
    {
        tracing::error!(%error, "webhook call log failed to record a call");
    }
    will_retry
}

async fn send(shared: &Shared, request: &DeliveryRequest) -> Outcome {
    let client = match &shared.client {
        Ok(client) => client,
        Err(_) => return Outcome::Failed(CLIENT_ERROR),
    };
    let Ok(url) = reqwest::Url::parse(&request.url) else {
        return Outcome::Failed(INVALID_URL_ERROR);
    };
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Outcome::Failed(INVALID_URL_ERROR);
    }
    let Ok(method) = reqwest::Method::from_bytes(request.method.as_bytes()) else {
        return Outcome::Failed(CLIENT_ERROR);
    };
    let mut headers = HeaderMap::new();
    for (key, value) in &request.headers {
        // build_request only emits sendable headers.
        if let (Ok(name), Some(value)) =
            (HeaderName::from_bytes(key.as_bytes()), header_value(value))
        {
            headers.append(name, value);
        }
    }
    let mut builder = client.request(method, url).headers(headers);
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let mut response = match builder.send().await {
        Ok(response) => response,
        Err(error) => return Outcome::Failed(classify(&error)),
    };
    let status = response.status().as_u16();
    let mut response_headers = Map::new();
    for (name, value) in response.headers() {
        insert_header(
            &mut response_headers,
            name.as_str(),
            &String::from_utf8_lossy(value.as_bytes()),
        );
    }
    let mut body = Vec::new();
    let mut error = None;
    while body.len() < RESPONSE_BODY_LOG_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                error = Some(classify(&e));
                break;
            }
        }
    }
    body.truncate(RESPONSE_BODY_LOG_LIMIT);
    Outcome::Answered {
        status,
        headers: response_headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        error,
    }
}

fn classify(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        TIMEOUT_ERROR
    } else if error.is_builder() {
        CLIENT_ERROR
    } else {
        CONNECTION_ERROR
    }
}
