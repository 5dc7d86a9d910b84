//! Table cells painted in one go: a line of text, and a link. A virtualised table lays out
//! dozens of them every frame while the user scrolls, so they skip what `Label` and `Link` do
//! for the general case (atoms, wrapping, text selection) and keep what the user and a screen
//! reader get from those: the same look, the same hover and click, a `Label` or `Link` node
//! with the same name.

use egui::{Color32, CursorIcon, Response, Sense, Stroke, TextStyle, Ui, WidgetInfo};

/// A line of `text` in the body font (`color`, or the normal text colour), not wrapped: the
/// column clips it.
pub fn text_cell_ui(ui: &mut Ui, text: impl Into<String>, color: Option<Color32>) -> Response {
    let color = color.unwrap_or_else(|| ui.visuals().text_color());
    let font = TextStyle::Body.resolve(ui.style());
    let galley = ui.painter().layout_no_wrap(text.into(), font, color);
    let (rect, response) = ui.allocate_exact_size(galley.size(), Sense::hover());
    if ui.is_rect_visible(rect) {
        ui.painter().galley(rect.min, galley.clone(), color);
    }
    response.widget_info(|| WidgetInfo::labeled(egui::accesskit::Role::Label, true, galley.text()));
    response
}

/// `text` as a link (the hyperlink colour, underlined and a pointing hand on hover) that
/// senses clicks, for opening what a row names.
pub fn link_cell_ui(ui: &mut Ui, text: impl Into<String>) -> Response {
    let color = ui.visuals().hyperlink_color;
    let font = TextStyle::Body.resolve(ui.style());
    let galley = ui.painter().layout_no_wrap(text.into(), font, color);
    let (rect, response) = ui.allocate_exact_size(galley.size(), Sense::click());
    if ui.is_rect_visible(rect) {
        let painter = ui.painter();
        if response.hovered() || response.has_focus() {
            let y = rect.bottom() - 0.5;
            painter.hline(rect.x_range(), y, Stroke::new(1.0, color));
        }
        painter.galley(rect.min, galley.clone(), color);
    }
    response.widget_info(|| WidgetInfo::labeled(egui::accesskit::Role::Link, true, galley.text()));
    response.on_hover_cursor(CursorIcon::PointingHand)
}
