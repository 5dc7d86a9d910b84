//! Releases (Launch, `Release.v1`) and the bodies to create or update them (spec §1).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{ArraySys, Extra, Link, Timestamp};
use super::string_enum::string_enum;

string_enum! {
    /// `sys.status` of a release.
    pub enum ReleaseStatus {
        /// Open for changes and actions.
        Active => "active",
        /// Read-only until unarchived.
        Archived => "archived",
    }
}

/// A release: a titled set of entries and assets acted on together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    /// Human title.
    pub title: String,
    /// The linked entries and assets.
    pub entities: ReleaseEntities,
    /// Optional metadata (`withReferences`, timeline annotations); kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// System fields.
    pub sys: ReleaseSys,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Release {
    /// Whether the release is archived (and so refuses changes).
    pub fn is_archived(&self) -> bool {
        self.sys.status == ReleaseStatus::Archived
    }
}

/// `entities` of a release: `{"sys":{"type":"Array"},"items":[Link…]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReleaseEntities {
    /// `{"type":"Array"}`.
    #[serde(default)]
    pub sys: ArraySys,
    /// Links to entries and assets.
    #[serde(default)]
    pub items: Vec<Link>,
}

impl ReleaseEntities {
    /// Wraps links in the CMA array shape.
    pub fn new(items: Vec<Link>) -> Self {
        Self {
            sys: ArraySys::default(),
            items,
        }
    }
}

/// `sys` of a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSys {
    /// Always `"Release"`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Release id.
    pub id: String,
    /// Version for optimistic locking.
    pub version: u64,
    /// `active` or `archived`.
    pub status: ReleaseStatus,
    /// The space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<Link>,
    /// The environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Link>,
    /// A user or app link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Link>,
    /// A user or app link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Link>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Last update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Who archived it; absent while active (spec §1: never `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_by: Option<Link>,
    /// When it was archived; absent while active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<Timestamp>,
    /// The most recent release action, once one ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_action: Option<Link>,
    /// `Release.v1` or `Release.v2` when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST /releases` and `PUT /releases/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseBody {
    /// Human title.
    pub title: String,
    /// The linked entries and assets.
    pub entities: ReleaseEntities,
    /// Optional metadata, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl ReleaseBody {
    /// A body from a title and links.
    pub fn new(title: impl Into<String>, items: Vec<Link>) -> Self {
        Self {
            title: title.into(),
            entities: ReleaseEntities::new(items),
            metadata: None,
        }
    }
}

impl From<&Release> for ReleaseBody {
    fn from(r: &Release) -> Self {
        Self {
            title: r.title.clone(),
            entities: r.entities.clone(),
            metadata: r.metadata.clone(),
        }
    }
}
