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

/// Runs `npm ci` when a package of `package.json` is missing (CI runs it beforehand).
async fn ensure_node_modules() {
    let modules = conformance_dir().join("node_modules");
    let installed = [
        "contentful-management",
        "contentful-export",
        "contentful-import",
    ]
    .iter()
    .all(|package| modules.join(package).exists());
    if !installed {
        let (ok, out) = run(
            "npm",
            &["ci", "--no-audit", "--no-fund"],
            &[],
            Duration::from_secs(300),
        )
        .await;
        assert!(ok, "npm ci failed:\n{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_sdk_works_against_the_sandbox() {
    ensure_node_modules().await;
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

/// `contentful-export` of the demo space (no skips) and `contentful-import` of that export into an
/// empty sandbox: every content type, locale, entry and asset arrives, in the same state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contentful_export_and_import_round_trip_through_the_sandbox() {
    ensure_node_modules().await;
    let mut config = SandboxConfig::default();
    config.behaviour.action_delay = Duration::from_millis(10);
    let source = Sandbox::start(config.clone()).await.expect("source starts");
    let destination = Sandbox::start(SandboxConfig {
        seed: release_desk::sandbox::seed::Seed::Empty,
        token: Some(source.token.clone()),
        ..config
    })
    .await
    .expect("destination starts");
    // The demo keeps one changed entry whose draft is invalid (for the failing-release story).
    // An import publishes the current draft, so Contentful would refuse that entry as the
    // sandbox does: the rehearsal source fixes the draft first.
    let client = release_desk::cma::Client::new(source.client_config()).expect("client");
    let entry = client
        .get_entity(
            release_desk::cma::EntityKind::Entry,
            "article-coalition-talks",
        )
        .await
        .expect("the demo's invalid draft");
    let mut fields = entry.fields.clone();
    fields.insert(
        "slug".into(),
        serde_json::json!({"en-US": "coalition-talks-deal-friday"}),
    );
    client
        .update_entity(
            release_desk::cma::EntityKind::Entry,
            &entry.sys.id,
            entry.sys.version.unwrap_or(1),
            &fields,
        )
        .await
        .expect("draft fixed");
    let dir = tempfile::tempdir().unwrap();
    let export_file = dir.path().join("export.json");
    let envs = [
        ("EXPORT_FILE", export_file.display().to_string()),
        ("SRC_HOST", source.addr.to_string()),
        ("SRC_SPACE", source.space_id.clone()),
        ("DST_HOST", destination.addr.to_string()),
        ("DST_SPACE", destination.space_id.clone()),
        ("CMA_TOKEN", source.token.clone()),
    ];
    let (ok, out) = run("node", &["tools.cjs"], &envs, Duration::from_secs(300)).await;
    println!("{out}");
    assert!(
        ok,
        "contentful-export/import against the sandbox failed:\n{out}"
    );
    assert!(
        out.contains(" passed, 0 failed"),
        "unexpected summary:\n{out}"
    );

    // The same export, loaded with `--seed-file` into a fresh data directory: the same content
    // model and the same entities in the same states (webhooks and roles are not loaded).
    let copy = Sandbox::start(SandboxConfig {
        data_dir: Some(dir.path().join("rehearsal")),
        seed_file: Some(export_file.clone()),
        ..SandboxConfig::default()
    })
    .await
    .expect("a sandbox loaded from the export starts");
    let report = copy.seed_report.clone().expect("a load report");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.locales, report.content_types), (2, 4), "{report}");
    let census = |sandbox: &Sandbox| {
        let client = release_desk::cma::Client::new(sandbox.client_config()).expect("client");
        async move {
            let mut states = std::collections::BTreeMap::new();
            for kind in [
                release_desk::cma::EntityKind::Entry,
                release_desk::cma::EntityKind::Asset,
            ] {
                let page = client
                    .query_entities(kind, &release_desk::cma::Query::new().limit(1000))
                    .await
                    .expect("entities");
                for entity in page.items {
                    let state = match entity.state() {
                        release_desk::cma::EntityState::Changed => "published".to_owned(),
                        other => other.to_string(),
                    };
                    *states.entry(format!("{kind:?} {state}")).or_insert(0) += 1;
                }
            }
            let types = client.content_types().await.expect("content types").len();
            (states, types)
        }
    };
    assert_eq!(census(&copy).await, census(&source).await);
    // The same export through the load extension the app's "Load a space export into the
    // sandbox…" uses: a running demo sandbox is replaced by the same space.
    let target = Sandbox::start(SandboxConfig::default())
        .await
        .expect("a demo sandbox starts");
    let bytes = std::fs::read(&export_file).expect("the export file");
    let mut progressed = 0;
    let loaded = release_desk::cma::Client::new(target.client_config())
        .expect("client")
        .sandbox_load(bytes, |_| progressed += 1)
        .await
        .expect("the export loads over HTTP");
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    assert!(progressed > 0);
    assert_eq!(census(&target).await, census(&source).await);
    // Loading into a data directory that already holds a space is refused.
    drop(copy);
    let again = Sandbox::start(SandboxConfig {
        data_dir: Some(dir.path().join("rehearsal")),
        seed_file: Some(export_file),
        ..SandboxConfig::default()
    })
    .await;
    assert!(again.is_err(), "{again:?}");
}

/// `contentful-migration` (the library's `runMigration`, which builds `https://` URLs itself)
/// against `sandbox --tls`, trusting its self-signed certificate through `NODE_EXTRA_CA_CERTS`:
/// a new content type with fields, and an existing one edited — a field added and the entries of
/// that type (only) transformed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contentful_migration_runs_against_the_sandbox_over_https() {
    ensure_node_modules().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = SandboxConfig {
        data_dir: Some(dir.path().to_path_buf()),
        tls: true,
        ..SandboxConfig::default()
    };
    config.behaviour.action_delay = Duration::from_millis(10);
    let sandbox = Sandbox::start(config)
        .await
        .expect("an https sandbox starts");
    assert_eq!(sandbox.base_url.scheme(), "https");
    let cert = sandbox.tls_cert.clone().expect("a certificate path");
    let envs = [
        ("NODE_EXTRA_CA_CERTS", cert.display().to_string()),
        ("CMA_HOST", sandbox.addr.to_string()),
        ("CMA_SPACE_ID", sandbox.space_id.clone()),
        ("CMA_TOKEN", sandbox.token.clone()),
    ];
    let (ok, out) = run("node", &["migration.cjs"], &envs, Duration::from_secs(240)).await;
    println!("{out}");
    assert!(
        ok,
        "contentful-migration against the sandbox failed:\n{out}"
    );
    assert!(
        out.contains(" passed, 0 failed"),
        "unexpected summary:\n{out}"
    );
    // The key stays owner-only; the certificate is kept for the next start.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = cert.with_file_name("key.pem");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
