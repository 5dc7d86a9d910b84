//! Publish validation of entries and assets against their content types: the pure checks run
//! before anything is published (spec §5 "Publish validation errors"), shared by the sandbox
//! (which refuses a publish with them) and the app's readiness preflight (which predicts that
//! refusal, on the sandbox or on a real Contentful space, without running an action).
//!
//! This module owns the rules and the error JSON they produce; it does no I/O and depends only
//! on `cma` types, `regex` and `serde_json`. Callers ask about one entity at a time, through
//! [`validate_for_publish`], and answer its questions about the rest of the space (content
//! types, link targets) through the [`Space`] trait: the sandbox from its store
//! (`sandbox::space_view`), the app from the entities it loaded ([`crate::readiness`]). A
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

use std::cell::RefCell;
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
    /// Patterns compiled by earlier validations of the same run; without it each entity
    /// compiles its content type's patterns again (compiling dominates a 200-entry release).
    pub regexes: Option<&'a RegexCache>,
}

/// Compiled `regexp` / `prohibitRegexp` patterns shared by the validations of one run.
#[derive(Debug, Default)]
pub struct RegexCache(RefCell<HashMap<PatternKey, Option<Regex>>>);

/// A pattern's source and flags.
type PatternKey = (String, Option<String>);

impl RegexCache {
    /// The compiled pattern (`None` when it cannot be checked), compiled once.
    fn get(&self, pattern: &Pattern) -> Option<Regex> {
        self.0
            .borrow_mut()
            .entry((pattern.pattern.clone(), pattern.flags.clone()))
            .or_insert_with(|| js_regex(pattern))
            .clone()
    }
}

impl<'a> Options<'a> {
    /// Options over these locales and this set of entities being published together.
    pub fn new(locales: &'a [Locale], publishing: &'a HashSet<(LinkType, String)>) -> Self {
        Self {
            locales,
            publishing,
            regexes: None,
        }
    }

    /// The same options, sharing compiled patterns through `regexes`.
    pub fn with_regexes(self, regexes: &'a RegexCache) -> Self {
        Self {
            regexes: Some(regexes),
            ..self
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

/// What a release or bulk action does to one entity: the sandbox's release steps and the
/// app's readiness preflight plan items with it, and [`publish_problem`] checks by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Publish the whole entity (every locale).
    Publish,
    /// Unpublish the whole entity, or leave it unpublished.
    Unpublish,
    /// Locale-based: publish the `add` locales, unpublish the `remove` ones; locales in neither
    /// keep their state.
    Locales {
        /// Locales to publish.
        add: Vec<String>,
        /// Locales to unpublish (or leave unpublished).
        remove: Vec<String>,
    },
}

impl Effect {
    /// Whether the effect publishes anything (and so gets the publish checks).
    pub fn publishes(&self) -> bool {
        match self {
            Self::Publish => true,
            Self::Unpublish => false,
            Self::Locales { add, .. } => !add.is_empty(),
        }
    }
}

impl Effect {
    /// The locales a locale-based publish is limited to (`None`: every locale).
    pub fn only_locales(&self) -> Option<&[String]> {
        match self {
            Self::Locales { add, .. } => Some(add),
            _ => None,
        }
    }
}

/// The publish check of one release or bulk item that publishes `entity` (at `link`): an
/// archived entity is refused; otherwise the field rules apply, only in the `add` locales when
/// the item publishes locale by locale ([`Effect::only_locales`]). `None` when it would publish. The
/// sandbox's release steps and the app's readiness preflight both ask this, so their verdicts
/// cannot drift apart.
pub fn publish_problem(
    link: &crate::cma::Link,
    entity: &Entity,
    only_locales: Option<&[String]>,
    space: &dyn Space,
    options: &Options<'_>,
) -> Option<crate::cma::EntityError> {
    if entity.state() == EntityState::Archived {
        return Some(crate::cma::EntityError::new(
            link.clone(),
            ErrorBody::new(
                ErrorId::BadRequest,
                format!(
                    "{} '{}' is archived and cannot be published",
                    link.sys.link_type, link.sys.id
                ),
            ),
        ));
    }
    let error = validate_for_publish(entity, space, options).err()?;
    let error = match only_locales {
        Some(add) => only_in_locales(error, add)?,
        None => error,
    };
    Some(crate::cma::EntityError::new(link.clone(), error))
}

/// A validation error restricted to the locales being published (locale-based publishing, spec
/// §10: only the `add` locales get the publish checks): field errors in other locales are
/// dropped (`None` when none is left); errors not about one locale stay, and the wrapper id
/// becomes `UnresolvedLinks` when only unresolved links are left.
pub fn only_in_locales(mut error: ErrorBody, locales: &[String]) -> Option<ErrorBody> {
    let Some(list) = error
        .details
        .as_mut()
        .and_then(|d| d.get_mut("errors"))
        .and_then(|e| e.as_array_mut())
    else {
        return Some(error);
    };
    list.retain(|e| {
        let path = e.get("path").and_then(|p| p.as_array());
        let locale = path
            .filter(|p| p.first().and_then(|f| f.as_str()) == Some("fields"))
            .and_then(|p| p.get(2))
            .and_then(|l| l.as_str());
        locale.is_none_or(|l| locales.iter().any(|code| code == l))
    });
    if list.is_empty() {
        return None;
    }
    if list.iter().all(|e| e["name"] == "notResolvable") {
        error.sys.id = ErrorId::UnresolvedLinks;
    }
    Some(error)
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
    regex_cache: HashMap<PatternKey, Option<Regex>>,
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
        if let Some(shared) = self.options.regexes {
            return shared.get(pattern);
        }
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

pub mod wording;

#[cfg(test)]
mod tests;
