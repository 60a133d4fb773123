//! One canary test for every place a session is shown. A protocol made for the test has
//! every step kind at every visibility; a unique word, tick or number is planted in every
//! field a step can record (texts, loop messages, mirrors, corrections, stage attempts and
//! their feeling words, floor turns and rule breaches, questions with their category,
//! reason and answer, commitments with their dates, ratings and totals, choices, checklist
//! ticks, reply letters and the points they quote, skip reasons, confirmations, clinician
//! notes, text never submitted). Each canary knows whose it is; then every view is read:
//! `redact` for each audience, the couple's screen (present mode) on every step, the
//! hand-over screen of every partner with a part in a step, and every session document
//! and the progress report for every audience, rendered to PDF and read back. A canary
//! may appear exactly where its owner's rules allow, and in the session note it must.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{flat, pdf_text};
use egui::accesskit::Toggled;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};
use std::collections::BTreeMap;
use tandem::app::state::Live;
use tandem::export::{
    self, Context, ExportError, SessionDocument, Zone, progress_report, session_report,
};
use tandem::model::*;
use tandem::runner::Runner;
use tandem::template::{Library, Template};

// ---------------------------------------------------------------------------------------
// Canaries and who may read them

/// Whose a planted value is, which with the step's visibility says who may read it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Whose {
    /// One partner's own entry.
    Own(Partner),
    /// Part of one partner's question list that stays theirs whatever the step's
    /// visibility: the list until they release it, a question not taken into the session,
    /// every "why I need to know".
    Owner(Partner),
    /// Both partners' (a loop, a floor, a joint answer, the points a reply quotes).
    Shared,
    /// A question of a released list that was taken into the session.
    Released,
    /// The therapist's alone, whatever the step: notes, skip reasons, confirmations, the
    /// caution flag.
    Therapist,
    /// Nobody's: text never submitted, a scale point nobody chose.
    Never,
}

/// How a canary shows.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Form {
    /// Words recorded as they are (in the record and wherever it is shown).
    Text,
    /// Words of the protocol that a document or screen shows only because of an entry
    /// (the word for a chosen scale point, a total's flag, a formatted date, the caution
    /// line): looked for in what is rendered, not in the record.
    Rendered,
    /// An option or checklist item: the protocol lists it everywhere, so what counts is
    /// that it shows as chosen (in the record, "☑ item" in a PDF, a ticked box on
    /// screen).
    Tick,
    /// A number (a rating or a total): a whole word of what is rendered.
    Number,
}

#[derive(Clone, Debug)]
struct Canary {
    token: String,
    whose: Whose,
    visibility: Visibility,
    form: Form,
    /// Where it was planted, for messages.
    place: String,
    /// Shown in the progress report (a scored total).
    in_progress: bool,
}

impl Canary {
    /// Whether `audience` may read it in a document or on the couple's screen.
    fn may(&self, audience: Audience) -> bool {
        self.may_at(audience, self.visibility)
    }

    /// Whether a partner may read it on their own hand-over screen: their own form, so on
    /// a step only the therapist reads afterwards they still see what they are writing,
    /// as on a private one, and never anyone else's.
    fn may_while_handed(&self, partner: Partner) -> bool {
        let visibility = match self.visibility {
            Visibility::ClinicianOnly => Visibility::PartnerPrivate,
            other => other,
        };
        self.may_at(Audience::Partner(partner), visibility)
    }

    fn may_at(&self, audience: Audience, visibility: Visibility) -> bool {
        match (self.whose, audience) {
            (Whose::Never, _) => false,
            (_, Audience::Clinician) => true,
            (Whose::Therapist, _) => false,
            _ if visibility == Visibility::ClinicianOnly => false,
            (Whose::Released, _) => true,
            (Whose::Owner(p), Audience::Partner(q)) => p == q,
            (Whose::Owner(_), _) => false,
            _ if visibility == Visibility::Joint => true,
            (Whose::Own(p), Audience::Partner(q)) => p == q,
            (Whose::Own(_) | Whose::Shared, _) => false,
        }
    }
}

/// The canaries, as they are planted.
#[derive(Default)]
struct Plants {
    all: Vec<Canary>,
    /// The visibility of the step being planted.
    visibility: Visibility,
    step: String,
}

impl Plants {
    fn add(&mut self, token: String, whose: Whose, form: Form, field: &str) -> String {
        assert!(
            self.all.iter().all(|c| c.token != token),
            "canary {token} planted twice"
        );
        self.all.push(Canary {
            token: token.clone(),
            whose,
            visibility: self.visibility,
            form,
            place: format!("{} {field}", self.step),
            in_progress: false,
        });
        token
    }

    /// A fresh word: "Zc017q". Fixed width, so that no canary is part of another.
    fn word(&mut self, whose: Whose, form: Form, field: &str) -> String {
        let token = format!("Zc{:03}q", self.all.len());
        self.add(token, whose, form, field)
    }

    fn text(&mut self, whose: Whose, field: &str) -> String {
        self.word(whose, Form::Text, field)
    }

    fn number(&mut self, value: u32, whose: Whose, field: &str, in_progress: bool) -> u32 {
        self.add(value.to_string(), whose, Form::Number, field);
        if let Some(last) = self.all.last_mut() {
            last.in_progress = in_progress;
        }
        value
    }
}

// ---------------------------------------------------------------------------------------
// The protocol and the session

const PARTNER_A: &str = "Ana Quill";
const PARTNER_B: &str = "Ben Marsh";

/// Hurt partner B, so the disclosing partner (a reply's author, the owner of the second
/// question list) is A.
fn bindings() -> Bindings {
    Bindings {
        speaker: Some(Partner::A),
        hurt_partner: Some(Partner::B),
    }
}

fn started() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap()
}

fn couple() -> Couple {
    Couple {
        format: COUPLE_FORMAT,
        id: CoupleId(uuid::Uuid::from_u128(11)),
        code: "C-0711".into(),
        partner_a: PartnerInfo {
            name: PARTNER_A.into(),
            pronouns: String::new(),
        },
        partner_b: PartnerInfo {
            name: PARTNER_B.into(),
            pronouns: String::new(),
        },
        created_on: started().date_naive(),
        archived: false,
    }
}

fn ctx() -> Context {
    Context {
        practice: "Canary practice".into(),
        now: started() + Duration::days(21),
        zone: Zone::Fixed(chrono::FixedOffset::east_opt(0).unwrap()),
        resources: Vec::new(),
        dates: Default::default(),
    }
}

const SUFFIXES: [(Visibility, &str); 3] = [
    (Visibility::Joint, "j"),
    (Visibility::PartnerPrivate, "p"),
    (Visibility::ClinicianOnly, "c"),
];

/// A rating step's chosen values: (amount 0..=100, scale word 0..=4) for A and for B.
/// Every amount and total is above any step count, day or small number a document holds;
/// A's totals fall below the cutoff (65), B's do not.
fn rating_values(suffix: &str) -> [(Partner, u8, u8); 2] {
    match suffix {
        "j" => [(Partner::A, 53, 1), (Partner::B, 71, 3)],
        "p" => [(Partner::A, 57, 2), (Partner::B, 83, 4)],
        _ => [(Partner::A, 61, 1), (Partner::B, 91, 2)],
    }
}

/// Options and items of one choice or checklist step: A's two, B's one, and one nobody
/// picks.
struct Ticks {
    a: [String; 2],
    b: String,
    never: String,
}

impl Ticks {
    fn plant(plants: &mut Plants) -> Ticks {
        Ticks {
            a: [
                plants.word(Whose::Own(Partner::A), Form::Tick, "A's first pick"),
                plants.word(Whose::Own(Partner::A), Form::Tick, "A's second pick"),
            ],
            b: plants.word(Whose::Own(Partner::B), Form::Tick, "B's pick"),
            never: plants.word(Whose::Never, Form::Tick, "the option nobody picks"),
        }
    }

    fn list(&self) -> String {
        format!(
            "[\"{}\", \"{}\", \"{}\", \"{}\"]",
            self.a[0], self.a[1], self.b, self.never
        )
    }

    fn entries(&self) -> EntriesRecord<Vec<String>> {
        EntriesRecord {
            entries: BTreeMap::from([
                (Respondent::Partner(Partner::A), self.a.to_vec()),
                (Respondent::Partner(Partner::B), vec![self.b.clone()]),
            ]),
        }
    }
}

/// The options and items of a visibility's steps, planted before the protocol is
/// written (its scale words and flags are planted with it).
struct Listed {
    choice: Ticks,
    checklist: Ticks,
    /// The items of a yes/no step each partner answers alone (an item's text shows only
    /// beside its answers, so it is the answering partner's).
    yes_no: [[String; 2]; 2],
}

/// The template text, with the canaries it lists.
fn protocol(plants: &mut Plants) -> (String, BTreeMap<&'static str, Listed>) {
    let mut steps = String::new();
    let mut listed = BTreeMap::new();
    for (visibility, v) in SUFFIXES {
        plants.visibility = visibility;
        plants.step = format!("listed-{v}");
        let choice = Ticks::plant(plants);
        let checklist = Ticks::plant(plants);
        let yes_no = [Partner::A, Partner::B].map(|p| {
            [
                plants.text(Whose::Own(p), "a yes/no item answered yes"),
                plants.text(Whose::Own(p), "a yes/no item answered no"),
            ]
        });
        let values = rating_values(v);
        let anchors: Vec<String> = (0..=4u8)
            .map(|point| {
                let chosen = values.iter().find(|(_, _, word)| *word == point);
                match chosen {
                    Some((p, _, _)) => {
                        plants.word(Whose::Own(*p), Form::Rendered, "the chosen scale word")
                    }
                    None => plants.word(Whose::Never, Form::Rendered, "a scale word not chosen"),
                }
            })
            .collect();
        // Only A's total is below the cutoff, so the flag beside it is A's.
        let flag = plants.word(Whose::Own(Partner::A), Form::Rendered, "the low-total flag");
        let vis = format!("{visibility:?}");
        steps.push_str(&format!(
            r#"
            (id: "script-{v}", title: "Script {v}", prompts: ["Read this together."], visibility: {vis}, kind: Script),
            (id: "loop-{v}", title: "Loop {v}", visibility: {vis}, kind: ParaphraseLoop(stages: [Summary, Validation, Empathy])),
            (id: "floor-{v}", title: "Floor {v}", visibility: {vis}, kind: Floor()),
            (id: "questions-{v}", title: "Questions {v}", visibility: {vis}, kind: Questions(owner: HurtPartner, answering: true)),
            (id: "list-{v}", title: "List {v}", visibility: {vis}, kind: Questions(owner: DisclosingPartner)),
            (id: "plan-{v}", title: "Plan {v}", visibility: {vis}, kind: Plan()),
            (id: "rating-{v}", title: "Rating {v}", visibility: {vis}, kind: Rating(
                items: [
                    (id: "amount_{v}", label: "How much", min: 0, max: 100, low: "none", high: "all"),
                    (id: "word_{v}", label: "In a word", min: 0, max: 4, anchors: [{anchors}]),
                ],
                scoring: Sum(cutoff: 65, flag: "{flag}"),
            )),
            (id: "text-{v}", title: "Text {v}", visibility: {vis}, kind: Text(respondents: Each, letter: true)),
            (id: "choice-{v}", title: "Choice {v}", visibility: {vis}, kind: Choice(respondents: Each, multiple: true, options: {choice})),
            (id: "checklist-{v}", title: "Checklist {v}", visibility: {vis}, kind: Checklist(respondents: Each, items: {checklist})),
            (id: "reply-{v}", title: "Reply {v}", visibility: {vis}, kind: Reply(to: "text-{v}", author: DisclosingPartner)),
            (id: "yesnoa-{v}", title: "Yes or no A {v}", visibility: {vis}, kind: YesNo(respondents: Role(PartnerA), items: ["{ya0}", "{ya1}"])),
            (id: "yesnob-{v}", title: "Yes or no B {v}", visibility: {vis}, kind: YesNo(respondents: Role(PartnerB), items: ["{yb0}", "{yb1}"])),"#,
            ya0 = yes_no[0][0],
            ya1 = yes_no[0][1],
            yb0 = yes_no[1][0],
            yb1 = yes_no[1][1],
            anchors = anchors
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", "),
            choice = choice.list(),
            checklist = checklist.list(),
        ));
        listed.insert(
            v_key(v),
            Listed {
                choice,
                checklist,
                yes_no,
            },
        );
    }
    steps.push_str(
        r#"
            (id: "together-j", title: "Together", kind: Text(respondents: Joint)),
            (id: "swap-j", title: "Swap j", kind: SwapRoles),
            (id: "swap-p", title: "Swap p", visibility: PartnerPrivate, kind: SwapRoles),
            (id: "swap-c", title: "Swap c", visibility: ClinicianOnly, kind: SwapRoles),"#,
    );
    let text = format!(
        r#"(format: 1, id: "canary", title: "Canary protocol", summary: "Every step kind at every visibility.", source: "Written for Tandem's canary test.", roles: [Speaker, Listener, HurtPartner, DisclosingPartner], steps: [{steps}])"#
    );
    (text, listed)
}

fn v_key(v: &str) -> &'static str {
    match v {
        "j" => "j",
        "p" => "p",
        _ => "c",
    }
}

fn said(text: String, minute: i64) -> Utterance {
    Utterance {
        text,
        at: started() + Duration::minutes(minute),
    }
}

/// Plant a canary in every field of every step of a fresh session.
fn planted_session(
    template: &Template,
    plants: &mut Plants,
    listed: &BTreeMap<&str, Listed>,
) -> Session {
    let runner = Runner::start(
        template,
        tandem::runner::Start {
            session: SessionId(uuid::Uuid::from_u128(12)),
            couple: couple().id,
            bindings: bindings(),
            facts: CoupleFacts::default(),
            questions: None,
        },
        started(),
    )
    .expect("the canary protocol starts");
    let mut session = runner.into_session();
    session.ended_at = Some(started() + Duration::minutes(50));
    plants.visibility = Visibility::Joint;
    plants.step = "the session".into();
    let draft = plants.text(Whose::Never, "text typed but never submitted");
    session.drafts.insert("mirror".into(), draft);
    let at = |minute: i64| started() + Duration::minutes(minute);
    let mut year = 2030;
    let mut date = |day: u32| {
        year += 1;
        NaiveDate::from_ymd_opt(year, 3, day).expect("a date")
    };
    for record in &mut session.steps {
        plants.visibility = record.visibility;
        plants.step = record.step_id.clone();
        let v = record.step_id.rsplit('-').next().unwrap_or("j").to_string();
        record.status = StepStatus::Done;
        record.first_entered_at = Some(at(1));
        record.active_secs = 60;
        record.clinician_note = plants.text(Whose::Therapist, "clinician's note");
        record.skip_reason = Some(plants.text(Whose::Therapist, "skip reason"));
        record.confirmations = vec![Confirmation {
            statement: plants.text(Whose::Therapist, "confirmation"),
            at: at(2),
        }];
        let kind = record.step_id.split('-').next().unwrap_or("").to_string();
        match (&mut record.data, kind.as_str()) {
            (StepData::Script | StepData::SwapRoles, _) => {}
            (StepData::Loop(l), _) => {
                l.message = Some(said(plants.text(Whose::Shared, "speaker's message"), 3));
                l.attempts = vec![
                    MirrorAttempt {
                        text: plants.text(Whose::Shared, "first mirror"),
                        at: at(4),
                        outcome: Some(MirrorOutcome::Corrected),
                        reply: plants.text(Whose::Shared, "speaker's correction"),
                    },
                    MirrorAttempt {
                        text: plants.text(Whose::Shared, "second mirror"),
                        at: at(5),
                        outcome: Some(MirrorOutcome::More),
                        reply: plants.text(Whose::Shared, "speaker's addition"),
                    },
                    MirrorAttempt {
                        text: plants.text(Whose::Shared, "third mirror"),
                        at: at(6),
                        outcome: Some(MirrorOutcome::Confirmed),
                        reply: String::new(),
                    },
                ];
                for stage in [
                    LoopStage::Summary,
                    LoopStage::Validation,
                    LoopStage::Empathy,
                ] {
                    let feelings = if stage == LoopStage::Empathy {
                        vec![
                            plants.text(Whose::Shared, "feeling word"),
                            plants.text(Whose::Shared, "feeling word"),
                        ]
                    } else {
                        Vec::new()
                    };
                    l.stages.insert(
                        stage,
                        vec![StageAttempt {
                            text: plants.text(Whose::Shared, "stage attempt"),
                            feelings,
                            at: at(7),
                            accepted: Some(stage != LoopStage::Validation),
                        }],
                    );
                }
            }
            (StepData::Floor(f), _) => {
                f.holders = vec![
                    FloorChange {
                        holder: Partner::A,
                        at: at(3),
                    },
                    FloorChange {
                        holder: Partner::B,
                        at: at(6),
                    },
                ];
                f.exchanges = vec![
                    Exchange::Chunk {
                        by: Partner::A,
                        text: plants.text(Whose::Shared, "A's turn speaking"),
                        at: at(4),
                    },
                    Exchange::Paraphrase {
                        by: Partner::B,
                        text: plants.text(Whose::Shared, "B's paraphrase"),
                        accuracy: Accuracy::Partly,
                        at: at(5),
                    },
                    Exchange::Chunk {
                        by: Partner::B,
                        text: plants.text(Whose::Shared, "B's turn speaking"),
                        at: at(7),
                    },
                ];
                f.breaches = vec![Breach {
                    rule: plants.text(Whose::Shared, "the rule broken"),
                    by: Partner::B,
                    at: at(8),
                }];
                f.timeouts = vec![TimeOut {
                    called_by: Partner::A,
                    at: at(9),
                    resume_at: at(20),
                    resumed_at: Some(at(19)),
                }];
            }
            (StepData::Questions(q), "questions") => {
                // B's list, released: what was taken into the session is shared.
                let owner = Whose::Owner(q.owner);
                let statuses = [
                    (QuestionStatus::Answered, true),
                    (QuestionStatus::Draft, false),
                    (QuestionStatus::Withdrawn, false),
                    (QuestionStatus::Deferred, true),
                    (QuestionStatus::Included, true),
                ];
                q.items = statuses
                    .iter()
                    .enumerate()
                    .map(|(i, (status, shared))| {
                        let whose = if *shared { Whose::Released } else { owner };
                        Question {
                            id: i as u32 + 1,
                            text: plants.text(whose, "question"),
                            category: plants.text(whose, "question's category"),
                            why: plants.text(owner, "why I need to know"),
                            status: *status,
                            caution: i == 0,
                            answer: (*status == QuestionStatus::Answered)
                                .then(|| said(plants.text(whose, "answer"), 10)),
                            added_at: at(2),
                        }
                    })
                    .collect();
                q.next_id = statuses.len() as u32 + 1;
                q.released_at = Some(at(9));
            }
            (StepData::Questions(q), _) => {
                // A's list, never released: all of it A's.
                let owner = Whose::Owner(q.owner);
                q.items = [QuestionStatus::Included, QuestionStatus::Draft]
                    .iter()
                    .enumerate()
                    .map(|(i, status)| Question {
                        id: i as u32 + 1,
                        text: plants.text(owner, "unreleased question"),
                        category: plants.text(owner, "unreleased question's category"),
                        why: plants.text(owner, "unreleased why I need to know"),
                        status: *status,
                        caution: false,
                        answer: None,
                        added_at: at(2),
                    })
                    .collect();
                q.next_id = 3;
            }
            (StepData::Plan(p), _) => {
                p.commitments = Partner::BOTH
                    .into_iter()
                    .enumerate()
                    .map(|(i, owner)| {
                        let whose = Whose::Own(owner);
                        let starts_on = date(10 + i as u32);
                        let review_on = date(20 + i as u32);
                        for day in [starts_on, review_on] {
                            plants.add(
                                day.format("%-d %b %Y").to_string(),
                                whose,
                                Form::Rendered,
                                "a commitment's date",
                            );
                        }
                        Commitment {
                            id: i as u32 + 1,
                            draft: CommitmentDraft {
                                owner: owner.into(),
                                category: plants.text(whose, "commitment's category"),
                                behaviour: plants.text(whose, "commitment"),
                                rhythm: plants.text(whose, "commitment's rhythm"),
                                verification: Verification::PartnerConfirms,
                                starts_on,
                                review_on,
                            },
                            added_at: at(3),
                        }
                    })
                    .collect();
                p.next_id = 3;
            }
            (StepData::Rating(r), _) => {
                for (p, amount, word) in rating_values(&v) {
                    let whose = Whose::Own(p);
                    let amount = plants.number(u32::from(amount), whose, "a rating", false);
                    let total = plants.number(amount + u32::from(word), whose, "a total", true);
                    r.values.insert(
                        p,
                        BTreeMap::from([
                            (format!("amount_{v}"), amount as u8),
                            (format!("word_{v}"), word),
                        ]),
                    );
                    r.scores.insert(
                        p,
                        Score {
                            total,
                            max: 104,
                            below_cutoff: total < 65,
                        },
                    );
                }
            }
            (StepData::Text(e), "together") => {
                e.entries = BTreeMap::from([(
                    Respondent::Joint,
                    plants.text(Whose::Shared, "the couple's joint answer"),
                )]);
            }
            (StepData::Text(e), _) => {
                // B's entry is the letter A's reply answers: two points.
                let letter = format!(
                    "{}\n\n{}",
                    plants.text(Whose::Own(Partner::B), "letter, point 1"),
                    plants.text(Whose::Own(Partner::B), "letter, point 2")
                );
                e.entries = BTreeMap::from([
                    (
                        Respondent::Partner(Partner::A),
                        plants.text(Whose::Own(Partner::A), "A's text"),
                    ),
                    (Respondent::Partner(Partner::B), letter),
                ]);
            }
            (StepData::Choice(e), _) => *e = listed[v_key(&v)].choice.entries(),
            (StepData::Checklist(e), _) => *e = listed[v_key(&v)].checklist.entries(),
            (StepData::YesNo(e), which) => {
                let partner = if which == "yesnoa" {
                    Partner::A
                } else {
                    Partner::B
                };
                let [yes, no] = &listed[v_key(&v)].yes_no[usize::from(partner == Partner::B)];
                e.entries = BTreeMap::from([(
                    Respondent::Partner(partner),
                    BTreeMap::from([
                        (yes.clone(), YesNoAnswer::Yes),
                        (no.clone(), YesNoAnswer::No),
                    ]),
                )]);
            }
            (StepData::Reply(reply), _) => {
                assert_eq!(reply.author, Partner::A);
                reply.replies = vec![
                    PointReply {
                        // The letter's first point, quoted: B's words, already planted.
                        point: String::new(),
                        text: plants.text(Whose::Own(Partner::A), "answer to point 1"),
                        at: at(12),
                    },
                    PointReply {
                        // A point since edited out: the letter's words, shown only where
                        // both the letter and the reply are.
                        point: plants.text(Whose::Shared, "point since edited out"),
                        text: plants.text(Whose::Own(Partner::A), "answer to an old point"),
                        at: at(13),
                    },
                ];
            }
        }
    }
    // Each reply quotes the first point of its letter as it reads.
    let letters: BTreeMap<String, String> = session
        .steps
        .iter()
        .filter_map(|r| match &r.data {
            StepData::Text(e) => e
                .entries
                .get(&Respondent::Partner(Partner::B))
                .and_then(|l| l.split("\n\n").next())
                .map(|p| (r.step_id.clone(), p.to_string())),
            _ => None,
        })
        .collect();
    for record in &mut session.steps {
        if let StepData::Reply(reply) = &mut record.data {
            reply.replies[0].point = letters[&reply.letter_step].clone();
        }
    }
    plants.visibility = Visibility::Joint;
    plants.step = "questions".into();
    plants.add(
        "graphic detail".into(),
        Whose::Therapist,
        Form::Rendered,
        "the caution flag",
    );
    session
}

// ---------------------------------------------------------------------------------------
// Reading what is shown

/// Whole words of rendered text, punctuation around them left out.
fn words(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect()
}

/// Whether a canary shows in rendered text (a PDF, a screen's labels). `ticks_listed`:
/// the protocol's options are printed beside their boxes, so a tick is "☑ item".
fn shows_in(text: &str, canary: &Canary, ticks_listed: bool) -> bool {
    match canary.form {
        Form::Text | Form::Rendered => text.contains(&canary.token),
        Form::Tick if ticks_listed => text.contains(&format!("☑ {}", canary.token)),
        Form::Tick => text.contains(&canary.token),
        Form::Number => words(text).contains(&canary.token.as_str()),
    }
}

/// The values and totals of every rating a redacted view shows.
fn rating_numbers(view: &SessionView) -> Vec<String> {
    let mut numbers = Vec::new();
    for (_, record) in view.visible() {
        if let StepData::Rating(r) = &record.data {
            for values in r.values.values() {
                numbers.extend(values.values().map(u8::to_string));
            }
            numbers.extend(r.scores.values().map(|s| s.total.to_string()));
        }
    }
    numbers
}

/// Record a problem if `canary` shows where it may not, or (with `must`) does not show
/// where it may.
fn check(
    problems: &mut Vec<String>,
    where_: &str,
    canary: &Canary,
    audience: Audience,
    shown: bool,
    must: bool,
) {
    check_may(
        problems,
        where_,
        canary,
        audience,
        canary.may(audience),
        shown,
        must,
    );
}

fn check_may(
    problems: &mut Vec<String>,
    where_: &str,
    canary: &Canary,
    audience: Audience,
    may: bool,
    shown: bool,
    must: bool,
) {
    if shown && !may {
        problems.push(format!(
            "{where_} for {audience}: {} ({}, {:?}) must not be there",
            canary.token, canary.place, canary.visibility
        ));
    }
    if must && may && !shown {
        problems.push(format!(
            "{where_} for {audience}: {} ({}, {:?}) is missing",
            canary.token, canary.place, canary.visibility
        ));
    }
}

/// Every label, value and ticked box of the hand-over screen for `partner`.
fn hand_over_screen(live: &Live, partner: Partner) -> (String, Vec<String>) {
    let now = started() + Duration::minutes(30);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 4000.0))
        .build_ui(|ui| {
            tandem::app::style::follow(ui, Appearance::Light);
            let mut passphrase = String::new();
            let mut out = Vec::new();
            tandem::app::handover::handover_ui(
                ui,
                live,
                partner,
                &mut passphrase,
                None,
                now,
                &mut out,
            );
        });
    harness.run();
    let mut text = Vec::new();
    let mut ticked = Vec::new();
    for node in harness.query_all(by().predicate(|_| true)) {
        let node = node.accesskit_node();
        let label = node.label().unwrap_or_default();
        if matches!(node.toggled(), Some(Toggled::True)) || node.is_selected() == Some(true) {
            ticked.push(label.clone());
        }
        text.push(label);
        text.extend(node.value());
    }
    (text.join("\n"), ticked)
}

#[test]
fn a_canary_in_every_field_of_every_step_kind_reaches_exactly_its_readers_everywhere() {
    let mut plants = Plants::default();
    let (text, listed) = protocol(&mut plants);
    let library = Library::from_sources([("canary.ron", text.as_str())]);
    assert!(library.errors.is_empty(), "{:?}", library.errors);
    let template = library.get("canary").expect("the canary protocol").clone();
    let session = planted_session(&template, &mut plants, &listed);
    let canaries = plants.all;
    assert!(canaries.len() > 200, "only {} canaries", canaries.len());
    let mut problems = Vec::new();

    // 1. redact, for every audience: exactly what each may read, nothing more or less.
    for audience in Audience::ALL {
        let view = redact(&session, audience);
        let debug = format!("{:?} {:?}", view.shown, view.session);
        let numbers = rating_numbers(&view);
        for canary in &canaries {
            let shown = match canary.form {
                Form::Text | Form::Tick => debug.contains(&canary.token),
                Form::Number => numbers.contains(&canary.token),
                Form::Rendered => continue,
            };
            check(&mut problems, "redact", canary, audience, shown, true);
        }
        if audience != Audience::Clinician {
            for (_, record) in view.visible() {
                if let StepData::Questions(q) = &record.data
                    && q.items.iter().any(|i| i.caution)
                {
                    problems.push(format!(
                        "redact for {audience}: a caution flag on {}",
                        record.step_id
                    ));
                }
            }
        }
    }

    // 2. The couple's screen on every step, and 3. the hand-over screen of every partner
    // who has a part in it.
    let mut released_on_screen = false;
    let mut own_text_handed_over = std::collections::BTreeSet::new();
    for index in 0..session.steps.len() {
        let mut at_step = session.clone();
        at_step.current = index;
        let runner = Runner::resume(&template, at_step, CoupleFacts::default()).expect("resumes");
        let live = Live::new(runner, couple(), false);
        let model = tandem::app::present::present_model(&live, started() + Duration::minutes(30));
        let shown = format!("{model:?}");
        let step_id = &session.steps[index].step_id;
        assert_eq!(
            model.private,
            session.steps[index].visibility != Visibility::Joint,
            "{step_id}"
        );
        for canary in &canaries {
            let on_screen = shows_in(&shown, canary, false);
            check(
                &mut problems,
                &format!("present mode on {step_id}"),
                canary,
                Audience::Couple,
                on_screen,
                false,
            );
            released_on_screen |= on_screen && canary.whose == Whose::Released;
        }
        for partner in Partner::BOTH {
            if !live.runner.has_part(partner) {
                continue;
            }
            let audience = Audience::Partner(partner);
            let (screen, ticked) = hand_over_screen(&live, partner);
            let other = couple().partner(partner.other()).name.clone();
            if screen.contains(&other) {
                problems.push(format!("hand-over to {partner} on {step_id} names {other}"));
            }
            for canary in &canaries {
                let on_screen = match canary.form {
                    Form::Tick => ticked.iter().any(|l| l.contains(&canary.token)),
                    // The scale's numbers are buttons; whose they are is told by the name
                    // beside them, checked above.
                    Form::Number => false,
                    Form::Text | Form::Rendered => screen.contains(&canary.token),
                };
                check_may(
                    &mut problems,
                    &format!("hand-over on {step_id}"),
                    canary,
                    audience,
                    canary.may_while_handed(partner),
                    on_screen,
                    false,
                );
                if on_screen
                    && canary.whose == Whose::Own(partner)
                    && canary.place.starts_with("text-")
                {
                    own_text_handed_over.insert((partner, step_id.clone()));
                }
            }
        }
    }
    assert!(
        released_on_screen,
        "the couple's screen never showed a released question"
    );
    assert_eq!(
        own_text_handed_over.len(),
        6,
        "each partner's own text, on their hand-over of every text step: {own_text_handed_over:?}"
    );

    // 4. Every document for every audience, rendered and read back; with the protocol,
    // and as if the library no longer had it (options then show only where chosen).
    let mut documents = 0;
    for audience in Audience::ALL {
        // The couple's and each partner's note is a summary in plain words: together,
        // their documents show everything they may read.
        let mut together = String::new();
        for document in SessionDocument::ALL {
            for with_template in [true, false] {
                let report = session_report(
                    document,
                    &session,
                    &couple(),
                    with_template.then_some(&template),
                    audience,
                    &ctx(),
                );
                let report = match report {
                    Ok(report) => report,
                    // Only a plan or letters may have nothing for a reader.
                    Err(ExportError::Nothing { .. })
                        if matches!(document, SessionDocument::Plan | SessionDocument::Letters)
                            && audience != Audience::Clinician =>
                    {
                        continue;
                    }
                    Err(e) => panic!("{document:?} for {audience}: {e}"),
                };
                let bytes = export::render(&report, &mut |_| {}).expect("renders");
                let text = flat(&pdf_text(&bytes));
                assert!(text.contains(&format!("made for {}.", audience.reader())));
                documents += 1;
                if with_template {
                    together.push_str(&text);
                    together.push(' ');
                }
                // The clinician's note with its protocol shows everything recorded.
                let whole = document == SessionDocument::Note
                    && with_template
                    && audience == Audience::Clinician;
                for canary in &canaries {
                    let shown = shows_in(&text, canary, with_template);
                    check(
                        &mut problems,
                        &format!("{document:?} PDF (protocol known: {with_template})"),
                        canary,
                        audience,
                        shown,
                        whole,
                    );
                }
            }
        }
        if audience != Audience::Clinician {
            for canary in &canaries {
                let shown = shows_in(&together, canary, true);
                check(
                    &mut problems,
                    "the session's documents together",
                    canary,
                    audience,
                    shown,
                    true,
                );
            }
        }
        let progress = progress_report(
            &couple(),
            std::slice::from_ref(&session),
            &library,
            audience,
            &ctx(),
        );
        let text = flat(&pdf_text(
            &export::render(&progress, &mut |_| {}).expect("renders"),
        ));
        documents += 1;
        for canary in canaries
            .iter()
            .filter(|c| c.in_progress || c.form == Form::Text)
        {
            let shown = shows_in(&text, canary, false);
            check(
                &mut problems,
                "progress report PDF",
                canary,
                audience,
                shown,
                canary.in_progress,
            );
        }
    }
    assert!(documents >= 30, "only {documents} documents read back");
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
