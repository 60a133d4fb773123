//! Crash safety: a child process saves records as fast as it can and prints each save it
//! was told is on disk; we kill it (SIGKILL) at random moments, over and over, then check
//! that every file is readable and every acknowledged save is intact.
//!
//! `TANDEM_CRASH_KILLS` sets the number of kills (200 by default; use 1000+ locally).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const PASS: &str = "correct horse battery";
const OTHER: &str = "another good passphrase";

fn tandem(vault: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tandem"));
    command
        .arg("--vault")
        .arg(vault)
        .env("TANDEM_PASSPHRASE", PASS);
    command
}

/// A new vault with a fast test work factor.
fn new_vault(dir: &Path) -> std::path::PathBuf {
    let vault = dir.join("vault");
    let status = tandem(&vault)
        .args(["init", "--kdf-log-n", "10"])
        .stdout(Stdio::null())
        .status()
        .expect("init");
    assert!(status.success());
    vault
}

/// xorshift for kill timings, so a failing run can be repeated.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn kills() -> usize {
    std::env::var("TANDEM_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

#[test]
fn killing_a_saving_process_never_loses_an_acknowledged_save() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = new_vault(dir.path());

    // id -> highest version acknowledged
    let mut acked: BTreeMap<String, u64> = BTreeMap::new();
    let mut state = 0x5eed_u64;
    let rounds = kills();
    let mut killed_mid_run = 0;
    for round in 0..rounds {
        let mut child = tandem(&vault)
            .args(["stress-save", "--seed", &(round + 1).to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        // Wait for the first acknowledged save (opening the vault, scrypt and the audit
        // entry, takes a while, longer on a loaded machine), then kill at a random moment
        // of the saves that follow: the kill lands mid-run however slow the machine is.
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok);
        let reader = std::thread::spawn(move || {
            first
                .into_iter()
                .chain(lines.map_while(Result::ok))
                .collect::<Vec<String>>()
        });
        std::thread::sleep(Duration::from_micros(next(&mut state) % 30_000));
        if child.try_wait().expect("poll").is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        for line in reader.join().expect("reader") {
            let mut parts = line.split_whitespace();
            if let (Some("ack"), Some(id), Some(version)) =
                (parts.next(), parts.next(), parts.next())
            {
                let version: u64 = version.parse().expect("version");
                let entry = acked.entry(id.to_string()).or_insert(version);
                *entry = (*entry).max(version);
            }
        }
    }
    assert!(
        killed_mid_run * 10 >= rounds * 9,
        "most kills must land while saving ({killed_mid_run}/{rounds})"
    );
    assert!(
        acked.len() > rounds,
        "the children acknowledged saves ({} ids)",
        acked.len()
    );

    // Every file opens, nothing is quarantined, every acknowledged save is there.
    let out = tandem(&vault).arg("verify").output().expect("verify");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "verify found problems after {rounds} kills:\n{report}"
    );
    // One listing (summaries re-derived from the records `verify` just decrypted) instead
    // of one process per record: every open appends to the audit log, so thousands of
    // dumps made this test quadratic.
    let out = tandem(&vault)
        .args(["list", "couples"])
        .output()
        .expect("list");
    assert!(out.status.success(), "list couples failed");
    let listing = String::from_utf8_lossy(&out.stdout);
    let on_disk: BTreeMap<&str, u64> = listing
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let code = parts.next()?;
            let id = parts.next()?;
            let version = code.rsplit('-').next()?.parse().ok()?;
            Some((id, version))
        })
        .collect();
    for (id, version) in &acked {
        let found = on_disk
            .get(id.as_str())
            .unwrap_or_else(|| panic!("acknowledged record {id} is missing"));
        assert!(
            found >= version,
            "{id}: version {found} on disk, {version} acknowledged"
        );
    }
    // No temp file is left once the vault has been opened read-write.
    let leftovers = std::fs::read_dir(vault.join("records/couples"))
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tandem-tmp-"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn killing_a_passphrase_change_leaves_the_old_or_the_new_passphrase_working() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = new_vault(dir.path());
    let works = |passphrase: &str| {
        tandem(&vault)
            .env("TANDEM_PASSPHRASE", passphrase)
            .args(["list", "couples"])
            .output()
            .expect("list")
            .status
            .success()
    };
    let mut current = PASS;
    let mut state = 0xC0FFEE_u64;
    let mut changed = 0;
    let rounds = (kills() / 4).max(20);
    // How long one whole change takes on this machine now (it varies with the load): the
    // kills are spread over one and a half times that, so that some land after it.
    let started = std::time::Instant::now();
    let whole = tandem(&vault)
        .env("TANDEM_PASSPHRASE", PASS)
        .env("TANDEM_NEW_PASSPHRASE", OTHER)
        .args(["passphrase", "--kdf-log-n", "10"])
        .output()
        .expect("a whole change");
    assert!(whole.status.success());
    let window_us = u64::try_from(started.elapsed().as_micros() * 3 / 2)
        .unwrap_or(u64::MAX)
        .max(20_000);
    let whole_back = tandem(&vault)
        .env("TANDEM_PASSPHRASE", OTHER)
        .env("TANDEM_NEW_PASSPHRASE", PASS)
        .args(["passphrase", "--kdf-log-n", "10"])
        .output()
        .expect("and back");
    assert!(whole_back.status.success());
    for _ in 0..rounds {
        let other = if current == PASS { OTHER } else { PASS };
        let mut child = tandem(&vault)
            .env("TANDEM_PASSPHRASE", current)
            .env("TANDEM_NEW_PASSPHRASE", other)
            .args(["passphrase", "--kdf-log-n", "10"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_micros(next(&mut state) % window_us));
        let _ = child.kill();
        let _ = child.wait();
        let (old_ok, new_ok) = (works(current), works(other));
        assert!(
            old_ok ^ new_ok,
            "exactly one passphrase must open the vault (old {old_ok}, new {new_ok})"
        );
        if new_ok {
            current = other;
            changed += 1;
        }
    }
    assert!(
        changed > 0 && changed < rounds,
        "kills must land both before and after the change ({changed}/{rounds})"
    );
}
