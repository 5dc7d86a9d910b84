//! Settings → Alerts and hooks, the app's side of [`crate::alerts`]: what the view asks the
//! worker ([`AlertsRequest`]), what comes back ([`AlertsResult`]), and what the view draws
//! from ([`AlertsSettings`], a part of `AppState`). Pure: no egui, no I/O.
//!
//! The rules are read from and saved to the app's rules file by the worker, which also puts
//! them in force in the embedded timeline; delivery logs are read per rule on request. Hook
//! URLs reach the state (the edit form needs to keep them) but are only ever shown through
//! [`crate::alerts::HookUrl`]'s redacted `Display`.

use crate::alerts::{DeliveryRecord, DeliveryState, RuleSet};

/// What the Alerts and hooks section asks the worker.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertsRequest {
    /// Read the rules in force.
    Load,
    /// Save these rules (owner-only) and put them in force.
    Save(RuleSet),
    /// Post a sample through the rule's action ("Send a test").
    SendTest {
        /// The rule.
        rule_id: String,
    },
    /// Read a rule's newest deliveries.
    LoadLog {
        /// The rule.
        rule_id: String,
    },
}

/// What the worker answers, and what the alerts tell the app.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertsResult {
    /// The rules in force. `note` says why they are not the file's, when they are not.
    Loaded {
        /// The rules.
        rules: RuleSet,
        /// E.g. "starter rules: nothing saved yet".
        note: Option<String>,
    },
    /// Saved and in force.
    Saved(RuleSet),
    /// A test was queued for the rule.
    TestQueued {
        /// The rule's name.
        rule_name: String,
    },
    /// A rule's newest deliveries, newest first.
    LogLoaded {
        /// The rule.
        rule_id: String,
        /// The deliveries.
        records: Vec<DeliveryRecord>,
    },
    /// A `notify` rule fired: show it as a toast.
    Notified {
        /// The alert's headline.
        headline: String,
        /// Its problems, one per line.
        text: String,
    },
    /// A delivery was attempted; a failed one is said in a toast.
    Attempted {
        /// The rule.
        rule_id: String,
        /// The alert's headline.
        headline: String,
        /// Where the delivery is.
        state: DeliveryState,
        /// Why it failed.
        error: Option<String>,
    },
    /// A request failed.
    Failed {
        /// What was being done ("Saving the rules").
        context: String,
        /// Why.
        message: String,
    },
    /// Alerts do not run here (no embedded timeline).
    Unavailable,
}

/// The section's data: the rules, the open log, and what is in flight.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertsSettings {
    /// The rules in force, once loaded.
    pub rules: Option<RuleSet>,
    /// Why the rules are not the file's (starter set, unreadable file).
    pub note: Option<String>,
    /// Loading or saving.
    pub busy: bool,
    /// The last save or load error, for the section (also toasted).
    pub error: Option<String>,
    /// The log shown: the rule and its deliveries.
    pub log: Option<(String, Vec<DeliveryRecord>)>,
    /// The log shown is out of date (a delivery of its rule was attempted since).
    pub log_stale: bool,
    /// Whether alerts run at all in this app (false without an embedded timeline).
    pub unavailable: bool,
}

/// A toast the state should show for a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertsToast {
    /// Good news.
    Success(String),
    /// News.
    Info(String),
    /// A failure, in one sentence.
    Error(String),
}

impl AlertsSettings {
    /// Marks what a request sets pending.
    pub fn on_request(&mut self, request: &AlertsRequest) {
        match request {
            AlertsRequest::Load | AlertsRequest::Save(_) => {
                self.busy = true;
                self.error = None;
            }
            AlertsRequest::LoadLog { .. } => self.log_stale = false,
            AlertsRequest::SendTest { .. } => {}
        }
    }

    /// Applies a result; returns the toast to show, if any.
    pub fn apply(&mut self, result: AlertsResult) -> Option<AlertsToast> {
        match result {
            AlertsResult::Loaded { rules, note } => {
                self.busy = false;
                self.rules = Some(rules);
                self.note = note;
                None
            }
            AlertsResult::Saved(rules) => {
                self.busy = false;
                self.rules = Some(rules);
                self.note = None;
                Some(AlertsToast::Success("Alert rules saved".into()))
            }
            AlertsResult::TestQueued { rule_name } => Some(AlertsToast::Info(format!(
                "Sending a test for '{rule_name}'…"
            ))),
            AlertsResult::LogLoaded { rule_id, records } => {
                self.log = Some((rule_id, records));
                None
            }
            AlertsResult::Notified { headline, text } => {
                Some(AlertsToast::Info(if text.is_empty() {
                    headline
                } else {
                    format!("{headline}\n{text}")
                }))
            }
            AlertsResult::Attempted {
                rule_id,
                headline,
                state,
                error,
            } => {
                let name = self.rule_name(&rule_id);
                // The open log goes stale; the view asks for it again.
                if self.log.as_ref().is_some_and(|(id, _)| *id == rule_id) {
                    self.log_stale = true;
                }
                match state {
                    DeliveryState::Failed => Some(AlertsToast::Error(format!(
                        "The alert '{name}' could not be delivered: {}",
                        error.unwrap_or_else(|| headline.clone())
                    ))),
                    DeliveryState::Delivered if headline.starts_with("Test from") => Some(
                        AlertsToast::Success(format!("The test of '{name}' was delivered")),
                    ),
                    _ => None,
                }
            }
            AlertsResult::Failed { context, message } => {
                self.busy = false;
                let sentence = format!("{context} failed: {message}");
                self.error = Some(sentence.clone());
                Some(AlertsToast::Error(sentence))
            }
            AlertsResult::Unavailable => {
                self.busy = false;
                self.unavailable = true;
                None
            }
        }
    }

    /// A rule's name, else its id.
    pub fn rule_name(&self, rule_id: &str) -> String {
        self.rules
            .as_ref()
            .and_then(|r| r.rule(rule_id))
            .map_or_else(|| rule_id.to_owned(), |r| r.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_update_the_section_and_say_what_matters() {
        let mut settings = AlertsSettings::default();
        settings.on_request(&AlertsRequest::Load);
        assert!(settings.busy);
        let starter = RuleSet::starter();
        let cases: Vec<(AlertsResult, Option<AlertsToast>)> = vec![
            (
                AlertsResult::Loaded {
                    rules: starter.clone(),
                    note: Some("starter".into()),
                },
                None,
            ),
            (
                AlertsResult::Attempted {
                    rule_id: "failed-schedule".into(),
                    headline: "x".into(),
                    state: DeliveryState::Failed,
                    error: Some("answered 404".into()),
                },
                Some(AlertsToast::Error(
                    "The alert 'Notify on a failed schedule' could not be delivered: answered 404"
                        .into(),
                )),
            ),
            (
                AlertsResult::Notified {
                    headline: "Scheduled publish failed".into(),
                    text: String::new(),
                },
                Some(AlertsToast::Info("Scheduled publish failed".into())),
            ),
            (
                AlertsResult::Saved(RuleSet::default()),
                Some(AlertsToast::Success("Alert rules saved".into())),
            ),
        ];
        for (result, toast) in cases {
            assert_eq!(settings.apply(result.clone()), toast, "{result:?}");
        }
        assert!(!settings.busy);
        assert_eq!(settings.rules, Some(RuleSet::default()));
    }
}
