//! A couple's course of therapy across sessions: the commitments ledger (plan items
//! carried forward, reviewed by each partner, revised or retired) and the affair-recovery
//! map (phases with entry dates and exit criteria, the triggers log, and which TRUST
//! dimensions each session touched). One record per couple.

use super::{CoupleId, Partner, PlanRecord, Session, SessionId, StepData, TrustTag, Verification};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Format version written into every course record.
pub const COURSE_FORMAT: u32 = 1;

/// How a partner saw a commitment kept since the last review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    Kept,
    Partly,
    Missed,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Kept, Outcome::Partly, Outcome::Missed];

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Kept => "kept",
            Outcome::Partly => "partly",
            Outcome::Missed => "missed",
        }
    }

    /// Weight towards the adherence rate.
    fn weight(self) -> f32 {
        match self {
            Outcome::Kept => 1.0,
            Outcome::Partly => 0.5,
            Outcome::Missed => 0.0,
        }
    }
}

/// One wording of a commitment: the first as made, later ones as revised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemVersion {
    pub at: DateTime<Utc>,
    /// The session it was made or revised in, if any.
    #[serde(default)]
    pub session: Option<SessionId>,
    pub behaviour: String,
    pub rhythm: String,
    pub verification: Verification,
    pub review_on: NaiveDate,
    /// Why it was revised (empty for the first version).
    #[serde(default)]
    pub reason: String,
}

/// One partner's review of one commitment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub at: DateTime<Utc>,
    /// The session the review opened, if any.
    #[serde(default)]
    pub session: Option<SessionId>,
    /// Whose side this is: the owner's own account or the partner's.
    pub by: Partner,
    pub outcome: Outcome,
    #[serde(default)]
    pub note: String,
}

/// A retired commitment: no longer reviewed, history kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// A commitment followed over sessions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerItem {
    /// Stable within the couple's ledger.
    pub id: u32,
    /// One partner, or both (a shared commitment, which each reviews as their own).
    pub owner: super::Owner,
    #[serde(default)]
    pub category: String,
    /// Where it was made: the session and the commitment's id in that session's plan.
    #[serde(default)]
    pub origin: Option<(SessionId, String, u32)>,
    /// The first version is the commitment as made; the last is in force.
    pub versions: Vec<ItemVersion>,
    #[serde(default)]
    pub reviews: Vec<Review>,
    #[serde(default)]
    pub retired: Option<Retired>,
}

impl LedgerItem {
    /// The wording in force.
    pub fn current(&self) -> Option<&ItemVersion> {
        self.versions.last()
    }

    pub fn is_open(&self) -> bool {
        self.retired.is_none()
    }

    /// Share of reviews that found the item kept (partly counts half), over every review
    /// by both partners; `None` before the first review.
    pub fn adherence(&self) -> Option<f32> {
        if self.reviews.is_empty() {
            return None;
        }
        let sum: f32 = self.reviews.iter().map(|r| r.outcome.weight()).sum();
        Some(sum / self.reviews.len() as f32)
    }

    /// The latest review from `by`.
    pub fn last_review(&self, by: Partner) -> Option<&Review> {
        self.reviews.iter().rev().find(|r| r.by == by)
    }

    /// Reviewed by both partners for `session`.
    pub fn reviewed_in(&self, session: SessionId) -> bool {
        Partner::BOTH.iter().all(|p| {
            self.reviews
                .iter()
                .any(|r| r.by == *p && r.session == Some(session))
        })
    }
}

/// A phase of affair recovery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecoveryPhase {
    Atone,
    Attune,
    Attach,
}

impl RecoveryPhase {
    pub const ALL: [RecoveryPhase; 3] = [
        RecoveryPhase::Atone,
        RecoveryPhase::Attune,
        RecoveryPhase::Attach,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RecoveryPhase::Atone => "Atone",
            RecoveryPhase::Attune => "Attune",
            RecoveryPhase::Attach => "Attach",
        }
    }
}

/// A criterion the therapist sets for leaving a phase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub text: String,
    #[serde(default)]
    pub met_on: Option<NaiveDate>,
}

/// A time in one phase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseSpell {
    pub phase: RecoveryPhase,
    pub entered_on: NaiveDate,
    #[serde(default)]
    pub exit_criteria: Vec<Criterion>,
}

/// One entry of the triggers log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerEntry {
    pub id: u32,
    pub on: NaiveDate,
    pub trigger: String,
    pub response: String,
    pub repair: String,
}

/// Where a couple stands in affair recovery.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryMap {
    /// In order; the last is the phase the couple is in now.
    #[serde(default)]
    pub phases: Vec<PhaseSpell>,
    #[serde(default)]
    pub triggers: Vec<TriggerEntry>,
    /// The TRUST dimensions each session touched (as the therapist recorded them).
    #[serde(default)]
    pub trust_touched: BTreeMap<SessionId, BTreeSet<TrustTag>>,
    #[serde(default)]
    pub next_trigger_id: u32,
}

impl RecoveryMap {
    pub fn current(&self) -> Option<&PhaseSpell> {
        self.phases.last()
    }

    /// Move into `phase` on `on` (also back to an earlier phase: recovery is not linear).
    pub fn enter(&mut self, phase: RecoveryPhase, on: NaiveDate) {
        self.phases.push(PhaseSpell {
            phase,
            entered_on: on,
            exit_criteria: Vec::new(),
        });
    }

    pub fn log_trigger(&mut self, on: NaiveDate, trigger: &str, response: &str, repair: &str) {
        self.next_trigger_id += 1;
        self.triggers.push(TriggerEntry {
            id: self.next_trigger_id,
            on,
            trigger: trigger.to_string(),
            response: response.to_string(),
            repair: repair.to_string(),
        });
    }
}

/// Why a change to the course was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CourseError {
    #[error("commitment #{0} is not in this couple's ledger")]
    NoSuchItem(u32),
    #[error("commitment #{0} is retired")]
    Retired(u32),
    #[error("a revision or retirement needs a reason")]
    NeedsReason,
    #[error("a revised commitment needs a behaviour")]
    NeedsBehaviour,
    #[error("no affair-recovery phase has been set")]
    NoPhase,
    #[error(
        "that document is recorded as destroyed: nothing about its custody can change after that"
    )]
    AlreadyDestroyed,
    #[error("a custody entry needs the document it is about")]
    NeedsDocument,
    #[error("a custody entry needs who recorded it")]
    NeedsRecorder,
    #[error("say who holds the document")]
    NeedsHolder,
}

/// Who holds a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Holder {
    /// The therapist (in the practice's keeping).
    Therapist,
    Partner(Partner),
    /// Anyone else (a lawyer, a sealed envelope at the practice, …), described.
    Other(String),
}

/// A change in the custody of a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustodyChange {
    /// From now on this holder has the document.
    HeldBy(Holder),
    /// The document is to be destroyed by this date.
    DestroyBy(NaiveDate),
    /// The document was destroyed (at the event's time). Final.
    Destroyed,
}

/// One entry of the custody log of a sensitive document (the written disclosure).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyEvent {
    pub at: DateTime<Utc>,
    /// Which document, as the therapist names it ("Disclosure document").
    pub document: String,
    pub change: CustodyChange,
    /// Who recorded the change (the therapist's name).
    pub recorded_by: String,
    #[serde(default)]
    pub note: String,
}

/// Where one document stands, from its custody log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyStatus {
    pub document: String,
    /// Who holds it, and since when.
    pub held_by: Option<(Holder, DateTime<Utc>)>,
    /// The latest destruction date set.
    pub destroy_by: Option<NaiveDate>,
    /// When it was destroyed.
    pub destroyed_at: Option<DateTime<Utc>>,
}

/// The course record of one couple.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    pub format: u32,
    pub couple: CoupleId,
    #[serde(default)]
    pub ledger: Vec<LedgerItem>,
    #[serde(default)]
    pub next_item_id: u32,
    #[serde(default)]
    pub recovery: RecoveryMap,
    /// The custody log of the disclosure document (and any other sensitive paper), oldest
    /// first.
    #[serde(default)]
    pub custody: Vec<CustodyEvent>,
}

impl Course {
    pub fn new(couple: CoupleId) -> Course {
        Course {
            format: COURSE_FORMAT,
            couple,
            ledger: Vec::new(),
            next_item_id: 0,
            recovery: RecoveryMap::default(),
            custody: Vec::new(),
        }
    }

    /// Add an entry to the custody log. Refused after the document was destroyed, and
    /// without a document, a recorder, or a described holder.
    pub fn record_custody(&mut self, mut event: CustodyEvent) -> Result<(), CourseError> {
        event.document = event.document.trim().to_string();
        event.recorded_by = event.recorded_by.trim().to_string();
        event.note = event.note.trim().to_string();
        if event.document.is_empty() {
            return Err(CourseError::NeedsDocument);
        }
        if event.recorded_by.is_empty() {
            return Err(CourseError::NeedsRecorder);
        }
        if let CustodyChange::HeldBy(Holder::Other(who)) = &mut event.change {
            *who = who.trim().to_string();
            if who.is_empty() {
                return Err(CourseError::NeedsHolder);
            }
        }
        if self
            .custody_of(&event.document)
            .is_some_and(|s| s.destroyed_at.is_some())
        {
            return Err(CourseError::AlreadyDestroyed);
        }
        self.custody.push(event);
        Ok(())
    }

    /// Where each document of the custody log stands, in the order first logged.
    pub fn custody_status(&self) -> Vec<CustodyStatus> {
        let mut found: Vec<CustodyStatus> = Vec::new();
        for event in &self.custody {
            let at = match found.iter().position(|s| s.document == event.document) {
                Some(at) => at,
                None => {
                    found.push(CustodyStatus {
                        document: event.document.clone(),
                        held_by: None,
                        destroy_by: None,
                        destroyed_at: None,
                    });
                    found.len() - 1
                }
            };
            let status = &mut found[at];
            match &event.change {
                CustodyChange::HeldBy(holder) => status.held_by = Some((holder.clone(), event.at)),
                CustodyChange::DestroyBy(on) => status.destroy_by = Some(*on),
                CustodyChange::Destroyed => {
                    status.destroyed_at.get_or_insert(event.at);
                }
            }
        }
        found
    }

    /// Where one document stands, if its custody was ever logged.
    pub fn custody_of(&self, document: &str) -> Option<CustodyStatus> {
        let document = document.trim();
        self.custody_status()
            .into_iter()
            .find(|s| s.document == document)
    }

    pub fn item(&self, id: u32) -> Option<&LedgerItem> {
        self.ledger.iter().find(|i| i.id == id)
    }

    fn item_mut(&mut self, id: u32) -> Result<&mut LedgerItem, CourseError> {
        self.ledger
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or(CourseError::NoSuchItem(id))
    }

    /// Open items, in the order they were made.
    pub fn open_items(&self) -> impl Iterator<Item = &LedgerItem> {
        self.ledger.iter().filter(|i| i.is_open())
    }

    /// Carry every commitment made in `session`'s plans into the ledger (once: items
    /// already carried are recognised by origin). Returns how many were added.
    pub fn carry_forward(&mut self, session: &Session) -> usize {
        let mut added = 0;
        for record in &session.steps {
            let StepData::Plan(PlanRecord { commitments, .. }) = &record.data else {
                continue;
            };
            for c in commitments {
                let origin = (session.id, record.step_id.clone(), c.id);
                if self
                    .ledger
                    .iter()
                    .any(|i| i.origin.as_ref() == Some(&origin))
                {
                    continue;
                }
                self.next_item_id += 1;
                self.ledger.push(LedgerItem {
                    id: self.next_item_id,
                    owner: c.draft.owner,
                    category: c.draft.category.clone(),
                    origin: Some(origin),
                    versions: vec![ItemVersion {
                        at: c.added_at,
                        session: Some(session.id),
                        behaviour: c.draft.behaviour.clone(),
                        rhythm: c.draft.rhythm.clone(),
                        verification: c.draft.verification,
                        review_on: c.draft.review_on,
                        reason: String::new(),
                    }],
                    reviews: Vec::new(),
                    retired: None,
                });
                added += 1;
            }
        }
        added
    }

    /// Open items that still need a review from either partner in `session`.
    pub fn due_for_review(&self, session: SessionId) -> Vec<&LedgerItem> {
        self.open_items()
            .filter(|i| {
                // An item made in this very session is reviewed next time.
                i.versions.first().and_then(|v| v.session) != Some(session)
                    && !i.reviewed_in(session)
            })
            .collect()
    }

    /// Record one partner's review of an open item (a second review by the same partner
    /// for the same session replaces the first: a correction made on the spot).
    pub fn review(
        &mut self,
        id: u32,
        by: Partner,
        outcome: Outcome,
        note: &str,
        session: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<(), CourseError> {
        let item = self.item_mut(id)?;
        if !item.is_open() {
            return Err(CourseError::Retired(id));
        }
        let review = Review {
            at: now,
            session,
            by,
            outcome,
            note: note.trim().to_string(),
        };
        match item
            .reviews
            .iter_mut()
            .find(|r| session.is_some() && r.session == session && r.by == by)
        {
            Some(existing) => *existing = review,
            None => item.reviews.push(review),
        }
        Ok(())
    }

    /// Reword an open item; the earlier wording stays in its history.
    #[allow(clippy::too_many_arguments)]
    pub fn revise(
        &mut self,
        id: u32,
        behaviour: &str,
        rhythm: &str,
        review_on: NaiveDate,
        reason: &str,
        session: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<(), CourseError> {
        if reason.trim().is_empty() {
            return Err(CourseError::NeedsReason);
        }
        if behaviour.trim().is_empty() {
            return Err(CourseError::NeedsBehaviour);
        }
        let item = self.item_mut(id)?;
        if !item.is_open() {
            return Err(CourseError::Retired(id));
        }
        let verification = item
            .current()
            .map_or(Verification::SelfReport, |v| v.verification);
        item.versions.push(ItemVersion {
            at: now,
            session,
            behaviour: behaviour.trim().to_string(),
            rhythm: rhythm.trim().to_string(),
            verification,
            review_on,
            reason: reason.trim().to_string(),
        });
        Ok(())
    }

    /// Stop reviewing an item; its history stays.
    pub fn retire(&mut self, id: u32, reason: &str, now: DateTime<Utc>) -> Result<(), CourseError> {
        if reason.trim().is_empty() {
            return Err(CourseError::NeedsReason);
        }
        let item = self.item_mut(id)?;
        if !item.is_open() {
            return Err(CourseError::Retired(id));
        }
        item.retired = Some(Retired {
            at: now,
            reason: reason.trim().to_string(),
        });
        Ok(())
    }

    /// Adherence over every review of every item, by owner: each partner's own
    /// commitments, and the shared ones on a line of their own (a shared commitment kept
    /// says something about both, not about either alone).
    pub fn adherence_by_owner(&self) -> BTreeMap<super::Owner, f32> {
        let mut sums: BTreeMap<super::Owner, (f32, usize)> = BTreeMap::new();
        for item in &self.ledger {
            for r in &item.reviews {
                let e = sums.entry(item.owner).or_default();
                e.0 += r.outcome.weight();
                e.1 += 1;
            }
        }
        sums.into_iter()
            .map(|(p, (s, n))| (p, s / n as f32))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 10, 0, 0)
            .single()
            .expect("valid time")
    }

    fn event(day: u32, document: &str, change: CustodyChange) -> CustodyEvent {
        CustodyEvent {
            at: at(day),
            document: document.into(),
            change,
            recorded_by: "Dr Lane".into(),
            note: String::new(),
        }
    }

    fn course() -> Course {
        Course::new(CoupleId(uuid::Uuid::nil()))
    }

    #[test]
    fn custody_status_follows_hand_overs_and_the_scheduled_destruction() {
        let mut c = course();
        let doc = "Disclosure document";
        c.record_custody(event(1, doc, CustodyChange::HeldBy(Holder::Therapist)))
            .expect("held");
        c.record_custody(event(2, doc, CustodyChange::DestroyBy(at(30).date_naive())))
            .expect("scheduled");
        c.record_custody(event(
            5,
            doc,
            CustodyChange::HeldBy(Holder::Partner(Partner::A)),
        ))
        .expect("handed over");
        let status = c.custody_of(doc).expect("logged");
        assert_eq!(status.held_by, Some((Holder::Partner(Partner::A), at(5))));
        assert_eq!(status.destroy_by, Some(at(30).date_naive()));
        assert_eq!(status.destroyed_at, None);
        c.record_custody(event(9, doc, CustodyChange::Destroyed))
            .expect("destroyed");
        assert_eq!(c.custody_of(doc).and_then(|s| s.destroyed_at), Some(at(9)));
        assert_eq!(c.custody.len(), 4);
    }

    #[test]
    fn nothing_changes_after_a_document_is_destroyed() {
        let mut c = course();
        let doc = "Disclosure document";
        c.record_custody(event(1, doc, CustodyChange::Destroyed))
            .expect("destroyed");
        for change in [
            CustodyChange::HeldBy(Holder::Therapist),
            CustodyChange::DestroyBy(at(20).date_naive()),
            CustodyChange::Destroyed,
        ] {
            let refused = c.record_custody(event(2, " Disclosure document ", change));
            assert_eq!(refused, Err(CourseError::AlreadyDestroyed));
        }
        assert_eq!(c.custody.len(), 1);
        // Another document is unaffected.
        c.record_custody(event(
            3,
            "Timeline notes",
            CustodyChange::HeldBy(Holder::Therapist),
        ))
        .expect("another document");
        assert_eq!(c.custody_status().len(), 2);
    }

    #[test]
    fn a_custody_entry_needs_a_document_a_recorder_and_a_named_holder() {
        let mut c = course();
        let mut no_doc = event(1, "  ", CustodyChange::Destroyed);
        assert_eq!(
            c.record_custody(no_doc.clone()),
            Err(CourseError::NeedsDocument)
        );
        no_doc.document = "Disclosure document".into();
        no_doc.recorded_by = " ".into();
        assert_eq!(c.record_custody(no_doc), Err(CourseError::NeedsRecorder));
        let nobody = event(
            1,
            "Disclosure document",
            CustodyChange::HeldBy(Holder::Other(" ".into())),
        );
        assert_eq!(c.record_custody(nobody), Err(CourseError::NeedsHolder));
        assert!(c.custody.is_empty());
    }

    #[test]
    fn a_course_saved_before_the_custody_log_still_loads() {
        let old = "(format: 1, couple: (\"00000000-0000-0000-0000-000000000000\"), ledger: [], next_item_id: 0)";
        let loaded: Course = ron::from_str(old).expect("old course loads");
        assert!(loaded.custody.is_empty());
        let mut c = course();
        c.record_custody(CustodyEvent {
            note: "sealed envelope, cabinet 2".into(),
            ..event(
                1,
                "Disclosure document",
                CustodyChange::HeldBy(Holder::Other("Practice safe".into())),
            )
        })
        .expect("held");
        let text = ron::to_string(&c).expect("serializes");
        let back: Course = ron::from_str(&text).expect("round trip");
        assert_eq!(back, c);
    }
}
