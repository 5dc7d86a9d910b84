//! The pickers' and the palette's server searches: entries and assets by words, content type
//! and state (the entity filters the entries view uses too), releases by title in both release
//! models (Contentful lists Launch and Timeline apart, spec §10.1), and which active releases
//! already hold each match.

use super::*;

impl Worker {
    /// The palette's release search: the first matches by title, newest first, of both release
    /// models (Contentful lists Launch and Timeline apart, spec §10.1).
    pub(super) async fn search_releases(&self, search: String) {
        let mut hits = Vec::new();
        for timeline in [false, true] {
            let mut query = Query::new().limit(PALETTE_RELEASES).order("-sys.updatedAt");
            query.insert("title[match]", search.trim());
            if timeline {
                query.insert("sys.schemaVersion", "Release.v2");
            }
            match self.client.query_releases(&query).await {
                // Releases the app cannot model are still releases the user can jump to.
                Ok(page) => hits.extend(page.items.into_iter().filter_map(|item| {
                    match item {
                        Decoded::Known(r) => Some((r.sys.id, r.title)),
                        Decoded::Unsupported(u) => u
                            .id()
                            .map(|id| (id.to_owned(), u.title().unwrap_or(id).to_owned())),
                    }
                })),
                Err(e) => return self.sink.fail(RequestKind::SearchReleases, &e),
            }
        }
        self.sink
            .send(AppEvent::ReleaseSearchLoaded { search, hits });
    }

    /// A picker's search: the first matches among entries and among assets.
    pub(super) async fn search_entities(&self, picker: PickerId, search: PickerSearch) {
        let query = |kind: EntityKind, limit: usize| {
            let mut q = Query::new().limit(limit as u64);
            let filters = EntityQuery {
                kind,
                search: search.words.clone(),
                content_type: search.content_type.clone(),
                state: search.state,
                order: "-sys.updatedAt".into(),
            };
            entity_filters(&mut q, &filters);
            q
        };
        let entries_query = query(EntityKind::Entry, PICKER_LIMIT);
        let entries = self
            .client
            .query_entities(EntityKind::Entry, &entries_query);
        // A content type names entries only.
        let with_assets = search.content_type.is_none();
        let assets = async {
            if with_assets {
                self.client
                    .query_entities(
                        EntityKind::Asset,
                        &query(EntityKind::Asset, PICKER_LIMIT / 2),
                    )
                    .await
                    .map(|page| page.items)
            } else {
                Ok(Vec::new())
            }
        };
        match tokio::try_join!(entries, assets) {
            Ok((entries, assets)) => {
                let mut items = entries.items;
                items.extend(assets);
                let memberships = self.memberships(&items).await;
                let releases = if picker == PickerId::ScheduleTarget {
                    self.releases_titled(&search.words).await
                } else {
                    Vec::new()
                };
                self.sink.send(AppEvent::EntitySearchLoaded {
                    picker,
                    search,
                    items,
                    memberships,
                    releases,
                });
            }
            Err(e) => self.sink.fail(RequestKind::SearchEntities, &e),
        }
    }

    /// Active releases of both models whose title has `words` (the most recently updated
    /// first, a few of each); a failure only loses the suggestions.
    async fn releases_titled(&self, words: &str) -> Vec<Release> {
        let mut out = Vec::new();
        for timeline in [false, true] {
            let mut q = Query::new()
                .set("sys.status[in]", "active")
                .order("-sys.updatedAt")
                .limit(10);
            if !words.trim().is_empty() {
                q.insert("title[match]", words.trim());
            }
            if timeline {
                q.insert("sys.schemaVersion", "Release.v2");
            }
            if let Ok(page) = self.client.query_releases(&q).await {
                out.extend(page.items.into_iter().filter_map(Decoded::known));
            }
        }
        out
    }

    /// Which releases (Launch and Timeline, active ones) already hold each of `items`: one
    /// request per model and link type, by `entities.sys.id[in]`. A failure only loses the hint.
    async fn memberships(&self, items: &[Entity]) -> Vec<(crate::app::state::EntityKey, String)> {
        let mut out = Vec::new();
        for kind in [EntityKind::Entry, EntityKind::Asset] {
            let ids: Vec<&str> = items
                .iter()
                .filter(|e| crate::app::state::entity_key(e).0 == kind)
                .map(|e| e.sys.id.as_str())
                .collect();
            if ids.is_empty() {
                continue;
            }
            for timeline in [false, true] {
                let mut q = Query::new()
                    .set("entities.sys.linkType", kind.type_name())
                    .set("entities.sys.id[in]", ids.join(","))
                    .set("sys.status[in]", "active")
                    .limit(100);
                if timeline {
                    q.insert("sys.schemaVersion", "Release.v2");
                }
                let Ok(page) = self.client.query_releases(&q).await else {
                    continue;
                };
                for release in page.items.into_iter().filter_map(Decoded::known) {
                    for link in release.entities.links() {
                        if ids.contains(&link.id()) {
                            out.push(((kind, link.id().to_owned()), release.title.clone()));
                        }
                    }
                }
            }
        }
        out
    }
}

/// The filters and order of an entity list, without paging (shared by the entries view and
/// the pickers).
pub(super) fn entity_filters(q: &mut Query, query: &EntityQuery) {
    q.insert(
        "order",
        if query.order.is_empty() {
            "-sys.updatedAt"
        } else {
            &query.order
        },
    );
    if !query.search.trim().is_empty() {
        q.insert("query", query.search.trim());
    }
    if query.kind == EntityKind::Entry
        && let Some(ct) = &query.content_type
    {
        q.insert("content_type", ct);
    }
    if let Some(state) = query.state {
        for (key, value) in state.params() {
            q.insert(*key, *value);
        }
    }
}
