//! Status badges: a short word on a faint pill of the status colour.

use egui::{Response, RichText, Sense, TextStyle, Ui, WidgetInfo};

use crate::app::theme::{self, Tone};
use crate::cma::{ActionKind, ActionStatus, EntityState, ReleaseStatus};

/// A badge with `text` in `tone`; its hover text explains it. Painted in one go (a pill and
/// a line of small text), as tables draw one per row every frame; a screen reader reads it as
/// a label.
pub fn badge_ui(ui: &mut Ui, text: &str, tone: Tone, tooltip: &str) -> Response {
    let visuals = ui.visuals();
    let fill = theme::tone_fill(visuals, tone);
    let color = theme::tone(visuals, tone);
    let font = TextStyle::Small.resolve(ui.style());
    let galley = ui.painter().layout_no_wrap(text.to_owned(), font, color);
    let padding = egui::vec2(8.0, 2.0);
    let (rect, response) = ui.allocate_exact_size(galley.size() + 2.0 * padding, Sense::hover());
    if ui.is_rect_visible(rect) {
        ui.painter().rect_filled(rect, 8.0, fill);
        ui.painter().galley(rect.min + padding, galley, color);
    }
    response.widget_info(|| WidgetInfo::labeled(egui::accesskit::Role::Label, true, text));
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
