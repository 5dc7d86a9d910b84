//! # Release Desk
//!
//! A desktop tool for the people who run content releases on Contentful, and the embedded,
//! Contentful-compatible sandbox it runs on when offline.
//!
//! ## Bird's-eye view
//! Everything speaks Contentful's Content Management API (CMA). [`cma`] defines that API once —
//! its JSON as serde types and an HTTP [`cma::Client`] — and every other part is built on it:
//! the sandbox serves the same types the client decodes, and the app reaches the sandbox only
//! over HTTP, exactly as it reaches Contentful.
//!
//! ```text
//!   app views ──Intent──▶ App ──Command──▶ worker (tokio) ──cma::Client──HTTP──▶ Contentful | sandbox
//!      ▲                                                                          │ signed webhooks
//!      └── AppState::apply ◀──AppEvent (stamped with the epoch)── timeline ◀──────┘
//! ```
//!
//! A frame: `App::logic` drains worker results into [`app::state::AppState::apply`] (the only
//! place outside results change the state) and carries out the effects it returns; views draw
//! from `&AppState` and push [`app::intents::Intent`]s (run a command, go somewhere, open or
//! close a window); the app marks each command in the state (`on_sent`) and hands it to the
//! worker, which runs it as its own task and answers with events that request a repaint.
//!
//! ## Code map
//! - [`cma`]: wire types (releases in both models — Launch links and Timeline items in
//!   `release_item` —, actions, bulk actions v1/v2, schedules, entries, webhooks, errors) and
//!   the client (rate limiter, retries, paging streams, action polling).
//! - [`sandbox`]: the embedded Contentful-compatible server: axum routes over a SQLite document
//!   store, the action executor, the scheduler, signed webhook delivery with retries and a
//!   call log, and the demo seed. `release-desk sandbox` runs it headless.
//! - [`validation`]: the publish-validation rules (required, size, range, in, regexp,
//!   linkContentType, linkMimetypeGroup, unresolved links, …) over `cma` types, pure, behind a
//!   small `Space` trait: the sandbox applies them when it publishes, the app's readiness
//!   preflight applies them to what it loaded. Depends only on `cma`, `regex` and `serde_json`.
//! - [`readiness`]: whether a release will publish, computed without running an action, pure:
//!   the local preflight (the same per-entity errors a publish would report), the reference
//!   closure (linked drafts outside the release) and the body that adds them, the `Readiness`
//!   verdict with its precedence, and the draft-vs-published diff of the Changes tab. The
//!   worker (`app/worker/readiness.rs`) loads what it needs and the state caches the result.
//! - [`app`]: the egui app.
//!   - `App` in `app/mod.rs`, split after rerun's viewer: `logic` (drain events, carry out
//!     effects, reconnect, shortcuts), `ui` (layout, the current view and the windows over it),
//!     `intents` (`Intent`, `Route`, `Window`, and how the app carries them out); `ui_command`
//!     (the palette's and shortcuts' commands, the current view's actions among them);
//!     `palette` (Ctrl+K: commands, and releases and entries found by name on the server).
//!   - `state/` (`AppState`: `on_sent` / `apply` → `Effect`s; data-driven tests;
//!     `state/entities`: the entries view's page cache, the pickers' server searches, and the
//!     ids asked for, in flight or absent, over a bounded entity cache; `state/sandbox_load`:
//!     loads into the local sandbox; `state/readiness`: each release's readiness and review as
//!     last worked out, by release id and version), `command` (I/O requests), `event` (`AppEvent`, `Epoch`,
//!     `RequestKind`), `memory` (what the window remembers between runs), `release_model`
//!     (whether the space uses Launch, Timeline or both, and publishes per entry or per
//!     locale).
//!   - `worker/` (the only I/O: commands, `connection`, `schedules`, `search`, `bulk`,
//!     `sandbox_load`, `files`, `readiness` (what a readiness check and a release's review
//!     load); latest-wins keys, with groups for the entries view's pages, one cancellation token per
//!     connection) and `worker/timeline/` (`journal`: blocking reads on
//!     `spawn_blocking`; `sources`: export, rate chart, sources panel, call-log poller, webhook).
//!   - `views/` (releases, release detail with `release_items` (both release models' items),
//!     `entity_picker`, entries, inspector, entity detail, `calendar/`, schedule dialog,
//!     `timeline/` (table, detail, panels), settings), `widgets/`, `theme` (every colour), and
//!     pure logic without egui: `schedule` (instants, DST, conflicts), `ics` (calendar export),
//!     `timeline/` (`filter`, `protocol`: requests split into journal reads and tasks so the
//!     compiler routes them, `rows`: the journal row cache, `titles`: summaries that name what
//!     the app knows); `state/titles`: the title of a linked entry, asset or release, when known.
//!   - Settings → Alerts and hooks: `alerts` (requests, results and the section's state, pure),
//!     `views/settings_alerts`, and `worker/alerts` (rules file, "Send a test", delivery logs,
//!     notices forwarded as toasts, re-validations run on the sandbox's connection).
//! - [`embedded`]: the composition root of the desktop app's local backend (receiver, journal,
//!   sandbox, shared signing secret); outside `app`, so the app knows the sandbox only as HTTP.
//! - [`config`]: paths (`directories`), connection profiles, token storage: the system keychain
//!   through the Secret Service when one answers (`config::keychain`), else owner-only files,
//!   with a one-time move of file tokens into the keychain (`config::tokens`).
//! - [`desktop`]: the application id and window icon that match the desktop entry and icons in
//!   `assets/` (packaged by `cargo deb`, see `Cargo.toml`).
//! - [`signing`]: Contentful webhook request signing and verification, shared by the sandbox
//!   (which signs) and the receiver (which verifies).
//! - [`timeline`]: the webhook receiver, the durable SQLite event journal with its live stream,
//!   the call-log poller, the event model (payloads as `cma` types, causes, summaries), and
//!   the export (NDJSON/CSV, written through a temporary file renamed into place).
//! - [`alerts`]: alert rules over timeline events ("when a schedule fails, post to Slack"):
//!   the TOML rules file, matching, messages for Slack/Teams/Google Chat/JSON, the durable
//!   outbox the journal writes with each event, and the deliverer with retries. Both the
//!   app's embedded timeline and `release-desk receive --rules` run them.
//! - [`clock`]: the one injectable clock (system, or manual for tests).
//! - [`private_fs`]: owner-only data directories and database files (sandbox, journal).
//! - [`shutdown`]: Ctrl-C and SIGTERM, listened for before a command announces it is ready.
//! - `main.rs`: the command line only (one runtime helper); the headless loops are
//!   `sandbox::headless` and `timeline::headless`, the window is `desktop::run_window`.
//!
//! ## Invariants
//! - Architecture Invariant: `cma` knows nothing of egui, SQLite or the file system.
//! - The access token never appears in `Debug` output, errors or logs: it lives in
//!   [`cma::AccessToken`] and travels only in a header marked sensitive, or to the keychain
//!   over an encrypted Secret Service session.
//! - The one deliberate exception to "state changes only through `AppState::apply`": Settings
//!   reads [`config::token_store_note`], a process-wide line set once when the worker's token
//!   store settles (no I/O on the UI thread).
//! - Data from the network never panics the process: every decode failure is a typed error,
//!   and a record the client cannot model is kept raw (`cma::Decoded`, `cma::ReleaseItem::
//!   Unsupported`) and shown as such instead of failing the page it came in.
//! - A 409 is never retried; a POST is never repeated after it may have reached the server.
//! - Unknown JSON fields are kept (`extra`), so what is read re-encodes without loss.
//! - Architecture Invariant: `app/views`, `app/widgets` and `app/state` know nothing of tokio,
//!   reqwest, rusqlite or the file system; only the worker does I/O, and the UI thread never
//!   waits on it.
//! - Architecture Invariant: nothing in `sandbox` knows the GUI; the GUI reaches it only over
//!   HTTP (its one extension, `POST /spaces/{s}/_sandbox/reset`, is HTTP too).
//! - A SQLite connection is owned by one store behind one lock; every write is a transaction,
//!   and the webhook deliveries a write causes are written to the sandbox's outbox in that same
//!   transaction: a delivery exists if and only if its cause committed, and it survives a crash
//!   (at-least-once, resumed at start, same idempotency key on every attempt).
//! - One process writes a data directory: the sandbox holds an exclusive lock file there, and
//!   the files that hold secrets (sandbox database, timeline journal) are owner-only.
//! - Time is injected everywhere: one [`clock::Clock`] for the sandbox, the timeline and the app.
//! - Architecture Invariant: the app never loads a whole space. The entries view pages from
//!   the server (`skip`/`limit`, filters and order on the server) and keeps at most
//!   `state::MAX_PAGES` pages; views that show titles ask for the ids they lack
//!   (`sys.id[in]`, up to 200 a request) once; pickers search the server; the entity cache is
//!   bounded (`state::ENTITY_CACHE_CAP`). The calendar loads its visible range.
//! - Architecture Invariant: [`validation`] and [`readiness`] are pure (no I/O, no egui) and
//!   name neither `app` nor `sandbox`: one set of publish rules serves both sides.
//! - Architecture Invariant: `app` never names `sandbox`; views, widgets and state never name
//!   tokio, reqwest, rusqlite or `std::fs`. `tests/it/architecture.rs` fails when they do.
//!
//! ## Cross-cutting concerns
//! - **Cancellation.** One worker serves one connection ([`app::event::Epoch`]). Its
//!   `WorkerHandle` owns a `CancellationToken`: every task the worker starts (each command,
//!   action and schedule followers, the call-log poller through its owner) runs until it is
//!   cancelled, and reconnecting shuts the old worker down. Requests where only the newest
//!   matters (`LatestWins`: the releases list, the scheduled-actions list, each picker's
//!   search) abort the older task; the entries view's pages of one query load side by side,
//!   and a page of another query aborts them all.
//! - **Rate limits.** Every clone of a `cma::Client` shares one limiter (7 requests a second by
//!   default, per profile in Settings; off for the local sandbox) and retries a 429 after
//!   `X-Contentful-RateLimit-Reset`, so bursts of page loads queue instead of failing.
//! - **Stale results.** Events carry their worker's epoch and `AppState::receive` drops those
//!   of another; replies carry what they answer (`ReleasesLoaded.query`,
//!   `EntityPageLoaded.query`, `EntitySearchLoaded.search`) and the state drops replies to
//!   anything but its latest request.
//! - **Time.** One [`clock::Clock`] type: the sandbox (`SandboxConfig::clock`), the journal
//!   and receiver (`JournalConfig::clock`, `ReceiverConfig::clock`) and the app
//!   (`WorkerOptions::clock`, which views read once per frame as `ViewCtx::now` and the
//!   schedule followers read too) each take one; tests hand all of them the same manual
//!   clock, so a test decides when time passes. Debouncing reads egui's input time (`InputState::time`: the wall clock
//!   under eframe, the step clock under kittest). The tidy test forbids `::now()` in views,
//!   widgets and state.
//! - **Error surfacing.** The worker reports failures as `AppEvent::Failed { kind:
//!   RequestKind, .. }`; the state decides by kind which spinner stops, and `RequestKind`'s
//!   `Display` is the one place the words are written, and `app::failure` says why in plain
//!   words (no codes) with the technical detail (error chain, status, request id) apart. The
//!   state answers with `Effect::Toast`; the app shows successes as toasts and failures as
//!   notices of one sentence with the detail behind "Details" (`widgets::FailureToasts`). Data from the network never panics. Whether the
//!   connection works is state too (`ConnectionStatus`: connecting until the space loads or
//!   `ConnectionFailed` says why, in one sentence with the error behind it); the status bar
//!   shows it. Connections that cannot be opened are retried only a few times
//!   (`RetryPolicy::max_connect_retries`), so an unreachable host is reported within seconds.
//! - **Test layers.** Pure logic and `AppState::apply` have data-driven unit tests
//!   (`check(steps, expected)`); single views run in a kittest `Harness` with a hand-made state
//!   and assert the intents they queue (`tests/it/app_views.rs`); the end-to-end suite drives
//!   the real app through AccessKit against a sandbox on `127.0.0.1:0`, waiting with
//!   `step_until` (which names the labels it saw on a timeout), never with a fixed sleep;
//!   `tests/it/architecture.rs` guards the layers.

pub mod alerts;
pub mod app;
pub mod clock;
pub mod cma;
pub mod config;
pub mod desktop;
pub mod embedded;
pub mod private_fs;
pub mod readiness;
pub mod sandbox;
pub mod shutdown;
pub mod signing;
pub mod timeline;
pub mod validation;
