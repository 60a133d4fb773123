//! The protocol language: the RON types a template file is made of, parsing with exact
//! error positions, validation, and filling role placeholders into text; and `StepView`,
//! a step's kind paired with its record's data (see `step_view.rs`).
//!
//! Works on text only: reading files is the caller's business (see `vault::templates`).
//! Must not depend on egui, printpdf or the file system.

pub mod edit;
mod library;
mod locate;
mod notation;
mod step_view;
mod validate;

use crate::model::{LoopStage, Respondents, Role, TrustTag, Visibility};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use library::Library;
pub use step_view::{KindMismatch, StepView, StepViewMut};
pub use validate::validate;

/// Feeling words offered in the empathy stage when a loop names none of its own.
pub const DEFAULT_FEELINGS: &[&str] = &[
    "afraid",
    "alone",
    "angry",
    "anxious",
    "ashamed",
    "betrayed",
    "confused",
    "disappointed",
    "embarrassed",
    "exhausted",
    "frustrated",
    "guilty",
    "helpless",
    "hopeful",
    "hurt",
    "insecure",
    "jealous",
    "lonely",
    "numb",
    "overwhelmed",
    "rejected",
    "relieved",
    "sad",
    "scared",
    "shocked",
    "tender",
    "tense",
    "unimportant",
    "unsafe",
    "worried",
];

/// The template format this build reads.
pub const TEMPLATE_FORMAT: u32 = 1;
/// Largest template file accepted, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;
/// Deepest bracket nesting accepted in a template file.
pub const MAX_NESTING: usize = 24;
/// Deepest nesting of `Repeat` steps.
pub const MAX_REPEAT_DEPTH: usize = 2;

/// A protocol: what a session runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Template format version; this build reads `1`.
    pub format: u32,
    /// Lower-case letters, digits and `-`, unique in the library.
    pub id: String,
    pub title: String,
    /// One or two sentences a therapist reads when picking a protocol (and on the
    /// therapist's blank sheet); never shown to the couple.
    pub summary: String,
    /// What the couple reads before they start, in plain words: printed under "Before you
    /// start" on the couple's and each partner's blank sheet. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduction: Option<String>,
    /// What the couple might practise before the next session, in plain words: printed
    /// under "To practise this week" in the couple's session summary. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between_sessions: Option<String>,
    /// Which protocol or seed article this follows, and licensing notes.
    pub source: String,
    /// TRUST dimensions the protocol works on.
    #[serde(default)]
    pub trust: Vec<TrustTag>,
    /// Expected length in minutes.
    #[serde(default)]
    pub length_mins: u32,
    /// Roles the protocol binds at start. `PartnerA`/`PartnerB` are always available.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Conditions that must hold before a session of this template may start
    /// (only `BothScreened` and `JointWorkCleared` make sense here).
    #[serde(default)]
    pub requires: Vec<Gate>,
    /// Declares the protocol a safety screen: which steps screen each partner, hold the
    /// decision and the rest (see `model::screen`). The gate reads any protocol that
    /// declares it, not one id.
    #[serde(default)]
    pub screen: Option<crate::model::ScreenSpec>,
    pub steps: Vec<Step>,
}

/// One step of a protocol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the template: lower-case letters, digits, `-` and `_`.
    pub id: String,
    pub title: String,
    /// What the therapist reads: instructions, never shown to the couple.
    #[serde(default)]
    pub therapist: String,
    /// What the couple sees, one paragraph each.
    #[serde(default)]
    pub prompts: Vec<String>,
    /// Suggested time for the step; a timer shows it.
    #[serde(default)]
    pub timebox_mins: Option<u32>,
    #[serde(default)]
    pub visibility: Visibility,
    /// Conditions that must hold before the session moves past this step.
    #[serde(default)]
    pub gates: Vec<Gate>,
    pub kind: StepKind,
}

/// A condition that must hold before a session may continue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gate {
    /// The step with this id (every pass of it so far) was completed.
    Completed(String),
    /// Every respondent ticked every item of this checklist step.
    AllChecked(String),
    /// The therapist confirms this statement (recorded with the time).
    Confirm(String),
    /// Both partners' private safety screens are recorded.
    BothScreened,
    /// The therapist decided joint work may go ahead (with or without a safety protocol).
    JointWorkCleared,
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gate::Completed(id) => write!(f, "step \"{id}\" must be completed"),
            Gate::AllChecked(id) => write!(f, "every item of \"{id}\" must be ticked"),
            Gate::Confirm(statement) => write!(f, "the therapist must confirm: {statement}"),
            Gate::BothScreened => f.write_str("both partners' safety screens must be recorded"),
            Gate::JointWorkCleared => {
                f.write_str("the therapist must record a safety decision that allows joint work")
            }
        }
    }
}

/// What a step does, and what it records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum StepKind {
    /// Instructions and prompts only.
    Script,
    /// Exchange speaker and listener for the steps that follow in the same list.
    SwapRoles,
    /// Run the inner steps several times, swapping speaker and listener between passes.
    Repeat {
        #[serde(default = "two")]
        times: u32,
        #[serde(default = "yes")]
        swap_roles: bool,
        steps: Vec<Step>,
    },
    /// Message, mirror, "did I get it, is there more?", until the speaker confirms.
    ParaphraseLoop {
        #[serde(default = "speaker")]
        speaker: Role,
        #[serde(default = "listener")]
        listener: Role,
        /// Sentence starters offered to the speaker.
        #[serde(default)]
        stems: Vec<String>,
        /// Stages offered after the loop, in this order (none is required).
        #[serde(default)]
        stages: Vec<LoopStage>,
        /// Feeling words for the empathy stage; `DEFAULT_FEELINGS` when empty.
        #[serde(default)]
        feelings: Vec<String>,
    },
    /// Speaker–listener with a floor token, breach taps and time-outs.
    Floor {
        /// Who holds the floor first.
        #[serde(default = "speaker")]
        first: Role,
        /// The other partner; must be `first`'s counterpart (checked, for readability).
        #[serde(default = "listener")]
        second: Role,
        /// The rules the therapist can tap a breach of.
        #[serde(default)]
        rules: Vec<String>,
        /// Latest resume time after a time-out, in hours.
        #[serde(default = "twenty_four")]
        max_timeout_hours: u32,
    },
    /// A question list owned by one partner.
    Questions {
        owner: Role,
        #[serde(default)]
        categories: Vec<String>,
        /// True where questions are answered (the disclosure itself); false where the
        /// owner builds and orders the list.
        #[serde(default)]
        answering: bool,
    },
    /// Commitments: owner, observable behaviour, rhythm, verification, dates.
    Plan {
        #[serde(default = "both_partners")]
        owners: Vec<Role>,
        #[serde(default)]
        categories: Vec<String>,
        /// Days from start to review that a new commitment is offered.
        #[serde(default = "seven")]
        review_after_days: u32,
    },
    /// Scales each rater answers, optionally scored.
    Rating {
        #[serde(default = "both_partners")]
        raters: Vec<Role>,
        items: Vec<RatingItem>,
        #[serde(default)]
        scoring: Scoring,
    },
    /// Free text, with optional sentence starters.
    Text {
        #[serde(default)]
        respondents: Respondents,
        #[serde(default)]
        stems: Vec<String>,
        /// The text is a letter (an impact or restitution letter, say): exported on its
        /// own as a letter from the person who wrote it.
        #[serde(default)]
        letter: bool,
    },
    /// Pick one (or several) of a list.
    Choice {
        #[serde(default)]
        respondents: Respondents,
        options: Vec<String>,
        #[serde(default)]
        multiple: bool,
    },
    /// Tick the items that apply.
    Checklist {
        #[serde(default)]
        respondents: Respondents,
        items: Vec<String>,
    },
    /// Questions each answered yes, no or "I would rather not say" (a safety screen,
    /// say). An item counts as answered only once an answer is given: nothing is "no" by
    /// default, and the step is complete when every item has an answer.
    YesNo {
        #[serde(default)]
        respondents: Respondents,
        items: Vec<String>,
    },
    /// A letter that answers, point by point, the letter written in step `to` (a `Text`
    /// step with `letter: true` earlier in the template). Each paragraph of that letter is
    /// a point; the step is complete when every point has an answer.
    Reply {
        /// The id of the letter's step.
        to: String,
        /// Who writes the reply.
        author: Role,
        /// Sentence starters offered for each answer.
        #[serde(default)]
        stems: Vec<String>,
    },
}

impl StepKind {
    /// The kind's name as written in a template.
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Script => "Script",
            StepKind::SwapRoles => "SwapRoles",
            StepKind::Repeat { .. } => "Repeat",
            StepKind::ParaphraseLoop { .. } => "ParaphraseLoop",
            StepKind::Floor { .. } => "Floor",
            StepKind::Questions { .. } => "Questions",
            StepKind::Plan { .. } => "Plan",
            StepKind::Rating { .. } => "Rating",
            StepKind::Text { .. } => "Text",
            StepKind::Choice { .. } => "Choice",
            StepKind::Checklist { .. } => "Checklist",
            StepKind::YesNo { .. } => "YesNo",
            StepKind::Reply { .. } => "Reply",
        }
    }

    /// The steps run inside this one: a `Repeat`'s steps, none for any other kind.
    pub fn nested_steps(&self) -> &[Step] {
        match self {
            StepKind::Repeat { steps, .. } => steps,
            StepKind::Script
            | StepKind::SwapRoles
            | StepKind::ParaphraseLoop { .. }
            | StepKind::Floor { .. }
            | StepKind::Questions { .. }
            | StepKind::Plan { .. }
            | StepKind::Rating { .. }
            | StepKind::Text { .. }
            | StepKind::Choice { .. }
            | StepKind::Checklist { .. }
            | StepKind::YesNo { .. }
            | StepKind::Reply { .. } => &[],
        }
    }
}

/// One item of a rating scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingItem {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub min: u8,
    #[serde(default = "ten")]
    pub max: u8,
    /// Words for the lowest and highest value.
    #[serde(default)]
    pub low: String,
    #[serde(default)]
    pub high: String,
    /// A word for every value from `min` to `max`, when the scale names each point.
    #[serde(default)]
    pub anchors: Vec<String>,
}

/// How a rating is scored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Scoring {
    /// Items are reported one by one.
    #[default]
    None,
    /// The sum of the items; below `cutoff` is flagged with `flag` (e.g. the CSI-4's
    /// distress cutoff of 13.5).
    Sum {
        #[serde(default)]
        cutoff: Option<f64>,
        #[serde(default)]
        flag: String,
    },
}

fn two() -> u32 {
    2
}
fn seven() -> u32 {
    7
}
fn ten() -> u8 {
    10
}
fn twenty_four() -> u32 {
    24
}
fn yes() -> bool {
    true
}
fn speaker() -> Role {
    Role::Speaker
}
fn listener() -> Role {
    Role::Listener
}
fn both_partners() -> Vec<Role> {
    vec![Role::PartnerA, Role::PartnerB]
}

/// A problem with a template file, at a position in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file's name as the caller gave it.
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// Every problem found in one template file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in {file}; first: {first}", problems.len(), first = problems.first().map(|p| p.message.as_str()).unwrap_or("none"))]
pub struct TemplateError {
    pub file: String,
    pub problems: Vec<Problem>,
}

/// Parse and validate one template from its text. `file` names it in problems.
pub fn parse(file: &str, text: &str) -> Result<Template, TemplateError> {
    let fail = |problems: Vec<Problem>| TemplateError {
        file: file.to_string(),
        problems,
    };
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(fail(vec![Problem {
            file: file.to_string(),
            line: 1,
            col: 1,
            message: format!(
                "file is {} bytes, more than the {} bytes a template may have",
                text.len(),
                MAX_TEMPLATE_BYTES
            ),
        }]));
    }
    if let Some((line, col)) = locate::first_over_depth(text, MAX_NESTING) {
        return Err(fail(vec![Problem {
            file: file.to_string(),
            line,
            col,
            message: format!("nesting deeper than {MAX_NESTING} levels"),
        }]));
    }
    let options = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(MAX_NESTING * 2);
    let template: Template = options.from_str(text).map_err(|e| {
        let (line, col, message) = notation::explain(text, &e);
        fail(vec![Problem {
            file: file.to_string(),
            line,
            col,
            message,
        }])
    })?;
    let issues = validate(&template);
    if issues.is_empty() {
        Ok(template)
    } else {
        Err(fail(
            issues
                .into_iter()
                .map(|issue| {
                    let (line, col) = locate::find(text, &issue.at);
                    Problem {
                        file: file.to_string(),
                        line,
                        col,
                        message: issue.message,
                    }
                })
                .collect(),
        ))
    }
}

/// A template as RON text: the exact protocol a take-home worksheet was issued with,
/// kept so that what comes back is checked against it.
pub fn snapshot(template: &Template) -> Result<String, String> {
    ron::to_string(template).map_err(|_| "the protocol could not be written as RON".to_string())
}

/// A protocol version's fingerprint: SHA-256 (hex) of its `snapshot`. Two versions that
/// differ in any word differ here; a session keeps the fingerprint of the version it ran.
pub fn fingerprint(template: &Template) -> Option<String> {
    use sha2::Digest;
    let text = snapshot(template).ok()?;
    Some(
        sha2::Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// Read back a `snapshot`, size-capped and validated like any template file.
pub fn from_snapshot(text: &str) -> Result<Template, String> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(format!(
            "the protocol is larger than the {MAX_TEMPLATE_BYTES} bytes a template may have"
        ));
    }
    let options = ron::Options::default().with_recursion_limit(MAX_NESTING * 2);
    let template: Template = options.from_str(text).map_err(|e| {
        format!(
            "the protocol does not read back ({}:{})",
            e.span.start.line, e.span.start.col
        )
    })?;
    match validate(&template).first() {
        None => Ok(template),
        Some(issue) => Err(format!("the protocol is not valid: {}", issue.message)),
    }
}

/// Where in the source a validation issue points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum At {
    /// The top of the file.
    Top,
    /// A top-level field of the template, by name.
    Field(&'static str),
    /// The `n`th (0-based) occurrence of the step id `id`.
    StepId { id: String, nth: usize },
    /// The first occurrence of `needle` at or after step `step`'s id (or before it when
    /// there is none after).
    InStep { step: String, needle: String },
}

/// A validation finding before it is given a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub at: At,
    pub message: String,
}

/// The placeholders (`{name}`) in a text, in order; `Err` with the byte offset of a
/// brace that does not open a well-formed placeholder.
pub fn placeholders(text: &str) -> Result<Vec<&str>, usize> {
    let mut found = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or(offset + open)?;
        let name = &after[..close];
        // A role (`hurt_partner`), or a role and one of its pronoun forms
        // (`hurt_partner:their`, `hurt_partner:They`).
        let (role, form) = name.split_once(':').unwrap_or((name, "a"));
        let well_formed = !role.is_empty()
            && role.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && !form.is_empty()
            && form.chars().all(|c| c.is_ascii_alphabetic());
        if !well_formed {
            return Err(offset + open);
        }
        found.push(name);
        let consumed = open + 1 + close + 1;
        offset += consumed;
        rest = &rest[consumed..];
    }
    if let Some(stray) = rest.find('}') {
        return Err(offset + stray);
    }
    Ok(found)
}

/// Fill role placeholders with names. `name_of` gives the display name of a role, or
/// `None` when the role is not bound, in which case the placeholder stays as written.
/// Pronoun placeholders (`{hurt_partner:their}`) read they/them: the pronouns are not known
/// here (see `fill_people`).
pub fn fill(text: &str, name_of: impl Fn(Role) -> Option<String>) -> String {
    fill_people(text, |role| {
        name_of(role).map(|name| (name, crate::model::Pronouns::neutral()))
    })
}

/// Fill role placeholders with names and pronoun placeholders with the partner's own
/// pronouns: `{hurt_partner}` with the name, `{hurt_partner:their}` with "her", "his",
/// "their"…, capitalized when the form is (`{speaker:They}`). `person_of` gives a role's
/// name and pronouns, or `None` when the role is not bound (the placeholder then stays).
pub fn fill_people(
    text: &str,
    person_of: impl Fn(Role) -> Option<(String, crate::model::Pronouns)>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let replaced = after.find('}').and_then(|close| {
            let inside = &after[1..close];
            let (role, form) = match inside.split_once(':') {
                Some((role, form)) => (role, Some(form)),
                None => (inside, None),
            };
            let role = Role::from_placeholder(role)?;
            let (name, pronouns) = person_of(role)?;
            let word = match form {
                None => name,
                Some(form) => {
                    let word = pronouns.form(crate::model::PronounForm::from_name(form)?);
                    if form.starts_with(|c: char| c.is_ascii_uppercase()) {
                        capitalized(word)
                    } else {
                        word.to_string()
                    }
                }
            };
            Some((word, close + 1))
        });
        match replaced {
            Some((word, used)) => {
                out.push_str(&word);
                rest = &after[used..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A word with its first letter in upper case.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The step with this id, looking inside repeats.
pub fn find_step<'t>(steps: &'t [Step], id: &str) -> Option<&'t Step> {
    steps.iter().find_map(|step| {
        if step.id == id {
            return Some(step);
        }
        find_step(step.kind.nested_steps(), id)
    })
}

#[cfg(test)]
mod tests;
