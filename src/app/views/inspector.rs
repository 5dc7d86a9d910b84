//! [`FailureInspector`]: why an action failed — errors grouped by entity ⏵ field path ⏵ reason
//! in plain words, the raw error JSON one click away; clicking an entity opens its detail.
//! Entities and link targets are named by title where the app knows them (else by id, asked
//! for once).

use egui::RichText;

use super::ViewCtx;
use crate::app::format;
use crate::app::intents::{Window, WindowKind};
use crate::app::theme::{self, Tone};
use crate::app::widgets::badge_ui;
use crate::cma::{EntityKind, ErrorBody, FieldError, Link, LinkType};

/// One entity's problems, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityProblems {
    /// Entry or asset.
    pub kind: EntityKind,
    /// Its id.
    pub id: String,
    /// The per-entity error id (`InvalidEntry`, `UnresolvedLinks`, `VersionMismatch`, …).
    pub error_id: String,
    /// Each failing field; empty when the error is about the whole entity.
    pub fields: Vec<FieldProblem>,
    /// The entity-level message when there are no field errors.
    pub message: String,
}

impl EntityProblems {
    /// A link to the failed entity.
    pub fn link(&self) -> Link {
        match self.kind {
            EntityKind::Entry => Link::entry(self.id.clone()),
            EntityKind::Asset => Link::asset(self.id.clone()),
        }
    }
}

/// One failing field of an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    /// The field path after `fields` ("title › en-US").
    pub path: String,
    /// What is wrong, in words.
    pub reason: String,
    /// The entity a link field points at, when the error is about it (`notResolvable`): the
    /// reason names it by id, which the view swaps for its title when known.
    pub target: Option<Link>,
}

impl FieldProblem {
    /// The reason with the target's id replaced by `title` when there is one.
    pub fn reason_with(&self, title: Option<&str>) -> String {
        match (&self.target, title) {
            (Some(target), Some(title)) => self
                .reason
                .replace(&format!("'{}'", target.id()), &format!("'{title}'")),
            _ => self.reason.clone(),
        }
    }
}

/// The failed entities and the link targets their errors name: what to resolve for titles.
pub fn problem_links(groups: &[EntityProblems]) -> Vec<Link> {
    groups
        .iter()
        .flat_map(|g| {
            std::iter::once(g.link()).chain(g.fields.iter().filter_map(|f| f.target.clone()))
        })
        .collect()
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
    for field in &group.fields {
        let title = field.target.as_ref().and_then(|t| cx.state.link_title(t));
        ui.horizontal_wrapped(|ui| {
            ui.add_space(16.0);
            ui.label(RichText::new(&field.path).monospace());
            ui.label(field.reason_with(title.as_deref()));
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
                    FieldProblem {
                        path: path.collect::<Vec<_>>().join(" › "),
                        reason: format::field_error_reason(f),
                        target: link_target(f),
                    }
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

/// The entry or asset a field error's link names (`notResolvable`), when it names one.
fn link_target(error: &FieldError) -> Option<Link> {
    let id = error.link_target_id()?;
    let link = error.link.as_ref()?;
    let link_type = link
        .get("linkType")
        .or_else(|| link.get("sys").and_then(|s| s.get("linkType")))
        .and_then(serde_json::Value::as_str);
    Some(match link_type {
        Some("Asset") => Link::asset(id),
        _ => Link::entry(id),
    })
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
                let links = problem_links(&groups);
                cx.resolve(&links);
                failure_heading_ui(ui, &error, groups.len());
                ui.add_space(6.0);
                egui::ScrollArea::vertical()
                    .max_height(ui.available_height() - 40.0)
                    .show(ui, |ui| {
                        for group in &groups {
                            let title = cx
                                .state
                                .link_title(&group.link())
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
