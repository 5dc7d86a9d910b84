//! Scheduled actions: a publish or unpublish of an entry, asset or release at a future instant
//! in an IANA time zone (spec §4).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{Extra, Link, Timestamp};
use super::error::ErrorBody;
use super::string_enum::string_enum;

string_enum! {
    /// `sys.status` of a scheduled action: `scheduled → inProgress → succeeded | failed`,
    /// or `scheduled → canceled`.
    pub enum ScheduledActionStatus {
        /// Waiting for its time.
        Scheduled => "scheduled",
        /// Running now.
        InProgress => "inProgress",
        /// Ran without errors (final).
        Succeeded => "succeeded",
        /// Ran and failed (final).
        Failed => "failed",
        /// Canceled before it ran (final).
        Canceled => "canceled",
    }
}

impl ScheduledActionStatus {
    /// Whether no further transition can happen.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Canceled)
    }
}

string_enum! {
    /// What a scheduled action does.
    pub enum ScheduledActionKind {
        /// Publish the entity.
        Publish => "publish",
        /// Unpublish the entity.
        Unpublish => "unpublish",
    }
}

/// `scheduledFor`: the instant, and the zone the user picked it in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledFor {
    /// The instant (UTC on the wire).
    pub datetime: Timestamp,
    /// The IANA zone the user thinks in, e.g. `Europe/Berlin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// A scheduled action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledAction {
    /// The entry, asset or release to act on.
    pub entity: Link,
    /// The environment it is scoped to.
    pub environment: Link,
    /// publish or unpublish.
    pub action: ScheduledActionKind,
    /// When.
    pub scheduled_for: ScheduledFor,
    /// Optional payload (`withReferences`), kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// System fields.
    pub sys: ScheduledActionSys,
    /// Set when the execution failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `sys` of a scheduled action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledActionSys {
    /// Always `"ScheduledAction"`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Action id.
    pub id: String,
    /// Bumped by every update.
    pub version: u64,
    /// Where it is in its lifecycle.
    pub status: ScheduledActionStatus,
    /// The space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<Link>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Link>,
    /// Last update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Last updater.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Link>,
    /// When it was canceled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canceled_at: Option<Timestamp>,
    /// Who canceled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canceled_by: Option<Link>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST /scheduled_actions` and `PUT /scheduled_actions/{id}` (everything but `sys`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledActionBody {
    /// The entry, asset or release to act on.
    pub entity: Link,
    /// The environment.
    pub environment: Link,
    /// publish or unpublish.
    pub action: ScheduledActionKind,
    /// When.
    pub scheduled_for: ScheduledFor,
    /// Optional payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
}

impl From<&ScheduledAction> for ScheduledActionBody {
    fn from(a: &ScheduledAction) -> Self {
        Self {
            entity: a.entity.clone(),
            environment: a.environment.clone(),
            action: a.action.clone(),
            scheduled_for: a.scheduled_for.clone(),
            payload: a.payload.clone(),
        }
    }
}
