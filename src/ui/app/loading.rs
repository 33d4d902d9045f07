//! Loading what the views show: the schedule laid out at start, the parts reloaded after a
//! write touched them (see `Stale`), the follow-ups and the detail pane. (Outputs read what
//! they print when asked, in `output.rs`; commands read the one row they act on.)

use super::*;

impl App {
    /// Lays out the schedule's meetings for the coming weeks (idempotent).
    pub(super) fn ensure_schedule(&mut self) {
        // A read-only store gets no schedule (0); the status bar says why.
        match crate::ops::meetings::ensure_schedule(&mut self.ctx()) {
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
            match crate::model::settings(&self.store) {
                Ok((s, backup_dir)) => {
                    self.closures = std::sync::Arc::new(
                        s.closure_days
                            .iter()
                            .map(|c| (c.date, c.label.clone()))
                            .collect(),
                    );
                    self.settings = s;
                    self.backups
                        .set_dir(self.store.path(), backup_dir.as_deref());
                }
                Err(e) => self.error(e),
            }
        }
        if stale.referrals {
            let rule = self.settings.working_day_rule();
            match crate::model::queue(&self.store, rule, today) {
                Ok(queue) => {
                    self.queue = queue;
                    self.loads.queue += 1;
                }
                Err(e) => self.error(format!("Kunne ikke lese henvisningene: {e}")),
            }
        }
        if stale.referrals || stale.meetings {
            match crate::model::planning::load(&self.store, &self.settings, &self.queue, today) {
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
        match crate::model::follow_ups(&self.store, self.clock.today()) {
            Ok(f) => self.follow_ups = f,
            Err(e) => self.error(format!("Kunne ikke lese oppfølgingslistene: {e}")),
        }
    }

    pub(super) fn load_detail(&mut self) {
        let Some(id) = self.selected else {
            self.detail = None;
            return;
        };
        let renewal = self.queue.renewal(id);
        match crate::model::detail::load(
            &self.store,
            &self.settings,
            id,
            self.clock.today(),
            renewal,
        ) {
            Ok(view) => self.detail = Some(view),
            Err(e) => {
                self.detail = None;
                self.error(format!("Kunne ikke lese henvisningen: {e}"));
            }
        }
    }
}
