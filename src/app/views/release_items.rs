//! The items table of one release, in both release models: a Launch release's entries and
//! assets; a Timeline release's items each with its own action as a toggle (publish ↔
//! unpublish) or, under locale-based publishing, one chip per environment locale (published or
//! unpublished by the release). Items the app cannot model are listed as "unsupported", never
//! dropped. The table only reports what the user did ([`ItemEdit`]); the detail view turns an
//! edit into an update of the release.

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::ViewCtx;
use crate::app::format;
use crate::app::theme::{self, Tone};
use crate::app::widgets::{badge_ui, entity_state_badge_ui};
use crate::cma::{EntityKind, ItemAction, Link, LinkType, Release, ReleaseItem};

/// What the user did to one row.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemEdit {
    /// Open the entry or asset.
    Open(Link),
    /// Take item `index` out of the release.
    Remove(usize),
    /// Replace item `index` (a toggled action or locale).
    Replace(usize, ReleaseItem),
}

/// Draws the items of `release`; returns the user's edit, if any.
pub fn items_ui(ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) -> Option<ItemEdit> {
    let now = cx.now;
    let items = &release.entities.items;
    // Titles come from the entity cache; ask once for those it lacks.
    cx.resolve(release.entities.links());
    let unsupported = release.entities.unsupported();
    let heading = if release.is_timeline() {
        format!("Items ({})", items.len())
    } else {
        format!("Entries and assets ({})", items.len())
    };
    ui.horizontal(|ui| {
        ui.label(RichText::new(heading).strong());
        if unsupported > 0 {
            badge_ui(
                ui,
                &format!("{unsupported} unsupported"),
                Tone::Warning,
                "Items in a shape this version of Release Desk cannot show; they are kept unchanged when you edit the release",
            );
        }
    });
    if items.is_empty() {
        ui.label(
            RichText::new(
                "This release is empty. Use “Add entries…” to choose what it should publish.",
            )
            .weak(),
        );
        return None;
    }
    let editable = !release.is_archived();
    let timeline = release.is_timeline();
    let locales: Vec<String> = cx.state.locales.iter().map(|l| l.code.clone()).collect();
    let mut edit = None;
    let height = (items.len() as f32 * (theme::ROW_HEIGHT + 4.0) + 8.0)
        .min(ui.available_height() * 0.6)
        .max(120.0);
    ui.push_id("release-entities", |ui| {
        let mut table = TableBuilder::new(ui)
            .striped(true)
            .max_scroll_height(height)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::remainder().at_least(180.0).clip(true))
            .column(Column::exact(130.0).clip(true))
            .column(Column::exact(90.0));
        if timeline {
            table = table.column(Column::auto().at_least(120.0));
        }
        table
            .column(Column::exact(110.0))
            .column(Column::exact(36.0))
            .header(24.0, |mut h| {
                let mut heads = vec!["Title", "Content type", "State"];
                if timeline {
                    heads.push("Release does");
                }
                heads.push("Updated");
                for head in heads {
                    h.col(|ui| {
                        ui.strong(head);
                    });
                }
                h.col(|_| {});
            })
            .body(|body| {
                body.rows(theme::ROW_HEIGHT, items.len(), |mut row| {
                    let index = row.index();
                    let item = &items[index];
                    let Some(link) = item.entity() else {
                        let reason = item.unsupported_reason().unwrap_or_default();
                        row.col(|ui| {
                            ui.label(RichText::new("Unsupported item").italics())
                                .on_hover_text(format!(
                                    "Release Desk cannot show {reason}; it is kept unchanged.\n{}",
                                    item.to_value()
                                ));
                        });
                        row.col(|_| {});
                        row.col(|ui| {
                            badge_ui(ui, "unsupported", Tone::Warning, &reason);
                        });
                        if timeline {
                            row.col(|_| {});
                        }
                        row.col(|_| {});
                        row.col(|_| {});
                        return;
                    };
                    let entity = cx.state.entity(link);
                    row.col(|ui| match entity {
                        Some(e) => {
                            let title = ui
                                .link(cx.state.display_title(e))
                                .on_hover_text("Open its fields and versions (right-click: more)");
                            super::entries::open_in_contentful_menu(
                                &title,
                                cx.state,
                                &link_key(link),
                            );
                            if title.clicked() {
                                edit = Some(ItemEdit::Open(link.clone()));
                            }
                        }
                        None => {
                            ui.label(RichText::new(link.id()).weak());
                        }
                    });
                    row.col(|ui| {
                        ui.label(
                            entity
                                .map(|e| cx.state.content_type_name(e))
                                .unwrap_or_default(),
                        );
                    });
                    row.col(|ui| match entity {
                        Some(e) => {
                            entity_state_badge_ui(ui, e.state());
                        }
                        None if cx.state.missing_entities([link]).is_empty()
                            && !cx.state.entity_loading(&link_key(link)) =>
                        {
                            badge_ui(
                                ui,
                                "missing",
                                Tone::Warning,
                                "Not found: deleted, or it could not be read (reload to try again)",
                            );
                        }
                        None => {
                            badge_ui(ui, "loading", Tone::Neutral, "Loading its title and state");
                        }
                    });
                    if timeline {
                        let now_status = entity.map(|e| e.sys.locale_status()).unwrap_or_default();
                        row.col(|ui| {
                            if let Some(new) =
                                item_action_ui(ui, item, &locales, &now_status, editable)
                            {
                                edit = Some(ItemEdit::Replace(index, new));
                            }
                        });
                    }
                    row.col(|ui| {
                        if let Some(t) = entity.and_then(|e| e.sys.updated_at) {
                            ui.label(format::relative_time(t, now))
                                .on_hover_text(format::local_time(t));
                        }
                    });
                    row.col(|ui| {
                        if editable
                            && ui
                                .small_button("✖")
                                .on_hover_text("Remove from the release")
                                .accessible_name("Remove from the release")
                                .clicked()
                        {
                            edit = Some(ItemEdit::Remove(index));
                        }
                    });
                });
            });
    });
    edit
}

/// The "Release does" cell of a Timeline item: a publish/unpublish toggle, or one chip per
/// locale. Returns the changed item when the user clicked.
fn item_action_ui(
    ui: &mut Ui,
    item: &ReleaseItem,
    locales: &[String],
    now_status: &std::collections::BTreeMap<String, String>,
    editable: bool,
) -> Option<ReleaseItem> {
    let visuals = ui.visuals().clone();
    match item {
        ReleaseItem::Action { action, .. } => {
            let (text, tone, tip) = match action {
                ItemAction::Publish => (
                    "⬆ publish",
                    Tone::Success,
                    "Publishing the release publishes this. Click to unpublish it instead",
                ),
                ItemAction::Unpublish => (
                    "⬇ unpublish",
                    Tone::Warning,
                    "Publishing the release unpublishes this. Click to publish it instead",
                ),
                ItemAction::Other(_) => (
                    action.as_str(),
                    Tone::Neutral,
                    "An action Release Desk does not know; click to publish instead",
                ),
            };
            let button = egui::Button::new(
                RichText::new(text)
                    .small()
                    .strong()
                    .color(theme::tone(&visuals, tone)),
            )
            .fill(theme::tone_fill(&visuals, tone));
            let response = ui
                .add_enabled(editable, button)
                .on_hover_text(tip)
                .on_disabled_hover_text("Archived releases cannot be changed");
            if response.clicked() {
                return item.with_action_toggled();
            }
        }
        ReleaseItem::Locales { .. } => {
            // Every environment locale, then any the item names that the environment lacks.
            let mut shown: Vec<&str> = locales.iter().map(String::as_str).collect();
            for l in item.added_locales().iter().chain(item.removed_locales()) {
                if !shown.contains(&l.as_str()) {
                    shown.push(l);
                }
            }
            for locale in shown {
                let added = item.added_locales().iter().any(|l| l == locale);
                let now = now_status
                    .get(locale)
                    .map(|s| format!(" It is {s} now."))
                    .unwrap_or_default();
                let (tone, tip) = if added {
                    (
                        Tone::Success,
                        format!(
                            "{locale} is published by this release.{now} Click to unpublish it"
                        ),
                    )
                } else {
                    (
                        Tone::Neutral,
                        format!(
                            "{locale} is unpublished (or stays unpublished).{now} Click to publish it"
                        ),
                    )
                };
                let mark = if added { "⬆" } else { "⬇" };
                let chip = egui::Button::new(
                    RichText::new(format!("{mark} {locale}"))
                        .small()
                        .color(theme::tone(&visuals, tone)),
                )
                .fill(theme::tone_fill(&visuals, tone));
                if ui
                    .add_enabled(editable, chip)
                    .on_hover_text(tip)
                    .on_disabled_hover_text("Archived releases cannot be changed")
                    .clicked()
                {
                    return item.with_locale_toggled(locale);
                }
            }
        }
        ReleaseItem::Link(_) | ReleaseItem::Unsupported(_) => {}
    }
    None
}

/// One line per item saying what publishing the release does to it, for the confirmation:
/// `(title, what happens)`.
pub fn planned_changes(cx: &ViewCtx<'_>, release: &Release) -> Vec<(String, String)> {
    release
        .entities
        .items
        .iter()
        .filter_map(|item| {
            let link = item.entity()?;
            let title = cx
                .state
                .entity(link)
                .map(|e| cx.state.display_title(e).to_owned())
                .unwrap_or_else(|| link.id().to_owned());
            let does = match item {
                ReleaseItem::Action { action, .. } => match action {
                    ItemAction::Publish => "publish".to_owned(),
                    ItemAction::Unpublish => "unpublish".to_owned(),
                    ItemAction::Other(other) => other.clone(),
                },
                ReleaseItem::Locales { .. } => {
                    let add = item.added_locales().join(", ");
                    let remove = item.removed_locales().join(", ");
                    match (add.is_empty(), remove.is_empty()) {
                        (false, true) => format!("publish in {add}"),
                        (true, false) => format!("unpublish in {remove}"),
                        (false, false) => format!("publish in {add} · unpublish in {remove}"),
                        (true, true) => "no locales".to_owned(),
                    }
                }
                _ => "publish".to_owned(),
            };
            Some((title, does))
        })
        .collect()
}

/// The cache key of an entry or asset link.
pub fn link_key(link: &Link) -> crate::app::state::EntityKey {
    let kind = if *link.link_type() == LinkType::Asset {
        EntityKind::Asset
    } else {
        EntityKind::Entry
    };
    (kind, link.id().to_owned())
}
