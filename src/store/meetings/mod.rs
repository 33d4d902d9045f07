//! Meetings, the team, attendance and stored agendas. Every write records an audit row.

mod agenda;
mod running;

pub use agenda::*;
pub use running::*;

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
use crate::store::db::{Connection, Row, Transaction};
use chrono::{Days, NaiveDate, NaiveTime};
use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};

/// How far ahead the schedule keeps meetings generated.
pub const SCHEDULE_HORIZON_DAYS: u64 = 8 * 7;

pub(crate) const MEETING_COLUMNS: &str = "id, date, time, status, leader_id, scheduled_date, note";

pub(crate) fn meeting_from_row(row: &Row<'_>) -> rusqlite::Result<Meeting> {
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

pub(crate) fn log(
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
        "INSERT INTO meetings (date, time, status, scheduled_date, created_at)
         VALUES (?1, ?2, 'planlagt', ?1, ?3) ON CONFLICT DO NOTHING",
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

pub(crate) fn refuse_if_taken(
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
pub(crate) fn carry_over_team(
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
            "INSERT INTO meeting_attendees (meeting_id, member_id) VALUES (?1, ?2) \
         ON CONFLICT DO NOTHING",
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
            "INSERT INTO meeting_attendees (meeting_id, member_id) VALUES (?1, ?2) \
         ON CONFLICT DO NOTHING",
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
