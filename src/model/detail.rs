//! The detail pane's view model: the selected referral with its deadline spelled out, its
//! history, decision and follow-ups, preparation, letters and messages, read in one place.
//! A part that cannot be read is named in `read_errors` (the pane says so) rather than left
//! out silently.

use crate::calendar::{WorkingDayRule, format_date_weekday};
use crate::domain::settings::ClinicSettings;
use crate::domain::{Referral, ReferralId};
use crate::planning;
pub use crate::store::audit::{self, AuditEntry};
use crate::store::db::Connection;
use crate::store::{Store, decisions, followups, referrals};
use chrono::NaiveDate;

/// Everything the pane shows, computed once when the selection or the data changes.
#[derive(Clone, Debug)]
pub struct DetailView {
    pub referral: Referral,
    pub deadline: NaiveDate,
    pub working_days_left: i64,
    /// "Mottatt man. 14.04.2025 → frist fre. 02.05.2025, 3 virkedager igjen; påske og 1. mai er
    /// hoppet over"
    pub explanation: String,
    pub history: Vec<AuditEntry>,
    /// Fornyet vurdering: earlier assessments of the same patient and condition.
    pub renewal: Option<crate::domain::renewal::Renewal>,
    /// The current decision and what followed it (track changes, mapping, start of care),
    /// one line each.
    pub decision_lines: Vec<String>,
    /// The note, presenter and provisional views (`None` until loaded, or when reading failed:
    /// then `preparation_error` says why).
    pub preparation: Option<crate::store::preparations::Preparation>,
    pub preparation_error: Option<String>,
    /// Parts of the referral that could not be read (history, decision, follow-ups): the
    /// pane says so instead of leaving them out silently.
    pub read_errors: Vec<String>,
    /// The current decision as rett/avslag with its track, to mark the provisional views.
    pub decided_as: Option<crate::domain::preparation::Assessment>,
    /// The letters the current decision calls for (what is missing, earlier prints), and
    /// whether the patient is informed; empty and `None` when no letter is due.
    pub letters: Vec<crate::letters::PlannedLetter>,
    pub informed: Option<crate::domain::letter::Informed>,
    pub letters_error: Option<String>,
    /// The referral messages about it (new, change, cancellation), oldest first.
    pub messages: Vec<crate::store::messages::Stored>,
    /// A forwarded referral's rights assessment by the sender, and who that was.
    pub assessment: Option<(crate::import::henvisning::SenderAssessment, String)>,
}

impl DetailView {
    pub fn new(
        referral: Referral,
        history: Vec<AuditEntry>,
        rule: WorkingDayRule,
        today: NaiveDate,
    ) -> Self {
        let received = referral.fields.received_on;
        let deadline = rule.assessment_deadline(received);
        let left = rule.working_days_left(today, deadline);
        let explanation = explain_deadline(
            rule,
            received,
            deadline,
            referral.status.is_open().then_some(left),
        );
        Self {
            referral,
            deadline,
            working_days_left: left,
            explanation,
            history,
            renewal: None,
            decision_lines: Vec::new(),
            preparation: None,
            preparation_error: None,
            read_errors: Vec::new(),
            decided_as: None,
            letters: Vec::new(),
            informed: None,
            letters_error: None,
            messages: Vec::new(),
            assessment: None,
        }
    }
}

/// Spells out the deadline: receipt, deadline, days left (for open referrals) and which
/// holidays moved it.
pub fn explain_deadline(
    rule: WorkingDayRule,
    received: NaiveDate,
    deadline: NaiveDate,
    left: Option<i64>,
) -> String {
    let mut text = format!(
        "Mottatt {} → frist {}",
        format_date_weekday(received),
        format_date_weekday(deadline)
    );
    if let Some(left) = left {
        text.push_str(", ");
        text.push_str(&days_left_phrase(left));
    }
    let mut groups: Vec<&str> = Vec::new();
    for h in rule.skipped_holidays(received, deadline) {
        let name = h.kind.group_name_nb();
        if !groups.contains(&name) {
            groups.push(name);
        }
    }
    if !groups.is_empty() {
        text.push_str("; ");
        text.push_str(&join_nb(&groups));
        text.push_str(" er hoppet over");
    }
    text
}

/// "3 virkedager igjen", "1 virkedag igjen", "frist i dag", "2 virkedager over fristen".
pub fn days_left_phrase(left: i64) -> String {
    match left {
        0 => "frist i dag".into(),
        1 => "1 virkedag igjen".into(),
        -1 => "1 virkedag over fristen".into(),
        n if n > 0 => format!("{n} virkedager igjen"),
        n => format!("{} virkedager over fristen", -n),
    }
}

/// "a", "a og b", "a, b og c".
fn join_nb(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} og {last}", init.join(", ")),
    }
}

/// Reads everything the detail pane shows for referral `id` as of `today`; `Err` only when
/// the referral itself cannot be read. `renewal` is the queue's fornyet-vurdering finding.
pub fn load(
    store: &Store,
    settings: &ClinicSettings,
    id: ReferralId,
    today: NaiveDate,
    renewal: Option<crate::domain::renewal::Renewal>,
) -> Result<DetailView, String> {
    let conn = store.conn();
    let referral = referrals::get(conn, id).map_err(|e| e.to_string())?;
    let mut read_errors = Vec::new();
    let history = audit::for_entity(conn, audit::Entity::Referral, id.0).unwrap_or_else(|e| {
        read_errors.push(format!("historikken: {}", crate::store::error_text(&e)));
        Vec::new()
    });
    let mut view = DetailView::new(referral, history, settings.working_day_rule(), today);
    view.renewal = renewal;
    view.decision_lines = decision_lines(conn, id, &mut read_errors);
    match crate::store::preparations::get(conn, id) {
        Ok(p) => view.preparation = Some(p),
        Err(e) => view.preparation_error = Some(e.to_string()),
    }
    view.decided_as = match decisions::current(conn, id) {
        Ok(d) => d.and_then(|d| crate::domain::preparation::Assessment::of_decision(&d.outcome)),
        Err(e) => {
            read_errors.push(format!("vedtaket: {}", crate::store::error_text(&e)));
            None
        }
    };
    let rule = settings.working_day_rule();
    let letters = crate::model::letters::for_referral(store, settings, id, None, today)
        .map_err(|e| e.to_string())
        .and_then(|planned| {
            let state = crate::store::letters::state_of(conn, id).map_err(|e| e.to_string())?;
            Ok((planned, state))
        });
    match letters {
        Ok((planned, state)) => {
            view.letters = planned;
            view.informed = state.map(|s| {
                crate::domain::letter::informed(rule, view.deadline, s.sent_on, s.tracked, today)
            });
        }
        Err(e) => view.letters_error = Some(e),
    }
    match crate::store::messages::for_referral(conn, id) {
        Ok(m) => view.messages = m,
        Err(e) => read_errors.push(format!("meldingene: {}", crate::store::error_text(&e))),
    }
    match crate::store::messages::assessment(conn, id) {
        Ok(a) => view.assessment = a,
        Err(e) => read_errors.push(format!(
            "avsenderens vurdering: {}",
            crate::store::error_text(&e)
        )),
    }
    view.read_errors = read_errors;
    Ok(view)
}

/// The detail pane's decision summary: the current decision, the mapping report, track
/// changes and the start of care. What cannot be read is added to `errors`.
fn decision_lines(conn: &Connection, id: ReferralId, errors: &mut Vec<String>) -> Vec<String> {
    use crate::calendar::format_date;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::iso;

    #[test]
    fn explanation_matches_the_issue_example() {
        let rule = WorkingDayRule::default();
        let received = iso("2025-04-14");
        let deadline = rule.assessment_deadline(received);
        let left = rule.working_days_left(iso("2025-04-29"), deadline);
        assert_eq!(
            explain_deadline(rule, received, deadline, Some(left)),
            "Mottatt man. 14.04.2025 → frist fre. 02.05.2025, 2 virkedager igjen; påske og 1. mai er hoppet over"
        );
        let plain = explain_deadline(rule, iso("2025-03-03"), iso("2025-03-17"), None);
        assert_eq!(plain, "Mottatt man. 03.03.2025 → frist man. 17.03.2025");
        let christmas = explain_deadline(rule, iso("2025-12-22"), iso("2026-01-08"), Some(-3));
        assert!(
            christmas.ends_with("3 virkedager over fristen; jul og 1. nyttårsdag er hoppet over"),
            "{christmas}"
        );
    }
}
