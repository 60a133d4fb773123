//! Changes to a couple's course: the commitments ledger (reviews, revisions,
//! retirements), the affair-recovery map, and the disclosure document's custody log
//! (checked against the log, logged in the audit trail first, then saved).

use super::couple::CoupleRecord;
use super::error::refused;
use super::{Practice, PracticeError};
use crate::model::{
    Criterion, CustodyChange, CustodyEvent, Holder, Outcome, Partner, RecoveryPhase, SessionId,
    TrustTag,
};
use crate::vault::RecordBody;
use crate::vault::audit::AuditAction;
use chrono::{DateTime, NaiveDate, Utc};

/// A change to a commitment in the ledger, as entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LedgerChange {
    Review {
        item: u32,
        by: Partner,
        outcome: Outcome,
        note: String,
    },
    Revise {
        item: u32,
        behaviour: String,
        rhythm: String,
        /// YYYY-MM-DD; empty for a week from today.
        review_on: String,
        reason: String,
    },
    Retire {
        item: u32,
        reason: String,
    },
}

/// A change to the affair-recovery map, as entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecoveryChange {
    Enter(RecoveryPhase),
    AddCriterion(String),
    /// Mark criterion `index` of the current phase met today (or not met).
    SetMet {
        index: usize,
        met: bool,
    },
    LogTrigger {
        /// YYYY-MM-DD; empty for today.
        on: String,
        trigger: String,
        response: String,
        repair: String,
    },
    SetTrust {
        session: SessionId,
        tag: TrustTag,
        touched: bool,
    },
}

/// A change to the custody of the disclosure document, as entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustodyStep {
    HeldBy(Holder),
    /// To be destroyed by this date (YYYY-MM-DD).
    DestroyBy(String),
    Destroyed,
}

/// An entry for the disclosure document's custody log, as entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyEntry {
    pub step: CustodyStep,
    pub recorded_by: String,
    pub note: String,
}

/// The name the custody log gives the written disclosure.
pub const DISCLOSURE_DOCUMENT: &str = "Disclosure document";

/// A date as typed (YYYY-MM-DD), or `empty` when nothing was typed.
fn parse_date(text: &str, empty: NaiveDate) -> Result<NaiveDate, PracticeError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(empty);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| refused("write the date as YYYY-MM-DD, e.g. 2026-11-30"))
}

impl Practice {
    /// Review, revise or retire a commitment. `session` is the running session of this
    /// couple, if any (reviews made in it are tied to it).
    pub fn change_ledger(
        &mut self,
        record: &mut CoupleRecord,
        change: &LedgerChange,
        session: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let mut course = record.course.clone();
        let result = match change {
            LedgerChange::Review {
                item,
                by,
                outcome,
                note,
            } => course.review(*item, *by, *outcome, note, session, now),
            LedgerChange::Revise {
                item,
                behaviour,
                rhythm,
                review_on,
                reason,
            } => {
                let on = parse_date(review_on, now.date_naive() + chrono::Duration::days(7))?;
                course.revise(*item, behaviour, rhythm, on, reason, session, now)
            }
            LedgerChange::Retire { item, reason } => course.retire(*item, reason, now),
        };
        result.map_err(|e| refused(e.to_string()))?;
        self.save(RecordBody::Course(course.clone()), now)?;
        record.course = course;
        Ok(())
    }

    /// Change the affair-recovery map.
    pub fn change_recovery(
        &mut self,
        record: &mut CoupleRecord,
        change: &RecoveryChange,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let today = now.date_naive();
        let mut course = record.course.clone();
        let map = &mut course.recovery;
        match change {
            RecoveryChange::Enter(phase) => {
                if map.current().is_some_and(|p| p.phase == *phase) {
                    return Err(refused("the couple is in that phase already"));
                }
                map.enter(*phase, today);
            }
            RecoveryChange::AddCriterion(text) => {
                let text = text.trim();
                if text.is_empty() {
                    return Err(refused("write the criterion first"));
                }
                let phase = map
                    .phases
                    .last_mut()
                    .ok_or_else(|| refused("place the couple in a phase first"))?;
                phase.exit_criteria.push(Criterion {
                    text: text.to_string(),
                    met_on: None,
                });
            }
            RecoveryChange::SetMet { index, met } => {
                let criterion = map
                    .phases
                    .last_mut()
                    .and_then(|p| p.exit_criteria.get_mut(*index))
                    .ok_or_else(|| refused("no such criterion"))?;
                criterion.met_on = met.then_some(today);
            }
            RecoveryChange::LogTrigger {
                on,
                trigger,
                response,
                repair,
            } => {
                if trigger.trim().is_empty() {
                    return Err(refused("describe the trigger first"));
                }
                let on = parse_date(on, today)?;
                map.log_trigger(on, trigger.trim(), response.trim(), repair.trim());
            }
            RecoveryChange::SetTrust {
                session,
                tag,
                touched,
            } => {
                let tags = map.trust_touched.entry(*session).or_default();
                if *touched {
                    tags.insert(*tag);
                } else {
                    tags.remove(tag);
                }
            }
        }
        self.save(RecordBody::Course(course.clone()), now)?;
        record.course = course;
        Ok(())
    }

    /// Log a change in the disclosure document's custody: checked against the log first,
    /// then written to the audit log (the couple's id and fixed words only, never the
    /// note), then saved in the course.
    pub fn record_custody(
        &mut self,
        record: &mut CoupleRecord,
        entry: &CustodyEntry,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let change = match &entry.step {
            CustodyStep::HeldBy(holder) => CustodyChange::HeldBy(holder.clone()),
            CustodyStep::DestroyBy(text) => {
                if text.trim().is_empty() {
                    return Err(refused(
                        "write the date it is to be destroyed by, as YYYY-MM-DD",
                    ));
                }
                CustodyChange::DestroyBy(parse_date(text, now.date_naive())?)
            }
            CustodyStep::Destroyed => CustodyChange::Destroyed,
        };
        let detail = match &change {
            CustodyChange::HeldBy(Holder::Therapist) => {
                "disclosure document held by the therapist".to_string()
            }
            CustodyChange::HeldBy(Holder::Partner(p)) => format!("disclosure document held by {p}"),
            CustodyChange::HeldBy(Holder::Other(_)) => {
                "disclosure document held by someone else".to_string()
            }
            CustodyChange::DestroyBy(on) => format!("disclosure document to be destroyed by {on}"),
            CustodyChange::Destroyed => "disclosure document destroyed".to_string(),
        };
        let mut course = record.course.clone();
        course
            .record_custody(CustodyEvent {
                at: now,
                document: DISCLOSURE_DOCUMENT.into(),
                change,
                recorded_by: entry.recorded_by.clone(),
                note: entry.note.clone(),
            })
            .map_err(|e| refused(e.to_string()))?;
        self.log(AuditAction::Custody, Some(record.couple.id.0), &detail, now)?;
        self.save(RecordBody::Course(course.clone()), now)?;
        record.course = course;
        Ok(())
    }
}
