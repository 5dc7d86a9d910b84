//! What a rule says, in plain words, and the bodies that carry it: pure, no I/O.
//!
//! [`Alert::of`] turns an event into a headline (the journal's one-line summary, which names a
//! release by title when the payload or the journal knows it) and one line per problem: the
//! failing entity, the field (path after `fields`, as the failure inspector shows it) and the
//! reason in the failure inspector's words ([`crate::validation::wording::field_error_reason`], pure
//! and shared), plus a link back — the Contentful web app for a real space (when the rules
//! name its host), else `release-desk://…`. [`chat_body`] lays an alert out for Slack, Microsoft
//! Teams, Google Chat or as plain JSON.

use serde_json::{Value, json};

use super::rules::ChatFormat;
use crate::cma::{ErrorBody, FieldError, Link, LinkType};
use crate::timeline::event::{EventPayload, IncomingEvent};

/// Most problem lines in one message; the rest are counted.
pub const MAX_PROBLEMS: usize = 10;

/// One alert, ready to be laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// One line: what happened (`Scheduled publish of Release 'Spring' failed: 1 invalid entry`).
    pub headline: String,
    /// What failed and why, one line each (`Entry 'hero' › title › en-US: Required, but empty`).
    pub problems: Vec<String>,
    /// Where to look.
    pub link: Option<AlertLink>,
    /// `Type.action`.
    pub topic: String,
    /// The action status, for actions.
    pub status: Option<String>,
    /// The event's entity id.
    pub entity_id: Option<String>,
    /// The release it is about, if any.
    pub release_id: Option<String>,
}

/// A link back and what it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLink {
    /// The URL.
    pub url: String,
    /// `Open in Contentful` or `Open in Release Desk`.
    pub label: String,
}

/// Where links point: a Contentful web app host for a real space, else the app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkBase {
    /// `app.contentful.com`, `app.eu.contentful.com`; `None` for `release-desk://` links.
    pub web_app: Option<String>,
}

impl Alert {
    /// The alert for a stored event: `summary` is its journal summary, `event_id` its row.
    pub fn of(event: &IncomingEvent, summary: &str, event_id: i64, links: &LinkBase) -> Self {
        let (error, target) = match &event.payload {
            EventPayload::ReleaseAction(a) => (a.error.as_ref(), None),
            EventPayload::BulkAction(b) => (b.error.as_ref(), None),
            EventPayload::ScheduledAction(s) => (s.error.as_ref(), Some(&s.entity)),
            _ => (None, None),
        };
        let problems = error.map(|e| problems(e, target)).unwrap_or_default();
        let release_id = match &event.payload {
            EventPayload::Release(r) => Some(r.sys.id.clone()),
            EventPayload::ReleaseAction(a) => Some(a.sys.release.id().to_owned()),
            EventPayload::ScheduledAction(s) if *s.entity.link_type() == LinkType::Release => {
                Some(s.entity.id().to_owned())
            }
            _ => event.causes.release_id.clone(),
        };
        let json: Option<Value> = serde_json::from_slice(&event.body).ok();
        let space = json
            .as_ref()
            .and_then(|j| j.pointer("/sys/space/sys/id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        // The entity the problems name, when exactly one entity failed.
        let failed_entity = error.and_then(|e| {
            let entities = e.entity_errors();
            match entities.as_slice() {
                [one] => one.link(),
                [] => target
                    .filter(|t| *t.link_type() != LinkType::Release)
                    .cloned(),
                _ => None,
            }
        });
        let link = link_back(
            links,
            space.as_deref(),
            event.environment.as_deref().unwrap_or("master"),
            failed_entity.as_ref(),
            release_id.as_deref(),
            event_id,
        );
        Self {
            headline: summary.to_owned(),
            problems,
            link,
            topic: event.topic.clone(),
            status: event.action_status.clone(),
            entity_id: event.entity_id.clone(),
            release_id,
        }
    }

    /// A made-up alert for "Send a test": clearly a sample, in the same shape as a real one.
    pub fn sample(rule_name: &str) -> Self {
        Self {
            headline: format!("Test from Release Desk: the rule '{rule_name}' can post here"),
            problems: vec![
                "Sample: Entry 'hero-banner' › title › en-US: Required, but empty".to_owned(),
            ],
            link: Some(AlertLink {
                url: "release-desk://timeline".to_owned(),
                label: "Open in Release Desk".to_owned(),
            }),
            topic: "ScheduledAction.execute".to_owned(),
            status: Some("failed".to_owned()),
            entity_id: None,
            release_id: None,
        }
    }

    /// The alert as text: the headline, then each problem on its own line.
    pub fn text(&self) -> String {
        let mut text = self.headline.clone();
        for problem in &self.problems {
            text.push_str("\n• ");
            text.push_str(problem);
        }
        text
    }
}

/// One line per failing entity and field.
fn problems(error: &ErrorBody, target: Option<&Link>) -> Vec<String> {
    let mut lines = Vec::new();
    let entity_errors = error.entity_errors();
    if entity_errors.is_empty() {
        // A schedule of one entry fails with that entry's own field errors.
        let fields = error.field_errors();
        let name = target.map_or_else(|| "It".to_owned(), entity_name);
        if fields.is_empty() {
            lines.push(format!("{name}: {}", error.message_or_id()));
        }
        lines.extend(fields.iter().map(|f| field_line(&name, f)));
    }
    for entity_error in &entity_errors {
        let name = entity_error
            .link()
            .as_ref()
            .map_or_else(|| "An entity".to_owned(), entity_name);
        let fields = entity_error.error.field_errors();
        if fields.is_empty() {
            let why = match entity_error.error.sys.id.as_str() {
                "VersionMismatch" => "changed since it was added: reload and try again".to_owned(),
                "NotFound" => "does not exist (deleted?)".to_owned(),
                _ => entity_error.error.message_or_id().to_owned(),
            };
            lines.push(format!("{name}: {why}"));
        }
        lines.extend(fields.iter().map(|f| field_line(&name, f)));
    }
    if lines.len() > MAX_PROBLEMS {
        let more = lines.len() - MAX_PROBLEMS;
        lines.truncate(MAX_PROBLEMS);
        lines.push(format!("… and {more} more"));
    }
    lines
}

/// `Entry 'hero'`.
fn entity_name(link: &Link) -> String {
    format!("{} '{}'", link.link_type(), link.id())
}

/// `Entry 'hero' › title › en-US: Required, but empty` (the path after `fields`, as the
/// failure inspector shows it).
fn field_line(entity: &str, error: &FieldError) -> String {
    let path: Vec<String> = error
        .path
        .iter()
        .skip(1)
        .map(|s| match s {
            Value::String(s) => s.clone(),
            other => format!("[{other}]"),
        })
        .collect();
    let reason = crate::validation::wording::field_error_reason(error);
    if path.is_empty() {
        format!("{entity}: {reason}")
    } else {
        format!("{entity} › {}: {reason}", path.join(" › "))
    }
}

fn link_back(
    links: &LinkBase,
    space: Option<&str>,
    environment: &str,
    entity: Option<&Link>,
    release: Option<&str>,
    event_id: i64,
) -> Option<AlertLink> {
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, PATH).to_string();
    match (&links.web_app, space) {
        (Some(host), Some(space)) => {
            let (space, environment) = (enc(space), enc(environment));
            let url = match (entity, release) {
                (Some(entity), _) if *entity.link_type() != LinkType::Release => {
                    let segment = if *entity.link_type() == LinkType::Asset {
                        "assets"
                    } else {
                        "entries"
                    };
                    format!(
                        "https://{host}/spaces/{space}/environments/{environment}/{segment}/{}",
                        enc(entity.id())
                    )
                }
                // Launch releases live in the Launch app, which only the US region has.
                (_, Some(release)) if host == "app.contentful.com" => format!(
                    "https://launch.contentful.com/spaces/{space}/releases/{}",
                    enc(release)
                ),
                _ => format!("https://{host}/spaces/{space}/environments/{environment}"),
            };
            Some(AlertLink {
                url,
                label: "Open in Contentful".to_owned(),
            })
        }
        (Some(_), None) => None,
        (None, _) => {
            let url = match (entity, release) {
                (_, Some(release)) => format!("release-desk://releases/{}", enc(release)),
                (Some(entity), None) => format!("release-desk://entries/{}", enc(entity.id())),
                (None, None) => format!("release-desk://timeline/{event_id}"),
            };
            Some(AlertLink {
                url,
                label: "Open in Release Desk".to_owned(),
            })
        }
    }
}

/// Characters escaped in a link's path segment.
const PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The JSON body for `format`.
pub fn chat_body(format: ChatFormat, alert: &Alert) -> Value {
    match format {
        ChatFormat::Slack => slack(alert),
        ChatFormat::Teams => teams(alert),
        ChatFormat::GoogleChat => google_chat(alert),
        ChatFormat::Json => plain_json(alert),
    }
}

/// Slack's mrkdwn reserves `&`, `<` and `>`.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn bullets(alert: &Alert, escape: fn(&str) -> String) -> String {
    alert
        .problems
        .iter()
        .map(|p| format!("• {}", escape(p)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn slack(alert: &Alert) -> Value {
    let mut blocks = vec![json!({
        "type": "section",
        "text": {"type": "mrkdwn", "text": format!("*{}*", slack_escape(&alert.headline))}
    })];
    if !alert.problems.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": bullets(alert, slack_escape)}
        }));
    }
    if let Some(link) = &alert.link {
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("<{}|{}>", link.url, link.label)}]
        }));
    }
    // `text` is the notification's and the fallback's.
    json!({"text": slack_escape(&alert.text()), "blocks": blocks})
}

fn teams(alert: &Alert) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock", "text": alert.headline, "weight": "Bolder", "wrap": true
    })];
    if !alert.problems.is_empty() {
        let list = alert
            .problems
            .iter()
            .map(|p| format!("- {p}"))
            .collect::<Vec<_>>()
            .join("\n");
        body.push(json!({"type": "TextBlock", "text": list, "wrap": true}));
    }
    let actions: Vec<Value> = alert
        .link
        .iter()
        .map(|l| json!({"type": "Action.OpenUrl", "title": l.label, "url": l.url}))
        .collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": actions
            }
        }]
    })
}

fn google_chat(alert: &Alert) -> Value {
    let mut text = format!("*{}*", alert.headline);
    if !alert.problems.is_empty() {
        text.push('\n');
        text.push_str(&bullets(alert, str::to_owned));
    }
    if let Some(link) = &alert.link {
        text.push_str(&format!("\n<{}|{}>", link.url, link.label));
    }
    json!({ "text": text })
}

/// The alert's fields as they are (also the body of a build hook's `POST`, which Netlify
/// passes to the build as `INCOMING_HOOK_BODY`).
pub fn plain_json(alert: &Alert) -> Value {
    json!({
        "headline": alert.headline,
        "problems": alert.problems,
        "link": alert.link.as_ref().map(|l| &l.url),
        "topic": alert.topic,
        "status": alert.status,
        "entity_id": alert.entity_id,
        "release_id": alert.release_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::event::{Origin, Verdict};

    /// A failed `ScheduledAction.execute` of release `rel-1` whose entry `hero` lacks a title.
    pub(crate) fn failed_schedule() -> IncomingEvent {
        let body = json!({
            "sys": {"type": "ScheduledAction", "id": "sa-1", "version": 2, "status": "failed",
                    "space": {"sys": {"type": "Link", "linkType": "Space", "id": "space-1"}}},
            "entity": {"sys": {"type": "Link", "linkType": "Release", "id": "rel-1"}},
            "environment": {"sys": {"type": "Link", "linkType": "Environment", "id": "master"}},
            "action": "publish",
            "scheduledFor": {"datetime": "2026-06-01T09:00:00.000Z", "timezone": "Europe/Berlin"},
            "error": {"sys": {"type": "Error", "id": "InvalidEntry"}, "message": "Validation error",
                "details": {"errors": [{
                    "entity": {"sys": {"type": "Link", "linkType": "Entry", "id": "hero"}},
                    "error": {"sys": {"type": "Error", "id": "InvalidEntry"},
                              "details": {"errors": [{"name": "required", "path": ["fields", "title", "en-US"]}]}}
                }]}}
        });
        let headers = vec![(
            crate::timeline::event::TOPIC_HEADER.to_owned(),
            "ContentManagement.ScheduledAction.execute".to_owned(),
        )];
        let bytes = body.to_string().into_bytes();
        let len = bytes.len() as u64;
        IncomingEvent::from_delivery(
            Origin::Receiver,
            "test",
            headers,
            bytes,
            len,
            Some(body),
            Verdict::Verified,
            200,
        )
    }

    #[test]
    fn a_failed_schedule_names_the_entity_field_and_reason() {
        let event = failed_schedule();
        let alert = Alert::of(
            &event,
            "Scheduled publish of Release 'Spring' failed",
            7,
            &LinkBase::default(),
        );
        assert_eq!(
            alert.problems,
            ["Entry 'hero' › title › en-US: Required, but empty"]
        );
        assert_eq!(
            alert.link.as_ref().map(|l| l.url.as_str()),
            Some("release-desk://releases/rel-1"),
            "the app opens the release, whose failure inspector shows the rest"
        );
        let web = LinkBase {
            web_app: Some("app.contentful.com".into()),
        };
        let alert_web = Alert::of(&event, "x", 7, &web);
        assert_eq!(
            alert_web.link.map(|l| l.url),
            Some(
                "https://app.contentful.com/spaces/space-1/environments/master/entries/hero".into()
            )
        );
    }

    #[test]
    fn each_format_carries_headline_problems_and_link() {
        let alert = Alert::of(
            &failed_schedule(),
            "Release 'A & B' failed",
            7,
            &LinkBase::default(),
        );
        let cases = [
            (ChatFormat::Slack, "/text", "Release 'A &amp; B' failed"),
            (
                ChatFormat::Slack,
                "/blocks/0/text/text",
                "*Release 'A &amp; B' failed*",
            ),
            (
                ChatFormat::Teams,
                "/attachments/0/content/body/0/text",
                "Release 'A & B' failed",
            ),
            (
                ChatFormat::Teams,
                "/attachments/0/content/actions/0/url",
                "release-desk://releases/rel-1",
            ),
            (ChatFormat::GoogleChat, "/text", "*Release 'A & B' failed*"),
            (ChatFormat::Json, "/headline", "Release 'A & B' failed"),
            (
                ChatFormat::Json,
                "/problems/0",
                "Entry 'hero' › title › en-US: Required, but empty",
            ),
        ];
        for (format, pointer, expected) in cases {
            let body = chat_body(format, &alert);
            let text = body
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default();
            assert!(text.starts_with(expected), "{format:?} {pointer}: {text:?}");
            let whole = body.to_string();
            assert!(
                whole.contains("title › en-US: Required, but empty"),
                "{format:?}: {whole}"
            );
        }
    }
}
