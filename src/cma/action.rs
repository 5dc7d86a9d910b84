//! Release actions and bulk actions: asynchronous publish / unpublish / validate jobs
//! (spec §2, §3), and the status machine they share.

use serde::{Deserialize, Serialize};

use super::common::{ArraySys, Extra, Link, Timestamp};
use super::error::ErrorBody;
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

/// `payload` of a bulk action, and the body of the v1 bulk endpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkActionPayload {
    /// For validate: the action to validate for (`publish`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionKind>,
    /// The links (versioned for publish).
    pub entities: BulkEntities,
}

/// `{"sys":{"type":"Array"},"items":[Link…]}` in a bulk action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkEntities {
    /// `{"type":"Array"}`.
    #[serde(default)]
    pub sys: ArraySys,
    /// The links.
    #[serde(default)]
    pub items: Vec<Link>,
}

impl BulkActionPayload {
    /// A body for a bulk action over `items`.
    pub fn new(items: Vec<Link>) -> Self {
        Self {
            action: None,
            entities: BulkEntities {
                sys: ArraySys::default(),
                items,
            },
        }
    }
}
