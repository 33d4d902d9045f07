//! Norwegian electronic referrals (the Henvisning message) read from XML files (issue 13):
//! v1.0 and v1.1 (`Message/ServReq`) and v2.0 inside the MsgHead v1.2 envelope. Read with a
//! namespace-aware parser; unknown elements are ignored, and a file that is not a Henvisning
//! is refused with what it is. Each file becomes one row under the import's own column names,
//! so it goes through the same validation as a CSV line.

use crate::domain::ReferrerKind;
pub use crate::domain::message::{
    MessageKind, ReferralMessage as Referral, Sender, SenderAssessment, Version,
};
use crate::import::{FileError, LineError, ParsedFile, validate_lines};
use chrono::NaiveDate;
use roxmltree::{Document, Node};
use std::path::Path;

pub const NS_V1_0: &str = "http://www.kith.no/xmlstds/henvisning/2005-07-08";
pub const NS_V1_1: &str = "http://www.kith.no/xmlstds/henvisning/2012-02-15";
pub const NS_V2_0: &str = "http://ehelse.no/xmlstds/henvisning/2017-11-30";
pub const NS_MSGHEAD: &str = "http://www.kith.no/xmlstds/msghead/2006-05-24";

/// Code systems of the diagnosis concepts (OIDs).
const ICPC2: &str = "2.16.578.1.12.4.1.1.7170";
const ICD10: &str = "2.16.578.1.12.4.1.1.7110";

/// The import columns a Henvisning fills, in the order of `row`.
pub const COLUMNS: [&str; 8] = [
    "henvisning_id",
    "mottatt",
    "pasient",
    "fodselsnummer",
    "fodselsar",
    "henviser",
    "henviser_type",
    "problemstilling",
];

/// Why a file could not be read as a Henvisning; the text is what the user reads.
fn refused(what: String) -> FileError {
    FileError::Refused(what)
}

/// Reads one Henvisning from XML text.
pub fn parse(xml: &str) -> Result<Referral, FileError> {
    let doc = Document::parse(xml).map_err(|e| {
        refused(format!(
            "Filen er ikke gyldig XML ({e}), og kan ikke leses som en henvisning"
        ))
    })?;
    let root = doc.root_element();
    let root_ns = root.tag_name().namespace().unwrap_or("");
    match (root_ns, root.tag_name().name()) {
        (NS_V1_0 | NS_V1_1, "Message") => {
            let version = if root_ns == NS_V1_0 {
                Version::V1_0
            } else {
                Version::V1_1
            };
            let serv_req = child(root, "ServReq").ok_or_else(|| {
                refused("Henvisningen mangler ServReq (selve henvisningen)".into())
            })?;
            read_v1(root, serv_req, version)
        }
        (NS_MSGHEAD, "MsgHead") => {
            let content = path(root, &["Document", "RefDoc", "Content"])
                .and_then(|c| c.children().find(Node::is_element));
            match content {
                Some(h)
                    if h.tag_name().namespace() == Some(NS_V2_0)
                        && h.tag_name().name() == "Henvisning" =>
                {
                    read_v2(root, h)
                }
                Some(other) => Err(refused(format!(
                    "Dette er {}, ikke en henvisning",
                    describe(other.tag_name().name(), root)
                ))),
                None => Err(refused(format!(
                    "Dette er {}, ikke en henvisning",
                    describe("", root)
                ))),
            }
        }
        (_, name) => Err(refused(format!(
            "Dette er {}, ikke en henvisning",
            describe(name, root)
        ))),
    }
}

/// What a message is, for the refusal: "en Dialogmelding", "en Epikrise", ...
fn describe(content: &str, root: Node) -> String {
    let known = [
        ("Dialogmelding", "en Dialogmelding"),
        ("Epikrise", "en Epikrise"),
        ("AppRec", "en applikasjonskvittering (AppRec)"),
        ("Svarrapport", "et prøvesvar (Svarrapport)"),
        ("Rekvisisjon", "en rekvisisjon"),
    ];
    if let Some((_, text)) = known.iter().find(|(name, _)| *name == content) {
        return (*text).to_string();
    }
    if let Some(dn) = path(root, &["MsgInfo", "Type"]).and_then(|t| t.attribute("DN")) {
        return format!("en melding av typen «{dn}»");
    }
    if content.is_empty() || content == root.tag_name().name() {
        format!("et XML-dokument med rot «{}»", root.tag_name().name())
    } else {
        format!("et XML-dokument med innholdet «{content}»")
    }
}

fn read_v1(message: Node, req: Node, version: Version) -> Result<Referral, FileError> {
    let patient = child(req, "Patient");
    let national_id = patient
        .filter(|p| {
            child(*p, "TypeOffId")
                .and_then(|t| t.attribute("V"))
                .is_some_and(is_national_id_type)
        })
        .and_then(|p| text_of(p, "OffId"))
        .unwrap_or_default();
    let hcp = path(req, &["Requester", "HCP"]);
    let inst = hcp.and_then(|h| child(h, "Inst"));
    let person = inst
        .and_then(|i| child(i, "HCPerson"))
        .or_else(|| hcp.and_then(|h| child(h, "HCProf")));
    let organisation = inst.and_then(|i| text_of(i, "Name")).unwrap_or_default();
    let person_name = person.and_then(|p| text_of(p, "Name")).unwrap_or_default();
    let hpr = person.and_then(|p| id_of(p, "HPR"));
    let role_six = req
        .descendants()
        .any(|n| is(n, "RoleToPatient") && n.attribute("V") == Some("6"));
    let (referrer_kind, referrer_kind_known) = kind(role_six, &organisation);
    let own_id = text_of(req, "Id").unwrap_or_default();
    let her = |node: Option<Node>| node.and_then(|n| id_of(n, "HER")).unwrap_or_default();
    Ok(Referral {
        version,
        kind: MessageKind::parse(child(req, "ServType").and_then(|t| t.attribute("V")))
            .map_err(refused)?,
        // v1.0 and v1.1 put MsgId directly under Message (some systems wrap it in MsgInfo);
        // without one, the referral's own ServReq/Id still tells the same message twice.
        message_id: path(message, &["MsgInfo", "MsgId"])
            .or_else(|| child(message, "MsgId"))
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| own_id.clone()),
        own_id,
        parent_ref: String::new(),
        conversation_ref: String::new(),
        comment: comment(req),
        assessment: None,
        sender: Sender {
            organisation: organisation.clone(),
            organisation_her: her(inst),
            person: person_name.clone(),
            person_her: her(person),
        },
        patient: patient.and_then(|p| text_of(p, "Name")).unwrap_or_default(),
        national_id,
        birth_year: birth_year(patient),
        referrer: referrer_text(&person_name, hpr.as_deref(), &organisation),
        referrer_kind,
        referrer_kind_known,
        problem: problem(req),
        diagnoses: diagnoses(req),
        written_on: child(req, "IssueDate").and_then(date_of),
        seniority_date: None,
        patient_address: address(patient, &["H", "HP", "PST"]).unwrap_or_default(),
        referrer_address: organisation_address(inst),
    })
}

fn read_v2(head: Node, henvisning: Node) -> Result<Referral, FileError> {
    let info = child(head, "MsgInfo");
    let patient = info.and_then(|i| child(i, "Patient"));
    let ident = patient.and_then(|p| {
        p.children().filter(|n| is(*n, "Ident")).find(|i| {
            child(*i, "TypeId")
                .and_then(|t| t.attribute("V"))
                .is_some_and(is_national_id_type)
        })
    });
    let name = patient.map_or_else(String::new, full_name);
    let organisation_node = info.and_then(|i| path(i, &["Sender", "Organisation"]));
    let organisation = organisation_node
        .and_then(|o| text_of(o, "OrganisationName"))
        .unwrap_or_default();
    let professional =
        organisation_node.and_then(|o| o.descendants().find(|n| is(*n, "HealthcareProfessional")));
    let person_name = professional.map_or_else(String::new, full_name);
    let hpr = professional.and_then(|p| id_of(p, "HPR"));
    let role_six = head
        .descendants()
        .chain(henvisning.descendants())
        .any(|n| is(n, "RoleToPatient") && n.attribute("V") == Some("6"));
    let (referrer_kind, referrer_kind_known) = kind(role_six, &organisation);
    // A forwarded referral keeps the date its clock started (TypeDato 1 = ansiennitetsdato).
    let seniority_date = dated(henvisning, "1");
    let her = |node: Option<Node>| node.and_then(|n| id_of(n, "HER")).unwrap_or_default();
    let conversation = info.and_then(|i| child(i, "ConversationRef"));
    let own_id = text_of(henvisning, "Id")
        .or_else(|| {
            henvisning
                .ancestors()
                .find(|n| is(*n, "RefDoc"))
                .and_then(|d| text_of(d, "Id"))
        })
        .unwrap_or_default();
    let message_id = info
        .and_then(|i| text_of(i, "MsgId"))
        .unwrap_or_else(|| own_id.clone());
    Ok(Referral {
        version: Version::V2_0,
        kind: MessageKind::parse(child(henvisning, "ServType").and_then(|t| t.attribute("V")))
            .map_err(refused)?,
        message_id,
        own_id,
        parent_ref: conversation
            .and_then(|c| text_of(c, "RefToParent"))
            .unwrap_or_default(),
        conversation_ref: conversation
            .and_then(|c| text_of(c, "RefToConversation"))
            .unwrap_or_default(),
        comment: comment(henvisning),
        assessment: assessment(henvisning),
        sender: Sender {
            organisation: organisation.clone(),
            organisation_her: her(organisation_node),
            person: person_name.clone(),
            person_her: her(professional),
        },
        patient: name,
        national_id: ident.and_then(|i| text_of(i, "Id")).unwrap_or_default(),
        birth_year: birth_year(patient),
        referrer: referrer_text(&person_name, hpr.as_deref(), &organisation),
        referrer_kind,
        referrer_kind_known,
        problem: problem(henvisning),
        diagnoses: diagnoses(henvisning),
        written_on: info.and_then(|i| child(i, "GenDate")).and_then(date_of),
        seniority_date,
        patient_address: address(patient, &["H", "HP", "PST"]).unwrap_or_default(),
        referrer_address: organisation_address(organisation_node),
    })
}

/// `ReqComment` (a cancellation's or change's reason), as written.
fn comment(scope: Node) -> String {
    scope
        .descendants()
        .filter(|n| is(*n, "ReqComment"))
        .map(written_text)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A `DatoMottakOgVurdering` date in `scope` by its `TypeDato` (kodeverk 9147: 1
/// ansiennitetsdato, 2 vurderingsdato, 3 frist, 4 ventetid sluttdato).
fn dated(scope: Node, code: &str) -> Option<NaiveDate> {
    scope
        .descendants()
        .filter(|n| is(*n, "DatoMottakOgVurdering"))
        .find(|n| child(*n, "TypeDato").and_then(|t| t.attribute("V")) == Some(code))
        .and_then(|n| child(n, "Dato"))
        .and_then(date_of)
}

/// A forwarded referral's `VurderingAvHenvisning`, when it says the outcome of a rights
/// assessment (`RettTilHelsehjelp` or `UtfallAvVurdering`); dates alone (an
/// ansiennitetsdato) are no assessment.
fn assessment(henvisning: Node) -> Option<SenderAssessment> {
    let v = henvisning
        .descendants()
        .find(|n| is(*n, "VurderingAvHenvisning"))?;
    let dated = |code: &str| dated(v, code);
    let right = child(v, "RettTilHelsehjelp");
    let outcome = child(v, "UtfallAvVurdering");
    if right.is_none() && outcome.is_none() {
        return None;
    }
    let has_right = right.and_then(|r| {
        let value = r
            .attribute("V")
            .or_else(|| r.text())
            .unwrap_or("")
            .trim()
            .to_lowercase();
        let shown = r.attribute("DN").unwrap_or("").to_lowercase();
        match value.as_str() {
            "true" | "1" | "j" | "ja" => Some(true),
            "false" | "0" | "2" | "n" | "nei" => Some(false),
            _ if shown.contains("ikke") => Some(false),
            _ if shown.contains("rett") => Some(true),
            _ => None,
        }
    });
    Some(SenderAssessment {
        has_right,
        assessed_on: dated("2"),
        deadline: dated("3"),
        waiting_end: dated("4"),
        seniority_on: dated("1"),
        outcome: outcome
            .and_then(|o| {
                o.attribute("DN")
                    .or_else(|| o.attribute("V"))
                    .or_else(|| o.text())
            })
            .map(as_written)
            .unwrap_or_default(),
    })
}

/// "Given Middle Family", from MsgHead's name parts.
fn full_name(person: Node) -> String {
    ["GivenName", "MiddleName", "FamilyName"]
        .iter()
        .filter_map(|n| text_of(person, n))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The year of `DateOfBirth`, when the patient element has one.
fn birth_year(patient: Option<Node>) -> Option<i32> {
    use chrono::Datelike;
    patient
        .and_then(|p| child(p, "DateOfBirth"))
        .and_then(date_of)
        .map(|d| d.year())
}

fn is_national_id_type(v: &str) -> bool {
    matches!(v, "FNR" | "DNR" | "HNR")
}

/// Fastlege when the message says so (role 6, "fastlege" in the role's or organisation's
/// name, a legesenter or legekontor); otherwise unknown, shown as "annet" for the user to
/// confirm.
fn kind(role_six: bool, organisation: &str) -> (ReferrerKind, bool) {
    let org = organisation.to_lowercase();
    if role_six
        || [
            "fastlege",
            "legesenter",
            "legekontor",
            "legesenteret",
            "legekontoret",
        ]
        .iter()
        .any(|w| org.contains(w))
    {
        (ReferrerKind::Fastlege, true)
    } else {
        (ReferrerKind::Annet, false)
    }
}

fn referrer_text(person: &str, hpr: Option<&str>, organisation: &str) -> String {
    let mut text = person.trim().to_string();
    if let Some(hpr) = hpr.filter(|h| !h.trim().is_empty()) {
        if text.is_empty() {
            text = format!("HPR {}", hpr.trim());
        } else {
            text = format!("{text} (HPR {})", hpr.trim());
        }
    }
    match (text.is_empty(), organisation.trim().is_empty()) {
        (_, true) => text,
        (true, false) => organisation.trim().to_string(),
        (false, false) => format!("{text}, {}", organisation.trim()),
    }
}

/// How much raw text of a problemstilling is read (1 MB: far more than the 4,000 characters
/// the field holds, even as an indented file's layout).
const RAW_TEXT_LIMIT: usize = 1 << 20;

/// An element's text as written (see `as_written`). At most RAW_TEXT_LIMIT bytes of the raw
/// text are read: more cannot fold into a text a field holds (it is refused as too long).
fn written_text(element: Node) -> String {
    let mut raw = String::new();
    for t in element.descendants().filter(|t| t.is_text()) {
        let t = t.text().unwrap_or("");
        let room = RAW_TEXT_LIMIT.saturating_sub(raw.len());
        let mut end = t.len().min(room);
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        raw.push_str(&t[..end]);
        if raw.len() >= RAW_TEXT_LIMIT {
            break;
        }
    }
    as_written(&raw)
}

/// The "Aktuell problemstilling" (`ReasonAsText` with `Heading V="PROB"`); the other
/// headings' texts are not the problem statement.
fn problem(scope: Node) -> String {
    scope
        .descendants()
        .filter(|n| is(*n, "ReasonAsText"))
        .filter(|n| child(*n, "Heading").and_then(|h| h.attribute("V")) == Some("PROB"))
        .map(|n| {
            n.children()
                .filter(|c| c.is_element() && !is(*c, "Heading"))
                .map(written_text)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
        .chars()
        // Longer than the field holds is refused anyway: keep one character over the limit
        // (so the refusal says "for lang"), not 50 MB of copies on the way there.
        .take(crate::domain::referral::MAX_LONG + 1)
        .collect()
}

/// A text as its writer wrote it, without the XML file's layout: the indentation and line
/// breaks of a pretty-printed message are folded to single spaces within a paragraph, and an
/// empty line (a paragraph break) is kept as one line break.
fn as_written(text: &str) -> String {
    // Built as it goes (no list of words: a 50 MB text has millions).
    let mut out = String::with_capacity(text.len().min(1 << 20));
    // Whether the paragraph being built has words, and whether an empty line came after them.
    let (mut in_paragraph, mut broken) = (false, false);
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            broken |= in_paragraph;
            continue;
        }
        for word in words {
            if broken {
                out.push('\n');
                broken = false;
            } else if in_paragraph {
                out.push(' ');
            }
            out.push_str(word);
            in_paragraph = true;
        }
    }
    out
}

/// Diagnoses as "code text (system)", joined; at most 120 characters (the column's limit),
/// cut at a whole diagnosis where it can be.
fn diagnoses(scope: Node) -> String {
    let all: Vec<String> = scope
        .descendants()
        .filter(|n| is(*n, "Diagnosis"))
        .filter_map(|d| {
            let concept = child(d, "Concept").unwrap_or(d);
            let code = concept.attribute("V")?.trim();
            let system = match concept.attribute("S").unwrap_or("") {
                ICPC2 => " (ICPC-2)",
                ICD10 => " (ICD-10)",
                _ => "",
            };
            let name = concept.attribute("DN").unwrap_or("").trim();
            Some(
                format!("{code} {name}{system}")
                    .replace("  ", " ")
                    .trim()
                    .to_string(),
            )
        })
        .collect();
    let mut text = String::new();
    for d in all {
        let next = if text.is_empty() {
            d
        } else {
            format!("{text}; {d}")
        };
        if next.chars().count() > 120 {
            if text.is_empty() {
                text = next.chars().take(120).collect();
            }
            break;
        }
        text = next;
    }
    text
}

/// A date as the message writes it: `V="2024-04-12"` (or a date-time), or as text.
fn date_of(node: Node) -> Option<NaiveDate> {
    let raw = node.attribute("V").or_else(|| node.text())?.trim();
    raw.get(..10).and_then(|d| d.parse().ok())
}

/// A person's or organisation's id of one kind ("HPR", "HER"): its own `Id` when its
/// `TypeId` is that kind (v1.x), else the `Ident` of that kind (MsgHead).
fn id_of(owner: Node, kind: &str) -> Option<String> {
    let typed = child(owner, "TypeId").and_then(|t| t.attribute("V")) == Some(kind);
    if typed {
        return text_of(owner, "Id");
    }
    owner
        .children()
        .filter(|n| is(*n, "Ident"))
        .find(|i| child(*i, "TypeId").and_then(|t| t.attribute("V")) == Some(kind))
        .and_then(|i| text_of(i, "Id"))
}

/// An element of one of the Henvisning's or MsgHead's namespaces, by local name.
fn is(node: Node, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && matches!(
            node.tag_name().namespace(),
            Some(NS_V1_0 | NS_V1_1 | NS_V2_0 | NS_MSGHEAD)
        )
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| is(*n, name))
}

fn path<'a, 'i>(node: Node<'a, 'i>, names: &[&str]) -> Option<Node<'a, 'i>> {
    names.iter().try_fold(node, |n, name| child(n, name))
}

fn text_of(node: Node, name: &str) -> Option<String> {
    child(node, name)
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Whether a path names an XML file by its extension.
pub fn is_xml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
}

/// The import columns of a Henvisning row (our names), as `row` fills them.
pub fn header() -> Vec<String> {
    COLUMNS
        .iter()
        .chain(["diagnosegruppe", "fagfelt"].iter())
        .chain(ADDRESS_COLUMNS.iter())
        .chain(["sekundaer"].iter())
        .map(|c| (*c).to_string())
        .collect()
}

/// The address columns `row` fills after the diagnoses and the specialty.
const ADDRESS_COLUMNS: [&str; 4] = ["adresse", "postnummer", "poststed", "henviser_adresse"];

/// A KITH `Address` element's street, postnummer and poststed, when all three are there and
/// the postnummer is Norwegian (four digits); a partial or foreign address is left for the
/// user rather than refused. `preferred` picks the address type (H: home, PST: postal).
fn address(owner: Option<Node>, preferred: &[&str]) -> Option<[String; 3]> {
    let owner = owner?;
    let all: Vec<Node> = owner.children().filter(|n| is(*n, "Address")).collect();
    let is_kind =
        |a: &Node, wanted: &str| child(*a, "Type").and_then(|t| t.attribute("V")) == Some(wanted);
    let chosen = preferred
        .iter()
        .find_map(|p| all.iter().find(|a| is_kind(a, p)))
        .or(all.first())?;
    let street = text_of(*chosen, "StreetAdr")?;
    let postcode = text_of(*chosen, "PostalCode")?;
    let city = text_of(*chosen, "City")?;
    (postcode.len() == 4 && postcode.bytes().all(|b| b.is_ascii_digit()))
        .then_some([street, postcode, city])
}

/// The organisation's address as one line of the import ("Storgata 1 / 0155 OSLO").
fn organisation_address(org: Option<Node>) -> String {
    address(org, &["PST", "RES", "BUS"])
        .map(|[street, postcode, city]| format!("{street} / {postcode} {city}"))
        .unwrap_or_default()
}

/// Reads one file as a Henvisning; the error is the sentence the user reads.
pub fn read_one(path: &Path) -> Result<Referral, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("kan ikke leses: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| "er ikke UTF-8-tekst".to_string())?;
    parse(text.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())
}

/// A file's name as messages show it.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The file a Henvisning import's line stands for (its place in the list, 1 for the first).
pub fn file_of_line(names: &[String], line: u64) -> &str {
    usize::try_from(line)
        .ok()
        .and_then(|l| names.get(l.wrapping_sub(1)))
        .map_or("", String::as_str)
}

/// A line error of a Henvisning import as the user reads it, on the command line and in the
/// window: the file named in place of the line number ("dialogmelding.xml: Dette er en
/// Dialogmelding, …", "v1_1.xml: pasient: mangler").
pub fn error_text(e: &LineError, names: &[String]) -> String {
    let name = file_of_line(names, e.line);
    if e.field == name {
        format!("{name}: {}", e.message)
    } else {
        format!("{name}: {}: {}", e.field, e.message)
    }
}

/// Reads Henvisning files into one parsed import: one row per file (its line number is the
/// file's place in the list, 1 for the first), under `header()`. A file that cannot be read
/// as a Henvisning is an error row naming the file, so the rest can still be shown and
/// imported with `--skip-invalid`.
pub fn read_files(
    paths: &[std::path::PathBuf],
    received: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(ParsedFile, Vec<Option<Referral>>), FileError> {
    let read: Vec<Result<Referral, String>> = paths.iter().map(|p| read_one(p)).collect();
    let lines: Vec<Result<(u64, Vec<String>), LineError>> = paths
        .iter()
        .zip(&read)
        .enumerate()
        .map(|(i, (p, r))| {
            let line = i as u64 + 1;
            match r {
                Ok(r) => Ok((
                    line,
                    row(r, r.received_on(received, today), r.referrer_kind, ""),
                )),
                Err(message) => Err(LineError {
                    line,
                    field: file_name(p),
                    message: message.clone(),
                }),
            }
        })
        .collect();
    let parsed = validate_lines(header(), lines.into_iter(), today)?;
    Ok((parsed, read.into_iter().map(Result::ok).collect()))
}

/// One Henvisning as an import row under `header()`, with the received date, the referrer
/// kind and the specialty the user confirmed (the message's own when not changed).
pub fn row(r: &Referral, received: NaiveDate, kind: ReferrerKind, specialty: &str) -> Vec<String> {
    vec![
        r.message_id.clone(),
        received.to_string(),
        r.patient.clone(),
        r.national_id.clone(),
        r.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        r.referrer.clone(),
        kind.code().to_string(),
        r.problem.clone(),
        r.diagnoses.clone(),
        specialty.to_string(),
        r.patient_address[0].clone(),
        r.patient_address[1].clone(),
        r.patient_address[2].clone(),
        r.referrer_address.clone(),
        if r.is_assessed() { "ja" } else { "nei" }.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::as_written;

    #[test]
    fn text_is_as_written_without_the_files_layout() {
        let layout = "\n\t\t\tSmerter i korsrygg\n\t\t\ti tre år.\n\n\n\t\t\tØnsker  tverrfaglig\tvurdering.\n\t\t";
        assert_eq!(
            as_written(layout),
            "Smerter i korsrygg i tre år.\nØnsker tverrfaglig vurdering."
        );
        assert_eq!(as_written("  \n\t\n"), "");
        assert_eq!(as_written("Én linje"), "Én linje");
        assert_eq!(as_written("a\r\nb\r\n\r\nc"), "a b\nc");
    }
}
