//! The one file that speaks printpdf: the bundled DejaVu fonts, their metrics for layout,
//! and a laid-out document written as a PDF (fonts embedded as subsets, a bookmark per
//! section, document metadata).

use super::layout::{Face, Item, Laid, Metrics, PAGE_HEIGHT, PAGE_WIDTH};
use super::report::Report;
use super::{ExportError, Progress};
use chrono::{DateTime, Datelike, Timelike, Utc};
use printpdf::{
    Color, FontId, Line, LineDashPattern, LinePoint, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem, TextMatrix,
};
use std::sync::OnceLock;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Oblique.ttf");

/// The bundled faces, parsed once per process.
pub struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
    italic: ParsedFont,
}

impl Fonts {
    /// The bundled fonts (parsed on first use).
    pub fn bundled() -> Result<&'static Fonts, ExportError> {
        static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                let parse = |bytes: &[u8]| ParsedFont::from_bytes(bytes, 0, &mut Vec::new());
                Some(Fonts {
                    regular: parse(REGULAR)?,
                    bold: parse(BOLD)?,
                    italic: parse(ITALIC)?,
                })
            })
            .as_ref()
            .ok_or(ExportError::Font)
    }

    fn face(&self, face: Face) -> &ParsedFont {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
            Face::Italic => &self.italic,
        }
    }
}

impl Metrics for Fonts {
    fn advance(&self, face: Face, c: char) -> Option<f32> {
        let font = self.face(face);
        let glyph = font.lookup_glyph_index(c as u32).filter(|g| *g != 0)?;
        let units = f32::from(font.font_metrics.units_per_em.max(1));
        Some(f32::from(font.get_horizontal_advance(glyph)) / units)
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

fn point(x: f32, y: f32) -> Point {
    Point { x: Pt(x), y: Pt(y) }
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

/// Write a laid-out report as PDF bytes.
pub fn write(
    report: &Report,
    laid: &Laid,
    fonts: &Fonts,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>, ExportError> {
    let mut doc = PdfDocument::new("");
    let ids: [(Face, FontId); 3] = [
        (Face::Regular, doc.add_font(&fonts.regular)),
        (Face::Bold, doc.add_font(&fonts.bold)),
        (Face::Italic, doc.add_font(&fonts.italic)),
    ];
    let font_id = |face: Face| {
        ids.iter()
            .find(|(f, _)| *f == face)
            .map(|(_, id)| id.clone())
    };
    let total = laid.pages.len();
    let mut pages = Vec::with_capacity(total);
    for (n, page) in laid.pages.iter().enumerate() {
        progress(Progress::Writing {
            page: n + 1,
            of: total,
        });
        let mut ops = Vec::with_capacity(page.items.len() * 3);
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
        for item in &page.items {
            let is_text = matches!(item, Item::Text { .. });
            if in_text && !is_text {
                ops.push(Op::EndTextSection);
                in_text = false;
            }
            match item {
                Item::Text {
                    x,
                    y,
                    size,
                    face,
                    color,
                    text,
                } => {
                    if !in_text {
                        ops.push(Op::StartTextSection);
                        in_text = true;
                        font_now = None;
                    }
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
                        matrix: TextMatrix::Translate(Pt(*x), Pt(*y)),
                    });
                    ops.push(Op::ShowText {
                        items: vec![TextItem::Text(text.clone())],
                    });
                }
                Item::Line {
                    points,
                    width,
                    color,
                    dashed,
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
                Item::Fill { x, y, w, h, color } => {
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
    for (title, page) in &laid.outline {
        doc.add_bookmark(title, *page);
    }
    // Document properties are shown by the viewer: invisible characters tagged there too.
    let shown = |text: &str| super::text::visible(text, |_| true).replace('\n', " ");
    let info = &mut doc.metadata.info;
    info.document_title = shown(&report.title);
    info.author = shown(&report.practice);
    info.subject = shown(&format!(
        "{} · made for {}",
        report.subtitle,
        report.audience.reader()
    ));
    info.creator = "Tandem".into();
    info.producer = format!("Tandem {}", env!("CARGO_PKG_VERSION"));
    info.keywords = vec![
        report.kind.name().to_string(),
        format!("audience: {}", report.audience.name()),
    ];
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
    compress_streams(&mut lo)?;
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes).map_err(|_| ExportError::Write)?;
    Ok(bytes)
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
