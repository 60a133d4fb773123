//! Editing a protocol as data: what the app's protocol editor changes. Steps are found by
//! their path (indexes from the top, into `Repeat`s); new steps of each kind start from a
//! form that is nearly valid; every validation finding is placed beside the field it is
//! about; the protocol is written back as RON that reads back to the same protocol; and
//! a bounded undo history.
//!
//! Pure data, like the rest of `template`: no egui, no files.

use super::{
    At, Gate, Problem, RatingItem, Scoring, Step, StepKind, TEMPLATE_FORMAT, Template,
    TemplateError, validate,
};
use crate::model::{Respondents, Role, Visibility};

/// Where a step is: its index in the top list, then in each enclosing `Repeat`'s steps.
pub type StepPath = Vec<usize>;

/// Every step kind, by the name a template writes, in the order the editor offers them,
/// with a line saying what each does.
pub const KINDS: [(&str, &str); 13] = [
    (
        "Script",
        "Instructions and prompts to read; nothing is recorded",
    ),
    (
        "ParaphraseLoop",
        "Message, mirror, \"did I get it?\" until the speaker says yes",
    ),
    (
        "Floor",
        "Speaker and listener pass a floor token; rule breaches and time-outs",
    ),
    (
        "Text",
        "Free text, with sentence starters; optionally a letter",
    ),
    ("Rating", "Scales each partner answers, optionally scored"),
    ("Choice", "Pick one (or several) of a list"),
    ("Checklist", "Tick the items that apply"),
    ("YesNo", "Questions answered yes, no or \"rather not say\""),
    ("Questions", "A question list one partner builds, or asks"),
    (
        "Plan",
        "Commitments: behaviour, rhythm, how it is checked, review date",
    ),
    (
        "Reply",
        "A letter that answers an earlier letter point by point",
    ),
    (
        "Repeat",
        "Run the steps inside it again, swapping speaker and listener",
    ),
    (
        "SwapRoles",
        "Speaker and listener change places for the steps after it",
    ),
];

/// A new step kind with its fields filled in as a therapist would most often want them.
pub fn blank_kind(name: &str) -> Option<StepKind> {
    Some(match name {
        "Script" => StepKind::Script,
        "SwapRoles" => StepKind::SwapRoles,
        "Repeat" => StepKind::Repeat {
            times: 2,
            swap_roles: true,
            steps: Vec::new(),
        },
        "ParaphraseLoop" => StepKind::ParaphraseLoop {
            speaker: Role::Speaker,
            listener: Role::Listener,
            stems: Vec::new(),
            stages: Vec::new(),
            feelings: Vec::new(),
        },
        "Floor" => StepKind::Floor {
            first: Role::Speaker,
            second: Role::Listener,
            rules: Vec::new(),
            max_timeout_hours: 24,
        },
        "Questions" => StepKind::Questions {
            owner: Role::PartnerA,
            categories: Vec::new(),
            answering: false,
        },
        "Plan" => StepKind::Plan {
            owners: vec![Role::PartnerA, Role::PartnerB],
            categories: Vec::new(),
            review_after_days: 7,
        },
        "Rating" => StepKind::Rating {
            raters: vec![Role::PartnerA, Role::PartnerB],
            items: vec![RatingItem {
                id: "item".into(),
                label: String::new(),
                min: 0,
                max: 10,
                low: String::new(),
                high: String::new(),
                anchors: Vec::new(),
            }],
            scoring: Scoring::None,
        },
        "Text" => StepKind::Text {
            respondents: Respondents::Each,
            stems: Vec::new(),
            letter: false,
        },
        "Choice" => StepKind::Choice {
            respondents: Respondents::Each,
            options: Vec::new(),
            multiple: false,
        },
        "Checklist" => StepKind::Checklist {
            respondents: Respondents::Each,
            items: Vec::new(),
        },
        "YesNo" => StepKind::YesNo {
            respondents: Respondents::Each,
            items: Vec::new(),
        },
        "Reply" => StepKind::Reply {
            to: String::new(),
            author: Role::PartnerB,
            stems: Vec::new(),
        },
        _ => return None,
    })
}

/// A protocol with nothing in it yet but one script step, for "New protocol".
pub fn blank(id: &str) -> Template {
    Template {
        format: TEMPLATE_FORMAT,
        id: id.to_string(),
        title: String::new(),
        summary: String::new(),
        introduction: None,
        between_sessions: None,
        source: String::new(),
        trust: Vec::new(),
        length_mins: 0,
        roles: Vec::new(),
        requires: Vec::new(),
        screen: None,
        steps: vec![Step {
            id: "welcome".into(),
            title: "Welcome".into(),
            therapist: String::new(),
            prompts: Vec::new(),
            timebox_mins: None,
            visibility: Visibility::Joint,
            gates: Vec::new(),
            kind: StepKind::Script,
        }],
    }
}

/// A copy of a protocol to make one's own: a new id not in `taken` and "(own copy)" after
/// the title.
pub fn copy_of(template: &Template, taken: impl Fn(&str) -> bool) -> Template {
    let mut copy = template.clone();
    copy.id = unused_id(&format!("{}-own", template.id), taken);
    copy.title = format!("{} (own copy)", template.title);
    copy
}

/// `base`, or `base-2`, `base-3`… : the first that `taken` does not claim.
pub fn unused_id(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or_else(|| base.to_string())
}

/// The step at `path`.
pub fn step_at<'t>(steps: &'t [Step], path: &[usize]) -> Option<&'t Step> {
    let (first, rest) = path.split_first()?;
    let step = steps.get(*first)?;
    if rest.is_empty() {
        Some(step)
    } else {
        step_at(step.kind.nested_steps(), rest)
    }
}

/// The step at `path`, to change.
pub fn step_at_mut<'t>(steps: &'t mut [Step], path: &[usize]) -> Option<&'t mut Step> {
    let (first, rest) = path.split_first()?;
    let step = steps.get_mut(*first)?;
    if rest.is_empty() {
        Some(step)
    } else {
        match &mut step.kind {
            StepKind::Repeat { steps, .. } => step_at_mut(steps, rest),
            _ => None,
        }
    }
}

/// The list that holds the step at `path` (the top list or a `Repeat`'s steps).
fn list_of<'t>(steps: &'t mut Vec<Step>, path: &[usize]) -> Option<&'t mut Vec<Step>> {
    match path.split_first() {
        None => None,
        Some((_, [])) => Some(steps),
        Some((first, rest)) => match &mut steps.get_mut(*first)?.kind {
            StepKind::Repeat { steps, .. } => list_of(steps, rest),
            _ => None,
        },
    }
}

/// Every step id in the protocol, inner steps included.
pub fn step_ids(steps: &[Step]) -> Vec<String> {
    let mut ids = Vec::new();
    for step in steps {
        ids.push(step.id.clone());
        ids.extend(step_ids(step.kind.nested_steps()));
    }
    ids
}

/// Every step's path, in the order the steps are written (a `Repeat` before its steps).
pub fn paths(steps: &[Step]) -> Vec<StepPath> {
    fn walk(steps: &[Step], prefix: &[usize], out: &mut Vec<StepPath>) {
        for (i, step) in steps.iter().enumerate() {
            let mut path = prefix.to_vec();
            path.push(i);
            out.push(path.clone());
            walk(step.kind.nested_steps(), &path, out);
        }
    }
    let mut out = Vec::new();
    walk(steps, &[], &mut out);
    out
}

/// A new step of kind `kind` (a name from `KINDS`): after the step at `after` in the same
/// list, inside it when `inside` and it is a `Repeat`, or at the end when `after` is
/// `None`. Its id is unused and its title says what it is. Returns its path.
pub fn insert_step(
    template: &mut Template,
    after: Option<&[usize]>,
    inside: bool,
    kind: &str,
) -> Option<StepPath> {
    let kind = blank_kind(kind)?;
    let ids = step_ids(&template.steps);
    let base = kind.name().to_lowercase();
    let id = unused_id(&base, |id| ids.iter().any(|i| i == id));
    let step = Step {
        id,
        title: match &kind {
            StepKind::SwapRoles => "Swap speaker and listener".into(),
            StepKind::Repeat { .. } => "Both partners take a turn".into(),
            _ => String::new(),
        },
        therapist: String::new(),
        prompts: Vec::new(),
        timebox_mins: None,
        visibility: Visibility::Joint,
        gates: Vec::new(),
        kind,
    };
    match after {
        None => {
            template.steps.push(step);
            Some(vec![template.steps.len() - 1])
        }
        Some(path) => {
            if inside
                && let Some(StepKind::Repeat { steps, .. }) =
                    step_at_mut(&mut template.steps, path).map(|s| &mut s.kind)
            {
                steps.push(step);
                let mut new = path.to_vec();
                new.push(steps.len() - 1);
                return Some(new);
            }
            let list = list_of(&mut template.steps, path)?;
            let at = path.last().map_or(list.len(), |i| (i + 1).min(list.len()));
            list.insert(at, step);
            let mut new = path.to_vec();
            if let Some(last) = new.last_mut() {
                *last = at;
            }
            Some(new)
        }
    }
}

/// Take out the step at `path` (with the steps inside it). Returns it.
pub fn remove_step(template: &mut Template, path: &[usize]) -> Option<Step> {
    let list = list_of(&mut template.steps, path)?;
    let i = *path.last()?;
    (i < list.len()).then(|| list.remove(i))
}

/// Move the step at `path` one place up (`up`) or down in its list. Returns its new path,
/// `None` when it cannot move that way.
pub fn move_step(template: &mut Template, path: &[usize], up: bool) -> Option<StepPath> {
    let list = list_of(&mut template.steps, path)?;
    let i = *path.last()?;
    let j = if up { i.checked_sub(1)? } else { i + 1 };
    if i >= list.len() || j >= list.len() {
        return None;
    }
    list.swap(i, j);
    let mut new = path.to_vec();
    if let Some(last) = new.last_mut() {
        *last = j;
    }
    Some(new)
}

/// A copy of the step at `path` right after it, with unused ids (inner steps too).
pub fn duplicate_step(template: &mut Template, path: &[usize]) -> Option<StepPath> {
    let mut copy = step_at(&template.steps, path)?.clone();
    let mut ids = step_ids(&template.steps);
    fn renew(step: &mut Step, ids: &mut Vec<String>) {
        step.id = unused_id(&step.id, |id| ids.iter().any(|i| i == id));
        ids.push(step.id.clone());
        if let StepKind::Repeat { steps, .. } = &mut step.kind {
            for inner in steps {
                renew(inner, ids);
            }
        }
    }
    renew(&mut copy, &mut ids);
    let list = list_of(&mut template.steps, path)?;
    let at = path.last()? + 1;
    list.insert(at.min(list.len()), copy);
    let mut new = path.to_vec();
    if let Some(last) = new.last_mut() {
        *last = at;
    }
    Some(new)
}

/// Which field a finding is about: a top-level field of the protocol (`step` is `None`),
/// or a field of one step. Field names are the template's own (`title`, `prompts`,
/// `gates`, `options`…), `kind` for the kind's fields as a whole.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub step: Option<StepPath>,
    pub field: String,
}

/// Fields of a step that a finding may name directly.
const STEP_FIELDS: [&str; 29] = [
    "id",
    "title",
    "therapist",
    "prompts",
    "timebox_mins",
    "visibility",
    "gates",
    "times",
    "swap_roles",
    "steps",
    "speaker",
    "listener",
    "stems",
    "stages",
    "feelings",
    "first",
    "second",
    "rules",
    "max_timeout_hours",
    "owner",
    "categories",
    "answering",
    "owners",
    "review_after_days",
    "raters",
    "items",
    "respondents",
    "options",
    "author",
];

/// Every validation finding of the protocol, placed beside the field it is about.
pub fn findings(template: &Template) -> Vec<(Place, String)> {
    let all = paths(&template.steps);
    validate(template)
        .into_iter()
        .map(|issue| {
            let place = match &issue.at {
                At::Top => Place {
                    step: None,
                    field: "id".into(),
                },
                At::Field(field) => Place {
                    step: None,
                    field: (*field).into(),
                },
                At::StepId { id, nth } => Place {
                    step: nth_path(template, &all, id, *nth),
                    field: "id".into(),
                },
                At::InStep { step, needle } => {
                    let path = nth_path(template, &all, step, 0);
                    let field = path
                        .as_deref()
                        .and_then(|p| step_at(&template.steps, p))
                        .map_or("kind", |s| field_of_needle(s, needle));
                    Place {
                        step: path,
                        field: field.into(),
                    }
                }
            };
            (place, issue.message)
        })
        .collect()
}

/// The path of the `nth` step with id `id`, in the order steps are written.
fn nth_path(template: &Template, all: &[StepPath], id: &str, nth: usize) -> Option<StepPath> {
    all.iter()
        .filter(|p| step_at(&template.steps, p).is_some_and(|s| s.id == id))
        .nth(nth)
        .cloned()
}

/// Which field of `step` the validator's `needle` (the text it points the file's reader
/// to) is in.
fn field_of_needle(step: &Step, needle: &str) -> &'static str {
    if let Some(field) = STEP_FIELDS.iter().find(|f| **f == needle) {
        return field;
    }
    match needle {
        "AllChecked" | "Confirm" => return "gates",
        "PartnerPrivate" => return "visibility",
        "cutoff" => return "scoring",
        "letter" => return "letter",
        "multiple" => return "multiple",
        _ => {}
    }
    if needle.starts_with('"') {
        return match step.kind {
            StepKind::Reply { .. } => "to",
            StepKind::Rating { .. } => "items",
            _ => "kind",
        };
    }
    // A text (a placeholder, a repeated entry): the first field that holds it.
    let holds = |text: &str| text.contains(needle);
    if holds(&step.title) {
        return "title";
    }
    if holds(&step.therapist) {
        return "therapist";
    }
    if step.prompts.iter().any(|p| holds(p)) {
        return "prompts";
    }
    if step
        .gates
        .iter()
        .any(|g| matches!(g, Gate::Confirm(s) if holds(s)))
    {
        return "gates";
    }
    let in_list = |list: &[String]| list.iter().any(|t| holds(t));
    match &step.kind {
        StepKind::ParaphraseLoop {
            stems, feelings, ..
        } => {
            if in_list(stems) {
                return "stems";
            }
            if in_list(feelings) {
                return "feelings";
            }
        }
        StepKind::Floor { rules, .. } if in_list(rules) => return "rules",
        StepKind::Questions { categories, .. } | StepKind::Plan { categories, .. }
            if in_list(categories) =>
        {
            return "categories";
        }
        StepKind::Text { stems, .. } | StepKind::Reply { stems, .. } if in_list(stems) => {
            return "stems";
        }
        StepKind::Choice { options, .. } if in_list(options) => return "options",
        StepKind::Checklist { items, .. } | StepKind::YesNo { items, .. } if in_list(items) => {
            return "items";
        }
        StepKind::Rating { .. } => return "items",
        _ => {}
    }
    "kind"
}

/// The protocol as a template file: RON laid out one field per line, which
/// `template::parse` reads back to the same protocol.
pub fn to_ron(template: &Template) -> Result<String, String> {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(12)
        .indentor("    ".to_string())
        .separate_tuple_members(false)
        .enumerate_arrays(false)
        // "partner's", not "partner\'s": strings as a person writes them.
        .escape_strings(false);
    ron::ser::to_string_pretty(template, config)
        .map(|text| format!("{text}\n"))
        .map_err(|_| "the protocol could not be written as RON".to_string())
}

/// Read a template file's text as the editor does: notation slips are an error (at line
/// and column, as `parse` gives them); a protocol that reads is returned with what
/// checking it found, so it can be opened in the forms and mended there.
pub fn read_for_editing(file: &str, text: &str) -> Result<(Template, Vec<Problem>), TemplateError> {
    match super::parse(file, text) {
        Ok(template) => Ok((template, Vec::new())),
        Err(error) => {
            // Problems from checking come with a protocol that reads; a notation slip
            // comes alone. Tell them apart by reading the text without checking it.
            let options = ron::Options::default()
                .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
                .with_recursion_limit(super::MAX_NESTING * 2);
            match options.from_str::<Template>(text) {
                Ok(template) if text.len() <= super::MAX_TEMPLATE_BYTES => {
                    Ok((template, error.problems))
                }
                _ => Err(error),
            }
        }
    }
}

/// How many earlier versions undo keeps.
pub const UNDO_DEPTH: usize = 200;

/// Undo and redo over whole versions of the protocol.
#[derive(Clone, Debug, Default)]
pub struct History {
    undo: Vec<Template>,
    redo: Vec<Template>,
}

impl History {
    /// `before` was the protocol before a change: undo goes back to it.
    pub fn changed(&mut self, before: Template) {
        if self.undo.last() == Some(&before) {
            return;
        }
        self.undo.push(before);
        if self.undo.len() > UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// The version before `now`, if any; `now` is kept for redo.
    pub fn undo(&mut self, now: &Template) -> Option<Template> {
        let before = self.undo.pop()?;
        self.redo.push(now.clone());
        Some(before)
    }

    /// The version undo left, if any; `now` is kept for undo.
    pub fn redo(&mut self, now: &Template) -> Option<Template> {
        let after = self.redo.pop()?;
        self.undo.push(now.clone());
        Some(after)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(id: &str) -> Template {
        super::super::Library::builtin()
            .get(id)
            .cloned()
            .expect("shipped protocol")
    }

    #[test]
    fn every_shipped_protocol_round_trips_through_the_editors_ron() {
        let library = super::super::Library::builtin();
        assert!(library.templates.len() >= 19);
        for (_, template) in &library.templates {
            let text = to_ron(template).expect("writes");
            let back = super::super::parse("edited.ron", &text)
                .unwrap_or_else(|e| panic!("{}: {e:?}\n{text}", template.id));
            assert_eq!(&back, template, "{}", template.id);
        }
    }

    #[test]
    fn a_blank_protocol_needs_a_title_and_says_so_beside_the_title() {
        let draft = blank("my-protocol");
        let found = findings(&draft);
        assert!(
            found
                .iter()
                .any(|(p, m)| p.step.is_none() && p.field == "title" && m.contains("empty")),
            "{found:?}"
        );
    }

    #[test]
    fn every_kind_can_be_added_and_has_a_known_name() {
        let mut draft = blank("p");
        for (name, _) in KINDS {
            let path = insert_step(&mut draft, None, false, name).expect("added");
            let step = step_at(&draft.steps, &path).expect("there");
            assert_eq!(step.kind.name(), name);
        }
        let ids = step_ids(&draft.steps);
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(ids.len(), unique.len());
    }

    #[test]
    fn steps_go_inside_a_repeat_and_move_and_go_away() {
        let mut draft = blank("p");
        let repeat = insert_step(&mut draft, Some(&[0]), false, "Repeat").expect("repeat");
        assert_eq!(repeat, vec![1]);
        let inner = insert_step(&mut draft, Some(&repeat), true, "ParaphraseLoop").expect("in");
        assert_eq!(inner, vec![1, 0]);
        let second = insert_step(&mut draft, Some(&inner), false, "Text").expect("after");
        assert_eq!(second, vec![1, 1]);
        let moved = move_step(&mut draft, &second, true).expect("moves up");
        assert_eq!(moved, vec![1, 0]);
        assert_eq!(
            step_at(&draft.steps, &moved).map(|s| s.kind.name()),
            Some("Text")
        );
        assert!(
            move_step(&mut draft, &moved, true).is_none(),
            "already first"
        );
        let copy = duplicate_step(&mut draft, &repeat).expect("copied");
        assert_eq!(copy, vec![2]);
        assert_eq!(step_ids(&draft.steps).len(), 7);
        let gone = remove_step(&mut draft, &[1]).expect("removed");
        assert_eq!(gone.kind.name(), "Repeat");
        assert_eq!(
            paths(&draft.steps),
            vec![vec![0], vec![1], vec![1, 0], vec![1, 1]]
        );
    }

    #[test]
    fn findings_are_placed_beside_their_step_and_field() {
        let mut draft = shipped("intentional-dialogue");
        draft.roles.clear();
        let path = paths(&draft.steps)
            .into_iter()
            .find(|p| {
                step_at(&draft.steps, p)
                    .is_some_and(|s| s.kind.name() == "Choice" || s.kind.name() == "Text")
            })
            .unwrap_or_else(|| vec![0]);
        if let Some(step) = step_at_mut(&mut draft.steps, &path) {
            step.title.clear();
            step.timebox_mins = Some(0);
        }
        let found = findings(&draft);
        let at = |field: &str| {
            found
                .iter()
                .any(|(p, _)| p.step.as_deref() == Some(&path[..]) && p.field == field)
        };
        assert!(at("title"), "{found:?}");
        assert!(at("timebox_mins"), "{found:?}");
        // Roles taken away: a placeholder or a loop's roles are now undeclared.
        assert!(found.iter().any(|(_, m)| m.contains("role")), "{found:?}");
    }

    #[test]
    fn a_duplicate_step_id_is_placed_on_the_second_step() {
        let mut draft = blank("p");
        let path = insert_step(&mut draft, None, false, "Script").expect("added");
        if let Some(step) = step_at_mut(&mut draft.steps, &path) {
            step.id = "welcome".into();
        }
        let found = findings(&draft);
        assert!(
            found.iter().any(|(p, m)| p.step == Some(path.clone())
                && p.field == "id"
                && m.contains("more than once")),
            "{found:?}"
        );
    }

    #[test]
    fn undo_and_redo_walk_back_and_forth() {
        let mut history = History::default();
        let first = blank("p");
        let mut second = first.clone();
        second.title = "Two".into();
        history.changed(first.clone());
        assert_eq!(history.undo(&second), Some(first.clone()));
        assert!(!history.can_undo());
        assert_eq!(history.redo(&first), Some(second.clone()));
        assert!(!history.can_redo());
        // A new change after an undo forgets what could be redone.
        history.undo(&second);
        history.changed(first.clone());
        assert!(!history.can_redo());
    }

    #[test]
    fn a_protocol_with_findings_still_opens_for_editing_but_a_notation_slip_does_not() {
        let mut draft = blank("p");
        draft.title = "Mine".into();
        let mut text = to_ron(&draft).expect("writes");
        text = text.replace("title: \"Welcome\"", "title: \"\"");
        let (read, problems) = read_for_editing("mine.ron", &text).expect("reads");
        assert_eq!(read.steps[0].title, "");
        assert!(
            problems.iter().any(|p| p.message.contains("title")),
            "{problems:?}"
        );
        let broken = text.replacen("id:", "id", 1);
        let error = read_for_editing("mine.ron", &broken).expect_err("a slip");
        assert!(error.problems[0].line >= 1);
    }

    #[test]
    fn a_copy_gets_an_id_of_its_own() {
        let original = shipped("intentional-dialogue");
        let copy = copy_of(&original, |id| id == "intentional-dialogue-own");
        assert_eq!(copy.id, "intentional-dialogue-own-2");
        assert!(copy.title.ends_with("(own copy)"));
        assert_eq!(copy.steps, original.steps);
    }
}
