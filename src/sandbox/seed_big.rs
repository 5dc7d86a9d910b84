//! The real-sized space (`release-desk sandbox --seed big`): 50,000 entries over the demo's
//! content model, 2,000 assets, 5,000 releases and 500 scheduled actions, for measuring and
//! trying the app at the scale of a real magazine.
//!
//! It is deterministic: one fixed-seed PRNG (`StdRng`, seeded with [`SEED`]) draws every title,
//! state, link and instant, so two sandboxes started with `--seed big` hold the same ids, texts
//! and links (instants are relative to the start, so the schedules lie ahead). Documents are
//! built here in their final state (versions and `sys` keys by the spec's version rules, §5) and
//! written with the store's prepared statements inside the seed's one transaction; going through
//! the API's domain functions (validation, events) would take minutes, not seconds.
//!
//! Ids say what they are: `big-category-0007`, `big-author-0042`, `big-article-01234`,
//! `big-landing-0003`, `big-asset-0100`, `big-release-0420`, `big-schedule-017`. Every release
//! whose number is a multiple of 10 holds exactly 200 entities (the limit); every fifth one,
//! counting from 3, is archived.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use super::core::{Core, to_value};
use super::entities::published_snapshot;
use super::error::ApiErr;
use super::store::{Tx, kind};
use crate::cma::{
    Entity, EntitySys, ErrorBody, ErrorId, Extra, Link, LinkType, Release, ReleaseEntities,
    ReleaseStatus, ReleaseSys, ScheduledAction, ScheduledActionKind, ScheduledActionStatus,
    ScheduledActionSys, ScheduledFor, Timestamp,
};

/// The PRNG seed: the same space every time.
pub const SEED: u64 = 0x05EE_D0B1_6005_0000;

/// Categories (`category` entries).
pub const CATEGORIES: usize = 200;
/// Authors (`author` entries).
pub const AUTHORS: usize = 2_000;
/// Landing pages (`landingPage` entries).
pub const LANDING_PAGES: usize = 1_800;
/// Articles (`article` entries); with the above, 50,000 entries.
pub const ARTICLES: usize = 46_000;
/// Assets.
pub const ASSETS: usize = 2_000;
/// Releases.
pub const RELEASES: usize = 5_000;
/// Scheduled actions.
pub const SCHEDULES: usize = 500;

/// Words titles, summaries and bodies are made of (so `query=` has something to find).
const WORDS: &[&str] = &[
    "harbour",
    "cider",
    "lisbon",
    "night",
    "train",
    "bees",
    "urban",
    "garden",
    "winter",
    "market",
    "bread",
    "coffee",
    "river",
    "mountain",
    "ferry",
    "island",
    "festival",
    "museum",
    "jazz",
    "bakery",
    "vineyard",
    "orchard",
    "lantern",
    "bridge",
    "library",
    "cathedral",
    "workshop",
    "ceramics",
    "textile",
    "printing",
    "bicycle",
    "tram",
    "canal",
    "lighthouse",
    "meadow",
    "forest",
    "glacier",
    "desert",
    "oasis",
    "spice",
    "tea",
    "noodle",
    "dumpling",
    "cheese",
    "honey",
    "salt",
    "olive",
    "lemon",
    "fig",
    "chestnut",
    "mushroom",
    "oyster",
    "herring",
    "saffron",
    "pepper",
    "vanilla",
    "cocoa",
    "maple",
    "birch",
    "cedar",
    "willow",
    "heron",
    "fox",
    "otter",
    "lynx",
    "falcon",
    "whale",
    "salmon",
    "beetle",
    "moth",
    "swallow",
    "autumn",
    "spring",
    "summer",
    "solstice",
    "harvest",
    "tide",
    "storm",
    "fog",
    "snow",
    "sunrise",
    "midnight",
    "market",
    "quarter",
    "alley",
    "courtyard",
    "rooftop",
    "cellar",
    "studio",
    "gallery",
    "theatre",
    "cinema",
    "radio",
    "poetry",
    "novel",
    "atlas",
    "compass",
    "voyage",
    "pilgrim",
    "nomad",
    "craft",
    "repair",
    "loom",
    "kiln",
    "forge",
    "anvil",
];

const FIRST_NAMES: &[&str] = &[
    "Ada", "Bram", "Chiara", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Idris", "Jonas",
    "Kalinda", "Lior", "Maren", "Nuno", "Odile", "Pavel", "Quynh", "Rosa", "Sven", "Tomasz",
];

const LAST_NAMES: &[&str] = &[
    "Alves",
    "Brandt",
    "Castellano",
    "Dahl",
    "Eriksen",
    "Fontaine",
    "Garcia",
    "Halvorsen",
    "Ibsen",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
];

const KINDS: &[&str] = &["news", "feature", "opinion", "interview"];

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn category_id(i: usize) -> String {
    format!("big-category-{i:04}")
}
fn author_id(i: usize) -> String {
    format!("big-author-{i:04}")
}
fn article_id(i: usize) -> String {
    format!("big-article-{i:05}")
}
fn landing_id(i: usize) -> String {
    format!("big-landing-{i:04}")
}
fn asset_id(i: usize) -> String {
    format!("big-asset-{i:04}")
}
/// The id of release number `i` (0-based).
pub fn release_id(i: usize) -> String {
    format!("big-release-{i:04}")
}
fn schedule_id(i: usize) -> String {
    format!("big-schedule-{i:03}")
}

/// Whether release number `i` holds exactly 200 entities.
pub fn is_full_release(i: usize) -> bool {
    i.is_multiple_of(10)
}

/// Whether release number `i` is archived.
pub fn is_archived_release(i: usize) -> bool {
    i % 5 == 3
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BigSpace {
    /// Entries.
    pub entries: usize,
    /// Assets.
    pub assets: usize,
    /// Releases.
    pub releases: usize,
    /// Scheduled actions.
    pub scheduled_actions: usize,
}

struct Gen<'a> {
    core: &'a Core,
    tx: &'a Tx<'a>,
    rng: StdRng,
    now_ms: i64,
    locales: Vec<String>,
}

impl Gen<'_> {
    fn pick<'w>(&mut self, list: &[&'w str]) -> &'w str {
        list[self.rng.random_range(0..list.len())]
    }

    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| self.pick(WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn title(&mut self) -> String {
        let n = self.rng.random_range(2..=5);
        let mut title = self.words(n);
        if let Some(first) = title.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        title
    }

    fn sentence(&mut self) -> String {
        let n = self.rng.random_range(6..=14);
        let mut s = self.words(n);
        if let Some(first) = s.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        s.push('.');
        s
    }

    fn instant(&self, ms: i64) -> Result<Timestamp, ApiErr> {
        Timestamp::from_millis(ms).ok_or_else(|| ApiErr::internal("instant out of range"))
    }

    /// Writes one entity in the state rolled for it (published, changed, draft, archived),
    /// with versions and `sys` keys as the spec's version rules leave them.
    fn entity(
        &mut self,
        k: crate::cma::EntityKind,
        id: String,
        content_type: Option<&str>,
        fields: Map<String, Value>,
        published_share: u32,
    ) -> Result<(), ApiErr> {
        let roll = self.rng.random_range(0..100u32);
        let state = if roll < published_share {
            "published"
        } else if roll < published_share + (100 - published_share) / 3 {
            "changed"
        } else if roll < 96 {
            "draft"
        } else {
            "archived"
        };
        let created_ms = self.now_ms - self.rng.random_range(DAY_MS..400 * DAY_MS);
        let updated_ms = created_ms + self.rng.random_range(0..=(self.now_ms - created_ms));
        let published_ms = created_ms + (updated_ms - created_ms) / 2;
        let created = self.instant(created_ms)?;
        let updated = self.instant(updated_ms)?;
        let published = self.instant(published_ms)?;
        let edits = self.rng.random_range(0..4u64);
        let user = self.core.user();
        let mut sys = EntitySys {
            type_: k.type_name().to_owned(),
            id: id.clone(),
            version: Some(1 + edits),
            published_version: None,
            published_counter: None,
            published_at: None,
            first_published_at: None,
            published_by: None,
            archived_version: None,
            archived_at: None,
            archived_by: None,
            content_type: content_type.map(|ct| Link::new(LinkType::ContentType, ct)),
            space: Some(self.core.space_link()),
            environment: Some(self.core.env_link()),
            created_at: Some(created),
            updated_at: Some(updated),
            created_by: Some(user.clone()),
            updated_by: Some(user.clone()),
            revision: None,
            extra: Extra::new(),
        };
        match state {
            "published" | "changed" => {
                // Published at version v, which made it v + 1; a changed one was saved again.
                let v = 1 + edits;
                sys.published_version = Some(v);
                sys.published_counter = Some(1 + edits / 2);
                sys.published_at = Some(published);
                sys.first_published_at = Some(self.instant(created_ms)?);
                sys.published_by = Some(user.clone());
                sys.version = Some(if state == "changed" { v + 2 } else { v + 1 });
            }
            "archived" => {
                sys.archived_version = Some(1 + edits);
                sys.archived_at = Some(updated);
                sys.archived_by = Some(user.clone());
                sys.version = Some(2 + edits);
            }
            _ => {}
        }
        let mut extra_sys = Extra::new();
        if k == crate::cma::EntityKind::Entry {
            extra_sys.insert("automationTags".into(), json!([]));
        }
        let field_state = if state == "archived" { "draft" } else { state };
        let per_locale: Map<String, Value> = self
            .locales
            .iter()
            .map(|code| (code.clone(), json!(field_state)))
            .collect();
        extra_sys.insert("fieldStatus".into(), json!({ "*": per_locale }));
        sys.extra = extra_sys;
        let mut entity = Entity {
            fields,
            metadata: Some(json!({"tags": [], "concepts": []})),
            sys,
            extra: Extra::new(),
        };
        if state == "changed" && k == crate::cma::EntityKind::Entry {
            // What was published stays as it was; the entry itself was edited since.
            self.tx
                .put(kind::PUBLISHED_ENTRY, &id, &published_snapshot(&entity))?;
            let display = if content_type.is_some_and(|ct| ct == "category" || ct == "author") {
                "name"
            } else {
                "title"
            };
            if let Some(Value::Object(locales)) = entity.fields.get_mut(display)
                && let Some(Value::String(text)) = locales.get_mut("en-US")
            {
                text.push_str(" (revised)");
            }
        }
        let store_kind = super::entities::store_kind(k);
        self.tx.put(store_kind, &id, &entity)?;
        Ok(())
    }
}

fn en(value: Value) -> Value {
    json!({ "en-US": value })
}

fn link(link_type: LinkType, id: String) -> Value {
    to_value(&Link::new(link_type, id))
}

fn slug(title: &str, n: usize) -> String {
    format!("{}-{n}", title.to_lowercase().replace(' ', "-"))
}

/// Writes the big space into `tx` (whose store holds the demo's locales and content model).
pub fn generate(core: &Core, tx: &Tx<'_>) -> Result<BigSpace, ApiErr> {
    let locales: Vec<crate::cma::Locale> = tx.all(kind::LOCALE)?;
    let mut g = Gen {
        core,
        tx,
        rng: StdRng::seed_from_u64(SEED),
        now_ms: core.now().as_millis(),
        locales: locales.into_iter().map(|l| l.code).collect(),
    };
    use crate::cma::EntityKind::{Asset, Entry};

    for i in 0..ASSETS {
        let title = g.title();
        let description = g.sentence();
        let width = g.rng.random_range(800..4000);
        let fields = json!({
            "title": en(json!(title)),
            "description": en(json!(description)),
            "file": en(json!({
                "fileName": format!("{}.jpg", slug(&title, i)),
                "contentType": "image/jpeg",
                "url": format!("//images.example.invalid/big/{i}.jpg"),
                "details": {"size": 1000 + i * 37, "image": {"width": width, "height": width * 9 / 16}},
            })),
        });
        g.entity(Asset, asset_id(i), None, object(fields), 80)?;
    }
    for i in 0..CATEGORIES {
        let name = g.title();
        let description = g.sentence();
        let fields = json!({
            "name": en(json!(name)),
            "slug": en(json!(slug(&name, i))),
            "description": en(json!(description)),
        });
        g.entity(Entry, category_id(i), Some("category"), object(fields), 90)?;
    }
    for i in 0..AUTHORS {
        let name = format!("{} {}", g.pick(FIRST_NAMES), g.pick(LAST_NAMES));
        let bio_en = g.sentence();
        let bio_de = g.sentence();
        let avatar = g.rng.random_range(0..ASSETS);
        let fields = json!({
            "name": en(json!(name)),
            "bio": {"en-US": bio_en, "de-DE": bio_de},
            "avatar": en(link(LinkType::Asset, asset_id(avatar))),
            "twitter": en(json!(format!("@writer{i}"))),
        });
        g.entity(Entry, author_id(i), Some("author"), object(fields), 90)?;
    }
    for i in 0..ARTICLES {
        let title = g.title();
        let kind_of = g.pick(KINDS);
        let summary = g.sentence();
        let body = format!("{} {} {}", g.sentence(), g.sentence(), g.sentence());
        let author = g.rng.random_range(0..AUTHORS);
        let category = g.rng.random_range(0..CATEGORIES);
        let tag_count = g.rng.random_range(0..=3);
        let tags: Vec<&str> = (0..tag_count).map(|_| g.pick(WORDS)).collect();
        let hero = g.rng.random_range(0..ASSETS);
        let related_count = if i == 0 { 0 } else { g.rng.random_range(0..=3) };
        let related: Vec<Value> = (0..related_count)
            .map(|_| link(LinkType::Entry, article_id(g.rng.random_range(0..i))))
            .collect();
        let fields = json!({
            "title": en(json!(title)),
            "slug": en(json!(slug(&title, i))),
            "kind": en(json!(kind_of)),
            "summary": en(json!(summary)),
            "body": en(json!(body)),
            "author": en(link(LinkType::Entry, author_id(author))),
            "category": en(link(LinkType::Entry, category_id(category))),
            "tags": en(json!(tags)),
            "heroImage": en(link(LinkType::Asset, asset_id(hero))),
            "related": en(json!(related)),
        });
        g.entity(Entry, article_id(i), Some("article"), object(fields), 55)?;
    }
    for i in 0..LANDING_PAGES {
        let title = g.title();
        let hero = g.rng.random_range(0..ASSETS);
        let featured_count = g.rng.random_range(1..=6);
        let featured: Vec<Value> = (0..featured_count)
            .map(|_| link(LinkType::Entry, article_id(g.rng.random_range(0..ARTICLES))))
            .collect();
        let fields = json!({
            "title": en(json!(title)),
            "slug": en(json!(slug(&title, i))),
            "hero": en(link(LinkType::Asset, asset_id(hero))),
            "featured": en(json!(featured)),
        });
        g.entity(
            Entry,
            landing_id(i),
            Some("landingPage"),
            object(fields),
            60,
        )?;
    }

    for i in 0..RELEASES {
        let (articles, assets) = if is_full_release(i) {
            (190, 10)
        } else {
            (g.rng.random_range(1..=40), g.rng.random_range(0..=3))
        };
        // A start and a stride that never wraps onto itself: no entity is in a release twice.
        let start = g.rng.random_range(0..ARTICLES);
        let stride = g.rng.random_range(1..=ARTICLES / 200);
        let mut items: Vec<Link> = (0..articles)
            .map(|j| Link::new(LinkType::Entry, article_id((start + j * stride) % ARTICLES)))
            .collect();
        let asset_start = g.rng.random_range(0..ASSETS);
        items.extend(
            (0..assets).map(|j| Link::new(LinkType::Asset, asset_id((asset_start + j) % ASSETS))),
        );
        let created_ms = g.now_ms - g.rng.random_range(DAY_MS..180 * DAY_MS);
        let updated_ms = created_ms + g.rng.random_range(0..=(g.now_ms - created_ms));
        let title = format!("{} ({})", g.title(), i);
        let archived = is_archived_release(i);
        let updated = g.instant(updated_ms)?;
        let release = Release {
            title,
            entities: ReleaseEntities::new(items),
            metadata: None,
            sys: ReleaseSys {
                type_: "Release".into(),
                id: release_id(i),
                version: if archived { 3 } else { 2 },
                status: if archived {
                    ReleaseStatus::Archived
                } else {
                    ReleaseStatus::Active
                },
                space: Some(core.space_link()),
                environment: Some(core.env_link()),
                created_by: Some(core.user()),
                updated_by: Some(core.user()),
                created_at: Some(g.instant(created_ms)?),
                updated_at: Some(updated),
                archived_by: archived.then(|| core.user()),
                archived_at: archived.then_some(updated),
                last_action: None,
                schema_version: Some("Release.v1".into()),
                extra: Extra::new(),
            },
            extra: Extra::new(),
        };
        tx.put(kind::RELEASE, &release_id(i), &release)?;
    }

    for i in 0..SCHEDULES {
        // Half wait their turn in the coming six months; the rest ran (or failed) in the last
        // two months, or were canceled.
        let status = match i % 10 {
            0..=4 => ScheduledActionStatus::Scheduled,
            5 | 6 => ScheduledActionStatus::Succeeded,
            7 | 8 => ScheduledActionStatus::Failed,
            _ => ScheduledActionStatus::Canceled,
        };
        let ahead = matches!(
            status,
            ScheduledActionStatus::Scheduled | ScheduledActionStatus::Canceled
        );
        let at_ms = if ahead {
            g.now_ms + g.rng.random_range(60 * 60 * 1000..180 * DAY_MS)
        } else {
            g.now_ms - g.rng.random_range(60 * 60 * 1000..60 * DAY_MS)
        };
        let entity = if i % 2 == 0 {
            // An active release (never an archived one: it could not run).
            let mut r = g.rng.random_range(0..RELEASES);
            while is_archived_release(r) {
                r = (r + 1) % RELEASES;
            }
            Link::new(LinkType::Release, release_id(r))
        } else {
            Link::new(LinkType::Entry, article_id(g.rng.random_range(0..ARTICLES)))
        };
        let created_ms = at_ms.min(g.now_ms) - g.rng.random_range(DAY_MS..30 * DAY_MS);
        let finished_ms = if ahead { g.now_ms - DAY_MS } else { at_ms };
        let canceled = status == ScheduledActionStatus::Canceled;
        let error = (status == ScheduledActionStatus::Failed).then(|| {
            ErrorBody::new(ErrorId::InvalidEntry, "Entry is invalid").with_details(json!({
                "errors": [{"error": {"sys": {"type": "Error", "id": "InvalidEntry"},
                                      "message": "Validation error"}}]
            }))
        });
        let action = ScheduledAction {
            entity,
            environment: core.env_link(),
            action: if i % 7 == 6 {
                ScheduledActionKind::Unpublish
            } else {
                ScheduledActionKind::Publish
            },
            scheduled_for: ScheduledFor {
                datetime: g.instant(at_ms)?,
                timezone: (i % 3 == 0).then(|| "Europe/Berlin".to_owned()),
            },
            payload: None,
            sys: ScheduledActionSys {
                type_: "ScheduledAction".into(),
                id: schedule_id(i),
                version: if status == ScheduledActionStatus::Scheduled {
                    1
                } else {
                    2
                },
                status,
                space: Some(core.space_link()),
                created_at: Some(g.instant(created_ms)?),
                created_by: Some(core.user()),
                updated_at: Some(g.instant(if ahead && !canceled {
                    created_ms
                } else {
                    finished_ms
                })?),
                updated_by: Some(core.user()),
                canceled_at: if canceled {
                    Some(g.instant(finished_ms)?)
                } else {
                    None
                },
                canceled_by: canceled.then(|| core.user()),
                extra: Extra::new(),
            },
            error,
            extra: Extra::new(),
        };
        tx.put(kind::SCHEDULED_ACTION, &schedule_id(i), &action)?;
    }
    Ok(BigSpace {
        entries: CATEGORIES + AUTHORS + ARTICLES + LANDING_PAGES,
        assets: ASSETS,
        releases: RELEASES,
        scheduled_actions: SCHEDULES,
    })
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
