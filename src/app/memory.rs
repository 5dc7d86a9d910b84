//! What the window remembers between runs, besides what eframe keeps itself (window size and
//! position, and egui's memory with the theme preference): the last view, the calendar's time
//! zone and whether it hides canceled schedules. Stored through eframe's storage (a RON file in the app's data directory); a value
//! that no longer decodes is ignored, never an error.

use serde::{Deserialize, Serialize};

use super::App;
use super::state::Nav;

/// The storage key.
pub const KEY: &str = "release-desk/ui";

/// The remembered choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiMemory {
    /// The view that was open.
    pub nav: Option<Nav>,
    /// The calendar's time zone (an IANA name).
    pub calendar_zone: Option<String>,
    /// Whether the calendar leaves canceled schedules off.
    pub hide_canceled: Option<bool>,
}

impl UiMemory {
    /// What `storage` remembers (nothing when it is empty or unreadable).
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage
            .and_then(|storage| eframe::get_value(storage, KEY))
            .unwrap_or_default()
    }
}

impl App {
    /// What this window would remember now.
    pub fn memory(&self) -> UiMemory {
        UiMemory {
            nav: Some(self.nav),
            calendar_zone: Some(self.calendar.zone().to_owned()),
            hide_canceled: Some(self.calendar.hides_canceled()),
        }
    }

    /// Opens the remembered view and zone.
    pub fn restore(&mut self, memory: UiMemory) {
        if let Some(nav) = memory.nav {
            self.nav = nav;
        }
        if let Some(zone) = memory.calendar_zone {
            self.calendar.set_zone(zone);
        }
        if let Some(hide) = memory.hide_canceled {
            self.calendar.set_hide_canceled(hide);
        }
    }
}
