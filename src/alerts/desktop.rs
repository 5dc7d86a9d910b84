//! Desktop notifications for the `notify` action.
//!
//! Every `notify` delivery is an [`AlertNotice::Notify`](super::AlertNotice::Notify), which the
//! app shows as a toast and the headless receiver prints. A freedesktop notification on top of
//! that is not sent yet (see `show`).

/// Where a freedesktop notification would be shown. Not wired yet (no notification crate is
/// in the tree), so the in-app toast is the only notification; this logs at debug level, with
/// the rule's name and the headline only.
pub(crate) fn show(rule_name: &str, headline: &str) {
    tracing::debug!(
        rule = rule_name,
        headline,
        "alert notification (in-app only)"
    );
}
