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
use crate::cma::EntityKind;

/// What a load brought in, and what it could not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportLoad {
    /// Locales loaded.
    pub locales: usize,
    /// Content types loaded.
    pub content_types: usize,
    /// Editor interfaces loaded.
    pub editor_interfaces: usize,
    /// Tags loaded.
    pub tags: usize,
    /// Assets loaded.
    pub assets: usize,
    /// Entries loaded.
    pub entries: usize,
    /// One sentence per item that was skipped, naming it and why.
    pub problems: Vec<String>,
}

impl std::fmt::Display for ExportLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} locales, {} content types, {} editor interfaces, {} tags, {} assets, {} entries",
            self.locales,
            self.content_types,
            self.editor_interfaces,
            self.tags,
            self.assets,
            self.entries
        )?;
        if !self.problems.is_empty() {
            write!(f, "; {} items skipped", self.problems.len())?;
        }
        Ok(())
    }
}

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

/// Loads `export` (a parsed `contentful-export` file) into the store `tx` belongs to, which
/// holds a freshly seeded empty space. Fails only when the file is not an export at all.
pub fn load_export(core: &Core, tx: &Tx<'_>, export: &Value) -> Result<ExportLoad, ApiErr> {
    if !export.is_object()
        || !["contentTypes", "entries", "assets", "locales"]
            .iter()
            .any(|key| export.get(key).is_some_and(Value::is_array))
    {
        return Err(ApiErr::bad_request(
            "this is not a contentful-export file: it has no contentTypes, entries, assets or locales",
        ));
    }
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

    for (k, key) in [
        (EntityKind::Asset, "assets"),
        (EntityKind::Entry, "entries"),
    ] {
        for entity in items(export, key) {
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
    }
    // A seed is not an editor's change: `events` is dropped, no webhook fires.
    drop(events);
    Ok(load)
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
