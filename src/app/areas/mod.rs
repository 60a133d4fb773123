//! `AppState::apply` by area: one file per area of `Command`, each with an `apply_*` that
//! matches every command of its area. The practice does the work; these keep the window's
//! state (screen, overlay, forms, status line) in step with it. `chooser` serves the
//! "Choose…" commands of the export and take-home areas alike.

mod chooser;
mod export;
mod practice;
mod protocols;
mod record;
mod session;
mod sync;
mod take_home;
mod vault;
