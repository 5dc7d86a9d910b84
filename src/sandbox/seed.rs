//! The demo space (`assets/seed/demo.json`, the Northwind Journal magazine) and how it is loaded
//! into an empty store on first start. The file's format and story are described in
//! `assets/seed/README.md`.
//!
//! Seeding goes through the same domain functions as the API (so versions and states follow the
//! spec's rules), in one transaction, without firing webhooks: a seed is not an editor's change.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::core::{Core, Events, new_id, to_value};
use super::entities::{self, EntityBody};
use super::error::ApiErr;
use super::releases;
use super::scheduled;
use super::store::{Tx, kind};
use super::timeline::PublishingMode;
use super::webhooks::Cause;
use crate::cma::{
    ActionKind, ActionStatus, ContentType, EntityKind, Extra, ItemAction, Link, LinkType, Locale,
    LocaleSet, ReleaseAction, ReleaseActionSys, ReleaseBody, ReleaseItem, ScheduledActionBody,
    ScheduledActionKind, ScheduledFor, Timestamp, WebhookDefinition,
};

/// The demo space, compiled in.
pub const DEMO_JSON: &str = include_str!("../../assets/seed/demo.json");

/// Which data a fresh sandbox starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Seed {
    /// The Northwind Journal demo magazine.
    #[default]
    Demo,
    /// One space with locales and no content.
    Empty,
    /// A real-sized space over the demo's content model: 50,000 entries, 2,000 assets, 5,000
    /// releases and 500 scheduled actions, generated deterministically (module `seed_big`).
    Big,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedFile {
    space: SeedSpace,
    locales: Vec<Locale>,
    content_types: Vec<ContentType>,
    assets: Vec<SeedEntity>,
    entries: Vec<SeedEntity>,
    releases: Vec<SeedRelease>,
    scheduled_actions: Vec<SeedSchedule>,
    webhooks: Vec<SeedWebhook>,
}

#[derive(Debug, Deserialize)]
struct SeedSpace {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedEntity {
    id: String,
    #[serde(default)]
    content_type: Option<String>,
    state: String,
    fields: Map<String, Value>,
    #[serde(default)]
    changed_fields: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
struct SeedLink {
    #[serde(rename = "linkType")]
    link_type: LinkType,
    id: String,
}

#[derive(Debug, Deserialize)]
struct SeedRelease {
    id: String,
    title: String,
    state: String,
    entities: Vec<SeedLink>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedSchedule {
    id: String,
    entity: SeedLink,
    action: ScheduledActionKind,
    in_minutes: u64,
    timezone: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SeedWebhook {
    id: String,
    name: String,
    topics: Vec<String>,
}

/// The space id and name a seed uses.
pub fn space_of(seed: Seed) -> (String, String) {
    match seed {
        Seed::Demo => match serde_json::from_str::<SeedFile>(DEMO_JSON) {
            Ok(file) => (file.space.id, file.space.name),
            Err(_) => ("northwind".into(), "Northwind Journal".into()),
        },
        Seed::Empty => ("sandbox".into(), "Sandbox".into()),
        Seed::Big => ("northwind-big".into(), "Northwind Journal (big)".into()),
    }
}

fn default_locales() -> Vec<Locale> {
    serde_json::from_value(serde_json::json!([
        {"code": "en-US", "name": "English (United States)", "default": true, "optional": false, "fallbackCode": null},
        {"code": "de-DE", "name": "German (Germany)", "default": false, "optional": true, "fallbackCode": "en-US"}
    ]))
    .unwrap_or_default()
}

/// Loads `seed` into an empty store (one transaction, no webhooks). `webhook_url` is where the
/// demo webhook delivers (it is created inactive without one).
pub fn load(core: &Core, tx: &Tx<'_>, seed: Seed, webhook_url: Option<&str>) -> Result<(), ApiErr> {
    let file: SeedFile = match seed {
        Seed::Demo => serde_json::from_str(DEMO_JSON)
            .map_err(|e| ApiErr::internal(format!("demo seed does not parse: {e}")))?,
        Seed::Big => {
            // The demo's locales, content model and webhook; the content is generated below.
            let mut file: SeedFile = serde_json::from_str(DEMO_JSON)
                .map_err(|e| ApiErr::internal(format!("demo seed does not parse: {e}")))?;
            let (_, name) = space_of(Seed::Big);
            file.space.name = name;
            file.assets.clear();
            file.entries.clear();
            file.releases.clear();
            file.scheduled_actions.clear();
            file
        }
        Seed::Empty => SeedFile {
            space: SeedSpace {
                id: core.space_id.clone(),
                name: "Sandbox".into(),
            },
            locales: default_locales(),
            content_types: vec![],
            assets: vec![],
            entries: vec![],
            releases: vec![],
            scheduled_actions: vec![],
            webhooks: vec![SeedWebhook {
                id: "timeline".into(),
                name: "Release Desk timeline".into(),
                topics: vec!["*.*".into()],
            }],
        },
    };
    let mut quiet = Events::default();
    let events = &mut quiet;
    tx.set_setting("space_name", &file.space.name)?;
    for (i, mut locale) in file.locales.into_iter().enumerate() {
        let id = format!("locale-{i}");
        locale.sys = Some(
            serde_json::from_value(serde_json::json!({"type": "Locale", "id": id, "version": 1}))
                .map_err(ApiErr::internal)?,
        );
        tx.put(kind::LOCALE, &id, &locale)?;
    }
    for mut ct in file.content_types {
        ct.sys.type_ = "ContentType".into();
        ct.sys.version = Some(2);
        ct.sys.extra.insert("publishedVersion".into(), 1.into());
        ct.sys
            .extra
            .insert("space".into(), to_value(&core.space_link()));
        ct.sys
            .extra
            .insert("environment".into(), to_value(&core.env_link()));
        tx.put(kind::CONTENT_TYPE, &ct.sys.id.clone(), &ct)?;
    }
    let direct = Cause::default();
    for (k, list) in [
        (EntityKind::Asset, file.assets),
        (EntityKind::Entry, file.entries),
    ] {
        for e in list {
            entities::create(
                core,
                tx,
                events,
                k,
                &e.id,
                e.content_type.as_deref(),
                EntityBody {
                    fields: e.fields.clone(),
                    metadata: None,
                },
            )?;
            match e.state.as_str() {
                "published" | "changed" => {
                    let published =
                        entities::publish(core, tx, events, k, &e.id, Some(1), &direct)?;
                    if e.state == "changed" {
                        let mut fields = e.fields;
                        for (field, locales) in e.changed_fields.unwrap_or_default() {
                            let slot = fields
                                .entry(field)
                                .or_insert_with(|| Value::Object(Map::new()));
                            if let (Some(slot), Value::Object(locales)) =
                                (slot.as_object_mut(), locales)
                            {
                                slot.extend(locales);
                            }
                        }
                        entities::update(
                            core,
                            tx,
                            events,
                            k,
                            &e.id,
                            published.sys.version,
                            EntityBody {
                                fields,
                                metadata: None,
                            },
                        )?;
                    }
                }
                "archived" => {
                    entities::archive(core, tx, events, k, &e.id, Some(1))?;
                }
                _ => {}
            }
        }
    }
    for r in file.releases {
        let links = r
            .entities
            .into_iter()
            .map(|l| Link::new(l.link_type, l.id))
            .collect();
        let release = releases::create(
            core,
            tx,
            events,
            Some(&r.id),
            ReleaseBody::new(r.title, links),
        )?;
        match r.state.as_str() {
            "archived" => {
                releases::set_archived(
                    core,
                    tx,
                    events,
                    &r.id,
                    Some(release.sys.version),
                    true,
                    &direct,
                )?;
            }
            "published" => seed_published_release(core, tx, events, &r.id)?,
            _ => {}
        }
    }
    if seed == Seed::Demo {
        seed_timeline_release(core, tx, events)?;
    }
    let now = core.now().0;
    for s in file.scheduled_actions {
        let at = now
            .checked_add(Duration::from_secs(s.in_minutes.max(1) * 60))
            .map_err(ApiErr::internal)?;
        let body = ScheduledActionBody {
            entity: Link::new(s.entity.link_type, s.entity.id),
            environment: core.env_link(),
            action: s.action,
            scheduled_for: ScheduledFor {
                datetime: Timestamp(at),
                timezone: s.timezone,
            },
            payload: None,
        };
        scheduled::create(core, tx, events, body, Some(&s.id))?;
    }
    for w in file.webhooks {
        let mut hook = WebhookDefinition::new(
            w.name,
            // Inactive until the app or `--webhook-url` points it somewhere; a URL the API accepts,
            // so an export of the space imports again.
            webhook_url.unwrap_or("http://127.0.0.1:65535/unconfigured"),
            w.topics,
        );
        hook.active = webhook_url.is_some();
        super::api_webhooks::insert(core, tx, &w.id, hook)?;
    }
    if seed == Seed::Big {
        let started = std::time::Instant::now();
        let space = super::seed_big::generate(core, tx)?;
        tracing::info!(?space, elapsed = ?started.elapsed(), "big space generated");
    }
    Ok(())
}

/// The demo's Timeline (`Release.v2`) release, in the shape the environment's publishing mode
/// takes (spec §10.1). Entry-based: two drafts to publish and a published article to unpublish.
/// Locale-based: one draft published in every locale, and a published article kept in English
/// and taken out of German. Unfiltered release lists show Launch releases only, so the demo's
/// five Launch releases are still all that an unfiltered list holds.
fn seed_timeline_release(core: &Core, tx: &Tx<'_>, events: &mut Events) -> Result<(), ApiErr> {
    let entry = |id: &str| Link::new(LinkType::Entry, id);
    let (id, body) = match core.publishing() {
        PublishingMode::Entry => (
            "release-timeline-cider-week",
            ReleaseBody::timeline(
                "Cider Week (Timeline)",
                vec![
                    ReleaseItem::action(entry("article-hudson-valley-cider"), ItemAction::Publish),
                    ReleaseItem::action(entry("cat-outdoors"), ItemAction::Publish),
                    ReleaseItem::action(
                        entry("article-design-week-giveaway"),
                        ItemAction::Unpublish,
                    ),
                ],
            ),
        ),
        PublishingMode::Locale => {
            let codes = releases::locale_codes(tx)?;
            let all = LocaleSet::all_fields(codes.iter().cloned());
            let none = LocaleSet::all_fields(Vec::<String>::new());
            let (english, others): (Vec<String>, Vec<String>) =
                codes.into_iter().partition(|c| c == "en-US");
            (
                "release-timeline-german-edition",
                ReleaseBody::timeline(
                    "German Edition (Timeline, by locale)",
                    vec![
                        ReleaseItem::locales(entry("article-lisbon-by-tram"), all, none),
                        ReleaseItem::locales(
                            entry("article-baltic-island-hopping"),
                            LocaleSet::all_fields(english),
                            LocaleSet::all_fields(others),
                        ),
                    ],
                ),
            )
        }
    };
    let mut release = releases::create(core, tx, events, Some(id), body)?;
    // Dated a day back: the app opens on the model of a space's newest release, and the demo
    // is a Launch space first (its Timeline release is the older one).
    let earlier = core
        .now()
        .0
        .checked_sub(Duration::from_secs(24 * 60 * 60))
        .map_err(ApiErr::internal)?;
    release.sys.created_at = Some(Timestamp(earlier));
    release.sys.updated_at = Some(Timestamp(earlier));
    tx.put(kind::RELEASE, id, &release)?;
    Ok(())
}

/// A release that was published before the demo starts: its entities are published, a
/// succeeded publish action is on record, and it is archived (as auto-archive does).
fn seed_published_release(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    id: &str,
) -> Result<(), ApiErr> {
    let mut release = releases::load(core, tx, id)?;
    for link in release.entities.links() {
        if let Some(k) = entities::kind_of_link(&link.sys.link_type) {
            let entity = entities::load(tx, k, link.id())?;
            if entity.sys.published_version.is_none() {
                entities::publish(
                    core,
                    tx,
                    events,
                    k,
                    link.id(),
                    entity.sys.version,
                    &Cause::default(),
                )?;
            }
        }
    }
    let now = core.now();
    let action_id = new_id();
    let action = ReleaseAction {
        action: ActionKind::Publish,
        sys: ReleaseActionSys {
            type_: "ReleaseAction".into(),
            id: action_id.clone(),
            status: ActionStatus::Succeeded,
            release: Link::new(LinkType::Release, id),
            space: Some(core.space_link()),
            environment: Some(core.env_link()),
            created_by: Some(core.user()),
            updated_by: Some(core.user()),
            created_at: Some(now),
            updated_at: Some(now),
            extra: Extra::new(),
        },
        error: None,
        extra: Extra::new(),
    };
    tx.put(kind::RELEASE_ACTION, &action_id, &action)?;
    release.sys.last_action = Some(Link::new(LinkType::ReleaseAction, action_id));
    tx.put(kind::RELEASE, id, &release)?;
    releases::set_archived(
        core,
        tx,
        events,
        id,
        Some(release.sys.version),
        true,
        &Cause::default(),
    )?;
    Ok(())
}
