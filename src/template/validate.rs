//! Checks a parsed template for what the type system cannot: unique and well-formed ids,
//! declared roles, known placeholders, non-empty prompts, sound scales, gates that point
//! at real steps. Every finding says what is wrong and where to look.

use super::{
    At, Gate, Issue, MAX_REPEAT_DEPTH, RatingItem, Scoring, Step, StepKind, TEMPLATE_FORMAT,
    Template, placeholders,
};
use crate::model::{Respondents, Role, Visibility};
use std::collections::{BTreeMap, BTreeSet};

/// Every issue in a template, in source order as far as possible. Empty means valid.
pub fn validate(template: &Template) -> Vec<Issue> {
    let mut v = Validator {
        template,
        issues: Vec::new(),
        seen_ids: BTreeMap::new(),
        ids_so_far: BTreeMap::new(),
        letters_so_far: BTreeSet::new(),
    };
    v.top();
    v.steps(&template.steps, 1);
    v.screen();
    v.issues
}

struct Validator<'t> {
    template: &'t Template,
    issues: Vec<Issue>,
    /// How often each step id was seen so far (for duplicate positions).
    seen_ids: BTreeMap<String, usize>,
    /// Step ids defined so far, with their kind name (gates may only look back).
    ids_so_far: BTreeMap<String, &'static str>,
    /// Ids of the `Text` steps with `letter: true` defined so far (replies answer them).
    letters_so_far: BTreeSet<String>,
}

fn is_slug(s: &str, extra: &[char]) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || extra.contains(&c))
}

impl<'t> Validator<'t> {
    /// A screen declaration names steps that exist, of kinds the safety gate can read.
    fn screen(&mut self) {
        let Some(spec) = &self.template.screen else {
            return;
        };
        for (what, id) in spec.named_steps() {
            let Some(step) = super::find_step(&self.template.steps, id) else {
                self.push(
                    At::Field("screen"),
                    format!(
                        "screen: {what} names the step {id:?}, and there is no step with that id"
                    ),
                );
                continue;
            };
            let fits = match what {
                "partner_a" | "partner_b" => matches!(
                    step.kind,
                    StepKind::YesNo { .. } | StepKind::Checklist { .. } | StepKind::Choice { .. }
                ),
                "decision" => matches!(step.kind, StepKind::Choice { .. }),
                _ => matches!(step.kind, StepKind::Text { .. }),
            };
            if !fits {
                let wanted = match what {
                    "partner_a" | "partner_b" => "a YesNo, Checklist or Choice step",
                    "decision" => "a Choice step",
                    _ => "a Text step",
                };
                self.push(
                    At::Field("screen"),
                    format!(
                        "screen: {what} must be {wanted}, and {id:?} is a {} step",
                        step.kind.name()
                    ),
                );
            }
            if matches!(what, "partner_a" | "partner_b")
                && step.visibility != crate::template::Visibility::PartnerPrivate
                && step.visibility != crate::template::Visibility::ClinicianOnly
            {
                self.push(
                    At::Field("screen"),
                    format!(
                        "screen: {what} is answered in private with the therapist: give {id:?} visibility PartnerPrivate or ClinicianOnly"
                    ),
                );
            }
        }
        if spec.partner_a == spec.partner_b {
            self.push(
                At::Field("screen"),
                "screen: partner_a and partner_b must be different steps",
            );
        }
    }

    fn push(&mut self, at: At, message: impl Into<String>) {
        self.issues.push(Issue {
            at,
            message: message.into(),
        });
    }

    fn in_step(step: &Step, needle: &str) -> At {
        At::InStep {
            step: step.id.clone(),
            needle: needle.to_string(),
        }
    }

    fn role_available(&self, role: Role) -> bool {
        role.is_always_bound() || self.template.roles.contains(&role)
    }

    fn top(&mut self) {
        let t = self.template;
        if t.format != TEMPLATE_FORMAT {
            self.push(
                At::Field("format"),
                format!(
                    "format {} is not supported: this version of Tandem reads format {TEMPLATE_FORMAT}",
                    t.format
                ),
            );
        }
        if !is_slug(&t.id, &[]) {
            self.push(
                At::Field("id"),
                format!(
                    "template id {:?} must be lower-case letters, digits and '-'",
                    t.id
                ),
            );
        }
        for (field, value) in [
            ("title", &t.title),
            ("summary", &t.summary),
            ("source", &t.source),
        ] {
            if value.trim().is_empty() {
                self.push(At::Field(field), format!("{field} is empty"));
            }
        }
        let mut roles = BTreeSet::new();
        for role in &t.roles {
            if !roles.insert(*role) {
                self.push(At::Field("roles"), format!("role {role:?} is listed twice"));
            }
        }
        for role in &t.roles {
            if !role.is_always_bound() && !roles.contains(&role.counterpart()) {
                self.push(
                    At::Field("roles"),
                    format!(
                        "role {role:?} needs its counterpart {:?} in roles",
                        role.counterpart()
                    ),
                );
            }
        }
        let mut tags = BTreeSet::new();
        for tag in &t.trust {
            if !tags.insert(*tag) {
                self.push(
                    At::Field("trust"),
                    format!("TRUST tag {tag:?} is listed twice"),
                );
            }
        }
        for gate in &t.requires {
            if !matches!(gate, Gate::BothScreened | Gate::JointWorkCleared) {
                self.push(
                    At::Field("requires"),
                    format!(
                        "requires may only hold BothScreened or JointWorkCleared, not {gate:?}: put step gates on the step"
                    ),
                );
            }
        }
        if t.steps.is_empty() {
            self.push(At::Field("steps"), "a template needs at least one step");
        }
        self.placeholders_at(At::Field("title"), &t.title);
        self.placeholders_at(At::Field("summary"), &t.summary);
        if let Some(introduction) = &t.introduction {
            if introduction.trim().is_empty() {
                self.push(
                    At::Field("introduction"),
                    "introduction is empty: write what the couple reads before they start, or leave the field out",
                );
            }
            self.placeholders_at(At::Field("introduction"), introduction);
        }
        if let Some(practice) = &t.between_sessions {
            if practice.trim().is_empty() {
                self.push(
                    At::Field("between_sessions"),
                    "between_sessions is empty: write what the couple might practise before the next session, or leave the field out",
                );
            }
            self.placeholders_at(At::Field("between_sessions"), practice);
        }
    }

    fn steps(&mut self, steps: &'t [Step], depth: usize) {
        for step in steps {
            self.step(step, depth);
        }
    }

    fn step(&mut self, step: &'t Step, depth: usize) {
        let nth = {
            let count = self.seen_ids.entry(step.id.clone()).or_insert(0);
            *count += 1;
            *count - 1
        };
        if nth > 0 {
            self.push(
                At::StepId {
                    id: step.id.clone(),
                    nth,
                },
                format!("step id {:?} is used more than once", step.id),
            );
        } else if !is_slug(&step.id, &['_']) {
            self.push(
                At::StepId {
                    id: step.id.clone(),
                    nth,
                },
                format!(
                    "step id {:?} must be lower-case letters, digits, '-' and '_'",
                    step.id
                ),
            );
        }
        if step.title.trim().is_empty() {
            self.push(Self::in_step(step, "title"), "step title is empty");
        }
        if matches!(step.kind, StepKind::Script)
            && step.therapist.trim().is_empty()
            && step.prompts.is_empty()
        {
            self.push(
                Self::in_step(step, "Script"),
                "a Script step needs therapist instructions or prompts",
            );
        }
        for prompt in &step.prompts {
            if prompt.trim().is_empty() {
                self.push(Self::in_step(step, "prompts"), "empty prompt");
            }
        }
        self.placeholders_in(Some(step), &step.title);
        self.placeholders_in(Some(step), &step.therapist);
        for prompt in &step.prompts {
            self.placeholders_in(Some(step), prompt);
        }
        if let Some(mins) = step.timebox_mins
            && !(1..=240).contains(&mins)
        {
            self.push(
                Self::in_step(step, "timebox_mins"),
                format!("timebox of {mins} minutes: it must be between 1 and 240"),
            );
        }
        self.gates(step);
        self.kind(step, depth);
        self.ids_so_far
            .entry(step.id.clone())
            .or_insert(step.kind.name());
        if matches!(step.kind, StepKind::Text { letter: true, .. }) {
            self.letters_so_far.insert(step.id.clone());
        }
    }

    fn gates(&mut self, step: &Step) {
        for gate in &step.gates {
            match gate {
                Gate::Completed(id) | Gate::AllChecked(id) => {
                    let kind = if *id == step.id {
                        Some(step.kind.name())
                    } else {
                        self.ids_so_far.get(id).copied()
                    };
                    match kind {
                        None => self.push(
                            Self::in_step(step, "gates"),
                            format!(
                                "gate refers to step {id:?}, which is not this step or one before it"
                            ),
                        ),
                        Some("Repeat") => self.push(
                            Self::in_step(step, "gates"),
                            format!(
                                "gate refers to {id:?}, a Repeat, which is never completed itself: name a step inside it"
                            ),
                        ),
                        Some(kind) if matches!(gate, Gate::AllChecked(_)) && kind != "Checklist" => {
                            self.push(
                                Self::in_step(step, "AllChecked"),
                                format!("AllChecked needs a Checklist step, but {id:?} is a {kind}"),
                            )
                        }
                        Some(_) => {}
                    }
                }
                Gate::Confirm(statement) => {
                    if statement.trim().is_empty() {
                        self.push(
                            Self::in_step(step, "Confirm"),
                            "a Confirm gate needs a statement",
                        );
                    }
                    self.placeholders_in(Some(step), statement);
                }
                Gate::BothScreened | Gate::JointWorkCleared => {}
            }
        }
    }

    fn kind(&mut self, step: &'t Step, depth: usize) {
        match &step.kind {
            StepKind::Script => {}
            StepKind::SwapRoles => self.needs_dialogue_roles(step, "SwapRoles"),
            StepKind::Repeat {
                times,
                swap_roles,
                steps,
            } => {
                if !(1..=4).contains(times) {
                    self.push(
                        Self::in_step(step, "times"),
                        format!("repeat {times} times: it must be between 1 and 4"),
                    );
                }
                if *swap_roles {
                    self.needs_dialogue_roles(step, "swap_roles");
                }
                if steps.is_empty() {
                    self.push(Self::in_step(step, "Repeat"), "a Repeat needs inner steps");
                }
                if !step.therapist.is_empty()
                    || !step.prompts.is_empty()
                    || step.timebox_mins.is_some()
                    || !step.gates.is_empty()
                {
                    self.push(
                        Self::in_step(step, "Repeat"),
                        "a Repeat only groups steps: its therapist text, prompts, timebox and gates would never be shown; put them on its inner steps",
                    );
                }
                if depth > MAX_REPEAT_DEPTH {
                    self.push(
                        Self::in_step(step, "Repeat"),
                        format!("repeats may nest at most {MAX_REPEAT_DEPTH} deep"),
                    );
                } else {
                    self.steps(steps, depth + 1);
                }
            }
            StepKind::ParaphraseLoop {
                speaker,
                listener,
                stems,
                stages,
                feelings,
            } => {
                self.role_pair(step, *speaker, *listener);
                self.texts(step, "stems", stems, false);
                self.texts(step, "feelings", feelings, true);
                let mut seen = BTreeSet::new();
                for stage in stages {
                    if !seen.insert(*stage) {
                        self.push(
                            Self::in_step(step, "stages"),
                            format!("stage {stage:?} is listed twice"),
                        );
                    }
                }
                if !feelings.is_empty() && !stages.contains(&crate::model::LoopStage::Empathy) {
                    self.push(
                        Self::in_step(step, "feelings"),
                        "feelings are only used by the Empathy stage, which is not in stages",
                    );
                }
            }
            StepKind::Floor {
                first,
                second,
                rules,
                max_timeout_hours,
            } => {
                self.role_pair(step, *first, *second);
                self.texts(step, "rules", rules, true);
                if !(1..=72).contains(max_timeout_hours) {
                    self.push(
                        Self::in_step(step, "max_timeout_hours"),
                        format!(
                            "max_timeout_hours {max_timeout_hours}: it must be between 1 and 72"
                        ),
                    );
                }
            }
            StepKind::Questions {
                owner, categories, ..
            } => {
                self.role(step, *owner);
                self.texts(step, "categories", categories, true);
            }
            StepKind::Plan {
                owners,
                categories,
                review_after_days,
            } => {
                self.partner_roles(step, "owners", owners);
                self.texts(step, "categories", categories, true);
                if !(1..=365).contains(review_after_days) {
                    self.push(
                        Self::in_step(step, "review_after_days"),
                        format!(
                            "review_after_days {review_after_days}: it must be between 1 and 365"
                        ),
                    );
                }
            }
            StepKind::Rating {
                raters,
                items,
                scoring,
            } => {
                self.partner_roles(step, "raters", raters);
                self.scale(step, items, scoring);
            }
            StepKind::Text {
                respondents, stems, ..
            } => {
                self.respondents(step, *respondents);
                self.texts(step, "stems", stems, false);
            }
            StepKind::Choice {
                respondents,
                options,
                ..
            } => {
                self.respondents(step, *respondents);
                if options.len() < 2 {
                    self.push(
                        Self::in_step(step, "options"),
                        "a Choice needs at least two options",
                    );
                }
                self.texts(step, "options", options, true);
            }
            StepKind::Checklist { respondents, items } => {
                self.respondents(step, *respondents);
                if items.is_empty() {
                    self.push(
                        Self::in_step(step, "items"),
                        "a Checklist needs at least one item",
                    );
                }
                self.texts(step, "items", items, true);
            }
            StepKind::YesNo { respondents, items } => {
                self.respondents(step, *respondents);
                if items.is_empty() {
                    self.push(
                        Self::in_step(step, "items"),
                        "a YesNo step needs at least one item",
                    );
                }
                self.texts(step, "items", items, true);
            }
            StepKind::Reply { to, author, stems } => {
                self.role(step, *author);
                self.texts(step, "stems", stems, false);
                if !self.letters_so_far.contains(to) {
                    let message = match self.ids_so_far.get(to) {
                        None if *to == step.id => {
                            format!("a Reply answers an earlier letter, not itself ({to:?})")
                        }
                        None => format!(
                            "Reply refers to step {to:?}, which is not a step before this one"
                        ),
                        Some(kind) => format!(
                            "Reply needs a Text step with letter: true, but {to:?} is a {kind}{}",
                            if *kind == "Text" {
                                " without letter: true"
                            } else {
                                ""
                            }
                        ),
                    };
                    self.push(Self::in_step(step, &format!("{to:?}")), message);
                }
            }
        }
    }

    fn needs_dialogue_roles(&mut self, step: &Step, needle: &str) {
        if !self.template.roles.contains(&Role::Speaker) {
            self.push(
                Self::in_step(step, needle),
                "swapping roles needs Speaker and Listener in the template's roles",
            );
        }
    }

    fn role(&mut self, step: &Step, role: Role) {
        if !self.role_available(role) {
            self.push(
                Self::in_step(step, &format!("{role:?}")),
                format!("role {role:?} is not declared in the template's roles"),
            );
        }
    }

    fn role_pair(&mut self, step: &Step, first: Role, second: Role) {
        self.role(step, first);
        self.role(step, second);
        if first.counterpart() != second {
            self.push(
                Self::in_step(step, &format!("{second:?}")),
                format!(
                    "{first:?} and {second:?} are not a pair of roles (pairs: Speaker/Listener, HurtPartner/DisclosingPartner, PartnerA/PartnerB)"
                ),
            );
        }
    }

    /// Roles that must name two different partners (raters, owners).
    fn partner_roles(&mut self, step: &Step, field: &str, roles: &[Role]) {
        if roles.is_empty() {
            self.push(
                Self::in_step(step, field),
                format!("{field} needs at least one role"),
            );
        }
        for role in roles {
            self.role(step, *role);
        }
        if roles.len() > 2 || (roles.len() == 2 && roles[0].counterpart() != roles[1]) {
            self.push(
                Self::in_step(step, field),
                format!("{field} must be one role, or two roles that name different partners"),
            );
        }
    }

    fn respondents(&mut self, step: &Step, respondents: Respondents) {
        if let Respondents::Role(role) = respondents {
            self.role(step, role);
        }
        if step.visibility == Visibility::PartnerPrivate
            && matches!(respondents, Respondents::Joint)
        {
            self.push(
                Self::in_step(step, "PartnerPrivate"),
                "PartnerPrivate needs answers by partner: respondents Each or Role(..), not Joint",
            );
        }
    }

    fn texts(&mut self, step: &Step, field: &str, texts: &[String], unique: bool) {
        let mut seen = BTreeSet::new();
        for text in texts {
            if text.trim().is_empty() {
                self.push(
                    Self::in_step(step, field),
                    format!("empty entry in {field}"),
                );
            } else if unique && !seen.insert(text.trim().to_lowercase()) {
                self.push(
                    Self::in_step(step, text),
                    format!("{text:?} appears twice in {field}"),
                );
            }
            self.placeholders_in(Some(step), text);
        }
    }

    fn scale(&mut self, step: &Step, items: &[RatingItem], scoring: &Scoring) {
        if items.is_empty() {
            self.push(
                Self::in_step(step, "items"),
                "a Rating needs at least one item",
            );
        }
        let mut ids = BTreeSet::new();
        let (mut sum_min, mut sum_max) = (0u32, 0u32);
        for item in items {
            let at = || Self::in_step(step, &format!("\"{}\"", item.id));
            if !is_slug(&item.id, &['_']) {
                self.push(
                    at(),
                    format!(
                        "item id {:?} must be lower-case letters, digits, '-' and '_'",
                        item.id
                    ),
                );
            } else if !ids.insert(item.id.as_str()) {
                self.push(at(), format!("item id {:?} is used twice", item.id));
            }
            if item.label.trim().is_empty() {
                self.push(at(), format!("item {:?} has an empty label", item.id));
            }
            for text in [&item.label, &item.low, &item.high]
                .into_iter()
                .chain(&item.anchors)
            {
                self.placeholders_in(Some(step), text);
            }
            if item.min >= item.max {
                self.push(
                    at(),
                    format!(
                        "item {:?}: min {} must be below max {}",
                        item.id, item.min, item.max
                    ),
                );
            } else if item.max > 100 {
                self.push(
                    at(),
                    format!("item {:?}: max {} is above 100", item.id, item.max),
                );
            } else if !item.anchors.is_empty()
                && item.anchors.len() != usize::from(item.max - item.min) + 1
            {
                self.push(
                    at(),
                    format!(
                        "item {:?}: {} anchors for {} points ({}..={}); give one word per point or none",
                        item.id,
                        item.anchors.len(),
                        item.max - item.min + 1,
                        item.min,
                        item.max
                    ),
                );
            }
            if item.anchors.iter().any(|a| a.trim().is_empty()) {
                self.push(at(), format!("item {:?} has an empty anchor", item.id));
            }
            sum_min += u32::from(item.min);
            sum_max += u32::from(item.max.max(item.min));
        }
        if let Scoring::Sum { flag, .. } = scoring {
            self.placeholders_in(Some(step), flag);
        }
        if let Scoring::Sum {
            cutoff: Some(cutoff),
            ..
        } = scoring
            && !(cutoff.is_finite()
                && *cutoff > f64::from(sum_min)
                && *cutoff <= f64::from(sum_max))
        {
            self.push(
                Self::in_step(step, "cutoff"),
                format!("cutoff {cutoff} is outside the scale's total range {sum_min}..={sum_max}"),
            );
        }
    }

    fn placeholders_at(&mut self, at: At, text: &str) {
        self.placeholders_with(|_| at.clone(), text);
    }

    fn placeholders_in(&mut self, step: Option<&Step>, text: &str) {
        let step = step.map(|s| s.id.clone());
        self.placeholders_with(
            |needle| match &step {
                Some(step) => At::InStep {
                    step: step.clone(),
                    needle: needle.to_string(),
                },
                None => At::Top,
            },
            text,
        );
    }

    fn placeholders_with(&mut self, at: impl Fn(&str) -> At, text: &str) {
        match placeholders(text) {
            Err(offset) => {
                let snippet: String = text[offset..].chars().take(20).collect();
                self.push(
                    at(&snippet),
                    format!(
                        "stray brace in {snippet:?}: placeholders are written {{speaker}}, {{listener}}, {{hurt_partner}}, {{disclosing_partner}}, {{partner_a}} or {{partner_b}}"
                    ),
                );
            }
            Ok(names) => {
                for name in names {
                    let needle = format!("{{{name}}}");
                    let (name, form) = match name.split_once(':') {
                        Some((role, form)) => (role, Some(form)),
                        None => (name, None),
                    };
                    if let Some(form) = form
                        && crate::model::PronounForm::from_name(form).is_none()
                    {
                        self.push(
                            at(&needle),
                            format!(
                                "unknown pronoun form in {needle}: use they, them, their, theirs or themself (capitalized to start a sentence)"
                            ),
                        );
                        continue;
                    }
                    match Role::from_placeholder(name) {
                        None => self.push(at(&needle), format!("unknown placeholder {needle}")),
                        Some(role) if !self.role_available(role) => self.push(
                            at(&needle),
                            format!(
                                "placeholder {needle} needs role {role:?} in the template's roles"
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
    }
}
