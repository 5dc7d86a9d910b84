//! [`Clock`]: where the sandbox, the timeline and the app read "now".
//!
//! One type for all three, so a test hands the *same* manual clock to the sandbox (its scheduler
//! and executor), the journal (received-at times, retention) and the app (views and the worker's
//! schedule followers), and decides when time passes with [`Clock::advance`]: what the server
//! calls "now" is what the views call "now", and no test waits on the wall clock.
//!
//! A manual clock counts milliseconds since the epoch (the CMA's precision) in an atomic, so
//! reading it never blocks and clones share it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A cloneable source of the current instant: the system clock, or one a test moves by hand.
#[derive(Clone, Debug, Default)]
pub struct Clock(Source);

#[derive(Clone, Debug, Default)]
enum Source {
    #[default]
    System,
    /// Milliseconds since the epoch.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Source::System)
    }

    /// A manual clock starting at `start` (truncated to milliseconds).
    pub fn manual(start: jiff::Timestamp) -> Self {
        Self::manual_ms(start.as_millisecond())
    }

    /// A manual clock starting `ms` milliseconds after the epoch.
    pub fn manual_ms(ms: i64) -> Self {
        Self(Source::Manual(Arc::new(AtomicI64::new(ms))))
    }

    /// Whether this clock only moves when told to.
    pub fn is_manual(&self) -> bool {
        matches!(self.0, Source::Manual(_))
    }

    /// Now, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Source::System => jiff::Timestamp::now().as_millisecond(),
            Source::Manual(ms) => ms.load(Ordering::SeqCst),
        }
    }

    /// Now, truncated to milliseconds (what the CMA stores and serves).
    pub fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(self.now_ms()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(ms) = &self.0 {
            let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            ms.fetch_add(by, Ordering::SeqCst);
        }
    }

    /// Sets a manual clock to `to` (no effect on the system clock).
    pub fn set(&self, to: jiff::Timestamp) {
        if let Source::Manual(ms) = &self.0 {
            ms.store(to.as_millisecond(), Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_of_a_manual_clock_move_together() {
        let clock = Clock::manual_ms(1_000);
        let other = clock.clone();
        clock.advance(Duration::from_millis(500));
        assert_eq!(other.now_ms(), 1_500);
        other.set(jiff::Timestamp::from_millisecond(10_000).unwrap());
        assert_eq!(clock.now().as_millisecond(), 10_000);
        assert!(clock.is_manual());
    }

    #[test]
    fn the_system_clock_ignores_advance() {
        let clock = Clock::system();
        let before = clock.now_ms();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now_ms() - before < 3_600_000);
    }
}
