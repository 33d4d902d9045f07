//! `inntak verify`'s comparison of the records with the audit log: every referral's received
//! date and every decision's outcome, decision date and juridisk frist must be what the log
//! says was recorded; every referral and decision must have its log row; and the log's rows
//! must be numbered without a gap (rows are only ever appended, so a gap is a deleted row,
//! even when the hashes after it were recomputed).

use crate::store::db::Connection;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// One disagreement, with the log row it concerns (when there is one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub row: Option<i64>,
    pub text: String,
}

/// What the log says a decision was.
struct LoggedDecision {
    row: i64,
    outcome: Option<String>,
    decided_on: Option<String>,
    /// `Some` when the row recorded the frist (rows written before it was recorded do not).
    frist: Option<Option<String>>,
}

const DECISION_ACTIONS: [&str; 3] = ["decide", "correct", "import_decision"];

/// Every disagreement between the records and the log, in log order.
pub fn findings(conn: &Connection) -> rusqlite::Result<Vec<Finding>> {
    let mut out = Vec::new();
    numbering(conn, &mut out)?;
    let mut logged = Logged::read(conn, &mut out)?;
    referrals_against_log(conn, &logged, &mut out)?;
    decisions_against_log(conn, &mut logged, &mut out)?;
    out.sort_by_key(|f| f.row.unwrap_or(i64::MAX));
    Ok(out)
}

/// Row numbers: 1, 2, 3 … without a gap.
fn numbering(conn: &Connection, out: &mut Vec<Finding>) -> rusqlite::Result<()> {
    let mut gaps = conn.prepare("SELECT id FROM audit_log ORDER BY id")?;
    let ids = gaps.query_map([], |r| r.get::<_, i64>(0))?;
    for (expected, id) in (1i64..).zip(ids) {
        let id = id?;
        if id != expected {
            out.push(Finding {
                row: Some(expected),
                text: if id > expected {
                    format!(
                        "Endringsloggen mangler rad {expected}{} (radene nummereres fortløpende \
                         og slettes aldri).",
                        if id > expected + 1 {
                            format!("–{}", id - 1)
                        } else {
                            String::new()
                        }
                    )
                } else {
                    format!("Endringsloggen har rad {id} i feil rekkefølge.")
                },
            });
            break;
        }
    }
    Ok(())
}

/// What the log recorded, referral by referral and decision by decision.
struct Logged {
    /// Referral → (log row, received date).
    received: HashMap<i64, (i64, String)>,
    referrals: HashSet<i64>,
    decisions: HashMap<i64, LoggedDecision>,
}

impl Logged {
    /// Reads the log; a decision row without its number is a finding of its own.
    fn read(conn: &Connection, out: &mut Vec<Finding>) -> rusqlite::Result<Self> {
        let mut received: HashMap<i64, (i64, String)> = HashMap::new();
        let mut logged_referrals: HashSet<i64> = HashSet::new();
        let mut decisions: HashMap<i64, LoggedDecision> = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT id, action, entity_id, details FROM audit_log WHERE entity = 'referral' ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let row: i64 = r.get(0)?;
            let action: String = r.get(1)?;
            let referral: Option<i64> = r.get(2)?;
            let details: String = r.get(3)?;
            if let Some(id) = referral {
                logged_referrals.insert(id);
            }
            let is_decision = DECISION_ACTIONS.contains(&action.as_str());
            if !is_decision && !details.contains("\"mottatt\"") {
                continue;
            }
            let parsed: Value = serde_json::from_str(&details).unwrap_or(Value::Null);
            if let (Some(id), Some(m)) = (referral, parsed.get("mottatt")) {
                // Created: "mottatt": date; changed: "mottatt": [before, after].
                let date = match m {
                    Value::String(d) => Some(d.clone()),
                    Value::Array(pair) => pair.get(1).and_then(Value::as_str).map(str::to_string),
                    _ => None,
                };
                if let Some(date) = date {
                    received.insert(id, (row, date));
                }
            }
            if is_decision {
                match parsed.get("vedtak").and_then(Value::as_i64) {
                    Some(v) => {
                        decisions.insert(
                            v,
                            LoggedDecision {
                                row,
                                outcome: parsed
                                    .get("utfall")
                                    .and_then(Value::as_str)
                                    .map(str::to_string),
                                decided_on: parsed
                                    .get("avgjort")
                                    .and_then(Value::as_str)
                                    .map(str::to_string),
                                frist: parsed
                                    .get("juridisk_frist")
                                    .map(|f| f.as_str().map(str::to_string)),
                            },
                        );
                    }
                    None => out.push(Finding {
                        row: Some(row),
                        text: format!(
                            "Rad {row} i endringsloggen er et vedtak uten vedtaksnummer: den er ikke \
                             skrevet av Inntak."
                        ),
                    }),
                }
            }
        }
        drop(rows);
        Ok(Self {
            received,
            referrals: logged_referrals,
            decisions,
        })
    }
}

/// Every referral has its log row, and its received date is the one logged.
fn referrals_against_log(
    conn: &Connection,
    logged: &Logged,
    out: &mut Vec<Finding>,
) -> rusqlite::Result<()> {
    let (received, logged_referrals) = (&logged.received, &logged.referrals);
    let mut stmt = conn.prepare("SELECT id, received_on FROM referrals ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let on: String = r.get(1)?;
        if !logged_referrals.contains(&id) {
            out.push(Finding {
                row: None,
                text: format!(
                    "Henvisning {id} har ingen rad i endringsloggen (registrert utenfor Inntak, \
                     eller radene er slettet)."
                ),
            });
        } else if let Some((row, logged)) = received.get(&id)
            && *logged != on
        {
            out.push(Finding {
                row: Some(*row),
                text: format!(
                    "Henvisning {id}: mottatt {} i databasen, men {} i endringsloggen (rad {row}).",
                    nb(&on),
                    nb(logged)
                ),
            });
        }
    }
    drop(rows);
    Ok(())
}

/// Every decision is what the log says it was, and every logged decision still exists.
fn decisions_against_log(
    conn: &Connection,
    logged: &mut Logged,
    out: &mut Vec<Finding>,
) -> rusqlite::Result<()> {
    let decisions = &mut logged.decisions;
    let mut stmt = conn.prepare(
        "SELECT id, referral_id, outcome, decided_on, start_of_care_deadline FROM decisions \
         ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut seen = HashSet::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let referral: i64 = r.get(1)?;
        let outcome: String = r.get(2)?;
        let decided_on: String = r.get(3)?;
        let frist: Option<String> = r.get(4)?;
        seen.insert(id);
        let Some(logged) = decisions.get(&id) else {
            out.push(Finding {
                row: None,
                text: format!(
                    "Vedtak {id} (henvisning {referral}) har ingen rad i endringsloggen \
                     (skrevet utenfor Inntak, eller raden er slettet)."
                ),
            });
            continue;
        };
        let row = logged.row;
        let mut differs = Vec::new();
        if logged.outcome.as_deref().is_some_and(|o| o != outcome) {
            differs.push(format!(
                "utfall «{outcome}» i databasen, «{}» i loggen",
                logged.outcome.as_deref().unwrap_or_default()
            ));
        }
        if logged
            .decided_on
            .as_deref()
            .is_some_and(|d| d != decided_on)
        {
            differs.push(format!(
                "avgjort {} i databasen, {} i loggen",
                nb(&decided_on),
                nb(logged.decided_on.as_deref().unwrap_or_default())
            ));
        }
        if let Some(logged_frist) = &logged.frist
            && *logged_frist != frist
        {
            let show = |f: &Option<String>| f.as_deref().map_or("ingen".to_string(), nb);
            differs.push(format!(
                "juridisk frist {} i databasen, {} i loggen",
                show(&frist),
                show(logged_frist)
            ));
        }
        if !differs.is_empty() {
            out.push(Finding {
                row: Some(row),
                text: format!(
                    "Vedtak {id} (henvisning {referral}) er endret utenom Inntak: {} (rad {row}).",
                    differs.join("; ")
                ),
            });
        }
    }
    drop(rows);
    let mut gone: Vec<(&i64, &LoggedDecision)> = decisions
        .iter()
        .filter(|(v, _)| !seen.contains(*v))
        .collect();
    gone.sort_by_key(|(_, l)| l.row);
    for (v, logged) in gone {
        out.push(Finding {
            row: Some(logged.row),
            text: format!(
                "Vedtak {v} står i endringsloggen (rad {}), men finnes ikke i databasen: det er \
                 slettet utenom Inntak.",
                logged.row
            ),
        });
    }
    Ok(())
}

/// An ISO date as dd.mm.åååå (the text itself if it is not one).
fn nb(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}
