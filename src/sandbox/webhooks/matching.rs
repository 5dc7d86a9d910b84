//! Topic patterns and webhook filters: which definitions hear an event.

use super::*;

// ---- Matching -------------------------------------------------------------------------------

/// Does a definition's topic pattern list match? Patterns are `Type.action` with `*` for either
/// part (`*.*`, `Entry.*`, `*.publish`); comparison is exact and case-sensitive. A malformed
/// pattern (not exactly two non-empty parts, e.g. `Entry`, `*`, `ContentManagement.Entry.save`)
/// matches nothing.
pub fn topic_matches(patterns: &[String], topic: &Topic) -> bool {
    patterns.iter().any(|p| pattern_matches(p, topic))
}

fn pattern_matches(pattern: &str, topic: &Topic) -> bool {
    let mut parts = pattern.split('.');
    let (Some(entity_type), Some(action), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if entity_type.is_empty() || action.is_empty() {
        return false;
    }
    (entity_type == "*" || entity_type == topic.entity_type)
        && (action == "*" || action == topic.action)
}

/// Do all the definition's filters match the payload? (Filters are ANDed; none means yes.)
///
/// Filters are JSON (spec §6.1): `{"equals":[{"doc":"sys.id"},"x"]}`,
/// `{"in":[{"doc":…},[…]]}`, `{"regexp":[{"doc":…},{"pattern":"…"}]}` and `{"not":{…}}`, with
/// `doc` one of [`FILTER_DOCS`], read from the payload by dotted path. A filter on a property the
/// payload lacks (or holds as `null`) is false, and so is its negation: as Contentful documents,
/// such a filter mutes the webhook. An unknown or malformed filter, including an invalid regular
/// expression, is false the same way. This never panics.
pub fn filters_match(filters: &[Value], payload: &Value) -> bool {
    filters
        .iter()
        .all(|filter| eval_filter(filter, payload, 0) == Some(true))
}

/// `None`: malformed, or on a missing property.
fn eval_filter(filter: &Value, payload: &Value, depth: usize) -> Option<bool> {
    if depth > MAX_FILTER_DEPTH {
        return None;
    }
    let object = filter.as_object()?;
    if object.len() != 1 {
        return None;
    }
    let (operator, argument) = object.iter().next()?;
    match operator.as_str() {
        "not" => eval_filter(argument, payload, depth + 1).map(|b| !b),
        "equals" => {
            let (value, constant) = operands(argument, payload)?;
            Some(value == constant)
        }
        "in" => {
            let (value, constant) = operands(argument, payload)?;
            Some(constant.as_array()?.contains(value))
        }
        "regexp" => {
            let (value, constant) = operands(argument, payload)?;
            let object = constant.as_object()?;
            let pattern = object.get("pattern")?.as_str()?;
            let regex = regex::RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .ok()?;
            Some(regex.is_match(value.as_str()?))
        }
        _ => None,
    }
}

/// `[{"doc": path}, constant]` → (the payload's value at `path`, constant).
fn operands<'a>(argument: &'a Value, payload: &'a Value) -> Option<(&'a Value, &'a Value)> {
    let [doc, constant] = argument.as_array()?.as_slice() else {
        return None;
    };
    let doc = doc.as_object()?;
    if doc.len() != 1 {
        return None;
    }
    let path = doc.get("doc")?.as_str()?;
    if !FILTER_DOCS.contains(&path) {
        return None;
    }
    let value = path
        .split('.')
        .try_fold(payload, |value, key| value.as_object()?.get(key))?;
    if value.is_null() {
        return None;
    }
    Some((value, constant))
}

/// Is the definition active, and do its topics and filters match this event?
pub fn definition_matches(definition: &WebhookDefinition, event: &Event) -> bool {
    definition.active
        && topic_matches(&definition.topics, &event.topic)
        && filters_match(&definition.filters, &event.payload)
}
