//! Notation slips (a missing comma, a curly quote, a kind written with the wrong
//! brackets, a missing field) explained in the author's terms: where the slip is, not
//! where the reader noticed it, and what to write instead. Other reader errors keep the
//! reader's own message.

use super::locate::{self, Token, TokenKind};

/// Quotes a word processor puts in place of `"` (and `'`).
const CURLY_QUOTES: &[char] = &['“', '”', '„', '‘', '’', '«', '»'];

/// A kind's fields that have no default, as a template writes them; `None` for a kind
/// that takes no fields at all. Checked against the parser by a test.
pub(super) fn kind_fields(kind: &str) -> Option<Option<&'static [&'static str]>> {
    let fields: Option<&'static [&'static str]> = match kind {
        "Script" | "SwapRoles" => None,
        "Repeat" => Some(&["steps"]),
        "ParaphraseLoop" | "Floor" | "Plan" | "Text" => Some(&[]),
        "Questions" => Some(&["owner"]),
        "Rating" | "Checklist" | "YesNo" => Some(&["items"]),
        "Choice" => Some(&["options"]),
        "Reply" => Some(&["to", "author"]),
        _ => return None,
    };
    Some(fields)
}

/// How a required field is written, for "add …" advice.
fn example(field: &str) -> &'static str {
    match field {
        "format" => "format: 1",
        "id" => "id: \"…\"",
        "title" => "title: \"…\"",
        "summary" => "summary: \"…\"",
        "source" => "source: \"…\"",
        "label" => "label: \"…\"",
        "to" => "to: \"…\" (the letter step's id)",
        "author" => "author: DisclosingPartner (or another role)",
        "owner" => "owner: HurtPartner (or another role)",
        "kind" => "kind: Script (or another kind)",
        "steps" => "steps: [ … ]",
        "options" => "options: [\"…\", \"…\"]",
        "items" => "items: [ … ]",
        _ => "",
    }
}

/// `kind`'s required fields, written out: `Reply(to: "…", author: …)`.
fn kind_template(kind: &str, fields: &[&str]) -> String {
    let inner: Vec<&str> = fields
        .iter()
        .map(|f| {
            let e = example(f);
            e.split(" (").next().unwrap_or(e)
        })
        .collect();
    format!("{kind}({})", inner.join(", "))
}

fn and_list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The tokens with, for each, the index of the innermost bracket that holds it.
struct Tree<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    parent: Vec<Option<usize>>,
}

impl<'a> Tree<'a> {
    fn new(text: &'a str) -> Tree<'a> {
        let tokens = locate::tokens(text);
        let mut parent = Vec::with_capacity(tokens.len());
        let mut open: Vec<usize> = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            if let TokenKind::Close(_) = token.kind {
                open.pop();
            }
            parent.push(open.last().copied());
            if let TokenKind::Open(_) = token.kind {
                open.push(i);
            }
        }
        Tree {
            text,
            tokens,
            parent,
        }
    }

    fn source(&self, i: usize) -> &'a str {
        let t = self.tokens[i];
        &self.text[t.start..t.end]
    }

    fn is_word(&self, i: usize, word: &str) -> bool {
        self.tokens[i].kind == TokenKind::Word && self.source(i) == word
    }

    fn is_mark(&self, i: usize, mark: char) -> bool {
        self.tokens.get(i).map(|t| t.kind) == Some(TokenKind::Mark(mark))
    }

    /// The bracket that closing bracket `close` closes.
    fn opener(&self, close: usize) -> Option<usize> {
        (0..close).rev().find(|&j| {
            self.parent[j] == self.parent[close]
                && matches!(self.tokens[j].kind, TokenKind::Open(_))
        })
    }

    /// The first token starting at or after `offset`.
    fn at_or_after(&self, offset: usize) -> Option<usize> {
        self.tokens.iter().position(|t| t.start >= offset)
    }

    /// The first token ending after `offset` (the one `offset` is in, or the next).
    fn containing_or_after(&self, offset: usize) -> Option<usize> {
        self.tokens.iter().position(|t| t.end > offset)
    }

    /// The field whose value token `i` is part of: the last `name:` before it inside
    /// the same bracket.
    fn field_of(&self, i: usize) -> Option<&'a str> {
        let parent = self.parent[i];
        (1..=i).rev().find_map(|j| {
            (self.parent[j - 1] == parent
                && self.tokens[j - 1].kind == TokenKind::Word
                && self.is_mark(j, ':'))
            .then(|| self.source(j - 1))
        })
    }

    /// The text of field `name` written directly inside bracket `open`, if any.
    fn field_value(&self, open: usize, name: &str) -> Option<&'a str> {
        (open + 1..self.tokens.len().saturating_sub(2)).find_map(|j| {
            (self.parent[j] == Some(open) && self.is_word(j, name) && self.is_mark(j + 1, ':'))
                .then(|| self.source(j + 2))
        })
    }

    /// True when bracket `i` opens a step: an entry of a `steps: [...]` list.
    fn is_step(&self, i: usize) -> bool {
        let Some(list) = self.parent[i] else {
            return false;
        };
        self.tokens[i].kind == TokenKind::Open('(')
            && self.tokens[list].kind == TokenKind::Open('[')
            && list >= 2
            && self.is_word(list - 2, "steps")
            && self.is_mark(list - 1, ':')
    }

    /// The step whose brackets hold token `i` (or open at it).
    fn step_of(&self, i: usize) -> Option<usize> {
        let mut at = Some(i);
        while let Some(j) = at {
            if self.is_step(j) {
                return Some(j);
            }
            at = self.parent[j];
        }
        None
    }

    /// How a message names the step opening at `i`: `step "welcome"`, or without an id
    /// `step 2 (a Script)`, followed by the step holding it when it is inside a repeat.
    fn step_name(&self, i: usize) -> String {
        let own = match self.field_value(i, "id") {
            Some(id) if id.starts_with('"') => format!("step {id}"),
            _ => {
                let list = self.parent[i];
                let number = (0..=i)
                    .filter(|&j| {
                        self.parent[j] == list && matches!(self.tokens[j].kind, TokenKind::Open(_))
                    })
                    .count();
                match self.field_value(i, "kind") {
                    Some(kind) => format!("step {number} (a {kind}, with no id)"),
                    None => format!("step {number} (with no id)"),
                }
            }
        };
        match self.parent[i]
            .and_then(|list| self.parent[list])
            .and_then(|p| self.step_of(p))
        {
            Some(outer) => format!("{own} inside {}", self.step_name(outer)),
            None => own,
        }
    }
}

/// Where a notation slip is and what it says, from the reader's error.
pub fn explain(text: &str, error: &ron::error::SpannedError) -> (usize, usize, String) {
    let reported = locate::offset_of(text, error.span.start.line, error.span.start.col);
    let tree = Tree::new(text);
    if let Some((offset, message)) = quote_slip(&tree, reported) {
        let (line, col) = locate::line_col(text, offset);
        return (line, col, message);
    }
    let explained = match &error.code {
        ron::Error::ExpectedComma
        | ron::Error::ExpectedStructLikeEnd
        | ron::Error::ExpectedArrayEnd
        | ron::Error::ExpectedMapEnd => comma_slip(&tree, reported, &error.code),
        ron::Error::MissingStructField { field, outer } => {
            missing_field(&tree, reported, field, outer.as_deref())
        }
        ron::Error::ExpectedStructLike | ron::Error::ExpectedNamedStructLike(_) => {
            kind_without_brackets(&tree, reported)
        }
        _ => None,
    };
    match explained {
        Some((offset, message)) => {
            let (line, col) = locate::line_col(text, offset);
            (line, col, message)
        }
        None => {
            let (line, col) = locate::word_start(text, error.span.start.line, error.span.start.col);
            (line, col, error.code.to_string())
        }
    }
}

/// A curly or single quote where a straight double quote belongs: outside any text, or
/// closing a text that was opened with a straight quote (which then runs on to the next
/// line). Only a quote at or before the place the reader stopped counts.
fn quote_slip(tree: &Tree, reported: usize) -> Option<(usize, String)> {
    let stop = tree
        .at_or_after(reported)
        .map_or(tree.text.len(), |i| tree.tokens[i].start);
    let last_text = tree
        .tokens
        .iter()
        .rposition(|t| t.start < stop && t.kind == TokenKind::Text);
    for (i, token) in tree
        .tokens
        .iter()
        .enumerate()
        .take_while(|(_, t)| t.start <= stop)
    {
        match token.kind {
            TokenKind::Mark(q) if CURLY_QUOTES.contains(&q) => {
                return Some((
                    token.start,
                    format!(
                        "curly quote {q}: write text between straight double quotes, \"like this\" (a word processor may have changed them; use a plain text editor)"
                    ),
                ));
            }
            TokenKind::Mark('\'') => {
                return Some((
                    token.start,
                    "single quote ': write text between straight double quotes, \"like this\""
                        .to_string(),
                ));
            }
            TokenKind::Text if Some(i) == last_text => {
                let body = &tree.text[token.start..token.end];
                let closing = body.char_indices().find(|&(i, c)| {
                    CURLY_QUOTES.contains(&c)
                        && body[i..].lines().next().is_some_and(|rest| {
                            rest[c.len_utf8()..]
                                .trim_start()
                                .starts_with([',', ')', ']'])
                                || rest[c.len_utf8()..].trim().is_empty()
                        })
                        && body[i..].contains('\n')
                });
                if let Some((i, q)) = closing {
                    return Some((
                        token.start + i,
                        format!(
                            "curly quote {q} ends a text that starts with a straight quote \": end it with a straight double quote \" too"
                        ),
                    ));
                }
            }
            TokenKind::Text
            | TokenKind::Open(_)
            | TokenKind::Close(_)
            | TokenKind::Word
            | TokenKind::Mark(_) => {}
        }
    }
    None
}

/// Two values with no comma between them, or a kind that takes no fields written with
/// brackets (`Script()`).
fn comma_slip(tree: &Tree, reported: usize, code: &ron::Error) -> Option<(usize, String)> {
    let next = tree.at_or_after(reported)?;
    let prev = next.checked_sub(1)?;
    let next_token = tree.tokens[next];
    if next_token.kind == TokenKind::Open('(') && tree.tokens[prev].kind == TokenKind::Word {
        let word = tree.source(prev);
        let message = match kind_fields(word) {
            Some(None) if word == "Script" => "Script takes nothing in brackets: write kind: Script, and put its text in the step's therapist and prompts".to_string(),
            _ => format!("{word} takes nothing in brackets: write {word} without ( )"),
        };
        return Some((next_token.start, message));
    }
    if !matches!(code, ron::Error::ExpectedComma) {
        return None;
    }
    let step_before = match tree.tokens[prev].kind {
        TokenKind::Close(')') => tree.opener(prev).filter(|&open| tree.is_step(open)),
        _ => None,
    };
    let after = match (step_before, tree.field_of(prev)) {
        (Some(step), _) => tree.step_name(step),
        (None, Some(field)) => field.to_string(),
        (None, None) => match tree.parent[prev].and_then(|list| tree.field_of(list)) {
            Some(field) => format!("an entry of {field}"),
            None => "the entry before".to_string(),
        },
    };
    let before = if tree.tokens[next].kind == TokenKind::Word && tree.is_mark(next + 1, ':') {
        format!(" (before {})", tree.source(next))
    } else {
        String::new()
    };
    let end = tree.tokens[prev].end;
    let (prev_line, _) = locate::line_col(tree.text, end);
    let (next_line, _) = locate::line_col(tree.text, next_token.start);
    let place = if prev_line < next_line {
        format!("at the end of line {prev_line}")
    } else {
        "here".to_string()
    };
    Some((
        end,
        format!("missing comma after {after}{before}: put a comma (,) {place}"),
    ))
}

/// A required field left out: name the step (or item, or kind) it is missing from.
fn missing_field(
    tree: &Tree,
    reported: usize,
    field: &str,
    outer: Option<&str>,
) -> Option<(usize, String)> {
    let here = tree.at_or_after(reported);
    let closing_here = here.filter(|&i| {
        tree.tokens[i].start == reported && matches!(tree.tokens[i].kind, TokenKind::Close(_))
    });
    let at = match closing_here {
        Some(close) => close,
        None => tree.containing_or_after(reported.saturating_sub(1))?,
    };
    // The bracket the field is missing from: the one closing here, or the one holding it.
    let bracket = match tree.tokens[at].kind {
        TokenKind::Close(_) => tree.opener(at),
        // Empty brackets: the reader stops just inside them.
        TokenKind::Open(_) => Some(at),
        // Just past the closing bracket, at the comma after it.
        TokenKind::Mark(_) if at > 0 && matches!(tree.tokens[at - 1].kind, TokenKind::Close(_)) => {
            tree.opener(at - 1)
        }
        TokenKind::Text | TokenKind::Word | TokenKind::Mark(_) => tree.parent[at],
    }?;
    let add = match example(field) {
        "" => String::new(),
        e => format!(": add {e}"),
    };
    let kind_name = bracket
        .checked_sub(1)
        .filter(|&w| tree.tokens[w].kind == TokenKind::Word)
        .map(|w| tree.source(w));
    match outer {
        Some("Step") => Some((
            tree.tokens[bracket].start,
            format!("{} has no {field}{add}", tree.step_name(bracket)),
        )),
        Some("Template") => Some((
            tree.tokens[bracket].start,
            format!("the template has no {field}{add} at the top"),
        )),
        Some("RatingItem") => {
            let who = match tree.field_value(bracket, "id") {
                Some(id) => format!("rating item {id}"),
                None => "a rating item".to_string(),
            };
            let step = tree
                .step_of(bracket)
                .map(|s| format!(" in {}", tree.step_name(s)))
                .unwrap_or_default();
            Some((
                tree.tokens[bracket].start,
                format!("{who}{step} has no {field}{add}"),
            ))
        }
        _ => {
            let kind = kind_name?;
            let fields = kind_fields(kind).flatten()?;
            let step = tree
                .step_of(bracket)
                .map(|s| format!(" in {}", tree.step_name(s)))
                .unwrap_or_default();
            let word = bracket - 1;
            Some((
                tree.tokens[word].start,
                format!(
                    "{kind}{step} has no {field}: a {kind} needs {}, written {}",
                    and_list(fields),
                    kind_template(kind, fields)
                ),
            ))
        }
    }
}

/// A kind that needs fields written without brackets (`kind: Choice`).
fn kind_without_brackets(tree: &Tree, reported: usize) -> Option<(usize, String)> {
    let at = tree.containing_or_after(reported.saturating_sub(1))?;
    let word = (0..=at)
        .rev()
        .find(|&i| tree.tokens[i].kind == TokenKind::Word)?;
    let kind = tree.source(word);
    let fields = kind_fields(kind).flatten()?;
    let message = if fields.is_empty() {
        format!("{kind} needs brackets, even with nothing in them: write {kind}()")
    } else {
        format!(
            "{kind} needs {} in brackets: write {}",
            and_list(fields),
            kind_template(kind, fields)
        )
    };
    Some((tree.tokens[word].start, message))
}
