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

mod admin;
mod scratch;
pub use admin::{Initialised, Role, Team, add_user, init, teams, users};
pub use scratch::Scratch;

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
        let again = url.clone();
        let conn = db::Connection::from(Server::reconnecting(
            client,
            Box::new(move || again.connect().map_err(|e| e.to_string())),
        ));
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
        store.server_tls = Some(url.ssl != SslMode::Disable);
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

    /// Whether this login may add rows to `table` (on a file: whether the file is writable;
    /// on the server: what its role was granted).
    pub fn may_write(&self, table: &str) -> bool {
        if !self.conn.is_server() {
            return self.read_only.is_none();
        }
        self.conn
            .query_row("SELECT has_table_privilege(?1, 'INSERT')", [table], |r| {
                r.get::<_, bool>(0)
            })
            .unwrap_or(false)
    }

    /// On the server: whether the connection is encrypted (TLS); `None` for a file.
    pub fn server_tls(&self) -> Option<bool> {
        self.server_tls
    }
}
