//! A meeting's agenda as stored: its items in order, postponed ones, numbers, and the
//! agenda stored, cleared or appended to.

use super::*;

/// The stored agenda in order, or `None` if the meeting has none stored yet.
pub fn agenda(conn: &Connection, id: MeetingId) -> rusqlite::Result<Option<Vec<StoredItem>>> {
    let built: Option<Option<String>> = conn
        .query_row(
            "SELECT agenda_built_at FROM meetings WHERE id = ?1",
            [id.0],
            |r| r.get(0),
        )
        .optional()?;
    if built.flatten().is_none() {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT referral_id, reason FROM agenda_items WHERE meeting_id = ?1 AND postponed = 0 ORDER BY position",
    )?;
    let rows = stmt.query_map([id.0], |r| {
        let reason: String = r.get(1)?;
        Ok(StoredItem {
            referral: ReferralId(r.get(0)?),
            reason: crate::store::decode(Reason::parse(&reason), 1, &reason)?,
        })
    })?;
    rows.collect::<Result<Vec<_>, _>>().map(Some)
}

/// Every referral on a meeting's stored agenda with its number (1, 2, …), postponed ones
/// included: the number is the item's place when it was stored, and it stays when an item is
/// postponed or another is added, so screen, paper and minutes agree.
pub fn numbers(conn: &Connection, id: MeetingId) -> rusqlite::Result<Vec<(ReferralId, usize)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT referral_id FROM agenda_items WHERE meeting_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id.0], |r| Ok(ReferralId(r.get(0)?)))?;
    rows.enumerate()
        .map(|(i, r)| r.map(|id| (id, i + 1)))
        .collect()
}

/// The whole stored agenda in number order, with whether each item was postponed.
pub fn agenda_with_postponed(
    conn: &Connection,
    id: MeetingId,
) -> rusqlite::Result<Vec<(StoredItem, bool)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT referral_id, reason, postponed FROM agenda_items WHERE meeting_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id.0], |r| {
        let reason: String = r.get(1)?;
        Ok((
            StoredItem {
                referral: ReferralId(r.get(0)?),
                reason: crate::store::decode(Reason::parse(&reason), 1, &reason)?,
            },
            r.get::<_, i64>(2)? == 1,
        ))
    })?;
    rows.collect()
}

/// Referrals postponed from this meeting to the next, in agenda order.
pub fn postponed(conn: &Connection, id: MeetingId) -> rusqlite::Result<Vec<ReferralId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT referral_id FROM agenda_items WHERE meeting_id = ?1 AND postponed = 1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id.0], |r| Ok(ReferralId(r.get(0)?)))?;
    rows.collect()
}

/// Takes a referral off the agenda of every open (planned or running) meeting but `keep`.
/// Rows marked postponed are history of their meeting and stay. This keeps the invariant: a
/// referral stands on at most one open agenda.
pub(crate) fn remove_from_other_open_agendas(
    tx: &Transaction<'_>,
    referral: ReferralId,
    keep: Option<MeetingId>,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "DELETE FROM agenda_items WHERE referral_id = ?1 AND postponed = 0
           AND meeting_id IS DISTINCT FROM ?2
           AND meeting_id IN (SELECT id FROM meetings WHERE status IN ('planlagt', 'pagar'))",
    )?
    .execute(params![referral.0, keep.map(|m| m.0)])
}

/// Replaces a meeting's stored agenda with `items`, in order. Items postponed from it stay
/// (after the others) unless `items` puts them back. A referral put on this agenda leaves any
/// other open agenda it stood on.
pub fn store_agenda(
    tx: &Transaction<'_>,
    id: MeetingId,
    items: &[StoredItem],
    action: MeetingAction,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let meeting = get(tx, id)?;
    rules::may_change_agenda(meeting.status)?;
    let old = agenda(tx, id)?.unwrap_or_default();
    // Before the meeting the agenda is numbered in the order given. Once it runs (or has
    // postponed items), numbers are fixed: kept items keep theirs, new ones get the next.
    let fixed = meeting.status == MeetingStatus::Pagar || !postponed(tx, id)?.is_empty();
    let keep: std::collections::HashMap<i64, i64> = if fixed {
        let mut stmt =
            tx.prepare("SELECT referral_id, position FROM agenda_items WHERE meeting_id = ?1")?;
        let rows = stmt.query_map([id.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    } else {
        Default::default()
    };
    tx.execute(
        "DELETE FROM agenda_items WHERE meeting_id = ?1 AND postponed = 0",
        [id.0],
    )?;
    let mut next_position = keep.values().copied().max().unwrap_or(0) + 1;
    let mut insert = tx.prepare_cached(
        "INSERT INTO agenda_items (meeting_id, referral_id, position, reason) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (meeting_id, referral_id)
         DO UPDATE SET position = excluded.position, reason = excluded.reason, postponed = 0",
    )?;
    for (index, item) in items.iter().enumerate() {
        remove_from_other_open_agendas(tx, item.referral, Some(id))?;
        let position = if fixed {
            keep.get(&item.referral.0).copied().unwrap_or_else(|| {
                next_position += 1;
                next_position - 1
            })
        } else {
            index as i64 + 1
        };
        insert.execute(params![id.0, item.referral.0, position, item.reason.code()])?;
    }
    tx.execute(
        "UPDATE meetings SET agenda_built_at = coalesce(agenda_built_at, ?2) WHERE id = ?1",
        params![id.0, timestamp(change.at)],
    )?;
    let ids = |v: &[StoredItem]| v.iter().map(|i| i.referral.0).collect::<Vec<_>>();
    let details = json!({ "før": ids(&old), "etter": ids(items) });
    log(tx, change, action, Some(id.0), &details)?;
    Ok(())
}

/// Drops the stored agenda rows and the "stored" mark.
pub(crate) fn forget_agenda(tx: &Transaction<'_>, id: MeetingId) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM agenda_items WHERE meeting_id = ?1", [id.0])?;
    tx.execute(
        "UPDATE meetings SET agenda_built_at = NULL WHERE id = ?1",
        [id.0],
    )?;
    Ok(())
}

/// Forgets the stored agenda, so the meeting shows a fresh proposal.
pub fn clear_agenda(
    tx: &Transaction<'_>,
    id: MeetingId,
    change: Change<'_>,
) -> Result<(), StoreError> {
    forget_agenda(tx, id)?;
    log(
        tx,
        change,
        MeetingAction::AgendaReset,
        Some(id.0),
        &json!({}),
    )?;
    Ok(())
}
