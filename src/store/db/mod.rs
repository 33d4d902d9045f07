//! The engine seam: one connection type over SQLite (the laptop's file) or PostgreSQL (the
//! clinic's server), with the part of rusqlite's API the repository functions use.
//!
//! The repository functions keep their shape (`&Connection` to read, `&Transaction` to write,
//! `params![…]`, `row.get(i)`, `.optional()`), and rusqlite's value types are the common
//! currency: a parameter is anything rusqlite's `ToSql` takes, a column is read with
//! rusqlite's `FromSql` (dates, codes, ids read the same from either engine), and an error is
//! a `rusqlite::Error` — a server's error travels boxed inside it as a [`ServerError`], so
//! the store's error texts can name it in Norwegian (see [`server_error`]).
//!
//! The SQL is written once, in the dialect both engines share; the one rewrite is here: the
//! numbered `?N` placeholders become PostgreSQL's `$N` ([`postgres_placeholders`]). Values
//! keep SQLite's storage classes on the server (dates as ISO text, flags as 0/1 integers,
//! integers as BIGINT), so the same text compares and sorts the same on both.

use rusqlite::types::{FromSql, Value, ValueRef};
use rusqlite::{Error, Result, ToSql};

mod pg;
pub(crate) use pg::wrap;
pub use pg::{Server, ServerError, server_error};

/// The parameters of one statement: the forms `rusqlite::params!`, `[a, b]` and `[]` give.
pub trait Params {
    fn with_refs<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R;
}

impl Params for &[&dyn ToSql] {
    fn with_refs<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(self)
    }
}

impl Params for [&(dyn ToSql + Send + Sync); 0] {
    fn with_refs<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(&[])
    }
}

macro_rules! array_params {
    ($($n:literal)*) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn with_refs<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
                let refs: [&dyn ToSql; $n] = std::array::from_fn(|i| &self[i] as &dyn ToSql);
                f(&refs)
            }
        }
        impl<T: ToSql> Params for &[T; $n] {
            fn with_refs<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
                let refs: [&dyn ToSql; $n] = std::array::from_fn(|i| &self[i] as &dyn ToSql);
                f(&refs)
            }
        }
    )*};
}
array_params!(1 2 3 4 5 6 7 8);

macro_rules! tuple_params {
    ($(($($t:ident $i:tt),*))*) => {$(
        impl<$($t: ToSql),*> Params for ($($t,)*) {
            fn with_refs<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
                f(&[$(&self.$i as &dyn ToSql),*])
            }
        }
    )*};
}
tuple_params!((A 0) (A 0, B 1) (A 0, B 1, C 2) (A 0, B 1, C 2, D 3));

/// A list of parameters built at run time.
pub struct ParamsFromIter<'a>(pub Vec<&'a dyn ToSql>);

impl Params for ParamsFromIter<'_> {
    fn with_refs<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(&self.0)
    }
}

/// Rewrites numbered `?N` (and bare `?`) placeholders to PostgreSQL's `$N`, outside quoted
/// text and identifiers.
pub fn postgres_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    let mut next_bare = 1;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next_bare.to_string());
                    next_bare += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

enum Engine {
    Sqlite(rusqlite::Connection),
    // Boxed: the client and its statement cache are larger than SQLite's handle, and the
    // file's connection (the default) should not carry the server's size.
    Postgres(Box<Server>),
}

/// A connection to either engine.
pub struct Connection {
    engine: Engine,
}

impl From<rusqlite::Connection> for Connection {
    fn from(conn: rusqlite::Connection) -> Self {
        Connection {
            engine: Engine::Sqlite(conn),
        }
    }
}

impl From<Server> for Connection {
    fn from(server: Server) -> Self {
        Connection {
            engine: Engine::Postgres(Box::new(server)),
        }
    }
}

/// How a write transaction begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behavior {
    /// Takes the write lock at once (SQLite's IMMEDIATE; on the server the database's one
    /// writer lock): the rules read inside see what nobody else can change before the commit.
    Immediate,
    /// Reads first, locks on the first write (SQLite's DEFERRED; a plain BEGIN on the server).
    Deferred,
}

/// The key of the server's transaction-scoped advisory lock that serialises writers, as
/// SQLite's IMMEDIATE transaction does on a file: the rules (one decision per referral and
/// meeting, the audit chain's order) are checked and written by one writer at a time.
pub const WRITER_LOCK: i64 = 0x496e_6e74;

impl Connection {
    /// The SQLite connection of a file, for its own parts (pragmas, backup, checkpoints);
    /// an error that says so for the server.
    pub fn file(&self) -> Result<&rusqlite::Connection> {
        self.sqlite().ok_or_else(|| {
            Error::UserFunctionError(Box::new(ServerError {
                code: None,
                message: "gjelder bare en databasefil, ikke klinikkens server".into(),
                connection_lost: false,
            }))
        })
    }

    /// The SQLite connection, for the file's own parts (pragmas, backup, checkpoints).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.engine {
            Engine::Sqlite(c) => Some(c),
            Engine::Postgres(_) => None,
        }
    }

    pub fn sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        match &mut self.engine {
            Engine::Sqlite(c) => Some(c),
            Engine::Postgres(_) => None,
        }
    }

    /// The server connection, for what only the server has.
    pub fn server(&self) -> Option<&Server> {
        match &self.engine {
            Engine::Sqlite(_) => None,
            Engine::Postgres(s) => Some(s),
        }
    }

    pub fn is_server(&self) -> bool {
        matches!(self.engine, Engine::Postgres(_))
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(match &self.engine {
            Engine::Sqlite(c) => Statement::Sqlite(c.prepare(sql)?),
            Engine::Postgres(s) => Statement::Postgres(s, s.statement(sql)?),
        })
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(match &self.engine {
            Engine::Sqlite(c) => Statement::SqliteCached(c.prepare_cached(sql)?),
            Engine::Postgres(s) => Statement::Postgres(s, s.statement(sql)?),
        })
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare(sql)?.execute(params)
    }

    pub fn query_row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare(sql)?.query_row(params, f)
    }

    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(c) => c.execute_batch(sql),
            Engine::Postgres(s) => {
                s.ensure_open()?;
                s.client.borrow_mut().batch_execute(sql).map_err(wrap)
            }
        }
    }

    /// The rows the last INSERT, UPDATE or DELETE changed.
    pub fn changes(&self) -> u64 {
        match &self.engine {
            Engine::Sqlite(c) => c.changes(),
            Engine::Postgres(s) => s.changes.get(),
        }
    }

    /// The id the last INSERT gave its row (on the server: the last value its identity
    /// column's sequence gave in this session).
    pub fn last_insert_rowid(&self) -> i64 {
        match &self.engine {
            Engine::Sqlite(c) => c.last_insert_rowid(),
            Engine::Postgres(_) => self
                .query_row("SELECT lastval()", [], |r| r.get(0))
                .unwrap_or(0),
        }
    }

    /// Begins a transaction on a shared connection (the store holds the only one).
    pub fn transaction(&self, behavior: Behavior) -> Result<Transaction<'_>> {
        match &self.engine {
            Engine::Sqlite(c) => {
                let b = match behavior {
                    Behavior::Immediate => rusqlite::TransactionBehavior::Immediate,
                    Behavior::Deferred => rusqlite::TransactionBehavior::Deferred,
                };
                c.execute_batch(match b {
                    rusqlite::TransactionBehavior::Immediate => "BEGIN IMMEDIATE",
                    _ => "BEGIN DEFERRED",
                })?;
            }
            Engine::Postgres(s) => {
                s.ensure_open()?;
                let mut client = s.client.borrow_mut();
                client.batch_execute("BEGIN").map_err(wrap)?;
                s.in_transaction.set(true);
                if behavior == Behavior::Immediate
                    && let Err(e) =
                        client.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])
                {
                    let _ = client.batch_execute("ROLLBACK");
                    s.in_transaction.set(false);
                    return Err(wrap(e));
                }
            }
        }
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }
}

/// One open transaction: rolled back when dropped without [`Transaction::commit`].
pub struct Transaction<'c> {
    conn: &'c Connection,
    done: bool,
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        self.end("COMMIT")
    }

    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.end("ROLLBACK")
    }

    fn end(&self, sql: &str) -> Result<()> {
        let result = self.conn.execute_batch(sql);
        if let Some(server) = self.conn.server() {
            server.in_transaction.set(false);
        }
        result
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.end("ROLLBACK");
        }
    }
}

/// A prepared statement on either engine.
pub enum Statement<'c> {
    Sqlite(rusqlite::Statement<'c>),
    SqliteCached(rusqlite::CachedStatement<'c>),
    Postgres(&'c Server, postgres::Statement),
}

impl<'c> Statement<'c> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match self {
            Statement::Sqlite(s) => Some(s),
            Statement::SqliteCached(s) => Some(s),
            Statement::Postgres(..) => None,
        }
    }

    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        match self {
            Statement::Postgres(server, s) => params.with_refs(|refs| server.execute(s, refs)),
            _ => {
                let s = self.sqlite().expect("sqlite statement");
                params.with_refs(|refs| s.execute(refs))
            }
        }
    }

    pub fn query_row<T, P: Params>(
        &mut self,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        match self {
            Statement::Postgres(server, s) => {
                let rows = params.with_refs(|refs| server.rows(s, refs))?;
                let first = rows.first().ok_or(Error::QueryReturnedNoRows)?;
                f(&Row::Server(first))
            }
            _ => {
                let s = self.sqlite().expect("sqlite statement");
                params.with_refs(|refs| s.query_row(refs, |r| f(&Row::Sqlite(r))))
            }
        }
    }

    /// Every row, each through `f`.
    pub fn query_map<T, P: Params, F>(&mut self, params: P, mut f: F) -> Result<MappedRows<T>>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let mapped: Vec<Result<T>> = match self {
            Statement::Postgres(server, s) => {
                let rows = params.with_refs(|refs| server.rows(s, refs))?;
                rows.iter().map(|r| f(&Row::Server(r))).collect()
            }
            _ => {
                let s = self.sqlite().expect("sqlite statement");
                params.with_refs(|refs| -> Result<Vec<Result<T>>> {
                    Ok(s.query_map(refs, |r| Ok(f(&Row::Sqlite(r))))?
                        .map(|r| r.and_then(|inner| inner))
                        .collect())
                })?
            }
        };
        Ok(MappedRows(mapped.into_iter()))
    }

    /// Every row, as its values (for the callers that walk rows one by one).
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows> {
        let rows = match self {
            Statement::Postgres(server, s) => params.with_refs(|refs| server.run(s, refs))?,
            _ => {
                let s = self.sqlite().expect("sqlite statement");
                params.with_refs(|refs| -> Result<Vec<Vec<Value>>> {
                    let count = s.column_count();
                    s.query_map(refs, |r| {
                        (0..count)
                            .map(|i| r.get_ref(i).map(Value::from))
                            .collect::<Result<Vec<_>>>()
                    })?
                    .collect()
                })?
            }
        };
        Ok(Rows {
            rows: rows.into_iter(),
            current: None,
        })
    }
}

/// The rows of [`Statement::query_map`], already read.
pub struct MappedRows<T>(std::vec::IntoIter<Result<T>>);

impl<T> Iterator for MappedRows<T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        self.0.next()
    }
}

/// The rows of [`Statement::query`], walked with `next`.
pub struct Rows {
    rows: std::vec::IntoIter<Vec<Value>>,
    current: Option<Vec<Value>>,
}

impl Rows {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        self.current = self.rows.next();
        Ok(self.current.as_deref().map(Row::Values))
    }
}

/// One row of a result, from either engine.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    /// A row already read into values (`Statement::query`).
    Values(&'r [Value]),
    /// A server row, read cell by cell.
    Server(&'r postgres::Row),
}

/// A column's position (as rusqlite's `RowIndex`, for positions only).
pub trait ColumnIndex {
    fn position(self) -> usize;
}

impl ColumnIndex for usize {
    fn position(self) -> usize {
        self
    }
}

impl Row<'_> {
    pub fn get<I: ColumnIndex, T: FromSql>(&self, index: I) -> Result<T> {
        let index = index.position();
        match self {
            Row::Sqlite(r) => r.get(index),
            _ => {
                let value = self.get_ref(index)?;
                T::column_result(value).map_err(|e| match e {
                    rusqlite::types::FromSqlError::InvalidType => {
                        Error::InvalidColumnType(index, index.to_string(), value.data_type())
                    }
                    other => {
                        Error::FromSqlConversionFailure(index, value.data_type(), Box::new(other))
                    }
                })
            }
        }
    }

    pub fn get_ref(&self, index: usize) -> Result<ValueRef<'_>> {
        match self {
            Row::Sqlite(r) => r.get_ref(index),
            Row::Values(values) => values
                .get(index)
                .map(ValueRef::from)
                .ok_or(Error::InvalidColumnIndex(index)),
            Row::Server(row) => pg::cell(row, index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_dollars_outside_quotes() {
        let table = [
            ("SELECT ?1, ?2", "SELECT $1, $2"),
            ("WHERE a = ? AND b = ?", "WHERE a = $1 AND b = $2"),
            ("SELECT '?1', \"?\" , ?10", "SELECT '?1', \"?\" , $10"),
            ("x = 'it''s ?' AND y = ?3", "x = 'it''s ?' AND y = $3"),
            ("no parameters", "no parameters"),
        ];
        for (sqlite, postgres) in table {
            assert_eq!(postgres_placeholders(sqlite), postgres, "{sqlite}");
        }
    }
}
