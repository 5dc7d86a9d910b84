//! Timeline (`Release.v2`) items and bulk actions v2 (spec §10): the environment's publishing
//! mode, the checks a v2 release body or a v2 bulk body must pass before it is stored, and the
//! translation of either into [`Step`]s, the per-entity effects the executor validates and
//! applies.
//!
//! Launch releases and v1 bulk actions apply one action to every link; v2 items carry their own
//! (`action`, or `add`/`remove` locale sets), so the executor works on steps for both: a Launch
//! release becomes steps that all have the release's action.
//!
//! Every refusal here is 422 `ValidationFailed` with `{name, path, details}` errors, all of them
//! collected (not only the first), as the v1 body checks answer.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Value, json};

use super::error::ApiErr;
use super::steps::{Effect, Step};
use crate::cma::{
    ActionKind, BulkActionPayload, BulkEntities, BulkItemV2, ItemAction, Link, LinkType, LocaleSet,
    Release, ReleaseItem,
};

/// How the environment publishes (spec §10.1: "defined on an environment level"): whole
/// entities, or locale by locale. `release-desk sandbox --publishing entry|locale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PublishingMode {
    /// Entry-based publishing: Timeline items are `{entity, action}`.
    #[default]
    Entry,
    /// Locale-based publishing: Timeline items are `{entity, add, remove}`.
    Locale,
}

/// The steps of a Timeline release: each item's own action or locale sets. Items run as they
/// were stored, whatever the publishing mode is now (the mode is checked when they are saved).
pub fn release_steps(release: &Release) -> Vec<Step> {
    release
        .entities
        .items
        .iter()
        .filter_map(|item| {
            let (link, effect) = match item {
                ReleaseItem::Action { entity, action } => (
                    entity,
                    if *action == ItemAction::Unpublish {
                        Effect::Unpublish
                    } else {
                        Effect::Publish
                    },
                ),
                ReleaseItem::Locales { entity, .. } => (
                    entity,
                    Effect::Locales {
                        add: item.added_locales().to_vec(),
                        remove: item.removed_locales().to_vec(),
                    },
                ),
                // Refused when saved; a stored one (from an older version) publishes as v1 did.
                ReleaseItem::Link(link) => (link, Effect::Publish),
                ReleaseItem::Unsupported(_) => return None,
            };
            Some(Step {
                link: link.clone(),
                effect,
            })
        })
        .collect()
}

fn error(name: &str, path: Value, details: impl Into<String>) -> Value {
    json!({"name": name, "path": path, "details": details.into()})
}

/// Checks a locale set against the environment's locales: only the `"*"` key, known codes, none
/// twice; records every code it holds in `seen` (to find codes in both `add` and `remove`).
fn check_locale_set(
    set: &LocaleSet,
    path: &Value,
    locales: &[String],
    seen: &mut HashSet<String>,
    errors: &mut Vec<Value>,
) {
    for key in set.fields.keys().filter(|k| *k != "*") {
        errors.push(error(
            "unknown",
            with(path, json!(["fields", key])),
            format!("Only \"*\" (every field) is supported in a locale set, not \"{key}\""),
        ));
    }
    for code in set.locales() {
        if !locales.contains(code) {
            errors.push(error(
                "in",
                path.clone(),
                format!(
                    "'{code}' is not a locale of this environment ({})",
                    locales.join(", ")
                ),
            ));
        } else if !seen.insert(code.clone()) {
            errors.push(error(
                "unique",
                path.clone(),
                format!("Locale '{code}' is listed more than once across add and remove"),
            ));
        }
    }
}

/// `path` with `tail`'s segments appended.
fn with(path: &Value, tail: Value) -> Value {
    let mut out = path.as_array().cloned().unwrap_or_default();
    out.extend(tail.as_array().cloned().unwrap_or_default());
    Value::Array(out)
}

/// The entities of a Timeline release body, after its item rules (§10.1): every item in the
/// shape of the environment's publishing mode, actions `publish`/`unpublish`, and each
/// locale-based item with both `add` and `remove` covering every environment locale exactly
/// once. The caller then applies the rules v1 shares (link types, limit, duplicates, existence).
pub fn release_links<'b>(
    items: &'b [ReleaseItem],
    mode: PublishingMode,
    locales: &[String],
) -> Result<Vec<&'b Link>, ApiErr> {
    let mut errors = Vec::new();
    let mut links = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = json!(["entities", "items", i]);
        match (item, mode) {
            (ReleaseItem::Action { entity, action }, PublishingMode::Entry) => {
                if !matches!(action, ItemAction::Publish | ItemAction::Unpublish) {
                    errors.push(error(
                        "in",
                        with(&at, json!(["action"])),
                        format!("action must be publish or unpublish, not '{action}'"),
                    ));
                }
                links.push(entity);
            }
            (
                ReleaseItem::Locales {
                    entity,
                    add,
                    remove,
                },
                PublishingMode::Locale,
            ) => {
                let mut seen = HashSet::new();
                for (key, set) in [("add", add), ("remove", remove)] {
                    let path = with(&at, json!([key]));
                    match set {
                        None => errors.push(error(
                            "required",
                            path,
                            format!("A locale-based item needs both add and remove; \"{key}\" is missing"),
                        )),
                        Some(set) => check_locale_set(set, &path, locales, &mut seen, &mut errors),
                    }
                }
                let missing: Vec<&str> = locales
                    .iter()
                    .filter(|l| !seen.contains(*l))
                    .map(String::as_str)
                    .collect();
                if add.is_some() && remove.is_some() && !missing.is_empty() {
                    errors.push(error(
                        "required",
                        with(&at, json!(["remove"])),
                        format!(
                            "Every locale must be in add or in remove exactly once; missing: {}",
                            missing.join(", ")
                        ),
                    ));
                }
                links.push(entity);
            }
            (ReleaseItem::Action { .. }, PublishingMode::Locale) => errors.push(error(
                "type",
                at,
                "This environment uses locale-based publishing: items are {entity, add, remove}",
            )),
            (ReleaseItem::Locales { .. }, PublishingMode::Entry) => errors.push(error(
                "type",
                at,
                "This environment uses entry-based publishing: items are {entity, action}",
            )),
            (ReleaseItem::Link(_), _) => errors.push(error(
                "type",
                at,
                "A Release.v2 (Timeline) release takes {entity, action} or {entity, add, remove} \
                 items, not plain links",
            )),
            (ReleaseItem::Unsupported(_), _) => errors.push(error(
                "type",
                at,
                "Not a Release.v2 item: expected {entity, action} or {entity, add, remove}",
            )),
        }
    }
    if errors.is_empty() {
        Ok(links)
    } else {
        Err(ApiErr::invalid_body(errors))
    }
}

/// Checks a v2 bulk body (§10.2): the action, the plain array of items, the limits, link types,
/// versions for publish, locale codes, and `add`/`remove` only where they mean something.
/// Returns the action.
pub fn check_bulk(
    payload: &BulkActionPayload,
    mode: PublishingMode,
    locales: &[String],
    max_items: usize,
) -> Result<ActionKind, ApiErr> {
    let action = match &payload.action {
        None => {
            return Err(ApiErr::invalid_body(vec![error(
                "any.required",
                json!(["action"]),
                "\"action\" is required",
            )]));
        }
        Some(a @ (ActionKind::Publish | ActionKind::Unpublish | ActionKind::Validate)) => a.clone(),
        Some(other) => {
            return Err(ApiErr::invalid_body(vec![error(
                "any.only",
                json!(["action"]),
                format!("\"action\" must be one of [publish, unpublish, validate], not '{other}'"),
            )]));
        }
    };
    let BulkEntities::V2(items) = &payload.entities else {
        return Err(ApiErr::invalid_body(vec![error(
            "array.base",
            json!(["entities"]),
            "\"entities\" must be an array of {entity, add?, remove?}",
        )]));
    };
    if items.is_empty() {
        return Err(ApiErr::invalid_body(vec![error(
            "array.min",
            json!(["entities"]),
            "\"entities\" must contain at least 1 item",
        )]));
    }
    if items.len() > max_items {
        return Err(ApiErr::invalid_body(vec![error(
            "array.max",
            json!(["entities"]),
            format!("\"entities\" must contain at most {max_items} items"),
        )]));
    }
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = json!(["entities", i]);
        if !matches!(item.entity.sys.link_type, LinkType::Entry | LinkType::Asset) {
            errors.push(error(
                "any.only",
                with(&at, json!(["entity", "sys", "linkType"])),
                format!("\"entities[{i}].entity.sys.linkType\" must be one of [Entry, Asset]"),
            ));
        }
        if action == ActionKind::Publish && item.entity.sys.version.is_none() {
            errors.push(error(
                "any.required",
                with(&at, json!(["entity", "sys", "version"])),
                format!("\"entities[{i}].entity.sys.version\" is required"),
            ));
        }
        let mut seen = HashSet::new();
        for (key, set) in [("add", &item.add), ("remove", &item.remove)] {
            let Some(set) = set else { continue };
            let path = with(&at, json!([key]));
            if action == ActionKind::Unpublish {
                errors.push(error(
                    "any.unknown",
                    path,
                    format!("\"{key}\" is not allowed when unpublishing: the whole entity is unpublished"),
                ));
                continue;
            }
            check_locale_set(set, &path, locales, &mut seen, &mut errors);
        }
        if action == ActionKind::Publish && item.add.is_none() && item.remove.is_none() {
            errors.push(error(
                "any.required",
                at.clone(),
                format!("\"entities[{i}]\" needs \"add\" or \"remove\" locales to publish"),
            ));
        }
        if mode == PublishingMode::Entry && !added(item).is_empty() && !removed(item).is_empty() {
            errors.push(error(
                "type",
                at,
                "This environment publishes whole entries: an item either adds (publishes) or \
                 removes (unpublishes), not both",
            ));
        }
    }
    if errors.is_empty() {
        Ok(action)
    } else {
        Err(ApiErr::invalid_body(errors))
    }
}

fn added(item: &BulkItemV2) -> &[String] {
    item.add
        .as_ref()
        .map(LocaleSet::locales)
        .unwrap_or_default()
}

fn removed(item: &BulkItemV2) -> &[String] {
    item.remove
        .as_ref()
        .map(LocaleSet::locales)
        .unwrap_or_default()
}

/// The steps of a v2 bulk action. `unpublish` unpublishes whole entities. Otherwise, with
/// locale-based publishing, only the listed locales change; with entry-based publishing
/// **\[I\]** an item with `add` locales publishes the whole entity, one with only `remove` unpublishes
/// it, and a validate item with neither is checked for publishing.
pub fn bulk_steps(payload: &BulkActionPayload, mode: PublishingMode) -> Vec<Step> {
    let BulkEntities::V2(items) = &payload.entities else {
        return Vec::new();
    };
    let action = payload.action.clone().unwrap_or(ActionKind::Publish);
    items
        .iter()
        .map(|item| {
            let effect = if action == ActionKind::Unpublish {
                Effect::Unpublish
            } else if mode == PublishingMode::Locale {
                Effect::Locales {
                    add: added(item).to_vec(),
                    remove: removed(item).to_vec(),
                }
            } else if added(item).is_empty() && item.remove.is_some() {
                Effect::Unpublish
            } else {
                Effect::Publish
            };
            Step {
                link: item.entity.clone(),
                effect,
            }
        })
        .collect()
}

/// The locales an entity's published snapshot covers now: none when it is not published;
/// otherwise every environment locale that `sys.fieldStatus` does not mark `draft` (see
/// [`super::entities::publish_locales`]).
pub fn published_locales(entity: &crate::cma::Entity, locales: &[String]) -> BTreeSet<String> {
    if entity.sys.published_version.is_none() {
        return BTreeSet::new();
    }
    let status = entity.sys.extra.get("fieldStatus").and_then(|s| s.get("*"));
    locales
        .iter()
        .filter(|l| status.and_then(|s| s.get(l.as_str())) != Some(&json!("draft")))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales() -> Vec<String> {
        vec!["en-US".into(), "de-DE".into()]
    }

    fn e1() -> Link {
        Link::new(LinkType::Entry, "e1")
    }

    fn paths(err: ApiErr) -> Vec<Value> {
        err.body
            .detail_errors()
            .iter()
            .map(|e| e["path"].clone())
            .collect()
    }

    #[test]
    fn a_locale_set_must_cover_every_locale_once() {
        let item = ReleaseItem::locales(
            e1(),
            LocaleSet::all_fields(["en-US"]),
            LocaleSet::all_fields(Vec::<String>::new()),
        );
        let err = release_links(&[item], PublishingMode::Locale, &locales()).unwrap_err();
        assert_eq!(paths(err), [json!(["entities", "items", 0, "remove"])]);
        let twice = ReleaseItem::locales(
            e1(),
            LocaleSet::all_fields(["en-US", "de-DE"]),
            LocaleSet::all_fields(["de-DE"]),
        );
        let err = release_links(&[twice], PublishingMode::Locale, &locales()).unwrap_err();
        assert_eq!(err.body.detail_errors()[0]["name"], "unique");
        let fine = ReleaseItem::locales(
            e1(),
            LocaleSet::all_fields(["en-US"]),
            LocaleSet::all_fields(["de-DE"]),
        );
        assert_eq!(
            release_links(&[fine], PublishingMode::Locale, &locales())
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn items_must_match_the_mode_and_the_schema() {
        let action = ReleaseItem::action(e1(), ItemAction::Publish);
        assert!(
            release_links(
                std::slice::from_ref(&action),
                PublishingMode::Entry,
                &locales()
            )
            .is_ok()
        );
        assert!(release_links(&[action], PublishingMode::Locale, &locales()).is_err());
        let link = ReleaseItem::Link(e1());
        assert!(release_links(&[link], PublishingMode::Entry, &locales()).is_err());
        let odd = ReleaseItem::action(e1(), ItemAction::Other("schedule".into()));
        let err = release_links(&[odd], PublishingMode::Entry, &locales()).unwrap_err();
        assert_eq!(paths(err), [json!(["entities", "items", 0, "action"])]);
    }

    #[test]
    fn bulk_items_are_checked_and_become_steps_by_mode() {
        let mut versioned = e1();
        versioned.sys.version = Some(3);
        let item = |add: Option<&[&str]>, remove: Option<&[&str]>| BulkItemV2 {
            entity: versioned.clone(),
            add: add.map(|l| LocaleSet::all_fields(l.iter().copied())),
            remove: remove.map(|l| LocaleSet::all_fields(l.iter().copied())),
        };
        let publish =
            BulkActionPayload::v2(ActionKind::Publish, vec![item(Some(&["de-DE"]), None)]);
        assert!(check_bulk(&publish, PublishingMode::Locale, &locales(), 200).is_ok());
        assert_eq!(
            bulk_steps(&publish, PublishingMode::Locale)[0].effect,
            Effect::Locales {
                add: vec!["de-DE".into()],
                remove: vec![]
            }
        );
        assert_eq!(
            bulk_steps(&publish, PublishingMode::Entry)[0].effect,
            Effect::Publish
        );
        let remove = BulkActionPayload::v2(ActionKind::Publish, vec![item(None, Some(&["en-US"]))]);
        assert_eq!(
            bulk_steps(&remove, PublishingMode::Entry)[0].effect,
            Effect::Unpublish
        );
        let unknown = BulkActionPayload::v2(ActionKind::Publish, vec![item(Some(&["xx"]), None)]);
        assert!(check_bulk(&unknown, PublishingMode::Locale, &locales(), 200).is_err());
        let unpublish =
            BulkActionPayload::v2(ActionKind::Unpublish, vec![item(Some(&["en-US"]), None)]);
        let err = check_bulk(&unpublish, PublishingMode::Locale, &locales(), 200).unwrap_err();
        assert_eq!(paths(err), [json!(["entities", 0, "add"])]);
        let mut unversioned = publish.clone();
        if let BulkEntities::V2(items) = &mut unversioned.entities {
            items[0].entity.sys.version = None;
        }
        let err = check_bulk(&unversioned, PublishingMode::Locale, &locales(), 200).unwrap_err();
        assert_eq!(
            paths(err),
            [json!(["entities", 0, "entity", "sys", "version"])]
        );
    }
}
