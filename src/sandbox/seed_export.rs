//! Rehearsal on a copy of a real space: loads a `contentful-export` file into a fresh sandbox
//! (`release-desk sandbox --seed-file export.json`).
//!
//! What a rehearsal needs is loaded — locales, content types (published where they were),
//! editor interfaces, tags, assets and entries with their states — and what belongs to the
//! real space only is skipped: webhooks (they would call the real space's endpoints) and roles.
//! Entries and assets go through the same domain functions as the API, so versions follow the
//! spec's rules; their states are reproduced (a published or changed entity is published, an
//! archived one archived) without publish validation, since the real space already accepted
//! them. An item that cannot be loaded is reported and skipped; the rest still loads.

use serde_json::{Map, Value, json};

use super::core::{Core, Events, to_value};
use super::entities::{self, EntityBody};
use super::error::ApiErr;
use super::store::{Tx, kind};
use super::webhooks::Cause;
use crate::cma::sandbox_load::LoadProgress;
use crate::cma::{EntityKind, ReleaseBody, ReleaseStatus};

/// What a load brought in, and what it could not (the wire type of the load extension).
pub type ExportLoad = crate::cma::sandbox_load::LoadReport;

/// Called as a load goes on (with the phase, items done and items in the file).
pub type Progress<'a> = &'a mut dyn FnMut(LoadProgress);

/// Reports progress every this many items (and at each phase's end).
const PROGRESS_EVERY: usize = 200;

fn items<'a>(export: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    export
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn id_of(doc: &Value) -> Option<&str> {
    doc.pointer("/sys/id").and_then(Value::as_str)
}

/// Refuses what is not a `contentful-export` file at all (before anything is changed).
pub fn check_export(export: &Value) -> Result<(), ApiErr> {
    if !export.is_object()
        || !["contentTypes", "entries", "assets", "locales"]
            .iter()
            .any(|key| export.get(key).is_some_and(Value::is_array))
    {
        return Err(ApiErr::bad_request(
            "this is not a contentful-export file: it has no contentTypes, entries, assets or locales",
        ));
    }
    Ok(())
}

/// Loads `export` (a parsed `contentful-export` file, optionally with `releases` and
/// `scheduledActions`) into the store `tx` belongs to, which holds a freshly seeded empty
/// space, reporting progress. Fails only when the file is not an export at all, or the store
/// fails (the caller's transaction then rolls everything back).
pub fn load_export(
    core: &Core,
    tx: &Tx<'_>,
    export: &Value,
    progress: Progress<'_>,
) -> Result<ExportLoad, ApiErr> {
    check_export(export)?;
    let mut report = |phase: &str, done: usize, total: usize| {
        if done == total || done.is_multiple_of(PROGRESS_EVERY) {
            progress(LoadProgress {
                phase: phase.to_owned(),
                done,
                total,
            });
        }
    };
    let mut load = ExportLoad::default();
    let mut events = Events::default();

    let locales: Vec<&Value> = items(export, "locales").collect();
    if !locales.is_empty() {
        for old in tx.all::<Value>(kind::LOCALE)? {
            if let Some(id) = id_of(&old) {
                tx.delete(kind::LOCALE, id)?;
            }
        }
        for (i, locale) in locales.into_iter().enumerate() {
            let Some(code) = locale.get("code").and_then(Value::as_str) else {
                load.problems
                    .push(format!("Locale #{}: it has no code", i + 1));
                continue;
            };
            let id = id_of(locale).map_or_else(|| format!("locale-{i}"), str::to_owned);
            let doc = json!({
                "code": code,
                "name": locale.get("name").cloned().unwrap_or_else(|| json!(code)),
                "default": locale.get("default").cloned().unwrap_or(json!(false)),
                "optional": locale.get("optional").cloned().unwrap_or(json!(false)),
                "fallbackCode": locale.get("fallbackCode").cloned().unwrap_or(Value::Null),
                "sys": {"type": "Locale", "id": id, "version": 1},
            });
            tx.put(kind::LOCALE, &id, &doc)?;
            load.locales += 1;
        }
    }

    let model_total = items(export, "contentTypes").count();
    report("content model", 0, model_total);
    for ct in items(export, "contentTypes") {
        let Some(id) = id_of(ct) else {
            load.problems
                .push("A content type without sys.id was skipped".into());
            continue;
        };
        let mut doc = ct.clone();
        let published = ct.pointer("/sys/publishedVersion").is_some();
        let mut sys = Map::new();
        sys.insert("type".into(), json!("ContentType"));
        sys.insert("id".into(), json!(id));
        sys.insert("version".into(), json!(if published { 2 } else { 1 }));
        if published {
            sys.insert("publishedVersion".into(), json!(1));
        }
        sys.insert("space".into(), to_value(&core.space_link()));
        sys.insert("environment".into(), to_value(&core.env_link()));
        doc["sys"] = Value::Object(sys);
        tx.put(kind::CONTENT_TYPE, id, &doc)?;
        load.content_types += 1;
    }

    for interface in items(export, "editorInterfaces") {
        let Some(ct) = interface
            .pointer("/sys/contentType/sys/id")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let mut doc = interface.clone();
        doc["sys"]["version"] = json!(1);
        tx.put(kind::EDITOR_INTERFACE, ct, &doc)?;
        load.editor_interfaces += 1;
    }

    for tag in items(export, "tags") {
        if let Some(id) = id_of(tag) {
            tx.put(kind::TAG, id, tag)?;
            load.tags += 1;
        }
    }

    report("content model", model_total, model_total);

    for (k, key) in [
        (EntityKind::Asset, "assets"),
        (EntityKind::Entry, "entries"),
    ] {
        let total = items(export, key).count();
        report(key, 0, total);
        for (i, entity) in items(export, key).enumerate() {
            report(key, i, total);
            let name = format!("{} '{}'", k.type_name(), id_of(entity).unwrap_or("?"));
            match load_entity(core, tx, &mut events, k, entity) {
                Ok(()) => match k {
                    EntityKind::Asset => load.assets += 1,
                    EntityKind::Entry => load.entries += 1,
                },
                Err(e) => load
                    .problems
                    .push(format!("{name}: {}", e.body.message_or_id())),
            }
        }
        report(key, total, total);
    }

    let total = items(export, "releases").count();
    for (i, release) in items(export, "releases").enumerate() {
        report("releases", i, total);
        let name = format!("Release '{}'", id_of(release).unwrap_or("?"));
        match load_release(core, tx, &mut events, release) {
            Ok(()) => load.releases += 1,
            Err(e) => load
                .problems
                .push(format!("{name}: {}", e.body.message_or_id())),
        }
    }
    report("releases", total, total);

    let total = items(export, "scheduledActions").count();
    for (i, action) in items(export, "scheduledActions").enumerate() {
        report("scheduled actions", i, total);
        let Some(id) = id_of(action) else {
            load.problems
                .push("A scheduled action without sys.id was skipped".into());
            continue;
        };
        let mut doc = action.clone();
        if let Some(sys) = doc.get_mut("sys").and_then(Value::as_object_mut) {
            sys.insert("space".into(), to_value(&core.space_link()));
            sys.insert("environment".into(), to_value(&core.env_link()));
        }
        match serde_json::from_value::<crate::cma::ScheduledAction>(doc) {
            Ok(parsed) => {
                tx.put(kind::SCHEDULED_ACTION, id, &parsed)?;
                load.scheduled_actions += 1;
            }
            Err(e) => load.problems.push(format!(
                "Scheduled action '{id}': it is not a scheduled action ({e})"
            )),
        }
    }
    report("scheduled actions", total, total);
    // A seed is not an editor's change: `events` is dropped, no webhook fires.
    drop(events);
    Ok(load)
}

/// Creates one release with its id, title and entities, archived if it was.
fn load_release(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    release: &Value,
) -> Result<(), ApiErr> {
    let id = id_of(release).ok_or_else(|| ApiErr::bad_request("it has no sys.id"))?;
    let body: ReleaseBody = serde_json::from_value(release.clone())
        .map_err(|e| ApiErr::bad_request(format!("it is not a release ({e})")))?;
    crate::sandbox::releases::create(core, tx, events, Some(id), body)?;
    let archived = release
        .pointer("/sys/status")
        .and_then(|s| serde_json::from_value::<ReleaseStatus>(s.clone()).ok())
        .is_some_and(|s| s == ReleaseStatus::Archived);
    if archived {
        crate::sandbox::releases::set_archived(
            core,
            tx,
            events,
            id,
            None,
            true,
            &Cause::default(),
        )?;
    }
    // The exported instants are kept, so lists of the copy order as the source's did (the
    // app opens on the model, Launch or Timeline, of a space's newest release).
    let instant = |key: &str| {
        release
            .pointer(&format!("/sys/{key}"))
            .and_then(|v| serde_json::from_value::<crate::cma::Timestamp>(v.clone()).ok())
    };
    if let (Some(created), Some(updated)) = (instant("createdAt"), instant("updatedAt")) {
        let mut stored = crate::sandbox::releases::load(core, tx, id)?;
        stored.sys.created_at = Some(created);
        stored.sys.updated_at = Some(updated);
        tx.put(kind::RELEASE, id, &stored)?;
    }
    Ok(())
}

/// Creates one entity and brings it to its exported state. An entity that cannot be created is
/// skipped; one that was created stays, as a draft if it could not be published.
fn load_entity(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    k: EntityKind,
    entity: &Value,
) -> Result<(), ApiErr> {
    let id = id_of(entity).ok_or_else(|| ApiErr::bad_request("it has no sys.id"))?;
    if tx.get::<Value>(entities::store_kind(k), id)?.is_some() {
        return Err(ApiErr::bad_request("it appears twice in the export"));
    }
    let content_type = entity
        .pointer("/sys/contentType/sys/id")
        .and_then(Value::as_str);
    let fields = entity
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let metadata = entity.get("metadata").cloned();
    let sys = |key: &str| entity.pointer(&format!("/sys/{key}")).is_some();
    let direct = Cause::default();
    entities::create(
        core,
        tx,
        events,
        k,
        id,
        content_type,
        EntityBody { fields, metadata },
    )?;
    if sys("archivedVersion") {
        entities::archive(core, tx, events, k, id, None)?;
    } else if sys("publishedVersion") {
        entities::publish(core, tx, events, k, id, Some(1), &direct)?;
    }
    Ok(())
}
