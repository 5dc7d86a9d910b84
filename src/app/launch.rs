//! Starting the embedded backend: the sandbox on loopback with its data in the user's data
//! directory (demo space on first run), and the app's connection to it.

use std::path::PathBuf;

use super::state::ConnectionInfo;
use crate::cma::ClientConfig;
use crate::sandbox::{Sandbox, SandboxConfig, SandboxError};

/// What runs in-process behind the app; dropping it stops the servers.
pub struct Embedded {
    /// The sandbox.
    pub sandbox: Sandbox,
}

/// Starts the sandbox in `data_dir` and returns the client configuration to reach it.
pub async fn start_embedded(
    data_dir: PathBuf,
    webhook_url: Option<String>,
) -> Result<(Embedded, ClientConfig, ConnectionInfo), SandboxError> {
    let config = SandboxConfig {
        data_dir: Some(data_dir),
        webhook_url,
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
        receiver: None,
    };
    Ok((Embedded { sandbox }, client, info))
}
