//! The server's side of the seam: PostgreSQL's client, its statement cache, and the values
//! carried between rusqlite's types and the server's (see the module above).

use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::{Error, Result, ToSql};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// A PostgreSQL error (or a lost connection), boxed inside `rusqlite::Error` on its way up.
#[derive(Debug)]
pub struct ServerError {
    /// The SQLSTATE (e.g. `23505` unique violation, `42501` no privilege), if the server sent
    /// one; `None` for a lost or refused connection.
    pub code: Option<String>,
    /// The server's own message (English; for the log of a developer, not the user's text).
    pub message: String,
    /// Whether the connection is gone (the server stopped, the network dropped).
    pub connection_lost: bool,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} ({code})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ServerError {}

impl ServerError {
    pub(crate) fn from_postgres(e: &postgres::Error) -> Self {
        let db = e.as_db_error();
        ServerError {
            code: e.code().map(|c| c.code().to_string()),
            message: db.map_or_else(|| e.to_string(), |d| d.message().to_string()),
            // Class 08 (connection exception) and 57P (the server shut down or restarting)
            // mean the connection is gone, as does an I/O error under the client.
            connection_lost: e.is_closed()
                || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
                || e.code()
                    .is_some_and(|c| c.code().starts_with("08") || c.code().starts_with("57P")),
        }
    }

    /// Whether the server refused for want of a privilege (or a row-level policy).
    pub fn is_permission(&self) -> bool {
        self.code.as_deref() == Some("42501")
    }
}

pub(crate) fn wrap(e: postgres::Error) -> Error {
    Error::UserFunctionError(Box::new(ServerError::from_postgres(&e)))
}

/// The server's error inside a `rusqlite::Error`, if it is one.
pub fn server_error(e: &Error) -> Option<&ServerError> {
    match e {
        Error::UserFunctionError(inner) => inner.downcast_ref::<ServerError>(),
        _ => None,
    }
}

fn owned(value: &dyn ToSql) -> Result<Value> {
    Ok(match value.to_sql()? {
        ToSqlOutput::Borrowed(v) => v.into(),
        ToSqlOutput::Owned(v) => v,
        other => {
            return Err(Error::ToSqlConversionFailure(
                format!("verdien kan ikke sendes til serveren: {other:?}").into(),
            ));
        }
    })
}

/// One parameter on its way to the server: written as the type the server expects there.
#[derive(Debug)]
struct PgValue(Value);

impl postgres::types::ToSql for PgValue {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use postgres::types::{IsNull, Type};
        fn put<T: postgres::types::ToSql>(
            v: T,
            ty: &Type,
            out: &mut bytes::BytesMut,
        ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            v.to_sql(ty, out)
        }
        let text_like = |t: &Type| {
            matches!(
                *t,
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
            )
        };
        match &self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => put(i, ty, out),
                Type::INT4 => put(i32::try_from(*i)?, ty, out),
                Type::INT2 => put(i16::try_from(*i)?, ty, out),
                Type::BOOL => put(*i != 0, ty, out),
                Type::FLOAT8 => put(*i as f64, ty, out),
                Type::FLOAT4 => put(*i as f32, ty, out),
                ref t if text_like(t) => put(i.to_string().as_str(), ty, out),
                _ => Err(format!("et heltall kan ikke lagres som {ty}").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => put(f, ty, out),
                Type::FLOAT4 => put(*f as f32, ty, out),
                ref t if text_like(t) => put(f.to_string().as_str(), ty, out),
                _ => Err(format!("et desimaltall kan ikke lagres som {ty}").into()),
            },
            Value::Text(s) => match *ty {
                ref t if text_like(t) => put(s.as_str(), ty, out),
                Type::INT8 => put(s.parse::<i64>()?, ty, out),
                Type::INT4 => put(s.parse::<i32>()?, ty, out),
                _ => Err(format!("tekst kan ikke lagres som {ty}").into()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => put(b.as_slice(), ty, out),
                _ => Err(format!("binære data kan ikke lagres som {ty}").into()),
            },
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// PostgreSQL's NUMERIC (what `sum` of BIGINT gives), read as an integer when it has no
/// fraction and as a float otherwise.
struct Numeric(Value);

impl<'a> postgres::types::FromSql<'a> for Numeric {
    fn from_sql(
        _: &postgres::types::Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let word = |i: usize| -> std::result::Result<u16, String> {
            raw.get(i * 2..i * 2 + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "ufullstendig NUMERIC".to_string())
        };
        let digits = word(0)? as usize;
        let weight = word(1)? as i16 as i32;
        let sign = word(2)?;
        let scale = word(3)?;
        if sign == 0xC000 {
            return Ok(Numeric(Value::Null));
        }
        let mut value = 0f64;
        let mut integer: Option<i128> = Some(0);
        for i in 0..digits {
            let d = word(4 + i)? as i32;
            let power = weight - i as i32;
            value += d as f64 * 10_000f64.powi(power);
            integer = match (integer, power >= 0) {
                (Some(n), true) => 10_000i128
                    .checked_pow(power as u32)
                    .and_then(|p| p.checked_mul(d as i128))
                    .and_then(|x| n.checked_add(x)),
                (Some(n), false) if d == 0 => Some(n),
                _ => None,
            };
        }
        let negative = sign == 0x4000;
        Ok(Numeric(match integer.and_then(|n| i64::try_from(n).ok()) {
            Some(n) if scale == 0 || value.fract() == 0.0 => {
                Value::Integer(if negative { -n } else { n })
            }
            _ => Value::Real(if negative { -value } else { value }),
        }))
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        *ty == postgres::types::Type::NUMERIC
    }
}

/// One cell of a server row as SQLite's storage class, text and bytes borrowed from the row
/// (a 100,000-row queue is read without a copy per cell).
pub(super) fn cell(row: &postgres::Row, i: usize) -> Result<rusqlite::types::ValueRef<'_>> {
    use postgres::types::Type;
    use rusqlite::types::ValueRef;
    let column = row.columns().get(i).ok_or(Error::InvalidColumnIndex(i))?;
    let conversion = |e: postgres::Error| {
        Error::FromSqlConversionFailure(i, rusqlite::types::Type::Null, Box::new(e))
    };
    macro_rules! read {
        ($t:ty, $to:expr) => {
            row.try_get::<_, Option<$t>>(i)
                .map_err(conversion)?
                .map($to)
        };
    }
    let value = match *column.type_() {
        Type::INT8 => read!(i64, ValueRef::Integer),
        Type::INT4 => read!(i32, |v| ValueRef::Integer(v.into())),
        Type::INT2 => read!(i16, |v| ValueRef::Integer(v.into())),
        Type::OID => read!(u32, |v| ValueRef::Integer(v.into())),
        Type::BOOL => read!(bool, |v| ValueRef::Integer(v.into())),
        Type::FLOAT8 => read!(f64, ValueRef::Real),
        Type::FLOAT4 => read!(f32, |v| ValueRef::Real(v.into())),
        Type::NUMERIC => read!(Numeric, |n| match n.0 {
            Value::Integer(v) => ValueRef::Integer(v),
            Value::Real(v) => ValueRef::Real(v),
            _ => ValueRef::Null,
        }),
        Type::BYTEA => read!(&[u8], ValueRef::Blob),
        // Text, and whatever else the server sends as text.
        _ => read!(&str, |s: &str| ValueRef::Text(s.as_bytes())),
    };
    Ok(value.unwrap_or(ValueRef::Null))
}

fn pg_values(row: &postgres::Row) -> Result<Vec<Value>> {
    (0..row.len())
        .map(|i| cell(row, i).map(Value::from))
        .collect()
}

/// A connection to the server: the client, its prepared statements, the last write's count.
pub struct Server {
    pub(super) client: RefCell<postgres::Client>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    pub(super) changes: Cell<u64>,
    /// A transaction is open: a connection lost now is never silently replaced (its writes
    /// are gone with it, and the caller must hear so).
    pub(super) in_transaction: Cell<bool>,
    /// Makes a new connection when the old one was lost between transactions.
    reconnect: Option<Reconnect>,
}

/// How a lost connection is made again (the same URL, login and TLS).
pub type Reconnect = Box<dyn Fn() -> std::result::Result<postgres::Client, String> + Send>;

impl Server {
    pub fn new(client: postgres::Client) -> Self {
        Server {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            changes: Cell::new(0),
            in_transaction: Cell::new(false),
            reconnect: None,
        }
    }

    /// A connection that is made again by itself after the server or the network was gone
    /// (the next use between transactions reconnects).
    pub fn reconnecting(client: postgres::Client, reconnect: Reconnect) -> Self {
        Server {
            reconnect: Some(reconnect),
            ..Server::new(client)
        }
    }

    /// Reconnects a lost connection, unless a transaction was open on it.
    pub(super) fn ensure_open(&self) -> Result<()> {
        if !self.client.borrow().is_closed() {
            return Ok(());
        }
        let lost = |message: String| {
            Error::UserFunctionError(Box::new(ServerError {
                code: None,
                message,
                connection_lost: true,
            }))
        };
        if self.in_transaction.get() {
            return Err(lost("forbindelsen brøt midt i en skriving".into()));
        }
        let Some(reconnect) = &self.reconnect else {
            return Err(lost("forbindelsen er brutt".into()));
        };
        let client = reconnect().map_err(lost)?;
        *self.client.borrow_mut() = client;
        self.statements.borrow_mut().clear();
        Ok(())
    }

    pub(super) fn statement(&self, sql: &str) -> Result<postgres::Statement> {
        self.ensure_open()?;
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let prepared = self
            .client
            .borrow_mut()
            .prepare(&super::postgres_placeholders(sql))
            .map_err(wrap)?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), prepared.clone());
        Ok(prepared)
    }

    pub(super) fn run(
        &self,
        statement: &postgres::Statement,
        refs: &[&dyn ToSql],
    ) -> Result<Vec<Vec<Value>>> {
        self.rows(statement, refs)?.iter().map(pg_values).collect()
    }

    /// The rows as the server sent them (read cell by cell, text borrowed: see [`cell`]).
    pub(super) fn rows(
        &self,
        statement: &postgres::Statement,
        refs: &[&dyn ToSql],
    ) -> Result<Vec<postgres::Row>> {
        let values = refs
            .iter()
            .map(|v| owned(*v).map(PgValue))
            .collect::<Result<Vec<_>>>()?;
        let args: Vec<&(dyn postgres::types::ToSql + Sync)> = values
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let rows = self
            .client
            .borrow_mut()
            .query(statement, &args)
            .map_err(wrap)?;
        Ok(rows)
    }

    pub(super) fn execute(
        &self,
        statement: &postgres::Statement,
        refs: &[&dyn ToSql],
    ) -> Result<usize> {
        let values = refs
            .iter()
            .map(|v| owned(*v).map(PgValue))
            .collect::<Result<Vec<_>>>()?;
        let args: Vec<&(dyn postgres::types::ToSql + Sync)> = values
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let n = self
            .client
            .borrow_mut()
            .execute(statement, &args)
            .map_err(wrap)?;
        self.changes.set(n);
        Ok(n as usize)
    }

    /// The client itself, for what only the server has (roles, policies, COPY).
    pub fn client(&self) -> std::cell::RefMut<'_, postgres::Client> {
        self.client.borrow_mut()
    }
}
