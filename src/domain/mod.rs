//! Pure domain types and rules: no egui, no SQLite, no clock reads.

pub mod decision;
pub mod duplicate;
pub mod identity;
pub mod letter;
pub mod meeting;
pub mod message;
pub mod preparation;
pub mod records;
pub mod referral;
pub mod renewal;
pub mod settings;

pub use identity::{IdError, IdKind, NationalId, parse_national_id};
pub use referral::{
    Field, FieldError, Referral, ReferralDraft, ReferralFields, ReferralId, ReferralStatus,
    ReferrerKind,
};

/// "1 005" (Norwegian thousands, non-breaking space).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}
