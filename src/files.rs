//! Files Inntak writes besides its database: exports, PDFs, rejects files and backups.
//!
//! Every such write goes through [`write_atomically`]: it refuses a path that is the open
//! database, one of its side files or the input being read ([`Protected`]), writes a private
//! temporary sibling, syncs it, renames it into place and syncs the folder. A failed write
//! removes its temporary file, so neither a half file nor a stray copy of patient data is left.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The side files SQLite (and Inntak) keeps beside a database file.
pub const SIDE_SUFFIXES: [&str; 4] = ["-wal", "-shm", "-journal", ".lock"];

/// The suffix of temporary files; anything with it in a name is never a finished file.
pub const TEMP_MARK: &str = ".tmp-inntak";

/// Paths an output must never replace: the database with its side files, and input files.
#[derive(Clone, Debug, Default)]
pub struct Protected {
    entries: Vec<(PathBuf, Guarded)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Guarded {
    Database,
    Input,
}

impl Protected {
    pub fn none() -> Self {
        Self::default()
    }

    /// The database at `db` and its `-wal`, `-shm`, `-journal` and lock file.
    pub fn database(mut self, db: &Path) -> Self {
        if db == Path::new(":memory:") {
            return self;
        }
        self.entries.push((db.to_path_buf(), Guarded::Database));
        for suffix in SIDE_SUFFIXES {
            self.entries
                .push((with_suffix(db, suffix), Guarded::Database));
        }
        self
    }

    /// A file being read (the import's input).
    pub fn input(mut self, path: &Path) -> Self {
        self.entries.push((path.to_path_buf(), Guarded::Input));
        self
    }

    /// `Err` with a Norwegian sentence if writing `out` would replace a protected file.
    pub fn check(&self, out: &Path) -> Result<(), String> {
        let out_key = canonical(out);
        let out_id = file_id(out);
        for (path, kind) in &self.entries {
            let same = canonical(path) == out_key
                || matches!((out_id, file_id(path)), (Some(a), Some(b)) if a == b);
            if same {
                return Err(match kind {
                    Guarded::Database => format!(
                        "«{}» er databasefilen (eller en av filene SQLite holder ved siden av \
                         den). Velg et annet filnavn. Ingenting er skrevet, og databasen er \
                         ikke endret.",
                        out.display()
                    ),
                    Guarded::Input => format!(
                        "«{}» er filen som leses inn. Velg et annet filnavn. Ingenting er \
                         skrevet, og filen er ikke endret.",
                        out.display()
                    ),
                });
            }
        }
        Ok(())
    }
}

/// `path` with `suffix` appended to its file name (`a.sqlite3` → `a.sqlite3-wal`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// The canonical form of a path that may not exist yet: its folder canonicalised (where it
/// exists) joined with its file name.
pub fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(absolute),
        _ => absolute,
    }
}

/// Device and inode of an existing file (catches hard links and other spellings).
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// The temporary sibling a write goes through: `NAME.tmp-inntak-PID` in the same folder.
pub fn temp_sibling(path: &Path) -> PathBuf {
    with_suffix(path, &format!("{TEMP_MARK}-{}", std::process::id()))
}

/// Creates a new file readable and writable by the owner only (0600 on Unix).
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates a folder (and its parents) readable by the owner only (0700 on Unix).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes `bytes` to `path` atomically: refused if `protected` names it; temp file, sync,
/// rename, sync the folder. On failure the temp file is removed and `path` is as it was.
pub fn write_atomically(path: &Path, bytes: &[u8], protected: &Protected) -> Result<(), String> {
    protected.check(path)?;
    if path.is_dir() {
        return Err(format!(
            "«{}» er en mappe. Oppgi et filnavn. Ingenting er skrevet.",
            path.display()
        ));
    }
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut file = create_private(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        sync_dir(path);
        Ok(())
    })();
    result.map_err(|e: std::io::Error| {
        let _ = std::fs::remove_file(&tmp);
        write_error(path, &e)
    })
}

/// Syncs the folder holding `path`, so a rename survives a power cut (Unix; elsewhere a no-op).
pub fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// A Norwegian sentence for a failed write: what, where and what to do, with the system's
/// own words last.
pub fn write_error(path: &Path, e: &std::io::Error) -> String {
    format!(
        "Kunne ikke skrive «{}»: {} Ingenting er skrevet.",
        path.display(),
        write_error_text(e)
    )
}

/// What a failed file operation means and what to do, in Norwegian, with the system's own
/// words last.
pub fn write_error_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let what = match e.kind() {
        K::PermissionDenied | K::ReadOnlyFilesystem => {
            "mappen eller filen er skrivebeskyttet. Velg en mappe du kan skrive i"
        }
        K::NotFound => "mappen finnes ikke. Velg en mappe som finnes",
        K::IsADirectory => "det er en mappe. Oppgi et filnavn",
        K::StorageFull | K::QuotaExceeded => {
            "disken er full. Frigjør plass eller velg en annen disk"
        }
        _ => "skrivingen feilet. Prøv igjen, eller velg en annen mappe",
    };
    format!(
        "{what}. (Systemets melding: {})",
        clean_for_terminal(&e.to_string())
    )
}

/// Text as Windows writes it, decoded strictly: UTF-8 (with or without a byte-order mark)
/// or UTF-16 LE/BE with its mark.
#[derive(Debug, PartialEq, Eq)]
pub enum Unicode {
    Text(String),
    /// Not valid UTF-8: whether it had the UTF-8 mark, and how far it was valid (counted
    /// after the mark).
    BadUtf8 {
        bom: bool,
        valid_up_to: usize,
    },
    /// Marked UTF-16, with invalid sequences.
    BadUtf16,
}

/// Decodes `bytes` as [`Unicode`] (the CSV import's and the passphrase file's first step).
pub fn unicode_text(bytes: &[u8]) -> Unicode {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Unicode::Text(text.to_string()),
            Err(e) => Unicode::BadUtf8 {
                bom: true,
                valid_up_to: e.valid_up_to(),
            },
        };
    }
    for (bom, encoding) in [
        (b"\xFF\xFE".as_slice(), encoding_rs::UTF_16LE),
        (b"\xFE\xFF".as_slice(), encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, malformed) = encoding.decode_without_bom_handling(rest);
            return if malformed {
                Unicode::BadUtf16
            } else {
                Unicode::Text(text.into_owned())
            };
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Unicode::Text(text.to_string()),
        Err(e) => Unicode::BadUtf8 {
            bom: false,
            valid_up_to: e.valid_up_to(),
        },
    }
}

/// What a failed read means and what to do, in Norwegian, with the system's own words last.
pub fn read_error_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let what = match e.kind() {
        K::PermissionDenied => "du har ikke lov til å lese filen. Sjekk rettighetene",
        K::NotFound => "filen finnes ikke. Sjekk navnet og mappen",
        K::IsADirectory => "det er en mappe. Oppgi et filnavn",
        _ => "lesingen feilet. Prøv igjen",
    };
    format!(
        "{what}. (Systemets melding: {})",
        clean_for_terminal(&e.to_string())
    )
}

/// Text safe to print: control characters (ANSI escapes, NUL, bidi overrides) shown as
/// `\u{..}` instead of being sent to the terminal.
pub fn clean_for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_forbidden_control(c) || c == '\n' || c == '\r' || c == '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that never belong in a referral's text: C0/C1 controls (tab, line feed and
/// carriage return are judged by the caller), DEL, and the bidirectional overrides and
/// isolates that can make a name display as something else.
pub fn is_forbidden_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// A CSV cell made safe to open in a spreadsheet: a text that starts with `=`, `+`, `-`,
/// `@`, tab or carriage return gets a leading `'` (OWASP's advice against formula injection:
/// the fristbrudd list goes to Helfo, and a name like `=HYPERLINK(…)` must stay text), and so
/// does a text that already starts with `'` followed by one of those or another `'` (so the
/// `'` a user typed survives export and import). Plain numbers ("-2,5", "+1,0 pp") are left
/// as they are; a telephone number ("+47 22 33 44 55") is guarded.
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = cell.chars();
    let risky = match chars.next() {
        Some(c) if is_formula_start(c) => !is_plain_number(cell),
        Some('\'') => chars
            .next()
            .is_some_and(|c| c == '\'' || is_formula_start(c)),
        _ => false,
    };
    if risky {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn is_formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// Undoes [`csv_cell`] on import of a file Inntak wrote: removes exactly the `'` it adds.
pub fn csv_uncell(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest)
            if rest
                .chars()
                .next()
                .is_some_and(|c| c == '\'' || is_formula_start(c)) =>
        {
            rest
        }
        _ => field,
    }
}

/// "-2,5", "+200,0 %", "-1,2 pp": a signed decimal number, optionally with a unit.
fn is_plain_number(cell: &str) -> bool {
    let body = cell
        .trim_end_matches(" %")
        .trim_end_matches(" pp")
        .trim_end_matches('%');
    let digits = body.strip_prefix(['+', '-']).unwrap_or(body);
    // "+47 22 33 44 55", "+4722334455": a telephone number, not a figure.
    let phone_like = cell.starts_with('+')
        && !digits.contains([',', '.'])
        && digits.chars().filter(char::is_ascii_digit).count() >= 8;
    !phone_like
        && !digits.is_empty()
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_the_database_its_side_files_and_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.sqlite3");
        std::fs::write(&db, b"x").unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, b"y").unwrap();
        let guard = Protected::none().database(&db).input(&input);
        for bad in [
            db.clone(),
            dir.path().join("a.sqlite3-wal"),
            dir.path().join("a.sqlite3-shm"),
            dir.path().join("a.sqlite3-journal"),
            dir.path().join("./a.sqlite3"),
            dir.path().join("sub/../a.sqlite3"),
            input.clone(),
        ] {
            let _ = std::fs::create_dir_all(dir.path().join("sub"));
            assert!(guard.check(&bad).is_err(), "{}", bad.display());
        }
        #[cfg(unix)]
        {
            let link = dir.path().join("hard.csv");
            std::fs::hard_link(&db, &link).unwrap();
            assert!(guard.check(&link).is_err());
        }
        assert!(guard.check(&dir.path().join("ut.csv")).is_ok());
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_a_good_one_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let as_dir = dir.path().join("mappe.csv");
        std::fs::create_dir(&as_dir).unwrap();
        let e = write_atomically(&as_dir, b"data", &Protected::none()).unwrap_err();
        assert!(e.contains("er en mappe"), "{e}");
        let missing = dir.path().join("finnes/ikke.csv");
        let e = write_atomically(&missing, b"data", &Protected::none()).unwrap_err();
        assert!(e.contains("mappen finnes ikke"), "{e}");
        let good = dir.path().join("a.b.csv");
        write_atomically(&good, b"data", &Protected::none()).unwrap();
        assert_eq!(std::fs::read(&good).unwrap(), b"data");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(TEMP_MARK)), "{names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&good).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn formula_cells_are_neutralised_and_restored() {
        for (cell, safe) in [
            (
                "=HYPERLINK(\"http://x\";\"Klikk\")",
                "'=HYPERLINK(\"http://x\";\"Klikk\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("\tx", "'\tx"),
            ("-2,5", "-2,5"),
            ("+200,0 %", "+200,0 %"),
            ("-1,2 pp", "-1,2 pp"),
            ("Kari", "Kari"),
            ("", ""),
            ("'=1+1", "''=1+1"),
            ("''", "'''"),
            ("'Kari", "'Kari"),
            ("+47 22 33 44 55", "'+47 22 33 44 55"),
            ("+4722334455", "'+4722334455"),
            ("+1 234,5", "+1 234,5"),
        ] {
            assert_eq!(csv_cell(cell), safe, "{cell}");
            assert_eq!(csv_uncell(&csv_cell(cell)), cell, "{cell}");
        }
        assert_eq!(csv_uncell("'Kari"), "'Kari");
    }

    #[test]
    fn control_characters_are_never_printed_raw() {
        assert_eq!(clean_for_terminal("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean_for_terminal("Kari\u{202E}"), "Kari\\u{202e}");
        assert!(is_forbidden_control('\0'));
        assert!(!is_forbidden_control('ø'));
    }
}
