//! Renders the printed agenda (and the minutes) to PDF bytes with typst, from the template in
//! assets/agenda.typ and the DejaVu Sans font in assets/fonts. No file I/O here.

use serde::Serialize;
use std::sync::OnceLock;
use typst::foundations::{Dict, Value};
use typst::layout::PagedDocument;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};

const TEMPLATE: &str = include_str!("../../assets/agenda.typ");
const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// One row of the printed agenda.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PrintedItem {
    pub number: usize,
    pub patient: String,
    /// "Primær" / "Sekundær".
    pub kind: String,
    pub birth_year: String,
    pub received: String,
    pub deadline: String,
    /// "3 virkedager igjen", "frist i dag", ...
    pub days_left: String,
    pub must: bool,
    /// Why it is on the agenda ("Siste møte før frist", "Over fristen", ...).
    pub reason: String,
    pub referrer: String,
    pub referrer_kind: String,
    pub problem: String,
    /// Agenda only: what the team prepared, as meeting mode shows it ("Notat: … · presenteres
    /// av Ola Brekke · Lege: Rett – tverrfaglig"); empty when nothing is prepared.
    pub preparation: String,
    /// Minutes only: the recorded outcome.
    pub outcome: String,
    /// Back from a kartleggingssamtale: rights are given, only the track is chosen (the paper
    /// offers Mono/Tverr and prints the mapping summary as the problem).
    pub after_mapping: bool,
}

/// Everything the template prints.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PrintedAgenda {
    /// "agenda" or "referat".
    pub kind: String,
    pub title: String,
    pub clinic: String,
    /// "tirsdag 24.11.2026"
    pub date_text: String,
    pub time: String,
    pub week: u32,
    pub leader: String,
    pub attendees: String,
    /// A warning printed under the heading (overload, missing professions); may be empty.
    pub notice: String,
    pub printed_at: String,
    pub privacy_note: String,
    pub legend: String,
    pub items: Vec<PrintedItem>,
    /// Minutes only: reopenings of the meeting (when, who, why); may be empty.
    pub history: Vec<String>,
    /// Must-decide referrals left off the paper by the print cap (the notice says how many).
    pub left_out_must: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("Kunne ikke sette opp agendaen: {0}")]
    Typeset(String),
    #[error("Kunne ikke lage PDF: {0}")]
    Pdf(String),
}

/// The engine parses the template and fonts once per process; later renders reuse it.
fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder()
            .main_file(TEMPLATE)
            .fonts([FONT_REGULAR, FONT_BOLD])
            .build()
    })
}

/// Typesets the agenda and returns the PDF file's bytes.
pub fn render(agenda: &PrintedAgenda) -> Result<Vec<u8>, PdfError> {
    let json = serde_json::to_string(agenda).map_err(|e| PdfError::Typeset(e.to_string()))?;
    let mut inputs = Dict::new();
    inputs.insert("data".into(), Value::Str(json.into()));
    let doc: PagedDocument = engine()
        .compile_with_input(inputs)
        .output
        .map_err(|e| PdfError::Typeset(format!("{e:?}")))?;
    pdf_bytes(&doc).map_err(PdfError::Pdf)
}

/// The PDF of a typeset document (the agenda, the minutes, the letters), tagged for screen
/// readers. The catalog's `/MarkInfo` says `/Suspects false`, which is correct (ISO 32000)
/// and the default, but poppler before 23.x reports every such file as "Syntax Error:
/// Suspects object is wrong type (boolean)" — a clinic's IT reading that from `pdftotext`
/// would doubt the file. The entry is blanked out with spaces of the same length, so every
/// byte offset in the cross-reference table stays right.
pub fn pdf_bytes(doc: &PagedDocument) -> Result<Vec<u8>, String> {
    let mut bytes =
        typst_pdf::pdf(doc, &typst_pdf::PdfOptions::default()).map_err(|e| format!("{e:?}"))?;
    const ENTRY: &[u8] = b"/Suspects false";
    if let Some(at) = bytes.windows(ENTRY.len()).position(|w| w == ENTRY) {
        bytes[at..at + ENTRY.len()].fill(b' ');
    }
    Ok(bytes)
}
