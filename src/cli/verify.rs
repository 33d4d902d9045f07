//! `inntak verify`: the file, its audit chain, the log against the records and its anchor.

use super::{MAX_ERRORS_PRINTED, Opened, terminal_text};
use crate::ops::backup::VerifyError;

pub(super) fn exec(opened: &Opened) -> Result<i32, String> {
    let verified = match crate::ops::backup::verify(&opened.store) {
        Ok(v) => v,
        Err(e) => {
            if let VerifyError::Findings(findings) = &e {
                for f in findings.iter().take(MAX_ERRORS_PRINTED) {
                    eprintln!("{}", terminal_text(&f.text));
                }
                if findings.len() > MAX_ERRORS_PRINTED {
                    eprintln!("… og {} funn til.", findings.len() - MAX_ERRORS_PRINTED);
                }
            }
            return Err(e.to_string());
        }
    };
    let anchored = match verified.anchored_at {
        None => " Denne maskinen har ikke noe anker for filen (den er ikke skrevet her), så \
                  slettede rader på slutten av loggen kan ikke oppdages."
            .to_string(),
        Some(row) => format!(" Den slutter der Inntak sist skrev på denne maskinen (rad {row})."),
    };
    println!(
        "Databasefilen er hel, og loggen er hel ({} rader), og den stemmer med henvisningene og \
         vedtakene.{anchored}",
        verified.rows
    );
    Ok(0)
}
