//! The schema: a new file from `schema.sql`, an older one upgraded by the numbered
//! migrations in one IMMEDIATE transaction (append-only; `PRAGMA user_version`).

use super::*;

/// The current schema, the single source of truth for a fresh database.
pub const SCHEMA_SQL: &str = include_str!("../../schema.sql");

/// The file's application id and schema version.
pub fn schema_ids(conn: &Connection) -> rusqlite::Result<(i32, i32)> {
    Ok((
        conn.pragma_query_value(None, "application_id", |r| r.get(0))?,
        conn.pragma_query_value(None, "user_version", |r| r.get(0))?,
    ))
}

/// The schema version this build creates and understands (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 8;

/// Marks a SQLite file as Inntak's (`PRAGMA application_id`): ASCII "Innt".
pub const APPLICATION_ID: i32 = 0x496e_6e74;

/// Upgrades, append-only: `MIGRATIONS[i]` takes a database from version `i + 1` to `i + 2`.
/// Never edit or remove an entry once released; add a new one and bump [`SCHEMA_VERSION`],
/// and keep `schema.sql` equal to the result.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/v2_meetings.sql"),
    include_str!("migrations/v3_decisions.sql"),
    include_str!("migrations/v4_follow_ups.sql"),
    include_str!("migrations/v5_audit_chain.sql"),
    include_str!("migrations/v6_preparation.sql"),
    include_str!("migrations/v7_letters.sql"),
    include_str!("migrations/v8_messages.sql"),
];

const _: () = assert!(MIGRATIONS.len() as i32 == SCHEMA_VERSION - 1);

impl Store {
    /// Creates the schema, unless another process did so since this one looked (two `demo`
    /// commands on one new file): the IMMEDIATE transaction makes the second one wait and
    /// then see the first one's schema.
    pub(super) fn create_schema(&mut self) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let objects: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if objects == 0 {
            tx.execute_batch(SCHEMA_SQL)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()
    }

    /// Applies every migration after the file's version in one IMMEDIATE transaction.
    pub(super) fn upgrade(&mut self) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have upgraded the file meanwhile.
        let from: i32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if from >= SCHEMA_VERSION {
            return tx.commit();
        }
        for (index, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip((from - 1).max(0) as usize)
        {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as i32 + 2)?;
        }
        // Rows written before the chain existed are chained once, here; the upgrade itself is
        // the first row written under the chain.
        let chained = audit::chain_unchained(&tx)?;
        let now = chrono::Local::now().naive_local();
        audit::record(
            &tx,
            &timestamp(now),
            "inntak",
            audit::Event::Database(audit::DatabaseAction::Upgrade),
            None,
            &serde_json::json!({
                "fra_versjon": from,
                "til_versjon": SCHEMA_VERSION,
                "rader_kjedet": chained,
            }),
        )?;
        let last = anchor::newest(&tx)?;
        tx.commit()?;
        if let Some(last) = last {
            anchor::record(&self.path, None, last, true);
        }
        Ok(())
    }
}
