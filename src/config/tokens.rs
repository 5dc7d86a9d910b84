//! Where management tokens are kept: the system keychain when one answers, else owner-only
//! files; and the one-time move of file tokens into the keychain.
//!
//! A [`TokenStore`] decides its backend once, on first use (on the app's worker, never on the
//! UI thread): a [`Keychain`] if it was given one or the system's Secret Service answers, else
//! `tokens/<profile id>` files written 0600 in a 0700 directory. When it settles on a keychain,
//! it first moves every token file it finds there (read, store, read back, then delete the
//! file); a file that cannot be moved stays and is still read, so nothing is lost.
//!
//! The store the app uses ([`TokenStore::system`]) also records what it settled on for the
//! whole process, so Settings can say where tokens are without doing any I/O itself
//! ([`token_store_note`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::keychain::{self, Keychain, SecretServiceKeychain};
use super::{ConfigError, io, restrict, write_atomic};
use crate::cma::AccessToken;

/// How long the first contact with the Secret Service may take before files are used.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the app's token store settled on in this process (set once, by [`TokenStore::system`]).
static SYSTEM_STORE: OnceLock<TokenStoreInUse> = OnceLock::new();

/// Where tokens are kept, as Settings tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStoreInUse {
    /// In a keychain (its name, e.g. "the system keychain (Secret Service)").
    Keychain(String),
    /// In owner-only files in a directory, and why no keychain is used.
    Files {
        /// The `tokens` directory.
        dir: PathBuf,
        /// Why not a keychain ("no system keychain answered").
        reason: String,
    },
}

impl std::fmt::Display for TokenStoreInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Keychain(name) => write!(f, "Tokens are kept in {name}."),
            Self::Files { dir, reason } => write!(
                f,
                "Tokens are kept in owner-only files in {}: {reason}.",
                dir.display()
            ),
        }
    }
}

/// One line for Settings: where the app keeps tokens, once its store has settled (it does on
/// the first use, when the connections are read at start).
pub fn token_store_note() -> String {
    match SYSTEM_STORE.get() {
        Some(in_use) => in_use.to_string(),
        None => {
            "Tokens are kept in the system keychain when one answers, else in owner-only files."
                .to_owned()
        }
    }
}

/// How a store picks its backend.
#[derive(Debug)]
enum Source {
    /// Files only (tests, tools that must not touch a keychain).
    Files,
    /// The session's Secret Service if one answers (the app).
    System,
    /// This keychain (tests; other platforms' keychains).
    Given(Arc<dyn Keychain>),
}

/// What a store settled on.
#[derive(Debug)]
enum Backend {
    Keychain(Arc<dyn Keychain>),
    Files { reason: String },
}

/// Names a profile's keychain item, from its id.
pub type Labeler = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// Management tokens, one per connection profile. `Debug` shows where, never a token.
pub struct TokenStore {
    dir: PathBuf,
    source: Source,
    label: Labeler,
    backend: OnceLock<Backend>,
}

impl std::fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenStore")
            .field("dir", &self.dir)
            .field("source", &self.source)
            .field("backend", &self.backend.get())
            .finish_non_exhaustive()
    }
}

impl TokenStore {
    /// Owner-only files in `dir` only.
    pub fn files(dir: PathBuf) -> Self {
        Self::with_source(dir, Source::Files)
    }

    /// The system keychain (Secret Service) when one answers, else owner-only files in `dir`;
    /// what it settles on is what [`token_store_note`] reports.
    pub fn system(dir: PathBuf) -> Self {
        Self::with_source(dir, Source::System)
    }

    /// `keychain`, with `dir` as the place old token files are moved from.
    pub fn with_keychain(dir: PathBuf, keychain: Arc<dyn Keychain>) -> Self {
        Self::with_source(dir, Source::Given(keychain))
    }

    fn with_source(dir: PathBuf, source: Source) -> Self {
        Self {
            dir,
            source,
            label: Arc::new(|id: &str| format!("Release Desk: Contentful management token ({id})")),
            backend: OnceLock::new(),
        }
    }

    /// Names keychain items with `label` (the app uses the profile's name).
    pub fn with_labels(mut self, label: Labeler) -> Self {
        self.label = label;
        self
    }

    /// The `tokens` directory (files live, or lived, here).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where tokens are kept, settling the backend (and moving file tokens) on first use.
    pub fn in_use(&self) -> TokenStoreInUse {
        self.describe(self.backend())
    }

    fn describe(&self, backend: &Backend) -> TokenStoreInUse {
        match backend {
            Backend::Keychain(k) => TokenStoreInUse::Keychain(k.name().to_owned()),
            Backend::Files { reason } => TokenStoreInUse::Files {
                dir: self.dir.clone(),
                reason: reason.clone(),
            },
        }
    }

    fn backend(&self) -> &Backend {
        self.backend.get_or_init(|| {
            let backend = match &self.source {
                Source::Files => Backend::Files {
                    reason: "this store does not use the system keychain".into(),
                },
                Source::Given(k) => Backend::Keychain(k.clone()),
                Source::System => {
                    match SecretServiceKeychain::probe(keychain::APPLICATION, PROBE_TIMEOUT) {
                        Ok(k) => Backend::Keychain(Arc::new(k)),
                        Err(e) => {
                            // The details go to the log; Settings says it in words.
                            tracing::info!(reason = %e, "no system keychain; tokens stay in owner-only files");
                            Backend::Files {
                                reason: "no system keychain answered".into(),
                            }
                        }
                    }
                }
            };
            if let Backend::Keychain(k) = &backend {
                self.migrate(k.as_ref());
            }
            if matches!(self.source, Source::System) {
                let _ = SYSTEM_STORE.set(self.describe(&backend));
            }
            backend
        })
    }

    /// Moves every token file into the keychain; a file is deleted only once the keychain
    /// returns the very same token.
    fn migrate(&self, keychain: &dyn Keychain) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut moved = 0usize;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(id) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            if !entry.file_type().is_ok_and(|t| t.is_file()) || id.ends_with(".tmp") {
                continue;
            }
            let token = match std::fs::read_to_string(&path) {
                Ok(t) if !t.trim().is_empty() => AccessToken::new(t.trim()),
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!(profile = %id, error = %e, "cannot read a stored token to move it into the keychain");
                    continue;
                }
            };
            let stored = keychain
                .set(&id, &(self.label)(&id), &token)
                .and_then(|()| keychain.get(&id));
            match stored {
                Ok(Some(back)) if back == token => match std::fs::remove_file(&path) {
                    Ok(()) => moved += 1,
                    Err(e) => {
                        tracing::warn!(profile = %id, error = %e, "token copied into the keychain, but its file could not be deleted");
                    }
                },
                Ok(_) => {
                    tracing::warn!(profile = %id, "the keychain did not return the token it was given; keeping the file");
                }
                Err(e) => {
                    tracing::warn!(profile = %id, error = %e, "cannot move a token into the keychain; keeping the file");
                }
            }
        }
        if moved > 0 {
            tracing::info!(
                count = moved,
                "moved stored tokens from owner-only files into {}",
                keychain.name()
            );
            // Gone when empty; anything left in it (an unmovable token) keeps it.
            let _ = std::fs::remove_dir(&self.dir);
        }
    }

    fn file(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    fn read_file(&self, id: &str) -> Result<Option<AccessToken>, ConfigError> {
        let path = self.file(id);
        match std::fs::read_to_string(&path) {
            Ok(t) if !t.trim().is_empty() => Ok(Some(AccessToken::new(t.trim()))),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path, e)),
        }
    }

    fn remove_file(&self, id: &str) -> Result<(), ConfigError> {
        let path = self.file(id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path, e)),
        }
    }

    /// The stored token of a profile (the keychain's, else a file's), if any.
    pub fn get(&self, id: &str) -> Result<Option<AccessToken>, ConfigError> {
        if let Backend::Keychain(k) = self.backend()
            && let Some(token) = k.get(id).map_err(ConfigError::Keychain)?
        {
            return Ok(Some(token));
        }
        // Files: the fallback store, and any token the keychain could not take.
        self.read_file(id)
    }

    /// Stores a profile's token: in the keychain (and then no file is left for it), else in
    /// an owner-only file. A keychain that fails is an error, never a silent downgrade to a file.
    pub fn set(&self, id: &str, token: &AccessToken) -> Result<(), ConfigError> {
        match self.backend() {
            Backend::Keychain(k) => {
                k.set(id, &(self.label)(id), token)
                    .map_err(ConfigError::Keychain)?;
                self.remove_file(id)
            }
            Backend::Files { .. } => {
                std::fs::create_dir_all(&self.dir).map_err(|e| io(&self.dir, e))?;
                restrict(&self.dir, 0o700)?;
                write_atomic(&self.file(id), token.expose().as_bytes(), true)
            }
        }
    }

    /// Deletes a profile's token wherever it is.
    pub fn delete(&self, id: &str) -> Result<(), ConfigError> {
        if let Backend::Keychain(k) = self.backend() {
            k.delete(id).map_err(ConfigError::Keychain)?;
        }
        self.remove_file(id)
    }

    /// Whether a token is stored for a profile (without reading it).
    pub fn contains(&self, id: &str) -> bool {
        let in_keychain = match self.backend() {
            Backend::Keychain(k) => k.contains(id).unwrap_or_else(|e| {
                tracing::warn!(profile = %id, error = %e, "cannot ask the keychain for a token");
                false
            }),
            Backend::Files { .. } => false,
        };
        in_keychain || self.file(id).is_file()
    }
}
