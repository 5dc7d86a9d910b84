//! Failures in plain sentences (issue "Daily use", item 3): a failure notice says one
//! sentence; the technical detail (error chain, request id) is behind "Details"; a notice
//! goes by itself unless its details are open.

use crate::selectors::button;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::failure::Failure;
use release_desk::app::widgets::FailureToasts;

const SUMMARY: &str = "Publishing 'Spring Travel Issue' failed: the server could not be reached.";
const DETAIL: &str = "network error: connection refused\nRequest id: req-42";

fn harness() -> Harness<'static, FailureToasts> {
    let mut toasts = FailureToasts::default();
    toasts.push(Failure {
        summary: SUMMARY.into(),
        detail: Some(DETAIL.into()),
    });
    Harness::builder()
        .with_size(egui::vec2(900.0, 560.0))
        .build_ui_state(|ui, t: &mut FailureToasts| t.show(ui.ctx()), toasts)
}

#[test]
fn a_failure_says_one_sentence_and_keeps_the_detail_behind_a_disclosure() {
    let mut h = harness();
    h.run_steps(2);
    assert!(h.query_by_label(SUMMARY).is_some());
    assert!(h.query_by_label(DETAIL).is_none(), "the detail waits");
    h.get_by_label("Details").click();
    h.run_steps(4);
    assert!(h.query_by_label(DETAIL).is_some());
    // Open details keep the notice past its time (the harness steps a quarter second).
    h.run_steps(60);
    assert!(h.query_by_label(SUMMARY).is_some());
    button(&h, "Dismiss").click();
    h.run_steps(2);
    assert!(h.query_by_label(SUMMARY).is_none());
    assert!(h.state().is_empty());
}

#[test]
fn a_notice_nobody_reads_goes_by_itself() {
    let mut h = harness();
    h.run_steps(2);
    assert_eq!(h.state().len(), 1);
    h.run_steps(60);
    assert!(h.state().is_empty());
    assert!(h.query_by_label(SUMMARY).is_none());
}
