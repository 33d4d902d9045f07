//! Where the database file lies: a local disk, or a network file system (SMB/CIFS, NFS, ...)
//! on which SQLite's write-ahead log does not work (its shared-memory index cannot be shared
//! between machines). On a network share the store uses the rollback journal with exclusive
//! locking instead, so only one person can have the file open at a time, and says so.

use std::path::Path;

/// The kind of file system holding the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileSystem {
    Local,
    /// A network file system, by name ("SMB/CIFS", "NFS", ...).
    Network(&'static str),
}

/// How the store journals and locks on a file system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Journaling {
    /// Write-ahead log with normal locking: readers and one writer at once (local disks).
    Wal,
    /// Rollback journal with exclusive locking: one connection holds the file; other
    /// connections (background checks, backups) go through it.
    ExclusiveRollback,
}

/// The journaling a file system allows.
pub fn journaling(fs: &FileSystem) -> Journaling {
    match fs {
        FileSystem::Local => Journaling::Wal,
        FileSystem::Network(_) => Journaling::ExclusiveRollback,
    }
}

/// The status bar's sentence for a database on a network share.
pub fn network_notice(fs: &FileSystem) -> Option<String> {
    match fs {
        FileSystem::Local => None,
        FileSystem::Network(name) => Some(format!(
            "Databasen ligger på en nettverksdisk ({name}): bare én kan ha den åpen om gangen."
        )),
    }
}

/// Linux's `statfs` magic numbers of network file systems.
pub fn linux_network_fs(magic: u64) -> Option<&'static str> {
    Some(match magic {
        0x6969 => "NFS",
        0x517B => "SMB",
        0xFF53_4D42 => "SMB/CIFS",
        0xFE53_4D42 => "SMB2",
        0x5346_414F | 0x6B41_4653 => "AFS",
        0x00C3_6400 => "Ceph",
        0x7375_7245 => "Coda",
        0x0102_1997 => "9P",
        0x6573_5546 => "FUSE (for eksempel sshfs eller en nettverksmappe)",
        _ => return None,
    })
}

/// macOS's file system type names (`f_fstypename`) of network file systems.
pub fn macos_network_fs(name: &str) -> Option<&'static str> {
    Some(match name {
        "smbfs" => "SMB",
        "nfs" => "NFS",
        "afpfs" => "AFP",
        "webdav" => "WebDAV",
        "macfuse" | "osxfuse" => "FUSE",
        _ => return None,
    })
}

/// Whether a Windows path names a share directly (`\\server\share\...` or `\\?\UNC\...`).
pub fn is_unc(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.starts_with(r"\\?\unc\")
        || (lower.starts_with(r"\\") && !lower.starts_with(r"\\?\") && !lower.starts_with(r"\\.\"))
}

/// The file system of the folder that holds (or will hold) `path`. Unknown counts as local.
pub fn file_system(path: &Path) -> FileSystem {
    detect(&real_folder(path))
}

/// The folder the file really lies in: symbolic links followed (SQLite follows a link to
/// the file, so a link in a local folder to a file on a share is on the share), for a file
/// that exists; else the folder it will be made in, its links followed too.
pub fn real_folder(path: &Path) -> std::path::PathBuf {
    if let Ok(real) = std::fs::canonicalize(path)
        && let Some(folder) = real.parent()
    {
        return folder.to_path_buf();
    }
    let folder = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf())
}

/// `statfs` of a folder; `None` when it cannot be asked.
#[cfg(any(target_os = "linux", target_os = "macos"))]
fn statfs(folder: &Path) -> Option<libc::statfs> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(folder.as_os_str().as_bytes()).ok()?;
    // SAFETY: statfs is plain data; all-zero is a valid value to be overwritten.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is a NUL-terminated path and `stat` a writable statfs.
    (unsafe { libc::statfs(c_path.as_ptr(), &mut stat) } == 0).then_some(stat)
}

#[cfg(target_os = "linux")]
fn detect(folder: &Path) -> FileSystem {
    let Some(stat) = statfs(folder) else {
        return FileSystem::Local;
    };
    #[allow(clippy::unnecessary_cast)] // f_type's width differs between targets
    let magic = stat.f_type as u64 & 0xFFFF_FFFF;
    linux_network_fs(magic).map_or(FileSystem::Local, FileSystem::Network)
}

#[cfg(target_os = "macos")]
fn detect(folder: &Path) -> FileSystem {
    let Some(stat) = statfs(folder) else {
        return FileSystem::Local;
    };
    // SAFETY: f_fstypename is a NUL-terminated C string inside the struct.
    let name = unsafe { std::ffi::CStr::from_ptr(stat.f_fstypename.as_ptr()) };
    macos_network_fs(&name.to_string_lossy()).map_or(FileSystem::Local, FileSystem::Network)
}

#[cfg(windows)]
fn detect(folder: &Path) -> FileSystem {
    use std::os::windows::ffi::OsStrExt;
    let absolute = std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf());
    let text = absolute.to_string_lossy();
    if is_unc(&text) {
        return FileSystem::Network("SMB");
    }
    // The drive's root ("K:\"): a mapped network drive reports DRIVE_REMOTE.
    let Some(root) = absolute.components().next() else {
        return FileSystem::Local;
    };
    let mut root = root.as_os_str().to_os_string();
    root.push("\\");
    let mut wide: Vec<u16> = root.encode_wide().collect();
    wide.push(0);
    // SAFETY: `wide` is a NUL-terminated UTF-16 path.
    let kind = unsafe { windows_sys::Win32::Storage::FileSystem::GetDriveTypeW(wide.as_ptr()) };
    // DRIVE_REMOTE (WinBase.h), kept here rather than pulling in another windows-sys module.
    const DRIVE_REMOTE: u32 = 4;
    if kind == DRIVE_REMOTE {
        FileSystem::Network("nettverksstasjon")
    } else {
        FileSystem::Local
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn detect(_folder: &Path) -> FileSystem {
    FileSystem::Local
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_file_systems_get_the_rollback_journal_with_exclusive_locking() {
        assert_eq!(journaling(&FileSystem::Local), Journaling::Wal);
        for magic in [0x6969, 0x517B, 0xFF53_4D42, 0xFE53_4D42, 0x6573_5546] {
            let fs = linux_network_fs(magic).map_or(FileSystem::Local, FileSystem::Network);
            assert_eq!(journaling(&fs), Journaling::ExclusiveRollback, "{magic:#x}");
            assert!(
                network_notice(&fs)
                    .unwrap()
                    .contains("bare én kan ha den åpen")
            );
        }
        // ext4, btrfs, xfs, tmpfs, overlayfs: local.
        for magic in [0xEF53, 0x9123_683E, 0x5846_5342, 0x0102_1994, 0x794C_7630] {
            assert_eq!(linux_network_fs(magic), None, "{magic:#x}");
        }
        assert_eq!(macos_network_fs("smbfs"), Some("SMB"));
        assert_eq!(macos_network_fs("apfs"), None);
        assert!(is_unc(r"\\filserver\klinikk\inntak.sqlite3"));
        assert!(is_unc(r"\\?\UNC\filserver\klinikk"));
        assert!(!is_unc(r"C:\Users\kari\inntak.sqlite3"));
        assert!(!is_unc(r"\\?\C:\Users\kari"));
        assert_eq!(network_notice(&FileSystem::Local), None);
    }

    #[test]
    fn a_temp_folder_is_local() {
        let dir = std::env::temp_dir();
        assert_eq!(file_system(&dir.join("x.sqlite3")), FileSystem::Local);
    }
}
