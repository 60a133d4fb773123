//! Our layout layer: a `Report` laid out on A4 pages as positioned text, lines and boxes.
//! Word wrap from the font's advances, hard breaks inside words longer than a line, page
//! breaks, headings kept with what follows, tables whose rows never split and whose
//! header repeats, tick boxes, write-in lines, charts, and a header and "Page i of N"
//! footer on every page once the page count is known.
//!
//! Pure: fonts are reached only through `Metrics`, so tests can lay out with made-up
//! metrics. Knows nothing of printpdf (see `pdf`).

use super::report::{Block, Chart, Mark, MarkKind, Report, Table, check_mark};
use super::text::{visible, visual_order};
use unicode_segmentation::UnicodeSegmentation;

/// Most pages one document may have; longer ones are refused with a clear message.
pub const MAX_PAGES: usize = 1_000;

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
const MARGIN_X: f32 = 56.7;
const BODY_TOP: f32 = PAGE_HEIGHT - 66.0;
const BODY_BOTTOM: f32 = 64.0;
const BODY_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
const RIGHT: f32 = PAGE_WIDTH - MARGIN_X;

const BODY_SIZE: f32 = 10.0;
const BODY_LEADING: f32 = 14.0;
const SMALL_SIZE: f32 = 9.0;
const SMALL_LEADING: f32 = 12.6;
const TABLE_SIZE: f32 = 9.0;
const TABLE_LEADING: f32 = 12.4;
const CELL_PAD: f32 = 3.5;
const SCALE_SIZE: f32 = 8.0;
const SCALE_LEADING: f32 = 10.0;
const CHART_PLOT: f32 = 140.0;
/// Title, plot, axis labels, legend and spacing.
const CHART_HEIGHT: f32 = 16.0 + CHART_PLOT + 16.0 + 16.0 + 14.0;

/// The three faces of the bundled font, and the two fallbacks for Chinese, Japanese and
/// Korean (one weight each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Face {
    Regular,
    Bold,
    Italic,
    /// Han characters, kana and CJK punctuation.
    Cjk,
    /// Hangul.
    Hangul,
}

/// What layout needs to know of a font.
pub trait Metrics {
    /// Advance width of `c` in `face` as a fraction of the font size (the em), or `None`
    /// when the face has no glyph for it.
    fn advance(&self, face: Face, c: char) -> Option<f32>;

    /// The face that draws `c` in text set in `face`: `face` when it has the glyph, else a
    /// fallback that has (the regular face for a bold or italic one, a CJK face); `None`
    /// when none has, and the character is shown as a tag.
    fn face_for(&self, face: Face, c: char) -> Option<Face> {
        self.advance(face, c).map(|_| face)
    }
}

/// The advance of `c` as drawn in text set in `face` (with its fallback face).
fn drawn_advance(m: &dyn Metrics, face: Face, c: char) -> Option<f32> {
    m.face_for(face, c).and_then(|f| m.advance(f, c))
}

/// An RGB colour, each part 0 to 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Color(pub f32, pub f32, pub f32);

pub const INK: Color = Color(0.1, 0.1, 0.12);
pub const MUTED: Color = Color(0.38, 0.38, 0.42);
pub const RULE: Color = Color(0.72, 0.72, 0.75);
pub const SHADE: Color = Color(0.93, 0.93, 0.95);
pub const ACCENT: Color = Color(0.16, 0.33, 0.52);
/// A private section's label band and shading (warm), and a therapist-only one's (cool):
/// light enough for text to read on them in grey print too.
const PRIVATE_BAND: Color = Color(0.97, 0.88, 0.74);
const PRIVATE_SHADE: Color = Color(0.995, 0.972, 0.935);
const THERAPIST_BAND: Color = Color(0.84, 0.89, 0.97);
const THERAPIST_SHADE: Color = Color(0.955, 0.968, 0.992);
const MARK_BAND_H: f32 = 18.0;
/// Line colours for chart series, one per partner; the second is also dashed, so the
/// lines stay apart in grey print.
pub const SERIES: [Color; 2] = [Color(0.13, 0.36, 0.66), Color(0.80, 0.36, 0.10)];

/// Something drawn on a page. Coordinates in points from the bottom-left corner; text at
/// its baseline, already in visual order and drawable with its face.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Text {
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        color: Color,
        text: String,
        /// The structure element the text belongs to (`Laid::nodes`); `None` for page
        /// furniture (header, footer), which the PDF marks as an artifact.
        node: Option<usize>,
        /// Drawn invisibly: a tick box's character, kept for copying and reading aloud
        /// while a drawn box shows it.
        hidden: bool,
    },
    Line {
        points: Vec<(f32, f32)>,
        width: f32,
        color: Color,
        dashed: bool,
        /// A chart's figure this line is part of; `None` for rules and boxes.
        node: Option<usize>,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Color,
        /// A chart's figure this mark is part of; `None` for shading.
        node: Option<usize>,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
}

/// What a piece of a document is, for the PDF's structure tree (tagged PDF): read aloud
/// and reflowed by assistive technology in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The document's title.
    Title,
    /// A section, holding its heading and content.
    Section,
    /// A section's heading.
    Heading,
    /// A heading inside a section.
    Subheading,
    Paragraph,
    /// A paragraph asking something of the reader, kept with the answer under it.
    Prompt,
    /// Someone's words, under their name.
    Quote,
    List,
    ListItem,
    /// A list item's marker (bullet or tick box).
    Label,
    /// A list item's text.
    ListBody,
    Table,
    Row,
    HeaderCell,
    Cell,
    /// A chart, with its alternative text.
    Figure,
}

/// One element of the document's structure.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub role: Role,
    pub parent: Option<usize>,
    /// Alternative text (charts).
    pub alt: Option<String>,
}

/// A bookmark: its title, 1-based page, and the height of the heading's top on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Bookmark {
    pub title: String,
    pub page: usize,
    pub top: f32,
}

/// A laid-out document.
#[derive(Clone, Debug, PartialEq)]
pub struct Laid {
    pub pages: Vec<Page>,
    /// One bookmark per section, in order.
    pub outline: Vec<Bookmark>,
    /// The structure elements, parents before children, in reading order.
    pub nodes: Vec<Node>,
}

/// Why a report could not be laid out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error(
        "the document would run past {limit} pages; export fewer sessions, or shorten the longest entries"
    )]
    TooManyPages { limit: usize },
}

/// Lay out a report. `on_page` hears the page count as pages fill.
pub fn layout(
    report: &Report,
    metrics: &dyn Metrics,
    on_page: &mut dyn FnMut(usize),
) -> Result<Laid, LayoutError> {
    let mut w = Writer::new(metrics, on_page);
    w.title_block(report)?;
    for section in &report.sections {
        // Sections are not numbered here: the outline keeps their order, and a document
        // whose sections follow numbered steps numbers them itself.
        let title = section.title.clone();
        // Keep the heading with the start of what follows: a section that fits on a page
        // whole when asked to, else the first block's unbreakable start.
        let keep = match section
            .keep_together
            .then(|| height_on_one_page(metrics, &title, section))
        {
            Some(Some(whole)) => whole,
            _ => section
                .blocks
                .first()
                .map_or(0.0, |_| w.start_height(&section.blocks)),
        };
        let keep = keep + section.mark.as_ref().map_or(0.0, |_| MARK_BAND_H + 2.0);
        let id = w.open(Role::Section, None);
        w.section_heading(&title, keep)?;
        if let Some(mark) = &section.mark {
            w.mark_band(mark);
        }
        for i in 0..section.blocks.len() {
            w.section = Some(id);
            w.block(&section.blocks[i..])?;
        }
        w.end_shade();
        w.section = None;
    }
    let mut laid = Laid {
        pages: w.pages,
        outline: w.outline,
        nodes: w.nodes,
    };
    decorate(&mut laid, report, metrics);
    Ok(laid)
}

/// A table measured for laying out (`Writer::table_plan`).
struct TablePlan {
    xs: Vec<f32>,
    header: Vec<Vec<String>>,
    header_h: f32,
    rows: Vec<(Vec<Vec<String>>, usize)>,
    keep: f32,
}

struct Writer<'a> {
    m: &'a dyn Metrics,
    pages: Vec<Page>,
    /// Top of the free space on the current page.
    y: f32,
    outline: Vec<Bookmark>,
    on_page: &'a mut dyn FnMut(usize),
    /// The shading of a marked section under way: its colour, and where on the current
    /// page it began (the index its fill goes in at, under the text, and the top).
    shade: Option<(Color, usize, f32)>,
    nodes: Vec<Node>,
    /// The structure element text goes into now.
    node: Option<usize>,
    /// The section under way, the parent of its blocks.
    section: Option<usize>,
}

/// Width of already-visible text.
fn width_of(m: &dyn Metrics, face: Face, size: f32, text: &str) -> f32 {
    text.chars()
        .map(|c| drawn_advance(m, face, c).unwrap_or(0.6))
        .sum::<f32>()
        * size
}

/// Split visible text into lines at most `max` wide: greedy at spaces, words longer than
/// a line broken between characters. Every line holds at least one character, so this
/// always ends.
pub fn wrap(m: &dyn Metrics, face: Face, size: f32, text: &str, max: f32) -> Vec<String> {
    let space = m.advance(face, ' ').unwrap_or(0.3) * size;
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        // Spaces between words count as typed (so "☐ kept   ☐ missed" keeps its gaps),
        // except where a line breaks.
        let mut gap = 0;
        for word in paragraph.split(' ') {
            if word.is_empty() {
                gap += 1;
                continue;
            }
            let spaces = gap + 1;
            gap = 0;
            let word_w = width_of(m, face, size, word);
            let gap_w = space * spaces as f32;
            if !line.is_empty() && line_w + gap_w + word_w <= max {
                line.extend(std::iter::repeat_n(' ', spaces));
                line.push_str(word);
                line_w += gap_w + word_w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if word_w <= max {
                line.push_str(word);
                line_w = word_w;
                continue;
            }
            // Longer than a line: break between characters.
            for grapheme in word.graphemes(true) {
                let g_w = width_of(m, face, size, grapheme);
                if !line.is_empty() && line_w + g_w > max {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push_str(grapheme);
                line_w += g_w;
            }
        }
        lines.push(line);
    }
    lines
}

/// Cut visible text to `max` wide, ending in "…" when cut.
fn fit(m: &dyn Metrics, face: Face, size: f32, text: &str, max: f32) -> String {
    if width_of(m, face, size, text) <= max {
        return text.to_string();
    }
    let ellipsis = width_of(m, face, size, "…");
    let mut out = String::new();
    let mut w = 0.0;
    for g in text.graphemes(true) {
        let g_w = width_of(m, face, size, g);
        if w + g_w + ellipsis > max {
            break;
        }
        out.push_str(g);
        w += g_w;
    }
    out.push('…');
    out
}

impl<'a> Writer<'a> {
    fn new(m: &'a dyn Metrics, on_page: &'a mut dyn FnMut(usize)) -> Writer<'a> {
        Writer {
            m,
            pages: vec![Page::default()],
            y: BODY_TOP,
            outline: Vec::new(),
            on_page,
            shade: None,
            nodes: Vec::new(),
            node: None,
            section: None,
        }
    }
}

impl Writer<'_> {
    fn prepare(&self, face: Face, text: &str) -> String {
        visible(text, |c| self.m.face_for(face, c).is_some())
    }

    fn lines(&self, face: Face, size: f32, text: &str, max: f32) -> Vec<String> {
        wrap(self.m, face, size, &self.prepare(face, text), max)
    }

    /// A new structure element under `parent`; text goes into it from now on.
    fn open(&mut self, role: Role, parent: Option<usize>) -> usize {
        self.nodes.push(Node {
            role,
            parent,
            alt: None,
        });
        let id = self.nodes.len() - 1;
        self.node = Some(id);
        id
    }

    /// A new structure element in the section under way.
    fn open_block(&mut self, role: Role) -> usize {
        let parent = self.section;
        self.open(role, parent)
    }

    fn page(&mut self) -> &mut Page {
        // `pages` always holds the current page.
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) -> Result<(), LayoutError> {
        if self.pages.len() >= MAX_PAGES {
            return Err(LayoutError::TooManyPages { limit: MAX_PAGES });
        }
        // A marked section's shading runs to the foot of this page and on at the top of
        // the next.
        let shade = self.shade.map(|(color, _, _)| color);
        self.y = BODY_BOTTOM;
        self.end_shade();
        self.pages.push(Page::default());
        self.y = BODY_TOP;
        if let Some(color) = shade {
            self.shade = Some((color, 0, BODY_TOP));
        }
        (self.on_page)(self.pages.len());
        Ok(())
    }

    /// Make room for `h` points, starting a new page if they do not fit here.
    fn need(&mut self, h: f32) -> Result<(), LayoutError> {
        if self.y - h < BODY_BOTTOM && self.y < BODY_TOP {
            self.new_page()?;
        }
        Ok(())
    }

    fn gap(&mut self, h: f32) {
        if self.y < BODY_TOP {
            self.y -= h;
        }
    }

    /// One line of already-visible text, reordered for display, its glyphs hanging from
    /// `top`: Arabic letters joined (their forms read back as the letters by copying,
    /// see `pdf`), each run in the face that has its glyphs, tick boxes drawn as boxes
    /// with their characters kept invisibly in the text.
    fn text(&mut self, x: f32, top: f32, size: f32, face: Face, color: Color, line: &str) {
        if line.is_empty() {
            return;
        }
        let shaped = super::arabic::shape(line, |g| self.m.face_for(face, g).is_some());
        let text = visual_order(&shaped).into_owned();
        let y = top - size * 1.02;
        let node = self.node;
        let is_box = |c: char| c == check_mark(false) || c == check_mark(true);
        let mut runs: Vec<(f32, Face, bool, String)> = Vec::new();
        let mut cursor = x;
        for c in text.chars() {
            let drawn = self.m.face_for(face, c).unwrap_or(face);
            let boxed = is_box(c);
            let w = self.m.advance(drawn, c).unwrap_or(0.6) * size;
            match runs.last_mut() {
                Some((_, f, false, run)) if *f == drawn && !boxed => run.push(c),
                _ => runs.push((cursor, drawn, boxed, c.to_string())),
            }
            if boxed {
                self.tick_box(cursor, y, size, w, c == check_mark(true));
            }
            cursor += w;
        }
        for (run_x, drawn, hidden, run) in runs {
            self.page().items.push(Item::Text {
                x: run_x,
                y,
                size,
                face: drawn,
                color,
                text: run,
                node,
                hidden,
            });
        }
    }

    /// A drawn tick box in the space of a box character `w` wide at baseline `y`.
    fn tick_box(&mut self, x: f32, y: f32, size: f32, w: f32, ticked: bool) {
        let side = size * 0.72;
        let left = x + (w - side).max(0.0) / 2.0;
        let bottom = y - size * 0.08;
        self.page().items.push(Item::Line {
            points: vec![
                (left, bottom),
                (left + side, bottom),
                (left + side, bottom + side),
                (left, bottom + side),
                (left, bottom),
            ],
            width: 0.7,
            color: INK,
            dashed: false,
            node: None,
        });
        if ticked {
            self.page().items.push(Item::Line {
                points: vec![
                    (left + side * 0.18, bottom + side * 0.5),
                    (left + side * 0.42, bottom + side * 0.2),
                    (left + side * 0.86, bottom + side * 0.88),
                ],
                width: 1.3,
                color: INK,
                dashed: false,
                node: None,
            });
        }
    }

    fn rule(&mut self, x0: f32, x1: f32, y: f32, width: f32, color: Color) {
        self.page().items.push(Item::Line {
            points: vec![(x0, y), (x1, y)],
            width,
            color,
            dashed: false,
            node: None,
        });
    }

    /// Wrapped lines at `x`, `width` wide, breaking pages between lines: never a first
    /// line alone at the foot of a page, nor a last line alone at the top of the next.
    #[allow(clippy::too_many_arguments)]
    fn flow(
        &mut self,
        x: f32,
        width: f32,
        size: f32,
        leading: f32,
        face: Face,
        color: Color,
        text: &str,
        bar: bool,
    ) -> Result<(), LayoutError> {
        let lines = self.lines(face, size, text, width);
        let n = lines.len();
        let mut page = self.pages.len();
        let mut here = 0;
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                self.need(leading * n.min(2) as f32)?;
            } else if n - i == 1 && here >= 3 && self.y - leading < BODY_BOTTOM && self.y < BODY_TOP
            {
                // The last line would stand alone overleaf: the one before goes with it.
                self.new_page()?;
            } else if n - i == 2
                && here >= 2
                && self.y - leading >= BODY_BOTTOM
                && self.y - 2.0 * leading < BODY_BOTTOM
            {
                self.new_page()?;
            }
            self.need(leading)?;
            if self.pages.len() != page {
                page = self.pages.len();
                here = 0;
            }
            let top = self.y;
            if bar {
                let bar_x = x - 8.0;
                self.page().items.push(Item::Line {
                    points: vec![(bar_x, top), (bar_x, top - leading)],
                    width: 1.2,
                    color: RULE,
                    dashed: false,
                    node: None,
                });
            }
            self.text(x, top - (leading - size) / 2.0, size, face, color, line);
            self.y -= leading;
            here += 1;
        }
        Ok(())
    }

    fn title_block(&mut self, report: &Report) -> Result<(), LayoutError> {
        self.open(Role::Title, None);
        self.flow(
            MARGIN_X,
            BODY_WIDTH,
            19.0,
            24.0,
            Face::Bold,
            INK,
            &report.title,
            false,
        )?;
        if !report.subtitle.is_empty() {
            self.open(Role::Paragraph, None);
            self.flow(
                MARGIN_X,
                BODY_WIDTH,
                12.0,
                17.0,
                Face::Regular,
                ACCENT,
                &report.subtitle,
                false,
            )?;
        }
        self.y -= 8.0;
        self.fields(&report.facts)?;
        self.y -= 6.0;
        let y = self.y;
        self.rule(MARGIN_X, RIGHT, y, 0.8, ACCENT);
        self.y -= 4.0;
        Ok(())
    }

    fn section_heading(&mut self, title: &str, keep: f32) -> Result<(), LayoutError> {
        let lines = self.lines(Face::Bold, 13.0, title, BODY_WIDTH);
        // The gap above, the lines, and the rule and space below.
        let h = 12.0 + lines.len() as f32 * 18.0 + 10.0;
        let body = BODY_TOP - BODY_BOTTOM;
        self.need(h + keep.min(body * 0.6))?;
        self.gap(12.0);
        // Viewers draw bookmarks with their own fonts: only invisible characters are tagged.
        let bookmark = visible(title, |_| true).replace('\n', " ");
        self.outline.push(Bookmark {
            title: bookmark,
            page: self.pages.len(),
            top: (self.y + 6.0).min(PAGE_HEIGHT),
        });
        let section = self.node;
        self.open(Role::Heading, section);
        for line in lines {
            let top = self.y;
            self.text(MARGIN_X, top - 2.0, 13.0, Face::Bold, ACCENT, &line);
            self.y -= 18.0;
        }
        let y = self.y - 2.0;
        self.rule(MARGIN_X, RIGHT, y, 0.5, RULE);
        self.y -= 8.0;
        self.section = section;
        Ok(())
    }

    /// The label of a marked section, on a band the width of the page, and the start of
    /// its shading.
    fn mark_band(&mut self, mark: &Mark) {
        let (band, shade) = match mark.kind {
            MarkKind::Private => (PRIVATE_BAND, PRIVATE_SHADE),
            MarkKind::TherapistOnly => (THERAPIST_BAND, THERAPIST_SHADE),
        };
        let label = fit(
            self.m,
            Face::Bold,
            SMALL_SIZE,
            &self.prepare(Face::Bold, &mark.label),
            BODY_WIDTH - 12.0,
        );
        let top = self.y + 4.0;
        self.page().items.push(Item::Fill {
            x: MARGIN_X - 6.0,
            y: top - MARK_BAND_H,
            w: BODY_WIDTH + 12.0,
            h: MARK_BAND_H,
            color: band,
            node: None,
        });
        self.open_block(Role::Paragraph);
        self.text(
            MARGIN_X,
            top - (MARK_BAND_H - SMALL_SIZE) / 2.0 + 0.5,
            SMALL_SIZE,
            Face::Bold,
            INK,
            &label,
        );
        self.y = top - MARK_BAND_H - 6.0;
        let index = self.page().items.len();
        self.shade = Some((shade, index, top - MARK_BAND_H));
    }

    /// The shading of a marked section, from where it began on this page down to here,
    /// put under what was drawn on it.
    fn end_shade(&mut self) {
        let Some((color, index, top)) = self.shade.take() else {
            return;
        };
        let bottom = (self.y + 2.0).min(top);
        if top - bottom < 0.5 {
            return;
        }
        let page = self.page();
        let index = index.min(page.items.len());
        page.items.insert(
            index,
            Item::Fill {
                x: MARGIN_X - 6.0,
                y: bottom,
                w: BODY_WIDTH + 12.0,
                h: top - bottom,
                color,
                node: None,
            },
        );
    }

    /// How much of `blocks[0]` must stand on one page with no break: its first lines, a
    /// whole choice or short table, and for a heading, a prompt or a short note the start
    /// of what follows as well (so none ends a page).
    fn start_height(&self, blocks: &[Block]) -> f32 {
        let Some(block) = blocks.first() else {
            return 0.0;
        };
        let body = BODY_TOP - BODY_BOTTOM;
        let count = |face: Face, size: f32, text: &str, width: f32| {
            self.lines(face, size, text, width).len() as f32
        };
        // At most two lines are asked for of running text: a long text has them without
        // being wrapped twice (no glyph is narrower than a quarter em, so this many bytes
        // cannot fit on two lines).
        let first_two = |face: Face, size: f32, text: &str, width: f32| {
            if text.len() as f32 * size * 0.25 > 2.0 * width && !text.contains('\n') {
                2.0
            } else {
                count(face, size, text, width).min(2.0)
            }
        };
        let next = || self.start_height(&blocks[1..]);
        let h = match block {
            Block::Heading(text) => count(Face::Bold, 10.5, text, BODY_WIDTH) * 15.0 + 6.0 + next(),
            Block::Prompt(text) => {
                count(Face::Regular, BODY_SIZE, text, BODY_WIDTH) * BODY_LEADING + 4.0 + next()
            }
            Block::Note(text) => {
                let lines = count(Face::Italic, SMALL_SIZE, text, BODY_WIDTH);
                if lines <= 3.0 {
                    lines * SMALL_LEADING + 3.0 + next()
                } else {
                    2.0 * SMALL_LEADING
                }
            }
            // A short lead-in ("Other places to turn to:") goes with what it introduces.
            Block::Paragraph(text) if text.trim_end().ends_with(':') && text.len() < 300 => {
                count(Face::Regular, BODY_SIZE, text, BODY_WIDTH) * BODY_LEADING + 4.0 + next()
            }
            Block::Paragraph(text) => {
                first_two(Face::Regular, BODY_SIZE, text, BODY_WIDTH) * BODY_LEADING
            }
            Block::Said { who, text } => {
                count(Face::Bold, SMALL_SIZE, who, BODY_WIDTH) * SMALL_LEADING
                    + first_two(Face::Regular, BODY_SIZE, text, BODY_WIDTH - 12.0) * BODY_LEADING
            }
            // A short list stays whole, like a choice; a long one starts with its first item.
            Block::Bullets(items) => {
                let whole: f32 = if items.len() <= 8 {
                    items
                        .iter()
                        .map(|item| {
                            count(Face::Regular, BODY_SIZE, item, BODY_WIDTH - 15.0) * BODY_LEADING
                        })
                        .sum()
                } else {
                    f32::MAX
                };
                if whole <= body / 4.0 {
                    whole
                } else {
                    items.first().map_or(0.0, |item| {
                        first_two(Face::Regular, BODY_SIZE, item, BODY_WIDTH - 15.0) * BODY_LEADING
                    })
                }
            }
            Block::Checks(items) => {
                let whole: f32 = items
                    .iter()
                    .map(|(_, item)| {
                        count(Face::Regular, BODY_SIZE, item, BODY_WIDTH - 18.0) * BODY_LEADING
                    })
                    .sum();
                if whole <= body / 2.0 {
                    whole
                } else {
                    2.0 * BODY_LEADING
                }
            }
            Block::Fields(fields) => {
                let label_w = BODY_WIDTH * 0.26;
                // A field is as tall as the longer of its label and its value.
                let height = |(label, value): &(String, String)| {
                    count(Face::Bold, SMALL_SIZE, label, label_w).max(count(
                        Face::Regular,
                        BODY_SIZE,
                        value,
                        BODY_WIDTH - label_w - 8.0,
                    )) * BODY_LEADING
                };
                let whole: f32 = fields.iter().map(height).sum();
                let first = fields.first().map_or(0.0, height);
                whole.min(4.0 * BODY_LEADING).max(first)
            }
            Block::WriteIn { label, lines } => {
                let label_lines = if label.is_empty() {
                    0.0
                } else {
                    count(Face::Regular, SMALL_SIZE, label, BODY_WIDTH)
                };
                label_lines * SMALL_LEADING + 22.0 * (*lines).min(2) as f32
            }
            Block::Table(table) => self.table_plan(table).map_or(0.0, |plan| plan.keep + 2.0),
            Block::Scale { points, low, high } => self.scale_height(points, low, high),
            Block::Chart(_) => CHART_HEIGHT + 4.0,
        };
        h.min(body * 0.6)
    }

    fn block(&mut self, blocks: &[Block]) -> Result<(), LayoutError> {
        let Some(block) = blocks.first() else {
            return Ok(());
        };
        let start = self.start_height(blocks);
        self.need(start)?;
        match block {
            Block::Heading(text) => {
                self.open_block(Role::Subheading);
                let lines = self.lines(Face::Bold, 10.5, text, BODY_WIDTH);
                self.gap(6.0);
                for line in lines {
                    let top = self.y;
                    self.text(MARGIN_X, top - 1.5, 10.5, Face::Bold, INK, &line);
                    self.y -= 15.0;
                }
                Ok(())
            }
            Block::Paragraph(text) | Block::Prompt(text) => {
                self.open_block(if matches!(block, Block::Prompt(_)) {
                    Role::Prompt
                } else {
                    Role::Paragraph
                });
                self.flow(
                    MARGIN_X,
                    BODY_WIDTH,
                    BODY_SIZE,
                    BODY_LEADING,
                    Face::Regular,
                    INK,
                    text,
                    false,
                )?;
                self.y -= 4.0;
                Ok(())
            }
            Block::Note(text) => {
                self.open_block(Role::Paragraph);
                self.flow(
                    MARGIN_X,
                    BODY_WIDTH,
                    SMALL_SIZE,
                    SMALL_LEADING,
                    Face::Italic,
                    MUTED,
                    text,
                    false,
                )?;
                self.y -= 3.0;
                Ok(())
            }
            Block::Fields(fields) => {
                self.fields(fields)?;
                self.y -= 4.0;
                Ok(())
            }
            Block::Said { who, text } => {
                // One element: the name and the words (an element each would double the
                // structure of a dialogue's record for little gain).
                self.open_block(Role::Quote);
                let who_lines = self.lines(Face::Bold, SMALL_SIZE, who, BODY_WIDTH);
                for line in who_lines {
                    let top = self.y;
                    self.text(MARGIN_X, top - 1.5, SMALL_SIZE, Face::Bold, MUTED, &line);
                    self.y -= SMALL_LEADING;
                }
                self.flow(
                    MARGIN_X + 12.0,
                    BODY_WIDTH - 12.0,
                    BODY_SIZE,
                    BODY_LEADING,
                    Face::Regular,
                    INK,
                    text,
                    true,
                )?;
                self.y -= 5.0;
                Ok(())
            }
            Block::Bullets(items) => {
                let list = self.open_block(Role::List);
                for item in items {
                    self.hanging(list, "•", item, 15.0)?;
                }
                self.y -= 4.0;
                Ok(())
            }
            Block::Checks(items) => {
                let list = self.open_block(Role::List);
                for (ticked, item) in items {
                    self.hanging(list, &check_mark(*ticked).to_string(), item, 18.0)?;
                }
                self.y -= 4.0;
                Ok(())
            }
            Block::Scale { points, low, high } => self.scale(points, low, high),
            Block::WriteIn { label, lines } => self.write_in(label, *lines),
            Block::Table(table) => self.table(table),
            Block::Chart(chart) => self.chart(chart),
        }
    }

    /// The words of each point of a scale, wrapped to its column.
    fn scale_words(&self, options: &[String]) -> Vec<Vec<String>> {
        let column = BODY_WIDTH / options.len().max(1) as f32;
        options
            .iter()
            .map(|o| self.lines(Face::Regular, SCALE_SIZE, o, column - 6.0))
            .collect()
    }

    fn scale_height(&self, points: &[String], low: &str, high: &str) -> f32 {
        let rows = self
            .scale_words(points)
            .iter()
            .map(Vec::len)
            .max()
            .unwrap_or(1);
        let ends = if low.is_empty() && high.is_empty() {
            0.0
        } else {
            SCALE_LEADING
        };
        BODY_LEADING + rows as f32 * SCALE_LEADING + ends + 6.0
    }

    /// A scale: equal columns across the page, a drawn box in each and its words under
    /// it, the words for its ends under the first and last; never split.
    fn scale(&mut self, points: &[String], low: &str, high: &str) -> Result<(), LayoutError> {
        if points.is_empty() {
            return Ok(());
        }
        let words = self.scale_words(points);
        let rows = words.iter().map(Vec::len).max().unwrap_or(1);
        self.need(self.scale_height(points, low, high))?;
        let column = BODY_WIDTH / points.len() as f32;
        let list = self.open_block(Role::List);
        let top = self.y;
        for (i, lines) in words.iter().enumerate() {
            let centre = MARGIN_X + column * (i as f32 + 0.5);
            let item = self.open(Role::ListItem, Some(list));
            self.open(Role::Label, Some(item));
            let mark = check_mark(false).to_string();
            let w = width_of(self.m, Face::Regular, BODY_SIZE, &mark);
            self.text(centre - w / 2.0, top, BODY_SIZE, Face::Regular, INK, &mark);
            self.open(Role::ListBody, Some(item));
            for (n, line) in lines.iter().enumerate() {
                let lw = width_of(self.m, Face::Regular, SCALE_SIZE, line);
                self.text(
                    centre - lw / 2.0,
                    top - BODY_LEADING - n as f32 * SCALE_LEADING,
                    SCALE_SIZE,
                    Face::Regular,
                    MUTED,
                    line,
                );
            }
        }
        let ends_top = top - BODY_LEADING - rows as f32 * SCALE_LEADING;
        if !low.is_empty() || !high.is_empty() {
            self.open_block(Role::Paragraph);
            let half = BODY_WIDTH / 2.0 - 6.0;
            let low = fit(
                self.m,
                Face::Italic,
                SCALE_SIZE,
                &self.prepare(Face::Italic, low),
                half,
            );
            let high = fit(
                self.m,
                Face::Italic,
                SCALE_SIZE,
                &self.prepare(Face::Italic, high),
                half,
            );
            let high_w = width_of(self.m, Face::Italic, SCALE_SIZE, &high);
            self.text(
                MARGIN_X,
                ends_top,
                SCALE_SIZE,
                Face::Italic,
                MUTED,
                &format!("← {low}"),
            );
            self.text(
                RIGHT - high_w - width_of(self.m, Face::Italic, SCALE_SIZE, " →"),
                ends_top,
                SCALE_SIZE,
                Face::Italic,
                MUTED,
                &format!("{high} →"),
            );
            self.y = ends_top - SCALE_LEADING - 6.0;
        } else {
            self.y = ends_top - 6.0;
        }
        Ok(())
    }

    /// A list item: a marker (bullet, tick box) with the text hanging beside it.
    fn hanging(
        &mut self,
        list: usize,
        marker: &str,
        text: &str,
        indent: f32,
    ) -> Result<(), LayoutError> {
        let lines = self.lines(Face::Regular, BODY_SIZE, text, BODY_WIDTH - indent);
        let item = self.open(Role::ListItem, Some(list));
        self.need(BODY_LEADING * lines.len().min(2) as f32)?;
        for (i, line) in lines.iter().enumerate() {
            self.need(BODY_LEADING)?;
            let top = self.y - (BODY_LEADING - BODY_SIZE) / 2.0;
            if i == 0 {
                self.open(Role::Label, Some(item));
                self.text(MARGIN_X + 2.0, top, BODY_SIZE, Face::Regular, INK, marker);
                self.open(Role::ListBody, Some(item));
            }
            self.text(MARGIN_X + indent, top, BODY_SIZE, Face::Regular, INK, line);
            self.y -= BODY_LEADING;
        }
        Ok(())
    }

    fn write_in(&mut self, label: &str, count: u32) -> Result<(), LayoutError> {
        let spacing = 22.0;
        let label_lines = if label.is_empty() {
            Vec::new()
        } else {
            self.lines(Face::Regular, SMALL_SIZE, label, BODY_WIDTH)
        };
        self.open_block(Role::Paragraph);
        for line in label_lines {
            let top = self.y;
            self.text(MARGIN_X, top - 1.5, SMALL_SIZE, Face::Regular, MUTED, &line);
            self.y -= SMALL_LEADING;
        }
        for _ in 0..count {
            self.need(spacing)?;
            let y = self.y - spacing + 3.0;
            self.rule(MARGIN_X, RIGHT, y, 0.5, RULE);
            self.y -= spacing;
        }
        self.y -= 6.0;
        Ok(())
    }

    /// Label and value rows, labels bold in a column of their own; a row moves to the
    /// next page whole unless it is taller than a page.
    fn fields(&mut self, fields: &[(String, String)]) -> Result<(), LayoutError> {
        let label_w = BODY_WIDTH * 0.26;
        let value_x = MARGIN_X + label_w + 8.0;
        let value_w = BODY_WIDTH - label_w - 8.0;
        let table = self.open_block(Role::Table);
        for (label, value) in fields {
            let labels = self.lines(Face::Bold, SMALL_SIZE, label, label_w);
            let values = self.lines(Face::Regular, BODY_SIZE, value, value_w);
            let rows = labels.len().max(values.len());
            let h = rows as f32 * BODY_LEADING;
            if h <= BODY_TOP - BODY_BOTTOM {
                self.need(h)?;
            }
            let row = self.open(Role::Row, Some(table));
            let head = self.open(Role::HeaderCell, Some(row));
            let cell = self.open(Role::Cell, Some(row));
            for i in 0..rows {
                self.need(BODY_LEADING)?;
                let top = self.y - (BODY_LEADING - BODY_SIZE) / 2.0;
                if let Some(l) = labels.get(i) {
                    self.node = Some(head);
                    self.text(MARGIN_X, top - 0.5, SMALL_SIZE, Face::Bold, MUTED, l);
                }
                if let Some(v) = values.get(i) {
                    self.node = Some(cell);
                    self.text(value_x, top, BODY_SIZE, Face::Regular, INK, v);
                }
                self.y -= BODY_LEADING;
            }
        }
        Ok(())
    }

    /// A table measured: column positions, the header's and each row's cell lines, and
    /// how much of it must start on one page (all of a short table; else the header and
    /// the first row).
    fn table_plan(&self, table: &Table) -> Option<TablePlan> {
        if table.columns.is_empty() {
            return None;
        }
        let total: f32 = table.columns.iter().map(|c| c.width.max(0.01)).sum();
        let widths: Vec<f32> = table
            .columns
            .iter()
            .map(|c| BODY_WIDTH * c.width.max(0.01) / total)
            .collect();
        let xs: Vec<f32> = widths
            .iter()
            .scan(MARGIN_X, |x, w| {
                let here = *x;
                *x += w;
                Some(here)
            })
            .collect();
        let cell_lines = |face: Face, text: &str, col: usize| {
            self.lines(face, TABLE_SIZE, text, widths[col] - 2.0 * CELL_PAD)
        };
        let header: Vec<Vec<String>> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| cell_lines(Face::Bold, &c.title, i))
            .collect();
        let header_h = rows_height(&header, 1);
        let body_h = BODY_TOP - BODY_BOTTOM;
        // Every row's cell lines, laid out once.
        let rows: Vec<(Vec<Vec<String>>, usize)> = table
            .rows
            .iter()
            .map(|row| {
                let cells: Vec<Vec<String>> = (0..widths.len())
                    .map(|i| cell_lines(Face::Regular, row.get(i).map_or("", String::as_str), i))
                    .collect();
                let lines = cells
                    .iter()
                    .map(Vec::len)
                    .max()
                    .unwrap_or(1)
                    .max(table.min_row_lines as usize);
                (cells, lines)
            })
            .collect();
        let row_height = |lines: usize| lines as f32 * TABLE_LEADING + 2.0 * CELL_PAD;
        let whole = header_h + rows.iter().map(|(_, l)| row_height(*l)).sum::<f32>();
        // A short table stays on one page; a long one starts with at least a row.
        let first = rows.first().map_or(0.0, |(_, l)| row_height(*l));
        let keep = if whole <= body_h / 4.0 {
            whole
        } else {
            header_h + first.min(body_h / 2.0)
        };
        Some(TablePlan {
            xs,
            header,
            header_h,
            rows,
            keep,
        })
    }

    fn table(&mut self, table: &Table) -> Result<(), LayoutError> {
        let Some(TablePlan {
            xs,
            header,
            header_h,
            rows,
            keep,
        }) = self.table_plan(table)
        else {
            return Ok(());
        };
        let body_h = BODY_TOP - BODY_BOTTOM;
        self.need(keep)?;
        self.gap(2.0);
        // Blank sheets' tables (rows to write in) are ruled between columns too.
        let ruled = table.min_row_lines > 1;
        let node = self.open_block(Role::Table);
        let header_cells = self.cell_nodes(node, table.columns.len(), Role::HeaderCell);
        self.table_row(
            &xs,
            &header,
            0,
            usize::MAX,
            true,
            ruled,
            Some(&header_cells),
        );
        for (cells, lines) in &rows {
            let row_cells = self.cell_nodes(node, table.columns.len(), Role::Cell);
            let (cells, lines) = (cells, *lines);
            let row_h = lines as f32 * TABLE_LEADING + 2.0 * CELL_PAD;
            if self.y - row_h < BODY_BOTTOM && row_h <= body_h - header_h {
                // The row moves whole to the next page, under a repeated header.
                self.new_page()?;
                self.table_row(&xs, &header, 0, usize::MAX, true, ruled, None);
            }
            // Only a row taller than a page is split, between its lines.
            let mut start = 0;
            let mut fresh_page = false;
            while start < lines {
                let room = ((self.y - BODY_BOTTOM - 2.0 * CELL_PAD) / TABLE_LEADING).floor();
                let mut fit = (room.max(0.0) as usize).min(lines - start);
                if fit == 0 && !fresh_page {
                    self.new_page()?;
                    self.table_row(&xs, &header, 0, usize::MAX, true, ruled, None);
                    fresh_page = true;
                    continue;
                }
                // Even a page too small for one line gets one, so this always ends.
                fit = fit.max(1);
                self.table_row(&xs, cells, start, fit, false, ruled, Some(&row_cells));
                start += fit;
                fresh_page = false;
            }
        }
        self.y -= 8.0;
        Ok(())
    }

    /// A row's structure element and one cell element per column.
    fn cell_nodes(&mut self, table: usize, columns: usize, role: Role) -> Vec<usize> {
        let row = self.open(Role::Row, Some(table));
        (0..columns).map(|_| self.open(role, Some(row))).collect()
    }

    /// Lines `start..start + count` of a row's cells, with a rule under them (and between
    /// the columns when `ruled`). `nodes` are the cells' structure elements; a header
    /// repeated on a later page has none (it is drawn, not read again).
    #[allow(clippy::too_many_arguments)]
    fn table_row(
        &mut self,
        xs: &[f32],
        cells: &[Vec<String>],
        start: usize,
        count: usize,
        is_header: bool,
        ruled: bool,
        nodes: Option<&[usize]>,
    ) {
        let lines = cells
            .iter()
            .map(|c| c.len().saturating_sub(start))
            .max()
            .unwrap_or(0)
            .max(1)
            .min(count);
        let h = lines as f32 * TABLE_LEADING + 2.0 * CELL_PAD;
        let top = self.y;
        if is_header {
            self.page().items.push(Item::Fill {
                x: MARGIN_X,
                y: top - h,
                w: BODY_WIDTH,
                h,
                color: SHADE,
                node: None,
            });
        }
        let face = if is_header { Face::Bold } else { Face::Regular };
        let color = if is_header { MUTED } else { INK };
        for (col, cell) in cells.iter().enumerate() {
            self.node = nodes.and_then(|n| n.get(col).copied());
            for (i, line) in cell.iter().skip(start).take(lines).enumerate() {
                let line_top = top - CELL_PAD - i as f32 * TABLE_LEADING;
                self.text(
                    xs[col] + CELL_PAD,
                    line_top - (TABLE_LEADING - TABLE_SIZE) / 2.0,
                    TABLE_SIZE,
                    face,
                    color,
                    line,
                );
            }
        }
        self.rule(MARGIN_X, RIGHT, top - h, 0.4, RULE);
        if ruled {
            if is_header {
                self.rule(MARGIN_X, RIGHT, top, 0.4, RULE);
            }
            for x in xs.iter().copied().chain(std::iter::once(RIGHT)) {
                self.page().items.push(Item::Line {
                    points: vec![(x, top), (x, top - h)],
                    width: 0.4,
                    color: RULE,
                    dashed: false,
                    node: None,
                });
            }
        }
        self.y -= h;
    }

    fn chart(&mut self, chart: &Chart) -> Result<(), LayoutError> {
        let plot_h = CHART_PLOT;
        let title_h = 16.0;
        let axis_h = 16.0;
        let legend_h = 16.0;
        self.need(CHART_HEIGHT)?;
        self.gap(4.0);
        let fig = self.open_block(Role::Figure);
        self.nodes[fig].alt = Some(chart_alt(chart));
        let node = Some(fig);
        let title = fit(
            self.m,
            Face::Bold,
            10.0,
            &self.prepare(Face::Bold, &chart.title),
            BODY_WIDTH,
        );
        let top = self.y;
        if !title.is_empty() {
            self.text(MARGIN_X, top, 10.0, Face::Bold, INK, &title);
        }
        let plot_top = top - title_h - 4.0;
        let plot_bottom = plot_top - plot_h;
        let x0 = MARGIN_X + 30.0;
        let x1 = RIGHT - 8.0;
        let (lo, hi) = if chart.y_max > chart.y_min {
            (chart.y_min, chart.y_max)
        } else {
            (chart.y_min, chart.y_min + 1.0)
        };
        let y_of = |v: f32| plot_bottom + (v.clamp(lo, hi) - lo) / (hi - lo) * plot_h;
        // Grid and y labels.
        let step = nice_step(hi - lo);
        let mut tick = (lo / step).ceil() * step;
        while tick <= hi + 1e-3 {
            let y = y_of(tick);
            self.rule(x0, x1, y, 0.3, SHADE);
            let label = format_value(tick);
            let w = width_of(self.m, Face::Regular, 7.5, &label);
            self.page().items.push(Item::Text {
                x: x0 - 5.0 - w,
                y: y - 2.5,
                size: 7.5,
                face: Face::Regular,
                color: MUTED,
                text: label,
                node,
                hidden: false,
            });
            tick += step;
        }
        // Axes.
        self.page().items.push(Item::Line {
            points: vec![(x0, plot_top), (x0, plot_bottom), (x1, plot_bottom)],
            width: 0.6,
            color: MUTED,
            dashed: false,
            node,
        });
        let n = chart.x_labels.len();
        // Points sit at their dates when the chart has them (`x_at`, 0 to 1), else evenly.
        let span = x1 - x0 - 24.0;
        let x_of = |i: usize| {
            if chart.x_at.len() == n {
                x0 + 12.0 + span * chart.x_at[i].clamp(0.0, 1.0)
            } else if n <= 1 {
                (x0 + x1) / 2.0
            } else {
                x0 + 12.0 + span * i as f32 / (n - 1) as f32
            }
        };
        // X labels left to right, each one skipped that would touch the last one drawn;
        // every point keeps its tick.
        let mut last_right = f32::MIN;
        for (i, label) in chart.x_labels.iter().enumerate() {
            let label = self.prepare(Face::Regular, label);
            let w = width_of(self.m, Face::Regular, 7.0, &label);
            let x = x_of(i);
            self.page().items.push(Item::Line {
                points: vec![(x, plot_bottom), (x, plot_bottom - 3.0)],
                width: 0.5,
                color: MUTED,
                dashed: false,
                node,
            });
            if x - w / 2.0 < last_right + 6.0 {
                continue;
            }
            last_right = x + w / 2.0;
            self.page().items.push(Item::Text {
                x: x - w / 2.0,
                y: plot_bottom - 12.0,
                size: 7.0,
                face: Face::Regular,
                color: MUTED,
                text: label,
                node,
                hidden: false,
            });
        }
        if let Some((value, label)) = &chart.cutoff {
            let y = y_of(*value);
            self.page().items.push(Item::Line {
                points: vec![(x0, y), (x1, y)],
                width: 0.8,
                color: MUTED,
                dashed: true,
                node,
            });
            let label = fit(
                self.m,
                Face::Italic,
                7.0,
                &self.prepare(Face::Italic, label),
                x1 - x0 - 8.0,
            );
            // Under the line at the left, where the first points rarely sit.
            self.page().items.push(Item::Text {
                x: x0 + 4.0,
                y: y - 8.5,
                size: 7.0,
                face: Face::Italic,
                color: MUTED,
                text: label,
                node,
                hidden: false,
            });
        }
        for (s, series) in chart.series.iter().enumerate() {
            let color = SERIES[s % SERIES.len()];
            let dashed = s % 2 == 1;
            let mut run: Vec<(f32, f32)> = Vec::new();
            let mut runs = Vec::new();
            for (i, value) in series.values.iter().enumerate().take(n.max(1)) {
                match value {
                    Some(v) => run.push((x_of(i), y_of(*v))),
                    None => runs.push(std::mem::take(&mut run)),
                }
            }
            runs.push(run);
            for run in runs {
                if run.len() > 1 {
                    self.page().items.push(Item::Line {
                        points: run.clone(),
                        width: 1.6,
                        color,
                        dashed,
                        node,
                    });
                }
                for (x, y) in run {
                    self.marker(s, x, y, color, node);
                }
            }
        }
        // Legend.
        let legend_y = plot_bottom - axis_h - 8.0;
        let mut x = x0;
        for (s, series) in chart.series.iter().enumerate() {
            let color = SERIES[s % SERIES.len()];
            self.page().items.push(Item::Line {
                points: vec![(x, legend_y + 3.0), (x + 18.0, legend_y + 3.0)],
                width: 1.6,
                color,
                dashed: s % 2 == 1,
                node,
            });
            self.marker(s, x + 9.0, legend_y + 3.0, color, node);
            let name = fit(
                self.m,
                Face::Regular,
                8.0,
                &self.prepare(Face::Regular, &series.name),
                BODY_WIDTH / 2.5,
            );
            let w = width_of(self.m, Face::Regular, 8.0, &name);
            self.page().items.push(Item::Text {
                x: x + 23.0,
                y: legend_y,
                size: 8.0,
                face: Face::Regular,
                color: INK,
                text: visual_order(&name).into_owned(),
                node,
                hidden: false,
            });
            x += 23.0 + w + 18.0;
        }
        self.y = legend_y - legend_h;
        Ok(())
    }

    /// A point of series `s`: a filled square for the first, an open diamond, larger, for
    /// the second, so that two equal values show both.
    fn marker(&mut self, s: usize, x: f32, y: f32, color: Color, node: Option<usize>) {
        if s.is_multiple_of(2) {
            let size = 4.6;
            self.page().items.push(Item::Fill {
                x: x - size / 2.0,
                y: y - size / 2.0,
                w: size,
                h: size,
                color,
                node,
            });
        } else {
            let r = 4.6;
            self.page().items.push(Item::Line {
                points: vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y), (x, y - r)],
                width: 1.1,
                color,
                dashed: false,
                node,
            });
        }
    }
}

/// How tall a section is below its heading, if it fits on one page: a dry run on an
/// empty page.
fn height_on_one_page(
    metrics: &dyn Metrics,
    title: &str,
    section: &super::report::Section,
) -> Option<f32> {
    let mut ignore = |_: usize| {};
    let mut dry = Writer::new(metrics, &mut ignore);
    dry.section_heading(title, 0.0).ok()?;
    if let Some(mark) = &section.mark {
        dry.mark_band(mark);
    }
    let below_heading = dry.y;
    for i in 0..section.blocks.len() {
        dry.block(&section.blocks[i..]).ok()?;
        if dry.pages.len() > 1 {
            return None;
        }
    }
    Some(below_heading - dry.y)
}

/// A chart's alternative text: its title and each series' values in order.
fn chart_alt(chart: &Chart) -> String {
    let mut alt = format!("Chart: {}.", chart.title);
    for series in &chart.series {
        let values: Vec<String> = series
            .values
            .iter()
            .zip(&chart.x_labels)
            .filter_map(|(v, label)| v.map(|v| format!("{label}: {}", format_value(v))))
            .collect();
        alt.push_str(&format!(" {}: {}.", series.name, values.join(", ")));
    }
    if let Some((value, label)) = &chart.cutoff {
        alt.push_str(&format!(" Line at {}: {label}.", format_value(*value)));
    }
    alt
}

fn rows_height(cells: &[Vec<String>], min_lines: u32) -> f32 {
    let lines = cells
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(1)
        .max(min_lines as usize);
    lines as f32 * TABLE_LEADING + 2.0 * CELL_PAD
}

/// A grid step giving at most six lines over `range`.
fn nice_step(range: f32) -> f32 {
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        .into_iter()
        .find(|s| range / s <= 6.0)
        .unwrap_or(range / 5.0)
}

/// A value as a label: no decimals when whole.
pub fn format_value(v: f32) -> String {
    if (v - v.round()).abs() < 1e-4 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A line of page furniture (header, footer, stamp): drawn, and marked as an artifact.
fn furniture(x: f32, y: f32, size: f32, face: Face, color: Color, text: String) -> Item {
    Item::Text {
        x,
        y,
        size,
        face,
        color,
        text,
        node: None,
        hidden: false,
    }
}

/// The header and footer of every page, once the page count is known.
fn decorate(laid: &mut Laid, report: &Report, m: &dyn Metrics) {
    /// A stamp's red-brown: apart from the accent, and dark enough in grey print.
    const STAMP: Color = Color(0.62, 0.2, 0.12);
    let total = laid.pages.len();
    let prepare = |face: Face, text: &str| visible(text, |c| m.face_for(face, c).is_some());
    // With a stamp in the header's centre, the practice and the couple share the rest.
    let (left_share, right_share) = match report.stamp {
        Some(_) => (0.38, 0.38),
        None => (0.55, 0.42),
    };
    let practice = fit(
        m,
        Face::Bold,
        8.0,
        &prepare(Face::Bold, &report.practice),
        BODY_WIDTH * left_share,
    );
    let right = match &report.couple_code {
        Some(code) => format!(
            "Couple {} · {}",
            prepare(Face::Regular, code),
            report.date.format(report.dates.format())
        ),
        None => report.date.format(report.dates.format()).to_string(),
    };
    let right = fit(m, Face::Regular, 8.0, &right, BODY_WIDTH * right_share);
    let right_w = width_of(m, Face::Regular, 8.0, &right);
    // The clinician's documents carry the record's warning; the couple's own copies are
    // kindly worded, and no footer ever names anyone.
    let confidential = match report.audience {
        crate::model::Audience::Clinician => format!(
            "Confidential therapy record, made for {}. Do not share without consent.",
            report.audience.reader()
        ),
        crate::model::Audience::Couple | crate::model::Audience::Partner(_) => format!(
            "Written by your therapist, made for {}. Please keep it somewhere private.",
            report.audience.reader()
        ),
    };
    let confidential = fit(m, Face::Italic, 7.5, &confidential, BODY_WIDTH * 0.78);
    // A stamp (a draft's "DRAFT") in the header's centre and, spelled out, above the
    // footer of every page.
    let stamp = report.stamp.as_deref().map(|stamp| {
        let short = fit(
            m,
            Face::Bold,
            9.0,
            &prepare(Face::Bold, stamp),
            BODY_WIDTH * 0.2,
        );
        let long = fit(
            m,
            Face::Bold,
            8.0,
            &prepare(Face::Bold, &format!("{stamp}: not signed")),
            BODY_WIDTH,
        );
        let short_w = width_of(m, Face::Bold, 9.0, &short);
        (short, short_w, long)
    });
    for (i, page) in laid.pages.iter_mut().enumerate() {
        let header_y = PAGE_HEIGHT - 40.0;
        page.items.push(furniture(
            MARGIN_X,
            header_y,
            8.0,
            Face::Bold,
            MUTED,
            visual_order(&practice).into_owned(),
        ));
        page.items.push(furniture(
            RIGHT - right_w,
            header_y,
            8.0,
            Face::Regular,
            MUTED,
            visual_order(&right).into_owned(),
        ));
        if let Some((short, short_w, long)) = &stamp {
            page.items.push(furniture(
                (PAGE_WIDTH - short_w) / 2.0,
                header_y,
                9.0,
                Face::Bold,
                STAMP,
                visual_order(short).into_owned(),
            ));
            page.items.push(furniture(
                MARGIN_X,
                38.0 + 15.0,
                8.0,
                Face::Bold,
                STAMP,
                visual_order(long).into_owned(),
            ));
        }
        page.items.push(Item::Line {
            points: vec![(MARGIN_X, header_y - 6.0), (RIGHT, header_y - 6.0)],
            width: 0.5,
            color: RULE,
            dashed: false,
            node: None,
        });
        let footer_y = 38.0;
        page.items.push(Item::Line {
            points: vec![(MARGIN_X, footer_y + 11.0), (RIGHT, footer_y + 11.0)],
            width: 0.5,
            color: RULE,
            dashed: false,
            node: None,
        });
        page.items.push(furniture(
            MARGIN_X,
            footer_y,
            7.5,
            Face::Italic,
            MUTED,
            confidential.clone(),
        ));
        let number = format!("Page {} of {total}", i + 1);
        let w = width_of(m, Face::Regular, 7.5, &number);
        page.items.push(furniture(
            RIGHT - w,
            footer_y,
            7.5,
            Face::Regular,
            MUTED,
            number,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::report::{DocumentKind, Section};
    use crate::model::Audience;
    use chrono::{NaiveDate, TimeZone, Utc};

    /// Every character half an em wide; no glyphs outside Latin-1 and a few symbols.
    struct Fixed;
    impl Metrics for Fixed {
        fn advance(&self, _: Face, c: char) -> Option<f32> {
            ((c as u32) < 0x250 || "☐☑•…·".contains(c)).then_some(0.5)
        }
    }

    fn report(sections: Vec<Section>) -> Report {
        Report {
            kind: DocumentKind::SessionNote,
            title: "Title".into(),
            subtitle: String::new(),
            practice: "Practice".into(),
            couple_code: Some("C-1".into()),
            date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            dates: Default::default(),
            made_at: Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap(),
            audience: Audience::Couple,
            facts: vec![],
            sections,
            stamp: None,
        }
    }

    fn texts(laid: &Laid) -> Vec<String> {
        laid.pages
            .iter()
            .flat_map(|p| &p.items)
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn wrap_breaks_at_spaces_and_inside_overlong_words() {
        // 10 points per character at size 20, 100 points wide: ten characters a line.
        let lines = wrap(
            &Fixed,
            Face::Regular,
            20.0,
            "aaa bbb ccc dddddddddddddddddddddd e",
            100.0,
        );
        assert_eq!(
            lines,
            vec!["aaa bbb", "ccc", "dddddddddd", "dddddddddd", "dd e"]
        );
        assert_eq!(
            wrap(&Fixed, Face::Regular, 20.0, "one\n\ntwo", 100.0),
            vec!["one", "", "two"]
        );
    }

    #[test]
    fn every_item_stays_inside_the_page() {
        let mut section = Section::new("Long");
        section.blocks.push(Block::Paragraph("word ".repeat(5_000)));
        section.blocks.push(Block::Paragraph("x".repeat(20_000)));
        let laid = layout(&report(vec![section]), &Fixed, &mut |_| {}).unwrap();
        assert!(laid.pages.len() > 5);
        for page in &laid.pages {
            for item in &page.items {
                if let Item::Text { x, y, .. } = item {
                    assert!((0.0..PAGE_WIDTH).contains(x) && (0.0..PAGE_HEIGHT).contains(y));
                }
            }
        }
        let last = texts(&laid);
        assert!(last.contains(&format!("Page {n} of {n}", n = laid.pages.len())));
    }

    #[test]
    fn table_header_repeats_on_every_page_and_rows_stay_whole() {
        let mut table = Table::new(&[("Left", 1.0), ("Right", 2.0)]);
        for i in 0..200 {
            table.rows.push(vec![
                format!("row {i}"),
                format!("first line {i}\nsecond line {i}"),
            ]);
        }
        let mut section = Section::new("Table");
        section.blocks.push(Block::Table(table));
        let laid = layout(&report(vec![section]), &Fixed, &mut |_| {}).unwrap();
        assert!(laid.pages.len() > 2);
        for (n, page) in laid.pages.iter().enumerate() {
            let on_page: Vec<&str> = page
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Text { text, .. } => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            assert!(
                on_page.contains(&"Left"),
                "header missing on page {}",
                n + 1
            );
            for i in 0..200 {
                let first = format!("first line {i}");
                let second = format!("second line {i}");
                assert_eq!(
                    on_page.contains(&first.as_str()),
                    on_page.contains(&second.as_str()),
                    "row {i} split on page {}",
                    n + 1
                );
            }
        }
    }

    #[test]
    fn a_document_past_the_page_cap_is_refused() {
        let mut section = Section::new("Huge");
        section
            .blocks
            .push(Block::Paragraph("word\n".repeat(60 * MAX_PAGES)));
        let err = layout(&report(vec![section]), &Fixed, &mut |_| {}).unwrap_err();
        assert_eq!(err, LayoutError::TooManyPages { limit: MAX_PAGES });
    }

    #[test]
    fn bookmarks_show_bidi_overrides_as_tags() {
        let laid = layout(
            &report(vec![Section::new("Plan \u{202E}txet")]),
            &Fixed,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(laid.outline[0].title, "Plan [RLO U+202E]txet");
    }

    #[test]
    fn sections_get_bookmarks_in_order() {
        let sections = (1..=12).map(|i| Section::new(format!("S{i}"))).collect();
        let laid = layout(&report(sections), &Fixed, &mut |_| {}).unwrap();
        let names: Vec<&str> = laid.outline.iter().map(|b| b.title.as_str()).collect();
        let want: Vec<String> = (1..=12).map(|i| format!("S{i}")).collect();
        assert_eq!(names, want);
    }
}
