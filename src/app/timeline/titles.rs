//! Event summaries with titles instead of ids.
//!
//! The journal writes an event's one-line summary when the event arrives, from what the
//! payload says: an entry's event names its id, an action on a release the journal has not
//! seen names the release's id, a schedule names its target's id. The app often knows more
//! (its entity cache, the releases it listed), so the views show the summary with each id it
//! can name replaced by the title — the journal keeps the ids, so search and export still find
//! them. This module only reads: it finds the links an event mentions (for the view to resolve
//! the unknown ones) and rewrites the text with a lookup the caller supplies.

use crate::cma::{Link, LinkType};
use crate::timeline::TimelineEvent;

/// The entries, assets and releases an event's summary mentions by id: the entity itself (an
/// entry's or asset's event), the release its action ran on, and a schedule's target.
pub fn mentioned_links(event: &TimelineEvent) -> Vec<Link> {
    let mut links = Vec::new();
    if let Some(id) = &event.entity_id {
        match event.entity_type.as_str() {
            "Entry" => links.push(Link::entry(id.clone())),
            "Asset" => links.push(Link::asset(id.clone())),
            _ => {}
        }
    }
    if event.entity_type == "ReleaseAction"
        && let Some(id) = &event.causes.release_id
    {
        links.push(Link::new(LinkType::Release, id.clone()));
    }
    if event.entity_type == "ScheduledAction"
        && let Some(link) = scheduled_target(&event.summary)
    {
        links.push(link);
    }
    links
}

/// The target a scheduled action's summary names ("Scheduled publish of Entry abc created…").
fn scheduled_target(summary: &str) -> Option<Link> {
    let (_, rest) = summary.split_once(" of ")?;
    let (kind, rest) = rest.split_once(' ')?;
    let link_type = match kind {
        "Entry" => LinkType::Entry,
        "Asset" => LinkType::Asset,
        "Release" => LinkType::Release,
        _ => return None,
    };
    let id = rest.split_whitespace().next()?;
    // A release the journal knew is already named by its quoted title.
    if id.starts_with('\'') {
        return None;
    }
    Some(Link::new(link_type, id))
}

/// The event's summary with every mentioned id that `title_of` can name replaced by its title
/// in quotes; ids it cannot name stay as they are.
pub fn titled_summary(event: &TimelineEvent, title_of: impl Fn(&Link) -> Option<String>) -> String {
    let mut summary = event.summary.clone();
    for link in mentioned_links(event) {
        if let Some(title) = title_of(&link) {
            summary = replace_id(&summary, link.id(), &title);
        }
    }
    summary
}

/// Replaces `id` where it stands as a word (quoted or not) with `'title'`.
fn replace_id(text: &str, id: &str, title: &str) -> String {
    let quoted = format!("'{id}'");
    if text.contains(&quoted) {
        return text.replacen(&quoted, &format!("'{title}'"), 1);
    }
    let is_word_char = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut from = 0;
    while let Some(at) = text[from..].find(id).map(|i| i + from) {
        let end = at + id.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char) {
            return format!("{}'{title}'{}", &text[..at], &text[end..]);
        }
        from = end;
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Causes, Origin, Verdict};

    fn event(entity_type: &str, entity_id: &str, summary: &str) -> TimelineEvent {
        TimelineEvent {
            id: 1,
            received_at: crate::cma::Timestamp::from_millis(0).unwrap(),
            origin: Origin::Receiver,
            source: "sandbox".into(),
            event_at: None,
            topic: format!("{entity_type}.x"),
            entity_type: entity_type.into(),
            action: "x".into(),
            entity_id: Some(entity_id.into()),
            version: None,
            environment: None,
            action_status: None,
            causes: Causes::default(),
            attempt: 1,
            attempts: 1,
            idempotency_key: None,
            webhook_name: None,
            verdict: Verdict::Verified,
            http_status: 200,
            call_id: None,
            summary: summary.into(),
            body_len: 0,
        }
    }

    fn titles(link: &Link) -> Option<String> {
        match (link.link_type(), link.id()) {
            (LinkType::Entry, "hero") => Some("Winter sale hero".into()),
            (LinkType::Release, "rel1") => Some("Winter launch".into()),
            _ => None,
        }
    }

    #[test]
    fn summaries_name_what_the_app_knows_and_keep_ids_it_does_not() {
        let cases = [
            (
                event("Entry", "hero", "Entry 'hero' published"),
                "Entry 'Winter sale hero' published",
            ),
            (
                event("Entry", "other", "Entry 'other' published"),
                "Entry 'other' published",
            ),
            (
                event(
                    "ScheduledAction",
                    "sa1",
                    "Scheduled publish of Entry hero created for Wed 2 Dec 2026 09:00 CET",
                ),
                "Scheduled publish of Entry 'Winter sale hero' created for Wed 2 Dec 2026 09:00 CET",
            ),
            (
                event(
                    "ScheduledAction",
                    "sa2",
                    "Scheduled publish of Release rel1 canceled",
                ),
                "Scheduled publish of Release 'Winter launch' canceled",
            ),
            (
                {
                    let mut e = event(
                        "ReleaseAction",
                        "ra1",
                        "Release action publish on release rel1 started",
                    );
                    e.causes.release_id = Some("rel1".into());
                    e
                },
                "Release action publish on release 'Winter launch' started",
            ),
            // An id inside another word is not a mention.
            (
                event("Entry", "hero", "Entry 'heroine' hero published"),
                "Entry 'heroine' 'Winter sale hero' published",
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(
                titled_summary(&event, titles),
                expected,
                "{}",
                event.summary
            );
        }
    }

    #[test]
    fn mentions_are_the_links_to_resolve() {
        let e = event(
            "ScheduledAction",
            "sa1",
            "Scheduled unpublish of Asset pic created for …",
        );
        assert_eq!(mentioned_links(&e), vec![Link::asset("pic")]);
        let e = event(
            "Release",
            "rel1",
            "Release 'Winter launch' created (2 entries)",
        );
        assert!(mentioned_links(&e).is_empty());
    }
}
