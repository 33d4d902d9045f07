//! The view-model loader: what each part of the window (and the commands and benchmarks)
//! shows is read here, through the store's functions; the view models themselves are pure.
//! Each part is loaded on its own, so a write reloads only the parts it touched.

use crate::calendar::WorkingDayRule;
use crate::queue::QueueModel;
use crate::store::referrals;
use chrono::NaiveDate;
use rusqlite::Connection;

/// The queue: every referral with its deadline, built while the rows are read.
pub fn queue(
    conn: &Connection,
    rule: WorkingDayRule,
    today: NaiveDate,
) -> rusqlite::Result<QueueModel> {
    referrals::with_all(conn, |rows, n| QueueModel::try_build(rows, n, rule, today))?
}
