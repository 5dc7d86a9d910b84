//! Table cells painted in one go: a line of text, a link and a checkbox. A virtualised table lays out
//! dozens of them every frame while the user scrolls, so they skip what `Label` and `Link` do
//! for the general case (atoms, wrapping, text selection) and keep what the user and a screen
//! reader get from those: the same look, the same hover and click, a `Label` or `Link` node
//! with the same name.

use egui::accesskit::Role;
use egui::{
    Color32, CursorIcon, Response, Sense, Shape, Stroke, StrokeKind, TextStyle, Ui, WidgetInfo,
    pos2,
};

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
    response.widget_info(|| WidgetInfo::labeled(Role::Label, true, galley.text()));
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
    response.widget_info(|| WidgetInfo::labeled(Role::Link, true, galley.text()));
    response.on_hover_cursor(CursorIcon::PointingHand)
}

/// A checkbox showing `checked`, drawn with the interaction visuals of the theme (so it hovers
/// and highlights like every other control); the caller flips its value when the response is
/// clicked. A screen reader reads it as a checkbox with its state.
pub fn check_cell_ui(ui: &mut Ui, checked: bool) -> Response {
    let side = ui.spacing().icon_width;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side), Sense::click());
    response.widget_info(|| WidgetInfo::selected(Role::CheckBox, ui.is_enabled(), checked, ""));
    if ui.is_rect_visible(rect) {
        let visuals = ui.style().interact(&response);
        let (small, big) = ui.spacing().icon_rectangles(rect);
        // A box, not a pill: the button rounding of the theme would make it read as a radio.
        ui.painter().rect(
            big.expand(visuals.expansion),
            visuals.corner_radius.at_most(2),
            visuals.bg_fill,
            visuals.bg_stroke,
            StrokeKind::Inside,
        );
        if checked {
            ui.painter().add(Shape::line(
                vec![
                    pos2(small.left(), small.center().y),
                    pos2(small.center().x, small.bottom()),
                    pos2(small.right(), small.top()),
                ],
                visuals.fg_stroke,
            ));
        }
    }
    response
}
