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

/// The queue under the clinic's settings as stored (a reader that has no settings loaded:
/// the import's worker thread).
pub fn queue_with_settings(store: &Store, today: NaiveDate) -> Result<QueueModel, String> {
    let s = crate::store::settings::load(store.conn()).map_err(|e| e.to_string())?;
    queue(store, s.working_day_rule(), today).map_err(|e| e.to_string())
}

/// One referral as stored (the form opens it for editing).
pub fn referral(
    store: &Store,
    id: crate::domain::ReferralId,
) -> Result<crate::domain::Referral, crate::store::StoreError> {
    referrals::get(store.conn(), id)
}

/// A referral with its version, as the edit form opens it (a save made from an older version
/// is refused rather than written over someone else's).
pub fn referral_for_edit(
    store: &Store,
    id: crate::domain::ReferralId,
) -> Result<(crate::domain::Referral, i64), crate::store::StoreError> {
    Ok((
        referrals::get(store.conn(), id)?,
        referrals::version(store.conn(), id)?,
    ))
}

/// The clinic's settings and the backup folder's setting, as stored.
pub fn settings(
    store: &Store,
) -> Result<(crate::domain::settings::ClinicSettings, Option<String>), String> {
    use crate::store::settings;
    let s =
        settings::load(store.conn()).map_err(|e| format!("Kunne ikke lese innstillingene: {e}"))?;
    let dir = settings::get(store.conn(), settings::KEY_BACKUP_DIR)
        .map_err(|e| format!("Kunne ikke lese mappen for sikkerhetskopier: {e}"))?;
    Ok((s, dir))
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
