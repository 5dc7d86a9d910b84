//! What one release item does to one entity, in both release models (spec §1, §10.1), and the
//! locale sets that locale-based publishing and bulk actions v2 share (§10.2).
//!
//! Launch (`Release.v1`) items are plain links: the release-level action applies to all of them.
//! Timeline (`Release.v2`) items carry their own `action` (entry-based publishing) or `add` /
//! `remove` locale sets (locale-based publishing). Decoding is total: an item in a shape this
//! version cannot model is kept verbatim as [`ReleaseItem::Unsupported`] and re-encodes unchanged,
//! so one odd item never fails the release, and the release never fails its page.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::common::Link;
use super::string_enum::string_enum;

string_enum! {
    /// What a Timeline item does to its entity (`items[].action`).
    pub enum ItemAction {
        /// Publish the entity when the release publishes.
        Publish => "publish",
        /// Unpublish it (or keep it unpublished).
        Unpublish => "unpublish",
    }
}

impl ItemAction {
    /// The other action (the release detail's toggle).
    pub fn toggled(&self) -> Self {
        match self {
            Self::Publish => Self::Unpublish,
            _ => Self::Publish,
        }
    }
}

/// `{"fields":{"*":["en-US",…]}}`: the locales an item publishes (`add`) or unpublishes
/// (`remove`). Only the `"*"` (every field) key is documented; other keys are kept verbatim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocaleSet {
    /// Field name (`"*"` = all fields) to locale codes.
    #[serde(default)]
    pub fields: BTreeMap<String, Vec<String>>,
}

impl LocaleSet {
    /// A set covering every field in `locales`.
    pub fn all_fields<I, S>(locales: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut fields = BTreeMap::new();
        fields.insert(
            "*".to_owned(),
            locales.into_iter().map(Into::into).collect(),
        );
        Self { fields }
    }

    /// The locales of `"*"` (every field); empty when absent.
    pub fn locales(&self) -> &[String] {
        self.fields.get("*").map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether `locale` is in the `"*"` list.
    pub fn contains(&self, locale: &str) -> bool {
        self.locales().iter().any(|l| l == locale)
    }
}

/// One item of a release's `entities.items`.
#[derive(Debug, Clone, PartialEq)]
pub enum ReleaseItem {
    /// Launch (`Release.v1`): a plain link; the release's own action applies to it.
    Link(Link),
    /// Timeline, entry-based publishing: the entity and its own action.
    Action {
        /// The entry or asset.
        entity: Link,
        /// `publish` or `unpublish`.
        action: ItemAction,
    },
    /// Timeline, locale-based publishing: locales to publish and to unpublish.
    Locales {
        /// The entry or asset.
        entity: Link,
        /// Locales to publish.
        add: Option<LocaleSet>,
        /// Locales to unpublish or leave unpublished.
        remove: Option<LocaleSet>,
    },
    /// A shape this version does not model; kept verbatim and shown as "unsupported".
    Unsupported(Value),
}

impl ReleaseItem {
    /// A Timeline item with its own action.
    pub fn action(entity: Link, action: ItemAction) -> Self {
        Self::Action { entity, action }
    }

    /// A locale-based Timeline item.
    pub fn locales(entity: Link, add: LocaleSet, remove: LocaleSet) -> Self {
        Self::Locales {
            entity,
            add: Some(add),
            remove: Some(remove),
        }
    }

    /// The entity the item is about, unless the item is unsupported.
    pub fn entity(&self) -> Option<&Link> {
        match self {
            Self::Link(link) => Some(link),
            Self::Action { entity, .. } | Self::Locales { entity, .. } => Some(entity),
            Self::Unsupported(_) => None,
        }
    }

    /// Whether this is a Timeline (`Release.v2`) item.
    pub fn is_timeline(&self) -> bool {
        matches!(self, Self::Action { .. } | Self::Locales { .. })
    }

    /// The locales the item publishes (locale-based items only).
    pub fn added_locales(&self) -> &[String] {
        match self {
            Self::Locales { add: Some(set), .. } => set.locales(),
            _ => &[],
        }
    }

    /// The locales the item unpublishes (locale-based items only).
    pub fn removed_locales(&self) -> &[String] {
        match self {
            Self::Locales {
                remove: Some(set), ..
            } => set.locales(),
            _ => &[],
        }
    }

    /// The same item with its action flipped (entry-based Timeline items only).
    pub fn with_action_toggled(&self) -> Option<Self> {
        match self {
            Self::Action { entity, action } => Some(Self::action(entity.clone(), action.toggled())),
            _ => None,
        }
    }

    /// The same item with `locale` moved between `add` and `remove` (locale-based items only):
    /// a published locale becomes unpublished and the other way round; every locale stays in
    /// exactly one of the two lists.
    pub fn with_locale_toggled(&self, locale: &str) -> Option<Self> {
        let Self::Locales {
            entity,
            add,
            remove,
        } = self
        else {
            return None;
        };
        let mut add: Vec<String> = add
            .as_ref()
            .map(|s| s.locales().to_vec())
            .unwrap_or_default();
        let mut remove: Vec<String> = remove
            .as_ref()
            .map(|s| s.locales().to_vec())
            .unwrap_or_default();
        if let Some(i) = add.iter().position(|l| l == locale) {
            remove.push(add.remove(i));
        } else {
            remove.retain(|l| l != locale);
            add.push(locale.to_owned());
        }
        Some(Self::locales(
            entity.clone(),
            LocaleSet::all_fields(add),
            LocaleSet::all_fields(remove),
        ))
    }

    /// The item a newly added entity gets in a release of this kind: a link for Launch,
    /// `publish` for entry-based Timeline, every locale published for locale-based Timeline.
    pub fn new_like(model: ItemModel, entity: Link, locales: &[String]) -> Self {
        match model {
            ItemModel::Link => Self::Link(entity),
            ItemModel::Action => Self::action(entity, ItemAction::Publish),
            ItemModel::Locales => Self::locales(
                entity,
                LocaleSet::all_fields(locales.iter().cloned()),
                LocaleSet::all_fields(Vec::<String>::new()),
            ),
        }
    }

    /// Why this item is unsupported, in a sentence, or `None` when it is modelled.
    pub fn unsupported_reason(&self) -> Option<String> {
        match self {
            Self::Unsupported(raw) => Some(match raw {
                Value::Object(map) if map.contains_key("entity") => {
                    "an item whose entity or action Release Desk cannot read".to_owned()
                }
                Value::Object(_) => "an item in a shape Release Desk does not know".to_owned(),
                _ => "an item that is not an object".to_owned(),
            }),
            _ => None,
        }
    }

    /// The item as JSON.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Link(link) => serde_json::to_value(link).unwrap_or(Value::Null),
            Self::Action { entity, action } => {
                let mut map = Map::new();
                map.insert("entity".into(), link_value(entity));
                map.insert("action".into(), Value::String(action.as_str().to_owned()));
                Value::Object(map)
            }
            Self::Locales {
                entity,
                add,
                remove,
            } => {
                let mut map = Map::new();
                map.insert("entity".into(), link_value(entity));
                if let Some(add) = add {
                    map.insert("add".into(), locale_value(add));
                }
                if let Some(remove) = remove {
                    map.insert("remove".into(), locale_value(remove));
                }
                Value::Object(map)
            }
            Self::Unsupported(raw) => raw.clone(),
        }
    }

    /// Reads an item; never fails (see [`ReleaseItem::Unsupported`]).
    pub fn from_value(value: Value) -> Self {
        let Value::Object(map) = &value else {
            return Self::Unsupported(value);
        };
        if let Some(entity) = map.get("entity") {
            let Ok(entity) = Link::deserialize(entity) else {
                return Self::Unsupported(value);
            };
            let known = |k: &str| matches!(k, "entity" | "action" | "add" | "remove");
            if map.keys().any(|k| !known(k)) {
                return Self::Unsupported(value);
            }
            return match (map.get("action"), map.get("add"), map.get("remove")) {
                (Some(Value::String(action)), None, None) => Self::Action {
                    entity,
                    action: ItemAction::from(action.as_str()),
                },
                (None, add, remove) if add.is_some() || remove.is_some() => {
                    let set = |v: Option<&Value>| match v {
                        None => Ok(None),
                        Some(v) => LocaleSet::deserialize(v).map(Some),
                    };
                    match (set(add), set(remove)) {
                        (Ok(add), Ok(remove)) => Self::Locales {
                            entity,
                            add,
                            remove,
                        },
                        _ => Self::Unsupported(value),
                    }
                }
                _ => Self::Unsupported(value),
            };
        }
        if map.contains_key("sys")
            && let Ok(link) = Link::deserialize(&value)
        {
            return Self::Link(link);
        }
        Self::Unsupported(value)
    }
}

fn link_value(link: &Link) -> Value {
    serde_json::to_value(link).unwrap_or(Value::Null)
}

fn locale_value(set: &LocaleSet) -> Value {
    serde_json::to_value(set).unwrap_or(Value::Null)
}

/// Which item shape a release uses (its schema and the environment's publishing mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemModel {
    /// Launch: links.
    Link,
    /// Timeline, entry-based publishing: entity + action.
    Action,
    /// Timeline, locale-based publishing: entity + locale sets.
    Locales,
}

impl ItemModel {
    /// The shape of the items already in a release, if they agree on one.
    pub fn of_items<'a>(items: impl IntoIterator<Item = &'a ReleaseItem>) -> Option<Self> {
        items.into_iter().find_map(|i| match i {
            ReleaseItem::Link(_) => Some(Self::Link),
            ReleaseItem::Action { .. } => Some(Self::Action),
            ReleaseItem::Locales { .. } => Some(Self::Locales),
            ReleaseItem::Unsupported(_) => None,
        })
    }
}

impl From<Link> for ReleaseItem {
    fn from(link: Link) -> Self {
        Self::Link(link)
    }
}

impl Serialize for ReleaseItem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ReleaseItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Self::from_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cma::LinkType;
    use serde_json::json;

    fn round_trip(v: Value) -> ReleaseItem {
        let item: ReleaseItem = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            v,
            "re-encodes unchanged"
        );
        item
    }

    #[test]
    fn every_item_shape_decodes_and_re_encodes_unchanged() {
        let link = json!({"sys":{"type":"Link","linkType":"Entry","id":"e1"}});
        assert_eq!(
            round_trip(link.clone()),
            ReleaseItem::Link(Link::new(LinkType::Entry, "e1"))
        );
        let action = round_trip(json!({"entity": link, "action": "unpublish"}));
        assert_eq!(
            action,
            ReleaseItem::action(Link::new(LinkType::Entry, "e1"), ItemAction::Unpublish)
        );
        let locales = round_trip(json!({"entity": link,
            "add":{"fields":{"*":["en-US","fr-FR"]}},"remove":{"fields":{"*":["de-DE"]}}}));
        assert_eq!(locales.added_locales(), ["en-US", "fr-FR"]);
        assert_eq!(locales.removed_locales(), ["de-DE"]);
        assert!(locales.is_timeline());
        // An action Release Desk does not know is still an action, kept verbatim.
        let odd = round_trip(json!({"entity": link, "action": "schedule"}));
        assert_eq!(
            odd,
            ReleaseItem::action(
                Link::new(LinkType::Entry, "e1"),
                ItemAction::Other("schedule".into())
            )
        );
    }

    #[test]
    fn shapes_it_cannot_model_are_kept_raw_not_refused() {
        for raw in [
            json!(42),
            json!({"entity": {"nope": 1}, "action": "publish"}),
            json!({"entity": {"sys":{"type":"Link","linkType":"Entry","id":"e1"}}, "action": "publish", "when": "later"}),
            json!({"entity": {"sys":{"type":"Link","linkType":"Entry","id":"e1"}}, "add": {"fields": 3}}),
            json!({"something": "else"}),
        ] {
            let item = round_trip(raw);
            assert!(item.unsupported_reason().is_some(), "{item:?}");
            assert!(item.entity().is_none());
        }
    }

    #[test]
    fn the_toggle_flips_publish_and_unpublish() {
        assert_eq!(ItemAction::Publish.toggled(), ItemAction::Unpublish);
        assert_eq!(ItemAction::Unpublish.toggled(), ItemAction::Publish);
        let e1 = Link::new(LinkType::Entry, "e1");
        let item = ReleaseItem::action(e1.clone(), ItemAction::Publish);
        assert_eq!(
            item.with_action_toggled(),
            Some(ReleaseItem::action(e1, ItemAction::Unpublish))
        );
    }

    #[test]
    fn a_toggled_locale_moves_between_add_and_remove_and_stays_once() {
        let e1 = Link::new(LinkType::Entry, "e1");
        let all = ["en-US".to_owned(), "de-DE".to_owned()];
        let item = ReleaseItem::new_like(ItemModel::Locales, e1, &all);
        assert_eq!(item.added_locales(), all);
        let item = item.with_locale_toggled("de-DE").unwrap();
        assert_eq!(item.added_locales(), ["en-US"]);
        assert_eq!(item.removed_locales(), ["de-DE"]);
        let item = item.with_locale_toggled("de-DE").unwrap();
        assert_eq!(item.added_locales(), ["en-US", "de-DE"]);
        assert!(item.removed_locales().is_empty());
        assert_eq!(ItemModel::of_items([&item]), Some(ItemModel::Locales));
    }
}
