//! [`ReleaseDetailView`]: one release — its entries and assets with their state, the action bar
//! (Validate, Publish…, Unpublish…, Add entries…, Archive, Delete), the running action's
//! progress, the conflict notice, and the action history.

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::ViewCtx;
use super::releases::EntityPicker;
use crate::app::command::{Command, PickerId};
use crate::app::format;
use crate::app::intents::{Route, Window};
use crate::app::theme::{self, Tone};
use crate::app::widgets::{
    action_badge_ui, badge_ui, entity_state_badge_ui, release_status_badge_ui,
};
use crate::cma::{ActionKind, ActionStatus, EntityKind, Link, LinkType, Release};

/// A confirmation the user must give.
#[derive(Debug, Clone, PartialEq)]
enum Confirm {
    Publish,
    Unpublish,
    Delete,
}

/// The detail of one release and its UI state.
#[derive(Debug)]
pub struct ReleaseDetailView {
    /// The release shown.
    pub release_id: String,
    confirm: Option<Confirm>,
    adding: Option<EntityPicker>,
}

impl ReleaseDetailView {
    /// The detail of `release_id` (the caller sends `OpenRelease`).
    pub fn new(release_id: String) -> Self {
        Self {
            release_id,
            confirm: None,
            adding: None,
        }
    }

    /// Draws the view; going back to the list pushes [`Route::ReleaseList`].
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let Some(release) = cx.state.release(&self.release_id).cloned() else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Loading the release…");
            });
            if ui
                .button("⏴ Releases")
                .accessible_name("Back to releases")
                .clicked()
            {
                back(cx);
            }
            return;
        };
        let mut stay = true;
        ui.horizontal(|ui| {
            if ui
                .button("⏴ Releases")
                .on_hover_text("Back to the list (Esc)")
                .accessible_name("Back to releases")
                .clicked()
                || ui.input(|i| i.key_pressed(egui::Key::Escape))
                    && self.confirm.is_none()
                    && self.adding.is_none()
            {
                stay = false;
            }
            ui.heading(&release.title);
            release_status_badge_ui(ui, &release.sys.status);
            ui.label(RichText::new(format!("version {}", release.sys.version)).weak());
        });
        ui.add_space(4.0);
        self.conflict_ui(ui, cx);
        self.action_bar_ui(ui, cx, &release);
        ui.add_space(theme::SECTION_GAP);
        self.entities_ui(ui, cx, &release);
        ui.add_space(theme::SECTION_GAP);
        self.history_ui(ui, cx);
        self.confirm_ui(ui, cx, &release);
        self.add_ui(ui, cx, &release);
        if !stay {
            back(cx);
        }
    }

    fn conflict_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let Some(conflict) = &cx.state.conflict else {
            return;
        };
        if conflict.id != self.release_id {
            return;
        }
        let visuals = ui.visuals().clone();
        egui::Frame::new()
            .fill(theme::tone_fill(&visuals, Tone::Warning))
            .corner_radius(6.0)
            .inner_margin(10.0)
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new("⚠ Not saved: this release was changed by someone else.").strong()
                        .color(theme::tone(&visuals, Tone::Warning)));
                    let who = conflict.changed_by.clone().unwrap_or_else(|| "another user".into());
                    let version = conflict
                        .current_version
                        .map(|v| format!(" It is now at version {v}."))
                        .unwrap_or_default();
                    ui.label(format!(
                        "{} failed because {who} changed it after you loaded it.{version} Reload to see their changes, then redo yours.",
                        conflict.what
                    ));
                    if ui.button("Reload").clicked() {
                        cx.send(Command::OpenRelease { id: conflict.id.clone() });
                        cx.send(Command::DismissConflict);
                    }
                });
            });
        ui.add_space(6.0);
    }

    fn action_bar_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
        let running = cx
            .state
            .tracked_for_release(&release.sys.id)
            .filter(|a| !a.status.is_final())
            .cloned();
        let archived = release.is_archived();
        let empty = release.entities.items.is_empty();
        ui.horizontal(|ui| {
            let idle = running.is_none();
            let can_act = idle && !archived && !empty;
            let why = if archived {
                "Archived releases cannot be changed; unarchive it first"
            } else if empty {
                "Add entries first"
            } else {
                "An action is running"
            };
            if ui
                .add_enabled(can_act, egui::Button::new("✔ Validate"))
                .on_hover_text("Check every entry for publishing, without changing anything")
                .on_disabled_hover_text(why)
                .clicked()
            {
                cx.send(Command::RunReleaseAction {
                    id: release.sys.id.clone(),
                    action: ActionKind::Validate,
                });
            }
            if ui
                .add_enabled(can_act, egui::Button::new("⬆ Publish…"))
                .on_hover_text("Publish every entry and asset, all or nothing")
                .on_disabled_hover_text(why)
                .clicked()
            {
                self.confirm = Some(Confirm::Publish);
            }
            if ui
                .add_enabled(can_act, egui::Button::new("⬇ Unpublish…"))
                .on_hover_text("Unpublish every entry and asset")
                .on_disabled_hover_text(why)
                .clicked()
            {
                self.confirm = Some(Confirm::Unpublish);
            }
            if ui
                .add_enabled(!archived && !empty, egui::Button::new("📅 Schedule…"))
                .on_hover_text(
                    "Publish or unpublish the release at a set time, in a time zone you choose",
                )
                .on_disabled_hover_text(why)
                .clicked()
            {
                cx.open_schedule(super::schedule_dialog::ScheduleRequest::for_target(
                    Link::new(LinkType::Release, release.sys.id.clone()),
                ));
            }
            ui.separator();
            if ui
                .add_enabled(idle && !archived, egui::Button::new("➕ Add entries…"))
                .on_disabled_hover_text(why)
                .clicked()
            {
                self.adding = Some(EntityPicker::new(PickerId::AddEntries));
            }
            let (label, tip) = if archived {
                ("Unarchive", "Make the release editable again")
            } else {
                ("Archive", "Make the release read-only")
            };
            if ui
                .add_enabled(idle, egui::Button::new(label))
                .on_hover_text(tip)
                .clicked()
            {
                cx.send(Command::SetReleaseArchived {
                    id: release.sys.id.clone(),
                    version: release.sys.version,
                    archived: !archived,
                });
            }
            if ui
                .add_enabled(idle, egui::Button::new("🗑 Delete…"))
                .on_hover_text("Delete the release (entries stay)")
                .clicked()
            {
                self.confirm = Some(Confirm::Delete);
            }
        });
        if let Some(action) = running {
            ui.horizontal(|ui| {
                ui.spinner();
                let word = if action.status == ActionStatus::Created {
                    "queued"
                } else {
                    "running"
                };
                ui.label(format!("{} {word}…", capitalise(action.action.as_str())));
            });
        } else if let Some(last) = cx.state.last_release_action(&release.sys.id) {
            let crate::app::state::LastAction {
                id,
                action,
                status,
                has_error,
            } = last;
            ui.horizontal(|ui| {
                ui.label("Last action:");
                action_badge_ui(ui, &action, &status);
                if status == ActionStatus::Failed
                    && has_error
                    && ui
                        .button("🔍 Inspect failure")
                        .on_hover_text("Which entries and fields failed, and why")
                        .clicked()
                {
                    cx.open(Window::Inspector(id));
                }
            });
        }
    }

    fn entities_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
        let now = cx.now;
        let items = &release.entities.items;
        // Titles come from the entity cache; ask once for those it lacks (in flight and
        // absent ones are not asked again).
        cx.resolve(items);
        ui.label(RichText::new(format!("Entries and assets ({})", items.len())).strong());
        if items.is_empty() {
            ui.label(
                RichText::new(
                    "This release is empty. Use “Add entries…” to choose what it should publish.",
                )
                .weak(),
            );
            return;
        }
        let mut remove = None;
        let mut open = None;
        let editable = !release.is_archived();
        let height = (items.len() as f32 * (theme::ROW_HEIGHT + 4.0) + 8.0)
            .min(ui.available_height() * 0.6)
            .max(120.0);
        ui.push_id("release-entities", |ui| {
            TableBuilder::new(ui)
                .striped(true)
                .max_scroll_height(height)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .column(Column::remainder().at_least(220.0).clip(true))
                .column(Column::exact(140.0))
                .column(Column::exact(100.0))
                .column(Column::exact(140.0))
                .column(Column::exact(36.0))
                .header(24.0, |mut h| {
                    h.col(|ui| {
                        ui.strong("Title");
                    });
                    h.col(|ui| {
                        ui.strong("Content type");
                    });
                    h.col(|ui| {
                        ui.strong("State");
                    });
                    h.col(|ui| {
                        ui.strong("Updated");
                    });
                    h.col(|_| {});
                })
                .body(|body| {
                    body.rows(theme::ROW_HEIGHT, items.len(), |mut row| {
                        let link = &items[row.index()];
                        let entity = cx.state.entity(link);
                        row.col(|ui| match entity {
                            Some(e) => {
                                if ui
                                    .link(cx.state.display_title(e))
                                    .on_hover_text("Open its fields and versions")
                                    .clicked()
                                {
                                    open = Some(link.clone());
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
                        row.col(|ui| {
                            ui.label(
                                entity
                                    .and_then(|e| e.sys.updated_at)
                                    .map(|t| format::relative_time(t, now))
                                    .unwrap_or_default(),
                            );
                        });
                        row.col(|ui| {
                            if editable
                                && ui
                                    .small_button("✖")
                                    .on_hover_text("Remove from the release")
                                    .accessible_name("Remove from the release")
                                    .clicked()
                            {
                                remove = Some(row_link(link));
                            }
                        });
                    });
                });
        });
        if let Some(link) = open {
            let kind = if *link.link_type() == LinkType::Asset {
                EntityKind::Asset
            } else {
                EntityKind::Entry
            };
            cx.open(Window::Entity(kind, link.id().to_owned()));
        }
        if let Some(gone) = remove {
            let entities: Vec<Link> = items
                .iter()
                .filter(|l| row_link(l) != gone)
                .cloned()
                .collect();
            cx.send(Command::SetReleaseEntities {
                id: release.sys.id.clone(),
                version: release.sys.version,
                title: release.title.clone(),
                entities,
            });
        }
    }

    fn history_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let Some(actions) = cx.state.release_actions.get(&self.release_id) else {
            return;
        };
        ui.label(RichText::new("Action history").strong());
        if actions.is_empty() {
            ui.label(RichText::new("No action has run on this release yet.").weak());
            return;
        }
        egui::Grid::new("action-history")
            .striped(true)
            .spacing([16.0, 4.0])
            .show(ui, |ui| {
                for action in actions.iter().take(20) {
                    action_badge_ui(ui, &action.action, &action.sys.status);
                    ui.label(
                        action
                            .sys
                            .created_at
                            .map(format::local_time)
                            .unwrap_or_default(),
                    );
                    let took = match (action.sys.created_at, action.sys.updated_at) {
                        (Some(a), Some(b)) if action.sys.status.is_final() => {
                            format::duration_between(a, b)
                        }
                        _ => "…".into(),
                    };
                    ui.label(RichText::new(took).weak());
                    if action.error.is_some() {
                        if ui
                            .small_button("Inspect")
                            .on_hover_text("Open the failure inspector")
                            .clicked()
                        {
                            cx.open(Window::Inspector(action.sys.id.clone()));
                        }
                    } else {
                        ui.label("");
                    }
                    ui.end_row();
                }
            });
    }

    fn confirm_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
        let Some(confirm) = self.confirm.clone() else {
            return;
        };
        let (title, verb) = match confirm {
            Confirm::Publish => ("Publish release?", "Publish"),
            Confirm::Unpublish => ("Unpublish release?", "Unpublish"),
            Confirm::Delete => ("Delete release?", "Delete"),
        };
        let mut close = false;
        egui::Modal::new(egui::Id::unique("release-confirm")).show(ui.ctx(), |ui| {
            ui.set_max_width(520.0);
            ui.heading(title);
            ui.add_space(6.0);
            match confirm {
                Confirm::Delete => {
                    ui.label(format!("'{}' and its action history will be deleted. Its entries and assets stay as they are.", release.title));
                }
                Confirm::Publish | Confirm::Unpublish => {
                    let publishing = confirm == Confirm::Publish;
                    let mut changes = Vec::new();
                    for link in &release.entities.items {
                        let Some(e) = cx.state.entity(link) else { continue };
                        let state = e.state();
                        let will_change = if publishing {
                            state != crate::cma::EntityState::Published
                        } else {
                            matches!(state, crate::cma::EntityState::Published | crate::cma::EntityState::Changed)
                        };
                        if will_change {
                            changes.push((cx.state.display_title(e), state));
                        }
                    }
                    ui.label(format!(
                        "{} of {} entries and assets will change{}:",
                        changes.len(),
                        release.entities.items.len(),
                        if publishing {
                            ". Publishing is all or nothing: if one fails validation, nothing is published. After a successful publish the release is archived (it moves to Archived and can be unarchived)"
                        } else {
                            ""
                        }
                    ));
                    egui::ScrollArea::vertical().max_height(220.0).show(ui, |ui| {
                        for (title, state) in &changes {
                            ui.horizontal(|ui| {
                                entity_state_badge_ui(ui, *state);
                                ui.label(if publishing { "⏵ published" } else { "⏵ draft" });
                                ui.label(title);
                            });
                        }
                    });
                }
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button(RichText::new(verb).strong()).clicked() {
                    match confirm {
                        Confirm::Publish => cx.send(Command::RunReleaseAction { id: release.sys.id.clone(), action: ActionKind::Publish }),
                        Confirm::Unpublish => cx.send(Command::RunReleaseAction { id: release.sys.id.clone(), action: ActionKind::Unpublish }),
                        Confirm::Delete => cx.send(Command::DeleteRelease { id: release.sys.id.clone() }),
                    }
                    close = true;
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    close = true;
                }
            });
        });
        if close {
            self.confirm = None;
        }
    }

    fn add_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
        let Some(picker) = &mut self.adding else {
            return;
        };
        let mut open = true;
        let mut close = false;
        egui::Window::new("Add entries")
            .collapsible(false)
            .default_size([560.0, 440.0])
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .open(&mut open)
            .show(ui.ctx(), |ui| {
                picker.ui(ui, cx, &release.entities.items);
                ui.horizontal(|ui| {
                    let n = picker.selected.len();
                    if ui
                        .add_enabled(n > 0, egui::Button::new(format!("Add {n}")))
                        .clicked()
                    {
                        let mut entities = release.entities.items.clone();
                        entities.extend(picker.selected_links());
                        cx.send(Command::SetReleaseEntities {
                            id: release.sys.id.clone(),
                            version: release.sys.version,
                            title: release.title.clone(),
                            entities,
                        });
                        close = true;
                    }
                    if ui.button("Cancel").on_hover_text("Close (Esc)").clicked() {
                        close = true;
                    }
                });
            });
        if ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
            close = true;
        }
        if !open || close {
            self.adding = None;
        }
    }
}

fn row_link(link: &Link) -> (String, String) {
    (link.link_type().to_string(), link.id().to_owned())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Back to the list; the conflict notice of this release goes with it.
fn back(cx: &mut ViewCtx<'_>) {
    cx.go(Route::ReleaseList);
    cx.send(Command::DismissConflict);
}

/// The cache key of an entry or asset link.
fn link_key(link: &Link) -> crate::app::state::EntityKey {
    let kind = if *link.link_type() == LinkType::Asset {
        EntityKind::Asset
    } else {
        EntityKind::Entry
    };
    (kind, link.id().to_owned())
}
