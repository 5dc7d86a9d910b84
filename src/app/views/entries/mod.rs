//! [`EntriesView`]: the space's entries (or assets) in a virtualised table that pages from the
//! server as the user scrolls; search, type, state and order run on the server. Rows whose page
//! has not arrived show a placeholder. The selection is kept by id across pages and filters;
//! publish / unpublish / validate act on exactly the selected ids as one bulk action.
//!
//! The view never holds the space: it asks for the pages its visible rows fall on
//! ([`Command::LoadEntityPage`]) and reads them from [`crate::app::state::EntityPages`].

use std::collections::BTreeSet;
use std::ops::Range;

mod bulk;

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::ViewCtx;
use crate::app::command::{Command, ENTITY_PAGE, EntityQuery, EntityStateFilter};
use crate::app::event::Epoch;
use crate::app::format;
use crate::app::intents::Window;
use crate::app::state::EntityKey;
use crate::app::theme;
use crate::app::widgets::{
    ColumnWidth, cell_tooltip, cell_tooltip_ui, check_in, empty_state_ui, entity_state_badge,
    link_in, row_min_width, split_row, text_in,
};
use crate::cma::{ActionKind, EntityKind};

/// Id of the filter box (Ctrl+F focuses it).
pub const FILTER_ID: &str = "entries-filter";

/// How close (in rows) the visible rows may come to a page before it is loaded ahead.
const PREFETCH_ROWS: usize = 50;

/// The table's columns: the checkbox, title, content type, state, version and updated. They
/// fit the minimum window (900 px less the navigation); the title takes the rest.
const COLUMNS: [ColumnWidth; 6] = [
    ColumnWidth::Exact(28.0),
    ColumnWidth::Rest { at_least: 160.0 },
    ColumnWidth::Exact(120.0),
    ColumnWidth::Exact(90.0),
    ColumnWidth::Exact(60.0),
    ColumnWidth::Exact(110.0),
];

/// At most this many entities per bulk action (the CMA's limit).
const BULK_LIMIT: usize = 200;

/// The orders the server can sort by, with their labels.
const ORDERS: [(&str, &str); 5] = [
    ("-sys.updatedAt", "Updated, newest first"),
    ("sys.updatedAt", "Updated, oldest first"),
    ("-sys.createdAt", "Created, newest first"),
    ("sys.createdAt", "Created, oldest first"),
    ("sys.id", "Id"),
];

/// What the type filter lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum TypeFilter {
    /// Entries of every content type.
    #[default]
    AllEntries,
    /// Entries of one content type (its id).
    ContentType(String),
    /// Assets.
    Assets,
}

/// The entries view and its UI state.
#[derive(Debug)]
pub struct EntriesView {
    /// The search box as typed.
    search: String,
    /// When the search was last edited (egui input time), until it is sent.
    search_edited_at: Option<f64>,
    /// The search sent to the server (the box after the debounce).
    applied_search: String,
    types: TypeFilter,
    state_filter: Option<EntityStateFilter>,
    order: String,
    /// Selected entities by id, whatever page or filter shows them.
    selected: BTreeSet<EntityKey>,
    /// The keyboard cursor (arrows move it, Space selects, Enter opens).
    cursor: usize,
    /// Whether the cursor moved this frame (the table scrolls to it).
    cursor_moved: bool,
    /// The first page asked for: query, connection and page-cache reset it was asked for.
    requested: Option<(EntityQuery, Epoch, u64)>,
    /// The user asked to reload: the next first-page request forgets the loaded pages.
    refresh: bool,
    /// The rows drawn in the last frame.
    visible: Range<usize>,
    /// The locales a bulk action acts on; empty: every locale (the whole entity).
    bulk_locales: BTreeSet<String>,
    /// A bulk publish or unpublish waiting for the user's confirmation.
    confirm: Option<ActionKind>,
}

impl Default for EntriesView {
    fn default() -> Self {
        Self {
            search: String::new(),
            search_edited_at: None,
            applied_search: String::new(),
            types: TypeFilter::default(),
            state_filter: None,
            order: ORDERS[0].0.to_owned(),
            selected: BTreeSet::new(),
            cursor: 0,
            cursor_moved: false,
            requested: None,
            refresh: false,
            visible: 0..0,
            bulk_locales: BTreeSet::new(),
            confirm: None,
        }
    }
}

impl EntriesView {
    /// Reloads the rows from the server on the next frame.
    pub fn reload(&mut self) {
        self.refresh = true;
        self.requested = None;
    }

    /// The server query of the filters as applied.
    fn query(&self) -> EntityQuery {
        let (kind, content_type) = match &self.types {
            TypeFilter::AllEntries => (EntityKind::Entry, None),
            TypeFilter::ContentType(id) => (EntityKind::Entry, Some(id.clone())),
            TypeFilter::Assets => (EntityKind::Asset, None),
        };
        EntityQuery {
            kind,
            search: self.applied_search.trim().to_owned(),
            content_type,
            state: self.state_filter,
            order: self.order.clone(),
        }
    }

    fn filtered(&self) -> bool {
        !self.applied_search.trim().is_empty()
            || self.state_filter.is_some()
            || matches!(self.types, TypeFilter::ContentType(_))
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let time = ui.input(|i| i.time);
        if self.search.trim() != self.applied_search.trim()
            && super::releases::search_rested(ui, &mut self.search_edited_at)
        {
            self.applied_search = self.search.trim().to_owned();
        }
        let query = self.query();
        let pages = &cx.state.entity_view.pages;
        let key = (query.clone(), cx.state.epoch, pages.resets);
        if (pages.query.as_ref() != Some(&query) || self.refresh)
            && self.requested.as_ref() != Some(&key)
        {
            self.requested = Some(key);
            cx.send(Command::LoadEntityPage {
                query: query.clone(),
                page: 0,
                refresh: std::mem::take(&mut self.refresh),
            });
            // A new filter starts at the top, not deep in rows of another list.
            self.cursor = 0;
            self.cursor_moved = true;
        }
        self.toolbar_ui(ui, cx, time);
        ui.add_space(4.0);
        self.bulk_bar_ui(ui, cx);
        ui.add_space(4.0);
        self.table_ui(ui, cx, &query);
        self.confirm_ui(ui, cx);
    }

    fn toolbar_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, time: f64) {
        let state = cx.state;
        // Wraps onto a second row in a narrow window rather than running off its edge.
        ui.horizontal_wrapped(|ui| {
            ui.heading("Entries");
            ui.add_space(theme::SECTION_GAP);
            let filter = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .id(egui::Id::unique(FILTER_ID))
                    .hint_text("Search every field and id  (Ctrl+F)")
                    .desired_width(240.0),
            );
            filter.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Search entries")
            });
            if filter.changed() {
                self.search_edited_at = Some(time);
            }
            if cx.focus_filter {
                filter.request_focus();
            }
            let type_label = match &self.types {
                TypeFilter::AllEntries => "All entries".to_owned(),
                TypeFilter::ContentType(id) => state
                    .content_types
                    .get(id)
                    .map_or_else(|| id.clone(), |ct| ct.name.clone()),
                TypeFilter::Assets => "Assets".to_owned(),
            };
            egui::ComboBox::from_id_salt("type-filter")
                .selected_text(type_label)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.types, TypeFilter::AllEntries, "All entries");
                    let mut types: Vec<(&String, &String)> = state
                        .content_types
                        .iter()
                        .map(|(id, ct)| (id, &ct.name))
                        .collect();
                    types.sort_by_key(|(_, name)| name.to_lowercase());
                    for (id, name) in types {
                        ui.selectable_value(
                            &mut self.types,
                            TypeFilter::ContentType(id.clone()),
                            name,
                        );
                    }
                    ui.separator();
                    ui.selectable_value(&mut self.types, TypeFilter::Assets, "Assets");
                })
                .response
                .on_hover_text("Entries of one content type, or assets");
            egui::ComboBox::from_id_salt("state-filter")
                .selected_text(self.state_filter.map_or("Any state", |s| s.label()))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.state_filter, None, "Any state");
                    for s in EntityStateFilter::ALL {
                        ui.selectable_value(&mut self.state_filter, Some(s), s.label());
                    }
                })
                .response
                .on_hover_text(
                    "Filter by publishing state (the server cannot tell published from changed)",
                );
            let order_label = ORDERS
                .iter()
                .find(|(o, _)| *o == self.order)
                .map_or(self.order.as_str(), |(_, label)| label);
            egui::ComboBox::from_id_salt("order")
                .selected_text(order_label)
                .show_ui(ui, |ui| {
                    for (order, label) in ORDERS {
                        ui.selectable_value(&mut self.order, order.to_owned(), label);
                    }
                })
                .response
                .on_hover_text("Sort order");
            if ui.button("⟳").on_hover_text("Reload entries").clicked() {
                self.reload();
            }
            let pages = &state.entity_view.pages;
            if let Some(total) = pages.total.filter(|_| pages.query.is_some()) {
                let noun = match (self.types == TypeFilter::Assets, total == 1) {
                    (true, true) => "asset",
                    (true, false) => "assets",
                    (false, true) => "entry",
                    (false, false) => "entries",
                };
                ui.label(RichText::new(format!("{total} {noun}")).weak())
                    .on_hover_text("How many match, as the server counts them");
            }
        });
    }

    fn table_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, query: &EntityQuery) {
        let state = cx.state;
        let pages = &state.entity_view.pages;
        let current = pages.query.as_ref() == Some(query);
        if let Some(error) = pages.error.as_ref().filter(|_| current) {
            let shown = format!("Entries could not be loaded: {error}");
            if empty_state_ui(ui, "Entries could not be loaded", &shown, Some("Retry"))
                .is_some_and(|r| r.clicked())
            {
                self.reload();
            }
            return;
        }
        if !current || pages.total.is_none() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(if query.kind == EntityKind::Asset {
                    "Loading assets…"
                } else {
                    "Loading entries…"
                });
            });
            return;
        }
        let len = pages.len();
        if len == 0 {
            if self.filtered() {
                if empty_state_ui(
                    ui,
                    "No entries match",
                    "Change the search or the filters, or clear them to see everything.",
                    Some("Clear filters"),
                )
                .is_some_and(|r| r.clicked())
                {
                    self.search.clear();
                    self.applied_search.clear();
                    self.state_filter = None;
                    self.types = TypeFilter::AllEntries;
                }
            } else {
                empty_state_ui(
                    ui,
                    if query.kind == EntityKind::Asset {
                        "No assets yet"
                    } else {
                        "No entries yet"
                    },
                    "Create content in Contentful's web app; it shows here when you reload.",
                    None,
                );
            }
            return;
        }
        self.keyboard(ui, cx, len);
        let now = cx.now;
        let cursor = self.cursor;
        let visible = self.visible.clone();
        let all_selected = !visible.is_empty()
            && visible
                .clone()
                .all(|i| pages.row(i).is_some_and(|key| self.selected.contains(key)));
        let mut toggle = None;
        let mut open = None;
        let mut select_all = None;
        let mut drawn: Option<Range<usize>> = None;
        // A row is one table cell split into its columns (`split_row`), not a cell per column:
        // this runs for every row in view, every frame of a scroll, and a `Ui` per cell was
        // most of its cost. The header is split the same way, so the two line up.
        let gap = ui.spacing().item_spacing.x;
        let mut table = TableBuilder::new(ui)
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(
                Column::remainder()
                    .at_least(row_min_width(&COLUMNS, gap))
                    .clip(true),
            );
        if std::mem::take(&mut self.cursor_moved) {
            table = table.scroll_to_row(cursor, None);
        }
        table
            .header(24.0, |mut h| {
                h.col(|ui| {
                    let cells = split_row(ui.max_rect(), &COLUMNS, gap);
                    // Drawn like the rows' checkboxes below it.
                    let hint = "Select the rows in view";
                    if cell_tooltip(check_in(ui, cells[0], all_selected, hint), hint).clicked() {
                        select_all = Some(!all_selected);
                    }
                    for (title, cell) in ["Title", "Content type", "State", "Version", "Updated"]
                        .into_iter()
                        .zip(&cells[1..])
                    {
                        text_in(ui, *cell, title, Some(ui.visuals().strong_text_color()));
                    }
                });
            })
            .body(|body| {
                body.rows(theme::ROW_HEIGHT, len, |mut row| {
                    let index = row.index();
                    drawn = Some(match drawn.take() {
                        Some(r) => r.start.min(index)..r.end.max(index + 1),
                        None => index..index + 1,
                    });
                    let key = pages.row(index);
                    let entity = key.and_then(|k| state.entities.get(k));
                    let (Some(key), Some(entity)) = (key, entity) else {
                        // Its page has not arrived: a quiet placeholder of the same height.
                        row.set_selected(index == cursor);
                        row.col(|ui| {
                            let cells = split_row(ui.max_rect(), &COLUMNS, gap);
                            text_in(
                                ui,
                                cells[1],
                                "Loading…",
                                Some(ui.visuals().weak_text_color()),
                            );
                        });
                        return;
                    };
                    let checked = self.selected.contains(key);
                    row.set_selected(checked || index == cursor);
                    row.col(|ui| {
                        let cells = split_row(ui.max_rect(), &COLUMNS, gap);
                        let hint = "Select for a bulk action";
                        if cell_tooltip(check_in(ui, cells[0], checked, hint), hint).clicked() {
                            toggle = Some(key.clone());
                        }
                        let title = link_in(ui, cells[1], state.display_title(entity), &key.1);
                        open_in_contentful_menu(&title, state, key);
                        if title.clicked() {
                            open = Some(key.clone());
                        }
                        text_in(ui, cells[2], state.content_type_name(entity), None);
                        entity_state_badge(entity.state()).paint_in(ui, cells[3]);
                        text_in(
                            ui,
                            cells[4],
                            entity.sys.version.unwrap_or(0).to_string(),
                            None,
                        );
                        if let Some(t) = entity.sys.updated_at {
                            let updated =
                                text_in(ui, cells[5], format::relative_time(t, now), None);
                            cell_tooltip_ui(updated, "", |ui| {
                                ui.label(format::local_time(t));
                            });
                        }
                    });
                });
            });
        let drawn = drawn.unwrap_or(0..0);
        if let Some(key) = toggle
            && !self.selected.remove(&key)
        {
            self.selected.insert(key);
        }
        if let Some(all) = select_all {
            for key in self.visible.clone().filter_map(|i| pages.row(i)) {
                if all {
                    self.selected.insert(key.clone());
                } else {
                    self.selected.remove(key);
                }
            }
        }
        if let Some(key) = open {
            cx.open(Window::Entity(key.0, key.1));
        }
        // The pages the visible rows fall on, and a neighbour within PREFETCH_ROWS of them
        // (scrolling on lands there, so its rows are usually in before they show).
        if !drawn.is_empty() && pages.error.is_none() {
            let first = drawn.start.saturating_sub(PREFETCH_ROWS) / ENTITY_PAGE;
            let last = ((drawn.end - 1 + PREFETCH_ROWS) / ENTITY_PAGE).min((len - 1) / ENTITY_PAGE);
            for page in first..=last {
                if !pages.has_or_loads(page) {
                    cx.send(Command::LoadEntityPage {
                        query: query.clone(),
                        page,
                        refresh: false,
                    });
                }
            }
        }
        self.visible = drawn;
    }

    /// Arrows, Page Up/Down, Home and End move the cursor (the table scrolls to it, loading the
    /// pages it lands on), Space selects its row, Enter opens it; only when no widget has the
    /// keyboard.
    fn keyboard(&mut self, ui: &Ui, cx: &mut ViewCtx<'_>, len: usize) {
        if ui.memory(|m| m.focused().is_some()) {
            return;
        }
        /// Rows a Page Up / Page Down moves.
        const PAGE_ROWS: usize = 20;
        let (step, space, enter) = ui.input(|i| {
            let step = if i.key_pressed(egui::Key::ArrowDown) {
                Some(self.cursor.saturating_add(1))
            } else if i.key_pressed(egui::Key::ArrowUp) {
                Some(self.cursor.saturating_sub(1))
            } else if i.key_pressed(egui::Key::PageDown) {
                Some(self.cursor.saturating_add(PAGE_ROWS))
            } else if i.key_pressed(egui::Key::PageUp) {
                Some(self.cursor.saturating_sub(PAGE_ROWS))
            } else if i.key_pressed(egui::Key::Home) {
                Some(0)
            } else if i.key_pressed(egui::Key::End) {
                Some(len)
            } else {
                None
            };
            (
                step,
                i.key_pressed(egui::Key::Space),
                i.key_pressed(egui::Key::Enter),
            )
        });
        if let Some(row) = step {
            self.cursor = row.min(len.saturating_sub(1));
            self.cursor_moved = true;
        }
        self.cursor = self.cursor.min(len.saturating_sub(1));
        let Some(key) = cx.state.entity_view.pages.row(self.cursor).cloned() else {
            return;
        };
        if space && !self.selected.remove(&key) {
            self.selected.insert(key.clone());
        }
        if enter {
            cx.open(Window::Entity(key.0, key.1));
        }
    }
}

/// A right-click menu on an entry's title: "Open in Contentful" on a real space.
pub fn open_in_contentful_menu(
    response: &egui::Response,
    state: &crate::app::state::AppState,
    key: &crate::app::state::EntityKey,
) {
    let Some(url) = state
        .connection
        .as_ref()
        .and_then(|c| c.web_app_url(key.0, &key.1))
    else {
        return;
    };
    response.context_menu(|ui| {
        if ui
            .button("Open in Contentful")
            .on_hover_text(&url)
            .clicked()
        {
            ui.ctx().open_url(egui::OpenUrl::new_tab(&url));
            ui.close();
        }
    });
}
