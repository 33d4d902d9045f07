//! The report as the region reads it: one line per measure (this period, the year before,
//! the change), as an aligned text table or as CSV.

use super::*;

pub(crate) fn count(n: usize, base: Option<usize>) -> Measure {
    Measure::Count {
        n,
        share: base.and_then(|b| share(n, b)),
    }
}

/// The section comparing the disciplines' provisional views with the decisions.
pub const CONSISTENCY: &str = "Samsvar i foreløpige vurderinger";

/// The table's lines, in the order the clinic reports them.
pub fn lines(report: &Report) -> Vec<Line> {
    let build = |f: &Figures| -> Vec<Row> {
        let mut v = intake_rows(f);
        v.extend(deadline_rows(f));
        v.extend(consistency_rows(f));
        v
    };
    let now = build(&report.figures);
    let before = report.previous.as_ref().map(|(_, f)| build(f));
    let mut out: Vec<Line> = now
        .into_iter()
        .map(|(section, label, indent, m)| {
            let prev = before.as_ref().map(|b| {
                b.iter()
                    .find(|(s, l, _, _)| *s == section && *l == label)
                    .map_or_else(|| m.missing(), |x| x.3)
            });
            Line {
                section,
                label,
                indent,
                now: m,
                before: prev,
            }
        })
        .collect();
    // Specialties and reasons seen only in the year before still get a line.
    if let Some(b) = &before {
        for (section, label, indent, m) in b {
            let dynamic = section.starts_with("Mottatte etter spesialitet")
                || section.starts_with("Avslag etter")
                || *section == CONSISTENCY;
            if dynamic
                && !out
                    .iter()
                    .any(|l| l.section == *section && l.label == *label)
            {
                let zero = m.missing();
                let at = out
                    .iter()
                    .rposition(|l| l.section == *section)
                    .map_or(out.len(), |i| i + 1);
                out.insert(
                    at,
                    Line {
                        section,
                        label: label.clone(),
                        indent: *indent,
                        now: zero,
                        before: Some(*m),
                    },
                );
            }
        }
    }
    out
}

/// One table row: section, label, indented under the line above, the measure.
type Row = (&'static str, String, bool, Measure);

/// The referrals received and decided, the tracks, and the meetings held.
fn intake_rows(f: &Figures) -> Vec<Row> {
    let mut v = vec![
        (
            "Henvisninger",
            "Mottatte henvisninger".to_string(),
            false,
            count(f.received, None),
        ),
        (
            "Henvisninger",
            "herav trukket (kansellert)".into(),
            true,
            count(f.withdrawn, Some(f.received)),
        ),
        (
            "Henvisninger",
            "Feilsendt/videresendt".into(),
            false,
            count(f.feilsendt_videresendt, None),
        ),
        (
            "Henvisninger",
            "Behandlede henvisninger".into(),
            false,
            count(f.assessed, Some(f.assessed)),
        ),
        (
            "Henvisninger",
            "herav avslag".into(),
            true,
            count(f.avslag, Some(f.assessed)),
        ),
        (
            "Henvisninger",
            "herav rett til helsehjelp".into(),
            true,
            count(f.rett, Some(f.assessed)),
        ),
        (
            "Henvisninger",
            "Sekundærhenvisninger".into(),
            false,
            count(f.secondary, None),
        ),
    ];
    let tracked = f.rett + f.secondary;
    for t in TRACK_ORDER {
        v.push((
            "Forløp (rett og sekundær)",
            t.to_string(),
            true,
            count(f.tracks.get(t).copied().unwrap_or(0), Some(tracked)),
        ));
    }
    let items: usize = f.meetings.iter().map(|m| m.items).sum();
    let decided: usize = f.meetings.iter().map(|m| m.decided).sum();
    let postponed: usize = f.meetings.iter().map(|m| m.postponed).sum();
    let per_meeting = (!f.meetings.is_empty()).then(|| items as f64 / f.meetings.len() as f64);
    v.extend([
        (
            "Inntaksmøter",
            "Holdte inntaksmøter".to_string(),
            false,
            count(f.meetings.len(), None),
        ),
        (
            "Inntaksmøter",
            "Saker på agendaene".into(),
            false,
            count(items, Some(items)),
        ),
        (
            "Inntaksmøter",
            "herav avgjort i møtet".into(),
            true,
            count(decided, Some(items)),
        ),
        (
            "Inntaksmøter",
            "herav utsatt til neste møte".into(),
            true,
            count(postponed, Some(items)),
        ),
        (
            "Inntaksmøter",
            "Saker per møte, snitt".into(),
            false,
            Measure::Days(per_meeting),
        ),
    ]);
    v
}

/// The deadlines kept, and the referrals by referrer and specialty.
fn deadline_rows(f: &Figures) -> Vec<Row> {
    let mut v = Vec::new();
    v.extend([
        (
            "Frister",
            "Vurdert innen 10 virkedager".to_string(),
            false,
            Measure::Share(share(f.within_deadline, f.assessed)),
        ),
        (
            "Frister",
            "Pasienten informert innen 10 virkedager".into(),
            false,
            Measure::Share(share(f.informed_in_time, f.informed_counted)),
        ),
        (
            "Frister",
            "Informert ukjent (vedtatt før brev i Inntak)".into(),
            false,
            count(f.informed_unknown, None),
        ),
        (
            "Frister",
            "Virkedager til vedtak, median".into(),
            false,
            Measure::Days(f.median_days),
        ),
        (
            "Frister",
            "Virkedager til vedtak, 90-persentil".into(),
            false,
            Measure::Days(f.p90_days),
        ),
        (
            "Frister",
            "Avgjort etter vurderingsfristen".into(),
            false,
            count(f.after_deadline, None),
        ),
        (
            "Frister",
            "Brudd på juridisk frist".into(),
            false,
            count(f.frist_breaches, None),
        ),
    ]);
    for kind in [
        ReferrerKind::Fastlege,
        ReferrerKind::Avtalespesialist,
        ReferrerKind::Sykehusavdeling,
        ReferrerKind::Annet,
    ] {
        let n = f.by_kind.get(kind.label_nb()).copied().unwrap_or(0);
        v.push((
            "Mottatte etter henviser",
            kind.label_nb().to_string(),
            true,
            count(n, Some(f.received)),
        ));
    }
    for (spec, n) in &f.by_specialty {
        v.push((
            "Mottatte etter spesialitet (ikke fastlege)",
            spec.clone(),
            true,
            count(*n, Some(f.received)),
        ));
    }
    v
}

/// The consistency of the provisional views, and the avslag by reason.
fn consistency_rows(f: &Figures) -> Vec<Row> {
    let mut v = Vec::new();
    let c = &f.consistency;
    for a in &c.per_profession {
        let name = a.profession.label_nb();
        v.extend([
            (
                CONSISTENCY,
                format!("{name}: foreløpige vurderinger"),
                false,
                count(a.views, Some(a.views)),
            ),
            (
                CONSISTENCY,
                format!("{name}: enig med vedtaket (rett/avslag)"),
                true,
                count(a.agreed, Some(a.views)),
            ),
            (
                CONSISTENCY,
                format!("{name}: enig også om forløpet"),
                true,
                count(a.agreed_fully, Some(a.views)),
            ),
            (
                CONSISTENCY,
                format!("{name}: Cohens kappa mot vedtaket"),
                true,
                Measure::Kappa(a.kappa),
            ),
        ]);
    }
    if c.compared > 0 {
        v.extend([
            (
                CONSISTENCY,
                "Mellom faggruppene: henvisninger med 2 eller flere vurderinger".to_string(),
                false,
                count(c.compared, None),
            ),
            (
                CONSISTENCY,
                "Parvis enighet (rett/avslag)".into(),
                true,
                Measure::Share(c.pairwise_agreement),
            ),
            (
                CONSISTENCY,
                "Fleiss' kappa".into(),
                true,
                Measure::Kappa(c.fleiss_kappa),
            ),
        ]);
    }
    for (reason, n) in &f.avslag_reasons {
        v.push((
            "Avslag etter begrunnelse",
            reason.clone(),
            true,
            count(*n, Some(f.avslag)),
        ));
    }
    v
}

/// The table as aligned text (for the terminal and the annual report).
pub fn to_text(report: &Report) -> String {
    let lines = lines(report);
    let mut out = format!("Statistikk {}\n", report.title_nb());
    let width = lines
        .iter()
        .map(|l| l.label.chars().count() + if l.indent { 2 } else { 0 })
        .max()
        .unwrap_or(20)
        .max(30);
    let mut section = "";
    let pad = |s: &str, w: usize| format!("{}{s}", " ".repeat(w.saturating_sub(s.chars().count())));
    // A figure column is as wide as its period's label needs ("2025 pr. 2. tertial"), with
    // two spaces before it, and never narrower than 14.
    let column = |label: &str| (label.chars().count() + 2).max(14);
    let now_label = report.period.label_nb();
    let now_width = column(&now_label);
    let before_width = report
        .previous
        .as_ref()
        .map_or(14, |(p, _)| column(&p.label_nb()));
    for l in &lines {
        if l.section != section {
            section = l.section;
            out.push_str(&format!("\n{section}\n"));
            if let Some((p, _)) = &report.previous {
                out.push_str(&format!(
                    "{}{}{}{}{}{}\n",
                    " ".repeat(width),
                    pad(&now_label, now_width),
                    pad("andel", 9),
                    pad(&p.label_nb(), before_width),
                    pad("andel", 9),
                    pad("endring", 10)
                ));
            }
        }
        let label = if l.indent {
            format!("  {}", l.label)
        } else {
            l.label.clone()
        };
        let label = format!(
            "{label}{}",
            " ".repeat(width.saturating_sub(label.chars().count()))
        );
        out.push_str(&label);
        out.push_str(&pad(&l.now.text(), now_width));
        out.push_str(&pad(&l.now.share_text(), 9));
        if let Some(b) = l.before {
            out.push_str(&pad(&b.text(), before_width));
            out.push_str(&pad(&b.share_text(), 9));
            out.push_str(&pad(&l.now.change_text(b), 10));
        }
        out.push('\n');
    }
    out.replace('\u{a0}', " ")
}

/// The table as CSV with `;` (UTF-8 with BOM, decimal comma) for Excel.
pub fn to_csv(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        let mut header = vec![
            "del".to_string(),
            "maal".to_string(),
            format!("antall {}", report.period.label_nb()),
            format!("andel % {}", report.period.label_nb()),
        ];
        if let Some((p, _)) = &report.previous {
            header.push(format!("antall {}", p.label_nb()));
            header.push(format!("andel % {}", p.label_nb()));
            header.push("endring".into());
        }
        w.write_record(&header)?;
        for l in lines(report) {
            let mut row = vec![
                l.section.to_string(),
                l.label.clone(),
                l.now.csv(),
                l.now.csv_share(),
            ];
            if let Some(b) = l.before {
                row.push(b.csv());
                row.push(b.csv_share());
                row.push(l.now.change_text(b).replace('−', "-"));
            }
            w.write_record(row.iter().map(|c| crate::files::csv_cell(c).into_owned()))?;
        }
        w.flush()?;
    }
    Ok(out)
}
