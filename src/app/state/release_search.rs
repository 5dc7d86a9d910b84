//! [`ReleaseSearch`]: the command palette's search of releases by title, on the server
//! (`title[match]`, latest wins): the words of the newest request and the matches of the
//! newest reply, so a slow reply to older words never replaces newer ones.

/// The palette's latest release search.
#[derive(Debug, Clone, Default)]
pub struct ReleaseSearch {
    /// The words of the latest request; replies to others are stale.
    pub search: String,
    /// (id, title) of the matches of the last reply, kept while a newer search loads so the
    /// list does not flicker.
    pub hits: Vec<(String, String)>,
    /// Whether the latest request is unanswered.
    pub loading: bool,
    /// The last failure.
    pub error: Option<String>,
}

impl ReleaseSearch {
    /// A search for `search` was sent.
    pub(super) fn start(&mut self, search: &str) {
        search.clone_into(&mut self.search);
        self.loading = true;
    }

    /// The server answered `search`; dropped unless it is the latest request.
    pub(super) fn answered(&mut self, search: &str, hits: Vec<(String, String)>) {
        if self.search != search {
            return;
        }
        self.hits = hits;
        self.loading = false;
        self.error = None;
    }

    /// The latest search failed.
    pub(super) fn failed(&mut self, message: String) {
        self.loading = false;
        self.error = Some(message);
    }
}
