//! `release-desk receive`: the webhook receiver and journal headless until Ctrl-C or SIGTERM,
//! printing one line per stored event.
//!
//! Prints `addr=` and `journal=` on stdout first (scripts and tests read them), then one line
//! per event, and one per alert delivery attempt when rules run (`--rules`); on a stop request, deliveries in flight are stored before it returns.

use std::time::Duration;

use super::{LiveItem, Timeline, TimelineConfig, TimelineError, TimelineNotice};
use crate::alerts::AlertNotice;
use crate::shutdown::{StopRequests, print_line};

/// How long deliveries in flight may take to be stored when asked to stop.
const DRAIN: Duration = Duration::from_secs(5);

/// Records deliveries with `config` until a stop request.
pub async fn record_until_stopped(config: TimelineConfig) -> Result<(), TimelineError> {
    let data_dir = config.data_dir.clone();
    let signed = config.receiver.secret.is_some();
    let mut stop = StopRequests::listen();
    let timeline = Timeline::start(config).await?;
    print_line(format_args!("addr={}", timeline.addr()));
    print_line(format_args!(
        "journal={}",
        timeline.journal().path().display()
    ));
    eprintln!(
        "Recording webhook deliveries at http://{}/webhooks/<source> ({}) into {}. Ctrl-C or SIGTERM to stop.",
        timeline.addr(),
        if signed {
            "signatures required"
        } else {
            "no signing secret: nothing is verified"
        },
        data_dir.display()
    );
    let mut live = timeline.subscribe();
    let mut alerts = match timeline.alerts() {
        Some(alerts) => {
            eprintln!(
                "Running {} alert rule(s).",
                alerts.rules().get().rules.len()
            );
            Some(alerts.subscribe())
        }
        None => None,
    };
    loop {
        tokio::select! {
            notice = next_notice(&mut alerts) => if let Some(line) = notice {
                print_line(line);
            },
            item = live.recv() => match item {
                Some(LiveItem::Notice(TimelineNotice::Appended(event))) => print_line(event.log_line()),
                Some(LiveItem::Notice(TimelineNotice::AttemptCounted { id, attempt, attempts })) => {
                    print_line(format_args!("retry of event {id}: attempt {attempt} ({attempts} attempts stored once)"));
                }
                Some(LiveItem::Missed { count, .. }) => {
                    print_line(format_args!("… {count} events not printed (they are in the journal)"));
                }
                None => break,
            },
            signal = stop.next() => {
                eprintln!("{signal}: stopping; storing deliveries in flight…");
                break;
            }
        }
    }
    timeline.shutdown(DRAIN).await;
    Ok(())
}

/// The next alert notice as a line to print (`None` for one not worth a line); pends forever
/// without alerts.
async fn next_notice(
    alerts: &mut Option<tokio::sync::broadcast::Receiver<AlertNotice>>,
) -> Option<String> {
    use tokio::sync::broadcast::error::RecvError;
    let Some(rx) = alerts else {
        return std::future::pending().await;
    };
    match rx.recv().await {
        Ok(AlertNotice::Notify {
            rule_name,
            headline,
            ..
        }) => Some(format!("alert '{rule_name}': {headline}")),
        Ok(AlertNotice::Attempted {
            delivery_id,
            rule_id,
            state,
            error,
            ..
        }) => Some(format!(
            "alert delivery {delivery_id} (rule {rule_id}): {state}{}",
            error.map(|e| format!(": {e}")).unwrap_or_default()
        )),
        Ok(AlertNotice::Revalidate { .. }) => None,
        Err(RecvError::Lagged(n)) => Some(format!("… {n} alert notices not printed")),
        Err(RecvError::Closed) => {
            *alerts = None;
            None
        }
    }
}
