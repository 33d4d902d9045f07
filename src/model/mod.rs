//! The view-model loader: what each part of the window (and the commands and benchmarks)
//! shows is read here, through the store's functions; the view models themselves are pure.
//! Each part is loaded on its own, so a write reloads only the parts it touched.

pub mod letters;
pub mod planning;

use crate::calendar::WorkingDayRule;
use crate::followup::FollowUps;
use crate::queue::QueueModel;
use crate::store::{followups, referrals};
use chrono::NaiveDate;
use rusqlite::Connection;

/// The queue: every referral with its deadline, built while the rows are read.
pub fn queue(
    conn: &Connection,
    rule: WorkingDayRule,
    today: NaiveDate,
) -> rusqlite::Result<QueueModel> {
    let mut model = referrals::with_all_for_queue(conn, |rows, n| {
        QueueModel::try_build(rows, n, rule, today)
    })??;
    model.set_letters(&crate::store::letters::pending(conn)?, rule, today);
    Ok(model)
}

/// Makes the queue's search look in every referral's problemstilling (at the first search).
pub fn queue_search(conn: &Connection, queue: &mut QueueModel) -> rusqlite::Result<()> {
    queue.set_problems(referrals::problems(conn)?);
    Ok(())
}

/// The Oppfølging lists for `today`.
pub fn follow_ups(conn: &Connection, today: NaiveDate) -> rusqlite::Result<FollowUps> {
    Ok(crate::followup::build(
        followups::care_records(conn)?,
        followups::mapping_records(conn)?,
        today,
    ))
}

/// One period's statistics (and the year before's when `compare`), as of `today`.
pub fn stats_report(
    conn: &Connection,
    period: crate::stats::Period,
    compare: bool,
    rule: WorkingDayRule,
    today: NaiveDate,
) -> Result<crate::stats::Report, String> {
    crate::stats::report(period, compare, rule, today, |from, to| {
        crate::store::stats::load_period(conn, from, to).map_err(|e| format!("Databasefeil: {e}"))
    })
}
