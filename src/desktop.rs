//! What the desktop sees of Release Desk: the application id and the window icon, matching the
//! desktop entry and icons in `assets/` that the Debian package installs.
//!
//! The application id is the desktop entry's file name (`release-desk.desktop`), its
//! `StartupWMClass`, the Wayland app id and the X11 `WM_CLASS`, so a desktop matches the
//! running window to its menu entry and icon. The window icon is the 256 px rendering of
//! `assets/icons/release-desk.svg`, compiled in. [`run_window`] opens the main window on the
//! embedded sandbox (what `release-desk` with no command does); when the app cannot start at
//! all, [`show_start_failure`] says why in a small window, since a menu launch has no terminal.

use std::sync::Arc;

/// The application id (see the module doc).
pub const APP_ID: &str = "release-desk";

/// The window icon's PNG (`assets/icons/release-desk-256.png`).
pub const WINDOW_ICON_PNG: &[u8] = include_bytes!("../assets/icons/release-desk-256.png");

/// The window icon, decoded. A PNG that would not decode (it is compiled in and tested, so it
/// does) gives an empty icon, and the desktop's default icon shows instead.
pub fn window_icon() -> Arc<egui::IconData> {
    let icon = eframe::icon_data::from_png_bytes(WINDOW_ICON_PNG).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the window icon did not decode");
        egui::IconData::default()
    });
    Arc::new(icon)
}

/// Opens the main window on the embedded sandbox (data in the user's data directory) and
/// returns when it is closed. The worker and the local servers run on `runtime`; eframe runs on
/// the calling (main) thread inside it. Ctrl-C or SIGTERM closes the window the normal way.
/// The error is one sentence for stderr (a start failure has also been shown in a window).
pub fn run_window(runtime: &tokio::runtime::Runtime) -> Result<(), String> {
    let _enter = runtime.enter();
    let data_dir = crate::config::data_dir();
    let (embedded, client, connection) =
        match runtime.block_on(crate::embedded::start_embedded(data_dir.clone())) {
            Ok(started) => started,
            Err(e) => {
                let detail = format!("Data directory: {}", data_dir.display());
                // A launch from the application menu has no terminal: say it in a window too.
                let _ = show_start_failure(&e.to_string(), &detail);
                return Err(format!("{e} ({detail})"));
            }
        };
    let timeline = embedded.timeline.subscribe();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Release Desk")
            .with_app_id(APP_ID)
            .with_icon(window_icon())
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([900.0, 560.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let setup = crate::app::AppSetup {
        client,
        connection,
        worker: crate::app::worker::WorkerOptions {
            receiver_secret: crate::embedded::load_or_create_secret(&data_dir).ok(),
            alerts: embedded.timeline.alerts().map(|handle| {
                // A desktop app has a desktop: `notify` rules show there too.
                handle.set_desktop_notifications(true);
                crate::app::worker::AppAlerts {
                    handle: handle.clone(),
                    file: data_dir.join(crate::embedded::ALERTS_FILE),
                }
            }),
            ..crate::app::worker::WorkerOptions::new(true)
        },
        timeline: Some(timeline),
        journal: Some(embedded.timeline.journal().clone()),
        keep_alive: Some(Box::new(embedded)),
    };
    eframe::run_native(
        "Release Desk",
        options,
        Box::new(move |cc| {
            // Ctrl-C or SIGTERM closes the window the normal way (state saved, servers stopped;
            // unfinished webhook deliveries stay in the sandbox's outbox for the next start).
            let ctx = cc.egui_ctx.clone();
            let mut stop = crate::shutdown::StopRequests::listen();
            tokio::spawn(async move {
                let signal = stop.next().await;
                tracing::info!(%signal, "closing the window");
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            });
            let mut app = crate::app::App::new(&cc.egui_ctx, setup)
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            app.restore(crate::app::memory::UiMemory::load(cc.storage));
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("the window could not open: {e}"))
}

/// Says, in a small window, why the app could not start (a desktop user launching it from the
/// menu never sees stderr): for example another process serving its sandbox's data directory.
/// Returns when the window is closed; fails when no window can open (no display).
pub fn show_start_failure(message: &str, detail: &str) -> Result<(), eframe::Error> {
    let mut chars = message.chars();
    let message: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    let detail = detail.to_owned();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Release Desk could not start")
            .with_app_id(APP_ID)
            .with_icon(window_icon())
            .with_inner_size([560.0, 240.0])
            .with_resizable(false),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    eframe::run_ui_native("Release Desk", options, move |ui, _frame| {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(8.0);
            ui.heading("Release Desk could not start");
            ui.add_space(8.0);
            ui.label(egui::RichText::new(&message).strong());
            ui.label(egui::RichText::new(&detail).small().weak());
            ui.add_space(8.0);
            ui.label(
                "If another Release Desk or `release-desk sandbox` is running, close it (or \
                 `systemctl --user stop release-desk-sandbox`) and open Release Desk again.",
            );
            ui.add_space(12.0);
            if ui.button("Close").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
        });
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn window_icon_decodes_to_256_px_rgba() {
        let icon = super::window_icon();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }
}
