//! Helpers shared by the tests: a scripted HTTP server on `127.0.0.1:0`, a fast client.

use std::net::SocketAddr;
use std::time::Duration;

use release_desk::cma::{AccessToken, Client, ClientConfig, Region, RetryPolicy};

/// The token tests use; asserted never to leak.
pub const TEST_TOKEN: &str = "CFPAT-super-secret-test-token-0123456789";

/// Serves `router` on an ephemeral loopback port until the test ends.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}

/// A client for `addr` with quick retries and no rate limit.
pub fn client(addr: SocketAddr) -> Client {
    client_with(addr, |_| {})
}

/// Like [`client`], with a hook to adjust the configuration.
pub fn client_with(addr: SocketAddr, adjust: impl FnOnce(&mut ClientConfig)) -> Client {
    let url = url::Url::parse(&format!("http://{addr}")).unwrap();
    let mut config = ClientConfig::new(
        Region::Custom(url),
        AccessToken::new(TEST_TOKEN),
        "space1",
        "master",
    );
    config.rate_limit = None;
    config.retry = RetryPolicy {
        max_retries: 3,
        unit: Duration::from_millis(10),
        extra: Duration::ZERO,
        jitter: Duration::from_millis(5),
    };
    config.request_timeout = Duration::from_secs(5);
    adjust(&mut config);
    Client::new(config).unwrap()
}
