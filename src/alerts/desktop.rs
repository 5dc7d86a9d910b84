//! Desktop notifications for the `notify` action.
//!
//! Every `notify` delivery is an [`AlertNotice::Notify`](super::AlertNotice::Notify), which the
//! app shows as a toast and the headless receiver prints. Where the app has turned them on
//! ([`AlertsHandle::set_desktop_notifications`](super::AlertsHandle::set_desktop_notifications))
//! it is also a freedesktop notification (`org.freedesktop.Notifications` on the session bus,
//! through `notify-rust` on the zbus the keychain already uses). A desktop without a
//! notification service simply shows none: the toast is always there.

/// Shows a desktop notification on the blocking pool; failures are logged at debug level only
/// (no service is a normal desktop, not an error).
pub(crate) fn show(summary: &str, body: &str) {
    let (summary, body) = (summary.to_owned(), body.to_owned());
    let shown = tokio::task::spawn_blocking(move || {
        notify_rust::Notification::new()
            .appname("Release Desk")
            .icon(crate::desktop::APP_ID)
            .summary(&summary)
            .body(&body)
            .show()
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    tokio::spawn(async move {
        match shown.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(%e, "alerts: no desktop notification"),
            Err(e) => tracing::debug!(%e, "alerts: desktop notification task failed"),
        }
    });
}
