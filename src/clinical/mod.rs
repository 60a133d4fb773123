//! The clinical record built from sessions: progress notes drafted from what a session
//! recorded (`draft`), measures followed over sessions with the divergence flag
//! (`measures`), and full-text search over a practice (`search`).
//!
//! Pure: no egui, no file system, no clock (time comes in as an argument). The records
//! themselves (`ClinicalNote`, `ProcessNote`, `Course`) are `model` types.

pub mod draft;
pub mod measures;
pub mod search;

pub use draft::draft_note;
pub use measures::{Divergence, Measure, Point, divergence, measure_series};
pub use search::{
    CoupleHits, Hit, HitKind, IndexDecodeError, IndexStats, SearchIndex, SearchResults,
};
