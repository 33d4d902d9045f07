//! The audit log: who changed what, and when. Append-only.

use crate::store::db::{Connection, Transaction};
use rusqlite::{OptionalExtension, params};
use serde_json::Value;

/// One audit row as the detail pane shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub event: Event,
    pub details: Value,
}

impl AuditEntry {
    /// The action in Norwegian.
    pub fn action_nb(&self) -> &'static str {
        self.event.label_nb()
    }
}

/// Declares one kind of thing's audit actions: each with its stored code and its Norwegian
/// label.
macro_rules! actions {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal;)*
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            pub const ALL: &[Self] = &[$(Self::$variant),*];

            /// As stored in `audit_log.action`.
            pub fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            pub fn label_nb(self) -> &'static str {
                match self {
                    $(Self::$variant => $label,)*
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    /// What happened to a referral (its decisions and follow-ups included).
    ReferralAction {
        Create = "create", "Registrert";
        Import = "import", "Importert";
        Demo = "demo", "Demodata";
        Update = "update", "Endret";
        Withdraw = "withdraw", "Trukket";
        Reopen = "reopen", "Gjenåpnet";
        Decide = "decide", "Vedtak";
        Correct = "correct", "Vedtak rettet";
        /// A decision made before Inntak, brought in with an imported referral.
        ImportDecision = "import_decision", "Vedtak importert";
        MappingReport = "mapping_report", "Kartlegging meldt tilbake";
        TrackChange = "track_change", "Forløp endret";
        CareStart = "care_start", "Oppstart registrert";
        Preparation = "preparation", "Forberedelse";
        ProvisionalView = "provisional_view", "Foreløpig vurdering";
        /// A referral message not applied: a cancellation after the decision, or a change or
        /// cancellation whose referral is unknown (kept as a note).
        Message = "message", "Melding fra henviser";
        /// Read on the clinic's server (the detail opened): who has looked at the referral.
        Read = "read", "Lest";
        /// Another team's referral opened for a service need, with the reason.
        OtherTeam = "other_team", "Åpnet fra et annet team (tjenstlig behov)";
    }
}

actions! {
    /// What happened to a meeting: its schedule, agenda, attendance and course.
    MeetingAction {
        Schedule = "schedule", "Møteplan lagt";
        AddExtra = "add_extra", "Ekstra møte lagt til";
        Move = "move", "Møtet flyttet";
        CarryOver = "carry_over", "Utsatte punkter ført videre";
        Leader = "leader", "Møteleder satt";
        Attendance = "attendance", "Oppmøte endret";
        AgendaAdd = "add", "Lagt på agendaen";
        AgendaRemove = "remove", "Tatt av agendaen";
        AgendaRemoveMust = "remove_must", "Frist-punkt tatt av agendaen";
        AgendaReorder = "reorder", "Agendaen ordnet";
        AgendaAccept = "accept", "Agendaforslaget godtatt";
        AgendaRollForward = "roll_forward", "Agendaen ført fram";
        AgendaReset = "agenda_reset", "Agendaen tilbakestilt";
        Start = "start", "Møtet startet";
        Postpone = "postpone", "Punkt utsatt";
        Unpostpone = "unpostpone", "Utsettelse angret";
        Close = "close", "Møtet avsluttet";
        Cancel = "cancel", "Møtet avlyst";
        Restore = "restore", "Avlysningen angret";
        AddHeld = "add_held", "Holdt møte lagt inn";
        Reopen = "reopen", "Møtet gjenåpnet";
    }
}

actions! {
    /// What happened to a team member.
    MemberAction {
        Add = "add", "Lagt til i teamet";
        Active = "active", "Aktiv endret";
    }
}

actions! {
    /// Patient data leaving the program: prints, exports, backups (access logging).
    OutputAction {
        PrintAgenda = "print_agenda", "Agenda skrevet ut";
        PrintMinutes = "print_minutes", "Referat skrevet ut";
        PrintLetters = "print_letters", "Brev skrevet ut";
        /// An electronic answer (Dialogmelding) written for the referrer's system.
        SendReply = "send_reply", "Elektronisk svar sendt";
        LettersSent = "letters_sent", "Brev merket sendt";
        ExportReferrals = "export_referrals", "Henvisninger eksportert";
        ExportBreaches = "export_breaches", "Fristbruddliste eksportert";
        ExportStats = "export_stats", "Statistikk eksportert";
        Backup = "backup", "Sikkerhetskopi tatt";
        Restore = "restore", "Gjenopprettet fra sikkerhetskopi";
    }
}

actions! {
    /// What happened to the database file itself.
    DatabaseAction {
        Upgrade = "upgrade", "Databasen oppgradert";
        /// The plain file was encrypted (`inntak encrypt`).
        Encrypt = "encrypt", "Databasen kryptert";
        /// The passphrase was changed (`inntak passphrase`).
        NewPassphrase = "new_passphrase", "Passordet byttet";
        /// The file was moved to the clinic's server (`inntak port`): the server's first row
        /// after the file's own.
        Port = "port", "Flyttet til klinikkens server";
    }
}

/// What an audit row records: the kind of thing it is about (stored as `entity`) and the
/// action on it (stored as `action`). Every write names one, so no write can log a code the
/// log's readers do not know, and a stored pair that is none of these is an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    Referral(ReferralAction),
    Meeting(MeetingAction),
    Member(MemberAction),
    /// The clinic's settings were changed.
    Settings,
    Output(OutputAction),
    Database(DatabaseAction),
}

/// The kinds of thing an audit row is about, as stored in `audit_log.entity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    Referral,
    Meeting,
    Member,
    Settings,
    Output,
    Database,
}

impl Entity {
    pub fn code(self) -> &'static str {
        match self {
            Entity::Referral => "referral",
            Entity::Meeting => "meeting",
            Entity::Member => "team_member",
            Entity::Settings => "settings",
            Entity::Output => "output",
            Entity::Database => "database",
        }
    }
}

impl Event {
    pub fn entity(self) -> Entity {
        match self {
            Event::Referral(_) => Entity::Referral,
            Event::Meeting(_) => Entity::Meeting,
            Event::Member(_) => Entity::Member,
            Event::Settings => Entity::Settings,
            Event::Output(_) => Entity::Output,
            Event::Database(_) => Entity::Database,
        }
    }

    /// As stored in `audit_log.action`.
    pub fn code(self) -> &'static str {
        match self {
            Event::Referral(a) => a.code(),
            Event::Meeting(a) => a.code(),
            Event::Member(a) => a.code(),
            Event::Settings => "settings",
            Event::Output(a) => a.code(),
            Event::Database(a) => a.code(),
        }
    }

    /// The action in Norwegian.
    pub fn label_nb(self) -> &'static str {
        match self {
            Event::Referral(a) => a.label_nb(),
            Event::Meeting(a) => a.label_nb(),
            Event::Member(a) => a.label_nb(),
            Event::Settings => "Innstillinger endret",
            Event::Output(a) => a.label_nb(),
            Event::Database(a) => a.label_nb(),
        }
    }

    /// The event a stored (entity, action) pair names; `None` for a pair no version of
    /// Inntak writes.
    pub fn from_codes(entity: &str, action: &str) -> Option<Self> {
        match entity {
            "referral" => ReferralAction::from_code(action).map(Event::Referral),
            "meeting" => MeetingAction::from_code(action).map(Event::Meeting),
            "team_member" => MemberAction::from_code(action).map(Event::Member),
            "settings" => (action == "settings").then_some(Event::Settings),
            "output" => OutputAction::from_code(action).map(Event::Output),
            "database" => DatabaseAction::from_code(action).map(Event::Database),
            _ => None,
        }
    }

    /// Every event, for the tables that check the codes.
    pub fn all() -> Vec<Event> {
        let mut all: Vec<Event> = Vec::new();
        all.extend(ReferralAction::ALL.iter().copied().map(Event::Referral));
        all.extend(MeetingAction::ALL.iter().copied().map(Event::Meeting));
        all.extend(MemberAction::ALL.iter().copied().map(Event::Member));
        all.push(Event::Settings);
        all.extend(OutputAction::ALL.iter().copied().map(Event::Output));
        all.extend(DatabaseAction::ALL.iter().copied().map(Event::Database));
        all
    }
}

/// Appends the audit row for a change (its actor and time) inside the caller's transaction:
/// the one call every write makes.
pub fn log(
    tx: &Transaction<'_>,
    change: super::referrals::Change<'_>,
    event: Event,
    entity_id: Option<i64>,
    details: &Value,
) -> rusqlite::Result<()> {
    record(
        tx,
        &super::timestamp(change.at),
        change.actor,
        event,
        entity_id,
        details,
    )
}

/// Appends one audit row inside the caller's transaction, chained to the row before it.
pub fn record(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    event: Event,
    entity_id: Option<i64>,
    details: &Value,
) -> rusqlite::Result<()> {
    // On the server the newest row may be another team's, hidden from this login: its id
    // and hash come through inntak_audit_tail (schema.postgres.sql).
    let tail = if tx.is_server() {
        "SELECT id, hash FROM inntak_audit_tail()"
    } else {
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
    };
    let (last_id, prev): (i64, String) = tx
        .prepare_cached(tail)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, String::new()));
    let row = Row {
        id: last_id + 1,
        at: at.to_string(),
        recorded_at: recorded_now(),
        actor: actor.to_string(),
        action: event.code().to_string(),
        entity: event.entity().code().to_string(),
        entity_id,
        details: details.to_string(),
    };
    let hash = row.hash(&prev);
    tx.prepare_cached(
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, details, recorded_at, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        row.id,
        row.at,
        row.actor,
        row.action,
        row.entity,
        row.entity_id,
        row.details,
        row.recorded_at,
        hash
    ])?;
    Ok(())
}

/// The real time now, RFC 3339 with the UTC offset (`2026-11-23T15:40:02+01:00`).
pub fn recorded_now() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// One audit row as stored, for the chain and for `inntak audit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub at: String,
    pub recorded_at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub details: String,
}

impl Row {
    /// SHA-256 (hex) over the previous row's hash and every field of this row, separated by
    /// the unit separator so no two different rows give the same text.
    pub fn hash(&self, prev: &str) -> String {
        use sha2::{Digest, Sha256};
        let text = [
            prev.to_string(),
            self.id.to_string(),
            self.at.clone(),
            self.recorded_at.clone(),
            self.actor.clone(),
            self.action.clone(),
            self.entity.clone(),
            self.entity_id.map(|i| i.to_string()).unwrap_or_default(),
            self.details.clone(),
        ]
        .join("\u{1f}");
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

const ROW_COLUMNS: &str = "id, at, recorded_at, actor, action, entity, entity_id, details, hash";

fn read_row(r: &crate::store::db::Row<'_>) -> rusqlite::Result<(Row, String)> {
    Ok((
        Row {
            id: r.get(0)?,
            at: r.get(1)?,
            recorded_at: r.get(2)?,
            actor: r.get(3)?,
            action: r.get(4)?,
            entity: r.get(5)?,
            entity_id: r.get(6)?,
            details: r.get(7)?,
        },
        r.get(8)?,
    ))
}

/// Every row of the log, oldest first, without its stored hash (to recompute the chain).
pub fn rows(conn: &Connection) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = conn.prepare(&format!("SELECT {ROW_COLUMNS} FROM audit_log ORDER BY id"))?;
    let rows = stmt.query_map([], read_row)?;
    rows.map(|r| r.map(|(row, _)| row)).collect()
}

/// Chains the rows written before version 5 (hash still empty), oldest first: run once by
/// the upgrade, inside its transaction.
pub fn chain_unchained(tx: &Transaction<'_>) -> rusqlite::Result<usize> {
    let rows: Vec<(Row, String)> = tx
        .prepare(&format!("SELECT {ROW_COLUMNS} FROM audit_log ORDER BY id"))?
        .query_map([], read_row)?
        .collect::<Result<_, _>>()?;
    let mut prev = String::new();
    let mut chained = 0;
    let mut update = tx.prepare("UPDATE audit_log SET hash = ?1 WHERE id = ?2")?;
    for (row, stored) in rows {
        let hash = if stored.is_empty() {
            let hash = row.hash(&prev);
            update.execute(params![hash, row.id])?;
            chained += 1;
            hash
        } else {
            stored
        };
        prev = hash;
    }
    Ok(chained)
}

/// Where the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error(
        "Endringsloggen er ikke hel: rad {0} er endret eller slettet etter at den ble skrevet \
         (eller en rad før den er slettet). Ta vare på filen og kontakt IT."
    )]
    Broken(i64),
    #[error("Endringsloggen kunne ikke leses: {0}")]
    Read(String),
}

/// Walks the whole chain: `Ok(rows)` when every row's hash matches its content and the row
/// before it.
pub fn verify_chain(conn: &Connection) -> Result<usize, ChainError> {
    let mut stmt = conn
        .prepare(&format!("SELECT {ROW_COLUMNS} FROM audit_log ORDER BY id"))
        .map_err(|e| ChainError::Read(e.to_string()))?;
    let rows = stmt
        .query_map([], read_row)
        .map_err(|e| ChainError::Read(e.to_string()))?;
    let mut prev = String::new();
    let mut count = 0;
    for row in rows {
        let (row, stored) = row.map_err(|e| ChainError::Read(e.to_string()))?;
        if row.hash(&prev) != stored {
            return Err(ChainError::Broken(row.id));
        }
        prev = stored;
        count += 1;
    }
    Ok(count)
}

/// The log for clinic IT, oldest first: optionally from/to a date (by `at`) and one actor.
pub fn list(
    conn: &Connection,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    actor: Option<&str>,
) -> rusqlite::Result<Vec<Row>> {
    let from = from.map(|d| d.to_string()).unwrap_or_default();
    let to = to
        .map(|d| format!("{d}T99"))
        .unwrap_or_else(|| "9999".to_string());
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM audit_log
         WHERE at >= ?1 AND at < ?2 AND (CAST(?3 AS TEXT) IS NULL OR actor = ?3) ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![from, to, actor], read_row)?;
    rows.map(|r| r.map(|(row, _)| row)).collect()
}

/// What an output is, for the access log: the action, how many patients, and details.
#[derive(Clone, Debug)]
pub struct OutputLog {
    pub action: OutputAction,
    pub patients: usize,
    pub extra: Value,
}

impl OutputLog {
    pub fn new(action: OutputAction, patients: usize) -> Self {
        Self {
            action,
            patients,
            extra: serde_json::json!({}),
        }
    }

    pub fn with(mut self, extra: Value) -> Self {
        self.extra = extra;
        self
    }
}

/// Logs a print, export, backup or restore (access to patient data leaving the program):
/// what, how many patients, and where to.
pub fn record_output(
    tx: &Transaction<'_>,
    change: crate::store::referrals::Change<'_>,
    log: &OutputLog,
    destination: &str,
) -> rusqlite::Result<()> {
    let mut details = serde_json::json!({ "pasienter": log.patients, "til": destination });
    if let (Value::Object(map), Value::Object(more)) = (&mut details, &log.extra) {
        map.extend(more.clone());
    }
    record(
        tx,
        &crate::store::timestamp(change.at),
        change.actor,
        Event::Output(log.action),
        None,
        &details,
    )
}

/// The audit trail of one referral, meeting or team member, oldest first.
pub fn for_entity(conn: &Connection, entity: Entity, id: i64) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, action, details FROM audit_log
         WHERE entity = ?1 AND entity_id = ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![entity.code(), id], |r| {
        let action: String = r.get(2)?;
        let details: String = r.get(3)?;
        Ok(AuditEntry {
            at: r.get(0)?,
            actor: r.get(1)?,
            event: super::decode(Event::from_codes(entity.code(), &action), 2, &action)?,
            details: serde_json::from_str(&details).unwrap_or(Value::String(details)),
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event's stored pair reads back as that event, and no two share a pair (the
    /// meeting's "add" and the team member's "add" differ by entity).
    #[test]
    fn every_event_round_trips_through_its_codes() {
        let all = Event::all();
        let mut pairs = std::collections::HashSet::new();
        for event in &all {
            let (entity, action) = (event.entity().code(), event.code());
            assert_eq!(Event::from_codes(entity, action), Some(*event), "{event:?}");
            assert!(pairs.insert((entity, action)), "{event:?} shares its codes");
            assert!(!event.label_nb().is_empty());
        }
        assert_eq!(all.len(), 17 + 21 + 2 + 1 + 10 + 4);
        assert_eq!(Event::from_codes("referral", "close"), None);
        assert_eq!(Event::from_codes("meeting", "decide"), None);
        assert_eq!(Event::from_codes("output", "print"), None);
    }
}
