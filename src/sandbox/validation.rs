//! Publish validation of entries and assets against their content types: the pure checks the
//! sandbox runs before it publishes anything (spec §5 "Publish validation errors").
//!
//! This module owns the rules and the error JSON they produce; it does no I/O. The sandbox asks
//! it about one entity at a time, through [`validate_for_publish`], and answers its questions
//! about the rest of the space (content types, link targets) through the [`Space`] trait. A
//! release or bulk action wraps each `Err` in an [`EntityError`](crate::cma::EntityError).
//!
//! # Result shape
//! - Field problems give an [`ErrorBody`] with id `InvalidEntry`, message `"Validation error"` and
//!   `details.errors` = [`FieldError`]s (`name`, `path`, `details`, `value`, `customMessage`, and
//!   `min`/`max`/`expected`/`contentTypeId`/`mimetypeGroupName`/`type` as Contentful sends them).
//! - When the only problems are unresolved links, the id is `UnresolvedLinks` and every item is a
//!   `notResolvable` error carrying `link: {type, linkType, id}`.
//! - With both kinds, the id is `InvalidEntry` and all items are listed together.
//! - Order is deterministic: content-type field order (fields unknown to the content type come
//!   last, by id), then locale order (the environment's locale list, then unknown locale codes by
//!   code), then array index; within one value, the field's validations in declaration order and
//!   the link check last.
//!
//! # Rules (entries)
//! - Locales: the default locale is the one marked `default` (else the first, else `en-US`).
//!   A non-localized field is read in the default locale only; a localized one in every locale.
//! - `required`: the value must be present and non-empty (not `null`, `""` or `[]`) in the default
//!   locale and, for localized fields, in every locale that is not `optional`. Path
//!   `["fields", id, locale]`, details `The property "<id>" is required here`.
//! - Empty values (`null`, `""`, `[]`) count as absent: only `required` applies to them.
//! - `type`: a value whose JSON type does not fit the field (a number in a Symbol, a fractional
//!   number in an Integer, a malformed link or a link of the wrong link type, …) gives one `type`
//!   error (with `type` = the expected field type and `value`), and nothing else is checked on it.
//!   Symbols longer than 256 characters and Texts longer than 50,000 are `type` errors too.
//! - `size`: characters of a Symbol/Text (Unicode scalar values), items of an Array (`min`, `max`).
//! - `range`: Integer/Number bounds, inclusive (`min`, `max`).
//! - `regexp` / `prohibitRegexp`: the JavaScript pattern is translated (see [`js_regex`]); one that
//!   cannot be translated or compiled is skipped without an error.
//! - `in`: the value must equal one of the listed values (`expected`); numbers compare by value.
//! - Arrays: the field's validations apply to the array (`size` counts items) and `items`'
//!   validations to each item, with the index in the path: `["fields","related","en-US",2]`.
//! - Links (single or in arrays): `linkContentType` (entries; `contentTypeId` lists the allowed
//!   ids) and `linkMimetypeGroup` (assets; the group of the file's MIME type, see
//!   [`mimetype_group`]) are checked whenever the target exists. The link itself must resolve:
//!   a missing or archived target, or one that is neither published (published or changed) nor
//!   in [`Options::publishing`], gives `notResolvable`. A link to the entity being validated
//!   always resolves (it is being published).
//! - A field in the entry but not in the content type gives `unknown` at `["fields", id]`; a value
//!   of a non-localized field in another locale, or in a locale the environment does not have,
//!   gives `unknown` at `["fields", id, locale]` (not checked when the locale list is empty).
//!   Disabled and omitted fields are validated like any other.
//! - An entry without a content type, or whose content type does not exist, fails with one
//!   `InvalidEntry` error at `["sys","contentType"]` (`required` or `unknown`).
//! - Not checked: `unique`, `dateRange`, `assetFileSize`, `assetImageDimensions`, the format of
//!   Date strings and the shape of RichText documents.
//!
//! # Rules (assets)
//! An asset has no content type. It is valid when `file` holds an object in the default locale;
//! otherwise `required` (or `type`) at `["fields","file",<default locale>]`.

use std::collections::{HashMap, HashSet};

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value, json};

use crate::cma::{
    ContentType, ContentTypeField, Entity, EntityState, ErrorBody, ErrorId, FieldError, FieldType,
    LinkType, Locale, MinMax, Pattern, Validation,
};

/// The default locale used when the environment's locale list is empty.
pub const FALLBACK_LOCALE: &str = "en-US";
/// Contentful's built-in length limit of a Symbol value, in characters.
pub const SYMBOL_MAX_CHARS: usize = 256;
/// Contentful's built-in length limit of a Text value, in characters.
pub const TEXT_MAX_CHARS: usize = 50_000;

/// What the validator may ask about the rest of the space.
pub trait Space {
    /// The content type with this id, if it exists.
    fn content_type(&self, id: &str) -> Option<&ContentType>;
    /// The current state of a link target: `None` if it does not exist.
    fn target(&self, link_type: &LinkType, id: &str) -> Option<Target>;
}

/// The state of a link target, as far as validation needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// Published or changed (it has a published version).
    pub published: bool,
    /// Archived.
    pub archived: bool,
    /// For entries: the content type id.
    pub content_type: Option<String>,
    /// For assets: `fields.file.<default locale>.contentType`.
    pub mime_type: Option<String>,
}

impl Target {
    /// The target state of an existing entry or asset, reading an asset's MIME type in
    /// `default_locale`.
    pub fn from_entity(entity: &Entity, default_locale: &str) -> Self {
        let state = entity.state();
        Self {
            published: matches!(state, EntityState::Published | EntityState::Changed),
            archived: state == EntityState::Archived,
            content_type: entity.sys.content_type.as_ref().map(|l| l.id().to_owned()),
            mime_type: entity
                .field("file", default_locale)
                .and_then(|file| file.get("contentType"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}

/// The context of one validation run.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The environment's locales, in display order.
    pub locales: &'a [Locale],
    /// Targets that count as resolvable because the same release or bulk action publishes them.
    pub publishing: &'a HashSet<(LinkType, String)>,
}

impl<'a> Options<'a> {
    /// Options over these locales and this set of entities being published together.
    pub fn new(locales: &'a [Locale], publishing: &'a HashSet<(LinkType, String)>) -> Self {
        Self {
            locales,
            publishing,
        }
    }

    /// The default locale: the one marked `default`, else the first, else [`FALLBACK_LOCALE`].
    pub fn default_locale(&self) -> &'a str {
        default_locale(self.locales)
    }
}

/// The default locale of a locale list: the one marked `default`, else the first, else
/// [`FALLBACK_LOCALE`].
pub fn default_locale(locales: &[Locale]) -> &str {
    locales
        .iter()
        .find(|l| l.default)
        .or_else(|| locales.first())
        .map_or(FALLBACK_LOCALE, |l| l.code.as_str())
}

/// Validates one entry or asset for publishing.
///
/// Returns `Ok(())` when it may be published, or the per-entity error: `InvalidEntry` with every
/// field error (and any `notResolvable` items), or `UnresolvedLinks` when unresolved links are
/// the only problem. See the module documentation for the rules. Never panics, whatever the JSON.
#[allow(
    clippy::result_large_err,
    reason = "the per-entity ErrorBody is the result: callers move it into an EntityError"
)]
pub fn validate_for_publish(
    entity: &Entity,
    space: &dyn Space,
    options: &Options,
) -> Result<(), ErrorBody> {
    let mut validator = Validator::new(entity, space, options);
    if entity.sys.type_ == "Asset" && entity.sys.content_type.is_none() {
        validator.validate_asset();
    } else {
        validator.validate_entry();
    }
    validator.finish()
}

/// The Contentful MIME type group of a MIME type (`image/png` → `image`, `application/pdf` →
/// `pdfdocument`, …); `attachment` when it fits no other group.
pub fn mimetype_group(mime_type: &str) -> &'static str {
    let essence = mime_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let (top, sub) = essence.split_once('/').unwrap_or((essence.as_str(), ""));
    match top {
        "image" => return "image",
        "audio" => return "audio",
        "video" => return "video",
        _ => {}
    }
    match essence.as_str() {
        "application/pdf" => "pdfdocument",
        "text/plain" => "plaintext",
        "application/rtf"
        | "application/x-rtf"
        | "text/rtf"
        | "text/richtext"
        | "application/msword"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.oasis.opendocument.text"
        | "application/vnd.apple.pages" => "richtext",
        "application/vnd.ms-powerpoint"
        | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        | "application/vnd.oasis.opendocument.presentation"
        | "application/vnd.apple.keynote" => "presentation",
        "application/vnd.ms-excel"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.oasis.opendocument.spreadsheet"
        | "application/vnd.apple.numbers"
        | "text/csv" => "spreadsheet",
        "application/zip"
        | "application/x-zip-compressed"
        | "application/x-rar-compressed"
        | "application/vnd.rar"
        | "application/x-tar"
        | "application/gzip"
        | "application/x-gzip"
        | "application/x-bzip2"
        | "application/x-7z-compressed" => "archive",
        "text/html"
        | "application/xhtml+xml"
        | "application/xml"
        | "text/xml"
        | "text/markdown" => "markup",
        "application/json"
        | "application/javascript"
        | "application/x-javascript"
        | "text/javascript"
        | "text/css"
        | "application/x-sh"
        | "text/x-python"
        | "text/x-c"
        | "text/x-java-source" => "code",
        _ if top == "text" && sub.starts_with("x-") => "code",
        _ => "attachment",
    }
}

/// Translates a JavaScript regular expression (source and flags) into a Rust [`Regex`] that
/// `test()`s the same strings, or `None` when it cannot be checked.
///
/// Flags: `i`, `m`, `s` map to `(?i)`, `(?m)`, `(?s)`; `y` (sticky, from index 0) anchors the
/// match at the start; `g` and `u` change nothing for a single test. Any other flag makes the
/// pattern invalid, as in JavaScript. `\d`, `\w`, `\b` (and their negations) keep their ASCII
/// meaning. Patterns Rust's engine does not support (look-around, back-references) give `None`.
pub fn js_regex(pattern: &Pattern) -> Option<Regex> {
    let flags = pattern.flags.as_deref().unwrap_or_default();
    let mut prefix = String::new();
    let mut sticky = false;
    let mut seen = HashSet::new();
    for flag in flags.chars() {
        if !seen.insert(flag) {
            return None;
        }
        match flag {
            'i' | 'm' | 's' => prefix.push(flag),
            'y' => sticky = true,
            'g' | 'u' | 'd' => {}
            _ => return None,
        }
    }
    let body = translate_js_source(&pattern.pattern);
    let mut source = String::new();
    if !prefix.is_empty() {
        source.push_str("(?");
        source.push_str(&prefix);
        source.push(')');
    }
    if sticky {
        source.push_str(r"\A(?:");
        source.push_str(&body);
        source.push(')');
    } else {
        source.push_str(&body);
    }
    RegexBuilder::new(&source)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .ok()
}

/// Rewrites the JavaScript escapes whose meaning differs in Rust's `regex` (Unicode-aware there,
/// ASCII in JavaScript). The replacements are bracketed classes, which Rust also accepts nested
/// inside a class.
fn translate_js_source(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 8);
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('W') => out.push_str("[^0-9A-Za-z_]"),
            Some('b') => out.push_str(r"(?-u:\b)"),
            Some('B') => out.push_str(r"(?-u:\B)"),
            Some('/') => out.push('/'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Accumulates the errors of one entity.
struct Validator<'a> {
    entity: &'a Entity,
    space: &'a dyn Space,
    options: &'a Options<'a>,
    default_locale: &'a str,
    errors: Vec<FieldError>,
    regex_cache: HashMap<(String, Option<String>), Option<Regex>>,
}

impl<'a> Validator<'a> {
    fn new(entity: &'a Entity, space: &'a dyn Space, options: &'a Options<'a>) -> Self {
        Self {
            entity,
            space,
            options,
            default_locale: options.default_locale(),
            errors: Vec::new(),
            regex_cache: HashMap::new(),
        }
    }

    /// The locales to walk, in order: the environment's, or the fallback alone.
    fn locale_codes(&self) -> Vec<&'a str> {
        if self.options.locales.is_empty() {
            vec![self.default_locale]
        } else {
            self.options
                .locales
                .iter()
                .map(|l| l.code.as_str())
                .collect()
        }
    }

    fn locale_optional(&self, code: &str) -> bool {
        code != self.default_locale
            && self
                .options
                .locales
                .iter()
                .any(|l| l.code == code && l.optional)
    }

    #[allow(clippy::result_large_err, reason = "see validate_for_publish")]
    fn finish(self) -> Result<(), ErrorBody> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let only_links = self.errors.iter().all(|e| e.name == "notResolvable");
        let id = if only_links {
            ErrorId::UnresolvedLinks
        } else {
            ErrorId::InvalidEntry
        };
        let items: Vec<Value> = self
            .errors
            .iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect();
        Err(ErrorBody::new(id, "Validation error").with_details(json!({ "errors": items })))
    }

    fn push(&mut self, name: &str, path: Vec<Value>, details: String) -> &mut FieldError {
        self.errors.push(field_error(name, &path, details));
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    fn validate_asset(&mut self) {
        let locale = self.default_locale;
        let path = field_path("file", locale, None);
        match self.entity.field("file", locale) {
            None | Some(Value::Null) => {
                self.push("required", path, required_details("file"));
            }
            Some(Value::Object(_)) => {}
            Some(other) => {
                let value = other.clone();
                let error = self.push(
                    "type",
                    path,
                    "The property \"file\" must be an object describing the asset's file."
                        .to_owned(),
                );
                error.value = Some(value);
                error.extra.insert("type".to_owned(), json!("Object"));
            }
        }
    }

    fn validate_entry(&mut self) {
        let Some(ct_link) = self.entity.sys.content_type.as_ref() else {
            self.push(
                "required",
                vec![json!("sys"), json!("contentType")],
                "The entry has no content type.".to_owned(),
            );
            return;
        };
        let Some(content_type) = self.space.content_type(ct_link.id()) else {
            let value = serde_json::to_value(ct_link).ok();
            let error = self.push(
                "unknown",
                vec![json!("sys"), json!("contentType")],
                format!("The content type \"{}\" does not exist.", ct_link.id()),
            );
            error.value = value;
            return;
        };
        for field in &content_type.fields {
            self.validate_field(field);
        }
        let entity = self.entity;
        let mut unknown: Vec<&String> = entity
            .fields
            .iter()
            .filter(|(id, per_locale)| content_type.field(id).is_none() && !all_null(per_locale))
            .map(|(id, _)| id)
            .collect();
        unknown.sort();
        for id in unknown {
            self.push(
                "unknown",
                vec![json!("fields"), json!(id)],
                format!(
                    "The property \"{id}\" is not a field of content type \"{}\".",
                    content_type.sys.id
                ),
            );
        }
    }

    fn validate_field(&mut self, field: &ContentTypeField) {
        let entity = self.entity;
        let per_locale = match entity.fields.get(&field.id) {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                let value = other.clone();
                let error = self.push(
                    "type",
                    vec![json!("fields"), json!(field.id)],
                    format!(
                        "The property \"{}\" must be an object keyed by locale code.",
                        field.id
                    ),
                );
                error.value = Some(value);
                error.extra.insert("type".to_owned(), json!("Object"));
                return;
            }
        };
        let codes = self.locale_codes();
        for &code in &codes {
            let value = per_locale.and_then(|m| m.get(code));
            let applies = field.localized || code == self.default_locale;
            if applies {
                let required = field.required && !self.locale_optional(code);
                self.validate_value(field, code, value, required);
            } else if value.is_some_and(|v| !v.is_null()) {
                self.push(
                    "unknown",
                    field_path(&field.id, code, None),
                    format!(
                        "The property \"{}\" is not localized and should not have a value in \"{code}\".",
                        field.id
                    ),
                );
            }
        }
        // Without a locale list there is nothing to compare other locale codes with.
        let Some(per_locale) = per_locale.filter(|_| !self.options.locales.is_empty()) else {
            return;
        };
        let mut strangers: Vec<&String> = per_locale
            .iter()
            .filter(|(code, value)| !value.is_null() && !codes.contains(&code.as_str()))
            .map(|(code, _)| code)
            .collect();
        strangers.sort();
        for code in strangers {
            self.push(
                "unknown",
                field_path(&field.id, code, None),
                format!(
                    "The property \"{}\" has a value in \"{code}\", which is not a locale of this environment.",
                    field.id
                ),
            );
        }
    }

    /// One field in one locale.
    fn validate_value(
        &mut self,
        field: &ContentTypeField,
        locale: &str,
        value: Option<&Value>,
        required: bool,
    ) {
        let path = field_path(&field.id, locale, None);
        let Some(value) = value.filter(|v| !v.is_null()) else {
            if required {
                self.push("required", path, required_details(&field.id));
            }
            return;
        };
        if !self.check_type(
            &field.id,
            &field.type_,
            field.link_type.as_deref(),
            value,
            &path,
        ) {
            return;
        }
        if is_empty(value) {
            if required {
                self.push("required", path, required_details(&field.id));
            }
            return;
        }
        self.check_value(&field.id, &field.validations, value, &path);
        if field.type_ != FieldType::Array {
            return;
        }
        let (Some(items), Some(list)) = (field.items.as_ref(), value.as_array()) else {
            return;
        };
        for (index, item) in list.iter().enumerate() {
            let item_path = field_path(&field.id, locale, Some(index));
            if self.check_type(
                &field.id,
                &items.type_,
                items.link_type.as_deref(),
                item,
                &item_path,
            ) {
                self.check_value(&field.id, &items.validations, item, &item_path);
            }
        }
    }

    /// Checks the JSON type of a value (or an array item); pushes a `type` error and returns
    /// false when it does not fit.
    fn check_type(
        &mut self,
        field_id: &str,
        type_: &FieldType,
        link_type: Option<&str>,
        value: &Value,
        path: &[Value],
    ) -> bool {
        let Some(problem) = type_problem(type_, link_type, value) else {
            return true;
        };
        let error = self.push(
            "type",
            path.to_vec(),
            format!("The value of \"{field_id}\" {problem}."),
        );
        error.value = Some(value.clone());
        error.extra.insert("type".to_owned(), json!(type_.as_str()));
        false
    }

    /// Applies validations to a value of the right type, then (for links) checks resolution.
    fn check_value(
        &mut self,
        field_id: &str,
        validations: &[Validation],
        value: &Value,
        path: &[Value],
    ) {
        let link = parse_link(value);
        let target = link
            .as_ref()
            .and_then(|(link_type, id)| self.space.target(link_type, id));
        for validation in validations {
            self.apply(
                field_id,
                validation,
                value,
                link.as_ref(),
                target.as_ref(),
                path,
            );
        }
        if let Some((link_type, id)) = link {
            self.check_resolvable(&link_type, id, target.as_ref(), path);
        }
    }

    fn check_resolvable(
        &mut self,
        link_type: &LinkType,
        id: &str,
        target: Option<&Target>,
        path: &[Value],
    ) {
        let noun = link_noun(link_type);
        let is_self = *link_type == self.entity.link().sys.link_type && id == self.entity.sys.id;
        let problem = match target {
            None => Some(format!("The linked {noun} \"{id}\" does not exist.")),
            Some(t) if t.archived => Some(format!("The linked {noun} \"{id}\" is archived.")),
            Some(t)
                if !t.published
                    && !is_self
                    && !self
                        .options
                        .publishing
                        .contains(&(link_type.clone(), id.to_owned())) =>
            {
                Some(format!(
                    "The linked {noun} \"{id}\" is not published and is not being published with this one."
                ))
            }
            Some(_) => None,
        };
        if let Some(details) = problem {
            let error = self.push("notResolvable", path.to_vec(), details);
            error.link = Some(json!({"type": "Link", "linkType": link_type.as_str(), "id": id}));
        }
    }

    /// One validation object; every rule it holds is checked, in the struct's order.
    fn apply(
        &mut self,
        field_id: &str,
        validation: &Validation,
        value: &Value,
        link: Option<&(LinkType, &str)>,
        target: Option<&Target>,
        path: &[Value],
    ) {
        let custom = validation.message.clone();
        let mut found: Vec<FieldError> = Vec::new();

        if let (Some(allowed), Some((LinkType::Entry, id)), Some(target)) =
            (validation.link_content_type.as_ref(), link, target)
            && let Some(ct) = target.content_type.as_deref()
            && !allowed.iter().any(|a| a == ct)
        {
            let mut error = field_error(
                "linkContentType",
                path,
                format!(
                    "The linked entry \"{id}\" has content type \"{ct}\", but \"{field_id}\" only accepts {}.",
                    join_quoted(allowed)
                ),
            );
            error.value = Some(value.clone());
            error
                .extra
                .insert("contentTypeId".to_owned(), json!(allowed));
            found.push(error);
        }

        if let Some(expected) = validation.in_.as_ref()
            && is_scalar(value)
            && !expected.iter().any(|e| json_eq(e, value))
        {
            let mut error = field_error(
                "in",
                path,
                format!(
                    "The value {} of \"{field_id}\" is not one of the allowed values: {}.",
                    value,
                    expected
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            error.value = Some(value.clone());
            error.extra.insert("expected".to_owned(), json!(expected));
            found.push(error);
        }

        if let Some(size) = validation.size.as_ref() {
            let measured = match value {
                Value::String(s) => Some((s.chars().count(), "characters")),
                Value::Array(a) => Some((a.len(), "items")),
                _ => None,
            };
            if let Some((count, unit)) = measured
                && !within(size, count as f64)
            {
                let mut error = field_error(
                    "size",
                    path,
                    format!(
                        "\"{field_id}\" must have {} {unit}; it has {count}.",
                        bounds_text(size)
                    ),
                );
                error.value = Some(value.clone());
                insert_bounds(&mut error, size);
                found.push(error);
            }
        }

        if let Some(range) = validation.range.as_ref()
            && let Some(number) = value.as_f64()
            && !within(range, number)
        {
            let mut error = field_error(
                "range",
                path,
                format!(
                    "\"{field_id}\" must be {}; it is {}.",
                    bounds_text(range),
                    value
                ),
            );
            error.value = Some(value.clone());
            insert_bounds(&mut error, range);
            found.push(error);
        }

        if let (Some(pattern), Some(text)) = (validation.regexp.as_ref(), value.as_str())
            && let Some(regex) = self.regex(pattern)
            && !regex.is_match(text)
        {
            let mut error = field_error(
                "regexp",
                path,
                format!(
                    "The value of \"{field_id}\" does not match the pattern /{}/{}.",
                    pattern.pattern,
                    pattern.flags.as_deref().unwrap_or_default()
                ),
            );
            error.value = Some(value.clone());
            found.push(error);
        }

        if let (Some(pattern), Some(text)) = (validation.prohibit_regexp.as_ref(), value.as_str())
            && let Some(regex) = self.regex(pattern)
            && regex.is_match(text)
        {
            let mut error = field_error(
                "prohibitRegexp",
                path,
                format!(
                    "The value of \"{field_id}\" matches the prohibited pattern /{}/{}.",
                    pattern.pattern,
                    pattern.flags.as_deref().unwrap_or_default()
                ),
            );
            error.value = Some(value.clone());
            found.push(error);
        }

        if let (Some(groups), Some((LinkType::Asset, id)), Some(target)) =
            (validation.link_mimetype_group.as_ref(), link, target)
        {
            let group = target.mime_type.as_deref().map(mimetype_group);
            if !group.is_some_and(|g| groups.iter().any(|a| a == g)) {
                let actual = match (target.mime_type.as_deref(), group) {
                    (Some(mime), Some(group)) => format!("a {mime} file (group \"{group}\")"),
                    _ => "no file type".to_owned(),
                };
                let mut error = field_error(
                    "linkMimetypeGroup",
                    path,
                    format!(
                        "The linked asset \"{id}\" has {actual}, but \"{field_id}\" only accepts {}.",
                        join_quoted(groups)
                    ),
                );
                error.value = Some(value.clone());
                error
                    .extra
                    .insert("mimetypeGroupName".to_owned(), json!(groups));
                found.push(error);
            }
        }

        for mut error in found {
            error.custom_message.clone_from(&custom);
            self.errors.push(error);
        }
    }

    fn regex(&mut self, pattern: &Pattern) -> Option<Regex> {
        self.regex_cache
            .entry((pattern.pattern.clone(), pattern.flags.clone()))
            .or_insert_with(|| js_regex(pattern))
            .clone()
    }
}

fn field_error(name: &str, path: &[Value], details: String) -> FieldError {
    FieldError {
        name: name.to_owned(),
        path: path.to_vec(),
        details: Some(details),
        value: None,
        link: None,
        custom_message: None,
        extra: Map::new(),
    }
}

fn field_path(field_id: &str, locale: &str, index: Option<usize>) -> Vec<Value> {
    let mut path = vec![json!("fields"), json!(field_id), json!(locale)];
    if let Some(index) = index {
        path.push(json!(index));
    }
    path
}

fn required_details(field_id: &str) -> String {
    format!("The property \"{field_id}\" is required here")
}

fn all_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.values().all(Value::is_null),
        _ => false,
    }
}

/// `""` and `[]` count as no value.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn within(bounds: &MinMax, n: f64) -> bool {
    bounds.min_f64().is_none_or(|min| n >= min) && bounds.max_f64().is_none_or(|max| n <= max)
}

fn bounds_text(bounds: &MinMax) -> String {
    match (&bounds.min, &bounds.max) {
        (Some(min), Some(max)) => format!("between {min} and {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => "any number of".to_owned(),
    }
}

/// Copies the bounds into the error as `min`/`max`, exactly as the content type wrote them.
fn insert_bounds(error: &mut FieldError, bounds: &MinMax) {
    if let Some(min) = &bounds.min {
        error
            .extra
            .insert("min".to_owned(), Value::Number(min.clone()));
    }
    if let Some(max) = &bounds.max {
        error
            .extra
            .insert("max".to_owned(), Value::Number(max.clone()));
    }
}

fn join_quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn link_noun(link_type: &LinkType) -> &str {
    match link_type {
        LinkType::Entry => "entry",
        LinkType::Asset => "asset",
        other => other.as_str(),
    }
}

/// `{"sys":{"type":"Link","linkType":…,"id":…}}` → (link type, id).
fn parse_link(value: &Value) -> Option<(LinkType, &str)> {
    let sys = value.get("sys")?;
    if sys.get("type")?.as_str()? != "Link" {
        return None;
    }
    let link_type = LinkType::from(sys.get("linkType")?.as_str()?);
    let id = sys.get("id")?.as_str()?;
    Some((link_type, id))
}

/// Why a value does not fit a field type ("must be a string", …), or `None` when it fits.
fn type_problem(type_: &FieldType, link_type: Option<&str>, value: &Value) -> Option<String> {
    let text_limit = |max: usize| -> Option<String> {
        match value {
            Value::String(s) => {
                let n = s.chars().count();
                (n > max).then(|| format!("is {n} characters long; a {type_} holds at most {max}"))
            }
            _ => Some("must be a string".to_owned()),
        }
    };
    match type_ {
        FieldType::Symbol => text_limit(SYMBOL_MAX_CHARS),
        FieldType::Text => text_limit(TEXT_MAX_CHARS),
        FieldType::Date => (!value.is_string()).then(|| "must be a date string".to_owned()),
        FieldType::Integer => {
            let whole = value.as_i64().is_some()
                || value.as_u64().is_some()
                || value
                    .as_f64()
                    .is_some_and(|f| f.is_finite() && f.fract() == 0.0);
            (!whole).then(|| "must be a whole number".to_owned())
        }
        FieldType::Number => (!value.is_number()).then(|| "must be a number".to_owned()),
        FieldType::Boolean => (!value.is_boolean()).then(|| "must be true or false".to_owned()),
        FieldType::Object => {
            (!(value.is_object() || value.is_array())).then(|| "must be a JSON object".to_owned())
        }
        FieldType::RichText => {
            (!value.is_object()).then(|| "must be a rich text document".to_owned())
        }
        FieldType::Location => {
            let ok = value.get("lat").is_some_and(Value::is_number)
                && value.get("lon").is_some_and(Value::is_number);
            (!ok).then(|| "must be a location {lat, lon}".to_owned())
        }
        FieldType::Array => (!value.is_array()).then(|| "must be a list".to_owned()),
        FieldType::Link => match parse_link(value) {
            None => {
                Some("must be a link {\"sys\":{\"type\":\"Link\",\"linkType\",\"id\"}}".to_owned())
            }
            Some((actual, _)) => match link_type {
                Some(expected) if actual.as_str() != expected => Some(format!(
                    "must be a link of type {expected}, not {}",
                    actual.as_str()
                )),
                _ => None,
            },
        },
        FieldType::Other(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A space in memory: content types and entities by link.
    #[derive(Default)]
    struct TestSpace {
        content_types: HashMap<String, ContentType>,
        entities: HashMap<(LinkType, String), Entity>,
        default_locale: String,
    }

    impl Space for TestSpace {
        fn content_type(&self, id: &str) -> Option<&ContentType> {
            self.content_types.get(id)
        }

        fn target(&self, link_type: &LinkType, id: &str) -> Option<Target> {
            self.entities
                .get(&(link_type.clone(), id.to_owned()))
                .map(|e| Target::from_entity(e, &self.default_locale))
        }
    }

    impl TestSpace {
        fn add(&mut self, entity: Entity) {
            let link = entity.link();
            self.entities
                .insert((link.sys.link_type, link.sys.id), entity);
        }

        fn get(&self, link_type: LinkType, id: &str) -> &Entity {
            self.entities
                .get(&(link_type, id.to_owned()))
                .unwrap_or_else(|| panic!("no entity {id}"))
        }
    }

    /// An entity in `state` (`draft`, `published`, `changed`, `archived`).
    fn entity(
        kind: &str,
        id: &str,
        content_type: Option<&str>,
        state: &str,
        fields: Value,
    ) -> Entity {
        let (version, published, archived) = match state {
            "published" => (2, Some(1), None),
            "changed" => (3, Some(1), None),
            "archived" => (2, None, Some(1)),
            _ => (1, None, None),
        };
        let mut sys = json!({"type": kind, "id": id, "version": version,
            "publishedVersion": published, "archivedVersion": archived});
        if let Some(ct) = content_type {
            sys["contentType"] =
                json!({"sys": {"type": "Link", "linkType": "ContentType", "id": ct}});
        }
        if published.is_none() {
            sys.as_object_mut().unwrap().remove("publishedVersion");
        }
        serde_json::from_value(json!({"sys": sys, "fields": fields})).unwrap()
    }

    fn entry(id: &str, ct: &str, state: &str, fields: Value) -> Entity {
        entity("Entry", id, Some(ct), state, fields)
    }

    fn asset(id: &str, state: &str, mime: &str) -> Entity {
        entity(
            "Asset",
            id,
            None,
            state,
            json!({"title": {"en-US": id}, "file": {"en-US": {"fileName": "f", "contentType": mime, "url": "//x.invalid/f"}}}),
        )
    }

    fn link(link_type: &str, id: &str) -> Value {
        json!({"sys": {"type": "Link", "linkType": link_type, "id": id}})
    }

    fn locales(v: Value) -> Vec<Locale> {
        serde_json::from_value(v).unwrap()
    }

    fn en_de() -> Vec<Locale> {
        locales(json!([
            {"code": "en-US", "name": "English", "default": true, "optional": false},
            {"code": "de-DE", "name": "German", "default": false, "optional": true},
            {"code": "fr-FR", "name": "French", "default": false, "optional": false},
        ]))
    }

    fn errors(result: Result<(), ErrorBody>) -> (ErrorId, Vec<FieldError>) {
        let body = result.expect_err("expected a validation error");
        assert_eq!(body.message.as_deref(), Some("Validation error"));
        let errs = body.field_errors();
        assert_eq!(
            errs.len(),
            body.detail_errors().len(),
            "every item is a field error"
        );
        (body.sys.id, errs)
    }

    fn path(p: Value) -> Vec<Value> {
        p.as_array().unwrap().clone()
    }

    // ---------------------------------------------------------------- seed data

    struct Seed {
        space: TestSpace,
        locales: Vec<Locale>,
        releases: HashMap<String, Vec<(LinkType, String)>>,
        /// (id, state) of every entry and asset, in file order.
        states: Vec<(LinkType, String, String)>,
        /// Published versions of changed entries (the seed's `fields` alone).
        published_versions: Vec<Entity>,
    }

    fn merge(fields: &Value, changed: Option<&Value>) -> Value {
        let mut merged = fields.clone();
        if let Some(changed) = changed.and_then(Value::as_object) {
            for (field, per_locale) in changed {
                let slot = merged
                    .as_object_mut()
                    .unwrap()
                    .entry(field.clone())
                    .or_insert_with(|| json!({}));
                for (locale, value) in per_locale.as_object().unwrap() {
                    slot.as_object_mut()
                        .unwrap()
                        .insert(locale.clone(), value.clone());
                }
            }
        }
        merged
    }

    fn seed() -> Seed {
        let raw: Value = serde_json::from_str(include_str!("../../assets/seed/demo.json")).unwrap();
        let locales: Vec<Locale> = serde_json::from_value(raw["locales"].clone()).unwrap();
        let mut space = TestSpace {
            default_locale: default_locale(&locales).to_owned(),
            ..TestSpace::default()
        };
        for ct in raw["contentTypes"].as_array().unwrap() {
            let ct: ContentType = serde_json::from_value(ct.clone()).unwrap();
            space.content_types.insert(ct.sys.id.clone(), ct);
        }
        let mut states = Vec::new();
        let mut published_versions = Vec::new();
        for a in raw["assets"].as_array().unwrap() {
            let id = a["id"].as_str().unwrap();
            let state = a["state"].as_str().unwrap();
            space.add(entity("Asset", id, None, state, a["fields"].clone()));
            states.push((LinkType::Asset, id.to_owned(), state.to_owned()));
        }
        for e in raw["entries"].as_array().unwrap() {
            let id = e["id"].as_str().unwrap();
            let state = e["state"].as_str().unwrap();
            let ct = e["contentType"].as_str().unwrap();
            let fields = merge(&e["fields"], e.get("changedFields"));
            if state == "changed" {
                published_versions.push(entry(id, ct, "published", e["fields"].clone()));
            }
            space.add(entry(id, ct, state, fields));
            states.push((LinkType::Entry, id.to_owned(), state.to_owned()));
        }
        let mut releases = HashMap::new();
        for r in raw["releases"].as_array().unwrap() {
            let items = r["entities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        LinkType::from(l["linkType"].as_str().unwrap()),
                        l["id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            releases.insert(r["id"].as_str().unwrap().to_owned(), items);
        }
        Seed {
            space,
            locales,
            releases,
            states,
            published_versions,
        }
    }

    #[test]
    fn seed_published_entities_are_valid_on_their_own() {
        let seed = seed();
        let none = HashSet::new();
        let options = Options::new(&seed.locales, &none);
        let mut checked = 0;
        for (link_type, id, state) in &seed.states {
            if state != "published" {
                continue;
            }
            let e = seed.space.get(link_type.clone(), id);
            assert_eq!(
                validate_for_publish(e, &seed.space, &options),
                Ok(()),
                "{id}"
            );
            checked += 1;
        }
        assert_eq!(checked, 7 + 5 + 23 + 2 + 7);
        // The published versions of changed entries are valid too.
        for e in &seed.published_versions {
            assert_eq!(
                validate_for_publish(e, &seed.space, &options),
                Ok(()),
                "{}",
                e.sys.id
            );
        }
        // Pending edits of changed entries are valid, except the broken coalition talks.
        for (link_type, id, state) in &seed.states {
            if state == "changed" && id != "article-coalition-talks" {
                let e = seed.space.get(link_type.clone(), id);
                assert_eq!(
                    validate_for_publish(e, &seed.space, &options),
                    Ok(()),
                    "{id}"
                );
            }
        }
        // The scheduled cider draft links only to published entities.
        let cider = seed
            .space
            .get(LinkType::Entry, "article-hudson-valley-cider");
        assert_eq!(validate_for_publish(cider, &seed.space, &options), Ok(()));
    }

    #[test]
    fn seed_spring_release_is_valid_with_its_own_entities() {
        let seed = seed();
        let items = &seed.releases["release-spring-travel"];
        assert_eq!(items.len(), 10);
        let publishing: HashSet<_> = items.iter().cloned().collect();
        let options = Options::new(&seed.locales, &publishing);
        for (link_type, id) in items {
            let e = seed.space.get(link_type.clone(), id);
            assert_eq!(
                validate_for_publish(e, &seed.space, &options),
                Ok(()),
                "{id}"
            );
        }
        // Without the release, its drafts do not resolve: the landing page links to them.
        let none = HashSet::new();
        let alone = Options::new(&seed.locales, &none);
        let landing = seed.space.get(LinkType::Entry, "landing-spring");
        let (id, errs) = errors(validate_for_publish(landing, &seed.space, &alone));
        assert_eq!(id, ErrorId::UnresolvedLinks);
        assert!(errs.iter().all(|e| e.name == "notResolvable"));
    }

    #[test]
    fn seed_election_release_fails_exactly_as_documented() {
        let seed = seed();
        let items = &seed.releases["release-election-night"];
        let publishing: HashSet<_> = items.iter().cloned().collect();
        let options = Options::new(&seed.locales, &publishing);
        let mut failed = HashMap::new();
        for (link_type, id) in items {
            let e = seed.space.get(link_type.clone(), id);
            if let Err(body) = validate_for_publish(e, &seed.space, &options) {
                failed.insert(id.as_str(), body);
            }
        }
        let mut ids: Vec<_> = failed.keys().copied().collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            [
                "article-breaking-results",
                "article-coalition-talks",
                "article-election-live-blog",
                "article-exit-poll-explained",
                "article-turnout-record",
            ]
        );
        let one = |id: &str| {
            let body = &failed[id];
            let errs = body.field_errors();
            assert_eq!(errs.len(), 1, "{id}: {errs:?}");
            (body.sys.id.clone(), errs[0].clone())
        };

        let (wrapper, e) = one("article-election-live-blog");
        assert_eq!(wrapper, ErrorId::InvalidEntry);
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("required", "fields.body.en-US")
        );
        assert_eq!(
            e.details.as_deref(),
            Some("The property \"body\" is required here")
        );

        let (wrapper, e) = one("article-turnout-record");
        assert_eq!(wrapper, ErrorId::InvalidEntry);
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("size", "fields.summary.en-US")
        );
        assert_eq!(e.extra["min"], json!(20));
        assert_eq!(e.extra["max"], json!(280));
        assert_eq!(e.value, Some(json!("Turnout is up.")));
        assert_eq!(
            e.custom_message.as_deref(),
            Some("A summary is one or two sentences: 20 to 280 characters.")
        );

        let (wrapper, e) = one("article-coalition-talks");
        assert_eq!(wrapper, ErrorId::InvalidEntry);
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("regexp", "fields.slug.en-US")
        );
        assert_eq!(e.value, Some(json!("Coalition Talks Deal Friday")));
        assert_eq!(
            e.custom_message.as_deref(),
            Some(
                "Use lower-case letters, digits and single hyphens only, for example spring-in-lisbon."
            )
        );

        let (wrapper, e) = one("article-breaking-results");
        assert_eq!(wrapper, ErrorId::InvalidEntry);
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("in", "fields.kind.en-US")
        );
        assert_eq!(e.value, Some(json!("breaking")));
        assert_eq!(
            e.extra["expected"],
            json!(["news", "feature", "opinion", "interview"])
        );
        assert_eq!(
            e.custom_message.as_deref(),
            Some("Kind must be one of: news, feature, opinion, interview.")
        );

        let (wrapper, e) = one("article-exit-poll-explained");
        assert_eq!(wrapper, ErrorId::UnresolvedLinks);
        assert_eq!(e.name, "notResolvable");
        assert_eq!(e.path, path(json!(["fields", "author", "en-US"])));
        assert_eq!(
            e.link,
            Some(json!({"type": "Link", "linkType": "Entry", "id": "author-jonas-weber"}))
        );
        assert_eq!(e.link_target_id(), Some("author-jonas-weber"));
    }

    #[test]
    fn seed_error_json_matches_the_spec_shape() {
        let seed = seed();
        let none = HashSet::new();
        let options = Options::new(&seed.locales, &none);
        let e = seed
            .space
            .get(LinkType::Entry, "article-exit-poll-explained");
        let body = validate_for_publish(e, &seed.space, &options).unwrap_err();
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["sys"], json!({"type": "Error", "id": "UnresolvedLinks"}));
        assert_eq!(v["message"], json!("Validation error"));
        let item = &v["details"]["errors"][0];
        assert_eq!(item["name"], json!("notResolvable"));
        assert_eq!(item["path"], json!(["fields", "author", "en-US"]));
        assert_eq!(
            item["link"],
            json!({"type": "Link", "linkType": "Entry", "id": "author-jonas-weber"})
        );
        // It wraps into the release error shape.
        let wrapped =
            ErrorBody::validation_failed(vec![crate::cma::EntityError::new(e.link(), body)]);
        assert_eq!(wrapped.entity_errors().len(), 1);
    }

    // ---------------------------------------------------------------- hand-made cases

    /// A content type with one of everything.
    fn kitchen_sink() -> ContentType {
        serde_json::from_value(json!({
            "sys": {"id": "sink"}, "name": "Sink",
            "fields": [
                {"id": "title", "name": "Title", "type": "Symbol", "localized": true, "required": true,
                 "validations": [{"size": {"min": 3, "max": 10}}]},
                {"id": "code", "name": "Code", "type": "Symbol", "localized": false, "required": false,
                 "validations": [{"regexp": {"pattern": "^abc\\d+$", "flags": "i"}, "message": "Code!"}]},
                {"id": "tone", "name": "Tone", "type": "Symbol", "localized": false, "required": false,
                 "validations": [{"in": ["calm", "loud"]}, {"prohibitRegexp": {"pattern": "damn", "flags": null}}]},
                {"id": "rating", "name": "Rating", "type": "Integer", "localized": false, "required": false,
                 "validations": [{"range": {"min": 1, "max": 5}}, {"in": [1, 2, 3, 4]}]},
                {"id": "score", "name": "Score", "type": "Number", "localized": false, "required": false,
                 "validations": [{"range": {"min": 0.5}}]},
                {"id": "tags", "name": "Tags", "type": "Array", "localized": false, "required": false,
                 "items": {"type": "Symbol", "validations": [{"in": ["a", "b", "c"]}, {"size": {"max": 1}}]},
                 "validations": [{"size": {"min": 1, "max": 3}, "message": "1-3 tags"}]},
                {"id": "author", "name": "Author", "type": "Link", "linkType": "Entry", "localized": false,
                 "required": false, "validations": [{"linkContentType": ["person", "team"]}]},
                {"id": "related", "name": "Related", "type": "Array", "localized": false, "required": false,
                 "items": {"type": "Link", "linkType": "Entry", "validations": [{"linkContentType": ["sink"]}]},
                 "validations": []},
                {"id": "image", "name": "Image", "type": "Link", "linkType": "Asset", "localized": false,
                 "required": false, "validations": [{"linkMimetypeGroup": ["image"], "message": "Images only"}]},
                {"id": "hidden", "name": "Hidden", "type": "Boolean", "localized": false, "required": true,
                 "disabled": true, "omitted": true, "validations": []},
                {"id": "where", "name": "Where", "type": "Location", "localized": false, "required": false},
                {"id": "when", "name": "When", "type": "Date", "localized": false, "required": false},
                {"id": "data", "name": "Data", "type": "Object", "localized": false, "required": false},
                {"id": "doc", "name": "Doc", "type": "RichText", "localized": false, "required": false}
            ]
        }))
        .unwrap()
    }

    fn sink_space() -> TestSpace {
        let mut space = TestSpace {
            default_locale: "en-US".to_owned(),
            ..TestSpace::default()
        };
        space
            .content_types
            .insert("sink".to_owned(), kitchen_sink());
        space.add(entry("p1", "person", "published", json!({})));
        space.add(entry("cat1", "category", "published", json!({})));
        space.add(entry("draft-person", "person", "draft", json!({})));
        space.add(entry("old-person", "person", "archived", json!({})));
        space.add(entry("s1", "sink", "published", json!({})));
        space.add(entry("s2", "sink", "changed", json!({})));
        space.add(asset("img", "published", "image/png"));
        space.add(asset("pdf", "published", "application/pdf"));
        space
    }

    /// A valid sink entry; tests change one thing in it.
    fn valid_fields() -> Value {
        json!({
            "title": {"en-US": "Hello", "fr-FR": "Salut"},
            "code": {"en-US": "ABC12"},
            "tone": {"en-US": "calm"},
            "rating": {"en-US": 4},
            "score": {"en-US": 0.75},
            "tags": {"en-US": ["a", "b"]},
            "author": {"en-US": link("Entry", "p1")},
            "related": {"en-US": [link("Entry", "s1"), link("Entry", "s2")]},
            "image": {"en-US": link("Asset", "img")},
            "hidden": {"en-US": false},
            "where": {"en-US": {"lat": 60.39, "lon": 5.32}},
            "when": {"en-US": "2026-05-01T10:00:00Z"},
            "data": {"en-US": {"any": ["thing"]}},
            "doc": {"en-US": {"nodeType": "document", "content": []}}
        })
    }

    #[allow(clippy::result_large_err, reason = "mirrors validate_for_publish")]
    fn check_with(
        fields: Value,
        publishing: &HashSet<(LinkType, String)>,
    ) -> Result<(), ErrorBody> {
        let space = sink_space();
        let locales = en_de();
        let options = Options::new(&locales, publishing);
        validate_for_publish(&entry("e1", "sink", "draft", fields), &space, &options)
    }

    #[allow(clippy::result_large_err, reason = "mirrors validate_for_publish")]
    fn check(fields: Value) -> Result<(), ErrorBody> {
        check_with(fields, &HashSet::new())
    }

    fn with(field: &str, per_locale: Value) -> Value {
        let mut fields = valid_fields();
        fields[field] = per_locale;
        fields
    }

    fn single(result: Result<(), ErrorBody>) -> FieldError {
        let (id, errs) = errors(result);
        assert_eq!(errs.len(), 1, "{errs:#?}");
        if errs[0].name != "notResolvable" {
            assert_eq!(id, ErrorId::InvalidEntry);
        }
        errs[0].clone()
    }

    #[test]
    fn valid_entry_passes() {
        assert_eq!(check(valid_fields()), Ok(()));
    }

    #[test]
    fn required_per_locale_skips_optional_locales() {
        // Missing in fr-FR (required locale) but not in de-DE (optional).
        let e = single(check(with("title", json!({"en-US": "Hello"}))));
        assert_eq!(e.name, "required");
        assert_eq!(e.path, path(json!(["fields", "title", "fr-FR"])));
        assert_eq!(
            e.details.as_deref(),
            Some("The property \"title\" is required here")
        );

        // Missing everywhere: default locale then fr-FR, in locale order; nothing for de-DE.
        let mut fields = valid_fields();
        fields.as_object_mut().unwrap().remove("title");
        let (_, errs) = errors(check(fields));
        let paths: Vec<_> = errs.iter().map(FieldError::path_string).collect();
        assert_eq!(paths, ["fields.title.en-US", "fields.title.fr-FR"]);

        // null, "" and [] are all empty.
        for empty in [json!(null), json!("")] {
            let e = single(check(with(
                "title",
                json!({"en-US": empty, "fr-FR": "Salut"}),
            )));
            assert_eq!(
                (e.name.as_str(), e.path_string().as_str()),
                ("required", "fields.title.en-US")
            );
        }
        // A non-localized required field is needed in the default locale only.
        let e = single(check(with("hidden", json!({}))));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("required", "fields.hidden.en-US")
        );
    }

    #[test]
    fn required_empty_array() {
        let space = sink_space();
        let ct: ContentType = serde_json::from_value(json!({
            "sys": {"id": "list"}, "name": "List",
            "fields": [{"id": "items", "name": "Items", "type": "Array", "required": true,
                        "items": {"type": "Symbol"}}]
        }))
        .unwrap();
        let mut space = space;
        space.content_types.insert("list".to_owned(), ct);
        let locales = en_de();
        let none = HashSet::new();
        let options = Options::new(&locales, &none);
        let e = entry("l", "list", "draft", json!({"items": {"en-US": []}}));
        let err = single(validate_for_publish(&e, &space, &options));
        assert_eq!(
            (err.name.as_str(), err.path_string().as_str()),
            ("required", "fields.items.en-US")
        );
        let e = entry("l", "list", "draft", json!({"items": {"en-US": ["x"]}}));
        assert_eq!(validate_for_publish(&e, &space, &options), Ok(()));
    }

    #[test]
    fn size_min_and_max_on_text() {
        let e = single(check(with(
            "title",
            json!({"en-US": "Hi", "fr-FR": "Salut"}),
        )));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("size", "fields.title.en-US")
        );
        assert_eq!(e.extra["min"], json!(3));
        assert_eq!(e.extra["max"], json!(10));
        assert_eq!(e.value, Some(json!("Hi")));
        assert_eq!(e.custom_message, None);
        assert!(e.details.as_deref().unwrap().contains("between 3 and 10"));

        let e = single(check(with(
            "title",
            json!({"en-US": "Hello", "fr-FR": "Bonjour à tous"}),
        )));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("size", "fields.title.fr-FR")
        );
        // Characters are counted, not bytes: ten accented letters are fine.
        assert_eq!(
            check(with(
                "title",
                json!({"en-US": "éééééééééé", "fr-FR": "àààà"})
            )),
            Ok(())
        );
        // Optional locale values are validated when present.
        let e = single(check(with(
            "title",
            json!({"en-US": "Hello", "de-DE": "Hallo Welt und so", "fr-FR": "Salut"}),
        )));
        assert_eq!(e.path_string(), "fields.title.de-DE");
    }

    #[test]
    fn regexp_with_flags_and_custom_message() {
        // Flag i: lower case matches too.
        assert_eq!(check(with("code", json!({"en-US": "abc7"}))), Ok(()));
        let e = single(check(with("code", json!({"en-US": "abx7"}))));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("regexp", "fields.code.en-US")
        );
        assert_eq!(e.value, Some(json!("abx7")));
        assert_eq!(e.custom_message.as_deref(), Some("Code!"));
        // JavaScript's \d is ASCII only.
        assert!(check(with("code", json!({"en-US": "abc٣"}))).is_err());
    }

    #[test]
    fn js_regex_translation() {
        let re = |p: &str, f: Option<&str>| {
            js_regex(&Pattern {
                pattern: p.to_owned(),
                flags: f.map(str::to_owned),
            })
        };
        assert!(re("^a.b$", Some("s")).unwrap().is_match("a\nb"));
        assert!(!re("^a.b$", None).unwrap().is_match("a\nb"));
        assert!(re("^b$", Some("m")).unwrap().is_match("a\nb"));
        assert!(!re("^b$", None).unwrap().is_match("a\nb"));
        assert!(re("B", Some("gi")).unwrap().is_match("abc"));
        // Sticky anchors at the start, even with m.
        assert!(!re("b", Some("y")).unwrap().is_match("ab"));
        assert!(!re("b", Some("my")).unwrap().is_match("a\nb"));
        assert!(re("a", Some("uy")).unwrap().is_match("ab"));
        // ASCII word classes and boundaries.
        assert!(re(r"^\w+$", None).unwrap().is_match("abc_1"));
        assert!(!re(r"^\w+$", None).unwrap().is_match("äbc"));
        assert!(re(r"^[\w-]+$", None).unwrap().is_match("a-b"));
        assert!(re(r"^[^\d]+$", None).unwrap().is_match("abc"));
        assert!(re(r"\bcat\b", None).unwrap().is_match("a cat."));
        assert!(re(r"^https?:\/\/", None).unwrap().is_match("https://x"));
        assert!(re(r"^\\d$", None).unwrap().is_match(r"\d"));
        // Unknown or repeated flags, and patterns Rust cannot run, are unusable.
        assert!(re("a", Some("x")).is_none());
        assert!(re("a", Some("ii")).is_none());
        assert!(re("(?=a)a", None).is_none());
        assert!(re(r"(a)\1", None).is_none());
        assert!(re("(", None).is_none());
        assert!(re("\\", None).is_none());
    }

    #[test]
    fn invalid_regexp_is_skipped_without_error() {
        let mut space = sink_space();
        let ct: ContentType = serde_json::from_value(json!({
            "sys": {"id": "bad"}, "name": "Bad",
            "fields": [{"id": "s", "name": "S", "type": "Symbol",
                "validations": [
                    {"regexp": {"pattern": "([a-z", "flags": null}},
                    {"regexp": {"pattern": "(?<=x)y", "flags": "g"}},
                    {"regexp": {"pattern": "a", "flags": "q"}},
                    {"prohibitRegexp": {"pattern": "[", "flags": null}}
                ]}]
        }))
        .unwrap();
        space.content_types.insert("bad".to_owned(), ct);
        let locales = en_de();
        let none = HashSet::new();
        let options = Options::new(&locales, &none);
        let e = entry("b", "bad", "draft", json!({"s": {"en-US": "anything"}}));
        assert_eq!(validate_for_publish(&e, &space, &options), Ok(()));
    }

    #[test]
    fn prohibit_regexp() {
        // "damn" is also not in [calm, loud]: both rules report, in declaration order.
        let (_, errs) = errors(check(with("tone", json!({"en-US": "damn"}))));
        let names: Vec<_> = errs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["in", "prohibitRegexp"]);
        // Without the `in` rule, only the prohibited pattern reports.
        let mut ct = kitchen_sink();
        ct.fields[2].validations.remove(0);
        let mut space = sink_space();
        space.content_types.insert("sink".to_owned(), ct);
        let locales = en_de();
        let none = HashSet::new();
        let options = Options::new(&locales, &none);
        let bad = entry(
            "e",
            "sink",
            "draft",
            with("tone", json!({"en-US": "oh damn"})),
        );
        let e = single(validate_for_publish(&bad, &space, &options));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("prohibitRegexp", "fields.tone.en-US")
        );
        assert_eq!(e.value, Some(json!("oh damn")));
    }

    #[test]
    fn in_on_symbols_and_numbers() {
        let e = single(check(with("tone", json!({"en-US": "angry"}))));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("in", "fields.tone.en-US")
        );
        assert_eq!(e.extra["expected"], json!(["calm", "loud"]));
        assert_eq!(e.value, Some(json!("angry")));
        // Numbers compare by value: 3.0 is 3.
        assert_eq!(check(with("rating", json!({"en-US": 3.0}))), Ok(()));
        let e = single(check(with("rating", json!({"en-US": 5}))));
        assert_eq!(e.name, "in");
    }

    #[test]
    fn range_on_numbers() {
        let (_, errs) = errors(check(with("rating", json!({"en-US": 9}))));
        let names: Vec<_> = errs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["range", "in"]);
        assert_eq!(errs[0].extra["min"], json!(1));
        assert_eq!(errs[0].extra["max"], json!(5));
        assert_eq!(errs[0].value, Some(json!(9)));
        let e = single(check(with("score", json!({"en-US": 0.25}))));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("range", "fields.score.en-US")
        );
        assert_eq!(e.extra["min"], json!(0.5));
        assert!(!e.extra.contains_key("max"));
    }

    #[test]
    fn array_size_and_item_errors_with_index() {
        let e = single(check(with("tags", json!({"en-US": ["a", "b", "c", "a"]}))));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("size", "fields.tags.en-US")
        );
        assert_eq!(e.extra["max"], json!(3));
        assert_eq!(e.custom_message.as_deref(), Some("1-3 tags"));
        assert!(e.details.as_deref().unwrap().contains("4"));

        let (id, errs) = errors(check(with("tags", json!({"en-US": ["a", "zz", "b"]}))));
        assert_eq!(id, ErrorId::InvalidEntry);
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.name.as_str(), e.path.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("in", path(json!(["fields", "tags", "en-US", 1]))),
                ("size", path(json!(["fields", "tags", "en-US", 1]))),
            ]
        );
        assert_eq!(errs[0].value, Some(json!("zz")));

        // Array-level size first, then items by index.
        let (_, errs) = errors(check(with("tags", json!({"en-US": ["x", "a", "b", "y"]}))));
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.name.clone(), e.path_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("size".to_owned(), "fields.tags.en-US".to_owned()),
                ("in".to_owned(), "fields.tags.en-US.0".to_owned()),
                ("in".to_owned(), "fields.tags.en-US.3".to_owned()),
            ]
        );
        // A wrong item type is a type error at its index.
        let e = single(check(with("tags", json!({"en-US": ["a", 7]}))));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("type", "fields.tags.en-US.1")
        );
        assert_eq!(e.extra["type"], json!("Symbol"));
    }

    #[test]
    fn link_content_type() {
        let e = single(check(with(
            "author",
            json!({"en-US": link("Entry", "cat1")}),
        )));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("linkContentType", "fields.author.en-US")
        );
        assert_eq!(e.extra["contentTypeId"], json!(["person", "team"]));
        assert_eq!(e.value, Some(link("Entry", "cat1")));
        // In arrays, with the index.
        let e = single(check(with(
            "related",
            json!({"en-US": [link("Entry", "s1"), link("Entry", "p1")]}),
        )));
        assert_eq!(
            (e.name.as_str(), e.path.clone()),
            (
                "linkContentType",
                path(json!(["fields", "related", "en-US", 1]))
            )
        );
        assert_eq!(e.extra["contentTypeId"], json!(["sink"]));
    }

    #[test]
    fn link_mimetype_group() {
        let e = single(check(with("image", json!({"en-US": link("Asset", "pdf")}))));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("linkMimetypeGroup", "fields.image.en-US")
        );
        assert_eq!(e.extra["mimetypeGroupName"], json!(["image"]));
        assert_eq!(e.custom_message.as_deref(), Some("Images only"));
        assert!(e.details.as_deref().unwrap().contains("pdfdocument"));
    }

    #[test]
    fn mimetype_groups() {
        assert_eq!(mimetype_group("image/jpeg"), "image");
        assert_eq!(mimetype_group("IMAGE/SVG+XML"), "image");
        assert_eq!(mimetype_group("application/pdf"), "pdfdocument");
        assert_eq!(mimetype_group("text/plain; charset=utf-8"), "plaintext");
        assert_eq!(mimetype_group("video/mp4"), "video");
        assert_eq!(mimetype_group("audio/mpeg"), "audio");
        assert_eq!(mimetype_group("application/zip"), "archive");
        assert_eq!(mimetype_group("text/csv"), "spreadsheet");
        assert_eq!(mimetype_group("application/msword"), "richtext");
        assert_eq!(
            mimetype_group("application/vnd.ms-powerpoint"),
            "presentation"
        );
        assert_eq!(mimetype_group("text/html"), "markup");
        assert_eq!(mimetype_group("application/json"), "code");
        assert_eq!(mimetype_group("application/octet-stream"), "attachment");
        assert_eq!(mimetype_group(""), "attachment");
    }

    #[test]
    fn missing_and_archived_targets_do_not_resolve() {
        let e = single(check(with(
            "author",
            json!({"en-US": link("Entry", "ghost")}),
        )));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("notResolvable", "fields.author.en-US")
        );
        assert_eq!(
            e.link,
            Some(json!({"type": "Link", "linkType": "Entry", "id": "ghost"}))
        );
        assert!(e.details.as_deref().unwrap().contains("does not exist"));

        let e = single(check(with(
            "author",
            json!({"en-US": link("Entry", "old-person")}),
        )));
        assert_eq!(e.name, "notResolvable");
        assert!(e.details.as_deref().unwrap().contains("archived"));
        // Even when the same release lists it.
        let publishing = HashSet::from([(LinkType::Entry, "old-person".to_owned())]);
        let (id, _) = errors(check_with(
            with("author", json!({"en-US": link("Entry", "old-person")})),
            &publishing,
        ));
        assert_eq!(id, ErrorId::UnresolvedLinks);

        // A missing asset, in an array of links: with the index.
        let (id, errs) = errors(check(with(
            "related",
            json!({"en-US": [link("Entry", "s1"), link("Entry", "nope")]}),
        )));
        assert_eq!(id, ErrorId::UnresolvedLinks);
        assert_eq!(errs[0].path, path(json!(["fields", "related", "en-US", 1])));
        let e = single(check(with(
            "image",
            json!({"en-US": link("Asset", "gone")}),
        )));
        assert_eq!(
            e.link,
            Some(json!({"type": "Link", "linkType": "Asset", "id": "gone"}))
        );
    }

    #[test]
    fn unpublished_target_is_rescued_by_publishing() {
        let fields = with("author", json!({"en-US": link("Entry", "draft-person")}));
        let e = single(check(fields.clone()));
        assert_eq!(e.name, "notResolvable");
        assert!(e.details.as_deref().unwrap().contains("not published"));
        let publishing = HashSet::from([(LinkType::Entry, "draft-person".to_owned())]);
        assert_eq!(check_with(fields, &publishing), Ok(()));
        // The key is (link type, id): an asset with that id does not count.
        let wrong = HashSet::from([(LinkType::Asset, "draft-person".to_owned())]);
        assert!(
            check_with(
                with("author", json!({"en-US": link("Entry", "draft-person")})),
                &wrong
            )
            .is_err()
        );
    }

    #[test]
    fn link_to_itself_resolves() {
        let mut space = sink_space();
        let me = entry(
            "me",
            "sink",
            "draft",
            with("related", json!({"en-US": [link("Entry", "me")]})),
        );
        space.add(me.clone());
        let locales = en_de();
        let none = HashSet::new();
        assert_eq!(
            validate_for_publish(&me, &space, &Options::new(&locales, &none)),
            Ok(())
        );
    }

    #[test]
    fn field_and_link_errors_together_are_invalid_entry() {
        let mut fields = with("author", json!({"en-US": link("Entry", "ghost")}));
        fields["tone"] = json!({"en-US": "angry"});
        let (id, errs) = errors(check(fields));
        assert_eq!(id, ErrorId::InvalidEntry);
        let names: Vec<_> = errs.iter().map(|e| e.name.as_str()).collect();
        // Content-type field order: tone before author.
        assert_eq!(names, ["in", "notResolvable"]);
        assert!(errs[1].link.is_some());
    }

    #[test]
    fn wrong_json_types() {
        let cases = [
            ("title", json!({"en-US": 42, "fr-FR": "Salut"}), "Symbol"),
            ("rating", json!({"en-US": 2.5}), "Integer"),
            ("rating", json!({"en-US": "3"}), "Integer"),
            ("score", json!({"en-US": true}), "Number"),
            ("tags", json!({"en-US": "a"}), "Array"),
            ("author", json!({"en-US": "p1"}), "Link"),
            ("author", json!({"en-US": link("Asset", "img")}), "Link"),
            (
                "author",
                json!({"en-US": {"sys": {"type": "Entry", "id": "p1"}}}),
                "Link",
            ),
            ("hidden", json!({"en-US": "no"}), "Boolean"),
            ("where", json!({"en-US": {"lat": "60"}}), "Location"),
            ("when", json!({"en-US": 20260501}), "Date"),
            ("data", json!({"en-US": "text"}), "Object"),
            ("doc", json!({"en-US": ["p"]}), "RichText"),
        ];
        for (field, value, type_) in cases {
            let e = single(check(with(field, value.clone())));
            assert_eq!(e.name, "type", "{field}: {value}");
            assert_eq!(e.extra["type"], json!(type_), "{field}");
            assert!(e.value.is_some());
            assert!(e.details.as_deref().unwrap().contains(field));
        }
        // A wrong type is the only error on that value (no size/in checks on top).
        let e = single(check(with("tone", json!({"en-US": ["calm"]}))));
        assert_eq!(e.name, "type");
        // Built-in Symbol length limit.
        let long = "x".repeat(SYMBOL_MAX_CHARS + 1);
        let e = single(check(with("tone", json!({"en-US": long}))));
        assert_eq!(
            (e.name.as_str(), e.extra["type"].clone()),
            ("type", json!("Symbol"))
        );
        // Field values that are not keyed by locale.
        let e = single(check(with("tone", json!("calm"))));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("type", "fields.tone")
        );
    }

    #[test]
    fn unknown_fields_and_locales() {
        let mut fields = valid_fields();
        fields["zeta"] = json!({"en-US": 1});
        fields["alpha"] = json!({"en-US": 2});
        fields["ghost"] = json!({"en-US": null});
        let (id, errs) = errors(check(fields));
        assert_eq!(id, ErrorId::InvalidEntry);
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.name.as_str(), e.path_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("unknown", "fields.alpha".to_owned()),
                ("unknown", "fields.zeta".to_owned())
            ]
        );
        // A non-localized field with a value in another locale, and a locale the space lacks.
        let e = single(check(with(
            "tone",
            json!({"en-US": "calm", "de-DE": "ruhig"}),
        )));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("unknown", "fields.tone.de-DE")
        );
        let e = single(check(with(
            "title",
            json!({"en-US": "Hello", "fr-FR": "Salut", "xx-XX": "?"}),
        )));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("unknown", "fields.title.xx-XX")
        );
    }

    #[test]
    fn disabled_and_omitted_fields_are_validated() {
        let e = single(check(with("hidden", json!({"en-US": "yes"}))));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("type", "fields.hidden.en-US")
        );
    }

    #[test]
    fn unknown_or_missing_content_type() {
        let space = sink_space();
        let locales = en_de();
        let none = HashSet::new();
        let options = Options::new(&locales, &none);
        let e = entry("x", "nope", "draft", json!({"title": {"en-US": "Hi"}}));
        let (id, errs) = errors(validate_for_publish(&e, &space, &options));
        assert_eq!(id, ErrorId::InvalidEntry);
        assert_eq!(errs.len(), 1);
        assert_eq!(
            (errs[0].name.as_str(), errs[0].path_string().as_str()),
            ("unknown", "sys.contentType")
        );
        assert!(errs[0].details.as_deref().unwrap().contains("nope"));

        let e = entity("Entry", "y", None, "draft", json!({}));
        let (id, errs) = errors(validate_for_publish(&e, &space, &options));
        assert_eq!(id, ErrorId::InvalidEntry);
        assert_eq!(errs[0].name, "required");
    }

    #[test]
    fn assets_need_a_file_in_the_default_locale() {
        let space = sink_space();
        let locales = en_de();
        let none = HashSet::new();
        let options = Options::new(&locales, &none);
        let ok = asset("a", "draft", "image/png");
        assert_eq!(validate_for_publish(&ok, &space, &options), Ok(()));
        // Title is not required.
        let bare = entity(
            "Asset",
            "b",
            None,
            "draft",
            json!({"file": {"en-US": {"fileName": "x"}}}),
        );
        assert_eq!(validate_for_publish(&bare, &space, &options), Ok(()));
        for fields in [
            json!({"title": {"en-US": "No file"}}),
            json!({"file": {"de-DE": {"fileName": "x"}}}),
            json!({"file": {"en-US": null}}),
        ] {
            let a = entity("Asset", "c", None, "draft", fields);
            let (id, errs) = errors(validate_for_publish(&a, &space, &options));
            assert_eq!(id, ErrorId::InvalidEntry);
            assert_eq!(errs.len(), 1);
            assert_eq!(
                (errs[0].name.as_str(), errs[0].path_string().as_str()),
                ("required", "fields.file.en-US")
            );
        }
        let a = entity(
            "Asset",
            "d",
            None,
            "draft",
            json!({"file": {"en-US": "x.png"}}),
        );
        let e = single(validate_for_publish(&a, &space, &options));
        assert_eq!(e.name, "type");
    }

    #[test]
    fn default_locale_rules() {
        assert_eq!(default_locale(&[]), FALLBACK_LOCALE);
        assert_eq!(default_locale(&en_de()), "en-US");
        let no_default = locales(
            json!([{"code": "de-DE", "name": "German"}, {"code": "en-US", "name": "English"}]),
        );
        assert_eq!(default_locale(&no_default), "de-DE");
        // With no locale list, the fallback locale is used and others are not flagged.
        let space = sink_space();
        let none = HashSet::new();
        let options = Options::new(&[], &none);
        let fields = with("title", json!({"en-US": "Hello", "fr-FR": "Salut"}));
        assert_eq!(
            validate_for_publish(&entry("e", "sink", "draft", fields), &space, &options),
            Ok(())
        );
    }

    #[test]
    fn target_from_entity() {
        let space = sink_space();
        let t = space.target(&LinkType::Entry, "s2").unwrap();
        assert_eq!(
            t,
            Target {
                published: true,
                archived: false,
                content_type: Some("sink".to_owned()),
                mime_type: None
            }
        );
        let t = space.target(&LinkType::Asset, "pdf").unwrap();
        assert_eq!(t.mime_type.as_deref(), Some("application/pdf"));
        assert!(
            space
                .target(&LinkType::Entry, "draft-person")
                .is_some_and(|t| !t.published)
        );
        assert!(
            space
                .target(&LinkType::Entry, "old-person")
                .is_some_and(|t| t.archived && !t.published)
        );
    }

    #[test]
    fn errors_are_deterministic_and_ordered() {
        let mut fields = valid_fields();
        fields["title"] = json!({"en-US": "Hi", "fr-FR": "x"});
        fields["related"] = json!({"en-US": [link("Entry", "nope"), link("Entry", "p1")]});
        fields["tone"] = json!({"en-US": "angry"});
        let first = check(fields.clone());
        assert_eq!(first, check(fields));
        let (_, errs) = errors(first);
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.name.clone(), e.path_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("size".to_owned(), "fields.title.en-US".to_owned()),
                ("size".to_owned(), "fields.title.fr-FR".to_owned()),
                ("in".to_owned(), "fields.tone.en-US".to_owned()),
                (
                    "notResolvable".to_owned(),
                    "fields.related.en-US.0".to_owned()
                ),
                (
                    "linkContentType".to_owned(),
                    "fields.related.en-US.1".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn never_panics_on_odd_json() {
        let odd = [
            json!(null),
            json!(true),
            json!(-1),
            json!(1e300),
            json!(u64::MAX),
            json!(""),
            json!("x"),
            json!([]),
            json!([null, [], {}, {"sys": null}, {"sys": {"type": "Link"}}, {"sys": {"type": "Link", "linkType": 3, "id": []}}]),
            json!({}),
            json!({"sys": {"type": "Link", "linkType": "Entry", "id": ""}}),
            json!({"sys": {"type": "Link", "linkType": "Space", "id": "s"}}),
            json!({"lat": 1, "lon": null}),
        ];
        let names: Vec<String> = kitchen_sink().fields.iter().map(|f| f.id.clone()).collect();
        for name in &names {
            for value in &odd {
                for wrapped in [
                    value.clone(),
                    json!({"en-US": value}),
                    json!({"fr-FR": value, "??": value}),
                ] {
                    let _ = check(with(name, wrapped));
                }
            }
        }
        // Odd content types: bounds that are not finite, empty `in`, items without validations.
        let mut space = sink_space();
        let ct: ContentType = serde_json::from_value(json!({
            "sys": {"id": "odd"}, "name": "Odd",
            "fields": [
                {"id": "a", "name": "A", "type": "Array", "validations": [{"size": {"min": -1.5, "max": 1e308}}, {"in": []}]},
                {"id": "b", "name": "B", "type": "Symbol", "validations": [{"in": []}, {"size": {}}, {"range": {"min": 1}}]},
                {"id": "c", "name": "C", "type": "Future", "validations": [{"size": {"max": 0}}]},
                {"id": "d", "name": "D", "type": "Link", "validations": [{"linkContentType": []}, {"linkMimetypeGroup": []}]}
            ]
        }))
        .unwrap();
        space.content_types.insert("odd".to_owned(), ct);
        let locales = en_de();
        let none = HashSet::new();
        let options = Options::new(&locales, &none);
        for value in &odd {
            let fields = json!({"a": {"en-US": value}, "b": {"en-US": value}, "c": {"en-US": value}, "d": {"en-US": value}});
            let _ = validate_for_publish(&entry("o", "odd", "draft", fields), &space, &options);
        }
        let b = entry("o", "odd", "draft", json!({"b": {"en-US": "x"}}));
        let e = single(validate_for_publish(&b, &space, &options));
        assert_eq!(e.name, "in");
        let c = entry("o", "odd", "draft", json!({"c": {"en-US": "x"}}));
        let e = single(validate_for_publish(&c, &space, &options));
        assert_eq!(e.name, "size");
    }
}
