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
use super::{Access, FileProblem, HEADER_FILE, IDENTITY_FILE, RECORDS_DIR, Vault, fsutil, input};
use secrecy::SecretString;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Component, Path, PathBuf};

/// Largest single entry a restore accepts: no vault file may be larger than a record.
pub const MAX_ENTRY_BYTES: u64 = super::MAX_RECORD_BYTES;
/// Largest total a restore unpacks: 10,000 sessions take about 100 MiB, so 8 GiB is far
/// beyond any practice, and stops a backup from filling the disk.
pub const MAX_TOTAL_BYTES: u64 = 8 * 1024 * 1024 * 1024;
/// Most entries a restore unpacks: a vault of 10,000 sessions has about 11,000 files.
pub const MAX_ENTRIES: usize = 1_000_000;
/// Largest backup file restore reads: the total it unpacks, with room for the archive's
/// framing (a 512-byte header per file and padding to 512 bytes, which can double a
/// vault of small files) and the encryption's (16 bytes per 64 KiB).
pub const MAX_BACKUP_BYTES: u64 = 2 * MAX_TOTAL_BYTES;
/// Longest age header restore reads before the archive: a passphrase backup's header is
/// about 200 bytes.
pub const MAX_BACKUP_HEADER_BYTES: u64 = 64 * 1024;

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
        // Only regular files, each no larger than a restore accepts: a pipe or an
        // oversize file planted in the vault stops the backup here, not a restore later.
        let (bytes, _) = input::read_regular(&path, "vault file", MAX_ENTRY_BYTES)?;
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
    // The clinicians' keys, and the practice's earlier keys (what older files open with).
    let mut key_files: Vec<String> = fs::read_dir(root.join(super::keys::KEYS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_key_file(n))
        .collect();
    key_files.sort();
    for name in key_files {
        add(&mut builder, &format!("{}/{name}", super::keys::KEYS_DIR))?;
    }
    // Every device's segment of the audit trail.
    for device in super::audit::segment_ids(root) {
        for name in SEGMENT_FILES {
            let relative = format!("{}/{device}/{name}", super::audit::AUDIT_DIR);
            if root.join(&relative).exists() {
                add(&mut builder, &relative)?;
            }
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

/// The audit log, its sealed head and the sealed settings travel with the records.
const AUDIT_FILES: [&str; 5] = [
    super::audit::AUDIT_FILE,
    super::audit::AUDIT_HEAD_AGE,
    super::audit::AUDIT_HEAD_RON,
    super::SETTINGS_AGE,
    super::SETTINGS_RON,
];

/// The files of one device's segment of the audit trail (`audit/<device>/`).
const SEGMENT_FILES: [&str; 3] = [
    super::audit::AUDIT_FILE,
    super::audit::AUDIT_HEAD_AGE,
    super::audit::AUDIT_HEAD_RON,
];

/// A file of `keys/`: a clinician's (`<id>.age`, `.pub`, `.vault`) or the practice's
/// earlier keys (`retired.age`, `next.age`).
fn is_key_file(name: &str) -> bool {
    name == "retired.age"
        || name == "next.age"
        || name.split_once('.').is_some_and(|(id, ext)| {
            super::sync::is_device_id(id) && matches!(ext, "age" | "pub" | "vault")
        })
}

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
        [keys, name] => *keys == super::keys::KEYS_DIR && is_key_file(name),
        [audit, device, name] if *audit == super::audit::AUDIT_DIR => {
            super::sync::is_device_id(device) && SEGMENT_FILES.contains(name)
        }
        [records, folder, name] => {
            *records == RECORDS_DIR
                && RecordKind::ALL.iter().any(|k| k.folder() == *folder)
                && (is_record_name(name, ".age") || is_record_name(name, ".ron"))
        }
        _ => false,
    }
}

/// What a restore brought back: how many records opened, and every problem (damaged
/// files are set aside in the restored vault's `quarantine/`, as `verify` does).
#[derive(Debug, Default)]
pub struct Restored {
    pub records: usize,
    pub problems: Vec<FileProblem>,
}

/// Restore a backup into `target` (new or empty), then return how many records opened
/// and any problems. The vault is built in a temporary folder beside `target`, opened and
/// checked there (header, key file and its work factor, every record), and renamed into
/// place only then: nothing outside `target` is changed (not even the mode of the
/// folder above it), and a restore that fails at any point leaves nothing behind, so it
/// can simply be tried again. Hostile archives are refused whole. The backup is read as
/// a stream (decrypted and unpacked as it is read), so memory stays small whatever its
/// size.
pub fn restore(
    file: &Path,
    target: &Path,
    passphrase: &SecretString,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Restored> {
    check_target(target)?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(VaultError::Backup(format!(
            "restore goes into a new folder inside an existing one, and this one does not exist: {}",
            parent.display()
        )));
    }
    let (sealed, _) = input::open_regular(file, "backup", MAX_BACKUP_BYTES)?;

    // The staging folder is ours alone: dropped (and removed) on every early return.
    let staging = tempfile::Builder::new()
        .prefix(fsutil::TEMP_PREFIX)
        .tempdir_in(&parent)
        .map_err(|e| {
            VaultError::io(format!("cannot create a folder in {}", parent.display()), e)
        })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o700)).map_err(|e| {
            VaultError::io(format!("cannot protect {}", staging.path().display()), e)
        })?;
    }
    let archive = crypto::open_stream_with_passphrase(
        bounded_age_stream(sealed.take(MAX_BACKUP_BYTES))?,
        passphrase,
    )
    .map_err(|e| match e {
        crypto::StreamError::NotAge => VaultError::Backup("the file is not a Tandem backup".into()),
        crypto::StreamError::TooMuchWork => {
            VaultError::Backup("the backup asks for more work to open than Tandem allows".into())
        }
        crypto::StreamError::WrongPassphrase => VaultError::WrongPassphrase,
    })?;
    let rest = unpack(archive, staging.path())?;
    drain(rest)?;
    if !staging.path().join(HEADER_FILE).exists() {
        return Err(VaultError::Backup(
            "the archive holds no vault header".into(),
        ));
    }
    fsutil::sync_dir(staging.path()).map_err(|e| VaultError::io("cannot sync the restore", e))?;

    // Open and check the vault where it is, before it is anywhere anyone would look.
    let verified = {
        let vault = Vault::open(staging.path(), Some(passphrase), Access::ReadWrite)
            .map_err(|e| match e {
                VaultError::WrongPassphrase => VaultError::Backup(
                    "the vault in the backup does not open with the backup's passphrase".into(),
                ),
                VaultError::Header(why) => {
                    VaultError::Backup(format!("the vault in the backup does not open: {why}"))
                }
                VaultError::Format { found, supported } => VaultError::Backup(format!(
                    "the vault in the backup is format {found}, and this Tandem reads format {supported}"
                )),
                VaultError::Input(why) => VaultError::Backup(format!(
                    "the vault in the backup does not open: {}",
                    why.reason()
                )),
                other => other,
            })?;
        let mut records = 0;
        let problems = vault.verify_each(|_| records += 1)?;
        // The log here was written anew from the backup: its entry says so, and seals it
        // as it is (its change time is the restore's, not a sign of tampering).
        vault.audit_restore(now)?;
        Restored { records, problems }
    };

    // An empty folder at `target` is replaced by the rename itself (POSIX allows renaming
    // a folder over an empty one); anything that appeared there meanwhile stops it.
    fs::rename(staging.path(), target).map_err(|e| match e.kind() {
        std::io::ErrorKind::DirectoryNotEmpty | std::io::ErrorKind::AlreadyExists => {
            VaultError::NotEmpty(target.to_path_buf())
        }
        _ => VaultError::io(
            format!("cannot move the restore to {}", target.display()),
            e,
        ),
    })?;
    // Renamed: there is nothing left at the staging path to remove.
    let _ = staging.keep();
    fsutil::sync_dir(&parent)
        .map_err(|e| VaultError::io(format!("cannot sync {}", parent.display()), e))?;
    Ok(verified)
}

/// `target` must not exist or be an empty folder (not a link, not a file).
fn check_target(target: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(VaultError::io(
                format!("cannot look at {}", target.display()),
                e,
            ));
        }
    };
    if !meta.is_dir() {
        return Err(VaultError::NotEmpty(target.to_path_buf()));
    }
    let empty = fs::read_dir(target)
        .map_err(|e| VaultError::io(format!("cannot list {}", target.display()), e))?
        .next()
        .is_none();
    if empty {
        Ok(())
    } else {
        Err(VaultError::NotEmpty(target.to_path_buf()))
    }
}

/// The backup as age's decryptor should read it: its header must end within
/// `MAX_BACKUP_HEADER_BYTES` (age reads a header line by line, so a file without a line
/// break would otherwise be read whole into memory).
fn bounded_age_stream<R: Read>(mut sealed: R) -> Result<impl BufRead> {
    let mut head = Vec::new();
    (&mut sealed)
        .take(MAX_BACKUP_HEADER_BYTES)
        .read_to_end(&mut head)
        .map_err(|e| VaultError::io("cannot read the backup", e))?;
    if !head.starts_with(AGE_MAGIC) || !has_header_end(&head) {
        return Err(VaultError::Backup("the file is not a Tandem backup".into()));
    }
    Ok(BufReader::with_capacity(
        1 << 16,
        std::io::Cursor::new(head).chain(sealed),
    ))
}

/// The first line of every age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// Whether `head` holds a whole age header: a line starting `---` (the header's MAC),
/// ended by a line break.
fn has_header_end(head: &[u8]) -> bool {
    head.split_inclusive(|b| *b == b'\n')
        .any(|line| line.starts_with(b"---") && line.ends_with(b"\n"))
}

/// Read what follows the archive to the end, so that the encryption's last chunk and its
/// tag are checked: a backup cut short or extended is refused, not half-trusted.
fn drain(mut rest: impl Read) -> Result<()> {
    std::io::copy(&mut rest, &mut std::io::sink())
        .map(|_| ())
        .map_err(|_| VaultError::Backup("the backup is damaged (cut short or altered)".into()))
}

/// Unpack a tar stream into `into` (a fresh folder of ours), refusing the first entry a
/// vault would not hold, and any entry given twice. Returns the stream after the archive.
/// The parse step of `restore` after decryption; public so that the fuzz target
/// `backup_read` reaches it without the passphrase's scrypt.
pub fn unpack<R: Read>(archive: R, into: &Path) -> Result<R> {
    let mut tar = tar::Archive::new(archive);
    let entries = tar
        .entries()
        .map_err(|_| VaultError::Backup("the archive is not readable".into()))?;
    let mut total = 0u64;
    let mut count = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(|_| VaultError::Backup("the archive is damaged".into()))?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(VaultError::Backup(format!(
                "the archive holds more than the {MAX_ENTRIES} files a vault may have"
            )));
        }
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
        let dest = into.join(&path);
        let dir = dest.parent().unwrap_or(into).to_path_buf();
        fsutil::create_private_dir(&dir)
            .map_err(|e| VaultError::io(format!("cannot create {}", dir.display()), e))?;
        let mut options = fs::OpenOptions::new();
        // `create_new`: an entry given twice (a second `vault.ron`) is refused, never
        // allowed to replace the first.
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut out = options.open(&dest).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                VaultError::Backup(format!("{shown} is in the archive twice"))
            }
            _ => VaultError::io(format!("cannot write {}", dest.display()), e),
        })?;
        let copied = std::io::copy(&mut (&mut entry).take(MAX_ENTRY_BYTES + 1), &mut out)
            .map_err(|_| VaultError::Backup(format!("{shown} is damaged")))?;
        if copied > MAX_ENTRY_BYTES {
            return Err(VaultError::Backup(format!(
                "{shown} is larger than a vault file may be"
            )));
        }
        out.sync_all()
            .map_err(|e| VaultError::io(format!("cannot write {}", dest.display()), e))?;
    }
    for kind in RecordKind::ALL {
        let dir = into.join(RECORDS_DIR).join(kind.folder());
        fsutil::create_private_dir(&dir)
            .map_err(|e| VaultError::io(format!("cannot create {}", dir.display()), e))?;
        fsutil::sync_dir(&dir)
            .map_err(|e| VaultError::io(format!("cannot sync {}", dir.display()), e))?;
    }
    Ok(tar.into_inner())
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
