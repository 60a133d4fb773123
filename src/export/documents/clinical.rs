//! The clinician's own records as documents: a session's progress note (SOAP, DAP or
//! BIRP) with its signature and every amendment, and a couple's process notes.
//!
//! Process notes are separate records (`RecordKind::ProcessNote`) and `process_notes_report`
//! is the only document function that takes them: no other document may ever be given
//! one, so they leave Tandem only through the clinician's explicit request.

use super::{Context, name, plural};
use crate::export::report::{Block, DocumentKind, Report, Section};
use crate::model::{
    Audience, ClinicalNote, Couple, NoteSection, NoteStyle, Partner, ProcessNote, Session,
    Signature,
};
use chrono::{DateTime, Utc};

/// How a draft is marked, in the subtitle, the facts and above the text.
const DRAFT: &str = "Draft, not finalized";

/// A session's progress note as the clinician's document. `session` is the note's session
/// if it could be opened (its protocol and date are then among the facts).
///
/// The note as it now reads comes first, one section per heading. A draft says so plainly;
/// a finalized note names who signed it and when. An amended note then lists every
/// amendment (when, by whom, why, with its full text) and the original as finalized, so
/// nothing once signed disappears from the record.
pub fn clinical_note_report(
    note: &ClinicalNote,
    session: Option<&Session>,
    couple: &Couple,
    ctx: &Context,
) -> Report {
    let audience = Audience::Clinician;
    let session = session.filter(|s| s.id == note.session);
    let mut subtitle = Vec::new();
    if !note.is_final() {
        subtitle.push(DRAFT.to_string());
    }
    subtitle.push(format!("{} note", note.style.name()));
    if let Some(s) = session {
        subtitle.push(s.template_title.clone());
        subtitle.push(ctx.date(s.started_at));
    }

    let mut facts = vec![couple_fact(couple)];
    match session {
        Some(s) => {
            facts.push(("Protocol".into(), s.template_title.clone()));
            facts.push(("Session".into(), when(ctx, s.started_at)));
        }
        None => facts.push((
            "Session".into(),
            format!(
                "{} (the session's record was not available for this document)",
                note.session.0
            ),
        )),
    }
    facts.push(("Note style".into(), style_line(note.style)));
    facts.push(("Status".into(), status_line(note, ctx)));
    facts.push(("Written".into(), when(ctx, note.created_at)));
    facts.push((
        "Made for".into(),
        "The clinician only: the clinician's own record".into(),
    ));
    facts.push(("Made on".into(), ctx.made_on()));

    let date = session.map_or(note.created_at, |s| s.started_at);
    let mut report = Report {
        kind: DocumentKind::ClinicalNote,
        title: if note.is_final() {
            "Progress note".into()
        } else {
            "Progress note (draft)".into()
        },
        subtitle: subtitle.join(" · "),
        practice: ctx.practice.clone(),
        couple_code: Some(couple.code.clone()),
        date: ctx.local(date).date_naive(),
        made_at: ctx.now,
        audience,
        facts,
        sections: Vec::new(),
    };

    // The note as it now reads, one section per heading.
    let mut current: Vec<Section> = note
        .current()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut section = Section::new(heading(s, i));
            section.blocks.push(text_block(&s.text));
            section
        })
        .collect();
    if current.is_empty() {
        let mut section = Section::new("Note");
        section
            .blocks
            .push(Block::Note("Nothing has been written in this note.".into()));
        current.push(section);
    }
    let lead = match (&note.finalized, note.amendments.last()) {
        (None, _) => Some(format!(
            "{DRAFT}: this note has not been signed and may still change."
        )),
        (Some(_), Some(last)) => Some(format!(
            "The note as amended on {} by {} (amendment {n} of {n}). Every amendment and \
             the original as finalized follow.",
            when(ctx, last.signed.at),
            signer(&last.signed),
            n = note.amendments.len()
        )),
        (Some(_), None) => None,
    };
    if let (Some(lead), Some(first)) = (lead, current.first_mut()) {
        first.blocks.insert(0, Block::Note(lead));
    }
    report.sections.extend(current);

    if !note.amendments.is_empty() {
        let mut section = Section::new("Amendments");
        section.blocks.push(Block::Note(format!(
            "{}, oldest first, each with the full text of the note as amended.",
            plural(note.amendments.len(), "amendment", "amendments")
        )));
        let total = note.amendments.len();
        for (i, amendment) in note.amendments.iter().enumerate() {
            section.blocks.push(Block::Heading(format!(
                "Amendment {} of {total}: {}",
                i + 1,
                when(ctx, amendment.signed.at)
            )));
            section.blocks.push(Block::Fields(vec![
                ("By".into(), signer(&amendment.signed)),
                ("Reason".into(), amendment.reason.clone()),
            ]));
            let before = match i.checked_sub(1).and_then(|j| note.amendments.get(j)) {
                Some(earlier) => &earlier.sections,
                None => &note.sections,
            };
            section
                .blocks
                .extend(said_blocks(&amendment.sections, Some(before)));
        }
        report.sections.push(section);

        let mut original = Section::new("Original note as finalized");
        if let Some(signed) = &note.finalized {
            original.blocks.push(Block::Note(format!(
                "Finalized by {} on {}, before any amendment.",
                signer(signed),
                when(ctx, signed.at)
            )));
        }
        original.blocks.extend(said_blocks(&note.sections, None));
        report.sections.push(original);
    }
    report
}

/// A couple's process notes (psychotherapy notes), oldest first, for the clinician. Only
/// ever called on the clinician's explicit request: these notes are in no other document.
/// Notes of other couples among `notes` are left out.
pub fn process_notes_report(couple: &Couple, notes: &[ProcessNote], ctx: &Context) -> Report {
    let audience = Audience::Clinician;
    let mut notes: Vec<&ProcessNote> = notes.iter().filter(|n| n.couple == couple.id).collect();
    notes.sort_by_key(|n| (n.written_at, n.id));
    let period = match (notes.first(), notes.last()) {
        (Some(a), Some(b)) if ctx.date(a.written_at) == ctx.date(b.written_at) => {
            format!(
                "{}, {}",
                plural(notes.len(), "note", "notes"),
                ctx.date(a.written_at)
            )
        }
        (Some(a), Some(b)) => format!(
            "{}, {} to {}",
            plural(notes.len(), "note", "notes"),
            ctx.date(a.written_at),
            ctx.date(b.written_at)
        ),
        _ => "none".into(),
    };
    let mut report = Report {
        kind: DocumentKind::ProcessNotes,
        title: "Process notes".into(),
        subtitle: "The clinician's psychotherapy notes, kept apart from the clinical record".into(),
        practice: ctx.practice.clone(),
        couple_code: Some(couple.code.clone()),
        date: ctx.local(ctx.now).date_naive(),
        made_at: ctx.now,
        audience,
        facts: vec![
            couple_fact(couple),
            ("Process notes".into(), period),
            (
                "Made for".into(),
                "The clinician only, on the clinician's explicit request".into(),
            ),
            ("Made on".into(), ctx.made_on()),
        ],
        sections: Vec::new(),
    };
    let mut about = Section::new("About these notes");
    about.blocks.push(Block::Paragraph(
        "These are the clinician's process notes (psychotherapy notes): working notes kept \
         apart from the clinical record, in their own records. They are part of no other \
         export, and were exported here only on the clinician's explicit request."
            .into(),
    ));
    if notes.is_empty() {
        about.blocks.push(Block::Note(
            "There are no process notes for this couple.".into(),
        ));
    }
    report.sections.push(about);
    for note in notes {
        let mut section = Section::new(when(ctx, note.written_at));
        // The section's title is when it was written.
        let mut status = vec![match note.session {
            Some(session) => format!("Linked to session {}", session.0),
            None => "Not linked to a session".into(),
        }];
        if note.updated_at != note.written_at {
            status.push(format!("last changed {}", when(ctx, note.updated_at)));
        }
        section.blocks.push(Block::Note(status.join(" · ")));
        section.blocks.push(text_block(&note.text));
        report.sections.push(section);
    }
    report
}

fn couple_fact(couple: &Couple) -> (String, String) {
    (
        "Couple".into(),
        format!(
            "{}: {} (A) and {} (B)",
            couple.code,
            name(couple, Partner::A),
            name(couple, Partner::B)
        ),
    )
}

/// "16 Nov 2026, 14:05" in the context's time zone.
fn when(ctx: &Context, at: DateTime<Utc>) -> String {
    format!("{}, {}", ctx.date(at), ctx.time(at))
}

fn style_line(style: NoteStyle) -> String {
    format!("{} ({})", style.name(), style.headings().join(", "))
}

/// "Draft, not finalized", or "Finalized by NAME on DATE TIME" and how often it was
/// amended since.
fn status_line(note: &ClinicalNote, ctx: &Context) -> String {
    let Some(signed) = &note.finalized else {
        return DRAFT.into();
    };
    let mut line = format!(
        "Finalized by {} on {}",
        signer(signed),
        when(ctx, signed.at)
    );
    if let Some(last) = note.amendments.last() {
        line.push_str(&format!(
            "; amended {} since, last by {} on {}",
            times(note.amendments.len()),
            signer(&last.signed),
            when(ctx, last.signed.at)
        ));
    }
    line
}

/// The signer's name, or a plain stand-in if the record has none.
fn signer(signed: &Signature) -> String {
    let name = signed.clinician.trim();
    if name.is_empty() {
        "an unnamed clinician".into()
    } else {
        name.to_string()
    }
}

fn times(n: usize) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

/// A section's heading, or a stand-in for one left empty.
fn heading(section: &NoteSection, index: usize) -> String {
    let heading = section.heading.trim();
    if heading.is_empty() {
        format!("Section {}", index + 1)
    } else {
        heading.to_string()
    }
}

/// Written text, or a quiet line saying there is none.
fn text_block(text: &str) -> Block {
    if text.trim().is_empty() {
        Block::Note("Nothing written here.".into())
    } else {
        Block::Paragraph(text.to_string())
    }
}

/// A version of the note as labelled blocks (for amendments and the original). Given the
/// version `before` it, a section whose text differs from that version's section of the
/// same heading is labelled "(changed)".
fn said_blocks(sections: &[NoteSection], before: Option<&[NoteSection]>) -> Vec<Block> {
    sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let changed = before.is_some_and(|earlier| {
                earlier
                    .iter()
                    .find(|e| e.heading == s.heading)
                    .is_none_or(|e| e.text != s.text)
            });
            let mut who = heading(s, i);
            if changed {
                who.push_str(" (changed)");
            }
            Block::Said {
                who,
                text: if s.text.trim().is_empty() {
                    "(nothing written)".into()
                } else {
                    s.text.clone()
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::documents::{Zone, file_name};
    use crate::model::{COUPLE_FORMAT, CoupleId, NoteId, PartnerInfo, ProcessNoteId, SessionId};
    use crate::model::{PROCESS_NOTE_FORMAT, restyle_sections};
    use chrono::{FixedOffset, TimeZone};

    fn at(day: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, h, 5, 0).unwrap()
    }

    fn ctx() -> Context {
        Context {
            practice: "Harbour Couples Therapy".into(),
            now: at(23, 9),
            zone: Zone::Fixed(FixedOffset::east_opt(0).unwrap()),
            resources: Vec::new(),
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
            created_on: at(1, 9).date_naive(),
            archived: false,
        }
    }

    fn note(texts: &[&str]) -> ClinicalNote {
        let mut sections = restyle_sections(&[], NoteStyle::Soap);
        for (s, t) in sections.iter_mut().zip(texts) {
            s.text = (*t).to_string();
        }
        ClinicalNote::new(
            NoteId(uuid::Uuid::from_u128(1)),
            couple().id,
            SessionId(uuid::Uuid::from_u128(3)),
            NoteStyle::Soap,
            sections,
            at(16, 11),
        )
    }

    fn position(text: &str, needle: &str) -> usize {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing from:\n{text}"))
    }

    #[test]
    fn an_amended_note_reads_current_text_then_amendments_then_the_original() {
        let mut n = note(&["said first", "seen", "thought", "planned"]);
        n.finalize("Dr. R. Vale", at(16, 12)).unwrap();
        let mut changed = n.sections.clone();
        changed[0].text = "said second".into();
        n.amend("Dr. R. Vale", "wrong word", changed, at(17, 8))
            .unwrap();
        let text = clinical_note_report(&n, None, &couple(), &ctx()).plain_text();
        let current = position(&text, "said second");
        let amendments = position(&text, "\nAmendments\n");
        let reason = position(&text, "Reason: wrong word");
        let original = position(&text, "\nOriginal note as finalized\n");
        let first = position(&text, "said first");
        assert!(current < amendments && amendments < reason && reason < original);
        assert!(original < first);
        assert!(text.contains("Finalized by Dr. R. Vale on 16 Nov 2026, 12:05"));
        assert!(text.contains("amended once since"));
        assert!(!text.contains(DRAFT));
    }

    #[test]
    fn a_draft_is_marked_in_title_subtitle_facts_and_above_the_text() {
        let report = clinical_note_report(&note(&["x"]), None, &couple(), &ctx());
        assert!(report.title.contains("draft"));
        assert!(report.subtitle.starts_with(DRAFT));
        assert!(report.facts.contains(&("Status".into(), DRAFT.into())));
        assert!(matches!(
            report.sections[0].blocks.first(),
            Some(Block::Note(t)) if t.starts_with(DRAFT)
        ));
        assert!(!report.plain_text().contains("Finalized by"));
    }

    #[test]
    fn file_names_carry_code_date_and_kind_never_names() {
        let c = couple();
        let note_name = file_name(&clinical_note_report(&note(&[]), None, &c, &ctx()));
        assert_eq!(note_name, "C-0900-2026-11-16-clinical-note-clinician.pdf");
        let process = ProcessNote {
            format: PROCESS_NOTE_FORMAT,
            id: ProcessNoteId(uuid::Uuid::from_u128(9)),
            couple: c.id,
            session: None,
            written_at: at(20, 9),
            updated_at: at(20, 9),
            text: "hunch".into(),
        };
        let pn_name = file_name(&process_notes_report(&c, &[process], &ctx()));
        assert_eq!(pn_name, "C-0900-2026-11-23-process-notes-clinician.pdf");
        for name in [note_name, pn_name] {
            assert!(!name.contains("Maya") && !name.contains("Daniel"));
        }
    }

    #[test]
    fn process_notes_of_other_couples_are_left_out() {
        let c = couple();
        let make = |couple: CoupleId, n: u128, text: &str| ProcessNote {
            format: PROCESS_NOTE_FORMAT,
            id: ProcessNoteId(uuid::Uuid::from_u128(n)),
            couple,
            session: Some(SessionId(uuid::Uuid::from_u128(3))),
            written_at: at(20, n as u32),
            updated_at: at(20, n as u32),
            text: text.into(),
        };
        let other = CoupleId(uuid::Uuid::from_u128(99));
        let notes = [
            make(c.id, 2, "ours later"),
            make(other, 1, "someone else's"),
            make(c.id, 1, "ours first"),
        ];
        let text = process_notes_report(&c, &notes, &ctx()).plain_text();
        assert!(!text.contains("someone else's"));
        assert!(position(&text, "ours first") < position(&text, "ours later"));
        assert!(text.contains("2 notes, 20 Nov 2026"));
        assert!(text.contains("explicit request"));
    }
}
