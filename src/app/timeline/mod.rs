//! The timeline's data on the app side: a window onto the journal, never a copy of it.
//!
//! The list is *anchored*: it shows the events matching a filter with an id up to
//! [`TimelineRows::anchor`], newest first, and knows their number ([`TimelineRows::total`],
//! from `Journal::count_before`) — that is the scroll height, whatever the journal holds. Rows
//! are cached by **rank** (0 = the oldest matching event), which never changes when newer events
//! arrive, so pages fetched earlier stay valid when the list re-anchors. Pages of [`PAGE`] ranks
//! are fetched by the worker (blocking SQLite on `spawn_blocking`), at most [`MAX_CACHED_PAGES`]
//! kept; a page is fetched from the nearest cached id above it, so scrolling is an index range
//! scan and only a jump far away pays an `OFFSET` walk.
//!
//! Live: every notice of the journal bumps [`TimelineRows::live_seq`]; the view asks the worker
//! to catch up (`Journal::after` the anchor). While following, new events are appended at the
//! top ranks and the anchor moves; otherwise they are only counted ("N new events").
//!
//! Architecture Invariant: nothing here does I/O; [`TimelineRequest`]s go to the worker and
//! come back as [`TimelineResult`]s applied by [`TimelineRows::apply`].
//!
//! - [`filter`]: what the filter bar offers and chose, turned into a journal
//!   [`EventFilter`](crate::timeline::EventFilter); the saved-filters file's name.
//! - [`protocol`]: the requests to the worker — split in two, so the compiler
//!   routes each to its handler — and the results.
//! - [`rows`]: the row cache, the detail, the export, rate and sources state.
//! - [`titles`]: summaries with the titles the app knows instead of ids.

pub mod filter;
pub mod protocol;
pub mod rows;
pub mod titles;

pub use filter::*;
pub use protocol::*;
pub use rows::*;
