//! The practice's operations, headless: what the command line and the app both call, the
//! app adding only what a window needs (see STYLE.md, "Workflows apart from windows").
//! Above `vault`, `clinical` and `template`; never imports egui.

pub mod search;
