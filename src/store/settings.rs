//! Clinic settings in the `settings` and `closure_days` tables.

use super::{StoreError, audit, referrals::Change};
use crate::domain::settings::{ClinicSettings, ClosureDay, format_weekdays, parse_weekdays};
use crate::store::db::{Connection, Transaction};
use chrono::NaiveTime;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

/// Set once the first-start demo offer has been answered, so it is not asked again.
pub const KEY_DEMO_OFFERED: &str = "demo_offered";
/// The folder for backups (empty or missing: `sikkerhetskopier` beside the database).
pub const KEY_BACKUP_DIR: &str = "backup_dir";

pub fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

pub fn put(tx: &Transaction<'_>, key: &str, value: &str) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Loads the settings; a missing or unreadable value falls back to its default.
pub fn load(conn: &Connection) -> rusqlite::Result<ClinicSettings> {
    let defaults = ClinicSettings::default();
    let mut s = defaults.clone();
    if let Some(v) = get(conn, "clinic_name")? {
        s.clinic_name = v;
    }
    if let Some(v) = get(conn, "saturday_is_working_day")? {
        s.saturday_is_working_day = v == "1";
    }
    if let Some(days) = get(conn, "meeting_weekdays")?.and_then(|v| parse_weekdays(&v)) {
        s.meeting_weekdays = days;
    }
    if let Some(t) =
        get(conn, "meeting_time")?.and_then(|v| NaiveTime::parse_from_str(&v, "%H:%M").ok())
    {
        s.meeting_time = t;
    }
    if let Some(c) = get(conn, "agenda_capacity")?.and_then(|v| v.parse().ok()) {
        s.agenda_capacity = c;
    }
    if let Some(v) = get(conn, "avslag_reasons")? {
        s.avslag_reasons = v.lines().map(str::to_string).collect();
    }
    let l = &mut s.letters;
    for (key, field) in [
        ("letter_address", &mut l.address),
        ("letter_phone", &mut l.phone),
        ("letter_signer", &mut l.signer),
        ("letter_signer_title", &mut l.signer_title),
        ("letter_contact", &mut l.contact),
        ("letter_attendance", &mut l.attendance),
        ("letter_free_choice", &mut l.free_choice),
        ("letter_referrer_note", &mut l.referrer_note),
        ("dialog_her_id", &mut l.her_id),
        ("dialog_folder", &mut l.dialog_folder),
    ] {
        if let Some(v) = get(conn, key)? {
            *field = v;
        }
    }
    // Earlier versions had one contact text with the appointment and fee in it; the default
    // one is read as today's two (a clinic's own wording is left as it is).
    if l.contact.trim() == crate::domain::letter::OLD_DEFAULT_CONTACT_TEXT {
        l.contact = crate::domain::letter::DEFAULT_CONTACT_TEXT.into();
    }
    if let Some(v) = get(conn, "letter_secondary_confirmation")? {
        l.secondary_confirmation = v == "1";
    }
    if let Some(v) = get(conn, "letter_advice")? {
        // JSON pairs [reason, advice]; unreadable text keeps the defaults (it is only a
        // suggestion the leader edits, never a decision).
        if let Ok(pairs) = serde_json::from_str(&v) {
            l.advice_templates = pairs;
        }
    }
    let mut stmt = conn.prepare_cached("SELECT day, label FROM closure_days ORDER BY day")?;
    s.closure_days = stmt
        .query_map([], |r| {
            Ok(ClosureDay {
                date: r.get(0)?,
                label: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(s)
}

/// Saves all settings at once, with an audit row listing the old and new values.
pub fn save(
    tx: &Transaction<'_>,
    s: &ClinicSettings,
    change: Change<'_>,
) -> Result<(), StoreError> {
    s.validate().map_err(StoreError::Rule)?;
    let old = load(tx)?;
    put(tx, "clinic_name", s.clinic_name.trim())?;
    put(
        tx,
        "saturday_is_working_day",
        if s.saturday_is_working_day { "1" } else { "0" },
    )?;
    put(
        tx,
        "meeting_weekdays",
        &format_weekdays(&s.meeting_weekdays),
    )?;
    put(
        tx,
        "meeting_time",
        &s.meeting_time.format("%H:%M").to_string(),
    )?;
    put(tx, "agenda_capacity", &s.agenda_capacity.to_string())?;
    let reasons: Vec<&str> = s
        .avslag_reasons
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    put(tx, "avslag_reasons", &reasons.join("\n"))?;
    let l = &s.letters;
    for (key, value) in [
        ("letter_address", l.address_lines().join("\n")),
        ("letter_phone", l.phone.trim().to_string()),
        ("letter_signer", l.signer.trim().to_string()),
        ("letter_signer_title", l.signer_title.trim().to_string()),
        ("letter_contact", l.contact.trim().to_string()),
        ("letter_attendance", l.attendance.trim().to_string()),
        ("letter_free_choice", l.free_choice.trim().to_string()),
        ("letter_referrer_note", l.referrer_note.trim().to_string()),
        ("dialog_her_id", l.her_id.trim().to_string()),
        ("dialog_folder", l.dialog_folder.trim().to_string()),
    ] {
        put(tx, key, &value)?;
    }
    let advice: Vec<(&str, &str)> = l
        .advice_templates
        .iter()
        .filter(|(r, _)| !r.trim().is_empty())
        .map(|(r, a)| (r.trim(), a.trim()))
        .collect();
    put(
        tx,
        "letter_secondary_confirmation",
        if l.secondary_confirmation { "1" } else { "0" },
    )?;
    put(
        tx,
        "letter_advice",
        &serde_json::Value::from(
            advice
                .iter()
                .map(|(r, a)| serde_json::json!([r, a]))
                .collect::<Vec<_>>(),
        )
        .to_string(),
    )?;
    tx.execute("DELETE FROM closure_days", [])?;
    for c in &s.closure_days {
        tx.execute(
            "INSERT INTO closure_days (day, label) VALUES (?1, ?2)",
            params![c.date, c.label.trim()],
        )?;
    }
    let details = json!({
        "før": describe(&old),
        "etter": describe(s),
    });
    audit::log(tx, change, audit::Event::Settings, None, &details)?;
    Ok(())
}

fn describe(s: &ClinicSettings) -> serde_json::Value {
    json!({
        "klinikk": s.clinic_name,
        "lørdag_virkedag": s.saturday_is_working_day,
        "møtedager": format_weekdays(&s.meeting_weekdays),
        "møtetid": s.meeting_time.format("%H:%M").to_string(),
        "kapasitet": s.agenda_capacity,
        "avslagsgrunner": s.avslag_reasons,
        "stengte_dager": s.closure_days.iter().map(|c| c.date.to_string()).collect::<Vec<_>>(),
        "brev_adresse": s.letters.address_lines(),
        "brev_telefon": s.letters.phone,
        "brev_signert_av": s.letters.signer,
        "her_id": s.letters.her_id,
        "svarmappe": s.letters.dialog_folder,
    })
}
