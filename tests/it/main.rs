//! The one integration-test binary (one binary links the crate once; see TOOLCHAIN notes).
//!
//! Modules are grouped by the part under test; `support` holds small shared helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod alerts;
mod app_alerts;
mod app_calendar;
mod app_connections;
mod app_daily;
mod app_failures;
mod app_keyboard;
mod app_readiness;
mod app_readiness_ui;
mod app_release_models;
mod app_sandbox_load;
mod app_scale;
mod app_support;
mod app_timeline;
mod app_titles;
mod app_ui;
mod app_views;
mod app_week_grid;
mod architecture;
mod cma_client;
mod cma_errors;
mod cma_types;
mod config_tokens;
mod conformance;
mod sandbox_api;
mod sandbox_bulk;
mod sandbox_contract;
mod sandbox_durability;
mod sandbox_entries;
mod sandbox_load;
mod sandbox_release_actions;
mod sandbox_releases;
mod sandbox_scale;
mod sandbox_schedules;
mod sandbox_timeline;
mod sandbox_webhooks;
mod selectors;
mod ship;
mod support;
mod timeline_durability;
mod timeline_export;
mod timeline_receiver;
mod timeline_sandbox;
mod timeline_sources;
mod timeline_support;
