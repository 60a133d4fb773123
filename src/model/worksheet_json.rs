//! A take-home worksheet as JSON (take-home format 2): what the browser page reads and
//! writes, fixed by `web/schema/worksheet.schema.json`, which the tests of both sides
//! check against. It carries the same worksheet as `TakeHomeFile` (the format-1 file, RON)
//! plus the form the page shows, already derived for its reader: the page needs no
//! protocol parser. `WebWorksheet::into_file` turns what comes back into the
//! `TakeHomeFile` the import checks, so both formats are brought back the same way.
//!
//! Names and answers are the couple's own: nothing here is ever logged.

use super::takehome::{Answer, QuestionDraft, TAKE_HOME_MAGIC, TakeHomeFile, WorksheetFor};
use super::{Bindings, Partner, Respondent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The take-home format of a JSON worksheet (format 1 is the RON file).
pub const WEB_WORKSHEET_FORMAT: u32 = 2;

/// A worksheet as the page reads and writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebWorksheet {
    pub magic: String,
    pub format: u32,
    pub worksheet: WebIdentity,
    pub form: WebForm,
    pub answers: Vec<WebAnswer>,
    pub list_so_far: Vec<WebQuestion>,
}

/// Who issued it to whom, and the reader's copy of the protocol: returned unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebIdentity {
    pub id: uuid::Uuid,
    pub token: String,
    pub practice: String,
    pub template_source: String,
    pub for_whom: WebFor,
    pub speaker: Option<WebPartner>,
    pub hurt_partner: Option<WebPartner>,
    pub name_a: String,
    pub name_b: String,
    pub issued_at: DateTime<Utc>,
    pub filled_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebFor {
    #[serde(rename = "couple")]
    Couple,
    #[serde(rename = "partner-a")]
    PartnerA,
    #[serde(rename = "partner-b")]
    PartnerB,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WebPartner {
    #[serde(rename = "a")]
    A,
    #[serde(rename = "b")]
    B,
}

/// Whose answer: both together, or one partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WebWho {
    #[serde(rename = "joint")]
    Joint,
    #[serde(rename = "a")]
    A,
    #[serde(rename = "b")]
    B,
}

/// What the page shows, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebForm {
    pub title: String,
    pub introduction: String,
    pub parts: Vec<WebPart>,
}

/// One step of the form. The fields after `kind` are those of its kind (the schema
/// says which); the others are left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebPart {
    pub step: String,
    pub title: String,
    pub prompts: Vec<String>,
    pub private: bool,
    pub kind: WebKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondents: Option<Vec<WebWho>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stems: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raters: Option<Vec<WebPartner>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Vec<WebScaleItem>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebKind {
    #[serde(rename = "read")]
    Read,
    #[serde(rename = "text")]
    Text,
    #[serde(rename = "choice")]
    Choice,
    #[serde(rename = "checklist")]
    Checklist,
    #[serde(rename = "rating")]
    Rating,
    #[serde(rename = "questions")]
    Questions,
}

/// One item of a rating scale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebScaleItem {
    pub id: String,
    pub label: String,
    pub min: u8,
    pub max: u8,
    pub low: String,
    pub high: String,
    pub anchors: Vec<String>,
}

/// One answer: a step and respondent's text, choice or ticks, one rated item, or the
/// questions added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebAnswer {
    pub step: String,
    pub kind: WebKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<WebWho>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticked: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rater: Option<WebPartner>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<WebQuestion>>,
}

impl WebAnswer {
    fn new(step: &str, kind: WebKind) -> WebAnswer {
        WebAnswer {
            step: step.to_string(),
            kind,
            who: None,
            text: None,
            chosen: None,
            ticked: None,
            rater: None,
            item: None,
            value: None,
            questions: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebQuestion {
    pub text: String,
    pub category: String,
    pub why: String,
}

impl From<&QuestionDraft> for WebQuestion {
    fn from(q: &QuestionDraft) -> Self {
        WebQuestion {
            text: q.text.clone(),
            category: q.category.clone(),
            why: q.why.clone(),
        }
    }
}

impl From<WebQuestion> for QuestionDraft {
    fn from(q: WebQuestion) -> Self {
        QuestionDraft {
            text: q.text,
            category: q.category,
            why: q.why,
        }
    }
}

impl From<Partner> for WebPartner {
    fn from(p: Partner) -> Self {
        match p {
            Partner::A => WebPartner::A,
            Partner::B => WebPartner::B,
        }
    }
}

impl From<WebPartner> for Partner {
    fn from(p: WebPartner) -> Self {
        match p {
            WebPartner::A => Partner::A,
            WebPartner::B => Partner::B,
        }
    }
}

impl WebWho {
    /// The page's name for a respondent; `None` for the therapist, who never answers at
    /// home.
    pub fn of(r: Respondent) -> Option<WebWho> {
        match r {
            Respondent::Joint => Some(WebWho::Joint),
            Respondent::Partner(Partner::A) => Some(WebWho::A),
            Respondent::Partner(Partner::B) => Some(WebWho::B),
            Respondent::Clinician => None,
        }
    }

    pub fn respondent(self) -> Respondent {
        match self {
            WebWho::Joint => Respondent::Joint,
            WebWho::A => Respondent::Partner(Partner::A),
            WebWho::B => Respondent::Partner(Partner::B),
        }
    }
}

/// Why a JSON worksheet cannot be read as a worksheet. Never holds answers.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebWorksheetError {
    #[error("this is not a Tandem worksheet")]
    NotAWorksheet,
    #[error("the worksheet is format {0}, which this Tandem cannot read")]
    Format(u32),
    #[error("the answer to step {step:?} is not of the kind the worksheet asks for")]
    Answer { step: String },
}

impl WebWorksheet {
    /// The page's worksheet for `file`, showing `form`.
    pub fn of(file: &TakeHomeFile, form: WebForm) -> WebWorksheet {
        let partner = |p: Option<Partner>| p.map(WebPartner::from);
        WebWorksheet {
            magic: TAKE_HOME_MAGIC.to_string(),
            format: WEB_WORKSHEET_FORMAT,
            worksheet: WebIdentity {
                id: file.id.0,
                token: file.token.clone(),
                practice: file.practice.clone(),
                template_source: file.template_source.clone(),
                for_whom: match file.for_whom {
                    WorksheetFor::Couple => WebFor::Couple,
                    WorksheetFor::Partner(Partner::A) => WebFor::PartnerA,
                    WorksheetFor::Partner(Partner::B) => WebFor::PartnerB,
                },
                speaker: partner(file.bindings.speaker),
                hurt_partner: partner(file.bindings.hurt_partner),
                name_a: file.name_a.clone(),
                name_b: file.name_b.clone(),
                issued_at: file.issued_at,
                filled_at: file.filled_at,
            },
            form,
            answers: answers_of(&file.answers),
            list_so_far: file.list_so_far.iter().map(WebQuestion::from).collect(),
        }
    }

    /// The worksheet as the import reads it: the same checks then apply as to a format-1
    /// file (issued by this practice, unaltered protocol copy, answers that fit it).
    pub fn into_file(self) -> Result<TakeHomeFile, WebWorksheetError> {
        if self.magic != TAKE_HOME_MAGIC {
            return Err(WebWorksheetError::NotAWorksheet);
        }
        if self.format != WEB_WORKSHEET_FORMAT {
            return Err(WebWorksheetError::Format(self.format));
        }
        let w = self.worksheet;
        Ok(TakeHomeFile {
            magic: TAKE_HOME_MAGIC.to_string(),
            format: super::TAKE_HOME_FORMAT,
            id: super::WorksheetId(w.id),
            token: w.token,
            practice: w.practice,
            template_source: w.template_source,
            for_whom: match w.for_whom {
                WebFor::Couple => WorksheetFor::Couple,
                WebFor::PartnerA => WorksheetFor::Partner(Partner::A),
                WebFor::PartnerB => WorksheetFor::Partner(Partner::B),
            },
            bindings: Bindings {
                speaker: w.speaker.map(Partner::from),
                hurt_partner: w.hurt_partner.map(Partner::from),
            },
            name_a: w.name_a,
            name_b: w.name_b,
            issued_at: w.issued_at,
            filled_at: w.filled_at,
            answers: answers_from(self.answers)?,
            list_so_far: self.list_so_far.into_iter().map(Into::into).collect(),
        })
    }
}

/// The file's answers as the page's list, in step order then respondent order.
fn answers_of(answers: &BTreeMap<String, Answer>) -> Vec<WebAnswer> {
    let mut out = Vec::new();
    for (step, answer) in answers {
        match answer {
            Answer::Text(by) => {
                for (r, text) in by {
                    if let Some(who) = WebWho::of(*r) {
                        let mut a = WebAnswer::new(step, WebKind::Text);
                        a.who = Some(who);
                        a.text = Some(text.clone());
                        out.push(a);
                    }
                }
            }
            Answer::Choice(by) | Answer::Checklist(by) => {
                let is_choice = matches!(answer, Answer::Choice(_));
                for (r, picked) in by {
                    if let Some(who) = WebWho::of(*r) {
                        let mut a = WebAnswer::new(
                            step,
                            if is_choice {
                                WebKind::Choice
                            } else {
                                WebKind::Checklist
                            },
                        );
                        a.who = Some(who);
                        if is_choice {
                            a.chosen = Some(picked.clone());
                        } else {
                            a.ticked = Some(picked.clone());
                        }
                        out.push(a);
                    }
                }
            }
            Answer::Rating(by) => {
                for (rater, items) in by {
                    for (item, value) in items {
                        let mut a = WebAnswer::new(step, WebKind::Rating);
                        a.rater = Some((*rater).into());
                        a.item = Some(item.clone());
                        a.value = Some(*value);
                        out.push(a);
                    }
                }
            }
            Answer::Questions(questions) => {
                let mut a = WebAnswer::new(step, WebKind::Questions);
                a.questions = Some(questions.iter().map(WebQuestion::from).collect());
                out.push(a);
            }
        }
    }
    out
}

/// The page's answers as the file's, one `Answer` per step. An answer without the field
/// its kind needs, or a step answered as two kinds, is refused.
fn answers_from(answers: Vec<WebAnswer>) -> Result<BTreeMap<String, Answer>, WebWorksheetError> {
    let mut out: BTreeMap<String, Answer> = BTreeMap::new();
    for a in answers {
        let bad = || WebWorksheetError::Answer {
            step: a.step.clone(),
        };
        let entry = out.entry(a.step.clone());
        match a.kind {
            WebKind::Text => {
                let (who, text) = a.who.zip(a.text.clone()).ok_or_else(bad)?;
                match entry.or_insert_with(|| Answer::Text(BTreeMap::new())) {
                    Answer::Text(by) => {
                        by.insert(who.respondent(), text);
                    }
                    _ => return Err(bad()),
                }
            }
            WebKind::Choice => {
                let (who, chosen) = a.who.zip(a.chosen.clone()).ok_or_else(bad)?;
                match entry.or_insert_with(|| Answer::Choice(BTreeMap::new())) {
                    Answer::Choice(by) => {
                        by.insert(who.respondent(), chosen);
                    }
                    _ => return Err(bad()),
                }
            }
            WebKind::Checklist => {
                let (who, ticked) = a.who.zip(a.ticked.clone()).ok_or_else(bad)?;
                match entry.or_insert_with(|| Answer::Checklist(BTreeMap::new())) {
                    Answer::Checklist(by) => {
                        by.insert(who.respondent(), ticked);
                    }
                    _ => return Err(bad()),
                }
            }
            WebKind::Rating => {
                let rater = a.rater.ok_or_else(bad)?;
                let item = a.item.clone().ok_or_else(bad)?;
                let value = a.value.ok_or_else(bad)?;
                match entry.or_insert_with(|| Answer::Rating(BTreeMap::new())) {
                    Answer::Rating(by) => {
                        by.entry(rater.into()).or_default().insert(item, value);
                    }
                    _ => return Err(bad()),
                }
            }
            WebKind::Questions => {
                let questions = a.questions.clone().ok_or_else(bad)?;
                match entry.or_insert_with(|| Answer::Questions(Vec::new())) {
                    Answer::Questions(list) => {
                        list.extend(questions.into_iter().map(QuestionDraft::from));
                    }
                    _ => return Err(bad()),
                }
            }
            WebKind::Read => return Err(bad()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> TakeHomeFile {
        let mut answers = BTreeMap::new();
        answers.insert(
            "went-well".to_string(),
            Answer::Text(BTreeMap::from([
                (Respondent::Joint, "We cooked".to_string()),
                (Respondent::Partner(Partner::B), "Quiet".to_string()),
            ])),
        );
        answers.insert(
            "mood".to_string(),
            Answer::Choice(BTreeMap::from([(
                Respondent::Partner(Partner::A),
                vec!["Calm".to_string()],
            )])),
        );
        answers.insert(
            "practice".to_string(),
            Answer::Checklist(BTreeMap::from([(
                Respondent::Joint,
                vec!["Walk".to_string(), "Talk".to_string()],
            )])),
        );
        answers.insert(
            "measures".to_string(),
            Answer::Rating(BTreeMap::from([(
                Partner::B,
                BTreeMap::from([("trust".to_string(), 7u8), ("heard".to_string(), 3u8)]),
            )])),
        );
        answers.insert(
            "questions".to_string(),
            Answer::Questions(vec![QuestionDraft {
                text: "Why?".into(),
                category: "Facts".into(),
                why: "To know".into(),
            }]),
        );
        TakeHomeFile {
            magic: TAKE_HOME_MAGIC.into(),
            format: super::super::TAKE_HOME_FORMAT,
            id: super::super::WorksheetId(uuid::Uuid::new_v4()),
            token: "token".into(),
            practice: "Harbour".into(),
            template_source: "(…)".into(),
            for_whom: WorksheetFor::Partner(Partner::B),
            bindings: Bindings {
                speaker: Some(Partner::B),
                hurt_partner: None,
            },
            name_a: "Robin".into(),
            name_b: "Jordan".into(),
            issued_at: chrono::DateTime::from_timestamp(1_790_000_000, 0).expect("time"),
            filled_at: None,
            answers,
            list_so_far: vec![QuestionDraft {
                text: "Before".into(),
                category: String::new(),
                why: String::new(),
            }],
        }
    }

    fn form() -> WebForm {
        WebForm {
            title: "Weekly".into(),
            introduction: String::new(),
            parts: Vec::new(),
        }
    }

    #[test]
    fn a_worksheet_goes_to_json_and_back_unchanged() {
        let file = file();
        let web = WebWorksheet::of(&file, form());
        let json = serde_json::to_string(&web).expect("json");
        let read: WebWorksheet = serde_json::from_str(&json).expect("reads");
        assert_eq!(read.into_file().expect("a worksheet"), file);
    }

    #[test]
    fn an_answer_without_its_field_or_of_two_kinds_is_refused() {
        let mut web = WebWorksheet::of(&file(), form());
        web.answers.push(WebAnswer::new("lonely", WebKind::Text));
        assert_eq!(
            web.clone().into_file(),
            Err(WebWorksheetError::Answer {
                step: "lonely".into()
            })
        );
        let mut web = WebWorksheet::of(&file(), form());
        let mut clash = WebAnswer::new("mood", WebKind::Text);
        clash.who = Some(WebWho::B);
        clash.text = Some("x".into());
        web.answers.push(clash);
        assert!(web.into_file().is_err());
    }

    #[test]
    fn another_magic_or_format_is_refused() {
        let mut web = WebWorksheet::of(&file(), form());
        web.format = 3;
        assert_eq!(web.clone().into_file(), Err(WebWorksheetError::Format(3)));
        web.magic = "something else".into();
        assert_eq!(web.into_file(), Err(WebWorksheetError::NotAWorksheet));
    }
}
