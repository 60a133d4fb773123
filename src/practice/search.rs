//! Searching the practice: the full-text index over every record (`clinical::SearchIndex`),
//! kept in the vault as a sealed derived cache (`records/search.age`), so that neither
//! `tandem search` nor the app's first search decrypts every record.
//!
//! How the cache stays true to the records:
//! - It holds the index and, for every record file it reflects, the file's `Stamp` (size,
//!   modification time, inode number) as read or as written by an acknowledged save.
//! - `SearchCache::load` lists the record folders and reads only files that are new, whose
//!   stamp differs, or whose stamp the cache does not know; records whose files are gone
//!   are dropped. Anything another process did (`tandem import`, a sync tool, a restored
//!   file) shows up as a new or changed stamp, and a cache written by a process that saw
//!   fewer records hides none: a file it has no entry for is read.
//! - It is rebuilt from every record when it is missing, does not open, is of another
//!   format, or was built with another template library (step titles come from templates;
//!   the cache stores a fingerprint of the library).
//! - It is written back only when something changed, and never in read-only access.
//!
//! Derived data only: deleting the cache file costs one rebuild. Errors and reports name
//! files, never clinical text, names or the query.

use crate::clinical::search::{HitKind, IndexDecodeError, SearchIndex, SearchResults};
use crate::model::CoupleId;
use crate::template::Library;
use crate::vault::{
    Access, CacheFile, FileProblem, RecordBody, RecordFile, RecordKind, RecordRead, Result, Stamp,
    VaultError, VaultReader,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use uuid::Uuid;

/// Format of the cache file's header (what follows it is `SearchIndex::to_bytes`, which
/// carries `clinical::search::INDEX_FORMAT`). Bumped whenever the header changes.
pub const CACHE_FORMAT: u32 = 1;

/// The most threads that read records at once when many must be read.
const MAX_READERS: usize = 4;

/// Why the index was built from every record instead of taken from the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rebuild {
    /// There was no cache file.
    Missing,
    /// The cache file did not open or did not hold a consistent index.
    Damaged,
    /// The cache was written by a Tandem with another cache or index format.
    OtherFormat,
    /// The cache was built with another template library (step titles differ).
    OtherLibrary,
}

/// What `SearchCache::load` did, for the caller to report and for tests and benchmarks.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Why the index was built from every record, if it was.
    pub rebuilt: Option<Rebuild>,
    /// Record files read: new, changed, or not known to the cache.
    pub records_read: usize,
    /// Records dropped from the index because their files are gone (or now damaged).
    pub records_removed: usize,
    /// Every file that could not be searched, by name: damaged (set aside in read-write
    /// access), unreadable, sync conflict copies, unexpected files.
    pub problems: Vec<FileProblem>,
    /// Whether the cache file was written.
    pub written: bool,
    /// Why writing the cache failed: it costs only speed next time, so it is not an error.
    pub write_error: Option<String>,
}

/// The search index of a practice and what it knows of each record file. Load it with
/// `load` (off the UI thread: it may read many records), keep it current with
/// `record_saved` and `stamp_saved`, and write it with `persist`.
#[derive(Clone, Debug)]
pub struct SearchCache {
    index: SearchIndex,
    entries: BTreeMap<(RecordKind, Uuid), Entry>,
    library: [u8; 32],
    /// Something changed since the cache was read or written.
    is_dirty: bool,
}

/// What the cache knows of one record file.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// The stamp of the file whose content is indexed; `None` when that is not known (a
    /// version saved from memory and not yet acknowledged): then the file is read again
    /// at the next load.
    stamp: Option<Stamp>,
    /// Versions announced by `record_saved` and not yet acknowledged.
    pending: u32,
}

/// The cache file's header; the index's bytes follow it.
#[derive(Serialize, Deserialize)]
struct Header<'a> {
    /// `CACHE_FORMAT`; first, so another format is told apart from damage.
    format: u32,
    library: [u8; 32],
    #[serde(borrow)]
    entries: Vec<SavedEntry<'a>>,
}

#[derive(Serialize, Deserialize)]
struct SavedEntry<'a> {
    /// `RecordKind::name`, so that reordering the kinds cannot mislabel a cache.
    kind: &'a str,
    id: Uuid,
    stamp: Option<Stamp>,
}

impl SearchCache {
    /// An empty cache for `library` (nothing indexed, nothing known of any file).
    fn empty(library: &Library) -> SearchCache {
        SearchCache {
            index: SearchIndex::new(),
            entries: BTreeMap::new(),
            library: fingerprint(library),
            is_dirty: true,
        }
    }

    /// Read the cache and bring it up to date with the record files: rebuild it from every
    /// record if it is missing, damaged, of another format or of another library; otherwise
    /// read only new and changed files and drop records whose files are gone. Writes the
    /// cache back if anything changed and the vault is open read-write (a failed write is
    /// reported, not an error). Fails only if the folders cannot be listed or the vault was
    /// locked meanwhile.
    pub fn load(reader: &VaultReader, library: &Library) -> Result<(SearchCache, LoadReport)> {
        // The folders are listed (system calls, about 25 ms for 11,000 files) while the
        // cache is decrypted and decoded.
        let (listing, cached) = std::thread::scope(|scope| {
            let lister = scope.spawn(|| reader.list());
            let cached = reader.read_search_cache().map(|file| match file {
                CacheFile::Missing => Err(Rebuild::Missing),
                CacheFile::Damaged => Err(Rebuild::Damaged),
                CacheFile::Found(bytes) => SearchCache::decode(&bytes, fingerprint(library)),
            });
            let listing = lister.join().unwrap_or_else(|_| {
                Err(VaultError::io(
                    "cannot list the vault",
                    std::io::Error::other("the listing thread failed"),
                ))
            });
            (listing, cached)
        });
        let listing = listing?;
        let mut report = LoadReport {
            problems: listing.problems,
            ..LoadReport::default()
        };
        let mut cache = cached?.unwrap_or_else(|why| {
            report.rebuilt = Some(why);
            SearchCache::empty(library)
        });

        let listed: HashMap<(RecordKind, Uuid), Stamp> = listing
            .files
            .iter()
            .map(|f| ((f.kind, f.id), f.stamp))
            .collect();
        let gone: Vec<(RecordKind, Uuid)> = cache
            .entries
            .keys()
            .filter(|key| !listed.contains_key(key))
            .copied()
            .collect();
        for (kind, id) in gone {
            cache.forget(kind, id);
            report.records_removed += 1;
        }
        let stale: Vec<RecordFile> = listing
            .files
            .into_iter()
            .filter(|f| {
                cache
                    .entries
                    .get(&(f.kind, f.id))
                    .and_then(|e| e.stamp)
                    .is_none_or(|known| known != f.stamp)
            })
            .collect();
        read_each(reader, &stale, |file, read| match read {
            RecordRead::Record { body, stamp } => {
                index_record(&mut cache.index, &body, library);
                cache.entries.insert(
                    (file.kind, file.id),
                    Entry {
                        stamp: Some(stamp),
                        pending: 0,
                    },
                );
                cache.is_dirty = true;
                report.records_read += 1;
            }
            RecordRead::Missing => {
                if cache.forget(file.kind, file.id) {
                    report.records_removed += 1;
                }
            }
            RecordRead::Problem(problem) => {
                if cache.forget(file.kind, file.id) {
                    report.records_removed += 1;
                }
                report.problems.push(problem);
            }
        })?;
        if report.rebuilt.is_some() || report.records_removed > 0 {
            cache.is_dirty = true;
        }
        if report.rebuilt.is_some() || report.records_read > 100 {
            cache.index.shrink_to_fit();
        }
        match cache.persist(reader) {
            Ok(written) => report.written = written,
            Err(e) => report.write_error = Some(e.to_string()),
        }
        Ok((cache, report))
    }

    /// Index a record just submitted for saving, so that searches find it at once. Its
    /// file's stamp is unknown until `stamp_saved` acknowledges this version; a cache
    /// persisted before that reads the file again at the next load. A failed save needs
    /// nothing more (the record is then read from disk at the next load). Saves that were
    /// acknowledged while a `load` ran belong to the loaded cache too: announce them to it
    /// afterwards, in order.
    pub fn record_saved(&mut self, body: &RecordBody, library: &Library) {
        index_record(&mut self.index, body, library);
        let entry = self.entries.entry((body.kind(), body.id())).or_default();
        entry.stamp = None;
        entry.pending += 1;
        self.is_dirty = true;
    }

    /// A save is on disk (`SaveOutcome::Saved`, or `Vault::save`'s result): once every
    /// version announced by `record_saved` is acknowledged, the cache knows that the file
    /// holds what it indexed. A stamp for a record with no announced version is ignored:
    /// the cache cannot know that it indexed that version.
    pub fn stamp_saved(&mut self, kind: RecordKind, id: Uuid, stamp: Stamp) {
        if let Some(entry) = self.entries.get_mut(&(kind, id))
            && entry.pending > 0
        {
            entry.pending -= 1;
            if entry.pending == 0 {
                entry.stamp = Some(stamp);
                self.is_dirty = true;
            }
        }
    }

    /// Write the cache to the vault if anything changed since it was read or written.
    /// Returns whether it wrote; writes nothing in read-only access. Entries whose stamp is
    /// unknown are written as such, so their files are read again at the next load.
    /// Encoding, sealing and syncing 20 MiB (10,000 sessions) takes about 0.1 s: off the UI
    /// thread, persist a clone (the original then stays dirty, which costs one more write).
    pub fn persist(&mut self, reader: &VaultReader) -> Result<bool> {
        if !self.is_dirty || reader.access() == Access::ReadOnly {
            return Ok(false);
        }
        reader.write_search_cache(&self.encode())?;
        self.is_dirty = false;
        Ok(true)
    }

    /// Whether something changed since the cache was read or written.
    pub fn is_dirty(&self) -> bool {
        self.is_dirty
    }

    /// The index, for queries and statistics.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Every record matching every word of `query`, grouped by couple.
    pub fn search(&self, query: &str) -> SearchResults {
        self.index.search(query)
    }

    /// As `search`, within one couple's records.
    pub fn search_couple(&self, query: &str, couple: CoupleId) -> SearchResults {
        self.index.search_couple(query, couple)
    }

    /// Drop a record from the index and the entries. Returns whether it was known.
    fn forget(&mut self, kind: RecordKind, id: Uuid) -> bool {
        if let Some(hit) = hit_kind(kind) {
            self.index.remove(hit, id);
        }
        let known = self.entries.remove(&(kind, id)).is_some();
        self.is_dirty |= known;
        known
    }

    /// The cache file's content: the header, then the index.
    fn encode(&self) -> Vec<u8> {
        let header = Header {
            format: CACHE_FORMAT,
            library: self.library,
            entries: self
                .entries
                .iter()
                .map(|((kind, id), entry)| SavedEntry {
                    kind: kind.name(),
                    id: *id,
                    stamp: entry.stamp,
                })
                .collect(),
        };
        // Serializing strings, numbers and vectors into memory cannot fail.
        let mut bytes = postcard::to_stdvec(&header).unwrap_or_default();
        bytes.extend_from_slice(&self.index.to_bytes());
        bytes
    }

    /// A cache from a file's content, if it is whole, of this format and of `library`.
    fn decode(bytes: &[u8], library: [u8; 32]) -> std::result::Result<SearchCache, Rebuild> {
        let (format, _) = postcard::take_from_bytes::<u32>(bytes).map_err(|_| Rebuild::Damaged)?;
        if format != CACHE_FORMAT {
            return Err(Rebuild::OtherFormat);
        }
        let (header, rest) =
            postcard::take_from_bytes::<Header<'_>>(bytes).map_err(|_| Rebuild::Damaged)?;
        if header.library != library {
            return Err(Rebuild::OtherLibrary);
        }
        let index = SearchIndex::from_bytes(rest).map_err(|e| match e {
            IndexDecodeError::Format { .. } => Rebuild::OtherFormat,
            IndexDecodeError::Damaged(_) => Rebuild::Damaged,
        })?;
        let mut entries = BTreeMap::new();
        for saved in header.entries {
            let kind = RecordKind::from_name(saved.kind).ok_or(Rebuild::Damaged)?;
            let entry = Entry {
                stamp: saved.stamp,
                pending: 0,
            };
            if entries.insert((kind, saved.id), entry).is_some() {
                return Err(Rebuild::Damaged);
            }
        }
        // A record in the index without an entry would never be dropped when its file goes.
        let orphan = index
            .records()
            .any(|(hit, id)| !entries.contains_key(&(record_kind(hit), id)));
        if orphan {
            return Err(Rebuild::Damaged);
        }
        Ok(SearchCache {
            index,
            entries,
            library,
            is_dirty: false,
        })
    }
}

/// Read `files` and hand each result to `take` in the order given. Many files are read on
/// several threads (decrypting and parsing dominate), indexed on this one as they arrive.
fn read_each(
    reader: &VaultReader,
    files: &[RecordFile],
    mut take: impl FnMut(&RecordFile, RecordRead),
) -> Result<()> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_READERS)
        .min(files.len() / 64);
    if threads < 2 {
        for file in files {
            take(file, reader.read(file.kind, file.id)?);
        }
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (sender, results) = mpsc::channel::<(usize, Result<RecordRead>)>();
        for _ in 0..threads {
            let sender = sender.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    if sender.send((i, reader.read(file.kind, file.id))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // Results arrive out of order; hand them on in order, so the index (and the cache
        // file) come out the same whatever the threads did.
        let mut waiting: BTreeMap<usize, RecordRead> = BTreeMap::new();
        let mut due = 0;
        for (i, read) in results {
            match read {
                Ok(read) => {
                    waiting.insert(i, read);
                }
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            while let Some(read) = waiting.remove(&due) {
                take(&files[due], read);
                due += 1;
            }
        }
        if due == files.len() {
            Ok(())
        } else {
            Err(VaultError::io(
                "cannot read the records",
                std::io::Error::other("a reading thread stopped"),
            ))
        }
    })
}

/// The kind of hit a record gives, if it is searched at all.
fn hit_kind(kind: RecordKind) -> Option<HitKind> {
    match kind {
        RecordKind::Couple => Some(HitKind::Couple),
        RecordKind::Session => Some(HitKind::Session),
        RecordKind::Note => Some(HitKind::Note),
        RecordKind::ProcessNote => Some(HitKind::ProcessNote),
        RecordKind::Course => Some(HitKind::Course),
        // An issued worksheet holds no answers, a protocol no client's words: nothing to
        // search.
        RecordKind::Worksheet | RecordKind::Protocol => None,
    }
}

/// The kind of record a hit is in.
fn record_kind(hit: HitKind) -> RecordKind {
    match hit {
        HitKind::Couple => RecordKind::Couple,
        HitKind::Session => RecordKind::Session,
        HitKind::Note => RecordKind::Note,
        HitKind::ProcessNote => RecordKind::ProcessNote,
        HitKind::Course => RecordKind::Course,
    }
}

/// What of a template library the index depends on: every template's id and content
/// (step titles name places), hashed, in id order.
fn fingerprint(library: &Library) -> [u8; 32] {
    let mut templates: Vec<_> = library.templates.iter().map(|(_, t)| t).collect();
    templates.sort_by(|a, b| a.id.cmp(&b.id));
    let mut hash = Sha256::new();
    for template in templates {
        // A template that does not serialize still counts by its id.
        let content = postcard::to_stdvec(template).unwrap_or_default();
        for part in [template.id.as_bytes(), &content] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
    }
    hash.finalize().into()
}

/// A search index over records as read from the vault.
pub fn search_index(records: &[RecordBody], library: &Library) -> SearchIndex {
    let mut index = SearchIndex::new();
    for body in records {
        index_record(&mut index, body, library);
    }
    index.shrink_to_fit();
    index
}

/// Add (or replace) one record in the index, with step titles from `library`.
pub fn index_record(index: &mut SearchIndex, body: &RecordBody, library: &Library) {
    match body {
        RecordBody::Couple(c) => index.add_couple(c),
        RecordBody::Session(s) => index.add_session(s, library.get(&s.template_id)),
        RecordBody::Note(n) => index.add_note(n),
        RecordBody::ProcessNote(n) => index.add_process_note(n),
        RecordBody::Course(c) => index.add_course(c),
        // An issued worksheet holds no answers, a protocol no client's words: nothing to
        // search.
        RecordBody::Worksheet(_) | RecordBody::Protocol(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Couple, PartnerInfo};
    use crate::vault::{Protection, Vault};
    use chrono::{DateTime, TimeZone, Utc};
    use secrecy::SecretString;
    use std::fs;
    use std::path::{Path, PathBuf};

    const LOG_N: u8 = 10;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
            .single()
            .expect("time")
    }

    fn pass() -> SecretString {
        SecretString::from("correct horse battery".to_string())
    }

    /// A vault holding the demo practice, and its records.
    fn filled(root: &Path) -> (Vault, Vec<RecordBody>) {
        let vault = Vault::init(
            root,
            Protection::Passphrase {
                passphrase: pass(),
                log_n: LOG_N,
            },
            now(),
        )
        .expect("init");
        let records = crate::demo::practice(&Library::builtin(), now());
        for record in &records {
            vault.save(record, now()).expect("save");
        }
        (vault, records)
    }

    fn cache_file(root: &Path) -> PathBuf {
        root.join("records").join("search.age")
    }

    fn session_file(root: &Path, id: Uuid) -> PathBuf {
        root.join("records")
            .join("sessions")
            .join(format!("{id}.age"))
    }

    /// Every file under a folder with its bytes.
    fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).expect("list").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.insert(path.clone(), fs::read(&path).expect("read"));
                }
            }
        }
        out
    }

    const QUERIES: &[&str] = &[
        "dialogue",
        "feel",
        "e",
        "s",
        "maya okaf",
        "c-0101",
        "\"i feel\"",
        "commitment",
        "quillon",
        "zebediah",
        "xylophone",
    ];

    /// The cache answers as an index built from every record now in the vault would.
    fn assert_answers_like_the_records(cache: &SearchCache, vault: &Vault, library: &Library) {
        let fresh = search_index(&vault.verify().expect("verify").records, library);
        assert_eq!(cache.index().len(), fresh.len());
        for query in QUERIES {
            assert_eq!(cache.search(query), fresh.search(query), "{query:?}");
        }
    }

    fn couple(code: &str, name: &str) -> RecordBody {
        RecordBody::Couple(Couple {
            format: crate::model::COUPLE_FORMAT,
            id: CoupleId(Uuid::new_v4()),
            code: code.into(),
            partner_a: PartnerInfo {
                name: name.into(),
                pronouns: String::new(),
            },
            partner_b: PartnerInfo::default(),
            created_on: now().date_naive(),
            archived: false,
        })
    }

    /// Hits (kind, record) for a query.
    fn found(cache: &SearchCache, query: &str) -> Vec<(HitKind, Uuid)> {
        cache
            .search(query)
            .groups
            .iter()
            .flat_map(|g| g.hits.iter().map(|h| (h.kind, h.record)))
            .collect()
    }

    #[test]
    fn the_first_load_builds_from_every_record_and_the_next_reads_none() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, records) = filled(&root);
        let library = Library::builtin();

        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!(report.rebuilt, Some(Rebuild::Missing));
        assert_eq!(report.records_read, records.len());
        assert!(report.written && report.write_error.is_none());
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert!(!cache.is_dirty());
        assert_answers_like_the_records(&cache, &vault, &library);
        let written = fs::read(cache_file(&root)).expect("the cache is written");

        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!(
            (report.rebuilt, report.records_read, report.records_removed),
            (None, 0, 0)
        );
        assert!(!report.written);
        assert_eq!(
            fs::read(cache_file(&root)).expect("cache"),
            written,
            "an unchanged cache is not rewritten"
        );
        assert_answers_like_the_records(&cache, &vault, &library);
    }

    #[test]
    fn records_added_changed_or_deleted_by_another_process_are_seen_at_the_next_load() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, records) = filled(&root);
        let library = Library::builtin();
        SearchCache::load(&vault.reader(), &library).expect("build");

        // What `tandem import` or a sync tool would do, unknown to the cache.
        let added = couple("C-7777", "Quillon Abara");
        vault.save(&added, now()).expect("save");
        let RecordBody::Couple(mut changed) = records[0].clone() else {
            panic!("the demo starts with a couple")
        };
        changed.partner_a.name = "Zebediah".into();
        vault
            .save(&RecordBody::Couple(changed.clone()), now())
            .expect("save");
        let deleted = records
            .iter()
            .find(|r| r.kind() == RecordKind::Session)
            .expect("a session")
            .id();
        fs::remove_file(session_file(&root, deleted)).expect("delete");

        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!(
            (report.rebuilt, report.records_read, report.records_removed),
            (None, 2, 1)
        );
        assert!(report.written);
        assert_eq!(
            found(&cache, "quillon"),
            vec![(HitKind::Couple, added.id())]
        );
        assert_eq!(
            found(&cache, "zebediah"),
            vec![(HitKind::Couple, changed.id.0)]
        );
        assert!(
            QUERIES
                .iter()
                .all(|q| found(&cache, q).iter().all(|(_, id)| *id != deleted)),
            "a deleted record is never found"
        );
        assert_answers_like_the_records(&cache, &vault, &library);

        let (_, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!((report.records_read, report.records_removed), (0, 0));
    }

    #[test]
    fn a_file_replaced_with_the_same_size_and_time_is_read_again() {
        // Unencrypted, so that the same length of text gives the same file size (age adds
        // a header stanza of random length).
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let vault = Vault::init(&root, Protection::InsecurePlaintext, now()).expect("init");
        let library = Library::builtin();
        let RecordBody::Couple(mut couple) = couple("C-1234", "Quillon Abara") else {
            unreachable!()
        };
        vault
            .save(&RecordBody::Couple(couple.clone()), now())
            .expect("save");
        SearchCache::load(&vault.reader(), &library).expect("build");
        let file = root
            .join("records")
            .join("couples")
            .join(format!("{}.ron", couple.id.0));
        let before = fs::metadata(&file).expect("stat");

        // Same length of text, so the same size; then the old modification time, as a
        // coarse file-system clock would give it.
        assert_eq!(couple.code.len(), "C-9876".len());
        couple.code = "C-9876".into();
        vault
            .save(&RecordBody::Couple(couple.clone()), now())
            .expect("save");
        fs::File::options()
            .write(true)
            .open(&file)
            .and_then(|f| f.set_modified(before.modified()?))
            .expect("set the time back");
        let (old, new) = (
            Stamp::of(&before),
            Stamp::of(&fs::metadata(&file).expect("stat")),
        );
        assert_eq!(
            (old.len, old.modified_secs, old.modified_nanos),
            (new.len, new.modified_secs, new.modified_nanos),
            "only the inode tells the files apart"
        );

        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!(report.records_read, 1);
        assert_eq!(
            found(&cache, "C-9876"),
            vec![(HitKind::Couple, couple.id.0)]
        );
    }

    #[test]
    fn a_record_saved_is_found_at_once_and_its_stamp_spares_the_next_load_a_read() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, _) = filled(&root);
        let library = Library::builtin();
        let (mut cache, _) = SearchCache::load(&vault.reader(), &library).expect("build");

        let added = couple("C-7777", "Quillon Abara");
        cache.record_saved(&added, &library);
        assert_eq!(
            found(&cache, "quillon"),
            vec![(HitKind::Couple, added.id())]
        );
        assert!(cache.is_dirty());
        let stamp = vault.save(&added, now()).expect("save");
        cache.stamp_saved(RecordKind::Couple, added.id(), stamp);
        assert!(cache.persist(&vault.reader()).expect("persist"));
        assert!(!cache.persist(&vault.reader()).expect("persist"), "once");

        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!((report.rebuilt, report.records_read), (None, 0));
        assert_eq!(
            found(&cache, "quillon"),
            vec![(HitKind::Couple, added.id())]
        );
        assert_answers_like_the_records(&cache, &vault, &library);
    }

    #[test]
    fn a_version_not_acknowledged_is_never_trusted_and_is_read_again() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, _) = filled(&root);
        let library = Library::builtin();
        let (mut cache, _) = SearchCache::load(&vault.reader(), &library).expect("build");

        // Two versions submitted; only the first reaches the disk (the second failed).
        let RecordBody::Couple(first) = couple("C-7777", "Quillon Abara") else {
            unreachable!()
        };
        let mut second = first.clone();
        second.partner_a.name = "Zebediah Abara".into();
        cache.record_saved(&RecordBody::Couple(first.clone()), &library);
        cache.record_saved(&RecordBody::Couple(second), &library);
        let stamp = vault
            .save(&RecordBody::Couple(first.clone()), now())
            .expect("save");
        cache.stamp_saved(RecordKind::Couple, first.id.0, stamp);
        assert_eq!(found(&cache, "zebediah").len(), 1, "in memory, at once");
        assert!(cache.persist(&vault.reader()).expect("persist"));

        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!(report.records_read, 1, "the unknown version is read again");
        assert_eq!(found(&cache, "zebediah"), vec![]);
        assert_eq!(
            found(&cache, "quillon"),
            vec![(HitKind::Couple, first.id.0)]
        );

        // A stamp for a version the cache was never told of changes nothing.
        let (mut cache, _) = SearchCache::load(&vault.reader(), &library).expect("load");
        let mut third = first.clone();
        third.partner_a.name = "Ottoline Abara".into();
        let stamp = vault.save(&RecordBody::Couple(third), now()).expect("save");
        cache.stamp_saved(RecordKind::Couple, first.id.0, stamp);
        assert!(!cache.persist(&vault.reader()).expect("persist"));
        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!(report.records_read, 1);
        assert_eq!(found(&cache, "ottoline").len(), 1);
    }

    #[test]
    fn a_damaged_or_foreign_cache_is_rebuilt_without_an_error() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, records) = filled(&root);
        let library = Library::builtin();
        let reader = vault.reader();
        let (cache, _) = SearchCache::load(&reader, &library).expect("build");
        let whole = cache.encode();
        let mut other_format = whole.clone();
        other_format[0] = CACHE_FORMAT as u8 + 1;
        let mut other_index_format = whole.clone();
        let index_start = whole.len() - cache.index().to_bytes().len();
        other_index_format[index_start] += 1;

        enum Damage {
            /// These bytes as the file, unsealed.
            Raw(Vec<u8>),
            /// These bytes sealed to the vault's key.
            Sealed(Vec<u8>),
            Delete,
        }
        let cases = [
            (
                "not an age file",
                Damage::Raw(b"garbage".to_vec()),
                Rebuild::Damaged,
            ),
            ("empty", Damage::Sealed(Vec::new()), Rebuild::Damaged),
            (
                "cut short",
                Damage::Sealed(whole[..whole.len() - 100].to_vec()),
                Rebuild::Damaged,
            ),
            (
                "another cache format",
                Damage::Sealed(other_format),
                Rebuild::OtherFormat,
            ),
            (
                "another index format",
                Damage::Sealed(other_index_format),
                Rebuild::OtherFormat,
            ),
            ("deleted", Damage::Delete, Rebuild::Missing),
        ];
        let file = cache_file(&root);
        for (what, damage, why) in cases {
            match damage {
                Damage::Raw(bytes) => fs::write(&file, bytes).expect("write"),
                Damage::Sealed(bytes) => reader.write_search_cache(&bytes).expect("write"),
                Damage::Delete => fs::remove_file(&file).expect("delete"),
            }
            let (cache, report) = SearchCache::load(&reader, &library).expect(what);
            assert_eq!(report.rebuilt, Some(why), "{what}");
            assert_eq!(report.records_read, records.len(), "{what}");
            assert!(report.problems.is_empty(), "{what}: {:?}", report.problems);
            assert!(report.written, "{what}");
            assert_answers_like_the_records(&cache, &vault, &library);
        }
    }

    #[test]
    fn another_template_library_rebuilds_the_index() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, _) = filled(&root);
        let builtin = Library::builtin();
        SearchCache::load(&vault.reader(), &builtin).expect("build");

        let mut renamed = builtin.clone();
        let (_, template) = renamed
            .templates
            .iter_mut()
            .find(|(_, t)| t.id == "intentional-dialogue")
            .expect("shipped");
        fn rename(steps: &mut [crate::template::Step]) {
            for step in steps {
                step.title = "Renamed step".into();
                if let crate::template::StepKind::Repeat { steps, .. } = &mut step.kind {
                    rename(steps);
                }
            }
        }
        rename(&mut template.steps);
        let (cache, report) = SearchCache::load(&vault.reader(), &renamed).expect("load");
        assert_eq!(report.rebuilt, Some(Rebuild::OtherLibrary));
        let places: Vec<String> = cache
            .search("feel")
            .groups
            .iter()
            .flat_map(|g| g.hits.iter().map(|h| h.place.clone()))
            .collect();
        assert!(
            places.iter().any(|p| p.starts_with("Renamed step")),
            "{places:?}"
        );
        assert_answers_like_the_records(&cache, &vault, &renamed);

        let (_, report) = SearchCache::load(&vault.reader(), &renamed).expect("load");
        assert_eq!((report.rebuilt, report.records_read), (None, 0));
        let (_, report) = SearchCache::load(&vault.reader(), &builtin).expect("load");
        assert_eq!(report.rebuilt, Some(Rebuild::OtherLibrary));
    }

    #[test]
    fn read_only_access_writes_nothing_and_still_answers() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, records) = filled(&root);
        let library = Library::builtin();
        drop(vault);
        let session = records
            .iter()
            .find(|r| r.kind() == RecordKind::Session)
            .expect("a session")
            .id();
        let victim = session_file(&root, session);
        fs::write(&victim, b"not an age file").expect("damage");

        // No cache yet: built in memory, not written.
        let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
        let before = snapshot(&root);
        let (mut cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!(report.rebuilt, Some(Rebuild::Missing));
        assert_eq!(report.records_read, records.len() - 1);
        assert!(!report.written && report.write_error.is_none());
        assert!(
            matches!(&report.problems[..], [FileProblem::Damaged { file, .. }] if file.ends_with(&format!("{session}.age"))),
            "{:?}",
            report.problems
        );
        assert_answers_like_the_records(&cache, &vault, &library);
        cache.record_saved(&couple("C-7777", "Quillon Abara"), &library);
        assert!(!cache.persist(&vault.reader()).expect("persist"));
        assert_eq!(snapshot(&root), before, "nothing written, nothing moved");
        drop(vault);

        // A stale cache: read, brought up to date in memory, not written.
        let vault = Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("open");
        SearchCache::load(&vault.reader(), &library).expect("build");
        vault
            .save(&couple("C-7777", "Quillon Abara"), now())
            .expect("save");
        drop(vault);
        let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
        let before = snapshot(&root);
        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!((report.rebuilt, report.records_read), (None, 1));
        assert!(!report.written);
        assert_eq!(found(&cache, "quillon").len(), 1);
        assert_eq!(snapshot(&root), before);
    }

    #[test]
    fn a_damaged_record_is_reported_set_aside_and_no_longer_found() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, records) = filled(&root);
        let library = Library::builtin();
        let (cache, _) = SearchCache::load(&vault.reader(), &library).expect("build");
        let RecordBody::Couple(couple) = &records[0] else {
            panic!("the demo starts with a couple")
        };
        let name = couple.partner_a.name.clone();
        assert!(!found(&cache, &name).is_empty());
        let file = root
            .join("records")
            .join("couples")
            .join(format!("{}.age", couple.id.0));
        fs::write(&file, b"not an age file").expect("damage");

        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!((report.records_read, report.records_removed), (0, 1));
        assert!(
            matches!(&report.problems[..], [FileProblem::Quarantined { file, .. }] if file == &format!("couples/{}.age", couple.id.0)),
            "{:?}",
            report.problems
        );
        assert!(!file.exists(), "moved to quarantine");
        assert!(
            found(&cache, &name)
                .iter()
                .all(|(kind, _)| *kind != HitKind::Couple)
        );
        assert_answers_like_the_records(&cache, &vault, &library);
    }

    #[test]
    fn many_records_are_read_on_several_threads_in_a_stable_order() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, _) = filled(&root);
        let library = Library::builtin();
        let generated: Vec<RecordBody> = crate::demo::generate(&library, 300, 7, now()).collect();
        for record in &generated {
            vault.save(record, now()).expect("save");
        }
        let (cache, report) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert!(report.records_read > 300);
        assert_answers_like_the_records(&cache, &vault, &library);
        assert_eq!(found(&cache, "G-00007").len(), 1);
        let first = cache.encode();
        fs::remove_file(cache_file(&root)).expect("delete");
        let (again, _) = SearchCache::load(&vault.reader(), &library).expect("load");
        assert_eq!(
            again.encode(),
            first,
            "the same records give the same cache"
        );
    }

    #[test]
    fn the_cache_file_holds_no_clinical_text_in_plaintext() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, _) = filled(&root);
        let library = Library::builtin();
        vault
            .save(&couple("C-7777", "Canaryname Quillon"), now())
            .expect("save");
        let (cache, _) = SearchCache::load(&vault.reader(), &library).expect("build");
        assert_eq!(found(&cache, "canaryname").len(), 1);
        let sealed = fs::read(cache_file(&root)).expect("cache");
        assert!(sealed.starts_with(b"age-encryption.org/v1"));
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("Canaryname") && !text.contains("dialogue"));
    }

    #[test]
    fn a_locked_vault_stops_its_readers() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("vault");
        let (vault, _) = filled(&root);
        let reader = vault.reader();
        drop(vault);
        assert!(matches!(
            SearchCache::load(&reader, &Library::builtin()),
            Err(VaultError::Locked)
        ));
        assert!(matches!(
            reader.write_search_cache(b"x"),
            Err(VaultError::Locked)
        ));
        assert!(!cache_file(&root).exists());
        // The write lock went with the vault.
        Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("free again");
    }
}
