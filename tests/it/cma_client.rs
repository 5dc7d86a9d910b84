//! `cma::Client` against small scripted servers on `127.0.0.1:0`: the behaviours no real server
//! gives on demand (429 then success, 503s, dropped connections, conflicts, paging, rate limit).

use crate::support::known;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use futures_util::TryStreamExt;
use release_desk::cma::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{TEST_TOKEN, client, client_with, serve};

/// What the scripted server saw: method, path and query, headers.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    uri: String,
    headers: HeaderMap,
    at: Instant,
}

#[derive(Clone, Default)]
struct Script {
    seen: Arc<Mutex<Vec<Seen>>>,
    count: Arc<AtomicUsize>,
}

impl Script {
    fn record(&self, req: &Request) -> usize {
        self.seen.lock().unwrap().push(Seen {
            method: req.method().to_string(),
            uri: req.uri().to_string(),
            headers: req.headers().clone(),
            at: Instant::now(),
        });
        self.count.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn release_json(id: &str, version: u64) -> Value {
    json!({"title":format!("Release {id}"),"entities":{"sys":{"type":"Array"},"items":[]},
           "sys":{"type":"Release","id":id,"version":version,"status":"active",
                  "archivedBy":null,"archivedAt":null}})
}

fn cma_json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", CMA_CONTENT_TYPE)],
        body.to_string(),
    )
        .into_response()
}

fn cma_error(status: StatusCode, id: &str) -> Response {
    cma_json(
        status,
        json!({"sys":{"type":"Error","id":id},"message":format!("scripted {id}")}),
    )
}

#[tokio::test]
async fn rate_limited_429_waits_for_the_reset_header_then_succeeds() {
    let script = Script::default();
    let app = Router::new()
        .route(
            "/spaces/space1/environments/master/releases/r1",
            get(|State(s): State<Script>, req: Request| async move {
                if s.record(&req) == 1 {
                    let mut res = cma_error(StatusCode::TOO_MANY_REQUESTS, "RateLimitExceeded");
                    res.headers_mut()
                        .insert(RATE_LIMIT_RESET_HEADER, "1".parse().unwrap());
                    res
                } else {
                    cma_json(StatusCode::OK, release_json("r1", 3))
                }
            }),
        )
        .with_state(script.clone());
    let addr = serve(app).await;
    let started = Instant::now();
    let release = client(addr).get_release("r1").await.unwrap();
    assert_eq!(release.sys.version, 3);
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].at - seen[0].at;
    assert!(
        gap >= Duration::from_millis(1000),
        "the Reset header asked for 1 s, the client waited {gap:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn server_errors_are_retried_for_safe_methods_only() {
    let script = Script::default();
    let app = Router::new()
        .route(
            "/spaces/space1/environments/master/releases/r1",
            get(|State(s): State<Script>, req: Request| async move {
                if s.record(&req) <= 2 {
                    cma_error(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable")
                } else {
                    cma_json(StatusCode::OK, release_json("r1", 1))
                }
            }),
        )
        .route(
            "/spaces/space1/environments/master/releases",
            any(|State(s): State<Script>, req: Request| async move {
                s.record(&req);
                cma_error(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable")
            }),
        )
        .with_state(script.clone());
    let addr = serve(app).await;
    let client = client(addr);

    let release = client.get_release("r1").await.unwrap();
    assert_eq!(release.sys.id, "r1");
    assert_eq!(script.seen().len(), 3, "503 twice, then success");

    // A POST may have taken effect before the 503: it is not repeated.
    let err = client
        .create_release(&ReleaseBody::new("x", vec![]))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::Server(_)), "{err:?}");
    assert_eq!(script.seen().len(), 4, "the POST was sent exactly once");
}

#[tokio::test]
async fn server_errors_surface_after_the_last_retry() {
    let script = Script::default();
    let app = Router::new()
        .fallback(|State(s): State<Script>, req: Request| async move {
            s.record(&req);
            cma_error(StatusCode::BAD_GATEWAY, "BadGateway")
        })
        .with_state(script.clone());
    let addr = serve(app).await;
    let err = client(addr).get_release("r1").await.unwrap_err();
    assert!(
        matches!(err, CmaError::Server(ref api) if api.status == 502),
        "{err:?}"
    );
    assert_eq!(script.seen().len(), 4, "1 attempt + 3 retries");
}

/// A raw TCP server: the first `drops` connections read the request and close without a reply.
async fn dropping_server(drops: usize, reply: Value) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let reply = reply.to_string();
            tokio::spawn(async move {
                let mut buf = vec![0_u8; 8192];
                let _ = socket.read(&mut buf).await;
                if n <= drops {
                    drop(socket); // connection reset mid-request
                    return;
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: {CMA_CONTENT_TYPE}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (addr, connections)
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_a_get() {
    let (addr, connections) = dropping_server(1, release_json("r1", 2)).await;
    let release = client(addr).get_release("r1").await.unwrap();
    assert_eq!(release.sys.version, 2);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_dropped_connection_is_not_retried_for_a_post() {
    let (addr, connections) = dropping_server(1, release_json("r1", 1)).await;
    let err = client(addr)
        .create_release(&ReleaseBody::new("x", vec![]))
        .await
        .unwrap_err();
    assert!(matches!(err, CmaError::Network(_)), "{err:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    // Bind then drop, so nothing listens on the port.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let err = client(addr).get_space().await.unwrap_err();
    assert!(matches!(err, CmaError::Network(_)), "{err:?}");
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert!(!err.to_string().contains(TEST_TOKEN));
}

#[tokio::test]
async fn a_conflict_is_surfaced_with_the_current_version_and_never_retried() {
    let script = Script::default();
    let app = Router::new()
        .fallback(|State(s): State<Script>, req: Request| async move {
            s.record(&req);
            cma_json(
                StatusCode::CONFLICT,
                json!({"sys":{"type":"Error","id":"VersionMismatch"},"message":"Version mismatch",
                       "details":{"currentVersion":9}}),
            )
        })
        .with_state(script.clone());
    let addr = serve(app).await;
    let err = client(addr)
        .update_release("r1", 7, &ReleaseBody::new("t", vec![Link::entry("e1")]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CmaError::Conflict {
                current_version: Some(9),
                ..
            }
        ),
        "{err:?}"
    );
    let seen = script.seen();
    assert_eq!(seen.len(), 1, "a 409 is never retried");
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(seen[0].headers[VERSION_HEADER], "7");
}

#[tokio::test]
async fn every_request_carries_auth_and_the_cma_content_type() {
    let script = Script::default();
    let app = Router::new()
        .fallback(|State(s): State<Script>, req: Request| async move {
            s.record(&req);
            cma_json(StatusCode::ACCEPTED, json!({"action":"publish","sys":{"type":"ReleaseAction","id":"ra1","status":"created",
                "release":{"sys":{"type":"Link","linkType":"Release","id":"r 1/x"}}}}))
        })
        .with_state(script.clone());
    let addr = serve(app).await;
    let action = client(addr).publish_release("r 1/x", 4).await.unwrap();
    assert_eq!(action.sys.status, ActionStatus::Created);
    let seen = &script.seen()[0];
    assert_eq!(
        seen.headers["authorization"],
        format!("Bearer {TEST_TOKEN}")
    );
    assert_eq!(seen.headers["content-type"], CMA_CONTENT_TYPE);
    assert_eq!(seen.headers[VERSION_HEADER], "4");
    // An id cannot change the shape of the path: it is one percent-encoded segment.
    assert_eq!(
        seen.uri,
        "/spaces/space1/environments/master/releases/r%201%2Fx/published"
    );
}

#[tokio::test]
async fn the_token_never_appears_in_debug_or_errors() {
    let script = Script::default();
    let app = Router::new()
        .fallback(|State(s): State<Script>, req: Request| async move {
            s.record(&req);
            cma_error(StatusCode::UNAUTHORIZED, "AccessTokenInvalid")
        })
        .with_state(script);
    let addr = serve(app).await;
    let client = client(addr);
    assert!(!format!("{client:?}").contains(TEST_TOKEN));
    assert!(!format!("{:?}", client.config()).contains(TEST_TOKEN));
    let err = client.get_space().await.unwrap_err();
    assert!(matches!(err, CmaError::Unauthorized(_)), "{err:?}");
    assert!(!err.to_string().contains(TEST_TOKEN));
    assert!(!format!("{err:?}").contains(TEST_TOKEN));
}

#[tokio::test]
async fn cursor_pages_stream_in_order_and_keep_the_filters() {
    let script = Script::default();
    let app = Router::new()
        .route(
            "/spaces/space1/environments/master/releases",
            get(|State(s): State<Script>, req: Request| async move {
                s.record(&req);
                let query = req.uri().query().unwrap_or("").to_owned();
                let (ids, next): (Vec<&str>, Value) = if query.contains("pageNext=p3") {
                    (vec!["r5"], json!({}))
                } else if query.contains("pageNext=p2") {
                    (vec!["r3", "r4"], json!({"next":"/spaces/space1/environments/master/releases?limit=2&sys.status%5Bin%5D=active&pageNext=p3"}))
                } else {
                    (vec!["r1", "r2"], json!({"next":"/spaces/space1/environments/master/releases?limit=2&sys.status%5Bin%5D=active&pageNext=p2"}))
                };
                let items: Vec<Value> = ids.iter().map(|id| release_json(id, 1)).collect();
                cma_json(StatusCode::OK, json!({"sys":{"type":"Array"},"limit":2,"items":items,"pages":next}))
            }),
        )
        .with_state(script.clone());
    let addr = serve(app).await;
    let query = Query::new().limit(2).set("sys.status[in]", "active");
    let releases: Vec<Release> = client(addr)
        .releases(query)
        .map_ok(known)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = releases.iter().map(|r| r.sys.id.as_str()).collect();
    assert_eq!(ids, ["r1", "r2", "r3", "r4", "r5"]);
    let seen = script.seen();
    assert_eq!(seen.len(), 3);
    for s in &seen[1..] {
        assert!(s.uri.contains("sys.status%5Bin%5D=active"), "{}", s.uri);
        assert!(s.uri.contains("limit=2"), "{}", s.uri);
    }
    assert!(seen[2].uri.contains("pageNext=p3"));
}

#[tokio::test]
async fn scheduled_action_cursors_use_next_and_the_environment() {
    let script = Script::default();
    let app = Router::new()
        .route(
            "/spaces/space1/scheduled_actions",
            get(|State(s): State<Script>, req: Request| async move {
                s.record(&req);
                let query = req.uri().query().unwrap_or("").to_owned();
                let page = if query.contains("next=t3") { 3 } else if query.contains("next=t2") { 2 } else { 1 };
                let item = json!({"entity":{"sys":{"type":"Link","linkType":"Entry","id":format!("e{page}")}},
                    "environment":{"sys":{"type":"Link","linkType":"Environment","id":"master"}},
                    "action":"publish","scheduledFor":{"datetime":"2030-01-01T00:00:00.000Z"},
                    "sys":{"type":"ScheduledAction","id":format!("sa{page}"),"version":1,"status":"scheduled"}});
                let pages = match page { 1 => json!({"next":"t2"}), 2 => json!({"next":"t3"}), _ => json!({}) };
                cma_json(StatusCode::OK, json!({"sys":{"type":"Array"},"limit":1,"items":[item],"pages":pages}))
            }),
        )
        .with_state(script.clone());
    let addr = serve(app).await;
    let all: Vec<ScheduledAction> = client(addr)
        .scheduled_actions(Query::new().limit(1))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|a| a.sys.id.as_str()).collect();
    assert_eq!(ids, ["sa1", "sa2", "sa3"]);
    for s in script.seen() {
        assert!(s.uri.contains("environment.sys.id=master"), "{}", s.uri);
    }
}

#[tokio::test]
async fn offset_pages_stream_in_order() {
    let script = Script::default();
    let app = Router::new()
        .route(
            "/spaces/space1/environments/master/entries",
            get(|State(s): State<Script>, req: Request| async move {
                s.record(&req);
                let params: Vec<(String, String)> =
                    url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                        .into_owned()
                        .collect();
                let skip: u64 = params.iter().find(|(k, _)| k == "skip").unwrap().1.parse().unwrap();
                let total = 250_u64;
                let end = (skip + 100).min(total);
                let items: Vec<Value> = (skip..end)
                    .map(|i| json!({"fields":{},"sys":{"type":"Entry","id":format!("e{i:03}"),"version":1}}))
                    .collect();
                cma_json(StatusCode::OK, json!({"sys":{"type":"Array"},"total":total,"skip":skip,"limit":100,"items":items}))
            }),
        )
        .with_state(script.clone());
    let addr = serve(app).await;
    let entries: Vec<Entity> = client(addr)
        .entities(
            EntityKind::Entry,
            Query::new().set("content_type", "article"),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(entries.len(), 250);
    assert!(entries.windows(2).all(|w| w[0].sys.id < w[1].sys.id));
    let seen = script.seen();
    assert_eq!(seen.len(), 3, "pages at skip 0, 100, 200");
    assert!(seen[2].uri.contains("skip=200"));
    assert!(seen.iter().all(|s| s.uri.contains("content_type=article")));
}

#[tokio::test]
async fn the_rate_limiter_holds_concurrent_callers_to_the_rate() {
    let script = Script::default();
    let app = Router::new()
        .fallback(|State(s): State<Script>, req: Request| async move {
            s.record(&req);
            cma_json(
                StatusCode::OK,
                json!({"name":"s","sys":{"type":"Space","id":"space1"}}),
            )
        })
        .with_state(script.clone());
    let addr = serve(app).await;
    let rate = 10;
    let client = client_with(addr, |c| c.rate_limit = std::num::NonZeroU32::new(rate));
    let callers = 25;
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_space().await.map(drop) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    // 25 requests spaced 100 ms apart need at least 2.4 s.
    assert!(
        elapsed >= Duration::from_millis(2300),
        "took only {elapsed:?}"
    );
    let mut times: Vec<Instant> = script.seen().iter().map(|s| s.at).collect();
    times.sort();
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|u| **u - *t < Duration::from_secs(1))
            .count();
        assert!(
            in_window <= rate as usize + 1,
            "{in_window} requests within one second"
        );
    }
}

#[tokio::test]
async fn waiting_for_an_action_polls_until_it_is_final() {
    let script = Script::default();
    let app = Router::new()
        .route(
            "/spaces/space1/environments/master/releases/r1/actions/ra1",
            get(|State(s): State<Script>, req: Request| async move {
                let n = s.record(&req);
                let status = match n { 1 => "created", 2 => "inProgress", _ => "succeeded" };
                cma_json(StatusCode::OK, json!({"action":"publish","sys":{"type":"ReleaseAction","id":"ra1",
                    "status":status,"release":{"sys":{"type":"Link","linkType":"Release","id":"r1"}}}}))
            }),
        )
        .route(
            "/spaces/space1/environments/master/bulk_actions/actions/b1",
            get(|State(s): State<Script>, req: Request| async move {
                s.record(&req);
                cma_json(StatusCode::OK, json!({"sys":{"type":"BulkAction","id":"b1","status":"inProgress"},
                    "action":"publish","payload":{"entities":{"sys":{"type":"Array"},"items":[]}},"error":null}))
            }),
        )
        .with_state(script.clone());
    let addr = serve(app).await;
    let client = client(addr);
    let fast = PollOptions {
        initial_delay: Duration::from_millis(10),
        interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(40),
        timeout: Duration::from_millis(400),
    };
    let done = client
        .wait_release_action("r1", "ra1", &fast)
        .await
        .unwrap();
    assert_eq!(done.sys.status, ActionStatus::Succeeded);
    assert_eq!(script.seen().len(), 3);

    let err = client.wait_bulk_action("b1", &fast).await.unwrap_err();
    match err {
        CmaError::ActionTimedOut {
            kind,
            id,
            last_status,
            ..
        } => {
            assert_eq!(
                (kind, id.as_str(), last_status.as_str()),
                ("bulk action", "b1", "inProgress")
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_success_body_that_is_not_cma_json_is_a_decode_error() {
    let app = Router::new().fallback(|| async { (StatusCode::OK, "<html>captive portal</html>") });
    let addr = serve(app).await;
    let err = client(addr).get_release("r1").await.unwrap_err();
    assert!(
        matches!(
            err,
            CmaError::Decode {
                what: "release",
                ..
            }
        ),
        "{err:?}"
    );
}

/// A page from a space with both release models and a release from the future: the Launch and
/// Timeline ones decode (each item in its own shape), the one the client cannot model comes
/// back raw with its reason, and the page does not fail (spec §10.1).
#[tokio::test]
async fn a_page_with_timeline_and_unmodelled_releases_still_decodes() {
    let link = json!({"sys":{"type":"Link","linkType":"Entry","id":"e1"}});
    let timeline = json!({"title":"Autumn","entities":{"sys":{"type":"Array"},"items":[
            {"entity": link, "action": "publish"},
            {"entity": {"sys":{"type":"Link","linkType":"Asset","id":"a1"}}, "action": "unpublish"},
            {"entity": link, "add": {"fields": {"*": ["en-US"]}}, "remove": {"fields": {"*": ["de-DE"]}}},
            {"entity": link, "schedule": "later"}]},
        "sys":{"type":"Release","id":"r2","version":3,"status":"active","schemaVersion":"Release.v2"}});
    let broken = json!({"title":"From the future","entities":{"sys":{"type":"Array"},"items":[]},
        "sys":{"type":"Release","id":"r3","status":"active","version":"three"}});
    let page = json!({"sys":{"type":"Array"},"limit":100,
        "items":[release_json("r1", 1), timeline, broken],"pages":{}});
    let app = Router::new().route(
        "/spaces/space1/environments/master/releases",
        get(move || {
            let page = page.clone();
            async move { cma_json(StatusCode::OK, page) }
        }),
    );
    let addr = serve(app).await;
    let page = client(addr).query_releases(&Query::new()).await.unwrap();
    let (known, unsupported) = Decoded::split(page.items);
    assert_eq!(known.len(), 2);
    assert!(!known[0].is_timeline());
    let t = &known[1];
    assert!(t.is_timeline());
    assert_eq!(t.entities.len(), 4);
    assert_eq!(
        t.entities.unsupported(),
        1,
        "the unknown item shape is kept raw"
    );
    assert_eq!(
        t.entities.items[1],
        ReleaseItem::action(Link::asset("a1"), ItemAction::Unpublish)
    );
    assert_eq!(t.entities.items[2].removed_locales(), ["de-DE"]);
    // Re-sending it (an edit) keeps every item as it came, the unknown one too.
    let body = serde_json::to_value(ReleaseBody::from(t)).unwrap();
    assert_eq!(body["sys"]["schemaVersion"], "Release.v2");
    assert_eq!(body["entities"]["items"][3]["schedule"], "later");
    assert_eq!(unsupported.len(), 1);
    assert_eq!(unsupported[0].id(), Some("r3"));
    assert_eq!(unsupported[0].label(), "'From the future'");
}
