//! Release actions and bulk actions: asynchronous publish / unpublish / validate jobs
//! (spec §2, §3), and the status machine they share.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{ArraySys, Extra, Link, Timestamp};
use super::error::ErrorBody;
use super::release_item::LocaleSet;
use super::string_enum::string_enum;

string_enum! {
    /// `sys.status` of a release or bulk action: `created → inProgress → succeeded | failed`.
    pub enum ActionStatus {
        /// Accepted, not started.
        Created => "created",
        /// Running.
        InProgress => "inProgress",
        /// Finished without errors (final).
        Succeeded => "succeeded",
        /// Finished with errors (final).
        Failed => "failed",
    }
}

impl ActionStatus {
    /// Whether no further transition can happen.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

string_enum! {
    /// What a release or bulk action does.
    pub enum ActionKind {
        /// Publish every entity.
        Publish => "publish",
        /// Unpublish every entity.
        Unpublish => "unpublish",
        /// Check every entity, change nothing.
        Validate => "validate",
    }
}

/// A release action (`ReleaseAction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseAction {
    /// publish, unpublish or validate.
    pub action: ActionKind,
    /// System fields.
    pub sys: ReleaseActionSys,
    /// Set when the action failed: a ValidationFailed error with per-entity errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `sys` of a release action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseActionSys {
    /// Always `"ReleaseAction"`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Action id.
    pub id: String,
    /// Where it is in its lifecycle.
    pub status: ActionStatus,
    /// The release it acts on.
    pub release: Link,
    /// The space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<Link>,
    /// The environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Link>,
    /// Who started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Link>,
    /// Who last changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Link>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When its status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A bulk action (`BulkAction`, v1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkAction {
    /// System fields.
    pub sys: BulkActionSys,
    /// publish, unpublish or validate.
    pub action: ActionKind,
    /// The entities acted on.
    #[serde(default)]
    pub payload: BulkActionPayload,
    /// A BulkActionFailed error when the action failed; `null` otherwise.
    #[serde(default)]
    pub error: Option<ErrorBody>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `sys` of a bulk action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkActionSys {
    /// Always `"BulkAction"`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Action id.
    pub id: String,
    /// Where it is in its lifecycle.
    pub status: ActionStatus,
    /// The space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<Link>,
    /// The environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Link>,
    /// Who started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Link>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When its status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `payload` of a bulk action, and the body of the bulk endpoints (v1 and v2, spec §3, §10.2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkActionPayload {
    /// v1 validate: the action to validate for (`publish`); v2: the action itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionKind>,
    /// The entities (versioned links for publish).
    #[serde(default)]
    pub entities: BulkEntities,
}

/// One entity of a bulk action v2: the entity and the locales to publish or unpublish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkItemV2 {
    /// The entry or asset (versioned for publish).
    pub entity: Link,
    /// Locales to publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<LocaleSet>,
    /// Locales to unpublish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<LocaleSet>,
}

/// `entities` of a bulk action: v1 `{"sys":{"type":"Array"},"items":[Link…]}`, or v2's plain
/// array of [`BulkItemV2`]. Anything else is kept verbatim, so reading a bulk action never fails.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkEntities {
    /// v1: links.
    Links(Vec<Link>),
    /// v2 (locale-based).
    V2(Vec<BulkItemV2>),
    /// A shape this version does not model.
    Unsupported(Value),
}

impl Default for BulkEntities {
    fn default() -> Self {
        Self::Links(Vec::new())
    }
}

impl BulkEntities {
    /// The entity links, in order, whichever version.
    pub fn links(&self) -> Vec<&Link> {
        match self {
            Self::Links(links) => links.iter().collect(),
            Self::V2(items) => items.iter().map(|i| &i.entity).collect(),
            Self::Unsupported(_) => Vec::new(),
        }
    }

    /// How many entities.
    pub fn len(&self) -> usize {
        self.links().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Serialize for BulkEntities {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Links(items) => serde_json::json!({"sys": ArraySys::default(), "items": items})
                .serialize(serializer),
            Self::V2(items) => items.serialize(serializer),
            Self::Unsupported(raw) => raw.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for BulkEntities {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let decoded = match &value {
            Value::Array(_) => Vec::<BulkItemV2>::deserialize(&value).ok().map(Self::V2),
            Value::Object(map) => match map.get("items") {
                Some(items) => Vec::<Link>::deserialize(items).ok().map(Self::Links),
                None => Some(Self::Links(Vec::new())),
            },
            _ => None,
        };
        Ok(decoded.unwrap_or(Self::Unsupported(value)))
    }
}

impl BulkActionPayload {
    /// A v1 body over `items`.
    pub fn new(items: Vec<Link>) -> Self {
        Self {
            action: None,
            entities: BulkEntities::Links(items),
        }
    }

    /// A v2 (locale-based) body: `action` in the body, a plain array of items.
    pub fn v2(action: ActionKind, items: Vec<BulkItemV2>) -> Self {
        Self {
            action: Some(action),
            entities: BulkEntities::V2(items),
        }
    }

    /// Whether this is a v2 body.
    pub fn is_v2(&self) -> bool {
        matches!(self.entities, BulkEntities::V2(_))
    }
}
