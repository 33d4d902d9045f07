//! The electronic answer to the referrer's system (issue 24): a Dialogmelding 1.1 in a
//! MsgHead 1.2, type `DIALOG_STATUS_HENVISNING` ("Status på henvisning"), with the status
//! from kodeverk 9148, the rights outcome, the frist, the oppmøte (or "innkalling følger")
//! and the contact — what the national "tilbakemelding på henvisning" asks the reply to say.
//! One file per referral, written into the folder the hospital's message system picks up,
//! and recorded like a printed letter (hash, who, when) to the referrer.
//!
//! The files validate against the official XSDs (vendored in `tests/fixtures/xsd/`, checked
//! with `xmllint --schema` in the tests).

use crate::calendar::format_date;
use crate::domain::ReferralId;
use crate::domain::decision::Outcome;
use crate::domain::letter::{LetterKind, Recipient};
use crate::domain::settings::ClinicSettings;
use crate::letters::Letter;
use crate::store::StoreError;
use crate::store::db::Connection;
use crate::store::decisions;
use crate::store::messages::Stored;
use chrono::{NaiveDate, NaiveDateTime};

pub use crate::import::henvisning::NS_MSGHEAD;
pub const NS_DIALOG: &str = "http://www.kith.no/xmlstds/dialog/2013-01-23";
/// Kodeverk 9148, "Status for henvisning" (Volven OID).
pub const STATUS_CODES: &str = "2.16.578.1.12.4.1.1.9148";
/// Kodeverk 9051 (identifier types: HER-id), 8116 (person identifiers: FNR, DNR, HNR).
const ID_TYPES_ORG: &str = "2.16.578.1.12.4.1.1.9051";
const ID_TYPES_PERSON: &str = "2.16.578.1.12.4.1.1.8116";

/// The status of the referral as kodeverk 9148 names it. Code 1 ("Innkalles til
/// helsehjelp") is the standard's own example; the clinic's message system may map the
/// others by their text (`DN`), which always says what happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub code: &'static str,
    pub text: &'static str,
}

/// The status a decision's outcome is reported with.
pub fn status_for(outcome: &Outcome) -> Status {
    match outcome {
        Outcome::Rett { .. } | Outcome::Sekundaer { .. } => Status {
            code: "1",
            text: "Innkalles til helsehjelp",
        },
        Outcome::Avslag { .. } => Status {
            code: "2",
            text: "Ikke rett til nødvendig helsehjelp",
        },
        Outcome::Videresendt { .. } => Status {
            code: "3",
            text: "Videresendt",
        },
        Outcome::Feilsendt => Status {
            code: "4",
            text: "Returnert til henviser",
        },
    }
}

/// Why a reply cannot be written; the text is what the user reads.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ReplyError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.into())
    }
}

pub use crate::domain::records::Reply;

/// What the reply says, as a pure value (the XML is made from it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub message_id: String,
    pub generated: NaiveDateTime,
    /// The referral message it answers (ConversationRef), when known.
    pub answers: Option<String>,
    pub clinic: String,
    pub clinic_her: String,
    pub to: Stored,
    pub patient_given: String,
    pub patient_family: String,
    /// (id, FNR/DNR/HNR) when the referral has a national id.
    pub patient_id: Option<(String, &'static str)>,
    pub status: Status,
    pub text: String,
    pub written_on: NaiveDate,
}

/// Escapes text for XML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0; a line break stays.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn her_ident(id: &str) -> String {
    format!(
        "<Ident><Id>{}</Id><TypeId V=\"HER\" S=\"{ID_TYPES_ORG}\" DN=\"HER-id\"/></Ident>",
        esc(id)
    )
}

/// The MsgHead with the Dialogmelding, as the file is written.
pub fn xml(c: &Content) -> String {
    let answers = c
        .answers
        .as_deref()
        .map(|a| {
            format!(
                "\n    <ConversationRef>\n      <RefToParent>{0}</RefToParent>\n      \
                 <RefToConversation>{0}</RefToConversation>\n    </ConversationRef>",
                esc(a)
            )
        })
        .unwrap_or_default();
    let person = if c.to.sender_person_her.is_empty() {
        String::new()
    } else {
        let (given, family) = split_name(&c.to.sender_person);
        let mut names = String::new();
        if !family.is_empty() {
            names.push_str(&format!("<FamilyName>{}</FamilyName>", esc(&family)));
        }
        if !given.is_empty() {
            names.push_str(&format!("<GivenName>{}</GivenName>", esc(&given)));
        }
        format!(
            "\n        <HealthcareProfessional>{names}{}</HealthcareProfessional>",
            her_ident(&c.to.sender_person_her)
        )
    };
    let patient_id = c
        .patient_id
        .as_ref()
        .map(|(id, kind)| {
            format!(
                "\n      <Ident><Id>{}</Id><TypeId V=\"{kind}\" S=\"{ID_TYPES_PERSON}\" DN=\"{}\"/></Ident>",
                esc(id),
                match *kind {
                    "DNR" => "D-nummer",
                    "HNR" => "H-nummer",
                    _ => "Fødselsnummer",
                }
            )
        })
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<MsgHead xmlns="{NS_MSGHEAD}">
  <MsgInfo>
    <Type V="DIALOG_STATUS_HENVISNING" DN="Status på henvisning"/>
    <MIGversion>v1.2 2006-05-24</MIGversion>
    <GenDate>{gen}</GenDate>
    <MsgId>{msg_id}</MsgId>
    <Ack V="J" DN="Ja"/>{answers}
    <Sender>
      <Organisation>
        <OrganisationName>{clinic}</OrganisationName>
        {clinic_her}
      </Organisation>
    </Sender>
    <Receiver>
      <Organisation>
        <OrganisationName>{to}</OrganisationName>
        {to_her}{person}
      </Organisation>
    </Receiver>
    <Patient>
      <FamilyName>{family}</FamilyName>
      <GivenName>{given}</GivenName>{patient_id}
    </Patient>
  </MsgInfo>
  <Document>
    <DocumentConnection V="H" DN="Hoveddokument"/>
    <RefDoc>
      <IssueDate V="{issued}"/>
      <MsgType V="XML" DN="XML-instans"/>
      <MimeType>text/xml</MimeType>
      <Content>
        <Dialogmelding xmlns="{NS_DIALOG}">
          <Notat>
            <TemaKodet V="{code}" S="{STATUS_CODES}" DN="{status}"/>
            <Tema>Status på henvisning</Tema>
            <TekstNotatInnhold>{text}</TekstNotatInnhold>
            <DatoNotat>{issued}</DatoNotat>
          </Notat>
        </Dialogmelding>
      </Content>
    </RefDoc>
  </Document>
</MsgHead>
"#,
        gen = c.generated.format("%Y-%m-%dT%H:%M:%S"),
        msg_id = esc(&c.message_id),
        clinic = esc(&c.clinic),
        clinic_her = her_ident(&c.clinic_her),
        to = esc(if c.to.sender_name.is_empty() {
            "Henviser"
        } else {
            &c.to.sender_name
        }),
        to_her = her_ident(&c.to.sender_her),
        family = esc(&c.patient_family),
        given = esc(&c.patient_given),
        issued = c.written_on,
        code = c.status.code,
        status = esc(c.status.text),
        text = esc(&c.text),
    )
}

/// "Given Middle Family" → ("Given Middle", "Family").
fn split_name(name: &str) -> (String, String) {
    let name = crate::domain::duplicate::person_name(name);
    match name.rsplit_once(' ') {
        Some((given, family)) => (given.trim().to_string(), family.trim().to_string()),
        None => (String::new(), name.trim().to_string()),
    }
}

/// The reply's text: the decision and what follows from it, from the referrer letter's
/// fields (the same words the printed copy has), and the contact.
pub fn text(outcome: &Outcome, l: &Letter, settings: &ClinicSettings) -> String {
    let mut parts = vec![format!(
        "Henvisningen for {} ({}) er vurdert {}.",
        l.patient_name, l.reference, l.decided
    )];
    match outcome {
        Outcome::Rett { .. } => {
            parts.push(
                "Pasienten har rett til nødvendig helsehjelp i spesialisthelsetjenesten.".into(),
            );
            if !l.frist.is_empty() {
                let kind = if l.care_kind.is_empty() {
                    "helsehjelpen".to_string()
                } else {
                    l.care_kind.clone()
                };
                parts.push(format!(
                    "Juridisk frist for når {kind} skal starte: {}.",
                    l.frist
                ));
            }
            if !l.track.is_empty() {
                parts.push(format!("Tilbud: {}.", trim_dot(&l.track)));
            }
            parts.push(appointment(l));
        }
        Outcome::Sekundaer { .. } => {
            if !l.track.is_empty() {
                parts.push(format!("Tilbud: {}.", trim_dot(&l.track)));
            }
            parts.push(appointment(l));
        }
        Outcome::Avslag { reason, advice } => {
            parts.push(
                "Pasienten har ikke rett til nødvendig helsehjelp i spesialisthelsetjenesten."
                    .into(),
            );
            if !reason.trim().is_empty() {
                parts.push(format!("Begrunnelse: {}.", trim_dot(reason)));
            }
            if !advice.trim().is_empty() {
                parts.push(format!("Råd om videre oppfølging: {}", advice.trim()));
            }
            parts.push(format!(
                "Pasienten kan klage på vurderingen til Statsforvalteren. Klagen sendes til {}.",
                settings.clinic_name
            ));
        }
        Outcome::Videresendt { unit } => {
            parts.push(format!(
                "Henvisningen er videresendt til {}, som vurderer den og svarer pasienten og \
                 henviseren.",
                unit.trim()
            ));
        }
        Outcome::Feilsendt => {
            parts.push(
                "Henvisningen er sendt tilbake: den gjelder ikke vårt fagområde.".to_string(),
            );
        }
    }
    if !l.local_advice.is_empty() {
        parts.push(l.local_advice.clone());
    }
    let mut contact = format!("Kontakt: {}", settings.clinic_name);
    if !l.clinic_phone.is_empty() {
        contact.push_str(&format!(", telefon {}", l.clinic_phone));
    }
    if !l.signer.is_empty() {
        contact.push_str(&format!(
            ". Vurdert av {}{}",
            l.signer,
            if l.signer_title.is_empty() {
                String::new()
            } else {
                format!(", {}", l.signer_title)
            }
        ));
    }
    parts.push(format!("{contact}."));
    parts.join("\n")
}

fn trim_dot(text: &str) -> &str {
    text.trim().trim_end_matches('.')
}

fn appointment(l: &Letter) -> String {
    if l.appointment_referrer.trim().is_empty() {
        "Innkalling følger.".into()
    } else {
        let t = l.appointment_referrer.trim();
        if t.ends_with('.') {
            t.to_string()
        } else {
            format!("{t}.")
        }
    }
}

/// The reply to a referral's current decision, as of `now`. Refused with the reason when the
/// clinic's HER-id is not set, the referral has no decision, or it did not come as a message
/// with the referrer's HER-id (it is then answered by letter).
pub fn plan(
    conn: &Connection,
    settings: &ClinicSettings,
    referral: ReferralId,
    now: NaiveDateTime,
) -> Result<Reply, ReplyError> {
    let refused = |t: String| Err(ReplyError::Refused(t));
    let clinic_her = settings.letters.her_id.trim().to_string();
    if clinic_her.is_empty() {
        return refused(
            "Klinikkens HER-id er ikke satt: legg den inn under Innstillinger → Brev → \
             Elektronisk svar"
                .into(),
        );
    }
    let r = crate::store::referrals::get(conn, referral)?;
    let Some(d) = decisions::current(conn, referral)? else {
        return refused(format!(
            "Henvisning nr. {} er ikke avgjort: det er ingenting å svare",
            referral.0
        ));
    };
    let messages = crate::store::messages::for_referral(conn, referral)?;
    let Some(to) = messages.iter().find(|m| !m.sender_her.is_empty()).cloned() else {
        return refused(format!(
            "Henvisning nr. {} ({}) kom ikke som elektronisk melding med henviserens HER-id: \
             svar henviseren med brev",
            referral.0, r.fields.patient
        ));
    };
    let kind = match &d.outcome {
        Outcome::Sekundaer { .. } => LetterKind::Sekundaer,
        other => LetterKind::for_outcome(other.code()).unwrap_or(LetterKind::Videresendt),
    };
    let care = crate::store::followups::care_start(conn, referral)?;
    let planned = crate::letters::plan_one(
        settings,
        &d,
        &r,
        care,
        (kind, Recipient::Referrer),
        Vec::new(),
        ("", None),
        now.date(),
    );
    let (given, family) = split_name(&r.fields.patient);
    let patient_id = r.fields.national_id.as_ref().map(|n| {
        let kind = match n.as_bytes().first() {
            Some(b'4'..=b'7') => "DNR",
            _ if matches!(n.as_bytes().get(2), Some(b'4'..=b'7')) => "HNR",
            _ => "FNR",
        };
        (n.clone(), kind)
    });
    let message_id = uuid::Uuid::new_v4().to_string();
    let content = Content {
        message_id: message_id.clone(),
        generated: now,
        answers: messages
            .iter()
            .find(|m| m.kind == "ny")
            .map(|m| m.message_id.clone()),
        clinic: settings.clinic_name.clone(),
        clinic_her,
        to,
        patient_given: given,
        patient_family: family,
        patient_id,
        status: status_for(&d.outcome),
        text: {
            let mut t = text(&d.outcome, &planned.letter, settings);
            // A forwarded referral the sender assessed keeps the frist the patient was given.
            if matches!(d.outcome, Outcome::Sekundaer { .. })
                && let Some((a, by)) = crate::store::messages::assessment(conn, referral)?
                && let Some(frist) = a.deadline
            {
                t = t.replacen(
                    '\n',
                    &format!(
                        "\nRettighetsvurdert av {}: juridisk frist {} gjelder.\n",
                        if by.is_empty() { "avsenderen" } else { &by },
                        format_date(frist)
                    ),
                    1,
                );
            }
            t
        },
        written_on: now.date(),
    };
    Ok(Reply {
        referral,
        decision: d.id,
        kind,
        patient: r.fields.patient.clone(),
        file_name: format!("dialogmelding-{}-{message_id}.xml", referral.0),
        message_id,
        xml: xml(&content),
    })
}

/// "Elektronisk svar sendt 24.11.2026" for the detail pane.
pub fn sent_text(on: NaiveDate) -> String {
    format!("Elektronisk svar sendt {}", format_date(on))
}

/// One reply written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub referral: ReferralId,
    pub patient: String,
    pub path: std::path::PathBuf,
}

/// What `send` did: the replies written, and the referrals it could not answer (why).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sending {
    pub sent: Vec<Sent>,
    pub refused: Vec<(ReferralId, String)>,
}

/// Writes the replies to these referrals' current decisions into `folder`, each recorded
/// (letter to the referrer, sent today, with its hash) in the same transaction as its file is
/// written: a reply is either written and recorded, or neither. A referral that cannot be
/// answered electronically is listed with the reason; the others are still written.
pub fn send(
    store: &mut crate::store::Store,
    settings: &ClinicSettings,
    referrals: &[ReferralId],
    folder: &std::path::Path,
    change: crate::store::referrals::Change<'_>,
) -> Result<Sending, String> {
    if !folder.is_dir() {
        return Err(format!(
            "Mappen for elektroniske svar finnes ikke: {}. Velg mappen meldingssystemet henter \
             fra under Innstillinger → Brev → Elektronisk svar.",
            folder.display()
        ));
    }
    let protected = crate::files::Protected::none().database(store.path());
    let mut done = Sending::default();
    for &referral in referrals {
        let reply = match plan(store.conn(), settings, referral, change.at) {
            Ok(r) => r,
            Err(ReplyError::Refused(why)) => {
                done.refused.push((referral, why));
                continue;
            }
            Err(e) => return Err(e.to_string()),
        };
        let path = folder.join(&reply.file_name);
        let shown = crate::files::canonical(&path).display().to_string();
        let written = store.write(|tx| {
            crate::store::letters::record_reply(tx, &reply, &shown, change)?;
            crate::files::write_atomically(&path, reply.xml.as_bytes(), &protected)
                .map_err(StoreError::Rule)
        });
        match written {
            Ok(()) => done.sent.push(Sent {
                referral,
                patient: reply.patient.clone(),
                path,
            }),
            Err(e) => {
                // The commit failed after the file was written: take the file back, so no
                // reply goes out unrecorded.
                if path.exists() {
                    let _ = std::fs::remove_file(&path);
                }
                return Err(format!(
                    "Det elektroniske svaret for henvisning nr. {} ble ikke skrevet: {e}. \
                     Ingenting er sendt for den{}.",
                    referral.0,
                    if done.sent.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; {} svar før den er skrevet og registrert",
                            done.sent.len()
                        )
                    }
                ));
            }
        }
    }
    Ok(done)
}
