//! [`SpaceView`]: a snapshot of the content model and every entity, read in one transaction,
//! that validation asks about link targets and content types.

use std::collections::HashMap;

use super::error::ApiErr;
use super::store::{Tx, kind};
use super::validation::{self, Target};
use crate::cma::{ContentType, Entity, LinkType, Locale};

/// Content types, locales, entries and assets as they are now.
pub struct SpaceView {
    /// Content types by id.
    pub content_types: HashMap<String, ContentType>,
    /// Locales in order.
    pub locales: Vec<Locale>,
    /// Entries by id.
    pub entries: HashMap<String, Entity>,
    /// Assets by id.
    pub assets: HashMap<String, Entity>,
}

impl SpaceView {
    /// Reads the whole space.
    pub fn load(tx: &Tx<'_>) -> Result<Self, ApiErr> {
        let by_id = |list: Vec<Entity>| {
            list.into_iter()
                .map(|e| (e.sys.id.clone(), e))
                .collect::<HashMap<_, _>>()
        };
        Ok(Self {
            content_types: published_content_types(tx)?,
            locales: tx.all(kind::LOCALE)?,
            entries: by_id(tx.all(kind::ENTRY)?),
            assets: by_id(tx.all(kind::ASSET)?),
        })
    }

    /// The entity a link points at.
    pub fn entity(&self, link_type: &LinkType, id: &str) -> Option<&Entity> {
        match link_type {
            LinkType::Entry => self.entries.get(id),
            LinkType::Asset => self.assets.get(id),
            _ => None,
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
