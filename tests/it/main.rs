//! The one integration-test binary (one binary links the crate once; see TOOLCHAIN notes).
//!
//! Modules are grouped by the part under test; `support` holds small shared helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod cma_client;
mod cma_errors;
mod cma_types;
mod conformance;
mod support;
