//! The system keychain: management tokens kept by the desktop's freedesktop Secret Service
//! (GNOME Keyring, KWallet, KeePassXC…), one item per connection profile.
//!
//! [`Keychain`] is the narrow interface the token store needs; [`SecretServiceKeychain`] speaks
//! it over D-Bus with the pure-Rust `secret-service` crate (zbus on the async-io runtime that
//! accesskit already uses, so no second D-Bus stack and no libdbus). Secrets travel encrypted
//! (a Diffie-Hellman session), and an item is found by its attributes, never by its label:
//!
//! | attribute     | value                                  |
//! |---------------|----------------------------------------|
//! | `application` | `release-desk`                         |
//! | `profile`     | the profile id (`profiles.json`)       |
//! | `xdg:schema`  | `dev.releasedesk.ManagementToken`      |
//!
//! so `secret-tool lookup application release-desk profile <id>` finds one too.
//!
//! Every call opens its own short D-Bus connection: calls are rare (reading the connection list,
//! switching, saving), and a keychain daemon that restarted is simply found again. Calls block;
//! the app makes them on its worker, never on the UI thread.

use std::collections::HashMap;
use std::time::Duration;

use secret_service::EncryptionType;
use secret_service::blocking::{Item, SecretService};

use crate::cma::AccessToken;

/// The `application` attribute of the items the app itself keeps.
pub const APPLICATION: &str = "release-desk";

/// The `xdg:schema` attribute of every item (desktop keychain browsers group by it).
pub const SCHEMA: &str = "dev.releasedesk.ManagementToken";

/// Why the keychain could not be used. The message never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeychainError(String);

impl KeychainError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// A place outside the config directory that keeps one token per connection profile.
pub trait Keychain: Send + Sync + std::fmt::Debug {
    /// What Settings calls it ("the system keychain (Secret Service)").
    fn name(&self) -> &str;
    /// The token stored for a profile, if any.
    fn get(&self, profile_id: &str) -> Result<Option<AccessToken>, KeychainError>;
    /// Stores (or replaces) a profile's token; `label` is what a keychain browser shows.
    fn set(&self, profile_id: &str, label: &str, token: &AccessToken) -> Result<(), KeychainError>;
    /// Deletes a profile's token; deleting one that is not there is not an error.
    fn delete(&self, profile_id: &str) -> Result<(), KeychainError>;
    /// Whether a token is stored for a profile. It does not read the secret, so it never asks
    /// the user to unlock anything.
    fn contains(&self, profile_id: &str) -> Result<bool, KeychainError>;
}

/// The freedesktop Secret Service on the session bus.
#[derive(Debug, Clone)]
pub struct SecretServiceKeychain {
    application: String,
}

impl SecretServiceKeychain {
    /// Connects once to check that a Secret Service answers and has a default collection (the
    /// one a desktop unlocks at login), giving up after `timeout`. `application` is the value
    /// of the `application` attribute ([`APPLICATION`] for the app; tests use their own so they
    /// never touch real items).
    pub fn probe(application: &str, timeout: Duration) -> Result<Self, KeychainError> {
        let keychain = Self {
            application: application.to_owned(),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let probe = keychain.clone();
        // A D-Bus activation that hangs must not hang the caller: probe on a thread of its own.
        std::thread::Builder::new()
            .name("keychain-probe".into())
            .spawn(move || {
                let result = probe.with_service(|ss| {
                    ss.get_default_collection().map(|_| ()).map_err(|e| {
                        KeychainError(format!("the Secret Service has no default keyring ({e})"))
                    })
                });
                let _ = tx.send(result);
            })
            .map_err(|e| KeychainError(format!("cannot start the keychain probe: {e}")))?;
        match rx.recv_timeout(timeout) {
            Ok(Ok(())) => Ok(keychain),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(KeychainError(format!(
                "the Secret Service did not answer within {} s",
                timeout.as_secs()
            ))),
        }
    }

    fn attributes<'a>(&'a self, profile_id: &'a str) -> HashMap<&'a str, &'a str> {
        HashMap::from([
            ("application", self.application.as_str()),
            ("profile", profile_id),
        ])
    }

    fn with_service<T>(
        &self,
        f: impl FnOnce(&SecretService<'_>) -> Result<T, KeychainError>,
    ) -> Result<T, KeychainError> {
        let ss = SecretService::connect(EncryptionType::Dh).map_err(|e| match e {
            secret_service::Error::Unavailable => {
                KeychainError("no Secret Service on the session bus".into())
            }
            e => KeychainError(format!("cannot reach the Secret Service: {e}")),
        })?;
        f(&ss)
    }

    /// Every item of a profile, unlocked (which may ask the user for the keyring password).
    fn items<'a>(
        &self,
        ss: &'a SecretService<'a>,
        profile_id: &str,
    ) -> Result<Vec<Item<'a>>, KeychainError> {
        let found = ss.search_items(self.attributes(profile_id)).map_err(fail)?;
        if !found.locked.is_empty() {
            let locked: Vec<&Item<'_>> = found.locked.iter().collect();
            ss.unlock_all(&locked).map_err(fail)?;
        }
        Ok(found.unlocked.into_iter().chain(found.locked).collect())
    }
}

fn fail(e: secret_service::Error) -> KeychainError {
    match e {
        secret_service::Error::Prompt => {
            KeychainError("the keyring stayed locked (the unlock prompt was dismissed)".into())
        }
        e => KeychainError(format!("the system keychain failed: {e}")),
    }
}

impl Keychain for SecretServiceKeychain {
    fn name(&self) -> &str {
        "the system keychain (Secret Service)"
    }

    fn get(&self, profile_id: &str) -> Result<Option<AccessToken>, KeychainError> {
        self.with_service(|ss| {
            let Some(item) = self.items(ss, profile_id)?.into_iter().next() else {
                return Ok(None);
            };
            let secret = item.get_secret().map_err(fail)?;
            let text = String::from_utf8(secret)
                .map_err(|_| KeychainError("the stored token is not text".into()))?;
            let token = text.trim();
            Ok((!token.is_empty()).then(|| AccessToken::new(token)))
        })
    }

    fn set(&self, profile_id: &str, label: &str, token: &AccessToken) -> Result<(), KeychainError> {
        self.with_service(|ss| {
            let collection = ss.get_default_collection().map_err(fail)?;
            if collection.is_locked().map_err(fail)? {
                collection.unlock().map_err(fail)?;
            }
            let mut attributes = self.attributes(profile_id);
            attributes.insert("xdg:schema", SCHEMA);
            collection
                .create_item(
                    label,
                    attributes,
                    token.expose().as_bytes(),
                    true,
                    "text/plain",
                )
                .map_err(fail)?;
            Ok(())
        })
    }

    fn delete(&self, profile_id: &str) -> Result<(), KeychainError> {
        self.with_service(|ss| {
            for item in self.items(ss, profile_id)? {
                item.delete().map_err(fail)?;
            }
            Ok(())
        })
    }

    fn contains(&self, profile_id: &str) -> Result<bool, KeychainError> {
        self.with_service(|ss| {
            let found = ss.search_items(self.attributes(profile_id)).map_err(fail)?;
            Ok(!found.unlocked.is_empty() || !found.locked.is_empty())
        })
    }
}
