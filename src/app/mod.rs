//! The desktop app (eframe/egui): [`App`] owns the [`AppState`], the views, and the handle to
//! the background worker.
//!
//! Data flow: a view draws from `&AppState` and pushes [`Intent`](intents::Intent)s; `App`
//! carries them out: a [`Command`] is marked in the state ([`AppState::on_sent`]) and handed to
//! the worker (tokio), which calls the `cma` client; results come back as [`AppEvent`]s through
//! a channel whose sender requests a repaint; [`App::logic`](eframe::App::logic) drains the
//! channel into [`AppState::apply`] — the only place outside results change the state — and
//! carries out the [`Effect`](state::Effect)s it answers with.
//!
//! Split after rerun's viewer: `logic` (events, effects, shortcuts, reconnecting), `ui`
//! (layout, the views and windows), [`intents`] (what views, shortcuts and the palette ask for,
//! and how the app carries it out).

pub mod alerts;
pub mod command;
pub mod event;
pub mod failure;
pub mod format;
pub mod ics;
pub mod intents;
mod logic;
pub mod memory;
pub mod palette;
pub mod release_model;
pub mod schedule;
pub mod state;
pub mod theme;
pub mod timeline;
mod ui;
pub mod ui_command;
pub mod views;
pub mod widgets;
pub mod worker;

use std::sync::mpsc as std_mpsc;

use egui::Ui;

use self::command::Command;
use self::event::{AppEvent, Epoch, Stamped};
use self::palette::Palette;
use self::state::{AppState, ConnectionInfo, Nav};
use self::views::entity_detail::EntityDetail;
use self::views::entries::EntriesView;
use self::views::inspector::FailureInspector;
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
    /// Failure notices (a sentence, the detail behind a disclosure).
    failures: widgets::FailureToasts,
    focus_filter: bool,
    /// Milliseconds from the launch to the first releases shown, once measured (and logged).
    releases_shown_after: Option<u64>,
    /// Frames left before the space (name, content model, locales) is asked for: the views
    /// ask for what they show in the first frame, and the worker starts those requests before
    /// the space's arrive (the releases list's first page goes first). `None`: asked.
    space_in_frames: Option<u8>,
    /// When this frame's own work began (set in `logic`, read at the end of `ui`).
    frame_started: Option<std::time::Instant>,
    /// The last frame's own work: draining events, shortcuts and every view's layout.
    last_frame_work: std::time::Duration,
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
        if let Some(alerts) = &options.alerts {
            worker::forward_alert_notices(&runtime, &alerts.handle, sink.clone());
        }
        let state = AppState::new(setup.connection, epoch);
        let now = options.clock.now();
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
            calendar: CalendarView::new(now),
            schedule_dialog: None,
            palette: None,
            failures: widgets::FailureToasts::default(),
            toasts: egui_notify::Toasts::default()
                .with_anchor(egui_notify::Anchor::BottomRight)
                .with_margin(egui::vec2(12.0, 40.0)),
            focus_filter: false,
            releases_shown_after: None,
            space_in_frames: Some(1),
            frame_started: None,
            last_frame_work: std::time::Duration::ZERO,
            _keep_alive: setup.keep_alive,
        })
    }
}

impl App {
    /// Milliseconds from the process start ([`PROCESS_START`]) to the first releases shown,
    /// measured and logged once a process (a reconnect is not a launch).
    pub fn releases_shown_after_launch_ms(&self) -> Option<u64> {
        self.releases_shown_after
    }

    /// What the last frame cost the app itself (`logic` and `ui`: events applied, every view
    /// laid out), without what the platform adds around it (painting, or a test harness's
    /// AccessKit tree): what benchmarks hold a frame budget against.
    pub fn last_frame_work(&self) -> std::time::Duration {
        self.last_frame_work
    }

    /// The state the views draw from (read-only: tests and benchmarks look at what is
    /// loaded).
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

impl eframe::App for App {
    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, memory::KEY, &self.memory());
    }

    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.frame_started = Some(std::time::Instant::now());
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
        self.palette_ui(&ctx);
        self.toasts.show(&ctx);
        self.failures.show(&ctx);
        match self.space_in_frames {
            Some(0) => {
                self.space_in_frames = None;
                self.send(Command::LoadSpace);
            }
            Some(n) => {
                self.space_in_frames = Some(n - 1);
                ui.ctx().request_repaint();
            }
            None => {}
        }
        if let Some(started) = self.frame_started.take() {
            self.last_frame_work = started.elapsed();
        }
    }
}
