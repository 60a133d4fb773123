//! Who a view or a document is for, and what of a session that audience may see.
//!
//! `redact` is the one place that decides it: it copies a session keeping only what the
//! audience may see, so everything built from its result (a PDF, a view) cannot contain
//! anything else. Pure: no clock, no file system, no egui.

use super::{
    Partner, QuestionStatus, Respondent, Session, StepData, StepRecord, StepStatus, Visibility,
    letters,
};
use std::fmt;

/// Who a document or a view is made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Audience {
    /// The therapist: everything recorded, including notes and private items.
    Clinician,
    /// Both partners together: joint items only.
    Couple,
    /// One partner: joint items and that partner's own private items.
    Partner(Partner),
}

impl Audience {
    pub const ALL: [Audience; 4] = [
        Audience::Clinician,
        Audience::Couple,
        Audience::Partner(Partner::A),
        Audience::Partner(Partner::B),
    ];

    /// The name used on the command line: `clinician`, `couple`, `partner-a`, `partner-b`.
    pub fn name(self) -> &'static str {
        match self {
            Audience::Clinician => "clinician",
            Audience::Couple => "couple",
            Audience::Partner(Partner::A) => "partner-a",
            Audience::Partner(Partner::B) => "partner-b",
        }
    }

    pub fn from_name(name: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Who reads it, as a phrase: "the clinician", "the couple", "partner A".
    pub fn reader(self) -> &'static str {
        match self {
            Audience::Clinician => "the clinician",
            Audience::Couple => "the couple",
            Audience::Partner(Partner::A) => "partner A",
            Audience::Partner(Partner::B) => "partner B",
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Audience::Clinician => f.write_str("clinician"),
            Audience::Couple => f.write_str("couple"),
            Audience::Partner(p) => write!(f, "{p}"),
        }
    }
}

/// Why a step, or part of it, is not shown to an audience.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Withheld {
    /// For the therapist only.
    ClinicianOnly,
    /// Private to one partner, and not this audience's.
    Private,
}

impl Withheld {
    pub fn describe(self) -> &'static str {
        match self {
            Withheld::ClinicianOnly => "for the therapist only; not part of this document",
            Withheld::Private => "private; not part of this document",
        }
    }
}

/// How much of a step an audience may see.
#[derive(Clone, Debug, PartialEq)]
pub enum Shown {
    /// The step, with everything this audience may see of it (entries of others removed).
    Step(Box<StepRecord>),
    /// Nothing of the step: not its data, status or time.
    Withheld {
        step_id: String,
        pass: u32,
        why: Withheld,
    },
}

/// A session as one audience may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionView {
    pub audience: Audience,
    /// The session with `steps` emptied and `drafts` cleared: read the steps from `shown`.
    pub session: Session,
    /// One entry per step record, in order.
    pub shown: Vec<Shown>,
    /// For each shown reply whose letter this audience does not see (by its index in
    /// `shown`): how many points that letter has, so a copy can list the points still
    /// open by number without quoting them.
    pub letter_points: std::collections::BTreeMap<usize, usize>,
}

impl SessionView {
    /// The steps this audience may see, with their index among all steps.
    pub fn visible(&self) -> impl Iterator<Item = (usize, &StepRecord)> {
        self.shown.iter().enumerate().filter_map(|(i, s)| match s {
            Shown::Step(record) => Some((i, record.as_ref())),
            Shown::Withheld { .. } => None,
        })
    }
}

/// Whether a question of a list may be seen by someone other than its owner: only once
/// the owner released the list, and only the questions taken into the session.
pub fn is_question_shared(status: QuestionStatus) -> bool {
    matches!(
        status,
        QuestionStatus::Included | QuestionStatus::Answered | QuestionStatus::Deferred
    )
}

/// Copy `session` keeping only what `audience` may see.
///
/// - Text typed but never submitted (`drafts`) is never shown to anyone.
/// - The clinician sees every step as recorded.
/// - Everyone else never sees clinician notes, skip reasons or gate confirmations, nor a
///   clinician-only step (not even its status), nor a question's caution flag.
/// - A question list is its owner's: others see it only once released, and then only the
///   questions taken into the session, without the owner's "why I need to know".
/// - In a step private to one partner, a partner sees only entries that are theirs alone
///   (their text, choices, ticks, ratings, commitments, their own question list); the
///   couple sees none of it except a released question list. Loops and floors involve
///   both partners, so a private one is the clinician's only.
/// - A reply letter is its author's entry. The points it quotes are the letter writer's
///   words: wherever that letter is not shown to the audience, each quote becomes
///   "point N".
pub fn redact(session: &Session, audience: Audience) -> SessionView {
    let mut copy = session.clone();
    copy.drafts.clear();
    let steps = std::mem::take(&mut copy.steps);
    let mut shown: Vec<Shown> = steps
        .into_iter()
        .map(|record| redact_step(record, audience))
        .collect();
    let letter_points = if audience != Audience::Clinician {
        withhold_quoted_points(session, &mut shown)
    } else {
        std::collections::BTreeMap::new()
    };
    SessionView {
        audience,
        session: copy,
        shown,
        letter_points,
    }
}

/// Replace the quoted points of every shown reply whose letter this audience does not see
/// in full (the very entry the reply answers) with "point N"; the number of points in each
/// such letter, by the reply's index.
fn withhold_quoted_points(
    session: &Session,
    shown: &mut [Shown],
) -> std::collections::BTreeMap<usize, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for index in 0..shown.len() {
        let (before, rest) = shown.split_at_mut(index);
        let Some(Shown::Step(record)) = rest.first_mut() else {
            continue;
        };
        let StepData::Reply(reply) = &mut record.data else {
            continue;
        };
        let full = letters::letter_text(
            session.steps[..index].iter(),
            &reply.letter_step,
            reply.author,
        );
        let visible = letters::letter_text(
            before.iter().filter_map(|s| match s {
                Shown::Step(r) => Some(r.as_ref()),
                Shown::Withheld { .. } => None,
            }),
            &reply.letter_step,
            reply.author,
        );
        if full.is_some() && visible == full {
            continue;
        }
        let points = full.map(letters::points).unwrap_or_default();
        counts.insert(index, points.len());
        for answer in &mut reply.replies {
            let number = points
                .iter()
                .position(|p| *p == answer.point)
                .map(|i| i + 1);
            answer.point = letters::withheld_point(number);
        }
    }
    counts
}

fn withheld(record: &StepRecord, why: Withheld) -> Shown {
    Shown::Withheld {
        step_id: record.step_id.clone(),
        pass: record.pass,
        why,
    }
}

fn redact_step(mut record: StepRecord, audience: Audience) -> Shown {
    if audience == Audience::Clinician {
        return Shown::Step(Box::new(record));
    }
    if record.visibility == Visibility::ClinicianOnly {
        return withheld(&record, Withheld::ClinicianOnly);
    }
    record.clinician_note.clear();
    record.skip_reason = None;
    record.confirmations.clear();
    let private = record.visibility == Visibility::PartnerPrivate;
    // Who may see a private entry: only the partner it belongs to.
    let own = |respondent: &Respondent| match (audience, respondent) {
        (Audience::Partner(p), Respondent::Partner(q)) => p == *q,
        _ => false,
    };
    let keep_all = !private;
    let data = std::mem::replace(&mut record.data, StepData::Script);
    let data = match data {
        // Nothing here is one partner's own entry (loops and floors involve both): a
        // private one is the clinician's only.
        StepData::Script | StepData::SwapRoles | StepData::Loop(_) | StepData::Floor(_) => {
            if private {
                return withheld(&record, Withheld::Private);
            }
            data
        }
        StepData::Questions(mut list) => {
            let is_owner = audience == Audience::Partner(list.owner);
            if !is_owner {
                if list.released_at.is_none() {
                    return withheld(&record, Withheld::Private);
                }
                list.items.retain(|q| is_question_shared(q.status));
                for q in &mut list.items {
                    q.why.clear();
                }
            }
            for q in &mut list.items {
                q.caution = false;
            }
            StepData::Questions(list)
        }
        StepData::Text(mut e) => {
            e.entries.retain(|r, _| keep_all || own(r));
            StepData::Text(e)
        }
        StepData::Choice(mut e) => {
            e.entries.retain(|r, _| keep_all || own(r));
            StepData::Choice(e)
        }
        StepData::Checklist(mut e) => {
            e.entries.retain(|r, _| keep_all || own(r));
            StepData::Checklist(e)
        }
        StepData::YesNo(mut e) => {
            e.entries.retain(|r, _| keep_all || own(r));
            StepData::YesNo(e)
        }
        StepData::Rating(mut r) => {
            r.values
                .retain(|p, _| keep_all || own(&Respondent::Partner(*p)));
            r.scores
                .retain(|p, _| keep_all || own(&Respondent::Partner(*p)));
            StepData::Rating(r)
        }
        StepData::Plan(mut plan) => {
            plan.commitments.retain(|c| {
                // A shared commitment is each owner's own.
                keep_all
                    || c.draft
                        .owner
                        .partners()
                        .iter()
                        .any(|p| own(&Respondent::Partner(*p)))
            });
            StepData::Plan(plan)
        }
        StepData::Reply(mut reply) => {
            if !(keep_all || own(&Respondent::Partner(reply.author))) {
                reply.replies.clear();
            }
            StepData::Reply(reply)
        }
    };
    if private && !data.has_anything_recorded() {
        // Nothing of this audience's own: show nothing, not even whether others answered.
        return withheld(&record, Withheld::Private);
    }
    if private {
        // The status of a private step says whether others answered it.
        record.status = match record.status {
            StepStatus::Pending => StepStatus::Pending,
            _ => StepStatus::Done,
        };
    }
    record.data = data;
    Shown::Step(Box::new(record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Bindings, CoupleId, EntriesRecord, Question, QuestionsRecord, RatingRecord, SESSION_FORMAT,
        SessionId,
    };
    use chrono::{TimeZone, Utc};
    use std::collections::BTreeMap;

    fn at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap()
    }

    fn step(id: &str, visibility: Visibility, data: StepData) -> StepRecord {
        StepRecord {
            step_id: id.into(),
            pass: 1,
            visibility,
            roles: Bindings::default(),
            status: StepStatus::Done,
            first_entered_at: Some(at()),
            visit_started_at: None,
            active_secs: 60,
            skip_reason: Some("SKIP-CANARY".into()),
            confirmations: vec![],
            clinician_note: "NOTE-CANARY".into(),
            data,
        }
    }

    fn text(entries: &[(Respondent, &str)]) -> StepData {
        StepData::Text(EntriesRecord {
            entries: entries.iter().map(|(r, t)| (*r, t.to_string())).collect(),
        })
    }

    fn session(steps: Vec<StepRecord>) -> Session {
        Session {
            format: SESSION_FORMAT,
            id: SessionId(uuid::Uuid::nil()),
            couple: CoupleId(uuid::Uuid::nil()),
            template_id: "t".into(),
            template_title: "T".into(),
            protocol: None,
            screen: None,
            started_at: at(),
            ended_at: None,
            bindings: Bindings::default(),
            current: 0,
            steps,
            log: vec![],
            drafts: BTreeMap::from([("k".to_string(), "DRAFT-CANARY".to_string())]),
            take_home: None,
            paused_at: None,
            paused_secs: 0,
            ended_secs: 0,
        }
    }

    fn question(id: u32, text: &str, status: QuestionStatus) -> Question {
        Question {
            id,
            text: text.into(),
            category: String::new(),
            why: format!("WHY-{id}"),
            status,
            caution: true,
            answer: None,
            added_at: at(),
        }
    }

    fn all_text(view: &SessionView) -> String {
        format!("{:?} {:?}", view.shown, view.session)
    }

    const A: Respondent = Respondent::Partner(Partner::A);
    const B: Respondent = Respondent::Partner(Partner::B);

    #[test]
    fn private_entries_reach_only_their_partner_and_the_clinician() {
        let s = session(vec![
            step(
                "joint",
                Visibility::Joint,
                text(&[(A, "JOINT-A"), (B, "JOINT-B")]),
            ),
            step(
                "private",
                Visibility::PartnerPrivate,
                text(&[(A, "PRIVATE-A"), (B, "PRIVATE-B")]),
            ),
            step(
                "clin",
                Visibility::ClinicianOnly,
                text(&[(Respondent::Clinician, "CLINICIAN-ONLY")]),
            ),
        ]);
        let table = [
            (
                Audience::Clinician,
                &[
                    "JOINT-A",
                    "PRIVATE-A",
                    "PRIVATE-B",
                    "CLINICIAN-ONLY",
                    "NOTE-CANARY",
                    "SKIP-CANARY",
                ][..],
                &["DRAFT-CANARY"][..],
            ),
            (
                Audience::Couple,
                &["JOINT-A", "JOINT-B"][..],
                &[
                    "PRIVATE-A",
                    "PRIVATE-B",
                    "CLINICIAN-ONLY",
                    "NOTE-CANARY",
                    "SKIP-CANARY",
                    "DRAFT-CANARY",
                ][..],
            ),
            (
                Audience::Partner(Partner::A),
                &["JOINT-B", "PRIVATE-A"][..],
                &[
                    "PRIVATE-B",
                    "CLINICIAN-ONLY",
                    "NOTE-CANARY",
                    "SKIP-CANARY",
                    "DRAFT-CANARY",
                ][..],
            ),
            (
                Audience::Partner(Partner::B),
                &["JOINT-A", "PRIVATE-B"][..],
                &[
                    "PRIVATE-A",
                    "CLINICIAN-ONLY",
                    "NOTE-CANARY",
                    "SKIP-CANARY",
                    "DRAFT-CANARY",
                ][..],
            ),
        ];
        for (audience, present, absent) in table {
            let seen = all_text(&redact(&s, audience));
            for canary in present {
                assert!(seen.contains(canary), "{audience:?} should see {canary}");
            }
            for canary in absent {
                assert!(!seen.contains(canary), "{audience:?} must not see {canary}");
            }
        }
    }

    #[test]
    fn a_private_step_with_nothing_of_the_audience_is_withheld_whole() {
        let mut only_b = step("screen-b", Visibility::PartnerPrivate, text(&[(B, "x")]));
        only_b.status = StepStatus::Skipped;
        let view = redact(&session(vec![only_b]), Audience::Partner(Partner::A));
        assert!(matches!(
            view.shown[0],
            Shown::Withheld {
                why: Withheld::Private,
                ..
            }
        ));
        assert_eq!(view.visible().count(), 0);
    }

    #[test]
    fn a_question_list_is_shared_only_once_released_and_never_with_its_reasons() {
        let list = |released: bool| {
            StepData::Questions(QuestionsRecord {
                owner: Partner::A,
                items: vec![
                    question(1, "INCLUDED-Q", QuestionStatus::Included),
                    question(2, "DRAFT-Q", QuestionStatus::Draft),
                    question(3, "WITHDRAWN-Q", QuestionStatus::Withdrawn),
                ],
                released_at: released.then(at),
                next_id: 4,
            })
        };
        let unreleased = session(vec![step("q", Visibility::PartnerPrivate, list(false))]);
        let released = session(vec![step("q", Visibility::PartnerPrivate, list(true))]);
        for audience in [Audience::Couple, Audience::Partner(Partner::B)] {
            assert_eq!(redact(&unreleased, audience).visible().count(), 0);
            let seen = all_text(&redact(&released, audience));
            assert!(seen.contains("INCLUDED-Q"));
            for absent in ["DRAFT-Q", "WITHDRAWN-Q", "WHY-1", "caution: true"] {
                assert!(!seen.contains(absent), "{audience:?} must not see {absent}");
            }
        }
        let owner = all_text(&redact(&unreleased, Audience::Partner(Partner::A)));
        for present in ["INCLUDED-Q", "DRAFT-Q", "WHY-1"] {
            assert!(owner.contains(present));
        }
        assert!(!owner.contains("caution: true"));
        assert!(all_text(&redact(&unreleased, Audience::Clinician)).contains("caution: true"));
    }

    fn reply_step(visibility: Visibility) -> StepRecord {
        step(
            "reply",
            visibility,
            StepData::Reply(crate::model::ReplyRecord {
                author: Partner::A,
                letter_step: "impact".into(),
                replies: vec![
                    crate::model::PointReply {
                        point: "LETTER-P1 first point".into(),
                        text: "REPLY-1".into(),
                        at: at(),
                    },
                    crate::model::PointReply {
                        point: "LETTER-OLD edited out".into(),
                        text: "REPLY-OLD".into(),
                        at: at(),
                    },
                ],
            }),
        )
    }

    #[test]
    fn quoted_points_are_withheld_wherever_the_letter_is() {
        let letter = "LETTER-P1 first point\n\nLETTER-P2 second point";
        // (letter step visibility, reply step visibility, audience, sees the reply,
        // sees the quoted points)
        let table = [
            (
                Visibility::Joint,
                Visibility::Joint,
                Audience::Couple,
                true,
                true,
            ),
            (
                Visibility::Joint,
                Visibility::Joint,
                Audience::Partner(Partner::A),
                true,
                true,
            ),
            (
                Visibility::PartnerPrivate,
                Visibility::Joint,
                Audience::Couple,
                true,
                false,
            ),
            (
                Visibility::PartnerPrivate,
                Visibility::Joint,
                Audience::Partner(Partner::A),
                true,
                false,
            ),
            (
                Visibility::PartnerPrivate,
                Visibility::Joint,
                Audience::Partner(Partner::B),
                true,
                true,
            ),
            (
                Visibility::ClinicianOnly,
                Visibility::Joint,
                Audience::Partner(Partner::B),
                true,
                false,
            ),
            (
                Visibility::Joint,
                Visibility::PartnerPrivate,
                Audience::Couple,
                false,
                false,
            ),
            (
                Visibility::Joint,
                Visibility::PartnerPrivate,
                Audience::Partner(Partner::B),
                false,
                false,
            ),
            (
                Visibility::Joint,
                Visibility::PartnerPrivate,
                Audience::Partner(Partner::A),
                true,
                true,
            ),
            (
                Visibility::PartnerPrivate,
                Visibility::PartnerPrivate,
                Audience::Partner(Partner::A),
                true,
                false,
            ),
            (
                Visibility::PartnerPrivate,
                Visibility::PartnerPrivate,
                Audience::Clinician,
                true,
                true,
            ),
        ];
        for (letter_vis, reply_vis, audience, sees_reply, sees_points) in table {
            let s = session(vec![
                step("impact", letter_vis, text(&[(B, letter)])),
                reply_step(reply_vis),
            ]);
            let seen = all_text(&redact(&s, audience));
            let case = format!("{letter_vis:?}/{reply_vis:?} for {audience:?}");
            assert_eq!(seen.contains("REPLY-1"), sees_reply, "{case}: reply");
            assert_eq!(
                seen.contains("REPLY-OLD"),
                sees_reply,
                "{case}: orphaned reply"
            );
            if !sees_reply {
                assert!(
                    !seen.contains("LETTER-OLD"),
                    "{case}: a quoted point leaked"
                );
            }
            if sees_reply {
                assert_eq!(seen.contains("LETTER-P1"), sees_points, "{case}: point 1");
                assert_eq!(
                    seen.contains("LETTER-OLD"),
                    sees_points,
                    "{case}: old point"
                );
                if !sees_points {
                    assert!(seen.contains("point 1"), "{case}: numbered instead");
                    assert!(seen.contains("edited out of the letter"), "{case}");
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // One test per step kind: every visibility for every audience, asserted on the
    // redacted record itself (whose entries are left), not on its Debug text.

    /// Every visibility, and every audience.
    fn every_case() -> impl Iterator<Item = (Visibility, Audience)> {
        Visibility::ALL
            .into_iter()
            .flat_map(|v| Audience::ALL.into_iter().map(move |a| (v, a)))
    }

    /// What `audience` may see of entries made by `all` in a step of `visibility`: `None`
    /// when the whole step is withheld.
    fn expected(
        visibility: Visibility,
        audience: Audience,
        all: &[Respondent],
    ) -> Option<Vec<Respondent>> {
        let own: Vec<Respondent> = match (visibility, audience) {
            (_, Audience::Clinician) | (Visibility::Joint, _) => return Some(all.to_vec()),
            (Visibility::ClinicianOnly, _) | (Visibility::PartnerPrivate, Audience::Couple) => {
                return None;
            }
            (Visibility::PartnerPrivate, Audience::Partner(p)) => all
                .iter()
                .copied()
                .filter(|r| *r == Respondent::Partner(p))
                .collect(),
        };
        (!own.is_empty()).then_some(own)
    }

    /// A step of `visibility` holding `data`, with a confirmation besides the note and
    /// skip reason every test step has.
    fn recorded(visibility: Visibility, data: StepData) -> StepRecord {
        let mut record = step("s", visibility, data);
        record.confirmations.push(crate::model::Confirmation {
            statement: "CONFIRMED-CANARY".into(),
            at: at(),
        });
        record
    }

    /// The redacted record, after checking what never reaches anyone but the clinician
    /// (note, skip reason, confirmations) and that a withheld step says why.
    fn redacted(
        record: StepRecord,
        visibility: Visibility,
        audience: Audience,
    ) -> Option<StepRecord> {
        let case = format!("{visibility:?} for {audience:?}");
        match redact(&session(vec![record.clone()]), audience)
            .shown
            .remove(0)
        {
            Shown::Step(shown) => {
                if audience == Audience::Clinician {
                    assert_eq!(*shown, record, "{case}: the clinician sees it as recorded");
                } else {
                    assert!(shown.clinician_note.is_empty(), "{case}: note");
                    assert_eq!(shown.skip_reason, None, "{case}: skip reason");
                    assert!(shown.confirmations.is_empty(), "{case}: confirmations");
                }
                Some(*shown)
            }
            Shown::Withheld { why, step_id, .. } => {
                assert_eq!(step_id, "s");
                let expected_why = match visibility {
                    Visibility::ClinicianOnly => Withheld::ClinicianOnly,
                    Visibility::PartnerPrivate | Visibility::Joint => Withheld::Private,
                };
                assert_eq!(why, expected_why, "{case}");
                None
            }
        }
    }

    /// Text, choice and checklist: each respondent's entry is theirs.
    fn entries_case<T: Clone + PartialEq + std::fmt::Debug>(
        make: impl Fn(EntriesRecord<T>) -> StepData,
        take: impl Fn(StepData) -> Option<EntriesRecord<T>>,
        value: impl Fn(Respondent) -> T,
    ) {
        // In the order a record keeps them.
        let all = [Respondent::Joint, A, B, Respondent::Clinician];
        let entries = EntriesRecord {
            entries: all.iter().map(|r| (*r, value(*r))).collect(),
        };
        for (visibility, audience) in every_case() {
            let shown = redacted(
                recorded(visibility, make(entries.clone())),
                visibility,
                audience,
            );
            let want = expected(visibility, audience, &all);
            let got = shown.map(|r| {
                let kept = take(r.data).expect("the same kind");
                for (respondent, v) in &kept.entries {
                    assert_eq!(*v, value(*respondent), "an entry was changed");
                }
                kept.entries.keys().copied().collect::<Vec<_>>()
            });
            assert_eq!(got, want, "{visibility:?} for {audience:?}");
        }
    }

    #[test]
    fn redact_keeps_each_readers_own_text_entries() {
        entries_case(
            StepData::Text,
            |d| match d {
                StepData::Text(e) => Some(e),
                _ => None,
            },
            |r| format!("TEXT-{r:?}"),
        );
    }

    #[test]
    fn redact_keeps_each_readers_own_choices() {
        entries_case(
            StepData::Choice,
            |d| match d {
                StepData::Choice(e) => Some(e),
                _ => None,
            },
            |r| vec![format!("OPTION-{r:?}")],
        );
    }

    #[test]
    fn redact_keeps_each_readers_own_checklist_ticks() {
        entries_case(
            StepData::Checklist,
            |d| match d {
                StepData::Checklist(e) => Some(e),
                _ => None,
            },
            |r| vec![format!("ITEM-{r:?}-1"), format!("ITEM-{r:?}-2")],
        );
    }

    #[test]
    fn redact_keeps_each_readers_own_yes_no_answers() {
        entries_case(
            StepData::YesNo,
            |d| match d {
                StepData::YesNo(e) => Some(e),
                _ => None,
            },
            |r| {
                BTreeMap::from([
                    (format!("ITEM-{r:?}-1"), crate::model::YesNoAnswer::Yes),
                    (format!("ITEM-{r:?}-2"), crate::model::YesNoAnswer::Declined),
                ])
            },
        );
    }

    #[test]
    fn redact_keeps_each_readers_own_ratings_and_totals() {
        let value = |p: Partner| match p {
            Partner::A => 3u8,
            Partner::B => 9u8,
        };
        let mut rating = RatingRecord::default();
        for p in Partner::BOTH {
            rating
                .values
                .insert(p, BTreeMap::from([("x".to_string(), value(p))]));
            rating.scores.insert(
                p,
                crate::model::Score {
                    total: u32::from(value(p)),
                    max: 10,
                    below_cutoff: p == Partner::A,
                },
            );
        }
        let all = [A, B];
        for (visibility, audience) in every_case() {
            let shown = redacted(
                recorded(visibility, StepData::Rating(rating.clone())),
                visibility,
                audience,
            );
            let want = expected(visibility, audience, &all);
            let got = shown.map(|r| {
                let StepData::Rating(r) = r.data else {
                    panic!("a rating")
                };
                let raters: Vec<Respondent> =
                    r.values.keys().map(|p| Respondent::Partner(*p)).collect();
                let scored: Vec<Respondent> =
                    r.scores.keys().map(|p| Respondent::Partner(*p)).collect();
                assert_eq!(raters, scored, "values and totals go together");
                for (p, values) in &r.values {
                    assert_eq!(values["x"], value(*p));
                    assert_eq!(r.scores[p].total, u32::from(value(*p)));
                }
                raters
            });
            assert_eq!(got, want, "{visibility:?} for {audience:?}");
        }
    }

    #[test]
    fn redact_keeps_each_readers_own_commitments() {
        let commitment = |id: u32, owner: crate::model::Owner| crate::model::Commitment {
            id,
            draft: crate::model::CommitmentDraft {
                owner,
                category: format!("CATEGORY-{owner:?}"),
                behaviour: format!("BEHAVIOUR-{owner:?}"),
                rhythm: format!("RHYTHM-{owner:?}"),
                verification: crate::model::Verification::SelfReport,
                starts_on: at().date_naive(),
                review_on: at().date_naive(),
            },
            added_at: at(),
        };
        let plan = crate::model::PlanRecord {
            commitments: vec![
                commitment(1, crate::model::Owner::A),
                commitment(2, crate::model::Owner::B),
                commitment(3, crate::model::Owner::Both),
            ],
            next_id: 4,
        };
        let all = [A, B];
        for (visibility, audience) in every_case() {
            let shown = redacted(
                recorded(visibility, StepData::Plan(plan.clone())),
                visibility,
                audience,
            );
            // Each reader's own, and the shared one wherever either partner's is seen
            // (it is each owner's own).
            let want = expected(visibility, audience, &all).map(|seen| {
                let mut owners: Vec<crate::model::Owner> = seen
                    .iter()
                    .filter_map(|r| match r {
                        Respondent::Partner(p) => Some(crate::model::Owner::from(*p)),
                        Respondent::Joint | Respondent::Clinician => None,
                    })
                    .collect();
                if !owners.is_empty() {
                    owners.push(crate::model::Owner::Both);
                }
                owners
            });
            let got = shown.map(|r| {
                let StepData::Plan(p) = r.data else {
                    panic!("a plan")
                };
                for c in &p.commitments {
                    assert_eq!(*c, commitment(c.id, c.draft.owner));
                }
                p.commitments
                    .iter()
                    .map(|c| c.draft.owner)
                    .collect::<Vec<_>>()
            });
            assert_eq!(got, want, "{visibility:?} for {audience:?}");
        }
    }

    #[test]
    fn redact_keeps_a_reply_for_its_author_alone_when_private() {
        for author in Partner::BOTH {
            let mut record = reply_step(Visibility::Joint);
            let StepData::Reply(reply) = &mut record.data else {
                panic!("a reply")
            };
            reply.author = author;
            let data = record.data.clone();
            let all = [Respondent::Partner(author)];
            for (visibility, audience) in every_case() {
                let shown = redacted(recorded(visibility, data.clone()), visibility, audience);
                let want = expected(visibility, audience, &all);
                let got = shown.map(|r| {
                    let StepData::Reply(reply) = r.data else {
                        panic!("a reply")
                    };
                    assert_eq!(reply.author, author);
                    assert_eq!(reply.replies.len(), 2, "every answer of the author's");
                    vec![Respondent::Partner(reply.author)]
                });
                assert_eq!(
                    got, want,
                    "{author:?}'s reply, {visibility:?} for {audience:?}"
                );
            }
        }
    }

    /// Loops and floors belong to both partners: shown whole where the step is joint,
    /// to the clinician alone otherwise.
    fn shared_case(data: StepData) {
        for (visibility, audience) in every_case() {
            let shown = redacted(recorded(visibility, data.clone()), visibility, audience);
            let whole = visibility == Visibility::Joint || audience == Audience::Clinician;
            match shown {
                Some(r) => {
                    assert!(whole, "{visibility:?} for {audience:?}: shown");
                    assert_eq!(r.data, data, "{visibility:?} for {audience:?}: changed");
                }
                None => assert!(!whole, "{visibility:?} for {audience:?}: withheld"),
            }
        }
    }

    fn said(text: &str) -> crate::model::Utterance {
        crate::model::Utterance {
            text: text.into(),
            at: at(),
        }
    }

    #[test]
    fn redact_shows_a_loop_whole_or_not_at_all() {
        let mut l = crate::model::LoopRecord::new(Partner::A, Partner::B);
        l.message = Some(said("MESSAGE"));
        l.attempts.push(crate::model::MirrorAttempt {
            text: "MIRROR".into(),
            at: at(),
            outcome: Some(crate::model::MirrorOutcome::Confirmed),
            reply: String::new(),
        });
        l.stages.insert(
            crate::model::LoopStage::Empathy,
            vec![crate::model::StageAttempt {
                text: "EMPATHY".into(),
                feelings: vec!["FEELING".into()],
                at: at(),
                accepted: Some(true),
            }],
        );
        shared_case(StepData::Loop(l));
    }

    #[test]
    fn redact_shows_a_floor_whole_or_not_at_all() {
        use crate::model::{Breach, Exchange, FloorChange, FloorRecord, TimeOut};
        let f = FloorRecord {
            holders: vec![FloorChange {
                holder: Partner::A,
                at: at(),
            }],
            exchanges: vec![
                Exchange::Chunk {
                    by: Partner::A,
                    text: "CHUNK".into(),
                    at: at(),
                },
                Exchange::Paraphrase {
                    by: Partner::B,
                    text: "PARAPHRASE".into(),
                    accuracy: crate::model::Accuracy::Partly,
                    at: at(),
                },
            ],
            breaches: vec![Breach {
                rule: "RULE".into(),
                by: Partner::B,
                at: at(),
            }],
            timeouts: vec![TimeOut {
                called_by: Partner::A,
                at: at(),
                resume_at: at(),
                resumed_at: None,
            }],
        };
        shared_case(StepData::Floor(f));
    }

    #[test]
    fn redact_shows_scripts_and_role_swaps_only_where_the_step_is_shown() {
        for data in [StepData::Script, StepData::SwapRoles] {
            shared_case(data);
        }
    }

    #[test]
    fn redact_shows_a_question_list_to_its_owner_and_only_its_shared_questions_once_released() {
        let list = |owner: Partner, released: bool| QuestionsRecord {
            owner,
            items: vec![
                question(1, "INCLUDED-Q", QuestionStatus::Included),
                question(2, "DRAFT-Q", QuestionStatus::Draft),
                question(3, "ANSWERED-Q", QuestionStatus::Answered),
                question(4, "WITHDRAWN-Q", QuestionStatus::Withdrawn),
                question(5, "DEFERRED-Q", QuestionStatus::Deferred),
                question(6, "VETTED-Q", QuestionStatus::Vetted),
            ],
            released_at: released.then(at),
            next_id: 7,
        };
        for owner in Partner::BOTH {
            for released in [false, true] {
                let data = StepData::Questions(list(owner, released));
                for (visibility, audience) in every_case() {
                    let case = format!(
                        "{owner:?}'s list (released: {released}), {visibility:?} for {audience:?}"
                    );
                    let shown = redacted(recorded(visibility, data.clone()), visibility, audience);
                    // (question ids shown, with their reasons)
                    let want: Option<(Vec<u32>, bool)> = match audience {
                        Audience::Clinician => Some(((1..=6).collect(), true)),
                        _ if visibility == Visibility::ClinicianOnly => None,
                        Audience::Partner(p) if p == owner => Some(((1..=6).collect(), true)),
                        _ if released => Some((vec![1, 3, 5], false)),
                        _ => None,
                    };
                    let got = shown.map(|r| {
                        let StepData::Questions(q) = r.data else {
                            panic!("a list")
                        };
                        assert_eq!(q.owner, owner);
                        assert_eq!(q.released_at.is_some(), released, "{case}");
                        for item in &q.items {
                            assert_eq!(
                                item.caution,
                                audience == Audience::Clinician,
                                "{case}: the caution flag"
                            );
                        }
                        let reasons = q.items.iter().all(|i| !i.why.is_empty());
                        let none = q.items.iter().all(|i| i.why.is_empty());
                        assert!(reasons || none, "{case}: some reasons kept");
                        (q.items.iter().map(|i| i.id).collect::<Vec<_>>(), reasons)
                    });
                    assert_eq!(got, want, "{case}");
                }
            }
        }
    }

    #[test]
    fn audience_names_round_trip() {
        for audience in Audience::ALL {
            assert_eq!(Audience::from_name(audience.name()), Some(audience));
        }
        assert_eq!(Audience::from_name("everyone"), None);
    }
}
