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
//!   app views ──Command──▶ worker (tokio) ──cma::Client──HTTP──▶ Contentful | sandbox
//!      ▲                                                                    │ signed webhooks
//!      └── AppState::apply ◀──AppEvent── timeline (receiver + journal) ◀────┘
//! ```
//!
//! A frame: `App::logic` drains worker results into [`app::state::AppState::apply`] (the only
//! place outside results change the state); views draw from `&AppState` and push commands; the
//! worker runs each command as its own task and answers with events that request a repaint.
//!
//! ## Code map
//! - [`cma`]: wire types (releases, actions, schedules, entries, webhooks, errors) and the client
//!   (rate limiter, retries, paging streams, action polling).
//! - [`sandbox`]: the embedded Contentful-compatible server: axum routes over a SQLite document
//!   store, the action executor, the scheduler, publish validation, signed webhook delivery with
//!   retries and a call log, and the demo seed. `release-desk sandbox` runs it headless.
//! - [`app`]: the egui app: `App` (shell, shortcuts, palette), `AppState`, `Command`/`AppEvent`,
//!   the worker (`worker`, `worker_timeline`, `worker_sources`: the only I/O), `views/`
//!   (releases, release detail, entries, inspector, calendar, schedule dialog, timeline,
//!   settings), `widgets/`, `theme` (every colour), and pure logic without egui: `schedule`
//!   (instants, DST, conflicts), `ics` (calendar export), `timeline_rows` (the journal row cache).
//! - [`config`]: paths (`directories`), connection profiles, token storage: the system keychain
//!   through the Secret Service when one answers (`config::keychain`), else owner-only files,
//!   with a one-time move of file tokens into the keychain (`config::tokens`).
//! - [`desktop`]: the application id and window icon that match the desktop entry and icons in
//!   `assets/` (packaged by `cargo deb`, see `Cargo.toml`).
//! - [`signing`]: Contentful webhook request signing and verification, shared by the sandbox
//!   (which signs) and the receiver (which verifies).
//! - [`timeline`]: the webhook receiver, the durable SQLite event journal with its live stream,
//!   the call-log poller, and the event model (payloads as `cma` types, causes, summaries).
//! - `main.rs`: the command line; thin.
//!
//! ## Invariants
//! - Architecture Invariant: `cma` knows nothing of egui, SQLite or the file system.
//! - The access token never appears in `Debug` output, errors or logs: it lives in
//!   [`cma::AccessToken`] and travels only in a header marked sensitive, or to the keychain
//!   over an encrypted Secret Service session.
//! - The one deliberate exception to "state changes only through `AppState::apply`": Settings
//!   reads [`config::token_store_note`], a process-wide line set once when the worker's token
//!   store settles (no I/O on the UI thread).
//! - Data from the network never panics the process: every decode failure is a typed error.
//! - A 409 is never retried; a POST is never repeated after it may have reached the server.
//! - Unknown JSON fields are kept (`extra`), so what is read re-encodes without loss.
//! - Architecture Invariant: `app/views` and `app/widgets` know nothing of tokio, reqwest,
//!   rusqlite or the file system; only the worker does I/O, and the UI thread never waits on it.
//! - Architecture Invariant: nothing in `sandbox` knows the GUI; the GUI reaches it only over
//!   HTTP (its one extension, `POST /spaces/{s}/_sandbox/reset`, is HTTP too).
//! - A SQLite connection is owned by one store behind one lock; every write is a transaction,
//!   and webhooks are emitted only after the transaction that caused them committed.
//! - Time is injected in the sandbox ([`sandbox::clock::Clock`]) so tests can set it.

pub mod app;
pub mod cma;
pub mod config;
pub mod desktop;
pub mod sandbox;
pub mod signing;
pub mod timeline;
