//! What a couple's recorded sessions say about safety: which partners completed their
//! private screen, and the therapist's decision. Derived, never stored.
//!
//! The contract with `templates/safety-screen.ron`: the template id `safety-screen`, the
//! per-partner screen steps `screen-a` and `screen-b`, and the clinician's `decision`
//! Choice whose options name the three decisions.

use crate::model::{
    CoupleFacts, Partner, Respondent, SafetyDecision, Session, StepData, StepStatus,
};

pub const SAFETY_SCREEN_TEMPLATE: &str = "safety-screen";

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

/// The safety facts from a couple's sessions, the latest screen winning.
pub fn couple_facts<'a>(sessions: impl IntoIterator<Item = &'a Session>) -> CoupleFacts {
    let mut screens: Vec<&Session> = sessions
        .into_iter()
        .filter(|s| s.template_id == SAFETY_SCREEN_TEMPLATE)
        .collect();
    screens.sort_by_key(|s| s.started_at);
    let mut facts = CoupleFacts::default();
    for session in screens {
        for step in &session.steps {
            let done = step.status == StepStatus::Done;
            match (step.step_id.as_str(), &step.data) {
                ("screen-a", _) if done => {
                    facts.screened.insert(Partner::A);
                }
                ("screen-b", _) if done => {
                    facts.screened.insert(Partner::B);
                }
                ("decision", StepData::Choice(entries)) => {
                    if let Some(decision) = entries
                        .entries
                        .get(&Respondent::Clinician)
                        .and_then(|chosen| chosen.first())
                        .and_then(|option| decision_of(option))
                    {
                        facts.safety_decision = Some(decision);
                    }
                }
                _ => {}
            }
        }
    }
    facts
}
