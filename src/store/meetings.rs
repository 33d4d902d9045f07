//! Meetings, the team, attendance and stored agendas. Every write records an audit row.

use super::audit::{self, MeetingAction};
use super::{StoreError, referrals::Change, timestamp};
use crate::domain::ReferralId;
use crate::domain::meeting::Reason;
use crate::domain::meeting::{self as rules, MeetingRefusal};
use crate::domain::meeting::{
    Meeting, MeetingId, MeetingStatus, MemberId, Profession, TeamMember, scheduled_dates,
};
pub use crate::domain::records::{HeldSummary, StoredItem};
use crate::domain::settings::ClinicSettings;
use chrono::{Days, NaiveDate, NaiveTime};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::{Value, json};

/// How far ahead the schedule keeps meetings generated.
pub const SCHEDULE_HORIZON_DAYS: u64 = 8 * 7;

const MEETING_COLUMNS: &str = "id, date, time, status, leader_id, scheduled_date, note";

fn meeting_from_row(row: &Row<'_>) -> rusqlite::Result<Meeting> {
    let time: String = row.get(2)?;
    let status: String = row.get(3)?;
    Ok(Meeting {
        id: MeetingId(row.get(0)?),
        date: row.get(1)?,
        time: super::decode(NaiveTime::parse_from_str(&time, "%H:%M").ok(), 2, &time)?,
        status: super::decode(MeetingStatus::parse(&status), 3, &status)?,
        leader: row.get::<_, Option<i64>>(4)?.map(MemberId),
        scheduled_date: row.get(5)?,
        note: row.get(6)?,
    })
}

fn log(
    tx: &Transaction<'_>,
    change: Change<'_>,
    action: MeetingAction,
    id: Option<i64>,
    details: &Value,
) -> rusqlite::Result<()> {
    audit::log(tx, change, audit::Event::Meeting(action), id, details)
}

/// Generates the schedule's meetings from `today` through the horizon. Slots that already have
/// a row (also moved or cancelled ones) are left alone. Returns how many were added.
pub fn ensure_schedule(
    tx: &Transaction<'_>,
    settings: &ClinicSettings,
    today: NaiveDate,
    change: Change<'_>,
) -> Result<usize, StoreError> {
    let to = today + Days::new(SCHEDULE_HORIZON_DAYS);
    let time = settings.meeting_time.format("%H:%M").to_string();
    let at = timestamp(change.at);
    let mut added = Vec::new();
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO meetings (date, time, status, scheduled_date, created_at)
         VALUES (?1, ?2, 'planlagt', ?1, ?3)",
    )?;
    for date in scheduled_dates(settings, today, to) {
        if stmt.execute(params![date, time, at])? > 0 {
            added.push(date.to_string());
        }
    }
    if !added.is_empty() {
        log(
            tx,
            change,
            MeetingAction::Schedule,
            None,
            &json!({ "nye_møter": added }),
        )?;
    }
    Ok(added.len())
}

/// After the schedule changed: removes future generated meetings nobody has touched (no
/// stored agenda, no leader, no attendance), so `ensure_schedule` can lay out the new one.
pub fn drop_untouched_future_meetings(
    tx: &Transaction<'_>,
    today: NaiveDate,
) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM meetings
         WHERE date > ?1 AND status = 'planlagt' AND scheduled_date IS NOT NULL
           AND agenda_built_at IS NULL AND leader_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM meeting_attendees a WHERE a.meeting_id = meetings.id)",
        [today],
    )
}

/// Saves new settings and lays the schedule out again: the untouched future meetings of the
/// old schedule go, the new schedule's are generated. One transaction with the caller's.
pub fn save_settings_and_reschedule(
    tx: &Transaction<'_>,
    settings: &ClinicSettings,
    today: NaiveDate,
    change: Change<'_>,
) -> Result<(), StoreError> {
    super::settings::save(tx, settings, change)?;
    drop_untouched_future_meetings(tx, today)?;
    ensure_schedule(tx, settings, today, change)?;
    Ok(())
}

/// Meetings from `from` on (all statuses), by date and time.
pub fn from_date(conn: &Connection, from: NaiveDate) -> rusqlite::Result<Vec<Meeting>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MEETING_COLUMNS} FROM meetings WHERE date >= ?1 ORDER BY date, time, id"
    ))?;
    let rows = stmt.query_map([from], meeting_from_row)?;
    rows.collect()
}

pub fn get(conn: &Connection, id: MeetingId) -> Result<Meeting, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = ?1"
    ))?
    .query_row([id.0], meeting_from_row)
    .optional()?
    .ok_or(MeetingRefusal::NotFound(id).into())
}

/// The upcoming meeting (planned or in progress) on `date`, if any.
pub fn upcoming_on(conn: &Connection, date: NaiveDate) -> rusqlite::Result<Option<Meeting>> {
    conn.prepare_cached(&format!(
        "SELECT {MEETING_COLUMNS} FROM meetings WHERE date = ?1 AND status IN ('planlagt', 'pagar')
         ORDER BY time LIMIT 1"
    ))?
    .query_row([date], meeting_from_row)
    .optional()
}

fn refuse_if_taken(
    tx: &Transaction<'_>,
    date: NaiveDate,
    except: Option<MeetingId>,
) -> Result<(), StoreError> {
    if let Some(other) = upcoming_on(tx, date)?
        && Some(other.id) != except
    {
        return Err(MeetingRefusal::DateTaken(date).into());
    }
    Ok(())
}

/// Adds an extra meeting (not from the schedule).
pub fn add_extra(
    tx: &Transaction<'_>,
    date: NaiveDate,
    time: NaiveTime,
    change: Change<'_>,
) -> Result<MeetingId, StoreError> {
    refuse_if_taken(tx, date, None)?;
    tx.execute(
        "INSERT INTO meetings (date, time, status, created_at) VALUES (?1, ?2, 'planlagt', ?3)",
        params![date, time.format("%H:%M").to_string(), timestamp(change.at)],
    )?;
    let id = tx.last_insert_rowid();
    log(
        tx,
        change,
        MeetingAction::AddExtra,
        Some(id),
        &json!({ "dato": date.to_string() }),
    )?;
    Ok(MeetingId(id))
}

/// Moves a meeting to another day and time; its agenda and attendance go with it.
pub fn move_to(
    tx: &Transaction<'_>,
    id: MeetingId,
    date: NaiveDate,
    time: NaiveTime,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let old = get(tx, id)?;
    rules::may_move(old.status)?;
    refuse_if_taken(tx, date, Some(id))?;
    let time = time.format("%H:%M").to_string();
    tx.execute(
        "UPDATE meetings SET date = ?2, time = ?3 WHERE id = ?1",
        params![id.0, date, time],
    )?;
    let from = format!("{} {}", old.date, old.time.format("%H:%M"));
    let details = json!({ "fra": from, "til": format!("{date} {time}") });
    log(tx, change, MeetingAction::Move, Some(id.0), &details)?;
    Ok(())
}

/// Cancels a planned meeting (avlyst) or restores a cancelled one (planlagt).
pub fn set_cancelled(
    tx: &Transaction<'_>,
    id: MeetingId,
    cancelled: bool,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let old = get(tx, id)?;
    let to = if cancelled {
        MeetingStatus::Avlyst
    } else {
        refuse_if_taken(tx, old.date, Some(id))?;
        MeetingStatus::Planlagt
    };
    rules::may_set_cancelled(old.status, cancelled)?;
    tx.execute(
        "UPDATE meetings SET status = ?2 WHERE id = ?1",
        params![id.0, to.code()],
    )?;
    if cancelled {
        // A cancelled meeting's agenda returns to the queue: the next meetings propose it.
        forget_agenda(tx, id)?;
    }
    log(
        tx,
        change,
        if cancelled {
            MeetingAction::Cancel
        } else {
            MeetingAction::Restore
        },
        Some(id.0),
        &json!({}),
    )?;
    Ok(())
}

/// The leader and attendees a meeting starts with while nobody has set them: those of the
/// latest earlier meeting that had any (members still active). `None` once the meeting's team
/// was set (also when it was deliberately emptied) or when there is nothing to carry.
pub fn carried_team(
    conn: &Connection,
    m: &Meeting,
) -> rusqlite::Result<Option<(Option<MemberId>, Vec<MemberId>)>> {
    let set_before: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity = ?1 AND entity_id = ?2
                            AND action IN (?3, ?4, ?5))",
        )?
        .query_row(
            params![
                audit::Entity::Meeting.code(),
                m.id.0,
                MeetingAction::Leader.code(),
                MeetingAction::Attendance.code(),
                MeetingAction::CarryOver.code()
            ],
            |r| r.get(0),
        )?;
    if set_before || m.leader.is_some() || !attendees(conn, m.id)?.is_empty() {
        return Ok(None);
    }
    let previous: Option<(i64, Option<i64>)> = conn
        .prepare_cached(
            "SELECT id, leader_id FROM meetings p
             WHERE (p.date < ?1 OR (p.date = ?1 AND p.id < ?2)) AND p.status <> 'avlyst'
               AND (p.leader_id IS NOT NULL
                    OR EXISTS (SELECT 1 FROM meeting_attendees a WHERE a.meeting_id = p.id))
             ORDER BY p.date DESC, p.time DESC, p.id DESC LIMIT 1",
        )?
        .query_row(params![m.date, m.id.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((previous, leader)) = previous else {
        return Ok(None);
    };
    let active: Vec<MemberId> = members(conn)?
        .into_iter()
        .filter(|t| t.active)
        .map(|t| t.id)
        .collect();
    let leader = leader.map(MemberId).filter(|l| active.contains(l));
    let present: Vec<MemberId> = attendees(conn, MeetingId(previous))?
        .into_iter()
        .filter(|a| active.contains(a))
        .collect();
    Ok((leader.is_some() || !present.is_empty()).then_some((leader, present)))
}

/// Stores the carried team (see [`carried_team`]) as the meeting's own, before the first
/// change to it or when the meeting starts.
fn carry_over_team(
    tx: &Transaction<'_>,
    id: MeetingId,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let m = get(tx, id)?;
    let Some((leader, present)) = carried_team(tx, &m)? else {
        return Ok(());
    };
    tx.execute(
        "UPDATE meetings SET leader_id = ?2 WHERE id = ?1",
        params![id.0, leader.map(|l| l.0)],
    )?;
    for member in &present {
        tx.execute(
            "INSERT OR IGNORE INTO meeting_attendees (meeting_id, member_id) VALUES (?1, ?2)",
            params![id.0, member.0],
        )?;
    }
    log(
        tx,
        change,
        MeetingAction::CarryOver,
        Some(id.0),
        &json!({
            "møteleder": leader.map(|l| l.0),
            "til_stede": present.iter().map(|p| p.0).collect::<Vec<_>>(),
        }),
    )?;
    Ok(())
}

pub fn set_leader(
    tx: &Transaction<'_>,
    id: MeetingId,
    leader: Option<MemberId>,
    change: Change<'_>,
) -> Result<(), StoreError> {
    carry_over_team(tx, id, change)?;
    tx.execute(
        "UPDATE meetings SET leader_id = ?2 WHERE id = ?1",
        params![id.0, leader.map(|m| m.0)],
    )?;
    log(
        tx,
        change,
        MeetingAction::Leader,
        Some(id.0),
        &json!({ "møteleder": leader.map(|m| m.0) }),
    )?;
    Ok(())
}

pub fn set_attendance(
    tx: &Transaction<'_>,
    id: MeetingId,
    member: MemberId,
    present: bool,
    change: Change<'_>,
) -> Result<(), StoreError> {
    carry_over_team(tx, id, change)?;
    if present {
        tx.execute(
            "INSERT OR IGNORE INTO meeting_attendees (meeting_id, member_id) VALUES (?1, ?2)",
            params![id.0, member.0],
        )?;
    } else {
        tx.execute(
            "DELETE FROM meeting_attendees WHERE meeting_id = ?1 AND member_id = ?2",
            params![id.0, member.0],
        )?;
    }
    log(
        tx,
        change,
        MeetingAction::Attendance,
        Some(id.0),
        &json!({ "medlem": member.0, "til_stede": present }),
    )?;
    Ok(())
}

/// Ids of the members attending a meeting.
pub fn attendees(conn: &Connection, id: MeetingId) -> rusqlite::Result<Vec<MemberId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT member_id FROM meeting_attendees WHERE meeting_id = ?1 ORDER BY member_id",
    )?;
    let rows = stmt.query_map([id.0], |r| Ok(MemberId(r.get(0)?)))?;
    rows.collect()
}

// --- The team ---

pub fn members(conn: &Connection) -> rusqlite::Result<Vec<TeamMember>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, profession, active FROM team_members ORDER BY active DESC, name",
    )?;
    let rows = stmt.query_map([], |r| {
        let profession: String = r.get(2)?;
        Ok(TeamMember {
            id: MemberId(r.get(0)?),
            name: r.get(1)?,
            profession: super::decode(Profession::parse(&profession), 2, &profession)?,
            active: r.get(3)?,
        })
    })?;
    rows.collect()
}

pub fn add_member(
    tx: &Transaction<'_>,
    name: &str,
    profession: Profession,
    change: Change<'_>,
) -> Result<MemberId, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(MeetingRefusal::NameMissing.into());
    }
    tx.execute(
        "INSERT INTO team_members (name, profession) VALUES (?1, ?2)",
        params![name, profession.code()],
    )?;
    let id = tx.last_insert_rowid();
    let details = json!({ "navn": name, "yrke": profession.code() });
    audit::log(
        tx,
        change,
        audit::Event::Member(audit::MemberAction::Add),
        Some(id),
        &details,
    )?;
    Ok(MemberId(id))
}

/// Members are never deleted (old meetings refer to them); they are set inactive.
pub fn set_member_active(
    tx: &Transaction<'_>,
    id: MemberId,
    active: bool,
    change: Change<'_>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE team_members SET active = ?2 WHERE id = ?1",
        params![id.0, active],
    )?;
    let details = json!({ "aktiv": active });
    audit::log(
        tx,
        change,
        audit::Event::Member(audit::MemberAction::Active),
        Some(id.0),
        &details,
    )?;
    Ok(())
}

// --- Agendas ---

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
            reason: super::decode(Reason::parse(&reason), 1, &reason)?,
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
                reason: super::decode(Reason::parse(&reason), 1, &reason)?,
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
           AND meeting_id IS NOT ?2
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
fn forget_agenda(tx: &Transaction<'_>, id: MeetingId) -> rusqlite::Result<()> {
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

// --- Running a meeting (issue 4 groundwork) ---

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
fn append_to_agenda(
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
        "INSERT OR IGNORE INTO meeting_attendees (meeting_id, member_id) VALUES (?1, ?2)",
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
                UNION SELECT referral_id FROM track_changes c WHERE c.meeting_id = m.id)),
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
