//! Running a meeting: start, postpone and take back, close (the undecided move on),
//! reopen, and the past meetings written as held (the demo, imported history).

use super::*;

/// The next upcoming meeting after `date` (planned or in progress), if any.
pub fn next_after(conn: &Connection, date: NaiveDate) -> rusqlite::Result<Option<Meeting>> {
    conn.prepare_cached(&format!(
        "SELECT {MEETING_COLUMNS} FROM meetings WHERE date > ?1 AND status IN ('planlagt', 'pagar')
         ORDER BY date, time LIMIT 1"
    ))?
    .query_row([date], meeting_from_row)
    .optional()
}

/// Starts a planned meeting (pågår). If its agenda is still a live proposal, `proposal` is
/// stored first, so what the team works through is fixed and can roll forward on close.
pub fn start(
    tx: &Transaction<'_>,
    id: MeetingId,
    proposal: &[StoredItem],
    change: Change<'_>,
) -> Result<(), StoreError> {
    let m = get(tx, id)?;
    rules::may_start(m.status)?;
    if agenda(tx, id)?.is_none() {
        store_agenda(tx, id, proposal, MeetingAction::AgendaAccept, change)?;
    }
    carry_over_team(tx, id, change)?;
    tx.execute("UPDATE meetings SET status = 'pagar' WHERE id = ?1", [id.0])?;
    log(tx, change, MeetingAction::Start, Some(id.0), &json!({}))?;
    Ok(())
}

/// Appends items to a meeting's stored agenda (storing its current proposal is the caller's
/// job when it has none), skipping referrals already on it.
pub(crate) fn append_to_agenda(
    tx: &Transaction<'_>,
    id: MeetingId,
    items: &[StoredItem],
    change: Change<'_>,
) -> Result<(), StoreError> {
    let mut agenda_now = agenda(tx, id)?.unwrap_or_default();
    for item in items {
        if !agenda_now.iter().any(|i| i.referral == item.referral) {
            agenda_now.push(*item);
        }
    }
    store_agenda(
        tx,
        id,
        &agenda_now,
        MeetingAction::AgendaRollForward,
        change,
    )
}

/// Postpones one referral from `id` to the next meeting — only if that meeting is still on or
/// before the referral's assessment deadline (the postpone guard). Returns the next meeting.
pub fn postpone(
    tx: &Transaction<'_>,
    id: MeetingId,
    referral: ReferralId,
    deadline: NaiveDate,
    change: Change<'_>,
) -> Result<MeetingId, StoreError> {
    let m = get(tx, id)?;
    let next = next_after(tx, m.date)?;
    crate::domain::decision::postpone_to(next.as_ref().map(|n| n.date), deadline)
        .map_err(StoreError::Rule)?;
    let next = next.ok_or(MeetingRefusal::NoLaterMeeting)?;
    let r = crate::store::referrals::get(tx, referral)?;
    if !r.status.awaits_meeting() {
        return Err(MeetingRefusal::DecidedCannotPostpone {
            patient: r.fields.patient,
            status: r.status.label_nb().to_lowercase(),
        }
        .into());
    }
    let here = agenda(tx, id)?.unwrap_or_default();
    let moved = here.iter().find(|i| i.referral == referral).copied();
    if moved.is_none() {
        return Err(MeetingRefusal::NotOnAgenda.into());
    }
    tx.execute(
        "UPDATE agenda_items SET postponed = 1 WHERE meeting_id = ?1 AND referral_id = ?2",
        params![id.0, referral.0],
    )?;
    log(
        tx,
        change,
        MeetingAction::Postpone,
        Some(id.0),
        &json!({ "henvisning": referral.0, "til_møte": next.id.0 }),
    )?;
    let item = StoredItem {
        referral,
        reason: moved.map_or(Reason::Manual, |i| i.reason),
    };
    append_to_agenda(tx, next.id, &[item], change)?;
    Ok(next.id)
}

/// Takes a postponement back at the same meeting: the referral is on this agenda again and
/// off the next one (unless it was decided there meanwhile: then it is refused).
pub fn take_back_postponement(
    tx: &Transaction<'_>,
    id: MeetingId,
    referral: ReferralId,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let m = get(tx, id)?;
    rules::may_take_back(m.status)?;
    if !postponed(tx, id)?.contains(&referral) {
        return Err(MeetingRefusal::NotPostponed.into());
    }
    let r = crate::store::referrals::get(tx, referral)?;
    if !r.status.awaits_meeting() {
        return Err(MeetingRefusal::DecidedCannotTakeBack {
            patient: r.fields.patient,
            status: r.status.label_nb().to_lowercase(),
        }
        .into());
    }
    remove_from_other_open_agendas(tx, referral, Some(id))?;
    tx.execute(
        "UPDATE agenda_items SET postponed = 0 WHERE meeting_id = ?1 AND referral_id = ?2",
        params![id.0, referral.0],
    )?;
    log(
        tx,
        change,
        MeetingAction::Unpostpone,
        Some(id.0),
        &json!({ "henvisning": referral.0 }),
    )?;
    Ok(())
}

/// Closes a meeting: its decisions are locked (see `decisions::record`), and the referrals on
/// its agenda that are still undecided move to the next meeting's agenda. Returns how many
/// moved.
pub fn close(tx: &Transaction<'_>, id: MeetingId, change: Change<'_>) -> Result<usize, StoreError> {
    let m = get(tx, id)?;
    rules::may_close(m.status)?;
    // Which items are still undecided decides which move on: a referral that cannot be read
    // fails the close (nothing changes) rather than count as decided and be left behind.
    let mut undecided: Vec<StoredItem> = Vec::new();
    for item in agenda(tx, id)?.unwrap_or_default() {
        let r = crate::store::referrals::get(tx, item.referral)?;
        if r.status.awaits_meeting() {
            undecided.push(item);
        }
    }
    // Closed first: its agenda is then no longer open, so the items moving on stay on it
    // as its history while they join the next agenda.
    tx.execute(
        "UPDATE meetings SET status = 'avsluttet' WHERE id = ?1",
        [id.0],
    )?;
    if !undecided.is_empty() {
        let next =
            next_after(tx, m.date)?.ok_or(MeetingRefusal::UndecidedWithoutNext(undecided.len()))?;
        // A stored next agenda (edited, or holding postponed items) gets them at its end. A
        // live proposal stays live: it takes them first (they are the oldest, by deadline)
        // and still fills up with newer referrals. Storing only the carried items froze it
        // at those, and pushed the newer ones a meeting later.
        if agenda(tx, next.id)?.is_some() {
            append_to_agenda(tx, next.id, &undecided, change)?;
        }
    }
    let moved: Vec<i64> = undecided.iter().map(|i| i.referral.0).collect();
    log(
        tx,
        change,
        MeetingAction::Close,
        Some(id.0),
        &json!({ "flyttet_til_neste_møte": moved }),
    )?;
    Ok(undecided.len())
}

/// A meeting that was held before Inntak kept it (the demo clinic's past year, or a history
/// brought along): its day, leader, attendance and agenda, with postponed items marked.
pub struct HeldMeeting<'a> {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub leader: Option<MemberId>,
    pub attendees: &'a [MemberId],
    /// The agenda in order, each with whether it was postponed to the next meeting.
    pub items: &'a [(StoredItem, bool)],
}

/// Stores a held meeting with its attendance and agenda in the schedule's slot for its day (so
/// the schedule does not generate it again), as in progress: the caller records its decisions
/// with this meeting and then closes it with [`close`]. Refused when the day already has a
/// meeting.
pub fn insert_held(
    tx: &Transaction<'_>,
    held: &HeldMeeting<'_>,
    change: Change<'_>,
) -> Result<MeetingId, StoreError> {
    refuse_if_taken(tx, held.date, None)?;
    let at = timestamp(change.at);
    tx.execute(
        "INSERT INTO meetings (date, time, status, leader_id, scheduled_date, agenda_built_at, created_at)
         VALUES (?1, ?2, 'pagar', ?3, ?1, ?4, ?4)",
        params![
            held.date,
            held.time.format("%H:%M").to_string(),
            held.leader.map(|m| m.0),
            at
        ],
    )?;
    let id = tx.last_insert_rowid();
    let mut attend = tx.prepare_cached(
        "INSERT INTO meeting_attendees (meeting_id, member_id) VALUES (?1, ?2) \
         ON CONFLICT DO NOTHING",
    )?;
    for member in held.attendees {
        attend.execute(params![id, member.0])?;
    }
    let mut item = tx.prepare_cached(
        "INSERT INTO agenda_items (meeting_id, referral_id, position, reason, postponed)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (position, (stored, postponed)) in held.items.iter().enumerate() {
        item.execute(params![
            id,
            stored.referral.0,
            position as i64 + 1,
            stored.reason.code(),
            postponed
        ])?;
    }
    let postponed = held.items.iter().filter(|(_, p)| *p).count();
    log(
        tx,
        change,
        MeetingAction::AddHeld,
        Some(id),
        &json!({
            "dato": held.date.to_string(),
            "punkter": held.items.len(),
            "utsatt": postponed,
            "til_stede": held.attendees.len(),
        }),
    )?;
    Ok(MeetingId(id))
}

/// The meetings held (closed, or running) from `from` to `to`, both included, by date.
pub fn held_between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<Vec<HeldSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.date,
            (SELECT name FROM team_members t WHERE t.id = m.leader_id),
            (SELECT count(*) FROM meeting_attendees a WHERE a.meeting_id = m.id),
            (SELECT count(*) FROM agenda_items i WHERE i.meeting_id = m.id),
            (SELECT count(*) FROM (
                SELECT referral_id FROM decisions d WHERE d.meeting_id = m.id
                UNION SELECT referral_id FROM track_changes c WHERE c.meeting_id = m.id) AS decided),
            (SELECT count(*) FROM agenda_items i WHERE i.meeting_id = m.id AND i.postponed = 1)
         FROM meetings m
         WHERE m.date BETWEEN ?1 AND ?2 AND m.status IN ('avsluttet', 'pagar')
         ORDER BY m.date, m.time",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok(HeldSummary {
            id: MeetingId(r.get(0)?),
            date: r.get(1)?,
            leader: r.get(2)?,
            attendees: r.get::<_, i64>(3)? as usize,
            items: r.get::<_, i64>(4)? as usize,
            decided: r.get::<_, i64>(5)? as usize,
            postponed: r.get::<_, i64>(6)? as usize,
        })
    })?;
    rows.collect()
}

/// Reopens a closed meeting: an explicit, audited action with a reason.
pub fn reopen(
    tx: &Transaction<'_>,
    id: MeetingId,
    reason: &str,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let m = get(tx, id)?;
    rules::may_reopen(m.status, reason)?;
    tx.execute("UPDATE meetings SET status = 'pagar' WHERE id = ?1", [id.0])?;
    // Its undecided items had moved on when it closed: while it is open again they are on
    // this agenda only (they move on again when it closes).
    for item in agenda(tx, id)?.unwrap_or_default() {
        if crate::store::referrals::get(tx, item.referral)?
            .status
            .awaits_meeting()
        {
            remove_from_other_open_agendas(tx, item.referral, Some(id))?;
        }
    }
    log(
        tx,
        change,
        MeetingAction::Reopen,
        Some(id.0),
        &json!({ "begrunnelse": reason.trim() }),
    )?;
    Ok(())
}
