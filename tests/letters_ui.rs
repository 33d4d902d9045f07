//! Issue 14 in the window (kittest): the letters of a meeting from Møter, listed before they
//! print (what is missing is never printed blank), printed to one PDF and marked sent, after
//! which the queue no longer counts the patients as not informed.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use inntak::calendar::WorkingDayRule;
use inntak::clock::Clock;
use inntak::domain::referral::iso;
use inntak::store::referrals::Change;
use inntak::store::{Store, settings};
use inntak::ui::App;

const TODAY: &str = "2026-11-20";

/// The demo clinic (its letters sent after every meeting but Thursday 19 November's).
fn demo_store(blank_signer: bool) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let change = Change {
        actor: "setup",
        at: iso(TODAY).and_hms_opt(8, 0, 0).unwrap(),
    };
    store
        .write(|tx| {
            settings::put(tx, settings::KEY_DEMO_OFFERED, "1")?;
            inntak::ops::demo::insert(tx, 400, 7, iso(TODAY), WorkingDayRule::default(), change)?;
            if blank_signer {
                let mut s = settings::load(tx)?;
                s.letters.signer.clear();
                settings::save(tx, &s, change)?;
            }
            Ok(())
        })
        .unwrap();
    store
}

/// Tall enough that Møter's list of recent meetings is on screen without scrolling (kittest
/// clicks where a widget is drawn).
fn harness(store: Store) -> Harness<'static, App> {
    let app = App::new(store, Clock::fixed(iso(TODAY)), "leder".into());
    Harness::builder()
        .with_size(egui::vec2(1280.0, 1600.0))
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

/// Møter → "Brev (PDF)" of the newest held meeting (the list is newest first).
fn open_latest_meetings_letters(harness: &mut Harness<'static, App>) {
    harness.get_by_label("Møter").click();
    harness.run();
    harness
        .get_all_by_label("Brev (PDF)")
        .next()
        .unwrap()
        .click();
    harness.run();
}

fn unsent_patient_letters_of_meeting(store: &Store, date: &str) -> (i64, i64) {
    store
        .conn()
        .query_row(
            "SELECT count(DISTINCT d.id),
                    (SELECT count(*) FROM letters l JOIN decisions d2 ON d2.id = l.decision_id
                     JOIN meetings m2 ON m2.id = d2.meeting_id
                     WHERE m2.date = ?1 AND l.recipient = 'pasient' AND l.sent_on = ?2)
             FROM decisions d JOIN meetings m ON m.id = d.meeting_id
             WHERE m.date = ?1 AND d.superseded_by IS NULL
               AND d.outcome IN ('rett', 'avslag', 'videresendt', 'feilsendt')",
            [date, TODAY],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn a_meetings_letters_print_from_moter_and_the_patients_count_as_informed() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(demo_store(false));
    harness.state_mut().set_export_dir(dir.path().to_path_buf());
    harness.run();
    let pending = harness.state().queue().counts.not_informed;
    assert!(
        pending > 0,
        "the 19.11 meeting's patients are not informed yet"
    );
    harness.get_by_label(&format!("{pending} ikke informert"));

    // Newest first: the meeting of Thursday 19 November.
    open_latest_meetings_letters(&mut harness);
    harness.get_by_label("Brev etter møtet 19.11.2026:");
    let (decisions, sent_before) =
        unsent_patient_letters_of_meeting(harness.state().store(), "2026-11-19");
    assert_eq!(sent_before, 0);
    let print = format!("Skriv ut {} brev", decisions * 2);
    // Issue 23, item 5: a print is not a posting; "Merk som sendt i dag" starts unticked.
    // Seen failing before the fix (every letter was marked sent by the print alone).
    harness.get_by_label(&print).click();
    harness.run();
    harness.get_by_label_contains("(ikke merket sendt)");
    let (_, sent) = unsent_patient_letters_of_meeting(harness.state().store(), "2026-11-19");
    assert_eq!(sent, 0, "printing alone marks nothing sent");
    assert_eq!(harness.state().queue().counts.not_informed, pending);
    open_latest_meetings_letters(&mut harness);
    harness.get_by_label("Merk som sendt i dag").click();
    harness.run();
    harness.get_by_label(&print).click();
    harness.run();

    let pdf = dir.path().join("brev-2026-11-19.pdf");
    assert_eq!(harness.state().last_pdf(), Some(&pdf));
    let text = pdf_extract::extract_text(&pdf).unwrap();
    assert!(
        text.contains("Statsforvalteren"),
        "{}",
        &text[..400.min(text.len())]
    );
    let (_, sent) = unsent_patient_letters_of_meeting(harness.state().store(), "2026-11-19");
    assert_eq!(sent, decisions, "every patient letter marked sent today");
    harness.get_by_label_contains("merket sendt i dag");
    // The queue reloaded: the meeting's patients are informed.
    assert!(harness.state().queue().counts.not_informed < pending);
    // A second print says the letters were printed before.
    open_latest_meetings_letters(&mut harness);
    harness.get_by_label(&format!("{} er skrevet ut før", decisions * 2));
    harness.get_by_label("Avbryt").click();
    harness.run();
    assert!(
        harness
            .query_by_label("Brev etter møtet 19.11.2026:")
            .is_none()
    );
}

#[test]
fn letters_missing_the_signer_are_listed_and_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(demo_store(true));
    harness.state_mut().set_export_dir(dir.path().to_path_buf());
    open_latest_meetings_letters(&mut harness);
    let (decisions, _) = unsent_patient_letters_of_meeting(harness.state().store(), "2026-11-19");
    harness.get_by_label(&format!(
        "{} brev mangler hvem som signerer (Innstillinger) – skrives ikke ut",
        decisions * 2
    ));
    assert!(
        harness
            .get_by_label("Skriv ut 0 brev")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing written"
    );
}

/// The detail pane of a decided referral says whether the patient is informed, lists its
/// letters, and prints them (through the same list-first prompt).
#[test]
fn the_detail_pane_prints_one_referrals_letters() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(demo_store(false));
    harness.state_mut().set_export_dir(dir.path().to_path_buf());
    let (id, external): (i64, String) = harness
        .state()
        .store()
        .conn()
        .query_row(
            "SELECT r.id, r.external_id FROM decisions d JOIN meetings m ON m.id = d.meeting_id
             JOIN referrals r ON r.id = d.referral_id
             WHERE m.date = '2026-11-19' AND d.superseded_by IS NULL AND d.outcome = 'rett'
             ORDER BY d.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    harness
        .state_mut()
        .apply(inntak::ui::Action::Nav(inntak::ui::NavAction::Select(
            inntak::domain::ReferralId(id),
        )));
    harness.run();
    harness.get_by_label_contains("Ikke informert –");
    harness.get_by_label("Til pasient: klart (rett til helsehjelp)");
    harness.get_by_label("Til henviser: klart (rett til helsehjelp)");
    harness.get_by_label("Skriv ut brev…").click();
    harness.run();
    harness.get_by_label(&format!("Brev for henvisning {external}:"));
    harness.get_by_label("Merk som sendt i dag").click();
    harness.run();
    harness.get_by_label("Skriv ut 2 brev").click();
    harness.run();
    let pdf = dir.path().join(format!("brev-henvisning-{id}.pdf"));
    assert!(pdf.exists());
    harness.get_by_label("Informert 20.11.2026");
    // Each letter shows its own print.
    assert_eq!(
        harness
            .get_all_by_label_contains("skrevet ut 20.11.2026, sendt 20.11.2026")
            .count(),
        2
    );
}

/// Oppfølging: a rett whose frist cannot be held gets the patient's warning and the Helfo
/// sheet, once the reason is written (the button waits for it).
#[test]
fn a_fristbrudd_is_printed_from_oppfolging_with_its_reason() {
    use egui::accesskit::Role;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(demo_store(false));
    harness.state_mut().set_export_dir(dir.path().to_path_buf());
    // A granted referral with its frist ahead and care not started.
    let id: i64 = harness
        .state()
        .store()
        .conn()
        .query_row(
            "SELECT d.referral_id FROM decisions d JOIN referrals r ON r.id = d.referral_id
             LEFT JOIN care_starts c ON c.referral_id = r.id
             WHERE d.superseded_by IS NULL AND d.outcome = 'rett' AND r.status = 'rett'
               AND d.start_of_care_deadline > ?1 AND c.started_on IS NULL
             ORDER BY d.id DESC LIMIT 1",
            [TODAY],
            |r| r.get(0),
        )
        .unwrap();
    harness.get_by_label("Oppfølging").click();
    harness.run();
    harness.state_mut().apply(inntak::ui::Action::Nav(
        inntak::ui::NavAction::SelectFollowUp(inntak::domain::ReferralId(id)),
    ));
    harness.run();
    harness.get_by_label("Varsel om fristbrudd");
    let reason = "Ingen ledig lege før fristen";
    let field = "Hvorfor fristen ikke kan holdes:";
    harness
        .get_by_role_and_label(Role::MultilineTextInput, field)
        .click();
    harness.run();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, field)
        .type_text(reason);
    harness.run();
    harness
        .get_by_label("Skriv ut varsel og Helfo-ark…")
        .click();
    harness.run();
    harness.get_by_label_contains("Varsel om fristbrudd for henvisning");
    harness.get_by_label("Skriv ut 2 brev").click();
    harness.run();
    let pdf = dir.path().join(format!("fristbrudd-henvisning-{id}.pdf"));
    let text = pdf_extract::extract_text(&pdf).unwrap();
    assert!(
        text.contains(reason) && text.contains("Helfos skjema"),
        "{text}"
    );
    let note: String = harness
        .state()
        .store()
        .conn()
        .query_row(
            "SELECT note FROM letters WHERE kind = 'fristbrudd' AND recipient = 'helfo'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(note, reason);
}

/// The preview shows each letter as it will print (typst's own rasteriser), one at a time,
/// before anything is printed or recorded.
#[test]
fn the_letters_are_previewed_before_printing() {
    let mut harness = harness(demo_store(false));
    open_latest_meetings_letters(&mut harness);
    harness.get_by_label("Forhåndsvis").click();
    harness.run();
    harness.run();
    harness.get_by_label_contains("Brev 1 av ");
    harness.get_by_label("Side 1 av brevet");
    harness.get_by_label("Neste brev ▶").click();
    harness.run();
    harness.run();
    harness.get_by_label_contains("Brev 2 av ");
    // Nothing was printed or recorded by looking.
    let printed: i64 = harness
        .state()
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM letters WHERE printed_by = 'leder'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(printed, 0);
}
