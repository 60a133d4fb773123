//! The layering of ARCHITECTURE.md, checked on the source: each module imports only the
//! modules below it, egui only in the app, printpdf only in `export/pdf.rs`, the file
//! system only in the vault, and the clock only at the edges (the frame loop, the
//! windows' start and close, the command line). A `use` that runs up the layers fails
//! this test with the file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each module and the crate modules it may import (besides itself). Keep in step with
/// ARCHITECTURE.md's table and diagram, and `lib.rs`.
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("template", &["model"]),
    ("clinical", &["template", "model"]),
    ("runner", &["template", "model"]),
    ("vault", &["template", "model"]),
    ("export", &["clinical", "template", "model"]),
    ("demo", &["runner", "vault", "template", "model"]),
    (
        "practice",
        &[
            "demo", "runner", "vault", "export", "clinical", "template", "model",
        ],
    ),
    (
        "app",
        &[
            "practice", "runner", "vault", "export", "clinical", "template", "model",
        ],
    ),
    (
        "cli",
        &[
            "practice", "demo", "runner", "vault", "export", "clinical", "template", "model",
        ],
    ),
];

/// Files that may read the clock: the edges, where `now` is read and passed in.
const CLOCK_READERS: &[&str] = &[
    "src/main.rs",
    "src/cli.rs",
    "src/app/mod.rs",
    "src/app/fill.rs",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a source file belongs to: the first part of its path under `src/`.
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix("src").expect("under src");
    let first = relative
        .components()
        .next()
        .expect("a component")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a file that ships: without line comments, and without its unit tests
/// (`tests.rs` files and what follows `#[cfg(test)]`).
fn shipped_lines(path: &Path) -> Vec<(usize, String)> {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return Vec::new();
    }
    let text = std::fs::read_to_string(path).expect("readable source");
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        lines.push((n + 1, line.to_string()));
    }
    lines
}

/// Every `crate::name` a line refers to.
fn crate_refs(line: &str) -> Vec<String> {
    let mut refs = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            refs.push(name);
        }
        rest = after;
    }
    refs
}

fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    files
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut violations = Vec::new();
    let mut checked = 0;
    for path in sources() {
        let module = module_of(&path);
        let Some(below) = allowed.get(module.as_str()) else {
            continue;
        };
        checked += 1;
        for (n, line) in shipped_lines(&path) {
            for name in crate_refs(&line) {
                if name != module && !below.contains(&name.as_str()) {
                    violations.push(format!("{}:{n}: {module} imports {name}", path.display()));
                }
            }
        }
    }
    assert!(checked > 50, "the source files were found ({checked})");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_library_declares_exactly_the_layered_modules() {
    let lib = std::fs::read_to_string("src/lib.rs").expect("lib.rs");
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let mut layered: Vec<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    layered.sort();
    let mut declared_sorted = declared.clone();
    declared_sorted.sort();
    assert_eq!(declared_sorted, layered);
    let architecture = std::fs::read_to_string("ARCHITECTURE.md").expect("ARCHITECTURE.md");
    for module in &layered {
        assert!(
            architecture.contains(&format!("| `{module}` |")),
            "ARCHITECTURE.md's table has no row for {module}"
        );
    }
    assert!(
        architecture.contains(
            "main → cli, app → practice → demo → runner, vault, export → clinical → template → model"
        ),
        "ARCHITECTURE.md's diagram is the one this test checks"
    );
}

#[test]
fn the_command_line_and_the_library_below_the_app_never_touch_egui() {
    let mut violations = Vec::new();
    for path in sources() {
        let module = module_of(&path);
        if module == "app" || module == "main" {
            continue;
        }
        for (n, line) in shipped_lines(&path) {
            if line.contains("egui::") || line.contains("eframe::") || line.contains("crate::app") {
                violations.push(format!("{}:{n}: {}", path.display(), line.trim()));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn only_the_pdf_writer_imports_printpdf() {
    let mut violations = Vec::new();
    for path in sources() {
        if path == Path::new("src/export/pdf.rs") {
            continue;
        }
        for (n, line) in shipped_lines(&path) {
            if line.contains("printpdf") || line.contains("lopdf") {
                violations.push(format!("{}:{n}: {}", path.display(), line.trim()));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn only_the_vault_touches_the_file_system() {
    let mut violations = Vec::new();
    for path in sources() {
        if module_of(&path) == "vault" {
            continue;
        }
        for (n, line) in shipped_lines(&path) {
            if line.contains("std::fs") || line.contains(" fs::") || line.contains("(fs::") {
                violations.push(format!("{}:{n}: {}", path.display(), line.trim()));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_clock_is_read_only_at_the_edges() {
    let mut violations = Vec::new();
    for path in sources() {
        let name = path.display().to_string();
        if CLOCK_READERS.contains(&name.as_str()) {
            continue;
        }
        for (n, line) in shipped_lines(&path) {
            if line.contains("Utc::now()")
                || line.contains("Local::now()")
                || line.contains("SystemTime::now()")
            {
                violations.push(format!("{name}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
