//! The list tab: every scheduled action in a virtualised table with state and entity filters
//! and cursor paging.

use super::*;

impl CalendarView {
    pub(super) fn list_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>, now: Timestamp) {
        let query = ScheduledQuery {
            status: self.list.status.clone(),
            entity_id: self.list.entity.as_ref().map(|(id, _)| id.clone()),
            newest_first: self.list.newest_first,
        };
        if self.list.requested.as_ref() != Some(&query) {
            self.list.requested = Some(query.clone());
            cx.send(Command::LoadScheduledPage {
                query: query.clone(),
                cursor: None,
            });
        }
        self.list_filters_ui(ui, cx);
        ui.add_space(4.0);
        let state = cx.state;
        let page = &state.scheduled_page;
        let fresh = page.query.as_ref() == Some(&query);
        if !fresh || !page.loaded {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Loading scheduled actions…");
            });
            return;
        }
        if page.ids.is_empty() {
            empty_state_ui(
                ui,
                "No scheduled actions match",
                "Choose another state or entity, or schedule a release from its page.",
                None,
            );
            return;
        }
        let rows = page.ids.len();
        let mut load_more = false;
        let mut order = self.list.newest_first;
        let visuals = ui.visuals().clone();
        let tz = self.tz.clone();
        TableBuilder::new(ui)
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(190.0))
            .column(Column::exact(110.0))
            .column(Column::remainder().at_least(220.0).clip(true))
            .column(Column::exact(120.0))
            .column(Column::exact(150.0))
            .column(Column::exact(220.0))
            .header(24.0, |mut h| {
                h.col(|ui| {
                    let arrow = if order { "⏷" } else { "⏶" };
                    if ui
                        .button(RichText::new(format!("When {arrow}")).strong())
                        .on_hover_text("Change the order")
                        .clicked()
                    {
                        order = !order;
                    }
                });
                h.col(|ui| {
                    ui.strong("Action");
                });
                h.col(|ui| {
                    ui.strong("What");
                });
                h.col(|ui| {
                    ui.strong("State");
                });
                h.col(|ui| {
                    ui.strong("Set in zone");
                });
                h.col(|_| {});
            })
            .body(|body| {
                body.rows(theme::ROW_HEIGHT + 4.0, rows, |mut row| {
                    let index = row.index();
                    if index + 10 >= rows && page.next.is_some() {
                        load_more = true;
                    }
                    let Some(action) = page
                        .ids
                        .get(index)
                        .and_then(|id| state.scheduled_actions.get(id))
                    else {
                        return;
                    };
                    let item = self.item(action, cx);
                    let tone = item.tone(now);
                    row.col(|ui| {
                        ui.label(
                            item.at
                                .to_zoned(tz.clone())
                                .strftime("%a %Y-%m-%d %H:%M")
                                .to_string(),
                        );
                    });
                    row.col(|ui| {
                        ui.label(
                            RichText::new(format!("{} {}", item.action_glyph(), item.action))
                                .color(theme::tone(
                                    &visuals,
                                    theme::scheduled_kind_tone(&item.action),
                                )),
                        );
                    });
                    row.col(|ui| {
                        if ui
                            .link(&item.title)
                            .on_hover_text(format!("{} {}", item.kind_word, item.link.id()))
                            .clicked()
                        {
                            open_target(cx, &item.link);
                        }
                        ui.label(RichText::new(item.kind_word).weak());
                    });
                    row.col(|ui| {
                        badge_ui(
                            ui,
                            &format!("{}{}", item.status_glyph(now), item.status_word(now)),
                            tone,
                            status_tip(&item, now),
                        );
                    });
                    row.col(|ui| {
                        ui.label(
                            action
                                .scheduled_for
                                .timezone
                                .clone()
                                .unwrap_or_else(|| "UTC".into()),
                        );
                    });
                    row.col(|ui| self.card_buttons_ui(ui, cx, &item, now));
                });
            });
        self.list.newest_first = order;
        if load_more && !page.loading {
            cx.send(Command::LoadScheduledPage {
                query,
                cursor: page.next.clone(),
            });
        }
    }

    pub(super) fn list_filters_ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("State").weak());
            for (status, label) in [
                (None, "All"),
                (Some(ScheduledActionStatus::Scheduled), "Scheduled"),
                (Some(ScheduledActionStatus::InProgress), "In progress"),
                (Some(ScheduledActionStatus::Succeeded), "Succeeded"),
                (Some(ScheduledActionStatus::Failed), "Failed"),
                (Some(ScheduledActionStatus::Canceled), "Canceled"),
            ] {
                if ui
                    .selectable_label(self.list.status == status, label)
                    .clicked()
                {
                    self.list.status = status;
                }
            }
            ui.add_space(theme::SECTION_GAP);
            ui.label(RichText::new("Entity").weak());
            let state = cx.state;
            let key = (
                state.releases_generation,
                state.entities_generation ^ state.scheduled_generation.rotate_left(32),
            );
            if self.list.entity_options.0 != Some(key) {
                let mut labels = vec!["Any entity".to_owned()];
                let mut ids = vec![String::new()];
                for r in &state.releases {
                    labels.push(format!("Release · {}", r.title));
                    ids.push(r.sys.id.clone());
                }
                // The entries and assets the loaded schedules act on (the calendar asks for
                // their titles), not the whole space.
                let mut entities: Vec<(String, String)> = state
                    .scheduled_actions
                    .values()
                    .filter_map(|a| {
                        let kind = match a.entity.link_type() {
                            LinkType::Entry => EntityKind::Entry,
                            LinkType::Asset => EntityKind::Asset,
                            _ => return None,
                        };
                        let e = state.entities.get(&(kind, a.entity.id().to_owned()))?;
                        let word = if kind == EntityKind::Asset {
                            "Asset"
                        } else {
                            "Entry"
                        };
                        Some((
                            format!("{word} · {}", state.display_title(e)),
                            e.sys.id.clone(),
                        ))
                    })
                    .collect::<std::collections::BTreeMap<_, _>>()
                    .into_iter()
                    .collect();
                entities.sort_by_cached_key(|(label, _)| label.to_lowercase());
                for (label, id) in entities {
                    labels.push(label);
                    ids.push(id);
                }
                self.list.entity_options = (Some(key), labels, ids);
            }
            let shown = self
                .list
                .entity
                .as_ref()
                .map_or("Any entity", |(_, label)| label.as_str())
                .to_owned();
            let generation = key.0.wrapping_mul(1_000_003).wrapping_add(key.1);
            if let Some(i) = self.list.entity_select.ui(
                ui,
                "list-entity",
                "Entity filter",
                &shown,
                &self.list.entity_options.1,
                generation,
                260.0,
            ) {
                self.list.entity = match (
                    self.list.entity_options.2.get(i),
                    self.list.entity_options.1.get(i),
                ) {
                    (Some(id), Some(label)) if !id.is_empty() => Some((id.clone(), label.clone())),
                    _ => None,
                };
            }
        });
    }
}
