//! Table rows painted in one go. A virtualised table lays out dozens of rows every frame while
//! the user scrolls, so a row is one table cell split into its columns by [`split_row`] (no
//! `Ui` per cell), and its texts, links, checkboxes and badges (`super::badge_in`) are painted
//! into their column's rect. They skip what `Label`, `Link` and `Checkbox` do for the general
//! case (atoms, wrapping, text selection, a layout) and keep what the user and a screen reader
//! get from those: the same look, the same hover and click, a `Label`, `Link` or `CheckBox`
//! node with the same name.

use egui::accesskit::Role;
use egui::{
    Color32, CursorIcon, Galley, Rect, Response, Sense, Shape, Stroke, StrokeKind, TextStyle, Ui,
    WidgetInfo, pos2,
};
use std::sync::Arc;

/// How wide one column of a row split by [`split_row`] is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnWidth {
    /// Exactly this many points.
    Exact(f32),
    /// What the exact columns leave.
    Rest {
        /// The narrowest it may be.
        at_least: f32,
    },
}

/// The narrowest a row of `columns` can be, `gap` apart.
pub fn row_min_width(columns: &[ColumnWidth], gap: f32) -> f32 {
    let widths: f32 = columns
        .iter()
        .map(|c| match c {
            ColumnWidth::Exact(w) => *w,
            ColumnWidth::Rest { at_least } => *at_least,
        })
        .sum();
    widths + gap * columns.len().saturating_sub(1) as f32
}

/// The rects of a row's `columns` across `row`, left to right and `gap` apart, as a table lays
/// out its columns: a header split the same way lines up with its rows.
pub fn split_row(row: Rect, columns: &[ColumnWidth], gap: f32) -> Vec<Rect> {
    let exact: f32 = columns
        .iter()
        .map(|c| match c {
            ColumnWidth::Exact(w) => *w,
            ColumnWidth::Rest { .. } => 0.0,
        })
        .sum();
    let rest_columns = columns
        .iter()
        .filter(|c| matches!(c, ColumnWidth::Rest { .. }))
        .count()
        .max(1) as f32;
    let gaps = gap * columns.len().saturating_sub(1) as f32;
    let rest = (row.width() - exact - gaps) / rest_columns;
    let mut x = row.left();
    columns
        .iter()
        .map(|c| {
            let w = match *c {
                ColumnWidth::Exact(w) => w,
                ColumnWidth::Rest { at_least } => rest.max(at_least),
            };
            let rect = Rect::from_x_y_ranges(x..=x + w, row.y_range());
            x += w + gap;
            rect
        })
        .collect()
}

/// Where a line of `size` goes in `cell`: at its left, centred across it.
fn left_in(cell: Rect, size: egui::Vec2) -> Rect {
    Rect::from_min_size(pos2(cell.left(), cell.center().y - size.y / 2.0), size)
}

/// Paints `galley` at `rect.min`, clipped to `cell` (a long title stops at its column).
fn paint_clipped(ui: &Ui, cell: Rect, rect: Rect, galley: Arc<Galley>, color: Color32) {
    if ui.is_rect_visible(rect) {
        let clip = ui.clip_rect().intersect(cell);
        ui.painter()
            .with_clip_rect(clip)
            .galley(rect.min, galley, color);
    }
}

/// A line of `text` in the body font (`color`, or the normal text colour) in `cell`, clipped
/// to it (the whole text shows on hover then); a screen reader reads it as a label.
pub fn text_in(
    ui: &mut Ui,
    cell: Rect,
    text: impl Into<String>,
    color: Option<Color32>,
) -> Response {
    let color = color.unwrap_or_else(|| ui.visuals().text_color());
    let font = TextStyle::Body.resolve(ui.style());
    let galley = ui.painter().layout_no_wrap(text.into(), font, color);
    let rect = left_in(cell, galley.size());
    let response = ui.allocate_rect(rect.intersect(cell), Sense::hover());
    paint_clipped(ui, cell, rect, galley.clone(), color);
    response.widget_info(|| WidgetInfo::labeled(Role::Label, true, galley.text()));
    whole_text_on_hover(response, cell, &galley)
}

/// When `galley` is wider than its `cell` (clipped), the whole text as the tooltip.
fn whole_text_on_hover(response: Response, cell: Rect, galley: &Galley) -> Response {
    if galley.size().x > cell.width() {
        cell_tooltip_ui(response, "", |ui| {
            ui.label(galley.text());
        })
    } else {
        response
    }
}

/// `text` as a link in `cell` (the hyperlink colour, underlined and a pointing hand on hover)
/// that senses clicks, for opening what a row names; clipped to the cell. Its tooltip is
/// `hint` (also its accessible description), below the whole text when the cell clips it.
pub fn link_in(ui: &mut Ui, cell: Rect, text: impl Into<String>, hint: &str) -> Response {
    let color = ui.visuals().hyperlink_color;
    let font = TextStyle::Body.resolve(ui.style());
    let galley = ui.painter().layout_no_wrap(text.into(), font, color);
    let rect = left_in(cell, galley.size());
    let response = ui.allocate_rect(rect.intersect(cell), Sense::click());
    let clipped = galley.size().x > cell.width();
    let response = cell_tooltip_ui(response, hint, |ui| {
        if clipped {
            ui.label(galley.text());
        }
        ui.label(egui::RichText::new(hint).weak());
    });
    paint_link(ui, cell, rect, galley, color, response)
}

/// A checkbox showing `checked` at the left of `cell`, drawn with the interaction visuals of the
/// theme (so it hovers and highlights like every other control); the caller flips its value
/// when the response is clicked. A screen reader reads it as a checkbox named `name`, with its
/// state.
pub fn check_in(ui: &mut Ui, cell: Rect, checked: bool, name: &str) -> Response {
    let side = ui.spacing().icon_width;
    let rect = left_in(cell, egui::vec2(side, side));
    let response = ui.allocate_rect(rect, Sense::click());
    paint_check(ui, rect, checked, name, response)
}

/// Paints a link's text (underlined while hovered or focused) and names it.
fn paint_link(
    ui: &Ui,
    cell: Rect,
    rect: Rect,
    galley: Arc<Galley>,
    color: Color32,
    response: Response,
) -> Response {
    if ui.is_rect_visible(rect) && (response.hovered() || response.has_focus()) {
        let y = rect.bottom() - 0.5;
        let x = rect.x_range().intersection(cell.x_range());
        ui.painter().hline(x, y, Stroke::new(1.0, color));
    }
    paint_clipped(ui, cell, rect, galley.clone(), color);
    response.widget_info(|| WidgetInfo::labeled(Role::Link, true, galley.text()));
    response.on_hover_cursor(CursorIcon::PointingHand)
}

/// Paints a checkbox in `rect` and names it.
fn paint_check(ui: &Ui, rect: Rect, checked: bool, name: &str, response: Response) -> Response {
    response.widget_info(|| WidgetInfo::selected(Role::CheckBox, ui.is_enabled(), checked, name));
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

/// `response` with `text` as its tooltip and accessible description, as
/// [`Response::on_hover_text`] gives, for cells that every row draws every frame: the tooltip
/// is only worked out while the pointer is on the cell or its tooltip is open, which is the
/// only time it can show.
pub fn cell_tooltip(response: Response, text: &str) -> Response {
    cell_tooltip_ui(response, text, |ui| {
        ui.label(text);
    })
}

/// Like [`cell_tooltip`], with `add_contents` drawing the tooltip; `description` is what a
/// screen reader hears (nothing when empty).
pub fn cell_tooltip_ui(
    response: Response,
    description: &str,
    add_contents: impl FnOnce(&mut Ui),
) -> Response {
    if !description.is_empty() {
        response.ctx.accesskit_node_builder(response.id, |node| {
            if node.description().is_none() {
                node.set_description(description);
            }
        });
    }
    if response.hovered() || response.is_tooltip_open() {
        response.on_hover_ui(|ui| {
            // As `on_hover_text` does, so a tooltip does not shrink as its text changes.
            ui.set_max_width(ui.spacing().tooltip_width);
            add_contents(ui);
        })
    } else {
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [ColumnWidth; 3] = [
        ColumnWidth::Exact(28.0),
        ColumnWidth::Rest { at_least: 100.0 },
        ColumnWidth::Exact(60.0),
    ];

    #[test]
    fn a_split_row_lines_up_like_table_columns() {
        let row = Rect::from_min_size(pos2(10.0, 0.0), egui::vec2(400.0, 26.0));
        let cells = split_row(row, &COLUMNS, 8.0);
        let xs: Vec<(f32, f32)> = cells.iter().map(|c| (c.left(), c.right())).collect();
        // 28 + 8 + rest + 8 + 60 = 400: the rest takes 296.
        assert_eq!(xs, vec![(10.0, 38.0), (46.0, 342.0), (350.0, 410.0)]);
        assert!(cells.iter().all(|c| c.y_range() == row.y_range()));
    }

    #[test]
    fn a_narrow_row_keeps_its_columns_minimum() {
        assert_eq!(row_min_width(&COLUMNS, 8.0), 28.0 + 100.0 + 60.0 + 16.0);
        let row = Rect::from_min_size(pos2(0.0, 0.0), egui::vec2(150.0, 26.0));
        let cells = split_row(row, &COLUMNS, 8.0);
        assert_eq!(
            cells[1].width(),
            100.0,
            "the rest column never goes under its minimum"
        );
        assert_eq!(cells[2].left(), 28.0 + 8.0 + 100.0 + 8.0);
    }
}
