//! Encryption at rest: the database key, derived from the passphrase exactly as SQLCipher 4
//! derives it, and the rules for a good passphrase.
//!
//! A file is encrypted when its first 16 bytes are not SQLite's header: SQLCipher writes its
//! random salt there. [`DbKey::derive`] runs PBKDF2-HMAC-SHA512 with 256,000 iterations over
//! that salt (SQLCipher 4's defaults), once per process and file; every connection then gets
//! the raw key (`PRAGMA key = "x'…'"`), so opening the window's connections costs one
//! derivation. Because the derivation is SQLCipher's own, `sqlcipher` given the passphrase
//! (`PRAGMA key = '…'` and [`HMAC_ALGORITHM`]) opens the file too (tested).

use rusqlite::Connection;
use std::io::Read;
use std::path::Path;
use zeroize::{Zeroize, Zeroizing};

/// SQLCipher 4's default key derivation: PBKDF2-HMAC-SHA512 with this many iterations.
pub const KDF_ITERATIONS: u32 = 256_000;

/// The page HMAC. SQLCipher 4's default is HMAC-SHA512; HMAC-SHA256 (as secure here, and
/// what SQLCipher 3 used SHA-1 for) reads the 100,000-referral queue about 12 % faster, which
/// keeps the encrypted open within 1.3× of a plain one (`cargo bench --bench cipher`).
/// `sqlcipher` needs `PRAGMA cipher_hmac_algorithm = HMAC_SHA256;` after the key (README).
pub const HMAC_ALGORITHM: &str = "HMAC_SHA256";

/// The shortest passphrase the window and the commands accept.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// The environment variable the commands read the passphrase from.
pub const PASSPHRASE_ENV: &str = "INNTAK_PASSPHRASE";

/// A passphrase as typed; cleared from memory when dropped, never printed.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    pub fn new(text: impl Into<String>) -> Self {
        Self(Zeroizing::new(text.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads the passphrase from a file: its first line, without the line ending (LF, CRLF
    /// or a lone CR), and without a byte-order mark. UTF-8 (Notepad's default, with or
    /// without BOM) and UTF-16 with a BOM (Notepad's "Unicode") are read; anything else that
    /// is not UTF-8 is refused as unreadable, never guessed into a different key.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let mut bytes = Zeroizing::new(Vec::new());
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| {
                format!(
                    "Kunne ikke lese passordfilen «{}»: {}",
                    path.display(),
                    crate::files::read_error_text(&e)
                )
            })?;
        let crate::files::Unicode::Text(text) = crate::files::unicode_text(&bytes) else {
            return Err(format!(
                "Kunne ikke lese passordfilen «{}»: teksten er verken UTF-8 eller UTF-16 med \
                 byte-rekkefølgemerke. Lagre den som UTF-8 (i Notisblokk: «Lagre som», koding \
                 UTF-8) og prøv igjen.",
                path.display()
            ));
        };
        let text = Zeroizing::new(text);
        let line = text.split(['\n', '\r']).next().unwrap_or("");
        if line.is_empty() {
            return Err(format!("Passordfilen «{}» er tom.", path.display()));
        }
        Ok(Self::new(line))
    }
}

impl PartialEq for Passphrase {
    fn eq(&self, other: &Self) -> bool {
        *self.0 == *other.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

/// The raw 256-bit key and the file's salt. Cleared from memory when dropped; its text form
/// exists only inside the `PRAGMA key` statement and the credential store.
#[derive(Clone)]
pub struct DbKey {
    key: Zeroizing<[u8; 32]>,
    salt: [u8; 16],
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

impl PartialEq for DbKey {
    fn eq(&self, other: &Self) -> bool {
        *self.key == *other.key && self.salt == other.salt
    }
}

impl DbKey {
    /// The key for `passphrase` over `salt`, as SQLCipher 4 derives it.
    pub fn derive(passphrase: &Passphrase, salt: [u8; 16]) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(
            passphrase.expose().as_bytes(),
            &salt,
            KDF_ITERATIONS,
            &mut key[..],
        );
        Self { key, salt }
    }

    /// A key for a new file: a fresh random salt from the operating system.
    pub fn new_for_new_file(passphrase: &Passphrase) -> Self {
        use rand::TryRngCore;
        let mut salt = [0u8; 16];
        rand::rngs::OsRng
            .try_fill_bytes(&mut salt)
            .expect("the operating system's random source");
        Self::derive(passphrase, salt)
    }

    pub fn salt(&self) -> [u8; 16] {
        self.salt
    }

    /// Keys the connection; must come before anything reads the file.
    pub fn apply(&self, conn: &Connection) -> rusqlite::Result<()> {
        silence_log();
        let statement = Zeroizing::new(format!(
            "PRAGMA key = \"{}\"; PRAGMA cipher_hmac_algorithm = {HMAC_ALGORITHM};",
            self.raw_text().as_str()
        ));
        conn.execute_batch(&statement)
    }

    /// SQLCipher's raw-key text, `x'<key><salt>'` (96 hex digits): no derivation, and the
    /// salt used for a new file.
    pub fn raw_text(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(99));
        text.push_str("x'");
        text.push_str(&hex::encode(&self.key[..]));
        text.push_str(&hex::encode(self.salt));
        text.push('\'');
        text
    }

    /// The form kept in the operating system's credential store: key and salt in hex.
    pub fn to_secret(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(48));
        bytes.extend_from_slice(self.key.as_ref());
        bytes.extend_from_slice(&self.salt);
        Zeroizing::new(hex::encode(bytes.as_slice()))
    }

    /// Reads [`Self::to_secret`]'s form back; `None` for anything else.
    pub fn from_secret(text: &str) -> Option<Self> {
        let mut bytes = Zeroizing::new(hex::decode(text.trim()).ok()?);
        if bytes.len() != 48 {
            bytes.zeroize();
            return None;
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&bytes[..32]);
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&bytes[32..]);
        Some(Self { key, salt })
    }
}

/// How a file is laid out at its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// No file, or an empty one.
    New,
    /// Plain SQLite ("SQLite format 3\0").
    Plain,
    /// Anything else: an SQLCipher file (its salt) or a file that is not a database at all;
    /// only a key can tell them apart.
    Encrypted([u8; 16]),
}

/// Looks at the first 16 bytes of the file at `path`.
pub fn file_kind(path: &Path) -> std::io::Result<FileKind> {
    let mut head = [0u8; 16];
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::New),
        Err(e) => return Err(e),
    };
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(match filled {
        0 => FileKind::New,
        _ if &head == b"SQLite format 3\0" => FileKind::Plain,
        _ => FileKind::Encrypted(head),
    })
}

/// What unlocks files: the passphrase (derived anew for each file's salt) and keys already
/// derived or remembered. Which key a file needs follows from its salt.
#[derive(Clone, Debug, Default)]
pub struct Unlock {
    pub passphrase: Option<Passphrase>,
    pub keys: Vec<DbKey>,
}

impl Unlock {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn passphrase(passphrase: Passphrase) -> Self {
        Self {
            passphrase: Some(passphrase),
            keys: Vec::new(),
        }
    }

    pub fn key(key: DbKey) -> Self {
        Self {
            passphrase: None,
            keys: vec![key],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.passphrase.is_none() && self.keys.is_empty()
    }

    /// The key for a file of this kind: `None` for a plain file (and a new one without a
    /// passphrase or key); for a new file, the given key or a fresh salt; for an encrypted
    /// file, the remembered key with its salt or the passphrase derived over it. `Err` when
    /// an encrypted file has nothing to try.
    pub fn key_for(&self, kind: FileKind) -> Result<Option<DbKey>, NeedsKey> {
        match kind {
            FileKind::Plain => Ok(None),
            FileKind::New => Ok(self
                .keys
                .first()
                .cloned()
                .or_else(|| self.passphrase.as_ref().map(DbKey::new_for_new_file))),
            FileKind::Encrypted(salt) => self
                .keys
                .iter()
                .find(|k| k.salt == salt)
                .cloned()
                .or_else(|| self.passphrase.as_ref().map(|p| DbKey::derive(p, salt)))
                .map(Some)
                .ok_or(NeedsKey),
        }
    }
}

/// An encrypted file was met without a passphrase or key that fits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeedsKey;

/// SQLCipher writes warnings to stderr by default. Nothing about the file may reach a
/// terminal or a log, so its log is switched off once per process (after SQLCipher's first
/// activation, which would otherwise set the default again).
pub fn silence_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(conn) = Connection::open_in_memory() {
            // Keying the in-memory database activates SQLCipher (which sets its default log
            // target once); the two pragmas then switch the log off for the process.
            let _ = conn.execute_batch(
                "PRAGMA key = 'inntak'; PRAGMA cipher_log_level = NONE; PRAGMA cipher_log = off;",
            );
        }
    });
}

/// How strong a passphrase looks, for the hint under the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    TooShort,
    Weak,
    Fair,
    Strong,
}

impl Strength {
    /// The hint in Norwegian.
    pub fn hint(self) -> &'static str {
        match self {
            Strength::TooShort => "For kort: minst 10 tegn.",
            Strength::Weak => {
                "Svakt: lett å gjette. Bruk flere ord, gjerne med tall eller tegn mellom."
            }
            Strength::Fair => "Brukbart. Et ord til gjør det sterkt.",
            Strength::Strong => "Sterkt.",
        }
    }
}

/// A simple estimate: length, the kinds of characters used, and no long runs of one
/// character. It guides; the only hard rule is the minimum length.
pub fn strength(passphrase: &str) -> Strength {
    let chars: Vec<char> = passphrase.chars().collect();
    if chars.len() < MIN_PASSPHRASE_CHARS {
        return Strength::TooShort;
    }
    let kinds = [
        chars.iter().any(|c| c.is_lowercase()),
        chars.iter().any(|c| c.is_uppercase()),
        chars.iter().any(|c| c.is_numeric()),
        chars.iter().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    let distinct = {
        let mut seen = chars.clone();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    };
    if distinct < 5 {
        return Strength::Weak;
    }
    let score = chars.len() + 3 * kinds;
    match score {
        s if s >= 24 => Strength::Strong,
        s if s >= 16 => Strength::Fair,
        _ => Strength::Weak,
    }
}

/// Why a new passphrase cannot be used, if it cannot.
pub fn check_new(passphrase: &str, repeated: &str) -> Result<(), &'static str> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err("Passordet må ha minst 10 tegn.");
    }
    if passphrase != repeated {
        return Err("De to passordene er ikke like.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_table() {
        for (text, expected) in [
            ("", Strength::TooShort),
            ("kort", Strength::TooShort),
            ("aaaaaaaaaaaa", Strength::Weak),
            ("smerteklin", Strength::Weak),
            ("smerteklinikken", Strength::Fair),
            ("Smerte-Klinikk-2026", Strength::Strong),
            ("hest batteri stift korrekt", Strength::Strong),
        ] {
            assert_eq!(strength(text), expected, "{text:?}");
        }
    }

    #[test]
    fn new_passphrase_rules() {
        assert_eq!(
            check_new("kort", "kort"),
            Err("Passordet må ha minst 10 tegn.")
        );
        assert_eq!(
            check_new("langt nok passord", "langt nok pasord"),
            Err("De to passordene er ikke like.")
        );
        assert_eq!(check_new("langt nok passord", "langt nok passord"), Ok(()));
    }

    #[test]
    fn the_secret_form_round_trips_and_rejects_other_text() {
        let key = DbKey::derive(&Passphrase::new("et langt passord"), [7; 16]);
        let back = DbKey::from_secret(&key.to_secret()).unwrap();
        assert!(back == key);
        assert!(DbKey::from_secret("abc").is_none());
        assert!(DbKey::from_secret(&"0".repeat(94)).is_none());
    }

    #[test]
    fn which_key_a_file_needs() {
        let pass = Passphrase::new("et langt passord");
        let remembered = DbKey::derive(&pass, [1; 16]);
        let unlock = Unlock::key(remembered.clone());
        assert_eq!(unlock.key_for(FileKind::Plain), Ok(None));
        assert!(
            unlock
                .key_for(FileKind::Encrypted([1; 16]))
                .unwrap()
                .unwrap()
                == remembered
        );
        // A remembered key for another salt does not fit, and there is no passphrase.
        assert_eq!(unlock.key_for(FileKind::Encrypted([2; 16])), Err(NeedsKey));
        assert_eq!(Unlock::none().key_for(FileKind::New), Ok(None));
        assert_eq!(
            Unlock::none().key_for(FileKind::Encrypted([1; 16])),
            Err(NeedsKey)
        );
        let derived = Unlock::passphrase(pass)
            .key_for(FileKind::Encrypted([2; 16]))
            .unwrap()
            .unwrap();
        assert_eq!(derived.salt(), [2; 16]);
    }
}
