//! Stop requests from the operating system. Ctrl-C (SIGINT) and SIGTERM — what systemd, docker
//! and `kill` send — are handled alike, so every long-running command (`sandbox`, `receive`, the
//! window) stops the same graceful way: no new work, deliveries in flight finish or stay queued
//! in the outbox, the journal is flushed.
//!
//! Listen *before* announcing readiness ([`StopRequests::listen`]): a signal that arrives
//! between "ready" and the first wait would otherwise kill the process the default way.

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

/// Stop signals being listened for from the moment this was made.
#[derive(Debug)]
pub struct StopRequests {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopRequests {
    /// Starts listening for Ctrl-C and SIGTERM. Must be called inside a tokio runtime. A signal
    /// that cannot be listened for is logged and keeps its default effect.
    pub fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(signal) => Some(signal),
                Err(e) => {
                    tracing::warn!(%e, "cannot listen for {name}; it stops the process abruptly");
                    None
                }
            };
            Self {
                interrupt: listen(SignalKind::interrupt(), "Ctrl-C"),
                terminate: listen(SignalKind::terminate(), "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Resolves at the next stop request (never, if none can be listened for).
    pub async fn next(&mut self) -> StopSignal {
        #[cfg(unix)]
        {
            async fn recv(signal: Option<&mut tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        if signal.recv().await.is_none() {
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = recv(self.interrupt.as_mut()) => StopSignal::Interrupt,
                () = recv(self.terminate.as_mut()) => StopSignal::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            StopSignal::Interrupt
        }
    }
}

/// Prints `line` on stdout for whoever reads it. A long-running command must not die because
/// its reader went away (`… | head`, a supervisor that read the lines it needed): `println!`
/// panics on a closed pipe and so skips the graceful stop. The line is dropped instead; what it
/// said is kept elsewhere (the journal, the database).
pub fn print_line(line: impl std::fmt::Display) {
    use std::io::Write;
    // Nothing to do about a reader that has gone: the command goes on until a stop request.
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
