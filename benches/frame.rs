//! Frame benchmark: CPU time per frame, headless (egui without a renderer: layout and
//! tessellation), for Tandem's busiest screens next to egui's own demo windows
//! (`egui_demo_lib`) measured in the same process. Target: at most 1.5x the demo's frame.
//!
//! Run: `cargo bench --bench frame`. Results go in BENCHMARKS.md by hand.

use chrono::Utc;
use tandem::app::command::{PracticeCommand, SessionCommand};
use tandem::app::{AppConfig, AppState, Screen, TandemApp};
use tandem::model::{COUPLE_FORMAT, Couple, CoupleId, MirrorOutcome, PartnerInfo};
use tandem::runner::Action;

const WARMUP: usize = 30;
const FRAMES: usize = 400;

fn thread_cpu_ns() -> u128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we pass and reads nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

/// Median and p95 CPU time (µs) of a frame: the ui pass plus tessellation.
fn measure(mut ui_fn: impl FnMut(&mut egui::Ui)) -> (f64, f64) {
    let ctx = egui::Context::default();
    let mut samples = Vec::with_capacity(FRAMES);
    for frame in 0..WARMUP + FRAMES {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 800.0),
            )),
            time: Some(frame as f64 / 60.0),
            ..Default::default()
        };
        let start = thread_cpu_ns();
        let output = ctx.run_ui(input, |ui| ui_fn(ui));
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(primitives);
        if frame >= WARMUP {
            samples.push((thread_cpu_ns() - start) as f64 / 1000.0);
        }
    }
    samples.sort_by(f64::total_cmp);
    (
        samples[samples.len() / 2],
        samples[samples.len() * 95 / 100],
    )
}

fn demo_app() -> TandemApp {
    let config = AppConfig {
        vault_root: None,
        demo: true,
        kdf_log_n: 10,
        open_worksheet: None,
    };
    TandemApp {
        state: AppState::new(config, Utc::now()),
    }
}

fn main() {
    let mut results = Vec::new();

    let mut demo = egui_demo_lib::DemoWindows::default();
    results.push((
        "egui_demo_lib DemoWindows (reference)",
        measure(|ui| demo.ui(ui)),
    ));

    // A practice of 1,000 couples, one selected with its sessions on the page.
    let mut app = demo_app();
    {
        let practice = app.state.practice.as_mut().expect("demo vault is open");
        let now = Utc::now();
        for n in 0..1000 {
            let couple = Couple {
                format: COUPLE_FORMAT,
                id: CoupleId(uuid::Uuid::now_v7()),
                code: format!("P-{n:04}"),
                partner_a: PartnerInfo {
                    name: format!("Partner {n} A"),
                    pronouns: String::new(),
                },
                partner_b: PartnerInfo {
                    name: format!("Partner {n} B"),
                    pronouns: String::new(),
                },
                created_on: Utc::now().date_naive(),
                archived: false,
            };
            practice
                .save(tandem::vault::RecordBody::Couple(couple), now)
                .expect("queued");
        }
        practice.flush_saves(std::time::Duration::from_secs(60));
        assert_eq!(practice.lists().couples.len(), 1004);
    }
    let first = app.state.practice.as_ref().expect("open").lists().couples[0].id;
    app.state
        .apply(
            PracticeCommand::SelectCouple(Some(first)).into(),
            Utc::now(),
        )
        .expect("select");
    assert_eq!(app.state.screen, Screen::Practice);
    results.push((
        "practice: 1,004 couples, one couple's page",
        measure(|ui| app.frame_ui(ui, Utc::now())),
    ));

    // A session whose paraphrase loop has 200 recorded attempts.
    let mut app = demo_app();
    let couple = app.state.practice.as_ref().expect("open").lists().couples[0].id;
    let now = Utc::now();
    app.state
        .apply(
            SessionCommand::Start {
                couple,
                template_id: "intentional-dialogue".into(),
                bindings: tandem::model::Bindings {
                    speaker: Some(tandem::model::Partner::A),
                    hurt_partner: None,
                },
            }
            .into(),
            now,
        )
        .expect("start");
    let live = app.state.live.as_mut().expect("live");
    live.runner.apply(Action::Next, now).expect("to the loop");
    live.runner
        .apply(
            Action::SpeakerSays(
                "I feel alone in the evenings when you are late and do not tell me.".into(),
            ),
            now,
        )
        .expect("say");
    for n in 0..200 {
        live.runner
            .apply(
                Action::Mirror(format!(
                    "Attempt {n}: you feel alone in the evenings when I am late without a word."
                )),
                now,
            )
            .expect("mirror");
        let outcome = if n == 199 {
            MirrorOutcome::Confirmed
        } else if n % 2 == 0 {
            MirrorOutcome::Corrected
        } else {
            MirrorOutcome::More
        };
        live.runner
            .apply(
                Action::Verdict {
                    outcome,
                    reply: "Not quite: it is more about feeling forgotten than alone.".into(),
                },
                now,
            )
            .expect("verdict");
    }
    results.push((
        "session: paraphrase loop with 200 attempts",
        measure(|ui| app.frame_ui(ui, Utc::now())),
    ));

    let reference = results[0].1.0;
    println!(
        "CPU time per frame (ui pass + tessellation), 1280x800, {FRAMES} frames after {WARMUP} warm-up:"
    );
    for (name, (median, p95)) in &results {
        println!(
            "  {name:<46} median {median:>7.0} µs  p95 {p95:>7.0} µs  ({:.2}x the demo)",
            median / reference
        );
    }
}
