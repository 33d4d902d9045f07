//! The audit log: who changed what, and when. Append-only.

use rusqlite::{Connection, Transaction, params};
use serde_json::Value;

/// What kind of thing an audit row is about.
pub const ENTITY_REFERRAL: &str = "referral";
pub const ENTITY_SETTINGS: &str = "settings";

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
            "decide" => "Vedtak",
            "correct" => "Vedtak rettet",
            "mapping_report" => "Kartlegging meldt tilbake",
            "track_change" => "Forløp endret",
            "care_start" => "Oppstart registrert",
            other => other,
        }
    }
}

/// Appends one audit row inside the caller's transaction.
pub fn record(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    details: &Value,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at, actor, action, entity, entity_id, details.to_string()],
    )?;
    Ok(())
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
