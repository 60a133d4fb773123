//! Reading a vault from another thread: `VaultReader` lists the record files with their
//! stamps, reads records (setting damaged ones aside exactly as `Vault::load` does), and
//! reads and writes the sealed search cache (`records/search.age`), a derived file like
//! the list index. It holds the vault's key and lock only weakly: once the `Vault` is
//! dropped (locked), every call fails with `VaultError::Locked`, so no background job keeps
//! the key in memory or writes without the lock.

use super::crypto::Cipher;
use super::error::{Result, VaultError};
use super::record::{RecordBody, RecordKind};
use super::{Access, FileProblem, RECORDS_DIR, ReadOutcome, Stamp, Store, fsutil, list_files};
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use uuid::Uuid;

/// The search cache's file name in `records/`, before the extension (`search.age`).
const SEARCH_CACHE_STEM: &str = "search";
/// Largest search cache Tandem will read (a practice of 10,000 sessions makes about
/// 20 MiB); a larger file is treated as damaged and rebuilt.
const MAX_CACHE_BYTES: u64 = 1024 * 1024 * 1024;

/// A record file as listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordFile {
    pub kind: RecordKind,
    pub id: Uuid,
    pub stamp: Stamp,
}

/// Every record file in the vault's folders, in folder and file-name order, and a problem
/// for everything else found there (sync conflict copies, unexpected files).
#[derive(Clone, Debug, Default)]
pub struct RecordListing {
    pub files: Vec<RecordFile>,
    pub problems: Vec<FileProblem>,
}

/// What reading one record file gave.
#[derive(Debug)]
pub enum RecordRead {
    /// The record (boxed: a session is far larger than the other outcomes), and the
    /// stamp of the file it was read from.
    Record { body: Box<RecordBody>, stamp: Stamp },
    /// There is no such file (it was removed since it was listed).
    Missing,
    /// Damaged (moved to `quarantine/` in read-write access) or unreadable: reported,
    /// not loaded.
    Problem(FileProblem),
}

/// The search cache file as found. Derived data: whatever is wrong with it, it is rebuilt.
#[derive(Debug)]
pub enum CacheFile {
    Missing,
    /// Unreadable, too large, or does not decrypt with this vault's key.
    Damaged,
    /// The decrypted content.
    Found(Vec<u8>),
}

/// Reads a vault's records on any thread, for as long as the `Vault` it came from is open
/// (see `Vault::reader`). Cheap to clone.
#[derive(Clone)]
pub struct VaultReader {
    root: PathBuf,
    extension: &'static str,
    access: Access,
    cipher: Weak<Cipher>,
    lock: Option<Weak<File>>,
}

/// The key, and the write lock in read-write access, held for the length of one call.
struct Held {
    cipher: Arc<Cipher>,
    _lock: Option<Arc<File>>,
}

impl VaultReader {
    pub(super) fn new(
        root: PathBuf,
        extension: &'static str,
        access: Access,
        cipher: Weak<Cipher>,
        lock: Option<Weak<File>>,
    ) -> VaultReader {
        VaultReader {
            root,
            extension,
            access,
            cipher,
            lock,
        }
    }

    /// Whether the vault was opened read-write (only then does a reader write anything:
    /// the search cache, and damaged files moved to quarantine).
    pub fn access(&self) -> Access {
        self.access
    }

    /// The key and, in read-write access, the lock; `Locked` once the vault was dropped.
    fn hold(&self) -> Result<Held> {
        let cipher = self.cipher.upgrade().ok_or(VaultError::Locked)?;
        let lock = match (&self.lock, self.access) {
            (Some(lock), _) => Some(lock.upgrade().ok_or(VaultError::Locked)?),
            (None, Access::ReadOnly) => None,
            (None, Access::ReadWrite) => return Err(VaultError::Locked),
        };
        Ok(Held {
            cipher,
            _lock: lock,
        })
    }

    fn store<'a>(&'a self, held: &'a Held) -> Store<'a> {
        Store {
            root: &self.root,
            cipher: &held.cipher,
            access: self.access,
        }
    }

    /// Every record file with its stamp, without opening any.
    pub fn list(&self) -> Result<RecordListing> {
        let _held = self.hold()?;
        let listing = list_files(&self.root, self.extension)?;
        Ok(RecordListing {
            files: listing
                .files
                .into_iter()
                .map(|(kind, id, _, stamp)| RecordFile { kind, id, stamp })
                .collect(),
            problems: listing.problems,
        })
    }

    /// Read one record. A damaged file is set aside and reported as by `Vault::load`.
    /// Fails only when the vault has been locked.
    pub fn read(&self, kind: RecordKind, id: Uuid) -> Result<RecordRead> {
        let held = self.hold()?;
        let store = self.store(&held);
        let name = format!("{id}{}", self.extension);
        Ok(match store.read_one(kind, id, &name) {
            ReadOutcome::Ok(envelope, stamp) => RecordRead::Record {
                body: Box::new(envelope.body),
                stamp,
            },
            ReadOutcome::Missing => RecordRead::Missing,
            other => match store.problem(kind, &name, other) {
                Some(problem) => RecordRead::Problem(problem),
                None => RecordRead::Missing,
            },
        })
    }

    fn cache_path(&self) -> PathBuf {
        self.root
            .join(RECORDS_DIR)
            .join(format!("{SEARCH_CACHE_STEM}{}", self.extension))
    }

    /// The decrypted search cache, if there is one that opens. Its content is the
    /// caller's to check: the vault only keeps it sealed.
    pub fn read_search_cache(&self) -> Result<CacheFile> {
        use std::io::Read;
        let held = self.hold()?;
        // Only a regular file, opened without blocking: anything else is a damaged cache.
        let (file, len) =
            match super::input::open_regular(&self.cache_path(), "search cache", MAX_CACHE_BYTES) {
                Ok((file, meta)) => (file, meta.len()),
                Err(e) if e.is_not_found() => return Ok(CacheFile::Missing),
                Err(_) => return Ok(CacheFile::Damaged),
            };
        // Decrypted as it is read: the plaintext is about as long as the file.
        let sealed = std::io::BufReader::with_capacity(1 << 16, file.take(MAX_CACHE_BYTES));
        Ok(
            match held
                .cipher
                .open_stream(sealed, usize::try_from(len).unwrap_or(0))
            {
                Ok(plain) => CacheFile::Found(plain),
                Err(_) => CacheFile::Damaged,
            },
        )
    }

    /// Seal `bytes` to the vault's key and write them as the search cache, atomically.
    /// Refused in read-only access: that writes nothing but the audit log.
    pub fn write_search_cache(&self, bytes: &[u8]) -> Result<()> {
        if self.access == Access::ReadOnly {
            return Err(VaultError::ReadOnly);
        }
        let held = self.hold()?;
        let sealed = held.cipher.sealer().seal(bytes)?;
        let path = self.cache_path();
        let dir = self.root.join(RECORDS_DIR);
        let name = format!("{SEARCH_CACHE_STEM}{}", self.extension);
        fsutil::write_atomic(&dir, &name, &sealed)
            .map_err(|e| VaultError::io(format!("cannot write {}", path.display()), e))
    }
}
