//! UI-thread benchmark on a practice of 10,000 sessions: the longest frame (wall time on
//! the UI thread, as a therapist would feel it) while unlocking at the production work
//! factor, opening a couple, searching for the first time, exporting a PDF and saving a
//! session, and how long each takes from the click until its result is on screen. The
//! window is egui without a renderer (layout and tessellation), 1280×800.
//!
//! A click is modelled as its command applied in the frame that draws it: the frame's
//! time is `apply` plus the frame, as in the app, where a button pushes a command that the
//! same frame applies. Frames then run every 16 ms until the result shows.
//!
//! Run: `cargo bench --bench practice_frames` (SESSIONS=N to change the size; the vault is
//! kept in `target/bench-practice-N` and reused). Results go in BENCHMARKS.md by hand.

use chrono::Utc;
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tandem::app::command::{
    Command, ExportCommand, ExportDraft, ExportTarget, PracticeCommand, SessionCommand,
    VaultCommand,
};
use tandem::app::{AppConfig, AppState, Overlay, TandemApp};
use tandem::export::SessionDocument;
use tandem::model::{Audience, Bindings, Partner};
use tandem::template::Library;
use tandem::vault::crypto::PINNED_LOG_N;
use tandem::vault::{Protection, Vault};

const PASSPHRASE: &str = "benchmark passphrase";
/// Frames after a result showed, so that work it started (the search index after an
/// unlock, say) is measured too.
const TAIL_FRAMES: usize = 20;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The vault with `sessions` generated sessions at the production work factor, made once.
fn practice_vault(sessions: usize) -> PathBuf {
    let root = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join(format!("bench-practice-{sessions}"));
    let done = root.join("complete");
    if done.exists() {
        return root.join("vault");
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("bench folder");
    let vault_root = root.join("vault");
    let now = Utc::now();
    let vault = Vault::init(
        &vault_root,
        Protection::Passphrase {
            passphrase: SecretString::from(PASSPHRASE.to_string()),
            log_n: PINNED_LOG_N,
        },
        now,
    )
    .expect("init");
    let library = Library::builtin();
    let start = Instant::now();
    let mut count = 0;
    for body in tandem::demo::generate(&library, sessions, 7, now) {
        vault.save(&body, now).expect("save");
        count += 1;
    }
    eprintln!(
        "made a vault of {count} records in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    drop(vault);
    std::fs::write(&done, b"").expect("marker");
    vault_root
}

/// A window driven frame by frame.
struct Window {
    ctx: egui::Context,
    app: TandemApp,
    frame: u64,
}

impl Window {
    fn new(root: &Path) -> Window {
        let config = AppConfig {
            vault_root: Some(root.to_path_buf()),
            demo: false,
            kdf_log_n: PINNED_LOG_N,
            open_worksheet: None,
        };
        Window {
            ctx: egui::Context::default(),
            app: TandemApp {
                state: AppState::new(config, Utc::now()),
            },
            frame: 0,
        }
    }

    /// One frame, with `command` applied in it (as a click would); its wall time.
    fn frame(&mut self, command: Option<Command>) -> Duration {
        self.frame += 1;
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 800.0),
            )),
            time: Some(self.frame as f64 / 60.0),
            ..Default::default()
        };
        let start = Instant::now();
        let now = Utc::now();
        if let Some(command) = command
            && let Err(e) = self.app.state.apply(command, now)
        {
            panic!("refused: {e}");
        }
        let app = &mut self.app;
        let output = self.ctx.run_ui(input, |ui| app.frame_ui(ui, now));
        std::hint::black_box(self.ctx.tessellate(output.shapes, output.pixels_per_point));
        start.elapsed()
    }

    /// Click, then a frame every 16 ms until `done` holds and for a few frames more.
    /// Returns the longest frame, the median frame and the time until `done`.
    fn measure(
        &mut self,
        command: Command,
        mut done: impl FnMut(&AppState) -> bool,
    ) -> (Duration, Duration, Duration) {
        let start = Instant::now();
        let mut frames = vec![self.frame(Some(command))];
        let mut until = None;
        let mut tail = 0;
        while tail < TAIL_FRAMES {
            if until.is_none() && done(&self.app.state) {
                until = Some(start.elapsed());
            }
            if until.is_some() {
                tail += 1;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the result never showed"
            );
            std::thread::sleep(Duration::from_millis(16));
            frames.push(self.frame(None));
        }
        frames.sort();
        (
            *frames.last().expect("frames"),
            frames[frames.len() / 2],
            until.unwrap_or_default(),
        )
    }
}

fn main() {
    let sessions: usize = std::env::var("SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let root = practice_vault(sessions);
    let export_dir = tempfile::tempdir().expect("temp");
    let mut window = Window::new(&root);
    for _ in 0..3 {
        window.frame(None);
    }
    let mut results = Vec::new();

    window.app.state.forms.passphrase = PASSPHRASE.into();
    results.push((
        "unlock (production scrypt) until the practice shows",
        window.measure(VaultCommand::Unlock.into(), |s| s.practice.is_some()),
    ));

    let couple = {
        let practice = window.app.state.practice.as_ref().expect("unlocked");
        let lists = practice.lists();
        eprintln!(
            "{} couples, {} sessions listed",
            lists.couples.len(),
            lists.sessions.len()
        );
        lists.couples[lists.couples.len() / 2].id
    };
    results.push((
        "open a couple's page",
        window.measure(PracticeCommand::SelectCouple(Some(couple)).into(), |s| {
            s.couple.is_some()
        }),
    ));

    results.push((
        "first search (\"feel\") until the results show",
        window.measure(PracticeCommand::Search("feel".into()).into(), |s| {
            s.forms.found.is_some()
        }),
    ));
    let hits = window.app.state.forms.found.as_ref().map_or(0, |f| f.total);
    results.push((
        "a second search (\"lonely evenings\")",
        window.measure(
            PracticeCommand::Search("lonely evenings".into()).into(),
            |s| {
                s.forms
                    .found
                    .as_ref()
                    .is_some_and(|f| f.query == "lonely evenings")
            },
        ),
    ));

    let session = window
        .app
        .state
        .couple
        .as_ref()
        .and_then(|r| r.sessions.last())
        .map(|s| s.id)
        .expect("the couple has sessions");
    window.frame(Some(
        ExportCommand::Open(ExportTarget::Session(session)).into(),
    ));
    let draft = match &window.app.state.overlay {
        Overlay::Export(draft) => ExportDraft {
            audience: Some(Audience::Clinician),
            folder: export_dir.path().display().to_string(),
            document: SessionDocument::Note,
            ..draft.clone()
        },
        other => panic!("no export dialog: {other:?}"),
    };
    results.push((
        "export a session note until the PDF is written",
        window.measure(ExportCommand::Write(draft).into(), |s| {
            s.jobs.export.is_none()
        }),
    ));

    window.frame(Some(
        SessionCommand::Start {
            couple,
            template_id: "session-measures".into(),
            bindings: Bindings {
                speaker: Some(Partner::A),
                hurt_partner: Some(Partner::A),
            },
        }
        .into(),
    ));
    let key = "bench-draft".to_string();
    results.push((
        "type into a session until the save is acknowledged",
        window.measure(
            SessionCommand::SetDraft {
                key,
                text: "A line typed during the session.".into(),
            }
            .into(),
            |s| {
                s.live
                    .as_ref()
                    .is_some_and(|l| l.is_saved() && l.saved_at.is_some())
            },
        ),
    ));

    println!(
        "UI-thread frames on a practice of {sessions} sessions, 1280x800 (wall time; the first search found {hits} records):"
    );
    for (name, (longest, median, until)) in &results {
        println!(
            "  {name:<56} longest frame {:>7.2} ms  median {:>6.2} ms  done after {:>8.1} ms",
            ms(*longest),
            ms(*median),
            ms(*until)
        );
    }
    window.app.state.shutdown(Utc::now());
}
