//! The meeting's team (leader, attendance) and its agenda table: order, reasons, the
//! referrals not on it, and the confirmations.

use super::*;

impl MeetingsView {
    pub(super) fn team_ui(
        &mut self,
        ui: &mut egui::Ui,
        view: &MeetingView,
        planning: &Planning,
        actions: &mut Vec<Action>,
    ) {
        let m = &view.meeting;
        let active: Vec<_> = planning.members.iter().filter(|p| p.active).collect();
        if active.is_empty() {
            ui.colored_label(
                theme::MUTED_TEXT,
                "Ingen i teamet ennå: legg til teammedlemmer under Innstillinger.",
            );
            return;
        }
        ui.horizontal(|ui| {
            let label = ui.label("Møteleder:");
            let current = m
                .leader
                .and_then(|id| planning.member(id))
                .map_or("ikke satt".to_string(), |p| p.name.clone());
            egui::ComboBox::from_id_salt("leader")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(m.leader.is_none(), "ikke satt")
                        .clicked()
                    {
                        actions.push(Action::Plan(PlanAction::SetLeader {
                            id: m.id,
                            leader: None,
                        }));
                    }
                    for p in &active {
                        if ui
                            .selectable_label(m.leader == Some(p.id), &p.name)
                            .clicked()
                        {
                            actions.push(Action::Plan(PlanAction::SetLeader {
                                id: m.id,
                                leader: Some(p.id),
                            }));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
        });
        ui.horizontal_wrapped(|ui| {
            ui.label("Deltakere:");
            for p in &active {
                let mut present = view.attendees.contains(&p.id);
                let text = format!("{} ({})", p.name, p.profession.label_nb().to_lowercase());
                if ui.checkbox(&mut present, text).changed() {
                    actions.push(Action::Plan(PlanAction::SetAttendance {
                        id: m.id,
                        member: p.id,
                        present,
                    }));
                }
            }
        });
        if view.team_carried {
            ui.colored_label(
                theme::MUTED_TEXT,
                "Møteleder og deltakere som på forrige møte – endre ved behov.",
            );
        }
        let missing = planning.missing_professions(view);
        if view.attendees.is_empty() {
            ui.colored_label(theme::MUTED_TEXT, "Kryss av hvem som deltar.");
        } else if !missing.is_empty() {
            ui.colored_label(
                theme::ERROR_TEXT,
                format!("Ikke tverrfaglig: mangler {}", missing.join(", ")),
            );
        }
    }

    pub(super) fn agenda_table_ui(
        &mut self,
        ui: &mut egui::Ui,
        view: &MeetingView,
        queue: &QueueModel,
        rule: WorkingDayRule,
        actions: &mut Vec<Action>,
    ) {
        let m = &view.meeting;
        let items = &view.plan.items;
        if items.is_empty() {
            ui.colored_label(
                theme::MUTED_TEXT,
                "Ingen åpne henvisninger til dette møtet.",
            );
            return;
        }
        egui::Grid::new("agenda_grid")
            .striped(true)
            .num_columns(8)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                for title in [
                    "Nr",
                    "Pasient",
                    "Mottatt",
                    "Frist",
                    "Igjen ved møtet",
                    "Hvorfor",
                    "",
                    "",
                ] {
                    ui.strong(title);
                }
                ui.end_row();
                for (index, (id, reason)) in items.iter().enumerate() {
                    let Some(r) = queue.row(*id) else {
                        continue;
                    };
                    ui.label(format!("{}", view.number(*id, index)));
                    ui.label(r.patient());
                    ui.label(format_date(r.received_on));
                    ui.label(format_date_weekday(r.deadline));
                    let left =
                        crate::planning::item_left_at_meeting(rule, m.date, r.deadline, *reason);
                    ui.label(left);
                    if reason.is_must() {
                        ui.colored_label(theme::ERROR_TEXT, reason.label_nb());
                    } else {
                        ui.label(reason.label_nb());
                    }
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(index > 0, egui::Button::new("↑").small())
                            .on_hover_text("Flytt opp")
                            .clicked()
                        {
                            let mut new = view.stored_items();
                            new.swap(index, index - 1);
                            actions.push(Action::Plan(PlanAction::SetAgenda {
                                meeting: m.id,
                                items: new,
                                action: AgendaChange::AgendaReorder,
                            }));
                        }
                        if ui
                            .add_enabled(index + 1 < items.len(), egui::Button::new("↓").small())
                            .on_hover_text("Flytt ned")
                            .clicked()
                        {
                            let mut new = view.stored_items();
                            new.swap(index, index + 1);
                            actions.push(Action::Plan(PlanAction::SetAgenda {
                                meeting: m.id,
                                items: new,
                                action: AgendaChange::AgendaReorder,
                            }));
                        }
                    });
                    if ui.small_button(format!("Fjern {}", index + 1)).clicked() {
                        if reason.is_must() {
                            self.confirm_remove = Some((m.id, *id));
                        } else {
                            let new = view
                                .stored_items()
                                .into_iter()
                                .filter(|i| i.referral != *id)
                                .collect();
                            actions.push(Action::Plan(PlanAction::SetAgenda {
                                meeting: m.id,
                                items: new,
                                action: AgendaChange::AgendaRemove,
                            }));
                        }
                    }
                    ui.end_row();
                }
            });
    }

    pub(super) fn others_ui(
        &mut self,
        ui: &mut egui::Ui,
        view: &MeetingView,
        planning: &Planning,
        queue: &QueueModel,
        actions: &mut Vec<Action>,
    ) {
        let m = &view.meeting;
        let on_agendas: Vec<ReferralId> = planning
            .upcoming
            .iter()
            .flat_map(|v| v.plan.items.iter().map(|(id, _)| *id))
            .collect();
        let others: Vec<_> = queue
            .rows
            .iter()
            .filter(|r| r.status.is_open() && r.received_on < m.date && !on_agendas.contains(&r.id))
            .collect();
        egui::CollapsingHeader::new(format!("Andre åpne henvisninger ({})", others.len()))
            .id_salt("others")
            .show(ui, |ui| {
                for r in others.iter().take(100) {
                    ui.horizontal(|ui| {
                        if ui.small_button("Legg til").clicked() {
                            let mut items = view.stored_items();
                            items.push(StoredItem {
                                referral: r.id,
                                reason: Reason::Manual,
                            });
                            actions.push(Action::Plan(PlanAction::SetAgenda {
                                meeting: m.id,
                                items,
                                action: AgendaChange::AgendaAdd,
                            }));
                        }
                        ui.label(format!(
                            "{} · frist {}",
                            r.patient(),
                            format_date_weekday(r.deadline)
                        ));
                    });
                }
                if others.len() > 100 {
                    ui.colored_label(
                        theme::MUTED_TEXT,
                        format!("… og {} til (søk i køen)", others.len() - 100),
                    );
                }
            });
    }

    pub(super) fn confirm_ui(
        &mut self,
        ctx: &egui::Context,
        planning: &Planning,
        queue: &QueueModel,
        actions: &mut Vec<Action>,
    ) {
        let Some((meeting, referral)) = self.confirm_remove else {
            return;
        };
        let Some(view) = planning.find(meeting) else {
            self.confirm_remove = None;
            return;
        };
        let name = queue
            .row(referral)
            .map_or("Henvisningen".to_string(), |r| r.patient().to_string());
        egui::Modal::new(egui::Id::unique("confirm_remove")).show(ctx, |ui| {
            ui.heading("Fjerne fra agendaen?");
            ui.label(format!(
                "{name} må behandles i dette møtet: det er ikke noe senere møte før fristen. \
                 Fjernes den, brytes fristen med mindre et ekstramøte settes opp."
            ));
            ui.horizontal(|ui| {
                if ui.button("Fjern likevel").clicked() {
                    let items = view
                        .stored_items()
                        .into_iter()
                        .filter(|i| i.referral != referral)
                        .collect();
                    actions.push(Action::Plan(PlanAction::SetAgenda {
                        meeting,
                        items,
                        action: AgendaChange::AgendaRemoveMust,
                    }));
                    self.confirm_remove = None;
                }
                if ui.button("Behold").clicked() {
                    self.confirm_remove = None;
                }
            });
        });
    }
}
