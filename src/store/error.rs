//! Why the store refused: opening errors and write errors, each with the Norwegian sentence
//! the user reads (what, where, what to do), and the busy test.

use super::*;

/// The message for a database another process is writing to.
pub const BUSY_MESSAGE: &str = "Databasen brukes av et annet Inntak-vindu eller en annen \
    kommando – prøv igjen om litt. Ingenting er endret.";

/// Why a database file could not be opened. Every variant promises the file was not changed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "Fant ingen database på «{0}». Sjekk filnavnet (--db); ingen fil er laget. (En ny \
         database lages av vinduet, «demo» eller «import».)"
    )]
    Missing(PathBuf),
    #[error(
        "Fant ingen database på «{path}», men «{kept}» ligger ved siden av: det er databasen \
         fra før en gjenoppretting som ikke ble fullført. Ingen ny fil er laget. Gi den navnet \
         «{name}» for å bruke den igjen (eller gjenopprett på nytt med «inntak restore»)."
    )]
    OnlyKept {
        path: PathBuf,
        kept: PathBuf,
        name: String,
    },
    #[error("«{0}» er tom og har ingen Inntak-data. Sjekk filnavnet (--db). Filen er ikke endret.")]
    Empty(PathBuf),
    #[error("«{0}» er en mappe, ikke en databasefil. Oppgi filen med --db.")]
    IsDirectory(PathBuf),
    #[error("«{0}» er ikke en SQLite-database, og kan ikke åpnes i Inntak. Filen er ikke endret.")]
    NotSqlite(PathBuf),
    #[error(
        "«{0}» er kryptert (eller er ikke en Inntak-database). Oppgi passordet: i vinduet, eller \
         for kommandoer i miljøvariabelen INNTAK_PASSPHRASE eller med --passphrase-file FIL. \
         Filen er ikke endret."
    )]
    Encrypted(PathBuf),
    #[error(
        "Feil passord for «{0}» (eller filen er ikke en Inntak-database). Filen er ikke endret; \
         prøv igjen."
    )]
    WrongPassphrase(PathBuf),
    #[error(
        "«{0}» er en SQLite-database fra et annet program, ikke fra Inntak. Filen er ikke endret."
    )]
    NotOurs(PathBuf),
    #[error(
        "«{path}» er laget av en nyere versjon av Inntak (skjemaversjon {found}; denne versjonen \
         kan lese til og med {supported}). Oppdater Inntak. Filen er ikke endret."
    )]
    Newer {
        path: PathBuf,
        found: i32,
        supported: i32,
    },
    #[error(
        "«{path}» er skadet og kan ikke åpnes ({detail}). Filen og filene ved siden av den er \
         ikke endret. Ta vare på dem, og gjenopprett fra en sikkerhetskopi (inntak restore)."
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "«{0}» og loggfilen «{0}-wal» ved siden av passer ikke sammen: databasefilen alene er \
         hel, men med loggen er den skadet. Det skjer når en kopi av databasen er lagt over \
         filen mens en gammel -wal ble liggende. Ingen av filene er endret. Er databasefilen \
         en sikkerhetskopi du vil bruke, flytt «-wal»- og «-shm»-filen til en annen mappe og \
         prøv igjen; ellers gjenopprett med «inntak restore»."
    )]
    WalMismatch(PathBuf),
    #[error(
        "«{path}» er skrivebeskyttet ({why}), og Inntak kan ikke {what} den. Filen er ikke \
         skadet og ikke endret. Gi brukeren skrivetilgang til filen og mappen, eller kopier \
         databasen (inntak backup) til en mappe du kan skrive i."
    )]
    ReadOnly {
        path: PathBuf,
        why: &'static str,
        what: &'static str,
    },
    #[error("«{0}»: {BUSY_MESSAGE}")]
    Busy(PathBuf),
    #[error(
        "«{0}» ble byttet ut mens den ble åpnet (gjenopprettet, kryptert eller fått nytt passord \
         av en annen kommando). Ingenting er endret; prøv igjen."
    )]
    Replaced(PathBuf),
    #[error("Kunne ikke åpne «{path}»: {}", crate::files::write_error_text(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "Databasefeil ved åpning av «{path}»: filen kunne ikke åpnes, og er ikke endret. \
         (SQLite: {source})"
    )]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// An error from a write or read after opening.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Databasefeil: {}. Ingenting er endret.", error_text(.0))]
    Sqlite(rusqlite::Error),
    #[error("{BUSY_MESSAGE}")]
    Busy,
    #[error("Henvisnings-ID «{0}» finnes allerede")]
    DuplicateExternalId(String),
    #[error("Fant ikke henvisningen (id {0})")]
    NotFound(i64),
    #[error("{0}")]
    Rule(String),
    /// A meeting's rule refused the write (see [`crate::domain::meeting::MeetingRefusal`]).
    #[error(transparent)]
    Meeting(#[from] crate::domain::meeting::MeetingRefusal),
    /// The background integrity check found the file damaged, or the file is read-only or
    /// open in another window: nothing was written to it.
    #[error("{0}")]
    Refused(String),
    /// Someone else saved the referral after the form was opened (optimistic concurrency):
    /// nothing of this edit is written; the form keeps what was typed.
    #[error(
        "{by} endret henvisningen {at}, etter at du åpnet skjemaet. Det du skrev er ikke \
         lagret ennå, og står i skjemaet. {now} Trykk Lagre igjen for å lagre dine verdier \
         over, eller Avbryt."
    )]
    ChangedMeanwhile {
        by: String,
        at: String,
        /// What the other person's save left, where it differs from what was typed.
        now: String,
        /// The version now stored: a save made knowing it goes through.
        version: i64,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if is_busy(&e) {
            StoreError::Busy
        } else {
            StoreError::Sqlite(e)
        }
    }
}

/// An error as the user reads it: a stored value the strict decoding refused is said in its
/// own Norwegian words (rusqlite wraps it in "Conversion error from type Text at index: 2");
/// any other error as SQLite gives it.
pub fn error_text(e: &rusqlite::Error) -> String {
    if let Some(server) = db::server_error(e) {
        return if server.connection_lost {
            "forbindelsen til klinikkens server ble brutt (prøv igjen om litt: Inntak kobler \
             til på nytt av seg selv)"
                .to_string()
        } else if server.is_permission() {
            "du har ikke tilgang til dette på klinikkens server (rollen din tillater det ikke)"
                .to_string()
        } else {
            format!("klinikkens server svarte: {server}")
        };
    }
    match e {
        rusqlite::Error::FromSqlConversionFailure(_, _, inner) => inner.to_string(),
        other => other.to_string(),
    }
}

/// SQLite's "another connection holds the lock" (after the busy timeout).
pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Another connection holds the file: busy, never damaged or failed; else `other`.
pub(crate) fn busy_or(
    path: &Path,
    e: rusqlite::Error,
    other: impl FnOnce(rusqlite::Error) -> OpenError,
) -> OpenError {
    if is_busy(&e) {
        OpenError::Busy(path.to_path_buf())
    } else {
        other(e)
    }
}
