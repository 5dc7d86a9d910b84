//! The agenda's keyboard: in the week agenda and the month's day panel, ↑/↓ move the
//! highlight through the actions shown (in time order, kept in view) and Enter opens the
//! highlighted action's release or entry — the same keys as the timeline table, through the
//! shared [`list_key`]/[`stepped_row`].

use super::*;
use crate::app::widgets::{ListKey, list_key, stepped_row};

impl CalendarView {
    /// Answers the list keys over `items`, the actions the agenda shows, in order.
    pub(super) fn agenda_keys(&mut self, ui: &Ui, cx: &mut ViewCtx<'_>, items: &[DayItem]) {
        let Some(key) = list_key(ui) else {
            return;
        };
        let current = self
            .highlight
            .as_ref()
            .and_then(|id| items.iter().position(|item| &item.id == id));
        if key == ListKey::Enter {
            if let Some(item) = current.and_then(|i| items.get(i)) {
                open_target(cx, &item.link);
            }
            return;
        }
        let len = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let next = stepped_row(current.map(|i| i as u64), len, key)
            .and_then(|row| usize::try_from(row).ok())
            .and_then(|row| items.get(row));
        if let Some(item) = next {
            self.highlight = Some(item.id.clone());
            self.scroll_to_highlight = true;
        }
    }

    /// The actions of the week agenda that starts on `start`, in order.
    pub(super) fn week_items(&self, start: Date) -> Vec<DayItem> {
        std::iter::successors(Some(start), |day| day.tomorrow().ok())
            .take(7)
            .flat_map(|day| self.cache.days.get(&day).cloned().unwrap_or_default())
            .collect()
    }
}
