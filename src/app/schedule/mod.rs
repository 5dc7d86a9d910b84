//! The rules of scheduling, without egui: turning a wall-clock time in an IANA zone into an
//! instant (with daylight-saving gaps and folds made explicit), the checks made before any API
//! call (not in the past, at most five years ahead), conflict detection across schedules, and the
//! calendar arithmetic the calendar view caches (month grids, actions per day in a zone).
//!
//! Everything here is a pure function of its inputs; "now" is always passed in, so tests can set
//! the clock (and the zone) freely.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp, Zoned};
use serde_json::Value;

use crate::cma::{
    Fields, Link, LinkType, ScheduledAction, ScheduledActionKind, ScheduledActionStatus,
};

/// How far ahead an action may be scheduled (spec §4): five calendar years.
pub const MAX_YEARS_AHEAD: i64 = 5;
/// Two schedules of one entity closer than this are flagged.
pub const NEARBY_WINDOW: SignedDuration = SignedDuration::from_hours(1);
/// Contentful runs at most this many scheduled actions per minute (spec §4).
pub const MAX_PER_MINUTE: usize = 200;
/// A `scheduled` action this long past its instant counts as overdue (the scheduler normally
/// fires within a second or two).
pub const OVERDUE_GRACE: SignedDuration = SignedDuration::from_secs(60);

/// Every IANA zone name the time-zone database knows, sorted, read once per process.
pub fn zone_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|name| name.as_str().to_owned())
            .collect();
        if !names.iter().any(|n| n == "UTC") {
            names.push("UTC".to_owned());
        }
        names.sort();
        names.dedup();
        names
    })
}

/// The user's own zone's IANA name (`UTC` when the system zone has no name).
pub fn system_zone_name() -> String {
    TimeZone::system()
        .iana_name()
        .map_or_else(|| "UTC".to_owned(), str::to_owned)
}

/// A zone by IANA name; `None` when the database does not know it.
pub fn zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name).ok()
}

// ---- resolving a wall-clock time ---------------------------------------------------------------

/// Which of two instants to use when a local time is ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DstChoice {
    /// The earlier instant.
    Earlier,
    /// The later instant.
    Later,
}

/// How a wall-clock time maps to instants in a zone.
#[derive(Debug, Clone, PartialEq)]
pub enum LocalTime {
    /// Exactly one instant: the usual case.
    Unique(Zoned),
    /// The clocks skip this time (spring forward): it never appears on a clock in this zone.
    /// `earlier` and `later` are the two readings a user may have meant.
    Gap {
        /// The instant using the offset after the jump (shows as a time before the gap).
        earlier: Zoned,
        /// The instant using the offset before the jump (shows as a time after the gap).
        later: Zoned,
    },
    /// The time happens twice (fall back).
    Fold {
        /// The first occurrence (still on summer time).
        earlier: Zoned,
        /// The second occurrence.
        later: Zoned,
    },
}

impl LocalTime {
    /// The instant for `choice`; `None` when the time is ambiguous and nothing was chosen.
    pub fn instant(&self, choice: Option<DstChoice>) -> Option<Timestamp> {
        self.zoned(choice).map(Zoned::timestamp)
    }

    /// The zoned instant for `choice`; `None` when ambiguous and nothing was chosen.
    pub fn zoned(&self, choice: Option<DstChoice>) -> Option<&Zoned> {
        match (self, choice) {
            (Self::Unique(z), _) => Some(z),
            (Self::Gap { earlier, .. } | Self::Fold { earlier, .. }, Some(DstChoice::Earlier)) => {
                Some(earlier)
            }
            (Self::Gap { later, .. } | Self::Fold { later, .. }, Some(DstChoice::Later)) => {
                Some(later)
            }
            (_, None) => None,
        }
    }

    /// Whether the user must choose between two instants.
    pub fn is_ambiguous(&self) -> bool {
        !matches!(self, Self::Unique(_))
    }
}

/// Why a schedule cannot be made as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The zone name is not in the time-zone database.
    UnknownZone(String),
    /// The date or time could not be read (the text says which).
    Unreadable(String),
    /// The local time is in a DST gap or fold and no reading was chosen.
    NeedsDstChoice,
    /// The instant is not in the future.
    InThePast,
    /// The instant is more than five years ahead; `latest` is the last allowed instant.
    TooFarAhead {
        /// The latest instant the API accepts.
        latest: Timestamp,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownZone(z) => write!(f, "'{z}' is not a time zone this app knows"),
            Self::Unreadable(what) => write!(f, "{what}"),
            Self::NeedsDstChoice => write!(f, "Choose which of the two times you mean"),
            Self::InThePast => write!(f, "That time is in the past; choose a later one"),
            Self::TooFarAhead { latest } => write!(
                f,
                "More than {MAX_YEARS_AHEAD} years ahead; the latest possible is {} UTC",
                latest.strftime("%Y-%m-%d %H:%M")
            ),
        }
    }
}

/// Reads `HH:MM` or `HH:MM:SS` (24-hour clock).
pub fn parse_time(text: &str) -> Result<Time, Refusal> {
    let text = text.trim();
    let parts: Vec<&str> = text.split(':').collect();
    let numbers: Option<Vec<i8>> = parts
        .iter()
        .map(|p| {
            (!p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<i8>().ok())
                .flatten()
        })
        .collect();
    let unreadable = || Refusal::Unreadable(format!("'{text}' is not a time like 09:30"));
    match numbers.as_deref() {
        Some([h, m]) => Time::new(*h, *m, 0, 0).map_err(|_| unreadable()),
        Some([h, m, s]) => Time::new(*h, *m, *s, 0).map_err(|_| unreadable()),
        _ => Err(unreadable()),
    }
}

/// Reads `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, Refusal> {
    text.trim().parse::<Date>().map_err(|_| {
        Refusal::Unreadable(format!("'{}' is not a date like 2027-03-28", text.trim()))
    })
}

/// Maps a wall-clock `date` and `time` in the zone `zone_name` to its instant(s).
pub fn resolve_local(date: Date, time: Time, zone_name: &str) -> Result<LocalTime, Refusal> {
    let tz = zone(zone_name).ok_or_else(|| Refusal::UnknownZone(zone_name.to_owned()))?;
    let ambiguous = tz.to_ambiguous_zoned(DateTime::from_parts(date, time));
    let out_of_range = |_| Refusal::Unreadable("That date is out of range".to_owned());
    Ok(match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { .. } => {
            LocalTime::Unique(ambiguous.compatible().map_err(out_of_range)?)
        }
        AmbiguousOffset::Gap { .. } => LocalTime::Gap {
            earlier: ambiguous.clone().earlier().map_err(out_of_range)?,
            later: ambiguous.later().map_err(out_of_range)?,
        },
        AmbiguousOffset::Fold { .. } => LocalTime::Fold {
            earlier: ambiguous.clone().earlier().map_err(out_of_range)?,
            later: ambiguous.later().map_err(out_of_range)?,
        },
    })
}

/// The latest instant the API accepts when scheduling at `now`.
pub fn latest_allowed(now: Timestamp) -> Timestamp {
    now.to_zoned(TimeZone::UTC)
        .checked_add(Span::new().years(MAX_YEARS_AHEAD))
        .map_or(Timestamp::MAX, |z| z.timestamp())
}

/// Refuses instants that are not in the future or more than five years ahead of `now`.
pub fn check_instant(instant: Timestamp, now: Timestamp) -> Result<(), Refusal> {
    if instant <= now {
        return Err(Refusal::InThePast);
    }
    let latest = latest_allowed(now);
    if instant > latest {
        return Err(Refusal::TooFarAhead { latest });
    }
    Ok(())
}

/// The whole pre-flight for a wall-clock entry: read it, resolve it in the zone, apply the DST
/// choice, and check the instant against `now`.
pub fn plan_instant(
    date: Date,
    time_text: &str,
    zone_name: &str,
    choice: Option<DstChoice>,
    now: Timestamp,
) -> Result<(LocalTime, Timestamp), Refusal> {
    let time = parse_time(time_text)?;
    let local = resolve_local(date, time, zone_name)?;
    let instant = local.instant(choice).ok_or(Refusal::NeedsDstChoice)?;
    check_instant(instant, now)?;
    Ok((local, instant))
}

// ---- conflicts -------------------------------------------------------------------------------

/// What a schedule acts on, or what a release holds: an entry, an asset or a release.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityRef {
    /// Entry, asset or release.
    pub kind: RefKind,
    /// Its id.
    pub id: String,
}

/// The kind of an [`EntityRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RefKind {
    /// An entry.
    Entry,
    /// An asset.
    Asset,
    /// A release.
    Release,
}

impl EntityRef {
    /// An entry.
    pub fn entry(id: impl Into<String>) -> Self {
        Self {
            kind: RefKind::Entry,
            id: id.into(),
        }
    }

    /// An asset.
    pub fn asset(id: impl Into<String>) -> Self {
        Self {
            kind: RefKind::Asset,
            id: id.into(),
        }
    }

    /// A release.
    pub fn release(id: impl Into<String>) -> Self {
        Self {
            kind: RefKind::Release,
            id: id.into(),
        }
    }

    /// From a link to an entry, asset or release; `None` for anything else.
    pub fn from_link(link: &Link) -> Option<Self> {
        let kind = match link.link_type() {
            LinkType::Entry => RefKind::Entry,
            LinkType::Asset => RefKind::Asset,
            LinkType::Release => RefKind::Release,
            _ => return None,
        };
        Some(Self {
            kind,
            id: link.id().to_owned(),
        })
    }

    /// The link to it.
    pub fn to_link(&self) -> Link {
        let link_type = match self.kind {
            RefKind::Entry => LinkType::Entry,
            RefKind::Asset => LinkType::Asset,
            RefKind::Release => LinkType::Release,
        };
        Link::new(link_type, self.id.clone())
    }
}

/// The entries and assets an entity's fields link to (any depth, any locale).
pub fn links_in_fields(fields: &Fields) -> Vec<EntityRef> {
    fn walk(value: &Value, out: &mut Vec<EntityRef>) {
        match value {
            Value::Object(map) => {
                let sys = map.get("sys").and_then(Value::as_object);
                if let Some(sys) = sys
                    && sys.get("type").and_then(Value::as_str) == Some("Link")
                    && let Some(id) = sys.get("id").and_then(Value::as_str)
                {
                    match sys.get("linkType").and_then(Value::as_str) {
                        Some("Entry") => out.push(EntityRef::entry(id)),
                        Some("Asset") => out.push(EntityRef::asset(id)),
                        _ => {}
                    }
                    return;
                }
                for v in map.values() {
                    walk(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for value in fields.values() {
        walk(value, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// A schedule about to be made (or an existing one about to move).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// What it acts on.
    pub target: EntityRef,
    /// publish or unpublish.
    pub action: ScheduledActionKind,
    /// When.
    pub at: Timestamp,
    /// The id of the scheduled action being rescheduled (it does not conflict with itself).
    pub replacing: Option<String>,
}

/// What is known about the space, for conflict detection.
#[derive(Debug, Clone, Default)]
pub struct ConflictData {
    /// Every loaded scheduled action (only `scheduled` ones are considered).
    pub scheduled: Vec<ScheduledAction>,
    /// The entries and assets of each loaded release, by release id.
    pub release_members: HashMap<String, Vec<EntityRef>>,
    /// The entries and assets each loaded entry links to.
    pub references: HashMap<EntityRef, Vec<EntityRef>>,
}

/// A reason to think twice before scheduling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// The same entity already has a schedule less than an hour away.
    Nearby {
        /// The other scheduled action.
        schedule_id: String,
        /// What it does.
        action: ScheduledActionKind,
        /// When it runs.
        at: Timestamp,
    },
    /// Entities of this schedule are also in another release that is scheduled.
    InScheduledRelease {
        /// The other release.
        release_id: String,
        /// Its scheduled action.
        schedule_id: String,
        /// What that does.
        action: ScheduledActionKind,
        /// When it runs.
        at: Timestamp,
        /// The shared entries and assets.
        shared: Vec<EntityRef>,
    },
    /// An unpublish runs before (or with) a publish of something that links to what it
    /// unpublishes: that publish would fail on an unresolvable link.
    UnpublishBeforePublish {
        /// The entity unpublished.
        unpublished: EntityRef,
        /// When, and by which schedule (`None`: the candidate).
        unpublish: (Timestamp, Option<String>),
        /// The entity published that links to it.
        publisher: EntityRef,
        /// When, and by which schedule (`None`: the candidate).
        publish: (Timestamp, Option<String>),
    },
    /// More than [`MAX_PER_MINUTE`] actions fall in one minute.
    CrowdedMinute {
        /// The minute's start (UTC).
        minute: Timestamp,
        /// How many actions, this one included.
        count: usize,
    },
}

/// A scheduled action's target as an [`EntityRef`].
pub fn target_of(action: &ScheduledAction) -> Option<EntityRef> {
    EntityRef::from_link(&action.entity)
}

/// Whether the action still waits for its instant.
fn is_pending(action: &ScheduledAction) -> bool {
    action.sys.status == ScheduledActionStatus::Scheduled
}

fn minute_of(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap_or(t)
}

impl ConflictData {
    /// The entries and assets a schedule of `target` acts on.
    fn acted_on(&self, target: &EntityRef) -> Vec<EntityRef> {
        match target.kind {
            RefKind::Release => self
                .release_members
                .get(&target.id)
                .cloned()
                .unwrap_or_default(),
            _ => vec![target.clone()],
        }
    }

    /// Whether publishing `published` (a set of entities) while `unpublished` goes offline
    /// leaves a link dangling: (unpublished entity, publisher that links to it).
    fn dangling(
        &self,
        unpublished: &[EntityRef],
        published: &[EntityRef],
    ) -> Option<(EntityRef, EntityRef)> {
        let republished: HashSet<&EntityRef> = published.iter().collect();
        for publisher in published {
            let Some(links) = self.references.get(publisher) else {
                continue;
            };
            if let Some(gone) = links
                .iter()
                .find(|l| unpublished.contains(l) && !republished.contains(l))
            {
                return Some((gone.clone(), publisher.clone()));
            }
        }
        None
    }
}

/// Every conflict of `candidate` with the loaded schedules, in a stable order.
pub fn conflicts(candidate: &Candidate, data: &ConflictData) -> Vec<Conflict> {
    let others: Vec<(&ScheduledAction, EntityRef)> = data
        .scheduled
        .iter()
        .filter(|a| is_pending(a) && candidate.replacing.as_deref() != Some(a.sys.id.as_str()))
        .filter_map(|a| target_of(a).map(|t| (a, t)))
        .collect();
    let mut out = Vec::new();

    // 1. The same entity within an hour.
    for (other, target) in &others {
        let at = other.scheduled_for.datetime.0;
        if *target == candidate.target && at.duration_since(candidate.at).abs() < NEARBY_WINDOW {
            out.push(Conflict::Nearby {
                schedule_id: other.sys.id.clone(),
                action: other.action.clone(),
                at,
            });
        }
    }

    // 2. Shared entities with another scheduled release.
    let mine: Vec<EntityRef> = data.acted_on(&candidate.target);
    for (other, target) in &others {
        if target.kind != RefKind::Release || *target == candidate.target {
            continue;
        }
        let theirs = data.acted_on(target);
        let shared: Vec<EntityRef> = mine
            .iter()
            .filter(|e| theirs.contains(e))
            .cloned()
            .collect();
        if !shared.is_empty() {
            out.push(Conflict::InScheduledRelease {
                release_id: target.id.clone(),
                schedule_id: other.sys.id.clone(),
                action: other.action.clone(),
                at: other.scheduled_for.datetime.0,
                shared,
            });
        }
    }

    // 3. Unpublish before a publish of something linking to it.
    for (other, target) in &others {
        let other_at = other.scheduled_for.datetime.0;
        let found = match (&candidate.action, &other.action) {
            (ScheduledActionKind::Unpublish, ScheduledActionKind::Publish)
                if candidate.at <= other_at =>
            {
                data.dangling(&mine, &data.acted_on(target)).map(|(u, p)| {
                    Conflict::UnpublishBeforePublish {
                        unpublished: u,
                        unpublish: (candidate.at, None),
                        publisher: p,
                        publish: (other_at, Some(other.sys.id.clone())),
                    }
                })
            }
            (ScheduledActionKind::Publish, ScheduledActionKind::Unpublish)
                if other_at <= candidate.at =>
            {
                data.dangling(&data.acted_on(target), &mine).map(|(u, p)| {
                    Conflict::UnpublishBeforePublish {
                        unpublished: u,
                        unpublish: (other_at, Some(other.sys.id.clone())),
                        publisher: p,
                        publish: (candidate.at, None),
                    }
                })
            }
            _ => None,
        };
        out.extend(found);
    }

    // 4. A crowded minute.
    let minute = minute_of(candidate.at);
    let count = 1 + others
        .iter()
        .filter(|(a, _)| minute_of(a.scheduled_for.datetime.0) == minute)
        .count();
    if count > MAX_PER_MINUTE {
        out.push(Conflict::CrowdedMinute { minute, count });
    }
    out
}

// ---- calendar arithmetic ---------------------------------------------------------------------

/// Whether a scheduled action is due but has not run (more than [`OVERDUE_GRACE`] late).
pub fn is_overdue(action: &ScheduledAction, now: Timestamp) -> bool {
    is_pending(action) && now.duration_since(action.scheduled_for.datetime.0) > OVERDUE_GRACE
}

/// The Monday on or before `date`.
pub fn week_start(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(Span::new().days(back)).unwrap_or(date)
}

/// The days a month grid shows for the month of `date`: whole weeks from the Monday on or before
/// the 1st to the Sunday on or after the last day (28 to 42 days).
pub fn month_grid(date: Date) -> Vec<Date> {
    let first = week_start(date.first_of_month());
    let last = date.last_of_month();
    let mut days = Vec::with_capacity(42);
    let mut day = first;
    while day <= last || day.weekday().to_monday_zero_offset() != 0 {
        days.push(day);
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    days
}

/// The instants bounding `from..=to` (whole days) in `tz`: start of `from`, start of the day after
/// `to`.
pub fn day_range(from: Date, to: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let start = from.to_zoned(tz.clone()).ok()?.timestamp();
    let end = to.tomorrow().ok()?.to_zoned(tz.clone()).ok()?.timestamp();
    Some((start, end))
}

/// Groups actions by their civil day in `tz`, each day sorted by instant, keeping only days in
/// `from..=to`. Returns indexes into `actions`.
pub fn by_day(
    actions: &[ScheduledAction],
    tz: &TimeZone,
    from: Date,
    to: Date,
) -> BTreeMap<Date, Vec<usize>> {
    let mut days: BTreeMap<Date, Vec<usize>> = BTreeMap::new();
    for (i, action) in actions.iter().enumerate() {
        let day = action.scheduled_for.datetime.0.to_zoned(tz.clone()).date();
        if day >= from && day <= to {
            days.entry(day).or_default().push(i);
        }
    }
    for list in days.values_mut() {
        list.sort_by_key(|&i| (actions[i].scheduled_for.datetime, actions[i].sys.id.clone()));
    }
    days
}

#[cfg(test)]
mod tests;
