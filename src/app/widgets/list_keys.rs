//! The keyboard of a list whose rows the user walks: ↑/↓ move the selection one row, Enter
//! opens the selected row. Shared by the timeline table and the calendar's agenda so both
//! answer the same keys the same way. Nothing is read while a text field has focus (the
//! keys belong to it then).

/// What the keyboard asked of a list this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKey {
    /// ↑: the row above.
    Up,
    /// ↓: the row below.
    Down,
    /// Enter: open the selected row.
    Enter,
}

/// The list key pressed this frame, if any and if no text field has focus.
pub fn list_key(ui: &egui::Ui) -> Option<ListKey> {
    if ui.memory(|m| m.focused().is_some()) {
        return None;
    }
    ui.input(|i| {
        if i.key_pressed(egui::Key::ArrowUp) {
            Some(ListKey::Up)
        } else if i.key_pressed(egui::Key::ArrowDown) {
            Some(ListKey::Down)
        } else if i.key_pressed(egui::Key::Enter) {
            Some(ListKey::Enter)
        } else {
            None
        }
    })
}

/// The row an arrow key moves to in a list of `len` rows from `current`: the first row when
/// none is selected, clamped at both ends; `None` for an empty list or a key that does not
/// move.
pub fn stepped_row(current: Option<u64>, len: u64, key: ListKey) -> Option<u64> {
    let last = len.checked_sub(1)?;
    match (current, key) {
        (_, ListKey::Enter) => None,
        (None, _) => Some(0),
        (Some(row), ListKey::Down) => Some(row.saturating_add(1).min(last)),
        (Some(row), ListKey::Up) => Some(row.saturating_sub(1).min(last)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_step_one_row_and_stop_at_the_ends() {
        let cases = [
            (None, 3, ListKey::Down, Some(0)),
            (None, 3, ListKey::Up, Some(0)),
            (Some(0), 3, ListKey::Down, Some(1)),
            (Some(2), 3, ListKey::Down, Some(2)),
            (Some(0), 3, ListKey::Up, Some(0)),
            (Some(7), 3, ListKey::Up, Some(2)),
            (Some(1), 3, ListKey::Enter, None),
            (None, 0, ListKey::Down, None),
        ];
        for (current, len, key, expected) in cases {
            assert_eq!(
                stepped_row(current, len, key),
                expected,
                "{current:?} {len} {key:?}"
            );
        }
    }
}
