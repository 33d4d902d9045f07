//! The referral queue's view model: rows with their deadlines computed once, counts for the
//! header, and filtering. Pure: no egui, no database.

use crate::calendar::WorkingDayRule;
use crate::domain::renewal::{Renewal, classify, counts_as_assessment};
use crate::domain::{Referral, ReferralId, ReferralStatus, ReferrerKind};
use chrono::{Datelike, Days, NaiveDate};

/// How urgent an open referral is; decides the row colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// The deadline has passed.
    Overdue,
    /// Two working days or fewer left (including today).
    DueSoon,
    OnTrack,
    /// Not open: decided or withdrawn. No clock running.
    Closed,
}

/// A count of working days as a row keeps it (4 bytes, not 8: 100,000 rows in the window).
fn days(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX })
}

/// Working days left at or below which a referral is "due soon".
pub const DUE_SOON_WORKING_DAYS: i64 = 2;

/// One referral as the queue shows it. Its texts are kept in one allocation (see
/// [`RowTexts`]) and read through the accessors.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub id: ReferralId,
    pub received_on: NaiveDate,
    pub deadline: NaiveDate,
    /// `None` for referrals that are not open.
    pub working_days_left: Option<i32>,
    texts: RowTexts,
    /// The referrer's name, the specialty and the diagnosis group, as indices into the
    /// model's [`QueueModel::strings`] (few distinct values, shared by many rows).
    shared: [u32; 3],
    pub referrer_kind: ReferrerKind,
    pub is_secondary: bool,
    pub status: ReferralStatus,
    pub urgency: Urgency,
    /// The latest upcoming meeting on or before the deadline (open referrals; see
    /// [`QueueModel::set_meetings`]). `None` for an open one: no meeting left before the deadline.
    pub last_meeting: Option<NaiveDate>,
    /// Decided, and the patient not informed yet: working days left to the vurderingsfrist
    /// (negative: past it). See [`QueueModel::set_letters`].
    pub not_informed: Option<i32>,
}

/// A row's own texts (patient, external id, fødselsnummer) in one allocation, each ending at
/// its offset in `ends`; an absent external id or fødselsnummer is marked in `present`.
/// (Seven strings a row cost about 250 bytes more: 25 MB of the window's memory at 100,000
/// referrals.) The texts many rows share are kept once in the model; the problemstilling is
/// not kept: it is the longest text, and only the search and a running meeting need it
/// ([`QueueModel::set_problems`], `MeetingView::problem`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct RowTexts {
    text: Box<str>,
    ends: [u16; 3],
    /// Bit 0: external id given; bit 1: fødselsnummer given.
    present: u8,
}

/// The order of the texts in [`RowTexts`].
#[derive(Clone, Copy)]
enum Text {
    Patient,
    ExternalId,
    NationalId,
}

/// The shared texts' places in [`QueueRow::shared`].
const REFERRER: usize = 0;
const SPECIALTY: usize = 1;
const DIAGNOSIS: usize = 2;

impl RowTexts {
    fn new(f: &crate::domain::ReferralFields) -> Self {
        let parts = [
            f.patient.as_str(),
            f.external_id.as_deref().unwrap_or(""),
            f.national_id.as_deref().unwrap_or(""),
        ];
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u16; 3];
        for (end, part) in ends.iter_mut().zip(parts) {
            // The rules allow 120 characters for a name and 64 for an id (under 800 bytes
            // together); a file edited outside Inntak could hold more, and the queue then
            // shows what fits in 64 KiB (the detail pane reads the whole referral).
            let room = usize::from(u16::MAX) - text.len();
            let mut cut = part.len().min(room);
            while !part.is_char_boundary(cut) {
                cut -= 1;
            }
            text.push_str(&part[..cut]);
            *end = u16::try_from(text.len()).unwrap_or(u16::MAX);
        }
        let present = u8::from(f.external_id.is_some()) | (u8::from(f.national_id.is_some()) << 1);
        Self {
            text: text.into_boxed_str(),
            ends,
            present,
        }
    }

    fn get(&self, which: Text) -> &str {
        let i = which as usize;
        let start = if i == 0 {
            0
        } else {
            usize::from(self.ends[i - 1])
        };
        &self.text[start..usize::from(self.ends[i])]
    }
}

impl QueueRow {
    pub fn patient(&self) -> &str {
        self.texts.get(Text::Patient)
    }

    pub fn external_id(&self) -> Option<&str> {
        (self.texts.present & 1 != 0).then(|| self.texts.get(Text::ExternalId))
    }

    pub fn national_id(&self) -> Option<&str> {
        (self.texts.present & 2 != 0).then(|| self.texts.get(Text::NationalId))
    }

    /// "Ikke informert – 2 virkedager igjen" for a decided referral whose patient letter is
    /// not sent; `None` otherwise.
    pub fn informed_text(&self) -> Option<String> {
        self.not_informed.map(|days_left| {
            crate::domain::letter::Informed::NotYet {
                days_left: i64::from(days_left),
            }
            .label_nb()
        })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub open: usize,
    /// Back from a kartleggingssamtale, waiting for the meeting's track choice.
    pub after_mapping: usize,
    pub overdue: usize,
    /// Open, not overdue, with the deadline in [`work_week`] (this week; on a weekend, the
    /// coming one).
    pub due_this_week: usize,
    pub total: usize,
    /// Open, not yet overdue, and no upcoming meeting on or before the deadline.
    pub no_meeting_before_deadline: usize,
    /// Decided, and the patient not informed yet (patient letter not marked sent).
    pub not_informed: usize,
}

/// The Sunday that ends the work week `today` belongs to. On Saturday and Sunday the week
/// being planned is the coming one, so that week's Sunday is returned.
pub fn work_week_end(today: NaiveDate) -> NaiveDate {
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let monday = if today.weekday().num_days_from_monday() >= 5 {
        monday + Days::new(7)
    } else {
        monday
    };
    monday + Days::new(6)
}

/// The ISO week number of the work week `today` belongs to (see [`work_week_end`]).
pub fn work_week(today: NaiveDate) -> u32 {
    work_week_end(today).iso_week().week()
}

/// Which statuses the queue shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusFilter {
    #[default]
    Open,
    All,
    Only(ReferralStatus),
    /// Decided, but the patient letter is not marked sent: the patient is not informed yet.
    NotInformed,
}

impl StatusFilter {
    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Open => "Åpne (til vurdering og ny vurdering)",
            Self::All => "Alle",
            Self::Only(s) => s.label_nb(),
            Self::NotInformed => "Ikke informert (brev ikke sendt)",
        }
    }

    pub fn choices() -> Vec<Self> {
        let mut v = vec![Self::Open, Self::NotInformed, Self::All];
        v.extend(
            ReferralStatus::ALL
                .into_iter()
                .filter(|s| !s.is_open())
                .map(Self::Only),
        );
        v
    }

    fn accepts(self, row: &QueueRow) -> bool {
        let status = row.status;
        match self {
            Self::NotInformed => row.not_informed.is_some(),
            // Back from a kartleggingssamtale: waiting for the meeting's track choice.
            Self::Open => status.awaits_meeting(),
            Self::All => true,
            Self::Only(s) => s == status,
        }
    }
}

/// What the user filters the queue by, and the column it is sorted by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub text: String,
    pub status: StatusFilter,
    pub referrer_kind: Option<ReferrerKind>,
    pub sort: QueueSort,
    /// Only these referrals (the ones an import just added), until the user shows all.
    pub only: Option<OnlyThese>,
}

/// A set of referrals the queue is narrowed to, compared by identity (it is the filter
/// cache's key; comparing 100,000 ids every frame would be waste).
#[derive(Clone, Debug)]
pub struct OnlyThese(pub std::sync::Arc<std::collections::HashSet<ReferralId>>);

impl PartialEq for OnlyThese {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for OnlyThese {}

/// The queue's columns, in the table's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortColumn {
    Received,
    Patient,
    #[default]
    Deadline,
    WorkingDaysLeft,
    Status,
    LastMeeting,
    Referrer,
    Kind,
    Secondary,
}

impl SortColumn {
    pub const ALL: [Self; 9] = [
        Self::Received,
        Self::Patient,
        Self::Deadline,
        Self::WorkingDaysLeft,
        Self::Status,
        Self::LastMeeting,
        Self::Referrer,
        Self::Kind,
        Self::Secondary,
    ];

    /// The column's header.
    pub fn title_nb(self) -> &'static str {
        match self {
            Self::Received => "Mottatt",
            Self::Patient => "Pasient",
            Self::Deadline => "Vurderingsfrist",
            Self::WorkingDaysLeft => "Virkedager igjen",
            Self::Status => "Status",
            Self::LastMeeting => "Siste møte før frist",
            Self::Referrer => "Henviser",
            Self::Kind => "Type",
            Self::Secondary => "Prim./sek.",
        }
    }
}

/// The queue's order: a column and its direction. The default is the legal order (earliest
/// vurderingsfrist first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct QueueSort {
    pub column: SortColumn,
    pub descending: bool,
}

impl QueueSort {
    /// A click on `column`'s header: the same column turns the direction, another starts
    /// ascending.
    pub fn clicked(self, column: SortColumn) -> Self {
        if self.column == column {
            Self {
                column,
                descending: !self.descending,
            }
        } else {
            Self {
                column,
                descending: false,
            }
        }
    }
}

/// Where to look for a patient's earlier assessments of the same condition: a hash of the
/// fødselsnummer and the trimmed, lower-cased diagnosis group (`None` without either). Only
/// where to look: the rows found are compared in full ([`same_condition`]).
fn renewal_hash(national_id: Option<&str>, group: &str) -> Option<u64> {
    use std::hash::Hasher;
    let national_id = national_id?;
    let group = group.trim();
    if group.is_empty() {
        return None;
    }
    // A fixed-key hasher: the same text gives the same hash in every build.
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(national_id.as_bytes());
    hasher.write_u8(0x1f);
    for c in group.chars().flat_map(char::to_lowercase) {
        hasher.write_u32(u32::from(c));
    }
    Some(hasher.finish())
}

/// The same patient and condition: equal fødselsnummer and diagnosis group (trimmed, case
/// ignored).
fn same_condition(row: &QueueRow, row_group: &str, national_id: Option<&str>, group: &str) -> bool {
    national_id.is_some()
        && row.national_id() == national_id
        && row_group
            .trim()
            .chars()
            .flat_map(char::to_lowercase)
            .eq(group.trim().chars().flat_map(char::to_lowercase))
}

/// All referrals as queue rows, sorted by deadline (then receipt, then id).
#[derive(Clone, Debug, Default)]
pub struct QueueModel {
    pub rows: Vec<QueueRow>,
    /// Row indices ordered by referral id (`row_ids` holds the ids in that order), for
    /// finding a referral's row: 12 bytes a row against a hash map's 22.
    row_ids: Vec<ReferralId>,
    by_id: Vec<u32>,
    /// The referrers' names, specialties and diagnosis groups, each once (rows point here).
    strings: Vec<Box<str>>,
    /// Assessed referrals for the fornyet vurdering check: (hash of fødselsnummer and
    /// diagnosis group, row index), sorted (see [`renewal_hash`]). A map keyed by copies of
    /// both texts took ~14 MB at 100,000 referrals; this takes 1.
    assessed: Vec<(u64, u32)>,
    pub counts: QueueCounts,
    pub today: Option<NaiveDate>,
    /// Each row's search text with its problemstilling, made at the first search (see
    /// [`QueueModel::set_problems`]; not at startup: at 100,000 referrals it costs ~40 ms and
    /// ~15 MB that a user who never searches need not pay).
    search: Option<Vec<String>>,
}

impl QueueModel {
    /// The model of referrals already in memory, searchable at once (their problemstilling
    /// is at hand).
    pub fn build(referrals: Vec<Referral>, rule: WorkingDayRule, today: NaiveDate) -> Self {
        let n = referrals.len();
        let problems = referrals
            .iter()
            .filter(|r| !r.fields.problem.is_empty())
            .map(|r| (r.id, r.fields.problem.clone()))
            .collect();
        let built: Result<Self, std::convert::Infallible> =
            Self::try_build(referrals.into_iter().map(Ok), n, rule, today);
        let Ok(mut model) = built;
        model.set_problems(problems);
        model
    }

    pub fn referrer_name(&self, row: &QueueRow) -> &str {
        &self.strings[row.shared[REFERRER] as usize]
    }

    pub fn specialty(&self, row: &QueueRow) -> &str {
        &self.strings[row.shared[SPECIALTY] as usize]
    }

    pub fn diagnosis_group(&self, row: &QueueRow) -> &str {
        &self.strings[row.shared[DIAGNOSIS] as usize]
    }

    /// Lower-cased patient, referrer, ids and free text (with the referral's `problem`):
    /// what the search box looks in.
    fn search_text(&self, row: &QueueRow, problem: &str) -> String {
        [
            row.patient(),
            self.referrer_name(row),
            self.specialty(row),
            row.external_id().unwrap_or(""),
            row.national_id().unwrap_or(""),
            problem,
            self.diagnosis_group(row),
        ]
        .join("\u{1f}")
        .to_lowercase()
    }

    /// Whether the search looks in the problemstilling yet (see [`Self::set_problems`]).
    pub fn has_search_texts(&self) -> bool {
        self.search.is_some()
    }

    /// Makes every row's search text with its problemstilling (`problems` by referral; the
    /// rows do not keep it). Until then a search looks in the rows' own texts only.
    pub fn set_problems(&mut self, mut problems: std::collections::HashMap<ReferralId, String>) {
        self.search = Some(
            self.rows
                .iter()
                .map(|r| self.search_text(r, problems.remove(&r.id).as_deref().unwrap_or("")))
                .collect(),
        );
    }

    /// Builds the model while the referrals are read (`expected` rows, for one allocation):
    /// no intermediate list of every referral is held, which at 100,000 referrals saves
    /// ~30 MB at startup. The first read error ends the build.
    pub fn try_build<E>(
        referrals: impl Iterator<Item = Result<Referral, E>>,
        expected: usize,
        rule: WorkingDayRule,
        today: NaiveDate,
    ) -> Result<Self, E> {
        let week_end = work_week_end(today);
        let mut counts = QueueCounts::default();
        let mut rows: Vec<QueueRow> = Vec::with_capacity(expected);
        let mut interned: std::collections::HashMap<Box<str>, u32> = Default::default();
        let mut intern = |text: &str| -> u32 {
            if let Some(i) = interned.get(text) {
                return *i;
            }
            let i = u32::try_from(interned.len()).unwrap_or(u32::MAX);
            interned.insert(text.into(), i);
            i
        };
        for r in referrals {
            let r = r?;
            rows.push({
                let deadline = rule.assessment_deadline(r.fields.received_on);
                // Only open referrals have a running clock.
                let working_days_left = r
                    .status
                    .is_open()
                    .then(|| days(rule.working_days_left(today, deadline)));
                let urgency = if !r.status.is_open() {
                    Urgency::Closed
                } else if deadline < today {
                    Urgency::Overdue
                } else if working_days_left
                    .is_some_and(|left| i64::from(left) <= DUE_SOON_WORKING_DAYS)
                {
                    Urgency::DueSoon
                } else {
                    Urgency::OnTrack
                };
                if r.status == ReferralStatus::TilNyVurdering {
                    counts.after_mapping += 1;
                }
                if r.status.is_open() {
                    counts.open += 1;
                    if urgency == Urgency::Overdue {
                        counts.overdue += 1;
                    } else if deadline <= week_end {
                        counts.due_this_week += 1;
                    }
                }
                QueueRow {
                    id: r.id,
                    texts: RowTexts::new(&r.fields),
                    shared: [
                        intern(&r.fields.referrer_name),
                        intern(&r.fields.specialty),
                        intern(&r.fields.diagnosis_group),
                    ],
                    received_on: r.fields.received_on,
                    deadline,
                    working_days_left,
                    referrer_kind: r.fields.referrer_kind,
                    is_secondary: r.fields.is_secondary,
                    status: r.status,
                    urgency,
                    last_meeting: None,
                    not_informed: None,
                }
            });
        }
        counts.total = rows.len();
        let mut strings: Vec<Box<str>> = vec![Box::default(); interned.len()];
        for (text, i) in interned {
            strings[i as usize] = text;
        }
        // The deadline grows with the receipt date, so rows read in receipt order (as
        // `referrals::all` gives them) are already in this order; sorting 100,000 rows of this
        // size would move ~400 MB around.
        let key = |r: &QueueRow| (r.deadline, r.received_on, r.id);
        if !rows.is_sorted_by_key(key) {
            rows.sort_by_key(key);
        }
        let mut order: Vec<u32> = (0..u32::try_from(rows.len()).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by_key(|&i| rows[i as usize].id);
        let row_ids = order.iter().map(|&i| rows[i as usize].id).collect();
        let by_id = order;
        let mut assessed: Vec<(u64, u32)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| counts_as_assessment(r.status))
            .filter_map(|(i, r)| {
                let hash = renewal_hash(r.national_id(), &strings[r.shared[DIAGNOSIS] as usize])?;
                Some((hash, u32::try_from(i).ok()?))
            })
            .collect();
        assessed.sort_unstable();
        Ok(Self {
            rows,
            row_ids,
            by_id,
            strings,
            assessed,
            counts,
            today: Some(today),
            search: Default::default(),
        })
    }

    /// Fornyet vurdering check for a referral (new or registered): earlier assessed referrals
    /// for the same patient and condition, received before `received_on`.
    pub fn renewal_for(
        &self,
        national_id: Option<&str>,
        diagnosis_group: &str,
        received_on: NaiveDate,
        except: Option<ReferralId>,
    ) -> Option<Renewal> {
        let hash = renewal_hash(national_id, diagnosis_group)?;
        let first = self.assessed.partition_point(|(h, _)| *h < hash);
        let earlier = self.assessed[first..]
            .iter()
            .take_while(|(h, _)| *h == hash)
            .map(|(_, i)| &self.rows[*i as usize])
            .filter(|r| same_condition(r, self.diagnosis_group(r), national_id, diagnosis_group))
            .filter(|r| r.received_on <= received_on && Some(r.id) != except)
            .map(|r| r.received_on)
            .collect();
        classify(earlier)
    }

    /// The fornyet vurdering check for a row in the queue.
    pub fn renewal(&self, id: ReferralId) -> Option<Renewal> {
        let r = self.row(id)?;
        self.renewal_for(
            r.national_id(),
            self.diagnosis_group(r),
            r.received_on,
            Some(id),
        )
    }

    /// Indices into `rows` of the rows the filter lets through, in queue order.
    /// Every word of the search text must occur (in any field).
    pub fn filter(&self, filter: &QueueFilter) -> Vec<u32> {
        let words: Vec<String> = filter
            .text
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut visible: Vec<u32> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| filter.status.accepts(r))
            .filter(|(_, r)| filter.referrer_kind.is_none_or(|k| k == r.referrer_kind))
            .filter(|(_, r)| {
                filter
                    .only
                    .as_ref()
                    .is_none_or(|only| only.0.contains(&r.id))
            })
            .filter(|(i, r)| {
                words.is_empty() || {
                    let text = match &self.search {
                        Some(texts) => std::borrow::Cow::Borrowed(texts[*i].as_str()),
                        None => std::borrow::Cow::Owned(self.search_text(r, "")),
                    };
                    words.iter().all(|w| text.contains(w.as_str()))
                }
            })
            .map(|(i, _)| i as u32)
            .collect();
        self.sort(&mut visible, filter.sort);
        visible
    }

    /// Orders row indices by a column. Stable: rows that tie keep the legal order (deadline,
    /// receipt, id) the model is built in. Empty values (no working days left, no meeting)
    /// come last in either direction.
    pub fn sort(&self, visible: &mut [u32], sort: QueueSort) {
        use std::cmp::Ordering;
        let row = |i: &u32| &self.rows[*i as usize];
        let by = |a: &QueueRow, b: &QueueRow| -> Ordering {
            match sort.column {
                SortColumn::Received => a.received_on.cmp(&b.received_on),
                SortColumn::Patient => a.patient().to_lowercase().cmp(&b.patient().to_lowercase()),
                SortColumn::Deadline => a.deadline.cmp(&b.deadline),
                SortColumn::WorkingDaysLeft => a.working_days_left.cmp(&b.working_days_left),
                SortColumn::Status => a.status.label_nb().cmp(b.status.label_nb()),
                SortColumn::LastMeeting => a.last_meeting.cmp(&b.last_meeting),
                SortColumn::Referrer => self
                    .referrer_name(a)
                    .to_lowercase()
                    .cmp(&self.referrer_name(b).to_lowercase()),
                SortColumn::Kind => a.referrer_kind.label_nb().cmp(b.referrer_kind.label_nb()),
                SortColumn::Secondary => a.is_secondary.cmp(&b.is_secondary),
            }
        };
        let empty = |r: &QueueRow| match sort.column {
            SortColumn::WorkingDaysLeft => r.working_days_left.is_none(),
            SortColumn::LastMeeting => r.last_meeting.is_none(),
            _ => false,
        };
        if sort == QueueSort::default() {
            return; // the model's own order
        }
        visible.sort_by(|a, b| {
            let (a, b) = (row(a), row(b));
            empty(a).cmp(&empty(b)).then_with(|| {
                let o = by(a, b);
                if sort.descending { o.reverse() } else { o }
            })
        });
    }

    /// Marks the decided referrals whose patient is not informed yet (`pending`: see
    /// [`crate::store::letters::pending`]) with the working days left to the vurderingsfrist.
    pub fn set_letters(
        &mut self,
        pending: &std::collections::HashSet<ReferralId>,
        rule: WorkingDayRule,
        today: NaiveDate,
    ) {
        let mut count = 0;
        for row in &mut self.rows {
            row.not_informed = pending
                .contains(&row.id)
                .then(|| days(rule.working_days_left(today, row.deadline)));
            count += usize::from(row.not_informed.is_some());
        }
        self.counts.not_informed = count;
    }

    /// Sets each open referral's last meeting before its deadline from the upcoming meeting
    /// dates (sorted), and counts those with none left.
    pub fn set_meetings(&mut self, upcoming: &[NaiveDate]) {
        let mut none_left = 0;
        for row in &mut self.rows {
            row.last_meeting =
                crate::domain::meeting::last_meeting_before_deadline(row.deadline, upcoming)
                    .filter(|_| row.status.is_open());
            if row.status.is_open() && row.urgency != Urgency::Overdue && row.last_meeting.is_none()
            {
                none_left += 1;
            }
        }
        self.counts.no_meeting_before_deadline = none_left;
    }

    pub fn row(&self, id: ReferralId) -> Option<&QueueRow> {
        let at = self.row_ids.binary_search(&id).ok()?;
        Some(&self.rows[self.by_id[at] as usize])
    }
}

#[cfg(test)]
pub(crate) mod tests;
