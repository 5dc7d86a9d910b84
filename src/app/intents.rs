//! [`Intent`]: the one way views speak to the app. A view pushes intents while it draws; after
//! the frame's views have drawn, [`App`] carries them out in order. `Command` means
//! only "I/O for the worker" ([`Intent::Run`]); navigation and windows are intents like any
//! other (after rerun's `SystemCommand::SetRoute`).

use super::command::Command;
use super::state::Nav;
use super::views::schedule_dialog::ScheduleRequest;
use crate::cma::EntityKind;

/// What a view asks for.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "a few intents per frame, moved once; boxing commands would clutter every view"
)]
pub enum Intent {
    /// Run this command on the worker (after the state marks what it sets pending).
    Run(Command),
    /// Show another place.
    Go(Route),
    /// Open a window over the current place.
    Open(Window),
    /// Close a window.
    Close(WindowKind),
}

/// A place in the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A main area, as the user left it (an open release stays open).
    Area(Nav),
    /// The releases list (an open release closes).
    ReleaseList,
    /// One release's detail (loaded afresh).
    Release(String),
}

/// A window over the main area.
#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    /// The failure inspector of this action id.
    Inspector(String),
    /// The detail of an entry or asset (loaded afresh).
    Entity(EntityKind, String),
    /// The schedule dialog, for a new schedule or to move one.
    Schedule(ScheduleRequest),
    /// The command palette.
    Palette,
}

impl Window {
    /// Which window this is.
    pub fn kind(&self) -> WindowKind {
        match self {
            Self::Inspector(_) => WindowKind::Inspector,
            Self::Entity(..) => WindowKind::Entity,
            Self::Schedule(_) => WindowKind::Schedule,
            Self::Palette => WindowKind::Palette,
        }
    }
}

/// Which window (without what it shows), to close it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    /// The failure inspector.
    Inspector,
    /// The entry or asset detail.
    Entity,
    /// The schedule dialog.
    Schedule,
    /// The command palette.
    Palette,
}

use super::App;
use super::palette::{Palette, PaletteChoice};
use super::ui_command::UiCommand;
use super::views::entity_detail::EntityDetail;
use super::views::inspector::FailureInspector;
use super::views::release_detail::ReleaseDetailView;
use super::views::schedule_dialog::ScheduleDialog;

impl App {
    /// Carries out one intent of a view, a shortcut or the palette.
    pub(super) fn handle(&mut self, intent: Intent) {
        match intent {
            Intent::Run(command) => self.send(command),
            Intent::Go(route) => self.go(route),
            Intent::Open(window) => self.open(window),
            Intent::Close(window) => self.close(window),
        }
    }

    /// Shows `route`.
    pub(super) fn go(&mut self, route: Route) {
        match route {
            Route::Area(nav) => self.nav = nav,
            Route::ReleaseList => {
                self.nav = Nav::Releases;
                self.detail = None;
            }
            Route::Release(id) => {
                self.nav = Nav::Releases;
                self.send(Command::DismissConflict);
                let members = self
                    .state
                    .release(&id)
                    .map(|r| r.entities.link_vec())
                    .unwrap_or_default();
                self.send(Command::OpenRelease {
                    id: id.clone(),
                    members,
                });
                self.detail = Some(ReleaseDetailView::new(id));
            }
        }
    }

    /// Opens `window` (replacing one of its kind).
    pub(super) fn open(&mut self, window: Window) {
        match window {
            Window::Inspector(action_id) => {
                self.inspector = Some(FailureInspector::new(action_id));
            }
            Window::Entity(kind, id) => {
                self.send(Command::LoadEntity {
                    kind,
                    id: id.clone(),
                });
                self.entity_detail = Some(EntityDetail { kind, id });
            }
            Window::Schedule(request) => {
                self.state.on_schedule_dialog_opened();
                let now = self.worker_options.clock.now();
                self.schedule_dialog = Some(ScheduleDialog::new(request, now));
            }
            Window::Palette => self.palette = Some(Palette::default()),
        }
    }

    /// Closes the window of `kind`, if open.
    pub(super) fn close(&mut self, kind: WindowKind) {
        match kind {
            WindowKind::Inspector => self.inspector = None,
            WindowKind::Entity => self.entity_detail = None,
            WindowKind::Schedule => self.schedule_dialog = None,
            WindowKind::Palette => self.palette = None,
        }
    }

    /// Runs a command of the menus, shortcuts or palette.
    pub(super) fn run_ui_command(&mut self, command: UiCommand, ctx: &egui::Context) {
        match command {
            UiCommand::GoReleases => self.go(Route::ReleaseList),
            UiCommand::GoEntries => self.go(Route::Area(Nav::Entries)),
            UiCommand::GoCalendar => self.go(Route::Area(Nav::Calendar)),
            UiCommand::GoTimeline => self.go(Route::Area(Nav::Timeline)),
            UiCommand::GoSettings => self.go(Route::Area(Nav::Settings)),
            UiCommand::NewRelease => {
                self.go(Route::ReleaseList);
                self.releases.open_create_dialog();
            }
            UiCommand::Reload => match (self.nav, &self.detail) {
                (Nav::Releases, Some(d)) => {
                    let id = d.release_id.clone();
                    self.send(Command::OpenRelease {
                        id,
                        members: Vec::new(),
                    });
                }
                (Nav::Entries, _) => self.entries.reload(),
                (Nav::Calendar, _) => self.calendar.reload(),
                // The list reloads with its own query (search, filter, order).
                _ => self.releases.reload(),
            },
            UiCommand::FocusFilter => self.focus_filter = true,
            UiCommand::CommandPalette => self.open(Window::Palette),
            UiCommand::TestConnection => {
                self.go(Route::Area(Nav::Settings));
                self.send(Command::TestConnection);
            }
            UiCommand::ValidateRelease | UiCommand::PublishRelease | UiCommand::ScheduleRelease => {
                if self.view_actions().contains(&command) {
                    self.run_view_action(command);
                }
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

    /// The current view's actions that apply now, for the palette and the shortcuts: on an
    /// open release, Validate (when idle, not archived and not empty) and Schedule… (when
    /// not archived and not empty), as its own buttons allow them.
    pub(super) fn view_actions(&self) -> Vec<UiCommand> {
        let Some(release) = self
            .detail
            .as_ref()
            .filter(|_| self.nav == Nav::Releases)
            .and_then(|d| self.state.release(&d.release_id))
        else {
            return Vec::new();
        };
        if release.is_archived() || release.entities.is_empty() {
            return Vec::new();
        }
        let idle = self
            .state
            .tracked_for_release(&release.sys.id)
            .is_none_or(|a| a.status.is_final());
        let mut actions = Vec::new();
        if idle {
            actions.push(UiCommand::ValidateRelease);
            actions.push(UiCommand::PublishRelease);
        }
        actions.push(UiCommand::ScheduleRelease);
        actions
    }

    /// Runs a view action on the open release, as its button does.
    fn run_view_action(&mut self, command: UiCommand) {
        let Some(id) = self.detail.as_ref().map(|d| d.release_id.clone()) else {
            return;
        };
        match command {
            UiCommand::ValidateRelease => self.send(Command::RunReleaseAction {
                id,
                action: crate::cma::ActionKind::Validate,
            }),
            UiCommand::PublishRelease => {
                if let Some(detail) = &mut self.detail {
                    detail.ask_to_publish();
                }
            }
            UiCommand::ScheduleRelease => self.open(Window::Schedule(
                super::views::schedule_dialog::ScheduleRequest::for_target(crate::cma::Link::new(
                    crate::cma::LinkType::Release,
                    id,
                )),
            )),
            _ => {}
        }
    }

    /// Carries out what the palette chose.
    pub(super) fn run_palette_choice(&mut self, choice: PaletteChoice, ctx: &egui::Context) {
        match choice {
            PaletteChoice::Command(command) => self.run_ui_command(command, ctx),
            PaletteChoice::Release(id) => self.go(Route::Release(id)),
            PaletteChoice::Entity(kind, id) => self.open(Window::Entity(kind, id)),
        }
    }
}
