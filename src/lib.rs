//! # Release Desk
//!
//! A desktop tool for the people who run content releases on Contentful, and the embedded,
//! Contentful-compatible sandbox it runs on when offline.
//!
//! ## Bird's-eye view
//! Everything speaks Contentful's Content Management API (CMA). [`cma`] defines that API once —
//! its JSON as serde types and an HTTP [`cma::Client`] — and every other part is built on it:
//! the sandbox serves the same types the client decodes, and the app (to come) reaches the
//! sandbox only over HTTP, exactly as it reaches Contentful.
//!
//! ```text
//!   app (egui, to come) ──Command──▶ worker ──cma::Client──HTTP──▶ Contentful | sandbox
//!        ▲                                                                    │ signed webhooks
//!        └──────AppEvent◀── timeline (receiver + journal) ◀──────────────────┘
//! ```
//!
//! ## Code map
//! - [`cma`]: wire types (releases, actions, schedules, entries, webhooks, errors) and the client
//!   (rate limiter, retries, paging streams, action polling).
//! - [`signing`]: Contentful webhook request signing and verification, shared by the sandbox
//!   (which signs) and the receiver (which verifies).
//! - [`timeline`]: the webhook receiver, the durable SQLite event journal with its live stream,
//!   the call-log poller, and the event model (payloads as `cma` types, causes, summaries).
//! - `main.rs`: the command line; thin.
//!
//! ## Invariants
//! - Architecture Invariant: `cma` knows nothing of egui, SQLite or the file system.
//! - The access token never appears in `Debug` output, errors or logs: it lives in
//!   [`cma::AccessToken`] and travels only in a header marked sensitive.
//! - Data from the network never panics the process: every decode failure is a typed error.
//! - A 409 is never retried; a POST is never repeated after it may have reached the server.
//! - Unknown JSON fields are kept (`extra`), so what is read re-encodes without loss.

pub mod app;
pub mod cma;
pub mod config;
pub mod sandbox;
pub mod signing;
pub mod timeline;
