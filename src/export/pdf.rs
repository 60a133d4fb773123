//! The one file that speaks printpdf: the bundled DejaVu fonts, their metrics for layout,
//! and a laid-out document written as a PDF (fonts embedded as subsets, a bookmark per
//! section, document metadata).

use super::layout::{Face, Item, Laid, Metrics, Node, PAGE_HEIGHT, PAGE_WIDTH, Role};
use super::report::Report;
use super::{ExportError, Progress};
use chrono::{DateTime, Datelike, Timelike, Utc};
use printpdf::{
    Color, DictItem, FontId, Line, LineDashPattern, LinePoint, Op, PaintMode, ParsedFont,
    PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
    TextMatrix, TextRenderingMode,
};
use std::sync::OnceLock;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Oblique.ttf");
/// Subsets of Droid Sans Fallback and NanumGothic (scripts/make-cjk-fonts.py).
const CJK: &[u8] = include_bytes!("../../assets/fonts/TandemCJK.ttf");
const HANGUL: &[u8] = include_bytes!("../../assets/fonts/TandemHangul.ttf");

/// Characters whose advances are kept in a table per face (Latin to Arabic): looked up
/// for every character laid out, they are most of the text.
const TABLED: usize = 0x0700;

/// The bundled faces, parsed once per process; the CJK fallbacks only when first needed.
pub struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
    italic: ParsedFont,
    cjk: OnceLock<Option<ParsedFont>>,
    hangul: OnceLock<Option<ParsedFont>>,
    /// Advances of the first `TABLED` characters in the three main faces (`None`: no
    /// glyph).
    table: [Vec<Option<f32>>; 3],
}

fn parse(bytes: &[u8]) -> Option<ParsedFont> {
    ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
}

fn glyph_advance(font: &ParsedFont, c: char) -> Option<f32> {
    let glyph = font.lookup_glyph_index(c as u32).filter(|g| *g != 0)?;
    let units = f32::from(font.font_metrics.units_per_em.max(1));
    Some(f32::from(font.get_horizontal_advance(glyph)) / units)
}

impl Fonts {
    /// The bundled fonts (parsed on first use).
    pub fn bundled() -> Result<&'static Fonts, ExportError> {
        static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                let faces = [parse(REGULAR)?, parse(BOLD)?, parse(ITALIC)?];
                let table = faces.each_ref().map(|font| {
                    (0..TABLED as u32)
                        .map(|u| char::from_u32(u).and_then(|c| glyph_advance(font, c)))
                        .collect()
                });
                let [regular, bold, italic] = faces;
                Some(Fonts {
                    regular,
                    bold,
                    italic,
                    cjk: OnceLock::new(),
                    hangul: OnceLock::new(),
                    table,
                })
            })
            .as_ref()
            .ok_or(ExportError::Font)
    }

    fn face(&self, face: Face) -> Option<&ParsedFont> {
        match face {
            Face::Regular => Some(&self.regular),
            Face::Bold => Some(&self.bold),
            Face::Italic => Some(&self.italic),
            Face::Cjk => self.cjk.get_or_init(|| parse(CJK)).as_ref(),
            Face::Hangul => self.hangul.get_or_init(|| parse(HANGUL)).as_ref(),
        }
    }
}

impl Metrics for Fonts {
    fn advance(&self, face: Face, c: char) -> Option<f32> {
        let tabled = match face {
            Face::Regular => Some(0),
            Face::Bold => Some(1),
            Face::Italic => Some(2),
            Face::Cjk | Face::Hangul => None,
        };
        if let Some(i) = tabled
            && let Some(advance) = self.table[i].get(c as usize)
        {
            return *advance;
        }
        glyph_advance(self.face(face)?, c)
    }

    fn face_for(&self, face: Face, c: char) -> Option<Face> {
        if self.advance(face, c).is_some() {
            return Some(face);
        }
        if face != Face::Regular && self.advance(Face::Regular, c).is_some() {
            return Some(Face::Regular);
        }
        // The CJK fonts are read only for characters of their blocks.
        let fallback = match c {
            '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7AF}' => {
                Face::Hangul
            }
            '\u{2E80}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}' => {
                Face::Cjk
            }
            _ => return None,
        };
        self.advance(fallback, c).map(|_| fallback)
    }
}

fn rgb(c: super::layout::Color) -> Color {
    Color::Rgb(Rgb {
        r: c.0,
        g: c.1,
        b: c.2,
        icc_profile: None,
    })
}

/// A coordinate to a hundredth of a point: finer than any printer, and short to write
/// (a text matrix is written for every line).
fn hundredths(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

fn point(x: f32, y: f32) -> Point {
    Point {
        x: Pt(hundredths(x)),
        y: Pt(hundredths(y)),
    }
}

fn pdf_date(at: DateTime<Utc>) -> printpdf::DateTime {
    use printpdf::date::{Date, Offset, Time};
    printpdf::DateTime {
        date: Date {
            year: at.year(),
            month: u8::try_from(at.month()).unwrap_or(1),
            day: u8::try_from(at.day()).unwrap_or(1),
        },
        time: Time {
            hour: u8::try_from(at.hour()).unwrap_or(0),
            minute: u8::try_from(at.minute()).unwrap_or(0),
            second: u8::try_from(at.second()).unwrap_or(0),
            millisecond: 0,
        },
        offset: Offset {
            hours: 0,
            minutes: 0,
            seconds: 0,
            milliseconds: 0,
        },
    }
}

/// The standard structure type of a layout role (ISO 32000, 14.8.4).
fn structure_type(role: Role) -> &'static str {
    match role {
        Role::Title => "H1",
        Role::Section => "Sect",
        Role::Heading => "H2",
        Role::Subheading => "H3",
        Role::Paragraph | Role::Prompt => "P",
        Role::Quote => "BlockQuote",
        Role::List => "L",
        Role::ListItem => "LI",
        Role::Label => "Lbl",
        Role::ListBody => "LBody",
        Role::Table => "Table",
        Role::Row => "TR",
        Role::HeaderCell => "TH",
        Role::Cell => "TD",
        Role::Figure => "Figure",
    }
}

/// Marked content: a structure element's (with the next MCID of the page, recorded for
/// the structure tree) or an artifact's.
struct Marks {
    /// For each page, the structure element of each MCID in order.
    pages: Vec<Vec<usize>>,
}

impl Marks {
    fn begin(&mut self, ops: &mut Vec<Op>, node: Option<usize>, nodes: &[Node]) {
        match node.and_then(|n| nodes.get(n).map(|node| (n, node))) {
            Some((n, node)) => {
                let Some(page) = self.pages.last_mut() else {
                    return;
                };
                let mcid = page.len();
                page.push(n);
                let mut map = std::collections::BTreeMap::new();
                map.insert("MCID".to_string(), DictItem::Int(mcid as i64));
                ops.push(Op::BeginMarkedContentWithProperties {
                    tag: structure_type(node.role).to_string(),
                    properties: DictItem::Dict { map },
                });
            }
            None => ops.push(Op::BeginMarkedContent {
                tag: "Artifact".into(),
            }),
        }
    }
}

/// Write a laid-out report as PDF bytes: tagged (a structure tree over marked content,
/// page furniture as artifacts), in English, its title shown in the viewer's window, XMP
/// metadata, and an outline open beside the pages whose entries go to their headings.
pub fn write(
    report: &Report,
    laid: &Laid,
    fonts: &Fonts,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>, ExportError> {
    let mut doc = PdfDocument::new("");
    // Every face the pages draw with, the CJK fallbacks only when used.
    let mut used: Vec<Face> = vec![Face::Regular, Face::Bold, Face::Italic];
    for item in laid.pages.iter().flat_map(|p| &p.items) {
        if let Item::Text { face, .. } = item
            && !used.contains(face)
        {
            used.push(*face);
        }
    }
    let mut ids: Vec<(Face, FontId)> = Vec::with_capacity(used.len());
    for face in used {
        let font = fonts.face(face).ok_or(ExportError::Font)?;
        ids.push((face, doc.add_font(font)));
    }
    let font_id = |face: Face| {
        ids.iter()
            .find(|(f, _)| *f == face)
            .map(|(_, id)| id.clone())
    };
    let total = laid.pages.len();
    let mut pages = Vec::with_capacity(total);
    let mut marks = Marks {
        pages: Vec::with_capacity(total),
    };
    for (n, page) in laid.pages.iter().enumerate() {
        progress(Progress::Writing {
            page: n + 1,
            of: total,
        });
        marks.pages.push(Vec::new());
        let mut ops = Vec::with_capacity(page.items.len() * 5);
        // Consecutive text shares one text object; font and colour are set only when they
        // change, and each line is placed with an absolute text matrix.
        let mut in_text = false;
        let mut font_now: Option<(Face, f32)> = None;
        let mut fill_now: Option<super::layout::Color> = None;
        let mut set_fill = |ops: &mut Vec<Op>, color: super::layout::Color| {
            if fill_now != Some(color) {
                ops.push(Op::SetFillColor { col: rgb(color) });
                fill_now = Some(color);
            }
        };
        // The marked-content sequence open now: whose (a structure element, or `None`
        // for an artifact), and whether it began inside a text object (where it must end).
        // Consecutive items of one element share it, so a paragraph's lines on a page are
        // one sequence.
        let mut open: Option<(Option<usize>, bool)> = None;
        for item in &page.items {
            let is_text = matches!(item, Item::Text { .. });
            let node = match item {
                Item::Text { node, .. } | Item::Line { node, .. } | Item::Fill { node, .. } => {
                    *node
                }
            };
            if open.is_some_and(|(n, inside)| n != node || inside != is_text) {
                ops.push(Op::EndMarkedContent);
                open = None;
            }
            if in_text && !is_text {
                ops.push(Op::EndTextSection);
                in_text = false;
            }
            if is_text && !in_text {
                ops.push(Op::StartTextSection);
                in_text = true;
                font_now = None;
            }
            if open.is_none() {
                marks.begin(&mut ops, node, &laid.nodes);
                open = Some((node, is_text));
            }
            match item {
                Item::Text {
                    x,
                    y,
                    size,
                    face,
                    color,
                    text,
                    hidden,
                    node: _,
                } => {
                    if font_now != Some((*face, *size)) {
                        let Some(font) = font_id(*face) else {
                            return Err(ExportError::Font);
                        };
                        ops.push(Op::SetFont {
                            font: PdfFontHandle::External(font),
                            size: Pt(*size),
                        });
                        font_now = Some((*face, *size));
                    }
                    set_fill(&mut ops, *color);
                    ops.push(Op::SetTextMatrix {
                        matrix: TextMatrix::Translate(Pt(hundredths(*x)), Pt(hundredths(*y))),
                    });
                    if *hidden {
                        ops.push(Op::SetTextRenderingMode {
                            mode: TextRenderingMode::Invisible,
                        });
                    }
                    ops.push(Op::ShowText {
                        items: vec![TextItem::Text(text.clone())],
                    });
                    if *hidden {
                        ops.push(Op::SetTextRenderingMode {
                            mode: TextRenderingMode::Fill,
                        });
                    }
                }
                Item::Line {
                    points,
                    width,
                    color,
                    dashed,
                    node: _,
                } => {
                    let dash = if *dashed {
                        LineDashPattern::new(0.0, &[4.0, 2.5])
                    } else {
                        LineDashPattern::default()
                    };
                    ops.extend([
                        Op::SetOutlineColor { col: rgb(*color) },
                        Op::SetOutlineThickness { pt: Pt(*width) },
                        Op::SetLineDashPattern { dash },
                        Op::DrawLine {
                            line: Line {
                                points: points
                                    .iter()
                                    .map(|(x, y)| LinePoint {
                                        p: point(*x, *y),
                                        bezier: false,
                                    })
                                    .collect(),
                                is_closed: false,
                            },
                        },
                    ]);
                }
                Item::Fill {
                    x,
                    y,
                    w,
                    h,
                    color,
                    node: _,
                } => {
                    set_fill(&mut ops, *color);
                    ops.push(Op::DrawRectangle {
                        rectangle: Rect {
                            x: Pt(*x),
                            y: Pt(*y),
                            width: Pt(*w),
                            height: Pt(*h),
                            mode: Some(PaintMode::Fill),
                            winding_order: None,
                        },
                    });
                }
            }
        }
        if open.is_some() {
            ops.push(Op::EndMarkedContent);
        }
        if in_text {
            ops.push(Op::EndTextSection);
        }
        pages.push(PdfPage::new(
            Pt(PAGE_WIDTH).into(),
            Pt(PAGE_HEIGHT).into(),
            ops,
        ));
    }
    doc.with_pages(pages);
    // Document properties are shown by the viewer: invisible characters tagged there too.
    let shown = |text: &str| super::text::visible(text, |_| true).replace('\n', " ");
    let title = shown(&report.title);
    let author = shown(&report.practice);
    let subject = shown(&format!(
        "{} · made for {}",
        report.subtitle,
        report.audience.reader()
    ));
    let keywords = vec![
        report.kind.name().to_string(),
        format!("audience: {}", report.audience.name()),
    ];
    let info = &mut doc.metadata.info;
    info.document_title = title.clone();
    info.author = author.clone();
    info.subject = subject.clone();
    info.creator = "Tandem".into();
    info.producer = format!("Tandem {}", env!("CARGO_PKG_VERSION"));
    info.keywords = keywords.clone();
    info.creation_date = pdf_date(report.made_at);
    info.modification_date = pdf_date(report.made_at);
    info.metadata_date = pdf_date(report.made_at);
    progress(Progress::Saving);
    // printpdf compresses at zlib's slowest level; the same streams at level 6 come out
    // about 5% larger in well under half the time, so compress them here.
    let options = PdfSaveOptions {
        subset_fonts: true,
        optimize: false,
        ..Default::default()
    };
    let mut lo = doc.to_lopdf_document(&options, &mut Vec::new());
    lo.version = "1.7".into();
    letters_for_joined_forms(&mut lo);
    let page_ids: Vec<lopdf::ObjectId> = lo.get_pages().into_values().collect();
    structure_tree(&mut lo, &page_ids, &laid.nodes, &marks.pages)?;
    outline(&mut lo, &page_ids, laid)?;
    let xmp = Xmp {
        title: &title,
        author: &author,
        subject: &subject,
        keywords: &keywords.join(", "),
        made_at: report.made_at,
    };
    finish_catalog(&mut lo, &xmp)?;
    compress_streams(&mut lo)?;
    // The structure tree is thousands of small objects: packed into compressed object
    // streams (PDF 1.5), with a cross-reference stream.
    let save = lopdf::SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .compression_level(6)
        .build();
    let mut bytes = Vec::new();
    lo.save_with_options(&mut bytes, save)
        .map_err(|_| ExportError::Write)?;
    Ok(bytes)
}

/// Make the glyphs of joined Arabic letters (presentation forms, drawn by `layout`) copy
/// out as the letters themselves: each font's ToUnicode map gives the letter (or, for a
/// lam-alef ligature, the two letters) instead of the form, as NFKC does. Readers then
/// put right-to-left text in logical order as they do any other.
fn letters_for_joined_forms(lo: &mut lopdf::Document) {
    use unicode_normalization::UnicodeNormalization;
    let is_form = |u: u32| (0xFB50..=0xFDFF).contains(&u) || (0xFE70..=0xFEFF).contains(&u);
    for object in lo.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.content.windows(11).any(|w| w == b"beginbfchar") {
            continue;
        }
        let Ok(text) = std::str::from_utf8(&stream.content) else {
            continue;
        };
        let mut changed = false;
        let mapped: Vec<String> = text
            .lines()
            .map(|line| {
                let mut parts = line.split(' ');
                let (Some(glyph), Some(target), None) = (parts.next(), parts.next(), parts.next())
                else {
                    return line.to_string();
                };
                let hex = target.trim_start_matches('<').trim_end_matches('>');
                let Some(c) = u32::from_str_radix(hex, 16)
                    .ok()
                    .filter(|u| hex.len() == 4 && is_form(*u))
                    .and_then(char::from_u32)
                else {
                    return line.to_string();
                };
                changed = true;
                // A ligature's letters in drawing order (right to left, as its glyph is
                // drawn among the others), so that a reader putting the run back in
                // logical order puts them back too.
                let mut letters: Vec<char> = c.to_string().nfkc().collect();
                letters.reverse();
                let letters: String = letters
                    .into_iter()
                    .flat_map(|l| {
                        let mut units = [0u16; 2];
                        l.encode_utf16(&mut units)
                            .iter()
                            .map(|u| format!("{u:04X}"))
                            .collect::<Vec<_>>()
                    })
                    .collect();
                format!("{glyph} <{letters}>")
            })
            .collect();
        if changed {
            stream.set_content(mapped.join("\n").into_bytes());
        }
    }
}

/// A UTF-16BE text string with its byte-order mark, as PDF text strings are written.
fn text_string(text: &str) -> lopdf::Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend(unit.to_be_bytes());
    }
    lopdf::Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}

/// The structure tree: a Document element holding the layout's elements in reading order,
/// each leaf pointing at its marked content; the parent tree that leads back from marked
/// content to elements; each page's reference into it.
fn structure_tree(
    lo: &mut lopdf::Document,
    page_ids: &[lopdf::ObjectId],
    nodes: &[Node],
    marks: &[Vec<usize>],
) -> Result<(), ExportError> {
    use lopdf::{Dictionary, Object};
    let root_id = lo.new_object_id();
    let document_id = lo.new_object_id();
    let elem_ids: Vec<lopdf::ObjectId> = nodes.iter().map(|_| lo.new_object_id()).collect();
    // Each element's kids in document order: its marked content, then its child elements
    // (a layout element holds either, so the order is the page's).
    let mut kids: Vec<Vec<Object>> = vec![Vec::new(); nodes.len()];
    let mut first_page: Vec<Option<lopdf::ObjectId>> = vec![None; nodes.len()];
    for (page, mcids) in marks.iter().enumerate() {
        let Some(page_id) = page_ids.get(page) else {
            return Err(ExportError::Write);
        };
        for (mcid, node) in mcids.iter().enumerate() {
            // On the element's own page (its first) an MCID stands alone; on a later page
            // it says which page.
            let own = *first_page[*node].get_or_insert(*page_id);
            if own == *page_id {
                kids[*node].push(Object::Integer(mcid as i64));
            } else {
                let mut mcr = Dictionary::new();
                mcr.set("Type", Object::Name(b"MCR".to_vec()));
                mcr.set("Pg", Object::Reference(*page_id));
                mcr.set("MCID", Object::Integer(mcid as i64));
                kids[*node].push(Object::Dictionary(mcr));
            }
        }
    }
    let mut top = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        match node.parent {
            Some(parent) if parent < i => kids[parent].push(Object::Reference(elem_ids[i])),
            _ => top.push(Object::Reference(elem_ids[i])),
        }
    }
    for (i, node) in nodes.iter().enumerate() {
        let mut elem = Dictionary::new();
        elem.set("Type", Object::Name(b"StructElem".to_vec()));
        elem.set(
            "S",
            Object::Name(structure_type(node.role).as_bytes().to_vec()),
        );
        let parent = match node.parent {
            Some(p) if p < i => elem_ids[p],
            _ => document_id,
        };
        elem.set("P", Object::Reference(parent));
        if let Some(page) = first_page[i] {
            elem.set("Pg", Object::Reference(page));
        }
        if let Some(alt) = &node.alt {
            elem.set("Alt", text_string(alt));
        }
        if node.role == Role::HeaderCell {
            let mut attributes = Dictionary::new();
            attributes.set("O", Object::Name(b"Table".to_vec()));
            attributes.set("Scope", Object::Name(b"Row".to_vec()));
            elem.set("A", Object::Dictionary(attributes));
        }
        elem.set("K", Object::Array(std::mem::take(&mut kids[i])));
        lo.objects.insert(elem_ids[i], Object::Dictionary(elem));
    }
    let mut document = Dictionary::new();
    document.set("Type", Object::Name(b"StructElem".to_vec()));
    document.set("S", Object::Name(b"Document".to_vec()));
    document.set("P", Object::Reference(root_id));
    document.set("K", Object::Array(top));
    lo.objects.insert(document_id, Object::Dictionary(document));
    let mut nums = Vec::with_capacity(marks.len() * 2);
    for (page, mcids) in marks.iter().enumerate() {
        nums.push(Object::Integer(page as i64));
        nums.push(Object::Array(
            mcids
                .iter()
                .map(|n| Object::Reference(elem_ids[*n]))
                .collect(),
        ));
        let Some(page_id) = page_ids.get(page) else {
            return Err(ExportError::Write);
        };
        let Ok(Object::Dictionary(dict)) = lo.get_object_mut(*page_id) else {
            return Err(ExportError::Write);
        };
        dict.set("StructParents", Object::Integer(page as i64));
        dict.set("Tabs", Object::Name(b"S".to_vec()));
    }
    let mut parent_tree = Dictionary::new();
    parent_tree.set("Nums", Object::Array(nums));
    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"StructTreeRoot".to_vec()));
    root.set("K", Object::Reference(document_id));
    root.set("ParentTree", Object::Dictionary(parent_tree));
    root.set("ParentTreeNextKey", Object::Integer(marks.len() as i64));
    lo.objects.insert(root_id, Object::Dictionary(root));
    let catalog = lo.catalog_mut().map_err(|_| ExportError::Write)?;
    catalog.set("StructTreeRoot", Object::Reference(root_id));
    let mut mark_info = Dictionary::new();
    mark_info.set("Marked", Object::Boolean(true));
    catalog.set("MarkInfo", Object::Dictionary(mark_info));
    Ok(())
}

/// The outline: one entry per section in order, each going to its heading on its page,
/// shown when the file opens.
fn outline(
    lo: &mut lopdf::Document,
    page_ids: &[lopdf::ObjectId],
    laid: &Laid,
) -> Result<(), ExportError> {
    use lopdf::{Dictionary, Object};
    if laid.outline.is_empty() {
        return Ok(());
    }
    let outlines_id = lo.new_object_id();
    let item_ids: Vec<lopdf::ObjectId> = laid.outline.iter().map(|_| lo.new_object_id()).collect();
    for (i, mark) in laid.outline.iter().enumerate() {
        let Some(page) = page_ids.get(mark.page.saturating_sub(1)) else {
            return Err(ExportError::Write);
        };
        let mut item = Dictionary::new();
        item.set("Title", text_string(&mark.title));
        item.set("Parent", Object::Reference(outlines_id));
        item.set(
            "Dest",
            Object::Array(vec![
                Object::Reference(*page),
                Object::Name(b"XYZ".to_vec()),
                Object::Null,
                Object::Real(mark.top),
                Object::Null,
            ]),
        );
        if i > 0 {
            item.set("Prev", Object::Reference(item_ids[i - 1]));
        }
        if let Some(next) = item_ids.get(i + 1) {
            item.set("Next", Object::Reference(*next));
        }
        lo.objects.insert(item_ids[i], Object::Dictionary(item));
    }
    let mut outlines = Dictionary::new();
    outlines.set("Type", Object::Name(b"Outlines".to_vec()));
    outlines.set("First", Object::Reference(item_ids[0]));
    outlines.set("Last", Object::Reference(item_ids[item_ids.len() - 1]));
    outlines.set("Count", Object::Integer(item_ids.len() as i64));
    lo.objects.insert(outlines_id, Object::Dictionary(outlines));
    let catalog = lo.catalog_mut().map_err(|_| ExportError::Write)?;
    catalog.set("Outlines", Object::Reference(outlines_id));
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    Ok(())
}

/// What the XMP metadata says of the document.
struct Xmp<'a> {
    title: &'a str,
    author: &'a str,
    subject: &'a str,
    keywords: &'a str,
    made_at: DateTime<Utc>,
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot hold (already tagged visibly in the text).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

impl Xmp<'_> {
    fn packet(&self) -> String {
        let when = self.made_at.format("%Y-%m-%dT%H:%M:%SZ");
        format!(
            concat!(
                "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n",
                "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n",
                "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n",
                "<rdf:Description rdf:about=\"\"\n",
                " xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n",
                " xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n",
                " xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n",
                "<dc:format>application/pdf</dc:format>\n",
                "<dc:language><rdf:Bag><rdf:li>en</rdf:li></rdf:Bag></dc:language>\n",
                "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n",
                "<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>\n",
                "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{subject}</rdf:li></rdf:Alt></dc:description>\n",
                "<xmp:CreatorTool>Tandem</xmp:CreatorTool>\n",
                "<xmp:CreateDate>{when}</xmp:CreateDate>\n",
                "<xmp:ModifyDate>{when}</xmp:ModifyDate>\n",
                "<xmp:MetadataDate>{when}</xmp:MetadataDate>\n",
                "<pdf:Producer>Tandem {version}</pdf:Producer>\n",
                "<pdf:Keywords>{keywords}</pdf:Keywords>\n",
                "</rdf:Description>\n",
                "</rdf:RDF>\n",
                "</x:xmpmeta>\n",
                "<?xpacket end=\"r\"?>"
            ),
            title = xml_escape(self.title),
            author = xml_escape(self.author),
            subject = xml_escape(self.subject),
            keywords = xml_escape(self.keywords),
            when = when,
            version = env!("CARGO_PKG_VERSION"),
        )
    }
}

/// The document's language, its title in the viewer's window, the XMP metadata, and no
/// empty PDF/X field in the document information.
fn finish_catalog(lo: &mut lopdf::Document, xmp: &Xmp) -> Result<(), ExportError> {
    use lopdf::{Dictionary, Object, Stream};
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"Metadata".to_vec()));
    dict.set("Subtype", Object::Name(b"XML".to_vec()));
    let mut stream = Stream::new(dict, xmp.packet().into_bytes());
    // Left uncompressed, as archiving tools expect to find it.
    stream.allows_compression = false;
    let metadata_id = lo.add_object(stream);
    let catalog = lo.catalog_mut().map_err(|_| ExportError::Write)?;
    catalog.set("Lang", Object::string_literal("en"));
    let mut preferences = Dictionary::new();
    preferences.set("DisplayDocTitle", Object::Boolean(true));
    catalog.set("ViewerPreferences", Object::Dictionary(preferences));
    catalog.set("Metadata", Object::Reference(metadata_id));
    if let Ok(Object::Reference(info_id)) = lo.trailer.get(b"Info").cloned()
        && let Ok(Object::Dictionary(info)) = lo.get_object_mut(info_id)
    {
        info.remove(b"GTS_PDFXVersion");
        if matches!(info.get(b"Identifier"), Ok(Object::String(s, _)) if s.is_empty()) {
            info.remove(b"Identifier");
        }
    }
    Ok(())
}

/// Deflate every stream that allows it and is not filtered yet, as printpdf's `optimize`
/// does, but at zlib level 6 and on every core.
fn compress_streams(doc: &mut lopdf::Document) -> Result<(), ExportError> {
    let mut streams: Vec<&mut lopdf::Stream> = doc
        .objects
        .values_mut()
        .filter_map(|object| match object {
            lopdf::Object::Stream(s) if s.allows_compression && s.dict.get(b"Filter").is_err() => {
                Some(s)
            }
            _ => None,
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = streams.len().div_ceil(threads).max(1);
    let results: Vec<Result<(), ExportError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = streams
            .chunks_mut(chunk)
            .map(|part| {
                scope.spawn(move || {
                    for stream in part.iter_mut() {
                        deflate(stream)?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or(Err(ExportError::Write)))
            .collect()
    });
    results.into_iter().collect()
}

fn deflate(stream: &mut lopdf::Stream) -> Result<(), ExportError> {
    use std::io::Write as _;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder
        .write_all(&stream.content)
        .map_err(|_| ExportError::Write)?;
    let compressed = encoder.finish().map_err(|_| ExportError::Write)?;
    if compressed.len() + 19 < stream.content.len() {
        stream.dict.set("Filter", "FlateDecode");
        stream.set_content(compressed);
    }
    Ok(())
}
