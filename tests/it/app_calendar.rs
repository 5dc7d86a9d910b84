//! Scheduling and the calendar, driven through AccessKit with egui_kittest against a sandbox on
//! `127.0.0.1:0`: schedule a release from its page and watch the sandbox's scheduler run it on
//! the calendar; reschedule (also against a stale version) and cancel from the list; the dialog's
//! refusals and its daylight-saving warning; zones and navigation; a failed schedule in the
//! failure inspector; and the ICS export of real schedules read back.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use release_desk::app::{App, ics};
use release_desk::clock::Clock;
use release_desk::cma::{
    Client, EntityKind, EntityState, Link, LinkType, Query, ScheduledActionBody,
    ScheduledActionKind, ScheduledActionStatus, ScheduledFor, Timestamp,
};
use release_desk::sandbox::{Sandbox, SandboxConfig};

use crate::app_support::{
    AppFixture, has_label, has_label_containing, step_until, step_until_within,
};
use crate::selectors::{button, has_button};

type Fixture = AppFixture;

fn fast_config() -> SandboxConfig {
    let mut config = SandboxConfig::default();
    config.behaviour.action_delay = Duration::from_millis(30);
    config.scheduler_tick = Duration::from_millis(100);
    config
}

fn fixture() -> Fixture {
    AppFixture::start(fast_config())
}

fn open_release(f: &mut Fixture, title: &str) {
    step_until(&mut f.harness, "the releases list", |h| has_label(h, title));
    f.harness.get_by_label(title).click();
    step_until(&mut f.harness, "the release detail", |h| {
        has_button(h, "Back to releases") && has_button(h, "Schedule…")
    });
}

fn open_calendar(f: &mut Fixture) {
    step_until(&mut f.harness, "the navigation", |h| {
        has_label(h, "Calendar")
    });
    f.harness.get_by_label("Calendar").click();
    step_until(&mut f.harness, "the calendar", |h| {
        has_label(h, "Month") && has_label(h, "Today")
    });
}

/// Types into a text field named `label`, replacing what it held.
fn set_text(f: &mut Fixture, label: &str, text: &str) {
    f.harness.get_by_label(label).set_text_value_accesskit(text);
    f.harness.step();
    f.harness.step();
}

/// Chooses `zone` in the drop-down named `select` by searching for `search`.
fn choose_zone(f: &mut Fixture, select: &str, search: &str, zone: &str) {
    let search_box = format!("Search {select}");
    // A window's first frames settle its layout: retry the click until the popup shows.
    for _ in 0..5 {
        f.harness.get_by_label(select).click();
        f.harness.run_steps(3);
        if has_label(&f.harness, &search_box) {
            break;
        }
    }
    step_until(&mut f.harness, "the zone search box", |h| {
        has_label(h, &search_box)
    });
    set_text(f, &search_box, search);
    step_until(&mut f.harness, "the zone in the list", |h| {
        has_label(h, zone)
    });
    f.harness.get_by_label(zone).click();
    f.harness.step();
    f.harness.step();
}

/// Opens the schedule dialog from a release's page and waits until it is ready.
fn open_schedule_dialog(f: &mut Fixture, release: &str) {
    open_release(f, release);
    button(&f.harness, "Schedule…").click();
    step_until(&mut f.harness, "the schedule dialog", |h| {
        has_label(h, "Time zone")
            && has_label(h, "Time (HH:MM)")
            && has_label(h, "Date (YYYY-MM-DD)")
    });
    // Let the window's layout settle before clicking into it.
    f.harness.run_steps(4);
}

/// The label of the dialog's confirm button, whichever it is now.
fn schedule_button(h: &Harness<'static, App>) -> Option<&'static str> {
    ["📅 Schedule", "📅 Schedule anyway"]
        .into_iter()
        .find(|l| has_label(h, l))
}

fn schedules_of(f: &Fixture, entity_id: &str) -> Vec<release_desk::cma::ScheduledAction> {
    f.runtime
        .block_on(
            f.client
                .query_scheduled_actions(&Query::new().set("entity.sys.id", entity_id)),
        )
        .unwrap()
        .items
}

#[test]
fn a_release_scheduled_seconds_ahead_runs_on_time_and_the_calendar_shows_it() {
    // The sandbox's clock, which is the app's too, stands still until the test moves it: the
    // instant six seconds ahead stays ahead however slowly the form is filled in.
    let start = jiff::Timestamp::now().round(jiff::Unit::Second).unwrap();
    let mut config = fast_config();
    config.clock = Clock::manual(start);
    let mut f = AppFixture::start(config);
    open_schedule_dialog(&mut f, "Spring Travel Issue");
    choose_zone(&mut f, "Schedule time zone", "UTC", "UTC");
    let at = start
        .checked_add(jiff::SignedDuration::from_secs(6))
        .unwrap();
    let utc = at.to_zoned(jiff::tz::TimeZone::UTC);
    set_text(&mut f, "Date (YYYY-MM-DD)", &utc.date().to_string());
    set_text(
        &mut f,
        "Time (HH:MM)",
        &utc.strftime("%H:%M:%S").to_string(),
    );
    // The seed already schedules this release three minutes after start: a conflict, not a stop.
    step_until(&mut f.harness, "the conflict warning", |h| {
        has_button(h, "Schedule anyway")
    });
    assert!(has_label_containing(
        &f.harness,
        "It is already scheduled to publish at"
    ));
    assert!(has_label_containing(&f.harness, "UTC"));
    button(&f.harness, "Schedule anyway").click();
    step_until(&mut f.harness, "the dialog to close", |h| {
        !has_label(h, "Time zone")
    });
    let created: Vec<_> = schedules_of(&f, "release-spring-travel")
        .into_iter()
        .filter(|a| a.scheduled_for.datetime.0 == at)
        .collect();
    assert_eq!(created.len(), 1, "one new schedule at {at}");
    assert_eq!(created[0].scheduled_for.timezone.as_deref(), Some("UTC"));
    assert_eq!(created[0].action, ScheduledActionKind::Publish);

    // On the calendar: today's cell holds it, and it turns succeeded when the scheduler fires.
    open_calendar(&mut f);
    step_until(&mut f.harness, "the schedule on the calendar", |h| {
        h.query_all_by_label_contains("Spring Travel Issue").count() >= 2
    });
    // Six seconds pass, for the sandbox's scheduler and the app's follower alike.
    f._sandbox.clock().advance(Duration::from_secs(6));
    step_until_within(
        &mut f.harness,
        "the schedule to succeed",
        Duration::from_secs(40),
        |h| has_label_containing(h, "✔ ⬆") && has_label(h, "✔ succeeded"),
    );
    let done = f
        .runtime
        .block_on(f.client.get_scheduled_action(&created[0].sys.id))
        .unwrap();
    assert_eq!(done.sys.status, ScheduledActionStatus::Succeeded);
    // The release's entries are published.
    let release = f
        .runtime
        .block_on(f.client.get_release("release-spring-travel"))
        .unwrap();
    for link in &release.entities.link_vec() {
        let kind = if link.link_type().as_str() == "Asset" {
            EntityKind::Asset
        } else {
            EntityKind::Entry
        };
        let entity = f
            .runtime
            .block_on(f.client.get_entity(kind, link.id()))
            .unwrap();
        assert_eq!(entity.state(), EntityState::Published, "{}", link.id());
    }
}

#[test]
fn rescheduling_respects_the_version_and_canceling_asks_first() {
    let mut f = fixture();
    let title = "The Cider Makers of the Hudson Valley";
    let id = "schedule-hudson-cider";
    open_calendar(&mut f);
    f.harness.get_by_label("List").click();
    let reschedule = format!("Reschedule {title}");
    step_until(&mut f.harness, "the list with the seed schedules", |h| {
        has_label(h, &reschedule)
    });
    assert!(has_label(&f.harness, "Reschedule Spring Travel Issue"));
    let before = f
        .runtime
        .block_on(f.client.get_scheduled_action(id))
        .unwrap();

    // Move it to 10:15 New York time, three days from now.
    f.harness.get_by_label(&reschedule).click();
    step_until(&mut f.harness, "the reschedule dialog", |h| {
        has_button(h, "Save new time")
    });
    let new_york = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let day = jiff::Timestamp::now()
        .to_zoned(new_york.clone())
        .date()
        .checked_add(jiff::Span::new().days(3))
        .unwrap();
    set_text(&mut f, "Date (YYYY-MM-DD)", &day.to_string());
    set_text(&mut f, "Time (HH:MM)", "10:15");
    step_until(&mut f.harness, "the preview", |h| {
        has_label_containing(h, "10:15:00 E")
    });
    button(&f.harness, "Save new time").click();
    step_until(&mut f.harness, "the dialog to close", |h| {
        !has_button(h, "Save new time")
    });
    let expected = day.at(10, 15, 0, 0).to_zoned(new_york).unwrap().timestamp();
    let moved = f
        .runtime
        .block_on(f.client.get_scheduled_action(id))
        .unwrap();
    assert_eq!(moved.scheduled_for.datetime.0, expected);
    assert_eq!(
        moved.scheduled_for.timezone.as_deref(),
        Some("America/New_York")
    );
    assert!(moved.sys.version > before.sys.version);

    // Someone else moves it meanwhile; the app still holds the version it showed.
    let mut body = ScheduledActionBody::from(&moved);
    body.scheduled_for.datetime = Timestamp(
        expected
            .checked_add(jiff::SignedDuration::from_hours(2))
            .unwrap(),
    );
    let theirs = f
        .runtime
        .block_on(
            f.client
                .update_scheduled_action(id, moved.sys.version, &body),
        )
        .unwrap();
    f.harness.get_by_label(&reschedule).click();
    step_until(&mut f.harness, "the reschedule dialog again", |h| {
        has_button(h, "Save new time")
    });
    set_text(&mut f, "Time (HH:MM)", "11:45");
    button(&f.harness, "Save new time").click();
    step_until(&mut f.harness, "the conflict notice", |h| {
        has_label_containing(h, "changed by someone else")
    });
    assert!(has_label_containing(&f.harness, "Not saved"));
    let after = f
        .runtime
        .block_on(f.client.get_scheduled_action(id))
        .unwrap();
    assert_eq!(
        after.scheduled_for.datetime, theirs.scheduled_for.datetime,
        "nothing overwritten"
    );
    assert_eq!(after.sys.version, theirs.sys.version);
    f.harness.get_by_label("Reload").click();
    step_until(&mut f.harness, "their version in the dialog", |h| {
        !has_label_containing(h, "changed by someone else") && has_button(h, "Save new time")
    });
    f.harness.get_by_label("Close").click();
    step_until(&mut f.harness, "the dialog to close", |h| {
        !has_button(h, "Save new time")
    });

    // Cancel, after a confirmation.
    f.harness
        .get_by_label(&format!("Cancel the schedule of {title}"))
        .click();
    step_until(&mut f.harness, "the confirmation", |h| {
        has_label(h, "Cancel the schedule")
    });
    assert!(has_label_containing(&f.harness, "will not run"));
    f.harness.get_by_label("Cancel the schedule").click();
    step_until(&mut f.harness, "the canceled state", |h| {
        !has_label(h, &reschedule) && has_label_containing(h, "canceled")
    });
    let canceled = f
        .runtime
        .block_on(f.client.get_scheduled_action(id))
        .unwrap();
    assert_eq!(canceled.sys.status, ScheduledActionStatus::Canceled);
    // The state filter finds it among the canceled ones.
    f.harness.get_by_label("Canceled").click();
    step_until(&mut f.harness, "the canceled filter", |h| {
        has_label(h, title)
    });
    assert!(!has_label(&f.harness, "Spring Travel Issue"));
}

#[test]
fn the_dialog_refuses_past_and_far_instants_before_calling_the_api() {
    let mut f = fixture();
    open_schedule_dialog(&mut f, "Election Night Live");
    let count_before = schedules_of(&f, "release-election-night").len();
    set_text(&mut f, "Date (YYYY-MM-DD)", "2020-01-01");
    set_text(&mut f, "Time (HH:MM)", "09:00");
    step_until(&mut f.harness, "the refusal", |h| {
        has_label_containing(h, "That time is in the past")
    });
    // The button is disabled: clicking it sends nothing.
    if let Some(label) = schedule_button(&f.harness) {
        f.harness.get_by_label(label).click();
    }
    f.harness.run_steps(5);
    assert!(has_label(&f.harness, "Time zone"), "the dialog stays open");
    set_text(&mut f, "Date (YYYY-MM-DD)", "2045-01-01");
    step_until(&mut f.harness, "the five-year refusal", |h| {
        has_label_containing(h, "More than 5 years ahead")
    });
    if let Some(label) = schedule_button(&f.harness) {
        f.harness.get_by_label(label).click();
    }
    set_text(&mut f, "Time (HH:MM)", "9h");
    step_until(&mut f.harness, "the unreadable time", |h| {
        has_label_containing(h, "is not a time like 09:30")
    });
    f.harness.run_steps(5);
    assert_eq!(
        schedules_of(&f, "release-election-night").len(),
        count_before,
        "nothing was scheduled"
    );
}

#[test]
fn a_time_in_a_dst_gap_warns_and_schedules_the_chosen_reading() {
    let mut f = fixture();
    open_schedule_dialog(&mut f, "Election Night Live");
    choose_zone(&mut f, "Schedule time zone", "berlin", "Europe/Berlin");
    set_text(&mut f, "Date (YYYY-MM-DD)", "2027-03-28");
    set_text(&mut f, "Time (HH:MM)", "02:30");
    step_until(&mut f.harness, "the DST warning", |h| {
        has_label_containing(h, "02:30 does not exist on 2027-03-28 in Europe/Berlin")
    });
    assert!(has_label(&f.harness, "Earlier: 01:30 CET (00:30 UTC)"));
    assert!(has_label(&f.harness, "Later: 03:30 CEST (01:30 UTC)"));
    // Nothing can be scheduled until a reading is chosen.
    assert!(!has_label_containing(&f.harness, "Runs at"));
    f.harness
        .get_by_label("Later: 03:30 CEST (01:30 UTC)")
        .click();
    step_until(&mut f.harness, "the preview of the later reading", |h| {
        has_label_containing(h, "Sun 28 Mar 2027, 03:30:00 CEST")
            && has_label(h, "2027-03-28 01:30:00 UTC")
    });
    let label = schedule_button(&f.harness).expect("a schedule button");
    f.harness.get_by_label(label).click();
    step_until(&mut f.harness, "the dialog to close", |h| {
        !has_label(h, "Time zone")
    });
    let made = schedules_of(&f, "release-election-night");
    let made: Vec<_> = made
        .iter()
        .filter(|a| a.sys.status == ScheduledActionStatus::Scheduled)
        .collect();
    assert_eq!(made.len(), 1);
    assert_eq!(
        made[0].scheduled_for.datetime.to_string(),
        "2027-03-28T01:30:00.000Z"
    );
    assert_eq!(
        made[0].scheduled_for.timezone.as_deref(),
        Some("Europe/Berlin")
    );
}

#[test]
fn the_calendar_moves_between_months_and_shows_times_in_the_chosen_zone() {
    let mut f = fixture();
    open_calendar(&mut f);
    let seed = f
        .runtime
        .block_on(f.client.get_scheduled_action("schedule-spring-issue"))
        .unwrap();
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    let month = |t: jiff::Timestamp, tz: &jiff::tz::TimeZone| {
        t.to_zoned(tz.clone()).strftime("%B %Y").to_string()
    };
    step_until(&mut f.harness, "the seed schedule", |h| {
        has_label_containing(h, "Spring Travel Issue")
    });
    choose_zone(&mut f, "Calendar time zone", "tokyo", "Asia/Tokyo");
    f.harness.get_by_label("Go to today").click();
    let chip = format!(
        "⬆ {} Spring Travel Issue",
        seed.scheduled_for
            .datetime
            .0
            .to_zoned(tokyo.clone())
            .strftime("%H:%M")
    );
    step_until(&mut f.harness, "the chip in Tokyo time", |h| {
        has_label(h, &chip)
    });
    // Every control of the month view can be reached by name.
    f.harness.check_accessibility();
    let now = jiff::Timestamp::now();
    let this_month = month(now, &tokyo);
    assert!(has_label(&f.harness, &this_month));
    f.harness.get_by_label("Next month").click();
    let next = jiff::Timestamp::now()
        .to_zoned(tokyo.clone())
        .date()
        .first_of_month()
        .checked_add(jiff::Span::new().months(1))
        .unwrap()
        .strftime("%B %Y")
        .to_string();
    step_until(&mut f.harness, "the next month", |h| has_label(h, &next));
    f.harness.get_by_label("Go to today").click();
    step_until(&mut f.harness, "back to this month", |h| {
        has_label(h, &this_month)
    });
    // The week agenda lists the same schedule and marks today.
    f.harness.get_by_label("Week").click();
    step_until(&mut f.harness, "the week agenda", |h| {
        has_label(h, "Previous week") && has_label_containing(h, "Spring Travel Issue")
    });
    f.harness.check_accessibility();
    f.harness.get_by_label("List").click();
    step_until(&mut f.harness, "the list", |h| {
        has_label(h, "Reschedule Spring Travel Issue")
    });
    f.harness.check_accessibility();
    // A day click lists its actions, with a way to schedule on it.
    f.harness.get_by_label("Month").click();
    let today = jiff::Timestamp::now().to_zoned(tokyo).date();
    let day_label = today.strftime("%A %-d %B %Y").to_string();
    step_until(&mut f.harness, "today's cell", |h| has_label(h, &day_label));
    f.harness.get_by_label(&day_label).click();
    step_until(&mut f.harness, "the day panel", |h| {
        has_button(h, "Schedule on this day…")
    });
    button(&f.harness, "Schedule on this day…").click();
    step_until(&mut f.harness, "the dialog with a picker", |h| {
        has_label(h, "Release or entry")
    });
    step_until(&mut f.harness, "the preview", |h| {
        has_label_containing(h, "Runs at")
    });
    f.harness.check_accessibility();
    assert!(
        has_label_containing(&f.harness, "(Asia/Tokyo)"),
        "the calendar's zone"
    );
}

#[test]
fn a_failed_schedule_stands_out_and_opens_the_failure_inspector() {
    let mut f = fixture();
    open_calendar(&mut f);
    // Schedule the release that fails validation, two seconds ahead, behind the app's back.
    let at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(2))
        .unwrap();
    let body = ScheduledActionBody {
        entity: Link::new(LinkType::Release, "release-election-night"),
        environment: Link::new(LinkType::Environment, "master"),
        action: ScheduledActionKind::Publish,
        scheduled_for: ScheduledFor {
            datetime: Timestamp(at),
            timezone: Some("Europe/Berlin".into()),
        },
        payload: None,
    };
    f.runtime
        .block_on(f.client.create_scheduled_action(&body))
        .unwrap();
    f.harness.get_by_label("Reload scheduled actions").click();
    step_until_within(
        &mut f.harness,
        "the failed schedule",
        Duration::from_secs(30),
        |h| has_button(h, "1 failed"),
    );
    button(&f.harness, "1 failed").click();
    step_until(&mut f.harness, "the inspect button", |h| {
        has_button(h, "Inspect failure")
    });
    // A failed schedule can be scheduled again: the dialog opens on the same target.
    f.harness.get_by_label_contains("again").click();
    step_until(&mut f.harness, "the schedule dialog", |h| {
        has_label(h, "Date (YYYY-MM-DD)")
    });
    f.harness.get_by_label("Close").click();
    step_until(&mut f.harness, "the dialog closed", |h| {
        !has_label(h, "Date (YYYY-MM-DD)")
    });
    button(&f.harness, "Inspect failure").click();
    step_until(&mut f.harness, "the inspector", |h| {
        has_label_containing(h, "entities failed")
    });
    assert!(has_label_containing(&f.harness, "Required, but empty"));
}

/// The calendar's export writes the file it is given (a dialog, or the downloads folder when
/// none can open) and says where.
#[test]
fn the_calendar_exports_its_schedules_to_an_ics_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schedules.ics");
    let given = file.clone();
    let mut f = AppFixture::start_with(SandboxConfig::default(), 0.25, move |setup| {
        setup.worker.file_choice = release_desk::app::worker::FileChoice::Given(given);
    });
    f.harness.get_by_label("Calendar").click();
    step_until(&mut f.harness, "the calendar", |h| {
        has_button(h, "Export .ics")
    });
    button(&f.harness, "Export .ics").click();
    step_until(&mut f.harness, "the file", |_| file.exists());
    let parsed = ics::parse_calendar(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(!parsed.is_empty());
}

#[test]
fn the_ics_export_of_real_schedules_parses_back_to_the_same_events() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();
    let client = Client::new(sandbox.client_config()).unwrap();
    let actions: Vec<_> = runtime
        .block_on(async {
            use futures_util::TryStreamExt;
            client
                .scheduled_actions(Query::new())
                .try_collect::<Vec<_>>()
                .await
        })
        .unwrap();
    assert_eq!(actions.len(), 3);
    let stamp = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    let events: Vec<ics::IcsEvent> = actions
        .iter()
        .map(|a| {
            ics::event_for(
                a,
                &format!("Title of {}, with; odd \\ chars", a.entity.id()),
                stamp,
            )
        })
        .collect();
    let text = ics::write_calendar("Northwind Journal: scheduled actions", &events);
    for line in text.split("\r\n") {
        assert!(line.len() <= ics::MAX_LINE_OCTETS, "{line:?}");
    }
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3);
    let parsed = ics::parse_calendar(&text).unwrap();
    assert_eq!(parsed, events);
    for (event, action) in parsed.iter().zip(&actions) {
        assert_eq!(
            event.start.as_second(),
            action.scheduled_for.datetime.0.as_second()
        );
        assert_eq!(event.uid, format!("{}@release-desk", action.sys.id));
    }
}

#[test]
fn the_list_loads_more_pages_as_the_user_scrolls() {
    let mut f = fixture();
    let title = "The North Sea Had Its Warmest Summer on Record";
    // 110 schedules of one entry, a minute apart, tomorrow: three pages of 50 with the seed's.
    let start = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .unwrap();
    f.runtime.block_on(async {
        for i in 0..110 {
            let body = ScheduledActionBody {
                entity: Link::entry("article-ocean-heatwave"),
                environment: Link::new(LinkType::Environment, "master"),
                action: ScheduledActionKind::Publish,
                scheduled_for: ScheduledFor {
                    datetime: Timestamp(
                        start
                            .checked_add(jiff::SignedDuration::from_mins(i))
                            .unwrap(),
                    ),
                    timezone: Some("UTC".into()),
                },
                payload: None,
            };
            f.client.create_scheduled_action(&body).await.unwrap();
        }
    });
    open_calendar(&mut f);
    f.harness.get_by_label("List").click();
    step_until(&mut f.harness, "the first page", |h| {
        h.query_all_by_label(title).count() > 5
    });
    let page = &f.harness.state().state.scheduled_page;
    assert_eq!(page.ids.len(), 50, "one page of 50");
    assert!(page.next.is_some());
    // Only the rows in view are laid out.
    assert!(f.harness.query_all_by_label(title).count() < 40);
    let started = Instant::now();
    while f.harness.state().state.scheduled_page.ids.len() < 113
        || f.harness.state().state.scheduled_page.next.is_some()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the list stopped at {} rows",
            f.harness.state().state.scheduled_page.ids.len()
        );
        if let Some(last) = f.harness.query_all_by_label(title).last() {
            last.scroll_down();
        }
        f.harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let ids = &f.harness.state().state.scheduled_page.ids;
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 113, "every schedule once");
    // Filtering by state asks the server again: none has failed.
    f.harness.get_by_label("Failed").click();
    step_until(&mut f.harness, "the empty failed list", |h| {
        has_label(h, "No scheduled actions match")
    });
}
