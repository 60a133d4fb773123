//! `tandem search` as a therapist runs it, against the demo practice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASS: &str = "correct horse battery";

fn tandem(vault: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
        .env_remove("TANDEM_VAULT")
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("TANDEM_PASSPHRASE", PASS)
        .output()
        .expect("tandem runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A demo vault, with each session's couple code and each couple's id by code.
fn demo(dir: &Path) -> (PathBuf, BTreeMap<String, String>, BTreeMap<String, String>) {
    let vault = dir.join("vault");
    let out = tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sessions = text(&tandem(&vault, &["list", "sessions"]).stdout)
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.split("  ").collect();
            (parts[parts.len() - 1].to_string(), parts[1].to_string())
        })
        .collect();
    let couples = text(&tandem(&vault, &["list", "couples"]).stdout)
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.split("  ").collect();
            (parts[0].to_string(), parts[1].to_string())
        })
        .collect();
    (vault, sessions, couples)
}

/// The printed results: (group header's code, hit lines under it).
fn groups(stdout: &str) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for line in stdout.lines() {
        match line.strip_prefix("  ") {
            Some(hit) => groups
                .last_mut()
                .expect("a header first")
                .1
                .push(hit.to_string()),
            None => {
                let code = line.split(' ').next().unwrap_or_default().to_string();
                groups.push((code, Vec::new()));
            }
        }
    }
    groups
}

#[test]
fn search_prints_hits_grouped_under_their_couples_code() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, session_codes, couple_ids) = demo(dir.path());

    // Every demo couple had an intentional dialogue, whose title holds "dialogue".
    let out = tandem(&vault, &["search", "DIALOG"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let found = groups(&stdout);
    let mut codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    codes.sort();
    assert_eq!(codes, ["C-0101", "C-0102", "C-0103", "C-0104"], "{stdout}");
    for (code, hits) in &found {
        assert!(!hits.is_empty());
        for hit in hits {
            // date, kind, id, place, snippet
            let id = hit.split_whitespace().nth(2).expect("an id");
            assert_eq!(
                session_codes.get(id).map(String::as_str),
                Some(code.as_str()),
                "{hit} listed under {code}"
            );
            assert!(hit.contains("  session  "), "{hit}");
            assert!(hit.to_lowercase().contains("dialogue"), "{hit}");
        }
    }
    // Couples with more hits first.
    let counts: Vec<usize> = found.iter().map(|(_, h)| h.len()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");

    // Two words must both match, and the names are found in the couple's record.
    let out = tandem(&vault, &["search", "maya", "okaf"]);
    assert_eq!(out.status.code(), Some(0));
    let found = groups(&text(&out.stdout));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "C-0101");
    assert!(found[0].1[0].contains("  couple  "), "{:?}", found[0].1);

    // --couple keeps one couple's hits.
    let out = tandem(
        &vault,
        &["search", "dialogue", "--couple", &couple_ids["C-0103"]],
    );
    assert_eq!(out.status.code(), Some(0));
    let found = groups(&text(&out.stdout));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "C-0103");
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
}

#[test]
fn search_says_so_and_exits_1_when_nothing_matches() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, _, _) = demo(dir.path());
    let out = tandem(&vault, &["search", "xylophone"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "No matches.\n");
    // Every word must match: a word in the practice with one that is not.
    let out = tandem(&vault, &["search", "dialogue", "xylophone"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "No matches.\n");
}

#[test]
fn search_counts_files_it_could_not_open_without_naming_anything() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, session_codes, _) = demo(dir.path());
    let (id, _) = session_codes.iter().next().expect("a session");
    let file = vault
        .join("records")
        .join("sessions")
        .join(format!("{id}.age"));
    std::fs::write(&file, b"not an age file").unwrap();
    let out = tandem(&vault, &["search", "dialogue"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("1 record file(s) could not be opened"),
        "{stderr}"
    );
    assert!(!stderr.contains(id.as_str()), "{stderr}");
    assert!(!text(&out.stdout).contains(id.as_str()));
}
