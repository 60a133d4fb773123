//! Search benchmark (a bench binary, not criterion): builds a `SearchIndex` in memory
//! over 10,000 generated sessions, reports the build time and memory, and times queries
//! (median and p95 over many runs).
//!
//! Run: `cargo bench --bench search` (SESSIONS=N to change the size, RUNS=N for the runs
//! per query). Results go in BENCHMARKS.md by hand.

use chrono::{TimeZone, Utc};
use std::time::{Duration, Instant};
use tandem::clinical::SearchIndex;
use tandem::template::Library;
use tandem::vault::RecordBody;

/// Resident memory of this process now (`VmRSS`), in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: f64) -> f64 {
    bytes / 1048576.0
}

fn build(records: &[RecordBody], library: &Library) -> SearchIndex {
    let mut index = SearchIndex::new();
    for body in records {
        match body {
            RecordBody::Couple(c) => index.add_couple(c),
            RecordBody::Session(s) => index.add_session(s, library.get(&s.template_id)),
            RecordBody::Note(n) => index.add_note(n),
            RecordBody::ProcessNote(n) => index.add_process_note(n),
            RecordBody::Course(c) => index.add_course(c),
            RecordBody::Worksheet(_) | RecordBody::Protocol(_) => {}
        }
    }
    index.shrink_to_fit();
    index
}

fn main() {
    let sessions: usize = std::env::var("SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let library = Library::builtin();
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 12, 0, 0)
        .single()
        .expect("a valid date");

    let t = Instant::now();
    let mut records: Vec<RecordBody> = tandem::demo::generate(&library, sessions, 7, now).collect();
    let count = records
        .iter()
        .filter(|r| matches!(r, RecordBody::Session(_)))
        .count();
    let ron_bytes: usize = records
        .iter()
        .map(|r| ron::to_string(r).map(|s| s.len()).unwrap_or(0))
        .sum();
    println!(
        "generated {count} sessions, {} records ({:.1} MiB of RON) in {:.1} s",
        records.len(),
        mib(ron_bytes as f64),
        t.elapsed().as_secs_f64()
    );

    // A couple code from the middle of the practice: in one record only.
    let code = format!("G-{:05}", sessions.div_ceil(10) / 2);
    let mut queries: Vec<(&str, String)> = vec![
        ("common word", "feel".into()),
        ("rare word (one couple's code)", code),
        ("two-word AND", "lonely evenings".into()),
        ("prefix", "reassur".into()),
        ("one-letter prefix", "s".into()),
        ("quoted phrase", "\"is that it\"".into()),
        ("no match", "xylophone".into()),
    ];
    println!("\n# the generated practice");
    measure(&records, &library, &queries, runs);

    // The generator draws its text from a few dozen sentences (about 1,300 distinct
    // words); a real practice has tens of thousands. Add five invented words to a
    // clinician's note in every session and measure again.
    let mut rng = tandem::demo::Rng::new(99);
    let mut invented = Vec::new();
    for record in &mut records {
        if let RecordBody::Session(session) = record
            && let Some(step) = session.steps.first_mut()
        {
            let words: Vec<String> = (0..5).map(|_| invent(&mut rng)).collect();
            step.clinician_note = words.join(" ");
            invented.extend(words);
        }
    }
    queries.insert(
        2,
        ("rare invented word", invented[invented.len() / 2].clone()),
    );
    println!("\n# the same, with five invented words per session");
    measure(&records, &library, &queries, runs);
}

/// A random word of 4 to 9 lower-case letters.
fn invent(rng: &mut tandem::demo::Rng) -> String {
    let len = 4 + rng.below(6);
    (0..len)
        .map(|_| char::from(b'a' + rng.below(26) as u8))
        .collect()
}

/// Build the index (five times: median time, memory of the last) and time each query.
fn measure(records: &[RecordBody], library: &Library, queries: &[(&str, String)], runs: usize) {
    // Build a few times; report the median, and memory of the last build.
    let mut builds = Vec::new();
    let mut index = SearchIndex::new();
    for _ in 0..5 {
        drop(index);
        let before = rss_kib();
        let t = Instant::now();
        index = build(records, library);
        builds.push((t.elapsed(), rss_kib().saturating_sub(before)));
    }
    builds.sort();
    let (median_build, _) = builds[builds.len() / 2];
    let rss_growth = builds.iter().map(|b| b.1).max().unwrap_or(0);
    println!(
        "index build: median {:.0} ms (min {:.0}, max {:.0}) over {} builds; {} records",
        ms(median_build),
        ms(builds[0].0),
        ms(builds[builds.len() - 1].0),
        builds.len(),
        index.len()
    );
    let stats = index.stats();
    println!(
        "index memory: {:.1} MiB by the index's own count, RSS grew {:.1} MiB during a build; \
         {} places, {} distinct words, {} postings, {:.1} MiB of text kept for snippets",
        mib(stats.heap_bytes as f64),
        rss_growth as f64 / 1024.0,
        stats.places,
        stats.words,
        stats.postings,
        mib(stats.text_bytes as f64)
    );

    println!(
        "{:<32} {:>8} {:>8} {:>10} {:>10} {:>10}",
        "query", "hits", "couples", "median", "p95", "max"
    );
    for (name, query) in queries {
        let results = index.search(query);
        for _ in 0..3 {
            std::hint::black_box(index.search(query));
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            std::hint::black_box(index.search(std::hint::black_box(query)));
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{:<32} {:>8} {:>8} {:>7.3} ms {:>7.3} ms {:>7.3} ms   {query}",
            name,
            results.total,
            results.groups.len(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(*times.last().expect("runs"))
        );
    }
}
