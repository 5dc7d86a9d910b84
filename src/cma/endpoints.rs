//! One method per CMA endpoint the app uses (spec §1–§6), on top of [`Client`]'s transport.

use futures_util::Stream;
use reqwest::Method;
use serde_json::json;

use super::client::{Call, Client, PollOptions, Query};
use super::{
    ActionKind, BulkAction, BulkActionPayload, CmaError, ContentType, CursorCollection, Decoded,
    Entity, Environment, Fields, Link, Locale, OffsetCollection, Release, ReleaseAction,
    ReleaseBody, ScheduledAction, ScheduledActionBody, SigningSecretBody, Space,
    WebhookCallDetails, WebhookCallOverview, WebhookDefinition, WebhookHealth,
    WebhookSigningSecret,
    common::Collection,
    sandbox_load::{LoadLine, LoadProgress, LoadReport},
};

/// Entries or assets: the two share every endpoint but the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// `/entries`.
    Entry,
    /// `/assets`.
    Asset,
}

impl EntityKind {
    /// The collection path segment.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Entry => "entries",
            Self::Asset => "assets",
        }
    }

    /// The `sys.type` / `linkType` name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Entry => "Entry",
            Self::Asset => "Asset",
        }
    }
}

/// Default page size of streamed listings.
const PAGE: u64 = 100;

impl Client {
    // ---- space and environment -------------------------------------------------------------

    /// `GET /spaces/{s}`: proves the token can read the space.
    pub async fn get_space(&self) -> Result<Space, CmaError> {
        self.fetch(Call::new(Method::GET, self.space_path(&[])), "space")
            .await
    }

    /// `GET /spaces/{s}/environments/{e}`: proves the environment exists.
    pub async fn get_environment(&self) -> Result<Environment, CmaError> {
        self.fetch(
            Call::new(
                Method::GET,
                self.space_path(&["environments", self.environment_id()]),
            ),
            "environment",
        )
        .await
    }

    // ---- releases (§1) ----------------------------------------------------------------------

    /// `POST /releases`.
    pub async fn create_release(&self, body: &ReleaseBody) -> Result<Release, CmaError> {
        let call = Call::new(Method::POST, self.env_path(&["releases"])).json(body)?;
        self.fetch(call, "release").await
    }

    /// `GET /releases/{id}`.
    pub async fn get_release(&self, id: &str) -> Result<Release, CmaError> {
        self.fetch(
            Call::new(Method::GET, self.env_path(&["releases", id])),
            "release",
        )
        .await
    }

    /// `GET /releases?…`: one page. Each release is decoded on its own: one the client cannot
    /// model comes back as [`Decoded::Unsupported`] and never fails the page (spec §10.1).
    pub async fn query_releases(
        &self,
        query: &Query,
    ) -> Result<CursorCollection<Decoded<Release>>, CmaError> {
        let call = Call::new(Method::GET, self.env_path(&["releases"])).query(query.clone());
        self.fetch(call, "release list").await
    }

    /// Every release matching `query`, page after page (`pageNext` cursors); each decoded on
    /// its own, as in [`Client::query_releases`].
    pub fn releases(
        &self,
        query: Query,
    ) -> impl Stream<Item = Result<Decoded<Release>, CmaError>> + Send + 'static {
        self.cursor_stream(
            self.env_path(&["releases"]),
            query,
            "pageNext",
            "release list",
        )
    }

    /// `PUT /releases/{id}` with the version the caller read.
    pub async fn update_release(
        &self,
        id: &str,
        version: u64,
        body: &ReleaseBody,
    ) -> Result<Release, CmaError> {
        let call = Call::new(Method::PUT, self.env_path(&["releases", id]))
            .version(version)
            .json(body)?;
        self.fetch(call, "release").await
    }

    /// `DELETE /releases/{id}` (also deletes its actions).
    pub async fn delete_release(&self, id: &str) -> Result<(), CmaError> {
        self.execute(Call::new(Method::DELETE, self.env_path(&["releases", id])))
            .await
            .map(drop)
    }

    /// `PUT /releases/{id}/published`: starts a publish action (202).
    pub async fn publish_release(&self, id: &str, version: u64) -> Result<ReleaseAction, CmaError> {
        let call =
            Call::new(Method::PUT, self.env_path(&["releases", id, "published"])).version(version);
        self.fetch(call, "release action").await
    }

    /// `DELETE /releases/{id}/published`: starts an unpublish action (202).
    pub async fn unpublish_release(
        &self,
        id: &str,
        version: u64,
    ) -> Result<ReleaseAction, CmaError> {
        let call = Call::new(
            Method::DELETE,
            self.env_path(&["releases", id, "published"]),
        )
        .version(version);
        self.fetch(call, "release action").await
    }

    /// `POST /releases/{id}/validate`, optionally for a given action (`publish`).
    pub async fn validate_release(
        &self,
        id: &str,
        for_action: Option<ActionKind>,
    ) -> Result<ReleaseAction, CmaError> {
        let mut call = Call::new(Method::POST, self.env_path(&["releases", id, "validate"]));
        if let Some(action) = for_action {
            call = call.json(&json!({ "action": action }))?;
        }
        self.fetch(call, "release action").await
    }

    /// `PUT /releases/{id}/archived`.
    pub async fn archive_release(&self, id: &str, version: u64) -> Result<Release, CmaError> {
        let call =
            Call::new(Method::PUT, self.env_path(&["releases", id, "archived"])).version(version);
        self.fetch(call, "release").await
    }

    /// `DELETE /releases/{id}/archived`.
    pub async fn unarchive_release(&self, id: &str, version: u64) -> Result<Release, CmaError> {
        let call = Call::new(Method::DELETE, self.env_path(&["releases", id, "archived"]))
            .version(version);
        self.fetch(call, "release").await
    }

    // ---- release actions (§2) ---------------------------------------------------------------

    /// `GET /releases/{rid}/actions/{aid}`.
    pub async fn get_release_action(
        &self,
        release_id: &str,
        action_id: &str,
    ) -> Result<ReleaseAction, CmaError> {
        let path = self.env_path(&["releases", release_id, "actions", action_id]);
        self.fetch(Call::new(Method::GET, path), "release action")
            .await
    }

    /// `GET /release_actions?…` (e.g. `sys.release.sys.id[in]`, `uniqueBy`).
    pub async fn query_release_actions(
        &self,
        query: &Query,
    ) -> Result<Vec<ReleaseAction>, CmaError> {
        let call = Call::new(Method::GET, self.env_path(&["release_actions"])).query(query.clone());
        let page: Collection<ReleaseAction> = self.fetch(call, "release action list").await?;
        Ok(page.items)
    }

    /// Polls a release action until it succeeded or failed.
    pub async fn wait_release_action(
        &self,
        release_id: &str,
        action_id: &str,
        options: &PollOptions,
    ) -> Result<ReleaseAction, CmaError> {
        self.wait_release_action_with(release_id, action_id, options, |_| {})
            .await
    }

    /// Polls a release action until it succeeded or failed, calling `on_change` with every
    /// polled state whose status differs from the poll before (the first poll included).
    pub async fn wait_release_action_with(
        &self,
        release_id: &str,
        action_id: &str,
        options: &PollOptions,
        on_change: impl FnMut(&ReleaseAction),
    ) -> Result<ReleaseAction, CmaError> {
        self.poll_until(
            "release action",
            action_id,
            options,
            || self.get_release_action(release_id, action_id),
            |a: &ReleaseAction| (a.sys.status.is_final(), a.sys.status.to_string()),
            on_change,
        )
        .await
    }

    // ---- bulk actions (§3) ------------------------------------------------------------------

    /// `POST /bulk_actions/publish`; every link must carry `sys.version`.
    pub async fn bulk_publish(&self, items: Vec<Link>) -> Result<BulkAction, CmaError> {
        self.start_bulk("publish", &BulkActionPayload::new(items))
            .await
    }

    /// `POST /bulk_actions/unpublish`.
    pub async fn bulk_unpublish(&self, items: Vec<Link>) -> Result<BulkAction, CmaError> {
        self.start_bulk("unpublish", &BulkActionPayload::new(items))
            .await
    }

    /// `POST /bulk_actions/validate`, checking the entities for publishing.
    pub async fn bulk_validate(&self, items: Vec<Link>) -> Result<BulkAction, CmaError> {
        let mut payload = BulkActionPayload::new(items);
        payload.action = Some(ActionKind::Publish);
        self.start_bulk("validate", &payload).await
    }

    async fn start_bulk(
        &self,
        action: &str,
        payload: &BulkActionPayload,
    ) -> Result<BulkAction, CmaError> {
        let call =
            Call::new(Method::POST, self.env_path(&["bulk_actions", action])).json(payload)?;
        self.fetch(call, "bulk action").await
    }

    /// `GET /bulk_actions/actions/{id}`.
    pub async fn get_bulk_action(&self, id: &str) -> Result<BulkAction, CmaError> {
        let path = self.env_path(&["bulk_actions", "actions", id]);
        self.fetch(Call::new(Method::GET, path), "bulk action")
            .await
    }

    /// Polls a bulk action until it succeeded or failed.
    pub async fn wait_bulk_action(
        &self,
        id: &str,
        options: &PollOptions,
    ) -> Result<BulkAction, CmaError> {
        self.wait_bulk_action_with(id, options, |_| {}).await
    }

    /// Polls a bulk action until it succeeded or failed, calling `on_change` with every polled
    /// state whose status differs from the poll before (the first poll included).
    pub async fn wait_bulk_action_with(
        &self,
        id: &str,
        options: &PollOptions,
        on_change: impl FnMut(&BulkAction),
    ) -> Result<BulkAction, CmaError> {
        self.poll_bulk(id, options, false, on_change).await
    }

    /// Polls a bulk action at its v1 path (`…/bulk_actions/actions/{id}`) or its v2 path
    /// (`…/bulk_actions/{id}`) until it is final.
    async fn poll_bulk(
        &self,
        id: &str,
        options: &PollOptions,
        v2: bool,
        on_change: impl FnMut(&BulkAction),
    ) -> Result<BulkAction, CmaError> {
        self.poll_until(
            "bulk action",
            id,
            options,
            || async move {
                if v2 {
                    self.get_bulk_action_v2(id).await
                } else {
                    self.get_bulk_action(id).await
                }
            },
            |a: &BulkAction| (a.sys.status.is_final(), a.sys.status.to_string()),
            on_change,
        )
        .await
    }

    // ---- bulk actions v2 (§10.2) -------------------------------------------------------------

    /// `POST /bulk_actions` with a v2 body (`action` in the body, a plain array of
    /// `{entity, add?, remove?}`; build it with [`BulkActionPayload::v2`]).
    pub async fn create_bulk_action_v2(
        &self,
        payload: &BulkActionPayload,
    ) -> Result<BulkAction, CmaError> {
        let call = Call::new(Method::POST, self.env_path(&["bulk_actions"])).json(payload)?;
        self.fetch(call, "bulk action").await
    }

    /// `GET /bulk_actions/{id}` (the v2 path; either version can be read there).
    pub async fn get_bulk_action_v2(&self, id: &str) -> Result<BulkAction, CmaError> {
        let path = self.env_path(&["bulk_actions", id]);
        self.fetch(Call::new(Method::GET, path), "bulk action")
            .await
    }

    /// Polls a bulk action on the v2 path until it succeeded or failed.
    pub async fn wait_bulk_action_v2(
        &self,
        id: &str,
        options: &PollOptions,
    ) -> Result<BulkAction, CmaError> {
        self.wait_bulk_action_v2_with(id, options, |_| {}).await
    }

    /// Polls a v2 bulk action (at its v2 path) until it succeeded or failed, calling
    /// `on_change` as [`Client::wait_bulk_action_with`] does.
    pub async fn wait_bulk_action_v2_with(
        &self,
        id: &str,
        options: &PollOptions,
        on_change: impl FnMut(&BulkAction),
    ) -> Result<BulkAction, CmaError> {
        self.poll_bulk(id, options, true, on_change).await
    }

    // ---- scheduled actions (§4) -------------------------------------------------------------

    fn scheduled_query(&self, query: Query) -> Query {
        query.set("environment.sys.id", self.environment_id())
    }

    /// `POST /scheduled_actions` (201).
    pub async fn create_scheduled_action(
        &self,
        body: &ScheduledActionBody,
    ) -> Result<ScheduledAction, CmaError> {
        let call = Call::new(Method::POST, self.space_path(&["scheduled_actions"])).json(body)?;
        self.fetch(call, "scheduled action").await
    }

    /// `GET /scheduled_actions?environment.sys.id=…&…`: one page.
    pub async fn query_scheduled_actions(
        &self,
        query: &Query,
    ) -> Result<CursorCollection<ScheduledAction>, CmaError> {
        let call = Call::new(Method::GET, self.space_path(&["scheduled_actions"]))
            .query(self.scheduled_query(query.clone()));
        self.fetch(call, "scheduled action list").await
    }

    /// Every scheduled action matching `query`, page after page (`next` cursors).
    pub fn scheduled_actions(
        &self,
        query: Query,
    ) -> impl Stream<Item = Result<ScheduledAction, CmaError>> + Send + 'static {
        self.cursor_stream(
            self.space_path(&["scheduled_actions"]),
            self.scheduled_query(query),
            "next",
            "scheduled action list",
        )
    }

    /// `GET /scheduled_actions/{id}`.
    pub async fn get_scheduled_action(&self, id: &str) -> Result<ScheduledAction, CmaError> {
        let call = Call::new(Method::GET, self.space_path(&["scheduled_actions", id]))
            .query(self.scheduled_query(Query::new()));
        self.fetch(call, "scheduled action").await
    }

    /// `PUT /scheduled_actions/{id}` with the version read (only `scheduledFor` changes stick).
    pub async fn update_scheduled_action(
        &self,
        id: &str,
        version: u64,
        body: &ScheduledActionBody,
    ) -> Result<ScheduledAction, CmaError> {
        let call = Call::new(Method::PUT, self.space_path(&["scheduled_actions", id]))
            .query(self.scheduled_query(Query::new()))
            .version(version)
            .json(body)?;
        self.fetch(call, "scheduled action").await
    }

    /// `DELETE /scheduled_actions/{id}`: cancels it; returns it with status `canceled`.
    pub async fn cancel_scheduled_action(&self, id: &str) -> Result<ScheduledAction, CmaError> {
        let call = Call::new(Method::DELETE, self.space_path(&["scheduled_actions", id]))
            .query(self.scheduled_query(Query::new()));
        self.fetch(call, "scheduled action").await
    }

    /// Polls a scheduled action until it succeeded, failed or was canceled.
    pub async fn wait_scheduled_action(
        &self,
        id: &str,
        options: &PollOptions,
    ) -> Result<ScheduledAction, CmaError> {
        self.poll_until(
            "scheduled action",
            id,
            options,
            || self.get_scheduled_action(id),
            |a: &ScheduledAction| (a.sys.status.is_final(), a.sys.status.to_string()),
            |_| {},
        )
        .await
    }

    // ---- entries, assets, content types, locales (§5) ---------------------------------------

    /// `GET /entries|assets?…`: one page.
    pub async fn query_entities(
        &self,
        kind: EntityKind,
        query: &Query,
    ) -> Result<OffsetCollection<Entity>, CmaError> {
        let call = Call::new(Method::GET, self.env_path(&[kind.segment()])).query(query.clone());
        self.fetch(call, "entity list").await
    }

    /// Every entry or asset matching `query`, page after page (`skip`/`limit`).
    pub fn entities(
        &self,
        kind: EntityKind,
        query: Query,
    ) -> impl Stream<Item = Result<Entity, CmaError>> + Send + 'static {
        self.offset_stream(self.env_path(&[kind.segment()]), query, PAGE, "entity list")
    }

    /// `GET /public/entries?…`: one page of published entries as they were published (their
    /// last published version, not the draft), with the filters of `/entries` (spec §5) — what
    /// a release's "Changes" review compares drafts with.
    pub async fn query_public_entries(
        &self,
        query: &Query,
    ) -> Result<OffsetCollection<Entity>, CmaError> {
        let call =
            Call::new(Method::GET, self.env_path(&["public", "entries"])).query(query.clone());
        self.fetch(call, "published entry list").await
    }

    /// `GET /entries/{id}` or `/assets/{id}`.
    pub async fn get_entity(&self, kind: EntityKind, id: &str) -> Result<Entity, CmaError> {
        let path = self.env_path(&[kind.segment(), id]);
        self.fetch(Call::new(Method::GET, path), "entity").await
    }

    /// `POST /entries` with `X-Contentful-Content-Type` (201).
    pub async fn create_entry(
        &self,
        content_type: &str,
        fields: &Fields,
    ) -> Result<Entity, CmaError> {
        let call = Call::new(Method::POST, self.env_path(&["entries"]))
            .json(&json!({ "fields": fields }))?
            .content_type_header(content_type);
        self.fetch(call, "entry").await
    }

    /// `POST /assets` (201).
    pub async fn create_asset(&self, fields: &Fields) -> Result<Entity, CmaError> {
        let call = Call::new(Method::POST, self.env_path(&["assets"]))
            .json(&json!({ "fields": fields }))?;
        self.fetch(call, "asset").await
    }

    /// `PUT /entries|assets/{id}` with the version read.
    pub async fn update_entity(
        &self,
        kind: EntityKind,
        id: &str,
        version: u64,
        fields: &Fields,
    ) -> Result<Entity, CmaError> {
        let call = Call::new(Method::PUT, self.env_path(&[kind.segment(), id]))
            .version(version)
            .json(&json!({ "fields": fields }))?;
        self.fetch(call, "entity").await
    }

    /// `PUT …/{id}/published`.
    pub async fn publish_entity(
        &self,
        kind: EntityKind,
        id: &str,
        version: u64,
    ) -> Result<Entity, CmaError> {
        self.entity_state_call(Method::PUT, kind, id, "published", version)
            .await
    }

    /// `DELETE …/{id}/published`.
    pub async fn unpublish_entity(
        &self,
        kind: EntityKind,
        id: &str,
        version: u64,
    ) -> Result<Entity, CmaError> {
        self.entity_state_call(Method::DELETE, kind, id, "published", version)
            .await
    }

    /// `PUT …/{id}/archived`.
    pub async fn archive_entity(
        &self,
        kind: EntityKind,
        id: &str,
        version: u64,
    ) -> Result<Entity, CmaError> {
        self.entity_state_call(Method::PUT, kind, id, "archived", version)
            .await
    }

    /// `DELETE …/{id}/archived`.
    pub async fn unarchive_entity(
        &self,
        kind: EntityKind,
        id: &str,
        version: u64,
    ) -> Result<Entity, CmaError> {
        self.entity_state_call(Method::DELETE, kind, id, "archived", version)
            .await
    }

    async fn entity_state_call(
        &self,
        method: Method,
        kind: EntityKind,
        id: &str,
        what: &str,
        version: u64,
    ) -> Result<Entity, CmaError> {
        let call = Call::new(method, self.env_path(&[kind.segment(), id, what])).version(version);
        self.fetch(call, "entity").await
    }

    /// `DELETE /entries|assets/{id}`.
    pub async fn delete_entity(
        &self,
        kind: EntityKind,
        id: &str,
        version: u64,
    ) -> Result<(), CmaError> {
        let call = Call::new(Method::DELETE, self.env_path(&[kind.segment(), id])).version(version);
        self.execute(call).await.map(drop)
    }

    /// `GET /content_types` (all of them; spaces have few).
    pub async fn content_types(&self) -> Result<Vec<ContentType>, CmaError> {
        use futures_util::TryStreamExt;
        self.offset_stream(
            self.env_path(&["content_types"]),
            Query::new(),
            PAGE,
            "content type list",
        )
        .try_collect()
        .await
    }

    /// `GET /content_types/{id}`.
    pub async fn get_content_type(&self, id: &str) -> Result<ContentType, CmaError> {
        let path = self.env_path(&["content_types", id]);
        self.fetch(Call::new(Method::GET, path), "content type")
            .await
    }

    /// `GET /locales`.
    pub async fn locales(&self) -> Result<Vec<Locale>, CmaError> {
        let call = Call::new(Method::GET, self.env_path(&["locales"]));
        let page: OffsetCollection<Locale> = self.fetch(call, "locale list").await?;
        Ok(page.items)
    }

    // ---- webhooks (§6) ----------------------------------------------------------------------

    /// `GET /webhook_definitions` (all of them).
    pub async fn webhooks(&self) -> Result<Vec<WebhookDefinition>, CmaError> {
        use futures_util::TryStreamExt;
        self.offset_stream(
            self.space_path(&["webhook_definitions"]),
            Query::new(),
            PAGE,
            "webhook list",
        )
        .try_collect()
        .await
    }

    /// `GET /webhook_definitions/{id}`.
    pub async fn get_webhook(&self, id: &str) -> Result<WebhookDefinition, CmaError> {
        let path = self.space_path(&["webhook_definitions", id]);
        self.fetch(Call::new(Method::GET, path), "webhook").await
    }

    /// `POST /webhook_definitions` (201).
    pub async fn create_webhook(
        &self,
        definition: &WebhookDefinition,
    ) -> Result<WebhookDefinition, CmaError> {
        let call =
            Call::new(Method::POST, self.space_path(&["webhook_definitions"])).json(definition)?;
        self.fetch(call, "webhook").await
    }

    /// `PUT /webhook_definitions/{id}`: creates (no version) or updates (with the version read).
    pub async fn put_webhook(
        &self,
        id: &str,
        version: Option<u64>,
        definition: &WebhookDefinition,
    ) -> Result<WebhookDefinition, CmaError> {
        let mut call = Call::new(Method::PUT, self.space_path(&["webhook_definitions", id]))
            .json(definition)?;
        if let Some(version) = version {
            call = call.version(version);
        }
        self.fetch(call, "webhook").await
    }

    /// `DELETE /webhook_definitions/{id}`.
    pub async fn delete_webhook(&self, id: &str) -> Result<(), CmaError> {
        let call = Call::new(
            Method::DELETE,
            self.space_path(&["webhook_definitions", id]),
        );
        self.execute(call).await.map(drop)
    }

    /// `GET /webhook_settings/signing_secret`: only the redacted value.
    pub async fn get_signing_secret(&self) -> Result<WebhookSigningSecret, CmaError> {
        let path = self.space_path(&["webhook_settings", "signing_secret"]);
        self.fetch(Call::new(Method::GET, path), "signing secret")
            .await
    }

    /// `PUT /webhook_settings/signing_secret {"value":…}`.
    pub async fn set_signing_secret(
        &self,
        secret: &crate::signing::SigningSecret,
    ) -> Result<WebhookSigningSecret, CmaError> {
        let body = SigningSecretBody {
            value: secret.expose().to_owned(),
        };
        let call = Call::new(
            Method::PUT,
            self.space_path(&["webhook_settings", "signing_secret"]),
        )
        .json(&body)?;
        self.fetch(call, "signing secret").await
    }

    /// `DELETE /webhook_settings/signing_secret`.
    pub async fn delete_signing_secret(&self) -> Result<(), CmaError> {
        let path = self.space_path(&["webhook_settings", "signing_secret"]);
        self.execute(Call::new(Method::DELETE, path))
            .await
            .map(drop)
    }

    /// `GET /webhooks/{id}/calls`: one page of the call log, newest first.
    pub async fn webhook_calls(
        &self,
        webhook_id: &str,
        query: &Query,
    ) -> Result<OffsetCollection<WebhookCallOverview>, CmaError> {
        let call = Call::new(
            Method::GET,
            self.space_path(&["webhooks", webhook_id, "calls"]),
        )
        .query(query.clone());
        self.fetch(call, "webhook call list").await
    }

    /// `GET /webhooks/{id}/calls/{call}`: request and response of one call.
    pub async fn webhook_call_details(
        &self,
        webhook_id: &str,
        call_id: &str,
    ) -> Result<WebhookCallDetails, CmaError> {
        let path = self.space_path(&["webhooks", webhook_id, "calls", call_id]);
        self.fetch(Call::new(Method::GET, path), "webhook call")
            .await
    }

    /// `GET /webhooks/{id}/health`.
    pub async fn webhook_health(&self, webhook_id: &str) -> Result<WebhookHealth, CmaError> {
        let path = self.space_path(&["webhooks", webhook_id, "health"]);
        self.fetch(Call::new(Method::GET, path), "webhook health")
            .await
    }

    // ---- Release Desk sandbox extension -----------------------------------------------------

    /// `POST /spaces/{s}/_sandbox/reset`: restores the embedded sandbox's demo data, switching
    /// its publishing mode first when `publishing` is `"entry"` or `"locale"`. Only the sandbox
    /// serves it (Contentful answers 404).
    pub async fn sandbox_reset(&self, publishing: Option<&str>) -> Result<(), CmaError> {
        let path = self.space_path(&["_sandbox", "reset"]);
        let mut call = Call::new(Method::POST, path);
        if let Some(mode) = publishing {
            call = call.json(&json!({ "publishing": mode }))?;
        }
        self.execute(call).await.map(drop)
    }

    /// `POST /spaces/{s}/_sandbox/load`: replaces the embedded sandbox's space with `export`
    /// (the bytes of a `contentful-export` file, see [`super::sandbox_load`]), calling
    /// `on_progress` as the sandbox reports it. The space is replaced only when this returns
    /// `Ok`; an error leaves it as it was. Sent once, with a long timeout (a big space takes
    /// minutes). Only the sandbox serves it (Contentful answers 404).
    pub async fn sandbox_load(
        &self,
        export: Vec<u8>,
        mut on_progress: impl FnMut(&LoadProgress),
    ) -> Result<LoadReport, CmaError> {
        const LOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30 * 60);
        let path = self.space_path(&["_sandbox", "load"]);
        let mut call = Call::new(Method::POST, path);
        call.set_body(export);
        let mut pending: Vec<u8> = Vec::new();
        let mut outcome: Option<Result<LoadReport, CmaError>> = None;
        let mut take_line = |line: &[u8], outcome: &mut Option<Result<LoadReport, CmaError>>| {
            if line.iter().all(u8::is_ascii_whitespace) {
                return;
            }
            match serde_json::from_slice::<LoadLine>(line) {
                Ok(LoadLine::Progress(progress)) => on_progress(&progress),
                Ok(LoadLine::Loaded(report)) => *outcome = Some(Ok(report)),
                Ok(LoadLine::Failed(body)) => {
                    let status = if body.sys.id == super::ErrorId::BadRequest {
                        400
                    } else {
                        500
                    };
                    let request_id = body.request_id.clone();
                    *outcome = Some(Err(CmaError::from_response(
                        status, *body, request_id, None, None,
                    )));
                }
                Err(e) => {
                    *outcome = Some(Err(CmaError::Decode {
                        what: "sandbox load progress",
                        message: e.to_string(),
                    }));
                }
            }
        };
        self.execute_streaming(call, LOAD_TIMEOUT, |chunk| {
            pending.extend_from_slice(chunk);
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                take_line(&line, &mut outcome);
            }
        })
        .await?;
        take_line(&pending, &mut outcome);
        outcome.unwrap_or_else(|| {
            Err(CmaError::Decode {
                what: "sandbox load",
                message: "the reply ended before the load finished".into(),
            })
        })
    }
}
