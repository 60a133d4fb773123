//! Blank worksheets: any template as a form to fill in on paper, for one audience, with
//! generic role names and no records. A partner's sheet carries their own private steps
//! and never the other partner's: which partner holds a role (the hurt partner, the
//! speaker) comes in as `Bindings`, and a sheet that would need an unbound role to tell
//! the two apart is refused rather than guessed.

use super::{Context, capitalize, plural, unbreakable};
use crate::export::ExportError;
use crate::export::layout::format_value;
use crate::export::report::{Block, DocumentKind, Report, Section, Table, check_mark};
use crate::model::{
    Audience, Bindings, LoopStage, Partner, Respondents, Role, Visibility, YesNoAnswer,
};
use crate::template::{DEFAULT_FEELINGS, Scoring, Step, StepKind, Template, fill};

/// How roles read on a blank worksheet, where no names are known yet.
fn role_label(role: Role) -> &'static str {
    match role {
        Role::PartnerA => "Partner A",
        Role::PartnerB => "Partner B",
        Role::Speaker => "the speaker",
        Role::Listener => "the listener",
        Role::HurtPartner => "the hurt partner",
        Role::DisclosingPartner => "the disclosing partner",
    }
}

/// Template text with generic role names, sentences starting with a capital.
pub fn fill_generic(text: &str) -> String {
    let filled = fill(text, |role| Some(role_label(role).to_string()));
    let mut out = String::with_capacity(filled.len());
    let mut capital = true;
    for c in filled.chars() {
        if capital && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            capital = false;
            continue;
        }
        if !c.is_whitespace() {
            capital = matches!(c, '.' | '!' | '?');
        }
        out.push(c);
    }
    out
}

/// Who holds each role where a step runs, as far as a blank sheet can know it: the
/// bindings given, turned by the `SwapRoles` steps before it, or both ways round inside a
/// `Repeat` that swaps speaker and listener between passes.
#[derive(Clone, Copy, Debug)]
struct Roles {
    bindings: Bindings,
    /// Speaker and listener are exchanged here (after a `SwapRoles`).
    swapped: bool,
    /// Each partner holds speaker and listener in turn here (a swapping `Repeat` of two
    /// passes or more).
    both_ways: bool,
}

impl Roles {
    fn new(bindings: Bindings) -> Roles {
        Roles {
            bindings,
            swapped: false,
            both_ways: false,
        }
    }

    fn after_swap(self) -> Roles {
        Roles {
            swapped: !self.swapped,
            ..self
        }
    }

    /// Inside a `Repeat` run `times` times.
    fn inside(self, times: u32, swap_roles: bool) -> Roles {
        Roles {
            both_ways: self.both_ways || (swap_roles && times >= 2),
            ..self
        }
    }

    /// Whether `role`'s part is `partner`'s own here; `None` when no one knows yet.
    fn is_own(self, role: Role, partner: Partner) -> Option<bool> {
        let turning = matches!(role, Role::Speaker | Role::Listener);
        if turning && self.both_ways {
            return Some(true);
        }
        let bindings = if self.swapped {
            self.bindings.swapped()
        } else {
            self.bindings
        };
        bindings.partner(role).map(|p| p == partner)
    }

    /// `is_own`, or the refusal that says which role must be bound first.
    fn own(self, role: Role, partner: Partner) -> Result<bool, ExportError> {
        self.is_own(role, partner)
            .ok_or(ExportError::Unbound { role })
    }
}

/// Whether `audience` fills in a step with these respondents on paper.
fn fills_in(audience: Audience, respondents: Respondents) -> bool {
    match (audience, respondents) {
        (Audience::Clinician, _) => true,
        (_, Respondents::Clinician) => false,
        (Audience::Partner(Partner::A), Respondents::Role(Role::PartnerB))
        | (Audience::Partner(Partner::B), Respondents::Role(Role::PartnerA)) => false,
        _ => true,
    }
}

/// Who fills in a step on a blank worksheet, as labels.
fn blank_respondents(audience: Audience, respondents: Respondents, private: bool) -> Vec<String> {
    match respondents {
        Respondents::Joint => vec!["Together".into()],
        Respondents::Each => match (audience, private) {
            (Audience::Partner(Partner::A), true) => vec!["Partner A".into()],
            (Audience::Partner(Partner::B), true) => vec!["Partner B".into()],
            _ => vec!["Partner A".into(), "Partner B".into()],
        },
        Respondents::Role(role) => vec![capitalize(role_label(role))],
        Respondents::Clinician => vec!["Therapist".into()],
    }
}

/// Whether a step of a blank worksheet is for this audience. On a partner's sheet a
/// private step shows only when a part of it is theirs: a role's part when they hold the
/// role, an `Each` step's own line; a private `Script` belongs to no one in particular,
/// so it stays off both partners' sheets. An unbound role that decides it is an error.
fn blank_step_shown(step: &Step, audience: Audience, roles: Roles) -> Result<bool, ExportError> {
    match (step.visibility, audience) {
        (_, Audience::Clinician) | (Visibility::Joint, _) => Ok(true),
        (Visibility::ClinicianOnly, _) | (Visibility::PartnerPrivate, Audience::Couple) => {
            Ok(false)
        }
        (Visibility::PartnerPrivate, Audience::Partner(p)) => match &step.kind {
            StepKind::Text { respondents, .. }
            | StepKind::Choice { respondents, .. }
            | StepKind::Checklist { respondents, .. }
            | StepKind::YesNo { respondents, .. } => match respondents {
                Respondents::Role(role) => roles.own(*role, p),
                Respondents::Each | Respondents::Joint => Ok(true),
                Respondents::Clinician => Ok(false),
            },
            StepKind::Questions { owner, .. } | StepKind::Reply { author: owner, .. } => {
                roles.own(*owner, p)
            }
            StepKind::Rating { raters, .. } | StepKind::Plan { owners: raters, .. } => {
                let mut shown = false;
                for rater in raters {
                    shown |= roles.own(*rater, p)?;
                }
                Ok(shown)
            }
            StepKind::ParaphraseLoop { .. } | StepKind::Floor { .. } | StepKind::Script => {
                Ok(false)
            }
            StepKind::SwapRoles | StepKind::Repeat { .. } => Ok(true),
        },
    }
}

/// A worksheet to fill in on paper, for any template, with no names or records.
/// `bindings` says which partner holds the template's roles; a partner's sheet of a
/// protocol with private steps for a role that is not bound is refused
/// (`ExportError::Unbound`), so that it never carries the other role's private steps.
pub fn blank_worksheet(
    template: &Template,
    audience: Audience,
    bindings: Bindings,
    ctx: &Context,
) -> Result<Report, ExportError> {
    let mut report = Report {
        kind: DocumentKind::BlankWorksheet,
        title: format!("Worksheet: {}", fill_generic(&template.title)),
        subtitle: if template.length_mins > 0 {
            format!("About {} minutes", template.length_mins)
        } else {
            String::new()
        },
        practice: ctx.practice.clone(),
        couple_code: None,
        date: ctx.local(ctx.now).date_naive(),
        dates: ctx.dates,
        made_at: ctx.now,
        audience,
        facts: vec![(
            "For".into(),
            match audience {
                Audience::Clinician => "The therapist: every step, with instructions".into(),
                Audience::Couple => "Both partners together: the shared steps".into(),
                Audience::Partner(p) => format!("{p}: the shared steps and their own private ones"),
            },
        )],
        sections: Vec::new(),
        stamp: None,
    };
    // The summary is written for the therapist choosing a protocol; the couple read the
    // introduction, when the template has one.
    let mut intro = Section::new("Before you start");
    if audience == Audience::Clinician {
        intro.blocks.push(Block::Said {
            who: "For the therapist".into(),
            text: fill_generic(&template.summary),
        });
    }
    if let Some(introduction) = &template.introduction {
        intro
            .blocks
            .push(Block::Paragraph(fill_generic(introduction)));
    }
    intro.blocks.push(Block::WriteIn {
        label: "Names".into(),
        lines: 1,
    });
    intro.blocks.push(Block::WriteIn {
        label: "Date".into(),
        lines: 1,
    });
    report.sections.push(intro);
    let roles = Roles::new(bindings);
    blank_steps(&template.steps, audience, roles, None, &mut report.sections)?;
    // Only the names and date: a sheet with nothing to fill in is refused, not printed.
    if report.sections.len() == 1 {
        return Err(ExportError::NothingToFill { audience });
    }
    let hidden = count_hidden(&template.steps, audience, roles)?;
    if hidden > 0 {
        let mut section = Section::new("Not on this sheet");
        section.blocks.push(Block::Note(format!(
            "{} done privately or by the therapist, on a separate sheet.",
            plural(hidden, "step is", "steps are")
        )));
        report.sections.push(section);
    }
    Ok(report)
}

fn count_hidden(steps: &[Step], audience: Audience, roles: Roles) -> Result<usize, ExportError> {
    let mut roles = roles;
    let mut hidden = 0;
    for step in steps {
        hidden += match &step.kind {
            StepKind::Repeat {
                steps,
                times,
                swap_roles,
            } => count_hidden(steps, audience, roles.inside(*times, *swap_roles))?,
            StepKind::SwapRoles => {
                roles = roles.after_swap();
                0
            }
            StepKind::Script
            | StepKind::ParaphraseLoop { .. }
            | StepKind::Floor { .. }
            | StepKind::Questions { .. }
            | StepKind::Plan { .. }
            | StepKind::Rating { .. }
            | StepKind::Text { .. }
            | StepKind::Choice { .. }
            | StepKind::Checklist { .. }
            | StepKind::YesNo { .. }
            | StepKind::Reply { .. } => usize::from(!blank_step_shown(step, audience, roles)?),
        };
    }
    Ok(hidden)
}

fn blank_steps(
    steps: &[Step],
    audience: Audience,
    roles: Roles,
    repeat: Option<(u32, bool)>,
    sections: &mut Vec<Section>,
) -> Result<(), ExportError> {
    let mut roles = roles;
    for step in steps {
        if let StepKind::Repeat {
            times,
            swap_roles,
            steps: inner,
        } = &step.kind
        {
            blank_steps(
                inner,
                audience,
                roles.inside(*times, *swap_roles),
                Some((*times, *swap_roles)),
                sections,
            )?;
            continue;
        }
        if matches!(step.kind, StepKind::SwapRoles) {
            roles = roles.after_swap();
            if let Some(last) = sections.last_mut() {
                last.blocks.push(Block::Note(
                    "Now swap: the speaker becomes the listener, and the listener speaks.".into(),
                ));
            }
            continue;
        }
        if !blank_step_shown(step, audience, roles)? {
            continue;
        }
        let mut section = Section::new(fill_generic(&step.title));
        if let Some((times, swap)) = repeat {
            section.blocks.push(Block::Note(if swap {
                format!("Done {times} times, swapping speaker and listener each time.")
            } else {
                format!("Done {times} times.")
            }));
        }
        if let Some(mins) = step.timebox_mins {
            section
                .blocks
                .push(Block::Note(format!("About {} min.", mins)));
        }
        section
            .blocks
            .extend(step.prompts.iter().map(|p| Block::Prompt(fill_generic(p))));
        if audience == Audience::Clinician && !step.therapist.is_empty() {
            section.blocks.push(Block::Said {
                who: "For the therapist".into(),
                text: fill_generic(&step.therapist),
            });
        }
        section.blocks.extend(blank_form(step, audience, roles));
        sections.push(section);
    }
    Ok(())
}

/// Tick boxes on one line, each box kept with its words (no-break spaces inside an
/// option, ordinary spaces between options so lines break only there).
fn ticks_inline(options: &[String]) -> String {
    options
        .iter()
        .map(|o| unbreakable(&format!("{} {}", check_mark(false), fill_generic(o))))
        .collect::<Vec<_>>()
        .join("    ")
}

/// The places to write, tick or rate for one step.
fn blank_form(step: &Step, audience: Audience, roles: Roles) -> Vec<Block> {
    let private = step.visibility == Visibility::PartnerPrivate;
    // In a private step, whether `role`'s part is this reader's to fill in.
    let is_theirs = |role: Role| match audience {
        Audience::Partner(p) => roles.is_own(role, p) == Some(true),
        Audience::Clinician | Audience::Couple => true,
    };
    let mut blocks = Vec::new();
    match &step.kind {
        StepKind::Script | StepKind::SwapRoles | StepKind::Repeat { .. } => {}
        StepKind::ParaphraseLoop {
            stems,
            stages,
            feelings,
            ..
        } => {
            if !stems.is_empty() {
                blocks.push(Block::Note("Ways to begin:".into()));
                blocks.push(Block::Bullets(
                    stems.iter().map(|s| fill_generic(s)).collect(),
                ));
            }
            blocks.push(Block::WriteIn {
                label: "What the speaker says".into(),
                lines: 4,
            });
            for n in 1..=2 {
                blocks.push(Block::WriteIn {
                    label: format!("Mirror {n}: what the listener heard, in their own words"),
                    lines: 3,
                });
                blocks.push(Block::Paragraph(ticks_inline(&[
                    "That's it".into(),
                    "Not quite".into(),
                    "Yes, and there is more".into(),
                ])));
            }
            for stage in stages {
                match stage {
                    LoopStage::Summary => blocks.push(Block::WriteIn {
                        label: "Summary: all of it, in a few sentences".into(),
                        lines: 3,
                    }),
                    LoopStage::Validation => blocks.push(Block::WriteIn {
                        label: "Validation: what makes sense about it".into(),
                        lines: 2,
                    }),
                    LoopStage::Empathy => {
                        blocks.push(Block::WriteIn {
                            label: "Empathy: what the speaker may be feeling".into(),
                            lines: 2,
                        });
                        let words: Vec<String> = if feelings.is_empty() {
                            DEFAULT_FEELINGS.iter().map(|f| f.to_string()).collect()
                        } else {
                            feelings.clone()
                        };
                        blocks.push(Block::Paragraph(ticks_inline(&words)));
                    }
                }
            }
        }
        StepKind::Floor { rules, .. } => {
            if !rules.is_empty() {
                blocks.push(Block::Note("The rules:".into()));
                blocks.push(Block::Bullets(
                    rules.iter().map(|r| fill_generic(r)).collect(),
                ));
            }
            let mut table = Table::new(&[
                ("Who speaks", 1.0),
                ("What was said", 3.0),
                ("What the listener heard", 3.0),
                ("Right?", 0.9),
            ]);
            table.rows = vec![vec![String::new(); 4]; 6];
            table.min_row_lines = 3;
            blocks.push(Block::Table(table));
        }
        StepKind::Questions {
            categories,
            answering,
            ..
        } => {
            if *answering {
                let mut table = Table::new(&[("#", 0.4), ("Question", 3.0), ("Answer", 3.0)]);
                table.rows = (1..=8)
                    .map(|n| vec![n.to_string(), String::new(), String::new()])
                    .collect();
                table.min_row_lines = 3;
                blocks.push(Block::Table(table));
            } else {
                for n in 1..=8 {
                    blocks.push(Block::WriteIn {
                        label: format!("Question {n}"),
                        lines: 2,
                    });
                    blocks.push(Block::WriteIn {
                        label: "Why I need to know".into(),
                        lines: 1,
                    });
                    if !categories.is_empty() {
                        blocks.push(Block::Paragraph(ticks_inline(categories)));
                    }
                }
            }
        }
        StepKind::Plan {
            owners, categories, ..
        } => {
            for owner in owners {
                if !fills_in(audience, Respondents::Role(*owner)) || (private && !is_theirs(*owner))
                {
                    continue;
                }
                blocks.push(Block::Heading(format!(
                    "{}'s commitments",
                    capitalize(role_label(*owner))
                )));
                let mut table = Table::new(&[
                    ("What exactly", 3.0),
                    ("How often, when", 1.8),
                    ("How we will know", 1.6),
                    ("From", 0.9),
                    ("Review", 0.9),
                ]);
                table.rows = vec![vec![String::new(); 5]; 3];
                table.min_row_lines = 3;
                blocks.push(Block::Table(table));
            }
            if !categories.is_empty() {
                blocks.push(Block::Note(format!(
                    "Kinds of commitment: {}.",
                    categories.join(" · ")
                )));
            }
        }
        StepKind::Rating {
            raters,
            items,
            scoring,
        } => {
            for rater in raters {
                if !fills_in(audience, Respondents::Role(*rater)) || (private && !is_theirs(*rater))
                {
                    continue;
                }
                blocks.push(Block::Heading(capitalize(role_label(*rater))));
                for item in items {
                    blocks.push(Block::Prompt(fill_generic(&item.label)));
                    // One box per point on one line, with its words (or its number, the
                    // two ends named under the first and last).
                    let block = if item.anchors.is_empty() {
                        Block::Scale {
                            points: (item.min..=item.max).map(|v| v.to_string()).collect(),
                            low: fill_generic(&item.low),
                            high: fill_generic(&item.high),
                        }
                    } else {
                        Block::Scale {
                            points: item.anchors.iter().map(|a| fill_generic(a)).collect(),
                            low: String::new(),
                            high: String::new(),
                        }
                    };
                    blocks.push(block);
                }
            }
            if audience == Audience::Clinician
                && let Scoring::Sum { cutoff, flag } = scoring
            {
                blocks.push(Block::Note(match cutoff {
                    Some(c) => format!(
                        "Scoring: add up the items; a total below {} is flagged{}.",
                        format_value(*c as f32),
                        if flag.is_empty() {
                            String::new()
                        } else {
                            format!(" ({flag})")
                        }
                    ),
                    None => "Scoring: add up the items.".into(),
                }));
            }
        }
        StepKind::Text {
            respondents, stems, ..
        } => {
            if !fills_in(audience, *respondents) {
                return blocks;
            }
            for who in blank_respondents(audience, *respondents, private) {
                blocks.push(Block::Heading(who));
                if stems.is_empty() {
                    blocks.push(Block::WriteIn {
                        label: String::new(),
                        lines: 6,
                    });
                }
                for stem in stems {
                    blocks.push(Block::WriteIn {
                        label: fill_generic(stem),
                        lines: 3,
                    });
                }
            }
        }
        StepKind::Choice {
            respondents,
            options,
            multiple,
        } => {
            if !fills_in(audience, *respondents) {
                return blocks;
            }
            for who in blank_respondents(audience, *respondents, private) {
                blocks.push(Block::Heading(who));
                blocks.push(Block::Note(
                    if *multiple {
                        "Tick any that apply."
                    } else {
                        "Tick one."
                    }
                    .into(),
                ));
                blocks.push(Block::Checks(
                    options.iter().map(|o| (false, fill_generic(o))).collect(),
                ));
            }
        }
        StepKind::Checklist { respondents, items } => {
            if !fills_in(audience, *respondents) {
                return blocks;
            }
            for who in blank_respondents(audience, *respondents, private) {
                blocks.push(Block::Heading(who));
                blocks.push(Block::Checks(
                    items.iter().map(|i| (false, fill_generic(i))).collect(),
                ));
            }
        }
        StepKind::YesNo { respondents, items } => {
            if !fills_in(audience, *respondents) {
                return blocks;
            }
            for who in blank_respondents(audience, *respondents, private) {
                blocks.push(Block::Heading(who));
                blocks.push(Block::Note(
                    "Answer every sentence: yes, no, or that you would rather not say.".into(),
                ));
                let answers: Vec<String> = YesNoAnswer::ALL
                    .iter()
                    .map(|a| unbreakable(&format!("{} {}", check_mark(false), a.label())))
                    .collect();
                blocks.push(Block::Fields(
                    items
                        .iter()
                        .map(|i| (fill_generic(i), answers.join("    ")))
                        .collect(),
                ));
            }
        }
        StepKind::Reply { author, stems, .. } => {
            if !fills_in(audience, Respondents::Role(*author)) || (private && !is_theirs(*author)) {
                return blocks;
            }
            blocks.push(Block::Heading(capitalize(role_label(*author))));
            blocks.push(Block::Note(
                "Take the letter one paragraph at a time: copy each point, or its first words, and answer it beside it. Every point gets its own answer."
                    .into(),
            ));
            if !stems.is_empty() {
                blocks.push(Block::Note("Ways to begin an answer:".into()));
                blocks.push(Block::Bullets(
                    stems.iter().map(|s| fill_generic(s)).collect(),
                ));
            }
            let mut table = Table::new(&[("#", 0.4), ("You wrote", 2.6), ("My answer", 4.0)]);
            table.rows = (1..=6)
                .map(|n| vec![n.to_string(), String::new(), String::new()])
                .collect();
            table.min_row_lines = 5;
            blocks.push(Block::Table(table));
        }
    }
    blocks
}
