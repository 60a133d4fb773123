//! The derived index: list summaries of every record, keyed by file and stamped with the
//! file's size, modification time and inode number. Purely a cache: rebuilt from the
//! records whenever it is missing, damaged or stale, and rewritten only when a scan found
//! it stale (never on every save). Encoded with postcard, a compact binary serde format, because the
//! index is read on every unlock and RON parsing dominated that time.

use super::crypto::{Cipher, Sealer};
use super::record::{NoteSummary, ProcessNoteSummary, RecordBody, SessionSummary};
use super::{RECORDS_DIR, fsutil};
use crate::model::Couple;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Format of the index; bumped whenever its encoding changes (an old index is then
/// simply rebuilt).
const INDEX_FORMAT: u32 = 7;
/// Largest index read: 11,000 records take 2.2 MiB, so this is room for a practice fifty
/// times larger; a larger (or non-regular) file is ignored and the index rebuilt.
const MAX_INDEX_BYTES: u64 = 128 * 1024 * 1024;

fn file_name(cipher_is_age: bool) -> &'static str {
    if cipher_is_age {
        "index.age"
    } else {
        "index.ron"
    }
}

/// Size, modification time and inode number of a record file as it was read or written:
/// a derived cache trusts what it holds for a file only while the file's stamp is the one
/// it recorded. The inode number catches a file replaced (every save renames a new file
/// into place) within the same tick of a coarse file-system clock, with the same size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stamp {
    pub len: u64,
    pub modified_secs: u64,
    pub modified_nanos: u32,
    /// The file's inode number (0 where the platform has none to give).
    pub inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let since_epoch = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .unwrap_or_default();
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp {
            len: meta.len(),
            modified_secs: since_epoch.as_secs(),
            modified_nanos: since_epoch.subsec_nanos(),
            inode,
        }
    }
}

/// What a list shows of a record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Summary {
    Couple(Couple),
    Session(SessionSummary),
    Note(NoteSummary),
    ProcessNote(ProcessNoteSummary),
    /// Kinds no list shows (courses, found by the couple's id): opened when needed.
    Unlisted,
}

impl Summary {
    pub fn of(body: &RecordBody) -> Summary {
        match body {
            RecordBody::Couple(c) => Summary::Couple(c.clone()),
            RecordBody::Session(s) => Summary::Session(SessionSummary::of(s)),
            RecordBody::Note(n) => Summary::Note(NoteSummary::of(n)),
            RecordBody::ProcessNote(n) => Summary::ProcessNote(ProcessNoteSummary {
                id: n.id,
                couple: n.couple,
                session: n.session,
            }),
            RecordBody::Course(_) | RecordBody::Worksheet(_) | RecordBody::Protocol(_) => {
                Summary::Unlisted
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub stamp: Stamp,
    pub summary: Summary,
    /// The record's version in that file (`sync::Version`).
    #[serde(default)]
    pub version: super::sync::Version,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub format: u32,
    pub entries: BTreeMap<String, Entry>,
    /// Record files the index knew that have since gone from their folder (not set aside
    /// by Tandem: it never deletes a record): carried from scan to scan until the file is
    /// back or the therapist acknowledges it, so the loss stays visible.
    pub missing: std::collections::BTreeSet<String>,
    /// The latest audit anchor of the record files the index has read (see
    /// `record::Envelope::audit`), kept when files are not read again: a log that no
    /// longer has that line was cut or replaced. (One is enough for that; `verify` checks
    /// every record's.)
    pub anchor: Option<super::audit::Anchor>,
    /// Records whose file went back to a version older than (or beside) one this device
    /// had seen, with the version seen: carried until a version following it is there
    /// again (a conflict resolved), so a rollback never passes unnoticed.
    #[serde(default)]
    pub behind: BTreeMap<String, super::sync::Version>,
}

/// The index, if there is a readable one.
pub fn read(root: &Path, cipher: &Cipher) -> Option<Index> {
    let is_age = matches!(cipher, Cipher::Age(_));
    let path = root.join(RECORDS_DIR).join(file_name(is_age));
    let (sealed, _) = super::input::read_regular(&path, "list index", MAX_INDEX_BYTES).ok()?;
    let plain = cipher.open(&sealed).ok()?;
    let index: Index = postcard::from_bytes(&plain).ok()?;
    (index.format == INDEX_FORMAT).then_some(index)
}

/// Write the index atomically.
pub fn write(root: &Path, sealer: &Sealer, index: &Index) -> std::io::Result<()> {
    let mut index = index.clone();
    index.format = INDEX_FORMAT;
    let bytes = postcard::to_stdvec(&index).map_err(std::io::Error::other)?;
    let sealed = sealer
        .seal(&bytes)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let is_age = matches!(sealer, Sealer::Age(_));
    fsutil::write_atomic(&root.join(RECORDS_DIR), file_name(is_age), &sealed)
}
