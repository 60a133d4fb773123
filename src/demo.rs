//! Sample data: the demo practice (a few fictional couples with sessions, plans and
//! ratings) and the synthetic generator for benchmarks. Every session is produced by
//! running a shipped template through the real session runner, so the data has exactly
//! the shape real sessions have.
//!
//! Deterministic: the same seed and clock give the same records.

use crate::model::*;
use crate::runner::{Action, Runner, Start, respondents_of};
use crate::template::{Library, StepKind, Template};
use crate::vault::RecordBody;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// A small deterministic generator (xorshift64*), so sample data needs no extra crate.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A random (version 4) record id from this generator (no OS randomness), as the
    /// practice makes them: an id says nothing of when its record was made.
    pub fn record_id(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

const MESSAGES: &[&str] = &[
    "When you stay late at work without texting, I start to feel that I don't matter to you, and by the time you get home I am already braced for a fight.",
    "I feel lonely in the evenings. We sit in the same room but we are on our phones, and I miss the way we used to talk about our days.",
    "When you check my phone, I feel like I'm on trial. I understand why you do it, and I also feel hopeless that anything I do will ever be enough.",
    "What scares me is that we will get through this and then slowly drift apart again, the way we did before any of this happened.",
    "I feel overwhelmed when the bills come in and I'm the only one who opens them. I would like us to sit down together once a month.",
    "When you bring up what happened in front of your sister, I feel ashamed and exposed, and then I shut down and can't talk at all.",
    "I long for a weekend where we don't talk about the affair at all, just to remember that we can still enjoy each other.",
];

const MIRRORS: &[&str] = &[
    "So if I got it, when I'm late and don't text, you feel you don't matter, and you're already tense when I walk in. Did I get it?",
    "You're saying you feel alone even when we're together, and you miss talking about our days. Is that it?",
    "You feel like you're on trial when I check, you understand why, and you worry nothing will be enough. Did I get that?",
    "You're afraid that we'll drift apart again after this, like we did before. Is there more?",
    "You feel the bills all land on you, and you'd like a monthly time to go through them together. Did I get it?",
];

const CORRECTIONS: &[&str] = &[
    "Not quite: it's not that I'm angry, it's that I'm scared.",
    "Close, but it's not about the time itself, it's about not knowing.",
    "Partly. It's less about the phone and more about feeling far away.",
];

const MORE: &[&str] = &[
    "Yes, and there's more: I also feel like I have to pretend everything is fine.",
    "That's right, and also I'm tired of being the one who always brings it up.",
];

const TEXTS: &[&str] = &[
    "I appreciated that you made coffee for me on Tuesday without being asked. It felt like you were thinking of me.",
    "We managed to talk about the money without shouting, and we both stayed at the table until we had a plan.",
    "It would help me to get a short message at lunch, even just a sentence, so I'm not wondering all afternoon.",
    "I was already on edge because of the week at work, and I took it out on you when you were late.",
    "I'm sorry that I brought it up in front of your family. That was not fair to you and I won't do it again.",
    "Our next check-in is on Sunday at 7pm, after the kids are asleep.",
    "I need to know that if she contacts you, you will tell me the same day, without me having to ask.",
    "We agreed that either of us can call a time-out, and that we come back to it within a day.",
];

/// The demo impact letter: one point per paragraph (fictional, Tandem's own words).
const IMPACT_LETTER: &str = "When I found out, the floor went from under me. I could not eat for days and I still wake at four in the morning going over it.

I no longer trust my own memory of the last two years. Holidays and birthdays I thought were happy now feel like a stage set.

I have stopped seeing our friends, because I do not know who knew and who kept it from me.

At work I cannot concentrate. I check my phone all day in case there is something else I have not been told.

What I need from you now is the truth when I ask, even when the answer is hard, and patience when I ask the same thing again.";

/// Answers to the demo impact letter's points, in order; `None` leaves a point open so
/// the demo shows the coverage check.
const RESTITUTION_ANSWERS: &[Option<&str>] = &[
    Some(
        "You wrote that the floor went from under you. I did that by lying to you for months, and I am sorry for every night you have lain awake because of it. If you wake and want to talk, I will get up and talk.",
    ),
    Some(
        "You wrote that our past feels like a stage set. I made it so by hiding what I was doing while we were making those memories. I will answer any question about any date you ask about.",
    ),
    None,
    Some(
        "You wrote that you check your phone all day. That is the result of my secrecy, not a failing of yours. I will tell you the same day if I am contacted, and my phone is open to you whenever you ask.",
    ),
    Some(
        "You wrote that you need the truth and patience. I will answer every time you ask, the second and the tenth time too, without sighing or asking when this will end.",
    ),
];

const QUESTIONS: &[(&str, &str)] = &[
    (
        "When did it start, and when did it end?",
        "I keep trying to fit the timeline together and it keeps me awake.",
    ),
    (
        "Have you been in contact since you told me?",
        "I need to know whether I am safe to trust what is happening now.",
    ),
    (
        "Did anyone else know while it was happening?",
        "I need to know who I can still be open with.",
    ),
    (
        "Were there other times you thought about leaving?",
        "I need to understand how close we came.",
    ),
];

const BEHAVIOURS: &[(&str, &str)] = &[
    (
        "Send a short message at lunch saying how the morning went",
        "every weekday around 12:30",
    ),
    (
        "Tell my partner the same day if the other person contacts me, and show the message",
        "whenever it happens",
    ),
    (
        "Sit down together to go through the bills",
        "first Sunday of the month, 30 minutes",
    ),
    (
        "Ask how the day went before talking about logistics",
        "every evening when we both get home",
    ),
    (
        "Take a 20-minute walk together without phones",
        "Wednesday and Saturday",
    ),
    (
        "Call a time-out calmly instead of leaving the room, and name a time to come back",
        "whenever a talk gets heated",
    ),
];

/// How a filled session should feel: ratings drift with these, from 0.0 (low) to 1.0.
#[derive(Clone, Copy, Debug)]
pub struct Mood {
    pub a: f64,
    pub b: f64,
}

/// Actions that fill the step on screen with plausible content.
fn fill_step(runner: &Runner, rng: &mut Rng, mood: Mood, now: DateTime<Utc>) -> Vec<Action> {
    let (step, record) = runner.current();
    let roles = record.roles;
    let quiet_screen = runner.template().id == "safety-screen";
    let mut out = Vec::new();
    for gate in &step.gates {
        if let crate::template::Gate::Confirm(statement) = gate {
            out.push(Action::ConfirmGate {
                statement: statement.clone(),
            });
        }
    }
    let self_checked = step
        .gates
        .iter()
        .any(|g| matches!(g, crate::template::Gate::AllChecked(id) if *id == step.id));
    match &step.kind {
        StepKind::Script | StepKind::SwapRoles | StepKind::Repeat { .. } => {}
        StepKind::ParaphraseLoop {
            stages, feelings, ..
        } => {
            out.push(Action::SpeakerSays(rng.pick(MESSAGES).to_string()));
            let tries = 1 + rng.below(3);
            for attempt in 0..tries {
                out.push(Action::Mirror(rng.pick(MIRRORS).to_string()));
                let (outcome, reply) = if attempt + 1 == tries {
                    (MirrorOutcome::Confirmed, String::new())
                } else if rng.below(2) == 0 {
                    (MirrorOutcome::Corrected, rng.pick(CORRECTIONS).to_string())
                } else {
                    (MirrorOutcome::More, rng.pick(MORE).to_string())
                };
                out.push(Action::Verdict { outcome, reply });
            }
            for stage in stages {
                let (text, words) = match stage {
                    LoopStage::Summary => (
                        "Let me sum up what I heard: you feel alone and you want us to find our way back to talking.",
                        vec![],
                    ),
                    LoopStage::Validation => (
                        "You make sense to me, because after what happened it is natural to need reassurance.",
                        vec![],
                    ),
                    LoopStage::Empathy => {
                        let bank: Vec<String> = if feelings.is_empty() {
                            crate::template::DEFAULT_FEELINGS
                                .iter()
                                .map(|s| s.to_string())
                                .collect()
                        } else {
                            feelings.clone()
                        };
                        (
                            "I imagine you might feel lonely and a bit afraid. Is that it?",
                            vec![rng.pick(&bank).clone(), rng.pick(&bank).clone()],
                        )
                    }
                };
                let mut feelings = words;
                feelings.dedup();
                out.push(Action::StageAttempt {
                    stage: *stage,
                    text: text.to_string(),
                    feelings,
                });
                out.push(Action::StageVerdict {
                    stage: *stage,
                    accepted: true,
                });
            }
        }
        StepKind::Floor { rules, .. } => {
            for turn in 0..(2 + rng.below(3)) {
                out.push(Action::FloorChunk(rng.pick(MESSAGES).to_string()));
                out.push(Action::FloorParaphrase {
                    text: rng.pick(MIRRORS).to_string(),
                    accuracy: *rng.pick(&[
                        Accuracy::Accurate,
                        Accuracy::Accurate,
                        Accuracy::Partly,
                    ]),
                });
                if turn == 0 && !rules.is_empty() && rng.below(2) == 0 {
                    out.push(Action::Breach {
                        rule: rng.pick(rules).clone(),
                        by: Partner::B,
                    });
                }
                out.push(Action::PassFloor);
            }
        }
        StepKind::Questions {
            categories,
            answering,
            ..
        } => {
            let StepData::Questions(list) = &record.data else {
                return out;
            };
            let mut ids: Vec<u32> = list.items.iter().map(|q| q.id).collect();
            if ids.is_empty() {
                for (i, (text, why)) in QUESTIONS.iter().enumerate() {
                    out.push(Action::AddQuestion {
                        text: text.to_string(),
                        category: categories
                            .get(i % categories.len().max(1))
                            .cloned()
                            .unwrap_or_default(),
                        why: why.to_string(),
                    });
                    ids.push(list.next_id.max(1) + i as u32);
                }
                out.push(Action::SetCaution {
                    id: ids[ids.len() - 1],
                    caution: true,
                });
                out.push(Action::MoveQuestion { id: ids[1], to: 0 });
            }
            for id in &ids {
                out.push(Action::SetQuestionStatus {
                    id: *id,
                    status: QuestionStatus::Included,
                });
            }
            if *answering {
                out.push(Action::ReleaseQuestions);
                for id in ids {
                    out.push(Action::AnswerQuestion {
                        id,
                        text: "It started in March and ended in August. There has been no contact since I told you.".into(),
                    });
                }
            }
        }
        StepKind::Plan {
            owners,
            categories,
            review_after_days,
        } => {
            for (i, owner) in owners.iter().filter_map(|r| roles.partner(*r)).enumerate() {
                let (behaviour, rhythm) = rng.pick(BEHAVIOURS);
                let starts_on = now.date_naive();
                out.push(Action::AddCommitment(CommitmentDraft {
                    owner: owner.into(),
                    category: categories
                        .get(i % categories.len().max(1))
                        .cloned()
                        .unwrap_or_default(),
                    behaviour: behaviour.to_string(),
                    rhythm: rhythm.to_string(),
                    verification: if i % 2 == 0 {
                        Verification::PartnerConfirms
                    } else {
                        Verification::SelfReport
                    },
                    starts_on,
                    review_on: starts_on + Duration::days(i64::from(*review_after_days)),
                }));
            }
        }
        StepKind::Rating { raters, items, .. } => {
            for rater in raters.iter().filter_map(|r| roles.partner(*r)) {
                let level = match rater {
                    Partner::A => mood.a,
                    Partner::B => mood.b,
                };
                for item in items {
                    let span = f64::from(item.max - item.min);
                    let noise = rng.below(3) as f64 - 1.0;
                    let value = (f64::from(item.min) + span * level + noise)
                        .round()
                        .clamp(f64::from(item.min), f64::from(item.max));
                    out.push(Action::Rate {
                        rater,
                        item: item.id.clone(),
                        value: value as u8,
                    });
                }
            }
        }
        StepKind::Text {
            respondents,
            letter,
            ..
        } => {
            for respondent in respondents_of(*respondents, roles) {
                let text = if *letter {
                    IMPACT_LETTER.to_string()
                } else if quiet_screen {
                    // What a quiet screen's private notes would hold, step by step.
                    quiet_screen_text(&step.id).to_string()
                } else {
                    rng.pick(TEXTS).to_string()
                };
                out.push(Action::WriteText { respondent, text });
            }
        }
        StepKind::Reply { .. } => {
            let letter = runner.letter_for(runner.session().current).unwrap_or("");
            for (point, answer) in crate::model::letters::points(letter)
                .into_iter()
                .zip(RESTITUTION_ANSWERS)
            {
                if let Some(text) = answer {
                    out.push(Action::ReplyToPoint {
                        point,
                        text: text.to_string(),
                    });
                }
            }
        }
        StepKind::Choice {
            respondents,
            options,
            multiple,
        } => {
            for respondent in respondents_of(*respondents, roles) {
                let option = if quiet_screen {
                    options[0].clone()
                } else {
                    rng.pick(options).clone()
                };
                out.push(Action::Choose {
                    respondent,
                    option,
                    selected: true,
                });
                if *multiple && options.len() > 2 {
                    out.push(Action::Choose {
                        respondent,
                        option: rng.pick(options).clone(),
                        selected: true,
                    });
                }
            }
        }
        StepKind::YesNo { respondents, items } => {
            // The demo's screens are quiet: every item answered, and answered no.
            for respondent in respondents_of(*respondents, roles) {
                for item in items {
                    let answer = if quiet_screen || rng.below(4) > 0 {
                        crate::model::YesNoAnswer::No
                    } else {
                        crate::model::YesNoAnswer::Yes
                    };
                    out.push(Action::AnswerItem {
                        respondent,
                        item: item.clone(),
                        answer: Some(answer),
                    });
                }
            }
        }
        StepKind::Checklist { respondents, items } => {
            for respondent in respondents_of(*respondents, roles) {
                for item in items {
                    let tick = self_checked || (!quiet_screen && rng.below(3) > 0);
                    if tick {
                        out.push(Action::Check {
                            respondent,
                            item: item.clone(),
                            checked: true,
                        });
                    }
                }
            }
        }
    }
    if rng.below(4) == 0 {
        out.push(Action::Note(
            "Both calmer than last week; watch for withdrawal when money comes up.".into(),
        ));
    }
    out
}

/// The text a quiet safety screen holds in its private and clinician-only steps.
fn quiet_screen_text(step: &str) -> &'static str {
    match step {
        "note-a" | "note-b" => "Nothing more to add today; knows the door is open if that changes.",
        "assessment" => "Nothing raised in either private screen; no hesitation noticed.",
        "safety-plan" => {
            "No safety protocol needed for now. Both know they can ask to be seen alone at any time."
        }
        "rescreen" => "Re-screen in about three months, sooner after any change at home.",
        _ => "Nothing to note.",
    }
}

/// Run a template from start to end with plausible content. Steps are a few minutes apart.
pub fn run_session(
    template: &Template,
    couple: CoupleId,
    start: DateTime<Utc>,
    facts: CoupleFacts,
    rng: &mut Rng,
    mood: Mood,
) -> Option<Session> {
    let id = SessionId(rng.record_id());
    let bindings = Bindings {
        speaker: Some(*rng.pick(&Partner::BOTH)),
        hurt_partner: Some(Partner::A),
    };
    let mut runner = Runner::start(
        template,
        Start {
            session: id,
            couple,
            bindings,
            facts,
            questions: None,
        },
        start,
    )
    .ok()?;
    let mut now = start;
    loop {
        for action in fill_step(&runner, rng, mood, now) {
            now += Duration::seconds(20 + rng.below(60) as i64);
            // Content that does not fit a step is skipped, never forced.
            let _ = runner.apply(action, now);
        }
        now += Duration::minutes(1);
        let last = runner.session().current + 1 == runner.session().steps.len();
        if last {
            let _ = runner.apply(Action::End, now);
            break;
        }
        if runner.apply(Action::Next, now).is_err()
            && runner
                .apply(
                    Action::Skip {
                        reason: "demo".into(),
                    },
                    now,
                )
                .is_err()
        {
            let _ = runner.apply(Action::End, now);
            break;
        }
    }
    Some(runner.into_session())
}

fn couple(
    rng: &mut Rng,
    code: &str,
    a: (&str, &str),
    b: (&str, &str),
    created: DateTime<Utc>,
) -> Couple {
    Couple {
        format: COUPLE_FORMAT,
        id: CoupleId(rng.record_id()),
        code: code.to_string(),
        partner_a: PartnerInfo {
            name: a.0.into(),
            pronouns: a.1.into(),
        },
        partner_b: PartnerInfo {
            name: b.0.into(),
            pronouns: b.1.into(),
        },
        created_on: created.date_naive(),
        archived: false,
    }
}

/// (name, pronouns)
type Person = (&'static str, &'static str);

const DEMO_COUPLES: &[(&str, Person, Person)] = &[
    (
        "C-0101",
        ("Maya Okafor", "she/her"),
        ("Daniel Reyes", "he/him"),
    ),
    (
        "C-0102",
        ("Sam Whitfield", "they/them"),
        ("Jordan Lee", "she/her"),
    ),
    (
        "C-0103",
        ("Priya Nair", "she/her"),
        ("Tom Becker", "he/him"),
    ),
    (
        "C-0104",
        ("Alex Moreau", "he/him"),
        ("Chris Dunn", "he/him"),
    ),
];

/// The course of therapy each demo couple has had, oldest first.
const DEMO_COURSE: &[&str] = &[
    "safety-screen",
    "csi-4",
    "intentional-dialogue",
    "communication-plan",
    "weekly-check-in",
    "speaker-listener-floor",
    "weekly-check-in",
    "csi-4",
];

/// The practice name the demo vault's exports carry.
pub const DEMO_PRACTICE_NAME: &str = "Demo practice (fictional couples)";

/// The demo practice's own safety resources: fictional, as a practice would set its
/// local ones (`tandem settings --resource`).
pub fn demo_safety_resources() -> Vec<String> {
    vec![
        "Riverside Women's Aid, open day and night: 0100 000 0000 (fictional number)".into(),
        "Harbour Men's Advice Line, weekdays: 0100 000 0001 (fictional number)".into(),
        "City crisis team for thoughts of suicide: 0100 000 0002 (fictional number)".into(),
    ]
}

/// The demo practice: fictional couples, each with a course of sessions over the past
/// weeks (safety screens, measures, dialogues, plans, check-ins).
pub fn practice(library: &Library, now: DateTime<Utc>) -> Vec<RecordBody> {
    let mut rng = Rng::new(2026);
    let mut records = Vec::new();
    for (n, (code, a, b)) in DEMO_COUPLES.iter().enumerate() {
        let weeks = DEMO_COURSE.len() as i64 - n as i64;
        let first = now - Duration::weeks(weeks + 1);
        let c = couple(&mut rng, code, *a, *b, first);
        let facts = CoupleFacts {
            screened: Partner::BOTH.into_iter().collect(),
            safety_decision: Some(SafetyDecision::JointWork),
        };
        for (week, template_id) in DEMO_COURSE.iter().take(weeks as usize).enumerate() {
            let Some(template) = library.get(template_id) else {
                continue;
            };
            let progress = week as f64 / DEMO_COURSE.len() as f64;
            let mood = Mood {
                a: 0.35 + 0.4 * progress,
                b: 0.3 + 0.25 * progress + 0.1 * n as f64,
            };
            let day = (first + Duration::weeks(week as i64 + 1)).date_naive();
            let start = day.and_hms_opt(10, 0, 0).map_or(first, |t| t.and_utc());
            let facts = if week == 0 {
                CoupleFacts::default()
            } else {
                facts.clone()
            };
            if let Some(session) = run_session(template, c.id, start, facts, &mut rng, mood) {
                records.push(RecordBody::Session(session));
            }
        }
        // The first couple is in affair recovery: impact and restitution letters, with one
        // point of the impact letter not yet answered (the coverage check shows it). Its
        // own random stream, so the other couples' sessions stay as they were.
        if n == 0
            && let Some(template) = library.get("impact-and-restitution-letters")
        {
            // On the hour, like every demo session (exports show whole-hour times).
            let day = (now - Duration::days(3)).date_naive();
            let start = day.and_hms_opt(10, 0, 0).map_or(now, |t| t.and_utc());
            let mood = Mood { a: 0.4, b: 0.5 };
            if let Some(session) =
                run_session(template, c.id, start, facts.clone(), &mut Rng::new(7), mood)
            {
                records.push(RecordBody::Session(session));
            }
        }
        // The second couple brought back a weekly check-in one partner filled in at home.
        if n == 1 {
            records.extend(take_home_check_in(library, &c, now, &facts));
        }
        records.insert(0, RecordBody::Couple(c));
    }
    records
}

/// A weekly check-in issued to partner B of `couple` two days ago, filled in at home the
/// next evening and brought back: the issued record and the session made from it, through
/// the same code the practice uses.
fn take_home_check_in(
    library: &Library,
    couple: &Couple,
    now: DateTime<Utc>,
    facts: &CoupleFacts,
) -> Vec<RecordBody> {
    use crate::runner::takehome::{Issue, Known, import, issue};
    let Some(template) = library.get("weekly-check-in") else {
        return Vec::new();
    };
    let Ok(snapshot) = crate::template::snapshot(template) else {
        return Vec::new();
    };
    let day = (now - Duration::days(2)).date_naive();
    let issued_at = day.and_hms_opt(11, 0, 0).map_or(now, |t| t.and_utc());
    let filled_at = issued_at + Duration::hours(9);
    let mut rng = Rng::new(11);
    let id = WorksheetId(rng.record_id());
    let token = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
    let Ok((mut record, mut file)) = issue(
        template,
        Issue {
            id,
            token,
            template_source: snapshot,
            for_whom: WorksheetFor::Partner(Partner::B),
            bindings: Bindings::default(),
            couple: Some((couple.id, couple.names(), facts.clone())),
            practice: String::new(),
            questions: None,
        },
        issued_at,
    ) else {
        return Vec::new();
    };
    let me = Respondent::Partner(Partner::B);
    let text = |t: &str| Answer::Text([(me, t.to_string())].into());
    file.answers.insert(
        "appreciations".into(),
        text("You picked me up from the station in the rain on Tuesday without my asking."),
    );
    file.answers.insert(
        "feel-loved".into(),
        text("Ask me about my day before we talk about the kids' schedule."),
    );
    file.answers.insert(
        "ratings".into(),
        Answer::Rating(
            [(
                Partner::B,
                [("trust".to_string(), 6), ("felt_heard".to_string(), 7)].into(),
            )]
            .into(),
        ),
    );
    file.filled_at = Some(filled_at);
    let known = Known {
        facts: facts.clone(),
        questions: None,
    };
    let session = id.session_id();
    let brought_back = filled_at + Duration::hours(14);
    match import(
        template,
        &record,
        &file,
        couple.id,
        known,
        session,
        brought_back,
    ) {
        Ok(session) => {
            record.imported = Some(ImportedWorksheet {
                at: brought_back,
                couple: couple.id,
                session: session.id,
            });
            vec![RecordBody::Worksheet(record), RecordBody::Session(session)]
        }
        Err(_) => Vec::new(),
    }
}

/// Synthetic records for benchmarks: `sessions` sessions of realistic size spread over
/// one couple per ten sessions, from the shipped dialogue and check-in protocols.
pub fn generate(
    library: &Library,
    sessions: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> impl Iterator<Item = RecordBody> + '_ {
    let mut rng = Rng::new(seed);
    let couples = sessions.div_ceil(10).max(1);
    let templates: Vec<&Template> = [
        "intentional-dialogue",
        "weekly-check-in",
        "regrettable-incident",
        "communication-plan",
    ]
    .iter()
    .filter_map(|id| library.get(id))
    .collect();
    let facts = CoupleFacts {
        screened: Partner::BOTH.into_iter().collect(),
        safety_decision: Some(SafetyDecision::JointWork),
    };
    let mut made = 0usize;
    let mut couple_ids = Vec::with_capacity(couples);
    (0..couples + sessions).filter_map(move |i| {
        if i < couples {
            let created = now - Duration::days(400);
            let c = couple(
                &mut rng,
                &format!("G-{i:05}"),
                ("Partner A", ""),
                ("Partner B", ""),
                created,
            );
            couple_ids.push(c.id);
            return Some(RecordBody::Couple(c));
        }
        if templates.is_empty() {
            return None;
        }
        let couple = couple_ids[made % couples];
        let template = templates[made % templates.len()];
        let start = now - Duration::days(365) + Duration::minutes(made as i64 * 50);
        made += 1;
        let mood = Mood { a: 0.5, b: 0.5 };
        run_session(template, couple, start, facts.clone(), &mut rng, mood).map(RecordBody::Session)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_has_a_take_home_worksheet_brought_back_by_one_partner() {
        let records = practice(&Library::builtin(), Utc::now());
        let issued: Vec<&IssuedWorksheet> = records
            .iter()
            .filter_map(|r| match r {
                RecordBody::Worksheet(w) => Some(w),
                _ => None,
            })
            .collect();
        assert_eq!(issued.len(), 1);
        let imported = issued[0].imported.as_ref().expect("brought back");
        let session = records
            .iter()
            .find_map(|r| match r {
                RecordBody::Session(s) if s.id == imported.session => Some(s),
                _ => None,
            })
            .expect("its session");
        assert_eq!(session.take_home, Some(issued[0].id));
        assert!(session.ended_at.is_some());
        let appreciations = session
            .steps
            .iter()
            .find(|s| s.step_id == "appreciations")
            .expect("step");
        // Only one partner wrote at home: their entry is there, the step not complete.
        assert_eq!(appreciations.status, StepStatus::Incomplete);
        assert!(matches!(&appreciations.data, StepData::Text(e)
            if e.entries.keys().eq([&Respondent::Partner(Partner::B)])));
    }
}
