//! Settings → Alerts and hooks with no backend: the section drawn from a hand-made state,
//! clicked through AccessKit; the tests assert the requests it queues.

use egui::accesskit::Role;
use egui_kittest::Harness;
use release_desk::alerts::{Action, ChatFormat, HookUrl, RuleSet};
use release_desk::app::alerts::{AlertsRequest, AlertsResult};
use release_desk::app::command::Command;
use release_desk::app::event::AppEvent;
use release_desk::app::intents::Intent;
use release_desk::app::state::AppState;
use release_desk::app::views::ViewCtx;
use release_desk::app::views::settings_alerts::AlertsSection;

use crate::selectors::{button, controls};

struct Section {
    view: AlertsSection,
    state: AppState,
    intents: Vec<Intent>,
}

/// The starter rules plus a Slack rule whose URL holds a secret.
fn rules() -> RuleSet {
    let mut rules = RuleSet::starter();
    let mut slack = rules.rules[0].clone();
    slack.id = "to-slack".into();
    slack.name = "Failed schedule to Slack".into();
    slack.then = Action::Chat {
        format: ChatFormat::Slack,
        url: HookUrl::parse("https://hooks.slack.com/services/T0/B0/SECRETPART").unwrap(),
    };
    rules.rules.push(slack);
    rules
}

fn harness(state: AppState) -> Harness<'static, Section> {
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_ui_state(
            |ui, s: &mut Section| {
                let now = "2026-12-01T12:00:00Z".parse().unwrap();
                let mut cx = ViewCtx::new(&s.state, &mut s.intents, now);
                s.view.ui(ui, &mut cx);
            },
            Section {
                view: AlertsSection::default(),
                state,
                intents: Vec::new(),
            },
        )
}

fn loaded() -> AppState {
    let mut state = AppState::default();
    let _ = state.apply(AppEvent::Alerts(AlertsResult::Loaded {
        rules: rules(),
        note: None,
    }));
    state
}

fn alert_requests(h: &Harness<'static, Section>) -> Vec<AlertsRequest> {
    h.state()
        .intents
        .iter()
        .filter_map(|i| match i {
            Intent::Run(Command::Alerts(request)) => Some(request.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_section_loads_the_rules_once_it_is_shown() {
    let mut h = harness(AppState::default());
    h.run_steps(2);
    assert_eq!(alert_requests(&h).first(), Some(&AlertsRequest::Load));
}

#[test]
fn rules_are_listed_with_redacted_urls_and_send_a_test_queues_one() {
    let mut h = harness(loaded());
    h.run();
    let shown: Vec<String> = {
        use egui_kittest::kittest::NodeT;
        h.root()
            .children_recursive()
            .filter_map(|node| {
                let node = node.accesskit_node();
                node.value().or_else(|| node.label())
            })
            .filter(|text| text.contains("hooks.slack.com"))
            .collect()
    };
    assert!(
        shown
            .iter()
            .any(|l| l.contains("https://hooks.slack.com/…")),
        "{shown:?}"
    );
    assert!(shown.iter().all(|l| !l.contains("SECRET")), "{shown:?}");

    let tests: Vec<_> = controls(&h, Role::Button, "Send a test").collect();
    assert_eq!(tests.len(), 3, "one per rule");
    tests[2].click();
    h.run();
    assert_eq!(
        alert_requests(&h),
        [AlertsRequest::SendTest {
            rule_id: "to-slack".into()
        }]
    );
}

#[test]
fn switching_a_rule_off_saves_the_rules_with_it_disabled() {
    let mut h = harness(loaded());
    h.run();
    crate::selectors::control(&h, Role::CheckBox, "Failed schedule to Slack").click();
    h.run();
    let requests = alert_requests(&h);
    let [AlertsRequest::Save(saved)] = requests.as_slice() else {
        panic!("{requests:?}");
    };
    assert!(!saved.rule("to-slack").unwrap().enabled);
    assert!(saved.rule("failed-schedule").unwrap().enabled);
}

#[test]
fn the_log_button_asks_for_the_rules_deliveries() {
    let mut h = harness(loaded());
    h.run();
    let logs: Vec<_> = controls(&h, Role::Button, "Log").collect();
    logs[0].click();
    // The log loads (a spinner): step, do not settle.
    h.run_steps(3);
    assert_eq!(
        alert_requests(&h),
        [AlertsRequest::LoadLog {
            rule_id: "failed-schedule".into()
        }]
    );
    assert!(button(&h, "Close").rect().is_positive());
}
