//! The clinic's server: opening a store on PostgreSQL (TLS, the login as the audit's "who"),
//! and what the clinic's IT runs there (`inntak server init`, `add-user`, `teams`).
//!
//! The URL is libpq's (`postgres://user@host:port/db?sslmode=verify-full&sslrootcert=ca.crt`).
//! `sslmode`: `verify-full` (the server's certificate must be signed by `sslrootcert`, or the
//! system's CAs, and name the host), `require` (encrypted, not verified), `disable` (only for a
//! local socket). Without one, a TCP connection is `require`: health data never crosses a
//! network in clear text. The password is never in the URL a user types into the window: it
//! comes from the OS credential store, `INNTAK_SERVER_PASSWORD` or `--password-file`.

use super::*;
use crate::store::db::{Server, server_error};

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Require,
    VerifyFull,
}

/// A server address as the user gave it, split into what the client library takes and the
/// TLS settings it does not.
#[derive(Clone)]
pub struct ServerUrl {
    config: postgres::Config,
    pub ssl: SslMode,
    pub root_cert: Option<PathBuf>,
    /// The address without its password, for messages and the status bar.
    pub shown: String,
}

impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Why the server could not be used. Every variant promises nothing was changed there.
#[derive(Debug, thiserror::Error)]
pub enum ServerOpenError {
    #[error(
        "«{0}» er ikke en gyldig serveradresse. Skriv den som \
         postgres://bruker@vert:5432/database (spør IT om adressen)."
    )]
    BadUrl(String),
    #[error(
        "Fikk ikke kontakt med klinikkens server «{shown}» ({detail}). Sjekk nettverket og \
         adressen; er serveren nede, kontakt IT. Ingenting er endret."
    )]
    Unreachable { shown: String, detail: String },
    #[error(
        "Serveren «{shown}» godtok ikke innloggingen (feil brukernavn eller passord, eller \
         brukeren finnes ikke). Ingenting er endret; prøv igjen, eller spør IT."
    )]
    Login { shown: String },
    #[error(
        "Den sikre forbindelsen til «{shown}» kunne ikke settes opp ({detail}). Sjekk \
         sertifikatet (sslrootcert) med IT. Ingenting er sendt."
    )]
    Tls { shown: String, detail: String },
    #[error(
        "Databasen på «{shown}» har ingen Inntak-data. IT setter den opp med \
         «inntak server init --url …». Ingenting er endret."
    )]
    NotInitialised { shown: String },
    #[error(
        "Databasen på «{shown}» er laget av en nyere versjon av Inntak (skjemaversjon \
         {found}; denne versjonen kan lese til og med {supported}). Oppdater Inntak."
    )]
    Newer {
        shown: String,
        found: i32,
        supported: i32,
    },
    #[error(
        "Databasen på «{shown}» må oppgraderes til skjemaversjon {to}, og det kan bare en \
         leder gjøre (inntak server init --url …). Ingenting er endret."
    )]
    NeedsUpgrade { shown: String, to: i32 },
    #[error("Feil fra klinikkens server «{shown}»: {detail}. Ingenting er endret.")]
    Server { shown: String, detail: String },
}

impl ServerUrl {
    /// Reads a `postgres://` URL (or libpq's key=value form). The password may also come
    /// from `password` (the credential store, a file), which wins over one in the URL.
    pub fn parse(url: &str, password: Option<&str>) -> Result<Self, ServerOpenError> {
        let bad = || ServerOpenError::BadUrl(redact(url));
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        if !(base.starts_with("postgres://") || base.starts_with("postgresql://")) {
            return Err(bad());
        }
        let mut ssl = None;
        let mut root_cert = None;
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or_else(bad)?;
            match k {
                "sslmode" => {
                    ssl = Some(match v {
                        "disable" => SslMode::Disable,
                        "require" | "prefer" | "allow" => SslMode::Require,
                        "verify-full" | "verify-ca" => SslMode::VerifyFull,
                        _ => return Err(bad()),
                    })
                }
                "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(v))),
                _ => rest.push(pair),
            }
        }
        let rebuilt = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        let mut config: postgres::Config = rebuilt.parse().map_err(|_| bad())?;
        if let Some(p) = password {
            config.password(p);
        }
        if config.get_dbname().is_none() {
            return Err(bad());
        }
        let socket = config
            .get_hosts()
            .iter()
            .all(|h| matches!(h, postgres::config::Host::Unix(_)));
        let ssl = ssl.unwrap_or(if socket {
            SslMode::Disable
        } else {
            SslMode::Require
        });
        if ssl == SslMode::Disable && !socket {
            // A TCP connection in clear text would carry health data unencrypted.
            return Err(ServerOpenError::Tls {
                shown: redact(url),
                detail: "sslmode=disable er bare tillatt over en lokal socket".into(),
            });
        }
        config.ssl_mode(if ssl == SslMode::Disable {
            postgres::config::SslMode::Disable
        } else {
            postgres::config::SslMode::Require
        });
        config.application_name("inntak");
        config.connect_timeout(std::time::Duration::from_secs(10));
        Ok(ServerUrl {
            config,
            ssl,
            root_cert,
            shown: redact(url),
        })
    }

    /// The login name the URL gives.
    pub fn user(&self) -> Option<&str> {
        self.config.get_user()
    }

    /// The same server's database `name` (for the tests' and `init`'s own databases).
    pub fn with_database(&self, name: &str) -> ServerUrl {
        let mut other = self.clone();
        other.config.dbname(name);
        other.shown = match self.shown.rsplit_once('/') {
            Some((head, _)) => format!("{head}/{name}"),
            None => name.to_string(),
        };
        other
    }

    /// The same server as the login `user` with `password`.
    pub fn as_user(&self, user: &str, password: &str) -> ServerUrl {
        let mut other = self.clone();
        other.config.user(user);
        other.config.password(password);
        other
    }

    /// Connects (TLS as the URL says).
    pub fn connect(&self) -> Result<postgres::Client, ServerOpenError> {
        let shown = self.shown.clone();
        let result = match self.ssl {
            SslMode::Disable => self.config.connect(postgres::NoTls),
            SslMode::Require | SslMode::VerifyFull => {
                let connector = self.tls().map_err(|detail| ServerOpenError::Tls {
                    shown: shown.clone(),
                    detail,
                })?;
                self.config.connect(connector)
            }
        };
        result.map_err(|e| connect_error(&shown, &e))
    }

    fn tls(&self) -> Result<postgres_openssl::MakeTlsConnector, String> {
        use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
        let mut builder = SslConnector::builder(SslMethod::tls()).map_err(|e| e.to_string())?;
        match self.ssl {
            SslMode::VerifyFull => {
                if let Some(ca) = &self.root_cert {
                    builder.set_ca_file(ca).map_err(|e| {
                        format!("sertifikatet «{}» kan ikke leses: {e}", ca.display())
                    })?;
                }
                builder.set_verify(SslVerifyMode::PEER);
            }
            _ => builder.set_verify(SslVerifyMode::NONE),
        }
        let verify = self.ssl == SslMode::VerifyFull;
        let mut connector = postgres_openssl::MakeTlsConnector::new(builder.build());
        connector.set_callback(move |config, _| {
            config.set_verify_hostname(verify);
            Ok(())
        });
        Ok(connector)
    }
}

fn connect_error(shown: &str, e: &postgres::Error) -> ServerOpenError {
    let shown = shown.to_string();
    match e.code().map(|c| c.code()) {
        Some("28P01" | "28000") => ServerOpenError::Login { shown },
        Some("3D000") => ServerOpenError::NotInitialised { shown },
        Some(_) => ServerOpenError::Server {
            shown,
            detail: e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().into()),
        },
        None => {
            let text = format!("{e}");
            let source = std::error::Error::source(e)
                .map(|s| s.to_string())
                .unwrap_or_default();
            if text.contains("tls") || text.contains("ssl") || source.contains("certificate") {
                ServerOpenError::Tls {
                    shown,
                    detail: if source.is_empty() { text } else { source },
                }
            } else {
                ServerOpenError::Unreachable {
                    shown,
                    detail: if source.is_empty() { text } else { source },
                }
            }
        }
    }
}

/// The URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.split('?').next().unwrap_or_default().to_string();
    };
    let rest = rest.split('?').next().unwrap_or_default();
    match rest.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => format!("{scheme}://{rest}"),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Store {
    /// Opens the clinic's database on the server: connects, checks it is Inntak's at this
    /// version (upgrading it when the login may), and takes the login as the audit's "who".
    pub fn open_server(url: &ServerUrl) -> Result<Store, ServerOpenError> {
        let client = url.connect()?;
        let conn = db::Connection::from(Server::new(client));
        let shown = url.shown.clone();
        let server_err = |e: rusqlite::Error| ServerOpenError::Server {
            shown: shown.clone(),
            detail: error_text(&e),
        };
        let (id, version) = schema_ids(&conn).map_err(server_err)?;
        if id != APPLICATION_ID {
            return Err(ServerOpenError::NotInitialised { shown });
        }
        if version > SCHEMA_VERSION {
            return Err(ServerOpenError::Newer {
                shown,
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        let login: String = conn
            .query_row("SELECT session_user::text", [], |r| r.get(0))
            .map_err(server_err)?;
        let mut store = Store::on(
            conn,
            Path::new(&url.shown),
            None,
            location::FileSystem::Local,
        );
        store.login = Some(login);
        if version < SCHEMA_VERSION {
            store.upgrade().map_err(|e| {
                if server_error(&e).is_some_and(|s| s.is_permission()) {
                    ServerOpenError::NeedsUpgrade {
                        shown: url.shown.clone(),
                        to: SCHEMA_VERSION,
                    }
                } else {
                    ServerOpenError::Server {
                        shown: url.shown.clone(),
                        detail: error_text(&e),
                    }
                }
            })?;
        }
        Ok(store)
    }

    /// On the server: the authenticated login, the audit log's "who" for every write.
    pub fn login(&self) -> Option<&str> {
        self.login.as_deref()
    }

    /// Whether this store is on the clinic's server.
    pub fn is_server(&self) -> bool {
        self.conn.is_server()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_tls_settings_apart_and_never_show_the_password() {
        let url = ServerUrl::parse(
            "postgres://ola:hemmelig@db.sykehus.no:5432/inntak?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.crt",
            None,
        )
        .unwrap();
        assert_eq!(url.ssl, SslMode::VerifyFull);
        assert_eq!(url.root_cert.as_deref(), Some(Path::new("/etc/ca.crt")));
        assert_eq!(url.shown, "postgres://ola@db.sykehus.no:5432/inntak");
        assert_eq!(url.user(), Some("ola"));
        // TCP without a mode is encrypted; clear text only over a local socket.
        let plain = ServerUrl::parse("postgres://ola@db.sykehus.no/inntak", None).unwrap();
        assert_eq!(plain.ssl, SslMode::Require);
        assert!(matches!(
            ServerUrl::parse("postgres://ola@db.sykehus.no/inntak?sslmode=disable", None),
            Err(ServerOpenError::Tls { .. })
        ));
        for bad in [
            "mysql://x/y",
            "postgres://host",
            "postgres://h/db?sslmode=maybe",
        ] {
            assert!(
                matches!(ServerUrl::parse(bad, None), Err(ServerOpenError::BadUrl(_))),
                "{bad}"
            );
        }
        let text = ServerOpenError::BadUrl(redact("postgres://a:pw@h/d")).to_string();
        assert!(!text.contains("pw"), "{text}");
    }

    /// On the server engine's run (INNTAK_TEST_ENGINE=postgres): a member cannot write what
    /// only a leader may, the audit's "who" is the login, and no role may change the log.
    #[test]
    fn roles_limit_each_login_and_the_log_is_append_only() {
        let Some(scratch) = Scratch::for_tests() else {
            return;
        };
        init(&scratch.url).unwrap();
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let (leder, medlem) = (format!("leder_{tag}"), format!("medlem_{tag}"));
        let password = "et-langt-passord-for-test";
        add_user(&scratch.url, &leder, Role::Leder, password).unwrap();
        add_user(&scratch.url, &medlem, Role::Medlem, password).unwrap();
        let users = users(&scratch.url).unwrap();
        assert!(users.contains(&(leder.clone(), Role::Leder)), "{users:?}");
        let wrong = Store::open_server(&scratch.url.as_user(&leder, "feil-passord"));
        assert!(matches!(wrong, Err(ServerOpenError::Login { .. })));

        let mut store = Store::open_server(&scratch.url.as_user(&leder, password)).unwrap();
        assert_eq!(store.login(), Some(leder.as_str()));
        let login = leder.clone();
        let change = referrals::Change {
            actor: &login,
            at: crate::ops::testing::change(9).at,
        };
        let id = store
            .write(|tx| {
                referrals::insert(
                    tx,
                    &crate::ops::testing::fields("Server Pasient"),
                    crate::domain::ReferralStatus::TilVurdering,
                    None,
                    change,
                    audit::ReferralAction::Create,
                )
            })
            .unwrap();
        let rows = audit::list(store.conn(), None, None, None).unwrap();
        assert_eq!(rows.last().unwrap().actor, leder);
        // Not even a leader may rewrite the log.
        let rewrite = store
            .conn()
            .execute("UPDATE audit_log SET actor = 'noen andre'", []);
        let refused = rewrite.unwrap_err();
        assert!(
            db::server_error(&refused).is_some_and(|e| e.is_permission()),
            "{refused:?}"
        );
        assert!(error_text(&refused).contains("ikke tilgang"));

        let mut member = Store::open_server(&scratch.url.as_user(&medlem, password)).unwrap();
        let member_change = referrals::Change {
            actor: &medlem,
            at: change.at,
        };
        let refused = member
            .write(|tx| referrals::withdraw(tx, id, "prøver", member_change))
            .unwrap_err();
        assert!(refused.to_string().contains("ikke tilgang"), "{refused}");
        assert_eq!(
            referrals::get(member.conn(), id).unwrap().status,
            crate::domain::ReferralStatus::TilVurdering,
            "nothing changed"
        );
    }
}

/// A database of its own on the test cluster, for one test: made empty with the current
/// schema, dropped (with its connections) when the test ends. The cluster is the one
/// `.ci/postgres.sh` starts (`INNTAK_TEST_PG`: the superuser's URL, `INNTAK_TEST_PG_CA`).
#[doc(hidden)]
pub struct Scratch {
    admin: ServerUrl,
    pub url: ServerUrl,
    name: String,
}

impl Scratch {
    /// The tests' engine: `Some` when `INNTAK_TEST_ENGINE=postgres` (then the cluster must
    /// be there: a missing one fails the test, it is never skipped).
    pub fn for_tests() -> Option<Scratch> {
        if std::env::var("INNTAK_TEST_ENGINE").as_deref() != Ok("postgres") {
            return None;
        }
        let admin = std::env::var("INNTAK_TEST_PG")
            .expect("INNTAK_TEST_ENGINE=postgres needs INNTAK_TEST_PG (see .ci/postgres.sh)");
        Some(Scratch::new(&admin))
    }

    /// A new, empty database with the current schema on the server at `admin_url`.
    pub fn new(admin_url: &str) -> Scratch {
        let admin = ServerUrl::parse(admin_url, None).expect("test cluster URL");
        let name = format!("inntak_t_{}", uuid::Uuid::new_v4().simple());
        admin
            .connect()
            .expect("test cluster")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("CREATE DATABASE");
        let url = admin.with_database(&name);
        let conn = db::Connection::from(Server::new(url.connect().expect("test database")));
        let tx = conn.transaction(db::Behavior::Immediate).unwrap();
        create_postgres_schema(&tx).expect("schema.postgres.sql");
        tx.commit().unwrap();
        Scratch { admin, url, name }
    }

    pub fn open(&self) -> Store {
        Store::open_server(&self.url).expect("open the test database")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut client) = self.admin.connect() {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// What a login may do on the server: the three roles `inntak server init` makes. Every
/// clinician's own login is a member of exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Runs the meeting: every write (decisions, meetings, letters, imports, settings).
    Leder,
    /// A team member: reads everything of the team, writes preparations and provisional
    /// views (and the access log of what they print or export).
    Medlem,
    /// Reads only (statistics, a controller): every read is still logged.
    Lesing,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Leder, Role::Medlem, Role::Lesing];

    pub fn name(self) -> &'static str {
        match self {
            Role::Leder => "inntak_leder",
            Role::Medlem => "inntak_medlem",
            Role::Lesing => "inntak_lesing",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_lowercase().as_str() {
            "leder" | "inntak_leder" => Some(Role::Leder),
            "medlem" | "inntak_medlem" => Some(Role::Medlem),
            "lesing" | "inntak_lesing" => Some(Role::Lesing),
            _ => None,
        }
    }
}

/// The tables a member may write besides the access log: their preparation of a referral.
const MEMBER_WRITES: &[&str] = &["preparations", "provisional_views"];

/// The SQL that makes the roles (once per cluster) and grants them on this database's tables.
/// No role gets UPDATE, DELETE or TRUNCATE on the audit log: it is append-only by privilege
/// as well as by its trigger and its hash chain.
fn roles_sql(tables: &[String]) -> String {
    let mut sql = String::new();
    for role in Role::ALL {
        // CREATE ROLE has no IF NOT EXISTS; two inits at once on one cluster meet here.
        sql.push_str(&format!(
            "DO $$ BEGIN CREATE ROLE {r} NOLOGIN; \
             EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n",
            r = role.name()
        ));
    }
    sql.push_str("REVOKE ALL ON SCHEMA public FROM PUBLIC;\n");
    for role in Role::ALL {
        sql.push_str(&format!(
            "GRANT USAGE ON SCHEMA public TO {};\n",
            role.name()
        ));
        sql.push_str(&format!(
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {};\n",
            role.name()
        ));
        // Every role logs what it reads, prints and exports.
        sql.push_str(&format!("GRANT INSERT ON audit_log TO {};\n", role.name()));
        sql.push_str(&format!(
            "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {};\n",
            role.name()
        ));
    }
    for table in tables
        .iter()
        .filter(|t| *t != "audit_log" && *t != "inntak_schema")
    {
        sql.push_str(&format!(
            "GRANT INSERT, UPDATE, DELETE ON {table} TO inntak_leder;\n"
        ));
    }
    for table in MEMBER_WRITES {
        sql.push_str(&format!(
            "GRANT INSERT, UPDATE, DELETE ON {table} TO inntak_medlem;\n"
        ));
    }
    sql.push_str("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;\n");
    sql
}

/// What `inntak server init` did.
#[derive(Debug)]
pub struct Initialised {
    pub created_schema: bool,
    pub version: i32,
}

/// Sets up the clinic's database at `url` (an empty database the login owns): the schema at
/// the current version, the three roles and their grants. Run again, it makes what is
/// missing and grants again (an upgrade of Inntak may add tables).
pub fn init(url: &ServerUrl) -> Result<Initialised, ServerOpenError> {
    let client = url.connect()?;
    let conn = db::Connection::from(Server::new(client));
    let shown = url.shown.clone();
    let err = |e: rusqlite::Error| ServerOpenError::Server {
        shown: shown.clone(),
        detail: error_text(&e),
    };
    let tx = conn.transaction(db::Behavior::Immediate).map_err(err)?;
    let (id, version) = schema_ids(&tx).map_err(err)?;
    if id == 0 {
        let tables: i64 = tx
            .query_row(
                "SELECT count(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema()",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if tables > 0 {
            return Err(ServerOpenError::Server {
                shown,
                detail: "databasen har tabeller fra et annet program; bruk en tom database".into(),
            });
        }
    }
    if version > SCHEMA_VERSION {
        return Err(ServerOpenError::Newer {
            shown,
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    create_postgres_schema(&tx).map_err(err)?;
    let tables: Vec<String> = tx
        .prepare(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(err)?;
    tx.execute_batch(&roles_sql(&tables)).map_err(err)?;
    tx.commit().map_err(err)?;
    drop(conn);
    // An older schema is brought up to date by opening it as its owner.
    if id == APPLICATION_ID && version < SCHEMA_VERSION {
        Store::open_server(url)?;
    }
    Ok(Initialised {
        created_schema: id == 0,
        version: SCHEMA_VERSION,
    })
}

/// A clinician's own login: a member of `role`, with a SCRAM password (the server hashes it;
/// the password never reaches a log). An existing login gets the new password and role.
pub fn add_user(
    url: &ServerUrl,
    name: &str,
    role: Role,
    password: &str,
) -> Result<(), ServerOpenError> {
    let shown = url.shown.clone();
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        && !name.starts_with("inntak_")
        && !name.starts_with("pg_");
    if !valid {
        return Err(ServerOpenError::Server {
            shown,
            detail: format!(
                "«{name}» kan ikke være et brukernavn: bruk små bokstaver a–z, tall, _ og . \
                 (høyst 63 tegn, ikke inntak_ eller pg_ først)"
            ),
        });
    }
    let mut client = url.connect()?;
    let err = |e: postgres::Error| ServerOpenError::Server {
        shown: shown.clone(),
        detail: server_text(&e),
    };
    let mut tx = client.transaction().map_err(err)?;
    let exists: bool = tx
        .query_one(
            "SELECT count(*) > 0 FROM pg_roles WHERE rolname = $1",
            &[&name],
        )
        .map_err(err)?
        .get(0);
    // The name is checked above (a-z, 0-9, _ and .), quoted as an identifier here; the
    // password goes as a literal the server hashes with SCRAM.
    let quoted = format!("\"{name}\"");
    let literal = format!("'{}'", password.replace('\'', "''"));
    tx.batch_execute("SET LOCAL password_encryption = 'scram-sha-256'")
        .map_err(err)?;
    if exists {
        tx.batch_execute(&format!("ALTER ROLE {quoted} LOGIN PASSWORD {literal}"))
            .map_err(err)?;
    } else {
        tx.batch_execute(&format!("CREATE ROLE {quoted} LOGIN PASSWORD {literal}"))
            .map_err(err)?;
    }
    for other in Role::ALL {
        tx.batch_execute(&format!("REVOKE {} FROM {quoted}", other.name()))
            .map_err(err)?;
    }
    tx.batch_execute(&format!("GRANT {} TO {quoted}", role.name()))
        .map_err(err)?;
    let database: String = tx
        .query_one("SELECT current_database()::text", &[])
        .map_err(err)?
        .get(0);
    tx.batch_execute(&format!(
        "GRANT CONNECT ON DATABASE \"{database}\" TO {quoted}"
    ))
    .map_err(err)?;
    tx.commit().map_err(err)
}

/// Every login with an Inntak role, and which.
pub fn users(url: &ServerUrl) -> Result<Vec<(String, Role)>, ServerOpenError> {
    let shown = url.shown.clone();
    let mut client = url.connect()?;
    let rows = client
        .query(
            "SELECT m.rolname::text, r.rolname::text FROM pg_auth_members a \
             JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member \
             WHERE r.rolname IN ('inntak_leder', 'inntak_medlem', 'inntak_lesing') \
             ORDER BY 1",
            &[],
        )
        .map_err(|e| ServerOpenError::Server {
            shown,
            detail: server_text(&e),
        })?;
    Ok(rows
        .iter()
        .filter_map(|r| Role::parse(r.get::<_, &str>(1)).map(|role| (r.get(0), role)))
        .collect())
}

fn server_text(e: &postgres::Error) -> String {
    db::ServerError::from_postgres(e).to_string()
}
