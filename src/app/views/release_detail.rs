//! [`ReleaseDetailView`]: one release — its entries and assets with their state, the action bar
//! (Validate, Publish…, Unpublish…, Add entries…, Archive, Duplicate, Delete), readiness
//! (`release_readiness`), the Items / Changes tabs, the running action's
//! progress, the conflict notice, and the action history.

use egui::{RichText, Ui};

use super::ViewCtx;
use super::entity_picker::EntityPicker;
use super::release_items::{self, ItemEdit};
use super::release_readiness;
use crate::app::command::{Command, PickerId};
use crate::app::format;
use crate::app::intents::{Route, Window};
use crate::app::theme::{self, Tone};
use crate::app::widgets::{
    action_badge_ui, badge_ui, entity_state_badge_ui, next_schedule_ui, release_status_badge_ui,
};
use crate::cma::{
    ActionKind, ActionStatus, ItemModel, Link, LinkType, Release, ReleaseBody, ReleaseItem,
};

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
    /// The title being typed while renaming.
    renaming: Option<String>,
    /// The last item removed, offered back with Undo until the next edit.
    undo: Option<Removed>,
    /// Items, or the "Changes" review.
    tab: DetailTab,
}

/// What the lower part of the page shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum DetailTab {
    /// The items and their states, editable.
    #[default]
    Items,
    /// What a publish changes in each entry, field by field.
    Changes,
}

/// An item taken out of the release: where it was, and its title for the notice.
#[derive(Debug, Clone)]
struct Removed {
    /// The release's version the removal was made on; the notice shows once the saved
    /// release (a later version) is back.
    from_version: u64,
    index: usize,
    item: ReleaseItem,
    title: String,
}

impl ReleaseDetailView {
    /// The detail of `release_id` (the caller sends `OpenRelease`).
    pub fn new(release_id: String) -> Self {
        Self {
            release_id,
            confirm: None,
            adding: None,
            renaming: None,
            undo: None,
            tab: DetailTab::Items,
        }
    }

    /// Opens the publish confirmation, as "Publish…" does (the palette's "Publish this
    /// release…"); nothing runs until the user confirms.
    pub fn ask_to_publish(&mut self) {
        self.confirm = Some(Confirm::Publish);
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
                    && self.renaming.is_none()
            {
                stay = false;
            }
            self.title_ui(ui, cx, &release);
            release_status_badge_ui(ui, &release.sys.status);
            if release.is_timeline() {
                badge_ui(
                    ui,
                    "Timeline",
                    Tone::Accent,
                    "A Timeline release (Release.v2): each item has its own action",
                );
            }
            if let Some(url) = cx
                .state
                .connection
                .as_ref()
                .and_then(|c| c.release_web_url(&release))
            {
                ui.hyperlink_to("Open in Contentful", &url)
                    .on_hover_text(&url);
            }
            ui.label(RichText::new(format!("version {}", release.sys.version)).weak());
        });
        ui.add_space(4.0);
        self.conflict_ui(ui, cx);
        self.action_bar_ui(ui, cx, &release);
        schedule_note_ui(ui, cx, &release);
        ui.add_space(4.0);
        release_readiness::readiness_ui(ui, cx, &release);
        ui.add_space(theme::SECTION_GAP);
        ui.horizontal(|ui| {
            for (tab, label, tip) in [
                (
                    DetailTab::Items,
                    "Items",
                    "The release's entries and assets",
                ),
                (
                    DetailTab::Changes,
                    "Changes",
                    "What a publish changes in each entry, field by field",
                ),
            ] {
                if ui
                    .selectable_label(self.tab == tab, label)
                    .on_hover_text(tip)
                    .clicked()
                {
                    self.tab = tab;
                }
            }
        });
        match self.tab {
            DetailTab::Items => {
                self.entities_ui(ui, cx, &release);
                ui.add_space(theme::SECTION_GAP);
                self.history_ui(ui, cx);
            }
            DetailTab::Changes => release_readiness::changes_ui(ui, cx, &release),
        }
        self.confirm_ui(ui, cx, &release);
        self.add_ui(ui, cx, &release);
        if !stay {
            back(cx);
        }
    }

    /// The title, or its editor while renaming (Enter saves, Esc cancels).
    fn title_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
        let Some(title) = &mut self.renaming else {
            ui.heading(&release.title);
            if !release.is_archived()
                && ui
                    .small_button("✏")
                    .on_hover_text("Rename the release")
                    .accessible_name("Rename the release")
                    .clicked()
            {
                self.renaming = Some(release.title.clone());
            }
            return;
        };
        let edit = ui.add(
            egui::TextEdit::singleline(title)
                .desired_width(320.0)
                .font(egui::TextStyle::Heading),
        );
        edit.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Release title")
        });
        if !edit.has_focus() && !edit.lost_focus() {
            edit.request_focus();
        }
        let (enter, escape) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::Enter),
                i.key_pressed(egui::Key::Escape),
            )
        });
        let new = title.trim().to_owned();
        let save = ui
            .add_enabled(!new.is_empty(), egui::Button::new("Save"))
            .on_disabled_hover_text("A release needs a title")
            .clicked()
            || enter && !new.is_empty();
        if save {
            if new != release.title {
                let mut body = ReleaseBody::from(release);
                body.title = new;
                cx.send(Command::UpdateRelease {
                    id: release.sys.id.clone(),
                    version: release.sys.version,
                    body,
                });
            }
            self.renaming = None;
        } else if ui.button("Cancel").clicked() || escape {
            self.renaming = None;
        }
    }

    /// "Removed 'X' from the release. Undo": puts the item back where it was, into the
    /// release as it is now (with its current version), unless it is already back.
    fn undo_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
        let Some(removed) = &self.undo else {
            return;
        };
        if release.sys.version <= removed.from_version {
            // The removal is still being saved.
            return;
        }
        let back_already = removed
            .item
            .entity()
            .is_some_and(|l| release.entities.item_for(l.id()).is_some());
        if back_already || release.is_archived() {
            self.undo = None;
            return;
        }
        let mut undo = false;
        let mut dismiss = false;
        ui.horizontal(|ui| {
            ui.label(format!("Removed '{}' from the release.", removed.title));
            undo = ui
                .button("Undo")
                .on_hover_text("Put it back where it was")
                .clicked();
            dismiss = ui
                .small_button("✖")
                .on_hover_text("Dismiss")
                .accessible_name("Dismiss")
                .clicked();
        });
        if undo {
            let mut items = release.entities.items.clone();
            items.insert(removed.index.min(items.len()), removed.item.clone());
            send_items(cx, release, items);
        }
        if undo || dismiss {
            self.undo = None;
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
                        cx.send(Command::OpenRelease {
                            id: conflict.id.clone(),
                            members: Vec::new(),
                        });
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
        let empty = release.entities.is_empty();
        // Wraps in a narrow window rather than pushing Delete off the edge.
        ui.horizontal_wrapped(|ui| {
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
                .on_hover_text(if release.is_timeline() {
                    "Apply every item's own action (publish or unpublish), all or nothing"
                } else {
                    "Publish every entry and asset, all or nothing"
                })
                .on_disabled_hover_text(why)
                .clicked()
            {
                self.confirm = Some(Confirm::Publish);
            }
            // Timeline releases unpublish through their items (spec §10.1): no release-level
            // unpublish.
            if !release.is_timeline()
                && ui
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
            // Contentful refuses to unarchive a Timeline release (400).
            let can_toggle = idle && !(archived && release.is_timeline());
            if ui
                .add_enabled(can_toggle, egui::Button::new(label))
                .on_hover_text(tip)
                .on_disabled_hover_text(if idle {
                    "Timeline releases cannot be unarchived; create a new release instead"
                } else {
                    "An action is running"
                })
                .clicked()
            {
                cx.send(Command::SetReleaseArchived {
                    id: release.sys.id.clone(),
                    version: release.sys.version,
                    archived: !archived,
                });
            }
            if ui
                .button("Duplicate")
                .on_hover_text(
                    "A new release with the same entries and their actions, titled \"… (copy)\"; \
                     archived releases too, to publish the same set again",
                )
                .clicked()
            {
                cx.send(Command::CreateRelease {
                    body: ReleaseBody::duplicate_of(release),
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
        self.undo_ui(ui, cx, release);
        let Some(edit) = release_items::items_ui(ui, cx, release) else {
            return;
        };
        let mut items = release.entities.items.clone();
        match edit {
            ItemEdit::Open(link) => {
                let (kind, id) = release_items::link_key(&link);
                cx.open(Window::Entity(kind, id));
                return;
            }
            ItemEdit::Remove(index) if index < items.len() => {
                let item = items.remove(index);
                let title = item
                    .entity()
                    .map(|link| {
                        cx.state
                            .entity(link)
                            .map(|e| cx.state.display_title(e).to_owned())
                            .unwrap_or_else(|| link.id().to_owned())
                    })
                    .unwrap_or_else(|| "the item".to_owned());
                self.undo = Some(Removed {
                    from_version: release.sys.version,
                    index,
                    item,
                    title,
                });
            }
            ItemEdit::Replace(index, item) if index < items.len() => {
                items[index] = item;
                self.undo = None;
            }
            ItemEdit::Remove(_) | ItemEdit::Replace(..) => return,
        }
        send_items(cx, release, items);
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
                Confirm::Publish if release.is_timeline() => {
                    let changes = release_items::planned_changes(cx, release);
                    ui.label(format!(
                        "Each of the {} items gets its own action. Publishing is all or nothing: if one item fails validation, nothing changes. After a successful publish the release is archived.",
                        changes.len()
                    ));
                    egui::ScrollArea::vertical().max_height(220.0).show(ui, |ui| {
                        egui::Grid::new("timeline-plan").spacing([12.0, 4.0]).show(ui, |ui| {
                            for (title, does) in &changes {
                                ui.label(RichText::new(does).strong());
                                ui.label(title);
                                ui.end_row();
                            }
                        });
                    });
                }
                Confirm::Publish | Confirm::Unpublish => {
                    let publishing = confirm == Confirm::Publish;
                    let mut changes = Vec::new();
                    for link in release.entities.links() {
                        let Some(e) = cx.state.entity(link) else { continue };
                        let state = e.state();
                        let will_change = if publishing {
                            state != crate::cma::EntityState::Published
                        } else {
                            matches!(state, crate::cma::EntityState::Published | crate::cma::EntityState::Changed)
                        };
                        if will_change {
                            changes.push((cx.state.display_title(e).to_owned(), state));
                        }
                    }
                    ui.label(format!(
                        "{} of {} entries and assets will change{}:",
                        changes.len(),
                        release.entities.len(),
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
            if confirm == Confirm::Publish {
                ui.add_space(4.0);
                release_readiness::publish_warning_ui(ui, cx, &release.sys.id);
            }
            if confirm == Confirm::Unpublish {
                ui.add_space(4.0);
                release_readiness::unpublish_links_ui(ui, cx, release);
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
                picker.ui(ui, cx, &release.entities.link_vec());
                ui.horizontal(|ui| {
                    let n = picker.selected.len();
                    if ui
                        .add_enabled(n > 0, egui::Button::new(format!("Add {n}")))
                        .clicked()
                    {
                        let model = item_model(cx, release);
                        let locales: Vec<String> =
                            cx.state.locales.iter().map(|l| l.code.clone()).collect();
                        let mut items = release.entities.items.clone();
                        items.extend(
                            picker
                                .selected_links()
                                .into_iter()
                                .map(|link| ReleaseItem::new_like(model, link, &locales)),
                        );
                        send_items(cx, release, items);
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

/// When the release next runs on a schedule, and whether its last scheduled run was late (the
/// sandbox catches up on schedules missed while it was stopped; Contentful can lag too).
fn schedule_note_ui(ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
    let next = cx.state.next_schedule(&release.sys.id);
    let last_run = cx
        .state
        .scheduled_actions
        .values()
        .filter(|a| a.entity.id() == release.sys.id && a.sys.status.is_final())
        .filter(|a| a.sys.status != crate::cma::ScheduledActionStatus::Canceled)
        .max_by_key(|a| a.scheduled_for.datetime);
    let late = last_run.and_then(|a| {
        let ran = a.sys.updated_at?;
        let by = format::lateness(a.scheduled_for.datetime, ran)?;
        Some((a, by))
    });
    if next.is_none() && late.is_none() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        if let Some(next) = next {
            next_schedule_ui(ui, next, cx.now);
        }
        if let Some((action, by)) = late {
            let due = format::short_time_in_zone(
                action.scheduled_for.datetime,
                action.scheduled_for.timezone.as_deref(),
                cx.now,
            );
            badge_ui(
                ui,
                &format!("last scheduled {} ran {by} late", action.action),
                Tone::Warning,
                &format!(
                    "It was due {due} and ran later: the server was not running then, or was busy"
                ),
            );
        }
    });
}

/// Saves `items` as the release's new items; everything else is sent back as it was.
fn send_items(cx: &mut ViewCtx<'_>, release: &Release, items: Vec<ReleaseItem>) {
    let mut body = ReleaseBody::from(release);
    body.entities.items = items;
    cx.send(Command::UpdateRelease {
        id: release.sys.id.clone(),
        version: release.sys.version,
        body,
    });
}

/// The item shape new items of `release` get: what its items use, else what its schema and
/// the environment's publishing mode call for.
fn item_model(cx: &ViewCtx<'_>, release: &Release) -> ItemModel {
    ItemModel::of_items(&release.entities.items).unwrap_or(if release.is_timeline() {
        cx.state.timeline_item_model()
    } else {
        ItemModel::Link
    })
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
