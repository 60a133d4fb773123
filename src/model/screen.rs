//! What makes a protocol a safety screen: a declaration in its template naming the steps
//! where each partner is screened, the therapist's decision, and the steps the safety gate
//! reads besides. The shipped screen declares it like any other; a practice's own or
//! licensed instrument that declares it opens and holds the gate in the same way. A
//! session keeps the declaration of the protocol it ran.

use super::Partner;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The id of the screen shipped with Tandem, which sessions recorded before screens were
/// declared were all of.
pub const SHIPPED_SCREEN: &str = "safety-screen";

/// A safety screen's steps, by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSpec {
    /// The step where partner A is screened (a YesNo, Checklist or Choice step): a yes or
    /// "rather not say", anything ticked, or an option in `concern_options` raises a
    /// concern.
    pub partner_a: String,
    /// The same for partner B.
    pub partner_b: String,
    /// The therapist's decision (a Choice step whose options begin "Joint work with",
    /// "Joint work" or "Individual").
    pub decision: String,
    /// The fuller private assessment a raised concern needs before joint work (a Text step).
    #[serde(default)]
    pub assessment: Option<String>,
    /// The therapist's written reason for plain joint work over a raised concern (Text).
    #[serde(default)]
    pub override_reason: Option<String>,
    /// Where the therapist writes the re-screen date (Text holding YYYY-MM-DD).
    #[serde(default)]
    pub rescreen: Option<String>,
    /// For screen steps that are choices: the options that raise a concern.
    #[serde(default)]
    pub concern_options: Vec<String>,
}

impl ScreenSpec {
    /// The declaration of the shipped screen (`templates/safety-screen.ron` carries the
    /// same), for sessions recorded before sessions kept theirs.
    pub fn shipped() -> ScreenSpec {
        ScreenSpec {
            partner_a: "screen-a".into(),
            partner_b: "screen-b".into(),
            decision: "decision".into(),
            assessment: Some("assessment".into()),
            override_reason: Some("override".into()),
            rescreen: Some("rescreen".into()),
            concern_options: Vec::new(),
        }
    }

    /// Whose screen the step `id` is, if it is one.
    pub fn partner_of(&self, id: &str) -> Option<Partner> {
        if id == self.partner_a {
            Some(Partner::A)
        } else if id == self.partner_b {
            Some(Partner::B)
        } else {
            None
        }
    }

    /// Every step the declaration names, with what it is for.
    pub fn named_steps(&self) -> Vec<(&'static str, &str)> {
        let mut steps = vec![
            ("partner_a", self.partner_a.as_str()),
            ("partner_b", self.partner_b.as_str()),
            ("decision", self.decision.as_str()),
        ];
        for (what, id) in [
            ("assessment", &self.assessment),
            ("override_reason", &self.override_reason),
            ("rescreen", &self.rescreen),
        ] {
            if let Some(id) = id {
                steps.push((what, id.as_str()));
            }
        }
        steps
    }
}

/// The screen a session is, if it is one: the declaration it kept, or, for a session of
/// the shipped screen recorded before sessions kept it, the shipped declaration.
pub fn screen_of(session: &super::Session) -> Option<Cow<'_, ScreenSpec>> {
    match &session.screen {
        Some(spec) => Some(Cow::Borrowed(spec.as_ref())),
        None if session.template_id == SHIPPED_SCREEN => Some(Cow::Owned(ScreenSpec::shipped())),
        None => None,
    }
}

/// Whether one partner's screen step, as recorded, raises a concern: a yes or "rather not
/// say" to any item, anything ticked in a screen recorded as a checklist, or an option
/// the declaration names as a concern.
pub fn raises_concern(spec: &ScreenSpec, data: &super::StepData) -> bool {
    use super::StepData;
    match data {
        StepData::YesNo(entries) => entries
            .entries
            .values()
            .flat_map(|answers| answers.values())
            .any(|a| a.raises_concern()),
        // A screen recorded before items were answered one by one.
        StepData::Checklist(entries) => entries.entries.values().any(|t| !t.is_empty()),
        // An instrument whose answer is a choice: the options it names.
        StepData::Choice(entries) => entries
            .entries
            .values()
            .flatten()
            .any(|option| spec.concern_options.iter().any(|c| c == option)),
        _ => false,
    }
}

/// What one partner's screen in one session came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartnerScreen {
    /// Every item answered, nothing raising a concern: a negative screen.
    NoConcern,
    /// Answered, and something raises a concern.
    Concern,
    /// The step was not finished in this session.
    NotFinished,
}

/// What a screen session found and decided, for the clinician's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenResult {
    /// Each partner's result in this session.
    pub partners: [(Partner, PartnerScreen); 2],
    /// The therapist's decision as chosen (the option's words), if one was recorded.
    pub decision: Option<String>,
    /// Whether the fuller private assessment was written.
    pub assessed: bool,
    /// The re-screen text, if written.
    pub rescreen: Option<String>,
}

/// The result of a screen session: `None` when the session is not a screen.
pub fn screen_result(session: &super::Session) -> Option<ScreenResult> {
    use super::{Respondent, StepData, StepStatus};
    let spec = screen_of(session)?;
    let partner = |p: Partner| {
        let id = if p == Partner::A {
            &spec.partner_a
        } else {
            &spec.partner_b
        };
        // The latest record of the step (a screen repeated in one session counts last).
        let record = session.steps.iter().rev().find(|r| &r.step_id == id);
        match record {
            Some(r) if r.status == StepStatus::Done => {
                if raises_concern(&spec, &r.data) {
                    PartnerScreen::Concern
                } else {
                    PartnerScreen::NoConcern
                }
            }
            _ => PartnerScreen::NotFinished,
        }
    };
    let clinician_text = |id: Option<&String>| {
        let id = id?;
        session
            .steps
            .iter()
            .rev()
            .find(|r| &r.step_id == id)
            .and_then(|r| match &r.data {
                StepData::Text(e) => e.entries.get(&Respondent::Clinician).cloned(),
                _ => None,
            })
            .filter(|t| !t.trim().is_empty())
    };
    let decision = session
        .steps
        .iter()
        .rev()
        .find(|r| r.step_id == spec.decision)
        .and_then(|r| match &r.data {
            StepData::Choice(e) => e
                .entries
                .get(&Respondent::Clinician)
                .and_then(|c| c.first().cloned()),
            _ => None,
        });
    Some(ScreenResult {
        partners: [
            (Partner::A, partner(Partner::A)),
            (Partner::B, partner(Partner::B)),
        ],
        decision,
        assessed: clinician_text(spec.assessment.as_ref()).is_some(),
        rescreen: clinician_text(spec.rescreen.as_ref()),
    })
}
