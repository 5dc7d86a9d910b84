//! [`FailureToasts`]: the notices of failed requests, in the top-right corner. Each says one
//! plain sentence ([`Failure::summary`]); the technical detail (error chain, HTTP status,
//! request id) waits behind a "Details" disclosure with a copy button, as the status bar keeps
//! a connection error's detail behind its hover. A notice goes by itself after
//! [`NOTICE_SECS`] of input time unless the pointer is on it or its details are open, so
//! nobody loses a request id they are reading.

use egui::{Align2, RichText};

use crate::app::failure::Failure;
use crate::app::theme::{self, Tone};

/// How long a notice stays when nobody looks at it (seconds of input time).
pub const NOTICE_SECS: f64 = 10.0;
/// The most notices shown at once; older ones make room.
const MAX_NOTICES: usize = 4;

/// One failure on screen.
#[derive(Debug)]
struct Notice {
    id: u64,
    failure: Failure,
    /// Input time it was first drawn.
    shown_at: Option<f64>,
    /// The pointer was on it, or its details were open, last frame: it stays.
    held: bool,
}

/// The failure notices and their clocks.
#[derive(Debug, Default)]
pub struct FailureToasts {
    notices: Vec<Notice>,
    next_id: u64,
}

impl FailureToasts {
    /// Shows `failure` (the oldest notice goes when there are too many).
    pub fn push(&mut self, failure: Failure) {
        if self.notices.len() >= MAX_NOTICES {
            self.notices.remove(0);
        }
        self.next_id += 1;
        self.notices.push(Notice {
            id: self.next_id,
            failure,
            shown_at: None,
            held: false,
        });
    }

    /// How many notices are up.
    pub fn len(&self) -> usize {
        self.notices.len()
    }

    /// Whether no notice is up.
    pub fn is_empty(&self) -> bool {
        self.notices.is_empty()
    }

    /// Draws the notices over everything and lets the expired ones go.
    pub fn show(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        self.notices
            .retain(|n| n.held || n.shown_at.is_none_or(|at| now - at < NOTICE_SECS));
        if self.notices.is_empty() {
            return;
        }
        let mut dismissed: Vec<u64> = Vec::new();
        egui::Area::new(egui::Id::unique("failure-toasts"))
            .anchor(Align2::RIGHT_TOP, [-12.0, 44.0])
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                ui.set_max_width(400.0);
                for notice in &mut self.notices {
                    let shown_at = *notice.shown_at.get_or_insert(now);
                    let (details_open, hovered) = notice_ui(ui, notice, &mut dismissed);
                    // Held notices start their time again when let go.
                    if details_open || hovered {
                        notice.shown_at = Some(now);
                    } else {
                        notice.shown_at = Some(shown_at);
                    }
                    notice.held = details_open || hovered;
                    ui.add_space(6.0);
                }
            });
        self.notices.retain(|n| !dismissed.contains(&n.id));
        if !self.notices.is_empty() {
            ctx.request_repaint_after(std::time::Duration::from_millis(500));
        }
    }
}

/// One notice; returns whether its details are open and whether the pointer is on it.
fn notice_ui(ui: &mut egui::Ui, notice: &Notice, dismissed: &mut Vec<u64>) -> (bool, bool) {
    let visuals = ui.visuals().clone();
    let danger = theme::tone(&visuals, Tone::Danger);
    let mut details_open = false;
    let frame = egui::Frame::popup(ui.style())
        .stroke(egui::Stroke::new(1.0, danger))
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new("✖").color(danger));
                ui.add(egui::Label::new(RichText::new(&notice.failure.summary).strong()).wrap());
                if ui
                    .small_button("🗙")
                    .on_hover_text("Dismiss")
                    .accessible_name("Dismiss")
                    .clicked()
                {
                    dismissed.push(notice.id);
                }
            });
            if let Some(detail) = &notice.failure.detail {
                let details = egui::CollapsingHeader::new("Details")
                    .id_salt(("failure-details", notice.id))
                    .show(ui, |ui| {
                        ui.add(egui::Label::new(RichText::new(detail).monospace().small()).wrap());
                        if ui
                            .small_button("📋 Copy details")
                            .on_hover_text("Copy the technical detail (for a bug report)")
                            .clicked()
                        {
                            ui.ctx().copy_text(detail.clone());
                        }
                    });
                details_open = details.openness > 0.0;
            }
        });
    (details_open, frame.response.contains_pointer())
}
