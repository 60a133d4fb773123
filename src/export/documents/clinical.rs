//! The clinician's own records as documents: a session's progress note (SOAP, DAP or
//! BIRP) with its signature and every amendment, and a couple's process notes.
//!
//! Process notes are separate records (`RecordKind::ProcessNote`) and `process_notes_report`
//! is the only document function that takes them: no other document may ever be given
//! one, so they leave Tandem only through the clinician's explicit request.

use super::{Context, duration, name, plural};
use crate::export::report::{Block, DocumentKind, Report, Section};
use crate::model::{
    Audience, ClinicalNote, Couple, NoteSection, NoteStyle, Partner, ProcessNote, SafetyDecision,
    Session, Signature,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// How a draft is marked, in the subtitle, the facts and above the text.
const DRAFT: &str = "Draft, not finalized";

/// The stamp on every page of a draft (spelled out above the footer as "DRAFT: not
/// signed").
pub const DRAFT_STAMP: &str = "DRAFT";

/// The clinician who signs the practice's progress notes, from its settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clinician {
    pub name: String,
    /// E.g. "LMFT"; empty when not set.
    pub credentials: String,
    /// Empty when not set.
    pub licence_number: String,
}

/// The couple's safety status for a progress note's risk line, worked out by the practice
/// from the couple's safety screens (documents read no screen themselves).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskFacts {
    /// When the latest safety screen was recorded.
    pub screened_at: DateTime<Utc>,
    /// The partners whose screen is recorded.
    pub screened: BTreeSet<Partner>,
    /// The partners whose latest screen raised a concern.
    pub concern: BTreeSet<Partner>,
    /// The therapist's decision that stands, if any.
    pub decision: Option<SafetyDecision>,
}

/// What a progress note needs besides the note, its session and the couple: who signs,
/// and the risk line's facts (`None` when no safety screen is recorded).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChartFacts {
    pub clinician: Clinician,
    pub risk: Option<RiskFacts>,
}

/// A session's progress note as the clinician's document. `session` is the note's session
/// if it could be opened (its protocol, date, times and length are then among the facts).
///
/// The session's facts come first (date, start, end and length, who took part, the
/// service code when given, and the risk line from the latest safety screen). Then the
/// note as it now reads, once, one section per heading. An amended note then lists every
/// amendment (when, by whom, why) with only the words it changed, section by section.
/// The signature block closes the note: the clinician's name, credentials and licence
/// number, and when it was signed, or that a draft is not signed. A draft is stamped
/// "DRAFT" on every page.
pub fn clinical_note_report(
    note: &ClinicalNote,
    session: Option<&Session>,
    couple: &Couple,
    chart: &ChartFacts,
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
            facts.extend(session_times(ctx, s));
        }
        None => facts.push((
            "Session".into(),
            format!(
                "{} (the session's record was not available for this document)",
                note.session.0
            ),
        )),
    }
    facts.push((
        "Participants".into(),
        participants(couple, &clinician_name(note, chart)),
    ));
    if let Some(code) = note
        .service_code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        facts.push(("Service code".into(), code.trim().to_string()));
    }
    facts.push(("Risk".into(), risk_line(chart.risk.as_ref(), couple, ctx)));
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
        dates: ctx.dates,
        made_at: ctx.now,
        audience,
        facts,
        sections: Vec::new(),
        stamp: (!note.is_final()).then(|| DRAFT_STAMP.to_string()),
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
            "The note as amended on {} by {} (amendment {n} of {n}). What each amendment \
             changed follows.",
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
            "{}, oldest first, each with the words it removed and added, section by section. \
             Every earlier version is kept whole in the record.",
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
                .extend(changed_blocks(before, &amendment.sections));
        }
        report.sections.push(section);
    }
    report.sections.push(signature_section(note, chart, ctx));
    report
}

/// Date, times and length of the session. The length is counted from the same whole
/// minutes the times show, so "10:00 to 10:18" always reads 18 min.
fn session_times(ctx: &Context, session: &Session) -> Vec<(String, String)> {
    let start = session.started_at;
    let mut facts = vec![("Date".into(), ctx.date(start))];
    match session.ended_at.filter(|end| *end >= start) {
        Some(end) => {
            let end_shown = if ctx.date(end) == ctx.date(start) {
                ctx.time(end)
            } else {
                when(ctx, end)
            };
            facts.push(("Time".into(), format!("{} to {end_shown}", ctx.time(start))));
            let mins = shown_minutes(end) - shown_minutes(start);
            facts.push(("Duration".into(), duration(mins * 60)));
        }
        None => facts.push((
            "Time".into(),
            format!("{}, not ended (no end time recorded)", ctx.time(start)),
        )),
    }
    facts
}

/// A time as the whole minutes a clock shows (seconds dropped, as `Context::time` does).
fn shown_minutes(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

/// The name the note is signed with, or will be: the signer's, else the practice's.
fn clinician_name(note: &ClinicalNote, chart: &ChartFacts) -> String {
    match &note.finalized {
        Some(signed) => signer(signed),
        None if !chart.clinician.name.trim().is_empty() => chart.clinician.name.trim().into(),
        None => "the clinician".into(),
    }
}

fn participants(couple: &Couple, clinician: &str) -> String {
    format!(
        "{} (partner A), {} (partner B) and the clinician, {clinician}",
        name(couple, Partner::A),
        name(couple, Partner::B)
    )
}

/// "latest safety screen 3 Nov 2026, no concern raised by either partner; decision:
/// joint work", or "no safety screen recorded".
fn risk_line(risk: Option<&RiskFacts>, couple: &Couple, ctx: &Context) -> String {
    let Some(risk) = risk else {
        return "no safety screen recorded".into();
    };
    let who = |partners: &BTreeSet<Partner>| -> String {
        match partners.len() {
            2 => "both partners".into(),
            _ => partners
                .iter()
                .map(|p| format!("{} ({p})", name(couple, *p)))
                .collect::<Vec<_>>()
                .join(" and "),
        }
    };
    let concern = if risk.concern.is_empty() {
        "no concern raised by either partner".to_string()
    } else {
        format!("concern raised by {}", who(&risk.concern))
    };
    let mut line = format!(
        "latest safety screen {}, {concern}",
        ctx.date(risk.screened_at)
    );
    let missing: BTreeSet<Partner> = Partner::BOTH
        .into_iter()
        .filter(|p| !risk.screened.contains(p))
        .collect();
    if !missing.is_empty() {
        line.push_str(&format!(" ({} not screened)", who(&missing)));
    }
    line.push_str("; decision: ");
    line.push_str(match risk.decision {
        Some(SafetyDecision::JointWork) => "joint work",
        Some(SafetyDecision::JointWorkWithSafetyProtocol) => "joint work with a safety protocol",
        Some(SafetyDecision::IndividualWorkOnly) => "individual work only",
        None => "none that stands",
    });
    line
}

/// The block that closes the note: who signs, with credentials and licence number, and
/// when it was signed, or that it is a draft. Credentials and the licence number are the
/// practice's settings, shown only beside the name they belong to.
fn signature_section(note: &ClinicalNote, chart: &ChartFacts, ctx: &Context) -> Section {
    let mut section = Section::new("Signature");
    let settings = &chart.clinician;
    let name = clinician_name(note, chart);
    let theirs = settings.name.trim().is_empty() || settings.name.trim() == name;
    let mut signed_as = name;
    if theirs && !settings.credentials.trim().is_empty() {
        signed_as.push_str(&format!(", {}", settings.credentials.trim()));
    }
    let mut fields = vec![("Clinician".to_string(), signed_as)];
    if theirs && !settings.licence_number.trim().is_empty() {
        fields.push(("Licence".into(), settings.licence_number.trim().to_string()));
    }
    section.blocks.push(Block::Fields(fields));
    section.blocks.push(Block::Paragraph(match &note.finalized {
        Some(signed) => format!("Signed electronically at {}", when(ctx, signed.at)),
        None => "Not signed: draft".into(),
    }));
    if let Some(last) = note.amendments.last() {
        section.blocks.push(Block::Note(format!(
            "Last amended electronically at {} by {}.",
            when(ctx, last.signed.at),
            signer(&last.signed)
        )));
    }
    section.keep_together = true;
    section
}

/// The sessions process notes may be linked to: each one's protocol title and start.
pub type LinkedSessions =
    std::collections::BTreeMap<crate::model::SessionId, (String, chrono::DateTime<chrono::Utc>)>;

/// A couple's process notes (psychotherapy notes), oldest first, for the clinician. Only
/// ever called on the clinician's explicit request: these notes are in no other document.
/// Notes of other couples among `notes` are left out. `sessions` names the sessions the
/// notes are linked to (protocol title and start), so none is shown as a bare id.
pub fn process_notes_report(
    couple: &Couple,
    notes: &[ProcessNote],
    sessions: &LinkedSessions,
    ctx: &Context,
) -> Report {
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
        dates: ctx.dates,
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
        stamp: None,
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
            Some(session) => match sessions.get(&session) {
                Some((title, at)) => format!("About the session of {}: {title}", when(ctx, *at)),
                None => "About a session whose record was not available for this document".into(),
            },
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

/// What an amendment changed, one block per section it changed: the words removed and
/// added, and nothing of what stayed. Sections are matched by heading.
fn changed_blocks(before: &[NoteSection], after: &[NoteSection]) -> Vec<Block> {
    let mut blocks = Vec::new();
    for (i, s) in after.iter().enumerate() {
        let earlier = before.iter().find(|e| e.heading == s.heading);
        let old = earlier.map_or("", |e| e.text.as_str());
        if old == s.text {
            continue;
        }
        let mut lines = Vec::new();
        for hunk in hunks(&word_diff(old, &s.text)) {
            if !hunk.removed.is_empty() {
                lines.push(format!("Removed: “{}”", hunk.removed));
            }
            if !hunk.added.is_empty() {
                lines.push(format!("Added: “{}”", hunk.added));
            }
        }
        if lines.is_empty() {
            lines.push("Only spacing or line breaks changed.".into());
        }
        blocks.push(Block::Said {
            who: heading(s, i),
            text: lines.join("\n"),
        });
    }
    for (i, e) in before.iter().enumerate() {
        if !after.iter().any(|s| s.heading == e.heading) && !e.text.trim().is_empty() {
            blocks.push(Block::Said {
                who: format!("{} (section taken out)", heading(e, i)),
                text: format!(
                    "Removed: “{}”",
                    e.text.split_whitespace().collect::<Vec<_>>().join(" ")
                ),
            });
        }
    }
    if blocks.is_empty() {
        blocks.push(Block::Note("No words changed.".into()));
    }
    blocks
}

/// One piece of a word-level comparison of two texts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WordChange {
    /// Words in both, joined by single spaces.
    Same(String),
    Removed(String),
    Added(String),
}

/// Most cells the comparison table may have; past it, the changed middle of the two
/// texts is shown as removed whole and added whole.
const MAX_DIFF_CELLS: usize = 4_000_000;

/// The word-level difference of `before` and `after`: the longest common subsequence of
/// their words, with the rest removed or added. Whitespace only separates words.
pub fn word_diff(before: &str, after: &str) -> Vec<WordChange> {
    let a: Vec<&str> = before.split_whitespace().collect();
    let b: Vec<&str> = after.split_whitespace().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    // Each word tagged: 0 same, 1 removed, 2 added.
    let mut tagged: Vec<(u8, &str)> = a[..prefix].iter().map(|w| (0, *w)).collect();
    if (mid_a.len() + 1).saturating_mul(mid_b.len() + 1) > MAX_DIFF_CELLS {
        tagged.extend(mid_a.iter().map(|w| (1, *w)));
        tagged.extend(mid_b.iter().map(|w| (2, *w)));
    } else {
        // lcs[i][j]: the longest common subsequence of mid_a[i..] and mid_b[j..].
        let width = mid_b.len() + 1;
        let mut lcs = vec![0u32; (mid_a.len() + 1) * width];
        for i in (0..mid_a.len()).rev() {
            for j in (0..mid_b.len()).rev() {
                lcs[i * width + j] = if mid_a[i] == mid_b[j] {
                    lcs[(i + 1) * width + j + 1] + 1
                } else {
                    lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < mid_a.len() && j < mid_b.len() {
            if mid_a[i] == mid_b[j] {
                tagged.push((0, mid_a[i]));
                i += 1;
                j += 1;
            } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
                tagged.push((1, mid_a[i]));
                i += 1;
            } else {
                tagged.push((2, mid_b[j]));
                j += 1;
            }
        }
        tagged.extend(mid_a[i..].iter().map(|w| (1, *w)));
        tagged.extend(mid_b[j..].iter().map(|w| (2, *w)));
    }
    tagged.extend(a[a.len() - suffix..].iter().map(|w| (0, *w)));

    // Runs of one kind joined; within a change, removed words before added ones.
    let mut changes: Vec<WordChange> = Vec::new();
    let mut pending: [Vec<&str>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let flush = |pending: &mut [Vec<&str>; 3], changes: &mut Vec<WordChange>| {
        let [same, removed, added] = pending;
        if !same.is_empty() {
            changes.push(WordChange::Same(same.join(" ")));
            same.clear();
        }
        if !removed.is_empty() {
            changes.push(WordChange::Removed(removed.join(" ")));
            removed.clear();
        }
        if !added.is_empty() {
            changes.push(WordChange::Added(added.join(" ")));
            added.clear();
        }
    };
    for (tag, word) in tagged {
        let is_same = tag == 0;
        let had_same = !pending[0].is_empty();
        let had_change = !pending[1].is_empty() || !pending[2].is_empty();
        if (is_same && had_change) || (!is_same && had_same) {
            flush(&mut pending, &mut changes);
        }
        pending[usize::from(tag)].push(word);
    }
    flush(&mut pending, &mut changes);
    changes
}

/// A place where words changed: what was removed there and what was added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Hunk {
    removed: String,
    added: String,
}

fn hunks(changes: &[WordChange]) -> Vec<Hunk> {
    let mut out: Vec<Hunk> = Vec::new();
    let mut open = false;
    for change in changes {
        match change {
            WordChange::Same(_) => open = false,
            WordChange::Removed(words) | WordChange::Added(words) => {
                if !open {
                    out.push(Hunk::default());
                    open = true;
                }
                if let Some(hunk) = out.last_mut() {
                    match change {
                        WordChange::Removed(_) => hunk.removed = words.clone(),
                        _ => hunk.added = words.clone(),
                    }
                }
            }
        }
    }
    out
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

    /// A session of the couple, run through the real runner, from `start` to `end`.
    fn session(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Session {
        let library = crate::template::Library::builtin();
        let mut session = crate::runner::Runner::start(
            library.get("weekly-check-in").expect("shipped"),
            crate::runner::Start {
                session: SessionId(uuid::Uuid::from_u128(3)),
                couple: couple().id,
                bindings: crate::model::Bindings::default(),
                facts: crate::model::CoupleFacts {
                    screened: Partner::BOTH.into_iter().collect(),
                    safety_decision: Some(SafetyDecision::JointWork),
                },
                questions: None,
            },
            start,
        )
        .expect("starts")
        .into_session();
        session.ended_at = end;
        session
    }

    fn report(n: &ClinicalNote, chart: &ChartFacts) -> Report {
        clinical_note_report(n, None, &couple(), chart, &ctx())
    }

    /// The plain text of one section, without its title.
    fn section_text(report: &Report, title: &str) -> String {
        let mut only = report.clone();
        only.sections.retain(|s| s.title == title);
        assert_eq!(only.sections.len(), 1, "no section {title:?}");
        only.title.clear();
        only.subtitle.clear();
        only.facts.clear();
        let text = only.plain_text();
        text.lines().skip(2).collect::<Vec<_>>().join("\n")
    }

    fn words(changes: &[WordChange]) -> Vec<(char, &str)> {
        changes
            .iter()
            .map(|c| match c {
                WordChange::Same(w) => ('=', w.as_str()),
                WordChange::Removed(w) => ('-', w.as_str()),
                WordChange::Added(w) => ('+', w.as_str()),
            })
            .collect()
    }

    #[test]
    fn word_diff_keeps_the_common_words_and_marks_the_rest() {
        for (before, after, expected) in [
            ("a b c", "a b c", vec![('=', "a b c")]),
            ("", "", vec![]),
            ("", "new words", vec![('+', "new words")]),
            ("old words", "", vec![('-', "old words")]),
            (
                "she said first then left",
                "she said second then left",
                vec![
                    ('=', "she said"),
                    ('-', "first"),
                    ('+', "second"),
                    ('=', "then left"),
                ],
            ),
            (
                "one two three four",
                "one three four five",
                vec![
                    ('=', "one"),
                    ('-', "two"),
                    ('=', "three four"),
                    ('+', "five"),
                ],
            ),
            (
                "x a y b z",
                "x A y B z",
                vec![
                    ('=', "x"),
                    ('-', "a"),
                    ('+', "A"),
                    ('=', "y"),
                    ('-', "b"),
                    ('+', "B"),
                    ('=', "z"),
                ],
            ),
            // Line breaks and spacing only separate words.
            ("a  b\nc", "a b c", vec![('=', "a b c")]),
        ] {
            assert_eq!(
                words(&word_diff(before, after)),
                expected,
                "{before:?} to {after:?}"
            );
        }
    }

    #[test]
    fn word_diff_of_texts_too_long_to_compare_still_loses_no_word() {
        let before: String = (0..2100).map(|i| format!("w{i} ")).collect();
        let after: String = (0..2100).map(|i| format!("v{i} ")).collect();
        let changes = word_diff(&format!("same {before} end"), &format!("same {after} end"));
        assert_eq!(changes.len(), 4);
        assert_eq!(changes[0], WordChange::Same("same".into()));
        assert_eq!(changes[1], WordChange::Removed(before.trim().into()));
        assert_eq!(changes[2], WordChange::Added(after.trim().into()));
        assert_eq!(changes[3], WordChange::Same("end".into()));
    }

    #[test]
    fn an_amended_note_prints_its_text_once_then_only_the_changed_words() {
        let mut n = note(&[
            "partners said first words calmly",
            "seen",
            "thought",
            "planned",
        ]);
        n.finalize("Dr. R. Vale", at(16, 12)).unwrap();
        let mut changed = n.sections.clone();
        changed[0].text = "partners said second words calmly".into();
        n.amend("Dr. R. Vale", "wrong word", changed.clone(), at(17, 8))
            .unwrap();
        changed[3].text = "planned a review".into();
        n.amend("Dr. A. Moss", "plan completed", changed, at(18, 8))
            .unwrap();
        let report = report(&n, &chart());
        let text = report.plain_text();
        // The current text once; no section repeats the whole note.
        assert_eq!(text.matches("partners said second words calmly").count(), 1);
        assert!(!text.contains("partners said first words calmly"));
        assert!(!text.contains("Original note as finalized"));
        let amendments = section_text(&report, "Amendments");
        assert!(amendments.contains("Amendment 1 of 2: 17 Nov 2026, 08:05"));
        assert!(amendments.contains("Reason: wrong word"));
        assert!(amendments.contains("Subjective: Removed: “first”\nAdded: “second”"));
        assert!(amendments.contains("Amendment 2 of 2: 18 Nov 2026, 08:05"));
        assert!(amendments.contains("By: Dr. A. Moss"));
        assert!(amendments.contains("Plan: Added: “a review”"));
        // Only changed words: nothing that stayed, and no section left as it was.
        for unchanged in ["partners", "calmly", "seen", "thought", "planned"] {
            assert!(
                !amendments.contains(unchanged),
                "{unchanged} in:\n{amendments}"
            );
        }
        assert!(!amendments.contains("Objective"));
        let current = position(&text, "partners said second");
        assert!(current < position(&text, "\nAmendments\n"));
        assert!(text.contains("Finalized by Dr. R. Vale on 16 Nov 2026, 12:05"));
        assert!(text.contains("amended twice since, last by Dr. A. Moss"));
        assert!(!text.contains(DRAFT));
        assert_eq!(report.stamp, None);
    }

    #[test]
    fn the_signature_block_closes_the_note_with_credentials_and_licence() {
        let mut n = note(&["x"]);
        n.finalize("Dr. R. Vale", at(16, 12)).unwrap();
        let report = report(&n, &chart());
        assert_eq!(
            report.sections.last().map(|s| s.title.as_str()),
            Some("Signature")
        );
        let block = section_text(&report, "Signature");
        assert_eq!(
            block,
            "Clinician: Dr. R. Vale, LMFT\nLicence: MFT 54321\n\
             Signed electronically at 16 Nov 2026, 12:05"
        );

        // Without credentials or licence in the settings, neither is invented.
        let bare = ChartFacts {
            clinician: Clinician {
                name: "Dr. R. Vale".into(),
                ..Clinician::default()
            },
            risk: None,
        };
        let block = section_text(
            &clinical_note_report(&n, None, &couple(), &bare, &ctx()),
            "Signature",
        );
        assert!(
            block.starts_with("Clinician: Dr. R. Vale\nSigned electronically"),
            "{block}"
        );

        // Signed by someone else than the practice's clinician: not their credentials.
        let mut other = note(&["x"]);
        other.finalize("Dr. A. Moss", at(16, 12)).unwrap();
        let block = section_text(&report_of(&other), "Signature");
        assert!(
            block.starts_with("Clinician: Dr. A. Moss\nSigned"),
            "{block}"
        );
        assert!(!block.contains("LMFT") && !block.contains("MFT 54321"));

        // A draft names who will sign, and says it is not signed.
        let block = section_text(&report_of(&note(&["x"])), "Signature");
        assert_eq!(
            block,
            "Clinician: Dr. R. Vale, LMFT\nLicence: MFT 54321\nNot signed: draft"
        );
    }

    fn report_of(n: &ClinicalNote) -> Report {
        report(n, &chart())
    }

    #[test]
    fn a_draft_is_marked_in_title_subtitle_facts_stamp_and_above_the_text() {
        let report = report_of(&note(&["x"]));
        assert!(report.title.contains("draft"));
        assert!(report.subtitle.starts_with(DRAFT));
        assert!(report.facts.contains(&("Status".into(), DRAFT.into())));
        assert_eq!(report.stamp.as_deref(), Some(DRAFT_STAMP));
        assert!(matches!(
            report.sections[0].blocks.first(),
            Some(Block::Note(t)) if t.starts_with(DRAFT)
        ));
        assert!(!report.plain_text().contains("Finalized by"));
    }

    /// Each laid-out page's text items, joined.
    fn page_texts(report: &Report) -> Vec<String> {
        let fonts = crate::export::pdf::Fonts::bundled().expect("fonts");
        let laid = crate::export::layout::layout(report, fonts, &mut |_| {}).expect("laid out");
        laid.pages
            .iter()
            .map(|page| {
                page.items
                    .iter()
                    .filter_map(|item| match item {
                        crate::export::layout::Item::Text { text, .. } => Some(text.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect()
    }

    #[test]
    fn every_page_of_a_long_draft_is_stamped_and_a_signed_note_is_not() {
        let long = "The couple described the week in detail. ".repeat(160);
        let mut n = note(&[&long, &long, &long, &long]);
        let pages = page_texts(&report_of(&n));
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for (i, page) in pages.iter().enumerate() {
            assert!(
                page.lines().any(|l| l == DRAFT_STAMP),
                "page {} has no stamp",
                i + 1
            );
            assert!(page.contains("DRAFT: not signed"), "page {}", i + 1);
        }
        n.finalize("Dr. R. Vale", at(16, 12)).unwrap();
        let pages = page_texts(&report_of(&n));
        assert!(pages.len() >= 3);
        for page in &pages {
            assert!(!page.contains("DRAFT"));
            assert!(page.contains("Confidential therapy record, made for the clinician."));
        }
    }

    #[test]
    fn the_couples_documents_have_a_kind_footer_without_names() {
        let mut report = report_of(&note(&["x"]));
        for audience in [Audience::Couple, Audience::Partner(Partner::B)] {
            report.audience = audience;
            let pages = page_texts(&report);
            for page in &pages {
                let footer = page
                    .lines()
                    .find(|l| l.starts_with("Written by your therapist"))
                    .unwrap_or_else(|| panic!("no footer in {page}"));
                assert_eq!(
                    footer,
                    format!(
                        "Written by your therapist, made for {}. Please keep it somewhere private.",
                        audience.reader()
                    )
                );
                assert!(!page.contains("Confidential therapy record"));
            }
        }
    }

    #[test]
    fn session_facts_show_times_and_a_length_that_agree() {
        let start = Utc.with_ymd_and_hms(2026, 11, 16, 10, 0, 10).unwrap();
        let n = note(&["x"]);
        for (end, time, length) in [
            // 18 min 40 s: the clock shows 10:00 to 10:18, so 18 min (never 19).
            ((10, 18, 50), "10:00 to 10:18", "18 min"),
            ((10, 18, 5), "10:00 to 10:18", "18 min"),
            ((10, 0, 40), "10:00 to 10:00", "under a minute"),
            ((11, 5, 0), "10:00 to 11:05", "1 h 05 min"),
        ] {
            let end = Utc
                .with_ymd_and_hms(2026, 11, 16, end.0, end.1, end.2)
                .unwrap();
            let s = session(start, Some(end));
            let report = clinical_note_report(&n, Some(&s), &couple(), &chart(), &ctx());
            let facts = &report.facts;
            assert!(facts.contains(&("Date".into(), "16 Nov 2026".into())));
            assert!(facts.contains(&("Time".into(), time.into())), "{facts:?}");
            assert!(
                facts.contains(&("Duration".into(), length.into())),
                "{facts:?}"
            );
        }
        let open =
            clinical_note_report(&n, Some(&session(start, None)), &couple(), &chart(), &ctx());
        assert!(
            open.facts
                .iter()
                .any(|(l, v)| l == "Time" && v.contains("not ended"))
        );
        assert!(!open.facts.iter().any(|(l, _)| l == "Duration"));
    }

    #[test]
    fn participants_and_service_code_are_among_the_facts() {
        let mut n = note(&["x"]);
        let report = report_of(&n);
        assert!(
            report.facts.contains(&(
                "Participants".into(),
                "Maya Okafor (partner A), Daniel Reyes (partner B) and the clinician, Dr. R. Vale"
                    .into()
            ))
        );
        assert!(!report.facts.iter().any(|(l, _)| l == "Service code"));
        n.set_service_code("CPT 90847", at(16, 11)).unwrap();
        assert!(
            report_of(&n)
                .facts
                .contains(&("Service code".into(), "CPT 90847".into()))
        );
    }

    #[test]
    fn the_risk_line_says_what_the_latest_screen_and_decision_say() {
        let risk = |concern: &[Partner], screened: &[Partner], decision| ChartFacts {
            risk: Some(RiskFacts {
                screened_at: Utc.with_ymd_and_hms(2026, 11, 3, 10, 0, 0).unwrap(),
                screened: screened.iter().copied().collect(),
                concern: concern.iter().copied().collect(),
                decision,
            }),
            ..chart()
        };
        let line = |chart: &ChartFacts| {
            let report = report(&note(&["x"]), chart);
            report
                .facts
                .iter()
                .find(|(l, _)| l == "Risk")
                .map(|(_, v)| v.clone())
                .expect("a risk line")
        };
        let both = [Partner::A, Partner::B];
        assert_eq!(line(&chart()), "no safety screen recorded");
        assert_eq!(
            line(&risk(&[], &both, Some(SafetyDecision::JointWork))),
            "latest safety screen 3 Nov 2026, no concern raised by either partner; \
             decision: joint work"
        );
        assert_eq!(
            line(&risk(
                &[Partner::A],
                &both,
                Some(SafetyDecision::JointWorkWithSafetyProtocol)
            )),
            "latest safety screen 3 Nov 2026, concern raised by Maya Okafor (partner A); \
             decision: joint work with a safety protocol"
        );
        assert_eq!(
            line(&risk(&both, &both, None)),
            "latest safety screen 3 Nov 2026, concern raised by both partners; \
             decision: none that stands"
        );
        assert_eq!(
            line(&risk(&[], &[Partner::B], None)),
            "latest safety screen 3 Nov 2026, no concern raised by either partner \
             (Maya Okafor (partner A) not screened); decision: none that stands"
        );
    }

    #[test]
    fn file_names_carry_code_date_and_kind_never_names() {
        let c = couple();
        let note_name = file_name(&clinical_note_report(
            &note(&[]),
            None,
            &c,
            &chart(),
            &ctx(),
        ));
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
        let pn_name = file_name(&process_notes_report(
            &c,
            &[process],
            &Default::default(),
            &ctx(),
        ));
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
        let text = process_notes_report(&c, &notes, &Default::default(), &ctx()).plain_text();
        assert!(!text.contains("someone else's"));
        assert!(position(&text, "ours first") < position(&text, "ours later"));
        assert!(text.contains("2 notes, 20 Nov 2026"));
        assert!(text.contains("explicit request"));
        // The session a note is about is named, never given by its id.
        let id = uuid::Uuid::from_u128(3).to_string();
        assert!(!text.contains(&id), "{text}");
        assert!(text.contains("whose record was not available"), "{text}");
        let sessions: LinkedSessions = [(
            SessionId(uuid::Uuid::from_u128(3)),
            ("Weekly check-in".to_string(), at(19, 10)),
        )]
        .into_iter()
        .collect();
        let text = process_notes_report(&c, &notes, &sessions, &ctx()).plain_text();
        assert!(!text.contains(&id), "{text}");
        assert!(
            text.contains("About the session of 19 Nov 2026, 10:05: Weekly check-in"),
            "{text}"
        );
    }
}
