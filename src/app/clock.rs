//! [`AppClock`]: where the app reads "now". The system clock in the desktop app; tests hand in
//! the sandbox's manual clock, so what the views and the worker's followers call "now" is what
//! the server calls "now", and a test decides when time passes.

use std::sync::Arc;

/// A cloneable source of the current instant.
#[derive(Clone)]
pub struct AppClock(Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>);

impl AppClock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(jiff::Timestamp::now))
    }

    /// A clock reading `now` (a test's manual clock).
    pub fn from_fn(now: impl Fn() -> jiff::Timestamp + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The current instant.
    pub fn now(&self) -> jiff::Timestamp {
        (self.0)()
    }
}

impl Default for AppClock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for AppClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppClock({})", self.now())
    }
}
