//! A document as content only: title, facts, sections and blocks of text, tables, ticks,
//! write-in lines and charts. No positions, fonts or pages: `layout` decides those, and
//! `pdf` draws them. Text here is as recorded (untrusted); `layout` makes it safe to draw.

use crate::model::Audience;
use chrono::{DateTime, NaiveDate, Utc};

/// Which document a report is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    SessionNote,
    BlankWorksheet,
    FilledWorksheet,
    Plan,
    Letters,
    Progress,
    /// A session's progress note (SOAP, DAP or BIRP), the clinician's record.
    ClinicalNote,
    /// A couple's process notes, exported only on the clinician's explicit request.
    ProcessNotes,
}

impl DocumentKind {
    /// The name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::SessionNote => "note",
            DocumentKind::BlankWorksheet => "blank-worksheet",
            DocumentKind::FilledWorksheet => "worksheet",
            DocumentKind::Plan => "plan",
            DocumentKind::Letters => "letters",
            DocumentKind::Progress => "progress",
            DocumentKind::ClinicalNote => "clinical-note",
            DocumentKind::ProcessNotes => "process-notes",
        }
    }
}

/// A whole document.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub kind: DocumentKind,
    pub title: String,
    pub subtitle: String,
    /// The practice's name, for the header of every page.
    pub practice: String,
    /// The couple's code (never names) for the header of every page.
    pub couple_code: Option<String>,
    /// The date in the header: the session's, or the day the report was made.
    pub date: NaiveDate,
    /// How the document writes dates (the practice's setting).
    pub dates: crate::model::DateStyle,
    /// When the report was made (the clock passed in, never read here).
    pub made_at: DateTime<Utc>,
    pub audience: Audience,
    /// Facts under the title: couple, protocol, date, who it is for.
    pub facts: Vec<(String, String)>,
    pub sections: Vec<Section>,
    /// A mark drawn on every page (in the header's centre and above the footer), e.g.
    /// "DRAFT" on a progress note not yet signed. `None` on most documents.
    pub stamp: Option<String>,
}

/// A part of the document with its own heading and bookmark.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
    /// Start the section on a new page rather than split it, when it fits on one.
    pub keep_together: bool,
    /// Who may read what the section holds, when it is not everyone the document is for:
    /// printed as a label under the heading, the section shaded (the clinician's record).
    pub mark: Option<Mark>,
}

/// A section's reach, marked on the clinician's copy so that no one reads a private entry
/// aloud by mistake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub kind: MarkKind,
    /// The label under the heading, e.g. "Private to each partner".
    pub label: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// Each partner's own entries, seen by them and the therapist.
    Private,
    /// The therapist's only.
    TherapistOnly,
}

impl Section {
    pub fn new(title: impl Into<String>) -> Section {
        Section {
            title: title.into(),
            blocks: Vec::new(),
            keep_together: false,
            mark: None,
        }
    }
}

/// One piece of content.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A heading inside a section, kept with what follows it.
    Heading(String),
    /// Running text; a line break in the text starts a new line.
    Paragraph(String),
    /// Text asking something of the reader (a worksheet's prompt), kept on the page with
    /// the start of what follows it.
    Prompt(String),
    /// A quieter aside (status lines, "not part of this document").
    Note(String),
    /// Label and value pairs, labels in a column of their own.
    Fields(Vec<(String, String)>),
    /// Words someone said or wrote, under their name.
    Said {
        who: String,
        text: String,
    },
    Bullets(Vec<String>),
    /// Tick boxes, ticked or not.
    Checks(Vec<(bool, String)>),
    /// An answer scale to tick on paper: one box per point with its words under it, all on
    /// one line, and the words for the two ends (if any) under the first and last.
    Scale {
        points: Vec<String>,
        low: String,
        high: String,
    },
    /// Ruled lines to write on, under a label.
    WriteIn {
        label: String,
        lines: u32,
    },
    Table(Table),
    Chart(Chart),
}

/// A table whose rows are never split across pages (unless one row is taller than a
/// page) and whose header repeats on every page it runs onto.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// Each row at least this many lines tall (room to write in on blank worksheets).
    pub min_row_lines: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub title: String,
    /// Share of the table's width, relative to the other columns.
    pub width: f32,
}

impl Table {
    /// A table with these column titles and relative widths.
    pub fn new(columns: &[(&str, f32)]) -> Table {
        Table {
            columns: columns
                .iter()
                .map(|(title, width)| Column {
                    title: (*title).to_string(),
                    width: *width,
                })
                .collect(),
            rows: Vec::new(),
            min_row_lines: 1,
        }
    }
}

/// A line chart of values over sessions, one line per series.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub title: String,
    pub y_min: f32,
    pub y_max: f32,
    /// One label per point along the x axis (session dates).
    pub x_labels: Vec<String>,
    /// Where each point sits along the axis, 0 to 1 (by date); empty for even spacing.
    pub x_at: Vec<f32>,
    pub series: Vec<Series>,
    /// A horizontal reference line and its label (e.g. a scale's distress cutoff).
    pub cutoff: Option<(f32, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    /// One value per x label; `None` where this series has no value.
    pub values: Vec<Option<f32>>,
}

impl Report {
    /// Every piece of text in the report, in reading order, one item per line: what a
    /// reader of the PDF must find in it (the tests check that layout drops nothing).
    pub fn plain_text(&self) -> String {
        let mut out = Vec::new();
        out.push(self.title.clone());
        if !self.subtitle.is_empty() {
            out.push(self.subtitle.clone());
        }
        for (label, value) in &self.facts {
            out.push(format!("{label}: {value}"));
        }
        for section in &self.sections {
            out.push(section.title.clone());
            if let Some(mark) = &section.mark {
                out.push(mark.label.clone());
            }
            for block in &section.blocks {
                block_text(block, &mut out);
            }
        }
        out.join("\n")
    }

    /// The same content as a standalone HTML page (for converting with another tool, to
    /// compare; never used for Tandem's own PDFs).
    pub fn to_html(&self) -> String {
        let mut h = String::new();
        h.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
        h.push_str(&escape(&self.title));
        h.push_str("</title><style>body{font-family:'DejaVu Sans',sans-serif;font-size:10.5pt} table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ccc;text-align:left;vertical-align:top;padding:3px} th{background:#eee} .note{color:#555;font-style:italic}</style></head><body>\n");
        h.push_str(&format!(
            "<p>{} · {} · {}</p>\n",
            escape(&self.practice),
            escape(self.couple_code.as_deref().unwrap_or("")),
            self.date
        ));
        h.push_str(&format!("<h1>{}</h1>\n", escape(&self.title)));
        if !self.subtitle.is_empty() {
            h.push_str(&format!("<h2>{}</h2>\n", escape(&self.subtitle)));
        }
        h.push_str("<table>");
        for (label, value) in &self.facts {
            h.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(label),
                escape(value)
            ));
        }
        h.push_str("</table>\n");
        for section in &self.sections {
            h.push_str(&format!("<h2>{}</h2>\n", escape(&section.title)));
            if let Some(mark) = &section.mark {
                h.push_str(&format!("<p><b>{}</b></p>\n", escape(&mark.label)));
            }
            for block in &section.blocks {
                block_html(block, &mut h);
            }
        }
        h.push_str("</body></html>\n");
        h
    }
}

fn block_text(block: &Block, out: &mut Vec<String>) {
    match block {
        Block::Heading(t) | Block::Paragraph(t) | Block::Prompt(t) | Block::Note(t) => {
            out.push(t.clone())
        }
        Block::Fields(fields) => {
            out.extend(fields.iter().map(|(l, v)| format!("{l}: {v}")));
        }
        Block::Said { who, text } => out.push(format!("{who}: {text}")),
        Block::Bullets(items) => out.extend(items.iter().map(|i| format!("• {i}"))),
        Block::Checks(items) => out.extend(
            items
                .iter()
                .map(|(ticked, t)| format!("{} {t}", check_mark(*ticked))),
        ),
        Block::Scale { points, low, high } => {
            out.push(
                points
                    .iter()
                    .map(|o| format!("{} {o}", check_mark(false)))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
            if !low.is_empty() || !high.is_empty() {
                out.push(format!("{low} {high}"));
            }
        }
        Block::WriteIn { label, .. } => out.push(label.clone()),
        Block::Table(table) => {
            out.push(
                table
                    .columns
                    .iter()
                    .map(|c| c.title.as_str())
                    .collect::<Vec<_>>()
                    .join(" | "),
            );
            out.extend(table.rows.iter().map(|r| r.join(" | ")));
        }
        Block::Chart(chart) => {
            out.push(chart.title.clone());
            out.extend(chart.series.iter().map(|s| s.name.clone()));
        }
    }
}

fn block_html(block: &Block, h: &mut String) {
    let para = |text: &str| escape(text).replace('\n', "<br>");
    match block {
        Block::Heading(t) => h.push_str(&format!("<h3>{}</h3>\n", escape(t))),
        Block::Paragraph(t) | Block::Prompt(t) => h.push_str(&format!("<p>{}</p>\n", para(t))),
        Block::Note(t) => h.push_str(&format!("<p class=\"note\">{}</p>\n", para(t))),
        Block::Fields(fields) => {
            h.push_str("<table>");
            for (l, v) in fields {
                h.push_str(&format!(
                    "<tr><th>{}</th><td>{}</td></tr>",
                    escape(l),
                    para(v)
                ));
            }
            h.push_str("</table>\n");
        }
        Block::Said { who, text } => {
            h.push_str(&format!("<p><b>{}</b> {}</p>\n", escape(who), para(text)));
        }
        Block::Bullets(items) => {
            h.push_str("<ul>");
            for i in items {
                h.push_str(&format!("<li>{}</li>", para(i)));
            }
            h.push_str("</ul>\n");
        }
        Block::Checks(items) => {
            for (ticked, t) in items {
                h.push_str(&format!("<p>{} {}</p>\n", check_mark(*ticked), para(t)));
            }
        }
        Block::Scale { points, low, high } => {
            h.push_str("<table><tr>");
            for o in points {
                h.push_str(&format!("<td>{} {}</td>", check_mark(false), escape(o)));
            }
            h.push_str(&format!(
                "</tr></table><p>{} … {}</p>\n",
                escape(low),
                escape(high)
            ));
        }
        Block::WriteIn { label, lines } => {
            h.push_str(&format!("<p>{}</p>", escape(label)));
            for _ in 0..*lines {
                h.push_str("<hr>");
            }
            h.push('\n');
        }
        Block::Table(table) => {
            h.push_str("<table><tr>");
            for c in &table.columns {
                h.push_str(&format!("<th>{}</th>", escape(&c.title)));
            }
            h.push_str("</tr>");
            for row in &table.rows {
                h.push_str("<tr>");
                for cell in row {
                    h.push_str(&format!("<td>{}</td>", para(cell)));
                }
                h.push_str("</tr>");
            }
            h.push_str("</table>\n");
        }
        Block::Chart(chart) => {
            h.push_str(&format!(
                "<h3>{}</h3><table><tr><th></th>",
                escape(&chart.title)
            ));
            for x in &chart.x_labels {
                h.push_str(&format!("<th>{}</th>", escape(x)));
            }
            h.push_str("</tr>");
            for s in &chart.series {
                h.push_str(&format!("<tr><th>{}</th>", escape(&s.name)));
                for v in &s.values {
                    h.push_str(&format!(
                        "<td>{}</td>",
                        v.map(|v| v.to_string()).unwrap_or_default()
                    ));
                }
                h.push_str("</tr>");
            }
            h.push_str("</table>\n");
        }
    }
}

/// The tick box glyph: ☑ ticked, ☐ not.
pub fn check_mark(ticked: bool) -> char {
    if ticked { '☑' } else { '☐' }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
