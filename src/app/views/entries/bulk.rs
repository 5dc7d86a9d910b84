//! The Entries view's bulk bar: publish / unpublish / validate over the selection as one bulk
//! action, limited to some locales when the user picks them (a locale-based bulk action v2,
//! spec §10.2), and the confirmation that lists what changes before a publish or unpublish.

use egui::{RichText, Ui};

use super::{BULK_LIMIT, EntriesView};
use crate::app::command::Command;
use crate::app::event::ActionTarget;
use crate::app::intents::Window;
use crate::app::state::EntityKey;
use crate::app::theme;
use crate::app::views::ViewCtx;
use crate::app::widgets::{action_badge_ui, entity_state_badge_ui};
use crate::cma::{ActionKind, ActionStatus};

impl EntriesView {
    /// The bulk action as the worker gets it: exactly the selected ids, with the versions the
    /// user saw where loaded (the worker reads the others').
    fn run_bulk(&self, cx: &mut ViewCtx<'_>, action: ActionKind) {
        let items = self
            .selected
            .iter()
            .map(|key| {
                let version = cx.state.entities.get(key).and_then(|e| e.sys.version);
                (key.0, key.1.clone(), version)
            })
            .collect();
        let locales = self.chosen_locales(cx);
        cx.send(Command::RunBulkAction {
            action,
            items,
            locales,
        });
    }

    /// "Publish 12 entries?": what each selected entry is now and what it becomes, how many of
    /// them the current list does not show, and the locales when the action is limited to some.
    pub(super) fn confirm_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let Some(action) = self.confirm.clone() else {
            return;
        };
        let publishing = action == ActionKind::Publish;
        let verb = if publishing { "Publish" } else { "Unpublish" };
        let n = self.selected.len();
        let shown: std::collections::HashSet<&EntityKey> = cx
            .state
            .entity_view
            .pages
            .pages
            .values()
            .flatten()
            .collect();
        let hidden = self.selected.iter().filter(|k| !shown.contains(k)).count();
        let locales = self.chosen_locales(cx);
        let mut go = false;
        let mut close = false;
        egui::Modal::new(egui::Id::unique("bulk-confirm")).show(ui.ctx(), |ui| {
            ui.set_max_width(520.0);
            ui.heading(format!(
                "{verb} {n} entr{}?",
                if n == 1 { "y" } else { "ies" }
            ));
            ui.add_space(6.0);
            let scope = match &locales {
                Some(l) => format!(" in {} only", l.join(", ")),
                None => String::new(),
            };
            ui.label(if publishing {
                format!("One bulk action{scope}, all or nothing: if one entry fails validation, nothing is published.")
            } else {
                format!("One bulk action{scope}: published entries become drafts.")
            });
            if hidden > 0 {
                ui.label(
                    RichText::new(format!(
                        "{hidden} of them are not among the rows shown now: selected under another search or filter, or further down the list."
                    ))
                    .color(theme::tone(ui.visuals(), theme::Tone::Warning)),
                );
            }
            ui.add_space(4.0);
            egui::ScrollArea::vertical().max_height(220.0).show(ui, |ui| {
                for key in &self.selected {
                    ui.horizontal(|ui| match cx.state.entities.get(key) {
                        Some(e) => {
                            entity_state_badge_ui(ui, e.state());
                            ui.label(if publishing { "⏵ published" } else { "⏵ draft" });
                            ui.label(cx.state.display_title(e));
                        }
                        None => {
                            ui.label(RichText::new(&key.1).weak());
                        }
                    });
                }
            });
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui
                    .button(RichText::new(format!("{verb} {n}")).strong())
                    .clicked()
                {
                    go = true;
                }
                if ui.button("Cancel").on_hover_text("Close (Esc)").clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::Escape))
                {
                    close = true;
                }
            });
        });
        if go {
            self.run_bulk(cx, action);
            close = true;
        }
        if close {
            self.confirm = None;
        }
    }

    /// The locales a bulk action is limited to, in the environment's order, or `None` for the
    /// whole entity (none or every locale chosen).
    fn chosen_locales(&self, cx: &ViewCtx<'_>) -> Option<Vec<String>> {
        let all = &cx.state.locales;
        let chosen: Vec<String> = all
            .iter()
            .filter(|l| self.bulk_locales.contains(&l.code))
            .map(|l| l.code.clone())
            .collect();
        (!chosen.is_empty() && chosen.len() < all.len()).then_some(chosen)
    }

    /// "All locales ▾": limits the bulk actions to some locales (a locale-based bulk action,
    /// spec §10.2). Only in spaces with more than one locale.
    fn locales_menu_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let locales = &cx.state.locales;
        if locales.len() < 2 {
            return;
        }
        let label = match self.chosen_locales(cx) {
            None => "All locales ⏷".to_owned(),
            Some(chosen) => format!("{} ⏷", chosen.join(", ")),
        };
        ui.menu_button(label, |ui| {
            ui.label(
                RichText::new("Publish, unpublish or validate only these locales").weak(),
            );
            for locale in locales {
                let mut on = self.bulk_locales.contains(&locale.code);
                if ui
                    .checkbox(&mut on, format!("{} ({})", locale.name, locale.code))
                    .changed()
                {
                    if on {
                        self.bulk_locales.insert(locale.code.clone());
                    } else {
                        self.bulk_locales.remove(&locale.code);
                    }
                }
            }
            if ui.button("Every locale").clicked() {
                self.bulk_locales.clear();
                ui.close();
            }
        })
        .response
        .on_hover_text(
            "Which locales the bulk actions change. Some locales: a locale-based bulk action; all: the whole entry",
        );
    }

    pub(super) fn bulk_bar_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let running = cx
            .state
            .actions
            .iter()
            .rev()
            .find(|a| matches!(a.target, ActionTarget::Bulk(_)))
            .cloned();
        ui.horizontal(|ui| {
            let n = self.selected.len();
            ui.label(RichText::new(format!("{n} selected")).strong())
                .on_hover_text("The selection stays as you scroll, search and filter");
            let busy = running.as_ref().is_some_and(|a| !a.status.is_final());
            let enabled = n > 0 && n <= BULK_LIMIT && !busy;
            let why = if n == 0 {
                "Select entries first"
            } else if n > BULK_LIMIT {
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
                    "⬆ Publish…",
                    ActionKind::Publish,
                    "Publish the selected entries as one bulk action (all or nothing)",
                ),
                (
                    "⬇ Unpublish…",
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
                    // Validate changes nothing and runs at once; the others ask first.
                    if action == ActionKind::Validate {
                        self.run_bulk(cx, action);
                    } else {
                        self.confirm = Some(action);
                    }
                }
            }
            self.locales_menu_ui(ui, cx);
            if n > 0
                && ui
                    .button("Clear selection")
                    .on_hover_text("Deselect every entry, also those not shown")
                    .clicked()
            {
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
                    && ui
                        .button("🔍 Inspect failure")
                        .on_hover_text("Which entries failed, and why")
                        .clicked()
                {
                    cx.open(Window::Inspector(action.id.clone()));
                }
            }
        });
    }
}
