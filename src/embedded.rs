//! The composition root of the desktop app's embedded backend: the timeline receiver and
//! journal, then the sandbox on loopback with its webhook pointed at the receiver, both
//! signing/verifying with one secret kept owner-only in the data directory. Data lives in the
//! user's data directory (demo space on first run) and survives restarts. The timeline runs the
//! alert rules of [`ALERTS_FILE`] (the starter set until the user saves their own).
//!
//! It lives outside [`crate::app`] so that the app knows the sandbox only as an HTTP server:
//! `main` starts this and hands the app a client configuration.

use std::path::{Path, PathBuf};

use crate::app::state::ConnectionInfo;
use crate::cma::ClientConfig;
use crate::sandbox::{Sandbox, SandboxConfig, SandboxError};
use crate::signing::SigningSecret;
use crate::timeline::{Timeline, TimelineConfig};

/// What runs in-process behind the app; dropping it stops the servers.
pub struct Embedded {
    /// The sandbox.
    pub sandbox: Sandbox,
    /// The webhook receiver and journal.
    pub timeline: Timeline,
}

/// Why the embedded backend could not start.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The sandbox failed.
    #[error("the local sandbox could not start: {0}")]
    Sandbox(#[from] SandboxError),
    /// The receiver or journal failed.
    #[error("the webhook receiver could not start: {0}")]
    Timeline(String),
    /// The signing secret file could not be read or written.
    #[error("the signing secret in {path} could not be used: {message}")]
    Secret {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// The secret shared by the sandbox (signs) and the receiver (verifies): read from
/// `signing-secret` in `dir`, or generated and written there owner-only.
pub fn load_or_create_secret(dir: &Path) -> Result<SigningSecret, LaunchError> {
    let path = dir.join("signing-secret");
    let fail = |e: &dyn std::fmt::Display| LaunchError::Secret {
        path: path.clone(),
        message: e.to_string(),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            if let Ok(secret) = SigningSecret::new(text.trim()) {
                return Ok(secret);
            }
            tracing::warn!(path = %path.display(), "stored signing secret is invalid; replacing it");
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(fail(&e)),
    }
    let secret = SigningSecret::generate();
    crate::private_fs::write_atomic(
        &path,
        secret.expose().as_bytes(),
        crate::private_fs::Access::OwnerOnly,
    )
    .map_err(|e| fail(&e))?;
    Ok(secret)
}

/// The app's alert rules file (Settings → Alerts and hooks) in its data directory; owner-only,
/// since it holds hook URLs.
pub const ALERTS_FILE: &str = "alerts.toml";

/// The app's alert rules: [`ALERTS_FILE`] in `data_dir`, or the starter set (a notification for
/// each failed schedule and failed release action) until the user saves rules of their own. A
/// file that cannot be used runs no rules and says why in the log (the file is left alone, so
/// nothing the user wrote is lost).
pub fn load_alert_rules(data_dir: &Path) -> crate::alerts::RuleSet {
    let path = data_dir.join(ALERTS_FILE);
    if !path.exists() {
        return crate::alerts::RuleSet::starter();
    }
    crate::alerts::RuleSet::load(&path).unwrap_or_else(|e| {
        tracing::warn!(%e, "alert rules not loaded; no rules run");
        crate::alerts::RuleSet::default()
    })
}

/// Starts the receiver, then the sandbox delivering to it; returns the client configuration.
pub async fn start_embedded(
    data_dir: PathBuf,
) -> Result<(Embedded, ClientConfig, ConnectionInfo), LaunchError> {
    let secret = load_or_create_secret(&data_dir)?;
    let mut timeline_config = TimelineConfig::new(data_dir.join("timeline"));
    timeline_config.receiver.secret = Some(secret.clone());
    timeline_config.rules = Some(crate::alerts::RulesHandle::new(load_alert_rules(&data_dir)));
    let timeline = Timeline::start(timeline_config)
        .await
        .map_err(|e| LaunchError::Timeline(e.to_string()))?;
    let config = SandboxConfig {
        data_dir: Some(data_dir.join("sandbox")),
        webhook_url: Some(timeline.webhook_url("sandbox")),
        signing_secret: Some(secret),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await?;
    let client = sandbox.client_config();
    let info = ConnectionInfo {
        profile: "Local sandbox".into(),
        base_url: sandbox.base_url.to_string(),
        space_id: sandbox.space_id.clone(),
        environment_id: sandbox.environment_id.clone(),
        is_sandbox: true,
        receiver: Some(timeline.addr().to_string()),
    };
    Ok((Embedded { sandbox, timeline }, client, info))
}
