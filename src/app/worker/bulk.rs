//! Bulk actions over the Entries view's selection: v1 over whole entities, or v2 limited to
//! some locales (spec §3, §10.2); versions read where the user had none, followed to the end,
//! the entities reloaded after.

use super::*;

impl Worker {
    pub(super) async fn run_bulk_action(
        &self,
        action: ActionKind,
        items: Vec<(EntityKind, String, Option<u64>)>,
        locales: Option<Vec<String>>,
    ) {
        let count = items.len();
        // Publishing needs each entity's version: the ones the user saw, else the server's now.
        let mut versions: std::collections::HashMap<(EntityKind, String), u64> = items
            .iter()
            .filter_map(|(k, id, v)| v.map(|v| ((*k, id.clone()), v)))
            .collect();
        // A locale-based unpublish is a publish that removes locales (spec §10.2): it needs
        // versions too.
        let needs_versions =
            action == ActionKind::Publish || action == ActionKind::Unpublish && locales.is_some();
        if needs_versions {
            let unknown: Vec<Link> = items
                .iter()
                .filter(|(_, _, v)| v.is_none())
                .map(|(k, id, _)| link_of(*k, id))
                .collect();
            if !unknown.is_empty() {
                match self.fetch_entities(&unknown).await {
                    Ok(found) => {
                        for e in found {
                            let version = e.sys.version.unwrap_or(0);
                            versions.insert(crate::app::state::entity_key(&e), version);
                            self.sink.send(AppEvent::EntityLoaded(e));
                        }
                    }
                    Err(e) => return self.sink.fail(RequestKind::StartBulkAction(action), &e),
                }
            }
        }
        let links: Vec<Link> = items
            .iter()
            .map(|(kind, id, _)| {
                let link = link_of(*kind, id);
                match (needs_versions, versions.get(&(*kind, id.clone()))) {
                    (true, Some(version)) => {
                        Link::versioned(link.link_type().clone(), id.clone(), *version)
                    }
                    _ => link,
                }
            })
            .collect();
        let v2 = locales.is_some();
        let started = match locales {
            Some(locales) => {
                let payload = bulk_v2_payload(&action, &links, &locales);
                self.client.create_bulk_action_v2(&payload).await
            }
            None => match action {
                ActionKind::Publish => self.client.bulk_publish(links.clone()).await,
                ActionKind::Unpublish => self.client.bulk_unpublish(links.clone()).await,
                _ => self.client.bulk_validate(links.clone()).await,
            },
        };
        let label = format!("{count} entr{}", if count == 1 { "y" } else { "ies" });
        let started = match started {
            Ok(a) => a,
            Err(e) => return self.sink.fail(RequestKind::StartBulkAction(action), &e),
        };
        self.sink.send(AppEvent::ActionUpdated(tracked_bulk(
            &started, &label, count,
        )));
        if !started.sys.status.is_final() {
            let mut last = started.sys.status.clone();
            let on_change = |a: &BulkAction| {
                if a.sys.status != last {
                    last = a.sys.status.clone();
                    self.sink
                        .send(AppEvent::ActionUpdated(tracked_bulk(a, &label, count)));
                }
            };
            let options = self.poll_options();
            let followed = if v2 {
                self.client
                    .wait_bulk_action_v2_with(&started.sys.id, &options, on_change)
                    .await
            } else {
                self.client
                    .wait_bulk_action_with(&started.sys.id, &options, on_change)
                    .await
            };
            match followed {
                Ok(_) | Err(CmaError::ActionTimedOut { .. }) => {}
                Err(e) => return self.sink.fail(RequestKind::FollowBulkAction, &e),
            }
        }
        match self.fetch_entities(&links).await {
            Ok(entities) => {
                for e in entities {
                    self.sink.send(AppEvent::EntityLoaded(e));
                }
            }
            Err(e) => self.sink.fail(RequestKind::ReloadEntities, &e),
        }
    }
}

/// The body of a locale-based bulk action (spec §10.2): publish adds the locales, unpublish is a
/// publish that removes them, validate checks them for publishing.
fn bulk_v2_payload(action: &ActionKind, links: &[Link], locales: &[String]) -> BulkActionPayload {
    let set = || Some(LocaleSet::all_fields(locales.iter().cloned()));
    let (body_action, add, remove) = match action {
        ActionKind::Unpublish => (ActionKind::Publish, None, set()),
        ActionKind::Publish => (ActionKind::Publish, set(), None),
        _ => (ActionKind::Validate, set(), None),
    };
    let items = links
        .iter()
        .map(|link| {
            let mut entity = link.clone();
            // Validate takes plain links; only publish needs the version.
            if body_action == ActionKind::Validate {
                entity.sys.version = None;
            }
            BulkItemV2 {
                entity,
                add: add.clone(),
                remove: remove.clone(),
            }
        })
        .collect();
    BulkActionPayload::v2(body_action, items)
}

fn tracked_bulk(action: &BulkAction, label: &str, count: usize) -> TrackedAction {
    log_if_failed("bulk action", &action.sys.id, label, &action.sys.status);
    TrackedAction {
        id: action.sys.id.clone(),
        target: ActionTarget::Bulk(count),
        action: action.action.clone(),
        status: action.sys.status.clone(),
        error: action.error.clone(),
        label: label.to_owned(),
        created_at: action.sys.created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The bodies match spec §10.2: publish adds, unpublish is a publish that removes, validate
    /// sends plain links with `add`.
    #[test]
    fn locale_based_bulk_bodies_have_the_documented_shape() {
        let links = [Link::versioned(LinkType::Entry, "e1", 7)];
        let locales = ["de-DE".to_owned()];
        let body =
            |action| serde_json::to_value(bulk_v2_payload(&action, &links, &locales)).unwrap();
        let versioned =
            json!({"sys": {"type": "Link", "linkType": "Entry", "id": "e1", "version": 7}});
        let de = json!({"fields": {"*": ["de-DE"]}});
        assert_eq!(
            body(ActionKind::Publish),
            json!({"action": "publish", "entities": [{"entity": versioned, "add": de}]})
        );
        assert_eq!(
            body(ActionKind::Unpublish),
            json!({"action": "publish", "entities": [{"entity": versioned, "remove": de}]})
        );
        assert_eq!(
            body(ActionKind::Validate),
            json!({"action": "validate", "entities": [{"entity": {"sys": {"type": "Link", "linkType": "Entry", "id": "e1"}}, "add": de}]})
        );
    }
}
