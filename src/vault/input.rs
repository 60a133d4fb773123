//! Reading a file Tandem is handed (a record to import, a take-home worksheet, a backup,
//! a template) or one of the vault's own files: only a regular file, never blocking on a
//! named pipe, never reading past a cap.
//!
//! The file's type is checked before it is opened (so a device is never opened and a
//! pipe never waited on), the file is opened without blocking, the opened handle's type
//! is checked again (the path may have been swapped in between), and reading stops one
//! byte past the cap. Errors name the file, never its content.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file was not read. Messages name the file (last) and what it was meant to be.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("the {what} must be a regular file, and this is {found}: {}", path.display())]
    NotRegular {
        what: &'static str,
        found: &'static str,
        path: PathBuf,
    },
    #[error("the {what} is larger than the {} it may be: {}", size_text(*cap_bytes), path.display())]
    TooLarge {
        what: &'static str,
        cap_bytes: u64,
        path: PathBuf,
    },
    #[error("cannot read the {what} ({error}): {}", path.display())]
    Io {
        what: &'static str,
        error: std::io::Error,
        path: PathBuf,
    },
}

impl InputError {
    /// Why, without the path: for reports that name the file themselves.
    pub fn reason(&self) -> String {
        match self {
            InputError::NotRegular { found, .. } => format!("{found}, not a regular file"),
            InputError::TooLarge { cap_bytes, .. } => {
                format!("larger than the {} it may be", size_text(*cap_bytes))
            }
            InputError::Io { error, .. } => format!("cannot be read: {error}"),
        }
    }

    /// Whether the file is simply not there.
    pub fn is_not_found(&self) -> bool {
        matches!(self, InputError::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound)
    }
}

/// A size for a message: "64 MiB", "256 KiB", "100 bytes".
pub fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    match bytes {
        b if b >= GIB && b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// What a file that is not a regular one is, in words.
fn kind_of(meta: &Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a named pipe");
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Some("a device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Open `path` for reading if it is a regular file of at most `cap_bytes`, without ever
/// blocking: its type is checked before opening (following links: a link to a regular
/// file is one), it is opened non-blocking, and the open handle is checked again.
/// Returns the file and the handle's metadata.
pub fn open_regular(
    path: &Path,
    what: &'static str,
    cap_bytes: u64,
) -> Result<(File, Metadata), InputError> {
    let io = |error| InputError::Io {
        what,
        error,
        path: path.to_path_buf(),
    };
    let check = |meta: &Metadata| match kind_of(meta) {
        Some(found) => Err(InputError::NotRegular {
            what,
            found,
            path: path.to_path_buf(),
        }),
        None if meta.len() > cap_bytes => Err(InputError::TooLarge {
            what,
            cap_bytes,
            path: path.to_path_buf(),
        }),
        None => Ok(()),
    };
    check(&std::fs::metadata(path).map_err(io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Should the path become a pipe after the check, opening it still returns at
        // once (and the check below refuses it); no terminal is ever adopted.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    check(&meta)?;
    Ok((file, meta))
}

/// Read a regular file whole, refusing it (without reading on) once it is over
/// `cap_bytes`. Returns the bytes and the open handle's metadata.
pub fn read_regular(
    path: &Path,
    what: &'static str,
    cap_bytes: u64,
) -> Result<(Vec<u8>, Metadata), InputError> {
    let (file, meta) = open_regular(path, what, cap_bytes)?;
    // Never trust the size for the allocation: the file may grow while it is read.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len().min(1 << 20)).unwrap_or(0));
    file.take(cap_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| InputError::Io {
            what,
            error,
            path: path.to_path_buf(),
        })?;
    if bytes.len() as u64 > cap_bytes {
        return Err(InputError::TooLarge {
            what,
            cap_bytes,
            path: path.to_path_buf(),
        });
    }
    Ok((bytes, meta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[cfg(unix)]
    fn fifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
    }

    #[test]
    fn a_regular_file_under_the_cap_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ron");
        std::fs::write(&path, b"(format: 1)").unwrap();
        let (bytes, meta) = read_regular(&path, "record file", 100).unwrap();
        assert_eq!(bytes, b"(format: 1)");
        assert_eq!(meta.len(), 11);
        let at_cap = read_regular(&path, "record file", 11).unwrap();
        assert_eq!(at_cap.0.len(), 11);
    }

    #[test]
    fn a_file_over_the_cap_is_refused_by_name_and_never_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.ron");
        std::fs::write(&path, b"Maya said something private").unwrap();
        let error = read_regular(&path, "record file", 10).unwrap_err();
        assert!(matches!(error, InputError::TooLarge { cap_bytes: 10, .. }));
        let message = error.to_string();
        assert!(message.ends_with(&path.display().to_string()), "{message}");
        assert!(message.contains("10 bytes"), "{message}");
        assert!(!message.contains("Maya"), "{message}");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_before_a_byte_is_read() {
        let started = Instant::now();
        let error = read_regular(Path::new("/dev/zero"), "record file", 1 << 30).unwrap_err();
        assert!(
            matches!(
                error,
                InputError::NotRegular {
                    found: "a device",
                    ..
                }
            ),
            "{error}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pipe.ron");
        fifo(&path);
        let error = read_regular(&path, "template", 1024).unwrap_err();
        assert!(
            matches!(
                error,
                InputError::NotRegular {
                    found: "a named pipe",
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "the template must be a regular file, and this is a named pipe: {}",
                path.display()
            )
        );
        // A link to a pipe is a pipe.
        let link = dir.path().join("link.ron");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(matches!(
            read_regular(&link, "template", 1024),
            Err(InputError::NotRegular { .. })
        ));
    }

    #[test]
    fn a_folder_and_a_missing_file_are_refused_plainly() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_regular(dir.path(), "backup", 1024),
            Err(InputError::NotRegular {
                found: "a folder",
                ..
            })
        ));
        let missing = read_regular(&dir.path().join("nope"), "backup", 1024).unwrap_err();
        assert!(missing.is_not_found());
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(64 * 1024 * 1024), "64 MiB");
        assert_eq!(size_text(256 * 1024), "256 KiB");
        assert_eq!(size_text(8 * 1024 * 1024 * 1024), "8 GiB");
        assert_eq!(size_text(100), "100 bytes");
    }
}
