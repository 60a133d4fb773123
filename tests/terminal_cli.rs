//! What the command line prints when a record holds characters a terminal would obey:
//! NUL, BEL, an escape sequence, a bidi override. Every line shows them as the PDFs' tags;
//! `dump` into a pipe stays exact RON.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

fn tandem(vault: &Path, args: &[&str]) -> Output {
    common::tandem(Some(vault), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

/// A name with NUL, BEL, an escape sequence that turns a terminal red, and a
/// right-to-left override, as RON writes them.
const HOSTILE_NAME_RON: &str = r#""Maya\u{0}\u{7}\u{1b}[31m\u{202e}Okafor""#;
const HOSTILE_NAME: &str = "Maya\u{0}\u{7}\u{1b}[31m\u{202e}Okafor";
/// The same name as the command line must print it.
const TAGGED_NAME: &str = "Maya[U+0000][U+0007][U+001B][31m[RLO U+202E]Okafor";
/// A couple code with an escape sequence and a bidi override, and how it is printed.
const HOSTILE_CODE_RON: &str = r#""C-\u{1b}[2J\u{202e}99""#;
const TAGGED_CODE: &str = "C-[U+001B][2J[RLO U+202E]99";
const NEW_ID: &str = "0193a0a0-0000-7000-8000-00000000beef";

/// Characters no line of output may carry raw (a line feed ends a line, nothing else).
fn assert_no_raw_controls(what: &str, output: &str) {
    for c in output.chars() {
        assert!(
            c == '\n' || !tandem::export::tags::is_tagged(c),
            "{what} printed U+{:04X} raw: {output:?}",
            c as u32
        );
    }
}

/// A demo vault with one more couple whose name and code are hostile.
fn vault_with_hostile_couple(dir: &Path) -> PathBuf {
    let vault = dir.join("vault");
    let init = tandem(&vault, &["init", "--demo", "--kdf-log-n", "10"]);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let couples = text(&tandem(&vault, &["list", "couples"]).stdout);
    let id = couples
        .lines()
        .find(|l| l.starts_with("C-0101"))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("the first demo couple")
        .to_string();
    let dumped = text(&tandem(&vault, &["dump", "couple", &id]).stdout);
    let hostile = dumped
        .replace(&id, NEW_ID)
        .replace("\"Maya Okafor\"", HOSTILE_NAME_RON)
        .replace("\"C-0101\"", HOSTILE_CODE_RON);
    assert_ne!(
        hostile,
        dumped.replace(&id, NEW_ID),
        "the dump changed shape"
    );
    let file = dir.join("hostile.ron");
    std::fs::write(&file, hostile).expect("write");
    let import = tandem(&vault, &["import", &file.display().to_string()]);
    assert!(import.status.success(), "{}", text(&import.stderr));
    vault
}

#[test]
fn list_search_verify_and_errors_show_control_and_bidi_characters_as_tags() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = vault_with_hostile_couple(dir.path());

    let list = text(&tandem(&vault, &["list", "couples"]).stdout);
    assert!(list.contains(TAGGED_NAME), "{list}");
    assert!(list.contains(TAGGED_CODE), "{list}");
    assert_no_raw_controls("list couples", &list);

    let sessions = text(&tandem(&vault, &["list", "sessions"]).stdout);
    assert_no_raw_controls("list sessions", &sessions);

    let search = tandem(&vault, &["search", "okafor"]);
    let found = text(&search.stdout);
    assert!(search.status.success(), "{found}");
    assert!(found.contains(TAGGED_CODE), "{found}");
    assert!(found.contains("[RLO U+202E]Okafor"), "{found}");
    assert_no_raw_controls("search", &found);
    assert_no_raw_controls("search's warnings", &text(&search.stderr));

    // A file in the vault whose name carries an escape sequence and an override: verify
    // names it.
    std::fs::write(
        vault.join("records/couples/odd\u{1b}[31m\u{202e}name.txt"),
        b"x",
    )
    .expect("write");
    let verify = tandem(&vault, &["verify"]);
    let report = text(&verify.stdout);
    assert!(
        report.contains("odd[U+001B][31m[RLO U+202E]name.txt"),
        "{report}"
    );
    assert_no_raw_controls("verify", &report);

    // An error that names the couple by its code.
    let out = dir.path().join("process.pdf");
    let refused = tandem(
        &vault,
        &[
            "export",
            "process-notes",
            NEW_ID,
            "--include-process-notes",
            "-o",
            &out.display().to_string(),
        ],
    );
    assert!(!refused.status.success());
    let error = text(&refused.stderr);
    assert!(error.contains(TAGGED_CODE), "{error}");
    assert_no_raw_controls("an error", &error);
}

#[test]
fn dump_into_a_pipe_is_exact_ron_that_reads_back_to_the_same_record() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = vault_with_hostile_couple(dir.path());
    let dump = tandem(&vault, &["dump", "couple", NEW_ID]);
    assert!(dump.status.success(), "{}", text(&dump.stderr));
    let ron_text = text(&dump.stdout);
    // No tags: the pipe gets RON, whose strings escape what a terminal would obey.
    assert!(!ron_text.contains("[U+"), "{ron_text}");
    assert!(
        ron_text.contains(r#""Maya\0\u{7}\u{1b}[31m\u{202e}Okafor""#),
        "{ron_text}"
    );
    assert_no_raw_controls("dump", &ron_text);
    // Byte for byte what `ron` writes for the record it reads back, name intact.
    let body: tandem::vault::RecordBody = ron::from_str(&ron_text).expect("dump is RON");
    let tandem::vault::RecordBody::Couple(couple) = &body else {
        panic!("a couple");
    };
    assert_eq!(couple.partner_a.name, HOSTILE_NAME);
    let again =
        ron::ser::to_string_pretty(&body, ron::ser::PrettyConfig::default()).expect("serializes");
    assert_eq!(ron_text.as_bytes(), format!("{again}\n").as_bytes());
}
