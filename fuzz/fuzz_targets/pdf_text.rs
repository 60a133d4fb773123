//! The PDF text pipeline: arbitrary text through the tagging and shaping functions
//! (`export::text::visible` with the bundled font's glyphs, `visual_order`, `has_rtl`,
//! `export::tags::for_terminal`) and laid out on A4 pages with the bundled font's metrics
//! (`export::layout::layout`) as a report's title, heading, paragraph, said-by, bullets,
//! checks and table cell. The PDF writer itself is not run (it takes milliseconds per
//! document); everything before it is.
#![no_main]

use chrono::{DateTime, NaiveDate, Utc};
use libfuzzer_sys::fuzz_target;
use tandem::export::layout::{self, Face, Metrics};
use tandem::export::pdf::Fonts;
use tandem::export::report::{Block, DocumentKind, Report, Section};
use tandem::export::{tags, text};
use tandem::model::Audience;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let fonts = Fonts::bundled().expect("the bundled fonts load");
    let shown = text::visible(&s, |c| fonts.advance(Face::Regular, c).is_some());
    let _ = text::has_rtl(&shown);
    let _ = text::visual_order(&shown);
    let _ = tags::for_terminal(&s);
    let _ = layout::wrap(fonts, Face::Bold, 10.0, &shown, 200.0);

    let mut report = Report {
        kind: DocumentKind::SessionNote,
        title: s.to_string(),
        subtitle: s.to_string(),
        practice: s.to_string(),
        couple_code: Some(s.chars().take(16).collect()),
        date: NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date"),
        made_at: DateTime::<Utc>::from_timestamp(1_795_000_000, 0).expect("a time"),
        audience: Audience::Clinician,
        facts: vec![(s.to_string(), s.to_string())],
        sections: Vec::new(),
    };
    let mut section = Section::new(s.to_string());
    section.blocks = vec![
        Block::Heading(s.to_string()),
        Block::Paragraph(s.to_string()),
        Block::Said {
            who: s.chars().take(40).collect(),
            text: s.to_string(),
        },
        Block::Bullets(vec![s.to_string(), s.to_string()]),
        Block::Checks(vec![(true, s.to_string())]),
    ];
    report.sections.push(section);
    let _ = layout::layout(&report, fonts, &mut |_| {});
});
