//! The command palette (Ctrl+K): one filter over three kinds of rows — the current view's
//! actions and the app's commands (each with its shortcut), and releases and entries found
//! **by name on the server** as the user types. The searches go to the worker as commands
//! (`SearchReleases` by `title[match]`, `SearchEntities` for the palette's picker), debounced
//! and latest-wins, so the palette never holds more than the newest few matches and never
//! loads a space. ↑/↓ move the selection, Enter or a click chooses, Esc closes.

use egui::{Key, RichText};

use super::command::{Command, PickerId};
use super::ui_command::UiCommand;
use super::views::ViewCtx;
use super::views::releases::SEARCH_DEBOUNCE;
use crate::cma::EntityKind;

/// The fewest characters that search the server (one letter matches nearly everything).
const MIN_SEARCH_CHARS: usize = 2;

/// What the user chose in the palette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteChoice {
    /// Run a command (or the current view's action).
    Command(UiCommand),
    /// Open this release by id.
    Release(String),
    /// Open this entry or asset.
    Entity(EntityKind, String),
}

/// One row of the palette.
struct PaletteRow {
    label: String,
    /// The shortcut of a command, or what a found thing is ("Release", "Entry").
    note: String,
    choice: PaletteChoice,
}

/// The command palette's UI state: the filter, the selection, and the search last sent.
#[derive(Debug, Default)]
pub struct Palette {
    filter: String,
    selected: usize,
    /// The trimmed filter last seen and when it changed (input time), for the debounce.
    typed: (String, f64),
    /// The words last searched for on the server.
    sent: Option<String>,
}

impl Palette {
    /// Draws the palette over everything, offering `view_actions` (the current view's actions
    /// that apply now) first; returns the choice, and whether it stays open.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        cx: &mut ViewCtx<'_>,
        view_actions: &[UiCommand],
    ) -> (Option<PaletteChoice>, bool) {
        self.search(ctx, cx);
        let rows = self.rows(ctx, cx, view_actions);
        let mut chosen = None;
        let mut open = true;
        self.selected = self.selected.min(rows.len().saturating_sub(1));
        let searching = self.sent.is_some()
            && (cx.state.release_search.loading
                || cx
                    .state
                    .entity_view
                    .searches
                    .get(&PickerId::Palette)
                    .is_some_and(|s| s.loading));
        let modal = egui::Modal::new(egui::Id::unique("command-palette")).show(ctx, |ui| {
            ui.set_width(460.0);
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("Type a command, a release or an entry…")
                    .desired_width(f32::INFINITY),
            );
            edit.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Command filter")
            });
            edit.request_focus();
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(360.0)
                .show(ui, |ui| {
                    for (i, row) in rows.iter().enumerate() {
                        ui.horizontal(|ui| {
                            let r = ui.selectable_label(i == self.selected, &row.label);
                            if i == self.selected {
                                r.scroll_to_me(None);
                            }
                            if r.clicked() {
                                chosen = Some(row.choice.clone());
                            }
                            ui.with_layout(
                                egui::Layout::right_to_left(egui::Align::Center),
                                |ui| {
                                    ui.label(RichText::new(&row.note).weak());
                                },
                            );
                        });
                    }
                });
            if searching {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(RichText::new("Searching releases and entries…").weak());
                });
            } else if rows.is_empty() {
                ui.label(RichText::new("Nothing matches").weak());
            }
        });
        ctx.input(|i| {
            if i.key_pressed(Key::ArrowDown) {
                self.selected = (self.selected + 1).min(rows.len().saturating_sub(1));
            }
            if i.key_pressed(Key::ArrowUp) {
                self.selected = self.selected.saturating_sub(1);
            }
            if i.key_pressed(Key::Enter) {
                chosen = rows.get(self.selected).map(|r| r.choice.clone());
            }
            if i.key_pressed(Key::Escape) {
                open = false;
            }
        });
        if modal.should_close() || chosen.is_some() {
            open = false;
        }
        (chosen, open)
    }

    /// Sends the server searches for the words typed, once they rest for
    /// [`SEARCH_DEBOUNCE`] seconds; the worker keeps only the newest of each.
    fn search(&mut self, ctx: &egui::Context, cx: &mut ViewCtx<'_>) {
        let time = ctx.input(|i| i.time);
        let typed = self.filter.trim().to_owned();
        if typed != self.typed.0 {
            self.typed = (typed.clone(), time);
        }
        if typed.chars().count() < MIN_SEARCH_CHARS || self.sent.as_ref() == Some(&typed) {
            return;
        }
        let rest = SEARCH_DEBOUNCE - (time - self.typed.1);
        if rest > 0.0 {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(rest));
            return;
        }
        self.sent = Some(typed.clone());
        cx.send(Command::SearchReleases {
            search: typed.clone(),
        });
        cx.send(Command::SearchEntities {
            picker: PickerId::Palette,
            search: typed.into(),
        });
    }

    /// The rows the filter shows: matching view actions and commands, then the releases and
    /// entries the server found for the words typed.
    fn rows(
        &self,
        ctx: &egui::Context,
        cx: &ViewCtx<'_>,
        view_actions: &[UiCommand],
    ) -> Vec<PaletteRow> {
        let needle = self.filter.trim().to_lowercase();
        let commands = view_actions.iter().copied().chain(
            UiCommand::ALL
                .into_iter()
                .filter(|c| *c != UiCommand::CommandPalette && !c.is_view_action()),
        );
        let mut rows: Vec<PaletteRow> = commands
            .filter(|c| needle.is_empty() || c.label().to_lowercase().contains(&needle))
            .map(|c| PaletteRow {
                label: c.label().to_owned(),
                note: c.shortcut_text(ctx),
                choice: PaletteChoice::Command(c),
            })
            .collect();
        if needle.chars().count() < MIN_SEARCH_CHARS || self.sent.is_none() {
            return rows;
        }
        let state = cx.state;
        rows.extend(
            state
                .release_search
                .hits
                .iter()
                .map(|(id, title)| PaletteRow {
                    label: format!("Open release '{title}'"),
                    note: "Release".to_owned(),
                    choice: PaletteChoice::Release(id.clone()),
                }),
        );
        if let Some(search) = state.entity_view.searches.get(&PickerId::Palette) {
            rows.extend(search.ids.iter().filter_map(|key| {
                let entity = state.entities.get(key)?;
                Some(PaletteRow {
                    label: format!("Open '{}'", state.display_title(entity)),
                    note: match key.0 {
                        EntityKind::Entry => state.content_type_name(entity).to_owned(),
                        EntityKind::Asset => "Asset".to_owned(),
                    },
                    choice: PaletteChoice::Entity(key.0, key.1.clone()),
                })
            }));
        }
        rows
    }
}
