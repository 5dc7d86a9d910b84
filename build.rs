//! Build script: stamps the version line that `release-desk --version` prints with the commit it
//! was built from.
//!
//! `RELEASE_DESK_VERSION` becomes `0.1.0 (commit 1a2b3c4d5e6f)`. The commit comes from, in order:
//! the `RELEASE_DESK_COMMIT` environment variable (for builds from a source tarball), `git` in the
//! source directory, or nothing — then the line says `(commit unknown)`. A build never fails for
//! want of git.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=RELEASE_DESK_COMMIT");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = std::env::var("RELEASE_DESK_COMMIT")
        .ok()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .or_else(|| git_commit(&manifest_dir));
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let line = match commit {
        Some(commit) => format!("{version} (commit {commit})"),
        None => format!("{version} (commit unknown)"),
    };
    println!("cargo:rustc-env=RELEASE_DESK_VERSION={line}");
}

/// The abbreviated commit of `HEAD`, and asks Cargo to run this script again when `HEAD` moves.
fn git_commit(dir: &Path) -> Option<String> {
    let commit = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    // Re-run when HEAD moves: HEAD itself (a checkout), the branch it points to (a commit) and
    // packed-refs (a gc). In a worktree HEAD lives in the worktree's git dir and the branch in
    // the common one. Only existing files are named: a missing one would re-run every build.
    let git_dir = git(dir, &["rev-parse", "--git-dir"]).map(|p| dir.join(p));
    let common_dir = git(dir, &["rev-parse", "--git-common-dir"]).map(|p| dir.join(p));
    let branch = git(dir, &["symbolic-ref", "-q", "HEAD"]);
    let mut watched = Vec::new();
    if let Some(git_dir) = &git_dir {
        watched.push(git_dir.join("HEAD"));
    }
    if let Some(common_dir) = &common_dir {
        watched.push(common_dir.join("packed-refs"));
        if let Some(branch) = &branch {
            watched.push(common_dir.join(branch));
        }
    }
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    Some(commit)
}

/// One line of `git`'s output, or `None` when git is missing or fails (not a repository).
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let line = text.trim();
    (!line.is_empty()).then(|| line.to_owned())
}
