//! The clinician's records as PDFs, read back: progress notes (draft, finalized, amended)
//! and process notes, which reach no export except their own explicit one.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tandem::demo::{Mood, Rng, run_session};
use tandem::export::{
    self, ChartFacts, Clinician, Context, ExportError, Report, SessionDocument, Zone,
    clinical_note_report, process_notes_report, progress_report, session_report,
};
use tandem::model::{
    Audience, COUPLE_FORMAT, ClinicalNote, Couple, CoupleFacts, CoupleId, NoteId, NoteStyle,
    PROCESS_NOTE_FORMAT, Partner, PartnerInfo, ProcessNote, ProcessNoteId, SafetyDecision, Session,
    SessionId, restyle_sections,
};
use tandem::template::{Library, Template};
use tandem::vault::audit::AuditAction;

/// The sealed audit log, read with the passphrase.
fn entries(
    root: &std::path::Path,
) -> Result<Vec<tandem::vault::audit::AuditEntry>, tandem::vault::VaultError> {
    Vault::open(
        root,
        Some(&SecretString::from(PASS.to_string())),
        Access::ReadOnly,
    )?
    .audit_entries()
}
use tandem::vault::{Access, RecordBody, Vault};

const PASS: &str = "correct horse battery";
/// Every process note's text starts with this, followed by its number.
const CANARY: &str = "PNCANARY";

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

/// A session of `template` filled by the demo's filler, run through the real runner.
fn run(template: &Template, seed: u64, days_ago: i64) -> Session {
    let facts = CoupleFacts {
        screened: Partner::BOTH.into_iter().collect(),
        safety_decision: Some(SafetyDecision::JointWork),
    };
    run_session(
        template,
        couple().id,
        now() - Duration::days(days_ago),
        facts,
        &mut Rng::new(seed),
        Mood { a: 0.5, b: 0.4 },
    )
    .expect("the demo filler runs every shipped template")
}

fn process_note(n: u128, couple: CoupleId, session: Option<SessionId>) -> ProcessNote {
    let at = now() - Duration::days(40) + Duration::hours(n as i64);
    ProcessNote {
        format: PROCESS_NOTE_FORMAT,
        id: ProcessNoteId(uuid::Uuid::from_u128(0x9000 + n)),
        couple,
        session,
        written_at: at,
        updated_at: at,
        text: format!("{CANARY}{n:03} my own hunch about the couple's dance"),
    }
}

/// A SOAP note on `session` with `tag` in every section's text.
fn soap_note(n: u128, session: &Session, tag: &str) -> ClinicalNote {
    let mut sections = restyle_sections(&[], NoteStyle::Soap);
    for s in &mut sections {
        s.text = format!("{tag} {} text of the note.", s.heading);
    }
    ClinicalNote::new(
        NoteId(uuid::Uuid::from_u128(0x5000 + n)),
        session.couple,
        session.id,
        NoteStyle::Soap,
        sections,
        session.started_at + Duration::hours(2),
    )
}

/// The practice's signer, with no safety screen recorded.
fn chart() -> ChartFacts {
    ChartFacts {
        clinician: Clinician {
            name: "Dr. R. Vale".into(),
            credentials: "LMFT".into(),
            licence_number: "MFT 54321".into(),
        },
        risk: None,
    }
}

fn render(report: &Report) -> Vec<u8> {
    export::render(report, &mut |_| {}).expect("renders")
}

/// The text of every page as a PDF reader extracts it, whitespace made single spaces so
/// phrases match across line breaks.
fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let doc = printpdf::PdfDocument::parse(
        bytes,
        &printpdf::PdfParseOptions::default(),
        &mut Vec::new(),
    )
    .expect("the PDF parses");
    let pages = doc.extract_text();
    assert!(!pages.is_empty(), "the PDF has pages");
    pages
        .iter()
        .flatten()
        .flat_map(|l| l.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ")
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in the PDF:\n{text}"))
}

// ---------------------------------------------------------------------------------------
// Documents

#[test]
fn process_note_canaries_reach_no_document_but_the_explicit_process_notes_export() {
    let library = Library::builtin();
    let couple = couple();
    let mut sessions: Vec<(Session, &Template)> = library
        .templates
        .iter()
        .enumerate()
        .map(|(n, (_, t))| (run(t, 300 + n as u64, 60 - n as i64), t))
        .collect();
    // The clinician's in-session notes do reach the clinician's documents: that shows the
    // check below looks where clinician material goes.
    for (i, (session, _)) in sessions.iter_mut().enumerate() {
        for step in &mut session.steps {
            step.clinician_note = format!("SESSIONNOTE{i:03} noted in the session");
        }
    }
    let mut notes: Vec<ProcessNote> = sessions
        .iter()
        .enumerate()
        .map(|(i, (s, _))| process_note(i as u128, couple.id, Some(s.id)))
        .collect();
    notes.push(process_note(999, couple.id, None));
    // Clinical notes on every session: drafts, finalized, amended.
    let clinical: Vec<ClinicalNote> = sessions
        .iter()
        .enumerate()
        .map(|(i, (s, _))| {
            let mut note = soap_note(i as u128, s, "CLINICAL");
            if i % 3 != 0 {
                note.finalize("Dr. R. Vale", s.started_at + Duration::hours(3))
                    .unwrap();
            }
            if i % 3 == 2 {
                let mut changed = note.sections.clone();
                changed[0].text = "CLINICAL amended".into();
                note.amend(
                    "Dr. R. Vale",
                    "clarified",
                    changed,
                    s.started_at + Duration::days(1),
                )
                .unwrap();
            }
            note
        })
        .collect();

    let mut checked = 0;
    let mut clinician_notes_seen = 0;
    let mut check = |what: String, report: &Report| {
        let text = pdf_text(&render(report));
        assert!(!text.contains(CANARY), "{what} shows a process note");
        if text.contains("SESSIONNOTE") {
            clinician_notes_seen += 1;
        }
        checked += 1;
    };
    for (session, template) in &sessions {
        for audience in Audience::ALL {
            for document in SessionDocument::ALL {
                match session_report(document, session, &couple, Some(template), audience, &ctx()) {
                    Ok(report) => {
                        check(format!("{} {document:?} {audience}", template.id), &report)
                    }
                    Err(ExportError::Nothing { .. }) => {}
                    Err(e) => panic!("{}: {e}", template.id),
                }
            }
        }
    }
    let plain: Vec<Session> = sessions.iter().map(|(s, _)| s.clone()).collect();
    for audience in Audience::ALL {
        let report = progress_report(&couple, &plain, &library, audience, &ctx());
        check(format!("progress report {audience}"), &report);
    }
    for (note, (session, _)) in clinical.iter().zip(&sessions) {
        let report = clinical_note_report(note, Some(session), &couple, &chart(), &ctx());
        check(format!("clinical note on {}", session.template_id), &report);
    }
    assert!(checked > 100, "only {checked} documents checked");
    assert!(
        clinician_notes_seen > 0,
        "no document carried the clinician's session notes"
    );

    // Asked for explicitly, every one of them is there.
    let linked: tandem::export::LinkedSessions = sessions
        .iter()
        .map(|(s, _)| (s.id, (s.template_title.clone(), s.started_at)))
        .collect();
    let text = pdf_text(&render(&process_notes_report(
        &couple,
        &notes,
        &linked,
        &ctx(),
    )));
    assert!(text.contains("Process notes"));
    assert!(text.contains("kept apart from the clinical record"));
    assert!(text.contains("explicit request"));
    for note in &notes {
        let canary = &note.text[..CANARY.len() + 3];
        assert!(text.contains(canary), "{canary} is missing");
    }
    // The session a note is about is named by its protocol and time, never by its id.
    assert!(
        text.contains(&format!(
            "About the session of {}",
            sessions[0]
                .0
                .started_at
                .with_timezone(&FixedOffset::east_opt(3600).unwrap())
                .format("%-d %b %Y")
        )),
        "{text}"
    );
    assert!(!text.contains(&sessions[0].0.id.0.to_string()), "{text}");
    assert!(text.contains("Not linked to a session"));
    assert!(!text.contains("CLINICAL"), "no clinical note text either");
}

#[test]
fn a_finalized_and_amended_note_shows_the_current_text_the_reason_and_the_original() {
    let library = Library::builtin();
    let template = library.get("intentional-dialogue").unwrap();
    let session = run(template, 7, 7);
    let mut note = soap_note(1, &session, "ORIGINALWORDS");
    let signed_at = Utc.with_ymd_and_hms(2026, 11, 16, 15, 5, 0).unwrap();
    note.finalize("Dr. R. Vale", signed_at).unwrap();
    let mut changed = note.sections.clone();
    changed[2].text = "AMENDEDWORDS the assessment as corrected.".into();
    let amended_at = Utc.with_ymd_and_hms(2026, 11, 18, 8, 40, 0).unwrap();
    note.amend(
        "Dr. A. Moss",
        "Assessment referred to the wrong session",
        changed,
        amended_at,
    )
    .unwrap();

    let text = pdf_text(&render(&clinical_note_report(
        &note,
        Some(&session),
        &couple(),
        &chart(),
        &ctx(),
    )));
    assert!(text.contains("Progress note"));
    assert!(!text.contains("Draft"), "a finalized note is no draft");
    assert!(
        text.contains("Intentional dialogue"),
        "the protocol is named"
    );
    assert!(text.contains("C-0900: Maya Okafor (A) and Daniel Reyes (B)"));
    assert!(text.contains("SOAP (Subjective, Objective, Assessment, Plan)"));
    assert!(text.contains("Finalized by Dr. R. Vale on 16 Nov 2026, 16:05"));
    assert!(text.contains("last by Dr. A. Moss on 18 Nov 2026, 09:40"));
    assert!(text.contains("made for the clinician."));

    // The note as it now reads, once, then the amendment with its reason and only the
    // words it changed, then the signature block.
    let current = position(&text, "AMENDEDWORDS");
    let amendments = position(&text, "Amendments 1 amendment");
    let heading = position(&text, "Amendment 1 of 1: 18 Nov 2026, 09:40");
    let reason = position(&text, "Reason Assessment referred to the wrong session");
    let removed = position(
        &text,
        "Assessment Removed: “ORIGINALWORDS Assessment text of” Added: “AMENDEDWORDS”",
    );
    let signature = position(&text, "Clinician Dr. R. Vale, LMFT Licence MFT 54321");
    assert!(current < amendments && amendments < heading && heading < reason);
    assert!(reason < removed && removed < signature);
    assert!(text.contains("Signed electronically at 16 Nov 2026, 16:05"));
    assert!(!text.contains("Original note as finalized"));
    // The amended words in the current text and the amendment; the removed ones only in
    // the amendment.
    assert_eq!(text.matches("AMENDEDWORDS").count(), 2);
    assert_eq!(text.matches("ORIGINALWORDS Assessment").count(), 1);
    // Unchanged sections are printed once, in the current text.
    assert_eq!(text.matches("ORIGINALWORDS Subjective").count(), 1);
    assert!(!text.contains("DRAFT"));
}

#[test]
fn a_draft_says_plainly_that_it_is_not_finalized() {
    let library = Library::builtin();
    let session = run(library.get("weekly-check-in").unwrap(), 3, 2);
    let note = soap_note(2, &session, "DRAFTWORDS");
    let report = clinical_note_report(&note, Some(&session), &couple(), &chart(), &ctx());
    let text = pdf_text(&render(&report));
    assert!(text.contains("Progress note (draft)"));
    assert!(text.contains("Draft, not finalized · SOAP note"));
    assert!(text.contains("Status Draft, not finalized"));
    assert!(text.contains("Draft, not finalized: this note has not been signed"));
    assert!(text.contains("DRAFTWORDS Plan"));
    assert!(text.contains("DRAFT: not signed"));
    assert!(text.contains("Not signed: draft"));
    assert!(!text.contains("Finalized by"));
    assert!(!text.contains("Amendments"));

    // Without its session the note still exports, and says what is missing.
    let text = pdf_text(&render(&clinical_note_report(
        &note,
        None,
        &couple(),
        &chart(),
        &ctx(),
    )));
    assert!(text.contains("session's record was not available"));
    assert!(text.contains("DRAFTWORDS Subjective"));
}

// ---------------------------------------------------------------------------------------
// Command line

fn tandem(vault: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
        .env_remove("TANDEM_VAULT")
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("TANDEM_PASSPHRASE", PASS)
        .output()
        .expect("tandem runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn pdf_file_text(path: &Path) -> String {
    pdf_text(&std::fs::read(path).expect("the PDF was written"))
}

fn open(root: &Path) -> Vault {
    Vault::open(
        root,
        Some(&SecretString::from(PASS.to_string())),
        Access::ReadWrite,
    )
    .expect("the vault opens")
}

/// A demo vault in which the first couple has process notes on its sessions and one
/// without a session, a clinical note on its latest session, and the second couple a
/// process note of its own. Returns the vault's folder, both couples' ids, the first
/// couple's session ids and the clinical note.
struct Practice {
    root: PathBuf,
    ours: CoupleId,
    theirs: CoupleId,
    sessions: Vec<SessionId>,
    note: ClinicalNote,
    process_notes: Vec<ProcessNote>,
}

fn practice(dir: &Path) -> Practice {
    let root = dir.join("vault");
    let out = tandem(&root, &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let vault = open(&root);
    let scan = vault.scan().unwrap();
    let (ours, theirs) = (scan.couples[0].id, scan.couples[1].id);
    let mine: Vec<&tandem::vault::SessionSummary> =
        scan.sessions.iter().filter(|s| s.couple == ours).collect();
    assert!(mine.len() >= 3, "the demo couple has sessions");
    let sessions: Vec<SessionId> = mine.iter().map(|s| s.id).collect();
    let mut process_notes: Vec<ProcessNote> = sessions
        .iter()
        .enumerate()
        .map(|(i, id)| process_note(i as u128, ours, Some(*id)))
        .collect();
    process_notes.push(process_note(500, ours, None));
    for note in &process_notes {
        vault
            .save(&RecordBody::ProcessNote(note.clone()), now())
            .unwrap();
    }
    vault
        .save(
            &RecordBody::ProcessNote(process_note(600, theirs, None)),
            now(),
        )
        .unwrap();
    let RecordBody::Session(latest) = vault
        .load(
            tandem::vault::RecordKind::Session,
            sessions.last().unwrap().0,
        )
        .unwrap()
    else {
        panic!("a session");
    };
    let mut note = soap_note(1, &latest, "NOTEWORDS");
    note.finalize("Dr. R. Vale", latest.started_at + Duration::hours(3))
        .unwrap();
    vault.save(&RecordBody::Note(note.clone()), now()).unwrap();
    drop(vault);
    Practice {
        root,
        ours,
        theirs,
        sessions,
        note,
        process_notes,
    }
}

#[test]
fn exports_from_a_vault_holding_process_notes_never_contain_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = practice(dir.path());
    let mut written = 0;
    let mut export = |args: Vec<String>| {
        let file = dir.path().join(format!("{written}.pdf"));
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["-o", file.to_str().unwrap()]);
        let out = tandem(&p.root, &args);
        if !out.status.success() {
            // Only "nothing to show" refusals (a session without letters, say).
            assert!(
                text(&out.stderr).contains("this session has no"),
                "{args:?}: {}",
                text(&out.stderr)
            );
            return;
        }
        let words = pdf_file_text(&file);
        assert!(!words.contains(CANARY), "{args:?} shows a process note");
        written += 1;
    };
    for session in &p.sessions {
        for document in SessionDocument::ALL {
            for audience in ["clinician", "couple"] {
                export(
                    [
                        "export",
                        "session",
                        &session.0.to_string(),
                        "--audience",
                        audience,
                        "--document",
                        document.name(),
                    ]
                    .map(String::from)
                    .to_vec(),
                );
            }
        }
    }
    for audience in Audience::ALL {
        export(
            [
                "export",
                "progress",
                &p.ours.0.to_string(),
                "--audience",
                audience.name(),
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    export(
        ["export", "note", &p.note.id.0.to_string()]
            .map(String::from)
            .to_vec(),
    );
    assert!(
        written >= p.sessions.len() * 2 + 5,
        "only {written} written"
    );
}

#[test]
fn process_notes_export_refuses_without_the_flag_and_is_logged_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = practice(dir.path());
    let file = dir.path().join("out").join("process.pdf");
    let couple = p.ours.0.to_string();
    let before = entries(&p.root).unwrap().len();

    let out = tandem(
        &p.root,
        &[
            "export",
            "process-notes",
            &couple,
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("add --include-process-notes"),
        "{}",
        text(&out.stderr)
    );
    assert!(!file.exists(), "nothing is written");
    assert!(!file.parent().unwrap().exists(), "not even the folder");
    assert_eq!(entries(&p.root).unwrap().len(), before, "nothing is logged");

    let out = tandem(
        &p.root,
        &[
            "export",
            "process-notes",
            &couple,
            "--include-process-notes",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("for the clinician"));
    let words = pdf_file_text(&file);
    assert!(words.contains("Process notes"));
    for note in &p.process_notes {
        assert!(words.contains(&note.text), "a process note is missing");
    }
    assert!(
        !words.contains(&format!("{CANARY}600")),
        "another couple's process note"
    );

    let log = entries(&p.root).unwrap();
    // The unlock, then the export.
    assert_eq!(log.len(), before + 2);
    assert_eq!(log[before].action, AuditAction::Unlock);
    let entry = log.last().unwrap();
    assert_eq!(entry.action, AuditAction::ExportProcessNotes);
    assert_eq!(entry.record, Some(p.ours.0));
    assert_eq!(entry.detail, "process notes");
    assert!(!entry.detail.contains(CANARY));
    let vault = open(&p.root);
    let check = vault.verify_audit().unwrap();
    assert_eq!(check.entries, before + 2);
    assert!(check.problems.is_empty(), "{:?}", check.problems);

    // The other couple's notes are theirs alone.
    let other = dir.path().join("other.pdf");
    drop(vault);
    let out = tandem(
        &p.root,
        &[
            "export",
            "process-notes",
            &p.theirs.0.to_string(),
            "--include-process-notes",
            "-o",
            other.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let words = pdf_file_text(&other);
    assert!(words.contains(&format!("{CANARY}600")));
    assert!(!words.contains(&format!("{CANARY}500")));
}

#[test]
fn export_note_writes_the_clinical_note_and_logs_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = practice(dir.path());
    let out = tandem(&p.root, &["list", "notes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(
        listed.contains(&format!("SOAP  finalized  {}", p.note.id.0)),
        "{listed}"
    );

    let file = dir.path().join("note.pdf");
    let out = tandem(
        &p.root,
        &[
            "export",
            "note",
            &p.note.id.0.to_string(),
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let words = pdf_file_text(&file);
    assert!(words.contains("Progress note"));
    assert!(words.contains("Finalized by Dr. R. Vale on"));
    assert!(words.contains("NOTEWORDS Assessment text of the note."));
    assert!(words.contains("made for the clinician."));

    let log = entries(&p.root).unwrap();
    let entry = log.last().expect("an entry");
    assert_eq!(entry.action, AuditAction::Export);
    assert_eq!(entry.record, Some(p.note.id.0));
    assert_eq!(entry.detail, "clinical note for the clinician");
    let check = open(&p.root).verify_audit().unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);

    // An id that is no note is refused, and only the unlock is logged.
    let before = log.len();
    let out = tandem(
        &p.root,
        &[
            "export",
            "note",
            &p.ours.0.to_string(),
            "-o",
            dir.path().join("x.pdf").to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let log = entries(&p.root).unwrap();
    assert_eq!(log.len(), before + 1);
    assert_eq!(log[before].action, AuditAction::Unlock);
}

/// The text of each page of a PDF, whitespace made single spaces.
fn pdf_pages(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).expect("the PDF was written");
    let doc = printpdf::PdfDocument::parse(
        &bytes,
        &printpdf::PdfParseOptions::default(),
        &mut Vec::new(),
    )
    .expect("the PDF parses");
    doc.extract_text()
        .iter()
        .map(|page| {
            page.iter()
                .flat_map(|l| l.split_whitespace())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn a_signed_and_a_draft_note_export_ready_to_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = practice(dir.path());
    let out = tandem(
        &p.root,
        &[
            "settings",
            "--clinician-name",
            "Dr. R. Vale",
            "--credentials",
            "LMFT",
            "--licence-number",
            "MFT 54321",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("credentials: \"LMFT\""), "{said}");
    assert!(said.contains("licence number: \"MFT 54321\""), "{said}");

    // A long draft with a service code on another of the couple's sessions.
    let vault = open(&p.root);
    let RecordBody::Session(session) = vault
        .load(tandem::vault::RecordKind::Session, p.sessions[0].0)
        .unwrap()
    else {
        panic!("a session");
    };
    let mut draft = soap_note(2, &session, "DRAFTWORDS");
    draft.sections[0].text = "The couple described their week in detail. ".repeat(200);
    draft.set_service_code("CPT 90847", now()).unwrap();
    vault.save(&RecordBody::Note(draft.clone()), now()).unwrap();
    drop(vault);

    let export = |id: uuid::Uuid, name: &str| {
        let file = dir.path().join(name);
        let out = tandem(
            &p.root,
            &[
                "export",
                "note",
                &id.to_string(),
                "-o",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        pdf_pages(&file)
    };

    let signed = export(p.note.id.0, "signed.pdf");
    let all = signed.join(" ");
    assert!(all.contains("Clinician Dr. R. Vale, LMFT"), "{all}");
    assert!(all.contains("Licence MFT 54321"));
    assert!(all.contains("Signed electronically at"));
    assert!(all.contains("Participants Maya"), "{all}");
    assert!(all.contains("Duration"));
    // The demo couple was screened with no concern, and cleared for joint work.
    assert!(
        all.contains("Risk latest safety screen")
            && all.contains(
                "no concern raised by either partner; decision: joint work with a safety protocol"
            ),
        "{all}"
    );
    assert!(!all.contains("Service code"), "none was given");
    assert!(!all.contains("DRAFT"));

    let pages = export(draft.id.0, "draft.pdf");
    assert!(
        pages.len() >= 2,
        "the draft runs onto {} pages",
        pages.len()
    );
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains("DRAFT"), "page {} is not stamped", i + 1);
        assert!(page.contains("DRAFT: not signed"), "page {}", i + 1);
    }
    let all = pages.join(" ");
    assert!(all.contains("Service code CPT 90847"), "{all}");
    assert!(all.contains("Not signed: draft"));
    assert!(all.contains("Clinician Dr. R. Vale, LMFT"));
    assert!(!all.contains("Signed electronically"));
}

#[test]
fn the_risk_line_reads_the_screens_recorded_up_to_the_notes_session() {
    use tandem::practice::export::risk_facts;
    let library = Library::builtin();
    let screen = |days_ago| run(library.get("safety-screen").unwrap(), 11, days_ago);
    let session = run(library.get("weekly-check-in").unwrap(), 12, 10);
    let note = soap_note(3, &session, "RISKWORDS");
    // A screen after the session is not what the session knew.
    let later = screen(5);
    assert_eq!(
        risk_facts(&note, Some(&session), &[session.clone(), later.clone()]),
        None
    );
    let earlier = screen(20);
    let risk = risk_facts(
        &note,
        Some(&session),
        &[earlier.clone(), session.clone(), later],
    )
    .expect("the earlier screen");
    assert_eq!(risk.screened, Partner::BOTH.into_iter().collect());
    assert!(risk.concern.is_empty(), "the demo's screen is quiet");
    assert!(risk.screened_at <= session.started_at);
    assert!(risk.screened_at >= earlier.started_at);
    // Without its session, the note reads every screen.
    assert!(risk_facts(&note, None, &[screen(5)]).is_some());
    assert_eq!(risk_facts(&note, None, &[]), None);
}
