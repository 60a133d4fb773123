//! Audit log benchmark (a bench binary, not criterion): how long writing one entry takes
//! as the log grows (each entry reads the log to chain to its last line and checks the
//! sealed head), and how long `verify` (every line opened and checked) and reading every
//! entry take, at ENTRIES entries (default 20,000: years of a busy practice).
//!
//! Run: `cargo bench --bench audit` (ENTRIES=N to change the size). Results go in
//! BENCHMARKS.md by hand.

use chrono::Utc;
use secrecy::SecretString;
use std::time::{Duration, Instant};
use tandem::vault::audit::AuditAction;
use tandem::vault::{Protection, Vault};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let entries: usize = std::env::var("ENTRIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("temp");
    let vault = Vault::init(
        &dir.path().join("v"),
        Protection::Passphrase {
            passphrase: SecretString::from("benchmark passphrase".to_string()),
            log_n: 10,
        },
        Utc::now(),
    )
    .expect("vault");
    let record = Some(uuid::Uuid::new_v4());
    let mut samples = Vec::new();
    for i in 0..entries {
        let started = Instant::now();
        vault
            .audit(AuditAction::Open, record, "session", Utc::now())
            .expect("entry");
        if i % 1000 == 999 {
            samples.push((i + 1, started.elapsed()));
        }
    }
    for (n, took) in &samples {
        if n % 5000 == 0 || *n == 1000 {
            println!("entry {n:>7}: {:.2} ms to write", ms(*took));
        }
    }
    let size = std::fs::metadata(vault.root().join("audit.log"))
        .expect("log")
        .len();
    println!("log: {entries} entries, {:.1} MiB", size as f64 / 1048576.0);
    let started = Instant::now();
    let check = vault.verify_audit().expect("verify");
    println!(
        "verify: {:.0} ms ({} problems)",
        ms(started.elapsed()),
        check.problems.len()
    );
    let started = Instant::now();
    let all = vault.audit_entries().expect("entries");
    println!(
        "read every entry: {:.0} ms ({} entries)",
        ms(started.elapsed()),
        all.len()
    );
}
