//! Choosing files to open and to save: the desktop's dialog (rfd: the XDG portal, else zenity)
//! when there is one; when there is none, a save goes to the user's downloads folder and the
//! notice says where — an export never fails for want of a dialog. Tests hand in the file
//! ([`FileChoice::Given`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::FileChoice;

/// A dialog that "answers" faster than this never showed: nobody closes one that quickly.
const NO_DIALOG: Duration = Duration::from_millis(150);

/// Where a save goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveTarget {
    /// The file the user chose (or a test gave).
    Chosen(PathBuf),
    /// No dialog could open: this file in the downloads folder.
    Downloads(PathBuf),
    /// The user closed the dialog: nothing is written.
    Canceled,
}

impl SaveTarget {
    /// The file to write, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Chosen(path) | Self::Downloads(path) => Some(path),
            Self::Canceled => None,
        }
    }

    /// What the success notice adds ("; no save dialog is available here, so it went to your
    /// downloads folder").
    pub fn note(&self) -> &'static str {
        match self {
            Self::Downloads(_) => {
                " (no save dialog is available here, so it went to your downloads folder)"
            }
            _ => "",
        }
    }
}

/// Asks where to save `file_name` (a filter of `kind` for `extension`).
pub async fn save_file(
    choice: &FileChoice,
    title: &str,
    file_name: &str,
    kind: &str,
    extension: &str,
) -> SaveTarget {
    if let FileChoice::Given(path) = choice {
        return SaveTarget::Chosen(path.clone());
    }
    let asked = Instant::now();
    let chosen = if dialog_possible() {
        rfd::AsyncFileDialog::new()
            .set_title(title)
            .set_file_name(file_name)
            .add_filter(kind, &[extension])
            .save_file()
            .await
    } else {
        None
    };
    match chosen {
        Some(handle) => SaveTarget::Chosen(handle.path().to_path_buf()),
        None if dialog_possible() && asked.elapsed() >= NO_DIALOG => SaveTarget::Canceled,
        None => SaveTarget::Downloads(unused_name(&downloads_dir(), file_name)),
    }
}

/// Asks for a file to open (`kind` files with one of `extensions`); `None` when the dialog
/// was closed or none can open.
pub async fn open_file(
    choice: &FileChoice,
    title: &str,
    kind: &str,
    extensions: &[&str],
) -> Option<PathBuf> {
    if let FileChoice::Given(path) = choice {
        return Some(path.clone());
    }
    rfd::AsyncFileDialog::new()
        .set_title(title)
        .add_filter(kind, extensions)
        .pick_file()
        .await
        .map(|handle| handle.path().to_path_buf())
}

/// Whether a dialog can open at all: a session bus (for the portal) or zenity.
fn dialog_possible() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() || on_path("zenity")
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The user's downloads folder, else their home, else the working directory.
fn downloads_dir() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|dirs| {
            dirs.download_dir()
                .map(Path::to_path_buf)
                .or_else(|| Some(dirs.home_dir().to_path_buf()))
        })
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `dir/file_name`, or `dir/stem (2).ext`, … when that exists: a fallback never overwrites.
fn unused_name(dir: &Path, file_name: &str) -> PathBuf {
    let first = dir.join(file_name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match file_name.rsplit_once('.') {
        Some((stem, ext)) => (stem, format!(".{ext}")),
        None => (file_name, String::new()),
    };
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|path| !path.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::private_fs::Access;

    #[test]
    fn a_fallback_name_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(unused_name(dir.path(), "a.ics"), dir.path().join("a.ics"));
        let touch = |name: &str| {
            crate::private_fs::write_atomic(&dir.path().join(name), b"x", Access::Default).unwrap()
        };
        touch("a.ics");
        touch("a (2).ics");
        assert_eq!(
            unused_name(dir.path(), "a.ics"),
            dir.path().join("a (3).ics")
        );
        touch("README");
        assert_eq!(
            unused_name(dir.path(), "README"),
            dir.path().join("README (2)")
        );
    }
}
