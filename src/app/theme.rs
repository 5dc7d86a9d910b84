//! The one place colours and spacing come from. Light and dark palettes; views ask for a
//! [`Tone`] and get the colour for the current theme.

use egui::{Color32, Visuals};

use crate::cma::ScheduledActionKind;
use crate::cma::{ActionStatus, EntityState, ReleaseStatus, ScheduledActionStatus};

/// Spacing between sections.
pub const SECTION_GAP: f32 = 12.0;
/// Height of a table row.
pub const ROW_HEIGHT: f32 = 26.0;
/// Width of the navigation panel.
pub const NAV_WIDTH: f32 = 168.0;

/// A semantic colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Published, succeeded.
    Success,
    /// Changed, in progress, scheduled.
    Progress,
    /// Needs attention: overdue, draft with problems.
    Warning,
    /// Failed.
    Danger,
    /// Draft, archived, canceled, unknown.
    Neutral,
    /// Informational accent.
    Accent,
}

/// The colour of a tone in the current theme.
pub fn tone(visuals: &Visuals, tone: Tone) -> Color32 {
    let dark = visuals.dark_mode;
    match (tone, dark) {
        (Tone::Success, false) => Color32::from_rgb(0x1a, 0x7f, 0x37),
        (Tone::Success, true) => Color32::from_rgb(0x4c, 0xc3, 0x6a),
        (Tone::Progress, false) => Color32::from_rgb(0x0b, 0x62, 0xd6),
        (Tone::Progress, true) => Color32::from_rgb(0x63, 0xa4, 0xff),
        (Tone::Warning, false) => Color32::from_rgb(0xa0, 0x5a, 0x00),
        (Tone::Warning, true) => Color32::from_rgb(0xf0, 0xb0, 0x40),
        (Tone::Danger, false) => Color32::from_rgb(0xc4, 0x22, 0x22),
        (Tone::Danger, true) => Color32::from_rgb(0xff, 0x6b, 0x6b),
        (Tone::Neutral, false) => Color32::from_rgb(0x5f, 0x66, 0x6d),
        (Tone::Neutral, true) => Color32::from_rgb(0xa0, 0xa7, 0xae),
        (Tone::Accent, false) => Color32::from_rgb(0x6b, 0x3f, 0xc2),
        (Tone::Accent, true) => Color32::from_rgb(0xb3, 0x92, 0xf0),
    }
}

/// The colour of a timeline topic group (index into `app::timeline::GROUPS`: Release,
/// ReleaseAction, BulkAction, ScheduledAction, Entry/Asset) in the event-rate chart.
pub fn topic_group_color(visuals: &Visuals, group: usize) -> Color32 {
    let t = match group {
        0 => Tone::Accent,
        1 => Tone::Progress,
        2 => Tone::Warning,
        3 => Tone::Success,
        _ => Tone::Neutral,
    };
    tone(visuals, t)
}

/// A faint background for a tone (badges, highlighted rows).
pub fn tone_fill(visuals: &Visuals, t: Tone) -> Color32 {
    let c = tone(visuals, t);
    let alpha = if visuals.dark_mode { 40 } else { 28 };
    Color32::from_rgba_unmultiplied(c.r(), c.g(), c.b(), alpha)
}

/// The tone of an entry's state.
pub fn entity_state_tone(state: EntityState) -> Tone {
    match state {
        EntityState::Published => Tone::Success,
        EntityState::Changed => Tone::Progress,
        EntityState::Draft => Tone::Warning,
        EntityState::Archived => Tone::Neutral,
    }
}

/// The tone of an action's status.
pub fn action_status_tone(status: &ActionStatus) -> Tone {
    match status {
        ActionStatus::Succeeded => Tone::Success,
        ActionStatus::Failed => Tone::Danger,
        ActionStatus::Created | ActionStatus::InProgress => Tone::Progress,
        ActionStatus::Other(_) => Tone::Neutral,
    }
}

/// The tone of a release's status.
pub fn release_status_tone(status: &ReleaseStatus) -> Tone {
    match status {
        ReleaseStatus::Active => Tone::Accent,
        _ => Tone::Neutral,
    }
}

/// The tone of a scheduled action's status.
pub fn scheduled_status_tone(status: &ScheduledActionStatus) -> Tone {
    match status {
        ScheduledActionStatus::Scheduled | ScheduledActionStatus::InProgress => Tone::Progress,
        ScheduledActionStatus::Succeeded => Tone::Success,
        ScheduledActionStatus::Failed => Tone::Danger,
        _ => Tone::Neutral,
    }
}

/// The tone of a scheduled action on the calendar: overdue ones (due, still waiting) stand out
/// as warnings, failed ones as dangers; otherwise the tone of its status.
pub fn scheduled_tone(status: &ScheduledActionStatus, overdue: bool) -> Tone {
    if overdue {
        Tone::Warning
    } else {
        scheduled_status_tone(status)
    }
}

/// The tone marking what a scheduled action does (the stripe on calendar chips): publish in the
/// accent colour, unpublish in neutral grey.
pub fn scheduled_kind_tone(kind: &ScheduledActionKind) -> Tone {
    match kind {
        ScheduledActionKind::Publish => Tone::Accent,
        _ => Tone::Neutral,
    }
}

/// Applies the app's spacing and rounding to the style (both themes).
pub fn install(ctx: &egui::Context) {
    ctx.set_theme(egui::ThemePreference::System);
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 4.0);
        style.spacing.interact_size.y = 24.0;
        // Rows and links are for clicking; text selection in labels would swallow those clicks.
        style.interaction.selectable_labels = false;
    });
}
