//! Frame cost of the timeline view at 1,000 and 1,000,000 journal events (not a timed test):
//! `cargo bench --bench frame`. Fills a journal directly (batched transactions), warms the
//! view's row cache by answering its requests synchronously with the worker's own handler, then
//! times headless frames (median of per-frame times) (`run_ui` + `tessellate`) and prints
//! `frame_ms_1k=<a> frame_ms_1m=<b> ratio=<b/a>`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Instant;

use release_desk::app::command::Command;
use release_desk::app::event::{AppEvent, Epoch};
use release_desk::app::intents::Intent;
use release_desk::app::state::{AppState, ConnectionInfo};
use release_desk::app::timeline::TimelineRequest;
use release_desk::app::views::ViewCtx;
use release_desk::app::views::timeline::TimelineView;
use release_desk::app::worker::timeline::journal as journal_worker;
use release_desk::timeline::event::IncomingEvent;
use release_desk::timeline::{Journal, JournalConfig, Origin, Verdict};

const TOPICS: [&str; 6] = [
    "Entry.publish",
    "Entry.save",
    "Release.save",
    "ReleaseAction.execute",
    "BulkAction.execute",
    "ScheduledAction.execute",
];
const CHUNK: usize = 50_000;
const FRAMES: usize = 300;

fn event(n: usize) -> IncomingEvent {
    let topic = TOPICS[n % TOPICS.len()];
    let (entity_type, _) = topic.split_once('.').unwrap();
    let headers = vec![
        (
            "X-Contentful-Topic".to_owned(),
            format!("ContentManagement.{topic}"),
        ),
        (
            "X-Contentful-Webhook-Request-Attempt".to_owned(),
            "1".to_owned(),
        ),
    ];
    let body = serde_json::json!({
        "sys": {"type": entity_type, "id": format!("id{}", n % 50_000), "version": 3,
                "status": if n.is_multiple_of(7) { "failed" } else { "succeeded" }},
        "fields": {"title": {"en-US": format!("Article number {n} about spring travel")}}
    });
    let bytes = body.to_string().into_bytes();
    let len = bytes.len() as u64;
    IncomingEvent::from_delivery(
        Origin::Receiver,
        "bench",
        headers,
        bytes,
        len,
        Some(body),
        Verdict::Verified,
        200,
    )
}

fn fill(journal: &Journal, count: usize) {
    let mut n = 0;
    while n < count {
        let chunk: Vec<IncomingEvent> = (n..(n + CHUNK).min(count)).map(event).collect();
        journal.bulk_insert_for_bench(&chunk).unwrap();
        n += chunk.len();
    }
}

fn raw_input() -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1400.0, 860.0),
        )),
        ..Default::default()
    }
}

/// One frame of the view; returns the commands it pushed.
fn frame(ctx: &egui::Context, view: &mut TimelineView, state: &AppState) -> Vec<Command> {
    let mut intents = Vec::new();
    let mut output = ctx.run_ui(raw_input(), |ui| {
        egui::CentralPanel::default_margins().show(ui, |ui| {
            let mut cx = ViewCtx::new(state, &mut intents, jiff::Timestamp::now());
            view.ui(ui, &mut cx);
        });
    });
    let commands = intents
        .into_iter()
        .filter_map(|intent| match intent {
            Intent::Run(command) => Some(command),
            _ => None,
        })
        .collect();
    let shapes = std::mem::take(&mut output.shapes);
    let primitives = ctx.tessellate(shapes, output.pixels_per_point);
    std::hint::black_box(primitives);
    output.drop_without_applying_deltas();
    commands
}

/// Answers the view's requests as the worker would (synchronously here); returns how many.
fn answer(journal: &Journal, state: &mut AppState, commands: Vec<Command>) -> usize {
    let file = std::env::temp_dir().join("release-desk-bench-filters.json");
    let mut n = 0;
    for command in commands {
        if let Command::Timeline(request) = command {
            state.timeline.on_request(&request);
            if let TimelineRequest::Journal(request) = request {
                let result = journal_worker::handle(journal, &file, request);
                let _ = state.apply(AppEvent::Timeline(result));
                n += 1;
            }
        }
    }
    n
}

fn measure(count: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(JournalConfig::new(dir.path().join("bench.sqlite3"))).unwrap();
    let started = Instant::now();
    fill(&journal, count);
    eprintln!("filled {count} events in {:?}", started.elapsed());
    let ctx = egui::Context::default();
    let mut state = AppState::new(
        ConnectionInfo {
            profile: "bench".into(),
            base_url: String::new(),
            space_id: String::new(),
            environment_id: String::new(),
            is_sandbox: true,
            receiver: Some("127.0.0.1:0".into()),
        },
        Epoch(1),
    );
    let mut view = TimelineView::default();
    // Warm up: frames until the view asks for nothing more.
    for _ in 0..50 {
        let commands = frame(&ctx, &mut view, &state);
        if answer(&journal, &mut state, commands) == 0 {
            break;
        }
    }
    assert_eq!(state.timeline.total, count as u64);
    // A few untimed frames more, so one-off costs (font atlas, layout caches) are not timed.
    for _ in 0..30 {
        let _ = frame(&ctx, &mut view, &state);
    }
    let mut samples = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        let started = Instant::now();
        let commands = frame(&ctx, &mut view, &state);
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(commands.is_empty(), "the cache was not warm");
    }
    // The median: robust to the odd frame slowed by the (shared, noisy) machine.
    samples.sort_by(f64::total_cmp);
    let ms = samples[samples.len() / 2];
    eprintln!(
        "{count} events: {ms:.3} ms per frame ({} rows cached)",
        state.timeline.cached()
    );
    ms
}

fn main() {
    let a = measure(1_000);
    let b = measure(1_000_000);
    println!("frame_ms_1k={a:.3} frame_ms_1m={b:.3} ratio={:.2}", b / a);
}
