//! Rehearsal copies in the local sandbox: a `contentful-export` file the user picks, or the
//! connected real space read through the client, replaces the sandbox's space through the
//! sandbox's load extension (`Client::sandbox_load`), and the app then switches to the
//! sandbox.
//!
//! Reading a real space goes page by page through the client's rate limiter (Contentful's
//! ~7 requests/s), reports progress per phase and can be canceled (the key
//! [`super::LatestWins::SandboxLoad`]: a cancel replaces the running task). Once the sandbox
//! has started writing, the load is one transaction that either commits or rolls back: it is
//! not interrupted, and the progress says so.

use futures_util::TryStreamExt;
use serde_json::{Value, json};

use super::Worker;
use crate::app::event::{AppEvent, RequestKind};
use crate::cma::sandbox_load::LoadProgress;
use crate::cma::{Client, CmaError, EntityKind, Query};

/// Entries, assets, releases or scheduled actions read per progress report.
const REPORT_EVERY: usize = 100;

impl Worker {
    /// `Command::LoadSandboxExport`: picks the file when none is given, reads it, loads it.
    pub(super) async fn load_export_into_sandbox(&self, path: Option<std::path::PathBuf>) {
        let chosen = match path {
            Some(path) => Some(path),
            None => {
                super::files::open_file(
                    &self.options.file_choice,
                    "Load a space export into the sandbox",
                    "contentful-export JSON",
                    &["json"],
                )
                .await
            }
        };
        // The dialog was closed (or this desktop has none): nothing changes.
        let Some(path) = chosen else {
            return self.sink.send(AppEvent::SandboxLoadCanceled);
        };
        let source = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(e) => {
                return self.sink.failed(
                    RequestKind::LoadSandbox(source),
                    format!("cannot read {}: {e}", path.display()),
                );
            }
        };
        self.write_into_sandbox(source, bytes).await;
    }

    /// `Command::CopySpaceIntoSandbox`: reads the connected space and loads it.
    pub(super) async fn copy_space_into_sandbox(&self) {
        let source = format!("space '{}'", self.client.space_id());
        if self.options.is_sandbox {
            return self.sink.failed(
                RequestKind::LoadSandbox(source),
                "this already is the local sandbox".into(),
            );
        }
        let export = match read_space(&self.client, |progress| {
            self.sink.send(AppEvent::SandboxLoadProgress {
                source: source.clone(),
                progress,
                cancellable: true,
            });
        })
        .await
        {
            Ok(export) => export,
            Err(e) => return self.sink.fail(RequestKind::LoadSandbox(source), &e),
        };
        match serde_json::to_vec(&export) {
            // Its own task: a cancel (which aborts this one) must not cut the write short.
            Ok(bytes) => {
                let this = self.clone();
                let _ =
                    tokio::spawn(async move { this.write_into_sandbox(source, bytes).await }).await;
            }
            Err(e) => self
                .sink
                .failed(RequestKind::LoadSandbox(source), e.to_string()),
        }
    }

    /// Sends `export` to the local sandbox's load extension, reporting its progress, then
    /// switches to the sandbox.
    async fn write_into_sandbox(&self, source: String, export: Vec<u8>) {
        let Some((config, _)) = &self.options.sandbox else {
            return self.sink.failed(
                RequestKind::LoadSandbox(source),
                "the local sandbox is not running in this session".into(),
            );
        };
        let sandbox = match Client::new((**config).clone()) {
            Ok(client) => client,
            Err(e) => return self.sink.fail(RequestKind::LoadSandbox(source), &e),
        };
        self.sink.send(AppEvent::SandboxLoadProgress {
            source: source.clone(),
            progress: LoadProgress {
                phase: "sending".into(),
                done: 0,
                total: 0,
            },
            cancellable: false,
        });
        let loaded = sandbox
            .sandbox_load(export, |progress| {
                self.sink.send(AppEvent::SandboxLoadProgress {
                    source: source.clone(),
                    progress: progress.clone(),
                    cancellable: false,
                });
            })
            .await;
        match loaded {
            Ok(report) => {
                self.sink.send(AppEvent::SandboxLoaded {
                    source,
                    report,
                    at: self.options.clock.now(),
                });
                if !self.options.is_sandbox {
                    self.switch_profile(None);
                }
            }
            Err(e) => self.sink.fail(RequestKind::LoadSandbox(source), &e),
        }
    }
}

/// Reads what a rehearsal needs from the space `client` is connected to, as a
/// `contentful-export`-shaped document with Release Desk's `releases` and `scheduledActions`.
async fn read_space(
    client: &Client,
    mut progress: impl FnMut(LoadProgress),
) -> Result<Value, CmaError> {
    let mut report = |phase: &str, done: usize| {
        progress(LoadProgress {
            phase: phase.into(),
            done,
            total: 0,
        });
    };
    report("content model", 0);
    let locales = client.locales().await?;
    let content_types = client.content_types().await?;
    report("content model", content_types.len());
    let mut lists: Vec<(&str, Vec<Value>)> = Vec::new();
    for (kind, key) in [
        (EntityKind::Asset, "assets"),
        (EntityKind::Entry, "entries"),
    ] {
        let mut items = Vec::new();
        let mut stream = std::pin::pin!(client.entities(kind, Query::new().order("sys.createdAt")));
        report(key, 0);
        while let Some(entity) = stream.try_next().await? {
            items.push(serde_json::to_value(&entity).unwrap_or(Value::Null));
            if items.len().is_multiple_of(REPORT_EVERY) {
                report(key, items.len());
            }
        }
        report(key, items.len());
        lists.push((key, items));
    }
    let mut releases = Vec::new();
    report("releases", 0);
    // Launch and Timeline releases are listed apart (spec §10.1); a release the app cannot
    // model goes as it came, and the sandbox's load report says whether it was kept.
    let mut seen = std::collections::HashSet::new();
    for query in [
        Query::new().limit(100),
        Query::new()
            .limit(100)
            .set("sys.schemaVersion", "Release.v2"),
    ] {
        let mut stream = std::pin::pin!(client.releases(query));
        while let Some(release) = stream.try_next().await? {
            let value = serde_json::to_value(&release).unwrap_or(Value::Null);
            let id = value
                .pointer("/sys/id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if id.is_some_and(|id| !seen.insert(id)) {
                continue;
            }
            releases.push(value);
            if releases.len().is_multiple_of(REPORT_EVERY) {
                report("releases", releases.len());
            }
        }
    }
    let mut scheduled = Vec::new();
    let mut stream = std::pin::pin!(client.scheduled_actions(Query::new().limit(100)));
    report("scheduled actions", 0);
    while let Some(action) = stream.try_next().await? {
        scheduled.push(serde_json::to_value(&action).unwrap_or(Value::Null));
    }
    report("scheduled actions", scheduled.len());
    let mut export = json!({
        "locales": locales,
        "contentTypes": content_types,
        "releases": releases,
        "scheduledActions": scheduled,
    });
    for (key, items) in lists {
        export[key] = Value::Array(items);
    }
    Ok(export)
}
