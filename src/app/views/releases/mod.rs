//! [`ReleasesView`]: the list of releases — a virtualised table with search, an active/archived
//! filter, a Launch/Timeline switch in spaces that use both models, sortable columns, cursor
//! paging as the user scrolls, releases the app cannot model listed as such, and the
//! create-release dialog (which model, title, entries: [`CreateReleaseDialog`]).

mod create;

pub use create::CreateReleaseDialog;

use egui::{Key, RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::ViewCtx;
use crate::app::command::{Command, ReleaseQuery};
use crate::app::intents::Route;
use crate::app::theme::{self, Tone};
use crate::app::widgets::{
    ColumnWidth, action_badge, badge_in, badge_ui, cell_tooltip, cell_tooltip_ui, empty_state_ui,
    next_schedule_in, readiness_badge, release_status_badge, row_min_width, split_row, text_in,
};
use crate::readiness::Readiness;

/// Id of the filter box (Ctrl+F focuses it).
pub const FILTER_ID: &str = "releases-filter";

/// How long the search text must rest before the list reloads, in seconds of the frame's
/// input time (`egui::InputState::time`: the wall clock under eframe, the step clock under
/// kittest), so typing "spring" sends one request, not six.
pub const SEARCH_DEBOUNCE: f64 = 0.25;

/// Whether search text edited at `edited_at` (input time; `None`: not being typed) has rested
/// long enough to be sent; if not, asks for a frame when it will have. Clears `edited_at` when
/// it has.
pub fn search_rested(ui: &Ui, edited_at: &mut Option<f64>) -> bool {
    let time = ui.input(|i| i.time);
    let rest = edited_at.map_or(0.0, |edited| SEARCH_DEBOUNCE - (time - edited));
    if rest > 0.0 {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(rest));
        false
    } else {
        *edited_at = None;
        true
    }
}

/// The releases list and its UI state.
#[derive(Debug, Default)]
pub struct ReleasesView {
    search: String,
    /// `None` all, `Some(false)` active, `Some(true)` archived.
    archived: Option<bool>,
    order: String,
    /// Timeline instead of Launch; `None` follows what the space uses.
    timeline: Option<bool>,
    selected: usize,
    /// The query of the loaded list; a change reloads.
    loaded_query: Option<ReleaseQuery>,
    /// When the search text last changed (input time), until the reload it leads to.
    search_edited_at: Option<f64>,
    create: Option<CreateReleaseDialog>,
    /// Shows only releases of one readiness (worked out for the loaded rows).
    readiness: ReadinessFilter,
}

/// The readiness filter's choices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum ReadinessFilter {
    #[default]
    Any,
    Ready,
    Blocked,
    MissingReferences,
    Empty,
    Scheduled,
    Published,
    LastRunFailed,
}

impl ReadinessFilter {
    const ALL: [Self; 8] = [
        Self::Any,
        Self::Ready,
        Self::Blocked,
        Self::MissingReferences,
        Self::Empty,
        Self::Scheduled,
        Self::Published,
        Self::LastRunFailed,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Any => "Any readiness",
            Self::Ready => "Ready",
            Self::Blocked => "Blocked",
            Self::MissingReferences => "Missing references",
            Self::Empty => "Empty",
            Self::Scheduled => "Scheduled",
            Self::Published => "Published",
            Self::LastRunFailed => "Last run failed",
        }
    }

    fn admits(self, readiness: Option<&Readiness>) -> bool {
        let Some(r) = readiness else {
            return self == Self::Any;
        };
        match self {
            Self::Any => true,
            Self::Ready => *r == Readiness::Ready,
            Self::Blocked => matches!(r, Readiness::Blocked { .. }),
            Self::MissingReferences => matches!(r, Readiness::MissingReferences { .. }),
            Self::Empty => *r == Readiness::Empty,
            Self::Scheduled => matches!(r, Readiness::Scheduled { .. }),
            Self::Published => *r == Readiness::Published,
            Self::LastRunFailed => *r == Readiness::LastRunFailed,
        }
    }
}

/// At most this many readiness checks run at once (each reads the release, its entities and
/// their links: a few requests, which share the space's rate limit with what the user asks).
const READINESS_IN_FLIGHT: usize = 6;

impl ReleasesView {
    /// A view showing active releases first.
    pub fn new() -> Self {
        Self {
            archived: Some(false),
            order: "-sys.updatedAt".into(),
            ..Self::default()
        }
    }

    fn query(&self, cx: &ViewCtx<'_>) -> ReleaseQuery {
        ReleaseQuery {
            search: self.search.trim().to_owned(),
            archived: self.archived,
            order: self.order.clone(),
            timeline: self.timeline_shown(cx),
        }
    }

    fn timeline_shown(&self, cx: &ViewCtx<'_>) -> bool {
        self.timeline
            .unwrap_or(cx.state.release_model.prefers_timeline)
    }

    /// Reloads the list on the next frame (the loaded query is forgotten).
    pub fn reload(&mut self) {
        self.loaded_query = None;
    }

    /// Opens the create-release dialog.
    pub fn open_create_dialog(&mut self) {
        self.create = Some(CreateReleaseDialog::default());
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let now = ui.input(|i| i.time);
        let query = self.query(cx);
        if self.loaded_query.as_ref() != Some(&query)
            && search_rested(ui, &mut self.search_edited_at)
        {
            self.loaded_query = Some(query.clone());
            cx.send(Command::LoadReleases {
                query,
                cursor: None,
            });
        }
        ui.horizontal(|ui| {
            // In a narrow window the navigation already says where we are; the heading gives
            // its room to the filters (the model switch needs it in a space with both models).
            let narrow = ui.available_width() <= 800.0;
            let mixed = cx.state.release_model.mixed();
            if !narrow || !mixed {
                ui.heading("Releases");
                ui.add_space(theme::SECTION_GAP);
            }
            let filter = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .id(egui::Id::unique(FILTER_ID))
                    .hint_text("Search titles  (Ctrl+F)")
                    // Narrower in a small window, so the filters and buttons keep their room.
                    .desired_width(
                        (ui.available_width() - if mixed { 660.0 } else { 520.0 })
                            .clamp(100.0, 240.0),
                    ),
            );
            filter.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Search release titles")
            });
            if filter.changed() {
                self.search_edited_at = Some(now);
            }
            if cx.focus_filter {
                filter.request_focus();
            }
            ui.add_space(8.0);
            for (label, value, tip) in [
                ("Active", Some(false), "Releases open for changes"),
                ("Archived", Some(true), "Published or archived releases"),
                ("All", None, "Every release"),
            ] {
                if ui
                    .selectable_label(self.archived == value, label)
                    .on_hover_text(tip)
                    .clicked()
                {
                    self.archived = value;
                }
            }
            ui.separator();
            egui::ComboBox::from_id_salt("readiness-filter")
                .selected_text(self.readiness.label())
                .width(if narrow && mixed { 104.0 } else { 130.0 })
                .show_ui(ui, |ui| {
                    for choice in ReadinessFilter::ALL {
                        ui.selectable_value(&mut self.readiness, choice, choice.label());
                    }
                })
                .response
                .on_hover_text("Show only releases that would publish cleanly, are blocked, …");
            // Contentful lists the two release models apart; a space moving from Launch to
            // Timeline holds both, so the list shows one at a time.
            if mixed {
                ui.separator();
                let shown = self.timeline_shown(cx);
                for (label, timeline, tip) in [
                    (
                        "Launch",
                        false,
                        "Launch releases (Release.v1): one action for every entry",
                    ),
                    (
                        "Timeline",
                        true,
                        "Timeline releases (Release.v2): each entry has its own action",
                    ),
                ] {
                    let switch = ui.selectable_label(shown == timeline, label);
                    // Named apart from the navigation's "Timeline" for screen readers.
                    switch.widget_info(|| {
                        egui::WidgetInfo::selected(
                            egui::Role::Button,
                            true,
                            shown == timeline,
                            format!("Show {label} releases"),
                        )
                    });
                    if switch.on_hover_text(tip).clicked() {
                        self.timeline = Some(timeline);
                    }
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                // Short in a small window with both models' switch beside it.
                let label = if narrow && mixed {
                    "➕ New…"
                } else {
                    "➕ New release…"
                };
                if ui
                    .button(label)
                    .on_hover_text("Create a release from entries (Ctrl+N)")
                    .accessible_name("New release…")
                    .clicked()
                {
                    self.open_create_dialog();
                }
                if ui
                    .button("⟳")
                    .on_hover_text("Reload the list")
                    .accessible_name("Reload the list")
                    .clicked()
                {
                    cx.send(Command::LoadReleases {
                        query: self.query(cx),
                        cursor: None,
                    });
                }
            });
        });
        ui.add_space(6.0);
        self.table_ui(ui, cx);
        self.dialog_ui(ui, cx);
    }

    fn table_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let state = cx.state;
        let now = cx.now;
        if let Some(error) = &state.releases_error
            && state.releases.is_empty()
        {
            if let Some(retry) = empty_state_ui(
                ui,
                "Releases could not be loaded",
                &format!("{error}. Check the connection in Settings, then retry."),
                Some("Retry"),
            ) && retry.clicked()
            {
                cx.send(Command::LoadReleases {
                    query: self.query(cx),
                    cursor: None,
                });
            }
            return;
        }
        if state.releases_loaded && state.releases.is_empty() {
            let guidance = if self.search.is_empty() {
                "Create a release to group entries and assets you want to publish together."
            } else {
                "No release title contains those words. Clear the search or try other words."
            };
            if let Some(new) =
                empty_state_ui(ui, "No releases here", guidance, Some("New release…"))
                && new.clicked()
            {
                self.open_create_dialog();
            }
            return;
        }
        if !state.releases_loaded {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Loading releases…");
            });
            return;
        }
        // The rows shown: every loaded release (no lookup per release and frame), or those of
        // the chosen readiness.
        let shown: Vec<usize> = if self.readiness == ReadinessFilter::Any {
            (0..state.releases.len()).collect()
        } else {
            (0..state.releases.len())
                .filter(|&i| {
                    self.readiness
                        .admits(state.readiness.readiness(&state.releases[i].sys.id))
                })
                .collect()
        };
        let rows = shown.len();
        // Keyboard: arrows move the selection, Enter opens it.
        let (up, down, enter) = ui.input(|i| {
            (
                i.key_pressed(Key::ArrowUp),
                i.key_pressed(Key::ArrowDown),
                i.key_pressed(Key::Enter),
            )
        });
        let typing = ui.memory(|m| m.focused().is_some());
        if !typing && self.create.is_none() {
            if down {
                self.selected = (self.selected + 1).min(rows.saturating_sub(1));
            }
            if up {
                self.selected = self.selected.saturating_sub(1);
            }
            if enter
                && let Some(r) = shown
                    .get(self.selected)
                    .and_then(|&i| state.releases.get(i))
            {
                cx.go(Route::Release(r.sys.id.clone()));
            }
        }
        let sort_header = |ui: &mut Ui, label: &str, field: &str, order: &mut String| {
            let asc = field.to_owned();
            let desc = format!("-{field}");
            let arrow = if *order == asc {
                " ⏶"
            } else if *order == desc {
                " ⏷"
            } else {
                ""
            };
            if ui
                .add(
                    egui::Button::new(RichText::new(format!("{label}{arrow}")).strong())
                        .frame(false),
                )
                .on_hover_text(format!("Sort by {}", label.to_lowercase()))
                .clicked()
            {
                *order = if *order == desc { asc } else { desc };
            }
        };
        let mut order = self.order.clone();
        let mut load_more = false;
        let selected = self.selected;
        let mut clicked_row = None;
        // The rows drawn this frame, whose readiness is asked for (virtualised: not the rest).
        let mut visible: Vec<(&str, u64)> = Vec::new();
        // The Updated column gives its room to Readiness in a narrow window.
        let wide = ui.available_width() > 860.0;
        // A row is one table cell split into its columns (`split_row`), as the entries table
        // draws it: no `Ui` per cell in a list scrolled through thousands of releases. The
        // header is split the same way, so the two line up.
        let columns = release_columns(wide);
        let gap = ui.spacing().item_spacing.x;
        let in_cell = |ui: &mut Ui, cell: egui::Rect, add: &mut dyn FnMut(&mut Ui)| {
            ui.scope_builder(
                egui::UiBuilder::new()
                    .max_rect(cell)
                    .layout(egui::Layout::left_to_right(egui::Align::Center)),
                |ui| add(ui),
            );
        };
        TableBuilder::new(ui)
            .striped(true)
            .sense(egui::Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(
                Column::remainder()
                    .at_least(row_min_width(&columns, gap))
                    .clip(true),
            )
            .header(24.0, |mut header| {
                header.col(|ui| {
                    let cells = split_row(ui.max_rect(), &columns, gap);
                    in_cell(ui, cells[0], &mut |ui| {
                        sort_header(ui, "Title", "title", &mut order);
                    });
                    in_cell(ui, cells[1], &mut |ui| {
                        ui.strong("Status");
                    });
                    in_cell(ui, cells[2], &mut |ui| {
                        ui.strong("Entities")
                            .on_hover_text("Entries and assets in the release");
                    });
                    in_cell(ui, cells[3], &mut |ui| {
                        ui.strong("Last action");
                    });
                    in_cell(ui, cells[4], &mut |ui| {
                        ui.strong("Next")
                            .on_hover_text("The next scheduled publish or unpublish");
                    });
                    in_cell(ui, cells[5], &mut |ui| {
                        ui.strong("Readiness").on_hover_text(
                            "Whether a publish now would succeed, checked here with the \
                             space's own rules before anything runs",
                        );
                    });
                    if let Some(&cell) = cells.get(6) {
                        in_cell(ui, cell, &mut |ui| {
                            sort_header(ui, "Updated", "sys.updatedAt", &mut order);
                        });
                    }
                });
            })
            .body(|mut body| {
                let weak = body.ui_mut().visuals().weak_text_color();
                body.rows(theme::ROW_HEIGHT, rows, |mut row| {
                    let index = row.index();
                    let Some(release) = shown.get(index).and_then(|&i| state.releases.get(i))
                    else {
                        return;
                    };
                    visible.push((&release.sys.id, release.sys.version));
                    if index + 20 >= rows && state.releases_next.is_some() {
                        load_more = true;
                    }
                    row.set_selected(index == selected);
                    row.col(|ui| {
                        let cells = split_row(ui.max_rect(), &columns, gap);
                        let mut title = cells[0];
                        if release.is_timeline() {
                            let badge = badge_in(
                                ui,
                                title,
                                "Timeline",
                                Tone::Accent,
                                "A Timeline release (Release.v2): each entry has its own action",
                            );
                            title.min.x = badge.rect.right() + gap;
                        }
                        text_in(ui, title, release.title.as_str(), None);
                        release_status_badge(&release.sys.status).paint_in(ui, cells[1]);
                        text_in(ui, cells[2], release.entities.len().to_string(), None);
                        let tracked = state.tracked_for_release(&release.sys.id);
                        match (tracked, state.latest_actions.get(&release.sys.id)) {
                            (Some(t), _) if !t.status.is_final() => {
                                action_badge(&t.action, &t.status).paint_in(ui, cells[3]);
                            }
                            (_, Some(a)) => {
                                action_badge(&a.action, &a.sys.status).paint_in(ui, cells[3]);
                            }
                            _ => {
                                text_in(ui, cells[3], "—", Some(weak));
                            }
                        }
                        match state.next_schedule(&release.sys.id) {
                            Some(next) => {
                                next_schedule_in(ui, cells[4], next, now);
                            }
                            None => {
                                text_in(ui, cells[4], "—", Some(weak));
                            }
                        }
                        match state.readiness.get(&release.sys.id) {
                            Some(entry) => {
                                let stale = entry.is_stale_for(release.sys.version);
                                readiness_badge(&entry.readiness, stale, now)
                                    .paint_in(ui, cells[5]);
                            }
                            None => match state.readiness.failure(&release.sys.id) {
                                Some(error) => {
                                    let why = format!(
                                        "Could not check it: {error}. It is checked again when \
                                         something in it changes."
                                    );
                                    cell_tooltip(
                                        text_in(ui, cells[5], "Unknown", Some(weak)),
                                        &why,
                                    );
                                }
                                None => {
                                    cell_tooltip(
                                        text_in(ui, cells[5], "Checking…", Some(weak)),
                                        "Working out whether it would publish",
                                    );
                                }
                            },
                        }
                        if let Some(&cell) = cells.get(6)
                            && let Some(t) = release.sys.updated_at
                        {
                            let when = crate::app::format::relative_time(t, now);
                            cell_tooltip_ui(text_in(ui, cell, when, None), "", |ui| {
                                let at = crate::app::format::local_time(t);
                                match &release.sys.updated_by {
                                    Some(by) => ui.label(format!("{at} by {}", by.id())),
                                    None => ui.label(at),
                                };
                            });
                        }
                    });
                    if row.response().clicked() {
                        clicked_row = Some(index);
                    }
                });
            });
        self.order = order;
        // With a readiness filter every loaded release needs its readiness, shown or not.
        let candidates: Vec<(&str, u64)> = if self.readiness == ReadinessFilter::Any {
            visible
        } else {
            state
                .releases
                .iter()
                .map(|r| (r.sys.id.as_str(), r.sys.version))
                .collect()
        };
        let room = READINESS_IN_FLIGHT.saturating_sub(state.readiness.checking_count());
        let mut wanted = state.readiness.wanted(candidates);
        wanted.truncate(room);
        if !wanted.is_empty() {
            cx.send(Command::CheckReadiness {
                release_ids: wanted,
            });
        }
        if rows == 0 && self.readiness != ReadinessFilter::Any {
            ui.label(
                RichText::new(format!(
                    "No loaded release is {} yet. Readiness fills in as it is checked; choose \
                     \"Any readiness\" to see them all.",
                    self.readiness.label().to_lowercase()
                ))
                .weak(),
            );
        }
        unsupported_ui(ui, state);
        if let Some(index) = clicked_row {
            self.selected = index;
            if let Some(r) = shown.get(index).and_then(|&i| state.releases.get(i)) {
                cx.go(Route::Release(r.sys.id.clone()));
            }
        }
        // The next page of the list shown (not of a search still being typed).
        if load_more
            && !state.releases_loading
            && let Some(query) = self.loaded_query.clone()
        {
            cx.send(Command::LoadReleases {
                query,
                cursor: state.releases_next.clone(),
            });
        }
    }

    fn dialog_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let shown = self.timeline_shown(cx);
        if let Some(dialog) = &mut self.create
            && dialog.timeline.is_none()
        {
            dialog.timeline = Some(shown);
        }
        let Some(dialog) = &mut self.create else {
            return;
        };
        if !dialog.show(ui.ctx(), cx) {
            // The list follows the model of a release just created, so it is there on return.
            if dialog.created {
                self.timeline = dialog.timeline;
            }
            self.create = None;
        }
    }
}

/// Releases of the loaded pages the app cannot model: one line each, so the user knows they
/// exist (and why they are not in the table) instead of the whole page failing.
/// The list's columns: title, status, entities, last action, next, readiness and (when
/// `wide`) updated. They fit the 900×560 minimum window: narrower Title, Last action and Next
/// there (the readiness badge keeps its width), and the title takes what is left.
fn release_columns(wide: bool) -> Vec<ColumnWidth> {
    let mut columns = vec![
        ColumnWidth::Rest {
            at_least: if wide { 140.0 } else { 110.0 },
        },
        ColumnWidth::Exact(70.0),
        ColumnWidth::Exact(56.0),
        ColumnWidth::Exact(if wide { 130.0 } else { 110.0 }),
        ColumnWidth::Exact(if wide { 170.0 } else { 150.0 }),
        ColumnWidth::Exact(150.0),
    ];
    if wide {
        columns.push(ColumnWidth::Exact(100.0));
    }
    columns
}

fn unsupported_ui(ui: &mut Ui, state: &crate::app::state::AppState) {
    if state.releases_unsupported.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.horizontal_wrapped(|ui| {
        badge_ui(
            ui,
            &format!("{} unsupported", state.releases_unsupported.len()),
            Tone::Warning,
            "Releases in a shape this version of Release Desk cannot show",
        );
        for u in &state.releases_unsupported {
            ui.label(format!("Cannot show release {}", u.label()))
                .on_hover_text(format!("Why: {}\n\n{}", u.reason, u.raw));
        }
    });
}
