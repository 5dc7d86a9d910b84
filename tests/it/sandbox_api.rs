//! The sandbox's HTTP surface (spec §0, §7): the token, the optional rate limit, the body size
//! limit, malformed bodies, and unknown spaces and environments.

use std::num::NonZeroU32;

use release_desk::cma::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{env_path, raw, sandbox, sandbox_client, sandbox_client_with, sandbox_with};

#[tokio::test]
async fn a_wrong_token_is_unauthorized() {
    let sb = sandbox().await;
    let client = sandbox_client_with(&sb, |c| c.token = AccessToken::new("CFPAT-wrong"));
    let err = client
        .get_release("release-spring-travel")
        .await
        .unwrap_err();
    match &err {
        CmaError::Unauthorized(api) => {
            assert_eq!(api.status, 401);
            assert_eq!(api.body.sys.id, ErrorId::AccessTokenInvalid);
        }
        other => panic!("expected 401, got {other:?}"),
    }
    // No token at all.
    let response = reqwest::Client::new()
        .get(
            sb.base_url
                .join(&format!("/spaces/{}", sb.space_id))
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // The right one works.
    sandbox_client(&sb).get_space().await.unwrap();
}

#[tokio::test]
async fn a_burst_over_the_rate_limit_gets_429_with_rate_limit_headers() {
    let sb = sandbox_with(|c| c.rate_limit = NonZeroU32::new(2)).await;
    let path = format!("/spaces/{}", sb.space_id);
    // Eight requests at once.
    let responses =
        futures_util::future::join_all((0..8).map(|_| raw(&sb, Method::GET, &path).send())).await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for response in responses {
        let response = response.unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 && limited.is_none() {
            limited = Some(response);
        } else if response.status() == 200 {
            let h = response.headers();
            assert_eq!(h["x-contentful-ratelimit-second-limit"], "2");
            assert!(h.contains_key("x-contentful-ratelimit-second-remaining"));
        }
    }
    // A fixed one-second window admits 2 per second: at most 4 of 8 even across a tick.
    assert!(
        statuses.iter().filter(|s| **s == 200).count() <= 4,
        "{statuses:?}"
    );
    let response = limited.unwrap_or_else(|| panic!("no 429 in {statuses:?}"));
    let h = response.headers();
    assert_eq!(h["x-contentful-ratelimit-second-limit"], "2");
    assert_eq!(h["x-contentful-ratelimit-second-remaining"], "0");
    let reset: u64 = h["x-contentful-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset >= 1);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["sys"],
        json!({"type": "Error", "id": "RateLimitExceeded"})
    );
}

#[tokio::test]
async fn a_body_over_one_megabyte_is_413_with_a_cma_error() {
    let sb = sandbox().await;
    let big = json!({"title": "x".repeat(1024 * 1024 + 10), "entities": {"sys": {"type": "Array"}, "items": []}});
    let response = raw(&sb, Method::POST, &format!("{}/releases", env_path(&sb)))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(CMA_CONTENT_TYPE)
    );
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.sys.id, ErrorId::RequestEntityTooLarge);
}

#[tokio::test]
async fn malformed_json_is_400_bad_request() {
    let sb = sandbox().await;
    let response = raw(&sb, Method::POST, &format!("{}/releases", env_path(&sb)))
        .body("{\"title\": \"unterminated")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.sys.id, ErrorId::BadRequest);

    // The same through the client's error mapping: a body of the wrong shape.
    let response = raw(&sb, Method::POST, &format!("{}/releases", env_path(&sb)))
        .json(&json!({"title": 42}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn unknown_spaces_and_environments_are_404() {
    let sb = sandbox().await;
    let client = sandbox_client_with(&sb, |c| c.space_id = "no-such-space".into());
    let err = client.get_space().await.unwrap_err();
    match &err {
        CmaError::NotFound(api) => assert_eq!(
            api.body.not_found_target(),
            Some(("Space".to_owned(), "no-such-space".to_owned()))
        ),
        other => panic!("expected 404, got {other:?}"),
    }
    let err = client
        .get_release("release-spring-travel")
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::NotFound(_)), "{err:?}");

    let client = sandbox_client_with(&sb, |c| c.environment_id = "staging".into());
    let err = client
        .get_release("release-spring-travel")
        .await
        .unwrap_err();
    match &err {
        CmaError::NotFound(api) => assert_eq!(
            api.body.not_found_target(),
            Some(("Environment".to_owned(), "staging".to_owned()))
        ),
        other => panic!("expected 404, got {other:?}"),
    }
    // Every response carries a request id.
    let response = raw(&sb, Method::GET, "/spaces/no-such-space")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.headers().contains_key(REQUEST_ID_HEADER));
}

#[tokio::test]
async fn answers_use_the_cma_content_type_and_bad_queries_are_invalid_query() {
    let sb = sandbox().await;
    let client = sandbox_client(&sb);
    let response = raw(&sb, Method::GET, &format!("{}/releases", env_path(&sb)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(CMA_CONTENT_TYPE)
    );
    for limit in [0, 1001] {
        let err = client
            .query_entities(EntityKind::Entry, &Query::new().limit(limit))
            .await
            .unwrap_err();
        assert!(matches!(err, CmaError::InvalidQuery(_)), "{err:?}");
    }
    let err = client
        .query_releases(&Query::new().order("sys.version"))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::InvalidQuery(_)), "{err:?}");
    let err = client
        .query_releases(&Query::new().set("pageNext", "not-a-cursor"))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::InvalidQuery(_)), "{err:?}");
}
