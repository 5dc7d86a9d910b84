//! The worker's connection half: saved profiles, switching spaces, the step-by-step
//! connection test, and resetting the local sandbox.

use super::*;
use crate::cma::AccessToken;

impl Worker {
    pub(super) fn load_profiles(&self) {
        match self.options.profiles.load() {
            Ok(profiles) => {
                let with_tokens = profiles
                    .into_iter()
                    .map(|p| {
                        let stored = self.options.profiles.has_stored_token(&p.id);
                        (p, stored)
                    })
                    .collect();
                self.sink.send(AppEvent::ProfilesLoaded(with_tokens));
            }
            Err(e) => self.sink.failed(RequestKind::LoadProfiles, e.to_string()),
        }
    }

    pub(super) fn switch_profile(&self, id: Option<String>) {
        let Some(id) = id else {
            match &self.options.sandbox {
                Some((client, connection)) => self.sink.send(AppEvent::ProfileReady {
                    id: None,
                    client: client.clone(),
                    connection: connection.clone(),
                }),
                None => self.sink.failed(
                    RequestKind::SwitchProfile,
                    "the local sandbox is not running in this session".into(),
                ),
            }
            return;
        };
        let profile: Option<Profile> = self
            .options
            .profiles
            .load()
            .ok()
            .and_then(|all| all.into_iter().find(|p| p.id == id));
        let Some(profile) = profile else {
            return self.sink.failed(
                RequestKind::SwitchProfile,
                format!("no saved connection '{id}'"),
            );
        };
        match self.options.profiles.client_config(&profile) {
            Ok(config) => {
                let connection = ConnectionInfo {
                    profile: profile.name.clone(),
                    base_url: config.base_url.to_string(),
                    space_id: profile.space_id.clone(),
                    environment_id: profile.environment_id.clone(),
                    is_sandbox: false,
                    // The local receiver keeps running (a tunnel or the call-log poller
                    // feeds it events of this space).
                    receiver: self
                        .options
                        .sandbox
                        .as_ref()
                        .and_then(|(_, c)| c.receiver.clone()),
                };
                self.sink.send(AppEvent::ProfileReady {
                    id: Some(id),
                    client: Box::new(config),
                    connection,
                });
            }
            Err(e) => self
                .sink
                .failed(RequestKind::Connect(profile.name.clone()), e.to_string()),
        }
    }

    pub(super) async fn test_connection(&self) {
        let (ok, report) = connection_report(&self.client).await;
        self.sink.send(AppEvent::ConnectionTested { ok, report });
    }

    /// `Command::TestProfile`: the same steps for a profile that is not saved yet.
    pub(super) async fn test_profile(&self, profile: Profile, token: Option<AccessToken>) {
        let client = self
            .options
            .profiles
            .client_config_with(&profile, token)
            .map_err(|e| e.to_string())
            .and_then(|config| Client::new(config).map_err(|e| e.to_string()));
        match client {
            Ok(client) => {
                let (ok, report) = connection_report(&client).await;
                self.sink.send(AppEvent::ProfileTested { ok, report });
            }
            Err(message) => self.sink.send(AppEvent::ProfileTested {
                ok: false,
                report: vec![format!("✖ {message}")],
            }),
        }
    }

    pub(super) async fn reset_sandbox(&self, locale_publishing: Option<bool>) {
        if !self.options.is_sandbox {
            return self.sink.failed(
                RequestKind::Reset,
                "only the local sandbox can be reset".into(),
            );
        }
        let mode = locale_publishing.map(|locale| if locale { "locale" } else { "entry" });
        match self.client.sandbox_reset(mode).await {
            Ok(()) => {
                // The state asks the releases view to reload with its own query.
                self.sink.send(AppEvent::SandboxReset {
                    at: self.options.clock.now(),
                });
                self.load_space().await;
            }
            Err(e) => self.sink.fail(RequestKind::ResetSandbox, &e),
        }
    }
}

/// Checks, step by step, that `client` reaches its space, environment and releases; one line
/// per step, stopping at the first that fails.
async fn connection_report(client: &Client) -> (bool, Vec<String>) {
    let mut report = Vec::new();
    let base = client.config().base_url.to_string();
    let ok = match client.get_space().await {
        Ok(space) => {
            report.push(format!("✔ Reached {base} and read space '{}'", space.name));
            true
        }
        Err(e) => {
            report.push(match &e {
                CmaError::Network(_) | CmaError::Timeout => {
                    format!("✖ Cannot reach {base}: offline, or the address is wrong ({e})")
                }
                CmaError::Unauthorized(_) => {
                    "✖ The management token was rejected: it is wrong, expired or revoked"
                        .to_owned()
                }
                CmaError::NotFound(_) | CmaError::AccessDenied(_) => format!(
                    "✖ No access to space '{}': it does not exist or the token may not read it",
                    client.space_id()
                ),
                _ => format!("✖ Reading the space failed: {e}"),
            });
            false
        }
    };
    let ok = ok
        && match client.get_environment().await {
            Ok(_) => {
                report.push(format!(
                    "✔ Environment '{}' exists",
                    client.environment_id()
                ));
                true
            }
            Err(e) => {
                report.push(match &e {
                    CmaError::NotFound(_) => format!(
                        "✖ Unknown environment '{}' in this space",
                        client.environment_id()
                    ),
                    _ => format!("✖ Reading the environment failed: {e}"),
                });
                false
            }
        };
    let ok = ok
        && match client.query_releases(&Query::new().limit(1)).await {
            Ok(_) => {
                report.push("✔ Releases can be listed".to_owned());
                true
            }
            Err(e) => {
                report.push(format!(
                    "✖ Listing releases failed (is Launch enabled?): {e}"
                ));
                false
            }
        };
    (ok, report)
}
