//! Loading what the views show: the schedule laid out at start, the parts reloaded after a
//! write touched them (see `Stale`), the follow-ups and the detail pane. (Outputs read what
//! they print when asked, in `output.rs`; commands read the one row they act on.)

use super::*;

impl App {
    /// Lays out the schedule's meetings for the coming weeks (idempotent).
    pub(super) fn ensure_schedule(&mut self) {
        if self.store.read_only().is_some() {
            return; // the status bar says why nothing can be written
        }
        let today = self.clock.today();
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let result = self.store.write(|tx| {
            let s = settings::load(tx)?;
            meetings::ensure_schedule(tx, &s, today, change)
        });
        match result {
            Ok(0) => {}
            Ok(_) => self.mark_stale(Stale::MEETINGS),
            Err(e) => self.error(format!("Kunne ikke legge opp møteplanen: {e}")),
        }
    }

    /// Marks parts of the view models to reload before the next draw.
    pub(super) fn mark_stale(&mut self, parts: Stale) {
        self.stale = self.stale.or(parts);
    }

    /// The only place that reads the database for the views, and only the parts a write made
    /// stale: ticking an attendee reloads the meetings, not the 100,000-row queue.
    pub(super) fn reload(&mut self) {
        let stale = std::mem::take(&mut self.stale);
        self.generation += 1;
        // Per part, so a view keyed on one part keeps its state when another reloads.
        if stale.settings {
            self.generations.settings += 1;
        }
        if stale.referrals {
            self.generations.referrals += 1;
        }
        let today = self.clock.today();
        if stale.settings {
            match settings::load(self.store.conn()) {
                Ok(s) => {
                    self.closures = std::sync::Arc::new(
                        s.closure_days
                            .iter()
                            .map(|c| (c.date, c.label.clone()))
                            .collect(),
                    );
                    self.settings = s;
                }
                Err(e) => self.error(format!("Kunne ikke lese innstillingene: {e}")),
            }
            match settings::get(self.store.conn(), settings::KEY_BACKUP_DIR) {
                Ok(dir) => self.backups.set_dir(self.store.path(), dir.as_deref()),
                Err(e) => self.error(format!("Kunne ikke lese mappen for sikkerhetskopier: {e}")),
            }
        }
        if stale.referrals {
            let rule = self.settings.working_day_rule();
            match crate::model::queue(self.store.conn(), rule, today) {
                Ok(queue) => {
                    self.queue = queue;
                    self.loads.queue += 1;
                }
                Err(e) => self.error(format!("Kunne ikke lese henvisningene: {e}")),
            }
        }
        if stale.referrals || stale.meetings {
            match crate::model::planning::load(
                self.store.conn(),
                &self.settings,
                &self.queue,
                today,
            ) {
                Ok(p) => self.planning = p,
                Err(e) => self.error(format!("Kunne ikke lese møtene: {e}")),
            }
            self.loads.planning += 1;
            self.queue.set_meetings(&self.planning.upcoming_dates());
        }
        self.load_detail();
    }

    pub(super) fn load_follow_ups(&mut self) {
        self.follow_ups_generation = self.generations.referrals;
        match crate::model::follow_ups(self.store.conn(), self.clock.today()) {
            Ok(f) => self.follow_ups = f,
            Err(e) => self.error(format!("Kunne ikke lese oppfølgingslistene: {e}")),
        }
    }

    /// The detail pane's decision summary: the current decision, the mapping report, track
    /// changes and the start of care. What cannot be read is added to `errors` (the pane says
    /// so) instead of being left out silently.
    pub(super) fn decision_lines(&self, id: ReferralId, errors: &mut Vec<String>) -> Vec<String> {
        use crate::calendar::format_date;
        let conn = self.store.conn();
        let mut lines = Vec::new();
        let mut failed = |what: &str, text: String| errors.push(format!("{what}: {text}"));
        match decisions::history(conn, id) {
            Ok(history) => {
                if let Some(d) = history.iter().rev().find(|d| d.superseded_by.is_none()) {
                    let corrected = history.len().saturating_sub(1);
                    let note = if corrected > 0 {
                        format!(" (rettet {corrected} gang(er))")
                    } else {
                        String::new()
                    };
                    lines.push(format!(
                        "Vedtak {}: {}{note}",
                        format_date(d.decided_on),
                        planning::outcome_text(&d.outcome)
                    ));
                }
            }
            Err(e) => failed("vedtaket", crate::store::error_text(&e)),
        }
        match followups::mapping_report(conn, id) {
            Ok(Some(m)) => {
                let summary = if m.summary.is_empty() {
                    String::new()
                } else {
                    format!(": {}", m.summary)
                };
                lines.push(format!(
                    "Kartlegging meldt tilbake {}{summary}",
                    format_date(m.reported_on)
                ));
            }
            Ok(None) => {}
            Err(e) => failed("kartleggingen", crate::store::error_text(&e)),
        }
        match followups::track_history(conn, id) {
            Ok(changes) => {
                for t in changes {
                    lines.push(format!(
                        "Forløp endret {}: {} → {}",
                        format_date(t.decided_on),
                        t.from.label_nb(),
                        t.to.label_nb()
                    ));
                }
            }
            Err(e) => failed("forløpsendringene", crate::store::error_text(&e)),
        }
        match followups::care_start(conn, id) {
            Ok(care) => match (care.started, care.booked) {
                (Some(s), _) => lines.push(format!("Oppstart {}", format_date(s))),
                (None, Some(b)) => lines.push(format!("Planlagt oppstart {}", format_date(b))),
                (None, None) => {}
            },
            Err(e) => failed("oppstarten", crate::store::error_text(&e)),
        }
        lines
    }

    pub(super) fn load_detail(&mut self) {
        let Some(id) = self.selected else {
            self.detail = None;
            return;
        };
        let referral = match referrals::get(self.store.conn(), id) {
            Ok(r) => r,
            Err(e) => {
                self.detail = None;
                return self.error(format!("Kunne ikke lese henvisningen: {e}"));
            }
        };
        let mut read_errors = Vec::new();
        let history = audit::for_entity(self.store.conn(), audit::Entity::Referral, id.0)
            .unwrap_or_else(|e| {
                read_errors.push(format!("historikken: {}", crate::store::error_text(&e)));
                Vec::new()
            });
        let mut view = DetailView::new(
            referral,
            history,
            self.settings.working_day_rule(),
            self.clock.today(),
        );
        view.renewal = self.queue.renewal(id);
        view.decision_lines = self.decision_lines(id, &mut read_errors);
        match crate::store::preparations::get(self.store.conn(), id) {
            Ok(p) => view.preparation = Some(p),
            Err(e) => view.preparation_error = Some(e.to_string()),
        }
        view.decided_as = match decisions::current(self.store.conn(), id) {
            Ok(d) => {
                d.and_then(|d| crate::domain::preparation::Assessment::of_decision(&d.outcome))
            }
            Err(e) => {
                read_errors.push(format!("vedtaket: {}", crate::store::error_text(&e)));
                None
            }
        };
        let today = self.clock.today();
        let rule = self.settings.working_day_rule();
        let letters =
            crate::model::letters::for_referral(self.store.conn(), &self.settings, id, None, today)
                .map_err(|e| e.to_string())
                .and_then(|planned| {
                    let state = crate::store::letters::state_of(self.store.conn(), id)
                        .map_err(|e| e.to_string())?;
                    Ok((planned, state))
                });
        match letters {
            Ok((planned, state)) => {
                view.letters = planned;
                view.informed = state.map(|s| {
                    crate::domain::letter::informed(
                        rule,
                        view.deadline,
                        s.sent_on,
                        s.tracked,
                        today,
                    )
                });
            }
            Err(e) => view.letters_error = Some(e),
        }
        match crate::store::messages::for_referral(self.store.conn(), id) {
            Ok(m) => view.messages = m,
            Err(e) => read_errors.push(format!("meldingene: {}", crate::store::error_text(&e))),
        }
        match crate::store::messages::assessment(self.store.conn(), id) {
            Ok(a) => view.assessment = a,
            Err(e) => read_errors.push(format!(
                "avsenderens vurdering: {}",
                crate::store::error_text(&e)
            )),
        }
        view.read_errors = read_errors;
        self.detail = Some(view);
    }
}
