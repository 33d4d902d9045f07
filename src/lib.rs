//! Inntak: the intake meeting of a Norwegian pain clinic — referral queue, legal deadlines,
//! meetings and decisions, kept in one local SQLite file.

pub mod agenda;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod dialogmelding;
pub mod domain;
pub mod export;
pub mod files;
pub mod followup;
pub mod import;
pub mod letters;
pub mod model;
pub mod ops;
pub mod planning;
pub mod queue;
pub mod stats;
pub mod store;
pub mod ui;
pub mod vault;
