//! Status badges: a short word on a faint pill of the status colour.

use egui::{Response, RichText, Sense, Ui};

use crate::app::theme::{self, Tone};
use crate::cma::{ActionKind, ActionStatus, EntityState, ReleaseStatus};

/// A badge with `text` in `tone`; its hover text explains it.
pub fn badge_ui(ui: &mut Ui, text: &str, tone: Tone, tooltip: &str) -> Response {
    let visuals = ui.visuals().clone();
    let response = egui::Frame::new()
        .fill(theme::tone_fill(&visuals, tone))
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(8, 2))
        .show(ui, |ui| {
            ui.label(
                RichText::new(text)
                    .small()
                    .strong()
                    .color(theme::tone(&visuals, tone)),
            )
        })
        .response
        .interact(Sense::hover());
    if tooltip.is_empty() {
        response
    } else {
        response.on_hover_text(tooltip)
    }
}

/// draft / changed / published / archived.
pub fn entity_state_badge_ui(ui: &mut Ui, state: EntityState) -> Response {
    let tip = match state {
        EntityState::Draft => "Never published, or unpublished",
        EntityState::Changed => "Published, with edits that are not published yet",
        EntityState::Published => "Published and unchanged since",
        EntityState::Archived => "Archived: unarchive it to edit or publish",
    };
    badge_ui(ui, state.label(), theme::entity_state_tone(state), tip)
}

/// An action's kind and status, e.g. "publish · failed".
pub fn action_badge_ui(ui: &mut Ui, action: &ActionKind, status: &ActionStatus) -> Response {
    let word = match status {
        ActionStatus::Created => "queued",
        ActionStatus::InProgress => "running",
        ActionStatus::Succeeded => "succeeded",
        ActionStatus::Failed => "failed",
        ActionStatus::Other(s) => s.as_str(),
    };
    badge_ui(
        ui,
        &format!("{action} · {word}"),
        theme::action_status_tone(status),
        &format!("Last action: {action}, {word}"),
    )
}

/// active / archived.
pub fn release_status_badge_ui(ui: &mut Ui, status: &ReleaseStatus) -> Response {
    let tip = match status {
        ReleaseStatus::Active => "Open for changes and actions",
        _ => "Archived: read-only until unarchived",
    };
    badge_ui(ui, status.as_str(), theme::release_status_tone(status), tip)
}
