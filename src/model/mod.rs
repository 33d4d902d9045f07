//! The view-model loader: what each part of the window (and the commands and benchmarks)
//! shows is read here, through the store's functions; the view models themselves are pure.
//! Each part is loaded on its own, so a write reloads only the parts it touched.

pub mod detail;
pub mod letters;
pub mod planning;

use crate::calendar::WorkingDayRule;
use crate::followup::FollowUps;
use crate::queue::QueueModel;
use crate::store::Store;
use crate::store::{followups, referrals};
use chrono::NaiveDate;

/// The queue: every referral with its deadline, built while the rows are read.
pub fn queue(
    store: &Store,
    rule: WorkingDayRule,
    today: NaiveDate,
) -> rusqlite::Result<QueueModel> {
    let conn = store.conn();
    let mut model = referrals::with_all_for_queue(conn, |rows, n| {
        QueueModel::try_build(rows, n, rule, today)
    })??;
    model.set_letters(&crate::store::letters::pending(conn)?, rule, today);
    Ok(model)
}

/// The queue read on a read-only connection of its own (the window's start, on a thread
/// beside the window's own connection); `None` when it cannot be read (the window then
/// reads it as after any write, and says what failed).
pub fn preload_queue(
    path: &std::path::Path,
    key: Option<&crate::store::cipher::DbKey>,
    today: NaiveDate,
) -> Option<QueueModel> {
    let store = Store::open_reader(path, key).ok()?;
    let s = crate::store::settings::load(store.conn()).ok()?;
    queue(&store, s.working_day_rule(), today).ok()
}

/// Makes the queue's search look in every referral's problemstilling (at the first search).
pub fn queue_search(store: &Store, queue: &mut QueueModel) -> rusqlite::Result<()> {
    let conn = store.conn();
    queue.set_problems(referrals::problems(conn)?);
    Ok(())
}

/// The Oppfølging lists for `today`.
pub fn follow_ups(store: &Store, today: NaiveDate) -> rusqlite::Result<FollowUps> {
    let conn = store.conn();
    Ok(crate::followup::build(
        followups::care_records(conn)?,
        followups::mapping_records(conn)?,
        today,
    ))
}

/// One period's statistics (and the year before's when `compare`), as of `today`.
pub fn stats_report(
    store: &Store,
    period: crate::stats::Period,
    compare: bool,
    rule: WorkingDayRule,
    today: NaiveDate,
) -> Result<crate::stats::Report, String> {
    let conn = store.conn();
    crate::stats::report(period, compare, rule, today, |from, to| {
        crate::store::stats::load_period(conn, from, to).map_err(|e| format!("Databasefeil: {e}"))
    })
}
