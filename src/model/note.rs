//! Clinical records written by the therapist: the progress note of a session (SOAP, DAP
//! or BIRP), finalized and then only amended, and process notes, which are kept apart and
//! never exported unless the clinician asks for them explicitly.
//!
//! Pure data with its rules: a finalized note's text cannot change except by amendment,
//! and the original stays readable.

use super::{CoupleId, SessionId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Format version written into every clinical note record.
pub const NOTE_FORMAT: u32 = 1;
/// Format version written into every process note record.
pub const PROCESS_NOTE_FORMAT: u32 = 1;

/// Identifier of a clinical note record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NoteId(pub uuid::Uuid);

/// Identifier of a process note record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProcessNoteId(pub uuid::Uuid);

/// The structure of a progress note.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NoteStyle {
    /// Subjective, Objective, Assessment, Plan.
    #[default]
    Soap,
    /// Data, Assessment, Plan.
    Dap,
    /// Behaviour, Intervention, Response, Plan.
    Birp,
}

impl NoteStyle {
    pub const ALL: [NoteStyle; 3] = [NoteStyle::Soap, NoteStyle::Dap, NoteStyle::Birp];

    pub fn name(self) -> &'static str {
        match self {
            NoteStyle::Soap => "SOAP",
            NoteStyle::Dap => "DAP",
            NoteStyle::Birp => "BIRP",
        }
    }

    /// Parse "soap", "DAP", "birp".
    pub fn from_name(name: &str) -> Option<NoteStyle> {
        NoteStyle::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The section headings, in order.
    pub fn headings(self) -> &'static [&'static str] {
        match self {
            NoteStyle::Soap => &["Subjective", "Objective", "Assessment", "Plan"],
            NoteStyle::Dap => &["Data", "Assessment", "Plan"],
            NoteStyle::Birp => &["Behaviour", "Intervention", "Response", "Plan"],
        }
    }
}

/// One headed section of a note.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSection {
    pub heading: String,
    pub text: String,
}

/// Who finalized or amended a note, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub clinician: String,
    pub at: DateTime<Utc>,
}

/// A change to a finalized note: the full text as amended, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub signed: Signature,
    pub reason: String,
    pub sections: Vec<NoteSection>,
}

/// Why a change to a note was refused. Carries no note text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("this note is finalized; change it with an amendment (with a reason)")]
    Finalized,
    #[error("only a finalized note is amended; edit the draft instead")]
    NotFinalized,
    #[error("a signature needs the clinician's name")]
    NeedsName,
    #[error("an amendment needs a reason")]
    NeedsReason,
    #[error("the amendment changes nothing")]
    Unchanged,
    #[error("a service code is one line of at most 40 characters")]
    ServiceCode,
}

/// The progress note of one session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicalNote {
    pub format: u32,
    pub id: NoteId,
    pub couple: CoupleId,
    pub session: SessionId,
    pub style: NoteStyle,
    /// The note as written before finalizing (the original once finalized).
    pub sections: Vec<NoteSection>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub finalized: Option<Signature>,
    /// In order; the last one is the note as it now reads.
    #[serde(default)]
    pub amendments: Vec<Amendment>,
    /// The billing or service code of the session (e.g. "CPT 90847"), when the clinician
    /// gives one. Set while the note is a draft, then signed with it.
    #[serde(default)]
    pub service_code: Option<String>,
}

impl ClinicalNote {
    /// A new draft with the given sections.
    pub fn new(
        id: NoteId,
        couple: CoupleId,
        session: SessionId,
        style: NoteStyle,
        sections: Vec<NoteSection>,
        now: DateTime<Utc>,
    ) -> ClinicalNote {
        ClinicalNote {
            format: NOTE_FORMAT,
            id,
            couple,
            session,
            style,
            sections,
            created_at: now,
            updated_at: now,
            finalized: None,
            amendments: Vec::new(),
            service_code: None,
        }
    }

    pub fn is_final(&self) -> bool {
        self.finalized.is_some()
    }

    /// The note as it now reads: the last amendment, or the original.
    pub fn current(&self) -> &[NoteSection] {
        self.amendments
            .last()
            .map_or(&self.sections, |a| &a.sections)
    }

    /// Replace the draft's text. Refused once finalized.
    pub fn edit(
        &mut self,
        sections: Vec<NoteSection>,
        now: DateTime<Utc>,
    ) -> Result<(), NoteError> {
        if self.is_final() {
            return Err(NoteError::Finalized);
        }
        if self.sections != sections {
            self.sections = sections;
            self.updated_at = now;
        }
        Ok(())
    }

    /// Set or clear the draft's service code (one line, at most 40 characters; blank
    /// clears it). Refused once finalized, like the text it is signed with.
    pub fn set_service_code(&mut self, code: &str, now: DateTime<Utc>) -> Result<(), NoteError> {
        if self.is_final() {
            return Err(NoteError::Finalized);
        }
        let code = code.trim();
        if code.chars().count() > 40 || code.chars().any(char::is_control) {
            return Err(NoteError::ServiceCode);
        }
        let code = (!code.is_empty()).then(|| code.to_string());
        if self.service_code != code {
            self.service_code = code;
            self.updated_at = now;
        }
        Ok(())
    }

    /// Change the draft's structure, carrying text over by heading (text under a heading
    /// the new style lacks goes to the last section, so nothing typed is lost).
    pub fn restyle(&mut self, style: NoteStyle, now: DateTime<Utc>) -> Result<(), NoteError> {
        if self.is_final() {
            return Err(NoteError::Finalized);
        }
        if style == self.style {
            return Ok(());
        }
        self.sections = restyle_sections(&self.sections, style);
        self.style = style;
        self.updated_at = now;
        Ok(())
    }

    /// Sign and lock the note.
    pub fn finalize(&mut self, clinician: &str, now: DateTime<Utc>) -> Result<(), NoteError> {
        if self.is_final() {
            return Err(NoteError::Finalized);
        }
        let clinician = clinician.trim();
        if clinician.is_empty() {
            return Err(NoteError::NeedsName);
        }
        self.finalized = Some(Signature {
            clinician: clinician.to_string(),
            at: now,
        });
        self.updated_at = now;
        Ok(())
    }

    /// Amend a finalized note: the new full text, with the reason. Earlier text is kept.
    pub fn amend(
        &mut self,
        clinician: &str,
        reason: &str,
        sections: Vec<NoteSection>,
        now: DateTime<Utc>,
    ) -> Result<(), NoteError> {
        if !self.is_final() {
            return Err(NoteError::NotFinalized);
        }
        let clinician = clinician.trim();
        if clinician.is_empty() {
            return Err(NoteError::NeedsName);
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(NoteError::NeedsReason);
        }
        if sections == self.current() {
            return Err(NoteError::Unchanged);
        }
        self.amendments.push(Amendment {
            signed: Signature {
                clinician: clinician.to_string(),
                at: now,
            },
            reason: reason.to_string(),
            sections,
        });
        self.updated_at = now;
        Ok(())
    }
}

impl ClinicalNote {
    /// Two versions of one note, both finalized (on two devices, neither seeing the
    /// other's first): the one signed first stays the signed note, and the other's signed
    /// text, with any amendments made to it, follows as amendments in time order, each
    /// saying where it came from. Text the note already reads adds nothing. `None` unless
    /// both are finalized.
    pub fn reconcile_signed(&self, other: &ClinicalNote) -> Option<ClinicalNote> {
        let (a, b) = (self.finalized.as_ref()?, other.finalized.as_ref()?);
        let (first, second) = if (a.at, &a.clinician) <= (b.at, &b.clinician) {
            (self, other)
        } else {
            (other, self)
        };
        let signed_first = first.finalized.as_ref()?;
        let signed_second = second.finalized.clone()?;
        let mut merged = first.clone();
        let mut from_second = vec![Amendment {
            reason: format!(
                "Signed separately on another device at {}, after this note was signed at {}; kept as an amendment",
                signed_second.at.format("%Y-%m-%d %H:%M UTC"),
                signed_first.at.format("%Y-%m-%d %H:%M UTC")
            ),
            signed: signed_second,
            sections: second.sections.clone(),
        }];
        from_second.extend(
            second
                .amendments
                .iter()
                .filter(|a| !first.amendments.contains(a))
                .cloned(),
        );
        for amendment in from_second {
            let said = std::iter::once(merged.sections.as_slice())
                .chain(merged.amendments.iter().map(|a| a.sections.as_slice()))
                .any(|s| s == amendment.sections.as_slice());
            if !said {
                merged.amendments.push(amendment);
            }
        }
        merged.amendments.sort_by_key(|a| a.signed.at);
        merged.updated_at = first.updated_at.max(second.updated_at);
        Some(merged)
    }
}

/// Sections for `style`, carrying text over by heading (and "Plan" always to "Plan").
pub fn restyle_sections(old: &[NoteSection], style: NoteStyle) -> Vec<NoteSection> {
    let mut new: Vec<NoteSection> = style
        .headings()
        .iter()
        .map(|h| NoteSection {
            heading: (*h).to_string(),
            text: String::new(),
        })
        .collect();
    let mut orphans = Vec::new();
    for section in old.iter().filter(|s| !s.text.trim().is_empty()) {
        match new.iter_mut().find(|n| n.heading == section.heading) {
            Some(n) => n.text = section.text.clone(),
            None => orphans.push(section),
        }
    }
    // Headings the new style lacks go first into its first section, labelled.
    if !orphans.is_empty() {
        let carried: Vec<String> = orphans
            .iter()
            .map(|s| format!("{}: {}", s.heading, s.text))
            .collect();
        if let Some(first) = new.first_mut() {
            let mut text = carried.join("\n\n");
            if !first.text.is_empty() {
                text = format!("{}\n\n{text}", first.text);
            }
            first.text = text;
        }
    }
    new
}

/// A process note (psychotherapy note): the clinician's own working notes, kept in their
/// own records, in no export unless the clinician asks for them in a separate action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessNote {
    pub format: u32,
    pub id: ProcessNoteId,
    pub couple: CoupleId,
    #[serde(default)]
    pub session: Option<SessionId>,
    pub written_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
    }

    fn note() -> ClinicalNote {
        ClinicalNote::new(
            NoteId(uuid::Uuid::from_u128(1)),
            CoupleId(uuid::Uuid::from_u128(2)),
            SessionId(uuid::Uuid::from_u128(3)),
            NoteStyle::Soap,
            restyle_sections(&[], NoteStyle::Soap),
            at(9),
        )
    }

    fn with_text(sections: &[NoteSection], i: usize, text: &str) -> Vec<NoteSection> {
        let mut s = sections.to_vec();
        s[i].text = text.into();
        s
    }

    #[test]
    fn a_note_signed_on_two_devices_keeps_the_first_signed_and_the_second_as_an_amendment() {
        let mut office = note();
        office
            .edit(with_text(&office.sections, 0, "office words"), at(10))
            .unwrap();
        let mut laptop = office.clone();
        laptop
            .edit(with_text(&laptop.sections, 0, "laptop words"), at(10))
            .unwrap();
        office.finalize("Dr. R. Vale", at(12)).unwrap();
        laptop.finalize("Dr. R. Vale", at(11)).unwrap();
        // Whichever side it is asked from, the laptop's (signed at 11) is the signed note.
        for merged in [
            office.reconcile_signed(&laptop).unwrap(),
            laptop.reconcile_signed(&office).unwrap(),
        ] {
            assert_eq!(merged.finalized.as_ref().unwrap().at, at(11));
            assert_eq!(merged.sections[0].text, "laptop words");
            assert_eq!(merged.amendments.len(), 1);
            assert_eq!(merged.amendments[0].sections[0].text, "office words");
            assert_eq!(merged.amendments[0].signed.at, at(12));
            assert!(merged.amendments[0].reason.contains("another device"));
            assert_eq!(merged.current()[0].text, "office words");
        }
        // The same text signed twice adds nothing; a draft on either side is no case for it.
        let mut twin = laptop.clone();
        twin.finalized = Some(Signature {
            clinician: "Dr. R. Vale".into(),
            at: at(13),
        });
        assert!(
            laptop
                .reconcile_signed(&twin)
                .unwrap()
                .amendments
                .is_empty()
        );
        assert!(note().reconcile_signed(&laptop).is_none());
    }

    #[test]
    fn a_finalized_note_changes_only_by_amendment_and_keeps_the_original() {
        let mut n = note();
        let draft = with_text(&n.sections, 0, "first words");
        n.edit(draft.clone(), at(10)).unwrap();
        assert_eq!(n.finalize("  ", at(11)), Err(NoteError::NeedsName));
        n.finalize("Dr. R. Vale", at(11)).unwrap();
        assert_eq!(n.finalize("Dr. R. Vale", at(11)), Err(NoteError::Finalized));
        let changed = with_text(&n.sections, 0, "changed words");
        assert_eq!(n.edit(changed.clone(), at(12)), Err(NoteError::Finalized));
        assert_eq!(n.restyle(NoteStyle::Dap, at(12)), Err(NoteError::Finalized));
        assert_eq!(n.sections, draft);
        assert_eq!(
            n.amend("Dr. R. Vale", " ", changed.clone(), at(12)),
            Err(NoteError::NeedsReason)
        );
        assert_eq!(
            n.amend("Dr. R. Vale", "typo", draft.clone(), at(12)),
            Err(NoteError::Unchanged)
        );
        n.amend("Dr. R. Vale", "wrong date", changed.clone(), at(12))
            .unwrap();
        assert_eq!(n.current(), changed.as_slice());
        assert_eq!(n.sections, draft, "the original stays");
        assert_eq!(n.amendments[0].reason, "wrong date");
        assert_eq!(n.amendments[0].signed.at, at(12));
    }

    #[test]
    fn a_service_code_is_set_on_a_draft_and_locked_with_it() {
        let mut n = note();
        n.set_service_code("  CPT 90847 ", at(10)).unwrap();
        assert_eq!(n.service_code.as_deref(), Some("CPT 90847"));
        assert_eq!(
            n.set_service_code("a\nb", at(10)),
            Err(NoteError::ServiceCode)
        );
        n.set_service_code(" ", at(10)).unwrap();
        assert_eq!(n.service_code, None);
        n.set_service_code("CPT 90847", at(10)).unwrap();
        n.finalize("Dr. R. Vale", at(11)).unwrap();
        assert_eq!(n.set_service_code("", at(12)), Err(NoteError::Finalized));
        assert_eq!(n.service_code.as_deref(), Some("CPT 90847"));
    }

    #[test]
    fn a_note_saved_before_service_codes_reads_without_one() {
        let mut text = ron::to_string(&note()).unwrap();
        text = text.replace(",service_code:None", "");
        assert!(!text.contains("service_code"), "{text}");
        let read: ClinicalNote = ron::from_str(&text).unwrap();
        assert_eq!(read.service_code, None);
    }

    #[test]
    fn a_draft_is_not_amended() {
        let mut n = note();
        let s = with_text(&n.sections, 1, "x");
        assert_eq!(n.amend("R", "why", s, at(10)), Err(NoteError::NotFinalized));
    }

    #[test]
    fn restyling_loses_no_text() {
        let mut n = note();
        let mut s = n.sections.clone();
        s[0].text = "said".into();
        s[1].text = "seen".into();
        s[3].text = "next".into();
        n.edit(s, at(10)).unwrap();
        n.restyle(NoteStyle::Dap, at(10)).unwrap();
        let all: String = n.sections.iter().map(|s| s.text.clone()).collect();
        for word in ["said", "seen", "next"] {
            assert!(all.contains(word), "{word} lost: {all}");
        }
        assert_eq!(n.sections.last().unwrap().text, "next");
        assert_eq!(n.sections.len(), 3);
    }
}
