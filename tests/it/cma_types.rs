//! Every JSON example of the spec decodes, and entity types re-encode to equal JSON.

use release_desk::cma::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Decodes `value` as `T`, re-encodes it, and asserts nothing was lost or changed.
fn round_trip<T: DeserializeOwned + Serialize>(value: Value) -> T {
    let decoded: T = serde_json::from_value(value.clone()).expect("spec example decodes");
    let again = serde_json::to_value(&decoded).unwrap();
    assert_eq!(again, value, "re-encoding changed the JSON");
    decoded
}

fn user(id: &str) -> Value {
    json!({"sys":{"type":"Link","linkType":"User","id":id}})
}

fn space() -> Value {
    json!({"sys":{"type":"Link","linkType":"Space","id":"s"}})
}

fn env() -> Value {
    json!({"sys":{"type":"Link","linkType":"Environment","id":"master"}})
}

#[test]
fn release_example_round_trips() {
    let release: Release = round_trip(json!({
        "title":"Spring launch",
        "entities":{"sys":{"type":"Array"},"items":[
            {"sys":{"type":"Link","linkType":"Entry","id":"e1"}},
            {"sys":{"type":"Link","linkType":"Asset","id":"a1"}}]},
        "metadata":{"withReferences":[{"entity":{"sys":{"type":"Link","linkType":"Entry","id":"e1"}},
            "filter":{"sys.contentType.metadata.annotations.ContentType[nin]":["Contentful:AggregateRoot"]}}]},
        "sys":{"type":"Release","id":"r1","version":3,"status":"active",
            "space":space(),"environment":env(),
            "createdBy":user("u1"),"updatedBy":{"sys":{"type":"Link","linkType":"AppDefinition","id":"app1"}},
            "createdAt":"2026-01-02T10:00:00.000Z","updatedAt":"2026-01-03T11:30:00.250Z",
            "lastAction":{"sys":{"type":"Link","linkType":"ReleaseAction","id":"ra9"}}}
    }));
    assert_eq!(release.sys.status, ReleaseStatus::Active);
    assert_eq!(release.entities.link_vec()[1].link_type(), &LinkType::Asset);
    assert_eq!(release.sys.last_action.as_ref().unwrap().id(), "ra9");
    assert_eq!(
        release.sys.updated_at.unwrap().to_string(),
        "2026-01-03T11:30:00.250Z"
    );
    assert!(!release.is_archived());
}

#[test]
fn unknown_fields_and_values_survive() {
    // A future Contentful adds fields and a status value: both decode and re-encode.
    let release: Release = round_trip(json!({
        "title":"Future", "entities":{"sys":{"type":"Array"},"items":[]},
        "brandNew": {"nested": [1,2,3]},
        "sys":{"type":"Release","id":"r2","version":1,"status":"frozen",
               "schemaVersion":"Release.v1","shiny":true}
    }));
    assert_eq!(release.sys.status, ReleaseStatus::Other("frozen".into()));
    assert_eq!(release.extra["brandNew"]["nested"][2], 3);
}

#[test]
fn release_action_examples_round_trip() {
    let ok: ReleaseAction = round_trip(json!({
        "action":"publish",
        "sys":{"type":"ReleaseAction","id":"ra9","status":"inProgress",
            "release":{"sys":{"type":"Link","linkType":"Release","id":"r1"}},
            "space":space(),"environment":env(),"createdBy":user("u1"),"updatedBy":user("u1"),
            "createdAt":"2026-01-02T10:00:00.000Z","updatedAt":"2026-01-02T10:00:01.000Z"}
    }));
    assert_eq!(ok.sys.status, ActionStatus::InProgress);
    assert!(!ok.sys.status.is_final());

    // A failed action carries ValidationFailed with per-entity errors (spec §2, both forms).
    let failed: ReleaseAction = round_trip(json!({
        "action":"publish",
        "sys":{"type":"ReleaseAction","id":"ra10","status":"failed",
            "release":{"sys":{"type":"Link","linkType":"Release","id":"r1"}}},
        "error":{"sys":{"type":"Error","id":"ValidationFailed"},"message":"Validation error",
            "details":{"errors":[
                {"sys":{"type":"Link","linkType":"Entry","id":"e1"},
                 "error":{"sys":{"type":"Error","id":"InvalidEntry"},"message":"Validation error",
                          "details":{"errors":[{"name":"required","path":["fields","title"],
                                                "details":"The property \"title\" is required here"}]}}},
                {"entity":{"sys":{"type":"Link","linkType":"Entry","id":"e2"}},
                 "error":{"sys":{"type":"Error","id":"UnresolvedLinks"},"message":"Validation error",
                          "details":{"errors":[{"name":"notResolvable",
                             "link":{"type":"Link","linkType":"Entry","id":"x"},
                             "path":["fields","category","en-US",0]}]}}}]}}
    }));
    let error = failed.error.unwrap();
    assert_eq!(error.sys.id, ErrorId::ValidationFailed);
    let per_entity = error.entity_errors();
    assert_eq!(per_entity.len(), 2);
    assert_eq!(per_entity[0].link().unwrap().id(), "e1");
    assert_eq!(per_entity[0].error.sys.id, ErrorId::InvalidEntry);
    let fields = per_entity[0].error.field_errors();
    assert_eq!(fields[0].name, "required");
    assert_eq!(fields[0].field_id(), Some("title"));
    assert_eq!(per_entity[1].link().unwrap().id(), "e2");
    let unresolved = per_entity[1].error.field_errors();
    assert_eq!(unresolved[0].name, "notResolvable");
    assert_eq!(unresolved[0].link_target_id(), Some("x"));
    assert_eq!(unresolved[0].locale(), Some("en-US"));
    assert_eq!(unresolved[0].path_string(), "fields.category.en-US.0");
}

#[test]
fn bulk_action_example_round_trips() {
    let bulk: BulkAction = round_trip(json!({
        "sys":{"type":"BulkAction","id":"b1","status":"created","space":space(),"environment":env(),
               "createdBy":user("u1"),"createdAt":"2026-01-02T10:00:00.000Z","updatedAt":"2026-01-02T10:00:00.000Z"},
        "action":"publish",
        "payload":{"entities":{"sys":{"type":"Array"},"items":[
            {"sys":{"type":"Link","linkType":"Entry","id":"e1","version":7}}]}},
        "error":null
    }));
    assert_eq!(bulk.payload.entities.links()[0].sys.version, Some(7));
    assert_eq!(bulk.action, ActionKind::Publish);

    let failed: BulkAction = round_trip(json!({
        "sys":{"type":"BulkAction","id":"b2","status":"failed"},
        "action":"publish",
        "payload":{"entities":{"sys":{"type":"Array"},"items":[]}},
        "error":{"sys":{"type":"Error","id":"BulkActionFailed"},"message":"Bulk action failed",
                 "details":{"errors":[{"entity":{"sys":{"type":"Link","linkType":"Entry","id":"e1","version":7}},
                     "error":{"sys":{"type":"Error","id":"VersionMismatch"},"message":"Version mismatch"}}]}}
    }));
    let errors = failed.error.unwrap().entity_errors();
    assert_eq!(errors[0].error.sys.id, ErrorId::VersionMismatch);
    assert_eq!(errors[0].link().unwrap().sys.version, Some(7));
}

#[test]
fn scheduled_action_example_round_trips() {
    let scheduled: ScheduledAction = round_trip(json!({
        "entity":{"sys":{"type":"Link","linkType":"Release","id":"r1"}},
        "environment":{"sys":{"type":"Link","linkType":"Environment","id":"master"}},
        "action":"publish",
        "scheduledFor":{"datetime":"2026-12-01T09:00:00.000Z","timezone":"Europe/Berlin"},
        "payload":{"withReferences":{"sys.contentType.metadata.annotations.ContentType[nin]":["Contentful:AggregateRoot"]}},
        "sys":{"type":"ScheduledAction","id":"sa1","version":1,"status":"canceled","space":space(),
               "createdAt":"2026-11-01T09:00:00.000Z","createdBy":user("u1"),
               "updatedAt":"2026-11-02T09:00:00.000Z","updatedBy":user("u1"),
               "canceledAt":"2026-11-02T09:00:00.000Z","canceledBy":user("u1")},
        "error":{"sys":{"type":"Error","id":"InvalidEntry"},"message":"Entry is invalid",
                 "details":{"errors":[{"error":{"sys":{"type":"Error","id":"InvalidEntry"}}}]}}
    }));
    assert_eq!(scheduled.sys.status, ScheduledActionStatus::Canceled);
    assert!(scheduled.sys.status.is_final());
    assert_eq!(
        scheduled.scheduled_for.timezone.as_deref(),
        Some("Europe/Berlin")
    );
    let body = ScheduledActionBody::from(&scheduled);
    assert_eq!(body.action, ScheduledActionKind::Publish);
}

#[test]
fn entry_example_round_trips_and_derives_state() {
    let entry: Entry = round_trip(json!({
        "metadata":{"tags":[],"concepts":[]},
        "fields":{"title":{"en-US":"Hello"},"author":{"en-US":{"sys":{"type":"Link","linkType":"Entry","id":"p1"}}}},
        "sys":{"type":"Entry","id":"e1","version":8,"publishedVersion":7,"publishedCounter":2,
               "publishedAt":"2026-01-02T10:00:00.000Z","firstPublishedAt":"2026-01-01T10:00:00.000Z",
               "publishedBy":user("u1"),
               "contentType":{"sys":{"type":"Link","linkType":"ContentType","id":"article"}},
               "space":space(),"environment":env(),"createdAt":"2026-01-01T09:00:00.000Z",
               "updatedAt":"2026-01-02T10:00:00.000Z","createdBy":user("u1"),"updatedBy":user("u1"),
               "automationTags":[],"fieldStatus":{"*":{"en-US":"published"}}}
    }));
    assert_eq!(entry.state(), EntityState::Published);
    assert_eq!(entry.field("title", "en-US"), Some(&json!("Hello")));
    assert_eq!(entry.field("title", "de-DE"), None);
}

#[test]
fn entity_state_follows_the_spec_rule() {
    // (version, publishedVersion, archivedVersion) → state, spec §5.
    let cases = [
        (Some(1), None, None, EntityState::Draft),
        (Some(2), Some(1), None, EntityState::Published),
        (Some(3), Some(1), None, EntityState::Changed),
        (Some(9), Some(7), None, EntityState::Changed),
        (Some(4), None, Some(3), EntityState::Archived),
        (None, Some(5), None, EntityState::Published), // a published snapshot has no version
    ];
    for (version, published, archived, expected) in cases {
        let sys: EntitySys = serde_json::from_value(json!({
            "type":"Entry","id":"e","version":version,"publishedVersion":published,"archivedVersion":archived
        }))
        .unwrap();
        assert_eq!(
            sys.state(),
            expected,
            "{version:?} {published:?} {archived:?}"
        );
    }
}

#[test]
fn publish_webhook_payload_decodes() {
    // Entry.publish payloads have `revision` and no `version`; unpublish has deletedAt.
    let published: Entry = round_trip(json!({
        "fields":{"title":{"en-US":"Hello"}},
        "sys":{"type":"Entry","id":"e1","revision":3,"publishedVersion":7}
    }));
    assert_eq!(published.sys.revision, Some(3));
    let deleted: Entry = round_trip(json!({
        "fields":{},
        "sys":{"type":"DeletedEntry","id":"e1","revision":3,"deletedAt":"2026-01-02T10:00:00.000Z",
               "deletedBy":user("u1")}
    }));
    assert_eq!(deleted.sys.extra["deletedAt"], "2026-01-02T10:00:00.000Z");
}

#[test]
fn content_type_and_locale_round_trip() {
    let ct: ContentType = round_trip(json!({
        "name":"Article","displayField":"title","description":"News",
        "fields":[
            {"id":"title","name":"Title","type":"Symbol","localized":true,"required":true,
             "validations":[{"size":{"min":1,"max":120}},{"regexp":{"pattern":"^[A-Z]","flags":"i"},"message":"Capital"}]},
            {"id":"kind","name":"Kind","type":"Symbol","localized":false,"required":true,"validations":[{"in":["news","feature"]}]},
            {"id":"author","name":"Author","type":"Link","localized":false,"required":true,"linkType":"Entry",
             "validations":[{"linkContentType":["author"]}]},
            {"id":"related","name":"Related","type":"Array","localized":false,"required":false,
             "items":{"type":"Link","linkType":"Entry","validations":[{"linkContentType":["article"]}]},
             "validations":[{"size":{"max":5}}]},
            {"id":"hero","name":"Hero","type":"Link","localized":false,"required":false,"linkType":"Asset",
             "disabled":false,"omitted":false,
             "validations":[{"linkMimetypeGroup":["image"]},{"prohibitRegexp":{"pattern":"x","flags":null}},
                            {"unique":true},{"range":{"min":0.5}},{"assetFileSize":{"max":1000}},{"someFutureRule":1}]}
        ],
        "sys":{"type":"ContentType","id":"article","version":3,"publishedVersion":2}
    }));
    assert_eq!(
        ct.field("kind").unwrap().validations[0]
            .in_
            .as_ref()
            .unwrap()[1],
        "feature"
    );
    assert_eq!(
        ct.field("related").unwrap().items.as_ref().unwrap().type_,
        FieldType::Link
    );
    let locale: Locale = round_trip(json!({
        "code":"de-DE","name":"German (Germany)","default":false,"optional":true,"fallbackCode":"en-US",
        "sys":{"type":"Locale","id":"l2","version":1}
    }));
    assert!(locale.optional);
}

#[test]
fn webhook_examples_round_trip() {
    let definition: WebhookDefinition = round_trip(json!({
        "name":"timeline","url":"https://example.com/hook","active":true,
        "topics":["ReleaseAction.*","BulkAction.*","ScheduledAction.*","Release.*","Entry.publish","*.*"],
        "filters":[{"equals":[{"doc":"sys.environment.sys.id"},"master"]},
                   {"not":{"in":[{"doc":"sys.contentType.sys.id"},["internal"]]}},
                   {"regexp":[{"doc":"sys.id"},{"pattern":"^r"}]}],
        "headers":[{"key":"X-Token","value":"abc","secret":true}],
        "httpBasicUsername":"u","httpBasicPassword":"p",
        "transformation":{"method":"POST","contentType":"application/json","includeContentLength":true,
                          "body":{"id":"{ /payload/sys/id }"}},
        "sys":{"type":"WebhookDefinition","id":"wh1","version":1,"space":space(),
               "createdAt":"2026-01-01T00:00:00.000Z","createdBy":user("u1"),
               "updatedAt":"2026-01-01T00:00:00.000Z","updatedBy":user("u1")}
    }));
    assert_eq!(definition.topics.len(), 6);
    assert_eq!(definition.headers[0].secret, Some(true));

    let overview: WebhookCallOverview = round_trip(json!({
        "sys":{"type":"WebhookCallOverview","id":"c1","space":space(),
               "createdBy":{"sys":{"type":"Link","linkType":"WebhookDefinition","id":"wh1"}},
               "createdAt":"2026-06-22T18:42:22.587Z"},
        "statusCode":200,"errors":[],"eventType":"publish","url":"https://example.com/hook",
        "requestAt":"2026-06-22T18:42:22.587Z","responseAt":"2026-06-22T18:42:22.700Z"
    }));
    assert_eq!(overview.status_code, Some(200));

    let details: WebhookCallDetails = round_trip(json!({
        "sys":{"type":"WebhookCallDetails","id":"c2"},
        "statusCode":null,"errors":["TimeoutError"],"eventType":"execute","url":"https://example.com/hook",
        "requestAt":"2026-06-22T18:42:22.587Z",
        "request":{"url":"https://example.com/hook","method":"POST",
                   "headers":{"X-Contentful-Topic":"ContentManagement.ReleaseAction.execute"},"body":"{}"}
    }));
    assert_eq!(details.errors, vec!["TimeoutError".to_owned()]);
    assert!(details.response.is_none());

    let health: WebhookHealth = round_trip(json!({
        "calls":{"total":233,"healthy":102},
        "sys":{"type":"Webhook","id":"wh1","space":space(),
               "createdBy":{"sys":{"type":"Link","linkType":"WebhookDefinition","id":"wh1"}}}
    }));
    assert_eq!(health.calls.total, 233);

    let secret: WebhookSigningSecret = round_trip(json!({
        "redactedValue":"az19","sys":{"type":"WebhookSigningSecret","id":"s"}
    }));
    assert_eq!(secret.redacted_value, "az19");
}

#[test]
fn collections_and_cursors() {
    let cursor: CursorCollection<Release> = round_trip(json!({
        "sys":{"type":"Array"},"limit":1,"items":[],
        "pages":{"next":"/spaces/s/environments/master/releases?limit=1&pageNext=abc%3D%3D"}
    }));
    assert_eq!(cursor.pages.next_cursor().as_deref(), Some("abc=="));
    let last: CursorCollection<Release> =
        round_trip(json!({"sys":{"type":"Array"},"limit":100,"items":[],"pages":{}}));
    assert_eq!(last.pages.next_cursor(), None);
    // Scheduled actions send a bare token; it is used as is.
    assert_eq!(cursor_from("tok-2").as_deref(), Some("tok-2"));
    assert_eq!(cursor_from("/x?limit=2&next=t3").as_deref(), Some("t3"));

    let offset: OffsetCollection<Entry> = round_trip(json!({
        "sys":{"type":"Array"},"total":3,"skip":0,"limit":2,"items":[]
    }));
    assert!(
        !offset.has_more(),
        "an empty page ends paging even if total says more"
    );
}

#[test]
fn timestamps_accept_rfc3339_and_write_milliseconds() {
    let t: Timestamp = "2026-03-29T02:30:00+02:00".parse().unwrap();
    assert_eq!(t.to_string(), "2026-03-29T00:30:00.000Z");
    assert!(serde_json::from_value::<Timestamp>(json!("yesterday")).is_err());
    assert!(serde_json::from_value::<Timestamp>(json!(12)).is_err());
}
