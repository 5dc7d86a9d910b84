//! [`SpaceReleaseModel`]: which release models the connected space uses — Launch
//! (`Release.v1`), Timeline (`Release.v2`), or both while a team moves — and, for Timeline,
//! whether the environment publishes per entry or per locale (spec §10.1). The worker learns it
//! when the space loads; the releases list and "New release" start from it.

use crate::cma::{ItemModel, Release, ReleaseItem};

/// What the space's releases look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpaceReleaseModel {
    /// The space holds at least one Launch release.
    pub has_launch: bool,
    /// The space holds at least one Timeline release.
    pub has_timeline: bool,
    /// New releases and the list default to Timeline.
    pub prefers_timeline: bool,
    /// Timeline items use locale sets (the environment publishes by locale).
    pub locale_based: bool,
}

impl SpaceReleaseModel {
    /// From the newest release of each model (either may be absent): the model of the more
    /// recently updated one is the default; an empty space defaults to Launch.
    pub fn from_newest(launch: Option<&Release>, timeline: Option<&Release>) -> Self {
        let prefers_timeline = match (launch, timeline) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(l), Some(t)) => t.sys.updated_at >= l.sys.updated_at,
        };
        let locale_based = timeline.is_some_and(|t| {
            t.entities
                .items
                .iter()
                .any(|i| matches!(i, ReleaseItem::Locales { .. }))
        });
        Self {
            has_launch: launch.is_some(),
            has_timeline: timeline.is_some(),
            prefers_timeline,
            locale_based,
        }
    }

    /// The shape of new items in a Timeline release.
    pub fn timeline_items(&self) -> ItemModel {
        if self.locale_based {
            ItemModel::Locales
        } else {
            ItemModel::Action
        }
    }

    /// A release of this model now exists: the list offers the switch once both do, and a
    /// space that held only the other model (or none) now defaults to the new one.
    pub fn note_created(&mut self, timeline: bool) {
        let had_other = if timeline {
            self.has_launch
        } else {
            self.has_timeline
        };
        if timeline {
            self.has_timeline = true;
        } else {
            self.has_launch = true;
        }
        if !had_other {
            self.prefers_timeline = timeline;
        }
    }

    /// Whether the list offers a switch between the two models.
    pub fn mixed(&self) -> bool {
        self.has_launch && self.has_timeline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn release(schema: &str, updated: &str, item: serde_json::Value) -> Release {
        serde_json::from_value(json!({
            "title": "r", "entities": {"sys": {"type": "Array"}, "items": [item]},
            "sys": {"type": "Release", "id": "r", "version": 1, "status": "active",
                    "schemaVersion": schema, "updatedAt": updated}
        }))
        .unwrap()
    }

    #[test]
    fn the_newer_model_is_the_default_and_locale_sets_mean_locale_based() {
        let link = json!({"sys": {"type": "Link", "linkType": "Entry", "id": "e"}});
        let launch = release("Release.v1", "2026-01-01T00:00:00.000Z", link.clone());
        let timeline = release(
            "Release.v2",
            "2026-02-01T00:00:00.000Z",
            json!({"entity": link, "add": {"fields": {"*": ["en-US"]}}, "remove": {"fields": {"*": []}}}),
        );
        let empty = SpaceReleaseModel::from_newest(None, None);
        assert!(!empty.prefers_timeline && !empty.mixed());
        let both = SpaceReleaseModel::from_newest(Some(&launch), Some(&timeline));
        assert!(both.prefers_timeline && both.mixed() && both.locale_based);
        assert_eq!(both.timeline_items(), ItemModel::Locales);
        let launch_only = SpaceReleaseModel::from_newest(Some(&launch), None);
        assert!(!launch_only.prefers_timeline);
        assert_eq!(launch_only.timeline_items(), ItemModel::Action);
    }
}
