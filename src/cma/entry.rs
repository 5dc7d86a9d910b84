//! Entries, assets, content types and locales: enough of the content model to show what a
//! release holds and to validate it (spec §5).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{Extra, Link, Timestamp};
use super::string_enum::string_enum;

/// Locale-keyed field values: `{"title":{"en-US":"Hello"}}`.
pub type Fields = Map<String, Value>;

/// An entry or an asset: both share `sys` and locale-keyed `fields`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Field values per field id, per locale.
    #[serde(default)]
    pub fields: Fields,
    /// Tags and concepts; kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// System fields.
    pub sys: EntitySys,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An entry (`sys.type = "Entry"`).
pub type Entry = Entity;
/// An asset (`sys.type = "Asset"`).
pub type Asset = Entity;

impl Entity {
    /// The value of `field` in `locale`, if set.
    pub fn field(&self, field: &str, locale: &str) -> Option<&Value> {
        self.fields
            .get(field)
            .and_then(|per_locale| per_locale.get(locale))
    }

    /// The state derived from the versions (spec §5).
    pub fn state(&self) -> EntityState {
        self.sys.state()
    }

    /// A link to this entity.
    pub fn link(&self) -> Link {
        let link_type = if self.sys.type_ == "Asset" {
            super::LinkType::Asset
        } else {
            super::LinkType::Entry
        };
        Link::new(link_type, self.sys.id.clone())
    }
}

/// `sys` of an entry or asset (`EntityMetaSysProps`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntitySys {
    /// `"Entry"` or `"Asset"` (or `DeletedEntry` in some webhook payloads).
    #[serde(rename = "type")]
    pub type_: String,
    /// Entity id.
    pub id: String,
    /// Current version; absent in published snapshots (webhook `Entry.publish` payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The version that was published; absent for drafts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_version: Option<u64>,
    /// How often it was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_counter: Option<u64>,
    /// Last publish time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Timestamp>,
    /// First publish time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_published_at: Option<Timestamp>,
    /// Last publisher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_by: Option<Link>,
    /// The version that was archived; absent unless archived (spec §5: optional sys keys are
    /// left out, never `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_version: Option<u64>,
    /// Archive time; absent unless archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<Timestamp>,
    /// Archiver; absent unless archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_by: Option<Link>,
    /// The entry's content type (entries only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Link>,
    /// The space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<Link>,
    /// The environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Link>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Last update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Link>,
    /// Last updater.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Link>,
    /// In published snapshots: the revision counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    /// Fields not modelled here (`automationTags`, `fieldStatus`, `deletedAt`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The editorial state of an entry or asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntityState {
    /// Never published (or unpublished).
    Draft,
    /// Published, with later unpublished edits.
    Changed,
    /// Published and unchanged since.
    Published,
    /// Archived.
    Archived,
}

impl EntityState {
    /// A short label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Changed => "changed",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }
}

impl std::fmt::Display for EntityState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl EntitySys {
    /// `sys.fieldStatus["*"]`: each locale's publishing state (`draft`, `published`,
    /// `changed`), as locale-based publishing reports it (spec §10.1); empty when the server
    /// does not send it. Kept in `extra` so the entity re-encodes unchanged.
    pub fn locale_status(&self) -> std::collections::BTreeMap<String, String> {
        self.extra
            .get("fieldStatus")
            .and_then(|f| f.get("*"))
            .and_then(Value::as_object)
            .map(|locales| {
                locales
                    .iter()
                    .filter_map(|(code, state)| Some((code.clone(), state.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Spec §5: archived if `archivedVersion`; else draft if no `publishedVersion`; else changed
    /// if `version > publishedVersion + 1`; else published.
    pub fn state(&self) -> EntityState {
        if self.archived_version.is_some() {
            return EntityState::Archived;
        }
        let Some(published) = self.published_version else {
            return EntityState::Draft;
        };
        match self.version {
            Some(version) if version > published + 1 => EntityState::Changed,
            _ => EntityState::Published,
        }
    }
}

string_enum! {
    /// A content type field's `type`.
    pub enum FieldType {
        /// Short text (≤ 256 chars).
        Symbol => "Symbol",
        /// Long text.
        Text => "Text",
        /// Integer.
        Integer => "Integer",
        /// Decimal number.
        Number => "Number",
        /// ISO date or date-time.
        Date => "Date",
        /// true / false.
        Boolean => "Boolean",
        /// Arbitrary JSON.
        Object => "Object",
        /// `{lat, lon}`.
        Location => "Location",
        /// Rich text document.
        RichText => "RichText",
        /// A link to an entry or asset.
        Link => "Link",
        /// A list of symbols or links.
        Array => "Array",
    }
}

/// A content type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentType {
    /// Human name.
    pub name: String,
    /// Optional description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The field whose value titles an entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_field: Option<String>,
    /// Field definitions.
    #[serde(default)]
    pub fields: Vec<ContentTypeField>,
    /// System fields (`id`, `version`, …).
    pub sys: ContentTypeSys,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ContentType {
    /// The field definition with this id.
    pub fn field(&self, id: &str) -> Option<&ContentTypeField> {
        self.fields.iter().find(|f| f.id == id)
    }
}

/// `sys` of a content type (or a locale): id, version and times; the rest kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentTypeSys {
    /// `"ContentType"`.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// Content type id.
    pub id: String,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A field definition of a content type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentTypeField {
    /// Field id (the key in `fields`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Value type.
    #[serde(rename = "type")]
    pub type_: FieldType,
    /// Whether it has a value per locale.
    #[serde(default)]
    pub localized: bool,
    /// Whether a value is required to publish.
    #[serde(default)]
    pub required: bool,
    /// Hidden from editing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Left out of delivery responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted: Option<bool>,
    /// For `Link` fields: `Entry` or `Asset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
    /// For `Array` fields: the item type and its validations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<FieldItems>,
    /// Validations of the value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validations: Vec<Validation>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `items` of an `Array` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldItems {
    /// `Symbol` or `Link`.
    #[serde(rename = "type")]
    pub type_: FieldType,
    /// For links: `Entry` or `Asset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
    /// Validations of each item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validations: Vec<Validation>,
}

/// `{min, max}` of `size` and `range` validations. Kept as JSON numbers so `120` stays `120`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMax {
    /// Lower bound, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<serde_json::Number>,
    /// Upper bound, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<serde_json::Number>,
}

impl MinMax {
    /// The lower bound as a float.
    pub fn min_f64(&self) -> Option<f64> {
        self.min.as_ref().and_then(serde_json::Number::as_f64)
    }

    /// The upper bound as a float.
    pub fn max_f64(&self) -> Option<f64> {
        self.max.as_ref().and_then(serde_json::Number::as_f64)
    }
}

/// `{pattern, flags}` of `regexp` and `prohibitRegexp` validations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pattern {
    /// JavaScript regular expression source.
    pub pattern: String,
    /// JavaScript flags (`i`, `m`, …) or `null`.
    #[serde(default)]
    pub flags: Option<String>,
}

/// One validation of a field; normally exactly one of the rule keys is set, plus `message`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// Allowed content types of linked entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_content_type: Option<Vec<String>>,
    /// Allowed values.
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<Value>>,
    /// Length of text or number of array items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<MinMax>,
    /// Numeric range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<MinMax>,
    /// Text must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regexp: Option<Pattern>,
    /// Text must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prohibit_regexp: Option<Pattern>,
    /// Unique across entries of the content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<bool>,
    /// Allowed date range; kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_range: Option<Value>,
    /// Allowed MIME groups of linked assets (`image`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_mimetype_group: Option<Vec<String>>,
    /// Allowed asset file size; kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_file_size: Option<Value>,
    /// Allowed image dimensions; kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_image_dimensions: Option<Value>,
    /// A custom message shown instead of the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Rules not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A locale of an environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Locale {
    /// `en-US`.
    pub code: String,
    /// `English (United States)`.
    pub name: String,
    /// Whether it is the environment's default locale.
    #[serde(default)]
    pub default: bool,
    /// Whether required fields may be empty in it.
    #[serde(default)]
    pub optional: bool,
    /// Locale to fall back to.
    #[serde(default)]
    pub fallback_code: Option<String>,
    /// System fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys: Option<ContentTypeSys>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
