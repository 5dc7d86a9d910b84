//! Settings → Alerts and hooks: the rules (enable switch, edit, "Send a test", delivery log,
//! delete), a form to add or edit one, and the starter rules when there are none. Hook URLs
//! are shown redacted (`https://hooks.slack.com/…`); the form never shows a saved one (leave
//! the field empty to keep it). Everything goes to the worker as [`AlertsRequest`]s.

use egui::{RichText, Ui};

use super::ViewCtx;
use crate::alerts::{Action, ChatFormat, HookUrl, Rule, RuleSet, Status, When};
use crate::app::alerts::AlertsRequest;
use crate::app::command::Command;
use crate::app::theme::{self, Tone};

/// The section's UI state.
#[derive(Debug, Default)]
pub struct AlertsSection {
    form: Option<RuleForm>,
    /// The rule whose delivery log is open.
    log_for: Option<String>,
    confirm_delete: Option<String>,
}

const ACTIONS: [&str; 4] = [
    "Desktop notification",
    "Chat message",
    "Build hook",
    "Re-validate the release",
];
const FORMATS: [(ChatFormat, &str); 4] = [
    (ChatFormat::Slack, "Slack"),
    (ChatFormat::Teams, "Microsoft Teams"),
    (ChatFormat::GoogleChat, "Google Chat"),
    (ChatFormat::Json, "Plain JSON"),
];

/// The add/edit form. A saved hook URL stays in `kept_url` and is never put in the field.
#[derive(Default)]
struct RuleForm {
    /// The id of the rule edited; `None` for a new one.
    editing: Option<String>,
    id: String,
    name: String,
    enabled: bool,
    topics: String,
    status: usize,
    operation: String,
    release: String,
    content_type: String,
    action: usize,
    format: usize,
    url: String,
    kept_url: Option<HookUrl>,
    delay_secs: String,
    error: Option<String>,
}

impl std::fmt::Debug for RuleForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleForm")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl RuleForm {
    fn new() -> Self {
        Self {
            enabled: true,
            topics: "ScheduledAction.execute".into(),
            status: 1,
            action: 1,
            ..Self::default()
        }
    }

    fn edit(rule: &Rule) -> Self {
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        let (action, format, kept_url, delay) = match &rule.then {
            Action::Notify => (0, 0, None, 0),
            Action::Chat { format, url } => (
                1,
                FORMATS.iter().position(|(f, _)| f == format).unwrap_or(0),
                Some(url.clone()),
                0,
            ),
            Action::BuildHook { url, delay_secs } => (2, 0, Some(url.clone()), *delay_secs),
            Action::Revalidate => (3, 0, None, 0),
        };
        Self {
            editing: Some(rule.id.clone()),
            id: rule.id.clone(),
            name: rule.name.clone(),
            enabled: rule.enabled,
            topics: rule.when.topics.join(", "),
            status: match rule.when.status {
                None => 0,
                Some(Status::Failed) => 1,
                Some(Status::Succeeded) => 2,
            },
            operation: text(&rule.when.operation),
            release: text(&rule.when.release),
            content_type: text(&rule.when.content_type),
            action,
            format,
            url: String::new(),
            kept_url,
            delay_secs: if delay == 0 {
                String::new()
            } else {
                delay.to_string()
            },
            error: None,
            // The time window has no fields here yet; an edit keeps it (see `rule`).
        }
    }

    /// The rule the form describes, checked; `previous` keeps what the form does not edit.
    fn rule(&self, previous: Option<&Rule>) -> Result<Rule, String> {
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let url = || -> Result<HookUrl, String> {
            match (optional(&self.url), &self.kept_url) {
                (Some(text), _) => HookUrl::parse(&text).map_err(|e| e.to_string()),
                (None, Some(kept)) => Ok(kept.clone()),
                (None, None) => Err("the hook URL is empty".into()),
            }
        };
        let then = match self.action {
            0 => Action::Notify,
            1 => Action::Chat {
                format: FORMATS
                    .get(self.format)
                    .map_or(ChatFormat::Slack, |(f, _)| *f),
                url: url()?,
            },
            2 => Action::BuildHook {
                url: url()?,
                delay_secs: match optional(&self.delay_secs) {
                    None => 0,
                    Some(text) => text
                        .parse()
                        .map_err(|_| format!("'{text}' is not a number of seconds"))?,
                },
            },
            _ => Action::Revalidate,
        };
        let rule = Rule {
            id: self.id.trim().to_owned(),
            name: self.name.trim().to_owned(),
            enabled: self.enabled,
            when: When {
                topics: self
                    .topics
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
                status: match self.status {
                    1 => Some(Status::Failed),
                    2 => Some(Status::Succeeded),
                    _ => None,
                },
                operation: optional(&self.operation),
                release: optional(&self.release),
                content_type: optional(&self.content_type),
                window: previous.and_then(|p| p.when.window.clone()),
            },
            then,
        };
        rule.validate()?;
        Ok(rule)
    }
}

/// One line for a rule: its topics and conditions, and where it goes (URLs redacted).
fn describe(rule: &Rule) -> String {
    let status = rule
        .when
        .status
        .map(|s| format!(" ({})", s.as_str()))
        .unwrap_or_default();
    let then = match &rule.then {
        Action::Notify => "notify".to_owned(),
        Action::Chat { format, url } => {
            let name = FORMATS
                .iter()
                .find(|(f, _)| f == format)
                .map_or("chat", |(_, n)| n);
            format!("{name} message to {url}")
        }
        Action::BuildHook { url, delay_secs: 0 } => format!("build hook {url}"),
        Action::BuildHook { url, delay_secs } => format!("build hook {url} after {delay_secs} s"),
        Action::Revalidate => "validate the release again".to_owned(),
    };
    format!("when {}{status}, then {then}", rule.when.topics.join(", "))
}

impl AlertsSection {
    /// Draws the section.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        ui.add_space(theme::SECTION_GAP);
        ui.label(RichText::new("Alerts and hooks").strong());
        let alerts = &cx.state.alerts;
        if alerts.unavailable {
            ui.label(RichText::new("Alerts run with the embedded webhook receiver.").weak());
            return;
        }
        let Some(rules) = alerts.rules.clone() else {
            if !alerts.busy {
                cx.send(Command::Alerts(AlertsRequest::Load));
            }
            ui.spinner();
            return;
        };
        let visuals = ui.visuals().clone();
        if let Some(note) = &alerts.note {
            ui.label(RichText::new(note).weak());
        }
        if let Some(error) = &alerts.error {
            ui.label(RichText::new(error).color(theme::tone(&visuals, Tone::Danger)));
        }
        let save = |cx: &mut ViewCtx<'_>, set: RuleSet| {
            cx.send(Command::Alerts(AlertsRequest::Save(set)));
        };
        if rules.rules.is_empty() {
            ui.label("No rules.");
            if ui.button("Add the starter rules").clicked() {
                save(
                    cx,
                    RuleSet {
                        web_app: rules.web_app.clone(),
                        ..RuleSet::starter()
                    },
                );
            }
        }
        egui::Grid::new("alert-rules")
            .num_columns(3)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for (i, rule) in rules.rules.iter().enumerate() {
                    let mut enabled = rule.enabled;
                    if ui
                        .checkbox(&mut enabled, &rule.name)
                        .on_hover_text("On: the rule acts on new events")
                        .changed()
                    {
                        let mut set = rules.clone();
                        if let Some(r) = set.rules.get_mut(i) {
                            r.enabled = enabled;
                        }
                        save(cx, set);
                    }
                    ui.label(RichText::new(describe(rule)).weak());
                    ui.horizontal(|ui| {
                        if ui.button("Edit").clicked() {
                            self.form = Some(RuleForm::edit(rule));
                        }
                        if ui
                            .button("Send a test")
                            .on_hover_text("Post a sample message through this rule")
                            .clicked()
                        {
                            cx.send(Command::Alerts(AlertsRequest::SendTest {
                                rule_id: rule.id.clone(),
                            }));
                        }
                        if ui.button("Log").clicked() {
                            self.log_for = Some(rule.id.clone());
                            cx.send(Command::Alerts(AlertsRequest::LoadLog {
                                rule_id: rule.id.clone(),
                            }));
                        }
                        if ui.button("Delete").clicked() {
                            self.confirm_delete = Some(rule.id.clone());
                        }
                    });
                    ui.end_row();
                }
            });
        if self.form.is_none() && ui.button("Add a rule").clicked() {
            self.form = Some(RuleForm::new());
        }
        if let Some(id) = self.confirm_delete.clone() {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "Delete the rule '{}'?",
                    cx.state.alerts.rule_name(&id)
                ));
                if ui.button("Delete").clicked() {
                    let mut set = rules.clone();
                    set.rules.retain(|r| r.id != id);
                    save(cx, set);
                    self.confirm_delete = None;
                }
                if ui.button("Keep").clicked() {
                    self.confirm_delete = None;
                }
            });
        }
        self.form_ui(ui, cx, &rules);
        self.log_ui(ui, cx);
    }

    fn form_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, rules: &RuleSet) {
        let Some(form) = &mut self.form else {
            return;
        };
        let mut close = false;
        ui.group(|ui| {
            egui::Grid::new("alert-rule-form")
                .num_columns(2)
                .show(ui, |ui| {
                    ui.label("Name");
                    ui.text_edit_singleline(&mut form.name);
                    ui.end_row();
                    ui.label("Id");
                    ui.add_enabled(
                        form.editing.is_none(),
                        egui::TextEdit::singleline(&mut form.id).hint_text("failed-schedules"),
                    );
                    ui.end_row();
                    ui.label("When topics");
                    ui.add(
                        egui::TextEdit::singleline(&mut form.topics)
                            .hint_text("ScheduledAction.execute, ReleaseAction.*"),
                    );
                    ui.end_row();
                    ui.label("Status");
                    egui::ComboBox::from_id_salt("alert-status").show_index(
                        ui,
                        &mut form.status,
                        3,
                        |i| ["any", "failed", "succeeded"][i.min(2)],
                    );
                    ui.end_row();
                    for (label, value, hint) in [
                        ("Operation", &mut form.operation, "publish"),
                        ("Release", &mut form.release, "id or title"),
                        ("Content type", &mut form.content_type, "article"),
                    ] {
                        ui.label(label);
                        ui.add(egui::TextEdit::singleline(value).hint_text(hint));
                        ui.end_row();
                    }
                    ui.label("Then");
                    egui::ComboBox::from_id_salt("alert-action").show_index(
                        ui,
                        &mut form.action,
                        ACTIONS.len(),
                        |i| ACTIONS[i.min(ACTIONS.len() - 1)],
                    );
                    ui.end_row();
                    if form.action == 1 {
                        ui.label("Format");
                        egui::ComboBox::from_id_salt("alert-format").show_index(
                            ui,
                            &mut form.format,
                            FORMATS.len(),
                            |i| FORMATS[i.min(FORMATS.len() - 1)].1,
                        );
                        ui.end_row();
                    }
                    if form.action == 1 || form.action == 2 {
                        ui.label("Hook URL");
                        let hint = form
                            .kept_url
                            .as_ref()
                            .map_or_else(|| "https://…".to_owned(), |u| format!("{u} (kept)"));
                        ui.add(
                            egui::TextEdit::singleline(&mut form.url)
                                .password(true)
                                .hint_text(hint),
                        );
                        ui.end_row();
                    }
                    if form.action == 2 {
                        ui.label("Delay (seconds)");
                        ui.add(egui::TextEdit::singleline(&mut form.delay_secs).hint_text("0"));
                        ui.end_row();
                    }
                    ui.label("Enabled");
                    ui.checkbox(&mut form.enabled, "");
                    ui.end_row();
                });
            if let Some(error) = &form.error {
                let visuals = ui.visuals().clone();
                ui.label(RichText::new(error).color(theme::tone(&visuals, Tone::Danger)));
            }
            ui.horizontal(|ui| {
                if ui.button("Save rule").clicked() {
                    let previous = form.editing.as_deref().and_then(|id| rules.rule(id));
                    match form.rule(previous) {
                        Ok(rule) => {
                            let mut set = rules.clone();
                            match set
                                .rules
                                .iter_mut()
                                .find(|r| Some(&r.id) == form.editing.as_ref())
                            {
                                Some(slot) => *slot = rule,
                                None => set.rules.push(rule),
                            }
                            match set.validate() {
                                Ok(()) => {
                                    cx.send(Command::Alerts(AlertsRequest::Save(set)));
                                    close = true;
                                }
                                Err(e) => form.error = Some(e.to_string()),
                            }
                        }
                        Err(e) => form.error = Some(e),
                    }
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
        if close {
            self.form = None;
        }
    }

    fn log_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let Some(rule_id) = self.log_for.clone() else {
            return;
        };
        let alerts = &cx.state.alerts;
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!("Deliveries of '{}'", alerts.rule_name(&rule_id))).strong(),
            );
            if ui.small_button("Close").clicked() {
                self.log_for = None;
            }
        });
        let Some((id, records)) = alerts.log.as_ref().filter(|(id, _)| *id == rule_id) else {
            ui.spinner();
            return;
        };
        if alerts.log_stale {
            let rule_id = id.clone();
            cx.send(Command::Alerts(AlertsRequest::LoadLog { rule_id }));
        }
        if records.is_empty() {
            ui.label(RichText::new("Nothing delivered yet.").weak());
            return;
        }
        egui::Grid::new("alert-log")
            .num_columns(4)
            .striped(true)
            .show(ui, |ui| {
                for header in ["Time", "Event", "Status", "Attempts"] {
                    ui.label(RichText::new(header).strong());
                }
                ui.end_row();
                for record in records {
                    ui.label(crate::app::format::local_time(record.created_at.into()));
                    ui.label(&record.headline).on_hover_text(&record.topic);
                    let status = match (&record.last_status, &record.last_error) {
                        (_, Some(error)) => format!("{}: {error}", record.state),
                        (Some(code), None) => format!("{} (HTTP {code})", record.state),
                        (None, None) => record.state.to_string(),
                    };
                    ui.label(status);
                    ui.label(record.attempts.to_string());
                    ui.end_row();
                }
            });
    }
}
