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

/// The record id of the first hit printed.
fn first_hit(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let hits = groups(&stdout);
    hits[0].1[0]
        .split_whitespace()
        .nth(2)
        .expect("date, kind, id")
        .to_string()
}

fn cache_file(vault: &Path) -> PathBuf {
    vault.join("records").join("search.age")
}

/// Every file under the vault with its bytes, but for the audit log (which every command
/// writes, read-only ones too).
fn files_but_the_audit_log(vault: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![vault.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if !name.starts_with("audit") {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn search_keeps_a_cache_and_sees_what_was_imported_or_deleted_since() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, session_codes, couple_ids) = demo(dir.path());
    let out = tandem(&vault, &["search", "dialogue"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let first = std::fs::read(cache_file(&vault)).expect("the first search writes the cache");
    assert!(first.starts_with(b"age-encryption.org/v1"));
    let again = tandem(&vault, &["search", "dialogue"]);
    assert_eq!(again.stdout, out.stdout);
    assert_eq!(
        std::fs::read(cache_file(&vault)).unwrap(),
        first,
        "a cache that is up to date is not rewritten"
    );

    // A couple imported after the cache was written is found.
    let id = &couple_ids["C-0101"];
    let dumped = text(&tandem(&vault, &["dump", "couple", id]).stdout);
    assert!(dumped.contains("Maya"), "{dumped}");
    let new_id = "01930000-0000-7000-8000-000000000042";
    let imported = dumped
        .replace(id.as_str(), new_id)
        .replace("C-0101", "C-0199")
        .replace("Maya", "Quillon");
    let file = dir.path().join("couple.ron");
    std::fs::write(&file, imported).unwrap();
    let out = tandem(&vault, &["import", &file.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tandem(&vault, &["search", "quillon"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let found = groups(&text(&out.stdout));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "C-0199");
    assert!(found[0].1[0].contains(new_id), "{:?}", found[0].1);
    assert_ne!(std::fs::read(cache_file(&vault)).unwrap(), first);

    // A session whose file is gone is no longer found.
    let gone = first_hit(&tandem(&vault, &["search", "dialogue"]));
    assert!(session_codes.contains_key(&gone));
    std::fs::remove_file(
        vault
            .join("records")
            .join("sessions")
            .join(format!("{gone}.age")),
    )
    .unwrap();
    let after = tandem(&vault, &["search", "dialogue"]);
    assert_eq!(after.status.code(), Some(0));
    assert!(!text(&after.stdout).contains(gone.as_str()));
    assert!(text(&after.stderr).is_empty(), "{}", text(&after.stderr));
}

#[test]
fn a_search_with_an_up_to_date_cache_opens_no_record_and_a_damaged_cache_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, session_codes, _) = demo(dir.path());
    let id = &first_hit(&tandem(&vault, &["search", "dialogue"]));
    assert!(session_codes.contains_key(id));

    // Damage a session in place, keeping its size, time and inode: a search that opened
    // it would count it as damaged; one that trusts the cache does not open it.
    let path = vault
        .join("records")
        .join("sessions")
        .join(format!("{id}.age"));
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    {
        use std::io::{Seek, Write};
        let mut file = std::fs::File::options().write(true).open(&path).unwrap();
        file.seek(std::io::SeekFrom::Start(0)).unwrap();
        file.write_all(&bytes).unwrap();
        file.set_modified(modified).unwrap();
    }
    let warm = tandem(&vault, &["search", "dialogue"]);
    assert_eq!(warm.status.code(), Some(0));
    assert!(text(&warm.stderr).is_empty(), "{}", text(&warm.stderr));
    assert!(
        text(&warm.stdout).contains(id.as_str()),
        "found from the cache"
    );

    // A damaged cache is no error: it is rebuilt from the records, which finds the damage.
    std::fs::write(cache_file(&vault), b"garbage").unwrap();
    let cold = tandem(&vault, &["search", "dialogue"]);
    assert_eq!(cold.status.code(), Some(0));
    let stderr = text(&cold.stderr);
    assert!(
        stderr.contains("1 record file(s) could not be opened"),
        "{stderr}"
    );
    assert!(!text(&cold.stdout).contains(id.as_str()));
    assert!(
        std::fs::read(cache_file(&vault))
            .unwrap()
            .starts_with(b"age-encryption.org/v1")
    );
}

#[test]
fn search_reads_the_vault_another_tandem_holds_and_writes_nothing_but_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, _, _) = demo(dir.path());
    let lock = std::fs::File::options()
        .write(true)
        .open(vault.join(".lock"))
        .unwrap();
    lock.try_lock()
        .expect("this test holds the vault like an open Tandem");
    let before = files_but_the_audit_log(&vault);
    let audit_before =
        std::fs::read(tandem::vault::audit::segment_dir(&vault).join("audit.log")).unwrap();

    let out = tandem(&vault, &["search", "dialogue"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(groups(&text(&out.stdout)).len(), 4);
    assert_eq!(files_but_the_audit_log(&vault), before);
    assert!(!cache_file(&vault).exists());
    let audit = std::fs::read(tandem::vault::audit::segment_dir(&vault).join("audit.log")).unwrap();
    assert!(audit.len() > audit_before.len(), "the search is logged");

    drop(lock);
    assert_eq!(
        tandem(&vault, &["search", "dialogue"]).status.code(),
        Some(0)
    );
    assert!(
        cache_file(&vault).exists(),
        "written once the vault is free"
    );
}
