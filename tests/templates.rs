//! Every shipped template loads, validates, and can be run from first step to last by the
//! session runner, with every step completed.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{flat, pdf_text};
use std::path::Path;
use tandem::model::*;
use tandem::runner::{Action, Runner, Start, respondents_of};
use tandem::template::{Gate, Library, StepKind, Template};

fn shipped() -> Library {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    tandem::vault::templates::load_dir(&dir).expect("templates folder is readable")
}

#[test]
fn every_file_in_templates_loads_and_validates() {
    let library = shipped();
    for error in &library.errors {
        for problem in &error.problems {
            eprintln!("{problem}");
        }
    }
    assert!(
        library.errors.is_empty(),
        "{} template file(s) failed",
        library.errors.len()
    );
    assert!(
        library.templates.len() >= 15,
        "the shipped library has {} templates",
        library.templates.len()
    );
}

#[test]
fn the_embedded_library_is_the_templates_folder() {
    let from_disk: Vec<String> = shipped()
        .templates
        .iter()
        .map(|(_, t)| t.id.clone())
        .collect();
    let embedded: Vec<String> = Library::builtin()
        .templates
        .iter()
        .map(|(_, t)| t.id.clone())
        .collect();
    assert_eq!(from_disk, embedded);
}

#[test]
fn every_shipped_template_names_its_source_and_expected_length() {
    for (file, t) in &shipped().templates {
        assert!(t.source.len() > 20, "{file}: source note too thin");
        assert!(t.length_mins > 0, "{file}: no expected length");
    }
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("time")
        + Duration::minutes(minute)
}

/// Actions that complete the step on screen, whatever its kind.
fn completing_actions(runner: &Runner) -> Vec<Action> {
    let (step, record) = runner.current();
    let roles = record.roles;
    let mut actions = Vec::new();
    for gate in &step.gates {
        if let Gate::Confirm(statement) = gate {
            actions.push(Action::ConfirmGate {
                statement: statement.clone(),
            });
        }
    }
    match &step.kind {
        StepKind::Script | StepKind::SwapRoles | StepKind::Repeat { .. } => {}
        StepKind::ParaphraseLoop { .. } => actions.extend([
            Action::SpeakerSays("message".into()),
            Action::Mirror("mirror".into()),
            Action::Verdict {
                outcome: MirrorOutcome::Confirmed,
                reply: String::new(),
            },
        ]),
        StepKind::Floor { .. } => actions.extend([
            Action::FloorChunk("chunk".into()),
            Action::FloorParaphrase {
                text: "paraphrase".into(),
                accuracy: Accuracy::Accurate,
            },
        ]),
        StepKind::Questions {
            categories,
            answering,
            ..
        } => {
            let StepData::Questions(list) = &record.data else {
                panic!("questions record")
            };
            let mut ids: Vec<u32> = list.items.iter().map(|q| q.id).collect();
            if ids.is_empty() {
                actions.push(Action::AddQuestion {
                    text: "question".into(),
                    category: categories.first().cloned().unwrap_or_default(),
                    why: "why".into(),
                });
                ids.push(list.next_id.max(1));
            }
            for id in &ids {
                actions.push(Action::SetQuestionStatus {
                    id: *id,
                    status: QuestionStatus::Included,
                });
            }
            if *answering {
                actions.push(Action::ReleaseQuestions);
                for id in ids {
                    actions.push(Action::AnswerQuestion {
                        id,
                        text: "answer".into(),
                    });
                }
            }
        }
        StepKind::Plan {
            owners, categories, ..
        } => {
            let owner = owners
                .iter()
                .find_map(|r| roles.partner(*r))
                .expect("plan owner bound");
            let day = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
            actions.push(Action::AddCommitment(CommitmentDraft {
                owner: owner.into(),
                category: categories.first().cloned().unwrap_or_default(),
                behaviour: "behaviour".into(),
                rhythm: "daily".into(),
                verification: Verification::SelfReport,
                starts_on: day,
                review_on: day + Duration::days(7),
            }));
        }
        StepKind::Rating { raters, items, .. } => {
            for rater in raters.iter().filter_map(|r| roles.partner(*r)) {
                for item in items {
                    actions.push(Action::Rate {
                        rater,
                        item: item.id.clone(),
                        value: item.max,
                    });
                }
            }
        }
        StepKind::Text { respondents, .. } => {
            for respondent in respondents_of(*respondents, roles) {
                actions.push(Action::WriteText {
                    respondent,
                    text: "text".into(),
                });
            }
        }
        StepKind::Choice {
            respondents,
            options,
            ..
        } => {
            for respondent in respondents_of(*respondents, roles) {
                actions.push(Action::Choose {
                    respondent,
                    option: options[0].clone(),
                    selected: true,
                });
            }
        }
        StepKind::Reply { .. } => {
            let index = runner.session().current;
            let letter = runner
                .letter_for(index)
                .expect("the letter a reply answers is written before it");
            let points = letters::points(letter);
            assert!(!points.is_empty(), "the letter has points");
            for point in points {
                actions.push(Action::ReplyToPoint {
                    point,
                    text: "answer".into(),
                });
            }
        }
        StepKind::Checklist { respondents, items } => {
            for respondent in respondents_of(*respondents, roles) {
                for item in items {
                    actions.push(Action::Check {
                        respondent,
                        item: item.clone(),
                        checked: true,
                    });
                }
            }
        }
        StepKind::YesNo { respondents, items } => {
            for respondent in respondents_of(*respondents, roles) {
                for item in items {
                    actions.push(Action::AnswerItem {
                        respondent,
                        item: item.clone(),
                        answer: Some(tandem::model::YesNoAnswer::No),
                    });
                }
            }
        }
    }
    actions
}

fn run_to_the_end(template: &Template) -> Session {
    let facts = CoupleFacts {
        screened: Partner::BOTH.into_iter().collect(),
        safety_decision: Some(SafetyDecision::JointWork),
    };
    let start = Start {
        session: SessionId(uuid::Uuid::nil()),
        couple: CoupleId(uuid::Uuid::nil()),
        bindings: Bindings {
            speaker: Some(Partner::A),
            hurt_partner: Some(Partner::B),
        },
        facts,
        questions: None,
    };
    let mut runner = Runner::start(template, start, at(0)).expect("starts");
    let mut minute = 1;
    loop {
        for action in completing_actions(&runner) {
            let name = action.name();
            if let Err(e) = runner.apply(action, at(minute)) {
                panic!(
                    "{}: step {} refused {name}: {e}",
                    template.id,
                    runner.current().1.step_id
                );
            }
            minute += 1;
        }
        let index = runner.session().current;
        assert!(
            runner.is_complete(index),
            "{}: step {index} not complete",
            template.id
        );
        if index + 1 == runner.session().steps.len() {
            runner.apply(Action::End, at(minute)).expect("end");
            break;
        }
        if let Err(e) = runner.apply(Action::Next, at(minute)) {
            panic!(
                "{}: cannot leave step {}: {e}",
                template.id,
                runner.current().1.step_id
            );
        }
        minute += 1;
    }
    runner.into_session()
}

#[test]
fn every_shipped_template_runs_from_first_step_to_last() {
    for (file, template) in &shipped().templates {
        let session = run_to_the_end(template);
        for step in &session.steps {
            assert_eq!(
                step.status,
                StepStatus::Done,
                "{file}: step {}",
                step.step_id
            );
        }
        // The record survives a RON round trip.
        let text = ron::to_string(&session).expect("serialize");
        let back: Session = ron::from_str(&text).expect("deserialize");
        assert_eq!(back, session, "{file}");
    }
}

/// Templates a partner may complete alone, before any joint work: the screen itself and
/// the individual measures.
const INDIVIDUAL: [&str; 3] = ["safety-screen", "csi-4", "session-measures"];

#[test]
fn every_joint_protocol_is_locked_until_both_screens_and_a_decision() {
    for (file, t) in &shipped().templates {
        let individual = INDIVIDUAL.contains(&t.id.as_str());
        let locked = t.requires.contains(&Gate::BothScreened)
            && t.requires.contains(&Gate::JointWorkCleared);
        assert!(
            individual || locked,
            "{file}: joint protocol without the safety lock"
        );
        if individual {
            assert!(
                t.requires.is_empty(),
                "{file}: the screen must be reachable first"
            );
        }
    }
}

#[test]
fn no_shipped_template_speaks_of_partners_as_he_or_she() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let gendered = [
        "he", "she", "him", "her", "his", "hers", "himself", "herself",
    ];
    for entry in std::fs::read_dir(dir).expect("templates folder") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        for word in text.split(|c: char| !c.is_alphabetic()) {
            assert!(
                !gendered.contains(&word.to_lowercase().as_str()),
                "{}: uses {word:?}; use a role placeholder",
                path.display()
            );
        }
    }
}

/// The text of a template's blank worksheet for one audience, read back from the PDF.
fn blank_sheet_text(template: &Template, audience: Audience) -> String {
    let ctx = tandem::export::Context {
        practice: "Harbour Couples Therapy".into(),
        now: at(0),
        zone: tandem::export::Zone::Fixed(chrono::FixedOffset::east_opt(0).unwrap()),
        resources: Vec::new(),
        dates: Default::default(),
    };
    let bindings = Bindings {
        speaker: Some(Partner::A),
        hurt_partner: Some(Partner::A),
    };
    let report = tandem::export::blank_worksheet(template, audience, bindings, &ctx)
        .expect("every role bound");
    let pdf = tandem::export::render(&report, &mut |_| {}).expect("renders");
    flat(&pdf_text(&pdf))
}

#[test]
fn the_summary_is_on_the_therapists_blank_sheet_only_and_the_introduction_on_the_couples() {
    let library = shipped();
    let template = library.get("weekly-check-in").expect("shipped");
    assert!(template.introduction.is_none());
    let summary = flat(&template.summary.chars().take(40).collect::<String>());
    assert!(
        !summary.contains('{'),
        "pick a summary without placeholders"
    );
    assert!(blank_sheet_text(template, Audience::Clinician).contains(&summary));
    for audience in [
        Audience::Couple,
        Audience::Partner(Partner::A),
        Audience::Partner(Partner::B),
    ] {
        let text = blank_sheet_text(template, audience);
        assert!(text.contains("Before you start"), "{audience}");
        assert!(
            !text.contains(&summary),
            "summary on the {audience}'s sheet"
        );
    }
    // No shipped template's summary reaches a couple's sheet.
    for (_, template) in &library.templates {
        let summary = flat(&template.summary.chars().take(40).collect::<String>());
        if summary.contains('{') {
            continue;
        }
        // A protocol answered by each partner privately has no couple's sheet at all.
        let has_sheet = tandem::export::blank_worksheet(
            template,
            Audience::Couple,
            Bindings::default(),
            &tandem::export::Context {
                practice: String::new(),
                now: at(0),
                zone: tandem::export::Zone::Local,
                resources: Vec::new(),
                dates: Default::default(),
            },
        )
        .is_ok();
        if !has_sheet {
            continue;
        }
        let text = blank_sheet_text(template, Audience::Couple);
        assert!(
            !text.contains(&summary),
            "{}: summary on the couple's sheet",
            template.id
        );
    }

    let mut introduced = template.clone();
    introduced.introduction =
        Some("Take a few quiet minutes for this sheet; there are no wrong answers.".into());
    for audience in [
        Audience::Couple,
        Audience::Partner(Partner::A),
        Audience::Partner(Partner::B),
        Audience::Clinician,
    ] {
        let text = blank_sheet_text(&introduced, audience);
        assert!(
            text.contains("Take a few quiet minutes for this sheet; there are no wrong answers."),
            "introduction missing from the {audience}'s sheet"
        );
        assert_eq!(
            text.contains(&summary),
            audience == Audience::Clinician,
            "summary on the {audience}'s sheet"
        );
    }
}

#[test]
fn an_introduction_is_read_and_checked_like_the_summary() {
    let template = |introduction: &str| {
        format!(
            r#"(format: 1, id: "i", title: "I", summary: "For the therapist.", {introduction}
    source: "own", steps: [(id: "a", title: "A", prompts: ["x"], kind: Script)])"#
        )
    };
    let read =
        tandem::template::parse("i.ron", &template(r#"introduction: "Hello {partner_a}.","#))
            .expect("valid");
    assert_eq!(read.introduction.as_deref(), Some("Hello {partner_a}."));
    let read = tandem::template::parse("i.ron", &template("")).expect("valid");
    assert_eq!(read.introduction, None);
    for (field, message) in [
        (r#"introduction: " ","#, "introduction is empty"),
        (
            r#"introduction: "Now {speaker} talks.","#,
            "placeholder {speaker} needs role Speaker",
        ),
    ] {
        let error = tandem::template::parse("i.ron", &template(field)).expect_err(field);
        let problem = &error.problems[0];
        assert!(problem.message.contains(message), "{problem}");
        assert_eq!((problem.line, problem.col), (1, 65), "{problem}");
    }
}
