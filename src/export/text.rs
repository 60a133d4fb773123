//! Recorded text made safe to draw: what a PDF shows for every character, so that hostile
//! or accidental input (control characters, bidi overrides, floods of combining marks,
//! characters the font lacks) can neither break the document nor make it read
//! differently from the record.
//!
//! Pure functions over strings; the font is asked only "do you have this character?".

use super::tags::{is_sequence, is_tagged, is_variation_selector, push_sequence_tag, push_tag};
use std::borrow::Cow;
use unicode_bidi::{BidiClass, ParagraphBidiInfo, bidi_class};
use unicode_segmentation::UnicodeSegmentation;

pub use super::tags::MAX_MARKS_PER_CHARACTER;

/// How one character is drawn.
fn push_char(out: &mut String, c: char, has_glyph: &impl Fn(char) -> bool) {
    match c {
        '\n' => out.push('\n'),
        '\t' => out.push_str("    "),
        // A soft hyphen is invisible in the record too.
        '\u{00AD}' => {}
        c if is_variation_selector(c) => {}
        c if is_tagged(c) || !has_glyph(c) => push_tag(out, c),
        c => out.push(c),
    }
}

/// Whether every character of a sequence can be drawn as itself (the joiners and
/// variation selectors in it are left out of the drawing: there is no shaping).
fn drawable_sequence(grapheme: &str, has_glyph: &impl Fn(char) -> bool) -> bool {
    grapheme
        .chars()
        .all(|c| c == '\u{200D}' || is_variation_selector(c) || (!is_tagged(c) && has_glyph(c)))
}

/// The text as it is drawn with a font that has the characters `has_glyph` accepts:
/// - `\r\n` and `\r` become `\n`, tabs four spaces; the other separators (U+0085,
///   U+2028, U+2029) are tags, since a record read elsewhere may not break there;
/// - control and invisible formatting characters, bidi overrides and isolates included,
///   become visible tags like `[RLO U+202E]` (so they cannot reorder what follows);
/// - a character carrying more than `MAX_MARKS_PER_CHARACTER` combining marks keeps the
///   first ones and shows how many more there were;
/// - a sequence of several characters joined into one (an emoji ZWJ sequence, a flag) is
///   drawn whole if the font has every character, else tagged whole, every code point
///   in one tag: `[U+1F469 U+200D U+2764 U+FE0F U+200D U+1F468]`;
/// - characters the font lacks become `[U+1F9E1]`.
pub fn visible(text: &str, has_glyph: impl Fn(char) -> bool) -> String {
    // Most text is plain printable ASCII: nothing to do but check the font has it.
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\n')
        && text.chars().all(|c| c == '\n' || has_glyph(c))
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let normalized: Cow<str> = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    for grapheme in normalized.graphemes(true) {
        if is_sequence(grapheme) {
            if drawable_sequence(grapheme, &has_glyph) {
                out.extend(
                    grapheme
                        .chars()
                        .filter(|&c| c != '\u{200D}' && !is_variation_selector(c)),
                );
            } else {
                push_sequence_tag(&mut out, grapheme, MAX_MARKS_PER_CHARACTER);
            }
            continue;
        }
        let mut chars = grapheme.chars();
        let mut kept = 0;
        for c in chars.by_ref() {
            push_char(&mut out, c, &has_glyph);
            kept += 1;
            if kept > MAX_MARKS_PER_CHARACTER {
                break;
            }
        }
        let dropped = chars.count();
        if dropped > 0 {
            out.push_str(&format!("[+{dropped} marks]"));
        }
    }
    out
}

/// Whether a line holds right-to-left letters (and so needs reordering for display).
pub fn has_rtl(line: &str) -> bool {
    // Nothing below U+0590 (where Hebrew starts) is right-to-left.
    line.chars()
        .any(|c| c >= '\u{0590}' && matches!(bidi_class(c), BidiClass::R | BidiClass::AL))
}

fn mirrored(c: char) -> char {
    match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        '«' => '»',
        '»' => '«',
        '‹' => '›',
        '›' => '‹',
        '⟨' => '⟩',
        '⟩' => '⟨',
        other => other,
    }
}

/// One line of already-visible text in the order it is drawn left to right: runs of
/// right-to-left text reversed (by whole characters with their marks, brackets mirrored),
/// following the Unicode bidi algorithm's implicit rules. There is no shaping: Arabic
/// letters appear in their isolated forms.
pub fn visual_order(line: &str) -> Cow<'_, str> {
    if !has_rtl(line) {
        return Cow::Borrowed(line);
    }
    let info = ParagraphBidiInfo::new(line, None);
    let (levels, runs) = info.visual_runs(0..line.len());
    let mut out = String::with_capacity(line.len());
    for run in runs {
        let text = &line[run.clone()];
        if levels.get(run.start).is_some_and(|l| l.is_rtl()) {
            for grapheme in text.graphemes(true).rev() {
                let mut chars = grapheme.chars();
                if let Some(first) = chars.next() {
                    out.push(mirrored(first));
                    out.extend(chars);
                }
            }
        } else {
            out.push_str(text);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tags::is_bidi_control;

    fn all(_: char) -> bool {
        true
    }

    #[test]
    fn controls_and_bidi_overrides_are_shown_not_obeyed() {
        let shown = visible("pay \u{202E}0001\u{202C} now\u{7}\u{0}", all);
        assert_eq!(
            shown,
            "pay [RLO U+202E]0001[PDF U+202C] now[U+0007][U+0000]"
        );
        assert!(!shown.chars().any(|c| is_bidi_control(c) || c.is_control()));
    }

    #[test]
    fn carriage_returns_become_newlines_and_other_separators_tags() {
        assert_eq!(visible("a\r\nb\rc\td", all), "a\nb\nc    d");
        assert_eq!(
            visible("a\u{85}b\u{2028}c\u{2029}d", all),
            "a[NEL U+0085]b[LSEP U+2028]c[PSEP U+2029]d"
        );
    }

    #[test]
    fn an_emoji_sequence_is_tagged_whole_or_drawn_whole() {
        let couple = "with 👩\u{200D}❤\u{FE0F}\u{200D}👨 ok";
        assert_eq!(
            visible(couple, |c| c.is_ascii()),
            "with [U+1F469 U+200D U+2764 U+FE0F U+200D U+1F468] ok"
        );
        assert_eq!(visible(couple, all), "with 👩❤👨 ok");
        // A flag is two characters joined into one.
        assert_eq!(visible("🇫🇷", |c| c.is_ascii()), "[U+1F1EB U+1F1F7]");
    }

    #[test]
    fn a_flood_of_combining_marks_is_capped_and_counted() {
        let flood = format!("Z{}ok", "\u{0301}".repeat(10_000));
        let shown = visible(&flood, all);
        assert_eq!(shown, format!("Z{}[+9996 marks]ok", "\u{0301}".repeat(4)));
    }

    #[test]
    fn characters_the_font_lacks_get_a_placeholder() {
        let shown = visible("hi 🧡 there", |c| c.is_ascii());
        assert_eq!(shown, "hi [U+1F9E1] there");
    }

    #[test]
    fn zero_width_and_private_use_characters_are_visible() {
        assert_eq!(visible("a\u{200B}b\u{E000}", all), "a[U+200B]b[U+E000]");
    }

    #[test]
    fn right_to_left_runs_are_reversed_for_display() {
        assert_eq!(visual_order("abc"), "abc");
        // Hebrew "shalom" in logical order is drawn right to left.
        assert_eq!(visual_order("שלום"), "םולש");
        assert_eq!(visual_order("say שלום (x)"), "say םולש (x)");
    }
}
