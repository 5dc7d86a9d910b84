//! Releases (spec §1): create, update, delete, archive, unarchive — with the 200-entity limit,
//! duplicate and unknown entities rejected, archived releases refusing changes — and the start
//! of release actions (publish, unpublish, validate), which the executor then runs.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::core::{Core, Events, Job, new_id, to_value};
use super::entities::check_version;
use super::error::ApiErr;
use super::store::{Tx, kind};
use super::timeline;
use super::webhooks::Cause;
use crate::cma::{
    ActionKind, ActionStatus, EntityError, ErrorBody, ErrorId, Extra, Link, LinkType, Release,
    ReleaseAction, ReleaseActionSys, ReleaseBody, ReleaseItem, ReleaseSchema, ReleaseStatus,
    ReleaseSys,
};

/// Most entities in one release (entries and assets together).
pub const MAX_RELEASE_ENTITIES: usize = 200;

fn crn(id: &str) -> String {
    format!("releases/{id}")
}

/// Loads a release or answers 404 (with the spec's details).
pub fn load(core: &Core, tx: &Tx<'_>, id: &str) -> Result<Release, ApiErr> {
    tx.get(kind::RELEASE, id)?.ok_or_else(|| {
        ApiErr::new(
            axum::http::StatusCode::NOT_FOUND,
            ErrorBody::new(ErrorId::NotFound, "The resource could not be found.").with_details(
                json!({"type": "Release", "environment": core.env_id, "space": core.space_id, "id": id}),
            ),
        )
    })
}

/// Checks a release body for a release of `schema`: title, the items' shape (links for Launch,
/// the Timeline rules of [`timeline::release_links`]), link types, the limit, duplicates, and
/// that every entity exists.
fn check_body(
    core: &Core,
    tx: &Tx<'_>,
    body: &ReleaseBody,
    schema: &ReleaseSchema,
) -> Result<(), ApiErr> {
    if body.title.trim().is_empty() {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "required", "path": ["title"], "details": "The property \"title\" is required here"
        })]));
    }
    let items: Vec<&Link> = match schema {
        ReleaseSchema::Launch => v1_links(body)?,
        ReleaseSchema::Timeline => {
            let locales = locale_codes(tx)?;
            timeline::release_links(&body.entities.items, core.publishing(), &locales)?
        }
        ReleaseSchema::Other(other) => return Err(unknown_schema(other)),
    };
    for (i, link) in items.iter().enumerate() {
        if !matches!(link.sys.link_type, LinkType::Entry | LinkType::Asset) {
            return Err(ApiErr::bad_request(format!(
                "entities.items[{i}].sys.linkType must be Entry or Asset, not '{}'",
                link.sys.link_type
            )));
        }
    }
    if items.len() > MAX_RELEASE_ENTITIES {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "size", "path": ["entities", "items"], "max": MAX_RELEASE_ENTITIES,
            "details": format!("A release can hold at most {MAX_RELEASE_ENTITIES} entries and assets; this one has {}", items.len()),
        })]));
    }
    let mut seen = HashSet::new();
    for (i, link) in items.iter().enumerate() {
        if !seen.insert((link.sys.link_type.clone(), link.sys.id.clone())) {
            return Err(ApiErr::invalid_body(vec![json!({
                "name": "unique", "path": ["entities", "items", i],
                "details": format!("{} '{}' is in the release twice", link.sys.link_type, link.sys.id),
            })]));
        }
    }
    let mut missing = Vec::new();
    for link in items {
        let store_kind = if link.sys.link_type == LinkType::Asset {
            kind::ASSET
        } else {
            kind::ENTRY
        };
        if tx.get::<Value>(store_kind, &link.sys.id)?.is_none() {
            missing.push(EntityError {
                entity: None,
                sys: None,
                error: ErrorBody::new(ErrorId::NotFound, "The resource could not be found.")
                    .with_details(json!({"sys": {"id": link.sys.id, "type": link.sys.link_type}})),
            });
        }
    }
    if !missing.is_empty() {
        return Err(ApiErr::validation_failed(missing));
    }
    Ok(())
}

/// The environment's locale codes, in order.
pub fn locale_codes(tx: &Tx<'_>) -> Result<Vec<String>, ApiErr> {
    Ok(tx
        .all::<crate::cma::Locale>(kind::LOCALE)?
        .into_iter()
        .map(|l| l.code)
        .collect())
}

fn unknown_schema(other: &str) -> ApiErr {
    ApiErr::invalid_body(vec![json!({
        "name": "in", "path": ["sys", "schemaVersion"], "expected": ["Release.v1", "Release.v2"],
        "details": format!("sys.schemaVersion must be Release.v1 or Release.v2, not '{other}'"),
    })])
}

/// The links of a Launch body; Timeline items in a Launch release are 422 (spec §10.1).
fn v1_links(body: &ReleaseBody) -> Result<Vec<&Link>, ApiErr> {
    let mut links = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in body.entities.items.iter().enumerate() {
        match item {
            ReleaseItem::Link(link) => links.push(link),
            _ => errors.push(json!({
                "name": "type", "path": ["entities", "items", i],
                "details": "A Release.v1 (Launch) release takes plain links; create the release \
                            with sys.schemaVersion Release.v2 for Timeline items",
            })),
        }
    }
    if errors.is_empty() {
        Ok(links)
    } else {
        Err(ApiErr::invalid_body(errors))
    }
}

/// Creates a release (201).
pub fn create(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    id: Option<&str>,
    body: ReleaseBody,
) -> Result<Release, ApiErr> {
    // The schema is chosen here, once (spec §10.1: no conversion later).
    let schema = body.schema();
    check_body(core, tx, &body, &schema)?;
    let id = id.map_or_else(new_id, str::to_owned);
    if tx.get::<Value>(kind::RELEASE, &id)?.is_some() {
        return Err(ApiErr::bad_request(format!(
            "Release '{id}' already exists"
        )));
    }
    let now = core.now();
    let release = Release {
        title: body.title,
        entities: body.entities,
        metadata: body.metadata,
        sys: ReleaseSys {
            type_: "Release".into(),
            id: id.clone(),
            version: 1,
            status: ReleaseStatus::Active,
            space: Some(core.space_link()),
            environment: Some(core.env_link()),
            created_by: Some(core.user()),
            updated_by: Some(core.user()),
            created_at: Some(now),
            updated_at: Some(now),
            archived_by: None,
            archived_at: None,
            last_action: None,
            schema_version: Some(schema),
            extra: Extra::new(),
        },
        extra: Extra::new(),
    };
    tx.put(kind::RELEASE, &id, &release)?;
    events.push(core.event(
        "Release",
        "create",
        to_value(&release),
        crn(&id),
        &Cause::default(),
    ));
    Ok(release)
}

/// A release's actions, oldest first (found through the index, not by reading every action).
pub fn actions_of(tx: &Tx<'_>, release_id: &str) -> Result<Vec<ReleaseAction>, ApiErr> {
    let ids = super::index::release_action_ids(tx.sql(), release_id)
        .map_err(super::store::StoreError::from)?;
    let mut actions = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(action) = tx.get::<ReleaseAction>(kind::RELEASE_ACTION, &id)? {
            actions.push(action);
        }
    }
    Ok(actions)
}

/// 400 when the release is archived: it must be unarchived before it changes or runs.
pub fn refuse_if_archived(release: &Release) -> Result<(), ApiErr> {
    if release.is_archived() {
        return Err(ApiErr::bad_request(format!(
            "Release '{}' is archived; unarchive it first",
            release.sys.id
        )));
    }
    Ok(())
}

/// Replaces a release's title and entities (version + 1).
pub fn update(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    id: &str,
    version: Option<u64>,
    body: ReleaseBody,
) -> Result<Release, ApiErr> {
    let mut release = load(core, tx, id)?;
    check_version(release.sys.version, version)?;
    refuse_if_archived(&release)?;
    // An update without sys.schemaVersion keeps the release's; another one is refused.
    let schema = release.schema();
    if body.names_schema() && body.schema() != schema {
        return Err(ApiErr::invalid_body(vec![json!({
            "name": "schemaVersion", "path": ["sys", "schemaVersion"],
            "details": format!(
                "Release '{id}' is {}; its schema is fixed when it is created",
                schema.as_str()
            ),
        })]));
    }
    check_body(core, tx, &body, &schema)?;
    release.title = body.title;
    release.entities = body.entities;
    if body.metadata.is_some() {
        release.metadata = body.metadata;
    }
    release.sys.version += 1;
    release.sys.updated_at = Some(core.now());
    release.sys.updated_by = Some(core.user());
    tx.put(kind::RELEASE, id, &release)?;
    events.push(core.event(
        "Release",
        "save",
        to_value(&release),
        crn(id),
        &Cause::default(),
    ));
    Ok(release)
}

/// Deletes a release and all its actions (204).
pub fn delete(core: &Core, tx: &Tx<'_>, events: &mut Events, id: &str) -> Result<(), ApiErr> {
    let release = load(core, tx, id)?;
    let actions = actions_of(tx, id)?;
    if actions
        .iter()
        .any(|a| a.sys.release.id() == id && !a.sys.status.is_final())
    {
        return Err(ApiErr::bad_request(format!(
            "Release '{id}' has an action in progress; wait for it to finish"
        )));
    }
    for action in actions.iter().filter(|a| a.sys.release.id() == id) {
        tx.delete(kind::RELEASE_ACTION, &action.sys.id)?;
    }
    tx.delete(kind::RELEASE, id)?;
    events.push(core.event(
        "Release",
        "delete",
        to_value(&release),
        crn(id),
        &Cause::default(),
    ));
    Ok(())
}

/// Archives (`archive = true`) or unarchives a release (version + 1).
pub fn set_archived(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    id: &str,
    version: Option<u64>,
    archive: bool,
    cause: &Cause,
) -> Result<Release, ApiErr> {
    let mut release = load(core, tx, id)?;
    if cause.release_action_id.is_none() {
        check_version(release.sys.version, version)?;
    }
    if !archive && release.is_timeline() {
        return Err(ApiErr::bad_request(format!(
            "Release '{id}' is a Release.v2 (Timeline) release; Timeline releases cannot be \
             unarchived"
        )));
    }
    if archive == release.is_archived() {
        return Err(ApiErr::bad_request(if archive {
            format!("Release '{id}' is already archived")
        } else {
            format!("Release '{id}' is not archived")
        }));
    }
    let now = core.now();
    if archive {
        release.sys.status = ReleaseStatus::Archived;
        release.sys.archived_at = Some(now);
        release.sys.archived_by = Some(core.user());
    } else {
        release.sys.status = ReleaseStatus::Active;
        release.sys.archived_at = None;
        release.sys.archived_by = None;
    }
    release.sys.version += 1;
    release.sys.updated_at = Some(now);
    release.sys.updated_by = Some(core.user());
    tx.put(kind::RELEASE, id, &release)?;
    let action = if archive { "archive" } else { "unarchive" };
    events.push(core.event("Release", action, to_value(&release), crn(id), cause));
    Ok(release)
}

/// Starts a release action: checks, creates it in `created`, links it as the release's
/// `lastAction`, fires `ReleaseAction.create`, and queues it for the executor (unless `queue`
/// is false: the scheduler runs the actions it creates itself).
pub fn start_action(
    core: &Core,
    tx: &Tx<'_>,
    events: &mut Events,
    release_id: &str,
    request: ActionRequest,
    cause: &Cause,
) -> Result<ReleaseAction, ApiErr> {
    let ActionRequest {
        action,
        version,
        mut validate_for,
    } = request;
    let mut release = load(core, tx, release_id)?;
    if release.is_timeline() {
        // A Timeline release unpublishes through its items, and each item is validated for
        // its own action, whatever the validate body says (spec §10.1).
        if action == ActionKind::Unpublish {
            return Err(ApiErr::bad_request(format!(
                "Release '{release_id}' is a Release.v2 (Timeline) release: it cannot be \
                 unpublished as a whole; give its items the unpublish action and publish it"
            )));
        }
        validate_for = None;
    }
    if action != ActionKind::Validate && cause.scheduled_action_id.is_none() {
        check_version(release.sys.version, version)?;
    }
    refuse_if_archived(&release)?;
    let actions = actions_of(tx, release_id)?;
    let running: Vec<&ReleaseAction> = actions
        .iter()
        .filter(|a| a.sys.release.id() == release_id && !a.sys.status.is_final())
        .collect();
    if action == ActionKind::Validate {
        if running.iter().any(|a| a.action == ActionKind::Validate) {
            return Err(ApiErr::bad_request(format!(
                "A validation of release '{release_id}' is already running; only one may run at a time"
            )));
        }
    } else if running.iter().any(|a| a.action != ActionKind::Validate) {
        return Err(ApiErr::bad_request(format!(
            "Release '{release_id}' already has a {} action in progress",
            running[0].action
        )));
    }
    let now = core.now();
    let id = new_id();
    let created = ReleaseAction {
        action,
        sys: ReleaseActionSys {
            type_: "ReleaseAction".into(),
            id: id.clone(),
            status: ActionStatus::Created,
            release: Link::new(LinkType::Release, release_id),
            space: Some(core.space_link()),
            environment: Some(core.env_link()),
            created_by: Some(core.user()),
            updated_by: Some(core.user()),
            created_at: Some(now),
            updated_at: Some(now),
            extra: Extra::new(),
        },
        error: None,
        extra: Extra::new(),
    };
    tx.put(kind::RELEASE_ACTION, &id, &created)?;
    if cause.scheduled_action_id.is_some() || validate_for.is_some() {
        // Remembered beside the action (not in its JSON): the executor stamps the entity events
        // with the schedule's id, and a validation checks for what it was asked to.
        let context = ActionContext {
            scheduled_action_id: cause.scheduled_action_id.clone(),
            validate_for,
        };
        tx.put(kind::ACTION_CONTEXT, &id, &context)?;
    }
    release.sys.last_action = Some(Link::new(LinkType::ReleaseAction, id.clone()));
    release.sys.updated_at = Some(now);
    tx.put(kind::RELEASE, release_id, &release)?;
    let mut action_cause = cause.clone();
    action_cause.release_id = Some(release_id.to_owned());
    action_cause.release_version = Some(release.sys.version.to_string());
    action_cause.release_action_id = Some(id.clone());
    events.push(core.event(
        "ReleaseAction",
        "create",
        to_value(&created),
        format!("release_actions/{id}"),
        &action_cause,
    ));
    Ok(created)
}

/// What is asked of [`start_action`].
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRequest {
    /// Publish, unpublish or validate.
    pub action: ActionKind,
    /// The release version the caller saw (`X-Contentful-Version`).
    pub version: Option<u64>,
    /// For a validation: what it validates for (publish when `None`).
    pub validate_for: Option<ActionKind>,
}

/// What the sandbox keeps about a release action outside its JSON.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionContext {
    /// The scheduled action that started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_action_id: Option<String>,
    /// For a validation: the action it validates for (publish when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_for: Option<ActionKind>,
}

/// The context of a release action (empty when none was kept). Actions stored by earlier
/// versions carried the schedule as `sys.scheduledAction`; that is still read.
pub fn action_context(tx: &Tx<'_>, action: &ReleaseAction) -> Result<ActionContext, ApiErr> {
    if let Some(context) = tx.get::<ActionContext>(kind::ACTION_CONTEXT, &action.sys.id)? {
        return Ok(context);
    }
    let scheduled_action_id = action
        .sys
        .extra
        .get("scheduledAction")
        .and_then(|l| l.pointer("/sys/id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    Ok(ActionContext {
        scheduled_action_id,
        validate_for: None,
    })
}

/// Queues a release action for the executor.
pub fn queue(core: &Core, action: &ReleaseAction) {
    let _ = core.jobs.send(Job::Release {
        release_id: action.sys.release.id().to_owned(),
        action_id: action.sys.id.clone(),
    });
}
