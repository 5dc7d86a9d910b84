//! Rules: "when *event* then *action*", and the TOML file they are kept in.
//!
//! A [`Rule`] has an id (stable: the outbox and the delivery log are keyed by it), a name for
//! people, an `enabled` switch, a [`When`] (topics and optional conditions: action status, the
//! action's operation, a release, a content type, a time window) and one [`Action`] (desktop
//! notification, chat message, build hook, or re-validation of the release). A [`RuleSet`] is a
//! whole rules file: the rules and how messages link back (`web_app`). The format is documented
//! in the README ("Alerts and hooks"); [`RuleSet::from_toml`] parses and validates it, and its
//! errors name the rule and the problem, never a hook URL.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::hook_url::HookUrl;

/// Longest delay a build hook may wait after its event.
pub const MAX_BUILD_DELAY_SECS: u64 = 24 * 60 * 60;

/// A whole rules file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// The Contentful web app's host (`app.contentful.com`, `app.eu.contentful.com`) when the
    /// events come from a real space: messages then link to its pages. Without it, messages
    /// link back to the app (`release-desk://…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_app: Option<String>,
    /// The rules, in file order (`[[rule]]`).
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id (letters, digits, `-`, `_`), unique in the file.
    pub id: String,
    /// What people see.
    pub name: String,
    /// A disabled rule matches nothing.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Which events.
    pub when: When,
    /// What to do.
    pub then: Action,
}

fn yes() -> bool {
    true
}

/// Which events a rule matches: any of `topics`, and every condition that is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// `Type.action` (`ScheduledAction.execute`), `Type.*` or `*`; the `ContentManagement.`
    /// prefix is optional.
    pub topics: Vec<String>,
    /// The action's outcome (actions only: release, bulk and scheduled actions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The action's operation: `publish`, `unpublish` or `validate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// A release, by id or title (the release the event is about or was caused by).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// An entry's content type id (`Entry.*` events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Only at these times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<TimeWindow>,
}

/// An action's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// `failed`.
    Failed,
    /// `succeeded`.
    Succeeded,
}

impl Status {
    /// The CMA's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Succeeded => "succeeded",
        }
    }
}

/// A daily window in a time zone, optionally on some weekdays only. `from` after `until`
/// spans midnight (`22:00`–`06:00`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// Start, `HH:MM` (inclusive).
    pub from: String,
    /// End, `HH:MM` (exclusive).
    pub until: String,
    /// IANA zone (`Europe/Berlin`); UTC when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// `mon` … `sun`; every day when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<String>,
}

/// What a rule does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// A desktop notification (and an in-app toast).
    Notify,
    /// A message to a chat's incoming webhook.
    Chat {
        /// The chat's message format.
        format: ChatFormat,
        /// The incoming-webhook URL (a secret).
        url: HookUrl,
    },
    /// A `POST` to a build hook (Netlify, Vercel, …), optionally `delay_secs` after the event.
    BuildHook {
        /// The hook URL (a secret).
        url: HookUrl,
        /// Seconds to wait after the event (at most a day).
        #[serde(default, skip_serializing_if = "is_zero")]
        delay_secs: u64,
    },
    /// Validate the release again; the app shows the outcome in the releases list.
    Revalidate,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Action {
    /// The stored kind: `notify`, `chat`, `build_hook`, `revalidate`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Notify => "notify",
            Self::Chat { .. } => "chat",
            Self::BuildHook { .. } => "build_hook",
            Self::Revalidate => "revalidate",
        }
    }

    /// The URL it posts to, if it posts.
    pub fn url(&self) -> Option<&HookUrl> {
        match self {
            Self::Chat { url, .. } | Self::BuildHook { url, .. } => Some(url),
            Self::Notify | Self::Revalidate => None,
        }
    }
}

/// A chat's incoming-webhook message format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatFormat {
    /// Slack (`text` + Block Kit `blocks`).
    Slack,
    /// Microsoft Teams (an Adaptive Card message, as Workflows incoming webhooks take).
    Teams,
    /// Google Chat (`text` with its markup).
    GoogleChat,
    /// Plain JSON: the alert's fields, for your own endpoint.
    Json,
}

/// Why a rules file cannot be used. Messages name the rule and the problem; never a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read or written.
    #[error("cannot {doing} the rules file {path}: {message}")]
    Io {
        /// `read` or `write`.
        doing: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Not TOML of the expected shape.
    #[error("the rules file is not valid{at}: {message}")]
    Syntax {
        /// ` (line N)` when known.
        at: String,
        /// What is wrong (without the offending text, which may hold a hook URL).
        message: String,
    },
    /// A rule that parses but cannot work.
    #[error("rule '{rule}': {problem}")]
    Invalid {
        /// The rule's id (or its position when it has none).
        rule: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl RuleSet {
    /// Parses and validates a rules file's text.
    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        let set: Self = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let line = text.get(..span.start).unwrap_or(text).matches('\n').count() + 1;
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            RulesError::Syntax {
                at,
                message: e.message().trim().to_owned(),
            }
        })?;
        set.validate()?;
        Ok(set)
    }

    /// The file's text (hook URLs in full: write it owner-only).
    pub fn to_toml(&self) -> Result<String, RulesError> {
        toml::to_string_pretty(self).map_err(|e| RulesError::Syntax {
            at: String::new(),
            message: e.to_string(),
        })
    }

    /// Reads and validates a rules file.
    pub fn load(path: &Path) -> Result<Self, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|e| RulesError::Io {
            doing: "read",
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Self::from_toml(&text)
    }

    /// [`RuleSet::load`], plus a warning when others may read the file (it holds hook URLs).
    pub fn load_checked(path: &Path) -> Result<(Self, Option<String>), RulesError> {
        let set = Self::load(path)?;
        Ok((set, readable_by_others(path)))
    }

    /// Writes the file owner-only (it holds hook URLs), atomically.
    pub fn save(&self, path: &Path) -> Result<(), RulesError> {
        self.validate()?;
        let text = self.to_toml()?;
        crate::private_fs::write_atomic(path, text.as_bytes(), crate::private_fs::Access::OwnerOnly)
            .map_err(|e| RulesError::Io {
                doing: "write",
                path: path.to_owned(),
                message: e.to_string(),
            })
    }

    /// Checks every rule, and that ids are unique.
    pub fn validate(&self) -> Result<(), RulesError> {
        if let Some(host) = &self.web_app
            && (host.is_empty() || host.contains('/') || host.contains(' '))
        {
            return Err(RulesError::Syntax {
                at: String::new(),
                message: format!("web_app must be a host such as app.contentful.com, not '{host}'"),
            });
        }
        for (i, rule) in self.rules.iter().enumerate() {
            rule.validate().map_err(|problem| RulesError::Invalid {
                rule: if rule.id.trim().is_empty() {
                    format!("#{}", i + 1)
                } else {
                    rule.id.clone()
                },
                problem,
            })?;
            if self.rules[..i].iter().any(|r| r.id == rule.id) {
                return Err(RulesError::Invalid {
                    rule: rule.id.clone(),
                    problem: "another rule has the same id".to_owned(),
                });
            }
        }
        Ok(())
    }

    /// The rule with `id`.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// What a first start offers: a notification for every failed schedule and every failed
    /// release action.
    pub fn starter() -> Self {
        let notify = |id: &str, name: &str, topic: &str| Rule {
            id: id.to_owned(),
            name: name.to_owned(),
            enabled: true,
            when: When {
                topics: vec![topic.to_owned()],
                status: Some(Status::Failed),
                ..When::default()
            },
            then: Action::Notify,
        };
        Self {
            web_app: None,
            rules: vec![
                notify(
                    "failed-schedule",
                    "Notify on a failed schedule",
                    "ScheduledAction.execute",
                ),
                notify(
                    "failed-release-action",
                    "Notify on a failed release action",
                    "ReleaseAction.execute",
                ),
            ],
        }
    }
}

impl Rule {
    /// What is wrong with this rule, in a sentence.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err("the id must be letters, digits, '-' or '_'".to_owned());
        }
        if self.name.trim().is_empty() {
            return Err("the name is empty".to_owned());
        }
        if self.when.topics.is_empty() {
            return Err("`when.topics` names no topic".to_owned());
        }
        for topic in &self.when.topics {
            if !topic_is_valid(topic) {
                return Err(format!(
                    "'{topic}' is not a topic (Type.action, Type.* or *, e.g. ScheduledAction.execute)"
                ));
            }
        }
        if let Some(op) = &self.when.operation
            && !matches!(op.as_str(), "publish" | "unpublish" | "validate")
        {
            return Err(format!(
                "operation '{op}' is not one of publish, unpublish, validate"
            ));
        }
        if let Some(window) = &self.when.window {
            window.parsed()?;
        }
        if let Action::BuildHook { delay_secs, .. } = &self.then
            && *delay_secs > MAX_BUILD_DELAY_SECS
        {
            return Err(format!(
                "a build hook may wait at most {MAX_BUILD_DELAY_SECS} seconds"
            ));
        }
        Ok(())
    }
}

/// A warning when the group or others may read `path`.
#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} may be read by other users (mode {:o}) and holds hook URLs; chmod 600 it",
            path.display(),
            mode & 0o777
        )
    })
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> Option<String> {
    None
}

/// `Type.action`, `Type.*` or `*`, with an optional `ContentManagement.` prefix.
fn topic_is_valid(topic: &str) -> bool {
    let topic = topic.strip_prefix("ContentManagement.").unwrap_or(topic);
    if topic == "*" {
        return true;
    }
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match topic.split_once('.') {
        Some((kind, action)) => word(kind) && (action == "*" || word(action)),
        None => false,
    }
}

/// A [`TimeWindow`] ready to test instants against.
#[derive(Debug, Clone)]
pub struct ParsedWindow {
    /// Minutes after midnight, inclusive.
    pub from: u16,
    /// Minutes after midnight, exclusive.
    pub until: u16,
    /// The zone.
    pub zone: jiff::tz::TimeZone,
    /// Weekdays (empty: all).
    pub days: Vec<jiff::civil::Weekday>,
}

impl TimeWindow {
    /// Parses times, zone and days.
    pub fn parsed(&self) -> Result<ParsedWindow, String> {
        fn minutes(text: &str) -> Result<u16, String> {
            let bad = || format!("'{text}' is not a time of day (HH:MM)");
            let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
            let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
            if h > 24 || m > 59 || (h == 24 && m > 0) {
                return Err(bad());
            }
            Ok(h * 60 + m)
        }
        let zone = match self.zone.as_deref() {
            None | Some("UTC") => jiff::tz::TimeZone::UTC,
            Some(name) => jiff::tz::TimeZone::get(name)
                .map_err(|_| format!("'{name}' is not a known time zone"))?,
        };
        let days = self
            .days
            .iter()
            .map(|d| {
                use jiff::civil::Weekday::*;
                Ok(match d.to_ascii_lowercase().get(..3).unwrap_or_default() {
                    "mon" => Monday,
                    "tue" => Tuesday,
                    "wed" => Wednesday,
                    "thu" => Thursday,
                    "fri" => Friday,
                    "sat" => Saturday,
                    "sun" => Sunday,
                    _ => return Err(format!("'{d}' is not a weekday (mon … sun)")),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(ParsedWindow {
            from: minutes(&self.from)?,
            until: minutes(&self.until)?,
            zone,
            days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
web_app = "app.contentful.com"

[[rule]]
id = "failed-schedules"
name = "Failed schedule to Slack"
[rule.when]
topics = ["ScheduledAction.execute"]
status = "failed"
[rule.then]
action = "chat"
format = "slack"
url = "https://hooks.slack.com/services/T0/B0/SECRET"

[[rule]]
id = "deploy"
name = "Build after publish"
enabled = false
[rule.when]
topics = ["ReleaseAction.execute"]
status = "succeeded"
operation = "publish"
window = { from = "08:00", until = "20:00", zone = "Europe/Berlin", days = ["mon", "fri"] }
[rule.then]
action = "build_hook"
url = "https://api.netlify.com/build_hooks/SECRET"
delay_secs = 60
"#;

    #[test]
    fn the_documented_format_parses_and_round_trips() {
        let set = RuleSet::from_toml(FILE).unwrap();
        assert_eq!(set.rules.len(), 2);
        assert!(set.rules[0].enabled, "enabled by default");
        assert!(!set.rules[1].enabled);
        assert_eq!(
            set.rules[1].then,
            Action::BuildHook {
                url: HookUrl::parse("https://api.netlify.com/build_hooks/SECRET").unwrap(),
                delay_secs: 60
            }
        );
        let again = RuleSet::from_toml(&set.to_toml().unwrap()).unwrap();
        assert_eq!(again, set);
        assert!(!format!("{set:?}").contains("SECRET"));
    }

    #[test]
    fn errors_name_the_rule_and_the_problem_but_never_a_url() {
        let cases = [
            (
                FILE.replace("\"ScheduledAction.execute\"", "\"ScheduledAction\""),
                "rule 'failed-schedules': 'ScheduledAction' is not a topic",
            ),
            (
                FILE.replace("id = \"deploy\"", "id = \"failed-schedules\""),
                "same id",
            ),
            (
                FILE.replace("\"08:00\"", "\"8 am\""),
                "'8 am' is not a time of day",
            ),
            (
                FILE.replace("Europe/Berlin", "Mars/Olympus"),
                "not a known time zone",
            ),
            (
                FILE.replace("delay_secs = 60", "delay_secs = 999999"),
                "at most",
            ),
            (
                FILE.replace("\"slack\"", "\"irc\""),
                "(line 10): unknown variant `irc`",
            ),
            (
                FILE.replace(
                    "https://hooks.slack.com/services/T0/B0/SECRET",
                    "ftp://SECRET",
                ),
                "must start with https://",
            ),
        ];
        for (text, expected) in cases {
            let error = RuleSet::from_toml(&text).unwrap_err().to_string();
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
            assert!(!error.contains("SECRET"), "{error}");
        }
    }

    #[test]
    fn the_starter_set_is_valid() {
        let starter = RuleSet::starter();
        starter.validate().unwrap();
        assert!(starter.rules.iter().all(|r| r.then == Action::Notify));
    }
}
