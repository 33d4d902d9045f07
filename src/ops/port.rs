//! `inntak port`: a clinic's file moved to an empty database on the clinic's server, every
//! table and the audit chain as they are, checked row for row afterwards.

use crate::store::db::{Connection, ParamsFromIter};
use crate::store::server::{self, ServerUrl};
use crate::store::{Store, audit, table_counts};
use rusqlite::types::Value;

/// The data tables in an order every foreign key can be met in (a decision's `superseded_by`
/// points forward, so it is set once all decisions are in).
pub const TABLES: &[&str] = &[
    "settings",
    "closure_days",
    "teams",
    "team_members",
    "referrals",
    "meetings",
    "meeting_attendees",
    "agenda_items",
    "decisions",
    "care_starts",
    "mapping_reports",
    "track_changes",
    "preparations",
    "provisional_views",
    "letters",
    "referral_messages",
    "sender_assessments",
    "audit_log",
];

/// Rows per INSERT: few round trips, well under the server's 65,535 parameters.
const BATCH: usize = 200;

/// What was moved.
#[derive(Debug)]
pub struct Ported {
    /// Every table with its row count, equal on both sides.
    pub tables: Vec<(String, i64)>,
    /// The audit rows the server's chain holds after the move (the file's and the move's).
    pub chained: usize,
}

/// Moves `file` (opened, at the current version) to the server database at `url` (as its
/// owner): refused unless that database is empty; all of it in one transaction, so a failure
/// leaves it as empty as it was. Then the chain and every row count are checked.
pub fn port(file: &Store, url: &ServerUrl) -> Result<Ported, String> {
    if file.is_server() {
        return Err("«inntak port» flytter en databasefil (--db) til serveren.".into());
    }
    server::init(url, None).map_err(|e| e.to_string())?;
    let target = Store::open_server(url).map_err(|e| e.to_string())?;
    let shown = &url.shown;
    let fail = |e: rusqlite::Error| {
        format!(
            "Flyttingen til «{shown}» stoppet ({}). Ingenting er lagt inn der; databasefilen \
             er ikke endret.",
            crate::store::error_text(&e)
        )
    };
    let before = table_counts(target.conn()).map_err(fail)?;
    let filled: Vec<&(String, i64)> = before
        .iter()
        .filter(|(t, n)| *n > if t == "teams" { 1 } else { 0 })
        .collect();
    if !filled.is_empty() {
        return Err(format!(
            "Databasen på «{shown}» er ikke tom ({}). Flytt bare til en tom database; \
             ingenting er endret.",
            filled
                .iter()
                .map(|(t, n)| format!("{t}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let source = file.conn();
    let server = target.conn();
    let tx = server
        .transaction(crate::store::db::Behavior::Immediate)
        .map_err(fail)?;
    // The default team made by the schema is the file's one team.
    tx.execute("DELETE FROM teams", []).map_err(fail)?;
    for table in TABLES {
        copy_table(source, &tx, table).map_err(fail)?;
    }
    let supersede: Vec<(i64, i64)> = source
        .prepare("SELECT id, superseded_by FROM decisions WHERE superseded_by IS NOT NULL")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(fail)?;
    for (id, by) in supersede {
        tx.execute(
            "UPDATE decisions SET superseded_by = ?2 WHERE id = ?1",
            [id, by],
        )
        .map_err(fail)?;
    }
    for table in TABLES {
        // The identity columns continue after the moved ids.
        let has_id: bool = tx
            .query_row(
                "SELECT count(*) > 0 FROM information_schema.columns WHERE table_schema = \
                 current_schema() AND table_name = ?1 AND column_name = 'id' \
                 AND is_identity = 'YES'",
                [table],
                |r| r.get(0),
            )
            .map_err(fail)?;
        if has_id {
            tx.query_row(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                ),
                [],
                |_| Ok(()),
            )
            .map_err(fail)?;
        }
    }
    let login = target.login().unwrap_or("inntak").to_string();
    audit::record(
        &tx,
        &crate::store::timestamp(chrono::Local::now().naive_local()),
        &login,
        audit::Event::Database(audit::DatabaseAction::Port),
        None,
        &serde_json::json!({ "fra": file.path().display().to_string() }),
    )
    .map_err(fail)?;
    tx.commit().map_err(fail)?;
    check(file, &target, shown)
}

/// Copies every row of `table`, column for column, in batches.
fn copy_table(source: &Connection, target: &Connection, table: &str) -> rusqlite::Result<()> {
    let columns: Vec<String> = source
        .prepare(&format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let listed = columns.join(", ");
    // A decision's successor is set afterwards (it may come later in id order).
    let selected = columns
        .iter()
        .map(|c| {
            if table == "decisions" && c == "superseded_by" {
                "NULL".to_string()
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut rows = source
        .prepare(&format!("SELECT {selected} FROM {table} ORDER BY rowid"))?
        .query([])?;
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH);
    let flush = |batch: &mut Vec<Vec<Value>>| -> rusqlite::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let width = columns.len();
        let values = (0..batch.len())
            .map(|row| {
                let marks = (1..=width)
                    .map(|c| format!("?{}", row * width + c))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("({marks})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let refs: Vec<&dyn rusqlite::ToSql> = batch
            .iter()
            .flatten()
            .map(|v| v as &dyn rusqlite::ToSql)
            .collect();
        // Ids are kept as they are (letters, decisions and the log point at them).
        let overriding = if columns.iter().any(|c| c == "id") {
            "OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        target.execute(
            &format!("INSERT INTO {table} ({listed}) {overriding} VALUES {values}"),
            ParamsFromIter(refs),
        )?;
        batch.clear();
        Ok(())
    };
    while let Some(row) = rows.next()? {
        let values = (0..columns.len())
            .map(|i| row.get_ref(i).map(Value::from))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        batch.push(values);
        if batch.len() == BATCH {
            flush(&mut batch)?;
        }
    }
    flush(&mut batch)
}

/// The move checked: every table's row count equal on both sides (the server's log has the
/// move's own row more), and the server's chain whole.
fn check(file: &Store, target: &Store, shown: &str) -> Result<Ported, String> {
    let read = |e: rusqlite::Error| {
        format!(
            "Flyttingen til «{shown}» ble lagret, men kontrollen etterpå kunne ikke lese ({}).",
            crate::store::error_text(&e)
        )
    };
    let from = table_counts(file.conn()).map_err(read)?;
    let to = table_counts(target.conn()).map_err(read)?;
    let mut tables = Vec::new();
    for table in TABLES {
        let a = crate::store::count_in(&from, table);
        let b = crate::store::count_in(&to, table) - i64::from(*table == "audit_log");
        if a != b {
            return Err(format!(
                "Kontrollen etter flyttingen til «{shown}» fant ulikt antall rader i {table} \
                 ({a} i filen, {b} på serveren). Bruk ikke serverdatabasen; tøm den og flytt \
                 på nytt, eller kontakt IT. Databasefilen er ikke endret."
            ));
        }
        tables.push((table.to_string(), a));
    }
    let chained = audit::verify_chain(target.conn()).map_err(|e| {
        format!(
            "Endringsloggen på «{shown}» er ikke hel etter flyttingen ({e}). Bruk ikke \
             serverdatabasen; databasefilen er ikke endret."
        )
    })?;
    Ok(Ported { tables, chained })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::settings::ClinicSettings;

    /// On the server engine's run: a demo clinic's file moves to an empty server database
    /// with every row and its chain, reads back the same there, and a second move into the
    /// now filled database is refused with nothing changed.
    #[test]
    fn a_clinics_file_moves_whole_and_only_into_an_empty_database() {
        let Some(_) = crate::store::server::Scratch::for_tests() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let mut file = Store::open(&dir.path().join("klinikk.sqlite3")).unwrap();
        let today = crate::ops::testing::today();
        let rule = ClinicSettings::default().working_day_rule();
        let generated = crate::demo::generate(150, 9, today, rule);
        file.write(|tx| {
            crate::ops::demo::insert_generated(
                tx,
                generated,
                today,
                rule,
                crate::ops::testing::change(9),
            )
        })
        .unwrap();
        let target = crate::store::server::Scratch::empty_for_tests();
        let ported = port(&file, &target.url).unwrap();
        let file_rows = audit::verify_chain(file.conn()).unwrap();
        assert_eq!(
            ported.chained,
            file_rows + 1,
            "the file's chain and the move's row"
        );
        assert_eq!(crate::store::count_in(&ported.tables, "referrals"), 150);
        let server = target.open();
        // The same content reads the same: every referral, and the statistics' export.
        assert_eq!(
            crate::store::referrals::all(server.conn()).unwrap(),
            crate::store::referrals::all(file.conn()).unwrap()
        );
        let decided = |s: &Store| {
            crate::store::decisions::current(s.conn(), crate::domain::ReferralId(3))
                .unwrap()
                .map(|d| format!("{d:?}"))
        };
        assert_eq!(decided(&server), decided(&file));
        // New rows continue after the moved ids.
        let next: i64 = server
            .conn()
            .query_row("SELECT max(id) FROM referrals", [], |r| r.get(0))
            .unwrap();
        assert_eq!(next, 150);
        drop(server);
        let again = port(&file, &target.url).unwrap_err();
        assert!(again.contains("ikke tom"), "{again}");
        assert_eq!(
            audit::verify_chain(target.open().conn()).unwrap(),
            file_rows + 1,
            "nothing added by the refused move"
        );
    }
}
