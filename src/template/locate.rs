//! Positions in template source text: the nesting-depth pre-check, mapping a validation
//! finding (which the parser cannot place) back to a line and column, and a small
//! tokenizer that lets a notation slip be explained in the author's terms (which field a
//! comma is missing after, which step a field is missing from).

use super::At;

/// Line and column (both 1-based, column in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = 1 + before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = 1 + before[line_start..].chars().count();
    (line, col)
}

/// The byte offset of a 1-based line and column (column in characters), clamped to the
/// text.
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = text[start..].split('\n').next().unwrap_or("");
    start
        + line_text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i)
}

/// What a piece of template notation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `(`, `[` or `{`.
    Open(char),
    /// `)`, `]` or `}`.
    Close(char),
    /// A quoted text, quotes included (to the end of the file when it is never closed).
    Text,
    /// A name or a number.
    Word,
    /// Any other character outside texts and comments: `,`, `:`, a curly quote…
    Mark(char),
}

/// One piece of notation and its byte range in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// The text split into tokens, comments and white space left out. Never fails: whatever
/// the parser would refuse is still split into something.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let rest = &text[start..];
        let kind = if c.is_whitespace() {
            continue;
        } else if rest.starts_with("//") {
            let end = rest.find('\n').map_or(text.len(), |i| start + i);
            while chars.next_if(|&(i, _)| i < end).is_some() {}
            continue;
        } else if let Some(comment) = rest.strip_prefix("/*") {
            let end = comment.find("*/").map_or(text.len(), |i| start + 2 + i + 2);
            while chars.next_if(|&(i, _)| i < end).is_some() {}
            continue;
        } else if c == '"' {
            let mut escaped = false;
            let mut end = text.len();
            for (i, c) in chars.by_ref() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = i + 1;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            out.push(Token {
                kind: TokenKind::Text,
                start,
                end,
            });
            continue;
        } else if c == 'r' && raw_string_hashes(rest).is_some() {
            let hashes = raw_string_hashes(rest).unwrap_or(0);
            let close = format!("\"{}", "#".repeat(hashes));
            let body = start + 2 + hashes;
            let end = text[body..]
                .find(&close)
                .map_or(text.len(), |i| body + i + close.len());
            while chars.next_if(|&(i, _)| i < end).is_some() {}
            out.push(Token {
                kind: TokenKind::Text,
                start,
                end,
            });
            continue;
        } else if is_word_char(c) {
            while chars.next_if(|&(_, c)| is_word_char(c)).is_some() {}
            TokenKind::Word
        } else {
            match c {
                '(' | '[' | '{' => TokenKind::Open(c),
                ')' | ']' | '}' => TokenKind::Close(c),
                _ => TokenKind::Mark(c),
            }
        };
        let end = chars.peek().map_or(text.len(), |&(i, _)| i);
        out.push(Token { kind, start, end });
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '+'
}

/// The number of `#` of a raw string (`r"…"`, `r#"…"#`) starting here, if one does.
fn raw_string_hashes(text: &str) -> Option<usize> {
    let after_r = text.strip_prefix('r')?;
    let hashes = after_r.chars().take_while(|&c| c == '#').count();
    after_r[hashes..].starts_with('"').then_some(hashes)
}

/// The parser reports some errors just after the word at fault (an unknown field or
/// variant name): move such a position back to the start of that word.
pub fn word_start(text: &str, line: usize, col: usize) -> (usize, usize) {
    let Some(line_text) = text.split('\n').nth(line.saturating_sub(1)) else {
        return (line, col);
    };
    let chars: Vec<char> = line_text.chars().collect();
    let mut index = col.saturating_sub(1).min(chars.len());
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    while index > 0 && is_word(chars[index - 1]) {
        index -= 1;
    }
    (line, index + 1)
}

/// The position of the first bracket that nests deeper than `max`, ignoring brackets in
/// strings and comments. Checked before parsing so that a hostile file cannot exhaust the
/// parser's stack.
pub fn first_over_depth(text: &str, max: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(line_col(text, i));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Byte offsets of every `id: "value"` in the text (whitespace allowed around the colon).
fn id_offsets<'a>(text: &'a str, value: &'a str) -> impl Iterator<Item = usize> + 'a {
    let quoted = format!("\"{value}\"");
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let found = from + text.get(from..)?.find(&quoted)?;
            from = found + quoted.len();
            let before = text[..found].trim_end();
            if let Some(before_colon) = before.strip_suffix(':')
                && before_colon.trim_end().ends_with("id")
            {
                return Some(found);
            }
        }
    })
}

/// The best position in the source for a finding.
pub fn find(text: &str, at: &At) -> (usize, usize) {
    let offset = match at {
        At::Top => None,
        At::Field(name) => field_offset(text, name, 0),
        At::StepId { id, nth } => id_offsets(text, id).nth(*nth),
        At::InStep { step, needle } => {
            let anchor = id_offsets(text, step).next();
            match anchor {
                Some(anchor) => text[anchor..]
                    .find(needle.as_str())
                    .map(|i| anchor + i)
                    .or_else(|| text[..anchor].rfind(needle.as_str()))
                    .or(Some(anchor)),
                None => text.find(needle.as_str()),
            }
        }
    };
    offset.map_or((1, 1), |o| line_col(text, o))
}

/// Offset of `name:` as a field name (not inside a longer word).
fn field_offset(text: &str, name: &str, from: usize) -> Option<usize> {
    let mut from = from;
    loop {
        let found = from + text.get(from..)?.find(name)?;
        from = found + name.len();
        let boundary_before = text[..found]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let followed_by_colon = text[from..].trim_start().starts_with(':');
        if boundary_before && followed_by_colon {
            return Some(found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_in_characters() {
        let text = "ab\ncé d";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, text.find('d').unwrap_or(0)), (2, 4));
    }

    #[test]
    fn depth_check_ignores_brackets_in_strings_and_comments() {
        let text = "( \"((((((\" // [[[[[[\n /* {{{{{ */ [ ] )";
        assert_eq!(first_over_depth(text, 2), None);
        assert_eq!(first_over_depth("(((", 2), Some((1, 3)));
    }

    #[test]
    fn step_ids_are_found_by_occurrence() {
        let text = "(id: \"a\", x: \"a\",\n steps: [(id : \"a\")])";
        assert_eq!(
            find(
                text,
                &At::StepId {
                    id: "a".into(),
                    nth: 1
                }
            ),
            (2, 16)
        );
        assert_eq!(
            find(
                text,
                &At::InStep {
                    step: "a".into(),
                    needle: "steps".into()
                }
            ),
            (2, 2)
        );
    }
}
