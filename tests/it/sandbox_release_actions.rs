//! Release actions in the sandbox (spec §2, §9): publish, unpublish and validate run
//! asynchronously, all-or-nothing, with the demo space's exact validation errors.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use release_desk::cma::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{env_path, fast_poll, raw, sandbox, sandbox_client, sandbox_with, versions};

const SPRING: &str = "release-spring-travel";
const ELECTION: &str = "release-election-night";

fn kind_of(link: &Link) -> EntityKind {
    match link.link_type() {
        LinkType::Asset => EntityKind::Asset,
        _ => EntityKind::Entry,
    }
}

/// `(version, publishedVersion)` of every entity of a release, by id.
async fn snapshot(
    client: &Client,
    release: &Release,
) -> BTreeMap<String, (Option<u64>, Option<u64>)> {
    let mut out = BTreeMap::new();
    for link in &release.entities.link_vec() {
        out.insert(
            link.id().to_owned(),
            versions(client, kind_of(link), link.id()).await,
        );
    }
    out
}

#[tokio::test]
async fn publishing_the_valid_demo_release_publishes_every_entity_and_archives_it() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let release = client.get_release(SPRING).await.unwrap();
    assert_eq!(release.entities.items.len(), 10);
    let before = snapshot(&client, &release).await;

    // A stale version is a conflict and starts nothing.
    let err = client
        .publish_release(SPRING, release.sys.version + 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CmaError::Conflict { current_version: Some(v), .. } if v == release.sys.version),
        "{err:?}"
    );
    assert!(
        client
            .get_release(SPRING)
            .await
            .unwrap()
            .sys
            .last_action
            .is_none()
    );

    // 202 with the action in `created`.
    let response = raw(
        &sb,
        Method::PUT,
        &format!("{}/releases/{SPRING}/published", env_path(&sb)),
    )
    .header(VERSION_HEADER, release.sys.version)
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 202);
    let action: ReleaseAction = response.json().await.unwrap();
    assert_eq!(action.action, ActionKind::Publish);
    assert_eq!(action.sys.status, ActionStatus::Created);
    assert_eq!(action.sys.release.id(), SPRING);

    let done = client
        .wait_release_action(SPRING, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    assert!(done.error.is_none());

    for link in &release.entities.link_vec() {
        let entity = client.get_entity(kind_of(link), link.id()).await.unwrap();
        assert_eq!(entity.state(), EntityState::Published, "{}", link.id());
        // What was published is the latest version, pending edits of changed entries included.
        let (version_before, _) = before[link.id()];
        assert_eq!(
            entity.sys.published_version,
            version_before,
            "{}",
            link.id()
        );
        assert_eq!(
            entity.sys.version,
            version_before.map(|v| v + 1),
            "{}",
            link.id()
        );
    }

    let after = client.get_release(SPRING).await.unwrap();
    assert_eq!(
        after.sys.last_action.as_ref().map(Link::id),
        Some(action.sys.id.as_str())
    );
    assert_eq!(after.sys.status, ReleaseStatus::Archived, "auto-archived");
    assert!(after.sys.archived_at.is_some());
    // Done and archived: a second publish is refused.
    let err = client
        .publish_release(SPRING, after.sys.version)
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
}

/// The per-entity errors of Election Night Live, as assets/seed/README.md lists them.
fn assert_election_errors(error: &ErrorBody) {
    assert_eq!(error.sys.id, ErrorId::ValidationFailed);
    let errors = error.entity_errors();
    let mut by_id: HashMap<String, &EntityError> = HashMap::new();
    for e in &errors {
        let id = e.link().expect("each error names its entity").sys.id;
        assert!(by_id.insert(id.clone(), e).is_none(), "{id} listed twice");
    }
    let mut ids: Vec<&str> = by_id.keys().map(String::as_str).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "article-breaking-results",
            "article-coalition-talks",
            "article-election-live-blog",
            "article-exit-poll-explained",
            "article-turnout-record",
        ],
        "exactly five entities fail; landing-election and the polling guide are valid"
    );

    let single = |id: &str, wrapper: ErrorId| -> FieldError {
        let e = by_id[id];
        assert_eq!(e.error.sys.id, wrapper, "{id}");
        assert_eq!(e.link().unwrap().sys.link_type, LinkType::Entry, "{id}");
        let fields = e.error.field_errors();
        assert_eq!(fields.len(), 1, "{id} has one error: {fields:?}");
        fields.into_iter().next().unwrap()
    };

    let live = single("article-election-live-blog", ErrorId::InvalidEntry);
    assert_eq!(live.name, "required");
    assert_eq!(live.path, [json!("fields"), json!("body"), json!("en-US")]);

    let turnout = single("article-turnout-record", ErrorId::InvalidEntry);
    assert_eq!(turnout.name, "size");
    assert_eq!(
        turnout.path,
        [json!("fields"), json!("summary"), json!("en-US")]
    );
    assert_eq!(turnout.extra.get("min"), Some(&json!(20)));
    assert_eq!(turnout.extra.get("max"), Some(&json!(280)));
    assert_eq!(turnout.value, Some(json!("Turnout is up.")));
    assert_eq!(
        turnout.custom_message.as_deref(),
        Some("A summary is one or two sentences: 20 to 280 characters.")
    );

    let coalition = single("article-coalition-talks", ErrorId::InvalidEntry);
    assert_eq!(coalition.name, "regexp");
    assert_eq!(
        coalition.path,
        [json!("fields"), json!("slug"), json!("en-US")]
    );
    assert_eq!(coalition.value, Some(json!("Coalition Talks Deal Friday")));
    assert_eq!(
        coalition.custom_message.as_deref(),
        Some(
            "Use lower-case letters, digits and single hyphens only, for example spring-in-lisbon."
        )
    );

    let breaking = single("article-breaking-results", ErrorId::InvalidEntry);
    assert_eq!(breaking.name, "in");
    assert_eq!(
        breaking.path,
        [json!("fields"), json!("kind"), json!("en-US")]
    );
    assert_eq!(breaking.value, Some(json!("breaking")));
    assert_eq!(
        breaking.extra.get("expected"),
        Some(&json!(["news", "feature", "opinion", "interview"]))
    );
    assert_eq!(
        breaking.custom_message.as_deref(),
        Some("Kind must be one of: news, feature, opinion, interview.")
    );

    let exit_poll = single("article-exit-poll-explained", ErrorId::UnresolvedLinks);
    assert_eq!(exit_poll.name, "notResolvable");
    assert_eq!(
        exit_poll.path,
        [json!("fields"), json!("author"), json!("en-US")]
    );
    assert_eq!(
        exit_poll.link,
        Some(json!({"type": "Link", "linkType": "Entry", "id": "author-jonas-weber"}))
    );
    assert_eq!(exit_poll.link_target_id(), Some("author-jonas-weber"));
}

#[tokio::test]
async fn publishing_the_failing_demo_release_fails_with_exact_errors_and_publishes_nothing() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let release = client.get_release(ELECTION).await.unwrap();
    assert_eq!(release.entities.items.len(), 7);
    let before = snapshot(&client, &release).await;

    let action = client
        .publish_release(ELECTION, release.sys.version)
        .await
        .unwrap();
    let done = client
        .wait_release_action(ELECTION, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Failed);
    assert_election_errors(
        done.error
            .as_ref()
            .expect("a failed action carries its error"),
    );

    // All-or-nothing: not even the two valid entries were published.
    assert_eq!(snapshot(&client, &release).await, before);
    let after = client.get_release(ELECTION).await.unwrap();
    assert_eq!(
        after.sys.status,
        ReleaseStatus::Active,
        "a failed publish does not archive"
    );
    assert_eq!(
        after.sys.last_action.as_ref().map(Link::id),
        Some(action.sys.id.as_str())
    );
}

#[tokio::test]
async fn validate_succeeds_for_the_valid_release_and_fails_for_the_broken_one() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let spring = client.get_release(SPRING).await.unwrap();
    let before = snapshot(&client, &spring).await;

    let response = raw(
        &sb,
        Method::POST,
        &format!("{}/releases/{SPRING}/validate", env_path(&sb)),
    )
    .json(&json!({"action": "publish"}))
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 201);
    let action: ReleaseAction = response.json().await.unwrap();
    assert_eq!(action.action, ActionKind::Validate);
    let done = client
        .wait_release_action(SPRING, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    assert!(done.error.is_none());
    // Validation changes nothing, and does not archive.
    assert_eq!(snapshot(&client, &spring).await, before);
    let after = client.get_release(SPRING).await.unwrap();
    assert_eq!(after.sys.status, ReleaseStatus::Active);
    assert_eq!(after.sys.version, spring.sys.version);

    let action = client
        .validate_release(ELECTION, Some(ActionKind::Publish))
        .await
        .unwrap();
    let done = client
        .wait_release_action(ELECTION, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Failed);
    assert_election_errors(done.error.as_ref().unwrap());
}

#[tokio::test]
async fn only_one_validation_per_release_runs_at_a_time() {
    // Actions wait 400 ms before they run, so the first one is surely still running.
    let sb = sandbox_with(|c| c.behaviour.action_delay = Duration::from_millis(400)).await;
    let client = sandbox_client(&sb);

    let first = client.validate_release(SPRING, None).await.unwrap();
    assert!(!first.sys.status.is_final());
    let err = client.validate_release(SPRING, None).await.unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    // Another release may validate meanwhile.
    let other = client.validate_release(ELECTION, None).await.unwrap();

    let done = client
        .wait_release_action(SPRING, &first.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded);
    client
        .wait_release_action(ELECTION, &other.sys.id, &fast_poll())
        .await
        .unwrap();
    // Once it finished, the next one is accepted.
    client.validate_release(SPRING, None).await.unwrap();

    // Likewise one publish at a time: a second one while the first is pending is refused.
    let version = client.get_release(ELECTION).await.unwrap().sys.version;
    let publish = client.publish_release(ELECTION, version).await.unwrap();
    let err = client.publish_release(ELECTION, version).await.unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    let err = client
        .unpublish_release(ELECTION, version)
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    // Nor can a release with a pending action be deleted.
    let err = client.delete_release(ELECTION).await.unwrap_err();
    assert!(matches!(err, CmaError::BadRequest(_)), "{err:?}");
    let done = client
        .wait_release_action(ELECTION, &publish.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Failed);
}

#[tokio::test]
async fn deleting_a_release_deletes_its_actions() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let action = client.validate_release(ELECTION, None).await.unwrap();
    client
        .wait_release_action(ELECTION, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    client.delete_release(ELECTION).await.unwrap();
    let err = client
        .get_release_action(ELECTION, &action.sys.id)
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::NotFound(_)), "{err:?}");
    let left = client
        .query_release_actions(&Query::new().set("sys.release.sys.id[in]", ELECTION))
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn an_action_left_unfinished_runs_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_path_buf();

    // Actions wait 10 s before they run: this sandbox stops before it runs any.
    let dir1 = data_dir.clone();
    let first = sandbox_with(move |c| {
        c.data_dir = Some(dir1);
        c.behaviour.action_delay = Duration::from_secs(10);
    })
    .await;
    let client = sandbox_client(&first);
    let version = client.get_release(SPRING).await.unwrap().sys.version;
    let action = client.publish_release(SPRING, version).await.unwrap();
    first.shutdown(Duration::from_millis(100)).await;

    let second = sandbox_with(move |c| c.data_dir = Some(data_dir)).await;
    let client = sandbox_client(&second);
    let done = client
        .wait_release_action(SPRING, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);
    let release = client.get_release(SPRING).await.unwrap();
    assert_eq!(release.sys.status, ReleaseStatus::Archived);
}

#[tokio::test]
async fn unpublishing_a_release_turns_its_entries_into_drafts() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let ids = ["article-urban-bees", "article-jazz-cellar", "asset-market"];
    let links = vec![
        Link::entry(ids[0]),
        Link::entry(ids[1]),
        Link::asset(ids[2]),
    ];
    let release = client
        .create_release(&ReleaseBody::new("Take down", links))
        .await
        .unwrap();
    for link in &release.entities.link_vec() {
        let e = client.get_entity(kind_of(link), link.id()).await.unwrap();
        assert_eq!(e.state(), EntityState::Published, "{}", link.id());
    }

    let action = client
        .unpublish_release(&release.sys.id, release.sys.version)
        .await
        .unwrap();
    assert_eq!(action.action, ActionKind::Unpublish);
    let done = client
        .wait_release_action(&release.sys.id, &action.sys.id, &fast_poll())
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded, "{:?}", done.error);

    for link in &release.entities.link_vec() {
        let e = client.get_entity(kind_of(link), link.id()).await.unwrap();
        assert_eq!(e.state(), EntityState::Draft, "{}", link.id());
        assert!(e.sys.published_version.is_none());
    }
    let after = client.get_release(&release.sys.id).await.unwrap();
    assert_eq!(
        after.sys.status,
        ReleaseStatus::Active,
        "only publish archives"
    );
    assert_eq!(
        after.sys.last_action.as_ref().map(Link::id),
        Some(action.sys.id.as_str())
    );
}

#[tokio::test]
async fn release_actions_list_by_release_and_unique_by_release() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let mut spring_actions = Vec::new();
    for _ in 0..2 {
        let a = client.validate_release(SPRING, None).await.unwrap();
        client
            .wait_release_action(SPRING, &a.sys.id, &fast_poll())
            .await
            .unwrap();
        spring_actions.push(a.sys.id);
    }
    let e = client.validate_release(ELECTION, None).await.unwrap();
    client
        .wait_release_action(ELECTION, &e.sys.id, &fast_poll())
        .await
        .unwrap();

    let for_spring = client
        .query_release_actions(&Query::new().set("sys.release.sys.id[in]", SPRING))
        .await
        .unwrap();
    let mut got: Vec<&str> = for_spring.iter().map(|a| a.sys.id.as_str()).collect();
    got.sort_unstable();
    let mut want: Vec<&str> = spring_actions.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(got, want);
    assert!(for_spring.iter().all(|a| a.sys.release.id() == SPRING));

    // uniqueBy keeps the latest action of each release.
    let unique = client
        .query_release_actions(
            &Query::new()
                .set("sys.release.sys.id[in]", format!("{SPRING},{ELECTION}"))
                .set("uniqueBy", "sys.release.sys.id"),
        )
        .await
        .unwrap();
    let by_release: HashMap<&str, &str> = unique
        .iter()
        .map(|a| (a.sys.release.id(), a.sys.id.as_str()))
        .collect();
    assert_eq!(unique.len(), 2, "{unique:?}");
    assert_eq!(by_release[SPRING], spring_actions[1]);
    assert_eq!(by_release[ELECTION], e.sys.id);

    // Over the whole space: the demo's published release has its own action on record.
    let all_unique = client
        .query_release_actions(&Query::new().set("uniqueBy", "sys.release.sys.id"))
        .await
        .unwrap();
    let releases: Vec<&str> = all_unique.iter().map(|a| a.sys.release.id()).collect();
    assert_eq!(all_unique.len(), 3, "{releases:?}");
    assert!(releases.contains(&"release-autumn-food"));

    // The action filter, and the raw listing's shape.
    let failed = client
        .query_release_actions(&Query::new().set("sys.status[in]", "failed"))
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].sys.id, e.sys.id);
    let listed: Value = raw(
        &sb,
        Method::GET,
        &format!("{}/release_actions", env_path(&sb)),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(listed["sys"], json!({"type": "Array"}));
    assert_eq!(listed["items"].as_array().unwrap().len(), 4);

    // Getting an action through another release is a 404.
    let err = client
        .get_release_action(ELECTION, &spring_actions[0])
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::NotFound(_)), "{err:?}");
}
