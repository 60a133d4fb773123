//! The visible tag for every character that must be shown rather than obeyed: controls,
//! invisible formatting characters, bidi overrides and isolates, line and paragraph
//! separators. One table, used by the PDF's text pipeline (`export::text`) and by the
//! command line's output, so a record reads the same on paper and in a terminal.
//!
//! Pure functions over characters and strings; no font, no terminal.

use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_segmentation::UnicodeSegmentation;

/// Combining marks kept on one character; the rest are counted in a visible note.
pub const MAX_MARKS_PER_CHARACTER: usize = 4;

/// Short names for the characters whose tag names them: the bidi formatting characters
/// and the separators that some programs treat as line breaks.
fn name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{0085}' => "NEL",
        '\u{061C}' => "ALM",
        '\u{200E}' => "LRM",
        '\u{200F}' => "RLM",
        '\u{2028}' => "LSEP",
        '\u{2029}' => "PSEP",
        '\u{202A}' => "LRE",
        '\u{202B}' => "RLE",
        '\u{202C}' => "PDF",
        '\u{202D}' => "LRO",
        '\u{202E}' => "RLO",
        '\u{2066}' => "LRI",
        '\u{2067}' => "RLI",
        '\u{2068}' => "FSI",
        '\u{2069}' => "PDI",
        _ => return None,
    })
}

/// Whether `c` is a bidi override, embedding, isolate or mark.
pub fn is_bidi_control(c: char) -> bool {
    name(c).is_some() && !matches!(c, '\u{0085}' | '\u{2028}' | '\u{2029}')
}

/// Selects a glyph variant only; dropping it changes no meaning.
pub fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Whether `c` is never drawn as itself: a control, an invisible formatting character
/// (bidi ones included), a separator, a surrogate, a private-use or unassigned code point.
/// Line feed and tab are controls too: callers that keep them handle them first.
pub fn is_tagged(c: char) -> bool {
    name(c).is_some()
        || matches!(
            get_general_category(c),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::Surrogate
                | GeneralCategory::PrivateUse
                | GeneralCategory::Unassigned
        )
}

/// Append the tag of `c`: `[RLO U+202E]` for a named character, `[U+0007]` otherwise.
pub fn push_tag(out: &mut String, c: char) {
    match name(c) {
        Some(name) => out.push_str(&format!("[{name} U+{:04X}]", c as u32)),
        None => out.push_str(&format!("[U+{:04X}]", c as u32)),
    }
}

/// Whether a character is a combining mark (counted and capped on one character).
pub fn is_mark(c: char) -> bool {
    matches!(
        get_general_category(c),
        GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
            | GeneralCategory::EnclosingMark
    )
}

/// Whether a grapheme is a sequence of several visible characters joined into one (an
/// emoji ZWJ sequence such as a couple, a flag, a skin tone), which is drawn or tagged
/// whole so that no part of it is dropped.
pub fn is_sequence(grapheme: &str) -> bool {
    grapheme
        .chars()
        .filter(|&c| !is_mark(c) && !is_variation_selector(c) && c != '\u{200D}')
        .nth(1)
        .is_some()
}

/// One tag for a whole sequence: `[U+1F469 U+200D U+2764 U+FE0F U+200D U+1F468]`, every
/// code point in order (combining marks past `max_marks` counted after it).
pub fn push_sequence_tag(out: &mut String, grapheme: &str, max_marks: usize) {
    let mut codes = Vec::new();
    let (mut marks, mut dropped) = (0, 0);
    for c in grapheme.chars() {
        if is_mark(c) {
            marks += 1;
            if marks > max_marks {
                dropped += 1;
                continue;
            }
        }
        codes.push(format!("U+{:04X}", c as u32));
    }
    out.push('[');
    out.push_str(&codes.join(" "));
    out.push(']');
    if dropped > 0 {
        out.push_str(&format!("[+{dropped} marks]"));
    }
}

/// Record text made safe to print on one line of a terminal: every character `is_tagged`
/// names (line feed, tab, escape, bell, NUL, bidi overrides, separators) becomes its tag,
/// as in a PDF, so no record can move the cursor, recolour the terminal, ring it, start a
/// new line that looks like Tandem's own or make what follows read backwards. Emoji
/// sequences stay whole (the terminal's font draws them); the joiner inside one is
/// kept. A character carrying more than `MAX_MARKS_PER_CHARACTER` combining marks keeps
/// the first ones and says how many more there were, as in a PDF.
pub fn for_terminal(text: &str) -> String {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for grapheme in text.graphemes(true) {
        let sequence = is_sequence(grapheme);
        let (mut marks, mut dropped) = (0, 0);
        for c in grapheme.chars() {
            if is_mark(c) {
                marks += 1;
                if marks > MAX_MARKS_PER_CHARACTER {
                    dropped += 1;
                    continue;
                }
            }
            if sequence && c == '\u{200D}' {
                out.push(c);
            } else if is_tagged(c) {
                push_tag(&mut out, c);
            } else {
                out.push(c);
            }
        }
        if dropped > 0 {
            out.push_str(&format!("[+{dropped} marks]"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_shows_controls_and_bidi_as_tags() {
        let shown = for_terminal("a\u{0}b\u{7}c\u{1b}[31md\u{202E}e\nf\tg\u{85}h\u{2028}i");
        assert_eq!(
            shown,
            "a[U+0000]b[U+0007]c[U+001B][31md[RLO U+202E]e[U+000A]f[U+0009]g[NEL U+0085]h[LSEP U+2028]i"
        );
        assert!(!shown.chars().any(is_tagged));
    }

    #[test]
    fn terminal_text_keeps_letters_accents_and_emoji_sequences() {
        let couple = "👩\u{200D}❤\u{FE0F}\u{200D}👨";
        assert_eq!(for_terminal(couple), couple);
        assert_eq!(for_terminal("Zoë שלום 🧡"), "Zoë שלום 🧡");
        // A joiner outside a sequence is tagged like any other invisible character.
        assert_eq!(for_terminal("a\u{200D}b"), "a[U+200D]b");
        // A flood of combining marks keeps four and counts the rest, as in a PDF.
        let flood = format!("Z{}ok", "\u{301}".repeat(100));
        assert_eq!(
            for_terminal(&flood),
            format!("Z{}[+96 marks]ok", "\u{301}".repeat(4))
        );
    }

    #[test]
    fn a_sequence_is_tagged_whole_with_every_code_point() {
        let mut out = String::new();
        push_sequence_tag(&mut out, "👩\u{200D}❤\u{FE0F}\u{200D}👨", 4);
        assert_eq!(out, "[U+1F469 U+200D U+2764 U+FE0F U+200D U+1F468]");
        assert!(is_sequence("🇫🇷"));
        assert!(!is_sequence("e\u{301}"));
        assert!(!is_sequence("❤\u{FE0F}"));
    }
}
