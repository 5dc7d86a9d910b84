//! `release-desk sandbox`: the sandbox served headless until Ctrl-C or SIGTERM.
//!
//! Prints the machine-readable lines scripts and tests read (`base_url=`, `space_id=`,
//! `tls_cert=`, `environment=`, `token=`, `signing_secret=`) on stdout, then a human summary on
//! stderr; on a stop request it lets webhook deliveries in flight finish for a few seconds (the
//! rest stay in the outbox for the next start).

use std::time::Duration;

use super::{Sandbox, SandboxConfig, SandboxError};
use crate::shutdown::{StopRequests, print_line};

/// How long deliveries in flight may take to finish when asked to stop.
const DRAIN: Duration = Duration::from_secs(5);

/// Serves `config` until a stop request.
pub async fn serve_until_stopped(config: SandboxConfig) -> Result<(), SandboxError> {
    let data_dir = config.data_dir.clone().unwrap_or_default();
    // Listened for before the ready lines, so a supervisor's early SIGTERM is not lost.
    let mut stop = StopRequests::listen();
    let sandbox = Sandbox::start(config).await?;
    if let Some(report) = &sandbox.seed_report {
        eprintln!("Loaded the export: {report}.");
        for problem in &report.problems {
            eprintln!("  skipped: {problem}");
        }
    }
    print_line(format_args!(
        "base_url={}",
        sandbox.base_url.as_str().trim_end_matches('/')
    ));
    print_line(format_args!("space_id={}", sandbox.space_id));
    if let Some(cert) = &sandbox.tls_cert {
        print_line(format_args!("tls_cert={}", cert.display()));
        eprintln!(
            "https with a self-signed certificate: tell Node.js tools to trust it with \
             NODE_EXTRA_CA_CERTS={}",
            cert.display()
        );
    }
    print_line(format_args!("environment={}", sandbox.environment_id));
    print_line(format_args!("token={}", sandbox.token));
    if let Some(secret) = &sandbox.signing_secret {
        print_line(format_args!("signing_secret={}", secret.expose()));
    }
    eprintln!(
        "Sandbox serving space '{}' (environment '{}') at {} — data in {}. Ctrl-C or SIGTERM to stop.",
        sandbox.space_id,
        sandbox.environment_id,
        sandbox.base_url,
        data_dir.display()
    );
    let signal = stop.next().await;
    eprintln!("{signal}: stopping; letting webhook deliveries finish (the rest stay queued)…");
    sandbox.shutdown(DRAIN).await;
    Ok(())
}
