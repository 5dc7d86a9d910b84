//! `POST /spaces/{s}/_sandbox/load` (Release Desk extension): replaces the space with a
//! `contentful-export` file, streaming progress (contract in [`crate::cma::sandbox_load`]).
//!
//! The body is checked before anything changes (not JSON, or not an export: an ordinary CMA
//! 400). The load itself runs on a blocking thread in one write transaction — cleared, seeded
//! empty, loaded — so the space is replaced only when it all succeeds; meanwhile the reply
//! streams NDJSON progress lines and ends with `loaded` (the report, with every skipped item)
//! or `failed` (rolled back). Progress lines are dropped, never waited for, when the client
//! reads slowly: they must not hold the store.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::core::Core;
use super::error::ApiErr;
use super::routes::{Params, scope};
use super::seed_export;
use crate::cma::sandbox_load::LoadLine;

/// Largest export accepted: a space of ~100,000 entries.
pub const MAX_EXPORT_BYTES: usize = 512 * 1024 * 1024;

/// The handler.
pub async fn load(
    State(core): State<Arc<Core>>,
    axum::extract::Path(params): axum::extract::Path<Params>,
    body: Bytes,
) -> Result<Response, ApiErr> {
    scope(&core, &params)?;
    let export: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiErr::bad_request(format!("the export is not JSON: {e}")))?;
    seed_export::check_export(&export)?;
    let (lines, received) = tokio::sync::mpsc::channel::<Bytes>(64);
    tokio::task::spawn_blocking(move || {
        let progress_lines = lines.clone();
        let result = super::load_replacing(&core, &export, &mut |progress| {
            let _ = progress_lines.try_send(encode(&LoadLine::Progress(progress)));
        });
        let last = match result {
            Ok(report) => LoadLine::Loaded(report),
            Err(e) => LoadLine::Failed(e.body),
        };
        let _ = lines.blocking_send(encode(&last));
    });
    let stream = futures_util::stream::unfold(received, |mut received| async move {
        received
            .recv()
            .await
            .map(|line| (Ok::<_, Infallible>(line), received))
    });
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(response)
}

fn encode(line: &LoadLine) -> Bytes {
    let mut bytes = serde_json::to_vec(line).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}
