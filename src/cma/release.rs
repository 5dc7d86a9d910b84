//! Releases in both models, Launch (`Release.v1`) and Timeline (`Release.v2`), and the bodies to
//! create or update them (spec §1, §10.1). The items themselves live in [`super::release_item`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{ArraySys, Extra, Link, Timestamp};
use super::release_item::ReleaseItem;
use super::string_enum::string_enum;

string_enum! {
    /// `sys.schemaVersion` of a release: which release model it belongs to.
    pub enum ReleaseSchema {
        /// Launch: items are links, the release-level action applies to all of them.
        Launch => "Release.v1",
        /// Timeline: every item carries its own action or locale sets.
        Timeline => "Release.v2",
    }
}

impl ReleaseSchema {
    /// The model's name as people know it.
    pub fn label(&self) -> &str {
        match self {
            Self::Launch => "Launch",
            Self::Timeline => "Timeline",
            Self::Other(s) => s,
        }
    }
}

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
    #[serde(default)]
    pub title: String,
    /// The entries and assets, with what happens to each (Timeline).
    #[serde(default)]
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

    /// The release model; absent `sys.schemaVersion` means Launch (spec §10.1).
    pub fn schema(&self) -> ReleaseSchema {
        self.sys
            .schema_version
            .clone()
            .unwrap_or(ReleaseSchema::Launch)
    }

    /// Whether this is a Timeline (`Release.v2`) release.
    pub fn is_timeline(&self) -> bool {
        self.schema() == ReleaseSchema::Timeline
    }
}

/// `entities` of a release: `{"sys":{"type":"Array"},"items":[…]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReleaseEntities {
    /// `{"type":"Array"}`.
    #[serde(default)]
    pub sys: ArraySys,
    /// Links (Launch) or entity + action / locale sets (Timeline); never fails to decode.
    #[serde(default)]
    pub items: Vec<ReleaseItem>,
}

impl ReleaseEntities {
    /// Launch items: links in the CMA array shape.
    pub fn new(links: Vec<Link>) -> Self {
        Self::from_items(links.into_iter().map(ReleaseItem::Link).collect())
    }

    /// Any items in the CMA array shape.
    pub fn from_items(items: Vec<ReleaseItem>) -> Self {
        Self {
            sys: ArraySys::default(),
            items,
        }
    }

    /// The entity of every item Release Desk can model, in order.
    pub fn links(&self) -> impl Iterator<Item = &Link> + '_ {
        self.items.iter().filter_map(ReleaseItem::entity)
    }

    /// The links, cloned (Launch-style).
    pub fn link_vec(&self) -> Vec<Link> {
        self.links().cloned().collect()
    }

    /// How many items there are, modelled or not.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many items Release Desk cannot model.
    pub fn unsupported(&self) -> usize {
        self.items.iter().filter(|i| i.entity().is_none()).count()
    }

    /// The item about the entity `id`, if any.
    pub fn item_for(&self, id: &str) -> Option<&ReleaseItem> {
        self.items
            .iter()
            .find(|i| i.entity().is_some_and(|l| l.sys.id == id))
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
    /// `Release.v1` or `Release.v2` when the server says (absent = Launch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<ReleaseSchema>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST /releases` and `PUT /releases/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseBody {
    /// Human title.
    pub title: String,
    /// The entries and assets.
    pub entities: ReleaseEntities,
    /// Optional metadata, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// `{"type":"Release","schemaVersion":"Release.v2"}` for a Timeline release; absent for
    /// Launch (spec §10.1: without it Contentful creates a Launch release).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys: Option<ReleaseBodySys>,
}

/// The `sys` of a release body: only the schema is chosen by the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseBodySys {
    /// Always `"Release"`.
    #[serde(rename = "type", default = "release_type_name")]
    pub type_: String,
    /// The release model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<ReleaseSchema>,
}

fn release_type_name() -> String {
    "Release".to_owned()
}

impl ReleaseBody {
    /// A Launch body from a title and links.
    pub fn new(title: impl Into<String>, items: Vec<Link>) -> Self {
        Self {
            title: title.into(),
            entities: ReleaseEntities::new(items),
            metadata: None,
            sys: None,
        }
    }

    /// A Timeline (`Release.v2`) body from a title and items.
    pub fn timeline(title: impl Into<String>, items: Vec<ReleaseItem>) -> Self {
        Self {
            title: title.into(),
            entities: ReleaseEntities::from_items(items),
            metadata: None,
            sys: Some(ReleaseBodySys {
                type_: release_type_name(),
                schema_version: Some(ReleaseSchema::Timeline),
            }),
        }
    }

    /// A new release like `release`: titled "`<title> (copy)`", with the same items (those Release
    /// Desk cannot model too), metadata and model (Launch or Timeline).
    pub fn duplicate_of(release: &Release) -> Self {
        let mut body = Self::from(release);
        body.title = format!("{} (copy)", release.title);
        body
    }

    /// The schema the body asks for (Launch unless it says otherwise).
    pub fn schema(&self) -> ReleaseSchema {
        self.sys
            .as_ref()
            .and_then(|s| s.schema_version.clone())
            .unwrap_or(ReleaseSchema::Launch)
    }

    /// Whether the body names a schema at all (an update without one keeps the release's).
    pub fn names_schema(&self) -> bool {
        self.sys
            .as_ref()
            .is_some_and(|s| s.schema_version.is_some())
    }
}

impl From<&Release> for ReleaseBody {
    /// The body that re-sends a release as it is; Timeline releases re-send their schema, as the
    /// SDK's `update` does.
    fn from(r: &Release) -> Self {
        Self {
            title: r.title.clone(),
            entities: r.entities.clone(),
            metadata: r.metadata.clone(),
            sys: r.sys.schema_version.clone().map(|schema| ReleaseBodySys {
                type_: release_type_name(),
                schema_version: Some(schema),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_keeps_the_model_and_items_and_says_it_is_a_copy() {
        let release: Release = serde_json::from_value(serde_json::json!({
            "title": "Cider week",
            "entities": {"sys": {"type": "Array"}, "items": [
                {"entity": {"sys": {"type": "Link", "linkType": "Entry", "id": "e1"}},
                 "action": "unpublish"},
                {"shape": "unknown to Release Desk"}
            ]},
            "sys": {"type": "Release", "id": "r1", "version": 4,
                    "schemaVersion": "Release.v2", "status": "archived"}
        }))
        .unwrap();
        let body = ReleaseBody::duplicate_of(&release);
        assert_eq!(body.title, "Cider week (copy)");
        assert_eq!(body.schema(), ReleaseSchema::Timeline);
        assert_eq!(
            body.entities, release.entities,
            "every item, unsupported ones too"
        );
    }
}
