//! Stop requests from the operating system. Ctrl-C (SIGINT) and SIGTERM — what systemd, docker
//! and `kill` send — are handled alike, so every long-running command (`sandbox`, `receive`, the
//! window) stops the same graceful way: no new work, deliveries in flight finish or stay queued
//! in the outbox, the journal is flushed.

/// Which request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// Ctrl-C.
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl std::fmt::Display for StopSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Interrupt => "Ctrl-C",
            Self::Terminate => "SIGTERM",
        })
    }
}

/// Resolves when the process is asked to stop. Must be called inside a tokio runtime. If no
/// signal can be listened for at all, it never resolves (the process then stops as it would
/// without this handler).
pub async fn requested() -> StopSignal {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                () = interrupt => StopSignal::Interrupt,
                _ = terminate.recv() => StopSignal::Terminate,
            },
            Err(e) => {
                tracing::warn!(%e, "cannot listen for SIGTERM; only Ctrl-C stops gracefully");
                interrupt.await;
                StopSignal::Interrupt
            }
        }
    }
    #[cfg(not(unix))]
    {
        interrupt.await;
        StopSignal::Interrupt
    }
}
