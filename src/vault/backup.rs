//! Backup to one encrypted file, and restore into a new folder.
//!
//! A backup is a tar archive of the vault's header, wrapped key and record files (each
//! record still encrypted as on disk), the whole archive age-encrypted with the vault's
//! passphrase. Restore trusts nothing in the archive: every entry must be a regular file
//! or folder at a path a vault has, relative, without `..`, links or oversize content;
//! the first entry that is not refuses the whole restore, and nothing is left behind.

use super::crypto;
use super::error::{Result, VaultError};
use super::record::RecordKind;
use super::{Access, HEADER_FILE, IDENTITY_FILE, RECORDS_DIR, Vault, Verified, fsutil};
use secrecy::SecretString;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Largest single entry a restore accepts.
pub const MAX_ENTRY_BYTES: u64 = super::MAX_RECORD_BYTES;
/// Largest total a restore accepts.
pub const MAX_TOTAL_BYTES: u64 = 8 * 1024 * 1024 * 1024;

/// What a backup held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BackupReport {
    pub files: usize,
    pub bytes: u64,
}

/// Write every record file, the header and the wrapped key to `out`, encrypted with
/// `passphrase`. The file appears at `out` only once complete.
pub fn backup(
    vault: &Vault,
    out: &Path,
    passphrase: &SecretString,
    log_n: u8,
) -> Result<BackupReport> {
    let root = vault.root();
    let mut builder = tar::Builder::new(Vec::new());
    builder.mode(tar::HeaderMode::Deterministic);
    let mut report = BackupReport::default();
    let mut add = |builder: &mut tar::Builder<Vec<u8>>, relative: &str| -> Result<()> {
        let path = root.join(relative);
        let bytes = fs::read(&path)
            .map_err(|e| VaultError::io(format!("cannot read {}", path.display()), e))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, relative, bytes.as_slice())
            .map_err(|e| VaultError::io("cannot build the backup", e))?;
        report.files += 1;
        report.bytes += bytes.len() as u64;
        Ok(())
    };
    add(&mut builder, HEADER_FILE)?;
    if root.join(IDENTITY_FILE).exists() {
        add(&mut builder, IDENTITY_FILE)?;
    }
    for name in AUDIT_FILES {
        if root.join(name).exists() {
            add(&mut builder, name)?;
        }
    }
    let extension = vault.extension();
    for kind in RecordKind::ALL {
        let dir = root.join(RECORDS_DIR).join(kind.folder());
        let listing = match fs::read_dir(&dir) {
            Ok(listing) => listing,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(VaultError::io(format!("cannot list {}", dir.display()), e)),
        };
        let mut names: Vec<String> = listing
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_record_name(n, extension))
            .collect();
        names.sort();
        for name in names {
            add(
                &mut builder,
                &format!("{RECORDS_DIR}/{}/{name}", kind.folder()),
            )?;
        }
    }
    let archive = builder
        .into_inner()
        .map_err(|e| VaultError::io("cannot build the backup", e))?;
    let sealed = crypto::seal_with_passphrase(&archive, passphrase, log_n)?;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .ok_or_else(|| VaultError::Backup("the output needs a file name".into()))?
        .to_string_lossy()
        .into_owned();
    fsutil::write_atomic(&dir, &name, &sealed)
        .map_err(|e| VaultError::io(format!("cannot write {}", out.display()), e))?;
    Ok(report)
}

/// The audit log and its sealed head travel with the records.
const AUDIT_FILES: [&str; 3] = [
    super::audit::AUDIT_FILE,
    super::audit::AUDIT_HEAD_AGE,
    super::audit::AUDIT_HEAD_RON,
];

fn is_record_name(name: &str, extension: &str) -> bool {
    name.strip_suffix(extension)
        .is_some_and(|stem| uuid::Uuid::parse_str(stem).is_ok_and(|id| id.to_string() == stem))
}

/// Whether a path from an archive is one a vault has: `vault.ron`, `identity.age`, or
/// `records/<kind folder>/<uuid>.<age|ron>`. Checked component by component, so
/// absolute paths, `..`, `.` and odd names are all refused.
fn allowed_path(path: &Path) -> bool {
    let parts: Vec<&str> = match path
        .components()
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
    {
        Some(parts) => parts,
        None => return false,
    };
    match parts.as_slice() {
        [name] => *name == HEADER_FILE || *name == IDENTITY_FILE || AUDIT_FILES.contains(name),
        [records, folder, name] => {
            *records == RECORDS_DIR
                && RecordKind::ALL.iter().any(|k| k.folder() == *folder)
                && (is_record_name(name, ".age") || is_record_name(name, ".ron"))
        }
        _ => false,
    }
}

/// Restore a backup into `target` (new or empty), then open it and check every record.
/// Returns the opened records and any problems; refuses hostile archives whole.
pub fn restore(file: &Path, target: &Path, passphrase: &SecretString) -> Result<Verified> {
    if target.exists() {
        let empty = fs::read_dir(target)
            .map_err(|e| VaultError::io(format!("cannot list {}", target.display()), e))?
            .next()
            .is_none();
        if !empty {
            return Err(VaultError::NotEmpty(target.to_path_buf()));
        }
    }
    let sealed =
        fs::read(file).map_err(|e| VaultError::io(format!("cannot read {}", file.display()), e))?;
    let archive = crypto::open_with_passphrase(&sealed, passphrase)?;

    // Unpack into a staging folder beside the target; move into place only when whole.
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fsutil::create_private_dir(&parent)
        .map_err(|e| VaultError::io(format!("cannot create {}", parent.display()), e))?;
    let staging = tempfile::Builder::new()
        .prefix(fsutil::TEMP_PREFIX)
        .tempdir_in(&parent)
        .map_err(|e| {
            VaultError::io(format!("cannot create a folder in {}", parent.display()), e)
        })?;
    unpack(&archive, staging.path())?;
    if !staging.path().join(HEADER_FILE).exists() {
        return Err(VaultError::Backup(
            "the archive holds no vault header".into(),
        ));
    }
    let staged = staging.keep();
    if target.exists() {
        fs::remove_dir(target)
            .map_err(|e| VaultError::io(format!("cannot replace {}", target.display()), e))?;
    }
    fs::rename(&staged, target).map_err(|e| {
        VaultError::io(
            format!("cannot move the restore to {}", target.display()),
            e,
        )
    })?;
    fsutil::sync_dir(&parent)
        .map_err(|e| VaultError::io(format!("cannot sync {}", parent.display()), e))?;
    let vault = Vault::open(target, Some(passphrase), Access::ReadWrite)?;
    vault.verify()
}

fn unpack(archive: &[u8], into: &Path) -> Result<()> {
    let mut tar = tar::Archive::new(archive);
    let entries = tar
        .entries()
        .map_err(|_| VaultError::Backup("the archive is not readable".into()))?;
    let mut total = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(|_| VaultError::Backup("the archive is damaged".into()))?;
        let path = entry
            .path()
            .map_err(|_| VaultError::Backup("an entry has an unreadable path".into()))?
            .into_owned();
        let shown = path.display().to_string();
        match entry.header().entry_type() {
            tar::EntryType::Regular => {}
            tar::EntryType::Directory => {
                if allowed_dir(&path) {
                    continue;
                }
                return Err(VaultError::Backup(format!("unexpected folder {shown}")));
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                return Err(VaultError::Backup(format!("{shown} is a link")));
            }
            other => {
                return Err(VaultError::Backup(format!(
                    "{shown} is not a regular file ({other:?})"
                )));
            }
        }
        if !allowed_path(&path) {
            return Err(VaultError::Backup(format!(
                "{shown} is not a path a vault has"
            )));
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        total = total.saturating_add(size);
        if size > MAX_ENTRY_BYTES || total > MAX_TOTAL_BYTES {
            return Err(VaultError::Backup(format!(
                "{shown} is larger than a vault file may be"
            )));
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| VaultError::Backup(format!("{shown} is damaged")))?;
        if bytes.len() as u64 > MAX_ENTRY_BYTES {
            return Err(VaultError::Backup(format!(
                "{shown} is larger than a vault file may be"
            )));
        }
        let dest = into.join(&path);
        let dir = dest.parent().unwrap_or(into).to_path_buf();
        fsutil::create_private_dir(&dir)
            .map_err(|e| VaultError::io(format!("cannot create {}", dir.display()), e))?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        fsutil::write_atomic(&dir, &name, &bytes)
            .map_err(|e| VaultError::io(format!("cannot write {}", dest.display()), e))?;
    }
    for kind in RecordKind::ALL {
        let dir = into.join(RECORDS_DIR).join(kind.folder());
        fsutil::create_private_dir(&dir)
            .map_err(|e| VaultError::io(format!("cannot create {}", dir.display()), e))?;
    }
    Ok(())
}

fn allowed_dir(path: &Path) -> bool {
    let parts: Option<Vec<&str>> = path
        .components()
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    match parts.as_deref() {
        Some([records]) => *records == RECORDS_DIR,
        Some([records, folder]) => {
            *records == RECORDS_DIR && RecordKind::ALL.iter().any(|k| k.folder() == *folder)
        }
        _ => false,
    }
}
