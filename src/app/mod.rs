//! The desktop app (eframe/egui): [`App`] owns the [`AppState`], the views, and the handle to
//! the background worker.
//!
//! Data flow: a view draws from `&AppState` and pushes a [`Command`]; `App` hands commands to
//! the worker (tokio), which calls the `cma` client; results come back as [`AppEvent`]s through
//! a channel whose sender requests a repaint; [`App::logic`](eframe::App::logic) drains the
//! channel into [`AppState::apply`] — the only place outside results change the state.
//!
//! Split after rerun's viewer: `logic` (events, shortcuts), `ui` (layout), `command_handling`
//! (UI commands from menus, shortcuts and the palette).

pub mod command;
pub mod event;
pub mod format;
pub mod ics;
pub mod schedule;
pub mod state;
pub mod theme;
pub mod timeline_rows;
pub mod ui_command;
pub mod views;
pub mod widgets;
pub mod worker;
pub mod worker_sources;
pub mod worker_timeline;

use std::sync::mpsc as std_mpsc;

use egui::{RichText, Ui};

use self::command::Command;
use self::event::{AppEvent, Epoch, Stamped};
use self::state::{AppState, ConnectionInfo, Effect, Nav, Toast};
use self::ui_command::{Palette, UiCommand};
use self::views::ViewCtx;
use self::views::entries::EntriesView;
use self::views::inspector::{EntityDetail, FailureInspector};
use self::views::release_detail::ReleaseDetailView;
use self::views::releases::ReleasesView;
use self::views::settings::SettingsView;
use self::views::timeline::TimelineView;

use self::views::calendar::CalendarView;
use self::views::schedule_dialog::ScheduleDialog;
use self::worker::{EventSink, WorkerHandle, WorkerOptions};
use crate::cma::{Client, CmaError};

/// When the process started (set by `main`), to log how long until the releases show.
pub static PROCESS_START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Everything the app needs to start: where it is connected, and what keeps the backend alive.
pub struct AppSetup {
    /// The client configuration for the connection.
    pub client: crate::cma::ClientConfig,
    /// What the status bar and settings show.
    pub connection: ConnectionInfo,
    /// Worker options (poll interval, sandbox or not).
    pub worker: WorkerOptions,
    /// The live stream of the embedded receiver's journal, when one runs.
    pub timeline: Option<crate::timeline::Subscription>,
    /// The embedded receiver's journal, which the timeline view pages through (via the worker).
    pub journal: Option<crate::timeline::Journal>,
    /// Held for the app's lifetime (the embedded sandbox); dropped on exit.
    pub keep_alive: Option<Box<dyn std::any::Any + Send>>,
}

/// The Release Desk window.
pub struct App {
    /// The data.
    pub state: AppState,
    worker: WorkerHandle,
    events: std_mpsc::Receiver<Stamped>,
    sink: EventSink,
    runtime: tokio::runtime::Handle,
    worker_options: WorkerOptions,
    nav: Nav,
    releases: ReleasesView,
    detail: Option<ReleaseDetailView>,
    entries: EntriesView,
    timeline: TimelineView,
    settings: SettingsView,
    inspector: Option<FailureInspector>,
    entity_detail: Option<EntityDetail>,
    calendar: CalendarView,
    schedule_dialog: Option<ScheduleDialog>,
    palette: Option<Palette>,
    toasts: egui_notify::Toasts,
    focus_filter: bool,
    _keep_alive: Option<Box<dyn std::any::Any + Send>>,
}

impl App {
    /// Builds the app; must run inside the tokio runtime (the worker is spawned on it).
    pub fn new(ctx: &egui::Context, setup: AppSetup) -> Result<Self, CmaError> {
        theme::install(ctx);
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| CmaError::Config(format!("no async runtime: {e}")))?;
        let (tx, rx) = std_mpsc::channel();
        let repaint_ctx = ctx.clone();
        let sink = EventSink::new(tx, move || repaint_ctx.request_repaint());
        let mut options = setup.worker;
        if setup.journal.is_some() {
            options.journal = setup.journal;
        }
        if setup.connection.is_sandbox && options.sandbox.is_none() {
            options.sandbox = Some((Box::new(setup.client.clone()), setup.connection.clone()));
        }
        let client = Client::new(setup.client)?;
        let epoch = Epoch(1);
        let worker = worker::spawn(&runtime, client, &sink, options.clone(), epoch);
        worker.send(Command::LoadSpace);
        worker.send(Command::LoadProfiles);
        // Reading the time-zone database scans the disk: do it off the UI thread, before any
        // zone picker asks for the names.
        runtime.spawn_blocking(|| {
            schedule::zone_names();
            schedule::system_zone_name();
        });
        if let Some(mut live) = setup.timeline {
            let sink = sink.clone();
            runtime.spawn(async move {
                use crate::timeline::{LiveItem, TimelineNotice};
                while let Some(item) = live.recv().await {
                    match item {
                        LiveItem::Notice(TimelineNotice::Appended(event)) => {
                            sink.send(AppEvent::TimelineAppended(event));
                        }
                        LiveItem::Missed { count, .. } => {
                            sink.send(AppEvent::TimelineMissed(count))
                        }
                        LiveItem::Notice(_) => {}
                    }
                }
            });
        }
        let state = AppState::new(setup.connection, epoch);
        Ok(Self {
            state,
            worker,
            events: rx,
            sink,
            runtime,
            worker_options: options,
            nav: Nav::Releases,
            releases: ReleasesView::new(),
            detail: None,
            entries: EntriesView::default(),
            timeline: TimelineView::default(),
            settings: SettingsView::default(),
            inspector: None,
            entity_detail: None,
            calendar: CalendarView::new(),
            schedule_dialog: None,
            palette: None,
            toasts: egui_notify::Toasts::default()
                .with_anchor(egui_notify::Anchor::BottomRight)
                .with_margin(egui::vec2(12.0, 40.0)),
            focus_filter: false,
            _keep_alive: setup.keep_alive,
        })
    }

    /// Drains worker results into the state and carries out their effects (also used by tests
    /// between frames).
    pub fn drain_events(&mut self) {
        while let Ok(stamped) = self.events.try_recv() {
            let loaded_before = self.state.releases_loaded;
            let effects = self.state.receive(stamped);
            if !loaded_before
                && self.state.releases_loaded
                && let Some(started) = PROCESS_START.get()
            {
                tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    "releases shown after launch"
                );
            }
            for effect in effects {
                self.run_effect(effect);
            }
        }
    }

    fn run_effect(&mut self, effect: Effect) {
        match effect {
            Effect::Toast(toast) => self.show_toast(toast),
            Effect::OpenRelease(id) => self.open_release(id),
            Effect::RefreshReleases => self.refresh_releases(),
            Effect::ReloadReleaseList => self.releases.reload(),
            Effect::Reconnect {
                id,
                client,
                connection,
            } => self.reconnect(id, *client, connection),
        }
    }

    fn show_toast(&mut self, toast: Toast) {
        match toast {
            Toast::Success(t) => {
                self.toasts.success(t);
            }
            Toast::Info(t) => {
                self.toasts.info(t);
            }
            Toast::Error(t) => {
                self.toasts
                    .error(t)
                    .duration(Some(std::time::Duration::from_secs(8)));
            }
        }
    }

    /// The worker serving the current connection.
    pub fn worker(&self) -> &WorkerHandle {
        &self.worker
    }

    /// Queues a command for the worker, marking in the state what it sets pending.
    fn send(&mut self, command: Command) {
        if self.state.on_sent(&command) {
            self.worker.send(command);
        }
    }

    /// Switches to another connection without restarting: a new worker on a new client, fresh
    /// data, the same window.
    fn reconnect(
        &mut self,
        id: Option<String>,
        client: crate::cma::ClientConfig,
        connection: ConnectionInfo,
    ) {
        let client = match Client::new(client) {
            Ok(c) => c,
            Err(e) => {
                self.show_toast(Toast::Error(format!("Connecting: {e}")));
                return;
            }
        };
        let mut options = self.worker_options.clone();
        options.is_sandbox = connection.is_sandbox;
        // The old space's tasks (action pollers, schedule followers) stop; anything they sent
        // already is of the old epoch and dropped.
        self.worker.shutdown();
        let epoch = self.state.epoch.next();
        let profiles = std::mem::take(&mut self.state.profiles);
        self.state = AppState::new(connection.clone(), epoch);
        self.state.profiles = profiles;
        self.state.active_profile = id;
        self.worker = worker::spawn(&self.runtime, client, &self.sink, options, epoch);
        self.send(Command::LoadSpace);
        self.releases = ReleasesView::new();
        self.entries = EntriesView::default();
        self.detail = None;
        self.inspector = None;
        self.entity_detail = None;
        self.calendar = CalendarView::new();
        self.schedule_dialog = None;
        self.show_toast(Toast::Info(format!("Connected to {}", connection.profile)));
    }

    fn open_release(&mut self, id: String) {
        self.nav = Nav::Releases;
        self.send(Command::DismissConflict);
        self.send(Command::OpenRelease { id: id.clone() });
        self.detail = Some(ReleaseDetailView::new(id));
    }

    fn run_ui_command(&mut self, command: UiCommand, ctx: &egui::Context) {
        match command {
            UiCommand::GoReleases => {
                self.nav = Nav::Releases;
                self.detail = None;
            }
            UiCommand::GoEntries => self.nav = Nav::Entries,
            UiCommand::GoCalendar => self.nav = Nav::Calendar,
            UiCommand::GoTimeline => self.nav = Nav::Timeline,
            UiCommand::GoSettings => self.nav = Nav::Settings,
            UiCommand::NewRelease => {
                self.nav = Nav::Releases;
                self.detail = None;
                self.releases.open_create_dialog();
            }
            UiCommand::Reload => match (self.nav, &self.detail) {
                (Nav::Releases, Some(d)) => {
                    let id = d.release_id.clone();
                    self.send(Command::OpenRelease { id });
                }
                (Nav::Entries, _) => self.send(Command::LoadEntities),
                (Nav::Calendar, _) => self.calendar.reload(),
                // The list reloads with its own query (search, filter, order).
                _ => self.releases.reload(),
            },
            UiCommand::FocusFilter => self.focus_filter = true,
            UiCommand::CommandPalette => self.palette = Some(Palette::default()),
            UiCommand::TestConnection => {
                self.nav = Nav::Settings;
                self.send(Command::TestConnection);
            }
            UiCommand::ToggleTheme => {
                let dark = ctx.global_style().visuals.dark_mode;
                ctx.set_theme(if dark {
                    egui::Theme::Light
                } else {
                    egui::Theme::Dark
                });
            }
        }
    }

    /// Reloads what shows releases after a change made elsewhere (a schedule fired, another
    /// client): the open release, or the list.
    fn refresh_releases(&mut self) {
        match &self.detail {
            Some(detail) => {
                let id = detail.release_id.clone();
                self.send(Command::OpenRelease { id });
            }
            None => self.releases.reload(),
        }
    }

    /// Esc closes the topmost window (schedule dialog, entry detail, inspector) before a view
    /// sees it, so it never navigates away underneath an open window.
    fn escape(&mut self, ctx: &egui::Context) {
        if self.palette.is_some() {
            return;
        }
        let open = self.schedule_dialog.is_some()
            || self.entity_detail.is_some()
            || self.inspector.is_some();
        if open && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
            if self.schedule_dialog.is_some() {
                self.schedule_dialog = None;
            } else if self.entity_detail.is_some() {
                self.entity_detail = None;
            } else {
                self.inspector = None;
            }
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let pressed: Vec<UiCommand> = UiCommand::ALL
            .into_iter()
            .filter(|c| {
                c.shortcut()
                    .is_some_and(|s| ctx.input_mut(|i| i.consume_shortcut(&s)))
            })
            .collect();
        for command in pressed {
            self.run_ui_command(command, ctx);
        }
    }

    fn nav_ui(&mut self, ui: &mut Ui) {
        ui.add_space(10.0);
        ui.label(RichText::new("Release Desk").heading().strong());
        if let Some(name) = &self.state.space_name {
            ui.label(RichText::new(name).weak());
        }
        ui.add_space(14.0);
        for nav in Nav::ALL {
            let shortcut = match nav {
                Nav::Releases => UiCommand::GoReleases,
                Nav::Entries => UiCommand::GoEntries,
                Nav::Calendar => UiCommand::GoCalendar,
                Nav::Timeline => UiCommand::GoTimeline,
                Nav::Settings => UiCommand::GoSettings,
            };
            let text = RichText::new(nav.label()).size(15.0);
            let response = ui
                .add_sized(
                    [ui.available_width(), 30.0],
                    egui::Button::selectable(self.nav == nav, text),
                )
                .on_hover_text(shortcut.shortcut_text(ui.ctx()));
            if response.clicked() {
                if nav == Nav::Releases && self.nav == Nav::Releases {
                    self.detail = None;
                }
                self.nav = nav;
            }
        }
        ui.with_layout(egui::Layout::bottom_up(egui::Align::Min), |ui| {
            ui.add_space(8.0);
            if ui
                .button(format!(
                    "⌘ Commands  {}",
                    UiCommand::CommandPalette.shortcut_text(ui.ctx())
                ))
                .on_hover_text("Every command and its shortcut")
                .clicked()
            {
                self.palette = Some(Palette::default());
            }
        });
    }

    fn status_bar_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let visuals = ui.visuals().clone();
            match &self.state.connection {
                Some(c) => {
                    let (rect, dot) =
                        ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                    ui.painter().circle_filled(
                        rect.center(),
                        4.0,
                        theme::tone(&visuals, theme::Tone::Success),
                    );
                    dot.on_hover_text("Connected");
                    ui.label(format!(
                        "{} · {} / {}",
                        c.profile, c.space_id, c.environment_id
                    ));
                    ui.separator();
                    match &c.receiver {
                        Some(addr) => ui
                            .label(format!(
                                "Receiver {addr} · {} events this session",
                                self.state.events_received
                            ))
                            .on_hover_text("Webhook deliveries verified and stored since launch"),
                        None => ui.label(RichText::new("Receiver off").weak()),
                    };
                }
                None => {
                    ui.label("Not connected");
                }
            }
            ui.separator();
            let in_flight = self.state.actions_in_flight();
            if in_flight > 0 {
                ui.spinner();
                ui.label(format!(
                    "{in_flight} action{} running",
                    if in_flight == 1 { "" } else { "s" }
                ));
            } else {
                ui.label(RichText::new("No action running").weak());
            }
        });
    }

    fn central_ui(&mut self, ui: &mut Ui) {
        let mut commands = Vec::new();
        let mut open_release = None;
        let mut inspect = None;
        let mut open_entity = None;
        let mut schedule = None;
        let mut back = false;
        {
            let mut cx = ViewCtx {
                state: &self.state,
                commands: &mut commands,
                open_release: &mut open_release,
                inspect_action: &mut inspect,
                open_entity: &mut open_entity,
                focus_filter: std::mem::take(&mut self.focus_filter),
                schedule: &mut schedule,
            };
            match self.nav {
                Nav::Releases => match &mut self.detail {
                    Some(detail) => back = !detail.ui(ui, &mut cx),
                    None => self.releases.ui(ui, &mut cx),
                },
                Nav::Entries => self.entries.ui(ui, &mut cx),
                Nav::Calendar => self.calendar.ui(ui, &mut cx),
                Nav::Timeline => self.timeline.ui(ui, &mut cx),
                Nav::Settings => self.settings.ui(ui, &mut cx),
            }
            let ctx = ui.ctx().clone();
            if let Some(inspector) = &mut self.inspector
                && !inspector.show(&ctx, &mut cx)
            {
                self.inspector = None;
            }
            if let Some(detail) = &mut self.entity_detail
                && !detail.show(&ctx, &mut cx)
            {
                self.entity_detail = None;
            }
            if let Some(dialog) = &mut self.schedule_dialog
                && !dialog.show(&ctx, &mut cx)
            {
                self.schedule_dialog = None;
            }
        }
        if back {
            self.detail = None;
            self.send(Command::DismissConflict);
        }
        for command in commands {
            self.send(command);
        }
        if let Some(id) = open_release {
            self.open_release(id);
        }
        if let Some(id) = inspect {
            self.inspector = Some(FailureInspector::new(id));
        }
        if let Some((kind, id)) = open_entity {
            self.send(Command::LoadEntity {
                kind,
                id: id.clone(),
            });
            self.entity_detail = Some(EntityDetail { kind, id });
        }
        if let Some(request) = schedule {
            self.state.on_schedule_dialog_opened();
            self.schedule_dialog = Some(ScheduleDialog::new(request));
        }
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain_events();
        self.shortcuts(ctx);
        self.escape(ctx);
        if self.state.actions_in_flight() > 0 {
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        egui::Panel::bottom("status-bar")
            .exact_size(28.0)
            .show(ui, |ui| self.status_bar_ui(ui));
        egui::Panel::left("nav")
            .exact_size(theme::NAV_WIDTH)
            .resizable(false)
            .show(ui, |ui| self.nav_ui(ui));
        egui::CentralPanel::default_margins().show(ui, |ui| self.central_ui(ui));
        let ctx = ui.ctx().clone();
        if let Some(palette) = &mut self.palette {
            let (chosen, open) = palette.show(&ctx);
            if !open {
                self.palette = None;
                // The palette's filter had focus; give the keyboard back to the lists.
                ctx.memory_mut(|m| m.stop_text_input());
            }
            if let Some(command) = chosen {
                self.run_ui_command(command, &ctx);
            }
        }
        self.toasts.show(&ctx);
    }
}
