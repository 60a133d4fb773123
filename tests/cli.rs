//! The `tandem templates check` command as a user runs it.

use std::path::Path;
use std::process::Command;

fn tandem(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args)
        .env_remove("TANDEM_VAULT")
        .output()
        .expect("tandem runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn check_names_the_broken_file_with_line_and_column_and_loads_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let good = std::fs::read_to_string(shipped.join("intentional-dialogue.ron")).expect("read");
    std::fs::write(dir.path().join("a-good.ron"), &good).expect("write");
    let broken = good.replacen(
        "title: \"Send and mirror\"",
        "titel: \"Send and mirror\"",
        1,
    );
    let broken = broken.replacen("id: \"intentional-dialogue\"", "id: \"broken\"", 1);
    let (line, col) = broken
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("titel").map(|c| (i + 1, c + 1)))
        .expect("the typo is in the file");
    std::fs::write(dir.path().join("b-broken.ron"), &broken).expect("write");
    let other = good.replacen("id: \"intentional-dialogue\"", "id: \"other\"", 1);
    std::fs::write(dir.path().join("c-other.ron"), other).expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a template").expect("write");

    let (code, out) = tandem(&["templates", "check", &dir.path().display().to_string()]);
    assert_eq!(code, 1, "{out}");
    let broken_line = out
        .lines()
        .find(|l| l.contains("b-broken.ron:"))
        .unwrap_or_else(|| panic!("no line for the broken file in:\n{out}"));
    let expected = format!("b-broken.ron:{line}:{col}: Unexpected field named `titel`");
    assert!(broken_line.contains(&expected), "{broken_line}");
    assert!(
        out.contains("ok ") && out.contains("a-good.ron: intentional-dialogue"),
        "{out}"
    );
    assert!(out.contains("c-other.ron: other"), "{out}");
    assert!(
        out.contains("2 template(s) loaded, 1 file(s) with 1 problem(s)"),
        "{out}"
    );
}

#[test]
fn check_of_the_shipped_library_passes() {
    let (code, out) = tandem(&["templates", "check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 file(s) with 0 problem(s)"), "{out}");
}

#[test]
fn check_of_a_missing_folder_fails_clearly() {
    let (code, _) = tandem(&["templates", "check", "/nonexistent/tandem-templates"]);
    assert_eq!(code, 1);
}
