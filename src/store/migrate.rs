//! The schema on both engines: one numbered history. A new file is made from `schema.sql`
//! (the full current schema); a new server database from the server's base at
//! [`POSTGRES_BASE`] and every migration after it (`schema.postgres.sql` shows the result); an
//! older one is upgraded by the numbered migrations in one transaction (append-only). As in Matrix
//! Synapse, a migration is one file where both engines take the same SQL and a pair
//! (`vN_name.sqlite.sql` / `vN_name.postgres.sql`) only where the SQL must differ. The server
//! engine's history begins at [`POSTGRES_BASE`] (the version it was added at): a server
//! database is never older than that. The version lives in `PRAGMA user_version` on a file
//! and in the `inntak_schema` table on the server.

use super::*;
use rusqlite::OptionalExtension;

/// The current schema, the single source of truth for a fresh database file.
pub const SCHEMA_SQL: &str = include_str!("../../schema.sql");

/// The server's schema at [`POSTGRES_BASE`]: a new server database is made from it and every
/// migration after it, so each one is the upgrade path itself (`schema.postgres.sql` shows
/// the result, and a test keeps it equal to it).
pub const POSTGRES_BASE_SQL: &str = include_str!("migrations/postgres/v8_full.sql");

/// The first version a server database can have: the server engine came with it.
pub const POSTGRES_BASE: i32 = 8;

/// The database's application id and schema version (on the server: [`APPLICATION_ID`]
/// when its `inntak_schema` row says it is Inntak's, 0 otherwise).
pub fn schema_ids(conn: &Connection) -> rusqlite::Result<(i32, i32)> {
    match conn.sqlite() {
        Some(c) => Ok((
            c.pragma_query_value(None, "application_id", |r| r.get(0))?,
            c.pragma_query_value(None, "user_version", |r| r.get(0))?,
        )),
        None => {
            let exists: bool = conn.query_row(
                "SELECT count(*) > 0 FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = 'inntak_schema'",
                [],
                |r| r.get(0),
            )?;
            if !exists {
                return Ok((0, 0));
            }
            conn.query_row("SELECT application, version FROM inntak_schema", [], |r| {
                let application: String = r.get(0)?;
                let id = if application == "inntak" {
                    APPLICATION_ID
                } else {
                    0
                };
                Ok((id, r.get(1)?))
            })
            .optional()
            .map(|found| found.unwrap_or((0, 0)))
        }
    }
}

/// Sets the schema version inside an upgrade's transaction.
fn set_version(tx: &Transaction<'_>, version: i32) -> rusqlite::Result<()> {
    match tx.sqlite() {
        Some(c) => c.pragma_update(None, "user_version", version),
        None => tx
            .execute(
                "UPDATE inntak_schema SET version = ?1",
                [i64::from(version)],
            )
            .map(|_| ()),
    }
}

/// One step of the history: the SQL that takes a database from `version - 1` to `version`
/// on each engine (`None` for the server before [`POSTGRES_BASE`]).
pub struct Migration {
    pub version: i32,
    pub sqlite: &'static str,
    pub postgres: Option<&'static str>,
}

/// A migration both engines take as written (the form of every migration after
/// [`POSTGRES_BASE`] whose SQL is the same on both).
#[allow(dead_code)]
const fn shared(version: i32, sql: &'static str) -> Migration {
    Migration {
        version,
        sqlite: sql,
        postgres: Some(sql),
    }
}

/// A migration whose SQL differs between the engines.
const fn per_engine(version: i32, sqlite: &'static str, postgres: &'static str) -> Migration {
    Migration {
        version,
        sqlite,
        postgres: Some(postgres),
    }
}

/// A migration from before the server engine existed: SQLite only.
const fn file_only(version: i32, sql: &'static str) -> Migration {
    Migration {
        version,
        sqlite: sql,
        postgres: None,
    }
}

/// The schema version this build creates and understands (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 9;

/// Marks a SQLite file as Inntak's (`PRAGMA application_id`): ASCII "Innt".
pub const APPLICATION_ID: i32 = 0x496e_6e74;

/// Upgrades, append-only: `MIGRATIONS[i]` takes a database from version `i + 1` to `i + 2`.
/// Never edit or remove an entry once released; add a new one and bump [`SCHEMA_VERSION`],
/// and keep `schema.sql` and `schema.postgres.sql` equal to the result (tests check both).
pub const MIGRATIONS: &[Migration] = &[
    file_only(2, include_str!("migrations/v2_meetings.sql")),
    file_only(3, include_str!("migrations/v3_decisions.sql")),
    file_only(4, include_str!("migrations/v4_follow_ups.sql")),
    file_only(5, include_str!("migrations/v5_audit_chain.sql")),
    file_only(6, include_str!("migrations/v6_preparation.sql")),
    file_only(7, include_str!("migrations/v7_letters.sql")),
    file_only(8, include_str!("migrations/v8_messages.sql")),
    per_engine(
        9,
        include_str!("migrations/v9_teams.sqlite.sql"),
        include_str!("migrations/v9_teams.postgres.sql"),
    ),
];

const _: () = assert!(MIGRATIONS.len() as i32 == SCHEMA_VERSION - 1);
const _: () = {
    let mut i = 0;
    while i < MIGRATIONS.len() {
        assert!(MIGRATIONS[i].version == i as i32 + 2);
        // Every migration after the server's base has the server's SQL.
        assert!(MIGRATIONS[i].version <= POSTGRES_BASE || MIGRATIONS[i].postgres.is_some());
        i += 1;
    }
};

impl Store {
    /// Creates the schema, unless another process did so since this one looked (two `demo`
    /// commands on one new file): the IMMEDIATE transaction makes the second one wait and
    /// then see the first one's schema.
    pub(super) fn create_schema(&mut self) -> rusqlite::Result<()> {
        let tx = self.conn.transaction(db::Behavior::Immediate)?;
        match tx.sqlite() {
            Some(c) => {
                let objects: i64 =
                    c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
                if objects == 0 {
                    c.execute_batch(SCHEMA_SQL)?;
                    c.pragma_update(None, "application_id", APPLICATION_ID)?;
                    c.pragma_update(None, "user_version", SCHEMA_VERSION)?;
                }
            }
            None => create_postgres_schema(&tx)?,
        }
        tx.commit()
    }

    /// Applies every migration after the file's version in one IMMEDIATE transaction.
    pub(super) fn upgrade(&mut self) -> rusqlite::Result<()> {
        let tx = self.conn.transaction(db::Behavior::Immediate)?;
        // Another process may have upgraded the database meanwhile.
        let (_, from) = schema_ids(&tx)?;
        if from >= SCHEMA_VERSION {
            return tx.commit();
        }
        for step in MIGRATIONS.iter().filter(|m| m.version > from) {
            let sql = if tx.is_server() {
                step.postgres.ok_or_else(|| {
                    rusqlite::Error::ToSqlConversionFailure(
                        format!(
                            "en serverdatabase kan ikke ha skjemaversjon {from} \
                             (serveren starter på {POSTGRES_BASE})"
                        )
                        .into(),
                    )
                })?
            } else {
                step.sqlite
            };
            tx.execute_batch(sql)?;
            set_version(&tx, step.version)?;
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
        let last = anchor::newest(&tx)?.filter(|_| !tx.is_server());
        tx.commit()?;
        if let Some(last) = last {
            anchor::record(&self.path, None, last, true);
        }
        Ok(())
    }
}

/// The current schema on the server, as `schema.postgres.sql` shows it: the base and every
/// server migration after it, in order (a test keeps the file equal to this).
pub fn postgres_schema_text() -> String {
    let mut text = String::from(POSTGRES_SCHEMA_HEADER);
    text.push_str(POSTGRES_BASE_SQL);
    for step in MIGRATIONS.iter().filter(|m| m.version > POSTGRES_BASE) {
        if let Some(sql) = step.postgres {
            text.push('\n');
            text.push_str(sql);
        }
    }
    text
}

const POSTGRES_SCHEMA_HEADER: &str = "\
-- Inntak on PostgreSQL: the whole current schema, as `inntak server init` makes it: the base
-- at version 8 (src/store/migrations/postgres/v8_full.sql) and every server migration after
-- it, in order (src/store/migrate.rs). Generated; a test keeps it equal to those files.

";

/// Creates the server's schema at the current version in `tx`, unless it is there already.
pub(crate) fn create_postgres_schema(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let (id, _) = schema_ids(tx)?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    tx.execute_batch(POSTGRES_BASE_SQL)?;
    tx.execute(
        "INSERT INTO inntak_schema (application, version) VALUES ('inntak', ?1)",
        [i64::from(POSTGRES_BASE)],
    )?;
    for step in MIGRATIONS.iter().filter(|m| m.version > POSTGRES_BASE) {
        if let Some(sql) = step.postgres {
            tx.execute_batch(sql)?;
            set_version(tx, step.version)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `schema.postgres.sql` shows exactly what a new server database is made from.
    #[test]
    fn schema_postgres_sql_is_the_base_and_every_server_migration() {
        let file = std::fs::read_to_string("schema.postgres.sql").unwrap();
        assert!(
            file == postgres_schema_text(),
            "schema.postgres.sql is out of date: write postgres_schema_text() into it"
        );
    }

    /// The server's structure as its catalogue gives it: columns with types, defaults and
    /// nullability, indexes, constraints, policies and triggers.
    fn structure(conn: &Connection) -> Vec<String> {
        let queries = [
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
             || ' ' || coalesce(column_default, '') FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY 1",
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1",
            "SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = current_schema()::regnamespace ORDER BY 1",
            "SELECT tablename || ' ' || policyname || ' ' || coalesce(qual, '') || ' ' \
             || coalesce(with_check, '') FROM pg_policies ORDER BY 1",
            "SELECT tgrelid::regclass::text || ' ' || tgname FROM pg_trigger \
             WHERE NOT tgisinternal ORDER BY 1",
            "SELECT relname || ' ' || relrowsecurity FROM pg_class \
             WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' ORDER BY 1",
        ];
        queries
            .iter()
            .flat_map(|q| {
                conn.prepare(q)
                    .unwrap()
                    .query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// On the server engine's run: a server database at its base version with rows in it is
    /// upgraded by every later migration in place, keeps its rows, chains the upgrade, and
    /// ends with the structure of a new database.
    #[test]
    fn a_server_database_at_every_earlier_version_upgrades_in_place() {
        let Some(fresh) = crate::store::server::Scratch::for_tests() else {
            return;
        };
        let old = crate::store::server::Scratch::empty_for_tests();
        let conn = db::Connection::from(db::Server::new(old.url.connect().unwrap()));
        conn.execute_batch(POSTGRES_BASE_SQL).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO inntak_schema (application, version) VALUES ('inntak', {POSTGRES_BASE});
             INSERT INTO referrals (received_on, patient, referrer_kind, created_at, updated_at)
             VALUES ('2026-11-02', 'Per Persen', 'fastlege', '2026-11-02T09:00:00',
                     '2026-11-02T09:00:00'),
                    ('2026-11-03', 'Kari Karisen', 'annet', '2026-11-03T09:00:00',
                     '2026-11-03T09:00:00');
             INSERT INTO decisions (referral_id, decided_on, outcome, decided_by, created_at)
             VALUES (1, '2026-11-10', 'avslag', 'leder', '2026-11-10T10:00:00');"
        ))
        .unwrap();
        drop(conn);
        let store = old.open();
        let (_, version) = schema_ids(store.conn()).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let counts = table_counts(store.conn()).unwrap();
        assert_eq!(count_in(&counts, "referrals"), 2);
        assert_eq!(count_in(&counts, "decisions"), 1);
        assert_eq!(
            audit::verify_chain(store.conn()).unwrap(),
            1,
            "the upgrade's row"
        );
        let team: i64 = store
            .conn()
            .query_row("SELECT team_id FROM referrals WHERE id = 2", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(team, 1, "existing referrals are the first team's");
        assert_eq!(structure(store.conn()), structure(fresh.open().conn()));
    }
}
