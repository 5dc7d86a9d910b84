//! "Open in Contentful": the Contentful web app's page of an entry, asset or release, for a real
//! space reached through Contentful's own API hosts. On the sandbox or behind a proxy the web
//! app is unknown and there is no link.

use super::ConnectionInfo;
use crate::cma::{EntityKind, Release};

/// The web hosts that go with the connection's API host: the web app, and the Launch app
/// where one is known (US only, as far as we know).
fn web_hosts(info: &ConnectionInfo) -> Option<(&'static str, Option<&'static str>)> {
    if info.is_sandbox {
        return None;
    }
    let url = url::Url::parse(&info.base_url).ok()?;
    match url.host_str()? {
        "api.contentful.com" => Some(("app.contentful.com", Some("launch.contentful.com"))),
        "api.eu.contentful.com" => Some(("app.eu.contentful.com", None)),
        _ => None,
    }
}

impl ConnectionInfo {
    /// The web app's page of an entry or asset (`api.contentful.com` → `app.contentful.com`,
    /// `api.eu.contentful.com` → `app.eu.contentful.com`).
    pub fn web_app_url(&self, kind: EntityKind, id: &str) -> Option<String> {
        let (app, _) = web_hosts(self)?;
        Some(format!(
            "https://{app}/spaces/{}/environments/{}/{}/{id}",
            self.space_id,
            self.environment_id,
            kind.segment()
        ))
    }

    /// The page of a release. The URLs are those Contentful's own marketplace app links to
    /// \[V contentful apps `fetchReleases.ts`\]: Launch releases live in the Launch app,
    /// Timeline releases in the web app's entry list filtered by the release. Both are
    /// space-level (no environment in the path).
    pub fn release_web_url(&self, release: &Release) -> Option<String> {
        let (app, launch) = web_hosts(self)?;
        let (space, id) = (&self.space_id, &release.sys.id);
        if release.is_timeline() {
            Some(format!(
                "https://{app}/spaces/{space}/views/entries?release={id}"
            ))
        } else {
            launch.map(|host| format!("https://{host}/spaces/{space}/releases/{id}"))
        }
    }
}
