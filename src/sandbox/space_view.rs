//! [`SpaceView`]: a snapshot of the content model and of the entities an action touches, read
//! in one transaction, that validation asks about link targets and content types.
//!
//! Validation looks at the entities being published and at what their fields link to, never
//! further, so a view holds exactly those ([`SpaceView::around`]): a publish in a 50,000-entry
//! space reads its own entities and their targets, not the space.

use std::collections::HashMap;

use serde_json::Value;

use super::error::ApiErr;
use super::store::{Tx, kind};
use crate::cma::{ContentType, Entity, Link, LinkType, Locale};
use crate::validation::{self, Target};

/// Content types, locales, and the entries and assets an action touches, as they are now.
pub struct SpaceView {
    /// Content types by id.
    pub content_types: HashMap<String, ContentType>,
    /// Locales in order.
    pub locales: Vec<Locale>,
    /// Entries by id: the roots that exist and every entry they link to that exists.
    pub entries: HashMap<String, Entity>,
    /// Assets by id, likewise.
    pub assets: HashMap<String, Entity>,
}

impl SpaceView {
    /// Reads the content model, the entities `roots` names (those that exist) and every entry
    /// or asset their fields link to (those that exist).
    pub fn around<'l>(
        tx: &Tx<'_>,
        roots: impl IntoIterator<Item = &'l Link>,
    ) -> Result<Self, ApiErr> {
        let mut view = Self {
            content_types: published_content_types(tx)?,
            locales: tx.all(kind::LOCALE)?,
            entries: HashMap::new(),
            assets: HashMap::new(),
        };
        let mut targets = Vec::new();
        for link in roots {
            if let Some(entity) = view.fetch(tx, &link.sys.link_type, &link.sys.id)? {
                targets.extend(super::index::field_links(&Value::Object(
                    entity.fields.clone(),
                )));
            }
        }
        for (link_type, id) in targets {
            let link_type = match link_type.as_str() {
                "Entry" => LinkType::Entry,
                _ => LinkType::Asset,
            };
            view.fetch(tx, &link_type, &id)?;
        }
        Ok(view)
    }

    /// Loads one entity into the view (once); the entity, when it exists.
    fn fetch(
        &mut self,
        tx: &Tx<'_>,
        link_type: &LinkType,
        id: &str,
    ) -> Result<Option<&Entity>, ApiErr> {
        let (map, store_kind) = match link_type {
            LinkType::Entry => (&mut self.entries, kind::ENTRY),
            LinkType::Asset => (&mut self.assets, kind::ASSET),
            _ => return Ok(None),
        };
        if !map.contains_key(id)
            && let Some(entity) = tx.get::<Entity>(store_kind, id)?
        {
            map.insert(id.to_owned(), entity);
        }
        Ok(map.get(id))
    }

    /// The entity a link points at.
    pub fn entity(&self, link_type: &LinkType, id: &str) -> Option<&Entity> {
        match link_type {
            LinkType::Entry => self.entries.get(id),
            LinkType::Asset => self.assets.get(id),
            _ => None,
        }
    }

    /// Makes the view see an entity as not published (an action unpublishes it), so links to it
    /// no longer resolve.
    pub fn mark_unpublished(&mut self, link_type: &LinkType, id: &str) {
        let map = match link_type {
            LinkType::Entry => &mut self.entries,
            LinkType::Asset => &mut self.assets,
            _ => return,
        };
        if let Some(entity) = map.get_mut(id) {
            entity.sys.published_version = None;
        }
    }

    /// The default locale code.
    pub fn default_locale(&self) -> &str {
        validation::default_locale(&self.locales)
    }
}

impl validation::Space for SpaceView {
    fn content_type(&self, id: &str) -> Option<&ContentType> {
        self.content_types.get(id)
    }

    fn target(&self, link_type: &LinkType, id: &str) -> Option<Target> {
        self.entity(link_type, id)
            .map(|e| Target::from_entity(e, self.default_locale()))
    }
}

/// The content types entries are validated against: each one's published snapshot; a content
/// type that has `publishedVersion` but no snapshot (seeded, never edited) as it is; one that
/// was never published not at all.
fn published_content_types(tx: &Tx<'_>) -> Result<HashMap<String, ContentType>, ApiErr> {
    let mut types: HashMap<String, ContentType> = tx
        .all::<ContentType>(kind::CONTENT_TYPE)?
        .into_iter()
        .filter(|ct| ct.sys.extra.contains_key("publishedVersion"))
        .map(|ct| (ct.sys.id.clone(), ct))
        .collect();
    for snapshot in tx.all::<ContentType>(kind::PUBLISHED_CONTENT_TYPE)? {
        types.insert(snapshot.sys.id.clone(), snapshot);
    }
    Ok(types)
}
