//! Typesets letters to PDF bytes with typst, from the templates in assets/letters/ and the
//! DejaVu Sans font in assets/fonts. No file I/O here.

use super::Letter;
use serde::Serialize;
use std::sync::OnceLock;
use typst::foundations::{Dict, Value};
use typst::layout::PagedDocument;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};

const MAIN: &str = include_str!("../../assets/letters/brev.typ");
const PARTS: [(&str, &str); 10] = [
    (
        "brevhode.typ",
        include_str!("../../assets/letters/brevhode.typ"),
    ),
    (
        "rett-pasient.typ",
        include_str!("../../assets/letters/rett-pasient.typ"),
    ),
    (
        "rett-henviser.typ",
        include_str!("../../assets/letters/rett-henviser.typ"),
    ),
    (
        "avslag-pasient.typ",
        include_str!("../../assets/letters/avslag-pasient.typ"),
    ),
    (
        "avslag-henviser.typ",
        include_str!("../../assets/letters/avslag-henviser.typ"),
    ),
    (
        "videresendt-pasient.typ",
        include_str!("../../assets/letters/videresendt-pasient.typ"),
    ),
    (
        "videresendt-henviser.typ",
        include_str!("../../assets/letters/videresendt-henviser.typ"),
    ),
    (
        "fristbrudd-pasient.typ",
        include_str!("../../assets/letters/fristbrudd-pasient.typ"),
    ),
    (
        "fristbrudd-helfo.typ",
        include_str!("../../assets/letters/fristbrudd-helfo.typ"),
    ),
    (
        "sekundaer-pasient.typ",
        include_str!("../../assets/letters/sekundaer-pasient.typ"),
    ),
];
const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

#[derive(Debug, thiserror::Error)]
pub enum LetterPdfError {
    #[error("Kunne ikke sette opp brevene: {0}")]
    Typeset(String),
    #[error("Kunne ikke lage PDF av brevene: {0}")]
    Pdf(String),
}

#[derive(Serialize)]
struct Doc<'a> {
    title: String,
    clinic: &'a str,
    letters: &'a [&'a Letter],
}

/// The engine parses the templates and fonts once per process; later renders reuse it.
fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder()
            .main_file(("brev.typ", MAIN))
            .with_static_source_file_resolver(PARTS)
            .fonts([FONT_REGULAR, FONT_BOLD])
            .build()
    })
}

/// One page of a letter as pixels (premultiplied RGBA, row by row), for the preview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageImage {
    pub width: u32,
    pub height: u32,
    pub rgba_premultiplied: Vec<u8>,
}

/// Typesets the letters and rasterises every page at `pixel_per_pt` (typst's own renderer:
/// the preview is the document the PDF is written from).
pub fn pages(letters: &[&Letter], pixel_per_pt: f32) -> Result<Vec<PageImage>, LetterPdfError> {
    let compiled = compile(letters)?;
    Ok(compiled
        .pages
        .iter()
        .map(|page| {
            let pixmap = typst_render::render(page, pixel_per_pt);
            PageImage {
                width: pixmap.width(),
                height: pixmap.height(),
                rgba_premultiplied: pixmap.data().to_vec(),
            }
        })
        .collect())
}

/// Typesets the letters, each from a new page, into one PDF.
pub fn render(letters: &[&Letter]) -> Result<Vec<u8>, LetterPdfError> {
    let compiled = compile(letters)?;
    crate::agenda::pdf::pdf_bytes(&compiled).map_err(LetterPdfError::Pdf)
}

fn compile(letters: &[&Letter]) -> Result<PagedDocument, LetterPdfError> {
    let clinic = letters.first().map_or("", |l| l.clinic.as_str());
    let doc = Doc {
        title: format!("Brev fra {clinic}"),
        clinic,
        letters,
    };
    let json = serde_json::to_string(&doc).map_err(|e| LetterPdfError::Typeset(e.to_string()))?;
    let mut inputs = Dict::new();
    inputs.insert("data".into(), Value::Str(json.into()));
    engine()
        .compile_with_input(inputs)
        .output
        .map_err(|e| LetterPdfError::Typeset(format!("{e:?}")))
}
