//! "Review changes": what publishing a release changes in each entry, field by field and per
//! locale, as the current draft against the published version ([`diff_entry`],
//! [`release_changes`]). Text reads as text, references as link ids (the view names them by
//! title), and unchanged fields are left out; entries never published are marked new and those
//! the release unpublishes are marked so.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use crate::cma::{ContentType, Entity, Link, LinkType, Locale, Release};

use super::preflight::{Effect, plan};
use super::snapshot::entity_link;

/// How an entry changes when the release publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryChange {
    /// Never published: every field with a value is new.
    New,
    /// Published, and the draft differs in the fields listed.
    Changed,
    /// Published, and the draft is the same: publishing changes nothing.
    Unchanged,
    /// The release unpublishes it (a Timeline `unpublish` item, or every locale removed).
    Unpublished,
}

/// A field's value as the review shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffValue {
    /// Text, numbers, booleans, dates, lists of text, the text of a rich text document.
    Text(String),
    /// A reference, or a list of references (named by title in the view).
    Links(Vec<Link>),
    /// Anything else (locations, JSON objects), as compact JSON.
    Json(String),
}

/// One field in one locale whose value differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    /// The field id.
    pub field: String,
    /// The field's name in the content type (the id when unknown).
    pub name: String,
    /// The locale code.
    pub locale: String,
    /// The published value (`None`: none published).
    pub published: Option<DiffValue>,
    /// The draft's value (`None`: the draft has none).
    pub draft: Option<DiffValue>,
}

/// What publishing changes in one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDiff {
    /// The entry.
    pub link: Link,
    /// New, changed, unchanged or unpublished.
    pub change: EntryChange,
    /// The fields that differ, in content-type order, then locale order (empty when unchanged
    /// or unpublished).
    pub fields: Vec<FieldDiff>,
}

/// The diff of an entry's draft against its published version (`None`: never published), per
/// field and locale. `unpublishing` marks an entry the release unpublishes (no field diff).
pub fn diff_entry(
    draft: &Entity,
    published: Option<&Entity>,
    content_type: Option<&ContentType>,
    locales: &[Locale],
    unpublishing: bool,
) -> EntryDiff {
    let link = draft.link();
    if unpublishing {
        return EntryDiff {
            link,
            change: EntryChange::Unpublished,
            fields: Vec::new(),
        };
    }
    let mut field_ids: Vec<String> = content_type
        .map(|ct| ct.fields.iter().map(|f| f.id.clone()).collect())
        .unwrap_or_default();
    let extra: BTreeSet<&String> = draft
        .fields
        .keys()
        .chain(published.map(|p| p.fields.keys()).into_iter().flatten())
        .filter(|id| !field_ids.contains(id))
        .collect();
    field_ids.extend(extra.into_iter().cloned());
    let mut fields = Vec::new();
    for id in &field_ids {
        let name = content_type
            .and_then(|ct| ct.field(id))
            .map_or_else(|| id.clone(), |f| f.name.clone());
        for locale in locale_order(id, draft, published, locales) {
            let before = published.and_then(|p| present(p.field(id, &locale)));
            let after = present(draft.field(id, &locale));
            if before == after {
                continue;
            }
            fields.push(FieldDiff {
                field: id.clone(),
                name: name.clone(),
                locale,
                published: before.map(diff_value),
                draft: after.map(diff_value),
            });
        }
    }
    let change = match (published, fields.is_empty()) {
        (None, _) => EntryChange::New,
        (Some(_), true) => EntryChange::Unchanged,
        (Some(_), false) => EntryChange::Changed,
    };
    EntryDiff {
        link,
        change,
        fields,
    }
}

/// The diffs of every entry of `release`, in item order: `drafts` are the entries as they are,
/// `published` their published versions (`GET …/public/entries`; an entry absent there was
/// never published). Entries not among `drafts` (deleted) and assets are left out.
pub fn release_changes(
    release: &Release,
    drafts: &[Entity],
    published: &[Entity],
    content_types: &HashMap<String, ContentType>,
    locales: &[Locale],
) -> Vec<EntryDiff> {
    let drafts: HashMap<&str, &Entity> = drafts.iter().map(|e| (e.sys.id.as_str(), e)).collect();
    let published: HashMap<&str, &Entity> =
        published.iter().map(|e| (e.sys.id.as_str(), e)).collect();
    let codes: Vec<String> = locales.iter().map(|l| l.code.clone()).collect();
    plan(release)
        .into_iter()
        .filter(|item| *item.link.link_type() == LinkType::Entry)
        .filter_map(|item| {
            let draft = *drafts.get(item.link.id())?;
            let before = published.get(item.link.id()).copied();
            let unpublishing = match &item.effect {
                Effect::Unpublish => true,
                Effect::Locales { add, remove } => {
                    add.is_empty() && codes.iter().all(|c| remove.contains(c))
                }
                Effect::Publish => false,
            };
            let content_type = draft
                .sys
                .content_type
                .as_ref()
                .and_then(|ct| content_types.get(ct.id()));
            Some(diff_entry(
                draft,
                before,
                content_type,
                locales,
                unpublishing,
            ))
        })
        .collect()
}

/// The environment's locales, then any other locale either version has a value in, by code.
fn locale_order(
    id: &str,
    draft: &Entity,
    published: Option<&Entity>,
    locales: &[Locale],
) -> Vec<String> {
    let mut order: Vec<String> = locales.iter().map(|l| l.code.clone()).collect();
    let others: BTreeSet<String> = [Some(draft), published]
        .into_iter()
        .flatten()
        .filter_map(|e| e.fields.get(id).and_then(Value::as_object))
        .flat_map(|m| m.keys().cloned())
        .filter(|code| !order.contains(code))
        .collect();
    order.extend(others);
    order
}

/// A value that counts as present: not absent, `null`, `""` or `[]`.
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    })
}

/// A value as the review shows it.
pub fn diff_value(value: &Value) -> DiffValue {
    if let Some(link) = entity_link(value) {
        return DiffValue::Links(vec![link]);
    }
    match value {
        Value::String(s) => DiffValue::Text(s.clone()),
        Value::Number(n) => DiffValue::Text(n.to_string()),
        Value::Bool(b) => DiffValue::Text(b.to_string()),
        Value::Array(items) => {
            let links: Option<Vec<Link>> = items.iter().map(entity_link).collect();
            if let Some(links) = links {
                return DiffValue::Links(links);
            }
            let texts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            match texts {
                Some(texts) => DiffValue::Text(texts.join(", ")),
                None => DiffValue::Json(value.to_string()),
            }
        }
        Value::Object(map) if map.get("nodeType").and_then(Value::as_str) == Some("document") => {
            let mut text = String::new();
            rich_text(value, &mut text);
            DiffValue::Text(text.trim_end().to_owned())
        }
        other => DiffValue::Json(other.to_string()),
    }
}

/// The text of a rich text node: text nodes' values, blocks ended by a line break.
fn rich_text(node: &Value, out: &mut String) {
    if let Some(text) = node.get("value").and_then(Value::as_str) {
        out.push_str(text);
    }
    if let Some(children) = node.get("content").and_then(Value::as_array) {
        for child in children {
            rich_text(child, out);
        }
        let block = node
            .get("nodeType")
            .and_then(Value::as_str)
            .is_some_and(|t| t == "paragraph" || t.starts_with("heading") || t == "list-item");
        if block {
            out.push('\n');
        }
    }
}
