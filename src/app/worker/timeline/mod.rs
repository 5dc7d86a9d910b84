//! The worker's timeline half. A [`TimelineRequest`] comes in two halves and the compiler
//! routes each: [`JournalRequest`]s go to [`journal::handle`] on a blocking thread (SQLite and
//! files block; the UI thread and the async workers never wait on them), [`TimelineTask`]s to
//! [`sources::handle`] on the runtime.
//!
//! [`JournalRequest`]: crate::app::timeline::JournalRequest
//! [`TimelineTask`]: crate::app::timeline::TimelineTask

pub mod journal;
pub mod sources;

use super::Worker;
use crate::app::event::AppEvent;
use crate::app::timeline::{FILTERS_FILE, JournalRequest, TimelineRequest, TimelineResult};

impl Worker {
    /// Answers one timeline request.
    pub(super) async fn timeline(&self, request: TimelineRequest) {
        match request {
            TimelineRequest::Journal(request) => self.journal(request).await,
            TimelineRequest::Task(task) => {
                let cx = sources::SourcesCtx {
                    client: &self.client,
                    sink: &self.sink,
                    options: &self.options,
                    tasks: &self.timeline_tasks,
                    cancel: &self.cancel,
                };
                sources::handle(cx, task).await;
            }
        }
    }

    /// Answers a journal request on a blocking thread.
    async fn journal(&self, request: JournalRequest) {
        let Some(journal) = self.options.journal.clone() else {
            return;
        };
        let file = self.options.profiles.dir().join(FILTERS_FILE);
        let result = tokio::task::spawn_blocking(move || journal::handle(&journal, &file, request))
            .await
            .unwrap_or_else(|e| TimelineResult::Failed {
                context: "Reading the timeline".into(),
                message: e.to_string(),
            });
        self.sink.send(AppEvent::Timeline(result));
    }
}
