//! What the desktop sees of Release Desk: the application id and the window icon, matching the
//! desktop entry and icons in `assets/` that the Debian package installs.
//!
//! The application id is the desktop entry's file name (`release-desk.desktop`), its
//! `StartupWMClass`, the Wayland app id and the X11 `WM_CLASS`, so a desktop matches the
//! running window to its menu entry and icon. The window icon is the 256 px rendering of
//! `assets/icons/release-desk.svg`, compiled in.

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

#[cfg(test)]
mod tests {
    #[test]
    fn window_icon_decodes_to_256_px_rgba() {
        let icon = super::window_icon();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }
}
