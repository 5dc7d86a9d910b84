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
use crate::cma::ErrorBody;

pub use crate::app::failure::{EntityProblems, FieldProblem, group_errors, problem_links};

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
