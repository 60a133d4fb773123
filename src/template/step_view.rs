//! A step's kind paired with what its record holds: one variant per kind, carrying the
//! template's parameters and the record's data together. Code that acts on a step by
//! kind matches a `StepView` (or `StepViewMut`) exhaustively, so adding a kind makes the
//! compiler list every place that must handle it.
//!
//! The pairing is made here and nowhere else (`StepView::pair`, `StepViewMut::pair`); a
//! record whose data is not of its step's kind is reported here, once, as a
//! `KindMismatch`. Pure: no egui, no file system, no clock.

use super::{RatingItem, Scoring, Step, StepKind};
use crate::model::{
    EntriesRecord, FloorRecord, LoopRecord, LoopStage, PlanRecord, QuestionsRecord, RatingRecord,
    ReplyRecord, Respondents, Role, StepData, YesNoAnswer,
};
use std::collections::BTreeMap;

/// A step record whose data is not of the kind its template step has (a session record
/// altered outside Tandem, or a template changed under it). Names the step and both kinds,
/// never what was recorded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("step \"{step}\" is a {kind} step in the protocol, but its record holds {data} data")]
pub struct KindMismatch {
    /// The step's id in the template.
    pub step: String,
    /// The template's kind (`StepKind::name`).
    pub kind: &'static str,
    /// The record's kind (`StepData::name`).
    pub data: &'static str,
}

impl KindMismatch {
    fn of(step: &Step, data: &StepData) -> KindMismatch {
        KindMismatch {
            step: step.id.clone(),
            kind: step.kind.name(),
            data: data.name(),
        }
    }
}

/// A step's kind, with its template parameters, paired with its record's data, to read.
/// Field names follow `StepKind`; `data` is the record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StepView<'a> {
    /// Instructions and prompts only; nothing recorded.
    Script,
    /// Speaker and listener changed places; nothing recorded.
    SwapRoles,
    /// A paraphrase loop (`StepKind::ParaphraseLoop`).
    Loop {
        speaker: Role,
        listener: Role,
        stems: &'a [String],
        stages: &'a [LoopStage],
        feelings: &'a [String],
        data: &'a LoopRecord,
    },
    /// Speaker–listener with a floor token.
    Floor {
        first: Role,
        second: Role,
        rules: &'a [String],
        max_timeout_hours: u32,
        data: &'a FloorRecord,
    },
    /// A question list owned by one partner.
    Questions {
        owner: Role,
        categories: &'a [String],
        answering: bool,
        data: &'a QuestionsRecord,
    },
    /// Commitments.
    Plan {
        owners: &'a [Role],
        categories: &'a [String],
        review_after_days: u32,
        data: &'a PlanRecord,
    },
    /// Scales each rater answers.
    Rating {
        raters: &'a [Role],
        items: &'a [RatingItem],
        scoring: &'a Scoring,
        data: &'a RatingRecord,
    },
    /// Free text by respondent.
    Text {
        respondents: Respondents,
        stems: &'a [String],
        letter: bool,
        data: &'a EntriesRecord<String>,
    },
    /// Options chosen by respondent.
    Choice {
        respondents: Respondents,
        options: &'a [String],
        multiple: bool,
        data: &'a EntriesRecord<Vec<String>>,
    },
    /// Items ticked by respondent.
    Checklist {
        respondents: Respondents,
        items: &'a [String],
        data: &'a EntriesRecord<Vec<String>>,
    },
    /// Each item answered yes, no or "rather not say", by respondent.
    YesNo {
        respondents: Respondents,
        items: &'a [String],
        data: &'a EntriesRecord<BTreeMap<String, YesNoAnswer>>,
    },
    /// A letter answering the letter of step `to`, point by point.
    Reply {
        to: &'a str,
        author: Role,
        stems: &'a [String],
        data: &'a ReplyRecord,
    },
}

impl<'a> StepView<'a> {
    /// Pair `step`'s kind with `data`, the data of a record of that step. A `Repeat`
    /// step has no record of its own: its inner steps do.
    pub fn pair(step: &'a Step, data: &'a StepData) -> Result<StepView<'a>, KindMismatch> {
        let mismatch = || KindMismatch::of(step, data);
        Ok(match &step.kind {
            StepKind::Script => {
                let StepData::Script = data else {
                    return Err(mismatch());
                };
                StepView::Script
            }
            StepKind::SwapRoles => {
                let StepData::SwapRoles = data else {
                    return Err(mismatch());
                };
                StepView::SwapRoles
            }
            StepKind::Repeat { .. } => return Err(mismatch()),
            StepKind::ParaphraseLoop {
                speaker,
                listener,
                stems,
                stages,
                feelings,
            } => {
                let StepData::Loop(data) = data else {
                    return Err(mismatch());
                };
                StepView::Loop {
                    speaker: *speaker,
                    listener: *listener,
                    stems,
                    stages,
                    feelings,
                    data,
                }
            }
            StepKind::Floor {
                first,
                second,
                rules,
                max_timeout_hours,
            } => {
                let StepData::Floor(data) = data else {
                    return Err(mismatch());
                };
                StepView::Floor {
                    first: *first,
                    second: *second,
                    rules,
                    max_timeout_hours: *max_timeout_hours,
                    data,
                }
            }
            StepKind::Questions {
                owner,
                categories,
                answering,
            } => {
                let StepData::Questions(data) = data else {
                    return Err(mismatch());
                };
                StepView::Questions {
                    owner: *owner,
                    categories,
                    answering: *answering,
                    data,
                }
            }
            StepKind::Plan {
                owners,
                categories,
                review_after_days,
            } => {
                let StepData::Plan(data) = data else {
                    return Err(mismatch());
                };
                StepView::Plan {
                    owners,
                    categories,
                    review_after_days: *review_after_days,
                    data,
                }
            }
            StepKind::Rating {
                raters,
                items,
                scoring,
            } => {
                let StepData::Rating(data) = data else {
                    return Err(mismatch());
                };
                StepView::Rating {
                    raters,
                    items,
                    scoring,
                    data,
                }
            }
            StepKind::Text {
                respondents,
                stems,
                letter,
            } => {
                let StepData::Text(data) = data else {
                    return Err(mismatch());
                };
                StepView::Text {
                    respondents: *respondents,
                    stems,
                    letter: *letter,
                    data,
                }
            }
            StepKind::Choice {
                respondents,
                options,
                multiple,
            } => {
                let StepData::Choice(data) = data else {
                    return Err(mismatch());
                };
                StepView::Choice {
                    respondents: *respondents,
                    options,
                    multiple: *multiple,
                    data,
                }
            }
            StepKind::Checklist { respondents, items } => {
                let StepData::Checklist(data) = data else {
                    return Err(mismatch());
                };
                StepView::Checklist {
                    respondents: *respondents,
                    items,
                    data,
                }
            }
            StepKind::YesNo { respondents, items } => {
                let StepData::YesNo(data) = data else {
                    return Err(mismatch());
                };
                StepView::YesNo {
                    respondents: *respondents,
                    items,
                    data,
                }
            }
            StepKind::Reply { to, author, stems } => {
                let StepData::Reply(data) = data else {
                    return Err(mismatch());
                };
                StepView::Reply {
                    to,
                    author: *author,
                    stems,
                    data,
                }
            }
        })
    }
}

/// `StepView` with the record's data open to change (for the runner, which applies
/// actions to it). Same variants and fields.
#[derive(Debug, PartialEq)]
pub enum StepViewMut<'a> {
    /// As `StepView::Script`.
    Script,
    /// As `StepView::SwapRoles`.
    SwapRoles,
    /// As `StepView::Loop`.
    Loop {
        speaker: Role,
        listener: Role,
        stems: &'a [String],
        stages: &'a [LoopStage],
        feelings: &'a [String],
        data: &'a mut LoopRecord,
    },
    /// As `StepView::Floor`.
    Floor {
        first: Role,
        second: Role,
        rules: &'a [String],
        max_timeout_hours: u32,
        data: &'a mut FloorRecord,
    },
    /// As `StepView::Questions`.
    Questions {
        owner: Role,
        categories: &'a [String],
        answering: bool,
        data: &'a mut QuestionsRecord,
    },
    /// As `StepView::Plan`.
    Plan {
        owners: &'a [Role],
        categories: &'a [String],
        review_after_days: u32,
        data: &'a mut PlanRecord,
    },
    /// As `StepView::Rating`.
    Rating {
        raters: &'a [Role],
        items: &'a [RatingItem],
        scoring: &'a Scoring,
        data: &'a mut RatingRecord,
    },
    /// As `StepView::Text`.
    Text {
        respondents: Respondents,
        stems: &'a [String],
        letter: bool,
        data: &'a mut EntriesRecord<String>,
    },
    /// As `StepView::Choice`.
    Choice {
        respondents: Respondents,
        options: &'a [String],
        multiple: bool,
        data: &'a mut EntriesRecord<Vec<String>>,
    },
    /// As `StepView::Checklist`.
    Checklist {
        respondents: Respondents,
        items: &'a [String],
        data: &'a mut EntriesRecord<Vec<String>>,
    },
    /// As `StepView::YesNo`.
    YesNo {
        respondents: Respondents,
        items: &'a [String],
        data: &'a mut EntriesRecord<BTreeMap<String, YesNoAnswer>>,
    },
    /// As `StepView::Reply`.
    Reply {
        to: &'a str,
        author: Role,
        stems: &'a [String],
        data: &'a mut ReplyRecord,
    },
}

impl<'a> StepViewMut<'a> {
    /// Pair `step`'s kind with `data`, to change it; see `StepView::pair`.
    pub fn pair(step: &'a Step, data: &'a mut StepData) -> Result<StepViewMut<'a>, KindMismatch> {
        let data_name = data.name();
        let mismatch = || KindMismatch {
            step: step.id.clone(),
            kind: step.kind.name(),
            data: data_name,
        };
        Ok(match &step.kind {
            StepKind::Script => {
                let StepData::Script = data else {
                    return Err(mismatch());
                };
                StepViewMut::Script
            }
            StepKind::SwapRoles => {
                let StepData::SwapRoles = data else {
                    return Err(mismatch());
                };
                StepViewMut::SwapRoles
            }
            StepKind::Repeat { .. } => return Err(mismatch()),
            StepKind::ParaphraseLoop {
                speaker,
                listener,
                stems,
                stages,
                feelings,
            } => {
                let StepData::Loop(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::Loop {
                    speaker: *speaker,
                    listener: *listener,
                    stems,
                    stages,
                    feelings,
                    data,
                }
            }
            StepKind::Floor {
                first,
                second,
                rules,
                max_timeout_hours,
            } => {
                let StepData::Floor(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::Floor {
                    first: *first,
                    second: *second,
                    rules,
                    max_timeout_hours: *max_timeout_hours,
                    data,
                }
            }
            StepKind::Questions {
                owner,
                categories,
                answering,
            } => {
                let StepData::Questions(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::Questions {
                    owner: *owner,
                    categories,
                    answering: *answering,
                    data,
                }
            }
            StepKind::Plan {
                owners,
                categories,
                review_after_days,
            } => {
                let StepData::Plan(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::Plan {
                    owners,
                    categories,
                    review_after_days: *review_after_days,
                    data,
                }
            }
            StepKind::Rating {
                raters,
                items,
                scoring,
            } => {
                let StepData::Rating(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::Rating {
                    raters,
                    items,
                    scoring,
                    data,
                }
            }
            StepKind::Text {
                respondents,
                stems,
                letter,
            } => {
                let StepData::Text(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::Text {
                    respondents: *respondents,
                    stems,
                    letter: *letter,
                    data,
                }
            }
            StepKind::Choice {
                respondents,
                options,
                multiple,
            } => {
                let StepData::Choice(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::Choice {
                    respondents: *respondents,
                    options,
                    multiple: *multiple,
                    data,
                }
            }
            StepKind::Checklist { respondents, items } => {
                let StepData::Checklist(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::Checklist {
                    respondents: *respondents,
                    items,
                    data,
                }
            }
            StepKind::YesNo { respondents, items } => {
                let StepData::YesNo(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::YesNo {
                    respondents: *respondents,
                    items,
                    data,
                }
            }
            StepKind::Reply { to, author, stems } => {
                let StepData::Reply(data) = data else {
                    return Err(mismatch());
                };
                StepViewMut::Reply {
                    to,
                    author: *author,
                    stems,
                    data,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Visibility;

    fn step(kind: StepKind) -> Step {
        Step {
            id: "feelings".into(),
            title: "Feelings".into(),
            therapist: String::new(),
            prompts: Vec::new(),
            timebox_mins: None,
            visibility: Visibility::Joint,
            gates: Vec::new(),
            kind,
        }
    }

    #[test]
    fn a_record_pairs_with_its_own_kind_and_carries_the_kinds_parameters() {
        let rating = step(StepKind::Rating {
            raters: vec![Role::PartnerB],
            items: Vec::new(),
            scoring: Scoring::None,
        });
        let mut data = StepData::Rating(RatingRecord::default());
        assert!(matches!(
            StepView::pair(&rating, &data),
            Ok(StepView::Rating {
                raters: [Role::PartnerB],
                scoring: Scoring::None,
                ..
            })
        ));
        assert!(matches!(
            StepViewMut::pair(&rating, &mut data),
            Ok(StepViewMut::Rating {
                raters: [Role::PartnerB],
                ..
            })
        ));
    }

    #[test]
    fn a_record_of_another_kind_is_a_mismatch_naming_the_step_and_both_kinds() {
        let text = step(StepKind::Text {
            respondents: Respondents::Joint,
            stems: Vec::new(),
            letter: false,
        });
        let mut data = StepData::Plan(PlanRecord::default());
        let expected = KindMismatch {
            step: "feelings".into(),
            kind: "Text",
            data: "Plan",
        };
        assert_eq!(StepView::pair(&text, &data), Err(expected.clone()));
        assert_eq!(StepViewMut::pair(&text, &mut data), Err(expected.clone()));
        assert_eq!(
            expected.to_string(),
            "step \"feelings\" is a Text step in the protocol, but its record holds Plan data"
        );
    }

    #[test]
    fn a_repeat_step_pairs_with_no_record_because_its_inner_steps_hold_them() {
        let repeat = step(StepKind::Repeat {
            times: 2,
            swap_roles: true,
            steps: Vec::new(),
        });
        let mut data = StepData::Script;
        assert!(StepView::pair(&repeat, &data).is_err());
        assert!(StepViewMut::pair(&repeat, &mut data).is_err());
    }
}
