//! Arabic letters joined for printing: each letter replaced by its contextual form
//! (isolated, final, initial or medial) from Unicode's Arabic Presentation Forms, and lam
//! followed by alef by its ligature, as fonts without a shaping engine draw them. The
//! PDF keeps the letters as written for copying and reading aloud (`export::pdf` writes
//! them as the line's actual text); this is only what is drawn.
//!
//! Works on text in logical order, before the line is put in visual order. Pure.

/// How a letter joins its neighbours.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Joining {
    /// Joins on both sides.
    Dual,
    /// Joins only to the letter before it (alef, dal, ra, waw…).
    Right,
    /// Joins neither (hamza).
    None,
    /// Makes its neighbours join without changing form itself (tatweel).
    Causing,
    /// Skipped when looking for neighbours (vowel marks).
    Transparent,
}

/// A letter's forms: isolated, final, initial, medial (the last two 0 for a letter that
/// joins only to the letter before it).
fn forms(c: char) -> Option<[u32; 4]> {
    let base = |iso: u32, dual: bool| {
        if dual {
            [iso, iso + 1, iso + 2, iso + 3]
        } else {
            [iso, iso + 1, 0, 0]
        }
    };
    Some(match c {
        '\u{0621}' => [0xFE80, 0, 0, 0],
        '\u{0622}' => base(0xFE81, false),
        '\u{0623}' => base(0xFE83, false),
        '\u{0624}' => base(0xFE85, false),
        '\u{0625}' => base(0xFE87, false),
        '\u{0626}' => base(0xFE89, true),
        '\u{0627}' => base(0xFE8D, false),
        '\u{0628}' => base(0xFE8F, true),
        '\u{0629}' => base(0xFE93, false),
        '\u{062A}' => base(0xFE95, true),
        '\u{062B}' => base(0xFE99, true),
        '\u{062C}' => base(0xFE9D, true),
        '\u{062D}' => base(0xFEA1, true),
        '\u{062E}' => base(0xFEA5, true),
        '\u{062F}' => base(0xFEA9, false),
        '\u{0630}' => base(0xFEAB, false),
        '\u{0631}' => base(0xFEAD, false),
        '\u{0632}' => base(0xFEAF, false),
        '\u{0633}' => base(0xFEB1, true),
        '\u{0634}' => base(0xFEB5, true),
        '\u{0635}' => base(0xFEB9, true),
        '\u{0636}' => base(0xFEBD, true),
        '\u{0637}' => base(0xFEC1, true),
        '\u{0638}' => base(0xFEC5, true),
        '\u{0639}' => base(0xFEC9, true),
        '\u{063A}' => base(0xFECD, true),
        '\u{0641}' => base(0xFED1, true),
        '\u{0642}' => base(0xFED5, true),
        '\u{0643}' => base(0xFED9, true),
        '\u{0644}' => base(0xFEDD, true),
        '\u{0645}' => base(0xFEE1, true),
        '\u{0646}' => base(0xFEE5, true),
        '\u{0647}' => base(0xFEE9, true),
        '\u{0648}' => base(0xFEED, false),
        '\u{0649}' => base(0xFEEF, false),
        '\u{064A}' => base(0xFEF1, true),
        // Persian and Urdu letters, from Presentation Forms-A.
        '\u{067E}' => base(0xFB56, true),
        '\u{0686}' => base(0xFB7A, true),
        '\u{0698}' => base(0xFB8A, false),
        '\u{06A9}' => base(0xFB8E, true),
        '\u{06AF}' => base(0xFB92, true),
        '\u{06CC}' => base(0xFBFC, true),
        _ => return None,
    })
}

fn joining(c: char) -> Joining {
    match c {
        '\u{0640}' | '\u{200D}' => Joining::Causing,
        '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06ED}' => Joining::Transparent,
        c => match forms(c) {
            Some([_, 0, _, _]) => Joining::None,
            Some([_, _, 0, _]) => Joining::Right,
            Some(_) => Joining::Dual,
            None => Joining::None,
        },
    }
}

/// The lam-alef ligature for an alef after lam: isolated and final forms.
fn lam_alef(alef: char) -> Option<[u32; 2]> {
    match alef {
        '\u{0622}' => Some([0xFEF5, 0xFEF6]),
        '\u{0623}' => Some([0xFEF7, 0xFEF8]),
        '\u{0625}' => Some([0xFEF9, 0xFEFA]),
        '\u{0627}' => Some([0xFEFB, 0xFEFC]),
        _ => None,
    }
}

/// Whether the text has a letter this module joins.
pub fn has_arabic(text: &str) -> bool {
    text.chars().any(|c| forms(c).is_some())
}

/// `text` (logical order) with every Arabic letter in its joined form, where the font has
/// a glyph for that form (`has_glyph`); other characters as they are.
pub fn shape(text: &str, has_glyph: impl Fn(char) -> bool) -> String {
    if !has_arabic(text) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let kind: Vec<Joining> = chars.iter().map(|c| joining(*c)).collect();
    // The nearest letter before and after each, vowel marks skipped.
    let neighbour = |i: usize, step: isize| {
        let mut j = i as isize + step;
        while j >= 0 && (j as usize) < chars.len() {
            if kind[j as usize] != Joining::Transparent {
                return Some(j as usize);
            }
            j += step;
        }
        None
    };
    let joins_forward = |k: Joining| matches!(k, Joining::Dual | Joining::Causing);
    let joins_back = |k: Joining| matches!(k, Joining::Dual | Joining::Right | Joining::Causing);
    let mut out = String::with_capacity(text.len());
    let mut skip = None;
    for (i, c) in chars.iter().enumerate() {
        if skip == Some(i) {
            continue;
        }
        let Some(form) = forms(*c) else {
            out.push(*c);
            continue;
        };
        let here = kind[i];
        let before = neighbour(i, -1).is_some_and(|j| joins_forward(kind[j]) && joins_back(here));
        let next = neighbour(i, 1);
        // Lam then alef: one ligature.
        if *c == '\u{0644}'
            && let Some(n) = next.filter(|n| *n == i + 1)
            && let Some(ligature) = lam_alef(chars[n])
        {
            let code = ligature[usize::from(before)];
            if let Some(l) = char::from_u32(code).filter(|l| has_glyph(*l)) {
                out.push(l);
                skip = Some(n);
                continue;
            }
        }
        let after = next.is_some_and(|j| joins_back(kind[j]) && joins_forward(here));
        let index = match (before, after) {
            (true, true) => 3,
            (false, true) => 2,
            (true, false) => 1,
            (false, false) => 0,
        };
        let code = form[index];
        match char::from_u32(code).filter(|f| code != 0 && has_glyph(*f)) {
            Some(f) => out.push(f),
            None => out.push(*c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_take_their_joined_forms() {
        // "سلام" (peace): seen initial, lam-alef final ligature, meem final.
        let shaped = shape("سلام", |_| true);
        assert_eq!(shaped, "\u{FEB3}\u{FEFC}\u{FEE1}");
        // A letter alone, a right-joining letter that cannot join forward.
        assert_eq!(shape("ب", |_| true), "\u{FE8F}");
        assert_eq!(shape("بد", |_| true), "\u{FE91}\u{FEAA}");
        assert_eq!(shape("دب", |_| true), "\u{FEA9}\u{FE8F}");
        // Medial between two dual-joining letters; vowel marks do not break joining.
        assert_eq!(shape("ببب", |_| true), "\u{FE91}\u{FE92}\u{FE90}");
        assert_eq!(shape("بَب", |_| true), "\u{FE91}\u{064E}\u{FE90}");
    }

    #[test]
    fn other_text_is_left_alone_and_missing_forms_keep_the_letter() {
        assert_eq!(shape("Maya said: ok", |_| true), "Maya said: ok");
        assert_eq!(shape("ب ب", |_| true), "\u{FE8F} \u{FE8F}");
        assert_eq!(shape("بب", |_| false), "بب");
    }
}
