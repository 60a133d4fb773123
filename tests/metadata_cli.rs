//! No metadata in the clear: after a demo practice has been used (lists, search, exports,
//! a take-home worksheet, settings, a failed unlock, a verify), nothing in the vault
//! folder, in any file's content or name, names a protocol, an audience, or a date; record
//! files are named by random ids that say nothing of when they were made.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tandem(vault: &Path, args: &[&str]) -> Output {
    common::tandem(Some(vault), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// Every file under `dir`, with its path relative to `root`.
fn files(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.push(path.strip_prefix(root).unwrap().to_path_buf());
            files(root, &path, found);
        } else {
            found.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
}

/// Names every vault has, the same in each (documented in docs/vault.md).
const LAYOUT: &[&str] = &[
    "vault.ron",
    "settings.age",
    "identity.age",
    ".lock",
    // What Syncthing must not sync: fixed patterns, the same in every vault.
    ".stignore",
    // The audit trail: one segment per device, `audit/<device id>/`.
    "audit",
    "audit.log",
    "audit-head.age",
    // This device's own (never synced): its id.
    "local",
    "device.ron",
    "records",
    "index.age",
    "search.age",
    "couples",
    "sessions",
    "notes",
    "process-notes",
    "courses",
    "worksheets",
    "protocols",
    "quarantine",
];

/// A date or time as people and programs write them: 2026-11-26, 26.11.2026, 11/26/2026,
/// 10:00.
fn has_readable_date(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let digits = |from: usize, n: usize| {
        from + n <= chars.len() && chars[from..from + n].iter().all(char::is_ascii_digit)
    };
    for i in 0..chars.len() {
        let iso = digits(i, 4)
            && chars.get(i + 4) == Some(&'-')
            && digits(i + 5, 2)
            && chars.get(i + 7) == Some(&'-')
            && digits(i + 8, 2);
        let dotted = digits(i, 2)
            && matches!(chars.get(i + 2), Some('.' | '/'))
            && digits(i + 3, 2)
            && chars.get(i + 5) == chars.get(i + 2)
            && digits(i + 6, 4);
        if iso || dotted {
            return Some(chars[i..(i + 10).min(chars.len())].iter().collect());
        }
    }
    None
}

#[test]
fn a_used_demo_vault_shows_no_protocol_audience_or_date() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault");
    ok(tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]));
    // Use it as a practice would.
    ok(tandem(&vault, &["list", "couples"]));
    let sessions = ok(tandem(&vault, &["list", "sessions"]));
    let session = sessions
        .lines()
        .find_map(|l| l.split_whitespace().last().map(str::to_string))
        .expect("a session");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for audience in ["clinician", "couple", "partner-a"] {
        ok(tandem(
            &vault,
            &[
                "export",
                "session",
                &session,
                "--audience",
                audience,
                "-o",
                out.join(format!("{audience}.pdf")).to_str().unwrap(),
            ],
        ));
    }
    let _ = tandem(&vault, &["search", "evenings"]);
    ok(tandem(
        &vault,
        &[
            "settings",
            "--clinician-name",
            "Dr. R. Vale",
            "--practice-name",
            "Riverside couples clinic",
        ],
    ));
    let failed = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--vault")
        .arg(&vault)
        .args(["list", "couples"])
        .env("TANDEM_PASSPHRASE", "not the passphrase")
        .output()
        .unwrap();
    assert!(!failed.status.success());
    ok(tandem(&vault, &["verify"]));

    let protocols: Vec<String> = tandem::template::Library::builtin()
        .templates
        .iter()
        .map(|(_, t)| t.id.clone())
        .collect();
    assert!(protocols.len() >= 19);
    let audiences = [
        "clinician",
        "couple",
        "partner-a",
        "partner-b",
        "hurt partner",
        "hurt_partner",
        "therapist",
    ];

    let mut all = Vec::new();
    files(&vault, &vault, &mut all);
    let mut records = 0;
    for rel in &all {
        let name = rel.file_name().unwrap().to_string_lossy().into_owned();
        let path = vault.join(rel);
        if tandem::vault::sync::is_device_id(&name) {
            // A device's segment of the audit trail: random, like record ids.
            assert!(path.is_dir(), "{}", rel.display());
        } else if !LAYOUT.contains(&name.as_str()) {
            // A record file: a random (version 4) id, nothing else.
            let id = name
                .strip_suffix(".age")
                .and_then(|stem| uuid::Uuid::parse_str(stem).ok())
                .unwrap_or_else(|| panic!("an unexpected file: {}", rel.display()));
            assert_eq!(
                id.get_version_num(),
                4,
                "{} is named by an id that encodes a time",
                rel.display()
            );
            records += 1;
        }
        if path.is_dir() {
            continue;
        }
        let content = text(&std::fs::read(&path).unwrap()).to_lowercase();
        for word in protocols.iter().map(String::as_str).chain(audiences) {
            assert!(
                !content.contains(word),
                "{word:?} is readable in {}",
                rel.display()
            );
        }
        assert_eq!(
            has_readable_date(&content),
            None,
            "a date is readable in {}",
            rel.display()
        );
    }
    assert!(records > 20, "only {records} record files");
    // The one plaintext file holds the format, the encryption and a public key.
    let header = std::fs::read_to_string(vault.join("vault.ron")).unwrap();
    assert!(header.contains("format: 2"), "{header}");
    assert!(!header.to_lowercase().contains("riverside"), "{header}");
    assert!(!header.contains("Vale"), "{header}");
}

#[test]
fn the_date_finder_finds_dates() {
    assert!(has_readable_date("at 2026-11-26T10:00").is_some());
    assert!(has_readable_date("on 26.11.2026").is_some());
    assert!(has_readable_date("on 11/26/2026").is_some());
    assert!(has_readable_date("age-encryption.org/v1 -> X25519 abc").is_none());
}
