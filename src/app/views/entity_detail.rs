//! [`EntityDetail`]: one entry's (or asset's) window — its title, state, versions, the loaded
//! releases that hold it, and its fields per locale. A link field (one link or a list of
//! links) shows each linked entry or asset by title, as a link that opens it; the titles it
//! lacks are asked for once by id, and an unknown one shows its id meanwhile.

use egui::RichText;
use serde_json::Value;

use super::ViewCtx;
use crate::app::intents::{Window, WindowKind};
use crate::app::widgets::entity_state_badge_ui;
use crate::cma::{EntityKind, Link, LinkType};

/// One entity's detail window.
#[derive(Debug)]
pub struct EntityDetail {
    /// Entry or asset.
    pub kind: EntityKind,
    /// Its id.
    pub id: String,
}

impl EntityDetail {
    /// Draws the window; closing it pushes [`Intent::Close`](crate::app::intents::Intent::Close).
    pub fn show(&mut self, ctx: &egui::Context, cx: &mut ViewCtx<'_>) {
        let mut open = true;
        let entity = cx
            .state
            .entities
            .get(&(self.kind, self.id.clone()))
            .cloned();
        egui::Window::new("Entry detail")
            .id(egui::Id::unique("entity-detail"))
            .default_pos([620.0, 140.0])
            .default_size([560.0, 480.0])
            .open(&mut open)
            .show(ctx, |ui| {
                let Some(entity) = entity else {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Loading…");
                    });
                    return;
                };
                ui.horizontal(|ui| {
                    ui.heading(cx.state.display_title(&entity));
                    entity_state_badge_ui(ui, entity.state());
                    if ui
                        .button("📅 Schedule…")
                        .on_hover_text("Publish or unpublish this at a set time")
                        .clicked()
                    {
                        cx.open_schedule(super::schedule_dialog::ScheduleRequest::for_target(
                            entity.link(),
                        ));
                    }
                    if let Some(url) = cx
                        .state
                        .connection
                        .as_ref()
                        .and_then(|c| c.web_app_url(self.kind, &self.id))
                    {
                        ui.hyperlink_to("Open in Contentful", &url)
                            .on_hover_text(&url);
                    }
                });
                ui.label(
                    RichText::new(format!(
                        "{} · {}",
                        cx.state.content_type_name(&entity),
                        entity.sys.id
                    ))
                    .weak(),
                );
                ui.label(format!(
                    "Version {} · published version {} · archived version {}",
                    entity.sys.version.map_or("—".into(), |v| v.to_string()),
                    entity
                        .sys
                        .published_version
                        .map_or("—".into(), |v| v.to_string()),
                    entity
                        .sys
                        .archived_version
                        .map_or("—".into(), |v| v.to_string()),
                ));
                let containing: Vec<&str> = cx
                    .state
                    .releases
                    .iter()
                    .filter(|r| r.entities.links().any(|l| l.id() == entity.sys.id))
                    .map(|r| r.title.as_str())
                    .collect();
                ui.label(if containing.is_empty() {
                    "In no loaded release".to_owned()
                } else {
                    format!("In releases: {}", containing.join(", "))
                });
                ui.separator();
                let links: Vec<Link> = entity
                    .fields
                    .values()
                    .filter_map(Value::as_object)
                    .flat_map(|per_locale| per_locale.values())
                    .flat_map(links_in)
                    .collect();
                cx.resolve(&links);
                egui::ScrollArea::vertical().show(ui, |ui| {
                    egui::Grid::new("entity-fields")
                        .striped(true)
                        .spacing([12.0, 4.0])
                        .show(ui, |ui| {
                            for (field, per_locale) in &entity.fields {
                                let Some(per_locale) = per_locale.as_object() else {
                                    continue;
                                };
                                for (locale, value) in per_locale {
                                    ui.label(RichText::new(field).strong());
                                    ui.label(RichText::new(locale).weak());
                                    let linked = links_in(value);
                                    if !linked.is_empty() {
                                        link_list_ui(ui, cx, &linked);
                                        ui.end_row();
                                        continue;
                                    }
                                    let text = match value {
                                        serde_json::Value::String(s) => s.clone(),
                                        other => other.to_string(),
                                    };
                                    let short: String = text.chars().take(160).collect();
                                    ui.label(short).on_hover_text(text);
                                    ui.end_row();
                                }
                            }
                        });
                });
            });
        if !open {
            cx.close(WindowKind::Entity);
        }
    }
}

/// The links a field value holds: itself when it is one link, its items when it is a list of
/// links only; nothing for any other value.
pub fn links_in(value: &Value) -> Vec<Link> {
    let as_link = |v: &Value| -> Option<Link> {
        if v.pointer("/sys/type").and_then(Value::as_str) != Some("Link") {
            return None;
        }
        serde_json::from_value(v.clone()).ok()
    };
    match value {
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(as_link)
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default(),
        other => as_link(other).into_iter().collect(),
    }
}

/// Each linked entry or asset by title (its id while unknown), a click opens it; other link
/// types are shown by kind and id.
fn link_list_ui(ui: &mut egui::Ui, cx: &mut ViewCtx<'_>, links: &[Link]) {
    ui.horizontal_wrapped(|ui| {
        for link in links {
            let kind = match link.link_type() {
                LinkType::Entry => EntityKind::Entry,
                LinkType::Asset => EntityKind::Asset,
                other => {
                    ui.label(RichText::new(format!("{other} {}", link.id())).monospace());
                    continue;
                }
            };
            let title = cx
                .state
                .link_title(link)
                .unwrap_or_else(|| link.id().to_owned());
            let what = if kind == EntityKind::Asset {
                "asset"
            } else {
                "entry"
            };
            if ui
                .link(title)
                .on_hover_text(format!("Open the linked {what} ({})", link.id()))
                .clicked()
            {
                cx.open(Window::Entity(kind, link.id().to_owned()));
            }
        }
    });
}
