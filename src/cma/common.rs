//! Shapes shared by every CMA entity: links, timestamps, collections and the `sys` links
//! of space, environment and users.
//!
//! Every struct that mirrors a CMA object keeps the fields it does not model in `extra`
//! (`#[serde(flatten)]`), so a response decodes even when Contentful adds fields, and a value
//! re-encodes without loss.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::string_enum::string_enum;

/// Fields of a CMA object that this crate does not model, kept for lossless re-encoding.
pub type Extra = Map<String, Value>;

string_enum! {
    /// What a [`Link`] points at (`sys.linkType`).
    pub enum LinkType {
        /// An entry.
        Entry => "Entry",
        /// An asset.
        Asset => "Asset",
        /// A release.
        Release => "Release",
        /// A release action.
        ReleaseAction => "ReleaseAction",
        /// A bulk action.
        BulkAction => "BulkAction",
        /// A scheduled action.
        ScheduledAction => "ScheduledAction",
        /// A content type.
        ContentType => "ContentType",
        /// A space.
        Space => "Space",
        /// An environment.
        Environment => "Environment",
        /// A user.
        User => "User",
        /// An app (the creator of some releases).
        AppDefinition => "AppDefinition",
        /// A webhook definition (the creator of webhook calls).
        WebhookDefinition => "WebhookDefinition",
        /// A tag.
        Tag => "Tag",
    }
}

/// `{"sys":{"type":"Link","linkType":…,"id":…}}`, or a versioned link when `sys.version` is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Link {
    /// The link's `sys`.
    pub sys: LinkSys,
}

/// The `sys` of a [`Link`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkSys {
    /// Always `"Link"`.
    #[serde(rename = "type", default = "link_type_name")]
    pub type_: String,
    /// What the link points at.
    #[serde(rename = "linkType")]
    pub link_type: LinkType,
    /// The target's id.
    pub id: String,
    /// Set on a versioned link (bulk publish items): the version the caller expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}

fn link_type_name() -> String {
    "Link".to_owned()
}

impl Link {
    /// A plain link.
    pub fn new(link_type: LinkType, id: impl Into<String>) -> Self {
        Self {
            sys: LinkSys {
                type_: link_type_name(),
                link_type,
                id: id.into(),
                version: None,
            },
        }
    }

    /// A versioned link (`sys.version`), as bulk publish requires.
    pub fn versioned(link_type: LinkType, id: impl Into<String>, version: u64) -> Self {
        let mut link = Self::new(link_type, id);
        link.sys.version = Some(version);
        link
    }

    /// A link to an entry.
    pub fn entry(id: impl Into<String>) -> Self {
        Self::new(LinkType::Entry, id)
    }

    /// A link to an asset.
    pub fn asset(id: impl Into<String>) -> Self {
        Self::new(LinkType::Asset, id)
    }

    /// The target's id.
    pub fn id(&self) -> &str {
        &self.sys.id
    }

    /// What the link points at.
    pub fn link_type(&self) -> &LinkType {
        &self.sys.link_type
    }
}

/// An instant as the CMA writes it: RFC 3339 in UTC with milliseconds (`2026-01-02T10:00:00.000Z`).
///
/// Any RFC 3339 instant is accepted when decoding; encoding always uses the canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub jiff::Timestamp);

impl Timestamp {
    /// The current instant from the system clock.
    pub fn now() -> Self {
        Self(jiff::Timestamp::now())
    }

    /// Milliseconds since the Unix epoch.
    pub fn as_millis(&self) -> i64 {
        self.0.as_millisecond()
    }

    /// From milliseconds since the Unix epoch; `None` when out of range.
    pub fn from_millis(ms: i64) -> Option<Self> {
        jiff::Timestamp::from_millisecond(ms).ok().map(Self)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }
}

impl std::str::FromStr for Timestamp {
    type Err = jiff::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<jiff::Timestamp>().map(Self)
    }
}

impl From<jiff::Timestamp> for Timestamp {
    fn from(t: jiff::Timestamp) -> Self {
        Self(t)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The `sys` of a collection: `{"type":"Array"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArraySys {
    /// Always `"Array"`.
    #[serde(rename = "type")]
    pub type_: String,
}

impl Default for ArraySys {
    fn default() -> Self {
        Self {
            type_: "Array".to_owned(),
        }
    }
}

/// A collection with offset paging (entries, assets, webhooks, webhook calls).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsetCollection<T> {
    /// `{"type":"Array"}`.
    #[serde(default)]
    pub sys: ArraySys,
    /// How many items match in all.
    #[serde(default)]
    pub total: u64,
    /// How many were skipped before this page.
    #[serde(default)]
    pub skip: u64,
    /// The page size asked for.
    #[serde(default)]
    pub limit: u64,
    /// This page.
    pub items: Vec<T>,
}

impl<T> OffsetCollection<T> {
    /// A page of `items` at `skip` out of `total`.
    pub fn new(items: Vec<T>, total: u64, skip: u64, limit: u64) -> Self {
        Self {
            sys: ArraySys::default(),
            total,
            skip,
            limit,
            items,
        }
    }

    /// Whether another page follows this one.
    pub fn has_more(&self) -> bool {
        !self.items.is_empty() && self.skip + (self.items.len() as u64) < self.total
    }
}

/// `pages` of a cursor collection; both absent on the last page (`{}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pages {
    /// A relative URL (releases) or a bare token (scheduled actions) for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The same for the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

impl Pages {
    /// The opaque cursor of the next page: the `pageNext` (or `next`) query value of a relative
    /// URL, or the raw string when it has no query.
    pub fn next_cursor(&self) -> Option<String> {
        self.next.as_deref().and_then(cursor_from)
    }
}

/// Pulls the cursor token out of a `pages.next`/`pages.prev` value (spec §1 paging).
pub fn cursor_from(raw: &str) -> Option<String> {
    if raw.is_empty() {
        return None;
    }
    let Some((_, query)) = raw.split_once('?') else {
        return Some(raw.to_owned());
    };
    let mut fallback = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "pageNext" => return Some(value.into_owned()),
            "next" | "pagePrev" | "prev" if fallback.is_none() => {
                fallback = Some(value.into_owned())
            }
            _ => {}
        }
    }
    fallback
}

/// A collection with cursor paging (releases, scheduled actions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CursorCollection<T> {
    /// `{"type":"Array"}`.
    #[serde(default)]
    pub sys: ArraySys,
    /// The page size asked for.
    #[serde(default)]
    pub limit: u64,
    /// This page.
    pub items: Vec<T>,
    /// Cursors; `{}` on the last page.
    #[serde(default)]
    pub pages: Pages,
}

/// A plain collection (`{sys, items}` plus whatever paging fields the server adds), as release
/// actions are listed. Paging fields are kept but not relied on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collection<T> {
    /// `{"type":"Array"}`.
    #[serde(default)]
    pub sys: ArraySys,
    /// This page.
    pub items: Vec<T>,
    /// `limit`, `total`, `skip`, `pages` as the server sent them.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One record of a list page, decoded if this version can model it and kept raw otherwise, so
/// that one record never fails the page it came in (a Timeline release with an unknown shape, a
/// future resource type).
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded<T> {
    /// Modelled.
    Known(T),
    /// Not modelled; shown as such.
    Unsupported(Unmodelled),
}

/// A record this version cannot model: its JSON and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmodelled {
    /// The record as sent.
    pub raw: serde_json::Value,
    /// The decoding error, in a sentence.
    pub reason: String,
}

impl Unmodelled {
    /// `sys.id`, if the record has one.
    pub fn id(&self) -> Option<&str> {
        self.raw
            .pointer("/sys/id")
            .and_then(serde_json::Value::as_str)
    }

    /// Its `title` (or `name`), if it has one.
    pub fn title(&self) -> Option<&str> {
        ["/title", "/name"]
            .iter()
            .find_map(|p| self.raw.pointer(p).and_then(serde_json::Value::as_str))
    }

    /// What people read: the title, else the id, else "a record".
    pub fn label(&self) -> String {
        match (self.title(), self.id()) {
            (Some(t), _) => format!("'{t}'"),
            (None, Some(id)) => id.to_owned(),
            (None, None) => "a record without an id".to_owned(),
        }
    }
}

impl<T> Decoded<T> {
    /// The modelled value, if any.
    pub fn known(self) -> Option<T> {
        match self {
            Self::Known(t) => Some(t),
            Self::Unsupported(_) => None,
        }
    }

    /// Splits a page into what decoded and what did not.
    pub fn split(items: Vec<Self>) -> (Vec<T>, Vec<Unmodelled>) {
        let mut known = Vec::new();
        let mut unsupported = Vec::new();
        for item in items {
            match item {
                Self::Known(t) => known.push(t),
                Self::Unsupported(u) => unsupported.push(u),
            }
        }
        (known, unsupported)
    }
}

impl<T: Serialize> Serialize for Decoded<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Known(t) => t.serialize(serializer),
            Self::Unsupported(u) => u.raw.serialize(serializer),
        }
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Decoded<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = serde_json::Value::deserialize(deserializer)?;
        Ok(match T::deserialize(&raw) {
            Ok(t) => Self::Known(t),
            Err(e) => Self::Unsupported(Unmodelled {
                raw,
                reason: e.to_string(),
            }),
        })
    }
}

impl<T> CursorCollection<Decoded<T>> {
    /// The page with only the records that decoded (callers that expect every one to).
    pub fn into_known(self) -> CursorCollection<T> {
        CursorCollection {
            sys: self.sys,
            limit: self.limit,
            items: self.items.into_iter().filter_map(Decoded::known).collect(),
            pages: self.pages,
        }
    }
}
