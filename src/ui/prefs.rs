//! The user's window preferences (text size), kept apart from the clinic's data: a small JSON
//! file in the user's configuration folder, never in the database and never in eframe's
//! storage. A missing or unreadable file gives the defaults; it never stops the window.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The text-size range offered (egui's zoom factor: 1.0 is 100 %).
pub const MIN_ZOOM: f32 = 0.8;
pub const MAX_ZOOM: f32 = 2.0;
/// One Ctrl+ / Ctrl− step.
pub const ZOOM_STEP: f32 = 0.1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UiPrefs {
    /// Text and widget size; 1.0 is 100 %.
    pub zoom: f32,
    /// The import's column mapping per source, keyed by a hash of the source's header: for
    /// each of their columns our column's name, or "" for not imported. Never a cell of the
    /// data, nor their column names.
    #[serde(default)]
    pub import_mappings: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for UiPrefs {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            import_mappings: Default::default(),
        }
    }
}

/// The key a source's mapping is remembered under: a SHA-256 of its header (the column
/// names, trimmed, in lower case). A hash, not the names: a first line taken for a header by
/// mistake may be a patient's row, and the preferences file must never hold one.
pub fn mapping_key(header: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let text = header
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join("\u{1f}");
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl UiPrefs {
    pub fn clamped_zoom(zoom: f32) -> f32 {
        if zoom.is_finite() {
            // Whole percent, so 110 % stays 110 % after repeated steps.
            ((zoom * 100.0).round() / 100.0).clamp(MIN_ZOOM, MAX_ZOOM)
        } else {
            1.0
        }
    }
}

/// `ui.json` in the platform's configuration folder for Inntak.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("no", "Inntak", "Inntak")
        .map(|dirs| dirs.config_dir().join("ui.json"))
}

/// The saved preferences, or the defaults when there are none (or they cannot be read).
pub fn load(path: &Path) -> UiPrefs {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<UiPrefs>(&bytes).ok())
        .map(|p| UiPrefs {
            zoom: UiPrefs::clamped_zoom(p.zoom),
            ..p
        })
        .unwrap_or_default()
}

/// Saves the preferences (the folder is made private if it does not exist).
pub fn save(path: &Path, prefs: &UiPrefs) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        crate::files::create_private_dir(dir).map_err(|e| e.to_string())?;
    }
    let bytes = serde_json::to_vec_pretty(prefs).map_err(|e| e.to_string())?;
    crate::files::write_atomically(path, &bytes, &crate::files::Protected::default())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_files_give_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("ui.json");
        assert_eq!(load(&path), UiPrefs::default());
        let prefs = UiPrefs {
            zoom: 1.3,
            ..UiPrefs::default()
        };
        save(&path, &prefs).unwrap();
        assert_eq!(load(&path), prefs);
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(load(&path), UiPrefs::default());
        std::fs::write(&path, br#"{"zoom": 9.0}"#).unwrap();
        assert_eq!(load(&path).zoom, MAX_ZOOM);
    }
}
