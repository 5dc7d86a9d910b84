//! `release-desk receive` as a real process: deliveries it acknowledged survive `SIGKILL`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use release_desk::timeline::{JOURNAL_FILE, Journal, JournalConfig};

use crate::timeline_support::{Delivery, SECRET, http, secret};

/// A running `release-desk receive` and the lines it prints.
struct Recorder {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

impl Recorder {
    fn start(data: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_release-desk"))
            .args(["receive", "--port", "0", "--data"])
            .arg(data)
            .args(["--secret", SECRET])
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("release-desk starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // `addr=…` then `journal=…`, then one line per event.
        let first = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("an addr= line");
        let addr = first
            .strip_prefix("addr=")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .parse()
            .unwrap();
        let second = lines
            .recv_timeout(Duration::from_secs(5))
            .expect("a journal= line");
        assert!(second.starts_with("journal="), "{second}");
        Self { child, addr, lines }
    }

    /// `SIGKILL`: no chance to flush anything.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_deliveries_survive_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::start(dir.path());
    let addr = recorder.addr;

    // Eight senders deliver continuously; every key answered 2xx is remembered.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for sender in 0..8 {
        let acked = acked.clone();
        let stop = stop.clone();
        senders.push(tokio::spawn(async move {
            let http = http();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let delivery = Delivery::entry_publish(&format!("s{sender}-{n}")).signed(&secret());
                let key = delivery
                    .header("X-Contentful-Idempotency-Key")
                    .unwrap()
                    .to_owned();
                let mut request = http.post(format!("http://{addr}{}", delivery.path));
                for (name, value) in &delivery.headers {
                    request = request.header(name.as_str(), value.as_str());
                }
                match request.body(delivery.body.clone()).send().await {
                    Ok(response) if response.status().is_success() => {
                        acked.lock().unwrap().push(key)
                    }
                    Ok(response) => panic!("unexpected {}", response.status()),
                    // The process is gone: this one was never acknowledged.
                    Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                }
            }
        }));
    }
    // Let deliveries flow, then kill the process mid-stream.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while acked.lock().unwrap().len() < 300 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let acked_before_kill = acked.lock().unwrap().len();
    assert!(
        acked_before_kill >= 50,
        "only {acked_before_kill} deliveries were acknowledged"
    );
    recorder.kill();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::SeqCst);
    for sender in senders {
        sender.await.unwrap();
    }
    let acked: Vec<String> = acked.lock().unwrap().clone();

    // Restarted on the same data directory, it serves again.
    let recorder = Recorder::start(dir.path());
    let after = Delivery::entry_publish("after-restart").signed(&secret());
    let (status, answer) = after.send(&http(), recorder.addr).await;
    assert_eq!(status, 200, "{answer}");
    let line = recorder
        .lines
        .recv_timeout(Duration::from_secs(10))
        .unwrap();
    assert!(
        line.contains("Entry.publish")
            && line.contains("after-restart")
            && line.contains("verified"),
        "{line}"
    );
    recorder.kill();

    // Every acknowledged delivery is in the journal, once.
    let journal = Journal::open(JournalConfig::new(dir.path().join(JOURNAL_FILE))).unwrap();
    let missing: Vec<&String> = acked
        .iter()
        .filter(|key| journal.by_idempotency_key(key).unwrap().is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged deliveries lost",
        missing.len(),
        acked.len()
    );
    let stored = journal.count(&Default::default()).unwrap();
    assert!(
        stored > acked.len() as u64,
        "{stored} stored, {} acknowledged",
        acked.len()
    );
}
