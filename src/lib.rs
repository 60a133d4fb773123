//! Tandem: a local-first companion for couples therapists.
//!
//! Layers, each importing only those below it:
//! `app`, `cli` → `demo` → `runner`, `vault`, `template` → `model`.
//! See ARCHITECTURE.md.

pub mod app;
pub mod cli;
pub mod demo;
pub mod model;
pub mod runner;
pub mod template;
pub mod vault;
