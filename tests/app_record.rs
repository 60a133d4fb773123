//! The clinical record in the app, driven like a therapist drives it: a progress note
//! finalized and amended, commitments reviewed at the start of the next session, and the
//! progress chart's data read back.

mod common;

use common::{MAYA, click, demo_app, type_multiline};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tandem::app::{Screen, TandemApp};
use tandem::model::{Outcome, Partner, Session, StepData};
use tandem::vault::audit::AuditAction;

/// The sealed audit log, read with the passphrase.
fn entries(
    root: &std::path::Path,
) -> Result<Vec<tandem::vault::audit::AuditEntry>, tandem::vault::VaultError> {
    common::audit_entries(root, tandem::practice::DEMO_PASSPHRASE)
}
use tandem::vault::{RecordBody, RecordKind};

fn type_line(h: &mut Harness<'_, TandemApp>, label: &str, text: &str) {
    common::type_into(h, Role::TextInput, label, text);
}

/// Wait until every save submitted so far is on disk.
fn flush(h: &mut Harness<'_, TandemApp>) {
    h.state_mut().state.wait_for_saves(chrono::Utc::now());
}

fn audit_actions(h: &Harness<'_, TandemApp>) -> Vec<AuditAction> {
    let root = h.state().state.root().expect("root");
    entries(&root)
        .expect("log")
        .iter()
        .map(|e| e.action)
        .collect()
}

#[test]
fn a_note_is_drafted_edited_finalized_and_then_only_amended() {
    let mut h = demo_app();
    click(&mut h, MAYA);
    // The dialogue session's note: drafted from what it recorded.
    let dialogue = h.state().state.couple.as_ref().unwrap().sessions[2].clone();
    assert_eq!(dialogue.template_id, "intentional-dialogue");
    let notes: Vec<_> = h.get_all_by_label("Note").collect();
    // Sessions are listed newest first: the dialogue is third from the end.
    let n = notes.len();
    notes[n - 3].click();
    h.run();
    assert_eq!(h.state().state.screen, Screen::Note(dialogue.id));
    let form = h.state().state.forms.note.clone().expect("note form");
    let drafted: String = form.sections.iter().map(|s| s.text.clone()).collect();
    assert!(drafted.contains("felt understood after"), "{drafted}");
    assert_eq!(form.note.style, tandem::model::NoteStyle::Soap);

    // Edit the draft: saved as typed.
    type_multiline(&mut h, "Assessment", " Both engaged well.");
    type_line(
        &mut h,
        "Service code (optional, e.g. CPT 90847)",
        "CPT 90847",
    );
    type_line(&mut h, "Your name", "Dr. R. Vale");
    // The credentials and licence number the exported note's signature block shows are
    // the practice's settings, saved from here.
    type_line(&mut h, "Credentials (e.g. LMFT)", "LMFT");
    type_line(&mut h, "Licence number", "MFT 54321");
    click(&mut h, "Save credentials");
    let header = h.state().state.practice.as_ref().unwrap().vault().header();
    assert_eq!(
        (header.credentials.as_str(), header.licence_number.as_str()),
        ("LMFT", "MFT 54321")
    );
    click(&mut h, "Finalize note");
    // Signing is confirmed first: nothing is final until then.
    assert!(
        !h.state().state.forms.note.clone().unwrap().note.is_final(),
        "asked first"
    );
    click(&mut h, "Yes, finalize and sign");
    let note = h.state().state.forms.note.clone().unwrap().note;
    assert!(note.is_final(), "{:?}", h.state().state.status);
    assert_eq!(note.finalized.as_ref().unwrap().clinician, "Dr. R. Vale");
    assert_eq!(note.service_code.as_deref(), Some("CPT 90847"));
    assert!(note.sections[2].text.contains("Both engaged well."));

    // Typing into a finalized note changes nothing saved until it is an amendment.
    type_multiline(&mut h, "Plan", " Add a check-in call.");
    assert!(
        !h.state().state.forms.note.clone().unwrap().note.sections[3]
            .text
            .contains("check-in call")
    );
    assert!(
        h.get_by_label("Save amendment")
            .accesskit_node()
            .is_disabled(),
        "an amendment needs a reason first"
    );
    type_line(
        &mut h,
        "Reason for the amendment",
        "Plan agreed after the session",
    );
    click(&mut h, "Save amendment");
    flush(&mut h);
    let id = note.id.0;
    let practice = h.state().state.practice.as_ref().unwrap();
    let RecordBody::Note(saved) = practice.vault().load(RecordKind::Note, id).unwrap() else {
        panic!("not a note")
    };
    assert!(saved.is_final());
    assert_eq!(saved.amendments.len(), 1);
    assert_eq!(saved.amendments[0].reason, "Plan agreed after the session");
    assert!(saved.current()[3].text.contains("Add a check-in call."));
    assert!(
        !saved.sections[3].text.contains("check-in call"),
        "original kept"
    );
    assert!(saved.sections[2].text.contains("Both engaged well."));
    assert_eq!(saved.service_code.as_deref(), Some("CPT 90847"));
    // The screen shows the original beside the amendment.
    h.get_by_label("Original note as finalized");
    let actions = audit_actions(&h);
    for action in [AuditAction::Open, AuditAction::Finalize, AuditAction::Amend] {
        assert!(
            actions.contains(&action),
            "{action:?} not logged: {actions:?}"
        );
    }
}

#[test]
fn the_next_session_opens_with_a_review_of_open_commitments() {
    let mut h = demo_app();
    click(&mut h, MAYA);
    let course = h.state().state.couple.as_ref().unwrap().course.clone();
    let open_items: Vec<u32> = course.open_items().map(|i| i.id).collect();
    assert!(
        !open_items.is_empty(),
        "the demo plan's commitments are carried in"
    );
    // Start the next session: the review is at the top.
    click(&mut h, "New session");
    // A joint protocol: the review never opens over a measure taken alone.
    let label = common::template_label(&h, "communication-plan");
    click(&mut h, &label);
    click(&mut h, "Start session");
    h.get_by_label("Review of open commitments");
    let session = h.state().state.live.as_ref().unwrap().runner.session().id;
    // Each open item, from each side: four clicks for two items.
    let first = open_items[0];
    let owner = course
        .item(first)
        .unwrap()
        .owner
        .partner()
        .expect("the demo's commitments are one partner's");
    let side = if owner == Partner::A {
        "Maya Okafor (own view)"
    } else {
        "Maya Okafor (partner's view)"
    };
    h.get_all_by_role_and_label(Role::TextInput, side)
        .next()
        .unwrap()
        .focus();
    h.run();
    h.get_all_by_role_and_label(Role::TextInput, side)
        .next()
        .unwrap()
        .type_text("most evenings");
    h.run();
    let kept: Vec<_> = h.get_all_by_label("Kept").collect();
    assert_eq!(kept.len(), 2 * open_items.len());
    kept[0].click();
    h.run();
    let partly: Vec<_> = h.get_all_by_label("Partly").collect();
    partly[1].click();
    h.run();
    let view = h.state().state.couple.as_ref().unwrap();
    let item = view.course.item(first).unwrap();
    assert!(item.reviewed_in(session));
    assert_eq!(item.last_review(owner).unwrap().outcome, Outcome::Kept);
    assert_eq!(
        item.last_review(owner.other()).unwrap().outcome,
        Outcome::Partly
    );
    assert_eq!(item.adherence(), Some(0.75));
    let maya_side = if owner == Partner::A {
        owner
    } else {
        owner.other()
    };
    assert_eq!(item.last_review(maya_side).unwrap().note, "most evenings");
    assert_eq!(
        view.course.due_for_review(session).len(),
        open_items.len() - 1,
        "the reviewed item is no longer due"
    );
    let couple = view.couple.id;
    click(&mut h, "Done reviewing");
    assert!(h.query_by_label("Review of open commitments").is_none());
    // On disk, with the history.
    flush(&mut h);
    let practice = h.state().state.practice.as_ref().unwrap();
    let RecordBody::Course(saved) = practice.vault().load(RecordKind::Course, couple.0).unwrap()
    else {
        panic!("not a course")
    };
    assert_eq!(saved.item(first).unwrap().reviews.len(), 2);
    assert!(
        saved
            .item(first)
            .unwrap()
            .reviews
            .iter()
            .all(|r| r.session == Some(session))
    );
}

/// A session-measures session with the given trust ratings, a week after `base`.
fn measures_session(base: &Session, week: i64, a: u8, b: u8) -> Session {
    let mut s = base.clone();
    s.id = tandem::model::SessionId(uuid::Uuid::now_v7());
    s.started_at = base.started_at + chrono::Duration::weeks(week);
    s.ended_at = Some(s.started_at + chrono::Duration::minutes(50));
    for step in &mut s.steps {
        if let StepData::Rating(r) = &mut step.data {
            r.values
                .entry(Partner::A)
                .or_default()
                .insert("trust".into(), a);
            r.values
                .entry(Partner::B)
                .or_default()
                .insert("trust".into(), b);
        }
    }
    s
}

#[test]
fn the_progress_chart_shows_each_partners_ratings_and_flags_moving_apart() {
    let mut h = demo_app();
    click(&mut h, MAYA);
    // Three more weekly check-ins: Maya's trust rises, Daniel's falls, twice in a row.
    let base = {
        let view = h.state().state.couple.as_ref().unwrap();
        view.sessions
            .iter()
            .rev()
            .find(|s| s.template_id == "weekly-check-in")
            .unwrap()
            .clone()
    };
    let last = h
        .state()
        .state
        .couple
        .as_ref()
        .unwrap()
        .sessions
        .last()
        .unwrap()
        .started_at;
    let weeks = (last - base.started_at).num_weeks() + 1;
    {
        let practice = h.state().state.practice.as_ref().unwrap();
        for (i, (a, b)) in [(4, 8), (6, 6), (8, 3)].into_iter().enumerate() {
            let s = measures_session(&base, weeks + i as i64, a, b);
            practice
                .vault()
                .save(&RecordBody::Session(s), chrono::Utc::now())
                .unwrap();
        }
    }
    // Reopen the couple so the page reads the vault again.
    click(&mut h, "C-0102  Sam Whitfield & Jordan Lee");
    h.state_mut()
        .state
        .apply(
            tandem::app::command::VaultCommand::Lock.into(),
            chrono::Utc::now(),
        )
        .unwrap();
    h.run();
    h.state_mut().state.forms.passphrase = tandem::practice::DEMO_PASSPHRASE.into();
    h.state_mut()
        .state
        .apply(
            tandem::app::command::VaultCommand::Unlock.into(),
            chrono::Utc::now(),
        )
        .unwrap();
    common::settle(&mut h);
    click(&mut h, MAYA);
    click(&mut h, "Progress");
    let view = h.state().state.couple.as_ref().unwrap();
    let trust = view
        .measures
        .iter()
        .find(|m| m.key == "item/trust/0-10")
        .expect("a trust chart");
    // The chart's data are every session's ratings, in order, for both partners.
    let expected: Vec<(Option<f32>, Option<f32>)> = view
        .sessions
        .iter()
        .filter_map(|s| {
            s.steps.iter().find_map(|st| match &st.data {
                StepData::Rating(r) if r.values.values().any(|v| v.contains_key("trust")) => {
                    Some((
                        r.values
                            .get(&Partner::A)
                            .and_then(|v| v.get("trust"))
                            .map(|v| f32::from(*v)),
                        r.values
                            .get(&Partner::B)
                            .and_then(|v| v.get("trust"))
                            .map(|v| f32::from(*v)),
                    ))
                }
                _ => None,
            })
        })
        .collect();
    let charted: Vec<(Option<f32>, Option<f32>)> = trust
        .points
        .iter()
        .map(|p| {
            (
                p.values.get(&Partner::A).copied(),
                p.values.get(&Partner::B).copied(),
            )
        })
        .collect();
    assert_eq!(charted, expected);
    assert_eq!(
        &charted[charted.len() - 3..],
        &[
            (Some(4.0), Some(8.0)),
            (Some(6.0), Some(6.0)),
            (Some(8.0), Some(3.0))
        ]
    );
    // The flag is on screen, naming who rose.
    assert!(
        h.get_all_by_label_contains("Moving apart")
            .next()
            .is_some_and(|_| h
                .get_all_by_label_contains("Maya Okafor rose while Daniel Reyes fell")
                .next()
                .is_some()),
        "divergence flagged with the names"
    );
}

#[test]
fn search_finds_records_grouped_by_couple_including_a_note_just_written() {
    let mut h = demo_app();
    type_line(&mut h, "Search records", "Okafor");
    click(&mut h, "Search");
    // The search index is read on a job after unlocking: the search runs once it is in.
    common::settle(&mut h);
    let found = h.state().state.forms.found.clone().expect("searched");
    assert_eq!(found.groups.len(), 1);
    assert_eq!(found.groups[0].code, "C-0101");
    h.get_by_label("C-0101");
    // A process note written after the index was built is found too, labelled as such.
    click(&mut h, MAYA);
    h.get_all_by_label("Note").next().unwrap().click();
    h.run();
    type_multiline(
        &mut h,
        "Process note (psychotherapy note)",
        "zanzibar-canary",
    );
    click(&mut h, "Save process note");
    click(&mut h, "Back to the couple");
    h.get_by_role_and_label(Role::TextInput, "Search records")
        .focus();
    h.run();
    h.state_mut().state.forms.query = "zanzibar".into();
    h.run();
    click(&mut h, "Search");
    common::settle(&mut h);
    let found = h.state().state.forms.found.clone().expect("searched");
    assert_eq!(found.total, 1, "{found:?}");
    assert!(found.groups[0].hits[0].0.contains("process note"));
    assert!(found.groups[0].hits[0].1.contains("zanzibar-canary"));
}

#[test]
fn the_disclosure_documents_custody_is_logged_saved_and_audited() {
    let mut h = demo_app();
    click(&mut h, MAYA);
    click(&mut h, "Affair recovery");
    assert!(h.query_by_label_contains("Nothing recorded yet").is_some());
    type_line(&mut h, "Recorded by", "Dr. R. Vale");
    type_line(
        &mut h,
        "Custody note (optional)",
        "CUSTODY-NOTE-CANARY sealed envelope",
    );
    click(&mut h, "Daniel Reyes (partner B)");
    click(&mut h, "Record who holds it");
    assert!(
        h.query_by_label_contains("Held by Daniel Reyes since")
            .is_some(),
        "{:?}",
        h.state().state.status
    );
    type_line(&mut h, "Destroy by (YYYY-MM-DD)", "2031-01-15");
    click(&mut h, "Schedule destruction");
    assert!(h.query_by_label("To be destroyed by 15 Jan 2031").is_some());
    click(&mut h, "Record it destroyed");
    assert!(h.query_by_label_contains("Destroyed on").is_some());
    // Nothing can change after that: the form is gone.
    assert!(h.query_by_label("Record who holds it").is_none());
    flush(&mut h);

    let couple = h.state().state.couple.as_ref().unwrap().couple.id;
    let course = match h
        .state()
        .state
        .practice
        .as_ref()
        .unwrap()
        .vault()
        .load(RecordKind::Course, couple.0)
        .expect("course saved")
    {
        RecordBody::Course(c) => c,
        _ => panic!("course expected"),
    };
    use tandem::model::{CustodyChange, Holder};
    let changes: Vec<&CustodyChange> = course.custody.iter().map(|e| &e.change).collect();
    assert_eq!(
        changes,
        vec![
            &CustodyChange::HeldBy(Holder::Partner(Partner::B)),
            &CustodyChange::DestroyBy(chrono::NaiveDate::from_ymd_opt(2031, 1, 15).unwrap()),
            &CustodyChange::Destroyed,
        ]
    );
    assert!(
        course
            .custody
            .iter()
            .all(|e| e.recorded_by == "Dr. R. Vale")
    );
    assert!(course.custody[0].note.contains("CUSTODY-NOTE-CANARY"));
    let status = course.custody_of("Disclosure document").expect("logged");
    assert!(status.destroyed_at.is_some());

    let root = h.state().state.root().expect("root");
    let log = entries(&root).expect("log");
    let custody: Vec<_> = log
        .iter()
        .filter(|e| e.action == AuditAction::Custody)
        .collect();
    assert_eq!(custody.len(), 3);
    assert!(custody.iter().all(|e| e.record == Some(couple.0)));
    assert_eq!(custody[0].detail, "disclosure document held by partner B");
    assert_eq!(custody[2].detail, "disclosure document destroyed");
    for e in &log {
        assert!(
            !e.detail.contains("CANARY"),
            "the note reached the audit log"
        );
        assert!(!e.detail.contains("Vale"), "a name reached the audit log");
    }
}

#[test]
fn the_couple_page_names_no_one_as_positive_until_the_safety_details_are_opened_and_closes_them_when_left()
 {
    let mut h = demo_app();
    click(&mut h, MAYA);
    // As if Maya's latest screen were positive: the page draws what the record says.
    h.state_mut()
        .state
        .couple
        .as_mut()
        .expect("open")
        .safety
        .positive
        .insert(Partner::A);
    h.run();
    assert!(
        h.query_by_label_contains("A screen needs follow-up")
            .is_some()
    );
    for hidden in ["Positive screen", "Decision:", "latest private screen"] {
        assert!(h.query_by_label_contains(hidden).is_none(), "{hidden}");
    }
    click(&mut h, "Show safety details");
    assert!(
        h.query_by_label_contains("Positive screen: Maya Okafor")
            .is_some()
    );
    assert!(h.query_by_label_contains("Decision:").is_some());
    click(&mut h, "Hide safety details");
    assert!(h.query_by_label_contains("Positive screen").is_none());
    // Left open, they close once the page is left: whoever looks next sees none of it.
    click(&mut h, "Show safety details");
    click(&mut h, "New session");
    assert_eq!(h.state().state.forms.safety_details, None);
    click(&mut h, "Back to the practice");
    assert!(h.query_by_label_contains("Positive screen").is_none());
    assert!(h.query_by_label("Show safety details").is_some());
}

#[test]
fn a_session_imported_past_the_safety_gate_is_flagged_on_the_couples_page() {
    let mut h = demo_app();
    let now = chrono::Utc::now();
    let (joint, unscreened) = {
        let state = &mut h.state_mut().state;
        let practice = state.practice.as_mut().expect("unlocked");
        let maya = practice.lists().couples[0].id;
        let check_in = practice
            .couple_sessions(maya)
            .0
            .into_iter()
            .find(|s| s.template_id == "weekly-check-in")
            .expect("a check-in");
        let couple = practice
            .save_couple(
                &tandem::practice::CoupleInput {
                    code: "C-0999".into(),
                    name_a: "Ren".into(),
                    name_b: "Ash".into(),
                    ..Default::default()
                },
                now,
            )
            .expect("saved");
        practice.flush_saves(std::time::Duration::from_secs(10));
        let copy = Session {
            id: tandem::model::SessionId(uuid::Uuid::now_v7()),
            couple: couple.id,
            ..check_in
        };
        let flags = practice
            .import_record(RecordBody::Session(copy.clone()), now)
            .expect("kept");
        assert_eq!(
            flags,
            [tandem::practice::imports::ImportFlag::JointWorkNotCleared]
        );
        (copy, couple)
    };
    h.run();
    click(&mut h, "C-0999  Ren & Ash");
    assert_eq!(
        h.state().state.couple.as_ref().map(|c| c.couple.id),
        Some(unscreened.id)
    );
    assert!(
        h.query_by_label_contains("flagged on import").is_some(),
        "the session's line says so"
    );
    assert!(
        h.query_by_label_contains("1 record brought in with `tandem import` needs a look")
            .is_some()
    );
    click(&mut h, "Show safety details");
    let line = format!(
        "Session of {}, Weekly check-in: a joint protocol",
        joint.started_at.format("%Y-%m-%d")
    );
    assert!(h.query_by_label_contains(&line).is_some(), "{line}");
}

#[test]
fn a_shared_commitment_is_made_for_both_reviewed_from_each_side_and_printed_with_both_names() {
    let mut h = demo_app();
    common::start(&mut h, "communication-plan");
    let plan_at = common::live_session(&h)
        .steps
        .iter()
        .position(|s| matches!(s.data, StepData::Plan(_)))
        .expect("plan step");
    while common::live_session(&h).current < plan_at {
        click(&mut h, "Next");
    }
    h.get_by_role_and_label(Role::RadioButton, "Both of them, together")
        .click();
    h.run();
    type_multiline(
        &mut h,
        "What exactly will be done (something anyone could see)",
        "Walk together after dinner, phones at home",
    );
    type_multiline(
        &mut h,
        "How often and when",
        "Sunday and Wednesday evenings",
    );
    click(&mut h, "Add commitment");
    let session = common::live_session(&h);
    let StepData::Plan(plan) = &session.steps[plan_at].data else {
        panic!("plan")
    };
    let shared = plan.commitments.last().expect("added");
    assert_eq!(shared.draft.owner, tandem::model::Owner::Both);
    assert!(common::on_screen(
        &h,
        "Maya Okafor and Daniel Reyes: Walk together after dinner, phones at home"
    ));

    // The couple's plan names both of them as its owners.
    let couple = h.state().state.live.as_ref().expect("live").couple.clone();
    let practice = h.state().state.practice.as_ref().expect("unlocked");
    let report = practice
        .export_session(
            &session,
            &couple,
            tandem::export::SessionDocument::Plan,
            tandem::model::Audience::Couple,
            &practice.export_context(chrono::Utc::now()),
        )
        .expect("exported")
        .report;
    let pdf = tandem::export::render(&report, &mut |_| {}).expect("pdf");
    let words = common::flat(&common::pdf_text(&pdf));
    assert!(words.contains("Maya Okafor and Daniel Reyes"), "{words}");
    assert!(words.contains("Shared commitments"), "{words}");

    // Ended and closed; the next joint session opens with it to review, from each side,
    // each as their own.
    click(&mut h, "End session");
    click(&mut h, "Yes, end the session");
    click(&mut h, "Close session");
    click(&mut h, "New session");
    let label = common::template_label(&h, "communication-plan");
    click(&mut h, &label);
    click(&mut h, "Start session");
    h.get_by_label("Review of open commitments");
    let next = h
        .state()
        .state
        .live
        .as_ref()
        .expect("live")
        .runner
        .session()
        .id;
    let view = h.state().state.couple.as_ref().expect("open");
    let item = view
        .course
        .ledger
        .iter()
        .find(|i| i.owner == tandem::model::Owner::Both)
        .expect("the shared commitment is in the ledger")
        .id;
    let own_views = h
        .get_all_by_role_and_label(Role::TextInput, "Daniel Reyes (own view)")
        .count();
    assert!(own_views >= 1, "Daniel reviews the shared one as his own");
    // The shared item is the ledger's newest: its two rows are the last.
    let kept: Vec<_> = h.get_all_by_label("Kept").collect();
    let n = kept.len();
    kept[n - 2].click();
    h.run();
    let partly: Vec<_> = h.get_all_by_label("Partly").collect();
    partly[n - 1].click();
    h.run();
    let view = h.state().state.couple.as_ref().expect("open");
    let reviewed = view.course.item(item).expect("item");
    assert!(reviewed.reviewed_in(next));
    assert_eq!(
        reviewed.last_review(Partner::A).expect("A").outcome,
        Outcome::Kept
    );
    assert_eq!(
        reviewed.last_review(Partner::B).expect("B").outcome,
        Outcome::Partly
    );
    // The ledger tab shows a line for the shared ones.
    let rates = view.course.adherence_by_owner();
    assert_eq!(rates.get(&tandem::model::Owner::Both), Some(&0.75));
}
