//! [`ScheduleDialog`]: schedule a publish or unpublish of a release, entry or asset — or move an
//! existing schedule — at a date and time in an IANA time zone. It shows the chosen instant in
//! that zone, in UTC and in the user's own zone; it refuses past instants and instants more than
//! five years ahead before any API call; when the local time falls in a daylight-saving gap or
//! fold it says so and makes the user choose the earlier or later reading; and it warns about
//! conflicts with other schedules (the rules live in [`crate::app::schedule`]).
//!
//! The dialog is hosted by the app (one at a time) and opened from any view through
//! [`ViewCtx::open_schedule`] with a [`ScheduleRequest`].

use egui::{RichText, Ui};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::ViewCtx;
use crate::app::command::{Command, PickerId};
use crate::app::intents::WindowKind;
use crate::app::schedule::{
    self, Candidate, Conflict, ConflictData, DstChoice, EntityRef, LocalTime, RefKind, Refusal,
};
use crate::app::state::{AppState, ScheduleSubmit};
use crate::app::theme::{self, Tone};
use crate::app::widgets::SearchSelect;
use crate::cma::{
    EntityKind, Link, LinkType, ScheduledAction, ScheduledActionBody, ScheduledActionKind,
    ScheduledFor,
};

/// What the schedule dialog opens on.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleRequest {
    /// A new schedule of `target` (the dialog offers a picker when it is `None`), on `day` when
    /// given.
    New {
        /// The release, entry or asset.
        target: Option<Link>,
        /// The day to preset.
        day: Option<Date>,
        /// The zone to preset (the user's own when `None`).
        zone: Option<String>,
    },
    /// Move an existing scheduled action (as the user saw it: its version is sent back).
    Reschedule(Box<ScheduledAction>),
    /// Schedule again what a failed action was to do: a new schedule of the same target and
    /// action, in its zone, at the next quarter hour (a failed action itself cannot be re-run).
    Retry(Box<ScheduledAction>),
}

impl ScheduleRequest {
    /// A new schedule of `target`.
    pub fn for_target(target: Link) -> Self {
        Self::New {
            target: Some(target),
            day: None,
            zone: None,
        }
    }

    /// A new schedule on `day` in `zone` (as the calendar shows it), of something the user picks.
    pub fn on_day(day: Date, zone: &str) -> Self {
        Self::New {
            target: None,
            day: Some(day),
            zone: Some(zone.to_owned()),
        }
    }
}

/// Options of the target picker, cached per data generation.
#[derive(Debug, Default)]
struct TargetOptions {
    key: Option<(u64, u64, String)>,
    labels: Vec<String>,
    links: Vec<Link>,
    /// The search text last seen, and when it changed (input time), for the debounce.
    typed: (String, f64),
    /// The search sent to the server, and the connection it was sent for.
    sent: Option<(String, crate::app::event::Epoch)>,
}

/// The entered date, time and zone texts, and what they resolve to.
type Resolved = ((String, String, String), Result<LocalTime, Refusal>);
/// A candidate with the data generations it was checked against, and its conflicts.
type CheckedConflicts = ((Candidate, u64, u64, u64), Vec<Conflict>);

/// The schedule dialog and its UI state.
#[derive(Debug)]
pub struct ScheduleDialog {
    rescheduling: Option<Box<ScheduledAction>>,
    target: Option<Link>,
    action: ScheduledActionKind,
    date: Date,
    date_text: String,
    time_text: String,
    zone: String,
    my_zone: String,
    zone_select: SearchSelect,
    target_select: SearchSelect,
    targets: TargetOptions,
    dst_choice: Option<DstChoice>,
    resolved: Option<Resolved>,
    data: Option<((u64, u64, u64), ConflictData)>,
    conflicts: Option<CheckedConflicts>,
    sent: bool,
    rejection: Option<String>,
    requested: bool,
    /// The scheduled-actions generation whose entities were asked for (conflicts and titles).
    resolved_for: Option<(u64, u64, Option<String>)>,
}

/// An existing action's own zone (its name and the zone), else `fallback` (the user's).
fn own_zone(action: &ScheduledAction, fallback: &str) -> (String, TimeZone) {
    let zone = action
        .scheduled_for
        .timezone
        .clone()
        .filter(|z| schedule::zone(z).is_some())
        .unwrap_or_else(|| fallback.to_owned());
    let tz = schedule::zone(&zone).unwrap_or(TimeZone::UTC);
    (zone, tz)
}

impl ScheduleDialog {
    /// A dialog for `request`: new schedules default to the next quarter hour at least ten minutes
    /// ahead, in the user's own zone; reschedules start from the action's instant in its zone.
    pub fn new(request: ScheduleRequest, now: Timestamp) -> Self {
        let my_zone = schedule::system_zone_name();
        let (rescheduling, target, action, zone, at) = match request {
            ScheduleRequest::New { target, day, zone } => {
                let zone = zone
                    .filter(|z| schedule::zone(z).is_some())
                    .unwrap_or_else(|| my_zone.clone());
                let tz = schedule::zone(&zone).unwrap_or(TimeZone::UTC);
                let soon = next_quarter_hour(now).to_zoned(tz.clone());
                let at = match day {
                    Some(day) if day != soon.date() => {
                        day.at(9, 0, 0, 0).to_zoned(tz).map_or(soon, |z| z)
                    }
                    _ => soon,
                };
                (None, target, ScheduledActionKind::Publish, zone, at)
            }
            ScheduleRequest::Reschedule(existing) => {
                let (zone, tz) = own_zone(&existing, &my_zone);
                let at = existing.scheduled_for.datetime.0.to_zoned(tz);
                let target = Some(existing.entity.clone());
                let action = existing.action.clone();
                (Some(existing), target, action, zone, at)
            }
            ScheduleRequest::Retry(failed) => {
                let (zone, tz) = own_zone(&failed, &my_zone);
                let at = next_quarter_hour(now).to_zoned(tz);
                (
                    None,
                    Some(failed.entity.clone()),
                    failed.action.clone(),
                    zone,
                    at,
                )
            }
        };
        Self {
            rescheduling,
            target,
            action,
            date: at.date(),
            date_text: at.date().to_string(),
            time_text: at.strftime("%H:%M").to_string(),
            zone,
            my_zone,
            zone_select: SearchSelect::default(),
            target_select: SearchSelect::server_filtered(),
            targets: TargetOptions::default(),
            dst_choice: None,
            resolved: None,
            data: None,
            conflicts: None,
            sent: false,
            rejection: None,
            requested: false,
            resolved_for: None,
        }
    }

    /// Draws the dialog; closing it pushes [`Intent::Close`](crate::app::intents::Intent::Close).
    pub fn show(&mut self, ctx: &egui::Context, cx: &mut ViewCtx<'_>) {
        if !self.requested {
            self.requested = true;
            // Every pending schedule, so conflicts can be found.
            let now = cx.now;
            let to = schedule::latest_allowed(now)
                .checked_add(SignedDuration::from_hours(24))
                .unwrap_or(Timestamp::MAX);
            cx.send(Command::LoadScheduledActions {
                from: now
                    .checked_sub(SignedDuration::from_hours(1))
                    .unwrap_or(now)
                    .into(),
                to: to.into(),
            });
        }
        self.resolve_entities(cx);
        if self.sent {
            match &cx.state.schedule_submit {
                ScheduleSubmit::Saved(_) => return cx.close(WindowKind::Schedule),
                ScheduleSubmit::Rejected(message) => {
                    self.rejection = Some(message.clone());
                    self.sent = false;
                }
                ScheduleSubmit::Idle => self.sent = false,
                ScheduleSubmit::Pending => {}
            }
        }
        let mut open = true;
        let mut close = false;
        let title = if self.rescheduling.is_some() {
            "Reschedule"
        } else {
            "Schedule"
        };
        egui::Window::new(title)
            .id(egui::Id::unique("schedule-dialog"))
            .collapsible(false)
            .resizable(false)
            .default_width(600.0)
            // Anchored by its top: notices appear below the form and grow the window downwards,
            // so the fields never move under the pointer while the user types.
            .anchor(egui::Align2::CENTER_TOP, [0.0, 48.0])
            .open(&mut open)
            .show(ctx, |ui| {
                ui.set_width(600.0);
                self.body_ui(ui, cx, &mut close);
            });
        if !open || close {
            cx.close(WindowKind::Schedule);
        }
    }

    fn body_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, close: &mut bool) {
        let now = cx.now;
        egui::Grid::new("schedule-form")
            .num_columns(2)
            .spacing([16.0, 10.0])
            .min_col_width(90.0)
            .show(ui, |ui| {
                ui.label("What");
                self.target_ui(ui, cx);
                ui.end_row();
                ui.label("Action");
                ui.horizontal(|ui| {
                    ui.add_enabled_ui(self.rescheduling.is_none(), |ui| {
                        ui.selectable_value(
                            &mut self.action,
                            ScheduledActionKind::Publish,
                            "⬆ Publish",
                        )
                        .on_hover_text("Publish it at that time");
                        ui.selectable_value(
                            &mut self.action,
                            ScheduledActionKind::Unpublish,
                            "⬇ Unpublish",
                        )
                        .on_hover_text("Take it offline at that time");
                    })
                    .response
                    .on_disabled_hover_text("Only the time of a schedule can change");
                });
                ui.end_row();
                ui.label("Date");
                ui.horizontal(|ui| {
                    let edit = ui
                        .add(
                            egui::TextEdit::singleline(&mut self.date_text)
                                .desired_width(110.0)
                                .hint_text("YYYY-MM-DD"),
                        )
                        .accessible_name("Date (YYYY-MM-DD)");
                    // The text is the truth; the picker shows the day it names, or no day
                    // while it names none (never an older day than the text).
                    let typed = schedule::parse_date(&self.date_text).ok();
                    if edit.changed()
                        && let Some(d) = typed
                    {
                        self.date = d;
                    }
                    let format = if typed.is_some() {
                        "%a %-d %b %Y"
                    } else {
                        "Pick a day"
                    };
                    let picked = ui
                        .add(
                            egui_extras::DatePickerButton::new(&mut self.date)
                                .id_salt("schedule-date")
                                .combo_boxes(false)
                                .format(format),
                        )
                        .on_hover_text("Pick the day on a calendar");
                    if picked.changed() {
                        self.date_text = self.date.to_string();
                    }
                });
                ui.end_row();
                ui.label("Time");
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut self.time_text)
                            .desired_width(80.0)
                            .hint_text("HH:MM"),
                    )
                    .accessible_name("Time (HH:MM)");
                    ui.label(RichText::new("24-hour clock: 09:30, or 09:30:15").weak());
                });
                ui.end_row();
                ui.label("Time zone");
                ui.horizontal(|ui| {
                    let names = schedule::zone_names();
                    if let Some(i) = self.zone_select.ui(
                        ui,
                        "schedule-zone",
                        "Schedule time zone",
                        &self.zone,
                        names,
                        0,
                        240.0,
                    ) && let Some(name) = names.get(i)
                    {
                        self.zone = name.clone();
                    }
                    if self.zone != self.my_zone
                        && ui
                            .small_button("Use mine")
                            .on_hover_text(format!("Your zone: {}", self.my_zone))
                            .clicked()
                    {
                        self.zone = self.my_zone.clone();
                    }
                });
                ui.end_row();
            });
        ui.add_space(6.0);
        ui.separator();

        let resolved = self.resolve();
        let refusal: Option<Refusal>;
        let mut instant = None;
        match resolved {
            Ok(local) => {
                if local.is_ambiguous() {
                    self.dst_ui(ui, &local);
                }
                match local.zoned(self.dst_choice) {
                    Some(zoned) => {
                        self.preview_ui(ui, zoned, now);
                        instant = Some(zoned.timestamp());
                        refusal = schedule::check_instant(zoned.timestamp(), now).err();
                    }
                    None => refusal = Some(Refusal::NeedsDstChoice),
                }
            }
            Err(r) => refusal = Some(r),
        }
        if let Some(r) = &refusal
            && *r != Refusal::NeedsDstChoice
        {
            notice_ui(ui, Tone::Danger, &format!("✖ {r}"));
        }
        let conflicts = match (&self.target, instant, &refusal) {
            (Some(target), Some(at), None) => self.conflicts_for(target.clone(), at, cx.state),
            _ => Vec::new(),
        };
        if !conflicts.is_empty() {
            let tz = schedule::zone(&self.zone).unwrap_or(TimeZone::UTC);
            let visuals = ui.visuals().clone();
            egui::Frame::new()
                .fill(theme::tone_fill(&visuals, Tone::Warning))
                .corner_radius(6.0)
                .inner_margin(10.0)
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(
                        RichText::new(format!(
                            "⚠ {} possible conflict{} with other schedules",
                            conflicts.len(),
                            if conflicts.len() == 1 { "" } else { "s" }
                        ))
                        .strong()
                        .color(theme::tone(&visuals, Tone::Warning)),
                    );
                    for conflict in &conflicts {
                        ui.label(format!("• {}", conflict_text(conflict, cx.state, &tz)));
                    }
                });
        }
        // A release that would fail is warned about (the user may still schedule it).
        if let Some(target) = &self.target
            && *target.link_type() == crate::cma::LinkType::Release
            && self.action == ScheduledActionKind::Publish
        {
            let wanted = cx.state.readiness.wanted([(
                target.id(),
                cx.state.release(target.id()).map_or(0, |r| r.sys.version),
            )]);
            if !wanted.is_empty() && cx.state.release(target.id()).is_some() {
                cx.send(crate::app::command::Command::CheckReadiness {
                    release_ids: wanted,
                });
            }
            super::release_readiness::publish_warning_ui(ui, cx, target.id());
        }
        self.conflict_notice_ui(ui, cx);
        let empty_release = self.empty_release(cx.state);
        if let Some(title) = &empty_release {
            notice_ui(
                ui,
                Tone::Danger,
                &format!("✖ '{title}' is empty: add entries on its page before scheduling it"),
            );
        }
        if let Some(message) = &self.rejection {
            notice_ui(ui, Tone::Danger, &format!("✖ Not saved: {message}"));
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let why = if self.target.is_none() {
                "Choose a release or entry first".to_owned()
            } else if empty_release.is_some() {
                "Add entries first".to_owned()
            } else if let Some(r) = &refusal {
                r.to_string()
            } else {
                "Saving…".to_owned()
            };
            let ready = self.target.is_some()
                && empty_release.is_none()
                && instant.is_some()
                && refusal.is_none();
            let label = match (&self.rescheduling, conflicts.is_empty()) {
                (Some(_), _) => "📅 Save new time",
                (None, true) => "📅 Schedule",
                (None, false) => "📅 Schedule anyway",
            };
            let response = ui
                .add_enabled(
                    ready && !self.sent,
                    egui::Button::new(RichText::new(label).strong()),
                )
                .on_disabled_hover_text(why);
            if response.clicked()
                && let (Some(at), Some(target)) = (instant, self.target.clone())
            {
                // Checked again right before sending (the form may be older than this frame).
                if schedule::check_instant(at, cx.now).is_ok() {
                    self.submit(cx, target, at);
                }
            }
            if self.sent {
                ui.spinner();
                ui.label("Saving…");
            } else if self.target.is_none() {
                ui.label(RichText::new("Choose what to schedule first").weak());
            }
            if ui.button("Close").clicked() {
                *close = true;
            }
        });
    }

    /// The title of the release to be newly scheduled when it is loaded and has no entries (the
    /// release page refuses to schedule those too; a reschedule only moves an existing one).
    fn empty_release(&self, state: &AppState) -> Option<String> {
        let target = self.target.as_ref()?;
        if self.rescheduling.is_some() || *target.link_type() != LinkType::Release {
            return None;
        }
        state
            .release(target.id())
            .filter(|r| r.entities.is_empty())
            .map(|r| r.title.clone())
    }

    /// Asks for the entities the dialog shows or checks conflicts against that are not loaded:
    /// the target (a release's members too) and what the loaded schedules act on; once per
    /// change of the scheduled actions or the target.
    fn resolve_entities(&mut self, cx: &mut ViewCtx<'_>) {
        let state = cx.state;
        let key = (
            state.scheduled_generation,
            state.releases_generation,
            self.target.as_ref().map(|t| t.id().to_owned()),
        );
        if self.resolved_for.as_ref() == Some(&key) {
            return;
        }
        self.resolved_for = Some(key);
        let mut links: Vec<&Link> = state
            .scheduled_actions
            .values()
            .filter(|a| !a.sys.status.is_final())
            .map(|a| &a.entity)
            .collect();
        if let Some(target) = &self.target {
            links.push(target);
            if *target.link_type() == LinkType::Release
                && let Some(release) = state.release(target.id())
            {
                links.extend(release.entities.links());
            }
        }
        cx.resolve(links);
    }

    fn target_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let state = cx.state;
        if let Some(target) = self.target.clone() {
            ui.horizontal(|ui| {
                ui.label(RichText::new(target_title(&target, state)).strong());
                ui.label(RichText::new(target.link_type().as_str()).weak());
                if self.rescheduling.is_none()
                    && ui
                        .small_button("Change…")
                        .on_hover_text("Schedule something else")
                        .clicked()
                {
                    self.target = None;
                }
            });
            return;
        }
        // Entries and assets come from a server search of the words typed (debounced);
        // releases from the loaded list.
        let time = ui.input(|i| i.time);
        let typed = self.target_select.search().trim().to_owned();
        if typed != self.targets.typed.0 {
            self.targets.typed = (typed.clone(), time);
        }
        let send = (typed.clone(), state.epoch);
        if self.targets.sent.as_ref() != Some(&send) {
            let rest = super::releases::SEARCH_DEBOUNCE - (time - self.targets.typed.1);
            if rest > 0.0 && self.targets.sent.is_some() {
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs_f64(rest));
            } else {
                self.targets.sent = Some(send);
                cx.send(Command::SearchEntities {
                    picker: PickerId::ScheduleTarget,
                    search: typed.clone().into(),
                });
            }
        }
        let key = (state.releases_generation, state.entities_generation, typed);
        if self.targets.key.as_ref() != Some(&key) {
            let words: Vec<String> = key
                .2
                .to_lowercase()
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            let mut labels = Vec::new();
            let mut links = Vec::new();
            let search = state.entity_view.searches.get(&PickerId::ScheduleTarget);
            // The loaded list, then the server's matches of either model (Launch and
            // Timeline are listed apart), each release once.
            let searched = search.map(|s| s.releases.as_slice()).unwrap_or_default();
            let mut seen = std::collections::HashSet::new();
            for release in state.releases.iter().chain(searched).filter(|r| {
                let title = r.title.to_lowercase();
                !r.is_archived() && words.iter().all(|w| title.contains(w))
            }) {
                if !seen.insert(release.sys.id.as_str()) {
                    continue;
                }
                let empty = if release.entities.is_empty() {
                    " (empty)"
                } else {
                    ""
                };
                let model = if release.is_timeline() {
                    " · Timeline"
                } else {
                    ""
                };
                labels.push(format!("Release · {}{empty}{model}", release.title));
                links.push(Link::new(LinkType::Release, release.sys.id.clone()));
            }
            let found = search.map(|s| s.ids.as_slice()).unwrap_or_default();
            for (kind, id) in found {
                let Some(entity) = state.entities.get(&(*kind, id.clone())) else {
                    continue;
                };
                let (word, link_type) = match kind {
                    EntityKind::Entry => ("Entry", LinkType::Entry),
                    EntityKind::Asset => ("Asset", LinkType::Asset),
                };
                labels.push(format!("{word} · {}", state.display_title(entity)));
                links.push(Link::new(link_type, id.clone()));
            }
            self.targets.labels = labels;
            self.targets.links = links;
            self.targets.key = Some(key.clone());
        }
        let generation = key
            .0
            .wrapping_mul(1_000_003)
            .wrapping_add(key.1)
            .wrapping_add(self.targets.labels.len() as u64);
        if let Some(i) = self.target_select.ui(
            ui,
            "schedule-target",
            "Release or entry",
            "Choose a release or entry…",
            &self.targets.labels,
            generation,
            320.0,
        ) {
            self.target = self.targets.links.get(i).cloned();
        }
    }

    /// The resolution of the entered date, time and zone, cached per input.
    fn resolve(&mut self) -> Result<LocalTime, Refusal> {
        let key = (
            self.date_text.trim().to_owned(),
            self.time_text.trim().to_owned(),
            self.zone.clone(),
        );
        if let Some((cached, result)) = &self.resolved
            && *cached == key
        {
            return result.clone();
        }
        let result = schedule::parse_date(&key.0).and_then(|date| {
            let time = schedule::parse_time(&key.1)?;
            schedule::resolve_local(date, time, &key.2)
        });
        // A new time needs a new choice.
        self.dst_choice = None;
        self.resolved = Some((key, result.clone()));
        result
    }

    fn dst_ui(&mut self, ui: &mut Ui, local: &LocalTime) {
        let (earlier, later, gap) = match local {
            LocalTime::Gap { earlier, later } => (earlier, later, true),
            LocalTime::Fold { earlier, later } => (earlier, later, false),
            LocalTime::Unique(_) => return,
        };
        let visuals = ui.visuals().clone();
        let time = self.time_text.trim();
        let headline = if gap {
            format!(
                "⚠ {time} does not exist on {} in {}: the clocks jump forward an hour then.",
                self.date_text.trim(),
                self.zone
            )
        } else {
            format!(
                "⚠ {time} happens twice on {} in {}: the clocks go back an hour then.",
                self.date_text.trim(),
                self.zone
            )
        };
        let show = |z: &jiff::Zoned| {
            format!(
                "{} ({} UTC)",
                z.strftime("%H:%M %Z"),
                z.timestamp().strftime("%H:%M")
            )
        };
        egui::Frame::new()
            .fill(theme::tone_fill(&visuals, Tone::Warning))
            .corner_radius(6.0)
            .inner_margin(10.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    RichText::new(headline)
                        .strong()
                        .color(theme::tone(&visuals, Tone::Warning)),
                );
                ui.label("Which time do you mean?");
                let (first, second) = if gap {
                    (
                        format!("Earlier: {}", show(earlier)),
                        format!("Later: {}", show(later)),
                    )
                } else {
                    (
                        format!("Earlier: the first {}", show(earlier)),
                        format!("Later: the second {}", show(later)),
                    )
                };
                ui.radio_value(&mut self.dst_choice, Some(DstChoice::Earlier), first);
                ui.radio_value(&mut self.dst_choice, Some(DstChoice::Later), second);
            });
        ui.add_space(4.0);
    }

    fn preview_ui(&self, ui: &mut Ui, zoned: &jiff::Zoned, now: Timestamp) {
        let at = zoned.timestamp();
        let mine = schedule::zone(&self.my_zone).unwrap_or(TimeZone::UTC);
        egui::Grid::new("schedule-preview")
            .num_columns(2)
            .spacing([16.0, 4.0])
            .min_col_width(90.0)
            .show(ui, |ui| {
                ui.label(RichText::new("Runs at").weak());
                ui.label(
                    RichText::new(format!(
                        "{} ({})",
                        zoned.strftime("%a %-d %b %Y, %H:%M:%S %Z"),
                        self.zone
                    ))
                    .strong(),
                );
                ui.end_row();
                ui.label(RichText::new("In UTC").weak());
                ui.label(at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string());
                ui.end_row();
                ui.label(RichText::new("In your zone").weak());
                ui.label(format!(
                    "{} ({})",
                    at.to_zoned(mine).strftime("%Y-%m-%d %H:%M:%S %Z"),
                    self.my_zone
                ));
                ui.end_row();
                ui.label(RichText::new("That is").weak());
                ui.label(from_now(at, now));
                ui.end_row();
            });
    }

    /// Conflicts of the schedule as entered, cached per input and data generation.
    fn conflicts_for(&mut self, target: Link, at: Timestamp, state: &AppState) -> Vec<Conflict> {
        let Some(target) = EntityRef::from_link(&target) else {
            return Vec::new();
        };
        let generations = (
            state.scheduled_generation,
            state.releases_generation,
            state.entities_generation,
        );
        if self.data.as_ref().map(|(g, _)| *g) != Some(generations) {
            self.data = Some((generations, conflict_data(state)));
        }
        let candidate = Candidate {
            target,
            action: self.action.clone(),
            at,
            replacing: self.rescheduling.as_ref().map(|a| a.sys.id.clone()),
        };
        let key = (candidate, generations.0, generations.1, generations.2);
        if let Some((cached, list)) = &self.conflicts
            && *cached == key
        {
            return list.clone();
        }
        let list = self
            .data
            .as_ref()
            .map(|(_, data)| schedule::conflicts(&key.0, data))
            .unwrap_or_default();
        self.conflicts = Some((key, list.clone()));
        list
    }

    fn conflict_notice_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        let Some(id) = self.rescheduling.as_ref().map(|a| a.sys.id.clone()) else {
            return;
        };
        let Some(conflict) = cx.state.conflict.clone() else {
            return;
        };
        if conflict.id != id {
            return;
        }
        let latest = cx.state.scheduled_actions.get(&id).cloned();
        let visuals = ui.visuals().clone();
        let mut reload = false;
        egui::Frame::new()
            .fill(theme::tone_fill(&visuals, Tone::Warning))
            .corner_radius(6.0)
            .inner_margin(10.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    RichText::new("⚠ Not saved: this schedule was changed by someone else.")
                        .strong()
                        .color(theme::tone(&visuals, Tone::Warning)),
                );
                let who = conflict
                    .changed_by
                    .clone()
                    .unwrap_or_else(|| "another user".into());
                let now_at = latest
                    .as_ref()
                    .map(|a| {
                        format!(
                            " It is now set for {} ({}).",
                            a.scheduled_for.datetime.0.strftime("%Y-%m-%d %H:%M UTC"),
                            a.sys.status
                        )
                    })
                    .unwrap_or_default();
                let version = conflict
                    .current_version
                    .map(|v| format!(" Version {v}."))
                    .unwrap_or_default();
                ui.label(format!(
                    "{} failed because {who} changed it after you opened it.{version}{now_at} Reload to start from their version.",
                    conflict.what
                ));
                reload = ui.button("Reload").clicked();
            });
        if reload {
            if let Some(latest) = latest {
                let mut fresh =
                    ScheduleDialog::new(ScheduleRequest::Reschedule(Box::new(latest)), cx.now);
                fresh.requested = true;
                *self = fresh;
            }
            cx.send(Command::DismissConflict);
        }
    }

    fn submit(&mut self, cx: &mut ViewCtx<'_>, target: Link, at: Timestamp) {
        let scheduled_for = ScheduledFor {
            datetime: at.into(),
            timezone: Some(self.zone.clone()),
        };
        let label = format!("{} of '{}'", self.action, target_title(&target, cx.state));
        match &self.rescheduling {
            Some(existing) => {
                let mut body = ScheduledActionBody::from(existing.as_ref());
                body.scheduled_for = scheduled_for;
                cx.send(Command::Reschedule {
                    id: existing.sys.id.clone(),
                    version: existing.sys.version,
                    body,
                    label,
                });
            }
            None => {
                let environment = cx
                    .state
                    .connection
                    .as_ref()
                    .map_or_else(|| "master".to_owned(), |c| c.environment_id.clone());
                cx.send(Command::CreateSchedule {
                    body: ScheduledActionBody {
                        entity: Link::new(target.link_type().clone(), target.id()),
                        environment: Link::new(LinkType::Environment, environment),
                        action: self.action.clone(),
                        scheduled_for,
                        payload: None,
                    },
                    label,
                });
            }
        }
        self.sent = true;
        self.rejection = None;
    }
}

/// The next quarter hour at least ten minutes after `now`.
fn next_quarter_hour(now: Timestamp) -> Timestamp {
    let secs = now.as_second() + 600;
    let rounded = (secs + 899).div_euclid(900) * 900;
    Timestamp::from_second(rounded).unwrap_or(now)
}

/// "in 5 min", "in 3 h 20 min", "in 12 days".
fn from_now(at: Timestamp, now: Timestamp) -> String {
    let secs = at.as_second() - now.as_second();
    match secs {
        s if s <= 0 => "now or in the past".into(),
        s if s < 90 => format!("in {s} s"),
        s if s < 90 * 60 => format!("in {} min", (s + 30) / 60),
        s if s < 36 * 3600 => format!("in {} h {} min", s / 3600, (s % 3600) / 60),
        s => format!("in {} days", s / 86_400),
    }
}

fn notice_ui(ui: &mut Ui, tone: Tone, text: &str) {
    let visuals = ui.visuals().clone();
    egui::Frame::new()
        .fill(theme::tone_fill(&visuals, tone))
        .corner_radius(6.0)
        .inner_margin(8.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(text)
                    .color(theme::tone(&visuals, tone))
                    .strong(),
            );
        });
}

/// What the schedule rules need to know, from the loaded data.
pub fn conflict_data(state: &AppState) -> ConflictData {
    let scheduled = state.scheduled_actions.values().cloned().collect();
    let release_members = state
        .releases
        .iter()
        .map(|r| {
            (
                r.sys.id.clone(),
                r.entities
                    .links()
                    .filter_map(EntityRef::from_link)
                    .collect(),
            )
        })
        .collect();
    let references = state
        .entities
        .iter()
        .map(|((kind, id), e)| {
            let key = match kind {
                EntityKind::Entry => EntityRef::entry(id.clone()),
                EntityKind::Asset => EntityRef::asset(id.clone()),
            };
            (key, schedule::links_in_fields(&e.fields))
        })
        .filter(|(_, links)| !links.is_empty())
        .collect();
    ConflictData {
        scheduled,
        release_members,
        references,
    }
}

/// A release's title or an entity's display title, else the id.
pub fn target_title(link: &Link, state: &AppState) -> String {
    ref_title(
        &EntityRef::from_link(link).unwrap_or_else(|| EntityRef::entry(link.id())),
        state,
    )
}

fn ref_title(entity: &EntityRef, state: &AppState) -> String {
    match entity.kind {
        RefKind::Release => state.release_title(&entity.id),
        RefKind::Entry | RefKind::Asset => {
            let kind = if entity.kind == RefKind::Asset {
                EntityKind::Asset
            } else {
                EntityKind::Entry
            };
            state
                .entities
                .get(&(kind, entity.id.clone()))
                .map_or_else(|| entity.id.clone(), |e| state.display_title(e).to_owned())
        }
    }
}

/// A conflict in words, with times in `tz`.
pub fn conflict_text(conflict: &Conflict, state: &AppState, tz: &TimeZone) -> String {
    let when = |t: &Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%a %-d %b %H:%M %Z")
            .to_string()
    };
    match conflict {
        Conflict::Nearby { action, at, .. } => format!(
            "It is already scheduled to {action} at {}, less than an hour apart.",
            when(at)
        ),
        Conflict::InScheduledRelease {
            release_id,
            action,
            at,
            shared,
            ..
        } => {
            let names: Vec<String> = shared.iter().take(3).map(|e| ref_title(e, state)).collect();
            let more = shared.len().saturating_sub(names.len());
            format!(
                "{}{} {} also in the release '{}', which is scheduled to {action} at {}.",
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
                if shared.len() == 1 { "is" } else { "are" },
                state.release_title(release_id),
                when(at)
            )
        }
        Conflict::UnpublishBeforePublish {
            unpublished,
            unpublish,
            publisher,
            publish,
        } => format!(
            "'{}' is unpublished at {}, before '{}', which links to it, is published at {}: that publish would fail on the broken link.",
            ref_title(unpublished, state),
            when(&unpublish.0),
            ref_title(publisher, state),
            when(&publish.0)
        ),
        Conflict::CrowdedMinute { minute, count } => format!(
            "{count} actions would run in the minute of {}; Contentful runs at most {} a minute, so some would run late.",
            when(minute),
            schedule::MAX_PER_MINUTE
        ),
    }
}
