//! The PDF text pipeline: arbitrary text through the tagging and shaping functions
//! (`export::text::visible` with the bundled font's glyphs, `visual_order`, `has_rtl`,
//! `export::tags::for_terminal`) and laid out on A4 pages with the bundled font's metrics
//! (`export::layout::layout`) as a report's title, heading, paragraph, said-by, bullets,
//! checks and table cell. The PDF writer itself is not run (it takes milliseconds per
//! document); everything before it is.
//!
//! The font's metrics are looked up through [`Cached`]: the bundled fonts' answers for
//! every Basic Multilingual Plane character, asked of `Fonts::advance` once at start-up,
//! and `Fonts::advance` itself for the rest. Without it about 9 ms of the ~10 ms an input
//! took went into the font's cmap and hmtx lookups (allsorts' `CmapSubtable::map_glyph`
//! and `glyph_info::advance`, coverage-instrumented, tens of thousands of calls per
//! input), which is third-party code, not Tandem's, and not what this target is for.
//! The answers are the same, so the layout is too.
#![no_main]

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::OnceLock;
use libfuzzer_sys::fuzz_target;
use tandem::export::layout::{self, Face, Metrics};
use tandem::export::pdf::Fonts;
use tandem::export::report::{Block, DocumentKind, Report, Section};
use tandem::export::{tags, text};
use tandem::model::Audience;

/// `Fonts::bundled()`'s advances, read once for U+0000..=U+FFFF (surrogates excluded).
struct Cached {
    fonts: &'static Fonts,
    bmp: [Vec<Option<f32>>; 3],
}

const FACES: [Face; 3] = [Face::Regular, Face::Bold, Face::Italic];

impl Cached {
    fn get() -> &'static Cached {
        static CACHED: OnceLock<Cached> = OnceLock::new();
        CACHED.get_or_init(|| {
            let fonts = Fonts::bundled().expect("the bundled fonts load");
            let table = |face: Face| {
                (0..=0xFFFF_u32)
                    .map(|u| char::from_u32(u).and_then(|c| fonts.advance(face, c)))
                    .collect()
            };
            Cached {
                fonts,
                bmp: FACES.map(table),
            }
        })
    }
}

impl Metrics for Cached {
    fn advance(&self, face: Face, c: char) -> Option<f32> {
        // The CJK fallbacks are not cached: asked only for their own characters.
        let Some(i) = FACES.iter().position(|f| *f == face) else {
            return self.fonts.advance(face, c);
        };
        match self.bmp[i].get(c as usize) {
            Some(a) => *a,
            None => self.fonts.advance(face, c),
        }
    }

    fn face_for(&self, face: Face, c: char) -> Option<Face> {
        if self.advance(face, c).is_some() {
            return Some(face);
        }
        self.fonts.face_for(face, c)
    }
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let fonts = Cached::get();
    let shown = text::visible(&s, |c| fonts.face_for(Face::Regular, c).is_some());
    let _ = text::has_rtl(&shown);
    let _ = text::visual_order(&shown);
    let _ = tags::for_terminal(&s);
    let _ = layout::wrap(fonts, Face::Bold, 10.0, &shown, 200.0);

    // The whole text goes through each distinct layout path once (title, a fact's value,
    // the section heading, a said-by quote, a bullet); the other fields get its first 40
    // characters. It used to go in whole twelve times, which made an input cost about
    // twelve layouts of the same text for little new code reached.
    let head: String = s.chars().take(40).collect();
    let mut report = Report {
        kind: DocumentKind::SessionNote,
        title: s.to_string(),
        subtitle: head.clone(),
        practice: head.clone(),
        couple_code: Some(s.chars().take(16).collect()),
        date: NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date"),
        made_at: DateTime::<Utc>::from_timestamp(1_795_000_000, 0).expect("a time"),
        audience: Audience::Clinician,
        facts: vec![(head.clone(), s.to_string())],
        sections: Vec::new(),
    };
    let mut section = Section::new(s.to_string());
    section.blocks = vec![
        Block::Heading(head.clone()),
        Block::Paragraph(head.clone()),
        Block::Said {
            who: head.clone(),
            text: s.to_string(),
        },
        Block::Bullets(vec![s.to_string(), head.clone()]),
        Block::Checks(vec![(true, head)]),
    ];
    report.sections.push(section);
    let _ = layout::layout(&report, fonts, &mut |_| {});
});
