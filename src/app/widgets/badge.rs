//! Status badges: a short word on a faint pill of the status colour.

use std::sync::Arc;

use egui::{Galley, Rect, Response, RichText, Sense, TextStyle, Ui, Vec2, WidgetInfo};

use crate::app::theme::{self, Tone};
use crate::cma::{ActionKind, ActionStatus, EntityState, ReleaseStatus};

/// A badge with `text` in `tone`; its hover text explains it. Painted in one go (a pill and
/// a line of small text), as tables draw one per row every frame; a screen reader reads it as
/// a label.
pub fn badge_ui(ui: &mut Ui, text: &str, tone: Tone, tooltip: &str) -> Response {
    let (galley, size) = badge_galley(ui, text, tone);
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    finish_badge(ui, rect, galley, tone, response, tooltip)
}

/// [`badge_ui`] at the left of `cell` (centred across it), for rows painted cell by cell
/// ([`super::cell`]).
pub fn badge_in(ui: &mut Ui, cell: Rect, text: &str, tone: Tone, tooltip: &str) -> Response {
    let (galley, size) = badge_galley(ui, text, tone);
    let rect = Rect::from_min_size(
        egui::pos2(cell.left(), cell.center().y - size.y / 2.0),
        size,
    );
    let response = ui.allocate_rect(rect, Sense::hover());
    finish_badge(ui, rect, galley, tone, response, tooltip)
}

/// The laid-out `text` of a badge and the size of its pill.
fn badge_galley(ui: &Ui, text: &str, tone: Tone) -> (Arc<Galley>, Vec2) {
    let color = theme::tone(ui.visuals(), tone);
    let font = TextStyle::Small.resolve(ui.style());
    let galley = ui.painter().layout_no_wrap(text.to_owned(), font, color);
    let size = galley.size() + 2.0 * BADGE_PADDING;
    (galley, size)
}

/// Space between a badge's text and the edge of its pill.
const BADGE_PADDING: Vec2 = egui::vec2(8.0, 2.0);

/// Paints the pill and its text in `rect`, names it for a screen reader, adds the tooltip.
fn finish_badge(
    ui: &Ui,
    rect: Rect,
    galley: Arc<Galley>,
    tone: Tone,
    response: Response,
    tooltip: &str,
) -> Response {
    if ui.is_rect_visible(rect) {
        let visuals = ui.visuals();
        let color = theme::tone(visuals, tone);
        ui.painter()
            .rect_filled(rect, 8.0, theme::tone_fill(visuals, tone));
        ui.painter()
            .galley(rect.min + BADGE_PADDING, galley.clone(), color);
    }
    response.widget_info(|| WidgetInfo::labeled(egui::accesskit::Role::Label, true, galley.text()));
    if tooltip.is_empty() {
        response
    } else {
        super::cell_tooltip(response, tooltip)
    }
}

/// draft / changed / published / archived.
pub fn entity_state_badge_ui(ui: &mut Ui, state: EntityState) -> Response {
    badge_ui(
        ui,
        state.label(),
        theme::entity_state_tone(state),
        entity_state_tip(state),
    )
}

/// [`entity_state_badge_ui`] in a painted row's `cell`.
pub fn entity_state_badge_in(ui: &mut Ui, cell: Rect, state: EntityState) -> Response {
    badge_in(
        ui,
        cell,
        state.label(),
        theme::entity_state_tone(state),
        entity_state_tip(state),
    )
}

/// What an entity's state means, as its badge's tooltip says.
fn entity_state_tip(state: EntityState) -> &'static str {
    match state {
        EntityState::Draft => "Never published, or unpublished",
        EntityState::Changed => "Published, with edits that are not published yet",
        EntityState::Published => "Published and unchanged since",
        EntityState::Archived => "Archived: unarchive it to edit or publish",
    }
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

/// A release's next schedule, "⏰ Publishes Tue 1 Dec 09:00 EST" in the schedule's zone, or
/// "overdue" in the warning colour when its time has passed and it has not run.
pub fn next_schedule_ui(
    ui: &mut Ui,
    action: &crate::cma::ScheduledAction,
    now: jiff::Timestamp,
) -> Response {
    let verb = match action.action.as_str() {
        "unpublish" => "Unpublishes",
        _ => "Publishes",
    };
    let when = crate::app::format::short_time_in_zone(
        action.scheduled_for.datetime,
        action.scheduled_for.timezone.as_deref(),
        now,
    );
    let overdue = action.scheduled_for.datetime.0 < now;
    let (text, tone) = if overdue {
        (format!("⏰ {verb} — overdue since {when}"), Tone::Warning)
    } else {
        (format!("⏰ {verb} {when}"), Tone::Progress)
    };
    let visuals = ui.visuals().clone();
    ui.label(RichText::new(text).color(theme::tone(&visuals, tone)))
        .on_hover_text(format!(
            "Scheduled: {}. Open the calendar to move or cancel it.",
            crate::app::format::time_in_zone(
                action.scheduled_for.datetime,
                action.scheduled_for.timezone.as_deref()
            )
        ))
}

/// A release's readiness as a badge ("Ready", "Blocked (5 problems)", "Scheduled Tue 09:00
/// CET"…), its tooltip saying what it means and what to do; a stale one is drawn as it was,
/// marked as being checked again.
pub fn readiness_badge_ui(
    ui: &mut Ui,
    readiness: &crate::readiness::Readiness,
    stale: bool,
    now: jiff::Timestamp,
) -> Response {
    use crate::readiness::Readiness;
    let (text, tone, tip) = match readiness {
        Readiness::Ready => (
            readiness.label(),
            Tone::Success,
            "Every entity passes the publish rules and every link resolves".to_owned(),
        ),
        Readiness::Blocked { .. } => (
            readiness.label(),
            Tone::Danger,
            "A publish now would fail: open the release to see each problem".to_owned(),
        ),
        Readiness::MissingReferences { .. } => (
            readiness.label(),
            Tone::Warning,
            "Linked drafts are outside the release: open it and choose Add them".to_owned(),
        ),
        Readiness::Empty => (
            readiness.label(),
            Tone::Neutral,
            "Nothing to publish yet: add entries".to_owned(),
        ),
        Readiness::Scheduled { at, zone } => (
            format!(
                "Scheduled {}",
                crate::app::format::short_time_in_zone(*at, zone.as_deref(), now)
            ),
            Tone::Progress,
            format!(
                "Ready, and a publish is scheduled for {}",
                crate::app::format::time_in_zone(*at, zone.as_deref())
            ),
        ),
        Readiness::Published => (
            readiness.label(),
            Tone::Neutral,
            "Published (and archived by the publish)".to_owned(),
        ),
        Readiness::LastRunFailed => (
            readiness.label(),
            Tone::Danger,
            "The last validate or publish failed and nothing changed since".to_owned(),
        ),
    };
    let tip = if stale {
        format!("{tip}. Something involved changed: checking again…")
    } else {
        tip
    };
    let text = if stale { format!("{text} …") } else { text };
    badge_ui(ui, &text, tone, &tip)
}
