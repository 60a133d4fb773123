//! What a couple's recorded sessions say about safety: which partners completed their
//! private screen, and the therapist's decision. Derived, never stored.
//!
//! The contract with `templates/safety-screen.ron`: the template id `safety-screen`, the
//! per-partner screen steps `screen-a` and `screen-b` (YesNo steps; a Checklist in
//! screens recorded before answers were asked item by item), the clinician's
//! `assessment` text, the `decision` Choice whose options name the three decisions, and
//! the `override` text that gives the reason for plain joint work over a raised concern.
//!
//! The rules (docs/privacy-and-safety.md): a partner is screened once their screen step
//! is done, every item answered. A yes, or an item the partner would rather not answer,
//! raises a concern. While a concern stands, a decision for joint work counts only when
//! the fuller assessment is written, and plain "Joint work" (without a safety protocol)
//! only with a written reason in a screen that has been ended (ending it is what the
//! audit log records). A later screen with a concern withdraws any earlier decision.

use crate::model::{
    CoupleFacts, Partner, Respondent, SafetyDecision, Session, StepData, StepStatus, screen_of,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// The id of the safety screen shipped with Tandem (the one the app offers to start). The
/// gate reads any protocol that declares itself a screen (`model::screen`).
pub const SAFETY_SCREEN_TEMPLATE: &str = crate::model::SHIPPED_SCREEN;

fn decision_of(option: &str) -> Option<SafetyDecision> {
    let lower = option.to_lowercase();
    if lower.starts_with("joint work with") {
        Some(SafetyDecision::JointWorkWithSafetyProtocol)
    } else if lower.starts_with("joint work") {
        Some(SafetyDecision::JointWork)
    } else if lower.starts_with("individual") {
        Some(SafetyDecision::IndividualWorkOnly)
    } else {
        None
    }
}

/// Everything the couple's sessions say about safety: the facts the runner's gates use,
/// which partners' latest screens were positive, when each was last screened, and the
/// re-screen date the therapist set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafetyStatus {
    pub facts: CoupleFacts,
    /// Partners whose latest recorded screen has anything ticked.
    pub positive: BTreeSet<Partner>,
    /// When each partner's latest screen was recorded.
    pub last_screened: BTreeMap<Partner, DateTime<Utc>>,
    /// The re-screen date written in the latest screen's `rescreen` step, if it holds a
    /// date (YYYY-MM-DD).
    pub rescreen_on: Option<NaiveDate>,
    /// Why the latest decision for joint work does not count, when it does not.
    pub held_back: Option<HeldBack>,
    /// Partners whose latest screen answered yes to (or would rather not answer) the item
    /// about being controlled or checked on in frightening ways: monitoring agreements
    /// need care with them.
    pub control_concern: BTreeSet<Partner>,
}

/// Words that identify the screen's item about control and frightening checking (the
/// item's own text holds them, in YesNo and older Checklist screens alike).
pub const CONTROL_ITEM_WORDS: &str = "checks on me";

fn is_control_item(item: &str) -> bool {
    item.to_lowercase().contains(CONTROL_ITEM_WORDS)
}

/// Why a decision for joint work recorded in a screen does not open joint work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeldBack {
    /// A concern was raised and the fuller private assessment is not written.
    NoAssessment,
    /// Plain joint work over a raised concern with no written reason.
    NoReason,
    /// Plain joint work over a raised concern, with a reason, in a screen not yet ended.
    NotEnded,
}

impl HeldBack {
    /// For the therapist: what is missing, in a sentence that can follow "because".
    pub fn describe(self) -> &'static str {
        match self {
            HeldBack::NoAssessment => {
                "a concern was raised in a screen and the fuller private assessment is not written"
            }
            HeldBack::NoReason => {
                "a concern was raised in a screen: choose joint work with a safety protocol, or write why plain joint work is safe"
            }
            HeldBack::NotEnded => {
                "plain joint work over a raised concern counts once the screen's session is ended"
            }
        }
    }
}

/// The id of the screen's step for the fuller private assessment.
pub const ASSESSMENT_STEP: &str = "assessment";
/// The id of the screen's decision step.
pub const DECISION_STEP: &str = "decision";
/// The id of the screen's step for the reason behind plain joint work over a concern.
pub const OVERRIDE_STEP: &str = "override";

/// Whether the session is a screen that records plain joint work over a raised concern,
/// with its reason: what ending it writes to the audit log.
pub fn overrides_a_concern(session: &Session) -> bool {
    if screen_of(session).is_none() {
        return false;
    }
    let mut ended = session.clone();
    ended.ended_at = Some(ended.ended_at.unwrap_or(session.started_at));
    let status = safety_status([&ended]);
    !status.positive.is_empty() && status.facts.safety_decision == Some(SafetyDecision::JointWork)
}

impl SafetyStatus {
    /// When the next screen is due: the date the therapist set, else `interval_days`
    /// after the older of the two latest screens; today when a partner was never
    /// screened.
    pub fn rescreen_due(&self, today: NaiveDate, interval_days: u32) -> NaiveDate {
        if let Some(date) = self.rescreen_on {
            return date;
        }
        let oldest = [Partner::A, Partner::B]
            .iter()
            .map(|p| self.last_screened.get(p))
            .collect::<Option<Vec<_>>>()
            .and_then(|dates| dates.into_iter().min().copied());
        match oldest {
            Some(at) => at.date_naive() + chrono::Days::new(u64::from(interval_days)),
            None => today,
        }
    }

    /// True when joint protocols are open: both screened and a decision allowing it.
    pub fn joint_work_cleared(&self) -> bool {
        self.facts.screened.len() == 2
            && matches!(
                self.facts.safety_decision,
                Some(SafetyDecision::JointWork | SafetyDecision::JointWorkWithSafetyProtocol)
            )
    }
}

/// The id of the safety screen's step where the therapist writes the re-screen date.
pub const RESCREEN_STEP: &str = "rescreen";

/// Whether a step of a session is its safety screen's re-screen date.
pub fn is_rescreen_step(session: &Session, step_id: &str) -> bool {
    screen_of(session).is_some_and(|spec| spec.rescreen.as_deref() == Some(step_id))
}

/// Whether a step of a session is its safety screen's decision or its reason for plain
/// joint work (the steps whose answers decide the gate).
pub fn is_decision_step(session: &Session, step_id: &str) -> bool {
    screen_of(session).is_some_and(|spec| {
        spec.decision == step_id || spec.override_reason.as_deref() == Some(step_id)
    })
}

/// The words of a text that could be dates (digits and dashes), with where they start.
fn date_words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = None;
    text.char_indices()
        .chain(std::iter::once((text.len(), ' ')))
        .filter_map(move |(at, c)| {
            let in_word = c.is_ascii_digit() || c == '-';
            match (in_word, start) {
                (true, None) => {
                    start = Some(at);
                    None
                }
                (false, Some(from)) => {
                    start = None;
                    Some((from, &text[from..at]))
                }
                _ => None,
            }
        })
}

/// The first YYYY-MM-DD date in a text, and where it is.
fn first_date_at(text: &str) -> Option<(std::ops::Range<usize>, NaiveDate)> {
    date_words(text).find_map(|(at, word)| {
        NaiveDate::parse_from_str(word, "%Y-%m-%d")
            .ok()
            .map(|date| (at..at + word.len(), date))
    })
}

/// The first YYYY-MM-DD date in a text: the re-screen date the safety screen's text
/// holds, as the couple's page reads it.
pub fn first_date(text: &str) -> Option<NaiveDate> {
    first_date_at(text).map(|(_, date)| date)
}

/// The re-screen text with `date` in it: the date already written there replaced, or the
/// template's sentence starter with the date when nothing is written, or the date added
/// after what is.
pub fn with_rescreen_date(text: &str, date: NaiveDate) -> String {
    let written = date.format("%Y-%m-%d").to_string();
    match first_date_at(text) {
        Some((at, _)) => format!("{}{written}{}", &text[..at.start], &text[at.end..]),
        None if text.trim().is_empty() => format!("Re-screen on: {written}"),
        None => format!("{} {written}", text.trim_end()),
    }
}

/// The safety facts from a couple's sessions, the latest screen winning.
pub fn couple_facts<'a>(sessions: impl IntoIterator<Item = &'a Session>) -> CoupleFacts {
    safety_status(sessions).facts
}

/// Read every safety screen in order. A positive screen (anything ticked) withdraws any
/// earlier decision: joint protocols lock again until the therapist decides anew.
pub fn safety_status<'a>(sessions: impl IntoIterator<Item = &'a Session>) -> SafetyStatus {
    let mut screens: Vec<&Session> = sessions
        .into_iter()
        .filter(|s| screen_of(s).is_some())
        .collect();
    screens.sort_by_key(|s| s.started_at);
    let mut status = SafetyStatus::default();
    for session in screens {
        let Some(spec) = screen_of(session) else {
            continue;
        };
        let mut decided = None;
        let mut assessed = false;
        let mut reason = false;
        for step in &session.steps {
            let done = step.status == StepStatus::Done;
            let screened = spec.partner_of(&step.step_id);
            let id = step.step_id.as_str();
            let role = if id == spec.decision {
                DECISION_STEP
            } else if spec.assessment.as_deref() == Some(id) {
                ASSESSMENT_STEP
            } else if spec.override_reason.as_deref() == Some(id) {
                OVERRIDE_STEP
            } else if spec.rescreen.as_deref() == Some(id) {
                RESCREEN_STEP
            } else {
                ""
            };
            match (screened, role, &step.data) {
                (Some(partner), _, data) if done => {
                    status.facts.screened.insert(partner);
                    status
                        .last_screened
                        .insert(partner, step.first_entered_at.unwrap_or(session.started_at));
                    let control = match data {
                        StepData::YesNo(entries) => entries
                            .entries
                            .values()
                            .flat_map(|answers| answers.iter())
                            .any(|(item, a)| is_control_item(item) && a.raises_concern()),
                        StepData::Checklist(entries) => entries
                            .entries
                            .values()
                            .flatten()
                            .any(|item| is_control_item(item)),
                        StepData::Choice(entries) => entries
                            .entries
                            .values()
                            .flatten()
                            .any(|option| is_control_item(option)),
                        _ => false,
                    };
                    if control {
                        status.control_concern.insert(partner);
                    } else {
                        status.control_concern.remove(&partner);
                    }
                    let concern = crate::model::raises_concern(&spec, data);
                    if concern {
                        status.positive.insert(partner);
                        status.facts.safety_decision = None;
                    } else {
                        status.positive.remove(&partner);
                    }
                }
                (None, DECISION_STEP, StepData::Choice(entries)) => {
                    decided = entries
                        .entries
                        .get(&Respondent::Clinician)
                        .and_then(|chosen| chosen.first())
                        .and_then(|option| decision_of(option));
                }
                (None, ASSESSMENT_STEP, StepData::Text(entries)) => {
                    assessed = entries
                        .entries
                        .get(&Respondent::Clinician)
                        .is_some_and(|t| !t.trim().is_empty());
                }
                (None, OVERRIDE_STEP, StepData::Text(entries)) => {
                    reason = entries
                        .entries
                        .get(&Respondent::Clinician)
                        .is_some_and(|t| !t.trim().is_empty());
                }
                (None, RESCREEN_STEP, StepData::Text(entries)) => {
                    if let Some(date) = entries
                        .entries
                        .get(&Respondent::Clinician)
                        .and_then(|text| first_date(text))
                    {
                        status.rescreen_on = Some(date);
                    }
                }
                // The screen's other steps, by id (not by kind): nothing the status reads.
                _ => {}
            }
        }
        // The decision, weighed against what the screens (this one and the latest of
        // each partner before it) raised.
        if let Some(decision) = decided {
            let concern = !status.positive.is_empty();
            let held_back = match decision {
                SafetyDecision::IndividualWorkOnly => None,
                _ if !concern => None,
                _ if !assessed => Some(HeldBack::NoAssessment),
                SafetyDecision::JointWorkWithSafetyProtocol => None,
                SafetyDecision::JointWork if !reason => Some(HeldBack::NoReason),
                SafetyDecision::JointWork if session.ended_at.is_none() => Some(HeldBack::NotEnded),
                SafetyDecision::JointWork => None,
            };
            status.held_back = held_back;
            status.facts.safety_decision = match held_back {
                None => Some(decision),
                Some(_) => None,
            };
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_date_is_found_anywhere_in_the_rescreen_text() {
        assert_eq!(
            first_date("Re-screen on: 2027-02-01, sooner if needed"),
            Some(day(2027, 2, 1))
        );
        assert_eq!(first_date("in three months"), None);
        assert_eq!(first_date("2027-13-01"), None);
    }

    #[test]
    fn a_picked_rescreen_date_replaces_the_one_written_or_joins_the_text() {
        let on = day(2027, 3, 1);
        for (text, expected) in [
            ("", "Re-screen on: 2027-03-01"),
            ("  ", "Re-screen on: 2027-03-01"),
            ("Re-screen on:", "Re-screen on: 2027-03-01"),
            (
                "Re-screen on: 2026-01-05, sooner after any incident",
                "Re-screen on: 2027-03-01, sooner after any incident",
            ),
            ("ref 12-3, then 2026-01-05", "ref 12-3, then 2027-03-01"),
            ("Re-screen in spring ", "Re-screen in spring 2027-03-01"),
        ] {
            let written = with_rescreen_date(text, on);
            assert_eq!(written, expected, "from {text:?}");
            assert_eq!(first_date(&written), Some(on), "read back from {written:?}");
        }
        let library = crate::template::Library::builtin();
        let session = |id: &str| {
            crate::runner::Runner::start(
                library.get(id).expect("shipped"),
                crate::runner::Start {
                    session: crate::model::SessionId(uuid::Uuid::from_u128(1)),
                    couple: crate::model::CoupleId(uuid::Uuid::from_u128(2)),
                    bindings: crate::model::Bindings::default(),
                    facts: CoupleFacts::default(),
                    questions: None,
                },
                Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
            )
            .expect("starts")
            .into_session()
        };
        assert!(is_rescreen_step(&session("safety-screen"), "rescreen"));
        assert!(!is_rescreen_step(&session("session-measures"), "rescreen"));
    }

    #[test]
    fn a_rescreen_is_due_after_the_interval_from_the_older_screen_or_on_the_set_date() {
        let today = day(2026, 11, 23);
        let mut status = SafetyStatus::default();
        assert_eq!(status.rescreen_due(today, 90), today, "never screened: now");
        let at = |d| Utc.from_utc_datetime(&day(2026, 6, d).and_hms_opt(9, 0, 0).expect("time"));
        status.last_screened.insert(Partner::A, at(10));
        assert_eq!(
            status.rescreen_due(today, 90),
            today,
            "one partner only: now"
        );
        status.last_screened.insert(Partner::B, at(1));
        assert_eq!(status.rescreen_due(today, 90), day(2026, 8, 30));
        status.rescreen_on = Some(day(2026, 7, 15));
        assert_eq!(status.rescreen_due(today, 90), day(2026, 7, 15));
    }
}
