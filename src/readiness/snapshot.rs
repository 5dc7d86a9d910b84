//! [`Snapshot`]: what readiness is computed from — the content model and the entries and assets
//! the worker loaded (a release's own, and the targets of their links to a bounded depth) — and
//! [`field_links`], the links publish validation follows.
//!
//! It answers validation's questions ([`crate::validation::Space`]) the way the sandbox's
//! `SpaceView` does from its store, so a local preflight and a server-side publish agree. An id
//! the worker asked for and did not get is recorded as absent, so "missing" is known, not
//! guessed from "not loaded".

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::cma::{ContentType, Entity, Link, LinkType, Locale};
use crate::validation::{self, Target};

/// An entry or asset by link type and id.
pub type EntityKey = (LinkType, String);

/// The content model and the entities loaded for one readiness check.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Content types by id.
    pub content_types: HashMap<String, ContentType>,
    /// The environment's locales, in order.
    pub locales: Vec<Locale>,
    entities: HashMap<EntityKey, Entity>,
    absent: HashSet<EntityKey>,
}

impl Snapshot {
    /// A snapshot of this content model with no entities yet.
    pub fn new(content_types: impl IntoIterator<Item = ContentType>, locales: Vec<Locale>) -> Self {
        Self {
            content_types: content_types
                .into_iter()
                .map(|ct| (ct.sys.id.clone(), ct))
                .collect(),
            locales,
            entities: HashMap::new(),
            absent: HashSet::new(),
        }
    }

    /// Adds (or replaces) a loaded entry or asset.
    pub fn insert(&mut self, entity: Entity) {
        let link = entity.link();
        self.absent.remove(&key(&link));
        self.entities.insert(key(&link), entity);
    }

    /// Records that `link`'s target was asked for and does not exist.
    pub fn mark_absent(&mut self, link: &Link) {
        if !self.entities.contains_key(&key(link)) {
            self.absent.insert(key(link));
        }
    }

    /// Whether `link`'s target was loaded or is known not to exist (no need to ask again).
    pub fn knows(&self, link: &Link) -> bool {
        let k = key(link);
        self.entities.contains_key(&k) || self.absent.contains(&k)
    }

    /// The loaded entity `link` points at.
    pub fn entity(&self, link: &Link) -> Option<&Entity> {
        self.entities.get(&key(link))
    }

    /// How many entities are loaded.
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Whether no entity is loaded.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// Every loaded entity (in no particular order).
    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.entities.values()
    }

    /// The default locale code (validation's rule: marked default, else first, else en-US).
    pub fn default_locale(&self) -> &str {
        validation::default_locale(&self.locales)
    }

    /// Every locale code, in order.
    pub fn locale_codes(&self) -> Vec<String> {
        self.locales.iter().map(|l| l.code.clone()).collect()
    }

    /// An entity's title as the app shows it: the content type's display field in the default
    /// locale (assets: `title`), when it holds text.
    pub fn title_of(&self, entity: &Entity) -> Option<String> {
        let field = match &entity.sys.content_type {
            Some(ct) => self.content_types.get(ct.id())?.display_field.clone()?,
            None => "title".to_owned(),
        };
        match entity.field(&field, self.default_locale()) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            _ => None,
        }
    }

    /// The title of the loaded entity `link` points at.
    pub fn title(&self, link: &Link) -> Option<String> {
        self.entity(link).and_then(|e| self.title_of(e))
    }
}

impl validation::Space for Snapshot {
    fn content_type(&self, id: &str) -> Option<&ContentType> {
        self.content_types.get(id)
    }

    fn target(&self, link_type: &LinkType, id: &str) -> Option<Target> {
        self.entities
            .get(&(link_type.clone(), id.to_owned()))
            .map(|e| Target::from_entity(e, self.default_locale()))
    }
}

/// The key of a link.
pub fn key(link: &Link) -> EntityKey {
    (link.sys.link_type.clone(), link.sys.id.clone())
}

/// The entries and assets an entity's fields link to where publish validation checks links: a
/// field's value in a locale, and the items of an array value. Rich text is not followed (the
/// publish checks do not follow it either). In field order, each target once. With `locales`,
/// only values in those locales count (locale-based publishing checks only the `add` locales).
pub fn field_links(entity: &Entity, locales: Option<&[String]>) -> Vec<Link> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut push = |value: &Value| {
        if let Some(link) = entity_link(value)
            && seen.insert(key(&link))
        {
            out.push(link);
        }
    };
    for per_locale in entity.fields.values() {
        let Some(per_locale) = per_locale.as_object() else {
            continue;
        };
        for (code, value) in per_locale {
            if locales.is_some_and(|only| !only.iter().any(|l| l == code)) {
                continue;
            }
            match value {
                Value::Array(items) => items.iter().for_each(&mut push),
                other => push(other),
            }
        }
    }
    out
}

/// `{"sys":{"type":"Link","linkType":"Entry"|"Asset","id":…}}` as a link.
pub fn entity_link(value: &Value) -> Option<Link> {
    let sys = value.get("sys")?;
    if sys.get("type")?.as_str()? != "Link" {
        return None;
    }
    let link_type = match sys.get("linkType")?.as_str()? {
        "Entry" => LinkType::Entry,
        "Asset" => LinkType::Asset,
        _ => return None,
    };
    Some(Link::new(link_type, sys.get("id")?.as_str()?))
}
