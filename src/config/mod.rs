//! Where Release Desk keeps its files (from `directories`), connection profiles, and management
//! tokens.
//!
//! Profiles live in `profiles.json` in the config directory. A token is never in that file: it
//! comes from `CONTENTFUL_MANAGEMENT_TOKEN`, or is stored once — in the system keychain through
//! the Secret Service when one answers ([`keychain`]), else in `tokens/<profile id>` with
//! owner-only permissions (0600, directory 0700) — and never displayed or logged again.
//! [`tokens`] decides which, and moves file tokens into the keychain once one is there.

pub mod keychain;
pub mod tokens;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::cma::{AccessToken, ClientConfig, Region};
use crate::private_fs::Access;
pub use keychain::{Keychain, KeychainError};
pub use tokens::{TokenStore, TokenStoreInUse, token_store_note};

/// The environment variable a token may come from.
pub const TOKEN_ENV: &str = "CONTENTFUL_MANAGEMENT_TOKEN";

/// The per-user data directory (`~/.local/share/release-desk` on Linux); falls back to
/// `./release-desk-data` when the platform has none (no home directory).
pub fn data_dir() -> PathBuf {
    project_dirs()
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("release-desk-data"))
}

/// The per-user config directory (`~/.config/release-desk` on Linux).
pub fn config_dir() -> PathBuf {
    project_dirs()
        .map(|dirs| dirs.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("release-desk-config"))
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "Release Desk", "release-desk")
}

/// The embedded sandbox's data directory.
pub fn sandbox_dir() -> PathBuf {
    data_dir().join("sandbox")
}

/// Which API host a profile talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "url", rename_all = "camelCase")]
pub enum RegionSetting {
    /// api.contentful.com
    Us,
    /// api.eu.contentful.com
    Eu,
    /// Any base URL.
    Custom(String),
}

/// A Contentful space to connect to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Stable id (file name of its token).
    pub id: String,
    /// What the user calls it.
    pub name: String,
    /// Space id.
    pub space_id: String,
    /// Environment id.
    pub environment_id: String,
    /// API host.
    pub region: RegionSetting,
    /// Requests per second (plan-dependent; 7 on free plans).
    #[serde(default = "default_rate")]
    pub rate_limit: u32,
}

fn default_rate() -> u32 {
    7
}

/// Why a profile could not be used or saved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The profile is not usable as is.
    #[error("{0}")]
    Invalid(String),
    /// No token: neither stored nor in the environment.
    #[error("no management token: enter one in Settings or set {TOKEN_ENV}")]
    NoToken,
    /// The system keychain failed (locked, or its daemon went away).
    #[error("{0}")]
    Keychain(#[from] KeychainError),
}

fn io(path: &Path, e: impl std::fmt::Display) -> ConfigError {
    ConfigError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The profiles file's name in the config directory.
const PROFILES_FILE: &str = "profiles.json";

fn read_profiles(path: &Path) -> Result<Vec<Profile>, ConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| io(path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(io(path, e)),
    }
}

/// Profiles and tokens in one config directory. Clones share one token store.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
    tokens: Arc<TokenStore>,
}

impl ProfileStore {
    /// A store in `dir` (created on first save) that keeps tokens in owner-only files only
    /// (tests, and anything that must not touch the desktop's keychain).
    pub fn new(dir: PathBuf) -> Self {
        let tokens = TokenStore::files(dir.join("tokens"));
        Self::with_tokens(dir, tokens)
    }

    /// The app's store: tokens in the system keychain when a Secret Service answers (token
    /// files found there are moved into it on first use), else in owner-only files.
    pub fn with_system_keychain(dir: PathBuf) -> Self {
        let tokens = TokenStore::system(dir.join("tokens"));
        Self::with_tokens(dir, tokens)
    }

    /// A store whose tokens are kept in `keychain` (token files in `dir` are moved into it on
    /// first use).
    pub fn with_keychain(dir: PathBuf, keychain: Arc<dyn Keychain>) -> Self {
        let tokens = TokenStore::with_keychain(dir.join("tokens"), keychain);
        Self::with_tokens(dir, tokens)
    }

    fn with_tokens(dir: PathBuf, tokens: TokenStore) -> Self {
        // Keychain items carry the connection's name, read from profiles.json when stored. (Not
        // through `load`, which settles the token store: this runs while it settles.)
        let profiles = dir.join(PROFILES_FILE);
        let label = move |id: &str| {
            let name = read_profiles(&profiles)
                .ok()
                .and_then(|all| all.into_iter().find(|p| p.id == id))
                .map_or_else(|| id.to_owned(), |p| p.name);
            format!("Release Desk: {name} (Contentful management token)")
        };
        Self {
            dir,
            tokens: Arc::new(tokens.with_labels(Arc::new(label))),
        }
    }

    /// Where this store keeps tokens; the first call settles it (a D-Bus round trip, and the
    /// move of token files into the keychain), so call it off the UI thread.
    pub fn token_store(&self) -> TokenStoreInUse {
        self.tokens.in_use()
    }

    /// The directory (other per-user settings, such as saved timeline filters, live here too).
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    fn profiles_path(&self) -> PathBuf {
        self.dir.join(PROFILES_FILE)
    }

    /// Every saved profile (none when the file does not exist; an unreadable file is an error).
    ///
    /// The first call also settles where tokens are kept ([`ProfileStore::token_store`]): the
    /// app reads its connections at start, so that is when token files move into the keychain
    /// and when Settings learns which store is used.
    pub fn load(&self) -> Result<Vec<Profile>, ConfigError> {
        self.tokens.in_use();
        read_profiles(&self.profiles_path())
    }

    /// Saves a profile (replacing one with the same id) and, if given, its token.
    pub fn save(&self, profile: &Profile, token: Option<&AccessToken>) -> Result<(), ConfigError> {
        validate(profile)?;
        std::fs::create_dir_all(&self.dir).map_err(|e| io(&self.dir, e))?;
        let mut all = self.load()?;
        match all.iter_mut().find(|p| p.id == profile.id) {
            Some(slot) => *slot = profile.clone(),
            None => all.push(profile.clone()),
        }
        let path = self.profiles_path();
        let json = serde_json::to_vec_pretty(&all).map_err(|e| io(&path, e))?;
        write_atomic(&path, &json, false)?;
        if let Some(token) = token {
            self.tokens.set(&profile.id, token)?;
        }
        Ok(())
    }

    /// Deletes a profile and its stored token.
    pub fn delete(&self, id: &str) -> Result<(), ConfigError> {
        let mut all = self.load()?;
        all.retain(|p| p.id != id);
        let path = self.profiles_path();
        let json = serde_json::to_vec_pretty(&all).map_err(|e| io(&path, e))?;
        write_atomic(&path, &json, false)?;
        self.tokens.delete(id)
    }

    /// The token of a profile: the stored one, else `CONTENTFUL_MANAGEMENT_TOKEN`.
    pub fn token(&self, id: &str) -> Result<AccessToken, ConfigError> {
        if let Some(token) = self.tokens.get(id)? {
            return Ok(token);
        }
        match std::env::var(TOKEN_ENV) {
            Ok(t) if !t.trim().is_empty() => Ok(AccessToken::new(t.trim())),
            _ => Err(ConfigError::NoToken),
        }
    }

    /// Whether a token is stored for the profile (the token itself is never returned for show).
    pub fn has_stored_token(&self, id: &str) -> bool {
        self.tokens.contains(id)
    }

    /// The client configuration of a profile.
    pub fn client_config(&self, profile: &Profile) -> Result<ClientConfig, ConfigError> {
        self.client_config_with(profile, None)
    }

    /// [`ProfileStore::client_config`] with `token` instead of the stored one when given (a
    /// form being tested before it is saved).
    pub fn client_config_with(
        &self,
        profile: &Profile,
        token: Option<AccessToken>,
    ) -> Result<ClientConfig, ConfigError> {
        let token = match token {
            Some(token) => token,
            None => self.token(&profile.id)?,
        };
        let region = match &profile.region {
            RegionSetting::Us => Region::Us,
            RegionSetting::Eu => Region::Eu,
            RegionSetting::Custom(url) => Region::Custom(
                url::Url::parse(url)
                    .map_err(|e| ConfigError::Invalid(format!("'{url}' is not a URL: {e}")))?,
            ),
        };
        let mut config = ClientConfig::new(
            region,
            token,
            profile.space_id.clone(),
            profile.environment_id.clone(),
        );
        config.rate_limit = std::num::NonZeroU32::new(profile.rate_limit.max(1));
        Ok(config)
    }
}

/// Checks a profile's fields (ids per the CMA's id rule, a name, a parsable custom URL).
pub fn validate(profile: &Profile) -> Result<(), ConfigError> {
    let id_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    if profile.name.trim().is_empty() {
        return Err(ConfigError::Invalid("give the connection a name".into()));
    }
    if !id_ok(&profile.space_id) {
        return Err(ConfigError::Invalid(
            "the space id is letters, digits, '-', '_' or '.' (up to 64)".into(),
        ));
    }
    if !id_ok(&profile.environment_id) {
        return Err(ConfigError::Invalid(
            "the environment id is letters, digits, '-', '_' or '.' (up to 64)".into(),
        ));
    }
    if let RegionSetting::Custom(url) = &profile.region {
        let parsed = url::Url::parse(url)
            .map_err(|e| ConfigError::Invalid(format!("'{url}' is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ConfigError::Invalid(
                "the base URL must be http or https".into(),
            ));
        }
    }
    Ok(())
}

/// Writes through [`crate::private_fs::write_atomic`], so a crash never leaves half a file.
fn write_atomic(path: &Path, bytes: &[u8], secret: bool) -> Result<(), ConfigError> {
    let access = if secret {
        Access::OwnerOnly
    } else {
        Access::Default
    };
    crate::private_fs::write_atomic(path, bytes, access).map_err(|e| io(path, e))
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| io(path, e))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> Result<(), ConfigError> {
    Ok(())
}
