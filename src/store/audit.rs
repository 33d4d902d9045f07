//! The audit log: who changed what, and when. Append-only.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;

/// What kind of thing an audit row is about.
pub const ENTITY_REFERRAL: &str = "referral";
pub const ENTITY_SETTINGS: &str = "settings";
/// Prints, exports and backups: patient data leaving the program.
pub const ENTITY_OUTPUT: &str = "output";
/// The database itself (upgrades, restores).
pub const ENTITY_DATABASE: &str = "database";

/// A decision made before Inntak, brought in with an imported referral.
pub const IMPORT_DECISION: &str = "import_decision";

/// Output actions (access logging).
pub const PRINT_AGENDA: &str = "print_agenda";
pub const PRINT_MINUTES: &str = "print_minutes";
pub const EXPORT_REFERRALS: &str = "export_referrals";
pub const EXPORT_BREACHES: &str = "export_breaches";
pub const EXPORT_STATS: &str = "export_stats";
pub const BACKUP: &str = "backup";
pub const RESTORE: &str = "restore";
pub const UPGRADE: &str = "upgrade";
/// The plain file was encrypted (`inntak encrypt`).
pub const ENCRYPT: &str = "encrypt";
/// The passphrase was changed (`inntak passphrase`).
pub const NEW_PASSPHRASE: &str = "new_passphrase";

/// One audit row as the detail pane shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub details: Value,
}

impl AuditEntry {
    /// The action in Norwegian.
    pub fn action_nb(&self) -> &str {
        match self.action.as_str() {
            "create" => "Registrert",
            "import" => "Importert",
            "update" => "Endret",
            "withdraw" => "Trukket",
            "reopen" => "Gjenåpnet",
            "demo" => "Demodata",
            "settings" => "Innstillinger endret",
            "add_held" => "Holdt møte lagt inn",
            "decide" => "Vedtak",
            "correct" => "Vedtak rettet",
            IMPORT_DECISION => "Vedtak importert",
            "mapping_report" => "Kartlegging meldt tilbake",
            "track_change" => "Forløp endret",
            "care_start" => "Oppstart registrert",
            "preparation" => "Forberedelse",
            "provisional_view" => "Foreløpig vurdering",
            PRINT_AGENDA => "Agenda skrevet ut",
            PRINT_MINUTES => "Referat skrevet ut",
            EXPORT_REFERRALS => "Henvisninger eksportert",
            EXPORT_BREACHES => "Fristbruddliste eksportert",
            EXPORT_STATS => "Statistikk eksportert",
            BACKUP => "Sikkerhetskopi tatt",
            RESTORE => "Gjenopprettet fra sikkerhetskopi",
            UPGRADE => "Databasen oppgradert",
            super::letters::PRINT_LETTERS => "Brev skrevet ut",
            super::letters::LETTERS_SENT => "Brev merket sendt",
            other => other,
        }
    }
}

/// Appends the audit row for a change (its actor and time) inside the caller's transaction:
/// the one call every write makes.
pub fn log(
    tx: &Transaction<'_>,
    change: super::referrals::Change<'_>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    details: &Value,
) -> rusqlite::Result<()> {
    record(
        tx,
        &super::timestamp(change.at),
        change.actor,
        action,
        entity,
        entity_id,
        details,
    )
}

/// Appends one audit row inside the caller's transaction, chained to the row before it.
pub fn record(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    details: &Value,
) -> rusqlite::Result<()> {
    let (last_id, prev): (i64, String) = tx
        .prepare_cached("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, String::new()));
    let row = Row {
        id: last_id + 1,
        at: at.to_string(),
        recorded_at: recorded_now(),
        actor: actor.to_string(),
        action: action.to_string(),
        entity: entity.to_string(),
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

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Row, String)> {
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
         WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR actor = ?3) ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![from, to, actor], read_row)?;
    rows.map(|r| r.map(|(row, _)| row)).collect()
}

/// What an output is, for the access log: the action, how many patients, and details.
#[derive(Clone, Debug)]
pub struct OutputLog {
    pub action: &'static str,
    pub patients: usize,
    pub extra: Value,
}

impl OutputLog {
    pub fn new(action: &'static str, patients: usize) -> Self {
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
        log.action,
        ENTITY_OUTPUT,
        None,
        &details,
    )
}

/// The audit trail of one entity, oldest first.
pub fn for_entity(conn: &Connection, entity: &str, id: i64) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, action, details FROM audit_log
         WHERE entity = ?1 AND entity_id = ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![entity, id], |r| {
        let details: String = r.get(3)?;
        Ok(AuditEntry {
            at: r.get(0)?,
            actor: r.get(1)?,
            action: r.get(2)?,
            details: serde_json::from_str(&details).unwrap_or(Value::String(details)),
        })
    })?;
    rows.collect()
}
