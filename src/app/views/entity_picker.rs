//! [`EntityPicker`]: the multi-select list of entries and assets that "New release" and "Add
//! entries" pick from. It searches the server as the user types (debounced, latest wins) with
//! content-type and state filters; archived entries are shown but refused; each match says which
//! active releases already hold it; Enter picks the first match. The space is never loaded to
//! pick from it.

use egui::{RichText, Ui};

use super::ViewCtx;
use super::releases::search_rested;
use crate::app::command::{Command, PICKER_LIMIT, PickerId, PickerSearch};
use crate::app::event::Epoch;
use crate::app::state::EntityKey;
use crate::app::theme;
use crate::cma::{EntityKind, EntityState, Link, LinkType};

/// A multi-select list of entries and assets (title, content type, state) found by a server
/// search as the user types (debounced, at most [`PICKER_LIMIT`] entries): the space is never
/// loaded to pick from it.
#[derive(Debug)]
pub struct EntityPicker {
    picker: PickerId,
    search: String,
    /// Only entries of this content type.
    content_type: Option<String>,
    /// Only entities in this state.
    state: Option<crate::app::command::EntityStateFilter>,
    /// Whether the search box was focused once (it takes the focus when the picker opens).
    focused: bool,
    search_edited_at: Option<f64>,
    /// The search last sent, and the connection and reset it was sent for.
    sent: Option<(PickerSearch, Epoch, u64)>,
    /// Selected (kind, id), in selection order.
    pub selected: Vec<(EntityKind, String)>,
}

impl EntityPicker {
    /// An empty picker whose searches are `picker`'s.
    pub fn new(picker: PickerId) -> Self {
        Self {
            picker,
            search: String::new(),
            content_type: None,
            state: None,
            // In "New release" the title takes the focus first.
            focused: picker == PickerId::NewRelease,
            search_edited_at: None,
            sent: None,
            selected: Vec::new(),
        }
    }

    /// The selection as links.
    pub fn selected_links(&self) -> Vec<Link> {
        self.selected
            .iter()
            .map(|(k, id)| match k {
                EntityKind::Entry => Link::new(LinkType::Entry, id.clone()),
                EntityKind::Asset => Link::new(LinkType::Asset, id.clone()),
            })
            .collect()
    }

    /// The content-type and state filters, on one line under the search box.
    fn filters_ui(&mut self, ui: &mut Ui, cx: &ViewCtx<'_>) {
        use crate::app::command::EntityStateFilter;
        ui.horizontal(|ui| {
            let mut types: Vec<(&String, String)> = cx
                .state
                .content_types
                .iter()
                .map(|(id, ct)| (id, ct.name.clone()))
                .collect();
            types.sort_by(|a, b| a.1.cmp(&b.1));
            let shown = self
                .content_type
                .as_ref()
                .and_then(|id| cx.state.content_types.get(id))
                .map_or("Entries and assets".to_owned(), |ct| ct.name.clone());
            egui::ComboBox::from_id_salt((self.picker, "type"))
                .selected_text(shown)
                .width(170.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.content_type, None, "Entries and assets");
                    for (id, name) in types {
                        ui.selectable_value(&mut self.content_type, Some(id.clone()), name);
                    }
                })
                .response
                .on_hover_text("Only entries of one content type");
            let shown = self.state.map_or("Any state", |s| s.label());
            egui::ComboBox::from_id_salt((self.picker, "state"))
                .selected_text(shown)
                .width(150.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.state, None, "Any state");
                    for s in EntityStateFilter::ALL {
                        ui.selectable_value(&mut self.state, Some(s), s.label());
                    }
                })
                .response
                .on_hover_text("Only entries in one publishing state");
        });
    }

    /// Draws the search box and the matches; `exclude` hides entities already chosen
    /// elsewhere.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, exclude: &[Link]) {
        let state = cx.state;
        let time = ui.input(|i| i.time);
        let search = PickerSearch {
            words: self.search.trim().to_owned(),
            content_type: self.content_type.clone(),
            state: self.state,
        };
        let key = (search.clone(), state.epoch, state.entity_view.pages.resets);
        if self.sent.as_ref() != Some(&key) && search_rested(ui, &mut self.search_edited_at) {
            self.sent = Some(key);
            cx.send(Command::SearchEntities {
                picker: self.picker,
                search,
            });
        }
        let found = state.entity_view.searches.get(&self.picker);
        let mut enter = false;
        ui.horizontal(|ui| {
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text("Search entries and assets by any field or id")
                    .desired_width(ui.available_width() - 28.0),
            );
            edit.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Search entries to add")
            });
            if edit.changed() {
                self.search_edited_at = Some(time);
            }
            if !self.focused {
                edit.request_focus();
                self.focused = true;
            }
            // Enter picks the first match that can be picked.
            // (A single-line box gives up the focus on Enter: take it back to keep typing.)
            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                enter = true;
                edit.request_focus();
            }
            if found.is_some_and(|f| f.loading && f.loaded) {
                ui.spinner().on_hover_text("Searching…");
            }
        });
        self.filters_ui(ui, cx);
        let Some(found) = found.filter(|f| f.loaded || f.error.is_some()) else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Searching entries…");
            });
            return;
        };
        if let Some(error) = &found.error {
            ui.label(RichText::new(format!("The search failed: {error}")).weak());
        }
        let rows: Vec<&(EntityKind, String)> = found
            .ids
            .iter()
            .filter(|(kind, id)| {
                !exclude.iter().any(|l| {
                    l.id() == id
                        && matches!(
                            (l.link_type(), kind),
                            (LinkType::Entry, EntityKind::Entry)
                                | (LinkType::Asset, EntityKind::Asset)
                        )
                })
            })
            .collect();
        if rows.is_empty() && found.error.is_none() {
            let filtered = found.search.content_type.is_some() || found.search.state.is_some();
            ui.label(
                RichText::new(if found.search.words.is_empty() && !filtered {
                    "No entries or assets to add".to_owned()
                } else if found.search.words.is_empty() {
                    "No matches. Clear a filter to see more.".to_owned()
                } else {
                    format!(
                        "No matches for “{}”. Try other words{}.",
                        found.search.words,
                        if filtered { " or clear a filter" } else { "" }
                    )
                })
                .weak(),
            );
            return;
        }
        let archived = |key: &EntityKey| {
            state
                .entities
                .get(key)
                .is_some_and(|e| e.state() == EntityState::Archived)
        };
        let mut toggled = None;
        if enter
            && let Some(first) = rows.iter().find(|k| !archived(k))
            && !self.selected.iter().any(|s| s == *first)
        {
            toggled = Some((*first).clone());
        }
        egui::ScrollArea::vertical()
            .max_height(280.0)
            .auto_shrink([false, false])
            .show_rows(ui, theme::ROW_HEIGHT, rows.len(), |ui, range| {
                for key in &rows[range] {
                    let Some(entity) = state.entities.get(*key) else {
                        ui.label(RichText::new(&key.1).weak());
                        continue;
                    };
                    let mut checked = self.selected.iter().any(|s| s == *key);
                    // Archived entities cannot be published: shown, but not offered.
                    let refusable = archived(key);
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(
                                !refusable,
                                egui::Checkbox::new(&mut checked, state.display_title(entity)),
                            )
                            .on_disabled_hover_text("Archived: unarchive it before adding it")
                            .changed()
                        {
                            toggled = Some((*key).clone());
                        }
                        ui.label(RichText::new(state.content_type_name(entity)).weak());
                        crate::app::widgets::entity_state_badge_ui(ui, entity.state());
                        if let Some(releases) = found.memberships.get(*key) {
                            ui.label(
                                RichText::new(format!("in {}", releases.join(", ")))
                                    .weak()
                                    .small(),
                            )
                            .on_hover_text("Already in these active releases");
                        }
                    });
                }
            });
        if found.ids.len() >= PICKER_LIMIT {
            ui.label(
                RichText::new("Showing the most recently updated matches; type more to narrow.")
                    .weak()
                    .small(),
            );
        }
        if let Some(item) = toggled {
            if let Some(pos) = self.selected.iter().position(|s| *s == item) {
                self.selected.remove(pos);
            } else {
                self.selected.push(item);
            }
        }
    }
}
