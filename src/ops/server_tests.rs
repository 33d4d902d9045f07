//! The server engine's tests, through the operations where a clinician meets them: URLs,
//! roles, row-level security, a lost connection, the server's types (all but the first need
//! the server run: INNTAK_TEST_ENGINE=postgres, see .ci/run).

use crate::store::server::{
    Role, Scratch, ServerOpenError, ServerUrl, SslMode, add_user, init, redact, users,
};
use crate::store::{Store, StoreError, audit, db, error_text, referrals};
use std::path::Path;

#[test]
fn urls_keep_tls_settings_apart_and_never_show_the_password() {
    let url = ServerUrl::parse(
        "postgres://ola:hemmelig@db.sykehus.no:5432/inntak?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.crt",
        None,
    )
    .unwrap();
    assert_eq!(url.ssl, SslMode::VerifyFull);
    assert_eq!(url.root_cert.as_deref(), Some(Path::new("/etc/ca.crt")));
    assert_eq!(url.shown, "postgres://ola@db.sykehus.no:5432/inntak");
    assert_eq!(url.user(), Some("ola"));
    // TCP without a mode is encrypted; clear text only over a local socket.
    let plain = ServerUrl::parse("postgres://ola@db.sykehus.no/inntak", None).unwrap();
    assert_eq!(plain.ssl, SslMode::Require);
    assert!(matches!(
        ServerUrl::parse("postgres://ola@db.sykehus.no/inntak?sslmode=disable", None),
        Err(ServerOpenError::Tls { .. })
    ));
    for bad in [
        "mysql://x/y",
        "postgres://host",
        "postgres://h/db?sslmode=maybe",
    ] {
        assert!(
            matches!(ServerUrl::parse(bad, None), Err(ServerOpenError::BadUrl(_))),
            "{bad}"
        );
    }
    let text = ServerOpenError::BadUrl(redact("postgres://a:pw@h/d")).to_string();
    assert!(!text.contains("pw"), "{text}");
}

/// On the server engine's run (INNTAK_TEST_ENGINE=postgres): a member cannot write what
/// only a leader may, the audit's "who" is the login, and no role may change the log.
#[test]
fn roles_limit_each_login_and_the_log_is_append_only() {
    let Some(scratch) = Scratch::for_tests() else {
        return;
    };
    init(&scratch.url, None).unwrap();
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (leder, medlem) = (format!("leder_{tag}"), format!("medlem_{tag}"));
    let password = "et-langt-passord-for-test";
    add_user(&scratch.url, &leder, "Inntaksteamet", Role::Leder, password).unwrap();
    add_user(
        &scratch.url,
        &medlem,
        "Inntaksteamet",
        Role::Medlem,
        password,
    )
    .unwrap();
    let users = users(&scratch.url).unwrap();
    assert!(users.contains(&(leder.clone(), Role::Leder)), "{users:?}");
    let wrong = Store::open_server(&scratch.url.as_user(&leder, "feil-passord"));
    assert!(matches!(wrong, Err(ServerOpenError::Login { .. })));

    let mut store = Store::open_server(&scratch.url.as_user(&leder, password)).unwrap();
    assert_eq!(store.login(), Some(leder.as_str()));
    let login = leder.clone();
    let change = referrals::Change {
        actor: &login,
        at: crate::ops::testing::change(9).at,
    };
    let id = store
        .write(|tx| {
            referrals::insert(
                tx,
                &crate::ops::testing::fields("Server Pasient"),
                crate::domain::ReferralStatus::TilVurdering,
                None,
                change,
                audit::ReferralAction::Create,
            )
        })
        .unwrap();
    let rows = audit::list(store.conn(), None, None, None).unwrap();
    assert_eq!(rows.last().unwrap().actor, leder);
    // Not even a leader may rewrite the log.
    let rewrite = store
        .conn()
        .execute("UPDATE audit_log SET actor = 'noen andre'", []);
    let refused = rewrite.unwrap_err();
    assert!(
        db::server_error(&refused).is_some_and(|e| e.is_permission()),
        "{refused:?}"
    );
    assert!(error_text(&refused).contains("ikke tilgang"));

    let mut member = Store::open_server(&scratch.url.as_user(&medlem, password)).unwrap();
    let member_change = referrals::Change {
        actor: &medlem,
        at: change.at,
    };
    let refused = member
        .write(|tx| referrals::withdraw(tx, id, "prøver", member_change))
        .unwrap_err();
    assert!(refused.to_string().contains("ikke tilgang"), "{refused}");
    assert_eq!(
        referrals::get(member.conn(), id).unwrap().status,
        crate::domain::ReferralStatus::TilVurdering,
        "nothing changed"
    );
    // A member's agenda or window does not try to lay out the meetings (a leader's job).
    assert!(!member.may_write("meetings") && member.may_write("preparations"));
    let settings = crate::domain::settings::ClinicSettings::default();
    let mut ctx = crate::ops::Ctx {
        store: &mut member,
        settings: &settings,
        change: member_change,
    };
    assert_eq!(crate::ops::meetings::ensure_schedule(&mut ctx).unwrap(), 0);
    crate::ops::referrals::save_preparation(&mut ctx, id, "Les journalen", None).unwrap();
}

/// Row-level security: a login of one team reads none of another team's referrals (the
/// rows, their log rows), and opens one only with a reason, which is logged with the read.
#[test]
fn a_team_sees_only_its_own_referrals_and_opens_another_with_a_reason() {
    use crate::domain::settings::ClinicSettings;
    use crate::ops::Ctx;
    let Some(scratch) = Scratch::for_tests() else {
        return;
    };
    init(&scratch.url, None).unwrap();
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (a, b) = (format!("a_{tag}"), format!("b_{tag}"));
    let password = "et-langt-passord-for-test";
    add_user(
        &scratch.url,
        &a,
        &format!("Team A {tag}"),
        Role::Leder,
        password,
    )
    .unwrap();
    add_user(
        &scratch.url,
        &b,
        &format!("Team B {tag}"),
        Role::Leder,
        password,
    )
    .unwrap();
    let settings = ClinicSettings::default();
    let at = crate::ops::testing::change(9).at;
    let mut store_a = Store::open_server(&scratch.url.as_user(&a, password)).unwrap();
    let id = crate::ops::referrals::register(
        &mut Ctx {
            store: &mut store_a,
            settings: &settings,
            change: referrals::Change { actor: &a, at },
        },
        &crate::ops::testing::fields("Anne Annesen"),
    )
    .unwrap();
    let mut store_b = Store::open_server(&scratch.url.as_user(&b, password)).unwrap();
    assert!(referrals::all(store_b.conn()).unwrap().is_empty());
    assert_eq!(referrals::count(store_b.conn()).unwrap(), 0);
    assert!(matches!(
        referrals::get(store_b.conn(), id),
        Err(StoreError::NotFound(_))
    ));
    let about = |store: &Store| -> Vec<audit::Row> {
        audit::list(store.conn(), None, None, None)
            .unwrap()
            .into_iter()
            .filter(|r| r.entity == "referral" && r.entity_id == Some(id.0))
            .collect()
    };
    assert!(about(&store_b).is_empty(), "not even the log's rows");
    assert_eq!(about(&store_a).len(), 1);
    // Writing into team A's referral is refused as well.
    let refused = store_b
        .write(|tx| referrals::withdraw(tx, id, "feil", referrals::Change { actor: &b, at }));
    assert!(refused.is_err());

    let mut ctx_b = Ctx {
        store: &mut store_b,
        settings: &settings,
        change: referrals::Change { actor: &b, at },
    };
    let no_reason = crate::ops::referrals::open_other_team(&mut ctx_b, id, " ");
    assert_eq!(
        no_reason.unwrap_err().to_string(),
        crate::ops::referrals::REASON_NEEDED
    );
    crate::ops::referrals::open_other_team(&mut ctx_b, id, "Pasienten ringte om status").unwrap();
    crate::ops::referrals::record_read(&mut ctx_b, id).unwrap();
    assert_eq!(
        referrals::get(ctx_b.store.conn(), id)
            .unwrap()
            .fields
            .patient,
        "Anne Annesen"
    );
    // "Who has looked at my referral": team A's leader sees the reason and the read.
    let rows = about(&store_a);
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.actor.as_str(), r.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (a.as_str(), "create"),
            (b.as_str(), "other_team"),
            (b.as_str(), "read")
        ]
    );
    assert!(rows[1].details.contains("Pasienten ringte om status"));
    assert!(audit::verify_chain(Store::open_server(&scratch.url).unwrap().conn()).is_ok());
}

/// A connection lost mid-meeting (the backend killed, as when the server restarts): the
/// write in flight fails with the Norwegian "forbindelsen … er brutt", nothing half
/// written; the next one reconnects by itself, and the decision sent again with its key
/// is stored once.
#[test]
fn a_lost_connection_fails_the_write_truthfully_and_the_next_one_reconnects() {
    use crate::domain::decision::Outcome;
    use crate::domain::records::DecisionExtras;
    use crate::domain::settings::ClinicSettings;
    use crate::ops::Ctx;
    let Some(scratch) = Scratch::for_tests() else {
        return;
    };
    let mut store = scratch.open();
    let settings = ClinicSettings::default();
    let mut ctx = Ctx {
        store: &mut store,
        settings: &settings,
        change: crate::ops::testing::change(9),
    };
    let referral =
        crate::ops::referrals::register(&mut ctx, &crate::ops::testing::fields("Per Brudd"))
            .unwrap();
    let pid: i32 = ctx
        .store
        .conn()
        .query_row("SELECT pg_backend_pid()", [], |r| r.get(0))
        .unwrap();
    let kill = || {
        let admin = ServerUrl::parse(&std::env::var("INNTAK_TEST_PG").unwrap(), None).unwrap();
        admin
            .connect()
            .unwrap()
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .unwrap();
    };
    kill();
    let outcome = Outcome::Feilsendt;
    let sending = crate::store::decisions::Sending {
        key: Some("brudd-1"),
        corrects: None,
    };
    let decide = |ctx: &mut Ctx<'_>| {
        let new = crate::store::decisions::NewDecision {
            referral,
            meeting: None,
            decided_on: crate::ops::testing::today(),
            outcome: &outcome,
            extras: &DecisionExtras::default(),
        };
        let (change, rule) = (ctx.change, ctx.settings.working_day_rule());
        ctx.store
            .write(|tx| crate::store::decisions::record_sent(tx, &new, rule, change, sending))
    };
    let lost = decide(&mut ctx).unwrap_err().to_string();
    assert!(
        lost.contains("forbindelsen til klinikkens server ble brutt"),
        "{lost}"
    );
    assert!(
        !lost.contains("terminat"),
        "no engine text reaches the user: {lost}"
    );
    let first = decide(&mut ctx).unwrap();
    let again = decide(&mut ctx).unwrap();
    assert_eq!(first, again, "sent twice, stored once");
    let rows: i64 = ctx
        .store
        .conn()
        .query_row(
            "SELECT count(*) FROM decisions WHERE referral_id = ?1",
            [referral.0],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 1);
}

/// The server's types read as SQLite's storage classes (sum of BIGINT is NUMERIC, flags
/// may be boolean, negative and fractional numerics), parameters written back as the
/// column's type.
#[test]
fn server_values_read_as_sqlite_gives_them() {
    let Some(scratch) = Scratch::for_tests() else {
        return;
    };
    let store = scratch.open();
    let row: (i64, f64, Option<i64>, String, i64, i64, f64) = store
        .conn()
        .query_row(
            "SELECT sum(x), 1.5::numeric, NULL::numeric, 'tekst'::varchar, true::bool, \
             -12345678901::numeric, -0.25::float4 FROM (VALUES (1::bigint), (2)) t(x)",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        row,
        (3, 1.5, None, "tekst".into(), 1, -12_345_678_901, -0.25)
    );
    let echoed: (i64, String) = store
        .conn()
        .query_row(
            "SELECT ?1::int4 + 1, ?2",
            rusqlite::params![41, "å"],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(echoed, (42, "å".to_string()));
}
