//! Conformance with Contentful's official JavaScript SDK: `tests/conformance/conformance.mjs`
//! drives `contentful-management` (v12, plain client) against a real sandbox started here.
//! Node.js and npm are required; `npm ci` runs first when `node_modules` is missing.

use std::path::PathBuf;
use std::time::Duration;

use release_desk::sandbox::{Sandbox, SandboxConfig};

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

async fn run(
    program: &str,
    args: &[&str],
    envs: &[(&str, String)],
    limit: Duration,
) -> (bool, String) {
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .current_dir(conformance_dir())
        .kill_on_drop(true)
        .stdin(std::process::Stdio::null());
    for (k, v) in envs {
        command.env(k, v);
    }
    let output = match tokio::time::timeout(limit, command.output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => panic!(
            "could not run `{program}` ({e}); Node.js and npm are required for the SDK conformance test"
        ),
        Err(_) => panic!(
            "`{program} {}` did not finish within {limit:?}",
            args.join(" ")
        ),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_sdk_works_against_the_sandbox() {
    if !conformance_dir()
        .join("node_modules/contentful-management")
        .exists()
    {
        let (ok, out) = run(
            "npm",
            &["ci", "--no-audit", "--no-fund"],
            &[],
            Duration::from_secs(300),
        )
        .await;
        assert!(ok, "npm ci failed:\n{out}");
    }
    // A receiver so the seeded webhook has somewhere to deliver (the SDK reads the call log).
    let receiver = crate::support::serve(axum::Router::new().fallback(|| async { "ok" })).await;
    let mut config = SandboxConfig {
        webhook_url: Some(format!("http://{receiver}/webhooks/conformance")),
        ..SandboxConfig::default()
    };
    config.behaviour.action_delay = Duration::from_millis(100);
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let envs = [
        ("CMA_HOST", sandbox.addr.to_string()),
        ("CMA_TOKEN", sandbox.token.clone()),
        ("CMA_SPACE_ID", sandbox.space_id.clone()),
        ("CMA_ENVIRONMENT", sandbox.environment_id.clone()),
    ];
    let (ok, out) = run(
        "node",
        &["conformance.mjs"],
        &envs,
        Duration::from_secs(240),
    )
    .await;
    println!("{out}");
    assert!(ok, "the SDK conformance script failed:\n{out}");
    assert!(
        out.contains(" passed, 0 failed"),
        "unexpected summary:\n{out}"
    );
}
