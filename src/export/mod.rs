//! Export: what leaves Tandem leaves as a PDF a therapist would put in a chart or hand
//! to a couple.
//!
//! `documents` builds a layout-free `Report` from records for one audience (redacted
//! first, so private items are left out by construction); `layout` places it on pages;
//! `pdf` (the only code that imports printpdf) writes the file. Pure: nothing here reads
//! the clock or touches the disk; `vault::exports` writes the bytes.

pub mod arabic;
pub mod documents;
pub mod layout;
pub mod pdf;
pub mod report;
pub mod tags;
pub mod text;

use crate::model::{Audience, Role};

pub use documents::{
    ChartFacts, Clinician, Context, LinkedSessions, RiskFacts, SessionDocument, Zone,
    blank_worksheet, clinical_note_report, file_name, process_notes_report, progress_report,
    progress_report_with_course, session_report,
};
pub use report::{DocumentKind, Report};

/// Why an export could not be made. Messages carry no clinical text and no names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Layout(#[from] layout::LayoutError),
    #[error("the bundled font could not be read; this copy of Tandem is damaged")]
    Font,
    #[error("the PDF could not be put together")]
    Write,
    #[error("this session has no {what} that {} may see", audience.reader())]
    Nothing {
        what: &'static str,
        audience: Audience,
    },
    /// A blank sheet with nothing on it for its reader: every step of the protocol is
    /// answered privately or by the therapist.
    #[error(
        "this protocol has nothing for {} to fill in: each step is answered by each partner privately or by the therapist; print each partner's sheet instead",
        .audience.reader()
    )]
    NothingToFill { audience: Audience },
    /// A partner's blank sheet of a protocol with private steps for a role no one was
    /// given: it could carry the other partner's private steps.
    #[error(
        "a partner's sheet of this protocol needs to know which partner is the {}, since it has private steps for that role",
        .role.placeholder().replace('_', " ")
    )]
    Unbound { role: Role },
}

/// How far an export has come, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Pages laid out so far (the total is not known yet).
    LaidOut { pages: usize },
    /// Writing page `page` of `of`.
    Writing { page: usize, of: usize },
    /// Compressing and embedding the fonts.
    Saving,
}

/// A report as PDF bytes. The same report always gives the same text.
pub fn render(report: &Report, progress: &mut dyn FnMut(Progress)) -> Result<Vec<u8>, ExportError> {
    let fonts = pdf::Fonts::bundled()?;
    let laid = layout::layout(report, fonts, &mut |pages| {
        progress(Progress::LaidOut { pages })
    })?;
    pdf::write(report, &laid, fonts, progress)
}
