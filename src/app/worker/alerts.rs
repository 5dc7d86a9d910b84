//! The worker's side of Settings → Alerts and hooks: reads and saves the rules file (owner-only,
//! it holds hook URLs) and puts saved rules in force in the embedded timeline, queues "Send a
//! test", and reads a rule's delivery log on a blocking thread.

use super::Worker;
use crate::alerts::AlertNotice;
use crate::app::alerts::{AlertsRequest, AlertsResult};
use crate::app::event::AppEvent;

/// Deliveries a log shows.
const LOG_LIMIT: usize = 50;

impl Worker {
    /// Answers one alerts request.
    pub(super) async fn alerts(&self, request: AlertsRequest) {
        let Some(alerts) = self.options.alerts.clone() else {
            self.sink.send(AppEvent::Alerts(AlertsResult::Unavailable));
            return;
        };
        let result = match request {
            AlertsRequest::Load => {
                let note = (!alerts.file.exists()).then(|| {
                    "These are the starter rules; they are saved when you change them.".to_owned()
                });
                AlertsResult::Loaded {
                    rules: (*alerts.handle.rules().get()).clone(),
                    note,
                }
            }
            AlertsRequest::Save(rules) => {
                let file = alerts.file.clone();
                let saving = rules.clone();
                let saved = tokio::task::spawn_blocking(move || saving.save(&file))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map_err(|e| e.to_string()));
                match saved {
                    Ok(()) => {
                        alerts.handle.rules().replace(rules.clone());
                        AlertsResult::Saved(rules)
                    }
                    Err(message) => AlertsResult::Failed {
                        context: "Saving the alert rules".into(),
                        message,
                    },
                }
            }
            AlertsRequest::SendTest { rule_id } => {
                let rule_name = alerts
                    .handle
                    .rules()
                    .get()
                    .rule(&rule_id)
                    .map_or_else(|| rule_id.clone(), |r| r.name.clone());
                match alerts.handle.send_test(&rule_id).await {
                    Ok(_) => AlertsResult::TestQueued { rule_name },
                    Err(e) => AlertsResult::Failed {
                        context: format!("Sending a test for '{rule_name}'"),
                        message: e.to_string(),
                    },
                }
            }
            AlertsRequest::LoadLog { rule_id } => {
                let handle = alerts.handle.clone();
                let id = rule_id.clone();
                let records =
                    tokio::task::spawn_blocking(move || handle.deliveries(Some(&id), LOG_LIMIT))
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|r| r.map_err(|e| e.to_string()));
                match records {
                    Ok(records) => AlertsResult::LogLoaded { rule_id, records },
                    Err(message) => AlertsResult::Failed {
                        context: "Reading the delivery log".into(),
                        message,
                    },
                }
            }
        };
        self.sink.send(AppEvent::Alerts(result));
    }
}

/// On the embedded sandbox's connection, carries out `revalidate` rules: validates the release
/// again (as "Validate" does), so its outcome shows in the releases list. Other connections
/// leave them alone: the embedded timeline hears only the sandbox. Stops with the worker.
pub(super) fn follow_revalidations(runtime: &tokio::runtime::Handle, worker: &Worker) {
    let Some(alerts) = worker
        .options
        .alerts
        .as_ref()
        .filter(|_| worker.options.is_sandbox)
    else {
        return;
    };
    let mut notices = alerts.handle.subscribe();
    alerts.handle.set_revalidates(true);
    let worker = worker.clone();
    runtime.spawn(worker.cancel.clone().run_until_cancelled_owned(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match notices.recv().await {
                Ok(AlertNotice::Revalidate { release_id, .. }) => {
                    worker
                        .run_release_action(&release_id, crate::cma::ActionKind::Validate)
                        .await;
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    }));
}

/// Forwards what the alert rules tell the app (notifications, delivery attempts) as events,
/// for the app's lifetime (re-validations are the worker's: `worker::alerts`).
pub fn forward_alert_notices(
    runtime: &tokio::runtime::Handle,
    alerts: &crate::alerts::AlertsHandle,
    sink: super::EventSink,
) {
    use crate::alerts::AlertNotice;
    use crate::app::event::AppEvent;
    use tokio::sync::broadcast::error::RecvError;
    let mut notices = alerts.subscribe();
    runtime.spawn(async move {
        loop {
            let result = match notices.recv().await {
                Ok(AlertNotice::Notify { headline, text, .. }) => {
                    crate::app::alerts::AlertsResult::Notified { headline, text }
                }
                Ok(AlertNotice::Attempted {
                    rule_id,
                    headline,
                    state,
                    error,
                    ..
                }) => crate::app::alerts::AlertsResult::Attempted {
                    rule_id,
                    headline,
                    state,
                    error,
                },
                Ok(AlertNotice::Revalidate { .. }) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            };
            sink.send(AppEvent::Alerts(result));
        }
    });
}
