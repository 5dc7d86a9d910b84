//! [`SearchSelect`]: a drop-down over many options (hundreds of time zones, every entry): a
//! button showing the current choice; its popup has a search box, focused when it opens, and a
//! virtualised list of the matches. The list of matches is cached and rebuilt only when the
//! search text or the options change, never per frame.

use egui::{Id, Popup, PopupCloseBehavior, Ui};

use crate::app::theme;

/// The UI state of one searchable drop-down.
#[derive(Debug, Default)]
pub struct SearchSelect {
    search: String,
    matches: Vec<usize>,
    key: Option<(String, u64, usize)>,
    /// The options are the server's matches for [`SearchSelect::search`]: shown as given.
    server_filtered: bool,
}

impl SearchSelect {
    /// A drop-down whose caller filters the options itself (by a server search of
    /// [`SearchSelect::search`]): every option given is shown, in order.
    pub fn server_filtered() -> Self {
        Self {
            server_filtered: true,
            ..Self::default()
        }
    }

    /// The words typed in the search box.
    pub fn search(&self) -> &str {
        &self.search
    }

    /// Draws the button and, when open, the popup. `name` is the accessible name of the button
    /// (and of the search box, as "Search `<name>`"); `options` are the labels, and
    /// `options_generation` changes whenever they do. Returns the index of a clicked option.
    #[allow(clippy::too_many_arguments)]
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        id_salt: &str,
        name: &str,
        selected_text: &str,
        options: &[String],
        options_generation: u64,
        width: f32,
    ) -> Option<usize> {
        let button = ui
            .add(
                egui::Button::new(format!("{selected_text}  ⏷"))
                    .truncate()
                    .min_size(egui::vec2(width, 0.0)),
            )
            .on_hover_text(format!("{name}: {selected_text}"))
            .accessible_name(name);
        let search_id = Id::unique((id_salt, "search"));
        if button.clicked() {
            self.search.clear();
            ui.memory_mut(|m| m.request_focus(search_id));
        }
        let mut chosen = None;
        Popup::menu(&button)
            .id(Id::unique((id_salt, "popup")))
            .close_behavior(PopupCloseBehavior::CloseOnClickOutside)
            .width(width.max(260.0))
            .show(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut self.search)
                        .id(search_id)
                        .hint_text("Type to filter")
                        .desired_width(f32::INFINITY),
                )
                .accessible_name(format!("Search {name}"));
                self.refresh(options, options_generation);
                if self.matches.is_empty() {
                    ui.label(egui::RichText::new("Nothing matches").weak());
                    return;
                }
                egui::ScrollArea::vertical()
                    .max_height(280.0)
                    .auto_shrink([false, true])
                    .show_rows(
                        ui,
                        theme::ROW_HEIGHT - 4.0,
                        self.matches.len(),
                        |ui, rows| {
                            for row in rows {
                                let Some(&index) = self.matches.get(row) else {
                                    continue;
                                };
                                let label = &options[index];
                                if ui.selectable_label(label == selected_text, label).clicked() {
                                    chosen = Some(index);
                                    ui.close();
                                }
                            }
                        },
                    );
            });
        chosen
    }

    /// Rebuilds the matches when the search or the options changed.
    fn refresh(&mut self, options: &[String], generation: u64) {
        let needle = self.search.trim().to_lowercase();
        let key = (needle.clone(), generation, options.len());
        if self.key.as_ref() == Some(&key) {
            return;
        }
        if self.server_filtered {
            self.matches = (0..options.len()).collect();
            self.key = Some(key);
            return;
        }
        let words: Vec<&str> = needle.split_whitespace().collect();
        self.matches = options
            .iter()
            .enumerate()
            .filter(|(_, label)| {
                let label = label.to_lowercase();
                words.iter().all(|w| label.contains(w))
            })
            .map(|(i, _)| i)
            .collect();
        self.key = Some(key);
    }
}
