//! Setup the store-level tests share: registering a referral and recording a decision.
#![allow(dead_code)] // each test crate uses its own part

use inntak::calendar::WorkingDayRule;
use inntak::domain::decision::Outcome;
use inntak::domain::referral::iso;
use inntak::domain::{ReferralDraft, ReferralId, ReferralStatus};
use inntak::store::Store;
use inntak::store::decisions::{self, DecisionExtras, NewDecision};
use inntak::store::referrals::{self, Change};

/// A change by `actor` at 09:00 on `day`.
pub fn change_on(actor: &'static str, day: &str) -> Change<'static> {
    Change {
        actor,
        at: iso(day).and_hms_opt(9, 0, 0).unwrap(),
    }
}

/// Registers the draft (validated as of `today`) as a referral waiting for assessment.
pub fn register(store: &mut Store, draft: ReferralDraft, today: &str) -> ReferralId {
    let fields = draft.validate(iso(today)).unwrap();
    store
        .write(|tx| {
            referrals::insert(
                tx,
                &fields,
                ReferralStatus::TilVurdering,
                None,
                change_on("test", today),
                inntak::store::audit::ReferralAction::Create,
            )
        })
        .unwrap()
}

/// Records `outcome` outside any meeting, decided on `on` (and saved that day).
pub fn decide(store: &mut Store, id: ReferralId, outcome: &Outcome, on: &str) {
    let extras = DecisionExtras::default();
    let new = NewDecision {
        referral: id,
        meeting: None,
        decided_on: iso(on),
        outcome,
        extras: &extras,
    };
    store
        .write(|tx| decisions::record(tx, &new, WorkingDayRule::default(), change_on("test", on)))
        .unwrap();
}

/// The binary under test; `INNTAK_BIN` runs the command-line tests against another build
/// (an older commit, to see each case fail before its fix).
pub fn bin() -> String {
    std::env::var("INNTAK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_inntak").to_string())
}

/// Runs the command line as the user "cli-test" (no passphrase in the environment).
pub fn inntak(args: &[&str]) -> std::process::Output {
    inntak_with(None, args)
}

/// Runs the command line as the user "cli-test", with `INNTAK_PASSPHRASE` set to `passphrase`
/// or removed.
pub fn inntak_with(passphrase: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(bin());
    command
        .args(args)
        .env("USER", "cli-test")
        .env_remove("INNTAK_PASSPHRASE")
        .env_remove("INNTAK_NEW_PASSPHRASE");
    if let Some(pass) = passphrase {
        command.env("INNTAK_PASSPHRASE", pass);
    }
    command.output().expect("runs")
}

/// Fills `db` with the demo clinic of `n` referrals as of `today` through the command line,
/// encrypted under `passphrase` when one is given.
pub fn demo_db(db: &std::path::Path, n: usize, today: &str, passphrase: Option<&str>) {
    let n = n.to_string();
    let out = inntak_with(
        passphrase,
        &["demo", "--db", p(db), "--referrals", &n, "--today", today],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn p(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

pub mod messages;
pub mod ui;
