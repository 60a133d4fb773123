//! Export benchmark (a bench binary, not criterion): a session record long enough for a
//! ~100-page session note, exported repeatedly; time for building the report, laying it
//! out and writing the PDF, and the file's size and page count.
//!
//! It also writes the same content as HTML (`Report::to_html`) and Tandem's PDF to
//! `target/export-bench/` (or `OUT=DIR`), so that `scripts/libreoffice-compare.sh` can
//! time LibreOffice converting the same text. Run: `cargo bench --bench export`
//! (`RUNS=N` to change the number of timed runs). Results go in BENCHMARKS.md by hand.

use chrono::{Duration as Days, FixedOffset, TimeZone, Utc};
use std::time::{Duration, Instant};
use tandem::demo::{Mood, Rng, run_session};
use tandem::export::{self, Context, SessionDocument, layout, pdf, session_report};
use tandem::model::{
    Audience, COUPLE_FORMAT, Couple, CoupleFacts, CoupleId, MirrorAttempt, MirrorOutcome, Partner,
    PartnerInfo, SafetyDecision, Session, StepData,
};
use tandem::template::Library;

const WORDS: &[&str] = &[
    "when",
    "you",
    "came",
    "home",
    "late",
    "I",
    "felt",
    "alone",
    "and",
    "worried",
    "that",
    "we",
    "are",
    "drifting",
    "apart",
    "again",
    "what",
    "I",
    "need",
    "is",
    "a",
    "message",
    "before",
    "plans",
    "change",
    "so",
    "I",
    "can",
    "trust",
    "that",
    "you",
    "think",
    "of",
    "us",
    "it",
    "scares",
    "me",
    "because",
    "after",
    "everything",
    "last",
    "year",
    "the",
    "silence",
    "feels",
    "like",
    "it",
    "did",
    "then",
    "evenings",
    "matter",
    "to",
    "me",
];

/// A sentence of `min` to `min + spread` words.
fn sentence(rng: &mut Rng, min: usize, spread: usize) -> String {
    let words = min + rng.below(spread);
    let mut out: Vec<&str> = (0..words).map(|_| *rng.pick(WORDS)).collect();
    out.push(".");
    let mut text = out.join(" ").replace(" .", ".");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text
}

fn couple() -> Couple {
    Couple {
        format: COUPLE_FORMAT,
        id: CoupleId(uuid::Uuid::from_u128(1)),
        code: "C-0412".into(),
        partner_a: PartnerInfo {
            name: "Maya Okafor".into(),
            pronouns: String::new(),
        },
        partner_b: PartnerInfo {
            name: "Daniel Reyes".into(),
            pronouns: String::new(),
        },
        created_on: Utc::now().date_naive(),
        archived: false,
    }
}

/// An intentional dialogue whose loops took `attempts` mirrors each.
fn long_session(library: &Library, attempts: usize) -> Session {
    let template = library.get("intentional-dialogue").expect("shipped");
    let start = Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap();
    let mut rng = Rng::new(9);
    let facts = CoupleFacts {
        screened: Partner::BOTH.into_iter().collect(),
        safety_decision: Some(SafetyDecision::JointWork),
    };
    let mut session = run_session(
        template,
        couple().id,
        start,
        facts,
        &mut rng,
        Mood { a: 0.5, b: 0.5 },
    )
    .expect("runs");
    for step in &mut session.steps {
        if let StepData::Loop(l) = &mut step.data {
            l.attempts = (0..attempts)
                .map(|i| MirrorAttempt {
                    text: sentence(&mut rng, 30, 40),
                    at: start + Days::seconds(i as i64 * 40),
                    outcome: Some(if i + 1 == attempts {
                        MirrorOutcome::Confirmed
                    } else if i % 3 == 0 {
                        MirrorOutcome::More
                    } else {
                        MirrorOutcome::Corrected
                    }),
                    reply: if i + 1 == attempts {
                        String::new()
                    } else {
                        sentence(&mut rng, 10, 25)
                    },
                })
                .collect();
        }
    }
    session
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15);
    let out_dir = std::path::PathBuf::from(
        std::env::var("OUT").unwrap_or_else(|_| "target/export-bench".into()),
    );
    let library = Library::builtin();
    let ctx = Context {
        practice: "Harbour Couples Therapy".into(),
        now: Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
        zone: export::Zone::Fixed(FixedOffset::east_opt(0).unwrap()),
        resources: Vec::new(),
        dates: Default::default(),
    };
    let fonts = pdf::Fonts::bundled().expect("fonts");
    let build = |session: &Session| {
        session_report(
            SessionDocument::Note,
            session,
            &couple(),
            library.get("intentional-dialogue"),
            Audience::Clinician,
            &ctx,
        )
        .expect("report")
    };
    // Size the record so the note runs to about 100 pages.
    let mut attempts = 60;
    let mut session = long_session(&library, attempts);
    for _ in 0..3 {
        let pages = layout::layout(&build(&session), fonts, &mut |_| {})
            .expect("layout")
            .pages
            .len();
        if (98..=104).contains(&pages) {
            break;
        }
        attempts = (attempts * 100 / pages.max(1)).max(1);
        session = long_session(&library, attempts);
    }
    let record_bytes = ron::to_string(&session).map_or(0, |s| s.len());

    let mut t_build = Vec::new();
    let mut t_layout = Vec::new();
    let mut t_write = Vec::new();
    let mut t_total = Vec::new();
    let mut bytes = Vec::new();
    let mut pages = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let report = build(&session);
        let built = start.elapsed();
        let laid = layout::layout(&report, fonts, &mut |_| {}).expect("layout");
        let laid_out = start.elapsed();
        bytes = pdf::write(&report, &laid, fonts, &mut |_| {}).expect("pdf");
        let total = start.elapsed();
        pages = laid.pages.len();
        t_build.push(built);
        t_layout.push(laid_out - built);
        t_write.push(total - laid_out);
        t_total.push(total);
    }
    let report = build(&session);
    std::fs::create_dir_all(&out_dir).expect("output folder");
    std::fs::write(out_dir.join("session-note.html"), report.to_html()).expect("html");
    std::fs::write(out_dir.join("session-note.pdf"), &bytes).expect("pdf");
    // The same call the app and CLI make, for the record.
    let start = Instant::now();
    let again = export::render(&report, &mut |_| {}).expect("render");
    let render_once = start.elapsed();

    println!("session record: {attempts} mirror attempts per loop, {record_bytes} bytes of RON");
    println!(
        "pages: {pages}, PDF size: {} bytes ({:.1} KiB)",
        bytes.len(),
        bytes.len() as f64 / 1024.0
    );
    println!("runs: {runs}");
    println!("build report  median {:8.2} ms", ms(median(t_build)));
    println!("layout        median {:8.2} ms", ms(median(t_layout)));
    println!("write PDF     median {:8.2} ms", ms(median(t_write)));
    println!(
        "total         median {:8.2} ms",
        ms(median(t_total.clone()))
    );
    println!(
        "total         min    {:8.2} ms",
        ms(t_total.iter().min().copied().unwrap_or_default())
    );
    println!(
        "export::render once  {:8.2} ms ({} bytes)",
        ms(render_once),
        again.len()
    );
    println!(
        "peak memory of this process: {:.1} MiB",
        peak_rss_kib() as f64 / 1024.0
    );
    println!("wrote {}/session-note.html and .pdf", out_dir.display());
}
