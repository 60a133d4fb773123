//! The semantics of each step kind: the blank record, what completes it, and how each
//! action changes it. Pure functions over one step's kind paired with its data
//! (`template::StepView`, `StepViewMut`), each matching every kind.

use super::{Action, RunError, respondents_of};
use crate::model::{
    Bindings, Commitment, EntriesRecord, Exchange, FloorChange, FloorRecord, LoopRecord, LoopStage,
    MirrorAttempt, MirrorOutcome, Partner, PlanRecord, PointReply, Question, QuestionStatus,
    QuestionsRecord, RatingRecord, ReplyRecord, Respondent, Score, StageAttempt, StepData, TimeOut,
    Utterance, letters,
};
use crate::template::{RatingItem, Scoring, StepKind, StepView, StepViewMut};
use chrono::{DateTime, Duration, Utc};

fn partner(roles: Bindings, role: crate::model::Role) -> Partner {
    // Validation and start-up guarantee every used role is bound; A is a safe fallback.
    roles.partner(role).unwrap_or(Partner::A)
}

/// The empty record for a step kind under these roles.
pub fn blank(kind: &StepKind, roles: Bindings) -> StepData {
    match kind {
        StepKind::Script | StepKind::Repeat { .. } => StepData::Script,
        StepKind::SwapRoles => StepData::SwapRoles,
        StepKind::ParaphraseLoop {
            speaker, listener, ..
        } => StepData::Loop(LoopRecord::new(
            partner(roles, *speaker),
            partner(roles, *listener),
        )),
        StepKind::Floor { .. } => StepData::Floor(FloorRecord {
            holders: Vec::new(),
            exchanges: Vec::new(),
            breaches: Vec::new(),
            timeouts: Vec::new(),
        }),
        StepKind::Questions { owner, .. } => StepData::Questions(QuestionsRecord {
            owner: partner(roles, *owner),
            items: Vec::new(),
            released_at: None,
            next_id: 1,
        }),
        StepKind::Plan { .. } => StepData::Plan(PlanRecord {
            commitments: Vec::new(),
            next_id: 1,
        }),
        StepKind::Rating { .. } => StepData::Rating(RatingRecord::default()),
        StepKind::Text { .. } => StepData::Text(EntriesRecord::default()),
        StepKind::Choice { .. } => StepData::Choice(EntriesRecord::default()),
        StepKind::Checklist { .. } => StepData::Checklist(EntriesRecord::default()),
        StepKind::YesNo { .. } => StepData::YesNo(EntriesRecord::default()),
        StepKind::Reply { to, author, .. } => StepData::Reply(ReplyRecord {
            author: partner(roles, *author),
            letter_step: to.clone(),
            replies: Vec::new(),
        }),
    }
}

/// First entry into a step: the floor goes to its first holder; a question list starts
/// from the one carried over.
pub fn on_enter(
    view: StepViewMut<'_>,
    roles: Bindings,
    now: DateTime<Utc>,
    carried: Option<QuestionsRecord>,
) {
    match view {
        StepViewMut::Floor { first, data, .. } => {
            if data.holders.is_empty() {
                data.holders.push(FloorChange {
                    holder: partner(roles, first),
                    at: now,
                });
            }
        }
        StepViewMut::Questions { data, .. } => {
            if data.items.is_empty()
                && let Some(carried) = carried
            {
                *data = carried;
            }
        }
        StepViewMut::Script
        | StepViewMut::SwapRoles
        | StepViewMut::Loop { .. }
        | StepViewMut::Plan { .. }
        | StepViewMut::Rating { .. }
        | StepViewMut::Text { .. }
        | StepViewMut::Choice { .. }
        | StepViewMut::Checklist { .. }
        | StepViewMut::YesNo { .. }
        | StepViewMut::Reply { .. } => {}
    }
}

/// Whether a step has what it asks for, under the roles in force for it. `letter` is the
/// text a `Reply` step answers.
pub fn is_complete(view: StepView<'_>, roles: Bindings, letter: Option<&str>) -> bool {
    match view {
        StepView::Script | StepView::SwapRoles => true,
        StepView::Loop { data, .. } => data.is_confirmed(),
        StepView::Floor { data, .. } => data
            .exchanges
            .iter()
            .any(|e| matches!(e, Exchange::Paraphrase { .. })),
        StepView::Questions {
            answering, data, ..
        } => {
            if answering {
                let open = data
                    .items
                    .iter()
                    .any(|i| i.status == QuestionStatus::Included);
                let handled = data.items.iter().any(|i| {
                    matches!(
                        i.status,
                        QuestionStatus::Answered | QuestionStatus::Deferred
                    )
                });
                !open && handled
            } else {
                data.items
                    .iter()
                    .any(|i| i.status != QuestionStatus::Withdrawn)
            }
        }
        StepView::Plan { data, .. } => !data.commitments.is_empty(),
        StepView::Rating {
            raters,
            items,
            data,
            ..
        } => raters.iter().all(|role| {
            roles.partner(*role).is_some_and(|p| {
                data.values
                    .get(&p)
                    .is_some_and(|v| items.iter().all(|i| v.contains_key(&i.id)))
            })
        }),
        StepView::Text {
            respondents, data, ..
        } => respondents_of(respondents, roles)
            .iter()
            .all(|r| data.entries.get(r).is_some_and(|t| !t.trim().is_empty())),
        StepView::Choice {
            respondents, data, ..
        } => respondents_of(respondents, roles)
            .iter()
            .all(|r| data.entries.get(r).is_some_and(|c| !c.is_empty())),
        StepView::Checklist { .. } => true,
        // Every item answered by every respondent: an unanswered item is never "no".
        StepView::YesNo {
            respondents,
            items,
            data,
        } => respondents_of(respondents, roles).iter().all(|r| {
            data.entries
                .get(r)
                .is_some_and(|answers| items.iter().all(|i| answers.contains_key(i)))
        }),
        StepView::Reply { data, .. } => {
            letter.is_some_and(|l| letters::coverage(l, data).is_complete())
        }
    }
}

/// Answer one point of the letter a `Reply` step answers; an empty text removes the
/// answer. `letter` is that letter's text as it reads now. On error nothing changes.
fn reply_to_point(
    reply: &mut ReplyRecord,
    letter: Option<&str>,
    point: String,
    text: String,
    now: DateTime<Utc>,
) -> Result<(), RunError> {
    let letter =
        letter.ok_or_else(|| refused("the letter this step answers is not written yet"))?;
    let is_current = letters::points(letter).contains(&point);
    let existing = reply.replies.iter().position(|r| r.point == point);
    if text.trim().is_empty() {
        // Removing an answer is allowed even for a point since edited out of the letter:
        // it is the therapist's explicit choice, not a silent drop.
        return match existing {
            Some(at) => {
                reply.replies.remove(at);
                Ok(())
            }
            None if is_current => Ok(()),
            None => Err(refused("that point is not in the letter as it reads now")),
        };
    }
    if !is_current {
        return Err(refused("that point is not in the letter as it reads now"));
    }
    match existing {
        Some(at) => {
            reply.replies[at].text = text;
            reply.replies[at].at = now;
        }
        None => reply.replies.push(PointReply {
            point,
            text,
            at: now,
        }),
    }
    letters::sort_replies(letter, &mut reply.replies);
    Ok(())
}

/// Whether every respondent ticked every item of a checklist step (false for any other
/// kind), under the roles in force for it.
pub fn all_checked(view: StepView<'_>, roles: Bindings) -> bool {
    match view {
        StepView::Checklist {
            respondents,
            items,
            data,
        } => respondents_of(respondents, roles).iter().all(|r| {
            data.entries
                .get(r)
                .is_some_and(|ticked| items.iter().all(|i| ticked.contains(i)))
        }),
        StepView::Script
        | StepView::SwapRoles
        | StepView::Loop { .. }
        | StepView::Floor { .. }
        | StepView::Questions { .. }
        | StepView::Plan { .. }
        | StepView::Rating { .. }
        | StepView::Text { .. }
        | StepView::Choice { .. }
        | StepView::YesNo { .. }
        | StepView::Reply { .. } => false,
    }
}

/// `action` does not apply to a step of kind `kind` (named as in a template).
fn wrong(action: &Action, kind: &'static str) -> RunError {
    RunError::WrongStep {
        action: action.name(),
        kind,
    }
}

fn refused(message: &str) -> RunError {
    RunError::Refused(message.to_string())
}

fn non_empty(text: &str) -> Result<(), RunError> {
    if text.trim().is_empty() {
        Err(RunError::EmptyText)
    } else {
        Ok(())
    }
}

/// Apply a kind-specific action to the step's data, under the roles in force for it.
/// `letter` is the text a `Reply` step answers. On error nothing changes.
pub fn apply(
    view: StepViewMut<'_>,
    roles: Bindings,
    letter: Option<&str>,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), RunError> {
    match view {
        StepViewMut::Script => Err(wrong(&action, "Script")),
        StepViewMut::SwapRoles => Err(wrong(&action, "SwapRoles")),
        StepViewMut::Loop { stages, data, .. } => apply_loop(stages, data, action, now),
        StepViewMut::Floor {
            rules,
            max_timeout_hours,
            data,
            ..
        } => apply_floor(rules, max_timeout_hours, data, action, now),
        StepViewMut::Questions {
            categories,
            answering,
            data,
            ..
        } => apply_questions(categories, answering, data, action, now),
        StepViewMut::Plan {
            owners,
            categories,
            data,
            ..
        } => {
            let owners: Vec<Partner> = owners.iter().filter_map(|r| roles.partner(*r)).collect();
            apply_plan(&owners, categories, data, action, now)
        }
        StepViewMut::Rating {
            raters,
            items,
            scoring,
            data,
        } => {
            let raters: Vec<Partner> = raters
                .iter()
                .filter_map(|role| roles.partner(*role))
                .collect();
            apply_rating(&raters, items, scoring, data, action)
        }
        StepViewMut::Text {
            respondents, data, ..
        } => match action {
            Action::WriteText { respondent, text } => {
                allowed(respondents, roles, respondent)?;
                if text.trim().is_empty() {
                    data.entries.remove(&respondent);
                } else {
                    data.entries.insert(respondent, text);
                }
                Ok(())
            }
            other => Err(wrong(&other, "Text")),
        },
        StepViewMut::Choice {
            respondents,
            options,
            multiple,
            data,
        } => match action {
            Action::Choose {
                respondent,
                option,
                selected,
            } => {
                allowed(respondents, roles, respondent)?;
                if !options.contains(&option) {
                    return Err(refused("that option is not in this step's list"));
                }
                toggle(data, respondent, option, selected, !multiple, options);
                Ok(())
            }
            other => Err(wrong(&other, "Choice")),
        },
        StepViewMut::Checklist {
            respondents,
            items,
            data,
        } => match action {
            Action::Check {
                respondent,
                item,
                checked,
            } => {
                allowed(respondents, roles, respondent)?;
                if !items.contains(&item) {
                    return Err(refused("that item is not in this checklist"));
                }
                toggle(data, respondent, item, checked, false, items);
                Ok(())
            }
            other => Err(wrong(&other, "Checklist")),
        },
        StepViewMut::YesNo {
            respondents,
            items,
            data,
        } => match action {
            Action::AnswerItem {
                respondent,
                item,
                answer,
            } => {
                allowed(respondents, roles, respondent)?;
                if !items.contains(&item) {
                    return Err(refused("that item is not in this step's list"));
                }
                let answers = data.entries.entry(respondent).or_default();
                match answer {
                    Some(answer) => {
                        answers.insert(item, answer);
                    }
                    None => {
                        answers.remove(&item);
                    }
                }
                // "Nothing answered" has one form.
                if answers.is_empty() {
                    data.entries.remove(&respondent);
                }
                Ok(())
            }
            other => Err(wrong(&other, "YesNo")),
        },
        StepViewMut::Reply { data, .. } => match action {
            Action::ReplyToPoint { point, text } => reply_to_point(data, letter, point, text, now),
            other => Err(wrong(&other, "Reply")),
        },
    }
}

/// Add or remove one label from a respondent's selection, keeping the template's order
/// (so records diff cleanly); `exclusive` keeps at most one. An empty selection is
/// removed, so "nothing chosen" has one form.
fn toggle(
    entries: &mut crate::model::EntriesRecord<Vec<String>>,
    respondent: Respondent,
    label: String,
    on: bool,
    exclusive: bool,
    order: &[String],
) {
    let selection = entries.entries.entry(respondent).or_default();
    selection.retain(|l| *l != label);
    if on {
        if exclusive {
            selection.clear();
        }
        selection.push(label);
        selection.sort_by_key(|l| order.iter().position(|x| x == l));
    }
    if selection.is_empty() {
        entries.entries.remove(&respondent);
    }
}

fn allowed(
    respondents: crate::model::Respondents,
    roles: Bindings,
    who: Respondent,
) -> Result<(), RunError> {
    if respondents_of(respondents, roles).contains(&who) {
        Ok(())
    } else {
        Err(refused("that person does not answer this step"))
    }
}

// ---------------------------------------------------------------------------------------

fn apply_loop(
    stages: &[LoopStage],
    l: &mut LoopRecord,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), RunError> {
    let pending = l.attempts.last().is_some_and(|a| a.outcome.is_none());
    match action {
        Action::SpeakerSays(text) => {
            non_empty(&text)?;
            if !l.attempts.is_empty() {
                return Err(refused(
                    "the listener has started mirroring: corrections and additions go with the speaker's answer",
                ));
            }
            l.message = Some(Utterance { text, at: now });
            Ok(())
        }
        Action::Mirror(text) => {
            non_empty(&text)?;
            if l.message.is_none() {
                return Err(refused("the speaker has not spoken yet"));
            }
            if l.is_confirmed() {
                return Err(refused(
                    "the speaker already confirmed: the loop is complete",
                ));
            }
            if pending {
                return Err(refused("the speaker has not answered the last mirror yet"));
            }
            l.attempts.push(MirrorAttempt {
                text,
                at: now,
                outcome: None,
                reply: String::new(),
            });
            Ok(())
        }
        Action::Verdict { outcome, reply } => {
            let Some(last) = l.attempts.last_mut().filter(|a| a.outcome.is_none()) else {
                return Err(refused(
                    "there is no mirror waiting for the speaker's answer",
                ));
            };
            last.outcome = Some(outcome);
            if outcome != MirrorOutcome::Confirmed {
                last.reply = reply;
            }
            Ok(())
        }
        Action::StageAttempt {
            stage,
            text,
            feelings,
        } => {
            non_empty(&text)?;
            if !stages.contains(&stage) {
                return Err(refused("this loop has no such stage"));
            }
            if !l.is_confirmed() {
                return Err(refused("the speaker has not confirmed the mirror yet"));
            }
            if stage != LoopStage::Empathy && !feelings.is_empty() {
                return Err(refused("feeling words belong to the empathy stage"));
            }
            if feelings.iter().any(|f| f.trim().is_empty()) {
                return Err(RunError::EmptyText);
            }
            let attempts = l.stages.entry(stage).or_default();
            if attempts.last().is_some_and(|a| a.accepted.is_none()) {
                return Err(refused(
                    "the speaker has not answered the last attempt at this stage",
                ));
            }
            attempts.push(StageAttempt {
                text,
                feelings,
                at: now,
                accepted: None,
            });
            Ok(())
        }
        Action::StageVerdict { stage, accepted } => {
            let Some(last) = l
                .stages
                .get_mut(&stage)
                .and_then(|a| a.last_mut())
                .filter(|a| a.accepted.is_none())
            else {
                return Err(refused(
                    "there is no attempt at that stage waiting for an answer",
                ));
            };
            last.accepted = Some(accepted);
            Ok(())
        }
        other => Err(RunError::WrongStep {
            action: other.name(),
            kind: "ParaphraseLoop",
        }),
    }
}

fn apply_floor(
    rules: &[String],
    max_timeout_hours: u32,
    f: &mut FloorRecord,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), RunError> {
    let holder = f.holder().unwrap_or(Partner::A);
    let timed_out = f.active_timeout().is_some();
    let talk = |timed_out: bool| {
        if timed_out {
            Err(refused("a time-out is in force: resume first"))
        } else {
            Ok(())
        }
    };
    match action {
        Action::PassFloor => {
            talk(timed_out)?;
            f.holders.push(FloorChange {
                holder: holder.other(),
                at: now,
            });
            Ok(())
        }
        Action::FloorChunk(text) => {
            talk(timed_out)?;
            non_empty(&text)?;
            f.exchanges.push(Exchange::Chunk {
                by: holder,
                text,
                at: now,
            });
            Ok(())
        }
        Action::FloorParaphrase { text, accuracy } => {
            talk(timed_out)?;
            non_empty(&text)?;
            let since = f.holders.last().map(|c| c.at);
            let holder_spoke = f.exchanges.iter().any(|e| {
                matches!(e, Exchange::Chunk { by, at, .. } if *by == holder && since.is_none_or(|s| *at >= s))
            });
            if !holder_spoke {
                return Err(refused(
                    "the floor holder has not spoken since taking the floor",
                ));
            }
            f.exchanges.push(Exchange::Paraphrase {
                by: holder.other(),
                text,
                accuracy,
                at: now,
            });
            Ok(())
        }
        Action::Breach { rule, by } => {
            if rule.trim().is_empty() {
                return Err(RunError::EmptyText);
            }
            if !rules.is_empty() && !rules.contains(&rule) {
                return Err(refused("that rule is not one of this step's rules"));
            }
            f.breaches.push(crate::model::Breach { rule, by, at: now });
            Ok(())
        }
        Action::TimeOut { by, resume_at } => {
            if timed_out {
                return Err(refused("a time-out is already in force"));
            }
            if resume_at <= now {
                return Err(refused("the resume time must be in the future"));
            }
            if resume_at > now + Duration::hours(i64::from(max_timeout_hours)) {
                return Err(RunError::Refused(format!(
                    "the talk must resume within {max_timeout_hours} hours"
                )));
            }
            f.timeouts.push(TimeOut {
                called_by: by,
                at: now,
                resume_at,
                resumed_at: None,
            });
            Ok(())
        }
        Action::Resume => match f.timeouts.iter_mut().rev().find(|t| t.resumed_at.is_none()) {
            Some(t) => {
                t.resumed_at = Some(now);
                Ok(())
            }
            None => Err(refused("there is no time-out to resume from")),
        },
        other => Err(RunError::WrongStep {
            action: other.name(),
            kind: "Floor",
        }),
    }
}

fn check_category(categories: &[String], category: &str) -> Result<(), RunError> {
    if category.is_empty() || categories.is_empty() || categories.iter().any(|c| c == category) {
        Ok(())
    } else {
        Err(refused(
            "that category is not one of this step's categories",
        ))
    }
}

fn apply_questions(
    categories: &[String],
    answering: bool,
    q: &mut QuestionsRecord,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), RunError> {
    let find = |q: &mut QuestionsRecord, id: u32| -> Result<usize, RunError> {
        q.items
            .iter()
            .position(|i| i.id == id)
            .ok_or_else(|| RunError::Refused(format!("there is no question {id}")))
    };
    match action {
        Action::AddQuestion {
            text,
            category,
            why,
        } => {
            non_empty(&text)?;
            check_category(categories, &category)?;
            let id = q.next_id.max(1);
            q.next_id = id + 1;
            q.items.push(Question {
                id,
                text,
                category,
                why,
                status: QuestionStatus::Draft,
                caution: false,
                answer: None,
                added_at: now,
            });
            Ok(())
        }
        Action::EditQuestion {
            id,
            text,
            category,
            why,
        } => {
            non_empty(&text)?;
            check_category(categories, &category)?;
            let at = find(q, id)?;
            let item = &mut q.items[at];
            if item.status == QuestionStatus::Answered {
                return Err(refused("an answered question cannot be edited"));
            }
            item.text = text;
            item.category = category;
            item.why = why;
            Ok(())
        }
        Action::SetQuestionStatus { id, status } => {
            if status == QuestionStatus::Answered {
                return Err(refused(
                    "a question becomes answered by recording its answer",
                ));
            }
            let at = find(q, id)?;
            let item = &mut q.items[at];
            if item.status == QuestionStatus::Answered {
                return Err(refused("the question is already answered"));
            }
            item.status = status;
            Ok(())
        }
        Action::SetCaution { id, caution } => {
            let at = find(q, id)?;
            q.items[at].caution = caution;
            Ok(())
        }
        Action::MoveQuestion { id, to } => {
            let at = find(q, id)?;
            if to >= q.items.len() {
                return Err(refused("there is no such position in the list"));
            }
            let item = q.items.remove(at);
            q.items.insert(to, item);
            Ok(())
        }
        Action::ReleaseQuestions => {
            if q.released_at.is_none() {
                q.released_at = Some(now);
            }
            Ok(())
        }
        Action::AnswerQuestion { id, text } => {
            non_empty(&text)?;
            if !answering {
                return Err(refused(
                    "questions are answered in the disclosure step, not here",
                ));
            }
            if q.released_at.is_none() {
                return Err(refused("the list is private until its owner releases it"));
            }
            let at = find(q, id)?;
            let item = &mut q.items[at];
            if !matches!(
                item.status,
                QuestionStatus::Included | QuestionStatus::Deferred
            ) {
                return Err(refused("only included or deferred questions are answered"));
            }
            item.answer = Some(Utterance { text, at: now });
            item.status = QuestionStatus::Answered;
            Ok(())
        }
        other => Err(RunError::WrongStep {
            action: other.name(),
            kind: "Questions",
        }),
    }
}

fn check_commitment(
    owners: &[Partner],
    categories: &[String],
    draft: &crate::model::CommitmentDraft,
) -> Result<(), RunError> {
    if !draft.owner.partners().iter().all(|p| owners.contains(p)) {
        return Err(refused(match draft.owner {
            crate::model::Owner::Both => {
                "a shared commitment needs a plan in which both partners make commitments"
            }
            crate::model::Owner::A | crate::model::Owner::B => {
                "that partner does not own commitments in this plan"
            }
        }));
    }
    non_empty(&draft.behaviour)?;
    non_empty(&draft.rhythm)?;
    check_category(categories, &draft.category)?;
    if draft.review_on < draft.starts_on {
        return Err(refused("the review date is before the start date"));
    }
    Ok(())
}

fn apply_plan(
    owners: &[Partner],
    categories: &[String],
    p: &mut PlanRecord,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), RunError> {
    match action {
        Action::AddCommitment(draft) => {
            check_commitment(owners, categories, &draft)?;
            let id = p.next_id.max(1);
            p.next_id = id + 1;
            p.commitments.push(Commitment {
                id,
                draft,
                added_at: now,
            });
            Ok(())
        }
        Action::EditCommitment { id, draft } => {
            check_commitment(owners, categories, &draft)?;
            let c = p
                .commitments
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(|| RunError::Refused(format!("there is no commitment {id}")))?;
            c.draft = draft;
            Ok(())
        }
        Action::RemoveCommitment { id } => {
            let before = p.commitments.len();
            p.commitments.retain(|c| c.id != id);
            if p.commitments.len() == before {
                return Err(RunError::Refused(format!("there is no commitment {id}")));
            }
            Ok(())
        }
        other => Err(RunError::WrongStep {
            action: other.name(),
            kind: "Plan",
        }),
    }
}

fn apply_rating(
    raters: &[Partner],
    items: &[RatingItem],
    scoring: &Scoring,
    r: &mut RatingRecord,
    action: Action,
) -> Result<(), RunError> {
    let Action::Rate { rater, item, value } = action else {
        return Err(RunError::WrongStep {
            action: action.name(),
            kind: "Rating",
        });
    };
    if !raters.contains(&rater) {
        return Err(refused("that partner does not rate this scale"));
    }
    let def = items
        .iter()
        .find(|i| i.id == item)
        .ok_or_else(|| refused("this scale has no such item"))?;
    if !(def.min..=def.max).contains(&value) {
        return Err(RunError::Refused(format!(
            "the value must be between {} and {}",
            def.min, def.max
        )));
    }
    let values = r.values.entry(rater).or_default();
    values.insert(item, value);
    if let Scoring::Sum { cutoff, .. } = scoring
        && items.iter().all(|i| values.contains_key(&i.id))
    {
        let total: u32 = items
            .iter()
            .filter_map(|i| values.get(&i.id))
            .map(|v| u32::from(*v))
            .sum();
        let max: u32 = items.iter().map(|i| u32::from(i.max)).sum();
        r.scores.insert(
            rater,
            Score {
                total,
                max,
                below_cutoff: cutoff.is_some_and(|c| f64::from(total) < c),
            },
        );
    }
    Ok(())
}
