//! Private where the script says private: every shipped step whose words tell the
//! therapist or the partners that it happens privately, on one's own, alone (and the
//! like) is private, unless docs/privacy-and-safety.md lists it, with the reason, among
//! the joint steps whose words speak of being alone. That document also names every
//! private step of every protocol, so that the list a reviewer reads is the one shipped.

use std::collections::BTreeSet;
use std::path::Path;
use tandem::model::Visibility;
use tandem::template::{Gate, Library, Step, StepKind};

/// Words that say, or promise, that a step happens away from the other partner. Matched
/// as whole words, ignoring case, after placeholders are read as plain words
/// (`{hurt_partner:their}` reads "their").
const PRIVATE_WORDS: &[&str] = &[
    "privately",
    "in private",
    "private to",
    "on their own",
    "on your own",
    "on my own",
    "alone",
    "separately",
    "independently",
    "by themselves",
    "by yourself",
    "by yourselves",
    "in confidence",
    "confidential",
    "without the other",
    "out of the room",
    "out of earshot",
    "will not see",
    "never seen by",
    "not shown to",
    "only you and",
];

/// The template whose private steps the safety-screen section of the document (the
/// lead's, at its top) describes; its joint steps are still checked here.
const SAFETY_SCREEN: &str = "safety-screen";

const DOC: &str = "docs/privacy-and-safety.md";
const SECTION: &str = "## Private steps, template by template";
const JOINT_TABLE: &str = "### Joint steps whose words speak of being alone";

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{DOC}: {e}"))
}

/// The lines of the document's "Private steps" section, up to the next `## ` heading.
fn section(doc: &str) -> Vec<&str> {
    let mut lines = doc.lines().skip_while(|l| l.trim() != SECTION);
    assert!(lines.next().is_some(), "{DOC} has no section {SECTION:?}");
    lines.take_while(|l| !l.starts_with("## ")).collect()
}

/// The rows of the reviewed table: (template id, step id, reason).
fn reviewed_rows(section: &[&str]) -> Vec<(String, String, String)> {
    let mut lines = section.iter().skip_while(|l| l.trim() != JOINT_TABLE);
    assert!(lines.next().is_some(), "{DOC} has no table {JOINT_TABLE:?}");
    lines
        .take_while(|l| !l.starts_with("### "))
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            assert_eq!(cells.len(), 3, "a row needs template, step and reason: {l}");
            let id = |cell: &str| cell.trim_matches('`').to_string();
            (id(cells[0]), id(cells[1]), cells[2].to_string())
        })
        .collect()
}

/// The lines of one template's subsection (`### \`id\``).
fn subsection<'a>(section: &[&'a str], template: &str) -> Option<Vec<&'a str>> {
    let heading = format!("### `{template}`");
    let mut lines = section.iter().skip_while(|l| l.trim() != heading);
    lines.next()?;
    Some(
        lines
            .take_while(|l| !l.starts_with("### "))
            .copied()
            .collect(),
    )
}

/// Text as plain lower-case words: placeholders become the word they stand for.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        out.push_str(inner.split_once(':').map_or("partner", |(_, form)| form));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.to_lowercase()
}

/// The private words found in `text`, as whole words.
fn private_words(text: &str) -> Vec<&'static str> {
    let text = plain(text);
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    PRIVATE_WORDS
        .iter()
        .copied()
        .filter(|word| {
            text.match_indices(word).any(|(at, _)| {
                boundary(text[..at].chars().next_back())
                    && boundary(text[at + word.len()..].chars().next())
            })
        })
        .collect()
}

/// Every step of a list, the steps inside repeats included.
fn all_steps(steps: &[Step]) -> Vec<&Step> {
    let mut out = Vec::new();
    for step in steps {
        out.push(step);
        out.extend(all_steps(step.kind.nested_steps()));
    }
    out
}

/// What a step says: its title, the therapist's text, the prompts and the statements the
/// therapist confirms.
fn words_of(step: &Step) -> String {
    let mut texts = vec![step.title.clone(), step.therapist.clone()];
    texts.extend(step.prompts.iter().cloned());
    texts.extend(step.gates.iter().filter_map(|g| match g {
        Gate::Confirm(statement) => Some(statement.clone()),
        Gate::Completed(_) | Gate::AllChecked(_) | Gate::BothScreened | Gate::JointWorkCleared => {
            None
        }
    }));
    texts.join("\n")
}

/// Whether a step's entries reach someone other than the partner who made them: a
/// `Repeat` records nothing itself (its inner steps are checked on their own).
fn shown_to_others(step: &Step) -> bool {
    step.visibility == Visibility::Joint && !matches!(step.kind, StepKind::Repeat { .. })
}

#[test]
fn private_words_are_found_as_whole_words_with_placeholders_read() {
    let cases: &[(&str, &[&str])] = &[
        ("Each partner rates on their own.", &["on their own"]),
        (
            "Work with {hurt_partner} on {hurt_partner:their} own.",
            &["on their own"],
        ),
        ("Speak with each ALONE first", &["alone"]),
        ("Your partner will not see your number.", &["will not see"]),
        // Not privacy: other words that merely contain the letters.
        ("Say it in your own words, then stand alongside them.", &[]),
        ("Lonely, aloneness and privateness are feelings.", &[]),
    ];
    for (text, expected) in cases {
        assert_eq!(private_words(text), *expected, "{text}");
    }
}

#[test]
fn every_step_said_to_be_private_is_private_or_reviewed_in_the_privacy_doc() {
    let library = Library::builtin();
    let doc = doc();
    let section = section(&doc);
    let rows = reviewed_rows(&section);
    let reviewed: BTreeSet<(String, String)> = rows
        .iter()
        .map(|(t, s, _)| (t.clone(), s.clone()))
        .collect();
    assert_eq!(reviewed.len(), rows.len(), "a step is listed twice");

    let mut flagged = BTreeSet::new();
    let mut problems = Vec::new();
    for (_, template) in &library.templates {
        for step in all_steps(&template.steps) {
            let found = private_words(&words_of(step));
            if found.is_empty() || !shown_to_others(step) {
                continue;
            }
            let key = (template.id.clone(), step.id.clone());
            if !reviewed.contains(&key) {
                problems.push(format!(
                    "{}/{}: says {:?} but is {:?}; make it PartnerPrivate (or ClinicianOnly), or list it with the reason under {JOINT_TABLE:?} in {DOC}",
                    template.id, step.id, found, step.visibility
                ));
            }
            flagged.insert(key);
        }
    }
    // A row that no longer applies is stale: the step is gone, private now, or its words
    // changed. The table lists exactly what the check finds.
    for (template, step, reason) in &rows {
        if !flagged.contains(&(template.clone(), step.clone())) {
            problems.push(format!(
                "{DOC} lists {template}/{step}, which is not a joint step whose words speak of being alone: remove the row"
            ));
        }
        if reason.len() < 20 {
            problems.push(format!("{DOC}: {template}/{step} needs a reason"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    assert!(
        !flagged.is_empty(),
        "the check found nothing at all to look at"
    );
}

#[test]
fn the_privacy_doc_names_every_private_step_of_every_protocol() {
    let library = Library::builtin();
    let doc = doc();
    let section = section(&doc);
    let mut problems = Vec::new();
    for (_, template) in &library.templates {
        let Some(lines) = subsection(&section, &template.id) else {
            problems.push(format!(
                "{DOC}: no subsection ### `{}` under {SECTION:?}",
                template.id
            ));
            continue;
        };
        if template.id == SAFETY_SCREEN {
            continue;
        }
        let text = lines.join("\n");
        for step in all_steps(&template.steps) {
            if step.visibility != Visibility::Joint && !text.contains(&format!("`{}`", step.id)) {
                problems.push(format!(
                    "{DOC}: {}'s {:?} step `{}` is not named in its subsection",
                    template.id, step.visibility, step.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
