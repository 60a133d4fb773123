//! Reading a folder of template files into a `Library`: every `.ron` file is read with a
//! size cap and parsed on its own, so one bad file never stops the others.

use crate::template::{Library, MAX_TEMPLATE_BYTES, Problem, TemplateError};
use std::path::Path;

/// Load one template file, or every `*.ron` file of a folder (`load_dir`).
pub fn load_path(path: &Path) -> Result<Library, std::io::Error> {
    if !path.is_file() {
        return load_dir(path);
    }
    let name = path.display().to_string();
    Ok(match read_capped(path) {
        Ok(text) => Library::from_sources([(name, text)]),
        Err(message) => {
            let mut library = Library::default();
            library.push_error(TemplateError {
                file: name.clone(),
                problems: vec![Problem {
                    file: name,
                    line: 1,
                    col: 1,
                    message,
                }],
            });
            library
        }
    })
}

/// Load every `*.ron` file in `dir` (not recursive), in file-name order.
pub fn load_dir(dir: &Path) -> Result<Library, std::io::Error> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    paths.sort();
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        match read_capped(&path) {
            Ok(text) => sources.push((name, text)),
            Err(message) => unreadable.push(TemplateError {
                file: name.clone(),
                problems: vec![Problem {
                    file: name,
                    line: 1,
                    col: 1,
                    message,
                }],
            }),
        }
    }
    let mut library = Library::from_sources(sources);
    for error in unreadable {
        library.push_error(error);
    }
    Ok(library)
}

/// Read a file as UTF-8: only a regular file (a named pipe is refused, never waited on),
/// refused without reading it whole when it is over the cap.
fn read_capped(path: &Path) -> Result<String, String> {
    let (bytes, _) = super::input::read_regular(path, "template", MAX_TEMPLATE_BYTES as u64)
        .map_err(|e| e.reason())?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Read one template file given on the command line (`tandem templates add`): a regular
/// UTF-8 file under the template size cap. The error names the file.
pub fn read_template(path: &Path) -> Result<String, super::VaultError> {
    read_capped(path)
        .map_err(|why| super::VaultError::Invalid(format!("{}: {why}", path.display())))
}

/// Read a template file to open in the protocol editor: as `read_template`, the reason
/// alone (the app names the file).
pub fn read_template_file(path: &Path) -> Result<String, String> {
    read_capped(path)
}

/// Write a template file made in the protocol editor: whole or not at all, and never over
/// a file already there.
pub fn write_template_file(path: &Path, text: &str) -> Result<(), String> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Err("that is not a file's path".into());
    };
    let name = name.to_string_lossy();
    if !dir.is_dir() {
        return Err("there is no such folder".into());
    }
    super::fsutil::write_atomic_new(dir, &name, text.as_bytes()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{name} is already in that folder: choose another folder, or move that file first"
            )
        } else {
            format!("{name} could not be written ({e})")
        }
    })
}
