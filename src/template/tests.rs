//! Table tests of the loader and validator: each broken snippet must give one clear
//! message at the right line and column.

use super::*;

/// A minimal valid template with `steps` spliced in and `roles` declared.
fn doc(roles: &str, steps: &str) -> String {
    format!(
        "(\n    format: 1,\n    id: \"t\",\n    title: \"T\",\n    summary: \"S\",\n    source: \"own\",\n    roles: [{roles}],\n    steps: [\n{steps}\n    ],\n)\n"
    )
}

fn problems(text: &str) -> Vec<Problem> {
    match parse("t.ron", text) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems,
    }
}

#[test]
fn a_minimal_template_parses_and_implicit_some_works() {
    let text = doc(
        "",
        r#"        (id: "a", title: "A", prompts: ["Hello {partner_a}"], timebox_mins: 5, kind: Script),"#,
    );
    let template = parse("t.ron", &text).expect("valid");
    assert_eq!(template.steps[0].timebox_mins, Some(5));
    assert_eq!(template.steps[0].visibility, Visibility::Joint);
}

#[test]
fn broken_templates_name_line_column_and_what_is_wrong() {
    // (snippet, roles, expected message fragment, expected line, expected column)
    let cases: &[(&str, &str, &str, usize, usize)] = &[
        (
            r#"        (id: "a", title: "A", promts: ["x"], kind: Script),"#,
            "",
            "Unexpected field named `promts`",
            9,
            31,
        ),
        (
            r#"        (id: "a", title: "A", prompts: ["x"], kind: Lecture),"#,
            "",
            "Lecture",
            9,
            53,
        ),
        (
            "        (id: \"a\", title: \"A\", prompts: [\"x\"], kind: Script),\n        (id: \"a\", title: \"B\", prompts: [\"y\"], kind: Script),",
            "",
            "step id \"a\" is used more than once",
            10,
            14,
        ),
        (
            r#"        (id: "a", title: "A", prompts: ["Now {speaker} talks"], kind: Script),"#,
            "",
            "placeholder {speaker} needs role Speaker",
            9,
            46,
        ),
        (
            r#"        (id: "a", title: "A", prompts: ["Now {spekaer} talks"], kind: Script),"#,
            "Speaker, Listener",
            "unknown placeholder {spekaer}",
            9,
            46,
        ),
        (
            r#"        (id: "a", title: "A", prompts: ["Now {speaker talks"], kind: Script),"#,
            "Speaker, Listener",
            "stray brace",
            9,
            46,
        ),
        (
            r#"        (id: "a", title: "A", prompts: ["  "], kind: Script),"#,
            "",
            "empty prompt",
            9,
            31,
        ),
        (
            r#"        (id: "a", title: "A", kind: ParaphraseLoop(speaker: HurtPartner, listener: DisclosingPartner)),"#,
            "Speaker, Listener",
            "role HurtPartner is not declared",
            9,
            61,
        ),
        (
            r#"        (id: "a", title: "A", kind: Rating(items: [(id: "x", label: "X", min: 5, max: 5)])),"#,
            "",
            "min 5 must be below max 5",
            9,
            57,
        ),
        (
            r#"        (id: "a", title: "A", kind: Rating(items: [(id: "x", label: "X", max: 2, anchors: ["no", "yes"])])),"#,
            "",
            "2 anchors for 3 points",
            9,
            57,
        ),
        (
            r#"        (id: "a", title: "A", kind: Rating(items: [(id: "x", label: "X", max: 4)], scoring: Sum(cutoff: 13.5))),"#,
            "",
            "cutoff 13.5 is outside",
            9,
            97,
        ),
        (
            r#"        (id: "a", title: "A", prompts: ["x"], gates: [Completed("later")], kind: Script),"#,
            "",
            "gate refers to step \"later\"",
            9,
            47,
        ),
        (
            r#"        (id: "a", title: "A", kind: Choice(options: ["only one"])),"#,
            "",
            "at least two options",
            9,
            44,
        ),
        (
            r#"        (id: "a", title: "A", kind: SwapRoles),"#,
            "",
            "swapping roles needs Speaker and Listener",
            9,
            37,
        ),
        (
            r#"        (id: "a", title: "A", visibility: PartnerPrivate, kind: Text(respondents: Joint)),"#,
            "",
            "PartnerPrivate needs answers by partner",
            9,
            43,
        ),
        (
            r#"        (id: "a", title: "A", prompts: ["x"], timebox_mins: 0, kind: Script),"#,
            "",
            "timebox of 0 minutes",
            9,
            47,
        ),
    ];
    for (snippet, roles, message, line, col) in cases {
        let text = doc(roles, snippet);
        let found = problems(&text);
        let hit = found.iter().find(|p| p.message.contains(message));
        let Some(hit) = hit else {
            panic!("expected {message:?} for {snippet}, got {found:?}");
        };
        assert_eq!(
            (hit.line, hit.col),
            (*line, *col),
            "position of {message:?} in {snippet}"
        );
        assert_eq!(hit.file, "t.ron");
    }
}

#[test]
fn roles_must_come_in_pairs() {
    let text = doc(
        "Speaker",
        r#"        (id: "a", title: "A", prompts: ["x"], kind: Script),"#,
    );
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("needs its counterpart Listener") && p.line == 7),
        "{found:?}"
    );
}

#[test]
fn requires_takes_only_couple_level_gates() {
    let text = doc(
        "",
        r#"        (id: "a", title: "A", prompts: ["x"], kind: Script),"#,
    )
    .replace("roles: [],", "roles: [],\n    requires: [Confirm(\"ok\")],");
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("requires may only hold")),
        "{found:?}"
    );
}

#[test]
fn repeats_nest_at_most_two_deep() {
    let leaf = r#"(id: "c", title: "C", prompts: ["x"], kind: Script)"#;
    let wrap = |id: &str, inner: &str| {
        format!(r#"(id: "{id}", title: "R", kind: Repeat(times: 2, steps: [{inner}]))"#)
    };
    let two = wrap("r1", &wrap("r2", leaf));
    let text = doc("Speaker, Listener", &format!("        {two},"));
    assert_eq!(problems(&text), vec![]);

    let three = wrap("r1", &wrap("r2", &wrap("r3", leaf)));
    let text = doc("Speaker, Listener", &format!("        {three},"));
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("nest at most 2 deep") && p.col > 80),
        "{found:?}"
    );
}

#[test]
fn a_repeat_carries_no_text_or_gates_of_its_own() {
    let step = r#"        (id: "r", title: "R", prompts: ["lost"], kind: Repeat(steps: [(id: "c", title: "C", prompts: ["x"], kind: Script)])),"#;
    let found = problems(&doc("Speaker, Listener", step));
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("put them on its inner steps")),
        "{found:?}"
    );
}

#[test]
fn oversized_and_overnested_files_are_refused_with_a_position() {
    let big = format!("// {}\n", "x".repeat(MAX_TEMPLATE_BYTES));
    let found = problems(&big);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("bytes"));

    let deep = format!("{}{}", "(".repeat(10_000), ")".repeat(10_000));
    let found = problems(&deep);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].line, found[0].col), (1, MAX_NESTING + 1));
}

#[test]
fn a_wrong_format_version_is_named() {
    let text = doc(
        "",
        r#"        (id: "a", title: "A", prompts: ["x"], kind: Script),"#,
    )
    .replace("format: 1", "format: 7");
    let found = problems(&text);
    assert!(found[0].message.contains("format 7 is not supported"));
    assert_eq!((found[0].line, found[0].col), (2, 5));
}

#[test]
fn placeholders_are_listed_and_stray_braces_found() {
    assert_eq!(
        placeholders("Hi {speaker} and {listener}!"),
        Ok(vec!["speaker", "listener"])
    );
    assert_eq!(placeholders("no braces"), Ok(vec![]));
    assert_eq!(placeholders("open { here"), Err(5));
    assert_eq!(placeholders("close } here"), Err(6));
    assert_eq!(placeholders("{Speaker}"), Err(0));
}

#[test]
fn fill_puts_names_in_and_leaves_unbound_placeholders() {
    let filled = fill(
        "{speaker}, tell {listener}; {hurt_partner} waits",
        |role| match role {
            Role::Speaker => Some("Sam".to_string()),
            Role::Listener => Some("Alex".to_string()),
            _ => None,
        },
    );
    assert_eq!(filled, "Sam, tell Alex; {hurt_partner} waits");
    assert_eq!(fill("a { b } c", |_| None), "a { b } c");
}

#[test]
fn one_broken_file_does_not_stop_the_others() {
    let good = doc(
        "",
        r#"        (id: "a", title: "A", prompts: ["x"], kind: Script),"#,
    );
    let other = good.replace("id: \"t\"", "id: \"u\"");
    let library = Library::from_sources([
        ("a.ron", good.as_str()),
        ("b.ron", "(format: 1, id: \"broken\""),
        ("c.ron", other.as_str()),
        ("d.ron", good.as_str()),
    ]);
    let loaded: Vec<&str> = library.templates.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(loaded, ["a.ron", "c.ron"]);
    let failed: Vec<&str> = library.errors.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(failed, ["b.ron", "d.ron"]);
    assert!(
        library.errors[1].problems[0]
            .message
            .contains("already used by a.ron")
    );
}

mod property {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_text_gives_errors_never_panics(text in ".{0,400}") {
            let _ = parse("fuzz.ron", &text);
        }

        #[test]
        fn arbitrary_bracket_soup_gives_errors_never_panics(text in "[()\\[\\]{}\",:a-zA-Z0-9 \n]{0,600}") {
            let _ = parse("fuzz.ron", &text);
        }

        #[test]
        fn mutated_valid_templates_give_errors_never_panics(
            cut in 0usize..1000,
            len in 0usize..40,
            insert in ".{0,12}",
        ) {
            let base = doc(
                "Speaker, Listener",
                r#"        (id: "a", title: "A {speaker}", prompts: ["x"], kind: ParaphraseLoop(stages: [Summary])),
        (id: "b", title: "B", kind: Rating(items: [(id: "x", label: "X", max: 3, anchors: ["a", "b", "c", "d"])], scoring: Sum(cutoff: 1.5))),"#,
            );
            let mut text = base.clone();
            let mut start = cut.min(text.len());
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(start..end, &insert);
            if let Err(e) = parse("fuzz.ron", &text) {
                prop_assert!(!e.problems.is_empty());
                for p in e.problems {
                    prop_assert!(p.line >= 1 && p.col >= 1);
                    prop_assert!(p.line <= text.lines().count().max(1) + 1);
                }
            }
        }
    }
}

#[test]
fn a_gate_cannot_name_a_repeat_which_is_never_completed_itself() {
    let steps = r#"        (id: "r", title: "R", kind: Repeat(steps: [(id: "c", title: "C", prompts: ["x"], kind: Script)])),
        (id: "d", title: "D", prompts: ["y"], gates: [Completed("r")], kind: Script),"#;
    let found = problems(&doc("Speaker, Listener", steps));
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("a Repeat, which is never completed")),
        "{found:?}"
    );
}

#[test]
fn placeholders_are_checked_in_every_text_field() {
    let steps = r#"        (id: "a", title: "A", kind: Rating(items: [(id: "x", label: "X", max: 1, anchors: ["no", "yes, {hurt_partner}"])])),"#;
    let found = problems(&doc("", steps));
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("{hurt_partner} needs role")),
        "{found:?}"
    );
    let text = doc(
        "",
        r#"        (id: "a", title: "A", prompts: ["x"], kind: Script),"#,
    )
    .replace("title: \"T\"", "title: \"T with {speaker}\"");
    let found = problems(&text);
    assert_eq!(
        found.iter().map(|p| (p.line, p.col)).collect::<Vec<_>>(),
        vec![(4, 5)],
        "{found:?}"
    );
}

#[test]
fn a_reply_must_answer_an_earlier_letter_by_a_bound_role() {
    let letter = r#"        (id: "impact", title: "Impact", kind: Text(respondents: Role(HurtPartner), letter: true)),"#;
    let plain =
        r#"        (id: "notes", title: "Notes", kind: Text(respondents: Role(HurtPartner))),"#;
    let roles = "HurtPartner, DisclosingPartner";
    // (steps, roles, expected message fragment, line, column)
    let cases: &[(String, &str, &str, usize, usize)] = &[
        (
            format!("{letter}\n        (id: \"r\", title: \"R\", kind: Reply(to: \"impact\", author: DisclosingPartner)),"),
            roles,
            "",
            0,
            0,
        ),
        (
            r#"        (id: "r", title: "R", kind: Reply(to: "impact", author: DisclosingPartner)),"#.to_string(),
            roles,
            "Reply refers to step \"impact\", which is not a step before this one",
            9,
            47,
        ),
        (
            format!("        (id: \"r\", title: \"R\", kind: Reply(to: \"impact\", author: DisclosingPartner)),\n{letter}"),
            roles,
            "which is not a step before this one",
            9,
            47,
        ),
        (
            format!("{plain}\n        (id: \"r\", title: \"R\", kind: Reply(to: \"notes\", author: DisclosingPartner)),"),
            roles,
            "Reply needs a Text step with letter: true, but \"notes\" is a Text without letter: true",
            10,
            47,
        ),
        (
            format!("{letter}\n        (id: \"r\", title: \"R\", kind: Reply(to: \"impact\", author: Speaker)),"),
            roles,
            "role Speaker is not declared",
            10,
            65,
        ),
        (
            format!("{letter}\n        (id: \"r\", title: \"R\", kind: Reply(to: \"impact\", author: PartnerB, stems: [\" \"])),"),
            roles,
            "empty entry in stems",
            10,
            75,
        ),
    ];
    for (steps, roles, message, line, col) in cases {
        let found = problems(&doc(roles, steps));
        if message.is_empty() {
            assert!(found.is_empty(), "{steps}: {found:?}");
            continue;
        }
        let Some(hit) = found.iter().find(|p| p.message.contains(message)) else {
            panic!("expected {message:?} for {steps}, got {found:?}");
        };
        assert_eq!(
            (hit.line, hit.col),
            (*line, *col),
            "position of {message:?}"
        );
    }
}

#[test]
fn pronoun_placeholders_take_each_partners_own_pronouns() {
    use crate::model::Pronouns;
    let people = |role: Role| match role {
        Role::HurtPartner => Some(("Maya".to_string(), Pronouns::from_record("she/her"))),
        Role::DisclosingPartner => Some(("Daniel".to_string(), Pronouns::from_record("He / him"))),
        Role::Speaker => Some(("Sam".to_string(), Pronouns::from_record(""))),
        Role::Listener => Some(("Jo".to_string(), Pronouns::from_record("ze/hir"))),
        Role::PartnerA | Role::PartnerB => None,
    };
    for (text, filled) in [
        (
            "let {hurt_partner} take {hurt_partner:their} time",
            "let Maya take her time",
        ),
        (
            "{disclosing_partner:They} said it to {hurt_partner:them} {disclosing_partner:themself}",
            "He said it to her himself",
        ),
        ("the choice is {speaker:theirs}", "the choice is theirs"),
        ("ask {listener:them}", "ask hir"),
        // An unbound role stays as written, so the gap shows.
        ("ask {partner_a:them}", "ask {partner_a:them}"),
    ] {
        assert_eq!(fill_people(text, people), filled, "{text}");
    }
    // Without pronouns (names only), they/them.
    assert_eq!(
        fill("let {hurt_partner} take {hurt_partner:their} time", |_| {
            Some("Maya".to_string())
        }),
        "let Maya take their time"
    );
}

#[test]
fn an_unknown_pronoun_form_is_reported_where_it_is() {
    let text = r#"(format: 1, id: "p", title: "P", summary: "S", source: "own", roles: [HurtPartner, DisclosingPartner],
        steps: [(id: "one", title: "One", prompts: ["let {hurt_partner} take {hurt_partner:her} time"], kind: Script)])"#;
    let error = parse("p.ron", text).expect_err("refused");
    let problem = &error.problems[0];
    assert!(
        problem
            .message
            .contains("unknown pronoun form in {hurt_partner:her}"),
        "{problem:?}"
    );
    assert_eq!(problem.line, 2);
}

#[test]
fn notation_slips_are_placed_where_they_are_and_say_what_to_write() {
    let base = doc(
        "",
        r#"        (id: "a", title: "A", prompts: ["x"], kind: Script),"#,
    );
    let step = r#"        (id: "a", title: "A", prompts: ["x"], kind: Script),"#;
    // (broken text, expected message, line, column)
    let cases: &[(String, &str, usize, usize)] = &[
        // 1. A missing comma is placed at the end of the line it is missing from.
        (
            base.replace("title: \"T\",", "title: \"T\""),
            "missing comma after title (before summary): put a comma (,) at the end of line 4",
            4,
            15,
        ),
        (
            base.replace(
                step,
                &format!(
                    "{}\n{}",
                    step.trim_end_matches(','),
                    step.replace("\"a\"", "\"b\"")
                ),
            ),
            "missing comma after step \"a\": put a comma (,) at the end of line 9",
            9,
            60,
        ),
        (
            base.replace("prompts: [\"x\"]", "prompts: [\"x\" \"y\"]"),
            "missing comma after an entry of prompts: put a comma (,) here",
            9,
            44,
        ),
        // 2. A kind written with the wrong brackets names what it takes.
        (
            base.replace("kind: Script", "kind: Script()"),
            "Script takes nothing in brackets: write kind: Script, and put its text in the step's therapist and prompts",
            9,
            59,
        ),
        (
            base.replace("kind: Script", "kind: Choice()"),
            "Choice in step \"a\" has no options: a Choice needs options, written Choice(options: [\"…\", \"…\"])",
            9,
            53,
        ),
        (
            base.replace("kind: Script", "kind: Reply()"),
            "a Reply needs to and author, written Reply(to: \"…\", author: DisclosingPartner)",
            9,
            53,
        ),
        (
            base.replace("kind: Script", "kind: Choice"),
            "Choice needs options in brackets: write Choice(options: [\"…\", \"…\"])",
            9,
            53,
        ),
        (
            base.replace("kind: Script", "kind: Text"),
            "Text needs brackets, even with nothing in them: write Text()",
            9,
            53,
        ),
        // 3. A curly quote is pointed at, with the straight one to use.
        (
            base.replace("title: \"T\"", "title: “T”"),
            "curly quote “: write text between straight double quotes, \"like this\"",
            4,
            12,
        ),
        (
            base.replace("title: \"T\"", "title: \"T”"),
            "curly quote ” ends a text that starts with a straight quote \": end it with a straight double quote \" too",
            4,
            14,
        ),
        (
            base.replace("title: \"T\"", "title: 'T'"),
            "single quote ': write text between straight double quotes",
            4,
            12,
        ),
        // 4. A missing field names the step it is missing from.
        (
            base.replace("title: \"A\", ", ""),
            "step \"a\" has no title: add title: \"…\"",
            9,
            9,
        ),
        (
            base.replace("id: \"a\", ", ""),
            "step 1 (a Script, with no id) has no id: add id: \"…\"",
            9,
            9,
        ),
        (
            base.replace(", kind: Script", ""),
            "step \"a\" has no kind: add kind: Script (or another kind)",
            9,
            9,
        ),
        (
            base.replace("    summary: \"S\",\n", ""),
            "the template has no summary: add summary: \"…\" at the top",
            1,
            1,
        ),
    ];
    for (text, message, line, col) in cases {
        let found = problems(text);
        let Some(hit) = found.first() else {
            panic!("expected {message:?}, got no problem for\n{text}");
        };
        assert!(
            hit.message.contains(message),
            "expected {message:?}, got {:?} for\n{text}",
            hit.message
        );
        assert_eq!(
            (hit.line, hit.col),
            (*line, *col),
            "position of {message:?} in\n{text}"
        );
        assert_eq!(hit.file, "t.ron");
    }
}

#[test]
fn a_step_without_an_id_inside_a_repeat_is_named_by_number_and_repeat() {
    let step = r#"        (id: "r", title: "R", kind: Repeat(steps: [(id: "c", title: "C", prompts: ["x"], kind: Script), (title: "D", prompts: ["y"], kind: Script)])),"#;
    let found = problems(&doc("Speaker, Listener", step));
    assert!(
        found.first().is_some_and(|p| p.message
            == "step 2 (a Script, with no id) inside step \"r\" has no id: add id: \"…\""),
        "{found:?}"
    );
}

#[test]
fn every_kind_needs_exactly_the_fields_the_notation_messages_name() {
    use super::notation::kind_fields;
    let sample = |field: &str| match field {
        "steps" => r#"steps: [(id: "c", title: "C", prompts: ["x"], kind: Script)]"#,
        "owner" => "owner: PartnerA",
        "items" => "items: []",
        "options" => "options: []",
        "to" => r#"to: "x""#,
        "author" => "author: PartnerA",
        _ => "",
    };
    let options = ron::Options::default();
    for kind in [
        StepKind::Script,
        StepKind::SwapRoles,
        StepKind::Repeat {
            times: 2,
            swap_roles: true,
            steps: vec![],
        },
        StepKind::ParaphraseLoop {
            speaker: Role::Speaker,
            listener: Role::Listener,
            stems: vec![],
            stages: vec![],
            feelings: vec![],
        },
        StepKind::Floor {
            first: Role::Speaker,
            second: Role::Listener,
            rules: vec![],
            max_timeout_hours: 24,
        },
        StepKind::Questions {
            owner: Role::PartnerA,
            categories: vec![],
            answering: false,
        },
        StepKind::Plan {
            owners: vec![],
            categories: vec![],
            review_after_days: 7,
        },
        StepKind::Rating {
            raters: vec![],
            items: vec![],
            scoring: Scoring::None,
        },
        StepKind::Text {
            respondents: Respondents::Each,
            stems: vec![],
            letter: false,
        },
        StepKind::Choice {
            respondents: Respondents::Each,
            options: vec![],
            multiple: false,
        },
        StepKind::Checklist {
            respondents: Respondents::Each,
            items: vec![],
        },
        StepKind::YesNo {
            respondents: Respondents::Each,
            items: vec![],
        },
        StepKind::Reply {
            to: String::new(),
            author: Role::PartnerA,
            stems: vec![],
        },
    ] {
        let name = kind.name();
        match kind_fields(name) {
            None => panic!("{name} is not known to the notation messages"),
            Some(None) => {
                assert!(options.from_str::<StepKind>(name).is_ok(), "{name}");
                assert!(
                    options.from_str::<StepKind>(&format!("{name}()")).is_err(),
                    "{name}"
                );
            }
            Some(Some(fields)) => {
                let all: Vec<&str> = fields.iter().map(|f| sample(f)).collect();
                let written = format!("{name}({})", all.join(", "));
                assert!(options.from_str::<StepKind>(&written).is_ok(), "{written}");
                // Leaving out any one of them is refused, naming it.
                for (i, field) in fields.iter().enumerate() {
                    let mut fewer = all.clone();
                    fewer.remove(i);
                    let written = format!("{name}({})", fewer.join(", "));
                    let error = options.from_str::<StepKind>(&written).expect_err(&written);
                    assert!(error.to_string().contains(field), "{written}: {error}");
                }
            }
        }
    }
}
