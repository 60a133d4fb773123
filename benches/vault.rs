//! Vault benchmark (a bench binary, not criterion): with 10,000 generated sessions,
//! how long unlock + open until the lists can be shown takes, the save latency with fsync
//! (p50/p95), and peak memory of a process that only unlocks and lists.
//!
//! Run: `cargo bench --bench vault` (SESSIONS=N to change the size). Results go in
//! BENCHMARKS.md by hand.

use chrono::Utc;
use secrecy::SecretString;
use std::time::{Duration, Instant};
use tandem::template::Library;
use tandem::vault::crypto::PINNED_LOG_N;
use tandem::vault::{Access, Protection, RecordBody, Vault};

fn pass() -> SecretString {
    SecretString::from("benchmark passphrase".to_string())
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Child mode: unlock and list once, print time and peak memory.
fn open_only(root: &std::path::Path) {
    // Unlock alone, for reference.
    let start = Instant::now();
    drop(Vault::open(root, Some(&pass()), Access::ReadOnly).expect("open"));
    let unlocked = start.elapsed();
    // What the app does: unlock while listing, then read the index.
    let start = Instant::now();
    let (_vault, scan) = Vault::open_and_scan(root, Some(&pass()), Access::ReadOnly).expect("open");
    let total = start.elapsed();
    println!(
        "{} {} {} {} {}",
        ms(unlocked),
        ms(total),
        scan.couples.len(),
        scan.sessions.len(),
        peak_rss_kib()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--open-only") {
        open_only(std::path::Path::new(&args[i + 1]));
        return;
    }
    let sessions: usize = std::env::var("SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let now = Utc::now();
    let vault = Vault::init(
        &root,
        Protection::Passphrase {
            passphrase: pass(),
            log_n: PINNED_LOG_N,
        },
        now,
    )
    .expect("init");
    let library = Library::builtin();

    // Fill, timing every save (each one: encrypt, temp file, fsync, rename, fsync folder).
    let mut latencies = Vec::new();
    let mut bytes = 0usize;
    let mut count = 0usize;
    let fill = Instant::now();
    for body in tandem::demo::generate(&library, sessions, 7, now) {
        if let RecordBody::Session(_) = &body {
            count += 1;
        }
        let t = Instant::now();
        vault.save(&body, now).expect("save");
        latencies.push(t.elapsed());
        bytes += ron::to_string(&body).map(|s| s.len()).unwrap_or(0);
    }
    let fill_time = fill.elapsed();
    latencies.sort();
    let on_disk: u64 = walk_size(&root);
    println!(
        "sessions: {count}, records: {}, plaintext {:.1} MiB (mean {:.1} KiB/record), on disk {:.1} MiB",
        latencies.len(),
        bytes as f64 / 1048576.0,
        bytes as f64 / latencies.len() as f64 / 1024.0,
        on_disk as f64 / 1048576.0
    );
    println!("fill: {:.1} s", fill_time.as_secs_f64());
    println!(
        "save latency with fsync: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.95)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().expect("saves"))
    );
    drop(vault);

    // First open after the fill builds the derived index (every record decrypted once).
    let me = std::env::current_exe().expect("exe");
    let run = || {
        let out = std::process::Command::new(&me)
            .arg("--open-only")
            .arg(&root)
            .output()
            .expect("child");
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let v: Vec<f64> = text
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        assert_eq!(v.len(), 5, "child printed {text:?}");
        v
    };
    let cold = run();
    println!(
        "first open (no index yet, read-only so it is not kept): unlock {:.0} ms, unlock + list {:.0} ms",
        cold[0], cold[1]
    );
    // Build the index once read-write, as the app's first open does.
    {
        let vault = Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("open");
        let t = Instant::now();
        vault.scan().expect("scan");
        println!(
            "index build (read-write first open): {:.0} ms",
            ms(t.elapsed())
        );
    }
    let mut warm: Vec<Vec<f64>> = (0..7).map(|_| run()).collect();
    warm.sort_by(|a, b| a[1].total_cmp(&b[1]));
    let median = &warm[warm.len() / 2];
    println!(
        "unlock + open until the list can be shown (median of 7 runs): {:.0} ms (unlock alone {:.0} ms); {} couples, {} sessions listed; peak RSS {:.1} MiB",
        median[1],
        median[0],
        median[2],
        median[3],
        median[4] / 1024.0
    );
}

fn walk_size(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                walk_size(&p)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}
