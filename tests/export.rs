//! PDF export, read back: every produced PDF is parsed and its text asserted on, for what
//! it must say and what it must never say to the wrong audience.

mod common;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use common::{flat, pdf_text};
use tandem::demo::{Mood, Rng, run_session};
use tandem::export::{
    self, Context, ExportError, Progress, SessionDocument, Zone, blank_worksheet, progress_report,
    session_report,
};
use tandem::model::{
    Audience, Bindings, COUPLE_FORMAT, Couple, CoupleFacts, CoupleId, Partner, PartnerInfo,
    PointReply, Respondent, SafetyDecision, Session, StepData, Visibility, is_question_shared,
};
use tandem::template::Library;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
}

fn ctx() -> Context {
    Context {
        practice: "Harbour Couples Therapy".into(),
        now: now(),
        zone: Zone::Fixed(FixedOffset::east_opt(3600).unwrap()),
        resources: Vec::new(),
        dates: Default::default(),
    }
}

fn couple() -> Couple {
    Couple {
        format: COUPLE_FORMAT,
        id: CoupleId(uuid::Uuid::from_u128(7)),
        code: "C-0900".into(),
        partner_a: PartnerInfo {
            name: "Maya Okafor".into(),
            pronouns: String::new(),
        },
        partner_b: PartnerInfo {
            name: "Daniel Reyes".into(),
            pronouns: String::new(),
        },
        created_on: now().date_naive(),
        archived: false,
    }
}

fn cleared() -> CoupleFacts {
    CoupleFacts {
        screened: Partner::BOTH.into_iter().collect(),
        safety_decision: Some(SafetyDecision::JointWork),
    }
}

/// A session of `template_id` filled by the demo's filler, run through the real runner.
fn run(library: &Library, template_id: &str, seed: u64, days_ago: i64) -> Session {
    let template = library.get(template_id).expect("shipped template");
    let mut rng = Rng::new(seed);
    run_session(
        template,
        couple().id,
        now() - Duration::days(days_ago),
        cleared(),
        &mut rng,
        Mood { a: 0.5, b: 0.4 },
    )
    .expect("the demo filler runs every shipped template")
}

fn render(report: &export::Report) -> Vec<u8> {
    export::render(report, &mut |_| {}).expect("renders")
}

// ---------------------------------------------------------------------------------------
// Canaries

/// Replace every piece of recorded text with a canary naming who may see it:
/// JOINTC (everyone), PRIVAC / PRIVBC (that partner and the clinician), PRIVXC (private
/// but nobody's own: the clinician), CLINC (clinician-only steps), NOTEC (clinician
/// notes), QOWNAC/QOWNBC (a question list's unshared items), QWHYAC/QWHYBC (its reasons),
/// DRAFTC (text never submitted).
fn canarize(session: &mut Session) {
    session
        .drafts
        .insert("mirror".into(), "DRAFTC typed but never submitted".into());
    for (i, record) in session.steps.iter_mut().enumerate() {
        record.clinician_note = format!("NOTEC{i} the clinician's own note");
        let vis = record.visibility;
        let general = match vis {
            Visibility::Joint => "JOINTC",
            Visibility::PartnerPrivate => "PRIVXC",
            Visibility::ClinicianOnly => "CLINC",
        };
        let by = |r: &Respondent| match (vis, r) {
            (Visibility::PartnerPrivate, Respondent::Partner(Partner::A)) => "PRIVAC",
            (Visibility::PartnerPrivate, Respondent::Partner(Partner::B)) => "PRIVBC",
            _ => general,
        };
        match &mut record.data {
            StepData::Text(e) => {
                for (r, text) in e.entries.iter_mut() {
                    *text = format!("{}{i} wrote this", by(r));
                }
            }
            StepData::Loop(l) => {
                if let Some(m) = &mut l.message {
                    m.text = format!("{general}{i} message");
                }
                for a in &mut l.attempts {
                    a.text = format!("{general}{i} mirror");
                    a.reply = format!("{general}{i} reply");
                }
                for attempts in l.stages.values_mut() {
                    for a in attempts {
                        a.text = format!("{general}{i} stage");
                    }
                }
            }
            StepData::Floor(f) => {
                for e in &mut f.exchanges {
                    match e {
                        tandem::model::Exchange::Chunk { text, .. }
                        | tandem::model::Exchange::Paraphrase { text, .. } => {
                            *text = format!("{general}{i} floor")
                        }
                    }
                }
            }
            StepData::Questions(q) => {
                let released = q.released_at.is_some();
                let (own, why) = match q.owner {
                    Partner::A => ("QOWNAC", "QWHYAC"),
                    Partner::B => ("QOWNBC", "QWHYBC"),
                };
                for item in &mut q.items {
                    let shared = released && is_question_shared(item.status);
                    // A shared question of a clinician-only step is still the clinician's.
                    let tag = match (shared, vis) {
                        (_, Visibility::ClinicianOnly) => "CLINC",
                        (true, _) => "JOINTC",
                        (false, _) => own,
                    };
                    item.text = format!("{tag}{i} question");
                    item.why = format!("{why}{i} reason");
                    if let Some(answer) = &mut item.answer {
                        answer.text = format!("{tag}{i} answer");
                    }
                }
            }
            StepData::Plan(p) => {
                for c in &mut p.commitments {
                    let owner = c.draft.owner.partner().expect("one partner's");
                    c.draft.behaviour = format!("{}{i} promise", by(&Respondent::Partner(owner)));
                }
            }
            StepData::Reply(r) => {
                let tag = by(&Respondent::Partner(r.author));
                for reply in &mut r.replies {
                    reply.text = format!("{tag}{i} answer");
                }
            }
            _ => {}
        }
    }
}

const ALL_TAGS: [&str; 11] = [
    "JOINTC", "PRIVAC", "PRIVBC", "PRIVXC", "CLINC", "NOTEC", "QOWNAC", "QOWNBC", "QWHYAC",
    "QWHYBC", "DRAFTC",
];

/// The canaries an audience may read.
fn allowed(audience: Audience) -> &'static [&'static str] {
    match audience {
        Audience::Clinician => &[
            "JOINTC", "PRIVAC", "PRIVBC", "PRIVXC", "CLINC", "NOTEC", "QOWNAC", "QOWNBC", "QWHYAC",
            "QWHYBC",
        ],
        Audience::Couple => &["JOINTC"],
        Audience::Partner(Partner::A) => &["JOINTC", "PRIVAC", "QOWNAC", "QWHYAC"],
        Audience::Partner(Partner::B) => &["JOINTC", "PRIVBC", "QOWNBC", "QWHYBC"],
    }
}

#[test]
fn canaries_in_private_and_clinician_items_never_reach_the_wrong_audience() {
    let library = Library::builtin();
    let mut seen_by: std::collections::BTreeMap<(Audience, &str), usize> = Default::default();
    let mut checked = 0;
    for (n, (_, template)) in library.templates.iter().enumerate() {
        let mut session = run(&library, &template.id, 100 + n as u64, 3);
        // Leave some questions of every list out of the session (a draft, a withdrawn
        // one): they stay their owner's even after the list is released.
        for step in &mut session.steps {
            if let StepData::Questions(q) = &mut step.data
                && q.items.len() >= 3
            {
                q.items[0].status = tandem::model::QuestionStatus::Draft;
                q.items[1].status = tandem::model::QuestionStatus::Withdrawn;
                q.items[2].caution = true;
            }
        }
        canarize(&mut session);
        for audience in Audience::ALL {
            for document in SessionDocument::ALL {
                let report = match session_report(
                    document,
                    &session,
                    &couple(),
                    Some(template),
                    audience,
                    &ctx(),
                ) {
                    Ok(report) => report,
                    Err(ExportError::Nothing { .. }) => continue,
                    Err(e) => panic!("{}: {e}", template.id),
                };
                let text = pdf_text(&render(&report));
                assert!(
                    text.contains(&format!("made for {}.", audience.reader())),
                    "{} {document:?}: the PDF says who it is for",
                    template.id
                );
                checked += 1;
                if audience != Audience::Clinician {
                    assert!(
                        !text.contains("graphic detail"),
                        "{} {document:?}: the caution flag reached the {audience}",
                        template.id
                    );
                }
                for tag in ALL_TAGS {
                    let found = text.contains(tag);
                    if found {
                        *seen_by.entry((audience, tag)).or_default() += 1;
                    }
                    if !allowed(audience).contains(&tag) {
                        assert!(
                            !found,
                            "{} {document:?} for the {audience} shows {tag}",
                            template.id
                        );
                    }
                }
                // The note shows exactly what redaction lets this audience see.
                if document == SessionDocument::Note {
                    let visible = format!("{:?}", tandem::model::redact(&session, audience));
                    for tag in ALL_TAGS {
                        assert_eq!(
                            text.contains(tag),
                            visible.contains(tag),
                            "{} note for the {audience}: {tag}",
                            template.id
                        );
                    }
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} documents checked");
    // Every kind of private item was exercised and reached its own partner.
    for (audience, tag) in [
        (Audience::Partner(Partner::A), "PRIVAC"),
        (Audience::Partner(Partner::B), "PRIVBC"),
        (Audience::Clinician, "CLINC"),
        (Audience::Clinician, "NOTEC"),
        (Audience::Couple, "JOINTC"),
    ] {
        assert!(
            seen_by.get(&(audience, tag)).is_some_and(|n| *n > 0),
            "no document for the {audience} showed {tag}"
        );
    }
}

#[test]
fn private_ratings_reach_only_their_partner_in_the_progress_report() {
    let library = Library::builtin();
    let sessions: Vec<Session> = (0..3)
        .map(|week| run(&library, "csi-4", 300 + week, 21 - 7 * week as i64))
        .collect();
    let text_for = |audience| {
        let report = progress_report(&couple(), &sessions, &library, audience, &ctx());
        flat(&pdf_text(&render(&report)))
    };
    let clinician = text_for(Audience::Clinician);
    assert!(clinician.contains("Couples Satisfaction Index (CSI-4): total score"));
    assert!(
        clinician.contains("Maya Okafor (partner A)")
            && clinician.contains("Daniel Reyes (partner B)")
    );
    let couple_text = text_for(Audience::Couple);
    assert!(
        !couple_text.contains("total score"),
        "the CSI-4 is private to each partner"
    );
    assert!(couple_text.contains("No ratings yet"));
    // Each partner's report holds their own series, and never the other's, whichever
    // partner reads it.
    for (me, my_name) in [(Partner::A, "Maya Okafor"), (Partner::B, "Daniel Reyes")] {
        let text = text_for(Audience::Partner(me));
        assert!(
            text.contains("total score") && text.contains(&format!("{my_name} ({me})")),
            "{me}'s report lacks their own CSI-4"
        );
        assert!(
            !text.contains(&format!("({})", me.other())),
            "{me}'s report shows {}'s CSI-4",
            me.other()
        );
    }
}

// ---------------------------------------------------------------------------------------
// What documents say

#[test]
fn a_session_note_states_loop_counts_and_commitments() {
    let library = Library::builtin();
    let dialogue = run(&library, "intentional-dialogue", 11, 2);
    let template = library.get("intentional-dialogue");
    let report = session_report(
        SessionDocument::Note,
        &dialogue,
        &couple(),
        template,
        Audience::Clinician,
        &ctx(),
    )
    .unwrap();
    let text = flat(&pdf_text(&render(&report)));
    let loops: Vec<_> = dialogue
        .steps
        .iter()
        .filter_map(|s| match &s.data {
            StepData::Loop(l) if !l.attempts.is_empty() => Some(l),
            _ => None,
        })
        .collect();
    assert!(!loops.is_empty());
    for l in loops {
        let speaker = if l.speaker == Partner::A {
            "Maya Okafor"
        } else {
            "Daniel Reyes"
        };
        let n = l.attempts.len();
        let phrase = format!(
            "{speaker} felt understood after {n} mirror{}",
            if n == 1 { "" } else { "s" }
        );
        assert!(text.contains(&phrase), "missing: {phrase}");
    }

    let plan = run(&library, "communication-plan", 12, 2);
    let report = session_report(
        SessionDocument::Note,
        &plan,
        &couple(),
        library.get("communication-plan"),
        Audience::Couple,
        &ctx(),
    )
    .unwrap();
    let text = flat(&pdf_text(&render(&report)));
    let commitments: Vec<_> = plan
        .steps
        .iter()
        .flat_map(|s| match &s.data {
            StepData::Plan(p) => p.commitments.clone(),
            _ => vec![],
        })
        .collect();
    assert!(!commitments.is_empty());
    // The couple's summary lists their agreements in words, without counts or dates.
    assert!(text.contains("Your agreements"), "{text}");
    for c in &commitments {
        assert!(
            text.contains(&c.draft.behaviour),
            "missing {}",
            c.draft.behaviour
        );
    }
    let plan_doc = session_report(
        SessionDocument::Plan,
        &plan,
        &couple(),
        library.get("communication-plan"),
        Audience::Couple,
        &ctx(),
    )
    .unwrap();
    let text = flat(&pdf_text(&render(&plan_doc)));
    assert!(text.contains("At the review: ☐ kept ☐ partly kept ☐ missed"));
    for c in &commitments {
        assert!(text.contains(&c.draft.behaviour));
        assert!(text.contains(&c.draft.review_on.format("%-d %b %Y").to_string()));
    }
}

/// The numbers that follow `prefix` (a table row's date and protocol) wherever it
/// appears, row by row: `[[7, 4], [5, 6]]` for two rows of two partners.
fn rows_after(text: &str, prefix: &str, cells: usize) -> Vec<Vec<u32>> {
    text.match_indices(prefix)
        .map(|(at, _)| {
            text[at + prefix.len()..]
                .split_whitespace()
                .take(cells)
                .map_while(|word| word.parse().ok())
                .collect()
        })
        .collect()
}

#[test]
fn the_progress_report_tables_every_rating_with_its_date() {
    let library = Library::builtin();
    // Values no two cells share, so that each row can only be the one expected.
    let trust = |week: u64, p: Partner| match p {
        Partner::A => 1 + week as u8,
        Partner::B => 9 - week as u8,
    };
    let heard = |week: u64, p: Partner| match p {
        Partner::A => 6,
        Partner::B => 5 - week as u8,
    };
    let sessions: Vec<Session> = (0..4)
        .map(|week| {
            let mut session = run(
                &library,
                "weekly-check-in",
                400 + week,
                28 - 7 * week as i64,
            );
            for step in &mut session.steps {
                if let StepData::Rating(r) = &mut step.data {
                    for p in Partner::BOTH {
                        r.values.insert(
                            p,
                            [
                                ("trust".to_string(), trust(week, p)),
                                ("felt_heard".to_string(), heard(week, p)),
                            ]
                            .into(),
                        );
                    }
                }
            }
            session
        })
        .collect();
    let text_for = |audience| {
        let report = progress_report(&couple(), &sessions, &library, audience, &ctx());
        flat(&pdf_text(&render(&report)))
    };
    // The check-in's ratings are each partner's own: the couple's report has none.
    assert!(text_for(Audience::Couple).contains("No ratings yet"));
    let readers = [
        (Audience::Clinician, &Partner::BOTH[..]),
        (Audience::Partner(Partner::A), &[Partner::A][..]),
        (Audience::Partner(Partner::B), &[Partner::B][..]),
    ];
    for (audience, columns) in readers {
        let text = text_for(audience);
        assert!(text.contains("Progress report"));
        assert!(
            text.contains("Trust") && text.contains("Felt heard"),
            "{audience}"
        );
        for (week, session) in sessions.iter().enumerate() {
            let week = week as u64;
            let date = session
                .started_at
                .with_timezone(&FixedOffset::east_opt(3600).unwrap())
                .format("%-d %b %Y")
                .to_string();
            let mut rows = rows_after(&text, &format!("{date} Weekly check-in "), columns.len());
            rows.sort();
            let mut expected: Vec<Vec<u32>> = [trust, heard]
                .iter()
                .map(|measure| {
                    columns
                        .iter()
                        .map(|p| u32::from(measure(week, *p)))
                        .collect()
                })
                .collect();
            expected.sort();
            assert_eq!(rows, expected, "{audience}: the rows of {date}");
        }
        for p in Partner::BOTH {
            assert_eq!(
                text.contains(&format!("({p})")),
                columns.contains(&p),
                "{audience}: the series of {p}"
            );
        }
    }
}

#[test]
fn a_blank_worksheet_exports_for_every_shipped_template_and_audience() {
    let library = Library::builtin();
    assert!(library.templates.len() >= 19);
    for (_, template) in &library.templates {
        let instructions = template
            .steps
            .iter()
            .find(|s| s.visibility == Visibility::Joint && s.therapist.len() > 40)
            .map(|s| flat(&s.therapist.chars().take(40).collect::<String>()));
        for audience in Audience::ALL {
            let report = match blank_worksheet(template, audience, both_roles(Partner::A), &ctx()) {
                // A protocol answered by each partner privately has no couple's sheet.
                Err(ExportError::NothingToFill { audience: refused })
                    if refused == audience && audience == Audience::Couple =>
                {
                    continue;
                }
                other => other.expect("every role bound"),
            };
            let text = flat(&pdf_text(&render(&report)));
            assert!(text.contains("Worksheet:"), "{}", template.id);
            assert!(text.contains(&format!("made for {}.", audience.reader())));
            if let Some(instructions) = &instructions
                && !instructions.contains('{')
            {
                assert_eq!(
                    text.contains(instructions.as_str()),
                    audience == Audience::Clinician,
                    "{}: therapist instructions on the {audience}'s sheet",
                    template.id
                );
            }
        }
    }
    // The safety screen's private items are on each partner's own sheet only (and only
    // the clinician's sheet of it is ever made: see the next test).
    let screen = library.get("safety-screen").unwrap();
    let a = flat(&pdf_text(&render(
        &blank_worksheet(
            screen,
            Audience::Partner(Partner::A),
            Bindings::default(),
            &ctx(),
        )
        .unwrap(),
    )));
    let couple_sheet = flat(&pdf_text(&render(
        &blank_worksheet(screen, Audience::Couple, Bindings::default(), &ctx()).unwrap(),
    )));
    assert!(a.contains("Partner A, on your own"));
    assert!(!a.contains("Partner B, on your own"));
    assert!(!couple_sheet.contains("Partner A, on your own"));
    assert!(!couple_sheet.contains("Decision"));
}

/// Every role the shipped protocols use, held by `p` (speaker and hurt partner).
fn both_roles(p: Partner) -> Bindings {
    Bindings {
        speaker: Some(p),
        hurt_partner: Some(p),
    }
}

fn section_titles(report: &export::Report) -> Vec<String> {
    report.sections.iter().map(|s| s.title.clone()).collect()
}

#[test]
fn the_safety_screen_has_a_blank_sheet_for_the_clinician_only() {
    let library = Library::builtin();
    let screen = library.get("safety-screen").unwrap();
    for audience in [
        Audience::Couple,
        Audience::Partner(Partner::A),
        Audience::Partner(Partner::B),
    ] {
        let error =
            tandem::practice::export::blank_sheet(screen, audience, Bindings::default(), &ctx())
                .unwrap_err();
        assert!(error.to_string().contains("clinician only"), "{error}");
    }
    let clinician = tandem::practice::export::blank_sheet(
        screen,
        Audience::Clinician,
        Bindings::default(),
        &ctx(),
    )
    .unwrap();
    assert!(
        section_titles(&clinician)
            .iter()
            .any(|t| t == "Partner A, on your own")
    );
}

#[test]
fn a_partners_blank_sheet_carries_their_own_roles_private_steps_and_never_the_others() {
    let library = Library::builtin();
    let prep = library.get("disclosure-preparation").unwrap();
    let questions = "The hurt partner's questions";
    let account = "The disclosing partner's written account";
    for hurt in Partner::BOTH {
        let bindings = Bindings {
            speaker: None,
            hurt_partner: Some(hurt),
        };
        let sheet = |p| {
            section_titles(&blank_worksheet(prep, Audience::Partner(p), bindings, &ctx()).unwrap())
        };
        let (mine, theirs) = (sheet(hurt), sheet(hurt.other()));
        assert!(mine.iter().any(|t| t == questions), "{mine:?}");
        assert!(!mine.iter().any(|t| t == account), "{mine:?}");
        assert!(theirs.iter().any(|t| t == account), "{theirs:?}");
        assert!(!theirs.iter().any(|t| t == questions), "{theirs:?}");
    }
    // A private rating by both roles: each partner rates on their own sheet only.
    let session = library.get("disclosure-session").unwrap();
    let sheet = blank_worksheet(
        session,
        Audience::Partner(Partner::B),
        Bindings {
            speaker: None,
            hurt_partner: Some(Partner::A),
        },
        &ctx(),
    )
    .unwrap();
    let distress = sheet
        .sections
        .iter()
        .find(|s| s.title == "Distress right now")
        .expect("their own rating");
    let raters: Vec<&str> = distress
        .blocks
        .iter()
        .filter_map(|b| match b {
            export::report::Block::Heading(h) => Some(h.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(raters, ["The disclosing partner"]);
    // Without knowing who the hurt partner is, a partner's sheet is refused, naming the
    // role; the couple's and the clinician's sheets need no binding.
    for p in Partner::BOTH {
        assert_eq!(
            blank_worksheet(prep, Audience::Partner(p), Bindings::default(), &ctx()).unwrap_err(),
            ExportError::Unbound {
                role: tandem::model::Role::HurtPartner
            }
        );
    }
    let clinician = section_titles(
        &blank_worksheet(prep, Audience::Clinician, Bindings::default(), &ctx()).unwrap(),
    );
    assert!(clinician.iter().any(|t| t == questions) && clinician.iter().any(|t| t == account));
    let couple = section_titles(
        &blank_worksheet(prep, Audience::Couple, Bindings::default(), &ctx()).unwrap(),
    );
    assert!(!couple.iter().any(|t| t == questions || t == account));
}

#[test]
fn the_same_record_and_clock_give_the_same_text() {
    let library = Library::builtin();
    let session = run(&library, "regrettable-incident", 21, 1);
    let make = || {
        let report = session_report(
            SessionDocument::Note,
            &session,
            &couple(),
            library.get("regrettable-incident"),
            Audience::Clinician,
            &ctx(),
        )
        .unwrap();
        pdf_text(&render(&report))
    };
    assert_eq!(make(), make());
}

#[test]
fn every_page_has_the_header_and_page_i_of_n() {
    let library = Library::builtin();
    let mut session = run(&library, "intentional-dialogue", 31, 1);
    // Make it long: a paragraph per mirror, repeated.
    if let Some(StepData::Loop(l)) = session
        .steps
        .iter_mut()
        .map(|s| &mut s.data)
        .find(|d| matches!(d, StepData::Loop(_)))
    {
        let attempt = l.attempts[0].clone();
        l.attempts = vec![attempt; 120];
    }
    let report = session_report(
        SessionDocument::Note,
        &session,
        &couple(),
        library.get("intentional-dialogue"),
        Audience::Clinician,
        &ctx(),
    )
    .unwrap();
    let bytes = render(&report);
    let doc = printpdf::PdfDocument::parse(&bytes, &Default::default(), &mut Vec::new()).unwrap();
    let pages = doc.extract_text();
    assert!(pages.len() > 3);
    for (i, page) in pages.iter().enumerate() {
        let text = page.join("\n");
        assert!(text.contains("Harbour Couples Therapy"), "page {}", i + 1);
        assert!(text.contains("Couple C-0900"), "page {}", i + 1);
        assert!(text.contains(&format!("Page {} of {}", i + 1, pages.len())));
        assert!(text.contains("Confidential therapy record"));
    }
    // One bookmark per section, in order.
    let outline = tandem::export::layout::layout(
        &report,
        tandem::export::pdf::Fonts::bundled().unwrap(),
        &mut |_| {},
    )
    .unwrap()
    .outline;
    assert_eq!(outline.len(), report.sections.len());
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    assert!(
        doc.catalog().unwrap().get(b"Outlines").is_ok(),
        "the PDF has an outline"
    );
}

// ---------------------------------------------------------------------------------------
// Hostile text

fn with_text(text: &str) -> (Session, &'static str) {
    let library = Library::builtin();
    let mut session = run(&library, "weekly-check-in", 41, 1);
    for step in &mut session.steps {
        if let StepData::Text(e) = &mut step.data
            && step.visibility == Visibility::Joint
            && let Some(value) = e.entries.values_mut().next()
        {
            *value = text.to_string();
            break;
        }
    }
    (session, "weekly-check-in")
}

fn note_text(session: &Session, template_id: &str) -> Result<(String, usize), ExportError> {
    let library = Library::builtin();
    let report = session_report(
        SessionDocument::Note,
        session,
        &couple(),
        library.get(template_id),
        Audience::Couple,
        &ctx(),
    )?;
    let mut pages = 0;
    let bytes = export::render(&report, &mut |p| {
        if let Progress::Writing { of, .. } = p {
            pages = of;
        }
    })?;
    Ok((pdf_text(&bytes), pages))
}

#[test]
fn hostile_text_is_drawn_visibly_and_never_breaks_the_pdf() {
    let cases: &[(&str, &[&str])] = &[
        // Bidi overrides and isolates are shown, not obeyed.
        (
            "invoice \u{202E}fdp.exe\u{202C} and \u{2067}isolated\u{2069}",
            &[
                "[RLO U+202E]",
                "[PDF U+202C]",
                "[RLI U+2067]",
                "[PDI U+2069]",
            ],
        ),
        // Control characters are visible tags.
        (
            "bell\u{7} nul\u{0} escape\u{1b} del\u{7f}",
            &["[U+0007]", "[U+0000]", "[U+001B]", "[U+007F]"],
        ),
        // A flood of combining marks keeps four and counts the rest.
        (
            &format!("Z{} end", "\u{0301}".repeat(50_000)),
            &["[+49996 marks]", "end"],
        ),
        // Characters the font lacks get a placeholder; those it has are drawn.
        ("heart 🧡 and smile 😀 ok", &["[U+1F9E1]", "😀", "ok"]),
        // Zero-width and private-use characters are visible.
        ("zero\u{200B}width\u{E000}", &["[U+200B]", "[U+E000]"]),
        // Right-to-left text is drawn (in visual order); the words around it survive.
        (
            "before שלום עולם and مرحبا after",
            &["before", "and", "after"],
        ),
    ];
    for (input, expected) in cases {
        let (session, template) = with_text(input);
        let (text, _) = note_text(&session, template).expect("hostile text exports");
        for want in *expected {
            assert!(text.contains(want), "{want:?} missing for {input:.40?}");
        }
        for c in ['\u{202E}', '\u{2067}', '\u{7}', '\u{0}', '\u{200B}'] {
            assert!(!text.contains(c), "{c:?} reached the PDF");
        }
    }
    // Hebrew letters are all there (reordered for display).
    let (session, template) = with_text("שלום");
    let (text, _) = note_text(&session, template).unwrap();
    assert!(text.contains("םולש") || text.contains("שלום"));
}

#[test]
fn an_emoji_couple_is_tagged_whole_and_unicode_line_separators_are_tags() {
    let (session, template) = with_text("us 👩\u{200D}❤\u{FE0F}\u{200D}👨 today");
    let (text, _) = note_text(&session, template).expect("exports");
    // Both people and the heart between them, in one tag: no one is dropped.
    assert!(
        text.contains("[U+1F469 U+200D U+2764 U+FE0F U+200D U+1F468]"),
        "{text}"
    );
    assert!(!text.contains("marks]"), "part of the couple was dropped");

    let (session, template) = with_text("a\u{85}b\u{2028}c\u{2029}d");
    let (text, _) = note_text(&session, template).expect("exports");
    // The separators are shown where they are, on the same line as the words around them.
    assert!(
        text.contains("a[NEL U+0085]b[LSEP U+2028]c[PSEP U+2029]d"),
        "{text}"
    );
    for c in ['\u{85}', '\u{2028}', '\u{2029}', '\u{200D}'] {
        assert!(!text.contains(c), "{c:?} reached the PDF");
    }
}

#[test]
fn a_one_megabyte_line_is_wrapped_in_full_and_a_huge_one_hits_the_page_cap() {
    // A letter no other text in the note uses, so it can be counted.
    let line = "ж".repeat(1_000_000);
    let (session, template) = with_text(&line);
    let (text, pages) = note_text(&session, template).expect("a 1 MB line exports");
    assert!(pages > 50, "{pages} pages");
    assert_eq!(
        text.chars().filter(|c| *c == 'ж').count(),
        1_000_000,
        "every character of the line is in the PDF"
    );
    let spaced = "word ".repeat(2_000_000);
    let (session, template) = with_text(&spaced);
    let err = note_text(&session, template).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the document would run past 1000 pages; export fewer sessions, or shorten the longest entries"
    );
}

#[test]
fn a_long_hostile_couple_code_and_practice_name_stay_inside_the_header() {
    let library = Library::builtin();
    let session = run(&library, "session-measures", 51, 1);
    let mut c = couple();
    c.code = format!("C-{}\u{202E}", "9".repeat(500));
    let ctx = Context {
        practice: "P".repeat(400),
        ..ctx()
    };
    let report = session_report(
        SessionDocument::Note,
        &session,
        &c,
        library.get("session-measures"),
        Audience::Couple,
        &ctx,
    )
    .unwrap();
    let laid = tandem::export::layout::layout(
        &report,
        tandem::export::pdf::Fonts::bundled().unwrap(),
        &mut |_| {},
    )
    .unwrap();
    let fonts = tandem::export::pdf::Fonts::bundled().unwrap();
    use tandem::export::layout::{Item, Metrics, PAGE_WIDTH};
    for page in &laid.pages {
        for item in &page.items {
            if let Item::Text {
                x,
                size,
                face,
                text,
                ..
            } = item
            {
                let w: f32 = text
                    .chars()
                    .map(|c| fonts.advance(*face, c).unwrap_or(0.6) * size)
                    .sum();
                assert!(
                    *x >= 0.0 && x + w <= PAGE_WIDTH,
                    "text runs off the page: {:.30}",
                    text
                );
            }
        }
    }
    let text = pdf_text(&render(&report));
    assert!(text.contains('…'), "the header shortens what does not fit");
}

#[test]
fn letters_print_each_letter_the_protocol_marks_and_nothing_else() {
    let library = Library::builtin();
    let template = library.get("impact-and-restitution-letters").unwrap();
    let mut session = run(&library, &template.id, 61, 1);
    let impact =
        "LETTER-impact first point.\n\nLETTER-impact second point.\n\nLETTER-impact third point.";
    for step in &mut session.steps {
        match &mut step.data {
            StepData::Text(e) => {
                for value in e.entries.values_mut() {
                    *value = if step.step_id == "impact-letter" {
                        impact.to_string()
                    } else {
                        format!("NOTLETTER-{} text.", step.step_id)
                    };
                }
            }
            StepData::Reply(r) => {
                r.replies = vec![
                    PointReply {
                        point: "LETTER-impact first point.".into(),
                        text: "ANSWER-one I am sorry.".into(),
                        at: now(),
                    },
                    PointReply {
                        point: "LETTER-impact third point.".into(),
                        text: "ANSWER-three I will change.".into(),
                        at: now(),
                    },
                ];
            }
            _ => {}
        }
    }
    let letters_for = |session: &Session, audience: Audience| {
        session_report(
            SessionDocument::Letters,
            session,
            &couple(),
            Some(template),
            audience,
            &ctx(),
        )
        .map(|report| flat(&pdf_text(&render(&report))))
    };
    // As shipped, both letters are drafted alone with the therapist: each writer's own.
    assert!(
        matches!(
            letters_for(&session, Audience::Couple),
            Err(ExportError::Nothing { .. })
        ),
        "the couple's copy holds neither private letter"
    );
    // Hurt partner A wrote the impact letter, B the restitution letter.
    let hurt = letters_for(&session, Audience::Partner(Partner::A)).expect("A's own letter");
    assert!(hurt.contains("From Maya Okafor") && hurt.contains("LETTER-impact first point."));
    assert!(
        !hurt.contains("ANSWER-") && !hurt.contains("From Daniel Reyes"),
        "{hurt}"
    );
    let disclosing = letters_for(&session, Audience::Partner(Partner::B)).expect("B's own letter");
    assert!(!disclosing.contains("LETTER-impact"), "{disclosing}");
    let one = disclosing.find("Point 1").expect("point 1 named");
    let answer = disclosing.find("ANSWER-one I am sorry.").expect("answer 1");
    let three = disclosing.find("Point 3").expect("point 3 named");
    let answer3 = disclosing
        .find("ANSWER-three I will change.")
        .expect("answer 3");
    assert!(
        one < answer && answer < three && three < answer3,
        "{disclosing}"
    );

    // Made shared by the therapist before anything was written, the couple's copy is
    // both letters as written, the reply point by point.
    let mut shared = session.clone();
    for step in &mut shared.steps {
        step.visibility = Visibility::Joint;
    }
    let text = letters_for(&shared, Audience::Couple).expect("the couple's copy");
    assert!(text.contains("LETTER-impact first point."));
    assert!(text.contains("From Maya Okafor") && text.contains("From Daniel Reyes"));
    // The reply, point by point: what the letter said, then the answer.
    let first = text
        .find("You wrote: LETTER-impact first point.")
        .expect("point 1 quoted");
    let answer = text.find("ANSWER-one I am sorry.").expect("answer 1");
    let third = text
        .find("You wrote: LETTER-impact third point.")
        .expect("point 3 quoted");
    let answer3 = text.find("ANSWER-three I will change.").expect("answer 3");
    assert!(
        first < answer && answer < third && third < answer3,
        "{text}"
    );
    assert!(!text.contains("NOTLETTER"), "not a letter");
    // An unfinished reply never reads as finished: the open point keeps its number and
    // says so, in plain words, and the numbering does not jump.
    assert!(
        text.contains("This reply is not finished yet: 2 of 3 points answered so far."),
        "{text}"
    );
    let second = text
        .find("Point 2 · You wrote: LETTER-impact second point.")
        .expect("the open point is listed for the couple");
    assert!(
        text[second..].contains("LETTER-impact second point. No answer to this point yet."),
        "{text}"
    );
    assert!(first < second && second < third, "{text}");
    assert!(
        !text.contains("not yet answered: point"),
        "no clinician's coverage line"
    );
    let clinicians = session_report(
        SessionDocument::Letters,
        &session,
        &couple(),
        Some(template),
        Audience::Clinician,
        &ctx(),
    )
    .unwrap();
    let clinicians = flat(&pdf_text(&render(&clinicians)));
    assert!(!clinicians.contains("NOTLETTER"), "not a letter");
    assert!(clinicians.contains("2 of 3 points answered; not yet answered: point 2"));
    let second = clinicians
        .find("You wrote: LETTER-impact second point.")
        .expect("the unanswered point is shown to the clinician");
    assert!(
        clinicians[second..]
            .starts_with("You wrote: LETTER-impact second point. Not yet answered."),
        "{clinicians}"
    );

    // The clinician's session note states the coverage.
    let note = session_report(
        SessionDocument::Note,
        &session,
        &couple(),
        Some(template),
        Audience::Clinician,
        &ctx(),
    )
    .unwrap();
    let note = flat(&pdf_text(&render(&note)));
    assert!(
        note.contains("2 of 3 points answered; not yet answered: point 2"),
        "{note}"
    );
    assert!(note.contains("Not yet answered."));
}

#[test]
fn only_the_clinicians_progress_report_lists_the_disclosure_documents_custody() {
    use tandem::model::{Course, CustodyChange, CustodyEvent, Holder};
    let library = Library::builtin();
    let sessions = vec![run(&library, "session-measures", 71, 7)];
    let mut course = Course::new(couple().id);
    for (days, change) in [
        (6, CustodyChange::HeldBy(Holder::Partner(Partner::B))),
        (
            5,
            CustodyChange::DestroyBy(now().date_naive() + Duration::days(30)),
        ),
        (1, CustodyChange::Destroyed),
    ] {
        course
            .record_custody(CustodyEvent {
                at: now() - Duration::days(days),
                document: "Disclosure document".into(),
                change,
                recorded_by: "Dr Quill".into(),
                note: "CUSTODY-NOTE sealed envelope".into(),
            })
            .unwrap();
    }
    for audience in Audience::ALL {
        let report = tandem::export::progress_report_with_course(
            &couple(),
            &sessions,
            Some(&course),
            &library,
            audience,
            &ctx(),
        );
        let text = flat(&pdf_text(&render(&report)));
        let listed = text.contains("Custody of the disclosure document");
        assert_eq!(listed, audience == Audience::Clinician, "{audience}");
        for canary in ["Dr Quill", "CUSTODY-NOTE", "sealed envelope"] {
            assert_eq!(
                text.contains(canary),
                audience == Audience::Clinician,
                "{audience}: {canary}"
            );
        }
        if audience == Audience::Clinician {
            assert!(text.contains("held by Daniel Reyes"), "{text}");
            assert!(text.contains("destroyed on"), "{text}");
            assert!(text.contains("to be destroyed by"), "{text}");
        }
    }
}

#[test]
fn layout_drops_no_word_of_any_document() {
    use std::collections::HashMap;
    fn counts(text: &str) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for word in text.split_whitespace() {
            let word = word.trim_matches(|c| c == ':' || c == '|' || c == '•');
            if !word.is_empty() {
                *counts.entry(word.to_string()).or_default() += 1;
            }
        }
        counts
    }
    let library = Library::builtin();
    for (n, (_, template)) in library.templates.iter().enumerate() {
        let session = run(&library, &template.id, 500 + n as u64, 2);
        let mut reports = vec![
            blank_worksheet(template, Audience::Clinician, Bindings::default(), &ctx()).unwrap(),
        ];
        for document in [SessionDocument::Note, SessionDocument::Worksheet] {
            reports.push(
                session_report(
                    document,
                    &session,
                    &couple(),
                    Some(template),
                    Audience::Clinician,
                    &ctx(),
                )
                .unwrap(),
            );
        }
        for report in reports {
            let pdf = counts(&pdf_text(&render(&report)));
            for (word, want) in counts(&report.plain_text()) {
                let got = pdf.get(&word).copied().unwrap_or(0);
                assert!(
                    got >= want,
                    "{} {:?}: {word:?} {want} times in the report, {got} in the PDF",
                    template.id,
                    report.kind
                );
            }
        }
    }
}

#[test]
fn a_session_whose_protocol_is_gone_still_exports_by_step_id() {
    let library = Library::builtin();
    let session = run(&library, "weekly-check-in", 71, 1);
    for document in [SessionDocument::Note, SessionDocument::Worksheet] {
        let report = session_report(
            document,
            &session,
            &couple(),
            None,
            Audience::Couple,
            &ctx(),
        )
        .unwrap();
        let text = flat(&pdf_text(&render(&report)));
        assert!(
            text.contains("Weekly check-in"),
            "the recorded protocol title"
        );
        for step in &session.steps {
            if step.visibility == Visibility::Joint
                && let StepData::Text(e) = &step.data
                && let Some(entry) = e.entries.values().next()
            {
                assert!(
                    text.contains(&flat(entry)),
                    "{document:?} lost {}",
                    step.step_id
                );
            }
        }
    }
}

#[test]
fn bookmarks_and_document_properties_show_bidi_overrides_as_tags() {
    let library = Library::builtin();
    let session = run(&library, "session-measures", 81, 1);
    let ctx = Context {
        practice: "Harbour \u{202E}ypareht".into(),
        ..ctx()
    };
    let report = session_report(
        SessionDocument::Note,
        &session,
        &couple(),
        library.get("session-measures"),
        Audience::Couple,
        &ctx,
    )
    .unwrap();
    let bytes = render(&report);
    let doc = lopdf::Document::load_mem(&bytes).expect("lopdf reads it");
    // Every string in every dictionary (document properties, bookmarks), decoded, must
    // carry no override; the practice name (the author) had one.
    let mut strings = 0;
    for object in doc.objects.values() {
        if let Ok(dict) = object.as_dict() {
            for (_, value) in dict.iter() {
                if let Ok(bytes) = value.as_str() {
                    let text = lopdf::decode_text_string(value)
                        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned());
                    assert!(!text.contains('\u{202E}'), "an override reached {text:?}");
                    strings += 1;
                }
            }
        }
    }
    assert!(strings > 3, "the PDF's strings were read");
    let text = pdf_text(&bytes);
    assert!(text.contains("Harbour [RLO U+202E]ypareht"));
}

// ---------------------------------------------------------------------------------------
// Pauses

/// A weekly check-in started at 10:00 UTC, paused from 10:05 to 10:17 and ended at 10:40.
fn paused_check_in() -> Session {
    use tandem::runner::{Action, Runner, Start};
    let library = Library::builtin();
    let template = library.get("weekly-check-in").expect("shipped");
    let start = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    let minute = |m: i64| start + Duration::minutes(m);
    let mut runner = Runner::start(
        template,
        Start {
            session: tandem::model::SessionId(uuid::Uuid::from_u128(77)),
            couple: couple().id,
            bindings: Default::default(),
            facts: cleared(),
            questions: None,
        },
        start,
    )
    .expect("starts");
    for (m, action) in [
        (5, Action::PauseSession),
        (17, Action::ResumeSession),
        (40, Action::End),
    ] {
        runner.apply(action, minute(m)).expect("applies");
    }
    runner.into_session()
}

#[test]
fn the_session_note_gives_the_length_without_pauses_and_only_the_clinician_reads_of_them() {
    let library = Library::builtin();
    let session = paused_check_in();
    let text_for = |audience: Audience| {
        let report = session_report(
            SessionDocument::Note,
            &session,
            &couple(),
            library.get("weekly-check-in"),
            audience,
            &ctx(),
        )
        .expect("builds");
        flat(&pdf_text(&render(&report)))
    };
    // The context's zone is UTC+1.
    let clinician = text_for(Audience::Clinician);
    assert!(
        clinician.contains("11:00 to 11:40 (28 min, not counting 1 pause: 12 min in all)"),
        "{clinician}"
    );
    for reader in [
        Audience::Couple,
        Audience::Partner(Partner::A),
        Audience::Partner(Partner::B),
    ] {
        // The couple's summary and each partner's copy keep no timings at all.
        let text = text_for(reader);
        assert!(text.contains("Your session summary"), "{reader}: {text}");
        assert!(!text.contains("11:00"), "{reader}: {text}");
        assert!(!text.contains(" min"), "{reader}: {text}");
        assert!(!text.contains("pause"), "{reader}: {text}");
    }
}

// ---------------------------------------------------------------------------------------
// Documents per reader (issue 19)

/// A session note laid out with the bundled fonts, for looking at pages and structure.
fn laid(report: &export::Report) -> export::layout::Laid {
    let fonts = export::pdf::Fonts::bundled().expect("fonts");
    export::layout::layout(report, fonts, &mut |_| {}).expect("lays out")
}

#[test]
fn the_clinicians_copy_marks_every_private_and_therapist_only_step() {
    use tandem::export::report::MarkKind;
    let library = Library::builtin();
    let mut marked = [0, 0];
    for (n, (_, template)) in library.templates.iter().enumerate() {
        let session = run(&library, &template.id, 900 + n as u64, 2);
        let note = session_report(
            SessionDocument::Note,
            &session,
            &couple(),
            Some(template),
            Audience::Clinician,
            &ctx(),
        )
        .unwrap();
        let text = flat(&pdf_text(&render(&note)));
        for record in &session.steps {
            // The step's section: numbered as in the table of steps, then its title.
            let title = tandem::template::find_step(&template.steps, &record.step_id)
                .map(|s| s.title.clone())
                .unwrap_or_default();
            let Some(section) = note.sections.iter().find(|s| {
                s.title.split_once(". ").is_some_and(|(n, rest)| {
                    n.parse::<usize>().is_ok() && !title.is_empty() && rest.starts_with(&title)
                }) && s
                    .blocks
                    .iter()
                    .any(|b| matches!(b, export::report::Block::Note(_)))
            }) else {
                continue;
            };
            let want = match record.visibility {
                Visibility::Joint => None,
                Visibility::PartnerPrivate => Some(MarkKind::Private),
                Visibility::ClinicianOnly => Some(MarkKind::TherapistOnly),
            };
            if want.is_some() && section.mark.is_none() {
                // Another step of the same title (a repeat) may be the one found.
                continue;
            }
            assert_eq!(
                section.mark.as_ref().map(|m| m.kind),
                want,
                "{}: {}",
                template.id,
                section.title
            );
            match want {
                Some(MarkKind::Private) => marked[0] += 1,
                Some(MarkKind::TherapistOnly) => marked[1] += 1,
                None => {}
            }
        }
        if session
            .steps
            .iter()
            .any(|r| r.visibility == Visibility::PartnerPrivate)
        {
            assert!(
                text.contains("PRIVATE: each partner's own entries"),
                "{}",
                template.id
            );
            assert!(
                text.contains("private to each partner"),
                "{}: the step table",
                template.id
            );
        }
        if session
            .steps
            .iter()
            .any(|r| r.visibility == Visibility::ClinicianOnly)
        {
            assert!(text.contains("THERAPIST ONLY"), "{}", template.id);
        }
        // The shading is drawn under the marked sections' text.
        let pages = laid(&note);
        let shaded = pages.pages.iter().flat_map(|p| &p.items).any(|i| {
            // Shading reaches past the margin the text and tables keep to.
            matches!(i, export::layout::Item::Fill { x, w, h, .. } if *x < 55.0 && *w > 400.0 && *h > 30.0)
        });
        let any_marked = note.sections.iter().any(|s| s.mark.is_some());
        assert_eq!(shaded, any_marked, "{}", template.id);
    }
    assert!(marked[0] > 5 && marked[1] > 5, "{marked:?}");
}

/// The demo practice's first session of `template_id`, with its couple.
fn demo_session(template_id: &str) -> (Session, Couple) {
    let library = Library::builtin();
    let records = tandem::demo::practice(&library, now());
    let session = records
        .iter()
        .find_map(|r| match r {
            tandem::vault::RecordBody::Session(s) if s.template_id == template_id => {
                Some(s.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("the demo has a session of {template_id}"));
    let couple = records
        .iter()
        .find_map(|r| match r {
            tandem::vault::RecordBody::Couple(c) if c.id == session.couple => Some(c.clone()),
            _ => None,
        })
        .expect("its couple");
    (session, couple)
}

#[test]
fn a_negative_screen_is_stated_with_its_decision_and_a_positive_one_too() {
    let library = Library::builtin();
    let template = library.get("safety-screen");
    // The demo's first screen: both partners answered every item "No".
    let (mut session, couple) = demo_session("safety-screen");
    let text_of = |session: &Session| {
        let note = session_report(
            SessionDocument::Note,
            session,
            &couple,
            template,
            Audience::Clinician,
            &ctx(),
        )
        .unwrap();
        flat(&pdf_text(&render(&note)))
    };
    let text = text_of(&session);
    let a = couple.display_name(Partner::A);
    let b = couple.display_name(Partner::B);
    assert!(
        text.contains("Safety screen: result and decision"),
        "{text}"
    );
    for name in [&a, &b] {
        assert!(
            text.contains(&format!(
                "{name} negative: every item answered, no concern raised"
            )),
            "{name}: {text}"
        );
    }
    assert!(text.contains("Decision Joint work"), "{text}");
    // One "yes" from partner B makes theirs positive, and says so.
    for record in &mut session.steps {
        if record.step_id == "screen-b"
            && let StepData::YesNo(e) = &mut record.data
        {
            for answers in e.entries.values_mut() {
                if let Some(first) = answers.values_mut().next() {
                    *first = tandem::model::YesNoAnswer::Yes;
                }
            }
        }
    }
    let text = text_of(&session);
    assert!(
        text.contains(&format!("{b} positive: a concern was raised")),
        "{text}"
    );
    assert!(text.contains(&format!("{a} negative")), "{text}");
    assert!(text.contains("Fuller assessment written"), "{text}");
    // No copy for the couple or a partner carries the result.
    for audience in [
        Audience::Couple,
        Audience::Partner(Partner::A),
        Audience::Partner(Partner::B),
    ] {
        let note = session_report(
            SessionDocument::Note,
            &session,
            &couple,
            template,
            audience,
            &ctx(),
        )
        .unwrap();
        let text = flat(&pdf_text(&render(&note)));
        assert!(!text.contains("negative"), "{audience}: {text}");
        assert!(!text.contains("positive"), "{audience}: {text}");
    }
}

#[test]
fn the_couples_summary_holds_none_of_the_records_tables() {
    let library = Library::builtin();
    for (n, (_, template)) in library.templates.iter().enumerate() {
        let session = run(&library, &template.id, 1_000 + n as u64, 2);
        for audience in [
            Audience::Couple,
            Audience::Partner(Partner::A),
            Audience::Partner(Partner::B),
        ] {
            let report = session_report(
                SessionDocument::Note,
                &session,
                &couple(),
                Some(template),
                audience,
                &ctx(),
            )
            .unwrap();
            assert_eq!(report.title, "Your session summary");
            let titles: Vec<&str> = report.sections.iter().map(|s| s.title.as_str()).collect();
            assert!(titles.contains(&"What we worked on"), "{titles:?}");
            assert!(titles.contains(&"If you need support"), "{titles:?}");
            for section in &report.sections {
                for block in &section.blocks {
                    let is_table = matches!(
                        block,
                        export::report::Block::Table(_) | export::report::Block::Chart(_)
                    );
                    // A partner's own private entries are theirs as recorded.
                    assert!(
                        !is_table || section.title == "Just for you",
                        "{} {audience}: a table in {}",
                        template.id,
                        section.title
                    );
                }
            }
            let text = flat(&pdf_text(&render(&report)));
            for grading in [
                "Rule breach",
                "rule breach",
                "mirrors (",
                "correction",
                "paraphrase",
                " min ",
                " min)",
                "steps done",
                "Status",
            ] {
                assert!(
                    !text.contains(grading),
                    "{} {audience}: {grading:?} in {text}",
                    template.id
                );
            }
        }
    }
}

/// Whether structure element `m` lies under `n`.
fn is_under(nodes: &[export::layout::Node], m: usize, n: usize) -> bool {
    let mut at = nodes[m].parent;
    while let Some(p) = at {
        if p == n {
            return true;
        }
        at = nodes[p].parent;
    }
    false
}

#[test]
fn no_page_ends_with_a_heading_or_a_prompt() {
    use export::layout::Role;
    let library = Library::builtin();
    let mut pages_seen = 0;
    for (n, (_, template)) in library.templates.iter().enumerate() {
        let session = run(&library, &template.id, 1_100 + n as u64, 2);
        let mut reports = Vec::new();
        for audience in Audience::ALL {
            if let Ok(blank) = blank_worksheet(template, audience, session.bindings, &ctx()) {
                reports.push(blank);
            }
            for document in SessionDocument::ALL {
                if let Ok(report) = session_report(
                    document,
                    &session,
                    &couple(),
                    Some(template),
                    audience,
                    &ctx(),
                ) {
                    reports.push(report);
                }
            }
        }
        for report in &reports {
            let laid = laid(report);
            let nodes = &laid.nodes;
            // The first page each element has text on.
            let mut first_page = vec![usize::MAX; nodes.len()];
            for (p, page) in laid.pages.iter().enumerate() {
                for item in &page.items {
                    if let export::layout::Item::Text { node: Some(n), .. } = item {
                        first_page[*n] = first_page[*n].min(p);
                    }
                }
            }
            // A part of the document whose own first line starts within `n` (itself or
            // the first element under it with text).
            let starts = |n: usize| {
                (n..nodes.len())
                    .take_while(|m| *m == n || is_under(nodes, *m, n))
                    .map(|m| first_page[m])
                    .find(|p| *p != usize::MAX)
            };
            for (p, page) in laid.pages.iter().enumerate().take(laid.pages.len() - 1) {
                pages_seen += 1;
                let last = page.items.iter().rev().find_map(|i| match i {
                    export::layout::Item::Text {
                        node: Some(n),
                        text,
                        ..
                    } => Some((*n, text.clone())),
                    _ => None,
                });
                let Some((node, text)) = last else { continue };
                let role = nodes[node].role;
                if !matches!(
                    role,
                    Role::Heading | Role::Subheading | Role::Prompt | Role::Title
                ) {
                    continue;
                }
                // What follows it in the same part: it must begin on this page.
                let parent = nodes[node].parent;
                let next = (node + 1..nodes.len()).find(|m| nodes[*m].parent == parent);
                let Some(next_start) = next.and_then(starts) else {
                    continue;
                };
                assert!(
                    next_start <= p,
                    "{} {:?} for {}: page {} ends with {role:?} {text:?}",
                    template.id,
                    report.kind,
                    report.audience,
                    p + 1
                );
            }
        }
    }
    assert!(pages_seen > 100, "{pages_seen} page breaks looked at");
}

#[test]
fn a_choice_is_never_split_across_pages() {
    use export::layout::{Item, Role};
    let library = Library::builtin();
    for (n, (_, template)) in library.templates.iter().enumerate() {
        let session = run(&library, &template.id, 1_200 + n as u64, 2);
        for audience in Audience::ALL {
            for document in [SessionDocument::Note, SessionDocument::Worksheet] {
                let Ok(report) = session_report(
                    document,
                    &session,
                    &couple(),
                    Some(template),
                    audience,
                    &ctx(),
                ) else {
                    continue;
                };
                let laid = laid(&report);
                // The page of every list item's first line, by list.
                let mut pages_of: std::collections::BTreeMap<
                    usize,
                    std::collections::BTreeSet<usize>,
                > = Default::default();
                for (p, page) in laid.pages.iter().enumerate() {
                    for item in &page.items {
                        let Item::Text {
                            node: Some(n),
                            hidden: true,
                            ..
                        } = item
                        else {
                            continue;
                        };
                        // A tick box: its label's item's list.
                        let label = &laid.nodes[*n];
                        let Some(item) = label.parent else { continue };
                        let Some(list) = laid.nodes[item].parent else {
                            continue;
                        };
                        if laid.nodes[list].role == Role::List {
                            pages_of.entry(list).or_default().insert(p);
                        }
                    }
                }
                for (list, pages) in pages_of {
                    assert_eq!(
                        pages.len(),
                        1,
                        "{} {:?} for {}: the choice {list} runs over pages {pages:?}",
                        template.id,
                        report.kind,
                        audience
                    );
                }
            }
        }
    }
}

#[test]
fn every_pdf_is_tagged_in_english_and_opens_its_outline_at_the_headings() {
    let library = Library::builtin();
    let template = library.get("intentional-dialogue").unwrap();
    let session = run(&library, "intentional-dialogue", 1_300, 2);
    let report = session_report(
        SessionDocument::Note,
        &session,
        &couple(),
        Some(template),
        Audience::Clinician,
        &ctx(),
    )
    .unwrap();
    let bytes = render(&report);
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    assert_eq!(doc.version, "1.7");
    let catalog = doc.catalog().unwrap();
    assert_eq!(
        catalog.get(b"PageMode").unwrap().as_name().unwrap(),
        b"UseOutlines"
    );
    assert_eq!(catalog.get(b"Lang").unwrap().as_str().unwrap(), b"en");
    let marked = catalog.get(b"MarkInfo").unwrap().as_dict().unwrap();
    assert!(marked.get(b"Marked").unwrap().as_bool().unwrap());
    let prefs = catalog
        .get(b"ViewerPreferences")
        .unwrap()
        .as_dict()
        .unwrap();
    assert!(prefs.get(b"DisplayDocTitle").unwrap().as_bool().unwrap());
    let metadata = doc
        .get_object(catalog.get(b"Metadata").unwrap().as_reference().unwrap())
        .unwrap()
        .as_stream()
        .unwrap();
    let xmp = String::from_utf8_lossy(&metadata.content);
    assert!(xmp.contains("<dc:title>"), "{xmp}");
    assert!(xmp.contains("Session note"), "{xmp}");
    // Each bookmark goes to its heading: the page it is on, at the height it starts.
    let fonts = export::pdf::Fonts::bundled().unwrap();
    let laid = export::layout::layout(&report, fonts, &mut |_| {}).unwrap();
    let outlines = doc
        .get_dictionary(catalog.get(b"Outlines").unwrap().as_reference().unwrap())
        .unwrap();
    let mut item = outlines.get(b"First").unwrap().as_reference().ok();
    let mut seen = 0;
    let pages: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
    while let Some(id) = item {
        let entry = doc.get_dictionary(id).unwrap();
        let dest = entry.get(b"Dest").unwrap().as_array().unwrap();
        let mark = &laid.outline[seen];
        assert_eq!(dest[0].as_reference().unwrap(), pages[mark.page - 1]);
        assert_eq!(dest[1].as_name().unwrap(), b"XYZ");
        let top = dest[3].as_float().unwrap();
        assert!((top - mark.top).abs() < 0.01);
        assert!(top < 800.0, "a heading, not the top of the page");
        seen += 1;
        item = entry.get(b"Next").and_then(|n| n.as_reference()).ok();
    }
    assert_eq!(seen, report.sections.len());
    // Poppler reads it as tagged, with its structure.
    let pdfinfo = |args: &[&str]| {
        common::pdf_tool(
            "pdfinfo",
            args,
            &bytes,
            "reading the PDF's tags with pdfinfo",
            "poppler-utils",
        )
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let Some(info) = pdfinfo(&["{}"]) else {
        return;
    };
    assert!(info.contains("Tagged:          yes"), "{info}");
    let structure = pdfinfo(&["-struct-text", "{}"]).unwrap_or_default();
    for element in ["Document", "H1", "Sect", "H2", "Table", "TR", "TD", "P"] {
        assert!(
            structure.contains(element),
            "{element} missing from {structure}"
        );
    }
    assert!(structure.contains("Session note"), "{structure}");
    // The syntax, cross-reference and object streams, and every stream's encoding, read
    // cleanly by a second program.
    if let Some(check) = common::pdf_tool(
        "qpdf",
        &["--check", "{}"],
        &bytes,
        "checking the PDF's syntax with qpdf",
        "qpdf",
    ) {
        let said = String::from_utf8_lossy(&check.stdout).into_owned();
        assert!(check.status.success(), "{said}");
        assert!(
            said.contains("No syntax or stream encoding errors found"),
            "{said}"
        );
    }
}

#[test]
fn arabic_and_cjk_text_print_and_copy_out_as_written() {
    let library = Library::builtin();
    let template = library.get("weekly-check-in").unwrap();
    let mut session = run(&library, "weekly-check-in", 1_400, 2);
    let phrases = [
        "我们需要更多的信任",
        "日本語で話しましょう",
        "우리는 서로를 믿어요",
        "السلام عليكم",
        "قالت Maya إنها تشعر بالوحدة",
    ];
    // What each must copy out as: whole, or (a line mixing directions) each run in
    // logical order, the runs in the order the reader arranges them.
    let copied: [&[&str]; 5] = [
        &["我们需要更多的信任"],
        &["日本語で話しましょう"],
        &["우리는 서로를 믿어요"],
        &["السلام عليكم"],
        &["قالت", "Maya", "إنها تشعر بالوحدة"],
    ];
    let mut written = 0;
    for record in &mut session.steps {
        if record.visibility != Visibility::Joint {
            continue;
        }
        if let StepData::Text(e) = &mut record.data
            && let Some(entry) = e.entries.values_mut().next()
        {
            *entry = phrases[written % phrases.len()].to_string();
            written += 1;
        }
    }
    assert!(written >= phrases.len(), "{written} texts to write in");
    let report = session_report(
        SessionDocument::Worksheet,
        &session,
        &couple(),
        Some(template),
        Audience::Couple,
        &ctx(),
    )
    .unwrap();
    let bytes = render(&report);
    // Nothing printed as a code for a missing glyph, in any face.
    let laid = laid(&report);
    for item in laid.pages.iter().flat_map(|p| &p.items) {
        if let export::layout::Item::Text { text, .. } = item {
            assert!(!text.contains("[U+"), "{text}");
        }
    }
    // The Arabic letters are drawn joined: presentation forms, never the bare letters.
    let drawn: String = laid
        .pages
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|i| match i {
            export::layout::Item::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        drawn.contains('\u{FEFC}') || drawn.contains('\u{FEFB}'),
        "lam-alef"
    );
    assert!(!drawn.contains('ن'), "a bare noon was drawn: {drawn}");
    // Copied out, every phrase reads as written, in logical order.
    let Some(out) = common::pdf_tool(
        "pdftotext",
        &["{}", "-"],
        &bytes,
        "reading scripts back with pdftotext",
        "poppler-utils",
    ) else {
        return;
    };
    // Without the marks pdftotext puts around right-to-left runs.
    let text: String = String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !tandem::export::tags::is_bidi_control(*c))
        .collect();
    let text = flat(&text);
    for parts in copied {
        for part in parts {
            assert!(text.contains(part), "{part:?} not in {text}");
        }
    }
}

#[test]
fn a_blank_sheet_with_nothing_to_fill_is_refused_and_a_partners_scale_keeps_to_one_line() {
    let library = Library::builtin();
    let csi = library.get("csi-4").unwrap();
    // Every item is answered by each partner privately: the couple's sheet would be empty.
    let err = blank_worksheet(csi, Audience::Couple, Bindings::default(), &ctx()).unwrap_err();
    assert_eq!(
        err,
        ExportError::NothingToFill {
            audience: Audience::Couple
        }
    );
    assert!(err.to_string().contains("print each partner's sheet"));
    let sheet = blank_worksheet(
        csi,
        Audience::Partner(Partner::A),
        Bindings::default(),
        &ctx(),
    )
    .unwrap();
    let text = flat(&pdf_text(&render(&sheet)));
    // The partner's own form: no scoring, no cutoff.
    assert!(!text.contains("13.5"), "{text}");
    assert!(!text.contains("dissatisfaction"), "{text}");
    // Each answer scale is drawn on one line: its boxes share a baseline.
    let laid = laid(&sheet);
    let mut boxes: std::collections::BTreeMap<usize, Vec<f32>> = Default::default();
    for item in laid.pages.iter().flat_map(|p| &p.items) {
        if let export::layout::Item::Text {
            node: Some(n),
            hidden: true,
            y,
            ..
        } = item
        {
            let item = laid.nodes[*n].parent.unwrap();
            let list = laid.nodes[item].parent.unwrap();
            boxes.entry(list).or_default().push(*y);
        }
    }
    assert_eq!(boxes.len(), 4, "one scale per item");
    for (list, ys) in boxes {
        assert!(ys.len() >= 6, "{list}: {ys:?}");
        assert!(
            ys.iter().all(|y| (*y - ys[0]).abs() < 0.01),
            "{list}: {ys:?}"
        );
    }
}

#[test]
fn the_replying_partners_letters_list_every_point_by_number_the_open_ones_marked() {
    let library = Library::builtin();
    let (session, couple) = demo_session("impact-and-restitution-letters");
    let reply = session
        .steps
        .iter()
        .find_map(|r| match &r.data {
            StepData::Reply(reply) => Some(reply.clone()),
            _ => None,
        })
        .expect("a reply");
    let report = session_report(
        SessionDocument::Letters,
        &session,
        &couple,
        library.get("impact-and-restitution-letters"),
        Audience::Partner(reply.author),
        &ctx(),
    )
    .unwrap();
    let text = flat(&pdf_text(&render(&report)));
    // The demo's reply is unfinished: it says so, and lists every point in order.
    assert!(text.contains("This reply is not finished yet"), "{text}");
    let open = text.matches("No answer to this point yet.").count();
    assert!(open >= 1, "{text}");
    let mut at = 0;
    let mut n = 1;
    while let Some(found) = text[at..].find(&format!("Point {n} ")) {
        at += found + 1;
        n += 1;
    }
    let listed = n - 1;
    assert_eq!(listed, reply.replies.len() + open, "{text}");
    assert!(text.contains(&format!(
        "{} of {} points answered so far",
        reply.replies.len(),
        listed
    )));
}
