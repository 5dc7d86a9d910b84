//! What the desktop sees of Release Desk: the application id and the window icon, matching the
//! desktop entry and icons in `assets/` that the Debian package installs.
//!
//! The application id is the desktop entry's file name (`release-desk.desktop`), its
//! `StartupWMClass`, the Wayland app id and the X11 `WM_CLASS`, so a desktop matches the
//! running window to its menu entry and icon. The window icon is the 256 px rendering of
//! `assets/icons/release-desk.svg`, compiled in. When the app cannot start at all,
//! [`show_start_failure`] says why in a small window, since a menu launch has no terminal.

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
