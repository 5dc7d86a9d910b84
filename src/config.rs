//! Where Release Desk keeps its files (from `directories`), and, as the app lands, connection
//! profiles and secret handling.

use std::path::PathBuf;

/// The per-user data directory (`~/.local/share/release-desk` on Linux); falls back to
/// `./release-desk-data` when the platform has none (no home directory).
pub fn data_dir() -> PathBuf {
    directories::ProjectDirs::from("dev", "Release Desk", "release-desk")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("release-desk-data"))
}

/// The embedded sandbox's data directory.
pub fn sandbox_dir() -> PathBuf {
    data_dir().join("sandbox")
}
