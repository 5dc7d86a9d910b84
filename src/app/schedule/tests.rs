//! Unit tests of the parent module.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::cma::{ScheduledActionSys, ScheduledFor};
use jiff::civil::date;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn action(
    id: &str,
    target: &EntityRef,
    kind: ScheduledActionKind,
    at: &str,
    status: ScheduledActionStatus,
) -> ScheduledAction {
    ScheduledAction {
        entity: target.to_link(),
        environment: Link::new(LinkType::Environment, "master"),
        action: kind,
        scheduled_for: ScheduledFor {
            datetime: crate::cma::Timestamp(ts(at)),
            timezone: Some("Europe/Berlin".into()),
        },
        payload: None,
        sys: ScheduledActionSys {
            type_: "ScheduledAction".into(),
            id: id.into(),
            version: 1,
            status,
            space: None,
            created_at: None,
            created_by: None,
            updated_at: None,
            updated_by: None,
            canceled_at: None,
            canceled_by: None,
            extra: Default::default(),
        },
        error: None,
        extra: Default::default(),
    }
}

/// `check(input, expected)`: a wall-clock entry and what it resolves to — the UTC instant(s)
/// or the refusal.
#[test]
fn resolving_wall_clock_times() {
    const NOW: &str = "2026-11-26T12:00:00Z";
    #[track_caller]
    fn check(input: (Date, &str, &str, Option<DstChoice>), expected: Result<&str, Refusal>) {
        let (day, time, zone, choice) = input;
        let got = plan_instant(day, time, zone, choice, ts(NOW))
            .map(|(_, t)| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        assert_eq!(got, expected.map(str::to_owned), "{input:?}");
    }
    let none = None;
    let (earlier, later) = (Some(DstChoice::Earlier), Some(DstChoice::Later));
    // Plain times, in and out of summer time.
    check(
        (date(2026, 12, 1), "09:00", "Europe/Berlin", none),
        Ok("2026-12-01T08:00:00Z"),
    );
    check(
        (date(2027, 7, 1), "09:00", "Europe/Berlin", none),
        Ok("2027-07-01T07:00:00Z"),
    );
    check(
        (date(2026, 12, 1), "09:00:30", "UTC", none),
        Ok("2026-12-01T09:00:30Z"),
    );
    check(
        (date(2027, 1, 5), "23:59", "Asia/Tokyo", none),
        Ok("2027-01-05T14:59:00Z"),
    );
    // The spring-forward gap: 02:30 does not exist in Berlin on 2027-03-28.
    check(
        (date(2027, 3, 28), "02:30", "Europe/Berlin", none),
        Err(Refusal::NeedsDstChoice),
    );
    check(
        (date(2027, 3, 28), "02:30", "Europe/Berlin", earlier),
        Ok("2027-03-28T00:30:00Z"),
    );
    check(
        (date(2027, 3, 28), "02:30", "Europe/Berlin", later),
        Ok("2027-03-28T01:30:00Z"),
    );
    // The fall-back fold: 02:30 happens twice in Berlin on 2027-10-31.
    check(
        (date(2027, 10, 31), "02:30", "Europe/Berlin", none),
        Err(Refusal::NeedsDstChoice),
    );
    check(
        (date(2027, 10, 31), "02:30", "Europe/Berlin", earlier),
        Ok("2027-10-31T00:30:00Z"),
    );
    check(
        (date(2027, 10, 31), "02:30", "Europe/Berlin", later),
        Ok("2027-10-31T01:30:00Z"),
    );
    // A choice does not change an unambiguous time.
    check(
        (date(2026, 12, 1), "09:00", "Europe/Berlin", later),
        Ok("2026-12-01T08:00:00Z"),
    );
    // Refusals.
    check(
        (date(2026, 11, 26), "11:59", "UTC", none),
        Err(Refusal::InThePast),
    );
    check(
        (date(2026, 11, 26), "12:00", "UTC", none),
        Err(Refusal::InThePast),
    );
    check(
        (date(2020, 1, 1), "09:00", "Europe/Berlin", none),
        Err(Refusal::InThePast),
    );
    check(
        (date(2031, 11, 26), "12:00", "UTC", none),
        Ok("2031-11-26T12:00:00Z"),
    );
    check(
        (date(2031, 11, 26), "12:01", "UTC", none),
        Err(Refusal::TooFarAhead {
            latest: ts("2031-11-26T12:00:00Z"),
        }),
    );
    check(
        (date(2026, 12, 1), "09:00", "Mars/Olympus", none),
        Err(Refusal::UnknownZone("Mars/Olympus".into())),
    );
    check(
        (date(2026, 12, 1), "25:00", "UTC", none),
        Err(Refusal::Unreadable(
            "'25:00' is not a time like 09:30".into(),
        )),
    );
    check(
        (date(2026, 12, 1), "9", "UTC", none),
        Err(Refusal::Unreadable("'9' is not a time like 09:30".into())),
    );
}

#[test]
fn gaps_and_folds_are_reported_with_both_readings() {
    #[track_caller]
    fn check(input: (Date, &str, &str), expected: &str) {
        let (day, time, zone) = input;
        let local = resolve_local(day, parse_time(time).unwrap(), zone).unwrap();
        let show = |z: &Zoned| z.strftime("%H:%M %Z").to_string();
        let got = match &local {
            LocalTime::Unique(z) => format!("unique {}", show(z)),
            LocalTime::Gap { earlier, later } => {
                format!("gap {} / {}", show(earlier), show(later))
            }
            LocalTime::Fold { earlier, later } => {
                format!("fold {} / {}", show(earlier), show(later))
            }
        };
        assert_eq!(got, expected, "{input:?}");
    }
    check(
        (date(2027, 3, 28), "02:30", "Europe/Berlin"),
        "gap 01:30 CET / 03:30 CEST",
    );
    check(
        (date(2027, 3, 28), "03:00", "Europe/Berlin"),
        "unique 03:00 CEST",
    );
    check(
        (date(2027, 10, 31), "02:30", "Europe/Berlin"),
        "fold 02:30 CEST / 02:30 CET",
    );
    check(
        (date(2027, 3, 14), "02:15", "America/New_York"),
        "gap 01:15 EST / 03:15 EDT",
    );
    check((date(2027, 3, 28), "02:30", "UTC"), "unique 02:30 UTC");
}

#[test]
fn reading_dates_and_times() {
    #[track_caller]
    fn check(input: &str, expected: Option<&str>) {
        let got = parse_time(input).ok().map(|t| t.to_string());
        assert_eq!(got.as_deref(), expected, "{input:?}");
    }
    check("09:30", Some("09:30:00"));
    check(" 9:05 ", Some("09:05:00"));
    check("23:59:59", Some("23:59:59"));
    check("24:00", None);
    check("12:60", None);
    check("12", None);
    check("12:3a", None);
    check("-1:30", None);
    check("", None);
    assert_eq!(parse_date("2027-03-28").ok(), Some(date(2027, 3, 28)));
    assert!(parse_date("2027-02-30").is_err());
    assert!(parse_date("28.03.2027").is_err());
}

#[test]
fn detecting_conflicts() {
    let spring = EntityRef::release("spring");
    let autumn = EntityRef::release("autumn");
    let article = EntityRef::entry("article");
    let author = EntityRef::entry("author");
    let photo = EntityRef::asset("photo");
    let other = EntityRef::entry("other");
    let mut data = ConflictData::default();
    data.release_members
        .insert(spring.id.clone(), vec![article.clone(), photo.clone()]);
    data.release_members
        .insert(autumn.id.clone(), vec![photo.clone(), other.clone()]);
    data.references
        .insert(article.clone(), vec![author.clone(), photo.clone()]);
    use ScheduledActionKind::{Publish, Unpublish};
    use ScheduledActionStatus::{Canceled, Scheduled, Succeeded};
    data.scheduled = vec![
        action(
            "s-autumn",
            &autumn,
            Publish,
            "2027-01-10T09:00:00Z",
            Scheduled,
        ),
        action(
            "s-article",
            &article,
            Publish,
            "2027-01-10T09:30:00Z",
            Scheduled,
        ),
        action(
            "s-author-off",
            &author,
            Unpublish,
            "2027-01-20T09:00:00Z",
            Scheduled,
        ),
        action(
            "s-old",
            &article,
            Publish,
            "2027-01-10T09:10:00Z",
            Succeeded,
        ),
        action(
            "s-canceled",
            &article,
            Publish,
            "2027-01-10T09:20:00Z",
            Canceled,
        ),
    ];
    let candidate = |target: &EntityRef, kind: ScheduledActionKind, at: &str| Candidate {
        target: target.clone(),
        action: kind,
        at: ts(at),
        replacing: None,
    };
    #[track_caller]
    fn check(data: &ConflictData, input: Candidate, expected: &[&str]) {
        let got: Vec<String> = conflicts(&input, data)
            .iter()
            .map(|c| match c {
                Conflict::Nearby { schedule_id, .. } => format!("nearby {schedule_id}"),
                Conflict::InScheduledRelease {
                    release_id, shared, ..
                } => format!(
                    "shared with {release_id}: {}",
                    shared
                        .iter()
                        .map(|e| e.id.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Conflict::UnpublishBeforePublish {
                    unpublished,
                    publisher,
                    ..
                } => format!(
                    "{} unpublished before {} publishes",
                    unpublished.id, publisher.id
                ),
                Conflict::CrowdedMinute { count, .. } => format!("crowded {count}"),
            })
            .collect();
        assert_eq!(got, expected, "{input:?}");
    }
    // The article is already scheduled at 09:30 (succeeded and canceled ones do not count).
    check(
        &data,
        candidate(&article, Publish, "2027-01-10T10:00:00Z"),
        &["nearby s-article"],
    );
    check(
        &data,
        candidate(&article, Publish, "2027-01-10T10:30:00Z"),
        &[],
    );
    // Rescheduling the article's own action does not conflict with itself.
    check(
        &data,
        Candidate {
            replacing: Some("s-article".into()),
            ..candidate(&article, Publish, "2027-01-10T10:00:00Z")
        },
        &[],
    );
    // The spring release shares the photo with the scheduled autumn release.
    check(
        &data,
        candidate(&spring, Publish, "2027-01-15T09:00:00Z"),
        &["shared with autumn: photo"],
    );
    // The photo alone is in the autumn release too.
    check(
        &data,
        candidate(&photo, Unpublish, "2027-03-01T09:00:00Z"),
        &["shared with autumn: photo"],
    );
    // The author goes offline on the 20th; publishing the article (which links to the author)
    // afterwards would fail. Publishing the spring release too (it holds the article).
    check(
        &data,
        candidate(&article, Publish, "2027-01-22T09:00:00Z"),
        &["author unpublished before article publishes"],
    );
    check(
        &data,
        candidate(&spring, Publish, "2027-01-22T09:00:00Z"),
        &[
            "shared with autumn: photo",
            "author unpublished before article publishes",
        ],
    );
    // Before the unpublish, there is no inversion.
    check(
        &data,
        candidate(&article, Publish, "2027-01-19T09:00:00Z"),
        &[],
    );
    // Unpublishing the photo before the article's publish (the article links to it).
    check(
        &data,
        candidate(&photo, Unpublish, "2027-01-10T08:00:00Z"),
        &[
            "shared with autumn: photo",
            "photo unpublished before article publishes",
        ],
    );
    // ... but not when what links to it is republished with it.
    data.scheduled.retain(|a| a.sys.id != "s-article");
    data.scheduled.push(action(
        "s-spring",
        &spring,
        Publish,
        "2027-01-10T12:00:00Z",
        Scheduled,
    ));
    check(
        &data,
        candidate(&author, Unpublish, "2027-01-10T08:00:00Z"),
        &["author unpublished before article publishes"],
    );
    data.release_members
        .get_mut("spring")
        .unwrap()
        .push(author.clone());
    check(
        &data,
        candidate(&author, Unpublish, "2027-01-10T08:00:00Z"),
        &["shared with spring: author"],
    );
}

#[test]
fn more_than_200_in_one_minute_is_crowded() {
    let mut data = ConflictData::default();
    for i in 0..200 {
        data.scheduled.push(action(
            &format!("s{i}"),
            &EntityRef::entry(format!("e{i}")),
            ScheduledActionKind::Publish,
            &format!("2027-01-10T09:00:{:02}Z", i % 60),
            ScheduledActionStatus::Scheduled,
        ));
    }
    #[track_caller]
    fn check(data: &ConflictData, at: &str, expected: Option<usize>) {
        let candidate = Candidate {
            target: EntityRef::entry("new"),
            action: ScheduledActionKind::Publish,
            at: ts(at),
            replacing: None,
        };
        let got = conflicts(&candidate, data).iter().find_map(|c| match c {
            Conflict::CrowdedMinute { count, .. } => Some(*count),
            _ => None,
        });
        assert_eq!(got, expected, "{at}");
    }
    check(&data, "2027-01-10T09:00:59Z", Some(201));
    check(&data, "2027-01-10T09:01:00Z", None);
    check(&data, "2027-01-10T08:59:59Z", None);
    data.scheduled.pop();
    check(&data, "2027-01-10T09:00:30Z", None);
}

#[test]
fn links_are_found_in_any_field_and_locale() {
    let fields: Fields = serde_json::from_value(serde_json::json!({
        "title": {"en-US": "Hello"},
        "author": {"en-US": {"sys": {"type": "Link", "linkType": "Entry", "id": "a1"}}},
        "gallery": {"en-US": [
            {"sys": {"type": "Link", "linkType": "Asset", "id": "p1"}},
            {"sys": {"type": "Link", "linkType": "Asset", "id": "p2"}}
        ], "de-DE": [{"sys": {"type": "Link", "linkType": "Asset", "id": "p1"}}]},
        "body": {"en-US": {"nodeType": "document", "content": [
            {"nodeType": "embedded-entry-block", "data": {"target":
                {"sys": {"type": "Link", "linkType": "Entry", "id": "e9"}}}}
        ]}}
    }))
    .unwrap();
    assert_eq!(
        links_in_fields(&fields),
        vec![
            EntityRef::entry("a1"),
            EntityRef::entry("e9"),
            EntityRef::asset("p1"),
            EntityRef::asset("p2"),
        ]
    );
}

#[test]
fn month_grids_are_whole_weeks() {
    #[track_caller]
    fn check(input: Date, expected: (Date, Date, usize)) {
        let grid = month_grid(input);
        let got = (grid[0], grid[grid.len() - 1], grid.len());
        assert_eq!(got, expected, "{input}");
    }
    // November 2026 starts on a Sunday: six rows.
    check(
        date(2026, 11, 26),
        (date(2026, 10, 26), date(2026, 12, 6), 42),
    );
    // February 2027 starts on a Monday and has 28 days: exactly four rows.
    check(date(2027, 2, 14), (date(2027, 2, 1), date(2027, 2, 28), 28));
    // March 2027: Monday 1st to Wednesday 31st.
    check(date(2027, 3, 28), (date(2027, 3, 1), date(2027, 4, 4), 35));
    assert_eq!(week_start(date(2026, 11, 26)), date(2026, 11, 23));
    assert_eq!(week_start(date(2026, 11, 23)), date(2026, 11, 23));
}

#[test]
fn actions_are_grouped_by_day_in_the_chosen_zone() {
    let e = EntityRef::entry("x");
    use ScheduledActionKind::Publish;
    use ScheduledActionStatus::Scheduled;
    let actions = vec![
        action("late", &e, Publish, "2026-11-26T23:30:00Z", Scheduled),
        action("early", &e, Publish, "2026-11-26T01:00:00Z", Scheduled),
        action("out", &e, Publish, "2026-12-20T10:00:00Z", Scheduled),
    ];
    #[track_caller]
    fn check(actions: &[ScheduledAction], zone: &str, expected: &[(Date, &[&str])]) {
        let tz = super::zone(zone).unwrap();
        let days = by_day(actions, &tz, date(2026, 11, 1), date(2026, 11, 30));
        let got: Vec<(Date, Vec<&str>)> = days
            .iter()
            .map(|(d, ids)| {
                (
                    *d,
                    ids.iter().map(|&i| actions[i].sys.id.as_str()).collect(),
                )
            })
            .collect();
        let expected: Vec<(Date, Vec<&str>)> =
            expected.iter().map(|(d, ids)| (*d, ids.to_vec())).collect();
        assert_eq!(got, expected, "{zone}");
    }
    check(&actions, "UTC", &[(date(2026, 11, 26), &["early", "late"])]);
    // In Berlin 23:30 UTC is already the 27th.
    check(
        &actions,
        "Europe/Berlin",
        &[
            (date(2026, 11, 26), &["early"]),
            (date(2026, 11, 27), &["late"]),
        ],
    );
    // In New York 01:00 UTC is still the 25th.
    check(
        &actions,
        "America/New_York",
        &[
            (date(2026, 11, 25), &["early"]),
            (date(2026, 11, 26), &["late"]),
        ],
    );
}

#[test]
fn overdue_means_scheduled_and_more_than_a_minute_late() {
    let e = EntityRef::entry("x");
    let now = ts("2026-11-26T12:00:00Z");
    #[track_caller]
    fn check(a: &ScheduledAction, now: Timestamp, expected: bool) {
        assert_eq!(is_overdue(a, now), expected, "{}", a.sys.id);
    }
    use ScheduledActionKind::Publish;
    use ScheduledActionStatus::{Failed, Scheduled};
    check(
        &action("late", &e, Publish, "2026-11-26T11:58:00Z", Scheduled),
        now,
        true,
    );
    check(
        &action("due", &e, Publish, "2026-11-26T11:59:30Z", Scheduled),
        now,
        false,
    );
    check(
        &action("future", &e, Publish, "2026-11-26T13:00:00Z", Scheduled),
        now,
        false,
    );
    check(
        &action("failed", &e, Publish, "2026-11-26T10:00:00Z", Failed),
        now,
        false,
    );
}
