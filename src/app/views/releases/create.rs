//! [`CreateReleaseDialog`]: a new release — which model (Launch or Timeline, in spaces that use
//! both), a title, and the entries to start with, picked from a server-side search.

use egui::{Key, RichText};

use crate::app::command::{Command, PickerId};
use crate::app::views::ViewCtx;
use crate::app::views::entity_picker::EntityPicker;
use crate::cma::{ReleaseBody, ReleaseItem};

/// The create-release dialog: the release model, a title, then entries picked from a
/// searchable list.
#[derive(Debug)]
pub struct CreateReleaseDialog {
    title: String,
    /// Timeline instead of Launch; set from the list when the dialog first shows.
    pub(super) timeline: Option<bool>,
    /// Whether "Create release" was pressed.
    pub(super) created: bool,
    picker: EntityPicker,
}

impl Default for CreateReleaseDialog {
    fn default() -> Self {
        Self {
            title: String::new(),
            timeline: None,
            created: false,
            picker: EntityPicker::new(PickerId::NewRelease),
        }
    }
}

impl CreateReleaseDialog {
    /// Draws the dialog; returns whether it stays open.
    pub fn show(&mut self, ctx: &egui::Context, cx: &mut ViewCtx<'_>) -> bool {
        let mut open = true;
        let mut close = false;
        egui::Window::new("New release")
            .collapsible(false)
            .resizable(true)
            .default_size([560.0, 480.0])
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .open(&mut open)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    ui.label("Model");
                    let timeline = self.timeline.unwrap_or(false);
                    for (label, value, tip) in [
                        (
                            "Launch",
                            false,
                            "One action for the whole release: publish or unpublish every entry",
                        ),
                        (
                            "Timeline",
                            true,
                            "Each entry has its own action (publish or unpublish); the newer Contentful model",
                        ),
                    ] {
                        if ui
                            .radio(timeline == value, label)
                            .on_hover_text(tip)
                            .clicked()
                        {
                            self.timeline = Some(value);
                        }
                    }
                });
                if self.timeline == Some(true) && cx.state.release_model.locale_based {
                    ui.label(
                        RichText::new(
                            "This environment publishes by locale: new items publish every locale; choose per locale on the release page.",
                        )
                        .weak(),
                    );
                }
                ui.add_space(4.0);
                ui.label("Title");
                let title = ui.add(
                    egui::TextEdit::singleline(&mut self.title)
                        .hint_text("e.g. Spring launch")
                        .desired_width(f32::INFINITY),
                );
                title.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Release title")
                });
                if self.title.is_empty()
                    && !title.has_focus()
                    && ui.memory(|m| m.focused().is_none())
                {
                    title.request_focus();
                }
                ui.add_space(8.0);
                ui.label(format!("Entries ({} selected)", self.picker.selected.len()));
                self.picker.ui(ui, cx, &[]);
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    let ready = !self.title.trim().is_empty();
                    if ui
                        .add_enabled(ready, egui::Button::new("Create release"))
                        .on_disabled_hover_text("Give the release a title first")
                        .clicked()
                    {
                        let links = self.picker.selected_links();
                        let body = if self.timeline == Some(true) {
                            let model = cx.state.timeline_item_model();
                            let locales: Vec<String> =
                                cx.state.locales.iter().map(|l| l.code.clone()).collect();
                            ReleaseBody::timeline(
                                self.title.trim(),
                                links
                                    .into_iter()
                                    .map(|l| ReleaseItem::new_like(model, l, &locales))
                                    .collect(),
                            )
                        } else {
                            ReleaseBody::new(self.title.trim(), links)
                        };
                        cx.send(Command::CreateRelease { body });
                        self.created = true;
                        close = true;
                    }
                    if ui.button("Cancel").on_hover_text("Close (Esc)").clicked() {
                        close = true;
                    }
                });
            });
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::Escape)) {
            close = true;
        }
        open && !close
    }
}
