//! Owner-only files and directories for what holds secrets: the sandbox's database (its bearer
//! token and signing secret) and the timeline journal (webhook headers and bodies).
//!
//! A data directory is made `0700` and a SQLite database with its `-wal` and `-shm` companions
//! `0600`. The database file is created owner-only *before* SQLite opens it, because SQLite gives
//! the WAL and shared-memory files the permissions of the database file; existing files from
//! older versions are narrowed on open. On non-Unix systems these are no-ops (the user's profile
//! directory is already private there).

use std::io;
use std::path::Path;

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
