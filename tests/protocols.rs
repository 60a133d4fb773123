//! The practice's own protocols: added to the vault (`tandem templates add`), listed and
//! checked with the shipped ones, run live, and removed; and every session keeping the
//! exact protocol it ran, so that its export reads the same after the protocol is
//! replaced or removed.
#![cfg(unix)]

mod common;

use chrono::{DateTime, TimeZone, Utc};
use std::path::Path;
use std::process::Output;
use tandem::model::{Audience, Bindings};
use tandem::practice::{Added, Practice};
use tandem::runner::Action;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap()
}

/// A small protocol of the practice's own, written as a therapist would from
/// docs/templates.md: a script and a private text step. `title` tells versions apart.
fn own_protocol(title: &str, step_title: &str) -> String {
    format!(
        r#"(
    format: 1,
    id: "evening-reflection",
    title: "{title}",
    summary: "A short reflection each partner writes on their own before talking.",
    source: "Written for this practice.",
    length_mins: 20,
    steps: [
        (
            id: "welcome",
            title: "Welcome",
            therapist: "Say what the next twenty minutes are for.",
            prompts: ["We will each write a few lines first, then talk."],
            kind: Script,
        ),
        (
            id: "reflect",
            title: "{step_title}",
            prompts: ["What stayed with you from this week?"],
            visibility: PartnerPrivate,
            kind: Text(respondents: Each),
        ),
    ],
)"#
    )
}

fn tandem(vault: &Path, args: &[&str]) -> Output {
    common::tandem(Some(vault), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_protocol_added_on_the_command_line_is_listed_checked_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault");
    let made = tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let file = dir.path().join("evening-reflection.ron");
    std::fs::write(&file, own_protocol("Evening reflection", "Reflect")).unwrap();

    let added = tandem(&vault, &["templates", "add", file.to_str().unwrap()]);
    assert!(
        added.status.success(),
        "{}{}",
        text(&added.stdout),
        text(&added.stderr)
    );
    assert!(text(&added.stdout).contains("added evening-reflection"));
    assert!(
        text(&added.stdout).contains("has no `requires`"),
        "a protocol that does not wait for the screen is pointed out"
    );

    let listed = text(&tandem(&vault, &["templates", "list"]).stdout);
    let line = listed
        .lines()
        .find(|l| l.starts_with("evening-reflection"))
        .unwrap_or_else(|| panic!("not listed: {listed}"));
    assert!(line.contains("(practice's own)"), "{line}");
    assert!(
        listed.lines().count() >= 20,
        "the shipped ones too: {listed}"
    );
    let checked = tandem(&vault, &["templates", "check"]);
    assert!(checked.status.success(), "{}", text(&checked.stdout));
    assert!(text(&checked.stdout).contains("evening-reflection"));

    // A blank sheet of it, and a take-home worksheet, from the practice's library.
    let sheet = dir.path().join("sheet.pdf");
    let printed = tandem(
        &vault,
        &[
            "worksheet",
            "evening-reflection",
            "--audience",
            "clinician",
            "-o",
            sheet.to_str().unwrap(),
        ],
    );
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    assert!(common::pdf_words(&sheet).contains("Evening reflection"));

    // The same file again changes nothing; a shipped id is refused; a broken file is
    // reported by line and column and the good one in the same command still goes in.
    let again = tandem(&vault, &["templates", "add", file.to_str().unwrap()]);
    assert!(text(&again.stdout).contains("already in the library"));
    let clash = dir.path().join("clash.ron");
    std::fs::write(
        &clash,
        own_protocol("Mine", "Reflect").replace("evening-reflection", "intentional-dialogue"),
    )
    .unwrap();
    let broken = dir.path().join("broken.ron");
    std::fs::write(
        &broken,
        own_protocol("Broken", "Reflect")
            .replace("kind: Script,", "kind: Scrpt,")
            .replace("evening-reflection", "broken-reflection"),
    )
    .unwrap();
    let second = dir.path().join("second.ron");
    std::fs::write(
        &second,
        own_protocol("Second", "Reflect").replace("evening-reflection", "second-reflection"),
    )
    .unwrap();
    let mixed = tandem(
        &vault,
        &[
            "templates",
            "add",
            clash.to_str().unwrap(),
            broken.to_str().unwrap(),
            second.to_str().unwrap(),
        ],
    );
    assert_eq!(mixed.status.code(), Some(1));
    let said = text(&mixed.stdout);
    assert!(
        said.contains("belongs to a protocol shipped with Tandem"),
        "{said}"
    );
    assert!(said.contains("broken.ron:"), "{said}");
    assert!(said.contains("added second-reflection"), "{said}");

    let removed = tandem(&vault, &["templates", "remove", "evening-reflection"]);
    assert!(removed.status.success(), "{}", text(&removed.stderr));
    let listed = text(&tandem(&vault, &["templates", "list"]).stdout);
    assert!(!listed.contains("evening-reflection"), "{listed}");
    let shipped = tandem(&vault, &["templates", "remove", "intentional-dialogue"]);
    assert!(!shipped.status.success());
    let audit = text(&tandem(&vault, &["audit"]).stdout);
    assert!(audit.contains("added evening-reflection"), "{audit}");
    assert!(audit.contains("removed evening-reflection"), "{audit}");
}

#[test]
fn a_session_of_the_practices_own_protocol_runs_and_reads_the_same_after_it_changes_or_goes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    let mut practice = Practice::create_demo(&root, now()).expect("demo");
    let added = practice
        .add_protocol(
            "evening-reflection.ron",
            &own_protocol("Evening reflection", "Reflect on the week"),
            now(),
        )
        .expect("added");
    assert!(matches!(added, Added::New { .. }));
    assert!(practice.library().is_own("evening-reflection"));

    // Run it live with a couple, as any protocol.
    let couple = practice.lists().couples[0].id;
    let record = practice.open_couple(couple, now()).expect("couple");
    let mut runner = practice
        .start_session(&record, "evening-reflection", Bindings::default(), now())
        .expect("starts");
    runner.apply(Action::Next, now()).expect("next");
    let session = runner.session().clone();
    assert!(session.protocol.is_some(), "the session names its version");
    practice
        .save_and_wait(tandem::vault::RecordBody::Session(session.clone()), now())
        .expect("saved");
    let ctx = practice.export_context(now());
    let export = |practice: &Practice| {
        let report = practice
            .export_session(
                &session,
                &record.couple,
                tandem::export::SessionDocument::Worksheet,
                Audience::Clinician,
                &ctx,
            )
            .expect("exported")
            .report;
        format!("{report:?}")
    };
    let before = export(&practice);
    assert!(before.contains("Reflect on the week"), "{before}");

    // A new version with another step title: the session still reads as it ran.
    let replaced = practice
        .add_protocol(
            "evening-reflection.ron",
            &own_protocol("Evening reflection", "A different title"),
            now(),
        )
        .expect("replaced");
    assert!(matches!(replaced, Added::Replaced { .. }));
    assert_eq!(export(&practice), before);
    // Removed from the library: the same.
    practice
        .remove_protocol("evening-reflection", now())
        .expect("removed");
    assert!(practice.library().get("evening-reflection").is_none());
    assert_eq!(export(&practice), before);
    // And in a new process, reading everything from the vault.
    drop(practice);
    let mut practice = Practice::open(
        tandem::practice::OpenRequest {
            root: root.clone(),
            passphrase: Some(secrecy::SecretString::from(
                tandem::practice::DEMO_PASSPHRASE.to_string(),
            )),
            want: tandem::practice::Want::ReadWrite,
            origin: "app",
            lists: true,
        },
        now(),
    )
    .expect("opens");
    assert_eq!(export(&practice), before);
    // It can be taken up again too.
    let record = practice.open_couple(couple, now()).expect("couple");
    let resumed = practice
        .resume_session(&record, session.id, now())
        .expect("resumes after its protocol left the library");
    assert_eq!(resumed.session().id, session.id);
}

#[test]
fn a_shipped_protocol_a_session_ran_is_kept_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    let mut practice = Practice::create_demo(&root, now()).expect("demo");
    let couple = practice.lists().couples[0].id;
    let record = practice.open_couple(couple, now()).expect("couple");
    let runner = practice
        .start_session(&record, "weekly-check-in", Bindings::default(), now())
        .expect("starts");
    let session = runner.session().clone();
    practice
        .save_and_wait(tandem::vault::RecordBody::Session(session.clone()), now())
        .expect("saved");
    let versions = practice
        .vault()
        .records_of(tandem::vault::RecordKind::Protocol)
        .expect("versions");
    assert!(
        versions.iter().any(|r| matches!(r,
            tandem::vault::RecordBody::Protocol(p)
                if p.template_id == "weekly-check-in"
                    && Some(&p.fingerprint) == session.protocol.as_ref()
                    && !p.own)),
        "the version the session ran is in the vault"
    );
}
