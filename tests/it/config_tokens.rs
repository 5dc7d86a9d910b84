//! Where tokens are kept: owner-only files as the fallback, the move of file tokens into a
//! keychain on first use, a keychain that fails (never a silent downgrade, never the token in
//! an error), and the real Secret Service when one is reachable.
//!
//! The Secret Service test needs a session bus with a keyring daemon; without one it passes
//! with a note on stderr. `.ci/run` runs this module again inside `dbus-run-session` with a
//! headless `gnome-keyring-daemon` and `RELEASE_DESK_REQUIRE_KEYCHAIN=1`, which turns that
//! skip into a failure.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use release_desk::cma::AccessToken;
use release_desk::config::keychain::SecretServiceKeychain;
use release_desk::config::{
    Keychain, KeychainError, Profile, ProfileStore, RegionSetting, TokenStoreInUse,
};

const SECRET: &str = "CFPAT-very-secret-value";

fn profile(id: &str, name: &str) -> Profile {
    Profile {
        id: id.into(),
        name: name.into(),
        space_id: "abc123".into(),
        environment_id: "master".into(),
        region: RegionSetting::Us,
        rate_limit: 7,
    }
}

/// An in-memory keychain; `refuse` lists profile ids whose tokens it will not take.
#[derive(Debug, Default)]
struct FakeKeychain {
    items: Mutex<HashMap<String, (String, AccessToken)>>,
    refuse: Vec<String>,
}

impl FakeKeychain {
    fn refusing(ids: &[&str]) -> Self {
        Self {
            refuse: ids.iter().map(|s| (*s).to_owned()).collect(),
            ..Self::default()
        }
    }

    fn label(&self, id: &str) -> Option<String> {
        self.items.lock().unwrap().get(id).map(|(l, _)| l.clone())
    }
}

impl Keychain for FakeKeychain {
    fn name(&self) -> &str {
        "the fake keychain"
    }
    fn get(&self, id: &str) -> Result<Option<AccessToken>, KeychainError> {
        Ok(self.items.lock().unwrap().get(id).map(|(_, t)| t.clone()))
    }
    fn set(&self, id: &str, label: &str, token: &AccessToken) -> Result<(), KeychainError> {
        if self.refuse.iter().any(|r| r == id) {
            return Err(KeychainError::new("the keyring stayed locked"));
        }
        let item = (label.to_owned(), token.clone());
        self.items.lock().unwrap().insert(id.to_owned(), item);
        Ok(())
    }
    fn delete(&self, id: &str) -> Result<(), KeychainError> {
        self.items.lock().unwrap().remove(id);
        Ok(())
    }
    fn contains(&self, id: &str) -> Result<bool, KeychainError> {
        Ok(self.items.lock().unwrap().contains_key(id))
    }
}

#[test]
fn without_a_keychain_tokens_live_in_owner_only_files_and_settings_says_so() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = ProfileStore::new(dir.path().to_path_buf());
    store
        .save(
            &profile("prod", "Production"),
            Some(&AccessToken::new(SECRET)),
        )
        .unwrap();
    let file = dir.path().join("tokens/prod");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(store.token("prod").unwrap().expose(), SECRET);
    assert!(store.has_stored_token("prod"));
    let in_use = store.token_store();
    assert!(
        matches!(in_use, TokenStoreInUse::Files { .. }),
        "{in_use:?}"
    );
    let note = in_use.to_string();
    assert!(note.contains("owner-only files"), "{note}");
    assert!(note.contains(&dir.path().join("tokens").display().to_string()));
    assert!(!format!("{store:?}").contains(SECRET));
}

#[test]
fn file_tokens_move_into_the_keychain_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    // An earlier version stored two tokens in files.
    let old = ProfileStore::new(dir.path().to_path_buf());
    old.save(
        &profile("prod", "Production"),
        Some(&AccessToken::new(SECRET)),
    )
    .unwrap();
    old.save(
        &profile("stage", "Staging"),
        Some(&AccessToken::new("CFPAT-two")),
    )
    .unwrap();
    assert!(dir.path().join("tokens/prod").exists());

    let keychain = Arc::new(FakeKeychain::default());
    let store = ProfileStore::with_keychain(dir.path().to_path_buf(), keychain.clone());
    // The app reads its connections at start: that moves the tokens.
    assert_eq!(store.load().unwrap().len(), 2);
    // Moved: in the keychain under the connection's name, the files and their folder gone.
    assert!(!dir.path().join("tokens").exists());
    assert_eq!(
        store.token_store(),
        TokenStoreInUse::Keychain("the fake keychain".into())
    );
    assert_eq!(store.token("prod").unwrap().expose(), SECRET);
    assert_eq!(store.token("stage").unwrap().expose(), "CFPAT-two");
    assert!(store.has_stored_token("prod"));
    assert_eq!(
        keychain.label("prod").unwrap(),
        "Release Desk: Production (Contentful management token)"
    );
    assert!(!format!("{store:?}").contains(SECRET));

    // Saving and deleting go to the keychain; no file appears.
    store
        .save(
            &profile("new", "New"),
            Some(&AccessToken::new("CFPAT-three")),
        )
        .unwrap();
    assert!(!dir.path().join("tokens/new").exists());
    assert_eq!(store.token("new").unwrap().expose(), "CFPAT-three");
    store.delete("prod").unwrap();
    assert!(!store.has_stored_token("prod"));
    assert!(keychain.get("prod").unwrap().is_none());
}

#[test]
fn a_token_the_keychain_refuses_stays_in_its_file_and_errors_never_show_it() {
    let dir = tempfile::tempdir().unwrap();
    let old = ProfileStore::new(dir.path().to_path_buf());
    old.save(
        &profile("prod", "Production"),
        Some(&AccessToken::new(SECRET)),
    )
    .unwrap();
    old.save(
        &profile("stage", "Staging"),
        Some(&AccessToken::new("CFPAT-two")),
    )
    .unwrap();

    let keychain = Arc::new(FakeKeychain::refusing(&["prod", "other"]));
    let store = ProfileStore::with_keychain(dir.path().to_path_buf(), keychain.clone());
    // The refused one keeps its file and still works; the other one moved.
    assert_eq!(store.token("prod").unwrap().expose(), SECRET);
    assert!(dir.path().join("tokens/prod").exists());
    assert!(!dir.path().join("tokens/stage").exists());
    assert!(store.has_stored_token("prod"));

    // Saving into a failing keychain is an error, not a quiet fallback to a file.
    let err = store
        .save(&profile("other", "Other"), Some(&AccessToken::new(SECRET)))
        .unwrap_err();
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(!err.to_string().contains(SECRET));
    assert!(!format!("{err:?}").contains(SECRET));
    assert!(!dir.path().join("tokens/other").exists());
}

/// Prints past the test harness's capture, so a skip is visible in `cargo test` output.
fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "note: {text}");
}

#[test]
fn the_secret_service_keeps_tokens_when_one_is_reachable() {
    // Items carry an application attribute of their own: this never touches real tokens.
    let application = format!("release-desk-test-{}", std::process::id());
    let keychain = match SecretServiceKeychain::probe(&application, Duration::from_secs(10)) {
        Ok(k) => k,
        Err(e) => {
            assert!(
                std::env::var_os("RELEASE_DESK_REQUIRE_KEYCHAIN").is_none(),
                "RELEASE_DESK_REQUIRE_KEYCHAIN is set but no Secret Service answered: {e}"
            );
            note(&format!(
                "skipped the Secret Service test: {e} (.ci/run runs it in a D-Bus session with gnome-keyring)"
            ));
            return;
        }
    };
    let keychain = Arc::new(keychain);
    assert_eq!(keychain.get("prod").unwrap(), None);
    assert!(!keychain.contains("prod").unwrap());

    // A token saved by an earlier version moves into the keychain on first use.
    let dir = tempfile::tempdir().unwrap();
    ProfileStore::new(dir.path().to_path_buf())
        .save(
            &profile("prod", "Production"),
            Some(&AccessToken::new(SECRET)),
        )
        .unwrap();
    let store = ProfileStore::with_keychain(dir.path().to_path_buf(), keychain.clone());
    assert_eq!(
        store.token_store(),
        TokenStoreInUse::Keychain("the system keychain (Secret Service)".into())
    );
    assert!(!dir.path().join("tokens/prod").exists());
    assert_eq!(keychain.get("prod").unwrap().unwrap().expose(), SECRET);
    assert!(store.has_stored_token("prod"));

    // Replacing keeps one item; deleting removes it.
    store
        .save(
            &profile("prod", "Production"),
            Some(&AccessToken::new("CFPAT-rotated")),
        )
        .unwrap();
    assert_eq!(store.token("prod").unwrap().expose(), "CFPAT-rotated");
    store.delete("prod").unwrap();
    assert!(!keychain.contains("prod").unwrap());
    assert_eq!(keychain.get("prod").unwrap(), None);
    keychain.delete("prod").unwrap();
    note("the Secret Service test ran against a live keyring");
}
