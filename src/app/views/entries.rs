//! [`EntriesView`]: every entry and asset in a searchable, virtualised table with their state;
//! multi-select, then publish / unpublish / validate them as one bulk action.

use std::collections::BTreeSet;

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::ViewCtx;
use crate::app::command::Command;
use crate::app::event::ActionTarget;
use crate::app::format;
use crate::app::intents::Window;
use crate::app::theme;
use crate::app::widgets::{action_badge_ui, empty_state_ui, entity_state_badge_ui};
use crate::cma::{ActionKind, ActionStatus, EntityKind, EntityState};

/// Id of the filter box (Ctrl+F focuses it).
pub const FILTER_ID: &str = "entries-filter";

/// A row, cached between frames.
#[derive(Debug, Clone)]
struct Row {
    kind: EntityKind,
    id: String,
    title: String,
    content_type: String,
    state: EntityState,
    version: u64,
    updated: String,
}

/// The entries view and its UI state.
#[derive(Debug, Default)]
pub struct EntriesView {
    search: String,
    state_filter: Option<EntityState>,
    selected: BTreeSet<(EntityKind, String)>,
    /// The keyboard cursor (arrows move it, Space selects, Enter opens).
    cursor: usize,
    rows: Vec<Row>,
    key: Option<(u64, String, Option<EntityState>)>,
    requested: bool,
}

impl EntriesView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        if !self.requested {
            self.requested = true;
            cx.send(Command::LoadEntities);
        }
        ui.horizontal(|ui| {
            ui.heading("Entries");
            ui.add_space(theme::SECTION_GAP);
            let filter = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .id(egui::Id::unique(FILTER_ID))
                    .hint_text("Search title, content type, id  (Ctrl+F)")
                    .desired_width(260.0),
            );
            if cx.focus_filter {
                filter.request_focus();
            }
            egui::ComboBox::from_id_salt("state-filter")
                .selected_text(self.state_filter.map_or("Any state", |s| s.label()))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.state_filter, None, "Any state");
                    for s in [
                        EntityState::Draft,
                        EntityState::Changed,
                        EntityState::Published,
                        EntityState::Archived,
                    ] {
                        ui.selectable_value(&mut self.state_filter, Some(s), s.label());
                    }
                });
            if ui.button("⟳").on_hover_text("Reload entries").clicked() {
                cx.send(Command::LoadEntities);
            }
        });
        self.rebuild(cx);
        ui.add_space(4.0);
        self.bulk_bar_ui(ui, cx);
        ui.add_space(4.0);
        if !cx.state.entities_loaded {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Loading entries and assets…");
            });
            return;
        }
        if self.rows.is_empty() {
            empty_state_ui(
                ui,
                "No entries match",
                "Clear the search or the state filter to see every entry and asset.",
                None,
            );
            return;
        }
        let mut toggle = None;
        let (up, down, space, enter) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::ArrowUp),
                i.key_pressed(egui::Key::ArrowDown),
                i.key_pressed(egui::Key::Space),
                i.key_pressed(egui::Key::Enter),
            )
        });
        let mut open = None;
        if ui.memory(|m| m.focused().is_none()) {
            if down {
                self.cursor = (self.cursor + 1).min(self.rows.len().saturating_sub(1));
            }
            if up {
                self.cursor = self.cursor.saturating_sub(1);
            }
            if let Some(r) = self.rows.get(self.cursor) {
                if space {
                    toggle = Some((r.kind, r.id.clone()));
                }
                if enter {
                    open = Some((r.kind, r.id.clone()));
                }
            }
        }
        let cursor = self.cursor;
        let all_selected = self
            .rows
            .iter()
            .all(|r| self.selected.contains(&(r.kind, r.id.clone())));
        let mut select_all = None;
        TableBuilder::new(ui)
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(28.0))
            .column(Column::remainder().at_least(240.0).clip(true))
            .column(Column::exact(140.0))
            .column(Column::exact(100.0))
            .column(Column::exact(70.0))
            .column(Column::exact(130.0))
            .header(24.0, |mut h| {
                h.col(|ui| {
                    let mut all = all_selected;
                    if ui
                        .checkbox(&mut all, "")
                        .on_hover_text("Select all shown")
                        .changed()
                    {
                        select_all = Some(all);
                    }
                });
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
                    ui.strong("Version");
                });
                h.col(|ui| {
                    ui.strong("Updated");
                });
            })
            .body(|body| {
                body.rows(theme::ROW_HEIGHT, self.rows.len(), |mut row| {
                    let r = &self.rows[row.index()];
                    let key = (r.kind, r.id.clone());
                    let mut checked = self.selected.contains(&key);
                    row.set_selected(checked || row.index() == cursor);
                    row.col(|ui| {
                        if ui
                            .checkbox(&mut checked, "")
                            .on_hover_text("Select for a bulk action")
                            .changed()
                        {
                            toggle = Some(key.clone());
                        }
                    });
                    row.col(|ui| {
                        if ui.link(&r.title).on_hover_text(&r.id).clicked() {
                            open = Some(key.clone());
                        }
                    });
                    row.col(|ui| {
                        ui.label(&r.content_type);
                    });
                    row.col(|ui| {
                        entity_state_badge_ui(ui, r.state);
                    });
                    row.col(|ui| {
                        ui.label(r.version.to_string());
                    });
                    row.col(|ui| {
                        ui.label(&r.updated);
                    });
                });
            });
        if let Some(key) = toggle
            && !self.selected.remove(&key)
        {
            self.selected.insert(key);
        }
        if let Some(all) = select_all {
            for r in &self.rows {
                if all {
                    self.selected.insert((r.kind, r.id.clone()));
                } else {
                    self.selected.remove(&(r.kind, r.id.clone()));
                }
            }
        }
        if let Some(key) = open {
            cx.open(Window::Entity(key.0, key.1));
        }
    }

    /// Rebuilds the cached rows when the data or the filters changed (never per frame).
    fn rebuild(&mut self, cx: &ViewCtx<'_>) {
        let now = cx.now;
        let key = (
            cx.state.entities_generation,
            self.search.to_lowercase(),
            self.state_filter,
        );
        if self.key.as_ref() == Some(&key) {
            return;
        }
        let needle = key.1.clone();
        let mut rows: Vec<Row> = cx
            .state
            .entities
            .iter()
            .map(|((kind, id), e)| Row {
                kind: *kind,
                id: id.clone(),
                title: cx.state.display_title(e),
                content_type: cx.state.content_type_name(e),
                state: e.state(),
                version: e.sys.version.unwrap_or(0),
                updated: e
                    .sys
                    .updated_at
                    .map(|t| format::relative_time(t, now))
                    .unwrap_or_default(),
            })
            .filter(|r| self.state_filter.is_none_or(|s| s == r.state))
            .filter(|r| {
                needle.is_empty()
                    || r.title.to_lowercase().contains(&needle)
                    || r.content_type.to_lowercase().contains(&needle)
                    || r.id.to_lowercase().contains(&needle)
            })
            .collect();
        rows.sort_by_cached_key(|r| r.title.to_lowercase());
        self.rows = rows;
        self.key = Some(key);
    }

    fn bulk_bar_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let running = cx
            .state
            .actions
            .iter()
            .rev()
            .find(|a| matches!(a.target, ActionTarget::Bulk(_)))
            .cloned();
        ui.horizontal(|ui| {
            let n = self.selected.len();
            ui.label(RichText::new(format!("{n} selected")).strong());
            let busy = running.as_ref().is_some_and(|a| !a.status.is_final());
            let enabled = n > 0 && n <= 200 && !busy;
            let why = if n == 0 {
                "Select entries first"
            } else if n > 200 {
                "At most 200 entries per bulk action"
            } else {
                "A bulk action is running"
            };
            for (label, action, tip) in [
                (
                    "✔ Validate",
                    ActionKind::Validate,
                    "Check the selected entries for publishing",
                ),
                (
                    "⬆ Publish",
                    ActionKind::Publish,
                    "Publish the selected entries as one bulk action (all or nothing)",
                ),
                (
                    "⬇ Unpublish",
                    ActionKind::Unpublish,
                    "Unpublish the selected entries",
                ),
            ] {
                if ui
                    .add_enabled(enabled, egui::Button::new(label))
                    .on_hover_text(tip)
                    .on_disabled_hover_text(why)
                    .clicked()
                {
                    let items = self
                        .selected
                        .iter()
                        .filter_map(|(kind, id)| {
                            cx.state
                                .entities
                                .get(&(*kind, id.clone()))
                                .map(|e| (*kind, id.clone(), e.sys.version.unwrap_or(0)))
                        })
                        .collect();
                    cx.send(Command::RunBulkAction { action, items });
                }
            }
            if n > 0 && ui.button("Clear selection").clicked() {
                self.selected.clear();
            }
            if let Some(action) = running {
                ui.separator();
                if !action.status.is_final() {
                    ui.spinner();
                }
                action_badge_ui(ui, &action.action, &action.status);
                if action.status == ActionStatus::Failed
                    && action.error.is_some()
                    && ui.button("🔍 Inspect failure").clicked()
                {
                    cx.open(Window::Inspector(action.id.clone()));
                }
            }
        });
    }
}
