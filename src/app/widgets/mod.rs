//! Small reusable widgets: free functions `*_ui(ui, …) -> Response`.

mod badge;
mod cell;
mod empty_state;
mod failure_toasts;
mod json;
mod list_keys;
mod search_select;

pub use badge::{
    Badge, action_badge, action_badge_ui, badge_in, badge_ui, entity_state_badge,
    entity_state_badge_ui, next_schedule_in, next_schedule_ui, readiness_badge, readiness_badge_ui,
    release_status_badge, release_status_badge_ui,
};
pub use cell::{
    ColumnWidth, cell_tooltip, cell_tooltip_ui, check_in, link_in, row_min_width, split_row,
    text_in,
};
pub use empty_state::empty_state_ui;
pub use failure_toasts::FailureToasts;
pub use json::{DiffLine, diff_ui, json_tree_ui, line_diff};
pub use list_keys::{ListKey, list_key, stepped_row};
pub use search_select::SearchSelect;
