//! `tandem export` and `tandem worksheet` as a therapist or a script runs them.

mod common;

use common::{pdf_words, text};
use std::path::Path;
use std::process::{Command, Output};

fn tandem(vault: Option<&Path>, args: &[&str]) -> Output {
    common::tandem(vault, args)
}

/// A demo vault with a practice name, and (id, template title, couple code) of its sessions.
fn demo(dir: &Path) -> (std::path::PathBuf, Vec<(String, String, String)>) {
    let vault = dir.join("vault");
    let out = tandem(Some(&vault), &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tandem(
        Some(&vault),
        &["settings", "--practice-name", "Harbour Couples Therapy"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tandem(Some(&vault), &["list", "sessions"]);
    let sessions = text(&out.stdout)
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.split("  ").collect();
            (
                parts.last().unwrap_or(&"").trim().to_string(),
                parts.get(2).unwrap_or(&"").trim().to_string(),
                parts.get(1).unwrap_or(&"").trim().to_string(),
            )
        })
        .collect();
    (vault, sessions)
}

#[test]
fn export_session_writes_a_note_for_the_audience_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, sessions) = demo(dir.path());
    let (id, title, code) = sessions
        .iter()
        .find(|(_, t, _)| t == "Intentional dialogue")
        .expect("the demo has a dialogue")
        .clone();
    let out_file = dir.path().join("out").join("note.pdf");
    let out = tandem(
        Some(&vault),
        &[
            "export",
            "session",
            &id,
            "--audience",
            "couple",
            "-o",
            out_file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("for the couple"));
    let words = pdf_words(&out_file);
    assert!(words.contains("Your session summary"), "{words}");
    assert!(words.contains(&title));
    assert!(words.contains(&format!("Couple {code}")));
    assert!(words.contains("Harbour Couples Therapy"));
    assert!(words.contains("made for the couple."));

    // A document the session has nothing for is refused by name, and nothing is written.
    let letters = dir.path().join("letters.pdf");
    let out = tandem(
        Some(&vault),
        &[
            "export",
            "session",
            &id,
            "--audience",
            "couple",
            "--document",
            "letters",
            "-o",
            letters.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("this session has no letters that the couple may see"));
    assert!(!letters.exists());

    // An audience that does not exist is refused with the ones that do.
    let out = tandem(
        Some(&vault),
        &[
            "export",
            "session",
            &id,
            "--audience",
            "everyone",
            "-o",
            "x.pdf",
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("use clinician, couple, partner-a or partner-b"));
}

#[test]
fn export_progress_charts_a_couples_ratings() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, _) = demo(dir.path());
    let out = tandem(Some(&vault), &["list", "couples"]);
    let first = text(&out.stdout);
    let couple_id = first
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("a couple")
        .to_string();
    let file = dir.path().join("progress.pdf");
    let out = tandem(
        Some(&vault),
        &[
            "export",
            "progress",
            &couple_id,
            "--audience",
            "clinician",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let words = pdf_words(&file);
    assert!(words.contains("Progress report"));
    assert!(words.contains("Felt heard"));
    assert!(words.contains("Couples Satisfaction Index (CSI-4): total score"));
}

#[test]
fn a_blank_worksheet_needs_no_vault() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sheet.pdf");
    let out = tandem(
        None,
        &[
            "worksheet",
            "communication-plan",
            "--practice",
            "Harbour Couples Therapy",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let words = pdf_words(&file);
    assert!(words.contains("Worksheet: Communication plan and commitments"));
    assert!(words.contains("What exactly"));
    let out = tandem(
        None,
        &[
            "worksheet",
            "no-such-protocol",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no protocol \"no-such-protocol\""));
}

#[test]
fn a_partners_blank_sheet_is_made_with_their_role_bound_and_the_safety_screen_only_for_the_clinician()
 {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sheet.pdf");
    let path = file.to_str().unwrap();
    let sheet = |args: &[&str]| {
        let mut all = vec!["worksheet"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", path]);
        tandem(None, &all)
    };
    // Partner B, the disclosing partner: their account, never the hurt partner's list.
    let out = sheet(&[
        "disclosure-preparation",
        "--audience",
        "partner-b",
        "--hurt-partner",
        "a",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let words = pdf_words(&file);
    assert!(
        words.contains("The disclosing partner's written account"),
        "{words}"
    );
    assert!(!words.contains("The hurt partner's questions"), "{words}");
    std::fs::remove_file(&file).unwrap();
    // Not knowing who the hurt partner is: refused, saying how to bind the role.
    let out = sheet(&["disclosure-preparation", "--audience", "partner-b"]);
    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(
        error.contains("which partner is the hurt partner") && error.contains("--hurt-partner"),
        "{error}"
    );
    // The safety screen: the clinician's sheet only.
    for audience in ["couple", "partner-a", "partner-b"] {
        let out = sheet(&["safety-screen", "--audience", audience]);
        assert!(!out.status.success(), "{audience}");
        assert!(
            text(&out.stderr).contains("its blank sheet is for the clinician only"),
            "{}",
            text(&out.stderr)
        );
    }
    assert!(!file.exists(), "nothing written");
    let out = sheet(&["safety-screen", "--audience", "clinician"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Europe/Berlin's offset from UTC at an instant, by the EU rule written out: +2 from
/// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October, +1
/// otherwise. Independent of the tz database the binary reads.
fn berlin_offset_hours(at: chrono::DateTime<chrono::Utc>) -> i64 {
    use chrono::{Datelike, TimeZone};
    let switch = |month: u32| {
        let last = chrono::NaiveDate::from_ymd_opt(at.year(), month, 31).unwrap();
        let sunday =
            last - chrono::Duration::days(i64::from(last.weekday().num_days_from_sunday()));
        chrono::Utc.from_utc_datetime(&sunday.and_hms_opt(1, 0, 0).unwrap())
    };
    if at >= switch(3) && at < switch(10) {
        2
    } else {
        1
    }
}

#[test]
fn times_are_shown_with_the_clock_rules_of_their_own_date() {
    use chrono::TimeZone;
    if !Path::new("/usr/share/zoneinfo/Europe/Berlin").exists() {
        assert!(
            std::env::var_os("TANDEM_REQUIRE_TZDATA").is_none(),
            "tzdata is required but missing"
        );
        common::skipped(
            "times across a daylight-saving change in Europe/Berlin",
            "tzdata",
        );
        return;
    }
    // A demo practice made on a fixed day: its first couple's weekly sessions, all at
    // 10:00 UTC, run from February to April 2026, across the change to summer time on
    // Sunday 29 March. Whatever day the test runs, both offsets are exercised.
    let now = chrono::Utc.with_ymd_and_hms(2026, 4, 20, 10, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault");
    drop(tandem::practice::Practice::create_demo(&vault, now).expect("demo practice"));
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tandem"))
            .env_remove("TANDEM_VAULT")
            .env("TZ", "Europe/Berlin")
            .env("TANDEM_PASSPHRASE", tandem::practice::DEMO_PASSPHRASE)
            .arg("--vault")
            .arg(&vault)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["list", "sessions"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    let mut offsets = std::collections::BTreeSet::new();
    for line in listed.lines().filter(|l| l.contains("C-0101")) {
        let mut parts = line.split_whitespace();
        let date = chrono::NaiveDate::parse_from_str(parts.next().unwrap(), "%Y-%m-%d").unwrap();
        let time = chrono::NaiveTime::parse_from_str(parts.next().unwrap(), "%H:%M").unwrap();
        let at = chrono::Utc.from_utc_datetime(&date.and_time(time));
        let id = line.split_whitespace().last().unwrap();
        let file = dir.path().join(format!("{id}.pdf"));
        let file_arg = file.to_str().unwrap();
        let out = run(&[
            "export",
            "session",
            id,
            "--audience",
            "clinician",
            "-o",
            file_arg,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let offset = berlin_offset_hours(at);
        offsets.insert(offset);
        let local = at + chrono::Duration::hours(offset);
        let expected = format!("Time {} to", local.format("%H:%M"));
        assert!(
            pdf_words(&file).contains(&expected),
            "session of {at}: expected {expected:?}"
        );
    }
    assert_eq!(
        offsets,
        [1, 2].into(),
        "the sessions did not cross the change to summer time"
    );
}

#[test]
fn every_date_in_a_document_follows_the_practices_date_style() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, sessions) = demo(dir.path());
    let (id, _, _) = sessions
        .iter()
        .find(|(_, t, _)| t == "Communication plan and commitments")
        .expect("the demo has a plan")
        .clone();
    let export = |name: &str| {
        let file = dir.path().join(name);
        let out = tandem(
            Some(&vault),
            &[
                "export",
                "session",
                &id,
                "--audience",
                "clinician",
                "--document",
                "plan",
                "-o",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        pdf_words(&file)
    };
    let day_first = export("day-first.pdf");
    let out = tandem(Some(&vault), &["settings", "--date-style", "iso"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("dates in documents: 2026-11-27 (iso)"));
    let iso = export("iso.pdf");
    // Header, facts and the commitments' dates all in the one style.
    let iso_dates = iso
        .split_whitespace()
        .filter(|w| {
            let w = w.trim_matches(|c: char| !c.is_ascii_digit());
            w.len() == 10 && chrono::NaiveDate::parse_from_str(w, "%Y-%m-%d").is_ok()
        })
        .count();
    assert!(iso_dates >= 4, "{iso}");
    for month in [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ] {
        assert!(!iso.contains(&format!(" {month} 20")), "{month} in {iso}");
    }
    assert!(day_first.contains(" Oct 2026") || day_first.contains(" Nov 2026"));
    // An unknown style is refused by name.
    let out = tandem(Some(&vault), &["settings", "--date-style", "french"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("day-month-year, month-day-year or iso"));
}
