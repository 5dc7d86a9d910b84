//! The sandbox's load extension (`POST /spaces/{s}/_sandbox/load`) through the project's
//! client: a space export replaces the space in one transaction, with progress and a report of
//! what was skipped; what is not an export changes nothing.

use futures_util::TryStreamExt;
use release_desk::cma::*;
use serde_json::{Value, json};

use crate::support::{sandbox, sandbox_client};

/// A small export in `contentful-export`'s shape, plus Release Desk's releases and scheduled
/// actions: one content type, 250 entries (one of them of an unknown type), a release of two
/// entries and one scheduled publish of it.
fn export() -> Value {
    let mut entries: Vec<Value> = (0..250)
        .map(|i| {
            let mut sys = json!({"id": format!("note-{i}"), "type": "Entry",
                "contentType": {"sys": {"type": "Link", "linkType": "ContentType", "id": "note"}}});
            if i % 2 == 0 {
                sys["publishedVersion"] = json!(1);
            }
            json!({"sys": sys, "fields": {"title": {"en-US": format!("Note {i}")}}})
        })
        .collect();
    entries.push(json!({"sys": {"id": "stray", "type": "Entry",
        "contentType": {"sys": {"type": "Link", "linkType": "ContentType", "id": "missing"}}},
        "fields": {}}));
    json!({
        "locales": [{"code": "en-US", "name": "English (United States)", "default": true,
            "sys": {"id": "en", "type": "Locale"}}],
        "contentTypes": [{"sys": {"id": "note", "type": "ContentType", "publishedVersion": 1},
            "name": "Note", "displayField": "title",
            "fields": [{"id": "title", "name": "Title", "type": "Symbol", "localized": false,
                "required": true, "validations": [], "disabled": false, "omitted": false}]}],
        "entries": entries,
        "assets": [],
        "releases": [{"sys": {"id": "rehearsal", "type": "Release", "status": "active"},
            "title": "Rehearsal",
            "entities": {"sys": {"type": "Array"}, "items": [
                {"sys": {"type": "Link", "linkType": "Entry", "id": "note-1"}},
                {"sys": {"type": "Link", "linkType": "Entry", "id": "note-3"}}]}}],
        "scheduledActions": [{"sys": {"id": "rehearsal-publish", "type": "ScheduledAction",
                "status": "scheduled", "version": 1},
            "action": "publish",
            "entity": {"sys": {"type": "Link", "linkType": "Release", "id": "rehearsal"}},
            "environment": {"sys": {"type": "Link", "linkType": "Environment", "id": "master"}},
            "scheduledFor": {"datetime": "2031-01-01T09:00:00.000Z", "timezone": "Europe/Berlin"}}],
    })
}

#[tokio::test]
async fn an_export_replaces_the_space_with_progress_and_a_report() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let mut phases = Vec::new();
    let report = client
        .sandbox_load(serde_json::to_vec(&export()).unwrap(), |p| {
            phases.push((p.phase.clone(), p.done, p.total));
        })
        .await
        .expect("the load succeeds");
    assert_eq!(
        (
            report.locales,
            report.content_types,
            report.entries,
            report.assets
        ),
        (1, 1, 250, 0),
        "{report}"
    );
    assert_eq!((report.releases, report.scheduled_actions), (1, 1));
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].contains("stray"),
        "{:?}",
        report.problems
    );
    // Progress came per phase, ending with each phase complete.
    assert!(phases.contains(&("entries".into(), 251, 251)), "{phases:?}");
    assert!(phases.contains(&("entries".into(), 200, 251)), "{phases:?}");

    // The demo is gone; the export is there, in its states.
    let entries: Vec<Entity> = client
        .entities(EntityKind::Entry, Query::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(entries.len(), 250);
    let published = entries
        .iter()
        .filter(|e| e.state() == EntityState::Published)
        .count();
    assert_eq!(published, 125);
    let release = client.get_release("rehearsal").await.unwrap();
    assert_eq!(release.entities.items.len(), 2);
    let scheduled = client
        .get_scheduled_action("rehearsal-publish")
        .await
        .unwrap();
    assert_eq!(scheduled.entity.id(), "rehearsal");
    // The space keeps its identity: same token, same space id.
    assert_eq!(client.get_space().await.unwrap().sys.id, sb.space_id);
}

#[tokio::test]
async fn what_is_not_an_export_changes_nothing() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let before = client
        .query_entities(EntityKind::Entry, &Query::new().limit(1))
        .await
        .unwrap()
        .total;
    for body in [b"not json".to_vec(), b"{}".to_vec(), b"[1,2]".to_vec()] {
        let err = client.sandbox_load(body, |_| {}).await.unwrap_err();
        assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    }
    let after = client
        .query_entities(EntityKind::Entry, &Query::new().limit(1))
        .await
        .unwrap()
        .total;
    assert_eq!(before, after);
    assert!(before > 0);
}
