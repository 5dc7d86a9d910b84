//! A release's readiness on its page, and the "Changes" review: whether a publish now would
//! succeed, the problems in the failure inspector's words, the linked drafts that would be
//! left unresolved (with "Add them"), the published pages an unpublish would leave linking to
//! nothing, and, per entry, what a publish changes field by field.
//!
//! Everything here draws what [`crate::app::state::ReadinessCache`] holds and asks the worker
//! for what is missing or stale (`CheckReadiness`, `LoadChanges`); nothing is computed per
//! frame. [`publish_warning_ui`] is shared by the publish confirmation and the schedule dialog.

use egui::{RichText, Ui};

use super::ViewCtx;
use crate::app::command::Command;
use crate::app::intents::Window;
use crate::app::theme::{self, Tone};
use crate::app::widgets::{badge_ui, readiness_badge_ui};
use crate::cma::{Link, Release};
use crate::readiness::{DiffValue, EntryChange, Readiness, add_references};

/// Asks for the release's readiness when there is none for its version, or it went stale.
fn ask_if_wanted(cx: &mut ViewCtx<'_>, release: &Release) {
    let wanted = cx
        .state
        .readiness
        .wanted([(release.sys.id.as_str(), release.sys.version)]);
    if !wanted.is_empty() {
        cx.send(Command::CheckReadiness {
            release_ids: wanted,
        });
    }
}

/// The readiness panel under the action bar.
pub fn readiness_ui(ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
    ask_if_wanted(cx, release);
    let Some(entry) = cx.state.readiness.get(&release.sys.id).cloned() else {
        // A still line, not a spinner: the check runs in the background and may take a few
        // seconds on a rate-limited space; nothing waits on it.
        ui.label(RichText::new("Readiness: checking whether it would publish…").weak());
        return;
    };
    let stale = entry.is_stale_for(release.sys.version);
    ui.horizontal(|ui| {
        ui.label("Readiness:");
        readiness_badge_ui(ui, &entry.readiness, stale, cx.now);
        let summary = match &entry.readiness {
            Readiness::Ready | Readiness::Scheduled { .. } => {
                "Every entity passes the publish rules and every link resolves.".to_owned()
            }
            Readiness::Blocked { .. } => format!(
                "A publish now would fail: {} problem{} in {} entit{}.",
                entry.report.problem_count(),
                plural(entry.report.problem_count()),
                entry.problems.len(),
                if entry.problems.len() == 1 {
                    "y"
                } else {
                    "ies"
                }
            ),
            Readiness::MissingReferences { count } => format!(
                "{count} linked entr{} would be unresolved.",
                if *count == 1 { "y" } else { "ies" }
            ),
            Readiness::Empty => "Nothing to publish yet: add entries.".to_owned(),
            Readiness::Published => "Published.".to_owned(),
            Readiness::LastRunFailed => {
                "The last run failed and nothing changed since; see Last action.".to_owned()
            }
        };
        ui.label(RichText::new(summary).weak());
    });
    missing_ui(ui, cx, release, &entry.report.missing);
    if !entry.problems.is_empty() {
        egui::CollapsingHeader::new(format!("Problems ({})", entry.report.problem_count()))
            .id_salt(("readiness-problems", &release.sys.id))
            // Open when short, so a small window keeps room for the items below.
            .default_open(entry.report.problem_count() <= 2)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("readiness-problems-scroll")
                    .max_height(160.0)
                    .show(ui, |ui| {
                        for problem in &entry.problems {
                            let link = problem.link();
                            let title = cx
                                .state
                                .link_title(&link)
                                .unwrap_or_else(|| link.id().to_owned());
                            ui.horizontal(|ui| {
                                if ui
                                    .link(RichText::new(&title).strong())
                                    .on_hover_text("Open the entry")
                                    .clicked()
                                {
                                    cx.open(Window::Entity(problem.kind, problem.id.clone()));
                                }
                                if problem.fields.is_empty() {
                                    ui.label(&problem.message);
                                }
                            });
                            for field in &problem.fields {
                                let target =
                                    field.target.as_ref().and_then(|t| cx.state.link_title(t));
                                ui.horizontal_wrapped(|ui| {
                                    ui.add_space(16.0);
                                    ui.label(RichText::new(&field.path).monospace());
                                    ui.label(field.reason_with(target.as_deref()));
                                });
                            }
                        }
                    });
            });
    }
    if !entry.report.dangling.is_empty() {
        let n = entry.report.dangling.len();
        egui::CollapsingHeader::new(format!(
            "{n} published entr{} would link to unpublished content",
            if n == 1 { "y" } else { "ies" }
        ))
        .id_salt(("readiness-dangling", &release.sys.id))
        .show(ui, |ui| {
            for d in &entry.report.dangling {
                let from = d
                    .from_title
                    .clone()
                    .unwrap_or_else(|| d.from.id().to_owned());
                let to = cx
                    .state
                    .link_title(&d.to)
                    .unwrap_or_else(|| d.to.id().to_owned());
                ui.horizontal(|ui| {
                    if ui.link(&from).on_hover_text("Open the entry").clicked() {
                        let (kind, id) = super::release_items::link_key(&d.from);
                        cx.open(Window::Entity(kind, id));
                    }
                    ui.label(RichText::new(format!("links to {to}")).weak());
                });
            }
        });
    }
}

/// "N linked entries would be unresolved — Add them", with the list.
fn missing_ui(
    ui: &mut Ui,
    cx: &mut ViewCtx<'_>,
    release: &Release,
    missing: &[crate::readiness::MissingReference],
) {
    if missing.is_empty() {
        return;
    }
    let addable: Vec<Link> = missing
        .iter()
        .filter(|m| m.addable())
        .map(|m| m.link.clone())
        .collect();
    let locales: Vec<String> = cx.state.locales.iter().map(|l| l.code.clone()).collect();
    let plan = add_references(release, &addable, &locales);
    egui::Frame::new()
        .fill(theme::tone_fill(ui.visuals(), Tone::Warning))
        .inner_margin(8.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(format!(
                        "{} linked entr{} would be unresolved",
                        missing.len(),
                        if missing.len() == 1 { "y" } else { "ies" }
                    ))
                    .strong(),
                );
                match &plan {
                    Ok(body) => {
                        if ui
                            .button(format!(
                                "Add {}",
                                if addable.len() == 1 {
                                    "it".to_owned()
                                } else {
                                    format!("them ({})", addable.len())
                                }
                            ))
                            .on_hover_text(
                                "Add the linked drafts to this release, so they publish with it",
                            )
                            .clicked()
                        {
                            cx.send(Command::UpdateRelease {
                                id: release.sys.id.clone(),
                                version: release.sys.version,
                                body: body.clone(),
                            });
                        }
                    }
                    Err(e) => {
                        ui.label(
                            RichText::new(format!("Cannot add them: {e}."))
                                .color(theme::tone(ui.visuals(), Tone::Danger)),
                        );
                    }
                }
            });
            for m in missing.iter().take(20) {
                let title = m.title.clone().unwrap_or_else(|| m.link.id().to_owned());
                let from = cx
                    .state
                    .link_title(&m.linked_from)
                    .unwrap_or_else(|| m.linked_from.id().to_owned());
                let state = match (&m.state, m.addable()) {
                    (None, _) => "does not exist",
                    (Some(_), false) => "archived: unarchive it first",
                    (Some(_), true) => "draft",
                };
                ui.horizontal_wrapped(|ui| {
                    ui.label(&title);
                    ui.label(RichText::new(format!("({state}), linked from {from}")).weak());
                });
            }
            if missing.len() > 20 {
                ui.label(RichText::new(format!("and {} more", missing.len() - 20)).weak());
            }
        });
}

/// The warning a publish or schedule shows for a release that would fail; nothing when it
/// would publish (or is not known yet). The user may go ahead.
pub fn publish_warning_ui(ui: &mut Ui, cx: &ViewCtx<'_>, release_id: &str) {
    let Some(entry) = cx.state.readiness.get(release_id) else {
        return;
    };
    if !entry.readiness.would_fail() {
        return;
    }
    let text = match &entry.readiness {
        Readiness::MissingReferences { count } => format!(
            "⚠ {count} linked entr{} outside the release would be unresolved: this publish would fail. Add them from the release page first, or go ahead anyway.",
            if *count == 1 { "y" } else { "ies" }
        ),
        Readiness::LastRunFailed => "⚠ The last run of this release failed and nothing changed since: this publish would fail again.".to_owned(),
        other => format!(
            "⚠ {}: this publish would fail. See the problems on the release page, or go ahead anyway.",
            other.label()
        ),
    };
    ui.label(RichText::new(text).color(theme::tone(ui.visuals(), Tone::Danger)));
}

/// The "Changes" review: per entry, what a publish changes.
pub fn changes_ui(ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
    if cx.state.readiness.changes_wanted(&release.sys.id) {
        cx.send(Command::LoadChanges {
            release_id: release.sys.id.clone(),
        });
    }
    let Some(diffs) = cx
        .state
        .readiness
        .changes(&release.sys.id)
        .map(<[_]>::to_vec)
    else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(RichText::new("Comparing each draft with its published version…").weak());
        });
        return;
    };
    // References are named by title: ask once for the ones not loaded.
    let referenced: Vec<Link> = diffs
        .iter()
        .flat_map(|d| &d.fields)
        .flat_map(|f| [f.published.as_ref(), f.draft.as_ref()])
        .flatten()
        .filter_map(|v| match v {
            DiffValue::Links(links) => Some(links.iter().cloned()),
            _ => None,
        })
        .flatten()
        .collect();
    cx.resolve(&referenced);
    if diffs.is_empty() {
        ui.label(
            RichText::new("No entries to compare: the review covers the release's entries.").weak(),
        );
        return;
    }
    let changed = diffs
        .iter()
        .filter(|d| d.change != EntryChange::Unchanged)
        .count();
    ui.label(
        RichText::new(format!(
            "{changed} of {} entries change when this release publishes.",
            diffs.len()
        ))
        .weak(),
    );
    egui::ScrollArea::vertical()
        .id_salt("changes-scroll")
        .auto_shrink([false, true])
        .max_height(ui.available_height().max(200.0))
        .show(ui, |ui| {
            for diff in &diffs {
                let title = cx
                    .state
                    .link_title(&diff.link)
                    .unwrap_or_else(|| diff.link.id().to_owned());
                ui.horizontal(|ui| {
                    let (text, tone, tip) = match diff.change {
                        EntryChange::New => {
                            ("New", Tone::Accent, "Never published: every field is new")
                        }
                        EntryChange::Changed => (
                            "Changed",
                            Tone::Progress,
                            "The draft differs from what is published",
                        ),
                        EntryChange::Unchanged => (
                            "Unchanged",
                            Tone::Neutral,
                            "Publishing changes nothing in it",
                        ),
                        EntryChange::Unpublished => (
                            "To be unpublished",
                            Tone::Warning,
                            "The release takes it offline",
                        ),
                    };
                    badge_ui(ui, text, tone, tip);
                    if ui
                        .link(RichText::new(&title).strong())
                        .on_hover_text("Open the entry")
                        .clicked()
                    {
                        let (kind, id) = super::release_items::link_key(&diff.link);
                        cx.open(Window::Entity(kind, id));
                    }
                });
                if diff.fields.is_empty() {
                    ui.add_space(4.0);
                    continue;
                }
                egui::Grid::new(("changes", diff.link.id()))
                    .num_columns(3)
                    .spacing([12.0, 4.0])
                    .striped(true)
                    .show(ui, |ui| {
                        for field in &diff.fields {
                            ui.label(
                                RichText::new(format!("{} · {}", field.name, field.locale))
                                    .strong(),
                            );
                            let published = value_text(cx, field.published.as_ref());
                            let draft = value_text(cx, field.draft.as_ref());
                            ui.label(
                                RichText::new(published)
                                    .strikethrough()
                                    .color(theme::tone(ui.visuals(), Tone::Danger)),
                            )
                            .on_hover_text("Published now");
                            ui.label(
                                RichText::new(draft)
                                    .color(theme::tone(ui.visuals(), Tone::Success)),
                            )
                            .on_hover_text("After the publish");
                            ui.end_row();
                        }
                    });
                ui.add_space(theme::SECTION_GAP / 2.0);
            }
        });
}

/// A diffed value as text: references by their titles, a missing value as "—".
fn value_text(cx: &ViewCtx<'_>, value: Option<&DiffValue>) -> String {
    const LIMIT: usize = 240;
    let text = match value {
        None => "—".to_owned(),
        Some(DiffValue::Text(t) | DiffValue::Json(t)) => t.clone(),
        Some(DiffValue::Links(links)) => links
            .iter()
            .map(|l| cx.state.link_title(l).unwrap_or_else(|| l.id().to_owned()))
            .collect::<Vec<_>>()
            .join(", "),
    };
    if text.chars().count() > LIMIT {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// In the Unpublish confirmation of a release-level unpublish: the published entries outside
/// the release that would be left linking to what it takes offline. Asks once when shown.
pub fn unpublish_links_ui(ui: &mut Ui, cx: &mut ViewCtx<'_>, release: &Release) {
    let Some(loaded) = cx.state.readiness.unpublish(&release.sys.id) else {
        cx.send(Command::CheckUnpublish {
            release_id: release.sys.id.clone(),
        });
        return;
    };
    let Some((dangling, unchecked)) = loaded.cloned() else {
        ui.label(RichText::new("Checking which published entries link to these…").weak());
        return;
    };
    if dangling.is_empty() {
        ui.label(RichText::new("No published entry outside the release links to these.").weak());
    } else {
        let n = dangling.len();
        ui.label(
            RichText::new(format!(
                "⚠ {n} published entr{} would link to unpublished content:",
                if n == 1 { "y" } else { "ies" }
            ))
            .color(theme::tone(ui.visuals(), Tone::Warning)),
        );
        egui::ScrollArea::vertical()
            .id_salt("unpublish-dangling")
            .max_height(120.0)
            .show(ui, |ui| {
                for d in &dangling {
                    let from = d
                        .from_title
                        .clone()
                        .unwrap_or_else(|| d.from.id().to_owned());
                    let to = cx
                        .state
                        .link_title(&d.to)
                        .unwrap_or_else(|| d.to.id().to_owned());
                    ui.label(format!("• {from} links to {to}"));
                }
            });
    }
    if unchecked > 0 {
        ui.label(
            RichText::new(format!(
                "{unchecked} more entities were not checked (the check stops at 50 lookups)."
            ))
            .weak(),
        );
    }
}
