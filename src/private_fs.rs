//! Files that must not leak or tear: owner-only directories and databases for what holds
//! secrets (the sandbox's database with its bearer token and signing secret, the timeline
//! journal with webhook headers and bodies), and the one way the program writes a whole file —
//! [`write_atomic`]: a temporary file beside the target, flushed to disk, renamed over it, so a
//! crash leaves the old file or the new one, never half of one. Secrets (tokens, the embedded
//! signing secret, the TLS key) are written [`Access::OwnerOnly`] from the first byte.
//!
//! A data directory is made `0700` and a SQLite database with its `-wal` and `-shm` companions
//! `0600`. The database file is created owner-only *before* SQLite opens it, because SQLite gives
//! the WAL and shared-memory files the permissions of the database file; existing files from
//! older versions are narrowed on open. On non-Unix systems these are no-ops (the user's profile
//! directory is already private there).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Who may read a file [`write_atomic`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only its owner (`0600`): tokens, secrets, keys.
    OwnerOnly,
    /// Whatever the process's umask allows (exports, settings without secrets).
    Default,
}

/// Writes `bytes` to `path` through a temporary file in the same directory, synced and then
/// renamed into place; creates the parent directory when missing. An owner-only file is created
/// `0600`, so its content is never readable by others, not even for a moment.
pub fn write_atomic(path: &Path, bytes: &[u8], access: Access) -> io::Result<()> {
    write_atomic_with(path, access, |file| file.write_all(bytes))
}

/// [`write_atomic`] for content that is streamed: `write` fills the temporary file (buffer it
/// if it writes in small pieces); when it fails (or is canceled, as its error says), the
/// temporary is removed and `path` is untouched.
pub fn write_atomic_with<T, E: From<io::Error>>(
    path: &Path,
    access: Access,
    write: impl FnOnce(&mut std::fs::File) -> Result<T, E>,
) -> Result<T, E> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and call, so two writers of one file never share a temporary.
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if access == Access::OwnerOnly {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        let value = write(&mut file)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        Ok(value)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Creates `dir` (and its parents) and makes `dir` itself readable by its owner only.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Makes the SQLite database at `db` and its `-wal`/`-shm` files owner-only, creating an empty
/// database file first when there is none, so SQLite never creates one with a wider mode.
pub fn prepare_private_database(db: &Path) -> io::Result<()> {
    if !db.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(db)?;
    }
    restrict_database_files(db)
}

/// Narrows an existing database and its `-wal`/`-shm` files to owner-only (call after opening,
/// when SQLite may have created the companions).
pub fn restrict_database_files(db: &Path) -> io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = Path::new(&name);
        if path.exists() {
            set_mode(path, 0o600)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/secret.txt");
        write_atomic(&path, b"first", Access::OwnerOnly).unwrap();
        write_atomic(&path, b"second", Access::OwnerOnly).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("secret.txt")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        write_atomic(&path, b"kept", Access::Default).unwrap();
        // A directory in the way of the rename: the write fails, the temporary is removed.
        let blocked = dir.path().join("dir");
        std::fs::create_dir_all(blocked.join("inside")).unwrap();
        assert!(write_atomic(&blocked, b"x", Access::Default).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"kept");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
