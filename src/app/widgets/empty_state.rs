//! The empty state of a list: what is missing and what to do next.

use egui::{Response, RichText, Ui};

/// A centred title, a line of guidance, and an optional action button (returns its response).
pub fn empty_state_ui(
    ui: &mut Ui,
    title: &str,
    guidance: &str,
    action: Option<&str>,
) -> Option<Response> {
    let mut clicked = None;
    ui.vertical_centered(|ui| {
        ui.add_space(48.0);
        ui.label(RichText::new(title).heading());
        ui.add_space(6.0);
        ui.label(RichText::new(guidance).weak());
        if let Some(label) = action {
            ui.add_space(12.0);
            clicked = Some(ui.button(label));
        }
    });
    clicked
}
