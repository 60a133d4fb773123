//! Sync conflicts as the therapist settles them: two versions of one record side by side,
//! part by part (a session step by step, a note section by section), kept whole or merged
//! part by part, logged first. A note signed on two devices keeps the one signed first
//! as the signed note and the other as an amendment (`ClinicalNote::reconcile_signed`).

use super::error::refused;
use super::{Practice, PracticeError};
use crate::model::{ClinicalNote, Session, StepRecord};
use crate::vault::RecordBody;
use crate::vault::audit::AuditAction;
use crate::vault::conflicts::{Conflict, Resolution};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// One part of a record as both versions have it, for showing side by side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub title: String,
    /// What the current version holds (`None`: it has no such part).
    pub current: Option<String>,
    pub other: Option<String>,
}

impl Part {
    pub fn differs(&self) -> bool {
        self.current != self.other
    }
}

/// How a conflict can be merged part by part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeKind {
    /// Part by part (session steps, draft note sections).
    ByPart,
    /// Both versions of a note are signed: the first signed stays, the other becomes an
    /// amendment.
    SignedTwice,
    /// Kept whole only (other kinds, a signed note beside a draft).
    Whole,
}

/// A step's record as lines a person reads: "what: value", one per thing recorded, with
/// the partners by name.
fn step_text(step: &StepRecord, names: &Names) -> String {
    let mut lines = vec![format!("Status: {:?}", step.status)];
    if let Some(reason) = &step.skip_reason {
        lines.push(format!("Skipped: {reason}"));
    }
    if !step.clinician_note.is_empty() {
        lines.push(format!("Your note: {}", step.clinician_note));
    }
    if let Ok(data) = serde_json::to_value(&step.data) {
        // The kind's name wraps its record ({"Rating": {...}}): the record is what counts.
        let data = match data {
            serde_json::Value::Object(map) if map.len() == 1 => map
                .into_iter()
                .next()
                .map_or(serde_json::Value::Null, |(_, v)| v),
            other => other,
        };
        flatten(&data, &mut Vec::new(), names, &mut lines);
    }
    lines.join("\n")
}

/// The partners' names, for the parts of a record kept by partner.
struct Names {
    a: String,
    b: String,
}

fn flatten(
    value: &serde_json::Value,
    path: &mut Vec<String>,
    names: &Names,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    let label = |path: &[String]| -> String {
        path.iter()
            .map(|p| match p.as_str() {
                "A" => names.a.clone(),
                "B" => names.b.clone(),
                other => other.replace('_', " "),
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, v) in map {
                path.push(key.clone());
                flatten(v, path, names, out);
                path.pop();
            }
        }
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            if !items.is_empty() {
                let said: Vec<String> = items.iter().map(scalar).collect();
                out.push(format!("{}: {}", label(path), said.join(", ")));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(format!("{}", i + 1));
                flatten(v, path, names, out);
                path.pop();
            }
        }
        other => {
            let text = scalar(other);
            if !text.is_empty() {
                out.push(if path.is_empty() {
                    text
                } else {
                    format!("{}: {text}", label(path))
                });
            }
        }
    }
}

fn scalar(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn note_sections(note: &ClinicalNote) -> Vec<(String, String)> {
    note.current()
        .iter()
        .map(|s| (s.heading.clone(), s.text.clone()))
        .collect()
}

fn signed_text(note: &ClinicalNote) -> String {
    match &note.finalized {
        Some(signed) => format!(
            "Signed by {} at {}{}",
            signed.clinician,
            signed.at.format("%Y-%m-%d %H:%M UTC"),
            match note.amendments.len() {
                0 => String::new(),
                n => format!(
                    ", {} since",
                    crate::model::plural(n, "amendment", "amendments")
                ),
            }
        ),
        None => "Draft (not signed)".to_string(),
    }
}

impl Practice {
    /// Every sync conflict in the vault.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, PracticeError> {
        Ok(self.vault.conflicts()?)
    }

    /// The parts of a conflict's two versions, in order, for showing side by side.
    pub fn conflict_parts(&self, conflict: &Conflict) -> Vec<Part> {
        let (Some(current), Some(other)) = (&conflict.current, &conflict.other) else {
            return Vec::new();
        };
        match (&current.body, &other.body) {
            (RecordBody::Session(a), RecordBody::Session(b)) => {
                let template = self.template_of(a);
                let couple = self.lists().couples.iter().find(|c| c.id == a.couple);
                let names = Names {
                    a: couple.map_or_else(|| "Partner A".into(), |c| c.partner_a.name.clone()),
                    b: couple.map_or_else(|| "Partner B".into(), |c| c.partner_b.name.clone()),
                };
                let title = |step: &StepRecord| {
                    let name = template
                        .as_ref()
                        .and_then(|t| crate::template::find_step(&t.steps, &step.step_id))
                        .map_or_else(|| step.step_id.clone(), |s| s.title.clone());
                    if step.pass > 1 {
                        format!("{name} (pass {})", step.pass)
                    } else {
                        name
                    }
                };
                (0..a.steps.len().max(b.steps.len()))
                    .map(|i| Part {
                        title: format!(
                            "{}. {}",
                            i + 1,
                            a.steps
                                .get(i)
                                .or(b.steps.get(i))
                                .map_or_else(String::new, title)
                        ),
                        current: a.steps.get(i).map(|s| step_text(s, &names)),
                        other: b.steps.get(i).map(|s| step_text(s, &names)),
                    })
                    .collect()
            }
            (RecordBody::Note(a), RecordBody::Note(b)) => {
                let (sa, sb) = (note_sections(a), note_sections(b));
                let mut parts = vec![Part {
                    title: "Signature".into(),
                    current: Some(signed_text(a)),
                    other: Some(signed_text(b)),
                }];
                parts.extend((0..sa.len().max(sb.len())).map(|i| {
                    Part {
                        title: sa
                            .get(i)
                            .or(sb.get(i))
                            .map_or_else(String::new, |s| s.0.clone()),
                        current: sa.get(i).map(|s| s.1.clone()),
                        other: sb.get(i).map(|s| s.1.clone()),
                    }
                }));
                parts
            }
            (a, b) => {
                let pretty = |body: &RecordBody| {
                    ron::ser::to_string_pretty(body, ron::ser::PrettyConfig::new()).ok()
                };
                vec![Part {
                    title: "The whole record".into(),
                    current: pretty(a),
                    other: pretty(b),
                }]
            }
        }
    }

    /// Settle a conflict: logged first (the record's id and fixed words), then the kept
    /// version written as following both, the copy moved to `resolved/`, the lists read
    /// again.
    pub fn resolve_conflict(
        &mut self,
        conflict: &Conflict,
        resolution: &Resolution,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        if self.is_read_only() {
            return Err(refused(
                "the vault is open read-only here; settle conflicts where it is open for writing",
            ));
        }
        self.log(
            AuditAction::ResolveConflict,
            Some(conflict.id),
            &format!("{}: {}", conflict.kind.name(), resolution.name()),
            now,
        )?;
        self.vault.resolve_conflict(conflict, resolution, now)?;
        self.refresh_lists()
    }
}

/// How this conflict can be merged.
pub fn merge_kind(conflict: &Conflict) -> MergeKind {
    let (Some(current), Some(other)) = (&conflict.current, &conflict.other) else {
        return MergeKind::Whole;
    };
    match (&current.body, &other.body) {
        (RecordBody::Session(_), RecordBody::Session(_)) => MergeKind::ByPart,
        (RecordBody::Note(a), RecordBody::Note(b)) => match (a.is_final(), b.is_final()) {
            (true, true) => MergeKind::SignedTwice,
            (false, false) => MergeKind::ByPart,
            _ => MergeKind::Whole,
        },
        _ => MergeKind::Whole,
    }
}

/// The merged record: the current version with the parts numbered in `take_other` from
/// the other (for a session, its steps by index, the rest of the session as the current
/// version has it; for a draft note, its sections after the signature line, numbered
/// from 1 as `conflict_parts` lists them). Two signed notes merge by the rule of the
/// first signature, whatever is chosen. `None` when the conflict does not merge.
pub fn merged(conflict: &Conflict, take_other: &BTreeSet<usize>) -> Option<RecordBody> {
    let (current, other) = (
        &conflict.current.as_ref()?.body,
        &conflict.other.as_ref()?.body,
    );
    match (merge_kind(conflict), current, other) {
        (MergeKind::ByPart, RecordBody::Session(a), RecordBody::Session(b)) => {
            Some(RecordBody::Session(merge_session(a, b, take_other)))
        }
        (MergeKind::ByPart, RecordBody::Note(a), RecordBody::Note(b)) => {
            let mut note = a.clone();
            let theirs = b.current();
            for (i, section) in note.sections.iter_mut().enumerate() {
                if take_other.contains(&(i + 1))
                    && let Some(t) = theirs.get(i)
                {
                    section.text.clone_from(&t.text);
                }
            }
            note.updated_at = a.updated_at.max(b.updated_at);
            Some(RecordBody::Note(note))
        }
        (MergeKind::SignedTwice, RecordBody::Note(a), RecordBody::Note(b)) => {
            a.reconcile_signed(b).map(RecordBody::Note)
        }
        _ => None,
    }
}

fn merge_session(a: &Session, b: &Session, take_other: &BTreeSet<usize>) -> Session {
    let mut session = a.clone();
    for &i in take_other {
        match (session.steps.get_mut(i), b.steps.get(i)) {
            (Some(mine), Some(theirs)) => *mine = theirs.clone(),
            (None, Some(_)) => {
                // The other version went further: its steps up to this one come along.
                let from = session.steps.len();
                session.steps.extend(b.steps[from..=i].iter().cloned());
            }
            _ => {}
        }
    }
    session
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::sync::Version;

    fn sessions() -> (Session, Session) {
        let records = crate::demo::practice(&crate::template::Library::builtin(), Utc::now());
        let session = records
            .into_iter()
            .find_map(|r| match r {
                RecordBody::Session(s) if s.steps.len() >= 3 => Some(s),
                _ => None,
            })
            .expect("a demo session");
        let mut a = session.clone();
        let mut b = session;
        a.steps[0].clinician_note = "office".into();
        b.steps[1].clinician_note = "laptop".into();
        b.steps.truncate(2);
        (a, b)
    }

    fn conflict(a: RecordBody, b: RecordBody) -> Conflict {
        let side = |body: RecordBody| crate::vault::conflicts::Side {
            body,
            version: Version::default(),
            saved_at: Utc::now(),
            device: None,
        };
        let id = a.id();
        Conflict {
            kind: a.kind(),
            id,
            copy: format!("{id}.sync-conflict-20261127-100000-ABCDEFG.age"),
            current: Some(side(a)),
            other: Some(side(b)),
        }
    }

    fn note(texts: [&str; 4]) -> ClinicalNote {
        let sections = crate::model::restyle_sections(&[], crate::model::NoteStyle::Soap)
            .into_iter()
            .zip(texts)
            .map(|(mut s, t)| {
                s.text = t.into();
                s
            })
            .collect();
        ClinicalNote::new(
            crate::model::NoteId(uuid::Uuid::from_u128(7)),
            crate::model::CoupleId(uuid::Uuid::from_u128(8)),
            crate::model::SessionId(uuid::Uuid::from_u128(9)),
            crate::model::NoteStyle::Soap,
            sections,
            Utc::now(),
        )
    }

    #[test]
    fn a_draft_note_merges_section_by_section_and_signed_ones_by_the_first_signature() {
        let office = note(["office S", "O", "office A", "P"]);
        let laptop = note(["laptop S", "O", "A", "laptop P"]);
        let c = conflict(
            RecordBody::Note(office.clone()),
            RecordBody::Note(laptop.clone()),
        );
        assert_eq!(merge_kind(&c), MergeKind::ByPart);
        // Part 0 is the signature line; sections are numbered from 1.
        let Some(RecordBody::Note(m)) = merged(&c, &BTreeSet::from([4])) else {
            panic!("merges");
        };
        let texts: Vec<&str> = m.sections.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["office S", "O", "office A", "laptop P"]);
        // Signed on both: the first signature stays, the other becomes an amendment.
        let (mut a, mut b) = (office, laptop);
        a.finalize("Dr. R. Vale", Utc::now()).expect("signed");
        b.finalize("Dr. R. Vale", Utc::now() + chrono::Duration::minutes(5))
            .expect("signed");
        let c = conflict(RecordBody::Note(b), RecordBody::Note(a));
        assert_eq!(merge_kind(&c), MergeKind::SignedTwice);
        let Some(RecordBody::Note(m)) = merged(&c, &BTreeSet::new()) else {
            panic!("merges");
        };
        assert_eq!(m.sections[0].text, "office S");
        assert_eq!(m.amendments.len(), 1);
        assert_eq!(m.current()[0].text, "laptop S");
    }

    #[test]
    fn a_session_merges_step_by_step() {
        let (a, b) = sessions();
        let c = conflict(RecordBody::Session(a.clone()), RecordBody::Session(b));
        assert_eq!(merge_kind(&c), MergeKind::ByPart);
        let Some(RecordBody::Session(m)) = merged(&c, &BTreeSet::from([1])) else {
            panic!("merges");
        };
        assert_eq!(m.steps[0].clinician_note, "office");
        assert_eq!(m.steps[1].clinician_note, "laptop");
        assert_eq!(m.steps.len(), a.steps.len());
        let Some(RecordBody::Session(m)) = merged(&c, &BTreeSet::new()) else {
            panic!("merges");
        };
        assert_eq!(m, a);
    }
}
