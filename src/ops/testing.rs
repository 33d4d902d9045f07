//! What the operations' tests share: the day they run on, who acts, a demo clinic, a
//! referral's fields as the form would give them.

use crate::domain::settings::ClinicSettings;
use crate::domain::{ReferralDraft, ReferralFields};
use crate::store::Store;
use crate::store::referrals::Change;
use chrono::NaiveDate;

/// The tests' today: a Tuesday with meetings before and after it.
pub(crate) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// The leader, acting today at `hour`.
pub(crate) fn change(hour: u32) -> Change<'static> {
    Change {
        actor: "leder",
        at: today().and_hms_opt(hour, 0, 0).unwrap(),
    }
}

/// Where a test's store lives: a folder of its own (for the outputs, and the file), and on
/// the server engine a database of its own, dropped when the test ends.
pub(crate) struct Scratch {
    dir: tempfile::TempDir,
    _server: Option<crate::store::server::Scratch>,
}

impl Scratch {
    pub(crate) fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

/// An empty store on the engine the run tests (`INNTAK_TEST_ENGINE=postgres`: a new database
/// on the test cluster, see `.ci/postgres.sh`; otherwise a file).
pub(crate) fn empty() -> (Scratch, Store) {
    let dir = tempfile::tempdir().unwrap();
    match crate::store::server::Scratch::for_tests() {
        Some(server) => {
            let store = server.open();
            (
                Scratch {
                    dir,
                    _server: Some(server),
                },
                store,
            )
        }
        None => {
            let store = Store::open(&dir.path().join("d.sqlite3")).unwrap();
            (Scratch { dir, _server: None }, store)
        }
    }
}

/// A demo clinic of `count` referrals (seed `seed`) as of today, in a store of its own.
pub(crate) fn demo(count: usize, seed: u64) -> (Scratch, Store) {
    let (dir, mut store) = empty();
    let rule = ClinicSettings::default().working_day_rule();
    let generated = crate::demo::generate(count, seed, today(), rule);
    store
        .write(|tx| crate::ops::demo::insert_generated(tx, generated, today(), rule, change(9)))
        .unwrap();
    (dir, store)
}

/// A referral received today, as the form validates it.
pub(crate) fn fields(patient: &str) -> ReferralFields {
    ReferralDraft {
        patient: patient.into(),
        birth_year: "1970".into(),
        referrer_name: "Dr. Lege".into(),
        problem: "Langvarige smerter".into(),
        ..ReferralDraft::new(today())
    }
    .validate(today())
    .unwrap()
}
