//! Writing an exported document where the person asked for it: whole or not at all
//! (temp file, fsync, rename), readable by the owner only, the folder made if missing, and
//! over an existing file only when asked.

use super::error::{Result, VaultError};
use super::fsutil;
use std::path::{Path, PathBuf};

/// What to do when the file to be written is already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfExists {
    /// Leave it as it is and fail with `VaultError::OutputExists` (checked at the rename
    /// itself, so a file that appears meanwhile is not replaced either).
    Refuse,
    /// Replace it, once the new file is complete.
    Replace,
}

/// Write `bytes` to `path` whole, owner-only, the folder made if missing; an existing
/// file is replaced only if `if_exists` says so, and then only once the new one is
/// complete.
pub fn write_export(path: &Path, bytes: &[u8], if_exists: IfExists) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| VaultError::Invalid(format!("not a file name: {}", path.display())))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        fsutil::create_private_dir(&dir).map_err(|e| {
            VaultError::io(format!("cannot create the folder {}", dir.display()), e)
        })?;
    }
    let written = match if_exists {
        IfExists::Replace => fsutil::write_atomic(&dir, name, bytes),
        IfExists::Refuse => fsutil::write_atomic_new(&dir, name, bytes),
    };
    written.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => VaultError::OutputExists(path.to_path_buf()),
        _ => VaultError::io(format!("cannot write {}", path.display()), e),
    })
}

/// Whether something (a file, a folder, a link, even a dangling one) is at `path`: an
/// output that must not be written over without asking.
pub fn output_exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Make sure files can be written into `dir` before anything is logged or laid out:
/// created (owner-only) if missing, and then a folder this user can write into (a file is
/// made there and removed). A bad folder is said at once, beside the field it was typed
/// into, rather than by a job that already closed the dialog.
pub fn check_folder(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() {
        return Err(VaultError::Invalid("choose a folder".into()));
    }
    if !dir.exists() {
        fsutil::create_private_dir(dir).map_err(|e| {
            VaultError::io(format!("cannot create the folder {}", dir.display()), e)
        })?;
    }
    if !dir.is_dir() {
        return Err(VaultError::Invalid(format!(
            "this is a file, not a folder: {}",
            dir.display()
        )));
    }
    tempfile::Builder::new()
        .prefix(fsutil::TEMP_PREFIX)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| VaultError::io(format!("cannot write into the folder {}", dir.display()), e))
}

/// `dir/name`, or `dir/stem (2).ext` and so on if that is taken: an export never
/// replaces an earlier one unasked.
pub fn free_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem, format!(".{ext}")),
        None => (name, String::new()),
    };
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Where the app offers to save exports: "Tandem exports" in the documents folder.
pub fn default_export_dir() -> Option<PathBuf> {
    let dirs = directories::UserDirs::new()?;
    let base = dirs
        .document_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dirs.home_dir().to_path_buf());
    Some(base.join("Tandem exports"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_path_never_names_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_path(dir.path(), "a.pdf"), dir.path().join("a.pdf"));
        std::fs::write(dir.path().join("a.pdf"), b"x").unwrap();
        std::fs::write(dir.path().join("a (2).pdf"), b"x").unwrap();
        assert_eq!(free_path(dir.path(), "a.pdf"), dir.path().join("a (3).pdf"));
    }

    #[test]
    fn a_folder_is_checked_made_and_written_into_before_an_export() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("a").join("b");
        check_folder(&new).unwrap();
        assert!(new.is_dir(), "a missing folder is made");
        assert_eq!(std::fs::read_dir(&new).unwrap().count(), 0, "nothing left");
        let file = dir.path().join("file.pdf");
        std::fs::write(&file, b"x").unwrap();
        let error = check_folder(&file).unwrap_err().to_string();
        assert!(error.contains("not a folder"), "{error}");
        let under_file = file.join("inside");
        let error = check_folder(&under_file).unwrap_err().to_string();
        assert!(error.starts_with("cannot create the folder"), "{error}");
        assert!(check_folder(Path::new("")).is_err());
    }

    #[test]
    fn an_export_is_written_whole_into_a_new_private_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("note.pdf");
        write_export(&path, b"%PDF-1.3 first", IfExists::Refuse).unwrap();
        let refused = write_export(&path, b"%PDF-1.3 second", IfExists::Refuse).unwrap_err();
        assert!(matches!(refused, VaultError::OutputExists(_)), "{refused}");
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.3 first");
        write_export(&path, b"%PDF-1.3 second", IfExists::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.3 second");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| fsutil::is_temp(&e.file_name().to_string_lossy()))
            .collect();
        assert!(leftovers.is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o077,
                0,
                "an export must be readable by its owner only"
            );
        }
    }
}
