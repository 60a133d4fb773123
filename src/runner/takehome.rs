//! Take-home worksheets, pure: which steps of a protocol a couple (or one partner) can
//! fill in at home, a new worksheet for them, and turning a filled worksheet back into a
//! session record while refusing anything the issued worksheet did not ask for.
//!
//! What a take-home file may hold follows the same rules as every other view: never a
//! clinician-only step, never a private step in a file both partners open, never the
//! other partner's entries, and never a question list but its owner's.
//!
//! Must not depend on egui or the file system; time comes in as `now`.

use super::{Action, RunError, Runner, Start, respondents_of};
use crate::model::{
    Answer, Bindings, CoupleFacts, CoupleId, IssuedWorksheet, Partner, PartnerNames, QuestionDraft,
    QuestionStatus, QuestionsRecord, Respondent, Role, Session, SessionId, StepData,
    TAKE_HOME_FORMAT, TAKE_HOME_MAGIC, TakeHomeFile, Visibility, WorksheetFor, WorksheetId,
};
use crate::template::{RatingItem, Scoring, Step, StepKind, Template};
use chrono::{DateTime, Utc};

/// Longest text accepted in one answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 100_000;
/// Most questions one worksheet may add to a list.
pub const MAX_QUESTIONS: usize = 200;

/// Why a worksheet could not be made or brought back. Messages name steps and dates,
/// never anything a partner wrote.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TakeHomeError {
    #[error("\"{template_id}\" has nothing {} can fill in at home", for_whom.audience().reader())]
    NothingToFill {
        template_id: String,
        for_whom: WorksheetFor,
    },
    #[error(
        "the safety screen is answered in private with the therapist, never as a take-home worksheet"
    )]
    SafetyScreen,
    #[error("the protocol needs role {0:?} bound to a partner before a worksheet can be made")]
    Unbound(Role),
    #[error("this protocol is locked for this couple: {}", .0.join("; "))]
    Locked(Vec<String>),
    #[error(
        "this worksheet was not issued by this practice: it cannot be imported here (ask the couple which therapist gave it to them)"
    )]
    Foreign,
    #[error("the worksheet file was altered outside Tandem and is refused: {0}")]
    Tampered(String),
    #[error("this worksheet was issued for another couple and is refused")]
    WrongCouple,
    #[error("this worksheet was already brought back{0}; a second import is refused")]
    AlreadyImported(String),
    #[error("the protocol the worksheet was issued with no longer loads: {0}")]
    Template(String),
    #[error(
        "nothing was filled in on this worksheet, so it was not added: an empty worksheet goes into the record only when you confirm it should"
    )]
    NothingFilledIn,
}

/// What a worksheet asks of one step.
#[derive(Clone, Debug, PartialEq)]
pub enum PartKind {
    /// Prompts to read, nothing to fill in.
    Read,
    Text {
        respondents: Vec<Respondent>,
        stems: Vec<String>,
    },
    Choice {
        respondents: Vec<Respondent>,
        options: Vec<String>,
        multiple: bool,
    },
    Checklist {
        respondents: Vec<Respondent>,
        items: Vec<String>,
    },
    Rating {
        raters: Vec<Partner>,
        items: Vec<RatingItem>,
    },
    /// The owner adds questions to their list.
    Questions { categories: Vec<String> },
}

/// One step of a worksheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Part<'t> {
    pub step: &'t Step,
    pub kind: PartKind,
    /// Only the partner filling it in (and the therapist) will see it.
    pub is_private: bool,
}

impl Part<'_> {
    /// True when the part has something to fill in.
    pub fn is_fillable(&self) -> bool {
        self.kind != PartKind::Read
    }
}

/// Who of `respondents` may answer in a worksheet for `for_whom`.
fn allowed(respondents: Vec<Respondent>, for_whom: WorksheetFor) -> Vec<Respondent> {
    respondents
        .into_iter()
        .filter(|r| match (for_whom, r) {
            (_, Respondent::Clinician) => false,
            (WorksheetFor::Couple, _) => true,
            (WorksheetFor::Partner(p), Respondent::Partner(q)) => p == *q,
            (WorksheetFor::Partner(_), Respondent::Joint) => false,
        })
        .collect()
}

/// The steps of `template` a worksheet for `for_whom` shows, in order. Steps inside
/// repeats, dialogues, floors, plans and reply letters are run in session and never
/// appear.
pub fn parts(template: &Template, for_whom: WorksheetFor, bindings: Bindings) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    for step in &template.steps {
        let is_private = match step.visibility {
            Visibility::ClinicianOnly => continue,
            Visibility::PartnerPrivate if for_whom == WorksheetFor::Couple => continue,
            Visibility::PartnerPrivate => true,
            Visibility::Joint => false,
        };
        let kind = match &step.kind {
            StepKind::Script => {
                if step.prompts.is_empty() || is_private {
                    continue;
                }
                PartKind::Read
            }
            StepKind::Text {
                respondents, stems, ..
            } => PartKind::Text {
                respondents: allowed(respondents_of(*respondents, bindings), for_whom),
                stems: stems.clone(),
            },
            StepKind::Choice {
                respondents,
                options,
                multiple,
            } => PartKind::Choice {
                respondents: allowed(respondents_of(*respondents, bindings), for_whom),
                options: options.clone(),
                multiple: *multiple,
            },
            StepKind::Checklist { respondents, items } => PartKind::Checklist {
                respondents: allowed(respondents_of(*respondents, bindings), for_whom),
                items: items.clone(),
            },
            StepKind::Rating { raters, items, .. } => PartKind::Rating {
                raters: raters
                    .iter()
                    .filter_map(|role| bindings.partner(*role))
                    .filter(|p| match for_whom {
                        WorksheetFor::Couple => true,
                        WorksheetFor::Partner(q) => *p == q,
                    })
                    .collect(),
                items: items.clone(),
            },
            StepKind::Questions {
                owner,
                categories,
                answering,
            } => {
                let is_owners = matches!(
                    for_whom,
                    WorksheetFor::Partner(p) if bindings.partner(*owner) == Some(p)
                );
                // Only the owner builds their list at home; answers are given in session.
                if *answering || !is_owners {
                    continue;
                }
                PartKind::Questions {
                    categories: categories.clone(),
                }
            }
            // Run in session only, never at home (a yes/no screen is answered with the
            // therapist, alone).
            StepKind::YesNo { .. }
            | StepKind::SwapRoles
            | StepKind::Repeat { .. }
            | StepKind::ParaphraseLoop { .. }
            | StepKind::Floor { .. }
            | StepKind::Plan { .. }
            | StepKind::Reply { .. } => continue,
        };
        let empty = match &kind {
            PartKind::Text { respondents, .. }
            | PartKind::Choice { respondents, .. }
            | PartKind::Checklist { respondents, .. } => respondents.is_empty(),
            PartKind::Rating { raters, .. } => raters.is_empty(),
            PartKind::Read | PartKind::Questions { .. } => false,
        };
        if !empty {
            out.push(Part {
                step,
                kind,
                is_private,
            });
        }
    }
    out
}

/// A worksheet as the browser page shows it (take-home format 2): the file's worksheet
/// and the form of its `parts`, with role placeholders filled with the partners' names.
/// `template` is the protocol the file was issued from, or its reader's copy (their parts
/// are the same).
pub fn web_worksheet(
    template: &Template,
    file: &TakeHomeFile,
) -> crate::model::worksheet_json::WebWorksheet {
    use crate::model::worksheet_json::{
        WebForm, WebKind, WebPart, WebPartner, WebScaleItem, WebWho, WebWorksheet,
    };
    let fill = |text: &str| {
        crate::template::fill(text, |role| {
            file.bindings
                .partner(role)
                .map(|p| file.name_of(p).to_string())
        })
    };
    let fill_all = |texts: &[String]| texts.iter().map(|t| fill(t)).collect::<Vec<_>>();
    let who = |respondents: &[Respondent]| {
        respondents
            .iter()
            .filter_map(|r| WebWho::of(*r))
            .collect::<Vec<_>>()
    };
    let parts = parts(template, file.for_whom, file.bindings)
        .into_iter()
        .map(|part| {
            let mut web = WebPart {
                step: part.step.id.clone(),
                title: fill(&part.step.title),
                prompts: fill_all(&part.step.prompts),
                private: part.is_private,
                kind: WebKind::Read,
                respondents: None,
                stems: None,
                options: None,
                multiple: None,
                items: None,
                raters: None,
                scale: None,
                categories: None,
            };
            match part.kind {
                PartKind::Read => {}
                PartKind::Text { respondents, stems } => {
                    web.kind = WebKind::Text;
                    web.respondents = Some(who(&respondents));
                    web.stems = Some(fill_all(&stems));
                }
                PartKind::Choice {
                    respondents,
                    options,
                    multiple,
                } => {
                    web.kind = WebKind::Choice;
                    web.respondents = Some(who(&respondents));
                    // The option's own text: it is what is recorded and checked.
                    web.options = Some(options);
                    web.multiple = Some(multiple);
                }
                PartKind::Checklist { respondents, items } => {
                    web.kind = WebKind::Checklist;
                    web.respondents = Some(who(&respondents));
                    web.items = Some(items);
                }
                PartKind::Rating { raters, items } => {
                    web.kind = WebKind::Rating;
                    web.raters = Some(raters.into_iter().map(WebPartner::from).collect());
                    web.scale = Some(
                        items
                            .iter()
                            .map(|i| WebScaleItem {
                                id: i.id.clone(),
                                label: fill(&i.label),
                                min: i.min,
                                max: i.max,
                                low: fill(&i.low),
                                high: fill(&i.high),
                                anchors: fill_all(&i.anchors),
                            })
                            .collect(),
                    );
                }
                PartKind::Questions { categories } => {
                    web.kind = WebKind::Questions;
                    web.categories = Some(categories);
                }
            }
            web
        })
        .collect();
    WebWorksheet::of(
        file,
        WebForm {
            title: fill(&template.title),
            introduction: template
                .introduction
                .as_deref()
                .map(fill)
                .unwrap_or_default(),
            parts,
        },
    )
}

/// The summary and source a reader's copy carries in place of the protocol's own, which
/// are written for the therapist (and a template must have both).
const READER_SUMMARY: &str = "A worksheet to fill in at home.";
const READER_SOURCE: &str = "Given to you by your therapist.";

/// What a take-home file carries of the protocol: only what its reader may read. The
/// steps the worksheet shows (`parts`), in order, with their titles and prompts, but
/// without the therapist's instructions, gates or a scale's scoring; a neutral summary
/// and source; and nothing of a clinician-only step, a step run in session or a step for
/// another reader. The couple hold the passphrase, so whatever the file holds, they can
/// read with any age tool: the therapist's text must never be in it.
///
/// The fill window shows the worksheet from this copy (`parts` of it are the same as
/// `parts` of the whole protocol); bringing the file back checks that it still carries
/// exactly the copy the practice recorded, and the answers against the practice's own
/// copy of the whole protocol.
pub fn reader_copy(template: &Template, for_whom: WorksheetFor, bindings: Bindings) -> Template {
    let steps = parts(template, for_whom, bindings)
        .into_iter()
        .map(|part| Step {
            id: part.step.id.clone(),
            title: part.step.title.clone(),
            therapist: String::new(),
            prompts: part.step.prompts.clone(),
            timebox_mins: part.step.timebox_mins,
            visibility: part.step.visibility,
            gates: Vec::new(),
            kind: reader_kind(&part.step.kind),
        })
        .collect();
    Template {
        format: template.format,
        id: template.id.clone(),
        title: template.title.clone(),
        summary: READER_SUMMARY.into(),
        introduction: template.introduction.clone(),
        between_sessions: None,
        source: READER_SOURCE.into(),
        trust: Vec::new(),
        length_mins: 0,
        roles: template.roles.clone(),
        requires: Vec::new(),
        // A screen is never taken home (see `issue`).
        screen: None,
        steps,
    }
}

/// A step's kind as a reader's copy holds it: a scale without its scoring (the cutoff
/// and its flag are the therapist's reading of the total).
fn reader_kind(kind: &StepKind) -> StepKind {
    match kind {
        StepKind::Rating { raters, items, .. } => StepKind::Rating {
            raters: raters.clone(),
            items: items.clone(),
            scoring: Scoring::None,
        },
        StepKind::Script
        | StepKind::SwapRoles
        | StepKind::Repeat { .. }
        | StepKind::ParaphraseLoop { .. }
        | StepKind::Floor { .. }
        | StepKind::Questions { .. }
        | StepKind::Plan { .. }
        | StepKind::Text { .. }
        | StepKind::Choice { .. }
        | StepKind::Checklist { .. }
        | StepKind::YesNo { .. }
        | StepKind::Reply { .. } => kind.clone(),
    }
}

/// Whether `template` has anything `for_whom` could fill in at home.
pub fn has_take_home(template: &Template, for_whom: WorksheetFor, bindings: Bindings) -> bool {
    template.screen.is_none()
        && parts(template, for_whom, bindings)
            .iter()
            .any(Part::is_fillable)
}

/// What the caller knows when handing out a worksheet.
#[derive(Clone, Debug)]
pub struct Issue {
    pub id: WorksheetId,
    /// A random secret (hex) shared by the record and the file.
    pub token: String,
    /// The template text exactly as loaded.
    pub template_source: String,
    pub for_whom: WorksheetFor,
    pub bindings: Bindings,
    /// The couple and what is known of their safety, when it is made for one couple.
    pub couple: Option<(CoupleId, PartnerNames, CoupleFacts)>,
    pub practice: String,
    /// The owner's question list as it stands (see `latest_questions`): shown in the
    /// worksheet of the partner who owns it, and nobody else's.
    pub questions: Option<QuestionsRecord>,
}

/// The latest question list `owner` has in these sessions, if any: what a new session
/// (or a take-home worksheet) of theirs continues from.
pub fn latest_questions(sessions: &[Session], owner: Partner) -> Option<QuestionsRecord> {
    let mut ordered: Vec<&Session> = sessions.iter().collect();
    ordered.sort_by_key(|s| s.started_at);
    ordered
        .iter()
        .rev()
        .flat_map(|s| s.steps.iter().rev())
        .find_map(|step| {
            let StepData::Questions(q) = &step.data else {
                return None;
            };
            (q.owner == owner && !q.items.is_empty()).then(|| q.clone())
        })
}

/// A new worksheet: the practice's record of it and the file to give the couple.
pub fn issue(
    template: &Template,
    issue: Issue,
    now: DateTime<Utc>,
) -> Result<(IssuedWorksheet, TakeHomeFile), TakeHomeError> {
    if template.screen.is_some() {
        return Err(TakeHomeError::SafetyScreen);
    }
    for role in &template.roles {
        if issue.bindings.partner(*role).is_none() {
            return Err(TakeHomeError::Unbound(*role));
        }
    }
    if let Some((_, _, facts)) = &issue.couple {
        let locked = super::locked_because(template, facts);
        if !locked.is_empty() {
            return Err(TakeHomeError::Locked(locked));
        }
    }
    if !has_take_home(template, issue.for_whom, issue.bindings) {
        return Err(TakeHomeError::NothingToFill {
            template_id: template.id.clone(),
            for_whom: issue.for_whom,
        });
    }
    let has_list = parts(template, issue.for_whom, issue.bindings)
        .iter()
        .any(|p| matches!(p.kind, PartKind::Questions { .. }));
    let list_so_far = match (issue.for_whom, issue.questions) {
        (WorksheetFor::Partner(p), Some(list)) if has_list && list.owner == p => list
            .items
            .into_iter()
            .filter(|q| q.status != QuestionStatus::Withdrawn)
            .map(|q| QuestionDraft {
                text: q.text,
                category: q.category,
                why: q.why,
            })
            .collect(),
        _ => Vec::new(),
    };
    // The file gets the reader's copy, read back as the fill window will read it: a copy
    // that would not open is refused here, before anything is issued.
    let file_source =
        crate::template::snapshot(&reader_copy(template, issue.for_whom, issue.bindings))
            .map_err(TakeHomeError::Template)?;
    crate::template::from_snapshot(&file_source).map_err(|e| {
        TakeHomeError::Template(format!("the worksheet's copy of the protocol: {e}"))
    })?;
    let (couple, names) = match issue.couple {
        Some((id, names, _)) => (Some(id), names),
        None => (
            None,
            PartnerNames {
                a: "Partner A".into(),
                b: "Partner B".into(),
                ..Default::default()
            },
        ),
    };
    let record = IssuedWorksheet {
        format: TAKE_HOME_FORMAT,
        id: issue.id,
        token: issue.token.clone(),
        template_id: template.id.clone(),
        template_title: template.title.clone(),
        template_source: issue.template_source,
        file_source: Some(file_source.clone()),
        for_whom: issue.for_whom,
        couple,
        bindings: issue.bindings,
        issued_at: now,
        imported: None,
    };
    let file = TakeHomeFile {
        magic: TAKE_HOME_MAGIC.to_string(),
        format: TAKE_HOME_FORMAT,
        id: issue.id,
        token: issue.token,
        practice: issue.practice,
        template_source: file_source,
        for_whom: issue.for_whom,
        bindings: issue.bindings,
        name_a: names.a,
        name_b: names.b,
        issued_at: now,
        filled_at: None,
        answers: Default::default(),
        list_so_far,
    };
    Ok((record, file))
}

fn tampered(step: &str, what: &str) -> TakeHomeError {
    TakeHomeError::Tampered(format!("step \"{step}\": {what}"))
}

fn check_text(step: &str, text: &str) -> Result<(), TakeHomeError> {
    if text.chars().count() > MAX_ANSWER_CHARS {
        Err(tampered(
            step,
            &format!("an answer is longer than {MAX_ANSWER_CHARS} characters"),
        ))
    } else {
        Ok(())
    }
}

/// The actions that record `answer` in step `part`, or why the answer is not one the
/// worksheet asked for.
fn actions_for(part: &Part<'_>, answer: &Answer) -> Result<Vec<Action>, TakeHomeError> {
    let step = part.step.id.as_str();
    let mut actions = Vec::new();
    let who = |respondents: &[Respondent], r: &Respondent| {
        if respondents.contains(r) {
            Ok(())
        } else {
            Err(tampered(
                step,
                "it holds an answer by someone it was not for",
            ))
        }
    };
    let other_kind = || tampered(step, "the answer is of another kind than the step");
    match &part.kind {
        PartKind::Read => return Err(tampered(step, "it holds answers to a text to read")),
        PartKind::Text { respondents, .. } => {
            let Answer::Text(entries) = answer else {
                return Err(other_kind());
            };
            for (respondent, text) in entries {
                who(respondents, respondent)?;
                check_text(step, text)?;
                if !text.trim().is_empty() {
                    actions.push(Action::WriteText {
                        respondent: *respondent,
                        text: text.clone(),
                    });
                }
            }
        }
        PartKind::Choice {
            respondents,
            options,
            multiple,
        } => {
            let Answer::Choice(entries) = answer else {
                return Err(other_kind());
            };
            for (respondent, chosen) in entries {
                who(respondents, respondent)?;
                if !multiple && chosen.len() > 1 {
                    return Err(tampered(step, "more than one option is chosen"));
                }
                for option in chosen {
                    if !options.contains(option) {
                        return Err(tampered(step, "a chosen option is not one of the step's"));
                    }
                    actions.push(Action::Choose {
                        respondent: *respondent,
                        option: option.clone(),
                        selected: true,
                    });
                }
            }
        }
        PartKind::Checklist { respondents, items } => {
            let Answer::Checklist(entries) = answer else {
                return Err(other_kind());
            };
            for (respondent, ticked) in entries {
                who(respondents, respondent)?;
                for item in ticked {
                    if !items.contains(item) {
                        return Err(tampered(step, "a ticked item is not one of the step's"));
                    }
                    actions.push(Action::Check {
                        respondent: *respondent,
                        item: item.clone(),
                        checked: true,
                    });
                }
            }
        }
        PartKind::Rating { raters, .. } => {
            let Answer::Rating(values) = answer else {
                return Err(other_kind());
            };
            for (rater, items) in values {
                if !raters.contains(rater) {
                    return Err(tampered(
                        step,
                        "it holds a rating by someone it was not for",
                    ));
                }
                for (item, value) in items {
                    actions.push(Action::Rate {
                        rater: *rater,
                        item: item.clone(),
                        value: *value,
                    });
                }
            }
        }
        PartKind::Questions { .. } => {
            let Answer::Questions(questions) = answer else {
                return Err(other_kind());
            };
            if questions.len() > MAX_QUESTIONS {
                return Err(tampered(
                    step,
                    &format!("more than {MAX_QUESTIONS} questions"),
                ));
            }
            for q in questions {
                check_text(step, &q.text)?;
                check_text(step, &q.why)?;
                if q.text.trim().is_empty() {
                    continue;
                }
                actions.push(Action::AddQuestion {
                    text: q.text.clone(),
                    category: q.category.clone(),
                    why: q.why.clone(),
                });
            }
        }
    }
    Ok(actions)
}

/// Check that every answer in `file` is one its worksheet asks for, with valid values.
/// The fill window runs this before saving; `import` runs it again on what comes back.
pub fn check_answers(template: &Template, file: &TakeHomeFile) -> Result<(), TakeHomeError> {
    let parts = parts(template, file.for_whom, file.bindings);
    for (step, answer) in &file.answers {
        let part = parts
            .iter()
            .find(|p| &p.step.id == step)
            .ok_or_else(|| tampered(step, "the worksheet does not include this step"))?;
        actions_for(part, answer)?;
    }
    Ok(())
}

/// Whether anything was filled in: at least one answer that records something (a text
/// with more than spaces, a tick, a choice, a rating, a question with words), as the
/// worksheet for `template` asks it. A worksheet with none would come back as a session
/// "filled in at home" holding nothing, so bringing it back asks first.
pub fn is_filled_in(template: &Template, file: &TakeHomeFile) -> bool {
    let parts = parts(template, file.for_whom, file.bindings);
    file.answers.iter().any(|(step, answer)| {
        parts
            .iter()
            .find(|p| &p.step.id == step)
            .and_then(|part| actions_for(part, answer).ok())
            .is_some_and(|actions| !actions.is_empty())
    })
}

/// Check that `file` is the worksheet `issued` describes, unchanged, and may be brought
/// into `couple`'s record.
pub fn check_issued(
    issued: &IssuedWorksheet,
    file: &TakeHomeFile,
    couple: CoupleId,
) -> Result<(), TakeHomeError> {
    if file.id != issued.id || file.token != issued.token {
        return Err(TakeHomeError::Foreign);
    }
    let given = issued
        .file_source
        .as_deref()
        .unwrap_or(&issued.template_source);
    if file.template_source != given {
        return Err(TakeHomeError::Tampered(
            "its protocol differs from the one issued".into(),
        ));
    }
    if file.for_whom != issued.for_whom || file.bindings != issued.bindings {
        return Err(TakeHomeError::Tampered(
            "who it is for differs from what was issued".into(),
        ));
    }
    if file.issued_at != issued.issued_at {
        return Err(TakeHomeError::Tampered(
            "its issue date differs from the one issued".into(),
        ));
    }
    if issued.couple.is_some_and(|c| c != couple) {
        return Err(TakeHomeError::WrongCouple);
    }
    if let Some(done) = &issued.imported {
        return Err(TakeHomeError::AlreadyImported(format!(
            " on {}",
            done.at.format("%Y-%m-%d")
        )));
    }
    Ok(())
}

/// What the practice knows of the couple when a worksheet comes back.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub facts: CoupleFacts,
    /// The couple's latest question list (see `latest_questions`): questions written at
    /// home are added to it, as in a session.
    pub questions: Option<QuestionsRecord>,
}

/// Turn a filled worksheet into a new, ended session record of `couple`, as if its steps
/// had been filled in during a session. Checks the file against `issued` and every answer
/// against the issued protocol first; on any error nothing is made.
pub fn import(
    template: &Template,
    issued: &IssuedWorksheet,
    file: &TakeHomeFile,
    couple: CoupleId,
    known: Known,
    session: SessionId,
    now: DateTime<Utc>,
) -> Result<Session, TakeHomeError> {
    check_issued(issued, file, couple)?;
    if template.screen.is_some() {
        return Err(TakeHomeError::SafetyScreen);
    }
    if template.id != issued.template_id {
        return Err(TakeHomeError::Template(
            "its id differs from the one issued".into(),
        ));
    }
    let parts = parts(template, file.for_whom, file.bindings);
    let mut planned = Vec::new();
    for (step, answer) in &file.answers {
        let part = parts
            .iter()
            .find(|p| &p.step.id == step)
            .ok_or_else(|| tampered(step, "the worksheet does not include this step"))?;
        planned.push((step.as_str(), actions_for(part, answer)?));
    }
    // A date outside the worksheet's life is not believed.
    let filled_at = file
        .filled_at
        .filter(|at| *at >= issued.issued_at && *at <= now)
        .unwrap_or(now);
    let mut runner = Runner::start(
        template,
        Start {
            session,
            couple,
            bindings: issued.bindings,
            facts: known.facts,
            questions: known.questions,
        },
        issued.issued_at,
    )
    .map_err(|e| match e {
        RunError::Locked(reasons) => TakeHomeError::Locked(reasons),
        other => TakeHomeError::Template(other.to_string()),
    })?;
    for (step, actions) in planned {
        let index = runner
            .session()
            .steps
            .iter()
            .position(|r| r.step_id == step && r.pass == 1)
            .ok_or_else(|| tampered(step, "the protocol has no such step"))?;
        for action in actions {
            runner
                .record_out_of_order(index, action, filled_at)
                .map_err(|e| tampered(step, &e.to_string()))?;
        }
    }
    runner
        .apply(Action::End, filled_at)
        .map_err(|e| TakeHomeError::Template(e.to_string()))?;
    runner.finish_take_home(issued.id);
    Ok(runner.into_session())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Audience, Partner, QuestionDraft, SafetyDecision, StepData, StepStatus, redact,
    };
    use crate::template::Library;
    use chrono::TimeZone;
    use std::collections::{BTreeMap, BTreeSet};

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
    }

    fn template(id: &str) -> Template {
        Library::builtin()
            .get(id)
            .expect("shipped template")
            .clone()
    }

    fn cleared() -> CoupleFacts {
        CoupleFacts {
            screened: BTreeSet::from(Partner::BOTH),
            safety_decision: Some(SafetyDecision::JointWork),
        }
    }

    fn known() -> Known {
        Known {
            facts: cleared(),
            questions: None,
        }
    }

    const COUPLE: CoupleId = CoupleId(uuid::Uuid::from_u128(1));

    fn hurt_a() -> Bindings {
        Bindings {
            speaker: None,
            hurt_partner: Some(Partner::A),
        }
    }

    fn issued(
        t: &Template,
        for_whom: WorksheetFor,
        bindings: Bindings,
    ) -> (IssuedWorksheet, TakeHomeFile) {
        issue(
            t,
            Issue {
                id: WorksheetId(uuid::Uuid::from_u128(9)),
                token: "ab".repeat(32),
                template_source: crate::template::snapshot(t).unwrap(),
                for_whom,
                bindings,
                couple: Some((
                    COUPLE,
                    PartnerNames {
                        a: "Robin".into(),
                        b: "Kai".into(),
                        ..Default::default()
                    },
                    cleared(),
                )),
                practice: "Practice".into(),
                questions: None,
            },
            at(9),
        )
        .unwrap()
    }

    fn ids(parts: &[Part<'_>]) -> Vec<String> {
        parts
            .iter()
            .filter(|p| p.is_fillable())
            .map(|p| p.step.id.clone())
            .collect()
    }

    #[test]
    fn each_partner_gets_only_their_own_private_steps_and_no_clinician_step() {
        let t = template("disclosure-preparation");
        assert_eq!(
            ids(&parts(&t, WorksheetFor::Partner(Partner::A), hurt_a())),
            ["questions"]
        );
        assert_eq!(
            ids(&parts(&t, WorksheetFor::Partner(Partner::B), hurt_a())),
            ["draft"]
        );
        assert!(ids(&parts(&t, WorksheetFor::Couple, hurt_a())).is_empty());
        assert!(!has_take_home(&t, WorksheetFor::Couple, hurt_a()));
    }

    #[test]
    fn a_couple_worksheet_has_both_partners_and_joint_answers_and_one_partners_only_theirs() {
        let t = template("weekly-check-in");
        let couple = parts(&t, WorksheetFor::Couple, Bindings::default());
        let appreciations = couple
            .iter()
            .find(|p| p.step.id == "appreciations")
            .unwrap();
        assert!(
            matches!(&appreciations.kind, PartKind::Text { respondents, .. }
            if respondents == &[Respondent::Partner(Partner::A), Respondent::Partner(Partner::B)])
        );
        let alone = parts(&t, WorksheetFor::Partner(Partner::B), Bindings::default());
        assert!(alone.iter().all(|p| match &p.kind {
            PartKind::Text { respondents, .. } | PartKind::Choice { respondents, .. } =>
                respondents == &[Respondent::Partner(Partner::B)],
            PartKind::Rating { raters, .. } => raters == &[Partner::B],
            _ => true,
        }));
        assert!(
            !alone.iter().any(|p| p.step.id == "went-well"),
            "a joint answer is not one partner's"
        );
    }

    #[test]
    fn the_safety_screen_is_never_a_take_home_worksheet() {
        let t = template("safety-screen");
        for w in WorksheetFor::ALL {
            assert!(!has_take_home(&t, w, Bindings::default()));
        }
        let error = issue(
            &t,
            Issue {
                id: WorksheetId(uuid::Uuid::from_u128(9)),
                token: "t".into(),
                template_source: String::new(),
                for_whom: WorksheetFor::Partner(Partner::A),
                bindings: Bindings::default(),
                couple: None,
                practice: String::new(),
                questions: None,
            },
            at(9),
        )
        .unwrap_err();
        assert_eq!(error, TakeHomeError::SafetyScreen);
    }

    #[test]
    fn a_locked_protocol_cannot_be_issued_to_an_unscreened_couple() {
        let t = template("weekly-check-in");
        let error = issue(
            &t,
            Issue {
                id: WorksheetId(uuid::Uuid::from_u128(9)),
                token: "t".into(),
                template_source: String::new(),
                for_whom: WorksheetFor::Couple,
                bindings: Bindings::default(),
                couple: Some((COUPLE, PartnerNames::default(), CoupleFacts::default())),
                practice: String::new(),
                questions: None,
            },
            at(9),
        )
        .unwrap_err();
        assert!(matches!(error, TakeHomeError::Locked(_)), "{error}");
    }

    #[test]
    fn a_filled_worksheet_becomes_an_ended_session_with_the_answers() {
        let t = template("disclosure-preparation");
        let (record, mut file) = issued(&t, WorksheetFor::Partner(Partner::A), hurt_a());
        file.answers.insert(
            "questions".into(),
            Answer::Questions(vec![
                QuestionDraft {
                    text: "When did it start?".into(),
                    category: "Timeline and scope".into(),
                    why: "I keep doubting my memory".into(),
                },
                QuestionDraft {
                    text: "  ".into(),
                    category: String::new(),
                    why: String::new(),
                },
            ]),
        );
        file.filled_at = Some(at(20));
        let session = bring_back(&t, &record, &file, COUPLE, known()).unwrap();
        assert_eq!(session.take_home, Some(record.id));
        assert_eq!(session.ended_at, Some(at(20)));
        assert!(
            session.steps.iter().all(|s| s.active_secs == 0),
            "time at home is not measured"
        );
        let intro = session.steps.iter().find(|s| s.step_id == "intro").unwrap();
        assert_eq!(intro.status, StepStatus::Pending, "nothing filled in there");
        assert_eq!(intro.first_entered_at, None);
        let step = session
            .steps
            .iter()
            .find(|s| s.step_id == "questions")
            .unwrap();
        assert_eq!(step.status, StepStatus::Done);
        let StepData::Questions(list) = &step.data else {
            panic!()
        };
        assert_eq!(list.items.len(), 1, "an empty question is not added");
        assert_eq!(list.items[0].why, "I keep doubting my memory");
        assert!(
            list.released_at.is_none(),
            "the list stays private until released"
        );
    }

    #[test]
    fn a_private_answer_from_home_reaches_only_its_partner_and_the_clinician() {
        let t = template("disclosure-preparation");
        let (record, mut file) = issued(&t, WorksheetFor::Partner(Partner::B), hurt_a());
        file.answers.insert(
            "draft".into(),
            Answer::Text(BTreeMap::from([(
                Respondent::Partner(Partner::B),
                "CANARY-HOME-DRAFT".to_string(),
            )])),
        );
        let session = bring_back(&t, &record, &file, COUPLE, known()).unwrap();
        let shows = |audience| {
            format!("{:?}", redact(&session, audience).shown).contains("CANARY-HOME-DRAFT")
        };
        assert!(shows(Audience::Clinician));
        assert!(shows(Audience::Partner(Partner::B)));
        assert!(!shows(Audience::Partner(Partner::A)));
        assert!(!shows(Audience::Couple));
    }

    /// Bring `file` back into `couple`'s record as the practice does (the session's id
    /// derived from the worksheet's).
    fn bring_back(
        t: &Template,
        record: &IssuedWorksheet,
        file: &TakeHomeFile,
        couple: CoupleId,
        known: Known,
    ) -> Result<Session, TakeHomeError> {
        import(
            t,
            record,
            file,
            couple,
            known,
            record.id.session_id(),
            at(22),
        )
    }

    fn refused(file: &TakeHomeFile, record: &IssuedWorksheet, t: &Template) -> TakeHomeError {
        bring_back(t, record, file, COUPLE, known()).unwrap_err()
    }

    #[test]
    fn answers_the_worksheet_did_not_ask_for_are_refused_as_tampering() {
        let t = template("weekly-check-in");
        let (record, file) = issued(&t, WorksheetFor::Partner(Partner::A), Bindings::default());
        let text = |r: Respondent| Answer::Text(BTreeMap::from([(r, "x".to_string())]));
        let cases: Vec<(&str, Answer)> = vec![
            // A joint step is not in a one-partner worksheet.
            ("went-well", text(Respondent::Joint)),
            // The other partner's answer.
            ("appreciations", text(Respondent::Partner(Partner::B))),
            // A step that does not exist.
            ("no-such-step", text(Respondent::Partner(Partner::A))),
            // The wrong kind of answer.
            ("appreciations", Answer::Questions(vec![])),
            // Values outside the scale.
            (
                "ratings",
                Answer::Rating(BTreeMap::from([(
                    Partner::A,
                    BTreeMap::from([("trust".to_string(), 11)]),
                )])),
            ),
        ];
        for (step, answer) in cases {
            let mut bad = file.clone();
            bad.answers.insert(step.into(), answer);
            assert!(
                matches!(refused(&bad, &record, &t), TakeHomeError::Tampered(_)),
                "{step}"
            );
        }
        let mut choice = issued(&t, WorksheetFor::Couple, Bindings::default());
        choice.1.answers.insert(
            "issue-protocol".into(),
            Answer::Choice(BTreeMap::from([(
                Respondent::Joint,
                vec!["Not an option".to_string()],
            )])),
        );
        assert!(matches!(
            refused(&choice.1, &choice.0, &t),
            TakeHomeError::Tampered(_)
        ));
    }

    #[test]
    fn a_file_that_does_not_match_its_issue_record_is_refused() {
        let t = template("weekly-check-in");
        let (record, file) = issued(&t, WorksheetFor::Couple, Bindings::default());
        let mut foreign = file.clone();
        foreign.token = "cd".repeat(32);
        assert_eq!(refused(&foreign, &record, &t), TakeHomeError::Foreign);
        let mut changed = file.clone();
        changed.template_source = changed
            .template_source
            .replace("appreciations", "appreciation");
        assert!(matches!(
            refused(&changed, &record, &t),
            TakeHomeError::Tampered(_)
        ));
        let mut widened = file.clone();
        widened.for_whom = WorksheetFor::Partner(Partner::A);
        assert!(matches!(
            refused(&widened, &record, &t),
            TakeHomeError::Tampered(_)
        ));
        let other = CoupleId(uuid::Uuid::from_u128(2));
        assert_eq!(
            bring_back(&t, &record, &file, other, known()).unwrap_err(),
            TakeHomeError::WrongCouple
        );
        let mut done = record.clone();
        done.imported = Some(crate::model::ImportedWorksheet {
            at: at(21),
            couple: COUPLE,
            session: record.id.session_id(),
        });
        assert!(matches!(
            refused(&file, &done, &t),
            TakeHomeError::AlreadyImported(_)
        ));
    }

    #[test]
    fn a_worksheet_cannot_be_brought_in_once_the_couple_is_locked_again() {
        let t = template("weekly-check-in");
        let (record, file) = issued(&t, WorksheetFor::Couple, Bindings::default());
        let error = bring_back(&t, &record, &file, COUPLE, Known::default()).unwrap_err();
        assert!(matches!(error, TakeHomeError::Locked(_)));
    }

    /// A part as the fill window uses it: step id, what it asks, whether it is private.
    fn shape(parts: &[Part<'_>]) -> Vec<(String, PartKind, bool)> {
        parts
            .iter()
            .map(|p| (p.step.id.clone(), p.kind.clone(), p.is_private))
            .collect()
    }

    #[test]
    fn a_readers_copy_shows_the_same_worksheet_without_therapist_text_for_every_shipped_protocol() {
        let mut copies = 0;
        for (_, t) in &Library::builtin().templates {
            for for_whom in WorksheetFor::ALL {
                for p in Partner::BOTH {
                    let bindings = Bindings {
                        speaker: Some(p),
                        hurt_partner: Some(p),
                    };
                    if !has_take_home(t, for_whom, bindings) {
                        continue;
                    }
                    let copy = reader_copy(t, for_whom, bindings);
                    let text = crate::template::snapshot(&copy).unwrap();
                    let back = crate::template::from_snapshot(&text)
                        .unwrap_or_else(|e| panic!("{} for {for_whom:?}: {e}", t.id));
                    assert_eq!(
                        shape(&parts(&back, for_whom, bindings)),
                        shape(&parts(t, for_whom, bindings)),
                        "{} for {for_whom:?}",
                        t.id
                    );
                    assert!(back.steps.iter().all(|s| s.therapist.is_empty()
                        && s.gates.is_empty()
                        && !matches!(
                            s.kind,
                            StepKind::Rating {
                                scoring: Scoring::Sum { .. },
                                ..
                            }
                        )));
                    assert_ne!(back.summary, t.summary, "the summary is the therapist's");
                    assert_ne!(back.source, t.source);
                    copies += 1;
                }
            }
        }
        assert!(copies > 20, "{copies}");
    }

    #[test]
    fn an_issued_file_carries_the_readers_copy_and_the_record_keeps_the_whole_protocol() {
        let mut t = template("weekly-check-in");
        t.steps[1].therapist = "CANARY-THERAPIST-TEXT".into();
        t.steps.push(Step {
            id: "b-alone".into(),
            title: "CANARY-OTHER-READER-TITLE".into(),
            therapist: String::new(),
            prompts: vec!["CANARY-OTHER-READER-PROMPT".into()],
            timebox_mins: None,
            visibility: Visibility::PartnerPrivate,
            gates: Vec::new(),
            kind: StepKind::Text {
                respondents: crate::model::Respondents::Role(Role::PartnerB),
                stems: Vec::new(),
                letter: false,
            },
        });
        let (record, file) = issued(&t, WorksheetFor::Partner(Partner::A), Bindings::default());
        assert!(record.template_source.contains("CANARY-THERAPIST-TEXT"));
        assert!(record.template_source.contains("CANARY-OTHER-READER"));
        assert_eq!(
            record.file_source.as_deref(),
            Some(file.template_source.as_str())
        );
        assert!(
            !file.template_source.contains("CANARY"),
            "{}",
            file.template_source
        );
        // Partner B's own file has their step; neither has the therapist's text.
        let (_, theirs) = issued(&t, WorksheetFor::Partner(Partner::B), Bindings::default());
        assert!(
            theirs
                .template_source
                .contains("CANARY-OTHER-READER-PROMPT")
        );
        assert!(!theirs.template_source.contains("CANARY-THERAPIST-TEXT"));
        // It comes back against the whole protocol the practice kept.
        let mut filled = file.clone();
        filled.answers.insert(
            "feel-loved".into(),
            Answer::Text(BTreeMap::from([(
                Respondent::Partner(Partner::A),
                "a walk".to_string(),
            )])),
        );
        let whole = crate::template::from_snapshot(&record.template_source).unwrap();
        assert!(bring_back(&whole, &record, &filled, COUPLE, known()).is_ok());
    }

    #[test]
    fn a_worksheet_issued_before_files_held_the_readers_copy_still_comes_back() {
        let t = template("weekly-check-in");
        let (mut record, mut file) = issued(&t, WorksheetFor::Couple, Bindings::default());
        record.file_source = None;
        file.template_source = record.template_source.clone();
        assert!(bring_back(&t, &record, &file, COUPLE, known()).is_ok());
        // But then only with the whole protocol it was given, not the reader's copy.
        file.template_source = snapshot_of(&reader_copy(&t, WorksheetFor::Couple, file.bindings));
        assert!(matches!(
            refused(&file, &record, &t),
            TakeHomeError::Tampered(m) if m.contains("protocol differs")
        ));
    }

    fn snapshot_of(t: &Template) -> String {
        crate::template::snapshot(t).unwrap()
    }

    /// The message of a refusal as `Tampered` (panics on anything else).
    fn tampering(error: TakeHomeError) -> String {
        match error {
            TakeHomeError::Tampered(message) => message,
            other => panic!("not refused as altered: {other:?}"),
        }
    }

    /// Both checks an answer goes through refuse `file` as altered with `why`: the fill
    /// window's (before every save) and the import's.
    fn refused_for(t: &Template, record: &IssuedWorksheet, file: &TakeHomeFile, why: &str) {
        let checked = tampering(check_answers(t, file).unwrap_err());
        assert!(checked.contains(why), "{checked}");
        let imported = tampering(refused(file, record, t));
        assert!(imported.contains(why), "{imported}");
    }

    #[test]
    fn an_answer_longer_than_the_cap_is_refused() {
        let t = template("weekly-check-in");
        let (record, mut file) = issued(&t, WorksheetFor::Partner(Partner::A), Bindings::default());
        let me = Respondent::Partner(Partner::A);
        file.answers.insert(
            "feel-loved".into(),
            Answer::Text(BTreeMap::from([(me, "x".repeat(MAX_ANSWER_CHARS))])),
        );
        check_answers(&t, &file).expect("exactly the cap is accepted");
        file.answers.insert(
            "feel-loved".into(),
            Answer::Text(BTreeMap::from([(me, "é".repeat(MAX_ANSWER_CHARS + 1))])),
        );
        refused_for(&t, &record, &file, "longer than 100000 characters");
    }

    #[test]
    fn a_question_or_its_reason_longer_than_the_cap_is_refused() {
        let t = template("disclosure-preparation");
        let (record, mut file) = issued(&t, WorksheetFor::Partner(Partner::A), hurt_a());
        let draft = |text: String, why: String| QuestionDraft {
            text,
            category: String::new(),
            why,
        };
        let long = "x".repeat(MAX_ANSWER_CHARS + 1);
        for question in [
            draft(long.clone(), "why".into()),
            draft("When?".into(), long),
        ] {
            file.answers
                .insert("questions".into(), Answer::Questions(vec![question]));
            refused_for(&t, &record, &file, "longer than 100000 characters");
        }
    }

    #[test]
    fn more_questions_than_the_cap_are_refused() {
        let t = template("disclosure-preparation");
        let (record, mut file) = issued(&t, WorksheetFor::Partner(Partner::A), hurt_a());
        let questions = |n: usize| {
            Answer::Questions(
                (0..n)
                    .map(|i| QuestionDraft {
                        text: format!("Question {i}?"),
                        category: String::new(),
                        why: String::new(),
                    })
                    .collect(),
            )
        };
        file.answers
            .insert("questions".into(), questions(MAX_QUESTIONS));
        check_answers(&t, &file).expect("exactly the cap is accepted");
        file.answers
            .insert("questions".into(), questions(MAX_QUESTIONS + 1));
        refused_for(&t, &record, &file, "more than 200 questions");
    }

    #[test]
    fn several_options_on_a_single_choice_are_refused() {
        let t = template("weekly-check-in");
        let (record, mut file) = issued(&t, WorksheetFor::Couple, Bindings::default());
        let chosen = |options: &[&str]| {
            Answer::Choice(BTreeMap::from([(
                Respondent::Joint,
                options.iter().map(|o| o.to_string()).collect(),
            )]))
        };
        file.answers
            .insert("issue-protocol".into(), chosen(&["Not this week"]));
        check_answers(&t, &file).expect("one option is fine");
        file.answers.insert(
            "issue-protocol".into(),
            chosen(&["Intentional dialogue", "Not this week"]),
        );
        refused_for(&t, &record, &file, "more than one option is chosen");
    }

    #[test]
    fn a_tick_not_in_the_list_is_refused() {
        let t = template("rebuilding-trust-tips");
        let (record, mut file) = issued(&t, WorksheetFor::Partner(Partner::B), hurt_a());
        let StepKind::Checklist { items, .. } = &t.steps[1].kind else {
            panic!("already-doing is a checklist")
        };
        let ticked = |items: Vec<String>| {
            Answer::Checklist(BTreeMap::from([(Respondent::Partner(Partner::B), items)]))
        };
        file.answers
            .insert("already-doing".into(), ticked(vec![items[0].clone()]));
        check_answers(&t, &file).expect("an item of the list is fine");
        file.answers.insert(
            "already-doing".into(),
            ticked(vec![items[0].clone(), "Not on the list".into()]),
        );
        refused_for(&t, &record, &file, "a ticked item is not one of the step's");
    }

    #[test]
    fn a_rating_by_the_other_partner_is_refused() {
        let t = template("weekly-check-in");
        let (record, mut file) = issued(&t, WorksheetFor::Partner(Partner::A), Bindings::default());
        let rated = |by: Partner| {
            Answer::Rating(BTreeMap::from([(
                by,
                BTreeMap::from([("trust".to_string(), 6)]),
            )]))
        };
        file.answers.insert("ratings".into(), rated(Partner::A));
        check_answers(&t, &file).expect("their own rating is fine");
        file.answers.insert("ratings".into(), rated(Partner::B));
        refused_for(&t, &record, &file, "a rating by someone it was not for");
    }

    #[test]
    fn an_edited_issue_date_is_refused() {
        let t = template("weekly-check-in");
        let (record, mut file) = issued(&t, WorksheetFor::Couple, Bindings::default());
        file.issued_at -= chrono::Duration::days(1);
        let message = tampering(refused(&file, &record, &t));
        assert!(message.contains("issue date differs"), "{message}");
    }

    #[test]
    fn a_file_carrying_another_protocol_than_it_was_given_is_refused() {
        let t = template("weekly-check-in");
        let (record, file) = issued(&t, WorksheetFor::Couple, Bindings::default());
        // The whole protocol put back in place of the reader's copy, or the copy edited.
        for source in [
            record.template_source.clone(),
            file.template_source
                .replace("Feeling loved", "Feeling liked"),
        ] {
            let mut changed = file.clone();
            changed.template_source = source;
            let message = tampering(refused(&changed, &record, &t));
            assert!(message.contains("protocol differs"), "{message}");
        }
    }

    #[test]
    fn a_worksheet_is_refused_against_another_protocol_than_the_one_issued() {
        let t = template("weekly-check-in");
        let (record, file) = issued(&t, WorksheetFor::Couple, Bindings::default());
        // Nothing filled in, so only the protocol's id can tell them apart.
        let other = template("session-measures");
        assert!(matches!(
            bring_back(&other, &record, &file, COUPLE, known()),
            Err(TakeHomeError::Template(m)) if m.contains("id differs")
        ));
    }

    #[test]
    fn a_worksheet_is_filled_in_only_when_an_answer_records_something() {
        let t = template("disclosure-preparation");
        let (_, mut file) = issued(&t, WorksheetFor::Partner(Partner::A), hurt_a());
        assert!(!is_filled_in(&t, &file), "nothing at all");
        // What the fill window can leave behind without anything written: blank questions.
        file.answers.insert(
            "questions".into(),
            Answer::Questions(vec![QuestionDraft {
                text: "   ".into(),
                category: String::new(),
                why: "why".into(),
            }]),
        );
        assert!(!is_filled_in(&t, &file));
        file.answers.insert(
            "questions".into(),
            Answer::Questions(vec![QuestionDraft {
                text: "When?".into(),
                category: String::new(),
                why: String::new(),
            }]),
        );
        assert!(is_filled_in(&t, &file));
        // The check-in's ratings are each partner's own: B's worksheet carries B's.
        let t = template("weekly-check-in");
        let (_, mut file) = issued(&t, WorksheetFor::Partner(Partner::B), Bindings::default());
        file.answers.insert(
            "went-well".into(),
            Answer::Text(BTreeMap::from([(Respondent::Joint, " \n ".to_string())])),
        );
        assert!(!is_filled_in(&t, &file), "spaces are not an answer");
        file.answers.insert(
            "ratings".into(),
            Answer::Rating(BTreeMap::from([(
                Partner::B,
                BTreeMap::from([("trust".to_string(), 0)]),
            )])),
        );
        assert!(is_filled_in(&t, &file), "a rating of 0 is an answer");
    }

    #[test]
    fn a_snapshot_reads_back_as_the_same_template_for_every_shipped_protocol() {
        for (_, t) in &Library::builtin().templates {
            let text = crate::template::snapshot(t).unwrap();
            assert_eq!(
                &crate::template::from_snapshot(&text).unwrap(),
                t,
                "{}",
                t.id
            );
        }
    }
}

#[cfg(test)]
mod carried_tests {
    use super::*;
    use crate::model::{Question, QuestionStatus, QuestionsRecord, SafetyDecision};
    use crate::template::Library;
    use chrono::TimeZone;
    use std::collections::BTreeSet;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
    }

    fn list() -> QuestionsRecord {
        let q = |id, text: &str, status| Question {
            id,
            text: text.into(),
            category: String::new(),
            why: "why".into(),
            status,
            caution: false,
            answer: None,
            added_at: at(8),
        };
        QuestionsRecord {
            owner: Partner::A,
            items: vec![
                q(1, "OLD-KEPT", QuestionStatus::Vetted),
                q(2, "OLD-WITHDRAWN", QuestionStatus::Withdrawn),
            ],
            released_at: None,
            next_id: 3,
        }
    }

    fn issue_for(for_whom: WorksheetFor) -> (IssuedWorksheet, TakeHomeFile, Template) {
        let t = Library::builtin()
            .get("disclosure-preparation")
            .unwrap()
            .clone();
        let (record, file) = issue(
            &t,
            Issue {
                id: WorksheetId(uuid::Uuid::from_u128(5)),
                token: "ef".repeat(32),
                template_source: crate::template::snapshot(&t).unwrap(),
                for_whom,
                bindings: Bindings {
                    speaker: None,
                    hurt_partner: Some(Partner::A),
                },
                couple: None,
                practice: String::new(),
                questions: Some(list()),
            },
            at(9),
        )
        .unwrap();
        (record, file, t)
    }

    #[test]
    fn the_owners_worksheet_shows_their_list_so_far_and_nobody_elses_does() {
        let (_, mine, _) = issue_for(WorksheetFor::Partner(Partner::A));
        let texts: Vec<_> = mine.list_so_far.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(
            texts,
            ["OLD-KEPT"],
            "withdrawn questions are not offered again"
        );
        let (_, theirs, _) = issue_for(WorksheetFor::Partner(Partner::B));
        assert!(theirs.list_so_far.is_empty());
    }

    #[test]
    fn questions_written_at_home_are_added_to_the_list_the_practice_holds() {
        let (record, mut file, t) = issue_for(WorksheetFor::Partner(Partner::A));
        // What the file says was on the list is never believed: only the vault's list.
        file.list_so_far = vec![QuestionDraft {
            text: "FORGED".into(),
            category: String::new(),
            why: String::new(),
        }];
        file.answers.insert(
            "questions".into(),
            Answer::Questions(vec![QuestionDraft {
                text: "NEW-FROM-HOME".into(),
                category: String::new(),
                why: String::new(),
            }]),
        );
        let known = Known {
            facts: CoupleFacts {
                screened: BTreeSet::from(Partner::BOTH),
                safety_decision: Some(SafetyDecision::JointWork),
            },
            questions: Some(list()),
        };
        let couple = CoupleId(uuid::Uuid::from_u128(1));
        let session = import(
            &t,
            &record,
            &file,
            couple,
            known,
            record.id.session_id(),
            at(12),
        )
        .unwrap();
        let step = session
            .steps
            .iter()
            .find(|s| s.step_id == "questions")
            .unwrap();
        let StepData::Questions(q) = &step.data else {
            panic!("not a question list")
        };
        let texts: Vec<_> = q.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["OLD-KEPT", "OLD-WITHDRAWN", "NEW-FROM-HOME"]);
        assert_eq!(
            q.items[2].id, 3,
            "new questions continue the list's numbering"
        );
        // The next session carries the longer list.
        assert_eq!(
            latest_questions(&[session], Partner::A)
                .unwrap()
                .items
                .len(),
            3
        );
    }
}
