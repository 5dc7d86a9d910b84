//! What the state can name: the title of an entry, asset or release it knows, by link. Views
//! use it to show titles instead of ids and fall back to the id (asking the worker to resolve
//! entries and assets with [`ViewCtx::resolve`](crate::app::views::ViewCtx::resolve)) when it
//! answers `None`.

use super::AppState;
use crate::cma::{Link, LinkType};

impl AppState {
    /// The title of what `link` points at, when the app has it: an entry's or asset's
    /// display title from the entity cache, a release's title from the loaded releases.
    /// `None` for anything not loaded and for other kinds of links.
    pub fn link_title(&self, link: &Link) -> Option<String> {
        match link.link_type() {
            LinkType::Entry | LinkType::Asset => self
                .entity(link)
                .map(|entity| self.display_title(entity).to_owned()),
            LinkType::Release => self
                .release(link.id())
                .map(|r| r.title.clone())
                .or_else(|| self.release_titles.get(link.id()).cloned()),
            _ => None,
        }
    }

    /// The releases among `links` whose titles are neither known nor asked for: what a view
    /// should ask for with [`Command::ResolveReleases`](crate::app::command::Command::ResolveReleases).
    pub fn missing_release_titles<'l>(
        &self,
        links: impl IntoIterator<Item = &'l Link>,
    ) -> Vec<String> {
        let mut ids: Vec<String> = links
            .into_iter()
            .filter(|l| *l.link_type() == LinkType::Release)
            .map(|l| l.id().to_owned())
            .filter(|id| {
                self.release(id).is_none()
                    && !self.release_titles.contains_key(id)
                    && !self.release_titles_asked.contains(id)
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}
