//! A progress note drafted from what a session recorded: the protocol and the steps run,
//! each paraphrase loop (how many mirrors until the speaker felt understood), rule
//! breaches and time-outs, questions answered or deferred, commitments made, ratings
//! and scores, and the review of earlier commitments. The therapist edits the draft.
//!
//! Only counts and shared facts are drafted: what partners said or wrote privately, and
//! anything from process notes, never enters a draft.

use super::measures::humanize;
use crate::model::{
    Audience, ClinicalNote, Couple, Course, NoteId, NoteStyle, Partner, QuestionStatus, Session,
    StepData, StepStatus, Verification, redact, restyle_sections,
};
use crate::template::{Scoring, StepKind, Template, find_step};
use chrono::{DateTime, Utc};

/// What the draft says, sorted by where each style puts it.
#[derive(Default)]
struct Facts {
    /// What the partners reported: ratings, commitment reviews.
    reported: Vec<String>,
    /// What the therapist did: protocol, steps run.
    intervention: Vec<String>,
    /// What was observed: loops, breaches, time-outs, questions.
    observed: Vec<String>,
    /// How the couple responded: loop outcomes, scores against cutoffs.
    response: Vec<String>,
    assessment: Vec<String>,
    plan: Vec<String>,
}

/// Draft the progress note of `session` in `style`. `course` adds the review of earlier
/// commitments held in this session and what stays open.
pub fn draft_note(
    id: NoteId,
    session: &Session,
    couple: &Couple,
    template: Option<&Template>,
    course: Option<&Course>,
    style: NoteStyle,
    now: DateTime<Utc>,
) -> ClinicalNote {
    let facts = facts(session, couple, template, course);
    let join = |parts: &[&Vec<String>]| -> String {
        parts
            .iter()
            .flat_map(|p| p.iter())
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    let texts: Vec<String> = match style {
        NoteStyle::Soap => vec![
            join(&[&facts.reported]),
            join(&[&facts.intervention, &facts.observed, &facts.response]),
            join(&[&facts.assessment]),
            join(&[&facts.plan]),
        ],
        NoteStyle::Dap => vec![
            join(&[
                &facts.reported,
                &facts.intervention,
                &facts.observed,
                &facts.response,
            ]),
            join(&[&facts.assessment]),
            join(&[&facts.plan]),
        ],
        NoteStyle::Birp => vec![
            join(&[&facts.reported, &facts.observed]),
            join(&[&facts.intervention]),
            join(&[&facts.response]),
            join(&[&facts.plan]),
        ],
    };
    let mut sections = restyle_sections(&[], style);
    for (section, text) in sections.iter_mut().zip(texts) {
        section.text = text;
    }
    ClinicalNote::new(id, couple.id, session.id, style, sections, now)
}

fn name(couple: &Couple, partner: Partner) -> String {
    couple.display_name(partner)
}

use crate::model::plural;
/// A time to the nearest minute: "12 min", or "under a minute".
fn rounded_minutes(secs: i64) -> String {
    match (secs.max(0) + 30) / 60 {
        0 => "under a minute".into(),
        m => format!("{m} min"),
    }
}

fn facts(
    session: &Session,
    couple: &Couple,
    template: Option<&Template>,
    course: Option<&Course>,
) -> Facts {
    let mut f = Facts::default();
    // The clinician's own record: everything but unsubmitted drafts. Private text is
    // still never quoted below, only counted.
    let view = redact(session, Audience::Clinician);
    let step_of = |id: &str| template.and_then(|t| find_step(&t.steps, id));
    let names = couple.names();
    // A step's title as the couple's record reads it: role placeholders filled with the
    // names (and pronouns) of whoever held the role in that step.
    let title_of = |record: &crate::model::StepRecord| {
        let title =
            step_of(&record.step_id).map_or_else(|| humanize(&record.step_id), |s| s.title.clone());
        crate::template::fill_people(&title, |role| {
            record
                .roles
                .partner(role)
                .map(|p| (names.of(p).to_string(), names.pronouns(p)))
        })
    };
    let n = |p: Partner| name(couple, p);

    // Intervention: the protocol and how far it went.
    let done = session
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Done)
        .count();
    let skipped = session
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Skipped)
        .count();
    // The session's length is its time less its pauses; the pauses are named beside it.
    let minutes = session.ended_at.map(|end| session.active_secs_at(end) / 60);
    let mut line = format!(
        "Protocol: {}; {} of {} steps done",
        session.template_title,
        done,
        session.steps.len()
    );
    if skipped > 0 {
        line.push_str(&format!(", {skipped} skipped"));
    }
    let pauses = session.pause_count();
    match minutes {
        Some(m) if pauses > 0 => line.push_str(&format!(
            "; {m} min, not counting {} ({} in all).",
            plural(pauses, "pause", "pauses"),
            rounded_minutes(session.paused_secs)
        )),
        Some(m) => line.push_str(&format!("; {m} min.")),
        None => line.push_str("; the session was not ended in Tandem."),
    }
    f.intervention.push(line);

    for (index, record) in view.visible() {
        let title = title_of(record);
        match &record.data {
            StepData::Loop(l) => {
                if l.attempts.is_empty() {
                    continue;
                }
                f.observed.push(format!(
                    "{title}: {} spoke, {} mirrored ({}, {}).",
                    n(l.speaker),
                    n(l.listener),
                    plural(l.attempts.len(), "mirror", "mirrors"),
                    plural(l.corrections(), "correction", "corrections"),
                ));
                if l.is_confirmed() {
                    f.response.push(format!(
                        "{} felt understood after {} by {}.",
                        n(l.speaker),
                        plural(l.attempts.len(), "mirror", "mirrors"),
                        n(l.listener)
                    ));
                } else {
                    f.response.push(format!(
                        "{} did not yet feel understood after {}.",
                        n(l.speaker),
                        plural(l.attempts.len(), "mirror", "mirrors")
                    ));
                }
            }
            StepData::Floor(fl) => {
                if fl.exchanges.is_empty() && fl.breaches.is_empty() {
                    continue;
                }
                let paraphrases = fl.paraphrase_accuracy();
                f.observed.push(format!(
                    "{title}: {}, {} of them accurate.",
                    plural(paraphrases.total, "paraphrase", "paraphrases"),
                    paraphrases.accurate
                ));
                for p in Partner::BOTH {
                    let breaches: Vec<&str> = fl
                        .breaches
                        .iter()
                        .filter(|b| b.by == p)
                        .map(|b| b.rule.as_str())
                        .collect();
                    if !breaches.is_empty() {
                        f.observed.push(format!(
                            "Rule breaches called on {}: {} ({}).",
                            n(p),
                            breaches.len(),
                            breaches.join("; ")
                        ));
                    }
                }
                if !fl.timeouts.is_empty() {
                    let by: Vec<String> = fl.timeouts.iter().map(|t| n(t.called_by)).collect();
                    f.observed.push(format!(
                        "{} called (by {}).",
                        plural(fl.timeouts.len(), "time-out", "time-outs"),
                        by.join(", ")
                    ));
                }
            }
            StepData::Questions(q) => {
                if q.items.is_empty() {
                    continue;
                }
                let count = |s: QuestionStatus| q.items.iter().filter(|i| i.status == s).count();
                let answering = matches!(
                    step_of(&record.step_id).map(|s| &s.kind),
                    Some(StepKind::Questions {
                        answering: true,
                        ..
                    })
                );
                if answering {
                    f.observed.push(format!(
                        "{title}: {} asked {}; {} answered, {} deferred, {} withdrawn.",
                        n(q.owner),
                        plural(
                            q.items
                                .iter()
                                .filter(|i| i.status != QuestionStatus::Draft)
                                .count(),
                            "question",
                            "questions"
                        ),
                        count(QuestionStatus::Answered),
                        count(QuestionStatus::Deferred),
                        count(QuestionStatus::Withdrawn)
                    ));
                    if count(QuestionStatus::Deferred) > 0 {
                        f.plan.push(format!(
                            "{} deferred to a later session.",
                            plural(count(QuestionStatus::Deferred), "question", "questions")
                        ));
                    }
                } else {
                    f.observed.push(format!(
                        "{title}: {} prepared {} ({} vetted for the session).",
                        n(q.owner),
                        plural(q.items.len(), "question", "questions"),
                        count(QuestionStatus::Vetted) + count(QuestionStatus::Included)
                    ));
                }
            }
            StepData::Plan(p) => {
                for c in &p.commitments {
                    let d = &c.draft;
                    let check = match d.verification {
                        Verification::SelfReport => "self-report",
                        Verification::PartnerConfirms => "partner confirms",
                    };
                    f.plan.push(format!(
                        "Commitment ({}): {}; {}; checked by {check}; review on {}.",
                        couple.owner_name(d.owner),
                        d.behaviour.trim(),
                        d.rhythm.trim(),
                        d.review_on.format("%-d %b %Y")
                    ));
                }
            }
            StepData::Rating(r) => {
                if r.values.is_empty() {
                    continue;
                }
                let Some(StepKind::Rating { items, scoring, .. }) =
                    step_of(&record.step_id).map(|s| &s.kind)
                else {
                    continue;
                };
                match scoring {
                    Scoring::Sum { cutoff, flag } => {
                        for (p, score) in &r.scores {
                            f.reported.push(format!(
                                "{title}: {} scored {} of {}.",
                                n(*p),
                                score.total,
                                score.max
                            ));
                            if let (true, Some(c)) = (score.below_cutoff, cutoff) {
                                let what = if flag.is_empty() {
                                    "below the cutoff".to_string()
                                } else {
                                    flag.to_lowercase()
                                };
                                f.assessment.push(format!(
                                    "{}'s {} score ({}) is {what} (cutoff {c}).",
                                    n(*p),
                                    title,
                                    score.total
                                ));
                            }
                        }
                    }
                    Scoring::None => {
                        for (p, values) in &r.values {
                            let parts: Vec<String> = items
                                .iter()
                                .filter_map(|i| {
                                    values.get(&i.id).map(|v| {
                                        format!("{} {v}/{}", humanize(&i.id).to_lowercase(), i.max)
                                    })
                                })
                                .collect();
                            if !parts.is_empty() {
                                f.reported
                                    .push(format!("{} rated {}.", n(*p), parts.join(", ")));
                            }
                        }
                    }
                }
            }
            StepData::Reply(reply) => {
                let letter = crate::model::letters::letter_text(
                    session.steps[..index].iter(),
                    &reply.letter_step,
                    reply.author,
                );
                if let Some(letter) = letter {
                    let c = crate::model::letters::coverage(letter, reply);
                    let total = c.points.len();
                    let mut line = format!(
                        "{title}: {} answered {} of {} of the letter",
                        n(reply.author),
                        c.answered(),
                        plural(total, "point", "points")
                    );
                    let open: Vec<String> = c
                        .unanswered()
                        .iter()
                        .map(|n| format!("point {n}"))
                        .collect();
                    if !open.is_empty() {
                        line.push_str(&format!("; not yet answered: {}", open.join(", ")));
                    }
                    if !c.orphaned.is_empty() {
                        line.push_str(&format!(
                            "; {} to points since edited out of the letter",
                            plural(c.orphaned.len(), "answer", "answers")
                        ));
                    }
                    line.push('.');
                    f.observed.push(line);
                }
            }
            // Counted, never quoted: how many items each partner answered yes or declined
            // (a screen's answers are the therapist's to follow up).
            StepData::YesNo(e) => {
                for (respondent, answers) in &e.entries {
                    let count = |wanted: crate::model::YesNoAnswer| {
                        answers.values().filter(|a| **a == wanted).count()
                    };
                    let who = match respondent {
                        crate::model::Respondent::Partner(p) => n(*p),
                        crate::model::Respondent::Clinician => "the therapist".to_string(),
                        crate::model::Respondent::Joint => "the couple together".to_string(),
                    };
                    f.observed.push(format!(
                        "{title}: {who} answered {} of {} ({} yes, {} declined).",
                        answers.len(),
                        plural(
                            step_of(&record.step_id).map_or(answers.len(), |s| match &s.kind {
                                crate::template::StepKind::YesNo { items, .. } => items.len(),
                                _ => answers.len(),
                            }),
                            "item",
                            "items"
                        ),
                        count(crate::model::YesNoAnswer::Yes),
                        count(crate::model::YesNoAnswer::Declined),
                    ));
                }
            }
            // Nothing drafted: a note does not quote what partners wrote, chose or ticked.
            StepData::Script
            | StepData::SwapRoles
            | StepData::Text(_)
            | StepData::Choice(_)
            | StepData::Checklist(_) => {}
        }
    }

    if let Some(course) = course {
        let mut reviewed = 0;
        for item in &course.ledger {
            let Some(version) = item.current() else {
                continue;
            };
            let in_this: Vec<String> = item
                .reviews
                .iter()
                .filter(|r| r.session == Some(session.id))
                .map(|r| format!("{} says {}", n(r.by), r.outcome.label()))
                .collect();
            if !in_this.is_empty() {
                reviewed += 1;
                f.reported.push(format!(
                    "Commitment review, {}'s \"{}\": {}.",
                    couple.owner_name(item.owner),
                    version.behaviour.trim(),
                    in_this.join(", ")
                ));
            }
        }
        let open = course.open_items().count();
        if reviewed > 0 || open > 0 {
            f.plan.push(format!(
                "{} open in the ledger, to be reviewed at the next session.",
                plural(open, "commitment", "commitments")
            ));
        }
        for (owner, rate) in course.adherence_by_owner() {
            f.assessment.push(match owner {
                crate::model::Owner::Both => format!(
                    "Adherence to their shared commitments so far: {:.0}%.",
                    rate * 100.0
                ),
                crate::model::Owner::A | crate::model::Owner::B => format!(
                    "Adherence to {}'s commitments so far: {:.0}%.",
                    couple.owner_name(owner),
                    rate * 100.0
                ),
            });
        }
    }
    if f.assessment.is_empty() {
        f.assessment
            .push("(Your assessment: progress, risk, and what the couple is working on.)".into());
    }
    f
}
