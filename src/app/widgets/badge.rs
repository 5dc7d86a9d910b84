//! Status badges: a short word on a faint pill of the status colour.

use std::borrow::Cow;
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
/// ([`super::split_row`]).
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

/// A badge's word, status colour and explanation (its tooltip), drawn where a layout puts it
/// ([`Badge::ui`]) or in a painted row's cell ([`Badge::paint_in`]).
#[derive(Debug, Clone)]
pub struct Badge {
    /// The word on the pill.
    pub text: Cow<'static, str>,
    /// Its status colour.
    pub tone: Tone,
    /// What it means, shown on hover and read by a screen reader.
    pub tip: Cow<'static, str>,
}

impl Badge {
    /// The badge where the layout puts it.
    pub fn ui(&self, ui: &mut Ui) -> Response {
        badge_ui(ui, &self.text, self.tone, &self.tip)
    }

    /// The badge at the left of `cell`.
    pub fn paint_in(&self, ui: &mut Ui, cell: Rect) -> Response {
        badge_in(ui, cell, &self.text, self.tone, &self.tip)
    }
}

/// draft / changed / published / archived.
pub fn entity_state_badge(state: EntityState) -> Badge {
    let tip = match state {
        EntityState::Draft => "Never published, or unpublished",
        EntityState::Changed => "Published, with edits that are not published yet",
        EntityState::Published => "Published and unchanged since",
        EntityState::Archived => "Archived: unarchive it to edit or publish",
    };
    Badge {
        text: state.label().into(),
        tone: theme::entity_state_tone(state),
        tip: tip.into(),
    }
}

/// [`entity_state_badge`] where the layout puts it.
pub fn entity_state_badge_ui(ui: &mut Ui, state: EntityState) -> Response {
    entity_state_badge(state).ui(ui)
}

/// An action's kind and status, e.g. "publish · failed".
pub fn action_badge(action: &ActionKind, status: &ActionStatus) -> Badge {
    let word = match status {
        ActionStatus::Created => "queued",
        ActionStatus::InProgress => "running",
        ActionStatus::Succeeded => "succeeded",
        ActionStatus::Failed => "failed",
        ActionStatus::Other(s) => s.as_str(),
    };
    Badge {
        text: format!("{action} · {word}").into(),
        tone: theme::action_status_tone(status),
        tip: format!("Last action: {action}, {word}").into(),
    }
}

/// [`action_badge`] where the layout puts it.
pub fn action_badge_ui(ui: &mut Ui, action: &ActionKind, status: &ActionStatus) -> Response {
    action_badge(action, status).ui(ui)
}

/// active / archived.
pub fn release_status_badge(status: &ReleaseStatus) -> Badge {
    let tip = match status {
        ReleaseStatus::Active => "Open for changes and actions",
        _ => "Archived: read-only until unarchived",
    };
    Badge {
        text: status.as_str().to_owned().into(),
        tone: theme::release_status_tone(status),
        tip: tip.into(),
    }
}

/// [`release_status_badge`] where the layout puts it.
pub fn release_status_badge_ui(ui: &mut Ui, status: &ReleaseStatus) -> Response {
    release_status_badge(status).ui(ui)
}

/// A release's next schedule, "⏰ Publishes Tue 1 Dec 09:00 EST" in the schedule's zone, or
/// "overdue" in the warning colour when its time has passed and it has not run.
pub fn next_schedule_ui(
    ui: &mut Ui,
    action: &crate::cma::ScheduledAction,
    now: jiff::Timestamp,
) -> Response {
    let (text, tone) = next_schedule_text(action, now);
    let color = theme::tone(ui.visuals(), tone);
    ui.label(RichText::new(text).color(color))
        .on_hover_text(next_schedule_tip(action))
}

/// [`next_schedule_ui`] in a painted row's `cell`; the tooltip is worked out only on hover.
pub fn next_schedule_in(
    ui: &mut Ui,
    cell: Rect,
    action: &crate::cma::ScheduledAction,
    now: jiff::Timestamp,
) -> Response {
    let (text, tone) = next_schedule_text(action, now);
    let color = theme::tone(ui.visuals(), tone);
    let response = super::text_in(ui, cell, text, Some(color));
    super::cell_tooltip_ui(response, "", |ui| {
        ui.label(next_schedule_tip(action));
    })
}

/// The words of [`next_schedule_ui`] and their tone.
fn next_schedule_text(
    action: &crate::cma::ScheduledAction,
    now: jiff::Timestamp,
) -> (String, Tone) {
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
    if overdue {
        (format!("⏰ {verb} — overdue since {when}"), Tone::Warning)
    } else {
        (format!("⏰ {verb} {when}"), Tone::Progress)
    }
}

/// The tooltip of [`next_schedule_ui`]: the full time, and where to change it.
fn next_schedule_tip(action: &crate::cma::ScheduledAction) -> String {
    format!(
        "Scheduled: {}. Open the calendar to move or cancel it.",
        crate::app::format::time_in_zone(
            action.scheduled_for.datetime,
            action.scheduled_for.timezone.as_deref()
        )
    )
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
    readiness_badge(readiness, stale, now).ui(ui)
}

/// The badge of [`readiness_badge_ui`].
pub fn readiness_badge(
    readiness: &crate::readiness::Readiness,
    stale: bool,
    now: jiff::Timestamp,
) -> Badge {
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
    Badge {
        text: text.into(),
        tone,
        tip: tip.into(),
    }
}
