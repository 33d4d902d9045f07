//! Pure domain types and rules: no egui, no SQLite, no clock reads.

pub mod decision;
pub mod duplicate;
pub mod identity;
pub mod letter;
pub mod meeting;
pub mod preparation;
pub mod referral;
pub mod renewal;
pub mod settings;

pub use identity::{IdError, IdKind, NationalId, parse_national_id};
pub use referral::{
    Field, FieldError, Referral, ReferralDraft, ReferralFields, ReferralId, ReferralStatus,
    ReferrerKind,
};
