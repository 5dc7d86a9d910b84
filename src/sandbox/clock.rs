//! An injectable clock: the system clock in production, a settable one in tests.

use std::sync::{Arc, Mutex};

use crate::cma::Timestamp;

/// Where the sandbox reads "now".
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock tests move by hand.
    Manual(Arc<Mutex<jiff::Timestamp>>),
}

impl Clock {
    /// A manual clock starting at `start`.
    pub fn manual(start: jiff::Timestamp) -> Self {
        Self::Manual(Arc::new(Mutex::new(start)))
    }

    /// The current instant, truncated to milliseconds (the CMA's precision).
    pub fn now(&self) -> Timestamp {
        let now = match self {
            Self::System => jiff::Timestamp::now(),
            Self::Manual(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        };
        Timestamp::from_millis(now.as_millisecond()).unwrap_or(Timestamp(now))
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: std::time::Duration) {
        if let Self::Manual(t) = self {
            let mut guard = t.lock().unwrap_or_else(|e| e.into_inner());
            if let Ok(span) = jiff::SignedDuration::try_from(by)
                && let Ok(next) = guard.checked_add(span)
            {
                *guard = next;
            }
        }
    }
}
