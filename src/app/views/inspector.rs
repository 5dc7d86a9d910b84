//! [`FailureInspector`]: why an action failed — errors grouped by entity ⏵ field path ⏵ reason
//! in plain words, the raw error JSON one click away; clicking an entity opens its detail.
//! [`EntityDetail`]: one entry's fields per locale, state, versions and the releases that hold it.

use egui::RichText;

use super::ViewCtx;
use crate::app::format;
use crate::app::intents::{Window, WindowKind};
use crate::app::theme::{self, Tone};
use crate::app::widgets::{badge_ui, entity_state_badge_ui};
use crate::cma::{EntityKind, ErrorBody, LinkType};

/// One entity's problems, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityProblems {
    /// Entry or asset.
    pub kind: EntityKind,
    /// Its id.
    pub id: String,
    /// The per-entity error id (`InvalidEntry`, `UnresolvedLinks`, `VersionMismatch`, …).
    pub error_id: String,
    /// (field path, reason in words) pairs; empty when the error is about the whole entity.
    pub fields: Vec<(String, String)>,
    /// The entity-level message when there are no field errors.
    pub message: String,
}

/// The heading of a failed action's error: its message and how many entities failed.
pub fn failure_heading_ui(ui: &mut egui::Ui, error: &ErrorBody, failed: usize) {
    let visuals = ui.visuals().clone();
    ui.label(
        RichText::new(format!(
            "{} — {} entit{} failed",
            error.message_or_id(),
            failed,
            if failed == 1 { "y" } else { "ies" }
        ))
        .strong()
        .color(theme::tone(&visuals, Tone::Danger)),
    );
}

/// One failed entity: its `title` as a link that opens it, the error id, and each failing
/// field's path with the reason (or the entity-level message when no field is named).
pub fn entity_problems_ui(
    ui: &mut egui::Ui,
    cx: &mut ViewCtx<'_>,
    group: &EntityProblems,
    title: &str,
) {
    ui.horizontal(|ui| {
        if ui
            .link(RichText::new(title).strong())
            .on_hover_text("Open the entry")
            .clicked()
        {
            cx.open(Window::Entity(group.kind, group.id.clone()));
        }
        badge_ui(
            ui,
            &group.error_id,
            Tone::Danger,
            "Contentful's error id for this entity",
        );
    });
    if group.fields.is_empty() {
        ui.label(format!("    {}", group.message));
    }
    for (path, reason) in &group.fields {
        ui.horizontal_wrapped(|ui| {
            ui.add_space(16.0);
            ui.label(RichText::new(path).monospace());
            ui.label(reason);
        });
    }
}

/// Groups a failed action's error by entity and field.
pub fn group_errors(error: &ErrorBody) -> Vec<EntityProblems> {
    error
        .entity_errors()
        .into_iter()
        .map(|e| {
            let link = e.link();
            let kind = match link.as_ref().map(|l| l.link_type().clone()) {
                Some(LinkType::Asset) => EntityKind::Asset,
                _ => EntityKind::Entry,
            };
            let id = link
                .as_ref()
                .map(|l| l.id().to_owned())
                .or_else(|| {
                    e.error
                        .details
                        .as_ref()
                        .and_then(|d| d.pointer("/sys/id"))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "?".into());
            let fields = e
                .error
                .field_errors()
                .iter()
                .map(|f| {
                    let path = f.path.iter().skip(1).map(|s| match s {
                        serde_json::Value::String(s) => s.clone(),
                        other => format!("[{other}]"),
                    });
                    (
                        path.collect::<Vec<_>>().join(" › "),
                        format::field_error_reason(f),
                    )
                })
                .collect();
            let message = match e.error.sys.id.as_str() {
                "VersionMismatch" => {
                    "Changed since you selected it: reload and try again".to_owned()
                }
                "NotFound" => "Does not exist (deleted?)".to_owned(),
                _ => e.error.message_or_id().to_owned(),
            };
            EntityProblems {
                kind,
                id,
                error_id: e.error.sys.id.to_string(),
                fields,
                message,
            }
        })
        .collect()
}

/// The failure inspector window for one action.
#[derive(Debug)]
pub struct FailureInspector {
    /// The action inspected.
    pub action_id: String,
    show_raw: bool,
}

impl FailureInspector {
    /// Inspects `action_id`.
    pub fn new(action_id: String) -> Self {
        Self {
            action_id,
            show_raw: false,
        }
    }

    /// Draws the window; closing it pushes [`Intent::Close`](crate::app::intents::Intent::Close).
    pub fn show(&mut self, ctx: &egui::Context, cx: &mut ViewCtx<'_>) {
        let error = cx
            .state
            .actions
            .iter()
            .find(|a| a.id == self.action_id)
            .and_then(|a| a.error.clone())
            .or_else(|| {
                cx.state
                    .release_actions
                    .values()
                    .flatten()
                    .chain(cx.state.latest_actions.values())
                    .find(|a| a.sys.id == self.action_id)
                    .and_then(|a| a.error.clone())
            })
            .or_else(|| {
                cx.state
                    .scheduled_actions
                    .get(&self.action_id)
                    .and_then(|a| a.error.clone())
            });
        let overdue = cx
            .state
            .scheduled_actions
            .get(&self.action_id)
            .filter(|a| crate::app::schedule::is_overdue(a, cx.now))
            .map(|a| (a.scheduled_for.datetime, a.action.clone()));
        let mut open = true;
        egui::Window::new("Failure inspector")
            .id(egui::Id::unique("failure-inspector"))
            .default_pos([560.0, 90.0])
            .default_size([620.0, 460.0])
            .open(&mut open)
            .show(ctx, |ui| {
                let Some(error) = error else {
                    match &overdue {
                        Some((due, action)) => {
                            let visuals = ui.visuals().clone();
                            ui.label(
                                RichText::new(format!(
                                    "⚠ Overdue: this {action} was due at {} and has not run.",
                                    format::local_time(*due)
                                ))
                                .strong()
                                .color(theme::tone(&visuals, Tone::Warning)),
                            );
                            ui.label("The scheduler normally runs an action within seconds of its time. It may be stopped (the app or sandbox was closed), behind (more than 200 actions in one minute), or the service is having trouble. It runs as soon as the scheduler catches up; reschedule or cancel it from the calendar if it should not.");
                        }
                        None => {
                            ui.label("This action has no error to show.");
                        }
                    }
                    return;
                };
                let groups = group_errors(&error);
                // Their titles: asked for by id once (the state knows what is in flight).
                let links: Vec<crate::cma::Link> = groups
                    .iter()
                    .map(|g| match g.kind {
                        EntityKind::Entry => crate::cma::Link::entry(g.id.clone()),
                        EntityKind::Asset => crate::cma::Link::asset(g.id.clone()),
                    })
                    .collect();
                cx.resolve(&links);
                failure_heading_ui(ui, &error, groups.len());
                ui.add_space(6.0);
                egui::ScrollArea::vertical()
                    .max_height(ui.available_height() - 40.0)
                    .show(ui, |ui| {
                        for group in &groups {
                            let title = cx
                                .state
                                .entities
                                .get(&(group.kind, group.id.clone()))
                                .map(|e| cx.state.display_title(e))
                                .unwrap_or_else(|| group.id.clone());
                            entity_problems_ui(ui, cx, group, &title);
                            ui.add_space(6.0);
                        }
                    });
                ui.separator();
                ui.horizontal(|ui| {
                    ui.toggle_value(&mut self.show_raw, "{ } Raw error JSON");
                    if ui
                        .button("📋 Copy JSON")
                        .on_hover_text("Copy the raw error")
                        .clicked()
                    {
                        let json = serde_json::to_string_pretty(&error).unwrap_or_default();
                        ui.ctx().copy_text(json);
                    }
                });
                if self.show_raw {
                    let mut json = serde_json::to_string_pretty(&error).unwrap_or_default();
                    egui::ScrollArea::vertical()
                        .id_salt("raw")
                        .max_height(240.0)
                        .show(ui, |ui| {
                            ui.add(
                                egui::TextEdit::multiline(&mut json)
                                    .code_editor()
                                    .desired_width(f32::INFINITY)
                                    .interactive(false),
                            );
                        });
                }
            });
        if !open {
            cx.close(WindowKind::Inspector);
        }
    }
}

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
