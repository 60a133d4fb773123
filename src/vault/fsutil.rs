//! Durable file operations: atomic replace (temp file in the same folder, fsync, rename,
//! fsync the folder), or the same never over an existing file; private folders (0700) and
//! files (0600).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Prefix of every temporary file Tandem writes; such files are never records.
pub const TEMP_PREFIX: &str = ".tandem-tmp-";

/// Create a folder (and its parents) readable only by the owner.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Flush a folder's entries (a rename is durable only once its folder is synced).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Replace `dir/name` with `bytes` so that, at every instant, the file holds either its
/// old content or the new, never a mix: write a temp file in the same folder, fsync it,
/// rename it over the target, fsync the folder. Returns once all of that is done.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    write_atomic_stat(dir, name, bytes).map(|_| ())
}

/// As `write_atomic`, returning the written file's metadata. It is taken from the file
/// handle before the rename (which changes neither size nor modification time), so it
/// describes exactly the bytes written even if the file is replaced again at once.
pub fn write_atomic_stat(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<fs::Metadata> {
    let (temp, meta) = write_temp(dir, bytes)?;
    temp.persist(dir.join(name)).map_err(|e| e.error)?;
    sync_dir(dir)?;
    Ok(meta)
}

/// As `write_atomic`, but never over an existing file: if `dir/name` exists (checked at
/// the rename itself, so nothing can slip in between), it is left as it was, the temp
/// file is removed, and the error is `AlreadyExists`.
pub fn write_atomic_new(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let (temp, _) = write_temp(dir, bytes)?;
    temp.persist_noclobber(dir.join(name))
        .map_err(|e| e.error)?;
    sync_dir(dir)
}

/// `bytes` in a new owner-only temp file in `dir`, synced.
fn write_temp(dir: &Path, bytes: &[u8]) -> io::Result<(tempfile::NamedTempFile, fs::Metadata)> {
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    let meta = temp.as_file().metadata()?;
    Ok((temp, meta))
}

/// Make a file readable and writable by its owner only (a file moved in from elsewhere,
/// such as a damaged record set aside, keeps the mode it had).
pub fn make_private_file(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Whether a file name is one of ours in the middle of being written.
pub fn is_temp(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX)
}

/// Bytes an unprivileged process may still write on the file system holding `dir`, where
/// the platform says (`None` otherwise, or when it cannot be asked).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::fs::statvfs(dir)
            .ok()
            .map(|s| s.f_bavail.saturating_mul(s.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}
