//! Entries and assets: create, update, publish, unpublish, archive, unarchive, delete, with
//! versions and publish state exactly by the spec's version rules (§5), and the `Entry.*` /
//! `Asset.*` events each change causes.
//!
//! These functions run inside a store transaction; the routes call them for direct API calls,
//! and the action executor calls them (with a [`Cause`]) for release, bulk and scheduled actions.

use serde_json::{Value, json};

use super::core::{Core, Events, to_value};
use super::error::ApiErr;
use super::store::{Tx, kind};
use super::webhooks::Cause;
use crate::cma::{
    Entity, EntityKind, EntityState, EntitySys, Extra, Fields, Link, LinkType, Timestamp,
};

/// The editable part of an entry or asset: the body of create and update.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EntityBody {
    /// Locale-keyed field values.
    #[serde(default)]
    pub fields: Fields,
    /// Tags and concepts.
    #[serde(default)]
    pub metadata: Option<Value>,
}

/// The store kind of an entity kind.
pub fn store_kind(k: EntityKind) -> &'static str {
    match k {
        EntityKind::Entry => kind::ENTRY,
        EntityKind::Asset => kind::ASSET,
    }
}

/// The entity kind of a link type, if it is an entry or asset.
pub fn kind_of_link(link_type: &LinkType) -> Option<EntityKind> {
    match link_type {
        LinkType::Entry => Some(EntityKind::Entry),
        LinkType::Asset => Some(EntityKind::Asset),
        _ => None,
    }
}

fn crn(k: EntityKind, id: &str) -> String {
    format!("{}/{id}", k.segment())
}

/// Writes an entity with the `sys` keys Contentful always serves and the sandbox derives:
/// entries' `automationTags` (`[]` when none) and `fieldStatus`, the entity's publishing state in
/// every environment locale (spec §5): the entity's state, except that a published entity keeps
/// `draft` for the locales a locale-based action left unpublished (see [`publish_locales`]).
pub fn put_entity(tx: &Tx<'_>, k: EntityKind, id: &str, entity: &mut Entity) -> Result<(), ApiErr> {
    if k == EntityKind::Entry {
        entity
            .sys
            .extra
            .entry("automationTags")
            .or_insert_with(|| json!([]));
    }
    let entity_state = entity.sys.state();
    let state = match entity_state {
        EntityState::Published => "published",
        EntityState::Changed => "changed",
        _ => "draft",
    };
    let published = matches!(entity_state, EntityState::Published | EntityState::Changed);
    let before = entity.sys.extra.get("fieldStatus").and_then(|s| s.get("*"));
    let unpublished = |code: &str| {
        published && before.and_then(|s| s.get(code)).and_then(Value::as_str) == Some("draft")
    };
    let locales: Vec<crate::cma::Locale> = tx.all(kind::LOCALE)?;
    let per_locale: serde_json::Map<String, Value> = locales
        .into_iter()
        .map(|locale| {
            let here = if unpublished(&locale.code) {
                "draft"
            } else {
                state
            };
            (locale.code, json!(here))
        })
        .collect();
    entity
        .sys
        .extra
        .insert("fieldStatus".into(), json!({ "*": per_locale }));
    tx.put(store_kind(k), id, entity)?;
    Ok(())
}

/// Loads an entity or answers 404.
pub fn load(tx: &Tx<'_>, k: EntityKind, id: &str) -> Result<Entity, ApiErr> {
    tx.get(store_kind(k), id)?
        .ok_or_else(|| ApiErr::not_found(k.type_name(), id))
}

/// Checks the `X-Contentful-Version` the client sent against the current version.
pub fn check_version(current: u64, sent: Option<u64>) -> Result<(), ApiErr> {
    match sent {
        None => Err(ApiErr::missing_version()),
        Some(v) if v != current => Err(ApiErr::version_mismatch(current)),
        Some(_) => Ok(()),
    }
}

/// Creates an entry (with its content type) or an asset at version 1.
pub fn create(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    content_type: Option<&str>,
    body: EntityBody,
) -> Result<Entity, ApiErr> {
    let EntityBody { fields, metadata } = body;
    if tx.get::<Value>(store_kind(k), id)?.is_some() {
        return Err(ApiErr::bad_request(format!(
            "{} '{id}' already exists",
            k.type_name()
        )));
    }
    let content_type_link = match (k, content_type) {
        (EntityKind::Entry, Some(ct)) => {
            if tx.get::<Value>(kind::CONTENT_TYPE, ct)?.is_none() {
                return Err(ApiErr::invalid_body(vec![json!({
                    "name": "unknownContentType",
                    "details": format!("The content type '{ct}' does not exist"),
                    "path": ["sys", "contentType", "sys", "id"],
                })]));
            }
            Some(Link::new(LinkType::ContentType, ct))
        }
        (EntityKind::Entry, None) => {
            return Err(ApiErr::bad_request(
                "The 'X-Contentful-Content-Type' header is required to create an entry.",
            ));
        }
        (EntityKind::Asset, _) => None,
    };
    let now = core.now();
    let mut entity = Entity {
        fields,
        metadata: Some(metadata.unwrap_or_else(|| json!({"tags": [], "concepts": []}))),
        sys: EntitySys {
            type_: k.type_name().to_owned(),
            id: id.to_owned(),
            version: Some(1),
            published_version: None,
            published_counter: None,
            published_at: None,
            first_published_at: None,
            published_by: None,
            archived_version: None,
            archived_at: None,
            archived_by: None,
            content_type: content_type_link,
            space: Some(core.space_link()),
            environment: Some(core.env_link()),
            created_at: Some(now),
            updated_at: Some(now),
            created_by: Some(core.user()),
            updated_by: Some(core.user()),
            revision: None,
            extra: Extra::new(),
        },
        extra: Extra::new(),
    };
    put_entity(tx, k, id, &mut entity)?;
    emit(
        core,
        events,
        k,
        id,
        "create",
        to_value(&entity),
        &Cause::default(),
    );
    Ok(entity)
}

/// Queues the `Entry.*`/`Asset.*` event of a change (sent once the transaction commits).
fn emit(
    core: &Core,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    action: &str,
    payload: Value,
    cause: &Cause,
) {
    events.push(core.event(k.type_name(), action, payload, crn(k, id), cause));
}

fn touch(core: &Core, sys: &mut EntitySys, now: Timestamp) {
    sys.version = Some(sys.version.unwrap_or(0) + 1);
    sys.updated_at = Some(now);
    sys.updated_by = Some(core.user());
}

/// Replaces an entity's fields (version + 1). Archived entities refuse changes.
pub fn update(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    version: Option<u64>,
    body: EntityBody,
) -> Result<Entity, ApiErr> {
    let EntityBody { fields, metadata } = body;
    let mut entity = load(tx, k, id)?;
    check_version(entity.sys.version.unwrap_or(0), version)?;
    if entity.state() == EntityState::Archived {
        return Err(ApiErr::bad_request(format!(
            "{} '{id}' is archived; unarchive it before changing it",
            k.type_name()
        )));
    }
    entity.fields = fields;
    if metadata.is_some() {
        entity.metadata = metadata;
    }
    touch(core, &mut entity.sys, core.now());
    put_entity(tx, k, id, &mut entity)?;
    emit(
        core,
        events,
        k,
        id,
        "save",
        to_value(&entity),
        &Cause::default(),
    );
    Ok(entity)
}

/// The payload of `Entry.publish` and what `/public/entries` serves: the published snapshot
/// (sys has `revision`, no `version`).
pub fn published_snapshot(entity: &Entity) -> Value {
    let mut snapshot = entity.clone();
    snapshot.sys.revision = snapshot.sys.published_counter;
    snapshot.sys.version = None;
    to_value(&snapshot)
}

/// The payload of `Entry.unpublish` / `.delete`: sys only, with deletion stamps.
fn deleted_payload(core: &Core, entity: &Entity, now: Timestamp) -> Value {
    let deleted_type = format!("Deleted{}", entity.sys.type_);
    let mut sys = json!({
        "type": deleted_type,
        "id": entity.sys.id,
        "revision": entity.sys.published_counter.unwrap_or(0),
        "space": core.space_link(),
        "environment": core.env_link(),
        "createdAt": entity.sys.created_at,
        "updatedAt": now,
        "deletedAt": now,
        "deletedBy": core.user(),
    });
    if let (Some(ct), Some(obj)) = (&entity.sys.content_type, sys.as_object_mut()) {
        obj.insert("contentType".to_owned(), to_value(ct));
    }
    json!({ "sys": sys })
}

/// Publishes an entity: `publishedVersion = version`, then `version += 1` (spec §5).
/// `version` is what the client sent (`None` when an action publishes on the user's behalf).
/// Every locale is published.
pub fn publish(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    version: Option<u64>,
    cause: &Cause,
) -> Result<Entity, ApiErr> {
    publish_in(core, tx, events, k, id, version, cause, None)
}

/// Locale-based publishing (spec §10): publishes the `add` locales and unpublishes the `remove`
/// ones; the other locales keep their state. Returns the entity, unchanged when nothing changes.
///
/// **\[I\] How this maps onto the entity.** The sandbox keeps one published snapshot per entity
/// and `sys.fieldStatus` says which locales it covers:
/// - the published locales after the change are `(published now − remove) ∪ add`;
/// - when that set is empty, the entity is unpublished as a whole (as [`unpublish`]: no
///   `publishedVersion`, every locale `draft`, an `Entry.unpublish` event);
/// - otherwise the entity is published at its current version (as [`publish`]:
///   `publishedVersion = version`, `version += 1`, an `Entry.publish` event) and the snapshot (the
///   event payload and `/public/entries`) holds only the published locales' values. A locale
///   that stays published is re-published with its current content, so one published version
///   covers every published locale; the unpublished locales read `draft` in `fieldStatus`;
/// - after a later edit the published locales read `changed`, the others stay `draft`;
/// - a whole-entity publish (direct, Launch, v1 bulk) publishes every locale again.
#[allow(clippy::too_many_arguments)]
pub fn publish_locales(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    add: &[String],
    remove: &[String],
    cause: &Cause,
) -> Result<Entity, ApiErr> {
    let entity = load(tx, k, id)?;
    let codes = super::releases::locale_codes(tx)?;
    let before = super::timeline::published_locales(&entity, &codes);
    let mut after = before.clone();
    for code in remove {
        after.remove(code);
    }
    after.extend(add.iter().cloned());
    if add.is_empty() && after == before {
        return Ok(entity);
    }
    if after.is_empty() {
        return unpublish(core, tx, events, k, id, None, cause);
    }
    publish_in(core, tx, events, k, id, None, cause, Some(&after))
}

/// [`publish`], for every locale (`locales` = `None`) or only for `locales`.
#[allow(clippy::too_many_arguments)]
fn publish_in(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    version: Option<u64>,
    cause: &Cause,
    locales: Option<&std::collections::BTreeSet<String>>,
) -> Result<Entity, ApiErr> {
    let mut entity = load(tx, k, id)?;
    if cause.is_direct() {
        check_version(entity.sys.version.unwrap_or(0), version)?;
    }
    if entity.state() == EntityState::Archived {
        return Err(ApiErr::bad_request(format!(
            "{} '{id}' is archived and cannot be published",
            k.type_name()
        )));
    }
    let now = core.now();
    let sys = &mut entity.sys;
    let current = sys.version.unwrap_or(0);
    sys.published_version = Some(current);
    sys.published_counter = Some(sys.published_counter.unwrap_or(0) + 1);
    sys.published_at = Some(now);
    sys.published_by = Some(core.user());
    if sys.first_published_at.is_none() {
        sys.first_published_at = Some(now);
    }
    sys.version = Some(current + 1);
    sys.updated_at = Some(now);
    sys.updated_by = Some(core.user());
    // `put_entity` keeps the `draft` marks of fieldStatus on a published entity: set them to
    // the locales left out (none for a whole-entity publish).
    let marks: serde_json::Map<String, Value> = super::releases::locale_codes(tx)?
        .into_iter()
        .filter(|code| locales.is_some_and(|set| !set.contains(code)))
        .map(|code| (code, json!("draft")))
        .collect();
    sys.extra
        .insert("fieldStatus".into(), json!({ "*": marks }));
    put_entity(tx, k, id, &mut entity)?;
    let mut snapshot = published_snapshot(&entity);
    if let (Some(set), Some(fields)) = (
        locales,
        snapshot.get_mut("fields").and_then(Value::as_object_mut),
    ) {
        for value in fields.values_mut() {
            if let Some(per_locale) = value.as_object_mut() {
                per_locale.retain(|code, _| set.contains(code));
            }
        }
    }
    if k == EntityKind::Entry {
        // Kept for `/public/entries`: later edits change the entry, not what was published.
        tx.put(kind::PUBLISHED_ENTRY, id, &snapshot)?;
    }
    emit(core, events, k, id, "publish", snapshot, cause);
    Ok(entity)
}

/// A direct publish (`PUT …/published`): the entity must first pass the publish validations
/// against the *published* content model, else 422 with the per-field errors. A link to any
/// entity that exists counts as resolvable here; a release or bulk publish checks references.
pub fn publish_validated(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    version: Option<u64>,
    cause: &Cause,
) -> Result<Entity, ApiErr> {
    let entity = load(tx, k, id)?;
    check_version(entity.sys.version.unwrap_or(0), version)?;
    if entity.state() != EntityState::Archived {
        let root = Link::new(
            match k {
                EntityKind::Entry => LinkType::Entry,
                EntityKind::Asset => LinkType::Asset,
            },
            id,
        );
        let view = super::space_view::SpaceView::around(tx, [&root])?;
        let existing: std::collections::HashSet<(LinkType, String)> = view
            .entries
            .keys()
            .map(|id| (LinkType::Entry, id.clone()))
            .chain(view.assets.keys().map(|id| (LinkType::Asset, id.clone())))
            .collect();
        let options = crate::validation::Options::new(&view.locales, &existing);
        crate::validation::validate_for_publish(&entity, &view, &options).map_err(|mut body| {
            // Inside a release the per-entity wrapper says InvalidEntry; a direct publish
            // answers ValidationFailed (spec §5).
            if body.sys.id == crate::cma::ErrorId::InvalidEntry {
                body.sys.id = crate::cma::ErrorId::ValidationFailed;
            }
            ApiErr::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, body)
        })?;
    }
    publish(core, tx, events, k, id, version, cause)
}

/// Unpublishes an entity: clears `publishedVersion`/`publishedAt`, `version += 1`.
pub fn unpublish(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    version: Option<u64>,
    cause: &Cause,
) -> Result<Entity, ApiErr> {
    let mut entity = load(tx, k, id)?;
    if cause.is_direct() {
        check_version(entity.sys.version.unwrap_or(0), version)?;
    }
    if entity.sys.published_version.is_none() {
        return Err(ApiErr::bad_request(format!(
            "{} '{id}' is not published",
            k.type_name()
        )));
    }
    let now = core.now();
    entity.sys.published_version = None;
    entity.sys.published_at = None;
    entity.sys.published_by = None;
    touch(core, &mut entity.sys, now);
    put_entity(tx, k, id, &mut entity)?;
    tx.delete(kind::PUBLISHED_ENTRY, id)?;
    emit(
        core,
        events,
        k,
        id,
        "unpublish",
        deleted_payload(core, &entity, now),
        cause,
    );
    Ok(entity)
}

/// Archives an entity (only when not published): `archivedVersion = version`, `version += 1`.
pub fn archive(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    version: Option<u64>,
) -> Result<Entity, ApiErr> {
    let mut entity = load(tx, k, id)?;
    // The SDK archives and unarchives without a version header; one that is sent must match.
    if version.is_some() {
        check_version(entity.sys.version.unwrap_or(0), version)?;
    }
    if entity.sys.published_version.is_some() {
        return Err(ApiErr::bad_request(format!(
            "{} '{id}' is published; unpublish it before archiving",
            k.type_name()
        )));
    }
    if entity.sys.archived_version.is_some() {
        return Err(ApiErr::bad_request(format!(
            "{} '{id}' is already archived",
            k.type_name()
        )));
    }
    let now = core.now();
    entity.sys.archived_version = entity.sys.version;
    entity.sys.archived_at = Some(now);
    entity.sys.archived_by = Some(core.user());
    touch(core, &mut entity.sys, now);
    put_entity(tx, k, id, &mut entity)?;
    emit(
        core,
        events,
        k,
        id,
        "archive",
        to_value(&entity),
        &Cause::default(),
    );
    Ok(entity)
}

/// Unarchives an entity (`version += 1`).
pub fn unarchive(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    version: Option<u64>,
) -> Result<Entity, ApiErr> {
    let mut entity = load(tx, k, id)?;
    if version.is_some() {
        check_version(entity.sys.version.unwrap_or(0), version)?;
    }
    if entity.sys.archived_version.is_none() {
        return Err(ApiErr::bad_request(format!(
            "{} '{id}' is not archived",
            k.type_name()
        )));
    }
    let now = core.now();
    entity.sys.archived_version = None;
    entity.sys.archived_at = None;
    entity.sys.archived_by = None;
    touch(core, &mut entity.sys, now);
    put_entity(tx, k, id, &mut entity)?;
    emit(
        core,
        events,
        k,
        id,
        "unarchive",
        to_value(&entity),
        &Cause::default(),
    );
    Ok(entity)
}

/// Deletes an entity (only when not published).
pub fn delete(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    id: &str,
    version: Option<u64>,
) -> Result<(), ApiErr> {
    let entity = load(tx, k, id)?;
    if let Some(v) = version {
        check_version(entity.sys.version.unwrap_or(0), Some(v))?;
    }
    if entity.sys.published_version.is_some() {
        return Err(ApiErr::bad_request(format!(
            "{} '{id}' is published; unpublish it before deleting",
            k.type_name()
        )));
    }
    tx.delete(store_kind(k), id)?;
    if k == EntityKind::Entry {
        tx.delete(kind::PUBLISHED_ENTRY, id)?;
    }
    emit(
        core,
        events,
        k,
        id,
        "delete",
        deleted_payload(core, &entity, core.now()),
        &Cause::default(),
    );
    Ok(())
}
