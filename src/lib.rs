//! Tandem: a local-first companion for couples therapists.
//!
//! Layers, each importing only those below it:
//! `app`, `cli` → `practice`, `demo` → `runner`, `vault`, `export`, `template` → `model`.
//! See ARCHITECTURE.md.

pub mod app;
pub mod cli;
pub mod clinical;
pub mod demo;
pub mod export;
pub mod model;
pub mod practice;
pub mod runner;
pub mod template;
pub mod vault;
